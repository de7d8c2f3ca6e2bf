/* Lifecycle hooks (compose's post_start and pre_stop): commands run inside
 * the instance's running container, one after another, as `lxr exec` runs
 * one (its namespaces, cgroup, seccomp filter, capabilities and
 * environment; the hook's user, working directory and environment over
 * them; every capability when privileged). Nothing of the supervisor's
 * goes in: the exec's process is the container's, its output a pipe.
 *
 * As docker compose runs them:
 * - post_start runs once the container's command runs, after a start by
 *   `up`, `start` or `restart` (not after a restart by the restart
 *   policy: the engine restarts such a container, compose is not asked).
 *   Dependents and `up` wait for it. A hook that fails (non-zero, or
 *   cannot start) ends the list: the instance keeps running with the
 *   failure as its error, its dependents are blocked, and `up` fails as
 *   with a container that could not start.
 * - pre_stop runs before the stop signal of a stop, restart or down of a
 *   running container (not when it exits by itself). The stop waits for
 *   it. A failure is reported and the stop goes on (compose keeps the
 *   container running; a supervisor's down cannot leave it behind).
 * Their output goes to the service's log, as its own lines. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/wait.h>

#include "lxr/supervisor.h"
#include "supervisor/sup.h"

static const struct plan_hook *list_of(const struct sup_instance *in, size_t *n)
{
	if (in->hooks.phase == SUP_HOOK_POST_START) {
		*n = in->plan.n_post_start;
		return in->plan.post_start;
	}
	*n = in->plan.n_pre_stop;
	return in->plan.pre_stop;
}

static const char *phase_name(const struct sup_hooks *h)
{
	return h->phase == SUP_HOOK_POST_START ? "post_start" : "pre_stop";
}

/* The container's process (a shallow copy of its spec) as the hook's:
 * what it changes is the hook's own, freed by hook_proc_free. */
static int hook_proc(const struct sup_instance *in, const struct plan_hook *hk,
		     struct lxr_spec *proc, lxr_err *err)
{
	*proc = in->plan.spec;
	proc->args = hk->argv;
	proc->terminal = false;
	proc->env = lxr_strv_dup(in->plan.spec.env);
	for (char *const *e = hk->env; e && *e; e++)
		lxr_strv_setenv(&proc->env, *e);
	if (hk->cwd)
		proc->cwd = hk->cwd;
	proc->additional_gids = NULL;
	proc->n_additional_gids = 0;
	if (in->plan.spec.n_additional_gids) {
		size_t sz = in->plan.spec.n_additional_gids * sizeof(gid_t);
		proc->additional_gids = lxr_xmalloc(sz);
		memcpy(proc->additional_gids, in->plan.spec.additional_gids, sz);
		proc->n_additional_gids = in->plan.spec.n_additional_gids;
	}
	if (hk->user) {
		/* names resolve in the container's own /etc/passwd */
		_cleanup_free_ char *root =
		    lxr_xasprintf("/proc/%d/root", (int)rt_container_pid(in->c));
		if (rt_user_resolve(root, hk->user, proc, err) < 0)
			return -1;
		rt_caps_for_user(&proc->caps, proc->uid);
	}
	if (hk->privileged) {
		/* as exec --privileged: every capability, under the container's
		 * own seccomp filter (built for its capabilities, not these) */
		proc->seccomp_caps = in->plan.spec.caps.bounding;
		proc->seccomp_caps_set = true;
		proc->caps.bounding = rt_caps_privileged();
		proc->caps.effective = proc->caps.permitted = proc->caps.bounding;
	}
	return 0;
}

static void hook_proc_free(struct lxr_spec *proc)
{
	lxr_strv_free(proc->env);
	free(proc->additional_gids);
}

/* The last bytes of the running hook's output, for its failure's message */
static void tail_add(struct sup_hooks *h, const char *p, size_t n)
{
	if (n >= SUP_HOOK_TAIL) {
		p += n - SUP_HOOK_TAIL;
		n = SUP_HOOK_TAIL;
	}
	if (h->tail_len + n > SUP_HOOK_TAIL) {
		size_t drop = h->tail_len + n - SUP_HOOK_TAIL;
		memmove(h->tail, h->tail + drop, h->tail_len - drop);
		h->tail_len -= drop;
	}
	memcpy(h->tail + h->tail_len, p, n);
	h->tail_len += n;
}

