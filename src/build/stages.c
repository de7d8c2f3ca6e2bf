/* A build's stages, worked out before anything runs: FROM substituted with
 * the global ARGs, stage references resolved, the target's dependencies
 * marked (docker builds only the stages the target needs). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include "lxr/build.h"

const char *bld_env_get(char *const *v, const char *key)
{
	return lxr_strv_getenv(v, key);
}

void bld_env_set(char ***v, const char *key, const char *val)
{
	_cleanup_free_ char *kv = lxr_xasprintf("%s=%s", key, val);

	lxr_strv_setenv(v, kv);
}

const char *bld_env_lookup(const char *name, void *v)
{
	return bld_env_get(v, name);
}

static const char *lookup(const char *name, void *ctx)
{
	return bld_env_get(ctx, name);
}

static int fail_at(lxr_err *err, const struct df_file *f, const struct df_instr *in,
		   const char *hint, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int fail_at(lxr_err *err, const struct df_file *f, const struct df_instr *in,
		   const char *hint, const char *fmt, ...)
{
	char what[LXR_ERR_MSG_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	lxr_fail(err, 0, "%s:%d:%d: %s", f->name, in->line, in->col, what);
	if (hint)
		lxr_err_hint(err, "%s", hint);
	return -1;
}

/* docker's predefined platform ARGs, for this host (lxr builds for it) */
static void platform_args(char ***v)
{
	struct utsname u;
	const char *arch = "amd64";

	if (uname(&u) == 0) {
		if (!strcmp(u.machine, "aarch64"))
			arch = "arm64";
		else if (!strncmp(u.machine, "arm", 3))
			arch = "arm";
		else if (!strcmp(u.machine, "i686") || !strcmp(u.machine, "i386"))
			arch = "386";
		else if (strcmp(u.machine, "x86_64"))
			arch = u.machine;
	}
	_cleanup_free_ char *plat = lxr_xasprintf("linux/%s", arch);
	bld_env_set(v, "BUILDPLATFORM", plat);
	bld_env_set(v, "BUILDOS", "linux");
	bld_env_set(v, "BUILDARCH", arch);
	bld_env_set(v, "TARGETPLATFORM", plat);
	bld_env_set(v, "TARGETOS", "linux");
	bld_env_set(v, "TARGETARCH", arch);
}

/* A --build-arg's value: "K=V", or "K" alone from the environment. */
static const char *given_arg(char *const *args, const char *key)
{
	size_t n = strlen(key);

	for (size_t i = 0; args && args[i]; i++) {
		if (!strncmp(args[i], key, n) && args[i][n] == '=')
			return args[i] + n + 1;
		if (!strcmp(args[i], key))
			return getenv(key);
	}
	return NULL;
}

static int meta_args(const struct df_file *f, char *const *build_args, char ***meta, lxr_err *err)
{
	char **scope = NULL;

	platform_args(&scope);
	for (size_t i = 0; i < f->n && f->v[i].kind == DF_ARG; i++) {
		const struct df_instr *in = &f->v[i];
		for (size_t k = 0; k < in->n_kv; k++) {
			const char *given = given_arg(build_args, in->kv[k].key);
			char *val = NULL;

			if (given)
				val = lxr_xstrdup(given);
			else if (in->kv[k].value && df_expand(in->kv[k].value, f->escape, lookup,
							      scope, &val, err) < 0) {
				lxr_strv_free(scope);
				return fail_at(err, f, in, "quote a literal $ as '$' or \\$",
					       "ARG %s: %s", in->kv[k].key, err->msg);
			}
			if (val)
				bld_env_set(&scope, in->kv[k].key, val);
			free(val);
		}
	}
	*meta = scope;
	return 0;
}

static int find_stage(const struct bld_plan *p, size_t before, const char *name)
{
	for (size_t s = 0; s < before; s++)
		if (p->stages[s].name && !strcasecmp(p->stages[s].name, name))
			return (int)s;
	return -1;
}

/* The FROM of a stage named name after instruction i, or NULL. */
static const struct df_instr *later_stage(const struct df_file *f, size_t i, const char *name)
{
	for (size_t k = i + 1; k < f->n; k++)
		if (f->v[k].kind == DF_FROM && f->v[k].from_name &&
		    !strcasecmp(f->v[k].from_name, name))
			return &f->v[k];
	return NULL;
}

