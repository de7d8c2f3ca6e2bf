/* The container side of start-up, from clone to exec: wait until the parent
 * has placed us in our cgroups, build the filesystem, set hostname and
 * loopback, drop privileges, then exec either the command as PID 1 or lxr's
 * init, which starts the command. Any failure goes back to the parent as one message. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>

#include "runtime/runtime_internal.h"

/* The parent's word WANT ('g': go; 'j': in its cgroups) */
static int wait_for(int sync, char want, lxr_err *err)
{
	char b;
	ssize_t r;

	do
		r = recv(sync, &b, 1, 0);
	while (r < 0 && errno == EINTR);
	if (r != 1)
		return lxr_fail(err, r < 0 ? errno : EPIPE, "wait for lxr (parent gone)");
	if (b != want)
		return lxr_fail(err, EPROTO, "wait for lxr: '%c' where '%c' was due", b, want);
	return 0;
}

/* In its cgroups, then its own cgroup namespace, rooted at them: at once
 * where it was born or put there before the go; else (v1) late, once the
 * parent says it moved it, with or without a namespace of its own (no
 * cgroup2 is mounted in the container then, so nothing before needs the
 * namespace), and always before anything of the container's runs. */
static int cgroupns(const struct rt_child *c, bool late, lxr_err *err)
{
	if (late != c->await_join)
		return 0;
	if (late) {
		if (c->self_join ? rt_cgroup_join(c->self_join, 0, err) < 0
				 : wait_for(c->sync, 'j', err) < 0)
			return -1;
		lxr_debug("container %s: in its cgroups", c->spec->id);
	}
	if (!c->unshare_cgroupns)
		return 0;
	if (unshare(CLONE_NEWCGROUP) < 0)
		return lxr_fail(err, errno, "unshare cgroup namespace");
	if (late)
		rt_rootfs_cgroup_v1(c->plan, c->spec->writable_sysfs || c->spec->writable_cgroups);
	return 0;
}

/* A new network namespace has only `lo`, and it is down. */
static int loopback_up(lxr_err *err)
{
	_cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = {0};

	if (s < 0)
		return lxr_fail(err, errno, "socket for loopback");
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return lxr_fail(err, errno, "get flags of lo (SIOCGIFFLAGS)");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return lxr_fail(err, errno, "bring lo up (SIOCSIFFLAGS)");
	return 0;
}

/* Only sysctls the kernel keeps per namespace (docker's list): any other is
 * the host's own setting, and a container must not change it. */
static bool sysctl_namespaced(const struct lxr_spec *spec, const char *kv, size_t klen)
{
	static const char *const ipc[] = {"kernel.msgmax", "kernel.msgmnb",         "kernel.msgmni",
					  "kernel.sem",    "kernel.shmall",         "kernel.shmmax",
					  "kernel.shmmni", "kernel.shm_rmid_forced"};

	if (klen > 10 && !strncmp(kv, "fs.mqueue.", 10))
		return spec->ns[LXR_NS_IPC].create;
	for (size_t i = 0; i < sizeof(ipc) / sizeof(ipc[0]); i++)
		if (klen == strlen(ipc[i]) && !strncmp(kv, ipc[i], klen))
			return spec->ns[LXR_NS_IPC].create;
	/* the host's network namespace, or another container's, is not
	 * this container's to change */
	if (klen > 4 && !strncmp(kv, "net.", 4))
		return spec->ns[LXR_NS_NET].create || spec->ns[LXR_NS_NET].own;
	return false;
}

