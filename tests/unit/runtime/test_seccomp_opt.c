/* runtime: the shortened seccomp program (seccomp_opt.c) gives the
 * verdicts libseccomp's program gives. Both are run, as the kernel runs
 * them, over every architecture they name and some they do not, every
 * syscall number up to past the last one and the same for x32, the
 * numbers at the edges of the 32 bits, random ones, and arguments made
 * of the constants the programs compare with, their neighbours and
 * random bits. The kernel loading the short program is test_seccomp's
 * (every filter it loads is one). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "runtime/runtime_internal.h"

#define B(c) (UINT64_C(1) << (c))

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* the constants a program compares with, and their neighbours */
struct pool {
	uint32_t v[8192];
	size_t n;
};

static void pool_add(struct pool *p, uint32_t v)
{
	if (p->n < sizeof(p->v) / sizeof(p->v[0]))
		p->v[p->n++] = v;
}

static void pool_of(const struct sock_filter *prog, size_t len, struct pool *p)
{
	p->n = 0;
	pool_add(p, 0);
	pool_add(p, UINT32_MAX);
	for (size_t i = 0; i < len; i++) {
		if (BPF_CLASS(prog[i].code) != BPF_JMP && BPF_CLASS(prog[i].code) != BPF_ALU)
			continue;
		pool_add(p, prog[i].k);
		pool_add(p, prog[i].k + 1);
		pool_add(p, prog[i].k - 1);
	}
}

static uint32_t half(const struct pool *p)
{
	switch (rnd() % 4) {
	case 0: return 0;
	case 1: return rnd();
	default: return p->v[rnd() % p->n];
	}
}

/* The kernel's classic BPF, for the instructions these programs use,
 * written apart from rt_seccomp_run so that a mistake in that one (which
 * the shortening relies on) shows; both must agree on every input. */
static uint32_t kernel_verdict(const struct sock_filter *prog, size_t len,
			       const struct seccomp_data *d)
{
	uint32_t a = 0, w[16];

	memcpy(w, d, sizeof(w));
	for (size_t pc = 0; pc < len;) {
		const struct sock_filter f = prog[pc++];
		switch (f.code) {
		case BPF_LD | BPF_W | BPF_ABS:
			assert_true(f.k % 4 == 0 && f.k < sizeof(w));
			a = w[f.k / 4];
			continue;
		case BPF_LD | BPF_IMM: a = f.k; continue;
		case BPF_ALU | BPF_AND | BPF_K: a &= f.k; continue;
		case BPF_ALU | BPF_OR | BPF_K: a |= f.k; continue;
		case BPF_ALU | BPF_ADD | BPF_K: a += f.k; continue;
		case BPF_JMP | BPF_JA: pc += f.k; continue;
		case BPF_JMP | BPF_JEQ | BPF_K: pc += a == f.k ? f.jt : f.jf; continue;
		case BPF_JMP | BPF_JGT | BPF_K: pc += a > f.k ? f.jt : f.jf; continue;
		case BPF_JMP | BPF_JGE | BPF_K: pc += a >= f.k ? f.jt : f.jf; continue;
		case BPF_JMP | BPF_JSET | BPF_K: pc += (a & f.k) ? f.jt : f.jf; continue;
		case BPF_RET | BPF_K: return f.k;
		case BPF_RET | BPF_A: return a;
		}
		fail_msg("instruction %#x at %zu", f.code, pc - 1);
	}
	fail_msg("fell out of the program");
	return 0;
}

static uint32_t verdict_of(const struct sock_filter *prog, size_t len, const struct seccomp_data *d)
{
	uint32_t v = 0;

	assert_true(rt_seccomp_run(prog, len, d, &v));
	assert_int_equal(v, kernel_verdict(prog, len, d));
	return v;
}

static size_t compared;

/* Both programs on one architecture and number, several arguments. */
static void same_for(const struct sock_filter *a, size_t na, const struct sock_filter *b, size_t nb,
		     const struct pool *p, uint32_t arch, uint32_t nr)
{
	struct seccomp_data d = {.arch = arch, .nr = (int)nr};

	for (int round = 0; round < 6; round++) {
		for (int i = 0; i < 6; i++)
			d.args[i] = round == 0   ? 0
				    : round == 1 ? UINT64_MAX
						 : (uint64_t)half(p) << 32 | half(p);
		d.instruction_pointer = round < 2 ? 0 : (uint64_t)rnd() << 32 | rnd();
		if (verdict_of(a, na, &d) != verdict_of(b, nb, &d))
			fail_msg("arch %#x nr %#x args %#llx %#llx %#llx: %#x, shortened %#x", arch,
				 nr, (unsigned long long)d.args[0], (unsigned long long)d.args[1],
				 (unsigned long long)d.args[2], verdict_of(a, na, &d),
				 verdict_of(b, nb, &d));
		compared++;
	}
}

