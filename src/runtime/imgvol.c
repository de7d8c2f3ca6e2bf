/* The images a service's volumes of type image mount, as the plan needs
 * them: each found in the store (never pulled here: up, run and compose
 * run pull them first, with the service's policy; a dry run, a config
 * hash or an inspect only reads), its use record taken for the plan to
 * hold, and its layers with an empty directory of lxr's at the bottom, so
 * that every image is an overlay without an upper layer, which the kernel
 * keeps read-only (a bind of a one-layer image's directory could be
 * remounted writable by a container given SYS_ADMIN: the store's own). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lxr/image.h"
#include "runtime/runtime_internal.h"

/* <data_dir>/images/empty-layer: made once, lxr's, and empty */
static char *empty_layer(lxr_err *err)
{
	char *dir = lxr_xasprintf("%s/images/empty-layer", lxr_data_dir());
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (mkdir(dir, 0555) < 0 && errno != EEXIST) {
		lxr_fail(err, errno, "mkdir %s", dir);
		return free(dir), NULL;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || (st.st_uid != geteuid()) || !lxr_dir_is_empty(fd)) {
		lxr_fail(err, fd < 0 ? errno : EEXIST, "%s is not an empty directory of lxr's",
			 dir);
		lxr_err_hint(err, "remove it: lxr makes it again");
		return free(dir), NULL;
	}
	return dir;
}

static int one(struct img_store *st, const struct cfg_service *c, const struct cfg_mount *m,
	       const char *empty, struct rt_plan_host *h, lxr_err *err)
{
	size_t n = h->n_vols;
	_cleanup_free_ char *label = lxr_xasprintf("%s (a volume of %s)", m->target, c->name);

	h->vol_imgs = lxr_xrealloc(h->vol_imgs, (n + 1) * sizeof(*h->vol_imgs));
	h->vols = lxr_xrealloc(h->vols, (n + 1) * sizeof(*h->vols));
	h->vol_holds = lxr_xrealloc(h->vol_holds, (n + 1) * sizeof(int));
	h->vol_layers = lxr_xrealloc(h->vol_layers, (n + 1) * sizeof(char **));
	memset(&h->vol_imgs[n], 0, sizeof(*h->vol_imgs));
	h->vol_holds[n] = -1;
	h->vol_layers[n] = NULL;
	if (img_ensure(st, m->source, IMG_PULL_NEVER, &h->vol_imgs[n], err) < 0) {
		if (err->errnum == ENOENT)
			lxr_err_hint(err, "lxr up and lxr run pull it; by hand: lxr pull %s",
				     m->source);
		return -1;
	}
	if (img_use_acquire(st, &h->vol_imgs[n], label, &h->vol_holds[n], err) < 0) {
		img_image_free(&h->vol_imgs[n]);
		return -1;
	}
	h->vol_layers[n] = lxr_strv_dup(h->vol_imgs[n].layer_dirs);
	lxr_strv_push(&h->vol_layers[n], lxr_xstrdup(empty));
	h->vols[n] = (struct plan_image_vol){m->source, h->vol_layers[n]};
	h->n_vols++;
	return 0;
}

const struct cfg_mount *rt_image_vols_first(const struct cfg_service *c)
{
	for (size_t i = 0; i < c->n_volumes; i++)
		if (c->volumes[i].type == CFG_MOUNT_IMAGE)
			return &c->volumes[i];
	return NULL;
}

/* an error at the volume's line where there is a file */
static int at(const struct cfg_service *c, const struct cfg_mount *m, const char *file,
	      lxr_err *err)
{
	lxr_err_wrap(err, "image \"%s\" of the volume at %s", m->source, m->target);
	return file ? lxr_err_wrap(err, "%s:%d:%d: service \"%s\"", file, m->pos.line, m->pos.col,
				   c->name)
		    : -1;
}

int rt_image_vols_pull(struct img_store *st, const struct cfg_service *c, int policy,
		       const char *file, const char **missing, lxr_err *err)
{
	for (size_t i = 0; i < c->n_volumes; i++) {
		const struct cfg_mount *m = &c->volumes[i];
		struct img_image im = {0};
		if (m->type != CFG_MOUNT_IMAGE)
			continue;
		if (img_ensure(st, m->source, (enum img_pull_policy)policy, &im, err) < 0) {
			if (missing && err->errnum == ENOENT) {
				*missing = *missing ? *missing : m->source;
				continue;
			}
			return at(c, m, file, err);
		}
		img_image_free(&im);
	}
	return 0;
}

int rt_image_vols(const struct cfg_service *c, const char *file, struct rt_plan_host *h,
		  lxr_err *err)
{
	struct img_store *st = NULL;
	_cleanup_free_ char *empty = NULL;
	int r = 0;

	for (size_t i = 0; i < c->n_volumes && r == 0; i++) {
		const struct cfg_mount *m = &c->volumes[i];
		if (m->type != CFG_MOUNT_IMAGE)
			continue;
		if (!st &&
		    (img_store_open(lxr_data_dir(), &st, err) < 0 || !(empty = empty_layer(err))))
			r = -1;
		if (r == 0)
			r = one(st, c, m, empty, h, err);
		if (r < 0)
			at(c, m, file, err);
	}
	if (st)
		img_store_close(st);
	h->p.image_vols = h->vols;
	h->p.n_image_vols = h->n_vols;
	return r;
}

void rt_image_vols_free(struct rt_plan_host *h)
{
	for (size_t i = 0; i < h->n_vols; i++) {
		img_image_free(&h->vol_imgs[i]);
		lxr_strv_free(h->vol_layers[i]);
		if (h->vol_holds[i] >= 0)
			close(h->vol_holds[i]);
	}
	free(h->vol_imgs);
	free(h->vols);
	free(h->vol_holds);
	free(h->vol_layers);
}

void rt_plan_host_keep(struct rt_plan_host *h, struct plan_instance *p)
{
	for (size_t i = 0; i < h->n_vols; i++) {
		if (h->vol_holds[i] < 0)
			continue;
		p->img_holds =
		    lxr_xrealloc(p->img_holds, (p->n_img_holds + 1) * sizeof(*p->img_holds));
		p->img_holds[p->n_img_holds++] = lxr_steal_fd(&h->vol_holds[i]);
	}
}
