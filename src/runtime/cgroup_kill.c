/* Emptying and removing one cgroup directory: kill what is inside, wait for
 * it to leave, remove the directory. A cgroup cannot be removed while a
 * process is in it or in a cgroup below it (the container may have made
 * its own), so this works bottom-up. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "runtime/cgroup.h"

/* SIGKILLed processes leave their cgroup once they have exited; one in
 * uninterruptible sleep can take a while. 10 ms x 1000: give up after 10 s. */
#define DRAIN_TRIES    1000
#define DRAIN_SLEEP_NS 10000000L
/* Containers can nest cgroups; nobody nests them this deep on purpose. */
#define MAX_DEPTH 32

int rt_cg_read_pids(const char *procs_path, pid_t **pids, size_t *n, lxr_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t cap = 0;

	*pids = NULL;
	*n = 0;
	if (lxr_read_file_at(AT_FDCWD, procs_path, &text, NULL, err) < 0)
		return -1;
	for (char *s = text; *s;) {
		char *end;
		long v = strtol(s, &end, 10);
		if (end == s)
			break;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*pids = lxr_xrealloc(*pids, cap * sizeof(pid_t));
		}
		(*pids)[(*n)++] = (pid_t)v;
		s = end + strspn(end, "\n");
	}
	return 0;
}

static bool has_pid(const pid_t *pids, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* A pid read from cgroup.procs may exit and be reused by an unrelated
 * process before kill() reaches it. So: pin each process with a pidfd, read
 * cgroup.procs again, and signal only pidfds whose pid is still listed. A
 * pidfd whose process was alive at the second read is that listed process;
 * one that died in between makes the signal fail harmlessly. Returns 1 when
 * the first read listed any, 0 when nothing was there to kill, or -1. */
static int kill_listed(const char *dir, lxr_err *err)
{
	_cleanup_free_ char *procs = lxr_xasprintf("%s/cgroup.procs", dir);
	_cleanup_free_ pid_t *first = NULL, *again = NULL;
	_cleanup_free_ int *fds = NULL;
	size_t n = 0, m = 0;

	/* ENOENT: the directory went away under us, which is the goal. */
	if (rt_cg_read_pids(procs, &first, &n, err) < 0)
		return err->errnum == ENOENT ? 0 : -1;
	if (has_pid(first, n, getpid())) {
		lxr_fail(err, EDEADLK, "the calling process (pid %d) is inside %s", (int)getpid(),
			 dir);
		return lxr_err_hint(err, "lxr never runs inside a container's cgroup; move it out "
					 "before removing the cgroup");
	}
	if (!n)
		return 0;
	fds = lxr_xcalloc(n, sizeof(int));
	for (size_t i = 0; i < n; i++) {
		int fd = (int)syscall(SYS_pidfd_open, first[i], 0);
		fds[i] = fd >= 0 ? fd : -errno;
	}
	if (rt_cg_read_pids(procs, &again, &m, NULL) == 0) {
		for (size_t i = 0; i < n; i++) {
			if (!has_pid(again, m, first[i]))
				continue;
			if (fds[i] >= 0)
				syscall(SYS_pidfd_send_signal, fds[i], SIGKILL, NULL, 0);
			else if (fds[i] == -ENOSYS) /* kernel < 5.3: no pidfds */
				kill(first[i], SIGKILL);
		}
	}
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return 1;
}

/* No process left in dir itself (what is below it is gone already). An
 * exited process leaves cgroup.procs at once (cgroup_exit), before it is
 * reaped. */
static int is_empty(const char *dir, lxr_err *err)
{
	_cleanup_free_ char *procs = lxr_xasprintf("%s/cgroup.procs", dir);
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;

	if (rt_cg_read_pids(procs, &pids, &n, err) < 0)
		return -1;
	return n == 0;
}

/* One pass over dir and what is below it. 1: removed (or already gone;
 * keep: dir itself is left, and empty), 0: still busy, -1: error. */
static int drain_once(const char *dir, int depth, bool keep, lxr_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool busy = false;
	int r = 1, listed;

	if (!d)
		return errno == ENOENT ? 1 : lxr_fail(err, errno, "open %s", dir);
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		_cleanup_free_ char *sub = lxr_xasprintf("%s/%s", dir, de->d_name);
		if (depth >= MAX_DEPTH) {
			closedir(d);
			return lxr_fail(err, ELOOP, "cgroups nested more than %d deep below %s",
					MAX_DEPTH, sub);
		}
		r = drain_once(sub, depth + 1, false, err);
		if (r < 0)
			break;
		busy |= r == 0;
	}
	closedir(d);
	if (r < 0)
		return -1;
	listed = kill_listed(dir, err);
	if (listed < 0)
		return -1;
	/* nothing was listed: empty, without reading it again (a restart's
	 * reuse of a reaped container's cgroup, the usual case) */
	if (keep)
		return busy ? 0 : listed == 0 ? 1 : is_empty(dir, err);
	if (rmdir(dir) == 0 || errno == ENOENT)
		return 1;
	if (errno == EBUSY || errno == ENOTEMPTY)
		return 0;
	return lxr_fail(err, errno, "rmdir %s", dir);
}

static int drain(const char *path, enum lxr_cg_version v, bool keep, lxr_err *err)
{
	const struct timespec pause = {.tv_sec = 0, .tv_nsec = DRAIN_SLEEP_NS};

	/* The common case, a container whose init was reaped (its pid
	 * namespace ended with it): nothing inside and nothing below, and one
	 * rmdir does it; the kernel refuses (EBUSY) while a process or a
	 * cgroup is left, and then the kill-and-wait below runs. */
	if (!keep && (rmdir(path) == 0 || errno == ENOENT))
		return 0;

	if (v == LXR_CG_V2) {
		/* cgroup.kill (5.14+) kills the whole subtree at once, so a
		 * process forking in a loop cannot outrun the kill loop. */
		_cleanup_free_ char *kill_file = lxr_xasprintf("%s/cgroup.kill", path);
		lxr_err kerr;
		if (access(path, F_OK) < 0 && errno == ENOENT)
			return 0;
		if (lxr_write_file_at(AT_FDCWD, kill_file, "1", &kerr) < 0 &&
		    kerr.errnum != ENOENT) {
			*err = kerr;
			return -1;
		}
	}
	for (int i = 0; i < DRAIN_TRIES; i++) {
		int r = drain_once(path, 0, keep, err);
		if (r != 0)
			return r < 0 ? -1 : 0;
		nanosleep(&pause, NULL);
	}
	lxr_fail(err, EBUSY, "processes in %s did not exit within 10 s of SIGKILL", path);
	return lxr_err_hint(err,
			    "one may be stuck in uninterruptible sleep (state D): see ps -o "
			    "pid,stat,wchan for the pids in %s/cgroup.procs",
			    path);
}

int rt_cg_leaf_remove(const char *path, enum lxr_cg_version v, lxr_err *err)
{
	return drain(path, v, false, err);
}

int rt_cg_leaf_empty(const char *path, enum lxr_cg_version v, lxr_err *err)
{
	return drain(path, v, true, err);
}
