/* The control socket, server side: JSON lines over a Unix stream socket,
 * driven by the supervisor's loop through one epoll fd of its own. Nothing
 * here blocks: input is parsed as whole lines arrive, output is buffered per
 * client and a client that lets too much pile up is cut off. The protocol
 * is described in include/lxr/supervisor.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "supervisor/ctl_internal.h"

#define MAX_CLIENTS 256
#define LISTEN_ID   0 /* epoll tag of the listening socket; clients count from 1 */

bool ctl_peer_allowed(uid_t peer, uid_t owner)
{
	return peer == 0 || peer == owner;
}

static int stale_or_free(const char *path, lxr_err *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return lxr_fail(err, errno, "socket");
	strcpy(sa.sun_path, path); /* shorter than the temporary name, checked */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		lxr_fail(err, EADDRINUSE, "a supervisor already answers on %s", path);
		return lxr_err_hint(err, "this project is up: `lxr down` it first, or give "
					 "another project name");
	}
	/* ECONNREFUSED: a socket nobody listens on, left by a dead supervisor */
	return 0;
}

/* Bind under a temporary name with mode 0600 from the start (umask), then
 * rename into place: the socket is never reachable with looser permissions,
 * and a stale one is replaced in one step. */
static int bind_socket(struct ctl_server *s, const char *path, lxr_err *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_free_ char *tmp = lxr_xasprintf("%s.%d.new", path, (int)getpid());
	struct stat st;
	mode_t old;
	int r;

	if (strlen(tmp) >= sizeof(sa.sun_path)) {
		lxr_fail(err, ENAMETOOLONG, "control socket path %s is too long for a Unix socket",
			 path);
		return lxr_err_hint(err, "set run_dir in lxr.conf or LXR_RUN_DIR to a shorter "
					 "directory");
	}
	if (stale_or_free(path, err) < 0)
		return -1;
	strcpy(sa.sun_path, tmp); /* fits: checked just above */
	unlink(tmp);
	old = umask(0177);
	r = bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0)
		return lxr_fail(err, errno, "bind control socket %s", tmp);
	if (chmod(tmp, 0600) < 0 || listen(s->lfd, 128) < 0 || rename(tmp, path) < 0 ||
	    stat(path, &st) < 0) {
		int e = errno;
		unlink(tmp);
		return lxr_fail(err, e, "set up control socket %s", path);
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	return 0;
}

int ctl_server_open(const char *path, const struct ctl_server_opts *opts, struct ctl_server **out,
		    lxr_err *err)
{
	struct ctl_server *s = lxr_xcalloc(1, sizeof(*s));

	s->o = *opts;
	if (s->o.owner_uid == (uid_t)-1)
		s->o.owner_uid = geteuid();
	if (!s->o.max_line)
		s->o.max_line = CTL_MAX_LINE;
	if (!s->o.max_outbuf)
		s->o.max_outbuf = CTL_MAX_OUTBUF;
	s->path = lxr_xstrdup(path);
	s->next_id = LISTEN_ID + 1;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->epfd < 0 || s->lfd < 0) {
		lxr_fail(err, errno, "create control socket");
		goto fail;
	}
	if (bind_socket(s, path, err) < 0)
		goto fail;
	if (ctl_epoll_set(s, EPOLL_CTL_ADD, s->lfd, EPOLLIN, LISTEN_ID) < 0) {
		lxr_fail(err, errno, "epoll_ctl control socket");
		unlink(path);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->epfd >= 0)
		close(s->epfd);
	free(s->path);
	free(s);
	return -1;
}

int ctl_server_fd(const struct ctl_server *s)
{
	return s->epfd;
}

size_t ctl_server_clients(const struct ctl_server *s)
{
	size_t n = 0;

	for (const struct ctl_client *c = s->clients; c; c = c->next)
		n += c->fd >= 0;
	return n;
}

