/* lxr inspect: what the supervisor knows of each instance, as JSON. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lxr/supervisor.h"

static const char inspect_usage[] =
    "usage: lxr inspect [-f FILE] [-p NAME] [SERVICE|INSTANCE...]\n"
    "       lxr inspect CONTAINER...   (lxr run -d containers, where no stack file\n"
    "                                   is found)\n"
    "\n"
    "Print a JSON array with one object per instance (every instance when none\n"
    "is named), in docker inspect's words where docker has them:\n"
    "  Name, Service, Project\n"
    "  State      Status (created, running, paused, restarting, exited, dead),\n"
    "             Running, Paused, Restarting, OOMKilled, Pid, ExitCode, Error,\n"
    "             StartedAt, FinishedAt, RestartCount, LxrState (lxr's own\n"
    "             state, as `lxr ps` shows it), and with a health check\n"
    "             Health: Status, FailingStreak and Log, the last 5 checks\n"
    "             (Start, End, ExitCode, Output: its last 4 KiB)\n"
    "  Ports      as `lxr ps` shows them\n"
    "  Networks   each network and the instance's IPAddress on it\n"
    "  Plan       the instance's whole plan, as `lxr up --dry-run=plan`\n"
    "\n"
    "  -f, --file FILE        the stack file (default: compose.yaml & co. here)\n"
    "  -p, --project-name N   the project (default: the stack file's)\n"
    "\n"
    "Example:\n"
    "  lxr inspect web-1 | jq -r '.[0].State.Health.Log[-1].Output'\n";

/* `lxr run -d` containers: each its own supervisor's one instance */
static int inspect_run(char **names, json_t *out)
{
	int r = LXR_EXIT_OK;

	if (!names[0]) {
		fprintf(stderr, "lxr: error: inspect: no stack file here; name the containers\n%s",
			inspect_usage);
		return LXR_EXIT_USAGE;
	}
	for (size_t i = 0; names[i]; i++) {
		_cleanup_free_ char *dir = sup_run_dir_of(names[i]);
		_cleanup_free_ char *sock = lxr_xasprintf("%s/control.sock", dir);
		struct ctl_conn *conn = NULL;
		json_t *res = NULL;
		lxr_err err;

		if (ctl_connect(sock, &conn, &err) < 0) {
			fprintf(stderr, "lxr: error: no such running container: %s\n", names[i]);
			r = LXR_EXIT_FAIL;
			continue;
		}
		if (ctl_call(conn, "inspect", json_pack("{s:[]}", "services"), 30000, &res, &err) <
		    0) {
			lxr_err_print(&err);
			r = LXR_EXIT_FAIL;
		} else {
			json_array_extend(out, res);
		}
		json_decref(res);
		ctl_close(conn);
	}
	return r;
}

static void print_json(json_t *res)
{
	char *text = json_dumps(res, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	puts(text ? text : "[]");
	free(text);
}

int cmd_inspect(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"file", required_argument, NULL, 'f'},
	    {"project-name", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *file = NULL, *project = NULL;
	_cleanup_free_ char *name = NULL, *found = NULL;
	struct ctl_conn *conn = NULL;
	json_t *names = json_array(), *res = NULL;
	lxr_err err;
	int c, r;

	cli_globals_apply(&file, &project);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "f:p:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cli_set_file(&file, optarg) < 0)
				goto usage;
			break;
		case 'p': project = optarg; break;
		case 'h': json_decref(names); return fputs(inspect_usage, stdout), LXR_EXIT_OK;
		default: cli_bad_option(argv[optind - 1], longopts, NULL); goto usage;
		}
	}
	if (!file && !project) {
		if (!cli_find_stack(&found)) {
			json_t *out = json_array();
			r = inspect_run(argv + optind, out);
			if (json_array_size(out))
				print_json(out);
			json_decref(out);
			json_decref(names);
			return r;
		}
		file = found;
	}
	for (; optind < argc; optind++)
		json_array_append_new(names, json_string(argv[optind]));
	r = cli_project_connect(file, project, &conn, &name);
	if (r != LXR_EXIT_OK) {
		json_decref(names);
		return r;
	}
	if (ctl_call(conn, "inspect", json_pack("{s:o}", "services", names), 30000, &res, &err) <
	    0) {
		lxr_err_print(&err);
		ctl_close(conn);
		return LXR_EXIT_FAIL;
	}
	print_json(res);
	json_decref(res);
	ctl_close(conn);
	return LXR_EXIT_OK;
usage:
	json_decref(names);
	fputs(inspect_usage, stderr);
	return LXR_EXIT_USAGE;
}
