/* IPv4 addresses, subnets, the subnet pool and docker's -p syntax: text in,
 * numbers out, nothing touched. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lxr/net.h"
#include "lxr/plan.h"

static uint32_t mask_of(int prefix)
{
	return prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffffu : ~((1u << (32 - prefix)) - 1);
}

int net_ip_parse(const char *s, uint32_t *out, lxr_err *err)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return lxr_fail(err, EINVAL, "\"%s\" is not an IPv4 address", s);
	*out = ntohl(a.s_addr);
	return 0;
}

const char *net_ip_str(uint32_t ip, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
	return buf;
}

const char *net_subnet_str(const struct lxr_subnet *s, char *buf)
{
	char ip[16];
	snprintf(buf, 19, "%s/%d", net_ip_str(s->addr, ip), s->prefix);
	return buf;
}

int net_subnet_parse(const char *s, struct lxr_subnet *out, lxr_err *err)
{
	_cleanup_free_ char *copy = lxr_xstrdup(s);
	char *slash = strchr(copy, '/'), *end;
	long p;

	if (!slash)
		return lxr_fail(err, EINVAL, "subnet \"%s\": expected ADDRESS/PREFIX", s);
	*slash = '\0';
	errno = 0;
	p = strtol(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end || p < 8 || p > 30)
		return lxr_fail(err, EINVAL, "subnet \"%s\": prefix must be 8 to 30", s);
	if (net_ip_parse(copy, &out->addr, err) < 0)
		return lxr_err_wrap(err, "subnet \"%s\"", s);
	out->prefix = (int)p;
	if (out->addr & ~mask_of(out->prefix)) {
		char buf[19];
		struct lxr_subnet fixed = {out->addr & mask_of(out->prefix), out->prefix};
		return lxr_fail(err, EINVAL, "subnet \"%s\": host bits set", s),
		       lxr_err_hint(err, "did you mean %s?", net_subnet_str(&fixed, buf));
	}
	return 0;
}

/* Beyond a /16 the window stops growing (a /8 has 2^24 addresses; the
 * allocator keeps a byte and a few links per address), as an IPv6
 * subnet's beyond a /112 (addr6.c). */
#define WINDOW4_PREFIX 16

uint32_t net_ip_window_size(const struct lxr_subnet *s)
{
	return 1u << (32 - (s->prefix >= WINDOW4_PREFIX ? s->prefix : WINDOW4_PREFIX));
}

bool net_subnet_overlaps(const struct lxr_subnet *a, const struct lxr_subnet *b)
{
	uint32_t m = mask_of(a->prefix < b->prefix ? a->prefix : b->prefix);
	return (a->addr & m) == (b->addr & m);
}

void net_pool_default(struct lxr_net_pool *pool)
{
	uint32_t addr;
	int prefix, size;

	/* lxr.conf [network], else 10.89.0.0/16 in /24s */
	lxr_net_pool_conf(&addr, &prefix, &size);
	pool->range.addr = prefix ? addr : (10u << 24) | (89u << 16);
	pool->range.prefix = prefix ? prefix : 16;
	pool->size = size ? size : 24;
	if (pool->size < pool->range.prefix)
		pool->size = pool->range.prefix;
}

int net_pool_pick(const struct lxr_net_pool *pool, const struct lxr_subnet *used, size_t n,
		  struct lxr_subnet *out, lxr_err *err)
{
	char buf[19];
	uint64_t count, step;

	if (pool->size < pool->range.prefix || pool->size > 30)
		return lxr_fail(err, EINVAL, "network pool %s: block size /%d does not fit",
				net_subnet_str(&pool->range, buf), pool->size);
	count = 1ull << (pool->size - pool->range.prefix);
	step = 1ull << (32 - pool->size);
	for (uint64_t i = 0; i < count; i++) {
		struct lxr_subnet c = {pool->range.addr + (uint32_t)(i * step), pool->size};
		size_t j;
		for (j = 0; j < n; j++)
			if (net_subnet_overlaps(&c, &used[j]))
				break;
		if (j == n) {
			*out = c;
			return 0;
		}
	}
	return lxr_fail(err, ENOSPC, "network pool %s: every /%d is in use or routed on the host",
			net_subnet_str(&pool->range, buf), pool->size),
	       lxr_err_hint(err, "remove unused networks, or give the network an explicit "
				 "subnet (ipam.config)");
}

