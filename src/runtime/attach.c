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

#include "runtime/internal.h"

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

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
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
		return lxr_fail(err, errno, "forward signal %d (pidfd_send_signal)", (int)si.ssi_signo);
	return 0;
}

int rt_container_attach(struct lxr_container *c, int pty_master, bool stdin_open, lxr_err *err)
{
	rt_attach(rt_container_pidfd(c), pty_master, stdin_open, err);
	return rt_container_wait(c);
}

int rt_attach(int pidfd, int pty_master, bool stdin_open, lxr_err *err)
{
	struct relay r = {.master = pty_master, .in_open = pty_master >= 0 && stdin_open};
	_cleanup_close_ int sfd = -1;
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
	if (r.master >= 0) {
		fcntl(r.master, F_SETFL, fcntl(r.master, F_GETFL) | O_NONBLOCK);
		copy_winsize(r.master);
		if (r.in_open)
			raw_on(&r);
	}
	while (!done) {
		struct pollfd pf[4] = {
			{.fd = pidfd, .events = POLLIN},
			{.fd = sfd, .events = POLLIN},
			{.fd = r.master, .events = POLLIN},
			{.fd = r.in_open ? STDIN_FILENO : -1, .events = POLLIN},
		};
		if (poll(pf, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[1].revents)
			handle_signal(pidfd, sfd, &r, err);
		if (pf[3].revents && pump(STDIN_FILENO, r.master) == 0)
			r.in_open = false;
		if (pf[2].revents && pump(r.master, STDOUT_FILENO) == 0)
			r.master = -1;
		if (pf[0].revents)
			done = true;
	}
	/* The command is gone; what it wrote last may still sit in the PTY. */
	while (r.master >= 0 && pump(r.master, STDOUT_FILENO) > 0)
		;
	raw_off(&r);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return 0;
}
