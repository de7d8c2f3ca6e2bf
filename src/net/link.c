/* Making links, addresses and routes over rtnetlink (requests built by
 * rtnl.c; links and routes are read in linkscan.c). Each link lxr makes carries
 * an alias "lxr:<key>" (IFLA_IFALIAS), and a link is changed or deleted
 * only when its alias says lxr made it for that key. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/veth.h>

#include "net/net_internal.h"

/* A request about the link of that name: RTM_NEWLINK without NLM_F_CREATE
 * changes an existing link (ENODEV when there is none). up: IFF_UP. */
static void link_req(struct net_nl_req *q, uint16_t flags, const char *name, bool up)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};

	if (up) {
		ifi.ifi_flags = IFF_UP;
		ifi.ifi_change = IFF_UP;
	}
	net_nl_req_init(q, RTM_NEWLINK, flags, &ifi, sizeof(ifi));
	net_nl_attr_str(q, IFLA_IFNAME, name);
}

/* A link made by lxr is born with its ownership mark (net_link_mark): the
 * kernel ignores IFLA_IFALIAS in the request that creates a link, so until
 * link_set gives it the alias, the mark is what says the link is lxr's. */
static void link_birth_mark(struct net_nl_req *q, const char *name)
{
	unsigned char mac[6];

	net_link_mark(mac, name);
	net_nl_attr(q, IFLA_ADDRESS, mac, sizeof(mac));
}

/* alias, up on an existing link */
static int link_set(struct net_nl *sk, const char *name, const char *alias, bool up, lxr_err *err)
{
	struct net_nl_req q;
	int r;

	link_req(&q, 0, name, up);
	if (alias)
		net_nl_attr_str(&q, IFLA_IFALIAS, alias);
	r = net_nl_call(sk, &q, NULL, NULL);
	if (r < 0)
		return net_nl_fail(err, r, "set %s%son link %s", alias ? "alias " : "",
				   up ? "up " : "", name);
	return 0;
}

/* len bytes of address (4 or 16) of family */
static int addr_add(struct net_nl *sk, int ifindex, int family, const void *ip, size_t len,
		    int prefix, lxr_err *err)
{
	struct ifaddrmsg ifa = {
	    .ifa_family = (unsigned char)family,
	    .ifa_prefixlen = (unsigned char)prefix,
	    .ifa_scope = RT_SCOPE_UNIVERSE,
	    .ifa_index = (unsigned)ifindex,
	    /* lxr's allocator is the one authority on the subnet: duplicate
	     * address detection would only hold the address back (tentative)
	     * for a second after the container starts */
	    .ifa_flags = family == AF_INET6 ? IFA_F_NODAD : 0,
	};
	char text[NET_IP6_STRLEN];
	struct net_nl_req q;
	int r;

	net_nl_req_init(&q, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa));
	net_nl_attr(&q, IFA_LOCAL, ip, len);
	net_nl_attr(&q, IFA_ADDRESS, ip, len);
	r = net_nl_call(sk, &q, NULL, NULL);
	if (r < 0 && r != -EEXIST)
		return net_nl_fail(err, r, "add address %s/%d",
				   inet_ntop(family, ip, text, sizeof(text)) ? text : "?", prefix);
	return 0;
}

static int addr4_add(struct net_nl *sk, int ifindex, uint32_t ip, int prefix, lxr_err *err)
{
	uint32_t be = htonl(ip);

	return addr_add(sk, ifindex, AF_INET, &be, 4, prefix, err);
}

int net_link_addr6(struct net_nl *sk, const char *name, const struct lxr_ip6 *ip, int prefix,
		   lxr_err *err)
{
	struct net_link_info li;
	int r = net_link_get(sk, name, 0, &li);

	if (r < 0)
		return net_nl_fail(err, r, "find link %s", name);
	return addr_add(sk, li.index, AF_INET6, ip->b, 16, prefix, err);
}

/* A link of kind on the host, up, with lxr's alias; one of this alias
 * already there is taken as it is. */
