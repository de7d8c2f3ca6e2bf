/* A seccomp profile (struct lxr_seccomp) -> a classic BPF program the
 * kernel takes. libseccomp does the compiling; lxr adds two things runc
 * does too: a name libseccomp does not know is left out (the call stays
 * refused by the default action), and a syscall newer than anything
 * libseccomp knows fails with ENOSYS instead of the default action, so a
 * libc that tries a new call falls back to the old one as it would on an
 * older kernel (glibc only falls back on ENOSYS, and an EPERM from a
 * filter that never heard of fchmodat2 would break lchmod). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runtime/runtime_internal.h"

#define X32_SYSCALL_BIT 0x40000000u
/* the kernel refuses longer programs (BPF_MAXINSNS) */
#define MAX_INSNS 4096

static uint32_t scmp_action(enum lxr_seccomp_action a, unsigned errno_ret)
{
	switch (a) {
	case LXR_SECCOMP_KILL_THREAD: return SCMP_ACT_KILL_THREAD;
	case LXR_SECCOMP_KILL_PROCESS: return SCMP_ACT_KILL_PROCESS;
	case LXR_SECCOMP_TRAP: return SCMP_ACT_TRAP;
	case LXR_SECCOMP_ERRNO: return SCMP_ACT_ERRNO(errno_ret);
	case LXR_SECCOMP_TRACE: return SCMP_ACT_TRACE(errno_ret);
	case LXR_SECCOMP_ALLOW: return SCMP_ACT_ALLOW;
	case LXR_SECCOMP_LOG: return SCMP_ACT_LOG;
	}
	return SCMP_ACT_KILL_PROCESS;
}

static enum scmp_compare scmp_op(enum lxr_seccomp_op op)
{
	switch (op) {
	case LXR_SECCOMP_NE: return SCMP_CMP_NE;
	case LXR_SECCOMP_LT: return SCMP_CMP_LT;
	case LXR_SECCOMP_LE: return SCMP_CMP_LE;
	case LXR_SECCOMP_EQ: return SCMP_CMP_EQ;
	case LXR_SECCOMP_GE: return SCMP_CMP_GE;
	case LXR_SECCOMP_GT: return SCMP_CMP_GT;
	case LXR_SECCOMP_MASKED_EQ: return SCMP_CMP_MASKED_EQ;
	}
	return _SCMP_CMP_MIN;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token, 0 when it does not know it. */
static uint32_t arch_token(const char *oci)
{
	char name[32];
	size_t i = 0;

	if (lxr_str_has_prefix(oci, "SCMP_ARCH_"))
		oci += 10;
	for (; oci[i] && i + 1 < sizeof(name); i++)
		name[i] = (char)tolower((unsigned char)oci[i]);
	name[i] = '\0';
	return seccomp_arch_resolve_name(name);
}

static int add_arches(scmp_filter_ctx ctx, char *const *arches, lxr_err *err)
{
	for (size_t i = 0; arches && arches[i]; i++) {
		uint32_t t = arch_token(arches[i]);
		int r;

		if (!t)
			continue; /* this libseccomp cannot filter it: its calls are refused */
		r = seccomp_arch_add(ctx, t);
		if (r < 0 && r != -EEXIST)
			return lxr_fail(err, -r, "seccomp: add architecture %s", arches[i]);
	}
	return 0;
}

static struct scmp_arg_cmp cmp_of(const struct lxr_seccomp_arg *a)
{
	return SCMP_CMP(a->index, scmp_op(a->op), a->value, a->value_two);
}

static int add_rule(scmp_filter_ctx ctx, const struct lxr_seccomp_syscall *s, const char *name,
		    lxr_err *err)
{
	uint32_t action = scmp_action(s->action, s->errno_ret);
	int nr = seccomp_syscall_resolve_name(name), r = 0;

	if (nr == __NR_SCMP_ERROR)
		return 0; /* unknown to this libseccomp on every arch: stays refused */
	for (size_t i = 0; i < s->n_args; i++)
		if (s->args[i].index > 5)
			return lxr_fail(err, EINVAL, "seccomp rule for %s: argument index %u", name,
					s->args[i].index),
			       lxr_err_hint(err, "a syscall has six arguments, 0 to 5");
	if (plan_seccomp_args_repeat(s)) {
		/* runc's reading: comparisons of one argument index are
		 * alternatives, one rule each */
		for (size_t i = 0; i < s->n_args && (r >= 0 || r == -EEXIST); i++) {
			struct scmp_arg_cmp c = cmp_of(&s->args[i]);
			r = seccomp_rule_add_array(ctx, action, nr, 1, &c);
		}
	} else {
		/* distinct indexes, so at most six: all must hold */
		struct scmp_arg_cmp c[6];

		for (size_t i = 0; i < s->n_args; i++)
			c[i] = cmp_of(&s->args[i]);
		r = seccomp_rule_add_array(ctx, action, nr, (unsigned)s->n_args, c);
	}
	if (r == -EEXIST)
		return 0; /* the same rule twice */
	if (r < 0) {
		lxr_fail(err, -r, "seccomp rule for %s", name);
		if (r == -EOPNOTSUPP || r == -EINVAL)
			lxr_err_hint(err, "this kernel or libseccomp cannot filter it this way "
					  "(the action, or a comparison)");
		return -1;
	}
	return 0;
}

static int add_rules(scmp_filter_ctx ctx, const struct lxr_seccomp *p, lxr_err *err)
{
	uint32_t def = scmp_action(p->default_action, p->default_errno_ret);

	for (size_t i = 0; i < p->n_syscalls; i++) {
		const struct lxr_seccomp_syscall *s = &p->syscalls[i];

		/* libseccomp refuses a rule that says what the default says */
		if (scmp_action(s->action, s->errno_ret) == def)
			continue;
		for (size_t k = 0; s->names && s->names[k]; k++)
			if (add_rule(ctx, s, s->names[k], err) < 0)
				return -1;
	}
	return 0;
}

static int export_bpf(scmp_filter_ctx ctx, struct sock_filter **prog, size_t *len, lxr_err *err)
{
	_cleanup_close_ int fd = memfd_create("lxr-seccomp", MFD_CLOEXEC);
	off_t size;
	int r;

	if (fd < 0)
		return lxr_fail(err, errno, "memfd_create for the seccomp program");
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return lxr_fail(err, -r, "seccomp_export_bpf");
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter) || size > 1 << 20)
		return lxr_fail(err, EPROTO, "seccomp program of %lld bytes", (long long)size);
	*prog = lxr_xmalloc((size_t)size);
	if (pread(fd, *prog, (size_t)size, 0) != size) {
		free(*prog);
		*prog = NULL;
		return lxr_fail(err, errno ? errno : EIO, "read back the seccomp program");
	}
	*len = (size_t)size / sizeof(struct sock_filter);
	return 0;
}

