/* The signals a command passes on to what it runs (run, compose run,
 * exec): held from the moment something is being made for it, so that a
 * Ctrl-C neither kills lxr half-way through nor is lost; the command's
 * attach loop takes them from there and delivers them. And SIGPIPE is
 * ignored: a write of lxr's own to a closed stdout or stderr (a warning,
 * LXR_DEBUG's lines into `| head`) fails with EPIPE instead of killing it
 * before it has removed what it made. What runs in the container has the
 * default action again (lxr-init resets every signal before the command),
 * and so do the helpers lxr starts (pasta, slirp4netns: net/pasta.c). */
#include <signal.h>

#include "cli/cli.h"

void cli_signals_hold(void)
{
	sigset_t fwd;

	sigemptyset(&fwd);
	sigaddset(&fwd, SIGINT);
	sigaddset(&fwd, SIGTERM);
	sigaddset(&fwd, SIGHUP);
	sigaddset(&fwd, SIGQUIT);
	sigprocmask(SIG_BLOCK, &fwd, NULL);
	signal(SIGPIPE, SIG_IGN);
}
