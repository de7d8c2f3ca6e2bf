/* Every transition is an event: a JSON line in the project's event log
 * (what `lxr events` streams) with the time, the service and instance, the
 * new state and why. */
#define _GNU_SOURCE
#include <string.h>
#include <time.h>

#include "supervisor/sup.h"

void sup_emit(struct sup *s, const struct sup_instance *in, const char *event, const char *extra)
{
	struct timespec ts;
	char line[1024];
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	n = snprintf(line, sizeof(line),
		     "{\"time\":%lld.%06ld,\"project\":\"%s\",\"service\":\"%s\",\"instance\":\"%s\","
		     "\"state\":\"%s\"%s%s}\n",
		     (long long)ts.tv_sec, ts.tv_nsec / 1000, s->stack->project, in->svc->cfg->name,
		     in->name, event, extra ? "," : "", extra ? extra : "");
	if (n <= 0 || (size_t)n >= sizeof(line))
		return;
	if (s->events_log) {
		fputs(line, s->events_log);
		fflush(s->events_log);
	}
	sup_control_broadcast(s, line);
}
