/* Small file helpers: atomic writes for state files, knob writes for cgroup
 * and /proc files, mkdir -p, a mount-bounded rm -rf, and rooted opens. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lxr/util.h"

char *lxr_tmp_name(const char *name)
{
	return lxr_tmp_name_of(name, (int)getpid());
}

char *lxr_tmp_name_of(const char *name, int pid)
{
	return lxr_xasprintf(".%s" LXR_TMP_INFIX "%d", name, pid);
}

DIR *lxr_opendir_dup(int dirfd)
{
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		errno = e;
		return NULL;
	}
	rewinddir(d);
	return d;
}

int lxr_tmp_name_pid(const char *name)
{
	const char *p = strstr(name, LXR_TMP_INFIX), *q;
	long pid = 0;

	if (name[0] != '.' || !p || p == name + 1)
		return 0;
	/* the last ".tmp.": a name may hold one itself */
	while ((q = strstr(p + 1, LXR_TMP_INFIX)))
		p = q;
	p += strlen(LXR_TMP_INFIX);
	if (!*p)
		return 0;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || pid > (1L << 22))
			return 0;
		pid = pid * 10 + (*p - '0');
	}
	return (int)pid;
}

time_t lxr_boot_time(void)
{
	static time_t bt = -1;
	char line[128];
	FILE *f;

	if (bt >= 0)
		return bt;
	bt = 0;
	f = fopen("/proc/stat", "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "btime ", 6))
			bt = (time_t)strtoll(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return bt;
}

static bool pid_is_lxr(int pid)
{
	char path[40], comm[32] = "";
	_cleanup_close_ int fd = -1;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	/* unreadable: assume the worst, it may be the writer */
	if (fd < 0 || read(fd, comm, sizeof(comm) - 1) < 0)
		return true;
	return !strncmp(comm, "lxr", 3);
}

/* After a power cut the pids in the names of the last boot are handed out
 * again, so "a process with that pid lives" no longer means "the writer
 * lives". A name written before this boot began whose pid is now some other
 * program's is dead too. Both tests: a clock set forward after boot (no RTC,
 * then NTP) moves btime past files this boot wrote, but their writer is an
 * lxr process and keeps them. */
bool lxr_tmp_writer_gone(int dirfd, const char *name, int pid)
{
	struct stat st;

	if (lxr_pid_gone(pid))
		return true;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	return st.st_mtime < lxr_boot_time() && !pid_is_lxr(pid);
}

int lxr_tmp_sweep(const char *dir, bool all, lxr_err *err)
{
	return lxr_tmp_sweep_report(dir, all, NULL, err);
}

int lxr_tmp_find_dead(const char *dir, char ***found)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d))) {
		int pid = lxr_tmp_name_pid(de->d_name);
		if (pid > 0 && lxr_tmp_writer_gone(dirfd(d), de->d_name, pid))
			lxr_strv_push(found, lxr_xasprintf("%s/%s", dir, de->d_name));
	}
	closedir(d);
	return 0;
}

int lxr_tmp_sweep_report(const char *dir, bool all, char ***removed, lxr_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : lxr_fail(err, errno, "open %s", dir);
	while ((de = readdir(d))) {
		int pid = lxr_tmp_name_pid(de->d_name);
		_cleanup_free_ char *path = NULL;
		if (pid <= 0 || (!all && !lxr_tmp_writer_gone(dirfd(d), de->d_name, pid)))
			continue;
		path = lxr_xasprintf("%s/%s", dir, de->d_name);
		lxr_debug("removing %s, left by a writer that died", path);
		if (lxr_rm_rf(path, err) < 0)
			r = -1;
		else if (removed)
			lxr_strv_push(removed, lxr_steal_ptr(&path));
	}
	closedir(d);
	return r;
}

void lxr_tmp_sweep_once(const char *dir)
{
	static char **swept;

	if (lxr_strv_has(swept, dir))
		return;
	(void)lxr_tmp_sweep(dir, false, &(lxr_err){0});
	lxr_strv_push(&swept, lxr_xstrdup(dir));
}

static int write_replace(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
			 bool durable, lxr_err *err)
{
	/* A kill between create and rename leaves this name: lxr_tmp_sweep
	 * knows its shape. (O_TMPFILE + linkat cannot replace a file, and
	 * replacing is the point, so a named temp it is.) */
	_cleanup_free_ char *tmp = lxr_tmp_name(name);
	_cleanup_close_ int fd = -1;
	const char *p = data;

	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return lxr_fail(err, errno, "create %s", tmp);
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int e = errno;
			unlinkat(dirfd, tmp, 0);
			return lxr_fail(err, e, "write %s", tmp);
		}
		p += w;
		len -= (size_t)w;
	}
	/* A reader must see the old file or the whole new one, also after a
	 * power cut: data reaches disk before the rename makes it visible. */
	if ((durable && fsync(fd) < 0) || renameat(dirfd, tmp, dirfd, name) < 0) {
		int e = errno;
		unlinkat(dirfd, tmp, 0);
		return lxr_fail(err, e, "replace %s", name);
	}
	if (durable && dirfd != AT_FDCWD)
		fsync(dirfd);
	return 0;
}

