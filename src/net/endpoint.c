/* Endpoints: one container instance on one network. The order of making is
 * lease, record, namespace, veth, addresses, files, rules; removal walks it
 * backwards and tolerates every step already being gone, so the same code
 * undoes a failure half-way, a normal exit, and a crash found later. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "net/net_internal.h"

static int resolv_write(const char *path, const struct ep_rec *e, lxr_err *err)
{
	_cleanup_free_ char *host = NULL, *up = NULL, *text = NULL, *own = NULL;
	size_t len;
	lxr_err ignored;
	bool no_dns;
	static bool warned;

	if (lxr_read_file_at(AT_FDCWD, "/etc/resolv.conf", &host, &len, &ignored) < 0)
		host = NULL;
	/* systemd-resolved's list of the servers its stub forwards to */
	if (lxr_read_file_at(AT_FDCWD, "/run/systemd/resolve/resolv.conf", &up, &len, &ignored) < 0)
		up = NULL;
	text = net_resolv_render(host, up, &no_dns);
	if (e->dns || e->dns_search || e->dns_opt) {
		own = lxr_resolv_override(text, e->dns, e->dns_search, e->dns_opt);
		free(text);
		text = own;
		own = NULL;
		no_dns &= !e->dns;
	}
	if (no_dns && !warned && host && strstr(host, "nameserver")) {
		warned = true;
		lxr_warn("the host's only nameservers are on its loopback, which containers cannot "
			 "reach; containers get no nameserver");
	}
	return net_write_in_place(path, text, err);
}

/* A free name first. One of ours still there is, most often, the host
 * end of this container's last veth, which goes with its dying namespace
 * in the kernel's own cleanup work (net_endpoint_remove_exited): deleting
 * it here would wait for that work's RCU grace periods. Only where no
 * name is free is one of ours (a crash's leftover) deleted and made again. */
static int veth_pick(struct net_nl *sk, const char *key, const char *alias, char *out, lxr_err *err)
{
	char have[256];
	int ours = -1;

	for (unsigned salt = 0; salt < 16; salt++) {
		int r;
		net_link_name(out, "lxr", key, salt);
		r = net_link_check(sk, out, alias, have, sizeof(have));
		if (r == 0)
			return 0;
		if (r > 0 && ours < 0)
			ours = (int)salt;
	}
	if (ours < 0)
		return lxr_fail(err, EEXIST, "no free veth name for %s", alias);
	net_link_name(out, "lxr", key, (unsigned)ours);
	return net_link_delete(sk, out, alias, err);
}

static void fill_out(const char *run_dir, const char *project, const struct ep_rec *e,
		     const struct net_rec *net, struct lxr_endpoint *out)
{
	_cleanup_free_ char *ns = net_proj_dir(run_dir, project, "netns");

	out->netns_path = lxr_xasprintf("%s/%s", ns, net_ep_group(e));
	out->hosts_path = net_etc_path(run_dir, project, net_ep_group(e), "hosts");
	out->resolv_path = net_etc_path(run_dir, project, net_ep_group(e), "resolv");
	out->ip = e->ip;
	out->gateway = net->gateway;
	out->has_ip6 = e->has_ip6;
	out->ip6 = e->ip6;
	if (e->has_ip6) {
		out->gateway6 = net->gateway6;
		out->prefix6 = net->subnet6.prefix;
	}
	net_endpoint_mac(e->ip, e->has_mac ? e->mac : NULL, out->mac);
	/* as published: a port given without a host port has one now */
	out->n_ports = e->n_ports;
	out->ports = lxr_xcalloc(e->n_ports ? e->n_ports : 1, sizeof(*out->ports));
	if (e->n_ports)
		memcpy(out->ports, e->ports, e->n_ports * sizeof(*out->ports));
	out->prefix = net->subnet.prefix;
}

/* The endpoint exists already and is whole: a restarted container. */
/* e from the endpoint's record; false if there is none or it is damaged */
static bool ep_load(const char *run_dir, const char *project, const char *ctr, struct ep_rec *e)
{
	_cleanup_free_ char *dir = net_proj_dir(run_dir, project, "endpoints");
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s", dir, ctr);
	_cleanup_free_ char *text = NULL;
	size_t len;
	lxr_err err;

	if (lxr_read_file_at(AT_FDCWD, path, &text, &len, &err) < 0 ||
	    net_ep_parse(text, e, &err) < 0)
		return false;
	e->container = lxr_xstrdup(ctr);
	e->project = lxr_xstrdup(project);
	return true;
}

