/* Drives the runtime's cgroup interface against the real kernel for
 * tests/integration/test_cgroup.sh (v1 host) and test_cgroup_v2_vm.sh (pure
 * v2 in a VM). It checks what a user would see through files the library
 * does not report itself: knob values at the paths the layout promises,
 * /proc/PID/cgroup, a real OOM kill, a real fork failure at the pids limit,
 * and directories gone after destroy.
 *
 * usage: cgroup_driver v1|v2 GROUP     (as root; prints "ok"/"not ok" lines,
 * exits 1 if any check failed) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/prctl.h>
#include <linux/bpf.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "lxr/runtime.h"

#define MB (1024LL * 1024)

static int failures;
static bool v2;
static const char *group;

static bool check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failures++;
	return ok;
}

static void fail_err(const char *what, const lxr_err *err)
{
	char buf[2048];
	check(false, "%s: %s", what, lxr_err_str(err, buf, sizeof(buf)));
	if (err->hint[0])
		printf("# hint: %s\n", err->hint);
}

/* Where the layout promises the leaf of one controller on this host. */
static char *leaf_of(const char *ctrl, const char *name)
{
	if (v2)
		return lxr_xasprintf("/sys/fs/cgroup/lxr/%s/%s", group, name);
	return lxr_xasprintf("/sys/fs/cgroup/%s/lxr/%s/%s", ctrl, group, name);
}

static char *knob(const char *ctrl, const char *name, const char *file)
{
	_cleanup_free_ char *dir = leaf_of(ctrl, name);
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s", dir, file);
	char *text = NULL;
	size_t len = 0;

	if (lxr_read_file_at(AT_FDCWD, path, &text, &len, NULL) < 0)
		return lxr_xasprintf("<cannot read %s: %s>", path, strerror(errno));
	while (len && text[len - 1] == '\n')
		text[--len] = '\0';
	return text;
}

static void check_knob(const char *ctrl, const char *name, const char *file, const char *want)
{
	_cleanup_free_ char *got = knob(ctrl, name, file);
	check(!strcmp(got, want), "%s %s = \"%s\" (want \"%s\")", name, file, got, want);
}

static bool gone(const char *ctrl, const char *name)
{
	_cleanup_free_ char *dir = leaf_of(ctrl, name);
	return access(dir, F_OK) < 0 && errno == ENOENT;
}

/* A child that waits for a byte on a pipe before doing `work`, so the
 * parent can move it into the cgroup first. */
struct kid {
	pid_t pid;
	int go;     /* write end: release the child */
	int report; /* read end: what the child reports */
};

static struct kid spawn(void (*work)(int report_fd))
{
	int go[2], rep[2];
	struct kid k = {-1, -1, -1};
	char c;

	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0)
		return k;
	k.pid = fork();
	if (k.pid == 0) {
		close(go[1]);
		close(rep[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(99);
		work(rep[1]);
		_exit(0);
	}
	close(go[0]);
	close(rep[1]);
	k.go = go[1];
	k.report = rep[0];
	return k;
}

static void release(struct kid *k)
{
	if (write(k->go, "x", 1) != 1)
		check(false, "release child %d: %s", (int)k->pid, strerror(errno));
}

static void touch_mb(long mb)
{
	volatile char *p = malloc((size_t)(mb * MB));
	for (long i = 0; p && i < mb * MB; i += 4096)
		p[i] = 1;
}

static void work_touch_then_wait(int rep)
{
	touch_mb(8);
	if (write(rep, "r", 1) != 1)
		_exit(98);
	pause();
}

static bool cgroup_line(pid_t pid, const char *want)
{
	_cleanup_free_ char *path = lxr_xasprintf("/proc/%d/cgroup", (int)pid);
	_cleanup_free_ char *text = NULL;

	if (lxr_read_file_at(AT_FDCWD, path, &text, NULL, NULL) < 0)
		return false;
	for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
		char *colon = strchr(l, ':'); /* skip the hierarchy id */
		if (colon && !strcmp(colon + 1, want))
			return true;
	}
	return false;
}