int lxr_write_file_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
			  lxr_err *err)
{
	return write_replace(dirfd, name, data, len, mode, true, err);
}

int lxr_write_file_replace(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
			   lxr_err *err)
{
	return write_replace(dirfd, name, data, len, mode, false, err);
}

int lxr_write_file_new(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
		       lxr_err *err)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	ssize_t w;

	if (fd < 0)
		return lxr_fail(err, errno, "create %s", name);
	w = len ? write(fd, data, len) : 0;
	if (w < 0)
		return lxr_fail(err, errno, "write %s", name);
	if ((size_t)w != len)
		return lxr_fail(err, EIO, "short write to %s", name);
	return 0;
}

int lxr_write_file_at(int dirfd, const char *name, const char *value, lxr_err *err)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC | O_TRUNC);
	size_t len = strlen(value);
	ssize_t w;

	if (fd < 0)
		return lxr_fail(err, errno, "open %s", name);
	w = write(fd, value, len);
	if (w < 0)
		return lxr_fail(err, errno, "write \"%s\" to %s", value, name);
	if ((size_t)w != len)
		return lxr_fail(err, EIO, "short write of \"%s\" to %s", value, name);
	return 0;
}

int lxr_read_file_at(int dirfd, const char *name, char **out, size_t *outlen, lxr_err *err)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return lxr_fail(err, errno, "open %s", name);
	return lxr_read_fd(fd, name, out, outlen, err);
}

