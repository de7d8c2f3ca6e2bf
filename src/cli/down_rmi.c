/* down --rmi: remove the images the stack's services ran, as docker compose
 * does once their containers are gone. An image another container still
 * runs (another stack's, an `lxr run` one) is kept: the store refuses it
 * (EBUSY) and lxr says so. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/run_opts.h"
#include "lxr/config.h"
#include "lxr/image.h"

static bool seen(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

/* dry: what would go ("DRY-RUN MODE - Image X  Removed"), none removed */
int cli_down_rmi(const struct cfg_stack *st, const char *mode, bool dry)
{
	_cleanup_strv_ char **done = NULL;
	struct img_store *store = NULL;
	struct img_holds h;
	int rc = LXR_EXIT_OK;
	lxr_err err;

	bool local = !strcmp(mode, "local");

	if (img_store_open(lxr_data_dir(), &store, &err) < 0) {
		lxr_err_print(&err);
		return LXR_EXIT_FAIL;
	}
	run_keep_holds(&h);
	for (size_t i = 0; i < st->n_services; i++) {
		const struct cfg_service *svc = &st->services[i];
		const char *ref = cfg_service_image(svc);

		/* compose's "local": the images it built for services without
		 * an `image:` of their own (<project>-<service>) */
		if (local && (svc->image.v || !svc->build.set))
			continue;
		if (!ref || svc->image_is_path || seen(done, ref))
			continue;
		lxr_strv_push(&done, lxr_xstrdup(ref));
		if (dry) {
			struct img_image im = {0};
			if (img_resolve(store, ref, &im, &err) == 0)
				fprintf(stderr, "DRY-RUN MODE - Image %s  Removed\n", ref);
			img_image_free(&im);
			continue;
		}
		if (img_remove(store, ref, &h, false, &err) == 0) {
			fprintf(stderr, "Image %s  Removed\n", ref);
		} else if (err.errnum == ENOENT) {
			continue; /* not in the store: nothing to remove */
		} else if (err.errnum == EBUSY) {
			/* another container's: what err says, and it stays */
			fprintf(stderr, "lxr: warning: %s: kept\n", err.msg);
		} else {
			lxr_err_wrap(&err, "down --rmi: remove image %s", ref);
			lxr_err_print(&err);
			rc = LXR_EXIT_FAIL;
		}
	}
	run_keep_holds_free(&h);
	img_store_close(store);
	return rc;
}
