/* lxr_re_search and lxr_re_check: the small regular expressions `ls
 * --filter name=` takes, matched somewhere in the text as Go's regexp
 * MatchString does; what they do not take is refused, never misread. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lxr/util.h"

static void matches_as_go_does(void **state)
{
	(void)state;
	assert_true(lxr_re_search("web", "myweb1"));
	assert_false(lxr_re_search("^web", "myweb1"));
	assert_true(lxr_re_search("^my", "myweb1"));
	assert_true(lxr_re_search("1$", "myweb1"));
	assert_false(lxr_re_search("^web$", "webs"));
	assert_true(lxr_re_search("^p\\d$", "p7"));
	assert_false(lxr_re_search("^p\\d$", "p77"));
	assert_true(lxr_re_search("^p\\d+$", "p77"));
	assert_true(lxr_re_search("^p[0-9]*x?$", "p"));
	assert_true(lxr_re_search("^a.c$", "abc"));
	assert_false(lxr_re_search("^a.c$", "ac"));
	assert_true(lxr_re_search("^[^_]+_[a-z]+$", "proj_default"));
	assert_false(lxr_re_search("^[^_]+_[a-z]+$", "_default"));
	assert_true(lxr_re_search("front|back", "myback"));
	assert_true(lxr_re_search("^front$|^back$", "back"));
	assert_false(lxr_re_search("^front$|^back$", "backs"));
	assert_true(lxr_re_search("a\\.b", "a.b"));
	assert_false(lxr_re_search("a\\.b", "axb"));
	assert_true(lxr_re_search("", "anything"));
	assert_true(lxr_re_search("x*", ""));
	assert_true(lxr_re_search("[]a]", "]"));
	assert_true(lxr_re_search("\\w+-\\w+", "my-proj"));
}

static void refuses_what_it_does_not_take(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(lxr_re_check("^p\\d+$|x[a-c]?", &why), 0);
	assert_int_equal(lxr_re_check("(a|b)", &why), -1);
	assert_non_null(why);
	assert_int_equal(lxr_re_check("a{2}", &why), -1);
	assert_int_equal(lxr_re_check("*a", &why), -1);
	assert_int_equal(lxr_re_check("a**", &why), -1);
	assert_int_equal(lxr_re_check("[ab", &why), -1);
	assert_int_equal(lxr_re_check("a\\", &why), -1);
	assert_int_equal(lxr_re_check("\\bword", &why), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(matches_as_go_does),
	    cmocka_unit_test(refuses_what_it_does_not_take),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
