/* One build from its options to a stored image (bld_build): what `lxr
 * build CONTEXT` and a stack's `build:` both run. The checks docker makes
 * before reading the Dockerfile, the Dockerfile and its stages, then the
 * run under the step cache's lock in a work directory of its own. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/build_internal.h"

/* What docker would refuse before reading the Dockerfile. */
static int check_request(const struct bld_request *rq, lxr_err *err)
{
	struct stat st;

	if (!strcmp(rq->context, "-") || strstr(rq->context, "://") ||
	    lxr_str_has_prefix(rq->context, "git@"))
		return lxr_fail(err, EINVAL,
				"build context %s: only a local directory is supported",
				rq->context),
		       lxr_err_hint(err, "give the directory holding the build's files");
	if (stat(rq->context, &st) < 0)
		return lxr_fail(err, errno, "build context %s", rq->context);
	if (!S_ISDIR(st.st_mode))
		return lxr_fail(err, ENOTDIR, "build context %s", rq->context),
		       lxr_err_hint(err,
				    "the context is a directory (an archive is not supported)");
	for (size_t i = 0; rq->tags && rq->tags[i]; i++) {
		struct img_ref r;
		if (img_ref_parse(rq->tags[i], &r, err) < 0)
			return lxr_err_wrap(err, "tag %s", rq->tags[i]);
		bool digest = r.digest != NULL;
		img_ref_free(&r);
		if (digest)
			return lxr_fail(err, EINVAL, "tag %s: a tag, not a digest", rq->tags[i]);
	}
	for (size_t i = 0; rq->labels && rq->labels[i]; i++)
		if (!strchr(rq->labels[i], '=') || rq->labels[i][0] == '=')
			return lxr_fail(err, EINVAL, "label %s: not KEY=VALUE", rq->labels[i]);
	for (size_t i = 0; rq->build_args && rq->build_args[i]; i++)
		if (rq->build_args[i][0] == '=' || !rq->build_args[i][0])
			return lxr_fail(err, EINVAL, "build arg %s: no name", rq->build_args[i]);
	for (size_t i = 0; rq->named_contexts && rq->named_contexts[i]; i++) {
		const char *c = rq->named_contexts[i], *eq = strchr(c, '=');
		struct stat cs;
		if (!eq || eq == c || !eq[1])
			return lxr_fail(err, EINVAL, "named context %s: not NAME=DIR", c);
		if (lxr_str_has_prefix(eq + 1, "docker-image://"))
			continue;
		int e = eq[1] != '/'            ? EINVAL
			: stat(eq + 1, &cs) < 0 ? errno
			: !S_ISDIR(cs.st_mode)  ? ENOTDIR
						: 0;
		if (e)
			return lxr_fail(err, e, "named context %.*s: %s", (int)(eq - c), c, eq + 1),
			       lxr_err_hint(err, "a named context is a local directory (an "
						 "absolute path) or docker-image://REF");
	}
	for (size_t i = 0; rq->extra_hosts && rq->extra_hosts[i]; i++) {
		const char *eq = strchr(rq->extra_hosts[i], '=');
		if (!eq || eq == rq->extra_hosts[i] || !eq[1] || !strcmp(eq + 1, "host-gateway"))
			return lxr_fail(err, EINVAL, "extra host %s: not NAME=ADDRESS",
					rq->extra_hosts[i]),
			       lxr_err_hint(err, "host-gateway is not supported by lxr's builder: "
						 "give the address");
	}
	if (rq->network && bld_network_parse(rq->network) < 0)
		return lxr_fail(err, EINVAL, "network %s: the builder takes default, none or host",
				rq->network);
	for (size_t i = 0; rq->secrets && rq->secrets[i]; i++) {
		struct bld_secret sec;
		if (bld_secret_parse(rq->secrets[i], &sec, err) < 0)
			return -1;
		bld_secret_free(&sec);
	}
	return 0;
}

