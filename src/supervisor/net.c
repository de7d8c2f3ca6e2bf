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
#include "lxr/netdrv.h"
#include "lxr/supervisor.h"
#include "supervisor/sup.h"

static bool mounted(const struct lxr_spec *s, const char *dst)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (!strcmp(s->mounts[i].destination, dst))
			return true;
	return false;
}

/* A shared network (LXR_SHARED_NET_PROJECT) is made from its definition,
 * which outlives the bridge (a reboot): the definition is what it is. */
static int shared_config(const struct plan_endpoint *np, struct lxr_net_def *def,
			 struct lxr_net_config *ncfg, lxr_err *err)
{
	if (!np->net_project || strcmp(np->net_project, LXR_SHARED_NET_PROJECT))
		return 0;
	if (net_def_load(np->network, def, err) < 0)
		return lxr_err_hint(err, "lxr network create %s makes it", np->network);
	net_def_config(def, ncfg);
	return 0;
}

/* The network an endpoint is made on, as the plan describes it (a shared
 * network's own settings come over it: shared_config). */
static struct lxr_net_config net_config_of(const struct plan_endpoint *np)
{
	return (struct lxr_net_config){.name = np->network,
				       .internal = np->internal,
				       .subnet = np->subnet,
				       .gateway = np->gateway,
				       .ephemeral = np->ephemeral,
				       .ipv6 = np->ipv6,
				       .subnet6 = np->subnet6,
				       .gateway6 = np->gateway6,
				       .ip_range = np->ip_range,
				       .ip_range6 = np->ip_range6,
				       .aux = np->aux,
				       .mtu = np->mtu,
				       .bridge_name = np->bridge_name,
				       .no_icc = np->no_icc,
				       .no_masquerade = np->no_masquerade,
				       .unprotected = np->unprotected,
				       .unprotected6 = np->unprotected6,
				       .host_binding = np->host_binding,
				       .driver = np->driver,
				       .parent = np->parent,
				       .mode = np->link_mode,
				       .flag = np->link_flag};
}

/* A next network (i: its place among them): an endpoint "<instance>+<net>"
 * joining the first one's namespace as eth<i+1>. */
static int attach_more(struct sup *s, struct sup_instance *in, size_t i, lxr_err *err)
{
	const struct plan_endpoint *np = &in->plan.more_nets[i];
	_cleanup_free_ char *name = lxr_xasprintf("%s+%s", in->plan.spec.id, np->network);
	_cleanup_free_ char *owner =
	    lxr_xasprintf("%s/%s/%d%s+%s", s->stack->project, in->svc->cfg->name, in->replica,
			  sup_net_owner_suffix(in), np->network);
	struct lxr_net_config ncfg = net_config_of(np);
	struct lxr_net_pool pool;
	struct lxr_endpoint ep = {0};
	struct lxr_net_def def = {0};
	int r;

	net_pool_default(&pool);
	if (shared_config(np, &def, &ncfg, err) < 0)
		return lxr_err_wrap(err, "%s", in->name);
	struct lxr_endpoint_config ec = {.network = np->network,
					 .net_project = np->net_project,
					 .container = name,
					 .owner = owner,
					 .static_ip = np->static_ip,
					 .static_ip6 = np->static_ip6,
					 .mac = np->mac,
					 .gw = np->gw,
					 .names = np->names,
					 .peer_names = np->peer_names,
					 .joins = in->name,
					 .ifname = np->ifname,
					 .link_local = np->link_local,
					 .holder = getpid(),
					 .create = &ncfg,
					 .pool = &pool,
					 .defer_peer_hosts = true};
	r = net_endpoint_add(lxr_run_dir(), s->stack->project, &ec, &ep, err);
	net_def_free(&def);
	if (r < 0)
		return -1;
	s->hosts_stale |= ep.made;
	if (i < SUP_MORE_IPS)
		in->more_ip[i] = ep.ip;
	net_endpoint_free(&ep);
	return 0;
}

/* The container joins its first endpoint's namespace and gets its
 * /etc/hosts and resolv.conf, unless a volume of its own covers them (that
 * wins, as with docker). */
