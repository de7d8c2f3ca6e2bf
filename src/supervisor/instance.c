/* An instance's container, driven by the state machine's actions: its
 * start, its exit, its release. When it may start and in what order the
 * stack stops is order.c's. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "lxr/supervisor.h"
#include "supervisor/sup.h"
#include "supervisor/term.h"

/* The loop watches its own duplicate of the container's start-up fd: the
 * runtime closes its copy when the start ends, and a closed fd stays in
 * epoll while a copy lives on (in a later container's clone, say), so
 * the loop removes its watch and closes its copy itself. */
static void sync_unwatch(struct sup *s, struct sup_instance *in)
{
	if (in->syncw.fd < 0)
		return;
	sup_watch_del(s, &in->syncw);
	close(in->syncw.fd);
	in->syncw.fd = -1;
}

bool sup_starting(const struct sup_instance *in)
{
	return in->syncw.fd >= 0 && !rt_container_executing(in->c);
}

/* After its start, the command's exec: EOF once it is done, or what failed
 * (the container then exits 126 or 127, which its exit reports). */
static void on_exec_word(struct sup *s, struct sup_instance *in)
{
	char buf[LXR_ERR_MSG_MAX + 64];
	lxr_err err;
	int r = rt_container_exec_done(in->c, &err);

	if (r == 1)
		return;
	sync_unwatch(s, in);
	/* not the instance's error, which is a failed start's: this one
	 * started, and its exit code (126, 127) is what ps shows */
	if (r < 0) {
		sup_say(s, in, "error: %s", lxr_err_str(&err, buf, sizeof(buf)));
		if (err.hint[0])
			sup_say(s, in, "hint: %s", err.hint);
	}
}

void sup_drop_kept(struct sup_instance *in)
{
	lxr_err err;

	if (in->kept_cg && rt_cgroup_destroy(lxr_steal_ptr(&in->kept_cg), &err) < 0)
		lxr_warn("%s: cleanup: %s", in->name, err.msg);
	if (in->kept_netns >= 0)
		close(lxr_steal_fd(&in->kept_netns));
}

/* Whether every instance of the stack can hold a kept namespace's
 * descriptor on top of those a running one holds, with the reserve for
 * starts and clients left: a hard RLIMIT_NOFILE of 1024 has room for 200
 * services' four, not for five. Where it has not, no instance keeps one
 * (those kept before the stack grew are let go), and a restart makes a
 * new namespace. */
static bool room_to_keep(const struct sup *s)
{
	size_t n = 0;
	struct rlimit rl;

	for (size_t i = 0; i < s->n_svcs; i++)
		n += s->svcs[i].n_inst;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return true;
	return n * (SUP_RUNNING_FDS + 1) + 2 * SUP_FD_RESERVE < rl.rlim_cur;
}

/* A network namespace of its own is made at each clone and torn down at
 * each exit, both under locks the whole host's network work takes (the
 * slowest part of a start on a busy host). A restart joins the last
 * life's instead, as a network's endpoint namespace is kept; its
 * processes are gone, their sockets with them. Opened from the running
 * init, a child not yet reaped: the pid is not reused. */
static void keep_netns(struct sup *s, struct sup_instance *in)
{
	_cleanup_free_ char *path = NULL;

	if (in->kept_netns >= 0 || !in->plan.spec.ns[LXR_NS_NET].create)
		return;
	if (!room_to_keep(s)) {
		/* none keeps one (a stack scaled up since they were kept) */
		FOR_EACH_INSTANCE(s, o)
		{
			if (o->kept_netns >= 0)
				close(lxr_steal_fd(&o->kept_netns));
			if (o->shadow && o->shadow->kept_netns >= 0)
				close(lxr_steal_fd(&o->shadow->kept_netns));
		}
		return;
	}
	path = lxr_xasprintf("/proc/%d/ns/net", (int)rt_container_pid(in->c));
	in->kept_netns = open(path, O_RDONLY | O_CLOEXEC);
}

