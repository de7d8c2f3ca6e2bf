/* A container in the foreground of `lxr run`: one poll loop over its pidfd,
 * a signalfd and, with -t, the PTY master and stdin. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <termios.h>

#include "runtime/runtime_internal.h"

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

struct relay {
	int master;
	bool in_open;
	struct termios saved;
	bool raw;
};

static void copy_winsize(int master)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
}

void rt_console_size_from_tty(struct lxr_spec *spec)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 ||
	    ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
		spec->console_rows = ws.ws_row;
		spec->console_cols = ws.ws_col;
	}
}

/* The container's terminal does the line editing and echo: ours must pass
 * every key through untouched. */
static void raw_on(struct relay *r)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &r->saved) < 0)
		return;
	t = r->saved;
	cfmakeraw(&t);
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &t) == 0)
		r->raw = true;
}

static void raw_off(struct relay *r)
{
	if (r->raw)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &r->saved);
	r->raw = false;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pf = {.fd = fd, .events = POLLOUT};
			poll(&pf, 1, -1);
			continue;
		}
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Returns bytes moved, 0 at EOF (or EIO: every slave closed), -1 for "try
 * later". */
static ssize_t pump(int from, int to)
{
	char buf[16384];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0)
		return (errno == EAGAIN || errno == EINTR) ? -1 : 0;
	if (n > 0 && write_all(to, buf, (size_t)n) < 0)
		return 0;
	return n;
}

static int handle_signal(int pidfd, int sfd, struct relay *r, lxr_err *err)
{
	struct signalfd_siginfo si;

	if (read(sfd, &si, sizeof(si)) != sizeof(si))
		return 0;
	if ((int)si.ssi_signo == SIGWINCH) {
		if (r->master >= 0)
			copy_winsize(r->master);
		return 0;
	}
	if (syscall(SYS_pidfd_send_signal, pidfd, (int)si.ssi_signo, NULL, 0) < 0 && errno != ESRCH)
		return lxr_fail(err, errno, "forward signal %d (pidfd_send_signal)",
				(int)si.ssi_signo);
	return 0;
}

