/* The parent side of one container: its directory and cgroup, the wait for
 * its exec, and the undo of all of it. The clone into its namespaces is
 * clone.c's. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/runtime_internal.h"

pid_t rt_container_pid(const struct lxr_container *c)
{
	return c->pid;
}

int rt_container_pidfd(const struct lxr_container *c)
{
	return c->pidfd;
}

char *const *rt_container_warnings(const struct lxr_container *c)
{
	return rt_cgroup_warnings(c->cg);
}

const char *rt_container_dir(const struct lxr_container *c)
{
	return c->dir;
}

static void container_free(struct lxr_container *c)
{
	if (c->pidfd >= 0)
		close(c->pidfd);
	if (c->sync >= 0)
		close(c->sync);
	if (c->mnt_hold >= 0)
		close(c->mnt_hold);
	free(c->id);
	free(c->dir);
	free(c->layer);
	free(c->upper);
	free(c->work);
	free(c->rootdir);
	free(c);
}

/* dir holds nothing but (with only) an entry of that name, a directory. */
static bool holds_only(const char *dir, const char *only)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool clean = d != NULL;

	while (clean && (de = readdir(d)))
		clean = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
			(only && !strcmp(de->d_name, only) && de->d_type == DT_DIR);
	if (d)
		closedir(d);
	return clean;
}

/* What a clean unmount leaves in the work dir is overlayfs's own empty
 * "work" directory, which the next mount removes and makes again itself:
 * nothing for lxr to remove, no journal transactions. Anything else (a
 * crash during a copy-up) is removed here, as overlayfs would mount
 * read-only where it cannot clean up itself. */
static bool work_is_clean(const char *work)
{
	_cleanup_free_ char *inner = lxr_xasprintf("%s/work", work);

	return holds_only(work, "work") && (access(inner, F_OK) < 0 || holds_only(inner, NULL));
}

/* A restart reuses the directory: its writable layer is the container's
 * filesystem (docker keeps it across restarts); what lxr writes per start is
 * written again. */
static int reuse_dirs(struct lxr_container *c, lxr_err *err)
{
	/* hostname, hosts and resolv.conf too are per start (write_etc) */
	static const char *const per_start[] = {"state", RT_STATE_STARTING};
	_cleanup_close_ int dfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return lxr_fail(err, errno, "open %s", c->dir);
	for (size_t i = 0; i < sizeof(per_start) / sizeof(per_start[0]); i++)
		if (unlinkat(dfd, per_start[i], 0) < 0 && errno != ENOENT)
			return lxr_fail(err, errno, "remove %s/%s", c->dir, per_start[i]);
	/* overlayfs wants an empty work dir; a crash may have left files */
	if (work_is_clean(c->work))
		return 0;
	if (lxr_rm_rf(c->work, err) < 0)
		return -1;
	if (mkdir(c->work, 0700) < 0)
		return lxr_fail(err, errno, "create %s", c->work);
	return 0;
}

/* Who can free a name that is taken: a `lxr run` container is removed on
 * its own, a stack's only with its project. */
static int name_in_use(const struct lxr_spec *spec, const char *dir, lxr_err *err)
{
	const char *project = spec->cgroup_group;

	lxr_fail(err, EEXIST, "container name \"%s\" is in use (%s)", spec->id, dir);
	if (!project || !strcmp(project, "_run"))
		return lxr_err_hint(
		    err, "choose another --name, or remove the old one with `lxr rm %s`", spec->id);
	return lxr_err_hint(err, "its project is still up, or a crash left it: `lxr down -p %s`",
			    project);
}

/* The container's directory with its overlay directories and rootfs/, made
 * under a temp name and renamed whole: a kill half-way leaves a name the
 * project's sweep knows (lxr_tmp_sweep), never a directory that takes the
 * container's name without being one. */