static int write_sysctls(const struct lxr_spec *spec, lxr_err *err)
{
	for (size_t i = 0; spec->sysctls && spec->sysctls[i]; i++) {
		const char *kv = spec->sysctls[i], *eq = strchr(kv, '=');
		_cleanup_free_ char *path = NULL;

		if (!eq)
			return lxr_fail(err, EINVAL, "sysctl \"%s\": expected KEY=VALUE", kv);
		if (!sysctl_namespaced(spec, kv, (size_t)(eq - kv)))
			return lxr_fail(err, EPERM,
					"sysctl %.*s is not namespaced: it would change "
					"the host",
					(int)(eq - kv), kv),
			       lxr_err_hint(err, "only net.*, fs.mqueue.* and the kernel IPC "
						 "sysctls (kernel.shm*, kernel.msg*, kernel.sem) "
						 "can be set per container");
		path = lxr_xasprintf("/proc/sys/%.*s", (int)(eq - kv), kv);
		for (char *p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
		if (lxr_write_file_at(AT_FDCWD, path, eq + 1, err) < 0)
			return lxr_err_wrap(err, "sysctl %.*s", (int)(eq - kv), kv);
	}
	return 0;
}

/* The PTY comes from the container's own devpts instance (mounted with
 * newinstance), so the slave is /dev/pts/0 inside and the host's PTYs stay
 * invisible. The master goes to the parent; the slave stays here. */
int rt_child_open_pty(int sync, const struct lxr_spec *spec, int *slave, lxr_err *err)
{
	_cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	char name[64];

	if (master < 0)
		return lxr_fail(err, errno, "open /dev/ptmx in container");
	if (unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)) != 0)
		return lxr_fail(err, errno, "unlock pty");
	*slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*slave < 0)
		return lxr_fail(err, errno, "open %s", name);
	if (spec->console_rows && spec->console_cols) {
		struct winsize ws = {.ws_row = spec->console_rows, .ws_col = spec->console_cols};
		if (ioctl(*slave, TIOCSWINSZ, &ws) < 0)
			return lxr_fail(err, errno, "set terminal size (TIOCSWINSZ)");
	}
	if (lxr_send_fd(sync, master, err) < 0)
		return lxr_err_wrap(err, "send pty to lxr");
	return 0;
}

/* Every descriptor lxr makes is close-on-exec, and dup2 onto the same
 * number keeps the flag: a pipe or PTY that already sits at 0-2 (the
 * process entering a container closed everything else) must lose it. */
static int keep_stdio(void)
{
	for (int i = 0; i < 3; i++)
		fcntl(i, F_SETFD, 0);
	return 0;
}

/* The command's stdio on 0-2; with a terminal, its slave there, made the
 * controlling terminal of this process's session where ctty says. */
static int setup_stdio(const int stdio[3], int slave, bool ctty, lxr_err *err)
{
	if (slave >= 0) {
		if (ctty && ioctl(slave, TIOCSCTTY, 0) < 0)
			return lxr_fail(err, errno,
					"make pty the controlling terminal (TIOCSCTTY)");
		for (int i = 0; i < 3; i++)
			if (dup2(slave, i) < 0)
				return lxr_fail(err, errno, "dup2 pty to fd %d", i);
		return keep_stdio();
	}
	for (int i = 0; i < 3; i++) {
		int fd = stdio[i];
		/* a closed 1 or 2 would be the next file the process opens */
		if (fd < 0 && (fd = rt_open_null(O_RDWR, err)) < 0)
			return -1;
		if (fd >= 0 && fd != i && dup2(fd, i) < 0)
			return lxr_fail(err, errno, "dup2 stdio fd %d", i);
	}
	return keep_stdio();
}

/* The working directory is resolved inside the container's root, never
 * through a magic link (/proc/self/fd/N, /proc/1/cwd), which would lead to a
 * directory of the host: a process entering a running container (exec, a
 * health check) follows a path the container's own processes may have
 * swapped for such a link. */
static int chdir_in_root(const char *cwd, lxr_err *err)
{
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int dir = -1;

	if (root < 0)
		return lxr_fail(err, errno, "open / in container");
	dir = lxr_open_in_root(root, cwd && cwd[0] ? cwd : "/", O_PATH | O_DIRECTORY, 0, err);
	if (dir < 0) {
		if (err->errnum == ELOOP || err->errnum == EXDEV)
			lxr_err_hint(err,
				     "the working directory resolves through a link out of the "
				     "container's root; lxr refuses to follow it");
		return lxr_err_wrap(err, "working directory %s", cwd);
	}
	if (fchdir(dir) < 0)
		return lxr_fail(err, errno, "chdir to working directory %s", cwd);
	return 0;
}

/* The last steps of the command's own process: its session, its terminal,
 * a clean signal state and fd table, then exec. */
