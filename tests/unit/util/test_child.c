/* lxr_call_in_child: the child's result and its whole error come back,
 * and a child that dies without a word is said to have died. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "lxr/util.h"

static int ok(void *ctx, lxr_err *err)
{
	/* the call runs in another process */
	return getpid() != *(pid_t *)ctx ? 0 : lxr_fail(err, EINVAL, "ran in the caller");
}

static int fails(void *ctx, lxr_err *err)
{
	return lxr_fail(err, EACCES, "open %s", "/x"), lxr_err_hint(err, "a hint"), *(int *)ctx;
}

static int dies(void *ctx, lxr_err *err)
{
	kill(getpid(), SIGKILL);
	return 0;
}

static void results_and_errors_come_back(void **state)
{
	pid_t me = getpid();
	int minus_one = -1, minus_two = -2;
	lxr_err err = {0};

	assert_int_equal(lxr_call_in_child(ok, &me, "ok", &err), 0);
	assert_int_equal(lxr_call_in_child(fails, &minus_one, "fails", &err), -1);
	assert_int_equal(err.errnum, EACCES);
	assert_string_equal(err.msg, "open /x");
	assert_string_equal(err.hint, "a hint");
	assert_int_equal(lxr_call_in_child(fails, &minus_two, "fails", &err), -2);
	assert_int_equal(lxr_call_in_child(dies, NULL, "the dier", &err), -1);
	assert_int_equal(err.errnum, EIO);
	assert_string_equal(err.msg, "the dier: its process died");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(results_and_errors_come_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