static int parse_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	char *end;
	unsigned long a, b;

	errno = 0;
	a = strtoul(s, &end, 10);
	if (errno || end == s || a < 1 || a > 65535)
		return -1;
	b = a;
	if (*end == '-') {
		const char *t = end + 1;
		b = strtoul(t, &end, 10);
		if (errno || end == t || b < a || b > 65535)
			return -1;
	}
	if (*end)
		return -1;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

int net_port_parse(const char *s, struct lxr_port *out, lxr_err *err)
{
	_cleanup_free_ char *copy = lxr_xstrdup(s);
	char *proto = strchr(copy, '/'), *cport, *hport, *ip = NULL;

	memset(out, 0, sizeof(*out));
	if (proto) {
		*proto++ = '\0';
		if (!strcmp(proto, "udp"))
			out->udp = true;
		else if (strcmp(proto, "tcp"))
			return lxr_fail(err, 0, "-p \"%s\": protocol must be tcp or udp", s);
	}
	cport = strrchr(copy, ':');
	if (!cport) {
		cport = copy; /* CPORT alone: a host port is picked */
		hport = NULL;
	} else {
		*cport++ = '\0';
		hport = strrchr(copy, ':');
		if (hport) {
			*hport++ = '\0';
			ip = copy;
		} else {
			hport = copy;
		}
	}
	/* "[v6]:HOST:CPORT": the networks `lxr run` makes have no IPv6 */
	if (ip && *ip == '[')
		return lxr_fail(err, EINVAL, "-p \"%s\": lxr run's networks have no IPv6", s),
		       lxr_err_hint(err, "publish on an IPv4 address or on all of them; IPv6 "
					 "host addresses need a stack network with enable_ipv6");
	if (ip && *ip && net_ip_parse(ip, &out->host_ip, err) < 0)
		return lxr_err_wrap(err, "-p \"%s\"", s);
	out->v4_only = ip && *ip && !out->host_ip;
	if (parse_range(cport, &out->ctr_port, &out->ctr_end) < 0 ||
	    (hport && *hport && parse_range(hport, &out->host_port, &out->host_end) < 0))
		return lxr_fail(err, 0, "-p \"%s\": ports are 1-65535, ranges LOW-HIGH", s);
	if (!hport || !*hport) /* IP::CPORT */
		return 0;
	/* one container port and a host range: the first free host port of
	 * it is published (net_ports_free), as docker does */
	if (out->host_end - out->host_port != out->ctr_end - out->ctr_port &&
	    out->ctr_end != out->ctr_port)
		return lxr_fail(err, 0, "-p \"%s\": host and container ranges differ in length", s),
		       lxr_err_hint(err, "give ranges of one length, or one container port to "
					 "publish on the first free host port of the range");
	return 0;
}

int net_ports_from_plan(const struct plan_endpoint *ep, struct lxr_port **out, lxr_err *err)
{
	*out = lxr_xcalloc(ep->n_ports ? ep->n_ports : 1, sizeof(**out));
	for (size_t i = 0; i < ep->n_ports; i++) {
		const struct plan_port *p = &ep->ports[i];
		struct lxr_port *q = &(*out)[i];

		if (p->host_ip && strchr(p->host_ip, ':')) {
			if (net_ip6_parse(p->host_ip, &q->host_ip6, err) < 0)
				return lxr_err_wrap(err, "port host address");
			q->host_v6 = true;
		} else if (p->host_ip && net_ip_parse(p->host_ip, &q->host_ip, err) < 0) {
			return lxr_err_wrap(err, "port host address");
		}
		q->v4_only = p->host_ip && !q->host_v6 && !q->host_ip;
		q->host_port = p->host_port;
		q->host_end = p->host_end;
		q->ctr_port = p->ctr_port;
		q->ctr_end = p->ctr_end;
		q->udp = p->udp;
	}
	return 0;
}
