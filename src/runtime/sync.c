/* The start-up handshake (runtime_internal.h "sync"): the parent's side,
 * and the one message a child sends when it cannot go on. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/runtime_internal.h"

int rt_sync_step(int sync, const char *what, struct lxr_stdio *io, pid_t *pid, bool block,
		 lxr_err *err)
{
	for (;;) {
		struct rt_sync_msg m;
		/* SOCK_SEQPACKET keeps message boundaries: the length tells the
		 * kind — 1 byte 'F' with an fd, a pid_t, or an error message. */
		ssize_t r =
		    recv(sync, &m, sizeof(m), MSG_PEEK | MSG_TRUNC | (block ? 0 : MSG_DONTWAIT));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return 1; /* nothing yet: the container is still being built */
		if (r <= 0)
			return 0; /* EOF: the exec closed the last container-side copy */
		if (r == (ssize_t)sizeof(pid_t) && pid) {
			(void)!recv(sync, pid, sizeof(*pid), 0);
			continue;
		}
		if (r == 1) {
			int fd;
			if (lxr_recv_fd(sync, &fd, err) < 0)
				return -1;
			if (io->pty_master >= 0)
				close(io->pty_master);
			io->pty_master = fd;
			continue;
		}
		memset(&m, 0, sizeof(m));
		r = recv(sync, &m, sizeof(m), 0);
		if (r != (ssize_t)sizeof(m) || m.type != RT_SYNC_ERROR)
			return lxr_fail(err, EPROTO, "%s: bad start-up message", what);
		lxr_fail(err, m.errnum, "%s", m.msg);
		if (m.hint[0])
			lxr_err_hint(err, "%s", m.hint);
		return m.exit_code == 126 || m.exit_code == 127 ? -m.exit_code : -1;
	}
}

int rt_sync_await(int sync, const char *what, struct lxr_stdio *io, pid_t *pid, lxr_err *err)
{
	return rt_sync_step(sync, what, io, pid, true, err);
}

_Noreturn void rt_child_fail(int sync, int code, const lxr_err *err)
{
	struct rt_sync_msg m = {.type = RT_SYNC_ERROR, .exit_code = code, .errnum = err->errnum};

	memcpy(m.msg, err->msg, sizeof(m.msg));
	memcpy(m.hint, err->hint, sizeof(m.hint));
	(void)!send(sync, &m, sizeof(m), MSG_NOSIGNAL);
	_exit(code);
}
