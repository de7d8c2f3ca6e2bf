/* Networks: a record, a bridge with the gateway address, the project's nft
 * chains (rules.c), and IPv4 forwarding when the network has a way out. Made record
 * first, removed record last, so every crash in between leaves something
 * net_project_cleanup can find. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "net/net_internal.h"

/* Every lxr network's record here, of every project. */
static int all_recs(const char *run_dir, struct net_rec **out, size_t *n, lxr_err *err)
{
	_cleanup_strv_ char **projects = net_projects(run_dir);

	*out = NULL;
	*n = 0;
	for (size_t p = 0; projects[p]; p++) {
		struct net_rec *nets = NULL;
		size_t cnt = 0;
		if (net_recs_load(run_dir, projects[p], &nets, &cnt, err) < 0) {
			net_recs_free(*out, *n);
			return -1;
		}
		*out = lxr_xrealloc(*out, (*n + cnt + 1) * sizeof(**out));
		memcpy(*out + *n, nets, cnt * sizeof(*nets));
		*n += cnt;
		free(nets);
	}
	return 0;
}

/* Subnets in use: held by any lxr network here, and with host those
 * routed on the host (a macvlan or ipvlan network's subnet is most often
 * the very one its parent's host is on). */
static int subnets_in_use(const char *run_dir, bool host, struct lxr_subnet **out, size_t *n,
			  lxr_err *err)
{
	struct net_rec *nets;
	size_t cnt;

	*out = NULL;
	*n = 0;
	if ((host && net_host_routes(out, n, err) < 0) || all_recs(run_dir, &nets, &cnt, err) < 0)
		return -1;
	*out = lxr_xrealloc(*out, (*n + cnt + 1) * sizeof(**out));
	for (size_t i = 0; i < cnt; i++)
		(*out)[(*n)++] = nets[i].subnet;
	net_recs_free(nets, cnt);
	return 0;
}

/* IPv6 subnets in use: as subnets_in_use. */
static int subnets6_in_use(const char *run_dir, bool host, struct lxr_subnet6 **out, size_t *n,
			   lxr_err *err)
{
	struct net_rec *nets;
	size_t cnt;

	*out = NULL;
	*n = 0;
	if ((host && net_host_routes6(out, n, err) < 0) || all_recs(run_dir, &nets, &cnt, err) < 0)
		return -1;
	*out = lxr_xrealloc(*out, (*n + cnt + 1) * sizeof(**out));
	for (size_t i = 0; i < cnt; i++)
		if (nets[i].subnet6.prefix)
			(*out)[(*n)++] = nets[i].subnet6;
	net_recs_free(nets, cnt);
	return 0;
}

/* The host's id, which makes its ULA prefix its own (docker derives it
 * from its engine's id). */
static char *host_seed(void)
{
	char *id = NULL;
	size_t len;
	lxr_err ignored;

	if (lxr_read_file_at(AT_FDCWD, "/etc/machine-id", &id, &len, &ignored) < 0)
		return lxr_xstrdup("lxr");
	return id;
}

static int pick_subnet6(const char *run_dir, const struct lxr_net_config *cfg, struct net_rec *r,
			lxr_err *err)
{
	_cleanup_free_ struct lxr_subnet6 *used = NULL;
	_cleanup_free_ char *seed = NULL;
	char a[NET_SUBNET6_STRLEN], b[NET_SUBNET6_STRLEN];
	size_t n = 0;

	if (subnets6_in_use(run_dir, net_rec_bridged(r) || !cfg->subnet6, &used, &n, err) < 0)
		return -1;
	if (cfg->subnet6) {
		if (net_subnet6_parse(cfg->subnet6, &r->subnet6, err) < 0)
			return -1;
		for (size_t i = 0; i < n; i++) {
			if (!net_subnet6_overlaps(&r->subnet6, &used[i]))
				continue;
			lxr_fail(err, EADDRINUSE,
				 "subnet %s overlaps %s, already routed on this host",
				 net_subnet6_str(&r->subnet6, a), net_subnet6_str(&used[i], b));
			return lxr_err_hint(
			    err, "pick another IPv6 subnet, or leave it out and lxr "
				 "picks a free ULA /64 (`ip -6 route` shows what is taken)");
		}
	} else {
		seed = host_seed();
		if (net_pool6_pick(seed, used, n, &r->subnet6, err) < 0)
			return -1;
	}
	if (cfg->gateway6 && net_ip6_parse(cfg->gateway6, &r->gateway6, err) < 0)
		return -1;
	if (cfg->gateway6 && net_rec_bridged(r) && net_ip6_eq(&r->gateway6, &(struct lxr_ip6){0}))
		return lxr_fail(err, EINVAL, "gateway :: is no address a bridge can have");
	if (cfg->gateway6 || !net_rec_bridged(r))
		return 0; /* a macvlan's without one: no default route */
	r->gateway6 = r->subnet6.addr;
	r->gateway6.b[15] |= 1;
	return 0;
}

