/* lxr's init, PID 1 inside the container (tini's job): it takes signals as
 * data and forwards them to the command, reaps every orphan the container's
 * processes leave behind, and exits with the command's status. Forked from
 * the runtime after setup, never re-executed from the host binary. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

#include "runtime/internal.h"

/* Signals the kernel raises for a fault of PID 1 itself are left to act: a
 * fault in the init must not be swallowed as "data". */
static void wait_set(sigset_t *set)
{
	sigfillset(set);
	sigdelset(set, SIGFPE);
	sigdelset(set, SIGILL);
	sigdelset(set, SIGSEGV);
	sigdelset(set, SIGBUS);
	sigdelset(set, SIGABRT);
	sigdelset(set, SIGTRAP);
	sigdelset(set, SIGSYS);
}

static int status_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 1;
}

int rt_init_run(pid_t child)
{
	sigset_t set;

	wait_set(&set);
	/* The caller blocked these before fork(), so nothing sent between the
	 * fork and here is lost: it waits as pending. */
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);

		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			/* A signal to the init is meant for the command (docker
			 * stop, Ctrl-C through lxr, a health-check kill). */
			kill(child, sig);
			continue;
		}
		for (;;) {
			int st;
			pid_t p = waitpid(-1, &st, WNOHANG);

			if (p <= 0)
				break;
			if (p == child)
				/* Leaving kills the rest of the PID namespace;
				 * the kernel reaps them, not a zombie remains. */
				return status_code(st);
		}
	}
}
