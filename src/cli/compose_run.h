/* lxr compose run (compose_run.c): a one-off container of a stack's
 * service, carried by cmd_run.c as `lxr run` carries a container. */
#ifndef LXR_CLI_COMPOSE_RUN_H
#define LXR_CLI_COMPOSE_RUN_H

#include "cli/run_opts.h"

/* argv after "run": the stack loaded with the options over the service,
 * what it depends on started and waited for, the one-off planned into o
 * (its secrets written). 0, -1 for --help printed, else the exit code of
 * what failed (said). */
int compose_run_prepare(int argc, char **argv, struct run_opts *o);
/* After it ran: its secrets' files, and with --rm its anonymous volumes. */
void compose_run_finish(struct run_opts *o);

/* compose_deps.c: what svc depends on (as up selects it: profiles,
 * required), brought up with `up -d` of those services alone, the stack's
 * others left as they are, then waited for per depends_on condition (a
 * dependency with no instance is not; one not required that fails is
 * warned about). Returns an exit code, the failure said. */
struct compose_deps {
	int pull; /* sup_up_opts.pull */
	bool quiet_pull, remove_orphans;
};
int compose_run_deps(const struct cfg_service *svc, const struct compose_deps *d);

#endif
