/* runtime: seccomp. docker's default profile is checked as data (what it
 * decides for a call, per capability set); the compiled filter, default
 * and custom, is loaded in a forked child (no_new_privs makes that work
 * without root) which then tries the calls a container must not make. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <linux/sched.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "runtime/runtime_internal.h"

#define B(c) (UINT64_C(1) << (c))

/* What docker's default profile decided for caps does with name(args):
 * 0 allowed, else the errno it fails with. */
static int verdict(uint64_t caps, const char *name, uint64_t a0, uint64_t a1)
{
	struct lxr_seccomp *p = rt_seccomp_default(caps);
	const uint64_t args[6] = {a0, a1, 0, 0, 0, 0};
	unsigned e = 0;
	enum lxr_seccomp_action a = plan_seccomp_decide(p, name, args, &e);

	plan_seccomp_free(p);
	if (a == LXR_SECCOMP_ALLOW)
		return 0;
	assert_int_equal(a, LXR_SECCOMP_ERRNO);
	return (int)e;
}

static bool kernel_at_least(unsigned maj, unsigned min)
{
	struct utsname u;
	unsigned a = 0, b = 0;

	assert_int_equal(uname(&u), 0);
	assert_int_equal(sscanf(u.release, "%u.%u", &a, &b), 2);
	return a > maj || (a == maj && b >= min);
}

static void default_is_an_allow_list(void **state)
{
	/* the everyday calls, for a container with no capability at all */
	assert_int_equal(verdict(0, "read", 0, 0), 0);
	assert_int_equal(verdict(0, "write", 0, 0), 0);
	assert_int_equal(verdict(0, "openat", 0, 0), 0);
	assert_int_equal(verdict(0, "execve", 0, 0), 0);
	/* everything not on the list: EPERM, whatever the capabilities */
	assert_int_equal(verdict(0, "keyctl", 0, 0), EPERM);
	assert_int_equal(verdict(rt_caps_all(), "keyctl", 0, 0), EPERM);
	assert_int_equal(verdict(rt_caps_all(), "kexec_load", 0, 0), EPERM);
	assert_int_equal(verdict(rt_caps_all(), "pivot_root", 0, 0), EPERM);
	assert_int_equal(verdict(rt_caps_all(), "userfaultfd", 0, 0), EPERM);
	assert_int_equal(verdict(rt_caps_all(), "io_uring_setup", 0, 0), EPERM);
	assert_int_equal(verdict(0, "no_such_call_ever", 0, 0), EPERM);
	/* since 4.8 seccomp sees the call a tracer rewrote, so docker lets
	 * every container trace its own processes */
	assert_int_equal(verdict(0, "ptrace", 0, 0), kernel_at_least(4, 8) ? 0 : EPERM);
	assert_int_equal(verdict(0, "kcmp", 0, 0), EPERM);
	assert_int_equal(verdict(B(CAP_SYS_PTRACE), "kcmp", 0, 0), 0);
}

