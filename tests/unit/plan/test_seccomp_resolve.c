/* plan: a docker-format seccomp profile decided for one container, with
 * docker's rules for includes (all of) and excludes (any of), minKernel,
 * this machine's arch, and archMap; then security_opt into the spec. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "lxr/plan.h"
#include "lxr/runtime.h" /* plan_seccomp_free: the spec's owner frees */

#define B(c)      (UINT64_C(1) << (c))
#define SYS_ADMIN B(21)
#define PTRACE    B(19)

static const char profile_json[] =
    "{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
    " \"archMap\": [{\"architecture\": \"SCMP_ARCH_AARCH64\", \"subArchitectures\": "
    "[\"SCMP_ARCH_ARM\"]},\n"
    "             {\"architecture\": \"SCMP_ARCH_X86_64\", \"subArchitectures\": "
    "[\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]}],\n"
    " \"syscalls\": [\n"
    "  {\"names\": [\"always\"], \"action\": \"SCMP_ACT_ALLOW\"},\n"
    "  {\"names\": [\"admin_and_ptrace\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
    "   \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\", \"CAP_SYS_PTRACE\"]}},\n"
    "  {\"names\": [\"not_admin_nor_ptrace\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38,\n"
    "   \"excludes\": {\"caps\": [\"CAP_SYS_ADMIN\", \"CAP_SYS_PTRACE\"]}},\n"
    "  {\"names\": [\"since_4_8\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
    "   \"includes\": {\"minKernel\": \"4.8\"}},\n"
    "  {\"names\": [\"before_5_10\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
    "   \"excludes\": {\"minKernel\": \"5.10\"}},\n"
    "  {\"names\": [\"here\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
    "   \"includes\": {\"arches\": [\"amd64\", \"arm64\", \"s390x\", \"ppc64le\", \"riscv64\", "
    "\"arm\", \"x86\"]}},\n"
    "  {\"names\": [\"elsewhere\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
    "   \"includes\": {\"arches\": [\"mips64\"]}},\n"
    "  {\"names\": [\"not_here\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
    "   \"excludes\": {\"arches\": [\"amd64\", \"arm64\", \"s390x\", \"ppc64le\", \"riscv64\", "
    "\"arm\", \"x86\"]}},\n"
    "  {\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
    "   \"args\": [{\"index\": 0, \"value\": 40, \"op\": \"SCMP_CMP_NE\"}]}\n"
    " ]}\n";

static struct cfg_seccomp_profile *profile(void)
{
	struct cfg_seccomp_profile *p = NULL;
	lxr_err err;

	if (cfg_seccomp_profile_parse(profile_json, strlen(profile_json), "t.json", &p, &err) < 0)
		fail_msg("%s", err.msg);
	return p;
}

/* The names of the rules kept, space-separated. */
static char *kept(uint64_t caps, const char *release)
{
	struct cfg_seccomp_profile *p = profile();
	struct lxr_seccomp *s = plan_seccomp_resolve(p, caps, release);
	char *out = lxr_xstrdup("");

	for (size_t i = 0; i < s->n_syscalls; i++) {
		char *n = lxr_xasprintf("%s%s%s", out, *out ? " " : "", s->syscalls[i].names[0]);
		free(out);
		out = n;
	}
	assert_int_equal(s->default_action, LXR_SECCOMP_ERRNO);
	assert_int_equal(s->default_errno_ret, EPERM);
	plan_seccomp_free(s);
	cfg_seccomp_profile_free(p);
	return out;
}

/* word is one of the space-separated names in list */
static bool has(const char *list, const char *word)
{
	_cleanup_free_ char *l = lxr_xasprintf(" %s ", list), *w = lxr_xasprintf(" %s ", word);

	return strstr(l, w) != NULL;
}

static bool known_machine(void)
{
	return plan_seccomp_native_arch()[0] != '\0';
}

static void includes_need_every_capability(void **state)
{
	_cleanup_free_ char *none = kept(0, "6.1.0-18-amd64");
	_cleanup_free_ char *one = kept(SYS_ADMIN, "6.1.0-18-amd64");
	_cleanup_free_ char *both = kept(SYS_ADMIN | PTRACE, "6.1.0-18-amd64");

	assert_false(has(none, "admin_and_ptrace"));
	assert_false(has(one, "admin_and_ptrace"));
	assert_true(has(both, "admin_and_ptrace"));
}

static void excludes_need_any_capability(void **state)
{
	_cleanup_free_ char *none = kept(0, "6.1");
	_cleanup_free_ char *one = kept(PTRACE, "6.1");

	assert_true(has(none, "not_admin_nor_ptrace"));
	assert_false(has(one, "not_admin_nor_ptrace"));
}

