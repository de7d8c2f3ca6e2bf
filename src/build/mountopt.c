/* RUN --mount, --network and lxr build --secret as values: BuildKit's
 * keys, defaults and errors, read without touching the system (the
 * mounts themselves are made in mounts.c). */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "build/build_internal.h"

int bld_err_at(lxr_err *err, const char *file, int line, int col)
{
	char msg[LXR_ERR_MSG_MAX / 2], hint[LXR_ERR_HINT_MAX];
	int e = err->errnum;

	snprintf(msg, sizeof(msg), "%.*s", (int)sizeof(msg) - 1, err->msg);
	snprintf(hint, sizeof(hint), "%s", err->hint);
	lxr_fail(err, e, "%s:%d:%d: %s", file, line, col, msg);
	if (*hint)
		lxr_err_hint(err, "%s", hint);
	return -1;
}

int bld_network_parse(const char *s)
{
	if (!strcmp(s, "default"))
		return BLD_NET_DEFAULT;
	if (!strcmp(s, "none"))
		return BLD_NET_NONE;
	if (!strcmp(s, "host"))
		return BLD_NET_HOST;
	return -1;
}

/* A line of Go's encoding/csv, as BuildKit splits --mount and buildx
 * --secret: fields at commas, a field in double quotes may hold commas
 * and "" for a quote. */
static int csv_fields(const char *s, char ***out, lxr_err *err)
{
	char **v = lxr_xcalloc(1, sizeof(char *));
	size_t n = strlen(s);
	char *cur = lxr_xmalloc(n + 1);

	for (size_t i = 0;;) {
		size_t k = 0;
		if (s[i] == '"') {
			for (i++;; i++) {
				if (!s[i]) {
					free(cur);
					lxr_strv_free(v);
					return lxr_fail(err, EINVAL,
							"an unterminated quote in `%s`", s);
				}
				if (s[i] == '"' && s[i + 1] == '"')
					cur[k++] = s[i++];
				else if (s[i] == '"')
					break;
				else
					cur[k++] = s[i];
			}
			i++;
			if (s[i] && s[i] != ',') {
				free(cur);
				lxr_strv_free(v);
				return lxr_fail(err, EINVAL, "text after a quoted field in `%s`",
						s);
			}
		} else {
			while (s[i] && s[i] != ',') {
				if (s[i] == '"') {
					free(cur);
					lxr_strv_free(v);
					return lxr_fail(err, EINVAL,
							"a quote inside an unquoted field in `%s` "
							"(quote the whole field)",
							s);
				}
				cur[k++] = s[i++];
			}
		}
		cur[k] = '\0';
		lxr_strv_push(&v, lxr_xstrdup(cur));
		if (!s[i])
			break;
		i++;
	}
	free(cur);
	*out = v;
	return 0;
}

/* docker's go-units RAMInBytes: "64m", "1.5g", "1024" (binary units) */
static int parse_ram(const char *v, long long *out)
{
	static const char units[] = "bkmgtp";
	char *e;
	double d;

	errno = 0;
	d = strtod(v, &e);
	if (e == v || errno || d < 0 || !isdigit((unsigned char)v[0]))
		return -1;
	long long mul = 1;
	if (*e) {
		const char *u = strchr(units, tolower((unsigned char)*e));
		if (!u)
			return -1;
		for (long i = 0; i < u - units; i++)
			mul *= 1024;
		e++;
		if (*e && tolower((unsigned char)*e) == 'b' && u != units)
			e++;
		if (*e == 'i' || *e == 'I')
			e++;
		if (*e)
			return -1;
	}
	*out = (long long)(d * (double)mul);
	return 0;
}

static int parse_num(const char *v, int base, long max, long *out)
{
	char *e;

	if (!*v || *v == '-' || *v == '+')
		return -1;
	errno = 0;
	long n = strtol(v, &e, base);
	if (*e || errno || n > max)
		return -1;
	*out = n;
	return 0;
}

static const char *type_name(enum bld_mount_type t)
{
	static const char *const names[] = {"bind", "cache", "tmpfs", "secret"};
	return names[t];
}

void bld_mount_free(struct bld_mount *m)
{
	free(m->target);
	free(m->from);
	free(m->source);
	free(m->id);
	free(m->env);
	*m = (struct bld_mount){0};
}

static int mount_type(char **f, struct bld_mount *m, lxr_err *err)
{
	for (size_t i = 0; f[i]; i++) {
		size_t kl = strcspn(f[i], "=");
		if (f[i][kl] != '=' || kl != 4 || strncasecmp(f[i], "type", 4))
			continue;
		const char *v = f[i] + 5;
		if (!strcasecmp(v, "bind"))
			m->type = BLD_MOUNT_BIND;
		else if (!strcasecmp(v, "cache"))
			m->type = BLD_MOUNT_CACHE;
		else if (!strcasecmp(v, "tmpfs"))
			m->type = BLD_MOUNT_TMPFS;
		else if (!strcasecmp(v, "secret"))
			m->type = BLD_MOUNT_SECRET;
		else if (!strcasecmp(v, "ssh"))
			return lxr_fail(err, ENOTSUP,
					"--mount type=ssh is not supported by lxr's builder");
		else
			return lxr_fail(err, EINVAL,
					"--mount: unsupported mount type \"%s\" (bind, cache, "
					"tmpfs or secret)",
					v);
	}
	return 0;
}

