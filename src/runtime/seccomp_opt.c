/* A shorter seccomp program with the same verdicts.
 *
 * libseccomp's program for docker's profile on x86-64 is about 1,250
 * instructions: three ABIs, each a tree of compares ending in one compare
 * per syscall. The kernel checks, converts and JIT-compiles all of it at
 * every container start (about a tenth of a `run`), and walks it once per
 * syscall number to find the calls it may let through unfiltered.
 *
 * Most of it only tells syscall numbers apart. So the program is run here
 * with the architecture and the number known and the arguments not: for
 * each architecture it compares with, and each range of numbers between
 * the constants it compares the number with, what is left is either a
 * verdict or the instructions that look at the arguments. Each of those
 * is kept once (equal ones are one node), and a binary search over the
 * ranges leads to them. Over the same ranges every compare of the number
 * goes the same way, so the verdict of any number is the one of its range.
 *
 * The accumulator starts at 0, as the kernel starts it. What this does
 * not model leaves the program as it was: the X register, scratch memory,
 * a load other than a word of seccomp_data, an ALU step the kernel would
 * refuse, arithmetic on the number or the architecture or either one
 * returned, a compare of the architecture other than equality, a bit test
 * of the number other than one of its top twelve bits, a jump out of the
 * program. So does any difference found when the two are run side by side
 * on every range's ends, and a result that is no shorter.
 */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime_internal.h"

#define OFF_NR   offsetof(struct seccomp_data, nr)
#define OFF_ARCH offsetof(struct seccomp_data, arch)
/* nodes made, instructions followed in a row and in all before giving
 * up: the kernel takes at most 4,096 instructions, libseccomp's paths are
 * far shorter than 1,024 (a level of follow() takes about 100 bytes of
 * stack, 530 with ASan, and a container's clone may compile on 1 MiB) */
#define MAX_NODES (1u << 16)
#define MAX_DEPTH 1024
#define MAX_STEPS (1u << 22)

/* what the accumulator holds while the program is followed */
enum tag { T_UNKNOWN, T_CONST, T_NR, T_ARCH, N_TAGS };
struct acc {
	enum tag tag;
	uint32_t v; /* the constant, or the number or architecture assumed */
};

/* One instruction of the result: a verdict, a load or an AND (next in a),
 * or a compare (true in a, false in b). Equal nodes are one node. */
struct node {
	uint16_t code;
	uint32_t k;
	int a, b;
};

struct opt {
	const struct sock_filter *in;
	size_t n;
	struct node *nodes;
	size_t n_nodes, cap;
	int *slots; /* hash of nodes: index + 1, 0 empty */
	size_t n_slots;
	struct {
		unsigned gen;
		struct acc acc;
		int node;
	} * memo; /* per instruction, for the (architecture, number) being followed */
	unsigned gen;
	size_t depth, steps;       /* of follow: too long a chain or too much work gives up */
	uint32_t jset_bits;        /* the bits of the number tested, as 1 << bit */
	uint32_t *points, *arches; /* numbers where a range starts; architectures */
	size_t n_points, n_arches, cap_points;
	bool failed;
};

static bool is_jump_k(uint16_t code)
{
	return code == (BPF_JMP | BPF_JEQ | BPF_K) || code == (BPF_JMP | BPF_JGT | BPF_K) ||
	       code == (BPF_JMP | BPF_JGE | BPF_K) || code == (BPF_JMP | BPF_JSET | BPF_K);
}

/* an ALU step with a constant that the kernel takes and alu() computes */
static bool is_alu_k(const struct sock_filter *f)
{
	if (BPF_CLASS(f->code) != BPF_ALU || BPF_SRC(f->code) != BPF_K)
		return false;
	switch (BPF_OP(f->code)) {
	case BPF_ADD:
	case BPF_SUB:
	case BPF_MUL:
	case BPF_OR:
	case BPF_AND:
	case BPF_XOR: return true;
	case BPF_LSH:
	case BPF_RSH: return f->k < 32;
	}
	return false;
}

static uint32_t alu(uint16_t code, uint32_t a, uint32_t k)
{
	switch (BPF_OP(code)) {
	case BPF_ADD: return a + k;
	case BPF_SUB: return a - k;
	case BPF_MUL: return a * k;
	case BPF_OR: return a | k;
	case BPF_AND: return a & k;
	case BPF_XOR: return a ^ k;
	case BPF_LSH: return a << k;
	case BPF_RSH: return a >> k;
	}
	return 0;
}

