/* lxr up / lxr down: the stack's supervisor. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/run_opts.h"
#include "lxr/config.h"
#include "lxr/image.h"
#include "lxr/plan.h"
#include "lxr/supervisor.h"

struct stack_args {
	const char *file, *project;
	bool detach, volumes, remove_orphans, dry_run, dry_run_plans, force_recreate, wait;
	int wait_timeout; /* up --wait-timeout: seconds; 0: no limit */
	int timeout;      /* up/down -t: seconds; -1: the services' stop_grace_period */
	const char *rmi;  /* down --rmi all|local */
	char **profiles, **targets;
	struct sup_up_opts up; /* up's other options (up_flags) */
	char **scale, **attach, **no_attach;
	bool build, no_build;
	bool watch;       /* up --watch: lxr watch --no-up after */
	bool attach_deps; /* up --attach-dependencies */
	bool quiet_build; /* up --quiet-build */
};

static int parse_seconds(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 86400)
		return -1;
	*out = (int)v;
	return 0;
}

/* -t N, --wait-timeout N: 0 to a day */
static int seconds_opt(const char *opt, const char *arg, int *out)
{
	if (parse_seconds(arg, out) == 0)
		return 0;
	fprintf(stderr, "lxr: error: %s %s: not a number of seconds (0 to 86400)\n", opt, arg);
	return -1;
}

/* Each returns 0 (taken), -1 (wrong, said) or -2 (not this command's). */
static int common_option(struct stack_args *a, int c)
{
	switch (c) {
	case 'f': return cli_set_file(&a->file, optarg);
	case 'p': a->project = optarg; return 0;
	case 'd': a->detach = true; return 0;
	case 'v': a->volumes = true; return 0;
	case 'O': a->remove_orphans = true; return 0;
	default: return -2;
	}
}

enum {
	OPT_NO_DEPS = 256,
	OPT_NO_RECREATE,
	OPT_RECREATE_DEPS,
	OPT_NO_START,
	OPT_ABORT,
	OPT_ABORT_FAILURE,
	OPT_MENU,
	OPT_EXIT_FROM,
	OPT_PULL,
	OPT_QUIET_PULL,
	OPT_NO_PREFIX,
	OPT_NO_COLOR,
	OPT_ATTACH,
	OPT_ATTACH_DEPS,
	OPT_QUIET_BUILD,
	OPT_TIMESTAMPS,
	OPT_NO_ATTACH,
	OPT_BUILD,
	OPT_NO_BUILD,
	OPT_YES,
	OPT_WATCH,
};

/* up's flags that only set an option */
static int up_flag(struct stack_args *a, int c)
{
	int pull;

	switch (c) {
	case OPT_NO_DEPS: a->up.no_deps = true; return 0;
	case OPT_NO_RECREATE: a->up.no_recreate = true; return 0;
	case OPT_RECREATE_DEPS: a->up.always_recreate_deps = true; return 0;
	case 'V': a->up.renew_anon_volumes = true; return 0;
	case OPT_NO_START: a->up.no_start = a->detach = true; return 0;
	case OPT_ABORT: a->up.abort_on_exit = true; return 0;
	case OPT_ABORT_FAILURE: a->up.abort_on_failure = true; return 0;
	/* compose's keyboard menu: lxr has none, so with it or without it
	 * up is the same */
	case OPT_MENU: return 0;
	case OPT_EXIT_FROM: a->up.exit_code_from = optarg; return 0;
	case OPT_QUIET_PULL: a->up.quiet_pull = true; return 0;
	case OPT_NO_PREFIX: a->up.no_log_prefix = true; return 0;
	case OPT_NO_COLOR: a->up.no_color = true; return 0;
	case OPT_ATTACH: lxr_strv_push(&a->attach, lxr_xstrdup(optarg)); return 0;
	case OPT_NO_ATTACH: lxr_strv_push(&a->no_attach, lxr_xstrdup(optarg)); return 0;
	case OPT_ATTACH_DEPS: a->attach_deps = true; return 0;
	case OPT_QUIET_BUILD: a->quiet_build = true; return 0;
	case OPT_TIMESTAMPS: a->up.timestamps = true; return 0;
	case OPT_BUILD: a->build = true; return 0;
	case OPT_NO_BUILD: a->no_build = true; return 0;
	case OPT_YES: return 0;
	case OPT_PULL:
		pull = img_pull_policy_parse(optarg);
		if (pull < 0 || !strcmp(optarg, "build")) {
			fprintf(stderr, "lxr: error: --pull %s: use always, missing or never\n",
				optarg);
			return -1;
		}
		a->up.pull = pull + 1;
		return 0;
	default: return -2;
	}
}

