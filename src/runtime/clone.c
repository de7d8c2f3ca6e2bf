/* A container's clone into its namespaces: what the parent opens before
 * it (the seccomp program, lxr-init, namespaces to join, the v1 cgroups'
 * procs files, the start-up socket), the clone itself (into its v2 cgroup
 * where it can), the child's way on to rt_child_main, and the parent's part
 * once the child runs. container.c makes the directories and the cgroup
 * before, and waits for the exec after. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <malloc.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/runtime_internal.h"

static const int ns_flags[LXR_NS_COUNT] = {
    [LXR_NS_PID] = CLONE_NEWPID, [LXR_NS_MNT] = CLONE_NEWNS,  [LXR_NS_UTS] = CLONE_NEWUTS,
    [LXR_NS_IPC] = CLONE_NEWIPC, [LXR_NS_NET] = CLONE_NEWNET, [LXR_NS_CGROUP] = CLONE_NEWCGROUP,
};

static pid_t clone_container(const struct lxr_spec *spec, bool userns, int cgfd, int *pidfd,
			     bool *into_cg)
{
	struct clone_args args = {.exit_signal = SIGCHLD};
	/* with CLONE_NEWUSER every other new namespace is the user
	 * namespace's: container root holds its capabilities there only */
	uint64_t flags = CLONE_PIDFD | (userns ? CLONE_NEWUSER : 0);
	pid_t pid;

	for (int i = 0; i < LXR_NS_COUNT; i++)
		if (spec->ns[i].create)
			flags |= (uint64_t)ns_flags[i];
	args.pidfd = (uint64_t)(uintptr_t)pidfd;
	if (cgfd >= 0) {
		/* Born in its cgroup with every limit already in force. */
		args.flags = flags | CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgfd;
		pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
		if (pid >= 0) {
			*into_cg = true;
			return pid;
		}
		lxr_debug("clone3 CLONE_INTO_CGROUP: %s; attaching after clone", strerror(errno));
	}
	*into_cg = false;
	/* Joining cgroups after the clone: the cgroup namespace is made then,
	 * so its root is the container's cgroup, not lxr's. */
	args.flags = flags & ~(uint64_t)CLONE_NEWCGROUP;
	args.cgroup = 0;
	pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0 && errno == ENOSYS) {
		pid = (pid_t)syscall(SYS_clone, (unsigned long)(args.flags | SIGCHLD), NULL, pidfd,
				     NULL, 0);
	}
	return pid;
}