static void same_verdicts(const struct sock_filter *a, size_t na, const struct sock_filter *b,
			  size_t nb)
{
	static const uint32_t arches[] = {
	    AUDIT_ARCH_X86_64,     AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, 0, 1,
	    AUDIT_ARCH_X86_64 + 1, 0xffffffffu};
	static const uint32_t edges[] = {0x3fffffffu, 0x40000000u, 0x7fffffffu, 0x80000000u,
					 0xbfffffffu, 0xc0000000u, 0xfffffffeu, 0xffffffffu};
	struct pool p;

	pool_of(a, na, &p);
	for (size_t ai = 0; ai < sizeof(arches) / sizeof(arches[0]); ai++) {
		for (uint32_t nr = 0; nr < 1700; nr++) {
			same_for(a, na, b, nb, &p, arches[ai], nr);
			same_for(a, na, b, nb, &p, arches[ai], 0x40000000u + nr);
		}
		for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
			same_for(a, na, b, nb, &p, arches[ai], edges[i]);
		for (int i = 0; i < 500; i++)
			same_for(a, na, b, nb, &p, arches[ai], rnd());
	}
}

/* p compiled both ways; returns the shortened program's length */
static size_t check_profile(const struct lxr_seccomp *p)
{
	struct sock_filter *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	lxr_err err;

	assert_int_equal(rt_seccomp_compile_as_written(p, &a, &na, &err), 0);
	assert_int_equal(rt_seccomp_compile(p, &b, &nb, &err), 0);
	assert_true(nb <= na);
	same_verdicts(a, na, b, nb);
	free(a);
	free(b);
	return nb;
}

/* docker's profile for the default capabilities, all of them, none and
 * CAP_SYS_ADMIN's (the one that opens clone's flags): a third of the
 * instructions or fewer, every verdict the same */
static void docker_default_same_verdicts_shorter(void **state)
{
	const uint64_t sets[] = {rt_caps_docker_default(), rt_caps_all(), 0, B(CAP_SYS_ADMIN)};

	(void)state;
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		struct lxr_seccomp *p = rt_seccomp_default(sets[i]);
		struct sock_filter *a = NULL;
		size_t na = 0, nb;
		lxr_err err;

		assert_int_equal(rt_seccomp_compile_as_written(p, &a, &na, &err), 0);
		nb = check_profile(p);
#if defined(__x86_64__) && !defined(__ILP32__)
		assert_true(nb * 3 <= na);
#endif
		free(a);
		plan_seccomp_free(p);
	}
	assert_true(compared > 100000);
}

/* A profile of the user's: every compare of an argument, 64-bit values,
 * two values of one argument (either matches), several actions, on three
 * ABIs, with a refusing default (the ENOSYS stub in front) and with an
 * allowing one (no stub). */
static void custom_profile_same_verdicts(void **state)
{
	struct lxr_seccomp_arg ne = {.index = 0, .op = LXR_SECCOMP_NE, .value = 0x100000005ull};
	struct lxr_seccomp_arg lt_le[2] = {{.index = 1, .op = LXR_SECCOMP_LT, .value = 7},
					   {.index = 2, .op = LXR_SECCOMP_LE, .value = 1ull << 40}};
	struct lxr_seccomp_arg ge_gt[2] = {{.index = 3, .op = LXR_SECCOMP_GE, .value = 0xfffffff0u},
					   {.index = 5, .op = LXR_SECCOMP_GT, .value = 3}};
	struct lxr_seccomp_arg masked = {
	    .index = 0, .op = LXR_SECCOMP_MASKED_EQ, .value = 0xff00, .value_two = 0x1200};
	struct lxr_seccomp_arg either[2] = {{.index = 0, .op = LXR_SECCOMP_EQ, .value = 38},
					    {.index = 0, .op = LXR_SECCOMP_EQ, .value = 40}};
	char *r[] = {"read", "write", NULL}, *o[] = {"openat", NULL}, *m[] = {"mmap", NULL};
	char *s[] = {"socket", NULL}, *io[] = {"ioctl", NULL}, *k[] = {"keyctl", "ptrace", NULL};
	char *g[] = {"getpid", "gettid", "exit_group", "fchmodat2", NULL};
	struct lxr_seccomp_syscall calls[] = {
	    {.names = r, .action = LXR_SECCOMP_ALLOW, .args = &ne, .n_args = 1},
	    {.names = o,
	     .action = LXR_SECCOMP_ERRNO,
	     .errno_ret = EACCES,
	     .args = lt_le,
	     .n_args = 2},
	    {.names = m, .action = LXR_SECCOMP_TRAP, .args = ge_gt, .n_args = 2},
	    {.names = io, .action = LXR_SECCOMP_LOG, .args = &masked, .n_args = 1},
	    {.names = s,
	     .action = LXR_SECCOMP_ERRNO,
	     .errno_ret = EAFNOSUPPORT,
	     .args = either,
	     .n_args = 2},
	    {.names = k, .action = LXR_SECCOMP_KILL_PROCESS},
	    {.names = g, .action = LXR_SECCOMP_ALLOW},
	};
	char *arches[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL};
	struct lxr_seccomp p = {.default_action = LXR_SECCOMP_ERRNO,
				.default_errno_ret = EPERM,
				.architectures = arches,
				.syscalls = calls,
				.n_syscalls = sizeof(calls) / sizeof(calls[0])};

	(void)state;
	check_profile(&p);
	p.default_action = LXR_SECCOMP_ALLOW;
	check_profile(&p);
	p.architectures = NULL;
	p.default_action = LXR_SECCOMP_KILL_THREAD;
	check_profile(&p);
}

