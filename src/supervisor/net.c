/* A stack's networks: each service's instances join the network named in
 * the stack (one per service for now), through an endpoint the net layer
 * makes on the first start and keeps across restarts, so an instance keeps
 * its address. /etc/hosts lists the service, its instance names and
 * aliases of every container on the network. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mount.h>

#include "lxr/net.h"
#include "supervisor/sup.h"

/* With replicas, instance n publishes block n of the host range, each as
 * wide as the container range ("8000-8002:80" x 3: 8000, 8001, 8002); the
 * loader checked that the range is exactly wide enough. */
static int ports_of(const struct cfg_service *svc, int replica, struct lxr_port **out, size_t *n,
		    lxr_err *err)
{
	*out = lxr_xcalloc(svc->n_ports ? svc->n_ports : 1, sizeof(**out));
	*n = 0;
	for (size_t i = 0; i < svc->n_ports; i++) {
		const struct cfg_port *p = &svc->ports[i];
		struct lxr_port *q = &(*out)[(*n)++];

		if (p->host_ip && net_ip_parse(p->host_ip, &q->host_ip, err) < 0)
			return lxr_err_wrap(err, "service \"%s\": port host address", svc->name);
		int cstart = p->target_start,
		    cend = p->target_end ? p->target_end : p->target_start;
		int width = cend - cstart + 1;
		int hstart = p->host_start + (replica - 1) * width;

		q->host_port = (uint16_t)hstart;
		q->host_end = (uint16_t)(hstart + width - 1);
		q->ctr_port = (uint16_t)cstart;
		q->ctr_end = (uint16_t)cend;
		q->udp = p->proto == CFG_PROTO_UDP;
	}
	return 0;
}

void sup_net_plan_free(struct sup_net_plan *p)
{
	lxr_strv_free(p->names);
	free(p->ports);
	memset(p, 0, sizeof(*p));
}

int sup_net_plan_of(const struct cfg_stack *st, const struct cfg_service *svc, int replica,
		    struct sup_net_plan *out, lxr_err *err)
{
	const struct cfg_network *nw = NULL;

	memset(out, 0, sizeof(*out));
	if (svc->n_networks && svc->networks[0].name.v)
		nw = cfg_stack_network(st, svc->networks[0].name.v);
	if (!nw)
		return 0;
	if (ports_of(svc, replica, &out->ports, &out->n_ports, err) < 0) {
		sup_net_plan_free(out);
		return -1;
	}
	out->network = nw->name;
	out->internal = nw->internal.set && nw->internal.v;
	if (nw->n_pools) {
		out->subnet = nw->pools[0].subnet.v;
		out->gateway = nw->pools[0].gateway.v;
	}
	out->static_ip = svc->networks[0].ipv4_address.v;
	lxr_strv_push(&out->names, lxr_xstrdup(svc->name));
	lxr_strv_push(&out->names, plan_instance_name(svc->name, replica));
	for (size_t i = 0; i < svc->networks[0].aliases.n; i++)
		lxr_strv_push(&out->names, lxr_xstrdup(svc->networks[0].aliases.v[i].v));
	return 0;
}

/* The endpoint, made (or found, on a restart) before the container starts;
 * the container joins its namespace and sees its hosts and resolv.conf. */