static void close_joins(int *fds)
{
	for (int i = 0; i < LXR_NS_COUNT; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* Namespaces the container joins instead of creating (a network namespace
 * the net layer has already wired, say). Opened before the clone so the
 * child needs no path lookup of its own. */
static int open_joins(const struct lxr_spec *spec, int *fds, lxr_err *err)
{
	/* all closed first: a failure below closes only what it opened */
	for (int i = 0; i < LXR_NS_COUNT; i++)
		fds[i] = -1;
	for (int i = 0; i < LXR_NS_COUNT; i++) {
		if (!spec->ns[i].join_path || spec->ns[i].create)
			continue;
		if (i == LXR_NS_MNT || i == LXR_NS_CGROUP) {
			close_joins(fds);
			return lxr_fail(err, EINVAL,
					"joining an existing %s namespace is not "
					"supported yet",
					i == LXR_NS_MNT ? "mount" : "cgroup");
		}
		fds[i] = open(spec->ns[i].join_path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			int e = errno;
			close_joins(fds);
			return lxr_fail(err, e, "open namespace %s", spec->ns[i].join_path);
		}
	}
	return 0;
}

/* A pid namespace is entered only by a process's children (setns sets the
 * caller's pid_for_children): lxr's thread points its next clone there and
 * comes back to its own namespace, the one it is in, right after. */
static int pid_ns_for_children(int fd, lxr_err *err)
{
	if (setns(fd, CLONE_NEWPID) < 0)
		return lxr_fail(err, errno, "setns into the pid namespace to share");
	return 0;
}

static int pid_ns_restore(void)
{
	_cleanup_close_ int own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);

	return own < 0 ? -1 : setns(own, CLONE_NEWPID);
}

/* What the parent holds across the clone: the start-up socket's two ends,
 * the namespaces the container joins, the v1 cgroups' procs files it moves
 * itself in through, lxr's own namespaces (while it stands in a user
 * namespace container's), and the sysfs made for that container. */
struct start_fds {
	int parent_end, child_end, sysfs;
	int joins[LXR_NS_COUNT], own_ns[LXR_NS_COUNT];
	struct rt_cg_join cg_join;
};

/* Everything the clone needs, opened before it: the seccomp program and
 * lxr-init compiled and loaded, descriptors in F. On failure nothing in F
 * is left open. */
static int start_prepare(struct lxr_container *c, const struct lxr_spec *spec,
			 const struct rt_plan *plan, int cgfd, struct start_fds *f, lxr_err *err)
{
	int sp[2];

	for (int i = 0; i < LXR_NS_COUNT; i++)
		f->joins[i] = f->own_ns[i] = -1;
	if (rt_seccomp_prepare(spec, err) < 0)
		return -1;
	/* every container needs it: as PID 1, or to exec the command */
	if (rt_init_prepare(err) < 0)
		return -1;
	/* no v2 cgroup to be born into (v1 and hybrid hosts): the child moves
	 * itself in, through these fds, before it does anything else */
	if (cgfd < 0 && rt_cgroup_procs_open(c->cg, &f->cg_join, err) < 0)
		return -1;
	if (open_joins(spec, f->joins, err) < 0)
		goto fail_cg;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		lxr_fail(err, errno, "socketpair for start-up sync");
		goto fail_joins;
	}
	f->parent_end = sp[0];
	f->child_end = sp[1];
	if (f->joins[LXR_NS_PID] >= 0 && pid_ns_for_children(f->joins[LXR_NS_PID], err) < 0)
		goto fail_sync;
	if (rt_container_has_userns(c) && (rt_userns_joins_enter(f->joins, f->own_ns, err) < 0 ||
					   rt_userns_sysfs_of(spec, plan, &f->sysfs, err) < 0)) {
		rt_userns_joins_leave(f->own_ns);
		if (f->joins[LXR_NS_PID] >= 0)
			pid_ns_restore();
		goto fail_sync;
	}
	return 0;
fail_sync:
	close(lxr_steal_fd(&f->parent_end));
	close(lxr_steal_fd(&f->child_end));
	if (f->sysfs >= 0)
		close(lxr_steal_fd(&f->sysfs));
fail_joins:
	close_joins(f->joins);
fail_cg:
	rt_cgroup_procs_close(&f->cg_join);
	return -1;
}

/* The parent, the clone done or refused: back in its own namespaces, and
 * the descriptors only the child needed closed. */
static void start_after_clone(const struct lxr_container *c, struct start_fds *f)
{
	if (rt_container_has_userns(c))
		rt_userns_joins_leave(f->own_ns);
	if (f->joins[LXR_NS_PID] >= 0 && pid_ns_restore() < 0)
		lxr_warn("container %s: cannot return to lxr's own pid namespace: %s", c->id,
			 strerror(errno));
	close_joins(f->joins);
}

static int clone_refused(const struct lxr_container *c, lxr_err *err)
{
	if (errno == EPERM && rt_container_has_userns(c))
		return lxr_fail(err, errno, "clone3 with a new user namespace"),
		       lxr_err_hint(err, "the kernel refuses a user namespace to a process in a "
					 "chroot and where user.max_user_namespaces is 0; set "
					 "[userns] mode = off in lxr.conf or userns_mode: host");
	return lxr_fail(err, errno, "clone3 with new namespaces"),
	       lxr_err_hint(err, "the kernel refused a namespace: check that user, "
				 "pid, net, ipc, uts and cgroup namespaces are enabled and "
				 "that lxr runs as root");
}