/* A macvlan's or ipvlan's link is still in the namespace: the kernel
 * deletes them all with their parent (a USB NIC unplugged, a VLAN made
 * again), and a namespace with lo alone is no endpoint. */
static bool sublink_there(const char *path, const char *ifname)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	char kind[16] = "";

	return fd >= 0 && net_ns_link_kind(fd, ifname, kind, sizeof(kind)) == 1 &&
	       (!strcmp(kind, "macvlan") || !strcmp(kind, "ipvlan"));
}

/* The endpoint exists already and is whole: a restarted container. */
static bool still_whole(const char *run_dir, const char *project, const char *ctr, const char *home,
			const char *network, struct ep_rec *e)
{
	_cleanup_free_ char *ns = net_proj_dir(run_dir, project, "netns");
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s", ns, ctr);
	_cleanup_free_ char *alias = net_link_alias(project, ctr);
	struct net_nl *sk = NULL;
	char have[256] = "";
	lxr_err err;
	bool ok;

	if (!ep_load(run_dir, project, ctr, e) || net_nl_open(&sk, &err) < 0)
		return false;
	if (e->joins) {
		free(path);
		path = lxr_xasprintf("%s/%s", ns, e->joins);
	}
	/* the alias exactly, not net_link_check's rule: a link with only the
	 * ownership mark is lxr's to remove (a crash between its two
	 * requests), but not a finished endpoint to hand back */
	ok = net_ep_on(e, home, network) && net_netns_alive(path) &&
	     (e->veth[0] ? net_link_owner(sk, e->veth, have, sizeof(have)) && !strcmp(have, alias)
			 : sublink_there(path, e->ifname));
	net_nl_close(sk);
	return ok;
}

/* Before a new endpoint of the container (NET_RM_DETACH): a finished veth
 * of an earlier life (its alias) goes with its namespace and is only taken
 * out of the bridge; one whose maker was killed before its alias (lxr's
 * mark alone) never had a container and is deleted. */
static void earlier_veth(struct net_nl *sk, const char *name, const char *alias)
{
	char have[256] = "";
	lxr_err err;

	if (net_link_check(sk, name, alias, have, sizeof(have)) != 1)
		return;
	if (have[0])
		net_link_detach(sk, name, &err);
	else
		net_link_delete(sk, name, alias, &err);
}

/* No readable record: a crash before it was written, or a damaged one. The
 * veth's possible names are known, and its alias proves which is ours.
 * NET_RM_EXITED | NET_RM_DETACH (before a new endpoint of the name): a
 * veth of ours still there is most often the last one's, going with its
 * dying namespace in the kernel's own work; deleting it here would wait
 * for that work's RCU grace periods, so it is only taken out of its
 * bridge (the new endpoint has its address and MAC: no frame may go to
 * the old one) and left to the kernel (veth_pick takes another name). */
static void remove_unrecorded(const char *run_dir, const char *project, const char *ctr,
			      unsigned flags)
{
	_cleanup_free_ char *key = lxr_xasprintf("%s/%s/%s", run_dir, project, ctr);
	_cleanup_free_ char *alias = net_link_alias(project, ctr);
	_cleanup_free_ char *ns = net_proj_dir(run_dir, project, "netns");
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s", ns, ctr);
	struct net_nl *sk = NULL;
	char name[IFNAMSIZ];
	lxr_err err;

	/* NET_RM_EXITED alone: the namespace is dying, its veths with it */
	if ((!(flags & NET_RM_EXITED) || (flags & NET_RM_DETACH)) && net_nl_open(&sk, &err) == 0) {
		for (unsigned salt = 0; salt < 16; salt++) {
			net_link_name(name, "lxr", key, salt);
			if (flags & NET_RM_DETACH)
				earlier_veth(sk, name, alias);
			else
				net_link_delete(sk, name, alias, &err);
		}
		net_nl_close(sk);
	}
	if (net_netns_remove(path, &err) < 0)
		lxr_err_print(&err);
	net_rec_remove(run_dir, project, "endpoints", ctr, &err);
}

