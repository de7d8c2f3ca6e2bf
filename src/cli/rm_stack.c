/* lxr rm in a project: docker compose rm. A service's containers go once
 * they have stopped (with -s, the removal stops them): the running
 * supervisor takes the service to no instances, as `lxr scale SERVICE=0`
 * does, and the next `up` makes them again from the file; -v takes their
 * anonymous volumes too. A service with a container still running is
 * left, and said so. A dry run says what would go. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lxr/config.h"
#include "lxr/supervisor.h"

static bool running_state(const char *st)
{
	return strcmp(st, "exited") && strcmp(st, "stopped") && strcmp(st, "failed") &&
	       strcmp(st, "created");
}

/* The services to remove, from ps: those named (or every one), each
 * with no instance running unless stop (their removal stops them, with
 * their grace); the running ones said */
static char **removable(json_t *ps, char *const *names, bool stop, bool *any_running)
{
	char **out = NULL;
	size_t i;
	json_t *o;

	*any_running = false;
	json_array_foreach(ps, i, o)
	{
		const char *svc = json_string_value(json_object_get(o, "service")) ?: "";
		bool named = !names || !names[0];
		for (size_t k = 0; names && names[k]; k++)
			named |= !strcmp(names[k], svc);
		if (!named || lxr_strv_has(out, svc))
			continue;
		bool up = false;
		size_t j;
		json_t *x;
		json_array_foreach(ps, j, x)
		{
			if (!strcmp(json_string_value(json_object_get(x, "service")) ?: "", svc))
				up |= running_state(json_string_value(json_object_get(x, "state"))
							?: "");
		}
		if (up && !stop) {
			if (!*any_running || names)
				fprintf(
				    stderr,
				    "lxr: %s is running: its containers stay (`lxr rm -s` stops "
				    "them first)\n",
				    svc);
			*any_running = true;
			continue;
		}
		lxr_strv_push(&out, lxr_xstrdup(svc));
	}
	return out;
}

/* their containers: by docker's names (what rm says), else by lxr's
 * instance names (what -v removes) */
static void instances_of(json_t *ps, char *const *svcs, bool docker, char ***out)
{
	size_t i;
	json_t *o;

	json_array_foreach(ps, i, o)
	{
		const char *svc = json_string_value(json_object_get(o, "service")) ?: "";
		const char *n =
		    docker ? cli_ps_name(o) : json_string_value(json_object_get(o, "instance"));
		if (lxr_strv_has(svcs, svc))
			lxr_strv_push(out, lxr_xstrdup(n));
	}
}

static int scale_to_none(const char *file, char *const *svcs)
{
	_cleanup_strv_ char **specs = NULL;

	for (size_t i = 0; svcs[i]; i++)
		lxr_strv_push(&specs, lxr_xasprintf("%s=0", svcs[i]));
	/* quiet: rm says what it removed itself */
	return cli_scale(file, cli_globals.project, specs, true, 3);
}

/* compose's rm -f line on stdout: "Going to remove proj-job-1, proj-web-1" */
static void going_to_remove(char *const *named)
{
	fputs("Going to remove", stdout);
	for (size_t i = 0; named && named[i]; i++)
		printf("%s %s", i ? "," : "", named[i]);
	putchar('\n');
	fflush(stdout);
}

int rm_stack(const char *file, char *const *names, bool stop, bool volumes)
{
	_cleanup_strv_ char **svcs = NULL, **insts = NULL;
	_cleanup_free_ char *project = NULL;
	struct ctl_conn *conn = NULL;
	json_t *ps = NULL, *sel = json_array();
	bool any_running, down;
	lxr_err err;
	int r = cli_project_open(file, cli_globals.project, &conn, &project, &down);

	for (size_t i = 0; names && names[i]; i++)
		json_array_append_new(sel, json_string(names[i]));
	if (r == LXR_EXIT_OK && down) {
		json_decref(sel);
		fputs("No stopped containers\n", stderr);
		return LXR_EXIT_OK;
	}
	if (r != LXR_EXIT_OK) {
		json_decref(sel);
		return r;
	}
	r = ctl_call(conn, "ps", json_pack("{s:o}", "services", sel), 30000, &ps, &err);
	ctl_close(conn);
	if (r < 0) {
		lxr_err_print(&err);
		return LXR_EXIT_FAIL;
	}
	svcs = removable(ps, names, stop, &any_running);
	if (!svcs) {
		json_decref(ps);
		/* compose's: nothing stopped to remove is no failure */
		fputs("No stopped containers\n", stderr);
		return LXR_EXIT_OK;
	}
	if (cli_globals.dry_run) { /* said, not done: compose's --dry-run */
		_cleanup_strv_ char **named = NULL;
		instances_of(ps, svcs, true, &named);
		json_decref(ps);
		for (size_t i = 0; named && named[i]; i++)
			cli_done_line("Container", named[i], "Removed", true);
		return LXR_EXIT_OK;
	}
	_cleanup_strv_ char **named = NULL;
	instances_of(ps, svcs, true, &named);
	instances_of(ps, svcs, false, &insts);
	json_decref(ps);
	going_to_remove(named);
	r = scale_to_none(file, svcs);
	if (r != LXR_EXIT_OK)
		return r;
	for (size_t i = 0; insts && insts[i]; i++) {
		if (named && named[i])
			cli_done_line("Container", named[i], "Removed", false);
		if (volumes) {
			/* the instance's anonymous volumes (named ones are the
			 * project's, for down -v) */
			_cleanup_free_ char *anon = lxr_xasprintf(
			    "%s/volumes/%s/+anon/%s", lxr_data_dir(), project, insts[i]);
			if (lxr_rm_rf(anon, &err) < 0 && err.errnum != ENOENT)
				lxr_err_print(&err);
		}
	}
	return LXR_EXIT_OK;
}
