/* `lxr run IMAGE`: resolve the image and keep it in use while the container
 * lives; its config reaches the container through the plan (run_stack.c). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/run_image.h"
#include "lxr/image.h"

/* The use record's lock: held until this process (or the -d supervisor
 * it forks) exits, which is when the container is gone. */
static int use_fd = -1;

bool run_image_is_ref(const char *a)
{
	struct stat st;

	if (a[0] == '/' || !strncmp(a, "./", 2) || !strncmp(a, "../", 3) || !strcmp(a, ".") ||
	    !strcmp(a, ".."))
		return false;
	/* "build/rootfs" that is a directory here is one: a relative path
	 * without ./ must not turn into a pull from a registry */
	return !(stat(a, &st) == 0 && S_ISDIR(st.st_mode));
}

int run_image_resolve(const char *ref, const char *name, int policy, struct img_image *im,
		      lxr_err *err)
{
	struct img_store *st = NULL;
	int r = -1;

	if (img_store_open(lxr_data_dir(), &st, err) < 0)
		return -1;
	if (img_ensure(st, ref, (enum img_pull_policy)policy, im, err) == 0)
		r = use_fd >= 0 ? 0 : img_use_acquire(st, im, name, &use_fd, err);
	if (r < 0)
		lxr_err_wrap(err, "image %s", ref);
	img_store_close(st);
	return r;
}