_Noreturn void rt_child_exec(const struct lxr_spec *spec, int sync, const int stdio[3], int slave)
{
	sigset_t none;
	int code;
	lxr_err err;

	/* Under the init this is a fresh process that needs its own session to
	 * own the terminal; as PID 1 it already leads one (EPERM, harmless). */
	setsid();
	if (setup_stdio(stdio, slave, true, &err) < 0)
		rt_child_fail(sync, 125, &err);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	umask(022); /* what docker gives a container's process */
	/* Nothing of lxr's leaks into the container but fds 0-2 (the sync
	 * socket is close-on-exec already and reports exec failure). */
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	if (chdir_in_root(spec->cwd, &err) < 0)
		rt_child_fail(sync, 125, &err);
	code = rt_exec(spec->args, spec->env, sync, &err);
	rt_child_fail(sync, code, &err);
}

/* The same steps under lxr-init, in this first process of the container:
 * those the init shares with the command (stdio, umask, working directory,
 * descriptors) are taken here and pass through lxr-init's exec; the
 * command's session and terminal, and its signals, are taken by the
 * command's own process, which lxr-init forks. Every signal is blocked. */
static _Noreturn void exec_under_init(const struct lxr_spec *spec, int sync, const int stdio[3],
				      int slave)
{
	char *path = NULL; /* handed back by the exec (init.c) */
	int code;
	lxr_err err;

	if (setup_stdio(stdio, slave, false, &err) < 0)
		rt_child_fail(sync, 125, &err);
	umask(022);
	if (chdir_in_root(spec->cwd, &err) < 0)
		rt_child_fail(sync, 125, &err);
	code = rt_exec_resolve(spec->args, spec->env, &path, &err);
	if (code)
		rt_child_fail(sync, code, &err);
	rt_init_run(sync, path, spec->args, spec->env, slave >= 0);
}

static int join_namespaces(const struct rt_child *c, lxr_err *err)
{
	static const int flags[LXR_NS_COUNT] = {
	    [LXR_NS_NET] = CLONE_NEWNET, [LXR_NS_IPC] = CLONE_NEWIPC, [LXR_NS_UTS] = CLONE_NEWUTS};
	/* a shared pid namespace is the parent's to enter: the clone was
	 * born in it */
	for (int i = 0; i < LXR_NS_COUNT; i++) {
		if (c->join_fd[i] >= 0 && flags[i] && setns(c->join_fd[i], flags[i]) < 0)
			return lxr_fail(err, errno, "setns into %s", c->spec->ns[i].join_path);
	}
	return 0;
}

/* The parent's detached mounts (rt_userns_mounts), in its order. */
static int userns_recv(const struct rt_child *c, struct rt_userns_mounts *um, lxr_err *err)
{
	const struct rt_plan *plan = c->plan;

	um->n_lowers = 0;
	while (c->spec->lower_dirs && c->spec->lower_dirs[um->n_lowers])
		um->n_lowers++;
	um->lowers = lxr_xcalloc(um->n_lowers + 1, sizeof(int));
	um->trees = lxr_xcalloc(plan->n + 1, sizeof(int));
	for (size_t i = 0; i < um->n_lowers; i++)
		if (lxr_recv_fd(c->sync, &um->lowers[i], err) < 0)
			return lxr_err_wrap(err, "receive image layer %zu", i);
	for (size_t i = 0; i < plan->n; i++) {
		um->trees[i] = -1;
		if (rt_userns_op_tree(c->spec, &plan->ops[i]) &&
		    lxr_recv_fd(c->sync, &um->trees[i], err) < 0)
			return lxr_err_wrap(err, "receive the mount of %s", plan->ops[i].target);
	}
	return 0;
}

/* docker's defaults (since 20.10) for a network namespace of the
 * container's own: ports below 1024 and ping open to every uid and gid of
 * it, unless the spec sets them (a non-root server on port 80 binds it, as
 * under docker). Not for the host's or another container's namespace.
 * Within a user namespace, its gids; one the net layer made is owned by
 * the host's user namespace, where container root holds no capability, so
 * this is written before the child becomes that root. */
