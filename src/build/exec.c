/* Running a build: each needed stage's instructions in order, layers in
 * the work directory, the result handed to lxr-image to store. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/internal.h"
#include "lxr/plan.h"
#include "lxr/runtime.h"

struct stage_state {
	bool done;
	char *base;         /* manifest digest of the image under it, NULL: scratch */
	char **base_layers; /* that image's layer directories, topmost first */
	char **new_layers;  /* layers the build made, bottom first */
	struct bld_config cfg;
};

struct run {
	const struct bld_opts *o;
	struct stage_state *st;
	int n_layers, n_mounts;
	int use_fd[16];
	int n_use;
};

static int fail_at(lxr_err *err, const struct df_file *f, const struct df_instr *in,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail_at(lxr_err *err, const struct df_file *f, const struct df_instr *in,
		   const char *fmt, ...)
{
	char what[LXR_ERR_MSG_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return lxr_fail(err, err->errnum, "%s:%d:%d: %s", f->name, in->line, in->col, what);
}

static const char *flag(const struct df_instr *in, const char *name)
{
	for (size_t i = 0; i < in->n_flags; i++)
		if (!strcmp(in->flags[i].name, name))
			return in->flags[i].value ? in->flags[i].value : "true";
	return NULL;
}

/* topmost first: what overlayfs and the runtime take */
static char **lowers(const struct stage_state *s)
{
	char **v = lxr_xcalloc(1, sizeof(char *));

	for (size_t i = lxr_strv_len(s->new_layers); i > 0; i--)
		lxr_strv_push(&v, lxr_xstrdup(s->new_layers[i - 1]));
	for (size_t i = 0; s->base_layers && s->base_layers[i]; i++)
		lxr_strv_push(&v, lxr_xstrdup(s->base_layers[i]));
	return v;
}

static void stage_free(struct stage_state *s)
{
	free(s->base);
	lxr_strv_free(s->base_layers);
	lxr_strv_free(s->new_layers);
	bld_config_free(&s->cfg);
	*s = (struct stage_state){0};
}

static void copy_config(struct bld_config *to, const struct bld_config *from)
{
	bld_config_init(to, &from->img);
	to->img.healthcheck = from->img.healthcheck;
	to->img.healthcheck.test =
	    from->img.healthcheck.test ? lxr_strv_dup(from->img.healthcheck.test) : NULL;
	to->labels = from->labels ? lxr_strv_dup(from->labels) : NULL;
	to->volumes = from->volumes ? lxr_strv_dup(from->volumes) : NULL;
	to->shell = from->shell ? lxr_strv_dup(from->shell) : NULL;
	to->onbuild = from->onbuild ? lxr_strv_dup(from->onbuild) : NULL;
	to->history = lxr_xcalloc(from->n_history + 1, sizeof(*to->history));
	for (size_t i = 0; i < from->n_history; i++)
		to->history[i] = (struct bld_history){lxr_xstrdup(from->history[i].created_by),
						      from->history[i].empty_layer};
	to->n_history = from->n_history;
}

static void history(struct bld_config *c, const char *by, bool empty)
{
	c->history = lxr_xrealloc(c->history, (c->n_history + 1) * sizeof(*c->history));
	c->history[c->n_history++] = (struct bld_history){lxr_xstrdup(by), empty};
}

/* An image from the store (pulled when missing), held in use for the
 * build's lifetime so a prune cannot take it. */
static int from_image(struct run *r, const char *ref, struct stage_state *s, lxr_err *err)
{
	struct img_image im = {0};

	if (img_ensure(r->o->store, ref, IMG_PULL_MISSING, &im, err) < 0)
		return lxr_err_wrap(err, "image %s", ref);
	if (r->n_use < 16 &&
	    img_use_acquire(r->o->store, &im, "lxr build", &r->use_fd[r->n_use], err) == 0)
		r->n_use++;
	s->base = lxr_xstrdup(im.manifest_digest);
	s->base_layers = lxr_strv_dup(im.layer_dirs);
	bld_config_init(&s->cfg, &im.config);
	img_image_free(&im);
	return 0;
}

static int do_from(struct run *r, size_t si, lxr_err *err)
{
	const struct bld_stage *bs = &r->o->plan->stages[si];
	struct stage_state *s = &r->st[si];

	if (bs->base_stage >= 0) {
		const struct stage_state *b = &r->st[bs->base_stage];
		s->base = b->base ? lxr_xstrdup(b->base) : NULL;
		s->base_layers = b->base_layers ? lxr_strv_dup(b->base_layers) : NULL;
		s->new_layers = b->new_layers ? lxr_strv_dup(b->new_layers) : NULL;
		copy_config(&s->cfg, &b->cfg);
		return 0;
	}
	if (!strcmp(bs->base, "scratch")) {
		bld_config_init(&s->cfg, NULL);
		return 0;
	}
	if (from_image(r, bs->base, s, err) < 0)
		return fail_at(err, r->o->f, &r->o->f->v[bs->first], "FROM %s: %s", bs->base,
			       err->msg);
	return 0;
}

static char *new_layer_dir(struct run *r, lxr_err *err)
{
	char *d = lxr_xasprintf("%s/layers/%d", r->o->work, r->n_layers++);

	if (lxr_mkdir_p(d, 0755, err) < 0) {
		free(d);
		return NULL;
	}
	return d;
}

/* ---- RUN ------------------------------------------------------------------------ */

static char **run_env(const struct bld_config *c)
{
	char **env = c->img.env ? lxr_strv_dup(c->img.env) : lxr_xcalloc(1, sizeof(char *));
	bool path = false;

	for (size_t i = 0; env[i]; i++)
		path |= lxr_str_has_prefix(env[i], "PATH=");
	/* docker: build args are the step's environment, ENV wins */
	for (size_t i = 0; c->args && c->args[i]; i++) {
		size_t n = strcspn(c->args[i], "=");
		bool set = false;
		for (size_t k = 0; env[k]; k++)
			set |= !strncmp(env[k], c->args[i], n + 1);
		if (!set)
			lxr_strv_push(&env, lxr_xstrdup(c->args[i]));
	}
	if (!path)
		lxr_strv_push(&env, lxr_xstrdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
						"/usr/bin:/sbin:/bin"));
	return env;
}

/* the shell form with heredocs: the shell gets the command and the
 * bodies, as BuildKit hands them over; `RUN <<EOF` alone runs the body */
static char **run_args(const struct bld_config *c, const struct df_instr *in)
{
	if (in->json)
		return lxr_strv_dup(in->args);
	if (in->n_heredocs == 1) {
		const char *a = in->args[0];
		char *t =
		    lxr_xasprintf("<<%s%s", in->heredocs[0].chomp ? "-" : "", in->heredocs[0].name);
		bool alone = !strcmp(a, t);
		free(t);
		if (alone)
			return bld_config_shell_args(c, in->heredocs[0].body);
	}
	if (!in->n_heredocs)
		return bld_config_shell_args(c, in->args[0]);
	char *script = lxr_xstrdup(in->args[0]);
	for (size_t i = 0; i < in->n_heredocs; i++) {
		char *n =
		    lxr_xasprintf("%s\n%s%s", script, in->heredocs[i].body, in->heredocs[i].name);
		free(script);
		script = n;
	}
	char **v = bld_config_shell_args(c, script);
	free(script);
	return v;
}

static int do_run(struct run *r, struct stage_state *s, const struct df_instr *in, lxr_err *err)
{
	_cleanup_free_ char *root = lxr_xasprintf("%s/containers", r->o->work);
	_cleanup_free_ char *layer = NULL;
	struct lxr_spec spec;
	struct lxr_stdio io = {.fds = {-1, -1, -1}, .pty_master = -1};
	struct lxr_pipes pipes = {.child = {-1, -1, -1}, .in = -1, .out = -1, .err = -1};
	struct lxr_container *c = NULL;
	int code, rc;

	if (!s->base_layers && !s->new_layers)
		return fail_at(err, r->o->f, in, "RUN on an empty filesystem (FROM scratch)");
	if (flag(in, "mount") || (flag(in, "network") && strcmp(flag(in, "network"), "none")) ||
	    flag(in, "security"))
		return fail_at(err, r->o->f, in,
			       "RUN --mount, --network (but none) and --security are not "
			       "supported yet by lxr's builder");
	rt_spec_init_defaults(&spec);
	spec.id = lxr_xasprintf("build-%d-%d", (int)getpid(), r->n_layers);
	spec.cgroup_group = lxr_xstrdup("_build");
	spec.hostname = lxr_xstrdup("lxr-build");
	spec.lower_dirs = lowers(s);
	spec.args = run_args(&s->cfg, in);
	spec.env = run_env(&s->cfg);
	free(spec.cwd);
	spec.cwd = lxr_xstrdup(s->cfg.img.workdir ? s->cfg.img.workdir : "/");
	if (rt_spec_apply_user(&spec, s->cfg.img.user, NULL, err) < 0) {
		plan_spec_free(&spec);
		return fail_at(err, r->o->f, in, "RUN as USER %s: %s", s->cfg.img.user, err->msg);
	}
	if (lxr_mkdir_p(root, 0700, err) < 0 || rt_pipes_open(&pipes, false, err) < 0) {
		plan_spec_free(&spec);
		return -1;
	}
	memcpy(io.fds, pipes.child, sizeof(io.fds));
	fprintf(stderr, "#%d %s\n", r->n_layers, in->original);
	rc = rt_container_start(&spec, root, &io, &c, err);
	rt_pipes_close_child(&pipes);
	if (rc < 0) {
		rt_pipes_close(&pipes);
		plan_spec_free(&spec);
		return fail_at(err, r->o->f, in, "RUN: %s", err->msg);
	}
	code = rt_container_exit_code(rt_container_attach(c, -1, false, &pipes, err));
	rt_pipes_close(&pipes);
	_cleanup_free_ char *upper = lxr_xasprintf("%s/upper", rt_container_dir(c));
	layer = lxr_xasprintf("%s/layers/%d", r->o->work, r->n_layers++);
	rc = code == 0 && rename(upper, layer) < 0 ? -errno : 0;
	lxr_err e2;
	rt_container_destroy(c, true, &e2);
	plan_spec_free(&spec);
	if (code != 0)
		return fail_at(err, r->o->f, in, "%s: exit code %d", in->original, code);
	if (rc < 0)
		return lxr_fail(err, -rc, "move the RUN layer %s to %s", upper, layer);
	lxr_strv_push(&s->new_layers, lxr_steal_ptr(&layer));
	history(&s->cfg, in->original, false);
	return 0;
}

/* ---- COPY and ADD ------------------------------------------------------------- */

/* path cleaned, absolute, never above "/" */
static char *clean_abs(const char *base, const char *p)
{
	_cleanup_free_ char *full =
	    p[0] == '/' ? lxr_xstrdup(p) : lxr_xasprintf("%s/%s", base ? base : "/", p);
	char *out = lxr_xmalloc(strlen(full) + 2);
	size_t k = 0;

	for (char *c = full; *c;) {
		char *e = strchr(c, '/');
		size_t len = e ? (size_t)(e - c) : strlen(c);
		if (len == 2 && c[0] == '.' && c[1] == '.') {
			while (k > 0 && out[k - 1] != '/')
				k--;
			if (k > 0)
				k--;
		} else if (len && !(len == 1 && c[0] == '.')) {
			out[k++] = '/';
			memcpy(out + k, c, len);
			k += len;
		}
		c += len + (e ? 1 : 0);
	}
	if (!k)
		out[k++] = '/';
	out[k] = '\0';
	return out;
}

struct copy_to {
	int layer; /* the new layer's root */
	uid_t uid;
	gid_t gid;
	bool chown;
	int chmod; /* -1: keep */
};

/* mkdir -p of dir inside the layer (RESOLVE_IN_ROOT: a link made by an
 * earlier entry cannot send anything outside it); returns an fd */
static int layer_dir(const struct copy_to *t, const char *dir, lxr_err *err)
{
	_cleanup_free_ char *d = lxr_xstrdup(dir);
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
			if (mkdirat(pfd, b + 1, 0755) < 0 && errno != EEXIST)
				return lxr_fail(err, errno, "mkdir %s in the new layer", d);
		}
		*sl = save;
		if (!save)
			break;
	}
	return lxr_open_in_root(t->layer, dir, O_RDONLY | O_DIRECTORY, 0, err);
}