static bool tracked(struct sup *s, pid_t pid)
{
	if (pid == s->warm_pid)
		return true; /* the loop reaps it (rt_cgroup_warm) */
	for (size_t i = 0; i < s->n_svcs; i++)
		for (size_t k = 0; k < s->svcs[i].n_inst; k++) {
			const struct sup_instance *in = &s->svcs[i].inst[k], *sh = in->shadow;
			if ((in->c && rt_container_pid(in->c) == pid) || in->health.pid == pid ||
			    (in->hooks.pid > 0 && in->hooks.pid == pid) ||
			    (in->hooks.starting_open && in->hooks.starting.helper == pid))
				return true;
			if (sh &&
			    ((sh->c && rt_container_pid(sh->c) == pid) || sh->health.pid == pid ||
			     (sh->hooks.pid > 0 && sh->hooks.pid == pid) ||
			     (sh->hooks.starting_open && sh->hooks.starting.helper == pid)))
				return true;
		}
	return false;
}

/* A container outside a pid namespace of its own (pid: host) leaves its
 * command's orphans to the supervisor, the nearest subreaper, once its
 * lxr-init has gone: removing its cgroup kills them, and they are reaped
 * here, as a container runtime's shim reaps them. Only children the loop
 * does not wait for itself (containers' inits, health checks). */
/* A health check or hook being started: its process is a child whose pid
 * the loop learns only when its helper hangs up, and its exit status is
 * that wait's to collect. */
static bool exec_starting(const struct sup *s)
{
	for (size_t i = 0; i < s->n_svcs; i++)
		for (size_t k = 0; k < s->svcs[i].n_inst; k++) {
			const struct sup_instance *in = &s->svcs[i].inst[k], *sh = in->shadow;
			if (in->health.syncw.fd >= 0 || in->hooks.starting_open ||
			    (sh && (sh->health.syncw.fd >= 0 || sh->hooks.starting_open)))
				return true;
		}
	return false;
}

static void reap_strays(struct sup *s)
{
	_cleanup_free_ char *path = lxr_xasprintf("/proc/self/task/%d/children", (int)getpid());
	_cleanup_free_ char *text = NULL;
	lxr_err ignored;

	/* left for a later release, when no such start is under way */
	if (exec_starting(s))
		return;

	if (lxr_read_file_at(AT_FDCWD, path, &text, NULL, &ignored) < 0)
		return;
	for (char *p = text, *end; *p; p = end) {
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 0 && !tracked(s, (pid_t)pid))
			waitpid((pid_t)pid, NULL, WNOHANG);
	}
}

/* The container is gone (or never came): output drained, cgroup removed,
 * the writable layer kept for the next start. */
static void release(struct sup *s, struct sup_instance *in)
{
	lxr_err err;

	sup_health_stop(s, in);
	sup_hooks_stop(s, in);
	if (in->c) {
		/* an exec that failed said why before the exit */
		if (rt_container_executing(in->c))
			on_exec_word(s, in);
		sync_unwatch(s, in);
		sup_watch_del(s, &in->pidw);
		sup_output_read(s, in, 0);
		sup_output_read(s, in, 1);
		in->oom_killed = rt_container_oom_killed(in->c);
		/* a restart to come (its backoff) reuses the cgroup */
		if (in->fsm.state == SVC_BACKOFF && !s->shutting_down && !in->doomed) {
			if (rt_container_retire(in->c, &in->kept_cg, &err) < 0)
				sup_say(s, in, "cleanup: %s", err.msg);
		} else if (rt_container_destroy(in->c, false, &err) < 0) {
			sup_say(s, in, "cleanup: %s", err.msg);
		}
		in->c = NULL;
		reap_strays(s);
	}
	sup_output_close(s, in);
	if (in->stdin_w >= 0)
		close(in->stdin_w);
	in->stdin_w = -1;
}

int sup_plan_host_dirs(char *const *dirs, lxr_err *err)
{
	for (size_t i = 0; dirs && dirs[i]; i++)
		if (access(dirs[i], F_OK) < 0 && lxr_mkdir_p(dirs[i], 0755, err) < 0)
			return lxr_err_wrap(err, "bind mount source");
	return 0;
}

