/* The fuzz targets' scratch filesystem: a tmpfs that no path reaches, in a
 * mount namespace where the rest of the host is read-only. The code under
 * test promises never to write outside the directory it is given; this
 * makes a broken promise an EROFS (which the targets treat as a finding)
 * instead of damage to the host the fuzzer runs on. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "scratch.h"

/* glibc 2.36's <sys/mount.h> and <linux/mount.h> clash: raw syscalls here */
static long mount_setattr_(const char *path, unsigned flags, const struct mount_attr *a)
{
	return syscall(SYS_mount_setattr, AT_FDCWD, path, flags, a, sizeof(*a));
}

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	fprintf(stderr, "fuzz scratch: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(e));
	exit(1);
}

static void write_proc(const char *file, const char *text)
{
	int fd = open(file, O_WRONLY | O_CLOEXEC);
	ssize_t n = (ssize_t)strlen(text);

	if (fd < 0 || write(fd, text, (size_t)n) != n)
		die("write %s", file);
	close(fd);
}

/* Root: a mount namespace. Otherwise a user namespace too, mapping our own
 * ids, where mounting is ours to do. */
static void enter_namespace(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (unshare(CLONE_NEWNS) == 0)
		return;
	if (errno != EPERM || unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		die("unshare a mount namespace (run as root, or allow unprivileged user "
		    "namespaces)");
	write_proc("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)uid, (unsigned)uid);
	write_proc("/proc/self/uid_map", map);
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)gid, (unsigned)gid);
	write_proc("/proc/self/gid_map", map);
}

struct writable {
	char *v[64];
	size_t n;
};

/* A directory libFuzzer will write to: bound onto itself, so that it is a
 * mount of its own that stays writable when the rest turns read-only. */
static void keep_writable(struct writable *w, const char *path)
{
	char real[PATH_MAX];
	struct stat st;

	if (!realpath(path, real) || stat(real, &st) < 0 || !S_ISDIR(st.st_mode))
		return; /* not there (yet): libFuzzer reports that itself */
	if (!strcmp(real, "/")) {
		fprintf(stderr, "fuzz scratch: not keeping / writable; give libFuzzer "
				"directories below it\n");
		return;
	}
	if (w->n == sizeof(w->v) / sizeof(w->v[0]))
		die("more than %zu writable directories", w->n);
	if (syscall(SYS_mount, real, real, NULL, MS_BIND | MS_REC, NULL) < 0)
		die("bind %s", real);
	w->v[w->n++] = strdup(real);
}

static void keep_dir_of(struct writable *w, const char *file)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(file, '/');

	if (!slash) {
		keep_writable(w, ".");
		return;
	}
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - file + 1), file);
	keep_writable(w, dir);
}

static const char *flag_value(const char *arg, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(arg, name, n) && arg[n] == '=' ? arg + n + 1 : NULL;
}

static void find_writable(struct writable *w, int argc, char **argv)
{
	const char *v;

	keep_writable(w, "."); /* crash-* files land here without -artifact_prefix */
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] != '-')
			keep_writable(w, argv[i]); /* a corpus directory; a file is only read */
		else if ((v = flag_value(argv[i], "-artifact_prefix")) ||
			 (v = flag_value(argv[i], "-exact_artifact_path")))
			keep_dir_of(w, v);
		else if (flag_value(argv[i], "-merge") || flag_value(argv[i], "-fork") ||
			 flag_value(argv[i], "-jobs") || flag_value(argv[i], "-minimize_crash"))
			/* these keep control files and logs in the temp directory */
			keep_writable(w, getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	}
}

static int tmpfs_detached(void)
{
	int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC), mnt;

	if (fs < 0)
		die("fsopen tmpfs");
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "size", "256m", 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "mode", "0700", 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		die("configure tmpfs");
	mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
			   MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (mnt < 0)
		die("fsmount tmpfs");
	close(fs);
	return mnt;
}

int fuzz_scratch_open(int argc, char **argv)
{
	struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
	struct mount_attr rw = {.attr_clr = MOUNT_ATTR_RDONLY};
	struct writable w = {0};
	char cwd[PATH_MAX];

	if (!getcwd(cwd, sizeof(cwd)))
		die("getcwd");
	enter_namespace();
	/* nothing done below may reach the host's mount table */
	if (syscall(SYS_mount, "none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("make / private");
	find_writable(&w, argc, argv);
	if (mount_setattr_("/", AT_RECURSIVE, &ro) < 0)
		die("make / read-only");
	for (size_t i = 0; i < w.n; i++) {
		if (mount_setattr_(w.v[i], AT_RECURSIVE, &rw) < 0)
			die("make %s writable", w.v[i]);
		free(w.v[i]);
	}
	/* the working directory still lies on the mount below the binds:
	 * enter it again, or relative names would still be read-only */
	if (chdir(cwd) < 0)
		die("chdir %s", cwd);
	return tmpfs_detached();
}