static int up_option(struct stack_args *a, int c)
{
	switch (c) {
	case 'R': a->force_recreate = true; return 0;
	case 't': return seconds_opt("--timeout", optarg, &a->timeout);
	case 'S': lxr_strv_push(&a->scale, lxr_xstrdup(optarg)); return 0;
	default: return up_flag(a, c);
	case 'W': a->wait = a->detach = true; return 0; /* compose: --wait implies -d */
	case OPT_WATCH: a->watch = a->detach = true; return 0;
	case 'w': return seconds_opt("--wait-timeout", optarg, &a->wait_timeout);
	case 'P': lxr_strv_push(&a->profiles, lxr_xstrdup(optarg)); return 0;
	case 'D':
		if (optarg && strcmp(optarg, "plan"))
			return -2;
		a->dry_run = true;
		a->dry_run_plans = optarg != NULL;
		return 0;
	}
}

static int down_option(struct stack_args *a, int c)
{
	if (c == 'D' && !optarg) { /* compose's: what down would remove */
		a->dry_run = true;
		return 0;
	}
	if (c == 'I') {
		if (strcmp(optarg, "all") && strcmp(optarg, "local")) {
			fprintf(stderr, "lxr: error: --rmi %s: use all or local\n", optarg);
			return -1;
		}
		a->rmi = optarg;
		return 0;
	}
	return c == 't' ? seconds_opt("--timeout", optarg, &a->timeout) : -2;
}

/* up's and down's options (each takes its own: up_option, down_option) */
static const struct option longopts[] = {
    {"file", required_argument, NULL, 'f'},
    {"project-name", required_argument, NULL, 'p'},
    {"detach", no_argument, NULL, 'd'},
    {"volumes", no_argument, NULL, 'v'},
    {"profile", required_argument, NULL, 'P'},
    {"help", no_argument, NULL, 'h'},
    {"remove-orphans", no_argument, NULL, 'O'},
    {"dry-run", optional_argument, NULL, 'D'},
    {"timeout", required_argument, NULL, 't'},
    {"force-recreate", no_argument, NULL, 'R'},
    {"no-recreate", no_argument, NULL, OPT_NO_RECREATE},
    {"always-recreate-deps", no_argument, NULL, OPT_RECREATE_DEPS},
    {"renew-anon-volumes", no_argument, NULL, 'V'},
    {"no-deps", no_argument, NULL, OPT_NO_DEPS},
    {"no-start", no_argument, NULL, OPT_NO_START},
    {"build", no_argument, NULL, OPT_BUILD},
    {"no-build", no_argument, NULL, OPT_NO_BUILD},
    {"abort-on-container-exit", no_argument, NULL, OPT_ABORT},
    {"abort-on-container-failure", no_argument, NULL, OPT_ABORT_FAILURE},
    {"menu", optional_argument, NULL, OPT_MENU},
    {"exit-code-from", required_argument, NULL, OPT_EXIT_FROM},
    {"scale", required_argument, NULL, 'S'},
    {"pull", required_argument, NULL, OPT_PULL},
    {"quiet-pull", no_argument, NULL, OPT_QUIET_PULL},
    {"no-log-prefix", no_argument, NULL, OPT_NO_PREFIX},
    {"no-color", no_argument, NULL, OPT_NO_COLOR},
    {"attach", required_argument, NULL, OPT_ATTACH},
    {"no-attach", required_argument, NULL, OPT_NO_ATTACH},
    {"attach-dependencies", no_argument, NULL, OPT_ATTACH_DEPS},
    {"quiet-build", no_argument, NULL, OPT_QUIET_BUILD},
    {"timestamps", no_argument, NULL, OPT_TIMESTAMPS},
    {"yes", no_argument, NULL, OPT_YES},
    {"wait", no_argument, NULL, 'W'},
    {"watch", no_argument, NULL, OPT_WATCH},
    {"wait-timeout", required_argument, NULL, 'w'},
    {"rmi", required_argument, NULL, 'I'},
    {NULL, 0, NULL, 0},
};

