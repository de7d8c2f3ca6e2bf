/* Links, addresses and routes over rtnetlink (libnl-route-3). Each link lxr
 * makes carries an alias "lxr:<key>" (IFLA_IFALIAS), and a link is changed or
 * deleted only when its alias says lxr made it for that key. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <sched.h>
#include <string.h>

#include "net/internal.h"

static int nl_errno(int nle)
{
	switch (-nle) {
	case NLE_EXIST: return EEXIST;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV: return ENODEV;
	case NLE_PERM: return EPERM;
	case NLE_BUSY: return EBUSY;
	case NLE_INVAL: return EINVAL;
	case NLE_RANGE: return ERANGE;
	case NLE_NOADDR: return EADDRNOTAVAIL;
	case NLE_OPNOTSUPP: return EOPNOTSUPP;
	default: return EIO;
	}
}

#define nl_fail(err, r, ...) (lxr_fail(err, nl_errno(r), __VA_ARGS__))

int net_nl_open(struct nl_sock **out, lxr_err *err)
{
	struct nl_sock *sk = nl_socket_alloc();
	int r;

	if (!sk)
		return lxr_fail(err, ENOMEM, "netlink socket");
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(sk);
		return nl_fail(err, r, "connect rtnetlink");
	}
	*out = sk;
	return 0;
}

void net_nl_close(struct nl_sock *sk)
{
	if (sk)
		nl_socket_free(sk);
}

static void link_putp(struct rtnl_link **l)
{
	if (*l)
		rtnl_link_put(*l);
}
#define _cleanup_link_ __attribute__((cleanup(link_putp)))

int net_link_owner(struct nl_sock *sk, const char *name, char *alias, size_t len)
{
	_cleanup_link_ struct rtnl_link *l = NULL;
	const char *a;

	if (rtnl_link_get_kernel(sk, 0, name, &l) < 0)
		return 0;
	a = rtnl_link_get_ifalias(l);
	snprintf(alias, len, "%s", a ? a : "");
	return 1;
}

static bool has_mark(struct rtnl_link *l, const char *name)
{
	struct nl_addr *a = rtnl_link_get_addr(l);
	unsigned char mac[6];

	net_link_mark(mac, name);
	return a && nl_addr_get_len(a) == 6 && !memcmp(nl_addr_get_binary_addr(a), mac, 6);
}

int net_link_check(struct nl_sock *sk, const char *name, const char *alias, char *have, size_t len)
{
	_cleanup_link_ struct rtnl_link *l = NULL;
	const char *a;

	if (rtnl_link_get_kernel(sk, 0, name, &l) < 0)
		return 0;
	a = rtnl_link_get_ifalias(l);
	snprintf(have, len, "%s", a ? a : "");
	if (!strcmp(have, alias))
		return 1;
	return !have[0] && has_mark(l, name) ? 1 : -1;
}

/* The ownership mark and the alias on a link about to be made, so both go
 * in the request that creates it (the kernel keeps only the mark today). */
static int link_birth_marks(struct rtnl_link *l, const char *name, const char *alias, lxr_err *err)
{
	unsigned char mac[6];
	struct nl_addr *a;

	net_link_mark(mac, name);
	a = nl_addr_build(AF_LLC, mac, sizeof(mac));
	if (!a)
		return lxr_fail(err, ENOMEM, "link address");
	rtnl_link_set_addr(l, a);
	nl_addr_put(a);
	rtnl_link_set_ifalias(l, alias);
	return 0;
}

/* alias, up, mtu on an existing link */
static int link_set(struct nl_sock *sk, const char *name, const char *alias, int mtu, bool up,
		    lxr_err *err)
{
	_cleanup_link_ struct rtnl_link *l = NULL;
	_cleanup_link_ struct rtnl_link *ch = rtnl_link_alloc();
	int r = rtnl_link_get_kernel(sk, 0, name, &l);

	if (r < 0)
		return nl_fail(err, r, "find link %s", name);
	if (alias)
		rtnl_link_set_ifalias(ch, alias);
	if (mtu)
		rtnl_link_set_mtu(ch, (unsigned)mtu);
	if (up)
		rtnl_link_set_flags(ch, IFF_UP);
	r = rtnl_link_change(sk, l, ch, 0);
	if (r < 0)
		return nl_fail(err, r, "set alias/mtu/up on link %s", name);
	return 0;
}