static int set_meta(const struct copy_to *t, int dfd, const char *name,
		    const struct bld_ctx_file *f, lxr_err *err)
{
	uid_t uid = t->chown ? t->uid : 0;
	gid_t gid = t->chown ? t->gid : 0;

	/* docker: files keep their mode, owners are root unless --chown */
	if (fchownat(dfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return lxr_fail(err, errno, "chown %s in the new layer", name);
	if (!S_ISLNK(f->mode) &&
	    fchmodat(dfd, name, t->chmod >= 0 ? (mode_t)t->chmod : (f->mode & 07777), 0) < 0)
		return lxr_fail(err, errno, "chmod %s in the new layer", name);
	return 0;
}

static int copy_file(const struct copy_to *t, int srcroot, const char *src, bool follow,
		     const char *dst, const struct bld_ctx_file *f, lxr_err *err)
{
	_cleanup_free_ char *dir = lxr_xstrdup(dst);
	char *base = strrchr(dir, '/');
	*base++ = '\0';
	_cleanup_close_ int dfd = layer_dir(t, *dir ? dir : "/", err);

	if (dfd < 0)
		return -1;
	if (S_ISDIR(f->mode)) {
		if (mkdirat(dfd, base, 0755) < 0 && errno != EEXIST)
			return lxr_fail(err, errno, "mkdir %s in the new layer", dst);
		return set_meta(t, dfd, base, f, err);
	}
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
	if (out < 0)
		return lxr_fail(err, errno, "create %s in the new layer", dst);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return lxr_fail(err, errno, "write %s in the new layer", dst);
	if (n < 0)
		return lxr_fail(err, errno, "read %s", src);
	return set_meta(t, dfd, base, f, err);
}

static bool is_archive(int root, const char *path)
{
	lxr_err e2;
	_cleanup_close_ int fd = lxr_open_in_root(root, path, O_RDONLY, 0, &e2);
	unsigned char m[262] = {0};

	if (fd < 0 || pread(fd, m, sizeof(m), 0) < 6)
		return false;
	return (m[0] == 0x1f && m[1] == 0x8b) || !memcmp(m, "BZh", 3) ||
	       !memcmp(m,
		       "\xfd"
		       "7zXZ",
		       5) ||
	       !memcmp(m, "\x28\xb5\x2f\xfd", 4) || !memcmp(m + 257, "ustar", 5);
}

/* A merged, read-only view of a stage or image, for COPY --from: an
 * overlay of its layers in the build's own mount namespace. */
static int mount_view(struct run *r, char *const *lw, char **at, lxr_err *err)
{
	size_t n = lxr_strv_len(lw);
	*at = lxr_xasprintf("%s/views/%d", r->o->work, r->n_mounts++);

	if (lxr_mkdir_p(*at, 0755, err) < 0)
		return -1;
	if (n == 0)
		return 0; /* scratch: an empty directory */
	if (n == 1)
		return mount(lw[0], *at, NULL, MS_BIND | MS_RDONLY, NULL) < 0
			   ? lxr_fail(err, errno, "bind %s on %s", lw[0], *at)
			   : 0;
	size_t len = 16;
	for (size_t i = 0; i < n; i++)
		len += strlen(lw[i]) + 1;
	_cleanup_free_ char *opts = lxr_xmalloc(len);
	strcpy(opts, "lowerdir=");
	for (size_t i = 0; i < n; i++)
		strcat(strcat(opts, i ? ":" : ""), lw[i]);
	if (mount("overlay", *at, "overlay", MS_RDONLY, opts) < 0)
		return lxr_fail(err, errno, "mount overlay (%s) on %s", opts, *at);
	return 0;
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

static int heredoc_source(struct run *r, struct stage_state *s, const struct df_instr *in,
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
	else if (df_expand(h->body, r->o->f->escape, bld_config_lookup, &s->cfg, &body, err) < 0)
		return fail_at(err, r->o->f, in, "<<%s: %s", h->name, err->msg);
	_cleanup_close_ int fd =
	    openat(dfd, base, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, body, strlen(body)) != (ssize_t)strlen(body))
		return lxr_fail(err, errno, "write %s in the new layer", dst);
	return set_meta(t, dfd, base, &f, err);
}

static int copy_sources(struct run *r, struct stage_state *s, const struct df_instr *in,
			struct bld_context *from, char **srcs, size_t nsrc, const char *dest,
			const struct copy_to *t, lxr_err *err)
{
	bool dest_dir = lxr_str_has_suffix(dest, "/") || nsrc > 1;
	_cleanup_free_ char *dst = clean_abs(s->cfg.img.workdir, dest);

	for (size_t i = 0; i < nsrc; i++) {
		const struct df_heredoc *h = NULL;
		for (size_t k = 0; k < in->n_heredocs; k++) {
			_cleanup_free_ char *w = lxr_xasprintf(
			    "<<%s%s", in->heredocs[k].chomp ? "-" : "", in->heredocs[k].name);
			if (!strcmp(srcs[i], w))
				h = &in->heredocs[k];
		}
		if (h) {
			_cleanup_free_ char *p =
			    dest_dir ? lxr_xasprintf("%s/%s", dst, h->name) : lxr_xstrdup(dst);
			if (heredoc_source(r, s, in, h, t, p, err) < 0)
				return -1;
			continue;
		}
		struct bld_source *v = NULL;
		size_t n = 0;
		if (bld_context_sources(from, srcs[i], &v, &n, err) < 0)
			return fail_at(err, r->o->f, in, "%s", err->msg);
		if (n > 1)
			dest_dir = true;
		for (size_t j = 0; j < n; j++) {
			const struct bld_source *src = &v[j];
			bool isdir = S_ISDIR(src->files[0].mode);
			if (in->kind == DF_ADD && !isdir &&
			    is_archive(bld_context_fd(from), src->path)) {
				bld_sources_free(v, n);
				return fail_at(err, r->o->f, in,
					       "ADD %s: extracting an archive is not supported yet",
					       src->path),
				       lxr_err_hint(err, "COPY it and extract it with RUN tar");
			}
			const char *bn = strrchr(src->path, '/');
			bn = bn ? bn + 1 : src->path;
			_cleanup_free_ char *top =
			    isdir ? lxr_xstrdup(dst)
				  : (dest_dir
					 ? lxr_xasprintf("%s/%s", strcmp(dst, "/") ? dst : "", bn)
					 : lxr_xstrdup(dst));
			for (size_t k = 0; k < src->n; k++) {
				const struct bld_ctx_file *f = &src->files[k];
				_cleanup_free_ char *sp =
				    *f->rel ? lxr_xasprintf("%s/%s", src->path, f->rel)
					    : lxr_xstrdup(src->path);
				_cleanup_free_ char *dp =
				    *f->rel ? lxr_xasprintf("%s/%s", strcmp(top, "/") ? top : "",
							    f->rel)
					    : lxr_xstrdup(top);
				if (!strcmp(dp, "/"))
					continue;
				if (copy_file(t, bld_context_fd(from), sp, !*f->rel, dp, f, err) <
				    0) {
					bld_sources_free(v, n);
					return fail_at(err, r->o->f, in, "%s", err->msg);
				}
			}
		}
		bld_sources_free(v, n);
	}
	return 0;
}

static int copy_from_ctx(struct run *r, const struct df_instr *in, struct bld_context **c,
			 char **view, lxr_err *err)
{
	const char *from = flag(in, "from");
	_cleanup_free_ char *name = NULL;
	char **lw = NULL;
	int st = -1, ret;

	*c = r->o->ctx;
	*view = NULL;
	if (!from)
		return 0;
	if (df_expand(from, r->o->f->escape, bld_env_lookup, r->o->plan->meta_args, &name, err) < 0)
		return fail_at(err, r->o->f, in, "--from: %s", err->msg);
	for (size_t i = 0; i < r->o->plan->n; i++)
		if (r->o->plan->stages[i].name && !strcasecmp(r->o->plan->stages[i].name, name))
			st = (int)i;
	if (st < 0 && name[0] >= '0' && name[0] <= '9' && !name[strspn(name, "0123456789")])
		st = atoi(name);
	if (st >= 0) {
		lw = lowers(&r->st[st]);
	} else {
		struct stage_state tmp = {0};
		if (from_image(r, name, &tmp, err) < 0)
			return fail_at(err, r->o->f, in, "--from=%s: %s", name, err->msg);
		lw = lowers(&tmp);
		stage_free(&tmp);
	}
	ret = mount_view(r, lw, view, err);
	lxr_strv_free(lw);
	if (ret < 0 || bld_context_open_root(*view, c, err) < 0)
		return fail_at(err, r->o->f, in, "--from=%s: %s", name, err->msg);
	return 0;
}

static int do_copy(struct run *r, struct stage_state *s, const struct df_instr *in, lxr_err *err)
{
	struct copy_to t = {.layer = -1, .chmod = -1};
	_cleanup_free_ char *layer = NULL, *view = NULL;
	struct bld_context *from = NULL;
	char **words = NULL;
	size_t n;
	int ret = -1;

	if (flag(in, "chown")) {
		_cleanup_free_ char *v = NULL;
		if (df_expand(flag(in, "chown"), r->o->f->escape, bld_config_lookup, &s->cfg, &v,
			      err) < 0 ||
		    parse_chown(v, &t) < 0)
			return fail_at(err, r->o->f, in,
				       "--chown=%s: only numeric UID[:GID] is supported yet",
				       flag(in, "chown"));
	}
	if (flag(in, "chmod")) {
		char *e;
		long m = strtol(flag(in, "chmod"), &e, 8);
		if (*e || m < 0 || m > 07777)
			return fail_at(err, r->o->f, in, "--chmod=%s: not an octal mode",
				       flag(in, "chmod"));
		t.chmod = (int)m;
	}
	if (in->kind == DF_ADD) {
		for (size_t i = 0; in->args[i + 1]; i++)
			if (strstr(in->args[i], "://") || lxr_str_has_prefix(in->args[i], "git@"))
				return fail_at(err, r->o->f, in,
					       "ADD %s: URLs and git sources are not supported yet",
					       in->args[i]);
	}
	for (size_t i = 0; in->args[i]; i++) {
		char *w = NULL;
		if (lxr_str_has_prefix(in->args[i], "<<"))
			w = lxr_xstrdup(in->args[i]);
		else if (df_expand(in->args[i], r->o->f->escape, bld_config_lookup, &s->cfg, &w,
				   err) < 0) {
			lxr_strv_free(words);
			return fail_at(err, r->o->f, in, "%s: %s", in->args[i], err->msg);
		}
		lxr_strv_push(&words, w);
	}
	n = lxr_strv_len(words);
	layer = new_layer_dir(r, err);
	if (!layer)
		goto out;
	t.layer = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t.layer < 0) {
		lxr_fail(err, errno, "open %s", layer);
		goto out;
	}
	fprintf(stderr, "#%d %s\n", r->n_layers - 1, in->original);
	if (copy_from_ctx(r, in, &from, &view, err) < 0)
		goto out;
	ret = copy_sources(r, s, in, from, words, n - 1, words[n - 1], &t, err);
	if (from != r->o->ctx)
		bld_context_close(from);
	if (view)
		umount2(view, MNT_DETACH);
	if (ret == 0) {
		lxr_strv_push(&s->new_layers, lxr_steal_ptr(&layer));
		history(&s->cfg, in->original, false);
	}
out:
	if (t.layer >= 0)
		close(t.layer);
	lxr_strv_free(words);
	return ret;
}

/* ---- the build ------------------------------------------------------------------ */

static int do_stage(struct run *r, size_t si, lxr_err *err)
{
	const struct bld_stage *bs = &r->o->plan->stages[si];
	struct stage_state *s = &r->st[si];

	if (do_from(r, si, err) < 0)
		return -1;
	for (size_t i = bs->first + 1; i < bs->end; i++) {
		const struct df_instr *in = &r->o->f->v[i];
		int rc;

		switch (in->kind) {
		case DF_RUN: rc = do_run(r, s, in, err); break;
		case DF_COPY:
		case DF_ADD: rc = do_copy(r, s, in, err); break;
		default:
			rc = bld_config_apply(&s->cfg, r->o->f, in, r->o->build_args,
					      r->o->plan->meta_args, err);
		}
		if (rc < 0)
			return -1;
	}
	s->done = true;
	return 0;
}

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();

	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *config_json(const struct bld_config *c, char *const *labels)
{
	json_t *o = json_object(), *l = json_object(), *p = json_object(), *vol = json_object();
	const struct img_config *im = &c->img;

	if (im->entrypoint)
		json_object_set_new(o, "Entrypoint", strv_json(im->entrypoint));
	if (im->cmd)
		json_object_set_new(o, "Cmd", strv_json(im->cmd));
	if (im->env)
		json_object_set_new(o, "Env", strv_json(im->env));
	if (im->workdir)
		json_object_set_new(o, "WorkingDir", json_string(im->workdir));
	if (im->user)
		json_object_set_new(o, "User", json_string(im->user));
	if (im->stop_signal)
		json_object_set_new(o, "StopSignal", json_string(im->stop_signal));
	for (size_t i = 0; im->exposed_ports && im->exposed_ports[i]; i++)
		json_object_set_new(p, im->exposed_ports[i], json_object());
	for (size_t i = 0; c->volumes && c->volumes[i]; i++)
		json_object_set_new(vol, c->volumes[i], json_object());
	for (char *const *v = c->labels; v && *v; v++) {
		_cleanup_free_ char *k = lxr_xstrndup(*v, strcspn(*v, "="));
		json_object_set_new(l, k, json_string(*v + strlen(k) + 1));
	}
	for (char *const *v = labels; v && *v; v++) {
		_cleanup_free_ char *k = lxr_xstrndup(*v, strcspn(*v, "="));
		json_object_set_new(l, k, json_string(*v + strlen(k) + 1));
	}
	json_object_set_new(o, "ExposedPorts", p);
	json_object_set_new(o, "Volumes", vol);
	json_object_set_new(o, "Labels", l);
	if (c->shell)
		json_object_set_new(o, "Shell", strv_json(c->shell));
	if (c->onbuild)
		json_object_set_new(o, "OnBuild", strv_json(c->onbuild));
	if (im->healthcheck.present) {
		json_t *h = json_pack("{s:o}", "Test", strv_json(im->healthcheck.test));
		if (im->healthcheck.interval_ns)
			json_object_set_new(h, "Interval",
					    json_integer(im->healthcheck.interval_ns));
		if (im->healthcheck.timeout_ns)
			json_object_set_new(h, "Timeout", json_integer(im->healthcheck.timeout_ns));
		if (im->healthcheck.start_period_ns)
			json_object_set_new(h, "StartPeriod",
					    json_integer(im->healthcheck.start_period_ns));
		if (im->healthcheck.retries)
			json_object_set_new(h, "Retries", json_integer(im->healthcheck.retries));
		json_object_set_new(o, "Healthcheck", h);
	}
	return o;
}

static int commit(struct run *r, const struct stage_state *s, lxr_err *err)
{
	json_t *hist = json_array(), *d;
	_cleanup_free_ char *desc = lxr_xasprintf("%s/commit.json", r->o->work);
	const char *epoch = getenv("SOURCE_DATE_EPOCH");

	for (size_t i = 0; i < s->cfg.n_history; i++) {
		json_t *h = json_pack("{s:s, s:s}", "created_by", s->cfg.history[i].created_by,
				      "comment", "lxr build");
		if (s->cfg.history[i].empty_layer)
			json_object_set_new(h, "empty_layer", json_true());
		json_array_append_new(hist, h);
	}
	d = json_pack("{s:o, s:o, s:o, s:o, s:o}", "base",
		      s->base ? json_string(s->base) : json_null(), "layers",
		      strv_json(s->new_layers), "config", config_json(&s->cfg, r->o->labels),
		      "history", hist, "tags", strv_json(r->o->tags));
	if (epoch && *epoch)
		json_object_set_new(d, "source_date_epoch", json_integer(strtoll(epoch, NULL, 10)));
	if (json_dump_file(d, desc, JSON_COMPACT) < 0) {
		json_decref(d);
		return lxr_fail(err, errno, "write %s", desc);
	}
	json_decref(d);
	return img_tool_commit(r->o->store, desc, err);
}

int bld_execute(const struct bld_opts *o, lxr_err *err)
{
	struct run r = {.o = o};
	_cleanup_free_ char *layers = lxr_xasprintf("%s/layers", o->work);
	int rc = -1;

	/* COPY --from's views are mounts of this process's own */
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return lxr_fail(err, errno, "a private mount namespace for the build");
	if (lxr_mkdir_p(layers, 0755, err) < 0)
		return -1;
	r.st = lxr_xcalloc(o->plan->n, sizeof(*r.st));
	for (size_t i = 0; i <= o->plan->target; i++)
		if (o->plan->stages[i].needed && do_stage(&r, i, err) < 0)
			goto out;
	rc = commit(&r, &r.st[o->plan->target], err);
out:
	for (size_t i = 0; i < o->plan->n; i++)
		stage_free(&r.st[i]);
	free(r.st);
	for (int i = 0; i < r.n_use; i++)
		close(r.use_fd[i]);
	return rc;
}
