/* A top-level network's `ipam`: its IPv4 and IPv6 pools (subnet, gateway,
 * ip_range, aux_addresses), each checked against its subnet as docker's
 * IPAM checks them at network creation. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

static uint32_t prefix_mask(int prefix)
{
	return prefix ? 0xffffffffu << (32 - prefix) : 0;
}

struct pool_ctx {
	struct cfg_ipam_pool *p;
	uint32_t net;
	int prefix;
	bool have_subnet;
	unsigned char net6[16];
};

/* An IPv6 subnet: a bridge holds the gateway and each container an
 * address; the allocator hands out the first 65536 of a wider one. */
static int pool_subnet6(struct cfg_ctx *c, struct cfg_node *n, struct pool_ctx *pc)
{
	unsigned char masked[16];

	pc->p->v6 = true;
	if (cfg_parse_cidr6(pc->p->subnet.v, pc->net6, &pc->prefix) < 0) {
		cfg_error_hint(c, n, "e.g. fd00:db8:1::/64", "subnet \"%s\" is not an IPv6 subnet",
			       pc->p->subnet.v);
		return -1;
	}
	for (int i = 0; i < 16; i++) {
		int keep = pc->prefix - i * 8;
		masked[i] = keep >= 8  ? pc->net6[i]
			    : keep > 0 ? (unsigned char)(pc->net6[i] & (0xff << (8 - keep)))
				       : 0;
	}
	if (memcmp(masked, pc->net6, 16)) {
		char want[64], ip[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, masked, ip, sizeof(ip));
		snprintf(want, sizeof(want), "%s/%d", ip, pc->prefix);
		cfg_error_hint(c, n, want, "subnet \"%s\" has host bits set", pc->p->subnet.v);
		return -1;
	}
	if (pc->prefix > 126) {
		cfg_error_hint(c, n, "a /126 or wider (e.g. /64)",
			       "subnet \"%s\" has no room for a gateway and a container",
			       pc->p->subnet.v);
		return -1;
	}
	pc->have_subnet = true;
	return 0;
}

static int pool_subnet(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct pool_ctx *pc = obj;
	char want[32];

	if (cfg_read_str(c, n, "subnet", &pc->p->subnet) < 0 || !pc->p->subnet.v)
		return -1;
	if (strchr(pc->p->subnet.v, ':'))
		return pool_subnet6(c, n, pc);
	if (cfg_parse_cidr4(pc->p->subnet.v, &pc->net, &pc->prefix) < 0) {
		cfg_error_hint(c, n, "e.g. 172.28.0.0/16", "subnet \"%s\" is not an IPv4 subnet",
			       pc->p->subnet.v);
		return -1;
	}
	if (pc->net & ~prefix_mask(pc->prefix)) {
		uint32_t base = pc->net & prefix_mask(pc->prefix);
		snprintf(want, sizeof(want), "%u.%u.%u.%u/%d", base >> 24, (base >> 16) & 255,
			 (base >> 8) & 255, base & 255, pc->prefix);
		cfg_error_hint(c, n, want, "subnet \"%s\" has host bits set", pc->p->subnet.v);
		return -1;
	}
	pc->have_subnet = true;
	/* A bridge holds the gateway and each container an address of its own:
	 * /30 leaves one of each, a /31 or /32 none. net_ipam_new takes /8 at
	 * the widest, and hands out the first 65536 addresses of a subnet
	 * wider than /16 (a state byte and two links per address). */
	if (pc->prefix > 30) {
		cfg_error_hint(c, n, "a /30 or wider (e.g. /24)",
			       "subnet \"%s\" has no room for a gateway and a container",
			       pc->p->subnet.v);
		return -1;
	}
	if (pc->prefix < 8)
		cfg_check_supported_hint(c, n->pos, "networks.ipam.wide_subnet",
					 "lxr runs a /8 to /30 subnet (e.g. 10.0.0.0/8)",
					 "a subnet wider than /8 (\"%s\")", pc->p->subnet.v);
	return 0;
}

