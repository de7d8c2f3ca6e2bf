/* `lxr run IMAGE`: an image from the store as the container's root. */
#ifndef LXR_CLI_RUN_IMAGE_H
#define LXR_CLI_RUN_IMAGE_H

#include "cli/run_opts.h"

/* An argument that is a path (absolute, ./, ../, "." or "..")
 * names a root filesystem directory; anything else is an image reference. */
bool run_image_is_ref(const char *arg);

/* Resolve o->rootfs through the image store (pulling it when missing, as
 * docker run does), hold it in use for this process's lifetime, and fill
 * the spec: lower_dirs, and the image config's Env, WorkingDir, User and
 * StopSignal where the user set none. *args gets the process arguments
 * (docker's ENTRYPOINT/CMD rules against cmd, the user's command).
 * Afterwards o->rootfs is the layer holding /etc/passwd, for user lookup. */
int run_image_prepare(struct run_opts *o, char **cmd, char ***args, lxr_err *err);

#endif
