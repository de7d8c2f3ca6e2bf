/* A host name to one address, for the one place lxr resolves a name
 * itself: an NFS volume's addr= (the kernel's NFS client takes only an
 * address, and docker's local driver resolves a name there first). The
 * host's /etc/hosts, then the nameservers of its /etc/resolv.conf over UDP,
 * IPv4 before IPv6 — the "files dns" that nearly every host's nsswitch.conf
 * says. Not glibc's getaddrinfo: in the static lxr it would dlopen whatever
 * NSS modules the host lists (another glibc's libnss_mdns4 cannot load into
 * it), and it brought 110 KB of resolver into that binary. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "net/net_internal.h"

#define DNS_A    1
#define DNS_AAAA 28
#define DNS_IN   1

size_t net_dns_query(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t type)
{
	size_t n = 12, len = strlen(name);

	if (len && name[len - 1] == '.')
		len--;
	/* labels of 1-63 bytes, 255 in all on the wire */
	if (len == 0 || len > 253 || cap < 12 + len + 2 + 4)
		return 0;
	memset(buf, 0, 12);
	buf[0] = (uint8_t)(id >> 8);
	buf[1] = (uint8_t)id;
	buf[2] = 0x01; /* RD: the nameserver recurses */
	buf[5] = 1;    /* one question */
	for (size_t i = 0; i < len;) {
		size_t l = strcspn(name + i, ".");
		if (l == 0 || l > 63 || i + l > len)
			return 0;
		buf[n++] = (uint8_t)l;
		memcpy(buf + n, name + i, l);
		n += l;
		i += l + 1;
	}
	buf[n++] = 0;
	buf[n++] = (uint8_t)(type >> 8);
	buf[n++] = (uint8_t)type;
	buf[n++] = 0;
	buf[n++] = DNS_IN;
	return n;
}

/* Past the name at off (labels, or a compression pointer); 0 if it runs
 * off the message. */
static size_t skip_name(const uint8_t *b, size_t n, size_t off)
{
	while (off < n) {
		uint8_t l = b[off];
		if ((l & 0xc0) == 0xc0)
			return off + 2 <= n ? off + 2 : 0;
		if (l & 0xc0)
			return 0;
		off += 1u + l;
		if (l == 0)
			return off;
	}
	return 0;
}

int net_dns_answer(const uint8_t *b, size_t n, uint16_t id, uint16_t type, void *addr)
{
	size_t off = 12, want = type == DNS_A ? 4 : 16;
	unsigned qd, an;

	if (n < 12 || ((b[0] << 8) | b[1]) != id || !(b[2] & 0x80))
		return -EIO; /* not the answer to this question */
	if ((b[3] & 0x0f) == 3)
		return -ENOENT; /* NXDOMAIN: no such name, of any type */
	if (b[3] & 0x0f)
		return -EIO; /* SERVFAIL, REFUSED...: ask the next nameserver */
	qd = (unsigned)(b[4] << 8 | b[5]);
	an = (unsigned)(b[6] << 8 | b[7]);
	for (unsigned i = 0; i < qd; i++)
		if (!(off = skip_name(b, n, off)) || (off += 4) > n)
			return -EIO;
	/* a CNAME comes first with the address records of its target after
	 * it: the first record of the type asked is the answer */
	for (unsigned i = 0; i < an; i++) {
		unsigned rtype, rclass, rdlen;
		if (!(off = skip_name(b, n, off)) || off + 10 > n)
			return -EIO;
		rtype = (unsigned)(b[off] << 8 | b[off + 1]);
		rclass = (unsigned)(b[off + 2] << 8 | b[off + 3]);
		rdlen = (unsigned)(b[off + 8] << 8 | b[off + 9]);
		off += 10;
		if (off + rdlen > n)
			return -EIO;
		if (rtype == type && rclass == DNS_IN && rdlen == want) {
			memcpy(addr, b + off, want);
			return 1;
		}
		off += rdlen;
	}
	return 0;
}

/* name in a hosts file: the first IPv4 address, else the first IPv6 one */
static bool hosts_lookup(const char *path, const char *name, char *out, size_t len)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[1024], v6[INET6_ADDRSTRLEN] = "";
	struct in6_addr probe;

	while (f && fgets(line, sizeof(line), f)) {
		char *save = NULL, *addr;
		line[strcspn(line, "#\n")] = 0;
		if (!(addr = strtok_r(line, " \t", &save)))
			continue;
		for (char *h = strtok_r(NULL, " \t", &save); h; h = strtok_r(NULL, " \t", &save)) {
			if (strcasecmp(h, name))
				continue;
			if (inet_pton(AF_INET, addr, &probe) == 1) {
				snprintf(out, len, "%s", addr);
				return true;
			}
			if (!v6[0] && inet_pton(AF_INET6, addr, &probe) == 1)
				snprintf(v6, sizeof(v6), "%s", addr);
		}
	}
	if (v6[0])
		snprintf(out, len, "%s", v6);
	return v6[0] != 0;
}

struct resolv {
	char ns[3][INET6_ADDRSTRLEN];
	size_t n_ns;
	char **search;
	unsigned ndots;
};

