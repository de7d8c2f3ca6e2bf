/* runtime/cgroup devices: the rule list folded as cgroup v1 would, the v1
 * knob writes, and the v2 BPF program — run here through a small
 * interpreter of the instructions it uses and checked, for every kind of
 * request, against the folded state (the kernel's v1 decision). Loading it
 * into a kernel needs root: the integration tests do that. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/bpf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "lxr/runtime.h"
#include "runtime/cgroup.h"

#define A(allow, type, maj, min, acc)                                                              \
	{                                                                                          \
		allow, type, maj, min, acc                                                         \
	}

/* ---- a tiny interpreter of the generated program ---------------------------- */

/* Walks every path; each instruction must be one the generator uses, jumps
 * must land inside the program, every instruction must be reachable (the
 * verifier refuses dead code) and every path must end in exit with r0 set. */
static void check_shape(const struct bpf_insn *p, size_t n)
{
	bool *seen = lxr_xcalloc(n, sizeof(bool));
	size_t *todo = lxr_xcalloc(2 * n + 1, sizeof(size_t)), nt = 0;

	assert_true(n > 0 && n <= 4096);
	todo[nt++] = 0;
	while (nt) {
		size_t pc = todo[--nt];
		assert_true(pc < n);
		if (seen[pc])
			continue;
		seen[pc] = true;
		uint8_t code = p[pc].code;
		if (code == (BPF_JMP | BPF_EXIT))
			continue;
		if (code == (BPF_JMP | BPF_JNE | BPF_K) || code == (BPF_JMP | BPF_JEQ | BPF_K)) {
			assert_true(p[pc].off >= 0); /* forward only: no loops */
			todo[nt++] = pc + 1 + (size_t)p[pc].off;
		}
		todo[nt++] = pc + 1;
	}
	for (size_t i = 0; i < n; i++)
		if (!seen[i])
			fail_msg("instruction %zu (code 0x%02x) is unreachable", i, p[i].code);
	free(seen);
	free(todo);
}

/* 1 allow, 0 deny */
static int run(const struct bpf_insn *p, size_t n, uint32_t type, uint32_t access, uint32_t major,
	       uint32_t minor)
{
	struct bpf_cgroup_dev_ctx ctx = {(access << 16) | type, major, minor};
	uint64_t r[11] = {0};
	bool r0_set = false, r1_ctx = true;

	for (size_t pc = 0, steps = 0; pc < n; pc++, steps++) {
		const struct bpf_insn *i = &p[pc];
		assert_true(steps < n);
		switch (i->code) {
		case BPF_LDX | BPF_W | BPF_MEM:
			assert_int_equal(i->src_reg, 1);
			assert_true(r1_ctx);
			assert_true(i->off >= 0 && i->off <= 8 && i->off % 4 == 0);
			memcpy(&r[i->dst_reg], (char *)&ctx + i->off, 4);
			r[i->dst_reg] &= 0xffffffff;
			break;
		case BPF_ALU | BPF_MOV | BPF_X: r[i->dst_reg] = r[i->src_reg] & 0xffffffff; break;
		case BPF_ALU | BPF_AND | BPF_K:
			r[i->dst_reg] = (r[i->dst_reg] & (uint32_t)i->imm);
			break;
		case BPF_ALU | BPF_RSH | BPF_K:
			r[i->dst_reg] = (uint32_t)r[i->dst_reg] >> i->imm;
			break;
		case BPF_ALU64 | BPF_MOV | BPF_K: r[i->dst_reg] = (uint64_t)(int64_t)i->imm; break;
		case BPF_JMP | BPF_JNE | BPF_K:
			if (r[i->dst_reg] != (uint64_t)(int64_t)i->imm)
				pc += (size_t)i->off;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			if (r[i->dst_reg] == (uint64_t)(int64_t)i->imm)
				pc += (size_t)i->off;
			break;
		case BPF_JMP | BPF_EXIT:
			assert_true(r0_set);
			assert_true(r[0] == 0 || r[0] == 1);
			return (int)r[0];
		default: fail_msg("instruction %zu: code 0x%02x is not one lxr emits", pc, i->code);
		}
		if (i->dst_reg == 0 && i->code != (BPF_JMP | BPF_JNE | BPF_K) &&
		    i->code != (BPF_JMP | BPF_JEQ | BPF_K))
			r0_set = true;
		if (i->dst_reg == 1 && (i->code & 0x07) != BPF_JMP)
			r1_ctx = false;
	}
	fail_msg("ran off the end of the program");
	return -1;
}

