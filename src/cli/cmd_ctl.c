/* The commands that ask a running supervisor over its control socket:
 * ps, stop, start, restart, kill, events, top, stats. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "config/text.h"
#include "lxr/config.h"
#include "lxr/supervisor.h"

struct ctl_args {
	const char *file, *project;
	bool json, quiet, service_names;
	int signal;
	int timeout; /* stop/restart -t: seconds; -1: the services' own grace */
	const char *status;
	char **services;
};

static const char usage_text[] =
    "usage: lxr ps [-f FILE] [-p NAME] [-a] [-q | --services] [--status STATE]\n"
    "              [--format json] [SERVICE...]\n"
    "       lxr top|stats [-f FILE] [-p NAME] [--format json] [--no-stream] [SERVICE...]\n"
    "       lxr stop|restart [-f FILE] [-p NAME] [-t SECONDS] [SERVICE...]\n"
    "       lxr start [-f FILE] [-p NAME] [SERVICE...]\n"
    "       lxr kill [-f FILE] [-p NAME] [-s SIGNAL] [SERVICE...]\n"
    "       lxr events [-f FILE] [-p NAME]\n"
    "\n"
    "  -f, --file FILE        the stack file (default: compose.yaml & co. here)\n"
    "  -p, --project-name N   the project (default: the stack file's)\n"
    "  -a, --all              ps: accepted, as compose's (stopped and exited\n"
    "                         instances are always listed)\n"
    "  -q, --quiet            ps: only the instance names (lxr's container ids)\n"
    "      --services         ps: only the service names\n"
    "      --status STATE     ps: only instances in STATE: compose's running,\n"
    "                         restarting, removing, exited, created, dead, or\n"
    "                         one of lxr's (healthy, backoff, stopped, ...);\n"
    "                         also as --filter status=STATE\n"
    "      --no-trunc         ps: accepted (nothing is truncated)\n"
    "      --no-stream        stats: accepted (stats prints once)\n"
    "  -t, --timeout N        stop, restart: seconds before SIGKILL, instead of\n"
    "                         the service's stop_grace_period\n"
    "  -s, --signal SIG       kill: the signal (default KILL)\n";

enum { OPT_SERVICES = 256, OPT_STATUS, OPT_FILTER, OPT_NO_TRUNC, OPT_NO_STREAM };

/* ps --status: compose's words as lxr's states, and lxr's own */
static const char lxr_states[] =
    " created starting running healthy unhealthy exited backoff stopping stopped failed paused ";
static const struct {
	const char *word, *states;
} compose_status[] = {
    {"running", " running healthy unhealthy "},
    {"restarting", " backoff "},
    {"removing", " stopping "},
    {"exited", " exited stopped failed "},
    {"created", " created starting "},
    {"dead", " failed "},
    {"paused", " paused "},
};

/* " a b " holds word */
static bool in_list(const char *list, const char *word)
{
	_cleanup_free_ char *w = lxr_xasprintf(" %s ", word);

	return strstr(list, w) != NULL;
}

static const char *status_states(const char *status)
{
	for (size_t i = 0; i < sizeof(compose_status) / sizeof(compose_status[0]); i++)
		if (!strcmp(status, compose_status[i].word))
			return compose_status[i].states;
	return in_list(lxr_states, status) ? status : NULL;
}

