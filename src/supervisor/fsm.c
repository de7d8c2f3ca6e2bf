/* The service state machine (fsm.h): a table of state x event -> handler.
 * Restart policies and backoff are decided here, from the policy and the
 * clock the caller passes in, so tests need no sleeps. */
#include <string.h>

#include "supervisor/fsm.h"

static const char *const state_names[SVC_NSTATES] = {
    "created", "starting", "running",  "healthy", "unhealthy",
    "exited",  "backoff",  "stopping", "stopped", "failed",
};

static const char *const event_names[EV_NEVENTS] = {
    "start",     "started", "start-failed", "exited",  "healthy",
    "unhealthy", "timer",   "stop",         "restart",
};

const char *svc_state_name(enum svc_state s)
{
	return s < SVC_NSTATES ? state_names[s] : "?";
}

const char *svc_event_name(enum svc_event e)
{
	return e < EV_NEVENTS ? event_names[e] : "?";
}

bool svc_state_is_up(enum svc_state s)
{
	return s == SVC_RUNNING || s == SVC_HEALTHY || s == SVC_UNHEALTHY;
}

void svc_fsm_init(struct svc_fsm *f)
{
	memset(f, 0, sizeof(*f));
	f->state = SVC_CREATED;
	f->last_exit = -1;
}

typedef enum svc_action (*handler)(struct svc_fsm *f, const struct svc_policy *p, int arg,
				   int64_t now);

static enum svc_action spawn(struct svc_fsm *f, const struct svc_policy *p, int arg, int64_t now)
{
	f->state = SVC_STARTING;
	f->deadline = 0;
	f->restart_after_stop = f->restart_backoff = false;
	f->stopped_by_user = f->exit_on_next = false;
	return ACT_SPAWN;
}

/* A start or restart asked for by a user begins the restart count and
 * the backoff afresh, as docker's start resets RestartCount. */
static void fresh_count(struct svc_fsm *f)
{
	f->restarts = f->streak = 0;
	f->delay_us = 0;
}

static enum svc_action user_start(struct svc_fsm *f, const struct svc_policy *p, int arg,
				  int64_t now)
{
	fresh_count(f);
	return spawn(f, p, arg, now);
}

static enum svc_action started(struct svc_fsm *f, const struct svc_policy *p, int arg, int64_t now)
{
	f->state = SVC_RUNNING;
	f->started_at = now;
	return ACT_NONE;
}

/* docker: a restart policy applies only to a container that started; one
 * that cannot start (no such command) fails for good. */
static enum svc_action start_failed(struct svc_fsm *f, const struct svc_policy *p, int arg,
				    int64_t now)
{
	f->state = SVC_FAILED;
	f->last_exit = arg;
	return ACT_RELEASE;
}

static bool wants_restart(const struct svc_fsm *f, const struct svc_policy *p, int code)
{
	switch (p->restart) {
	case SVC_RESTART_NO: return false;
	case SVC_RESTART_ON_FAILURE: return code != 0;
	case SVC_RESTART_ALWAYS:
	case SVC_RESTART_UNLESS_STOPPED: return true;
	}
	return false;
}

/* Backoff doubles from the first delay up to the cap, and starts over once
 * the service has stayed up reset_after_us: a crash loop slows down, a
 * service that crashes once a day restarts at once. A first delay of zero
 * restarts at once the first time, then doubles from 1 ms: never a busy
 * loop. Only the delay starts over: on-failure:N counts every restart
 * since the last start a user asked for, as docker's restart manager,
 * unless a window (swarm's) says a restart that lasted is a good one. */
static int64_t next_delay(struct svc_fsm *f, const struct svc_policy *p, int64_t now)
{
	const int64_t floor_us = 1000;

	if (f->started_at && now - f->started_at >= p->reset_after_us) {
		f->streak = 0;
		f->delay_us = 0;
		if (p->window)
			f->restarts = 0;
	}
	if (p->delay_fixed || f->streak == 0)
		f->delay_us = p->delay_first_us;
	else
		f->delay_us = f->delay_us < floor_us              ? floor_us
			      : f->delay_us * 2 > p->delay_max_us ? p->delay_max_us
								  : f->delay_us * 2;
	return f->delay_us;
}

/* A restart to come, after its backoff, unless max_attempts is used up. */
static enum svc_action back_off(struct svc_fsm *f, const struct svc_policy *p, int64_t now)
{
	int64_t delay = next_delay(f, p, now);

