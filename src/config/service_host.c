/* A service's names, resolver and namespaces beyond its network:
 * container_name, domainname, dns*, extra_hosts, links, network_mode,
 * pid/ipc/uts, mac_address. Read with Compose's syntax and rules into the
 * model; what the runtime does not honour yet is recorded as not runnable
 * (support.c). */
#define _GNU_SOURCE
#include <ctype.h>
#include <arpa/inet.h>
#include <string.h>

#include "config/config_internal.h"

#define HOST(s) (&((struct cfg_service *)(s))->host)

/* docker's container names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
static bool container_name_ok(const char *v)
{
	if (!isalnum((unsigned char)v[0]) || !v[1])
		return false;
	for (const char *p = v + 1; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			return false;
	return true;
}

static int read_container_name(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_str *v = &HOST(obj)->container_name;

	if (cfg_read_str(c, n, "container_name", v) < 0)
		return -1;
	if (v->v && !*v->v) { /* compose-go: empty is unset (a variable unset, say) */
		free(v->v);
		v->v = NULL;
	}
	if (!v->v || container_name_ok(v->v))
		return 0;
	/* compose-go's schema pattern is unanchored, so it loads "-proxy" (a
	 * ${PREFIX}-proxy without its .env); docker refuses it at create. The
	 * model keeps no name lxr would not use in a path. */
	cfg_refuse_at_up(c, n->pos, "[a-zA-Z0-9][a-zA-Z0-9_.-]+ (docker's rule)",
			 "container_name \"%s\" is not a valid container name", v->v);
	free(v->v);
	v->v = NULL;
	return 0;
}

static int read_domainname(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_str(c, n, "domainname", &HOST(obj)->domainname);
}

static int read_mac_address(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_mac(c, n, "mac_address", &HOST(obj)->mac_address);
}

/* s for an error message: a control character (a line break in a value)
 * as \n, \t or \xHH, so the message stays one line */
static char *shown(const char *s)
{
	char *out = lxr_xmalloc(strlen(s) * 4 + 1), *o = out;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n')
			o += sprintf(o, "\\n");
		else if (*p == '\t')
			o += sprintf(o, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			o += sprintf(o, "\\x%02x", *p);
		else
			*o++ = (char)*p;
	}
	*o = '\0';
	return out;
}

static bool is_ip(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* one word of a line of /etc/hosts or resolv.conf: nothing that would end
 * the line, start another, or a comment */
static bool is_word(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p == 0x7f || *p == '#')
			return false;
	return *s != '\0';
}

/* Each entry is one word of resolv.conf (a line break or a blank would
 * write lines of the value's own): an error. A dns entry that is no
 * address is written as docker's compose passes it, with a warning: the
 * resolver skips that line. */
static int check_resolver(struct cfg_ctx *c, const struct cfg_strs *out, const char *key)
{
	int r = 0;

	for (size_t i = 0; i < out->n; i++) {
		const char *v = out->v[i].v;
		_cleanup_free_ char *sv = shown(v);
		if (!*v)
			continue; /* dns_search or dns_opt: "none" */
		if (!is_word(v)) {
			cfg_diag_add(c, out->v[i].pos, false,
				     "one entry a value; a list for several",
				     "%s: \"%s\" is not one word", key, sv);
			r = -1;
		} else if (!strcmp(key, "dns") && !is_ip(v)) {
			cfg_diag_add(c, out->v[i].pos, true, "an IPv4 or IPv6 address",
				     "dns: \"%s\" is not an IP address: the container's resolver "
				     "skips it",
				     sv);
		}
	}
	return r;
}

/* dns, dns_search, dns_opt: a string or a list; an empty one is Compose's
 * "nothing", which lxr runs as it is. An empty entry is dropped from dns
 * (compose-go's omitEmpty); in dns_search and dns_opt it stays, and says
 * "none of the host's" (`dns_search: ""`: no search domains), as docker
 * runs it. */
static int read_resolver(struct cfg_ctx *c, struct cfg_node *n, struct cfg_strs *out,
			 const char *key)
{
	char feature[48];

	if (cfg_read_strs(c, n, key, true, out) < 0)
		return -1;
	for (size_t i = out->n; !strcmp(key, "dns") && i-- > 0;) {
		if (*out->v[i].v)
			continue;
		free(out->v[i].v); /* "" in a list: nothing */
		memmove(&out->v[i], &out->v[i + 1], (--out->n - i) * sizeof(*out->v));
	}
	if (check_resolver(c, out, key) < 0)
		return -1;
	snprintf(feature, sizeof(feature), "service.%s.entries", key);
	if (out->n)
		cfg_check_supported_hint(c, n->pos, feature, NULL, "\"%s\"", key);
	return 0;
}

