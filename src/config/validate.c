/* Whole-stack checks, once every service is read: references to services,
 * networks and volumes (a service with profiles keeps its bad ones until
 * it is enabled: cfg_ref_error); service_healthy on a service without a
 * healthcheck; addresses against their network's subnet, gateway and each
 * other; a host port one service publishes twice (two services:
 * cfg_stack_check_chosen), or from an internal network; a fixed address or
 * host ports that do not fit a service's replicas; memory reservations
 * above their limit; dependency cycles. */
#define _GNU_SOURCE
#include <string.h>

#include "config/config_internal.h"

/* In service s: kept until it is enabled, where it has profiles (cfg_ref_error) */
static void ref_error(struct cfg_ctx *c, const struct cfg_service *s, struct cfg_pos pos,
		      const char *kind, const char *name, const char *const *cands, size_t n,
		      const char *hint)
{
	const char *dym = cfg_did_you_mean(name, cands, n);

	if (dym)
		cfg_ref_error(c, s, pos, NULL, "unknown %s \"%s\" (did you mean \"%s\"?)", kind,
			      name, dym);
	else
		cfg_ref_error(c, s, pos, hint, "unknown %s \"%s\"", kind, name);
}

/* A service that names an image (not a rootfs path), or builds one, may get
 * its check from the image's HEALTHCHECK: only the supervisor, with the
 * image at hand, can tell, so the file is not refused for it. */
static bool has_check(const struct cfg_service *s)
{
	enum cfg_health_kind k = s->healthcheck.kind;

	if (k == CFG_HEALTH_CMD || k == CFG_HEALTH_SHELL)
		return true;
	return (k == CFG_HEALTH_UNSET || k == CFG_HEALTH_INHERIT) &&
	       ((s->image.v && !s->image_is_path) || s->build.set);
}

static void check_depends(struct cfg_ctx *c, struct cfg_stack *st, const char **names)
{
	for (size_t i = 0; i < st->n_services; i++) {
		struct cfg_service *s = &st->services[i];
		for (size_t j = 0; j < s->n_depends_on; j++) {
			struct cfg_dep *d = &s->depends_on[j];
			const struct cfg_service *dep = cfg_stack_service(st, d->service.v);
			_cleanup_free_ char *w = lxr_xasprintf("service \"%s\"", s->name);
			c->where = w;
			if (!dep)
				ref_error(c, s, d->service.pos, "service", d->service.v, names,
					  st->n_services,
					  "depends_on names services of this stack");
			else if (d->condition == CFG_DEP_HEALTHY && !has_check(dep))
				/* it could never become healthy: the dependant would
				 * wait until the dependency exits */
				cfg_diag_add(
				    c, d->service.pos, false,
				    "give that service a healthcheck, or use condition: "
				    "service_started",
				    "depends_on \"%s\" with condition service_healthy, but "
				    "\"%s\" has no healthcheck",
				    dep->name, dep->name);
			c->where = NULL;
		}
	}
}

/* volumes_from names another service of the stack (a container outside it
 * is not runnable yet: service_fs.c). */
static void check_volumes_from(struct cfg_ctx *c, struct cfg_stack *st, const char **names)
{
	for (size_t i = 0; i < st->n_services; i++) {
		struct cfg_service *s = &st->services[i];
		_cleanup_free_ char *w = lxr_xasprintf("service \"%s\"", s->name);
		c->where = w;
		for (size_t j = 0; j < s->n_volumes_from; j++) {
			const struct cfg_volumes_from *f = &s->volumes_from[j];
			if (f->container)
				continue;
			if (!strcmp(f->name, s->name))
				cfg_diag_add(c, f->spec.pos, false, "name another service",
					     "volumes_from: service \"%s\" cannot take its own "
					     "volumes",
					     s->name);
			else if (!cfg_stack_service(st, f->name))
				ref_error(c, s, f->spec.pos, "service", f->name, names,
					  st->n_services,
					  "volumes_from names a service of this stack, or a "
					  "container as container:NAME");
		}
		c->where = NULL;
	}
}

/* The pool of net holding a, or NULL; *mask and *gw (the configured
 * gateway, else the first host address, as net_network_up picks it). */