static int pool_gateway(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct pool_ctx *pc = obj;
	unsigned char a6[16];
	uint32_t a;

	if (cfg_read_str(c, n, "gateway", &pc->p->gateway) < 0 || !pc->p->gateway.v)
		return -1;
	if (cfg_parse_ipv4(pc->p->gateway.v, &a) < 0 && cfg_parse_ipv6(pc->p->gateway.v, a6) < 0) {
		cfg_error(c, n, "gateway \"%s\" is not an IP address", pc->p->gateway.v);
		return -1;
	}
	return 0;
}

static int pool_ip_range(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct pool_ctx *pc = obj;
	unsigned char a6[16];
	uint32_t a;
	int p;

	if (cfg_read_str(c, n, "ip_range", &pc->p->ip_range) < 0 || !pc->p->ip_range.v)
		return -1;
	if (cfg_parse_cidr4(pc->p->ip_range.v, &a, &p) < 0 &&
	    cfg_parse_cidr6(pc->p->ip_range.v, a6, &p) < 0) {
		cfg_error(c, n, "ip_range \"%s\" is not a subnet", pc->p->ip_range.v);
		return -1;
	}
	return 0;
}

static bool in_subnet(uint32_t a, uint32_t net, int prefix)
{
	return (a & prefix_mask(prefix)) == net;
}

static int pool_aux(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct pool_ctx *pc = obj;

	return cfg_read_kvs(c, n, "aux_addresses", false, &pc->p->aux);
}

/* An IPv6 ip_range inside the subnet, starting among the addresses lxr
 * hands out (cfg_ip6_slot). */
static int range_check6(struct cfg_ctx *c, struct pool_ctx *pc)
{
	struct cfg_ipam_pool *p = pc->p;
	unsigned char a[16];
	int pre;

	if (!p->ip_range.v)
		return 0;
	if (cfg_parse_cidr6(p->ip_range.v, a, &pre) < 0) {
		cfg_diag_add(c, p->ip_range.pos, false, NULL,
			     "ip_range %s is not an IPv6 subnet, as subnet %s is", p->ip_range.v,
			     p->subnet.v);
		return -1;
	}
	if (pre < pc->prefix || !cfg_ip6_in(a, pc->net6, pc->prefix)) {
		cfg_diag_add(c, p->ip_range.pos, false, NULL, "ip_range %s is outside subnet %s",
			     p->ip_range.v, p->subnet.v);
		return -1;
	}
	for (int i = 0; i < 16; i++) {
		int keep = pre - i * 8;
		unsigned char m = keep >= 8  ? 0xff
				  : keep > 0 ? (unsigned char)(0xff << (8 - keep))
					     : 0;
		if (a[i] & ~m) {
			cfg_diag_add(c, p->ip_range.pos, false, NULL,
				     "ip_range %s has host bits set", p->ip_range.v);
			return -1;
		}
	}
	if (cfg_ip6_slot(a, pc->net6, pc->prefix) < 0) {
		cfg_diag_add(c, p->ip_range.pos, false,
			     "a range among the first 65536 addresses of the subnet",
			     "ip_range %s is beyond the addresses lxr allocates from in subnet %s",
			     p->ip_range.v, p->subnet.v);
		return -1;
	}
	return 0;
}

/* Each aux address one of the subnet's, and none the subnet keeps for
 * itself (network, broadcast, gateway: docker fails to reserve those). */
