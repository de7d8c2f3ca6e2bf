/* libFuzzer target for the control socket's requests: the input is what a
 * client sends. Its lines are parsed (ctl_line_parse), then sent whole over
 * a fresh connection to a real control server (its socket on the private
 * scratch tmpfs, scratch.c) whose handler echoes, fails and subscribes,
 * and the replies are read back. The server is opened once and serves
 * every run, as the supervisor's serves every client: opening one costs
 * more than most inputs do, and a run ends with the server back to no
 * clients, which is checked. Besides the sanitizers it checks what the
 * protocol promises: a line is blank, a request, or a rejection that says
 * why; a request has an integer id, a cmd and args that are an object;
 * every non-blank line gets exactly one reply, in order, carrying that
 * line's id; every reply and event is one JSON object a line; a subscriber
 * gets each event published, and is let go when it hangs up. Seeds:
 * tests/fuzz/corpus/ctl/. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "scratch.h"
#include "supervisor/ctl_internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* small enough that the fuzzer's inputs reach the overlong-line path */
#define MAX_LINE 1024
/* what one write puts in a client socket's buffer whole: the server then
 * sees the input in one read, which makes the replies predictable */
#define MAX_INPUT 60000

static char sock_path[108];
static struct ctl_server *server; /* for the whole process */
static struct run *run;           /* this run's expectations, for the handler */

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_ctl: %s\n", what);
		abort();
	}
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && !(s[i] == '\r' && i == n - 1))
			return false;
	return true;
}

static void check_line(const char *line, size_t len, const struct ctl_line *l, int r)
{
	check(r >= -1 && r <= 1, "a parse result out of range");
	check((r == 0) == blank(line, len),
	      "a blank line taken for more, or a line taken for blank");
	if (r > 0)
		check(json_is_integer(l->id) && l->cmd && json_is_object(l->args),
		      "a request without an integer id, a cmd or an args object");
	if (r < 0)
		check(l->error[0] && (!l->id || json_is_integer(l->id)),
		      "a rejection without a reason, or with an id that is no integer");
}

/* ---- the server ------------------------------------------------------------ */

struct want {
	bool has_id; /* false: the reply's id is null */
	json_int_t id;
};

struct run {
	struct want *want; /* what each reply must carry, in order */
	size_t n_want, n_replies, n_events;
	size_t subs; /* subscriptions accepted */
};

static void handler(void *ctx, struct ctl_server *s, struct ctl_req req, const char *cmd,
		    json_t *args)
{
	(void)ctx;
	if (!strcmp(cmd, "echo"))
		ctl_reply_ok(s, req, json_incref(args));
	else if (!strcmp(cmd, "sub") && ctl_subscribe(s, req, "events") == 0)
		run->subs++;
	else
		ctl_reply_error(s, req, "unknown command", strcmp(cmd, "fail") ? NULL : "a hint");
}

static void close_server(void)
{
	ctl_server_close(server);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int scratch = fuzz_scratch_open(*argc, *argv);
	struct ctl_server_opts o = {.handler = handler,
				    .owner_uid = (uid_t)-1,
				    .max_line = MAX_LINE,
				    .max_outbuf = 64u << 20};
	lxr_err err;

	snprintf(sock_path, sizeof(sock_path), "/proc/self/fd/%d/control.sock", scratch);
	if (ctl_server_open(sock_path, &o, &server, &err) < 0) {
		fprintf(stderr, "fuzz_ctl: %s\n", err.msg);
		exit(1);
	}
	atexit(close_server);
	return 0;
}

/* The replies the server owes, from the input as the protocol splits it:
 * lines end at '\n', the last one at EOF; a rest longer than the limit is
 * refused once and ends the reading. Each line's parse is checked too. */
static void expect(const char *in, size_t len)
{
	size_t start = 0;

	run->want = lxr_xcalloc(len + 2, sizeof(*run->want));
	while (start <= len) {
		const char *nl = memchr(in + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - in) : len;
		struct ctl_line l;
		int r;

		if (!nl && end - start > MAX_LINE) {
			run->want[run->n_want++] = (struct want){false, 0};
			break;
		}
		r = ctl_line_parse(in + start, end - start, &l);
		check_line(in + start, end - start, &l, r);
		if (r != 0)
			run->want[run->n_want++] =
			    (struct want){l.id != NULL, l.id ? json_integer_value(l.id) : 0};
		ctl_line_free(&l);
		start = end + 1;
	}
}

