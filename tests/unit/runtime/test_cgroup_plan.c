/* runtime/cgroup: the knob writes limits become on each backend, the
 * host discovery from captured mountinfo, the knob-file parsers, and the
 * create/destroy bookkeeping against a host description that points at a
 * scratch directory (no root, no real cgroupfs). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "runtime/cgroup.h"

#define MB (1024LL * 1024)

static char *fixture(const char *name)
{
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s", LXR_TEST_DATA, name);
	char *text = NULL;
	lxr_err err;

	if (lxr_read_file_at(AT_FDCWD, path, &text, NULL, &err) < 0)
		fail_msg("fixture %s: %s", path, err.msg);
	return text;
}

/* The plan as "file=value" lines (optional ones marked "?"), in order: the
 * order is part of the contract (v1 memsw after the memory limit, the cfs
 * period before the quota). */
static char *plan_text(const struct lxr_resources *r, enum lxr_cg_version v)
{
	struct rt_cg_write w[16];
	lxr_err err;
	int n = rt_cgroup_plan(r, v, w, 16, &err);
	char *out = lxr_xstrdup("");

	if (n < 0)
		fail_msg("plan failed: %s", err.msg);
	for (int i = 0; i < n; i++) {
		char *next =
		    lxr_xasprintf("%s%s/%s=%s%s%s%s%s%s\n", out, w[i].controller, w[i].file,
				  w[i].value, w[i].optional ? "?" : "",
				  w[i].alt_file ? " else " : "", w[i].alt_file ? w[i].alt_file : "",
				  w[i].alt_value[0] ? "=" : "", w[i].alt_value);
		if (w[i].never || w[i].absent_warning) {
			char *more = lxr_xasprintf("%.*s%s\n", (int)strlen(next) - 1, next,
						   w[i].never ? " never" : " or warn");
			free(next);
			next = more;
		}
		free(out);
		out = next;
	}
	return out;
}

static void plan_error(const struct lxr_resources *r, const char *want)
{
	struct rt_cg_write w[16];
	lxr_err err;

	lxr_err_clear(&err);
	for (int v = LXR_CG_V1; v <= LXR_CG_V2; v++) {
		assert_int_equal(rt_cgroup_plan(r, v, w, 16, &err), -1);
		if (!strstr(err.msg, want))
			fail_msg("error \"%s\" lacks \"%s\"", err.msg, want);
	}
}

/* cpuset, mem_swappiness, oom_kill_disable and blkio_config: v1's knobs,
 * v2's io.* (BFQ's weight first, then iocost's), and a warning where a
 * version has no such knob (docker ignores the setting there). */
static void plan_docker_knobs(void **state)
{
	struct lxr_blkio_device devs[] = {{LXR_BLKIO_WEIGHT, 8, 0, 400},
					  {LXR_BLKIO_READ_BPS, 8, 0, 1048576},
					  {LXR_BLKIO_WRITE_IOPS, 254, 16, 30}};
	struct lxr_resources r = {.cpuset_cpus = (char *)"0-1,3",
				  .has_swappiness = true,
				  .swappiness = 10,
				  .oom_kill_disable = true,
				  .blkio_weight = 300,
				  .blkio_devices = devs,
				  .n_blkio_devices = 3};
	_cleanup_free_ char *v1 = plan_text(&r, LXR_CG_V1), *v2 = plan_text(&r, LXR_CG_V2);

	(void)state;
	assert_string_equal(v1, "cpuset/cpuset.cpus=0-1,3\n"
				"memory/memory.swappiness=10\n"
				"memory/memory.oom_control=1\n"
				"blkio/blkio.weight=300 else blkio.bfq.weight or warn\n"
				"blkio/blkio.weight_device=8:0 400 else blkio.bfq.weight or warn\n"
				"blkio/blkio.throttle.read_bps_device=8:0 1048576\n"
				"blkio/blkio.throttle.write_iops_device=254:16 30\n");
	assert_string_equal(v2, "cpuset/cpuset.cpus=0-1,3\n"
				"memory/memory.swappiness=10 never\n"
				"memory/memory.oom_control=1 never\n"
				"blkio/io.bfq.weight=300 else io.weight=default 2930 or warn\n"
				"blkio/io.bfq.weight=8:0 400 else io.weight=8:0 3940 or warn\n"
				"blkio/io.max=8:0 rbps=1048576\n"
				"blkio/io.max=254:16 wiops=30\n");
}

