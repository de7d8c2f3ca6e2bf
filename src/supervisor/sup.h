/* Supervisor, internal: the per-stack process that starts, watches and stops
 * a stack's containers from one epoll loop. */
#ifndef LXR_SUP_H
#define LXR_SUP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "lxr/config.h"
#include "lxr/config_runnable.h"
#include "lxr/image.h"
#include "lxr/plan.h"
#include "lxr/runtime.h"
#include "lxr/supervisor.h"
#include "supervisor/fsm.h"

struct sup;

/* What the loop waits on; epoll's data points at one of these. */
enum sup_watch_kind {
	W_SIGNAL,
	W_TIMER,
	W_SYNC,
	W_PIDFD,
	W_OUT,
	W_ERR,
	W_HEALTH_PIDFD,
	W_HEALTH_OUT,
	W_HEALTH_SYNC,
	W_HOOK_PIDFD,
	W_HOOK_OUT,
	W_HOOK_SYNC,
	W_LISTEN,
	W_CLIENT,
	W_TERM
};
struct sup_watch {
	enum sup_watch_kind kind;
	void *ptr;
	int fd;
};

/* One finished check, as docker inspect's State.Health.Log keeps them. */
#define SUP_HEALTH_LOG 5    /* the last checks kept */
#define SUP_HEALTH_OUT 4096 /* bytes of a check's output kept: its last ones */
struct sup_health_result {
	int64_t start_ns, end_ns; /* CLOCK_REALTIME */
	int exit_code;
	char *output; /* its last SUP_HEALTH_OUT bytes at most; NULL: none yet */
};

struct sup_health {
	bool enabled;
	char **argv; /* CMD argv, or /bin/sh -c "..." */
	int64_t interval_us, timeout_us, start_period_us, start_interval_us;
	int retries;
	/* the running check, if any: being started while syncw is open (its
	 * exec helper's, until the command runs), then pid */
	pid_t pid;
	struct sup_watch pidw, outw, syncw;
	struct rt_exec_pending starting;
	int64_t next_at; /* when the next check starts */
	int64_t kill_at; /* timeout of the running check */
	int failures;    /* consecutive */
	/* the running (or last) check's output, its last bytes: SUP_HEALTH_OUT
	 * bytes from its first check on (NULL before), so that an instance
	 * without health checks costs the supervisor none of them */
	char *last_output;
	int last_exit;
	int64_t check_start_ns;                       /* CLOCK_REALTIME, of the running check */
	struct sup_health_result log[SUP_HEALTH_LOG]; /* a ring: n_log, next */
	size_t n_log, log_next;
};

/* hook.c: the post_start or pre_stop hooks an instance runs, one at a
 * time. Zeroed is idle (the watches' fds are live only as the flags say). */
enum sup_hook_phase { SUP_HOOK_NONE, SUP_HOOK_POST_START, SUP_HOOK_PRE_STOP };
#define SUP_HOOK_TAIL 2048 /* a failing hook's output kept for its message */
struct sup_hooks {
	enum sup_hook_phase phase;
	size_t next; /* the one running in its list */
	pid_t pid;   /* running (its pidw live), 0: none */
	struct sup_watch pidw, outw, syncw;
	bool out_open, starting_open;
	struct rt_exec_pending starting;
	char *tail; /* the running hook's last output */
	size_t tail_len;
	bool mid_line;         /* its output so far ends without a newline */
	bool post_start_due;   /* a start asked for: post_start runs once it runs */
	bool failed;           /* post_start failed in this life */
	bool pre_stop_done;    /* ran in this life: the stop it held goes on */
	bool holding;          /* pre_stop holds this stop or restart back */
	enum svc_event held;   /* EV_STOP or EV_RESTART */
	int64_t held_grace_us; /* the grace the stop had when it came */
	int64_t cut_at;        /* pre_stop cut short then: the grace passed */
};

/* update.c: an instance's step in a rolling update */
enum sup_upd_step {
	UPD_STEP_NONE,     /* not part of one */
	UPD_STEP_WAIT,     /* in a batch to come */
	UPD_STEP_STOPPING, /* its old container is stopping */
	UPD_STEP_STARTING, /* its new container starts, then is watched (monitor) */
	UPD_STEP_DONE,     /* replaced, and stayed up through monitor */
	UPD_STEP_FAILED,   /* its new container failed */
};
/* A service's rolling update, as ps and up report it */
enum sup_upd_state {
	SUP_UPD_NONE,
	SUP_UPD_UPDATING,
	SUP_UPD_ROLLING_BACK,
	SUP_UPD_PAUSED,      /* stopped half-way (failure_action: pause) */
	SUP_UPD_UPDATED,     /* every instance replaced */
	SUP_UPD_ROLLED_BACK, /* back on the previous version */
};