/* The cloned child, still lxr: on to rt_child_main with only what it needs. */
static _Noreturn void child_go(const struct lxr_container *c, const struct lxr_spec *spec,
			       const struct rt_plan *plan, const struct lxr_stdio *io,
			       struct start_fds *f, bool into_cg, bool shared)
{
	struct rt_child ch = {.spec = spec,
			      .plan = plan,
			      .rootdir = c->rootdir,
			      .upper = c->upper,
			      .work = c->work,
			      .sync = f->child_end,
			      .layer = spec->ephemeral_upper ? c->layer : NULL,
			      .unshare_cgroupns = !into_cg && spec->ns[LXR_NS_CGROUP].create,
			      .await_join = f->cg_join.n > 0 && rt_cgroup_v2_fd(c->cg) < 0,
			      .self_join = shared ? &f->cg_join : NULL,
			      .userns_dir = rt_container_has_userns(c) ? c->dir : NULL};

	close(f->parent_end);
	if (!shared)
		rt_cgroup_procs_close(&f->cg_join);
	/* lxr's own namespaces and the sysfs the parent sends: not the
	 * child's to hold (close-on-exec as well) */
	for (int i = 0; rt_container_has_userns(c) && i < LXR_NS_COUNT; i++)
		if (f->own_ns[i] >= 0)
			close(f->own_ns[i]);
	/* closed, not stolen: shared, f is the parent's memory */
	if (f->sysfs >= 0)
		close(f->sysfs);
	memcpy(ch.stdio, io->fds, sizeof(ch.stdio));
	memcpy(ch.join_fd, f->joins, sizeof(ch.join_fd));
	rt_child_main(&ch);
}

/* The shared start's hold: the child's first word, its mount namespace
 * (anything else, its failure, is left for the caller to read). */
static void hold_sent_mounts(struct lxr_container *c, int sync)
{
	char b;

	if (recv(sync, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 1 && b == 'F' &&
	    lxr_recv_fd(sync, &c->mnt_hold, &(lxr_err){0}) == 0)
		lxr_debug("container %s: its mount namespace held for the cleaner", c->id);
}

/* vfork's way (CLONE_VM | CLONE_VFORK): the child runs on lxr's memory,
 * and lxr waits, until it execs lxr-init or exits. Nothing is copied:
 * lxr's pages are not made copy-on-write, so neither lxr's next writes
 * nor the child's fault (each such fault a copy and a TLB flush), and the
 * child's exec has no copy to tear down. What the child writes stays in
 * lxr's memory: the path to its exec frees or hands back (init.c) what it
 * allocates, and keeps no cache of its own view; lxr is single-threaded,
 * so no lock is held in another thread.
 * Taken where lxr has nothing to do meanwhile and nothing can hold it: no
 * user namespace (its maps are the parent's to write); no PID namespace to
 * join (a neighbour there could read lxr's memory through the child);
 * root's uid (every process also shows in the host's PID namespace: one
 * with the container's uid could stop the child, and lxr with it, or kill
 * it in the middle of a malloc of lxr's heap; root's can stop lxr itself);
 * no CPU or I/O throttle or CPU set (on v2 the child builds its root
 * inside its cgroup, at the container's pace; limits set on a cgroup
 * parent above are not seen); no image layer, bind or volume from outside
 * lxr's own directories, as their paths read (a host path can hang on a
 * dead NFS server, a volume's first copy-up can take seconds), and no
 * mount of another container's. A caller that waits for the start anyway
 * (spec->caller_waits: lxr run in the foreground) is held by none of
 * those: for it only the first three count. Where the clone is refused,
 * it forks. */
struct shared_start {
	const struct lxr_container *c;
	const struct lxr_spec *spec;
	const struct rt_plan *plan;
	const struct lxr_stdio *io;
	struct start_fds *f;
	bool into_cg; /* born in its v2 cgroup (clone3_vm) */
};

static bool under(const char *path, const char *dir)
{
	return dir[0] == '/' && lxr_path_within(path, dir);
}

static bool start_shared(const struct lxr_container *c, const struct lxr_spec *spec)
{
	const struct lxr_resources *r = &spec->resources;

	if (rt_container_has_userns(c) || spec->ns[LXR_NS_PID].join_path || spec->uid != 0)
		return false;
	/* a CDI hook is a host program that may take as long as it likes:
	 * the caller must stay free (a supervisor's loop, a Ctrl-C) */
	if (spec->n_hooks)
		return false;
	if (spec->caller_waits)
		return true;
	if (r->cpu_quota || r->cpu_shares || r->cpuset_cpus || r->blkio_weight ||
	    r->n_blkio_devices)
		return false;
	for (size_t i = 0; spec->lower_dirs && spec->lower_dirs[i]; i++)
		if (!under(spec->lower_dirs[i], lxr_run_dir()) &&
		    !under(spec->lower_dirs[i], lxr_data_dir()))
			return false;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct lxr_mount *m = &spec->mounts[i];

		if (m->volume || m->source_ns)
			return false;
		if ((m->flags & MS_BIND) && m->source && !under(m->source, lxr_run_dir()) &&
		    !under(m->source, lxr_data_dir()))
			return false;
	}
	return true;
}