static void cpu_lists(void **state)
{
	int bad;

	(void)state;
	assert_int_equal(rt_cpu_list_check("0-1", "0-1\n", &bad), 0);
	assert_int_equal(rt_cpu_list_check("1,0", "0-3\n", &bad), 0);
	assert_int_equal(rt_cpu_list_check("0-2", "0-1\n", &bad), 1);
	assert_int_equal(bad, 2);
	assert_int_equal(rt_cpu_list_check("4", "0-3,5-7\n", &bad), 1);
	assert_int_equal(bad, 4);
	assert_int_equal(rt_cpu_list_check("0-", "0-1\n", &bad), -1);
	assert_int_equal(rt_cpu_list_check("3-1", "0-7\n", &bad), -1);
	assert_int_equal(rt_cpu_list_check("", "0-7\n", &bad), -1);
	assert_int_equal(rt_cpu_list_check("0,,1", "0-7\n", &bad), -1);
	assert_int_equal(rt_cpu_list_check("99999", "0-7\n", &bad), -1);
	/* the host's list unreadable: the kernel decides */
	assert_int_equal(rt_cpu_list_check("5", "", &bad), 0);
}

static void plan_all_limits_v2(void **state)
{
	struct lxr_resources r = {.memory_limit = 100 * MB,
				  .memory_reservation = 50 * MB,
				  .cpu_quota = 150000, /* cpus: 1.5 */
				  .cpu_shares = 1024,
				  .pids_limit = 20};
	_cleanup_free_ char *t = plan_text(&r, LXR_CG_V2);

	assert_string_equal(t, "memory/memory.max=104857600\n"
			       "memory/memory.swap.max=0?\n"
			       "memory/memory.low=52428800\n"
			       "cpu/cpu.max=150000 100000\n"
			       "cpu/cpu.weight=39\n"
			       "pids/pids.max=20\n");
}

static void plan_all_limits_v1(void **state)
{
	struct lxr_resources r = {.memory_limit = 100 * MB,
				  .memory_reservation = 50 * MB,
				  .cpu_quota = 150000,
				  .cpu_shares = 1024,
				  .pids_limit = 20};
	_cleanup_free_ char *t = plan_text(&r, LXR_CG_V1);

	assert_string_equal(t, "memory/memory.limit_in_bytes=104857600\n"
			       "memory/memory.memsw.limit_in_bytes=104857600?\n"
			       "memory/memory.soft_limit_in_bytes=52428800\n"
			       "cpu/cpu.cfs_period_us=100000\n"
			       "cpu/cpu.cfs_quota_us=150000\n"
			       "cpu/cpu.shares=1024\n"
			       "pids/pids.max=20\n");
}

static void plan_nothing_requested(void **state)
{
	struct lxr_resources r = {0};
	struct rt_cg_write w[1];
	lxr_err err;

	assert_int_equal(rt_cgroup_plan(&r, LXR_CG_V2, w, 0, &err), 0);
	assert_int_equal(rt_cgroup_plan(&r, LXR_CG_V1, w, 0, &err), 0);
	/* docker's -1 "unlimited" pids needs no write, hence no controller */
	r.pids_limit = -1;
	assert_int_equal(rt_cgroup_plan(&r, LXR_CG_V2, w, 0, &err), 0);
}

