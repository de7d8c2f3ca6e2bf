/* Compose interpolation: a table of inputs with the string a user ends up
 * with and the diagnostics they see (position and message), modeled on the
 * Compose Specification's interpolation chapter and compose-go's tests. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "config/text.h"
#include "lxr/util.h"

/* The environment every case sees: FOO set, BAR set but empty. */
static const char *env_lookup(const char *name, void *ctx)
{
	static const char *const vars[][2] = {
	    {"FOO", "first"},    {"BAR", ""},        {"TAG", "1.2"},
	    {"DOLLAR", "$HOME"}, {"_under_9", "u9"}, {"lower", "lc"},
	};
	int *calls = ctx;

	if (calls)
		(*calls)++;
	for (size_t i = 0; i < sizeof(vars) / sizeof(*vars); i++)
		if (!strcmp(vars[i][0], name))
			return vars[i][1];
	return NULL;
}

struct want_diag {
	int line, col;
	bool warning;
	const char *msg; /* substring */
};

struct icase {
	const char *in;
	const char *out;
	struct want_diag d[3]; /* terminated by msg == NULL */
};

#define W(c, m)                                                                                    \
	{                                                                                          \
		1, c, true, m                                                                      \
	}
#define E(c, m)                                                                                    \
	{                                                                                          \
		1, c, false, m                                                                     \
	}

