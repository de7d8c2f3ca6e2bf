/* A new process inside a running container: `lxr exec`, health checks and
 * hooks. runc's nsexec pattern: a helper joins the cgroup and the namespaces
 * (a PID namespace only applies to children), then clones with CLONE_PARENT
 * so the process that runs the command is the caller's own child, inside.
 * The helper is a fresh image of lxr (runc re-executes itself the same
 * way), not a fork of its caller: until its exec the clone inside is a
 * copy of the helper's memory, which a process of the container holding
 * CAP_SYS_PTRACE could read, and a supervisor's memory holds every other
 * service's environment. The fresh image holds this exec's request only. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "runtime/runtime_internal.h"

static const int all_ns =
    CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWCGROUP;

/* setns(pidfd, flags) joins several namespaces at once, atomically (5.8+);
 * older kernels get one /proc/PID/ns/ file at a time. */
static int join_all(int pidfd, pid_t pid, lxr_err *err)
{
	static const struct {
		const char *name;
		int flag;
	} order[] = {{"cgroup", CLONE_NEWCGROUP}, {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS},
		     {"net", CLONE_NEWNET},       {"pid", CLONE_NEWPID}, {"mnt", CLONE_NEWNS}};

	if (setns(pidfd, all_ns) == 0)
		return 0;
	if (errno != EINVAL)
		return lxr_fail(err, errno, "setns into the namespaces of pid %d", (int)pid);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		char path[64];
		_cleanup_close_ int fd = -1;

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, order[i].name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, order[i].flag) < 0)
			return lxr_fail(err, errno, "setns %s", path);
	}
	return 0;
}

/* The container's user namespace, when it has one of its own (-1: it
 * shares lxr's). Opened through the host's /proc, before the joins. */
static int open_userns(pid_t pid, lxr_err *err)
{
	char path[64];
	struct stat own, other;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &other) < 0 || stat("/proc/self/ns/user", &own) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return lxr_fail(err, e, "open %s", path);
	}
	if (own.st_ino == other.st_ino && own.st_dev == other.st_dev) {
		close(fd);
		return -2;
	}
	return fd;
}

static pid_t target_pid(int pidfd)
{
	char path[64], *buf = NULL;
	pid_t pid = -1;
	lxr_err err;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	if (lxr_read_file_at(AT_FDCWD, path, &buf, NULL, &err) == 0) {
		char *p = strstr(buf, "\nPid:");
		if (p)
			pid = (pid_t)atoi(p + 5);
	}
	free(buf);
	return pid;
}

/* The container's OOM score, not the caller's: a supervisor run with a
 * lower one (OOMScoreAdjust=-500, as docker.service) must not lend it to
 * a health check or an exec. From host root, before the user namespace,
 * lowering is allowed too (a service's oom_score_adj: -100). */
static void same_oom_score(pid_t tpid)
{
	_cleanup_free_ char *path = lxr_xasprintf("/proc/%d/oom_score_adj", (int)tpid);
	char v[16] = "";
	lxr_err ignored;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, v, sizeof(v) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n > 0)
		(void)lxr_write_file_at(AT_FDCWD, "/proc/self/oom_score_adj", v, &ignored);
}

/* The helper's way in (it joined the cgroup first thing): holding only what is
 * handed over, into the container's namespaces, the user namespace last. */
