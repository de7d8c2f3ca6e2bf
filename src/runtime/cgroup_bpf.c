/* cgroup v2 has no devices controller: the kernel asks a program of type
 * BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup (or an ancestor) on
 * every open and mknod of a device node, and refuses with EPERM when it
 * returns 0. This file writes that program by hand from the folded rule
 * state (cgroup_devices.c) — a few dozen instructions, so no libbpf — and
 * loads and attaches it through bpf(2).
 *
 * The program reads struct bpf_cgroup_dev_ctx: access_type holds the
 * request's BPF_DEVCG_ACC_* bits in its upper half and the node's
 * BPF_DEVCG_DEV_* type in its lower half, then major and minor. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>

#include "runtime/cgroup.h"

_Static_assert((int)RT_DEV_MKNOD == (int)BPF_DEVCG_ACC_MKNOD &&
		   (int)RT_DEV_READ == (int)BPF_DEVCG_ACC_READ &&
		   (int)RT_DEV_WRITE == (int)BPF_DEVCG_ACC_WRITE,
	       "RT_DEV_* are the kernel's access bits");

/* Registers: r1 the context on entry; then r2 type, r3 access, r4 major,
 * r5 minor for the whole program; r6 scratch. */
enum { R0, R1, R2, R3, R4, R5, R6 };

struct prog {
	struct bpf_insn *v;
	size_t n, cap;
};

static size_t emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->v = lxr_xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	p->v[p->n] =
	    (struct bpf_insn){.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
	return p->n++;
}

/* if dst != imm (or ==): jump, target patched once the block ends */
static size_t jump_if(struct prog *p, uint8_t op, uint8_t dst, int32_t imm)
{
	return emit(p, BPF_JMP | op | BPF_K, dst, 0, 0, imm);
}

static void ret(struct prog *p, int32_t v)
{
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, v);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

/* One exception: every check that fails jumps past the block to the next
 * one; a request that passes them all gets the exception's verdict. */
static void exception_block(struct prog *p, const struct rt_dev_exception *e, bool allow_all)
{
	size_t skip[4], n = 0;

	skip[n++] =
	    jump_if(p, BPF_JNE, R2, e->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
	if (e->major >= 0)
		skip[n++] = jump_if(p, BPF_JNE, R4, (int32_t)e->major);
	if (e->minor >= 0)
		skip[n++] = jump_if(p, BPF_JNE, R5, (int32_t)e->minor);
	if (e->access != RT_DEV_ALL) {
		emit(p, BPF_ALU | BPF_MOV | BPF_X, R6, R3, 0, 0);
		if (allow_all) {
			/* a deny exception refuses a request that asks for
			 * any of its access */
			emit(p, BPF_ALU | BPF_AND | BPF_K, R6, 0, 0, (int32_t)e->access);
			skip[n++] = jump_if(p, BPF_JEQ, R6, 0);
		} else {
			/* an allow exception grants a request only if it
			 * covers all of it */
			emit(p, BPF_ALU | BPF_AND | BPF_K, R6, 0, 0,
			     (int32_t)(~e->access & RT_DEV_ALL));
			skip[n++] = jump_if(p, BPF_JNE, R6, 0);
		}
	}
	ret(p, allow_all ? 0 : 1);
	for (size_t i = 0; i < n; i++)
		p->v[skip[i]].off = (int16_t)(p->n - skip[i] - 1);
}

void rt_dev_bpf_build(const struct rt_dev_state *st, struct bpf_insn **insns, size_t *n)
{
	struct prog p = {0};

	emit(&p, BPF_LDX | BPF_W | BPF_MEM, R2, R1,
	     offsetof(struct bpf_cgroup_dev_ctx, access_type), 0);
	emit(&p, BPF_ALU | BPF_MOV | BPF_X, R3, R2, 0, 0);
	emit(&p, BPF_ALU | BPF_AND | BPF_K, R2, 0, 0, 0xffff);
	emit(&p, BPF_ALU | BPF_RSH | BPF_K, R3, 0, 0, 16);
	emit(&p, BPF_LDX | BPF_W | BPF_MEM, R4, R1, offsetof(struct bpf_cgroup_dev_ctx, major), 0);
	emit(&p, BPF_LDX | BPF_W | BPF_MEM, R5, R1, offsetof(struct bpf_cgroup_dev_ctx, minor), 0);
	for (size_t i = 0; i < st->n; i++)
		exception_block(&p, &st->ex[i], st->allow_all);
	/* no exception matched: the default */
	ret(&p, st->allow_all ? 1 : 0);
	*insns = p.v;
	*n = p.n;
}

static int bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* The verifier says why it refused a program only into a log buffer: load
 * once more with one, for the error message. */
static int load_error(const struct bpf_insn *insns, size_t n, int errnum, lxr_err *err)
{
	_cleanup_free_ char *log = lxr_xcalloc(1, 65536);
	union bpf_attr a = {.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE,
			    .insns = (uint64_t)(uintptr_t)insns,
			    .insn_cnt = (uint32_t)n,
			    .license = (uint64_t)(uintptr_t) "GPL",
			    .log_buf = (uint64_t)(uintptr_t)log,
			    .log_size = 65536,
			    .log_level = 1};
	int fd = bpf(BPF_PROG_LOAD, &a);
	char *last;

	if (fd >= 0)
		close(fd);
	/* the verifier's last complete line is the reason */
	for (size_t len = strlen(log); len && log[len - 1] == '\n'; len--)
		log[len - 1] = '\0';
	last = strrchr(log, '\n');
	lxr_fail(err, errnum,
		 "load the device cgroup program (bpf BPF_PROG_LOAD, %zu instructions)%s%s", n,
		 log[0] ? ": " : "", last ? last + 1 : log);
	if (errnum == EPERM)
		return lxr_err_hint(err,
				    "loading BPF programs needs CAP_SYS_ADMIN (or CAP_BPF); "
				    "on kernels before 5.11 also a large enough RLIMIT_MEMLOCK");
	return lxr_err_hint(err,
			    "the kernel needs CONFIG_CGROUP_BPF for device rules on cgroup v2");
}

int rt_dev_bpf_attach(const char *dir, const struct rt_dev_state *st, lxr_err *err)
{
	_cleanup_free_ struct bpf_insn *insns = NULL;
	_cleanup_close_ int prog = -1, cg = -1;
	size_t n;

	rt_dev_bpf_build(st, &insns, &n);
	union bpf_attr load = {.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE,
			       .insns = (uint64_t)(uintptr_t)insns,
			       .insn_cnt = (uint32_t)n,
			       .license = (uint64_t)(uintptr_t) "GPL"};
	prog = bpf(BPF_PROG_LOAD, &load);
	if (prog < 0)
		return load_error(insns, n, errno, err);
	/* BPF_PROG_ATTACH takes a real open directory, not an O_PATH fd */
	cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0)
		return lxr_fail(err, errno, "open %s", dir);
	/* ALLOW_MULTI: a program attached below (by a nested runtime) runs as
	 * well and can only narrow what this one allows, never widen it */
	union bpf_attr at = {.target_fd = (uint32_t)cg,
			     .attach_bpf_fd = (uint32_t)prog,
			     .attach_type = BPF_CGROUP_DEVICE,
			     .attach_flags = BPF_F_ALLOW_MULTI};
	if (bpf(BPF_PROG_ATTACH, &at) < 0)
		return lxr_fail(err, errno,
				"attach the device cgroup program to %s "
				"(bpf BPF_PROG_ATTACH BPF_CGROUP_DEVICE)",
				dir);
	return 0;
}
