/* A service's network keys: ports (short "[ip:][host:]target[/proto]" and
 * long syntax), expose, networks (list or map with aliases/ipv4_address). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "config/config_internal.h"

#define PORT_HINT "e.g. \"8080:80\", \"127.0.0.1:8080:80/udp\", \"9000-9002:9000-9002\""

static int parse_proto(const char *s, enum cfg_proto *out)
{
	static const char *const names[] = {"tcp", "udp", "sctp"};

	for (int i = 0; i < 3; i++)
		if (!strcasecmp(s, names[i])) { /* compose-go lowers "UDP" */
			*out = (enum cfg_proto)i;
			return 0;
		}
	return -1;
}

static bool host_ip_ok(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* Forms the net layer cannot publish yet (support.c), each recorded as not
 * runnable where it is written: proto_pos and ip_pos are the long syntax's
 * keys, else the entry. The port stays in the model (lxr config prints it). */
static void port_refusals(struct cfg_ctx *c, const struct cfg_port *p, struct cfg_pos proto_pos,
			  struct cfg_pos ip_pos)
{
	unsigned char buf[16] __attribute__((aligned(4)));

	if (!p->host_start)
		cfg_check_supported_hint(c, p->pos, "service.ports.ephemeral",
					 "lxr does not pick ephemeral host ports; give one, e.g. "
					 "\"8080:80\" or published: 8080",
					 "a port without a host port");
	if (p->proto == CFG_PROTO_SCTP)
		cfg_check_supported_hint(c, proto_pos, "service.ports.sctp",
					 "lxr publishes tcp and udp ports", "publishing sctp");
	/* the kernel drops a packet from ::1 that leaves the loopback, and
	 * IPv6 has no route_localnet: docker reaches [::1] only through its
	 * userland proxy, which lxr does not run */
	if (p->host_ip && inet_pton(AF_INET6, p->host_ip, buf) == 1 &&
	    IN6_IS_ADDR_LOOPBACK((struct in6_addr *)buf))
		cfg_check_supported_hint(c, ip_pos, "service.ports.host_ipv6_loopback",
					 "publish on 127.0.0.1, or on the host's own IPv6 address",
					 "publishing on the IPv6 loopback address (%s)",
					 p->host_ip);
}

/* Split "[ip:][host:]target" into its parts. An IPv6 ip may be written
 * "[v6]" or bare ("::1:80:80"): docker takes everything before the last
 * two colons for the ip, and so does lxr (check_port checks it is one). */
static int split_short(char *s, char **ip, char **host, char **target)
{
	char *last, *mid;

	*ip = *host = NULL;
	if (s[0] == '[') {
		char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			return -1;
		*close = 0;
		*ip = s + 1;
		s = close + 2;
		last = strrchr(s, ':');
		if (!last)
			return -1;
		*last = 0;
		*host = s;
		*target = last + 1;
		return 0;
	}
	last = strrchr(s, ':');
	if (!last) {
		*target = s;
		return 0;
	}
	*last = 0;
	*target = last + 1;
	mid = strrchr(s, ':');
	if (!mid) {
		*host = s;
		return 0;
	}
	*mid = 0;
	*ip = s;
	*host = mid + 1;
	return 0;
}

static int check_port(struct cfg_ctx *c, struct cfg_node *n, struct cfg_port *p,
		      const char *published, const char *target)
{
	if (cfg_parse_port_range(target, &p->target_start, &p->target_end) < 0) {
		cfg_error_hint(c, n, "a port 1-65535 or a range like 8000-8010",
			       "ports: invalid container port \"%s\"", target);
		return -1;
	}
	if (published && *published &&
	    cfg_parse_port_range(published, &p->host_start, &p->host_end) < 0) {
		cfg_error_hint(c, n, "a port 1-65535 or a range like 8000-8010",
			       "ports: invalid host port \"%s\"", published);
		return -1;
	}
	if (p->host_ip && !host_ip_ok(p->host_ip)) {
		cfg_error(c, n, "ports: invalid host IP \"%s\"", p->host_ip);
		return -1;
	}
	bool target_range = p->target_end != p->target_start;
	bool host_range = p->host_end != p->host_start;
	if (target_range && p->host_start &&
	    (!host_range || p->host_end - p->host_start != p->target_end - p->target_start)) {
		cfg_error_hint(c, n, "give both ranges the same length",
			       "ports: host range and container range differ in size");
		return -1;
	}
	return 0;
}

static int port_short(struct cfg_ctx *c, struct cfg_node *n, struct cfg_port *p)
{
	const char *v = cfg_scalar(c, n, "ports entry");
	_cleanup_free_ char *s = NULL;
	char *slash, *ip, *host, *target;

	if (!v)
		return -1;
	s = lxr_xstrdup(v);
	slash = strrchr(s, '/');
	if (slash) {
		*slash = 0;
		if (parse_proto(slash + 1, &p->proto) < 0) {
			cfg_error_hint(c, n, "tcp, udp or sctp", "ports: unknown protocol \"%s\"",
				       slash + 1);
			return -1;
		}
	}
	if (split_short(s, &ip, &host, &target) < 0) {
		cfg_error_hint(c, n, PORT_HINT, "ports: cannot read \"%s\"", v);
		return -1;
	}
	if (ip && *ip)
		p->host_ip = lxr_xstrdup(ip);
	if (check_port(c, n, p, host, target) < 0)
		return -1;
	port_refusals(c, p, n->pos, n->pos);
	return 0;
}

struct port_long {
	struct cfg_port *p;
	struct cfg_node *target, *published, *protocol, *host_ip;
};

static int pl_target(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	((struct port_long *)obj)->target = n;
	return cfg_scalar(c, n, "ports target") ? 0 : -1;
}

static int pl_published(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	((struct port_long *)obj)->published = n;
	return cfg_scalar(c, n, "ports published") ? 0 : -1;
}

static int pl_host_ip(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	const char *v = cfg_scalar(c, n, "ports host_ip");
	struct cfg_port *p = ((struct port_long *)obj)->p;

	if (!v)
		return -1;
	((struct port_long *)obj)->host_ip = n;
	free(p->host_ip);
	p->host_ip = *v ? lxr_xstrdup(v) : NULL;
	return 0;
}

static int pl_protocol(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	const char *v = cfg_scalar(c, n, "ports protocol");

	if (!v)
		return -1;
	((struct port_long *)obj)->protocol = n;
	if (parse_proto(v, &((struct port_long *)obj)->p->proto) < 0) {
		cfg_error_hint(c, n, "tcp, udp or sctp", "ports: unknown protocol \"%s\"", v);
		return -1;
	}
	return 0;
}

static int pl_mode(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	const char *v = cfg_scalar(c, n, "ports mode");

	/* Swarm's routing mesh (ingress) spreads one port over the nodes; on one
	 * host both modes publish the port on the host's addresses, as Compose
	 * does outside swarm, and any other word (ECS's awsvpc) is taken as
	 * compose takes it: the schema says a string, and docker compose
	 * publishes the port all the same. */
	(void)obj;
	return v ? 0 : -1;
}

/* name and app_protocol describe the port to people and tools; they change
 * nothing about publishing, in Compose either, and lxr keeps them. */
static int pl_text(struct cfg_ctx *c, struct cfg_node *n, const char *what, char **out)
{
	const char *v = cfg_scalar(c, n, what);

	if (!v)
		return -1;
	free(*out);
	*out = *v ? lxr_xstrdup(v) : NULL;
	return 0;
}

static int pl_name(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return pl_text(c, n, "ports name", &((struct port_long *)obj)->p->name);
}

static int pl_app_protocol(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return pl_text(c, n, "ports app_protocol", &((struct port_long *)obj)->p->app_protocol);
}

static int port_long(struct cfg_ctx *c, struct cfg_node *n, struct cfg_port *p)
{
	static const struct cfg_key keys[] = {
	    {"target", NULL, pl_target},
	    {"published", NULL, pl_published},
	    {"host_ip", NULL, pl_host_ip},
	    {"protocol", NULL, pl_protocol},
	    {"mode", NULL, pl_mode},
	    {"name", NULL, pl_name},
	    {"app_protocol", NULL, pl_app_protocol},
	};
	static const struct cfg_map_spec spec = {"ports", keys, 7, true, NULL, 0};
	struct port_long pl = {p, NULL, NULL, NULL, NULL};
	const char *published;

	if (cfg_read_map(c, n, &spec, &pl) < 0)
		return -1;
	if (!pl.target) {
		cfg_error_hint(c, n, "add target: PORT", "ports entry has no target");
		return -1;
	}
	published = pl.published ? pl.published->val : NULL;
	if (check_port(c, pl.target, p, published, pl.target->val) < 0)
		return -1;
	port_refusals(c, p, pl.protocol ? pl.protocol->pos : n->pos,
		      pl.host_ip ? pl.host_ip->pos : n->pos);
	return 0;
}

static bool same_port(const struct cfg_port *a, const struct cfg_port *b)
{
	return a->host_start == b->host_start && a->host_end == b->host_end &&
	       a->target_start == b->target_start && a->target_end == b->target_end &&
	       a->proto == b->proto && !a->name == !b->name &&
	       (!a->host_ip ? !b->host_ip : b->host_ip && !strcmp(a->host_ip, b->host_ip));
}

/* The same mapping written twice (a file, or an override of it, that
 * repeats an entry) is one, as compose-go's unicity rule keeps it; a
 * host port that two different entries take is validate.c's error. */
static void drop_repeated_ports(struct cfg_service *s)
{
	size_t kept = 0;

	for (size_t i = 0; i < s->n_ports; i++) {
		bool seen = false;
		for (size_t k = 0; k < kept && !seen; k++)
			seen = same_port(&s->ports[k], &s->ports[i]);
		if (seen) {
			free(s->ports[i].host_ip);
			free(s->ports[i].name);
			free(s->ports[i].app_protocol);
			continue;
		}
		s->ports[kept++] = s->ports[i];
	}
	s->n_ports = kept;
}

int cfg_svc_read_ports(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;
	int r = 0;

	if (!cfg_expect(c, n, CFG_NODE_SEQ, "ports"))
		return -1;
	s->ports = lxr_xcalloc(n->n, sizeof(*s->ports));
	for (size_t i = 0; i < n->n; i++) {
		struct cfg_port *p = &s->ports[s->n_ports++];
		p->pos = n->items[i]->pos;
		if (n->items[i]->kind == CFG_NODE_MAP ? port_long(c, n->items[i], p) < 0
						      : port_short(c, n->items[i], p) < 0) {
			free(p->host_ip);
			free(p->name);
			free(p->app_protocol);
			*p = (struct cfg_port){.pos = n->items[i]->pos}; /* out of later checks */
			r = -1;
		}
	}
	if (r == 0)
		drop_repeated_ports(s);
	return r;
}

int cfg_svc_read_expose(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;
	int r = 0;

	if (!cfg_expect(c, n, CFG_NODE_SEQ, "expose"))
		return -1;
	s->expose = lxr_xcalloc(n->n, sizeof(*s->expose));
	for (size_t i = 0; i < n->n; i++) {
		const char *v = cfg_scalar(c, n->items[i], "expose entry");
		struct cfg_expose *e = &s->expose[s->n_expose];
		_cleanup_free_ char *t = v ? lxr_xstrdup(v) : NULL;
		char *slash = t ? strrchr(t, '/') : NULL;

		if (!t) {
			r = -1;
			continue;
		}
		e->pos = n->items[i]->pos;
		if (slash)
			*slash = 0;
		/* compose loads any string here (`expose: [${PORT}]` unset is
		 * ""); the engine refuses it at create, and so does up */
		if ((slash && parse_proto(slash + 1, &e->proto) < 0) ||
		    cfg_parse_port_range(t, &e->start, &e->end) < 0) {
			cfg_refuse_at_up(c, n->items[i]->pos, "PORT[-PORT][/tcp|udp|sctp]",
					 "expose: invalid port \"%s\"", v);
			continue;
		}
		s->n_expose++;
	}
	return r;
}

static struct cfg_svc_net *net_add(struct cfg_service *s, const char *name, struct cfg_pos pos)
{
	struct cfg_svc_net *sn;

	s->networks = lxr_xrealloc(s->networks, (s->n_networks + 1) * sizeof(*sn));
	sn = &s->networks[s->n_networks++];
	memset(sn, 0, sizeof(*sn));
	cfg_str_set(&sn->name, name, pos);
	return sn;
}

/* Aliases are names in every peer's /etc/hosts (and in the net layer's
 * endpoint record): a service name's characters, nothing that would split a
 * hosts line. */
static int sn_aliases(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_strs *a = &((struct cfg_svc_net *)obj)->aliases;
	int r = cfg_read_strs(c, n, "aliases", false, a);

	/* loaded as compose-go loads it (an alias a variable left empty);
	 * refused where it would run, and kept out of the model: it would
	 * split a hosts line */
	for (size_t i = 0; i < a->n;)
		if (!cfg_name_ok(a->v[i].v)) {
			cfg_refuse_at_up(
			    c, a->v[i].pos,
			    "letters, digits, '_', '.', '-'; starting with a letter or digit",
			    "alias \"%s\" is not a valid name", a->v[i].v);
			free(a->v[i].v);
			memmove(&a->v[i], &a->v[i + 1], (a->n - i - 1) * sizeof(a->v[0]));
			a->n--;
		} else {
			i++;
		}
	return r;
}

static int sn_ipv4(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_svc_net *sn = obj;
	uint32_t a;

	if (cfg_read_str(c, n, "ipv4_address", &sn->ipv4_address) < 0)
		return -1;
	if (sn->ipv4_address.v && cfg_parse_ipv4(sn->ipv4_address.v, &a) < 0) {
		cfg_error(c, n, "ipv4_address \"%s\" is not an IPv4 address", sn->ipv4_address.v);
		return -1;
	}
	return 0;
}

/* The net layer gives a container one endpoint: one network namespace
 * with one eth0 on one bridge. Joining a second network needs a second
 * interface in that namespace, which it does not make yet. */
/* two interfaces of one container cannot share a name */
static void check_interface_names(struct cfg_ctx *c, const struct cfg_service *s)
{
	for (size_t i = 0; i < s->n_networks; i++)
		for (size_t j = 0; j < i && s->networks[i].interface_name.v; j++)
			if (s->networks[j].interface_name.v &&
			    !strcmp(s->networks[i].interface_name.v,
				    s->networks[j].interface_name.v))
				cfg_diag_add(c, s->networks[i].interface_name.pos, false,
					     "give each network its own",
					     "interface_name \"%s\" is also network \"%s\"'s",
					     s->networks[i].interface_name.v,
					     s->networks[j].name.v);
}

static void check_one_network(struct cfg_ctx *c, const struct cfg_service *s)
{
	check_interface_names(c, s);
	for (size_t i = 1; i < s->n_networks; i++)
		cfg_check_supported_hint(
		    c, s->networks[i].name.pos, "service.networks.second",
		    "lxr joins a container to one network for now: keep one, and put the services "
		    "that talk to each other on it",
		    "joining a second network (\"%s\" after \"%s\")", s->networks[i].name.v,
		    s->networks[0].name.v);
}

static int sn_priority(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_int(c, n, "priority", INT32_MIN, INT32_MAX,
			    &((struct cfg_svc_net *)obj)->priority);
}

static int sn_gw_priority(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_int(c, n, "gw_priority", INT32_MIN, INT32_MAX,
			    &((struct cfg_svc_net *)obj)->gw_priority);
}

static int sn_mac_address(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_mac(c, n, "mac_address", &((struct cfg_svc_net *)obj)->mac_address);
}

#define IFNAME_HINT "1 to 15 characters, no space or any of / : . and the percent sign; not lo"

/* A name the kernel takes for a network interface (dev_valid_name), no
 * '.' (a sysctl key for the interface would split there), and not one the
 * container has already: lo. */
static bool container_ifname_ok(const char *v)
{
	return lxr_ifname_valid(v) && !strchr(v, '.') && strcmp(v, "lo") != 0;
}

static int sn_interface_name(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_svc_net *sn = obj;
	const char *v;

	if (cfg_read_str(c, n, "interface_name", &sn->interface_name) < 0)
		return -1;
	v = sn->interface_name.v;
	if (v && !container_ifname_ok(v)) {
		cfg_error_hint(c, n, IFNAME_HINT,
			       "interface_name \"%s\" is not a name an interface can have", v);
		return -1;
	}
	return 0;
}

static int sn_ipv6(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_svc_net *sn = obj;
	unsigned char a[16];

	if (cfg_read_str(c, n, "ipv6_address", &sn->ipv6_address) < 0)
		return -1;
	if (sn->ipv6_address.v && cfg_parse_ipv6(sn->ipv6_address.v, a) < 0) {
		cfg_error(c, n, "ipv6_address \"%s\" is not an IPv6 address", sn->ipv6_address.v);
		return -1;
	}
	return 0;
}

/* docker checks only that each is an address: an IPv4 one becomes a /16
 * on the interface, an IPv6 one a /64, whatever its range */
static int sn_link_local_ips(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_strs *l = &((struct cfg_svc_net *)obj)->link_local_ips;
	int r = cfg_read_strs(c, n, "link_local_ips", false, l);
	unsigned char a6[16];
	uint32_t a4;

	for (size_t i = 0; i < l->n; i++)
		if (cfg_parse_ipv4(l->v[i].v, &a4) < 0 && cfg_parse_ipv6(l->v[i].v, a6) < 0) {
			cfg_diag_add(c, l->v[i].pos, false,
				     "write an IPv4 address (169.254.1.5) or an IPv6 one (fe80::5)",
				     "link_local_ips entry \"%s\" is not an IP address", l->v[i].v);
			r = -1;
		}
	return r;
}

/* One com.docker.network.endpoint.sysctls entry: a net. key of the
 * interface, IFNAME where its name goes (net.ipv4.conf.IFNAME.forwarding),
 * as docker's bridge driver takes them */
static bool if_sysctl_ok(const char *kv)
{
	const char *eq = strchr(kv, '=');
	_cleanup_free_ char *key = eq ? lxr_xstrndup(kv, (size_t)(eq - kv)) : NULL;

	return key && lxr_str_has_prefix(key, "net.") && strstr(key, ".IFNAME") &&
	       !strpbrk(key, " /") && eq[1];
}

/* driver_opts of a network entry, docker's endpoint options: the bridge
 * driver reads com.docker.network.endpoint.ifname (interface_name, which
 * compose writes as that option) and ...sysctls (per-interface sysctls,
 * comma-separated), and ignores every other, as lxr does, saying so */
static int sn_driver_opts(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_svc_net *sn = obj;
	struct cfg_kvs *o = &sn->driver_opts;
	int r = 0;

	if (cfg_read_kvs(c, n, "driver_opts", false, o) < 0)
		return -1;
	for (size_t i = 0; i < o->n; i++) {
		const char *k = o->v[i].key, *v = o->v[i].value ? o->v[i].value : "";
		if (!strcmp(k, "com.docker.network.endpoint.sysctls")) {
			_cleanup_free_ char *list = lxr_xstrdup(v);
			char *save = NULL;
			for (char *e = strtok_r(list, ",", &save); e;
			     e = strtok_r(NULL, ",", &save))
				if (if_sysctl_ok(e)) {
					cfg_strs_push(&sn->if_sysctls, e, o->v[i].pos);
				} else {
					cfg_diag_add(c, o->v[i].pos, false,
						     "KEY=VALUE of the interface, IFNAME for its "
						     "name: net.ipv4.conf.IFNAME.forwarding=1",
						     "driver_opts: \"%s\" is not a sysctl of the "
						     "interface",
						     e);
					r = -1;
				}
		} else if (strcmp(k, "com.docker.network.endpoint.ifname")) {
			cfg_diag_add(c, o->v[i].pos, true, NULL,
				     "driver_opts \"%s\" is ignored, as docker's bridge driver "
				     "ignores an endpoint option it does not know",
				     k);
		}
	}
	return r;
}

/* com.docker.network.endpoint.ifname is interface_name (docker 28's
 * option, compose's spelling of it): the same name, or an error */
static void endpoint_ifname(struct cfg_ctx *c, struct cfg_svc_net *sn)
{
	for (size_t i = 0; i < sn->driver_opts.n; i++) {
		const struct cfg_kv *kv = &sn->driver_opts.v[i];
		const char *v = kv->value ? kv->value : "";
		if (strcmp(kv->key, "com.docker.network.endpoint.ifname"))
			continue;
		if (sn->interface_name.v && strcmp(sn->interface_name.v, v))
			cfg_diag_add(c, kv->pos, false, "keep one of the two",
				     "driver_opts: ifname \"%s\" is not interface_name \"%s\"", v,
				     sn->interface_name.v);
		else if (!container_ifname_ok(v))
			cfg_diag_add(
			    c, kv->pos, false, IFNAME_HINT,
			    "driver_opts: ifname \"%s\" is not a name an interface can have", v);
		else if (!sn->interface_name.v)
			cfg_str_set(&sn->interface_name, v, kv->pos);
	}
}

/* An IPv6 link-local address needs IPv6 on the interface, which a network
 * without it turns off (docker's rule; docker then fails at start). */
void cfg_check_link_local(struct cfg_ctx *c, const struct cfg_network *net,
			  const struct cfg_svc_net *sn)
{
	unsigned char a[16];

	if (net->external.v || net->enable_ipv6.v)
		return;
	for (size_t i = 0; i < sn->link_local_ips.n; i++)
		if (cfg_parse_ipv6(sn->link_local_ips.v[i].v, a) == 0)
			cfg_diag_add(c, sn->link_local_ips.v[i].pos, false,
				     "set enable_ipv6: true on the network, or drop the address",
				     "link_local_ips %s is IPv6, and network \"%s\" has no IPv6 "
				     "(enable_ipv6)",
				     sn->link_local_ips.v[i].v, net->name);
}

int cfg_svc_read_networks(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	static const struct cfg_key keys[] = {
	    {"aliases", NULL, sn_aliases},
	    {"ipv4_address", NULL, sn_ipv4},
	    {"ipv6_address", NULL, sn_ipv6},
	    {"priority", "service.networks.priority", sn_priority},
	    {"gw_priority", "service.networks.gw_priority", sn_gw_priority},
	    {"mac_address", "service.networks.mac_address", sn_mac_address},
	    {"interface_name", "service.networks.interface_name", sn_interface_name},
	    {"link_local_ips", "service.networks.link_local_ips", sn_link_local_ips},
	    {"driver_opts", NULL, sn_driver_opts},
	};
	static const struct cfg_map_spec spec = {"service network", keys, 9, true, NULL, 0};
	struct cfg_service *s = obj;
	struct cfg_strs names = {0};
	int r;

	if (n->kind == CFG_NODE_MAP) {
		r = 0;
		for (size_t i = 0; i < n->n; i++) {
			struct cfg_svc_net *sn =
			    net_add(s, n->pairs[i].key->raw, n->pairs[i].key->pos);
			if (!cfg_is_null(n->pairs[i].value) &&
			    cfg_read_map(c, n->pairs[i].value, &spec, sn) < 0)
				r = -1;
			endpoint_ifname(c, sn);
		}
		check_one_network(c, s);
		return r;
	}
	if (n->kind != CFG_NODE_SEQ) {
		cfg_error(c, n, "networks must be a list of network names or a mapping, not a %s",
			  cfg_kind_name(n));
		return -1;
	}
	r = cfg_read_strs(c, n, "networks", false, &names);
	for (size_t i = 0; i < names.n; i++)
		net_add(s, names.v[i].v, names.v[i].pos);
	cfg_strs_free(&names);
	check_one_network(c, s);
	return r;
}
