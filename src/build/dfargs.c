/* One Dockerfile instruction: its word, its --flags, and its arguments in
 * the form each instruction takes (docker's rules: exec or shell form,
 * key=value pairs, words, FROM ... AS name, HEALTHCHECK, ONBUILD). */
#include <ctype.h>
#include <jansson.h>
#include <string.h>
#include <strings.h>

#include "build/build_internal.h"

/* ---- the instruction table ---------------------------------------------------- */

struct kind_info {
	const char *name;
	enum df_kind kind;
	const char *flags; /* allowed flags, each ",name," (a trailing '?' would
			    * be confusing: booleans are listed in bool_flags) */
	bool expands;
};

static const struct kind_info kinds[] = {
    {"ADD", DF_ADD, ",chown,chmod,link,keep-git-dir,checksum,exclude,unpack,", true},
    {"ARG", DF_ARG, ",", true},
    {"CMD", DF_CMD, ",", false},
    {"COPY", DF_COPY, ",from,chown,chmod,link,parents,exclude,", true},
    {"ENTRYPOINT", DF_ENTRYPOINT, ",", false},
    {"ENV", DF_ENV, ",", true},
    {"EXPOSE", DF_EXPOSE, ",", true},
    {"FROM", DF_FROM, ",platform,", true},
    {"HEALTHCHECK", DF_HEALTHCHECK, ",interval,timeout,start-period,start-interval,retries,",
     false},
    {"LABEL", DF_LABEL, ",", true},
    {"MAINTAINER", DF_MAINTAINER, ",", false},
    {"ONBUILD", DF_ONBUILD, ",", true},
    {"RUN", DF_RUN, ",mount,network,security,", false},
    {"SHELL", DF_SHELL, ",", false},
    {"STOPSIGNAL", DF_STOPSIGNAL, ",", true},
    {"USER", DF_USER, ",", true},
    {"VOLUME", DF_VOLUME, ",", true},
    {"WORKDIR", DF_WORKDIR, ",", true},
};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

static const char *const bool_flags = ",link,parents,keep-git-dir,unpack,";
static const char *const repeat_flags = ",mount,exclude,";

const char *df_kind_name(enum df_kind k)
{
	for (size_t i = 0; i < N_KINDS; i++)
		if (kinds[i].kind == k)
			return kinds[i].name;
	return "?";
}

bool df_kind_expands(enum df_kind k)
{
	for (size_t i = 0; i < N_KINDS; i++)
		if (kinds[i].kind == k)
			return kinds[i].expands;
	return false;
}

static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *s = list;

	if (n == 0)
		return false;
	while ((s = strstr(s, name)))
		if (s > list && s[-1] == ',' && s[n] == ',')
			return true;
		else
			s += n;
	return false;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[32], cur[32];

	if (la >= 31 || lb >= 31)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (toupper((unsigned char)a[i - 1]) != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, sizeof(cur));
	}
	return prev[lb];
}

/* ---- words ------------------------------------------------------------------- */

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

static size_t skip_blanks(const char *t, size_t i)
{
	while (t[i] && blank(t[i]))
		i++;
	return i;
}

/* The end of the word at i: blanks end it outside quotes; the escape
 * character keeps the next one in the word. Quotes and escapes stay. */
static size_t word_end(const char *t, size_t i, char esc)
{
	char q = 0;

	while (t[i]) {
		char c = t[i];

		if (c == esc && t[i + 1]) {
			i += 2;
			continue;
		}
		if (q) {
			if (c == q)
				q = 0;
		} else if (c == '"' || c == '\'')
			q = c;
		else if (blank(c))
			break;
		i++;
	}
	return i;
}

/* Words from offset i, with their offsets (for positions). */
static char **split_words(const char *t, size_t i, char esc, size_t **offs)
{
	char **v = lxr_xcalloc(1, sizeof(*v));
	size_t n = 0;

	if (offs)
		*offs = NULL;
	for (i = skip_blanks(t, i); t[i]; i = skip_blanks(t, i)) {
		size_t e = word_end(t, i, esc);

		lxr_strv_push(&v, lxr_xstrndup(t + i, e - i));
		if (offs) {
			*offs = lxr_xrealloc(*offs, (n + 1) * sizeof(**offs));
			(*offs)[n] = i;
		}
		n++;
		i = e;
	}
	return v;
}

/* A flag word's text with quotes removed and escapes applied. */
static char *unquote(const char *s, size_t n, char esc)
{
	char *o = lxr_xmalloc(n + 1), q = 0;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == esc && i + 1 < n && q != '\'') {
			o[k++] = s[++i];
			continue;
		}
		if (q && c == q)
			q = 0;
		else if (!q && (c == '"' || c == '\''))
			q = c;
		else
			o[k++] = c;
	}
	o[k] = '\0';
	return o;
}