/* mode, uid, gid and size: 0 done, -1 error, 1 not one of them */
static int mount_number(const char *key, const char *v, struct bld_mount *m, lxr_err *err)
{
	const char *t = type_name(m->type);
	long n;

	if (!strcmp(key, "mode") || !strcmp(key, "uid") || !strcmp(key, "gid")) {
		if (m->type != BLD_MOUNT_CACHE && m->type != BLD_MOUNT_SECRET)
			return lxr_fail(err, EINVAL,
					"--mount: %s not allowed for \"%s\" type mounts", key, t);
		if (parse_num(v, key[0] == 'm' ? 8 : 10, key[0] == 'm' ? 07777 : 0xfffffffeL, &n) <
		    0)
			return lxr_fail(err, EINVAL, "--mount %s=%s: not %s", key, v,
					key[0] == 'm' ? "an octal mode" : "a number");
		if (key[0] == 'm')
			m->mode = (int)n;
		else if (key[0] == 'u')
			m->uid = n;
		else
			m->gid = n;
		return 0;
	}
	if (!strcmp(key, "size")) {
		if (m->type != BLD_MOUNT_TMPFS)
			return lxr_fail(err, EINVAL,
					"--mount: unexpected key 'size' for mount type '%s'", t);
		if (parse_ram(v, &m->size) < 0)
			return lxr_fail(err, EINVAL, "--mount size=%s: not a size (64m, 1g, ...)",
					v);
		return 0;
	}
	return 1;
}

