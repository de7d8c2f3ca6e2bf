/* Container limits -> the cgroup knob writes that impose them, for either
 * backend. Pure: nothing here touches the system, so every value lxr would
 * write is checked by a unit test without root. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "runtime/cgroup.h"

#define CPU_PERIOD_DEFAULT 100000
/* The kernel's bounds for a CFS bandwidth period and the smallest quota
 * (kernel/sched/core.c: 1 ms .. 1 s, quota >= 1 ms). */
#define CPU_PERIOD_MIN 1000
#define CPU_PERIOD_MAX 1000000
#define CPU_QUOTA_MIN  1000
/* cgroup v1 cpu.shares range; OCI "shares" uses the same numbers. */
#define CPU_SHARES_MIN 2
#define CPU_SHARES_MAX 262144

struct plan {
	struct rt_cg_write *w;
	size_t max, n;
	lxr_err *err;
};

static int add(struct plan *p, const char *ctrl, const char *file, bool optional, const char *fmt,
	       ...) __attribute__((format(printf, 5, 6)));

static int add(struct plan *p, const char *ctrl, const char *file, bool optional, const char *fmt,
	       ...)
{
	va_list ap;

	if (p->n >= p->max)
		return lxr_fail(p->err, ENOSPC, "cgroup plan: more than %zu knob writes", p->max);
	struct rt_cg_write *w = &p->w[p->n++];
	memset(w, 0, sizeof(*w));
	w->controller = ctrl;
	w->file = file;
	w->optional = optional;
	va_start(ap, fmt);
	vsnprintf(w->value, sizeof(w->value), fmt, ap);
	va_end(ap);
	return 0;
}

/* Docker's rules for the memory fields, so a compose file means here what
 * it means there: swap is memory+swap and can only widen the memory limit. */
static int check_memory(const struct lxr_resources *r, lxr_err *err)
{
	if (r->memory_limit < 0)
		return lxr_fail(err, ERANGE, "memory limit %" PRId64 " is negative",
				r->memory_limit);
	if (r->memory_reservation < 0)
		return lxr_fail(err, ERANGE, "memory reservation %" PRId64 " is negative",
				r->memory_reservation);
	if (r->memory_swap < -1)
		return lxr_fail(err, ERANGE,
				"memory+swap limit %" PRId64
				" is invalid (-1 means unlimited swap)",
				r->memory_swap);
	if (r->memory_swap > 0 && r->memory_limit == 0) {
		lxr_fail(err, EINVAL, "a memory+swap limit (%" PRId64 ") needs a memory limit",
			 r->memory_swap);
		return lxr_err_hint(err, "set the memory limit too (compose: mem_limit)");
	}
	if (r->memory_swap > 0 && r->memory_swap < r->memory_limit) {
		lxr_fail(err, EINVAL,
			 "memory+swap limit %" PRId64 " is below the memory limit %" PRId64,
			 r->memory_swap, r->memory_limit);
		return lxr_err_hint(err, "memory+swap counts memory and swap together: make it at "
					 "least the memory limit, or -1 for unlimited swap");
	}
	if (r->memory_limit > 0 && r->memory_reservation > r->memory_limit)
		return lxr_fail(err, EINVAL,
				"memory reservation %" PRId64 " is above the memory limit %" PRId64,
				r->memory_reservation, r->memory_limit);
	return 0;
}

static int check_cpu(const struct lxr_resources *r, lxr_err *err)
{
	if (r->cpu_period && (r->cpu_period < CPU_PERIOD_MIN || r->cpu_period > CPU_PERIOD_MAX))
		return lxr_fail(err, ERANGE, "cpu period %" PRIu64 " us is outside %d..%d us",
				r->cpu_period, CPU_PERIOD_MIN, CPU_PERIOD_MAX);
	if (r->cpu_quota && r->cpu_quota < CPU_QUOTA_MIN)
		return lxr_fail(err, ERANGE, "cpu quota %" PRIu64 " us is below the kernel's %d us",
				r->cpu_quota, CPU_QUOTA_MIN);
	if (r->cpu_shares && (r->cpu_shares < CPU_SHARES_MIN || r->cpu_shares > CPU_SHARES_MAX))
		return lxr_fail(err, ERANGE, "cpu shares %" PRIu64 " is outside %d..%d",
				r->cpu_shares, CPU_SHARES_MIN, CPU_SHARES_MAX);
	return 0;
}