static void fold(const struct lxr_device_rule *rules, size_t n, struct rt_dev_state *st)
{
	lxr_err err;

	if (rt_dev_state_build(rules, n, st, &err) < 0)
		fail_msg("fold: %s", err.msg);
}

/* Majors and minors around every number a rule names, every access
 * combination, both types: the program must decide as the v1 model does. */
static void program_agrees(const struct lxr_device_rule *rules, size_t n)
{
	static const uint32_t nums[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 136, 229, 4095, 1048575};
	struct rt_dev_state st;
	struct bpf_insn *p;
	size_t len;

	fold(rules, n, &st);
	rt_dev_bpf_build(&st, &p, &len);
	check_shape(p, len);
	for (int t = 0; t < 2; t++)
		for (unsigned acc = 1; acc <= RT_DEV_ALL; acc++)
			for (size_t a = 0; a < sizeof(nums) / sizeof(nums[0]); a++)
				for (size_t b = 0; b < sizeof(nums) / sizeof(nums[0]); b++) {
					bool want = rt_dev_state_allows(&st, t ? 'c' : 'b', nums[a],
									nums[b], acc);
					int got = run(p, len,
						      t ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK,
						      acc, nums[a], nums[b]);
					if (got != want)
						fail_msg("%c %u:%u access %u: program %d, model %d",
							 t ? 'c' : 'b', nums[a], nums[b], acc, got,
							 want);
				}
	free(p);
	rt_dev_state_free(&st);
}

/* ---- docker's defaults ------------------------------------------------------------ */

static struct lxr_spec defaults;

static int defaults_setup(void **state)
{
	rt_spec_init_defaults(&defaults);
	return 0;
}

static int defaults_teardown(void **state)
{
	plan_spec_free(&defaults);
	return 0;
}

static bool allows(const struct lxr_resources *r, char type, uint32_t maj, uint32_t min,
		   unsigned acc)
{
	struct rt_dev_state st;
	struct bpf_insn *p;
	size_t n;
	bool model;
	int prog;

	fold(r->devices, r->n_devices, &st);
	rt_dev_bpf_build(&st, &p, &n);
	model = rt_dev_state_allows(&st, type, maj, min, acc);
	prog = run(p, n, type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK, acc, maj, min);
	free(p);
	rt_dev_state_free(&st);
	assert_int_equal(prog, model);
	return model;
}

static void docker_default_list(void **state)
{
	const struct lxr_resources *r = &defaults.resources;
	const unsigned rw = RT_DEV_READ | RT_DEV_WRITE;

	/* what every container uses */
	assert_true(allows(r, 'c', 1, 3, rw));          /* /dev/null */
	assert_true(allows(r, 'c', 1, 5, RT_DEV_READ)); /* zero */
	assert_true(allows(r, 'c', 1, 7, rw));          /* full */
	assert_true(allows(r, 'c', 1, 8, RT_DEV_READ)); /* random */
	assert_true(allows(r, 'c', 1, 9, RT_DEV_READ)); /* urandom */
	assert_true(allows(r, 'c', 5, 0, rw));          /* tty */
	assert_false(allows(r, 'c', 5, 1, rw));         /* the host's console: not runc's */
	assert_true(allows(r, 'c', 5, 2, rw));          /* ptmx */
	assert_true(allows(r, 'c', 136, 0, rw));        /* pts/0 */
	assert_true(allows(r, 'c', 136, 4095, rw));
	/* mknod of anything, opening none of it */
	assert_true(allows(r, 'c', 1, 11, RT_DEV_MKNOD)); /* kmsg */
	assert_false(allows(r, 'c', 1, 11, RT_DEV_READ));
	assert_false(allows(r, 'c', 1, 11, RT_DEV_WRITE));
	assert_false(allows(r, 'c', 1, 11, RT_DEV_MKNOD | RT_DEV_READ));
	assert_true(allows(r, 'b', 7, 0, RT_DEV_MKNOD)); /* loop0 */
	assert_false(allows(r, 'b', 7, 0, RT_DEV_READ));
	assert_false(allows(r, 'b', 8, 0, RT_DEV_WRITE)); /* sda */
	assert_false(allows(r, 'c', 10, 229, rw));        /* fuse */
	assert_false(allows(r, 'c', 10, 232, rw));        /* kvm */
	assert_false(allows(r, 'c', 4, 0, rw));           /* tty0 */
	assert_false(allows(r, 'b', 1, 3, RT_DEV_READ));  /* a block 1:3 is not null */
	program_agrees(r->devices, r->n_devices);
}

