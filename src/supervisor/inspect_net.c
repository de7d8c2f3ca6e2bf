/* lxr inspect's NetworkSettings and the ports of Config and HostConfig:
 * each network under the name docker gives it, which `lxr network ls`
 * lists (net_network_docker_name: compose's "<project>_default", lxr run's
 * default "bridge"), with the endpoint the net layer made there as its
 * record says (address, gateway, prefix, MAC address, IPv6), and the
 * ports as docker's maps. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "lxr/net.h"
#include "lxr/supervisor.h"
#include "supervisor/inspect.h"

static char *net_name(const struct sup_insp *x, const struct plan_endpoint *ep)
{
	return net_network_docker_name(x->s->stack->project, ep->net_project, ep->network);
}

/* The service's entry for the network ep is on (aliases, gw_priority):
 * lxr run's one "default" entry stands for whichever network it joins */
static const struct cfg_svc_net *svc_net_of(const struct sup_insp *x,
					    const struct plan_endpoint *ep)
{
	for (size_t i = 0; i < x->cfg->n_networks; i++) {
		const struct cfg_svc_net *sn = &x->cfg->networks[i];
		const struct cfg_network *nw =
		    sn->name.v ? cfg_stack_network(x->st, sn->name.v) : NULL;
		const char *name = !nw ? NULL : nw->host_name.v ? nw->host_name.v : nw->name;
		if (x->run || (name && !strcmp(name, ep->network)))
			return sn;
	}
	return NULL;
}

/* DNSNames: the names its peers find it by on the network (none on lxr
 * run's default bridge, as on docker's); Aliases: compose makes each of
 * them an alias, docker run only --network-alias's */
static bool named(const struct plan_endpoint *ep)
{
	return ep->peer_names && ep->names && ep->names[0];
}

static json_t *aliases_json(const struct sup_insp *x, const struct plan_endpoint *ep,
			    const struct cfg_svc_net *sn)
{
	if (!sn || !named(ep))
		return json_null();
	return x->run ? sup_insp_strs(&sn->aliases, true) : sup_insp_strv(ep->names, true);
}

/* IPAMConfig: the addresses the service asks for (docker: null without) */
static json_t *ipam_json(const struct plan_endpoint *ep)
{
	json_t *o;

	if (!ep->static_ip && !ep->static_ip6)
		return json_null();
	o = json_object();
	if (ep->static_ip)
		json_object_set_new(o, "IPv4Address", json_string(ep->static_ip));
	if (ep->static_ip6)
		json_object_set_new(o, "IPv6Address", json_string(ep->static_ip6));
	return o;
}

/* One network's EndpointSettings, in docker's order of keys; the
 * addresses empty while it has no endpoint (not started yet, or gone).
 * lxr keeps no IDs of networks and endpoints: those are "". */
static json_t *endpoint_json(const struct sup_insp *x, const struct plan_endpoint *ep,
			     const char *rec, struct lxr_endpoint *e)
{
	const struct cfg_svc_net *sn = ep->network ? svc_net_of(x, ep) : NULL;
	char ip[16] = "", gw[16] = "", ip6[NET_IP6_STRLEN] = "", gw6[NET_IP6_STRLEN] = "";
	char mac[18] = "";
	json_t *o = json_object();
	lxr_err err;
	bool have;

	memset(e, 0, sizeof(*e));
	have = rec && net_endpoint_get(lxr_run_dir(), x->s->stack->project, rec, e, &err) == 0;

	if (have && e->ip) {
		net_ip_str(e->ip, ip);
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", e->mac[0], e->mac[1],
			 e->mac[2], e->mac[3], e->mac[4], e->mac[5]);
	}
	if (have && e->gateway)
		net_ip_str(e->gateway, gw);
	if (have && e->has_ip6) {
		net_ip6_str(&e->ip6, ip6);
		if (!net_ip6_eq(&e->gateway6, &(struct lxr_ip6){0})) /* a macvlan's may have none */
			net_ip6_str(&e->gateway6, gw6);
	}
	json_object_set_new(o, "IPAMConfig", ipam_json(ep));
	json_object_set_new(o, "Links", json_null());
	json_object_set_new(o, "Aliases", aliases_json(x, ep, sn));
	json_object_set_new(o, "MacAddress", json_string(mac));
	json_object_set_new(o, "DriverOpts", json_null());
	json_object_set_new(o, "GwPriority",
			    json_integer(sn && sn->gw_priority.set ? sn->gw_priority.v : 0));
	json_object_set_new(o, "NetworkID", json_string(""));
	json_object_set_new(o, "EndpointID", json_string(""));
	json_object_set_new(o, "Gateway", json_string(gw));
	json_object_set_new(o, "IPAddress", json_string(ip));
	json_object_set_new(o, "IPPrefixLen", json_integer(have && e->ip ? e->prefix : 0));
	json_object_set_new(o, "IPv6Gateway", json_string(gw6));
	json_object_set_new(o, "GlobalIPv6Address", json_string(ip6));
	json_object_set_new(o, "GlobalIPv6PrefixLen",
			    json_integer(have && e->has_ip6 ? e->prefix6 : 0));
	json_object_set_new(o, "DNSNames",
			    named(ep) ? sup_insp_strv(ep->names, true) : json_null());
	return o;
}

