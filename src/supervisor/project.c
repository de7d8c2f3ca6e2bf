/* A project's run directory: the lock that says a supervisor is alive, and
 * the cleanup of what a dead one left (as promised: the next `up` or `down`
 * finds and removes everything from the state directory first). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lxr/net.h"
#include "lxr/supervisor.h"
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

/* A directory a container's start made but did not finish (an older lxr
 * made the directory before its rootfs/): no container ever ran in it, so
 * nothing in it is worth keeping, and it would hold the container's name. */
static bool half_made(const char *dir)
{
	_cleanup_free_ char *rootfs = lxr_xasprintf("%s/rootfs", dir);
	struct stat st;

	return stat(rootfs, &st) < 0 && errno == ENOENT;
}

/* Kill whatever a dead supervisor's containers left (their cgroups), and,
 * with remove, delete the containers' directories (writable layers). What
 * a kill left half-way goes either way: temp files and directories and
 * container directories without a rootfs/. The caller holds the project's
 * lock, as every writer in run_dir does: each temp name is a dead one's.
 * removed (may be NULL) gets a line for each thing removed. */
int sup_project_cgroups_without_dirs(const char *project, const char *run_dir, char ***removed,
				     char ***kept, lxr_err *err)
{
	_cleanup_strv_ char **names = rt_cgroup_names(project);
	int r = 0;

	for (size_t i = 0; names[i]; i++) {
		_cleanup_free_ char *cdir = lxr_xasprintf("%s/%s", run_dir, names[i]);
		_cleanup_free_ pid_t *pids = NULL;
		struct lxr_cgroup *cg = NULL;
		size_t n = 0;
		lxr_err e;

		if (access(cdir, F_OK) == 0 || rt_cgroup_open(project, names[i], &cg, &e) < 0)
			continue;
		if (rt_cgroup_pids(cg, &pids, &n, &e) < 0 || n > 0) {
			if (kept)
				lxr_strv_push(kept,
					      lxr_xasprintf("cgroup lxr/%s/%s: it has processes "
							    "and no container directory here",
							    project, names[i]));
			rt_cgroup_free(cg);
			continue;
		}
		if (rt_cgroup_destroy(cg, &e) < 0) {
			if (r == 0)
				*err = e;
			r = -1;
		} else if (removed) {
			lxr_strv_push(removed,
				      lxr_xasprintf("cgroup lxr/%s/%s", project, names[i]));
		}
	}
	/* and the project's own lxr/<project>, where a start killed before
	 * its first container's cgroup left it empty */
	rt_cgroup_prune(project);
	return r;
}

