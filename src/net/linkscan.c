/* Links and routes read over rtnetlink: one link by name or index, and
 * whether it is lxr's; the host's routes and links read whole: the
 * subnets already taken, the default route's MTU, and lxr's links that
 * lost their records (sweeps). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "net/net_internal.h"

int net_link_parse(const struct nlmsghdr *nh, void *ctx)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	const struct rtattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1];
	struct net_link_info *li = ctx;
	const char *s;

	if (nh->nlmsg_type != RTM_NEWLINK || nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return 0;
	memset(li, 0, sizeof(*li));
	net_nl_attrs(IFLA_RTA(ifi), IFLA_PAYLOAD(nh), tb, IFLA_MAX);
	li->index = ifi->ifi_index;
	if ((s = net_nl_str(tb[IFLA_IFNAME])))
		snprintf(li->name, sizeof(li->name), "%s", s);
	if ((s = net_nl_str(tb[IFLA_IFALIAS])))
		snprintf(li->alias, sizeof(li->alias), "%s", s);
	if (tb[IFLA_MTU] && RTA_PAYLOAD(tb[IFLA_MTU]) == 4)
		memcpy(&li->mtu, RTA_DATA(tb[IFLA_MTU]), 4);
	if (tb[IFLA_ADDRESS] && RTA_PAYLOAD(tb[IFLA_ADDRESS]) == 6) {
		memcpy(li->mac, RTA_DATA(tb[IFLA_ADDRESS]), 6);
		li->has_mac = true;
	}
	if (tb[IFLA_LINKINFO]) {
		net_nl_attrs(RTA_DATA(tb[IFLA_LINKINFO]), RTA_PAYLOAD(tb[IFLA_LINKINFO]), info,
			     IFLA_INFO_MAX);
		if ((s = net_nl_str(info[IFLA_INFO_KIND])))
			snprintf(li->kind, sizeof(li->kind), "%s", s);
	}
	return 0;
}

/* The link of that name (or index, when name is NULL): 0, or -ENODEV. */
int net_link_get(struct net_nl *sk, const char *name, int index, struct net_link_info *li)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = name ? 0 : index};
	struct net_nl_req q;
	int r;

	net_nl_req_init(&q, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	if (name)
		net_nl_attr_str(&q, IFLA_IFNAME, name);
	/* counters are most of a link's message, and lxr reads none */
	net_nl_attr_u32(&q, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	li->index = 0;
	r = net_nl_call(sk, &q, net_link_parse, li);
	return r < 0 ? r : li->index ? 0 : -ENODEV;
}

int net_link_owner(struct net_nl *sk, const char *name, char *alias, size_t len)
{
	struct net_link_info li;

	if (net_link_get(sk, name, 0, &li) < 0)
		return 0;
	snprintf(alias, len, "%s", li.alias);
	return 1;
}

int net_link_check(struct net_nl *sk, const char *name, const char *alias, char *have, size_t len)
{
	struct net_link_info li;
	unsigned char mac[6];

	if (net_link_get(sk, name, 0, &li) < 0)
		return 0;
	snprintf(have, len, "%s", li.alias);
	if (!strcmp(have, alias))
		return 1;
	net_link_mark(mac, name);
	return !have[0] && li.has_mac && !memcmp(li.mac, mac, 6) ? 1 : -1;
}

struct route_info {
	unsigned table;
	int dst_len;
	const void *dst; /* NULL: none (the default route) */
	size_t dst_size;
	int oif; /* the first next hop's interface, 0: none */
};

static bool route_parse(const struct nlmsghdr *nh, int family, struct route_info *ri)
{
	const struct rtmsg *rt = NLMSG_DATA(nh);
	const struct rtattr *tb[RTA_MAX + 1];

	if (nh->nlmsg_type != RTM_NEWROUTE || nh->nlmsg_len < NLMSG_LENGTH(sizeof(*rt)) ||
	    rt->rtm_family != family)
		return false;
	net_nl_attrs(RTM_RTA(rt), RTM_PAYLOAD(nh), tb, RTA_MAX);
	ri->table = rt->rtm_table;
	if (tb[RTA_TABLE] && RTA_PAYLOAD(tb[RTA_TABLE]) == 4)
		memcpy(&ri->table, RTA_DATA(tb[RTA_TABLE]), 4);
	ri->dst_len = rt->rtm_dst_len;
	ri->dst = tb[RTA_DST] ? RTA_DATA(tb[RTA_DST]) : NULL;
	ri->dst_size = tb[RTA_DST] ? RTA_PAYLOAD(tb[RTA_DST]) : 0;
	ri->oif = 0;
	if (tb[RTA_OIF] && RTA_PAYLOAD(tb[RTA_OIF]) == 4)
		memcpy(&ri->oif, RTA_DATA(tb[RTA_OIF]), 4);
	else if (tb[RTA_MULTIPATH] && RTA_PAYLOAD(tb[RTA_MULTIPATH]) >= sizeof(struct rtnexthop))
		ri->oif = ((const struct rtnexthop *)RTA_DATA(tb[RTA_MULTIPATH]))->rtnh_ifindex;
	return true;
}

/* fn(route, ctx) for every route of family on the host */
typedef void (*route_fn)(const struct route_info *ri, void *ctx);
struct route_walk {
	int family;
	route_fn fn;
	void *ctx;
};

static int route_each(const struct nlmsghdr *nh, void *ctx)
{
	struct route_walk *w = ctx;
	struct route_info ri;

	if (route_parse(nh, w->family, &ri))
		w->fn(&ri, w->ctx);
	return 0;
}

static int routes_walk(struct net_nl *sk, int family, route_fn fn, void *ctx)
{
	struct rtmsg rt = {.rtm_family = (unsigned char)family};
	struct route_walk w = {family, fn, ctx};
	struct net_nl_req q;

	net_nl_req_init(&q, RTM_GETROUTE, NLM_F_DUMP, &rt, sizeof(rt));
	return net_nl_call(sk, &q, route_each, &w);
}

struct subnets4 {
	struct lxr_subnet *v;
	size_t n;
};

static void subnet4_add(const struct route_info *ri, void *ctx)
{
	struct subnets4 *s = ctx;
	uint32_t a;

	/* The default route overlaps everything: it says where the rest
	 * goes, not that a subnet is taken. */
	if (!ri->dst || ri->dst_len == 0 || ri->dst_size != 4 ||
	    (ri->table != RT_TABLE_MAIN && ri->table != RT_TABLE_LOCAL))
		return;
	memcpy(&a, ri->dst, 4);
	s->v = lxr_xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	s->v[s->n].addr = ntohl(a);
	s->v[s->n].prefix = ri->dst_len;
	s->n++;
}

int net_host_routes(struct lxr_subnet **out, size_t *n, lxr_err *err)
{
	struct net_nl *sk = NULL;
	struct subnets4 s = {0};
	int r;

	if (net_nl_open(&sk, err) < 0)
		return -1;
	r = routes_walk(sk, AF_INET, subnet4_add, &s);
	net_nl_close(sk);
	if (r < 0) {
		free(s.v);
		return net_nl_fail(err, r, "list routes");
	}
	*out = s.v;
	*n = s.n;
	return 0;
}

struct subnets6 {
	struct lxr_subnet6 *v;
	size_t n;
};

static void subnet6_add(const struct route_info *ri, void *ctx)
{
	struct subnets6 *s = ctx;
	const uint8_t *b = ri->dst;

	/* the default route, link-local and multicast say where the rest
	 * goes, not that a subnet is taken */
	if (!b || ri->dst_len == 0 || ri->dst_size != 16 || ri->table != RT_TABLE_MAIN ||
	    b[0] == 0xff || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80))
		return;
	s->v = lxr_xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	memcpy(s->v[s->n].addr.b, b, 16);
	s->v[s->n].prefix = ri->dst_len;
	s->n++;
}

