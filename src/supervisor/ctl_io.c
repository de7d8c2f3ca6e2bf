/* A client of the control socket: its lines in (requests parsed as they
 * complete), its replies and events queued and written as the socket takes
 * them, what it waits for in the server's epoll set, and its end. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "supervisor/ctl_internal.h"

static const char request_hint[] = "send one JSON object a line: "
				   "{\"id\":1,\"cmd\":\"ps\",\"args\":{}}";

/* A client that has said all it will say goes once it is owed nothing. */
static void maybe_finish(struct ctl_server *s, struct ctl_client *c)
{
	if (c->fd >= 0 && c->read_closed && c->owed == 0 && c->nsubs == 0 &&
	    c->out_off == c->out_len)
		ctl_drop(s, c);
}

void ctl_flush(struct ctl_server *s, struct ctl_client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t r = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			if (ctl_watch_out(s, c, true) < 0)
				ctl_drop(s, c);
			return;
		}
		if (r < 0) { /* EPIPE, ECONNRESET: the client is gone */
			ctl_drop(s, c);
			return;
		}
		c->out_off += (size_t)r;
	}
	c->out_off = c->out_len = 0;
	if (ctl_watch_out(s, c, false) < 0) {
		ctl_drop(s, c);
		return;
	}
	maybe_finish(s, c);
}

/* Queue one message (taken over) as a line. A client whose unsent output
 * would pass max_outbuf is cut off: the supervisor never waits for a
 * reader, and never holds unbounded memory for one. */
static int queue(struct ctl_server *s, struct ctl_client *c, json_t *msg)
{
	char *line = json_dumps(msg, JSON_COMPACT);
	size_t n, pending = c->out_len - c->out_off;

	json_decref(msg);
	if (!line)
		return -1;
	n = strlen(line);
	if (pending > 0 && pending + n + 1 > s->o.max_outbuf) {
		lxr_warn("control: client pid %d reads too slowly (%zu bytes unsent); "
			 "disconnected",
			 (int)c->pid, pending);
		free(line);
		ctl_drop(s, c);
		return -1;
	}
	if (c->out_off > 0) {
		memmove(c->out, c->out + c->out_off, pending);
		c->out_off = 0;
		c->out_len = pending;
	}
	if (c->out_len + n + 1 > c->out_cap) {
		c->out_cap = (c->out_len + n + 1) * 2;
		c->out = lxr_xrealloc(c->out, c->out_cap);
	}
	memcpy(c->out + c->out_len, line, n);
	c->out[c->out_len + n] = '\n';
	c->out_len += n + 1;
	free(line);
	ctl_flush(s, c);
	return c->fd >= 0 ? 0 : -1;
}

static json_t *id_value(const json_t *id)
{
	return id ? json_copy((json_t *)id) : json_null();
}

static void reject(struct ctl_server *s, struct ctl_client *c, const json_t *id, const char *why)
{
	queue(s, c,
	      json_pack("{s:o,s:b,s:s,s:s}", "id", id_value(id), "ok", 0, "error", why, "hint",
			request_hint));
}

static void serve(struct ctl_server *s, struct ctl_client *c, const struct ctl_line *l)
{
	struct ctl_req req = {c->id, json_integer_value(l->id)};

	c->owed++;
	if (s->o.handler)
		s->o.handler(s->o.ctx, s, req, l->cmd, l->args);
	else
		ctl_reply_error(s, req, "no commands are served here", NULL);
}

static void handle_line(struct ctl_server *s, struct ctl_client *c, const char *line, size_t len)
{
	struct ctl_line l;
	int r = ctl_line_parse(line, len, &l);

	if (r < 0)
		reject(s, c, l.id, l.error);
	else if (r > 0)
		serve(s, c, &l);
	ctl_line_free(&l);
}

