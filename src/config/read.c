/* Reading typed values out of nodes. Interpolation happens here, on scalar
 * values only (Compose: keys are never interpolated), once per node. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "config/config_internal.h"

static void interpolate(struct cfg_ctx *c, struct cfg_node *n)
{
	struct cfg_text_diag d[8];
	size_t nd = 0;
	char *out = NULL;

	/* `lxr config --no-interpolate`: every value as written */
	if (c->as_written) {
		n->val = n->raw;
		return;
	}
	/* A failed ${VAR:?msg} is reported once; the value is then unusable. */
	n->bad = cfg_interpolate(n->raw, c->lookup, c->lookup_ctx, &out, d, 8, &nd) < 0;
	for (size_t i = 0; i < nd && i < 8; i++) {
		struct cfg_pos pos = n->pos;
		/* Columns inside the text map onto the file only when the scalar
		 * is on one line; quotes shift it by one. */
		if (n->single_line && d[i].line <= 1)
			pos.col += (n->plain ? 0 : 1) + d[i].col - 1;
		cfg_diag_add(c, pos, d[i].warning, NULL, "%s", d[i].msg);
	}
	n->val = cfg_tree_strdup(c->tree, out ? out : "");
	free(out);
}

const char *cfg_scalar(struct cfg_ctx *c, struct cfg_node *n, const char *what)
{
	if (n->kind != CFG_NODE_SCALAR) {
		cfg_error(c, n, "%s must be a string, not a %s", what, cfg_kind_name(n));
		return NULL;
	}
	if (!n->val)
		interpolate(c, n);
	return n->bad ? NULL : n->val;
}

/* An empty string, what an unset variable gives (`working_dir: ${WD}`):
 * where docker takes "" as not set, so does lxr. */
bool cfg_scalar_empty(struct cfg_ctx *c, struct cfg_node *n)
{
	const char *v = n->kind == CFG_NODE_SCALAR && !cfg_is_null(n) ? cfg_scalar(c, n, "") : NULL;

	return v && !*v;
}

bool cfg_expect(struct cfg_ctx *c, const struct cfg_node *n, enum cfg_node_kind k, const char *what)
{
	static const char *const names[] = {"a string", "a mapping", "a list"};

	if (n->kind == k)
		return true;
	cfg_error(c, n, "%s must be %s, not a %s", what, names[k], cfg_kind_name(n));
	return false;
}

void cfg_str_set(struct cfg_str *s, const char *v, struct cfg_pos pos)
{
	free(s->v);
	s->v = v ? lxr_xstrdup(v) : NULL;
	s->pos = pos;
}

int cfg_read_str(struct cfg_ctx *c, struct cfg_node *n, const char *what, struct cfg_str *out)
{
	const char *v;

	if (cfg_is_null(n)) {
		cfg_str_set(out, NULL, n->pos);
		return 0;
	}
	v = cfg_scalar(c, n, what);
	if (!v)
		return -1;
	cfg_str_set(out, v, n->pos);
	return 0;
}

int cfg_read_bool(struct cfg_ctx *c, struct cfg_node *n, const char *what, struct cfg_bool *out)
{
	/* Compose accepts these spellings for booleans (also after
	 * interpolation, where every value is a string). */
	static const char *const yes[] = {"true", "yes", "y", "on"};
	static const char *const no[] = {"false", "no", "n", "off"};
	const char *v = cfg_scalar(c, n, what);

	if (!v)
		return -1;
	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i]) || !strcasecmp(v, no[i])) {
			*out = (struct cfg_bool){!strcasecmp(v, yes[i]), true, n->pos};
			return 0;
		}
	}
	cfg_error_hint(c, n, "write true or false", "%s must be a boolean, not \"%s\"", what, v);
	return -1;
}

static int parse_i64(const char *v, int64_t *out)
{
	char *end;
	long long x;

	if (!*v || strchr(" \t\n", *v))
		return -1;
	errno = 0;
	x = strtoll(v, &end, 10);
	if (errno || *end)
		return -1;
	*out = x;
	return 0;
}

