/* Kernel object names lxr derives: short, stable for the same owner, and
 * always carrying lxr's prefix so lxr never mistakes another link for its
 * own (and the alias check below it makes sure). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "net/net_internal.h"

static uint32_t fnv(uint32_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return (h ^ 0xff) * 16777619u; /* separator: ("ab","c") != ("a","bc") */
}

void net_link_name(char *buf, const char *prefix, const char *key, unsigned salt)
{
	char s[16];
	uint32_t h;

	snprintf(s, sizeof(s), "%u", salt);
	h = fnv(fnv(2166136261u, key), s);
	/* "lxr-" + 8 = 12, "lxr" + 8 = 11: both under IFNAMSIZ - 1 (15) */
	snprintf(buf, IFNAMSIZ, "%s%08x", prefix, h);
}

void net_link_mark(unsigned char mac[6], const char *name)
{
	uint32_t h = fnv(fnv(2166136261u, "lxr-mark"), name);

	/* 02: locally administered, unicast; 6c: 'l' */
	mac[0] = 0x02;
	mac[1] = 0x6c;
	for (int i = 0; i < 4; i++)
		mac[2 + i] = (unsigned char)(h >> (24 - 8 * i));
}

void net_chain_prefix(char *buf, size_t len, const char *run_dir, const char *project)
{
	/* nft identifiers: a letter first, then letters, digits, '_' */
	snprintf(buf, len, "p%08x", fnv(fnv(2166136261u, run_dir), project));
}

char *net_link_alias(const char *project, const char *name)
{
	return lxr_xasprintf("lxr:%s/%s", project, name);
}
