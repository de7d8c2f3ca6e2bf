/* lxr run's networking, docker's way: by default the container joins the
 * "lxr" bridge network (docker's default bridge: an address, a way out
 * through NAT, published ports, but no names of other containers); a named
 * network (--network NAME, made on first use) also lists every container on
 * it in /etc/hosts; none keeps a private loopback; ns:PATH joins a namespace
 * made elsewhere. Both live in the "_run" project; a named one goes away
 * with its last container, the default one is kept, as docker0 is (`lxr
 * network prune` removes it). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "cli/run_net.h"
#include "cli/run_opts.h"
#include "lxr/net.h"
#include "lxr/plan.h"
#include "lxr/supervisor.h"

enum { RN_IP = 768, RN_IP6, RN_ALIAS, RN_LINKLOCAL };

const struct option run_net_longopts[] = {
    {"ip", required_argument, NULL, RN_IP},
    {"ip6", required_argument, NULL, RN_IP6},
    {"network-alias", required_argument, NULL, RN_ALIAS},
    {"net-alias", required_argument, NULL, RN_ALIAS},
    {"link-local-ip", required_argument, NULL, RN_LINKLOCAL},
    {NULL, 0, NULL, 0},
};

/* The service's entry for its network, made if missing: compose's
 * networks: {default: {...}}, "default" being the one network a run's
 * service is on, whichever --network names (run_stack.c) */
static json_t *net_entry(struct run_opts *o)
{
	json_t *nets = json_object_get(o->svc, "networks"), *e;

	if (!nets) {
		nets = json_object();
		run_set(o, "networks", nets);
	}
	if (!(e = json_object_get(nets, "default"))) {
		e = json_object();
		json_object_set_new(nets, "default", e);
	}
	return e;
}

static void entry_push(struct run_opts *o, const char *key, const char *arg)
{
	json_t *e = net_entry(o), *a = json_object_get(e, key);

	if (!a) {
		a = json_array();
		json_object_set_new(e, key, a);
	}
	json_array_append_new(a, run_lit(arg));
}

int run_net_parse(struct run_opts *o, int c, const char *arg, lxr_err *err)
{
	unsigned char a[16];
	bool v4 = inet_pton(AF_INET, arg, a) == 1, v6 = inet_pton(AF_INET6, arg, a) == 1;

	switch (c) {
	case RN_IP:
		if (!v4)
			return lxr_fail(err, 0, "--ip \"%s\": not an IPv4 address", arg);
		json_object_set_new(net_entry(o), "ipv4_address", run_lit(arg));
		return 0;
	case RN_IP6:
		if (!v6)
			return lxr_fail(err, 0, "--ip6 \"%s\": not an IPv6 address", arg);
		json_object_set_new(net_entry(o), "ipv6_address", run_lit(arg));
		return 0;
	case RN_ALIAS:
		/* a stack's alias is a container name's rule too */
		if (!run_opts_name_valid(arg))
			return lxr_fail(err, 0,
					"--network-alias \"%s\": use letters, digits, '_', '.' "
					"and '-', starting with a letter or digit",
					arg);
		entry_push(o, "aliases", arg);
		return 0;
	case RN_LINKLOCAL:
		if (!v4 && !v6)
			return lxr_fail(err, 0, "--link-local-ip \"%s\": not an IP address", arg),
			       lxr_err_hint(err, "e.g. 169.254.1.5 or fe80::5");
		entry_push(o, "link_local_ips", arg);
		return 0;
	default: return 1;
	}
}

static bool valid_net_name(const char *s)
{
	if (!*s || strlen(s) > 64 || *s == '.' || *s == '-' || *s == '_')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
	       strlen(s);
}

int run_net_check_mode(const char *mode, lxr_err *err)
{
	if (!valid_net_name(mode))
		return lxr_fail(err, 0,
				"--network \"%s\": expected bridge, none, ns:PATH or a "
				"network name (letters, digits, '_', '.', '-')",
				mode);
	return 0;
}

int run_net_check_publish(const char *spec, lxr_err *err)
{
	struct lxr_port p;
	return net_port_parse(spec, &p, err);
}

/* no endpoint of its own: docker's host, none and container:NAME, and
 * podman's ns:PATH */
static bool no_endpoint(const char *net)
{
	return net && (!strcmp(net, "none") || !strcmp(net, "host") ||
		       lxr_str_has_prefix(net, "container:") || lxr_str_has_prefix(net, "ns:"));
}

/* An address needs a subnet the user gave: a network of lxr network
 * create's (one lxr run makes on first use is on the pool's), with IPv6
 * for --ip6. Its range is the net layer's to check, at the join. */
