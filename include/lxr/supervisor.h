/* lxr supervisor layer: one process per stack that starts its services in
 * dependency order, keeps them running (restart policies, health checks),
 * writes their logs, answers on a control socket, and takes the stack down
 * in reverse order. */
#ifndef LXR_SUPERVISOR_H
#define LXR_SUPERVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include <jansson.h>

#include "lxr/config.h"
#include "lxr/plan.h"
#include "lxr/util.h"

/* ---- up and down (up.c) ------------------------------------------------------ */
struct sup_up_opts {
	const char *const *targets;  /* services named on the command line */
	const char *const *profiles; /* active profiles */
	bool detach;                 /* -d: the supervisor runs in the background */
	/* --remove-orphans: a running stack's services that the file no
	 * longer declares are removed (without it: kept, and warned about;
	 * ignore_orphans: compose's COMPOSE_IGNORE_ORPHANS, not warned about) */
	bool remove_orphans, ignore_orphans;
	/* --dry-run: say what up would create, recreate and remove, and
	 * change nothing (no pull, no lock, no record); dry_run_plans: print
	 * each instance's plan too */
	bool dry_run, dry_run_plans;
	/* --force-recreate: on a running stack, recreate every selected
	 * instance, changed or not */
	bool force_recreate;
	/* --env-file, repeatable (NULL: the project's .env): on a running
	 * stack the supervisor loads the file again, and must read the same
	 * variables */
	char *const *env_files;
	/* compose's --progress for `up -d`'s table: 0 auto (redrawn on a
	 * terminal), 1 plain lines, 2 redrawn, 3 none (errors still said) */
	int progress;
	/* --no-deps: the services named, not what they depend on; on a
	 * running stack the others are left as they are */
	bool no_deps;
	/* --no-recreate: on a running stack, changed services keep their
	 * containers (only what is new is created) */
	bool no_recreate;
	/* --always-recreate-deps: what the named services depend on is
	 * recreated too, changed or not */
	bool always_recreate_deps;
	/* -V, --renew-anon-volumes: each container this up makes (or
	 * remakes) starts with empty anonymous volumes, filled from its image
	 * again, instead of keeping the previous container's */
	bool renew_anon_volumes;
	/* --no-start (lxr create): instances made and left "created" until
	 * `lxr start`; the supervisor runs (detached) to own them */
	bool no_start;
	/* -t N (timeout_set): the grace of what up stops (a recreate, the
	 * foreground's ordered down) instead of stop_grace_period */
	bool timeout_set;
	int timeout;
	/* --pull: 0 each service's pull_policy, else 1 + an img_pull_policy;
	 * --quiet-pull: pull without progress */
	int pull;
	bool quiet_pull;
	/* foreground: --no-log-prefix, --no-color, --timestamps, --attach
	 * (NULL: all), --no-attach */
	bool no_log_prefix, no_color, timestamps;
	const char *const *attach, *const *no_attach;
	/* --abort-on-container-exit: the first container that ends (for
	 * good, not to be restarted) stops the stack, and up exits with its
	 * code; --exit-code-from SVC (implies it): SVC's code;
	 * --abort-on-container-failure: only a container that ends with a
	 * code other than 0 does */
	bool abort_on_exit, abort_on_failure;
	const char *exit_code_from;
	/* --scale: "SERVICE=N" each (sup_scale_apply) */
	const char *const *scale;
};

/* SERVICE=N (up --scale, lxr scale) applied to the model: N instances of
 * SERVICE, in place of deploy.replicas. An unknown service, a bad N, or
 * N > 1 with container_name (its name is unique, as compose says) is an
 * error naming it. */
int sup_scale_apply(struct cfg_stack *st, const char *spec, lxr_err *err);

/* Take $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID out of the
 * environment, first thing in main: a foreground `lxr up` (a systemd
 * Type=notify unit's main process) speaks to systemd with them, and nothing
 * lxr starts — container, health check, exec — inherits them. */
