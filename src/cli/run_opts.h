/* `lxr run` options -> a one-service stack -> its plan. */
#ifndef LXR_CLI_RUN_OPTS_H
#define LXR_CLI_RUN_OPTS_H

#include <jansson.h>

#include "lxr/config.h"
#include "lxr/plan.h"
#include "lxr/runtime.h"

struct run_opts {
	bool rm, detach, interactive, tty;
	char *name;
	char *image;   /* a reference, or a root filesystem's absolute path */
	char *network; /* --network as given (NULL: bridge); see run_net.h */
	/* the service as the stack file would write it (run_opts.c), which
	 * run_stack.c loads and plans */
	json_t *svc;
	json_t *volumes;         /* top-level volumes (-v NAME:/path), or NULL */
	struct cfg_stack *stack; /* the one-service stack svc was loaded into */
	struct plan_instance plan;
};

/* Parse argv (after "run") and plan the container. Returns 0, 1 for --help
 * printed, or -1 with err (a usage error, or what the plan refused). */
int run_opts_parse(int argc, char **argv, struct run_opts *o, lxr_err *err);
void run_opts_free(struct run_opts *o);
/* A container's name as docker takes it ([a-zA-Z0-9][a-zA-Z0-9_.-]*, 128
 * at most), which is also the name of its directory. */
bool run_opts_name_valid(const char *s);
/* o->svc as a one-service stack, loaded and validated by the stack loader,
 * planned by plan_instance_build (the image resolved, pulled when missing,
 * and held in use for this process's life), then carried the way `lxr run`
 * carries a container: its own name, the "_run" group, --rm, -t, -i. */
int run_stack_plan(struct run_opts *o, lxr_err *err);
/* The container's process as `lxr run` starts it: a layer of its own (gone
 * with --rm), a terminal with -t (TERM=xterm unless set), stdin with -i. */
void run_carry_process(struct run_opts *o);

#endif