/* A macvlan or ipvlan network's interface, born in the namespace. */
static int sublink_make(struct net_nl *sk, const struct net_rec *net, const struct ep_rec *e,
			int nsfd, lxr_err *err)
{
	struct net_sublink l;
	unsigned char mac[6];

	net_endpoint_mac(e->ip, e->has_mac ? e->mac : NULL, mac);
	if (net_sublink_of(net, &l, err) < 0)
		return -1;
	return net_sublink_make(sk, &l, nsfd, e->ifname, net->mtu, mac, err);
}

/* Kernel side of a new endpoint: namespace, veth, addresses, files. */
static int wire(const char *run_dir, const char *project, const struct net_rec *net,
		const struct ep_rec *e, bool defer, struct net_nl *sk, lxr_err *err)
{
	_cleanup_free_ char *ns = net_proj_dir(run_dir, project, "netns");
	_cleanup_free_ char *etc = net_proj_dir(run_dir, project, "etc");
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s", ns, net_ep_group(e));
	_cleanup_free_ char *alias = net_link_alias(project, e->container);
	_cleanup_free_ char *resolv = net_etc_path(run_dir, project, e->container, "resolv");
	_cleanup_close_ int nsfd = -1;
	struct net_ns_addrs a = {
	    .ifname = e->ifname,
	    .ip = e->ip,
	    .gw = net->gateway,
	    .prefix = net->subnet.prefix,
	    .ip6 = e->has_ip6 ? &e->ip6 : NULL,
	    .gw6 = &net->gateway6,
	    /* ipvlan l3 and l3s route, they have no neighbours */
	    .on_link = !strcmp(net->driver, "ipvlan") && strcmp(net->mode, "l2"),
	    .prefix6 = net->subnet6.prefix,
	    .link_local = e->link_local,
	    /* a macvlan or ipvlan network without a parent has no way out */
	    .route = !net->internal && (net_rec_bridged(net) || net->parent[0]) &&
		     (e->gw == 1 || (e->gw == 0 && !e->joins))};

	/* a next network joins the namespace its first one made */
	if (lxr_mkdir_p(ns, 0700, err) < 0 || lxr_mkdir_p(etc, 0755, err) < 0 ||
	    (!e->joins && net_netns_create(path, err) < 0))
		return -1;
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return lxr_fail(err, errno, "open %s", path);
	if ((net_rec_bridged(net) ? net_veth_make(sk, e->veth, alias, net->bridge, nsfd, e->ifname,
						  net->mtu ? net->mtu : 1500, e->ip,
						  e->has_mac ? e->mac : NULL, net->no_icc, err)
				  : sublink_make(sk, net, e, nsfd, err)) < 0 ||
	    net_ns_configure(nsfd, &a, err) < 0)
		return -1;
	if (defer)
		net_hosts_write_own(run_dir, e);
	else
		net_hosts_rewrite(run_dir, net_ep_home(e), net->name);
	return e->joins ? 0 : resolv_write(resolv, e, err);
}

static int add_new(const char *run_dir, const char *project, const struct lxr_endpoint_config *cfg,
		   const struct net_rec *net, struct ep_rec *e, lxr_err *err)
{
	_cleanup_free_ char *alias = net_link_alias(project, cfg->container);
	_cleanup_free_ char *key = lxr_xasprintf("%s/%s/%s", run_dir, project, cfg->container);
	_cleanup_free_ char *text = NULL;
	struct net_nl *sk = NULL;
	int r;

	if (cfg->mac && !e->has_mac)
		return lxr_fail(err, EINVAL, "mac_address \"%s\" is not a MAC address", cfg->mac);
	if (cfg->n_ports && net->internal)
		return lxr_fail(err, EINVAL, "network %s is internal: it cannot publish ports",
				net->name);
	if (!net_rec_bridged(net))
		net_sublink_endpoint(net, e);
	if (net_ports_on(net, e->ports, e->n_ports, err) < 0)
		return -1;
	for (size_t i = 0; e->extra && e->extra[i]; i++) {
		char *sp = strchr(e->extra[i], ' '), ip[16];
		if (sp && !strcmp(sp + 1, "host-gateway")) {
			char *now = lxr_xasprintf("%.*s %s", (int)(sp - e->extra[i]), e->extra[i],
						  net_ip_str(net->gateway, ip));
			free(e->extra[i]);
			e->extra[i] = now;
		}
	}
	if (net_ports_free(run_dir, e->ports, e->n_ports, err) < 0 ||
	    net_lease_take(run_dir, net_ep_home(e), net, e, cfg->static_ip, err) < 0 ||
	    net_lease6_take(run_dir, net_ep_home(e), net, e, cfg->static_ip6, err) < 0 ||
	    net_nl_open(&sk, err) < 0)
		return -1;
	r = net_rec_bridged(net) ? veth_pick(sk, key, alias, e->veth, err) : 0;
	if (r == 0) {
		text = net_ep_text(e);
		r = net_rec_save(run_dir, project, "endpoints", cfg->container, text, err);
	}
	if (r == 0)
		r = wire(run_dir, project, net, e, cfg->defer_peer_hosts, sk, err);
	net_nl_close(sk);
	/* the rules follow from published ports only: without any, this
	 * endpoint changes none (and spares an nft run) */
	if (r == 0 && e->n_ports)
		r = net_nft_sync(run_dir, project, err);
	return r;
}

