/* docker's --format templates over lxr's JSON (inspect -f): the part of
 * Go's text/template that scripts use. Text is copied; an action {{...}}
 * is an operand: a path (.State.Status, . itself), a variable ($ the
 * whole record, $name one a range declares, either with a path after
 * it), a "string", a number, or (a command in parentheses) with a path
 * after it; or a function of one (json, len, lower, upper, not), index
 * OPERAND KEY..., join OPERAND SEP, eq A B... or ne A B; or a block: range [$k, $v :=] OPERAND ...
 * end, if ... [else ...] end, with ... end. So docker's own examples read
 * the same: {{range $p, $conf := .NetworkSettings.Ports}}{{$p}} ->
 * {{(index $conf 0).HostPort}}{{end}}. Values print as Go prints them: a
 * string as is, a missing key "<no value>", null "<nil>", a map
 * "map[k:v ...]" (sorted keys), a list "[a b]". */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#define TPL_VARS 16

struct tpl {
	const char *p; /* the template, where parsing is */
	FILE *out;     /* NULL: parse only (a skipped branch) */
	lxr_err *err;
	int depth;    /* of blocks, bounded: a template is no reason to run out of stack */
	json_t *root; /* $ */
	/* the variables the enclosing ranges declare, innermost last; v
	 * NULL in a branch that does not run */
	struct {
		char name[32];
		json_t *v;
	} vars[TPL_VARS];
	int n_vars;
};

/* One {{...}}: its text, trimmed, and *p past it */
static int action(struct tpl *t, char *buf, size_t len)
{
	const char *end = strstr(t->p, "}}");
	size_t n;

	if (!end)
		return lxr_fail(t->err, EINVAL, "template: an action that is not closed with }}");
	n = (size_t)(end - t->p);
	if (n >= len)
		return lxr_fail(t->err, EINVAL, "template: an action too long");
	memcpy(buf, t->p, n);
	buf[n] = '\0';
	t->p = end + 2;
	/* Go's {{- and -}}: the blanks beside are cut; lxr cuts the marker */
	if (n && buf[n - 1] == '-' && (n == 1 || buf[n - 2] == ' '))
		buf[--n] = '\0';
	char *s = buf;
	if (*s == '-' && (s[1] == ' ' || !s[1]))
		s++;
	while (isspace((unsigned char)*s))
		s++;
	memmove(buf, s, strlen(s) + 1);
	for (n = strlen(buf); n && isspace((unsigned char)buf[n - 1]);)
		buf[--n] = '\0';
	return 0;
}

/* Past a "string" at s (its closing quote, or the end) */
static char *past_string(char *s)
{
	for (s++; *s && *s != '"'; s++)
		if (*s == '\\' && s[1])
			s++;
	return *s ? s + 1 : s;
}

/* The ) that closes the ( at s, or NULL */
static char *closing(char *s)
{
	int depth = 0;

	while (*s) {
		if (*s == '"') {
			s = past_string(s);
			continue;
		}
		if (*s == '(')
			depth++;
		else if (*s == ')' && --depth == 0)
			return s;
		s++;
	}
	return NULL;
}

/* The next word of an action: a path, a name, a "quoted" string (quotes
 * kept), or a (parenthesized command) with what follows it up to a blank.
 * NULL at the end. */
static char *word(char **s)
{
	char *w;

	while (isspace((unsigned char)**s))
		(*s)++;
	if (!**s)
		return NULL;
	w = *s;
	if (**s == '"')
		*s = past_string(*s);
	else if (**s == '(' && closing(*s))
		*s = closing(*s) + 1;
	while (**s && !isspace((unsigned char)**s))
		(*s)++;
	if (**s)
		*(*s)++ = '\0';
	return w;
}

/* A "string" without its quotes (Go's escapes \" and \\ undone) */
static char *unquote(char *w)
{
	char *r = w + 1, *o = w;

	if (*w != '"')
		return w;
	for (; *r && *r != '"'; r++) {
		if (*r == '\\' && r[1])
			r++;
		*o++ = *r;
	}
	*o = '\0';
	return w;
}

