/* supervisor: SERVICE=N (up --scale, lxr scale) applied to the model. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lxr/supervisor.h"

static struct cfg_stack *load(void)
{
	char *const env[] = {NULL};
	struct cfg_load_opts o = {
	    .file = LXR_TEST_DATA "/scale.yaml", .environ = env, .accept_unsupported = true};
	struct cfg_diags d = {0};
	struct cfg_stack *st = NULL;
	lxr_err err;

	if (cfg_stack_load(&o, &st, &d, &err) < 0)
		cfg_diags_print(stderr, &d);
	cfg_diags_free(&d);
	assert_non_null(st);
	return st;
}

static void sets_replicas(void **state)
{
	struct cfg_stack *st = load();
	lxr_err err;

	assert_int_equal(sup_scale_apply(st, "web=3", &err), 0);
	assert_true(cfg_stack_service(st, "web")->replicas.set);
	assert_int_equal(cfg_stack_service(st, "web")->replicas.v, 3);
	assert_int_equal(sup_scale_apply(st, "web=0", &err), 0);
	assert_int_equal(cfg_stack_service(st, "web")->replicas.v, 0);
	/* one instance of a named container is fine */
	assert_int_equal(sup_scale_apply(st, "named=1", &err), 0);
	cfg_stack_free(st);
}

static void refuses_what_cannot_be(void **state)
{
	struct cfg_stack *st = load();
	lxr_err err;

	assert_int_equal(sup_scale_apply(st, "web", &err), -1);
	assert_non_null(strstr(err.msg, "expected SERVICE=N"));
	assert_int_equal(sup_scale_apply(st, "web=-1", &err), -1);
	assert_non_null(strstr(err.msg, "not a number of instances"));
	assert_int_equal(sup_scale_apply(st, "web=2x", &err), -1);
	assert_int_equal(sup_scale_apply(st, "nope=2", &err), -1);
	assert_non_null(strstr(err.msg, "no such service: nope"));
	assert_int_equal(sup_scale_apply(st, "named=2", &err), -1);
	assert_non_null(strstr(err.msg, "container_name \"the-one\""));
	assert_non_null(strstr(err.msg, "scale.yaml:8"));
	assert_non_null(strstr(err.hint, "remove container_name"));
	assert_false(cfg_stack_service(st, "named")->replicas.set);
	cfg_stack_free(st);
}

/* the loader's checks of deploy.replicas, for the number given later */
static void refuses_one_of_a_kind(void **state)
{
	struct cfg_stack *st = load();
	lxr_err err;

	assert_int_equal(sup_scale_apply(st, "fixed=2", &err), -1);
	assert_non_null(strstr(err.msg, "host port 8000 ("));
	assert_non_null(strstr(err.msg, "scale.yaml:11)"));
	assert_non_null(strstr(err.msg, "room for 1 instance, not 2"));
	assert_int_equal(sup_scale_apply(st, "ranged=3", &err), 0);
	assert_int_equal(sup_scale_apply(st, "ranged=4", &err), -1);
	assert_non_null(strstr(err.msg, "host ports 9000-9002"));
	assert_non_null(strstr(err.msg, "room for 3 instances, not 4"));
	assert_int_equal(sup_scale_apply(st, "ranged=1", &err), 0);
	assert_int_equal(sup_scale_apply(st, "pinned=2", &err), -1);
	assert_non_null(strstr(err.msg, "ipv4_address 10.5.0.9"));
	assert_int_equal(sup_scale_apply(st, "pinned=1", &err), 0);
	cfg_stack_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(sets_replicas),
	    cmocka_unit_test(refuses_what_cannot_be),
	    cmocka_unit_test(refuses_one_of_a_kind),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