static int pick_subnet(const char *run_dir, const struct lxr_net_config *cfg,
		       const struct lxr_net_pool *pool, struct net_rec *r, lxr_err *err)
{
	_cleanup_free_ struct lxr_subnet *used = NULL;
	size_t n = 0;

	if (cfg->subnet) {
		char a[19], b[19];
		if (net_subnet_parse(cfg->subnet, &r->subnet, err) < 0 ||
		    subnets_in_use(run_dir, net_rec_bridged(r), &used, &n, err) < 0)
			return -1;
		/* two networks on one subnet: each container would route half
		 * its neighbours to the wrong bridge */
		for (size_t i = 0; i < n; i++) {
			if (!net_subnet_overlaps(&r->subnet, &used[i]))
				continue;
			lxr_fail(err, EADDRINUSE,
				 "subnet %s overlaps %s, already routed on this host",
				 net_subnet_str(&r->subnet, a), net_subnet_str(&used[i], b));
			return lxr_err_hint(err,
					    "pick another ipam subnet, or leave it out and lxr "
					    "picks a free one (`ip route` shows what is taken)");
		}
	} else {
		struct lxr_net_pool def;
		if (!pool) {
			net_pool_default(&def);
			pool = &def;
		}
		if (subnets_in_use(run_dir, true, &used, &n, err) < 0 ||
		    net_pool_pick(pool, used, n, &r->subnet, err) < 0)
			return -1;
	}
	if (cfg->ipv6 && pick_subnet6(run_dir, cfg, r, err) < 0)
		return -1;
	if (cfg->gateway && net_ip_parse(cfg->gateway, &r->gateway, err) < 0)
		return -1;
	/* a bridge has the gateway's address: 0.0.0.0 is none */
	if (cfg->gateway && !r->gateway && net_rec_bridged(r))
		return lxr_fail(err, EINVAL, "gateway 0.0.0.0 is no address a bridge can have");
	if (!cfg->gateway && net_rec_bridged(r)) /* else none: no default route */
		r->gateway = r->subnet.addr + 1;
	return 0;
}

/* The bridge's IPv6 side: on (a host may default to off), the gateway's
 * address, forwarding when the network has a way out. */
static int bridge_v6(const char *run_dir, struct net_nl *sk, const struct net_rec *r, lxr_err *err)
{
	_cleanup_free_ char *k = lxr_xasprintf("net.ipv6.conf.%s.disable_ipv6", r->bridge);

	if (net_sysctl_set(k, "0", err) < 0)
		return err->errnum == ENOENT
			   ? lxr_err_hint(err, "enable_ipv6 needs a kernel with IPv6 (this one "
					       "has none, or ipv6.disable=1 on its command line)")
			   : -1;
	if (net_link_addr6(sk, r->bridge, &r->gateway6, r->subnet6.prefix, err) < 0)
		return -1;
	return r->internal ? 0 : net_forwarding6_needed(run_dir, err);
}

/* A container can send the bridge a router advertisement (a raw frame
 * needs only NET_RAW, a default capability), which would give the host an
 * address, a route and even a default route through that container: the
 * bridge takes none, as docker's. A bridge of an IPv4-only network has no
 * IPv6 at all, so nothing reaches the host over it by a link-local
 * address either (as docker's). A kernel without IPv6 has neither knob. */
