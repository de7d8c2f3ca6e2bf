/* The commands that ask a running supervisor over its control socket:
 * ps, stop, start, restart, kill, top (events, stats: their own files). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/run_opts.h"
#include "config/text.h"
#include "lxr/config.h"
#include "lxr/runtime.h"
#include "lxr/supervisor.h"

struct ctl_args {
	const char *file, *project;
	const char *stack; /* the project opened, for ps --format json's Project */
	bool json, quiet, service_names, no_trunc;
	bool all;            /* ps -a: the stopped ones too */
	const char *tmpl;    /* ps --format TEMPLATE */
	char **only_service; /* ps --filter service=NAME */
	char **only_name;    /* ps --filter name=PART: in the container's name */
	char **only_label;   /* ps --filter label=KEY[=VALUE] */
	int signal;
	int timeout;   /* stop/restart -t: seconds; -1: the services' own grace */
	bool no_deps;  /* restart --no-deps: not the dependents with restart: true */
	char **status; /* ps --status, --filter status= (any of them) */
	char **services;
	char **given; /* each of services as the user named it (docker's name) */
	bool wait;    /* start --wait: until running or healthy, as up --wait */
	int wait_timeout;
	bool no_orphans;  /* ps --orphans=false: only the file's services */
	char **file_svcs; /* ... which are these */
	bool docker_top;  /* top of lxr run containers: docker top's table */
};

enum {
	OPT_SERVICES = 256,
	OPT_STATUS,
	OPT_FILTER,
	OPT_NO_TRUNC,
	OPT_NO_DEPS,
	OPT_WAIT,
	OPT_WAIT_TIMEOUT,
	OPT_ORPHANS,
	OPT_DRY_RUN
};

/* ps --status STATE, --filter status=STATE */
static int set_status(struct ctl_args *a, const char *state, const char *opt)
{
	lxr_strv_push(&a->status, lxr_xstrdup(state));
	if (cli_ps_status_known(state))
		return 0;
	fprintf(stderr,
		"lxr: error: %s %s: not a state\nlxr: hint: compose's running, restarting, "
		"removing, exited, created, dead, paused, or lxr's:%s\n",
		opt, state, cli_ps_states);
	return -1;
}

/* An option that only some of the commands take. */
static int only_for(const char *cmd, const char *cmds, const char *opt)
{
	_cleanup_free_ char *list = lxr_xasprintf(" %s ", cmds);
	_cleanup_free_ char *me = lxr_xasprintf(" %s ", cmd);

	if (strstr(list, me))
		return 0;
	fprintf(stderr, "lxr: error: %s: %s does not take it (only %s)\n", opt, cmd, cmds);
	return -1;
}

