/* Dockerfile word processing: quote removal and ${VAR} substitution as
 * docker's builder does it (its shell lexer), so `ENV A="x y"`, `COPY
 * $SRC /d` and `FROM base:${TAG:-1}` mean what they mean to docker. */
#include <ctype.h>
#include <string.h>

#include "lxr/build.h"

struct sb {
	char *p;
	size_t n, cap;
};

static void sb_addc(struct sb *b, char c)
{
	if (b->n + 2 > b->cap) {
		b->cap = b->cap ? b->cap * 2 : 32;
		b->p = lxr_xrealloc(b->p, b->cap);
	}
	b->p[b->n++] = c;
	b->p[b->n] = '\0';
}

static void sb_adds(struct sb *b, const char *s)
{
	while (*s)
		sb_addc(b, *s++);
}

static char *sb_take(struct sb *b)
{
	char *r = b->p ? b->p : lxr_xstrdup("");

	*b = (struct sb){0};
	return r;
}

struct lex {
	const char *s; /* the whole word, for columns */
	const char *p;
	char esc;
	df_lookup_fn lookup;
	void *ctx;
	lxr_err *err;
	bool raw; /* quotes are plain characters (a heredoc's body) */
};

static int lex_fail(struct lex *l, const char *at, const char *what)
{
	lxr_fail(l->err, 0, "column %zu: %s", (size_t)(at - l->s) + 1, what);
	return -1;
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static int process_until(struct lex *l, char stop, struct sb *out, bool in_dq);

static const char *lookup_var(struct lex *l, const char *name)
{
	return l->lookup ? l->lookup(name, l->ctx) : NULL;
}

/* after "${NAME": '}' or a modifier and its word up to '}' */
static int process_braced(struct lex *l, const char *start, const char *name, struct sb *out)
{
	const char *v = lookup_var(l, name);
	bool colon = false;
	char op;
	struct sb word = {0};
	int r;

	if (*l->p == '}') {
		l->p++;
		if (v)
			sb_adds(out, v);
		return 0;
	}
	if (*l->p == ':') {
		colon = true;
		l->p++;
	}
	op = *l->p;
	if (op != '-' && op != '+' && op != '?') {
		if (!*l->p)
			return lex_fail(l, start, "missing '}' after ${");
		if (!colon && (op == '#' || op == '%' || op == '/'))
			return lex_fail(l, start,
					"${VAR#pattern}, ${VAR%pattern} and ${VAR/a/b} are not "
					"supported yet by lxr's builder");
		return lex_fail(l, start, "bad substitution: expected }, :-, -, :+, +, :? or ?");
	}
	l->p++;
	r = process_until(l, '}', &word, false);
	if (r < 0) {
		free(word.p);
		return r;
	}
	if (*l->p != '}') {
		free(word.p);
		return lex_fail(l, start, "missing '}' after ${");
	}
	l->p++;
	bool set = v != NULL && (!colon || *v);
	const char *w = word.p ? word.p : "";
	if (op == '-')
		sb_adds(out, set ? v : w);
	else if (op == '+')
		sb_adds(out, set ? w : "");
	else if (set)
		sb_adds(out, v);
	else {
		lxr_fail(l->err, 0, "column %zu: %s: %s", (size_t)(start - l->s) + 1, name,
			 *w ? w : "is not set");
		free(word.p);
		return -1;
	}
	free(word.p);
	return 0;
}

/* at '$' */
static int process_dollar(struct lex *l, struct sb *out)
{
	const char *start = l->p++;
	char name[256];
	size_t n = 0;

	if (*l->p != '{') {
		if (!name_char(*l->p)) {
			sb_addc(out, '$');
			return 0;
		}
		while (name_char(*l->p) && n + 1 < sizeof(name))
			name[n++] = *l->p++;
		name[n] = '\0';
		const char *v = lookup_var(l, name);
		if (v)
			sb_adds(out, v);
		return 0;
	}
	l->p++;
	while (name_char(*l->p) && n + 1 < sizeof(name))
		name[n++] = *l->p++;
	name[n] = '\0';
	if (n == 0)
		return lex_fail(l, start, "bad substitution: ${ needs a variable name");
	return process_braced(l, start, name, out);
}

static int process_single(struct lex *l, struct sb *out)
{
	const char *start = l->p++;

	while (*l->p && *l->p != '\'')
		sb_addc(out, *l->p++);
	if (!*l->p)
		return lex_fail(l, start, "unterminated single quote");
	l->p++;
	return 0;
}

static int process_double(struct lex *l, struct sb *out)
{
	const char *start = l->p++;

	while (*l->p && *l->p != '"') {
		if (*l->p == '$') {
			if (process_dollar(l, out) < 0)
				return -1;
			continue;
		}
		if (*l->p == l->esc) {
			char n = l->p[1];
			/* inside double quotes only these are escapable */
			if (n == '"' || n == '$' || n == l->esc) {
				sb_addc(out, n);
				l->p += 2;
				continue;
			}
		}
		sb_addc(out, *l->p++);
	}
	if (!*l->p)
		return lex_fail(l, start, "unterminated double quote");
	l->p++;
	return 0;
}

/* Process up to stop (not consumed) or the end. */
static int process_until(struct lex *l, char stop, struct sb *out, bool in_dq)
{
	(void)in_dq;
	while (*l->p && *l->p != stop) {
		char c = *l->p;
		int r = 0;

		if (c == '\'' && !l->raw)
			r = process_single(l, out);
		else if (c == '"' && !l->raw)
			r = process_double(l, out);
		else if (c == '$')
			r = process_dollar(l, out);
		else if (c == l->esc) {
			l->p++;
			if (*l->p)
				sb_addc(out, *l->p++);
		} else
			sb_addc(out, *l->p++);
		if (r < 0)
			return r;
	}
	return 0;
}

int df_expand(const char *word, char escape, df_lookup_fn lookup, void *ctx, char **out,
	      lxr_err *err)
{
	struct lex l = {word, word, escape, lookup, ctx, err, false};
	struct sb b = {0};

	*out = NULL;
	if (process_until(&l, '\0', &b, false) < 0) {
		free(b.p);
		return -1;
	}
	*out = sb_take(&b);
	return 0;
}

int df_expand_raw(const char *text, df_lookup_fn lookup, void *ctx, char **out, lxr_err *err)
{
	/* BuildKit's SkipProcessQuotes lexer, always with `\` as its escape,
	 * whatever the Dockerfile's escape directive */
	struct lex l = {text, text, '\\', lookup, ctx, err, true};
	struct sb b = {0};

	*out = NULL;
	if (process_until(&l, '\0', &b, false) < 0) {
		free(b.p);
		return -1;
	}
	*out = sb_take(&b);
	return 0;
}

/* $VAR outside quotes in a list of words: its value is split at blanks,
 * as BuildKit's ProcessWords does (EXPOSE $PORTS with PORTS="80 443") */
static int dollar_words(struct lex *l, struct sb *b, char ***v, bool *have)
{
	struct sb val = {0};
	int r = process_dollar(l, &val);

	for (size_t k = 0; r == 0 && k < val.n; k++) {
		if (strchr(" \t\n\r", val.p[k])) {
			if (*have)
				lxr_strv_push(v, sb_take(b));
			*have = false;
		} else {
			sb_addc(b, val.p[k]);
			*have = true;
		}
	}
	free(val.p);
	return r;
}

int df_expand_words(const char *text, char escape, df_lookup_fn lookup, void *ctx, char ***out,
		    lxr_err *err)
{
	struct lex l = {text, text, escape, lookup, ctx, err, false};
	char **v = lxr_xcalloc(1, sizeof(*v));
	struct sb b = {0};
	bool have = false;

	*out = NULL;
	while (*l.p) {
		char c = *l.p;
		int r = 0;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (have)
				lxr_strv_push(&v, sb_take(&b));
			have = false;
			l.p++;
			continue;
		}
		if (c == escape && !l.p[1]) { /* a trailing escape is dropped */
			l.p++;
			continue;
		}
		have |= c != '$';
		if (c == '$')
			r = dollar_words(&l, &b, &v, &have);
		else if (c == '\'')
			r = process_single(&l, &b);
		else if (c == '"')
			r = process_double(&l, &b);
		else if (c == escape) {
			l.p++;
			if (*l.p)
				sb_addc(&b, *l.p++);
		} else
			sb_addc(&b, *l.p++);
		if (r < 0) {
			free(b.p);
			lxr_strv_free(v);
			return -1;
		}
	}
	if (have)
		lxr_strv_push(&v, sb_take(&b));
	*out = v;
	return 0;
}