void sup_notify_take_env(void);
/* For a notify unit's main process that is not a supervisor (`lxr boot`):
 * one message ("READY=1\nSTATUS=...") to the socket sup_notify_take_env
 * took, nothing when there was none; and that process's watchdog period
 * in µs (0: no watchdog). */
void sup_notify_send(const char *msg);
int64_t sup_notify_watchdog_usec(void);

/* The hardware watchdog (lxr.conf [watchdog], watchdog.c): opened and pet
 * by lxr as PID 1, else by `lxr boot`; close-on-exec. */
struct sup_watchdog {
	int fd;              /* -1: off */
	int timeout_s;       /* the driver's effective timeout; 0: it did not say */
	int64_t interval_us; /* between two pets */
	int64_t next_us;     /* CLOCK_MONOTONIC µs of the next pet */
	char device[128];
};
/* Open (which arms it) and set the timeout (timeout_s 0: the driver's);
 * interval_us 0 or too long: a third of the effective timeout. A missing,
 * busy or refusing device is an error naming it, with what to do. */
int sup_watchdog_open(struct sup_watchdog *wd, const char *device, int timeout_s,
		      int64_t interval_us, lxr_err *err);
/* The descriptor a crashed PID 1 handed its re-executed self. */
int sup_watchdog_adopt(struct sup_watchdog *wd, int fd, int64_t interval_us);
/* Pet when due; ms until the next pet is due, -1 when off. */
int64_t sup_watchdog_pet(struct sup_watchdog *wd);
/* The magic close: 'V', then close. -1 when the device still runs after it
 * (nowayout), so the box resets unless something opens it again. */
int sup_watchdog_disarm(struct sup_watchdog *wd);
/* lxr doctor: the configured device's state, from sysfs (never opened). */
void sup_watchdog_check(struct lxr_checks *c, const char *device);

/* Bring the stack up: validate and plan everything, clean what a dead
 * supervisor left, then supervise (in the foreground, or detached once the
 * stack has started). Returns the exit code for `lxr up`: 0, 1 (a
 * dependency failed or run-time error), 2 (the stack cannot be planned). */
int sup_up(struct cfg_stack *st, const struct sup_up_opts *o);
/* `lxr config --hash`: the sha256 (64 hex digits) of what the service's
 * first instance runs, as reconcile compares it (identity.c): its plan
 * with the image the store holds now (never pulled or built: ENOENT, with
 * a hint, when it is not there), and its secrets' and configs' contents.
 * It changes exactly when `lxr up` would recreate the service's
 * containers (not with their number: replicas are added or removed). */
#define SUP_HASH_LEN 65
int sup_service_hash(const struct cfg_stack *st, const struct cfg_service *cfg,
		     char out[SUP_HASH_LEN], lxr_err *err);
/* lxr rollback: ask the project's supervisor (c) to return each service to
 * the version it ran before its last update, wait, and say how it went.
 * Returns the exit code. */
struct ctl_conn;
int sup_rollback_services(struct ctl_conn *c, const char *const *services);

/* `lxr run -d` (run.c): the planned container (plan_instance_build, carried
 * as `lxr run` carries it: its own name, the "_run" group) under a
 * supervisor of its own, a one-instance project: restart policy, health
 * check, rotated log, control socket. *plan moves in. Returns once the
 * container runs (0) or could not start (125, 126, 127 as docker run;
 * the error printed). rm: its directory goes when it ends for good.
 * again: the kept, stopped container of that name started again (its
 * directory must be there; plan->spec.reuse_dir keeps its layer).
 * service: the one service of st it runs (compose run -d's one-off; st is
 * then the whole stack), NULL for st's only one (a docker run's). img: the
 * image the plan was made from (NULL: a root filesystem directory), what
 * inspect shows of it. */
struct img_image;
int sup_run_detached(struct cfg_stack *st, const char *service, const struct img_image *img,
		     struct plan_instance *plan, bool rm, bool again);
struct lxr_net_def;
struct lxr_net_config;
/* What a plan needs on the host before its container starts: the missing
 * host directories of Compose's short volume syntax, and the secrets and
 * configs lxr holds (environment, inline) written for the container's
 * read-only mounts. */