static int enter(int tfd, const struct lxr_stdio *io, int sync, lxr_err *err)
{
	pid_t tpid = target_pid(tfd);
	struct stat host_root, joined_root;
	int ufd = -2;

	if (stat("/", &host_root) < 0)
		return lxr_fail(err, errno, "stat /");
	if (tpid <= 0)
		return lxr_fail(err, ESRCH, "the container's process is gone");
	same_oom_score(tpid);
	if ((ufd = open_userns(tpid, err)) == -1)
		return -1;
	/* Only what is handed over goes in: not the supervisor's sockets,
	 * logs and directories, not a descriptor the shell that ran `lxr
	 * exec` left open. Close-on-exec is not enough — the process is in
	 * the container before it execs. */
	const int keep[] = {tfd, sync, io->fds[0], io->fds[1], io->fds[2], rt_init_fd(), ufd};
	if (lxr_close_all_but(keep, sizeof(keep) / sizeof(keep[0]), err) < 0 ||
	    join_all(tfd, tpid, err) < 0)
		return -1;
	/* The user namespace last: as host root, every other join above is
	 * allowed (a network namespace the net layer made is the host's);
	 * then the process holds capabilities in the container's namespace
	 * only, and takes the container's ids with its credentials below. */
	if (ufd >= 0 && setns(ufd, CLONE_NEWUSER) < 0)
		return lxr_fail(err, errno, "setns into the container's user namespace");
	if (ufd >= 0)
		close(ufd);
	/* A container still building its root has the host's tree as its
	 * mount namespace: never run anything there (its state is published
	 * only once lxr-init is about to exec its command, so this is the
	 * second guard). */
	if (stat("/", &joined_root) < 0 ||
	    (joined_root.st_dev == host_root.st_dev && joined_root.st_ino == host_root.st_ino))
		return lxr_fail(err, EAGAIN, "the container has no root filesystem of its own yet"),
		       lxr_err_hint(err, "it is still starting: try again once it runs");
	return 0;
}

/* The helper: in the cgroup and namespaces, clone the command's process as
 * a sibling (our parent's child), report its pid, and leave. */
static _Noreturn void helper(int tfd, const struct lxr_spec *proc, const struct lxr_stdio *io,
			     int sync)
{
	lxr_err err;
	pid_t pid;

	/* Until the command's exec the clone below is a copy of this fresh
	 * image (the request, nothing else of lxr's): non-dumpable, so a
	 * process of the container without CAP_SYS_PTRACE cannot open its
	 * /proc/PID/fd, mem or environ (the clone inherits the flag), and
	 * with no environment of lxr's to read there either. */
	prctl(PR_SET_DUMPABLE, 0);
	if (enter(tfd, io, sync, &err) < 0)
		rt_child_fail(sync, 125, &err);
	/* The container's credentials and no_new_privs before the clone: this
	 * helper is not in the container's PID namespace, its clone is, and
	 * from birth a process there with CAP_SYS_PTRACE (a cap_add) could
	 * trace it. Born with the container's own credentials, it has nothing
	 * more to give than the container has. The seccomp filter waits for
	 * the exec (under no_new_privs it needs no privilege then). */
	if (rt_process_apply_creds_held(proc, &err) < 0)
		rt_child_fail(sync, 125, &err);
	/* a change of ids set dumpable to fs.suid_dumpable: back to 0 */
	prctl(PR_SET_DUMPABLE, 0);
	pid =
	    (pid_t)syscall(SYS_clone, (unsigned long)(CLONE_PARENT | SIGCHLD), NULL, NULL, NULL, 0);
	if (pid < 0) {
		lxr_fail(&err, errno, "clone into the container (CLONE_PARENT)");
		rt_child_fail(sync, 125, &err);
	}
	if (pid == 0) {
		int slave = -1;

		if (!io->detach)
			prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (proc->terminal && rt_child_open_pty(sync, proc, &slave, &err) < 0)
			rt_child_fail(sync, 125, &err);
		if (rt_process_load_held_filter(proc, &err) < 0)
			rt_child_fail(sync, 125, &err);
		rt_child_exec(proc, sync, io->fds, slave);
	}
	/* Our pid as seen outside (this helper is still in lxr's PID
	 * namespace), so the caller can open a pidfd of its new child. */
	(void)!send(sync, &pid, sizeof(pid), MSG_NOSIGNAL);
	_exit(0);
}

/* What the helper's start needs, all made by the caller before the clone:
 * until its exec the clone shares the caller's memory (CLONE_VM |
 * CLONE_VFORK, as posix_spawn does), so it makes system calls on these and
 * nothing else: no allocation, nothing written that the caller reads. */
struct helper_start {
	int sync, self; /* the sync socket; lxr's own binary (O_PATH) */
	/* what the fresh image inherits: target, sync, stdio, the request
	 * and the cgroup.procs files it joins (-1: none) */
	int pass[6 + RT_CG_JOIN_MAX];
	bool set_nofile;
	struct rlimit nofile;
	char req[16], snum[16]; /* the request's and the sync socket's numbers */
};

/* The clone, on a stack of its own, the caller stopped until its exec:
 * the fresh image with the request and the descriptors it needs, every
 * other one closed by the exec (close-on-exec), and no environment. It
 * joins the container's cgroup only there, first thing: never while its
 * caller waits, which a container at its CPU quota could make long. */