static int read_dockerfile(const struct bld_request *rq, char **name, char **text, size_t *len,
			   lxr_err *err)
{
	if (rq->dockerfile_text) {
		*name = lxr_xstrdup(rq->dockerfile_name ? rq->dockerfile_name : "Dockerfile");
		*text = lxr_xstrdup(rq->dockerfile_text);
		*len = strlen(*text);
		return 0;
	}
	if (rq->dockerfile) {
		*name = lxr_xstrdup(rq->dockerfile);
		if (lxr_read_file_at(AT_FDCWD, *name, text, len, err) < 0)
			return lxr_err_hint(err, "give the Dockerfile with -f FILE");
		return 0;
	}
	/* the context's own, looked up inside it: a Dockerfile that is a link
	 * out of the context (to a host file, whose first line a parse error
	 * would print) is not there */
	_cleanup_close_ int ctx = open(rq->context, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = -1;
	const char *base = rq->dockerfile_in_context ? rq->dockerfile_in_context : "Dockerfile";
	if (ctx < 0)
		return lxr_fail(err, errno, "open the build context %s", rq->context);
	fd = lxr_open_in_root(ctx, base, O_RDONLY, 0, err);
	if (fd < 0 && err->errnum == ENOENT && !rq->dockerfile_in_context &&
	    (fd = lxr_open_in_root(ctx, "Containerfile", O_RDONLY, 0, err)) >= 0)
		base = "Containerfile";
	*name = lxr_xasprintf("%s/%s", rq->context, base);
	if (fd < 0 && err->errnum == ENOENT)
		lxr_fail(err, ENOENT, "no %s in the build context %s", base, rq->context);
	if (fd < 0)
		return lxr_err_hint(err,
				    rq->dockerfile_in_context
					? "set build.dockerfile to the context's Dockerfile"
					: "give the Dockerfile with -f FILE, or put one in the "
					  "context");
	_cleanup_free_ char *self = lxr_xasprintf("/proc/self/fd/%d", fd);
	if (lxr_read_file_at(AT_FDCWD, self, text, len, err) < 0)
		return lxr_err_wrap(err, "read %s", *name);
	return 0;
}

static void print_plan(const struct df_file *f, const struct bld_plan *p)
{
	for (size_t s = 0; s < p->n; s++) {
		const struct bld_stage *st = &p->stages[s];
		const struct df_instr *last = &f->v[st->end - 1];

		printf("stage %zu%s%s: FROM %s", s, st->name ? " " : "", st->name ? st->name : "",
		       st->base);
		if (st->base_stage >= 0)
			printf(" (stage %d)", st->base_stage);
		printf(", %zu instruction%s, lines %d-%d%s\n", st->end - st->first - 1,
		       st->end - st->first - 1 == 1 ? "" : "s", f->v[st->first].line,
		       last->end_line,
		       s == p->target ? ", the target"
		       : st->needed   ? ""
				      : ", not needed");
	}
}

int bld_cache_lock(int how, lxr_err *err)
{
	_cleanup_free_ char *dir = lxr_xasprintf("%s/build", lxr_data_dir());
	_cleanup_free_ char *path = lxr_xasprintf("%s/cache.lock", dir);
	int fd;

	if (lxr_mkdir_p(dir, 0700, err) < 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return lxr_fail(err, errno, "open %s", path);
	while (flock(fd, how) < 0) {
		if (errno == EINTR)
			continue;
		lxr_fail(err, errno, "lock %s", path);
		if (errno == EWOULDBLOCK)
			lxr_err_hint(err, "a build is running: try again when it is done");
		close(fd);
		return -1;
	}
	return fd;
}

/* bld_execute makes the calling process a private mount namespace (for
 * COPY --from's views); a caller that goes on to run containers (lxr up
 * after its builds) must be back in its own, or their mounts would be
 * invisible to every other process. setns also resets the working
 * directory, so that is kept too. */
struct ns_saved {
	int mnt, cwd;
};

static int ns_save(struct ns_saved *s, lxr_err *err)
{
	s->mnt = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (s->mnt < 0)
		return lxr_fail(err, errno, "open /proc/self/ns/mnt");
	s->cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->cwd < 0) {
		close(s->mnt);
		return lxr_fail(err, errno, "open the working directory");
	}
	return 0;
}

static int ns_restore(struct ns_saved *s, lxr_err *err)
{
	int r = 0;

	if (setns(s->mnt, CLONE_NEWNS) < 0)
		r = lxr_fail(err, errno, "setns back to lxr's mount namespace after the build");
	else if (fchdir(s->cwd) < 0)
		r = lxr_fail(err, errno, "return to the working directory after the build");
	close(s->mnt);
	close(s->cwd);
	return r;
}

/* The tags as the store names them, the work directory, the run. */
static int run(const struct bld_request *rq, const struct df_file *f, const struct bld_plan *p,
	       const struct lxr_rlimit *rlimits, size_t n_rlimits, lxr_err *err)
{
	_cleanup_strv_ char **tags = lxr_xcalloc(1, sizeof(char *));
	_cleanup_free_ char *work = NULL, *cache = NULL;
	struct img_store *st = NULL;
	struct bld_context *ctx = NULL;
	struct ns_saved ns = {-1, -1};
	int r;

	for (size_t i = 0; rq->tags && rq->tags[i]; i++) {
		struct img_ref ref;
		if (img_ref_parse(rq->tags[i], &ref, err) < 0)
			return -1;
		lxr_strv_push(&tags, img_ref_string(&ref));
		img_ref_free(&ref);
	}
	/* held shared for the build: its cached layers are its lower dirs,
	 * and lxr builder prune takes it exclusive */
	_cleanup_close_ int lock = bld_cache_lock(LOCK_SH, err);
	if (lock < 0)
		return -1;
	if (img_store_open(lxr_data_dir(), &st, err) < 0)
		return -1;
	/* f->name is the Dockerfile's path, but for one given as text */
	if (bld_context_open(rq->context, rq->dockerfile_text ? NULL : f->name, &ctx, err) < 0) {
		img_store_close(st);
		return -1;
	}
	/* the work directory has a temp name: what a killed build left is
	 * swept by the next one */
	_cleanup_free_ char *dir = lxr_xasprintf("%s/build", lxr_data_dir());
	_cleanup_free_ char *name = lxr_tmp_name("work");
	work = lxr_xasprintf("%s/%s", dir, name);
	cache = lxr_xasprintf("%s/cache", dir);
	lxr_err e1;
	if (lxr_tmp_sweep(dir, false, &e1) < 0)
		lxr_err_print(&e1);
	lxr_rm_rf(work, err);
	if (lxr_mkdir_p(work, 0700, err) < 0 || ns_save(&ns, err) < 0) {
		bld_context_close(ctx);
		img_store_close(st);
		return -1;
	}
	struct bld_opts bo = {.f = f,
			      .plan = p,
			      .ctx = ctx,
			      .build_args = rq->build_args,
			      .labels = rq->labels,
			      .tags = tags,
			      .store = st,
			      .work = work,
			      .cache = cache,
			      .no_cache = rq->no_cache,
			      .network = rq->network
					     ? (enum bld_network)bld_network_parse(rq->network)
					     : BLD_NET_DEFAULT,
			      .secrets = rq->secrets,
			      .pull = rq->pull,
			      .shm_size = rq->shm_size,
			      .extra_hosts = rq->extra_hosts,
			      .named_contexts = rq->named_contexts,
			      .rlimits = rlimits,
			      .n_rlimits = n_rlimits,
			      .no_cache_stages = rq->no_cache_stages,
			      .memory = rq->memory};
	r = bld_execute(&bo, err);
	lxr_err e2;
	if (ns_restore(&ns, r < 0 ? &e2 : err) < 0) {
		if (r < 0)
			lxr_err_print(&e2);
		r = -1;
	}
	if (lxr_rm_rf(work, &e2) < 0)
		lxr_err_print(&e2);
	bld_context_close(ctx);
	img_store_close(st);
	return r;
}

/* A named context works as COPY --from's source; as a FROM it would be a
 * root filesystem lxr's builder does not take yet: refused, never
 * pulled as an image of that name. */
static int from_named_context(const struct bld_request *rq, const struct df_file *f,
			      const struct bld_plan *p, lxr_err *err)
{
	for (size_t s = 0; s < p->n; s++) {
		const struct bld_stage *st = &p->stages[s];
		const struct df_instr *in = &f->v[st->first];
		if (st->base_stage >= 0 || !st->needed)
			continue;
		for (size_t i = 0; rq->named_contexts && rq->named_contexts[i]; i++) {
			const char *c = rq->named_contexts[i], *eq = strchr(c, '=');
			if (strlen(st->base) == (size_t)(eq - c) && !strncmp(st->base, c, eq - c))
				return lxr_fail(err, EINVAL,
						"%s:%d:%d: FROM %s: a named context as a FROM is "
						"not supported yet by lxr's builder",
						f->name, in->line, in->col, st->base),
				       lxr_err_hint(err, "use it as COPY --from=%s", st->base);
		}
	}
	return 0;
}

int bld_build(const struct bld_request *rq, lxr_err *err)
{
	_cleanup_free_ char *name = NULL, *text = NULL;
	_cleanup_free_ struct lxr_rlimit *rlimits = NULL;
	struct df_file f = {0};
	struct bld_plan p = {0};
	size_t len = 0, n_rlimits = 0;
	int r = -1;

	if (check_request(rq, err) < 0 ||
	    bldx_ulimits_parse(rq->ulimits, &rlimits, &n_rlimits, err) < 0 ||
	    read_dockerfile(rq, &name, &text, &len, err) < 0)
		return -2;
	r = -2;
	if (df_parse(name, text, len, &f, err) < 0 ||
	    bld_plan_make(&f, rq->build_args, rq->target, &p, err) < 0)
		goto out;
	if (from_named_context(rq, &f, &p, err) < 0)
		goto out;
	if (f.syntax)
		fprintf(stderr,
			"lxr: note: # syntax=%s ignored: lxr's builder reads the Dockerfile\n",
			f.syntax);
	for (size_t i = 0; p.unused_args && p.unused_args[i]; i++)
		fprintf(stderr, "lxr: warning: --build-arg %s: no ARG declares it\n",
			p.unused_args[i]);
	for (size_t i = 0; p.warnings && p.warnings[i]; i++)
		fprintf(stderr, "lxr: warning: %s\n", p.warnings[i]);
	for (size_t i = 0; rq->no_cache_stages && rq->no_cache_stages[i]; i++)
		if (bldx_stage_named(&p, rq->no_cache_stages[i]) < 0)
			fprintf(stderr,
				"lxr: warning: no-cache filter %s: the Dockerfile has no "
				"such stage\n",
				rq->no_cache_stages[i]);
	if (rq->check) {
		print_plan(&f, &p);
		r = 0;
		goto out;
	}
	r = run(rq, &f, &p, rlimits, n_rlimits, err);
out:
	bld_plan_free(&p);
	df_file_free(&f);
	return r;
}