static int parse(int argc, char **argv, struct stack_args *a, bool up)
{
	int c, idx = -1;

	cli_globals_apply(&a->file, &a->project);
	a->timeout = -1;
	a->dry_run = cli_globals.dry_run;
	if (up)
		cli_globals_profiles(&a->profiles);
	optind = 1;
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, up ? "f:p:dt:yV" : "f:p:vt:", longopts, &idx)) !=
	       -1) {
		if (up && c == 'y')
			c = OPT_YES;
		int r = c == 'h' ? 1 : common_option(a, c);

		if (r == 1) {
			fputs(up ? cli_help("up") : cli_help("down"), stdout);
			return 1;
		}
		if (r == -2)
			r = up ? up_option(a, c) : down_option(a, c);
		if (r == -1)
			return -1;
		if (r == -2) {
			cli_bad_option(argv[optind - 1], longopts,
				       up ? cli_help("up") : cli_help("down"));
			return -1;
		}
		idx = -1;
	}
	/* `lxr up FILE` when FILE looks like a stack file, as the design says */
	if (!a->file && optind < argc &&
	    (strchr(argv[optind], '/') || lxr_str_has_suffix(argv[optind], ".yaml") ||
	     lxr_str_has_suffix(argv[optind], ".yml")))
		a->file = argv[optind++];
	if (up)
		cli_profiles_default(&a->profiles, a->file);
	a->up.no_color |= cli_no_ansi();
	for (; optind < argc; optind++) {
		if (!up) {
			fputs(cli_help("down"), stderr);
			return -1;
		}
		lxr_strv_push(&a->targets, lxr_xstrdup(argv[optind]));
	}
	return 0;
}

/* compose's refusals of flags that cannot go together */
static int up_conflicts(const struct stack_args *a)
{
	const char *x = NULL, *y = NULL;

	if ((a->up.abort_on_exit || a->up.exit_code_from) && a->up.abort_on_failure)
		x = a->up.abort_on_exit ? "--abort-on-container-exit" : "--exit-code-from",
		y = "--abort-on-container-failure";
	if (!y && (a->up.abort_on_exit || a->up.exit_code_from || a->up.abort_on_failure)) {
		x = a->up.abort_on_exit    ? "--abort-on-container-exit"
		    : a->up.exit_code_from ? "--exit-code-from"
					   : "--abort-on-container-failure";
		y = a->up.no_start ? "--no-start"
		    : a->wait      ? "--wait"
		    : a->detach    ? "--detach"
				   : NULL;
	}
	if (!y && a->force_recreate && a->up.no_recreate)
		x = "--force-recreate", y = "--no-recreate";
	if (!y && a->up.always_recreate_deps && a->up.no_recreate)
		x = "--always-recreate-deps", y = "--no-recreate";
	if (!y && a->build && a->no_build)
		x = "--build", y = "--no-build";
	if (!y && a->up.no_start && a->wait)
		x = "--no-start", y = "--wait";
	if (!y && a->up.no_start && a->watch)
		x = "--no-start", y = "--watch";
	if (!y && a->attach && a->attach_deps)
		x = "--attach", y = "--attach-dependencies";
	if (!y && (a->attach || a->attach_deps) && a->detach)
		x = a->attach ? "--attach" : "--attach-dependencies",
		y = a->wait ? "--wait" : "--detach";
	if (!y && a->watch && cli_stdin_refused(a->file, "up --watch") < 0)
		return -1;
	if (!y)
		return 0;
	fprintf(stderr, "lxr: error: up: %s and %s are incompatible\n", x, y);
	return -1;
}

/* compose's: --attach names services this up brings up; without it, the
 * services named (with --attach-dependencies what they depend on), each
 * unless the file says attach: false (with no name: the supervisor asks) */
static int attach_list(struct stack_args *a, const struct cfg_stack *st)
{
	_cleanup_strv_ char **up = NULL, **want = NULL;

	for (size_t i = 0; a->targets && a->targets[i]; i++)
		lxr_strv_push(&up, lxr_xstrdup(a->targets[i]));
	if (up && !a->up.no_deps)
		cli_add_deps(st, &up);
	for (size_t i = 0; up && a->attach && a->attach[i]; i++)
		if (!lxr_strv_has(up, a->attach[i])) {
			fprintf(
			    stderr,
			    "lxr: error: up: cannot attach to services not included in up: %s\n",
			    a->attach[i]);
			return LXR_EXIT_USAGE;
		}
	if (a->attach || !a->targets)
		return LXR_EXIT_OK;
	for (size_t i = 0; a->targets[i]; i++)
		lxr_strv_push(&want, lxr_xstrdup(a->targets[i]));
	if (a->attach_deps)
		cli_add_deps(st, &want);
	a->attach = lxr_xcalloc(1, sizeof(char *));
	for (size_t i = 0; want[i]; i++) {
		const struct cfg_service *s = cfg_stack_service(st, want[i]);
		if (s && (!s->tune.attach.set || s->tune.attach.v))
			lxr_strv_push(&a->attach, lxr_xstrdup(want[i]));
	}
	return LXR_EXIT_OK;
}