static int aux_check(struct cfg_ctx *c, struct pool_ctx *pc)
{
	struct cfg_ipam_pool *p = pc->p;
	uint32_t a, gw = pc->net + 1;
	unsigned char a6[16], gw6[16];
	int r = 0;

	memcpy(gw6, pc->net6, 16);
	gw6[15] |= 1;
	if (p->gateway.v &&
	    (p->v6 ? cfg_parse_ipv6(p->gateway.v, gw6) : cfg_parse_ipv4(p->gateway.v, &gw)) < 0)
		return 0; /* said at the gateway */
	for (size_t i = 0; i < p->aux.n; i++) {
		const struct cfg_kv *kv = &p->aux.v[i];
		bool ok =
		    p->v6 ? cfg_parse_ipv6(kv->value, a6) == 0 : cfg_parse_ipv4(kv->value, &a) == 0;
		const char *what = NULL;
		if (!ok) {
			cfg_diag_add(
			    c, kv->pos, false, NULL,
			    "aux_addresses \"%s\": %s is not an %s address, as subnet %s is",
			    kv->key, kv->value, p->v6 ? "IPv6" : "IPv4", p->subnet.v);
			r = -1;
			continue;
		}
		if (p->v6 ? !cfg_ip6_in(a6, pc->net6, pc->prefix)
			  : !in_subnet(a, pc->net, pc->prefix)) {
			cfg_diag_add(c, kv->pos, false, NULL,
				     "aux_addresses \"%s\": %s is outside subnet %s", kv->key,
				     kv->value, p->subnet.v);
			r = -1;
			continue;
		}
		if (p->v6)
			what = !memcmp(a6, pc->net6, 16) ? "subnet-router anycast"
			       : !memcmp(a6, gw6, 16)    ? "gateway"
							 : NULL;
		else
			what = a == pc->net                                ? "network"
			       : a == (pc->net | ~prefix_mask(pc->prefix)) ? "broadcast"
			       : a == gw                                   ? "gateway"
									   : NULL;
		if (what) {
			cfg_diag_add(c, kv->pos, false, "pick another address of the subnet",
				     "aux_addresses \"%s\": %s is the %s address of subnet %s",
				     kv->key, kv->value, what, p->subnet.v);
			r = -1;
		}
	}
	return r;
}

/* An IPv6 gateway inside the subnet, where the allocator can keep it back,
 * and not the subnet-router anycast address. */
static int pool_check6(struct cfg_ctx *c, struct pool_ctx *pc)
{
	struct cfg_ipam_pool *p = pc->p;
	unsigned char a[16];
	long slot;

	if (range_check6(c, pc) < 0 || aux_check(c, pc) < 0)
		return -1;
	if (!p->gateway.v)
		return 0;
	if (cfg_parse_ipv6(p->gateway.v, a) < 0) {
		cfg_diag_add(c, p->gateway.pos, false, NULL,
			     "gateway %s is not an IPv6 address, as subnet %s is", p->gateway.v,
			     p->subnet.v);
		return -1;
	}
	if (!cfg_ip6_in(a, pc->net6, pc->prefix)) {
		cfg_diag_add(c, p->gateway.pos, false, NULL, "gateway %s is outside subnet %s",
			     p->gateway.v, p->subnet.v);
		return -1;
	}
	slot = cfg_ip6_slot(a, pc->net6, pc->prefix);
	if (slot == 0) {
		cfg_diag_add(c, p->gateway.pos, false,
			     "leave gateway out for the first host address",
			     "gateway %s is the subnet-router anycast address of subnet %s",
			     p->gateway.v, p->subnet.v);
		return -1;
	}
	if (slot < 0) {
		cfg_diag_add(c, p->gateway.pos, false,
			     "pick one among the first 65536 addresses of the subnet",
			     "gateway %s is beyond the addresses lxr allocates from in subnet %s",
			     p->gateway.v, p->subnet.v);
		return -1;
	}
	return 0;
}

/* A subnet wider than /16: lxr allocates from its first 65536 addresses
 * (cfg_ip4_slot), so its gateway and ip_range must be among them, as an
 * IPv6 subnet's must (pool_check6). Called once both are in the subnet. */