static void check_reply(const char *line, size_t len)
{
	json_error_t je;
	json_t *j = json_loadb(line, len, 0, &je), *id;

	check(json_is_object(j), "a reply that is no JSON object");
	id = json_object_get(j, "id");
	if (json_object_get(j, "event")) {
		check(json_is_integer(id), "an event without its subscription's id");
		run->n_events++;
	} else {
		check(json_is_boolean(json_object_get(j, "ok")), "a reply without \"ok\"");
		check(run->n_replies < run->n_want, "more replies than non-blank lines");
		if (!run->want[run->n_replies].has_id)
			check(json_is_null(id), "a reply with an id its line did not have");
		else
			check(json_is_integer(id) &&
				  json_integer_value(id) == run->want[run->n_replies].id,
			      "a reply out of order, or with another line's id");
		run->n_replies++;
	}
	json_decref(j);
}

/* Whatever the server has written so far, line by line; false when there
 * was nothing. */
static bool read_replies(int fd, char **buf, size_t *len)
{
	char chunk[65536];
	ssize_t n;
	char *nl;
	size_t off = 0;
	bool got = false;

	while ((n = recv(fd, chunk, sizeof(chunk), MSG_DONTWAIT)) > 0) {
		*buf = lxr_xrealloc(*buf, *len + (size_t)n);
		memcpy(*buf + *len, chunk, (size_t)n);
		*len += (size_t)n;
		got = true;
	}
	while (off < *len && (nl = memchr(*buf + off, '\n', *len - off))) {
		check_reply(*buf + off, (size_t)(nl - *buf - off));
		off = (size_t)(nl - *buf) + 1;
	}
	if (off) {
		memmove(*buf, *buf + off, *len - off);
		*len -= off;
	}
	return got;
}

/* Until the server has nothing more to say: it writes what the socket
 * takes, and the rest when the socket has room again, which a round that
 * reads nothing shows there is. */
static void pump(int fd, char **buf, size_t *len)
{
	lxr_err err;
	int rounds = 0;

	do {
		if (ctl_server_dispatch(server, &err) < 0) {
			fprintf(stderr, "fuzz_ctl: dispatch: %s\n", err.msg);
			abort();
		}
		check(++rounds < 1000, "the server keeps writing");
	} while (read_replies(fd, buf, len));
}

static void fuzz_server(const char *in, size_t len)
{
	struct run this = {0};
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char *buf = NULL;
	size_t buf_len = 0;
	lxr_err err;
	int fd;

	run = &this;
	expect(in, len);
	strcpy(sa.sun_path, sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	check(fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect");
	check(send(fd, in, len, MSG_NOSIGNAL) == (ssize_t)len && shutdown(fd, SHUT_WR) == 0,
	      "send the input");
	pump(fd, &buf, &buf_len);
	check(this.n_replies == this.n_want, "a line without its reply");
	check(ctl_server_clients(server) == (this.subs ? 1 : 0),
	      "a client that said all it will say was kept, or a subscriber dropped");
	check(ctl_publish(server, "events", json_pack("{s:s}", "type", "fuzz")) == (int)this.subs,
	      "an event not queued for each subscription");
	pump(fd, &buf, &buf_len);
	check(this.n_events == this.subs, "an event not delivered");
	check(buf_len == 0, "a reply without its newline");
	/* the next run starts where this one did: a server without clients */
	close(fd);
	check(ctl_server_dispatch(server, &err) == 0 && ctl_server_clients(server) == 0,
	      "a subscriber that hung up was kept");
	free(buf);
	free(this.want);
	run = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so reading past len is an ASan report */
	char *in = lxr_xmalloc(size ? size : 1);

	memcpy(in, data, size);
	if (size <= MAX_INPUT)
		fuzz_server(in, size);
	free(in);
	return 0;
}