static void plan_swap_semantics(void **state)
{
	struct lxr_resources r = {.memory_limit = 100 * MB, .memory_swap = 100 * MB};
	char *t;

	/* equal to the limit: no swap, same as unset */
	t = plan_text(&r, LXR_CG_V2);
	assert_string_equal(t, "memory/memory.max=104857600\nmemory/memory.swap.max=0?\n");
	free(t);
	/* memory+swap 300M: v2 limits swap alone (200M), v1 the sum; required */
	r.memory_swap = 300 * MB;
	t = plan_text(&r, LXR_CG_V2);
	assert_string_equal(t, "memory/memory.max=104857600\nmemory/memory.swap.max=209715200\n");
	free(t);
	t = plan_text(&r, LXR_CG_V1);
	assert_string_equal(t, "memory/memory.limit_in_bytes=104857600\n"
			       "memory/memory.memsw.limit_in_bytes=314572800\n");
	free(t);
	/* -1: unlimited swap */
	r.memory_swap = -1;
	t = plan_text(&r, LXR_CG_V2);
	assert_string_equal(t, "memory/memory.max=104857600\nmemory/memory.swap.max=max?\n");
	free(t);
	t = plan_text(&r, LXR_CG_V1);
	assert_string_equal(t, "memory/memory.limit_in_bytes=104857600\n"
			       "memory/memory.memsw.limit_in_bytes=-1?\n");
	free(t);
}

static void plan_cpu_forms(void **state)
{
	struct lxr_resources r = {.cpu_quota = 50000, .cpu_period = 50000}; /* cpus: 1 */
	char *t;

	t = plan_text(&r, LXR_CG_V2);
	assert_string_equal(t, "cpu/cpu.max=50000 50000\n");
	free(t);
	/* a period alone keeps the quota unlimited */
	r.cpu_quota = 0;
	t = plan_text(&r, LXR_CG_V2);
	assert_string_equal(t, "cpu/cpu.max=max 50000\n");
	free(t);
	t = plan_text(&r, LXR_CG_V1);
	assert_string_equal(t, "cpu/cpu.cfs_period_us=50000\n");
	free(t);
	/* cpus: 0.5 with the default period */
	r = (struct lxr_resources){.cpu_quota = 50000};
	t = plan_text(&r, LXR_CG_V2);
	assert_string_equal(t, "cpu/cpu.max=50000 100000\n");
	free(t);
}

static void shares_to_weight(void **state)
{
	static const struct {
		uint64_t shares;
		const char *weight;
	} cases[] = {{2, "cpu/cpu.weight=1\n"},
		     {512, "cpu/cpu.weight=20\n"},
		     {1024, "cpu/cpu.weight=39\n"},
		     {2048, "cpu/cpu.weight=79\n"},
		     {262144, "cpu/cpu.weight=10000\n"}};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lxr_resources r = {.cpu_shares = cases[i].shares};
		_cleanup_free_ char *t = plan_text(&r, LXR_CG_V2);
		assert_string_equal(t, cases[i].weight);
	}
}

static void plan_rejects_bad_values(void **state)
{
	plan_error(&(struct lxr_resources){.memory_limit = 100 * MB, .memory_swap = 50 * MB},
		   "memory+swap limit 52428800 is below the memory limit 104857600");
	plan_error(&(struct lxr_resources){.memory_swap = 50 * MB},
		   "a memory+swap limit (52428800) needs a memory limit");
	plan_error(&(struct lxr_resources){.memory_limit = 10 * MB, .memory_reservation = 20 * MB},
		   "memory reservation 20971520 is above the memory limit 10485760");
	plan_error(&(struct lxr_resources){.memory_limit = -5}, "memory limit -5 is negative");
	plan_error(&(struct lxr_resources){.memory_limit = MB, .memory_swap = -2},
		   "memory+swap limit -2 is invalid");
	plan_error(&(struct lxr_resources){.cpu_shares = 1}, "cpu shares 1 is outside 2..262144");
	plan_error(&(struct lxr_resources){.cpu_shares = 262145}, "cpu shares 262145 is outside");
	plan_error(&(struct lxr_resources){.cpu_quota = 50000, .cpu_period = 500},
		   "cpu period 500 us is outside 1000..1000000 us");
	plan_error(&(struct lxr_resources){.cpu_quota = 999}, "cpu quota 999 us is below");
}

