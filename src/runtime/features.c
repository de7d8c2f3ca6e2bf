/* What the runtime needs of the kernel, probed for real where that is cheap
 * (lxr doctor): each namespace unshared in a forked child, the cgroup lxr
 * would make made and removed, an overlay mounted in a child's own mount
 * namespace on the directories lxr uses, and the newer syscalls called with
 * arguments that fail before they do anything, so ENOSYS (not there) and
 * EINVAL/EFAULT (there) tell them apart. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "lxr/plan.h"
#include "runtime/cgroup.h"

#define OK      LXR_CHECK_OK
#define WARN    LXR_CHECK_WARN
#define MISSING LXR_CHECK_MISSING

/* Run fn in a forked child; its errno (0: it worked) comes back as the exit
 * status, so nothing the probe changes (a namespace, a mount) reaches us. */
static int in_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit(fn(arg) < 0 ? (errno & 0xff) : 0);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
}

static int do_unshare(void *flag)
{
	return unshare(*(int *)flag);
}

static const struct ns_need {
	const char *name, *flag_name;
	int flag;
	bool needed;
	const char *breaks, *config;
} namespaces[] = {
    {"mnt", "CLONE_NEWNS", CLONE_NEWNS, true, "every container (its own root filesystem)",
     "CONFIG_NAMESPACES"},
    {"pid", "CLONE_NEWPID", CLONE_NEWPID, true, "every container (its own process tree)",
     "CONFIG_PID_NS"},
    {"net", "CLONE_NEWNET", CLONE_NEWNET, true, "every container not on network_mode: host",
     "CONFIG_NET_NS"},
    {"uts", "CLONE_NEWUTS", CLONE_NEWUTS, true, "every container (its own hostname)",
     "CONFIG_UTS_NS"},
    {"ipc", "CLONE_NEWIPC", CLONE_NEWIPC, true,
     "every container (its own SysV IPC and /dev/mqueue)", "CONFIG_IPC_NS"},
    {"cgroup", "CLONE_NEWCGROUP", CLONE_NEWCGROUP, true,
     "containers on cgroup v2 (cgroupns: private, docker's default there)", "CONFIG_CGROUPS"},
    {"user", "CLONE_NEWUSER", CLONE_NEWUSER, false,
     "nothing lxr does as root today; user-namespace remapping and rootless lxr will need it",
     "CONFIG_USER_NS"},
};

static void check_namespaces(struct lxr_checks *c)
{
	for (size_t i = 0; i < sizeof(namespaces) / sizeof(namespaces[0]); i++) {
		const struct ns_need *n = &namespaces[i];
		_cleanup_free_ char *name = lxr_xasprintf("namespace %s", n->name);
		_cleanup_free_ char *fix = NULL;
		_cleanup_free_ char *ns = lxr_xasprintf("/proc/self/ns/%s", n->name);
		int flag = n->flag, e;

		if (access(ns, F_OK) < 0) {
			fix = lxr_xasprintf("a kernel built with %s=y", n->config);
			lxr_check_add(c, name, n->needed ? MISSING : WARN, n->breaks, fix,
				      "%s does not exist: the kernel has no %s namespaces", ns,
				      n->name);
			continue;
		}
		e = in_child(do_unshare, &flag);
		if (!e) {
			lxr_check_add(c, name, OK, NULL, NULL, "unshare(%s) works", n->flag_name);
			continue;
		}
		if (n->flag == CLONE_NEWUSER)
			fix =
			    lxr_xstrdup("sysctl -w user.max_user_namespaces=15000 (and on Debian "
					"kernels kernel.unprivileged_userns_clone=1 for rootless)");
		else
			fix = lxr_xasprintf("run lxr as root on the host (not in a container "
					    "without CAP_SYS_ADMIN), on a kernel with %s=y",
					    n->config);
		lxr_check_add(c, name, n->needed ? MISSING : WARN, n->breaks, fix,
			      "unshare failed: %s (%s)", strerror(e), lxr_errno_name(e));
	}
}

