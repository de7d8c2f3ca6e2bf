/* What an instance runs, as one string: reconcile recreates an instance
 * whose identity changed (reconcile.c), and `lxr config --hash` prints a
 * digest of the one a service's first instance would have, so the hash
 * changes exactly when an `up` would recreate the service. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lxr/image.h"
#include "lxr/runtime.h"
#include "lxr/supervisor.h"
#include "supervisor/sup.h"

char *sup_plan_identity(const struct plan_instance *p, const char *name, size_t *len)
{
	/* the plan's text (the container spec, the endpoint, the restart
	 * policy, the health check) under the instance's name: a start-first
	 * update's container has a name of its own (update.c) and runs the
	 * instance's plan all the same */
	struct plan_instance q = *p;
	_cleanup_free_ char *text = NULL;
	char *out = NULL;
	FILE *f = open_memstream(&out, len);

	if (!f) /* no memory: as lxr_xmalloc */
		abort();
	q.spec.id = (char *)name;
	text = plan_instance_text(&q, false);
	/* then what the secrets and configs lxr writes hold, which the text
	 * leaves out (it is printed): a new value recreates the container,
	 * as compose recreates it. The text holds no NUL, so the parts
	 * cannot run into each other. */
	fputs(text, f);
	for (size_t i = 0; i < p->n_files; i++)
		fprintf(f, "%c%zu:%s", '\0', strlen(p->files[i].content), p->files[i].content);
	fclose(f);
	return out;
}

static int not_here(const struct cfg_service *cfg, lxr_err *err)
{
	lxr_fail(err, 0,
		 "service \"%s\": image \"%s\" is not here yet, and what the service runs "
		 "depends on it",
		 cfg->name, cfg_service_image(cfg));
	return lxr_err_hint(
	    err, cfg->build.set ? "build it first: lxr build %s" : "pull it first: lxr pull %s",
	    cfg->name);
}

/* The image the service runs, as a dry run finds it (tables.c): read from
 * the store, never pulled or built; a data directory without a store is
 * not given one. */
static int image_here(const struct cfg_service *cfg, struct img_store **store,
		      struct img_image *img, lxr_err *err)
{
	_cleanup_free_ char *images = lxr_xasprintf("%s/images", lxr_data_dir());
	const char *ref = cfg_service_image(cfg);

	if (access(images, F_OK) < 0)
		return not_here(cfg, err);
	if (img_store_open(lxr_data_dir(), store, err) < 0)
		return -1;
	if (img_ensure(*store, ref, IMG_PULL_NEVER, img, err) == 0)
		return 0;
	if (err->errnum == ENOENT)
		return not_here(cfg, err);
	return lxr_err_wrap(err, "service \"%s\": image \"%s\"", cfg->name, ref);
}

int sup_service_hash(const struct cfg_stack *st, const struct cfg_service *cfg,
		     char out[SUP_HASH_LEN], lxr_err *err)
{
	char digest[IMG_DIGEST_LEN];
	struct img_store *store = NULL;
	struct img_image img = {0};
	struct plan_instance plan = {0};
	_cleanup_free_ char *name = plan_container_name(cfg, 1), *id = NULL;
	size_t len;
	int r = 0;

	if (!cfg->image_is_path)
		r = image_here(cfg, &store, &img, err);
	rt_spec_init_defaults(&plan.spec);
	if (r == 0)
		r = sup_plan_make(st, cfg, cfg->image_is_path ? NULL : &img, 1, &plan, err);
	if (r == 0) {
		id = sup_plan_identity(&plan, name, &len);
		img_digest_of(id, len, digest);
		snprintf(out, SUP_HASH_LEN, "%s", digest + strlen("sha256:"));
	}
	plan_instance_free(&plan);
	img_image_free(&img);
	img_store_close(store);
	return r;
}
