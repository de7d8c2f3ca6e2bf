/* runtime/cgroup_rootless: which limits a rootless user's delegated cgroup
 * can hold. systemd delegates only memory and pids to user@.service unless
 * root adds a drop-in: a limit on any other controller is refused, naming
 * the controller and the drop-in, before anything is made. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "runtime/cgroup.h"

#define MB   (1024LL * 1024)
#define BASE "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service"

static int fits(const struct lxr_resources *r, unsigned have, lxr_err *err)
{
	struct rt_cg_write w[16];
	int n = rt_cgroup_plan(r, LXR_CG_V2, w, 16, err);

	assert_true(n > 0);
	return rt_cg_rootless_fits(BASE, have, w, n, err);
}

/* systemd's default: memory and pids */
static void default_delegation_holds_memory_and_pids(void **state)
{
	struct lxr_resources r = {.memory_limit = 64 * MB, .pids_limit = 50};
	lxr_err err;

	(void)state;
	assert_int_equal(fits(&r, rt_cg_parse_ctrl_list("memory pids"), &err), 0);
}

static void cpus_without_cpu_is_refused(void **state)
{
	struct lxr_resources r = {.memory_limit = 64 * MB, .cpu_quota = 50000};
	lxr_err err;

	(void)state;
	assert_int_equal(fits(&r, rt_cg_parse_ctrl_list("memory pids"), &err), -1);
	assert_int_equal(err.errnum, EPERM);
	assert_non_null(strstr(err.msg, "needs the cpu controller"));
	assert_non_null(strstr(err.msg, BASE));
	assert_non_null(strstr(err.hint, "/etc/systemd/system/user@.service.d/delegate.conf"));
	assert_non_null(strstr(err.hint, "Delegate=cpu cpuset io memory pids"));
	/* delegated, it fits */
	assert_int_equal(fits(&r, rt_cg_parse_ctrl_list("cpu memory pids"), &err), 0);
}

static void io_and_memory_name_their_controller(void **state)
{
	struct lxr_resources io = {.blkio_weight = 300};
	struct lxr_resources mem = {.memory_limit = 64 * MB};
	lxr_err err;

	(void)state;
	assert_int_equal(fits(&io, rt_cg_parse_ctrl_list("memory pids"), &err), -1);
	assert_non_null(strstr(err.msg, "needs the io controller"));
	assert_non_null(strstr(err.hint, "delegate io"));
	assert_int_equal(fits(&mem, rt_cg_parse_ctrl_list("pids"), &err), -1);
	assert_non_null(strstr(err.msg, "memory.max 67108864 needs the memory controller"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(default_delegation_holds_memory_and_pids),
	    cmocka_unit_test(cpus_without_cpu_is_refused),
	    cmocka_unit_test(io_and_memory_name_their_controller),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
