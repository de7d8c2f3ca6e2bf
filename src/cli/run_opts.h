/* `lxr run` options -> container spec. */
#ifndef LXR_CLI_RUN_OPTS_H
#define LXR_CLI_RUN_OPTS_H

#include "lxr/config.h"
#include "lxr/runtime.h"

struct run_opts {
	bool rm, detach, interactive, tty;
	bool workdir_set; /* -w given: the image's WorkingDir does not apply */
	bool privileged;
	char *name;
	char *user;
	char *rootfs;     /* absolute */
	char *network;    /* --network as given (NULL: bridge); see run_net.h */
	char **publish;   /* -p values, checked */
	char *entrypoint; /* --entrypoint as given ("" resets the image's); NULL: not given */
	struct cfg_security security; /* --security-opt, read with the stack loader's rules */
	struct lxr_spec spec;
};

/* Parse argv (after "run"). Returns 0, 1 for --help printed, or -1 with err
 * (a usage error: exit 2). */
int run_opts_parse(int argc, char **argv, struct run_opts *o, lxr_err *err);
void run_opts_free(struct run_opts *o);

#endif