int rt_pipes_open(struct lxr_pipes *p, bool with_stdin, lxr_err *err)
{
	int fds[2];

	*p = (struct lxr_pipes){.child = {-1, -1, -1}, .in = -1, .out = -1, .err = -1};
	/* Close-on-exec everywhere: the container's ends become its 0-2 by
	 * dup2, which clears the flag on the copies only. */
	if (with_stdin) {
		if (pipe2(fds, O_CLOEXEC) < 0)
			goto fail;
		p->child[0] = fds[0];
		p->in = fds[1];
	}
	if (pipe2(fds, O_CLOEXEC) < 0)
		goto fail;
	p->out = fds[0];
	p->child[1] = fds[1];
	if (pipe2(fds, O_CLOEXEC) < 0)
		goto fail;
	p->err = fds[0];
	p->child[2] = fds[1];
	return 0;
fail:
	rt_pipes_close(p);
	return lxr_fail(err, errno, "pipes for the container's stdio");
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void rt_pipes_close_child(struct lxr_pipes *p)
{
	for (int i = 0; i < 3; i++)
		close_fd(&p->child[i]);
}

void rt_pipes_close(struct lxr_pipes *p)
{
	rt_pipes_close_child(p);
	close_fd(&p->in);
	close_fd(&p->out);
	close_fd(&p->err);
}

int rt_container_attach(struct lxr_container *c, int pty_master, bool stdin_open,
			struct lxr_pipes *pipes, lxr_err *err)
{
	rt_attach(rt_container_pidfd(c), pty_master, stdin_open, pipes, err);
	return rt_container_wait(c);
}

static void nonblock(int fd)
{
	if (fd >= 0)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* One turn of the pipes: stdin into the command, its output out. A pipe at
 * EOF, or whose reader is gone (our stdout closed: `lxr run ... | head`), is
 * closed, so the command sees EOF or EPIPE as in any shell pipeline. */
static void pump_pipes(struct lxr_pipes *p, const struct pollfd *pf, bool *in_open)
{
	if (pf[0].revents && p->in >= 0) {
		if (pump(STDIN_FILENO, p->in) == 0) {
			close_fd(&p->in); /* EOF on stdin: the command sees it too */
			*in_open = false;
		}
	}
	if (pf[1].revents && pump(p->out, STDOUT_FILENO) == 0)
		close_fd(&p->out);
	if (pf[2].revents && pump(p->err, STDERR_FILENO) == 0)
		close_fd(&p->err);
}

/* After the command exited: what it wrote last may still be in the pipes.
 * A container's init takes every process with it, so EOF comes at once; an
 * exec'd command may have left a background process holding them, which is
 * given a moment, not forever. */
static void drain_pipes(struct lxr_pipes *p)
{
	while (p->out >= 0 || p->err >= 0) {
		struct pollfd pf[3] = {
		    {.fd = -1}, {.fd = p->out, .events = POLLIN}, {.fd = p->err, .events = POLLIN}};
		bool in_open = false;

		if (poll(pf, 3, 100) <= 0)
			break;
		pump_pipes(p, pf, &in_open);
	}
}

int rt_attach(int pidfd, int pty_master, bool stdin_open, struct lxr_pipes *pipes, lxr_err *err)
{
	struct relay r = {.master = pty_master, .in_open = pty_master >= 0 && stdin_open};
	struct lxr_pipes none = {.child = {-1, -1, -1}, .in = -1, .out = -1, .err = -1};
	struct lxr_pipes *p = pipes && pty_master < 0 ? pipes : &none;
	bool pipe_in = p->in >= 0 && stdin_open;
	_cleanup_close_ int sfd = -1;
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_pipe;
	sigset_t set, old;
	bool done = false;

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&set, forwarded[i]);
	sigaddset(&set, SIGWINCH);
	sigprocmask(SIG_BLOCK, &set, &old);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return lxr_fail(err, errno, "signalfd");
	}
	/* A reader gone is EPIPE on one pipe, not the end of lxr. */
	sigaction(SIGPIPE, &ign, &old_pipe);
	if (r.master >= 0) {
		nonblock(r.master);
		copy_winsize(r.master);
		if (r.in_open)
			raw_on(&r);
	}
	nonblock(p->in);
	nonblock(p->out);
	nonblock(p->err);
	if (p->in >= 0 && !pipe_in)
		close_fd(&p->in);
	while (!done) {
		struct pollfd pf[7] = {
		    {.fd = pidfd, .events = POLLIN},
		    {.fd = sfd, .events = POLLIN},
		    {.fd = r.master, .events = POLLIN},
		    {.fd = r.in_open || pipe_in ? STDIN_FILENO : -1, .events = POLLIN},
		    {.fd = -1},
		    {.fd = p->out, .events = POLLIN},
		    {.fd = p->err, .events = POLLIN},
		};
		if (poll(pf, 7, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[1].revents)
			handle_signal(pidfd, sfd, &r, err);
		if (pf[3].revents && r.in_open && pump(STDIN_FILENO, r.master) == 0)
			r.in_open = false;
		pf[4].revents = pipe_in ? pf[3].revents : 0;
		pump_pipes(p, pf + 4, &pipe_in);
		if (pf[2].revents && pump(r.master, STDOUT_FILENO) == 0)
			r.master = -1;
		if (pf[0].revents)
			done = true;
	}
	/* The command is gone; what it wrote last may still sit in the PTY. */
	while (r.master >= 0 && pump(r.master, STDOUT_FILENO) > 0)
		;
	drain_pipes(p);
	raw_off(&r);
	sigaction(SIGPIPE, &old_pipe, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return 0;
}
