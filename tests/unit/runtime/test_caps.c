/* runtime: capability names, docker's default set and docker's
 * --cap-add/--cap-drop rules, as data (no process is changed). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include <sys/prctl.h>

#include "runtime/runtime_internal.h"

#define B(c) (UINT64_C(1) << (c))

static int kernel_last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	int last = -1;

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &last), 1);
	fclose(f);
	return last;
}

static void docker_default_set(void **state)
{
	uint64_t want = B(CAP_CHOWN) | B(CAP_DAC_OVERRIDE) | B(CAP_FSETID) | B(CAP_FOWNER) |
			B(CAP_MKNOD) | B(CAP_NET_RAW) | B(CAP_SETGID) | B(CAP_SETUID) |
			B(CAP_SETFCAP) | B(CAP_SETPCAP) | B(CAP_NET_BIND_SERVICE) |
			B(CAP_SYS_CHROOT) | B(CAP_KILL) | B(CAP_AUDIT_WRITE);

	assert_int_equal(rt_caps_docker_default(), want);
	/* the CapBnd line `docker run alpine grep Cap /proc/self/status` shows */
	assert_int_equal(rt_caps_docker_default(), 0xa80425fb);
}

static void names_parse(void **state)
{
	static const char *const same[] = {"NET_ADMIN", "CAP_NET_ADMIN", "net_admin",
					   "cap_net_admin", "Cap_Net_Admin"};
	static const char *const bad[] = {"NET_ADMINX",   "12",       "cap_chown,cap_kill",
					  "CAP_CHOWN+ep", "",         "CAP_",
					  "ALLL",         "net admin"};
	uint64_t m;
	lxr_err err = {0};
	char buf[32];

	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		assert_int_equal(rt_cap_from_name(same[i], &m, &err), 0);
		assert_int_equal(m, B(CAP_NET_ADMIN));
	}
	assert_int_equal(rt_cap_from_name("all", &m, &err), 0);
	assert_int_equal(m, rt_caps_all());
	assert_int_equal(__builtin_popcountll(m), kernel_last_cap() + 1);
	assert_int_equal(rt_cap_last_cap(), kernel_last_cap());

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[64];

		m = 7;
		assert_int_equal(rt_cap_from_name(bad[i], &m, &err), -1);
		assert_int_equal(m, 7);
		snprintf(want, sizeof(want), "unknown capability \"%s\"", bad[i]);
		assert_string_equal(err.msg, want);
		assert_non_null(strstr(err.hint, "NET_ADMIN"));
	}
	assert_string_equal(rt_cap_name(CAP_NET_ADMIN, buf, sizeof(buf)), "CAP_NET_ADMIN");
	assert_string_equal(rt_cap_name(CAP_AUDIT_WRITE, buf, sizeof(buf)), "CAP_AUDIT_WRITE");
	assert_string_equal(rt_cap_name(63, buf, sizeof(buf)), "CAP_63");
}

struct adjust_case {
	const char *add[4];
	const char *drop[4];
	uint64_t add_bits, drop_bits; /* result = (default|add_bits)&~drop_bits */
	bool all_base;                /* start from every capability instead */
	bool only_add;                /* result = add_bits */
};

/* ALL in adds: what the kernel knows and this process holds (a test run
 * under a reduced bounding set must not expect more) */
static uint64_t held_all(void)
{
	uint64_t m = 0;

	for (int c = 0; c < 64; c++)
		if ((rt_caps_all() >> c & 1) &&
		    prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0) == 1)
			m |= 1ULL << c;
	return m;
}

