/* lxr_glob: the patterns of lxr.conf's [boot] stacks, expanded as glob(3)
 * and the shell do (sorted, a leading dot only by a dot, no match: none). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lxr/util.h"

static void match_as_the_shell_does(void **state)
{
	assert_true(lxr_glob_match("*.yaml", "a.yaml"));
	assert_false(lxr_glob_match("*.yaml", "a.yml"));
	assert_false(lxr_glob_match("*.yaml", ".hidden.yaml"));
	assert_true(lxr_glob_match(".*.yaml", ".hidden.yaml"));
	assert_true(lxr_glob_match("a?c", "abc"));
	assert_false(lxr_glob_match("a?c", "ac"));
	assert_true(lxr_glob_match("[0-9][!a]*", "1b"));
	assert_false(lxr_glob_match("[0-9][!a]*", "1a"));
	assert_true(lxr_glob_match("[]x]", "]"));
	assert_true(lxr_glob_match("a*b*c", "aXbYbZc"));
	assert_false(lxr_glob_match("a*b*c", "aXbYbZ"));
	assert_true(lxr_glob_match("a\\*", "a*"));
	assert_false(lxr_glob_match("a\\*", "ab"));
	assert_true(lxr_glob_match("[ab", "[ab")); /* no closing ]: a literal [ */
	assert_true(lxr_glob_match("*", "x"));
	assert_true(lxr_glob_match("", "") && !lxr_glob_match("", "x"));
}

static void touch(const char *dir, const char *name)
{
	char *p = lxr_xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fclose(f);
	free(p);
}

static void expand_sorted(void **state)
{
	char tmpl[] = "/tmp/lxr-glob.XXXXXX", *dir = mkdtemp(tmpl), **m = NULL;
	char *pat, *sub;
	lxr_err err;

	assert_non_null(dir);
	sub = lxr_xasprintf("%s/apps", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	touch(sub, "b.yaml");
	touch(sub, "a.yaml");
	touch(sub, ".x.yaml");
	touch(sub, "c.txt");
	touch(dir, "base.yaml");

	pat = lxr_xasprintf("%s/*/*.yaml", dir);
	assert_int_equal(lxr_glob(pat, &m, &err), 2);
	assert_true(strstr(m[0], "/apps/a.yaml") && strstr(m[1], "/apps/b.yaml"));
	lxr_strv_free(m);
	free(pat);

	pat = lxr_xasprintf("%s/base.yaml", dir); /* no pattern: the file if it exists */
	assert_int_equal(lxr_glob(pat, &m, &err), 1);
	assert_string_equal(m[0], pat);
	lxr_strv_free(m);
	free(pat);

	pat = lxr_xasprintf("%s/none/*.yaml", dir);
	assert_int_equal(lxr_glob(pat, &m, &err), 0);
	assert_null(m);
	free(pat);
	pat = lxr_xasprintf("%s/missing.yaml", dir);
	assert_int_equal(lxr_glob(pat, &m, &err), 0);
	free(pat);

	assert_int_equal(lxr_glob("/", &m, &err), 0);

	const char *names[] = {"b.yaml", "a.yaml", ".x.yaml", "c.txt"};
	for (size_t i = 0; i < 4; i++) {
		char *p = lxr_xasprintf("%s/%s", sub, names[i]);
		unlink(p);
		free(p);
	}
	rmdir(sub);
	pat = lxr_xasprintf("%s/base.yaml", dir);
	unlink(pat);
	free(pat);
	rmdir(dir);
	free(sub);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(match_as_the_shell_does),
	    cmocka_unit_test(expand_sorted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
