/* A service instance's networking in its plan: the endpoint on each
 * network it joins (ports, names, aliases, resolver, the order it joins
 * in, the interface names), and with network_mode host or none the /etc
 * files that no endpoint writes. Part of plan_instance_build (plan.c). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "config/text.h"
#include "lxr/netdrv.h"
#include "lxr/plan.h"

/* With replicas, instance n publishes block n of the host range, each as
 * wide as the container range ("8000-8002:80" x 3: 8000, 8001, 8002); the
 * loader checked that the range is wide enough. A longer one (one container
 * port) is the instance's to search: the net layer publishes its first free
 * port ("8080-8090:80"). */
static void ports_of(const struct cfg_service *svc, int replica, struct plan_endpoint *ep)
{
	long n = svc->replicas.v > 0 ? (long)svc->replicas.v : 1;

	ep->ports = lxr_xcalloc(svc->n_ports ? svc->n_ports : 1, sizeof(*ep->ports));
	for (size_t i = 0; i < svc->n_ports; i++) {
		const struct cfg_port *p = &svc->ports[i];
		struct plan_port *q = &ep->ports[ep->n_ports++];
		int cstart = p->target_start, cend = p->target_end ? p->target_end : cstart;
		int width = cend - cstart + 1;
		/* no host port: each replica's is picked when it is published */
		int hstart = p->host_start ? p->host_start + (replica - 1) * width : 0;
		int hend = hstart ? hstart + width - 1 : 0;

		if (p->host_start && p->host_end - p->host_start + 1 > n * width) {
			hstart = p->host_start;
			hend = p->host_end;
		}
		q->host_ip = lxr_xstrdup(p->host_ip);
		q->host_port = (uint16_t)hstart;
		q->host_end = (uint16_t)hend;
		q->ctr_port = (uint16_t)cstart;
		q->ctr_end = (uint16_t)cend;
		q->udp = p->proto == CFG_PROTO_UDP;
	}
}

char **plan_strs(const struct cfg_strs *s)
{
	char **v = NULL;

	for (size_t i = 0; i < s->n; i++)
		lxr_strv_push(&v, lxr_xstrdup(s->v[i].v));
	return v;
}

/* dns_search or dns_opt: an empty entry ("", as `dns_search: ""` gives)
 * says "none": the host's line goes and none comes in its place, as docker
 * runs it; the resolv.conf writer knows it as "." */
static char **resolver_strs(const struct cfg_strs *s)
{
	char **v = NULL;

	for (size_t i = 0; i < s->n; i++)
		lxr_strv_push(&v, lxr_xstrdup(*s->v[i].v ? s->v[i].v : "."));
	return v;
}

/* extra_hosts, dns, dns_search and dns_opt, as the endpoint writes them
 * into the container's /etc/hosts and resolv.conf */
static void resolver_of(const struct cfg_service *svc, struct plan_endpoint *ep)
{
	const struct cfg_svc_host *h = &svc->host;

	for (size_t i = 0; i < h->extra_hosts.n; i++)
		lxr_strv_push(
		    &ep->extra_hosts,
		    lxr_xasprintf("%s=%s", h->extra_hosts.v[i].key,
				  h->extra_hosts.v[i].value ? h->extra_hosts.v[i].value : ""));
	ep->dns = plan_strs(&h->dns);
	ep->dns_search = resolver_strs(&h->dns_search);
	ep->dns_opt = resolver_strs(&h->dns_opt);
}

/* links: "SERVICE:ALIAS" in another service makes ALIAS a name of
 * SERVICE. Docker scopes a link's alias to the linking container; here it
 * is a name on the network, as an alias of the linked service is. */
static void link_aliases(const struct cfg_stack *st, const struct cfg_service *svc,
			 struct plan_endpoint *ep)
{
	size_t n = strlen(svc->name);

	for (size_t i = 0; i < st->n_services; i++)
		for (size_t k = 0; k < st->services[i].host.links.n; k++) {
			const char *l = st->services[i].host.links.v[k].v;
			if (!strncmp(l, svc->name, n) && l[n] == ':' && l[n + 1] &&
			    strcmp(l + n + 1, svc->name))
				lxr_strv_push(&ep->names, lxr_xstrdup(l + n + 1));
		}
}