static char *v1_text(const struct lxr_resources *r)
{
	struct rt_cg_write w[64];
	lxr_err err;
	int n = rt_cgroup_plan(r, LXR_CG_V1, w, 64, &err);
	char *out = lxr_xstrdup("");

	if (n < 0)
		fail_msg("plan failed: %s", err.msg);
	for (int i = 0; i < n; i++) {
		char *next =
		    lxr_xasprintf("%s%s/%s=%s\n", out, w[i].controller, w[i].file, w[i].value);
		free(out);
		out = next;
	}
	return out;
}

static void v1_writes(void **state)
{
	struct lxr_resources r = defaults.resources;
	_cleanup_free_ char *t = NULL;
	struct rt_cg_write w[64];
	lxr_err err;

	r.pids_limit = 0;
	t = v1_text(&r);
	/* the reset first, then one line per exception, in rule order */
	assert_string_equal(t, "devices/devices.deny=a\n"
			       "devices/devices.allow=c *:* m\n"
			       "devices/devices.allow=b *:* m\n"
			       "devices/devices.allow=c 1:3 rwm\n"
			       "devices/devices.allow=c 1:5 rwm\n"
			       "devices/devices.allow=c 1:7 rwm\n"
			       "devices/devices.allow=c 1:8 rwm\n"
			       "devices/devices.allow=c 1:9 rwm\n"
			       "devices/devices.allow=c 5:0 rwm\n"
			       "devices/devices.allow=c 5:2 rwm\n"
			       "devices/devices.allow=c 136:* rwm\n");
	/* v2 writes no knob for them: a BPF program does the work */
	assert_int_equal(rt_cgroup_plan(&r, LXR_CG_V2, w, 64, &err), 0);
	/* and too little room is an error, not a short list */
	assert_int_equal(rt_cgroup_plan(&r, LXR_CG_V1, w, 5, &err), -1);
	assert_int_equal(err.errnum, ENOSPC);
}

/* ---- folding ------------------------------------------------------------------------ */

static char *state_text(const struct lxr_device_rule *rules, size_t n)
{
	struct rt_dev_state st;
	char *out;

	fold(rules, n, &st);
	out = lxr_xstrdup(st.allow_all ? "allow-all" : "deny-all");
	for (size_t i = 0; i < st.n; i++) {
		char line[64], *next;
		rt_dev_exception_format(&st.ex[i], line, sizeof(line));
		next = lxr_xasprintf("%s|%s", out, line);
		free(out);
		out = next;
	}
	rt_dev_state_free(&st);
	return out;
}

#define STATE(want, ...)                                                                           \
	do {                                                                                       \
		const struct lxr_device_rule r_[] = {__VA_ARGS__};                                 \
		_cleanup_free_ char *t_ = state_text(r_, sizeof(r_) / sizeof(r_[0]));              \
		assert_string_equal(t_, want);                                                     \
		program_agrees(r_, sizeof(r_) / sizeof(r_[0]));                                    \
	} while (0)

static void folding(void **state)
{
	/* a list that does not reset starts from allow-all, as a new v1
	 * cgroup below the root does: an allow then changes nothing */
	STATE("allow-all", A(true, 'c', 1, 3, "rwm"));
	/* privileged: deny, then allow everything */
	STATE("allow-all", A(false, 'a', -1, -1, "rwm"), A(true, 'a', -1, -1, "rwm"));
	/* compose's "a 7:* rmw" is the block and char halves, not a reset */
	STATE("deny-all|b 7:* rwm|c 7:* rwm", A(false, 'a', -1, -1, "rwm"),
	      A(true, 'a', 7, -1, "rmw"));
	/* allows for the same node add up; a deny takes access away from
	 * exactly that entry, and an emptied entry goes */
	STATE("deny-all|c 1:3 rw", A(false, 'a', -1, -1, "rwm"), A(true, 'c', 1, 3, "r"),
	      A(true, 'c', 1, 3, "wm"), A(false, 'c', 1, 3, "m"));
	STATE("deny-all", A(false, 'a', -1, -1, "rwm"), A(true, 'c', 1, 3, "r"),
	      A(false, 'c', 1, 3, "rwm"));
	/* ... and never punches a hole in a wildcard entry (v1 does not) */
	STATE("deny-all|c *:* m", A(false, 'a', -1, -1, "rwm"), A(true, 'c', -1, -1, "m"),
	      A(false, 'c', 1, 11, "m"));
	/* from allow-all, denies are the exceptions */
	STATE("allow-all|b 8:* rw|c 10:229 rwm", A(true, 'a', -1, -1, "rwm"),
	      A(false, 'b', 8, -1, "rw"), A(false, 'c', 10, 229, "rwm"), A(false, 'c', 1, 3, "r"),
	      A(true, 'c', 1, 3, "r"));
	/* a later reset drops what came before */
	STATE("deny-all|c 10:229 rwm", A(true, 'c', 1, 3, "rwm"), A(false, 'a', -1, -1, "rwm"),
	      A(true, 'c', 10, 229, "rwm"));
	/* a partial 'a *:*' is no reset either */
	STATE("deny-all|b *:* r|c *:* r", A(false, 'a', -1, -1, "rwm"), A(true, 'a', -1, -1, "r"));
}

