/* docker's default seccomp profile (moby profiles/seccomp), lxr's own
 * table of it: an ALLOW-list, everything else fails with EPERM. A syscall
 * the kernel gained after this table was written is refused, as in docker
 * (with ENOSYS rather than EPERM, so libc falls back: seccomp_bpf.c).
 *
 * The table says what docker's says, rule for rule — which calls need
 * which capability, kernel or machine — but is grouped by what the calls
 * do, so a reader can see why each is safe in a container. It is written in
 * the same conditional form as a user's JSON profile and decided for a
 * bounding set by the same code (plan_seccomp_resolve), so "needs
 * CAP_SYS_ADMIN" means the same thing in both. Calls this libseccomp does
 * not know are skipped when the filter is compiled; they stay refused. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/utsname.h>

#include "lxr/plan.h"
#include "runtime/runtime_internal.h"

#define C(cap) (UINT64_C(1) << (cap))
/* Capability numbers (linux/capability.h) spelled out here so the table
 * needs no kernel header that may lag behind the running kernel. */
#define DAC_READ_SEARCH C(2)
#define SYS_MODULE      C(16)
#define SYS_RAWIO       C(17)
#define SYS_CHROOT      C(18)
#define SYS_PTRACE      C(19)
#define SYS_PACCT       C(20)
#define SYS_ADMIN       C(21)
#define SYS_BOOT        C(22)
#define SYS_NICE        C(23)
#define SYS_TIME        C(25)
#define SYS_TTY_CONFIG  C(26)
#define SYSLOG          C(34)
#define PERFMON         C(38)
#define BPF             C(39)

/* The lists are packed by hand, a family of calls together. */
/* clang-format off */
/* ---- allowed to every container ------------------------------------------ */

/* Files, directories and the filesystem tree as the container sees it:
 * every check here is the kernel's own permission check inside the
 * container's mount namespace. Landlock only ever takes rights away. */
static const char *const files[] = {
	"access", "faccessat", "faccessat2", "chdir", "fchdir", "getcwd", "chmod", "fchmod",
	"fchmodat", "fchmodat2", "chown", "chown32", "fchown", "fchown32", "fchownat", "lchown",
	"lchown32", "creat", "open", "openat", "openat2", "close", "close_range", "link", "linkat",
	"symlink", "symlinkat", "unlink", "unlinkat", "rename", "renameat", "renameat2", "mkdir",
	"mkdirat", "rmdir", "mknod", "mknodat", "readlink", "readlinkat", "stat", "stat64",
	"lstat", "lstat64", "fstat", "fstat64", "fstatat64", "newfstatat", "statx", "statfs",
	"statfs64", "fstatfs", "fstatfs64", "truncate", "truncate64", "ftruncate", "ftruncate64",
	"getdents", "getdents64", "umask", "utime", "utimes", "utimensat", "utimensat_time64",
	"futimesat", "name_to_handle_at", "flock", "fallocate", "fadvise64", "fadvise64_64",
	"readahead", "sync", "syncfs", "fsync", "fdatasync", "sync_file_range", "inotify_init",
	"inotify_init1", "inotify_add_watch", "inotify_rm_watch", "fanotify_mark",
	"landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self", "listmount",
	"statmount", NULL
};

/* Extended attributes: the filesystem checks them like file data. */
static const char *const xattrs[] = {
	"getxattr", "lgetxattr", "fgetxattr", "getxattrat", "setxattr", "lsetxattr", "fsetxattr",
	"setxattrat", "listxattr", "llistxattr", "flistxattr", "listxattrat", "removexattr",
	"lremovexattr", "fremovexattr", "removexattrat", NULL
};

/* Reading and writing what a process already holds open. */
static const char *const descriptors[] = {
	"read", "readv", "pread64", "preadv", "preadv2", "write", "writev", "pwrite64", "pwritev",
	"pwritev2", "lseek", "_llseek", "dup", "dup2", "dup3", "fcntl", "fcntl64", "ioctl", "pipe",
	"pipe2", "splice", "tee", "vmsplice", "sendfile", "sendfile64", "copy_file_range",
	"eventfd", "eventfd2", "memfd_create", "memfd_secret", "cachestat", NULL
};

/* Waiting for descriptors. */
static const char *const waiting[] = {
	"poll", "ppoll", "ppoll_time64", "select", "_newselect", "pselect6", "pselect6_time64",
	"epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_wait",
	"epoll_wait_old", "epoll_pwait", "epoll_pwait2", NULL
};