struct sup_instance {
	struct sup_service *svc;
	char *name; /* "<service>-<n>" */
	int replica;
	struct svc_fsm fsm;
	struct plan_instance plan; /* made once at load; spec carried out as is */
	struct lxr_container *c;   /* while it exists */
	/* between a crash and its restart: the last life's cgroup, emptied,
	 * for the next start to reuse (rt_container_retire) */
	struct lxr_cgroup *kept_cg;
	/* a container that makes its own network namespace (network_mode:
	 * none): that namespace, held from its start, for its restarts to
	 * join (as a network's endpoint namespace is kept); -1: none */
	int kept_netns;
	struct sup_watch pidw, outw, errw; /* container init, stdout, stderr */
	/* being built: readable when only its command's exec is left, or it
	 * failed; then once more when that exec is done or failed */
	struct sup_watch syncw;
	/* stdin_open without tty: the write end of its stdin, held open and
	 * never written, so its stdin never ends (compose's `-i`) */
	int stdin_w;
	/* lxr attach's copies of its output (stdin_serve.c): the write end of
	 * a pipe per stream (tty: stdout's only; -1: gone), written as the log
	 * is and never waited on; closed when the output ends */
	struct sup_tap {
		int fd[2];
	} * taps;
	size_t n_taps;
	struct sup_health health;
	struct sup_hooks hooks;
	bool oom_killed;
	/* lxr pause: its cgroup is frozen; no health checks run meanwhile */
	bool paused;
	/* up --no-start, lxr create: made, and waits for `lxr start` */
	bool held;
	int64_t started_ns, finished_ns; /* CLOCK_REALTIME: last start, last exit */
	bool blocked;                    /* a required dependency failed: stays created */
	/* a user's start of it, waiting for its dependencies' conditions
	 * (lxr start, up of a stack that is up: compose's waitDependencies) */
	bool start_gated;
	bool doomed;   /* reconcile: changed or removed, stopping */
	bool replaced; /* ... changed: a new container follows */
	bool stale;    /* reconcile: changed, kept by up --no-recreate (runs its old plan) */
	/* the model and stack a stale instance runs (NULL: its service's):
	 * what inspect shows of it; the stack is kept while it runs */
	const struct cfg_service *run_cfg;
	const struct cfg_stack *run_stack;
	/* its old image (NULL: a directory), held in use while it runs (-1: none) */
	struct img_image *run_img;
	int run_img_use_fd;
	bool renew_anon;    /* up -V: its anonymous volumes go before its next start */
	int spawned_cycles; /* fsm.cycles at its last spawn: a higher count is a restart */
	bool restart_alone; /* restart --no-deps: its dependents stay as they run */
	/* a restart that waits for its `restart: true` dependencies to have
	 * restarted and to meet their conditions (order.c), with its -t */
	bool restart_wait;
	int64_t restart_grace_us;
	bool warned;     /* the runtime's warnings were shown (first start) */
	bool net_joined; /* net.c: its spec joins its endpoint's namespace */
	bool net_fresh;  /* its endpoint was made for the start coming now */
	bool prepared;   /* sup_prepare_next has made what it could */
	uint32_t ip;     /* its address on its network, 0: none */
#define SUP_MORE_IPS 8
	uint32_t more_ip[SUP_MORE_IPS]; /* on its next networks (plan.more_nets) */
	/* its ports as published (host ports the net layer picked included) */
	struct lxr_port *ports;
	size_t n_ports;
	char *blocked_by;
	/* why its last start failed, whole (errno, message with the primitive
	 * and path, hint) for ps, events and the waiting `up`; cleared when it
	 * starts */
	lxr_err error;
	bool has_error;
	/* wall-clock seconds, for ps's CREATED and "Exited (N) 3 minutes ago":
	 * its first start, and when its command last ended (0: not yet) */
	int64_t created_at, finished_at;
	/* update.c: a rolling update's target (a plan not carried out yet),
	 * the instance's step in it, and when its new container was ready */
	struct plan_instance *upd_plan;
	enum sup_upd_step upd_step;
	int64_t upd_ready_at;
	bool upd_keep; /* reconcile: changed, kept running for a rolling update */
	bool on_prev;  /* runs its service's previous version (prev_cfg) */
	char *upd_why; /* why its new container failed */
	/* start-first: the new container beside this one until it is ready
	 * (an instance of its own, named "<name>.next" or back "<name>");
	 * in it, shadow_of is the instance it replaces */
	struct sup_instance *shadow, *shadow_of;
	bool no_publish;     /* attach without its ports (a shadow until ready) */
	int64_t upd_stop_at; /* start-first: the old one stops then (drain) */
};

