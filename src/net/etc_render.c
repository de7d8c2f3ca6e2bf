/* The /etc/hosts and /etc/resolv.conf a networked container sees. Pure text
 * in, text out; the endpoint code writes them and the runtime binds them. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "lxr/net.h"

char *net_hosts_render(const struct lxr_host_entry *e, size_t n)
{
	char *buf = NULL, ip[NET_IP6_STRLEN];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	fputs("127.0.0.1\tlocalhost\n"
	      "::1\tlocalhost ip6-localhost ip6-loopback\n"
	      "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\n"
	      "ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n",
	      f);
	for (size_t i = 0; i < n; i++) {
		if (!e[i].names || !e[i].names[0])
			continue;
		fputs(net_ip_str(e[i].ip, ip), f);
		for (size_t j = 0; e[i].names[j]; j++)
			fprintf(f, "%c%s", j ? ' ' : '\t', e[i].names[j]);
		fputc('\n', f);
		/* docker writes a dual-stack container's names once per address */
		if (!e[i].ip6)
			continue;
		fputs(net_ip6_str(e[i].ip6, ip), f);
		for (size_t j = 0; e[i].names[j]; j++)
			fprintf(f, "%c%s", j ? ' ' : '\t', e[i].names[j]);
		fputc('\n', f);
	}
	fclose(f);
	return buf;
}

static bool loopback_ns(const char *addr)
{
	return lxr_str_has_prefix(addr, "127.") || !strcmp(addr, "::1") ||
	       !strcmp(addr, "0:0:0:0:0:0:0:1");
}

/* The address of a "nameserver ADDR" line, or NULL. */
static const char *nameserver_of(const char *line, char *buf, size_t len)
{
	if (lxr_sscanf(line, " nameserver %63s", buf) != 1 || len < 64)
		return NULL;
	return buf;
}

static size_t copy_upstream(FILE *f, const char *upstream)
{
	_cleanup_free_ char *copy = lxr_xstrdup(upstream);
	char *save = NULL, addr[64];
	size_t n = 0;

	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (nameserver_of(l, addr, sizeof(addr)) && !loopback_ns(addr)) {
			fprintf(f, "nameserver %s\n", addr);
			n++;
		}
	}
	return n;
}

char *net_resolv_render(const char *host, const char *upstream, bool *no_dns)
{
	_cleanup_free_ char *copy = lxr_xstrdup(host ? host : "");
	char *buf = NULL, *save = NULL, addr[64];
	size_t len = 0, kept = 0;
	bool dropped = false, upstream_done = false;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	/* strtok_r skips empty lines; resolv.conf gives them no meaning */
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!nameserver_of(l, addr, sizeof(addr))) {
			fprintf(f, "%s\n", l);
			continue;
		}
		if (!loopback_ns(addr)) {
			fprintf(f, "%s\n", l);
			kept++;
			continue;
		}
		dropped = true;
		/* the stub's place in the order is where its upstreams go */
		if (upstream && !upstream_done) {
			fprintf(f, "# %s is the host's loopback resolver; its upstream servers:\n",
				addr);
			kept += copy_upstream(f, upstream);
			upstream_done = true;
		}
	}
	if (dropped && !kept)
		fputs("# the host resolves only through a loopback resolver, which this "
		      "container cannot reach; no name server is configured\n",
		      f);
	fclose(f);
	if (no_dns)
		*no_dns = kept == 0;
	return buf;
}
