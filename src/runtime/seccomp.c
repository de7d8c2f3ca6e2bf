/* The syscall filter of a container: docker's default profile for its
 * bounding set (seccomp_default.c), or the profile its spec carries,
 * compiled in the parent before the clone (seccomp_bpf.c) so the container
 * only hands a finished program to the kernel, just before exec. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "runtime/runtime_internal.h"

/* Compiling docker's default profile takes libseccomp about 20 ms here,
 * longer than a container start: the program is prepared once in the
 * parent, and the child only hands it to the kernel. The default profile's
 * program is also kept on disk for the next lxr, keyed by the capabilities
 * its table names (rt_seccomp_default_caps), the kernel (a rule
 * depends on its version) and this very lxr binary (the table is in it);
 * a profile from a file stays in memory, keyed by its whole text, so the
 * supervisor compiles each service's once. */
static struct {
	char *key; /* NULL: nothing prepared */
	struct sock_filter *prog;
	size_t len;
} prepared;

static char *cache_path(uint64_t caps)
{
	struct stat st;
	struct utsname u;

	if (stat("/proc/self/exe", &st) < 0 || uname(&u) < 0)
		return NULL;
	return lxr_xasprintf("%s/.seccomp/%016llx-%s-%llx-%llx-%llx-%llx.bpf", lxr_run_dir(),
			     (unsigned long long)caps, u.release, (unsigned long long)st.st_dev,
			     (unsigned long long)st.st_ino, (unsigned long long)st.st_size,
			     (unsigned long long)st.st_mtim.tv_sec);
}

static bool cache_read(const char *path, struct sock_filter **prog, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	lxr_err ignored;

	if (!path || lxr_read_file_at(AT_FDCWD, path, &buf, &n, &ignored) < 0)
		return false;
	if (n == 0 || n % sizeof(struct sock_filter)) {
		free(buf);
		return false;
	}
	*prog = (struct sock_filter *)buf;
	*len = n / sizeof(struct sock_filter);
	return true;
}

/* How many programs the cache keeps: besides this lxr's, those of other
 * lxr binaries on the host (a build beside the installed one, used in
 * turn); past that, the oldest go. */
#define CACHE_KEEP 16

/* An entry's name is "<caps>-<kernel>-<dev>-<inode>-<size>-<mtime>.bpf"
 * (cache_path). Its parts, as offsets into NAME: where the kernel starts,
 * where the binary's file (dev-inode) starts and where its version
 * (size-mtime) starts. False for a name of another shape. */
static bool cache_name_parts(const char *name, size_t *kernel, size_t *file, size_t *version)
{
	size_t n = strlen(name), dashes = 0;

	if (!lxr_str_has_suffix(name, ".bpf") || !strchr(name, '-'))
		return false;
	*kernel = (size_t)(strchr(name, '-') - name) + 1;
	for (size_t i = n - 4; i > *kernel; i--) {
		if (name[i - 1] != '-')
			continue;
		if (++dashes == 2)
			*version = i;
		if (dashes == 4) {
			*file = i;
			return true;
		}
	}
	return false;
}

/* Never read again: an entry for another kernel, or for this binary's
 * file in another version (replaced in place). */
static bool cache_stale(const char *name, const char *mine)
{
	size_t k = 0, f = 0, v = 0, mk = 0, mf = 0, mv = 0;

	if (!cache_name_parts(name, &k, &f, &v) || !cache_name_parts(mine, &mk, &mf, &mv))
		return true;
	if (f - k != mf - mk || strncmp(name + k, mine + mk, f - k))
		return true;
	if (v - f != mv - mf || strncmp(name + f, mine + mf, v - f))
		return false; /* another binary's */
	return strcmp(name + v, mine + mv) != 0;
}

struct cache_entry {
	char name[NAME_MAX + 1];
	time_t mtime;
};

static int by_age(const void *a, const void *b)
{
	const struct cache_entry *x = a, *y = b;

	return (x->mtime > y->mtime) - (x->mtime < y->mtime);
}

static void cache_prune(int dfd, const char *mine)
{
	DIR *d = fdopendir(dup(dfd));
	struct cache_entry *kept = NULL;
	size_t n = 0;
	struct dirent *de;
	struct stat st;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!lxr_str_has_suffix(de->d_name, ".bpf") || !strcmp(de->d_name, mine))
			continue;
		if (cache_stale(de->d_name, mine) ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			unlinkat(dfd, de->d_name, 0);
			continue;
		}
		kept = lxr_xrealloc(kept, (n + 1) * sizeof(*kept));
		snprintf(kept[n].name, sizeof(kept[n].name), "%s", de->d_name);
		kept[n++].mtime = st.st_mtime;
	}
	closedir(d);
	/* room for this lxr's own, about to be written */
	if (n >= CACHE_KEEP) {
		qsort(kept, n, sizeof(*kept), by_age);
		for (size_t i = 0; i + CACHE_KEEP - 1 < n; i++)
			unlinkat(dfd, kept[i].name, 0);
	}
	free(kept);
}

