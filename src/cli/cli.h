/* lxr command line: one file per subcommand; each parses its arguments, calls
 * the layers and prints. Exit codes: 0 success, 1 failure at run time, 2 bad
 * usage or bad stack file; `lxr run` passes the container's own exit code
 * through and uses 125/126/127 for its own failures. */
#ifndef LXR_CLI_H
#define LXR_CLI_H

#include <jansson.h>
#include <stdbool.h>

#include "lxr/util.h"

enum { LXR_EXIT_OK = 0, LXR_EXIT_FAIL = 1, LXR_EXIT_USAGE = 2 };

int cmd_run(int argc, char **argv);
/* An ordinary user: join (or first make) the user's rootless namespaces;
 * root: nothing. -1 when it cannot, with the reason printed (rootless.c). */
int cli_rootless_enter(void);
/* bld_build, rootless in a network namespace of its own (rootless.c). */
struct bld_request;
int cli_build_run(const struct bld_request *rq, lxr_err *err);
/* lxr doctor as an ordinary user: ranges, newuidmap, XDG_RUNTIME_DIR. */
void cli_rootless_check(struct lxr_checks *c);
int cmd_exec(int argc, char **argv);
int cmd_rm(int argc, char **argv);
/* docker's container prune (cmd_rm.c): every stopped `lxr run` container */
int cli_container_prune(int argc, char **argv);
/* docker's `container SUB` and `system prune` (cmd_container.c);
 * cli_container_alias: the lxr command `container SUB` is, or NULL */
