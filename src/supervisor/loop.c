/* The supervisor's one loop: epoll over a signalfd, one timerfd holding the
 * earliest deadline of every instance, the containers' pidfds and output
 * pipes, health checks, and the control socket. No polling, no sleeps. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>

#include "supervisor/sup.h"
#include "supervisor/term.h"

/* A supervisor idle this long after a burst of work (starts, exits,
 * control requests) gives back the pages the burst left resident. */
#define TRIM_IDLE_US 1000000

/* One timer for everything: the earliest deadline of any instance. */
static void arm_timer(struct sup *s)
{
	int64_t next = s->trim_at;
	struct itimerspec its = {0};

	FOR_EACH_INSTANCE(s, in)
	{
		/* and a start-first update's new container beside it */
		for (struct sup_instance *x = in; x; x = x == in ? in->shadow : NULL) {
			int64_t d = x->fsm.deadline, h = sup_health_deadline(x),
				k = sup_hooks_deadline(x);
			if (d && (!next || d < next))
				next = d;
			if (h && (!next || h < next))
				next = h;
			if (k && (!next || k < next))
				next = k;
		}
	}
	{
		int64_t o = sup_output_deadline(s), w = sup_notify_deadline(),
			u = sup_update_deadline(s);
		if (o && (!next || o < next))
			next = o;
		if (u && (!next || u < next))
			next = u;
		if (w && (!next || w < next))
			next = w;
	}
	if (next) {
		its.it_value.tv_sec = next / 1000000;
		its.it_value.tv_nsec = (next % 1000000) * 1000;
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	timerfd_settime(s->timerw.fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void on_timer(struct sup *s)
{
	uint64_t ticks;
	int64_t now = sup_now();

	(void)!read(s->timerw.fd, &ticks, sizeof(ticks));
	sup_output_flush(s);
	if (s->trim_at && now >= s->trim_at) {
		s->trim_at = 0;
		lxr_mem_trim();
	}
	FOR_EACH_INSTANCE(s, in)
	{
		for (struct sup_instance *x = in; x; x = x == in ? in->shadow : NULL) {
			if (x->fsm.deadline && now >= x->fsm.deadline)
				sup_event(s, x, EV_TIMER, 0);
			sup_health_tick(s, x, now);
			sup_hooks_tick(s, x, now);
		}
	}
}

/* First Ctrl-C (or SIGTERM): ordered down. Second: kill everything now. */
static void on_signal(struct sup *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigw.fd, &si, sizeof(si)) == sizeof(si)) {
		if (s->shutting_down) {
			if (!s->quiet)
				fputs("lxr: killing\n", stderr);
			sup_kill_all(s);
		} else {
			if (!s->quiet)
				fputs("lxr: stopping (again to kill)\n", stderr);
			/* `up`'s exit code says it was interrupted (128 + signal,
			 * as compose's 130 after Ctrl-C) */
			s->stop_signal = (int)si.ssi_signo;
			sup_stop_all(s);
		}
	}
}

static void dispatch(struct sup *s, struct sup_watch *w)
{
	struct sup_instance *in = w->ptr;

	if (w->kind == W_SYNC || w->kind == W_PIDFD || w->kind == W_LISTEN || w->kind == W_CLIENT ||
	    w->kind == W_HOOK_PIDFD)
		s->trim_at = sup_now() + TRIM_IDLE_US;
	switch (w->kind) {
	case W_SIGNAL: on_signal(s); break;
	case W_TIMER: on_timer(s); break;
	case W_SYNC: sup_on_spawned(s, in); break;
	case W_PIDFD: sup_on_exit(s, in); break;
	case W_OUT: sup_output_read_some(s, in, 0); break;
	case W_ERR: sup_output_read_some(s, in, 1); break;
	case W_HEALTH_PIDFD: sup_health_on_exit(s, in); break;
	case W_HEALTH_OUT: sup_health_on_output(s, in); break;
	case W_HEALTH_SYNC: sup_health_on_started(s, in); break;
	case W_HOOK_PIDFD: sup_hooks_on_exit(s, in); break;
	case W_HOOK_OUT: sup_hooks_on_output(s, in); break;
	case W_HOOK_SYNC: sup_hooks_on_started(s, in); break;
	case W_LISTEN: sup_control_accept(s); break;
	case W_CLIENT: sup_control_read(s, w); break;
	case W_TERM: sup_term_flush(s); break;
	}
}

/* Start-up is over when nothing waits to start: each instance is up, has
 * ended, or is blocked by a failed dependency. */
static bool startup_settled(struct sup *s)
{
	FOR_EACH_INSTANCE(s, in)
	{
		enum svc_state st = in->fsm.state;
		if (st == SVC_STARTING ||
		    (st == SVC_CREATED && !in->blocked && !in->held && !in->fsm.stopped_by_user))
			return false;
		/* up waits for post_start, as compose's does */
		if (sup_hooks_post_start_running(in))
			return false;
		/* a dependent waits for this one to get healthy or complete */
		if (st == SVC_RUNNING && in->health.enabled && sup_health_needed(s, in))
			return false;
	}
	return true;
}

static bool nothing_left(struct sup *s)
{
	FOR_EACH_INSTANCE(s, in)
	{
		enum svc_state st = in->fsm.state;
		if (in->c || st == SVC_BACKOFF || st == SVC_STARTING ||
		    (st == SVC_CREATED && !in->blocked && !in->held && !in->fsm.stopped_by_user))
			return false;
	}
	return true;
}

void sup_signals_block(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigprocmask(SIG_BLOCK, set, NULL);
}

static int setup(struct sup *s, lxr_err *err)
{
	sigset_t set;

	/* containers' inits are our children; anything they leave to us is
	 * reaped here rather than by the host's init */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0)
		return lxr_fail(err, errno, "epoll_create1");
	sup_signals_block(&set);
	signal(SIGPIPE, SIG_IGN);
	s->sigw =
	    (struct sup_watch){W_SIGNAL, NULL, signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)};
	s->timerw = (struct sup_watch){W_TIMER, NULL,
				       timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK)};
	if (s->sigw.fd < 0 || s->timerw.fd < 0)
		return lxr_fail(err, errno, "signalfd/timerfd");
	if (sup_watch_add(s, &s->sigw, err) < 0 || sup_watch_add(s, &s->timerw, err) < 0 ||
	    sup_watch_add(s, &s->listenw, err) < 0)
		return -1;
	sup_term_open(s);
	return 0;
}

