/* The project's nft rules: one batch made from the records (its networks,
 * the shared ones its containers are on, their published ports), applied
 * when it changed, and the chains dropped when the project goes. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net/net_internal.h"

/* The batch this process last applied for a chain prefix. Every change to
 * the records that shapes the rules is followed by a sync under the net
 * lock, so while the records give the same batch the kernel still holds
 * it: a process skips re-applying what it applied itself (an nft commit
 * costs 10-20 ms, and `up` ensures the network before every container).
 * A process's first sync always applies, which is what repairs the rules
 * after a reboot or a crash. */
static struct {
	char prefix[32];
	char *batch;
} applied[4];

static bool already_applied(const char *prefix, const char *batch)
{
	for (size_t i = 0; i < sizeof(applied) / sizeof(applied[0]); i++)
		if (applied[i].batch && !strcmp(applied[i].prefix, prefix))
			return !strcmp(applied[i].batch, batch);
	return false;
}

/* batch NULL: forget (the rules were removed, or an apply failed) */
static void remember_applied(const char *prefix, const char *batch)
{
	size_t slot = 0;

	for (size_t i = 0; i < sizeof(applied) / sizeof(applied[0]); i++) {
		if (applied[i].batch && !strcmp(applied[i].prefix, prefix)) {
			slot = i;
			break;
		}
		if (!applied[i].batch)
			slot = i;
	}
	free(applied[slot].batch);
	snprintf(applied[slot].prefix, sizeof(applied[slot].prefix), "%s", prefix);
	applied[slot].batch = batch ? lxr_xstrdup(batch) : NULL;
}

/* Append to *batch what removes prefix's chains in `table fam lxr`, and
 * the table when no other chain is left in it; nothing when neither is
 * there. One netlink look instead of `nft list table` runs before and
 * after. false: netlink could not tell (the caller asks nft). */
static bool removal_of(char **batch, const char *prefix, const char *fam)
{
	_cleanup_strv_ char **names = NULL;
	_cleanup_free_ char *want = lxr_xasprintf("%s-", prefix), *del = NULL;
	bool exists, mine = false, others = false;
	char *more;

	if (net_nft_lxr_chains(fam, &exists, &names) < 0)
		return false;
	if (!exists)
		return true;
	for (size_t i = 0; names[i]; i++) {
		if (lxr_str_has_prefix(names[i], want))
			mine = true;
		else
			others = true;
	}
	if (!mine && others)
		return true;
	if (mine)
		del = net_nft_delete_batch_of(prefix, fam);
	more = lxr_xasprintf(
	    "%s%s%s", *batch ? *batch : "", del ? del : "",
	    others ? "" : (strcmp(fam, "ip") ? "delete table ip6 lxr\n" : "delete table ip lxr\n"));
	free(*batch);
	*batch = more;
	return true;
}

/* FNV-1a: names a batch in the generation note */
static uint64_t batch_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

/* A shared network the project's containers are on (in NET_SHARED's
 * records): their published ports are this project's, on that bridge.
 * homes[i] names the project whose record nets[i] is. */
static void shared_nets_add(const char *run_dir, const struct ep_rec *eps, size_t ne,
			    struct net_rec **nets, size_t *n, char ***homes)
{
	for (size_t j = 0; j < ne; j++) {
		bool have = false;
		struct net_rec shared;
		lxr_err e;
		for (size_t i = 0; i < *n && eps[j].netproj; i++)
			have |= !strcmp((*homes)[i], eps[j].netproj) &&
				!strcmp((*nets)[i].name, eps[j].network);
		if (!eps[j].netproj || have ||
		    net_rec_load(run_dir, eps[j].netproj, eps[j].network, &shared, &e) < 0)
			continue;
		*nets = lxr_xrealloc(*nets, (*n + 1) * sizeof(**nets));
		(*nets)[(*n)++] = shared;
		lxr_strv_push(homes, lxr_xstrdup(eps[j].netproj));
	}
}

/* A macvlan or ipvlan network has no rules: out of nets (and homes). */
static void bridged_only(struct net_rec *nets, char **homes, size_t *n)
{
	size_t kept = 0;

	for (size_t i = 0; i < *n; i++) {
		if (!net_rec_bridged(&nets[i])) {
			net_rec_free(&nets[i]);
			free(homes[i]);
			continue;
		}
		nets[kept] = nets[i];
		homes[kept++] = homes[i];
	}
	for (size_t i = kept; i < *n; i++)
		homes[i] = NULL;
	*n = kept;
}

/* The project's batch: its networks' chains and the ports its endpoints
 * publish on them. v6: some network has IPv6. */