static void bad_rules(void **state)
{
	static const struct {
		struct lxr_device_rule r;
		const char *why;
	} cases[] = {
	    {A(true, 'x', 1, 3, "rwm"), "the type must be a, b or c"},
	    {A(true, 'c', -2, 3, "rwm"), "the major number must be -1 (any) or 0..4095"},
	    {A(true, 'c', 4096, 3, "rwm"), "the major number must be -1 (any) or 0..4095"},
	    {A(true, 'c', 1, 1048576, "rwm"), "the minor number must be -1 (any) or 0..1048575"},
	    {A(true, 'c', 1, 3, "rx"), "the access must be made of r, w and m"},
	    {A(true, 'c', 1, 3, ""), "the access is empty"},
	};
	struct rt_dev_state st;
	lxr_err err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct lxr_device_rule rules[] = {A(false, 'a', -1, -1, "rwm"), cases[i].r};
		assert_int_equal(rt_dev_state_build(rules, 2, &st, &err), -1);
		assert_int_equal(err.errnum, EINVAL);
		if (!strstr(err.msg, "device cgroup rule 2 (allow ") ||
		    !strstr(err.msg, cases[i].why))
			fail_msg("case %zu: \"%s\"", i, err.msg);
		assert_null(st.ex);
	}
	/* the plan refuses them on either backend */
	struct lxr_resources r = {.devices = (struct lxr_device_rule[]){A(true, 'q', 1, 1, "r")},
				  .n_devices = 1};
	struct rt_cg_write w[8];
	assert_int_equal(rt_cgroup_plan(&r, LXR_CG_V2, w, 8, &err), -1);
	assert_int_equal(rt_cgroup_plan(&r, LXR_CG_V1, w, 8, &err), -1);
}

/* The program for a long list stays a straight line the verifier takes:
 * one block per exception, nothing unreachable, no backward jump. */
static void program_shape(void **state)
{
	struct lxr_device_rule rules[200];
	struct rt_dev_state st;
	struct bpf_insn *p;
	size_t n;

	rules[0] = (struct lxr_device_rule)A(false, 'a', -1, -1, "rwm");
	for (int i = 1; i < 200; i++) {
		rules[i] =
		    (struct lxr_device_rule)A(true, i % 2 ? 'b' : 'c', i, i % 3 ? i : -1, "rw");
		if (i % 5 == 0)
			strcpy(rules[i].access, "rwm");
	}
	fold(rules, 200, &st);
	rt_dev_bpf_build(&st, &p, &n);
	check_shape(p, n);
	assert_int_equal(p[n - 1].code, BPF_JMP | BPF_EXIT);
	assert_int_equal(p[n - 2].imm, 0); /* deny-all: the fall-through refuses */
	free(p);
	rt_dev_state_free(&st);
	program_agrees(rules, 200);
	/* allow-all with no exception: the program allows everything */
	fold(rules, 0, &st);
	rt_dev_bpf_build(&st, &p, &n);
	check_shape(p, n);
	assert_int_equal(run(p, n, BPF_DEVCG_DEV_BLOCK, RT_DEV_ALL, 8, 0), 1);
	free(p);
	rt_dev_state_free(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(docker_default_list, defaults_setup, defaults_teardown),
	    cmocka_unit_test_setup_teardown(v1_writes, defaults_setup, defaults_teardown),
	    cmocka_unit_test(folding),
	    cmocka_unit_test(bad_rules),
	    cmocka_unit_test(program_shape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
