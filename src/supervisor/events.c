/* Every transition is an event: a JSON line in the project's event log
 * (what `lxr events` streams) with the time, the service and instance, the
 * new state and why. */
#define _GNU_SOURCE
#include <string.h>
#include <time.h>

#include "lxr/supervisor.h"
#include "supervisor/sup.h"

void sup_emit(struct sup *s, const struct sup_instance *in, const char *event, json_t *extra)
{
	struct timespec ts;
	_cleanup_free_ char *more = NULL, *line = NULL, *image = NULL;
	const char *members = "";
	/* an instance a rolling update has not replaced yet, or rolled
	 * back, runs the previous version's image */
	const char *ref =
	    cfg_service_image(in->on_prev && in->svc->prev_cfg ? in->svc->prev_cfg : in->svc->cfg);
	json_t *img = json_string(ref ? ref : "");

	/* the common members are written by hand so the time keeps its fixed
	 * microsecond form (jansson would print a double's 17 digits); extra's
	 * members, which carry free text such as an error, are jansson's */
	if (extra) {
		more = json_dumps(extra, JSON_COMPACT);
		json_decref(extra);
	}
	if (more && strlen(more) > 2) { /* "{...}": its members without braces */
		more[strlen(more) - 1] = '\0';
		members = more + 1;
	}
	/* the image as written (a path may hold anything: jansson quotes it),
	 * for events' "image=" as compose prints it */
	image = json_dumps(img, JSON_ENCODE_ANY);
	json_decref(img);
	clock_gettime(CLOCK_REALTIME, &ts);
	line = lxr_xasprintf("{\"time\":%lld.%06ld,\"project\":\"%s\",\"service\":\"%s\","
			     "\"instance\":\"%s\",\"state\":\"%s\"%s%s,\"image\":%s}\n",
			     (long long)ts.tv_sec, ts.tv_nsec / 1000, s->stack->project,
			     in->svc->cfg->name, in->name, event, *members ? "," : "", members,
			     image ? image : "\"\"");
	if (s->events_log) {
		fputs(line, s->events_log);
		fflush(s->events_log);
	}
	sup_control_broadcast(s, line);
}