static int read_dns(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return read_resolver(c, n, &HOST(obj)->dns, "dns");
}

static int read_dns_search(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return read_resolver(c, n, &HOST(obj)->dns_search, "dns_search");
}

static int read_dns_opt(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return read_resolver(c, n, &HOST(obj)->dns_opt, "dns_opt");
}

/* One line of /etc/hosts: a host may have several addresses (an IPv4 and
 * an IPv6 one), as docker writes each entry; the same pair twice is one.
 * The address is one (docker's rule: or host-gateway), the name a name:
 * nothing that would end the line or start another. */
static int add_host(struct cfg_ctx *c, struct cfg_kvs *out, const char *host, const char *ip,
		    struct cfg_pos pos)
{
	_cleanup_free_ char *bare = NULL;
	size_t n = strlen(ip);

	/* [::1], as a host:[ipv6] entry may write it */
	if (n > 2 && ip[0] == '[' && ip[n - 1] == ']')
		ip = bare = lxr_xstrndup(ip + 1, n - 2);
	if (!is_word(host) || !is_word(ip) || strchr(host, '=')) {
		_cleanup_free_ char *sh = shown(host), *si = shown(ip);
		cfg_diag_add(c, pos, false, "HOST:IP, where IP is an address or host-gateway",
			     "extra_hosts: \"%s\" -> \"%s\": %s", sh, si,
			     !is_word(host) || strchr(host, '=') ? "not a host name"
								 : "not one address");
		return -1;
	}
	if (strcmp(ip, "host-gateway") && !is_ip(ip))
		cfg_diag_add(c, pos, true, "HOST:IP, where IP is an address or host-gateway",
			     "extra_hosts: \"%s\" is not an IP address: a line that names nothing",
			     ip);
	for (size_t i = 0; i < out->n; i++)
		if (!strcmp(out->v[i].key, host) && out->v[i].value && !strcmp(out->v[i].value, ip))
			return 0;
	out->v = lxr_xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
	out->v[out->n++] = (struct cfg_kv){lxr_xstrdup(host), lxr_xstrdup(ip), pos};
	return 0;
}

/* extra_hosts: a list of "HOST:IP" / "HOST=IP" or a mapping; IPv6
 * addresses contain ':' so the first separator splits. "HOST:IP,IP" is
 * one line per address, as compose-go splits it. */
static int extra_host(struct cfg_ctx *c, struct cfg_node *n, struct cfg_kvs *out)
{
	const char *v = cfg_scalar(c, n, "extra_hosts entry");
	const char *sep;
	int r = 0;

	if (!v)
		return -1;
	sep = strpbrk(v, "=:");
	if (!sep || sep == v || !sep[1]) {
		cfg_error_hint(c, n, "HOST:IP, HOST=IP or HOST:host-gateway",
			       "extra_hosts: cannot read \"%s\"", v);
		return -1;
	}
	_cleanup_free_ char *host = lxr_xstrndup(v, (size_t)(sep - v));
	for (const char *ip = sep + 1;; ip++) {
		size_t len = strcspn(ip, ",");
		_cleanup_free_ char *one = lxr_xstrndup(ip, len);
		if (add_host(c, out, host, one, n->pos) < 0)
			r = -1;
		ip += len;
		if (!*ip)
			break;
	}
	return r;
}

/* The mapping form: `host: ip`, or `host: [ip, ip]` (compose-go's
 * map[string][]string). */
static int extra_hosts_map(struct cfg_ctx *c, struct cfg_node *n, struct cfg_kvs *out)
{
	int r = 0;

	for (size_t i = 0; i < n->n; i++) {
		struct cfg_node *k = n->pairs[i].key, *val = n->pairs[i].value;
		if (val->kind != CFG_NODE_SEQ) {
			const char *ip = cfg_scalar(c, val, "extra_hosts address");
			if (!ip || add_host(c, out, k->raw, ip, val->pos) < 0)
				r = -1;
			continue;
		}
		for (size_t j = 0; j < val->n; j++) {
			const char *ip = cfg_scalar(c, val->items[j], "extra_hosts address");
			if (!ip || add_host(c, out, k->raw, ip, val->items[j]->pos) < 0)
				r = -1;
		}
	}
	return r;
}

