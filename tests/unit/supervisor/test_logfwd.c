/* The journald and syslog copy of the lines over the sockets the
 * integration test does not reach: a unix stream (syslog-address unix://),
 * a TCP peer whose connect is still under way when the first lines come,
 * and peers that are not there (the lines are dropped and counted, and
 * nothing waits). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <cmocka.h>

#include "logtest.h"
#include "supervisor/logfwd.h"

static struct cfg_kv kvs[4];

static struct cfg_logging syslog_to(const char *address, const char *format)
{
	size_t n = 0;

	kvs[n++] = (struct cfg_kv){.key = "syslog-address", .value = (char *)address};
	kvs[n++] = (struct cfg_kv){.key = "tag", .value = "{{.Name}}"};
	if (format)
		kvs[n++] = (struct cfg_kv){.key = "syslog-format", .value = (char *)format};
	return (struct cfg_logging){.driver = {.v = "syslog"}, .options = {.v = kvs, .n = n}};
}

static const struct log_fwd_ids ids = {
    .tag = {"web-1", "web-1", "proj-web-1", "", "", "img", "lxr"}};

static void send_line(struct log_fwd *f, enum log_stream st, const char *line)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	log_fwd_record(f, "web", st, &now, line, strlen(line), false);
}

/* what the peer got until it has want newlines */
static char *read_lines(int fd, int want)
{
	char *buf = calloc(1, 65536);
	size_t len = 0;

	while (len < 65535) {
		int lines = 0;
		for (size_t i = 0; i < len; i++)
			lines += buf[i] == '\n';
		if (lines >= want)
			break;
		ssize_t n = read(fd, buf + len, 65535 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	return buf;
}

static void unix_stream_newline_framed(void **state)
{
	char *dir = make_tmpdir();
	_cleanup_free_ char *path = lxr_xasprintf("%s/s", dir);
	_cleanup_free_ char *addr = lxr_xasprintf("unix://%s", path);
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	int l = socket(AF_UNIX, SOCK_STREAM, 0), c;
	struct cfg_logging lg = syslog_to(addr, "rfc3164");
	struct log_fwd *f = NULL;
	lxr_err err;
	char *got;

	(void)state;
	snprintf(un.sun_path, sizeof(un.sun_path), "%s", path);
	assert_int_equal(bind(l, (struct sockaddr *)&un, sizeof(un)), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(log_fwd_open(&lg, &ids, LOG_FWD_JOURNAL, &f, &err), 0);
	send_line(f, LOG_STDOUT, "one");
	send_line(f, LOG_STDERR, "two");
	/* a NUL cannot end the message early on a stream: it goes as a space */
	log_fwd_record(f, "web", LOG_STDOUT, &(struct timespec){T0, 0}, "x\0<9>forged", 11, false);
	c = accept(l, NULL, NULL);
	assert_true(c >= 0);
	got = read_lines(c, 3);
	assert_non_null(strstr(got, "]: x <9>forged\n"));
	/* rfc3164: <PRI>TIMESTAMP HOST TAG[PID]: line */
	assert_non_null(strstr(got, "<30>"));
	assert_non_null(strstr(got, " proj-web-1["));
	assert_non_null(strstr(got, "]: one\n<27>"));
	assert_non_null(strstr(got, "]: two\n"));
	assert_int_equal(log_fwd_dropped(f), 0);
	free(got);
	log_fwd_close(f);
	close(c);
	close(l);
	remove_tmpdir(dir);
}

/* the lines that come while the connect is under way wait for it */
static void tcp_lines_wait_for_the_connect(void **state)
{
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(in);
	int l = socket(AF_INET, SOCK_STREAM, 0), c;
	char addr[64], *got;
	struct log_fwd *f = NULL;
	struct cfg_logging lg;
	lxr_err err;

	(void)state;
	assert_int_equal(bind(l, (struct sockaddr *)&in, sizeof(in)), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&in, &len), 0);
	snprintf(addr, sizeof(addr), "tcp://127.0.0.1:%d", ntohs(in.sin_port));
	lg = syslog_to(addr, "rfc5424");
	assert_int_equal(log_fwd_open(&lg, &ids, LOG_FWD_JOURNAL, &f, &err), 0);
	for (int i = 0; i < 50; i++)
		send_line(f, LOG_STDOUT, "a line of many");
	for (int i = 0; i < 100 && log_fwd_pending(f); i++) {
		usleep(1000);
		log_fwd_flush(f);
	}
	assert_false(log_fwd_pending(f));
	c = accept(l, NULL, NULL);
	got = read_lines(c, 50);
	int n = 0;
	for (const char *p = got; (p = strstr(p, " proj-web-1 - a line of many\n")); p++)
		n++;
	assert_int_equal(n, 50);
	assert_int_equal(log_fwd_dropped(f), 0);
	free(got);
	log_fwd_close(f);
	close(c);
	close(l);
}

/* nobody there at the first start: the start fails, naming the peer, as
 * dockerd's drivers fail it */
static void absent_peer_fails_the_start(void **state)
{
	struct cfg_logging lg = syslog_to("unixgram:///nonexistent/lxr-test.sock", NULL);
	struct cfg_logging jd = {.driver = {.v = "journald"}};
	struct log_fwd *f = NULL;
	lxr_err err;

	(void)state;
	assert_int_equal(log_fwd_open(&lg, &ids, LOG_FWD_JOURNAL, &f, &err), -1);
	assert_null(f);
	assert_non_null(strstr(err.msg, "connect /nonexistent/lxr-test.sock"));
	assert_int_equal(log_fwd_open(&jd, &ids, "/nonexistent/journal.sock", &f, &err), -1);
	assert_non_null(
	    strstr(err.msg, "logging driver journald: connect /nonexistent/journal.sock"));
	assert_non_null(strstr(err.hint, "systemd-journald"));
}

/* a datagram socket bound at path, standing in for journald */
static int journal_at(const char *path)
{
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	int l = socket(AF_UNIX, SOCK_DGRAM, 0);

	snprintf(un.sun_path, sizeof(un.sun_path), "%s", path);
	assert_int_equal(bind(l, (struct sockaddr *)&un, sizeof(un)), 0);
	return l;
}

/* a peer that goes away later: each line is dropped and counted, none
 * waits, and once it is back the lines reach it again */
static void peer_gone_then_back(void **state)
{
	char *dir = make_tmpdir();
	_cleanup_free_ char *path = lxr_xasprintf("%s/j", dir);
	struct cfg_logging jd = {.driver = {.v = "journald"}};
	int l = journal_at(path);
	struct log_fwd *f = NULL;
	char buf[4096];
	lxr_err err;

	(void)state;
	assert_int_equal(log_fwd_open(&jd, &ids, path, &f, &err), 0);
	send_line(f, LOG_STDOUT, "first");
	assert_true(recv(l, buf, sizeof(buf), MSG_DONTWAIT) > 0);
	close(l);
	unlink(path);
	for (int i = 0; i < 1000; i++)
		send_line(f, LOG_STDOUT, "lost");
	assert_int_equal(log_fwd_dropped(f), 1000);
	assert_false(log_fwd_pending(f));
	/* journald back: a second later the next line reaches it */
	l = journal_at(path);
	sleep(1);
	send_line(f, LOG_STDERR, "again");
	ssize_t n = recv(l, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(memmem(buf, (size_t)n, "again", 5));
	assert_non_null(memmem(buf, (size_t)n, "PRIORITY=3\n", 11));
	assert_non_null(memmem(buf, (size_t)n, "CONTAINER_LOG_ORDINAL=1002\n", 27));
	log_fwd_close(f);
	close(l);
	remove_tmpdir(dir);
}

/* a long line's parts (P records, then the F that ends it): one partial
 * id, ordinals 1, 2, 3, the last one says so, as dockerd's journald */
static void journald_parts_of_a_line(void **state)
{
	char *dir = make_tmpdir();
	_cleanup_free_ char *path = lxr_xasprintf("%s/j", dir);
	struct cfg_logging jd = {.driver = {.v = "journald"}};
	int l = journal_at(path);
	struct log_fwd *f = NULL;
	struct timespec t = {.tv_sec = 1795425379, .tv_nsec = 120000000};
	char buf[3][4096], id[3][80];
	lxr_err err;

	(void)state;
	assert_int_equal(log_fwd_open(&jd, &ids, path, &f, &err), 0);
	log_fwd_record(f, "web", LOG_STDOUT, &t, "aaa", 3, true);
	log_fwd_record(f, "web", LOG_STDOUT, &t, "bbb", 3, true);
	log_fwd_record(f, "web", LOG_STDOUT, &t, "c", 1, false);
	for (int i = 0; i < 3; i++) {
		ssize_t n = recv(l, buf[i], sizeof(buf[i]) - 1, MSG_DONTWAIT);
		assert_true(n > 0);
		buf[i][n] = '\0';
		const char *p = memmem(buf[i], (size_t)n, "CONTAINER_PARTIAL_ID=", 21);
		assert_non_null(p);
		snprintf(id[i], sizeof(id[i]), "%.64s", p + 21);
		char want[64];
		snprintf(want, sizeof(want), "CONTAINER_PARTIAL_ORDINAL=%d\n", i + 1);
		assert_non_null(memmem(buf[i], (size_t)n, want, strlen(want)));
		assert_non_null(memmem(buf[i], (size_t)n,
				       i < 2 ? "CONTAINER_PARTIAL_LAST=false\n"
					     : "CONTAINER_PARTIAL_LAST=true\n",
				       i < 2 ? 29 : 28));
		assert_true(!memmem(buf[i], (size_t)n, "CONTAINER_PARTIAL_MESSAGE=true", 30) ==
			    (i == 2));
		assert_non_null(
		    memmem(buf[i], (size_t)n, "SYSLOG_TIMESTAMP=2026-11-23T09:16:19.12Z\n", 40));
	}
	assert_string_equal(id[0], id[1]);
	assert_string_equal(id[1], id[2]);
	assert_int_equal(strlen(id[0]), 64);
	log_fwd_close(f);
	close(l);
	remove_tmpdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(unix_stream_newline_framed),
	    cmocka_unit_test(tcp_lines_wait_for_the_connect),
	    cmocka_unit_test(absent_peer_fails_the_start),
	    cmocka_unit_test(peer_gone_then_back),
	    cmocka_unit_test(journald_parts_of_a_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
