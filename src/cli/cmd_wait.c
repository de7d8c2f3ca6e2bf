/* lxr wait SERVICE...: block until every instance of the services has
 * ended (exited, stopped, or given up on), then say each one's end in the
 * order they ended (`container "proj-job-1" exited with status code 3`)
 * and exit with the last one's code, as `docker compose wait` does;
 * --down-project then takes the project down, as `down --remove-orphans`
 * does. Containers named as docker names them (no stack file here), or of
 * `lxr run -d`: docker wait's, each one's code. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lxr/supervisor.h"

static int parse(int argc, char **argv, const char **file, const char **project, bool *down)
{
	static const struct option longopts[] = {
	    {"file", required_argument, NULL, 'f'},
	    {"project-name", required_argument, NULL, 'p'},
	    {"down-project", no_argument, NULL, 'D'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	cli_globals_apply(file, project);
	optind = 0; /* options among the names too, as docker's */
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "f:p:", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cli_set_file(file, optarg) < 0)
				return -1;
			break;
		case 'p': *project = optarg; break;
		case 'D': *down = true; break;
		case 'h': fputs(cli_help("wait"), stdout); return 1;
		default: cli_bad_option(argv[optind - 1], longopts, cli_help("wait")); return -1;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "lxr: error: wait: name the services to wait for\n%s",
			cli_help("wait"));
		return -1;
	}
	return 0;
}

static bool ended(json_t *ps)
{
	size_t i;
	json_t *o;

	json_array_foreach(ps, i, o)
	{
		const char *st = json_string_value(json_object_get(o, "state")) ?: "";
		if (strcmp(st, "exited") && strcmp(st, "stopped") && strcmp(st, "failed"))
			return false;
	}
	return true;
}

static json_t *names_of(char *const *services)
{
	json_t *names = json_array();

	for (size_t i = 0; services[i]; i++)
		json_array_append_new(names, json_string(services[i]));
	return names;
}

/* Ask the supervisor's ps (it has the exit codes, and it is what restarts)
 * again whenever its events say something changed, and once a second
 * should they say nothing */
static int wait_ended(struct ctl_conn *conn, char *const *services, json_t **ps)
{
	lxr_err err;
	bool events = ctl_send(conn, "events", NULL, &err) == 0;

	for (;;) {
		json_t *names = names_of(services);
		if (ctl_call(conn, "ps", json_pack("{s:o}", "services", names), 30000, ps, &err) <
		    0) {
			lxr_err_print(&err);
			return LXR_EXIT_FAIL;
		}
		if (ended(*ps))
			return LXR_EXIT_OK;
		json_decref(*ps);
		*ps = NULL;
		if (!events) {
			usleep(100 * 1000);
		} else if (ctl_wait_any(conn, 1000, &err) < 0) {
			lxr_err_print(&err);
			return LXR_EXIT_FAIL;
		}
	}
}

/* docker wait's output: each one's code, in the order named; the first's
 * is the exit code, as lxr's wait of run containers gives it */
static int docker_codes(json_t *ps, char **names)
{
	int first = -1;
	size_t i;
	json_t *o;

	for (char **s = names; *s; s++)
		json_array_foreach(ps, i, o)
		{
			const char *in = json_string_value(json_object_get(o, "instance"));
			int code = (int)json_integer_value(json_object_get(o, "exit_code"));
			if (strcmp(cli_ps_name(o) ?: "", *s) && strcmp(in ?: "", *s))
				continue;
			printf("%d\n", code);
			if (first < 0)
				first = code;
		}
	fflush(stdout);
	return first < 0 ? 0 : first;
}

int cmd_wait(int argc, char **argv)
{
	const char *file = NULL, *project = NULL;
	_cleanup_free_ char *name = NULL, *found = NULL, *named = NULL;
	struct ctl_conn *conn = NULL;
	json_t *ps = NULL, *o;
	size_t i;
	bool down = false;
	int r = parse(argc, argv, &file, &project, &down), last = 0;

	if (r != 0)
		return r > 0 ? LXR_EXIT_OK : LXR_EXIT_USAGE;
	/* no stack file here: `lxr run -d` containers, as docker wait */
	enum cli_where w = cli_where(&file, &project, argv + optind, &found, &named);
	if (w == CLI_WHERE_FAIL)
		return LXR_EXIT_FAIL;
	if (w == CLI_WHERE_RUN && down) {
		fprintf(stderr, "lxr: error: wait --down-project: no project here\n"
				"lxr: hint: give -f FILE or -p NAME, or run it beside the stack "
				"file\n");
		return LXR_EXIT_USAGE;
	}
	if (w == CLI_WHERE_RUN)
		return runctl_wait(argv + optind);
	r = cli_project_connect(file, project, &conn, &name);
	if (r == LXR_EXIT_OK)
		r = wait_ended(conn, argv + optind, &ps);
	if (conn)
		ctl_close(conn);
	if (r != LXR_EXIT_OK)
		return r;
	/* nothing to wait for (a service rm emptied): compose's error, and
	 * no --down-project */
	if (!json_array_size(ps)) {
		json_decref(ps);
		fprintf(stderr, "lxr: error: no containers for project \"%s\"\n", name);
		return LXR_EXIT_FAIL;
	}
	/* containers named as docker names them: docker wait's, each code in
	 * the order named */
	if (w == CLI_WHERE_PROJECT) {
		r = docker_codes(ps, argv + optind);
		json_decref(ps);
		return r;
	}
	/* in the order they ended; the code is the last one's */
	cli_ps_sort_by(ps, "finished_ns");
	json_array_foreach(ps, i, o)
	{
		last = (int)json_integer_value(json_object_get(o, "exit_code"));
		printf("container \"%s\" exited with status code %d\n", cli_ps_name(o), last);
	}
	json_decref(ps);
	fflush(stdout);
	if (down) {
		char *args[] = {"down", "-p", name, "--remove-orphans", NULL};
		if (cmd_down(4, args) != LXR_EXIT_OK)
			return LXR_EXIT_FAIL;
	}
	return last;
}