struct sup_service {
	const struct cfg_service *cfg;
	size_t node; /* in the plan graph */
	struct svc_policy policy;
	struct sup_instance *inst;
	size_t n_inst;
	int colour;
	/* output.c: a log file a replica (logs[replica - 1]), so two
	 * replicas' partial lines never join; NULL until its first start */
	struct log_writer **logs;
	struct log_fwd **fwds; /* logfwd.c: journald's or syslog's copy, beside logs */
	size_t n_logs;
	struct img_image *img; /* tables.c: its image, when it names one */
	bool pull_needed;      /* dry run: its image is not here, no plan made */
	bool vols_pulled;      /* its image volumes' images are had (tables.c) */
	const char *pull_ref;  /* dry run: a volume's image it would pull (cfg's) */
	int img_use_fd;        /* held while the supervisor runs: in use */
	int pull_policy;       /* how img was had (enum img_pull_policy) */
	/* update.c: the version it ran before the last update, which a
	 * rollback returns to: its model (in a stack the supervisor keeps),
	 * its image, held in use until then (prev_img_use_fd, -1: none) */
	const struct cfg_stack *prev_stack;
	const struct cfg_service *prev_cfg;
	struct img_image *prev_img;
	int prev_img_use_fd;
	struct {
		enum sup_upd_state state;
		const struct cfg_update *cfg; /* update_config, or rollback_config */
		int64_t next_batch_at;        /* delay: the next batch waits until then */
		bool batch_open;
		char *why; /* paused or rolled back: the first failure's reason */
		int gen;   /* counts updates, so up reports the one it began */
	} upd;
};

struct sup_opts {
	const char *const *targets; /* services named on the command line */
	bool detached;              /* no terminal output (up -d) */
	int ready_fd;               /* up -d: write the start-up result here, then close */
	/* `lxr run -d`: the supervisor's life ends with its container's
	 * (when the restart policy gives up, or it is stopped) */
	bool exit_when_done;
	/* up --abort-on-container-exit, --exit-code-from,
	 * --abort-on-container-failure */
	bool abort_on_exit, abort_on_failure;
	const char *exit_code_from;
};