/* ---- ENOSYS for syscalls newer than this libseccomp ---------------------- */

/* The highest syscall number libseccomp has a name for on arch (x32
 * numbers carry X32_SYSCALL_BIT, as the kernel hands them to a filter). */
static uint32_t last_known(uint32_t arch)
{
	uint32_t base = arch == SCMP_ARCH_X32 ? X32_SYSCALL_BIT : 0;

	for (int n = 2047; n >= 0; n--) {
		char *name = seccomp_syscall_resolve_num_arch(arch, (int)(base + (uint32_t)n));
		if (name) {
			free(name);
			return base + (uint32_t)n;
		}
	}
	return 0;
}

/* The stub goes before libseccomp's program, which starts by loading the
 * arch itself, so the stub may leave anything in the accumulator:
 *
 *	ld arch
 *	per arch: jeq AUDIT_ARCH, 0, <next arch>; ld nr; jgt LAST, ENOSYS, FILTER
 *	ja FILTER
 *	ENOSYS: ret ERRNO(ENOSYS)
 *	FILTER: libseccomp's program
 *
 * Jump targets are kept symbolic until the layout is known. */
enum { T_NEXT = -1, T_ENOSYS = -2, T_FILTER = -3 };
struct stub {
	struct sock_filter insn[64];
	int jt[64], jf[64]; /* absolute index, or T_* */
	size_t section[64]; /* which arch section an instruction is in */
	size_t start[16];   /* first instruction of each section */
	size_t n, n_sections;
};

static size_t emit(struct stub *s, uint16_t code, uint32_t k, int jt, int jf)
{
	s->insn[s->n] = (struct sock_filter)BPF_STMT(code, k);
	s->jt[s->n] = jt;
	s->jf[s->n] = jf;
	s->section[s->n] = s->n_sections - 1;
	return s->n++;
}

/* One architecture. On x86-64 the x32 ABI shares the audit arch and sets
 * bit 30 of the number: such a call is compared with x32's last number,
 * or, with no x32 in the filter, left to libseccomp to refuse. */