int cfg_svc_read_extra_hosts(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_kvs *out = &HOST(obj)->extra_hosts;
	int r = 0;

	if (cfg_is_null(n))
		return 0;
	if (n->kind == CFG_NODE_MAP) {
		if (extra_hosts_map(c, n, out) < 0)
			return -1;
	} else if (cfg_expect(c, n, CFG_NODE_SEQ, "extra_hosts")) {
		for (size_t i = 0; i < n->n; i++)
			if (extra_host(c, n->items[i], out) < 0)
				r = -1;
	} else {
		return -1;
	}
	if (out->n)
		cfg_check_supported(c, n, "service.extra_hosts", "\"extra_hosts\"");
	return r;
}

static int read_links(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_strs *out = &HOST(obj)->links;

	if (cfg_read_strs(c, n, "links", false, out) < 0)
		return -1;
	if (out->n)
		cfg_check_supported(c, n, "service.links", "\"links\"");
	return 0;
}

/* "service:NAME" / "container:NAME" or one of the words. */
static bool mode_ok(const char *v, const char *const *words)
{
	if ((!strncmp(v, "service:", 8) && v[8]) || (!strncmp(v, "container:", 10) && v[10]))
		return true;
	for (; *words; words++)
		if (!strcmp(v, *words))
			return true;
	return false;
}