/* In <run_dir>/<project>/+files/, which only root can enter, so the owner
 * and mode the container sees expose nothing on the host; removed with
 * the run directory at down. Written anew at each start, each atomically. */
int sup_plan_write_files(const struct plan_instance *p, lxr_err *err)
{
	for (size_t i = 0; i < p->n_files; i++) {
		const struct plan_file *f = &p->files[i];
		_cleanup_free_ char *dir = lxr_xstrdup(f->path);
		_cleanup_close_ int dfd = -1;
		char *base = strrchr(dir, '/');

		*base++ = '\0';
		if (lxr_mkdir_p(dir, 0700, err) < 0)
			return lxr_err_wrap(err, "secrets directory");
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0)
			return lxr_fail(err, errno, "open %s", dir);
		if (lxr_write_file_atomic(dfd, base, f->content, strlen(f->content), 0600, err) < 0)
			return -1;
		if (fchownat(dfd, base, f->uid, f->gid, AT_SYMLINK_NOFOLLOW) < 0 ||
		    fchmodat(dfd, base, f->mode, 0) < 0)
			return lxr_fail(err, errno, "set owner %u:%u and mode %04o of %s",
					(unsigned)f->uid, (unsigned)f->gid, (unsigned)f->mode,
					f->path);
	}
	return 0;
}

/* Every way a start can fail ends here: the runtime's start, the network
 * attach, the host paths and the output pipes. The error is kept whole
 * (errno, lxr's message with its primitive and path, hint) for `ps`, the
 * event and the waiting `up`; what the attempt made is undone. r as
 * rt_container_spawn's: -126/-127 for the command, else lxr's own (125). */
static void start_failed(struct sup *s, struct sup_instance *in, int r, const lxr_err *err)
{
	char buf[LXR_ERR_MSG_MAX + 128];
	lxr_err undo;

	in->error = *err;
	in->has_error = true;
	sup_say(s, in, "failed to start: %s", lxr_err_str(err, buf, sizeof(buf)));
	if (err->hint[0])
		sup_say(s, in, "hint: %s", err->hint);
	/* during start-up it fails `up` (compose does too): up -d reports it
	 * and exits 1, a foreground up takes the stack down and exits 1. A
	 * start cut short by the stack's own down is no failure of `up`. */
	if (!s->up_done && !s->shutting_down) {
		s->start_failed = true;
		sup_progress_error(s, in, err);
	}
	/* a first start's container goes whole; one that ran before keeps
	 * its writable layer, as its restarts do */
	if (in->c) {
		sync_unwatch(s, in);
		rt_container_destroy(in->c, in->fsm.started_at == 0, &undo);
		in->c = NULL;
	}
	sup_output_close(s, in);
	in->finished_at = (int64_t)time(NULL);
	sup_event(s, in, EV_START_FAILED, r == -126 ? 126 : r == -127 ? 127 : 125);
}

/* The start itself, in the last life's cgroup and network namespace when
 * a restart has them (the spec's own create flag is what its plan says,
 * so it is lent the join for this one call). */
static int respawn(struct sup *s, struct sup_instance *in, struct lxr_stdio *io, lxr_err *err)
{
	struct lxr_spec *sp = &in->plan.spec;
	const char *root = s->state_root ? s->state_root : s->run_dir;
	char path[40];
	int r;

	if (in->kept_netns < 0 || !sp->ns[LXR_NS_NET].create || sp->ns[LXR_NS_NET].join_path)
		return rt_container_respawn(sp, root, io, &in->kept_cg, &in->c, err);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", in->kept_netns);
	sp->ns[LXR_NS_NET].create = false;
	sp->ns[LXR_NS_NET].join_path = path;
	sp->ns[LXR_NS_NET].own = true;
	r = rt_container_respawn(sp, root, io, &in->kept_cg, &in->c, err);
	sp->ns[LXR_NS_NET].create = true;
	sp->ns[LXR_NS_NET].join_path = NULL;
	sp->ns[LXR_NS_NET].own = false;
	return r;
}

