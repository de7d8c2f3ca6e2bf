/* update_report.c: what `lxr up` and `lxr rollback` wait for and say in
 * the CLI's process, apart from the supervisor's own tables (sup.h). */
#ifndef LXR_SUPERVISOR_UP_REPORT_H
#define LXR_SUPERVISOR_UP_REPORT_H

#include <stdbool.h>

#include "lxr/config.h"
#include "lxr/util.h"

struct json_t;
struct ctl_conn;

/* wait until no update runs, then say how each ended for the instances or
 * services names lists; 1 when one rolled back or paused */
int sup_update_wait(struct ctl_conn *c, lxr_err *err);
int sup_update_report(struct json_t *ps, struct json_t *names);
/* up -d of a stack that is up: the dependencies the named services (or
 * what runs) need healthy are waited for, and an unhealthy one reported */
bool sup_up_dep_waiting(const struct cfg_stack *st, struct json_t *ps, const char *const *targets,
			struct json_t *in);
int sup_up_dep_report(const struct cfg_stack *st, struct json_t *ps, const char *const *targets);

#endif