struct sup {
	struct cfg_stack *stack;
	struct plan_graph *graph;
	struct sup_service *svcs;
	size_t n_svcs;
	char *run_dir;    /* <run_dir>/<project>: lock, socket, events, log */
	char *state_root; /* where its containers' directories are (NULL: run_dir) */
	char *log_dir;    /* <log_dir>/<project> */
	/* lxr run -d: its one log is named after the container (a compose
	 * one-off's service has a name of its own); NULL: each service's */
	const char *log_name;
	/* lxr run -d of an image or a directory (not a compose one-off):
	 * inspect shows it with docker run's conventions, not compose's;
	 * auto_remove: --rm */
	bool docker_run, auto_remove;
	int epfd;
	struct sup_watch sigw, timerw, listenw;
	/* foreground: the terminal (or pipe) the lines go to, never waited
	 * on: what it cannot take now waits in buf, and past that is dropped
	 * (and counted); the log files have every line (output.c). [0] is
	 * stdout, [1] stderr: a container's stderr lines, as compose's up */
	struct sup_term {
		struct sup_watch w; /* W_TERM, EPOLLOUT while buf holds data */
		bool armed;
		bool ask; /* a blocking descriptor: poll before each write */
		char *buf;
		size_t len, cap;
		size_t dropped;
		size_t width; /* [0]: the prefixes', 0 until worked out for these tables */
	} term[2];
	/* up --force-recreate: the reconcile being classified counts every
	 * instance as changed (set around the call by the control request) */
	bool force_recreate;
	/* down -t: the grace of every stop of the ordered down, in place of the
	 * services' own */
	bool down_grace;
	int64_t down_grace_us;
	bool shutting_down, up_done;
	/* starts this turn of the loop may still make, and whether some were
	 * left for the next (sup_start_ready) */
	int start_budget;
	bool starts_deferred;
	pid_t warm_pid; /* rt_cgroup_warm's child, until reaped */
	/* when to give back what the last burst of work left resident
	 * (lxr_mem_trim), 0: nothing to give back */
	int64_t trim_at;
	bool hosts_stale;  /* endpoints made since the peers' /etc/hosts were written */
	int up_result;     /* 0, or 1 when a dependency failed */
	bool start_failed; /* an instance could not start during start-up */
	int stop_signal;   /* the signal that asked for the ordered down, 0: none */
	int ready_fd;
	bool tty;               /* foreground on a terminal: colour */
	bool quiet;             /* up -d: no terminal output */
	struct ctl_server *ctl; /* control.c */
	FILE *events_log;
	struct cfg_stack *owned_stack; /* after a reconcile: the stack it loaded */
	struct plan_graph *owned_graph;
	struct sup *pending; /* reconcile.c: the new tables, waiting for the swap */
	/* reconcile.c: stacks that orphans kept running still take their model
	 * from, freed with the supervisor */
	struct cfg_stack **kept_stacks;
	size_t n_kept_stacks;
	struct img_store *store; /* opened when a service names an image */
	/* `up --dry-run`: the tables are built to be looked at: no image is
	 * pulled, none marked in use, nothing written */
	bool dry_run;
	/* up --no-recreate (around a reconcile's classification, as
	 * force_recreate); --no-deps on a running stack: the services not
	 * named, left as they are */
	bool no_recreate;
	char **keep_as_is;
	/* up --force-recreate SERVICE...: the named services (NULL: every
	 * one); --always-recreate-deps: the others are recreated too */
	char **recreate_named;
	bool recreate_deps;
	/* up -V: what this reconcile makes or remakes gets new anonymous
	 * volumes */
	bool renew_anon;
	/* up --no-start, lxr create: what these tables add waits, "created",
	 * for `lxr start` */
	bool no_start;
	/* up -t: the grace of the stops of a recreate */
	bool recreate_grace;
	int64_t recreate_grace_us;
	/* up --pull: 1 + an img_pull_policy for every service, 0: their own;
	 * --quiet-pull */
	int pull;
	bool quiet_pull;
	/* foreground up: --no-log-prefix, --no-color; --attach/--no-attach:
	 * the services whose lines are shown (NULL: all) */
	bool no_log_prefix, no_color, timestamps;
	char **attach, **no_attach;
	/* up --abort-on-container-exit, --exit-code-from: the code up exits
	 * with, -1 none yet; aborted: a container's end stopped the stack */
	bool abort_on_exit, abort_on_failure, aborted;
	char *exit_code_from;
	int abort_code;
};

/* every instance of every service, as `in` */
#define FOR_EACH_INSTANCE(s, in)                                                                   \
	for (size_t _i = 0; _i < (s)->n_svcs; _i++)                                                \
		for (struct sup_instance *in = (s)->svcs[_i].inst;                                 \
		     in < (s)->svcs[_i].inst + (s)->svcs[_i].n_inst; in++)

/* ---- up_attach.c: a foreground up of a running stack --------------------- */
/* Show the services' output from now on until the supervisor ends or a
 * signal stops the services the up named (c: its control connection);
 * returns up's exit code. */
struct ctl_conn;
struct sup_up_opts;
int sup_up_attach(const char *run_dir, struct ctl_conn *c, const struct cfg_stack *st,
		  const struct sup_up_opts *o);

/* ---- tables.c: from the model to the supervisor's tables ------------------ */
int sup_build(struct sup *s, struct cfg_stack *st, struct plan_graph *g, lxr_err *err);
/* The tables of a one-instance project whose plan is made already (`lxr
 * run -d`): *plan moves in (zeroed), named as it is. */
int sup_build_one(struct sup *s, struct cfg_stack *st, struct plan_graph *g,
		  struct plan_instance *plan, lxr_err *err);
void sup_free(struct sup *s);
/* a service's update state; an instance's start-first shadow, if any */
void sup_update_free(struct sup_service *sv);
void sup_update_shadow_free(struct sup_instance *in);
/* oi's running container, pipes and health state move to ni (its plan and
 * health check's argv stay where they are) */
/* The service's restart policy and stop grace from in's plan */
void sup_service_policy_from(struct sup_instance *in);
void sup_instance_transplant(struct sup *s, struct sup_instance *oi, struct sup_instance *ni);
/* The local driver's options of v (type, o, device) checked before
 * anything is made (volume.c). */
struct sup_volume;
int sup_volume_opts_check(const struct sup_volume *v, lxr_err *err);
/* A stack's labels or driver options as "K=V" strings (volume_stack.c). */
char **sup_kvs_strv(const struct cfg_kvs *k);
struct sup_instance *sup_find_instance(struct sup *s, const char *name);
/* join.c: the namespaces of another container the instance's plan names
 * (net_of, pid_of, ipc_of), looked up again at each start */