static int host_link_make(struct net_nl *sk, const char *name, const char *alias, const char *kind,
			  int mtu, lxr_err *err)
{
	struct net_nl_req q;
	struct rtattr *info;
	int r;

	link_req(&q, NLM_F_CREATE | NLM_F_EXCL, name, true);
	if (mtu)
		net_nl_attr_u32(&q, IFLA_MTU, (uint32_t)mtu);
	link_birth_mark(&q, name);
	info = net_nl_nest(&q, IFLA_LINKINFO);
	net_nl_attr_str(&q, IFLA_INFO_KIND, kind);
	net_nl_nest_end(&q, info);
	r = net_nl_call(sk, &q, NULL, NULL);
	if (r == -EEXIST) {
		/* ours from an earlier run, or someone else's: never adopt that */
		char have[256];
		if (net_link_check(sk, name, alias, have, sizeof(have)) < 0)
			return lxr_fail(err, EEXIST,
					"link %s exists and is not lxr's (alias \"%s\")", name,
					have),
			       lxr_err_hint(err, "remove or rename it, or the network's record");
	} else if (r < 0) {
		return net_nl_fail(err, r, "create %s %s", kind, name),
		       lxr_err_hint(err, "lxr needs the kernel's %s driver (CONFIG_%s)%s", kind,
				    !strcmp(kind, "bridge") ? "BRIDGE" : "DUMMY",
				    !strcmp(kind, "bridge")
					? ""
					: " for a macvlan or ipvlan network without a parent; "
					  "or name a parent in its driver_opts");
	}
	return link_set(sk, name, alias, true, err);
}

int net_bridge_make(struct net_nl *sk, const char *name, const char *alias, uint32_t gw, int prefix,
		    int mtu, lxr_err *err)
{
	struct net_link_info li;
	int r;

	if (host_link_make(sk, name, alias, "bridge", mtu, err) < 0)
		return -1;
	r = net_link_get(sk, name, 0, &li);
	if (r < 0)
		return net_nl_fail(err, r, "find bridge %s", name);
	return addr4_add(sk, li.index, gw, prefix, err);
}

int net_vlan_make(struct net_nl *sk, const char *name, const char *lower_name, int lower,
		  unsigned vid, const char *alias, lxr_err *err)
{
	struct net_nl_req q;
	struct rtattr *info, *data;
	uint16_t id = (uint16_t)vid;
	int r;

	link_req(&q, NLM_F_CREATE | NLM_F_EXCL, name, true);
	net_nl_attr_u32(&q, IFLA_LINK, (uint32_t)lower);
	info = net_nl_nest(&q, IFLA_LINKINFO);
	net_nl_attr_str(&q, IFLA_INFO_KIND, "vlan");
	data = net_nl_nest(&q, IFLA_INFO_DATA);
	net_nl_attr(&q, IFLA_VLAN_ID, &id, sizeof(id));
	net_nl_nest_end(&q, data);
	net_nl_nest_end(&q, info);
	r = net_nl_call(sk, &q, NULL, NULL);
	if (r < 0)
		return net_nl_fail(err, r, "create VLAN link %s (VLAN %u)", name, vid),
		       lxr_err_hint(err,
				    r == -EOPNOTSUPP
					? "lxr needs the kernel's 802.1Q driver (CONFIG_VLAN_8021Q)"
					: "make it yourself (`ip link add link %s name %s type "
					  "vlan id %u`), or name another parent",
				    lower_name, name, vid);
	return link_set(sk, name, alias, true, err);
}

int net_dummy_make(struct net_nl *sk, const char *name, const char *alias, lxr_err *err)
{
	return host_link_make(sk, name, alias, "dummy", 0, err);
}

/* What a refused macvlan or ipvlan link means (r: -errno), as a hint. */
static int sublink_hint(lxr_err *err, int r, const struct net_sublink *l, int mtu)
{
	const char *p = l->parent;

	if (r == -EOPNOTSUPP)
		return lxr_err_hint(err, "lxr needs the kernel's %s driver (CONFIG_%s)", l->kind,
				    !strcmp(l->kind, "macvlan") ? "MACVLAN" : "IPVLAN");
	if (r == -EBUSY)
		return lxr_err_hint(err,
				    "%s is a port of a bridge or bond, has links of the other "
				    "driver, or is in passthru; `ip -d link show %s` shows which",
				    p, p);
	if (r == -EINVAL && mtu)
		return lxr_err_hint(err, "an MTU of %d may be more than %s's (`ip link show %s`)",
				    mtu, p, p);
	if (r == -EADDRINUSE)
		return lxr_err_hint(err, "another link on %s has this MAC address or IP address",
				    p);
	return lxr_err_hint(err, "`ip -d link show %s` shows the parent", p);
}

