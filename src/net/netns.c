/* Persistent network namespaces, the way `ip netns add` makes them: a child
 * unshares a new network namespace and bind-mounts its own /proc/self/ns/net
 * onto a file; the mount keeps the namespace alive after the child exits, and
 * a container joins it by opening that file. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/net_internal.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

struct made {
	const char *path;
	int err; /* 0, or what failed: -1 the unshare, else the mount's errno */
};

static int make_in_child(void *arg)
{
	struct made *m = arg;

	if (unshare(CLONE_NEWNET) < 0)
		m->err = -1;
	else if (mount("/proc/self/ns/net", m->path, NULL, MS_BIND, NULL) < 0)
		m->err = errno ? errno : EIO;
	_exit(0);
}

int net_netns_create(const char *path, lxr_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	/* the child runs on this while the parent waits (CLONE_VFORK) */
	char stack[16384] __attribute__((aligned(16)));
	struct made m = {path, 0};
	int status;
	pid_t pid;

	if (fd < 0)
		return lxr_fail(err, errno, "create %s", path);
	/* A child, so lxr's own namespace never changes, not even for a
	 * moment; one that shares lxr's memory and runs while lxr waits, so
	 * a supervisor's page tables are not copied for every container. */
	pid = clone(make_in_child, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, &m);
	if (pid < 0) {
		unlink(path);
		return lxr_fail(err, errno, "clone a child to make a network namespace");
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && m.err == 0)
		return 0;
	unlink(path);
	if (m.err == -1)
		return lxr_fail(err, EPERM, "unshare a network namespace");
	return lxr_fail(err, m.err > 0 ? m.err : EIO, "bind-mount a new network namespace on %s",
			path);
}

bool net_netns_alive(const char *path)
{
	struct statfs sf;
	return statfs(path, &sf) == 0 && sf.f_type == NSFS_MAGIC;
}

int net_netns_remove(const char *path, lxr_err *err)
{
	/* MNT_DETACH: a process still inside keeps the namespace; the name
	 * goes now and the kernel frees the rest when the last user leaves. */
	while (net_netns_alive(path))
		if (umount2(path, MNT_DETACH) < 0)
			return lxr_fail(err, errno, "umount %s", path);
	if (unlink(path) < 0 && errno != ENOENT)
		return lxr_fail(err, errno, "unlink %s", path);
	return 0;
}