static const struct cfg_ipam_pool *pool_of(const struct cfg_network *net, uint32_t a,
					   uint32_t *mask, uint32_t *gw)
{
	for (size_t i = 0; i < net->n_pools; i++) {
		const struct cfg_ipam_pool *p = &net->pools[i];
		uint32_t base;
		int pre;
		if (!p->subnet.v || cfg_parse_cidr4(p->subnet.v, &base, &pre))
			continue;
		*mask = pre ? 0xffffffffu << (32 - pre) : 0;
		if ((a & *mask) != base)
			continue;
		if (!p->gateway.v || cfg_parse_ipv4(p->gateway.v, gw) < 0)
			*gw = base + 1;
		return p;
	}
	return NULL;
}

/* The aux_addresses entry of p holding address a (text), or NULL: docker
 * keeps those back from every container, a static one too. */
static const struct cfg_kv *aux_holding(const struct cfg_ipam_pool *p, const char *a, bool v6)
{
	unsigned char x[16], y[16];
	uint32_t u, w;

	for (size_t i = 0; i < p->aux.n; i++)
		if (v6 ? cfg_parse_ipv6(a, x) == 0 && cfg_parse_ipv6(p->aux.v[i].value, y) == 0 &&
			     !memcmp(x, y, 16)
		       : cfg_parse_ipv4(a, &u) == 0 && cfg_parse_ipv4(p->aux.v[i].value, &w) == 0 &&
			     u == w)
			return &p->aux.v[i];
	return NULL;
}

static void aux_taken(struct cfg_ctx *c, const struct cfg_network *net, const struct cfg_str *addr,
		      const struct cfg_kv *kv)
{
	cfg_diag_add(c, addr->pos, false, "pick another address, or drop it from aux_addresses",
		     "%s is kept back by aux_addresses \"%s\" of network \"%s\" (line %d)", addr->v,
		     kv->key, net->name, kv->pos.line);
}

static void check_address(struct cfg_ctx *c, const struct cfg_network *net,
			  const struct cfg_svc_net *sn)
{
	const struct cfg_kv *kv;
	const struct cfg_ipam_pool *p;
	uint32_t a, mask, gw;

	if (!sn->ipv4_address.v || cfg_parse_ipv4(sn->ipv4_address.v, &a) < 0)
		return;
	/* an external network's subnet is what it was made with elsewhere:
	 * the address is checked against it when the container joins */
	if (!net->n_pools && net->external.v)
		return;
	if (!net->n_pools) {
		cfg_diag_add(c, sn->ipv4_address.pos, false,
			     "give the network an ipam config with a subnet",
			     "ipv4_address needs network \"%s\" to declare a subnet", net->name);
	} else if (!(p = pool_of(net, a, &mask, &gw))) {
		cfg_diag_add(c, sn->ipv4_address.pos, false, NULL,
			     "ipv4_address %s is outside the subnet of network \"%s\" (%s)",
			     sn->ipv4_address.v, net->name, net->pools[0].subnet.v);
	} else if (a == gw || !(a & ~mask) || (a & ~mask) == ~mask) {
		/* the allocator never hands these out (net_ipam_reserve: EINVAL) */
		cfg_diag_add(c, sn->ipv4_address.pos, false, "pick another host address",
			     "ipv4_address %s is the %s address of network \"%s\" (%s)",
			     sn->ipv4_address.v,
			     a == gw        ? "gateway"
			     : !(a & ~mask) ? "network"
					    : "broadcast",
			     net->name, p->subnet.v);
	} else if ((kv = aux_holding(p, sn->ipv4_address.v, false))) {
		aux_taken(c, net, &sn->ipv4_address, kv);
	}
}

/* ipv6_address: the network has IPv6 and declares the subnet it is in,
 * anywhere in it (beyond the window the allocator hands out from too),
 * and not one it keeps back. */