static void default_gates_on_capabilities(void **state)
{
	uint64_t d = rt_caps_docker_default();

	assert_int_equal(verdict(0, "mount", 0, 0), EPERM);
	assert_int_equal(verdict(d, "mount", 0, 0), EPERM);
	assert_int_equal(verdict(B(CAP_SYS_ADMIN), "mount", 0, 0), 0);
	assert_int_equal(verdict(B(CAP_SYS_ADMIN), "unshare", 0, 0), 0);
	assert_int_equal(verdict(d, "fsopen", 0, 0), EPERM);
	assert_int_equal(verdict(d, "settimeofday", 0, 0), EPERM);
	assert_int_equal(verdict(B(CAP_SYS_TIME), "clock_settime", 0, 0), 0);
	/* syslog: SYS_ADMIN or SYSLOG; bpf: SYS_ADMIN or BPF */
	assert_int_equal(verdict(d, "syslog", 0, 0), EPERM);
	assert_int_equal(verdict(B(CAP_SYSLOG), "syslog", 0, 0), 0);
	assert_int_equal(verdict(B(CAP_SYS_ADMIN), "syslog", 0, 0), 0);
	assert_int_equal(verdict(B(CAP_BPF), "bpf", 0, 0), 0);
	assert_int_equal(verdict(B(CAP_PERFMON), "perf_event_open", 0, 0), 0);
	assert_int_equal(verdict(d, "open_by_handle_at", 0, 0), EPERM);
	assert_int_equal(verdict(B(CAP_DAC_READ_SEARCH), "open_by_handle_at", 0, 0), 0);
	assert_int_equal(verdict(d, "chroot", 0, 0), 0); /* docker's set has SYS_CHROOT */
	assert_int_equal(verdict(0, "chroot", 0, 0), EPERM);
	assert_int_equal(verdict(B(CAP_SYS_MODULE), "finit_module", 0, 0), 0);
	assert_int_equal(verdict(B(CAP_SYS_BOOT), "reboot", 0, 0), 0);
	assert_int_equal(verdict(B(CAP_SYS_NICE), "mbind", 0, 0), 0);
	assert_int_equal(verdict(d, "mbind", 0, 0), EPERM);
	assert_int_equal(verdict(B(CAP_SYS_RAWIO), "iopl", 0, 0), 0);
	assert_int_equal(verdict(B(CAP_SYS_TTY_CONFIG), "vhangup", 0, 0), 0);
	assert_int_equal(verdict(B(CAP_SYS_PACCT), "acct", 0, 0), 0);
}

/* The program is kept by the capabilities the table names only: every
 * other one must decide nothing, alone or added to docker's set. */
static void default_depends_on_named_caps_only(void **state)
{
	const uint64_t named = rt_seccomp_default_caps(), d = rt_caps_docker_default();
	const uint64_t sets[] = {0, d, named, ~UINT64_C(0), d | B(CAP_SYS_ADMIN)};

	(void)state;
	assert_true(named & B(CAP_SYS_ADMIN));
	assert_true(named & B(CAP_SYS_PTRACE));
	assert_true(named & B(CAP_DAC_READ_SEARCH));
	assert_false(named & B(CAP_NET_ADMIN));
	assert_false(named & B(CAP_CHOWN));
	for (size_t k = 0; k < sizeof(sets) / sizeof(sets[0]); k++) {
		for (int c = -1; c <= CAP_LAST_CAP; c++) {
			uint64_t caps = c < 0 ? sets[k] : sets[k] ^ B(c);
			struct lxr_seccomp *a = rt_seccomp_default(caps);
			struct lxr_seccomp *b = rt_seccomp_default(caps & named);
			char *ta = plan_seccomp_text(a), *tb = plan_seccomp_text(b);

			assert_string_equal(ta, tb);
			free(ta);
			free(tb);
			plan_seccomp_free(a);
			plan_seccomp_free(b);
		}
	}
}