static void scenario_limits(void)
{
	struct lxr_resources r = {.memory_limit = 100 * MB, .cpu_quota = 50000, .pids_limit = 20};
	struct lxr_cgroup *cg = NULL;
	struct lxr_cgroup_stats st;
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	lxr_err err;
	char c;
	int ws;

	if (rt_cgroup_create(group, "limits", &r, &cg, &err) < 0)
		return fail_err("create limits (memory 100M, cpus 0.5, pids 20)", &err);
	check(true, "create limits (memory 100M, cpus 0.5, pids 20)");
	if (v2) {
		check_knob("", "limits", "memory.max", "104857600");
		check_knob("", "limits", "memory.swap.max", "0");
		check_knob("", "limits", "cpu.max", "50000 100000");
		check_knob("", "limits", "pids.max", "20");
		check(rt_cgroup_v2_fd(cg) >= 0, "pure v2: a cgroup fd for CLONE_INTO_CGROUP");
	} else {
		check_knob("memory", "limits", "memory.limit_in_bytes", "104857600");
		check_knob("memory", "limits", "memory.memsw.limit_in_bytes", "104857600");
		check_knob("cpu", "limits", "cpu.cfs_period_us", "100000");
		check_knob("cpu", "limits", "cpu.cfs_quota_us", "50000");
		check_knob("pids", "limits", "pids.max", "20");
		check(rt_cgroup_v2_fd(cg) == -1, "hybrid: no CLONE_INTO_CGROUP fd (limits on v1)");
	}

	struct kid k = spawn(work_touch_then_wait);
	if (rt_cgroup_attach(cg, k.pid, &err) < 0)
		fail_err("attach child", &err);
	release(&k);
	check(read(k.report, &c, 1) == 1, "child touched 8 MiB inside the cgroup");
	_cleanup_free_ char *want = lxr_xasprintf("/lxr/%s/limits", group);
	const char *ctrls[] = {"memory", "cpu", "pids", "cpuacct", ""};
	for (size_t i = 0; i < (v2 ? 0 : 4); i++) {
		_cleanup_free_ char *line = lxr_xasprintf("%s:%s", ctrls[i], want);
		check(cgroup_line(k.pid, line), "/proc/%d/cgroup has %s", (int)k.pid, line);
	}
	_cleanup_free_ char *unified = lxr_xasprintf(":%s", want);
	check(cgroup_line(k.pid, unified), "/proc/%d/cgroup has 0::%s", (int)k.pid, want);

	if (rt_cgroup_stats(cg, &st, &err) < 0)
		fail_err("stats", &err);
	check(st.pids == 1, "stats: pids %lld (want 1)", (long long)st.pids);
	check(st.memory_bytes >= 8 * MB, "stats: memory %lld >= 8 MiB", (long long)st.memory_bytes);
	check(st.cpu_usage_usec > 0, "stats: cpu usage %lld us > 0", (long long)st.cpu_usage_usec);
	if (rt_cgroup_pids(cg, &pids, &n, &err) < 0)
		fail_err("list pids", &err);
	check(n == 1 && pids[0] == k.pid, "pids in cgroup: %zu, first %d (want %d)", n,
	      n ? (int)pids[0] : -1, (int)k.pid);
	check(!rt_cgroup_oom_killed(cg), "no OOM kill recorded yet");

	/* destroy kills the still-running child */
	if (rt_cgroup_destroy(cg, &err) < 0)
		fail_err("destroy limits", &err);
	check(waitpid(k.pid, &ws, 0) == k.pid && WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL,
	      "destroy SIGKILLed the child");
	check(gone("memory", "limits") && gone("cpu", "limits") && gone("pids", "limits"),
	      "limits: leaf directories removed");
	close(k.go);
	close(k.report);
}

static void work_allocate_200mb(int rep)
{
	touch_mb(200);
}

static void scenario_oom(void)
{
	struct lxr_resources r = {.memory_limit = 64 * MB};
	struct lxr_cgroup *cg = NULL;
	lxr_err err;
	int ws;

	if (rt_cgroup_create(group, "oom", &r, &cg, &err) < 0)
		return fail_err("create oom (memory 64M)", &err);
	struct kid k = spawn(work_allocate_200mb);
	if (rt_cgroup_attach(cg, k.pid, &err) < 0)
		fail_err("attach oom child", &err);
	check(!rt_cgroup_oom_killed(cg), "oom: nothing killed before the child allocates");
	release(&k);
	pid_t w = waitpid(k.pid, &ws, 0);
	check(w == k.pid && WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL,
	      "oom: child touching 200 MiB under 64 MiB was SIGKILLed (wait status 0x%x)", ws);
	check(rt_cgroup_oom_killed(cg), "oom: rt_cgroup_oom_killed reports the kill");
	if (rt_cgroup_destroy(cg, &err) < 0)
		fail_err("destroy oom", &err);
	check(gone("memory", "oom"), "oom: leaf removed");
	close(k.go);
	close(k.report);
}

struct fork_report {
	int forked, err;
};

