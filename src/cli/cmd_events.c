/* lxr events: a stack's container events as they happen, in docker
 * compose's human form by default, or the supervisor's JSON lines with
 * compose's keys (type, id, action, attributes) beside lxr's. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "lxr/supervisor.h"

struct events_ctx {
	bool json;
	char **services;
	bool has_since, has_until; /* --since, --until: unix times */
	double since, until;
	const char *since_arg, *until_arg; /* as given */
};

static double now_unix(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* lxr's states as docker's event actions, where one fits */
static const char *action_of(const char *state)
{
	static const struct {
		const char *state, *action;
	} map[] = {
	    {"created", "create"},
	    {"running", "start"},
	    {"healthy", "health_status: healthy"},
	    {"unhealthy", "health_status: unhealthy"},
	    {"exited", "die"},
	    {"failed", "die"},
	    {"backoff", "restart"},
	    {"stopping", "kill"},
	    {"stopped", "stop"},
	    {"paused", "pause"},
	    {"unpaused", "unpause"},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(state, map[i].state))
			return map[i].action;
	return state;
}

static bool wanted(const struct events_ctx *c, const char *service)
{
	if (!c->services || !c->services[0])
		return true;
	for (size_t i = 0; c->services[i]; i++)
		if (service && !strcmp(c->services[i], service))
			return true;
	return false;
}

/* compose's "2026-12-03 10:00:00.000000", local time as Go prints it */
static void format_time(double t, char *buf, size_t len)
{
	time_t sec = (time_t)t;
	long usec = (long)((t - (double)sec) * 1e6 + 0.5);
	struct tm tm;
	size_t n;

	if (usec >= 1000000) {
		sec++;
		usec -= 1000000;
	}
	localtime_r(&sec, &tm);
	n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06d", (int)usec);
}

/* The container as docker names it: <project>-<service>-<n>, or its
 * container_name (an instance not named after its service) */
static char *docker_name(json_t *ev)
{
	const char *inst = json_string_value(json_object_get(ev, "instance")) ?: "?";
	const char *svc = json_string_value(json_object_get(ev, "service")) ?: "";
	const char *project = json_string_value(json_object_get(ev, "project"));

	return project ? cli_stack_docker_name(project, inst, svc) : lxr_xstrdup(inst);
}

/* compose's keys beside lxr's in a --json line: type, id, action and
 * attributes (docker's event attributes, less compose's labels) */
static void compose_keys(json_t *ev)
{
	const char *state = json_string_value(json_object_get(ev, "state")) ?: "?";
	json_t *exit_code = json_object_get(ev, "exit");
	char *name = docker_name(ev);
	json_t *attrs = json_pack("{s:s}", "name", name);

	if (json_is_string(json_object_get(ev, "image")))
		json_object_set(attrs, "image", json_object_get(ev, "image"));
	if (json_is_integer(exit_code) && (!strcmp(state, "exited") || !strcmp(state, "failed")))
		json_object_set_new(attrs, "exitCode",
				    json_sprintf("%lld", (long long)json_integer_value(exit_code)));
	json_object_set_new(ev, "type", json_string("container"));
	json_object_set_new(ev, "id", json_string(name));
	json_object_set_new(ev, "action", json_string(action_of(state)));
	json_object_set_new(ev, "attributes", attrs);
	free(name);
}

static void print_human(json_t *ev)
{
	const char *state = json_string_value(json_object_get(ev, "state"));
	const char *svc = json_string_value(json_object_get(ev, "service"));
	const char *blocked = json_string_value(json_object_get(ev, "blocked_by"));
	const char *image = json_string_value(json_object_get(ev, "image"));
	json_t *exit_code = json_object_get(ev, "exit");
	json_t *error = json_object_get(ev, "error");
	_cleanup_free_ char *name = docker_name(ev);
	char when[40];

	format_time(json_number_value(json_object_get(ev, "time")), when, sizeof(when));
	state = state ? state : "?";
	/* attributes in name order (compose's are in Go's map order) */
	printf("%s container %s %s (", when, action_of(state), name);
	if (blocked)
		printf("blocked_by=%s, ", blocked);
	if (error && json_string_value(json_object_get(error, "message")))
		printf("error=%s, ", json_string_value(json_object_get(error, "message")));
	if (json_is_integer(exit_code) &&
	    (!strcmp(state, "exited") || !strcmp(state, "failed") || !strcmp(state, "backoff")))
		printf("exitCode=%lld, ", (long long)json_integer_value(exit_code));
	if (image && *image)
		printf("image=%s, ", image);
	printf("name=%s, service=%s, state=%s)\n", name, svc ? svc : "?", state);
}

static int on_event(void *ctx, json_t *ev)
{
	const struct events_ctx *c = ctx;
	double t = json_number_value(json_object_get(ev, "time"));

	/* the recorded ones (--since) are all here: a past --until ends */
	if (json_is_true(json_object_get(ev, "replayed"))) {
		json_int_t dropped = json_integer_value(json_object_get(ev, "dropped"));
		if (dropped > 0)
			fprintf(stderr,
				"lxr: warning: --since: the %lld oldest events since then are not "
				"shown (one replay sends at most %u KiB)\n",
				(long long)dropped, CTL_REPLAY_MAX / 1024);
		return c->has_until && c->until <= now_unix();
	}
	if (c->has_until && t > c->until)
		return 1;
	if (!wanted(c, json_string_value(json_object_get(ev, "service"))))
		return 0;
	if (c->json) {
		char *s;
		compose_keys(ev);
		s = json_dumps(ev, JSON_COMPACT);
		if (s)
			puts(s);
		free(s);
	} else {
		print_human(ev);
	}
	fflush(stdout);
	return 0;
}

/* What the supervisor replays: from since, to until */
static json_t *replay_args(const struct events_ctx *c)
{
	json_t *a = c->has_since ? json_pack("{s:f}", "since", c->since) : NULL;

	if (a && c->has_until)
		json_object_set_new(a, "until", json_real(c->until));
	return a;
}

/* --since (since) or --until T */
static int set_time(struct events_ctx *c, bool since, const char *arg)
{
	struct timespec ts;
	double t;

	if (cli_parse_time(since ? "--since" : "--until", arg, &ts) < 0)
		return -1;
	t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	if (since)
		c->since = t, c->has_since = true, c->since_arg = arg;
	else
		c->until = t, c->has_until = true, c->until_arg = arg;
	return 0;
}

int cmd_events(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"file", required_argument, NULL, 'f'},
	    {"project-name", required_argument, NULL, 'p'},
	    {"json", no_argument, NULL, 'j'},
	    {"since", required_argument, NULL, 's'},
	    {"until", required_argument, NULL, 'u'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct events_ctx ctx = {0};
	const char *file = NULL, *project = NULL;
	_cleanup_free_ char *name = NULL;
	struct ctl_conn *conn = NULL;
	lxr_err err;
	int64_t until_ms;
	int c, r;

	cli_globals_apply(&file, &project);
	optind = 1;
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "f:p:", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cli_set_file(&file, optarg) < 0)
				return LXR_EXIT_USAGE;
			break;
		case 'p': project = optarg; break;
		case 'j': ctx.json = true; break;
		case 's':
		case 'u':
			if (set_time(&ctx, c == 's', optarg) < 0)
				return LXR_EXIT_USAGE;
			break;
		case 'h': fputs(cli_help("events"), stdout); return LXR_EXIT_OK;
		default:
			cli_bad_option(argv[optind - 1], longopts, cli_help("events"));
			return LXR_EXIT_USAGE;
		}
	}
	ctx.services = argv + optind;
	if (ctx.has_since && ctx.has_until && ctx.since > ctx.until) {
		fprintf(stderr, "lxr: error: events: --since %s is after --until %s\n",
			ctx.since_arg, ctx.until_arg);
		return LXR_EXIT_USAGE;
	}
	/* --until alone: what was recorded up to then too, as docker's */
	if (ctx.has_until && !ctx.has_since)
		ctx.has_since = true, ctx.since = 0;
	r = cli_project_connect(file, project, &conn, &name);
	if (r != LXR_EXIT_OK)
		return r;
	/* a future --until also ends the wait for events when it comes */
	until_ms = ctx.has_until && ctx.until > now_unix()
		       ? (int64_t)((ctx.until - now_unix()) * 1000) + 1
		       : -1;
	r = ctl_stream_until(conn, "events", replay_args(&ctx), until_ms, on_event, &ctx, &err) < 0
		? LXR_EXIT_FAIL
		: LXR_EXIT_OK;
	if (r != LXR_EXIT_OK)
		lxr_err_print(&err);
	ctl_close(conn);
	return r;
}