/* Best effort: a refused peer gets one line saying why. */
static void refuse(int fd, const char *why)
{
	_cleanup_free_ char *line = NULL;
	json_t *o = json_pack("{s:n,s:b,s:s}", "id", "ok", 0, "error", why);

	line = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (line) {
		size_t n = strlen(line);
		line[n] = '\n';
		(void)!send(fd, line, n + 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	close(fd);
}

static void accept_one(struct ctl_server *s, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct ctl_client *c;
	char why[160];

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		lxr_warn("control: SO_PEERCRED: %s; connection closed", strerror(errno));
		close(fd);
		return;
	}
	if (!ctl_peer_allowed(cred.uid, s->o.owner_uid)) {
		lxr_warn("control: refused uid %u (pid %d): only root and uid %u may control "
			 "this project",
			 (unsigned)cred.uid, (int)cred.pid, (unsigned)s->o.owner_uid);
		snprintf(why, sizeof(why), "permission denied: uid %u may not control this project",
			 (unsigned)cred.uid);
		refuse(fd, why);
		return;
	}
	if (ctl_server_clients(s) >= MAX_CLIENTS) {
		refuse(fd, "too many control connections");
		return;
	}
	c = lxr_xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->id = s->next_id++;
	c->uid = cred.uid;
	c->pid = cred.pid;
	if (ctl_epoll_set(s, EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLRDHUP, c->id) < 0) {
		lxr_warn("control: epoll_ctl: %s; connection closed", strerror(errno));
		close(fd);
		free(c);
		return;
	}
	c->next = s->clients;
	s->clients = c;
}

static void accept_all(struct ctl_server *s)
{
	for (;;) {
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				lxr_warn("control: accept: %s", strerror(errno));
			if (errno != EINTR && errno != ECONNABORTED)
				return;
			continue;
		}
		accept_one(s, fd);
	}
}

static void dispatch_one(struct ctl_server *s, const struct epoll_event *ev)
{
	struct ctl_client *c;

	if (ev->data.u64 == LISTEN_ID) {
		accept_all(s);
		return;
	}
	c = ctl_find(s, ev->data.u64);
	if (c && (ev->events & EPOLLOUT))
		ctl_flush(s, c);
	c = ctl_find(s, ev->data.u64);
	if (c && (ev->events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
		ctl_on_readable(s, c);
	/* HUP: both directions are shut; nothing can reach the peer any more
	 * (and HUP would be reported forever) */
	c = ctl_find(s, ev->data.u64);
	if (c && (ev->events & (EPOLLHUP | EPOLLERR)))
		ctl_drop(s, c);
}

int ctl_server_dispatch(struct ctl_server *s, lxr_err *err)
{
	struct epoll_event ev[32];
	int n, rounds = 0;

	s->in_dispatch = true;
	/* Until nothing is ready (a client accepted now may have sent its
	 * request already), but a bounded number of rounds: a client that
	 * never stops sending cannot keep the supervisor's loop here. */
	do {
		n = epoll_wait(s->epfd, ev, 32, 0);
		if (n < 0 && errno != EINTR) {
			s->in_dispatch = false;
			return lxr_fail(err, errno, "epoll_wait on the control socket");
		}
		for (int i = 0; i < n; i++)
			dispatch_one(s, &ev[i]);
	} while (n != 0 && ++rounds < 64);
	s->in_dispatch = false;
	ctl_reap(s);
	return 0;
}

void ctl_server_close(struct ctl_server *s)
{
	struct stat st;

	if (!s)
		return;
	for (struct ctl_client *c = s->clients; c; c = c->next)
		if (c->fd >= 0) {
			close(c->fd);
			c->fd = -1;
		}
	s->in_dispatch = false;
	ctl_reap(s);
	/* only our own socket: a newer supervisor may have replaced it */
	if (stat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
	close(s->lfd);
	close(s->epfd);
	free(s->path);
	free(s);
}