/* cidr "ADDRESS/PREFIX" of family */
static int addr_add_text(struct nl_sock *sk, int ifindex, const char *buf, int family, lxr_err *err)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = NULL;
	int r;

	r = nl_addr_parse(buf, family, &local);
	if (r == 0) {
		rtnl_addr_set_ifindex(a, ifindex);
		rtnl_addr_set_local(a, local);
		/* lxr's allocator is the one authority on the subnet: duplicate
		 * address detection would only hold the address back (tentative)
		 * for a second after the container starts */
		if (family == AF_INET6)
			rtnl_addr_set_flags(a, IFA_F_NODAD);
		r = rtnl_addr_add(sk, a, 0);
		nl_addr_put(local);
	}
	rtnl_addr_put(a);
	if (r < 0 && r != -NLE_EXIST)
		return nl_fail(err, r, "add address %s", buf);
	return 0;
}

static int addr_add(struct nl_sock *sk, int ifindex, uint32_t ip, int prefix, lxr_err *err)
{
	char buf[32], ipb[16];

	snprintf(buf, sizeof(buf), "%s/%d", net_ip_str(ip, ipb), prefix);
	return addr_add_text(sk, ifindex, buf, AF_INET, err);
}

static int addr6_add(struct nl_sock *sk, int ifindex, const struct lxr_ip6 *ip, int prefix,
		     lxr_err *err)
{
	char buf[NET_SUBNET6_STRLEN], ipb[NET_IP6_STRLEN];

	snprintf(buf, sizeof(buf), "%s/%d", net_ip6_str(ip, ipb), prefix);
	return addr_add_text(sk, ifindex, buf, AF_INET6, err);
}

int net_link_addr6(struct nl_sock *sk, const char *name, const struct lxr_ip6 *ip, int prefix,
		   lxr_err *err)
{
	_cleanup_link_ struct rtnl_link *l = NULL;
	int r = rtnl_link_get_kernel(sk, 0, name, &l);

	if (r < 0)
		return nl_fail(err, r, "find link %s", name);
	return addr6_add(sk, rtnl_link_get_ifindex(l), ip, prefix, err);
}

int net_bridge_make(struct nl_sock *sk, const char *name, const char *alias, uint32_t gw,
		    int prefix, int mtu, lxr_err *err)
{
	_cleanup_link_ struct rtnl_link *l = rtnl_link_alloc();
	_cleanup_link_ struct rtnl_link *got = NULL;
	int r;

	rtnl_link_set_name(l, name);
	if (rtnl_link_set_type(l, "bridge") < 0)
		return lxr_fail(err, EOPNOTSUPP, "libnl knows no bridge links");
	if (mtu)
		rtnl_link_set_mtu(l, (unsigned)mtu);
	if (link_birth_marks(l, name, alias, err) < 0)
		return -1;
	r = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL);
	if (r == -NLE_EXIST) {
		/* ours from an earlier run, or someone else's: never adopt that */
		char have[256];
		if (net_link_check(sk, name, alias, have, sizeof(have)) < 0)
			return lxr_fail(err, EEXIST,
					"link %s exists and is not lxr's (alias \"%s\")", name,
					have),
			       lxr_err_hint(err, "remove or rename it, or the network's record");
	} else if (r < 0) {
		return nl_fail(err, r, "create bridge %s", name),
		       lxr_err_hint(err, "lxr needs the kernel's bridge driver (CONFIG_BRIDGE)");
	}
	if (link_set(sk, name, alias, 0, true, err) < 0)
		return -1;
	r = rtnl_link_get_kernel(sk, 0, name, &got);
	if (r < 0)
		return nl_fail(err, r, "find bridge %s", name);
	return addr_add(sk, rtnl_link_get_ifindex(got), gw, prefix, err);
}

