/* plan layer: the volumes `lxr down -v` removes are the ones the stack file
 * declares and the anonymous ones, never the whole project folder (another
 * directory of the same project name may have put its own there). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lxr/plan.h"

static struct cfg_stack *load(const char *project)
{
	char *const env[] = {NULL};
	struct cfg_load_opts o = {
	    .file = LXR_TEST_DATA "/volumes.yaml", .environ = env, .project = project};
	struct cfg_diags d = {0};
	struct cfg_stack *st = NULL;
	lxr_err err;

	if (cfg_stack_load(&o, &st, &d, &err) < 0)
		cfg_diags_print(stderr, &d);
	cfg_diags_free(&d);
	assert_non_null(st);
	return st;
}

static void declared_and_anonymous_only(void **state)
{
	struct cfg_stack *st = load(NULL);
	char **v = plan_down_volume_dirs(st);

	(void)state;
	assert_int_equal(lxr_strv_len(v), 3);
	assert_string_equal(v[0], "/d/volumes/volplan/used");
	assert_string_equal(v[1], "/d/volumes/volplan/spare");
	assert_string_equal(v[2], "/d/volumes/volplan/+anon");
	lxr_strv_free(v);
	cfg_stack_free(st);
}

/* -p NAME: the volumes are that project's */
static void explicit_project(void **state)
{
	struct cfg_stack *st = load("other");
	char **v = plan_down_volume_dirs(st);

	(void)state;
	assert_string_equal(v[0], "/d/volumes/other/used");
	assert_string_equal(v[2], "/d/volumes/other/+anon");
	lxr_strv_free(v);
	cfg_stack_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(declared_and_anonymous_only),
	    cmocka_unit_test(explicit_project),
	};
	setenv("LXR_DATA_DIR", "/d", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
