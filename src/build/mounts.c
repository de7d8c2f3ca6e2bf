/* RUN --mount, as BuildKit makes them: a bind of the context, a stage or
 * an image (read-only unless rw, whose changes are thrown away), a cache
 * directory kept between builds under DATA_DIR/build/cache (never in a
 * layer), a tmpfs, a secret (a file on a tmpfs of the build's own, or an
 * environment variable: never in a layer, the history or a cache key).
 * The empty mount points a step makes leave its layer afterwards. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/build_internal.h"
#include "lxr/plan.h"

/* ---- secrets ------------------------------------------------------------------- */

int bldx_secrets_load(struct bldx_run *r, lxr_err *err)
{
	for (size_t i = 0; r->o->secrets && r->o->secrets[i]; i++) {
		struct bld_secret s;
		struct bldx_secret v = {0};

		if (bld_secret_parse(r->o->secrets[i], &s, err) < 0)
			return -1;
		if (s.env) {
			const char *e = getenv(s.env);
			if (!e) {
				lxr_fail(err, ENOENT,
					 "--secret id=%s: the environment variable %s "
					 "is not set",
					 s.id, s.env);
				bld_secret_free(&s);
				return -1;
			}
			v.value = lxr_xstrdup(e);
			v.len = strlen(e);
		} else if (lxr_read_file_at(AT_FDCWD, s.src, &v.value, &v.len, err) < 0) {
			lxr_err_wrap(err, "--secret id=%s", s.id);
			bld_secret_free(&s);
			return -1;
		}
		v.id = lxr_steal_ptr(&s.id);
		bld_secret_free(&s);
		r->secrets = lxr_xrealloc(r->secrets, (r->n_secrets + 1) * sizeof(*r->secrets));
		r->secrets[r->n_secrets++] = v;
	}
	return 0;
}

void bldx_secrets_free(struct bldx_run *r)
{
	for (size_t i = 0; i < r->n_secrets; i++) {
		/* not left in freed memory a later allocation could show */
		explicit_bzero(r->secrets[i].value, r->secrets[i].len);
		free(r->secrets[i].value);
		free(r->secrets[i].id);
	}
	free(r->secrets);
	if (r->secret_dir)
		umount2(r->secret_dir, MNT_DETACH);
	free(r->secret_dir);
	r->secrets = NULL;
	r->n_secrets = 0;
	r->secret_dir = NULL;
}

static const struct bldx_secret *secret_find(const struct bldx_run *r, const char *id)
{
	for (size_t i = 0; i < r->n_secrets; i++)
		if (!strcmp(r->secrets[i].id, id))
			return &r->secrets[i];
	return NULL;
}

/* the secret as a file on a tmpfs mounted in the build's own mount
 * namespace: it never reaches the disk */
static char *secret_file(struct bldx_run *r, const struct bldx_secret *sec,
			 const struct bld_mount *bm, lxr_err *err)
{
	if (!r->secret_dir) {
		/* one per process: stages built side by side each have theirs */
		char *d = lxr_xasprintf("%s/secrets.%d", r->o->work, (int)getpid());
		if (lxr_mkdir_p(d, 0700, err) < 0) {
			free(d);
			return NULL;
		}
		if (mount("tmpfs", d, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700") < 0) {
			lxr_fail(err, errno, "mount a tmpfs on %s for the secrets", d);
			free(d);
			return NULL;
		}
		r->secret_dir = d;
	}
	char *p = lxr_xasprintf("%s/%d", r->secret_dir, r->n_mounts++);
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, sec->value, sec->len) != (ssize_t)sec->len ||
	    fchown(fd, bm->uid > 0 ? (uid_t)bm->uid : 0, bm->gid > 0 ? (gid_t)bm->gid : 0) < 0 ||
	    fchmod(fd, bm->mode >= 0 ? (mode_t)bm->mode : 0400) < 0) {
		lxr_fail(err, errno, "write the secret %s to %s", sec->id, p);
		if (fd >= 0)
			close(fd);
		free(p);
		return NULL;
	}
	close(fd);
	return p;
}

/* ---- parsing -------------------------------------------------------------------- */

static int flag_fail(lxr_err *err, const struct df_file *f, const struct df_flag *fl)
{
	return bld_err_at(err, f->name, fl->line, fl->col);
}