int net_link_delete(struct nl_sock *sk, const char *name, const char *alias, lxr_err *err)
{
	_cleanup_link_ struct rtnl_link *l = NULL;
	char have[128];
	int r = net_link_check(sk, name, alias, have, sizeof(have));

	if (r == 0)
		return 0;
	if (r < 0)
		return lxr_fail(err, EPERM,
				"link %s is not lxr's (alias \"%s\", expected \"%s\"); "
				"left alone",
				name, have, alias);
	l = rtnl_link_alloc();
	rtnl_link_set_name(l, name);
	r = rtnl_link_delete(sk, l);
	if (r < 0 && r != -NLE_OBJ_NOTFOUND && r != -NLE_NODEV)
		return nl_fail(err, r, "delete link %s", name);
	return 0;
}

int net_veth_make(struct nl_sock *sk, const char *host, const char *alias, const char *bridge,
		  int nsfd, const char *ifname, int mtu, uint32_t ip, const unsigned char *given,
		  lxr_err *err)
{
	unsigned char mac[6] = {0x02,
				0x42,
				(unsigned char)(ip >> 24),
				(unsigned char)(ip >> 16),
				(unsigned char)(ip >> 8),
				(unsigned char)ip};
	struct nl_addr *lladdr = NULL;
	_cleanup_link_ struct rtnl_link *l = rtnl_link_veth_alloc();
	_cleanup_link_ struct rtnl_link *br = NULL;
	_cleanup_link_ struct rtnl_link *me = NULL;
	struct rtnl_link *peer;
	int r;

	if (!l)
		return lxr_fail(err, ENOMEM, "veth");
	peer = rtnl_link_veth_get_peer(l);
	rtnl_link_set_name(l, host);
	if (link_birth_marks(l, host, alias, err) < 0)
		return -1;
	/* Born inside the namespace as eth0 (eth1... for a container's next
	 * networks): no rename, and no moment where it exists beside the
	 * host's links. */
	rtnl_link_set_name(peer, ifname);
	rtnl_link_set_ns_fd(peer, nsfd);
	if (mtu) {
		rtnl_link_set_mtu(l, (unsigned)mtu);
		rtnl_link_set_mtu(peer, (unsigned)mtu);
	}
	if (given)
		memcpy(mac, given, sizeof(mac));
	if (ip || given) {
		lladdr = nl_addr_build(AF_LLC, mac, sizeof(mac));
		if (!lladdr) {
			rtnl_link_put(peer);
			return lxr_fail(err, ENOMEM, "veth");
		}
		rtnl_link_set_addr(peer, lladdr);
		nl_addr_put(lladdr);
	}
	rtnl_link_put(peer);
	r = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL);
	if (r < 0)
		return nl_fail(err, r, "create veth pair %s / %s", host, ifname),
		       lxr_err_hint(err, "lxr needs the kernel's veth driver (CONFIG_VETH)");
	if ((r = rtnl_link_get_kernel(sk, 0, bridge, &br)) < 0 ||
	    (r = rtnl_link_get_kernel(sk, 0, host, &me)) < 0 ||
	    (r = rtnl_link_enslave(sk, br, me)) < 0)
		return nl_fail(err, r, "attach %s to bridge %s", host, bridge);
	return link_set(sk, host, alias, 0, true, err);
}

/* A netlink socket living in the namespace nsfd: opened after setns, it
 * stays bound there when this thread goes back. */
static int nl_open_in(int nsfd, struct nl_sock **sk, lxr_err *err)
{
	_cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int r;

	if (self < 0)
		return lxr_fail(err, errno, "open /proc/thread-self/ns/net");
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return lxr_fail(err, errno, "setns into the container's network namespace");
	r = net_nl_open(sk, err);
	if (setns(self, CLONE_NEWNET) < 0)
		abort(); /* lxr itself would now live in the container's network */
	return r;
}

/* gw: an address of family */
static int route_default(struct nl_sock *sk, int ifindex, const char *gw, int family, lxr_err *err)
{
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = NULL, *via = NULL;
	int r;

	r = nl_addr_parse(family == AF_INET6 ? "::/0" : "0.0.0.0/0", family, &dst);
	if (r == 0)
		r = nl_addr_parse(gw, family, &via);
	if (r == 0) {
		rtnl_route_set_family(rt, (uint8_t)family);
		rtnl_route_set_dst(rt, dst);
		rtnl_route_nh_set_ifindex(nh, ifindex);
		rtnl_route_nh_set_gateway(nh, via);
		rtnl_route_add_nexthop(rt, nh);
		nh = NULL;
		r = rtnl_route_add(sk, rt, NLM_F_CREATE | NLM_F_REPLACE);
	}
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(dst);
	nl_addr_put(via);
	rtnl_route_put(rt);
	if (r < 0)
		return nl_fail(err, r, "add default route via %s", gw);
	return 0;
}