	if (p->max_attempts > 0 && f->restarts >= p->max_attempts) {
		f->state = SVC_FAILED; /* gave up: on-failure:N used up */
		return ACT_RELEASE;
	}
	f->streak++;
	f->restarts++;
	f->cycles++;
	f->state = SVC_BACKOFF;
	f->deadline = now + delay;
	return ACT_RELEASE;
}

static enum svc_action exited(struct svc_fsm *f, const struct svc_policy *p, int arg, int64_t now)
{
	f->last_exit = arg;
	if (f->exit_on_next || !wants_restart(f, p, arg)) {
		f->exit_on_next = false;
		f->state = SVC_EXITED;
		return ACT_RELEASE;
	}
	return back_off(f, p, now);
}

static enum svc_action backoff_over(struct svc_fsm *f, const struct svc_policy *p, int arg,
				    int64_t now)
{
	return spawn(f, p, arg, now);
}

static enum svc_action health_ok(struct svc_fsm *f, const struct svc_policy *p, int arg,
				 int64_t now)
{
	f->state = SVC_HEALTHY;
	return ACT_NONE;
}

static enum svc_action stop(struct svc_fsm *f, const struct svc_policy *p, int arg, int64_t now)
{
	f->state = SVC_STOPPING;
	f->deadline = now + p->stop_grace_us;
	return ACT_SIGNAL_STOP;
}

static enum svc_action health_bad(struct svc_fsm *f, const struct svc_policy *p, int arg,
				  int64_t now)
{
	f->state = SVC_UNHEALTHY;
	f->unhealthy_seen = true;
	if (!p->restart_on_unhealthy)
		return ACT_NONE;
	stop(f, p, arg, now);
	/* restarted as a crash would be: after its backoff, and not past
	 * max_attempts (an unhealthy loop must not spin) */
	f->restart_after_stop = true;
	f->restart_backoff = true;
	return ACT_SIGNAL_STOP;
}

static enum svc_action user_stop(struct svc_fsm *f, const struct svc_policy *p, int arg,
				 int64_t now)
{
	stop(f, p, arg, now);
	f->stopped_by_user = true;
	return ACT_SIGNAL_STOP;
}

static enum svc_action user_restart(struct svc_fsm *f, const struct svc_policy *p, int arg,
				    int64_t now)
{
	stop(f, p, arg, now);
	f->restart_after_stop = true;
	fresh_count(f);
	f->cycles++;
	return ACT_SIGNAL_STOP;
}

/* Another stop, start or restart while it stops: its grace (docker's -t)
 * ends the wait sooner when it is shorter, as each docker stop sends its
 * own kill when its own timeout is over. */
static enum svc_action hurry(struct svc_fsm *f, const struct svc_policy *p, int64_t now)
{
	if (!f->deadline || now + p->stop_grace_us >= f->deadline)
		return ACT_NONE; /* killed already, or not sooner */
	f->deadline = now + p->stop_grace_us;
	if (f->deadline > now)
		return ACT_NONE;
	f->deadline = 0;
	return ACT_KILL;
}

/* A stop while it is already stopping (for a restart): it stays down. */
static enum svc_action stop_while_stopping(struct svc_fsm *f, const struct svc_policy *p, int arg,
					   int64_t now)
{
	f->restart_after_stop = f->restart_backoff = false;
	f->stopped_by_user = true;
	return hurry(f, p, now);
}

/* A start or restart asked for while it stops: it starts again once it has
 * stopped (docker's restart is a stop and a start; a start after a stop
 * that has not ended yet waits for it), its restart count afresh. */
static enum svc_action start_while_stopping(struct svc_fsm *f, const struct svc_policy *p, int arg,
					    int64_t now)
{
	f->restart_after_stop = true;
	f->restart_backoff = f->stopped_by_user = false;
	fresh_count(f);
	return ACT_NONE;
}

/* ... a restart: a restart for the services that follow it too, unless
 * this stop was one already */
static enum svc_action restart_while_stopping(struct svc_fsm *f, const struct svc_policy *p,
					      int arg, int64_t now)
{
	if (!f->restart_after_stop)
		f->cycles++;
	start_while_stopping(f, p, arg, now);
	return hurry(f, p, now);
}