static void work_fork_until_refused(int rep)
{
	struct fork_report fr = {0, 0};

	for (;;) {
		pid_t p = fork();
		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0) {
			fr.err = errno;
			break;
		}
		if (++fr.forked > 100)
			break;
	}
	if (write(rep, &fr, sizeof(fr)) != sizeof(fr))
		_exit(98);
	pause();
}

static void scenario_pids(void)
{
	struct lxr_resources r = {.pids_limit = 20};
	struct lxr_cgroup *cg = NULL;
	struct lxr_cgroup_stats st;
	struct fork_report fr = {-1, 0};
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	lxr_err err;
	int ws, reaped = 0, killed = 0;
	pid_t p;

	if (rt_cgroup_create(group, "pids", &r, &cg, &err) < 0)
		return fail_err("create pids (pids 20)", &err);
	struct kid k = spawn(work_fork_until_refused);
	if (rt_cgroup_attach(cg, k.pid, &err) < 0)
		fail_err("attach pids child", &err);
	release(&k);
	check(read(k.report, &fr, sizeof(fr)) == sizeof(fr), "pids: child reported");
	check(fr.forked == 19 && fr.err == EAGAIN,
	      "pids: 19 forks succeeded, the 20th task failed with EAGAIN (got %d, %s)", fr.forked,
	      lxr_errno_name(fr.err));
	if (rt_cgroup_stats(cg, &st, &err) < 0)
		fail_err("stats", &err);
	check(st.pids == 20, "pids: stats say %lld tasks (want 20)", (long long)st.pids);
	if (rt_cgroup_pids(cg, &pids, &n, &err) < 0)
		fail_err("list pids", &err);
	check(n == 20, "pids: %zu processes listed (want 20)", n);

	if (rt_cgroup_destroy(cg, &err) < 0)
		fail_err("destroy pids", &err);
	/* the driver is a subreaper: the orphaned grandchildren come here */
	while ((p = waitpid(-1, &ws, 0)) > 0) {
		reaped++;
		killed += WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL;
	}
	check(reaped == 20 && killed == 20, "pids: destroy killed all 20 (reaped %d, killed %d)",
	      reaped, killed);
	check(gone("pids", "pids"), "pids: leaf removed");
	close(k.go);
	close(k.report);
}

/* ---- the device cgroup ----------------------------------------------------
 * What a container process sees: a node it may make (mknod) but not open,
 * and the nodes docker allows. /dev/kmsg opened write-only and an unbound
 * loop device opened read-only pass their drivers for root, so an EPERM
 * there can only be the device cgroup's. */
struct dev_report {
	int kmsg_mknod, kmsg_open, loop_mknod, loop_open, null_open;
};

static int try_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int make_node(const char *path, mode_t type, unsigned maj, unsigned min)
{
	unlink(path);
	return mknod(path, type | 0600, makedev(maj, min)) < 0 ? errno : 0;
}

static void work_devices(int rep)
{
	struct dev_report r;
	char kmsg[64], loop[64];

	snprintf(kmsg, sizeof(kmsg), "/tmp/lxr-devtest-%d-kmsg", (int)getpid());
	snprintf(loop, sizeof(loop), "/tmp/lxr-devtest-%d-loop", (int)getpid());
	r.kmsg_mknod = make_node(kmsg, S_IFCHR, 1, 11);
	r.kmsg_open = try_open(kmsg, O_WRONLY);
	r.loop_mknod = make_node(loop, S_IFBLK, 7, 0);
	r.loop_open = try_open(loop, O_RDONLY);
	r.null_open = try_open("/dev/null", O_RDWR);
	unlink(kmsg);
	unlink(loop);
	if (write(rep, &r, sizeof(r)) != sizeof(r))
		_exit(98);
}

static int bpf_cmd(int cmd, union bpf_attr *a)
{
	return (int)syscall(SYS_bpf, cmd, a, sizeof(*a));
}

/* The id of the one device program attached to the v2 leaf, or 0. */
static uint32_t attached_prog(const char *name)
{
	_cleanup_free_ char *dir = leaf_of("", name);
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	uint32_t ids[4] = {0};
	union bpf_attr q = {0};

	q.query.target_fd = (uint32_t)fd;
	q.query.attach_type = BPF_CGROUP_DEVICE;
	q.query.prog_ids = (uint64_t)(uintptr_t)ids;
	q.query.prog_cnt = 4;
	if (fd < 0 || bpf_cmd(BPF_PROG_QUERY, &q) < 0 || q.query.prog_cnt != 1)
		return 0;
	return ids[0];
}

/* A program lives while something holds it; after the cgroup is gone the
 * kernel releases it from a work queue, so give it a moment. */
