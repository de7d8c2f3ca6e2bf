/* lxr inspect: what the supervisor knows of each instance, as JSON. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/run_opts.h"
#include "lxr/supervisor.h"

int cli_run_inspect(const char *name, json_t *out, lxr_err *err)
{
	json_t *res = NULL;
	int r = 0;

	if (cli_run_call(name, "inspect", json_pack("{s:[]}", "services"), 30000, &res, err) == 0)
		json_array_extend(out, res);
	else if ((res = cli_run_record(name, SUP_RUN_INSPECT)))
		json_array_append(out, res); /* ended: what its supervisor left */
	/* one no supervisor looks after: in the foreground of its `lxr run`,
	 * ended there, or made by lxr create */
	else if (err->errnum == ESRCH && (res = run_keep_inspect(name, err)))
		json_array_append(out, res);
	else
		r = -1;
	json_decref(res);
	return r;
}

json_t *cli_inspect_named(const char *name, lxr_err *err)
{
	_cleanup_free_ char *project = NULL, *pname = NULL;
	char *one[] = {lxr_xstrdup(name), NULL};
	struct ctl_conn *conn = NULL;
	json_t *res = NULL, *o = NULL;

	if (run_kept_dir(name)) {
		res = json_array();
		if (cli_run_inspect(name, res, err) == 0)
			o = json_incref(json_array_get(res, 0));
	} else if (cli_names_in_project(one, &project) != 1) {
		lxr_fail(err, ENOENT, "no container named %s", name);
		lxr_err_hint(err,
			     "`lxr ps -a` lists the containers, by the names docker gives them");
	} else if (cli_project_connect(NULL, project, &conn, &pname) != LXR_EXIT_OK) {
		lxr_fail(err, ESRCH, "no supervisor of %s to ask", name);
	} else if (ctl_call(conn, "inspect", json_pack("{s:[s]}", "services", one[0]), 30000, &res,
			    err) == 0) {
		o = json_incref(json_array_get(res, 0));
	}
	if (conn)
		ctl_close(conn);
	json_decref(res);
	free(one[0]);
	return o;
}

/* `lxr run -d` containers: each its own supervisor's one instance */
static int inspect_run(char **names, json_t *out)
{
	int r = LXR_EXIT_OK;

	if (!names[0]) {
		fprintf(stderr, "lxr: error: inspect: no stack file here; name the containers\n%s",
			cli_help("inspect"));
		return LXR_EXIT_USAGE;
	}
	for (size_t i = 0; names[i]; i++) {
		lxr_err err;
		if (cli_run_inspect(names[i], out, &err) < 0) {
			lxr_err_print(&err);
			r = LXR_EXIT_FAIL;
		}
	}
	return r;
}

/* The `lxr run` containers named, printed as the format says */
static int inspect_runs(char **names, const char *format)
{
	json_t *out = json_array();
	int r = inspect_run(names, out);

	if (json_array_size(out) &&
	    cli_print_each(out, format, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != LXR_EXIT_OK)
		r = LXR_EXIT_FAIL;
	json_decref(out);
	return r;
}

int cmd_inspect(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"file", required_argument, NULL, 'f'},
	    {"project-name", required_argument, NULL, 'p'},
	    {"format", required_argument, NULL, 'F'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *file = NULL, *project = NULL, *format = NULL;
	_cleanup_free_ char *name = NULL, *found = NULL, *named = NULL;
	struct ctl_conn *conn = NULL;
	json_t *names = json_array(), *res = NULL;
	lxr_err err;
	int c, r;

	cli_globals_apply(&file, &project);
	optind = 1;
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "f:p:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			/* docker inspect's -f is its --format */
			if (strstr(optarg, "{{")) {
				format = optarg;
				break;
			}
			if (cli_set_file(&file, optarg) < 0)
				goto usage;
			break;
		case 'F': format = optarg; break;
		case 'p': project = optarg; break;
		case 'h':
			json_decref(names);
			return fputs(cli_help("inspect"), stdout), LXR_EXIT_OK;
		default: cli_bad_option(argv[optind - 1], longopts, NULL); goto usage;
		}
	}
	if (cli_format_check(format) < 0) {
		json_decref(names);
		return LXR_EXIT_USAGE;
	}
	enum cli_where w = cli_where(&file, &project, argv + optind, &found, &named);
	if (w == CLI_WHERE_FAIL || w == CLI_WHERE_RUN) {
		json_decref(names);
		return w == CLI_WHERE_FAIL ? LXR_EXIT_FAIL : inspect_runs(argv + optind, format);
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
	r = cli_print_each(res, format, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(res);
	ctl_close(conn);
	return r;
usage:
	json_decref(names);
	fputs(cli_help("inspect"), stderr);
	return LXR_EXIT_USAGE;
}
