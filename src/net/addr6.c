/* IPv6 addresses and subnets, the window of a subnet the allocator hands
 * out, and the ULA /64 of a network given no IPv6 subnet: text in, numbers
 * out, nothing touched. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lxr/net.h"

/* Beyond a /112 the window stops growing: the allocator keeps a byte and
 * a few links per address, and 65536 containers fill no bridge. */
#define WINDOW_PREFIX 112

int net_ip6_parse(const char *s, struct lxr_ip6 *out, lxr_err *err)
{
	if (!s || inet_pton(AF_INET6, s, out->b) != 1)
		return lxr_fail(err, EINVAL, "\"%s\" is not an IPv6 address", s ? s : "");
	return 0;
}

const char *net_ip6_str(const struct lxr_ip6 *ip, char *buf)
{
	if (!inet_ntop(AF_INET6, ip->b, buf, NET_IP6_STRLEN))
		snprintf(buf, NET_IP6_STRLEN, "::");
	return buf;
}

const char *net_subnet6_str(const struct lxr_subnet6 *s, char *buf)
{
	char ip[NET_IP6_STRLEN];

	snprintf(buf, NET_SUBNET6_STRLEN, "%s/%d", net_ip6_str(&s->addr, ip), s->prefix);
	return buf;
}

static bool same_prefix(const struct lxr_ip6 *a, const struct lxr_ip6 *b, int prefix)
{
	int bytes = prefix / 8, bits = prefix % 8;

	if (memcmp(a->b, b->b, (size_t)bytes))
		return false;
	if (!bits)
		return true;
	uint8_t m = (uint8_t)(0xff << (8 - bits));
	return (a->b[bytes] & m) == (b->b[bytes] & m);
}

int net_subnet6_parse(const char *s, struct lxr_subnet6 *out, lxr_err *err)
{
	_cleanup_free_ char *copy = lxr_xstrdup(s);
	char *slash = strchr(copy, '/'), *end;
	struct lxr_ip6 masked;
	long p;

	if (!slash)
		return lxr_fail(err, EINVAL, "subnet \"%s\": expected ADDRESS/PREFIX", s);
	*slash = '\0';
	errno = 0;
	p = strtol(slash + 1, &end, 10);
	/* a /127 or /128 has no room for a gateway and a container */
	if (errno || end == slash + 1 || *end || p < 1 || p > 126)
		return lxr_fail(err, EINVAL, "subnet \"%s\": prefix must be 1 to 126", s);
	if (net_ip6_parse(copy, &out->addr, err) < 0)
		return lxr_err_wrap(err, "subnet \"%s\"", s);
	out->prefix = (int)p;
	memset(&masked, 0, sizeof(masked));
	for (int i = 0; i < 16; i++) {
		int keep = out->prefix - i * 8;
		masked.b[i] = keep >= 8  ? out->addr.b[i]
			      : keep > 0 ? (uint8_t)(out->addr.b[i] & (0xff << (8 - keep)))
					 : 0;
	}
	if (memcmp(&masked, &out->addr, sizeof(masked))) {
		char buf[NET_SUBNET6_STRLEN];
		struct lxr_subnet6 fixed = {masked, out->prefix};
		return lxr_fail(err, EINVAL, "subnet \"%s\": host bits set", s),
		       lxr_err_hint(err, "did you mean %s?", net_subnet6_str(&fixed, buf));
	}
	return 0;
}

bool net_subnet6_overlaps(const struct lxr_subnet6 *a, const struct lxr_subnet6 *b)
{
	return same_prefix(&a->addr, &b->addr, a->prefix < b->prefix ? a->prefix : b->prefix);
}

bool net_ip6_in(const struct lxr_ip6 *ip, const struct lxr_subnet6 *s)
{
	return same_prefix(ip, &s->addr, s->prefix);
}

bool net_ip6_eq(const struct lxr_ip6 *a, const struct lxr_ip6 *b)
{
	return !memcmp(a->b, b->b, 16);
}

uint32_t net_ip6_window_size(const struct lxr_subnet6 *s)
{
	return s->prefix >= WINDOW_PREFIX ? 1u << (128 - s->prefix) : 1u << (128 - WINDOW_PREFIX);
}

uint32_t net_ip6_window_slot(const struct lxr_subnet6 *s, const struct lxr_ip6 *ip)
{
	uint32_t lo, base;

	/* the window is the first /112 (or the whole subnet): every byte but
	 * the last two is the subnet's */
	if (!net_ip6_in(ip, s) || memcmp(ip->b, s->addr.b, 14))
		return 0;
	lo = (uint32_t)ip->b[14] << 8 | ip->b[15];
	base = (uint32_t)s->addr.b[14] << 8 | s->addr.b[15];
	if (lo < base || lo - base >= net_ip6_window_size(s))
		return 0;
	return lo - base + 1;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

int net_pool6_pick(const char *seed, const struct lxr_subnet6 *used, size_t n,
		   struct lxr_subnet6 *out, lxr_err *err)
{
	uint64_t h = fnv1a(seed ? seed : "lxr");
	struct lxr_subnet6 c = {.prefix = 64};

	/* RFC 4193: fd00::/8 and a 40-bit global ID, here from the host's id,
	 * so two hosts' stacks are unlikely to collide when routed together */
	c.addr.b[0] = 0xfd;
	for (int i = 1; i <= 5; i++)
		c.addr.b[i] = (uint8_t)(h >> (8 * (i - 1)));
	for (uint32_t sub = 0; sub < 65536; sub++) {
		size_t j;
		c.addr.b[6] = (uint8_t)(sub >> 8);
		c.addr.b[7] = (uint8_t)sub;
		for (j = 0; j < n; j++)
			if (net_subnet6_overlaps(&c, &used[j]))
				break;
		if (j == n) {
			*out = c;
			return 0;
		}
	}
	return lxr_fail(err, ENOSPC, "no free IPv6 /64 left in the ULA prefix"),
	       lxr_err_hint(err, "give the network an IPv6 subnet (ipam.config)");
}

int net_mac_parse(const char *s, unsigned char mac[6])
{
	unsigned v[6];
	char sep = s[2], tail;

	if ((sep != ':' && sep != '-') || strlen(s) != 17)
		return -1;
	for (int i = 0; i < 6; i++) {
		const char *p = s + i * 3;
		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) ||
		    (i < 5 && p[2] != sep) || lxr_sscanf(p, "%2x%c", &v[i], &tail) < 1)
			return -1;
		mac[i] = (unsigned char)v[i];
	}
	return 0;
}