static void default_filters_arguments(void **state)
{
	uint64_t d = rt_caps_docker_default();
	const unsigned long thread =
	    CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
#if defined(__s390x__) || defined(__s390__)
#define CLONE_VERDICT(caps, flags) verdict((caps), "clone", 0, (flags))
#else
#define CLONE_VERDICT(caps, flags) verdict((caps), "clone", (flags), 0)
#endif

	assert_int_equal(CLONE_VERDICT(d, thread), 0);
	assert_int_equal(CLONE_VERDICT(d, SIGCHLD), 0);
	assert_int_equal(CLONE_VERDICT(d, CLONE_NEWUSER | SIGCHLD), EPERM);
	assert_int_equal(CLONE_VERDICT(d, CLONE_NEWNET), EPERM);
	assert_int_equal(CLONE_VERDICT(B(CAP_SYS_ADMIN), CLONE_NEWUSER), 0);
	/* clone3's flags are out of seccomp's sight: ENOSYS, libc falls back */
	assert_int_equal(verdict(d, "clone3", 0, 0), ENOSYS);
	assert_int_equal(verdict(B(CAP_SYS_ADMIN), "clone3", 0, 0), 0);
	/* every address family but AF_ALG (38) and AF_VSOCK (40) */
	assert_int_equal(verdict(0, "socket", 2 /* AF_INET */, 0), 0);
	assert_int_equal(verdict(0, "socket", 1 /* AF_UNIX */, 0), 0);
	assert_int_equal(verdict(0, "socket", 38, 0), EPERM);
	assert_int_equal(verdict(0, "socket", 39, 0), 0);
	assert_int_equal(verdict(0, "socket", 40, 0), EPERM);
	assert_int_equal(verdict(0, "socket", 41, 0), 0);
	/* personality: the harmless personas and the query, nothing else */
	assert_int_equal(verdict(0, "personality", 0xffffffff, 0), 0);
	assert_int_equal(verdict(0, "personality", 0, 0), 0);
	assert_int_equal(verdict(0, "personality", PER_LINUX32, 0), 0);
	assert_int_equal(verdict(0, "personality", UNAME26 | PER_LINUX32, 0), 0);
	assert_int_equal(verdict(0, "personality", ADDR_NO_RANDOMIZE, 0), EPERM);
	assert_int_equal(verdict(0, "personality", READ_IMPLIES_EXEC, 0), EPERM);
	assert_int_equal(verdict(rt_caps_all(), "personality", ADDR_NO_RANDOMIZE, 0), EPERM);
}

/* docker's archMap: the other ABIs of this machine are filtered too */
static void default_covers_the_other_abis(void **state)
{
	struct lxr_seccomp *p = rt_seccomp_default(0);
	_cleanup_free_ char *arches = NULL;
	size_t n = 0;

	for (size_t i = 0; p->architectures && p->architectures[i]; i++)
		n += strlen(p->architectures[i]) + 1;
	arches = lxr_xcalloc(1, n + 1);
	for (size_t i = 0; p->architectures && p->architectures[i]; i++)
		strcat(strcat(arches, p->architectures[i]), " ");
#if defined(__x86_64__) && !defined(__ILP32__)
	assert_string_equal(arches, "SCMP_ARCH_X86_64 SCMP_ARCH_X86 SCMP_ARCH_X32 ");
	assert_int_equal(verdict(0, "arch_prctl", 0, 0), 0);
	assert_int_equal(verdict(0, "modify_ldt", 0, 0), 0);
	assert_int_equal(verdict(0, "set_tls", 0, 0), EPERM); /* arm's */
#elif defined(__aarch64__)
	assert_string_equal(arches, "SCMP_ARCH_AARCH64 SCMP_ARCH_ARM ");
	assert_int_equal(verdict(0, "set_tls", 0, 0), 0);
#endif
	plan_seccomp_free(p);
}

/* The text form carries a profile through the state file to `lxr exec`:
 * it must read back as the same profile, and a damaged one not at all. */
