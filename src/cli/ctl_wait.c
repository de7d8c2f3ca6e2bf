/* What stop, start and restart wait for once the supervisor has taken
 * the command, and what start and restart then say of the instances that
 * did not start (cmd_ctl.c). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lxr/supervisor.h"

/* docker stop and compose stop/restart return once it is done: wait while
 * any instance named in done is stopping or runs a hook (post_start,
 * pre_stop: compose waits for them) (or, for start and restart,
 * starting; for restart also in backoff). The supervisor bounds it:
 * SIGKILL after the grace period. *last gets the last `ps`. */
static bool named_in(json_t *names, const char *name)
{
	size_t k;
	json_t *n;

	json_array_foreach(names, k, n) if (!strcmp(json_string_value(n), name)) return true;
	return false;
}

/* A restart also waits for the dependents it restarts (restart: true),
 * each seen waiting for its dependencies' restart (restart_pending). */
int cli_ctl_wait_settled(struct ctl_conn *conn, json_t *done, const char *cmd, json_t **last,
			 lxr_err *err)
{
	bool starts = strcmp(cmd, "stop") != 0, restart = !strcmp(cmd, "restart");
	/* asked again when the supervisor says something changed (every
	 * second should it say nothing), not every 50 ms */
	bool events = ctl_send(conn, "events", NULL, err) == 0;
	json_t *also = json_array();
	int r;

	for (;;) {
		json_t *ps = NULL, *o;
		size_t i;
		bool busy = false;

		if (ctl_call(conn, "ps", json_object(), 30000, &ps, err) < 0) {
			r = -1;
			break;
		}
		json_array_foreach(ps, i, o)
		{
			const char *st = json_string_value(json_object_get(o, "state"));
			const char *name = json_string_value(json_object_get(o, "instance"));
			if (!name || !st)
				continue;
			if (json_object_get(o, "restart_pending") && !named_in(also, name))
				json_array_append_new(also, json_string(name));
			if (!named_in(done, name) && !named_in(also, name))
				continue;
			busy |= !strcmp(st, "stopping") || json_object_get(o, "hook") ||
				json_object_get(o, "restart_pending") ||
				(starts && json_object_get(o, "start_pending")) ||
				(starts && !strcmp(st, "starting")) ||
				(restart && !strcmp(st, "backoff"));
		}
		if (!busy) {
			*last = ps;
			r = 0;
			break;
		}
		json_decref(ps);
		if (!events)
			usleep(50 * 1000);
		else if (ctl_wait_any(conn, 1000, err) < 0) {
			r = -1;
			break;
		}
	}
	json_decref(also);
	return r;
}

/* name out of done: not said to be done */
static void drop_named(json_t *done, const char *name)
{
	for (size_t k = json_array_size(done); k-- > 0;)
		if (!strcmp(json_string_value(json_array_get(done, k)) ?: "", name))
			json_array_remove(done, k);
}

/* start and restart: an instance named in done that could not start is a
 * failure of the command, said as `up` says it, and taken out of done.
 * Returns how many. */
int cli_ctl_start_failures(json_t *ps, json_t *done)
{
	int failed = 0;
	size_t i;
	json_t *o;

	json_array_foreach(ps, i, o)
	{
		const char *name = json_string_value(json_object_get(o, "instance"));
		json_t *e = json_object_get(o, "error");
		json_t *blocked = json_object_get(o, "blocked_by");
		char buf[LXR_ERR_MSG_MAX + 128];
		lxr_err err;

		if (!name || (!e && !blocked) || !named_in(done, name))
			continue;
		if (e) {
			sup_err_from_json(e, &err);
			fprintf(stderr, "lxr: error: %s failed to start: %s\n", name,
				lxr_err_str(&err, buf, sizeof(buf)));
			if (err.hint[0])
				fprintf(stderr, "lxr: hint: %s\n", err.hint);
		} else {
			/* compose's start: a dependency that failed its condition */
			fprintf(stderr, "lxr: error: %s did not start: dependency %s\n", name,
				json_string_value(blocked));
		}
		drop_named(done, name);
		failed++;
	}
	return failed;
}
