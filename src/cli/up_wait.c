/* up --wait (and start --wait): after `up -d`, wait until every instance
 * is running (healthy where it has a health check) or has completed, as
 * compose's --wait does in CI scripts. The supervisor's ps says it; this
 * only asks and judges. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "lxr/supervisor.h"

enum verdict { READY, WAITING, FAILED };

static enum verdict judge(json_t *o)
{
	const char *st = json_string_value(json_object_get(o, "state")) ?: "";
	const char *health = json_string_value(json_object_get(o, "health")) ?: "";
	json_int_t code = json_integer_value(json_object_get(o, "exit_code"));

	if (json_object_get(o, "start_pending"))
		return WAITING; /* its dependencies' conditions first */
	if (json_object_get(o, "blocked_by") || !strcmp(st, "failed") || !strcmp(st, "unhealthy") ||
	    (!strcmp(st, "exited") && code != 0))
		return FAILED;
	if (!strcmp(st, "healthy") || !strcmp(st, "stopped") || !strcmp(st, "exited") ||
	    (!strcmp(st, "running") && !*health))
		return READY;
	return WAITING;
}

const char *cli_state_said(char buf[static 64], const char *state, long long code)
{
	bool ended =
	    !strcmp(state, "exited") || !strcmp(state, "failed") || !strcmp(state, "stopped");

	if (ended && code >= 0)
		snprintf(buf, 64, "%.32s (exit %lld)", state, code);
	else
		snprintf(buf, 64, "%.32s", state);
	return buf;
}

/* READY when all are, FAILED (said) when one failed, else WAITING */
static enum verdict judge_all(json_t *ps, char *const *only, const char *what)
{
	enum verdict all = READY;
	size_t i;
	json_t *o;

	json_array_foreach(ps, i, o)
	{
		const char *name = json_string_value(json_object_get(o, "instance")) ?: "?";
		const char *svc = json_string_value(json_object_get(o, "service")) ?: "?";
		/* start --wait SERVICE: those named */
		if (only && only[0] && !lxr_strv_has(only, svc) && !lxr_strv_has(only, name))
			continue;
		enum verdict v = judge(o);
		if (v == FAILED) {
			char said[64];
			fprintf(stderr, "lxr: error: %s: %s is %s%s%s\n", what, name,
				cli_state_said(
				    said, json_string_value(json_object_get(o, "state")) ?: "?",
				    json_integer_value(json_object_get(o, "exit_code"))),
				json_object_get(o, "blocked_by") ? ", blocked by " : "",
				json_string_value(json_object_get(o, "blocked_by")) ?: "");
			fputs("lxr: hint: `lxr ps` and `lxr logs` say why\n", stderr);
			return FAILED;
		}
		if (v == WAITING)
			all = WAITING;
	}
	return all;
}

/* The supervisor says when anything changes (the events stream), so the
 * verdict follows a change at once instead of at the next poll; a quiet
 * stream is asked again every second all the same, so that nothing the
 * events do not carry can leave the wait hanging. */
#define RECHECK_MS 1000

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int cli_up_wait(const char *project, int timeout_s, char *const *only, const char *what)
{
	_cleanup_free_ char *name = NULL;
	int64_t end = now_ms() + (int64_t)timeout_s * 1000;
	struct ctl_conn *conn = NULL;
	int r = cli_project_connect(NULL, project, &conn, &name);
	lxr_err err;

	if (r != LXR_EXIT_OK)
		return r;
	/* subscribed before the first look: a change after it wakes the wait */
	if (ctl_send(conn, "events", NULL, &err) < 0)
		goto fail;
	for (;;) {
		json_t *ps = NULL;
		enum verdict v;
		int64_t left = timeout_s > 0 ? end - now_ms() : RECHECK_MS;

		if (ctl_call(conn, "ps", json_object(), 30000, &ps, &err) < 0)
			goto fail;
		v = judge_all(ps, only, what);
		json_decref(ps);
		if (v != WAITING) {
			ctl_close(conn);
			return v == READY ? LXR_EXIT_OK : LXR_EXIT_FAIL;
		}
		if (timeout_s > 0 && left <= 0) {
			fprintf(stderr,
				"lxr: error: %s: not every service running or healthy after "
				"%d s\nlxr: hint: `lxr ps` shows which; --wait-timeout N waits "
				"longer\n",
				what, timeout_s);
			ctl_close(conn);
			return LXR_EXIT_FAIL;
		}
		if (ctl_wait_any(conn, (int)(left < RECHECK_MS ? left : RECHECK_MS), &err) < 0)
			goto fail;
	}
fail:
	lxr_err_print(&err);
	ctl_close(conn);
	return LXR_EXIT_FAIL;
}