static void check_address6(struct cfg_ctx *c, const struct cfg_network *net,
			   const struct cfg_svc_net *sn)
{
	const struct cfg_ipam_pool *p = &net->pool6;
	const struct cfg_kv *kv;
	unsigned char a[16], base[16], gw[16];
	int pre;
	long slot, gslot = 1;

	if (!sn->ipv6_address.v || cfg_parse_ipv6(sn->ipv6_address.v, a) < 0)
		return;
	/* as for IPv4: an external network's own subnet decides, at join */
	if (net->external.v)
		return;
	if (!net->enable_ipv6.v) {
		cfg_diag_add(c, sn->ipv6_address.pos, false,
			     "set enable_ipv6: true on the network, with an IPv6 subnet",
			     "ipv6_address needs network \"%s\" to have IPv6 (enable_ipv6)",
			     net->name);
		return;
	}
	if (!p->subnet.v || cfg_parse_cidr6(p->subnet.v, base, &pre) < 0) {
		cfg_diag_add(c, sn->ipv6_address.pos, false,
			     "give the network an ipam config entry with an IPv6 subnet",
			     "ipv6_address needs network \"%s\" to declare an IPv6 subnet",
			     net->name);
		return;
	}
	if (!cfg_ip6_in(a, base, pre)) {
		cfg_diag_add(c, sn->ipv6_address.pos, false, NULL,
			     "ipv6_address %s is outside the IPv6 subnet of network \"%s\" (%s)",
			     sn->ipv6_address.v, net->name, p->subnet.v);
		return;
	}
	slot = cfg_ip6_slot(a, base, pre);
	if (p->gateway.v && cfg_parse_ipv6(p->gateway.v, gw) == 0)
		gslot = cfg_ip6_slot(gw, base, pre);
	/* one beyond the window the allocator hands out from is reserved all
	 * the same (net_ipam6_reserve) */
	if (slot == 0 || slot == gslot)
		cfg_diag_add(c, sn->ipv6_address.pos, false, "pick another host address",
			     "ipv6_address %s is the %s address of network \"%s\" (%s)",
			     sn->ipv6_address.v, slot ? "gateway" : "subnet-router anycast",
			     net->name, p->subnet.v);
	else if ((kv = aux_holding(p, sn->ipv6_address.v, true)))
		aux_taken(c, net, &sn->ipv6_address, kv);
}

/* One IPv6 address written two ways is one address. */
static bool same_ip6(const char *x, const char *y)
{
	unsigned char a[16], b[16];

	return cfg_parse_ipv6(x, a) == 0 && cfg_parse_ipv6(y, b) == 0 && !memcmp(a, b, 16);
}

static void check_address6_taken(struct cfg_ctx *c, const struct cfg_stack *st, size_t i,
				 const struct cfg_svc_net *sn)
{
	for (size_t k = 0; k <= i && sn->ipv6_address.v; k++) {
		const struct cfg_service *o = &st->services[k];
		for (size_t j = 0; j < o->n_networks && &o->networks[j] != sn; j++) {
			const struct cfg_svc_net *on = &o->networks[j];
			if (!on->ipv6_address.v || strcmp(on->name.v, sn->name.v) ||
			    !same_ip6(on->ipv6_address.v, sn->ipv6_address.v))
				continue;
			cfg_diag_add(c, sn->ipv6_address.pos, false, "give each service its own",
				     "ipv6_address %s on network \"%s\" is already service "
				     "\"%s\"'s (line %d)",
				     sn->ipv6_address.v, sn->name.v, o->name,
				     on->ipv6_address.pos.line);
			return;
		}
	}
}

/* Two containers cannot hold one address (net_ipam_reserve: EADDRINUSE). */
static void check_address_taken(struct cfg_ctx *c, const struct cfg_stack *st, size_t i,
				const struct cfg_svc_net *sn)
{
	for (size_t k = 0; k <= i && sn->ipv4_address.v; k++) {
		const struct cfg_service *o = &st->services[k];
		for (size_t j = 0; j < o->n_networks && &o->networks[j] != sn; j++) {
			const struct cfg_svc_net *on = &o->networks[j];
			if (!on->ipv4_address.v || strcmp(on->name.v, sn->name.v) ||
			    strcmp(on->ipv4_address.v, sn->ipv4_address.v))
				continue;
			cfg_diag_add(c, sn->ipv4_address.pos, false, "give each service its own",
				     "ipv4_address %s on network \"%s\" is already service "
				     "\"%s\"'s (line %d)",
				     sn->ipv4_address.v, sn->name.v, o->name,
				     on->ipv4_address.pos.line);
			return;
		}
	}
}