/* The first network's settings at the top of NetworkSettings (docker's
 * deprecated copy of its default bridge's, where lxr run's containers are) */
static void default_settings(json_t *ns, json_t *first)
{
	static const char *const keys[] = {"EndpointID",          "Gateway",   "GlobalIPv6Address",
					   "GlobalIPv6PrefixLen", "IPAddress", "IPPrefixLen",
					   "IPv6Gateway",         "MacAddress"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = first ? json_object_get(first, keys[i]) : NULL;
		json_object_set_new(ns, keys[i],
				    v                              ? json_incref(v)
				    : strstr(keys[i], "PrefixLen") ? json_integer(0)
								   : json_string(""));
	}
}

/* Ports: each published port ("80/tcp": [{"HostIp", "HostPort"}], a range
 * a key a port), and each exposed one that is not as null; none without
 * an endpoint (docker's of a stopped container) */
static json_t *ports_json(const struct sup_insp *x, char *const *ports, bool attached)
{
	json_t *pm = json_object(), *exposed, *v;
	const char *key;

	if (!attached)
		return pm;
	for (size_t i = 0; ports && ports[i]; i++) {
		struct sup_port_mapping m;
		if (!sup_port_mapping(ports[i], &m))
			continue;
		for (unsigned c = m.c1; c <= m.c2 && c - m.c1 <= m.h2 - m.h1; c++) {
			char k[24], hp[12], host[64];
			bool v6 = ports[i][0] == '[';
			snprintf(k, sizeof(k), "%u/%s", c, m.proto);
			snprintf(hp, sizeof(hp), "%u", m.h1 + (c - m.c1));
			/* "[::]" as "::", as docker writes an address */
			snprintf(host, sizeof(host), "%.*s", m.ip_len - (v6 ? 2 : 0),
				 ports[i] + v6);
			if (!json_object_get(pm, k))
				json_object_set_new(pm, k, json_array());
			json_array_append_new(
			    json_object_get(pm, k),
			    json_pack("{s:s, s:s}", "HostIp", host, "HostPort", hp));
		}
	}
	exposed = sup_inspect_exposed(x);
	json_object_foreach(exposed, key, v)
	{
		if (!json_object_get(pm, key))
			json_object_set_new(pm, key, json_null());
	}
	json_decref(exposed);
	return pm;
}

/* Networks: each one the instance is on; network_mode host or none as
 * docker names them, with nothing in them */
static json_t *networks_json(const struct sup_insp *x, char **sandbox)
{
	const struct plan_instance *p = &x->in->plan;
	const char *nm = x->cfg->host.network_mode.v;
	json_t *o = json_object();
	struct lxr_endpoint e;

	if (p->net.network) {
		_cleanup_free_ char *name = net_name(x, &p->net);
		json_object_set_new(o, name, endpoint_json(x, &p->net, p->spec.id, &e));
		*sandbox = e.netns_path ? lxr_xstrdup(e.netns_path) : NULL;
		net_endpoint_free(&e);
	} else if (nm && (!strcmp(nm, "host") || !strcmp(nm, "none"))) {
		struct plan_endpoint none = {0};
		json_object_set_new(o, nm, endpoint_json(x, &none, NULL, &e));
	}
	for (size_t i = 0; p->net.network && i < p->n_more_nets; i++) {
		const struct plan_endpoint *ep = &p->more_nets[i];
		_cleanup_free_ char *name = net_name(x, ep);
		_cleanup_free_ char *rec = lxr_xasprintf("%s+%s", p->spec.id, ep->network);
		json_object_set_new(o, name, endpoint_json(x, ep, rec, &e));
		net_endpoint_free(&e);
	}
	return o;
}

