/* The loki sender's batches and requests against a listener in this
 * process, step by step as the supervisor's loop drives it: a batch cut
 * at loki-batch-size, lines dropped and counted while a full batch waits,
 * a 500 tried again after the backoff, a 400 dropping its batch only,
 * loki-retries counting attempts in all (0: no end), loki-timeout, a line
 * of white space never sent, a restarted container's forwarder taking
 * over what waited, and the last lines at close (a server in a child
 * process answers those). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "logtest.h"
#include "supervisor/logfwd.h"

static struct cfg_kv kvs[8];
static char url[64];
static int listener = -1;

static const struct log_fwd_ids ids = {
    .tag = {"web-1", "web-1", "proj-web-1", "", "", "img", "lxr"},
    .log_path = "/var/log/lxr/proj/web.log"};

static const char *timeout = "10s", *max_backoff = "5m", *min_backoff = "100ms";

/* a loki forwarder to the listener: batches of batch_size bytes, waiting
 * wait for more, tried again after 100 ms, retries attempts in all */
static struct log_fwd *loki(const char *batch_size, const char *wait, const char *retries)
{
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(in);
	struct cfg_logging l;
	struct log_fwd *f = NULL;
	lxr_err err;

	if (listener < 0) {
		listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_int_equal(bind(listener, (struct sockaddr *)&in, sizeof(in)), 0);
		assert_int_equal(listen(listener, 8), 0);
		assert_int_equal(getsockname(listener, (struct sockaddr *)&in, &len), 0);
		snprintf(url, sizeof(url), "http://127.0.0.1:%d/loki/api/v1/push",
			 ntohs(in.sin_port));
	}
	kvs[0] = (struct cfg_kv){.key = "loki-url", .value = url};
	kvs[1] = (struct cfg_kv){.key = "loki-batch-size", .value = (char *)batch_size};
	kvs[2] = (struct cfg_kv){.key = "loki-batch-wait", .value = (char *)wait};
	kvs[3] = (struct cfg_kv){.key = "loki-min-backoff", .value = (char *)min_backoff};
	kvs[4] = (struct cfg_kv){.key = "loki-retries", .value = (char *)retries};
	kvs[5] = (struct cfg_kv){.key = "loki-timeout", .value = (char *)timeout};
	kvs[6] = (struct cfg_kv){.key = "loki-max-backoff", .value = (char *)max_backoff};
	l = (struct cfg_logging){.driver = {.v = "loki"}, .options = {.v = kvs, .n = 7}};
	assert_int_equal(log_fwd_open(&l, &ids, LOG_FWD_JOURNAL, &f, &err), 0);
	return f;
}

static void line(struct log_fwd *f, enum log_stream st, const char *s)
{
	struct timespec t = at(0, 5);

	log_fwd_record(f, "web", st, &t, s, strlen(s), false);
}

static int64_t now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* the listener's next connection, failing the test past 2 s */
static int accept_within(void)
{
	struct pollfd p = {.fd = listener, .events = POLLIN};

	if (poll(&p, 1, 2000) != 1)
		fail_msg("no connection came");
	return accept(listener, NULL, NULL);
}

/* connections a killed server left in the backlog */
static void drain(void)
{
	struct pollfd p = {.fd = listener, .events = POLLIN};

	while (poll(&p, 1, 0) == 1)
		close(accept(listener, NULL, NULL));
}

/* the loop's turns until the listener has a connection: its request,
 * read whole (headers and Content-Length bytes of body) into got */
static int request(struct log_fwd *f, char *got, size_t size)
{
	struct pollfd p = {.fd = listener, .events = POLLIN};
	size_t len = 0;
	int c;

	for (int i = 0; i < 200 && poll(&p, 1, 0) == 0; i++) {
		log_fwd_flush(f);
		poll(&p, 1, 5);
	}
	c = accept_within();
	assert_true(c >= 0);
	for (int i = 0; i < 400 && len < size - 1; i++) {
		char *body;
		log_fwd_flush(f);
		ssize_t n = recv(c, got + len, size - 1 - len, MSG_DONTWAIT);
		if (n > 0)
			len += (size_t)n;
		got[len] = '\0';
		body = strstr(got, "\r\n\r\n");
		if (body &&
		    strlen(body + 4) >= strtoul(strcasestr(got, "Content-Length:") + 15, NULL, 10))
			return c;
		usleep(2000);
	}
	fail_msg("no whole request: [%s]", got);
	return -1;
}

/* answer with status code, then let the sender see it */
static void answer(struct log_fwd *f, int c, int code)
{
	char buf[128];
	int n = snprintf(buf, sizeof(buf), "HTTP/1.1 %d X\r\nContent-Length: 4\r\n\r\nwhy\n", code);

	assert_int_equal(send(c, buf, (size_t)n, 0), n);
	close(c);
	for (int i = 0; i < 10; i++) {
		log_fwd_flush(f);
		usleep(1000);
	}
}