/* An instance as ps lists it: service, instance, name (docker's), state,
 * health, pid, restarts, exit_code, image, command, times, addresses, ports */
json_t *sup_instance_json(const struct sup *s, const struct sup_instance *in);
int sup_join_others(struct sup *s, struct sup_instance *in, lxr_err *err);
struct sup_service *sup_find_service(struct sup *s, const char *name);

/* ---- watch.c: the loop's epoll set and clocks ------------------------------ */
int64_t sup_now(void);     /* CLOCK_MONOTONIC, microseconds */
int64_t sup_wall_ns(void); /* CLOCK_REALTIME, nanoseconds */
uint32_t sup_watch_events(const struct sup_watch *w);
int sup_watch_add(struct sup *s, struct sup_watch *w, lxr_err *err);
void sup_watch_del(struct sup *s, struct sup_watch *w);
/* w, still watched, now tells the loop about ptr (its new owner) */
void sup_watch_move(struct sup *s, struct sup_watch *w, void *ptr);

/* ---- loop.c -------------------------------------------------------------- */
/* SIGINT, SIGTERM, SIGHUP held for the loop's signalfd: blocked from the
 * moment the supervisor holds the project, so a Ctrl-C that comes before
 * the loop runs is an ordered down too, not a death that leaves the run
 * directory behind. */
void sup_signals_block(sigset_t *set);
/* Run the stack until it is down. Returns the exit code for `lxr up`. */
int sup_run(struct sup *s, const struct sup_opts *o);
/* A supervisor's life around sup_run, the caller holding the project lock
 * (lockfd): signals held, its pid recorded, the log directory, control
 * socket and events log opened, then closed again once the loop ends. What
 * is left of the project is the caller's to remove. */
int sup_serve(struct sup *s, const struct sup_opts *o, int lockfd);

/* ---- notify.c: systemd's notify protocol (sup_notify_take_env: lxr/supervisor.h) */
void sup_notify_open(void);          /* foreground: when $NOTIFY_SOCKET was set */
void sup_notify_tick(struct sup *s); /* each loop turn: watchdog, READY, STATUS, STOPPING */
int64_t sup_notify_deadline(void);   /* the next watchdog ping, 0: none */
void sup_notify_close(void);         /* STOPPING=1 if not said yet */

/* ---- instance.c: one instance's container --------------------------------- */
/* Descriptors a running instance holds (its pidfd, its two output pipes,
 * its log file), and what is kept back from RLIMIT_NOFILE for a start's
 * child's own opens, health checks and clients (order.c). */
#define SUP_RUNNING_FDS 4
#define SUP_FD_RESERVE  64
void sup_event(struct sup *s, struct sup_instance *in, enum svc_event ev, int arg);
/* Let go of what a restart was to reuse (kept_cg, kept_netns). */
void sup_drop_kept(struct sup_instance *in);
void sup_on_exit(struct sup *s, struct sup_instance *in);
void sup_on_spawned(struct sup *s, struct sup_instance *in);
/* Is its container being started (cloned, not yet started)? Not once only
 * the exec of its command is left, which sup_on_spawned still hears of. */
bool sup_starting(const struct sup_instance *in);
/* giveup.c: x-lxr on_give_up once in's restart limit is used up */
void sup_give_up(struct sup *s, struct sup_instance *in);

/* ---- order.c: when instances start and in what order the stack stops ----- */
void sup_start_ready(struct sup *s); /* start what the dependency gates let through */
/* a user's start of a stopped container: once its dependencies meet their
 * conditions (sup_start_ready) */
void sup_start_gated(struct sup_instance *in);
/* Restart in once what it depends on with `restart: true` has restarted
 * and meets its condition (compose's restart); grace_us as
 * sup_event_grace's. */
void sup_restart_after_deps(struct sup_instance *in, int64_t grace_us);
/* lxr restart of the instances picked (pick[], FOR_EACH_INSTANCE's
 * order): each at once, or after those it depends on with `restart:
 * true` among them */
void sup_restart_picked(struct sup *s, const bool *pick, int64_t grace_us);
/* What a restart of pick (one flag per instance, in FOR_EACH_INSTANCE
 * order) would also restart, added to it: the running instances of the
 * services that depend on one restarted with depends_on restart: true,
 * and theirs in turn (a dry run's answer) */
void sup_restart_would(struct sup *s, bool *pick);
/* the network endpoint and cgroup of an instance about to start, made
 * while the loop would wait for another's start */
