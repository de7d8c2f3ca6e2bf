/* IP leases of an endpoint: taken from the network's allocator, whose
 * lease file is loaded and saved under the net lock, and given back; the
 * leases of containers that are gone freed when an address is wanted and
 * none is free. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "net/net_internal.h"

struct alive_ctx {
	const char *run_dir;
	struct ep_rec *eps;
	size_t n;
};

/* A lease's owner is alive while an endpoint record names it and that
 * endpoint's namespace is still mounted: a container between restarts keeps
 * both; a crash leaves the record but the cleanup takes the namespace. */
static bool owner_alive(const char *owner, void *p)
{
	struct alive_ctx *c = p;

	for (size_t i = 0; i < c->n; i++) {
		if (strcmp(c->eps[i].owner, owner))
			continue;
		_cleanup_free_ char *ns = net_proj_dir(c->run_dir, c->eps[i].project, "netns");
		_cleanup_free_ char *path = lxr_xasprintf("%s/%s", ns, c->eps[i].container);
		return net_netns_alive(path);
	}
	return false;
}

/* Every endpoint on network (whose records are home's), of any project. */
void net_eps_on(const char *run_dir, const char *home, const char *network, struct ep_rec **out,
		size_t *n)
{
	struct ep_rec *all = NULL;
	size_t cnt = 0, k = 0;

	net_all_eps_load(run_dir, &all, &cnt);
	for (size_t i = 0; i < cnt; i++) {
		if (!strcmp(net_ep_home(&all[i]), home) && !strcmp(all[i].network, network))
			all[k++] = all[i];
		else
			net_ep_free(&all[i]);
	}
	*out = all;
	*n = k;
}

/* A new allocator for the network's IPv4 addresses, or (v6) its IPv6
 * ones, handing out those of its ip_range, aux_addresses kept back. */
int net_ipam_of(const struct net_rec *net, bool v6, struct lxr_ipam **out, lxr_err *err)
{
	char **aux = NULL;
	int r;

	*out = NULL;
	r = v6 ? net_ipam6_new(&net->subnet6, &net->gateway6, out, err)
	       : net_ipam_new(&net->subnet, net->gateway, out, err);
	/* each family's allocator keeps back its own family's addresses */
	for (size_t i = 0; r == 0 && net->aux && net->aux[i]; i++)
		if (!strchr(net->aux[i], ':') == !v6)
			lxr_strv_push(&aux, lxr_xstrdup(net->aux[i]));
	if (r == 0)
		r = net_ipam_limit(*out, v6 ? net->ip_range6 : net->ip_range, aux, err);
	lxr_strv_free(aux);
	if (r < 0 && *out) {
		net_ipam_free(*out);
		*out = NULL;
	}
	return r;
}

/* The network's IPv4 leases, or (v6) its IPv6 ones. With sweep, the
 * leases of containers that are gone are freed first: that reads every
 * endpoint record on the network, so it is done only when an address is
 * wanted and none is free (lease_take), not on every start and stop, which
 * would make a stack's start-up and `down` quadratic in its size. */
static int leases_load(const char *run_dir, const char *project, const struct net_rec *net, bool v6,
		       bool sweep, struct lxr_ipam **out, lxr_err *err)
{
	_cleanup_free_ char *dir = net_proj_dir(run_dir, project, "leases");
	_cleanup_free_ char *l6 = net_lease6_name(net->name);
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s", dir, v6 ? l6 : net->name);
	_cleanup_free_ char *text = NULL;
	struct alive_ctx ac = {run_dir, NULL, 0};
	size_t len, freed;
	lxr_err why;
	int r;

	if (net_ipam_of(net, v6, out, err) < 0)
		return -1;
	r = lxr_read_file_at(AT_FDCWD, path, &text, &len, &why);
	if (r == 0)
		r = net_ipam_fill(*out, text, &why);
	if (r == 0 && !sweep)
		return 0;
	/* the network's endpoints, of whichever project (a shared network's
	 * containers belong to the projects that use it) */
	net_eps_on(run_dir, project, net->name, &ac.eps, &ac.n);
	if (r < 0 && why.errnum != EBADMSG && why.errnum != ESTALE && why.errnum != ENOENT)
		*err = why;
	if (r < 0 && (why.errnum == EBADMSG || why.errnum == ESTALE || why.errnum == ENOENT)) {
		if (why.errnum != ENOENT)
			lxr_warn("%s: %s; rebuilding it from the endpoint records", path, why.msg);
		net_ipam_free(*out);
		r = net_ipam_of(net, v6, out, err);
		/* ac holds the network's endpoints only, of every project */
		for (size_t i = 0; r == 0 && i < ac.n; i++) {
			if (!owner_alive(ac.eps[i].owner, &ac) || (v6 && !ac.eps[i].has_ip6))
				continue;
			r = v6 ? net_ipam6_reserve(*out, ac.eps[i].owner, &ac.eps[i].ip6, err)
			       : net_ipam_reserve(*out, ac.eps[i].owner, ac.eps[i].ip, err);
		}
	}
	if (r < 0 && *out) {
		net_ipam_free(*out);
		*out = NULL;
	}
	if (r == 0 && (freed = net_ipam_reconcile(*out, owner_alive, &ac)))
		lxr_info("network %s: freed %zu lease(s) of containers that are gone", net->name,
			 freed);
	net_eps_free(ac.eps, ac.n);
	return r < 0 ? lxr_err_wrap(err, "leases of network %s", net->name) : 0;
}