/* ---- cgroups --------------------------------------------------------------- */

static void check_controllers(struct lxr_checks *c, const struct rt_cg_host *h)
{
	static const struct {
		enum rt_cg_ctrl ctrl;
		bool needed;
		const char *breaks;
	} ctrls[] = {
	    {RT_CG_MEMORY, true, "memory limits (mem_limit, deploy.resources), OOM reports, stats"},
	    {RT_CG_CPU, true, "cpus, cpu_shares, cpu_quota"},
	    {RT_CG_PIDS, true, "every container (lxr gives each a pids limit by default)"},
	    {RT_CG_CPUACCT, false, "CPU usage in lxr stats (cgroup v1)"},
	    {RT_CG_DEVICES, true, "every container on cgroup v1 (docker's device allow-list)"},
	    {RT_CG_FREEZER, false, "lxr pause (cgroup v1)"},
	    {RT_CG_CPUSET, false, "cpuset"},
	    {RT_CG_BLKIO, false, "blkio_config (weights and device limits)"},
	};
	bool v1 = false;

	for (int k = 0; k < RT_CG_NCTRL; k++)
		v1 |= h->v1_mount[k] != NULL;
	for (size_t i = 0; i < sizeof(ctrls) / sizeof(ctrls[0]); i++) {
		enum rt_cg_ctrl k = ctrls[i].ctrl;
		const char *n = rt_cg_ctrl_name(k);
		_cleanup_free_ char *name = lxr_xasprintf("cgroup controller %s", n);
		enum lxr_cg_version where = rt_cg_host_where(h, k);
		_cleanup_free_ char *fix = NULL;

		/* cpuacct, devices and freezer are v1 only: v2 has cpu.stat,
		 * a BPF program and cgroup.freeze in their place */
		if (!v1 && (k == RT_CG_CPUACCT || k == RT_CG_DEVICES || k == RT_CG_FREEZER)) {
			lxr_check_add(c, name, OK, NULL, NULL, "not needed on cgroup v2 (%s)",
				      k == RT_CG_DEVICES   ? "a BPF device program instead"
				      : k == RT_CG_FREEZER ? "cgroup.freeze instead"
							   : "cpu.stat instead");
			continue;
		}
		if (where) {
			lxr_check_add(c, name, OK, NULL, NULL, "on cgroup v%d", (int)where);
			continue;
		}
		if (v1)
			fix = lxr_xasprintf("mount -t cgroup -o %s cgroup /sys/fs/cgroup/%s, or "
					    "boot with systemd.unified_cgroup_hierarchy=1 for v2",
					    n, n);
		else
			fix = lxr_xasprintf("a kernel with it (CONFIG_MEMCG, CONFIG_CGROUP_PIDS, "
					    "CONFIG_CGROUP_SCHED...), and no cgroup_disable=%s on "
					    "the kernel command line",
					    rt_cg_ctrl_name_v2(k));
		lxr_check_add(c, name, ctrls[i].needed ? MISSING : WARN, ctrls[i].breaks, fix,
			      "not available (%s)",
			      v1 ? "no v1 hierarchy has it, nor the v2 root's cgroup.controllers"
				 : "not in the v2 root's cgroup.controllers");
	}
}

/* The cgroup a container gets, made and removed the way a start makes it:
 * lxr/_doctor/probe-PID with docker's device list, a pids, memory and CPU
 * limit, so the controllers are handed down and the device program loads. */
