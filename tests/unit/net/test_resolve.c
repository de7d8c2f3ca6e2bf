/* Host names for NFS volumes' addr=: DNS questions and answers as bytes,
 * /etc/hosts, and a whole lookup against a nameserver played by a child
 * process on the loopback (resolv.conf's search list and ndots included);
 * no root and no network needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "net/net_internal.h"

static void question_bytes(void **state)
{
	uint8_t b[300];
	const uint8_t want[] = {0x12, 0x34, 0x01, 0,   0,   1,   0,   0,   0,   0,   0,
				0,    2,    'd',  'b', 7,   'e', 'x', 'a', 'm', 'p', 'l',
				'e',  3,    'c',  'o', 'm', 0,   0,   28,  0,   1};
	char long_label[80];

	assert_int_equal(net_dns_query(b, sizeof(b), 0x1234, "db.example.com.", 28), sizeof(want));
	assert_memory_equal(b, want, sizeof(want));
	memset(long_label, 'a', 64);
	long_label[64] = 0;
	assert_int_equal(net_dns_query(b, sizeof(b), 1, long_label, 1), 0);
	assert_int_equal(net_dns_query(b, sizeof(b), 1, "a..b", 1), 0);
	assert_int_equal(net_dns_query(b, sizeof(b), 1, "", 1), 0);
	assert_int_equal(net_dns_query(b, 20, 1, "db.example.com", 1), 0);
}

/* An answer to question q (qn bytes): rcode, then records of (type,
 * rdata) each named by a pointer to the question's name. */
static size_t answer(uint8_t *b, const uint8_t *q, size_t qn, int rcode, int n, const int *types,
		     const char *const *rdata)
{
	size_t off = qn;

	memcpy(b, q, qn);
	b[2] = 0x81;
	b[3] = (uint8_t)(0x80 | rcode);
	b[7] = (uint8_t)n;
	for (int i = 0; i < n; i++) {
		uint8_t rd[16];
		size_t len = types[i] == 1 ? 4 : types[i] == 28 ? 16 : strlen(rdata[i]);
		if (types[i] == 1)
			inet_pton(AF_INET, rdata[i], rd);
		else if (types[i] == 28)
			inet_pton(AF_INET6, rdata[i], rd);
		else
			memcpy(rd, rdata[i], len);
		const uint8_t rr[] = {0xc0, 12, 0, (uint8_t)types[i], 0, 1, 0, 0,
				      0,    60, 0, (uint8_t)len};
		memcpy(b + off, rr, sizeof(rr));
		memcpy(b + off + sizeof(rr), rd, len);
		off += sizeof(rr) + len;
	}
	return off;
}

static void answers_read(void **state)
{
	uint8_t q[300], a[600];
	unsigned char addr[16];
	size_t qn = net_dns_query(q, sizeof(q), 0xbeef, "nfs.example", 1), n;
	const int cname_then_a[] = {5, 1};
	const char *const rd[] = {"\x03"
				  "foo\0",
				  "192.0.2.9"};
	char text[INET6_ADDRSTRLEN];

	n = answer(a, q, qn, 0, 2, cname_then_a, rd);
	assert_int_equal(net_dns_answer(a, n, 0xbeef, 1, addr), 1);
	assert_string_equal(inet_ntop(AF_INET, addr, text, sizeof(text)), "192.0.2.9");
	/* another question's answer, a cut one, one without the type asked */
	assert_int_equal(net_dns_answer(a, n, 0xbeee, 1, addr), -EIO);
	assert_int_equal(net_dns_answer(a, n - 3, 0xbeef, 1, addr), -EIO);
	assert_int_equal(net_dns_answer(a, n, 0xbeef, 28, addr), 0);
	n = answer(a, q, qn, 3, 0, NULL, NULL);
	assert_int_equal(net_dns_answer(a, n, 0xbeef, 1, addr), -ENOENT);
	n = answer(a, q, qn, 2, 0, NULL, NULL);
	assert_int_equal(net_dns_answer(a, n, 0xbeef, 1, addr), -EIO);
	/* a compression pointer running off the end */
	n = answer(a, q, qn, 0, 2, cname_then_a, rd);
	a[qn + 1] = 0xff;
	a[qn] = 0xc3;
	assert_true(net_dns_answer(a, qn + 1, 0xbeef, 1, addr) < 0);
}