/* from= a named context that is a directory: it is read as a build
 * context is (.dockerignore, nothing followed out of it). 1 and *c
 * opened; 0 when from names no such context (a stage or an image). */
static int named_dir(struct bldx_run *r, const char *from, struct bld_context **c, lxr_err *err)
{
	const char *named = from ? bldx_named_context(r->o, from) : NULL;

	*c = NULL;
	if (!named || lxr_str_has_prefix(named, "docker-image://"))
		return 0;
	return bld_context_open(named, NULL, c, err) < 0 ? -1 : 1;
}

/* What the key adds for a bind: the content it shows (the context's
 * files' digest, a stage's key, an image's manifest digest). */
static int bind_key(struct bldx_run *r, const struct bld_mount *bm, char **key, lxr_err *err)
{
	char d[72];

	if (bm->type != BLD_MOUNT_BIND)
		return 0;
	struct bld_context *nc = NULL;
	int named = named_dir(r, bm->from, &nc, err);
	if (named < 0)
		return lxr_err_wrap(err, "--mount from=%s", bm->from);
	if (bm->from && !named) {
		char **lw = NULL;
		if (bldx_from_layers(r, bm->from, &lw, d, err) < 0)
			return lxr_err_wrap(err, "--mount from=%s", bm->from);
		lxr_strv_free(lw);
	} else {
		struct bld_context *ctx = nc ? nc : r->o->ctx;
		struct bld_source *v = NULL;
		size_t n = 0;
		int rc =
		    bld_context_sources(ctx, bm->source ? bm->source : ".", false, &v, &n, err);
		if (rc == 0)
			rc = bld_sources_digest(ctx, v, n, d, err);
		bld_sources_free(v, n);
		bld_context_close(nc);
		if (rc < 0)
			return -1;
	}
	char *x = lxr_xasprintf("%sbind %s %s\n", *key, bm->target, d);
	free(*key);
	*key = x;
	return 0;
}

int bldx_mounts_parse(struct bldx_run *r, struct bldx_stage *s, const struct df_instr *in,
		      struct bldx_mounts *m, char **key, lxr_err *err)
{
	const struct df_file *f = r->o->f;

	*m = (struct bldx_mounts){0};
	*key = lxr_xstrdup("");
	for (size_t k = 0; k < in->n_flags; k++) {
		const struct df_flag *fl = &in->flags[k];
		_cleanup_free_ char *v = NULL;
		struct bld_mount bm;

		if (strcmp(fl->name, "mount") || !fl->value)
			continue;
		/* BuildKit substitutes the stage's ARGs and ENV in --mount */
		if (df_expand(fl->value, f->escape, bld_config_lookup, &s->cfg, &v, err) < 0 ||
		    bld_mount_parse(v, &bm, err) < 0)
			return flag_fail(err, f, fl);
		m->v = lxr_xrealloc(m->v, (m->n + 1) * sizeof(*m->v));
		m->v[m->n++] = bm;
		if (bm.target)
			lxr_strv_push(&m->targets, bldx_clean_abs(s->cfg.img.workdir, bm.target));
		else
			lxr_strv_push(&m->targets, lxr_xstrdup(""));
		if (bind_key(r, &bm, key, err) < 0)
			return flag_fail(err, f, fl);
	}
	return 0;
}

/* ---- making the mounts -------------------------------------------------------------- */

/* the mount points of target the stage lacks: made in the step's layer by
 * the runtime, removed after it when still empty */
static void note_created(struct bldx_mounts *m, const struct bldx_stage *s, const char *target)
{
	_cleanup_free_ char *p = lxr_xstrdup(target);

	for (char *sl = p + 1;; sl++) {
		char save = *sl;
		if (save && save != '/')
			continue;
		*sl = '\0';
		if (!bldx_stage_has(s, p)) {
			bool dup = false;
			for (size_t i = 0; m->created && m->created[i]; i++)
				dup |= !strcmp(m->created[i], p);
			if (!dup)
				lxr_strv_push(&m->created, lxr_xstrdup(p));
		}
		*sl = save;
		if (!save)
			break;
	}
}

static char *work_dir(struct bldx_run *r, const char *kind, lxr_err *err)
{
	char *d = lxr_xasprintf("%s/%s/%d", r->o->work, kind, r->n_mounts++);

	if (lxr_mkdir_p(d, 0755, err) < 0) {
		free(d);
		return NULL;
	}
	return d;
}

