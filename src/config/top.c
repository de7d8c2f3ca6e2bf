/* Top-level `networks:` and `volumes:` entries. */
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
	 * /30 leaves one of each, a /31 or /32 none. net_ipam_new takes /16 at
	 * the widest (a state byte and two links per address). */
	if (pc->prefix > 30) {
		cfg_error_hint(c, n, "a /30 or wider (e.g. /24)",
			       "subnet \"%s\" has no room for a gateway and a container",
			       pc->p->subnet.v);
		return -1;
	}
	if (pc->prefix < 16)
		cfg_check_supported_hint(c, n->pos, "networks.ipam.wide_subnet",
					 "lxr allocates addresses in a /16 to /30 subnet",
					 "a subnet wider than /16 (\"%s\")", pc->p->subnet.v);
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
	if (aux_check(c, pc) < 0)
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

static int net_ipam(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	static const struct cfg_key keys[] = {
	    {"driver", NULL, ipam_driver},
	    {"config", NULL, ipam_config},
	};
	static const char *const compose_only[] = {"options"};
	static const struct cfg_map_spec spec = {"ipam", keys, 2, true, compose_only, 1};

	return cfg_read_map(c, n, &spec, obj);
}

static int net_driver(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_network *net = obj;

	if (cfg_read_str(c, n, "driver", &net->driver) < 0)
		return -1;
	/* overlay, macvlan, ...: compose loads them; lxr up refuses them */
	if (net->driver.v && strcmp(net->driver.v, "bridge"))
		cfg_check_supported_hint(c, n->pos, "networks.driver.other",
					 "use driver: bridge (the default)",
					 "network driver \"%s\"", net->driver.v);
	return 0;
}

static int net_internal(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_bool(c, n, "internal", &((struct cfg_network *)obj)->internal);
}

static int net_enable_ipv6(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_bool(c, n, "enable_ipv6", &((struct cfg_network *)obj)->enable_ipv6);
}

/* An IPv6 subnet on a network without IPv6 would be dropped, silently.
 * compose-go loads it (it checks no IPAM); up refuses it. */
static void check_ipv6(struct cfg_ctx *c, const struct cfg_network *net)
{
	if (net->pool6.subnet.v && !net->enable_ipv6.v)
		cfg_refuse_at_up(c, net->pool6.subnet.pos,
				 "add enable_ipv6: true to the network, or drop the entry",
				 "IPv6 subnet %s on a network without enable_ipv6",
				 net->pool6.subnet.v);
}

static int net_labels(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_kvs(c, n, "labels", false, &((struct cfg_network *)obj)->labels);
}

/* external: true, or Compose's older {name: NAME} (which names it too). */
int cfg_read_external(struct cfg_ctx *c, struct cfg_node *n, struct cfg_bool *ext,
		      struct cfg_str *name)
{
	if (n->kind != CFG_NODE_MAP)
		return cfg_read_bool(c, n, "external", ext);
	for (size_t i = 0; i < n->n; i++) {
		if (strcmp(n->pairs[i].key->raw, "name")) {
			cfg_error(c, n->pairs[i].key, "unknown key \"%s\" in external",
				  n->pairs[i].key->raw);
			return -1;
		}
		if (cfg_read_str(c, n->pairs[i].value, "external name", name) < 0)
			return -1;
	}
	*ext = (struct cfg_bool){true, true, n->pos};
	return 0;
}

static int net_external(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_network *net = obj;

	return cfg_read_external(c, n, &net->external, &net->host_name);
}

/* `name:` of a network or volume. Empty (`name: ${UNSET}`) is no name:
 * compose-go then names it <project>_<key>, as without the key. */
static int read_host_name(struct cfg_ctx *c, struct cfg_node *n, struct cfg_str *out)
{
	if (cfg_read_str(c, n, "name", out) < 0)
		return -1;
	if (out->v && !*out->v) {
		free(out->v);
		out->v = NULL;
	}
	return 0;
}