int net_sublink_make(struct net_nl *sk, const struct net_sublink *l, int nsfd, const char *ifname,
		     int mtu, const unsigned char *mac, lxr_err *err)
{
	bool macvlan = !strcmp(l->kind, "macvlan");
	struct net_link_info parent;
	struct net_nl_req q;
	struct rtattr *info, *data;
	int r = net_link_get(sk, l->parent, 0, &parent);

	if (r < 0)
		return net_nl_fail(err, r, "find the parent interface %s", l->parent);
	/* born inside the namespace under its name, as a veth's peer is */
	link_req(&q, NLM_F_CREATE | NLM_F_EXCL, ifname, false);
	net_nl_attr_u32(&q, IFLA_LINK, (uint32_t)parent.index);
	if (nsfd >= 0)
		net_nl_attr_u32(&q, IFLA_NET_NS_FD, (uint32_t)nsfd);
	if (mtu)
		net_nl_attr_u32(&q, IFLA_MTU, (uint32_t)mtu);
	if (macvlan && mac) /* an ipvlan has its parent's */
		net_nl_attr(&q, IFLA_ADDRESS, mac, 6);
	info = net_nl_nest(&q, IFLA_LINKINFO);
	net_nl_attr_str(&q, IFLA_INFO_KIND, l->kind);
	data = net_nl_nest(&q, IFLA_INFO_DATA);
	if (macvlan) {
		net_nl_attr_u32(&q, IFLA_MACVLAN_MODE, l->mode);
	} else {
		uint16_t mode = (uint16_t)l->mode, flags = (uint16_t)l->flags;
		net_nl_attr(&q, IFLA_IPVLAN_MODE, &mode, sizeof(mode));
		net_nl_attr(&q, IFLA_IPVLAN_FLAGS, &flags, sizeof(flags));
	}
	net_nl_nest_end(&q, data);
	net_nl_nest_end(&q, info);
	r = net_nl_call(sk, &q, NULL, NULL);
	if (r < 0)
		return net_nl_fail(err, r, "create %s %s on %s", l->kind, ifname, l->parent),
		       sublink_hint(err, r, l, mtu);
	return 0;
}

int net_link_altname(struct net_nl *sk, const char *name, const char *alt, lxr_err *err)
{
	struct net_link_info li, other = {0};
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct net_nl_req q;
	struct rtattr *props;
	int r = net_link_get(sk, name, 0, &li);

	if (r < 0)
		return net_nl_fail(err, r, "find link %s", name);
	/* a lookup by name finds a link by either of its names */
	if (net_link_get(sk, alt, 0, &other) == 0 && other.index == li.index)
		return 0;
	ifi.ifi_index = li.index;
	net_nl_req_init(&q, RTM_NEWLINKPROP, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	/* newer than strict validation: a nest must say it is one */
	props = net_nl_nest(&q, IFLA_PROP_LIST | NLA_F_NESTED);
	net_nl_attr_str(&q, IFLA_ALT_IFNAME, alt);
	net_nl_nest_end(&q, props);
	r = net_nl_call(sk, &q, NULL, NULL);
	if (r == -EEXIST)
		return lxr_fail(err, EEXIST,
				"bridge %s cannot also be named %s: link %s has that name", name,
				alt, other.name[0] ? other.name : alt),
		       lxr_err_hint(err,
				    "lxr does not take over a link it did not make: pick "
				    "another com.docker.network.bridge.name, or remove that link");
	if (r == -EOPNOTSUPP || r == -EINVAL)
		return net_nl_fail(err, r, "name bridge %s also %s", name, alt),
		       lxr_err_hint(err, "a second name of a link (altname) needs Linux 5.5 or "
					 "later; drop com.docker.network.bridge.name");
	if (r < 0)
		return net_nl_fail(err, r, "name bridge %s also %s", name, alt);
	return 0;
}

int net_link_delete(struct net_nl *sk, const char *name, const char *alias, lxr_err *err)
{
	char have[128];
	int r = net_link_check(sk, name, alias, have, sizeof(have));

	if (r == 0)
		return 0;
	if (r < 0)
		return lxr_fail(err, EPERM,
				"link %s is not lxr's (alias \"%s\", expected \"%s\"); "
				"left alone",
				name, have, alias);
	r = net_link_delete_made(sk, name);
	if (r < 0 && r != -ENODEV)
		return net_nl_fail(err, r, "delete link %s", name);
	return 0;
}

int net_link_delete_made(struct net_nl *sk, const char *name)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct net_nl_req q;

	net_nl_req_init(&q, RTM_DELLINK, 0, &ifi, sizeof(ifi));
	net_nl_attr_str(&q, IFLA_IFNAME, name);
	return net_nl_call(sk, &q, NULL, NULL);
}

