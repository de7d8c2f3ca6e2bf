/* The control protocol over a real socket in a temp directory: replies,
 * errors, malformed and split lines, many clients, a subscriber too slow to
 * keep, peer credentials, and the CLI's client calls. The server side is
 * driven by hand (ctl_server_dispatch) so each step is deterministic. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "lxr/supervisor.h"

struct fx {
	char *dir, *path;
	struct ctl_server *s;
	struct ctl_req later;
	bool have_later;
};

static void handler(void *ctx, struct ctl_server *s, struct ctl_req req, const char *cmd,
		    json_t *args)
{
	struct fx *f = ctx;

	if (!strcmp(cmd, "echo")) {
		ctl_reply_ok(s, req, json_incref(args));
	} else if (!strcmp(cmd, "fail")) {
		ctl_reply_error(s, req, "it failed", "try again");
	} else if (!strcmp(cmd, "failerr")) {
		lxr_err e;
		lxr_fail(&e, EADDRINUSE, "host port 0.0.0.0:80/tcp is in use");
		lxr_err_hint(&e, "publish another host port");
		ctl_reply_err(s, req, &e);
	} else if (!strcmp(cmd, "later")) {
		f->later = req;
		f->have_later = true;
	} else if (!strcmp(cmd, "sub")) {
		ctl_subscribe(s, req, "events");
	} else if (!strcmp(cmd, "subpub")) {
		ctl_subscribe(s, req, "mine");
		for (int i = 0; i < 3; i++)
			ctl_send_event(s, req, json_pack("{s:i}", "n", i));
	} else if (!strcmp(cmd, "clients")) {
		ctl_reply_ok(s, req, json_integer((json_int_t)ctl_server_clients(s)));
	} else {
		ctl_reply_error(s, req, "unknown command", NULL);
	}
}

static struct fx *fx_new(size_t max_line, size_t max_outbuf, uid_t owner)
{
	struct fx *f = lxr_xcalloc(1, sizeof(*f));
	struct ctl_server_opts o = {.handler = handler,
				    .ctx = f,
				    .owner_uid = owner,
				    .max_line = max_line,
				    .max_outbuf = max_outbuf};
	lxr_err err;

	f->dir = lxr_xstrdup("/tmp/lxr-ctltest-XXXXXX");
	if (!mkdtemp(f->dir))
		abort();
	f->path = lxr_xasprintf("%s/control.sock", f->dir);
	if (ctl_server_open(f->path, &o, &f->s, &err) < 0)
		fail_msg("ctl_server_open: %s", err.msg);
	return f;
}

static void fx_free(struct fx *f)
{
	lxr_err err;

	ctl_server_close(f->s);
	if (lxr_rm_rf(f->dir, &err) < 0)
		lxr_err_print(&err);
	free(f->path);
	free(f->dir);
	free(f);
}

static void pump(struct fx *f)
{
	lxr_err err;

	if (ctl_server_dispatch(f->s, &err) < 0)
		fail_msg("dispatch: %s", err.msg);
}

static int raw_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fail_msg("connect %s: %s", path, strerror(errno));
	return fd;
}

static void raw_send(int fd, const char *s)
{
	size_t n = strlen(s);
	assert_int_equal(send(fd, s, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* One line without its newline; NULL at EOF. Caller frees. */
static char *raw_line(int fd)
{
	char *buf = NULL;
	size_t len = 0;
	char ch;

	for (;;) {
		ssize_t r = read(fd, &ch, 1);
		if (r <= 0) {
			free(buf);
			return NULL;
		}
		if (ch == '\n')
			break;
		buf = lxr_xrealloc(buf, len + 2);
		buf[len++] = ch;
		buf[len] = '\0';
	}
	return buf ? buf : lxr_xstrdup("");
}

static bool readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 0) == 1;
}

#define EXPECT_LINE(fd, want)                                                                      \
	do {                                                                                       \
		_cleanup_free_ char *got_ = raw_line(fd);                                          \
		assert_non_null(got_);                                                             \
		assert_string_equal(got_, want);                                                   \
	} while (0)

