/* lxr's default seccomp filter: allow by default, deny (EPERM) what docker's
 * default profile (moby profiles/seccomp/default.json) keeps from a
 * container with the same capabilities. Docker's profile is an allow-list;
 * this is the same intent written as a deny-list, so a syscall newer than
 * this table is allowed here where docker would refuse it (docs/security.md
 * says so). Like docker, a rule is lifted when the container's bounding set
 * holds the capability the syscall is guarded by. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "runtime/internal.h"

#define C(cap) (UINT64_C(1) << (cap))
/* Capability numbers (linux/capability.h) spelled out here so the table
 * needs no kernel header that may lag behind the running kernel. */
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
#define DAC_READ_SEARCH C(2)
#define SYSLOG          C(34)
#define PERFMON         C(38)
#define BPF             C(39)
#define ALWAYS          0

enum sc_kind {
	SC_DENY,         /* the whole syscall, EPERM */
	SC_ENOSYS,       /* ENOSYS, so the caller falls back to an older call */
	SC_CLONE_NS,     /* clone() asking for any new namespace */
	SC_PERSONALITY,  /* every persona but the harmless few */
	SC_SOCKET_VSOCK, /* socket(AF_VSOCK, ...) */
	SC_BEFORE_4_8,   /* only on kernels older than 4.8 */
};

struct sc_rule {
	const char *name;
	enum sc_kind kind;
	uint64_t unless; /* lifted when the bounding set has any of these */
};

static const struct sc_rule rules[] = {
    /* Loading code into the kernel or replacing it: a container must
     * never change the host's kernel. kexec has no capability that makes
     * it safe in a container, so docker denies it even with SYS_BOOT. */
    {"init_module", SC_DENY, SYS_MODULE},
    {"finit_module", SC_DENY, SYS_MODULE},
    {"delete_module", SC_DENY, SYS_MODULE},
    {"kexec_load", SC_DENY, ALWAYS},
    {"kexec_file_load", SC_DENY, ALWAYS},
    {"reboot", SC_DENY, SYS_BOOT},

    /* Mounts and namespaces: with no user namespace (yet), a new mount
     * or namespace would be made with the host's root powers. The new
     * mount API (fsopen & co.) is listed too, or it would be the way
     * around mount(2). clone3 passes its flags in memory seccomp cannot
     * read, so it gets ENOSYS and glibc falls back to clone, whose flags
     * can be checked. pivot_root is never needed inside a container. */
    {"mount", SC_DENY, SYS_ADMIN},
    {"umount", SC_DENY, SYS_ADMIN},
    {"umount2", SC_DENY, SYS_ADMIN},
    {"fsopen", SC_DENY, SYS_ADMIN},
    {"fsconfig", SC_DENY, SYS_ADMIN},
    {"fsmount", SC_DENY, SYS_ADMIN},
    {"fspick", SC_DENY, SYS_ADMIN},
    {"open_tree", SC_DENY, SYS_ADMIN},
    {"move_mount", SC_DENY, SYS_ADMIN},
    {"mount_setattr", SC_DENY, SYS_ADMIN},
    {"pivot_root", SC_DENY, ALWAYS},
    {"unshare", SC_DENY, SYS_ADMIN},
    {"setns", SC_DENY, SYS_ADMIN},
    {"clone", SC_CLONE_NS, SYS_ADMIN},
    {"clone3", SC_ENOSYS, SYS_ADMIN},
    {"sethostname", SC_DENY, SYS_ADMIN},
    {"setdomainname", SC_DENY, SYS_ADMIN},
    {"chroot", SC_DENY, SYS_CHROOT},

    /* Kernel-wide state that no namespace isolates: the keyrings (keys
     * of other containers and the host), the clock, swap, process
     * accounting, quotas, the kernel log. */
    {"keyctl", SC_DENY, ALWAYS},
    {"add_key", SC_DENY, ALWAYS},
    {"request_key", SC_DENY, ALWAYS},
    {"settimeofday", SC_DENY, SYS_TIME},
    {"stime", SC_DENY, SYS_TIME},
    {"clock_settime", SC_DENY, SYS_TIME},
    {"clock_settime64", SC_DENY, SYS_TIME},
    {"swapon", SC_DENY, ALWAYS},
    {"swapoff", SC_DENY, ALWAYS},
    {"acct", SC_DENY, SYS_PACCT},
    {"quotactl", SC_DENY, SYS_ADMIN},
    {"quotactl_fd", SC_DENY, SYS_ADMIN},
    {"syslog", SC_DENY, SYS_ADMIN | SYSLOG},
    {"lookup_dcookie", SC_DENY, SYS_ADMIN},
    {"fanotify_init", SC_DENY, SYS_ADMIN},
    {"vhangup", SC_DENY, SYS_TTY_CONFIG},
    {"nfsservctl", SC_DENY, ALWAYS},

    /* Large kernel attack surface with a history of exploits: eBPF,
     * perf, userfaultfd (stalls kernel copies at will, a race-exploit
     * tool), io_uring (its operations bypass seccomp entirely; docker 25
     * and containerd deny it too). */
    {"bpf", SC_DENY, SYS_ADMIN | BPF},
    {"perf_event_open", SC_DENY, SYS_ADMIN | PERFMON},
    {"userfaultfd", SC_DENY, ALWAYS},
    {"io_uring_setup", SC_DENY, ALWAYS},
    {"io_uring_enter", SC_DENY, ALWAYS},
    {"io_uring_register", SC_DENY, ALWAYS},

    /* Hardware and NUMA placement: raw I/O ports; memory policy and page
     * migration act on memory shared with the host. */
    {"iopl", SC_DENY, SYS_RAWIO},
    {"ioperm", SC_DENY, SYS_RAWIO},
    {"mbind", SC_DENY, SYS_NICE},
    {"get_mempolicy", SC_DENY, SYS_NICE},
    {"set_mempolicy", SC_DENY, SYS_NICE},
    {"set_mempolicy_home_node", SC_DENY, SYS_NICE},
    {"move_pages", SC_DENY, ALWAYS},
    {"migrate_pages", SC_DENY, ALWAYS},

    /* Opening files by handle skips path checks: the "shocker" escape
     * read host files this way with DAC_READ_SEARCH. */
    {"open_by_handle_at", SC_DENY, DAC_READ_SEARCH},

    /* Other processes. Before 4.8 ptrace could bypass seccomp itself;
     * since then docker allows ptrace and process_vm_* to everyone, the
     * rest still needs SYS_PTRACE. */
    {"ptrace", SC_BEFORE_4_8, SYS_PTRACE},
    {"process_vm_readv", SC_BEFORE_4_8, SYS_PTRACE},
    {"process_vm_writev", SC_BEFORE_4_8, SYS_PTRACE},
    {"kcmp", SC_DENY, SYS_PTRACE},
    {"pidfd_getfd", SC_DENY, SYS_PTRACE},
    {"process_madvise", SC_DENY, SYS_PTRACE},

    /* Obsolete interfaces nothing modern calls, kept out because old
     * code is where bugs hide; and personas that switch off ASLR or make
     * data executable (personality(0xffffffff) only reads it). */
    {"vm86", SC_DENY, ALWAYS},
    {"vm86old", SC_DENY, ALWAYS},
    {"uselib", SC_DENY, ALWAYS},
    {"ustat", SC_DENY, ALWAYS},
    {"sysfs", SC_DENY, ALWAYS},
    {"_sysctl", SC_DENY, ALWAYS},
    {"create_module", SC_DENY, ALWAYS},
    {"get_kernel_syms", SC_DENY, ALWAYS},
    {"query_module", SC_DENY, ALWAYS},
    {"personality", SC_PERSONALITY, ALWAYS},

    /* AF_VSOCK talks to the hypervisor host, outside every namespace.
     * (On i386 the socketcall() multiplexer hides the family from seccomp,
     * as it does in docker's profile.) */
    {"socket", SC_SOCKET_VSOCK, ALWAYS},
};