static bool taken(uint16_t code, uint32_t a, uint32_t k)
{
	switch (BPF_OP(code)) {
	case BPF_JEQ: return a == k;
	case BPF_JGT: return a > k;
	case BPF_JGE: return a >= k;
	}
	return (a & k) != 0; /* BPF_JSET */
}

/* ---- the ranges and architectures the program tells apart ---------------- */

static void add_point(struct opt *o, uint32_t p)
{
	if (o->n_points == o->cap_points) {
		o->cap_points = o->cap_points ? 2 * o->cap_points : 256;
		o->points = lxr_xrealloc(o->points, o->cap_points * sizeof(*o->points));
	}
	o->points[o->n_points++] = p;
}

static void add_arch(struct opt *o, uint32_t a)
{
	for (size_t i = 0; i < o->n_arches; i++)
		if (o->arches[i] == a)
			return;
	o->arches = lxr_xrealloc(o->arches, (o->n_arches + 1) * sizeof(*o->arches));
	o->arches[o->n_arches++] = a;
}

/* A compare of the number: where its answer changes. */
static void compare_nr(struct opt *o, uint16_t code, uint32_t k)
{
	switch (BPF_OP(code)) {
	case BPF_JEQ:
		add_point(o, k);
		if (k != UINT32_MAX)
			add_point(o, k + 1);
		return;
	case BPF_JGT:
		if (k != UINT32_MAX)
			add_point(o, k + 1);
		return;
	case BPF_JGE: add_point(o, k); return;
	}
	/* JSET of one bit, as the x32 bit: its answer changes at each multiple */
	if (!k || (k & (k - 1)) || k < (1u << 20)) {
		o->failed = true;
		return;
	}
	if (o->jset_bits & (1u << __builtin_ctz(k)))
		return;
	o->jset_bits |= 1u << __builtin_ctz(k);
	for (uint64_t m = k; m <= UINT32_MAX; m += k)
		add_point(o, (uint32_t)m);
}

/* The accumulator's kind after the instruction at pc, or N_TAGS when the
 * instruction is one this does not model for that kind. */
static enum tag step_tag(struct opt *o, const struct sock_filter *f, enum tag t)
{
	if (f->code == (BPF_LD | BPF_W | BPF_ABS)) {
		if (f->k % 4 || f->k >= sizeof(struct seccomp_data))
			return N_TAGS;
		return f->k == OFF_NR ? T_NR : f->k == OFF_ARCH ? T_ARCH : T_UNKNOWN;
	}
	if (f->code == (BPF_LD | BPF_IMM))
		return T_CONST;
	if (is_alu_k(f))
		return t == T_NR || t == T_ARCH ? N_TAGS : t;
	if (is_jump_k(f->code)) {
		if (t == T_ARCH && BPF_OP(f->code) != BPF_JEQ)
			return N_TAGS;
		if (t == T_ARCH)
			add_arch(o, f->k);
		else if (t == T_NR)
			compare_nr(o, f->code, f->k);
		return t;
	}
	if (f->code == (BPF_JMP | BPF_JA) || f->code == (BPF_RET | BPF_K))
		return t;
	if (f->code == (BPF_RET | BPF_A))
		return t == T_NR || t == T_ARCH ? N_TAGS : t;
	return N_TAGS;
}

/* The instruction off past the one at pc may be reached with t. */
static void mark(struct opt *o, uint8_t *reach, size_t pc, uint32_t off, enum tag t)
{
	if (off >= o->n - pc - 1)
		o->failed = true; /* out of the program, as the kernel refuses it */
	else
		reach[pc + 1 + off] |= (uint8_t)(1u << t);
}

/* One pass forward (every jump is): the kinds the accumulator may hold at
 * each instruction, and on the way every constant the number and the
 * architecture are compared with. */
