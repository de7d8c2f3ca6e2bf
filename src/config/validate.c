/* Whole-stack checks, run once every service has been read: references to
 * services, networks and volumes (and a service_healthy dependency on a
 * service without a healthcheck); addresses against their network's subnets;
 * published ports used twice; a fixed address or host port on a service with
 * several replicas; memory reservations above their limit; dependency
 * cycles. */
#define _GNU_SOURCE
#include <string.h>

#include "config/internal.h"

static void ref_error(struct cfg_ctx *c, struct cfg_pos pos, const char *kind, const char *name,
		      const char *const *cands, size_t n, const char *hint)
{
	const char *dym = cfg_did_you_mean(name, cands, n);

	if (dym)
		cfg_diag_add(c, pos, false, NULL, "unknown %s \"%s\" (did you mean \"%s\"?)", kind,
			     name, dym);
	else
		cfg_diag_add(c, pos, false, hint, "unknown %s \"%s\"", kind, name);
}

static bool has_check(const struct cfg_service *s)
{
	return s->healthcheck.kind == CFG_HEALTH_CMD || s->healthcheck.kind == CFG_HEALTH_SHELL;
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
				ref_error(c, d->service.pos, "service", d->service.v, names,
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

static bool ipv4_in_pools(const struct cfg_network *net, uint32_t a)
{
	for (size_t i = 0; i < net->n_pools; i++) {
		uint32_t base;
		int pre;
		if (!net->pools[i].subnet.v || cfg_parse_cidr4(net->pools[i].subnet.v, &base, &pre))
			continue;
		uint32_t mask = pre ? 0xffffffffu << (32 - pre) : 0;
		if ((a & mask) == base)
			return true;
	}
	return false;
}

static void check_address(struct cfg_ctx *c, const struct cfg_network *net,
			  const struct cfg_svc_net *sn)
{
	uint32_t a;

	if (!sn->ipv4_address.v || cfg_parse_ipv4(sn->ipv4_address.v, &a) < 0)
		return;
	if (!net->n_pools) {
		cfg_diag_add(c, sn->ipv4_address.pos, false,
			     "give the network an ipam config with a subnet",
			     "ipv4_address needs network \"%s\" to declare a subnet", net->name);
	} else if (!ipv4_in_pools(net, a)) {
		cfg_diag_add(c, sn->ipv4_address.pos, false, NULL,
			     "ipv4_address %s is outside the subnet of network \"%s\" (%s)",
			     sn->ipv4_address.v, net->name, net->pools[0].subnet.v);
	}
}

/* deploy.replicas runs N containers from one service definition; a fixed
 * address can be given to one of them only (Compose refuses it too). */
static void check_replica_address(struct cfg_ctx *c, const struct cfg_service *s,
				  const struct cfg_svc_net *sn)
{
	if (!sn->ipv4_address.v || s->replicas.v <= 1)
		return;
	cfg_diag_add(c, sn->ipv4_address.pos, false,
		     "drop ipv4_address (lxr allocates one per instance), or run one replica",
		     "ipv4_address %s cannot serve %lld replicas (deploy.replicas on line %d)",
		     sn->ipv4_address.v, (long long)s->replicas.v, s->replicas.pos.line);
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
				ref_error(c, s->networks[j].name.pos, "network",
					  s->networks[j].name.v, names, st->n_networks,
					  "declare it under the top-level `networks:`");
			else
				check_address(c, net, &s->networks[j]);
			check_replica_address(c, s, &s->networks[j]);
		}
		c->where = NULL;
	}
	free(names);
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
				ref_error(c, m->pos, "volume", m->source, names, st->n_volumes,
					  "declare it under the top-level `volumes:`, or write a "
					  "path (./dir) for a bind mount");
		}
		c->where = NULL;
	}
	free(names);
}

static bool ports_overlap(const struct cfg_port *a, const struct cfg_port *b)
{
	if (!a->host_start || !b->host_start || a->proto != b->proto)
		return false;
	if (a->host_ip && b->host_ip && strcmp(a->host_ip, b->host_ip))
		return false;
	return a->host_start <= b->host_end && b->host_start <= a->host_end;
}

/* Each instance binds its own host ports: a host port (or range) holds
 * one instance's worth of ports only, unless the range is wide enough to
 * give each instance its own (Compose's rule for scaled services). */
static void check_replica_ports(struct cfg_ctx *c, const struct cfg_service *s)
{
	for (size_t p = 0; p < s->n_ports && s->replicas.v > 1; p++) {
		const struct cfg_port *a = &s->ports[p];
		int64_t have = a->host_end - a->host_start + 1;
		int64_t need = s->replicas.v * (a->target_end - a->target_start + 1);
		char host[32];

		if (!a->host_start || have >= need)
			continue;
		if (a->host_start == a->host_end)
			snprintf(host, sizeof(host), "host port %d", a->host_start);
		else
			snprintf(host, sizeof(host), "host ports %d-%d", a->host_start,
				 a->host_end);
		cfg_diag_add(c, a->pos, false,
			     "leave the host port out (an ephemeral port per instance), give a "
			     "host range with room for every instance, or run one replica",
			     "service \"%s\": %s cannot be published by %lld replicas "
			     "(deploy.replicas on line %d)",
			     s->name, host, (long long)s->replicas.v, s->replicas.pos.line);
	}
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
					if (!ports_overlap(a, b))
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

void cfg_stack_validate(struct cfg_ctx *c, struct cfg_stack *st)
{
	const char **names = lxr_xcalloc(st->n_services + 1, sizeof(*names));

	for (size_t i = 0; i < st->n_services; i++)
		names[i] = st->services[i].name;
	check_depends(c, st, names);
	free(names);
	check_networks(c, st);
	check_volumes(c, st);
	check_ports(c, st);
	check_reservations(c, st);
	cfg_stack_check_cycles(c, st);
}