/* deploy.replicas runs N containers from one service definition; a fixed
 * address can be given to one of them only (Compose refuses it too). */
static void check_replica_address(struct cfg_ctx *c, const struct cfg_service *s,
				  const struct cfg_svc_net *sn)
{
	if (s->replicas.v <= 1)
		return;
	if (sn->ipv4_address.v)
		cfg_diag_add(
		    c, sn->ipv4_address.pos, false,
		    "drop ipv4_address (lxr allocates one per instance), or run one replica",
		    "ipv4_address %s cannot serve %lld replicas (deploy.replicas on line %d)",
		    sn->ipv4_address.v, (long long)s->replicas.v, s->replicas.pos.line);
	if (sn->ipv6_address.v)
		cfg_diag_add(
		    c, sn->ipv6_address.pos, false,
		    "drop ipv6_address (lxr allocates one per instance), or run one replica",
		    "ipv6_address %s cannot serve %lld replicas (deploy.replicas on line %d)",
		    sn->ipv6_address.v, (long long)s->replicas.v, s->replicas.pos.line);
}

static void check_networks(struct cfg_ctx *c, struct cfg_stack *st)
{
	const char **names = lxr_xcalloc(st->n_networks + 1, sizeof(*names));

	for (size_t i = 0; i < st->n_networks; i++)
		names[i] = st->networks[i].name;
	for (size_t i = 0; i < st->n_services; i++) {
		struct cfg_service *s = &st->services[i];
		_cleanup_free_ char *w = lxr_xasprintf("service \"%s\"", s->name);
		c->where = w;
		for (size_t j = 0; j < s->n_networks; j++) {
			const struct cfg_network *net =
			    cfg_stack_network(st, s->networks[j].name.v);
			if (!net)
				ref_error(c, s, s->networks[j].name.pos, "network",
					  s->networks[j].name.v, names, st->n_networks,
					  "declare it under the top-level `networks:` (if another "
					  "stack file declares it, name both: -f THAT -f THIS)");
			if (net) {
				check_address(c, net, &s->networks[j]);
				check_address6(c, net, &s->networks[j]);
				cfg_check_link_local(c, net, &s->networks[j]);
			}
			check_address_taken(c, st, i, &s->networks[j]);
			check_address6_taken(c, st, i, &s->networks[j]);
			check_replica_address(c, s, &s->networks[j]);
		}
		c->where = NULL;
	}
	free(names);
}

static bool pool_cidr(const struct cfg_ipam_pool *p, uint32_t *net, int *prefix)
{
	return p->subnet.v && !cfg_parse_cidr4(p->subnet.v, net, prefix);
}

/* A pool of the first n networks whose subnet overlaps net/prefix, or NULL
 * (*owner: its network). */
static const struct cfg_ipam_pool *pool_overlapping(const struct cfg_stack *st, size_t n,
						    uint32_t net, int prefix,
						    const struct cfg_network **owner)
{
	for (size_t j = 0; j < n; j++)
		for (size_t q = 0; q < st->networks[j].n_pools; q++) {
			const struct cfg_ipam_pool *b = &st->networks[j].pools[q];
			uint32_t bn;
			int bp, pre;
			if (!pool_cidr(b, &bn, &bp))
				continue;
			pre = prefix < bp ? prefix : bp;
			if (!pre || !((net ^ bn) >> (32 - pre))) {
				*owner = &st->networks[j];
				return b;
			}
		}
	return NULL;
}

/* Two bridges with overlapping subnets would each claim the same routes
 * on the host; the net layer takes a given subnet as it is. */
static void check_subnets(struct cfg_ctx *c, const struct cfg_stack *st)
{
	for (size_t i = 0; i < st->n_networks; i++)
		for (size_t p = 0; p < st->networks[i].n_pools; p++) {
			const struct cfg_ipam_pool *a = &st->networks[i].pools[p], *b;
			const struct cfg_network *other;
			uint32_t an;
			int ap;
			if (!pool_cidr(a, &an, &ap) ||
			    !(b = pool_overlapping(st, i, an, ap, &other)))
				continue;
			cfg_diag_add(
			    c, a->subnet.pos, false, "give each network a range of its own",
			    "network \"%s\": subnet %s overlaps subnet %s of network \"%s\" "
			    "(line %d)",
			    st->networks[i].name, a->subnet.v, b->subnet.v, other->name,
			    b->subnet.pos.line);
		}
}