static void stub_arch(struct stub *s, uint32_t audit, uint32_t last, bool x32, uint32_t x32_last)
{
	size_t i;

	s->start[s->n_sections++] = s->n;
	emit(s, BPF_JMP | BPF_JEQ | BPF_K, audit, (int)s->n + 1, T_NEXT);
	emit(s, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
	if (audit == AUDIT_ARCH_X86_64) {
		i = s->n;
		emit(s, BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, x32 ? (int)i + 1 : T_FILTER,
		     x32 ? (int)i + 2 : (int)i + 1);
		if (x32)
			emit(s, BPF_JMP | BPF_JGT | BPF_K, x32_last, T_ENOSYS, T_FILTER);
	}
	emit(s, BPF_JMP | BPF_JGT | BPF_K, last, T_ENOSYS, T_FILTER);
}

static int stub_link(struct stub *s, lxr_err *err)
{
	size_t ja = s->n - 2, enosys = s->n - 1, filter = s->n;

	for (size_t i = 0; i < s->n; i++) {
		if (BPF_CLASS(s->insn[i].code) != BPF_JMP || BPF_OP(s->insn[i].code) == BPF_JA)
			continue;
		for (int b = 0; b < 2; b++) {
			int t = b ? s->jf[i] : s->jt[i];
			size_t sec = s->section[i], to;

			to = t == T_ENOSYS   ? enosys
			     : t == T_FILTER ? filter
			     : t == T_NEXT   ? (sec + 1 < s->n_sections ? s->start[sec + 1] : ja)
					     : (size_t)t;
			if (to <= i || to - i - 1 > 255)
				return lxr_fail(err, E2BIG, "seccomp ENOSYS stub: a jump too far");
			if (b)
				s->insn[i].jf = (uint8_t)(to - i - 1);
			else
				s->insn[i].jt = (uint8_t)(to - i - 1);
		}
	}
	return 0;
}

static int add_enosys_stub(scmp_filter_ctx ctx, struct sock_filter **prog, size_t *len,
			   lxr_err *err)
{
	static const uint32_t arches[] = {SCMP_ARCH_X86_64,  SCMP_ARCH_X86,   SCMP_ARCH_AARCH64,
					  SCMP_ARCH_ARM,     SCMP_ARCH_S390X, SCMP_ARCH_S390,
					  SCMP_ARCH_PPC64LE, SCMP_ARCH_PPC64, SCMP_ARCH_RISCV64};
	bool x32 = seccomp_arch_exist(ctx, SCMP_ARCH_X32) == 0;
	struct stub s = {.n = 0};
	struct sock_filter *out;

	s.insn[s.n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						     offsetof(struct seccomp_data, arch));
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (seccomp_arch_exist(ctx, arches[i]) == 0)
			stub_arch(&s, arches[i], last_known(arches[i]),
				  arches[i] == SCMP_ARCH_X86_64 && x32,
				  x32 ? last_known(SCMP_ARCH_X32) : 0);
	if (!s.n_sections)
		return 0; /* no machine the stub knows */
	s.insn[s.n++] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, 1);
	s.insn[s.n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
	if (stub_link(&s, err) < 0)
		return -1;
	out = lxr_xmalloc((s.n + *len) * sizeof(*out));
	memcpy(out, s.insn, s.n * sizeof(*out));
	memcpy(out + s.n, *prog, *len * sizeof(*out));
	free(*prog);
	*prog = out;
	*len += s.n;
	return 0;
}

int rt_seccomp_compile_as_written(const struct lxr_seccomp *p, struct sock_filter **prog,
				  size_t *len, lxr_err *err)
{
	scmp_filter_ctx ctx = seccomp_init(scmp_action(p->default_action, p->default_errno_ret));
	int r = -1;

	*prog = NULL;
	if (!ctx)
		return lxr_fail(err, EOPNOTSUPP, "seccomp: default action %s",
				p->default_action == LXR_SECCOMP_LOG ? "SCMP_ACT_LOG"
				: p->default_action == LXR_SECCOMP_KILL_PROCESS
				    ? "SCMP_ACT_KILL_PROCESS"
				    : "of the profile"),
		       lxr_err_hint(err, "this kernel or libseccomp does not support it");
	/* real errno values instead of a generic ECANCELED */
	seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	/* a binary tree of syscall numbers, not a list of ~400 compares on
	 * every call (libseccomp 2.5+; an older one keeps the list) */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (add_arches(ctx, p->architectures, err) < 0 || add_rules(ctx, p, err) < 0 ||
	    export_bpf(ctx, prog, len, err) < 0)
		goto out;
	/* runc's rule: a tracer or an allowing default handles new calls */
	if (p->default_action != LXR_SECCOMP_ALLOW && p->default_action != LXR_SECCOMP_LOG &&
	    p->default_action != LXR_SECCOMP_TRACE && add_enosys_stub(ctx, prog, len, err) < 0)
		goto out;
	r = 0;
out:
	if (r < 0) {
		free(*prog);
		*prog = NULL;
	}
	seccomp_release(ctx);
	return r;
}

int rt_seccomp_compile(const struct lxr_seccomp *p, struct sock_filter **prog, size_t *len,
		       lxr_err *err)
{
	if (rt_seccomp_compile_as_written(p, prog, len, err) < 0)
		return -1;
	rt_seccomp_shrink(prog, len);
	if (*len <= MAX_INSNS)
		return 0;
	free(*prog);
	*prog = NULL;
	lxr_fail(err, E2BIG, "seccomp program of %zu instructions", *len);
	return lxr_err_hint(err, "the kernel takes at most %d: the profile has too many rules",
			    MAX_INSNS);
}
