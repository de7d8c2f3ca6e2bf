/* runtime: where the host's cgroup hierarchies are (rt_cg_host_probe),
 * kept between probes and found again when the mount table changes. */
#define _GNU_SOURCE
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "runtime/cgroup.h"

/* The host's hierarchies are kept between probes, and found again once the
 * mount table changes: in a mount namespace of the test's own, the cgroup2
 * mount goes (or, where there is none, one comes) between two probes. */
static void probe_follows_mount_changes(void **state)
{
	pid_t pid;
	int st = 0;

	(void)state;
	if (geteuid() != 0)
		skip(); /* a mount namespace of its own needs root */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rt_cg_host a, b, c;
		char dir[] = "/tmp/lxr-cgprobe.XXXXXX";
		bool had_v2;

		/* root without CAP_SYS_ADMIN (in a container): skipped */
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(77);
		if (rt_cg_host_probe(&a, NULL) < 0 || rt_cg_host_probe(&b, NULL) < 0)
			_exit(3);
		/* the second from what the first kept: the same answer */
		if ((a.v2_mount == NULL) != (b.v2_mount == NULL) ||
		    (a.v2_mount && strcmp(a.v2_mount, b.v2_mount)))
			_exit(4);
		had_v2 = a.v2_mount != NULL;
		if (had_v2 ? umount2(a.v2_mount, MNT_DETACH) < 0
			   : !mkdtemp(dir) || mount("cgroup2", dir, "cgroup2", 0, NULL) < 0)
			_exit(5);
		if (rt_cg_host_probe(&c, NULL) < 0)
			_exit(6);
		/* gone (or another cgroup2 mount, where the host has two) */
		if (had_v2 ? c.v2_mount && !strcmp(c.v2_mount, a.v2_mount)
			   : !c.v2_mount || strcmp(c.v2_mount, dir))
			_exit(7);
		if (!had_v2) {
			umount2(dir, MNT_DETACH);
			rmdir(dir);
		}
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(probe_follows_mount_changes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
