/* Views of stages and images for COPY --from and RUN --mount: their
 * layers found by name (a stage, its number, or an image pulled when
 * missing) and mounted as one overlay in the build's own mount namespace. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>

#include "build/build_internal.h"

/* A merged view of a stage or image, for COPY --from and RUN --mount: an
 * overlay of its layers in the build's own mount namespace, read-only, or
 * writable with an upper directory of its own whose changes are thrown
 * away with the work directory (a bind mount's rw). */
int bldx_mount_view(struct bldx_run *r, char *const *lw, bool writable, char **at, lxr_err *err)
{
	size_t n = lxr_strv_len(lw);
	int id = r->n_mounts++;
	*at = lxr_xasprintf("%s/views/%d", r->o->work, id);

	if (lxr_mkdir_p(*at, 0755, err) < 0)
		return -1;
	if (n == 0)
		return 0; /* scratch: an empty directory */
	if (n == 1 && !writable)
		return mount(lw[0], *at, NULL, MS_BIND | MS_RDONLY, NULL) < 0
			   ? lxr_fail(err, errno, "bind %s on %s", lw[0], *at)
			   : 0;
	_cleanup_free_ char *up = lxr_xasprintf("%s/views/%d.upper", r->o->work, id);
	_cleanup_free_ char *wk = lxr_xasprintf("%s/views/%d.work", r->o->work, id);
	size_t len = 32 + 2 * strlen(up);
	for (size_t i = 0; i < n; i++)
		len += strlen(lw[i]) + 1;
	_cleanup_free_ char *opts = lxr_xmalloc(len);
	strcpy(opts, "lowerdir=");
	for (size_t i = 0; i < n; i++)
		strcat(strcat(opts, i ? ":" : ""), lw[i]);
	if (writable) {
		if (lxr_mkdir_p(up, 0755, err) < 0 || lxr_mkdir_p(wk, 0700, err) < 0)
			return -1;
		strcat(strcat(strcat(strcat(opts, ",upperdir="), up), ",workdir="), wk);
	}
	if (mount("overlay", *at, "overlay", writable ? 0 : MS_RDONLY, opts) < 0)
		return lxr_fail(err, errno, "mount overlay (%s) on %s", opts, *at);
	return 0;
}

int bldx_from_layers(struct bldx_run *r, const char *name, char ***lw, char key[72], lxr_err *err)
{
	const char *named = bldx_named_context(r->o, name);
	int st = -1;

	/* a named context docker-image://REF stands for that image, over a
	 * stage of its name (BuildKit) */
	if (named && lxr_str_has_prefix(named, "docker-image://"))
		name = named + strlen("docker-image://");
	else if (named)
		return lxr_fail(err, EINVAL, "named context %s is a directory, not layers", name);
	for (size_t i = 0; i < r->o->plan->n && !named; i++)
		if (r->o->plan->stages[i].name && !strcasecmp(r->o->plan->stages[i].name, name))
			st = (int)i;
	if (st < 0 && !named && name[0] >= '0' && name[0] <= '9' &&
	    !name[strspn(name, "0123456789")])
		st = atoi(name);
	if (st >= 0) {
		*lw = bldx_lowers(&r->st[st]);
		memcpy(key, r->st[st].key, 72);
		return 0;
	}
	struct bldx_stage tmp = {0};
	if (bldx_from_image(r, name, &tmp, err) < 0)
		return -1;
	*lw = bldx_lowers(&tmp);
	snprintf(key, 72, "%s", tmp.base);
	bldx_stage_free(&tmp);
	return 0;
}
