/* The image config a stage builds up, instruction by instruction, as
 * docker's builder does it. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "lxr/build.h"
#include "lxr/config.h"

/* NULL (not set) stays NULL: an empty vector means cleared */
static char **dup_v(char *const *v)
{
	return v ? lxr_strv_dup(v) : NULL;
}

void bld_config_init(struct bld_config *c, const struct img_config *base)
{
	*c = (struct bld_config){0};
	if (!base)
		return;
	c->img.entrypoint = dup_v(base->entrypoint);
	c->img.cmd = dup_v(base->cmd);
	c->img.env = dup_v(base->env);
	c->img.workdir = base->workdir ? lxr_xstrdup(base->workdir) : NULL;
	c->img.user = base->user ? lxr_xstrdup(base->user) : NULL;
	c->img.exposed_ports = dup_v(base->exposed_ports);
	c->img.stop_signal = base->stop_signal ? lxr_xstrdup(base->stop_signal) : NULL;
	c->img.healthcheck = base->healthcheck;
	c->img.healthcheck.test = dup_v(base->healthcheck.test);
	/* a base image's labels are its builds' too (docker's rule) */
	c->labels = dup_v(base->labels);
}

void bld_config_free(struct bld_config *c)
{
	img_config_free(&c->img);
	lxr_strv_free(c->labels);
	lxr_strv_free(c->volumes);
	lxr_strv_free(c->shell);
	lxr_strv_free(c->onbuild);
	lxr_strv_free(c->args);
	free(c->author);
	for (size_t i = 0; i < c->n_history; i++)
		free(c->history[i].created_by);
	free(c->history);
	*c = (struct bld_config){0};
}

static void add_once(char ***v, const char *s)
{
	for (size_t i = 0; *v && (*v)[i]; i++)
		if (!strcmp((*v)[i], s))
			return;
	lxr_strv_push(v, lxr_xstrdup(s));
}

const char *bld_config_lookup(const char *name, void *ctx)
{
	const struct bld_config *c = ctx;
	const char *v = bld_env_get(c->img.env, name);

	return v ? v : bld_env_get(c->args, name);
}

char **bld_config_shell_args(const struct bld_config *c, const char *cmdline)
{
	char **v = NULL;

	if (c->shell)
		v = lxr_strv_dup(c->shell);
	else {
		lxr_strv_push(&v, lxr_xstrdup("/bin/sh"));
		lxr_strv_push(&v, lxr_xstrdup("-c"));
	}
	lxr_strv_push(&v, lxr_xstrdup(cmdline));
	return v;
}

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
	return lxr_fail(err, 0, "%s:%d:%d: %s", f->name, in->line, in->col, what);
}

static int expand(struct bld_config *c, const struct df_file *f, const struct df_instr *in,
		  const char *word, char **out, lxr_err *err)
{
	if (df_expand(word, f->escape, bld_config_lookup, c, out, err) == 0)
		return 0;
	return fail_at(err, f, in, "%s %s: %s", df_kind_name(in->kind), word, err->msg);
}

/* every pair expanded before any is set: BuildKit expands the whole
 * instruction first, so `ENV a=bye b=$a` gives b the a from before */
static int apply_pairs(struct bld_config *c, const struct df_file *f, const struct df_instr *in,
		       char ***into, lxr_err *err)
{
	_cleanup_strv_ char **kv = lxr_xcalloc(2 * in->n_kv + 1, sizeof(char *));

	for (size_t i = 0; i < in->n_kv; i++) {
		if (expand(c, f, in, in->kv[i].key, &kv[2 * i], err) < 0 ||
		    expand(c, f, in, in->kv[i].value, &kv[2 * i + 1], err) < 0)
			return -1;
		if (!*kv[2 * i])
			return fail_at(err, f, in, "%s: an empty name", df_kind_name(in->kind));
	}
	for (size_t i = 0; i < in->n_kv; i++)
		bld_env_set(into, kv[2 * i], kv[2 * i + 1]);
	return 0;
}

static int apply_arg(struct bld_config *c, const struct df_file *f, const struct df_instr *in,
		     char *const *build_args, char *const *meta, lxr_err *err)
{
	for (size_t i = 0; i < in->n_kv; i++) {
		const char *k = in->kv[i].key, *given = NULL;
		_cleanup_free_ char *v = NULL;
		size_t n = strlen(k);

		for (size_t j = 0; build_args && build_args[j]; j++) {
			if (!strncmp(build_args[j], k, n) && build_args[j][n] == '=')
				given = build_args[j] + n + 1;
			else if (!strcmp(build_args[j], k))
				given = getenv(k);
		}
		if (given)
			v = lxr_xstrdup(given);
		else if (in->kv[i].value) {
			if (expand(c, f, in, in->kv[i].value, &v, err) < 0)
				return -1;
		} else if (bld_env_get(meta, k))
			v = lxr_xstrdup(bld_env_get(meta, k));
		if (v)
			bld_env_set(&c->args, k, v);
	}
	return 0;
}