/* Another running container of the stack mounts something under dir
 * (volumes_from takes the anonymous volumes of another container) */
static const char *anon_user(struct sup *s, const struct sup_instance *in, const char *dir)
{
	FOR_EACH_INSTANCE(s, o)
	{
		if (o == in || !o->c)
			continue;
		for (size_t i = 0; i < o->plan.spec.n_mounts; i++) {
			const char *src = o->plan.spec.mounts[i].source;
			if (src && lxr_path_within(src, dir))
				return o->name;
		}
	}
	return NULL;
}

/* up -V: the instance's anonymous volumes, removed before its first start
 * (the runtime makes them again, empty, and fills them from the image);
 * kept while another container that runs has them (volumes_from) */
static void renew_anon_volumes(struct sup *s, struct sup_instance *in)
{
	_cleanup_free_ char *dir =
	    lxr_xasprintf("%s/volumes/%s/+anon/%s", lxr_data_dir(), s->stack->project, in->name);
	const char *user = anon_user(s, in, dir);
	lxr_err err;

	in->renew_anon = false;
	if (user) {
		sup_say(s, in,
			"warning: its anonymous volumes are kept: %s, which runs, has them "
			"(volumes_from)",
			user);
		return;
	}
	if (lxr_rm_rf(dir, &err) < 0 && err.errnum != ENOENT)
		sup_say(s, in, "warning: renew its anonymous volumes: %s", err.msg);
}

static void spawn(struct sup *s, struct sup_instance *in)
{
	struct lxr_stdio io = {.fds = {-1, -1, -1}};
	int out[2] = {-1, -1};
	bool fresh;
	lxr_err err;
	int r;

	release(s, in);
	if (!in->created_at)
		in->created_at = (int64_t)time(NULL);
	/* it starts after all (a restart, a later start): what held it
	 * back before is over */
	in->blocked = false;
	free(in->blocked_by);
	in->blocked_by = NULL;
	if (in->renew_anon)
		renew_anon_volumes(s, in);
	/* made a moment ago by sup_prepare_next: no need to look again */
	fresh = in->net_fresh && in->net_joined;
	in->net_fresh = in->prepared = false;
	if (sup_plan_host_dirs(in->plan.host_dirs, &err) < 0 ||
	    sup_plan_write_files(&in->plan, &err) < 0 || sup_join_others(s, in, &err) < 0 ||
	    (!fresh && sup_net_attach(s, in, &err) < 0) || sup_output_open(s, in, out, &err) < 0) {
		start_failed(s, in, -1, &err);
		return;
	}
	in->oom_killed = false;
	io.fds[1] = out[0];
	io.fds[2] = out[1];
	if (in->plan.spec.open_stdin && !in->plan.spec.terminal) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0) {
			lxr_fail(&err, errno, "pipe for %s stdin", in->name);
			start_failed(s, in, -1, &err);
			return;
		}
		io.fds[0] = p[0];
		in->stdin_w = p[1];
	}
	/* Returns while the container builds its root filesystem: the loop
	 * goes on (other containers start meanwhile) and sup_on_spawned hears
	 * how it ended. */
	r = respawn(s, in, &io, &err);
	close(out[0]);
	close(out[1]);
	if (io.fds[0] >= 0)
		close(io.fds[0]);
	if (r == 0) {
		/* once per instance, as docker warns once at create */
		for (char *const *w = rt_container_warnings(in->c); !in->warned && w && *w; w++)
			sup_warn(s, in, *w);
		in->warned = true;
		in->syncw.fd = fcntl(rt_container_sync_fd(in->c), F_DUPFD_CLOEXEC, 0);
		r = in->syncw.fd < 0 ? lxr_fail(&err, errno, "dup start-up fd")
				     : sup_watch_add(s, &in->syncw, &err);
	}
	if (r < 0)
		start_failed(s, in, r, &err);
}