static int make_fresh_dir(struct lxr_container *c, const struct lxr_spec *spec,
			  const char *state_root, lxr_err *err)
{
	_cleanup_free_ char *base = lxr_tmp_name(spec->id);
	_cleanup_free_ char *tmp = lxr_xasprintf("%s/%s", state_root, base);
	_cleanup_free_ char *layer = lxr_xasprintf("%s/layer", tmp);
	_cleanup_free_ char *upper = lxr_xasprintf("%s/upper", spec->ephemeral_upper ? layer : tmp);
	_cleanup_free_ char *work = lxr_xasprintf("%s/work", spec->ephemeral_upper ? layer : tmp);
	_cleanup_free_ char *root = lxr_xasprintf("%s/rootfs", tmp);
	lxr_err undo;

	/* one this pid left before (a pid reused after a kill) */
	if (lxr_rm_rf(tmp, err) < 0)
		return -1;
	if (mkdir(tmp, 0700) < 0)
		return lxr_fail(err, errno, "mkdir %s", tmp);
	/* An ephemeral layer lives in a tmpfs the container mounts at layer/
	 * in its own mount namespace (rootfs.c). */
	if (spec->ephemeral_upper ? mkdir(layer, 0700) < 0
				  : mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0) {
		lxr_fail(err, errno, "create overlay directories in %s", tmp);
		goto undo;
	}
	if (mkdir(root, 0755) < 0) {
		lxr_fail(err, errno, "create %s", root);
		goto undo;
	}
	/* NOREPLACE: rename(2) would take the place of an empty directory */
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, c->dir, RENAME_NOREPLACE) < 0) {
		if (errno == EEXIST)
			name_in_use(spec, c->dir, err);
		else
			lxr_fail(err, errno, "rename %s to %s", tmp, c->dir);
		goto undo;
	}
	c->made_dir = true;
	return 0;
undo:
	lxr_rm_rf(tmp, &undo);
	return -1;
}

static int make_dirs(struct lxr_container *c, const struct lxr_spec *spec, const char *state_root,
		     lxr_err *err)
{
	_cleanup_close_ int dfd = -1;

	if (lxr_mkdir_p(state_root, 0700, err) < 0)
		return -1;
	/* what a start killed half-way left (a `lxr run` has no project
	 * cleanup to do it): only a dead writer's, another may be at work;
	 * once a process (a supervisor's own starts leave nothing while it
	 * lives, and its project's cleanup swept before the first) */
	lxr_tmp_sweep_once(state_root);
	if (spec->reuse_dir && !spec->ephemeral_upper && access(c->upper, F_OK) == 0) {
		if (reuse_dirs(c, err) < 0)
			return -1;
	} else if (access(c->dir, F_OK) == 0) {
		return name_in_use(spec, c->dir, err);
	} else if (make_fresh_dir(c, spec, state_root, err) < 0) {
		return -1;
	}
	dfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return lxr_fail(err, errno, "open %s", c->dir);
	return rt_etc_write(spec, dfd, err);
}

/* A volume's directory is made on first use (its parents private to root);
 * the container fills it from the image if it is still empty (rootfs.c). */
static int make_volumes(const struct lxr_spec *spec, lxr_err *err)
{
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct lxr_mount *m = &spec->mounts[i];
		_cleanup_free_ char *parent = NULL;
		char *slash;

		if (!m->volume || access(m->source, F_OK) == 0)
			continue;
		parent = lxr_xstrdup(m->source);
		slash = strrchr(parent, '/');
		if (slash && slash != parent)
			*slash = '\0';
		if (lxr_mkdir_p(parent, 0700, err) < 0)
			return lxr_err_wrap(err, "volume %s", m->source);
		if (mkdir(m->source, 0755) < 0 && errno != EEXIST)
			return lxr_fail(err, errno, "create volume directory %s", m->source);
	}
	return 0;
}