static char dir[64];

static char *write_file(const char *name, const char *text)
{
	char *p = lxr_xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return p;
}

/* The nameserver: answers A questions for the names it knows, NXDOMAIN for
 * the rest, until killed. */
static void serve(int fd)
{
	static const struct {
		const char *name, *ip;
	} known[] = {{"srv.lan", "192.0.2.7"}, {"short.corp.example", "192.0.2.8"}};

	for (;;) {
		uint8_t q[512], a[600];
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
		char name[256] = "";
		size_t off = 12, qn;
		if (n < 17)
			continue;
		while (off < (size_t)n && q[off]) {
			strncat(name, (char *)q + off + 1, q[off]);
			off += 1u + q[off];
			if (q[off])
				strcat(name, ".");
		}
		qn = off + 5;
		int rcode = 3, cnt = 0, type = q[off + 2];
		const int types[] = {1};
		const char *rd[1] = {NULL};
		for (size_t i = 0; i < 2; i++)
			if (!strcmp(name, known[i].name)) {
				rcode = 0;
				if (type == 1) {
					cnt = 1;
					rd[0] = known[i].ip;
				}
			}
		size_t an = answer(a, q, qn, rcode, cnt, types, rd);
		sendto(fd, a, an, 0, (struct sockaddr *)&from, fl);
	}
}

static void whole_lookups(void **state)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	char out[INET6_ADDRSTRLEN];
	lxr_err err;
	pid_t pid;

	snprintf(dir, sizeof(dir), "/tmp/lxr-resolve.XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	pid = fork();
	if (pid == 0)
		serve(fd);
	close(fd);
	char *hosts = write_file("hosts", "# comment\n10.1.2.3 nfs1 nfs1.lan # the filer\n"
					  "fd00::5 Only6\n127.0.0.1 localhost\n");
	char *resolv = write_file("resolv.conf", "nameserver 127.0.0.1\nsearch corp.example\n");
	struct net_resolver o = {hosts, resolv, ntohs(sa.sin_port), 1000};

	assert_int_equal(net_resolve_with(&o, "nfs1.lan", out, sizeof(out), &err), 0);
	assert_string_equal(out, "10.1.2.3");
	assert_int_equal(net_resolve_with(&o, "only6", out, sizeof(out), &err), 0);
	assert_string_equal(out, "fd00::5");
	assert_int_equal(net_resolve_with(&o, "srv.lan", out, sizeof(out), &err), 0);
	assert_string_equal(out, "192.0.2.7");
	/* no dot: the search list first */
	assert_int_equal(net_resolve_with(&o, "short", out, sizeof(out), &err), 0);
	assert_string_equal(out, "192.0.2.8");
	assert_int_equal(net_resolve_with(&o, "nothere.lan", out, sizeof(out), &err), -1);
	assert_int_equal(err.errnum, EHOSTUNREACH);
	assert_non_null(strstr(err.msg, "no such host"));

	/* a nameserver that is not there: an error saying so, in time */
	char *dead = write_file("dead.conf", "nameserver 127.0.0.1\n");
	struct net_resolver d = {hosts, dead, 1, 200};
	assert_int_equal(net_resolve_with(&d, "srv.lan", out, sizeof(out), &err), -1);
	assert_non_null(strstr(err.msg, "no answer from the nameservers"));

	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	unlink(hosts);
	unlink(resolv);
	unlink(dead);
	rmdir(dir);
	free(hosts);
	free(resolv);
	free(dead);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(question_bytes),
	    cmocka_unit_test(answers_read),
	    cmocka_unit_test(whole_lookups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
