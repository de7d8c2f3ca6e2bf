/* The Dockerfile parser and word substitution: every form docker's builder
 * reads, and every error with its position. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "lxr/build.h"

static struct df_file parse_ok(const char *text)
{
	struct df_file f;
	lxr_err err = {0};

	if (df_parse("Dockerfile", text, strlen(text), &f, &err) < 0)
		fail_msg("unexpected error: %s (hint: %s)", err.msg, err.hint);
	return f;
}

static void parse_err(const char *text, const char *msg, const char *hint_part)
{
	struct df_file f;
	lxr_err err = {0};

	assert_int_equal(df_parse("Dockerfile", text, strlen(text), &f, &err), -1);
	assert_string_equal(err.msg, msg);
	if (hint_part && !strstr(err.hint, hint_part))
		fail_msg("hint `%s` lacks `%s`", err.hint, hint_part);
	assert_int_equal(f.n, 0);
	assert_null(f.v);
}

static void test_basic(void **state)
{
	(void)state;
	struct df_file f = parse_ok("FROM busybox:1 AS Build\n"
				    "  # a comment\n"
				    "\n"
				    "run echo hi \\\n"
				    "  && echo there\n"
				    "CMD [\"/bin/sh\", \"-c\", \"echo $HOME\"]\n"
				    "ENTRYPOINT /bin/app --flag\n");
	assert_int_equal(f.n, 4);
	assert_int_equal(f.escape, '\\');
	assert_int_equal(f.v[0].kind, DF_FROM);
	assert_string_equal(f.v[0].args[0], "busybox:1");
	assert_null(f.v[0].args[1]);
	assert_string_equal(f.v[0].from_name, "build");
	assert_int_equal(f.v[1].kind, DF_RUN);
	assert_int_equal(f.v[1].line, 4);
	assert_int_equal(f.v[1].end_line, 5);
	assert_false(f.v[1].json);
	assert_string_equal(f.v[1].args[0], "echo hi   && echo there");
	assert_string_equal(f.v[1].original, "run echo hi   && echo there");
	assert_true(f.v[2].json);
	assert_string_equal(f.v[2].args[2], "echo $HOME");
	assert_null(f.v[2].args[3]);
	assert_false(f.v[3].json);
	assert_string_equal(f.v[3].args[0], "/bin/app --flag");
	assert_string_equal(df_kind_name(f.v[3].kind), "ENTRYPOINT");
	df_file_free(&f);
}

static void test_directives(void **state)
{
	(void)state;
	struct df_file f = parse_ok("# syntax=docker/dockerfile:1\n"
				    "#escape=`\n"
				    "FROM scratch\n"
				    "COPY a `\n"
				    "  b /dst\\\n");
	assert_int_equal(f.escape, '`');
	assert_string_equal(f.syntax, "docker/dockerfile:1");
	assert_int_equal(f.v[1].kind, DF_COPY);
	assert_string_equal(f.v[1].args[0], "a");
	assert_string_equal(f.v[1].args[1], "b");
	assert_string_equal(f.v[1].args[2], "/dst\\");
	df_file_free(&f);

	/* after a comment, a directive is a comment */
	f = parse_ok("# hello\n# escape=`\nFROM scratch\nRUN a \\\nb\n");
	assert_int_equal(f.escape, '\\');
	assert_string_equal(f.v[1].args[0], "a b");
	df_file_free(&f);
	/* an unknown directive ends them too */
	f = parse_ok("# foo=bar\n# escape=`\nFROM scratch\n");
	assert_int_equal(f.escape, '\\');
	df_file_free(&f);

	parse_err("# escape=x\nFROM scratch\n", "Dockerfile:1:10: invalid escape character `x`",
		  "takes \\ or `");
	parse_err("# escape=`\n# escape=\\\nFROM scratch\n",
		  "Dockerfile:2:1: a second `# escape=` parser directive", "once");
}

