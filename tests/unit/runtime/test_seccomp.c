/* runtime: the default seccomp filter. The plan is checked as data; the
 * filter itself is loaded in a forked child (no_new_privs makes that work
 * without root) which then tries the calls a container must not make. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <linux/sched.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "runtime/internal.h"

#define B(c) (UINT64_C(1) << (c))

static void plan_follows_capabilities(void **state)
{
	uint64_t d = rt_caps_docker_default(), all = rt_caps_all();

	assert_true(rt_seccomp_denies("mount", d));
	assert_false(rt_seccomp_denies("mount", d | B(CAP_SYS_ADMIN)));
	assert_true(rt_seccomp_denies("fsopen", d));
	assert_true(rt_seccomp_denies("clone3", d));
	assert_false(rt_seccomp_denies("clone3", d | B(CAP_SYS_ADMIN)));
	assert_true(rt_seccomp_denies("settimeofday", d));
	assert_false(rt_seccomp_denies("settimeofday", d | B(CAP_SYS_TIME)));
	assert_true(rt_seccomp_denies("syslog", d));
	assert_false(rt_seccomp_denies("syslog", d | B(CAP_SYSLOG)));
	assert_true(rt_seccomp_denies("open_by_handle_at", d));
	assert_false(rt_seccomp_denies("open_by_handle_at", d | B(CAP_DAC_READ_SEARCH)));
	/* never, whatever the capabilities */
	assert_true(rt_seccomp_denies("keyctl", all));
	assert_true(rt_seccomp_denies("kexec_load", all));
	assert_true(rt_seccomp_denies("pivot_root", all));
	/* allowed with docker's default set (it has SYS_CHROOT), and ptrace
	 * on kernels >= 4.8 */
	assert_false(rt_seccomp_denies("chroot", d));
	assert_true(rt_seccomp_denies("chroot", 0));
	assert_false(rt_seccomp_denies("ptrace", d));
	assert_true(rt_seccomp_denies("kcmp", d));
	assert_false(rt_seccomp_denies("getpid", 0));
	assert_false(rt_seccomp_denies("name_to_handle_at", 0));
}

static bool persona_allowed(uint32_t v)
{
	return v == 0 || v == 8 || v == 0x20000 || v == 0x20008 || v == 0xffffffff;
}

/* The 33 masked rules must deny exactly the complement of docker's five
 * allowed personas. Checked on every value with at most two bits set,
 * every value with at most two bits clear, and a spread of others. */
static void persona_rules_cover_the_complement(void **state)
{
	struct rt_masked_cmp r[40];
	size_t n = rt_seccomp_persona_denials(r, 40);
	uint32_t x = 12345;

	assert_int_equal(n, 33);
	for (int i = -1; i < 32; i++) {
		for (int j = -1; j < 32; j++) {
			uint32_t few = (i >= 0 ? 1u << i : 0) | (j >= 0 ? 1u << j : 0);
			uint32_t vals[2] = {few, ~few};

			for (int k = 0; k < 2; k++) {
				bool denied = false;

				for (size_t m = 0; m < n; m++)
					denied |= (vals[k] & r[m].mask) == r[m].value;
				if (denied == persona_allowed(vals[k]))
					fail_msg("persona %#x: denied=%d", vals[k], denied);
			}
		}
	}
	for (int s = 0; s < 100000; s++) {
		bool denied = false;

		x = x * 1664525u + 1013904223u;
		for (size_t m = 0; m < n; m++)
			denied |= (x & r[m].mask) == r[m].value;
		if (denied == persona_allowed(x))
			fail_msg("persona %#x: denied=%d", x, denied);
	}
}

enum probe {
	P_GETPID,
	P_KEYCTL,
	P_UNSHARE_USER,
	P_CLONE_NEWUSER,
	P_CLONE3,
	P_FORK,
	P_PERSONA_QUERY,
	P_PERSONA_EXEC,
	P_VSOCK,
	P_KEYCTL_X32,
	P_COUNT
};

static const char *const probe_names[P_COUNT] = {
    "getpid",
    "keyctl",
    "unshare(CLONE_NEWUSER)",
    "clone(CLONE_NEWUSER)",
    "clone3",
    "fork",
    "personality(0xffffffff)",
    "personality(READ_IMPLIES_EXEC)",
    "socket(AF_VSOCK)",
    "keyctl via the x32 ABI",
};

/* 0 when the call succeeded, else its errno. */
static int result(long r)
{
	return r < 0 ? errno : 0;
}

static int probe_clone(unsigned long flags)
{
	long pid = syscall(SYS_clone, flags | SIGCHLD, 0, NULL, NULL, 0);

	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return result(pid);
}

