/* runtime: rt_process_apply_creds failures that need no root and change
 * nothing (rlimits come first and a refused setrlimit leaves the limit as
 * it was). The full credential switch is tested as root in
 * tests/integration/test_creds.sh. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/resource.h>
#include <cmocka.h>

#include "runtime/runtime_internal.h"

static void rlimit_errors_name_the_limit(void **state)
{
	struct lxr_rlimit bad[] = {{RLIMIT_NOFILE, 10, 5}};
	struct lxr_rlimit unknown[] = {{99, 1, 1}};
	struct lxr_spec spec = {.rlimits = bad, .n_rlimits = 1, .uid = 4242};
	struct rlimit before, after;
	lxr_err err = {0};

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &before), 0);
	assert_int_equal(rt_process_apply_creds(&spec, &err), -1);
	assert_string_equal(err.msg, "setrlimit RLIMIT_NOFILE soft=10 hard=5");
	assert_int_equal(err.errnum, EINVAL);
	assert_non_null(strstr(err.hint, "soft limit"));
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &after), 0);
	assert_int_equal(after.rlim_cur, before.rlim_cur);
	assert_int_equal(after.rlim_max, before.rlim_max);

	spec.rlimits = unknown;
	assert_int_equal(rt_process_apply_creds(&spec, &err), -1);
	assert_string_equal(err.msg, "setrlimit RLIMIT_99 soft=1 hard=1");
	assert_int_equal(err.errnum, EINVAL);
	assert_string_equal(err.hint, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rlimit_errors_name_the_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