static void net_defaults(const struct lxr_spec *spec, bool userns)
{
	char groups[32];
	const char *const knobs[][2] = {{"net.ipv4.ip_unprivileged_port_start", "0"},
					{"net.ipv4.ping_group_range", groups}};

	if (!spec->ns[LXR_NS_NET].create && !spec->ns[LXR_NS_NET].own)
		return;
	snprintf(groups, sizeof(groups), "0 %u",
		 !userns              ? 2147483647u
		 : spec->userns.count ? spec->userns.count - 1
				      : LXR_USERNS_SIZE - 1);
	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		size_t n = strlen(knobs[i][0]);
		bool set = false;
		char path[96];

		for (size_t j = 0; spec->sysctls && spec->sysctls[j]; j++)
			set |= !strncmp(spec->sysctls[j], knobs[i][0], n) &&
			       spec->sysctls[j][n] == '=';
		snprintf(path, sizeof(path), "/proc/sys/%s", knobs[i][0]);
		for (char *p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
		/* defaults, not asked for: a kernel without the knob (before
		 * 4.11), or a range this user namespace does not map (rootless
		 * lxr's; docker leaves ping alone in a user namespace), keeps
		 * the kernel's */
		if (!set)
			(void)lxr_write_file_at(AT_FDCWD, path, knobs[i][1], &(lxr_err){0});
	}
}

/* From host root (unmapped in the namespace, so nobody inside, but the
 * owner of lxr's directories) to the namespace's root: first what needs
 * the former. Sysctls of a network namespace the net layer made are its
 * root's to write, which the host's uid 0 still is here. The host's
 * groups go (a host group would open host files); the kernel takes the
 * parent-death signal away with the uid. */
