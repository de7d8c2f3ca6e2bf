/* lxr's accepts in the host's iptables (and ip6tables) FORWARD chain. The
 * same three rules go into both families' chains where they exist; what
 * follows says it of IPv4's. nftables runs every
 * base chain on a hook and an accept ends only its own chain, so where the
 * host's `table ip filter` chain FORWARD drops (docker sets policy drop; ufw
 * too), an accept in lxr's table does not get a container's packet through.
 * lxr then adds three accepts for its bridges there, marked with the comment
 * "lxr", and takes them out when the host's last lxr bridge goes. A drop in
 * any base chain is final, so lxr's own isolation between networks (its
 * -fwd chains) still holds over these accepts.
 *
 * That table belongs to iptables-nft, which refuses a chain holding rules it
 * cannot read (native `ct` expressions among them): the rules are written
 * with iptables-nft itself when it is installed, so docker's and the admin's
 * iptables keep working; with nft's own syntax only where no iptables-nft
 * is there to read them. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net/net_internal.h"

#define MARK_IPT " --comment lxr"
#define MARK_NFT "comment \"lxr\""
#define N_RULES  3

/* In the order they end up in the chain. The first also carries traffic
 * between two containers on one bridge where br_netfilter passes bridged
 * packets through the IP hooks: they arrive and leave on the bridge. */
static const char *const ipt_rules[N_RULES] = {
    "-i lxr-+ -m comment --comment lxr -j ACCEPT",
    "-o lxr-+ -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment lxr -j ACCEPT",
    "-o lxr-+ -m conntrack --ctstate DNAT -m comment --comment lxr -j ACCEPT",
};
static const char *const nft_rules[N_RULES] = {
    "iifname \"lxr-*\" accept comment \"lxr\"",
    "oifname \"lxr-*\" ct state established,related accept comment \"lxr\"",
    "oifname \"lxr-*\" ct status dnat accept comment \"lxr\"",
};

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && !strcmp(s + n - t, tail);
}

/* lxr's rules in a listing: for iptables -S the rule after "-A FORWARD ",
 * for nft -a the rule before " # handle N" (the handle into *handles). */
static char **marked_rules(const char *listing, bool nft, char ***handles)
{
	_cleanup_free_ char *copy = lxr_xstrdup(listing);
	char **found = NULL, *save = NULL;

	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		l += strspn(l, " \t");
		if (!nft) {
			if (!lxr_str_has_prefix(l, "-A FORWARD ") ||
			    (!strstr(l, MARK_IPT " ") && !ends_with(l, MARK_IPT)))
				continue;
			lxr_strv_push(&found, lxr_xstrdup(l + strlen("-A FORWARD ")));
			continue;
		}
		char *h = strstr(l, " # handle ");
		if (!h || !strstr(l, MARK_NFT))
			continue;
		lxr_strv_push(handles, lxr_xstrdup(h + strlen(" # handle ")));
		*h = '\0';
		lxr_strv_push(&found, lxr_xstrdup(l));
	}
	return found;
}

/* Exactly the wanted rules, each once, in any order. */
static bool same_set(char *const *have, const char *const want[N_RULES])
{
	if (lxr_strv_len(have) != N_RULES)
		return false;
	for (size_t i = 0; i < N_RULES; i++) {
		size_t seen = 0;
		for (size_t j = 0; have[j]; j++)
			seen += !strcmp(have[j], want[i]);
		if (seen != 1)
			return false;
	}
	return true;
}

/* The tools and the nft family of one IP family. */
struct fam {
	const char *nft, *ipt, *restore;
};
static const struct fam fams[] = {
    {"ip", "iptables-nft", "iptables-nft-restore"},
    {"ip6", "ip6tables-nft", "ip6tables-nft-restore"},
};

