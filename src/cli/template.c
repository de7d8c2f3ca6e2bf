/* docker's --format templates over lxr's JSON (inspect -f): the part of
 * Go's text/template that scripts use. Text is copied; an action {{...}}
 * is a path (.State.Status, . itself), a function of one (json, len,
 * lower, upper) or index PATH KEY... and join PATH SEP, or a block: range
 * PATH ... end, if PATH ... [else ...] end, with PATH ... end. Values print
 * as Go prints them: a string as is, a missing key "<no value>", null
 * "<nil>", a map "map[k:v ...]" (sorted keys), a list "[a b]". */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

struct tpl {
	const char *p; /* the template, where parsing is */
	FILE *out;     /* NULL: parse only (a skipped branch) */
	lxr_err *err;
	int depth; /* of blocks, bounded: a template is no reason to run out of stack */
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

/* The next word of an action: a path, a name, or a "quoted" string
 * (returned without its quotes). NULL at the end. */
static char *word(char **s)
{
	char *w;

	while (isspace((unsigned char)**s))
		(*s)++;
	if (!**s)
		return NULL;
	if (**s == '"') {
		w = ++*s;
		while (**s && **s != '"')
			(*s)++;
	} else {
		w = *s;
		while (**s && !isspace((unsigned char)**s))
			(*s)++;
	}
	if (**s)
		*(*s)++ = '\0';
	return w;
}

/* .A.B.C from dot; NULL: a key that is not there */
static json_t *path(json_t *dot, const char *p, lxr_err *err, bool *bad)
{
	json_t *v = dot;

	*bad = false;
	if (p[0] != '.') {
		*bad = true;
		lxr_fail(err, EINVAL, "template: \"%s\" is not a path (.Field) or function", p);
		return NULL;
	}
	for (p++; *p && v;) {
		size_t n = strcspn(p, ".");
		_cleanup_free_ char *k = lxr_xstrndup(p, n);
		v = json_is_object(v) ? json_object_get(v, k) : NULL;
		p += n + (p[n] == '.');
	}
	return v;
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
	static const char *const known[] = {"json", "len", "lower", "upper", "index", "join", NULL};

	for (size_t i = 0; known[i]; i++)
		if (!strcmp(fn, known[i]))
			return true;
	return false;
}

/* A function and its arguments: the value it gives (a new reference) */
static int call(const char *fn, char *rest, json_t *dot, json_t **res, bool *missing, lxr_err *err)
{
	char *a = word(&rest);
	json_t *v;
	bool bad;

	*missing = false;
	if (!is_function(fn))
		return lxr_fail(err, EINVAL,
				"template: \"%s\" is not a path (.Field) or a function", fn),
		       lxr_err_hint(err, "paths (.State.Status), json, index, len, join, lower, "
					 "upper, range, if, with");
	if (!a)
		return lxr_fail(err, EINVAL, "template: %s needs an argument", fn);
	v = path(dot, a, err, &bad);
	if (bad)
		return -1;
	if (!strcmp(fn, "json")) {
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
		for (char *k; v && (k = word(&rest));)
			v = json_is_object(v)  ? json_object_get(v, k)
			    : json_is_array(v) ? json_array_get(v, strtoul(k, NULL, 10))
					       : NULL;
		*missing = !v;
		*res = v ? json_incref(v) : json_null();
	} else { /* join */
		const char *sep = word(&rest);
		size_t i;
		json_t *x;
		char *s = lxr_xstrdup("");
		json_array_foreach(v, i, x)
		{
			char *n = lxr_xasprintf("%s%s%s", s, i ? (sep ? sep : "") : "",
						json_is_string(x) ? json_string_value(x) : "");
			free(s);
			s = n;
		}
		*res = json_string(s);
		free(s);
	}
	return 0;
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

static int block(struct tpl *t, const char *kind, char *arg, json_t *dot)
{
	const char *begin, *stop = NULL;
	json_t *v, *x;
	bool bad, on;
	size_t i;

	if (++t->depth > 64)
		return lxr_fail(t->err, EINVAL, "template: blocks nested deeper than 64");
	v = path(dot, arg, t->err, &bad);
	if (bad)
		return -1;
	on = t->out && truth(v);
	if (!strcmp(kind, "range") && on && json_is_array(v)) {
		begin = t->p;
		json_array_foreach(v, i, x)
		{
			t->p = begin;
			if (body(t, x, true, &stop) < 0)
				return -1;
		}
	} else if (!strcmp(kind, "range") && on && json_is_object(v)) {
		const char *k;
		begin = t->p;
		json_object_foreach(v, k, x)
		{
			t->p = begin;
			if (body(t, x, true, &stop) < 0)
				return -1;
		}
	} else if (body(t, !strcmp(kind, "with") ? v : dot, on && strcmp(kind, "range"), &stop) <
		   0) {
		return -1;
	}
	if (stop && !strcmp(stop, "else") && body(t, dot, t->out && !on, &stop) < 0)
		return -1;
	if (!stop || strcmp(stop, "end"))
		return lxr_fail(t->err, EINVAL, "template: {{%s}} has no {{end}}", kind);
	t->depth--;
	return 0;
}

/* Text and actions up to the end of the template, or to an {{end}} or
 * {{else}} (*stop) */
static int run(struct tpl *t, json_t *dot, const char **stop)
{
	char buf[512];

	*stop = NULL;
	while (*t->p) {
		const char *open = strstr(t->p, "{{");
		size_t n = open ? (size_t)(open - t->p) : strlen(t->p);
		char *rest, *w;
		json_t *v = NULL;
		bool missing = false, bad;

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
		rest = buf;
		w = word(&rest);
		if (!w)
			return lxr_fail(t->err, EINVAL, "template: an empty action {{}}");
		if (!strcmp(w, "end") || !strcmp(w, "else")) {
			if (word(&rest))
				return lxr_fail(t->err, EINVAL,
						"template: {{%s ...}}: lxr reads %s alone", w, w),
				       lxr_err_hint(t->err,
						    "for else if: {{else}}{{if ...}}...{{end}}");
			*stop = !strcmp(w, "end") ? "end" : "else";
			return 0;
		}
		if (!strcmp(w, "range") || !strcmp(w, "if") || !strcmp(w, "with")) {
			char *arg = word(&rest);
			if (!arg)
				return lxr_fail(t->err, EINVAL, "template: %s needs a path", w);
			if (block(t, w, arg, dot) < 0)
				return -1;
			continue;
		}
		if (w[0] == '.') {
			if (word(&rest))
				return lxr_fail(
					   t->err, EINVAL,
					   "template: {{%s ...}}: a path stands alone (lxr reads "
					   "no pipelines)",
					   w),
				       lxr_err_hint(t->err,
						    "a function goes first: {{upper .Name}}");
			v = path(dot, w, t->err, &bad);
			if (bad)
				return -1;
			missing = !v;
			v = json_incref(v);
		} else if (call(w, rest, dot, &v, &missing, t->err) < 0) {
			return -1;
		}
		if (t->out)
			print_value(t->out, v, missing);
		json_decref(v);
	}
	return 0;
}

int cli_template(const char *tmpl, json_t *dot, FILE *out, lxr_err *err)
{
	struct tpl t = {.p = tmpl, .out = out, .err = err};
	const char *stop;

	if (run(&t, dot, &stop) < 0)
		return -1;
	if (stop)
		return lxr_fail(err, EINVAL, "template: {{%s}} without a block it ends", stop);
	return 0;
}

const char *cli_format_opt(int argc, char **argv, int *i)
{
	const char *a = argv[*i];

	if (!strncmp(a, "--format=", 9))
		return a + 9;
	if ((!strcmp(a, "-f") || !strcmp(a, "--format")) && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

int cli_print_each(json_t *arr, const char *format, size_t json_flags)
{
	lxr_err err;
	size_t i;
	json_t *o;

	if (!format || !strcmp(format, "json")) {
		char *text = json_dumps(arr, json_flags);
		puts(text ? text : "[]");
		free(text);
		return LXR_EXIT_OK;
	}
	json_array_foreach(arr, i, o)
	{
		if (cli_template(format, o, stdout, &err) < 0) {
			lxr_err_print(&err);
			return LXR_EXIT_FAIL;
		}
		putchar('\n');
	}
	return LXR_EXIT_OK;
}

int cli_format_check(const char *format)
{
	json_t *none = json_object();
	lxr_err err;
	int r = format && strcmp(format, "json") ? cli_template(format, none, NULL, &err) : 0;

	json_decref(none);
	if (r < 0)
		lxr_err_print(&err);
	return r;
}

int cli_inspect_names(int argc, char **argv, const char *usage, const char *what,
		      json_t *(*one)(const char *name))
{
	json_t *out = json_array();
	const char *format = NULL, *f;
	int r = LXR_EXIT_OK;

	if (argc < 2)
		return json_decref(out), fputs(usage, stderr), LXR_EXIT_USAGE;
	/* docker's -f/--format, anywhere among the names */
	for (int i = 1; i < argc; i++)
		if ((f = cli_format_opt(argc, argv, &i)))
			format = f;
	if (cli_format_check(format) < 0)
		return json_decref(out), LXR_EXIT_USAGE;
	for (int i = 1; i < argc; i++) {
		json_t *o;
		if (cli_format_opt(argc, argv, &i))
			continue;
		if (cli_is_help(argv[i]))
			return json_decref(out), fputs(usage, stdout), LXR_EXIT_OK;
		if (!(o = one(argv[i]))) {
			fprintf(stderr, "lxr: error: no such %s: %s\n", what, argv[i]);
			r = LXR_EXIT_FAIL;
			continue;
		}
		json_array_append_new(out, o);
	}
	if (cli_print_each(out, format, JSON_INDENT(4) | JSON_SORT_KEYS) != LXR_EXIT_OK)
		r = LXR_EXIT_FAIL;
	json_decref(out);
	return r;
}
