/* `lxr run IMAGE`: an image from the store as the container's root. */
#ifndef LXR_CLI_RUN_IMAGE_H
#define LXR_CLI_RUN_IMAGE_H

#include "lxr/image.h"

/* An argument that is a path (absolute, ./, ../, "." or "..", or a
 * directory that exists here) names a root filesystem directory; anything
 * else is an image reference. */
bool run_image_is_ref(const char *arg);
/* Resolve ref through the image store (pulling it as policy says, an
 * img_pull_policy | IMG_PULL_QUIET; docker run's default pulls it when
 * missing) and hold it in use, for the container name, for this process's
 * lifetime (and the supervisor's it forks for -d). */
/* docker's `lxr run NAME` where NAME is a bare word, a service of the
 * stack here and no stored image: compose's habit (`docker compose run
 * web`), refused with the command that runs the service rather than
 * pulled as docker.io/library/NAME. 0: not that case. */
int run_image_not_service(const char *ref, lxr_err *err);
/* ref resolved in the store, pulled as policy says (every_us: a periodic
 * policy's window instead, img_pull_due), and held for name while this
 * lxr runs. */
int run_image_resolve(const char *ref, const char *name, int policy, int64_t every_us,
		      struct img_image *im, lxr_err *err);
/* The images svc's volumes of type image mount, pulled as policy says
 * (the plan then finds them in the store, runtime/imgvol.c). */
struct cfg_service;
int run_image_volumes(const struct cfg_service *svc, int policy, lxr_err *err);

#endif