/* Swap: memory_swap is memory+swap, as docker's --memory-swap. 0 or equal to
 * the limit means no swap at all, so the limit is a real limit on hosts with
 * swap; -1 lets the container swap without bound. */
static int plan_memory_v2(struct plan *p, const struct lxr_resources *r)
{
	if (r->memory_limit > 0) {
		if (add(p, "memory", "memory.max", false, "%" PRId64, r->memory_limit) < 0)
			return -1;
		if (r->memory_swap == -1) {
			if (add(p, "memory", "memory.swap.max", true, "max") < 0)
				return -1;
		} else if (r->memory_swap > r->memory_limit) {
			/* v2 limits swap alone, v1 and docker memory+swap. */
			if (add(p, "memory", "memory.swap.max", false, "%" PRId64,
				r->memory_swap - r->memory_limit) < 0)
				return -1;
		} else if (add(p, "memory", "memory.swap.max", true, "0") < 0) {
			return -1;
		}
	}
	if (r->memory_reservation > 0)
		return add(p, "memory", "memory.low", false, "%" PRId64, r->memory_reservation);
	return 0;
}

static int plan_memory_v1(struct plan *p, const struct lxr_resources *r)
{
	if (r->memory_limit > 0) {
		/* memsw must never be below limit_in_bytes: the kernel refuses
		 * it, so the memory limit goes first. */
		if (add(p, "memory", "memory.limit_in_bytes", false, "%" PRId64, r->memory_limit) <
		    0)
			return -1;
		if (r->memory_swap == -1) {
			if (add(p, "memory", "memory.memsw.limit_in_bytes", true, "-1") < 0)
				return -1;
		} else if (r->memory_swap > r->memory_limit) {
			if (add(p, "memory", "memory.memsw.limit_in_bytes", false, "%" PRId64,
				r->memory_swap) < 0)
				return -1;
		} else if (add(p, "memory", "memory.memsw.limit_in_bytes", true, "%" PRId64,
			       r->memory_limit) < 0) {
			return -1;
		}
	}
	if (r->memory_reservation > 0)
		return add(p, "memory", "memory.soft_limit_in_bytes", false, "%" PRId64,
			   r->memory_reservation);
	return 0;
}

/* OCI shares (v1 cpu.shares, 2..262144) to v2 cpu.weight (1..10000): the
 * linear map runc and crun document, 2 -> 1 and 262144 -> 10000. Note it
 * maps the v1 default 1024 to 39, not to the v2 default 100. */
static uint64_t shares_to_weight(uint64_t shares)
{
	return 1 + ((shares - 2) * 9999) / 262142;
}

static int plan_cpu_v2(struct plan *p, const struct lxr_resources *r)
{
	uint64_t period = r->cpu_period ? r->cpu_period : CPU_PERIOD_DEFAULT;

	if (r->cpu_quota) {
		if (add(p, "cpu", "cpu.max", false, "%" PRIu64 " %" PRIu64, r->cpu_quota, period) <
		    0)
			return -1;
	} else if (r->cpu_period) {
		if (add(p, "cpu", "cpu.max", false, "max %" PRIu64, period) < 0)
			return -1;
	}
	if (r->cpu_shares)
		return add(p, "cpu", "cpu.weight", false, "%" PRIu64,
			   shares_to_weight(r->cpu_shares));
	return 0;
}

static int plan_cpu_v1(struct plan *p, const struct lxr_resources *r)
{
	uint64_t period = r->cpu_period ? r->cpu_period : CPU_PERIOD_DEFAULT;

	/* The period first: the kernel checks quota against the period in
	 * place when the quota is written. */
	if (r->cpu_quota || r->cpu_period) {
		if (add(p, "cpu", "cpu.cfs_period_us", false, "%" PRIu64, period) < 0)
			return -1;
	}
	if (r->cpu_quota) {
		if (add(p, "cpu", "cpu.cfs_quota_us", false, "%" PRIu64, r->cpu_quota) < 0)
			return -1;
	}
	if (r->cpu_shares)
		return add(p, "cpu", "cpu.shares", false, "%" PRIu64, r->cpu_shares);
	return 0;
}

static struct rt_cg_write *last(struct plan *p)
{
	return &p->w[p->n - 1];
}

#define SWAPPINESS_V2                                                                              \
	"cgroup v2 has no memory.swappiness: mem_swappiness is ignored, as docker ignores it"
#define OOM_KILL_V2                                                                                \
	"cgroup v2 has no memory.oom_control: oom_kill_disable is ignored, as docker ignores it"