static char *plan(const char *listing, bool want, bool nft, const char *fam)
{
	_cleanup_strv_ char **handles = NULL;
	_cleanup_strv_ char **have = marked_rules(listing, nft, &handles);
	const char *const *rules = nft ? nft_rules : ipt_rules;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (want ? same_set(have, rules) : !have)
		return NULL;
	f = open_memstream(&buf, &len);
	if (!f)
		abort();
	if (!nft)
		fputs("*filter\n", f);
	/* a set that is not exactly lxr's (an older lxr's, a half-deleted
	 * one) is replaced whole, in the same transaction */
	for (size_t i = 0; have && have[i]; i++) {
		if (nft)
			fprintf(f, "delete rule %s filter FORWARD handle %s\n", fam, handles[i]);
		else
			fprintf(f, "-D FORWARD %s\n", have[i]);
	}
	/* at the top, before rules that end in a reject; each insert goes
	 * first, so the last rule is inserted first */
	for (size_t i = N_RULES; want && i-- > 0;) {
		if (nft)
			fprintf(f, "insert rule %s filter FORWARD %s\n", fam, rules[i]);
		else
			fprintf(f, "-I FORWARD 1 %s\n", rules[i]);
	}
	if (!nft)
		fputs("COMMIT\n", f);
	fclose(f);
	return buf;
}

char *net_hostfw_ipt_plan(const char *listing, bool want)
{
	return plan(listing, want, false, "ip");
}

char *net_hostfw_nft_plan(const char *listing, bool want)
{
	return plan(listing, want, true, "ip");
}

char *net_hostfw_nft6_plan(const char *listing, bool want)
{
	return plan(listing, want, true, "ip6");
}

/* iptables-nft's FORWARD chain, or why it cannot be read: 0 read; 1 no
 * iptables-nft here, or the chain holds rules it cannot read (nft's own
 * syntax is then the way); -1 another failure. */
static int ipt_list(const struct fam *fm, char **out, lxr_err *err)
{
	char *argv[] = {(char *)fm->ipt, "-S", "FORWARD", "-w", NULL};

	if (net_run_tool(argv, "", out, err) == 0)
		return 0;
	if (err->errnum == ENOENT || strstr(err->msg, "incompatible"))
		return 1;
	return -1;
}

static int ipt_apply(const struct fam *fm, const char *listing, bool want, lxr_err *err)
{
	char *argv[] = {(char *)fm->restore, "--noflush", "-w", NULL};
	_cleanup_free_ char *batch = net_hostfw_ipt_plan(listing, want);

	if (!batch)
		return 0;
	lxr_debug("%s --noflush:\n%s", fm->restore, batch);
	if (net_run_tool(argv, batch, NULL, err) < 0)
		return -1;
	net_nft_count_commit();
	return 0;
}

/* want: make lxr's rules exactly present, else absent. 1: they are in
 * place; 0: there is no `ip filter FORWARD` (nothing to do) or they are
 * gone; -1: failed. */