/* Whole lines out of c->in; the unfinished rest stays. */
static void take_lines(struct ctl_server *s, struct ctl_client *c)
{
	size_t start = 0;
	char *nl;

	while (c->fd >= 0 && (nl = memchr(c->in + start, '\n', c->in_len - start))) {
		handle_line(s, c, c->in + start, (size_t)(nl - c->in - start));
		start = (size_t)(nl - c->in) + 1;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
}

static void stop_reading(struct ctl_server *s, struct ctl_client *c)
{
	c->read_closed = true;
	c->rearm = true;
	if (ctl_watch_out(s, c, c->out_armed) < 0)
		ctl_drop(s, c);
	else
		maybe_finish(s, c);
}

void ctl_on_readable(struct ctl_server *s, struct ctl_client *c)
{
	while (c->fd >= 0 && !c->read_closed) {
		ssize_t r;
		if (c->in_cap - c->in_len < 4096) {
			c->in_cap = c->in_len + 65536;
			c->in = lxr_xrealloc(c->in, c->in_cap);
		}
		r = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		if (r < 0) {
			ctl_drop(s, c);
			return;
		}
		if (r == 0) { /* a last line without its newline still counts */
			if (c->in_len > 0)
				handle_line(s, c, c->in, c->in_len);
			c->in_len = 0;
			if (c->fd >= 0)
				stop_reading(s, c);
			return;
		}
		c->in_len += (size_t)r;
		take_lines(s, c);
		if (c->fd >= 0 && c->in_len > s->o.max_line) {
			char why[96];
			snprintf(why, sizeof(why), "request line longer than %zu bytes",
				 s->o.max_line);
			reject(s, c, NULL, why);
			c->in_len = 0;
			if (c->fd >= 0)
				stop_reading(s, c);
		}
	}
}

static void owed_one(struct ctl_client *c)
{
	if (c->owed > 0)
		c->owed--;
}

int ctl_reply_ok(struct ctl_server *s, struct ctl_req req, json_t *result)
{
	struct ctl_client *c = ctl_find(s, req.client);

	if (!c) {
		json_decref(result);
		return -1;
	}
	owed_one(c);
	return queue(s, c,
		     json_pack("{s:I,s:b,s:o}", "id", req.id, "ok", 1, "result",
			       result ? result : json_null()));
}

/* The reply's first byte carries the descriptors (SCM_RIGHTS), so it must
 * go out now, before anything queued: a client still owed bytes is told
 * so. What the socket does not take at once is queued as usual. */
int ctl_reply_fds(struct ctl_server *s, struct ctl_req req, json_t *result, const int *fds,
		  size_t n)
{
	struct ctl_client *c = ctl_find(s, req.client);
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * CTL_MAX_FDS)];
	} u = {0};
	json_t *msg = json_pack("{s:I,s:b,s:o}", "id", req.id, "ok", 1, "result",
				result ? result : json_null());
	_cleanup_free_ char *text = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
	struct iovec iov = {NULL, 0};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = u.b,
			   .msg_controllen = CMSG_SPACE(sizeof(int) * n)};
	ssize_t r;

	json_decref(msg);
	if (!c || !text || n == 0 || n > CTL_MAX_FDS || c->out_off < c->out_len)
		return c ? ctl_reply_error(s, req, "a reply with descriptors cannot be sent now",
					   "try again once the replies before it are read")
			 : -1;
	iov = (struct iovec){lxr_xasprintf("%s\n", text), strlen(text) + 1};
	u.h.cmsg_level = SOL_SOCKET;
	u.h.cmsg_type = SCM_RIGHTS;
	u.h.cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(&u.h), fds, sizeof(int) * n);
	do
		r = sendmsg(c->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	if (r <= 0) {
		free(iov.iov_base);
		return ctl_reply_error(s, req, "the control socket is full",
				       "read the replies before it");
	}
	owed_one(c);
	if ((size_t)r < iov.iov_len) { /* the rest, as any reply's */
		c->out = lxr_xrealloc(c->out, iov.iov_len - (size_t)r);
		memcpy(c->out, (char *)iov.iov_base + r, iov.iov_len - (size_t)r);
		c->out_off = 0;
		c->out_len = c->out_cap = iov.iov_len - (size_t)r;
	}
	free(iov.iov_base);
	ctl_flush(s, c);
	return c->fd >= 0 ? 0 : -1;
}