int sup_project_cleanup(const char *project, const char *run_dir, bool remove, char ***removed,
			lxr_err *err)
{
	DIR *d;
	struct dirent *de;
	int r = lxr_tmp_sweep_report(run_dir, true, removed, err);

	/* a dead rootless supervisor's network namespace and pasta: what was
	 * in the namespace goes with it */
	if (lxr_rootless_uid() >= 0)
		net_rootless_leave(run_dir);
	d = opendir(run_dir);
	if (!d)
		return errno == ENOENT ? r : lxr_fail(err, errno, "open %s", run_dir);
	while ((de = readdir(d))) {
		_cleanup_free_ char *dir = NULL;
		struct lxr_cgroup *cg = NULL;

		/* a start-first update's link from an instance's name to its
		 * container's ("web-1" -> "web-1.next"), for exec: goes with
		 * the containers */
		if (remove && de->d_type == DT_LNK) {
			_cleanup_free_ char *link = lxr_xasprintf("%s/%s", run_dir, de->d_name);
			unlink(link);
			continue;
		}
		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		dir = lxr_xasprintf("%s/%s", run_dir, de->d_name);
		/* no container: the versions a rollback returns to, which
		 * must outlive a dead supervisor (update_state.c) */
		if (!strcmp(de->d_name, "+previous")) {
			if (remove && lxr_rm_rf(dir, err) < 0)
				r = -1;
			continue;
		}
		if (half_made(dir)) {
			lxr_info("removing %s, a container directory a kill left half-made", dir);
			if (lxr_rm_rf(dir, err) < 0)
				r = lxr_err_wrap(err, "remove container %s", de->d_name);
			else if (removed)
				lxr_strv_push(removed,
					      lxr_xasprintf("half-made container %s", dir));
			continue;
		}
		if (lxr_tmp_sweep_report(dir, true, removed, err) < 0)
			r = -1;
		if (rt_cgroup_open(project, de->d_name, &cg, err) == 0) {
			if (rt_cgroup_destroy(cg, err) < 0)
				r = lxr_err_wrap(err, "clean up container %s", de->d_name);
			else if (removed)
				lxr_strv_push(removed, lxr_xasprintf("cgroup lxr/%s/%s", project,
								     de->d_name));
		}
		static const char *const states[] = {"state", /* one that never got as
							       * far as its command */
						     "state.starting"};
		for (size_t i = 0; i < 2; i++) {
			_cleanup_free_ char *state = lxr_xasprintf("%s/%s", dir, states[i]);
			if (unlink(state) == 0 && removed)
				lxr_strv_push(removed, lxr_xasprintf("stale state file %s", state));
		}
		if (remove && lxr_rm_rf(dir, err) < 0)
			r = lxr_err_wrap(err, "remove container %s", de->d_name);
	}
	closedir(d);
	/* and one made ahead of a start that never came (sup_prepare_next),
	 * the supervisor killed meanwhile */
	if (lxr_rootless_uid() < 0 &&
	    sup_project_cgroups_without_dirs(project, run_dir, removed, NULL, err) < 0)
		r = -1;
	return r;
}

/* ---- which stack files made the project ------------------------------------
 * A project name is derived from a directory name, and two directories can
 * normalise to the same one ("my stack" and "mystack"). The run directory
 * records the absolute paths of the files of the last `up`, one a line, so a
 * command run from another file is refused instead of acting on a stack it
 * did not make (as compose keeps its config_files label). */
#define STACK_FILES "stack-files"