/* After the file is read: what names a service must name one it runs. */
static int up_check(struct stack_args *a, struct cfg_stack *st)
{
	lxr_err err;

	for (size_t i = 0; a->scale && a->scale[i]; i++)
		if (sup_scale_apply(st, a->scale[i], &err) < 0) {
			lxr_err_print(&err);
			return LXR_EXIT_USAGE;
		}
	if (a->up.exit_code_from && !cfg_stack_service(st, a->up.exit_code_from)) {
		fprintf(stderr, "lxr: error: --exit-code-from %s: no such service\n",
			a->up.exit_code_from);
		return LXR_EXIT_USAGE;
	}
	for (int k = 0; k < 2; k++)
		for (char **n = k ? a->no_attach : a->attach; n && *n; n++)
			if (!cfg_stack_service(st, *n)) {
				fprintf(stderr, "lxr: error: --%s %s: no such service\n",
					k ? "no-attach" : "attach", *n);
				return LXR_EXIT_USAGE;
			}
	return attach_list(a, st);
}

/* The images of the services with build:, built (or pulled) here, in the
 * CLI, before the supervisor is asked for anything (stack_build.c). */
static int up_build(struct stack_args *a, struct cfg_stack *st)
{
	struct plan_select sel = {(const char *const *)a->profiles, (const char *const *)a->targets,
				  a->up.no_deps, false};
	struct cli_up_build u = {.build = a->build,
				 .no_build = a->no_build,
				 .pull = a->up.pull,
				 .quiet_pull = a->up.quiet_pull,
				 .dry_run = a->dry_run,
				 .quiet_build = a->quiet_build};
	struct plan_graph *g = NULL;
	lxr_err err;
	int r;

	if (plan_graph_build(st, &sel, &g, &err) < 0) {
		lxr_err_print(&err);
		return LXR_EXIT_USAGE;
	}
	r = cli_up_build(st, g, &u);
	plan_graph_free(g);
	return r;
}

/* up --watch refuses before anything starts, as compose does, when none
 * of the services it brings up has rules */
static bool has_watch(const struct stack_args *a, const struct cfg_stack *st)
{
	struct plan_select sel = {(const char *const *)a->profiles, (const char *const *)a->targets,
				  true, false};
	struct plan_graph *g = NULL;
	bool found = false;
	lxr_err err;

	if (plan_graph_build(st, &sel, &g, &err) < 0) {
		lxr_err_print(&err);
		return false;
	}
	for (size_t i = 0; i < g->n && !found; i++)
		found = g->nodes[i].svc->n_watch > 0;
	plan_graph_free(g);
	if (!found)
		fputs("lxr: error: up --watch: none of the services chosen has develop.watch "
		      "rules\nlxr: hint: add develop.watch to a service (docs/stack-file.md), or "
		      "drop --watch\n",
		      stderr);
	return found;
}

/* up --watch: the services up, lxr watch takes over (its Ctrl-C leaves
 * them up) */
static void watch_after(const struct stack_args *a, const struct cfg_stack *st)
{
	_cleanup_strv_ char **argv = cli_self_argv(a->file, st->project);

	/* up's own --profile too: the watch chooses the services up did */
	for (size_t i = 0; a->profiles && a->profiles[i]; i++) {
		lxr_strv_push(&argv, lxr_xstrdup("--profile"));
		lxr_strv_push(&argv, lxr_xstrdup(a->profiles[i]));
	}
	lxr_strv_push(&argv, lxr_xstrdup("watch"));
	lxr_strv_push(&argv, lxr_xstrdup("--no-up"));
	for (size_t i = 0; a->targets && a->targets[i]; i++)
		lxr_strv_push(&argv, lxr_xstrdup(a->targets[i]));
	fflush(stdout);
	execv("/proc/self/exe", argv);
	fprintf(stderr, "lxr: error: up --watch: exec lxr watch: %s\n", strerror(errno));
}