static void test_continuations(void **state)
{
	(void)state;
	/* blanks after the escape, comment and blank lines inside, CRLF */
	struct df_file f = parse_ok("FROM scratch\r\n"
				    "ENV A=1 \\  \r\n"
				    "# inside\r\n"
				    "\r\n"
				    "    B=2\r\n"
				    "LABEL x=y \\");
	assert_int_equal(f.n, 3);
	assert_int_equal(f.v[1].n_kv, 2);
	assert_string_equal(f.v[1].kv[1].key, "B");
	assert_string_equal(f.v[1].kv[1].value, "2");
	assert_int_equal(f.v[1].end_line, 5);
	assert_string_equal(f.v[2].kv[0].value, "y");
	df_file_free(&f);

	/* an escaped escape ends the line; a lone escape continues it */
	f = parse_ok("FROM scratch\nRUN echo foo\\\\\nRUN echo bar > /bar\nRUN a \\\n\\\n b\n");
	assert_int_equal(f.n, 4);
	assert_string_equal(f.v[1].args[0], "echo foo\\\\");
	assert_string_equal(f.v[2].args[0], "echo bar > /bar");
	assert_string_equal(f.v[3].args[0], "a  b");
	df_file_free(&f);
}

static void test_heredocs(void **state)
{
	(void)state;
	struct df_file f = parse_ok("FROM scratch\n"
				    "RUN <<EOF\n"
				    "echo $HOME\n"
				    "  indented\n"
				    "EOF\n"
				    "COPY <<-'A' <<\"B\" /dst/\n"
				    "\t\tone\n"
				    "\tA\n"
				    "two\n"
				    "B\n"
				    "RUN cat <<<here 'x <<NOT'\n"
				    "USER app\n");
	assert_int_equal(f.n, 5);
	assert_int_equal(f.v[1].n_heredocs, 1);
	assert_string_equal(f.v[1].heredocs[0].name, "EOF");
	assert_string_equal(f.v[1].heredocs[0].body, "echo $HOME\n  indented\n");
	assert_true(f.v[1].heredocs[0].expand);
	assert_int_equal(f.v[1].end_line, 5);
	assert_string_equal(f.v[1].args[0], "<<EOF");
	assert_int_equal(f.v[2].n_heredocs, 2);
	assert_true(f.v[2].heredocs[0].chomp);
	assert_false(f.v[2].heredocs[0].expand);
	assert_string_equal(f.v[2].heredocs[0].body, "one\n");
	assert_string_equal(f.v[2].heredocs[1].name, "B");
	assert_false(f.v[2].heredocs[1].expand);
	assert_string_equal(f.v[2].heredocs[1].body, "two\n");
	assert_string_equal(f.v[2].args[2], "/dst/");
	/* the word that opens each, as RUN and COPY name them */
	assert_true(df_heredoc_word(&f.v[1].heredocs[0], "<<EOF"));
	assert_false(df_heredoc_word(&f.v[1].heredocs[0], "<<-EOF"));
	assert_true(df_heredoc_word(&f.v[2].heredocs[0], "<<-'A'"));
	assert_true(df_heredoc_word(&f.v[2].heredocs[0], "<<-\"A\""));
	assert_false(df_heredoc_word(&f.v[2].heredocs[0], "<<-'A\""));
	assert_false(df_heredoc_word(&f.v[2].heredocs[0], "<<-A"));
	assert_true(df_heredoc_word(&f.v[2].heredocs[1], "<<\"B\""));
	assert_false(df_heredoc_word(&f.v[2].heredocs[1], "<<\"B\"x"));
	assert_int_equal(f.v[3].n_heredocs, 0);
	assert_int_equal(f.v[4].kind, DF_USER);
	df_file_free(&f);

	parse_err("FROM scratch\nRUN <<EOF\necho\n", "Dockerfile:2:1: unterminated heredoc <<EOF",
		  "only `EOF`");
}