#define N_RULES     (sizeof(rules) / sizeof(rules[0]))
#define AF_VSOCK_NR 40
#define CLONE_NS_FLAGS                                                                             \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |             \
	 CLONE_NEWPID | CLONE_NEWNET)
/* PER_LINUX32 | UNAME26: the persona bits docker allows. */
#define PERSONA_OK_BITS 0x20008u

static bool kernel_before_4_8(void)
{
	struct utsname u;
	unsigned maj = 0, min = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &maj, &min) != 2)
		return false;
	return maj < 4 || (maj == 4 && min < 8);
}

static bool rule_applies(const struct sc_rule *r, uint64_t caps)
{
	if (r->unless & caps)
		return false;
	return r->kind != SC_BEFORE_4_8 || kernel_before_4_8();
}

bool rt_seccomp_denies(const char *syscall, uint64_t caps)
{
	for (size_t i = 0; i < N_RULES; i++)
		if (strcmp(rules[i].name, syscall) == 0)
			return rule_applies(&rules[i], caps);
	return false;
}

/* libseccomp takes one comparison per argument per rule, so "deny unless
 * the persona is one of five values" becomes 33 masked-equal rules:
 *  - with the 30 other bits in a ring, any value that has some but not
 *    all of them set has a set bit followed by a clear one: 30 rules;
 *  - all 30 set is only allowed as 0xffffffff (the query): 3 rules;
 *  - none of them set leaves 0, 8, 0x20000 and 0x20008: allowed.
 * Only the low 32 bits are compared because the kernel reads the argument
 * as an unsigned int. */
