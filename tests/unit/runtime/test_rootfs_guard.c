/* What the rootfs executor refuses to mount on: anything inside a procfs
 * but the files lxcfs stands in for. Read on the host's /proc, no root. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>
#include <cmocka.h>

#include "runtime/runtime_internal.h"

static int check(const char *path, const char *target)
{
	lxr_err err = {0};
	int fd = open(path, O_PATH | O_CLOEXEC);
	int r;

	assert_true(fd >= 0);
	r = rt_rootfs_check_target(fd, target, &err);
	close(fd);
	return r;
}

static void proc_targets_are_refused(void **state)
{
	(void)state;
	assert_int_equal(check("/proc", "/proc"), -1);
	assert_int_equal(check("/proc/sys", "/proc/sys"), -1);
	assert_int_equal(check("/proc/sys/net", "/proc/sys/net"), -1);
	/* the file, but named otherwise (a link in the image led there) */
	assert_int_equal(check("/proc/meminfo", "/data/meminfo"), -1);
}

static void lxcfs_files_and_other_filesystems_pass(void **state)
{
	(void)state;
	assert_int_equal(check("/proc/meminfo", "/proc/meminfo"), 0);
	assert_int_equal(check("/proc/uptime", "/proc/uptime"), 0);
	assert_int_equal(check("/", "/"), 0);
	assert_int_equal(check("/dev", "/dev"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(proc_targets_are_refused),
	    cmocka_unit_test(lxcfs_files_and_other_filesystems_pass),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