static void test_flags(void **state)
{
	(void)state;
	struct df_file f = parse_ok("FROM --platform=linux/amd64 alpine\n"
				    "COPY --from=build --chown=1:2 --chmod=0644 --link /a /b\n"
				    "RUN --mount=type=cache,target=/c --mount=type=tmpfs,target=/t "
				    "--network=none make\n"
				    "ADD --link=false x /y\n"
				    "HEALTHCHECK --interval=5s --retries=3 CMD [\"true\"]\n");
	assert_int_equal(f.v[0].n_flags, 1);
	assert_string_equal(f.v[0].flags[0].name, "platform");
	assert_string_equal(f.v[0].flags[0].value, "linux/amd64");
	assert_string_equal(f.v[0].args[0], "alpine");
	assert_int_equal(f.v[1].n_flags, 4);
	assert_string_equal(f.v[1].flags[1].value, "1:2");
	assert_null(f.v[1].flags[3].value);
	assert_int_equal(f.v[1].flags[2].col, 31);
	assert_string_equal(f.v[1].args[0], "/a");
	assert_int_equal(f.v[2].n_flags, 3);
	assert_string_equal(f.v[2].flags[1].value, "type=tmpfs,target=/t");
	assert_string_equal(f.v[2].args[0], "make");
	assert_string_equal(f.v[3].flags[0].value, "false");
	assert_int_equal(f.v[4].n_flags, 2);
	assert_true(f.v[4].json);
	assert_string_equal(f.v[4].args[0], "true");
	df_file_free(&f);

	parse_err("FROM scratch\nCOPY --form=x a b\n",
		  "Dockerfile:2:6: unknown flag --form for COPY",
		  "COPY takes --from, --chown, --chmod, --link, --parents, --exclude");
	parse_err("FROM scratch\nRUN --network make\n", "Dockerfile:2:5: --network needs a value",
		  "--network=VALUE");
	parse_err("FROM scratch\nCOPY --link=yes a b\n",
		  "Dockerfile:2:6: --link takes true or false, not `yes`", NULL);
	parse_err("FROM scratch\nCOPY --from=a --from=b a b\n",
		  "Dockerfile:2:15: --from given twice", NULL);
	parse_err("FROM scratch\nWORKDIR --x=1 /a\n",
		  "Dockerfile:2:9: unknown flag --x for WORKDIR", "no flags");
	/* a flag on a continuation line is found where it is */
	parse_err("FROM scratch\nCOPY \\\n  --bad=1 a b\n",
		  "Dockerfile:3:3: unknown flag --bad for COPY", NULL);
}

static void test_pairs_and_args(void **state)
{
	(void)state;
	struct df_file f = parse_ok("ARG BASE=busybox VERSION\n"
				    "FROM ${BASE}:${VERSION:-1}\n"
				    "ENV A=\"x y\" B=${A}\\ z\n"
				    "ENV LEGACY value with  blanks\n"
				    "LABEL \"com.example\"=\"v 1\" other=2\n"
				    "EXPOSE 80/tcp 53/udp\n"
				    "VOLUME [\"/data\", \"/logs\"]\n"
				    "VOLUME /a /b\n"
				    "USER app:grp\n"
				    "WORKDIR /srv/app\n"
				    "STOPSIGNAL SIGQUIT\n"
				    "MAINTAINER someone <a@b>\n"
				    "SHELL [\"/bin/bash\", \"-c\"]\n"
				    "HEALTHCHECK NONE\n"
				    "ONBUILD COPY --chown=1 . /src\n");
	assert_int_equal(f.v[0].kind, DF_ARG);
	assert_int_equal(f.v[0].n_kv, 2);
	assert_string_equal(f.v[0].kv[0].value, "busybox");
	assert_null(f.v[0].kv[1].value);
	assert_string_equal(f.v[1].args[0], "${BASE}:${VERSION:-1}");
	assert_string_equal(f.v[2].kv[0].value, "\"x y\"");
	assert_string_equal(f.v[2].kv[1].value, "${A}\\ z");
	assert_int_equal(f.v[3].n_kv, 1);
	assert_string_equal(f.v[3].kv[0].key, "LEGACY");
	assert_string_equal(f.v[3].kv[0].value, "value with  blanks");
	assert_string_equal(f.v[4].kv[0].key, "\"com.example\"");
	assert_string_equal(f.v[5].args[1], "53/udp");
	assert_true(f.v[6].json);
	assert_string_equal(f.v[6].args[1], "/logs");
	assert_false(f.v[7].json);
	assert_string_equal(f.v[7].args[1], "/b");
	assert_string_equal(f.v[8].args[0], "app:grp");
	assert_string_equal(f.v[9].args[0], "/srv/app");
	assert_string_equal(f.v[10].args[0], "SIGQUIT");
	assert_string_equal(f.v[11].args[0], "someone <a@b>");
	assert_string_equal(f.v[12].args[1], "-c");
	assert_true(f.v[13].health_none);
	assert_int_equal(f.v[14].kind, DF_ONBUILD);
	assert_non_null(f.v[14].trigger);
	assert_int_equal(f.v[14].trigger->kind, DF_COPY);
	assert_int_equal(f.v[14].trigger->col, 9);
	assert_string_equal(f.v[14].trigger->flags[0].value, "1");
	assert_true(df_kind_expands(DF_COPY));
	assert_false(df_kind_expands(DF_RUN));
	df_file_free(&f);

	/* a broken JSON array is the shell form, as in docker */
	f = parse_ok("FROM scratch\nCMD [\"a\", b]\n");
	assert_false(f.v[1].json);
	assert_string_equal(f.v[1].args[0], "[\"a\", b]");
	df_file_free(&f);
}

