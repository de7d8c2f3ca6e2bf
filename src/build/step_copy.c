/* COPY and ADD: a new layer from the build context, or from a stage or an
 * image seen through a read-only overlay, written inside the layer's root
 * (RESOLVE_IN_ROOT) so no link a source brings can send a write outside. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/build_internal.h"
#include "lxr/runtime.h"

/* ---- COPY and ADD ------------------------------------------------------------- */

struct copy_to {
	int layer;                  /* the image over the new layer (bldx_layer_root) */
	const struct bldx_stage *s; /* whose layers it goes on */
	uid_t uid;
	gid_t gid;
	bool chown;
	int chmod; /* -1: keep */
	/* ADD's URL sources, by index of the top call's sources: the
	 * directory and name each was downloaded as (NULL: not a URL) */
	char **url_dirs, **url_names;
	/* --exclude's patterns (NULL: none) and --parents */
	const struct bld_ignore *exclude;
	bool parents;
};

/* mkdir -p of dir in the image as built so far, its links followed inside
 * its root as BuildKit's RootPath follows them (/lib/x on a merged-usr
 * image is /usr/lib/x: a directory /lib in the layer would hide the
 * image's); every step RESOLVE_IN_ROOT, so no link the image or a source
 * brings sends anything outside; returns an fd */
static int layer_dir(const struct copy_to *t, const char *dir, lxr_err *err)
{
	_cleanup_free_ char *d = bldx_root_resolve(t->layer, dir, err);
	int fd;

	if (!d)
		return -1;
	for (char *sl = d + 1;; sl++) {
		char save = *sl;
		if (save && save != '/')
			continue;
		*sl = '\0';
		if (strcmp(d, "/") && *d) {
			_cleanup_free_ char *parent = lxr_xstrdup(d);
			char *b = strrchr(parent, '/');
			*b = '\0';
			_cleanup_close_ int pfd = lxr_open_in_root(t->layer, *parent ? parent : "/",
								   O_PATH | O_DIRECTORY, 0, err);
			if (pfd < 0)
				return -1;
			/* one the image has (EEXIST) keeps its owner and mode:
			 * overlayfs copies them up with it */
			if (mkdirat(pfd, b + 1, 0755) < 0) {
				if (errno != EEXIST)
					return lxr_fail(err, errno, "mkdir %s in the new layer", d);
			} else if (t->chown && fchownat(pfd, b + 1, t->uid, t->gid, 0) < 0) {
				/* one it makes belongs to --chown's owner (or
				 * WORKDIR's USER), as BuildKit's mkdir -p chowns */
				return lxr_fail(err, errno, "chown %s in the new layer", d);
			}
		}
		*sl = save;
		if (!save)
			break;
	}
	fd = lxr_open_in_root(t->layer, d, O_RDONLY | O_DIRECTORY, 0, err);
	if (fd < 0 && strcmp(d, dir))
		return lxr_err_wrap(err, "%s (%s, its links followed in the image)", dir, d);
	if (fd < 0)
		return lxr_err_wrap(err, "%s in the new layer", dir);
	return fd;
}

static int dest_root(const struct copy_to *t, const char *dir, lxr_err *err)
{
	bool had = bldx_root_is_dir(t->layer, dir);
	int fd = layer_dir(t, dir, err);

	if (fd < 0)
		return -1;
	if (!had && t->chown && fchown(fd, t->uid, t->gid) < 0) {
		close(fd);
		return lxr_fail(err, errno, "chown %s in the new layer", dir);
	}
	close(fd);
	return 0;
}

static int set_meta(const struct copy_to *t, int dfd, const char *name,
		    const struct bld_ctx_file *f, lxr_err *err)
{
	uid_t uid = t->chown ? t->uid : 0;
	gid_t gid = t->chown ? t->gid : 0;
	/* docker: files keep their mode and modification time (a heredoc has
	 * none: now), owners are root unless --chown */
	int mode = t->chmod >= 0 ? t->chmod : (int)(f->mode & 07777);
	struct timespec ts[2] = {f->mtime, f->mtime};
	bool times = !S_ISDIR(f->mode) && (f->mtime.tv_sec || f->mtime.tv_nsec);

	/* on the entry this copy made, through a descriptor: a link an
	 * earlier source of the same COPY left under that name is never
	 * followed out of the layer */
	if (lxr_entry_set_attrs(dfd, name, f->mode, uid, gid, S_ISLNK(f->mode) ? -1 : mode,
				times ? ts : NULL) < 0)
		return lxr_fail(err, errno, "set owner, mode and time of %s in the new layer",
				name);
	return 0;
}

