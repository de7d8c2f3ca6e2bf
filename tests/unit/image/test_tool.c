/* lxr-image from the core's side: where it is looked for, and that
 * resolving pulls through it only when the policy says so. The test binary
 * has no lxr-image beside it, which is exactly the case a user must be able
 * to diagnose from the message. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "image/image_internal.h"

static char *expected_tool(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	assert_true(n > 0);
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	return lxr_xasprintf("%s/lxr-image", self);
}

static void tool_is_looked_for_beside_the_program(void **state)
{
	_cleanup_free_ char *want = expected_tool();
	char *path = (char *)"unchanged";
	lxr_err err;

	assert_int_equal(img_tool_path(&path, &err), -1);
	assert_null(path);
	assert_int_equal(err.errnum, ENOENT);
	assert_non_null(strstr(err.msg, want));
	assert_non_null(strstr(err.hint, "same directory as lxr"));
}

static void ensure_pulls_through_the_tool_only_when_allowed(void **state)
{
	_cleanup_free_ char *want = expected_tool();
	char dir[] = "/tmp/lxr-tool-XXXXXX";
	struct img_store *s;
	struct img_image im;
	lxr_err err;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(img_store_open(dir, &s, &err), 0);
	/* never: the store's own answer, no pull attempted */
	assert_int_equal(img_ensure(s, "nosuch:1", IMG_PULL_NEVER, &im, &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	assert_non_null(strstr(err.msg, "not in the store"));
	/* missing: a pull is attempted, which needs lxr-image */
	assert_int_equal(img_ensure(s, "nosuch:1", IMG_PULL_MISSING, &im, &err), -1);
	assert_non_null(strstr(err.msg, "pull nosuch:1"));
	assert_non_null(strstr(err.msg, want));
	img_store_close(s);
	assert_int_equal(lxr_rm_rf(dir, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(tool_is_looked_for_beside_the_program),
	    cmocka_unit_test(ensure_pulls_through_the_tool_only_when_allowed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