static int helper_start(void *arg)
{
	const struct helper_start *h = arg;
	char *argv[] = {"lxr-exec", RT_EXEC_HELPER_ARG, (char *)h->req, (char *)h->snum, NULL};
	char *envp[] = {NULL};
	lxr_err err;

	/* only what it hands over reaches the fresh image: every descriptor
	 * of the caller's (one a shell passed to lxr exec too) is
	 * close-on-exec from here, the passed ones excepted */
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	for (size_t i = 0; i < sizeof(h->pass) / sizeof(h->pass[0]); i++)
		if (h->pass[i] >= 0)
			fcntl(h->pass[i], F_SETFD, 0);
	/* the soft descriptor limit lxr was started with, not its raised one:
	 * the fresh image passes it on to the command (creds.c) */
	if (h->set_nofile)
		(void)setrlimit(RLIMIT_NOFILE, &h->nofile);
	syscall(SYS_execveat, h->self, "", argv, envp, AT_EMPTY_PATH);
	lxr_fail(&err, errno, "exec lxr for exec (execveat /proc/self/exe)");
	rt_child_fail(h->sync, 125, &err);
}

/* The clone itself, every signal blocked meanwhile: a handler of the
 * caller's must not run in it, on the caller's memory. It execs with them
 * blocked; the fresh image, which has no handlers, unblocks them first. */
static pid_t helper_spawn(struct helper_start *h)
{
	/* one clone at a time (the caller waits for its exec), one thread */
	static char stack[32768] __attribute__((aligned(16)));
	sigset_t all, old;
	pid_t pid;
	int e;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = clone(helper_start, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, h);
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return pid;
}

/* The helper's start: the request written, the cgroup's procs files and
 * lxr's binary opened here, then a clone that only arranges descriptors
 * and execs. Not a fork: a supervisor's copy would cost a millisecond or
 * two of page tables and copied pages for every health check, both sides. */
static pid_t helper_clone(int tfd, struct lxr_cgroup *cg, const struct lxr_spec *proc,
			  const struct lxr_stdio *io, int sync, lxr_err *err)
{
	const struct sock_filter *prog;
	struct rt_exec_req r = {.target = tfd,
				.sync = sync,
				.stdio = {io->fds[0], io->fds[1], io->fds[2]},
				.detach = io->detach};
	struct helper_start h = {.sync = sync, .self = -1};
	struct rt_cg_join join = {.n = 0};
	struct rlimit start;
	pid_t pid = -1;
	int req = -1;

	r.filtered = proc->seccomp || proc->seccomp_default;
	r.profile = proc->seccomp != NULL;
	rt_seccomp_prepared(&prog, &r.filter_len);
	r.filter = r.filtered ? (struct sock_filter *)prog : NULL;
	r.filter_len = r.filtered ? r.filter_len : 0;
	if (cg && rt_cgroup_procs_open(cg, &join, err) < 0)
		return -1;
	memcpy(r.join, join.fd, join.n * sizeof(int));
	r.n_join = join.n;
	if ((req = rt_exec_req_write(proc, &r, err)) < 0)
		goto out;
	h.self = open("/proc/self/exe", O_PATH | O_CLOEXEC);
	if (h.self < 0) {
		lxr_fail(err, errno, "open /proc/self/exe");
		goto out;
	}
	if (lxr_nofile_start(&start) && getrlimit(RLIMIT_NOFILE, &h.nofile) == 0) {
		h.nofile.rlim_cur = start.rlim_cur;
		h.set_nofile = true;
	}
	memcpy(h.pass, (int[]){tfd, sync, io->fds[0], io->fds[1], io->fds[2], req},
	       6 * sizeof(int));
	for (size_t i = 0; i < RT_CG_JOIN_MAX; i++)
		h.pass[6 + i] = i < join.n ? join.fd[i] : -1;
	snprintf(h.req, sizeof(h.req), "%d", req);
	snprintf(h.snum, sizeof(h.snum), "%d", sync);
	pid = helper_spawn(&h);
	if (pid < 0)
		lxr_fail(err, errno, "clone exec helper");
out:
	if (req >= 0)
		close(req);
	if (h.self >= 0)
		close(h.self);
	rt_cgroup_procs_close(&join);
	return pid;
}