/* WORKDIR: relative to the last one, cleaned */
static char *join_workdir(const char *cur, const char *p)
{
	_cleanup_free_ char *full =
	    p[0] == '/' ? lxr_xstrdup(p) : lxr_xasprintf("%s/%s", cur ? cur : "/", p);
	char *out = lxr_xmalloc(strlen(full) + 2);
	size_t k = 0;

	for (char *s = full; *s;) {
		char *e = strchr(s, '/');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if (len == 2 && s[0] == '.' && s[1] == '.') {
			while (k > 0 && out[k - 1] != '/')
				k--;
			if (k > 0)
				k--;
		} else if (len && !(len == 1 && s[0] == '.')) {
			out[k++] = '/';
			memcpy(out + k, s, len);
			k += len;
		}
		s += len + (e ? 1 : 0);
	}
	if (!k)
		out[k++] = '/';
	out[k] = '\0';
	return out;
}

static bool parse_port(const char *s, long *v, const char **end)
{
	char *e;

	if (!isdigit((unsigned char)*s))
		return false;
	*v = strtol(s, &e, 10);
	*end = e;
	return *v >= 1 && *v <= 65535;
}

/* one PORT[-PORT][/PROTO] */
static int expose_port(struct bld_config *c, const struct df_file *f, const struct df_instr *in,
		       const char *word, lxr_err *err)
{
	_cleanup_free_ char *w = lxr_xstrdup(word);
	const char *proto = "tcp", *e;
	long lo, hi;
	char *slash = strchr(w, '/');

	if (slash) {
		*slash = '\0';
		for (char *p = slash + 1; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		proto = slash + 1;
	}
	bool ok = parse_port(w, &lo, &e);
	hi = lo;
	if (ok && *e == '-')
		ok = parse_port(e + 1, &hi, &e) && hi >= lo;
	if (!ok || *e || (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp")))
		return fail_at(err, f, in, "EXPOSE %s: not PORT[-PORT][/tcp|udp|sctp]", word),
		       lxr_err_hint(err, "write EXPOSE 80, EXPOSE 53/udp or EXPOSE 8000-8010");
	for (long p = lo; p <= hi; p++) {
		_cleanup_free_ char *s = lxr_xasprintf("%ld/%s", p, proto);
		add_once(&c->img.exposed_ports, s);
	}
	return 0;
}

/* each argument split into words after substitution, as BuildKit's
 * ProcessWords: `EXPOSE $PORTS` with PORTS="80 443" is two ports */
static int apply_expose(struct bld_config *c, const struct df_file *f, const struct df_instr *in,
			lxr_err *err)
{
	for (size_t i = 0; in->args[i]; i++) {
		_cleanup_strv_ char **words = NULL;

		if (df_expand_words(in->args[i], f->escape, bld_config_lookup, c, &words, err) < 0)
			return fail_at(err, f, in, "EXPOSE %s: %s", in->args[i], err->msg);
		for (size_t k = 0; words[k]; k++)
			if (expose_port(c, f, in, words[k], err) < 0)
				return -1;
	}
	return 0;
}

/* moby's ParseSignal: a number, or a name in any case with or without
 * SIG, RTMIN+n and RTMAX-n too; cfg_parse_signal is the reading lxr run
 * gives the image's STOPSIGNAL, so what is taken here is what it sends */
static bool signal_ok(const char *s)
{
	int signo;

	return cfg_parse_signal(s, &signo) == 0;
}

/* Go durations as HEALTHCHECK takes them: "30s", "1m30s", "500ms" */
static bool parse_duration(const char *s, int64_t *ns)
{
	static const struct {
		const char *u;
		int64_t ns;
	} units[] = {{"ns", 1},         {"us", 1000},         {"ms", 1000000},
		     {"s", 1000000000}, {"m", 60000000000LL}, {"h", 3600000000000LL}};
	*ns = 0;
	if (!*s)
		return false;
	if (!strcmp(s, "0"))
		return true;
	while (*s) {
		char *e;
		double v = strtod(s, &e);
		size_t best = 0, bl = 0;
		if (e == s || v < 0 || !isdigit((unsigned char)*s))
			return false;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].u);
			if (!strncmp(e, units[i].u, l) && l > bl)
				best = i, bl = l;
		}
		if (!bl || v * (double)units[best].ns > 9e18)
			return false;
		*ns += (int64_t)(v * (double)units[best].ns);
		s = e + bl;
	}
	return true;
}

