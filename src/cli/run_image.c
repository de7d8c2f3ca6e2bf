/* `lxr run IMAGE`: resolve the image and keep it in use while the container
 * lives; its config reaches the container through the plan (run_stack.c). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/run_image.h"
#include "lxr/config.h"
#include "lxr/image.h"
#include "lxr/runtime.h"

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

int run_image_not_service(const char *ref, lxr_err *err)
{
	_cleanup_free_ char *found = NULL;
	struct cfg_stack *stack = NULL;
	struct img_store *st = NULL;
	struct img_image im;
	lxr_err ignored;
	bool stored, svc;

	if (strpbrk(ref, "/:@") || !cli_find_stack(&found) ||
	    img_store_open(lxr_data_dir(), &st, &ignored) < 0)
		return 0;
	stored = img_resolve(st, ref, &im, &ignored) == 0;
	if (stored)
		img_image_free(&im);
	img_store_close(st);
	if (stored || cli_stack_open(found, NULL, &stack) != LXR_EXIT_OK)
		return 0;
	svc = cfg_stack_service(stack, ref) != NULL;
	cfg_stack_free(stack);
	if (!svc)
		return 0;
	return lxr_fail(err, 0,
			"\"%s\" is a service of the stack here, and no image of that name is "
			"stored",
			ref),
	       lxr_err_hint(err,
			    "`lxr compose run %s ...` runs the service; docker's run takes an "
			    "image or a root filesystem",
			    ref);
}

int run_image_resolve(const char *ref, const char *name, int policy, int64_t every_us,
		      struct img_image *im, lxr_err *err)
{
	struct img_store *st = NULL;
	int r = -1, got;

	if (img_store_open(lxr_data_dir(), &st, err) < 0)
		return -1;
	/* a periodic policy (daily, ...): pulled when due, and a failed
	 * refresh keeps what the store has */
	if (every_us && img_pull_due(st, ref, every_us) == IMG_PULL_ALWAYS)
		got = img_ensure_refreshed(st, ref, false, im, err);
	else
		got = img_ensure(st, ref, (enum img_pull_policy)policy, im, err);
	if (got == 0)
		r = use_fd >= 0 ? 0 : img_use_acquire(st, im, name, &use_fd, err);
	if (r < 0)
		lxr_err_wrap(err, "image %s", ref);
	img_store_close(st);
	return r;
}

int run_image_volumes(const struct cfg_service *svc, int policy, lxr_err *err)
{
	struct img_store *st = NULL;
	int r;

	if (!rt_image_vols_first(svc))
		return 0;
	if (img_store_open(lxr_data_dir(), &st, err) < 0)
		return -1;
	r = rt_image_vols_pull(st, svc, policy, NULL, NULL, err);
	img_store_close(st);
	return r;
}