static int net_name(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return read_host_name(c, n, &((struct cfg_network *)obj)->host_name);
}

/* com.docker.network.enable_ipv6 (and _ipv4) are the daemon's own spelling
 * of enable_ipv6 (enable_ipv4): dockerd takes the option where the key is
 * not given, and the key where it is. Either way the option is folded
 * into the key (family_opts), so that `lxr config` prints one spelling. */
static int family_opt(struct cfg_ctx *c, struct cfg_network *net, const struct cfg_kv *kv)
{
	bool on;

	if (lxr_go_bool(kv->value, &on) < 0) {
		cfg_diag_add(c, kv->pos, false, "true or false",
			     "driver_opts: %s \"%s\" is not a boolean", kv->key, kv->value);
		return -1;
	}
	if (!strcmp(kv->key, "com.docker.network.enable_ipv4")) {
		if (!on)
			cfg_diag_add(c, kv->pos, false, "lxr networks are IPv4 networks: drop it",
				     "driver_opts: %s false is not supported", kv->key);
		return on ? 0 : -1;
	}
	if (!net->enable_ipv6.set)
		net->enable_ipv6.v = on;
	return 0;
}

/* The bridge driver's options: the MTU maps onto lxr's bridge, the address
 * families onto enable_ipv6/enable_ipv4 (after the network's keys are read:
 * family_opts). The rest ask for what lxr's bridges do not do, and are
 * refused by name. */
static bool is_family_opt(const char *k)
{
	return !strcmp(k, "com.docker.network.enable_ipv6") ||
	       !strcmp(k, "com.docker.network.enable_ipv4");
}

static int family_opts(struct cfg_ctx *c, struct cfg_network *net)
{
	struct cfg_kvs *o = &net->driver_opts;
	size_t kept = 0;
	int r = 0;

	for (size_t i = 0; i < o->n; i++) {
		if (!is_family_opt(o->v[i].key)) {
			o->v[kept++] = o->v[i];
			continue;
		}
		if (family_opt(c, net, &o->v[i]) < 0)
			r = -1;
		free(o->v[i].key);
		free(o->v[i].value);
	}
	o->n = kept;
	return r;
}

static int net_driver_opts(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_kvs *o = &((struct cfg_network *)obj)->driver_opts;

	if (cfg_read_kvs(c, n, "driver_opts", false, o) < 0)
		return -1;
	for (size_t i = 0; i < o->n; i++) {
		const char *k = o->v[i].key, *v = o->v[i].value;
		char *end;
		long mtu;
		if (is_family_opt(k))
			continue;
		if (!strcmp(k, "com.docker.network.bridge.name")) {
			if (lxr_ifname_valid(v))
				continue;
			cfg_diag_add(c, o->v[i].pos, false,
				     "1 to 15 characters without space, /, : or %; not . or ..",
				     "driver_opts: \"%s\" is not a name a bridge can have", v);
			return -1;
		}
		if (strcmp(k, "com.docker.network.driver.mtu")) {
			/* compose loads them; lxr up refuses them by name */
			cfg_check_supported_hint(
			    c, o->v[i].pos, "networks.driver_opts.other",
			    !strcmp(k, "com.docker.network.bridge.enable_icc") ||
				    !strcmp(k, "com.docker.network.bridge.enable_ip_masquerade")
				? "internal: true makes a network without a way out"
				: "supported: com.docker.network.driver.mtu, "
				  "com.docker.network.bridge.name, "
				  "com.docker.network.enable_ipv6, "
				  "com.docker.network.enable_ipv4",
			    "driver_opts \"%s\"", k);
			continue;
		}
		mtu = strtol(v, &end, 10);
		if (!*v || *end || mtu < 68 || mtu > 65535) {
			cfg_diag_add(c, o->v[i].pos, false, "68 to 65535, e.g. \"1450\"",
				     "driver_opts: bad MTU \"%s\"", v);
			return -1;
		}
	}
	return 0;
}

