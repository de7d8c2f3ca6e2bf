/* Compose variable interpolation (Compose Specification, "Interpolation").
 *
 * One left-to-right pass over the text. A `${` expression is delimited by
 * counting every `{` against `}` (as compose-go does, so
 * `${JSON:-{"json":1}}` ends at the last `}`), skipping `$$` and, in .env
 * double quotes, escapes. The
 * default / replacement / message of an operator is expanded recursively but
 * lazily: a branch that is not taken is still checked for syntax (a typo is
 * an error whatever the environment holds) yet never looked up, so it neither
 * warns about unset variables nor raises its `?` error. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/text.h"
#include "lxr/util.h"

/* A default nested deeper than this is almost certainly a generated file gone
 * wrong; the limit bounds recursion (stack) and rescanning (time). */
#define INTERP_MAX_DEPTH 32
/* How much of an offending expression a message quotes. */
#define SNIPPET_MAX 40

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->p = lxr_xrealloc(b->p, cap);
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

struct scan {
	struct cfg_interp *ip;
	const char *text;
	size_t len;
	int line, col; /* position of text[0] */
	int depth;
};

static bool name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9');
}

/* The escapes a .env double-quoted value decodes; any other backslash is
 * kept as written, as compose-go does. */
static int dquote_escape(char c)
{
	switch (c) {
	case 'a': return '\a';
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 't': return '\t';
	case 'r': return '\r';
	case 'v': return '\v';
	case '\\': return '\\';
	case '"': return '"';
	case '$': return '$';
	default: return -1;
	}
}

/* Lengths quoted in messages, as printf precision (an int). */
static int clamp_int(size_t n)
{
	return n > INT_MAX / 2 ? INT_MAX / 2 : (int)n;
}

/* A character as a message shows it: 'x', or what it is when unprintable. */
const char *cfg_char_name(char c, char buf[16])
{
	if (c == '\0' || c == '\n')
		return "end of line";
	if (c == '\r')
		return "carriage return";
	if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
		snprintf(buf, 16, "byte 0x%02x", (unsigned char)c);
	else
		snprintf(buf, 16, "'%c'", c);
	return buf;
}

static void position(const struct scan *sc, size_t off, int *line, int *col)
{
	size_t lines = 0, nl = 0;
	bool seen = false;

	for (size_t i = 0; i < off; i++) {
		if (sc->text[i] == '\n') {
			lines++;
			nl = i;
			seen = true;
		}
	}
	*line = clamp_int((size_t)sc->line + lines);
	*col = seen ? clamp_int(off - nl) : clamp_int((size_t)sc->col + off);
}