/* The container's range, and its directory made its root's. */
static int make_userns(struct lxr_container *c, const struct lxr_spec *spec, lxr_err *err)
{
	if (spec->userns.mode == LXR_USERNS_HOST)
		return 0;
	if (rt_rootfs_initramfs_userns(err) < 0 ||
	    rt_userns_resolve(spec, c->dir, &c->userns, err) < 0)
		return -1;
	c->userns_pooled = spec->userns.mode == LXR_USERNS_AUTO;
	return rt_userns_own_dir(c->dir, &c->userns, err);
}

int rt_container_cgroup_make(const struct lxr_spec *spec, struct lxr_cgroup **out, lxr_err *err)
{
	if (lxr_rootless_uid() >= 0)
		return rt_cgroup_rootless(spec->cgroup_group ? spec->cgroup_group : "default",
					  spec->id, &spec->resources, out, err);
	return rt_cgroup_create(spec->cgroup_group ? spec->cgroup_group : "default", spec->id,
				&spec->resources, out, err);
}

/* The last life's cgroup (or one made ahead) when it is still there and
 * holds the same limits (its directories, limits and device program are
 * what a new one would be), else a new one. */
static int take_cgroup(const struct lxr_spec *spec, struct lxr_cgroup **reuse,
		       struct lxr_cgroup **out, lxr_err *err)
{
	struct lxr_cgroup *old = reuse ? lxr_steal_ptr(reuse) : NULL;
	lxr_err ignored;

	if (old && rt_cgroup_fits(old, &spec->resources) && rt_cgroup_present(old, &ignored) == 0) {
		*out = old;
		lxr_debug("container %s: reuses its cgroup", spec->id);
		return 0;
	}
	if (old)
		rt_cgroup_destroy(old, &ignored);
	return rt_container_cgroup_make(spec, out, err);
}

int rt_container_spawn(const struct lxr_spec *spec, const char *state_root, struct lxr_stdio *io,
		       struct lxr_container **out, lxr_err *err)
{
	return rt_container_respawn(spec, state_root, io, NULL, out, err);
}

/* A container of spec under state_root, as yet nothing made */
static struct lxr_container *container_new(const struct lxr_spec *spec, const char *state_root)
{
	struct lxr_container *c = lxr_xcalloc(1, sizeof(*c));

	c->id = lxr_xstrdup(spec->id);
	c->pidfd = -1;
	c->sync = -1;
	c->mnt_hold = -1;
	c->pid = -1;
	c->dir = lxr_xasprintf("%s/%s", state_root, spec->id);
	c->layer = lxr_xasprintf("%s/layer", c->dir);
	c->upper = spec->ephemeral_upper ? lxr_xasprintf("%s/upper", c->layer)
					 : lxr_xasprintf("%s/upper", c->dir);
	c->work = spec->ephemeral_upper ? lxr_xasprintf("%s/work", c->layer)
					: lxr_xasprintf("%s/work", c->dir);
	c->rootdir = lxr_xasprintf("%s/rootfs", c->dir);
	return c;
}

int rt_container_create(const struct lxr_spec *spec, const char *state_root, lxr_err *err)
{
	struct lxr_container *c;
	lxr_err undo_err;
	int r;

	if (spec->ephemeral_upper)
		return lxr_fail(err, EINVAL,
				"container %s: a throw-away layer is made at its start", spec->id);
	c = container_new(spec, state_root);
	r = make_dirs(c, spec, state_root, err) < 0 || make_volumes(spec, err) < 0 ? -1 : 0;
	if (r < 0 && c->made_dir)
		lxr_rm_rf(c->dir, &undo_err);
	if (r < 0)
		lxr_err_wrap(err, "container %s", spec->id);
	container_free(c);
	return r;
}