int cmd_container(int argc, char **argv);
int cmd_system(int argc, char **argv);
const char *cli_container_alias(const char *sub);
int cmd_config(int argc, char **argv);
int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_logs(int argc, char **argv);
int cmd_ctl(int argc, char **argv); /* ps stop start restart kill top */
/* cmd's --help text (ctl_usage.c); ps's for a command it does not know */
const char *ctl_usage_of(const char *cmd);
int cmd_events(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_port(int argc, char **argv);
int cmd_wait(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_watch(int argc, char **argv); /* develop.watch (cmd_watch.c, in lxr-image) */
/* cmd_image_tool for a stack command: lxr's global options (-f, -p,
 * --env-file, --project-directory, --profile) go to lxr-image as the
 * command's own, right after its name */
int cmd_image_tool_stack(int argc, char **argv);
int cmd_rollback(int argc, char **argv); /* cmd_rollback.c */
int cmd_ls(int argc, char **argv);
int cmd_volumes(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_commit(int argc, char **argv);
int cmd_pause(int argc, char **argv);   /* pause, unpause (cmd_pause.c) */
int cmd_inspect(int argc, char **argv); /* cmd_inspect.c */
int cmd_scale(int argc, char **argv);   /* cmd_scale.c */
int cmd_create(int argc, char **argv);  /* up --no-start (cmd_up.c) */
/* pull, push, load, save, import: exec lxr-image beside this program (image_exec.c) */
int cmd_image_tool(int argc, char **argv);
/* lxr-image's commands (cmd_image.c, linked only into lxr-image) */
int cmd_pull(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_unpack(int argc, char **argv);
int cmd_commit(int argc, char **argv);    /* image_commit.c */
int cmd_extract(int argc, char **argv);   /* image_commit.c */
int cmd_fetch_url(int argc, char **argv); /* image_commit.c */
int cmd_is_tar(int argc, char **argv);    /* image_commit.c */
int cmd_save(int argc, char **argv);      /* image_ship.c */
int cmd_push(int argc, char **argv);      /* image_ship.c */
int cmd_login(int argc, char **argv);     /* image_login.c */
int cmd_logout(int argc, char **argv);    /* image_login.c */
int cmd_tag(int argc, char **argv);       /* cmd_tag.c, in lxr */
int cmd_build(int argc, char **argv);     /* cmd_build.c */
int cmd_builder(int argc, char **argv);   /* builder prune (cmd_build.c) */
int cmd_images(int argc, char **argv);
int cmd_rmi(int argc, char **argv);
int cmd_image(int argc, char **argv);
int cmd_network(int argc, char **argv); /* network create|ls|rm|inspect|prune */
int cmd_volume(int argc, char **argv);  /* volume create|ls|rm|inspect|prune */
int cmd_doctor(int argc, char **argv);  /* cmd_doctor.c */
int cli_apply_settings(void);           /* lxr.conf -> lxr_dirs_configure */
struct cfg_settings;
const struct cfg_settings *cli_settings(void); /* what cli_apply_settings read */
int cmd_boot(int argc, char **argv);           /* cmd_boot.c: the boot stacks */
int cmd_power(int argc, char **argv);          /* poweroff, reboot, halt: ask lxr as PID 1 */
/* lxr as init (pid1.c): when this process is PID 1 booted as init */
bool cli_pid1_wanted(int argc, char **argv);
int cli_pid1_main(int argc, char **argv);
/* PID 1 is lxr (this binary, or a PID 1 named lxr-pid1); comm gets its
 * name (cmd_power.c). */
bool cli_pid1_is_lxr(char *comm, size_t size);

struct option;
/* getopt_long, with a long option taken by its whole name only (as docker
 * takes them): an abbreviation of one ("--priv") is refused as getopt
 * refuses an unknown option, '?' with argv[optind - 1] naming it. */
int cli_getopt_long(int argc, char *const argv[], const char *shortopts,
		    const struct option *longopts, int *longindex);
/* getopt refused arg (argv[optind - 1]): say so, suggest the closest of
 * longopts' names ("did you mean --detach?"), then print usage (if any)
 * to stderr. cli_option_dym: that closest name, or NULL. */
void cli_bad_option(const char *arg, const struct option *longopts, const char *usage);
const char *cli_option_dym(const char *arg, const struct option *longopts);

/* `lxr network CMD ...`: run the one named (did you mean, else). */
struct cli_sub {
	const char *name;
	int (*fn)(int argc, char **argv);
};
bool cli_is_help(const char *arg); /* --help or -h */
/* One name a prune removed, under HEADER ("Deleted Networks:"), printed
 * before the first only (*said): docker prints no header when nothing
 * goes. */
void cli_pruned(const char *header, const char *name, bool *said);
/* The help text src/cli/help/NAME.txt (help.c); one that is not there is
 * lxr's bug: abort. */
const char *cli_help(const char *name);
int cli_subcommand(const char *what, const char *usage, const struct cli_sub *sub, size_t n,
		   int argc, char **argv);

/* Compose's global options, given before the command (globals.c). */
struct cli_globals {
	const char *file, *project; /* -f, -p: each stack command's defaults */
	char **more_files;          /* the later -f files: merged over the first */
	char **env_files;           /* --env-file, repeatable (or COMPOSE_ENV_FILES):
				       instead of the project's .env */
	bool env_files_from_env;    /* ... COMPOSE_ENV_FILES's: a --env-file
				       after the command replaces them */
	const char *project_dir;    /* --project-directory, absolute */
	char **profiles;            /* --profile, repeatable */
	const char *progress;       /* --progress auto|tty|plain|quiet */
	bool compose;               /* `lxr compose COMMAND`: compose's form of it */
	const char *ansi;           /* --ansi never|always|auto; NULL: not given */
	bool dry_run;               /* --dry-run: the commands dry_run.c names */
};
/* --progress as sup_up_opts.progress takes it: 0 auto, 1 plain, 2 tty,
 * 3 quiet */
int cli_progress_setting(void);
extern struct cli_globals cli_globals;
/* argv[0] a command: compose's --env-file and --project-directory given
 * after it taken into the globals and out of argv; the new argc, or -1
 * (said) */
int cli_globals_after(int argc, char **argv);
/* an --env-file given after the command: added to the list, which it
 * replaces when COMPOSE_ENV_FILES made it */
void cli_env_file_add(const char *path);
/* Parse argv[1..] up to the command (skipping one `compose`): the command's
 * index (argc: none), or -1 after saying what is wrong. */
int cli_globals_parse(int argc, char **argv);
/* A stack command's -f and -p before its own options. */
void cli_globals_apply(const char **file, const char **project);
/* With no --profile given (*profiles empty), compose's COMPOSE_PROFILES:
 * from the environment, else the project's .env (or --env-file) beside
 * file (NULL: -f's, or here) */
void cli_profiles_default(char ***profiles, const char *file);
void cli_globals_profiles(char ***profiles); /* appends copies */
/* compose's COMPOSE_FILE (or another COMPOSE_* key): the environment's,
 * else the .env compose reads before it knows the file (--env-file's,
 * --project-directory's, else the working directory's); NULL when unset
 * or empty. */
char *cli_compose_var(const char *key);
/* A COMPOSE_* variable (as cli_compose_var finds it) that is a Go true:
 * COMPOSE_REMOVE_ORPHANS, COMPOSE_IGNORE_ORPHANS */
bool cli_compose_flag(const char *key);
/* --ansi never, else COMPOSE_ANSI=never (as cli_compose_var finds it): no
 * colours, plain progress */
bool cli_no_ansi(void);
const char *cli_stack_dir(void); /* where discovery looks: --project-directory or . */
/* "lxr" and the global options that name this stack (file, the later -f
 * files, project, --env-file, --project-directory, --profile), for a
 * command lxr runs of its own (watch's actions, up --watch) */
char **cli_self_argv(const char *file, const char *project);

/* up --wait: until the project's instances (those of the services or
 * instances in only, when it names some) run (healthy where checked) or
 * completed; LXR_EXIT_FAIL when one failed or timeout_s (> 0) passed.
 * what names the command in its errors. */
int cli_up_wait(const char *project, int timeout_s, char *const *only, const char *what);
/* ctl_wait.c: stop/start/restart wait until the instances named in done
 * are done (the last ps in *last); then the ones that did not start are
 * said, and counted */
struct ctl_conn;
int cli_ctl_wait_settled(struct ctl_conn *conn, json_t *done, const char *cmd, json_t **last,
			 lxr_err *err);
int cli_ctl_start_failures(json_t *ps, json_t *done);
/* An instance's state as said to a person: "unhealthy", or with its exit
 * code where it has ended ("exited (exit 3)"), in buf (up_wait.c) */
const char *cli_state_said(char buf[static 64], const char *state, long long code);

struct cfg_stack;
/* Load and validate a stack file (NULL: Compose's discovery in the current
 * directory) for running it; prints every problem, settings `lxr up` does
 * not run yet included. Returns LXR_EXIT_OK or LXR_EXIT_USAGE. */
int cli_stack_load(const char *file, const char *project, struct cfg_stack **st);
/* An override file merged over the stack files of the loads that follow,
 * last (compose run's options); NULL: none again. */
void cli_stack_extra_override(const char *path);
/* signals.c: Ctrl-C, SIGTERM, SIGHUP and SIGQUIT held from here, to be
 * delivered to the container (or command) once it runs, and not to leave
 * what was made for it half-removed (run, compose run, exec). */
void cli_signals_hold(void);
/* The same without refusing what `lxr up` does not run yet (the model, for
 * `lxr config`; cfg_stack_check_runnable). cli_stack_load refuses only the
 * stack's own; a service's is refused where its graph chooses it. */
int cli_stack_load_model(const char *file, const char *project, struct cfg_stack **st);
/* The same with lxr config's views (view: enum cfg_view) and, with
 * keep_env, what interpolation took from (st->environment). */
int cli_stack_load_view(const char *file, const char *project, int view, bool keep_env,
			struct cfg_stack **st);
/* The name a stack file read from standard input (-f -) goes by, in its
 * messages and as a project's record of its file. */
#define CLI_STDIN_FILE "<stdin>"
/* A command that has lxr read the file again (watch) refuses `-f -`,
 * saying so: -1; else 0. */
int cli_stdin_refused(const char *file, const char *cmd);
/* The model, printing nothing of what is wrong in it: for a look at its
 * services' names by a command that may be docker's, not the stack's */
int cli_stack_peek(const char *file, struct cfg_stack **st);
/* cli_stack_load for the commands that act on the file's project: unless
 * the project was named (-p, COMPOSE_PROJECT_NAME), a project brought up
 * from another file is refused (both named, hint -p): LXR_EXIT_FAIL. */
int cli_stack_open(const char *file, const char *project, struct cfg_stack **st);
struct ctl_conn;
/* The control socket of the project: project (-p), or the stack file's
 * (file, or found as compose does). *name: the project, caller frees.
 * Says why not (not up, bad file): LXR_EXIT_FAIL or LXR_EXIT_USAGE. */
int cli_project_connect(const char *file, const char *project, struct ctl_conn **conn, char **name);
/* The same; with down, a project that has no supervisor at all (not up,
 * which compose's ps shows as an empty list) sets *down and is no error */
int cli_project_open(const char *file, const char *project, struct ctl_conn **conn, char **name,
		     bool *down);
/* Its `ps` (services: NULL for all); *ps: caller decrefs. */
int cli_project_ps(const char *file, const char *project, char *const *services, json_t **ps);
/* -f FILE (globals.c): the first is the stack file, each later one an
 * override merged over it, as compose's -f a -f b. */
int cli_set_file(const char **slot, const char *arg);
/* `lxr run` containers, for ps/stop/kill/logs where no stack file is found
 * (cmd_runctl.c). tail < 0: the whole log. */
/* Compose's discovery, once (stack_load.c): false when there is no stack file here (nor
 * above, nor in COMPOSE_FILE); else *found is the file (NULL: COMPOSE_FILE's,
 * which cli_stack_load reads), to hand on as -f. */
bool cli_find_stack(char **found);
/* --include-deps: the services named in *want and, transitively, their
 * depends_on, added to it */
void cli_add_deps(const struct cfg_stack *st, char ***want);
struct lxr_container_ref;
/* The running container exec and cp name: an `lxr run` container (when no
 * -f/-p), else a service's instance (index: --index, 0 for the first), or
 * an instance or container name of the project. *inst: its name, caller
 * frees; *service: it is a stack's. */
/* --index N of exec, cp, commit: an instance number, or -1 said */
int cli_parse_index(const char *s, long *out);
int cli_container_find(const char *file, const char *project, long index, const char *name,
		       struct lxr_container_ref *ref, char **inst, bool *service, lxr_err *err);
/* No stack file here: when every name is a container of one project that
 * is up, as docker names it (its container_name, lxr's <service>-<n>, or
 * compose's <project>-<service>-<n>) and none an `lxr run` container's,
 * 1 with *project (caller frees) and each names[i] rewritten, in place,
 * to its instance's name (a suffix of it). 0: not so, names untouched; -1: said why
 * not (a name in two projects, names of two projects). */
int cli_names_in_project(char **names, char **project);
/* logs' and events' --since and --until: RFC 3339, a local time without a
 * zone, a unix time, or a duration before now (10m); said when not one */
int cli_parse_time(const char *opt, const char *s, struct timespec *out);
/* The container replica idx of service svc runs in (its container_name,
 * if it has one), as the records of a supervisor's ps say; NULL: none.
 * Caller frees. */
char *cli_ps_replica(json_t *ps, const char *svc, long idx);
/* "<service>-<n>" of service svc: the name lxr gives an instance with no
 * container_name */
/* The name docker gives a stack's container from its instance name (and
 * its service, when known): <project>-<service>-<n>, or a container_name
 * as it is (without the service, one that ends in -<n> is taken for the
 * first) */
char *cli_stack_docker_name(const char *project, const char *inst, const char *svc);
bool cli_own_instance_name(const char *inst, const char *svc);
/* Where a command goes: with -f or -p (*file, *project), the stack; else a
 * stack file found here (*file = *found; NULL with COMPOSE_FILE, which the
 * loader reads) unless cli_names_are_dockers; else one project's
 * containers named as docker names them (*project = *named, the names
 * rewritten as cli_names_in_project does), else the `lxr run` containers;
 * FAIL: said why not. Callers free *found and *named. */
enum cli_where { CLI_WHERE_FAIL = -1, CLI_WHERE_RUN, CLI_WHERE_STACK, CLI_WHERE_PROJECT };
/* In a project (a stack file found, or file), the names are docker's: each
 * an `lxr run` container or a stack's container as docker names it
 * (cli_names_in_project: `lxr stop proj-web-1` in proj's directory), and
 * none a service of the stack (a name both ways is the service's:
 * compose's command is what a project's user means). False for no names. */
bool cli_names_are_dockers(char *const *names, const char *file);
enum cli_where cli_where(const char **file, const char **project, char **names, char **found,
			 char **named);
int cmd_cp(int argc, char **argv);
/* down's report (down_report.c): the project's containers before it goes
 * (NULL: nothing of it here), then "Container X  Removed", its networks'
 * lines and (down -v) "Volume X  Removed" for each of vols that is gone, as
 * compose prints them; dry: compose's "DRY-RUN MODE - " before each, and
 * the volumes of vols that are there */
char **cli_down_before(const char *project);
/* compose's --dry-run (dry_run.c): 0 when cmd has one here, else -1 said;
 * a command's refusal of it where it acts on `lxr run` containers or one
 * REF (LXR_EXIT_USAGE); the line compose prints of what was done to one
 * object ("Container web-1  Stopped", with "DRY-RUN MODE - " before it
 * when dry), on stderr as --progress says; and a dry run of stop, start,
 * restart, kill, pause or unpause through the project's supervisor, args
 * ({"services": [...]}) taken */
int cli_dry_run_check(const char *cmd);
int cli_dry_run_refuse(const char *cmd);
void cli_done_line(const char *kind, const char *name, const char *verb, bool dry);
int cli_dry_run_ctl(struct ctl_conn *conn, const char *cmd, json_t *args);
void cli_down_report(const char *project, char **before, const struct cfg_stack *st,
		     char *const *vols, bool dry);
/* lxr volumes (cmd_volumes.c): st's project's volumes that exist (those
 * the services mount, when services name any), sorted */
char **cli_project_volumes(const struct cfg_stack *st, char *const *services);
/* lxr images in a project (images_stack.c): its containers' images
 * (services: NULL or empty for all), compose's table, ids or JSON lines */
int cli_images_stack(const char *file, const char *project, char **services, bool quiet, bool json);
/* lxr pull: a stack's images (cmd_pull.c), or REF through lxr-image */
int cmd_pull_stack(int argc, char **argv);
int cmd_push_stack(int argc, char **argv); /* cmd_push.c */
/* Pushes through lxr-image (cmd_push.c), each in turn: quiet without
 * progress; a failure stops the rest unless ignore_failures; dry_run says
 * what would go. cli_push_services: st's services with build: and image:
 * (those in want; NULL: all), their image and build.tags, as compose
 * push; a LXR_EXIT_ code. */
struct cli_push_how {
	bool quiet, ignore_failures, dry_run;
};
int cli_push_refs(char *const *refs, const struct cli_push_how *how);
int cli_push_services(const struct cfg_stack *st, char *const *want,
		      const struct cli_push_how *how);
/* progress.c, in both programs: pull's help, and compose's --progress
 * modes (auto, tty, plain, quiet, json) -> redraw on a terminal, quiet;
 * -1 for another word */
extern const char cli_pull_usage[];
int cli_progress_mode(const char *mode, bool *tty, bool *quiet);
/* compose's build: (stack_build.c), run in the CLI before anything starts.
 * The options `lxr build SERVICE` and `lxr up` put over each build: */
struct cli_build_over {
	bool no_cache, pull, dry_run, quiet;
	bool with_deps;    /* --with-dependencies: the named services' dependencies too */
	bool push;         /* --push: push the images of those with image: after */
	bool check;        /* --check: check each Dockerfile, build nothing */
	int64_t memory;    /* --memory: the RUN steps' memory limit in bytes */
	char **build_args; /* --build-arg K[=V], over build.args */
};
struct cfg_stack;
struct plan_graph;
/* lxr build [SERVICE...] in a project: each service with build: (services
 * NULL or empty: all), image build_image and build.tags. */
int cli_stack_build(const struct cfg_stack *st, char *const *services,
		    const struct cli_build_over *o);
/* lxr up: the images g's services with build: need, built (or pulled)
 * as compose does, before the supervisor is asked for anything. */
struct cli_up_build {
	bool build, no_build; /* --build, --no-build */
	int pull;             /* sup_up_opts.pull: 0, or 1 + img_pull_policy */
	bool quiet_pull, dry_run;
	bool quiet_build; /* --quiet-build: the builder's output not shown */
};
int cli_up_build(const struct cfg_stack *st, const struct plan_graph *g,
		 const struct cli_up_build *u);
/* down --rmi all|local (down_rmi.c): remove the images st's services use,
 * each once; one still in use elsewhere is kept with a warning. dry: say
 * which would go, remove none. */
int cli_down_rmi(const struct cfg_stack *st, const char *mode, bool dry);
/* ps_format.c: ps's table as docker compose prints it */
void cli_ps_print(json_t *result, bool no_trunc);
/* A record as a ps template sees it: compose's keys (ps --format json's),
 * and Label, the map `.Label "k"` reads */
json_t *cli_ps_template_dot(json_t *o, const char *project, bool no_trunc);
/* ps_template.c: each record through a --format template, "table
 * TEMPLATE" with its header row and aligned; cli_ps_format_check: NULL,
 * or why the template cannot be read (static) */
int cli_ps_print_template(json_t *result, const char *project, const char *tmpl, bool no_trunc);
/* ps --format json: one compact object a line (JSON Lines, as docker ps
 * and compose ps print them), lxr's record with docker's and compose's
 * keys beside it (Name, Service, State, Status, ExitCode, Publishers,
 * Project: the record's own, else project when not NULL, ...) */
void cli_ps_print_json(json_t *result, const char *project);
/* ps -q: the instance names; ps --services: each service once */
void cli_ps_print_names(json_t *result, bool services);
/* lxr top's result (instances with their processes, sup_top_json) as a
 * table: docker compose top's (SERVICE, #, then ps -ef's columns), or with
 * docker, docker top's of one container (ps -ef's columns) */
void cli_top_print(json_t *result, bool docker);
/* Below the table, why an instance is not running: its last start's error
 * whole, or the dependency that blocked it. */
void cli_ps_print_errors(json_t *result);
/* ps_filter.c: without all (-a) and status only the running ones, as
 * docker's; --status (states compose or lxr names: cli_ps_status_known;
 * any of them),
 * --filter service= (any of them), name= and label= (all of them), each
 * NULL when not given */
bool cli_ps_status_known(const char *word);
extern const char cli_ps_states[]; /* lxr's, " created starting … " */
/* ps --orphans=false: the stack file's services (*out), LXR_EXIT_OK or
 * why not said; then every record of a service not among them dropped */
int cli_ps_file_services(const char *file, const char *project, char ***out);
void cli_ps_drop_orphans(json_t *result, char *const *services);
void cli_ps_filter(json_t **result, char *const *status, bool all, char **services,
		   char *const *names, char *const *labels);
/* A ps record's container by docker's name (an older supervisor's record
 * has only its instance) */
const char *cli_ps_name(json_t *rec);
/* A stack's ps by docker's names (key NULL), as compose sorts it, or by
 * an integer key (records with equal values in any order) */
void cli_ps_sort_by(json_t *result, const char *key);
const char *cli_ps_format_check(const char *tmpl);
/* docker's "2 minutes", "About an hour" */
void cli_human_duration(int64_t seconds, char *buf, size_t len);
/* A call to the supervisor of `lxr run -d` container name (args taken);
 * ESRCH when it has none. */
int cli_run_call(const char *name, const char *cmd, json_t *args, int timeout_ms, json_t **result,
		 lxr_err *err);
/* With no stack file here: the supervisor of `lxr run -d` container name,
 * which answers a stack command (top, stats, port, wait, restart, ...) as
 * a project of one service, name. LXR_EXIT_OK, or why not printed (none
 * named, a foreground container, no such container) for cmd. */
int cli_run_connect(const char *cmd, const char *name, struct ctl_conn **conn);
/* A record a kept `lxr run -d` container's supervisor left when it ended
 * (SUP_RUN_EXITED, SUP_RUN_INSPECT), or NULL */
json_t *cli_run_record(const char *name, const char *file);
/* What `lxr inspect NAME` shows of `lxr run` container name (its
 * supervisor's records, the one it left when it ended, or its plan made
 * again when no supervisor looks after it), appended to out; -1 with err */
int cli_run_inspect(const char *name, json_t *out, lxr_err *err);
/* What `lxr inspect NAME` shows of a container named as docker names it,
 * from anywhere: an `lxr run` one (cli_run_inspect), or a stack's (its
 * container_name or <project>-<service>-<n>, from its supervisor); NULL
 * with err */
json_t *cli_inspect_named(const char *name, lxr_err *err);
/* SERVICE=N... on the project (lxr scale's): an up of its file that
 * changes only those services' instances; progress as sup_up_opts's */
int cli_scale(const char *file, const char *project, char *const *specs, bool no_deps,
	      int progress);
/* docker compose rm in a project (rm_stack.c): the stopped containers of
 * the services named (every one when none), stopped first with stop */
int rm_stack(const char *file, char *const *names, bool stop, bool volumes);
/* The `lxr run` containers as ps lists them (a stack's ps records) */
json_t *runctl_ps_records(void);
/* The ps record of a container in the foreground of its `lxr run` (it
 * runs, and no supervisor looks after it), made from what inspect makes
 * of it; NULL for any other */
json_t *runctl_foreground_record(const char *name);
/* Is name a one-off of project (compose run's <project>-<service>-run-<12
 * hex>; service: its record's, NULL when unknown)? runctl_oneoffs: their
 * ps records, as runctl_ps_records has them */
bool runctl_is_oneoff(const char *name, const char *project, const char *service);
json_t *runctl_oneoffs(const char *project);
/* down --remove-orphans: remove project's one-offs, running or not, with
 * their anonymous volumes (compose's down removes them so); the names
 * removed, NULL for none */
char **cli_rm_oneoffs(const char *project);
/* docker ps: those, then every up project's containers, each by the name
 * docker gives it (cli_names_in_project reads it back) */
json_t *runctl_ps_all(void);
/* cmd_ls.c: the project directories of the run dir (not `lxr run`'s _run
 * nor hidden ones), sorted */
char **cli_projects(void);
/* docker's -f/--format template (Go's text/template: paths, json, index,
 * len, join, lower, upper, range, if, with) applied to dot, written to out
 * (template.c). -1 with err on a template lxr cannot read. */
int cli_template(const char *tmpl, json_t *dot, FILE *out, lxr_err *err);
/* -f T, --format T or --format=T at argv[*i] (then *i is past it), else
 * NULL: docker's inspect option in a command that reads argv itself */
const char *cli_format_opt(int argc, char **argv, int *i);
/* arr as JSON (format NULL or "json"), or each element through the
 * template, a line each */
int cli_print_each(json_t *arr, const char *format, size_t json_flags);
/* A template read before anything is asked: -1 (said) when lxr cannot */
int cli_format_check(const char *format);
/* `inspect NAME... [-f FORMAT]` of network and volume: one(name) is the
 * object docker prints, NULL for "no such <what>" */
int cli_inspect_names(int argc, char **argv, const char *usage, const char *what,
		      json_t *(*one)(const char *name));
/* docker wait NAME...: each run -d container's exit code, once it has
 * ended for good (LXR_EXIT_OK, or why not printed) */
int runctl_wait(char *const *names);
/* stop: SIGTERM, SIGKILL after grace_s seconds (< 0: the container's own
 * stop_grace_period, docker's --stop-timeout; 10 s without a supervisor);
 * else send sig */
int runctl_signal(char *const *names, int sig, bool stop, int grace_s);

#endif