/* Written in place, not replaced: every start and stop writes it, and on
 * a filesystem without a journal each new inode costs a scan past all
 * those freed in the last 30 s. A kill between the write and the truncate
 * leaves blank lines the loader skips; a torn file (a power cut) is
 * rebuilt from the endpoint records (leases_load). */
static int leases_save(const char *run_dir, const char *project, const char *name, bool v6,
		       const struct lxr_ipam *m, lxr_err *err)
{
	_cleanup_free_ char *text = net_ipam_dump(m);
	_cleanup_free_ char *l6 = net_lease6_name(name);
	_cleanup_free_ char *dir = net_proj_dir(run_dir, project, "leases");
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s", dir, v6 ? l6 : name);

	if (lxr_mkdir_p(dir, 0700, err) < 0)
		return -1;
	return net_write_in_place(path, text, err);
}

int net_lease_take(const char *run_dir, const char *project, const struct net_rec *net,
		   struct ep_rec *e, const char *static_ip, lxr_err *err)
{
	struct lxr_ipam *m = NULL;
	uint32_t want = 0;
	int r;

	if (static_ip && net_ip_parse(static_ip, &want, err) < 0)
		return -1;
	/* a full subnet, or the address asked for leased: perhaps to
	 * containers that are gone, so once more after the sweep */
	for (int sweep = 0; sweep <= 1; sweep++) {
		if (leases_load(run_dir, project, net, false, sweep, &m, err) < 0)
			return -1;
		r = static_ip ? net_ipam_reserve(m, e->owner, want, err)
			      : net_ipam_alloc(m, e->owner, &e->ip, err);
		if (r == 0 || (err->errnum != ENOSPC && err->errnum != EADDRINUSE))
			break;
		net_ipam_free(m);
		m = NULL;
	}
	if (static_ip)
		e->ip = want;
	if (r == 0)
		r = leases_save(run_dir, project, net->name, false, m, err);
	net_ipam_free(m);
	return r;
}

/* The IPv6 address, from the network's IPv6 allocator (its own lease
 * file), when the network has IPv6. */
int net_lease6_take(const char *run_dir, const char *project, const struct net_rec *net,
		    struct ep_rec *e, const char *static_ip6, lxr_err *err)
{
	struct lxr_ipam *m = NULL;
	int r;

	if (!net->subnet6.prefix) {
		if (static_ip6)
			return lxr_fail(err, EINVAL,
					"ipv6_address %s given, but network %s has no IPv6",
					static_ip6, net->name),
			       lxr_err_hint(err, "set enable_ipv6: true on the network");
		return 0;
	}
	if (static_ip6 && net_ip6_parse(static_ip6, &e->ip6, err) < 0)
		return -1;
	for (int sweep = 0; sweep <= 1; sweep++) {
		if (leases_load(run_dir, project, net, true, sweep, &m, err) < 0)
			return -1;
		r = static_ip6 ? net_ipam6_reserve(m, e->owner, &e->ip6, err)
			       : net_ipam6_alloc(m, e->owner, &e->ip6, err);
		if (r == 0 || (err->errnum != ENOSPC && err->errnum != EADDRINUSE))
			break;
		net_ipam_free(m);
		m = NULL;
	}
	if (r == 0)
		r = leases_save(run_dir, project, net->name, true, m, err);
	net_ipam_free(m);
	e->has_ip6 = r == 0;
	return r;
}

void net_lease_drop(const char *run_dir, const char *project, const char *network,
		    const char *owner)
{
	struct net_rec net;
	struct lxr_ipam *m = NULL;
	lxr_err err;

	if (net_rec_load(run_dir, project, network, &net, &err) < 0)
		return;
	for (int v6 = 0; v6 <= (net.subnet6.prefix != 0); v6++) {
		if (leases_load(run_dir, project, &net, v6, false, &m, &err) < 0)
			continue;
		net_ipam_release(m, owner);
		if (leases_save(run_dir, project, network, v6, m, &err) < 0)
			lxr_err_print(&err);
		net_ipam_free(m);
		m = NULL;
	}
	net_rec_free(&net);
}