int sup_plan_host_dirs(char *const *dirs, lxr_err *err);
int sup_plan_write_files(const struct plan_instance *p, lxr_err *err);
/* The namespaces of another running container a plan shares
 * (network_mode, pid, ipc as container:NAME), joined as a stack's service
 * joins them, with /etc/hosts and resolv.conf (network) or /dev/shm (ipc)
 * shared too; service:X is an error here (there is no stack). */
int sup_join_containers(struct plan_instance *p, lxr_err *err);
/* The network an endpoint of the plan is made on, as the plan describes
 * it; a shared network's (net_project LXR_SHARED_NET_PROJECT) from its
 * definition, loaded into def (net_def_free it). */
int sup_net_config(const struct plan_endpoint *np, struct lxr_net_def *def,
		   struct lxr_net_config *out, lxr_err *err);
/* One published port as ps lists it (sup_net_ports):
 * "IP:H1[-H2]->C1[-C2]/PROTO", taken apart; the address is the entry's
 * first ip_len bytes. false: not of that form. */
struct sup_port_mapping {
	int ip_len;
	unsigned h1, h2, c1, c2;
	char proto[8];
};
bool sup_port_mapping(const char *entry, struct sup_port_mapping *m);
/* The directory of a run container's supervisor (lock, control.sock). */
char *sup_run_dir_of(const char *name);
/* In a kept run -d container's directory once its supervisor has gone: its
 * last ps record (JSON: exit_code, image, command, times) */
#define SUP_RUN_EXITED "exited.json"
/* ... and what lxr inspect showed of it last (JSON, docker's words) */
#define SUP_RUN_INSPECT "inspect.json"
/* docker inspect of a kept `lxr run` container no supervisor looks after:
 * one in the foreground of its `lxr run`, or one that ended there. Made
 * from its plan (and image, NULL: a directory) as a -d one's supervisor
 * makes it, its State from what the caller found: pid (0: not running),
 * exit code, times (seconds; finished 0: not yet). *plan is given back as
 * it was. NULL with err when its tables cannot be made. */
struct sup_run_seen {
	pid_t pid;
	int exit_code;
	int64_t started, finished;
};
json_t *sup_run_inspect(struct cfg_stack *st, const struct img_image *img,
			struct plan_instance *plan, const struct sup_run_seen *seen, lxr_err *err);
/* The processes of the container whose init is init (0: none), in the
 * cgroup cgroup_group/id, with what ps -ef shows of each: [{pid, ppid,
 * uid (effective; -1 unknown), tty (tty_nr), started (epoch seconds),
 * cpu_seconds, cmd ("[comm]" without argv)}] (supervisor/top.c) */
json_t *sup_top_json(const char *cgroup_group, const char *id, pid_t init);
/* Wait (bounded) until the supervisor of run container name is gone. */
int sup_run_wait(const char *name, int timeout_ms, lxr_err *err);
/* Is a supervisor looking after run container name (running, or waiting
 * to restart it)? */
bool sup_run_alive(const char *name);
/* A run container's logs (<log_dir>/_run/NAME.log and its rotated ones),
 * removed with the container (`lxr rm`, --rm), as docker removes them. */
void sup_run_remove_logs(const char *name);
/* `lxr rm -f`: kill the supervisor (its container dies with it) and wait. */
int sup_run_kill(const char *name, lxr_err *err);

/* Take the project down: ask a running supervisor to stop the stack in
 * reverse order and wait for it (every container it runs, orphans too: they
 * share its fate); then remove the containers and, when volume_dirs is not
 * NULL, those volume directories (plan_down_volume_dirs); what else the
 * project's volume folder holds is kept and its names added to *kept.
 * Also cleans up after a dead supervisor. */
int sup_down(const char *project, char *const *volume_dirs, char ***kept, lxr_err *err);