static bool prog_gone(uint32_t id)
{
	for (int i = 0; i < 200; i++) {
		union bpf_attr a = {.prog_id = id};
		int fd = bpf_cmd(BPF_PROG_GET_FD_BY_ID, &a);
		if (fd < 0 && errno == ENOENT)
			return true;
		if (fd >= 0)
			close(fd);
		usleep(25000);
	}
	return false;
}

static bool run_device_child(struct lxr_cgroup *cg, struct dev_report *r)
{
	struct kid k = spawn(work_devices);
	lxr_err err;
	int ws;
	bool ok = true;

	if (rt_cgroup_attach(cg, k.pid, &err) < 0) {
		fail_err("attach device child", &err);
		ok = false;
	}
	release(&k);
	ok = read(k.report, r, sizeof(*r)) == sizeof(*r) && ok;
	waitpid(k.pid, &ws, 0);
	close(k.go);
	close(k.report);
	return check(ok, "devices: the child reported");
}

static void scenario_devices(void)
{
	struct lxr_spec spec;
	struct lxr_cgroup *cg = NULL;
	struct dev_report r;
	uint32_t prog = 0;
	lxr_err err;

	/* docker's list, as every container gets it */
	rt_spec_init_defaults(&spec);
	spec.resources.pids_limit = 0;
	if (rt_cgroup_create(group, "devices", &spec.resources, &cg, &err) < 0) {
		plan_spec_free(&spec);
		return fail_err("create devices (docker's device list)", &err);
	}
	if (v2) {
		prog = attached_prog("devices");
		check(prog != 0, "devices: one BPF_CGROUP_DEVICE program attached (id %u)", prog);
	} else {
		_cleanup_free_ char *list = knob("devices", "devices", "devices.list");
		bool ok = strstr(list, "c 136:* rwm") && strstr(list, "c 1:3 rwm") &&
			  strstr(list, "b *:* m") && !strstr(list, "a *:* rwm");
		for (char *nl = list; (nl = strchr(nl, '\n'));)
			*nl = ';';
		check(ok, "devices: devices.list is docker's list%s%s", ok ? "" : ": ",
		      ok ? "" : list);
	}
	if (run_device_child(cg, &r)) {
		check(r.kmsg_mknod == 0, "devices: mknod c 1:11 allowed (%s)",
		      lxr_errno_name(r.kmsg_mknod));
		check(r.kmsg_open == EPERM, "devices: open c 1:11 refused with EPERM (%s)",
		      r.kmsg_open ? lxr_errno_name(r.kmsg_open) : "opened");
		check(r.loop_mknod == 0 && r.loop_open == EPERM,
		      "devices: mknod b 7:0 allowed (%s), open refused with EPERM (%s)",
		      lxr_errno_name(r.loop_mknod),
		      r.loop_open ? lxr_errno_name(r.loop_open) : "opened");
		check(r.null_open == 0, "devices: /dev/null opens (%s)",
		      lxr_errno_name(r.null_open));
	}
	if (rt_cgroup_destroy(cg, &err) < 0)
		fail_err("destroy devices", &err);
	check(gone("devices", "devices"), "devices: leaf removed");
	if (v2)
		check(prog && prog_gone(prog), "devices: program %u released with the cgroup",
		      prog);

	/* one more rule: exactly what it allows opens, the rest does not */
	struct lxr_device_rule kmsg_w = {true, 'c', 1, 11, "w"};
	spec.resources.devices =
	    lxr_xrealloc(spec.resources.devices, (spec.resources.n_devices + 1) * sizeof(kmsg_w));
	spec.resources.devices[spec.resources.n_devices++] = kmsg_w;
	if (rt_cgroup_create(group, "devices2", &spec.resources, &cg, &err) < 0) {
		plan_spec_free(&spec);
		return fail_err("create devices2 (docker's list + c 1:11 w)", &err);
	}
	if (run_device_child(cg, &r)) {
		check(r.kmsg_open == 0, "devices: with \"c 1:11 w\" the write-only open works (%s)",
		      r.kmsg_open ? lxr_errno_name(r.kmsg_open) : "opened");
		check(r.loop_open == EPERM, "devices: b 7:0 still refused (%s)",
		      r.loop_open ? lxr_errno_name(r.loop_open) : "opened");
	}
	if (rt_cgroup_destroy(cg, &err) < 0)
		fail_err("destroy devices2", &err);
	check(gone("devices", "devices2"), "devices2: leaf removed");
	plan_spec_free(&spec);
}