static int shared_child(void *arg)
{
	struct shared_start *a = arg;

	child_go(a->c, a->spec, a->plan, a->io, a->f, a->into_cg, true);
}

/* The child's stack: one, kept, since the children take turns. 1 MiB,
 * several times what the child's deepest path takes; below it 256 KiB
 * that fault, so that no frame of lxr's (64 KiB at most) steps over them
 * into memory of lxr's. */
#define SHARED_STACK ((size_t)1 << 20)
#define SHARED_GUARD ((size_t)256 << 10)

char *rt_guarded_stack(size_t size, size_t guard)
{
	char *p =
	    mmap(NULL, guard + size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + guard, size, PROT_READ | PROT_WRITE) < 0) {
		munmap(p, guard + size);
		return NULL;
	}
	return p + guard + size;
}

static char *shared_stack_top(void)
{
	static char *top;

	if (!top)
		top = rt_guarded_stack(SHARED_STACK, SHARED_GUARD);
	return top;
}

#if defined(__x86_64__) && !defined(__ILP32__)
#define SHARED_INTO_CGROUP true
/* clone3 for the shared start into its v2 cgroup (CLONE_INTO_CGROUP): a
 * child that moves itself in takes the cgroup_threadgroup_rwsem's writer
 * side, which waits for an RCU grace period (long on a slow or emulated
 * machine); one born there does not. The child cannot return from the
 * system call into this frame, which is on the caller's stack: as glibc's
 * clone() does, it calls fn(arg) on its own stack (16-byte aligned, the
 * call's push making the callee's frame as the ABI has it), and exits. */
static pid_t clone3_vm(struct clone_args *ca, int (*fn)(void *), void *arg)
{
	register void *f __asm__("r12") = (void *)fn;
	register void *x __asm__("r13") = arg;
	long ret;

	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "mov %%r13, %%rdi\n\t"
			 "call *%%r12\n\t"
			 "mov %%eax, %%edi\n\t"
			 "mov %[exit], %%eax\n\t"
			 "syscall\n\t"
			 "hlt\n"
			 "1:"
			 : "=a"(ret)
			 : "0"((long)SYS_clone3), "D"(ca), "S"(sizeof(*ca)), "r"(f),
			   "r"(x), [exit] "i"(SYS_exit)
			 : "rcx", "r11", "memory");
	if (ret < 0) {
		errno = (int)-ret;
		return -1;
	}
	return (pid_t)ret;
}
#else
#define SHARED_INTO_CGROUP false
static pid_t clone3_vm(struct clone_args *ca, int (*fn)(void *), void *arg)
{
	(void)ca, (void)fn, (void)arg;
	errno = ENOSYS;
	return -1;
}
#endif

/* cgfd >= 0: born in that v2 cgroup (a->into_cg), with its cgroup
 * namespace; else it moves itself into its cgroups and makes that
 * namespace after (child.c). */