static void request_and_reply(void **state)
{
	struct fx *f = fx_new(0, 0, (uid_t)-1);
	int fd = raw_connect(f->path);

	raw_send(fd, "{\"id\":1,\"cmd\":\"echo\",\"args\":{\"a\":[1,2],\"s\":\"x\\ny\"}}\n");
	raw_send(fd, "{\"id\":2,\"cmd\":\"fail\"}\n");
	raw_send(fd, "\n{\"id\":3,\"cmd\":\"echo\"}\r\n"); /* blank line, CRLF */
	raw_send(fd, "{\"id\":4,\"cmd\":\"nope\",\"args\":null}\n");
	pump(f);
	EXPECT_LINE(fd, "{\"id\":1,\"ok\":true,\"result\":{\"a\":[1,2],\"s\":\"x\\ny\"}}");
	EXPECT_LINE(fd, "{\"id\":2,\"ok\":false,\"error\":\"it failed\",\"hint\":\"try again\"}");
	EXPECT_LINE(fd, "{\"id\":3,\"ok\":true,\"result\":{}}");
	EXPECT_LINE(fd, "{\"id\":4,\"ok\":false,\"error\":\"unknown command\"}");
	close(fd);
	fx_free(f);
}

static void malformed_lines_get_errors(void **state)
{
	struct fx *f = fx_new(0, 0, (uid_t)-1);
	int fd = raw_connect(f->path);
	char *deep = lxr_xmalloc(100002);
	_cleanup_free_ char *l1 = NULL, *l6 = NULL, *l7 = NULL;

	memset(deep, '[', 100000);
	strcpy(deep + 100000, "\n");
	raw_send(fd, "not json\n");
	raw_send(fd, "[1,2]\n");
	raw_send(fd, "{\"cmd\":\"echo\"}\n");
	raw_send(fd, "{\"id\":3}\n");
	raw_send(fd, "{\"id\":4,\"cmd\":\"echo\",\"args\":[1]}\n");
	raw_send(fd, deep);
	raw_send(fd, "{\"id\":5,\"cmd\":\"echo\",\"args\":{\"s\":\"\xff\"}}\n");
	/* jansson quotes the bytes it stopped at: they are not UTF-8 here,
	 * and the line still gets its answer */
	raw_send(fd, "{\"s\":\"fx\\\xdd\x96\"}\n");
	raw_send(fd, "{\"id\":6,\"cmd\":\"echo\"}\n"); /* the connection still works */
	free(deep);
	pump(f);
	l1 = raw_line(fd);
	assert_true(lxr_str_has_prefix(l1,
				       "{\"id\":null,\"ok\":false,\"error\":\"malformed request "
				       "at column 3: '[' or '{' expected near 'not'\""));
	assert_non_null(strstr(l1, "\"hint\":\"send one JSON object a line"));
	EXPECT_LINE(fd,
		    "{\"id\":null,\"ok\":false,\"error\":\"a request is a JSON object\",\"hint\":"
		    "\"send one JSON object a line: "
		    "{\\\"id\\\":1,\\\"cmd\\\":\\\"ps\\\",\\\"args\\\":{}}\"}");
	l6 = raw_line(fd);
	assert_true(lxr_str_has_prefix(l6, "{\"id\":null,\"ok\":false,\"error\":\"the request has "
					   "no integer \\\"id\\\"\""));
	l7 = raw_line(fd);
	assert_true(lxr_str_has_prefix(l7, "{\"id\":3,\"ok\":false,\"error\":\"the request has no "
					   "\\\"cmd\\\" string\""));
	_cleanup_free_ char *l8 = raw_line(fd);
	assert_true(lxr_str_has_prefix(l8, "{\"id\":4,\"ok\":false,\"error\":\"\\\"args\\\" must"));
	_cleanup_free_ char *l9 = raw_line(fd);
	assert_true(lxr_str_has_prefix(l9, "{\"id\":null,\"ok\":false,\"error\":\"malformed"));
	assert_non_null(strstr(l9, "maximum parsing depth reached"));
	_cleanup_free_ char *l10 = raw_line(fd);
	assert_true(lxr_str_has_prefix(l10, "{\"id\":null,\"ok\":false,\"error\":\"malformed"));
	_cleanup_free_ char *l11 = raw_line(fd);
	assert_true(lxr_str_has_prefix(l11, "{\"id\":null,\"ok\":false,\"error\":\"malformed"));
	for (const char *p = l11; *p; p++)
		assert_true((unsigned char)*p < 0x80);
	assert_non_null(strstr(l11, "near '\\\"fx\\\\?"));
	EXPECT_LINE(fd, "{\"id\":6,\"ok\":true,\"result\":{}}");
	close(fd);
	fx_free(f);
}