/* clone3(CLONE_INTO_CGROUP): the child starts inside the cgroup, limits
 * and all, without a window in the parent's cgroup. */
static void scenario_clone_into(void)
{
	struct lxr_resources r = {.memory_limit = 32 * MB, .pids_limit = 5};
	struct lxr_cgroup *cg = NULL;
	struct lxr_cgroup_stats st;
	lxr_err err;
	int ws;

	if (rt_cgroup_create(group, "clone", &r, &cg, &err) < 0)
		return fail_err("create clone", &err);
	int fd = rt_cgroup_v2_fd(cg);
	if (check(fd >= 0, "clone: v2 fd %d", fd)) {
		struct clone_args ca = {
		    .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)fd};
		pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
		if (pid == 0) {
			pause();
			_exit(0);
		}
		check(pid > 0, "clone3(CLONE_INTO_CGROUP): %s", pid > 0 ? "ok" : strerror(errno));
		_cleanup_free_ char *want = lxr_xasprintf("::/lxr/%s/clone", group);
		if (pid > 0) {
			check(cgroup_line(pid, want + 1), "clone: /proc/%d/cgroup is 0%s", (int)pid,
			      want);
			if (rt_cgroup_stats(cg, &st, &err) < 0)
				fail_err("stats", &err);
			check(st.pids == 1, "clone: stats count the child (%lld)",
			      (long long)st.pids);
		}
		if (rt_cgroup_destroy(cg, &err) < 0)
			fail_err("destroy clone", &err);
		check(pid > 0 && waitpid(pid, &ws, 0) == pid && WIFSIGNALED(ws),
		      "clone: destroy killed the child");
	} else {
		rt_cgroup_destroy(cg, &err);
	}
	check(gone("", "clone"), "clone: leaf removed");
}

/* v2's no-internal-process rule: a controller cannot be handed down
 * through a cgroup that holds processes; the error names both. */
static void scenario_enable_refused(void)
{
	struct lxr_resources r = {.memory_limit = 32 * MB};
	struct lxr_cgroup *cg = NULL;
	lxr_err err;
	int ws;
	bool made = mkdir("/sys/fs/cgroup/lxr", 0755) == 0;

	if (!check(made, "enable: made /sys/fs/cgroup/lxr by hand (must not exist before)"))
		return;
	pid_t squatter = fork();
	if (squatter == 0) {
		pause();
		_exit(0);
	}
	_cleanup_free_ char *spid = lxr_xasprintf("%d", (int)squatter);
	check(lxr_write_file_at(AT_FDCWD, "/sys/fs/cgroup/lxr/cgroup.procs", spid, &err) == 0,
	      "enable: a process sits in /sys/fs/cgroup/lxr itself");
	int r2 = rt_cgroup_create(group, "refused", &r, &cg, &err);
	check(r2 < 0 && err.errnum == EBUSY &&
		  strstr(err.msg, "controller memory is not enabled in "
				  "/sys/fs/cgroup/lxr/cgroup.subtree_control") != NULL,
	      "enable: error \"%s\" (%s)", err.msg, lxr_errno_name(err.errnum));
	check(r2 < 0 && strstr(err.hint, "has processes of its own") != NULL, "enable: hint \"%s\"",
	      err.hint);
	check(access("/sys/fs/cgroup/lxr", F_OK) == 0 && gone("", "refused"),
	      "enable: nothing half-made (no group dir left)");
	kill(squatter, SIGKILL);
	waitpid(squatter, &ws, 0);
	check(rmdir("/sys/fs/cgroup/lxr") == 0, "enable: hand-made lxr dir removed");
}

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[1], "v1") && strcmp(argv[1], "v2"))) {
		fprintf(stderr, "usage: %s v1|v2 GROUP\n", argv[0]);
		return 2;
	}
	v2 = !strcmp(argv[1], "v2");
	group = argv[2];
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* orphaned grandchildren of the pids scenario are reaped here */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	check(rt_cgroup_version() == (v2 ? LXR_CG_V2 : LXR_CG_V1), "rt_cgroup_version is v%d",
	      (int)rt_cgroup_version());
	if (v2)
		scenario_enable_refused();
	scenario_limits();
	scenario_oom();
	scenario_pids();
	scenario_devices();
	if (v2) {
		scenario_clone_into();
		/* the VM has no other lxr users: the shared dirs must be gone */
		check(access("/sys/fs/cgroup/lxr", F_OK) < 0 && errno == ENOENT,
		      "lxr/ and lxr/%s removed once empty", group);
	}
	printf("# %d failed\n", failures);
	return failures ? 1 : 0;
}
