/* Address and port syntax, shared by the service keys and validation. Pure
 * string work: inet_pton is a libc parser, not a syscall. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/internal.h"

int cfg_parse_ipv4(const char *s, uint32_t *addr)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*addr = ntohl(a.s_addr);
	return 0;
}

int cfg_parse_cidr4(const char *s, uint32_t *net, int *prefix)
{
	const char *slash = strchr(s, '/');
	char ip[INET_ADDRSTRLEN];
	char *end;
	long p;

	if (!slash || (size_t)(slash - s) >= sizeof(ip) || !slash[1])
		return -1;
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = 0;
	errno = 0;
	p = strtol(slash + 1, &end, 10);
	if (errno || *end || p < 0 || p > 32 || slash[1] < '0' || slash[1] > '9')
		return -1;
	if (cfg_parse_ipv4(ip, net) < 0)
		return -1;
	*prefix = (int)p;
	return 0;
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