int sup_net_attach(struct sup *s, struct sup_instance *in, lxr_err *err)
{
	const struct cfg_service *svc = in->svc->cfg;
	_cleanup_free_ char *owner = NULL;
	struct sup_net_plan np;
	struct lxr_net_config ncfg = {0};
	struct lxr_net_pool pool;
	struct lxr_endpoint ep = {0};
	int r;

	if (sup_net_plan_of(s->stack, svc, in->replica, &np, err) < 0)
		return -1;
	if (!np.network)
		return 0;
	net_pool_default(&pool);
	ncfg.name = np.network;
	ncfg.internal = np.internal;
	ncfg.subnet = np.subnet;
	ncfg.gateway = np.gateway;
	owner = lxr_xasprintf("%s/%s/%d", s->stack->project, svc->name, in->replica);
	struct lxr_endpoint_config ec = {.network = np.network,
					 .container = in->name,
					 .owner = owner,
					 .static_ip = np.static_ip,
					 .ports = np.ports,
					 .n_ports = np.n_ports,
					 .names = np.names,
					 .peer_names = true,
					 .holder = getpid(),
					 .create = &ncfg,
					 .pool = &pool};
	/* its error names the container and the network already */
	r = net_endpoint_add(lxr_run_dir(), s->stack->project, &ec, &ep, err);
	sup_net_plan_free(&np);
	if (r < 0)
		return -1;
	if (!in->net_joined) {
		struct lxr_spec *sp = &in->spec;
		sp->ns[LXR_NS_NET].create = false;
		free(sp->ns[LXR_NS_NET].join_path);
		sp->ns[LXR_NS_NET].join_path = lxr_xstrdup(ep.netns_path);
		plan_spec_add_mount(sp, "/etc/hosts", "bind", ep.hosts_path, MS_BIND, NULL);
		plan_spec_add_mount(sp, "/etc/resolv.conf", "bind", ep.resolv_path, MS_BIND, NULL);
		in->net_joined = true;
		in->ip = ep.ip;
	}
	net_endpoint_free(&ep);
	return 0;
}

/* A recreated or removed instance's endpoint goes with its container: the
 * net layer hands an existing endpoint back as it is (that is how a restart
 * keeps its address), so a new plan (other ports, another network) would
 * otherwise meet the old endpoint. */
int sup_net_detach(const struct sup *s, const struct sup_instance *in, lxr_err *err)
{
	return net_endpoint_remove(lxr_run_dir(), s->stack->project, in->name, err);
}

char **sup_net_ports(const struct sup_instance *in)
{
	struct lxr_port *ports = NULL;
	size_t n = 0;
	char **out = lxr_xcalloc(1, sizeof(char *));
	lxr_err err;

	if (ports_of(in->svc->cfg, in->replica, &ports, &n, &err) < 0)
		n = 0;
	for (size_t i = 0; i < n; i++) {
		const struct lxr_port *p = &ports[i];
		char ip[16] = "0.0.0.0", h[16], c[16];
		if (p->host_ip)
			net_ip_str(p->host_ip, ip);
		snprintf(h, sizeof(h), p->host_end != p->host_port ? "%u-%u" : "%u", p->host_port,
			 p->host_end);
		snprintf(c, sizeof(c), p->ctr_end != p->ctr_port ? "%u-%u" : "%u", p->ctr_port,
			 p->ctr_end);
		lxr_strv_push(&out,
			      lxr_xasprintf("%s:%s->%s/%s", ip, h, c, p->udp ? "udp" : "tcp"));
	}
	free(ports);
	return out;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Is the network declared the same way in both files (what the net layer
 * makes it from)? */
static bool same_network(const struct cfg_network *a, const struct cfg_network *b)
{
	bool ia = a->internal.set && a->internal.v, ib = b->internal.set && b->internal.v;

	if (ia != ib || a->n_pools != b->n_pools)
		return false;
	return !a->n_pools || (same_str(a->pools[0].subnet.v, b->pools[0].subnet.v) &&
			       same_str(a->pools[0].gateway.v, b->pools[0].gateway.v));
}

void sup_net_retire_changed(const struct sup *old, const struct cfg_stack *st)
{
	for (size_t i = 0; i < old->stack->n_networks; i++) {
		const struct cfg_network *was = &old->stack->networks[i];
		const struct cfg_network *now = cfg_stack_network(st, was->name);
		lxr_err e;

		if (!now || same_network(was, now))
			continue;
		/* EBUSY: an orphan still runs on it; the first start on the
		 * new definition then says the network exists as it was */
		if (net_network_remove(lxr_run_dir(), old->stack->project, was->name, &e) < 0 &&
		    e.errnum != EBUSY)
			lxr_warn("%s", e.msg);
	}
}

/* `down` and the cleanup after a dead supervisor: every endpoint, link,
 * rule, lease and bridge of the project. */
int sup_net_cleanup(const char *project, lxr_err *err)
{
	return net_project_cleanup(lxr_run_dir(), project, err);
}
