/* .env files, as Compose reads them (compose-go's dotenv parser is the
 * reference; the Compose docs "Use an environment file" describe the rules).
 *
 * Decisions where the rules leave room, each matching compose-go:
 * - `KEY` alone on a line (no `=`) inherits KEY from the lookup (the
 *   environment); when the lookup does not know it the line adds nothing.
 * - `KEY: value` (YAML style) is read like `KEY=value`.
 * - Key names are letters, digits (Unicode's too), '_', '.', '-', '[' and
 *   ']'; anything else is an error at its column, an empty name too.
 * - Variables in values resolve through the lookup first, then the keys
 *   earlier in this file: the environment overrides .env, so a value built
 *   from another key sees the value that key will really have.
 * - An unquoted value's leading blanks are dropped before looking for an
 *   inline comment, which starts at a space followed by `#`, so `K= #x` is
 *   "#x" but `K=a #x` is "a".
 * - Single quotes expand nothing; `\'` in them is a quote, any other
 *   backslash stays. Double quotes decode \a \b \f \n \r \t \v \\ \" \$
 *   and \0NNN (octal), then expand variables.
 * Our own, where compose-go is looser: text after a closing quote other
 * than a comment is an error, and a quoted value spanning CRLF lines reads
 * as LF. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config/text.h"
#include "lxr/util.h"

struct parser {
	const char *text;
	size_t len, pos;
	int line;
	size_t line_start; /* offset of the current line's first byte */
	cfg_lookup_fn lookup;
	void *ctx;
	struct cfg_env env;
	struct cfg_text_diag *diags;
	size_t max_diags, n_diags;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The length of the key character at s (at most n bytes), 0 for none:
 * compose-go takes Unicode letters and digits, '_', '.', '-', '[' and ']'.
 * Beyond ASCII lxr takes any well-formed UTF-8 character but the blanks
 * U+0085 and U+00A0 and the punctuation of Latin-1 and U+2000-U+206F. */