/* The start time of the process holding an endpoint, 0 once it is gone: a
 * killed holder its parent has not reaped yet holds nothing. */
static unsigned long long holder_start(int pid)
{
	unsigned long long start = 0;
	char state = 0;

	if (lxr_proc_stat(pid, &state, &start) < 0 || state == 'Z' || state == 'X')
		return 0;
	return start;
}

static void ep_from_cfg(const char *project, const struct lxr_endpoint_config *cfg,
			struct ep_rec *e)
{
	memset(e, 0, sizeof(*e));
	e->container = lxr_xstrdup(cfg->container);
	e->project = lxr_xstrdup(project);
	e->netproj = cfg->net_project && strcmp(cfg->net_project, project)
			 ? lxr_xstrdup(cfg->net_project)
			 : NULL;
	e->network = lxr_xstrdup(cfg->network);
	e->owner =
	    cfg->owner ? lxr_xstrdup(cfg->owner) : lxr_xasprintf("%s/%s", project, cfg->container);
	e->ports = cfg->n_ports ? lxr_xmalloc(cfg->n_ports * sizeof(*e->ports)) : NULL;
	if (cfg->n_ports)
		memcpy(e->ports, cfg->ports, cfg->n_ports * sizeof(*e->ports));
	e->n_ports = cfg->n_ports;
	if (cfg->names)
		e->names = lxr_strv_dup(cfg->names);
	else
		lxr_strv_push(&e->names, lxr_xstrdup(cfg->container));
	e->peer_names = cfg->peer_names;
	for (size_t i = 0; cfg->extra_hosts && cfg->extra_hosts[i]; i++) {
		const char *eq = strchr(cfg->extra_hosts[i], '=');
		if (eq)
			lxr_strv_push(&e->extra,
				      lxr_xasprintf("%.*s %s", (int)(eq - cfg->extra_hosts[i]),
						    cfg->extra_hosts[i], eq + 1));
	}
	e->dns = cfg->dns && cfg->dns[0] ? lxr_strv_dup(cfg->dns) : NULL;
	e->dns_search =
	    cfg->dns_search && cfg->dns_search[0] ? lxr_strv_dup(cfg->dns_search) : NULL;
	e->dns_opt = cfg->dns_opt && cfg->dns_opt[0] ? lxr_strv_dup(cfg->dns_opt) : NULL;
	e->joins = lxr_xstrdup(cfg->joins);
	e->link_local =
	    cfg->link_local && cfg->link_local[0] ? lxr_strv_dup(cfg->link_local) : NULL;
	snprintf(e->ifname, sizeof(e->ifname), "%s", cfg->ifname ? cfg->ifname : "eth0");
	e->holder = cfg->holder;
	e->holder_start = cfg->holder ? holder_start(cfg->holder) : 0;
	e->has_mac = cfg->mac && net_mac_parse(cfg->mac, e->mac) == 0;
	e->gw = cfg->gw;
}

/* Endpoints whose holder died without removing them (a killed `lxr run`),
 * and the temp files of writers killed half-way: nothing else will remove
 * them, so the next change in the project does. Once per process and
 * project: what a supervisor's own endpoints leave it removes itself, and
 * reading every record on each of a stack's starts made `up` quadratic. */