static const struct icase cases[] = {
    /* plain text and direct substitution */
    {"no variables here", "no variables here", {{0}}},
    {"", "", {{0}}},
    {"$FOO", "first", {{0}}},
    {"${FOO}", "first", {{0}}},
    {"This $FOO var", "This first var", {{0}}},
    {"This ${FOO} var", "This first var", {{0}}},
    {"$FOO-bar", "first-bar", {{0}}}, /* docker/compose#8601 */
    {"${FOO}${TAG}", "first1.2", {{0}}},
    {"$_under_9 ${lower}", "u9 lc", {{0}}},
    {"pre$FOO.post", "prefirst.post", {{0}}},
    /* values are inserted as they are, never re-expanded */
    {"${DOLLAR}", "$HOME", {{0}}},
    /* unset: warning, blank */
    {"This ${missing} var", "This  var", {W(6, "variable missing is not set")}},
    {"x $missing y", "x  y", {W(3, "variable missing is not set")}},
    {"${BAR}", "", {{0}}}, /* set but empty: no warning */
    {"$A and $B", " and ", {W(1, "variable A is not set"), W(8, "variable B is not set")}},
    /* :- and - */
    {"ok ${missing:-def}", "ok def", {{0}}},
    {"ok ${missing-def}", "ok def", {{0}}},
    {"ok ${BAR:-def}", "ok def", {{0}}},
    {"ok ${BAR-def}", "ok ", {{0}}},
    {"ok ${FOO:-def}", "ok first", {{0}}},
    {"ok ${FOO-def}", "ok first", {{0}}},
    {"ok ${missing:-}", "ok ", {{0}}},
    {"ok ${BAR:-/non:-alphanumeric}", "ok /non:-alphanumeric", {{0}}},
    {"${missing-myerror?msg}", "myerror?msg", {{0}}},
    {"${missing:-a b  c}", "a b  c", {{0}}},
    /* nesting */
    {"ok ${missing-$FOO}", "ok first", {{0}}},
    {"ok ${missing-${FOO}}", "ok first", {{0}}},
    {"ok ${missing-${FOO} ${FOO}}", "ok first first", {{0}}},
    {"ok ${BAR:-${FOO}}", "ok first", {{0}}},
    {"${A:-${B:-x}}", "x", {{0}}},
    {"${A:-${B:-${C:-${FOO}}}}!", "first!", {{0}}},
    {"${A:-${B}}", "", {W(6, "variable B is not set")}},
    /* a branch not taken is not looked up, so it does not warn */
    {"${FOO:-${NOPE}}", "first", {{0}}},
    {"${FOO:-$NOPE}", "first", {{0}}},
    {"${missing:+${NOPE}}", "", {{0}}},
    {"${FOO:?${NOPE}}", "first", {{0}}},
    /* ...but its syntax is still checked */
    {"${FOO:-${}}", "first", {E(8, "missing variable name")}},
    /* :+ and + */
    {"${FOO:+replacement}", "replacement", {{0}}},
    {"${FOO+replacement}", "replacement", {{0}}},
    {"${BAR:+replacement}", "", {{0}}},
    {"${BAR+replacement}", "replacement", {{0}}},
    {"${missing:+replacement}", "", {{0}}},
    {"${missing+replacement}", "", {{0}}},
    {"--tag=${TAG:+v$TAG}", "--tag=v1.2", {{0}}},
    /* :? and ? */
    {"ok ${FOO:?err}", "ok first", {{0}}},
    {"ok ${FOO?err}", "ok first", {{0}}},
    {"ok ${BAR?err}", "ok ", {{0}}},
    {"not ok ${missing:?Mandatory Variable Unset}",
     "not ok ",
     {E(8, "required variable missing is missing a value: Mandatory Variable Unset")}},
    {"not ok ${BAR:?Mandatory Variable Empty}",
     "not ok ",
     {E(8, "required variable BAR is missing a value: Mandatory Variable Empty")}},
    {"${missing:?}", "", {E(1, "required variable missing is missing a value")}},
    {"${missing?}", "", {E(1, "required variable missing is missing a value")}},
    {"${missing?bar-baz}", "", {E(1, "missing a value: bar-baz")}},
    {"${missing?Mandatory ${FOO}}", "", {E(1, "missing a value: Mandatory first")}},
    {"${missing:?Mandatory $FOO}", "", {E(1, "missing a value: Mandatory first")}},
    /* $$ */
    {"$${foo}", "${foo}", {{0}}},
    {"$$FOO", "$FOO", {{0}}},
    {"$$$FOO", "$first", {{0}}},
    {"$$$$", "$$", {{0}}},
    {"cost: $$5", "cost: $5", {{0}}},
    {"${missing:-$$}", "$", {{0}}},
    {"${missing:-$${FOO}}", "${FOO}", {{0}}},
    /* a `$` that starts no reference stays as written */
    {"$", "$", {{0}}},
    {"a $ b", "a $ b", {{0}}},
    {"$1 $-", "$1 $-", {{0}}},
    {"$}", "$}", {{0}}},
    {"100$", "100$", {{0}}},
    {"${missing:-$}", "$", {{0}}},
    /* every `{` nests, as in compose-go: a JSON default stays whole */
    {"${missing:-{x}}", "{x}", {{0}}},
    {"ok ${missing:-{\"json\":1}}", "ok {\"json\":1}", {{0}}},
    {"ok ${missing-{\"json\":1}}", "ok {\"json\":1}", {{0}}},
    {"${FOO:-{\"json\":1}}", "first", {{0}}},
    {"${missing-{\"a\":{\"b\":2}}}!", "{\"a\":{\"b\":2}}!", {{0}}},
    {"${FOO}}", "first}", {{0}}},
    /* invalid syntax: error at the `$`, the expression quoted */
    {"${", "", {E(1, "unterminated variable reference \"${\"")}},
    {"abc ${FOO", "abc ", {E(5, "unterminated variable reference \"${FOO\"")}},
    {"${FOO:-${BAR}", "", {E(1, "missing \"}\"")}},
    {"${}", "", {E(1, "invalid variable reference \"${}\": missing variable name")}},
    {"x${ }", "x", {E(2, "missing variable name")}},
    {"${ foo}", "", {E(1, "missing variable name")}},
    {"${foo }", "", {E(1, "unexpected ' ' after the name")}},
    {"${foo!}", "", {E(1, "unexpected '!' after the name")}},
    {"${FOO/a/b}", "", {E(1, "unexpected '/' after the name")}},
    {"${FOO:x}", "", {E(1, "unexpected ':' after the name")}},
    {"${1A}", "", {E(1, "missing variable name")}},
    /* errors and warnings together, each where it is */
    {"$X ${Y:?need Y} ${",
     "  ",
     {W(1, "variable X is not set"), E(4, "required variable Y"), E(17, "unterminated")}},
    /* columns restart on each line of a multi-line value */
    {"line one\n  ${NOPE}\n${",
     "line one\n  \n",
     {{2, 3, true, "NOPE"}, {3, 1, false, "unterminated"}}},
};

static void check_diags(const char *in, const struct want_diag *want,
			const struct cfg_text_diag *got, size_t n)
{
	size_t nwant = 0;

	while (nwant < 3 && want[nwant].msg)
		nwant++;
	if (n != nwant) {
		for (size_t i = 0; i < n; i++)
			print_error("  got %d:%d %s %s\n", got[i].line, got[i].col,
				    got[i].warning ? "warning" : "error", got[i].msg);
		fail_msg("%s: %zu diags, want %zu", in, n, nwant);
	}
	for (size_t i = 0; i < n; i++) {
		if (got[i].line != want[i].line || got[i].col != want[i].col ||
		    got[i].warning != want[i].warning || !strstr(got[i].msg, want[i].msg))
			fail_msg("%s: diag %zu is %d:%d %s \"%s\", want %d:%d %s containing \"%s\"",
				 in, i, got[i].line, got[i].col,
				 got[i].warning ? "warning" : "error", got[i].msg, want[i].line,
				 want[i].col, want[i].warning ? "warning" : "error", want[i].msg);
	}
}