/* a bind of the context: its files (what .dockerignore leaves) copied into
 * a directory of the step's own, owned by root, as BuildKit shows them */
static int bind_context(struct bldx_run *r, const struct df_instr *in, struct bldx_mounts *m,
			struct bld_context *ctx, const struct bld_mount *bm, char **src,
			lxr_err *err)
{
	const char *source = bm->source ? bm->source : ".";
	char *d = work_dir(r, "mnt", err);
	struct bld_source *v = NULL;
	size_t n = 0;

	if (!d)
		return -1;
	lxr_strv_push(&m->dirs, d);
	if (bld_context_sources(ctx, source, false, &v, &n, err) < 0)
		return -1;
	bool dir = S_ISDIR(v[0].files[0].mode);
	const char *bn = strrchr(v[0].path, '/');
	bn = bn ? bn + 1 : v[0].path;
	*src = dir ? lxr_xstrdup(d) : lxr_xasprintf("%s/%s", d, bn);
	bld_sources_free(v, n);
	_cleanup_close_ int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return lxr_fail(err, errno, "open %s", d);
	return bldx_copy_tree(r, in, ctx, source, fd, err);
}

static int bind_mount(struct bldx_run *r, const struct df_instr *in, struct bldx_mounts *m,
		      const struct bld_mount *bm, const char *target, struct lxr_spec *spec,
		      lxr_err *err)
{
	unsigned long flags = MS_BIND | (bm->readonly ? MS_RDONLY : 0);
	_cleanup_free_ char *src = NULL;

	struct bld_context *nc = NULL;
	int named = named_dir(r, bm->from, &nc, err);
	if (named < 0)
		return lxr_err_wrap(err, "from=%s", bm->from);
	if (!bm->from || named) {
		int rc = bind_context(r, in, m, nc ? nc : r->o->ctx, bm, &src, err);
		bld_context_close(nc);
		if (rc < 0)
			return -1;
		plan_spec_add_mount(spec, target, "bind", src, flags, NULL);
		return 0;
	}
	char **lw = NULL, key[72];
	if (bldx_from_layers(r, bm->from, &lw, key, err) < 0)
		return lxr_err_wrap(err, "from=%s", bm->from);
	int rc = bldx_mount_view(r, lw, !bm->readonly, &src, err);
	lxr_strv_free(lw);
	if (src)
		lxr_strv_push(&m->views, lxr_xstrdup(src));
	if (rc < 0)
		return -1;
	plan_spec_add_mount(spec, target, "bind", src, flags, NULL);
	/* the source is found inside the view (RESOLVE_BENEATH): a link the
	 * stage or image holds cannot name a host path */
	const char *sp = bm->source ? bm->source + strspn(bm->source, "/") : "";
	if (*sp)
		spec->mounts[spec->n_mounts - 1].subpath = lxr_xstrdup(sp);
	return 0;
}

/* a SIGINT, SIGTERM or SIGHUP waits, blocked, while a step is set up */
static bool interrupted(void)
{
	sigset_t p;

	return bldx_stop_signal() ||
	       (sigpending(&p) == 0 &&
		(sigismember(&p, SIGINT) || sigismember(&p, SIGTERM) || sigismember(&p, SIGHUP)));
}

/* the cache directory made, once: from `from`'s source (a view of it, copied
 * safely), with its owner and mode, renamed into place whole */
