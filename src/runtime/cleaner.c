/* lxr-cleanup: what removes a `lxr run --rm` container's directory after
 * lxr has handed back the exit code (rt_container_destroy_detached). It is
 * lxr itself, executed afresh from a vfork-style clone (the caller waits
 * only for the exec, where a fork would copy its address space first, and
 * each later write of the caller's would fault: a millisecond in all where
 * page tables are shadowed). Out of the caller's session, with /dev/null
 * for stdio and only two descriptors: 3, the socket on which the caller
 * says "g" once the directory has its temp name, and 4, when given, the
 * hold on the container's mount namespace, closed first so the unmounts
 * happen here. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/runtime_internal.h"

enum { GO_FD = 3, HOLD_FD = 4 };

char *rt_cleaner_path(const char *dir, int pid)
{
	const char *slash = strrchr(dir, '/');
	_cleanup_free_ char *base = lxr_tmp_name_of(slash + 1, pid);

	return lxr_xasprintf("%.*s/%s", (int)(slash - dir), dir, base);
}

struct spawn {
	int go, hold, null;
	char **argv;
};

/* The child of a vfork-style clone: it runs on the caller's memory (the
 * caller waits until the exec) with every signal blocked, so it makes
 * system calls only: its descriptors, its session, the exec. */
static int cleaner_child(void *arg)
{
	const struct spawn *s = arg;
	char *envp[] = {NULL};

	if (dup2(s->null, 0) < 0 || dup2(s->null, 1) < 0 || dup2(s->null, 2) < 0 ||
	    dup2(s->go, GO_FD) < 0 || (s->hold >= 0 && dup2(s->hold, HOLD_FD) < 0))
		_exit(127);
	syscall(SYS_close_range, s->hold >= 0 ? HOLD_FD + 1 : GO_FD + 1, ~0U, 0);
	setsid();
	execve("/proc/self/exe", s->argv, envp);
	_exit(127);
}

/* fd's copy above 0 to 4 (the child's dup2s must not land on another's
 * source), close-on-exec like every descriptor of lxr's */
static int high_copy(int fd)
{
	return fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, HOLD_FD + 1);
}

pid_t rt_cleaner_spawn(const char *dir, int hold, int *go)
{
	/* glibc's posix_spawn would do the same, and first two sigactions for
	 * every signal (a tenth of a millisecond where syscalls are slow) */
	char stack[16384] __attribute__((aligned(16)));
	char *argv[] = {"lxr-cleanup", RT_CLEANER_ARG, (char *)dir, NULL};
	struct spawn s = {.go = -1, .hold = -1, .null = -1, .argv = argv};
	sigset_t all, old;
	int p[2], e = 0;
	pid_t pid = -1;

	*go = -1;
	/* a socket, not a pipe: the "g" to a cleaner whose exec failed
	 * (send's MSG_NOSIGNAL) is no SIGPIPE for the caller */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
		return -1;
	s.go = high_copy(p[0]);
	s.hold = high_copy(hold);
	s.null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (s.go >= 0 && (hold < 0 || s.hold >= 0) && s.null >= 0) {
		sigfillset(&all);
		sigprocmask(SIG_SETMASK, &all, &old);
		pid = clone(cleaner_child, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD,
			    &s);
		e = errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	close(p[0]);
	if (s.go >= 0)
		close(s.go);
	if (s.hold >= 0)
		close(s.hold);
	if (s.null >= 0)
		close(s.null);
	if (pid < 0) {
		close(p[1]);
		lxr_debug("cleaner for %s not started: %s", dir, strerror(e ? e : errno));
		return -1;
	}
	*go = p[1];
	return pid;
}

bool rt_cleaner_wanted(int argc, char **argv)
{
	return argc == 3 && !strcmp(argv[1], RT_CLEANER_ARG);
}

_Noreturn int rt_cleaner_main(int argc, char **argv)
{
	const char *dir = argv[2], *slash = strrchr(dir, '/');
	_cleanup_free_ char *path = NULL;
	lxr_err ignored;
	char b = 0;

	sigset_t none;

	(void)argc;
	/* its spawn blocked them all */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_NAME, "lxr-cleanup");
	/* a container's directory: an absolute path ending in its name */
	if (dir[0] != '/' || !slash || !slash[1])
		_exit(2);
	path = rt_cleaner_path(dir, (int)getpid());
	while (read(GO_FD, &b, 1) < 0 && errno == EINTR)
		;
	/* the container's mounts go now, with the last hold on them */
	close(HOLD_FD);
	if (b != 'g')
		_exit(0);
	_exit(lxr_rm_rf(path, &ignored) < 0 ? 1 : 0);
}