/* Asynchronous I/O, the old io_* interface. (io_uring is not here: its
 * operations run without passing through seccomp at all, which is why
 * docker 25 and containerd refuse it too.) */
static const char *const aio[] = {
	"io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents", "io_pgetevents",
	"io_pgetevents_time64", "ioprio_get", "ioprio_set", NULL
};

/* The process's own memory. (mbind and the mempolicy calls place memory
 * on NUMA nodes shared with the host: they need SYS_NICE, below.) */
static const char *const memory[] = {
	"brk", "mmap", "mmap2", "munmap", "mremap", "mprotect", "madvise", "mincore", "msync",
	"mlock", "mlock2", "mlockall", "munlock", "munlockall", "remap_file_pages", "membarrier",
	"pkey_alloc", "pkey_free", "pkey_mprotect", "map_shadow_stack", "mseal", NULL
};

/* Processes and threads within the container's PID namespace. clone is
 * not here: it is allowed below only without namespace flags. */
static const char *const processes[] = {
	"fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4", "waitid", "waitpid",
	"getpid", "getppid", "gettid", "getpgid", "setpgid", "getpgrp", "getsid", "setsid",
	"set_tid_address", "set_robust_list", "get_robust_list", "rseq", "futex", "futex_time64",
	"futex_waitv", "futex_wait", "futex_wake", "futex_requeue", "restart_syscall", "prctl",
	"prlimit64", "getrlimit", "setrlimit", "ugetrlimit", "getrusage", "getpriority",
	"setpriority", "get_thread_area", "set_thread_area", "capget", "capset", "pidfd_open",
	"pidfd_send_signal", "process_mrelease", "seccomp", "uretprobe", NULL
};

/* Signals: the kernel only lets them reach processes the sender could
 * signal anyway, and the PID namespace hides every other one. */
static const char *const signals[] = {
	"kill", "tkill", "tgkill", "rt_sigaction", "rt_sigpending", "rt_sigprocmask",
	"rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
	"rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sigaltstack", "signalfd", "signalfd4",
	"sigprocmask", "sigreturn", "pause", "alarm", NULL
};

/* Users, groups and capabilities: setuid & co. are checked against the
 * capabilities the container holds. */
static const char *const identity[] = {
	"getuid", "getuid32", "geteuid", "geteuid32", "getgid", "getgid32", "getegid", "getegid32",
	"getresuid", "getresuid32", "getresgid", "getresgid32", "getgroups", "getgroups32",
	"setuid", "setuid32", "setgid", "setgid32", "setreuid", "setreuid32", "setregid",
	"setregid32", "setresuid", "setresuid32", "setresgid", "setresgid32", "setfsuid",
	"setfsuid32", "setfsgid", "setfsgid32", "setgroups", "setgroups32", NULL
};

/* Reading clocks and timers of its own. Setting the clock is another
 * matter (SYS_TIME, below); adjtimex only reads it without that. */
static const char *const time_calls[] = {
	"time", "gettimeofday", "clock_gettime", "clock_gettime64", "clock_getres",
	"clock_getres_time64", "clock_nanosleep", "clock_nanosleep_time64", "nanosleep",
	"adjtimex", "clock_adjtime", "clock_adjtime64", "getitimer", "setitimer", "timer_create",
	"timer_delete", "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime",
	"timer_settime64", "timerfd_create", "timerfd_gettime", "timerfd_gettime64",
	"timerfd_settime", "timerfd_settime64", "times", NULL
};

/* CPU scheduling of its own threads (raising priority is checked against
 * SYS_NICE by the kernel). */
static const char *const scheduling[] = {
	"sched_getaffinity", "sched_setaffinity", "sched_getattr", "sched_setattr",
	"sched_getparam", "sched_setparam", "sched_getscheduler", "sched_setscheduler",
	"sched_get_priority_max", "sched_get_priority_min", "sched_rr_get_interval",
	"sched_rr_get_interval_time64", "sched_yield", "getcpu", NULL
};

/* Networking on sockets it already has (socket itself: below, by family),
 * in the container's network namespace. socketcall is the 32-bit x86
 * multiplexer of all of them, whose arguments seccomp cannot see. */