/* lxr doctor --repair (repair.c): remove what a crash or power cut left and
 * no live lxr process owns: the stale run state of every project whose
 * supervisor is gone (cgroups, network endpoints, namespaces, nft rules,
 * leases, mounts, state files, sockets, temp files: what the next up or down
 * would remove; writable layers stay), `lxr run` containers whose lxr
 * died, the cgroups of killed builds and doctor probes, and dead writers'
 * temp names in the data directory and image store. Each thing removed is
 * a line in *removed, each live thing skipped one in *kept. */
int sup_repair(char ***removed, char ***kept, lxr_err *err);
/* What sup_repair would remove, found without removing or killing anything
 * (lxr doctor without --repair): one line per thing in *found. */
int sup_leftovers(char ***found, lxr_err *err);

/* ---- which stack files made a project (project.c) ----------------------------
 * Two directories can give the same project name ("my stack", "mystack");
 * the run directory records the absolute paths of the files of the last
 * `up`, and a stack command run from another file is refused unless the
 * project was named explicitly (-p). */

/* The record as text, one path a line; NULL when there is none. */
char *sup_project_files(const char *project);
/* Pure: 0 when recorded (may be NULL) is empty or is exactly file (an
 * absolute path); else -1 with an error naming both and the hint to pass
 * -p. */
int sup_project_check_files(const char *project, const char *recorded, const char *file,
			    lxr_err *err);
/* sup_project_check_files against the project's record. */
int sup_project_claim(const char *project, const char *file, lxr_err *err);

/* ==== logs: writer, reader, prefix (logfile.c, logfmt.c, logread.c) ======
 *
 * Each service's output goes to <log_dir>/<project>/<service>.log in the CRI
 * log format, one record a line:
 *
 *   2026-11-23T09:16:19.123456789Z stdout F the line
 *
 * timestamp (UTC, always 9 fraction digits so records sort as text), stream,
 * tag (F: this record ends a line; P: the line continues in a later record
 * of the same stream), one space, the content without its newline. A line
 * longer than max_line is split into P records and a final F; bytes that
 * never got a newline are written as P by log_writer_flush (a prompt) and
 * log_writer_close / LOG_FEED_EOF (the stream ended), the latter followed by
 * an empty F so a reader knows the line is over. A CR before the LF is
 * dropped (what a TTY's ONLCR added, as containerd and docker do); a CR
 * anywhere else is content.
 *
 * Rotation by size (compose `logging.options` max-size / max-file): before a
 * record would take service.log past max_size, service.log.(max_file-2) ...
 * service.log.1 shift up by one, service.log becomes service.log.1 and a new
 * service.log is started; with max_file 1 the old file is simply replaced.
 * With compress, service.log.1 is then gzipped a share at a time from the
 * loop (log_writer_work) into service.log.1.gz, which replaces it when
 * whole; a rotated file shifts up in the form it has (.N or .N.gz). */

enum log_stream { LOG_STDOUT, LOG_STDERR };

#define LOG_DEFAULT_MAX_SIZE (10LL << 20)
#define LOG_DEFAULT_MAX_FILE 3
#define LOG_DEFAULT_MAX_LINE (16u << 10) /* containerd's default line size */

/* Called for every record written (after it is on disk, or dropped): the
 * foreground `lxr up` prints it. partial is true for a P record; at is the
 * record's time. */
typedef void (*log_tee_fn)(void *ctx, const char *service, enum log_stream stream,
			   const struct timespec *at, const char *data, size_t len, bool partial);

struct log_writer_opts {
	int64_t max_size;   /* bytes per file, 0 = LOG_DEFAULT_MAX_SIZE */
	int max_file;       /* files kept (current included), 0 = default */
	size_t max_line;    /* bytes of content per record, 0 = default */
	int64_t flush_usec; /* log_writer_flush_deadline: how long a partial
			     * line may wait for its newline; 0 = 1 s */
	bool compress;      /* gzip rotated files (logging option compress) */
	bool discard;       /* driver none: no file; records only reach tee */
	log_tee_fn tee;     /* may be NULL */
	void *tee_ctx;
	/* a second one, the logging driver's copy (journald, syslog), called
	 * after tee; may be NULL */
	log_tee_fn fwd;
	void *fwd_ctx;
};