int net_host_routes6(struct lxr_subnet6 **out, size_t *n, lxr_err *err)
{
	struct net_nl *sk = NULL;
	struct subnets6 s = {0};
	int r;

	*out = NULL;
	*n = 0;
	if (net_nl_open(&sk, err) < 0)
		return -1;
	r = routes_walk(sk, AF_INET6, subnet6_add, &s);
	net_nl_close(sk);
	if (r < 0) {
		free(s.v);
		/* a kernel without IPv6 routes nothing */
		return r == -EAFNOSUPPORT ? 0 : net_nl_fail(err, r, "list IPv6 routes");
	}
	*out = s.v;
	*n = s.n;
	return 0;
}

static void default_oif(const struct route_info *ri, void *ctx)
{
	int *oif = ctx;

	if (!*oif && ri->table == RT_TABLE_MAIN && ri->dst_len == 0)
		*oif = ri->oif;
}

int net_default_mtu(void)
{
	struct net_nl *sk = NULL;
	struct net_link_info li;
	int oif = 0, mtu = 0;
	lxr_err err;

	if (net_nl_open(&sk, &err) < 0)
		return 0;
	if (routes_walk(sk, AF_INET, default_oif, &oif) == 0 && oif &&
	    net_link_get(sk, NULL, oif, &li) == 0)
		mtu = (int)li.mtu;
	net_nl_close(sk);
	return mtu;
}