void sup_on_spawned(struct sup *s, struct sup_instance *in)
{
	struct lxr_stdio io = {.fds = {-1, -1, -1}, .pty_master = -1};
	lxr_err err;
	int r;

	/* a readiness the same turn's exit made stale (release unwatched) */
	if (!in->c || in->syncw.fd < 0)
		return;
	if (rt_container_executing(in->c)) {
		on_exec_word(s, in);
		return;
	}
	r = rt_container_spawn_done(in->c, &io, &err);

	/* tty: true: the terminal's output is the container's, read as its
	 * stdout (a pty has no stderr); nothing writes to it. Kept as soon
	 * as it comes, which may be before the exec (r == 1): closed, the
	 * child's TIOCSCTTY would find the terminal hung up (EIO). */
	if (io.pty_master >= 0 && r >= 0) {
		sup_watch_del(s, &in->outw);
		close(in->outw.fd);
		fcntl(io.pty_master, F_SETFL, O_NONBLOCK);
		in->outw.fd = io.pty_master;
		if (sup_watch_add(s, &in->outw, &err) < 0)
			sup_say(s, in, "error: %s", err.msg);
	} else if (io.pty_master >= 0) {
		close(io.pty_master);
	}
	if (r == 1)
		return;
	/* started; while its exec is under way, the watch stays for the
	 * exec's own word (on_exec_word) */
	if (r < 0 || !rt_container_executing(in->c))
		sync_unwatch(s, in);
	if (r < 0) {
		start_failed(s, in, r, &err);
		return;
	}
	/* its next start (a restart) keeps this container's filesystem; a
	 * `lxr run -d` refuses a name in use only on its first */
	in->plan.spec.reuse_dir = true;
	keep_netns(s, in);
	in->pidw.fd = rt_container_pidfd(in->c);
	if (sup_watch_add(s, &in->pidw, &err) < 0)
		sup_say(s, in, "error: %s", err.msg);
	sup_event(s, in, EV_STARTED, 0);
}

/* Restart the dependents that asked for it (depends_on: restart: true),
 * each once in meets its condition again (order.c). */
static void restart_dependents(struct sup *s, struct sup_instance *in)
{
	size_t me = in->svc->node;

	for (size_t i = 0; i < s->n_svcs; i++) {
		const struct plan_node *n = &s->graph->nodes[s->svcs[i].node];
		for (size_t d = 0; d < n->n_deps; d++) {
			if (n->deps[d] != me || !n->dep_specs[d]->restart)
				continue;
			for (size_t k = 0; k < s->svcs[i].n_inst; k++)
				if (svc_state_is_up(s->svcs[i].inst[k].fsm.state) &&
				    !s->svcs[i].inst[k].restart_wait)
					sup_restart_after_deps(&s->svcs[i].inst[k], -1);
		}
	}
}

/* An instance in another's namespaces (service:X) that ended with them
 * (a pid namespace ends with its init, and kills everything in it) starts
 * again once X runs again, in X's new namespaces: compose recreates such a
 * dependent (its implicit depends_on has restart: true). Running ones are
 * restarted by restart_dependents. */
static bool joins(const struct sup_instance *d, const char *name)
{
	const struct plan_ns_join *j[] = {&d->plan.net_of, &d->plan.pid_of, &d->plan.ipc_of};

	for (size_t i = 0; i < 3; i++)
		if (j[i]->name && !j[i]->container && !strcmp(j[i]->name, name))
			return true;
	return false;
}

static void rejoin_dependents(struct sup *s, struct sup_instance *in)
{
	for (size_t i = 0; i < s->n_svcs; i++)
		for (size_t k = 0; k < s->svcs[i].n_inst; k++) {
			struct sup_instance *d = &s->svcs[i].inst[k];
			if (d != in && d->fsm.state == SVC_EXITED && d->fsm.started_at &&
			    !d->fsm.stopped_by_user && joins(d, in->name)) {
				sup_say(s, d, "starting again in %s's new namespaces", in->name);
				sup_event(s, d, EV_RESTART, 0);
			}
		}
}

