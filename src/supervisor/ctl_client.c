/* The control socket, client side: what `lxr ps`, `stop`, `events` use to
 * talk to a project's supervisor. Blocking, one request at a time. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "lxr/supervisor.h"

#define MAX_REPLY (64u << 20) /* a reply bigger than this is not ours */

struct ctl_conn {
	int fd;
	char *path;
	json_int_t next_id;
	char *buf;
	size_t len, cap;
	int passed[CTL_MAX_FDS]; /* the descriptors a reply carried (SCM_RIGHTS) */
	size_t n_passed;
};

int ctl_connect(const char *path, struct ctl_conn **out, lxr_err *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = -1;
	struct ctl_conn *c;

	if (strlen(path) >= sizeof(sa.sun_path))
		return lxr_fail(err, ENAMETOOLONG, "control socket path %s is too long", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return lxr_fail(err, errno, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		lxr_fail(err, e, "connect to the supervisor at %s", path);
		if (e == ENOENT)
			return lxr_err_hint(err, "this project is not up: start it with `lxr up`");
		if (e == ECONNREFUSED)
			return lxr_err_hint(err, "its supervisor is gone; `lxr up` or `lxr down` "
						 "cleans up after it");
		if (e == EACCES)
			return lxr_err_hint(err, "only root and the user that started the "
						 "project may control it");
		return -1;
	}
	c = lxr_xcalloc(1, sizeof(*c));
	c->fd = lxr_steal_fd(&fd);
	c->path = lxr_xstrdup(path);
	c->next_id = 1;
	*out = c;
	return 0;
}

static void drop_passed(struct ctl_conn *c)
{
	for (size_t i = 0; i < c->n_passed; i++)
		close(c->passed[i]);
	c->n_passed = 0;
}

void ctl_close(struct ctl_conn *c)
{
	if (!c)
		return;
	close(c->fd);
	drop_passed(c);
	free(c->buf);
	free(c->path);
	free(c);
}

size_t ctl_take_fds(struct ctl_conn *c, int *fds, size_t max)
{
	size_t n = c->n_passed < max ? c->n_passed : max;

	memcpy(fds, c->passed, n * sizeof(int));
	memmove(c->passed, c->passed + n, (c->n_passed - n) * sizeof(int));
	c->n_passed -= n;
	drop_passed(c);
	return n;
}

/* read(), keeping the descriptors that come with the bytes (those of an
 * earlier reply nobody took are closed; past CTL_MAX_FDS, or what the
 * kernel cut off, none is kept: the caller sees too few) */
static ssize_t read_passing(struct ctl_conn *c, char *buf, size_t n)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * CTL_MAX_FDS)];
	} u;
	struct iovec iov = {buf, n};
	struct msghdr m = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof(u.b)};
	ssize_t r = recvmsg(c->fd, &m, MSG_CMSG_CLOEXEC);
	bool got = false;

	for (struct cmsghdr *h = r >= 0 ? CMSG_FIRSTHDR(&m) : NULL; h; h = CMSG_NXTHDR(&m, h)) {
		size_t k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		if (!got)
			drop_passed(c);
		got = true;
		for (size_t i = 0; i < k; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof(int));
			if (c->n_passed < CTL_MAX_FDS && !(m.msg_flags & MSG_CTRUNC))
				c->passed[c->n_passed++] = fd;
			else
				close(fd);
		}
	}
	if (m.msg_flags & MSG_CTRUNC)
		drop_passed(c);
	return r;
}