static void join_endpoint(struct sup_instance *in, const struct lxr_endpoint *ep)
{
	struct lxr_spec *sp = &in->plan.spec;

	sp->ns[LXR_NS_NET].create = false;
	free(sp->ns[LXR_NS_NET].join_path);
	sp->ns[LXR_NS_NET].join_path = lxr_xstrdup(ep->netns_path);
	sp->ns[LXR_NS_NET].own = true;
	if (!mounted(sp, "/etc/hosts")) {
		plan_spec_add_mount(sp, "/etc/hosts", "bind", ep->hosts_path,
				    plan_etc_bind_flags(sp), NULL);
		in->plan.carrier_mounts++;
	}
	if (!mounted(sp, "/etc/resolv.conf")) {
		plan_spec_add_mount(sp, "/etc/resolv.conf", "bind", ep->resolv_path,
				    plan_etc_bind_flags(sp), NULL);
		in->plan.carrier_mounts++;
	}
	in->net_joined = true;
	in->ip = ep->ip;
}

/* The endpoints, made (or found, on a restart) before the container
 * starts: its first network's, whose namespace the container joins and
 * whose hosts and resolv.conf it sees, then its other networks'. */
int sup_net_attach(struct sup *s, struct sup_instance *in, lxr_err *err)
{
	const struct plan_endpoint *np = &in->plan.net;
	_cleanup_free_ char *owner = NULL;
	_cleanup_free_ struct lxr_port *ports = NULL;
	struct lxr_net_config ncfg = {0};
	struct lxr_net_pool pool;
	struct lxr_endpoint ep = {0};
	struct lxr_net_def def = {0};
	int r;

	if (!np->network)
		return 0;
	if (net_ports_from_plan(np, &ports, err) < 0)
		return lxr_err_wrap(err, "%s", in->name);
	net_pool_default(&pool);
	ncfg = net_config_of(np);
	if (shared_config(np, &def, &ncfg, err) < 0)
		return lxr_err_wrap(err, "%s", in->name);
	owner = lxr_xasprintf("%s/%s/%d%s", s->stack->project, in->svc->cfg->name, in->replica,
			      sup_net_owner_suffix(in));
	struct lxr_endpoint_config ec = {.network = np->network,
					 .net_project = np->net_project,
					 .container = in->plan.spec.id,
					 .owner = owner,
					 .static_ip = np->static_ip,
					 .static_ip6 = np->static_ip6,
					 .mac = np->mac,
					 .ifname = np->ifname,
					 .link_local = np->link_local,
					 .gw = np->gw,
					 .ports = ports,
					 /* start-first: its ports are the old
					  * container's until it is ready */
					 .n_ports = in->no_publish ? 0 : np->n_ports,
					 .names = np->names,
					 .peer_names = np->peer_names,
					 .extra_hosts = np->extra_hosts,
					 .dns = np->dns,
					 .dns_search = np->dns_search,
					 .dns_opt = np->dns_opt,
					 .holder = getpid(),
					 .create = &ncfg,
					 .pool = &pool,
					 .defer_peer_hosts = true};
	/* its error names the container and the network already */
	r = net_endpoint_add(lxr_run_dir(), s->stack->project, &ec, &ep, err);
	net_def_free(&def);
	if (r < 0)
		return -1;
	s->hosts_stale |= ep.made;
	if (!in->net_joined)
		join_endpoint(in, &ep);
	free(in->ports);
	in->ports = ep.ports;
	in->n_ports = ep.n_ports;
	ep.ports = NULL;
	net_endpoint_free(&ep);
	for (size_t i = 0; i < in->plan.n_more_nets; i++)
		if (attach_more(s, in, i, err) < 0)
			return -1;
	return 0;
}

/* The peers' /etc/hosts, once per turn of the loop that made endpoints:
 * a wave of n starts costs n writes, not n(n+1)/2. A new container's own
 * file lists every name made before it (its depends_on targets among
 * them) from the start; the others learn its names here, before the loop
 * waits again. */
void sup_net_hosts_flush(struct sup *s)
{
	lxr_err err;

	if (!s->hosts_stale)
		return;
	s->hosts_stale = false;
	if (net_hosts_refresh(lxr_run_dir(), s->stack->project, &err) < 0)
		lxr_warn("%s", err.msg);
}