/* What the shortening does not model is left as it was: the X register,
 * scratch memory, a compare of the architecture other than equality,
 * arithmetic on the number, a bit test of several of its bits, the number
 * returned, a jump out of the program; and so is a program that cannot
 * be shorter, or an empty one. */
static void unmodelled_programs_left_alone(void **state)
{
	const struct sock_filter ldx[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_STMT(BPF_LDX | BPF_W | BPF_IMM, 3), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
	const struct sock_filter arch_gt[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	    BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 5, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
	const struct sock_filter nr_add[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 1), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 40, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
	const struct sock_filter nr_bits[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x3, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 4, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1)};
	const struct sock_filter out_of_range[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 4, 0, 1), BPF_STMT(BPF_JMP | BPF_JA, 0xffffffffu),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
	const struct sock_filter ret_nr[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 4, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW), BPF_STMT(BPF_RET | BPF_A, 0)};
	const struct sock_filter shortest[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
	const struct {
		const struct sock_filter *f;
		size_t n;
	} cases[] = {{ldx, 5},          {arch_gt, 4}, {nr_add, 5},   {nr_bits, 6},
		     {out_of_range, 4}, {ret_nr, 4},  {shortest, 1}, {shortest, 0}};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sock_filter *prog = malloc(cases[i].n * sizeof(*prog)), *was = prog;
		size_t len = cases[i].n;
		memcpy(prog, cases[i].f, len * sizeof(*prog));
		rt_seccomp_shrink(&prog, &len);
		assert_ptr_equal(prog, was);
		assert_int_equal(len, cases[i].n);
		assert_memory_equal(prog, cases[i].f, len * sizeof(*prog));
		free(prog);
	}
}

/* A program of libseccomp's kind but larger: 180 numbers allowed one by
 * one, each behind compares that never decide anything, so the search
 * over its 360 ranges is longer than a compare reaches (255) and needs
 * jumps in between; the x32 bit tested with jset; a verdict that is the
 * accumulator, computed. */
static void long_reach_and_bit_tests(void **state)
{
	size_t n = 0;
	struct sock_filter *prog = malloc(1000 * sizeof(*prog)), *was, *copy;
	size_t len;

	(void)state;
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						 offsetof(struct seccomp_data, nr));
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x40000000u, 0, 1);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 38);
	for (uint32_t nr = 0; nr < 720; nr += 4) {
		for (int pad = 0; pad < 3; pad++)
			prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K,
								 0xfffffff0u, 0, 0);
		prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1);
		prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	}
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_IMM, SECCOMP_RET_ERRNO | 1);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_OR | BPF_K, 2);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_A, 0);
	copy = malloc(n * sizeof(*copy));
	memcpy(copy, prog, n * sizeof(*copy));
	was = prog;
	len = n;
	rt_seccomp_shrink(&prog, &len);
	assert_ptr_not_equal(prog, was);
	/* shorter, yet longer than a compare reaches */
	assert_true(len < n && len > 300);
	same_verdicts(copy, n, prog, len);
	free(prog);
	free(copy);
}

/* The accumulator is 0 before the first load, as the kernel starts it; the
 * number and the architecture loaded again after other loads. */
static void accumulator_at_start_and_reloads(void **state)
{
	const struct sock_filter before_load[] = {
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 3, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	    BPF_STMT(BPF_JMP | BPF_JA, 0),
	    BPF_STMT(BPF_JMP | BPF_JA, 0),
	    BPF_STMT(BPF_JMP | BPF_JA, 0),
	    BPF_STMT(BPF_JMP | BPF_JA, 0),
	    BPF_STMT(BPF_JMP | BPF_JA, 0),
	    BPF_STMT(BPF_JMP | BPF_JA, 0),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 100, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
	};
	const struct sock_filter reloads[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 10, 0, 8),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 7, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 2),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 12, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 2),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	const struct {
		const struct sock_filter *f;
		size_t n;
	} cases[] = {{before_load, 12}, {reloads, 11}};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sock_filter *prog = malloc(cases[i].n * sizeof(*prog));
		size_t len = cases[i].n;
		memcpy(prog, cases[i].f, len * sizeof(*prog));
		rt_seccomp_shrink(&prog, &len);
		same_verdicts(cases[i].f, cases[i].n, prog, len);
		free(prog);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(docker_default_same_verdicts_shorter),
	    cmocka_unit_test(custom_profile_same_verdicts),
	    cmocka_unit_test(unmodelled_programs_left_alone),
	    cmocka_unit_test(long_reach_and_bit_tests),
	    cmocka_unit_test(accumulator_at_start_and_reloads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