static void test_errors(void **state)
{
	(void)state;
	parse_err("FROM scratch\n  FRMO x\n", "Dockerfile:2:3: unknown instruction `FRMO`",
		  "did you mean FROM?");
	parse_err("FROM scratch\nXYZZY\n", "Dockerfile:2:1: unknown instruction `XYZZY`",
		  "instructions are FROM");
	parse_err("", "Dockerfile:1:1: the file has no instructions", "starts with FROM");
	parse_err("# just a comment\n\n", "Dockerfile:1:1: the file has no instructions", NULL);
	parse_err("ARG A\nRUN x\n", "Dockerfile:2:1: RUN before the first FROM", "only ARG");
	parse_err("ARG A\n", "Dockerfile:1:1: no FROM instruction", NULL);
	parse_err("FROM a AS 1x\n", "Dockerfile:1:11: bad stage name `1x`", "starts with a letter");
	parse_err("FROM a b\n", "Dockerfile:1:8: FROM takes an image and an optional AS NAME",
		  NULL);
	parse_err("FROM\n", "Dockerfile:1:1: FROM takes an image and an optional AS NAME", NULL);
	parse_err("FROM a\nRUN\n", "Dockerfile:2:1: RUN needs an argument", "RUN COMMAND");
	parse_err("FROM a\nCOPY x\n", "Dockerfile:2:1: COPY needs at least two arguments", "SRC");
	parse_err("FROM a\nSHELL /bin/sh -c\n", "Dockerfile:2:1: SHELL needs the exec (JSON) form",
		  "SHELL [");
	parse_err("FROM a\nENV\n", "Dockerfile:2:4: ENV needs KEY=VALUE", NULL);
	parse_err("FROM a\nENV A\n", "Dockerfile:2:5: ENV A has no value", "A=VALUE");
	parse_err("FROM a\nLABEL a=1 b\n", "Dockerfile:2:11: `b` is not KEY=VALUE", NULL);
	parse_err("FROM a\nENV =1\n", "Dockerfile:2:5: `=1` has no key", NULL);
	parse_err("FROM a\nARG a/b\n", "Dockerfile:2:5: bad ARG name `a/b`", NULL);
	parse_err("FROM a\nHEALTHCHECK echo\n", "Dockerfile:2:13: HEALTHCHECK takes CMD or NONE",
		  NULL);
	parse_err("FROM a\nHEALTHCHECK NONE x\n",
		  "Dockerfile:2:13: HEALTHCHECK NONE takes nothing else", NULL);
	parse_err("FROM a\nONBUILD FROM b\n", "Dockerfile:2:9: ONBUILD FROM is not allowed", NULL);
	parse_err("FROM a\nONBUILD\n", "Dockerfile:2:1: ONBUILD needs an instruction", NULL);
	parse_err("FROM a\nONBUILD BOGUS\n", "Dockerfile:2:9: unknown instruction `BOGUS`", NULL);
	parse_err("FROM a\nWORKDIR\n", "Dockerfile:2:1: WORKDIR needs an argument", NULL);

	struct df_file f;
	lxr_err err = {0};
	assert_int_equal(df_parse("Dockerfile", "FROM a\0\n", 8, &f, &err), -1);
	assert_string_equal(err.msg, "Dockerfile:1:7: a NUL byte");
}

static const char *vars(const char *name, void *ctx)
{
	(void)ctx;
	if (!strcmp(name, "A"))
		return "alpha";
	if (!strcmp(name, "E"))
		return "";
	if (!strcmp(name, "S"))
		return "a b";
	return NULL;
}