/* A recreated or removed instance's endpoint goes with its container: the
 * net layer hands an existing endpoint back as it is (that is how a restart
 * keeps its address), so a new plan (other ports, another network) would
 * otherwise meet the old endpoint. */
int sup_net_detach(const struct sup *s, const struct sup_instance *in, lxr_err *err)
{
	return net_endpoint_remove(lxr_run_dir(), s->stack->project, in->plan.spec.id, err);
}

/* While the stack goes down level by level, the endpoint of a container
 * that has stopped goes in the time the loop would wait for the next level
 * to stop: unmounting its namespace costs an RCU grace period, and its veth
 * goes with the namespace in the kernel's own work, so the project's
 * cleanup finds little left to remove or wait for. One per turn; what
 * fails here, the cleanup removes. */
/* Is a container that joined in's network namespace (network_mode:
 * service:X) still running? Its stop comes first, but X may have ended
 * before the stack's; its ports go with X's endpoint. */
static bool joined_by_running(struct sup *s, const struct sup_instance *in)
{
	FOR_EACH_INSTANCE(s, x)
	{
		const struct plan_ns_join *j = &x->plan.net_of;
		if (x->c && j->name && !j->container && !strcmp(j->name, in->svc->cfg->name))
			return true;
	}
	return false;
}

void sup_net_tidy_next(struct sup *s)
{
	lxr_err err;

	if (!s->shutting_down)
		return;
	FOR_EACH_INSTANCE(s, in)
	{
		if (in->c || !in->net_joined || joined_by_running(s, in))
			continue;
		in->net_joined = false;
		/* its next networks first (the project's cleanup would remove
		 * them later): a macvlan's or ipvlan's link there is deleted in
		 * the namespace the first one's removal takes */
		for (size_t i = 0; i < in->plan.n_more_nets; i++) {
			_cleanup_free_ char *next =
			    lxr_xasprintf("%s+%s", in->plan.spec.id, in->plan.more_nets[i].network);
			if (net_endpoint_remove_going(lxr_run_dir(), s->stack->project, next,
						      &err) < 0)
				lxr_warn("%s: %s", in->name, err.msg);
		}
		if (net_endpoint_remove_going(lxr_run_dir(), s->stack->project, in->plan.spec.id,
					      &err) < 0)
			lxr_warn("%s: %s", in->name, err.msg);
		return;
	}
}

/* A start-first update's new container beside the old one ("<name>.next",
 * update.c) holds an address lease of its own. */
const char *sup_net_owner_suffix(const struct sup_instance *in)
{
	return lxr_str_has_suffix(in->plan.spec.id, ".next") ? "/next" : "";
}

int sup_net_ports_move(const struct sup *s, struct sup_instance *from, struct sup_instance *to,
		       lxr_err *err)
{
	if (net_endpoint_ports_move(lxr_run_dir(), s->stack->project, from->plan.spec.id,
				    to->plan.spec.id, err) < 0)
		return -1;
	free(to->ports);
	to->ports = lxr_steal_ptr(&from->ports);
	to->n_ports = from->n_ports;
	from->n_ports = 0;
	to->no_publish = false;
	return 0;
}

/* As published when the instance has joined (a picked host port shown),
 * else as planned ("0" for a host port still to pick). As docker shows
 * them: a port on every address of a network with IPv6 once per family
 * ("0.0.0.0:..." and "[::]:..."), an IPv6 address in brackets. */
