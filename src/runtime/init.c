/* The host side of lxr-init (init/lxr-init.c): the program lxr carries
 * inside itself, put in a sealed memfd once per process and executed from it
 * as the container's PID 1. Executing the init from lxr's own binary (or
 * keeping a fork of lxr as PID 1) would hand the container a descriptor on a
 * host file it can try to overwrite through /proc/1/exe, the environment of
 * whoever ran lxr in /proc/1/environ, and the supervisor's memory — other
 * services' environments included — in /proc/1/mem. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "runtime/runtime_internal.h"

extern const unsigned char rt_init_blob[];
extern const size_t rt_init_blob_len;

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

static int init_fd = -1;

static int make_memfd(lxr_err *err)
{
	_cleanup_close_ int fd = -1;
	char path[64];
	size_t off = 0;

	/* vm.memfd_noexec (6.3+) can make memfds non-executable unless asked
	 * for with MFD_EXEC; older kernels do not know the flag. */
	fd = memfd_create("lxr-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("lxr-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return lxr_fail(err, errno, "memfd_create for lxr-init");
	while (off < rt_init_blob_len) {
		ssize_t w = write(fd, rt_init_blob + off, rt_init_blob_len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return lxr_fail(err, w < 0 ? errno : EIO, "write lxr-init into its memfd");
		off += (size_t)w;
	}
	/* execve refuses a file with a writable open (ETXTBSY): keep only a
	 * read-only descriptor of it, opened while it may still be read */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	init_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (init_fd < 0)
		return lxr_fail(err, errno, "reopen lxr-init memfd read-only (%s)", path);
	/* Execute-only: an execve of a file its caller may not read leaves
	 * the new process non-dumpable from its first instruction (the
	 * kernel's would_dump), so there is no moment, before lxr-init's own
	 * PR_SET_DUMPABLE, in which a process of the container could trace it
	 * and take the sync socket it holds (exec_init drops the effective
	 * capabilities that would let root read it anyway). */
	if (fchmod(fd, 0111) < 0)
		return lxr_fail(err, errno, "chmod lxr-init memfd");
	/* Nothing can change it any more: not its bytes, size, mode or seals. */
	if (fcntl(fd, F_ADD_SEALS,
		  F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_EXEC) < 0 &&
	    (errno != EINVAL ||
	     fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0))
		return lxr_fail(err, errno, "seal lxr-init memfd (F_ADD_SEALS)");
	return 0;
}

int rt_init_prepare(lxr_err *err)
{
	if (init_fd >= 0)
		return 0;
	return make_memfd(err);
}

/* What a successful exec below leaves allocated: nothing to lxr when the
 * clone was forked (its copy of lxr's memory goes with the exec), but the
 * heap is lxr's own when the clone shared it (clone.c), which frees these
 * once the child is gone. Volatile: the compiler may not drop the stores
 * as dead, since nothing it can see reads them before the exec. */
static void *volatile exec_leftover[2];

void rt_init_free_exec_leftovers(void)
{
	for (size_t i = 0; i < sizeof(exec_leftover) / sizeof(exec_leftover[0]); i++) {
		free(exec_leftover[i]);
		exec_leftover[i] = NULL;
	}
}

/* No effective capability for the execve of lxr-init: its memfd is
 * execute-only, and CAP_DAC_OVERRIDE or CAP_DAC_READ_SEARCH in effect would
 * let the exec read it and so leave lxr-init dumpable until its first
 * instruction. The exec gives them back as it computes the new process's
 * capabilities from the permitted, inheritable and ambient sets, which
 * stay (root's effective are its permitted, a user's its ambient). A
 * filter that refuses capset leaves them: the exec still works. */
static void no_effective_caps(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2] = {{0}};

	if (syscall(SYS_capget, &h, d) < 0 || !(d[0].effective | d[1].effective))
		return;
	d[0].effective = d[1].effective = 0;
	(void)syscall(SYS_capset, &h, d);
}

/* execveat of lxr-init as "lxr-init MODE SYNC [TTY] PATH ARGS...", with sync
 * kept open across it (lxr-init reports a failed execve of the command on
 * it). Returns only on failure: err filled, 125. */
static int exec_init(int sync, const char *mode, const char *tty, const char *path,
		     char *const *args, char *const *env, lxr_err *err)
{
	size_t n = lxr_strv_len(args), at = 0;
	_cleanup_free_ char **argv = lxr_xcalloc(n + 6, sizeof(char *));
	char num[16];

	if (init_fd < 0)
		return lxr_fail(err, EBADF, "lxr-init was not prepared before the clone"), 125;
	snprintf(num, sizeof(num), "%d", sync);
	argv[at++] = (char *)"lxr-init";
	argv[at++] = (char *)mode;
	argv[at++] = num;
	if (tty)
		argv[at++] = (char *)tty;
	argv[at++] = (char *)path;
	for (size_t i = 0; i < n; i++)
		argv[at++] = args[i];
	fcntl(sync, F_SETFD, 0);
	rt_nofile_settle();
	exec_leftover[0] = argv;
	exec_leftover[1] = (void *)path;
	no_effective_caps();
	syscall(SYS_execveat, init_fd, "", argv, env, AT_EMPTY_PATH);
	/* argv goes with this function's cleanup; path stays handed back: the
	 * callers go on to _exit without freeing it */
	exec_leftover[0] = NULL;
	lxr_fail(err, errno, "execute lxr-init to run \"%s\" (execveat)", args[0]);
	if (errno == EPERM)
		lxr_err_hint(err, "lxr starts every command through execveat: a seccomp profile "
				  "must allow it");
	fcntl(sync, F_SETFD, FD_CLOEXEC);
	return 125;
}

_Noreturn void rt_init_run(int sync, const char *path, char *const *args, char *const *env,
			   bool tty)
{
	lxr_err err;

	/* Everything lxr holds is closed by the exec but the command's stdio
	 * and the sync socket, which lxr-init closes (the command's exec, for
	 * its copy): its EOF then depends on the command's exec alone. */
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	rt_child_fail(sync, exec_init(sync, "run", tty ? "t" : "-", path, args, env, &err), &err);
}

int rt_init_fd(void)
{
	return init_fd;
}

int rt_init_exec_command(int sync, const char *path, char *const *args, char *const *env,
			 lxr_err *err)
{
	return exec_init(sync, "exec", NULL, path, args, env, err);
}