/* Out of its bridge (IFLA_MASTER 0), for a veth that goes with a dying
 * namespace: deleting it would wait for the kernel's cleanup of that
 * namespace; out of the bridge no frame reaches it, though the next
 * endpoint of its container has its address and MAC. One RCU grace
 * period (the bridge's receive handler), not a delete's several. The
 * caller has found the link lxr's (net_link_check). */
int net_link_detach(struct net_nl *sk, const char *name, lxr_err *err)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct net_nl_req q;
	int r;

	net_nl_req_init(&q, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	net_nl_attr_str(&q, IFLA_IFNAME, name);
	net_nl_attr_u32(&q, IFLA_MASTER, 0);
	r = net_nl_call(sk, &q, NULL, NULL);
	if (r < 0 && r != -ENODEV)
		return net_nl_fail(err, r, "take link %s out of its bridge", name);
	return 0;
}

/* The veth pair's request: host on this side (up, on the bridge whose
 * index is master when master > 0), ifname in nsfd. mac: the peer's, NULL
 * for the kernel's random one. */
/* One queue each way, asked for: a veth is made with one per CPU and then
 * cut down to one in use (veth_init_queues), and each cut waits out an
 * RCU grace period under the rtnl lock, for both ends of every pair.
 * One is all a container's veth uses either way. */
static void veth_queues(struct net_nl_req *q)
{
	net_nl_attr_u32(q, IFLA_NUM_TX_QUEUES, 1);
	net_nl_attr_u32(q, IFLA_NUM_RX_QUEUES, 1);
}

static void veth_req(struct net_nl_req *q, const char *host, int master, const char *ifname,
		     int nsfd, int mtu, const unsigned char *mac)
{
	struct ifinfomsg peer_ifi = {.ifi_family = AF_UNSPEC};
	struct rtattr *info, *data, *peer;

	link_req(q, NLM_F_CREATE | NLM_F_EXCL, host, true);
	link_birth_mark(q, host);
	veth_queues(q);
	if (mtu)
		net_nl_attr_u32(q, IFLA_MTU, (uint32_t)mtu);
	/* joined to the bridge by the request that makes it: the kernel
	 * unmakes the pair if that fails */
	if (master > 0)
		net_nl_attr_u32(q, IFLA_MASTER, (uint32_t)master);
	info = net_nl_nest(q, IFLA_LINKINFO);
	net_nl_attr_str(q, IFLA_INFO_KIND, "veth");
	data = net_nl_nest(q, IFLA_INFO_DATA);
	peer = net_nl_attr(q, VETH_INFO_PEER, &peer_ifi, sizeof(peer_ifi));
	net_nl_attr_str(q, IFLA_IFNAME, ifname);
	veth_queues(q);
	if (nsfd >= 0)
		net_nl_attr_u32(q, IFLA_NET_NS_FD, (uint32_t)nsfd);
	if (mtu)
		net_nl_attr_u32(q, IFLA_MTU, (uint32_t)mtu);
	if (mac)
		net_nl_attr(q, IFLA_ADDRESS, mac, 6);
	net_nl_nest_end(q, peer);
	net_nl_nest_end(q, data);
	net_nl_nest_end(q, info);
}

void net_endpoint_mac(uint32_t ip, const unsigned char *given, unsigned char out[6])
{
	const unsigned char derived[6] = {0x02,
					  0x42,
					  (unsigned char)(ip >> 24),
					  (unsigned char)(ip >> 16),
					  (unsigned char)(ip >> 8),
					  (unsigned char)ip};

	memcpy(out, given ? given : derived, 6);
}