int cfg_read_int(struct cfg_ctx *c, struct cfg_node *n, const char *what, int64_t lo, int64_t hi,
		 struct cfg_int *out)
{
	const char *v = cfg_scalar(c, n, what);
	int64_t x;

	if (!v)
		return -1;
	if (parse_i64(v, &x) < 0) {
		cfg_error(c, n, "%s must be an integer, not \"%s\"", what, v);
		return -1;
	}
	if (x < lo || x > hi) {
		cfg_error(c, n, "%s must be between %lld and %lld, not %lld", what, (long long)lo,
			  (long long)hi, (long long)x);
		return -1;
	}
	*out = (struct cfg_int){x, true, n->pos};
	return 0;
}

int cfg_read_duration(struct cfg_ctx *c, struct cfg_node *n, const char *what, struct cfg_int *out)
{
	const char *v = cfg_scalar(c, n, what);
	int64_t us;

	if (!v)
		return -1;
	if (cfg_parse_duration(v, &us) < 0 || us < 0) {
		cfg_error_hint(c, n, "use a number with a unit: 500ms, 10s, 1m30s, 2h",
			       "%s: invalid duration \"%s\"", what, v);
		return -1;
	}
	*out = (struct cfg_int){us, true, n->pos};
	return 0;
}

int cfg_read_bytes(struct cfg_ctx *c, struct cfg_node *n, const char *what, struct cfg_int *out)
{
	const char *v = cfg_scalar(c, n, what);
	int64_t b;

	if (!v)
		return -1;
	if (cfg_parse_bytes(v, &b) < 0 || b < 0) {
		cfg_error_hint(c, n, "use bytes or a unit: 4096, 64k, 512m, 2g",
			       "%s: invalid size \"%s\"", what, v);
		return -1;
	}
	*out = (struct cfg_int){b, true, n->pos};
	return 0;
}

int cfg_read_cpus(struct cfg_ctx *c, struct cfg_node *n, const char *what, struct cfg_int *out)
{
	const char *v = cfg_scalar(c, n, what);
	int64_t m;

	if (!v)
		return -1;
	if (cfg_parse_cpus(v, &m) < 0 || m < 0) {
		cfg_error_hint(c, n, "a number of CPUs: 0.5, 1, 2.25",
			       "%s: invalid CPU count \"%s\"", what, v);
		return -1;
	}
	*out = (struct cfg_int){m, true, n->pos};
	return 0;
}

void cfg_strs_push(struct cfg_strs *v, const char *s, struct cfg_pos pos)
{
	v->v = lxr_xrealloc(v->v, (v->n + 1) * sizeof(*v->v));
	v->v[v->n++] = (struct cfg_str){lxr_xstrdup(s), pos};
}

void cfg_strs_free(struct cfg_strs *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i].v);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

int cfg_read_strs(struct cfg_ctx *c, struct cfg_node *n, const char *what, bool allow_single,
		  struct cfg_strs *out)
{
	int r = 0;

	cfg_strs_free(out);
	if (cfg_is_null(n))
		return 0;
	if (n->kind == CFG_NODE_SCALAR && allow_single) {
		const char *v = cfg_scalar(c, n, what);
		if (!v)
			return -1;
		cfg_strs_push(out, v, n->pos);
		return 0;
	}
	if (!cfg_expect(c, n, CFG_NODE_SEQ, what))
		return -1;
	for (size_t i = 0; i < n->n; i++) {
		const char *v = cfg_scalar(c, n->items[i], what);
		if (!v) {
			r = -1;
			continue;
		}
		cfg_strs_push(out, v, n->items[i]->pos);
	}
	return r;
}