static void run_probes(int *out)
{
	struct clone_args ca = {.flags = 0, .exit_signal = SIGCHLD};
	long r;

	out[P_GETPID] = result(syscall(SYS_getpid));
	out[P_KEYCTL] =
	    result(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
	out[P_UNSHARE_USER] = result(unshare(CLONE_NEWUSER));
	out[P_CLONE_NEWUSER] = probe_clone(CLONE_NEWUSER);
	r = syscall(SYS_clone3, &ca, sizeof(ca));
	if (r == 0)
		_exit(0); /* the clone3 child, should the filter let it through */
	if (r > 0)
		waitpid((pid_t)r, NULL, 0);
	out[P_CLONE3] = result(r);
	out[P_FORK] = probe_clone(0);
	out[P_PERSONA_QUERY] = result(personality(0xffffffff));
	out[P_PERSONA_EXEC] = result(personality(READ_IMPLIES_EXEC));
	out[P_VSOCK] = result(socket(40 /* AF_VSOCK */, SOCK_STREAM, 0));
#ifdef __x86_64__
	/* x32 numbers are the x86-64 ones with bit 30 set; the filter must
	 * cover them even on kernels built without the x32 ABI. */
	out[P_KEYCTL_X32] = result(
	    syscall(0x40000000 | SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
#else
	out[P_KEYCTL_X32] = EPERM;
#endif
}

static void filter_denies_in_a_child(void **state)
{
	static const int want[P_COUNT] = {
	    [P_GETPID] = 0,           [P_KEYCTL] = EPERM,
	    [P_UNSHARE_USER] = EPERM, [P_CLONE_NEWUSER] = EPERM,
	    [P_CLONE3] = ENOSYS,      [P_FORK] = 0,
	    [P_PERSONA_QUERY] = 0,    [P_PERSONA_EXEC] = EPERM,
	    [P_VSOCK] = EPERM,        [P_KEYCTL_X32] = EPERM,
	};
	int got[P_COUNT], pfd[2], status;
	lxr_err err = {0};
	pid_t pid;

	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int res[P_COUNT + 1] = {0};

		close(pfd[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) < 0 ||
		    rt_seccomp_load_default(&err) < 0)
			res[P_COUNT] = 1;
		else
			run_probes(res);
		if (write(pfd[1], res, sizeof(res)) != (ssize_t)sizeof(res))
			_exit(2);
		_exit(0);
	}
	close(pfd[1]);
	{
		int res[P_COUNT + 1];

		assert_int_equal(read(pfd[0], res, sizeof(res)), (ssize_t)sizeof(res));
		assert_int_equal(res[P_COUNT], 0);
		memcpy(got, res, sizeof(got));
	}
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (int i = 0; i < P_COUNT; i++)
		if (got[i] != want[i])
			fail_msg("%s: got %s, want %s", probe_names[i],
				 got[i] ? lxr_errno_name(got[i]) : "success",
				 want[i] ? lxr_errno_name(want[i]) : "success");
}

/* Without no_new_privs and without CAP_SYS_ADMIN the kernel refuses a
 * filter; the error must say what would make it work. */
static void load_needs_nnp_or_sys_admin(void **state)
{
	int pfd[2], status;
	pid_t pid;
	lxr_err err = {0};

	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		cap_t c = cap_get_proc();
		cap_value_t sa = CAP_SYS_ADMIN;

		close(pfd[0]);
		if (!c || cap_set_flag(c, CAP_EFFECTIVE, 1, &sa, CAP_CLEAR) < 0 ||
		    cap_set_proc(c) < 0)
			_exit(3);
		cap_free(c);
		rt_seccomp_load_default(&err);
		if (write(pfd[1], &err, sizeof(err)) != (ssize_t)sizeof(err))
			_exit(2);
		_exit(0);
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &err, sizeof(err)), (ssize_t)sizeof(err));
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_string_equal(err.msg, "seccomp load (SECCOMP_SET_MODE_FILTER)");
	assert_int_equal(err.errnum, EACCES);
	assert_non_null(strstr(err.hint, "no_new_privileges"));
}

/* The compiled program is cached in the run dir; a torn cache file must
 * never be loaded as a filter: it is compiled afresh instead. */
static void cache_is_written_and_a_torn_one_ignored(void **state)
{
	char *run = *state;
	_cleanup_free_ char *dir = lxr_xasprintf("%s/seccomp", run);
	_cleanup_free_ char *cmd = NULL;
	char path[1024] = "";
	lxr_err err = {0};
	struct dirent *de;
	DIR *d;

	assert_int_equal(rt_seccomp_prepare(rt_caps_docker_default(), &err), 0);
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".bpf"))
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
	closedir(d);
	assert_true(path[0]);
	/* The program in memory is now another capability set's, so the
	 * child's load of the default set must go to the file... */
	assert_int_equal(rt_seccomp_prepare(rt_caps_docker_default() | (1ULL << 19), &err), 0);
	/* ...which is torn: 3 bytes is no whole BPF instruction */
	assert_int_equal(truncate(path, 3), 0);
	filter_denies_in_a_child(state);
}

static int make_run_dir(void **state)
{
	char tmpl[] = "/tmp/lxr-seccomp-test-XXXXXX";

	if (!mkdtemp(tmpl))
		return -1;
	*state = lxr_xstrdup(tmpl);
	return setenv("LXR_RUN_DIR", tmpl, 1);
}

static int remove_run_dir(void **state)
{
	lxr_err err;
	int r = lxr_rm_rf(*state, &err);

	free(*state);
	return r;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(plan_follows_capabilities),
	    cmocka_unit_test(persona_rules_cover_the_complement),
	    cmocka_unit_test(filter_denies_in_a_child),
	    cmocka_unit_test(load_needs_nnp_or_sys_admin),
	    cmocka_unit_test(cache_is_written_and_a_torn_one_ignored),
	};
	return cmocka_run_group_tests(tests, make_run_dir, remove_run_dir);
}
