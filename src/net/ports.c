/* Published host ports: on the host address the network gives them, free
 * on the host and in every project of the run dir, or picked when the
 * service gives none or a range to pick from. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/net_internal.h"

/* every host address (no host_ip) meets every one */
static bool addrs_meet(const struct lxr_port *a, const struct lxr_port *b)
{
	bool all_a = !a->host_ip && !a->host_v6, all_b = !b->host_ip && !b->host_v6;

	/* every IPv4 address (explicit 0.0.0.0) meets no IPv6 one */
	if ((all_a && a->v4_only && b->host_v6) || (all_b && b->v4_only && a->host_v6))
		return false;
	if (all_a || all_b)
		return true;
	if (a->host_v6 != b->host_v6)
		return false;
	return a->host_v6 ? net_ip6_eq(&a->host_ip6, &b->host_ip6) : a->host_ip == b->host_ip;
}

static bool ranges_meet(const struct lxr_port *a, const struct lxr_port *b)
{
	return a->udp == b->udp && addrs_meet(a, b) && a->host_port <= b->host_end &&
	       b->host_port <= a->host_end;
}

/* Is someone listening on an IPv6 host address's port? */
static bool v6_port_taken(const struct lxr_port *p, unsigned port)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
	_cleanup_close_ int fd =
	    socket(AF_INET6, (p->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	int one = 1;

	memcpy(&sa.sin6_addr, p->host_ip6.b, 16);
	if (fd < 0)
		return false;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	return bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno == EADDRINUSE;
}

/* A port some program on the host listens on: lxr's DNAT would take its
 * traffic from under it, silently (docker's proxy fails to bind there). A
 * bind with SO_REUSEADDR fails only for a listener, not for connections
 * lingering in TIME_WAIT. */
static int host_port_free(const struct lxr_port *p, lxr_err *err)
{
	for (unsigned port = p->host_port; port <= p->host_end; port++) {
		struct sockaddr_in sa = {.sin_family = AF_INET,
					 .sin_port = htons((uint16_t)port),
					 .sin_addr.s_addr =
					     p->host_ip ? htonl(p->host_ip) : INADDR_ANY};
		_cleanup_close_ int fd =
		    socket(AF_INET, (p->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
		int one = 1;
		char ip[NET_IP6_STRLEN + 2] = "0.0.0.0", v6[NET_IP6_STRLEN];

		if (fd < 0)
			return lxr_fail(err, errno, "socket to check host port %u", port);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (p->host_v6
			? !v6_port_taken(p, port)
			: bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno != EADDRINUSE)
			continue;
		if (p->host_v6)
			snprintf(ip, sizeof(ip), "[%s]", net_ip6_str(&p->host_ip6, v6));
		else if (p->host_ip)
			net_ip_str(p->host_ip, ip);
		lxr_fail(err, EADDRINUSE, "host port %s:%u/%s is in use by a program on the host",
			 ip, port, p->udp ? "udp" : "tcp");
		return lxr_err_hint(err,
				    "stop it or publish another host port (`ss -ltnup "
				    "'sport = :%u'` shows who has it)",
				    port);
	}
	return 0;
}

/* Is p's host range published by an endpoint of any project in run_dir?
 * A host port can be published once per run dir (one DNAT would win). */
static int published(const char *run_dir, const struct lxr_port *p, lxr_err *err)
{
	_cleanup_strv_ char **projects = net_projects(run_dir);

	for (size_t i = 0; projects[i]; i++) {
		struct ep_rec *eps = NULL;
		size_t n = 0;
		int r = 0;
		if (net_eps_load(run_dir, projects[i], &eps, &n, err) < 0)
			return -1;
		for (size_t k = 0; k < n && r == 0; k++)
			for (size_t j = 0; j < eps[k].n_ports && r == 0; j++)
				if (ranges_meet(&eps[k].ports[j], p))
					r = lxr_fail(
					    err, EADDRINUSE,
					    "host port %u/%s is already published by %s/%s",
					    p->host_port, p->udp ? "udp" : "tcp", projects[i],
					    eps[k].container);
		net_eps_free(eps, n);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* A host port picked by the kernel (a bind to port 0, as docker's proxy
 * gets one from the ephemeral range), one no lxr endpoint publishes, for a
 * port published without a host port ("3100", "127.0.0.1::80"). A range
 * gets the ports above the one picked, when they are free too. */
static int pick_host_port(const char *run_dir, struct lxr_port *p, lxr_err *err)
{
	unsigned width = (unsigned)(p->ctr_end - p->ctr_port);

	for (int attempt = 0; attempt < 64; attempt++) {
		struct sockaddr_in sa = {.sin_family = AF_INET,
					 .sin_addr.s_addr =
					     p->host_ip ? htonl(p->host_ip) : INADDR_ANY};
		socklen_t len = sizeof(sa);
		_cleanup_close_ int fd =
		    socket(AF_INET, (p->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
		struct lxr_port c = *p;
		lxr_err why;

		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
			return lxr_fail(err, errno, "pick a free host port for %u/%s (bind port 0)",
					p->ctr_port, p->udp ? "udp" : "tcp");
		if (ntohs(sa.sin_port) + width > 65535)
			continue;
		c.host_port = ntohs(sa.sin_port);
		c.host_end = (uint16_t)(c.host_port + width);
		close(fd);
		fd = -1;
		if (published(run_dir, &c, &why) == 0 && host_port_free(&c, &why) == 0) {
			*p = c;
			return 0;
		}
	}
	return lxr_fail(err, EADDRINUSE, "no free host port found for %u/%s after 64 tries",
			p->ctr_port, p->udp ? "udp" : "tcp");
}

/* A host range longer than the container's ("8080-8090:80"): docker
 * publishes the first block of the range no program listens on and no lxr
 * endpoint publishes, in port order, as wide as the container range. */
static int pick_in_range(const char *run_dir, struct lxr_port *p, lxr_err *err)
{
	unsigned width = (unsigned)(p->ctr_end - p->ctr_port);

	for (unsigned port = p->host_port; port + width <= p->host_end; port++) {
		struct lxr_port c = *p;
		lxr_err why;
		c.host_port = (uint16_t)port;
		c.host_end = (uint16_t)(port + width);
		if (published(run_dir, &c, &why) == 0 && host_port_free(&c, &why) == 0) {
			*p = c;
			return 0;
		}
	}
	return lxr_fail(err, EADDRINUSE,
			"no free host port in %u-%u/%s for container port %u: every one is "
			"in use on the host or published",
			p->host_port, p->host_end, p->udp ? "udp" : "tcp", p->ctr_port),
	       lxr_err_hint(err, "widen the host range, or free a port of it (`ss -ltnup` "
				 "shows who has them)");
}

/* Every host port free, the ones not given picked now (into ports). */
int net_ports_free(const char *run_dir, struct lxr_port *ports, size_t n, lxr_err *err)
{
	for (size_t k = 0; k < n; k++) {
		if (ports[k].host_port == 0) {
			if (pick_host_port(run_dir, &ports[k], err) < 0)
				return -1;
			continue;
		}
		if (ports[k].host_end - ports[k].host_port !=
		    ports[k].ctr_end - ports[k].ctr_port) {
			if (pick_in_range(run_dir, &ports[k], err) < 0)
				return -1;
			continue;
		}
		if (published(run_dir, &ports[k], err) < 0 || host_port_free(&ports[k], err) < 0)
			return -1;
	}
	return 0;
}

int net_ports_on(const struct net_rec *net, struct lxr_port *ports, size_t n, lxr_err *err)
{
	for (size_t i = 0; i < n; i++) {
		/* host_binding_ipv4: docker binds the IPv4 address only, and
		 * no [::] beside it (its bridge driver's
		 * configurePortBindingIPv6) */
		if (!ports[i].host_ip && !ports[i].host_v6 && !ports[i].v4_only)
			ports[i].host_ip = net->host_binding;
		if (ports[i].host_v6 && !net->subnet6.prefix)
			return lxr_fail(err, EINVAL,
					"a port published on an IPv6 host address needs IPv6 on "
					"network %s",
					net->name),
			       lxr_err_hint(err, "set enable_ipv6: true on the network, or publish "
						 "on an IPv4 address");
	}
	return 0;
}