static int bridge_no_ra(const struct net_rec *r, lxr_err *err)
{
	_cleanup_free_ char *ra = lxr_xasprintf("net.ipv6.conf.%s.accept_ra", r->bridge);
	_cleanup_free_ char *off = lxr_xasprintf("net.ipv6.conf.%s.disable_ipv6", r->bridge);

	if (net_sysctl_set(ra, "0", err) < 0)
		return err->errnum == ENOENT ? 0 : -1;
	return r->subnet6.prefix ? 0 : net_sysctl_set(off, "1", err);
}

int net_bridge_pick(struct net_nl *sk, const char *key, const char *alias, char *out, lxr_err *err)
{
	char have[256];

	for (unsigned salt = 0; salt < 16; salt++) {
		net_link_name(out, "lxr-", key, salt);
		if (net_link_check(sk, out, alias, have, sizeof(have)) >= 0)
			return 0;
	}
	return lxr_fail(err, EEXIST, "no free bridge name for %s", alias);
}

static int bridge_up(const char *run_dir, const char *project, struct net_rec *r, lxr_err *err)
{
	_cleanup_free_ char *alias = net_link_alias(project, r->name);
	_cleanup_free_ char *key = NULL;
	struct net_nl *sk = NULL;
	int ret;

	if (net_nl_open(&sk, err) < 0)
		return -1;
	if (!r->bridge[0]) {
		key = lxr_xasprintf("%s/%s/%s", run_dir, project, r->name);
		if (net_bridge_pick(sk, key, alias, r->bridge, err) < 0)
			goto fail;
		_cleanup_free_ char *text = net_rec_text(r);
		if (net_rec_save(run_dir, project, "networks", r->name, text, err) < 0)
			goto fail;
	}
	ret = net_bridge_make(sk, r->bridge, alias, r->gateway, r->subnet.prefix,
			      r->mtu ? r->mtu : 1500, err);
	if (ret == 0 && r->altname[0])
		ret = net_link_altname(sk, r->bridge, r->altname, err);
	if (ret == 0)
		ret = bridge_no_ra(r, err);
	if (ret == 0 && r->subnet6.prefix)
		ret = bridge_v6(run_dir, sk, r, err);
	net_nl_close(sk);
	if (ret < 0)
		return -1;
	{
		/* localhost-published ports route 127.0.0.1-sourced packets out
		 * of the bridge; the kernel drops those unless route_localnet is
		 * on for it (nft.c guards what that would open). */
		_cleanup_free_ char *k =
		    lxr_xasprintf("net.ipv4.conf.%s.route_localnet", r->bridge);
		if (net_sysctl_set(k, "1", err) < 0)
			return -1;
	}
	return r->internal ? 0 : net_forwarding_needed(run_dir, err);
fail:
	net_nl_close(sk);
	return -1;
}

/* The network's objects on the host: a bridge's, or a macvlan or ipvlan
 * network's parent (sublink.c). */
static int host_side_up(const char *run_dir, const char *project, struct net_rec *r, bool fresh,
			lxr_err *err)
{
	return net_rec_bridged(r) ? bridge_up(run_dir, project, r, err)
				  : net_sublink_up(run_dir, project, r, fresh, err);
}