static void line_split_across_reads(void **state)
{
	struct fx *f = fx_new(0, 0, (uid_t)-1);
	int fd = raw_connect(f->path);

	raw_send(fd, "{\"id\":7,\"cmd\":\"ec");
	pump(f);
	assert_false(readable(fd)); /* half a request: nothing answered yet */
	raw_send(fd, "ho\",\"args\":{\"x\":1}}\n{\"id\":8,\"cmd\":\"echo\"}\n{\"id\":9,");
	pump(f);
	EXPECT_LINE(fd, "{\"id\":7,\"ok\":true,\"result\":{\"x\":1}}");
	EXPECT_LINE(fd, "{\"id\":8,\"ok\":true,\"result\":{}}");
	assert_false(readable(fd));
	/* the peer closes its side: the last line counts without a newline,
	 * and the server closes once it has answered */
	raw_send(fd, "\"cmd\":\"echo\"}");
	shutdown(fd, SHUT_WR);
	pump(f);
	EXPECT_LINE(fd, "{\"id\":9,\"ok\":true,\"result\":{}}");
	assert_null(raw_line(fd));
	assert_int_equal(ctl_server_clients(f->s), 0);
	close(fd);
	fx_free(f);
}

static void overlong_line_is_refused(void **state)
{
	struct fx *f = fx_new(1024, 0, (uid_t)-1);
	int fd = raw_connect(f->path);
	char big[3000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	raw_send(fd, big);
	pump(f);
	EXPECT_LINE(fd, "{\"id\":null,\"ok\":false,\"error\":\"request line longer than 1024 "
			"bytes\",\"hint\":\"send one JSON object a line: {\\\"id\\\":1,\\\"cmd\\\":"
			"\\\"ps\\\",\\\"args\\\":{}}\"}");
	assert_null(raw_line(fd)); /* and the connection is closed */
	close(fd);
	fx_free(f);
}

static void many_clients(void **state)
{
	struct fx *f = fx_new(0, 0, (uid_t)-1);
	int fds[100];
	char req[96], want[96];

	for (int i = 0; i < 100; i++) {
		fds[i] = raw_connect(f->path);
		if (i % 25 == 24)
			pump(f); /* accepted before the listen backlog fills */
	}
	for (int i = 99; i >= 0; i--) {
		snprintf(req, sizeof(req), "{\"id\":%d,\"cmd\":\"echo\",\"args\":{\"i\":%d}}\n", i,
			 i * 7);
		raw_send(fds[i], req);
	}
	pump(f);
	assert_int_equal(ctl_server_clients(f->s), 100);
	for (int i = 0; i < 100; i++) {
		snprintf(want, sizeof(want), "{\"id\":%d,\"ok\":true,\"result\":{\"i\":%d}}", i,
			 i * 7);
		EXPECT_LINE(fds[i], want);
	}
	for (int i = 0; i < 50; i++)
		close(fds[i]);
	pump(f);
	assert_int_equal(ctl_server_clients(f->s), 50);
	for (int i = 50; i < 100; i++)
		close(fds[i]);
	pump(f);
	assert_int_equal(ctl_server_clients(f->s), 0);
	fx_free(f);
}

static void slow_subscriber_is_cut_off(void **state)
{
	struct fx *f = fx_new(0, 64 << 10, (uid_t)-1);
	int slow = raw_connect(f->path), fast = raw_connect(f->path);
	long published = 0, got = 0;
	char *line;

	raw_send(slow, "{\"id\":5,\"cmd\":\"sub\"}\n");
	raw_send(fast, "{\"id\":6,\"cmd\":\"sub\"}\n");
	pump(f);
	EXPECT_LINE(slow, "{\"id\":5,\"ok\":true,\"result\":null}");
	EXPECT_LINE(fast, "{\"id\":6,\"ok\":true,\"result\":null}");
	/* slow never reads; fast reads every event as it comes. Publishing
	 * never waits: the loop ends when slow is gone. */
	for (;; published++) {
		int n = ctl_publish(f->s, "events",
				    json_pack("{s:i,s:s}", "n", (int)published, "pad",
					      "................................"));
		_cleanup_free_ char *l = raw_line(fast);
		char want[128];
		snprintf(
		    want, sizeof(want),
		    "{\"id\":6,\"event\":{\"n\":%ld,\"pad\":\"................................\"}}",
		    published);
		assert_string_equal(l, want);
		if (n == 1)
			break;
		assert_int_equal(n, 2);
		if (published > 10000000)
			fail_msg("the slow subscriber was never cut off");
	}
	assert_int_equal(ctl_server_clients(f->s), 1);
	/* what slow gets: a prefix of the events, in order, then EOF */
	while ((line = raw_line(slow))) {
		char want[128];
		snprintf(
		    want, sizeof(want),
		    "{\"id\":5,\"event\":{\"n\":%ld,\"pad\":\"................................\"}}",
		    got++);
		assert_string_equal(line, want);
		free(line);
	}
	assert_true(got > 0 && got < published);
	close(slow);
	close(fast);
	fx_free(f);
}

static void late_replies(void **state)
{
	struct fx *f = fx_new(0, 0, (uid_t)-1);
	int a = raw_connect(f->path);

	raw_send(a, "{\"id\":11,\"cmd\":\"later\"}\n");
	pump(f);
	assert_true(f->have_later);
	assert_false(readable(a));
	assert_int_equal(ctl_reply_ok(f->s, f->later, json_string("done")), 0);
	EXPECT_LINE(a, "{\"id\":11,\"ok\":true,\"result\":\"done\"}");
	/* the client leaves before its answer: the reply is dropped, safely */
	raw_send(a, "{\"id\":12,\"cmd\":\"later\"}\n");
	pump(f);
	close(a);
	pump(f);
	assert_int_equal(ctl_reply_ok(f->s, f->later, json_string("too late")), -1);
	assert_int_equal(ctl_reply_error(f->s, f->later, "x", NULL), -1);
	fx_free(f);
}

static void socket_file_rules(void **state)
{
	struct fx *f = fx_new(0, 0, (uid_t)-1);
	struct ctl_server_opts o = {.owner_uid = (uid_t)-1};
	struct ctl_server *s2 = NULL;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	lxr_err err;
	int fd;

	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	/* a live supervisor is never replaced */
	assert_int_equal(ctl_server_open(f->path, &o, &s2, &err), -1);
	assert_int_equal(err.errnum, EADDRINUSE);
	ctl_server_close(f->s);
	assert_int_equal(stat(f->path, &st), -1); /* removed on close */
	/* a dead one's socket (nobody listening) is */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(sa.sun_path, f->path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(ctl_server_open(f->path, &o, &f->s, &err), 0);
	/* too long for sun_path: said so, with what to do */
	_cleanup_free_ char *longp = lxr_xasprintf("%s/%0100d/control.sock", f->dir, 0);
	assert_int_equal(ctl_server_open(longp, &o, &s2, &err), -1);
	assert_int_equal(err.errnum, ENAMETOOLONG);
	assert_non_null(strstr(err.hint, "LXR_RUN_DIR"));
	fx_free(f);
}

static void peer_allowed_rule(void **state)
{
	assert_true(ctl_peer_allowed(0, 1000));
	assert_true(ctl_peer_allowed(1000, 1000));
	assert_false(ctl_peer_allowed(1001, 1000));
	assert_true(ctl_peer_allowed(0, 0));
	assert_false(ctl_peer_allowed(1000, 0));
}

/* A child as uid 65534 connects: its first line (or connect's errno) tells
 * the parent what it saw, through exit codes. */
static int child_as_nobody(const char *path, int sync)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char *line;

	if (setgid(65534) < 0 || setuid(65534) < 0)
		return 10;
	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return errno == EACCES ? 20 : 11;
	/* the request first: when the parent hears "c", it is there to read */
	(void)!write(fd, "{\"id\":1,\"cmd\":\"echo\"}\n", 22);
	(void)!write(sync, "c", 1);
	line = raw_line(fd);
	if (line && !strcmp(line, "{\"id\":null,\"ok\":false,\"error\":\"permission denied: uid "
				  "65534 may not control this project\"}"))
		return raw_line(fd) == NULL ? 30 : 12;
	if (line && !strcmp(line, "{\"id\":1,\"ok\":true,\"result\":{}}"))
		return 40;
	return 13;
}

static int run_nobody(struct fx *f)
{
	int sync[2], status;
	char c;
	pid_t pid;

	assert_int_equal(pipe2(sync, O_CLOEXEC), 0);
	pid = fork();
	if (pid == 0) {
		close(sync[0]);
		_exit(child_as_nobody(f->path, sync[1]));
	}
	close(sync[1]);
	if (read(sync[0], &c, 1) == 1) /* connected: let the server see it */
		pump(f);
	close(sync[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void peer_credentials_checked(void **state)
{
	struct fx *f;

	if (geteuid() != 0) {
		printf("peer_credentials_checked: needs root to setuid a peer; the rule itself "
		       "is tested by peer_allowed_rule\n");
		skip();
	}
	f = fx_new(0, 0, 0);
	assert_int_equal(chmod(f->dir, 0711), 0); /* only the socket's mode in the way */
	assert_int_equal(run_nobody(f), 20);      /* mode 0600: connect() refused */
	assert_int_equal(chmod(f->path, 0666), 0);
	assert_int_equal(run_nobody(f), 30); /* SO_PEERCRED: refused, told why */
	fx_free(f);
	f = fx_new(0, 0, 65534); /* started by uid 65534: it may */
	assert_int_equal(chmod(f->dir, 0711), 0);
	assert_int_equal(chmod(f->path, 0666), 0);
	assert_int_equal(run_nobody(f), 40);
	fx_free(f);
}

/* A server in a child process, as the supervisor would run it: its loop
 * polls ctl_server_fd and dispatches, until stop is closed. */
static pid_t server_process(struct fx *f, int *stop_w)
{
	int stop[2];
	pid_t pid;

	assert_int_equal(pipe2(stop, O_CLOEXEC), 0);
	pid = fork();
	if (pid == 0) {
		struct pollfd p[2] = {{.fd = ctl_server_fd(f->s), .events = POLLIN},
				      {.fd = stop[0], .events = POLLIN}};
		lxr_err err;
		close(stop[1]);
		for (;;) {
			if (poll(p, 2, -1) < 0 && errno != EINTR)
				_exit(2);
			if (p[1].revents)
				_exit(0);
			if (ctl_server_dispatch(f->s, &err) < 0)
				_exit(3);
		}
	}
	close(stop[0]);
	*stop_w = stop[1];
	return pid;
}

struct seen {
	int n;
	char text[128];
};

static int on_event(void *ctx, json_t *ev)
{
	struct seen *s = ctx;
	size_t len = strlen(s->text);

	snprintf(s->text + len, sizeof(s->text) - len, "%lld;",
		 (long long)json_integer_value(json_object_get(ev, "n")));
	return ++s->n == 3;
}

static void client_calls(void **state)
{
	struct fx *f = fx_new(0, 0, (uid_t)-1);
	struct ctl_conn *c = NULL, *c2 = NULL;
	struct seen seen = {0};
	json_t *res = NULL;
	lxr_err err;
	int stop, status;
	pid_t pid = server_process(f, &stop);

	assert_int_equal(ctl_connect(f->path, &c, &err), 0);
	assert_int_equal(ctl_call(c, "echo", json_pack("{s:s}", "k", "v"), -1, &res, &err), 0);
	assert_string_equal(json_string_value(json_object_get(res, "k")), "v");
	json_decref(res);
	assert_int_equal(ctl_call(c, "fail", NULL, -1, &res, &err), -1);
	assert_string_equal(err.msg, "fail: it failed");
	assert_string_equal(err.hint, "try again");
	assert_int_equal(err.errnum, 0);
	/* an lxr_err crosses whole: its errno too */
	assert_int_equal(ctl_call(c, "failerr", NULL, -1, &res, &err), -1);
	assert_string_equal(err.msg, "failerr: host port 0.0.0.0:80/tcp is in use");
	assert_int_equal(err.errnum, EADDRINUSE);
	assert_string_equal(err.hint, "publish another host port");
	/* never answered: the call gives up at its timeout */
	assert_int_equal(ctl_call(c, "later", NULL, 100, &res, &err), -1);
	assert_int_equal(err.errnum, ETIMEDOUT);
	assert_string_equal(err.msg, "later: no reply from the supervisor");
	/* a stream: the ack, then events until the callback has enough */
	assert_int_equal(ctl_connect(f->path, &c2, &err), 0);
	assert_int_equal(ctl_stream(c2, "subpub", NULL, on_event, &seen, &err), 0);
	assert_string_equal(seen.text, "0;1;2;");
	assert_int_equal(ctl_stream(c2, "nope", NULL, on_event, &seen, &err), -1);
	assert_string_equal(err.msg, "nope: unknown command");
	/* a waiter's subscription (up --wait): something came, and what came
	 * is dropped whole, so calls on the same connection go on; once all
	 * of it is read, the wait ends at its timeout */
	assert_int_equal(ctl_send(c, "subpub", NULL, &err), 0);
	assert_int_equal(ctl_wait_any(c, -1, &err), 1);
	int quiet = -1;
	for (int i = 0; i < 8 && quiet != 0; i++)
		quiet = ctl_wait_any(c, 200, &err);
	assert_int_equal(quiet, 0);
	assert_int_equal(ctl_call(c, "echo", json_pack("{s:s}", "k", "w"), -1, &res, &err), 0);
	assert_string_equal(json_string_value(json_object_get(res, "k")), "w");
	json_decref(res);
	ctl_close(c);
	ctl_close(c2);
	close(stop);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	fx_free(f);
}

static void client_errors_say_what_to_do(void **state)
{
	struct ctl_conn *c = NULL;
	lxr_err err;

	assert_int_equal(ctl_connect("/tmp/lxr-no-such-dir/control.sock", &c, &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	assert_string_equal(err.msg,
			    "connect to the supervisor at /tmp/lxr-no-such-dir/control.sock");
	assert_string_equal(err.hint, "this project is not up: start it with `lxr up`");
	assert_null(c);
}

/* The JSON form an error leaves the supervisor in reads back as it was. */
static void error_json_round_trip(void **state)
{
	lxr_err e, back;
	json_t *j;
	char *text;

	lxr_fail(&e, EADDRINUSE, "container web-1: host port \"0.0.0.0:80\"\nis in use");
	lxr_err_hint(&e, "stop it");
	j = sup_err_json(&e);
	text = json_dumps(j, JSON_COMPACT);
	/* one line: the ready pipe of `up -d` is read line by line */
	assert_null(strchr(text, '\n'));
	assert_string_equal(
	    text, "{\"message\":\"container web-1: host port \\\"0.0.0.0:80\\\"\\nis in "
		  "use\",\"errno\":98,\"errno_name\":\"EADDRINUSE\",\"hint\":\"stop it\"}");
	sup_err_from_json(j, &back);
	assert_string_equal(back.msg, e.msg);
	assert_int_equal(back.errnum, EADDRINUSE);
	assert_string_equal(back.hint, "stop it");
	json_decref(j);
	free(text);

	/* no errno, no hint: left out, and read back empty */
	lxr_fail(&e, 0, "dependency failed");
	j = sup_err_json(&e);
	text = json_dumps(j, JSON_COMPACT);
	assert_string_equal(text, "{\"message\":\"dependency failed\"}");
	sup_err_from_json(j, &back);
	assert_int_equal(back.errnum, 0);
	assert_string_equal(back.hint, "");
	json_decref(j);
	free(text);

	/* what no supervisor sends is not trusted: an errno out of range */
	j = json_pack("{s:i}", "errno", 99999);
	sup_err_from_json(j, &back);
	assert_int_equal(back.errnum, 0);
	assert_string_equal(back.msg, "unknown error");
	json_decref(j);
	sup_err_from_json(NULL, &back);
	assert_string_equal(back.msg, "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(request_and_reply),
	    cmocka_unit_test(malformed_lines_get_errors),
	    cmocka_unit_test(line_split_across_reads),
	    cmocka_unit_test(overlong_line_is_refused),
	    cmocka_unit_test(many_clients),
	    cmocka_unit_test(slow_subscriber_is_cut_off),
	    cmocka_unit_test(late_replies),
	    cmocka_unit_test(socket_file_rules),
	    cmocka_unit_test(peer_allowed_rule),
	    cmocka_unit_test(peer_credentials_checked),
	    cmocka_unit_test(client_calls),
	    cmocka_unit_test(client_errors_say_what_to_do),
	    cmocka_unit_test(error_json_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