void cfg_kvs_set(struct cfg_kvs *v, const char *key, const char *value, struct cfg_pos pos)
{
	for (size_t i = 0; i < v->n; i++) {
		if (!strcmp(v->v[i].key, key)) {
			free(v->v[i].value);
			v->v[i].value = value ? lxr_xstrdup(value) : NULL;
			v->v[i].pos = pos;
			return;
		}
	}
	v->v = lxr_xrealloc(v->v, (v->n + 1) * sizeof(*v->v));
	v->v[v->n++] = (struct cfg_kv){lxr_xstrdup(key), value ? lxr_xstrdup(value) : NULL, pos};
}

void cfg_kvs_free(struct cfg_kvs *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->v[i].key);
		free(v->v[i].value);
	}
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

static int kv_from_item(struct cfg_ctx *c, struct cfg_node *item, const char *what,
			bool null_values, struct cfg_kvs *out)
{
	const char *v = cfg_scalar(c, item, what);
	const char *eq;

	if (!v)
		return -1;
	eq = strchr(v, '=');
	/* `- ${UNSET}` in environment or args: compose-go keeps a nameless
	 * entry with no value, which names nothing the container gets */
	if (!*v && null_values) {
		cfg_warn(c, item, "%s: an empty entry is left out", what);
		return 0;
	}
	if (eq == v || !*v) {
		cfg_error_hint(c, item, "write KEY=VALUE", "%s: entry \"%s\" has no name", what, v);
		return -1;
	}
	if (!eq) {
		cfg_kvs_set(out, v, null_values ? NULL : "", item->pos);
		return 0;
	}
	_cleanup_free_ char *k = lxr_xstrndup(v, (size_t)(eq - v));
	cfg_kvs_set(out, k, eq + 1, item->pos);
	return 0;
}

int cfg_read_kvs(struct cfg_ctx *c, struct cfg_node *n, const char *what, bool null_values,
		 struct cfg_kvs *out)
{
	int r = 0;

	if (cfg_is_null(n))
		return 0;
	if (n->kind == CFG_NODE_SEQ) {
		for (size_t i = 0; i < n->n; i++)
			if (kv_from_item(c, n->items[i], what, null_values, out) < 0)
				r = -1;
		return r;
	}
	if (n->kind != CFG_NODE_MAP) {
		cfg_error(c, n, "%s must be a mapping or a list of KEY=VALUE, not a %s", what,
			  cfg_kind_name(n));
		return -1;
	}
	for (size_t i = 0; i < n->n; i++) {
		struct cfg_node *k = n->pairs[i].key, *val = n->pairs[i].value;
		const char *s;
		if (!*k->raw) {
			cfg_error(c, k, "%s: empty name", what);
			r = -1;
			continue;
		}
		if (cfg_is_null(val)) {
			cfg_kvs_set(out, k->raw, null_values ? NULL : "", k->pos);
			continue;
		}
		/* a plain `False`, `022` or `1.50` is what compose makes of it */
		_cleanup_free_ char *typed =
		    val->kind == CFG_NODE_SCALAR && val->plain ? cfg_go_plain_text(val->raw) : NULL;
		s = typed ? typed : cfg_scalar(c, val, what);
		if (!s) {
			r = -1;
			continue;
		}
		cfg_kvs_set(out, k->raw, s, k->pos);
	}
	return r;
}

struct words {
	enum { NONE, SINGLE, QUOTED } got;
	bool escaped, sq, dq, bq, dollar;
	char *w;
	size_t wl, start;
};

/* A quote, bracket or operator at s[*i]: 1 taken (a quote, or the end of
 * the command), 0 a character of the word, -1 an error */
