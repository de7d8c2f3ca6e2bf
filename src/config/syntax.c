/* Name, address and port syntax, shared by the service keys and
 * validation. Pure string work: inet_pton is a libc parser, not a syscall. */
#include <arpa/inet.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

bool cfg_name_ok(const char *v)
{
	static const char alnum[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	return *v && strchr(alnum, *v) &&
	       strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW"
			 "XYZ0123456789_.-") == strlen(v);
}

int cfg_parse_ipv4(const char *s, uint32_t *addr)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*addr = ntohl(a.s_addr);
	return 0;
}

int cfg_parse_ipv6(const char *s, unsigned char addr[16])
{
	return inet_pton(AF_INET6, s, addr) == 1 ? 0 : -1;
}

/* "ADDR/PREFIX": ADDR into ip (iplen bytes at most), PREFIX (0..max,
 * decimal digits only) into *prefix */
static int split_cidr(const char *s, char *ip, size_t iplen, long max, int *prefix)
{
	const char *slash = strchr(s, '/');
	char *end;
	long p;

	if (!slash || (size_t)(slash - s) >= iplen || !slash[1])
		return -1;
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = 0;
	errno = 0;
	p = strtol(slash + 1, &end, 10);
	if (errno || *end || p < 0 || p > max || slash[1] < '0' || slash[1] > '9')
		return -1;
	*prefix = (int)p;
	return 0;
}

int cfg_parse_cidr6(const char *s, unsigned char addr[16], int *prefix)
{
	char ip[INET6_ADDRSTRLEN];

	if (split_cidr(s, ip, sizeof(ip), 128, prefix) < 0)
		return -1;
	return cfg_parse_ipv6(ip, addr);
}

bool cfg_ip6_in(const unsigned char a[16], const unsigned char net[16], int prefix)
{
	for (int i = 0; i < 16; i++) {
		int keep = prefix - i * 8;
		unsigned m = keep >= 8 ? 0xff : keep > 0 ? (0xff << (8 - keep)) & 0xff : 0;
		if ((a[i] & m) != (net[i] & m))
			return false;
	}
	return true;
}

long cfg_ip6_slot(const unsigned char a[16], const unsigned char net[16], int prefix)
{
	/* net_ip6_window_slot's rule: the first /112 of the subnet (all of a
	 * narrower one) */
	unsigned lo, base, size = prefix >= 112 ? 1u << (128 - prefix) : 1u << 16;

	if (!cfg_ip6_in(a, net, prefix) || memcmp(a, net, 14))
		return -1;
	lo = (unsigned)a[14] << 8 | a[15];
	base = (unsigned)net[14] << 8 | net[15];
	return lo >= base && lo - base < size ? (long)(lo - base) : -1;
}

long cfg_ip4_slot(uint32_t a, uint32_t net, int prefix)
{
	uint32_t mask = prefix ? 0xffffffffu << (32 - prefix) : 0;
	uint32_t size = prefix >= 16 ? 1u << (32 - prefix) : 1u << 16;

	if ((a & mask) != net || a - net >= size)
		return -1;
	return (long)(a - net);
}

int cfg_parse_cidr4(const char *s, uint32_t *net, int *prefix)
{
	char ip[INET_ADDRSTRLEN];

	if (split_cidr(s, ip, sizeof(ip), 32, prefix) < 0)
		return -1;
	return cfg_parse_ipv4(ip, net);
}

static int parse_port(const char *s, size_t len, int *out)
{
	int v = 0;

	if (!len || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*out = v;
	return 0;
}

/* "80" or "8000-8010"; end == start for a single port. */
int cfg_parse_port_range(const char *s, int *start, int *end)
{
	const char *dash = strchr(s, '-');

	if (!dash) {
		if (parse_port(s, strlen(s), start) < 0)
			return -1;
		*end = *start;
		return 0;
	}
	if (parse_port(s, (size_t)(dash - s), start) < 0 ||
	    parse_port(dash + 1, strlen(dash + 1), end) < 0 || *end < *start)
		return -1;
	return 0;
}

int cfg_read_mac(struct cfg_ctx *c, struct cfg_node *n, const char *key, struct cfg_str *v)
{
	unsigned b[6];
	int end = 0;

	if (cfg_scalar_empty(c, n)) /* none, as docker takes "" */
		return 0;
	if (cfg_read_str(c, n, key, v) < 0)
		return -1;
	if (!v->v)
		return 0;
	/* 02-42-ac-11-00-02 as well, as Go's net.ParseMAC reads it */
	if (strlen(v->v) == 17 && v->v[2] == '-' && strspn(v->v, "0123456789abcdefABCDEF-") == 17)
		for (char *p = v->v; *p; p++)
			*p = *p == '-' ? ':' : *p;
	if (lxr_sscanf(v->v, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		       &end) != 6 ||
	    end != 17 || v->v[end] || strspn(v->v, "0123456789abcdefABCDEF:") != 17) {
		cfg_error_hint(c, n, "six hex pairs: 02:42:ac:11:00:02",
			       "%s \"%s\" is not a MAC address", key, v->v);
		return -1;
	}
	/* the kernel refuses both on an interface (EADDRNOTAVAIL) */
	if (b[0] & 1) {
		cfg_error_hint(c, n, "the first byte must be even (02:... is a local unicast one)",
			       "%s \"%s\" is a multicast address", key, v->v);
		return -1;
	}
	if (!(b[0] | b[1] | b[2] | b[3] | b[4] | b[5])) {
		cfg_error_hint(c, n, "e.g. 02:42:ac:11:00:02", "%s \"%s\" is all zeros", key, v->v);
		return -1;
	}
	return 0;
}