void sup_prepare_next(struct sup *s);
/* sup_event with this grace period (stop -t, down -t) in place of the
 * service's stop_grace_period; grace_us < 0: the service's. */
void sup_event_grace(struct sup *s, struct sup_instance *in, enum svc_event ev, int64_t grace_us);
/* lxr kill: sig to the instance's container. KILL or its stop signal is a
 * stop of the user's, as docker's kill: the exit it brings is not
 * restarted, an unless-stopped service stays down, and a restart waiting
 * its backoff is called off. Another signal (HUP to reload) leaves the
 * restart policy alone. */
void sup_kill(struct sup *s, struct sup_instance *in, int sig);
void sup_stop_all(struct sup *s); /* ordered shutdown, reverse start order */
bool sup_all_down(struct sup *s);
void sup_kill_all(struct sup *s);
/* Does a dependent wait for this instance to become healthy? */
bool sup_health_needed(struct sup *s, const struct sup_instance *in);

/* ---- health.c -------------------------------------------------------------- */
void sup_health_init(struct sup_instance *in);
void sup_health_arm(struct sup_instance *in, int64_t now); /* after the command starts */
void sup_health_stop(struct sup *s, struct sup_instance *in);
void sup_health_tick(struct sup *s, struct sup_instance *in, int64_t now);
void sup_health_on_exit(struct sup *s, struct sup_instance *in);
void sup_health_on_output(struct sup *s, struct sup_instance *in);
/* the check's exec helper hung up: the command runs, or could not start */
void sup_health_on_started(struct sup *s, struct sup_instance *in);
/* its output buffers (not argv) */
void sup_health_free(struct sup_health *h);
/* Paused: the running check goes (uncounted); resumed: the next is due
 * one interval later. */
void sup_health_pause(struct sup *s, struct sup_instance *in, bool paused);
int64_t sup_health_deadline(const struct sup_instance *in);

/* ---- hook.c: post_start and pre_stop ------------------------------------- */
/* After the state machine took ev with action a: a start asked for makes
 * the next start's post_start due. */
void sup_hooks_note(struct sup_instance *in, enum svc_event ev, enum svc_action a);
/* The command runs (EV_STARTED): post_start, if due. */
void sup_hooks_started(struct sup *s, struct sup_instance *in);
/* A stop or restart of a running instance with pre_stop hooks: they run
 * first, and the event (with the grace it came with) once they are done;
 * true when it is held so. */
bool sup_hooks_hold(struct sup *s, struct sup_instance *in, enum svc_event ev);
/* The container is going: a running hook is killed. Returns the event a
 * pre_stop held (for the caller to feed after the exit), -1 none. */
int sup_hooks_stop(struct sup *s, struct sup_instance *in);
bool sup_hooks_post_start_running(const struct sup_instance *in);
/* A holding pre_stop's end: the stop's grace after it began (0: none);
 * the tick cuts it short then and lets the stop go on. */
int64_t sup_hooks_deadline(const struct sup_instance *in);
void sup_hooks_tick(struct sup *s, struct sup_instance *in, int64_t now);
void sup_hooks_on_started(struct sup *s, struct sup_instance *in);
void sup_hooks_on_exit(struct sup *s, struct sup_instance *in);
void sup_hooks_on_output(struct sup *s, struct sup_instance *in);
void sup_hooks_free(struct sup_hooks *h);
void sup_hooks_transplant(struct sup *s, struct sup_instance *oi, struct sup_instance *ni);

/* ---- output.c: container output to log files and the terminal --------------- */
int sup_output_open(struct sup *s, struct sup_instance *in, int fds[2], lxr_err *err);
void sup_output_read(struct sup *s, struct sup_instance *in, int stream);      /* until empty */
void sup_output_read_some(struct sup *s, struct sup_instance *in, int stream); /* a bounded share */
void sup_output_close(struct sup *s, struct sup_instance *in);
int64_t sup_output_deadline(struct sup *s); /* when partial lines must be flushed */
void sup_output_flush(struct sup *s);
void sup_output_free(struct sup *s);
void sup_output_close_service(struct sup_service *sv);
/* The log in's output goes to (its replica's), NULL while none is open */
struct log_writer *sup_output_log(const struct sup_instance *in);
/* The same logging settings: a changed service keeps its log writer (the
 * log goes on in the same file) only then. */