#define WEIGHT_ABSENT                                                                              \
	"the kernel has no I/O weight here (no BFQ scheduler, no iocost): blkio_config weight is " \
	"ignored, as docker ignores it"

/* cpuset, mem_swappiness and oom_kill_disable */
static int plan_extra(struct plan *p, const struct lxr_resources *r, bool v2)
{
	if (r->cpuset_cpus && add(p, "cpuset", "cpuset.cpus", false, "%s", r->cpuset_cpus) < 0)
		return -1;
	if (r->has_swappiness) {
		if (add(p, "memory", "memory.swappiness", false, "%d", r->swappiness) < 0)
			return -1;
		last(p)->never = v2;
		last(p)->absent_warning = v2 ? SWAPPINESS_V2 : NULL;
	}
	if (r->oom_kill_disable) {
		if (add(p, "memory", "memory.oom_control", false, "1") < 0)
			return -1;
		last(p)->never = v2;
		last(p)->absent_warning = v2 ? OOM_KILL_V2 : NULL;
	}
	return 0;
}

/* docker's blkio weight (10..1000) as a v2 io.weight (1..10000): runc's
 * and crun's linear map */
static uint64_t blkio_to_io_weight(uint64_t w)
{
	return 1 + (w - 10) * 9999 / 990;
}

static int add_weight(struct plan *p, bool v2, const char *dev, uint64_t w)
{
	/* BFQ's file takes docker's scale as it is; v1 blkio.weight too;
	 * v2's iocost io.weight has its own */
	if (add(p, "blkio", v2 ? "io.bfq.weight" : "blkio.weight", false, "%s%s%" PRIu64, dev,
		*dev ? " " : "", w) < 0)
		return -1;
	struct rt_cg_write *x = last(p);
	x->alt_file = v2 ? "io.weight" : "blkio.bfq.weight";
	if (v2)
		snprintf(x->alt_value, sizeof(x->alt_value), "%s%s%" PRIu64, *dev ? dev : "default",
			 " ", blkio_to_io_weight(w));
	if (!v2 && *dev)
		x->file = "blkio.weight_device";
	x->absent_warning = WEIGHT_ABSENT;
	return 0;
}

