/* supervisor layer: a project belongs to the stack files recorded in its run
 * directory; a command from another file (another directory whose name gives
 * the same project name) is refused with both files and the -p hint. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lxr/supervisor.h"

static void nothing_recorded_is_free(void **state)
{
	lxr_err err = {0};

	(void)state;
	assert_int_equal(sup_project_check_files("mystack", NULL, "/a/mystack/compose.yaml", &err),
			 0);
	assert_int_equal(sup_project_check_files("mystack", "", "/a/mystack/compose.yaml", &err),
			 0);
}

static void same_file(void **state)
{
	lxr_err err = {0};

	(void)state;
	assert_int_equal(sup_project_check_files("mystack", "/a/my stack/compose.yaml\n",
						 "/a/my stack/compose.yaml", &err),
			 0);
}

static void other_file_names_both(void **state)
{
	lxr_err err = {0};

	(void)state;
	assert_int_equal(sup_project_check_files("mystack", "/a/my stack/compose.yaml\n",
						 "/a/mystack/compose.yaml", &err),
			 -1);
	assert_non_null(
	    strstr(err.msg, "project \"mystack\" was brought up from "
			    "\"/a/my stack/compose.yaml\", not from \"/a/mystack/compose.yaml\""));
	assert_non_null(strstr(err.hint, "pass -p mystack"));
	assert_int_equal(err.errnum, 0);
}

/* a prefix of the recorded path is another file, and so is a record of
 * several files (compose's -f merging) when one is given */
static void prefix_and_several_differ(void **state)
{
	lxr_err err = {0};

	(void)state;
	assert_int_equal(
	    sup_project_check_files("s", "/a/compose.yaml.bak\n", "/a/compose.yaml", &err), -1);
	assert_int_equal(sup_project_check_files("s", "/a/compose.yaml\n/a/override.yaml\n",
						 "/a/compose.yaml", &err),
			 -1);
	assert_non_null(strstr(err.msg, "from \"/a/compose.yaml\", \"/a/override.yaml\", not"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(nothing_recorded_is_free),
	    cmocka_unit_test(same_file),
	    cmocka_unit_test(other_file_names_both),
	    cmocka_unit_test(prefix_and_several_differ),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