static void report_ready(struct sup *s)
{
	if (s->up_done)
		return;
	s->up_done = true;
	/* start-up's scratch (netlink messages, files read, the plans' text)
	 * is freed by now: its pages go back to the system, and so do the code
	 * and stack pages only start-up used, so a supervisor that runs for
	 * years holds only what it supervises with */
	lxr_mem_trim();
	if (s->ready_fd >= 0) {
		char line[32];
		int n =
		    snprintf(line, sizeof(line), "R %d\n", s->up_result || s->start_failed ? 1 : 0);
		(void)!write(s->ready_fd, line, (size_t)n);
		close(s->ready_fd);
		s->ready_fd = -1;
	}
}

/* Starts per turn of the loop. A wave of many (a stack's first level)
 * would otherwise hold every event until its last start: each container
 * would count as running, and its health checks begin, only then. */
#define START_BURST 2

/* The start of a turn: ready reported, a failed foreground start taken
 * down, the ordered stop moved on; true when the loop is done. */
static bool turn_ends_loop(struct sup *s, const struct sup_opts *o)
{
	if (!s->up_done && startup_settled(s))
		report_ready(s);
	/* foreground: a failed dependency or a service that cannot start
	 * fails `up`; the stack it was part of goes down with it (detached,
	 * the rest keeps running) */
	if (!o->detached && s->up_done && (s->up_result || s->start_failed) && !s->shutting_down) {
		fprintf(stderr, "lxr: %s: stopping the stack\n",
			s->start_failed ? "a service could not start" : "a dependency failed");
		sup_stop_all(s);
	}
	if (s->shutting_down) {
		sup_stop_all(s); /* moves on level by level as they exit */
		return sup_all_down(s);
	}
	/* foreground: every container has ended for good */
	return (!o->detached || o->exit_when_done) && nothing_left(s);
}

