/* compose's global --dry-run: which commands have one here, and what a dry
 * run says. Each line is the one compose prints of what it did, with
 * compose's "DRY-RUN MODE - " before it ("DRY-RUN MODE - Container
 * web-1  Stopped"); nothing is stopped, started, pulled or removed. The
 * commands of `lxr run` containers and of one REF (docker's, which has no
 * dry run) refuse it. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lxr/supervisor.h"

/* the commands with a dry run: a project's, which compose has */
static const char *const dry_cmds[] = {"up",    "down",    "build", "create", "stop",
				       "start", "restart", "kill",  "pause",  "unpause",
				       "rm",    "pull",    "push"};

int cli_dry_run_check(const char *cmd)
{
	for (size_t i = 0; i < sizeof(dry_cmds) / sizeof(dry_cmds[0]); i++)
		if (!strcmp(cmd, dry_cmds[i]))
			return 0;
	fprintf(stderr,
		"lxr: error: --dry-run %s: lxr has a dry run of up, down, create, build, stop, "
		"start, restart, kill, pause, unpause, rm, pull and push only\n"
		"lxr: hint: `lxr --dry-run up` (or `up --dry-run`) shows what up would do\n",
		cmd);
	return -1;
}

int cli_dry_run_refuse(const char *cmd)
{
	fprintf(stderr,
		"lxr: error: --dry-run %s: a dry run is a project's (compose %s); lxr run "
		"containers and a single REF have none\n"
		"lxr: hint: name the project with -f FILE or -p NAME, or leave --dry-run out\n",
		cmd, cmd);
	return LXR_EXIT_USAGE;
}

void cli_done_line(const char *kind, const char *name, const char *verb, bool dry)
{
	int mode = cli_progress_setting();
	bool tty = mode == 2 || (mode == 0 && isatty(STDERR_FILENO));
	bool colour = tty && log_color_wanted(STDERR_FILENO, false);
	const char *pre = dry ? "DRY-RUN MODE - " : "";

	if (mode == 3)
		return;
	if (tty)
		fprintf(stderr, " %s\u2714%s %s%s %-20s %s\n", colour ? "\033[32m" : "",
			colour ? "\033[0m" : "", pre, kind, name, verb);
	else
		fprintf(stderr, " %s%s %s  %s\n", pre, kind, name, verb);
}

/* what compose says a container became */
static const char *done_verb(const char *cmd)
{
	static const char *const verbs[][2] = {{"stop", "Stopped"},      {"start", "Started"},
					       {"restart", "Restarted"}, {"kill", "Killed"},
					       {"pause", "Paused"},      {"unpause", "Unpaused"}};

	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(cmd, verbs[i][0]))
			return verbs[i][1];
	return "Done";
}

int cli_dry_run_ctl(struct ctl_conn *conn, const char *cmd, json_t *args)
{
	json_t *would = NULL, *n;
	lxr_err err;
	size_t i;

	json_object_set_new(args, "cmd", json_string(cmd));
	if (ctl_call(conn, "would", args, 30000, &would, &err) < 0) {
		lxr_err_print(&err);
		return LXR_EXIT_FAIL;
	}
	json_array_foreach(would, i, n)
	    cli_done_line("Container", json_string_value(n), done_verb(cmd), true);
	json_decref(would);
	return LXR_EXIT_OK;
}