static int address_net(const char *net, const char *flag, bool ip6, lxr_err *err)
{
	struct lxr_net_def def = {0};
	bool no6;

	if (net_def_load(net, &def, err) < 0) {
		if (err->errnum != ENOENT)
			return -1;
		return lxr_fail(err, 0,
				"%s: user specified IP address is supported only when "
				"connecting to networks with user configured subnets",
				flag),
		       lxr_err_hint(err,
				    "make network %s first, with its subnet: lxr network create "
				    "--subnet CIDR%s %s",
				    net, ip6 ? " --ipv6 --subnet CIDR6" : "", net);
	}
	no6 = ip6 && !def.ipv6;
	net_def_free(&def);
	if (no6)
		return lxr_fail(err, 0, "--ip6: network %s has no IPv6", net),
		       lxr_err_hint(err,
				    "a network has IPv6 when made by lxr network create --ipv6");
	return 0;
}

int run_net_finish(struct run_opts *o, lxr_err *err)
{
	json_t *e = json_object_get(json_object_get(o->svc, "networks"), "default");
	bool ip4 = json_object_get(e, "ipv4_address"), ip6 = json_object_get(e, "ipv6_address");
	bool alias = json_object_get(e, "aliases");
	const char *flag = ip4 ? "--ip" : ip6 ? "--ip6" : NULL, *net = o->network;
	bool bridge = !net || !strcmp(net, "bridge");

	if (!e)
		return 0;
	if (no_endpoint(net))
		return lxr_fail(err, 0, "%s needs a bridge network, not --network %s",
				flag    ? flag
				: alias ? "--network-alias"
					: "--link-local-ip",
				net);
	/* docker's words for both */
	if (bridge && flag)
		return lxr_fail(err, 0,
				"%s: user specified IP address is supported on user defined "
				"networks only",
				flag),
		       lxr_err_hint(err,
				    "make one with a subnet (lxr network create %s NAME), then "
				    "run with --network NAME %s ADDRESS",
				    ip4 ? "--subnet 10.1.2.0/24"
					: "--ipv6 --subnet 10.1.2.0/24 --subnet fd00:1::/64",
				    flag);
	if (bridge && alias)
		return lxr_fail(err, 0,
				"--network-alias: network-scoped alias is supported only for "
				"containers in user defined networks"),
		       lxr_err_hint(err, "--network NAME: a network of lxr network create, or "
					 "one lxr run makes on first use");
	return flag && !bridge ? address_net(net, flag, ip6, err) : 0;
}

/* Rootless: this lxr's own network namespace, pasta forwarding -p's host
 * ports into it (src/net/pasta.c), joined before the endpoint is made in
 * it; <run_dir>/_run-net/NAME holds it while the container runs. */
static char *rootless_dir(const char *name)
{
	return lxr_xasprintf("%s/_run-net/%s", lxr_run_dir(), name);
}

static int rootless_enter(struct run_opts *o, const struct lxr_port *ports, size_t n, lxr_err *err)
{
	_cleanup_free_ char *dir = rootless_dir(o->name);
	_cleanup_free_ struct net_rl_port *p = lxr_xcalloc(n + 1, sizeof(*p));
	_cleanup_free_ char *ip = lxr_xcalloc(n + 1, 16);

	for (size_t i = 0; i < n; i++) {
		if (!ports[i].host_port)
			return lxr_fail(err, EINVAL, "-p %u: rootless lxr needs the host port",
					ports[i].ctr_port),
			       lxr_err_hint(err, "name it: -p HOSTPORT:%u", ports[i].ctr_port);
		p[i] = (struct net_rl_port){
		    .host_ip = ports[i].host_ip ? net_ip_str(ports[i].host_ip, ip + 16 * i) : NULL,
		    .start = ports[i].host_port,
		    .end = ports[i].host_end ? ports[i].host_end : ports[i].host_port,
		    .udp = ports[i].udp};
	}
	if (lxr_mkdir_p(dir, 0700, err) < 0)
		return -1;
	if (net_rootless_enter(dir, p, n, err) < 0) {
		rmdir(dir);
		return -1;
	}
	return 0;
}

static void rootless_leave(const char *name)
{
	_cleanup_free_ char *dir = rootless_dir(name);

	net_rootless_leave(dir);
	rmdir(dir);
}

/* compose run's one-off of a service on several networks: an endpoint
 * "<name>+<network>" on each next one, joining the first one's namespace
 * under the interface name the plan gives it (the supervisor's way). */
