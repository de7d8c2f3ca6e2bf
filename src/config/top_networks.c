/* Top-level `networks:` entries: driver, options, external and shared
 * names, IPv6 (the pools are top_ipam.c's); the networks a service's
 * network_mode names; the ports a service on none that publishes has. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"
#include "lxr/netdrv.h"

static int net_driver(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_network *net = obj;

	if (cfg_read_str(c, n, "driver", &net->driver) < 0)
		return -1;
	/* overlay, ...: compose loads them; lxr up refuses them */
	if (net->driver.v && strcmp(net->driver.v, "bridge") && !cfg_netdrv_sublink(net->driver.v))
		cfg_check_supported_hint(c, n->pos, "networks.driver.other",
					 "use driver: bridge (the default), macvlan or ipvlan",
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
		if (!strncmp(n->pairs[i].key->raw, "x-", 2)) { /* the schema allows them */
			cfg_interpolate_all(c, n->pairs[i].value);
			continue;
		}
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

int cfg_read_host_name(struct cfg_ctx *c, struct cfg_node *n, struct cfg_str *out)
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
	return cfg_read_host_name(c, n, &((struct cfg_network *)obj)->host_name);
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

/* The bridge driver's options: the MTU, the bridge's name, enable_icc,
 * enable_ip_masquerade and host_binding_ipv4 map onto lxr's bridge (their
 * values checked here), the address families onto enable_ipv6/enable_ipv4
 * (after the network's keys are read: family_opts). The rest ask for what
 * lxr's bridges do not do, and are refused by name (driver_opts_check). */
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
		const char *k = o->v[i].key, *v = o->v[i].value, *takes = NULL;
		char *end;
		long mtu;
		uint32_t ip;
		int b = cfg_netdrv_bridge_value(k, v, &ip, &takes);
		/* (another gateway mode loads, as compose loads it: up refuses it) */
		if (is_family_opt(k) || b >= 0 || !strcmp(k, NETDRV_GW4) || !strcmp(k, NETDRV_GW6))
			continue;
		if (b == -1) {
			cfg_diag_add(c, o->v[i].pos, false, takes,
				     "driver_opts: %s \"%s\" is not %s", k, v,
				     strcmp(k, NETDRV_HOST_IP) ? "a boolean" : "an IPv4 address");
			return -1;
		}
		if (!strcmp(k, "com.docker.network.bridge.name")) {
			if (lxr_ifname_valid(v))
				continue;
			cfg_diag_add(c, o->v[i].pos, false,
				     "1 to 15 characters without space, /, : or %; not . or ..",
				     "driver_opts: \"%s\" is not a name a bridge can have", v);
			return -1;
		}
		if (strcmp(k, "com.docker.network.driver.mtu"))
			continue; /* the driver's own, or refused: driver_opts_check */
		mtu = strtol(v, &end, 10);
		if (!*v || *end || mtu < 68 || mtu > 65535) {
			cfg_diag_add(c, o->v[i].pos, false, "68 to 65535, e.g. \"1450\"",
				     "driver_opts: bad MTU \"%s\"", v);
			return -1;
		}
	}
	return 0;
}

/* driver_opts as the network's driver takes them: the MTU, the bridge's
 * name and switches, macvlan's and ipvlan's own (parent, modes). compose loads the
 * rest, and a value a driver does not take; lxr up refuses them by name,
 * as dockerd refuses them when it makes the network. */
static void driver_opts_check(struct cfg_ctx *c, const struct cfg_network *net)
{
	const char *driver = net->driver.v ? net->driver.v : "bridge";
	bool sub = cfg_netdrv_sublink(driver);

	for (size_t i = 0; i < net->driver_opts.n; i++) {
		const struct cfg_kv *o = &net->driver_opts.v[i];
		const char *takes = NULL;
		int v = cfg_netdrv_value(driver, o->key, o->value, &takes);
		uint32_t ip;
		if (!strcmp(o->key, "com.docker.network.driver.mtu") || v >= 0 ||
		    (!sub && (!strcmp(o->key, "com.docker.network.bridge.name") ||
			      cfg_netdrv_bridge_value(o->key, o->value, &ip, &takes) >= 0)))
			continue;
		if (v == -1 ||
		    (!sub && (!strcmp(o->key, NETDRV_GW4) || !strcmp(o->key, NETDRV_GW6)))) {
			cfg_refuse_at_up(c, o->pos, takes, "driver_opts %s: %s takes no \"%s\"",
					 o->key, driver, o->value);
			continue;
		}
		cfg_check_supported_hint(c, o->pos, "networks.driver_opts.other",
					 sub ? cfg_netdrv_takes(driver)
					     : "supported: com.docker.network.driver.mtu, "
					       "com.docker.network.bridge.name, " NETDRV_ICC
					       ", " NETDRV_MASQ ", " NETDRV_HOST_IP ", " NETDRV_GW4
					       ", " NETDRV_GW6 ", "
					       "com.docker.network.enable_ipv6, "
					       "com.docker.network.enable_ipv4",
					 "driver_opts \"%s\"", o->key);
	}
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
	cfg_net_pools_free(net);
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
	    {"ipam", NULL, cfg_net_read_ipam},
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
	if (r == 0)
		driver_opts_check(c, net);
	check_ipv6(c, net);
	return r;
}