static pid_t clone_shared(const struct lxr_spec *spec, struct shared_start *a, int *pidfd, int cgfd)
{
	int flags = CLONE_VM | CLONE_VFORK | CLONE_PIDFD, dumpable, e;
	sigset_t all, old;
	char *stack = shared_stack_top();
	pid_t pid;

	if (!stack)
		return -1;
	for (int i = 0; i < LXR_NS_COUNT; i++)
		if (spec->ns[i].create && (i != LXR_NS_CGROUP || cgfd >= 0))
			flags |= ns_flags[i];
	/* the child makes the memory it shares undumpable; it is lxr's. No
	 * handler of the caller's (lxr build has some) may run in the child
	 * on that memory: every signal blocked, the child unblocks its own */
	dumpable = prctl(PR_GET_DUMPABLE);
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	a->into_cg = cgfd >= 0;
	if (cgfd >= 0) {
		struct clone_args ca = {.flags = (uint64_t)flags | CLONE_INTO_CGROUP,
					.pidfd = (uint64_t)(uintptr_t)pidfd,
					.exit_signal = SIGCHLD,
					.stack = (uint64_t)(uintptr_t)(stack - SHARED_STACK),
					.stack_size = SHARED_STACK,
					.cgroup = (uint64_t)cgfd};
		pid = clone3_vm(&ca, shared_child, a);
	} else {
		pid = clone(shared_child, stack, flags | SIGCHLD, a, pidfd);
	}
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	rt_init_free_exec_leftovers();
	if (dumpable >= 0)
		(void)prctl(PR_SET_DUMPABLE, dumpable);
	errno = e;
	return pid;
}

/* The shared clone, into its v2 cgroup where cgfd >= 0; where clone3 is
 * refused there (a seccomp profile that hides it from lxr, as docker's
 * older ones do), the child moves itself in instead. */
static pid_t clone_shared_any(struct lxr_container *c, const struct lxr_spec *spec,
			      const struct rt_plan *plan, const struct lxr_stdio *io,
			      struct start_fds *f, int cgfd, bool *into_cg)
{
	struct shared_start a = {.c = c, .spec = spec, .plan = plan, .io = io, .f = f};
	pid_t pid = clone_shared(spec, &a, &c->pidfd, cgfd);

	if (pid < 0 && cgfd >= 0 && rt_cgroup_procs_open(c->cg, &f->cg_join, &(lxr_err){0}) == 0)
		pid = clone_shared(spec, &a, &c->pidfd, -1);
	*into_cg = pid >= 0 && a.into_cg;
	return pid;
}

/* spec->hold_mounts: the container's mount namespace, held in c->mnt_hold
 * for rt_container_destroy_detached; taken before the child is let go, so
 * it cannot have exited yet. */
static void hold_mounts(struct lxr_container *c)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)c->pid);
	c->mnt_hold = open(path, O_RDONLY | O_CLOEXEC);
	if (c->mnt_hold >= 0)
		lxr_debug("container %s: its mount namespace held for the cleaner", c->id);
}

/* v1 (and a hybrid host's v2 without controllers): the child, let go, builds
 * its root while it is moved into its cgroups here (the kernel waits for an
 * RCU grace period to move a process, a millisecond or more). It waits for
 * the 'j' before its cgroup namespace and its command. A child that has
 * already failed has its own word for the caller on the socket. */
static int join_v1(struct lxr_container *c, struct start_fds *f, lxr_err *err)
{
	struct pollfd gone = {.fd = c->pidfd, .events = POLLIN};

	if (!f->cg_join.n)
		return 0;
	if (rt_cgroup_join(&f->cg_join, c->pid, err) < 0)
		return poll(&gone, 1, 0) == 1 ? 0 : -1;
	/* a child that ended meanwhile closed its end: its own message, or
	 * its exit, is what the caller reads next */
	if (send(f->parent_end, "j", 1, MSG_NOSIGNAL) != 1 && errno != EPIPE &&
	    errno != ECONNRESET && poll(&gone, 1, 0) != 1)
		return lxr_fail(err, errno, "start container %s (sync)", c->id);
	return 0;
}

/* The parent's part once the child runs: its cgroup where clone3 could
 * not place it, a user namespace's maps and mounts, the go-ahead, and
 * its state. */