struct log_writer;

/* Apply one compose `logging.options` entry ("max-size": "10m", "max-file":
 * "3", "compress": "true") to opts. Unknown keys are an error naming the
 * key. */
int log_writer_opts_set(struct log_writer_opts *opts, const char *key, const char *value,
			lxr_err *err);
/* Open (create, mode 0640) dir/<service>.log for appending; dir must exist.
 * opts may be NULL (defaults). */
int log_writer_open(const char *dir, const char *service, const struct log_writer_opts *opts,
		    struct log_writer **out, lxr_err *err);
/* Feed bytes read from a container's stream; now stamps the records. Never
 * blocks on anything but the local file write. A failed write (ENOSPC, EIO)
 * drops that record, counts it and warns once per outage; feeding goes on.
 * Returns 0, or -1 only for a bad writer (never for a full disk). */
int log_writer_feed(struct log_writer *w, enum log_stream stream, const void *data, size_t len,
		    const struct timespec *now);
/* The stream hit EOF (the container closed it): pending bytes become a P
 * record and an empty F ends the line. */
int log_writer_feed_eof(struct log_writer *w, enum log_stream stream, const struct timespec *now);
/* Write every pending partial line as a P record. The loop calls it when
 * log_writer_flush_deadline's time has come. */
int log_writer_flush(struct log_writer *w, const struct timespec *now);
/* When a pending partial line must be flushed (its first byte's time plus
 * flush_usec): true and *at set, or false when nothing is pending. */
bool log_writer_flush_deadline(const struct log_writer *w, struct timespec *at);
/* Records dropped because the file could not be written. */
uint64_t log_writer_dropped(const struct log_writer *w);
/* A rotated file is being compressed: the loop should call
 * log_writer_work again without waiting. */
bool log_writer_busy(const struct log_writer *w);
/* Compress the next share of it (a few ms). NULL is a no-op. */
void log_writer_work(struct log_writer *w);
/* The second tee from now on (a new forwarder at a container's start);
 * fn NULL: none. NULL w is a no-op. */
void log_writer_set_fwd(struct log_writer *w, log_tee_fn fn, void *ctx);
/* Flush both streams as at EOF, close the file, free w. NULL is a no-op. */
void log_writer_close(struct log_writer *w, const struct timespec *now);

/* "2026-11-23T09:16:19.123456789Z" into buf (at least LOG_TS_LEN + 1). */
#define LOG_TS_LEN 30
void log_format_ts(char *buf, const struct timespec *ts);
/* RFC 3339 ("2026-11-23T09:16:19Z", any fraction digits, Z or +hh:mm). */
int log_parse_ts(const char *s, size_t len, struct timespec *out);

/* `web-1  | ` for the foreground `up` and `lxr logs`: the name padded to
 * width, in a colour picked by a stable hash of the name from compose's
 * palette when color is set. Returns the length written (truncated to
 * size - 1 like snprintf). */
size_t log_format_prefix(char *buf, size_t size, const char *name, size_t width, bool color);
/* That colour: an SGR code ("36", "33;1") */
const char *log_colour(const char *name);
/* Colour on fd: it is a terminal, no_color is unset and NO_COLOR is not set
 * (https://no-color.org). */
bool log_color_wanted(int fd, bool no_color);