static void plan_overflow_is_an_error(void **state)
{
	struct lxr_resources r = {.memory_limit = MB, .pids_limit = 5};
	struct rt_cg_write w[2];
	lxr_err err;

	assert_int_equal(rt_cgroup_plan(&r, LXR_CG_V2, w, 2, &err), -1);
	assert_int_equal(err.errnum, ENOSPC);
	assert_int_equal(rt_cgroup_plan(&r, LXR_CG_V2, w, 1, &err), -1);
}

/* ---- host discovery -------------------------------------------------------- */

static void host_from(struct rt_cg_host *h, const char *file, const char *controllers,
		      const char *subtree)
{
	_cleanup_free_ char *mi = fixture(file);
	lxr_err err;

	if (rt_cg_host_parse(h, mi, "/sys/fs/cgroup", &err) < 0)
		fail_msg("%s: %s", file, err.msg);
	rt_cg_host_set_v2(h, controllers, subtree);
}

static void host_hybrid_ci(void **state)
{
	struct rt_cg_host h;

	/* this host's unified hierarchy only lists hugetlb */
	host_from(&h, "mountinfo-hybrid-ci", "hugetlb\n", "");
	assert_string_equal(h.v2_mount, "/sys/fs/cgroup/unified");
	assert_string_equal(h.v1_mount[RT_CG_MEMORY], "/sys/fs/cgroup/memory");
	assert_string_equal(h.v1_mount[RT_CG_CPU], "/sys/fs/cgroup/cpu");
	assert_string_equal(h.v1_mount[RT_CG_CPUACCT], "/sys/fs/cgroup/cpuacct");
	assert_string_equal(h.v1_mount[RT_CG_PIDS], "/sys/fs/cgroup/pids");
	/* pause freezes through the v1 freezer where the host has one */
	assert_string_equal(h.v1_mount[RT_CG_FREEZER], "/sys/fs/cgroup/freezer");
	assert_int_equal(rt_cg_host_where(&h, RT_CG_FREEZER), LXR_CG_V1);
	assert_int_equal(rt_cg_host_where(&h, RT_CG_MEMORY), LXR_CG_V1);
	assert_int_equal(rt_cg_host_where(&h, RT_CG_PIDS), LXR_CG_V1);
	assert_int_equal(h.v2_available, 0);
	rt_cg_host_free(&h);
}

static void host_pure_v2_vm(void **state)
{
	struct rt_cg_host h;
	_cleanup_free_ char *ctl = fixture("v2-controllers-vm");

	host_from(&h, "mountinfo-pure-v2-vm", ctl, "");
	assert_string_equal(h.v2_mount, "/sys/fs/cgroup");
	for (int c = 0; c < RT_CG_NCTRL; c++)
		assert_null(h.v1_mount[c]);
	assert_int_equal(rt_cg_host_where(&h, RT_CG_MEMORY), LXR_CG_V2);
	assert_int_equal(rt_cg_host_where(&h, RT_CG_CPU), LXR_CG_V2);
	assert_int_equal(rt_cg_host_where(&h, RT_CG_PIDS), LXR_CG_V2);
	/* no cpuacct on v2: usage comes from cpu.stat */
	assert_int_equal(rt_cg_host_where(&h, RT_CG_CPUACCT), 0);
	/* nor a freezer controller: cgroup.freeze is in every cgroup */
	assert_int_equal(rt_cg_host_where(&h, RT_CG_FREEZER), 0);
	assert_int_equal(h.v2_enabled, 0);
	rt_cg_host_free(&h);
	/* a controller the root does not list is nowhere */
	host_from(&h, "mountinfo-pure-v2-vm", "cpu io pids\n", "cpu pids\n");
	assert_int_equal(rt_cg_host_where(&h, RT_CG_MEMORY), 0);
	assert_int_equal(h.v2_enabled, (1u << RT_CG_CPU) | (1u << RT_CG_PIDS));
	rt_cg_host_free(&h);
}