static const char *const sockets[] = {
	"accept", "accept4", "bind", "connect", "listen", "getpeername", "getsockname",
	"getsockopt", "setsockopt", "recv", "recvfrom", "recvmsg", "recvmmsg", "recvmmsg_time64",
	"send", "sendto", "sendmsg", "sendmmsg", "shutdown", "socketpair", "socketcall", NULL
};

/* System V and POSIX IPC: the container's IPC namespace holds them. */
static const char *const ipc[] = {
	"ipc", "msgctl", "msgget", "msgrcv", "msgsnd", "semctl", "semget", "semop", "semtimedop",
	"semtimedop_time64", "shmat", "shmctl", "shmdt", "shmget", "mq_open", "mq_unlink",
	"mq_getsetattr", "mq_notify", "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend",
	"mq_timedsend_time64", NULL
};

/* What the system is: the UTS namespace answers uname. */
static const char *const system_info[] = {
	"uname", "sysinfo", "getrandom", "riscv_hwprobe", NULL
};

/* ---- allowed where a condition holds ------------------------------------- */

/* Before 4.8 a traced process could skip seccomp by changing the syscall
 * number under ptrace; since then docker lets every container trace and
 * read its own processes. */
static const char *const tracing[] = {
	"ptrace", "process_vm_readv", "process_vm_writev", NULL
};

/* One machine's own calls, on that machine. */
static const char *const ppc64le_calls[] = {
	"sync_file_range2", "swapcontext", NULL
};
static const char *const arm_calls[] = {
	"arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush",
	"set_tls", NULL
};
static const char *const arch_prctl_call[] = {
	"arch_prctl", NULL
};
static const char *const modify_ldt_call[] = {
	"modify_ldt", NULL
};
static const char *const s390_calls[] = {
	"s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr", NULL
};
static const char *const riscv_calls[] = {
	"riscv_flush_icache", NULL
};

/* Opening a file by handle skips every path check: the "shocker" escape
 * read the host's files this way. */
static const char *const by_handle[] = {
	"open_by_handle_at", NULL
};

/* SYS_ADMIN is most of root: with it a container may mount, make
 * namespaces, load BPF, read the kernel log, set host and domain names. */
static const char *const admin[] = {
	"bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
	"lookup_dcookie", "lsm_get_self_attr", "lsm_list_modules", "lsm_set_self_attr", "mount",
	"mount_setattr", "move_mount", "open_tree", "perf_event_open", "quotactl", "quotactl_fd",
	"setdomainname", "sethostname", "setns", "syslog", "umount", "umount2", "unshare", NULL
};

/* clone(2) without SYS_ADMIN: threads and processes, never a namespace
 * (made with the host's root powers while there is no user namespace).
 * clone3 takes its flags in memory seccomp cannot read: it fails with
 * ENOSYS, so libc falls back to clone, whose flags it can. */
static const char *const clone_call[] = {
	"clone", NULL
};
static const char *const clone3_call[] = {
	"clone3", NULL
};
#define CLONE_NS_FLAGS                                                                             \
	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | \
	 CLONE_NEWCGROUP)

/* The rest of the capability-gated calls: each is allowed exactly when
 * the container holds the capability the kernel checks for it anyway. */
static const char *const boot[] = {
	"reboot", NULL
};
static const char *const chroot_call[] = {
	"chroot", NULL
};
static const char *const modules[] = {
	"delete_module", "init_module", "finit_module", NULL
};
static const char *const pacct[] = {
	"acct", NULL
};
static const char *const ptrace_more[] = {
	"kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev",
	"ptrace", NULL
};
static const char *const rawio[] = {
	"iopl", "ioperm", NULL
};
static const char *const set_time[] = {
	"settimeofday", "stime", "clock_settime", "clock_settime64", NULL
};
static const char *const tty_config[] = {
	"vhangup", NULL
};
static const char *const numa[] = {
	"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node", NULL
};
static const char *const syslog_call[] = {
	"syslog", NULL
};
static const char *const bpf_call[] = {
	"bpf", NULL
};
static const char *const perf_call[] = {
	"perf_event_open", NULL
};