/* A sysctl of the namespace nsfd (net.* keys are per namespace, and
 * /proc/sys shows the opener's). */
static int ns_sysctl(int nsfd, const char *key, const char *value, lxr_err *err)
{
	_cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int r;

	if (self < 0)
		return lxr_fail(err, errno, "open /proc/thread-self/ns/net");
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return lxr_fail(err, errno, "setns into the container's network namespace");
	r = net_sysctl_set(key, value, err);
	if (setns(self, CLONE_NEWNET) < 0)
		abort(); /* lxr itself would now live in the container's network */
	return r;
}

int net_ns_configure(int nsfd, const struct net_ns_addrs *a, lxr_err *err)
{
	struct nl_sock *sk = NULL;
	_cleanup_link_ struct rtnl_link *eth = NULL;
	_cleanup_free_ char *v6key = lxr_xasprintf("net.ipv6.conf.%s.disable_ipv6", a->ifname);
	const char *ifname = a->ifname;
	char gwb[NET_IP6_STRLEN];
	int r;

	/* docker's rule: an interface on a network without IPv6 has IPv6 off,
	 * so it gets no link-local address and answers no router
	 * advertisement; one with IPv6 has it on whatever the namespace's
	 * default. A kernel without IPv6 has no key: nothing to turn off. */
	if (a->ip6) {
		if (ns_sysctl(nsfd, v6key, "0", err) < 0)
			return lxr_err_wrap(err, "in the container's network namespace"),
			       lxr_err_hint(err, "IPv6 networks need a kernel with IPv6 on (no "
						 "ipv6.disable=1 on its command line)");
	} else if (ns_sysctl(nsfd, v6key, "1", err) < 0) {
		/* docker's nicety, not a need: a host whose /proc/sys lxr cannot
		 * write there still runs the container */
		lxr_debug("%s", err->msg);
	}
	if (nl_open_in(nsfd, &sk, err) < 0)
		return -1;
	r = link_set(sk, "lo", NULL, 0, true, err);
	if (r == 0)
		r = link_set(sk, ifname, NULL, 0, true, err);
	if (r == 0 && (r = rtnl_link_get_kernel(sk, 0, ifname, &eth)) < 0)
		r = nl_fail(err, r, "find %s", ifname);
	if (r == 0)
		r = addr_add(sk, rtnl_link_get_ifindex(eth), a->ip, a->prefix, err);
	if (r == 0 && a->ip6)
		r = addr6_add(sk, rtnl_link_get_ifindex(eth), a->ip6, a->prefix6, err);
	/* An internal network has no way out, not even a route to try. */
	if (r == 0 && a->route)
		r = route_default(sk, rtnl_link_get_ifindex(eth), net_ip_str(a->gw, gwb), AF_INET,
				  err);
	if (r == 0 && a->route && a->ip6)
		r = route_default(sk, rtnl_link_get_ifindex(eth), net_ip6_str(a->gw6, gwb),
				  AF_INET6, err);
	net_nl_close(sk);
	return r < 0 ? lxr_err_wrap(err, "in the container's network namespace") : 0;
}

