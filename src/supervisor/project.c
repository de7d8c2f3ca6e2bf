/* A project's run directory: the lock that says a supervisor is alive, and
 * the cleanup of what a dead one left (as promised: the next `up` or `down`
 * finds and removes everything from the state directory first). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "supervisor/sup.h"

/* flock, not a pid file: the kernel drops it when the supervisor dies, even
 * by SIGKILL, so "locked" means exactly "a supervisor is alive". */
int sup_project_lock(const char *run_dir, bool wait, lxr_err *err)
{
	_cleanup_free_ char *path = lxr_xasprintf("%s/supervisor.lock", run_dir);
	int fd;

	if (lxr_mkdir_p(run_dir, 0700, err) < 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return lxr_fail(err, errno, "open %s", path);
	if (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		int e = errno;
		close(fd);
		return lxr_fail(err, e, "lock %s", path);
	}
	return fd;
}

/* The supervisor's pid, written under the lock (for `down` to signal it). */
int sup_project_write_pid(int lockfd, lxr_err *err)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

	if (ftruncate(lockfd, 0) < 0 || pwrite(lockfd, buf, (size_t)n, 0) != n)
		return lxr_fail(err, errno, "write supervisor pid");
	return 0;
}

pid_t sup_project_pid(const char *run_dir)
{
	_cleanup_free_ char *path = lxr_xasprintf("%s/supervisor.lock", run_dir);
	_cleanup_free_ char *text = NULL;
	lxr_err ignored;

	if (lxr_read_file_at(AT_FDCWD, path, &text, NULL, &ignored) < 0)
		return -1;
	return (pid_t)atoi(text);
}

/* Kill whatever a dead supervisor's containers left (their cgroups), and,
 * with remove, delete the containers' directories (writable layers). */
int sup_project_cleanup(const char *project, const char *run_dir, bool remove, lxr_err *err)
{
	DIR *d = opendir(run_dir);
	struct dirent *de;
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : lxr_fail(err, errno, "open %s", run_dir);
	while ((de = readdir(d))) {
		_cleanup_free_ char *dir = NULL, *rootfs = NULL, *state = NULL;
		struct lxr_cgroup *cg = NULL;
		struct stat st;

		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		dir = lxr_xasprintf("%s/%s", run_dir, de->d_name);
		rootfs = lxr_xasprintf("%s/rootfs", dir);
		if (stat(rootfs, &st) < 0)
			continue; /* not a container's directory */
		if (rt_cgroup_open(project, de->d_name, &cg, err) == 0 &&
		    rt_cgroup_destroy(cg, err) < 0)
			r = lxr_err_wrap(err, "clean up container %s", de->d_name);
		state = lxr_xasprintf("%s/state", dir);
		unlink(state);
		if (remove && lxr_rm_rf(dir, err) < 0)
			r = lxr_err_wrap(err, "remove container %s", de->d_name);
	}
	closedir(d);
	return r;
}