/* The fresh image's first step: into the container's cgroup (its pids and
 * device rules hold for what enters it), before anything of the
 * container's is touched. */
static void helper_join(const struct rt_exec_req *r)
{
	lxr_err err;

	for (size_t i = 0; i < r->n_join; i++) {
		if (write(r->join[i], "0", 1) != 1) {
			lxr_fail(&err, errno,
				 "join the container's cgroup (write its cgroup.procs)");
			rt_child_fail(r->sync, 125, &err);
		}
		close(r->join[i]);
	}
}

bool rt_exec_helper_wanted(int argc, char **argv)
{
	return argc == 4 && !strcmp(argv[1], RT_EXEC_HELPER_ARG);
}

_Noreturn int rt_exec_helper_main(int argc, char **argv)
{
	struct rt_exec_req r;
	struct lxr_stdio io;
	int fd = atoi(argv[2]), sync = atoi(argv[3]);
	lxr_err err;

	(void)argc;
	prctl(PR_SET_DUMPABLE, 0);
	/* its start had every signal blocked: the default actions from here
	 * (no handler is set), so the caller's hang-up or Ctrl-C ends it */
	{
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
	}
	/* the sync socket's number comes in argv too: a request it cannot
	 * read is said to the caller there, as any other failure */
	if (rt_exec_req_read(fd, &r, &err) < 0)
		rt_child_fail(sync, 125, &err);
	if (r.sync != sync) {
		lxr_fail(&err, EBADMSG, "exec request: its sync socket is not %d", sync);
		rt_child_fail(sync, 125, &err);
	}
	helper_join(&r);
	close(fd);
	/* what the caller had close-on-exec is so again: nothing of this
	 * process's leaks into the command */
	{
		const int pass[] = {r.target, r.sync, r.stdio[0], r.stdio[1], r.stdio[2]};
		for (size_t i = 0; i < sizeof(pass) / sizeof(pass[0]); i++)
			if (pass[i] >= 0)
				fcntl(pass[i], F_SETFD, FD_CLOEXEC);
	}
	if (r.filtered)
		rt_seccomp_adopt(lxr_steal_ptr(&r.filter), r.filter_len, r.profile);
	r.proc->seccomp_default = r.filtered;
	if (rt_init_prepare(&err) < 0)
		rt_child_fail(r.sync, 125, &err);
	io = (struct lxr_stdio){.fds = {r.stdio[0], r.stdio[1], r.stdio[2]}, .detach = r.detach};
	helper(r.target, r.proc, &io, r.sync);
}

/* The command's process can fail (a working directory refused, say) and
 * report it before the helper reports its pid; await returns at the error.
 * Once the helper is gone its report, if it made one, is queued: that
 * process is our child (CLONE_PARENT) and a zombie in the container's PID
 * namespace until we reap it — the container's init cannot exit before. */
int rt_exec_in_begin(int target_pidfd, const char *group, const char *name,
		     const struct lxr_spec *proc, struct lxr_stdio *io, struct rt_exec_pending *p,
		     lxr_err *err)
{
	_cleanup_close_ int parent_end = -1, child_end = -1;
	struct lxr_cgroup *cg = NULL;
	pid_t h;
	int sp[2];

	p->helper = -1;
	p->sync = -1;
	io->pty_master = -1;
	if (rt_seccomp_prepare(proc, err) < 0)
		return -1;
	/* never outside the container's cgroup: its device rules and pids
	 * limit hold for what enters it too */
	if (!group)
		return lxr_fail(err, EINVAL, "exec in %s: the container's cgroup is not known",
				name);
	/* rootless without delegation: the container has none (cgroup_rootless.c) */
	if (rt_cgroup_open(group, name, &cg, err) < 0 && lxr_rootless_uid() < 0)
		return lxr_err_wrap(err, "exec in %s", name);
	/* what joins a frozen cgroup freezes with it, and would hang there */
	if (cg && rt_cgroup_frozen(cg)) {
		rt_cgroup_free(cg);
		lxr_fail(err, EBUSY, "exec in %s: the container is paused", name);
		return lxr_err_hint(err, "unpause it first (lxr unpause)");
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		rt_cgroup_free(cg);
		return lxr_fail(err, errno, "socketpair for exec");
	}
	parent_end = sp[0];
	child_end = sp[1];
	/* each message comes with its sender's pid: the exec's pid counts
	 * from the helper only (rt_sync_step) */
	if (setsockopt(parent_end, SOL_SOCKET, SO_PASSCRED, &(int){1}, sizeof(int)) < 0) {
		rt_cgroup_free(cg);
		return lxr_fail(err, errno, "exec in %s: SO_PASSCRED", name);
	}
	h = helper_clone(target_pidfd, cg, proc, io, child_end, err);
	rt_cgroup_free(cg);
	if (h < 0)
		return lxr_err_wrap(err, "exec in %s", name);
	p->helper = h;
	p->sync = lxr_steal_fd(&parent_end);
	return 0;
}