int rt_container_fs_open(char *const *lowers, const char *state_root, const char *id, lxr_err *err)
{
	_cleanup_free_ char *upper = lxr_xasprintf("%s/%s/upper", state_root, id);
	_cleanup_free_ char *work = lxr_xasprintf("%s/%s/work", state_root, id);
	_cleanup_free_ char *lower = NULL;
	_cleanup_close_ int fs = -1;
	int fd;

	for (size_t i = 0; lowers && lowers[i]; i++) {
		char *n = lower ? lxr_xasprintf("%s:%s", lower, lowers[i]) : lxr_xstrdup(lowers[i]);
		if (strpbrk(lowers[i], ",:\n")) {
			free(n);
			return lxr_fail(err, EINVAL, "layer path %s contains ',' or ':'",
					lowers[i]);
		}
		free(lower);
		lower = n;
	}
	if (!lower)
		return lxr_fail(err, EINVAL, "container %s: no layers", id);
	fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return lxr_fail(err, errno, "fsopen overlay");
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return lxr_fail(err, errno, "mount the filesystem of container %s (overlay on %s)",
				id, upper);
	/* mounted nowhere: reached through this descriptor only */
	fd = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (fd < 0)
		return lxr_fail(err, errno, "fsmount the filesystem of container %s", id);
	return fd;
}

int rt_container_respawn(const struct lxr_spec *spec, const char *state_root, struct lxr_stdio *io,
			 struct lxr_cgroup **reuse, struct lxr_container **out, lxr_err *err)
{
	struct lxr_container *c = container_new(spec, state_root);
	struct rt_plan plan;
	struct rt_etc_files etc = {0};
	lxr_err undo_err;
	int r;

	io->pty_master = -1;

	lxr_debug("container %s: start", spec->id);
	if (make_dirs(c, spec, state_root, err) < 0 || make_volumes(spec, err) < 0 ||
	    make_userns(c, spec, err) < 0) {
		if (c->made_dir)
			lxr_rm_rf(c->dir, &undo_err);
		if (c->made_dir && c->userns_pooled)
			rt_userns_release(c->dir);
		if (reuse && *reuse)
			rt_cgroup_destroy(lxr_steal_ptr(reuse), &undo_err);
		container_free(c);
		return lxr_err_wrap(err, "container %s", spec->id);
	}
	r = take_cgroup(spec, reuse, &c->cg, err);
	lxr_debug("container %s: directories and cgroup made", spec->id);
	if (r == 0) {
		_cleanup_free_ char *h = lxr_xasprintf("%s/hostname", c->dir);
		_cleanup_free_ char *hs = lxr_xasprintf("%s/hosts", c->dir);
		_cleanup_free_ char *rs = lxr_xasprintf("%s/resolv.conf", c->dir);
		etc.hostname = rt_etc_own(spec, "hostname") ? h : NULL;
		etc.hosts = rt_etc_own(spec, "hosts") ? hs : NULL;
		etc.resolv = rt_etc_own(spec, "resolv.conf") ? rs : NULL;
		/* with the host's cgroup namespace (compose's cgroup: host) the
		 * mount shows the host's tree, as docker's does; a user
		 * namespace may mount only a cgroup namespace of its own */
		etc.cgroup2 = rt_cgroup_v2_fd(c->cg) >= 0 && (spec->ns[LXR_NS_CGROUP].create ||
							      spec->userns.mode == LXR_USERNS_HOST);
		rt_plan_build(spec, &etc, &plan);
		/* v1: the container's own cgroups at /sys/fs/cgroup, as docker
		 * mounts them (not in a user namespace, where the kernel
		 * mounts no v1 hierarchy) */
		if (rt_cgroup_v2_fd(c->cg) < 0 && spec->ns[LXR_NS_CGROUP].create &&
		    !rt_container_has_userns(c) && !rt_spec_mounts_below(spec, "/sys/fs/cgroup"))
			plan.cgroup_v1 = rt_cgroup_v1_mounts(c->cg);
		r = rt_container_clone(c, spec, &plan, io, err);
		rt_plan_free(&plan);
	}
	if (r < 0) {
		lxr_err_wrap(err, "container %s", spec->id);
		rt_container_destroy(c, true, &undo_err);
		return r;
	}
	*out = c;
	return 0;
}