static void check_subtree(struct lxr_checks *c)
{
	struct lxr_spec spec;
	struct lxr_cgroup *cg = NULL;
	_cleanup_free_ char *name = lxr_xasprintf("probe-%d", (int)getpid());
	lxr_err err;
	char buf[LXR_ERR_MSG_MAX + 64];

	memset(&spec, 0, sizeof(spec));
	rt_spec_init_defaults(&spec);
	spec.resources.memory_limit = 1LL << 30;
	spec.resources.cpu_quota = 100000;
	if (rt_cgroup_create("_doctor", name, &spec.resources, &cg, &err) < 0) {
		lxr_check_add(c, "cgroup subtree lxr/", MISSING,
			      "every container: lxr cannot make its cgroup",
			      err.hint[0] ? err.hint
					  : "run as root with /sys/fs/cgroup mounted read-write; "
					    "under systemd give lxr's unit Delegate=yes",
			      "%s", lxr_err_str(&err, buf, sizeof(buf)));
		plan_spec_free(&spec);
		return;
	}
	if (rt_cgroup_destroy(cg, &err) < 0)
		lxr_check_add(c, "cgroup subtree lxr/", WARN, "nothing yet",
			      "lxr doctor --repair removes what is left",
			      "made lxr/_doctor/%s, but removing it failed: %s", name,
			      lxr_err_str(&err, buf, sizeof(buf)));
	else
		lxr_check_add(c, "cgroup subtree lxr/", OK, NULL, NULL,
			      "a container's cgroup (memory, cpu, pids, devices) was made and "
			      "removed under lxr/");
	plan_spec_free(&spec);
}

static void check_cgroups(struct lxr_checks *c)
{
	struct rt_cg_host h;
	lxr_err err;
	bool v1 = false;

	memset(&h, 0, sizeof(h));
	if (rt_cg_host_probe(&h, &err) < 0) {
		lxr_check_add(c, "cgroups", MISSING, "every container",
			      "mount /proc, and a cgroup2 file system on /sys/fs/cgroup", "%s",
			      err.msg);
		return;
	}
	for (int k = 0; k < RT_CG_NCTRL; k++)
		v1 |= h.v1_mount[k] != NULL;
	if (!v1 && !h.v2_mount)
		lxr_check_add(c, "cgroups", MISSING, "every container",
			      "mount -t cgroup2 none /sys/fs/cgroup (a kernel with CONFIG_CGROUPS)",
			      "no cgroup hierarchy is mounted");
	else
		lxr_check_add(c, "cgroups", OK, NULL, NULL, "%s%s%s",
			      v1 && h.v2_mount ? "hybrid (v1 controllers, v2 at "
			      : v1             ? "v1"
					       : "v2 at ",
			      h.v2_mount ? h.v2_mount : "", v1 && h.v2_mount ? ")" : "");
	check_controllers(c, &h);
	rt_cg_host_free(&h);
	check_subtree(c);
}

/* ---- overlayfs ---------------------------------------------------------------- */

struct ovl_probe {
	const char *lower, *upper, *work, *merged;
};

static int mount_overlay(void *arg)
{
	const struct ovl_probe *p = arg;
	_cleanup_free_ char *data =
	    lxr_xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", p->lower, p->upper, p->work);
	_cleanup_free_ char *file = lxr_xasprintf("%s/probe", p->merged);
	int fd;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	if (mount("overlay", p->merged, "overlay", 0, data) < 0)
		return -1;
	fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	return fd < 0 ? -1 : close(fd);
}

/* dir, or the nearest ancestor that exists (the one it would be made in) */
static char *existing(const char *dir)
{
	char *p = lxr_xstrdup(dir), *s;

	while (access(p, F_OK) < 0 && (s = strrchr(p, '/')) && s != p)
		*s = '\0';
	if (access(p, F_OK) < 0)
		strcpy(p, "/");
	return p;
}

static int probe_dirs(const char *lower_in, const char *upper_in, char **lo, char **up,
		      struct ovl_probe *p, lxr_err *err)
{
	_cleanup_free_ char *a = NULL, *b = NULL;
	_cleanup_free_ char *base = lxr_tmp_name("lxr-doctor");
	lxr_err ign;

	/* lxr's own directories, made as their first use makes them, so the
	 * probe (and what a kill would leave of it, which --repair sweeps)
	 * stays inside them; an ancestor only where they cannot be made */
	lxr_mkdir_p(lower_in, 0700, &ign);
	lxr_mkdir_p(upper_in, 0700, &ign);
	a = existing(lower_in);
	b = existing(upper_in);