/* .A.B.C from v ("" or ".": v itself); NULL: a key that is not there */
static json_t *walk(json_t *v, const char *p)
{
	if (*p == '.')
		p++;
	while (*p && v) {
		size_t n = strcspn(p, ".");
		_cleanup_free_ char *k = lxr_xstrndup(p, n);
		v = json_is_object(v) ? json_object_get(v, k) : NULL;
		p += n + (p[n] == '.');
	}
	return v;
}

static int command(struct tpl *t, json_t *dot, char *text, json_t **res);

/* $ or $name: the record, or the variable the innermost range binds */
static int variable(struct tpl *t, const char *w, size_t n, json_t **v)
{
	if (n == 0) {
		*v = t->root;
		return 0;
	}
	for (int i = t->n_vars; i-- > 0;)
		if (strlen(t->vars[i].name) == n && !strncmp(t->vars[i].name, w, n)) {
			*v = t->vars[i].v;
			return 0;
		}
	return lxr_fail(t->err, EINVAL, "template: undefined variable \"$%.*s\"", (int)n, w);
}

/* One operand's value (a new reference; NULL: a key that is not there) */
static int operand(struct tpl *t, json_t *dot, char *w, json_t **v)
{
	json_t *base = NULL;

	*v = NULL;
	if (w[0] == '"') {
		*v = json_string(unquote(w));
		return 0;
	}
	if (isdigit((unsigned char)w[0]) || (w[0] == '-' && isdigit((unsigned char)w[1]))) {
		*v = json_integer(strtoll(w, NULL, 10));
		return 0;
	}
	if (w[0] == '(') {
		char *close = closing(w);
		if (!close || (close[1] && close[1] != '.'))
			return lxr_fail(t->err, EINVAL, "template: \"%s\": ( without its )", w);
		*close = '\0';
		if (command(t, dot, w + 1, &base) < 0)
			return -1;
		*v = json_incref(walk(base, close + 1));
		json_decref(base);
		return 0;
	}
	if (w[0] == '$') {
		size_t n = strcspn(w + 1, ".");
		if (variable(t, w + 1, n, &base) < 0)
			return -1;
		*v = json_incref(base ? walk(base, w + 1 + n) : NULL);
		return 0;
	}
	if (w[0] == '.') {
		*v = json_incref(walk(dot, w));
		return 0;
	}
	return lxr_fail(t->err, EINVAL, "template: \"%s\" is not a path (.Field) or a function", w),
	       lxr_err_hint(t->err, "paths (.State.Status), variables ($v), json, index, len, "
				    "join, lower, upper, eq, ne, not, range, if, with");
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void print_value(FILE *out, json_t *v, bool missing)
{
	const char *k;
	json_t *x;
	size_t i, n;

	if (missing)
		fputs("<no value>", out);
	else if (json_is_string(v))
		fputs(json_string_value(v), out);
	else if (json_is_integer(v))
		fprintf(out, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		fprintf(out, "%g", json_real_value(v));
	else if (json_is_boolean(v))
		fputs(json_is_true(v) ? "true" : "false", out);
	else if (json_is_array(v)) {
		fputc('[', out);
		json_array_foreach(v, i, x)
		{
			if (i)
				fputc(' ', out);
			print_value(out, x, false);
		}
		fputc(']', out);
	} else if (json_is_object(v)) {
		/* Go prints a map's keys sorted */
		const char **keys = lxr_xcalloc(json_object_size(v) + 1, sizeof(*keys));
		n = 0;
		json_object_foreach(v, k, x) keys[n++] = k;
		qsort(keys, n, sizeof(*keys), cmp_key);
		fputs("map[", out);
		for (i = 0; i < n; i++) {
			fprintf(out, "%s%s:", i ? " " : "", keys[i]);
			print_value(out, json_object_get(v, keys[i]), false);
		}
		fputc(']', out);
		free(keys);
	} else {
		fputs("<nil>", out);
	}
}

/* Go's truth: false, 0, null, and an empty string, list or map are false */
static bool truth(json_t *v)
{
	if (!v || json_is_null(v) || json_is_false(v))
		return false;
	if (json_is_string(v))
		return json_string_length(v) > 0;
	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	if (json_is_real(v))
		return json_real_value(v) != 0;
	if (json_is_array(v))
		return json_array_size(v) > 0;
	if (json_is_object(v))
		return json_object_size(v) > 0;
	return true;
}

static bool is_function(const char *fn)
{
	static const char *const known[] = {"json", "len", "lower", "upper", "index",
					    "join", "eq",  "ne",    "not",   NULL};

	for (size_t i = 0; known[i]; i++)
		if (!strcmp(fn, known[i]))
			return true;
	return false;
}

/* index's key k into v: a string into a map, a number into a list (an
 * operand, or a bare word as itself) */
static int index_one(struct tpl *t, json_t *dot, json_t *v, char *k, json_t **out)
{
	json_t *key = NULL;

	*out = NULL;
	if (strchr(".$(\"", k[0]) || isdigit((unsigned char)k[0])) {
		if (operand(t, dot, k, &key) < 0)
			return -1;
	} else {
		key = json_string(k);
	}
	if (json_is_object(v) && json_is_string(key))
		*out = json_object_get(v, json_string_value(key));
	else if (json_is_array(v) && json_is_integer(key))
		*out = json_array_get(v, (size_t)json_integer_value(key));
	else if (json_is_array(v) && json_is_string(key))
		*out = json_array_get(v, strtoul(json_string_value(key), NULL, 10));
	json_decref(key);
	return 0;
}

/* A function and its operands: the value it gives (a new reference;
 * NULL: index of a key that is not there) */
static int call(struct tpl *t, const char *fn, char *rest, json_t *dot, json_t **res)
{
	char *a = word(&rest);
	json_t *v;

	*res = NULL;
	if (!a)
		return lxr_fail(t->err, EINVAL, "template: %s needs an argument", fn);
	if (operand(t, dot, a, &v) < 0)
		return -1;
	if (!strcmp(fn, "eq") || !strcmp(fn, "ne")) {
		/* Go's eq: the first equal to any of the others; ne: of two */
		bool same = false;
		for (char *b; (b = word(&rest)) && !same;) {
			json_t *w;
			if (operand(t, dot, b, &w) < 0) {
				json_decref(v);
				return -1;
			}
			same = (!v && !w) || (v && w && json_equal(v, w));
			json_decref(w);
		}
		*res = json_boolean(fn[0] == 'e' ? same : !same);
	} else if (!strcmp(fn, "not")) {
		*res = json_boolean(!truth(v));
	} else if (!strcmp(fn, "json")) {
		char *s = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
		*res = json_string(s ? s : "null");
		free(s);
	} else if (!strcmp(fn, "len")) {
		*res = json_integer(json_is_array(v)    ? (json_int_t)json_array_size(v)
				    : json_is_object(v) ? (json_int_t)json_object_size(v)
				    : json_is_string(v) ? (json_int_t)json_string_length(v)
							: 0);
	} else if (!strcmp(fn, "lower") || !strcmp(fn, "upper")) {
		_cleanup_free_ char *s = lxr_xstrdup(json_is_string(v) ? json_string_value(v) : "");
		for (char *c = s; *c; c++)
			*c = (char)(fn[0] == 'l' ? tolower((unsigned char)*c)
						 : toupper((unsigned char)*c));
		*res = json_string(s);
	} else if (!strcmp(fn, "index")) {
		json_t *x = v;
		for (char *k; x && (k = word(&rest));)
			if (index_one(t, dot, x, k, &x) < 0) {
				json_decref(v);
				return -1;
			}
		*res = json_incref(x);
	} else { /* join */
		char *sep = word(&rest);
		size_t i;
		json_t *x;
		char *s = lxr_xstrdup("");
		sep = sep ? unquote(sep) : "";
		json_array_foreach(v, i, x)
		{
			char *n = lxr_xasprintf("%s%s%s", s, i ? sep : "",
						json_is_string(x) ? json_string_value(x) : "");
			free(s);
			s = n;
		}
		*res = json_string(s);
		free(s);
	}
	json_decref(v);
	return 0;
}

/* A command: a function with its operands, or an operand alone */
static int command(struct tpl *t, json_t *dot, char *text, json_t **res)
{
	char *rest = text, *w = word(&rest);

	*res = NULL;
	if (!w)
		return lxr_fail(t->err, EINVAL, "template: an empty action or ()");
	if (w[0] == '(' && !closing(w))
		return lxr_fail(t->err, EINVAL, "template: \"%s\": ( without its )", w);
	if (is_function(w))
		return call(t, w, rest, dot, res);
	if (word(&rest))
		return lxr_fail(t->err, EINVAL,
				"template: {{%s ...}}: an operand stands alone (lxr reads no "
				"pipelines)",
				w),
		       lxr_err_hint(t->err, "a function goes first: {{upper .Name}}");
	return operand(t, dot, w, res);
}

static int run(struct tpl *t, json_t *dot, const char **stop);

/* A block's body run once with dot, or skipped (out NULL), up to its end
 * (or else: *stop says which) */
static int body(struct tpl *t, json_t *dot, bool on, const char **stop)
{
	FILE *out = t->out;
	int r;

	if (!on)
		t->out = NULL;
	r = run(t, dot, stop);
	t->out = out;
	return r;
}

/* range's $k, $v := ...: the names declared (without $), rest past := */
static int declared(struct tpl *t, char **rest, char names[2][32], int *n)
{
	char *op = strstr(*rest, ":="), *d = *rest, *w;

	*n = 0;
	while (isspace((unsigned char)*d))
		d++;
	if (*d != '$')
		return 0;
	if (!op)
		return lxr_fail(t->err, EINVAL, "template: range %s: variables without :=", d);
	*op = '\0';
	*rest = op + 2;
	for (char *s = d; (w = strsep(&s, ", \t"));) {
		if (!*w)
			continue;
		if (w[0] != '$' || !w[1] || *n == 2 || strlen(w) >= 32)
			return lxr_fail(t->err, EINVAL,
					"template: range: \"%s\": one or two $names before :=", w);
		snprintf(names[(*n)++], 32, "%s", w + 1);
	}
	return 0;
}

static void bind(struct tpl *t, const char *name, json_t *v)
{
	size_t n = strnlen(name, sizeof(t->vars[0].name) - 1);

	memcpy(t->vars[t->n_vars].name, name, n);
	t->vars[t->n_vars].name[n] = '\0';
	t->vars[t->n_vars++].v = v;
}

static void unbind(struct tpl *t, int n)
{
	while (n-- > 0)
		json_decref(t->vars[--t->n_vars].v);
}

/* One pass of range's body with x as dot: $v x, $k (of two) key */
static int once(struct tpl *t, const char *begin, json_t *key, json_t *x, char names[2][32], int n,
		const char **stop)
{
	int r;

	t->p = begin;
	if (n == 2)
		bind(t, names[0], json_incref(key));
	if (n)
		bind(t, names[n - 1], json_incref(x));
	r = body(t, x, true, stop);
	unbind(t, n);
	return r;
}

/* range's body once for each element of a list or map; in a branch that
 * does not run, once with the variables unset */
static int range_body(struct tpl *t, json_t *v, char names[2][32], int n, bool on,
		      const char **stop)
{
	const char *begin = t->p, *k;
	_cleanup_free_ const char **keys = NULL;
	json_t *x, *key;
	size_t i = 0;
	int r = 0;

	if (t->n_vars + n > TPL_VARS)
		return lxr_fail(t->err, EINVAL, "template: more than %d variables", TPL_VARS);
	if (!on || !(json_is_array(v) || json_is_object(v))) {
		for (int j = 0; j < n; j++)
			bind(t, names[j], NULL);
		r = body(t, v, false, stop);
		unbind(t, n);
		return r;
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
		{
			key = json_integer((json_int_t)i);
			r = once(t, begin, key, x, names, n, stop);
			json_decref(key);
			if (r < 0)
				return -1;
		}
		return 0;
	}
	/* a map in the order of its keys, as Go visits one */
	keys = lxr_xcalloc(json_object_size(v) + 1, sizeof(*keys));
	json_object_foreach(v, k, x) keys[i++] = k;
	qsort(keys, i, sizeof(*keys), cmp_key);
	for (size_t j = 0; keys[j] && r == 0; j++) {
		key = json_string(keys[j]);
		r = once(t, begin, key, json_object_get(v, keys[j]), names, n, stop);
		json_decref(key);
	}
	return r;
}

static int block(struct tpl *t, const char *kind, char *rest, json_t *dot)
{
	const char *stop = NULL;
	char names[2][32];
	json_t *v = NULL;
	bool on, range = !strcmp(kind, "range");
	int n = 0, r;

	if (++t->depth > 64)
		return lxr_fail(t->err, EINVAL, "template: blocks nested deeper than 64");
	if ((range && declared(t, &rest, names, &n) < 0) || command(t, dot, rest, &v) < 0)
		return -1;
	on = t->out && truth(v);
	if (range)
		r = range_body(t, v, names, n, on, &stop);
	else
		r = body(t, !strcmp(kind, "with") ? v : dot, on, &stop);
	if (r == 0 && stop && !strcmp(stop, "else"))
		r = body(t, dot, t->out && !on, &stop);
	json_decref(v);
	if (r < 0)
		return -1;
	if (!stop || strcmp(stop, "end"))
		return lxr_fail(t->err, EINVAL, "template: {{%s}} has no {{end}}", kind);
	t->depth--;
	return 0;
}

/* Is the action the keyword kw (alone, or with what follows a blank)? */
static char *keyword(char *buf, const char *kw)
{
	size_t n = strlen(kw);

	return !strncmp(buf, kw, n) && (!buf[n] || isspace((unsigned char)buf[n])) ? buf + n : NULL;
}

/* Text and actions up to the end of the template, or to an {{end}} or
 * {{else}} (*stop) */
static int run(struct tpl *t, json_t *dot, const char **stop)
{
	char buf[512], *rest;

	*stop = NULL;
	while (*t->p) {
		const char *open = strstr(t->p, "{{");
		size_t n = open ? (size_t)(open - t->p) : strlen(t->p);
		json_t *v = NULL;

		size_t keep = n;
		/* Go's {{- cuts the blanks before the action */
		if (open && open[2] == '-' && (open[3] == ' ' || open[3] == '}'))
			while (keep && isspace((unsigned char)t->p[keep - 1]))
				keep--;
		if (t->out)
			fwrite(t->p, 1, keep, t->out);
		t->p += n;
		if (!open)
			break;
		t->p += 2;
		if (action(t, buf, sizeof(buf)) < 0)
			return -1;
		/* and -}} the blanks after it */
		if (t->p >= open + 5 && t->p[-3] == '-' && t->p[-4] == ' ')
			while (isspace((unsigned char)*t->p))
				t->p++;
		if (!buf[0])
			return lxr_fail(t->err, EINVAL, "template: an empty action {{}}");
		if ((rest = keyword(buf, "end")) || (rest = keyword(buf, "else"))) {
			const char *kw = buf[1] == 'n' ? "end" : "else";
			if (strspn(rest, " \t") != strlen(rest))
				return lxr_fail(t->err, EINVAL,
						"template: {{%s ...}}: lxr reads %s alone", kw, kw),
				       lxr_err_hint(t->err,
						    "for else if: {{else}}{{if ...}}...{{end}}");
			*stop = kw;
			return 0;
		}
		if ((rest = keyword(buf, "range")) || (rest = keyword(buf, "if")) ||
		    (rest = keyword(buf, "with"))) {
			/* "if" alone: nothing after the keyword to read */
			if (!*rest || !rest[strspn(rest, " \t")])
				return lxr_fail(t->err, EINVAL, "template: {{%s}} needs an operand",
						buf);
			buf[rest - buf] = '\0';
			if (block(t, buf, rest + 1, dot) < 0)
				return -1;
			continue;
		}
		if (command(t, dot, buf, &v) < 0)
			return -1;
		if (t->out)
			print_value(t->out, v, !v);
		json_decref(v);
	}
	return 0;
}

int cli_template(const char *tmpl, json_t *dot, FILE *out, lxr_err *err)
{
	struct tpl t = {.p = tmpl, .out = out, .err = err, .root = dot};
	const char *stop;

	if (run(&t, dot, &stop) < 0)
		return -1;
	if (stop)
		return lxr_fail(err, EINVAL, "template: {{%s}} without a block it ends", stop);
	return 0;
}