static int up_with(struct stack_args *a)
{
	struct cfg_stack *st = NULL;
	int r = up_conflicts(a) < 0 ? LXR_EXIT_USAGE : cli_stack_open(a->file, a->project, &st);

	if (st && a->watch && !has_watch(a, st))
		r = LXR_EXIT_USAGE;
	if (st && r == LXR_EXIT_OK && (r = up_check(a, st)) == LXR_EXIT_OK)
		r = up_build(a, st);
	if (st && r == LXR_EXIT_OK) {
		struct sup_up_opts *o = &a->up;
		o->targets = (const char *const *)a->targets;
		o->profiles = (const char *const *)a->profiles;
		o->detach = a->detach;
		o->remove_orphans = a->remove_orphans || cli_compose_flag("COMPOSE_REMOVE_ORPHANS");
		o->ignore_orphans = cli_compose_flag("COMPOSE_IGNORE_ORPHANS");
		o->dry_run = a->dry_run;
		o->dry_run_plans = a->dry_run_plans;
		o->force_recreate = a->force_recreate;
		o->env_files = cli_globals.env_files;
		o->progress = cli_progress_setting();
		o->timeout_set = a->timeout >= 0;
		o->timeout = a->timeout;
		o->scale = (const char *const *)a->scale;
		o->attach = (const char *const *)a->attach;
		o->no_attach = (const char *const *)a->no_attach;
		r = sup_up(st, o);
		if (r == 0 && a->wait && !a->dry_run)
			r = cli_up_wait(st->project, a->wait_timeout, NULL, "up --wait");
		if (r == 0 && a->watch && !a->dry_run)
			watch_after(a, st); /* returns only if it cannot run */
	}
	cfg_stack_free(st);
	lxr_strv_free(a->profiles);
	lxr_strv_free(a->targets);
	lxr_strv_free(a->scale);
	lxr_strv_free(a->attach);
	lxr_strv_free(a->no_attach);
	return r;
}

int cmd_up(int argc, char **argv)
{
	struct stack_args a = {0};
	int r = parse(argc, argv, &a, true);

	if (r != 0)
		return r > 0 ? LXR_EXIT_OK : LXR_EXIT_USAGE;
	return up_with(&a);
}

/* -f FILE, --file FILE or --file=FILE among the options: compose's create */
static bool names_file(int argc, char **argv)
{
	for (int i = 1; i < argc && argv[i][0] == '-'; i++)
		if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--file") ||
		    lxr_str_has_prefix(argv[i], "--file=") || (argv[i][1] == 'f' && argv[i][2]))
			return true;
	return false;
}

int cmd_create(int argc, char **argv)
{
	_cleanup_free_ char *found = NULL;
	struct stack_args a = {0};
	int r;

	/* before the image: --help, and run's -h is its hostname */
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return fputs(cli_help("create"), stdout), LXR_EXIT_OK;
	/* no stack file here, none named (docker's create has no -f): docker's
	 * create of one container */
	if (!cli_globals.file && !cli_globals.project && !cli_globals.compose && argc > 1 &&
	    !names_file(argc, argv) && !cli_find_stack(&found))
		return cli_globals.dry_run ? cli_dry_run_refuse("create")
					   : cli_run_create(argc, argv);
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return fputs(cli_help("create"), stdout), LXR_EXIT_OK;
	r = parse(argc, argv, &a, true);
	if (r != 0)
		return r > 0 ? LXR_EXIT_OK : LXR_EXIT_USAGE;
	a.up.no_start = a.detach = true;
	return up_with(&a);
}

/* down -p NAME -v: the volumes are the ones a stack file declares: -f, else
 * the file the project was brought up from (its record), else the one here. */
static int volumes_stack(const struct stack_args *a, struct cfg_stack **st)
{
	_cleanup_free_ char *recorded = NULL, *found = NULL;
	const char *file = a->file;

	if (!file) {
		recorded = sup_project_files(a->project);
		if (recorded && *recorded) {
			recorded[strcspn(recorded, "\n")] = '\0';
			file = recorded;
		} else if (cli_find_stack(&found)) {
			file = found;
		} else {
			fprintf(
			    stderr,
			    "lxr: error: down %s: project \"%s\" records no stack file and there "
			    "is none here, so nothing says which %s are its own\n"
			    "lxr: hint: pass -f FILE, the stack file that declares them\n",
			    a->volumes ? "-v" : "--rmi", a->project,
			    a->volumes ? "volumes" : "images");
			return LXR_EXIT_USAGE;
		}
	}
	return cli_stack_load(file, a->project, st);
}

/* down -p NAME without -f: the file the project was brought up from, for
 * what outlives the project (its named networks, its volumes' mounts);
 * quietly nothing when there is none or it no longer loads. */