/* A directory of the source at dst: merged with one there. A link there
 * to a directory (merged-usr's /bin -> usr/bin, for `COPY rootfs/ /`)
 * stays, and the directory it leads to takes the contents: replacing it
 * would hide the image's directory (BuildKit refuses the copy, docker's
 * classic builder replaces the link). Any other link or file gives way,
 * as a file gives way to a file. */
static int copy_dir(const struct copy_to *t, const char *dst, const struct bld_ctx_file *f,
		    lxr_err *err)
{
	_cleanup_free_ char *dir = lxr_xstrdup(dst);
	char *base = strrchr(dir, '/');
	*base++ = '\0';
	_cleanup_close_ int dfd = layer_dir(t, *dir ? dir : "/", err);
	struct stat st;

	if (dfd < 0)
		return -1;
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode)) {
		if (S_ISLNK(st.st_mode) && bldx_root_is_dir(t->layer, dst)) {
			_cleanup_free_ char *to = bldx_root_resolve(t->layer, dst, err);
			return to ? copy_dir(t, to, f, err) : -1;
		}
		if (unlinkat(dfd, base, 0) < 0)
			return lxr_fail(err, errno, "replace %s in the new layer", dst);
	}
	if (mkdirat(dfd, base, 0755) < 0 && errno != EEXIST)
		return lxr_fail(err, errno, "mkdir %s in the new layer", dst);
	return set_meta(t, dfd, base, f, err);
}

static int copy_file(const struct copy_to *t, int srcroot, const char *src, bool follow,
		     const char *dst, const struct bld_ctx_file *f, lxr_err *err)
{
	_cleanup_free_ char *dir = lxr_xstrdup(dst);
	char *base = strrchr(dir, '/');
	*base++ = '\0';
	_cleanup_close_ int dfd = -1;

	if (S_ISDIR(f->mode))
		return copy_dir(t, dst, f, err);
	dfd = layer_dir(t, *dir ? dir : "/", err);
	if (dfd < 0)
		return -1;
	unlinkat(dfd, base, 0);
	if (S_ISLNK(f->mode)) {
		if (symlinkat(f->link, dfd, base) < 0)
			return lxr_fail(err, errno, "symlink %s in the new layer", dst);
		return set_meta(t, dfd, base, f, err);
	}
	if (!S_ISREG(f->mode))
		return 0; /* devices, fifos, sockets: not copied */
	_cleanup_close_ int in =
	    lxr_open_in_root(srcroot, src, O_RDONLY | (follow ? 0 : O_NOFOLLOW), 0, err);
	_cleanup_close_ int out = -1;
	char buf[1 << 16];
	ssize_t n;
	if (in < 0)
		return -1;
	out = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	struct stat st;
	if (out < 0 && errno == EEXIST && fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode)) {
		/* what unlink left: a directory, which BuildKit refuses too */
		lxr_fail(err, EISDIR, "%s is a directory in the image: a file cannot replace it",
			 dst);
		return lxr_err_hint(err, "remove it in a RUN step before, or copy to another path");
	}
	if (out < 0)
		return lxr_fail(err, errno, "create %s in the new layer", dst);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return lxr_fail(err, errno, "write %s in the new layer", dst);
	if (n < 0)
		return lxr_fail(err, errno, "read %s", src);
	return set_meta(t, dfd, base, f, err);
}

static int parse_chown(const char *v, struct copy_to *t)
{
	char *e;
	long u = strtol(v, &e, 10), g = u;

	if (e == v || (*e && *e != ':'))
		return -1;
	if (*e == ':') {
		char *e2;
		g = strtol(e + 1, &e2, 10);
		if (e2 == e + 1 || *e2)
			return -1;
	}
	if (u < 0 || g < 0)
		return -1;
	t->uid = (uid_t)u;
	t->gid = (gid_t)g;
	t->chown = true;
	return 0;
}