static char *rtrim_dup(const char *s)
{
	size_t n = strlen(s);

	while (n && (blank(s[n - 1]) || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	return lxr_xstrndup(s, n);
}

/* ---- flags -------------------------------------------------------------------- */

/* "--from, --chown, ..." from the table's ",from,chown,...," */
static int unknown_flag(struct dfp *p, int line, int col, const char *w, const struct kind_info *k)
{
	char list[256] = "";
	size_t n = 0;

	for (const char *c = k->flags; c[0] && c[1]; c++) {
		if (*c != ',') {
			list[n++] = *c;
			continue;
		}
		n += (size_t)sprintf(list + n, "%s--", n ? ", " : "");
	}
	if (n >= 2 && list[n - 1] == '-' && list[n - 2] == '-')
		n -= n >= 4 ? 4 : 2; /* the trailing ", --" */
	list[n] = '\0';
	dfp_fail(p, line, col, "unknown flag --%s for %s", w, k->name);
	if (!n)
		return dfp_hint(-1, p, "%s takes no flags", k->name);
	return dfp_hint(-1, p, "%s takes %s", k->name, list);
}

static int parse_flags(struct dfp *p, const char *t, size_t *i, const struct kind_info *k,
		       struct df_instr *in)
{
	for (*i = skip_blanks(t, *i); t[*i] == '-' && t[*i + 1] == '-'; *i = skip_blanks(t, *i)) {
		size_t start = *i, e = word_end(t, *i, p->f->escape);
		_cleanup_free_ char *w = unquote(t + start + 2, e - start - 2, p->f->escape);
		char *eq = strchr(w, '=');
		int line, col;

		dfp_pos(p, start, &line, &col);
		*i = e;
		if (!*w) /* a bare "--" ends the flags */
			return 0;
		if (eq)
			*eq = '\0';
		if (!in_list(k->flags, w))
			return unknown_flag(p, line, col, w, k);
		bool is_bool = in_list(bool_flags, w);
		if (!eq && !is_bool)
			return dfp_hint(dfp_fail(p, line, col, "--%s needs a value", w), p,
					"write --%s=VALUE", w);
		if (eq && is_bool && strcmp(eq + 1, "true") && strcmp(eq + 1, "false"))
			return dfp_hint(
			    dfp_fail(p, line, col, "--%s takes true or false, not `%s`", w, eq + 1),
			    p, "write --%s or --%s=false", w, w);
		if (!in_list(repeat_flags, w))
			for (size_t f = 0; f < in->n_flags; f++)
				if (!strcmp(in->flags[f].name, w))
					return dfp_hint(
					    dfp_fail(p, line, col, "--%s given twice", w), p,
					    "give each flag once");
		in->flags = lxr_xrealloc(in->flags, (in->n_flags + 1) * sizeof(*in->flags));
		in->flags[in->n_flags++] =
		    (struct df_flag){lxr_xstrdup(w), eq ? lxr_xstrdup(eq + 1) : NULL, line, col};
	}
	return 0;
}

/* ---- argument forms ---------------------------------------------------------- */

/* docker: arguments that parse as a JSON array of strings are the exec
 * form; anything else (even a broken array) is the shell form. */
static bool try_json(const char *t, char ***out)
{
	json_t *j, *e;
	size_t i;

	if (*t != '[')
		return false;
	j = json_loads(t, JSON_DECODE_ANY, NULL);
	if (!j || !json_is_array(j)) {
		json_decref(j);
		return false;
	}
	json_array_foreach(j, i, e) if (!json_is_string(e))
	{
		json_decref(j);
		return false;
	}
	*out = lxr_xcalloc(json_array_size(j) + 1, sizeof(char *));
	json_array_foreach(j, i, e)(*out)[i] = lxr_xstrdup(json_string_value(e));
	json_decref(j);
	return true;
}

static void command_form(const char *rest, struct df_instr *in)
{
	if (try_json(rest, &in->args)) {
		in->json = true;
		return;
	}
	in->args = lxr_xcalloc(2, sizeof(char *));
	if (*rest)
		in->args[0] = rtrim_dup(rest);
}

static void add_kv(struct df_instr *in, char *k, char *v)
{
	in->kv = lxr_xrealloc(in->kv, (in->n_kv + 1) * sizeof(*in->kv));
	in->kv[in->n_kv++] = (struct df_kv){k, v};
}

/* ENV and LABEL: `K=V ...`, or docker's legacy `K V with blanks`. */
static int parse_pairs(struct dfp *p, const char *t, size_t i, struct df_instr *in)
{
	_cleanup_free_ size_t *offs = NULL;
	_cleanup_strv_ char **w = split_words(t, i, p->f->escape, &offs);
	int line, col;

	if (!w[0]) {
		dfp_pos(p, i, &line, &col);
		return dfp_hint(
		    dfp_fail(p, line, col, "%s needs KEY=VALUE", df_kind_name(in->kind)), p,
		    "write %s KEY=VALUE [KEY=VALUE...]", df_kind_name(in->kind));
	}
	if (!strchr(w[0], '=')) {
		size_t vs = skip_blanks(t, offs[0] + strlen(w[0]));
		dfp_pos(p, offs[0], &line, &col);
		if (!t[vs])
			return dfp_hint(dfp_fail(p, line, col, "%s %s has no value",
						 df_kind_name(in->kind), w[0]),
					p, "write %s %s=VALUE", df_kind_name(in->kind), w[0]);
		add_kv(in, lxr_xstrdup(w[0]), rtrim_dup(t + vs));
		return 0;
	}
	for (size_t k = 0; w[k]; k++) {
		char *eq = strchr(w[k], '=');

		dfp_pos(p, offs[k], &line, &col);
		if (!eq)
			return dfp_hint(dfp_fail(p, line, col, "`%s` is not KEY=VALUE", w[k]), p,
					"every word of %s is KEY=VALUE (quote a value with "
					"blanks: K=\"a b\")",
					df_kind_name(in->kind));
		if (eq == w[k])
			return dfp_hint(dfp_fail(p, line, col, "`%s` has no key", w[k]), p,
					"write KEY=VALUE");
		add_kv(in, lxr_xstrndup(w[k], (size_t)(eq - w[k])), lxr_xstrdup(eq + 1));
	}
	return 0;
}

static bool arg_name_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
			return false;
	return true;
}

static int parse_arg(struct dfp *p, const char *t, size_t i, struct df_instr *in)
{
	_cleanup_free_ size_t *offs = NULL;
	_cleanup_strv_ char **w = split_words(t, i, p->f->escape, &offs);
	int line, col;

	if (!w[0]) {
		dfp_pos(p, i, &line, &col);
		return dfp_hint(dfp_fail(p, line, col, "ARG needs a name"), p,
				"write ARG NAME or ARG NAME=DEFAULT");
	}
	for (size_t k = 0; w[k]; k++) {
		char *eq = strchr(w[k], '=');
		size_t n = eq ? (size_t)(eq - w[k]) : strlen(w[k]);

		dfp_pos(p, offs[k], &line, &col);
		if (!arg_name_ok(w[k], n))
			return dfp_hint(dfp_fail(p, line, col, "bad ARG name `%.*s`", (int)n, w[k]),
					p, "an ARG name is letters, digits, _, - and .");
		add_kv(in, lxr_xstrndup(w[k], n), eq ? lxr_xstrdup(eq + 1) : NULL);
	}
	return 0;
}

static bool stage_name_ok(const char *s)
{
	if (!isalpha((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return false;
	return true;
}

static int parse_from(struct dfp *p, const char *t, size_t i, struct df_instr *in)
{
	_cleanup_free_ size_t *offs = NULL;
	char **w = split_words(t, i, p->f->escape, &offs);
	size_t n = lxr_strv_len(w);
	int line, col;

	in->args = w;
	if (n == 1)
		return 0;
	if (n == 3 && !strcasecmp(w[1], "as")) {
		dfp_pos(p, offs[2], &line, &col);
		if (!stage_name_ok(w[2]))
			return dfp_hint(dfp_fail(p, line, col, "bad stage name `%s`", w[2]), p,
					"a stage name starts with a letter and holds letters, "
					"digits, -, _ and .");
		in->from_name = lxr_xstrdup(w[2]);
		for (char *c = in->from_name; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		free(w[1]);
		free(w[2]);
		w[1] = NULL;
		return 0;
	}
	if (n)
		dfp_pos(p, offs[1], &line, &col);
	else
		line = in->line, col = in->col;
	return dfp_hint(dfp_fail(p, line, col, "FROM takes an image and an optional AS NAME"), p,
			"write FROM IMAGE or FROM IMAGE AS NAME");
}

static int parse_healthcheck(struct dfp *p, const char *t, size_t i, struct df_instr *in)
{
	size_t e = word_end(t, i, p->f->escape);
	int line, col;

	dfp_pos(p, i, &line, &col);
	if (e - i == 4 && !strncasecmp(t + i, "NONE", 4)) {
		if (t[skip_blanks(t, e)] || in->n_flags)
			return dfp_hint(
			    dfp_fail(p, line, col, "HEALTHCHECK NONE takes nothing else"), p,
			    "write HEALTHCHECK NONE alone");
		in->health_none = true;
		in->args = lxr_xcalloc(1, sizeof(char *));
		return 0;
	}
	if (e - i == 3 && !strncasecmp(t + i, "CMD", 3)) {
		command_form(t + skip_blanks(t, e), in);
		if (!in->args[0])
			return dfp_hint(dfp_fail(p, line, col, "HEALTHCHECK CMD needs a command"),
					p, "write HEALTHCHECK CMD COMMAND");
		return 0;
	}
	return dfp_hint(dfp_fail(p, line, col, "HEALTHCHECK takes CMD or NONE"), p,
			"write HEALTHCHECK [--interval=D ...] CMD COMMAND, or HEALTHCHECK NONE");
}

/* RUN, COPY and ADD: `<<EOF`, `<<-EOF`, `<<"EOF"` outside quotes start a
 * heredoc whose body follows the instruction (`<<<` is a here-string). */
static void find_heredocs(const char *t, size_t i, struct df_instr *in)
{
	char q = 0;

	for (; t[i]; i++) {
		char c = t[i];

		if (q) {
			if (c == q)
				q = 0;
			continue;
		}
		if (c == '"' || c == '\'') {
			q = c;
			continue;
		}
		if (c != '<' || t[i + 1] != '<')
			continue;
		if (t[i + 2] == '<') {
			i += 2;
			continue;
		}
		size_t j = i + 2;
		bool chomp = t[j] == '-';
		j += chomp;
		char dq = (t[j] == '"' || t[j] == '\'') ? t[j] : 0;
		j += dq != 0;
		size_t s = j;
		while (isalnum((unsigned char)t[j]) || t[j] == '_' || t[j] == '-' || t[j] == '.')
			j++;
		if (j == s || (dq && t[j] != dq))
			continue;
		in->heredocs =
		    lxr_xrealloc(in->heredocs, (in->n_heredocs + 1) * sizeof(*in->heredocs));
		in->heredocs[in->n_heredocs++] =
		    (struct df_heredoc){lxr_xstrndup(t + s, j - s), NULL, !dq, chomp};
		i = j + (dq != 0) - 1;
	}
}

bool df_heredoc_word(const struct df_heredoc *h, const char *word)
{
	size_t n = strlen(h->name);

	if (!lxr_str_has_prefix(word, h->chomp ? "<<-" : "<<"))
		return false;
	word += h->chomp ? 3 : 2;
	if (h->expand)
		return !strcmp(word, h->name);
	/* quoted: either quote, the same one at both ends */
	return (*word == '"' || *word == '\'') && !strncmp(word + 1, h->name, n) &&
	       word[n + 1] == *word && !word[n + 2];
}

static const struct kind_info *find_kind(const char *w, size_t n)
{
	for (size_t k = 0; k < N_KINDS; k++)
		if (strlen(kinds[k].name) == n && !strncasecmp(kinds[k].name, w, n))
			return &kinds[k];
	return NULL;
}

static int unknown_instruction(struct dfp *p, const char *w, size_t n, int line, int col)
{
	char word[32];
	const char *best = NULL;
	size_t bd = 3;

	snprintf(word, sizeof(word), "%.*s", (int)(n < 31 ? n : 31), w);
	for (size_t k = 0; k < N_KINDS; k++) {
		size_t d = edit_distance(word, kinds[k].name);
		if (d < bd)
			bd = d, best = kinds[k].name;
	}
	dfp_fail(p, line, col, "unknown instruction `%.*s`", (int)(n < 64 ? n : 64), w);
	if (best)
		return dfp_hint(-1, p, "did you mean %s?", best);
	return dfp_hint(-1, p,
			"instructions are FROM, RUN, CMD, LABEL, EXPOSE, ENV, ADD, COPY, "
			"ENTRYPOINT, VOLUME, USER, WORKDIR, ARG, ONBUILD, STOPSIGNAL, "
			"HEALTHCHECK, SHELL, MAINTAINER");
}

static int need_args(struct dfp *p, struct df_instr *in, size_t min, int line, int col,
		     const char *usage)
{
	if (lxr_strv_len(in->args) >= min)
		return 0;
	return dfp_hint(dfp_fail(p, line, col, "%s needs %s", df_kind_name(in->kind),
				 min == 1 ? "an argument" : "at least two arguments"),
			p, "write %s", usage);
}

static int parse_args(struct dfp *p, const char *t, size_t i, const struct kind_info *k,
		      struct df_instr *in, int line, int col)
{
	const char *rest = t + i;

	switch (k->kind) {
	case DF_RUN:
		command_form(rest, in);
		return need_args(p, in, 1, line, col, "RUN COMMAND or RUN [\"EXECUTABLE\", ...]");
	case DF_CMD:
	case DF_ENTRYPOINT:
		command_form(rest, in);
		if (!in->json && !in->args[0])
			return need_args(p, in, 1, line, col,
					 "CMD COMMAND or CMD [\"EXECUTABLE\", ...]");
		return 0;
	case DF_SHELL:
		if (!try_json(rest, &in->args) || !in->args[0])
			return dfp_hint(dfp_fail(p, line, col, "SHELL needs the exec (JSON) form"),
					p, "write SHELL [\"/bin/sh\", \"-c\"]");
		in->json = true;
		return 0;
	case DF_COPY:
	case DF_ADD:
	case DF_VOLUME:
		if (try_json(rest, &in->args))
			in->json = true;
		else
			in->args = split_words(t, i, p->f->escape, NULL);
		if (k->kind == DF_VOLUME)
			return need_args(p, in, 1, line, col, "VOLUME PATH...");
		return need_args(p, in, 2, line, col,
				 k->kind == DF_COPY ? "COPY SRC... DEST" : "ADD SRC... DEST");
	case DF_EXPOSE:
		in->args = split_words(t, i, p->f->escape, NULL);
		return need_args(p, in, 1, line, col, "EXPOSE PORT[/PROTO]...");
	case DF_USER:
	case DF_WORKDIR:
	case DF_STOPSIGNAL:
	case DF_MAINTAINER:
		in->args = lxr_xcalloc(2, sizeof(char *));
		if (*rest)
			in->args[0] = rtrim_dup(rest);
		return need_args(p, in, 1, line, col,
				 k->kind == DF_USER         ? "USER NAME[:GROUP]"
				 : k->kind == DF_WORKDIR    ? "WORKDIR PATH"
				 : k->kind == DF_STOPSIGNAL ? "STOPSIGNAL SIGNAL"
							    : "MAINTAINER NAME");
	case DF_ENV:
	case DF_LABEL: return parse_pairs(p, t, i, in);
	case DF_ARG: return parse_arg(p, t, i, in);
	case DF_FROM: return parse_from(p, t, i, in);
	case DF_HEALTHCHECK: return parse_healthcheck(p, t, i, in);
	case DF_ONBUILD: break;
	}
	/* ONBUILD INSTRUCTION ...: the trigger runs in a build FROM this image */
	if (!*rest)
		return dfp_hint(dfp_fail(p, line, col, "ONBUILD needs an instruction"), p,
				"write ONBUILD INSTRUCTION ARGUMENTS");
	in->trigger = lxr_xcalloc(1, sizeof(*in->trigger));
	if (dfp_instruction(p, t, i, in->trigger, false) < 0)
		return -1;
	enum df_kind tk = in->trigger->kind;
	if (tk == DF_ONBUILD || tk == DF_FROM || tk == DF_MAINTAINER)
		return dfp_hint(dfp_fail(p, in->trigger->line, in->trigger->col,
					 "ONBUILD %s is not allowed", df_kind_name(tk)),
				p, "a trigger cannot be ONBUILD, FROM or MAINTAINER");
	return 0;
}

int dfp_instruction(struct dfp *p, const char *text, size_t off, struct df_instr *in, bool top)
{
	size_t i = skip_blanks(text, off), e = i;
	const struct kind_info *k;
	int line, col;

	while (text[e] && !blank(text[e]))
		e++;
	dfp_pos(p, i, &line, &col);
	in->line = line;
	in->col = col;
	in->original = rtrim_dup(text + i);
	k = find_kind(text + i, e - i);
	if (!k)
		return unknown_instruction(p, text + i, e - i, line, col);
	in->kind = k->kind;
	if (parse_flags(p, text, &e, k, in) < 0)
		return -1;
	if (top && (k->kind == DF_RUN || k->kind == DF_COPY || k->kind == DF_ADD))
		find_heredocs(text, e, in);
	if (parse_args(p, text, skip_blanks(text, e), k, in, line, col) < 0)
		return -1;
	if (!in->args) /* ENV, LABEL, ARG, ONBUILD: an empty vector, never NULL */
		in->args = lxr_xcalloc(1, sizeof(char *));
	return 0;
}