/* The network it joins and how that network is made, the names it
 * answers to, its static address and its published ports. */
/* A macvlan or ipvlan network's driver and its own driver_opts (the
 * loader refused values the driver does not take, and its options on a
 * bridge). */
static void sublink_opts(const struct cfg_network *nw, struct plan_endpoint *ep)
{
	if (!cfg_netdrv_sublink(nw->driver.v))
		return;
	ep->driver = lxr_xstrdup(nw->driver.v);
	for (size_t i = 0; i < nw->driver_opts.n; i++) {
		const char *k = nw->driver_opts.v[i].key, *v = nw->driver_opts.v[i].value;
		char **to = !strcmp(k, "parent")        ? &ep->parent
			    : !strcmp(k, "ipvlan_flag") ? &ep->link_flag
			    : !strcmp(k, "macvlan_mode") || !strcmp(k, "ipvlan_mode")
				? &ep->link_mode
				: NULL;
		if (to && !*to)
			*to = lxr_xstrdup(v);
	}
}

/* The bridge driver's options (checked by the loader): the MTU, the
 * bridge's second name, its switches and default host address. */
static void bridge_opts(const struct cfg_network *nw, struct plan_endpoint *ep)
{
	for (size_t i = 0; i < nw->driver_opts.n; i++) {
		const char *k = nw->driver_opts.v[i].key, *v = nw->driver_opts.v[i].value;
		const char *takes;
		uint32_t ip = 0;
		int b = cfg_netdrv_bridge_value(k, v, &ip, &takes);
		if (!strcmp(k, "com.docker.network.driver.mtu"))
			ep->mtu = atoi(v);
		else if (!strcmp(k, "com.docker.network.bridge.name") && !ep->bridge_name)
			ep->bridge_name = lxr_xstrdup(v);
		else if (!strcmp(k, NETDRV_ICC))
			ep->no_icc = b == 0;
		else if (!strcmp(k, NETDRV_MASQ))
			ep->no_masquerade = b == 0;
		else if (!strcmp(k, NETDRV_GW4))
			ep->unprotected = b == 1;
		else if (!strcmp(k, NETDRV_GW6))
			ep->unprotected6 = b == 1;
		else if (!strcmp(k, NETDRV_HOST_IP) && b == 0 && ip && !ep->host_binding)
			ep->host_binding = lxr_xstrdup(v);
	}
}

/* One network's endpoint: how the network is made, the names the instance
 * answers to there (its service, itself, that network's aliases), its
 * static address. */
static bool network_endpoint(const struct cfg_stack *st, const struct cfg_service *svc,
			     const struct cfg_svc_net *sn, const char *instance,
			     struct plan_endpoint *ep)
{
	const struct cfg_network *nw = sn->name.v ? cfg_stack_network(st, sn->name.v) : NULL;

