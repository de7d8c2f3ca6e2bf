/* lxr rollback SERVICE...: back to the image and configuration a service
 * ran before its last update (`docker service rollback`, for a stack's
 * service). The supervisor does it, by the service's rollback_config;
 * this asks, waits and prints how it went. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "lxr/supervisor.h"

int cmd_rollback(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"file", required_argument, NULL, 'f'},
	    {"project-name", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *file = NULL, *project = NULL;
	_cleanup_free_ char *name = NULL;
	struct ctl_conn *conn = NULL;
	int c, r;

	cli_globals_apply(&file, &project);
	optind = 0; /* options among the names too, as docker's */
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "f:p:", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cli_set_file(&file, optarg) < 0)
				return LXR_EXIT_USAGE;
			break;
		case 'p': project = optarg; break;
		case 'h': fputs(cli_help("rollback"), stdout); return LXR_EXIT_OK;
		default:
			cli_bad_option(argv[optind - 1], longopts, cli_help("rollback"));
			return LXR_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "lxr: error: rollback: name the services to roll back\n%s",
			cli_help("rollback"));
		return LXR_EXIT_USAGE;
	}
	r = cli_project_connect(file, project, &conn, &name);
	if (r == LXR_EXIT_OK)
		r = sup_rollback_services(conn, (const char *const *)argv + optind);
	if (conn)
		ctl_close(conn);
	return r;
}