static void table(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const struct icase *c = &cases[i];
		struct cfg_text_diag d[8];
		_cleanup_free_ char *out = NULL;
		size_t n = 99;
		bool want_err = false;
		int r;

		for (size_t k = 0; k < 3 && c->d[k].msg; k++)
			want_err |= !c->d[k].warning;
		r = cfg_interpolate(c->in, env_lookup, NULL, &out, d, 8, &n);
		assert_non_null(out);
		if (strcmp(out, c->out))
			fail_msg("%s: got \"%s\", want \"%s\"", c->in, out, c->out);
		if (r != (want_err ? -1 : 0))
			fail_msg("%s: returned %d", c->in, r);
		check_diags(c->in, c->d, d, n);
	}
}

static void lookup_is_optional_and_diags_too(void **state)
{
	_cleanup_free_ char *out = NULL;
	_cleanup_free_ char *out2 = NULL;
	size_t n = 7;

	assert_int_equal(cfg_interpolate("${A:-x}$B", NULL, NULL, &out, NULL, 0, &n), 0);
	assert_string_equal(out, "x");
	assert_int_equal(n, 0);
	assert_int_equal(cfg_interpolate("${A:?}", NULL, NULL, &out2, NULL, 0, NULL), -1);
	assert_string_equal(out2, "");
}

static void untaken_branches_are_not_looked_up(void **state)
{
	_cleanup_free_ char *out = NULL;
	int calls = 0;

	assert_int_equal(
	    cfg_interpolate("${FOO:-${X}${Y}}", env_lookup, &calls, &out, NULL, 0, NULL), 0);
	assert_string_equal(out, "first");
	assert_int_equal(calls, 1);
}

static void full_diag_array_keeps_the_error(void **state)
{
	_cleanup_free_ char *out = NULL;
	struct cfg_text_diag d[2];
	size_t n = 0;

	assert_int_equal(cfg_interpolate("$A $B $C ${D:?gone}", env_lookup, NULL, &out, d, 2, &n),
			 -1);
	assert_int_equal(n, 2);
	assert_true(d[0].warning);
	assert_false(d[1].warning);
	assert_int_equal(d[1].col, 10);
	assert_non_null(strstr(d[1].msg, "required variable D is missing a value: gone"));
}

static void deep_nesting_is_bounded(void **state)
{
	size_t depth = 5000, len = depth * 5 + 2 + depth;
	_cleanup_free_ char *s = lxr_xmalloc(len + 1);
	_cleanup_free_ char *out = NULL;
	_cleanup_free_ char *out2 = NULL;
	struct cfg_text_diag d[4];
	size_t n = 0, p = 0;

	for (size_t i = 0; i < depth; i++)
		p += (size_t)sprintf(s + p, "${A:-");
	p += (size_t)sprintf(s + p, "ok");
	for (size_t i = 0; i < depth; i++)
		s[p++] = '}';
	s[p] = '\0';
	assert_int_equal(cfg_interpolate(s, env_lookup, NULL, &out, d, 4, &n), -1);
	assert_int_equal(n, 1);
	assert_non_null(strstr(d[0].msg, "nested more than 32 deep"));
	assert_int_equal(d[0].col, 32 * 5 + 1);

	/* 32 levels are fine */
	s[0] = '\0';
	p = 0;
	for (size_t i = 0; i < 32; i++)
		p += (size_t)sprintf(s + p, "${A:-");
	p += (size_t)sprintf(s + p, "ok");
	for (size_t i = 0; i < 32; i++)
		s[p++] = '}';
	s[p] = '\0';
	assert_int_equal(cfg_interpolate(s, env_lookup, NULL, &out2, d, 4, &n), 0);
	assert_string_equal(out2, "ok");
}

static void huge_input(void **state)
{
	size_t reps = 200000;
	_cleanup_free_ char *s = lxr_xmalloc(reps * 8 + 1);
	_cleanup_free_ char *out = NULL;
	size_t n = 0;

	for (size_t i = 0; i < reps; i++)
		memcpy(s + i * 8, "${FOO}$$", 8);
	s[reps * 8] = '\0';
	assert_int_equal(cfg_interpolate(s, env_lookup, NULL, &out, NULL, 0, &n), 0);
	assert_int_equal(strlen(out), reps * 6);
	assert_memory_equal(out, "first$first$", 12);

	/* one unterminated `${` at the start: one error, no quadratic rescans */
	s[0] = '$';
	s[1] = '{';
	memset(s + 2, 'x', reps * 8 - 2);
	free(out);
	out = NULL;
	struct cfg_text_diag d[2];
	assert_int_equal(cfg_interpolate(s, env_lookup, NULL, &out, d, 2, &n), -1);
	assert_int_equal(n, 1);
	assert_int_equal(d[0].col, 1);
}