/* A name docker takes for a network: [a-zA-Z0-9][a-zA-Z0-9_.-]* */
static bool network_name(const char *v)
{
	return isalnum((unsigned char)v[0]) &&
	       v[strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")] ==
		   '\0';
}

/* Compose loads any string (pid, ipc, uts, network_mode; `ipc:
 * container:${X}` with X unset), the engine refuses it at create, and so
 * does up; an empty one is no mode. network_mode also takes a network's
 * name, as docker's does (cfg_network_mode_networks). */
static int read_mode(struct cfg_ctx *c, struct cfg_node *n, struct cfg_str *out, const char *key,
		     const char *const *words, const char *hint)
{
	char feature[48];
	bool net = !strcmp(key, "network_mode");

	if (cfg_read_str(c, n, key, out) < 0)
		return -1;
	if (out->v && !*out->v) {
		free(out->v);
		out->v = NULL;
		return 0;
	}
	if (out->v && !mode_ok(out->v, words) && !(net && network_name(out->v))) {
		cfg_refuse_at_up(c, n->pos, hint, "%s \"%s\" is not a mode", key, out->v);
		free(out->v);
		out->v = NULL; /* reported: not checked again against the stack */
		return 0;
	}
	/* another container's namespace is its own feature: a service's, or
	 * a container's outside the stack */
	snprintf(feature, sizeof(feature), "service.%s%s", key,
		 !out->v || !strchr(out->v, ':')   ? ""
		 : !strncmp(out->v, "service:", 8) ? ".service"
						   : ".shared");
	if (out->v)
		cfg_check_supported_hint(c, n->pos, feature, NULL, "\"%s\"", key);
	return 0;
}

static int read_network_mode(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	static const char *const words[] = {"host", "none", "bridge", "default", NULL};

	return read_mode(c, n, &HOST(obj)->network_mode, "network_mode", words,
			 "host, none, bridge, service:NAME, container:NAME or a network's name");
}

static int read_pid(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	static const char *const words[] = {"host", "private", NULL};

	return read_mode(c, n, &HOST(obj)->pid, "pid", words,
			 "host, private, service:NAME or container:NAME");
}

static int read_ipc(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	static const char *const words[] = {"host", "private", "shareable", "none", NULL};

	return read_mode(c, n, &HOST(obj)->ipc, "ipc", words,
			 "host, private, shareable, none, service:NAME or container:NAME");
}

static int read_uts(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	static const char *const words[] = {"host", NULL};

	return read_mode(c, n, &HOST(obj)->uts, "uts", words, "host");
}

/* docker's cgroupns modes: private (lxr's default on every host) or host,
 * the host's cgroup namespace (the container sees its cgroup's path from
 * the root, and on cgroup v2 the whole tree, read-only) */
static int read_cgroup(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_str *out = &HOST(obj)->cgroup;

	if (cfg_read_str(c, n, "cgroup", out) < 0)
		return -1;
	if (out->v && strcmp(out->v, "host") && strcmp(out->v, "private")) {
		cfg_error_hint(c, n, "host or private", "cgroup \"%s\" is not a mode", out->v);
		free(out->v);
		out->v = NULL;
		return -1;
	}
	return 0;
}

/* docker's only value, host (no user namespace of its own), and podman's
 * auto (a range from lxr's pool, whatever lxr.conf says) */
static int read_userns_mode(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	static const char *const words[] = {"host", "auto", NULL};
	struct cfg_str *out = &HOST(obj)->userns_mode;

	if (cfg_scalar_empty(c, n)) /* lxr.conf's, as docker's "" is its default */
		return 0;
	if (cfg_read_str(c, n, "userns_mode", out) < 0)
		return -1;
	if (out->v && (strchr(out->v, ':') || !mode_ok(out->v, words))) {
		cfg_error_hint(c, n,
			       "host (container root is host root) or auto (a range of lxr's "
			       "pool); podman's keep-id, nomap and ns: forms are not supported",
			       "userns_mode \"%s\" is not supported", out->v);
		free(out->v);
		out->v = NULL;
		return -1;
	}
	if (out->v)
		cfg_check_supported_hint(c, n->pos, "service.userns_mode", NULL, "\"userns_mode\"");
	return 0;
}

static const struct cfg_key host_keys[] = {
    {"container_name", "service.container_name", read_container_name},
    {"domainname", "service.domainname", read_domainname},
    {"mac_address", "service.mac_address", read_mac_address},
    {"dns", NULL, read_dns},
    {"dns_search", NULL, read_dns_search},
    {"dns_opt", NULL, read_dns_opt},
    {"extra_hosts", NULL, cfg_svc_read_extra_hosts},
    {"links", NULL, read_links},
    {"network_mode", NULL, read_network_mode},
    {"pid", NULL, read_pid},
    {"ipc", NULL, read_ipc},
    {"uts", NULL, read_uts},
    {"cgroup", "service.cgroup", read_cgroup},
    {"userns_mode", NULL, read_userns_mode},
};

const struct cfg_key *cfg_svc_host_keys(size_t *n)
{
	*n = sizeof(host_keys) / sizeof(host_keys[0]);
	return host_keys;
}

/* Checks that need the whole stack: links and service: modes name a
 * service (in s: cfg_ref_error); network_mode excludes networks; one
 * container per name. */
static void check_ref(struct cfg_ctx *c, const struct cfg_stack *st, const struct cfg_service *s,
		      const struct cfg_str *v, const char *key, const char *target)
{
	if (!cfg_stack_service(st, target))
		cfg_ref_error(c, s, v->pos, "name a service of this stack", "%s: no service \"%s\"",
			      key, target);
}

static void check_links(struct cfg_ctx *c, const struct cfg_stack *st, const struct cfg_service *s)
{
	for (size_t i = 0; i < s->host.links.n; i++) {
		const struct cfg_str *l = &s->host.links.v[i];
		_cleanup_free_ char *name = lxr_xstrndup(l->v, strcspn(l->v, ":"));
		check_ref(c, st, s, l, "links", name);
	}
	const struct cfg_str *modes[] = {&s->host.network_mode, &s->host.pid, &s->host.ipc};
	static const char *const keys[] = {"network_mode", "pid", "ipc"};
	for (size_t i = 0; i < 3; i++) {
		if (!modes[i]->v || strncmp(modes[i]->v, "service:", 8))
			continue;
		if (!strcmp(modes[i]->v + 8, s->name))
			cfg_diag_add(c, modes[i]->pos, false, "name another service",
				     "%s: service \"%s\" cannot share its own namespace", keys[i],
				     s->name);
		else
			check_ref(c, st, s, modes[i], keys[i], modes[i]->v + 8);
	}
}

/* A namespaced sysctl is the namespace's: with the host's network or IPC
 * namespace, or another container's, setting it would change the host or
 * that container (docker refuses it too). */
static void check_sysctls(struct cfg_ctx *c, const struct cfg_service *s)
{
	const char *nm = s->host.network_mode.v, *ipc = s->host.ipc.v;
	bool net_shared = nm && (!strcmp(nm, "host") || strchr(nm, ':'));
	bool ipc_shared = ipc && (!strcmp(ipc, "host") || strchr(ipc, ':'));

	for (size_t i = 0; i < s->sysctls.n; i++) {
		const char *k = s->sysctls.v[i].key;
		bool net = lxr_str_has_prefix(k, "net.");
		if ((net && net_shared) || (!net && ipc_shared))
			cfg_diag_add(c, s->sysctls.v[i].pos, false,
				     "drop it, or give the service a namespace of its own",
				     "sysctls: \"%s\" cannot be set with %s %s: that namespace is "
				     "%s, not this container's",
				     k, net ? "network_mode" : "ipc", net ? nm : ipc,
				     !strcmp(net ? nm : ipc, "host") ? "the host's"
								     : "another container's");
	}
}

/* docker's rules for the namespaces: a private IPC namespace (compose's
 * default) cannot be joined, only a shareable one (or the host's); with
 * the host's UTS namespace the host's name is the container's. */
static void check_namespaces(struct cfg_ctx *c, const struct cfg_stack *st,
			     const struct cfg_service *s)
{
	const struct cfg_svc_host *h = &s->host;
	const struct cfg_service *x;
	const char *nm = h->network_mode.v;

	/* in another container's network its name, resolver, hosts file and
	 * ports are that container's: docker refuses to set them there */
	if (nm && (!strncmp(nm, "service:", 8) || !strncmp(nm, "container:", 10))) {
		struct {
			bool set;
			struct cfg_pos pos;
			const char *what;
		} conflicts[] = {
		    {s->n_ports > 0, s->n_ports ? s->ports[0].pos : h->network_mode.pos, "ports"},
		    {s->hostname.v != NULL, s->hostname.pos, "hostname"},
		    {h->dns.n > 0, h->dns.n ? h->dns.v[0].pos : h->network_mode.pos, "dns"},
		    {h->dns_search.n > 0,
		     h->dns_search.n ? h->dns_search.v[0].pos : h->network_mode.pos, "dns_search"},
		    {h->extra_hosts.n > 0,
		     h->extra_hosts.n ? h->extra_hosts.v[0].pos : h->network_mode.pos,
		     "extra_hosts"},
		};
		for (size_t i = 0; i < sizeof(conflicts) / sizeof(conflicts[0]); i++)
			if (conflicts[i].set)
				cfg_diag_add(
				    c, conflicts[i].pos, false,
				    "set it on the service whose network this one shares",
				    "%s cannot be set with network_mode %s (the network, its "
				    "names and ports are that container's, as with docker)",
				    conflicts[i].what, nm);
	}

	check_sysctls(c, s);
	if (h->uts.v && !strcmp(h->uts.v, "host") && s->hostname.v)
		cfg_diag_add(c, s->hostname.pos, false, "drop hostname, or uts: host",
			     "hostname cannot be set with uts: host (the container has the "
			     "host's name)");
	if (!h->ipc.v || strncmp(h->ipc.v, "service:", 8) ||
	    !(x = cfg_stack_service(st, h->ipc.v + 8)) || x == s)
		return;
	if (!x->host.ipc.v || (strcmp(x->host.ipc.v, "shareable") && strcmp(x->host.ipc.v, "host")))
		cfg_diag_add(c, h->ipc.pos, false,
			     "give that service `ipc: shareable` (docker's rule: a private IPC "
			     "namespace cannot be joined)",
			     "ipc: service \"%s\" has a private IPC namespace (ipc: %s)", x->name,
			     x->host.ipc.v ? x->host.ipc.v : "private, the default");
}

void cfg_svc_check_host(struct cfg_ctx *c, const struct cfg_stack *st, const struct cfg_service *s,
			bool networks_given)
{
	const struct cfg_svc_host *h = &s->host;

	check_links(c, st, s);
	check_namespaces(c, st, s);
	if (h->network_mode.v && networks_given)
		cfg_diag_add(c, h->network_mode.pos, false, "keep one of them",
			     "network_mode and networks cannot both be set");
	if (h->container_name.v && s->replicas.v > 1)
		cfg_diag_add(c, h->container_name.pos, false,
			     "drop container_name, or run one replica",
			     "container_name \"%s\" names one container, but the service has %lld "
			     "replicas",
			     h->container_name.v, (long long)s->replicas.v);
	for (const struct cfg_service *o = st->services; h->container_name.v && o < s; o++)
		if (o->host.container_name.v &&
		    !strcmp(o->host.container_name.v, h->container_name.v) &&
		    cfg_services_together(s, o))
			cfg_diag_add(c, h->container_name.pos, false, NULL,
				     "container_name \"%s\" is also service \"%s\"'s",
				     h->container_name.v, o->name);
}

void cfg_svc_host_free(struct cfg_svc_host *h)
{
	struct cfg_str *strs[] = {
	    &h->container_name, &h->domainname,  &h->network_mode, &h->pid, &h->ipc, &h->uts,
	    &h->cgroup,         &h->userns_mode, &h->mac_address};

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(strs[i]->v);
	cfg_strs_free(&h->dns);
	cfg_strs_free(&h->dns_search);
	cfg_strs_free(&h->dns_opt);
	cfg_strs_free(&h->links);
	cfg_kvs_free(&h->extra_hosts);
}
