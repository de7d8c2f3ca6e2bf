/* macvlan and ipvlan networks (docker's drivers of those names): no bridge,
 * no address on the host, no nft rules; each container's interface is a
 * link of a host interface, its parent, made inside the container's
 * namespace (endpoint.c). A network naming no parent gets a dummy link of
 * lxr's as its parent, as docker's does: its containers then reach each
 * other and nothing else. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lxr/netdrv.h"
#include "net/net_internal.h"

int net_driver_opt(struct lxr_net_config *cfg, const char *key, const char *value, lxr_err *err)
{
	const char *takes = NULL;
	int v = cfg_netdrv_value(cfg->driver, key, value, &takes);

	if (v == -2)
		return 1;
	if (v == -1)
		return lxr_fail(err, EINVAL, "%s option %s: \"%s\" is not one it takes",
				cfg->driver, key, value),
		       lxr_err_hint(err, "%s takes %s", key, takes);
	if (!strcmp(key, "parent"))
		cfg->parent = value;
	else if (!strcmp(key, "ipvlan_flag"))
		cfg->flag = value;
	else
		cfg->mode = value;
	return 0;
}

/* One of r's words as the kernel takes it. */
static int word(const struct net_rec *r, const char *key, const char *value, unsigned *out,
		lxr_err *err)
{
	const char *takes;
	int v = cfg_netdrv_value(r->driver, key, value, &takes);

	if (v < 0)
		return lxr_fail(err, EINVAL, "network %s: %s %s \"%s\" is not one it takes",
				r->name, r->driver, key, value);
	*out = (unsigned)v;
	return 0;
}

int net_sublink_of(const struct net_rec *r, struct net_sublink *out, lxr_err *err)
{
	bool macvlan = !strcmp(r->driver, "macvlan");

	*out =
	    (struct net_sublink){.kind = r->driver, .parent = r->parent[0] ? r->parent : r->bridge};
	if (word(r, macvlan ? "macvlan_mode" : "ipvlan_mode", r->mode, &out->mode, err) < 0)
		return -1;
	return macvlan ? 0 : word(r, "ipvlan_flag", r->flag, &out->flags, err);
}

int net_sublink_rec(const struct lxr_net_config *cfg, struct net_rec *r, lxr_err *err)
{
	const char *takes;
	struct net_sublink l;

	if (!cfg_netdrv_sublink(cfg->driver))
		return lxr_fail(err, EINVAL, "network driver \"%s\" is not one lxr has",
				cfg->driver),
		       lxr_err_hint(err, "bridge (the default), macvlan or ipvlan");
	snprintf(r->driver, sizeof(r->driver), "%s", cfg->driver);
	snprintf(r->mode, sizeof(r->mode), "%s",
		 cfg->mode ? cfg->mode : cfg_netdrv_default(cfg->driver, "mode"));
	snprintf(r->flag, sizeof(r->flag), "%s",
		 cfg->flag ? cfg->flag : cfg_netdrv_default(cfg->driver, "flag"));
	/* an internal one keeps its parent and has no default route */
	if (cfg->parent && cfg_netdrv_value(cfg->driver, "parent", cfg->parent, &takes) < 0)
		return lxr_fail(err, EINVAL, "parent \"%s\" is not a host interface's name",
				cfg->parent),
		       lxr_err_hint(err, "%s", takes);
	if (cfg->parent)
		strcpy(r->parent, cfg->parent);
	return net_sublink_of(r, &l, err);
}

/* A parent LINK.VID that is not there, as docker's: VLAN VID of LINK,
 * made with lxr's alias, so that the last network on it removes it. */
static int vlan_parent(struct net_nl *sk, const char *parent, const char *alias, lxr_err *err)
{
	const char *dot = strchr(parent, '.');
	_cleanup_free_ char *lower = dot ? lxr_xstrndup(parent, (size_t)(dot - parent)) : NULL;
	struct net_link_info li;
	char *end = NULL;
	unsigned long vid = dot && dot[1] != '-' ? strtoul(dot + 1, &end, 10) : 0;

	if (!dot || !*lower || strchr(dot + 1, '.') || !end || *end || vid < 1 || vid > 4094)
		return lxr_fail(err, ENODEV, "parent interface %s does not exist", parent),
		       lxr_err_hint(err, "name a host interface in driver_opts' parent (`ip link` "
					 "lists them), or LINK.VLAN (1 to 4094) for a VLAN of it");
	if (net_link_get(sk, lower, 0, &li) < 0)
		return lxr_fail(err, ENODEV,
				"parent interface %s does not exist, nor does %s to make it on",
				parent, lower),
		       lxr_err_hint(err, "name a host interface (`ip link` lists them)");
	if (lxr_str_has_prefix(li.alias, "lxr:"))
		return lxr_fail(err, EPERM, "%s is a link of lxr's (%s): no VLAN is made on it",
				lower, li.alias),
		       lxr_err_hint(err, "name a host interface (`ip link` lists them)");
	return net_vlan_make(sk, parent, lower, li.index, (unsigned)vid, alias, err);
}

void net_sublink_parent_release(const struct net_rec *r, const struct net_rec *others, size_t n)
{
	struct net_link_info li;
	struct net_nl *sk = NULL;
	lxr_err ignored;

	if (!r->parent[0])
		return;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(others[i].parent, r->parent))
			return; /* another network of lxr's is on it */
	if (net_nl_open(&sk, &ignored) < 0)
		return;
	/* a VLAN link lxr made (for this network or another, each on it
	 * until now, as docker's last user removes it): never the host's
	 * own, which has no alias of lxr's */
	if (net_link_get(sk, r->parent, 0, &li) == 0 && !strcmp(li.kind, "vlan") &&
	    lxr_str_has_prefix(li.alias, "lxr:"))
		net_link_delete_made(sk, r->parent);
	net_nl_close(sk);
}