int sup_project_record_files(const char *run_dir, const char *const *files, lxr_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int dfd, r;

	for (size_t i = 0; files && files[i]; i++)
		fprintf(f, "%s\n", files[i]);
	fclose(f);
	dfd = open(run_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return lxr_fail(err, errno, "open %s", run_dir);
	r = lxr_write_file_atomic(dfd, STACK_FILES, text, len, 0600, err);
	close(dfd);
	return r < 0 ? lxr_err_wrap(err, "record the project's stack files") : 0;
}

char *sup_project_files(const char *project)
{
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s/" STACK_FILES, lxr_run_dir(), project);
	char *text = NULL;
	lxr_err ignored;

	if (lxr_read_file_at(AT_FDCWD, path, &text, NULL, &ignored) < 0)
		return NULL;
	return text;
}

int sup_project_check_files(const char *project, const char *recorded, const char *file,
			    lxr_err *err)
{
	size_t n = strlen(file), len = 0;
	_cleanup_free_ char *shown = NULL;
	FILE *f;

	/* nothing recorded (never up, or taken down): the project is free */
	if (!recorded || !*recorded)
		return 0;
	/* the same set of files: today one, so the record is exactly it */
	if (!strncmp(recorded, file, n) && recorded[n] == '\n' && !recorded[n + 1])
		return 0;
	/* quoted: a directory name with a space is what leads here */
	f = open_memstream(&shown, &len);
	for (const char *p = recorded; *p;) {
		size_t l = strcspn(p, "\n");
		fprintf(f, "%s\"%.*s\"", p == recorded ? "" : ", ", (int)l, p);
		p += l + (p[l] == '\n');
	}
	fclose(f);
	lxr_fail(err, 0,
		 "project \"%s\" was brought up from %s, not from \"%s\": both give the "
		 "project name \"%s\", and acting from here would change the other stack",
		 project, shown, file, project);
	return lxr_err_hint(err,
			    "to act on that project anyway, pass -p %s; to run this stack beside "
			    "it, give it a name of its own (-p NAME, or `name:` in \"%s\")",
			    project, file);
}

int sup_project_claim(const char *project, const char *file, lxr_err *err)
{
	_cleanup_free_ char *recorded = sup_project_files(project);
	return sup_project_check_files(project, recorded, file, err);
}

static int net_cleanup(void *project, lxr_err *err)
{
	return sup_net_cleanup(project, err);
}

/* compose run's one-offs on the stack's networks go with it, as compose's
 * down removes them: stopped (SIGTERM, then SIGKILL after 10 s, compose's
 * default grace; their lxr, in the foreground, removes them), and their
 * endpoints removed here, so that nothing holds the networks the cleanup
 * removes. */
static void oneoffs_stop(const char *project)
{
	_cleanup_strv_ char **names = net_project_guests(lxr_run_dir(), project);
	_cleanup_free_ char *root = lxr_xasprintf("%s/_run", lxr_run_dir());

	for (size_t i = 0; names[i]; i++) {
		struct lxr_container_ref ref;
		lxr_err e;
		if (rt_container_find(root, names[i], &ref, &e) == 0) {
			struct pollfd pf = {.fd = ref.pidfd, .events = POLLIN};
			if (syscall(SYS_pidfd_send_signal, ref.pidfd, SIGTERM, NULL, 0) == 0 &&
			    poll(&pf, 1, 10000) == 0 &&
			    syscall(SYS_pidfd_send_signal, ref.pidfd, SIGKILL, NULL, 0) == 0)
				poll(&pf, 1, 10000);
			rt_container_ref_free(&ref);
			lxr_info("one-off container %s (compose run) on the project's network: "
				 "stopped",
				 names[i]);
		}
		if (net_endpoint_remove(lxr_run_dir(), NET_RUN_PROJECT, names[i], &e) < 0)
			lxr_warn("%s", e.msg);
	}
}

int sup_project_remove(const char *project, const char *run_dir, lxr_err *err)
{
	static const char *const files[] = {
	    /* a killed supervisor could not remove its socket */
	    "control.sock",
	    "events.jsonl",
	    "supervisor.log",
	    "stack-files",
	    /* where its cgroups were (rt_cg_host_base): they are gone now */
	    "cgroup-parent",
	    /* last: unlinked while held, so a concurrent `up` starts from
	     * nothing, and a `down` that waited on it can tell (st_nlink) */
	    "supervisor.lock",
	};

	struct lxr_child net;
	lxr_err net_err;
	int r;

	oneoffs_stop(project);
	/* Removing the network is mostly waiting on the kernel (a bridge's
	 * deletion, the namespaces' cleanup work), so the containers'
	 * directories go meanwhile, in this process. Rootless, the two
	 * would both leave the stack's namespace: one after the other. */
	if (lxr_rootless_uid() >= 0) {
		if (sup_project_cleanup(project, run_dir, true, NULL, err) < 0 ||
		    sup_net_cleanup(project, err) < 0)
			return -1;
	} else {
		if (lxr_child_start(net_cleanup, (void *)project, &net, err) < 0)
			return -1;
		r = sup_project_cleanup(project, run_dir, true, NULL, err);
		if (lxr_child_finish(&net, "network cleanup", r < 0 ? &net_err : err) < 0)
			r = -1;
		if (r < 0)
			return -1;
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		_cleanup_free_ char *path = lxr_xasprintf("%s/%s", run_dir, files[i]);
		unlink(path);
	}
	/* the run directory goes with the last container */
	if (rmdir(run_dir) < 0 && errno != ENOENT)
		return lxr_fail(err, errno, "remove %s", run_dir);
	return 0;
}