int rt_container_sync_fd(const struct lxr_container *c)
{
	return c->sync;
}

static int spawn_step(struct lxr_container *c, struct lxr_stdio *io, bool block, lxr_err *err)
{
	int r;

	if (c->sync < 0 || c->executing)
		return 0;
	r = rt_sync_step(c->sync, c->id, io, NULL, block, err);
	if (r == 1)
		return 1;
	/* only its exec is left: started, the socket kept for the exec's
	 * own word (rt_container_exec_done) */
	if (r == 2)
		c->executing = true;
	else
		close(lxr_steal_fd(&c->sync));
	if (r >= 0 && rt_state_publish(c->dir, err) < 0)
		r = -1;
	if (r == 2)
		lxr_debug("container %s: command started (its exec under way)", c->id);
	else if (r == 0)
		lxr_debug("container %s: command started (exec done)", c->id);
	else
		lxr_err_wrap(err, "container %s", c->id);
	return r < 0 ? r : 0;
}

int rt_container_spawn_done(struct lxr_container *c, struct lxr_stdio *io, lxr_err *err)
{
	return spawn_step(c, io, false, err);
}

int rt_container_exec_done(struct lxr_container *c, lxr_err *err)
{
	struct lxr_stdio io = {.fds = {-1, -1, -1}, .pty_master = -1};
	int r;

	if (c->sync < 0 || !c->executing)
		return 0;
	/* the word comes once: a second one is no exec's outcome */
	r = rt_sync_step(c->sync, c->id, &io, NULL, false, err);
	if (r == 2)
		r = lxr_fail(err, EPROTO, "a second start-up word");
	if (io.pty_master >= 0)
		close(io.pty_master);
	if (r == 1)
		return 1;
	close(lxr_steal_fd(&c->sync));
	c->executing = false;
	if (r < 0)
		return lxr_err_wrap(err, "container %s", c->id);
	lxr_debug("container %s: its exec done", c->id);
	return 0;
}

bool rt_container_executing(const struct lxr_container *c)
{
	return c && c->executing && c->sync >= 0;
}

int rt_container_start(const struct lxr_spec *spec, const char *state_root, struct lxr_stdio *io,
		       struct lxr_container **out, lxr_err *err)
{
	struct lxr_container *c = NULL;
	lxr_err undo_err;
	int r = rt_container_spawn(spec, state_root, io, &c, err);

	if (r == 0)
		r = spawn_step(c, io, true, err);
	if (r < 0) {
		if (io->pty_master >= 0)
			close(io->pty_master);
		io->pty_master = -1;
		if (c)
			rt_container_destroy(c, true, &undo_err);
		return r;
	}
	*out = c;
	return 0;
}

int rt_container_wait(struct lxr_container *c)
{
	while (!c->reaped && c->pid > 0) {
		if (waitpid(c->pid, &c->wstatus, 0) == c->pid || errno == ECHILD)
			c->reaped = true;
	}
	return c->wstatus;
}

int rt_container_kill(struct lxr_container *c, int sig, lxr_err *err)
{
	if (c->reaped || c->pidfd < 0)
		return 0;
	if (syscall(SYS_pidfd_send_signal, c->pidfd, sig, NULL, 0) < 0 && errno != ESRCH)
		return lxr_fail(err, errno, "signal %d to container %s (pidfd_send_signal)", sig,
				c->id);
	return 0;
}

int rt_container_exit_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 125;
}

bool rt_container_oom_killed(struct lxr_container *c)
{
	return c->cg && rt_cgroup_oom_killed(c->cg);
}

int rt_container_retire(struct lxr_container *c, struct lxr_cgroup **keep, lxr_err *err)
{
	lxr_err e;

	*keep = NULL;
	if (!c)
		return 0;
	lxr_debug("container %s: retire", c->id);
	rt_container_kill(c, SIGKILL, err);
	rt_container_wait(c);
	/* what cannot be emptied is removed as usual, below */
	if (c->cg && rt_cgroup_empty(c->cg, &e) == 0)
		*keep = lxr_steal_ptr(&c->cg);
	else if (c->cg)
		lxr_debug("container %s: cgroup not reused: %s", c->id, e.msg);
	return rt_container_destroy(c, false, err);
}