/* A link of r's kind, mode and MTU on its parent, made on the host and
 * deleted: the kernel's driver, and a parent that takes one (not a bridge's
 * port, not one in passthru), are known when the network is made, not at
 * its first container, as docker knows them. Its name is this process's
 * (a crash's leftover is not taken for another's probe). */
static int probe(const struct net_rec *r, const char *alias, lxr_err *err)
{
	struct net_sublink l;
	struct net_nl *sk = NULL;
	char name[IFNAMSIZ];
	int ret;

	net_link_name(name, "lxr-", alias, 16 + (unsigned)getpid());
	if (net_sublink_of(r, &l, err) < 0 || net_nl_open(&sk, err) < 0)
		return -1;
	ret = net_sublink_make(sk, &l, -1, name, r->mtu, NULL, err);
	if (ret == 0)
		net_link_delete_made(sk, name);
	net_nl_close(sk);
	return ret;
}

/* The parent named: there (a VLAN of lxr's made for it when it is not and
 * its name says LINK.VID), and not one of lxr's own bridges or dummies,
 * which a container's link would join past lxr's rules. */
static int parent_up(struct net_nl *sk, const struct net_rec *r, const char *alias, lxr_err *err)
{
	struct net_link_info li;
	int got = net_link_get(sk, r->parent, 0, &li);

	/* a VLAN gone since (its NIC replugged, a crash before it was made)
	 * is made again, as docker's restore makes it */
	if (got == -ENODEV)
		return vlan_parent(sk, r->parent, alias, err);
	if (got < 0)
		return net_nl_fail(err, got, "find the parent interface %s", r->parent),
		       lxr_err_hint(err, "name a host interface in driver_opts' parent (`ip link` "
					 "lists them), or LINK.VLAN for a VLAN of it");
	if (lxr_str_has_prefix(li.alias, "lxr:") && strcmp(li.kind, "vlan"))
		return lxr_fail(err, EPERM, "parent %s is a network's link of lxr's (%s)",
				r->parent, li.alias),
		       lxr_err_hint(err, "name a host interface (`ip link` lists them)");
	return 0;
}

int net_sublink_up(const char *run_dir, const char *project, struct net_rec *r, bool fresh,
		   lxr_err *err)
{
	_cleanup_free_ char *alias = net_link_alias(project, r->name);
	_cleanup_free_ char *key = lxr_xasprintf("%s/%s/%s", run_dir, project, r->name);
	_cleanup_free_ char *text = NULL;
	struct net_nl *sk = NULL;
	int ret;

	if (net_nl_open(&sk, err) < 0)
		return -1;
	/* the record first, as a bridge's: a VLAN or dummy link made for it
	 * is found from there after a crash, or a failure below */
	ret = !r->parent[0] && !r->bridge[0] ? net_bridge_pick(sk, key, alias, r->bridge, err) : 0;
	if (ret == 0 && fresh) {
		text = net_rec_text(r);
		ret = net_rec_save(run_dir, project, "networks", r->name, text, err);
	}
	if (ret == 0)
		ret = r->parent[0] ? parent_up(sk, r, alias, err)
				   : net_dummy_make(sk, r->bridge, alias, err);
	net_nl_close(sk);
	return ret == 0 && fresh ? probe(r, alias, err) : ret;
}

int net_sublink_conflict(const struct net_rec *r, const struct net_rec *others, size_t n,
			 lxr_err *err)
{
	bool ipvlan = !strcmp(r->driver, "ipvlan"), passthru = !strcmp(r->mode, "passthru");

	for (size_t i = 0; r->parent[0] && i < n; i++) {
		const struct net_rec *o = &others[i];
		if (strcmp(o->parent, r->parent) || (!ipvlan && !strcmp(o->driver, "macvlan") &&
						     !passthru && strcmp(o->mode, "passthru")))
			continue;
		/* an ipvlan's mode and flag are its parent's, for all its links,
		 * and passthru is one link's: docker refuses these too. The
		 * kernel takes no macvlan and ipvlan links on one parent: docker
		 * finds that at the first container, lxr when it is made. */
		return lxr_fail(err, EBUSY, "parent %s already has %s network %s%s", r->parent,
				o->driver, o->name,
				!strcmp(o->mode, "passthru") ? " (passthru)" : ""),
		       lxr_err_hint(err, "%s",
				    ipvlan || strcmp(o->driver, r->driver)
					? "one ipvlan network per parent, and no macvlan "
					  "network beside it: join that network, or name "
					  "another parent (a VLAN: LINK.VID)"
					: "a passthru network has its parent to itself: name "
					  "another parent");
	}
	return 0;
}

void net_sublink_endpoint(const struct net_rec *net, struct ep_rec *e)
{
	size_t kept = 0;

	if (e->n_ports) /* docker's macvlan and ipvlan drivers publish none either */
		lxr_warn("%s: ports are not published on %s network %s; reach the container at "
			 "its own address",
			 e->container, net->driver, net->name);
	e->n_ports = 0;
	for (size_t i = 0; e->extra && e->extra[i]; i++) {
		const char *sp = strchr(e->extra[i], ' ');
		if (!sp || strcmp(sp + 1, "host-gateway")) {
			e->extra[kept++] = e->extra[i];
			continue;
		}
		lxr_warn("%s: extra_hosts %.*s: the host cannot be reached from %s network %s "
			 "(its parent passes nothing between the host and its links); left out",
			 e->container, (int)(sp - e->extra[i]), e->extra[i], net->driver,
			 net->name);
		free(e->extra[i]);
	}
	if (e->extra)
		e->extra[kept] = NULL;
}
