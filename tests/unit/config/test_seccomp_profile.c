/* config: docker's seccomp profile format. A good profile reads into the
 * model field for field; every way a profile can be wrong is refused with
 * the file, the JSON element and what to write instead. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "lxr/config.h"

#define B(c) (UINT64_C(1) << (c))

static struct cfg_seccomp_profile *parse(const char *json, lxr_err *err)
{
	struct cfg_seccomp_profile *p = NULL;

	if (cfg_seccomp_profile_parse(json, strlen(json), "p.json", &p, err) < 0) {
		assert_null(p);
		return NULL;
	}
	assert_non_null(p);
	return p;
}

static void good_profile_reads_in_full(void **state)
{
	static const char json[] =
	    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1,\n"
	    " \"comment\": \"a docker-style profile\",\n"
	    " \"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\",\n"
	    "              \"subArchitectures\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]},\n"
	    "             {\"architecture\": \"SCMP_ARCH_AARCH64\", \"subArchitectures\": null}],\n"
	    " \"syscalls\": [\n"
	    "  {\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"},\n"
	    "  {\"name\": \"_llseek\", \"action\": \"SCMP_ACT_ALLOW\", \"args\": null},\n"
	    "  {\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
	    "   \"args\": [{\"index\": 0, \"value\": 2114060288, \"valueTwo\": 0,\n"
	    "             \"op\": \"SCMP_CMP_MASKED_EQ\"}],\n"
	    "   \"excludes\": {\"caps\": [\"CAP_SYS_ADMIN\"], \"arches\": [\"s390x\"]}},\n"
	    "  {\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
	    "   \"includes\": {\"minKernel\": \"4.8\", \"caps\": [\"sys_ptrace\", \"SYSLOG\"]}},\n"
	    "  {\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13},\n"
	    "  {\"names\": [\"kill\"], \"action\": \"SCMP_ACT_KILL\"},\n"
	    "  {\"names\": [\"clone3\"], \"action\": \"SCMP_ACT_ERRNO\"}\n"
	    " ]}\n";
	lxr_err err;
	struct cfg_seccomp_profile *p = parse(json, &err);

	assert_non_null(p);
	assert_string_equal(p->path, "p.json");
	assert_int_equal(p->default_action, LXR_SECCOMP_ERRNO);
	assert_int_equal(p->default_errno_ret, EPERM);
	assert_null(p->architectures);
	assert_int_equal(p->n_arch_map, 2);
	assert_string_equal(p->arch_map[0].arch, "SCMP_ARCH_X86_64");
	assert_string_equal(p->arch_map[0].sub[1], "SCMP_ARCH_X32");
	assert_null(p->arch_map[0].sub[2]);
	assert_null(p->arch_map[1].sub);
	assert_int_equal(p->n_rules, 7);
	assert_string_equal(p->rules[0].call.names[1], "write");
	assert_null(p->rules[0].call.names[2]);
	assert_string_equal(p->rules[1].call.names[0], "_llseek");
	assert_int_equal(p->rules[1].call.n_args, 0);
	assert_int_equal(p->rules[2].call.n_args, 1);
	assert_int_equal(p->rules[2].call.args[0].op, LXR_SECCOMP_MASKED_EQ);
	assert_int_equal(p->rules[2].call.args[0].value, 2114060288);
	assert_int_equal(p->rules[2].excludes.caps, B(21));
	assert_string_equal(p->rules[2].excludes.arches[0], "s390x");
	assert_int_equal(p->rules[3].includes.caps, B(19) | B(34));
	assert_int_equal(p->rules[3].includes.min_kernel[0], 4);
	assert_int_equal(p->rules[3].includes.min_kernel[1], 8);
	assert_int_equal(p->rules[4].call.action, LXR_SECCOMP_ERRNO);
	assert_int_equal(p->rules[4].call.errno_ret, 13);
	assert_int_equal(p->rules[5].call.action, LXR_SECCOMP_KILL_THREAD);
	/* OCI: ERRNO without errnoRet is EPERM */
	assert_int_equal(p->rules[6].call.errno_ret, EPERM);
	cfg_seccomp_profile_free(p);
}