static void text_form_round_trips(void **state)
{
	struct lxr_seccomp *p = rt_seccomp_default(B(CAP_SYS_ADMIN)), *back = NULL;
	_cleanup_free_ char *t1 = plan_seccomp_text(p), *t2 = NULL;
	lxr_err err;

	assert_null(strchr(t1, '\n'));
	assert_int_equal(plan_seccomp_from_text(t1, &back, &err), 0);
	t2 = plan_seccomp_text(back);
	assert_string_equal(t1, t2);
	assert_int_equal(back->n_syscalls, p->n_syscalls);
	plan_seccomp_free(back);
	plan_seccomp_free(p);
	assert_int_equal(
	    plan_seccomp_from_text("v1 default=allow:0 rule=nope:1:mkdir", &back, &err), -1);
	assert_null(back);
	assert_non_null(strstr(err.msg, "rule=nope"));
	assert_int_equal(plan_seccomp_from_text("v1 default=errno:1 arg=0:eq:0x1:0x0", &back, &err),
			 -1);
	assert_int_equal(plan_seccomp_from_text("v2 default=errno:1", &back, &err), -1);
	assert_int_equal(plan_seccomp_from_text("", &back, &err), -1);
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
	P_PERSONA_NO_ASLR,
	P_VSOCK,
	P_ALG,
	P_INET,
	P_KEYCTL_X32,
	P_UNKNOWN_NR,
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
    "personality(ADDR_NO_RANDOMIZE)",
    "socket(AF_VSOCK)",
    "socket(AF_ALG)",
    "socket(AF_INET)",
    "keyctl via the x32 ABI",
    "syscall 1000 (newer than any libseccomp knows)",
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

static void run_probes(int *out, bool x32)
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
	out[P_PERSONA_NO_ASLR] = result(personality(ADDR_NO_RANDOMIZE));
	out[P_VSOCK] = result(socket(40 /* AF_VSOCK */, SOCK_STREAM, 0));
	out[P_ALG] = result(socket(38 /* AF_ALG */, SOCK_SEQPACKET, 0));
	r = socket(AF_INET, SOCK_DGRAM, 0);
	out[P_INET] = result(r);
	if (r >= 0)
		close((int)r);
	/* unknown to the kernel too: ENOSYS only if the stub answers before
	 * the filter's default (EPERM) does */
	out[P_UNKNOWN_NR] = result(syscall(1000));
#ifdef __x86_64__
	if (!x32) {
		/* a filter without the x32 ABI kills such a call */
		out[P_KEYCTL_X32] = -1;
		return;
	}
	/* x32 numbers are the x86-64 ones with bit 30 set; the filter must
	 * cover them even on kernels built without the x32 ABI. */
	out[P_KEYCTL_X32] = result(
	    syscall(0x40000000 | SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
#else
	out[P_KEYCTL_X32] = EPERM;
#endif
}

/* Fork, load the filter spec asks for (no_new_privs makes that work
 * without root), run the probes, report. */
static void probe_in_a_child(const struct lxr_spec *spec, bool x32, int *got)
{
	int pfd[2], status;
	lxr_err err = {0};
	pid_t pid;

	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int res[P_COUNT + 1] = {0};

		close(pfd[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) < 0 ||
		    rt_seccomp_load(spec, &err) < 0)
			res[P_COUNT] = 1;
		else
			run_probes(res, x32);
		if (write(pfd[1], res, sizeof(res)) != (ssize_t)sizeof(res))
			_exit(2);
		_exit(0);
	}
	close(pfd[1]);
	{
		int res[P_COUNT + 1];

		assert_int_equal(read(pfd[0], res, sizeof(res)), (ssize_t)sizeof(res));
		assert_int_equal(res[P_COUNT], 0);
		memcpy(got, res, sizeof(int) * P_COUNT);
	}
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void expect_probes(const int *want, const int *got)
{
	for (int i = 0; i < P_COUNT; i++)
		if (got[i] != want[i])
			fail_msg("%s: got %s, want %s", probe_names[i],
				 got[i] ? lxr_errno_name(got[i]) : "success",
				 want[i] ? lxr_errno_name(want[i]) : "success");
}

static void filter_denies_in_a_child(void **state)
{
	static const int want[P_COUNT] = {
	    [P_GETPID] = 0,
	    [P_KEYCTL] = EPERM,
	    [P_UNSHARE_USER] = EPERM,
	    [P_CLONE_NEWUSER] = EPERM,
	    [P_CLONE3] = ENOSYS,
	    [P_FORK] = 0,
	    [P_PERSONA_QUERY] = 0,
	    [P_PERSONA_EXEC] = EPERM,
	    [P_PERSONA_NO_ASLR] = EPERM,
	    [P_VSOCK] = EPERM,
	    [P_ALG] = EPERM,
	    [P_INET] = 0,
	    [P_KEYCTL_X32] = EPERM,
	    [P_UNKNOWN_NR] = ENOSYS,
	};
	struct lxr_spec spec = {.seccomp_default = true};
	int got[P_COUNT];

	spec.caps.bounding = rt_caps_docker_default();
	probe_in_a_child(&spec, true, got);
	expect_probes(want, got);
}

/* A profile of the spec's own replaces the default: here allow-by-default
 * with keyctl refused by an errno of its choosing, personality refused for
 * one argument value and socket for either of two. Without the default's allow-list, what it does
 * not name runs (and an unknown number gets the kernel's own ENOSYS). */
static void custom_profile_in_a_child(void **state)
{
	static const int want[P_COUNT] = {
	    [P_GETPID] = 0,
	    [P_KEYCTL] = EACCES,
	    [P_UNSHARE_USER] = -1,
	    [P_CLONE_NEWUSER] = -1,
	    [P_CLONE3] = 0,
	    [P_FORK] = 0,
	    [P_PERSONA_QUERY] = 0,
	    [P_PERSONA_EXEC] = 0,
	    [P_PERSONA_NO_ASLR] = EXDEV,
	    [P_VSOCK] = EADDRNOTAVAIL,
	    [P_ALG] = EADDRNOTAVAIL,
	    [P_INET] = 0,
	    [P_KEYCTL_X32] = -1,
	    [P_UNKNOWN_NR] = ENOSYS,
	};
	struct lxr_seccomp_arg no_aslr = {
	    .index = 0, .op = LXR_SECCOMP_EQ, .value = ADDR_NO_RANDOMIZE};
	/* one index twice: either value matches (runc's reading) */
	struct lxr_seccomp_arg alg_or_vsock[2] = {{.index = 0, .op = LXR_SECCOMP_EQ, .value = 38},
						  {.index = 0, .op = LXR_SECCOMP_EQ, .value = 40}};
	char *keyctl[] = {"keyctl", NULL}, *persona[] = {"personality", NULL};
	char *sock[] = {"socket", NULL};
	struct lxr_seccomp_syscall calls[3] = {
	    {.names = keyctl, .action = LXR_SECCOMP_ERRNO, .errno_ret = EACCES},
	    {.names = persona,
	     .action = LXR_SECCOMP_ERRNO,
	     .errno_ret = EXDEV,
	     .args = &no_aslr,
	     .n_args = 1},
	    {.names = sock,
	     .action = LXR_SECCOMP_ERRNO,
	     .errno_ret = EADDRNOTAVAIL,
	     .args = alg_or_vsock,
	     .n_args = 2},
	};
	struct lxr_seccomp profile = {
	    .default_action = LXR_SECCOMP_ALLOW, .syscalls = calls, .n_syscalls = 3};
	struct lxr_spec spec = {.seccomp = &profile, .seccomp_default = true};
	int got[P_COUNT];

	probe_in_a_child(&spec, false, got);
	/* what the host allows without a filter (a user namespace, say, may
	 * be refused by the host itself): not this test's business */
	for (int i = 0; i < P_COUNT; i++)
		if (want[i] < 0)
			got[i] = -1;
	expect_probes(want, got);
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
	_cleanup_free_ char *dir = lxr_xasprintf("%s/.seccomp", run);
	_cleanup_free_ char *cmd = NULL;
	char path[1024] = "";
	lxr_err err = {0};
	struct dirent *de;
	DIR *d;

	struct lxr_spec spec = {.seccomp_default = true};

	spec.caps.bounding = rt_caps_docker_default();
	assert_int_equal(rt_seccomp_prepare(&spec, &err), 0);
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".bpf"))
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
	closedir(d);
	assert_true(path[0]);
	/* The program in memory is now another capability set's, so the
	 * child's load of the default set must go to the file... */
	spec.caps.bounding |= 1ULL << 19;
	assert_int_equal(rt_seccomp_prepare(&spec, &err), 0);
	/* ...which is torn: 3 bytes is no whole BPF instruction */
	assert_int_equal(truncate(path, 3), 0);
	filter_denies_in_a_child(state);
}