static int special(struct words *x, const char *s, size_t *i, size_t len, const char **rest)
{
	char r = s[*i];

	switch (r) {
	case '`':
		if (!x->sq && !x->dq && !x->dollar)
			x->bq = !x->bq;
		return 0;
	case ')':
		if (!x->sq && !x->dq && !x->bq)
			x->dollar = !x->dollar; /* a bare ) opens it: an error at the end */
		return 0;
	case '(':
		if (!x->sq && !x->dq && !x->bq) {
			if (x->dollar || !x->wl || x->w[x->wl - 1] != '$')
				return -1;
			x->dollar = true;
		}
		return 0;
	case '"':
	case '\'':
		if (r == '"' ? x->sq || x->dollar : x->dq || x->dollar)
			return 0;
		bool *open = r == '"' ? &x->dq : &x->sq;
		if (*open)
			x->got = QUOTED;
		*open = !*open;
		return 1;
	case ';':
	case '&':
	case '|':
	case '<':
	case '>':
		if (x->sq || x->dq || x->bq || x->dollar)
			return 0;
		*rest = s + *i;
		if (r == '>' && x->wl && x->w[0] >= '0' && x->w[0] <= '9') {
			x->got = NONE;
			*rest = s + x->start;
		}
		*i = len; /* the command ends here */
		return 1;
	default: return 0;
	}
}

/* compose-go splits a string command with go-shellwords (v1.0.12), and so
 * does lxr, rule for rule: blanks split words outside quotes; a backslash
 * escapes the next character (not inside single quotes); `$(...)` and
 * backquotes stay whole in their word; an unquoted ( that opens no $( is
 * an error; and an unquoted ; & | < or > ends the command there, the word
 * before a > dropped when it starts with a digit (2>&1). */
int cfg_split_words(const char *s, struct cfg_strs *out, struct cfg_pos pos, const char **rest)
{
	size_t len = strlen(s);
	_cleanup_free_ char *w = lxr_xmalloc(len + 2);
	struct words x = {.w = w};

	*rest = NULL;
	for (size_t i = 0; i < len; i++) {
		char r = s[i];
		int k;
		if (x.got == NONE && !x.wl && !x.escaped && !x.sq && !x.dq && !strchr(" \t\r\n", r))
			x.start = i; /* where the word being read began */
		if (x.escaped) {
			w[x.wl++] = r;
			x.escaped = false;
			x.got = SINGLE;
			continue;
		}
		if (r == '\\') {
			if (x.sq)
				w[x.wl++] = r;
			else
				x.escaped = true;
			continue;
		}
		if (strchr(" \t\r\n", r)) {
			if (x.sq || x.dq || x.bq || x.dollar) {
				w[x.wl++] = r;
			} else if (x.got != NONE) {
				w[x.wl] = '\0';
				cfg_strs_push(out, w, pos);
				x.wl = 0;
				x.got = NONE;
			}
			continue;
		}
		if ((k = special(&x, s, &i, len, rest)) < 0)
			return -1;
		if (k > 0)
			continue;
		x.got = SINGLE;
		w[x.wl++] = r;
	}
	if (x.got != NONE) {
		w[x.wl] = '\0';
		cfg_strs_push(out, w, pos);
	}
	return x.escaped || x.sq || x.dq || x.bq || x.dollar ? -1 : 0;
}

int cfg_read_cmd(struct cfg_ctx *c, struct cfg_node *n, struct cfg_cmd *out, const char *what)
{
	const char *v, *rest;

	cfg_strs_free(&out->argv);
	out->pos = n->pos;
	out->set = !cfg_is_null(n);
	if (!out->set)
		return 0;
	if (n->kind == CFG_NODE_SEQ)
		return cfg_read_strs(c, n, what, false, &out->argv);
	v = cfg_scalar(c, n, what);
	if (!v)
		return -1;
	if (cfg_split_words(v, &out->argv, n->pos, &rest) < 0) {
		cfg_error_hint(c, n,
			       "close the quote, end the escape, quote the parenthesis, or write "
			       "the command as a list",
			       "%s is not a command line docker compose can split (an open quote, "
			       "a trailing backslash or a bare parenthesis)",
			       what);
		return -1;
	}
	if (rest)
		cfg_warn(c, n,
			 "%s ends before \"%s\", as docker compose splits it: that part is not "
			 "run (write [\"sh\", \"-c\", \"...\"] to run a shell line)",
			 what, rest);
	return 0;
}