static void architectures_and_no_rules(void **state)
{
	lxr_err err;
	struct cfg_seccomp_profile *p =
	    parse("{\"defaultAction\": \"SCMP_ACT_LOG\", \"architectures\": [\"SCMP_ARCH_X86_64\"],"
		  " \"flags\": []}",
		  &err);

	assert_non_null(p);
	assert_int_equal(p->default_action, LXR_SECCOMP_LOG);
	assert_string_equal(p->architectures[0], "SCMP_ARCH_X86_64");
	assert_int_equal(p->n_rules, 0);
	cfg_seccomp_profile_free(p);
}

/* Each bad profile, the message it gets (exactly), and a word its hint
 * must hold. */
static const struct {
	const char *json, *msg, *hint;
} bad[] = {
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\",}",
     "seccomp profile p.json:1:36: string or '}' expected near '}'", "JSON"},
    {"[]", "seccomp profile p.json: expected an object with defaultAction and syscalls, not a list",
     "docs/security.md"},
    {"{}", "seccomp profile p.json: no \"defaultAction\"", "seccomp=unconfined"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultAction\": \"SCMP_ACT_ALLOW\"}",
     "seccomp profile p.json:1:*", "JSON"},
    {"{\"defaultaction\": \"SCMP_ACT_ERRNO\"}",
     "seccomp profile p.json: unknown key \"defaultaction\"", "defaultAction"},
    {"{\"defaultAction\": \"SCMP_ACT_DENY\"}",
     "seccomp profile p.json: defaultAction: unknown action \"SCMP_ACT_DENY\"", "SCMP_ACT_ERRNO"},
    {"{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}",
     "seccomp profile p.json: defaultAction: SCMP_ACT_NOTIFY is not supported: it needs a seccomp "
     "agent listening on a socket, and lxr has none",
     "SCMP_ACT_ERRNO"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultErrnoRet\": 1}",
     "seccomp profile p.json: defaultErrnoRet: an errno only applies to SCMP_ACT_ERRNO and "
     "SCMP_ACT_TRACE",
     "remove"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 5000}",
     "seccomp profile p.json: defaultErrnoRet: expected a whole number from 0 to 4095, not a "
     "negative or larger one",
     "docs"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"listenerPath\": \"/run/agent.sock\"}",
     "seccomp profile p.json: listenerPath: a seccomp agent is not supported: lxr runs none",
     "remove"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"]}",
     "seccomp profile p.json: flags: filter flags are not supported", "without flags"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_X86_64\"],"
     " \"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\"}]}",
     "seccomp profile p.json: both \"architectures\" and \"archMap\" are given", "one"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"x86_64\"]}",
     "seccomp profile p.json: architectures[0]: \"x86_64\" is not an architecture name",
     "SCMP_ARCH_X86_64"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"archMap\": [{\"subArchitectures\": []}]}",
     "seccomp profile p.json: archMap[0]: no \"architecture\"", "SCMP_ARCH_X86_64"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": {}}",
     "seccomp profile p.json: syscalls: expected a list of syscall rules, not an object", "docs"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"action\": \"SCMP_ACT_ALLOW\"}]}",
     "seccomp profile p.json: syscalls[0]: no \"names\"", "mkdirat"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [], \"action\": "
     "\"SCMP_ACT_ALLOW\"}]}",
     "seccomp profile p.json: syscalls[0].names: the list is empty", "at least one"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"name\": \"read\", \"names\": "
     "[\"write\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
     "seccomp profile p.json: syscalls[0]: both \"name\" and \"names\" are given", "names"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\", \"Write\"], "
     "\"action\": \"SCMP_ACT_ALLOW\"}]}",
     "seccomp profile p.json: syscalls[0].names[1]: \"Write\" is not a syscall name", "kernel"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"]}]}",
     "seccomp profile p.json: syscalls[0]: no \"action\"", "SCMP_ACT_ERRNO"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_ALLOW\"}, {\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", "
     "\"errnoRet\": -1}]}",
     "seccomp profile p.json: syscalls[1].errnoRet: expected a whole number from 0 to 4095, not a "
     "negative or larger one",
     "docs"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_ALLOW\", \"errnoRet\": 1}]}",
     "seccomp profile p.json: syscalls[0].errnoRet: an errno only applies to SCMP_ACT_ERRNO and "
     "SCMP_ACT_TRACE",
     "remove"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_ALLOW\", \"errnoret\": 1}]}",
     "seccomp profile p.json: syscalls[0]: unknown key \"errnoret\"", "errnoRet"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 6, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
     "seccomp profile p.json: syscalls[0].args[0].index: expected a whole number from 0 to 5, not "
     "a negative or larger one",
     "docs"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1}]}]}",
     "seccomp profile p.json: syscalls[0].args[0]: op is missing", "SCMP_CMP_NE"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": \"1\", \"op\": "
     "\"SCMP_CMP_EQ\"}]}]}",
     "seccomp profile p.json: syscalls[0].args[0].value: expected a whole number from 0 to "
     "9223372036854775807, not a string",
     "docs"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQQ\"}]}]}",
     "seccomp profile p.json: syscalls[0].args[0].op: unknown comparison \"SCMP_CMP_EQQ\"",
     "SCMP_CMP_MASKED_EQ"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": [\"CAP_SYS_ADMN\"]}}]}",
     "seccomp profile p.json: syscalls[0].includes.caps[0]: unknown capability \"CAP_SYS_ADMN\"",
     "capabilities(7)"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_ALLOW\", \"excludes\": {\"arches\": [\"x86_64\"]}}]}",
     "seccomp profile p.json: syscalls[0].excludes.arches[0]: \"x86_64\" is not an architecture "
     "docker knows",
     "amd64"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_ALLOW\", \"includes\": {\"minKernel\": \"4\"}}]}",
     "seccomp profile p.json: syscalls[0].includes.minKernel: \"4\" is not a kernel version",
     "MAJOR.MINOR"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_ALLOW\", \"includes\": {\"minKernel\": \"0.0\"}}]}",
     "seccomp profile p.json: syscalls[0].includes.minKernel: \"0.0\" is not a kernel version",
     "MAJOR.MINOR"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_ALLOW\", \"includes\": {\"kernel\": \"5.10\"}}]}",
     "seccomp profile p.json: syscalls[0].includes: unknown key \"kernel\"", "docs"},
};