	*lo = lxr_xasprintf("%s/%s", a, base);
	*up = lxr_xasprintf("%s/%s", b, base);
	if (strcmp(*lo, *up) && mkdir(*lo, 0700) < 0)
		return lxr_fail(err, errno, "mkdir %s", *lo);
	if (mkdir(*up, 0700) < 0 && errno != EEXIST)
		return lxr_fail(err, errno, "mkdir %s", *up);
	p->lower = lxr_xasprintf("%s/lower", *lo);
	p->upper = lxr_xasprintf("%s/upper", *up);
	p->work = lxr_xasprintf("%s/work", *up);
	p->merged = lxr_xasprintf("%s/merged", *up);
	if (mkdir(p->lower, 0755) < 0 || mkdir(p->upper, 0755) < 0 || mkdir(p->work, 0700) < 0 ||
	    mkdir(p->merged, 0755) < 0)
		return lxr_fail(err, errno, "mkdir in %s", *up);
	return 0;
}

/* Image layers are the lower directories (data dir); a container's upper
 * and work directories live in its run directory. Both file systems must
 * take part in an overlay: upper on another overlay, or on XFS without
 * d_type, fails at mount. */
static void check_overlay(struct lxr_checks *c, const char *data_dir, const char *run_dir)
{
	_cleanup_free_ char *lo = NULL, *up = NULL;
	struct ovl_probe p = {0};
	lxr_err err, ign;
	int e;

	if (probe_dirs(data_dir, run_dir, &lo, &up, &p, &err) < 0) {
		lxr_check_add(c, "overlayfs", WARN, "nothing yet",
			      "check that the data and run directories are writable", "%s: %s",
			      "could not try an overlay mount", err.msg);
		goto out;
	}
	e = in_child(mount_overlay, &p);
	if (!e)
		lxr_check_add(c, "overlayfs", OK, NULL, NULL,
			      "mounted with lower dir on %s's and upper dir on %s's file system",
			      data_dir, run_dir);
	else if (e == ENODEV)
		lxr_check_add(c, "overlayfs", MISSING, "every container from an image",
			      "modprobe overlay (a kernel with CONFIG_OVERLAY_FS); add overlay to "
			      "/etc/modules",
			      "the kernel has no overlay file system (ENODEV)");
	else
		lxr_check_add(c, "overlayfs", MISSING, "every container from an image",
			      "put run_dir on a tmpfs or ext4/xfs(ftype=1) and data_dir on a local "
			      "file system that is not itself an overlay (lxr.conf run_dir, "
			      "data_dir)",
			      "mount overlay with lower dir in %s and upper in %s: %s (%s)",
			      data_dir, run_dir, strerror(e), lxr_errno_name(e));
out:
	free((char *)p.lower);
	free((char *)p.upper);
	free((char *)p.work);
	free((char *)p.merged);
	if (lo)
		lxr_rm_rf(lo, &ign);
	if (up)
		lxr_rm_rf(up, &ign);
}

/* ---- syscalls ------------------------------------------------------------------ */

static void kernel_release(char *buf, size_t n)
{
	struct utsname u;

	snprintf(buf, n, "%s", uname(&u) == 0 ? u.release : "?");
}