/* Does the stage that starts at instruction from use stage name (its base,
 * COPY --from or RUN --mount from=)? Written names only: the cycle check. */
static bool stage_uses(const struct df_file *f, const struct df_instr *from, const char *name)
{
	if (!name)
		return false;
	if (from->args && from->args[0] && !strcasecmp(from->args[0], name))
		return true;
	for (const struct df_instr *in = from + 1; in < f->v + f->n && in->kind != DF_FROM; in++)
		for (size_t k = 0; k < in->n_flags; k++) {
			const char *v = in->flags[k].value, *at;
			size_t n = strlen(name);
			if (!v)
				continue;
			if (!strcmp(in->flags[k].name, "from") && !strcasecmp(v, name))
				return true;
			/* RUN --mount=...,from=NAME,... */
			for (at = strstr(v, "from="); at; at = strstr(at + 1, "from="))
				if ((at == v || at[-1] == ',') && !strncasecmp(at + 5, name, n) &&
				    (at[5 + n] == ',' || !at[5 + n]))
					return true;
		}
	return false;
}

/* name is a stage later in the file (lxr builds stages in file order, so a
 * stage uses only those before it): the error, at in, for what ("COPY
 * --from" or "FROM"); a cycle when that stage uses cur back. 0: not a
 * later stage. */
static int forward_ref(const struct df_file *f, const struct df_instr *in, const char *what,
		       const char *name, const char *cur, lxr_err *err)
{
	const struct df_instr *later = later_stage(f, (size_t)(in - f->v), name);

	if (!later)
		return 0;
	if (cur && stage_uses(f, later, cur))
		return fail_at(err, f, in,
			       "break the cycle: one of the two stages must not use the other",
			       "%s%s: a cycle between stages: %s uses %s (line %d), which uses %s",
			       what, name, cur, name, later->line, cur);
	return fail_at(err, f, in, "move that stage above this one",
		       "%s%s: stage %s comes later (line %d); a stage uses only the stages "
		       "before it",
		       what, name, name, later->line);
}

static int copy_from(const struct df_file *f, struct bld_plan *p, size_t cur,
		     const struct df_instr *in, const char *from, lxr_err *err)
{
	struct bld_stage *st = &p->stages[cur];
	int idx = find_stage(p, cur, from);
	char *end;

	if (idx < 0 && *from && isdigit((unsigned char)*from)) {
		long v = strtol(from, &end, 10);
		if (*end)
			return 0; /* an image name */
		if (v < 0 || (size_t)v >= cur)
			return fail_at(
			    err, f, in, "--from=N names an earlier stage by number, counted from 0",
			    "COPY --from=%s: stage %ld is not an earlier stage", from, v);
		idx = (int)v;
	}
	if (idx < 0) {
		if (st->name && !strcasecmp(st->name, from))
			return fail_at(err, f, in, "copy from an earlier stage",
				       "COPY --from=%s: a stage cannot copy from itself", from);
		if (forward_ref(f, in, "COPY --from=", from, st->name, err) < 0)
			return -1;
		return 0; /* an image, pulled when the build runs */
	}
	st->copy_from = lxr_xrealloc(st->copy_from, (st->n_copy_from + 1) * sizeof(int));
	st->copy_from[st->n_copy_from++] = idx;
	return 0;
}

/* RUN --mount and --network, checked before anything runs (BuildKit's
 * errors, at the flag's position); a mount from= a stage needs it built
 * first, as COPY --from does. */