void sup_hooks_on_output(struct sup *s, struct sup_instance *in)
{
	struct sup_hooks *h = &in->hooks;
	char buf[4096];
	ssize_t n;

	while (h->out_open && (n = read(h->outw.fd, buf, sizeof(buf))) != 0) {
		struct timespec now;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return; /* EAGAIN: the rest later */
		clock_gettime(CLOCK_REALTIME, &now);
		tail_add(h, buf, (size_t)n);
		h->mid_line = buf[n - 1] != '\n';
		if (sup_output_log(in))
			log_writer_feed(sup_output_log(in), LOG_STDOUT, buf, (size_t)n, &now);
	}
	if (h->out_open) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		/* a last line without its newline is over too (the stream is
		 * the container's too: it goes on) */
		if (sup_output_log(in) && h->mid_line)
			log_writer_feed(sup_output_log(in), LOG_STDOUT, "\n", 1, &now);
		h->mid_line = false;
		sup_watch_del(s, &h->outw);
		close(h->outw.fd);
		h->out_open = false;
	}
}

/* The hook's failure as the instance's error, compose's words: "web hook
 * exited with status 3: <its last output>". */
static void hook_error(struct sup_hooks *h, lxr_err *err, const char *svc, int code)
{
	size_t b = 0, e = h->tail_len;

	while (b < e && strchr(" \t\r\n", h->tail[b]))
		b++;
	while (e > b && strchr(" \t\r\n", h->tail[e - 1]))
		e--;
	if (e > b)
		lxr_fail(err, 0, "%s %s hook exited with status %d: %.*s", svc, phase_name(h), code,
			 (int)(e - b), h->tail + b);
	else
		lxr_fail(err, 0, "%s %s hook exited with status %d", svc, phase_name(h), code);
}

static void run_next(struct sup *s, struct sup_instance *in);

/* A post_start hook failed: the rest do not run; the instance keeps
 * running with the failure as its error, its dependents are blocked, and
 * during start-up `up` fails (compose's up returns the error). */
static void post_start_failed(struct sup *s, struct sup_instance *in, const lxr_err *err)
{
	char buf[LXR_ERR_MSG_MAX + 128];

	in->error = *err;
	in->has_error = true;
	in->hooks.failed = true;
	sup_say(s, in, "%s", lxr_err_str(err, buf, sizeof(buf)));
	if (!s->up_done && !s->shutting_down) {
		s->start_failed = true;
		sup_progress_error(s, in, err);
	}
}

/* The phase is over: post_start lets dependents start, pre_stop lets the
 * stop it held go on. */
static void phase_done(struct sup *s, struct sup_instance *in)
{
	struct sup_hooks *h = &in->hooks;
	enum sup_hook_phase was = h->phase;

	h->phase = SUP_HOOK_NONE;
	if (was == SUP_HOOK_PRE_STOP && h->holding) {
		h->holding = false;
		h->pre_stop_done = true;
		sup_event_grace(s, in, h->held, h->held_grace_us);
		return;
	}
	if (!s->shutting_down)
		sup_start_ready(s);
}

/* One hook ended (or could not start): code as a shell reports it. */
static void hook_ended(struct sup *s, struct sup_instance *in, int code, const lxr_err *why)
{
	struct sup_hooks *h = &in->hooks;
	lxr_err err;

	if (code == 0) {
		h->next++;
		run_next(s, in);
		return;
	}
	if (why)
		err = *why;
	else
		hook_error(h, &err, in->name, code);
	if (h->phase == SUP_HOOK_POST_START) {
		post_start_failed(s, in, &err);
	} else {
		char buf[LXR_ERR_MSG_MAX + 128];
		sup_say(s, in, "%s; stopping it anyway", lxr_err_str(&err, buf, sizeof(buf)));
	}
	phase_done(s, in);
}

static void close_hook(struct sup *s, struct sup_hooks *h)
{
	if (h->starting_open) {
		sup_watch_del(s, &h->syncw);
		h->starting_open = false;
	}
	if (h->pid > 0) {
		sup_watch_del(s, &h->pidw);
		close(h->pidw.fd);
	}
	h->pid = 0;
	if (h->out_open) {
		sup_watch_del(s, &h->outw);
		close(h->outw.fd);
		h->out_open = false;
	}
}

/* The exec helper hung up: the command runs (its pid and pidfd are
 * collected) or could not start. */