int net_host_routes(struct lxr_subnet **out, size_t *n, lxr_err *err)
{
	struct nl_sock *sk = NULL;
	struct nl_cache *cache = NULL;
	struct lxr_subnet *v = NULL;
	size_t cnt = 0;
	int r;

	if (net_nl_open(&sk, err) < 0)
		return -1;
	r = rtnl_route_alloc_cache(sk, AF_INET, 0, &cache);
	if (r < 0) {
		net_nl_close(sk);
		return nl_fail(err, r, "list routes");
	}
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *rt = (struct rtnl_route *)o;
		struct nl_addr *d = rtnl_route_get_dst(rt);
		unsigned t = rtnl_route_get_table(rt);
		/* The default route overlaps everything: it says where the
		 * rest goes, not that a subnet is taken. */
		if (!d || nl_addr_get_prefixlen(d) == 0 ||
		    (t != RT_TABLE_MAIN && t != RT_TABLE_LOCAL))
			continue;
		if (nl_addr_get_len(d) != 4)
			continue;
		uint32_t a;
		memcpy(&a, nl_addr_get_binary_addr(d), 4);
		v = lxr_xrealloc(v, (cnt + 1) * sizeof(*v));
		v[cnt].addr = ntohl(a);
		v[cnt].prefix = (int)nl_addr_get_prefixlen(d);
		cnt++;
	}
	nl_cache_free(cache);
	net_nl_close(sk);
	*out = v;
	*n = cnt;
	return 0;
}

int net_host_routes6(struct lxr_subnet6 **out, size_t *n, lxr_err *err)
{
	struct nl_sock *sk = NULL;
	struct nl_cache *cache = NULL;
	struct lxr_subnet6 *v = NULL;
	size_t cnt = 0;
	int r;

	*out = NULL;
	*n = 0;
	if (net_nl_open(&sk, err) < 0)
		return -1;
	r = rtnl_route_alloc_cache(sk, AF_INET6, 0, &cache);
	if (r < 0) {
		net_nl_close(sk);
		/* a kernel without IPv6 routes nothing */
		return r == -NLE_AF_NOSUPPORT ? 0 : nl_fail(err, r, "list IPv6 routes");
	}
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *rt = (struct rtnl_route *)o;
		struct nl_addr *d = rtnl_route_get_dst(rt);
		/* the default route, link-local and multicast say where the rest
		 * goes, not that a subnet is taken */
		if (!d || nl_addr_get_prefixlen(d) == 0 || nl_addr_get_len(d) != 16 ||
		    rtnl_route_get_table(rt) != RT_TABLE_MAIN)
			continue;
		const uint8_t *b = nl_addr_get_binary_addr(d);
		if (b[0] == 0xff || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80))
			continue;
		v = lxr_xrealloc(v, (cnt + 1) * sizeof(*v));
		memcpy(v[cnt].addr.b, b, 16);
		v[cnt].prefix = (int)nl_addr_get_prefixlen(d);
		cnt++;
	}
	nl_cache_free(cache);
	net_nl_close(sk);
	*out = v;
	*n = cnt;
	return 0;
}

/* Is name what net_link_name would give this key (any salt)? */
static bool name_matches(const char *name, const char *prefix, const char *key)
{
	char want[IFNAMSIZ];

	for (unsigned salt = 0; salt < 16; salt++) {
		net_link_name(want, prefix, key, salt);
		if (!strcmp(want, name))
			return true;
	}
	return false;
}

/* Every link on the host, with a socket to act on them; both go with
 * links_close. */
static int links_open(struct nl_sock **sk, struct nl_cache **cache, lxr_err *err)
{
	int r;

	if (net_nl_open(sk, err) < 0)
		return -1;
	r = rtnl_link_alloc_cache(*sk, AF_UNSPEC, cache);
	if (r < 0) {
		net_nl_close(*sk);
		return nl_fail(err, r, "list links");
	}
	return 0;
}

static void links_close(struct nl_sock *sk, struct nl_cache *cache)
{
	nl_cache_free(cache);
	net_nl_close(sk);
}

int net_links_sweep(const char *run_dir, const char *project, lxr_err *err)
{
	_cleanup_free_ char *mark = lxr_xasprintf("lxr:%s/", project);
	struct nl_sock *sk = NULL;
	struct nl_cache *cache = NULL;
	int ret = 0;

	if (links_open(&sk, &cache, err) < 0)
		return -1;
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		const char *name = rtnl_link_get_name(l), *alias = rtnl_link_get_ifalias(l);
		_cleanup_free_ char *key = NULL;
		if (!name || !alias || !lxr_str_has_prefix(alias, mark))
			continue;
		/* The alias names the owner; the name, a hash that includes the
		 * run dir, proves it is this run dir's. */
		key = lxr_xasprintf("%s/%s/%s", run_dir, project, alias + strlen(mark));
		if (!name_matches(name, "lxr-", key) && !name_matches(name, "lxr", key))
			continue;
		lxr_info("removing %s (%s), left without a record", name, alias);
		if (net_link_delete(sk, name, alias, err) < 0)
			ret = -1;
	}
	links_close(sk, cache);
	return ret;
}