static int parent_go(struct lxr_container *c, const struct lxr_spec *spec,
		     const struct rt_plan *plan, struct start_fds *f, bool into_cg, lxr_err *err)
{
	int cgfd = rt_cgroup_v2_fd(c->cg);

	/* v2, but clone3 refused CLONE_INTO_CGROUP (a kernel before 5.7) */
	if (!into_cg && cgfd >= 0) {
		if (rt_cgroup_attach(c->cg, c->pid, err) < 0)
			return -1;
		lxr_debug("container %s: in its cgroups", c->id);
	}
	if (rt_container_has_userns(c) &&
	    rt_userns_parent_setup(plan, c->pid, &c->userns, rt_cgroup_v2_fd(c->cg), err) < 0)
		return -1;
	if (spec->hold_mounts)
		hold_mounts(c);
	if (send(f->parent_end, "g", 1, MSG_NOSIGNAL) != 1)
		return lxr_fail(err, errno, "start container %s (sync)", c->id);
	if (rt_container_has_userns(c) && rt_userns_send(spec, plan, &c->userns, c->dir, c->pid,
							 f->parent_end, &f->sysfs, err) < 0)
		return -1;
	/* Written while the container builds its root filesystem: the pid is
	 * all it needs, and the fsync overlaps the child's work. */
	if (rt_state_write(c->dir, spec, c->pid, err) < 0 || join_v1(c, f, err) < 0)
		return -1;
	c->sync = lxr_steal_fd(&f->parent_end);
	return 0;
}

/* Clone the container and let it go. On return (0) it is building its root
 * filesystem; c->sync tells when only its command's exec is left
 * (rt_container_spawn_done), then how that exec went. */
int rt_container_clone(struct lxr_container *c, const struct lxr_spec *spec,
		       const struct rt_plan *plan, struct lxr_stdio *io, lxr_err *err)
{
	struct start_fds f = {.parent_end = -1, .child_end = -1, .sysfs = -1, .cg_join = {.n = 0}};
	int cgfd = rt_cgroup_v2_fd(c->cg), r, e;
	bool into_cg = false;
	pid_t pid;

	bool shared = start_shared(c, spec);
	/* v2: born in its cgroup, shared or forked; else the shared child
	 * moves itself in */
	bool shared_into = shared && cgfd >= 0 && SHARED_INTO_CGROUP;

	if (start_prepare(c, spec, plan, shared && !shared_into ? -1 : cgfd, &f, err) < 0)
		return -1;
	if (shared) {
		pid = clone_shared_any(c, spec, plan, io, &f, shared_into ? cgfd : -1, &into_cg);
		if (pid < 0) {
			/* refused (a policy lxr runs under, no memory for the
			 * stack): forked instead, born in its v2 cgroup there */
			lxr_debug("container %s: shared clone: %s; forked instead", c->id,
				  strerror(errno));
			shared = false;
			if (cgfd >= 0)
				rt_cgroup_procs_close(&f.cg_join);
		}
	}
	if (!shared)
		pid = clone_container(spec, rt_container_has_userns(c), cgfd, &c->pidfd, &into_cg);
	e = errno;
	if (pid == 0)
		child_go(c, spec, plan, io, &f, into_cg, false);
	start_after_clone(c, &f);
	close(lxr_steal_fd(&f.child_end));
	if (pid < 0) {
		errno = e;
		r = clone_refused(c, err);
	} else if (shared) {
		c->pid = pid;
		/* the heap figure: what a test reads to see that starts leave
		 * nothing behind in lxr's memory */
		lxr_debug("container %s: cloned pid %d%s sharing lxr's memory, now gone from it "
			  "(lxr's heap in use: %zu bytes)",
			  c->id, (int)pid, into_cg ? " into its cgroup," : "",
			  mallinfo2().uordblks);
		if (spec->hold_mounts)
			hold_sent_mounts(c, f.parent_end);
		r = rt_state_write(c->dir, spec, c->pid, err);
		c->sync = lxr_steal_fd(&f.parent_end);
	} else {
		c->pid = pid;
		lxr_debug("container %s: cloned pid %d%s", c->id, (int)pid,
			  into_cg    ? " into its cgroup"
			  : cgfd < 0 ? ", joins its cgroups itself"
				     : "");
		r = parent_go(c, spec, plan, &f, into_cg, err);
	}
	if (f.parent_end >= 0)
		close(f.parent_end);
	if (f.sysfs >= 0)
		close(f.sysfs);
	rt_cgroup_procs_close(&f.cg_join);
	return r;
}