static enum svc_action grace_over(struct svc_fsm *f, const struct svc_policy *p, int arg,
				  int64_t now)
{
	f->deadline = 0;
	return ACT_KILL;
}

static enum svc_action stopped(struct svc_fsm *f, const struct svc_policy *p, int arg, int64_t now)
{
	f->last_exit = arg;
	f->deadline = 0;
	if (f->restart_after_stop && f->restart_backoff) {
		f->restart_after_stop = f->restart_backoff = false;
		return back_off(f, p, now);
	}
	if (f->restart_after_stop) {
		/* the release happens before the respawn: the loop handles
		 * ACT_SPAWN from STARTING by releasing the old one first */
		spawn(f, p, arg, now);
		return ACT_SPAWN;
	}
	f->state = SVC_STOPPED;
	return ACT_RELEASE;
}

static enum svc_action never_started(struct svc_fsm *f, const struct svc_policy *p, int arg,
				     int64_t now)
{
	f->state = SVC_STOPPED;
	f->deadline = 0;
	f->stopped_by_user = true;
	return ACT_NONE;
}

/* A stop asked for while the container was still being built: the signal
 * went to lxr's own code, which does not take it. Send it again now that
 * the command runs. */
static enum svc_action started_while_stopping(struct svc_fsm *f, const struct svc_policy *p,
					      int arg, int64_t now)
{
	f->started_at = now;
	return ACT_SIGNAL_STOP;
}

static enum svc_action failed_while_stopping(struct svc_fsm *f, const struct svc_policy *p, int arg,
					     int64_t now)
{
	f->last_exit = arg;
	f->deadline = 0;
	f->restart_after_stop = false;
	f->state = f->stopped_by_user ? SVC_STOPPED : SVC_FAILED;
	return ACT_RELEASE;
}

#define UP_STATES(ev, fn) [SVC_RUNNING][ev] = fn, [SVC_HEALTHY][ev] = fn, [SVC_UNHEALTHY][ev] = fn

static const handler table[SVC_NSTATES][EV_NEVENTS] = {
    [SVC_CREATED][EV_START] = user_start,
    [SVC_CREATED][EV_STOP] = never_started,
    [SVC_STARTING][EV_STARTED] = started,
    [SVC_STARTING][EV_START_FAILED] = start_failed,
    [SVC_STARTING][EV_STOP] = user_stop,
    [SVC_STARTING][EV_RESTART] = user_restart,
    [SVC_STOPPING][EV_STARTED] = started_while_stopping,
    [SVC_STOPPING][EV_START_FAILED] = failed_while_stopping,
    UP_STATES(EV_EXITED, exited),
    UP_STATES(EV_STOP, user_stop),
    UP_STATES(EV_RESTART, user_restart),
    [SVC_RUNNING][EV_HEALTHY] = health_ok,
    [SVC_UNHEALTHY][EV_HEALTHY] = health_ok,
    [SVC_RUNNING][EV_UNHEALTHY] = health_bad,
    [SVC_HEALTHY][EV_UNHEALTHY] = health_bad,
    [SVC_BACKOFF][EV_TIMER] = backoff_over,
    [SVC_BACKOFF][EV_STOP] = never_started,
    [SVC_BACKOFF][EV_START] = user_start,
    [SVC_BACKOFF][EV_RESTART] = user_start,
    [SVC_STOPPING][EV_TIMER] = grace_over,
    [SVC_STOPPING][EV_STOP] = stop_while_stopping,
    [SVC_STOPPING][EV_START] = start_while_stopping,
    [SVC_STOPPING][EV_RESTART] = restart_while_stopping,
    [SVC_STOPPING][EV_EXITED] = stopped,
    [SVC_EXITED][EV_START] = user_start,
    [SVC_EXITED][EV_RESTART] = user_start,
    [SVC_STOPPED][EV_START] = user_start,
    [SVC_STOPPED][EV_RESTART] = user_start,
    [SVC_FAILED][EV_START] = user_start,
    [SVC_FAILED][EV_RESTART] = user_start,
};

enum svc_action svc_fsm_event(struct svc_fsm *f, const struct svc_policy *p, enum svc_event ev,
			      int arg, int64_t now)
{
	handler h;

	if (f->state >= SVC_NSTATES || ev >= EV_NEVENTS)
		return ACT_NONE;
	h = table[f->state][ev];
	return h ? h(f, p, arg, now) : ACT_NONE;
}