/* attachable is swarm's (other containers may join an overlay network);
 * every lxr network can be joined by the stack's services already. */
static int net_attachable(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_bool v;

	(void)obj;
	return cfg_read_bool(c, n, "attachable", &v);
}

static int net_enable_ipv4(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_bool v;

	(void)obj;
	if (cfg_read_bool(c, n, "enable_ipv4", &v) < 0)
		return -1;
	if (!v.v) {
		cfg_error_hint(c, n, "lxr networks are IPv4 networks: drop it",
			       "enable_ipv4: false is not supported");
		return -1;
	}
	return 0;
}

static void pools_free(struct cfg_network *net)
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

/* An external network is made elsewhere: how to make it means nothing.
 * Compose ignores it (a base file's `driver: bridge` under an override's
 * `external: true` is how some projects ship), and so does lxr, saying so. */
static void drop_making(struct cfg_ctx *c, struct cfg_node *n, struct cfg_network *net)
{
	static const char *const making[] = {"driver", "driver_opts", "ipam", "internal"};

	for (size_t i = 0; net->external.v && i < n->n; i++)
		for (size_t j = 0; j < sizeof(making) / sizeof(making[0]); j++)
			if (!strcmp(n->pairs[i].key->raw, making[j]))
				cfg_warn(c, n->pairs[i].key,
					 "\"%s\" is ignored: the network is external (made "
					 "elsewhere)",
					 making[j]);
	if (!net->external.v)
		return;
	free(net->driver.v);
	net->driver.v = NULL;
	net->internal.v = false;
	pools_free(net);
	cfg_kvs_free(&net->driver_opts);
}

/* `external: true` with `name: bridge` is docker's default bridge, docker0,
 * which lxr does not have: its services get a network of the project's
 * own instead, as `network_mode: bridge` gives them, said once. */
static void docker_bridge(struct cfg_ctx *c, struct cfg_node *n, struct cfg_network *net)
{
	const char *name = net->host_name.v ? net->host_name.v : net->name;

	if (!net->external.v || !name || strcmp(name, "bridge"))
		return;
	cfg_warn(c, n,
		 "external network \"bridge\" is docker's default bridge: lxr gives its "
		 "services a network of the project's own instead (as network_mode: bridge)");
	net->external.v = false;
	net->external.set = false;
	free(net->host_name.v);
	net->host_name.v = NULL;
}

int cfg_network_read(struct cfg_ctx *c, struct cfg_node *n, struct cfg_network *net)
{
	static const struct cfg_key keys[] = {
	    {"driver", NULL, net_driver},
	    {"internal", NULL, net_internal},
	    {"ipam", NULL, net_ipam},
	    {"labels", NULL, net_labels},
	    {"enable_ipv6", NULL, net_enable_ipv6},
	    {"enable_ipv4", NULL, net_enable_ipv4},
	    {"attachable", NULL, net_attachable},
	    {"external", "networks.external", net_external},
	    {"name", "networks.name", net_name},
	    {"driver_opts", "networks.driver_opts", net_driver_opts},
	};
	static const struct cfg_map_spec spec = {"network", keys, 10, true, NULL, 0};
	int r;

	if (cfg_is_null(n))
		return 0;
	r = cfg_read_map(c, n, &spec, net);
	if (r == 0)
		r = family_opts(c, net);
	if (r == 0)
		drop_making(c, n, net);
	if (r == 0)
		docker_bridge(c, n, net);
	check_ipv6(c, net);
	return r;
}

static int vol_driver(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_volume *v = obj;

	if (cfg_read_str(c, n, "driver", &v->driver) < 0)
		return -1;
	if (v->driver.v && strcmp(v->driver.v, "local")) {
		cfg_error_hint(c, n, "use driver: local (the default)",
			       "volume driver \"%s\" is not supported yet", v->driver.v);
		return -1;
	}
	return 0;
}