/* NAME's temp name for writer pid, beside the container's directory */
static char *tmp_beside(const struct lxr_container *c, int pid)
{
	_cleanup_free_ char *base = lxr_tmp_name_of(c->id, pid);
	const char *slash = strrchr(c->dir, '/');

	return lxr_xasprintf("%.*s/%s", (int)(slash - c->dir), c->dir, base);
}

/* The files go in a child (cleaner.c) once this process has exited: its
 * directory is renamed out of the name's way first. */
int rt_container_destroy_detached(struct lxr_container *c, lxr_err *err)
{
	_cleanup_free_ char *tmp = NULL;
	int go_w = -1, pid;

	if (!c)
		return 0;
	lxr_debug("container %s: destroy, detached", c->id);
	rt_container_kill(c, SIGKILL, err);
	rt_container_wait(c);
	/* named after the container: gone before the name is free again */
	if (c->cg && rt_cgroup_destroy(lxr_steal_ptr(&c->cg), err) < 0) {
		lxr_err_wrap(err, "container %s", c->id);
		rt_container_destroy(c, true, &(lxr_err){0});
		return -1;
	}
	pid = rt_cleaner_start(c->mnt_hold, &go_w);
	if (pid < 0)
		return rt_container_destroy(c, true, err);
	/* ours first: the cleaner's close must be the last one */
	if (c->mnt_hold >= 0)
		close(lxr_steal_fd(&c->mnt_hold));
	/* the cleaner's pid in the name: its end is what makes the name a
	 * leftover for the sweep */
	tmp = tmp_beside(c, pid);
	if (rename(c->dir, tmp) < 0 || rt_cleaner_go(go_w, tmp) < 0) {
		close(go_w); /* the cleaner ends without a word */
		if (access(tmp, F_OK) == 0)
			(void)!rename(tmp, c->dir);
		return rt_container_destroy(c, true, err);
	}
	lxr_debug("container %s: gone (its files are being removed)", c->id);
	container_free(c);
	return 0;
}

int rt_container_destroy(struct lxr_container *c, bool remove_upper, lxr_err *err)
{
	int r = 0;

	if (!c)
		return 0;
	/* PID 1 gone means the kernel kills the rest of the namespace; its
	 * mounts go with the mount namespace, so there is nothing to unmount. */
	lxr_debug("container %s: destroy", c->id);
	rt_container_kill(c, SIGKILL, err);
	rt_container_wait(c);
	/* its mounts go before its files and its id range (a detached
	 * removal that fell back to this one) */
	if (c->mnt_hold >= 0)
		close(lxr_steal_fd(&c->mnt_hold));
	lxr_debug("container %s: init reaped", c->id);
	if (c->cg && rt_cgroup_destroy(c->cg, err) < 0)
		r = lxr_err_wrap(err, "container %s", c->id);
	c->cg = NULL;
	if (!remove_upper) {
		/* kept for its writable layer, but no longer running */
		_cleanup_free_ char *st = lxr_xasprintf("%s/state", c->dir);
		_cleanup_free_ char *sst = lxr_xasprintf("%s/" RT_STATE_STARTING, c->dir);
		unlink(st);
		unlink(sst);
	}
	lxr_debug("container %s: cgroup removed", c->id);
	if (remove_upper && lxr_rm_rf(c->dir, err) < 0)
		r = lxr_err_wrap(err, "container %s", c->id);
	/* its writable layer is gone: the next one may have another range */
	if (remove_upper && c->userns_pooled)
		rt_userns_release(c->dir);
	lxr_debug("container %s: gone", c->id);
	container_free(c);
	return r;
}