static int apply_healthcheck(struct bld_config *c, const struct df_file *f,
			     const struct df_instr *in, lxr_err *err)
{
	struct img_healthcheck h = {.present = true};

	if (in->health_none) {
		lxr_strv_push(&h.test, lxr_xstrdup("NONE"));
	} else {
		lxr_strv_push(&h.test, lxr_xstrdup(in->json ? "CMD" : "CMD-SHELL"));
		for (size_t i = 0; in->args[i]; i++)
			lxr_strv_push(&h.test, lxr_xstrdup(in->args[i]));
	}
	for (size_t i = 0; i < in->n_flags; i++) {
		const struct df_flag *fl = &in->flags[i];
		int64_t ns = 0;
		if (!strcmp(fl->name, "retries")) {
			char *e;
			long r = strtol(fl->value, &e, 10);
			if (*e || !*fl->value || r < 0 || r > 1000000) {
				lxr_strv_free(h.test);
				return fail_at(err, f, in, "HEALTHCHECK --retries=%s: not a count",
					       fl->value);
			}
			h.retries = (int)r;
			continue;
		}
		if (!parse_duration(fl->value, &ns)) {
			lxr_strv_free(h.test);
			return fail_at(err, f, in, "HEALTHCHECK --%s=%s: not a duration", fl->name,
				       fl->value),
			       lxr_err_hint(err, "write a duration such as 30s, 1m30s or 500ms");
		}
		if (!strcmp(fl->name, "interval"))
			h.interval_ns = ns;
		else if (!strcmp(fl->name, "timeout"))
			h.timeout_ns = ns;
		else if (!strcmp(fl->name, "start-period"))
			h.start_period_ns = ns;
		/* --start-interval: img_healthcheck has no field for it yet */
	}
	lxr_strv_free(c->img.healthcheck.test);
	c->img.healthcheck = h;
	return 0;
}

static char **command(const struct bld_config *c, const struct df_instr *in)
{
	if (in->json)
		return lxr_strv_dup(in->args);
	return bld_config_shell_args(c, in->args[0]);
}

static int apply_one(struct bld_config *c, const struct df_file *f, const struct df_instr *in,
		     char *const *build_args, char *const *meta, lxr_err *err)
{
	_cleanup_free_ char *w = NULL;

	switch (in->kind) {
	case DF_ENV: return apply_pairs(c, f, in, &c->img.env, err);
	case DF_LABEL: return apply_pairs(c, f, in, &c->labels, err);
	case DF_ARG: return apply_arg(c, f, in, build_args, meta, err);
	case DF_WORKDIR:
		if (expand(c, f, in, in->args[0], &w, err) < 0)
			return -1;
		char *wd = join_workdir(c->img.workdir, w);
		free(c->img.workdir);
		c->img.workdir = wd;
		return 0;
	case DF_USER:
		if (expand(c, f, in, in->args[0], &w, err) < 0)
			return -1;
		free(c->img.user);
		c->img.user = lxr_steal_ptr(&w);
		return 0;
	case DF_STOPSIGNAL:
		if (expand(c, f, in, in->args[0], &w, err) < 0)
			return -1;
		if (!signal_ok(w))
			return fail_at(err, f, in, "STOPSIGNAL %s: not a signal", w),
			       lxr_err_hint(err,
					    "write a name such as SIGTERM or SIGQUIT, or a number");
		free(c->img.stop_signal);
		c->img.stop_signal = lxr_steal_ptr(&w);
		return 0;
	case DF_EXPOSE: return apply_expose(c, f, in, err);
	case DF_VOLUME:
		for (size_t i = 0; in->args[i]; i++) {
			_cleanup_free_ char *v = NULL;
			if (expand(c, f, in, in->args[i], &v, err) < 0)
				return -1;
			if (!*v)
				return fail_at(err, f, in, "VOLUME: an empty path");
			add_once(&c->volumes, v);
		}
		return 0;
	case DF_CMD:
		lxr_strv_free(c->img.cmd);
		c->img.cmd = command(c, in);
		c->cmd_set = true;
		return 0;
	case DF_ENTRYPOINT:
		lxr_strv_free(c->img.entrypoint);
		c->img.entrypoint = command(c, in);
		/* docker: a CMD the base image set goes with a new ENTRYPOINT */
		if (!c->cmd_set) {
			lxr_strv_free(c->img.cmd);
			c->img.cmd = NULL;
		}
		return 0;
	case DF_SHELL:
		lxr_strv_free(c->shell);
		c->shell = lxr_strv_dup(in->args);
		return 0;
	case DF_HEALTHCHECK: return apply_healthcheck(c, f, in, err);
	case DF_ONBUILD: lxr_strv_push(&c->onbuild, lxr_xstrdup(in->trigger->original)); return 0;
	case DF_MAINTAINER:
		free(c->author);
		c->author = lxr_xstrdup(in->args[0]);
		return 0;
	case DF_FROM:
	case DF_RUN:
	case DF_COPY:
	case DF_ADD: break;
	}
	return fail_at(err, f, in, "%s changes files, not the config", df_kind_name(in->kind));
}

int bld_config_apply(struct bld_config *c, const struct df_file *f, const struct df_instr *in,
		     char *const *build_args, char *const *meta, lxr_err *err)
{
	if (apply_one(c, f, in, build_args, meta, err) < 0)
		return -1;
	if (in->kind == DF_ARG)
		return 0;
	c->history = lxr_xrealloc(c->history, (c->n_history + 1) * sizeof(*c->history));
	c->history[c->n_history++] = (struct bld_history){lxr_xstrdup(in->original), true};
	return 0;
}