int rt_exec_in_end(struct rt_exec_pending *p, const char *name, struct lxr_stdio *io,
		   pid_t *pid_out, int *pidfd_out, lxr_err *err)
{
	_cleanup_close_ int sync = lxr_steal_fd(&p->sync);
	struct rt_sync_peer peer = {.helper = p->helper};
	bool helper_ended = false;
	pid_t pid;
	int st = 0, r;

	r = rt_sync_await(sync, name, io, &peer, err);
	pid = peer.pid > 0 ? peer.pid : -1;
	while (p->helper > 0 && !helper_ended) {
		pid_t w = waitpid(p->helper, &st, 0);
		if (w == p->helper)
			helper_ended = true;
		else if (w < 0 && errno != EINTR)
			break;
	}
	p->helper = -1;
	if (pid <= 0)
		pid = rt_sync_queued_pid(sync, peer.helper);
	/* the terminal is the exec's own process's, or none */
	if (r >= 0 && io->pty_master >= 0 && peer.pty_from != pid) {
		close(io->pty_master);
		io->pty_master = -1;
		r = lxr_fail(err, EPROTO, "a terminal from a process not the exec's (pid %d)",
			     (int)peer.pty_from);
	}
	if (r < 0 || pid <= 0) {
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		if (io->pty_master >= 0)
			close(io->pty_master);
		io->pty_master = -1;
		if (r < 0) {
			lxr_err_wrap(err, "exec in %s", name);
			return r; /* keeps -126/-127 */
		}
		/* the helper ended without a word: how */
		if (helper_ended && WIFSIGNALED(st))
			return lxr_fail(err, ESRCH,
					"exec in %s: no process started: the helper (lxr, "
					"/proc/self/exe) was killed by signal %d",
					name, WTERMSIG(st));
		if (helper_ended && WIFEXITED(st) && WEXITSTATUS(st))
			return lxr_fail(err, ESRCH,
					"exec in %s: no process started: the helper (lxr, "
					"/proc/self/exe) exited with %d",
					name, WEXITSTATUS(st));
		return lxr_fail(err, ESRCH, "exec in %s: no process started", name);
	}
	*pid_out = pid;
	*pidfd_out = (int)syscall(SYS_pidfd_open, pid, 0);
	return 0;
}

void rt_exec_in_abort(struct rt_exec_pending *p, pid_t *pid_out)
{
	_cleanup_close_ int sync = lxr_steal_fd(&p->sync);
	pid_t pid = sync >= 0 ? rt_sync_queued_pid(sync, p->helper) : -1;

	if (p->helper > 0) {
		kill(p->helper, SIGKILL);
		waitpid(p->helper, NULL, WNOHANG);
	}
	p->helper = -1;
	if (pid > 0)
		kill(pid, SIGKILL);
	*pid_out = pid > 0 ? pid : 0;
}

int rt_exec_in(int target_pidfd, const char *group, const char *name, const struct lxr_spec *proc,
	       struct lxr_stdio *io, pid_t *pid_out, int *pidfd_out, lxr_err *err)
{
	struct rt_exec_pending p;

	if (rt_exec_in_begin(target_pidfd, group, name, proc, io, &p, err) < 0)
		return -1;
	return rt_exec_in_end(&p, name, io, pid_out, pidfd_out, err);
}

void rt_exec_in_kill(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(-pid, SIGKILL); /* its group; ESRCH where it has none of its own */
	kill(pid, SIGKILL);
}