static void batches_cut_at_their_size(void **state)
{
	struct log_fwd *f = loki("10", "1h", "3");
	char got[8192];
	int c;

	(void)state;
	assert_int_equal(log_fwd_pending(f), 0);
	line(f, LOG_STDOUT, "aaaa");
	line(f, LOG_STDOUT, " \t ");
	line(f, LOG_STDERR, "bbbb");
	/* a batch waits for more, an hour here */
	assert_true(log_fwd_pending(f) > now_us() + 3000000000LL);
	line(f, LOG_STDOUT, "cc\"\xff");
	assert_true(log_fwd_pending(f) <= now_us());
	c = request(f, got, sizeof(got));
	assert_non_null(strstr(got, "POST /loki/api/v1/push HTTP/1.1\r\n"));
	assert_non_null(strstr(got, "Content-Type: application/json\r\n"));
	assert_non_null(strstr(got, "\"values\":[[\"1795425379000000005\",\"aaaa\"]]"));
	assert_non_null(strstr(got, "\"source\":\"stderr\""));
	assert_non_null(strstr(got, "\"container_name\":\"proj-web-1\""));
	assert_non_null(strstr(got, "\"filename\":\"/var/log/lxr/proj/web.log\""));
	assert_null(strstr(got, "\\t"));  /* the blank line */
	assert_null(strstr(got, "\"cc")); /* the next batch's */
	answer(f, c, 204);
	/* while the answered batch went, the third line began the next */
	line(f, LOG_STDOUT, "dddddddd");
	c = request(f, got, sizeof(got));
	assert_non_null(strstr(got, "[\"1795425379000000005\",\"cc\\\"\xef\xbf\xbd\"]"));
	assert_null(strstr(got, "dddd"));
	answer(f, c, 204);
	assert_int_equal(log_fwd_dropped(f), 0);
	log_fwd_close(f); /* "dddddddd": given its second, unanswered */
	c = accept_within();
	assert_true(c >= 0);
	assert_true(recv(c, got, sizeof(got) - 1, MSG_DONTWAIT) > 0);
	close(c);
}

/* a line of n bytes of ch (malloc'd) */
static char *big(size_t n, char ch)
{
	char *b = lxr_xmalloc(n + 1);

	memset(b, ch, n);
	b[n] = '\0';
	return b;
}

/* while a request is out the next batch fills up to four times the batch
 * size (1 MiB at least), then lines are dropped */
static void full_batch_drops_and_statuses(void **state)
{
	struct log_fwd *f = loki("300000", "1h", "2");
	_cleanup_free_ char *got = lxr_xmalloc(4 << 20), *a = big(300000, 'a'),
			    *b = big(1100000, 'b'), *c3 = big(200000, 'c');
	int64_t t;
	int c;

	(void)state;
	line(f, LOG_STDOUT, a);
	c = request(f, got, 4 << 20); /* under way, unanswered */
	line(f, LOG_STDOUT, b);
	line(f, LOG_STDOUT, c3); /* no room past 1.2 MB: dropped */
	assert_int_equal(log_fwd_dropped(f), 1);
	answer(f, c, 500); /* tried again after the backoff */
	t = log_fwd_pending(f);
	/* min-backoff 100 ms: the wait is drawn from [100, 200) ms */
	assert_true(t > now_us() + 20000 && t <= now_us() + 200000);
	c = request(f, got, 4 << 20);
	assert_non_null(strstr(got, "aaaa"));
	answer(f, c, 503); /* loki-retries 2: two attempts in all */
	assert_int_equal(log_fwd_dropped(f), 2);
	c = request(f, got, 4 << 20); /* the next batch goes */
	assert_non_null(strstr(got, "bbbb"));
	assert_null(strstr(got, "\"cccc"));
	answer(f, c, 400); /* dropped at once */
	assert_int_equal(log_fwd_dropped(f), 3);
	assert_int_equal(log_fwd_pending(f), 0);
	log_fwd_close(f);
}

static void a_restart_takes_over(void **state)
{
	struct log_fwd *old = loki("1000", "1h", "3"), *f;
	char got[8192];
	int c;

	(void)state;
	line(old, LOG_STDOUT, "before-restart");
	f = loki("1000", "1ms", "3");
	log_fwd_adopt(f, old);
	log_fwd_close(old); /* nothing left to send */
	line(f, LOG_STDOUT, "after-restart");
	c = request(f, got, sizeof(got));
	assert_non_null(strstr(got, "before-restart"));
	assert_non_null(strstr(got, "after-restart"));
	answer(f, c, 204);
	assert_int_equal(log_fwd_pending(f), 0);
	log_fwd_close(f);
}

/* a server in a child process: each request's body a line of out, each
 * answered code; it ends with the listener's last connection */
static pid_t serve(int code, const char *out)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid)
		return pid;
	for (;;) {
		char got[8192];
		int c = accept(listener, NULL, NULL), n = 0;
		FILE *f = fopen(out, "a");
		if (c < 0 || !f)
			_exit(1);
		for (size_t len = 0; len < sizeof(got) - 1; len += (size_t)n) {
			n = (int)recv(c, got + len, sizeof(got) - 1 - len, 0);
			got[len + (size_t)(n > 0 ? n : 0)] = '\0';
			if (n <= 0 || (strstr(got, "\r\n\r\n") && got[len + (size_t)n - 1] == '}'))
				break;
		}
		fprintf(f, "%s\n", strstr(got, "\r\n\r\n") ? strstr(got, "\r\n\r\n") + 4 : "?");
		fclose(f);
		dprintf(c, "HTTP/1.1 %d X\r\nContent-Length: 0\r\n\r\n", code);
		close(c);
	}
}