static int window_check4(struct cfg_ctx *c, struct pool_ctx *pc)
{
	struct cfg_ipam_pool *p = pc->p;
	uint32_t a;
	int pre, r = 0;

	if (pc->prefix >= 16)
		return 0;
	if (p->gateway.v && cfg_parse_ipv4(p->gateway.v, &a) == 0 &&
	    cfg_ip4_slot(a, pc->net, pc->prefix) < 0) {
		cfg_diag_add(c, p->gateway.pos, false,
			     "pick one among the first 65536 addresses of the subnet, or leave "
			     "gateway out for the first host address",
			     "gateway %s is beyond the addresses lxr allocates from in subnet %s",
			     p->gateway.v, p->subnet.v);
		r = -1;
	}
	if (p->ip_range.v && cfg_parse_cidr4(p->ip_range.v, &a, &pre) == 0 &&
	    cfg_ip4_slot(a, pc->net, pc->prefix) < 0) {
		cfg_diag_add(c, p->ip_range.pos, false,
			     "a range among the first 65536 addresses of the subnet",
			     "ip_range %s is beyond the addresses lxr allocates from in subnet %s",
			     p->ip_range.v, p->subnet.v);
		r = -1;
	}
	return r;
}

/* Gateway and ip_range only make sense inside the pool's subnet. */
static int pool_check(struct cfg_ctx *c, struct cfg_node *n, struct pool_ctx *pc)
{
	struct cfg_ipam_pool *p = pc->p;
	uint32_t a;
	int pre, r = 0;

	if (!pc->have_subnet) {
		if (!p->subnet.v)
			cfg_error_hint(c, n, "add subnet: A.B.C.D/N",
				       "ipam config entry has no subnet");
		return -1;
	}
	if (p->v6)
		return pool_check6(c, pc);
	if (p->gateway.v && cfg_parse_ipv4(p->gateway.v, &a) < 0) {
		cfg_diag_add(c, p->gateway.pos, false, NULL,
			     "gateway %s is not an IPv4 address, as subnet %s is", p->gateway.v,
			     p->subnet.v);
		r = -1;
	} else if (p->gateway.v) {
		if (!in_subnet(a, pc->net, pc->prefix)) {
			cfg_diag_add(c, p->gateway.pos, false, NULL,
				     "gateway %s is outside subnet %s", p->gateway.v, p->subnet.v);
			r = -1;
		} else if (a == pc->net || a == (pc->net | ~prefix_mask(pc->prefix))) {
			cfg_diag_add(c, p->gateway.pos, false,
				     "leave gateway out for the first host address",
				     "gateway %s is the %s address of subnet %s", p->gateway.v,
				     a == pc->net ? "network" : "broadcast", p->subnet.v);
			r = -1;
		}
	}
	if (p->ip_range.v && cfg_parse_cidr4(p->ip_range.v, &a, &pre) < 0) {
		cfg_diag_add(c, p->ip_range.pos, false, NULL,
			     "ip_range %s is not an IPv4 subnet, as subnet %s is", p->ip_range.v,
			     p->subnet.v);
		r = -1;
	} else if (p->ip_range.v && (pre < pc->prefix || !in_subnet(a, pc->net, pc->prefix))) {
		cfg_diag_add(c, p->ip_range.pos, false, NULL, "ip_range %s is outside subnet %s",
			     p->ip_range.v, p->subnet.v);
		r = -1;
	} else if (p->ip_range.v && (a & ~prefix_mask(pre))) {
		uint32_t base = a & prefix_mask(pre);
		char want[32];
		snprintf(want, sizeof(want), "%u.%u.%u.%u/%d", base >> 24, (base >> 16) & 255,
			 (base >> 8) & 255, base & 255, pre);
		cfg_diag_add(c, p->ip_range.pos, false, want, "ip_range %s has host bits set",
			     p->ip_range.v);
		r = -1;
	}
	if (aux_check(c, pc) < 0 || (r == 0 && window_check4(c, pc) < 0))
		r = -1;
	return r;
}

