/* lxr supervisor layer: one process per stack that starts its services in
 * dependency order, keeps them running (restart policies, health checks),
 * writes their logs, answers on a control socket, and takes the stack down
 * in reverse order. */
#ifndef LXR_SUPERVISOR_H
#define LXR_SUPERVISOR_H

#include <stdbool.h>

#include "lxr/config.h"
#include "lxr/util.h"

/* ---- up and down (up.c) ------------------------------------------------------ */
struct sup_up_opts {
	const char *const *targets;  /* services named on the command line */
	const char *const *profiles; /* active profiles */
	bool detach;		     /* -d: the supervisor runs in the background */
};

/* Bring the stack up: validate and plan everything, clean what a dead
 * supervisor left, then supervise (in the foreground, or detached once the
 * stack has started). Returns the exit code for `lxr up`: 0, 1 (a
 * dependency failed or run-time error), 2 (the stack cannot be planned). */
int sup_up(struct cfg_stack *st, const struct sup_up_opts *o);

/* Take the project down: ask a running supervisor to stop the stack in
 * reverse order and wait for it; then remove the containers (and, with
 * volumes, the named volumes). Also cleans up after a dead supervisor. */
int sup_down(const char *project, bool volumes, lxr_err *err);

#endif