/* Every link on the host, read whole before any is changed (a dump and a
 * deletion do not share a socket). */
struct links {
	struct net_link_info *v;
	size_t n;
};

static int link_collect(const struct nlmsghdr *nh, void *ctx)
{
	struct links *ls = ctx;
	struct net_link_info li = {0};

	net_link_parse(nh, &li);
	if (!li.index)
		return 0;
	ls->v = lxr_xrealloc(ls->v, (ls->n + 1) * sizeof(*ls->v));
	ls->v[ls->n++] = li;
	return 0;
}

static int links_list(struct net_nl *sk, struct links *ls, lxr_err *err)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct net_nl_req q;
	int r;

	ls->v = NULL;
	ls->n = 0;
	net_nl_req_init(&q, RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof(ifi));
	net_nl_attr_u32(&q, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	r = net_nl_call(sk, &q, link_collect, ls);
	if (r < 0) {
		free(ls->v);
		ls->v = NULL;
		return net_nl_fail(err, r, "list links");
	}
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

/* Is there a record of kind for name in project? */
static bool recorded(const char *run_dir, const char *project, const char *kind, const char *name)
{
	_cleanup_free_ char *dir = net_proj_dir(run_dir, project, kind);
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s", dir, name);

	return access(path, F_OK) == 0;
}

/* An endpoint's record names this very link: a link with the container's
 * alias and another name is an earlier life's (left to go with its
 * namespace when the container ran again), whatever the record says. An
 * unreadable record counts as naming it: it is not this sweep's to judge. */
static bool endpoint_of(const char *run_dir, const char *project, const char *ctr, const char *link)
{
	_cleanup_free_ char *dir = net_proj_dir(run_dir, project, "endpoints");
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s", dir, ctr);
	_cleanup_free_ char *text = NULL;
	struct ep_rec e = {0};
	size_t len;
	lxr_err err;
	bool mine;

	if (lxr_read_file_at(AT_FDCWD, path, &text, &len, &err) < 0)
		return err.errnum != ENOENT;
	mine = net_ep_parse(text, &e, &err) < 0 || !strcmp(e.veth, link);
	net_ep_free(&e);
	return mine;
}

/* One of project's links in run_dir, as each_link finds it. */
struct project_link {
	struct net_nl *sk;
	const char *name, *alias;
	const char *what; /* the owner, from the alias: a network or a container */
	bool bridge;
};

/* fn for each link whose alias is "lxr:PROJECT/WHAT" and whose name is one
 * net_link_name gives run_dir/project/WHAT: the alias names the owner; the
 * name, a hash that includes the run dir, proves it is this run dir's.
 * fn's negative result stops the walk and is returned. */
static int each_link(const char *run_dir, const char *project,
		     int (*fn)(const struct project_link *l, void *ctx), void *ctx, lxr_err *err)
{
	_cleanup_free_ char *mark = lxr_xasprintf("lxr:%s/", project);
	struct net_nl *sk = NULL;
	struct links ls;
	int r = 0;

	if (net_nl_open(&sk, err) < 0)
		return -1;
	if (links_list(sk, &ls, err) < 0) {
		net_nl_close(sk);
		return -1;
	}
	for (size_t i = 0; i < ls.n && r >= 0; i++) {
		struct project_link l = {sk, ls.v[i].name, ls.v[i].alias, NULL, false};
		_cleanup_free_ char *key = NULL;
		if (!lxr_str_has_prefix(l.alias, mark))
			continue;
		l.what = l.alias + strlen(mark);
		key = lxr_xasprintf("%s/%s/%s", run_dir, project, l.what);
		l.bridge = name_matches(l.name, "lxr-", key);
		if (l.bridge || name_matches(l.name, "lxr", key))
			r = fn(&l, ctx);
	}
	free(ls.v);
	net_nl_close(sk);
	return r;
}

struct sweep {
	const char *run_dir, *project;
	bool veths_only, count_only, unrecorded;
	int n;
	char ***removed;
	lxr_err first;
	bool failed;
};

static int sweep_one(const struct project_link *l, void *ctx)
{
	struct sweep *w = ctx;
	lxr_err e;

	if ((w->veths_only && l->bridge) ||
	    (w->unrecorded && l->bridge && recorded(w->run_dir, w->project, "networks", l->what)) ||
	    (w->unrecorded && !l->bridge && endpoint_of(w->run_dir, w->project, l->what, l->name)))
		return 0;
	if (w->count_only) {
		w->n++;
		return 0;
	}
	if (!w->unrecorded && !w->veths_only)
		lxr_info("removing %s (%s), left without a record", l->name, l->alias);
	if (net_link_delete(l->sk, l->name, l->alias, &e) < 0) {
		if (!w->failed)
			w->first = e;
		w->failed = true;
		return 0; /* one that fails must not keep the others */
	}
	if (w->removed)
		lxr_strv_push(w->removed, lxr_xasprintf("link %s (%s), left without a record",
							l->name, l->alias));
	return 0;
}

static int sweep(struct sweep *w, lxr_err *err)
{
	if (each_link(w->run_dir, w->project, sweep_one, w, err) < 0)
		return -1;
	if (w->failed) {
		*err = w->first;
		return -1;
	}
	return w->n;
}

int net_links_sweep(const char *run_dir, const char *project, lxr_err *err)
{
	struct sweep w = {.run_dir = run_dir, .project = project};

	return sweep(&w, err) < 0 ? -1 : 0;
}

int net_project_veths(const char *run_dir, const char *project, bool remove, lxr_err *err)
{
	struct sweep w = {
	    .run_dir = run_dir, .project = project, .veths_only = true, .count_only = !remove};

	return sweep(&w, err);
}

int net_links_sweep_unrecorded(const char *run_dir, const char *project, char ***removed,
			       lxr_err *err)
{
	/* records are written before their link is made, under the lock:
	 * holding it, a link without one is not being made */
	_cleanup_close_ int lock = net_lock(run_dir, err);
	struct sweep w = {
	    .run_dir = run_dir, .project = project, .unrecorded = true, .removed = removed};

	if (lock < 0)
		return -1;
	return sweep(&w, err) < 0 ? -1 : 0;
}

bool net_any_lxr_bridge(void)
{
	struct net_nl *sk = NULL;
	struct links ls = {0};
	bool any = false;
	lxr_err err;

	if (net_nl_open(&sk, &err) < 0)
		return true; /* cannot tell: keep what is on */
	if (links_list(sk, &ls, &err) < 0) {
		net_nl_close(sk);
		return true;
	}
	for (size_t i = 0; i < ls.n && !any; i++)
		any = lxr_str_has_prefix(ls.v[i].name, "lxr-") &&
		      lxr_str_has_prefix(ls.v[i].alias, "lxr:") && !strcmp(ls.v[i].kind, "bridge");
	free(ls.v);
	net_nl_close(sk);
	return any;
}
