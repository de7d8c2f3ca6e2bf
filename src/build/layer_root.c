/* Where COPY, ADD and WORKDIR write: the image as built so far, seen
 * through an overlay whose upper directory is the new layer, and paths in
 * it resolved as BuildKit resolves a destination (continuity's RootPath):
 * every link followed, the last one too, inside the root. A merged-usr
 * image's /bin -> usr/bin then takes `COPY tool /bin/` into /usr/bin, where
 * a directory /bin made in the layer alone would hide the image's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "build/build_internal.h"

/* the overlay of lw (topmost first) over upper, open and already detached:
 * reached by the descriptor it returns only, so nothing is left mounted
 * once it is closed, whatever way the step ends. mount(2), not fsconfig,
 * whose values stop at 256 bytes: a few layers' paths are longer. */
static int merged_fd(struct bldx_run *r, char *const *lw, const char *upper, lxr_err *err)
{
	int id = r->n_mounts++;
	_cleanup_free_ char *at = lxr_xasprintf("%s/views/%d", r->o->work, id);
	_cleanup_free_ char *work = lxr_xasprintf("%s/views/%d.work", r->o->work, id);
	_cleanup_free_ char *opts = lxr_xasprintf("upperdir=%s,workdir=%s,lowerdir=", upper, work);
	int fd;

	if (lxr_mkdir_p(at, 0755, err) < 0 || lxr_mkdir_p(work, 0700, err) < 0)
		return -1;
	for (size_t i = 0; lw[i]; i++) {
		/* overlayfs would read these as separators of its options */
		if (strpbrk(lw[i], ",:\n"))
			return lxr_fail(err, EINVAL, "layer path %s contains ',' or ':'", lw[i]);
		char *n = lxr_xasprintf("%s%s%s", opts, i ? ":" : "", lw[i]);
		free(opts);
		opts = n;
	}
	if (mount("overlay", at, "overlay", MS_NOSUID | MS_NODEV, opts) < 0)
		return lxr_fail(err, errno,
				"mount the image's layers over the new layer %s (overlay)", upper);
	fd = open(at, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int e = errno;
	umount2(at, MNT_DETACH);
	if (fd < 0)
		return lxr_fail(err, e, "open the overlay over the new layer %s", upper);
	return fd;
}

int bldx_layer_root(struct bldx_run *r, const struct bldx_stage *s, const char *layer, lxr_err *err)
{
	_cleanup_strv_ char **lw = bldx_lowers(s);
	int fd;

	if (lw[0])
		return merged_fd(r, lw, layer, err);
	/* FROM scratch, nothing written yet: the layer is all there is */
	fd = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return lxr_fail(err, errno, "open %s", layer);
	return fd;
}

/* the first component of *rest (slashes skipped), *rest moved past it */
static char *next_component(const char **rest)
{
	const char *p = *rest + strspn(*rest, "/");
	size_t len = strcspn(p, "/");

	*rest = p + len;
	return len ? lxr_xstrndup(p, len) : NULL;
}

/* the target of link name in directory dir of root (a path in root without
 * links), or NULL: not a link, or nothing there (*missing) */
static char *link_at(int root, const char *dir, const char *name, bool *missing)
{
	lxr_err e2;
	_cleanup_close_ int dfd = lxr_open_in_root(root, dir, O_PATH | O_DIRECTORY, 0, &e2);
	char buf[PATH_MAX];
	ssize_t n;

	/* a file where a directory should be: nothing below it, and the
	 * mkdir or create that follows says so with the path */
	if (dfd < 0) {
		*missing = true;
		return NULL;
	}
	n = readlinkat(dfd, name, buf, sizeof(buf) - 1);
	if (n < 0) {
		*missing = errno == ENOENT;
		return NULL;
	}
	buf[n] = '\0';
	return lxr_xstrdup(buf);
}

/* continuity's limit, which BuildKit's copy and mkdir resolve with */
#define MAX_LINKS 255

char *bldx_root_resolve(int root, const char *path, lxr_err *err)
{
	_cleanup_free_ char *rest = lxr_xstrdup(path);
	char *out = lxr_xstrdup("");
	const char *p = rest;
	bool missing = false;
	int links = 0;

	for (char *c; (c = next_component(&p)) != NULL; free(c)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			/* out has no links in it, so its parent is its
			 * dirname; at the root it stays the root */
			char *sl = strrchr(out, '/');
			if (sl)
				*sl = '\0';
			continue;
		}
		_cleanup_free_ char *t =
		    missing ? NULL : link_at(root, *out ? out : "/", c, &missing);
		if (t) {
			if (++links > MAX_LINKS) {
				free(c);
				free(out);
				lxr_fail(err, ELOOP, "%s: more than %d links on the way", path,
					 MAX_LINKS);
				return NULL;
			}
			/* an absolute target starts again at the root, the
			 * image's, never the host's */
			char *n = lxr_xasprintf("%s/%s", t, p);
			free(rest);
			rest = n;
			p = rest;
			if (*t == '/')
				*out = '\0';
			continue;
		}
		char *n = lxr_xasprintf("%s/%s", out, c);
		free(out);
		out = n;
	}
	if (!*out) {
		free(out);
		out = lxr_xstrdup("/");
	}
	return out;
}

bool bldx_root_is_dir(int root, const char *path)
{
	lxr_err e2;
	_cleanup_close_ int fd = lxr_open_in_root(root, path, O_PATH | O_DIRECTORY, 0, &e2);

	return fd >= 0;
}

/* Where one source lands: below DST as its path from the --parents pivot
 * (KEPT), DST itself for a directory's contents or a single file named so,
 * else DST/BASENAME. */
char *bldx_dest_top(const char *dst, const char *kept, bool isdir, bool dest_dir, const char *bn)
{
	const char *d = strcmp(dst, "/") ? dst : "";

	if (*kept)
		return lxr_xasprintf("%s/%s", d, kept);
	if (isdir || !dest_dir)
		return lxr_xstrdup(dst);
	return lxr_xasprintf("%s/%s", d, bn);
}

/* --parents: the components of a source's path before a `/./` in it are
 * dropped, the rest kept under the destination (BuildKit's pivot) */
size_t bldx_pivot_depth(const char *arg)
{
	const char *p = strstr(arg, "/./");
	size_t n = 0;

	if (!p)
		return 0;
	_cleanup_free_ char *pre = lxr_xstrndup(arg, (size_t)(p - arg));
	_cleanup_free_ char *c = bldx_clean_abs(NULL, pre);
	for (const char *q = c; *q; q++)
		n += *q == '/' && q[1];
	return n;
}

const char *bldx_skip_components(const char *path, size_t n)
{
	if (!strcmp(path, "."))
		return "";
	for (; n > 0 && *path; n--) {
		const char *sl = strchr(path, '/');
		path = sl ? sl + 1 : path + strlen(path);
	}
	return path;
}