int lxr_read_fd(int fd, const char *name, char **out, size_t *outlen, lxr_err *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t cap = 4096, len = 0;

	buf = lxr_xmalloc(cap);
	for (;;) {
		ssize_t r;
		if (len + 1 >= cap) {
			if (cap >= (1u << 20))
				return lxr_fail(err, EFBIG, "read %s", name);
			cap *= 2;
			buf = lxr_xrealloc(buf, cap);
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return lxr_fail(err, errno, "read %s", name);
		if (r == 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	if (outlen)
		*outlen = len;
	*out = lxr_steal_ptr(&buf);
	return 0;
}

int lxr_mkdir_p(const char *path, mode_t mode, lxr_err *err)
{
	_cleanup_free_ char *p = NULL;

	/* the common case, a directory whose parent is there: one syscall */
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return lxr_fail(err, errno, "mkdir %s", path);
	p = lxr_xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return lxr_fail(err, errno, "mkdir %s", p);
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return lxr_fail(err, errno, "mkdir %s", p);
	return 0;
}

/* Directories open at once in a removal: a tree deeper than this (a
 * container can make one 30,000 deep) has its deeper directories moved up
 * into the top one and removed from there, so neither descriptors nor the
 * stack run out. */
#define RM_MAX_OPEN 48

struct rm_ctx {
	dev_t dev;
	uint64_t mnt_id; /* the top's mount (statx), 0 where the kernel has none */
	int topfd;       /* the top directory, once open: where deep ones are moved */
	unsigned long parked;
};

uint64_t lxr_mount_id(int dirfd, const char *path)
{
	int flags = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | (*path ? 0 : AT_EMPTY_PATH);
	struct statx sx;

	if (statx(dirfd, path, flags, STATX_MNT_ID, &sx) < 0 || !(sx.stx_mask & STATX_MNT_ID))
		return 0;
	return sx.stx_mnt_id;
}

bool lxr_fd_on_kernel_fs(int fd)
{
	static const unsigned long kinds[] = {PROC_SUPER_MAGIC,   SYSFS_MAGIC,
					      CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC,
					      DEBUGFS_MAGIC,      TRACEFS_MAGIC,
					      SECURITYFS_MAGIC,   BPF_FS_MAGIC,
					      EFIVARFS_MAGIC,     PSTOREFS_MAGIC,
					      NSFS_MAGIC,         BINFMTFS_MAGIC,
					      DEVPTS_SUPER_MAGIC, 0x62656570 /* configfs */,
					      0x65735543 /* fusectl */};
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return false;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if ((unsigned long)sf.f_type == kinds[i])
			return true;
	return false;
}

/* Move dir's entry name up into the top directory, under a name nothing
 * holds (one made there before is never replaced) */
static bool park(int dirfd, const char *name, struct rm_ctx *c)
{
	for (int tries = 0; tries < 64; tries++) {
		char moved[48];
		snprintf(moved, sizeof(moved), ".lxr-rm-%d-%lu", (int)getpid(), c->parked++);
		if (renameat2(dirfd, name, c->topfd, moved, RENAME_NOREPLACE) == 0)
			return true;
		if (errno != EEXIST)
			return false;
	}
	return false;
}

static int rm_rf_at(int parentfd, const char *name, struct rm_ctx *c, int depth, lxr_err *err)
{
	struct stat st;
	_cleanup_close_ int fd = -1;
	DIR *d;
	struct dirent *de;
	bool again;
	int r = 0;

	if (fstatat(parentfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : lxr_fail(err, errno, "stat %s", name);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(parentfd, name, 0) < 0 && errno != ENOENT)
			return lxr_fail(err, errno, "unlink %s", name);
		return 0;
	}
	/* Never descend into another mount: a leftover bind mount inside the
	 * tree must fail the removal, not empty the host directory. Another
	 * filesystem shows in the device; a bind of a directory of the same
	 * one (a volume's, below the data directory too) only in the mount. */
	if (st.st_dev != c->dev || (c->mnt_id && lxr_mount_id(parentfd, name) != c->mnt_id))
		return lxr_fail(err, EBUSY, "%s is a mount point", name),
		       lxr_err_hint(err, "unmount it first (a leftover of a crash? lxr doctor "
					 "--repair); what is below it was left alone");
	fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return lxr_fail(err, errno, "open %s", name);
	d = fdopendir(lxr_steal_fd(&fd));
	if (!d)
		return lxr_fail(err, errno, "opendir %s", name);
	if (!depth)
		c->topfd = dirfd(d);
	do { /* the top one again while what was moved into it is there */
		unsigned long parked = c->parked;
		again = false;
		while (r == 0 && (de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (depth >= RM_MAX_OPEN &&
			    (de->d_type == DT_DIR ||
			     (de->d_type == DT_UNKNOWN &&
			      fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			      S_ISDIR(st.st_mode))) &&
			    park(dirfd(d), de->d_name, c))
				continue;
			if (rm_rf_at(dirfd(d), de->d_name, c, depth + 1, err) < 0)
				r = -1;
		}
		/* only what this removal moved up: a writer still adding
		 * entries fails the rmdir below, as before */
		again = !depth && c->parked != parked;
		if (again)
			rewinddir(d);
	} while (r == 0 && again);
	closedir(d);
	if (r < 0)
		return lxr_err_wrap(err, "%s", name);
	if (unlinkat(parentfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return lxr_fail(err, errno, "rmdir %s", name);
	return 0;
}

int lxr_rm_rf(const char *path, lxr_err *err)
{
	struct stat st;
	struct rm_ctx c = {0, 0, -1, 0};

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : lxr_fail(err, errno, "stat %s", path);
	c.dev = st.st_dev;
	c.mnt_id = S_ISDIR(st.st_mode) ? lxr_mount_id(AT_FDCWD, path) : 0;
	if (rm_rf_at(AT_FDCWD, path, &c, 0, err) < 0)
		return lxr_err_wrap(err, "remove %s", path);
	return 0;
}

int lxr_openat2(int dirfd, const char *path, const struct open_how *how)
{
	int fd, tries = 0;

	/* EAGAIN: a rename or a mount anywhere on the host raced a ".." of
	 * the walk, and the kernel could not prove it stayed inside; nothing
	 * is wrong with the path, and the kernel's advice is to try again */
	do
		fd = (int)syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
	while (fd < 0 && errno == EAGAIN && ++tries < LXR_OPENAT2_TRIES);
	return fd;
}

int lxr_open_in_root(int rootfd, const char *path, int flags, mode_t mode, lxr_err *err)
{
	struct open_how how = {
	    .flags = (uint64_t)(flags | O_CLOEXEC),
	    .mode = (flags & O_CREAT) ? mode : 0,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	fd = lxr_openat2(rootfd, path, &how);
	if (fd < 0)
		return lxr_fail(err, errno, "open %s in container root (openat2)", path);
	return fd;
}

/* Whether prog is an executable in a directory of $PATH. */
bool lxr_in_path(const char *prog)
{
	const char *path = getenv("PATH");
	_cleanup_free_ char *copy = lxr_xstrdup(path ? path : "/usr/bin:/bin");

	for (char *save = NULL, *d = strtok_r(copy, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		_cleanup_free_ char *p = lxr_xasprintf("%s/%s", d, prog);
		if (access(p, X_OK) == 0)
			return true;
	}
	return false;
}