static void gc_orphans(const char *run_dir, const char *project)
{
	static char **swept;
	_cleanup_free_ char *key = lxr_xasprintf("%s/%s", run_dir, project);
	struct ep_rec *eps = NULL;
	size_t n = 0;
	lxr_err err;

	for (char **k = swept; k && *k; k++)
		if (!strcmp(*k, key))
			return;
	lxr_strv_push(&swept, lxr_steal_ptr(&key));
	net_tmp_sweep_locked(run_dir, project);
	if (net_eps_load(run_dir, project, &eps, &n, &err) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		/* this process is alive, and a supervisor holds all its endpoints */
		if (!eps[i].holder || eps[i].holder == getpid() ||
		    holder_start(eps[i].holder) == eps[i].holder_start)
			continue;
		lxr_info("removing the network endpoint of %s/%s: its lxr process %d is gone",
			 project, eps[i].container, eps[i].holder);
		if (net_endpoint_remove_locked(run_dir, project, eps[i].container, NET_RM_GC,
					       &err) < 0)
			lxr_err_print(&err);
	}
	net_eps_free(eps, n);
}

int net_endpoint_add(const char *run_dir, const char *project,
		     const struct lxr_endpoint_config *cfg, struct lxr_endpoint *out, lxr_err *err)
{
	_cleanup_close_ int lock = net_lock(run_dir, err);
	const char *home = cfg->net_project ? cfg->net_project : project;
	struct net_rec net;
	struct ep_rec e = {0};
	lxr_err undo;
	bool whole;
	int r;

	memset(out, 0, sizeof(*out));
	if (lock < 0)
		return -1;
	gc_orphans(run_dir, project);
	if (cfg->create && net_network_up_locked(run_dir, home, cfg->create, cfg->pool, err) < 0)
		return lxr_err_wrap(err, "container %s", cfg->container);
	if (net_rec_load(run_dir, home, cfg->network, &net, err) < 0)
		return lxr_err_wrap(err, "container %s: network %s", cfg->container, cfg->network);
	whole = still_whole(run_dir, project, cfg->container, home, cfg->network, &e);
	/* a restart by the same holder; another live one means the name is
	 * taken (on this network or another), and its endpoint must stay as
	 * it is */
	if (e.container && e.holder && e.holder != cfg->holder &&
	    holder_start(e.holder) == e.holder_start) {
		r = lxr_fail(err, EEXIST, "endpoint %s is in use by process %d", cfg->container,
			     e.holder);
	} else if (whole) {
		fill_out(run_dir, project, &e, &net, out), r = 0;
	} else {
		net_ep_free(&e);
		/* whatever an earlier life left goes first; its veth goes with
		 * its namespace, out of the bridge meanwhile */
		net_endpoint_remove_locked(run_dir, project, cfg->container,
					   NET_RM_EXITED | NET_RM_DETACH, &undo);
		ep_from_cfg(project, cfg, &e);
		r = add_new(run_dir, project, cfg, &net, &e, err);
		if (r < 0)
			net_endpoint_remove_locked(run_dir, project, cfg->container, NET_RM_GC,
						   &undo);
		else
			fill_out(run_dir, project, &e, &net, out), out->made = true;
	}
	net_ep_free(&e);
	net_rec_free(&net);
	return r < 0 ? lxr_err_wrap(err, "container %s on network %s", cfg->container, cfg->network)
		     : 0;
}

int net_endpoint_get(const char *run_dir, const char *project, const char *container,
		     struct lxr_endpoint *out, lxr_err *err)
{
	struct ep_rec e = {0};
	struct net_rec net;

	memset(out, 0, sizeof(*out));
	if (!ep_load(run_dir, project, container, &e)) {
		net_ep_free(&e);
		return lxr_fail(err, ENOENT, "container %s has no network endpoint", container);
	}
	if (net_rec_load(run_dir, net_ep_home(&e), e.network, &net, err) < 0) {
		net_ep_free(&e);
		return lxr_err_wrap(err, "container %s", container);
	}
	fill_out(run_dir, project, &e, &net, out);
	net_ep_free(&e);
	net_rec_free(&net);
	return 0;
}

/* A container's next networks go with its first: their veths before the
 * namespace they are in. */