static void expand_is(const char *in, const char *want)
{
	char *out = NULL;
	lxr_err err = {0};

	if (df_expand(in, '\\', vars, NULL, &out, &err) < 0)
		fail_msg("%s: %s", in, err.msg);
	assert_string_equal(out, want);
	free(out);
}

static void expand_err(const char *in, const char *msg)
{
	char *out = NULL;
	lxr_err err = {0};

	assert_int_equal(df_expand(in, '\\', vars, NULL, &out, &err), -1);
	assert_null(out);
	assert_string_equal(err.msg, msg);
}

static void test_expand_raw(void **state)
{
	(void)state;
	char *out = NULL;
	lxr_err err = {0};

	/* a heredoc's body: quotes stay, substitution and escapes go on */
	assert_int_equal(
	    df_expand_raw("{\"n\": \"$A\", 'm': '${NOPE:-\"d\"}' \\$A}\n", vars, NULL, &out, &err),
	    0);
	assert_string_equal(out, "{\"n\": \"alpha\", 'm': '\"d\"' $A}\n");
	free(out);
}

static void test_expand(void **state)
{
	(void)state;
	expand_is("$A", "alpha");
	expand_is("${A}x", "alphax");
	expand_is("$A.b", "alpha.b");
	expand_is("$NOPE-", "-");
	expand_is("${NOPE:-def}", "def");
	expand_is("${E:-def}", "def");
	expand_is("${E-def}", "");
	expand_is("${NOPE-def}", "def");
	expand_is("${A:+set}", "set");
	expand_is("${E:+set}", "");
	expand_is("${E+set}", "set");
	expand_is("${NOPE:-${A}}", "alpha");
	expand_is("'$A'", "$A");
	expand_is("\"$A b\"", "alpha b");
	expand_is("\"\\$A \\\" \\x\"", "$A \" \\x");
	expand_is("\\$A", "$A");
	expand_is("a\\ b", "a b");
	expand_is("$", "$");
	expand_is("cost: $5", "cost: ");
	expand_is("${A:?must}", "alpha");
	expand_err("${NOPE:?must be set}", "column 1: NOPE: must be set");
	expand_err("${E:?}", "column 1: E: is not set");
	expand_err("x ${A", "column 3: missing '}' after ${");
	expand_err("${A%.c}", "column 1: ${VAR#pattern}, ${VAR%pattern} and ${VAR/a/b} are not "
			      "supported yet by lxr's builder");
	expand_err("${A:x}", "column 1: bad substitution: expected }, :-, -, :+, +, :? or ?");
	expand_err("${}", "column 1: bad substitution: ${ needs a variable name");
	expand_err("'abc", "column 1: unterminated single quote");
	expand_err("a\"bc", "column 2: unterminated double quote");

	char **w = NULL;
	lxr_err err = {0};
	assert_int_equal(
	    df_expand_words(" 80/tcp  \"a b\" $A ${NOPE}x ", '\\', vars, NULL, &w, &err), 0);
	assert_int_equal(lxr_strv_len(w), 4);
	assert_string_equal(w[0], "80/tcp");
	assert_string_equal(w[1], "a b");
	assert_string_equal(w[2], "alpha");
	assert_string_equal(w[3], "x");
	lxr_strv_free(w);
	/* a value outside quotes is split, one inside is not; empty is none */
	assert_int_equal(df_expand_words("$S \"$S\" x$S $NOPE", '\\', vars, NULL, &w, &err), 0);
	assert_int_equal(lxr_strv_len(w), 5);
	assert_string_equal(w[0], "a");
	assert_string_equal(w[1], "b");
	assert_string_equal(w[2], "a b");
	assert_string_equal(w[3], "xa");
	assert_string_equal(w[4], "b");
	lxr_strv_free(w);
	/* backtick as the escape character */
	char *out = NULL;
	assert_int_equal(df_expand("C:\\dir`$A", '`', vars, NULL, &out, &err), 0);
	assert_string_equal(out, "C:\\dir$A");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic),         cmocka_unit_test(test_directives),
	    cmocka_unit_test(test_continuations), cmocka_unit_test(test_heredocs),
	    cmocka_unit_test(test_flags),         cmocka_unit_test(test_pairs_and_args),
	    cmocka_unit_test(test_errors),        cmocka_unit_test(test_expand),
	    cmocka_unit_test(test_expand_raw),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