	memset(ep, 0, sizeof(*ep));
	if (!nw)
		return false;
	ep->peer_names = true;
	ep->internal = nw->internal.set && nw->internal.v;
	if (nw->host_name.v || nw->external.v) {
		/* one network under its own name for every project that names
		 * it, made from its definition (lxr network create, or the
		 * first stack's) */
		ep->network = lxr_xstrdup(nw->host_name.v ? nw->host_name.v : nw->name);
		ep->net_project = lxr_xstrdup(LXR_SHARED_NET_PROJECT);
	} else {
		ep->network = lxr_xstrdup(nw->name);
	}
	bridge_opts(nw, ep);
	sublink_opts(nw, ep);
	if (nw->n_pools) {
		ep->subnet = lxr_xstrdup(nw->pools[0].subnet.v);
		ep->gateway = lxr_xstrdup(nw->pools[0].gateway.v);
		ep->ip_range = lxr_xstrdup(nw->pools[0].ip_range.v);
		for (size_t i = 0; i < nw->pools[0].aux.n; i++)
			lxr_strv_push(&ep->aux, lxr_xstrdup(nw->pools[0].aux.v[i].value));
	}
	ep->static_ip = lxr_xstrdup(sn->ipv4_address.v);
	/* an external network's IPv6 is its definition's, which the stack
	 * cannot declare: its address is checked when the container joins */
	ep->static_ip6 = lxr_xstrdup(sn->ipv6_address.v);
	ep->ipv6 = nw->enable_ipv6.v;
	if (ep->ipv6) {
		ep->subnet6 = lxr_xstrdup(nw->pool6.subnet.v);
		ep->gateway6 = lxr_xstrdup(nw->pool6.gateway.v);
		ep->ip_range6 = lxr_xstrdup(nw->pool6.ip_range.v);
		for (size_t i = 0; i < nw->pool6.aux.n; i++)
			lxr_strv_push(&ep->aux, lxr_xstrdup(nw->pool6.aux.v[i].value));
	}
	ep->mac = lxr_xstrdup(sn->mac_address.v);
	ep->ifname = lxr_xstrdup(sn->interface_name.v);
	for (size_t i = 0; i < sn->link_local_ips.n; i++)
		lxr_strv_push(&ep->link_local, lxr_xstrdup(sn->link_local_ips.v[i].v));
	for (size_t i = 0; i < sn->if_sysctls.n; i++)
		lxr_strv_push(&ep->if_sysctls, lxr_xstrdup(sn->if_sysctls.v[i].v));
	lxr_strv_push(&ep->names, lxr_xstrdup(svc->name));
	lxr_strv_push(&ep->names, lxr_xstrdup(instance));
	for (size_t i = 0; i < sn->aliases.n; i++)
		lxr_strv_push(&ep->names, lxr_xstrdup(sn->aliases.v[i].v));
	link_aliases(st, svc, ep);
	return true;
}

/* No way out: internal, or a macvlan or ipvlan network without a parent
 * (docker's rule: its parent is a dummy link). */
static bool internal_net(const struct cfg_stack *st, const struct cfg_svc_net *sn)
{
	const struct cfg_network *nw = sn->name.v ? cfg_stack_network(st, sn->name.v) : NULL;
	bool parent = false;

	if (!nw || (nw->internal.set && nw->internal.v))
		return true;
	for (size_t i = 0; i < nw->driver_opts.n; i++)
		parent |= !strcmp(nw->driver_opts.v[i].key, "parent");
	return cfg_netdrv_sublink(nw->driver.v) && !parent;
}

/* whether network a is joined before b: compose-go's NetworksByPriority
 * (a service's networks are a mapping there: no order of the file's) */
static bool joined_before(const struct cfg_svc_net *a, const struct cfg_svc_net *b)
{
	if (a->priority.v != b->priority.v)
		return a->priority.v > b->priority.v;
	return strcmp(a->name.v, b->name.v) < 0;
}

/* The order the instance joins its networks in: Compose's priority,
 * highest first, then by name. */
static size_t *join_order(const struct cfg_service *svc)
{
	size_t *o = lxr_xcalloc(svc->n_networks + 1, sizeof(*o));

	for (size_t i = 0; i < svc->n_networks; i++) {
		size_t j = i;
		for (; j > 0 && joined_before(&svc->networks[i], &svc->networks[o[j - 1]]); j--)
			o[j] = o[j - 1];
		o[j] = i;
	}
	return o;
}

/* The first network in that order that is not internal carries its
 * namespace (eth0) and published ports (compose publishes through it); the
 * others are joined after it as eth1... */
static size_t first_network(const struct cfg_stack *st, const struct cfg_service *svc,
			    const size_t *order)
{
	for (size_t i = 0; i < svc->n_networks; i++)
		if (!internal_net(st, &svc->networks[order[i]]))
			return order[i];
	return order[0];
}

/* gw_priority: the network with the highest gives the default routes
 * (an internal one has none to give); the first joined among equals. */