char **sup_net_ports(const struct sup_instance *in)
{
	const struct plan_endpoint *ep = &in->plan.net;
	char **out = lxr_xcalloc(1, sizeof(char *));
	size_t n = in->ports ? in->n_ports : ep->network ? ep->n_ports : 0;

	for (size_t i = 0; i < n; i++) {
		char ip[NET_IP6_STRLEN + 2] = "0.0.0.0", v6[NET_IP6_STRLEN], h[16], c[16];
		unsigned hp, he, cp, ce;
		bool udp, all;
		if (in->ports) {
			const struct lxr_port *p = &in->ports[i];
			if (p->host_v6)
				snprintf(ip, sizeof(ip), "[%s]", net_ip6_str(&p->host_ip6, v6));
			else if (p->host_ip)
				net_ip_str(p->host_ip, ip);
			all = !p->host_v6 && !p->host_ip && !p->v4_only;
			hp = p->host_port, he = p->host_end, cp = p->ctr_port, ce = p->ctr_end;
			udp = p->udp;
		} else {
			const struct plan_port *p = &ep->ports[i];
			snprintf(ip, sizeof(ip),
				 p->host_ip && strchr(p->host_ip, ':') ? "[%s]" : "%s",
				 p->host_ip ? p->host_ip : "0.0.0.0");
			all = !p->host_ip; /* an explicit 0.0.0.0 is IPv4's alone */
			hp = p->host_port, he = p->host_end, cp = p->ctr_port, ce = p->ctr_end;
			udp = p->udp;
		}
		snprintf(h, sizeof(h), he != hp ? "%u-%u" : "%u", hp, he);
		snprintf(c, sizeof(c), ce != cp ? "%u-%u" : "%u", cp, ce);
		lxr_strv_push(&out, lxr_xasprintf("%s:%s->%s/%s", ip, h, c, udp ? "udp" : "tcp"));
		if (all && ep->ipv6)
			lxr_strv_push(&out,
				      lxr_xasprintf("[::]:%s->%s/%s", h, c, udp ? "udp" : "tcp"));
	}
	return out;
}

bool sup_port_mapping(const char *entry, struct sup_port_mapping *m)
{
	const char *arrow = strstr(entry, "->"), *colon;

	colon = arrow ? memrchr(entry, ':', (size_t)(arrow - entry)) : NULL;
	if (!colon)
		return false;
	m->ip_len = (int)(colon - entry);
	if (lxr_sscanf(colon + 1, "%u-%u", &m->h1, &m->h2) < 2)
		m->h2 = m->h1;
	if (lxr_sscanf(arrow + 2, "%u-%u/%7s", &m->c1, &m->c2, m->proto) != 3) {
		if (lxr_sscanf(arrow + 2, "%u/%7s", &m->c1, m->proto) != 2)
			return false;
		m->c2 = m->c1;
	}
	return true;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool same_pool(const struct cfg_ipam_pool *a, const struct cfg_ipam_pool *b)
{
	if (!same_str(a->subnet.v, b->subnet.v) || !same_str(a->gateway.v, b->gateway.v) ||
	    !same_str(a->ip_range.v, b->ip_range.v) || a->aux.n != b->aux.n)
		return false;
	for (size_t i = 0; i < a->aux.n; i++)
		if (strcmp(a->aux.v[i].value, b->aux.v[i].value))
			return false;
	return true;
}

/* The same keys with the same values, in any order. */
static bool same_kvs(const struct cfg_kvs *a, const struct cfg_kvs *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		size_t j = 0;
		while (j < b->n && strcmp(a->v[i].key, b->v[j].key))
			j++;
		if (j == b->n || !same_str(a->v[i].value, b->v[j].value))
			return false;
	}
	return true;
}

/* Is the network declared the same way in both files (what the net layer
 * makes it from)? */