static int plan_blkio(struct plan *p, const struct lxr_resources *r, bool v2)
{
	static const char *const v1_files[] = {
	    [LXR_BLKIO_READ_BPS] = "blkio.throttle.read_bps_device",
	    [LXR_BLKIO_WRITE_BPS] = "blkio.throttle.write_bps_device",
	    [LXR_BLKIO_READ_IOPS] = "blkio.throttle.read_iops_device",
	    [LXR_BLKIO_WRITE_IOPS] = "blkio.throttle.write_iops_device"};
	static const char *const v2_keys[] = {[LXR_BLKIO_READ_BPS] = "rbps",
					      [LXR_BLKIO_WRITE_BPS] = "wbps",
					      [LXR_BLKIO_READ_IOPS] = "riops",
					      [LXR_BLKIO_WRITE_IOPS] = "wiops"};

	if (r->blkio_weight && add_weight(p, v2, "", r->blkio_weight) < 0)
		return -1;
	for (size_t i = 0; i < r->n_blkio_devices; i++) {
		const struct lxr_blkio_device *d = &r->blkio_devices[i];
		char dev[48];
		int rc;

		snprintf(dev, sizeof(dev), "%" PRId64 ":%" PRId64, d->major, d->minor);
		if (d->kind == LXR_BLKIO_WEIGHT)
			rc = add_weight(p, v2, dev, d->value);
		else if (v2)
			rc = add(p, "blkio", "io.max", false, "%s %s=%" PRIu64, dev,
				 v2_keys[d->kind], d->value);
		else
			rc =
			    add(p, "blkio", v1_files[d->kind], false, "%s %" PRIu64, dev, d->value);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* v1: the reset first (it drops every exception the cgroup inherited),
 * then each exception into the other file. Written before any process is
 * in the cgroup, so there is no moment with the wrong list. */
static int plan_devices_v1(struct plan *p, const struct rt_dev_state *st)
{
	const char *except = st->allow_all ? "devices.deny" : "devices.allow";

	if (add(p, "devices", st->allow_all ? "devices.allow" : "devices.deny", false, "a") < 0)
		return -1;
	for (size_t i = 0; i < st->n; i++) {
		char line[64];
		rt_dev_exception_format(&st->ex[i], line, sizeof(line));
		if (add(p, "devices", except, false, "%s", line) < 0)
			return -1;
	}
	return 0;
}

int rt_cgroup_plan(const struct lxr_resources *res, enum lxr_cg_version v, struct rt_cg_write *w,
		   size_t max, lxr_err *err)
{
	struct plan p = {.w = w, .max = max, .err = err};
	struct rt_dev_state dev;
	int r = 0;

	if (v != LXR_CG_V1 && v != LXR_CG_V2)
		return lxr_fail(err, EINVAL, "cgroup plan: unknown cgroup version %d", (int)v);
	if (check_memory(res, err) < 0 || check_cpu(res, err) < 0)
		return -1;
	/* checked on both backends, so a bad rule fails the same everywhere;
	 * v2 writes no knob for it (cgroup_bpf.c) */
	if (res->n_devices) {
		if (rt_dev_state_build(res->devices, res->n_devices, &dev, err) < 0)
			return -1;
		if (v == LXR_CG_V1)
			r = plan_devices_v1(&p, &dev);
		rt_dev_state_free(&dev);
		if (r < 0)
			return -1;
	}
	if (v == LXR_CG_V2) {
		if (plan_memory_v2(&p, res) < 0 || plan_cpu_v2(&p, res) < 0)
			return -1;
	} else if (plan_memory_v1(&p, res) < 0 || plan_cpu_v1(&p, res) < 0) {
		return -1;
	}
	if (plan_extra(&p, res, v == LXR_CG_V2) < 0 || plan_blkio(&p, res, v == LXR_CG_V2) < 0)
		return -1;
	/* pids.max has the same name and syntax on both; a negative limit is
	 * docker's "unlimited", which a new cgroup has already ("max"), so it
	 * needs no write (and no pids controller). */
	if (res->pids_limit > 0 &&
	    add(&p, "pids", "pids.max", false, "%" PRId64, res->pids_limit) < 0)
		return -1;
	return (int)p.n;
}

/* ---- knob file syntax ------------------------------------------------------ */

static const char *const ctrl_names[RT_CG_NCTRL] = {
    [RT_CG_MEMORY] = "memory",   [RT_CG_CPU] = "cpu",         [RT_CG_PIDS] = "pids",
    [RT_CG_CPUACCT] = "cpuacct", [RT_CG_DEVICES] = "devices", [RT_CG_FREEZER] = "freezer",
    [RT_CG_CPUSET] = "cpuset",   [RT_CG_BLKIO] = "blkio",
};

const char *rt_cg_ctrl_name(enum rt_cg_ctrl c)
{
	return (unsigned)c < RT_CG_NCTRL ? ctrl_names[c] : "?";
}

const char *rt_cg_ctrl_name_v2(enum rt_cg_ctrl c)
{
	return c == RT_CG_BLKIO ? "io" : rt_cg_ctrl_name(c);
}

int rt_cg_ctrl_from_name(const char *name)
{
	if (!strcmp(name, "io"))
		return RT_CG_BLKIO;
	for (int c = 0; c < RT_CG_NCTRL; c++)
		if (!strcmp(name, ctrl_names[c]))
			return c;
	return -1;
}

static bool parse_i64(const char *s, const char **end, int64_t *out)
{
	char *e;
	long long v;

	errno = 0;
	v = strtoll(s, &e, 10);
	if (e == s || errno)
		return false;
	*out = v;
	if (end)
		*end = e;
	return true;
}

int64_t rt_cg_parse_keyed(const char *text, const char *key)
{
	size_t kl = strlen(key);
	const char *l = text;

	while (l && *l) {
		int64_t v;
		const char *end;
		if (!strncmp(l, key, kl) && l[kl] == ' ') {
			if (parse_i64(l + kl + 1, &end, &v) && (*end == '\n' || *end == '\0'))
				return v;
			return -1;
		}
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return -1;
}

int64_t rt_cg_parse_single(const char *text)
{
	int64_t v;
	const char *end;

	if (!parse_i64(text, &end, &v) || (*end != '\n' && *end != '\0'))
		return -1;
	return v;
}

unsigned rt_cg_parse_ctrl_list(const char *text)
{
	unsigned bits = 0;
	const char *s = text;

	while (s && *s) {
		size_t n;
		char name[32];
		s += strspn(s, " \t\n");
		n = strcspn(s, " \t\n");
		if (n && n < sizeof(name)) {
			memcpy(name, s, n);
			name[n] = '\0';
			int c = rt_cg_ctrl_from_name(name);
			if (c >= 0)
				bits |= 1u << c;
		}
		s += n;
	}
	return bits;
}
