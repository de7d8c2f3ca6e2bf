/* lxr pause / unpause: freeze and thaw services' containers (their cgroups)
 * through the running supervisor, which owns them. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lxr/supervisor.h"

/* each command its own help (the format man pages are made from) */
static const char *usage_of(const char *cmd)
{
	return !strcmp(cmd, "unpause")
		   ? "usage: lxr unpause [-f FILE] [-p NAME] [SERVICE|INSTANCE...]\n"
		     "       lxr unpause CONTAINER...   (lxr run -d containers, where no\n"
		     "                                   stack file is found)\n"
		     "\n"
		     "Thaw the services' paused containers (those of `lxr pause`): they run on\n"
		     "where they stopped, health checks and restart policies resume. No\n"
		     "SERVICE: every service. Containers that are not paused are skipped.\n"
		     "\n"
		     "  -f, --file FILE        the stack file (default: compose.yaml & co. here)\n"
		     "  -p, --project-name N   the project (default: the stack file's)\n"
		     "      --dry-run          say which containers it would thaw; do nothing\n"
		     "\n"
		     "Example:\n"
		     "  lxr unpause web\n"
		   : "usage: lxr pause [-f FILE] [-p NAME] [SERVICE|INSTANCE...]\n"
		     "       lxr pause CONTAINER...   (lxr run -d containers, where no\n"
		     "                                 stack file is found)\n"
		     "\n"
		     "Freeze every process of the services' running containers (their\n"
		     "cgroup: v1 freezer, v2 cgroup.freeze), as docker compose pause does. A\n"
		     "paused container shows \"paused\" in `lxr ps`; its health checks wait and\n"
		     "its restart policy does not act; `exec` into it is refused; `stop`,\n"
		     "`restart`, `kill` and `down` thaw it first; `lxr unpause` lets it run\n"
		     "on. No SERVICE: every service. Containers that are not running are\n"
		     "skipped.\n"
		     "\n"
		     "  -f, --file FILE        the stack file (default: compose.yaml & co. here)\n"
		     "  -p, --project-name N   the project (default: the stack file's)\n"
		     "      --dry-run          say which containers it would freeze; do nothing\n"
		     "\n"
		     "Example:\n"
		     "  lxr pause web && lxr ps && lxr unpause web\n";
}

/* `lxr run -d` containers (docker pause NAME): each has a supervisor of its
 * own, a one-instance project */
static int pause_run(const char *cmd, char **names)
{
	int r = LXR_EXIT_OK;

	if (!names[0]) {
		fprintf(stderr, "lxr: error: %s: no stack file here; name the containers\n%s", cmd,
			usage_of(cmd));
		return LXR_EXIT_USAGE;
	}
	for (size_t i = 0; names[i]; i++) {
		json_t *res = NULL;
		lxr_err err;

		if (cli_run_call(names[i], cmd, json_pack("{s:[]}", "services"), 30000, &res,
				 &err) < 0) {
			lxr_err_print(&err);
			r = LXR_EXIT_FAIL;
		} else {
			puts(names[i]);
		}
		json_decref(res);
	}
	return r;
}

int cmd_pause(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"file", required_argument, NULL, 'f'},
	    {"project-name", required_argument, NULL, 'p'},
	    {"dry-run", no_argument, NULL, 'N'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *file = NULL, *project = NULL, *cmd = argv[0];
	_cleanup_free_ char *name = NULL, *found = NULL, *named = NULL;
	struct ctl_conn *conn = NULL;
	json_t *names = json_array(), *res = NULL, *n;
	lxr_err err;
	size_t i;
	int c, r;

	cli_globals_apply(&file, &project);
	optind = 1;
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "f:p:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cli_set_file(&file, optarg) < 0)
				goto usage;
			break;
		case 'p': project = optarg; break;
		case 'N': cli_globals.dry_run = true; break; /* compose's, given here */
		case 'h': json_decref(names); return fputs(usage_of(cmd), stdout), LXR_EXIT_OK;
		default: cli_bad_option(argv[optind - 1], longopts, NULL); goto usage;
		}
	}
	enum cli_where w = cli_where(&file, &project, argv + optind, &found, &named);
	if (w == CLI_WHERE_FAIL || w == CLI_WHERE_RUN) {
		json_decref(names);
		return w == CLI_WHERE_FAIL   ? LXR_EXIT_FAIL
		       : cli_globals.dry_run ? cli_dry_run_refuse(cmd)
					     : pause_run(cmd, argv + optind);
	}
	for (; optind < argc; optind++)
		json_array_append_new(names, json_string(argv[optind]));
	r = cli_project_connect(file, project, &conn, &name);
	if (r != LXR_EXIT_OK) {
		json_decref(names);
		return r;
	}
	if (cli_globals.dry_run) {
		r = cli_dry_run_ctl(conn, cmd, json_pack("{s:o}", "services", names));
		ctl_close(conn);
		return r;
	}
	if (ctl_call(conn, cmd, json_pack("{s:o}", "services", names), 30000, &res, &err) < 0) {
		lxr_err_print(&err);
		ctl_close(conn);
		return LXR_EXIT_FAIL;
	}
	/* compose's progress, on stderr: stdout stays empty */
	json_array_foreach(res, i, n) if (cli_progress_setting() != 3)
	{
		_cleanup_free_ char *dn = cli_stack_docker_name(name, json_string_value(n), NULL);
		fprintf(stderr, " Container %s  %s\n", dn,
			!strcmp(cmd, "pause") ? "Paused" : "Unpaused");
	}
	json_decref(res);
	ctl_close(conn);
	return LXR_EXIT_OK;
usage:
	json_decref(names);
	fputs(usage_of(cmd), stderr);
	return LXR_EXIT_USAGE;
}