static bool msg_matches(const char *want, const char *got)
{
	size_t n = strlen(want);

	/* a trailing '*' leaves the rest to jansson's wording */
	if (n && want[n - 1] == '*')
		return !strncmp(want, got, n - 1);
	return !strcmp(want, got);
}

static void bad_profiles_say_where_and_what(void **state)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		lxr_err err = {0};
		struct cfg_seccomp_profile *p = parse(bad[i].json, &err);

		if (p)
			fail_msg("accepted: %s", bad[i].json);
		if (!msg_matches(bad[i].msg, err.msg))
			fail_msg("%s\n got: %s\nwant: %s", bad[i].json, err.msg, bad[i].msg);
		if (!strstr(err.hint, bad[i].hint))
			fail_msg("%s\nhint \"%s\" lacks \"%s\"", bad[i].json, err.hint,
				 bad[i].hint);
	}
}

static void missing_file_names_it(void **state)
{
	struct cfg_seccomp_profile *p = (void *)1;
	lxr_err err;

	assert_int_equal(cfg_seccomp_profile_load("/nonexistent/profile.json", &p, &err), -1);
	assert_null(p);
	assert_string_equal(err.msg, "seccomp profile /nonexistent/profile.json");
	assert_int_equal(err.errnum, ENOENT);
	assert_non_null(strstr(err.hint, "seccomp=unconfined"));
}

static void cap_numbers_follow_the_kernel(void **state)
{
	assert_int_equal(cfg_cap_number("CAP_CHOWN"), 0);
	assert_int_equal(cfg_cap_number("sys_admin"), 21);
	assert_int_equal(cfg_cap_number("cap_sys_admin"), 21);
	assert_int_equal(cfg_cap_number("CAP_SYSLOG"), 34);
	assert_int_equal(cfg_cap_number("CAP_BPF"), 39);
	assert_int_equal(cfg_cap_number("CAP_CHECKPOINT_RESTORE"), 40);
	assert_int_equal(cfg_cap_number("CAP_NOPE"), -1);
	assert_int_equal(cfg_cap_number("ALL"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(good_profile_reads_in_full),
	    cmocka_unit_test(architectures_and_no_rules),
	    cmocka_unit_test(bad_profiles_say_where_and_what),
	    cmocka_unit_test(missing_file_names_it),
	    cmocka_unit_test(cap_numbers_follow_the_kernel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
