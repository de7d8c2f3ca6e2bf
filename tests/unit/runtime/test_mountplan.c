/* The rootfs plan, read without root: what a container's filesystem will be. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/mount.h>
#include <cmocka.h>

#include "lxr/plan.h"
#include "runtime/runtime_internal.h"

static const struct rt_op *find(const struct rt_plan *p, enum rt_op_kind k, const char *target,
				size_t *index)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->ops[i].kind == k && !strcmp(p->ops[i].target, target)) {
			if (index)
				*index = i;
			return &p->ops[i];
		}
	return NULL;
}

static void default_plan_matches_oci_defaults(void **state)
{
	struct lxr_spec spec;
	struct rt_plan p;
	struct rt_etc_files etc = {
	    .hostname = "/s/hostname", .hosts = "/s/hosts", .resolv = "/s/resolv.conf"};
	const struct rt_op *op;
	size_t i_proc = 0, i_dev = 0, i_pts = 0, i_mask = 0;

	rt_spec_init_defaults(&spec);
	rt_plan_build(&spec, &etc, &p);

	op = find(&p, RT_OP_MOUNT, "/proc", &i_proc);
	assert_non_null(op);
	assert_string_equal(op->fstype, "proc");
	assert_int_equal(op->flags, MS_NOSUID | MS_NODEV | MS_NOEXEC);
	op = find(&p, RT_OP_MOUNT, "/sys", NULL);
	assert_non_null(op);
	assert_true(op->flags & MS_RDONLY);
	op = find(&p, RT_OP_MOUNT, "/dev", &i_dev);
	assert_non_null(op);
	assert_string_equal(op->fstype, "tmpfs");
	assert_false(op->flags & MS_NODEV); /* device nodes must work on /dev */
	op = find(&p, RT_OP_MOUNT, "/dev/pts", &i_pts);
	assert_non_null(op);
	assert_non_null(strstr(op->data, "newinstance"));
	assert_non_null(strstr(op->data, "ptmxmode=0666"));
	assert_true(i_dev < i_pts); /* /dev before what lives in it */
	assert_non_null(find(&p, RT_OP_MOUNT, "/dev/shm", NULL));
	assert_non_null(find(&p, RT_OP_MOUNT, "/dev/mqueue", NULL));
	assert_null(find(&p, RT_OP_MOUNT, "/sys/fs/cgroup", NULL));

	const char *devs[] = {"/dev/null",   "/dev/zero",    "/dev/full",
			      "/dev/random", "/dev/urandom", "/dev/tty"};
	for (size_t i = 0; i < 6; i++) {
		op = find(&p, RT_OP_DEVICE, devs[i], NULL);
		assert_non_null(op);
		assert_int_equal(op->mode & 0777, 0666);
	}
	op = find(&p, RT_OP_SYMLINK, "/dev/ptmx", NULL);
	assert_string_equal(op->source, "pts/ptmx");
	assert_string_equal(find(&p, RT_OP_SYMLINK, "/dev/fd", NULL)->source, "/proc/self/fd");

	op = find(&p, RT_OP_BIND, "/etc/resolv.conf", NULL);
	assert_string_equal(op->source, "/s/resolv.conf");

	assert_non_null(find(&p, RT_OP_MASK, "/proc/kcore", &i_mask));
	assert_non_null(find(&p, RT_OP_MASK, "/proc/keys", NULL));
	assert_non_null(find(&p, RT_OP_MASK, "/proc/timer_list", NULL));
	assert_non_null(find(&p, RT_OP_MASK, "/proc/sched_debug", NULL));
	assert_non_null(find(&p, RT_OP_MASK, "/sys/firmware", NULL));
	assert_true(i_proc < i_mask);
	const char *ro[] = {"/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus"};
	for (size_t i = 0; i < 4; i++)
		assert_non_null(find(&p, RT_OP_READONLY, ro[i], NULL));

	rt_plan_free(&p);
	plan_spec_free(&spec);
}

static void user_mounts_follow_the_runtime_ones(void **state)
{
	struct lxr_spec spec;
	struct rt_plan p;
	struct rt_etc_files etc = {.cgroup2 = true};
	const struct rt_op *op;
	size_t i_dev = 0, i_bind = 0, i_tmp = 0;

	rt_spec_init_defaults(&spec);
	plan_spec_add_mount(&spec, "/data", "bind", "/srv/data", MS_BIND | MS_REC | MS_RDONLY,
			    NULL);
	plan_spec_add_mount(&spec, "/dev/shm/x", "tmpfs", "tmpfs", MS_NOEXEC, "size=1m");
	rt_plan_build(&spec, &etc, &p);

	assert_non_null(find(&p, RT_OP_MOUNT, "/dev", &i_dev));
	op = find(&p, RT_OP_BIND, "/data", &i_bind);
	assert_non_null(op);
	assert_string_equal(op->source, "/srv/data");
	assert_true(op->flags & MS_RDONLY);
	op = find(&p, RT_OP_MOUNT, "/dev/shm/x", &i_tmp);
	assert_string_equal(op->data, "size=1m");
	assert_true(i_dev < i_bind && i_bind < i_tmp);
	op = find(&p, RT_OP_MOUNT, "/sys/fs/cgroup", NULL);
	assert_non_null(op);
	assert_true(op->flags & MS_RDONLY);
	/* no etc files given: none bound */
	assert_null(find(&p, RT_OP_BIND, "/etc/hosts", NULL));

	rt_plan_free(&p);
	plan_spec_free(&spec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(default_plan_matches_oci_defaults),
	    cmocka_unit_test(user_mounts_follow_the_runtime_ones),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
