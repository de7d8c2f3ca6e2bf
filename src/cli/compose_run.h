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

#endif