static void host_systemd_hybrid(void **state)
{
	struct rt_cg_host h;

	host_from(&h, "mountinfo-systemd-hybrid", "", "");
	/* co-mounted cpu,cpuacct is one hierarchy; the memory root mount
	 * wins over the later bind mount of a sub-cgroup */
	assert_string_equal(h.v1_mount[RT_CG_CPU], "/sys/fs/cgroup/cpu,cpuacct");
	assert_string_equal(h.v1_mount[RT_CG_CPUACCT], "/sys/fs/cgroup/cpu,cpuacct");
	assert_string_equal(h.v1_mount[RT_CG_MEMORY], "/sys/fs/cgroup/memory");
	assert_string_equal(h.v2_mount, "/sys/fs/cgroup/unified");
	rt_cg_host_free(&h);
}

static void host_escapes_and_bad_lines(void **state)
{
	struct rt_cg_host h;
	lxr_err err;

	assert_int_equal(rt_cg_host_parse(&h,
					  "88 36 0:32 /lxr/bound /srv/mem\\040cg rw,relatime "
					  "shared:14 - cgroup cgroup rw,memory\n",
					  "/sys/fs/cgroup", &err),
			 0);
	assert_string_equal(h.v1_mount[RT_CG_MEMORY], "/srv/mem cg");
	assert_null(h.v2_mount);
	rt_cg_host_free(&h);

	assert_int_equal(rt_cg_host_parse(&h,
					  "22 27 0:21 / /proc rw - proc proc rw\n"
					  "garbage without separator\n",
					  NULL, &err),
			 -1);
	assert_string_equal(err.msg, "mountinfo line 2: no \" - \" separator");
}

/* ---- knob files ------------------------------------------------------------ */

static void knob_parsers(void **state)
{
	/* v1 memory.oom_control and v2 memory.events as the kernel prints them */
	assert_int_equal(
	    rt_cg_parse_keyed("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n", "oom_kill"), 3);
	assert_int_equal(rt_cg_parse_keyed("low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\n"
					   "oom_group_kill 0\n",
					   "oom_kill"),
			 1);
	assert_int_equal(rt_cg_parse_keyed("oom_kill_disable 0\nunder_oom 0\n", "oom_kill"), -1);
	assert_int_equal(rt_cg_parse_keyed("usage_usec 123456\nuser_usec 100000\n", "usage_usec"),
			 123456);
	assert_int_equal(rt_cg_parse_single("104857600\n"), 104857600);
	assert_int_equal(rt_cg_parse_single("max\n"), -1);
	assert_int_equal(rt_cg_parse_single("12 34\n"), -1);
	assert_int_equal(rt_cg_parse_ctrl_list("cpuset cpu io memory hugetlb pids rdma misc\n"),
			 (1u << RT_CG_CPUSET) | (1u << RT_CG_CPU) | (1u << RT_CG_BLKIO) |
			     (1u << RT_CG_MEMORY) | (1u << RT_CG_PIDS));
	assert_int_equal(rt_cg_parse_ctrl_list(""), 0);
}

/* ---- create/destroy bookkeeping on a scratch tree ----------------------------
 * The host description points into a temp dir. Plain directories accept
 * mkdir and rmdir like cgroupfs, and lack every knob file, which is enough
 * to check what is made where, what a missing controller does, and that a
 * failure half-way removes what was made. */

struct scratch {
	char dir[64];
};

static int scratch_setup(void **state)
{
	struct scratch *s = lxr_xcalloc(1, sizeof(*s));
	strcpy(s->dir, "/tmp/lxr-cgtest.XXXXXX");
	if (!mkdtemp(s->dir))
		return -1;
	*state = s;
	return 0;
}

static int scratch_teardown(void **state)
{
	struct scratch *s = *state;
	lxr_err err;
	int r = lxr_rm_rf(s->dir, &err);
	free(s);
	return r;
}

static bool exists(const char *dir, const char *rel)
{
	_cleanup_free_ char *p = lxr_xasprintf("%s/%s", dir, rel);
	return access(p, F_OK) == 0;
}

enum fake { FAKE_HYBRID, FAKE_V1, FAKE_V2 };

/* Hybrid: cpu,cpuacct and pids on v1 (no memory), name=systemd, and an empty
 * unified hierarchy. V1: the same without unified. V2: cgroup2 at dir. */