/* What `up` shows per instance while the stack comes up (compose's words). */
static void progress(struct sup *s, struct sup_instance *in)
{
	const struct svc_fsm *f = &in->fsm;
	char what[160];

	switch (f->state) {
	case SVC_STARTING: snprintf(what, sizeof(what), "~ Starting"); break;
	case SVC_RUNNING:
		snprintf(what, sizeof(what),
			 in->health.enabled && sup_health_needed(s, in) ? "~ Waiting for healthy"
									: "+ Started");
		break;
	case SVC_HEALTHY: snprintf(what, sizeof(what), "+ Healthy"); break;
	case SVC_UNHEALTHY: snprintf(what, sizeof(what), "x Unhealthy"); break;
	case SVC_EXITED:
		snprintf(what, sizeof(what), "%c Exited (%d)", f->last_exit ? 'x' : '+',
			 f->last_exit);
		break;
	case SVC_FAILED: snprintf(what, sizeof(what), "x Failed (exit %d)", f->last_exit); break;
	case SVC_BACKOFF:
		snprintf(what, sizeof(what), "~ Restarting (exit %d)", f->last_exit);
		break;
	default: return;
	}
	sup_progress(s, in, what);
}

void sup_event(struct sup *s, struct sup_instance *in, enum svc_event ev, int arg)
{
	enum svc_state before = in->fsm.state;
	enum svc_action a;

	/* a container on its way out (a recreate's or an update's old one, or
	 * any during down) does not come back from a start or restart asked
	 * for meanwhile: what replaces it starts, or nothing does */
	if ((ev == EV_START || ev == EV_RESTART) &&
	    (in->doomed || in->upd_step == UPD_STEP_STOPPING || s->shutting_down))
		return;
	/* pre_stop runs before the stop signal; the stop waits for it */
	if (sup_hooks_hold(s, in, ev))
		return;
	a = svc_fsm_event(&in->fsm, &in->svc->policy, ev, arg, sup_now());
	sup_hooks_note(in, ev, a);

	if (ev == EV_STARTED) {
		in->has_error = false; /* as docker clears State.Error */
		in->started_ns = sup_wall_ns();
	}
	/* a frozen container takes no signal: thaw it first, as docker's stop
	 * of a paused container does */
	if (in->paused && (a == ACT_SIGNAL_STOP || a == ACT_KILL || a == ACT_RELEASE))
		sup_thaw(s, in);
	if (in->fsm.state != before || a != ACT_NONE) {
		json_t *extra = json_pack("{s:s, s:s, s:i}", "from", svc_state_name(before),
					  "cause", svc_event_name(ev), "exit", in->fsm.last_exit);
		if (ev == EV_START_FAILED && in->has_error)
			json_object_set_new(extra, "error", sup_err_json(&in->error));
		sup_emit(s, in, svc_state_name(in->fsm.state), extra);
		progress(s, in);
	}
	switch (a) {
	case ACT_SPAWN:
		/* the count went up when it stopped or crashed, earlier than
		 * this spawn: compare with the last spawn's */
		if (in->fsm.cycles > in->spawned_cycles && !in->restart_alone)
			restart_dependents(s, in);
		in->spawned_cycles = in->fsm.cycles;
		in->restart_alone = false;
		spawn(s, in);
		break;
	case ACT_SIGNAL_STOP:
		if (in->c)
			rt_container_kill(in->c, in->plan.spec.stop_signal, NULL);
		break;
	case ACT_KILL:
		if (in->c)
			rt_container_kill(in->c, SIGKILL, NULL);
		break;
	case ACT_RELEASE: release(s, in); break;
	case ACT_NONE: break;
	}
	/* no restart comes after all (stopped in its backoff, say) */
	if (!in->c && in->fsm.state != SVC_BACKOFF)
		sup_drop_kept(in);
	if (ev == EV_STARTED) {
		sup_health_arm(in, sup_now());
		sup_hooks_started(s, in);
		if (!s->shutting_down)
			rejoin_dependents(s, in);
	}
	/* a restart limit used up: x-lxr on_give_up (after this instance's
	 * own release, as it may stop the whole stack) */
	/* (a rolling update's new container failing is the update's to
	 * handle: failure_action) */
	if (before != SVC_FAILED && in->fsm.state == SVC_FAILED && !s->shutting_down &&
	    !in->shadow_of && in->upd_step != UPD_STEP_STARTING &&
	    in->svc->policy.max_attempts > 0 && in->fsm.restarts >= in->svc->policy.max_attempts)
		sup_give_up(s, in);
	if (!s->shutting_down)
		sup_start_ready(s);
}

