/* macvlan and ipvlan networks (docker's drivers of those names): no bridge,
 * no address on the host, no nft rules; each container's interface is a
 * link of a host interface, its parent, made inside the container's
 * namespace (endpoint.c). A network naming no parent, or an internal one,
 * gets a dummy link of lxr's as its parent, as docker's does: its
 * containers then reach each other and nothing else. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

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
	/* docker's rule: an internal one's containers reach only each other */
	if (cfg->parent && !cfg->internal) {
		if (!lxr_ifname_valid(cfg->parent) || !strcmp(cfg->parent, "lo"))
			return lxr_fail(err, EINVAL, "parent \"%s\" is not a host interface's name",
					cfg->parent);
		strcpy(r->parent, cfg->parent);
	}
	return net_sublink_of(r, &l, err);
}

/* A link of r's kind and mode on its parent, made on the host and deleted:
 * the kernel's driver, and a parent that takes one (not lo, not a parent
 * in passthru), are known when the network is made, not at its first
 * container, as docker knows them. */
static int probe(const struct net_rec *r, const char *alias, lxr_err *err)
{
	struct net_sublink l;
	struct net_nl *sk = NULL;
	char name[IFNAMSIZ];
	int ret;

	net_link_name(name, "lxr-", alias, 16); /* no network's (salts 0 to 15) */
	if (net_sublink_of(r, &l, err) < 0 || net_nl_open(&sk, err) < 0)
		return -1;
	ret = net_sublink_make(sk, &l, -1, name, 0, NULL, err);
	if (ret == 0)
		net_link_delete_made(sk, name);
	net_nl_close(sk);
	return ret;
}

int net_sublink_up(const char *run_dir, const char *project, struct net_rec *r, bool fresh,
		   lxr_err *err)
{
	_cleanup_free_ char *alias = net_link_alias(project, r->name);
	struct net_link_info li;
	struct net_nl *sk = NULL;
	int ret;

	if (net_nl_open(&sk, err) < 0)
		return -1;
	if (r->parent[0]) {
		ret = net_link_get(sk, r->parent, 0, &li);
		net_nl_close(sk);
		if (ret < 0)
			return net_nl_fail(err, ret, "find the parent interface %s", r->parent),
			       lxr_err_hint(err, "name a host interface in driver_opts' parent "
						 "(`ip link` lists them); lxr makes no VLAN link");
		if (!fresh)
			return 0;
		_cleanup_free_ char *text = net_rec_text(r);
		if (probe(r, alias, err) < 0)
			return -1;
		return net_rec_save(run_dir, project, "networks", r->name, text, err);
	}
	if (!r->bridge[0]) {
		_cleanup_free_ char *key = lxr_xasprintf("%s/%s/%s", run_dir, project, r->name);
		_cleanup_free_ char *text = NULL;
		ret = net_bridge_pick(sk, key, alias, r->bridge, err);
		if (ret == 0) {
			text = net_rec_text(r);
			ret = net_rec_save(run_dir, project, "networks", r->name, text, err);
		}
		if (ret < 0) {
			net_nl_close(sk);
			return -1;
		}
	}
	ret = net_dummy_make(sk, r->bridge, alias, err);
	net_nl_close(sk);
	return ret;
}