static void adjust_follows_docker(void **state)
{
	const uint64_t NB = B(CAP_NET_BIND_SERVICE), NA = B(CAP_NET_ADMIN), NR = B(CAP_NET_RAW),
		       SA = B(CAP_SYS_ADMIN);
	const struct adjust_case cases[] = {
	    {{"NET_ADMIN"}, {NULL}, NA, 0, false, false},
	    {{NULL}, {"NET_RAW"}, 0, NR, false, false},
	    {{"NET_ADMIN", "cap_sys_admin"},
	     {"NET_RAW", "CAP_MKNOD"},
	     NA | SA,
	     NR | B(CAP_MKNOD),
	     false,
	     false},
	    /* drops leave first, then adds join: X stays */
	    {{"NET_RAW"}, {"net_raw"}, NR, 0, false, false},
	    {{"ALL"}, {NULL}, 0, 0, true, false},
	    {{"ALL"}, {"NET_RAW", "SYS_ADMIN"}, 0, NR | SA, true, false},
	    {{NULL}, {"ALL"}, 0, 0, false, true},
	    {{"NET_BIND_SERVICE"}, {"ALL"}, NB, 0, false, true},
	    {{"NET_BIND_SERVICE"}, {"all", "NET_RAW"}, NB, 0, false, true},
	    /* ALL in adds wins over ALL in drops (moby checks it first) */
	    {{"ALL"}, {"ALL"}, 0, 0, true, false},
	};
	lxr_err err = {0};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct adjust_case *c = &cases[i];
		uint64_t d = rt_caps_docker_default(), want;
		struct lxr_caps caps = {d, d, d, B(CAP_KILL), B(CAP_KILL)};

		if (c->only_add)
			want = c->add_bits;
		else
			want = ((c->all_base ? held_all() : d) | c->add_bits) & ~c->drop_bits;
		if (plan_caps_adjust(&caps, (char *const *)c->add, (char *const *)c->drop,
				     held_all(), &err) < 0)
			fail_msg("case %zu: %s", i, err.msg);
		if (caps.bounding != want)
			fail_msg("case %zu: bounding %#llx, want %#llx", i,
				 (unsigned long long)caps.bounding, (unsigned long long)want);
		assert_int_equal(caps.effective, want);
		assert_int_equal(caps.permitted, want);
		assert_int_equal(caps.inheritable, 0);
		assert_int_equal(caps.ambient, 0);
	}
}

static void adjust_without_changes_keeps_sets(void **state)
{
	struct lxr_caps caps = {1, 2, 3, 4, 5};
	const char *none[] = {NULL};
	lxr_err err = {0};

	assert_int_equal(plan_caps_adjust(&caps, NULL, NULL, held_all(), &err), 0);
	assert_int_equal(
	    plan_caps_adjust(&caps, (char *const *)none, (char *const *)none, held_all(), &err), 0);
	assert_int_equal(caps.bounding, 1);
	assert_int_equal(caps.effective, 2);
	assert_int_equal(caps.ambient, 5);
}

static void adjust_rejects_unknown_names(void **state)
{
	uint64_t d = rt_caps_docker_default();
	struct lxr_caps caps = {d, d, d, 0, 0};
	const char *add[] = {"NET_ADMIN", "BOGUS", NULL};
	const char *drop[] = {"NET_RAW", "CAP_WHATEVER", NULL};
	const char *ok[] = {"NET_RAW", NULL};
	lxr_err err = {0};

	assert_int_equal(
	    plan_caps_adjust(&caps, (char *const *)add, (char *const *)ok, held_all(), &err), -1);
	assert_string_equal(err.msg, "cap_add: unknown capability \"BOGUS\"");
	assert_int_equal(
	    plan_caps_adjust(&caps, (char *const *)ok, (char *const *)drop, held_all(), &err), -1);
	assert_string_equal(err.msg, "cap_drop: unknown capability \"CAP_WHATEVER\"");
	assert_int_equal(caps.bounding, d);
	assert_int_equal(caps.effective, d);
}

static void layout_for_user(void **state)
{
	uint64_t d = rt_caps_docker_default();
	struct lxr_caps root = {d, 0, 0, d, d}, user = {d, d, d, d, d};

	rt_caps_for_user(&root, 0);
	assert_int_equal(root.bounding, d);
	assert_int_equal(root.effective, d);
	assert_int_equal(root.permitted, d);
	assert_int_equal(root.inheritable, 0);
	assert_int_equal(root.ambient, 0);
	rt_caps_for_user(&user, 1000);
	assert_int_equal(user.bounding, d);
	assert_int_equal(user.effective, 0);
	assert_int_equal(user.permitted, 0);
	assert_int_equal(user.inheritable, 0);
	assert_int_equal(user.ambient, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(docker_default_set),
	    cmocka_unit_test(names_parse),
	    cmocka_unit_test(adjust_follows_docker),
	    cmocka_unit_test(adjust_without_changes_keeps_sets),
	    cmocka_unit_test(adjust_rejects_unknown_names),
	    cmocka_unit_test(layout_for_user),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