void cfg_network_free(struct cfg_network *net)
{
	free(net->name);
	free(net->driver.v);
	cfg_net_pools_free(net);
	cfg_kvs_free(&net->labels);
	free(net->host_name.v);
	cfg_kvs_free(&net->driver_opts);
}

/* The name a network has on the host (docker's NetworkMode names one so):
 * its `name:`, an external one's key, else <project>_<key>. */
static bool named(const struct cfg_network *net, const char *project, const char *name)
{
	size_t n = project ? strlen(project) : 0;

	if (net->host_name.v || net->external.v)
		return !strcmp(net->host_name.v ? net->host_name.v : net->name, name);
	return project && !strncmp(name, project, n) && name[n] == '_' &&
	       !strcmp(name + n + 1, net->name);
}

/* The network a service's network_mode puts it on, by key; NULL for none
 * (a namespace mode, or refused at up). A name no network of the stack
 * has on the host is an external network under that name, which up
 * requires to exist, as docker requires it at create. */
static const char *mode_network(struct cfg_ctx *c, struct cfg_stack *st, const char *project,
				const struct cfg_str *nm)
{
	const struct cfg_network *taken;
	struct cfg_network *net;

	if (!strcmp(nm->v, "bridge") || !strcmp(nm->v, "default"))
		return "default";
	if (!strcmp(nm->v, "none") || !strcmp(nm->v, "host") || strchr(nm->v, ':'))
		return NULL;
	for (size_t i = 0; i < st->n_networks; i++)
		if (named(&st->networks[i], project, nm->v))
			return st->networks[i].name;
	if ((taken = cfg_stack_network(st, nm->v))) {
		_cleanup_free_ char *host =
		    taken->host_name.v
			? lxr_xstrdup(taken->host_name.v)
			: lxr_xasprintf("%s_%s", project ? project : "", taken->name);
		cfg_refuse_at_up(c, nm->pos,
				 "write network_mode: the network's name on the host, or list the "
				 "network under the service's networks: instead",
				 "network_mode \"%s\" names networks as the host does, where this "
				 "stack's network \"%s\" is \"%s\"",
				 nm->v, taken->name, host);
		return NULL;
	}
	st->networks = lxr_xrealloc(st->networks, (st->n_networks + 1) * sizeof(*st->networks));
	net = &st->networks[st->n_networks++];
	memset(net, 0, sizeof(*net));
	net->name = lxr_xstrdup(nm->v);
	net->pos = nm->pos;
	net->external = (struct cfg_bool){true, true, nm->pos};
	net->mode_only = true;
	return net->name;
}

void cfg_network_mode_networks(struct cfg_ctx *c, struct cfg_stack *st, const char *project)
{
	for (size_t i = 0; i < st->n_services; i++) {
		struct cfg_service *s = &st->services[i];
		_cleanup_free_ char *where = lxr_xasprintf("service \"%s\"", s->name);
		const char *key;
		/* with networks: too, the two clash (cfg_svc_check_host) */
		if (!s->host.network_mode.v || s->n_networks)
			continue;
		c->where = where;
		key = mode_network(c, st, project, &s->host.network_mode);
		c->where = NULL;
		if (!key)
			continue;
		/* at the service's position: filled in, not given */
		s->networks = lxr_xcalloc(1, sizeof(*s->networks));
		s->n_networks = 1;
		cfg_str_set(&s->networks[0].name, key, s->pos);
	}
}

/* A macvlan or ipvlan network publishes no port either: its containers
 * have addresses of their own on the parent's network.
 * An internal network has no way in or out (the net layer drops everything
 * forwarded to or from its bridge), so it cannot publish a port. Compose
 * publishes through a network that is not internal; a service with no
 * such network runs all the same, as with docker, its ports unpublished
 * (the Zabbix files have such agents). `lxr config` prints the file as
 * written; `lxr up` says so (cli_stack_load). */
void cfg_stack_print_unpublished(FILE *f, const struct cfg_stack *st)
{
	for (size_t i = 0; i < st->n_services; i++) {
		const struct cfg_service *s = &st->services[i];
		bool none = s->n_ports && s->n_networks, sublink = false;
		for (size_t j = 0; none && j < s->n_networks; j++) {
			const struct cfg_network *net =
			    cfg_stack_network(st, s->networks[j].name.v);
			bool sub = net && !net->internal.v && cfg_netdrv_sublink(net->driver.v);
			none = net && (net->internal.v || sub);
			sublink |= sub;
		}
		if (!none)
			continue;
		fprintf(f, "%s:%d:%d: warning: service \"%s\": its ports are not published: %s ",
			s->ports[0].pos.file ? s->ports[0].pos.file : st->file,
			s->ports[0].pos.line, s->ports[0].pos.col, s->name,
			sublink ? "macvlan and ipvlan networks publish none, as docker's do not:"
			: s->n_networks > 1 ? "internal networks"
					    : "internal network");
		for (size_t j = 0; j < s->n_networks; j++)
			fprintf(f, "%s\"%s\"", j ? ", " : "", s->networks[j].name.v);
		fputs(sublink
			  ? "\n  hint: reach the service at its own address on the network\n"
			  : "\n  hint: publish from a service on a network that is not internal, "
			    "or drop `internal: true`\n",
		      f);
	}
}