static int parse_timeout(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 86400) {
		fprintf(stderr, "lxr: error: --timeout %s: not a number of seconds (0 to 86400)\n",
			s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* One option of cmd's; arg is the word that held it, for the error. */
static const struct option longopts[] = {
    {"file", required_argument, NULL, 'f'},
    {"project-name", required_argument, NULL, 'p'},
    {"format", required_argument, NULL, 'F'},
    {"signal", required_argument, NULL, 's'},
    {"help", no_argument, NULL, 'h'},
    {"all", no_argument, NULL, 'a'},
    {"quiet", no_argument, NULL, 'q'},
    {"services", no_argument, NULL, OPT_SERVICES},
    {"status", required_argument, NULL, OPT_STATUS},
    {"filter", required_argument, NULL, OPT_FILTER},
    {"no-trunc", no_argument, NULL, OPT_NO_TRUNC},
    {"timeout", required_argument, NULL, 't'},
    {"no-deps", no_argument, NULL, OPT_NO_DEPS},
    {"wait", no_argument, NULL, OPT_WAIT},
    {"wait-timeout", required_argument, NULL, OPT_WAIT_TIMEOUT},
    {"orphans", optional_argument, NULL, OPT_ORPHANS},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {NULL, 0, NULL, 0},
};

/* ps --orphans[=true|false] */
static int orphans_option(const char *cmd, const char *arg, struct ctl_args *a)
{
	if (optarg && strcmp(optarg, "true") && strcmp(optarg, "false")) {
		fprintf(stderr, "lxr: error: --orphans=%s: true or false\n", optarg);
		return -1;
	}
	a->no_orphans = optarg && !strcmp(optarg, "false");
	return only_for(cmd, "ps", arg);
}

static int parse_one(const char *cmd, int c, const char *arg, struct ctl_args *a)
{
	switch (c) {
	case 'f': return cli_set_file(&a->file, optarg);
	case 'p': a->project = optarg; return 0;
	case 'F':
		if (!strcmp(cmd, "ps") && strstr(optarg, "{{")) {
			const char *bad = cli_ps_format_check(optarg);
			if (bad) {
				fprintf(stderr,
					"lxr: error: --format: %s\nlxr: hint: the fields are "
					"compose's ({{.Name}} {{.Service}} {{.State}} {{.Status}} "
					"{{.Label \"KEY\"}} ..., {{json .}} all of them)\n",
					bad);
				return -1;
			}
			a->tmpl = optarg; /* "table TEMPLATE" draws the header row */
			return 0;
		}
		if (strcmp(optarg, "json") && strcmp(optarg, "table")) {
			fprintf(stderr, "lxr: error: --format %s: use json or table%s\n", optarg,
				strcmp(cmd, "ps") ? "" : ", or a template ({{.Name}})");
			return -1;
		}
		a->json = !strcmp(optarg, "json");
		return 0;
	case 's':
		if (cfg_parse_signal(optarg, &a->signal) < 0) {
			fprintf(stderr, "lxr: error: -s %s: not a signal (e.g. TERM, SIGHUP, 9)\n",
				optarg);
			return -1;
		}
		return 0;
	case 'a': a->all = true; return only_for(cmd, "ps", arg);
	case 'q': a->quiet = true; return only_for(cmd, "ps", arg);
	case OPT_SERVICES: a->service_names = true; return only_for(cmd, "ps", arg);
	case OPT_STATUS:
		return set_status(a, optarg, "--status") < 0 ? -1 : only_for(cmd, "ps", arg);
	case OPT_FILTER:
		if (!strncmp(optarg, "service=", 8)) {
			lxr_strv_push(&a->only_service, lxr_xstrdup(optarg + 8));
			return only_for(cmd, "ps", arg);
		}
		if (!strncmp(optarg, "name=", 5) || !strncmp(optarg, "label=", 6)) {
			bool name = optarg[0] == 'n';
			lxr_strv_push(name ? &a->only_name : &a->only_label,
				      lxr_xstrdup(optarg + (name ? 5 : 6)));
			return only_for(cmd, "ps", arg);
		}
		if (strncmp(optarg, "status=", 7)) {
			fprintf(
			    stderr,
			    "lxr: error: --filter %s: lxr filters on status=STATE, service=NAME, "
			    "name=PART and label=KEY[=VALUE]\n",
			    optarg);
			return -1;
		}
		return set_status(a, optarg + 7, "--filter status") < 0 ? -1
									: only_for(cmd, "ps", arg);
	case OPT_NO_TRUNC: a->no_trunc = true; return only_for(cmd, "ps", arg);
	case OPT_NO_DEPS: a->no_deps = true; return only_for(cmd, "restart", arg);
	case OPT_WAIT: a->wait = true; return only_for(cmd, "start", arg);
	case OPT_ORPHANS: return orphans_option(cmd, arg, a);
	case OPT_DRY_RUN: /* compose's global one, given here */
		cli_globals.dry_run = true;
		return only_for(cmd, "stop start restart kill", arg);
	case OPT_WAIT_TIMEOUT:
		if (only_for(cmd, "start", arg) < 0 || parse_timeout(optarg, &a->wait_timeout) < 0)
			return -1;
		a->wait = true;
		return 0;
	case 't':
		if (only_for(cmd, "stop restart", arg) < 0)
			return -1;
		return parse_timeout(optarg, &a->timeout);
	default: cli_bad_option(arg, longopts, ctl_usage_of(cmd)); return -1;
	}
}

static int parse(int argc, char **argv, struct ctl_args *a)
{
	const char *cmd = argv[0];
	int c;

	cli_globals_apply(&a->file, &a->project);
	optind = 1;
	opterr = 0;
	a->timeout = -1;
	while ((c = cli_getopt_long(argc, argv, "f:p:s:t:aq", longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(ctl_usage_of(cmd), stdout);
			return 1;
		}
		if (parse_one(cmd, c, argv[optind - 1], a) < 0)
			return -1;
	}
	for (; optind < argc; optind++)
		lxr_strv_push(&a->services, lxr_xstrdup(argv[optind]));
	return 0;
}

static json_t *args_json(const struct ctl_args *a)
{
	json_t *names = json_array();
	for (size_t i = 0; a->services && a->services[i]; i++)
		json_array_append_new(names, json_string(a->services[i]));
	json_t *o =
	    json_pack("{s:o, s:i}", "services", names, "signal", a->signal ? a->signal : SIGKILL);

	if (a->timeout >= 0)
		json_object_set_new(o, "timeout", json_integer(a->timeout));
	if (a->no_deps)
		json_object_set_new(o, "no_deps", json_true());
	return o;
}

/* compose's progress line of a command done to a container */
static const char *done_word(const char *cmd)
{
	static const char *const words[][2] = {
	    {"stop", "Stopped"}, {"start", "Started"}, {"restart", "Restarted"},
	    {"kill", "Killed"},  {"pause", "Paused"},  {"unpause", "Unpaused"},
	    {"rm", "Removed"},   {"wait", "Exited"},
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(cmd, words[i][0]))
			return words[i][1];
	return "Done";
}

/* What a command's result says, ps's filtered first; the result may be
 * replaced */
static int print_result(const char *cmd, json_t **result_p, const struct ctl_args *a)
{
	json_t *result;

	/* compose's ps -a lists the project's one-offs (compose run) too */
	if (!strcmp(cmd, "ps") && a->all && a->stack) {
		json_t *more = runctl_oneoffs(a->stack);
		json_array_extend(*result_p, more);
		json_decref(more);
	}
	if (a->no_orphans)
		cli_ps_drop_orphans(*result_p, a->file_svcs);
	if (!strcmp(cmd, "ps"))
		cli_ps_filter(result_p, a->status, a->all, a->only_service, a->only_name,
			      a->only_label);
	if (!strcmp(cmd, "ps") && a->stack)
		cli_ps_sort_by(*result_p, NULL);
	result = *result_p;
	if (a->quiet || a->service_names) {
		cli_ps_print_names(result, a->service_names);
	} else if (a->json && !strcmp(cmd, "ps")) {
		cli_ps_print_json(result, a->stack);
	} else if (a->json) {
		char *s = json_dumps(result, JSON_INDENT(2));
		puts(s ? s : "null");
		free(s);
	} else if (!strcmp(cmd, "ps")) {
		if (a->tmpl)
			return cli_ps_print_template(result, a->stack, a->tmpl, a->no_trunc) < 0
				   ? LXR_EXIT_FAIL
				   : LXR_EXIT_OK;
		cli_ps_print(result, a->no_trunc);
		cli_ps_print_errors(result);
	} else if (!strcmp(cmd, "top")) {
		cli_top_print(result, a->docker_top);
	} else {
		size_t i;
		json_t *n;
		/* compose prints only progress, on stderr: a script's stdout
		 * stays empty */
		json_array_foreach(result, i, n)
		{
			if (!a->stack || a->given || !json_is_string(n) ||
			    cli_progress_setting() == 3)
				break;
			_cleanup_free_ char *dn =
			    cli_stack_docker_name(a->stack, json_string_value(n), NULL);
			fprintf(stderr, " Container %s  %s\n", dn, done_word(cmd));
		}
		if (a->stack && !a->given)
			return LXR_EXIT_OK;
		/* docker prints each name as it was given */
		json_array_foreach(result, i, n)
		{
			const char *name = json_string_value(n);
			for (size_t k = 0; name && a->given && a->services[k]; k++)
				if (!strcmp(a->services[k], name)) {
					name = a->given[k];
					break;
				}
			printf("%s\n", name);
		}
	}
	return LXR_EXIT_OK;
}

/* ps, stop, kill with no stack here: the `lxr run` containers */
static int run_containers(const char *cmd, const struct ctl_args *a)
{
	if (!strcmp(cmd, "ps") && a->service_names) {
		fprintf(stderr, "lxr: error: ps --services: there is no stack file here\n"
				"lxr: hint: name the stack with -f FILE or -p NAME\n");
		return LXR_EXIT_USAGE;
	}
	if (!strcmp(cmd, "ps")) {
		json_t *result = runctl_ps_all();
		int r = print_result(cmd, &result, a);
		json_decref(result);
		return r;
	}
	/* without -t, the container's own grace (docker's default 10 s) */
	return runctl_signal(a->services, a->signal ? a->signal : SIGKILL, !strcmp(cmd, "stop"),
			     a->timeout);
}

/* `lxr ps` on the boot after a service's on_give_up took the box down:
 * why, from the record the supervisor wrote (on stderr: ps's output stays
 * parseable). */
static void give_up_note(void)
{
	_cleanup_free_ char *text = NULL;
	char project[128] = "", inst[128] = "", action[32] = "", when[64] = "?";
	long long t = 0;
	int restarts = 0, code = 0;
	struct tm tm;

	if (sup_give_up_read(&text) < 0 || !sup_give_up_earlier_boot(text) ||
	    (!strstr(text, "\naction reboot\n") && !strstr(text, "\naction poweroff\n")))
		return;
	for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
		lxr_sscanf(l, "time %lld", &t);
		lxr_sscanf(l, "project %127s", project);
		lxr_sscanf(l, "instance %127s", inst);
		lxr_sscanf(l, "restarts %d", &restarts);
		lxr_sscanf(l, "exit %d", &code);
		lxr_sscanf(l, "action %31s", action);
	}
	if (t && gmtime_r(&(time_t){(time_t)t}, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fprintf(stderr,
		"lxr: note: before this boot, %s of project %s gave up after %d restart(s) "
		"(exit %d) on %s, and its x-lxr on_give_up: %s took the box down\n",
		inst, project, restarts, code, when, action);
}

/* cmd on the supervisor conn answers for (a stack's, or an lxr run -d
 * container's own), printed */
static int ctl_one(struct ctl_conn *conn, const char *cmd, struct ctl_args *a)
{
	json_t *result = NULL;
	lxr_err err;
	int r = LXR_EXIT_OK;

	if (ctl_call(conn, cmd, args_json(a), 30000, &result, &err) < 0) {
		lxr_err_print(&err);
		return LXR_EXIT_FAIL;
	}
	if (!strcmp(cmd, "stop") || !strcmp(cmd, "start") || !strcmp(cmd, "restart")) {
		json_t *ps = NULL;
		if (cli_ctl_wait_settled(conn, result, cmd, &ps, &err) < 0) {
			lxr_err_print(&err);
			json_decref(result);
			return LXR_EXIT_FAIL;
		}
		if (strcmp(cmd, "stop") && cli_ctl_start_failures(ps, result))
			r = LXR_EXIT_FAIL;
		json_decref(ps);
	}
	r = print_result(cmd, &result, a) != LXR_EXIT_OK ? LXR_EXIT_FAIL : r;
	json_decref(result);
	return r;
}

/* docker top NAME of a container in the foreground of its lxr run: false
 * when there is no such running container */
static bool top_foreground(const char *name)
{
	_cleanup_free_ char *root = lxr_xasprintf("%s/_run", lxr_run_dir());
	struct lxr_container_ref ref;
	json_t *one;
	lxr_err err;

	if (strchr(name, '/') || name[0] == '.' || rt_container_find(root, name, &ref, &err) < 0)
		return false;
	one = json_pack("[{s:s, s:o}]", "instance", name, "processes",
			sup_top_json(ref.cgroup_group, ref.id, ref.pid));
	rt_container_ref_free(&ref);
	cli_top_print(one, true);
	json_decref(one);
	return true;
}

/* top, start and restart with no stack here: each `lxr run -d` container
 * named, through its own supervisor (docker top/start/restart NAME); a
 * stopped one is started again under a new one (run_keep.c) */
static int run_each(const char *cmd, struct ctl_args *a)
{
	char **names = a->services;
	int r = LXR_EXIT_OK;

	if (!names || !names[0])
		return cli_run_connect(cmd, NULL, NULL);
	a->services = lxr_xcalloc(2, sizeof(char *));
	a->docker_top = true;
	for (size_t i = 0; names[i]; i++) {
		struct ctl_conn *conn = NULL;
		int one;
		/* a foreground one has no supervisor: its cgroup, read here */
		if (!strcmp(cmd, "top") && !sup_run_alive(names[i]) && top_foreground(names[i]))
			continue;
		/* a kept one that has stopped: started again (docker start) */
		if ((!strcmp(cmd, "start") || !strcmp(cmd, "restart")) &&
		    !sup_run_alive(names[i]) && run_keep_exists(names[i])) {
			if ((one = run_keep_start(names[i])) != LXR_EXIT_OK)
				r = one;
			continue;
		}
		/* a stopped one-off of a stack (lxr compose run) keeps no record
		 * to start from: it is its stack's, run anew */
		if ((!strcmp(cmd, "start") || !strcmp(cmd, "restart")) &&
		    !sup_run_alive(names[i]) && run_kept_dir(names[i])) {
			fprintf(stderr,
				"lxr: error: %s %s: a one-off of a stack (lxr compose run) is not "
				"started again\nlxr: hint: `lxr rm %s`, and `lxr compose run` it "
				"anew\n",
				cmd, names[i], names[i]);
			r = LXR_EXIT_FAIL;
			continue;
		}
		one = cli_run_connect(cmd, names[i], &conn);
		if (one == LXR_EXIT_OK) {
			a->services[0] = names[i];
			one = ctl_one(conn, cmd, a);
			ctl_close(conn);
		}
		if (one != LXR_EXIT_OK)
			r = one;
	}
	free(a->services);
	a->services = names;
	return r;
}

/* the `lxr run` containers a command with no stack file names (all of
 * them when it names none) */
static int run_group(const char *cmd, struct ctl_args *a)
{
	return !strcmp(cmd, "ps") || !strcmp(cmd, "stop") || !strcmp(cmd, "kill")
		   ? run_containers(cmd, a)
		   : run_each(cmd, a);
}

struct name_group {
	char *project;   /* NULL: the `lxr run` containers */
	char **services; /* the names, as the project's supervisor knows them */
	char **given;    /* ... and as they were given */
};

/* No stack file here: each name an `lxr run` container or a stack's
 * container as docker names it (`lxr stop $(lxr ps -q)` names both), each
 * group sent to its own supervisors, the run containers first */
static int no_stack(const char *cmd, struct ctl_args *a)
{
	struct name_group *g = lxr_xcalloc(1, sizeof(*g));
	char **names = a->services;
	size_t n = 1;
	int r = LXR_EXIT_OK;

	if (a->wait) {
		free(g);
		fprintf(stderr, "lxr: error: start --wait: a project's (compose start); no stack "
				"file here\nlxr: hint: give -f FILE or -p NAME\n");
		return LXR_EXIT_USAGE;
	}
	if (!strcmp(cmd, "ps") || !names || !names[0]) {
		free(g);
		return run_group(cmd, a);
	}
	for (size_t i = 0; names[i]; i++) {
		_cleanup_free_ char *project = NULL;
		char *one[] = {lxr_xstrdup(names[i]), NULL};
		size_t k = 0;
		int w = cli_names_in_project(one, &project);
		if (w < 0) {
			free(one[0]);
			r = LXR_EXIT_FAIL;
			continue;
		}
		while (k < n && !(g[k].project == project ||
				  (g[k].project && project && !strcmp(g[k].project, project))))
			k++;
		if (k == n) {
			g = lxr_xrealloc(g, ++n * sizeof(*g));
			g[k] = (struct name_group){lxr_steal_ptr(&project), NULL, NULL};
		}
		lxr_strv_push(&g[k].services, one[0]);
		lxr_strv_push(&g[k].given, lxr_xstrdup(names[i]));
	}
	for (size_t k = 0; k < n; k++) {
		struct ctl_conn *conn = NULL;
		_cleanup_free_ char *name = NULL;
		int one = LXR_EXIT_OK;
		a->services = g[k].services;
		a->given = g[k].project ? g[k].given : NULL; /* a run one's is its own */
		if (g[k].services && !g[k].project)
			one = run_group(cmd, a);
		else if (g[k].services && (one = cli_project_connect(NULL, g[k].project, &conn,
								     &name)) == LXR_EXIT_OK)
			one = ctl_one(conn, cmd, a);
		if (conn)
			ctl_close(conn);
		if (one != LXR_EXIT_OK)
			r = one;
		free(g[k].project);
		lxr_strv_free(g[k].services);
		lxr_strv_free(g[k].given);
	}
	a->given = NULL;
	free(g);
	a->services = names;
	return r;
}

int cmd_ctl(int argc, char **argv)
{
	struct ctl_args a = {0};
	struct ctl_conn *conn = NULL;
	_cleanup_free_ char *project = NULL, *found = NULL;
	const char *cmd = argv[0];
	bool down = false;
	int r = parse(argc, argv, &a);

	if (r != 0) {
		lxr_strv_free(a.services);
		lxr_strv_free(a.only_service);
		lxr_strv_free(a.only_name);
		lxr_strv_free(a.only_label);
		lxr_strv_free(a.status);
		return r > 0 ? LXR_EXIT_OK : LXR_EXIT_USAGE;
	}
	if (!strcmp(cmd, "ps") && !a.quiet && !a.json)
		give_up_note();
	/* no stack file here and none named: the `lxr run` containers, and
	 * the containers of stacks named as docker names them; so are names
	 * that are all `lxr run` containers' beside a stack file, none of
	 * them its service's (docker's `lxr stop web1` in a project) */
	if (!a.project && !a.file) {
		if (!cli_find_stack(&found) || cli_names_are_dockers(a.services, found)) {
			r = cli_globals.dry_run ? cli_dry_run_refuse(cmd) : no_stack(cmd, &a);
			goto out;
		}
		a.file = found;
	}
	if (a.no_orphans &&
	    (r = cli_ps_file_services(a.file, a.project, &a.file_svcs)) != LXR_EXIT_OK)
		goto out;
	/* compose's stop, kill, restart, top, pause and unpause act on the
	 * containers there are: none of a project that is down, and done */
	static const char *const on_what_is[] = {"ps", "stop", "kill", "restart", "top"};
	bool none_ok = false;
	for (size_t i = 0; i < sizeof(on_what_is) / sizeof(on_what_is[0]); i++)
		none_ok = none_ok || !strcmp(cmd, on_what_is[i]);
	r = cli_project_open(a.file, a.project, &conn, &project, none_ok ? &down : NULL);
	if (r == LXR_EXIT_OK && down && strcmp(cmd, "ps")) {
		if (!strcmp(cmd, "kill"))
			fprintf(stderr, "no container to kill\n");
	} else if (r == LXR_EXIT_OK && down) {
		/* compose's ps of a project with no containers: an empty list
		 * (with --format json, no line at all) */
		json_t *none = json_array();
		a.stack = project;
		if (a.all || a.tmpl) /* its one-offs (compose run) may outlive it */
			r = print_result(cmd, &none, &a);
		else if (!a.quiet && !a.service_names && !a.json)
			cli_ps_print(none, a.no_trunc);
		json_decref(none);
	} else if (r == LXR_EXIT_OK && cli_globals.dry_run) {
		r = cli_dry_run_ctl(conn, cmd, args_json(&a));
	} else if (r == LXR_EXIT_OK) {
		a.stack = project;
		r = ctl_one(conn, cmd, &a);
		if (r == LXR_EXIT_OK && a.wait)
			r = cli_up_wait(project, a.wait_timeout, a.services, "start --wait");
	}
out:
	if (conn)
		ctl_close(conn);
	lxr_strv_free(a.services);
	lxr_strv_free(a.only_service);
	lxr_strv_free(a.only_name);
	lxr_strv_free(a.only_label);
	lxr_strv_free(a.status);
	lxr_strv_free(a.file_svcs);
	return r;
}
