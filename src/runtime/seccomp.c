/* The syscall filter of a container: docker's default profile for its
 * bounding set (seccomp_default.c), or the profile its spec carries,
 * compiled in the parent before the clone (seccomp_bpf.c) so the container
 * only hands a finished program to the kernel, just before exec. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "runtime/internal.h"

/* Compiling takes libseccomp a millisecond or two, a sixth of a container
 * start: the program is prepared once in the parent, and the child only
 * hands it to the kernel. The default profile's program is also kept on
 * disk for the next lxr, keyed by the capability set, the kernel (a rule
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
	return lxr_xasprintf("%s/seccomp/%016llx-%s-%llx-%llx-%llx-%llx.bpf", lxr_run_dir(),
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

/* Entries are "<caps>-<kernel and binary identity>.bpf": an entry whose
 * identity differs from this lxr's was made by another build (an upgrade)
 * and will never be read again. */
static void cache_prune(int dfd, const char *mine)
{
	const char *my_id = strchr(mine, '-');
	DIR *d = fdopendir(dup(dfd));
	struct dirent *de;

	if (!d || !my_id)
		goto out;
	while ((de = readdir(d))) {
		const char *id = strchr(de->d_name, '-');
		if (id && lxr_str_has_suffix(de->d_name, ".bpf") && strcmp(id, my_id))
			unlinkat(dfd, de->d_name, 0);
	}
out:
	if (d)
		closedir(d);
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

static int prepare_default(uint64_t caps, lxr_err *err)
{
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

int rt_seccomp_prepare(const struct lxr_spec *spec, lxr_err *err)
{
	if (spec->seccomp)
		return prepare_profile(spec->seccomp, err);
	if (spec->seccomp_default)
		return prepare_default(spec->caps.bounding, err);
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