/* ps --status STATE, --filter status=STATE */
static int set_status(struct ctl_args *a, const char *state, const char *opt)
{
	a->status = state;
	if (status_states(state))
		return 0;
	fprintf(stderr,
		"lxr: error: %s %s: not a state\nlxr: hint: compose's running, restarting, "
		"removing, exited, created, dead, paused, or lxr's:%s\n",
		opt, state, lxr_states);
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
static int parse_one(const char *cmd, int c, const char *arg, struct ctl_args *a)
{
	switch (c) {
	case 'f': return cli_set_file(&a->file, optarg);
	case 'p': a->project = optarg; return 0;
	case 'F':
		if (strcmp(optarg, "json") && strcmp(optarg, "table")) {
			fprintf(stderr, "lxr: error: --format %s: use json or table\n", optarg);
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
	case 'a': return only_for(cmd, "ps", arg);
	case 'q': a->quiet = true; return only_for(cmd, "ps", arg);
	case OPT_SERVICES: a->service_names = true; return only_for(cmd, "ps", arg);
	case OPT_STATUS:
		return set_status(a, optarg, "--status") < 0 ? -1 : only_for(cmd, "ps", arg);
	case OPT_FILTER:
		if (strncmp(optarg, "status=", 7)) {
			fprintf(stderr,
				"lxr: error: --filter %s: lxr filters on status=STATE only\n",
				optarg);
			return -1;
		}
		return set_status(a, optarg + 7, "--filter status") < 0 ? -1
									: only_for(cmd, "ps", arg);
	case OPT_NO_TRUNC: return only_for(cmd, "ps", arg);     /* ps never truncates */
	case OPT_NO_STREAM: return only_for(cmd, "stats", arg); /* stats prints once */
	case 't':
		if (only_for(cmd, "stop restart", arg) < 0)
			return -1;
		return parse_timeout(optarg, &a->timeout);
	default:
		fprintf(stderr, "lxr: error: %s: unknown option or missing value\n%s", arg,
			usage_text);
		return -1;
	}
}

static int parse(int argc, char **argv, struct ctl_args *a)
{
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
	    {"no-stream", no_argument, NULL, OPT_NO_STREAM},
	    {"timeout", required_argument, NULL, 't'},
	    {NULL, 0, NULL, 0},
	};
	const char *cmd = argv[0];
	int c;

	cli_globals_apply(&a->file, &a->project);
	optind = 1;
	opterr = 0;
	a->timeout = -1;
	while ((c = getopt_long(argc, argv, "f:p:s:t:aq", longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage_text, stdout);
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
	return o;
}

/* ps --status: only the instances in that state (result is replaced) */
static void filter_status(json_t **result, const char *status)
{
	const char *states = status_states(status);
	_cleanup_free_ char *list = lxr_xasprintf(" %s ", states);
	json_t *kept = json_array(), *o;
	size_t i;

	json_array_foreach(*result, i, o)
	{
		const char *st = json_string_value(json_object_get(o, "state"));
		if (st && in_list(list, st))
			json_array_append(kept, o);
	}
	json_decref(*result);
	*result = kept;
}

static bool seen_before(json_t *result, size_t i, const char *key, const char *n)
{
	for (size_t k = 0; k < i; k++) {
		const char *m = json_string_value(json_object_get(json_array_get(result, k), key));
		if (m && !strcmp(m, n))
			return true;
	}
	return false;
}

/* ps -q: the instance names; ps --services: each service once */
static void print_ps_names(json_t *result, bool services)
{
	const char *key = services ? "service" : "instance";
	size_t i;
	json_t *o;

	json_array_foreach(result, i, o)
	{
		const char *n = json_string_value(json_object_get(o, key));
		if (n && !seen_before(result, i, key, n))
			puts(n);
	}
}

/* Below the table, why an instance is not running: its last start's error
 * whole (errno and hint, as `up` printed it) or the dependency that
 * blocked it. A table cell would cut it short. */
static void print_ps_errors(json_t *result)
{
	bool first = true;
	size_t i;
	json_t *o;

	json_array_foreach(result, i, o)
	{
		const char *name = json_string_value(json_object_get(o, "instance"));
		const char *blocked = json_string_value(json_object_get(o, "blocked_by"));
		json_t *e = json_object_get(o, "error");
		char buf[LXR_ERR_MSG_MAX + 128];
		lxr_err err;

		if (!e && !blocked)
			continue;
		if (first)
			putchar('\n');
		first = false;
		if (blocked) {
			printf("%s: not started: dependency %s\n", name, blocked);
			continue;
		}
		sup_err_from_json(e, &err);
		printf("%s: failed to start: %s\n", name, lxr_err_str(&err, buf, sizeof(buf)));
		if (err.hint[0])
			printf("%s: hint: %s\n", name, err.hint);
	}
}

static void print_ps(json_t *result)
{
	size_t i;
	json_t *o;

	printf("%-16s %-12s %-10s %-10s %8s %8s %5s %-7s %-15s %s\n", "NAME", "SERVICE", "STATE",
	       "HEALTH", "PID", "RESTARTS", "EXIT", "UPTIME", "ADDRESS", "PORTS");
	json_array_foreach(result, i, o)
	{
		json_int_t up = json_integer_value(json_object_get(o, "uptime_s"));
		int exit_code = (int)json_integer_value(json_object_get(o, "exit_code"));
		char ex[16] = "-", upt[32] = "-";

		if (exit_code >= 0)
			snprintf(ex, sizeof(ex), "%d%s", exit_code,
				 json_is_true(json_object_get(o, "oom_killed")) ? "!" : "");
		if (json_integer_value(json_object_get(o, "pid")) > 0)
			snprintf(upt, sizeof(upt), up >= 3600 ? "%lldh%02lldm" : "%lldm%02llds",
				 (long long)(up >= 3600 ? up / 3600 : up / 60),
				 (long long)(up >= 3600 ? up % 3600 / 60 : up % 60));
		json_t *addrs = json_object_get(o, "addresses"),
		       *ports = json_object_get(o, "ports");
		char portlist[256] = "";
		size_t k;
		json_t *p;

		json_array_foreach(ports, k, p)
		    snprintf(portlist + strlen(portlist), sizeof(portlist) - strlen(portlist),
			     "%s%s", k ? ", " : "", json_string_value(p));
		printf("%-16s %-12s %-10s %-10s %8lld %8lld %5s %-7s %-15s %s\n",
		       json_string_value(json_object_get(o, "instance")),
		       json_string_value(json_object_get(o, "service")),
		       json_string_value(json_object_get(o, "state")),
		       json_string_value(json_object_get(o, "health")),
		       (long long)json_integer_value(json_object_get(o, "pid")),
		       (long long)json_integer_value(json_object_get(o, "restarts")), ex, upt,
		       json_array_size(addrs) ? json_string_value(json_array_get(addrs, 0)) : "-",
		       portlist);
	}
	print_ps_errors(result);
}

static void print_top(json_t *result)
{
	size_t i, j;
	json_t *o, *p;

	json_array_foreach(result, i, o)
	{
		printf("%s\n%8s  %s\n", json_string_value(json_object_get(o, "instance")), "PID",
		       "CMD");
		json_array_foreach(json_object_get(o, "processes"), j, p)
		    printf("%8lld  %s\n", (long long)json_integer_value(json_object_get(p, "pid")),
			   json_string_value(json_object_get(p, "cmd")));
	}
}

static void print_stats(json_t *result)
{
	size_t i;
	json_t *o;

	printf("%-16s %12s %12s %14s %6s\n", "NAME", "MEM USAGE", "MEM LIMIT", "CPU TIME", "PIDS");
	json_array_foreach(result, i, o)
	{
		json_t *st = json_object_get(o, "stats");
		json_int_t mem = json_integer_value(json_object_get(st, "memory_bytes"));
		json_int_t lim = json_integer_value(json_object_get(st, "memory_limit"));
		json_int_t cpu = json_integer_value(json_object_get(st, "cpu_usage_usec"));
		char l[32] = "-";
		if (json_integer_value(json_object_get(o, "pid")) <= 0) {
			printf("%-16s %12s %12s %14s %6s\n",
			       json_string_value(json_object_get(o, "instance")), "-", "-", "-",
			       "-");
			continue;
		}
		if (lim > 0)
			snprintf(l, sizeof(l), "%.1fMiB", (double)lim / 1048576.0);
		printf("%-16s %9.1fMiB %12s %12.2fs %6lld\n",
		       json_string_value(json_object_get(o, "instance")),
		       mem >= 0 ? (double)mem / 1048576.0 : 0.0, l,
		       cpu >= 0 ? (double)cpu / 1e6 : 0.0,
		       (long long)json_integer_value(json_object_get(st, "pids")));
	}
}

/* docker stop and compose stop/restart return once it is done: wait while
 * any instance named in done is stopping (or, for start and restart,
 * starting; for restart also in backoff). The supervisor bounds it:
 * SIGKILL after the grace period. *last gets the last `ps`. */
static int wait_settled(struct ctl_conn *conn, json_t *done, const char *cmd, json_t **last,
			lxr_err *err)
{
	bool starts = strcmp(cmd, "stop") != 0, restart = !strcmp(cmd, "restart");

	for (;;) {
		json_t *ps = NULL, *o;
		size_t i, k;
		bool busy = false;

		if (ctl_call(conn, "ps", json_object(), 30000, &ps, err) < 0)
			return -1;
		json_array_foreach(ps, i, o)
		{
			const char *st = json_string_value(json_object_get(o, "state"));
			const char *name = json_string_value(json_object_get(o, "instance"));
			json_t *n;
			json_array_foreach(done, k, n)
			{
				if (!name || !st || strcmp(json_string_value(n), name))
					continue;
				busy |= !strcmp(st, "stopping") ||
					(starts && !strcmp(st, "starting")) ||
					(restart && !strcmp(st, "backoff"));
			}
		}
		if (!busy) {
			*last = ps;
			return 0;
		}
		json_decref(ps);
		usleep(50 * 1000);
	}
}

/* start and restart: an instance named in done that could not start is a
 * failure of the command, said as `up` says it. Returns how many. */
static int report_start_failures(json_t *ps, json_t *done)
{
	int failed = 0;
	size_t i, k;
	json_t *o, *n;

	json_array_foreach(ps, i, o)
	{
		const char *name = json_string_value(json_object_get(o, "instance"));
		json_t *e = json_object_get(o, "error");
		char buf[LXR_ERR_MSG_MAX + 128];
		lxr_err err;

		if (!name || !e)
			continue;
		json_array_foreach(done, k, n)
		{
			if (strcmp(json_string_value(n), name))
				continue;
			sup_err_from_json(e, &err);
			fprintf(stderr, "lxr: error: %s failed to start: %s\n", name,
				lxr_err_str(&err, buf, sizeof(buf)));
			if (err.hint[0])
				fprintf(stderr, "lxr: hint: %s\n", err.hint);
			failed++;
		}
	}
	return failed;
}

static int print_event(void *ctx, json_t *ev)
{
	char *s = json_dumps(ev, JSON_COMPACT);
	if (s) {
		puts(s);
		fflush(stdout);
		free(s);
	}
	return 0;
}

/* ps, stop, kill with no stack here: the `lxr run` containers */
static int run_containers(const char *cmd, const struct ctl_args *a)
{
	if (!strcmp(cmd, "ps") && (a->service_names || a->status)) {
		fprintf(stderr,
			"lxr: error: ps %s: there is no stack file here\n"
			"lxr: hint: name the stack with -f FILE or -p NAME\n",
			a->service_names ? "--services" : "--status");
		return LXR_EXIT_USAGE;
	}
	if (!strcmp(cmd, "ps"))
		return runctl_ps(a->json, a->quiet);
	/* docker stop's default grace: 10 s */
	return runctl_signal(a->services, a->signal ? a->signal : SIGKILL,
			     strcmp(cmd, "stop") ? -1
			     : a->timeout >= 0   ? a->timeout
						 : 10);
}

int cmd_ctl(int argc, char **argv)
{
	struct ctl_args a = {0};
	struct ctl_conn *conn = NULL;
	_cleanup_free_ char *project = NULL, *found = NULL;
	const char *cmd = argv[0];
	json_t *result = NULL;
	lxr_err err;
	int r = parse(argc, argv, &a);

	if (r != 0) {
		lxr_strv_free(a.services);
		return r > 0 ? LXR_EXIT_OK : LXR_EXIT_USAGE;
	}
	/* no stack file here and none named: the `lxr run` containers */
	if (!a.project && !a.file) {
		if (cli_find_stack(&found))
			a.file = found;
		else if (!strcmp(cmd, "ps") || !strcmp(cmd, "stop") || !strcmp(cmd, "kill")) {
			r = run_containers(cmd, &a);
			goto out;
		}
	}
	r = cli_project_connect(a.file, a.project, &conn, &project);
	if (r != LXR_EXIT_OK)
		goto out;
	if (!strcmp(cmd, "events")) {
		r = ctl_stream(conn, "events", NULL, print_event, NULL, &err) < 0 ? LXR_EXIT_FAIL
										  : LXR_EXIT_OK;
		goto out;
	}
	if (ctl_call(conn, cmd, args_json(&a), 30000, &result, &err) < 0) {
		lxr_err_print(&err);
		r = LXR_EXIT_FAIL;
		goto out;
	}
	if (!strcmp(cmd, "stop") || !strcmp(cmd, "start") || !strcmp(cmd, "restart")) {
		json_t *ps = NULL;
		if (wait_settled(conn, result, cmd, &ps, &err) < 0) {
			lxr_err_print(&err);
			r = LXR_EXIT_FAIL;
			goto out;
		}
		if (strcmp(cmd, "stop") && report_start_failures(ps, result))
			r = LXR_EXIT_FAIL;
		json_decref(ps);
	}
	if (!strcmp(cmd, "ps") && a.status)
		filter_status(&result, a.status);
	if (a.quiet || a.service_names) {
		print_ps_names(result, a.service_names);
	} else if (a.json) {
		char *s = json_dumps(result, JSON_INDENT(2));
		puts(s ? s : "null");
		free(s);
	} else if (!strcmp(cmd, "ps")) {
		print_ps(result);
	} else if (!strcmp(cmd, "top")) {
		print_top(result);
	} else if (!strcmp(cmd, "stats")) {
		print_stats(result);
	} else {
		size_t i;
		json_t *n;
		json_array_foreach(result, i, n) printf("%s\n", json_string_value(n));
	}
out:
	json_decref(result);
	if (conn)
		ctl_close(conn);
	lxr_strv_free(a.services);
	return r;
}