static int run_mounts(const struct df_file *f, struct bld_plan *p, const struct df_instr *in,
		      lxr_err *err)
{
	for (size_t k = 0; k < in->n_flags; k++) {
		const struct df_flag *fl = &in->flags[k];
		_cleanup_free_ char *v = NULL;
		struct bld_mount m;
		int r;

		if (!strcmp(fl->name, "network")) {
			if (!fl->value || bld_network_parse(fl->value) < 0)
				return lxr_fail(err, EINVAL,
						"%s:%d:%d: RUN --network=%s: takes default, none "
						"or host",
						f->name, fl->line, fl->col,
						fl->value ? fl->value : "");
			continue;
		}
		if (strcmp(fl->name, "mount"))
			continue;
		if (!fl->value)
			return lxr_fail(err, EINVAL, "%s:%d:%d: RUN --mount needs a value", f->name,
					fl->line, fl->col),
			       lxr_err_hint(err, "--mount=type=cache,target=/root/.cache");
		/* the stage's own ARGs and ENV are substituted when it runs;
		 * here the global ones give the form to check */
		if (df_expand(fl->value, f->escape, lookup, p->meta_args, &v, err) < 0)
			v = lxr_xstrdup(fl->value);
		if (bld_mount_parse(v, &m, err) < 0)
			return bld_err_at(err, f->name, fl->line, fl->col);
		r = m.from ? copy_from(f, p, p->n - 1, in, m.from, err) : 0;
		bld_mount_free(&m);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* FROM --platform: lxr builds for this host's platform only; the usual
 * --platform=$BUILDPLATFORM (or $TARGETPLATFORM) is that. */
static int from_platform(const struct df_file *f, const struct bld_plan *p,
			 const struct df_instr *in, lxr_err *err)
{
	const char *host = bld_env_get(p->meta_args, "BUILDPLATFORM");

	for (size_t k = 0; k < in->n_flags; k++) {
		_cleanup_free_ char *v = NULL;
		if (strcmp(in->flags[k].name, "platform") || !in->flags[k].value)
			continue;
		if (df_expand(in->flags[k].value, f->escape, lookup, p->meta_args, &v, err) < 0)
			return fail_at(err, f, in, NULL, "FROM --platform: %s", err->msg);
		if (host && strcmp(v, host) &&
		    !(lxr_str_has_prefix(v, host) && v[strlen(host)] == '/'))
			return fail_at(
			    err, f, in, "drop --platform, or build on such a machine",
			    "FROM --platform=%s: lxr builds for this host's platform, %s, only", v,
			    host);
	}
	return 0;
}

static int add_stage(const struct df_file *f, struct bld_plan *p, size_t i, lxr_err *err)
{
	const struct df_instr *in = &f->v[i];
	struct bld_stage st = {.first = i, .end = f->n, .base_stage = -1};
	char *base = NULL;

	if (df_expand(in->args[0], f->escape, lookup, p->meta_args, &base, err) < 0)
		return fail_at(err, f, in, NULL, "FROM %s: %s", in->args[0], err->msg);
	if (!*base) {
		free(base);
		return fail_at(err, f, in,
			       "declare the ARG before the first FROM, or pass --build-arg",
			       "FROM %s: the image name is empty", in->args[0]);
	}
	if (in->from_name && find_stage(p, p->n, in->from_name) >= 0) {
		free(base);
		return fail_at(err, f, in, "give each stage its own name",
			       "a second stage named %s", in->from_name);
	}
	if (in->from_name && !strcasecmp(in->from_name, base)) {
		free(base);
		return fail_at(err, f, in, "name an image, or an earlier stage",
			       "FROM %s AS %s: a stage cannot be its own base", in->args[0],
			       in->from_name);
	}
	if (find_stage(p, p->n, base) < 0 &&
	    forward_ref(f, in, "FROM ", base, in->from_name, err) < 0) {
		free(base);
		return -1;
	}
	if (from_platform(f, p, in, err) < 0) {
		free(base);
		return -1;
	}
	st.base = base;
	st.base_stage = find_stage(p, p->n, base);
	st.name = in->from_name ? lxr_xstrdup(in->from_name) : NULL;
	if (p->n)
		p->stages[p->n - 1].end = i;
	p->stages = lxr_xrealloc(p->stages, (p->n + 1) * sizeof(*p->stages));
	p->stages[p->n++] = st;
	return 0;
}

static int resolve_target(const struct df_file *f, struct bld_plan *p, const char *target,
			  lxr_err *err)
{
	int t;

	if (!target) {
		p->target = p->n - 1;
		return 0;
	}
	t = find_stage(p, p->n, target);
	if (t >= 0) {
		p->target = (size_t)t;
		return 0;
	}
	char names[256] = "";
	for (size_t s = 0; s < p->n; s++)
		if (p->stages[s].name &&
		    strlen(names) + strlen(p->stages[s].name) + 3 < sizeof(names))
			strcat(strcat(names, *names ? ", " : ""), p->stages[s].name);
	lxr_fail(err, 0, "%s: target stage %s could not be found", f->name, target);
	return lxr_err_hint(
	    err, *names ? "the named stages are %s" : "no stage has a name (FROM IMAGE AS NAME)",
	    names);
}

static void mark(struct bld_plan *p, size_t s)
{
	struct bld_stage *st = &p->stages[s];

	if (st->needed)
		return;
	st->needed = true;
	if (st->base_stage >= 0)
		mark(p, (size_t)st->base_stage);
	for (size_t k = 0; k < st->n_copy_from; k++)
		mark(p, (size_t)st->copy_from[k]);
}

static void unused(const struct df_file *f, char *const *build_args, struct bld_plan *p)
{
	for (size_t i = 0; build_args && build_args[i]; i++) {
		const char *eq = strchr(build_args[i], '=');
		size_t n = eq ? (size_t)(eq - build_args[i]) : strlen(build_args[i]);
		bool used = false;

		for (size_t k = 0; k < f->n && !used; k++)
			for (size_t j = 0; j < f->v[k].n_kv && f->v[k].kind == DF_ARG; j++)
				used |= strlen(f->v[k].kv[j].key) == n &&
					!strncmp(f->v[k].kv[j].key, build_args[i], n);
		if (!used)
			lxr_strv_push(&p->unused_args, lxr_xstrndup(build_args[i], n));
	}
}

/* What a stage's instructions may use: the ARGs and ENVs it declared so
 * far, the ENVs of the stages it is built on, and (in FROM) the global
 * ARGs and docker's platform ARGs. */
struct uv_ctx {
	const struct df_file *f;
	const struct df_instr *in;
	char **known;   /* names declared */
	char **globals; /* the global ARGs' names */
	bool from;      /* checking a FROM line */
	char ***out;
	char **said; /* "line:name" already warned */
};

static const char *uv_lookup(const char *name, void *ctx)
{
	static const char *const platform[] = {"BUILDPLATFORM", "BUILDOS",        "BUILDARCH",
					       "BUILDVARIANT",  "TARGETPLATFORM", "TARGETOS",
					       "TARGETARCH",    "TARGETVARIANT"};
	struct uv_ctx *c = ctx;
	_cleanup_free_ char *key = lxr_xasprintf("%d:%s", c->in->line, name);

	if (lxr_strv_has(c->known, name) || lxr_strv_has(c->said, key))
		return "";
	if (c->from) {
		for (size_t i = 0; i < sizeof(platform) / sizeof(*platform); i++)
			if (!strcmp(platform[i], name))
				return "";
		lxr_strv_push(c->out, lxr_xasprintf("%s:%d:%d: FROM uses $%s, which no ARG before "
						    "the first FROM declares: it is empty there",
						    c->f->name, c->in->line, c->in->col, name));
	} else if (lxr_strv_has(c->globals, name)) {
		/* a global ARG a stage uses without `ARG NAME`: docker's
		 * classic trap; other names may come from the base image's ENV */
		lxr_strv_push(
		    c->out, lxr_xasprintf("%s:%d:%d: %s uses $%s, a global ARG this stage does not "
					  "declare: it is empty here (add `ARG %s` to the stage)",
					  c->f->name, c->in->line, c->in->col,
					  df_kind_name(c->in->kind), name, name));
	} else {
		return NULL;
	}
	lxr_strv_push(&c->said, lxr_steal_ptr(&key));
	return NULL;
}

static void uv_word(struct uv_ctx *c, const char *word)
{
	_cleanup_free_ char *out = NULL;
	lxr_err err;

	if (word)
		df_expand(word, c->f->escape, uv_lookup, c, &out, &err);
}

static void uv_instr(struct uv_ctx *c, const struct df_instr *in)
{
	c->in = in;
	for (size_t k = 0; in->args && in->args[k]; k++)
		uv_word(c, in->args[k]);
	for (size_t k = 0; k < in->n_kv; k++)
		uv_word(c, in->kv[k].value);
	for (size_t k = 0; k < in->n_flags; k++)
		uv_word(c, in->flags[k].value);
}

/* The ENV names a stage declares, and those of the stages it is built on. */
static void stage_envs(const struct df_file *f, const struct bld_plan *p, int s, char ***known)
{
	for (int depth = 0; s >= 0 && depth < 64; s = p->stages[s].base_stage, depth++)
		for (size_t i = p->stages[s].first + 1; i < p->stages[s].end; i++)
			for (size_t k = 0; f->v[i].kind == DF_ENV && k < f->v[i].n_kv; k++)
				lxr_strv_push(known, lxr_xstrdup(f->v[i].kv[k].key));
}

static void undeclared(const struct df_file *f, struct bld_plan *p)
{
	struct uv_ctx c = {.f = f, .out = &p->warnings};
	size_t i = 0;

	for (; i < f->n && f->v[i].kind == DF_ARG; i++)
		for (size_t k = 0; k < f->v[i].n_kv; k++)
			lxr_strv_push(&c.globals, lxr_xstrdup(f->v[i].kv[k].key));
	for (size_t s = 0; s < p->n; s++) {
		const struct bld_stage *st = &p->stages[s];
		c.known = lxr_strv_dup(c.globals ? c.globals : (char *[]){NULL});
		c.from = true;
		uv_instr(&c, &f->v[st->first]);
		lxr_strv_free(c.known);
		c.known = NULL;
		c.from = false;
		stage_envs(f, p, st->base_stage, &c.known);
		for (size_t k = st->first + 1; k < st->end; k++) {
			const struct df_instr *in = &f->v[k];
			if (in->kind == DF_ARG || in->kind == DF_ENV)
				for (size_t j = 0; j < in->n_kv; j++)
					lxr_strv_push(&c.known, lxr_xstrdup(in->kv[j].key));
			if (df_kind_expands(in->kind) && in->kind != DF_ONBUILD)
				uv_instr(&c, in);
		}
		lxr_strv_free(c.known);
		c.known = NULL;
	}
	lxr_strv_free(c.globals);
	lxr_strv_free(c.said);
}

int bld_plan_make(const struct df_file *f, char *const *build_args, const char *target,
		  struct bld_plan *out, lxr_err *err)
{
	struct bld_plan p = {0};

	*out = p;
	if (meta_args(f, build_args, &p.meta_args, err) < 0)
		return -1;
	for (size_t i = 0; i < f->n; i++) {
		const struct df_instr *in = &f->v[i];

		if (in->kind == DF_FROM && add_stage(f, &p, i, err) < 0)
			goto fail;
		if (in->kind == DF_RUN && p.n && run_mounts(f, &p, in, err) < 0)
			goto fail;
		if (in->kind != DF_COPY || !p.n)
			continue;
		for (size_t k = 0; k < in->n_flags; k++) {
			_cleanup_free_ char *from = NULL;
			if (strcmp(in->flags[k].name, "from"))
				continue;
			if (df_expand(in->flags[k].value, f->escape, lookup, p.meta_args, &from,
				      err) < 0) {
				fail_at(err, f, in, NULL, "COPY --from: %s", err->msg);
				goto fail;
			}
			if (copy_from(f, &p, p.n - 1, in, from, err) < 0)
				goto fail;
		}
	}
	if (resolve_target(f, &p, target, err) < 0)
		goto fail;
	mark(&p, p.target);
	unused(f, build_args, &p);
	undeclared(f, &p);
	*out = p;
	return 0;
fail:
	bld_plan_free(&p);
	return -1;
}

int bld_plan_waves(const struct bld_plan *p, int *wave)
{
	int n = 0;

	/* a stage names only earlier ones: one pass in order suffices */
	for (size_t s = 0; s < p->n; s++) {
		const struct bld_stage *st = &p->stages[s];
		int w = 0;
		wave[s] = -1;
		if (!st->needed)
			continue;
		if (st->base_stage >= 0 && wave[st->base_stage] + 1 > w)
			w = wave[st->base_stage] + 1;
		for (size_t k = 0; k < st->n_copy_from; k++)
			if (wave[st->copy_from[k]] + 1 > w)
				w = wave[st->copy_from[k]] + 1;
		wave[s] = w;
		if (w + 1 > n)
			n = w + 1;
	}
	return n;
}

void bld_plan_free(struct bld_plan *p)
{
	for (size_t s = 0; s < p->n; s++) {
		free(p->stages[s].name);
		free(p->stages[s].base);
		free(p->stages[s].copy_from);
	}
	free(p->stages);
	lxr_strv_free(p->meta_args);
	lxr_strv_free(p->unused_args);
	lxr_strv_free(p->warnings);
	*p = (struct bld_plan){0};
}
