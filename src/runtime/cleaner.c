/* The detached removal of a --rm container (rt_container_destroy_detached):
 * the caller has its exit code and leaves; a child of its own takes the
 * container's mounts down and removes its directory after.
 *
 * The child shares the caller's memory (CLONE_VM, without CLONE_VFORK):
 * no copy of the caller's address space is made for it, the caller takes
 * no copy-on-write fault after it, and the caller's exit tears nothing
 * down; the one address space goes with the child, off the caller's time.
 * The rule that makes the sharing safe: until the caller is gone, the
 * child touches nothing of the caller's memory but its own stack and the
 * one static struct below, and calls nothing but system calls (no heap, no
 * stdio). The caller keeps its end of their socket pair open until it
 * exits, and the kernel closes that end only after it has released the
 * caller's hold on the memory (exit_mm comes before exit_files), so the
 * end of file is the child's sign that the memory is its own. Then it
 * drops the mount namespace, takes its name and removes the directory,
 * with the heap as the caller left it.
 *
 * So the removal starts once the caller has exited: where that exit ends
 * a PID namespace (lxr run as a container's first process), the kernel
 * kills the child with it, and the renamed directory is a dead cleaner's
 * for the next sweep (the next lxr run of the name's project, or lxr
 * doctor --repair). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/runtime_internal.h"

/* written by the caller before its 'g', read by the child after it. One
 * detached removal per process: a second one is done in the caller. */
static struct cleaner {
	int go, go_w;
	int hold;
	bool used;
	char path[PATH_MAX];
} cleaner;

/* The removal's depth is bounded (lxr_rm_rf parks what is deeper than a
 * few dozen levels), its frames are small: 256 KiB, below it 64 KiB that
 * fault rather than step into memory of the caller's. */
#define CLEANER_STACK ((size_t)256 << 10)
#define CLEANER_GUARD ((size_t)64 << 10)

/* Out of the caller's session and off its descriptors before anything
 * else (a `$(lxr run ...)` waits for the end of its output pipe, not for
 * this), then the word, then the caller's end. Its own copy of the
 * caller's end goes first: the end of file needs every copy closed. */
static int cleaner_main(void *arg)
{
	struct cleaner *a = arg;
	lxr_err ignored;
	char b = 0, more;
	int go, hold, null;
	sigset_t alrm;
	ssize_t n;

	close(a->go_w);
	/* the task's own name, no memory of the caller's: `pgrep -x` finds it */
	prctl(PR_SET_NAME, "lxr-cleanup");
	setsid();
	/* out of the way of 0 to 4 first: any may be another's number */
	go = fcntl(a->go, F_DUPFD, 5);
	hold = a->hold >= 0 ? fcntl(a->hold, F_DUPFD, 5) : -1;
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int i = 0; i < 3 && null >= 0; i++)
		dup2(null, i);
	if (go < 0 || dup2(go, 3) < 0 || (hold >= 0 && dup2(hold, 4) < 0))
		_exit(1);
	syscall(SYS_close_range, hold >= 0 ? 5 : 4, ~0U, 0);
	/* every signal is blocked: a read ends with data or the end */
	(void)!read(3, &b, 1);
	do
		n = read(3, &more, 1);
	while (n > 0);
	/* the container's mounts go now, with the last hold on them */
	if (hold >= 0)
		close(4);
	if (b != 'g')
		_exit(0);
	/* The memory is this process's now. A caller killed in the middle of
	 * a malloc may have left the heap unusable: a removal that hangs on
	 * it ends within ten minutes (what --rm leaves here is the container's
	 * directory; its writable layer went with its mount namespace), and
	 * its directory is a dead cleaner's for the next sweep. */
	signal(SIGALRM, SIG_DFL);
	alarm(600);
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigprocmask(SIG_UNBLOCK, &alrm, NULL);
	lxr_set_proc_title("lxr-cleanup");
	_exit(lxr_rm_rf(a->path, &ignored) < 0 ? 1 : 0);
}

int rt_cleaner_start(int hold, int *go_w)
{
	sigset_t all, old;
	char *stack;
	int p[2];
	pid_t pid;

	if (cleaner.used)
		return -1;
	/* a socket, not a pipe: the word goes with MSG_NOSIGNAL, so a child
	 * that has already ended costs the caller no SIGPIPE */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
		return -1;
	stack = rt_guarded_stack(CLEANER_STACK, CLEANER_GUARD);
	if (!stack) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	cleaner.used = true;
	cleaner.go = p[0];
	cleaner.go_w = p[1];
	cleaner.hold = hold;
	/* no handler of the caller's may run in the child on its memory */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = clone(cleaner_main, stack, CLONE_VM | SIGCHLD, &cleaner);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return -1;
	}
	*go_w = p[1];
	return (int)pid;
}

int rt_cleaner_go(int go_w, const char *path)
{
	if (strlen(path) >= sizeof(cleaner.path))
		return -1;
	memcpy(cleaner.path, path, strlen(path) + 1);
	/* go_w is kept open, on purpose: its close at this process's exit
	 * is the child's sign that the memory is its own */
	return send(go_w, "g", 1, MSG_NOSIGNAL) == 1 ? 0 : -1;
}