static void survey(struct opt *o)
{
	uint8_t *reach = lxr_xcalloc(o->n, 1);

	reach[0] = 1u << T_CONST; /* 0, as the kernel starts */
	for (size_t pc = 0; pc < o->n && !o->failed; pc++) {
		const struct sock_filter *f = &o->in[pc];
		for (enum tag t = 0; t < N_TAGS && !o->failed; t++) {
			enum tag next;
			if (!(reach[pc] & (1u << t)))
				continue;
			next = step_tag(o, f, t);
			if (next == N_TAGS) {
				o->failed = true;
			} else if (f->code == (BPF_JMP | BPF_JA)) {
				mark(o, reach, pc, f->k, next);
			} else if (is_jump_k(f->code)) {
				mark(o, reach, pc, f->jt, next);
				mark(o, reach, pc, f->jf, next);
			} else if (BPF_CLASS(f->code) != BPF_RET) {
				mark(o, reach, pc, 0, next);
			}
		}
	}
	free(reach);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void sort_points(struct opt *o)
{
	size_t w = 0;

	add_point(o, 0);
	qsort(o->points, o->n_points, sizeof(*o->points), cmp_u32);
	for (size_t i = 0; i < o->n_points; i++)
		if (!w || o->points[w - 1] != o->points[i])
			o->points[w++] = o->points[i];
	o->n_points = w;
}

/* ---- nodes ---------------------------------------------------------------- */

static size_t node_hash(uint16_t code, uint32_t k, int a, int b)
{
	uint64_t h = ((uint64_t)code << 32 | k) * 0x9e3779b97f4a7c15u;

	h ^= ((uint64_t)(uint32_t)a << 32 | (uint32_t)b) * 0xc2b2ae3d27d4eb4fu;
	return (size_t)(h ^ h >> 29);
}

static void rehash(struct opt *o)
{
	free(o->slots);
	o->n_slots = o->n_slots ? 2 * o->n_slots : 1024;
	o->slots = lxr_xcalloc(o->n_slots, sizeof(*o->slots));
	for (size_t i = 0; i < o->n_nodes; i++) {
		const struct node *x = &o->nodes[i];
		size_t s = node_hash(x->code, x->k, x->a, x->b) & (o->n_slots - 1);
		while (o->slots[s])
			s = (s + 1) & (o->n_slots - 1);
		o->slots[s] = (int)i + 1;
	}
}

static int make(struct opt *o, uint16_t code, uint32_t k, int a, int b)
{
	size_t s;

	if (o->failed || a < 0 || (b < 0 && BPF_CLASS(code) == BPF_JMP)) {
		o->failed = true;
		return -1;
	}
	if (2 * (o->n_nodes + 1) > o->n_slots)
		rehash(o);
	s = node_hash(code, k, a, b) & (o->n_slots - 1);
	for (; o->slots[s]; s = (s + 1) & (o->n_slots - 1)) {
		const struct node *x = &o->nodes[o->slots[s] - 1];
		if (x->code == code && x->k == k && x->a == a && x->b == b)
			return o->slots[s] - 1;
	}
	if (o->n_nodes >= MAX_NODES) {
		o->failed = true;
		return -1;
	}
	if (o->n_nodes == o->cap) {
		o->cap = o->cap ? 2 * o->cap : 512;
		o->nodes = lxr_xrealloc(o->nodes, o->cap * sizeof(*o->nodes));
	}
	o->nodes[o->n_nodes] = (struct node){code, k, a, b};
	o->slots[s] = (int)++o->n_nodes;
	return (int)o->n_nodes - 1;
}

static int ret_k(struct opt *o, uint32_t k)
{
	return make(o, BPF_RET | BPF_K, k, 0, 0);
}

/* ---- following the program with the number and architecture known -------- */

static int follow(struct opt *o, size_t pc, struct acc acc, uint32_t nr, uint32_t arch);

static int follow_jump(struct opt *o, size_t pc, struct acc acc, uint32_t nr, uint32_t arch)
{
	const struct sock_filter *f = &o->in[pc];
	int t, e;

	if (acc.tag != T_UNKNOWN)
		return follow(o, pc + 1 + (taken(f->code, acc.v, f->k) ? f->jt : f->jf), acc, nr,
			      arch);
	t = follow(o, pc + 1 + f->jt, acc, nr, arch);
	e = follow(o, pc + 1 + f->jf, acc, nr, arch);
	return t == e ? t : make(o, f->code, f->k, t, e);
}

static int follow_step(struct opt *o, size_t pc, struct acc acc, uint32_t nr, uint32_t arch)
{
	const struct sock_filter *f = &o->in[pc];

	if (f->code == (BPF_LD | BPF_W | BPF_ABS)) {
		if (f->k == OFF_NR || f->k == OFF_ARCH)
			return follow(o, pc + 1,
				      (struct acc){f->k == OFF_NR ? T_NR : T_ARCH,
						   f->k == OFF_NR ? nr : arch},
				      nr, arch);
		return make(o, f->code, f->k,
			    follow(o, pc + 1, (struct acc){T_UNKNOWN, 0}, nr, arch), 0);
	}
	if (f->code == (BPF_LD | BPF_IMM))
		return follow(o, pc + 1, (struct acc){T_CONST, f->k}, nr, arch);
	if (is_alu_k(f) && acc.tag == T_CONST)
		return follow(o, pc + 1, (struct acc){T_CONST, alu(f->code, acc.v, f->k)}, nr,
			      arch);
	if (is_alu_k(f))
		return make(o, f->code, f->k, follow(o, pc + 1, acc, nr, arch), 0);
	if (f->code == (BPF_JMP | BPF_JA))
		return follow(o, pc + 1 + f->k, acc, nr, arch);
	if (is_jump_k(f->code))
		return follow_jump(o, pc, acc, nr, arch);
	if (f->code == (BPF_RET | BPF_K))
		return ret_k(o, f->k);
	if (f->code == (BPF_RET | BPF_A) && (acc.tag == T_CONST || acc.tag == T_UNKNOWN))
		return acc.tag == T_CONST ? ret_k(o, acc.v) : make(o, f->code, 0, 0, 0);
	o->failed = true; /* survey() let nothing else through */
	return -1;
}

/* The node for the rest of the program from pc: survey() checked that
 * every instruction reached is modelled for what the accumulator holds. */
static int follow(struct opt *o, size_t pc, struct acc acc, uint32_t nr, uint32_t arch)
{
	int r;

	if (o->failed || pc >= o->n) {
		o->failed = true;
		return -1;
	}
	if (o->memo[pc].gen == o->gen && o->memo[pc].acc.tag == acc.tag &&
	    o->memo[pc].acc.v == acc.v)
		return o->memo[pc].node;
	if (++o->depth > MAX_DEPTH || ++o->steps > MAX_STEPS) {
		o->failed = true;
		return -1;
	}
	r = follow_step(o, pc, acc, nr, arch);
	o->depth--;
	o->memo[pc].gen = o->gen;
	o->memo[pc].acc = acc;
	o->memo[pc].node = r;
	return r;
}

/* A binary search over ranges [starts[i], starts[i + 1]) to their nodes. */
static int search(struct opt *o, const uint32_t *starts, const int *to, size_t count)
{
	size_t half = count / 2;

	if (count == 1)
		return to[0];
	return make(o, BPF_JMP | BPF_JGE | BPF_K, starts[half],
		    search(o, starts + half, to + half, count - half), search(o, starts, to, half));
}

/* The program for one architecture: its ranges, neighbours with the same
 * node made one. */
static int for_arch(struct opt *o, uint32_t arch)
{
	uint32_t *starts = lxr_xmalloc(o->n_points * sizeof(*starts));
	int *to = lxr_xmalloc(o->n_points * sizeof(*to));
	size_t n = 0;
	int r;

	for (size_t i = 0; i < o->n_points && !o->failed; i++) {
		int x;
		o->gen++;
		x = follow(o, 0, (struct acc){T_CONST, 0}, o->points[i], arch);
		if (n && to[n - 1] == x)
			continue;
		starts[n] = o->points[i];
		to[n++] = x;
	}
	r = o->failed ? -1
	    : n == 1  ? to[0]
		      : make(o, BPF_LD | BPF_W | BPF_ABS, OFF_NR, search(o, starts, to, n), 0);
	free(starts);
	free(to);
	return r;
}

/* An architecture none of the program's compares names. */
static uint32_t other_arch(const struct opt *o)
{
	uint32_t a = 0;

	for (size_t i = 0; i < o->n_arches; i++)
		if (o->arches[i] == a) {
			a++;
			i = (size_t)-1;
		}
	return a;
}

/* The whole program: the architecture compared with each the program
 * names, in its order, then the rest. */
static int build(struct opt *o)
{
	int other = for_arch(o, other_arch(o)), top = other;
	bool all_same = true;

	for (size_t i = o->n_arches; i-- > 0 && !o->failed;) {
		int x = for_arch(o, o->arches[i]);
		all_same &= x == other;
		top = make(o, BPF_JMP | BPF_JEQ | BPF_K, o->arches[i], x, top);
	}
	if (o->failed)
		return -1;
	return all_same ? other : make(o, BPF_LD | BPF_W | BPF_ABS, OFF_ARCH, top, 0);
}

/* ---- laying the nodes out -------------------------------------------------- */

enum { FAR_TRUE = 1, FAR_FALSE = 2, JA_NEXT = 4 };

static void postorder(const struct opt *o, int x, bool *seen, int *out, size_t *n)
{
	const struct node *d = &o->nodes[x];

	seen[x] = true;
	if (BPF_CLASS(d->code) != BPF_RET && !seen[d->a])
		postorder(o, d->a, seen, out, n);
	if (BPF_CLASS(d->code) == BPF_JMP && !seen[d->b])
		postorder(o, d->b, seen, out, n);
	out[(*n)++] = x;
}

/* Whether node x needs one more instruction at the addresses given: a
 * compare reaches 255 instructions ahead, a load or an ALU step none. */
static bool grow(const struct opt *o, int x, const size_t *addr, uint8_t *extra)
{
	const struct node *d = &o->nodes[x];
	uint8_t was = extra[x];

	if (BPF_CLASS(d->code) == BPF_JMP) {
		if (addr[d->a] - addr[x] - 1 > 255)
			extra[x] |= FAR_TRUE;
		if (addr[d->b] - addr[x] - 1 > 255)
			extra[x] |= FAR_FALSE;
	} else if (BPF_CLASS(d->code) != BPF_RET && addr[d->a] != addr[x] + 1) {
		extra[x] |= JA_NEXT;
	}
	return extra[x] != was;
}

/* At pos, a way to node t: a copy of it when it is a verdict, else a jump. */
static struct sock_filter way_to(const struct opt *o, int t, const size_t *addr, size_t pos)
{
	const struct node *d = &o->nodes[t];

	if (BPF_CLASS(d->code) == BPF_RET)
		return (struct sock_filter)BPF_STMT(d->code, d->k);
	return (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, (uint32_t)(addr[t] - pos - 1));
}

static void put(const struct opt *o, int x, const size_t *addr, const uint8_t *extra,
		struct sock_filter *out)
{
	const struct node *d = &o->nodes[x];
	size_t pos = addr[x], slot = pos + 1;

	out[pos] = (struct sock_filter)BPF_STMT(d->code, d->k);
	if (BPF_CLASS(d->code) == BPF_JMP) {
		out[pos].jt = (uint8_t)((extra[x] & FAR_TRUE ? slot : addr[d->a]) - pos - 1);
		if (extra[x] & FAR_TRUE)
			out[slot] = way_to(o, d->a, addr, slot), slot++;
		out[pos].jf = (uint8_t)((extra[x] & FAR_FALSE ? slot : addr[d->b]) - pos - 1);
		if (extra[x] & FAR_FALSE)
			out[slot] = way_to(o, d->b, addr, slot);
	} else if (extra[x] & JA_NEXT) {
		out[slot] = way_to(o, d->a, addr, slot);
	}
}

/* The nodes from root as a program: each before the nodes it leads to
 * (every jump goes forward), a compare followed by its false side where
 * that is free, more instructions where a jump would be too long. */
static size_t lay_out(const struct opt *o, int root, struct sock_filter **prog)
{
	bool *seen = lxr_xcalloc(o->n_nodes, sizeof(*seen));
	int *order = lxr_xmalloc(o->n_nodes * sizeof(*order));
	size_t *addr = lxr_xcalloc(o->n_nodes, sizeof(*addr));
	uint8_t *extra = lxr_xcalloc(o->n_nodes, 1);
	size_t n = 0, total = 0;
	bool changed = true;

	postorder(o, root, seen, order, &n);
	for (size_t i = 0; i < n / 2; i++) {
		int t = order[i];
		order[i] = order[n - 1 - i];
		order[n - 1 - i] = t;
	}
	while (changed) {
		changed = false;
		total = 0;
		for (size_t i = 0; i < n; i++) {
			addr[order[i]] = total;
			total += 1u + !!(extra[order[i]] & FAR_TRUE) +
				 !!(extra[order[i]] & FAR_FALSE) + !!(extra[order[i]] & JA_NEXT);
		}
		for (size_t i = 0; i < n; i++)
			changed |= grow(o, order[i], addr, extra);
	}
	*prog = lxr_xcalloc(total, sizeof(**prog));
	for (size_t i = 0; i < n; i++)
		put(o, order[i], addr, extra, *prog);
	free(seen);
	free(order);
	free(addr);
	free(extra);
	return total;
}

/* ---- running a program ----------------------------------------------------- */

bool rt_seccomp_run(const struct sock_filter *prog, size_t len, const struct seccomp_data *d,
		    uint32_t *verdict)
{
	uint32_t a = 0;

	for (size_t pc = 0; pc < len; pc++) {
		const struct sock_filter *f = &prog[pc];
		uint32_t off = 0;
		if (f->code == (BPF_LD | BPF_W | BPF_ABS) && f->k % 4 == 0 && f->k < sizeof(*d))
			memcpy(&a, (const char *)d + f->k, sizeof(a));
		else if (f->code == (BPF_LD | BPF_IMM))
			a = f->k;
		else if (is_alu_k(f))
			a = alu(f->code, a, f->k);
		else if (f->code == (BPF_JMP | BPF_JA))
			off = f->k;
		else if (is_jump_k(f->code))
			off = taken(f->code, a, f->k) ? f->jt : f->jf;
		else if (f->code == (BPF_RET | BPF_K) || f->code == (BPF_RET | BPF_A))
			return *verdict = f->code == (BPF_RET | BPF_A) ? a : f->k, true;
		else
			return false;
		if (off >= len - pc - 1)
			return false; /* out of the program */
		pc += off;
	}
	return false;
}

/* Whether both programs give the same verdict for the numbers and
 * architecture, with the arguments all zero bits and all one bits. */
static bool agree_on(const struct opt *o, const struct sock_filter *p, size_t len, uint32_t arch,
		     uint32_t nr)
{
	struct seccomp_data d = {.arch = arch, .nr = (int)nr};

	for (int ones = 0; ones < 2; ones++) {
		uint32_t x, y;
		memset(d.args, ones ? 0xff : 0, sizeof(d.args));
		if (!rt_seccomp_run(o->in, o->n, &d, &x) || !rt_seccomp_run(p, len, &d, &y) ||
		    x != y)
			return false;
	}
	return true;
}

/* Both programs agree on the first and last number of every range, for
 * every architecture. */
static bool agree(const struct opt *o, const struct sock_filter *p, size_t len)
{
	for (size_t ai = 0; ai <= o->n_arches; ai++) {
		uint32_t arch = ai < o->n_arches ? o->arches[ai] : other_arch(o);
		for (size_t i = 0; i < o->n_points; i++) {
			uint32_t last = i + 1 < o->n_points ? o->points[i + 1] - 1 : UINT32_MAX;
			if (!agree_on(o, p, len, arch, o->points[i]) ||
			    !agree_on(o, p, len, arch, last))
				return false;
		}
	}
	return true;
}

void rt_seccomp_shrink(struct sock_filter **prog, size_t *len)
{
	struct opt o = {.in = *prog, .n = *len};
	struct sock_filter *out = NULL;
	size_t n = 0;
	int root;

	if (!*len)
		return;
	survey(&o);
	if (!o.failed) {
		sort_points(&o);
		o.memo = lxr_xcalloc(o.n, sizeof(*o.memo));
		root = build(&o);
		if (!o.failed && root >= 0)
			n = lay_out(&o, root, &out);
	}
	if (n && n < *len && agree(&o, out, n)) {
		lxr_debug("seccomp program: %zu instructions, from %zu", n, *len);
		free(*prog);
		*prog = out;
		*len = n;
	} else {
		free(out);
	}
	free(o.nodes);
	free(o.slots);
	free(o.memo);
	free(o.points);
	free(o.arches);
}