json_t *sup_inspect_net(const struct sup_insp *x, char *const *ports)
{
	_cleanup_free_ char *sandbox = NULL;
	_cleanup_free_ char *first = x->in->plan.net.network ? net_name(x, &x->in->plan.net) : NULL;
	json_t *nets = networks_json(x, &sandbox), *o = json_object();

	json_object_set_new(o, "SandboxID", json_string(""));
	/* the network namespace file the container joins */
	json_object_set_new(o, "SandboxKey", json_string(sandbox ? sandbox : ""));
	json_object_set_new(o, "Ports", ports_json(x, ports, sandbox != NULL));
	default_settings(o, first ? json_object_get(nets, first) : NULL);
	json_object_set_new(o, "Networks", nets);
	return o;
}

/* Each port of a plan's range, with what docker writes for its host port:
 * "" none given, the range's own port, or a range to pick from */
static void port_each(const struct plan_port *p, json_t *out, bool bindings)
{
	for (unsigned c = p->ctr_port; c <= (p->ctr_end ? p->ctr_end : p->ctr_port); c++) {
		char key[24], hp[24] = "";
		unsigned hl = p->host_end > p->host_port ? p->host_end - p->host_port : 0;
		unsigned cl = p->ctr_end > p->ctr_port ? p->ctr_end - p->ctr_port : 0;
		snprintf(key, sizeof(key), "%u/%s", c, p->udp ? "udp" : "tcp");
		if (!bindings) {
			json_object_set_new(out, key, json_object());
			continue;
		}
		if (p->host_port && hl == cl)
			snprintf(hp, sizeof(hp), "%u", p->host_port + (c - p->ctr_port));
		else if (p->host_port)
			snprintf(hp, sizeof(hp), "%u-%u", p->host_port, p->host_end);
		if (!json_object_get(out, key))
			json_object_set_new(out, key, json_array());
		json_array_append_new(json_object_get(out, key),
				      json_pack("{s:s, s:s}", "HostIp",
						p->host_ip ? p->host_ip : "", "HostPort", hp));
	}
}

json_t *sup_inspect_port_bindings(const struct sup_insp *x)
{
	const struct plan_endpoint *ep = &x->in->plan.net;
	json_t *o = json_object();

	for (size_t i = 0; ep->network && i < ep->n_ports; i++)
		port_each(&ep->ports[i], o, true);
	return o;
}

json_t *sup_inspect_exposed(const struct sup_insp *x)
{
	const struct plan_endpoint *ep = &x->in->plan.net;
	char *const *img = x->img ? x->img->config.exposed_ports : NULL;
	json_t *o = json_object();

	for (size_t i = 0; i < ep->n_ports; i++)
		port_each(&ep->ports[i], o, false);
	for (size_t i = 0; i < x->cfg->n_expose; i++) {
		const struct cfg_expose *e = &x->cfg->expose[i];
		for (int p = e->start; p <= e->end; p++) {
			char key[24];
			snprintf(key, sizeof(key), "%d/%s", p,
				 e->proto == CFG_PROTO_UDP    ? "udp"
				 : e->proto == CFG_PROTO_SCTP ? "sctp"
							      : "tcp");
			json_object_set_new(o, key, json_object());
		}
	}
	for (size_t i = 0; img && img[i]; i++)
		json_object_set_new(o, img[i], json_object());
	return o;
}

char *sup_inspect_network_mode(const struct sup_insp *x)
{
	const struct plan_instance *p = &x->in->plan;
	const char *nm = x->cfg->host.network_mode.v;

	/* service:X and container:NAME: the container whose namespace it
	 * joins, as docker names it */
	if (p->net_of.name)
		return lxr_xasprintf("container:%s", p->net_of.name);
	if (p->net.network)
		return net_name(x, &p->net);
	return lxr_xstrdup(nm ? nm : "none");
}