static void min_kernel_compares_major_and_minor(void **state)
{
	_cleanup_free_ char *old = kept(0, "4.7.10");
	_cleanup_free_ char *edge = kept(0, "4.8.0-rc5");
	_cleanup_free_ char *mid = kept(0, "5.9.1-gentoo");
	_cleanup_free_ char *new = kept(0, "5.10");
	_cleanup_free_ char *newer = kept(0, "6.18.44-fc-v1147");
	_cleanup_free_ char *junk = kept(0, "unknown");

	assert_false(has(old, "since_4_8"));
	assert_true(has(old, "before_5_10"));
	assert_true(has(edge, "since_4_8"));
	assert_true(has(mid, "since_4_8"));
	assert_true(has(mid, "before_5_10"));
	assert_false(has(new, "before_5_10"));
	assert_true(has(newer, "since_4_8"));
	assert_false(has(newer, "before_5_10"));
	/* a release that does not read meets no minimum */
	assert_false(has(junk, "since_4_8"));
	assert_true(has(junk, "before_5_10"));
}

static void arches_are_this_machine(void **state)
{
	_cleanup_free_ char *k = kept(0, "6.1");

	if (!known_machine())
		skip();
	assert_true(has(k, "here"));
	assert_false(has(k, "elsewhere"));
	assert_false(has(k, "not_here"));
	assert_true(has(k, "always"));
	assert_true(has(k, "socket"));
}

static void arch_map_gives_this_machines_abis(void **state)
{
	struct cfg_seccomp_profile *p = profile();
	struct lxr_seccomp *s = plan_seccomp_resolve(p, 0, "6.1");

#if defined(__x86_64__) && !defined(__ILP32__)
	assert_non_null(s->architectures);
	assert_string_equal(s->architectures[0], "SCMP_ARCH_X86_64");
	assert_string_equal(s->architectures[1], "SCMP_ARCH_X86");
	assert_string_equal(s->architectures[2], "SCMP_ARCH_X32");
	assert_null(s->architectures[3]);
#elif defined(__aarch64__)
	assert_string_equal(s->architectures[0], "SCMP_ARCH_AARCH64");
	assert_string_equal(s->architectures[1], "SCMP_ARCH_ARM");
#else
	assert_null(s->architectures);
#endif
	/* args travel as written */
	assert_int_equal(s->syscalls[s->n_syscalls - 1].n_args, 1);
	assert_int_equal(s->syscalls[s->n_syscalls - 1].args[0].op, LXR_SECCOMP_NE);
	assert_int_equal(s->syscalls[s->n_syscalls - 1].args[0].value, 40);
	plan_seccomp_free(s);
	cfg_seccomp_profile_free(p);
}

static void security_opt_into_the_spec(void **state)
{
	struct cfg_security sec = {0};
	struct lxr_spec spec = {.seccomp_default = true, .no_new_privileges = true};

	/* nothing said: docker's default filter, lxr's no_new_privs */
	plan_security_apply(&sec, false, "6.1", &spec);
	assert_true(spec.seccomp_default);
	assert_null(spec.seccomp);
	assert_true(spec.no_new_privileges);
	/* unconfined: no filter at all; no-new-privileges:false turns it off */
	sec.seccomp = CFG_SECCOMP_UNCONFINED;
	sec.no_new_privileges = (struct cfg_bool){.v = false, .set = true};
	plan_security_apply(&sec, false, "6.1", &spec);
	assert_false(spec.seccomp_default);
	assert_null(spec.seccomp);
	assert_false(spec.no_new_privileges);
	/* a profile, decided for the spec's bounding set */
	sec.seccomp = CFG_SECCOMP_PROFILE;
	sec.profile = profile();
	spec.caps.bounding = SYS_ADMIN | PTRACE;
	plan_security_apply(&sec, false, "6.1", &spec);
	assert_false(spec.seccomp_default);
	assert_non_null(spec.seccomp);
	assert_string_equal(spec.seccomp->syscalls[1].names[0], "admin_and_ptrace");
	plan_seccomp_free(spec.seccomp);
	spec.seccomp = NULL;
	/* privileged: no filter whatever seccomp= says, as docker; the
	 * no-new-privileges setting still holds */
	spec.seccomp_default = true;
	sec.no_new_privileges = (struct cfg_bool){.v = true, .set = true};
	plan_security_apply(&sec, true, "6.1", &spec);
	assert_false(spec.seccomp_default);
	assert_null(spec.seccomp);
	assert_true(spec.no_new_privileges);
	/* not asked for: off, as in docker's privileged containers */
	sec.no_new_privileges = (struct cfg_bool){0};
	plan_security_apply(&sec, true, "6.1", &spec);
	assert_false(spec.no_new_privileges);
	cfg_seccomp_profile_free(sec.profile);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(includes_need_every_capability),
	    cmocka_unit_test(excludes_need_any_capability),
	    cmocka_unit_test(min_kernel_compares_major_and_minor),
	    cmocka_unit_test(arches_are_this_machine),
	    cmocka_unit_test(arch_map_gives_this_machines_abis),
	    cmocka_unit_test(security_opt_into_the_spec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