int net_veth_make(struct net_nl *sk, const char *host, const char *alias, const char *bridge,
		  int nsfd, const char *ifname, int mtu, uint32_t ip, const unsigned char *given,
		  bool isolated, lxr_err *err)
{
	unsigned char mac[6], on = 1;
	struct net_nl_req q;
	struct net_link_info br;
	struct rtattr *info, *data;
	int r;

	net_endpoint_mac(ip, given, mac);
	r = net_link_get(sk, bridge, 0, &br);
	if (r < 0)
		return net_nl_fail(err, r, "find bridge %s", bridge);
	/* Born inside the namespace as eth0 (eth1... for a container's next
	 * networks): no rename, and no moment where it exists beside the
	 * host's links. */
	veth_req(&q, host, br.index, ifname, nsfd, mtu, ip || given ? mac : NULL);
	r = net_nl_call(sk, &q, NULL, NULL);
	if (r < 0)
		return net_nl_fail(err, r, "create veth pair %s / %s on bridge %s", host, ifname,
				   bridge),
		       lxr_err_hint(err, "lxr needs the kernel's veth driver (CONFIG_VETH)");
	if (!isolated)
		return link_set(sk, host, alias, false, err);
	/* enable_icc false: an isolated port forwards to no other isolated
	 * one, only to the bridge itself and its other ports. Asked in the
	 * alias's request, as `ip link set HOST type bridge_slave isolated
	 * on` asks it: no request more per container. */
	link_req(&q, 0, host, false);
	net_nl_attr_str(&q, IFLA_IFALIAS, alias);
	info = net_nl_nest(&q, IFLA_LINKINFO);
	net_nl_attr_str(&q, IFLA_INFO_SLAVE_KIND, "bridge");
	data = net_nl_nest(&q, IFLA_INFO_SLAVE_DATA);
	net_nl_attr(&q, IFLA_BRPORT_ISOLATED, &on, 1);
	net_nl_nest_end(&q, data);
	net_nl_nest_end(&q, info);
	r = net_nl_call(sk, &q, NULL, NULL);
	return r < 0 ? net_nl_fail(err, r, "isolate bridge port %s", host) : 0;
}

int net_link_probe(struct net_nl *sk, bool veth)
{
	struct net_nl_req q;
	struct rtattr *info;

	if (veth) {
		veth_req(&q, "probe0", 0, "probe1", -1, 0, NULL);
	} else {
		link_req(&q, NLM_F_CREATE | NLM_F_EXCL, "probe0", false);
		info = net_nl_nest(&q, IFLA_LINKINFO);
		net_nl_attr_str(&q, IFLA_INFO_KIND, "bridge");
		net_nl_nest_end(&q, info);
	}
	return net_nl_call(sk, &q, NULL, NULL);
}

/* A netlink socket living in the namespace nsfd: opened after setns, it
 * stays bound there when this thread goes back. */
static int nl_open_in(int nsfd, struct net_nl **sk, lxr_err *err)
{
	_cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int r;

	if (self < 0)
		return lxr_fail(err, errno, "open /proc/thread-self/ns/net");
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return lxr_fail(err, errno, "setns into a container's network namespace (fd %d)",
				nsfd);
	r = net_nl_open(sk, err);
	if (setns(self, CLONE_NEWNET) < 0)
		abort(); /* lxr itself would now live in the container's network */
	return r;
}

/* gw: len bytes (4 or 16) of family; on_link: the link's own route, via
 * no gateway */