bool sup_output_same_logging(const struct cfg_service *a, const struct cfg_service *b);
void sup_progress(struct sup *s, const struct sup_instance *in, const char *what);
void sup_warn(struct sup *s, const struct sup_instance *in, const char *msg);
/* A line of lxr's own about an instance: "web-1 | ..." in the terminal. */
void sup_say(struct sup *s, const struct sup_instance *in, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The name docker gives in (inspect's Name without its '/'): a stack's
 * <project>-<service>-<n> unless it has a container_name, a run
 * container's own (inspect.c) */
char *sup_docker_name(const struct sup *s, const struct sup_instance *in,
		      const struct cfg_service *cfg);

/* ---- stdin_serve.c: lxr attach ------------------------------------------------ */
/* the control socket's "attach" {instance, stdin}: pipes of the
 * container's output and its input, handed to the client */
void sup_attach_serve(struct sup *s, struct ctl_server *cs, struct ctl_req req, json_t *args);
/* what the container wrote on stream (0 stdout, 1 stderr), to every
 * attach's pipe that takes it now; the rest of a full one is dropped */
void sup_taps_feed(struct sup_instance *in, int stream, const char *buf, size_t n);
/* its output is over: each attach reads to the end, then sees it */
void sup_taps_close(struct sup_instance *in);

/* ---- pause.c: lxr pause / unpause ------------------------------------------ */
/* Freeze (thaw) a running instance's cgroup; a paused one's health checks
 * wait. Not running, or already so: nothing to do. */
int sup_pause(struct sup *s, struct sup_instance *in, bool pause, lxr_err *err);
/* Thaw before a signal: what is frozen takes none (docker's stop of a
 * paused container works the same way). */
void sup_thaw(struct sup *s, struct sup_instance *in);

/* ---- inspect.c: lxr inspect ------------------------------------------------- */
/* The instance as docker inspect shows a container, in docker's names,
 * types and zero values (State with Health, Config, HostConfig, Mounts,
 * NetworkSettings, the files lxr keeps for it), made from what lxr runs:
 * the instance's plan, its service and its image; and lxr's own beside
 * them (Service, Project, Plan, State.LxrState, Ports, Networks). */
struct json_t *sup_inspect_json(struct sup *s, struct sup_instance *in);
/* its parts, made by inspect_*.c: supervisor/inspect.h */

/* ---- control.c: the control socket ------------------------------------------- */
int sup_control_open(struct sup *s, lxr_err *err);
void sup_control_accept(struct sup *s);
void sup_control_read(struct sup *s, struct sup_watch *w);
void sup_control_broadcast(struct sup *s, const char *line);
void sup_control_close(struct sup *s);

/* ---- net.c: networks ------------------------------------------------------------- */
int sup_net_attach(struct sup *s, struct sup_instance *in, lxr_err *err);
/* The peers' /etc/hosts, when endpoints were made since they were written. */
void sup_net_hosts_flush(struct sup *s);
/* Remove the instance's endpoint (none is no error). */
/* down: one stopped container's endpoint, while the loop would wait */
void sup_net_tidy_next(struct sup *s);
int sup_net_detach(const struct sup *s, const struct sup_instance *in, lxr_err *err);
const char *sup_net_owner_suffix(const struct sup_instance *in);
/* start-first: to (the new container) takes over from's published ports */
int sup_net_ports_move(const struct sup *s, struct sup_instance *from, struct sup_instance *to,
		       lxr_err *err);
/* Reconcile, once the changed instances are detached: a network that st
 * declares otherwise than the running file (subnet, gateway, internal) is
 * removed, so the first instance to join makes it anew; the net layer
 * would hand the old one back as it is. */
void sup_net_retire_changed(const struct sup *old, const struct cfg_stack *st);
/* Its published ports as `ps` shows them ("127.0.0.1:8080->80/tcp"), a strv. */
char **sup_net_ports(const struct sup_instance *in);
/* up -d: the waiting CLI gets why a start failed, whole, and prints it. */
void sup_progress_error(struct sup *s, const struct sup_instance *in, const lxr_err *err);
/* The supervisor cannot run: said on stderr and, for up -d, to the waiting
 * CLI ("F <error>"), since the log stderr goes to is removed with the
 * project. */
void sup_fatal(struct sup *s, const lxr_err *err);
/* Rootless: into the stack's own network namespace, pasta forwarding its
 * published ports (rootless_net.c). */
int sup_rootless_net(struct sup *s, lxr_err *err);
/* Reconcile: every host port st publishes is one pasta forwards already. */
int sup_rootless_ports_check(const struct cfg_stack *st, lxr_err *err);
int sup_net_cleanup(const char *project, lxr_err *err);

/* ---- project.c: the run directory, its lock, crash cleanup ------------------ */
int sup_project_lock(const char *run_dir, bool wait, lxr_err *err);
int sup_project_write_pid(int lockfd, lxr_err *err);
pid_t sup_project_pid(const char *run_dir);
/* Empty cgroups of project that no container directory in run_dir names
 * (one with processes is not this run directory's to judge: a project of
 * the same name from another LXR_RUN_DIR may own it; listed in kept). */
int sup_project_cgroups_without_dirs(const char *project, const char *run_dir, char ***removed,
				     char ***kept, lxr_err *err);
int sup_project_cleanup(const char *project, const char *run_dir, bool remove, char ***removed,
			lxr_err *err);
/* Write <run_dir>/stack-files: the absolute paths of the files of this up. */
int sup_project_record_files(const char *run_dir, const char *const *files, lxr_err *err);
/* Everything of the project but its volumes and logs: containers'
 * directories and cgroups, network endpoints, links, nft rules, leases
 * (ip_forward as the net layer restores it), then the run directory. The
 * caller holds the project lock; the lock file is unlinked while held, so
 * a concurrent `up` starts from nothing. What `down` and the end of a
 * supervisor's life both do. */
int sup_project_remove(const char *project, const char *run_dir, lxr_err *err);

/* ---- reconcile.c: `up` on a running stack ---------------------------------------- */
struct json_t;
/* `up --dry-run` on a running stack: what sup_reconcile_begin would
 * report, with "plans" (each instance's plan, with_plans; else only the
 * images that would be pulled), and nothing changed, pulled or stopped. */
int sup_reconcile_preview(struct sup *s, struct cfg_stack *st, struct plan_graph *g,
			  bool remove_orphans, bool with_plans, struct json_t **summary,
			  lxr_err *err);
/* {"NAME": plan} for every instance of s (all), and {"NAME": {"pull":
 * IMAGE}} for one whose image is not here (a dry run's tables). */
struct json_t *sup_plans_json(struct sup *s, bool all);
/* remove_orphans: also stop and remove the instances of services the file no
 * longer declares (without it they keep running, listed as "orphans"). */
int sup_reconcile_begin(struct sup *s, struct cfg_stack *st, struct plan_graph *g,
			bool remove_orphans, struct json_t **summary, lxr_err *err);
void sup_reconcile_tick(struct sup *s);

/* ---- update.c: rolling, health-gated updates and rollback ----------------------- */
/* Reconcile: should this changed instance be replaced by a rolling update
 * (its service has update_config and it runs) rather than recreated? */
bool sup_update_wanted(const struct sup *s, const struct sup_instance *oi,
		       const struct sup_instance *ni);
/* The swap: ni took oi's running container (transplant); its own new plan
 * becomes the update's target, oi's plan the one it runs, and oi's
 * service's model and image the version a rollback returns to. */
void sup_update_adopt(struct sup *s, struct sup_service *old_sv, struct sup_instance *oi,
		      struct sup_instance *ni);
void sup_update_tick(struct sup *s);
int64_t sup_update_deadline(const struct sup *s);
bool sup_updating(const struct sup *s); /* an update or rollback still runs */
/* lxr rollback: the service back to its previous image and configuration */
int sup_rollback(struct sup *s, struct sup_service *sv, lxr_err *err);
/* {"state", "why", "generation"} for ps and inspect; NULL: never updated */
struct json_t *sup_update_json(const struct sup_instance *in);
/* update_state.c: the previous version on disk (<run_dir>/+previous/), for
 * a rollback after the supervisor was restarted; restore: into the fresh
 * tables of a new supervisor */
void sup_update_persist(const struct sup *s, const struct sup_service *sv);
void sup_update_restore(struct sup *s);
void sup_update_forget(const struct sup *s, const struct sup_service *sv);
/* tables.c: an instance's health check and its service's policy from its plan */
void sup_instance_from_plan(struct sup_instance *in);
/* tables.c: a plan for replica of cfg (of stack st) with img; out->spec
 * holds the runtime's defaults first (rt_spec_init_defaults) */
int sup_plan_make(const struct cfg_stack *st, const struct cfg_service *cfg, struct img_image *img,
		  int replica, struct plan_instance *out, lxr_err *err);
/* identity.c: what the instance runs under name (its plan's text, and its
 * secrets' and configs' contents), *len bytes: two instances with the
 * same run the same thing. Caller frees. */
char *sup_plan_identity(const struct plan_instance *p, const char *name, size_t *len);

/* ---- events.c: every transition as a JSON line ------------------------------- */
/* extra: an object whose members follow the common ones (taken), or NULL */
void sup_emit(struct sup *s, const struct sup_instance *in, const char *event,
	      struct json_t *extra);

#endif