static char *project_batch(const char *prefix, const struct net_rec *nets, char **homes, size_t n,
			   const struct ep_rec *eps, size_t ne, bool *v6)
{
	struct nft_net *nn = lxr_xcalloc(n + 1, sizeof(*nn));
	struct nft_map *mm = NULL;
	size_t nm = 0;
	char *batch;

	*v6 = false;
	for (size_t i = 0; i < n; i++) {
		nn[i] = (struct nft_net){nets[i].bridge,      nets[i].subnet,
					 nets[i].gateway,     nets[i].internal,
					 nets[i].subnet6,     nets[i].gateway6,
					 nets[i].no_icc,      nets[i].no_masquerade,
					 nets[i].unprotected, nets[i].unprotected6};
		*v6 |= nets[i].subnet6.prefix != 0;
	}
	for (size_t j = 0; j < ne; j++) {
		for (size_t i = 0; i < n; i++) {
			if (strcmp(eps[j].network, nets[i].name) ||
			    strcmp(homes[i], net_ep_home(&eps[j])))
				continue;
			for (size_t k = 0; k < eps[j].n_ports; k++) {
				mm = lxr_xrealloc(mm, (nm + 1) * sizeof(*mm));
				mm[nm++] =
				    (struct nft_map){nets[i].bridge, eps[j].ip, eps[j].ports[k],
						     eps[j].has_ip6 ? &eps[j].ip6 : NULL};
			}
		}
	}
	batch = n ? net_nft_batch(prefix, nn, n, mm, nm) : net_nft_delete_batch(prefix);
	free(nn);
	free(mm);
	return batch;
}

/* The project's last IPv6 network gone: its ip6 chains go too (a look
 * first, so a host without IPv6 never meets an ip6 table); no network
 * left (n 0): its ip chains too, and a table left empty. *batch becomes
 * NULL when nothing of the project's is there to remove. listed: netlink
 * told what is there; drop6: ip6 chains are removed blind. */
static void removals_add(char **batch, const char *prefix, size_t n, bool *listed, bool *drop6)
{
	_cleanup_free_ char *rm = NULL;
	char *both;

	*listed = (n || removal_of(&rm, prefix, "ip")) && removal_of(&rm, prefix, "ip6");
	if (*listed && !n) {
		free(*batch);
		*batch = rm ? lxr_xstrdup(rm) : NULL;
	} else if (*listed && rm) {
		both = lxr_xasprintf("%s%s", *batch, rm);
		free(*batch);
		*batch = both;
	} else if (!*listed && (*drop6 = net_nft_has_v6(prefix))) {
		_cleanup_free_ char *del = net_nft_delete_batch_of(prefix, "ip6");
		both = lxr_xasprintf("%s%s", *batch, del);
		free(*batch);
		*batch = both;
	}
}

static int nft_sync_project(const char *run_dir, const char *project, lxr_err *err)
{
	struct net_rec *nets = NULL;
	struct ep_rec *eps = NULL;
	size_t n = 0, ne = 0;
	char prefix[32], key[48], hash[17];
	_cleanup_free_ char *batch = NULL;
	bool v6 = false, drop6 = false, listed = false;
	uint32_t before;
	unsigned commits;
	int r = -1;

	_cleanup_strv_ char **homes = NULL;

	net_chain_prefix(prefix, sizeof(prefix), run_dir, project);
	if (net_recs_load(run_dir, project, &nets, &n, err) < 0)
		return -1;
	if (net_eps_load(run_dir, project, &eps, &ne, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		lxr_strv_push(&homes, lxr_xstrdup(project));
	shared_nets_add(run_dir, eps, ne, &nets, &n, &homes);
	bridged_only(nets, homes, &n);
	batch = project_batch(prefix, nets, homes, n, eps, ne, &v6);
	if (n && already_applied(prefix, batch)) {
		r = 0;
		goto out;
	}
	snprintf(key, sizeof(key), "chains %s", prefix);
	snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)batch_hash(batch));
	/* another process applied this very batch and no commit came since */
	if (n && net_stamp_holds(run_dir, key, hash)) {
		remember_applied(prefix, batch);
		r = 0;
		goto out;
	}
	before = net_nft_gen();
	commits = net_nft_commits();
	if (!v6)
		removals_add(&batch, prefix, n, &listed, &drop6);
	/* nothing of the project's is there to remove */
	r = batch ? net_nft_apply(batch, err) : 0;
	remember_applied(prefix, r == 0 && n ? batch : NULL);
	/* a removal is noted too ("gone" is no batch's hash): it keeps the
	 * note's other lines true for the next process */
	if (r == 0)
		net_stamp_note(run_dir, key, n ? hash : "gone", before, commits);
	if (r == 0 && !listed && (!n || drop6))
		net_nft_drop_empty_table();
out:
	for (size_t i = 0; i < n; i++)
		net_rec_free(&nets[i]);
	for (size_t j = 0; j < ne; j++)
		net_ep_free(&eps[j]);
	free(nets);
	free(eps);
	return r < 0 ? lxr_err_wrap(err, "project %s: firewall rules", project) : 0;
}

int net_nft_sync(const char *run_dir, const char *project, lxr_err *err)
{
	return nft_sync_project(run_dir, project, err);
}

void net_nft_project_drop(const char *run_dir, const char *project)
{
	_cleanup_free_ char *batch = NULL;
	char prefix[32];
	lxr_err e2;

	net_chain_prefix(prefix, sizeof(prefix), run_dir, project);
	remember_applied(prefix, NULL);
	if (removal_of(&batch, prefix, "ip") && removal_of(&batch, prefix, "ip6")) {
		/* usually nothing: removing the last network took them */
		if (batch)
			net_nft_apply(batch, &e2);
		return;
	}
	free(batch);
	batch = net_nft_delete_batch(prefix);
	if (net_nft_has_v6(prefix)) {
		_cleanup_free_ char *del = net_nft_delete_batch_of(prefix, "ip6");
		char *both = lxr_xasprintf("%s%s", batch, del);
		free(batch);
		batch = both;
	}
	if (net_nft_apply(batch, &e2) == 0)
		net_nft_drop_empty_table();
}