size_t rt_seccomp_persona_denials(struct rt_masked_cmp *out, size_t max)
{
	uint32_t ring[32];
	size_t n = 0, k = 0;
	const uint32_t others = ~PERSONA_OK_BITS;

	for (int b = 0; b < 32; b++)
		if (others & (UINT32_C(1) << b))
			ring[n++] = UINT32_C(1) << b;
	for (size_t i = 0; i < n && k < max; i++, k++)
		out[k] = (struct rt_masked_cmp){ring[i] | ring[(i + 1) % n], ring[i]};
	for (uint32_t extra = 0; extra < 3 && k < max; extra++, k++) {
		static const uint32_t with[3] = {0, 0x8, 0x20000};
		out[k] = (struct rt_masked_cmp){UINT32_MAX, others | with[extra]};
	}
	return k;
}

static int add(scmp_filter_ctx ctx, uint32_t action, int nr, const char *name, unsigned n,
	       const struct scmp_arg_cmp *args, lxr_err *err)
{
	int r = seccomp_rule_add_array(ctx, action, nr, n, args);

	if (r < 0)
		return lxr_fail(err, -r, "seccomp rule for %s", name);
	return 0;
}

static int add_rule(scmp_filter_ctx ctx, const struct sc_rule *r, lxr_err *err)
{
	const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
	int nr = seccomp_syscall_resolve_name(r->name);
	struct rt_masked_cmp p[40];
	struct scmp_arg_cmp a;
	/* s390 passes clone's flags second. */
	unsigned flags_arg =
	    seccomp_arch_native() == SCMP_ARCH_S390X || seccomp_arch_native() == SCMP_ARCH_S390;

	if (nr == __NR_SCMP_ERROR)
		return 0; /* this libseccomp has no number for it on any arch */
	switch (r->kind) {
	case SC_DENY:
	case SC_BEFORE_4_8: return add(ctx, eperm, nr, r->name, 0, NULL, err);
	case SC_ENOSYS: return add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, r->name, 0, NULL, err);
	case SC_SOCKET_VSOCK:
		a = SCMP_CMP(0, SCMP_CMP_EQ, AF_VSOCK_NR, 0);
		return add(ctx, eperm, nr, r->name, 1, &a, err);
	case SC_CLONE_NS:
		for (uint64_t f = 1; f; f <<= 1) {
			if (!(f & CLONE_NS_FLAGS))
				continue;
			a = SCMP_CMP(flags_arg, SCMP_CMP_MASKED_EQ, f, f);
			if (add(ctx, eperm, nr, r->name, 1, &a, err) < 0)
				return -1;
		}
		return 0;
	case SC_PERSONALITY:
		for (size_t i = 0, n = rt_seccomp_persona_denials(p, 40); i < n; i++) {
			a = SCMP_CMP(0, SCMP_CMP_MASKED_EQ, p[i].mask, p[i].value);
			if (add(ctx, eperm, nr, r->name, 1, &a, err) < 0)
				return -1;
		}
		return 0;
	}
	return 0;
}

/* A 32-bit x86 or x32 binary enters the kernel through another syscall
 * table, with other numbers; a filter that only knows the native numbers
 * would let those calls through. Docker's archMap adds the same ones. */
static int add_arches(scmp_filter_ctx ctx, lxr_err *err)
{
	uint32_t extra[2] = {0, 0};
	int r;

	switch (seccomp_arch_native()) {
	case SCMP_ARCH_X86_64:
		extra[0] = SCMP_ARCH_X86;
		extra[1] = SCMP_ARCH_X32;
		break;
	case SCMP_ARCH_AARCH64: extra[0] = SCMP_ARCH_ARM; break;
	case SCMP_ARCH_S390X: extra[0] = SCMP_ARCH_S390; break;
	}
	for (int i = 0; i < 2 && extra[i]; i++) {
		r = seccomp_arch_add(ctx, extra[i]);
		if (r < 0 && r != -EEXIST)
			return lxr_fail(err, -r, "seccomp_arch_add %#x", extra[i]);
	}
	return 0;
}

/* The filter for caps as a BPF program (libseccomp does the compiling). */
static int compile(uint64_t caps, struct sock_filter **prog, size_t *len, lxr_err *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	_cleanup_close_ int fd = -1;
	int r = -1;
	off_t size;

	if (!ctx)
		return lxr_fail(err, ENOMEM, "seccomp_init");
	/* Real errno values instead of a generic ECANCELED. */
	seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	if (add_arches(ctx, err) < 0)
		goto out;
	for (size_t i = 0; i < N_RULES; i++) {
		if (rule_applies(&rules[i], caps) && add_rule(ctx, &rules[i], err) < 0)
			goto out;
	}
	fd = memfd_create("lxr-seccomp", MFD_CLOEXEC);
	if (fd < 0) {
		lxr_fail(err, errno, "memfd_create for the seccomp program");
		goto out;
	}
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0) {
		r = lxr_fail(err, -r, "seccomp_export_bpf");
		goto out;
	}
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter) || size > 1 << 20) {
		r = lxr_fail(err, EPROTO, "seccomp program of %lld bytes", (long long)size);
		goto out;
	}
	*prog = lxr_xmalloc((size_t)size);
	if (pread(fd, *prog, (size_t)size, 0) != size) {
		free(*prog);
		r = lxr_fail(err, errno ? errno : EIO, "read back the seccomp program");
		goto out;
	}
	*len = (size_t)size / sizeof(struct sock_filter);
	r = 0;