/* The same for IPv6 subnets (an enable_ipv6 network's). */
static void check_subnets6(struct cfg_ctx *c, const struct cfg_stack *st)
{
	for (size_t i = 0; i < st->n_networks; i++) {
		const struct cfg_ipam_pool *a = &st->networks[i].pool6;
		unsigned char an[16], bn[16];
		int ap, bp;
		if (!a->subnet.v || cfg_parse_cidr6(a->subnet.v, an, &ap) < 0)
			continue;
		for (size_t j = 0; j < i; j++) {
			const struct cfg_ipam_pool *b = &st->networks[j].pool6;
			if (!b->subnet.v || cfg_parse_cidr6(b->subnet.v, bn, &bp) < 0 ||
			    !cfg_ip6_in(an, bn, ap < bp ? ap : bp))
				continue;
			cfg_diag_add(
			    c, a->subnet.pos, false, "give each network a range of its own",
			    "network \"%s\": subnet %s overlaps subnet %s of network \"%s\" "
			    "(line %d)",
			    st->networks[i].name, a->subnet.v, b->subnet.v, st->networks[j].name,
			    b->subnet.pos.line);
			break;
		}
	}
}

static bool volume_declared(const struct cfg_stack *st, const char *name)
{
	for (size_t i = 0; i < st->n_volumes; i++)
		if (!strcmp(st->volumes[i].name, name))
			return true;
	return false;
}

static void check_volumes(struct cfg_ctx *c, struct cfg_stack *st)
{
	const char **names = lxr_xcalloc(st->n_volumes + 1, sizeof(*names));

	for (size_t i = 0; i < st->n_volumes; i++)
		names[i] = st->volumes[i].name;
	for (size_t i = 0; i < st->n_services; i++) {
		struct cfg_service *s = &st->services[i];
		_cleanup_free_ char *w = lxr_xasprintf("service \"%s\"", s->name);
		c->where = w;
		for (size_t j = 0; j < s->n_volumes; j++) {
			struct cfg_mount *m = &s->volumes[j];
			if (m->type == CFG_MOUNT_VOLUME && m->source &&
			    !volume_declared(st, m->source))
				ref_error(c, s, m->pos, "volume", m->source, names, st->n_volumes,
					  "declare it under the top-level `volumes:` (if another "
					  "stack file declares it, name both: -f THAT -f THIS), or "
					  "write a path (./dir) for a bind mount");
		}
		c->where = NULL;
	}
	free(names);
}

/* A host range p's instances search for a free port (check_replica_ports):
 * what another service publishes there is passed over, not a clash. */
static bool searched(const struct cfg_service *s, const struct cfg_port *p)
{
	int64_t n = s->replicas.v > 0 ? s->replicas.v : 1;

	return p->host_start &&
	       p->host_end - p->host_start + 1 > n * (p->target_end - p->target_start + 1);
}

static bool ports_overlap(const struct cfg_service *sa, const struct cfg_port *a,
			  const struct cfg_service *sb, const struct cfg_port *b)
{
	if (!a->host_start || !b->host_start || a->proto != b->proto || searched(sa, a) ||
	    searched(sb, b))
		return false;
	if (a->host_ip && b->host_ip && strcmp(a->host_ip, b->host_ip))
		return false;
	return a->host_start <= b->host_end && b->host_start <= a->host_end;
}

static void host_range_text(char *buf, size_t len, int a, int b)
{
	if (a == b)
		snprintf(buf, len, "%d", a);
	else
		snprintf(buf, len, "%d-%d", a, b);
}

/* Each instance binds its own host ports: a host range exactly as long as
 * the container range times the instances holds one block per instance,
 * and instance n publishes block n (struct cfg_port). A longer one, for one
 * container port (the parser refuses it for a container range, as compose
 * does), is searched: each instance publishes the first free port of the
 * whole range (the net layer's net_ports_free), as docker does. */