/* `lxr logs`: read the CRI files of one project directory. */
struct logs_opts {
	/* NULL-terminated; NULL or empty = every *.log. "web": each of web's
	 * replicas' logs (<service>.log, <service>@N.log), "web@2": replica 2's */
	char **services;
	int index;   /* --index: replica N's of each service, 0: every replica's */
	bool follow; /* -f: keep reading across rotation and restarts */
	long tail;   /* last N lines per service; < 0 = all */
	bool has_since;
	struct timespec since; /* lines stamped at or after this */
	bool has_until;
	struct timespec until; /* --until: lines stamped at or before this; a
				* follow ends once it has passed */
	bool timestamps;       /* -t */
	bool color;
	int stop_fd;    /* follow ends when this fd is readable; -1 = never */
	bool no_prefix; /* lines as written, without "web-1 | " (one container) */
	/* "service=name" for each service with a container_name: its lines'
	 * prefix, as compose's (logs_container_names) */
	char **names;
	/* where the container's stderr lines go (docker logs NAME writes them
	 * to its stderr); NULL: with the others, as compose's logs */
	FILE *err_out;
};
/* --since: RFC 3339, a unix time ("1700000000[.5]") or a duration before
 * now ("10m", "1h30m"). */
int logs_parse_since(const char *s, const struct timespec *now, struct timespec *out, lxr_err *err);
/* logs_opts.names of st, NULL when no service has a container_name */
char **logs_container_names(const struct cfg_stack *st);
/* Print the project's logs (dir = <log_dir>/<project>) as `web-1 | line`,
 * services merged in timestamp order (within a service, lines come in the
 * order they were completed; a line joined from P records carries the time
 * of its first part). */
int logs_run(const char *dir, const struct logs_opts *opts, FILE *out, lxr_err *err);

/* ==== control socket: JSON lines (control.c, ctl_client.c) ============
 *
 * <run_dir>/<project>/control.sock, mode 0600. Only root and the uid that
 * started the supervisor may talk to it (SO_PEERCRED). One JSON object a
 * line both ways:
 *
 *   -> {"id":1,"cmd":"ps","args":{...}}
 *   <- {"id":1,"ok":true,"result":...}
 *   <- {"id":1,"ok":false,"error":"...","hint":"...","errno":98}
 *   <- {"id":1,"event":{...}}   (after an ok reply to a subscription, until
 *                                the client closes)
 *
 * The server never blocks: replies are buffered per client, and a client
 * whose unsent output passes max_outbuf (a subscriber that does not read)
 * is disconnected. */

#define CTL_MAX_LINE   (1u << 20)
#define CTL_MAX_OUTBUF (1u << 20)
/* What `events --since` replays at most in one turn of the loop (the
 * newest events, the rest counted): below CTL_MAX_OUTBUF, past which the
 * client would be cut off */
#define CTL_REPLAY_MAX (CTL_MAX_OUTBUF / 2)

struct ctl_server;

/* Names one request for a reply that may come later: still valid after the
 * client has gone (the reply is then dropped). */
struct ctl_req {
	uint64_t client;
	json_int_t id;
};

/* cmd and args are borrowed for the call (args is always an object). The
 * handler answers with ctl_reply_ok/ctl_reply_error now or later, or with
 * ctl_subscribe. */
typedef void (*ctl_handler_fn)(void *ctx, struct ctl_server *s, struct ctl_req req, const char *cmd,
			       json_t *args);

struct ctl_server_opts {
	ctl_handler_fn handler;
	void *ctx;
	uid_t owner_uid;   /* besides root, the one uid allowed; (uid_t)-1 = geteuid() */
	size_t max_line;   /* 0 = CTL_MAX_LINE */
	size_t max_outbuf; /* 0 = CTL_MAX_OUTBUF */
};

/* Root may always connect; otherwise only the supervisor's owner. */
bool ctl_peer_allowed(uid_t peer, uid_t owner);
/* Create the socket at path (its directory must exist). Refuses when a live
 * supervisor already answers there; replaces a stale socket. */
int ctl_server_open(const char *path, const struct ctl_server_opts *opts, struct ctl_server **out,
		    lxr_err *err);
/* One fd for the supervisor's epoll set (an epoll fd of its own over the
 * listening socket and every client): when it is readable, call
 * ctl_server_dispatch. */
int ctl_server_fd(const struct ctl_server *s);
/* Accept, read, parse, call the handler, write buffered output: everything
 * that is ready now, without blocking. */