/* USER[:GROUP] by name, looked up in the stage's own /etc/passwd and
 * /etc/group (read inside a view of its layers, never the host's) */
static int chown_names(struct bldx_run *r, struct bldx_stage *s, const char *v, struct copy_to *t,
		       lxr_err *err)
{
	_cleanup_strv_ char **lw = bldx_lowers(s);
	_cleanup_free_ char *view = NULL;
	struct lxr_spec spec = {0};
	int rc;

	if (bldx_mount_view(r, lw, false, &view, err) < 0)
		return -1;
	rc = rt_user_resolve(view, v, &spec, err);
	umount2(view, MNT_DETACH);
	free(spec.additional_gids);
	if (rc < 0)
		return -1;
	t->uid = spec.uid;
	t->gid = spec.gid;
	t->chown = true;
	return 0;
}

static int heredoc_source(struct bldx_run *r, struct bldx_stage *s, const struct df_instr *in,
			  const struct df_heredoc *h, const struct copy_to *t, const char *dst,
			  lxr_err *err)
{
	_cleanup_free_ char *body = NULL, *dir = lxr_xstrdup(dst);
	char *base = strrchr(dir, '/');
	*base++ = '\0';
	_cleanup_close_ int dfd = layer_dir(t, *dir ? dir : "/", err);
	struct bld_ctx_file f = {.mode = S_IFREG | 0644};

	if (dfd < 0)
		return -1;
	if (!h->expand)
		body = lxr_xstrdup(h->body);
	else if (df_expand_raw(h->body, bld_config_lookup, &s->cfg, &body, err) < 0)
		return bldx_fail(err, r->o->f, in, "<<%s: %s", h->name, err->msg);
	_cleanup_close_ int fd =
	    openat(dfd, base, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, body, strlen(body)) != (ssize_t)strlen(body))
		return lxr_fail(err, errno, "write %s in the new layer", dst);
	return set_meta(t, dfd, base, &f, err);
}

/* The here-document a COPY source names ("<<EOF", "<<-EOF", "<<'EOF'"),
 * or NULL. */
static const struct df_heredoc *heredoc_named(const struct df_instr *in, const char *src)
{
	for (size_t k = 0; k < in->n_heredocs; k++)
		if (df_heredoc_word(&in->heredocs[k], src))
			return &in->heredocs[k];
	return NULL;
}

static int copy_sources(struct bldx_run *r, struct bldx_stage *s, const struct df_instr *in,
			struct bld_context *from, char **srcs, size_t nsrc, const char *dest,
			const struct copy_to *t, lxr_err *err);

/* --exclude: a pattern matches the path in the context (or stage) or the
 * path below the source, with .dockerignore's matching */
static bool excluded(const struct copy_to *t, const char *ctx_path, const char *rel)
{
	return t->exclude &&
	       (bld_ignore_match(t->exclude, ctx_path) || bld_ignore_match(t->exclude, rel));
}

/* a downloaded URL: mode 0600 (docker's), dated by its Last-Modified,
 * named after the URL unless the destination is a file name; never
 * unpacked */