static void check_replica_ports(struct cfg_ctx *c, const struct cfg_service *s)
{
	int64_t n = s->replicas.v > 0 ? s->replicas.v : 1;

	for (size_t p = 0; p < s->n_ports; p++) {
		const struct cfg_port *a = &s->ports[p];
		int64_t have = a->host_end - a->host_start + 1;
		int64_t width = a->target_end - a->target_start + 1;
		char host[32];

		if (!a->host_start || have >= n * width)
			continue;
		host_range_text(host, sizeof(host), a->host_start, a->host_end);
		if (s->replicas.v <= 1)
			continue;
		/* compose loads it; the engine refuses the second bind */
		cfg_refuse_at_up(
		    c, a->pos, "give a host range with room for every instance, or run one replica",
		    "service \"%s\": host port%s %s cannot be published by %lld "
		    "replicas (deploy.replicas on line %d)",
		    s->name, a->host_start == a->host_end ? "" : "s", host,
		    (long long)s->replicas.v, s->replicas.pos.line);
	}
}

static const struct cfg_port *port_clash(const struct cfg_service *a, const struct cfg_service *b)
{
	for (size_t p = 0; p < a->n_ports; p++)
		for (size_t q = 0; q < b->n_ports; q++)
			if (ports_overlap(a, &a->ports[p], b, &b->ports[q]))
				return &a->ports[p];
	return NULL;
}

int cfg_stack_check_chosen(const struct cfg_stack *st, const bool *chosen, lxr_err *err)
{
	for (size_t i = 0; i < st->n_services; i++) {
		const struct cfg_service *a = &st->services[i];
		for (size_t j = 0; chosen[i] && j < i; j++) {
			const struct cfg_service *b = &st->services[j];
			bool together = cfg_services_together(a, b);
			const struct cfg_port *p;
			if (!chosen[j])
				continue;
			if ((p = port_clash(a, b))) {
				lxr_fail(err, 0,
					 "%s:%d:%d: service \"%s\": host port %d is also published "
					 "by service \"%s\"",
					 p->pos.file ? p->pos.file : st->file, p->pos.line,
					 p->pos.col, a->name, p->host_start, b->name);
				/* a file of alternatives (laradock's nginx or
				 * openresty), run a few at a time */
				if (together)
					return lxr_err_hint(err, "publish each host port once, or "
								 "name the services to run (lxr up "
								 "SERVICE...)");
			} else if (together) {
				continue;
			} else if (a->host.container_name.v && b->host.container_name.v &&
				   !strcmp(a->host.container_name.v, b->host.container_name.v))
				lxr_fail(err, 0,
					 "%s:%d:%d: service \"%s\": container_name \"%s\" is also "
					 "service \"%s\"'s",
					 st->file, a->host.container_name.pos.line,
					 a->host.container_name.pos.col, a->name,
					 a->host.container_name.v, b->name);
			else
				continue;
			return lxr_err_hint(err,
					    "their profiles make them alternatives: activate the "
					    "profiles of one of them only");
		}
	}
	return 0;
}

static void check_ports(struct cfg_ctx *c, struct cfg_stack *st)
{
	for (size_t i = 0; i < st->n_services; i++) {
		check_replica_ports(c, &st->services[i]);
		for (size_t p = 0; p < st->services[i].n_ports; p++) {
			struct cfg_port *a = &st->services[i].ports[p];
			for (size_t j = 0; j <= i; j++) {
				size_t lim = j == i ? p : st->services[j].n_ports;
				for (size_t q = 0; q < lim; q++) {
					struct cfg_port *b = &st->services[j].ports[q];
					/* two services that take one host port may be
					 * alternatives run a few at a time, as docker
					 * compose loads them: the services an up chose
					 * are checked (cfg_stack_check_chosen) */
					if (j != i || !ports_overlap(&st->services[i], a,
								     &st->services[j], b))
						continue;
					cfg_diag_add(
					    c, a->pos, false, "publish each host port once",
					    "service \"%s\": host port %d is already published "
					    "by service \"%s\" on line %d",
					    st->services[i].name, a->host_start,
					    st->services[j].name, b->pos.line);
					goto next;
				}
			}
		next:;
		}
	}
}

/* The runtime writes a memory reservation as memory.low (v2) or the soft
 * limit (v1); the kernel would take one above the hard limit, but it could
 * never be met, so docker refuses it and so does lxr, before anything runs. */