static int more_nets(struct run_opts *o, lxr_err *err)
{
	for (size_t i = 0; i < o->plan.n_more_nets; i++) {
		const struct plan_endpoint *np = &o->plan.more_nets[i];
		_cleanup_free_ char *name = lxr_xasprintf("%s+%s", o->name, np->network);
		struct lxr_net_config nc;
		struct lxr_net_def def = {0};
		struct lxr_endpoint ep;
		int r = sup_net_config(np, &def, &nc, err);
		nc.ephemeral = np->ephemeral;
		struct lxr_endpoint_config ec = {.network = np->network,
						 .net_project = np->net_project,
						 .container = name,
						 .gw = np->gw,
						 .names = np->names,
						 .peer_names = np->peer_names,
						 .joins = o->name,
						 .ifname = np->ifname,
						 .link_local = np->link_local,
						 .holder = getpid(),
						 .create = &nc};
		if (r == 0)
			r = net_endpoint_add(lxr_run_dir(), NET_RUN_PROJECT, &ec, &ep, err);
		net_def_free(&def);
		if (r < 0)
			return -1;
		net_endpoint_free(&ep);
	}
	return 0;
}

int run_net_setup(struct run_opts *o, lxr_err *err)
{
	const struct plan_endpoint *pe = &o->plan.net;
	_cleanup_free_ struct lxr_port *ports = NULL;
	struct lxr_net_config nc = {.name = pe->network, .ephemeral = pe->ephemeral};
	struct lxr_endpoint_config ec = {.network = pe->network,
					 .container = o->name,
					 .static_ip = pe->static_ip,
					 .static_ip6 = pe->static_ip6,
					 .mac = pe->mac,
					 .link_local = pe->link_local,
					 .names = pe->names,
					 .holder = getpid(),
					 .create = &nc,
					 .n_ports = pe->n_ports,
					 .peer_names = pe->peer_names,
					 .extra_hosts = pe->extra_hosts,
					 .dns = pe->dns,
					 .dns_search = pe->dns_search,
					 .dns_opt = pe->dns_opt};
	struct lxr_endpoint ep;
	struct lxr_net_def def = {0};
	int r;

	/* a shared network's definition; or a stack's own network, as the
	 * stack's plan describes it (compose run's one-off) */
	if (pe->net_project) {
		if (sup_net_config(pe, &def, &nc, err) < 0)
			return -1;
		nc.ephemeral = pe->ephemeral;
		ec.net_project = pe->net_project;
	}
	if (!pe->network) {
		if (pe->n_ports)
			return lxr_fail(err, 0, "-p needs a bridge network, not --network %s",
					o->network ? o->network : "ns:PATH");
		return 0;
	}
	if (net_ports_from_plan(pe, &ports, err) < 0)
		return net_def_free(&def), -1;
	if (lxr_rootless_uid() >= 0 && rootless_enter(o, ports, pe->n_ports, err) < 0)
		return net_def_free(&def), -1;
	ec.ports = ports;
	r = net_endpoint_add(lxr_run_dir(), NET_RUN_PROJECT, &ec, &ep, err);
	net_def_free(&def);
	if (r < 0) {
		if (lxr_rootless_uid() >= 0)
			rootless_leave(o->name);
		return -1;
	}
	plan_spec_join_endpoint(&o->plan.spec, ep.netns_path, ep.hosts_path, ep.resolv_path);
	net_endpoint_free(&ep);
	/* the first one's removal takes the next ones with it */
	if (more_nets(o, err) < 0) {
		lxr_err e2;
		if (net_endpoint_remove(lxr_run_dir(), NET_RUN_PROJECT, o->name, &e2) < 0)
			lxr_err_print(&e2);
		return -1;
	}
	return 0;
}

void run_net_teardown(struct run_opts *o, bool exited)
{
	lxr_err err;
	int r;

	if (!o->plan.net.network)
		return;
	r = exited ? net_endpoint_remove_exited(lxr_run_dir(), NET_RUN_PROJECT, o->name, &err)
		   : net_endpoint_remove(lxr_run_dir(), NET_RUN_PROJECT, o->name, &err);
	if (r < 0)
		lxr_err_print(&err);
	if (lxr_rootless_uid() >= 0)
		rootless_leave(o->name);
}

int run_net_remove(const char *name, lxr_err *err)
{
	/* a killed rootless foreground lxr run's namespace and pasta (a -d
	 * one's supervisor directory has its own: sup_run_wait) */
	if (lxr_rootless_uid() >= 0)
		rootless_leave(name);
	return net_endpoint_remove(lxr_run_dir(), NET_RUN_PROJECT, name, err);
}