static int hostfw_set(const struct fam *fm, bool want, lxr_err *err)
{
	char *list[] = {"nft", "-a", "list", "chain", (char *)fm->nft, "filter", "FORWARD", NULL};
	_cleanup_free_ char *nout = NULL, *iout = NULL, *batch = NULL;
	lxr_err none;
	int r;

	/* no such chain (a host without docker, ufw or iptables rules): the
	 * kernel says so over netlink, without an nft run */
	if (net_nft_has_chain(fm->nft, "filter", "FORWARD") == 0)
		return 0;
	/* nft, not iptables, asks: iptables-nft would create the table */
	if (net_run_tool(list, "", &nout, &none) < 0)
		return 0;
	r = ipt_list(fm, &iout, err);
	if (r < 0)
		return -1;
	if (r == 0)
		return ipt_apply(fm, iout, want, err) < 0 ? -1 : want;
	batch = plan(nout, want, true, fm->nft);
	if (batch && net_nft_apply(batch, err) < 0)
		return -1;
	/* with lxr's nft-written rules gone, iptables-nft may read the chain
	 * again and find rules an iptables-nft installed since then wrote */
	free(iout);
	iout = NULL;
	if (!want && batch && ipt_list(fm, &iout, &none) == 0 &&
	    ipt_apply(fm, iout, false, err) < 0)
		return -1;
	return want;
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while (p) {
		if (!strncmp(p, line, n) && (p[n] == '\n' || p[n] == '\0'))
			return true;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return false;
}

/* Legacy iptables (x_tables) is another set of hooks nftables cannot
 * accept past. lxr does not write there: one host, one firewall backend
 * (Debian's default is iptables-nft); it says what to do instead. The
 * filter table shows in /proc/net/ip_tables_names only once something
 * used it in this namespace, so asking iptables-legacy creates nothing. */
static void legacy_check(void)
{
	static bool warned;
	char *argv[] = {"iptables-legacy", "-S", "FORWARD", NULL};
	_cleanup_free_ char *out = NULL, *names = NULL;
	size_t len = 0;
	FILE *f;
	lxr_err err;
	bool drops;

	if (warned || !(f = fopen("/proc/net/ip_tables_names", "re")))
		return;
	if (getdelim(&names, &len, '\0', f) < 0) {
		fclose(f);
		return;
	}
	fclose(f);
	if (!has_line(names, "filter"))
		return;
	if (net_run_tool(argv, "", &out, &err) == 0 && !has_line(out, "-P FORWARD DROP"))
		return;
	drops = out && has_line(out, "-P FORWARD DROP");
	warned = true;
	lxr_warn("legacy iptables has a filter table here%s: lxr adds its forwarding rules only "
		 "through nftables, and a drop there is final; if it drops lxr's traffic, run "
		 "iptables-legacy -I FORWARD -i 'lxr-+' -j ACCEPT; iptables-legacy -I FORWARD -o "
		 "'lxr-+' -m conntrack --ctstate RELATED,ESTABLISHED,DNAT -j ACCEPT (or move the "
		 "host to iptables-nft: update-alternatives --set iptables /usr/sbin/iptables-nft)",
		 drops ? " and its FORWARD policy is DROP" : "");
}

/* Set once this process made sure of the rules, cleared when it removed
 * them: a process checks at each new network, not at every container
 * start (a chain that appeared since, or a firewall reload that took the
 * rules, is mended then). */
static bool allowed;

void net_hostfw_allow(const char *run_dir, bool again)
{
	lxr_err err;
	char buf[LXR_ERR_MSG_MAX + 64], skip[64] = "";
	uint32_t before;
	unsigned commits;
	bool clean = true, chains = false;
	int r;

	if (allowed && !again)
		return;
	allowed = true;
	/* nothing in the ruleset changed since lxr last found it right (and
	 * had nothing to warn about): three `nft` runs fewer */
	if (net_stamp_holds(run_dir, "hostfw", "set") ||
	    net_stamp_holds(run_dir, "hostfw", "none")) {
		legacy_check();
		return;
	}
	before = net_nft_gen();
	commits = net_nft_commits();
	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		r = hostfw_set(&fams[i], true, &err);
		clean &= r >= 0;
		chains |= r > 0;
		if (r < 0)
			lxr_warn("could not allow forwarding for lxr's bridges in the host's %s "
				 "filter FORWARD chain: %s; containers may not reach each other or "
				 "other hosts",
				 fams[i].nft, lxr_err_str(&err, buf, sizeof(buf)));
		if (r > 0)
			snprintf(skip + strlen(skip), sizeof(skip) - strlen(skip),
				 "%s%s filter FORWARD", skip[0] ? "|" : "", fams[i].nft);
	}
	if (net_nft_check_forward(skip[0] ? skip : NULL) == 0 && clean)
		net_stamp_note(run_dir, "hostfw", chains ? "set" : "none", before, commits);
	legacy_check();
}

void net_hostfw_release(const char *run_dir)
{
	lxr_err err;
	char buf[LXR_ERR_MSG_MAX + 64];

	/* one set of rules for every lxr bridge of every run dir */
	if (net_any_lxr_bridge())
		return;
	allowed = false;
	/* no FORWARD chain when lxr last looked, and no commit since: no
	 * chain now, so nothing of lxr's in one (two `nft` runs fewer) */
	if (net_stamp_holds(run_dir, "hostfw", "none"))
		return;
	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++)
		if (hostfw_set(&fams[i], false, &err) < 0)
			lxr_warn("could not remove lxr's rules from the host's %s filter FORWARD "
				 "chain: %s; they are the ones with the comment \"lxr\"",
				 fams[i].nft, lxr_err_str(&err, buf, sizeof(buf)));
}