static int cache_make(struct bldx_run *r, const struct df_instr *in, const struct bld_mount *bm,
		      const char *dir, int inst, lxr_err *err)
{
	_cleanup_free_ char *tmp =
	    lxr_xasprintf("%s/.mount-new-%d-%d", r->o->cache, (int)getpid(), inst);
	_cleanup_close_ int fd = -1;
	lxr_err e2;

	lxr_rm_rf(tmp, &e2);
	if (lxr_mkdir_p(tmp, 0755, err) < 0)
		return -1;
	fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return lxr_fail(err, errno, "open %s", tmp);
	struct bld_context *nc = NULL;
	int named = named_dir(r, bm->from, &nc, err);
	if (named < 0)
		return lxr_err_wrap(err, "from=%s", bm->from);
	if (named) {
		int rc = bldx_copy_tree(r, in, nc, bm->source ? bm->source : ".", fd, err);
		bld_context_close(nc);
		if (rc < 0)
			return lxr_err_wrap(err, "from=%s", bm->from);
	} else if (bm->from) {
		char **lw = NULL, k2[72];
		_cleanup_free_ char *view = NULL;
		struct bld_context *c = NULL;
		if (bldx_from_layers(r, bm->from, &lw, k2, err) < 0)
			return lxr_err_wrap(err, "from=%s", bm->from);
		int rc = bldx_mount_view(r, lw, false, &view, err);
		lxr_strv_free(lw);
		if (rc == 0)
			rc = bld_context_open_root(view, &c, err);
		if (rc == 0)
			rc = bldx_copy_tree(r, in, c, bm->source ? bm->source : ".", fd, err);
		bld_context_close(c);
		if (view)
			umount2(view, MNT_DETACH);
		if (rc < 0)
			return lxr_err_wrap(err, "from=%s", bm->from);
	}
	if (fchown(fd, bm->uid > 0 ? (uid_t)bm->uid : 0, bm->gid > 0 ? (gid_t)bm->gid : 0) < 0 ||
	    fchmod(fd, bm->mode >= 0 ? (mode_t)bm->mode : 0755) < 0)
		return lxr_fail(err, errno, "set the owner and mode of %s", tmp);
	/* another build that made it first keeps its own */
	if (rename(tmp, dir) < 0 && errno != EEXIST && errno != ENOTEMPTY)
		return lxr_fail(err, errno, "rename %s to %s", tmp, dir);
	lxr_rm_rf(tmp, &e2);
	return 0;
}

/* 1: taken (fd in m->locks); 0: busy and private (try the next one) */
static int cache_lock(struct bldx_mounts *m, const struct bld_mount *bm, const char *dir,
		      lxr_err *err)
{
	bool priv = bm->sharing == BLD_SHARE_PRIVATE, said = false;
	int fd;

	if (m->n_locks == 16)
		return lxr_fail(err, EMFILE, "more than 16 locked cache mounts in one RUN");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return lxr_fail(err, errno, "open %s", dir);
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		if (e == EINTR)
			continue;
		if (e == EWOULDBLOCK && !priv && !interrupted()) {
			/* locked: wait for the other build, but not past a
			 * Ctrl-C (blocked while the step is set up) */
			if (!said)
				fprintf(stderr, "waiting for the cache mount %s (sharing=locked)\n",
					bm->id);
			said = true;
			usleep(100000);
			continue;
		}
		close(fd);
		if (priv && e == EWOULDBLOCK)
			return 0;
		return lxr_fail(err, e == EWOULDBLOCK ? EINTR : e, "lock the cache mount %s", dir);
	}
	m->locks[m->n_locks++] = fd;
	return 1;
}

/* a cache directory: DATA_DIR/build/cache/mount-HASH (of its id), kept
 * between builds until lxr builder prune. sharing=locked waits for another
 * build using it; private takes one of its own (mount-HASH-N) while
 * another is in use. */