static struct cfg_stack *recorded_stack(const char *project)
{
	_cleanup_free_ char *recorded = sup_project_files(project);
	struct cfg_diags d = {0};
	struct cfg_stack *st = NULL;
	lxr_err err;

	if (!recorded || !*recorded)
		return NULL;
	recorded[strcspn(recorded, "\n")] = '\0';
	struct cfg_load_opts o = {.file = recorded, .project = project};
	if (cfg_stack_load(&o, &st, &d, &err) < 0)
		st = NULL;
	cfg_diags_free(&d);
	return st;
}

static void print_kept(const char *project, char **kept)
{
	if (!kept)
		return;
	fprintf(stderr, "lxr: kept volumes the stack file does not declare:");
	for (size_t i = 0; kept[i]; i++)
		fprintf(stderr, "%s %s", i ? "," : "", kept[i]);
	fprintf(stderr, " (in %s/volumes/%s)\n", lxr_data_dir(), project);
}

static int ignore_event(void *ctx, json_t *ev)
{
	return 0;
}

/* down -t: the supervisor takes the ordered down with that grace (a
 * request, since a signal carries no number); wait for it to end, as
 * sup_down would, so that sup_down finds it gone and only cleans up. */
static void down_with_timeout(const char *project, int timeout)
{
	_cleanup_free_ char *sock = lxr_xasprintf("%s/%s/control.sock", lxr_run_dir(), project);
	struct ctl_conn *conn = NULL;
	json_t *res = NULL;
	lxr_err err;

	if (ctl_connect(sock, &conn, &err) < 0)
		return; /* not up: sup_down cleans up what is left */
	if (ctl_call(conn, "down", json_pack("{s:i}", "timeout", timeout), 30000, &res, &err) == 0)
		ctl_stream(conn, "events", NULL, ignore_event, NULL, &err);
	json_decref(res);
	ctl_close(conn);
}

int cmd_down(int argc, char **argv)
{
	struct stack_args a = {0};
	struct cfg_stack *st = NULL;
	_cleanup_strv_ char **dirs = NULL;
	_cleanup_strv_ char **kept = NULL;
	_cleanup_strv_ char **before = NULL; /* its containers, for the report */
	_cleanup_strv_ char **vols = NULL;   /* down -v: its volumes, for the report */
	lxr_err err;
	int r = parse(argc, argv, &a, false);

	if (r != 0)
		return r > 0 ? LXR_EXIT_OK : LXR_EXIT_USAGE;
	/* -p alone needs no stack file (the project is what is running),
	 * unless -v must learn from one which volumes are the project's */
	r = !a.project           ? cli_stack_open(a.file, NULL, &st)
	    : a.volumes || a.rmi ? volumes_stack(&a, &st)
				 : LXR_EXIT_OK;
	if (r != LXR_EXIT_OK)
		return r;
	if (!a.project)
		a.project = st->project;
	if (!st)
		st = recorded_stack(a.project);
	if (a.volumes)
		dirs = plan_down_volume_dirs(st);
	before = cli_down_before(a.project);
	if (a.volumes && st)
		vols = cli_project_volumes(st, NULL);
	if (a.dry_run) { /* said, not done */
		cli_down_report(a.project, before, st, vols, true);
		if (a.rmi && st)
			cli_down_rmi(st, a.rmi, true);
		goto out;
	}
	if (a.timeout >= 0)
		down_with_timeout(a.project, a.timeout);
	if (sup_down(a.project, dirs, &kept, &err) < 0) {
		lxr_err_print(&err);
		r = LXR_EXIT_FAIL;
	} else {
		/* compose's down --remove-orphans: the one-offs (compose run) too */
		char **oneoffs = a.remove_orphans ? cli_rm_oneoffs(a.project) : NULL;
		for (size_t i = 0; oneoffs && oneoffs[i]; i++)
			lxr_strv_push(&before, lxr_steal_ptr(&oneoffs[i]));
		free(oneoffs);
		/* a store volume's mount goes with its last container; down
		 * -v removes the file's own (never an external one) */
		if (st && a.volumes)
			sup_stack_volumes_remove(st);
		else if (st)
			sup_stack_volumes_release(st);
		cli_down_report(a.project, before, st, vols, false);
		print_kept(a.project, kept);
		if (st)
			sup_stack_networks_release(st);
		if (a.rmi && st && cli_down_rmi(st, a.rmi, false) != LXR_EXIT_OK)
			r = LXR_EXIT_FAIL;
	}
out:
	cfg_stack_free(st);
	lxr_strv_free(a.profiles);
	return r;
}