static int url_source(struct bldx_run *r, const struct df_instr *in, const struct copy_to *t,
		      size_t i, bool dest_dir, const char *dst, lxr_err *err)
{
	_cleanup_close_ int root = open(t->url_dirs[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	_cleanup_free_ char *dp =
	    dest_dir ? lxr_xasprintf("%s/%s", strcmp(dst, "/") ? dst : "", t->url_names[i])
		     : lxr_xstrdup(dst);

	if (root < 0 || fstatat(root, t->url_names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
		return lxr_fail(err, errno, "the download of %s", t->url_names[i]);
	struct bld_ctx_file f = {.rel = "", .mode = S_IFREG | 0600, .mtime = st.st_mtim};
	if (copy_file(t, root, t->url_names[i], false, dp, &f, err) < 0)
		return bldx_fail(err, r->o->f, in, "%s", err->msg);
	return 0;
}

/* ADD of a local archive: unpacked (by lxr-image, safely, into a fresh
 * directory) and its contents copied into the destination directory */
static int add_archive(struct bldx_run *r, struct bldx_stage *s, const struct df_instr *in,
		       struct bld_context *from, const char *path, const char *dst,
		       const struct copy_to *t, lxr_err *err)
{
	_cleanup_free_ char *dir = lxr_xasprintf("%s/extract/%d", r->o->work, r->n_mounts++);
	_cleanup_close_ int fd = lxr_open_in_root(bld_context_fd(from), path, O_RDONLY, 0, err);
	struct bld_context *x = NULL;
	_cleanup_free_ char *d = lxr_xasprintf("%s/", dst);
	char *all[] = {".", NULL};
	int rc;

	struct copy_to inner = *t;
	if (fd < 0 || lxr_mkdir_p(dir, 0700, err) < 0 ||
	    img_tool_extract(r->o->store, fd, dir, err) < 0 ||
	    bld_context_open_root(dir, &x, err) < 0)
		return bldx_fail(err, r->o->f, in, "ADD %s: %s", path, err->msg);
	inner.url_dirs = inner.url_names = NULL;
	rc = copy_sources(r, s, in, x, all, 1, d, &inner, err);
	bld_context_close(x);
	return rc;
}

/* One source (a file, or a directory and what is below it) copied to the
 * destination dst, its path kept from the --parents pivot on. */
static int copy_source(struct bldx_run *r, struct bldx_stage *s, const struct df_instr *in,
		       struct bld_context *from, const struct bld_source *src, const char *dst,
		       bool dest_dir, size_t pivot, const struct copy_to *t, lxr_err *err)
{
	bool isdir = S_ISDIR(src->files[0].mode), arch = false;
	const char *bn = strrchr(src->path, '/');

	if (in->kind == DF_ADD && !isdir &&
	    bldx_add_is_archive(r, bld_context_fd(from), src->path, &arch, err) < 0)
		return bldx_fail(err, r->o->f, in, "%s", err->msg);
	if (arch)
		return add_archive(r, s, in, from, src->path, dst, t, err);
	bn = bn ? bn + 1 : src->path;
	const char *kept = t->parents ? bldx_skip_components(src->path, pivot) : "";
	_cleanup_free_ char *top = bldx_dest_top(dst, kept, isdir, dest_dir, bn);
	for (size_t k = 0; k < src->n; k++) {
		const struct bld_ctx_file *f = &src->files[k];
		_cleanup_free_ char *sp =
		    *f->rel ? lxr_xasprintf("%s/%s", src->path, f->rel) : lxr_xstrdup(src->path);
		_cleanup_free_ char *dp =
		    *f->rel ? lxr_xasprintf("%s/%s", strcmp(top, "/") ? top : "", f->rel)
			    : lxr_xstrdup(top);
		if (!strcmp(dp, "/") || excluded(t, sp, *f->rel ? f->rel : bn))
			continue;
		/* the directory whose contents are copied: the destination
		 * keeps what the image has (docker), or is made 0755
		 * (--chown's) */
		int rc = !*f->rel && isdir
			     ? dest_root(t, dp, err)
			     : copy_file(t, bld_context_fd(from), sp, !*f->rel, dp, f, err);
		if (rc < 0)
			return bldx_fail(err, r->o->f, in, "%s", err->msg);
	}
	return 0;
}

static int copy_sources(struct bldx_run *r, struct bldx_stage *s, const struct df_instr *in,
			struct bld_context *from, char **srcs, size_t nsrc, const char *dest,
			const struct copy_to *t, lxr_err *err)
{
	_cleanup_free_ char *written = bldx_clean_abs(s->cfg.img.workdir, dest);
	/* BuildKit follows the links of the destination inside the image,
	 * the last one too: `COPY f /bin` on a merged-usr image lands in
	 * /usr/bin, `COPY f /etc/localtime` replaces the file the link names */
	_cleanup_free_ char *dst = bldx_root_resolve(t->layer, written, err);
	if (!dst)
		return bldx_fail(err, r->o->f, in, "destination %s", err->msg);
	/* docker: a directory when written so ("dir/", ".", "dir/."), for
	 * several sources, or when the image has a directory there */
	bool dest_dir = lxr_str_has_suffix(dest, "/") || !strcmp(dest, ".") ||
			lxr_str_has_suffix(dest, "/.") || nsrc > 1 ||
			bldx_root_is_dir(t->layer, dst);

	for (size_t i = 0; i < nsrc; i++) {
		const struct df_heredoc *h = heredoc_named(in, srcs[i]);
		if (h) {
			_cleanup_free_ char *p =
			    dest_dir ? lxr_xasprintf("%s/%s", dst, h->name) : lxr_xstrdup(dst);
			if (heredoc_source(r, s, in, h, t, p, err) < 0)
				return -1;
			continue;
		}
		if (t->url_dirs && t->url_dirs[i]) {
			if (url_source(r, in, t, i, dest_dir, dst, err) < 0)
				return -1;
			continue;
		}
		struct bld_source *v = NULL;
		size_t n = 0;
		if (bld_context_sources(from, srcs[i], true, &v, &n, err) < 0)
			return bldx_fail(err, r->o->f, in, "%s", err->msg);
		if (n > 1 || t->parents)
			dest_dir = true;
		size_t pivot = t->parents ? bldx_pivot_depth(srcs[i]) : 0;
		for (size_t j = 0; j < n; j++) {
			if (copy_source(r, s, in, from, &v[j], dst, dest_dir, pivot, t, err) < 0) {
				bld_sources_free(v, n);
				return -1;
			}
		}
		bld_sources_free(v, n);
	}
	return 0;
}

/* What the step reads, as one digest: each source's paths, types, modes,
 * link targets and contents (a heredoc: its body). */
static int sources_digest(struct bldx_run *r, const struct df_instr *in, struct bld_context *from,
			  char **srcs, char **urls, size_t n, char **out, lxr_err *err)
{
	*out = lxr_xstrdup("");
	for (size_t i = 0; i < n; i++) {
		char d[72];
		const char *part = d;
		if (urls && urls[i]) {
			part = urls[i];
		} else if (heredoc_named(in, srcs[i])) {
			part = heredoc_named(in, srcs[i])->body;
		} else {
			struct bld_source *v = NULL;
			size_t nv = 0;
			if (bld_context_sources(from, srcs[i], true, &v, &nv, err) < 0)
				return bldx_fail(err, r->o->f, in, "%s", err->msg);
			int rc = bld_sources_digest(from, v, nv, d, err);
			bld_sources_free(v, nv);
			if (rc < 0)
				return bldx_fail(err, r->o->f, in, "%s", err->msg);
		}
		char *x = lxr_xasprintf("%s%s\n", *out, part);
		free(*out);
		*out = x;
	}
	return 0;
}

static int copy_from_ctx(struct bldx_run *r, const struct df_instr *in, struct bld_context **c,
			 char **view, lxr_err *err)
{
	const char *from = bldx_flag(in, "from");
	_cleanup_free_ char *name = NULL;
	char **lw = NULL, key[72];
	int ret;

	*c = r->o->ctx;
	*view = NULL;
	if (!from)
		return 0;
	if (df_expand(from, r->o->f->escape, bld_env_lookup, r->o->plan->meta_args, &name, err) < 0)
		return bldx_fail(err, r->o->f, in, "--from: %s", err->msg);
	/* a named context wins over a stage or image of its name (BuildKit);
	 * a docker-image:// one bldx_from_layers resolves */
	const char *named = bldx_named_context(r->o, name);
	if (named && !lxr_str_has_prefix(named, "docker-image://")) {
		if (bld_context_open(named, NULL, c, err) < 0)
			return bldx_fail(err, r->o->f, in, "--from=%s: %s", name, err->msg);
		return 0;
	}
	if (bldx_from_layers(r, name, &lw, key, err) < 0)
		return bldx_fail(err, r->o->f, in, "--from=%s: %s", name, err->msg);
	ret = bldx_mount_view(r, lw, false, view, err);
	lxr_strv_free(lw);
	if (ret < 0 || bld_context_open_root(*view, c, err) < 0)
		return bldx_fail(err, r->o->f, in, "--from=%s: %s", name, err->msg);
	return 0;
}

int bldx_copy_tree(struct bldx_run *r, const struct df_instr *in, struct bld_context *from,
		   const char *src, int dirfd, lxr_err *err)
{
	struct bldx_stage none = {0};
	struct copy_to t = {.layer = dirfd, .chmod = -1};
	char *srcs[] = {(char *)src, NULL};

	return copy_sources(r, &none, in, from, srcs, 1, "/", &t, err);
}

/* --chown (numbers, or names from the stage's own files) and --chmod */
static int copy_owner_mode(struct bldx_run *r, struct bldx_stage *s, const struct df_instr *in,
			   struct copy_to *t, lxr_err *err)
{
	if (bldx_flag(in, "chown")) {
		_cleanup_free_ char *v = NULL;
		if (df_expand(bldx_flag(in, "chown"), r->o->f->escape, bld_config_lookup, &s->cfg,
			      &v, err) < 0)
			return bldx_fail(err, r->o->f, in, "--chown: %s", err->msg);
		if (parse_chown(v, t) < 0 && chown_names(r, s, v, t, err) < 0)
			return bldx_fail(err, r->o->f, in, "--chown=%s: %s", v, err->msg);
	}
	if (bldx_flag(in, "chmod")) {
		char *e;
		long m = strtol(bldx_flag(in, "chmod"), &e, 8);
		if (*e || m < 0 || m > 07777)
			return bldx_fail(err, r->o->f, in, "--chmod=%s: not an octal mode",
					 bldx_flag(in, "chmod"));
		t->chmod = (int)m;
	}
	return 0;
}

/* --exclude=PATTERN (repeatable), substituted as the sources are */
static int copy_excludes(struct bldx_run *r, struct bldx_stage *s, const struct df_instr *in,
			 struct bld_ignore *out, lxr_err *err)
{
	_cleanup_free_ char *text = lxr_xstrdup("");

	*out = (struct bld_ignore){0};
	for (size_t i = 0; i < in->n_flags; i++) {
		_cleanup_free_ char *v = NULL;
		if (strcmp(in->flags[i].name, "exclude") || !in->flags[i].value)
			continue;
		if (df_expand(in->flags[i].value, r->o->f->escape, bld_config_lookup, &s->cfg, &v,
			      err) < 0)
			return bldx_fail(err, r->o->f, in, "--exclude: %s", err->msg);
		if (*v == '!' || *v == '#' || strchr(v, '\n'))
			return bldx_fail(err, r->o->f, in, "--exclude=%s: not a path pattern", v);
		char *x = lxr_xasprintf("%s%s\n", text, v);
		free(text);
		text = x;
	}
	if (bld_ignore_parse("--exclude", text, strlen(text), out, err) < 0)
		return bldx_fail(err, r->o->f, in, "%s", err->msg);
	return 0;
}

/* ADD's downloads of the n sources, gone with the step */
static void url_sources_free(struct copy_to *t, char **keys, size_t n)
{
	for (size_t i = 0; keys && i < n; i++) {
		lxr_err e2;
		if (t->url_dirs[i])
			lxr_rm_rf(t->url_dirs[i], &e2);
		free(t->url_dirs[i]);
		free(t->url_names[i]);
		free(keys[i]);
	}
	free(t->url_dirs);
	free(t->url_names);
	free(keys);
}

int bldx_copy(struct bldx_run *r, struct bldx_stage *s, const struct df_instr *in, lxr_err *err)
{
	struct bld_ignore exclude = {0};
	char key[72], *hit;
	_cleanup_free_ char *digest = NULL;
	struct copy_to t = {.layer = -1, .s = s, .chmod = -1};
	_cleanup_free_ char *layer = NULL, *view = NULL;
	struct bld_context *from = NULL;
	char **words = NULL, **url_keys = NULL;
	size_t n;
	int ret = -1;

	if (copy_owner_mode(r, s, in, &t, err) < 0)
		return -1;
	for (size_t i = 0; in->args[i]; i++) {
		char *w = NULL;
		if (lxr_str_has_prefix(in->args[i], "<<"))
			w = lxr_xstrdup(in->args[i]);
		else if (df_expand(in->args[i], r->o->f->escape, bld_config_lookup, &s->cfg, &w,
				   err) < 0) {
			lxr_strv_free(words);
			return bldx_fail(err, r->o->f, in, "%s: %s", in->args[i], err->msg);
		}
		lxr_strv_push(&words, w);
	}
	n = lxr_strv_len(words);
	if (copy_excludes(r, s, in, &exclude, err) < 0)
		goto done;
	t.exclude = exclude.n ? &exclude : NULL;
	t.parents = bldx_flag(in, "parents") && strcmp(bldx_flag(in, "parents"), "false");
	if (copy_from_ctx(r, in, &from, &view, err) < 0)
		goto done;
	if (in->kind == DF_ADD &&
	    bldx_add_urls(r, in, words, n - 1, &t.url_dirs, &t.url_names, &url_keys, err) < 0)
		goto done;
	if (sources_digest(r, in, from, words, url_keys, n - 1, &digest, err) < 0)
		goto done;
	bldx_key(key, s->key, in->original, s->cfg.args, digest);
	hit = bldx_cache_get(r, s, key);
	if (hit) {
		bldx_step_done(r, s, in, hit, key, true, r->n_layers++);
		ret = 0;
		goto done;
	}
	layer = bldx_new_layer(r, err);
	if (!layer)
		goto done;
	t.layer = bldx_layer_root(r, s, layer, err);
	if (t.layer < 0) {
		bldx_fail(err, r->o->f, in, "%s", err->msg);
		goto done;
	}
	fprintf(stderr, "#%d %s%s\n", r->n_layers - 1, r->tag ? r->tag : "", in->original);
	ret = copy_sources(r, s, in, from, words, n - 1, words[n - 1], &t, err);
	/* the overlay lets go of the layer before it moves into the cache */
	close(t.layer);
	t.layer = -1;
	if (ret == 0)
		ret = bldx_cache_put(r, s, key, &layer, err);
	if (ret == 0)
		bldx_step_done(r, s, in, lxr_steal_ptr(&layer), key, false, r->n_layers - 1);
done:
	url_sources_free(&t, url_keys, n - 1);
	bld_ignore_free(&exclude);
	if (from != r->o->ctx)
		bld_context_close(from);
	if (view)
		umount2(view, MNT_DETACH);
	if (t.layer >= 0)
		close(t.layer);
	lxr_strv_free(words);
	return ret;
}

int bldx_workdir(struct bldx_run *r, struct bldx_stage *s, lxr_err *err)
{
	struct copy_to t = {.layer = -1, .s = s, .chmod = -1};
	_cleanup_free_ char *layer = NULL;
	const char *wd = s->cfg.img.workdir;
	int fd;

	if (!wd || bldx_stage_is_dir(s, wd))
		return 0;
	/* BuildKit makes it as the stage's USER (llb.WithUser) */
	if (s->cfg.img.user && *s->cfg.img.user && parse_chown(s->cfg.img.user, &t) < 0 &&
	    chown_names(r, s, s->cfg.img.user, &t, err) < 0)
		return lxr_err_wrap(err, "WORKDIR %s as USER %s", wd, s->cfg.img.user);
	layer = bldx_new_layer(r, err);
	if (!layer)
		return -1;
	t.layer = bldx_layer_root(r, s, layer, err);
	if (t.layer < 0)
		return lxr_err_wrap(err, "WORKDIR %s", wd);
	fd = layer_dir(&t, wd, err);
	if (fd >= 0)
		close(fd);
	close(t.layer);
	if (fd < 0)
		return lxr_err_wrap(err, "WORKDIR %s", wd);
	/* a link to a directory the image has (WORKDIR /bin on a merged-usr
	 * image) made nothing: no layer, as for a directory it has */
	fd = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool empty = fd >= 0 && lxr_dir_is_empty(fd);
	if (fd >= 0)
		close(fd);
	if (empty)
		return rmdir(layer) < 0 ? lxr_fail(err, errno, "remove %s", layer) : 0;
	lxr_strv_push(&s->new_layers, lxr_steal_ptr(&layer));
	/* the history entry WORKDIR made now stands for a layer */
	s->cfg.history[s->cfg.n_history - 1].empty_layer = false;
	return 0;
}
