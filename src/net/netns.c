/* Persistent network namespaces, the way `ip netns add` makes them: a child
 * unshares a new network namespace and bind-mounts its own /proc/self/ns/net
 * onto a file; the mount keeps the namespace alive after the child exits, and
 * a container joins it by opening that file. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>

#include "net/internal.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

int net_netns_create(const char *path, lxr_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	int status;
	pid_t pid;

	if (fd < 0)
		return lxr_fail(err, errno, "create %s", path);
	/* A child, so lxr's own namespace never changes, not even for a moment. */
	pid = fork();
	if (pid < 0) {
		unlink(path);
		return lxr_fail(err, errno, "fork");
	}
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			_exit(100 + 0);
		if (mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) < 0)
			_exit(errno == 0 ? 1 : errno > 99 ? 99 : errno);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	unlink(path);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 100)
		return lxr_fail(err, EPERM, "unshare a network namespace");
	return lxr_fail(err, WIFEXITED(status) ? WEXITSTATUS(status) : EIO,
			"bind-mount a new network namespace on %s", path);
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