static void check_syscalls(struct lxr_checks *c)
{
	char rel[128];
	struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	uint32_t action = SECCOMP_RET_ERRNO;
	int fd;
	long r;

	kernel_release(rel, sizeof(rel));
	r = syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action);
	if (r == 0)
		lxr_check_add(c, "seccomp", OK, NULL, NULL, "filters with SECCOMP_RET_ERRNO");
	else
		lxr_check_add(c, "seccomp", MISSING,
			      "every container (docker's default seccomp profile)",
			      "a kernel with CONFIG_SECCOMP_FILTER=y (3.17+)", "seccomp(2): %s",
			      strerror(errno));

	fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (fd >= 0) {
		close(fd);
		lxr_check_add(c, "pidfd", OK, NULL, NULL, "pidfd_open works");
	} else {
		lxr_check_add(c, "pidfd", MISSING,
			      "the supervisor (it watches containers by pidfd), lxr rm -f, exec",
			      "a kernel 5.3 or newer", "pidfd_open: %s (kernel %s)",
			      strerror(errno), rel);
	}

	/* size 0 is below the first clone_args: EINVAL where clone3 exists */
	r = syscall(SYS_clone3, NULL, 0);
	if (r < 0 && errno == ENOSYS)
		lxr_check_add(c, "clone3", WARN,
			      "nothing: containers start with clone and join their cgroup after",
			      "a kernel 5.7 or newer for clone3 with CLONE_INTO_CGROUP",
			      "clone3: ENOSYS (kernel %s)", rel);
	else
		lxr_check_add(c, "clone3", OK, NULL, NULL, "present (kernel %s)", rel);

	fd = (int)syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));
	if (fd >= 0) {
		close(fd);
		lxr_check_add(c, "openat2", OK, NULL, NULL, "RESOLVE_IN_ROOT works");
	} else {
		lxr_check_add(c, "openat2", MISSING,
			      "exec, health checks, volume subpaths, cp (every open inside a "
			      "container's root)",
			      "a kernel 5.6 or newer", "openat2: %s (kernel %s)", strerror(errno),
			      rel);
	}
}

/* ---- idmapped mounts ------------------------------------------------------------ */

/* A child in a user namespace of its own (container root as host uid
 * 100000), waiting on a pipe; the caller maps it and releases it. */