static void check_reservations(struct cfg_ctx *c, struct cfg_stack *st)
{
	for (size_t i = 0; i < st->n_services; i++) {
		const struct cfg_service *s = &st->services[i];
		const struct cfg_int *res = &s->reservations.memory, *lim = &s->limits.memory;
		if (!res->set || !lim->set || !lim->v || res->v <= lim->v)
			continue;
		cfg_diag_add(c, res->pos, false,
			     "a reservation is the least memory the service gets: keep it at or "
			     "below the limit",
			     "service \"%s\": memory reservation (%lld bytes) is above the memory "
			     "limit (%lld bytes) on line %d",
			     s->name, (long long)res->v, (long long)lim->v, lim->pos.line);
	}
}

/* compose-go's implicit dependency: a service in another's network, pid
 * or ipc namespace (service:X), or one that links to X (links: [X:ALIAS],
 * the old files' way to say both), starts after X, as if it said depends_on:
 * {X: {condition: service_started, restart: true}}: when X restarts, its
 * namespaces are new ones, and the service is started again to join them.
 * One that takes X's volumes (volumes_from) starts after X too, but the
 * volumes outlive X's restarts: restart false. A depends_on the file gives
 * wins. */
static void implicit_depend(struct cfg_service *s, const struct cfg_stack *st, const char *name,
			    struct cfg_pos pos, bool restart)
{
	if (!cfg_stack_service(st, name) || !strcmp(name, s->name))
		return;
	for (size_t j = 0; j < s->n_depends_on; j++)
		if (s->depends_on[j].service.v && !strcmp(s->depends_on[j].service.v, name))
			return;
	s->depends_on = lxr_xrealloc(s->depends_on, (s->n_depends_on + 1) * sizeof(*s->depends_on));
	struct cfg_dep *d = &s->depends_on[s->n_depends_on++];
	memset(d, 0, sizeof(*d));
	d->service.v = lxr_xstrdup(name);
	d->service.pos = pos;
	d->condition = CFG_DEP_STARTED;
	d->required = true;
	d->restart = restart;
}

static void implicit_depend_mode(struct cfg_service *s, const struct cfg_stack *st,
				 const struct cfg_str *mode)
{
	if (mode->v && !strncmp(mode->v, "service:", 8))
		implicit_depend(s, st, mode->v + 8, mode->pos, true);
}

static void implicit_depends(struct cfg_stack *st)
{
	for (size_t i = 0; i < st->n_services; i++) {
		struct cfg_service *s = &st->services[i];
		implicit_depend_mode(s, st, &s->host.network_mode);
		implicit_depend_mode(s, st, &s->host.pid);
		implicit_depend_mode(s, st, &s->host.ipc);
		for (size_t j = 0; j < s->n_volumes_from; j++)
			if (!s->volumes_from[j].container)
				implicit_depend(s, st, s->volumes_from[j].name,
						s->volumes_from[j].spec.pos, false);
		for (size_t j = 0; j < s->host.links.n; j++) {
			_cleanup_free_ char *name =
			    lxr_xstrndup(s->host.links.v[j].v, strcspn(s->host.links.v[j].v, ":"));
			implicit_depend(s, st, name, s->host.links.v[j].pos, true);
		}
	}
}

void cfg_stack_validate(struct cfg_ctx *c, struct cfg_stack *st)
{
	const char **names = lxr_xcalloc(st->n_services + 1, sizeof(*names));

	for (size_t i = 0; i < st->n_services; i++)
		names[i] = st->services[i].name;
	check_depends(c, st, names);
	check_volumes_from(c, st, names);
	free(names);
	check_networks(c, st);
	check_subnets(c, st);
	check_subnets6(c, st);
	check_volumes(c, st);
	check_ports(c, st);
	check_reservations(c, st);
	for (size_t i = 0; i < st->n_services; i++) {
		_cleanup_free_ char *w = lxr_xasprintf("service \"%s\"", st->services[i].name);
		c->where = w;
		cfg_svc_check_host(c, st, &st->services[i],
				   cfg_service_networks_given(&st->services[i]));
		c->where = NULL;
	}
	cfg_stack_check_file_refs(c, st);
	cfg_stack_check_builds(c, st);
	implicit_depends(st);
	cfg_stack_check_cycles(c, st);
}
