/* .dockerignore and COPY globs with docker's meaning. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "lxr/build.h"

static void test_glob(void **state)
{
	(void)state;
	assert_true(bld_glob_match("*.c", "main.c", false));
	assert_false(bld_glob_match("*.c", "src/main.c", false));
	assert_true(bld_glob_match("src/*.c", "src/main.c", false));
	assert_true(bld_glob_match("a?c", "abc", false));
	assert_false(bld_glob_match("a?c", "a/c", false));
	assert_true(bld_glob_match("[a-c]x", "bx", false));
	assert_false(bld_glob_match("[^a-c]x", "bx", false));
	assert_true(bld_glob_match("[^a-c]x", "dx", false));
	assert_true(bld_glob_match("\\*", "*", false));
	assert_false(bld_glob_match("\\*", "a", false));
	assert_false(bld_glob_match("[a-", "a", false)); /* a bad pattern matches nothing */
	assert_true(bld_glob_match("**/*.go", "a/b/c.go", true));
	assert_true(bld_glob_match("**/*.go", "c.go", true));
	assert_true(bld_glob_match("a/**", "a/b/c", true));
	assert_true(bld_glob_match("a/**/z", "a/z", true));
	assert_true(bld_glob_match("a/**/z", "a/b/c/z", true));
	assert_false(bld_glob_match("a/**/z", "a/b/cz", true));
	/* without dstar, ** is two stars: still within one component */
	assert_false(bld_glob_match("**.go", "a/b.go", false));
}

static struct bld_ignore parse(const char *text)
{
	struct bld_ignore ig;
	lxr_err err = {0};

	if (bld_ignore_parse(".dockerignore", text, strlen(text), &ig, &err) < 0)
		fail_msg("%s", err.msg);
	return ig;
}

static void test_ignore(void **state)
{
	(void)state;
	struct bld_ignore ig = parse("# comment\n"
				     "  \n"
				     "/secret\n"
				     "./build//out/\n"
				     "*.log\n"
				     "!keep.log\n"
				     "docs\n"
				     "!docs/README.md\n"
				     "**/*.tmp\n"
				     "  # not a comment: blanks before #\n"
				     "../outside\n"
				     "a/../b\n");
	assert_int_equal(ig.n, 10);
	assert_string_equal(ig.v[0].pat, "secret");
	assert_int_equal(ig.v[0].line, 3);
	assert_string_equal(ig.v[1].pat, "build/out");
	assert_true(ig.v[3].exception);
	assert_string_equal(ig.v[3].pat, "keep.log");
	assert_string_equal(ig.v[8].pat, "../outside");
	assert_string_equal(ig.v[9].pat, "b");

	assert_true(bld_ignore_match(&ig, "secret"));
	assert_true(bld_ignore_match(&ig, "secret/key")); /* inside an ignored directory */
	assert_false(bld_ignore_match(&ig, "app/secret"));
	assert_true(bld_ignore_match(&ig, "build/out/x"));
	assert_true(bld_ignore_match(&ig, "a.log"));
	assert_false(bld_ignore_match(&ig, "sub/a.log")); /* * does not cross / */
	assert_false(bld_ignore_match(&ig, "keep.log"));  /* the exception, last */
	assert_true(bld_ignore_match(&ig, "docs/guide.md"));
	assert_false(bld_ignore_match(&ig, "docs/README.md"));
	assert_true(bld_ignore_match(&ig, "x/y/z.tmp"));
	assert_true(bld_ignore_match(&ig, "z.tmp"));
	assert_true(bld_ignore_match(&ig, "b"));
	assert_false(bld_ignore_match(&ig, "outside"));
	assert_false(bld_ignore_match(&ig, "main.c"));
	assert_true(bld_ignore_may_reinclude(&ig, "docs"));
	assert_false(bld_ignore_may_reinclude(&ig, "secret"));
	bld_ignore_free(&ig);

	/* the last match decides: an exception before its rule is overruled */
	ig = parse("!a.txt\n*.txt\n");
	assert_true(bld_ignore_match(&ig, "a.txt"));
	bld_ignore_free(&ig);
	ig = parse("*\n!src\n!Dockerfile\n");
	assert_true(bld_ignore_match(&ig, "node_modules/x"));
	assert_false(bld_ignore_match(&ig, "src/main.c"));
	assert_false(bld_ignore_match(&ig, "Dockerfile"));
	assert_false(bld_ignore_may_reinclude(&ig, "anything"));
	bld_ignore_free(&ig);

	struct bld_ignore bad;
	lxr_err err = {0};
	assert_int_equal(bld_ignore_parse("ctx/.dockerignore", "a\n ! \n", 6, &bad, &err), -1);
	assert_string_equal(err.msg, "ctx/.dockerignore:2: `!` alone excludes nothing");
	assert_int_equal(bad.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_glob),
	    cmocka_unit_test(test_ignore),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