static void cache_write(const char *path, const struct sock_filter *prog, size_t len)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int dfd = -1;
	lxr_err ignored;

	if (!path)
		return;
	dir = lxr_xstrndup(path, (size_t)(strrchr(path, '/') - path));
	if (lxr_mkdir_p(dir, 0700, &ignored) < 0)
		return;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	cache_prune(dfd, strrchr(path, '/') + 1);
	lxr_write_file_atomic(dfd, strrchr(path, '/') + 1, prog, len * sizeof(*prog), 0600,
			      &ignored);
}

static int compile_default(uint64_t caps, struct sock_filter **prog, size_t *len, lxr_err *err)
{
	struct lxr_seccomp *p = rt_seccomp_default(caps);
	int r = rt_seccomp_compile(p, prog, len, err);

	plan_seccomp_free(p);
	return r < 0 ? lxr_err_wrap(err, "docker's default seccomp profile") : 0;
}

static int prepare_default(uint64_t bounding, lxr_err *err)
{
	uint64_t caps = bounding & rt_seccomp_default_caps();
	_cleanup_free_ char *key = lxr_xasprintf("default:%016llx", (unsigned long long)caps);
	_cleanup_free_ char *path = NULL;
	struct sock_filter *prog = NULL;
	size_t len = 0;

	if (prepared.key && !strcmp(prepared.key, key))
		return 0;
	path = cache_path(caps);
	if (!cache_read(path, &prog, &len)) {
		if (compile_default(caps, &prog, &len, err) < 0)
			return -1;
		cache_write(path, prog, len);
	}
	free(prepared.key);
	free(prepared.prog);
	prepared.key = lxr_steal_ptr(&key);
	prepared.prog = prog;
	prepared.len = len;
	return 0;
}

static int prepare_profile(const struct lxr_seccomp *p, lxr_err *err)
{
	char *key = plan_seccomp_text(p);
	struct sock_filter *prog = NULL;
	size_t len = 0;

	if (prepared.key && !strcmp(prepared.key, key)) {
		free(key);
		return 0;
	}
	if (rt_seccomp_compile(p, &prog, &len, err) < 0) {
		free(key);
		return lxr_err_wrap(err, "seccomp profile");
	}
	free(prepared.key);
	free(prepared.prog);
	prepared.key = key;
	prepared.prog = prog;
	prepared.len = len;
	return 0;
}

/* the program a fresh image of lxr was handed (exec_in.c): it compiles
 * nothing of its own */
static bool adopted, adopted_profile;

void rt_seccomp_adopt(struct sock_filter *prog, size_t len, bool profile)
{
	adopted_profile = profile;
	free(prepared.key);
	free(prepared.prog);
	prepared.key = lxr_xstrdup("adopted");
	prepared.prog = prog;
	prepared.len = len;
	adopted = true;
}

const char *rt_seccomp_what(const struct lxr_spec *spec)
{
	return spec->seccomp || (adopted && adopted_profile) ? "seccomp profile"
							     : "default seccomp filter";
}

void rt_seccomp_prepared(const struct sock_filter **prog, size_t *len)
{
	*prog = prepared.prog;
	*len = prepared.key ? prepared.len : 0;
}

int rt_seccomp_prepare(const struct lxr_spec *spec, lxr_err *err)
{
	if (adopted)
		return 0;
	if (spec->seccomp)
		return prepare_profile(spec->seccomp, err);
	if (spec->seccomp_default)
		return prepare_default(
		    spec->seccomp_caps_set ? spec->seccomp_caps : spec->caps.bounding, err);
	return 0;
}

int rt_seccomp_load(const struct lxr_spec *spec, lxr_err *err)
{
	struct sock_fprog fp;

	/* The caller either set no_new_privs or still holds CAP_SYS_ADMIN
	 * (creds.c orders that); the filter never switches it on itself. */
	if (rt_seccomp_prepare(spec, err) < 0)
		return -1;
	if (!spec->seccomp && !spec->seccomp_default)
		return 0;
	fp.len = (unsigned short)prepared.len;
	fp.filter = prepared.prog;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0) {
		lxr_fail(err, errno, "seccomp load (SECCOMP_SET_MODE_FILTER)");
		if (errno == EACCES)
			lxr_err_hint(err, "a filter needs no_new_privileges or CAP_SYS_ADMIN when "
					  "it is loaded");
		return -1;
	}
	return 0;
}

int rt_seccomp_load_default(lxr_err *err)
{
	struct lxr_spec spec = {.seccomp_default = true};

	spec.caps.bounding = rt_caps_docker_default();
	return rt_seccomp_load(&spec, err);
}