/* close with a request out and the next batch filling: both go */
static void close_sends_the_last_lines(void **state)
{
	char *dir = make_tmpdir();
	_cleanup_free_ char *out = lxr_xasprintf("%s/got", dir);
	struct log_fwd *f = loki("4", "1h", "3");
	pid_t pid;
	char *got;

	(void)state;
	line(f, LOG_STDOUT, "aaaa"); /* a request at once */
	log_fwd_flush(f);            /* connected, maybe sent */
	line(f, LOG_STDOUT, "bb");
	pid = serve(204, out);
	log_fwd_close(f);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	drain();
	got = slurp(dir, "got");
	assert_non_null(strstr(got, "\"aaaa\""));
	assert_non_null(strstr(got, "\"bb\""));
	free(got);
	remove_tmpdir(dir);
}

/* loki-retries 0 tries for ever; loki-timeout ends a request that gets
 * no answer, which is tried again */
static void retries_and_timeout(void **state)
{
	char *dir = make_tmpdir();
	_cleanup_free_ char *out = lxr_xasprintf("%s/got", dir);
	struct log_fwd *f;
	pid_t pid = serve(500, out);
	char *got, *p;
	int tries = 0, c;

	(void)state;
	min_backoff = "1ms";
	max_backoff = "4ms";
	f = loki("1", "1h", "0");
	line(f, LOG_STDOUT, "again");
	for (int i = 0; i < 300; i++) {
		log_fwd_flush(f);
		usleep(2000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	got = slurp(dir, "got");
	for (p = got; (p = strstr(p, "\"again\"")); p++)
		tries++;
	assert_true(tries >= 15); /* well past loki-retries' default 10 */
	assert_int_equal(log_fwd_dropped(f), 0);
	free(got);
	log_fwd_close(f);
	max_backoff = "5m";
	min_backoff = "100ms";
	drain();
	/* no answer within 50 ms: tried again */
	timeout = "50ms";
	f = loki("1", "1h", "3");
	line(f, LOG_STDOUT, "slow");
	c = request(f, (char[4096]){0}, 4096);
	usleep(60000);
	log_fwd_flush(f);
	assert_true(log_fwd_pending(f) > now_us()); /* waiting out the backoff */
	close(c);
	c = request(f, (char[4096]){0}, 4096);
	answer(f, c, 204);
	assert_int_equal(log_fwd_pending(f), 0);
	log_fwd_close(f);
	timeout = "10s";
	remove_tmpdir(dir);
}

/* an answer is read as soon as it is whole, the connection left open:
 * a 204 without a body, a 200 with one, a 413 before the request is read */
static void answers_read_when_whole(void **state)
{
	static const char *const answers[] = {
	    "HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
	    "HTTP/1.1 413 Too Large\r\nContent-Length: 5\r\n\r\nlarge"};
	struct log_fwd *f = loki("1", "1h", "3");
	char got[8192];
	int c;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		line(f, LOG_STDOUT, "kept-open");
		c = request(f, got, sizeof(got));
		assert_int_equal(send(c, answers[i], strlen(answers[i]), 0), strlen(answers[i]));
		for (int k = 0; k < 100 && log_fwd_pending(f); k++) {
			log_fwd_flush(f);
			usleep(1000);
		}
		/* done with it (the 413: dropped), the peer still connected */
		assert_int_equal(log_fwd_pending(f), 0);
		close(c);
	}
	assert_int_equal(log_fwd_dropped(f), 1);
	log_fwd_close(f);
}

/* Docker Desktop's name for the host: the supervisor's loopback */
static void host_docker_internal(void **state)
{
	char saved[64], got[4096];
	struct log_fwd *f;
	int c;

	(void)state;
	log_fwd_close(loki("1", "1h", "3")); /* the listener and its url */
	snprintf(saved, sizeof(saved), "%s", url);
	snprintf(url, sizeof(url), "http://host.docker.internal%s", strchr(saved + 7, ':'));
	f = loki("1", "1h", "3");
	line(f, LOG_STDOUT, "to-the-host");
	c = request(f, got, sizeof(got));
	assert_non_null(strstr(got, "to-the-host"));
	assert_non_null(strstr(got, "Host: host.docker.internal:"));
	answer(f, c, 204);
	log_fwd_close(f);
	snprintf(url, sizeof(url), "%s", saved);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(batches_cut_at_their_size),
	    cmocka_unit_test(full_batch_drops_and_statuses),
	    cmocka_unit_test(a_restart_takes_over),
	    cmocka_unit_test(close_sends_the_last_lines),
	    cmocka_unit_test(retries_and_timeout),
	    cmocka_unit_test(answers_read_when_whole),
	    cmocka_unit_test(host_docker_internal),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);

	if (listener >= 0)
		close(listener);
	return r;
}