void sup_hooks_on_started(struct sup *s, struct sup_instance *in)
{
	struct sup_hooks *h = &in->hooks;
	struct lxr_stdio io = {.fds = {-1, -1, -1}, .pty_master = -1};
	int pidfd = -1, r;
	pid_t pid = -1;
	lxr_err err;

	sup_watch_del(s, &h->syncw);
	h->starting_open = false; /* its fd closed by rt_exec_in_end */
	r = rt_exec_in_end(&h->starting, in->name, &io, &pid, &pidfd, &err);
	if (r < 0) {
		sup_hooks_on_output(s, in);
		close_hook(s, h);
		hook_ended(s, in, r == -127 ? 127 : r == -126 ? 126 : 125, &err);
		return;
	}
	if (pidfd < 0) {
		/* unwatchable (out of descriptors): no hook runs unwaited for */
		lxr_fail(&err, errno, "pidfd_open for %s's %s hook", in->name, phase_name(h));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close_hook(s, h);
		hook_ended(s, in, 125, &err);
		return;
	}
	h->pid = pid;
	h->pidw = (struct sup_watch){W_HOOK_PIDFD, in, pidfd};
	if (sup_watch_add(s, &h->pidw, &err) < 0)
		sup_say(s, in, "%s hook: %s", phase_name(h), err.msg);
}

void sup_hooks_on_exit(struct sup *s, struct sup_instance *in)
{
	struct sup_hooks *h = &in->hooks;
	int st = 0;

	while (waitpid(h->pid, &st, 0) < 0 && errno == EINTR)
		;
	sup_hooks_on_output(s, in); /* the rest of what it wrote */
	close_hook(s, h);
	hook_ended(s, in, rt_container_exit_code(st), NULL);
}

static void start_one(struct sup *s, struct sup_instance *in, const struct plan_hook *hk)
{
	struct sup_hooks *h = &in->hooks;
	struct lxr_stdio io = {.fds = {-1, -1, -1}};
	struct lxr_spec proc;
	int p[2], r;
	lxr_err err;

	h->tail_len = 0;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		lxr_fail(&err, errno, "pipe for %s's %s hook", in->name, phase_name(h));
		hook_ended(s, in, 125, &err);
		return;
	}
	io.fds[1] = io.fds[2] = p[1];
	r = hook_proc(in, hk, &proc, &err);
	if (r == 0)
		r = rt_exec_in_begin(rt_container_pidfd(in->c), in->plan.spec.cgroup_group,
				     in->plan.spec.id, &proc, &io, &h->starting, &err);
	hook_proc_free(&proc);
	close(p[1]);
	if (r < 0) {
		close(p[0]);
		lxr_err_wrap(&err, "%s %s hook", in->name, phase_name(h));
		hook_ended(s, in, r == -127 ? 127 : r == -126 ? 126 : 125, &err);
		return;
	}
	h->syncw = (struct sup_watch){W_HOOK_SYNC, in, h->starting.sync};
	h->outw = (struct sup_watch){W_HOOK_OUT, in, p[0]};
	h->starting_open = h->out_open = true;
	if (sup_watch_add(s, &h->syncw, &err) < 0 || sup_watch_add(s, &h->outw, &err) < 0) {
		sup_say(s, in, "%s hook: %s", phase_name(h), err.msg);
		sup_hooks_on_started(s, in); /* unwatched: waited for here */
	}
}

static void run_next(struct sup *s, struct sup_instance *in)
{
	size_t n;
	const struct plan_hook *v = list_of(in, &n);

	if (in->hooks.next >= n || !in->c) {
		phase_done(s, in);
		return;
	}
	start_one(s, in, &v[in->hooks.next]);
}

static void begin(struct sup *s, struct sup_instance *in, enum sup_hook_phase phase)
{
	in->hooks.phase = phase;
	in->hooks.next = 0;
	if (!in->hooks.tail)
		in->hooks.tail = lxr_xmalloc(SUP_HOOK_TAIL);
	run_next(s, in);
}

void sup_hooks_note(struct sup_instance *in, enum svc_event ev, enum svc_action a)
{
	/* a start asked for (up, start, restart, a dependency's restart),
	 * also one that waits for a stop under way: its post_start runs; a
	 * restart by the policy is not one */
	if ((ev == EV_START || ev == EV_RESTART) && (a != ACT_NONE || in->fsm.restart_after_stop))
		in->hooks.post_start_due = true;
}

void sup_hooks_started(struct sup *s, struct sup_instance *in)
{
	in->hooks.failed = false;
	in->hooks.pre_stop_done = false;
	if (!in->hooks.post_start_due)
		return;
	in->hooks.post_start_due = false;
	if (in->plan.n_post_start && in->c)
		begin(s, in, SUP_HOOK_POST_START);
}

/* Cut short (its container is going, or a stop comes first): killed and
 * reaped, judged as nothing. */