/* The end of a turn: the warm-up child reaped, and the starts a wave left
 * for it made (a stop of the stack ends the wave: nothing more starts). */
static void turn_end(struct sup *s)
{
	if (s->warm_pid > 0 && waitpid(s->warm_pid, NULL, WNOHANG) != 0)
		s->warm_pid = -1;
	s->start_budget = START_BURST;
	if (s->starts_deferred) {
		s->starts_deferred = false;
		if (!s->shutting_down)
			sup_start_ready(s);
	}
}

int sup_run(struct sup *s, const struct sup_opts *o)
{
	lxr_err err;

	s->ready_fd = o->ready_fd;
	s->quiet = o->detached;
	s->abort_on_exit = o->abort_on_exit || o->exit_code_from || o->abort_on_failure;
	s->abort_on_failure = o->abort_on_failure;
	s->exit_code_from = o->exit_code_from ? lxr_xstrdup(o->exit_code_from) : NULL;
	s->abort_code = -1;
	/* the first container's move into its v1 cgroups waits out a grace
	 * period: started now, it runs while the networks are made */
	s->warm_pid = rt_cgroup_warm();
	if (setup(s, &err) < 0) {
		sup_fatal(s, &err);
		return 1;
	}
	if (!o->detached)
		sup_notify_open(); /* `lxr up` as a Type=notify unit */
	FOR_EACH_INSTANCE(s, in)
	if (in->held)
		sup_progress(s, in, "+ Created"); /* up --no-start: and that is all */
	s->start_budget = START_BURST;
	sup_start_ready(s);
	for (;;) {
		struct epoll_event evs[32];
		int n;

		if (turn_ends_loop(s, o))
			break;
		/* what a start or a stop waiting would leave the loop idle for */
		sup_prepare_next(s);
		sup_net_tidy_next(s);
		/* the names this turn's starts added; in a wave, once at its
		 * end (each new container's own file lists those made before
		 * it): n writes for n starts, not n(n+1)/2 */
		if (!s->starts_deferred)
			sup_net_hosts_flush(s);
		/* the watchdog ping comes from here, so a loop that hangs
		 * stops it and systemd acts; READY=1 after the names are in */
		sup_notify_tick(s);
		arm_timer(s);
		/* starts left over: only what is ready now, then on with them */
		n = epoll_wait(s->epfd, evs, 32, s->starts_deferred && !s->shutting_down ? 0 : -1);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++)
			dispatch(s, evs[i].data.ptr);
		sup_term_flush(s); /* the turn's terminal lines, in one write */
		sup_reconcile_tick(s);
		sup_update_tick(s);
		turn_end(s);
	}
	report_ready(s);
	sup_notify_close();
	sup_term_finish(s);
	if (s->up_result || s->start_failed)
		return 1;
	/* --abort-on-container-exit, --exit-code-from: the container's code */
	return s->abort_on_exit && s->abort_code >= 0 ? s->abort_code : 0;
}

int sup_serve(struct sup *s, const struct sup_opts *o, int lockfd)
{
	_cleanup_free_ char *events = lxr_xasprintf("%s/events.jsonl", s->run_dir);
	sigset_t held;
	lxr_err err;
	int r = 1;

	sup_signals_block(&held);
	s->ready_fd = o->ready_fd;
	if (sup_project_write_pid(lockfd, &err) < 0 || lxr_mkdir_p(s->log_dir, 0700, &err) < 0 ||
	    sup_control_open(s, &err) < 0) {
		sup_fatal(s, &err);
	} else {
		s->events_log = fopen(events, "ae");
		r = sup_run(s, o);
	}
	sup_output_free(s);
	sup_control_close(s);
	if (s->events_log)
		fclose(s->events_log);
	s->events_log = NULL;
	return r;
}