static bool cached(const char *dir, const char *name)
{
	_cleanup_free_ char *p = lxr_xasprintf("%s/%s", dir, name);

	return access(p, F_OK) == 0;
}

static void put(const char *dir, const char *name, time_t mtime)
{
	_cleanup_free_ char *p = lxr_xasprintf("%s/%s", dir, name);
	struct timespec t[2] = {{.tv_sec = mtime}, {.tv_sec = mtime}};
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "12345678", 8), 8);
	close(fd);
	assert_int_equal(utimensat(AT_FDCWD, p, t, 0), 0);
}

/* Writing a program prunes the cache: another kernel's entries, and this
 * binary's file in another version, go; other lxr binaries' stay (two
 * builds used in turn would otherwise each compile at every start), the
 * oldest going past 16. */
static void cache_keeps_other_binaries_but_not_stale_ones(void **state)
{
	char *run = *state;
	_cleanup_free_ char *dir = lxr_xasprintf("%s/.seccomp", run);
	_cleanup_free_ char *kernel = NULL, *self = NULL, *self_old = NULL, *other = NULL;
	lxr_err err = {0};
	struct utsname u;
	struct stat st;
	int left = 0;
	struct dirent *de;
	DIR *d;

	assert_int_equal(uname(&u), 0);
	assert_int_equal(stat("/proc/self/exe", &st), 0);
	/* what the tests before left */
	assert_int_equal(lxr_rm_rf(dir, &err), 0);
	assert_int_equal(lxr_mkdir_p(dir, 0700, &err), 0);
	/* this binary, another capability set: kept */
	self = lxr_xasprintf("0000000000000001-%s-%llx-%llx-%llx-%llx.bpf", u.release,
			     (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
			     (unsigned long long)st.st_size, (unsigned long long)st.st_mtim.tv_sec);
	/* this binary's file, an older version of it: dropped */
	self_old = lxr_xasprintf("0000000000000001-%s-%llx-%llx-%llx-%llx.bpf", u.release,
				 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
				 (unsigned long long)st.st_size + 1, 1ULL);
	/* another kernel: dropped */
	kernel = lxr_xasprintf("0000000000000001-0.0.1-not-%s-1-2-3-4.bpf", u.release);
	put(dir, self, 2000000000);
	put(dir, self_old, 2000000000);
	put(dir, kernel, 2000000000);
	/* twenty other binaries, the first five the oldest */
	for (int i = 0; i < 20; i++) {
		free(other);
		other = lxr_xasprintf("0000000000000001-%s-1-%x-2-3.bpf", u.release, i + 1);
		put(dir, other, 1000000000 + i);
	}
	struct lxr_spec spec = {.seccomp_default = true};
	spec.caps.bounding = rt_caps_docker_default() | (1ULL << 21);
	assert_int_equal(rt_seccomp_prepare(&spec, &err), 0);

	assert_true(cached(dir, self));
	assert_false(cached(dir, self_old));
	assert_false(cached(dir, kernel));
	free(other);
	other = lxr_xasprintf("0000000000000001-%s-1-%x-2-3.bpf", u.release, 6);
	assert_false(cached(dir, other));
	free(other);
	other = lxr_xasprintf("0000000000000001-%s-1-%x-2-3.bpf", u.release, 7);
	assert_true(cached(dir, other));
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)))
		left += lxr_str_has_suffix(de->d_name, ".bpf");
	closedir(d);
	/* 15 kept (this binary's other entry among them) + the one written */
	assert_int_equal(left, 16);
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
	    cmocka_unit_test(default_is_an_allow_list),
	    cmocka_unit_test(default_gates_on_capabilities),
	    cmocka_unit_test(default_depends_on_named_caps_only),
	    cmocka_unit_test(default_filters_arguments),
	    cmocka_unit_test(default_covers_the_other_abis),
	    cmocka_unit_test(text_form_round_trips),
	    cmocka_unit_test(filter_denies_in_a_child),
	    cmocka_unit_test(custom_profile_in_a_child),
	    cmocka_unit_test(load_needs_nnp_or_sys_admin),
	    cmocka_unit_test(cache_is_written_and_a_torn_one_ignored),
	    cmocka_unit_test(cache_keeps_other_binaries_but_not_stale_ones),
	};
	return cmocka_run_group_tests(tests, make_run_dir, remove_run_dir);
}