/* Is there a record of kind for name in project? */
static bool recorded(const char *run_dir, const char *project, const char *kind, const char *name)
{
	_cleanup_free_ char *dir = net_proj_dir(run_dir, project, kind);
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s", dir, name);

	return access(path, F_OK) == 0;
}

int net_links_sweep_unrecorded(const char *run_dir, const char *project, char ***removed,
			       lxr_err *err)
{
	_cleanup_free_ char *mark = lxr_xasprintf("lxr:%s/", project);
	/* records are written before their link is made, under the lock:
	 * holding it, a link without one is not being made */
	_cleanup_close_ int lock = net_lock(run_dir, err);
	struct nl_sock *sk = NULL;
	struct nl_cache *cache = NULL;
	int ret = 0;

	if (lock < 0 || links_open(&sk, &cache, err) < 0)
		return -1;
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		const char *name = rtnl_link_get_name(l), *alias = rtnl_link_get_ifalias(l);
		_cleanup_free_ char *key = NULL;
		const char *what;
		bool bridge;
		lxr_err e;
		if (!name || !alias || !lxr_str_has_prefix(alias, mark))
			continue;
		what = alias + strlen(mark);
		key = lxr_xasprintf("%s/%s/%s", run_dir, project, what);
		bridge = name_matches(name, "lxr-", key);
		if (!bridge && !name_matches(name, "lxr", key))
			continue;
		if (recorded(run_dir, project, bridge ? "networks" : "endpoints", what))
			continue;
		if (net_link_delete(sk, name, alias, &e) < 0) {
			if (ret == 0)
				*err = e;
			ret = -1;
			continue;
		}
		lxr_strv_push(removed,
			      lxr_xasprintf("link %s (%s), left without a record", name, alias));
	}
	links_close(sk, cache);
	return ret;
}

bool net_any_lxr_bridge(void)
{
	struct nl_sock *sk = NULL;
	struct nl_cache *cache = NULL;
	bool any = false;
	lxr_err err;

	if (links_open(&sk, &cache, &err) < 0)
		return true; /* cannot tell: keep what is on */
	for (struct nl_object *o = nl_cache_get_first(cache); o && !any; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		const char *name = rtnl_link_get_name(l), *alias = rtnl_link_get_ifalias(l);
		const char *type = rtnl_link_get_type(l);
		any = name && alias && type && lxr_str_has_prefix(name, "lxr-") &&
		      lxr_str_has_prefix(alias, "lxr:") && !strcmp(type, "bridge");
	}
	links_close(sk, cache);
	return any;
}

int net_default_mtu(void)
{
	struct nl_sock *sk = NULL;
	struct nl_cache *cache = NULL;
	_cleanup_link_ struct rtnl_link *l = NULL;
	int ifindex = 0, mtu = 0;
	lxr_err err;

	if (net_nl_open(&sk, &err) < 0)
		return 0;
	if (rtnl_route_alloc_cache(sk, AF_INET, 0, &cache) == 0) {
		for (struct nl_object *o = nl_cache_get_first(cache); o && !ifindex;
		     o = nl_cache_get_next(o)) {
			struct rtnl_route *rt = (struct rtnl_route *)o;
			struct nl_addr *d = rtnl_route_get_dst(rt);
			if (rtnl_route_get_table(rt) == RT_TABLE_MAIN &&
			    (!d || nl_addr_get_prefixlen(d) == 0) && rtnl_route_get_nnexthops(rt))
				ifindex = rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(rt, 0));
		}
		nl_cache_free(cache);
	}
	if (ifindex && rtnl_link_get_kernel(sk, ifindex, NULL, &l) == 0)
		mtu = (int)rtnl_link_get_mtu(l);
	net_nl_close(sk);
	return mtu;
}