/* socket(2) by address family: all but AF_ALG (38: the kernel's crypto
 * API, a recurring source of kernel bugs) and AF_VSOCK (40: it talks to
 * the hypervisor, outside every namespace). Docker writes it as three
 * ranges, since a rule cannot say "not 38 and not 40"; but its third,
 * "above 40", compares all 64 bits, where the kernel reads an int:
 * 0x100000028 is above 40 and is AF_VSOCK. Here the families above 40
 * are named by masks that hold the upper half at 0: 41, 42-43, 44-47 and
 * 48-63 (the kernel has 46; a larger one is refused as EPERM, not
 * EAFNOSUPPORT). */
static const char *const socket_call[] = {
	"socket", NULL
};
#define AF_ALG_NR   38
#define AF_VSOCK_NR 40

/* personality(2): only the personas that change nothing dangerous —
 * PER_LINUX (0), UNAME26 (0x0020000: an old uname), PER_LINUX32 (0x0008),
 * both, and 0xffffffff, which only reads the current one. Nothing that
 * turns off address space randomisation or makes data executable. */
static const char *const personality_call[] = {
	"personality", NULL
};

/* clang-format on */

#define ALLOW(list, ...)                                                                           \
	{                                                                                          \
		.names = (list), .action = LXR_SECCOMP_ALLOW, __VA_ARGS__                          \
	}