static void fake_host(struct rt_cg_host *h, const char *dir, enum fake kind,
		      const char *v2_controllers)
{
	_cleanup_free_ char *mi = NULL;
	lxr_err err;

	if (kind == FAKE_V2) {
		mi = lxr_xasprintf("35 32 0:30 / %s rw,relatime - cgroup2 cgroup2 rw\n", dir);
	} else {
		mi = lxr_xasprintf("32 31 0:29 / %s/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
				   "39 31 0:36 / %s/pids rw - cgroup cgroup rw,pids\n"
				   "40 31 0:37 / %s/systemd rw - cgroup cgroup rw,name=systemd\n"
				   "%s%s%s",
				   dir, dir, dir, kind == FAKE_HYBRID ? "41 31 0:38 / " : "",
				   kind == FAKE_HYBRID ? dir : "",
				   kind == FAKE_HYBRID ? "/unified rw - cgroup2 cgroup2 rw\n" : "");
		for (const char *d = "cpu,cpuacct\0pids\0systemd\0unified\0"; *d;
		     d += strlen(d) + 1) {
			_cleanup_free_ char *p = lxr_xasprintf("%s/%s", dir, d);
			assert_int_equal(mkdir(p, 0755), 0);
		}
	}
	assert_int_equal(rt_cg_host_parse(h, mi, "/sys/fs/cgroup", &err), 0);
	rt_cg_host_set_v2(h, v2_controllers, "");
}

static void assert_no_lxr_dirs(const char *dir)
{
	assert_false(exists(dir, "lxr"));
	assert_false(exists(dir, "cpu,cpuacct/lxr"));
	assert_false(exists(dir, "pids/lxr"));
	assert_false(exists(dir, "systemd/lxr"));
	assert_false(exists(dir, "unified/lxr"));
}

static void expect_create_error(const struct rt_cg_host *h, const struct lxr_resources *r,
				const char *name, const char *want, int errnum)
{
	struct lxr_cgroup *cg = NULL;
	lxr_err err;

	assert_int_equal(rt_cg_create_on(h, "proj", name, r, &cg, &err), -1);
	assert_null(cg);
	if (strcmp(err.msg, want))
		fail_msg("got  \"%s\"\nwant \"%s\"", err.msg, want);
	assert_int_equal(err.errnum, errnum);
}

static void missing_controller(void **state)
{
	struct scratch *s = *state;
	struct rt_cg_host h;
	struct lxr_resources mem = {.memory_limit = 64 * MB};
	_cleanup_free_ char *want = NULL;
	_cleanup_free_ char *d1 = lxr_xasprintf("%s/v1", s->dir);
	_cleanup_free_ char *d2 = lxr_xasprintf("%s/v2", s->dir);
	_cleanup_free_ char *d3 = lxr_xasprintf("%s/hy", s->dir);

	assert_int_equal(mkdir(d1, 0755), 0);
	assert_int_equal(mkdir(d2, 0755), 0);
	assert_int_equal(mkdir(d3, 0755), 0);

	fake_host(&h, d1, FAKE_V1, NULL);
	expect_create_error(&h, &mem, "web", "cgroup proj/web: memory controller is not mounted",
			    ENODEV);
	assert_no_lxr_dirs(d1);
	rt_cg_host_free(&h);

	fake_host(&h, d2, FAKE_V2, "cpu io pids\n");
	want = lxr_xasprintf("cgroup proj/web: controller memory is not available in "
			     "%s/cgroup.controllers",
			     d2);
	expect_create_error(&h, &mem, "web", want, ENODEV);
	assert_no_lxr_dirs(d2);
	rt_cg_host_free(&h);

	free(want);
	fake_host(&h, d3, FAKE_HYBRID, "hugetlb\n");
	want = lxr_xasprintf("cgroup proj/web: memory controller is not mounted as cgroup v1 nor "
			     "available in %s/unified/cgroup.controllers",
			     d3);
	expect_create_error(&h, &mem, "web", want, ENODEV);
	assert_no_lxr_dirs(d3);
	rt_cg_host_free(&h);
}