static size_t gateway_network(const struct cfg_stack *st, const struct cfg_service *svc,
			      const size_t *order, size_t first)
{
	size_t gw = first;

	for (size_t i = 0; i < svc->n_networks; i++) {
		const struct cfg_svc_net *sn = &svc->networks[order[i]];
		if (!internal_net(st, sn) && sn->gw_priority.v > svc->networks[gw].gw_priority.v)
			gw = order[i];
	}
	return gw;
}

static bool ifname_taken(const struct plan_instance *p, const char *name)
{
	if (p->net.ifname && !strcmp(p->net.ifname, name))
		return true;
	for (size_t i = 0; i < p->n_more_nets; i++)
		if (p->more_nets[i].ifname && !strcmp(p->more_nets[i].ifname, name))
			return true;
	return false;
}

/* The interfaces without an interface_name are eth0, eth1, ... in the
 * order they are joined, skipping a name one of the others was given. */
static void default_ifnames(struct plan_instance *p)
{
	unsigned n = 0;

	for (size_t i = 0; i <= p->n_more_nets; i++) {
		struct plan_endpoint *e = i ? &p->more_nets[i - 1] : &p->net;
		char name[16], place[24];
		if (!e->ifname) {
			do
				snprintf(name, sizeof(name), "eth%u", n++);
			while (ifname_taken(p, name));
			e->ifname = lxr_xstrdup(name);
		}
		snprintf(place, sizeof(place), "eth%zu", i);
		e->renamed = strcmp(e->ifname, place) != 0;
	}
}

/* An endpoint's per-interface sysctls, with its interface's name for
 * IFNAME, as docker's bridge driver writes them, among the container's
 * own (written in its network namespace, where the interface is) */
static void if_sysctls(const struct plan_endpoint *e, struct lxr_spec *spec)
{
	for (size_t i = 0; e->if_sysctls && e->if_sysctls[i]; i++) {
		const char *t = e->if_sysctls[i], *at = strstr(t, "IFNAME");
		lxr_strv_push(&spec->sysctls, lxr_xasprintf("%.*s%s%s", (int)(at - t), t, e->ifname,
							    at + strlen("IFNAME")));
	}
}

void plan_endpoints_of(const struct cfg_stack *st, const struct cfg_service *svc, int replica,
		       const char *instance, struct plan_instance *p)
{
	_cleanup_free_ size_t *order = NULL;
	size_t first, gw;

	memset(&p->net, 0, sizeof(p->net));
	/* network_mode service:X or container:NAME: that container's
	 * namespace, which the carrier joins (plan_namespaces_of) */
	if (p->net_of.name)
		return;
	/* network_mode none or host: no endpoint (published ports, as
	 * docker's in host mode, have nothing to go to) */
	if (!svc->n_networks ||
	    (svc->host.network_mode.v && (!strcmp(svc->host.network_mode.v, "none") ||
					  !strcmp(svc->host.network_mode.v, "host"))))
		return;
	order = join_order(svc);
	first = first_network(st, svc, order);
	gw = gateway_network(st, svc, order, first);
	if (!network_endpoint(st, svc, &svc->networks[first], instance, &p->net))
		return;
	resolver_of(svc, &p->net);
	/* only internal networks: nothing can reach a published port (the
	 * loader warned), so none is published */
	if (!p->net.internal)
		ports_of(svc, replica, &p->net);
	/* the service's own mac_address is docker's for its first interface */
	if (!p->net.mac)
		p->net.mac = lxr_xstrdup(svc->host.mac_address.v);
	p->net.gw = gw != first ? 2 : 0;
	p->more_nets = lxr_xcalloc(svc->n_networks, sizeof(*p->more_nets));
	for (size_t k = 0; k < svc->n_networks; k++) {
		size_t i = order[k];
		if (i == first || !network_endpoint(st, svc, &svc->networks[i], instance,
						    &p->more_nets[p->n_more_nets]))
			continue;
		p->more_nets[p->n_more_nets++].gw = i == gw && gw != first ? 1 : 0;
	}
	default_ifnames(p);
	if_sysctls(&p->net, &p->spec);
	for (size_t i = 0; i < p->n_more_nets; i++)
		if_sysctls(&p->more_nets[i], &p->spec);
}