static void add_diag(struct scan *sc, size_t off, bool warning, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add_diag(struct scan *sc, size_t off, bool warning, const char *fmt, ...)
{
	struct cfg_interp *ip = sc->ip;
	struct cfg_text_diag *d = NULL;
	va_list ap;

	if (!warning)
		ip->failed = true;
	if (!ip->diags || ip->max_diags == 0)
		return;
	if (ip->n_diags < ip->max_diags) {
		d = &ip->diags[ip->n_diags++];
	} else if (!warning) {
		/* Full: an error must still be seen, so it takes the place of the
		 * last warning. */
		for (size_t i = ip->max_diags; i-- > 0 && !d;)
			if (ip->diags[i].warning)
				d = &ip->diags[i];
	}
	if (!d)
		return;
	position(sc, off, &d->line, &d->col);
	d->warning = warning;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
}

static bool octal(char c)
{
	return c >= '0' && c <= '7';
}

/* compose-go's \0NNN: three octal digits after \0, a byte (<= 0377); with
 * fewer digits, or more than a byte, the text stays as written. */
static int octal_escape(const char *t, size_t n)
{
	if (n < 5 || t[1] != '0' || !octal(t[2]) || !octal(t[3]) || !octal(t[4]) || t[2] > '3')
		return -1;
	return (t[2] - '0') << 6 | (t[3] - '0') << 3 | (t[4] - '0');
}

/* Length of the escape at text[i] in dquote mode, else 0; *c its byte. */
static size_t escape_at(const struct scan *sc, size_t i, size_t end, char *c)
{
	int v;

	if (!sc->ip->dquote || sc->text[i] != '\\' || i + 1 >= end)
		return 0;
	if ((v = octal_escape(sc->text + i, end - i)) >= 0) {
		*c = (char)v;
		return 5;
	}
	if ((v = dquote_escape(sc->text[i + 1])) < 0)
		return 0;
	*c = (char)v;
	return 2;
}

static size_t escape_len(const struct scan *sc, size_t i, size_t end)
{
	char c;

	return escape_at(sc, i, end, &c);
}

/* Index of the `}` closing the `${` whose body starts at i, or end. */
static size_t find_close(const struct scan *sc, size_t i, size_t end)
{
	int depth = 1;

	for (; i < end; i++) {
		char c = sc->text[i];
		size_t esc = escape_len(sc, i, end);

		if (esc) {
			i += esc - 1;
		} else if (c == '$' && i + 1 < end && sc->text[i + 1] == '$') {
			i++;
		} else if (c == '{') {
			/* every brace counts, as in compose-go: `${J:-{"a":1}}`
			 * ends at the last one */
			depth++;
		} else if (c == '}' && --depth == 0) {
			return i;
		}
	}
	return end;
}

static const char *lookup(const struct scan *sc, const char *name, size_t n)
{
	_cleanup_free_ char *key = NULL;

	if (!sc->ip->lookup)
		return NULL;
	key = lxr_xstrndup(name, n);
	return sc->ip->lookup(key, sc->ip->ctx);
}

static void expand(struct scan *sc, size_t i, size_t end, bool emit, struct buf *out);

/* The part of ${NAME<op>ARG} after the name, once the name is known. */
struct braced {
	size_t dollar; /* offset of the `$` */
	const char *name;
	size_t name_len;
	bool colon; /* `:-`, `:?`, `:+`: empty counts as unset */
	char op;    /* 0, '-', '?', '+' */
	size_t arg, arg_end;
};

static void apply_op(struct scan *sc, const struct braced *b, bool emit, struct buf *out)
{
	const char *val = emit ? lookup(sc, b->name, b->name_len) : NULL;
	bool usable = val && (!b->colon || *val);
	struct buf msg = {0};

	switch (b->op) {
	case 0:
		if (emit && !val)
			add_diag(sc, b->dollar, true,
				 "variable %.*s is not set, defaulting to a blank string",
				 clamp_int(b->name_len), b->name);
		usable = val != NULL;
		break;
	case '-': expand(sc, b->arg, b->arg_end, emit && !usable, out); break;
	case '+':
		expand(sc, b->arg, b->arg_end, emit && usable, out);
		return; /* the variable's own value is never inserted */
	case '?':
		expand(sc, b->arg, b->arg_end, emit && !usable, &msg);
		if (emit && !usable)
			add_diag(sc, b->dollar, false,
				 "required variable %.*s is missing a value%s%s",
				 clamp_int(b->name_len), b->name, msg.len ? ": " : "",
				 msg.len ? msg.p : "");
		free(msg.p);
		break;
	}
	if (usable)
		buf_add(out, val, strlen(val));
}

/* ${...} starting at text[i] == '$'; returns the offset just past it. */
static size_t braced(struct scan *sc, size_t i, size_t end, bool emit, struct buf *out)
{
	struct braced b = {.dollar = i, .name = sc->text + i + 2};
	size_t close = find_close(sc, i + 2, end);
	size_t p = i + 2, shown = (close < end ? close + 1 : end) - i;
	char cb[16];

	if (shown > SNIPPET_MAX)
		shown = SNIPPET_MAX;
	if (close == end) {
		add_diag(sc, i, false, "unterminated variable reference \"%.*s\": missing \"}\"",
			 clamp_int(shown), sc->text + i);
		return end;
	}
	while (p < close && (p == i + 2 ? name_start(sc->text[p]) : name_char(sc->text[p])))
		p++;
	b.name_len = p - (i + 2);
	size_t after_name = p;
	if (p < close && sc->text[p] == ':') {
		b.colon = true;
		p++;
	}
	if (p < close && strchr("-?+", sc->text[p]))
		b.op = sc->text[p++];
	b.arg = p;
	b.arg_end = close;
	if (b.name_len == 0) {
		add_diag(sc, i, false, "invalid variable reference \"%.*s\": missing variable name",
			 clamp_int(shown), sc->text + i);
	} else if (b.op == 0 && p != close) {
		add_diag(sc, i, false,
			 "invalid variable reference \"%.*s\": unexpected %s after the name "
			 "(expected \"}\", \":-\", \"-\", \":?\", \"?\", \":+\" or \"+\")",
			 clamp_int(shown), sc->text + i, cfg_char_name(sc->text[after_name], cb));
	} else if (sc->depth >= INTERP_MAX_DEPTH) {
		add_diag(sc, i, false, "variable references nested more than %d deep",
			 INTERP_MAX_DEPTH);
	} else {
		if (sc->ip->seen)
			sc->ip->seen(&(struct cfg_var_ref){b.name, b.name_len, b.op, b.colon,
							   sc->text + b.arg, b.arg_end - b.arg},
				     sc->ip->ctx);
		sc->depth++;
		apply_op(sc, &b, emit, out);
		sc->depth--;
	}
	return close + 1;
}

/* $NAME at text[i] == '$'; returns the offset just past it. */
static size_t named(struct scan *sc, size_t i, size_t end, bool emit, struct buf *out)
{
	size_t p = i + 1;
	const char *val;

	while (p < end && name_char(sc->text[p]))
		p++;
	if (sc->ip->seen)
		sc->ip->seen(&(struct cfg_var_ref){sc->text + i + 1, p - i - 1, 0, false, NULL, 0},
			     sc->ip->ctx);
	if (!emit)
		return p;
	val = lookup(sc, sc->text + i + 1, p - i - 1);
	if (val)
		buf_add(out, val, strlen(val));
	else
		add_diag(sc, i, true, "variable %.*s is not set, defaulting to a blank string",
			 clamp_int(p - i - 1), sc->text + i + 1);
	return p;
}

static void expand(struct scan *sc, size_t i, size_t end, bool emit, struct buf *out)
{
	while (i < end) {
		char c = sc->text[i], e;
		char next = i + 1 < end ? sc->text[i + 1] : '\0';
		size_t esc = escape_at(sc, i, end, &e);

		if (esc) {
			if (emit)
				buf_addc(out, e);
			i += esc;
		} else if (sc->ip->dquote && c == '\r' && next == '\n') {
			i++; /* CRLF inside a quoted .env value reads as LF */
		} else if (c != '$' || i + 1 >= end) {
			if (emit)
				buf_addc(out, c);
			i++;
		} else if (next == '$') {
			if (emit)
				buf_addc(out, '$');
			i += 2;
		} else if (next == '{') {
			i = braced(sc, i, end, emit, out);
		} else if (name_start(next)) {
			i = named(sc, i, end, emit, out);
		} else {
			/* Compose keeps a `$` that starts no valid reference. */
			if (emit)
				buf_addc(out, c);
			i++;
		}
	}
}

int cfg_interpolate_span(struct cfg_interp *ip, const char *text, size_t len, int line, int col,
			 char **out)
{
	struct scan sc = {.ip = ip, .text = text, .len = len, .line = line, .col = col};
	struct buf b = {0};

	buf_add(&b, "", 0);
	expand(&sc, 0, len, true, &b);
	*out = b.p;
	return ip->failed ? -1 : 0;
}

int cfg_interpolate(const char *s, cfg_lookup_fn lookup_fn, void *ctx, char **out,
		    struct cfg_text_diag *diags, size_t max_diags, size_t *n_diags)
{
	struct cfg_interp ip = {
	    .lookup = lookup_fn, .ctx = ctx, .diags = diags, .max_diags = max_diags};
	int r = cfg_interpolate_span(&ip, s, strlen(s), 1, 1, out);

	if (n_diags)
		*n_diags = ip.n_diags;
	return r;
}