static pid_t userns_child(int *release, lxr_err *err)
{
	int go[2], ready[2];
	char c = 0;
	pid_t pid;

	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0)
		return lxr_fail(err, errno, "pipe");
	pid = fork();
	if (pid == 0) {
		close(go[1]);
		close(ready[0]);
		c = unshare(CLONE_NEWUSER) < 0 ? 1 : 0;
		if (write(ready[1], &c, 1) < 0 || read(go[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(go[0]);
	close(ready[1]);
	if (pid < 0 || read(ready[0], &c, 1) != 1 || c) {
		int e = pid < 0 ? errno : EPERM;
		close(ready[0]);
		close(go[1]);
		if (pid > 0)
			waitpid(pid, NULL, 0);
		return lxr_fail(err, e, "make a user namespace");
	}
	close(ready[0]);
	*release = go[1];
	return pid;
}

/* An idmapped clone of dir, never attached anywhere: closing it is all the
 * undo there is. 0, or the errno of the step that failed. */
static int idmap_probe(const char *dir, lxr_err *err)
{
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP};
	int release = -1, ufd = -1, tfd = -1, r = 0;
	pid_t pid = userns_child(&release, err);
	char path[64];

	if (pid < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	if (lxr_write_file_at(AT_FDCWD, path, "0 100000 65536", err) == 0) {
		snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
		if (lxr_write_file_at(AT_FDCWD, path, "0 100000 65536", err) == 0) {
			snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
			ufd = open(path, O_RDONLY | O_CLOEXEC);
		}
	}
	if (ufd < 0)
		r = lxr_fail(err, err->errnum ? err->errnum : errno, "map a user namespace");
	if (r == 0 && (tfd = (int)syscall(SYS_open_tree, AT_FDCWD, dir,
					  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)) < 0)
		r = lxr_fail(err, errno, "open_tree %s", dir);
	attr.userns_fd = (uint64_t)ufd;
	if (r == 0 && syscall(SYS_mount_setattr, tfd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		r = lxr_fail(err, errno, "mount_setattr MOUNT_ATTR_IDMAP on %s", dir);
	if (tfd >= 0)
		close(tfd);
	if (ufd >= 0)
		close(ufd);
	close(release);
	waitpid(pid, NULL, 0);
	return r;
}

static void check_idmap(struct lxr_checks *c, const char *data_dir)
{
	static const char breaks[] =
	    "containers in user namespaces (lxr.conf [userns]) run on copies of "
	    "their image layers with shifted owners (disk, a slower first start), "
	    "their named volumes' owners shifted in place";
	_cleanup_free_ char *dir = existing(data_dir);
	char rel[128], buf[LXR_ERR_MSG_MAX + 64];
	lxr_err err;

	kernel_release(rel, sizeof(rel));
	memset(&err, 0, sizeof(err));
	if (idmap_probe(dir, &err) == 0)
		lxr_check_add(c, "idmapped mounts", OK, NULL, NULL,
			      "an idmapped mount of %s works (its file system takes them)", dir);
	else if (err.errnum == ENOSYS)
		lxr_check_add(c, "idmapped mounts", WARN, breaks,
			      "a kernel 5.12 or newer (mount_setattr with MOUNT_ATTR_IDMAP)",
			      "mount_setattr: ENOSYS (kernel %s)", rel);
	else
		lxr_check_add(
		    c, "idmapped mounts", WARN, breaks,
		    "put data_dir on a file system that takes idmapped mounts (ext4, xfs, "
		    "btrfs, tmpfs from 6.3) on a kernel that has them for it",
		    "%s", lxr_err_str(&err, buf, sizeof(buf)));
}

/* ---- user namespaces for rootless use ------------------------------------------ */

static long read_long(const char *path)
{
	_cleanup_free_ char *text = NULL;

	if (lxr_read_file_at(AT_FDCWD, path, &text, NULL, NULL) < 0)
		return -1;
	return strtol(text, NULL, 10);
}

static void check_userns(struct lxr_checks *c)
{
	static const char breaks[] =
	    "nothing lxr does as root today; rootless lxr and user-namespace remapping will";
	long max = read_long("/proc/sys/user/max_user_namespaces");
	long unpriv = read_long("/proc/sys/kernel/unprivileged_userns_clone");
	bool uidmap = lxr_in_path("newuidmap") && lxr_in_path("newgidmap");
	_cleanup_free_ char *subuid = NULL;

	if (max == 0)
		lxr_check_add(c, "user.max_user_namespaces", WARN, breaks,
			      "sysctl -w user.max_user_namespaces=15000 (and in /etc/sysctl.d/)",
			      "0: no user namespaces can be made");
	else
		lxr_check_add(c, "user.max_user_namespaces", OK, NULL, NULL, "%ld", max);
	if (unpriv == 0)
		lxr_check_add(c, "kernel.unprivileged_userns_clone", WARN, breaks,
			      "sysctl -w kernel.unprivileged_userns_clone=1",
			      "0: only root may make user namespaces");
	else
		lxr_check_add(c, "kernel.unprivileged_userns_clone", OK, NULL, NULL, "%s",
			      unpriv < 0 ? "not a knob of this kernel (no restriction)" : "1");
	lxr_check_add(c, "newuidmap/newgidmap", uidmap ? OK : WARN, breaks, "apt install uidmap",
		      "%s", uidmap ? "in PATH" : "not in PATH");
	if (lxr_read_file_at(AT_FDCWD, "/etc/subuid", &subuid, NULL, NULL) == 0 && *subuid)
		lxr_check_add(c, "/etc/subuid", OK, NULL, NULL, "has subordinate ID ranges");
	else
		lxr_check_add(
		    c, "/etc/subuid", WARN, breaks,
		    "usermod --add-subuids 100000-165535 --add-subgids 100000-165535 USER",
		    "no subordinate ID ranges");
}

void rt_features_check(struct lxr_checks *c, const char *data_dir, const char *run_dir)
{
	check_namespaces(c);
	check_cgroups(c);
	check_overlay(c, data_dir, run_dir);
	check_syscalls(c);
	check_idmap(c, data_dir);
	check_userns(c);
	rt_userns_check(c);
	rt_initramfs_check(c);
}
