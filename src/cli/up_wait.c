/* up --wait: after `up -d`, wait until every instance is running (healthy
 * where it has a health check) or has completed, as compose's --wait does
 * in CI scripts. The supervisor's ps says it; this only polls and judges. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lxr/supervisor.h"

enum verdict { READY, WAITING, FAILED };

static enum verdict judge(json_t *o)
{
	const char *st = json_string_value(json_object_get(o, "state")) ?: "";
	const char *health = json_string_value(json_object_get(o, "health")) ?: "";
	json_int_t code = json_integer_value(json_object_get(o, "exit_code"));

	if (json_object_get(o, "blocked_by") || !strcmp(st, "failed") || !strcmp(st, "unhealthy") ||
	    (!strcmp(st, "exited") && code != 0))
		return FAILED;
	if (!strcmp(st, "healthy") || !strcmp(st, "stopped") || !strcmp(st, "exited") ||
	    (!strcmp(st, "running") && !*health))
		return READY;
	return WAITING;
}

/* READY when all are, FAILED (said) when one failed, else WAITING */
static enum verdict judge_all(json_t *ps)
{
	enum verdict all = READY;
	size_t i;
	json_t *o;

	json_array_foreach(ps, i, o)
	{
		enum verdict v = judge(o);
		const char *name = json_string_value(json_object_get(o, "instance")) ?: "?";
		if (v == FAILED) {
			fprintf(stderr, "lxr: error: up --wait: %s is %s (exit %lld)%s%s\n", name,
				json_string_value(json_object_get(o, "state")) ?: "?",
				(long long)json_integer_value(json_object_get(o, "exit_code")),
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

int cli_up_wait(const char *project, int timeout_s)
{
	time_t end = time(NULL) + timeout_s;

	for (;;) {
		json_t *ps = NULL;
		enum verdict v;
		int r = cli_project_ps(NULL, project, NULL, &ps);

		if (r != LXR_EXIT_OK)
			return r;
		v = judge_all(ps);
		json_decref(ps);
		if (v != WAITING)
			return v == READY ? LXR_EXIT_OK : LXR_EXIT_FAIL;
		if (timeout_s > 0 && time(NULL) >= end) {
			fprintf(stderr,
				"lxr: error: up --wait: not every service running or healthy after "
				"%d s\nlxr: hint: `lxr ps` shows which; --wait-timeout N waits "
				"longer\n",
				timeout_s);
			return LXR_EXIT_FAIL;
		}
		usleep(100 * 1000);
	}
}