static void resolv_read(const char *path, struct resolv *rc)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[1024];

	memset(rc, 0, sizeof(*rc));
	rc->ndots = 1;
	while (f && fgets(line, sizeof(line), f)) {
		char *save = NULL, *key, *v;
		line[strcspn(line, "#;\n")] = 0;
		if (!(key = strtok_r(line, " \t", &save)))
			continue;
		if (!strcmp(key, "nameserver") && (v = strtok_r(NULL, " \t", &save)) &&
		    rc->n_ns < 3)
			snprintf(rc->ns[rc->n_ns++], sizeof(rc->ns[0]), "%s", v);
		else if (!strcmp(key, "search") || !strcmp(key, "domain")) {
			/* the last of these lines counts */
			lxr_strv_free(rc->search);
			rc->search = NULL;
			while ((v = strtok_r(NULL, " \t", &save)))
				lxr_strv_push(&rc->search, lxr_xstrdup(v));
		} else if (!strcmp(key, "options")) {
			while ((v = strtok_r(NULL, " \t", &save)))
				if (!strncmp(v, "ndots:", 6))
					rc->ndots = (unsigned)atoi(v + 6);
		}
	}
	/* resolv.conf(5): none listed means the local one */
	if (!rc->n_ns)
		snprintf(rc->ns[rc->n_ns++], sizeof(rc->ns[0]), "127.0.0.1");
}

/* One question to one nameserver: 1 (addr set), 0 (no such record),
 * -ENOENT (no such name), -EIO or -ETIMEDOUT (ask another). */
static int dns_ask(const char *server, unsigned short port, int timeout_ms, const char *name,
		   uint16_t type, void *addr)
{
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = htons(port)};
	bool v6 = inet_pton(AF_INET6, server, &s6.sin6_addr) == 1;
	uint8_t q[300], a[1500];
	uint16_t id;
	size_t qn;
	_cleanup_close_ int fd = -1;

	if (!v6 && inet_pton(AF_INET, server, &s4.sin_addr) != 1)
		return -EIO;
	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		return -EIO;
	if (!(qn = net_dns_query(q, sizeof(q), id, name, type)))
		return -ENOENT; /* not a name DNS can carry */
	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	/* connected: replies from anywhere but the server are not read */
	if (fd < 0 ||
	    connect(fd, v6 ? (struct sockaddr *)&s6 : (struct sockaddr *)&s4,
		    v6 ? sizeof(s6) : sizeof(s4)) < 0 ||
	    send(fd, q, qn, 0) != (ssize_t)qn)
		return -EIO;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, timeout_ms);
		ssize_t n;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -ETIMEDOUT;
		if ((n = recv(fd, a, sizeof(a), 0)) < 0)
			return -EIO;
		r = net_dns_answer(a, (size_t)n, id, type, addr);
		if (r != -EIO || (n >= 2 && ((a[0] << 8) | a[1]) == id))
			return r;
		/* a stray datagram (an older question's answer): keep waiting */
	}
}

/* name asked of every nameserver until one answers: A, then AAAA */
static int dns_lookup(const struct resolv *rc, const struct net_resolver *o, const char *name,
		      char *out, size_t len)
{
	static const uint16_t types[] = {DNS_A, DNS_AAAA};
	int last = -EIO;

	for (size_t t = 0; t < 2; t++) {
		unsigned char addr[16];
		int r = -EIO;
		for (int round = 0; round < 2 && (r == -EIO || r == -ETIMEDOUT); round++)
			for (size_t s = 0; s < rc->n_ns && (r == -EIO || r == -ETIMEDOUT); s++)
				r = dns_ask(rc->ns[s], o->port, o->timeout_ms, name, types[t],
					    addr);
		if (r == 1)
			return inet_ntop(types[t] == DNS_A ? AF_INET : AF_INET6, addr, out,
					 (socklen_t)len)
				   ? 0
				   : -EIO;
		if (r == -ENOENT)
			return r; /* no such name: no AAAA either */
		last = r == 0 ? -ENOENT : r;
	}
	return last;
}

int net_resolve_with(const struct net_resolver *o, const char *name, char *out, size_t len,
		     lxr_err *err)
{
	struct resolv rc;
	size_t dots = 0;
	int r = -ENOENT;
	char **cand = NULL;

	if (!name[0])
		return lxr_fail(err, EINVAL, "an empty host name");
	if (hosts_lookup(o->hosts_path, name, out, len))
		return 0;
	resolv_read(o->resolv_path, &rc);
	for (const char *p = name; *p; p++)
		dots += *p == '.';
	/* resolv.conf(5): a name with ndots dots or more is tried as it is
	 * first; one ending in a dot only as it is */
	if (dots >= rc.ndots || name[strlen(name) - 1] == '.')
		lxr_strv_push(&cand, lxr_xstrdup(name));
	for (size_t i = 0; rc.search && rc.search[i] && name[strlen(name) - 1] != '.'; i++)
		lxr_strv_push(&cand, lxr_xasprintf("%s.%s", name, rc.search[i]));
	if (dots < rc.ndots)
		lxr_strv_push(&cand, lxr_xstrdup(name));
	for (size_t i = 0; cand && cand[i] && r != 0; i++) {
		int c = dns_lookup(&rc, o, cand[i], out, len);
		/* a nameserver that failed outranks "no such name" */
		r = c == 0 ? 0 : r == -ENOENT ? c : r;
	}
	lxr_strv_free(cand);
	lxr_strv_free(rc.search);
	if (r == -ENOENT)
		return lxr_fail(err, EHOSTUNREACH, "no such host in %s or DNS", o->hosts_path);
	if (r < 0)
		return lxr_fail(err, -r, "no answer from the nameservers of %s", o->resolv_path);
	return 0;
}

int net_resolve_host(const char *name, char *out, size_t len, lxr_err *err)
{
	const struct net_resolver o = {"/etc/hosts", "/etc/resolv.conf", 53, 2000};

	return net_resolve_with(&o, name, out, len, err);
}