static void layout_without_limits(void **state)
{
	struct scratch *s = *state;
	struct rt_cg_host h;
	struct lxr_resources none = {0};
	struct lxr_cgroup *web = NULL, *db = NULL, *again = NULL;
	lxr_err err;

	/* no limit requested: a host without memory is fine */
	fake_host(&h, s->dir, FAKE_HYBRID, "hugetlb\n");
	assert_int_equal(rt_cg_create_on(&h, "proj", "web", &none, &web, &err), 0);
	assert_int_equal(rt_cg_create_on(&h, "proj", "db", &none, &db, &err), 0);
	assert_true(exists(s->dir, "cpu,cpuacct/lxr/proj/web"));
	assert_true(exists(s->dir, "pids/lxr/proj/web"));
	assert_true(exists(s->dir, "unified/lxr/proj/web"));
	assert_false(exists(s->dir, "systemd/lxr"));
	/* v1 leaves exist, so clone3 cannot place the child everywhere */
	assert_int_equal(rt_cgroup_v2_fd(web), -1);

	assert_int_equal(rt_cg_open_on(&h, "proj", "web", &again, &err), 0);
	rt_cgroup_free(again);
	assert_int_equal(rt_cgroup_destroy(web, &err), 0);
	assert_false(exists(s->dir, "pids/lxr/proj/web"));
	assert_true(exists(s->dir, "pids/lxr/proj/db")); /* the group is still in use */
	assert_int_equal(rt_cg_open_on(&h, "proj", "web", &again, &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	assert_string_equal(err.msg, "no cgroup lxr/proj/web on this host");
	assert_int_equal(rt_cgroup_destroy(db, &err), 0);
	assert_no_lxr_dirs(s->dir);
	rt_cg_host_free(&h);
}

static void pure_v2_gives_clone_fd(void **state)
{
	struct scratch *s = *state;
	struct rt_cg_host h;
	struct lxr_resources none = {0};
	struct lxr_cgroup *cg = NULL;
	struct stat a, b;
	lxr_err err;
	_cleanup_free_ char *leaf = lxr_xasprintf("%s/lxr/proj/web", s->dir);

	fake_host(&h, s->dir, FAKE_V2, "cpu memory pids\n");
	assert_int_equal(rt_cg_create_on(&h, "proj", "web", &none, &cg, &err), 0);
	assert_true(rt_cgroup_v2_fd(cg) >= 0);
	assert_int_equal(fstat(rt_cgroup_v2_fd(cg), &a), 0);
	assert_int_equal(stat(leaf, &b), 0);
	assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	assert_int_equal(rt_cgroup_destroy(cg, &err), 0);
	assert_no_lxr_dirs(s->dir);
	rt_cg_host_free(&h);
}

/* A restart reuses its last cgroup only for the limits it was made with,
 * and only while its directories are there. */
static void reuse_needs_same_limits(void **state)
{
	struct scratch *s = *state;
	struct rt_cg_host h;
	struct lxr_resources none = {0}, pids = {.pids_limit = 20};
	struct lxr_cgroup *cg = NULL;
	_cleanup_free_ char *leaf = lxr_xasprintf("%s/lxr/proj/web", s->dir);
	lxr_err err;

	fake_host(&h, s->dir, FAKE_V2, "cpu memory pids\n");
	assert_int_equal(rt_cg_create_on(&h, "proj", "web", &none, &cg, &err), 0);
	assert_true(rt_cgroup_fits(cg, &none));
	assert_false(rt_cgroup_fits(cg, &pids));
	assert_int_equal(rt_cgroup_present(cg, &err), 0);
	rt_cgroup_free(cg);
	cg = NULL;
	/* a handle that was only opened knows no limits: never reused */
	assert_int_equal(rt_cg_open_on(&h, "proj", "web", &cg, &err), 0);
	assert_false(rt_cgroup_fits(cg, &none));
	assert_int_equal(rmdir(leaf), 0);
	assert_int_equal(rt_cgroup_present(cg, &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	assert_int_equal(rt_cgroup_destroy(cg, &err), 0);
	assert_no_lxr_dirs(s->dir);
	rt_cg_host_free(&h);
}

static void failure_halfway_undoes(void **state)
{
	struct scratch *s = *state;
	struct rt_cg_host h;
	struct lxr_resources pids = {.pids_limit = 20};
	_cleanup_free_ char *want = NULL;
	_cleanup_free_ char *left = lxr_xasprintf("%s/pids/lxr/proj/old", s->dir);

	fake_host(&h, s->dir, FAKE_HYBRID, "hugetlb\n");
	/* the knob file is missing in a plain directory: the write fails
	 * after every directory was made */
	want = lxr_xasprintf("create cgroup proj/web: set pids limit: open "
			     "%s/pids/lxr/proj/web/pids.max",
			     s->dir);
	expect_create_error(&h, &pids, "web", want, ENOENT);
	assert_no_lxr_dirs(s->dir);

	/* a leaf left by someone else is refused and left alone */
	assert_int_equal(lxr_mkdir_p(left, 0755, NULL), 0);
	free(want);
	want = lxr_xasprintf("create cgroup proj/old: cgroup %s already exists", left);
	expect_create_error(&h, &(struct lxr_resources){0}, "old", want, EEXIST);
	assert_true(exists(s->dir, "pids/lxr/proj/old"));
	assert_false(exists(s->dir, "unified/lxr"));
	assert_false(exists(s->dir, "cpu,cpuacct/lxr"));
	rt_cg_host_free(&h);
}

static void bad_names(void **state)
{
	struct scratch *s = *state;
	struct rt_cg_host h;
	struct lxr_cgroup *cg = NULL;
	lxr_err err;
	static const char *const bad[] = {"",   "a/b",        "..",           ".hidden",
					  "-x", "memory.max", "cgroup.procs", "pids.max"};

	fake_host(&h, s->dir, FAKE_V2, "cpu memory pids\n");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(
		    rt_cg_create_on(&h, "proj", bad[i], &(struct lxr_resources){0}, &cg, &err), -1);
		assert_int_equal(err.errnum, EINVAL);
		assert_int_equal(
		    rt_cg_create_on(&h, bad[i], "web", &(struct lxr_resources){0}, &cg, &err), -1);
	}
	assert_no_lxr_dirs(s->dir);
	assert_int_equal(
	    rt_cg_create_on(&h, "my_proj-1", "web.1", &(struct lxr_resources){0}, &cg, &err), 0);
	assert_int_equal(rt_cgroup_destroy(cg, &err), 0);
	rt_cg_host_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(plan_all_limits_v2),
	    cmocka_unit_test(plan_docker_knobs),
	    cmocka_unit_test(cpu_lists),
	    cmocka_unit_test(plan_all_limits_v1),
	    cmocka_unit_test(plan_nothing_requested),
	    cmocka_unit_test(plan_swap_semantics),
	    cmocka_unit_test(plan_cpu_forms),
	    cmocka_unit_test(shares_to_weight),
	    cmocka_unit_test(plan_rejects_bad_values),
	    cmocka_unit_test(plan_overflow_is_an_error),
	    cmocka_unit_test(host_hybrid_ci),
	    cmocka_unit_test(host_pure_v2_vm),
	    cmocka_unit_test(host_systemd_hybrid),
	    cmocka_unit_test(host_escapes_and_bad_lines),
	    cmocka_unit_test(knob_parsers),
	    cmocka_unit_test_setup_teardown(missing_controller, scratch_setup, scratch_teardown),
	    cmocka_unit_test_setup_teardown(layout_without_limits, scratch_setup, scratch_teardown),
	    cmocka_unit_test_setup_teardown(pure_v2_gives_clone_fd, scratch_setup,
					    scratch_teardown),
	    cmocka_unit_test_setup_teardown(failure_halfway_undoes, scratch_setup,
					    scratch_teardown),
	    cmocka_unit_test_setup_teardown(reuse_needs_same_limits, scratch_setup,
					    scratch_teardown),
	    cmocka_unit_test_setup_teardown(bad_names, scratch_setup, scratch_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