/* The local driver's options are mount(8)'s: type, o, device. A bind
 * (type: none, o: bind) takes its device relative to the file, made
 * absolute as compose-go makes it. */
static int check_local_opts(struct cfg_ctx *c, struct cfg_node *n, struct cfg_kvs *o)
{
	const char *type = NULL, *opts = "";
	struct cfg_kv *device = NULL;

	for (size_t i = 0; i < o->n; i++) {
		const char *k = o->v[i].key;
		if (!strcmp(k, "type"))
			type = o->v[i].value;
		else if (!strcmp(k, "o"))
			opts = o->v[i].value;
		else if (!strcmp(k, "device"))
			device = &o->v[i];
		else {
			cfg_diag_add(c, o->v[i].pos, false, "type, o and device (mount's options)",
				     "driver_opts: the local driver has no option \"%s\"", k);
			return -1;
		}
	}
	if (!type || strcmp(type, "none") || !strstr(opts, "bind"))
		return 0;
	if (!device || !device->value || !*device->value) {
		cfg_error_hint(c, n, "device: the host directory to bind",
			       "driver_opts: a bind (type: none, o: bind) needs a device");
		return -1;
	}
	if (device->value[0] != '/') {
		char *abs = cfg_abs_path_at(c, device->pos, device->value);
		free(device->value);
		device->value = abs;
	}
	return 0;
}

static int vol_driver_opts(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_kvs *o = &((struct cfg_volume *)obj)->driver_opts;

	cfg_check_supported(c, n, "volumes.driver_opts", "volume driver_opts");
	if (cfg_read_kvs(c, n, "driver_opts", false, o) < 0)
		return -1;
	return check_local_opts(c, n, o);
}

static int vol_labels(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_kvs(c, n, "labels", false, &((struct cfg_volume *)obj)->labels);
}

static int vol_external(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_volume *v = obj;

	return cfg_read_external(c, n, &v->external, &v->host_name);
}

static int vol_name(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return read_host_name(c, n, &((struct cfg_volume *)obj)->host_name);
}

int cfg_volume_read(struct cfg_ctx *c, struct cfg_node *n, struct cfg_volume *v)
{
	static const struct cfg_key keys[] = {
	    {"driver", NULL, vol_driver},       {"driver_opts", NULL, vol_driver_opts},
	    {"labels", NULL, vol_labels},       {"external", "volumes.external", vol_external},
	    {"name", "volumes.name", vol_name},
	};
	static const struct cfg_map_spec spec = {"volume", keys, 5, true, NULL, 0};
	static const char *const making[] = {"driver", "driver_opts", "labels"};
	int r;

	if (cfg_is_null(n))
		return 0;
	r = cfg_read_map(c, n, &spec, v);
	/* an external volume is made elsewhere (lxr volume create): how to
	 * make it is ignored, as compose ignores it, and said */
	for (size_t i = 0; r == 0 && v->external.v && i < n->n; i++)
		for (size_t j = 0; j < sizeof(making) / sizeof(making[0]); j++)
			if (!strcmp(n->pairs[i].key->raw, making[j]))
				cfg_warn(c, n->pairs[i].key,
					 "\"%s\" is ignored: the volume is external (made "
					 "elsewhere: lxr volume create takes -o and --label)",
					 making[j]);
	if (r == 0 && v->external.v) {
		free(v->driver.v);
		v->driver.v = NULL;
		cfg_kvs_free(&v->driver_opts);
		cfg_kvs_free(&v->labels);
	}
	return r;
}

void cfg_network_free(struct cfg_network *net)
{
	free(net->name);
	free(net->driver.v);
	pools_free(net);
	cfg_kvs_free(&net->labels);
	free(net->host_name.v);
	cfg_kvs_free(&net->driver_opts);
}

void cfg_volume_free(struct cfg_volume *v)
{
	free(v->name);
	free(v->driver.v);
	cfg_kvs_free(&v->driver_opts);
	cfg_kvs_free(&v->labels);
	free(v->host_name.v);
}