static void span_positions_are_relative_to_the_source(void **state)
{
	struct cfg_text_diag d[4];
	struct cfg_interp ip = {.lookup = env_lookup, .diags = d, .max_diags = 4};
	_cleanup_free_ char *out = NULL;
	const char *text = "a\\n$X\\\"\r\nb ${";

	/* as if the span started on line 7, column 12 of a .env file */
	assert_int_equal(cfg_interpolate_span(&ip, text, strlen(text) - 3, 7, 12, &out), 0);
	assert_string_equal(out, "a\\n\\\"\r\nb");
	assert_int_equal(ip.n_diags, 1);
	assert_int_equal(d[0].line, 7);
	assert_int_equal(d[0].col, 15);

	free(out);
	ip = (struct cfg_interp){.lookup = env_lookup, .dquote = true, .diags = d, .max_diags = 4};
	assert_int_equal(cfg_interpolate_span(&ip, text, strlen(text), 7, 12, &out), -1);
	assert_string_equal(out, "a\n\"\nb ");
	assert_true(ip.failed);
	assert_int_equal(ip.n_diags, 2);
	assert_int_equal(d[1].line, 8);
	assert_int_equal(d[1].col, 3);
	assert_false(d[1].warning);
}

static void dquote_escapes(void **state)
{
	static const char *const pairs[][2] = {
	    {"\\n\\t\\r\\\\\\\"", "\n\t\r\\\""},
	    {"\\$FOO", "$FOO"},
	    {"\\${FOO}", "${FOO}"},
	    {"\\\\$FOO", "\\first"},
	    {"\\c\\ \\'", "\\c\\ \\'"},   /* unknown escapes stay as written */
	    {"\\a\\b\\f\\v", "\a\b\f\v"}, /* compose-go decodes Go's escapes */
	    {"\\0101\\0123!", "AS!"},     /* \0NNN: an octal byte */
	    {"\\012 \\0 \\0400 \\0128",
	     "\\012 \\0 \\0400 \\0128"}, /* not three octal digits or > 0377 */
	    {"${missing:-a\\nb}", "a\nb"},
	    {"${missing:-\\}}", "\\}"},
	    {"trailing\\", "trailing\\"},
	};

	for (size_t i = 0; i < sizeof(pairs) / sizeof(*pairs); i++) {
		struct cfg_interp ip = {.lookup = env_lookup, .dquote = true};
		_cleanup_free_ char *out = NULL;

		assert_int_equal(
		    cfg_interpolate_span(&ip, pairs[i][0], strlen(pairs[i][0]), 1, 1, &out), 0);
		if (strcmp(out, pairs[i][1]))
			fail_msg("%s: got \"%s\" want \"%s\"", pairs[i][0], out, pairs[i][1]);
	}
}

/* lxr config --variables: every well-formed reference is seen, those in
 * a branch not taken included, with its operator's text as written; a
 * `$$` and a malformed reference are none. */
static void seen_ref(const struct cfg_var_ref *r, void *ctx)
{
	char *line = NULL;
	char **log = ctx;

	if (asprintf(&line, "%s%.*s %s%c [%.*s]\n", *log, (int)r->name_len, r->name,
		     r->colon ? ":" : "", r->op ? r->op : '.', (int)r->arg_len,
		     r->arg ? r->arg : "") < 0)
		fail();
	free(*log);
	*log = line;
}

static void references_are_seen(void **state)
{
	const char *in = "$A ${B:-${C}} $$D ${E+x$F} ${G:?need it} ${} ${H!} $HOME_1";
	_cleanup_free_ char *out = NULL, *log = strdup("");
	/* nothing set: E's alternate is not taken, yet seen */
	struct cfg_interp ip = {.seen = seen_ref, .ctx = &log};

	(void)state;
	(void)cfg_interpolate_span(&ip, in, strlen(in), 1, 1, &out);
	assert_string_equal(log, "A . []\n"
				 "B :- [${C}]\n"
				 "C . []\n"
				 "E + [x$F]\n"
				 "F . []\n"
				 "G :? [need it]\n"
				 "HOME_1 . []\n");
	free(out);
	out = NULL;
	free(log);
	log = strdup("");
	(void)cfg_interpolate_span(&ip, "${FOO:+${X}}", 12, 1, 1, &out);
	assert_string_equal(log, "FOO :+ [${X}]\nX . []\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(table),
	    cmocka_unit_test(lookup_is_optional_and_diags_too),
	    cmocka_unit_test(untaken_branches_are_not_looked_up),
	    cmocka_unit_test(full_diag_array_keeps_the_error),
	    cmocka_unit_test(deep_nesting_is_bounded),
	    cmocka_unit_test(huge_input),
	    cmocka_unit_test(span_positions_are_relative_to_the_source),
	    cmocka_unit_test(dquote_escapes),
	    cmocka_unit_test(references_are_seen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