/* extra_hosts where no endpoint writes the container's /etc/hosts
 * (network_mode none or host): lines of lxr's own, as docker writes them.
 * host-gateway is the host: its loopback, which only the host's network
 * reaches (with none, the entry names nothing reachable; docker writes
 * its bridge's address) */
static void own_extra_hosts(const struct cfg_service *svc, struct lxr_spec *spec, bool host)
{
	const struct cfg_kvs *x = &svc->host.extra_hosts;

	for (size_t i = 0; i < x->n; i++) {
		const char *a = x->v[i].value ? x->v[i].value : "";
		if (!strcmp(a, "host-gateway"))
			a = host ? "127.0.0.1" : NULL;
		if (a)
			lxr_strv_push(&spec->extra_hosts, lxr_xasprintf("%s=%s", x->v[i].key, a));
	}
}

/* network_mode: host: the supervisor's own network namespace, and the
 * host's /etc/hosts and resolv.conf read-only, as docker gives them (a
 * copy of its /etc/hosts with extra_hosts, of its resolv.conf with dns
 * settings, when there are some) */
void plan_host_network(const struct cfg_service *svc, struct lxr_spec *spec)
{
	const char *nm = svc->host.network_mode.v;

	if (nm && !strcmp(nm, "none")) {
		own_extra_hosts(svc, spec, false);
		/* and its resolver's settings, in its own resolv.conf */
		spec->dns = plan_strs(&svc->host.dns);
		spec->dns_search = resolver_strs(&svc->host.dns_search);
		spec->dns_opt = resolver_strs(&svc->host.dns_opt);
	}
	if (!nm || strcmp(nm, "host"))
		return;
	spec->ns[LXR_NS_NET].create = false;
	free(spec->ns[LXR_NS_NET].join_path);
	spec->ns[LXR_NS_NET].join_path = lxr_xstrdup("/proc/self/ns/net");
	/* the host's files, unless the service mounts its own there (docker:
	 * a user's mount replaces the file, as given) */
	if (svc->host.extra_hosts.n) {
		own_extra_hosts(svc, spec, true);
		spec->hosts_from_host = true;
	} else if (!plan_spec_has_mount(spec, "/etc/hosts")) {
		plan_spec_add_mount(spec, "/etc/hosts", "bind", "/etc/hosts", MS_BIND | MS_RDONLY,
				    NULL);
	}
	/* dns, dns_search or dns_opt: the host's resolver settings with
	 * those changed, in a resolv.conf of its own, as docker writes one */
	if (svc->host.dns.n || svc->host.dns_search.n || svc->host.dns_opt.n) {
		spec->dns = plan_strs(&svc->host.dns);
		spec->dns_search = resolver_strs(&svc->host.dns_search);
		spec->dns_opt = resolver_strs(&svc->host.dns_opt);
		return;
	}
	if (!plan_spec_has_mount(spec, "/etc/resolv.conf"))
		plan_spec_add_mount(spec, "/etc/resolv.conf", "bind", "/etc/resolv.conf",
				    MS_BIND | MS_RDONLY, NULL);
}

void plan_endpoint_free(struct plan_endpoint *e)
{
	free(e->network);
	free(e->net_project);
	free(e->subnet);
	free(e->gateway);
	free(e->static_ip);
	free(e->subnet6);
	free(e->gateway6);
	free(e->static_ip6);
	free(e->ip_range);
	free(e->ip_range6);
	free(e->bridge_name);
	free(e->host_binding);
	free(e->driver);
	free(e->parent);
	free(e->link_mode);
	free(e->link_flag);
	lxr_strv_free(e->aux);
	free(e->mac);
	free(e->ifname);
	lxr_strv_free(e->link_local);
	lxr_strv_free(e->if_sysctls);
	lxr_strv_free(e->names);
	lxr_strv_free(e->extra_hosts);
	lxr_strv_free(e->dns);
	lxr_strv_free(e->dns_search);
	lxr_strv_free(e->dns_opt);
	for (size_t i = 0; i < e->n_ports; i++)
		free(e->ports[i].host_ip);
	free(e->ports);
}