static void remove_joined(const char *run_dir, const char *project, const char *ctr, unsigned flags)
{
	struct ep_rec *eps = NULL;
	size_t n = 0;
	lxr_err err;

	if (net_eps_load(run_dir, project, &eps, &n, &err) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (eps[i].joins && !strcmp(eps[i].joins, ctr) &&
		    net_endpoint_remove_locked(run_dir, project, eps[i].container, flags, &err) < 0)
			lxr_err_print(&err);
	net_eps_free(eps, n);
}

static bool network_unused(const char *run_dir, const char *home, const char *network)
{
	struct ep_rec *eps = NULL;
	size_t n = 0;

	net_eps_on(run_dir, home, network, &eps, &n);
	net_eps_free(eps, n);
	return n == 0;
}

/* A veth with lxr's mark and no alias yet: its maker was killed between
 * the two requests, before the container started. The project's cleanup
 * waits for the veths it leaves to their namespaces by alias, which this
 * one lacks, so it is deleted here (once in a crash, not on every down). */
static int unaliased_delete(struct net_nl *sk, const char *veth, const char *alias, lxr_err *err)
{
	char have[256] = "";

	if (net_link_check(sk, veth, alias, have, sizeof(have)) != 1 || have[0])
		return 0;
	return net_link_delete(sk, veth, alias, err);
}

int net_endpoint_remove_locked(const char *run_dir, const char *project, const char *ctr,
			       unsigned flags, lxr_err *err)
{
	_cleanup_free_ char *ns = net_proj_dir(run_dir, project, "netns");
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s", ns, ctr);
	_cleanup_free_ char *alias = net_link_alias(project, ctr);
	_cleanup_free_ char *hosts = net_etc_path(run_dir, project, ctr, "hosts");
	_cleanup_free_ char *resolv = net_etc_path(run_dir, project, ctr, "resolv");
	struct ep_rec e = {0};
	struct net_rec net;
	struct net_nl *sk = NULL;
	int r = 0;

	if (!ep_load(run_dir, project, ctr, &e)) {
		net_ep_free(&e);
		remove_unrecorded(run_dir, project, ctr, flags);
		if (!(flags & NET_RM_ALL))
			remove_joined(run_dir, project, ctr, flags);
		unlink(hosts);
		unlink(resolv);
		return 0;
	}
	/* its next networks first: their going rewrites the hosts files on a
	 * shared network, this container's too while its record is there.
	 * (NET_RM_ALL: the project's cleanup goes through every record.) */
	if (!e.joins && !(flags & NET_RM_ALL))
		remove_joined(run_dir, project, ctr, flags);
	unlink(hosts);
	unlink(resolv);
	/* the veth goes with the namespace, but do not count on that: a
	 * process inside keeps the namespace (and eth0's peer) alive. When
	 * the whole project goes, its stopped containers' namespaces are
	 * freed together, and net_project_cleanup deletes what is left. */
	if (!e.veth[0]) {
		/* a macvlan or ipvlan: deleted, so that its address and MAC leave
		 * the parent before a new endpoint wants them (deleted with the
		 * namespace, it would keep them until the kernel frees that) */
		_cleanup_free_ char *in = lxr_xasprintf("%s/%s", ns, e.joins ? e.joins : ctr);
		_cleanup_close_ int fd = -1;
		lxr_err why;
		if (e.ifname[0] && net_netns_alive(in))
			fd = open(in, O_RDONLY | O_CLOEXEC);
		/* best effort: it goes with the namespace all the same */
		if (fd >= 0 && net_ns_link_delete(fd, e.ifname, &why) < 0)
			lxr_warn("%s/%s: %s", project, ctr, why.msg);
	} else if (!(flags & (NET_RM_ALL | NET_RM_EXITED)) && net_nl_open(&sk, err) == 0) {
		r = net_link_delete(sk, e.veth, alias, err);
		net_nl_close(sk);
	} else if ((flags & NET_RM_DETACH) && net_nl_open(&sk, err) == 0) {
		earlier_veth(sk, e.veth, alias);
		net_nl_close(sk);
	} else if ((flags & NET_RM_ALL) && net_nl_open(&sk, err) == 0) {
		r = unaliased_delete(sk, e.veth, alias, err);
		net_nl_close(sk);
	}
	if (r == 0 && !e.joins)
		r = net_netns_remove(path, err);
	if (r == 0) {
		net_lease_drop(run_dir, net_ep_home(&e), e.network, e.owner);
		r = net_rec_remove(run_dir, project, "endpoints", ctr, err);
	}
	if (r == 0 && e.n_ports)
		r = net_nft_sync(run_dir, project, err);
	/* a whole project going needs no rewrite of its own files, but other
	 * projects on a shared network list its containers */
	if (r == 0 && (!(flags & NET_RM_ALL) || e.netproj))
		net_hosts_rewrite(run_dir, net_ep_home(&e), e.network);
	if (r == 0 && (flags & NET_RM_GC) &&
	    net_rec_load(run_dir, net_ep_home(&e), e.network, &net, err) == 0) {
		if (net.ephemeral && network_unused(run_dir, net_ep_home(&e), e.network))
			r = net_network_remove_locked(run_dir, net_ep_home(&e), e.network, err);
		net_rec_free(&net);
	}
	net_ep_free(&e);
	return r;
}

struct remove_args {
	const char *run_dir, *project, *container;
	unsigned flags;
};

static int endpoint_remove(const char *run_dir, const char *project, const char *container,
			   unsigned flags, lxr_err *err);

static int remove_fn(void *ctx, lxr_err *err)
{
	struct remove_args *a = ctx;
	return endpoint_remove(a->run_dir, a->project, a->container, a->flags, err);
}

static int endpoint_remove(const char *run_dir, const char *project, const char *container,
			   unsigned flags, lxr_err *err)
{
	_cleanup_close_ int lock = -1;
	struct remove_args a = {run_dir, project, container, flags};

	/* rootless, from outside the namespace the endpoint was made in */
	if (lxr_rootless_uid() >= 0 && !net_rootless_inside()) {
		return net_rootless_outside(remove_fn, &a, err);
	}
	lock = net_lock(run_dir, err);
	if (lock < 0)
		return -1;
	if (net_endpoint_remove_locked(run_dir, project, container, flags, err) < 0)
		return lxr_err_wrap(err, "container %s: remove its network endpoint", container);
	return 0;
}

int net_endpoint_remove(const char *run_dir, const char *project, const char *container,
			lxr_err *err)
{
	return endpoint_remove(run_dir, project, container, NET_RM_GC, err);
}

int net_endpoint_remove_exited(const char *run_dir, const char *project, const char *container,
			       lxr_err *err)
{
	/* Deleting a veth waits for the kernel's RCU grace periods (10-20
	 * ms); a dying namespace's devices go in the kernel's own cleanup
	 * work instead. Until then the host end is a link with this
	 * container's alias and no record: the container's next endpoint
	 * (veth_pick) and net_project_cleanup remove it if it is still
	 * there, and it cannot outlive the namespace. */
	return endpoint_remove(run_dir, project, container, NET_RM_GC | NET_RM_EXITED, err);
}

int net_endpoint_remove_going(const char *run_dir, const char *project, const char *container,
			      lxr_err *err)
{
	return endpoint_remove(run_dir, project, container, NET_RM_ALL, err);
}

void net_endpoint_free(struct lxr_endpoint *ep)
{
	free(ep->netns_path);
	free(ep->hosts_path);
	free(ep->resolv_path);
	free(ep->ports);
	memset(ep, 0, sizeof(*ep));
}

/* A start-first update: the new container's endpoint takes over the old
 * one's published ports. Both records are written, then the project's
 * rules are made again in one nft batch, so the DNAT moves from the old
 * address to the new at one instant: a connection is accepted by one or
 * the other, never refused. (Until the batch, a crash leaves both records
 * with the ports; the rules then send them to the first, still running.) */
int net_endpoint_ports_move(const char *run_dir, const char *project, const char *from,
			    const char *to, lxr_err *err)
{
	_cleanup_close_ int lock = net_lock(run_dir, err);
	_cleanup_free_ char *from_text = NULL, *to_text = NULL;
	struct ep_rec a = {0}, b = {0};
	int r = -1;

	if (lock < 0)
		return -1;
	if (!ep_load(run_dir, project, from, &a) || !ep_load(run_dir, project, to, &b)) {
		lxr_fail(err, ENOENT, "no endpoint %s or %s", from, to);
		goto out;
	}
	if (b.n_ports) {
		lxr_fail(err, EEXIST, "endpoint %s publishes ports already", to);
		goto out;
	}
	b.ports = a.ports;
	b.n_ports = a.n_ports;
	a.ports = NULL;
	a.n_ports = 0;
	to_text = net_ep_text(&b);
	from_text = net_ep_text(&a);
	if (net_rec_save(run_dir, project, "endpoints", to, to_text, err) < 0 ||
	    net_rec_save(run_dir, project, "endpoints", from, from_text, err) < 0)
		goto out;
	r = net_nft_sync(run_dir, project, err);
out:
	net_ep_free(&a);
	net_ep_free(&b);
	return r < 0 ? lxr_err_wrap(err, "move the published ports of %s to %s", from, to) : 0;
}