#define ARG(i, o, v, v2)                                                                           \
	.n_args = 1, .arg = {.index = (i), .op = LXR_SECCOMP_##o, .value = (v), .value_two = (v2)}

struct group {
	const char *const *names;
	enum lxr_seccomp_action action;
	unsigned errno_ret;
	size_t n_args;
	struct lxr_seccomp_arg arg;
	uint64_t include_caps, exclude_caps; /* all of / any of, as docker's includes/excludes */
	const char *arches[4], *not_arches[3];
	unsigned min_kernel[2];
};

static const struct group groups[] = {
    ALLOW(files),
    ALLOW(xattrs),
    ALLOW(descriptors),
    ALLOW(waiting),
    ALLOW(aio),
    ALLOW(memory),
    ALLOW(processes),
    ALLOW(signals),
    ALLOW(identity),
    ALLOW(time_calls),
    ALLOW(scheduling),
    ALLOW(sockets),
    ALLOW(ipc),
    ALLOW(system_info),
    ALLOW(tracing, .min_kernel = {4, 8}),
    ALLOW(socket_call, ARG(0, LT, AF_ALG_NR, 0)),
    ALLOW(socket_call, ARG(0, EQ, AF_ALG_NR + 1, 0)),
    ALLOW(socket_call, ARG(0, EQ, AF_VSOCK_NR + 1, 0)),
    ALLOW(socket_call, ARG(0, MASKED_EQ, ~1ULL, 42)),
    ALLOW(socket_call, ARG(0, MASKED_EQ, ~3ULL, 44)),
    ALLOW(socket_call, ARG(0, MASKED_EQ, ~15ULL, 48)),
    ALLOW(personality_call, ARG(0, EQ, 0x0, 0)),
    ALLOW(personality_call, ARG(0, EQ, 0x0008, 0)),
    ALLOW(personality_call, ARG(0, EQ, 0x20000, 0)),
    ALLOW(personality_call, ARG(0, EQ, 0x20008, 0)),
    ALLOW(personality_call, ARG(0, EQ, 0xffffffff, 0)),
    ALLOW(ppc64le_calls, .arches = {"ppc64le"}),
    ALLOW(arm_calls, .arches = {"arm", "arm64"}),
    ALLOW(arch_prctl_call, .arches = {"amd64", "x32"}),
    ALLOW(modify_ldt_call, .arches = {"amd64", "x32", "x86"}),
    ALLOW(s390_calls, .arches = {"s390", "s390x"}),
    ALLOW(riscv_calls, .arches = {"riscv64"}),
    ALLOW(by_handle, .include_caps = DAC_READ_SEARCH),
    ALLOW(admin, .include_caps = SYS_ADMIN),
    /* s390 passes clone's flags second */
    ALLOW(clone_call, ARG(0, MASKED_EQ, CLONE_NS_FLAGS, 0), .exclude_caps = SYS_ADMIN,
	  .not_arches = {"s390", "s390x"}),
    ALLOW(clone_call, ARG(1, MASKED_EQ, CLONE_NS_FLAGS, 0), .exclude_caps = SYS_ADMIN,
	  .arches = {"s390", "s390x"}),
    {.names = clone3_call,
     .action = LXR_SECCOMP_ERRNO,
     .errno_ret = ENOSYS,
     .exclude_caps = SYS_ADMIN},
    ALLOW(boot, .include_caps = SYS_BOOT),
    ALLOW(chroot_call, .include_caps = SYS_CHROOT),
    ALLOW(modules, .include_caps = SYS_MODULE),
    ALLOW(pacct, .include_caps = SYS_PACCT),
    ALLOW(ptrace_more, .include_caps = SYS_PTRACE),
    ALLOW(rawio, .include_caps = SYS_RAWIO),
    ALLOW(set_time, .include_caps = SYS_TIME),
    ALLOW(tty_config, .include_caps = SYS_TTY_CONFIG),
    ALLOW(numa, .include_caps = SYS_NICE),
    ALLOW(syslog_call, .include_caps = SYSLOG),
    ALLOW(bpf_call, .include_caps = BPF),
    ALLOW(perf_call, .include_caps = PERFMON),
};

/* Which other ABIs each machine runs (docker's archMap): a 32-bit x86 or
 * x32 binary enters the kernel through another syscall table with other
 * numbers, and a filter that only knew the native numbers would let those
 * calls through. */
static const struct {
	const char *arch, *sub[3];
} arch_map[] = {
    {"SCMP_ARCH_X86_64", {"SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
    {"SCMP_ARCH_AARCH64", {"SCMP_ARCH_ARM"}},
    {"SCMP_ARCH_MIPS64", {"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32"}},
    {"SCMP_ARCH_MIPS64N32", {"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64"}},
    {"SCMP_ARCH_MIPSEL64", {"SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64N32"}},
    {"SCMP_ARCH_MIPSEL64N32", {"SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64"}},
    {"SCMP_ARCH_S390X", {"SCMP_ARCH_S390"}},
    {"SCMP_ARCH_RISCV64", {NULL}},
    {"SCMP_ARCH_LOONGARCH64", {NULL}},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char **strv_of(const char *const *v, size_t max)
{
	char **out = NULL;

	for (size_t i = 0; i < max && v[i]; i++)
		lxr_strv_push(&out, lxr_xstrdup(v[i]));
	return out;
}

/* The table in the form of a user's profile. */
static struct cfg_seccomp_profile *default_profile(void)
{
	struct cfg_seccomp_profile *p = lxr_xcalloc(1, sizeof(*p));

	p->path = lxr_xstrdup("(docker's default)");
	p->default_action = LXR_SECCOMP_ERRNO;
	p->default_errno_ret = EPERM;
	p->arch_map = lxr_xcalloc(N(arch_map), sizeof(*p->arch_map));
	for (size_t i = 0; i < N(arch_map); i++) {
		p->arch_map[p->n_arch_map].arch = lxr_xstrdup(arch_map[i].arch);
		p->arch_map[p->n_arch_map++].sub = strv_of(arch_map[i].sub, N(arch_map[i].sub));
	}
	p->rules = lxr_xcalloc(N(groups), sizeof(*p->rules));
	for (size_t i = 0; i < N(groups); i++) {
		const struct group *g = &groups[i];
		struct cfg_seccomp_rule *r = &p->rules[p->n_rules++];

		r->call.names = strv_of(g->names, SIZE_MAX);
		r->call.action = g->action;
		r->call.errno_ret = g->errno_ret;
		r->call.args = lxr_xcalloc(1, sizeof(*r->call.args));
		r->call.n_args = g->n_args;
		r->call.args[0] = g->arg;
		r->includes.caps = g->include_caps;
		r->includes.arches = strv_of(g->arches, N(g->arches));
		memcpy(r->includes.min_kernel, g->min_kernel, sizeof(g->min_kernel));
		r->excludes.caps = g->exclude_caps;
		r->excludes.arches = strv_of(g->not_arches, N(g->not_arches));
	}
	return p;
}

uint64_t rt_seccomp_default_caps(void)
{
	uint64_t named = 0;

	for (size_t i = 0; i < N(groups); i++)
		named |= groups[i].include_caps | groups[i].exclude_caps;
	return named;
}

struct lxr_seccomp *rt_seccomp_default(uint64_t caps)
{
	struct cfg_seccomp_profile *p = default_profile();
	struct utsname u;
	struct lxr_seccomp *s = plan_seccomp_resolve(p, caps, uname(&u) == 0 ? u.release : NULL);

	cfg_seccomp_profile_free(p);
	return s;
}