out:
	seccomp_release(ctx);
	return r;
}

/* Compiling takes libseccomp about a millisecond and a half, a sixth of a
 * container start: the program is prepared once in the parent (and kept on
 * disk for the next lxr, keyed by the capability set, the kernel, and this
 * very lxr binary), and the child only hands it to the kernel. */
static struct {
	bool ready;
	uint64_t caps;
	struct sock_filter *prog;
	size_t len;
} prepared;

static char *cache_path(uint64_t caps)
{
	struct stat st;
	struct utsname u;

	if (stat("/proc/self/exe", &st) < 0 || uname(&u) < 0)
		return NULL;
	return lxr_xasprintf("%s/seccomp/%016llx-%s-%llx-%llx-%llx-%llx.bpf", lxr_run_dir(),
			     (unsigned long long)caps, u.release, (unsigned long long)st.st_dev,
			     (unsigned long long)st.st_ino, (unsigned long long)st.st_size,
			     (unsigned long long)st.st_mtim.tv_sec);
}

static bool cache_read(const char *path, struct sock_filter **prog, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	lxr_err ignored;

	if (!path || lxr_read_file_at(AT_FDCWD, path, &buf, &n, &ignored) < 0)
		return false;
	if (n == 0 || n % sizeof(struct sock_filter)) {
		free(buf);
		return false;
	}
	*prog = (struct sock_filter *)buf;
	*len = n / sizeof(struct sock_filter);
	return true;
}

/* Entries are "<caps>-<kernel and binary identity>.bpf": an entry whose
 * identity differs from this lxr's was made by another build (an upgrade)
 * and will never be read again. */
static void cache_prune(int dfd, const char *mine)
{
	const char *my_id = strchr(mine, '-');
	DIR *d = fdopendir(dup(dfd));
	struct dirent *de;

	if (!d || !my_id)
		goto out;
	while ((de = readdir(d))) {
		const char *id = strchr(de->d_name, '-');
		if (id && lxr_str_has_suffix(de->d_name, ".bpf") && strcmp(id, my_id))
			unlinkat(dfd, de->d_name, 0);
	}
out:
	if (d)
		closedir(d);
}

static void cache_write(const char *path, const struct sock_filter *prog, size_t len)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int dfd = -1;
	lxr_err ignored;

	if (!path)
		return;
	dir = lxr_xstrndup(path, (size_t)(strrchr(path, '/') - path));
	if (lxr_mkdir_p(dir, 0700, &ignored) < 0)
		return;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	cache_prune(dfd, strrchr(path, '/') + 1);
	lxr_write_file_atomic(dfd, strrchr(path, '/') + 1, prog, len * sizeof(*prog), 0600,
			      &ignored);
}

int rt_seccomp_prepare(uint64_t caps, lxr_err *err)
{
	_cleanup_free_ char *path = NULL;

	if (prepared.ready && prepared.caps == caps)
		return 0;
	free(prepared.prog);
	prepared.ready = false;
	path = cache_path(caps);
	if (!cache_read(path, &prepared.prog, &prepared.len)) {
		if (compile(caps, &prepared.prog, &prepared.len, err) < 0)
			return -1;
		cache_write(path, prepared.prog, prepared.len);
	}
	prepared.caps = caps;
	prepared.ready = true;
	return 0;
}

int rt_seccomp_load(uint64_t caps, lxr_err *err)
{
	struct sock_fprog fp;

	/* The caller either set no_new_privs or still holds CAP_SYS_ADMIN
	 * (creds.c orders that); the filter never switches it on itself. */
	if (rt_seccomp_prepare(caps, err) < 0)
		return -1;
	fp.len = (unsigned short)prepared.len;
	fp.filter = prepared.prog;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0) {
		lxr_fail(err, errno, "seccomp load (SECCOMP_SET_MODE_FILTER)");
		if (errno == EACCES)
			lxr_err_hint(err, "a filter needs no_new_privileges or CAP_SYS_ADMIN when "
					  "it is loaded");
		return -1;
	}
	return 0;
}

int rt_seccomp_load_default(lxr_err *err)
{
	return rt_seccomp_load(rt_caps_docker_default(), err);
}