int ctl_server_dispatch(struct ctl_server *s, lxr_err *err);
size_t ctl_server_clients(const struct ctl_server *s);
/* Closes every client and removes the socket file if it is still ours. */
void ctl_server_close(struct ctl_server *s);

/* result (may be NULL) is taken over (json_decref'd) by these. */
int ctl_reply_ok(struct ctl_server *s, struct ctl_req req, json_t *result);
int ctl_reply_error(struct ctl_server *s, struct ctl_req req, const char *error, const char *hint);
/* An ok reply that hands fds (n, at most CTL_MAX_FDS; still the
 * caller's) over with it (SCM_RIGHTS); the client takes them with
 * ctl_take_fds. */
#define CTL_MAX_FDS 4
int ctl_reply_fds(struct ctl_server *s, struct ctl_req req, json_t *result, const int *fds,
		  size_t n);
/* The same for an lxr_err, whole: its errno travels too. */
int ctl_reply_err(struct ctl_server *s, struct ctl_req req, const lxr_err *err);
/* Ack with an ok reply and add the client to topic's subscribers. */
int ctl_subscribe(struct ctl_server *s, struct ctl_req req, const char *topic);
/* {"id":N,"event":event} to every subscriber of topic; event is taken over.
 * Returns the number of subscribers that got it. */
int ctl_publish(struct ctl_server *s, const char *topic, json_t *event);
/* The same to one request's subscriber (a per-client stream). */
int ctl_send_event(struct ctl_server *s, struct ctl_req req, json_t *event);

/* Client side, for the CLI. */
struct ctl_conn;
int ctl_connect(const char *path, struct ctl_conn **out, lxr_err *err);
/* Send cmd (args taken over, NULL = {}) and wait up to timeout_ms (< 0 =
 * forever) for its reply: 0 with *result (caller decrefs; JSON null when
 * the server sent none), or -1 with the server's error and hint in err. */
int ctl_call(struct ctl_conn *c, const char *cmd, json_t *args, int timeout_ms, json_t **result,
	     lxr_err *err);
/* Subscribe: send cmd, then hand each event to fn until fn returns nonzero
 * (returns 0), the server closes (returns 0) or sends an error (-1). */
typedef int (*ctl_event_fn)(void *ctx, json_t *event);
int ctl_stream(struct ctl_conn *c, const char *cmd, json_t *args, ctl_event_fn fn, void *ctx,
	       lxr_err *err);
/* The same, ending (0) once until_ms have passed; < 0: never. */
int ctl_stream_until(struct ctl_conn *c, const char *cmd, json_t *args, int64_t until_ms,
		     ctl_event_fn fn, void *ctx, lxr_err *err);
void ctl_close(struct ctl_conn *c);
/* The descriptors the last reply carried (ctl_reply_fds), in order, now
 * the caller's: how many (at most max; the rest are closed) */
size_t ctl_take_fds(struct ctl_conn *c, int *fds, size_t max);
/* For a waiter that only needs to know that something happened: ctl_send
 * sends cmd (a subscription such as "events") without waiting for a reply;
 * ctl_wait_any waits up to timeout_ms (< 0 = forever) for anything from
 * the server that no ctl_call has taken, and drops it: 1 when something
 * came, 0 on timeout, -1 with err when the server closed or failed. */
int ctl_send(struct ctl_conn *c, const char *cmd, json_t *args, lxr_err *err);
int ctl_wait_any(struct ctl_conn *c, int timeout_ms, lxr_err *err);

/* An lxr_err as JSON, the one form in which an error leaves the supervisor
 * (the waiting `up -d`, `ps`, `events`):
 *   {"message":"...","errno":98,"errno_name":"EADDRINUSE","hint":"..."}
 * message is lxr's own (context, primitive, path); errno 0 and hint "" are
 * left out. sup_err_from_json reads it back (missing members: empty). */
json_t *sup_err_json(const lxr_err *err);
void sup_err_from_json(const json_t *j, lxr_err *err);

/* ==== end of the logs and control sections ================================ */