static int send_request(struct ctl_conn *c, const char *cmd, json_t *args, json_int_t id,
			lxr_err *err)
{
	json_t *req =
	    json_pack("{s:I,s:s,s:o}", "id", id, "cmd", cmd, "args", args ? args : json_object());
	_cleanup_free_ char *line = req ? json_dumps(req, JSON_COMPACT) : NULL;
	size_t n, done = 0;

	json_decref(req);
	if (!line)
		return lxr_fail(err, EINVAL, "request \"%s\": arguments are not valid JSON", cmd);
	n = strlen(line);
	line[n++] = '\n'; /* over the NUL: the buffer holds n + 1 bytes */
	while (done < n) {
		ssize_t r = send(c->fd, line + done, n - done, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return lxr_fail(err, errno, "send \"%s\" to the supervisor", cmd);
		done += (size_t)r;
	}
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The next line from the server as JSON: 1, 0 at EOF, -1 with err. */
static int read_message(struct ctl_conn *c, int64_t deadline, json_t **msg, lxr_err *err)
{
	for (;;) {
		char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		json_error_t je;
		ssize_t r;
		int64_t left = deadline < 0 ? -1 : deadline - now_ms();
		/* poll takes an int of ms: a deadline weeks away is waited
		 * for in steps */
		int wait = deadline < 0 ? -1 : left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;

		if (nl) {
			size_t n = (size_t)(nl - c->buf);
			*msg = json_loadb(c->buf, n, 0, &je);
			memmove(c->buf, nl + 1, c->len - n - 1);
			c->len -= n + 1;
			if (!*msg)
				return lxr_fail(err, EPROTO,
						"malformed reply from the supervisor: %s", je.text);
			return 1;
		}
		if (c->len >= MAX_REPLY)
			return lxr_fail(err, EPROTO, "reply from the supervisor is too long");
		r = poll(&p, 1, wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return lxr_fail(err, errno, "poll the control socket");
		if (r == 0 && deadline >= 0 && deadline > now_ms())
			continue;
		if (r == 0)
			return lxr_fail(err, ETIMEDOUT, "no reply from the supervisor");
		if (c->cap - c->len < 65536) {
			c->cap = c->len + 131072;
			c->buf = lxr_xrealloc(c->buf, c->cap);
		}
		r = read_passing(c, c->buf + c->len, c->cap - c->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return lxr_fail(err, errno, "read from the supervisor");
		if (r == 0)
			return 0;
		c->len += (size_t)r;
	}
}

/* ok:false -> err with the server's words. An error without an id is the
 * server refusing the connection itself; it is meant for us too. */
static int take_error(json_t *msg, const char *cmd, lxr_err *err)
{
	const char *e = json_string_value(json_object_get(msg, "error"));
	const char *h = json_string_value(json_object_get(msg, "hint"));
	json_int_t en = json_integer_value(json_object_get(msg, "errno"));

	lxr_fail(err, en > 0 && en < 4096 ? (int)en : 0, "%s: %s", cmd, e ? e : "failed");
	if (h)
		lxr_err_hint(err, "%s", h);
	return -1;
}

static bool for_us(json_t *msg, json_int_t id)
{
	json_t *v = json_object_get(msg, "id");

	return json_is_null(v) || (json_is_integer(v) && json_integer_value(v) == id);
}

int ctl_call(struct ctl_conn *c, const char *cmd, json_t *args, int timeout_ms, json_t **result,
	     lxr_err *err)
{
	json_int_t id = c->next_id++;
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;

	if (send_request(c, cmd, args, id, err) < 0)
		return -1;
	for (;;) {
		json_t *msg = NULL, *ok;
		int r = read_message(c, deadline, &msg, err);
		if (r < 0)
			return lxr_err_wrap(err, "%s", cmd);
		if (r == 0)
			return lxr_fail(err, ECONNRESET, "%s: the supervisor closed the connection",
					cmd);
		ok = json_object_get(msg, "ok");
		if (!for_us(msg, id) || !json_is_boolean(ok)) { /* another stream's event */
			json_decref(msg);
			continue;
		}
		if (json_is_false(ok)) {
			take_error(msg, cmd, err);
			json_decref(msg);
			return -1;
		}
		*result = json_object_get(msg, "result");
		*result = json_incref(*result ? *result : json_null());
		json_decref(msg);
		return 0;
	}
}

int ctl_send(struct ctl_conn *c, const char *cmd, json_t *args, lxr_err *err)
{
	return send_request(c, cmd, args, c->next_id++, err);
}

int ctl_wait_any(struct ctl_conn *c, int timeout_ms, lxr_err *err)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	bool came = c->len && memchr(c->buf, '\n', c->len);
	int r;

	if (!came) {
		while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
			;
		if (r < 0)
			return lxr_fail(err, errno, "poll the control socket");
		if (r == 0)
			return 0;
		if (c->cap - c->len < 65536) {
			c->cap = c->len + 131072;
			c->buf = lxr_xrealloc(c->buf, c->cap);
		}
		while ((r = (int)read(c->fd, c->buf + c->len, c->cap - c->len)) < 0 &&
		       errno == EINTR)
			;
		if (r < 0)
			return lxr_fail(err, errno, "read from the supervisor");
		if (r == 0)
			return lxr_fail(err, ECONNRESET, "the supervisor closed the connection");
		c->len += (size_t)r;
	}
	/* whole lines go; a line's first part stays for the next read */
	char *last = c->len ? memrchr(c->buf, '\n', c->len) : NULL;
	if (last) {
		size_t n = (size_t)(last - c->buf) + 1;
		memmove(c->buf, c->buf + n, c->len - n);
		c->len -= n;
	}
	return 1;
}

int ctl_stream(struct ctl_conn *c, const char *cmd, json_t *args, ctl_event_fn fn, void *ctx,
	       lxr_err *err)
{
	return ctl_stream_until(c, cmd, args, -1, fn, ctx, err);
}

int ctl_stream_until(struct ctl_conn *c, const char *cmd, json_t *args, int64_t until_ms,
		     ctl_event_fn fn, void *ctx, lxr_err *err)
{
	json_int_t id = c->next_id++;
	int64_t deadline = until_ms < 0 ? -1 : now_ms() + until_ms;

	if (send_request(c, cmd, args, id, err) < 0)
		return -1;
	for (;;) {
		json_t *msg = NULL, *ev;
		int r = read_message(c, deadline, &msg, err), stop = 0;
		if (r < 0 && deadline >= 0 && err->errnum == ETIMEDOUT)
			return 0;
		if (r <= 0)
			return r < 0 ? lxr_err_wrap(err, "%s", cmd) : 0;
		ev = json_object_get(msg, "event");
		if (for_us(msg, id) && json_is_false(json_object_get(msg, "ok"))) {
			take_error(msg, cmd, err);
			json_decref(msg);
			return -1;
		}
		if (ev && for_us(msg, id))
			stop = fn(ctx, ev);
		json_decref(msg);
		if (stop)
			return 0;
	}
}
