/* The Dockerfile parser: lines, parser directives, continuations, comments
 * and heredocs become instructions with positions (docs/building.md). Each
 * instruction's arguments are split by dfargs.c. Nothing is substituted
 * here: ${VAR} takes its value at build time (df_expand). */
#include <ctype.h>
#include <string.h>

#include "build/build_internal.h"

/* ---- lines ---------------------------------------------------------------- */

struct lines {
	const char *text;
	size_t len, pos;
	int line; /* number of the line last returned */
};

/* The next line without its newline (and a CR before it); false at the end. */
static bool next_line(struct lines *ls, const char **s, size_t *n)
{
	const char *nl;
	size_t rest;

	if (ls->pos >= ls->len)
		return false;
	rest = ls->len - ls->pos;
	*s = ls->text + ls->pos;
	nl = memchr(*s, '\n', rest);
	*n = nl ? (size_t)(nl - *s) : rest;
	ls->pos += *n + (nl ? 1 : 0);
	if (*n && (*s)[*n - 1] == '\r')
		(*n)--;
	ls->line++;
	return true;
}

static size_t lead_ws(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

static bool is_comment(const char *s, size_t n)
{
	size_t i = lead_ws(s, n);
	return i < n && s[i] == '#';
}

static bool is_blank(const char *s, size_t n)
{
	return lead_ws(s, n) == n;
}

/* docker: a line ending in the escape character (blanks after it allowed)
 * continues on the next line; the character and the blanks go. An escaped
 * escape (`echo foo\\`) ends the line: BuildKit's rule wants a character
 * other than the escape before the last one, or nothing. */
static bool strip_continuation(const char *s, size_t *n, char esc)
{
	size_t e = *n;

	while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t'))
		e--;
	if (e > 0 && s[e - 1] == esc && (e == 1 || s[e - 2] != esc)) {
		*n = e - 1;
		return true;
	}
	return false;
}

/* ---- parser directives -------------------------------------------------------
 * `# key=value` lines at the very top; the first line that is not one (a
 * comment, a blank, an instruction, or an unknown key) ends them. */
static bool directive(const char *s, size_t n, char *key, size_t keysz, const char **val,
		      size_t *vn)
{
	size_t i = lead_ws(s, n), k = 0;

	if (i >= n || s[i] != '#')
		return false;
	i++;
	i += lead_ws(s + i, n - i);
	if (i >= n || !isalpha((unsigned char)s[i]))
		return false;
	while (i < n && isalnum((unsigned char)s[i]) && k + 1 < keysz)
		key[k++] = (char)tolower((unsigned char)s[i++]);
	key[k] = '\0';
	i += lead_ws(s + i, n - i);
	if (i >= n || s[i] != '=')
		return false;
	i++;
	i += lead_ws(s + i, n - i);
	*val = s + i;
	*vn = n - i;
	while (*vn && ((*val)[*vn - 1] == ' ' || (*val)[*vn - 1] == '\t'))
		(*vn)--;
	return *vn > 0;
}

static int read_directives(struct dfp *p, struct lines *ls)
{
	bool seen_escape = false, seen_syntax = false, seen_check = false;
	const char *s, *val;
	size_t n, vn;
	char key[32];

	for (;;) {
		struct lines save = *ls;

		if (!next_line(ls, &s, &n))
			return 0;
		if (!directive(s, n, key, sizeof(key), &val, &vn)) {
			*ls = save;
			return 0;
		}
		bool *seen = !strcmp(key, "escape")   ? &seen_escape
			     : !strcmp(key, "syntax") ? &seen_syntax
			     : !strcmp(key, "check")  ? &seen_check
						      : NULL;
		if (!seen) {
			*ls = save;
			return 0;
		}
		if (*seen)
			return dfp_hint(
			    dfp_fail(p, ls->line, 1, "a second `# %s=` parser directive", key), p,
			    "each parser directive may appear once, at the top");
		*seen = true;
		if (seen == &seen_escape) {
			if (vn != 1 || (val[0] != '\\' && val[0] != '`'))
				return dfp_hint(dfp_fail(p, ls->line, (int)(val - s) + 1,
							 "invalid escape character `%.*s`", (int)vn,
							 val),
						p, "`# escape=` takes \\ or ` (backtick)");
			p->f->escape = val[0];
		} else if (seen == &seen_syntax) {
			p->f->syntax = lxr_xstrndup(val, vn);
		}
	}
}

/* ---- instructions ------------------------------------------------------------ */

/* One instruction's logical line: the first physical line and every
 * continuation, comment lines inside it skipped (docker does), joined. */
static char *join_instruction(struct dfp *p, struct lines *ls, const char *s, size_t n)
{
	size_t lead = lead_ws(s, n), len;
	bool more;
	char *out;

	p->n_segs = 0;
	s += lead;
	n -= lead;
	more = strip_continuation(s, &n, p->f->escape);
	out = lxr_xstrndup(s, n);
	len = n;
	dfp_seg_add(p, 0, ls->line, (int)lead + 1);
	while (more) {
		const char *c;
		size_t cn;

		if (!next_line(ls, &c, &cn))
			break;
		if (is_comment(c, cn) || is_blank(c, cn))
			continue;
		more = strip_continuation(c, &cn, p->f->escape);
		dfp_seg_add(p, len, ls->line, 1);
		out = lxr_xrealloc(out, len + cn + 1);
		memcpy(out + len, c, cn);
		len += cn;
		out[len] = '\0';
	}
	return out;
}

/* The bodies of the instruction's heredocs, in order, from the lines after
 * it: each runs to a line that is exactly its delimiter (after the leading
 * tabs, for <<-). */
static int read_heredocs(struct dfp *p, struct lines *ls, struct df_instr *in)
{
	for (size_t h = 0; h < in->n_heredocs; h++) {
		struct df_heredoc *hd = &in->heredocs[h];
		size_t blen = 0, dn = strlen(hd->name);
		const char *s;
		size_t n;
		bool done = false;

		hd->body = lxr_xstrdup("");
		while (next_line(ls, &s, &n)) {
			if (hd->chomp)
				while (n && *s == '\t')
					s++, n--;
			if (n == dn && !memcmp(s, hd->name, dn)) {
				done = true;
				break;
			}
			hd->body = lxr_xrealloc(hd->body, blen + n + 2);
			memcpy(hd->body + blen, s, n);
			blen += n;
			hd->body[blen++] = '\n';
			hd->body[blen] = '\0';
		}
		if (!done)
			return dfp_hint(
			    dfp_fail(p, in->line, in->col, "unterminated heredoc <<%s", hd->name),
			    p, "end it with a line that holds only `%s`", hd->name);
	}
	in->end_line = ls->line;
	return 0;
}

static int parse_all(struct dfp *p, struct lines *ls)
{
	const char *s;
	size_t n;

	while (next_line(ls, &s, &n)) {
		struct df_instr in = {0};
		_cleanup_free_ char *text = NULL;

		if (is_blank(s, n) || is_comment(s, n))
			continue;
		text = join_instruction(p, ls, s, n);
		in.end_line = ls->line;
		if (dfp_instruction(p, text, 0, &in, true) < 0) {
			df_instr_free(&in);
			return -1;
		}
		if (read_heredocs(p, ls, &in) < 0) {
			df_instr_free(&in);
			return -1;
		}
		p->f->v = lxr_xrealloc(p->f->v, (p->f->n + 1) * sizeof(*p->f->v));
		p->f->v[p->f->n++] = in;
	}
	return 0;
}

int df_parse(const char *name, const char *text, size_t len, struct df_file *out, lxr_err *err)
{
	struct dfp p = {.name = name, .err = err, .f = out};
	struct lines ls = {text, len, 0, 0};
	int r;

	*out = (struct df_file){.escape = '\\', .name = lxr_xstrdup(name)};
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		ls.pos = 3;
	const char *nul = memchr(text, '\0', len);
	if (nul) {
		int line = 1, col = 1;
		for (const char *c = text; c < nul; c++)
			col = *c == '\n' ? (line++, 1) : col + 1;
		df_file_free(out);
		return dfp_hint(dfp_fail(&p, line, col, "a NUL byte"), &p, "a Dockerfile is text");
	}
	r = read_directives(&p, &ls);
	if (r == 0)
		r = parse_all(&p, &ls);
	free(p.segs);
	if (r == 0 && out->n == 0)
		r = dfp_hint(dfp_fail(&p, 1, 1, "the file has no instructions"), &p,
			     "a Dockerfile starts with FROM (after ARG lines, if any)");
	if (r == 0) {
		for (size_t i = 0; i < out->n; i++) {
			if (out->v[i].kind == DF_FROM)
				break;
			if (out->v[i].kind != DF_ARG)
				r = dfp_hint(dfp_fail(&p, out->v[i].line, out->v[i].col,
						      "%s before the first FROM",
						      df_kind_name(out->v[i].kind)),
					     &p,
					     "only ARG may come before FROM: start the stage with "
					     "FROM IMAGE (or FROM scratch)");
			if (r < 0)
				break;
		}
	}
	if (r == 0) {
		bool from = false;
		for (size_t i = 0; i < out->n; i++)
			from |= out->v[i].kind == DF_FROM;
		if (!from)
			r = dfp_hint(
			    dfp_fail(&p, out->v[0].line, out->v[0].col, "no FROM instruction"), &p,
			    "a Dockerfile needs FROM IMAGE (or FROM scratch)");
	}
	if (r < 0)
		df_file_free(out);
	return r;
}

void df_instr_free(struct df_instr *i)
{
	if (!i)
		return;
	free(i->original);
	for (size_t k = 0; k < i->n_flags; k++) {
		free(i->flags[k].name);
		free(i->flags[k].value);
	}
	free(i->flags);
	lxr_strv_free(i->args);
	for (size_t k = 0; k < i->n_kv; k++) {
		free(i->kv[k].key);
		free(i->kv[k].value);
	}
	free(i->kv);
	for (size_t k = 0; k < i->n_heredocs; k++) {
		free(i->heredocs[k].name);
		free(i->heredocs[k].body);
	}
	free(i->heredocs);
	free(i->from_name);
	if (i->trigger) {
		df_instr_free(i->trigger);
		free(i->trigger);
	}
	*i = (struct df_instr){0};
}

void df_file_free(struct df_file *f)
{
	for (size_t i = 0; i < f->n; i++)
		df_instr_free(&f->v[i]);
	free(f->v);
	free(f->name);
	free(f->syntax);
	*f = (struct df_file){0};
}