/* ---- volumes that outlive a project (volume.c) -------------------------------
 * `lxr volume create`, and a stack's volumes with `name:`, `external:` or
 * `driver_opts`: <data_dir>/volumes/_named/NAME/, data in _data/, what it
 * was made with in volume.json. A volume with mount options (type, o,
 * device: docker's local driver) has them mounted on _data when a container
 * first needs it (sup_volume_mount), and containers bind _data. */
struct sup_volume {
	char *name, *driver; /* driver: "local" (NULL: local) */
	char *created_at;    /* RFC 3339, UTC (NULL when creating: now) */
	char **opts;         /* "type=tmpfs", "o=size=10m", "device=/srv/x" */
	char **labels;       /* "K=V" */
	char *mountpoint;    /* a project's plain volume: its directory; NULL: _data */
};
/* docker's rule for names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
int sup_volume_name_check(const char *name, lxr_err *err);
char *sup_volume_dir(const char *name); /* <data_dir>/volumes/_named/NAME */
bool sup_volume_exists(const char *name);
/* Make it (options checked first: the local driver's type, o, device; a
 * bind's device must exist). An existing one with the same options is no
 * error (*made false); with other options, EEXIST. */
int sup_volume_create(const struct sup_volume *v, bool *made, lxr_err *err);
int sup_volume_load(const char *name, struct sup_volume *out, lxr_err *err);
void sup_volume_free(struct sup_volume *v);
/* docker volume inspect's object: Name, Driver, Mountpoint, CreatedAt,
 * Options, Labels, Scope. */
json_t *sup_volume_json(const struct sup_volume *v);
/* Mount its options on _data unless mounted (nothing for a plain one). */
int sup_volume_mount(const char *name, lxr_err *err);
int sup_volume_unmount(const char *name, lxr_err *err);
/* Which running lxr containers have path (a volume's directory) mounted:
 * "project/container" each. */
char **sup_path_users(const char *path);
char **sup_volume_users(const char *name);
/* EBUSY naming the containers while one uses it; else unmounted and gone. */
int sup_volume_remove(const char *name, bool force, lxr_err *err);
char **sup_volume_names(void); /* sorted */
/* A stack's plain volumes, <data_dir>/volumes/<project>/<name>, under
 * docker compose's names "<project>_<name>", for lxr volume ls, inspect and
 * rm: sorted names; one loaded (Mountpoint, and compose's project and volume
 * labels); one removed (EBUSY naming the containers using it). ENOENT when
 * no project has it. */
char **sup_project_volume_names(void);
int sup_project_volume_load(const char *name, struct sup_volume *out, lxr_err *err);
int sup_project_volume_remove(const char *name, lxr_err *err);

/* A stack's store volumes before it runs: every external one exists, every
 * other one's options are sound; then (unless check_only) the missing ones
 * are made and those with options mounted. On failure nothing it made is
 * left. */
int sup_stack_volumes_prepare(const struct cfg_stack *st, bool check_only, lxr_err *err);
/* A stack's shared networks (`name:`, `external:`) before it runs: every
 * external one exists (lxr network create); then (unless check_only) the
 * missing named ones are made. On failure nothing it made is left. */
int sup_stack_networks_prepare(const struct cfg_stack *st, bool check_only, lxr_err *err);
/* After down: its named networks (not external) that no container of any
 * project is on any more go. */
void sup_stack_networks_release(const struct cfg_stack *st);
/* After down: unmount the options of those no container uses any more. */
void sup_stack_volumes_release(const struct cfg_stack *st);
/* down -v: remove its store volumes that are not external; one another
 * project still uses is kept, with a warning. */
void sup_stack_volumes_remove(const struct cfg_stack *st);

/* The last x-lxr on_give_up record ("boot ID\ntime T\nproject P\nservice S\n
 * instance I\nrestarts N\nexit C\naction A\n", in the data directory):
 * 0 and *text, or -1 when there is none; and whether it was written in an
 * earlier boot than this one (the box went down for it). */
int sup_give_up_read(char **text);
bool sup_give_up_earlier_boot(const char *text);

#endif