/* up --abort-on-container-exit (compose's): the first container to end,
 * other than to be restarted, stops the stack, and `up` exits with its
 * code; with --exit-code-from SVC, with SVC's (its last exit, which may be
 * the stop's own). --abort-on-container-failure: the first to end with a
 * code other than 0. */
static void abort_on_exit(struct sup *s, struct sup_instance *in, int code)
{
	if (!s->abort_on_exit || (s->abort_on_failure && code == 0))
		return;
	if (s->exit_code_from ? !strcmp(s->exit_code_from, in->svc->cfg->name) : !s->aborted)
		s->abort_code = code;
	/* restarted (its policy, `lxr restart`) or recreated: not an end */
	if (s->aborted || s->shutting_down || in->doomed || in->upd_step != UPD_STEP_NONE ||
	    in->shadow_of ||
	    (in->fsm.state != SVC_EXITED && in->fsm.state != SVC_FAILED &&
	     in->fsm.state != SVC_STOPPED))
		return;
	s->aborted = true;
	if (!s->quiet)
		fprintf(stderr, "Aborting on container %s... (%s exited with code %d)\n",
			s->abort_on_failure ? "failure" : "exit", in->name, code);
	sup_stop_all(s);
}

/* compose's line for an attached container on stdout ("web-1 exited with
 * code 0 (restarting)" when its policy brings it back), else in the log */
static void say_exit(struct sup *s, struct sup_instance *in, int code)
{
	bool again = in->fsm.state == SVC_BACKOFF || in->fsm.state == SVC_STARTING;
	char msg[64];

	snprintf(msg, sizeof(msg), "exited with code %d%s", code, again ? " (restarting)" : "");
	if (!sup_term_status(s, in, msg))
		sup_say(s, in, "%s", msg);
}

void sup_on_exit(struct sup *s, struct sup_instance *in)
{
	bool was_paused;
	int code, held;

	sup_output_read(s, in, 0);
	sup_output_read(s, in, 1);
	code = rt_container_exit_code(rt_container_wait(in->c));
	in->finished_at = (int64_t)time(NULL);
	in->oom_killed = rt_container_oom_killed(in->c);
	was_paused = in->paused;
	in->paused = false; /* a v2 SIGKILL ends even a frozen task */
	in->finished_ns = sup_wall_ns();
	sup_watch_del(s, &in->pidw);
	sup_health_stop(s, in);
	held = sup_hooks_stop(s, in);
	if (in->oom_killed)
		sup_say(s, in, "OOM-killed: exceeded its memory limit");
	if (was_paused) {
		/* what ends while paused (a v2 SIGKILL reaches a frozen task)
		 * stays down: a paused container's policy does not act */
		struct svc_policy saved = in->svc->policy;
		in->svc->policy.restart = SVC_RESTART_NO;
		sup_say(s, in, "ended while paused: not restarted");
		sup_event(s, in, EV_EXITED, code);
		in->svc->policy = saved;
	} else {
		sup_event(s, in, EV_EXITED, code);
	}
	say_exit(s, in, code);
	/* it ended while its pre_stop ran: the stop or restart asked for
	 * still holds (a policy must not restart what was being stopped) */
	if (held >= 0)
		sup_event_grace(s, in, (enum svc_event)held, in->hooks.held_grace_us);
	abort_on_exit(s, in, code);
}