static bool same_text(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool same_aux(char *const *a, char *const *b)
{
	size_t i = 0;

	for (; a && b && a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return !(a && a[i]) && !(b && b[i]);
}

/* ip_range and aux_addresses into the record, checked against its subnets
 * by an allocator made of them, so a range that does not fit fails here,
 * not at the first container. */
static int limits_check(const struct lxr_net_config *cfg, struct net_rec *r, lxr_err *err)
{
	struct lxr_ipam *m = NULL;

	r->ip_range = cfg->ip_range ? lxr_xstrdup(cfg->ip_range) : NULL;
	r->ip_range6 = cfg->ip_range6 ? lxr_xstrdup(cfg->ip_range6) : NULL;
	for (size_t i = 0; cfg->aux && cfg->aux[i]; i++)
		lxr_strv_push(&r->aux, lxr_xstrdup(cfg->aux[i]));
	if (r->ip_range6 && !r->subnet6.prefix)
		return lxr_fail(err, EINVAL, "ip_range %s given, but the network has no IPv6",
				r->ip_range6);
	for (int v6 = 0; v6 <= (r->subnet6.prefix != 0); v6++) {
		if (net_ipam_of(r, v6, &m, err) < 0)
			return -1;
		net_ipam_free(m);
	}
	/* an IPv6 aux address on a network without IPv6 */
	for (size_t i = 0; r->aux && r->aux[i]; i++)
		if (strchr(r->aux[i], ':') && !r->subnet6.prefix)
			return lxr_fail(err, EINVAL, "aux address %s is IPv6, the network is not",
					r->aux[i]);
	return 0;
}

/* r's parent takes no other network of this one's kind (sublink.c). */
static int parent_free(const char *run_dir, const struct net_rec *r, lxr_err *err)
{
	struct net_rec *others = NULL;
	size_t n = 0;
	int ret = all_recs(run_dir, &others, &n, err);

	if (ret == 0)
		ret = net_sublink_conflict(r, others, n, err);
	net_recs_free(others, n);
	return ret;
}

/* Bridge port isolation (IFLA_BRPORT_ISOLATED) came with Linux 4.18; an
 * older kernel ignores the attribute, which would leave the containers
 * of a network without icc reaching each other, said by nothing. */
static bool ports_isolate(void)
{
	struct utsname u;
	unsigned major = 0, minor = 0;

	return uname(&u) == 0 && lxr_sscanf(u.release, "%u.%u", &major, &minor) == 2 &&
	       (major > 4 || (major == 4 && minor >= 18));
}

/* The bridge's second name, switches and default host address into r. */
static int bridge_opts(const struct lxr_net_config *cfg, bool bridged, struct net_rec *r,
		       lxr_err *err)
{
	const char *hb = cfg->host_binding;

	if (!bridged && (cfg->bridge_name || cfg->no_icc || cfg->no_masquerade || hb ||
			 cfg->unprotected || cfg->unprotected6))
		return lxr_fail(err, EINVAL, "a %s network has no bridge to %s", r->driver,
				cfg->bridge_name ? "name" : "set options of"),
		       lxr_err_hint(err, "com.docker.network.bridge.* are the bridge driver's");
	if (cfg->bridge_name && !lxr_ifname_valid(cfg->bridge_name))
		return lxr_fail(err, EINVAL, "\"%s\" is not a name a bridge can have",
				cfg->bridge_name);
	if (cfg->bridge_name)
		strcpy(r->altname, cfg->bridge_name);
	if (hb && net_ip_parse(hb, &r->host_binding, err) < 0)
		return lxr_err_wrap(err, "host_binding_ipv4");
	if (cfg->no_icc && !ports_isolate())
		return lxr_fail(err, ENOSYS, "enable_icc false needs Linux 4.18 or later"),
		       lxr_err_hint(err, "its containers' bridge ports are isolated; drop the "
					 "option, or put them on networks of their own");
	r->no_icc = cfg->no_icc;
	r->no_masquerade = cfg->no_masquerade;
	r->unprotected = cfg->unprotected;
	r->unprotected6 = cfg->unprotected6;
	return 0;
}

static int network_make(const char *run_dir, const char *project, const struct lxr_net_config *cfg,
			const struct lxr_net_pool *pool, lxr_err *err)
{
	bool bridged = !cfg->driver || !strcmp(cfg->driver, "bridge");
	/* a macvlan's or ipvlan's MTU is its parent's unless given */
	struct net_rec r = {.name = lxr_xstrdup(cfg->name),
			    .internal = cfg->internal,
			    .ephemeral = cfg->ephemeral,
			    .mtu = cfg->mtu || !bridged ? cfg->mtu : net_default_mtu()};
	lxr_err undo;
	char buf[19];
	int ret = bridged ? 0 : net_sublink_rec(cfg, &r, err);

	if (ret == 0 && !bridged && lxr_rootless_uid() >= 0)
		ret = lxr_fail(err, EPERM, "a %s network needs root", r.driver),
		lxr_err_hint(err, "rootless containers reach the host's network through pasta: "
				  "use a bridge network and publish ports");
	if (ret == 0 && !bridged)
		ret = parent_free(run_dir, &r, err);
	if (ret == 0)
		ret = pick_subnet(run_dir, cfg, pool, &r, err);
	if (ret == 0)
		ret = bridge_opts(cfg, bridged, &r, err);
	if (ret == 0)
		ret = limits_check(cfg, &r, err);
	if (ret == 0)
		ret = host_side_up(run_dir, project, &r, true, err);
	if (ret == 0 && bridged)
		ret = net_nft_sync(run_dir, project, err);
	/* internal networks too: with br_netfilter, even traffic between two
	 * containers on one bridge passes the host's FORWARD chain */
	if (ret == 0 && bridged)
		net_hostfw_allow(run_dir, true);
	if (ret == 0 && !bridged) {
		lxr_info("network %s/%s: %s on %s, subnet %s", project, cfg->name, r.driver,
			 r.parent[0] ? r.parent : r.bridge, net_subnet_str(&r.subnet, buf));
	} else if (ret == 0 && r.subnet6.prefix) {
		char b6[NET_SUBNET6_STRLEN];
		lxr_info("network %s/%s: bridge %s, subnets %s and %s", project, cfg->name,
			 r.bridge, net_subnet_str(&r.subnet, buf), net_subnet6_str(&r.subnet6, b6));
	} else if (ret == 0) {
		lxr_info("network %s/%s: bridge %s, subnet %s", project, cfg->name, r.bridge,
			 net_subnet_str(&r.subnet, buf));
	} else if (r.bridge[0] || !bridged) {
		net_network_remove_locked(run_dir, project, cfg->name, &undo);
	}
	net_rec_free(&r);
	return ret;
}

/* the driver, parent, mode and flag the record has */
static bool same_driver(const struct lxr_net_config *cfg, const struct net_rec *r)
{
	struct net_rec want = {.name = r->name};
	lxr_err ignored;

	if (!cfg->driver || !strcmp(cfg->driver, "bridge"))
		return net_rec_bridged(r);
	return net_sublink_rec(cfg, &want, &ignored) == 0 && !strcmp(want.driver, r->driver) &&
	       !strcmp(want.parent, r->parent) && !strcmp(want.mode, r->mode) &&
	       !strcmp(want.flag, r->flag);
}

static bool same_subnet6(const struct lxr_net_config *cfg, const struct net_rec *r)
{
	struct lxr_subnet6 want;
	lxr_err ignored;

	return net_subnet6_parse(cfg->subnet6, &want, &ignored) == 0 &&
	       want.prefix == r->subnet6.prefix && net_ip6_eq(&want.addr, &r->subnet6.addr);
}

/* The ranges, aux addresses and bridge options cfg asks for are r's;
 * false: err says which differ. */
static bool same_made(const struct lxr_net_config *cfg, const struct net_rec *r, lxr_err *err)
{
	uint32_t hb = 0;
	lxr_err ignored;

	if (cfg->host_binding)
		net_ip_parse(cfg->host_binding, &hb, &ignored);
	if (!same_text(cfg->ip_range, r->ip_range) || !same_text(cfg->ip_range6, r->ip_range6) ||
	    !same_aux(cfg->aux, r->aux) ||
	    strcmp(cfg->bridge_name ? cfg->bridge_name : "", r->altname))
		lxr_fail(err, EEXIST,
			 "network %s exists with other ip_range, aux_addresses or bridge name",
			 cfg->name);
	else if (cfg->no_icc != r->no_icc || cfg->no_masquerade != r->no_masquerade ||
		 hb != r->host_binding || cfg->unprotected != r->unprotected ||
		 cfg->unprotected6 != r->unprotected6)
		lxr_fail(err, EEXIST,
			 "network %s exists with other enable_icc, enable_ip_masquerade, "
			 "host_binding_ipv4 or gateway_mode",
			 cfg->name);
	else
		return true;
	lxr_err_hint(err, "`lxr down` the stack to make the network again");
	return false;
}

int net_network_up_locked(const char *run_dir, const char *project,
			  const struct lxr_net_config *cfg, const struct lxr_net_pool *pool,
			  lxr_err *err)
{
	struct net_rec r;
	int ret;

	if (net_rec_load(run_dir, project, cfg->name, &r, err) < 0) {
		if (err->errnum != ENOENT)
			return lxr_err_wrap(err, "network %s", cfg->name);
		ret = network_make(run_dir, project, cfg, pool, err);
		return ret < 0 ? lxr_err_wrap(err, "network %s", cfg->name) : 0;
	}
	if (cfg->subnet) {
		struct lxr_subnet want;
		char a[19], b[19];
		if (net_subnet_parse(cfg->subnet, &want, err) < 0)
			return lxr_err_wrap(err, "network %s", cfg->name);
		if (want.addr != r.subnet.addr || want.prefix != r.subnet.prefix) {
			lxr_fail(err, EEXIST, "network %s exists with subnet %s, not %s", cfg->name,
				 net_subnet_str(&r.subnet, a), net_subnet_str(&want, b));
			net_rec_free(&r);
			return -1;
		}
	}
	if (cfg->ipv6 != (r.subnet6.prefix != 0) || (cfg->subnet6 && !same_subnet6(cfg, &r))) {
		char a[NET_SUBNET6_STRLEN] = "no IPv6";
		if (r.subnet6.prefix)
			net_subnet6_str(&r.subnet6, a);
		lxr_fail(err, EEXIST, "network %s exists with %s, not %s", cfg->name, a,
			 !cfg->ipv6     ? "without IPv6"
			 : cfg->subnet6 ? cfg->subnet6
					: "IPv6");
		lxr_err_hint(err, "`lxr down` the stack to make the network again");
		net_rec_free(&r);
		return -1;
	}
	if (!same_made(cfg, &r, err)) {
		net_rec_free(&r);
		return -1;
	}
	/* made for a build step that wanted it gone with its last container,
	 * and now joined by one that wants it kept: kept from now on */
	if (r.ephemeral && !cfg->ephemeral) {
		_cleanup_free_ char *text = NULL;
		r.ephemeral = false;
		text = net_rec_text(&r);
		if (net_rec_save(run_dir, project, "networks", r.name, text, err) < 0) {
			net_rec_free(&r);
			return lxr_err_wrap(err, "network %s", cfg->name);
		}
	}
	if (!same_driver(cfg, &r)) {
		lxr_fail(err, EEXIST, "network %s exists with driver %s%s%s, mode %s", cfg->name,
			 r.driver[0] ? r.driver : "bridge", r.parent[0] ? " on " : "", r.parent,
			 r.driver[0] ? r.mode : "-");
		lxr_err_hint(err, "`lxr down` the stack to make the network again");
		net_rec_free(&r);
		return -1;
	}
	/* It exists: make sure its kernel objects do too (a crash or a
	 * reboot of the host can have taken them). */
	ret = host_side_up(run_dir, project, &r, false, err);
	if (ret == 0 && net_rec_bridged(&r))
		ret = net_nft_sync(run_dir, project, err);
	if (ret == 0 && net_rec_bridged(&r))
		net_hostfw_allow(run_dir, false);
	net_rec_free(&r);
	return ret < 0 ? lxr_err_wrap(err, "network %s", cfg->name) : 0;
}

int net_network_up(const char *run_dir, const char *project, const struct lxr_net_config *cfg,
		   const struct lxr_net_pool *pool, lxr_err *err)
{
	_cleanup_close_ int lock = net_lock(run_dir, err);

	if (lock < 0)
		return -1;
	return net_network_up_locked(run_dir, project, cfg, pool, err);
}

struct bridge_del {
	const char *name, *alias;
};

static int bridge_delete(void *arg, lxr_err *err)
{
	const struct bridge_del *b = arg;
	struct net_nl *sk = NULL;
	int r;

	if (net_nl_open(&sk, err) < 0)
		return -1;
	r = net_link_delete(sk, b->name, b->alias, err);
	net_nl_close(sk);
	return r;
}

/* A VLAN parent lxr made goes with the last network of lxr's on it. */
static void parent_release(const char *run_dir, const struct net_rec *r)
{
	struct net_rec *others = NULL;
	size_t n = 0;
	lxr_err ignored;

	if (all_recs(run_dir, &others, &n, &ignored) < 0)
		return; /* cannot tell: kept */
	net_sublink_parent_release(r, others, n);
	net_recs_free(others, n);
}

int net_network_remove_locked(const char *run_dir, const char *project, const char *name,
			      lxr_err *err)
{
	_cleanup_free_ char *alias = net_link_alias(project, name);
	struct net_rec r;
	struct ep_rec *eps = NULL;
	size_t ne = 0;
	int ret = 0;

	if (net_rec_load(run_dir, project, name, &r, err) < 0)
		return err->errnum == ENOENT ? 0 : -1;
	/* its containers, of whichever project (a shared network's) */
	net_all_eps_load(run_dir, &eps, &ne);
	for (size_t i = 0; i < ne; i++) {
		if (!strcmp(eps[i].network, name) && !strcmp(net_ep_home(&eps[i]), project) &&
		    ret == 0)
			ret = lxr_fail(err, EBUSY, "network %s is in use by %s%s%s", name,
				       strcmp(eps[i].project, project) ? eps[i].project : "",
				       strcmp(eps[i].project, project) ? "/" : "",
				       eps[i].joins ? eps[i].joins : eps[i].container);
	}
	net_eps_free(eps, ne);
	/* A bridge's deletion waits out RCU grace periods under the rtnl
	 * lock, an nft commit its own under nftables' mutex: the bridge goes
	 * in a child while the rules go here, not one after the other. Its
	 * rules name it and nothing else does; should its deletion fail, the
	 * link keeps lxr's alias, by which the project's cleanup finds it. */
	struct bridge_del del = {r.bridge, alias};
	struct lxr_child child = {-1, -1};
	if (ret == 0 && r.bridge[0]) /* a macvlan's parent of the host's is not lxr's */
		ret = lxr_child_start(bridge_delete, &del, &child, err);
	if (ret == 0)
		ret = net_rec_remove(run_dir, project, "leases", name, err);
	if (ret == 0 && r.subnet6.prefix) {
		_cleanup_free_ char *l6 = net_lease6_name(name);
		ret = net_rec_remove(run_dir, project, "leases", l6, err);
	}
	if (ret == 0)
		ret = net_rec_remove(run_dir, project, "networks", name, err);
	if (ret == 0 && !net_rec_bridged(&r))
		parent_release(run_dir, &r);
	/* a macvlan or ipvlan network has no rules: none change */
	if (ret == 0 && net_rec_bridged(&r))
		ret = net_nft_sync(run_dir, project, err);
	if (child.pid > 0) {
		lxr_err e2;
		if (lxr_child_finish(&child, "delete the bridge", ret < 0 ? &e2 : err) < 0) {
			/* the record back, so the next removal finds the bridge
			 * (a shared network has no project cleanup to sweep it) */
			_cleanup_free_ char *text = net_rec_text(&r);
			net_rec_save(run_dir, project, "networks", name, text, &e2);
			ret = -1;
		}
	}
	net_rec_free(&r);
	net_proj_dirs_tidy(run_dir, project);
	net_hostfw_release(run_dir);
	net_forwarding_release(run_dir);
	return ret;
}

int net_network_prune(const char *run_dir, const char *project, char ***removed, lxr_err *err)
{
	_cleanup_close_ int lock = net_lock(run_dir, err);
	_cleanup_strv_ char **names = NULL;
	int ret = 0;

	if (lock < 0)
		return -1;
	names = net_rec_names(run_dir, project, "networks");
	for (size_t i = 0; names && names[i]; i++) {
		lxr_err e;
		if (net_network_remove_locked(run_dir, project, names[i], &e) == 0)
			lxr_strv_push(removed, lxr_xstrdup(names[i]));
		else if (e.errnum != EBUSY && ret == 0)
			ret = lxr_fail(err, e.errnum, "remove network %s: %s", names[i], e.msg);
	}
	return ret;
}

int net_network_remove(const char *run_dir, const char *project, const char *name, lxr_err *err)
{
	_cleanup_close_ int lock = net_lock(run_dir, err);

	if (lock < 0)
		return -1;
	if (net_network_remove_locked(run_dir, project, name, err) < 0)
		return lxr_err_wrap(err, "remove network %s", name);
	return 0;
}