static size_t key_char(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len;
	uint32_t cp;

	if (u[0] < 0x80)
		return isalnum(u[0]) || strchr("_.-[]", u[0]) ? (u[0] != 0) : 0;
	len = u[0] >= 0xf0 && u[0] < 0xf5 ? 4 : u[0] >= 0xe0 ? 3 : u[0] >= 0xc2 ? 2 : 0;
	if (!len || len > n)
		return 0;
	cp = u[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (u[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if ((cp >= 0x80 && cp <= 0xbf) || cp == 0xd7 || cp == 0xf7 ||
	    (cp >= 0x2000 && cp <= 0x206f) || cp == 0xfeff)
		return 0;
	return len;
}

static char peek(const struct parser *p)
{
	return p->pos < p->len ? p->text[p->pos] : '\0';
}

static bool at_eol(const struct parser *p)
{
	return p->pos >= p->len || p->text[p->pos] == '\n';
}

static int col_of(const struct parser *p, size_t off)
{
	size_t c = off - p->line_start + 1;
	return c > INT32_MAX ? INT32_MAX : (int)c;
}

/* Move to offset to, keeping line accounting across any newlines passed. */
static void advance(struct parser *p, size_t to)
{
	for (; p->pos < to; p->pos++) {
		if (p->text[p->pos] == '\n') {
			p->line++;
			p->line_start = p->pos + 1;
		}
	}
}

static void skip_blanks(struct parser *p)
{
	while (p->pos < p->len && is_blank(p->text[p->pos]))
		p->pos++;
}

static void skip_line(struct parser *p)
{
	const char *nl = memchr(p->text + p->pos, '\n', p->len - p->pos);

	advance(p, nl ? (size_t)(nl - p->text) + 1 : p->len);
}

static int fail(struct parser *p, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct parser *p, size_t off, const char *fmt, ...)
{
	struct cfg_text_diag *d;
	va_list ap;

	if (!p->diags || !p->max_diags)
		return -1;
	if (p->n_diags >= p->max_diags)
		p->n_diags--; /* the error matters more than the last warning */
	d = &p->diags[p->n_diags++];
	d->line = p->line;
	d->col = col_of(p, off);
	d->warning = false;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static void env_set(struct cfg_env *env, const char *key, size_t klen, char *value, int line)
{
	for (size_t i = 0; i < env->n; i++) {
		if (strlen(env->v[i].key) == klen && !memcmp(env->v[i].key, key, klen)) {
			/* A later line wins, as in compose-go (a map). */
			free(env->v[i].value);
			env->v[i].value = value;
			env->v[i].line = line;
			return;
		}
	}
	/* Capacity is the next power of two: grow exactly when n reaches one. */
	if (env->n == 0 || (env->n >= 4 && !(env->n & (env->n - 1))))
		env->v = lxr_xrealloc(env->v, sizeof(*env->v) * (env->n ? env->n * 2 : 4));
	env->v[env->n++] = (struct cfg_env_entry){lxr_xstrndup(key, klen), value, line};
}

/* Values see the environment first, then what this file set so far. */
static const char *chained_lookup(const char *name, void *ctx)
{
	struct parser *p = ctx;
	const char *v = p->lookup ? p->lookup(name, p->ctx) : NULL;

	return v ? v : cfg_env_get(&p->env, name);
}

static int interpolate(struct parser *p, size_t start, size_t end, bool dquote, char **out)
{
	struct cfg_interp ip = {.lookup = chained_lookup,
				.ctx = p,
				.dquote = dquote,
				.diags = p->diags,
				.max_diags = p->max_diags,
				.n_diags = p->n_diags};
	int r =
	    cfg_interpolate_span(&ip, p->text + start, end - start, p->line, col_of(p, start), out);

	p->n_diags = ip.n_diags;
	if (r < 0) {
		free(*out);
		*out = NULL;
	}
	return r;
}

/* After a closing quote only blanks and a comment may follow. */
static int after_quote(struct parser *p)
{
	skip_blanks(p);
	if (peek(p) == '#' || at_eol(p))
		return 0;
	char cb[16];

	return fail(p, p->pos, "unexpected %s after the closing quote (quote the whole value)",
		    cfg_char_name(peek(p), cb));
}

/* compose-go's rule: `\'` is a quote inside the value, any other backslash
 * stays as written (with the character after it), and nothing expands. */
static int single_quoted(struct parser *p, char **out)
{
	size_t open = p->pos, i;
	char *v = lxr_xmalloc(p->len - open);
	size_t n = 0;

	for (i = open + 1; i < p->len && p->text[i] != '\''; i++) {
		if (p->text[i] == '\\' && i + 1 < p->len) {
			if (p->text[i + 1] != '\'')
				v[n++] = '\\';
			v[n++] = p->text[++i];
		} else if (!(p->text[i] == '\r' && i + 1 < p->len && p->text[i + 1] == '\n')) {
			v[n++] = p->text[i];
		}
	}
	if (i >= p->len) {
		free(v);
		return fail(p, open, "unterminated single-quoted value: missing closing '");
	}
	v[n] = '\0';
	*out = v;
	advance(p, i + 1);
	return after_quote(p);
}

static int double_quoted(struct parser *p, char **out)
{
	size_t open = p->pos, i;

	for (i = open + 1; i < p->len && p->text[i] != '"'; i++)
		if (p->text[i] == '\\' && i + 1 < p->len)
			i++; /* `\"` and `\\` never end the value */
	if (i >= p->len)
		return fail(p, open, "unterminated double-quoted value: missing closing \"");
	if (interpolate(p, open + 1, i, true, out) < 0)
		return -1;
	advance(p, i + 1);
	return after_quote(p);
}

static int unquoted(struct parser *p, char **out)
{
	size_t start = p->pos, end = p->pos;

	/* compose-go: a comment starts at " #" (a space, not a tab) */
	while (end < p->len && p->text[end] != '\n') {
		if (end > start && p->text[end - 1] == ' ' && p->text[end] == '#')
			break;
		end++;
	}
	advance(p, end);
	while (end > start && is_blank(p->text[end - 1]))
		end--;
	return interpolate(p, start, end, false, out);
}

static int value(struct parser *p, const char *key, size_t klen, int line)
{
	char *v = NULL;
	int r;

	skip_blanks(p);
	if (peek(p) == '\'')
		r = single_quoted(p, &v);
	else if (peek(p) == '"')
		r = double_quoted(p, &v);
	else
		r = unquoted(p, &v);
	if (r < 0) {
		free(v);
		return -1;
	}
	env_set(&p->env, key, klen, v, line);
	skip_line(p);
	return 0;
}

static bool word_then_blank(const struct parser *p, const char *word)
{
	size_t n = strlen(word);

	return p->len - p->pos > n && !memcmp(p->text + p->pos, word, n) &&
	       is_blank(p->text[p->pos + n]);
}

static int statement(struct parser *p)
{
	size_t key;
	int line = p->line;
	const char *val;
	char cb[16];

	if (word_then_blank(p, "export")) {
		p->pos += strlen("export");
		skip_blanks(p);
	}
	key = p->pos;
	for (size_t n; p->pos < p->len && (n = key_char(p->text + p->pos, p->len - p->pos));)
		p->pos += n;
	if (p->pos == key)
		return fail(p, p->pos,
			    "expected a variable name, found %s (names are letters, digits, "
			    "'_', '.', '-', '[' and ']')",
			    cfg_char_name(peek(p), cb));
	size_t klen = p->pos - key;
	skip_blanks(p);
	if (at_eol(p)) {
		_cleanup_free_ char *name = lxr_xstrndup(p->text + key, klen);

		val = p->lookup ? p->lookup(name, p->ctx) : NULL;
		if (val)
			env_set(&p->env, name, klen, lxr_xstrdup(val), line);
		skip_line(p);
		return 0;
	}
	if (peek(p) != '=' && peek(p) != ':')
		return fail(p, p->pos, "unexpected %s after variable name %.*s (expected '=')",
			    cfg_char_name(peek(p), cb), klen > 64 ? 64 : (int)klen, p->text + key);
	p->pos++;
	return value(p, p->text + key, klen, line);
}

static int parse(struct parser *p)
{
	const char *nul = memchr(p->text, '\0', p->len);

	if (nul) {
		advance(p, (size_t)(nul - p->text));
		return fail(p, p->pos, "NUL byte in .env file (is it a binary file?)");
	}
	if (p->len >= 3 && !memcmp(p->text, "\xEF\xBB\xBF", 3))
		p->pos = p->line_start = 3; /* UTF-8 byte order mark from Windows editors */
	while (p->pos < p->len) {
		skip_blanks(p);
		if (at_eol(p) || peek(p) == '#') {
			skip_line(p);
			continue;
		}
		if (statement(p) < 0)
			return -1;
	}
	return 0;
}

int cfg_dotenv_parse_diags(const char *text, size_t len, cfg_lookup_fn lookup, void *ctx,
			   struct cfg_env *out, struct cfg_text_diag *diags, size_t max_diags,
			   size_t *n_diags)
{
	/* a byte-order mark some editors write first is no key */
	bool bom = len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3);
	struct parser p = {.text = bom ? text + 3 : text,
			   .len = bom ? len - 3 : len,
			   .line = 1,
			   .lookup = lookup,
			   .ctx = ctx,
			   .diags = diags,
			   .max_diags = max_diags};
	int r = parse(&p);

	if (n_diags)
		*n_diags = p.n_diags;
	if (r < 0) {
		cfg_env_free(&p.env);
		*out = (struct cfg_env){0};
		return -1;
	}
	*out = p.env;
	return 0;
}

int cfg_dotenv_parse(const char *text, size_t len, cfg_lookup_fn lookup, void *ctx,
		     struct cfg_env *out, struct cfg_text_diag *diag)
{
	struct cfg_text_diag d[1];
	size_t n = 0;
	int r;

	/* One slot: warnings land there too but an error always replaces them,
	 * so on failure it holds the error. */
	r = cfg_dotenv_parse_diags(text, len, lookup, ctx, out, d, 1, &n);
	if (r < 0 && diag)
		*diag = d[0];
	return r;
}

/* docker run --env-file's syntax (docker compose's "raw" env_file
 * format): a line is KEY=VALUE with the value taken verbatim (no quotes,
 * no comments after it, no interpolation), or KEY alone for the variable
 * from lookup (dropped when unset); leading blanks are trimmed, blank lines
 * and lines starting with '#' skipped, a UTF-8 BOM before the first line
 * ignored; a name with a blank in it, or no name, is an error. */
int cfg_env_raw_parse(const char *text, size_t len, cfg_lookup_fn lookup, void *ctx,
		      struct cfg_env *out, struct cfg_text_diag *diag)
{
	struct cfg_env env = {0};
	const char *end = text + len;
	int line = 0;

	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		text += 3;
	for (const char *p = text; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		const char *eq, *start = p, *k = p;
		size_t klen;

		p = nl ? nl + 1 : end;
		if (e > k && e[-1] == '\r')
			e--;
		while (k < e && strchr(" \t\v\f\r", *k))
			k++;
		if (k == e || *k == '#')
			continue;
		eq = memchr(k, '=', (size_t)(e - k));
		klen = (size_t)((eq ? eq : e) - k);
		if (!klen || memchr(k, ' ', klen) || memchr(k, '\t', klen)) {
			*diag =
			    (struct cfg_text_diag){.line = line + 1, .col = (int)(k - start) + 1};
			if (!klen)
				snprintf(diag->msg, sizeof(diag->msg),
					 "no variable name on this line");
			else
				snprintf(diag->msg, sizeof(diag->msg),
					 "variable \"%.*s\" contains blanks", (int)klen, k);
			cfg_env_free(&env);
			return -1;
		}
		if (eq) {
			env_set(&env, k, klen, lxr_xstrndup(eq + 1, (size_t)(e - eq - 1)),
				line + 1);
		} else {
			_cleanup_free_ char *key = lxr_xstrndup(k, klen);
			const char *v = lookup ? lookup(key, ctx) : NULL;
			if (v)
				env_set(&env, k, klen, lxr_xstrdup(v), line + 1);
		}
	}
	*out = env;
	return 0;
}

const char *cfg_env_get(const struct cfg_env *env, const char *key)
{
	for (size_t i = 0; i < env->n; i++)
		if (!strcmp(env->v[i].key, key))
			return env->v[i].value;
	return NULL;
}

void cfg_env_merge(struct cfg_env *acc, struct cfg_env *more)
{
	for (size_t i = 0; i < more->n; i++) {
		size_t k = 0;
		while (k < acc->n && strcmp(acc->v[k].key, more->v[i].key))
			k++;
		if (k == acc->n) {
			acc->v = lxr_xrealloc(acc->v, (acc->n + 1) * sizeof(*acc->v));
			acc->v[acc->n++] = more->v[i];
			continue;
		}
		free(acc->v[k].key);
		free(acc->v[k].value);
		acc->v[k] = more->v[i];
	}
	free(more->v);
	*more = (struct cfg_env){0};
}

void cfg_env_free(struct cfg_env *env)
{
	for (size_t i = 0; i < env->n; i++) {
		free(env->v[i].key);
		free(env->v[i].value);
	}
	free(env->v);
	*env = (struct cfg_env){0};
}