/* one key=value (or a bare ro/rw/required); -1 with err set */
static int mount_field(const char *field, struct bld_mount *m, bool *ro_auto, lxr_err *err)
{
	size_t kl = strcspn(field, "=");
	_cleanup_free_ char *key = lxr_xstrndup(field, kl);
	const char *v = field[kl] ? field + kl + 1 : NULL;
	const char *t = type_name(m->type);
	bool b = true;

	for (char *c = key; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (!strcmp(key, "type"))
		return 0;
	if (!strcmp(key, "readonly") || !strcmp(key, "ro") || !strcmp(key, "readwrite") ||
	    !strcmp(key, "rw")) {
		if (v && lxr_go_bool(v, &b) < 0)
			return lxr_fail(err, EINVAL, "--mount %s=%s: not true or false", key, v);
		bool rw = !strcmp(key, "readwrite") || !strcmp(key, "rw");
		m->readonly = rw ? !b : b;
		*ro_auto = false;
		return 0;
	}
	if (!strcmp(key, "required")) {
		if (m->type != BLD_MOUNT_SECRET)
			return lxr_fail(err, EINVAL,
					"--mount: unexpected key 'required' for mount type '%s'",
					t);
		if (v && lxr_go_bool(v, &b) < 0)
			return lxr_fail(err, EINVAL, "--mount required=%s: not true or false", v);
		m->required = b;
		return 0;
	}
	if (!v)
		return lxr_fail(err, EINVAL, "--mount: invalid field '%s' must be a key=value pair",
				field);
	char **slot = NULL;
	if (!strcmp(key, "target") || !strcmp(key, "dst") || !strcmp(key, "destination"))
		slot = &m->target;
	else if (!strcmp(key, "source") || !strcmp(key, "src"))
		slot = &m->source;
	else if (!strcmp(key, "from"))
		slot = &m->from;
	else if (!strcmp(key, "id"))
		slot = &m->id;
	else if (!strcmp(key, "env")) {
		if (m->type != BLD_MOUNT_SECRET)
			return lxr_fail(err, EINVAL,
					"--mount: unexpected key 'env' for mount type '%s'", t);
		slot = &m->env;
	}
	if (slot) {
		free(*slot);
		*slot = lxr_xstrdup(v);
		return 0;
	}
	if (!strcmp(key, "sharing")) {
		if (m->type != BLD_MOUNT_CACHE)
			return lxr_fail(err, EINVAL,
					"--mount: unexpected key 'sharing' for mount type '%s'", t);
		if (!strcasecmp(v, "shared"))
			m->sharing = BLD_SHARE_SHARED;
		else if (!strcasecmp(v, "private"))
			m->sharing = BLD_SHARE_PRIVATE;
		else if (!strcasecmp(v, "locked"))
			m->sharing = BLD_SHARE_LOCKED;
		else
			return lxr_fail(
			    err, EINVAL,
			    "--mount: unsupported sharing value \"%s\" (shared, private "
			    "or locked)",
			    v);
		return 0;
	}
	int r = mount_number(key, v, m, err);
	if (r <= 0)
		return r;
	return lxr_fail(err, EINVAL, "--mount: unexpected key '%s' in '%s'", key, field);
}

int bld_mount_parse(const char *value, struct bld_mount *out, lxr_err *err)
{
	struct bld_mount m = {.type = BLD_MOUNT_BIND, .mode = -1, .uid = -1, .gid = -1};
	_cleanup_strv_ char **f = NULL;
	bool ro_auto = true;

	*out = (struct bld_mount){0};
	if (csv_fields(value, &f, err) < 0)
		return lxr_err_wrap(err, "--mount");
	/* the type decides which keys are allowed, wherever it is written */
	if (mount_type(f, &m, err) < 0)
		return -1;
	for (size_t i = 0; f[i]; i++)
		if (*f[i] && mount_field(f[i], &m, &ro_auto, err) < 0) {
			bld_mount_free(&m);
			return -1;
		}
	if (ro_auto)
		m.readonly = m.type == BLD_MOUNT_BIND || m.type == BLD_MOUNT_SECRET;
	if (m.type == BLD_MOUNT_SECRET) {
		if (m.from || m.source) {
			bld_mount_free(&m);
			return lxr_fail(err, EINVAL, "--mount: a secret mount takes no %s",
					m.from ? "from" : "source"),
			       lxr_err_hint(err, "name the secret with id= and give its value "
						 "with lxr build --secret id=ID,src=FILE");
		}
		if (!m.id && m.target) {
			const char *b = strrchr(m.target, '/');
			m.id = lxr_xstrdup(b ? b + 1 : m.target);
		}
		if (!m.id || !*m.id) {
			bld_mount_free(&m);
			return lxr_fail(err, EINVAL, "--mount type=secret needs id= or target=");
		}
		if (!m.target && !m.env)
			m.target = lxr_xasprintf("/run/secrets/%s", m.id);
	} else if (!m.target || !*m.target) {
		lxr_fail(err, EINVAL, "--mount type=%s needs a target", type_name(m.type));
		bld_mount_free(&m);
		return lxr_err_hint(err, "say where it goes: --mount=type=%s,target=/path",
				    type_name(m.type));
	}
	if (m.type == BLD_MOUNT_TMPFS && (m.from || m.source)) {
		bld_mount_free(&m);
		return lxr_fail(err, EINVAL, "--mount type=tmpfs takes no from or source");
	}
	if (m.type == BLD_MOUNT_CACHE && (!m.id || !*m.id)) {
		free(m.id);
		m.id = lxr_xstrdup(m.target);
	}
	*out = m;
	return 0;
}

void bld_secret_free(struct bld_secret *s)
{
	free(s->id);
	free(s->src);
	free(s->env);
	*s = (struct bld_secret){0};
}

int bld_secret_parse(const char *value, struct bld_secret *out, lxr_err *err)
{
	_cleanup_strv_ char **f = NULL;
	struct bld_secret s = {0};
	bool env_type = false;

	*out = s;
	if (csv_fields(value, &f, err) < 0)
		return lxr_err_wrap(err, "--secret %s", value);
	for (size_t i = 0; f[i]; i++) {
		size_t kl = strcspn(f[i], "=");
		const char *v = f[i] + kl + 1;
		char **slot = NULL;
		if (!f[i][kl]) {
			bld_secret_free(&s);
			return lxr_fail(err, EINVAL,
					"--secret %s: invalid field '%s' must be a key=value pair",
					value, f[i]);
		}
		if (kl == 4 && !strncasecmp(f[i], "type", 4)) {
			if (strcmp(v, "file") && strcmp(v, "env")) {
				bld_secret_free(&s);
				return lxr_fail(err, EINVAL,
						"--secret %s: unsupported secret type \"%s\" (file "
						"or env)",
						value, v);
			}
			env_type = !strcmp(v, "env");
			continue;
		}
		if (kl == 2 && !strncasecmp(f[i], "id", 2))
			slot = &s.id;
		else if ((kl == 3 && !strncasecmp(f[i], "src", 3)) ||
			 (kl == 6 && !strncasecmp(f[i], "source", 6)))
			slot = &s.src;
		else if (kl == 3 && !strncasecmp(f[i], "env", 3))
			slot = &s.env;
		if (!slot) {
			bld_secret_free(&s);
			return lxr_fail(err, EINVAL, "--secret %s: unexpected key '%.*s'", value,
					(int)kl, f[i]);
		}
		free(*slot);
		*slot = lxr_xstrdup(v);
	}
	if (env_type && !s.env) {
		s.env = s.src;
		s.src = NULL;
	}
	if (!s.id || !*s.id) {
		bld_secret_free(&s);
		return lxr_fail(err, EINVAL, "--secret %s: no id", value),
		       lxr_err_hint(err, "--secret id=ID,src=FILE or id=ID,env=VARIABLE");
	}
	if (s.src && s.env) {
		bld_secret_free(&s);
		return lxr_fail(err, EINVAL, "--secret %s: src and env both given", value);
	}
	if (!s.src && !s.env) {
		if (getenv(s.id))
			s.env = lxr_xstrdup(s.id);
		else
			s.src = lxr_xstrdup(s.id);
	}
	*out = s;
	return 0;
}