static int userns_enter(const struct rt_child *c, int *dirfd, bool *sysctls_done, lxr_err *err)
{
	net_defaults(c->spec, true);
	if (write_sysctls(c->spec, err) < 0)
		return -1;
	*sysctls_done = true;
	*dirfd = open(c->userns_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return lxr_fail(err, errno, "open %s", c->userns_dir);
	if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return lxr_fail(err, errno, "become root of the user namespace (setresuid 0)"),
		       lxr_err_hint(err, "the uid_map and gid_map lxr wrote were refused");
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	return 0;
}

/* A path of the container's directory as its root reaches it: through
 * the descriptor, not lxr's private run directory. */
static char *via_fd(const struct rt_child *c, int dirfd, const char *path)
{
	size_t n = strlen(c->userns_dir);

	if (!path)
		return NULL;
	return lxr_xasprintf("/proc/self/fd/%d%s", dirfd,
			     strncmp(path, c->userns_dir, n) ? "" : path + n);
}

static int setup_root(const struct rt_child *c, bool *sysctls_done, lxr_err *err)
{
	struct rt_userns_mounts um = {0};
	_cleanup_close_ int dfd = -1;
	_cleanup_free_ char *root = NULL, *upper = NULL, *work = NULL, *layer = NULL, *stage = NULL;
	int r;

	if (!c->userns_dir)
		return rt_rootfs_setup(c->spec, c->rootdir, c->layer, c->upper, c->work, c->plan,
				       NULL, err);
	if (userns_recv(c, &um, err) < 0 || userns_enter(c, &dfd, sysctls_done, err) < 0)
		return -1;
	root = via_fd(c, dfd, c->rootdir);
	upper = via_fd(c, dfd, c->upper);
	work = via_fd(c, dfd, c->work);
	layer = via_fd(c, dfd, c->layer);
	stage = lxr_xasprintf("/proc/self/fd/%d/lower", dfd);
	um.stage = stage;
	r = rt_rootfs_setup(c->spec, root, layer, upper, work, c->plan, &um, err);
	free(um.lowers);
	free(um.trees);
	return r;
}

static int prepare(const struct rt_child *c, lxr_err *err)
{
	const struct lxr_spec *spec = c->spec;
	bool sysctls_done = false;

	/* Device nodes and mount points get exactly the modes the plan says. */
	umask(0);
	if (join_namespaces(c, err) < 0)
		return -1;
	if (cgroupns(c, false, err) < 0)
		return -1;
	/* Out of lxr's session: a terminal's Ctrl-C reaches the container only
	 * through lxr, once, not also directly through the process group. */
	if (setsid() < 0)
		return lxr_fail(err, errno, "setsid");
	lxr_debug("container %s: in the container", spec->id);
	if (setup_root(c, &sysctls_done, err) < 0)
		return -1;
	lxr_debug("container %s: root filesystem built, pivoted", spec->id);
	if (spec->ns[LXR_NS_UTS].create && spec->hostname &&
	    sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		return lxr_fail(err, errno, "sethostname \"%s\"", spec->hostname);
	if (spec->ns[LXR_NS_UTS].create && spec->domainname &&
	    setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
		return lxr_fail(err, errno, "setdomainname \"%s\"", spec->domainname);
	/* docker's default is 0, not whatever lxr runs with (a unit's
	 * OOMScoreAdjust=-900 would shield every container from the OOM
	 * killer); a default lxr may not set (an unprivileged lxr above 0)
	 * is left as it is */
	{
		char v[16];
		lxr_err e2;
		snprintf(v, sizeof(v), "%d", spec->has_oom_score_adj ? spec->oom_score_adj : 0);
		if (lxr_write_file_at(AT_FDCWD, "/proc/self/oom_score_adj", v,
				      spec->has_oom_score_adj ? err : &e2) < 0 &&
		    spec->has_oom_score_adj)
			return lxr_err_wrap(err, "oom_score_adj %d", spec->oom_score_adj);
	}
	if (spec->ns[LXR_NS_NET].create && loopback_up(err) < 0)
		return -1;
	if (!sysctls_done)
		net_defaults(spec, false);
	if (!sysctls_done && write_sysctls(spec, err) < 0)
		return -1;
	if (rt_rootfs_finish(spec, c->plan, err) < 0)
		return -1;
	lxr_debug("container %s: masked and read-only paths done", spec->id);
	return cgroupns(c, true, err);
}

/* Started sharing lxr's memory, it cannot be held before it is let go:
 * it sends lxr its mount namespace, the first word on the socket. */
static int hold_mounts(int sync, lxr_err *err)
{
	_cleanup_close_ int fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return lxr_fail(err, errno, "open /proc/self/ns/mnt to hold the mounts");
	return lxr_send_fd(sync, fd, err);
}

_Noreturn void rt_child_main(const struct rt_child *c)
{
	const struct lxr_spec *spec = c->spec;
	int slave = -1;
	sigset_t all;
	lxr_err err;

	/* Until it execs, this process is a copy of the supervisor's memory
	 * (other services' environments, lxr's own): non-dumpable, so nothing
	 * in the container can read it or its descriptors through /proc. */
	prctl(PR_SET_DUMPABLE, 0);
	/* A neighbour sharing the PID namespace (pid: service:X) with
	 * CAP_SYS_PTRACE overrides that: no host environment for it to read.
	 * (Sharing lxr's memory, it would scrub lxr's own: the shared start
	 * is not taken with a PID namespace to join.) */
	if (!c->self_join)
		lxr_proc_scrub_environ();
	/* Shares fate with lxr: if lxr dies, PID 1 dies and with it the
	 * whole PID namespace. Set before waiting so no death is missed. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (!c->self_join && wait_for(c->sync, 'g', &err) < 0)
		_exit(125);
	if (c->self_join && spec->hold_mounts && hold_mounts(c->sync, &err) < 0)
		rt_child_fail(c->sync, 125, &err);
	if (c->self_join && !c->await_join && rt_cgroup_join(c->self_join, 0, &err) < 0)
		rt_child_fail(c->sync, 125, &err);
	if (prepare(c, &err) < 0)
		rt_child_fail(c->sync, 125, &err);
	if (spec->terminal && rt_child_open_pty(c->sync, spec, &slave, &err) < 0)
		rt_child_fail(c->sync, 125, &err);
	if (rt_process_apply_creds(spec, &err) < 0)
		rt_child_fail(c->sync, 125, &err);
	lxr_debug("container %s: credentials, capabilities and seccomp applied", spec->id);
	/* The kernel clears the parent-death signal on a uid/gid change, and
	 * sets dumpable to fs.suid_dumpable: lxr's memory, copied or shared,
	 * stays unreadable to the container's uid until the exec. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_DUMPABLE, 0);
	if (!spec->init)
		rt_child_exec(spec, c->sync, c->stdio, slave);

	/* lxr-init unblocks them: the command's at its exec, the rest as
	 * data for the loop; none sent from here on is lost */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	exec_under_init(spec, c->sync, c->stdio, slave);
}