static int ipam_config(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	static const struct cfg_key keys[] = {
	    {"subnet", NULL, pool_subnet},
	    {"gateway", NULL, pool_gateway},
	    {"ip_range", "networks.ipam.ip_range", pool_ip_range},
	    {"aux_addresses", NULL, pool_aux},
	};
	static const struct cfg_map_spec spec = {"ipam config", keys, 4, true, NULL, 0};
	struct cfg_network *net = obj;
	int r = 0;

	if (!cfg_expect(c, n, CFG_NODE_SEQ, "ipam config"))
		return -1;
	net->pools = lxr_xcalloc(n->n, sizeof(*net->pools));
	for (size_t i = 0; i < n->n; i++) {
		struct cfg_ipam_pool p = {.pos = n->items[i]->pos};
		struct pool_ctx pc = {&p, 0, 0, false, {0}};
		bool second;
		if (cfg_read_map(c, n->items[i], &spec, &pc) < 0 ||
		    pool_check(c, n->items[i], &pc) < 0)
			r = -1;
		/* one bridge, one IPv4 subnet and one IPv6 subnet (net.h) */
		second = p.v6 ? net->pool6.subnet.v != NULL : net->n_pools > 0;
		if (second)
			cfg_check_supported_hint(
			    c, n->items[i]->pos, "networks.ipam.second_pool",
			    "lxr gives a network one IPv4 and one IPv6 subnet: "
			    "keep one entry of each",
			    "a second %s ipam config entry", p.v6 ? "IPv6" : "IPv4");
		if (p.v6 && !second) {
			net->pool6 = p;
		} else if (p.v6) {
			free(p.subnet.v);
			free(p.gateway.v);
			free(p.ip_range.v);
			cfg_kvs_free(&p.aux);
		} else {
			net->pools[net->n_pools++] = p;
		}
	}
	return r;
}

static int ipam_driver(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	const char *v = cfg_scalar(c, n, "ipam driver");

	if (v && strcmp(v, "default")) {
		cfg_error_hint(c, n, "remove it (lxr has its own allocator)",
			       "ipam driver \"%s\" is not supported yet", v);
		return -1;
	}
	return v ? 0 : -1;
}

/* The IPAM driver's own options: lxr's allocator has none, as docker's
 * default driver reads none of a pool's; dropped, said */
static int ipam_options(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_kvs o = {0};
	int r = cfg_read_kvs(c, n, "ipam options", false, &o);

	(void)obj;
	for (size_t i = 0; r == 0 && i < o.n; i++)
		cfg_diag_add(c, o.v[i].pos, true, NULL,
			     "ipam options \"%s\" is ignored: lxr's address allocator takes no "
			     "options",
			     o.v[i].key);
	cfg_kvs_free(&o);
	return r;
}

int cfg_net_read_ipam(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	static const struct cfg_key keys[] = {
	    {"driver", NULL, ipam_driver},
	    {"config", NULL, ipam_config},
	    {"options", NULL, ipam_options},
	};
	static const struct cfg_map_spec spec = {"ipam", keys, 3, true, NULL, 0};

	return cfg_read_map(c, n, &spec, obj);
}

void cfg_net_pools_free(struct cfg_network *net)
{
	for (size_t i = 0; i < net->n_pools; i++) {
		free(net->pools[i].subnet.v);
		free(net->pools[i].gateway.v);
		free(net->pools[i].ip_range.v);
		cfg_kvs_free(&net->pools[i].aux);
	}
	free(net->pools);
	net->pools = NULL;
	net->n_pools = 0;
	free(net->pool6.subnet.v);
	free(net->pool6.gateway.v);
	free(net->pool6.ip_range.v);
	cfg_kvs_free(&net->pool6.aux);
	memset(&net->pool6, 0, sizeof(net->pool6));
}