static bool same_network(const struct cfg_network *a, const struct cfg_network *b)
{
	bool ia = a->internal.set && a->internal.v, ib = b->internal.set && b->internal.v;

	if (ia != ib || a->n_pools != b->n_pools || a->enable_ipv6.v != b->enable_ipv6.v ||
	    !same_pool(&a->pool6, &b->pool6) || a->external.v != b->external.v ||
	    !same_str(a->host_name.v, b->host_name.v) ||
	    cfg_netdrv_sublink(a->driver.v) != cfg_netdrv_sublink(b->driver.v) ||
	    (cfg_netdrv_sublink(a->driver.v) && strcmp(a->driver.v, b->driver.v)) ||
	    !same_kvs(&a->driver_opts, &b->driver_opts))
		return false;
	return !a->n_pools || same_pool(&a->pools[0], &b->pools[0]);
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

static const char *shared_name(const struct cfg_network *nw)
{
	return nw->host_name.v ? nw->host_name.v : nw->external.v ? nw->name : NULL;
}

/* Compose's rule: an external network must exist; a network with `name:`
 * is made by the first project that needs it and joined by the others.
 * Every external one is checked before any is made, and what this call
 * made goes again if a later one fails. */
int sup_stack_networks_prepare(const struct cfg_stack *st, bool check_only, lxr_err *err)
{
	_cleanup_strv_ char **made = lxr_xcalloc(1, sizeof(char *));
	int r = 0;

	for (size_t i = 0; i < st->n_networks && r == 0; i++) {
		const struct cfg_network *nw = &st->networks[i];
		const char *name = shared_name(nw);
		if (!name)
			continue;
		if (net_def_name_check(name, err) < 0)
			r = lxr_err_wrap(err, "stack network %s", nw->name);
		else if (nw->external.v && !net_def_exists(name))
			r = lxr_fail(err, ENOENT,
				     "network \"%s\" is external (network %s of the stack) and "
				     "does not exist",
				     name, nw->name),
			lxr_err_hint(err, "create it first: lxr network create %s", name);
	}
	for (size_t i = 0; i < st->n_networks && r == 0 && !check_only; i++) {
		const struct cfg_network *nw = &st->networks[i];
		const char *name = shared_name(nw);
		_cleanup_strv_ char **labels = sup_kvs_strv(&nw->labels);
		_cleanup_strv_ char **opts = sup_kvs_strv(&nw->driver_opts);
		struct lxr_net_def d = {.name = (char *)name,
					.internal = nw->internal.set && nw->internal.v,
					.labels = labels,
					.options = opts,
					.driver =
					    cfg_netdrv_sublink(nw->driver.v) ? nw->driver.v : NULL};
		struct lxr_net_pool pool;
		if (!name || nw->external.v || net_def_exists(name))
			continue;
		_cleanup_strv_ char **aux = lxr_xcalloc(1, sizeof(char *));
		if (nw->n_pools) {
			d.subnet = nw->pools[0].subnet.v;
			d.gateway = nw->pools[0].gateway.v;
			d.ip_range = nw->pools[0].ip_range.v;
			for (size_t k = 0; k < nw->pools[0].aux.n; k++)
				lxr_strv_push(&aux, lxr_xstrdup(nw->pools[0].aux.v[k].value));
		}
		d.ipv6 = nw->enable_ipv6.set && nw->enable_ipv6.v;
		d.subnet6 = nw->pool6.subnet.v;
		d.gateway6 = nw->pool6.gateway.v;
		if (d.ipv6) {
			d.ip_range6 = nw->pool6.ip_range.v;
			for (size_t k = 0; k < nw->pool6.aux.n; k++)
				lxr_strv_push(&aux, lxr_xstrdup(nw->pool6.aux.v[k].value));
		}
		d.aux = aux;
		net_pool_default(&pool);
		r = net_def_create(lxr_run_dir(), &d, &pool, err);
		if (r < 0)
			lxr_err_wrap(err, "stack network %s", nw->name);
		else
			lxr_strv_push(&made, lxr_xstrdup(name));
	}
	for (size_t i = 0; r < 0 && made[i]; i++) {
		lxr_err e;
		if (net_def_remove(lxr_run_dir(), made[i], &e) < 0)
			lxr_err_print(&e);
	}
	return r;
}

/* down: compose removes the networks a file makes (never an external
 * one); one another project still has containers on stays for it, and
 * its last user's down removes it. */
void sup_stack_networks_release(const struct cfg_stack *st)
{
	for (size_t i = 0; i < st->n_networks; i++) {
		const struct cfg_network *nw = &st->networks[i];
		const char *name = shared_name(nw);
		struct lxr_net_member *m = NULL;
		size_t n = 0;
		lxr_err e;

		if (!name || nw->external.v || !net_def_exists(name))
			continue;
		net_members(lxr_run_dir(), LXR_SHARED_NET_PROJECT, name, &m, &n);
		if (n)
			lxr_info("network %s stays: %s/%s still uses it", name, m[0].project,
				 m[0].container);
		else if (net_def_remove(lxr_run_dir(), name, &e) < 0)
			lxr_err_print(&e);
		net_members_free(m, n);
	}
}

int sup_net_config(const struct plan_endpoint *np, struct lxr_net_def *def,
		   struct lxr_net_config *out, lxr_err *err)
{
	*out = net_config_of(np);
	return shared_config(np, def, out, err);
}
