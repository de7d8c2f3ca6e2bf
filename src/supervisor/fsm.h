/* Supervisor, internal: one service instance's life as an explicit state
 * machine (s6's model: a table indexed by state and event). Pure: time comes
 * in as an argument, effects go out as an action the loop carries out. */
#ifndef LXR_SUP_FSM_H
#define LXR_SUP_FSM_H

#include <stdbool.h>
#include <stdint.h>

enum svc_state {
	SVC_CREATED,   /* made, waiting for its dependencies or a start */
	SVC_STARTING,  /* the container is being started */
	SVC_RUNNING,   /* running; no health check, or none has passed yet */
	SVC_HEALTHY,   /* its health check passes */
	SVC_UNHEALTHY, /* its health check failed `retries` times in a row */
	SVC_EXITED,    /* exited and its restart policy says it stays down */
	SVC_BACKOFF,   /* exited; restarting after a delay */
	SVC_STOPPING,  /* stop signal sent, waiting out the grace period */
	SVC_STOPPED,   /* stopped on request */
	SVC_FAILED,    /* gave up: start failed, or restart attempts used up */
	SVC_NSTATES
};

enum svc_event {
	EV_START,        /* dependencies met, or `lxr start` */
	EV_STARTED,      /* the command runs */
	EV_START_FAILED, /* the container could not be started */
	EV_EXITED,       /* the container's init exited (arg: exit code) */
	EV_HEALTHY,      /* health check: now passing */
	EV_UNHEALTHY,    /* health check: failed `retries` times */
	EV_TIMER,        /* the instance's deadline passed */
	EV_STOP,         /* `lxr stop`, `down`, Ctrl-C */
	EV_RESTART,      /* `lxr restart`, a dependency's restart */
	EV_NEVENTS
};

enum svc_action {
	ACT_NONE,
	ACT_SPAWN,       /* start the container */
	ACT_SIGNAL_STOP, /* send the stop signal; deadline = SIGKILL time */
	ACT_KILL,        /* SIGKILL */
	ACT_RELEASE,     /* the container is gone: release what it held */
};

enum svc_restart {
	SVC_RESTART_NO,
	SVC_RESTART_ALWAYS,
	SVC_RESTART_ON_FAILURE,
	SVC_RESTART_UNLESS_STOPPED
};

struct svc_policy {
	enum svc_restart restart;
	int max_attempts;          /* on-failure:N / max_attempts; 0: unlimited */
	int64_t delay_first_us;    /* first backoff delay (docker: 100 ms) */
	int64_t delay_max_us;      /* cap (docker: 1 min) */
	bool delay_fixed;          /* deploy.restart_policy.delay: no doubling */
	int64_t reset_after_us;    /* up this long: backoff starts over (10 s) */
	bool window;               /* ... and the restart count (swarm's window) */
	int64_t stop_grace_us;     /* stop_grace_period (10 s) */
	bool restart_on_unhealthy; /* x-lxr.restart_on_unhealthy */
};

struct svc_fsm {
	enum svc_state state;
	int64_t deadline;   /* for EV_TIMER; 0 = none */
	int64_t started_at; /* when the command last started */
	int64_t delay_us;   /* the next backoff delay */
	int streak;         /* restarts since the backoff last started over */
	/* restarts by the policy since the last start or restart a user asked
	 * for: docker's RestartCount, and what on-failure:N counts */
	int restarts;
	int cycles;              /* every restart, a user's too: what restart: true follows */
	int last_exit;           /* exit code of the last run, -1 none yet */
	bool restart_after_stop; /* a restart (or unhealthy) is stopping it */
	bool restart_backoff;    /* ... an unhealthy one: the restart waits its backoff */
	bool stopped_by_user;    /* unless-stopped and always stay down */
	/* killed by a user (KILL, or its stop signal): its next exit is not
	 * restarted, as docker's kill (sup_kill) */
	bool exit_on_next;
	bool unhealthy_seen; /* its check has failed for good at least once */
};

void svc_fsm_init(struct svc_fsm *f);
/* Feed one event; returns what the loop must do. Events that mean nothing in
 * the current state change nothing and return ACT_NONE. */
enum svc_action svc_fsm_event(struct svc_fsm *f, const struct svc_policy *p, enum svc_event ev,
			      int arg, int64_t now);
const char *svc_state_name(enum svc_state s);
const char *svc_event_name(enum svc_event e);
/* Has the instance ever started its command and is it up now? */
bool svc_state_is_up(enum svc_state s);

#endif