static int cache_mount(struct bldx_run *r, const struct df_instr *in, struct bldx_mounts *m,
		       const struct bld_mount *bm, const char *target, struct lxr_spec *spec,
		       lxr_err *err)
{
	char key[72];
	_cleanup_free_ char *dir = NULL;

	if (!r->o->cache)
		return lxr_fail(err, EINVAL, "a cache mount needs the build's cache directory");
	bldx_key(key, "", "RUN --mount=type=cache", NULL, bm->id);
	for (int inst = 0; inst < 64; inst++) {
		free(dir);
		dir = inst ? lxr_xasprintf("%s/mount-%.32s-%d", r->o->cache, key + 7, inst)
			   : lxr_xasprintf("%s/mount-%.32s", r->o->cache, key + 7);
		if (access(dir, F_OK) < 0 && cache_make(r, in, bm, dir, inst, err) < 0)
			return -1;
		int rc = bm->sharing == BLD_SHARE_SHARED ? 1 : cache_lock(m, bm, dir, err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			continue;
		plan_spec_add_mount(spec, target, "bind", dir,
				    MS_BIND | (bm->readonly ? MS_RDONLY : 0), NULL);
		return 0;
	}
	return lxr_fail(err, EBUSY, "cache mount %s: 64 private copies in use", bm->id);
}

static int secret_mount(struct bldx_run *r, struct bldx_mounts *m, const struct bld_mount *bm,
			const char *target, struct lxr_spec *spec, lxr_err *err)
{
	const struct bldx_secret *sec = secret_find(r, bm->id);

	if (!sec) {
		if (!bm->required)
			return 0; /* BuildKit: an optional secret not given is no mount */
		return lxr_fail(err, 0, "secret %s: not given to the build", bm->id),
		       lxr_err_hint(err, "lxr build --secret id=%s,src=FILE (or env=VARIABLE)",
				    bm->id);
	}
	if (bm->env) {
		_cleanup_free_ char *v = lxr_xstrndup(sec->value, sec->len);
		lxr_strv_push(&m->env, lxr_xasprintf("%s=%s", bm->env, v));
		explicit_bzero(v, sec->len);
	}
	if (!*target)
		return 0;
	_cleanup_free_ char *p = secret_file(r, sec, bm, err);
	if (!p)
		return -1;
	lxr_strv_push(&m->dirs, lxr_xstrdup(p));
	plan_spec_add_mount(spec, target, "bind", p, MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
			    NULL);
	return 0;
}

int bldx_mounts_apply(struct bldx_run *r, struct bldx_stage *s, const struct df_instr *in,
		      struct bldx_mounts *m, struct lxr_spec *spec, lxr_err *err)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct bld_mount *bm = &m->v[i];
		const char *target = m->targets[i];
		_cleanup_free_ char *data = NULL;
		int rc = 0;

		switch (bm->type) {
		case BLD_MOUNT_BIND: rc = bind_mount(r, in, m, bm, target, spec, err); break;
		case BLD_MOUNT_CACHE: rc = cache_mount(r, in, m, bm, target, spec, err); break;
		case BLD_MOUNT_SECRET: rc = secret_mount(r, m, bm, target, spec, err); break;
		case BLD_MOUNT_TMPFS:
			data = bm->size ? lxr_xasprintf("size=%lld", bm->size) : NULL;
			plan_spec_add_mount(spec, target, "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV,
					    data);
			break;
		}
		if (rc < 0)
			return bldx_fail(err, r->o->f, in, "--mount target=%s: %s", target,
					 err->msg);
		if (*target)
			note_created(m, s, target);
	}
	return 0;
}

void bldx_mounts_tidy(const struct bldx_mounts *m, const char *upper)
{
	_cleanup_close_ int up = open(upper, O_PATH | O_DIRECTORY | O_CLOEXEC);
	size_t n = lxr_strv_len(m->created);

	if (up < 0)
		return;
	/* deepest first; inside the layer's root only (RESOLVE_IN_ROOT): the
	 * step may have put a link where a mount point was */
	for (size_t i = n; i > 0; i--) {
		_cleanup_free_ char *p = lxr_xstrdup(m->created[i - 1]);
		char *base = strrchr(p, '/');
		struct stat st;
		lxr_err e2;
		*base++ = '\0';
		_cleanup_close_ int pfd =
		    lxr_open_in_root(up, *p ? p : "/", O_PATH | O_DIRECTORY, 0, &e2);
		if (pfd < 0 || fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		bool target = false;
		for (size_t k = 0; m->targets && m->targets[k]; k++)
			target |= !strcmp(m->targets[k], m->created[i - 1]);
		if (S_ISDIR(st.st_mode))
			unlinkat(pfd, base, AT_REMOVEDIR); /* fails when not empty */
		else if (target && S_ISREG(st.st_mode) && st.st_size == 0)
			unlinkat(pfd, base, 0);
	}
}

void bldx_mounts_release(struct bldx_mounts *m)
{
	lxr_err e2;

	for (size_t i = 0; m->views && m->views[i]; i++)
		umount2(m->views[i], MNT_DETACH);
	for (size_t i = 0; m->dirs && m->dirs[i]; i++)
		lxr_rm_rf(m->dirs[i], &e2);
	for (int i = 0; i < m->n_locks; i++)
		close(m->locks[i]);
	for (size_t i = 0; m->env && m->env[i]; i++)
		explicit_bzero(m->env[i], strlen(m->env[i]));
	for (size_t i = 0; i < m->n; i++)
		bld_mount_free(&m->v[i]);
	free(m->v);
	lxr_strv_free(m->targets);
	lxr_strv_free(m->created);
	lxr_strv_free(m->views);
	lxr_strv_free(m->dirs);
	lxr_strv_free(m->env);
	*m = (struct bldx_mounts){0};
}