int ctl_reply_error(struct ctl_server *s, struct ctl_req req, const char *error, const char *hint)
{
	struct ctl_client *c = ctl_find(s, req.client);
	json_t *msg;

	if (!c)
		return -1;
	owed_one(c);
	msg = json_pack("{s:I,s:b,s:s}", "id", req.id, "ok", 0, "error", error);
	if (hint && *hint)
		json_object_set_new(msg, "hint", json_string(hint));
	return queue(s, c, msg);
}

int ctl_reply_err(struct ctl_server *s, struct ctl_req req, const lxr_err *err)
{
	struct ctl_client *c = ctl_find(s, req.client);
	json_t *msg;

	if (!c)
		return -1;
	owed_one(c);
	msg = json_pack("{s:I,s:b,s:s}", "id", req.id, "ok", 0, "error", err->msg);
	if (err->hint[0])
		json_object_set_new(msg, "hint", json_string(err->hint));
	if (err->errnum)
		json_object_set_new(msg, "errno", json_integer(err->errnum));
	return queue(s, c, msg);
}

int ctl_subscribe(struct ctl_server *s, struct ctl_req req, const char *topic)
{
	struct ctl_client *c = ctl_find(s, req.client);

	if (!c)
		return -1;
	c->subs = lxr_xrealloc(c->subs, (c->nsubs + 1) * sizeof(*c->subs));
	c->subs[c->nsubs++] = (struct ctl_sub){lxr_xstrdup(topic), req.id};
	return ctl_reply_ok(s, req, NULL);
}

int ctl_send_event(struct ctl_server *s, struct ctl_req req, json_t *event)
{
	struct ctl_client *c = ctl_find(s, req.client);

	if (!c) {
		json_decref(event);
		return -1;
	}
	return queue(s, c, json_pack("{s:I,s:o}", "id", req.id, "event", event));
}

int ctl_publish(struct ctl_server *s, const char *topic, json_t *event)
{
	bool was = s->in_dispatch;
	int n = 0;

	/* queue may cut a client off: keep the list intact while walking it */
	s->in_dispatch = true;
	for (struct ctl_client *c = s->clients; c; c = c->next)
		for (size_t i = 0; c->fd >= 0 && i < c->nsubs; i++)
			if (!strcmp(c->subs[i].topic, topic) &&
			    queue(s, c,
				  json_pack("{s:I,s:O}", "id", c->subs[i].id, "event", event)) == 0)
				n++;
	s->in_dispatch = was;
	if (!was)
		ctl_reap(s);
	json_decref(event);
	return n;
}

int ctl_epoll_set(struct ctl_server *s, int op, int fd, uint32_t events, uint64_t id)
{
	struct epoll_event ev = {.events = events, .data.u64 = id};

	return epoll_ctl(s->epfd, op, fd, &ev);
}

int ctl_watch_out(struct ctl_server *s, struct ctl_client *c, bool on)
{
	uint32_t ev = (c->read_closed ? 0 : EPOLLIN | EPOLLRDHUP) | (on ? EPOLLOUT : 0);

	if (c->out_armed == on && !c->rearm)
		return 0;
	c->out_armed = on;
	c->rearm = false;
	return ctl_epoll_set(s, EPOLL_CTL_MOD, c->fd, ev, c->id);
}

struct ctl_client *ctl_find(struct ctl_server *s, uint64_t id)
{
	for (struct ctl_client *c = s->clients; c; c = c->next)
		if (c->id == id && c->fd >= 0)
			return c;
	return NULL;
}

/* Closing is immediate (the fd leaves epoll with it); freeing waits until
 * no caller up the stack can still hold the client. */
void ctl_drop(struct ctl_server *s, struct ctl_client *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);
	c->fd = -1;
	if (!s->in_dispatch)
		ctl_reap(s);
}

void ctl_reap(struct ctl_server *s)
{
	for (struct ctl_client **pp = &s->clients; *pp;) {
		struct ctl_client *c = *pp;
		if (c->fd >= 0) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		for (size_t i = 0; i < c->nsubs; i++)
			free(c->subs[i].topic);
		free(c->subs);
		free(c->in);
		free(c->out);
		free(c);
	}
}