static int route_default(struct net_nl *sk, int ifindex, int family, const void *gw, size_t len,
			 bool on_link, lxr_err *err)
{
	struct rtmsg rt = {
	    .rtm_family = (unsigned char)family,
	    .rtm_table = RT_TABLE_MAIN,
	    .rtm_protocol = RTPROT_STATIC,
	    .rtm_scope = RT_SCOPE_UNIVERSE,
	    .rtm_type = RTN_UNICAST,
	};
	char text[NET_IP6_STRLEN];
	struct net_nl_req q;
	int r;

	if (on_link)
		rt.rtm_scope = RT_SCOPE_LINK;
	net_nl_req_init(&q, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &rt, sizeof(rt));
	if (!on_link)
		net_nl_attr(&q, RTA_GATEWAY, gw, len);
	net_nl_attr_u32(&q, RTA_OIF, (uint32_t)ifindex);
	r = net_nl_call(sk, &q, NULL, NULL);
	if (r < 0)
		return net_nl_fail(err, r, "add default route via %s",
				   on_link                                     ? "the link"
				   : inet_ntop(family, gw, text, sizeof(text)) ? text
									       : "?");
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

/* link_local_ips on the interface, with docker's prefixes: 169.254.0.0/16
 * for IPv4, a /64 for IPv6 (fe80::/64). */
static int link_local_add(struct net_nl *sk, int ifindex, const struct net_ns_addrs *a,
			  lxr_err *err)
{
	for (size_t i = 0; a->link_local && a->link_local[i]; i++) {
		const char *s = a->link_local[i];
		struct lxr_ip6 ip6;
		uint32_t ip;
		lxr_err ignored;
		if (net_ip_parse(s, &ip, &ignored) == 0) {
			if (addr4_add(sk, ifindex, ip, 16, err) < 0)
				return -1;
			continue;
		}
		if (net_ip6_parse(s, &ip6, err) < 0)
			return lxr_err_wrap(err, "link_local_ips");
		if (!a->ip6)
			return lxr_fail(err, EINVAL,
					"link_local_ips %s is IPv6, and %s has IPv6 off: its "
					"network has none",
					s, a->ifname),
			       lxr_err_hint(err, "give the network IPv6 (enable_ipv6: true), or "
						 "drop the address");
		if (addr_add(sk, ifindex, AF_INET6, ip6.b, 16, 64, err) < 0)
			return -1;
	}
	return 0;
}

/* Inside the namespace, on sk: lo and the interface up, its addresses,
 * the default routes. */
static int ns_addresses(struct net_nl *sk, const struct net_ns_addrs *a, lxr_err *err)
{
	struct net_link_info eth;
	uint32_t gw = htonl(a->gw);
	int r;

	if (link_set(sk, "lo", NULL, true, err) < 0 || link_set(sk, a->ifname, NULL, true, err) < 0)
		return -1;
	if ((r = net_link_get(sk, a->ifname, 0, &eth)) < 0)
		return net_nl_fail(err, r, "find %s", a->ifname);
	if (addr4_add(sk, eth.index, a->ip, a->prefix, err) < 0)
		return -1;
	if (a->ip6 && addr_add(sk, eth.index, AF_INET6, a->ip6->b, 16, a->prefix6, err) < 0)
		return -1;
	if (link_local_add(sk, eth.index, a, err) < 0)
		return -1;
	/* An internal network has no way out, not even a route to try. */
	if (!a->route)
		return 0;
	/* a macvlan or ipvlan l2 network without a gateway: no default route,
	 * as docker's (nothing off the link is reached, at once) */
	if ((gw || a->on_link) &&
	    route_default(sk, eth.index, AF_INET, &gw, 4, a->on_link, err) < 0)
		return -1;
	if (!a->ip6 || (!a->on_link && !memcmp(a->gw6->b, (uint8_t[16]){0}, 16)))
		return 0;
	return route_default(sk, eth.index, AF_INET6, a->gw6->b, 16, a->on_link, err);
}

int net_ns_link_kind(int nsfd, const char *ifname, char *kind, size_t len)
{
	struct net_link_info li;
	struct net_nl *sk = NULL;
	lxr_err ignored;
	int r;

	if (nl_open_in(nsfd, &sk, &ignored) < 0)
		return -1;
	r = net_link_get(sk, ifname, 0, &li);
	net_nl_close(sk);
	if (r == 0)
		snprintf(kind, len, "%s", li.kind);
	return r == 0 ? 1 : r == -ENODEV ? 0 : -1;
}

int net_ns_link_delete(int nsfd, const char *ifname, lxr_err *err)
{
	struct net_nl *sk = NULL;
	int r;

	if (nl_open_in(nsfd, &sk, err) < 0)
		return -1;
	r = net_link_delete_made(sk, ifname);
	net_nl_close(sk);
	if (r < 0 && r != -ENODEV)
		return net_nl_fail(err, r, "delete %s in the container's network namespace",
				   ifname);
	return 0;
}

int net_ns_configure(int nsfd, const struct net_ns_addrs *a, lxr_err *err)
{
	struct net_nl *sk = NULL;
	_cleanup_free_ char *v6key = lxr_xasprintf("net.ipv6.conf.%s.disable_ipv6", a->ifname);
	int r;

	/* docker's rule: an interface on a network without IPv6 has IPv6 off,
	 * so it gets no link-local address and answers no router
	 * advertisement; one with IPv6 has it on whatever the namespace's
	 * default. A kernel without IPv6 has no key: nothing to turn off. */
	if (a->ip6) {
		/* lxr sets the address and route itself: a router advertisement
		 * a neighbour on the bridge sends (a container's own default
		 * route, an address it picks) is not taken, before IPv6 is on */
		_cleanup_free_ char *rakey = lxr_xasprintf("net.ipv6.conf.%s.accept_ra", a->ifname);
		if (ns_sysctl(nsfd, rakey, "0", err) < 0 || ns_sysctl(nsfd, v6key, "0", err) < 0)
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
	r = ns_addresses(sk, a, err);
	net_nl_close(sk);
	return r < 0 ? lxr_err_wrap(err, "in the container's network namespace") : 0;
}