static void cut_short(struct sup *s, struct sup_instance *in)
{
	struct sup_hooks *h = &in->hooks;

	if (h->starting_open) {
		/* not waited for: the container can hold the process stopped
		 * before its exec, and the loop with it */
		pid_t pid;

		sup_watch_del(s, &h->syncw);
		h->starting_open = false;
		rt_exec_in_abort(&h->starting, &pid);
		/* SIGKILLed: a stopped process dies too; a frozen (paused)
		 * one only once thawed, and the stray reaper collects it then */
		if (pid > 0 && !in->paused)
			waitpid(pid, NULL, 0);
	}
	if (h->pid > 0) {
		rt_exec_in_kill(h->pid);
		if (!in->paused)
			waitpid(h->pid, NULL, 0);
	}
	sup_hooks_on_output(s, in);
	close_hook(s, h);
	h->phase = SUP_HOOK_NONE;
}

bool sup_hooks_hold(struct sup *s, struct sup_instance *in, enum svc_event ev)
{
	struct sup_hooks *h = &in->hooks;

	if (ev != EV_STOP && ev != EV_RESTART && ev != EV_START)
		return false;
	if (h->phase == SUP_HOOK_PRE_STOP) {
		/* a stop while a restart's pre_stop runs: it stops; a start or
		 * restart while a stop's runs: it starts again after (when the
		 * pre_stop ends, or at the first stop's grace) */
		h->held = ev == EV_STOP ? EV_STOP : EV_RESTART;
		if (ev != EV_START)
			h->held_grace_us = in->svc->policy.stop_grace_us;
		return true;
	}
	if (ev == EV_START)
		return false;
	if (h->pre_stop_done || !in->plan.n_pre_stop || !in->c || sup_starting(in) ||
	    !svc_state_is_up(in->fsm.state))
		return false;
	if (h->phase == SUP_HOOK_POST_START)
		cut_short(s, in);
	h->holding = true;
	h->held = ev;
	h->held_grace_us = in->svc->policy.stop_grace_us;
	/* the container runs what pre_stop runs, and could hold its own
	 * stop (and a down of the stack) for ever: the stop's grace bounds it */
	h->cut_at = sup_now() + h->held_grace_us;
	begin(s, in, SUP_HOOK_PRE_STOP);
	return true;
}

int64_t sup_hooks_deadline(const struct sup_instance *in)
{
	const struct sup_hooks *h = &in->hooks;

	return h->phase == SUP_HOOK_PRE_STOP && h->holding ? h->cut_at : 0;
}

void sup_hooks_tick(struct sup *s, struct sup_instance *in, int64_t now)
{
	struct sup_hooks *h = &in->hooks;

	if (!sup_hooks_deadline(in) || now < h->cut_at)
		return;
	sup_say(s, in, "pre_stop did not end within the stop's grace (%lld ms): cut short",
		(long long)(h->held_grace_us / 1000));
	cut_short(s, in);
	h->holding = false;
	h->pre_stop_done = true;
	sup_event_grace(s, in, h->held, h->held_grace_us);
}

int sup_hooks_stop(struct sup *s, struct sup_instance *in)
{
	struct sup_hooks *h = &in->hooks;
	int held = -1;

	if (h->phase == SUP_HOOK_NONE)
		return -1;
	if (h->phase == SUP_HOOK_PRE_STOP && h->holding) {
		held = (int)h->held;
		h->holding = false;
		h->pre_stop_done = true;
	}
	cut_short(s, in);
	return held;
}

bool sup_hooks_post_start_running(const struct sup_instance *in)
{
	return in->hooks.phase == SUP_HOOK_POST_START;
}

void sup_hooks_free(struct sup_hooks *h)
{
	free(h->tail);
	h->tail = NULL;
}

/* reconcile: an unchanged instance moves into the new tables with the
 * hook it runs */
void sup_hooks_transplant(struct sup *s, struct sup_instance *oi, struct sup_instance *ni)
{
	struct sup_hooks *h = &ni->hooks;
	struct sup_watch *ws[] = {&h->pidw, &h->outw, &h->syncw};
	bool live[3];

	sup_hooks_free(&ni->hooks);
	ni->hooks = oi->hooks;
	memset(&oi->hooks, 0, sizeof(oi->hooks));
	live[0] = h->pid > 0;
	live[1] = h->out_open;
	live[2] = h->starting_open;
	for (size_t i = 0; i < 3; i++) {
		struct epoll_event ev = {.events = sup_watch_events(ws[i]), .data.ptr = ws[i]};
		ws[i]->ptr = ni;
		if (live[i])
			epoll_ctl(s->epfd, EPOLL_CTL_MOD, ws[i]->fd, &ev);
	}
}
