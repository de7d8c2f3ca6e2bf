/* The start-up handshake (runtime_internal.h "sync"): the parent's side,
 * and the one message a child sends when it cannot go on. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/runtime_internal.h"

/* One message, and who sent it when the socket has SO_PASSCRED (the
 * kernel's word, in this pid namespace: 0 without it), with the descriptor
 * it carries (-1: none). */
static ssize_t recv_from(int sock, void *buf, size_t len, int *fd, pid_t *sender)
{
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf)};
	ssize_t r;

	*fd = -1;
	*sender = 0;
	do
		r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (r < 0 && (errno == EINTR || errno == ECONNRESET)); /* as recv_whole */
	for (struct cmsghdr *c = r < 0 ? NULL : CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_CREDENTIALS &&
		    c->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
			struct ucred cr;
			memcpy(&cr, CMSG_DATA(c), sizeof(cr));
			*sender = cr.pid;
		} else if (c->cmsg_type == SCM_RIGHTS && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			int n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int)), v[4];
			memcpy(v, CMSG_DATA(c), (size_t)(n < 4 ? n : 4) * sizeof(int));
			for (int i = 0; i < n && i < 4; i++) {
				if (*fd < 0)
					*fd = v[i];
				else
					close(v[i]);
			}
		}
	}
	return r;
}

/* recv, again after an ECONNRESET: the child ended with something of
 * the parent's unread (a v1 host's 'j', sent after a user namespace's
 * mounts), and the kernel says so once, ahead of what the child sent
 * last: its error message. That can come between a peek that saw the
 * message and the read of it. */
static ssize_t recv_whole(int sync, void *buf, size_t len, int flags)
{
	ssize_t r;

	do
		r = recv(sync, buf, len, flags);
	while (r < 0 && (errno == EINTR || errno == ECONNRESET));
	return r;
}

int rt_sync_step(int sync, const char *what, struct lxr_stdio *io, struct rt_sync_peer *peer,
		 bool block, lxr_err *err)
{
	for (;;) {
		struct rt_sync_msg m;
		/* SOCK_SEQPACKET keeps message boundaries: the length tells the
		 * kind — 1 byte 'F' with an fd, a pid_t, or an error message. */
		ssize_t r = recv_whole(sync, &m, sizeof(m),
				       MSG_PEEK | MSG_TRUNC | (block ? 0 : MSG_DONTWAIT));

		if (r < 0 && errno == EAGAIN)
			return 1; /* nothing yet: the container is still being built */
		if (r <= 0)
			return 0; /* EOF: the exec closed the last container-side copy */
		/* the exec is all that is left: a caller in a loop may count
		 * the command started from here, as runc's start does */
		if (r == RT_SYNC_EXECUTING_LEN) {
			char word[RT_SYNC_EXECUTING_LEN];
			if (recv_whole(sync, word, sizeof(word), 0) != (ssize_t)sizeof(word) ||
			    memcmp(word, RT_SYNC_EXECUTING, sizeof(word)))
				return lxr_fail(err, EPROTO, "%s: bad start-up message", what);
			if (!block)
				return 2;
			continue;
		}
		/* the pid of the process an exec started: the helper's word
		 * only, never a process's in the container that got hold of
		 * the socket (it would name a host pid to be killed) */
		if (r == (ssize_t)sizeof(pid_t) && peer) {
			pid_t said, sender;
			int fd;
			if (recv_from(sync, &said, sizeof(said), &fd, &sender) == sizeof(said) &&
			    sender == peer->helper && said > 0)
				peer->pid = said;
			if (fd >= 0)
				close(fd);
			continue;
		}
		if (r == 1 && peer) {
			char byte;
			int fd;
			pid_t sender;
			if (recv_from(sync, &byte, 1, &fd, &sender) != 1 || fd < 0)
				return lxr_fail(err, EPROTO, "%s: a terminal message without one",
						what);
			if (io->pty_master >= 0)
				close(io->pty_master);
			io->pty_master = fd;
			peer->pty_from = sender; /* checked against the exec's pid */
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
		r = recv_whole(sync, &m, sizeof(m), 0);
		if (r != (ssize_t)sizeof(m) || m.type != RT_SYNC_ERROR)
			return lxr_fail(err, EPROTO, "%s: bad start-up message", what);
		/* strings of a peer's: ended here, whatever it sent */
		m.msg[sizeof(m.msg) - 1] = m.hint[sizeof(m.hint) - 1] = '\0';
		lxr_fail(err, m.errnum, "%s", m.msg);
		if (m.hint[0])
			lxr_err_hint(err, "%s", m.hint);
		return m.exit_code == 126 || m.exit_code == 127 ? -m.exit_code : -1;
	}
}

int rt_sync_await(int sync, const char *what, struct lxr_stdio *io, struct rt_sync_peer *peer,
		  lxr_err *err)
{
	return rt_sync_step(sync, what, io, peer, true, err);
}

pid_t rt_sync_queued_pid(int sync, pid_t helper)
{
	for (;;) {
		char buf[sizeof(struct rt_sync_msg)];
		ssize_t n = recv(sync, buf, sizeof(buf), MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
		pid_t said, sender;
		int fd;

		if (n <= 0)
			return -1;
		if (recv_from(sync, buf, sizeof(buf), &fd, &sender) < 0)
			return -1;
		if (fd >= 0)
			close(fd);
		if (n == (ssize_t)sizeof(pid_t) && sender == helper) {
			memcpy(&said, buf, sizeof(said));
			if (said > 0)
				return said;
		}
	}
}

_Noreturn void rt_child_fail(int sync, int code, const lxr_err *err)
{
	struct rt_sync_msg m = {.type = RT_SYNC_ERROR, .exit_code = code, .errnum = err->errnum};

	memcpy(m.msg, err->msg, sizeof(m.msg));
	memcpy(m.hint, err->hint, sizeof(m.hint));
	(void)!send(sync, &m, sizeof(m), MSG_NOSIGNAL);
	_exit(code);
}
