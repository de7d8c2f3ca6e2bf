/* Reading nf_tables over netlink: the ruleset generation, the chains of
 * lxr's tables, and whether the host's iptables FORWARD chain is there.
 * Asking the kernel directly costs microseconds where an `nft list` is a
 * new process and a listing of the whole ruleset (5-20 ms each); lxr
 * still writes its rules with `nft -f`, one atomic batch. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include "net/net_internal.h"

#define NFT_TYPE(msg) ((NFNL_SUBSYS_NFTABLES << 8) | (msg))

/* One request to nf_tables: the nfgenmsg header for family, and up to two
 * string attributes (attr 0: none); each message of the answer goes to fn. */
struct nfnl_attrs {
	uint16_t attr, attr2;
	const char *value, *value2;
};

static int nfnl_call(uint8_t msg, uint16_t flags, uint8_t family, struct nfnl_attrs a, net_nl_fn fn,
		     void *ctx)
{
	struct nfgenmsg g = {.nfgen_family = family, .version = NFNETLINK_V0};
	struct net_nl sk = {.fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER)};
	struct net_nl_req q;
	int r;

	if (sk.fd < 0)
		return -errno;
	net_nl_req_init(&q, NFT_TYPE(msg), flags, &g, sizeof(g));
	if (a.attr)
		net_nl_attr_str(&q, a.attr, a.value);
	if (a.attr2)
		net_nl_attr_str(&q, a.attr2, a.value2);
	r = net_nl_call(&sk, &q, fn, ctx);
	close(sk.fd);
	return r;
}

/* tb[type] = the attributes of an nf_tables message of type msg; false
 * for any other message */
static bool nft_attrs(const struct nlmsghdr *nh, uint8_t msg, const struct rtattr **tb, int max)
{
	size_t hdr = NLMSG_LENGTH(sizeof(struct nfgenmsg));

	if (nh->nlmsg_type != NFT_TYPE(msg) || nh->nlmsg_len < hdr)
		return false;
	net_nl_attrs((const struct rtattr *)((const char *)nh + NLMSG_ALIGN(hdr)),
		     nh->nlmsg_len - NLMSG_ALIGN(hdr), tb, max);
	return true;
}

static int gen_of(const struct nlmsghdr *nh, void *ctx)
{
	const struct rtattr *tb[NFTA_GEN_MAX + 1];
	uint32_t v;

	if (nft_attrs(nh, NFT_MSG_NEWGEN, tb, NFTA_GEN_MAX) && tb[NFTA_GEN_ID] &&
	    RTA_PAYLOAD(tb[NFTA_GEN_ID]) == sizeof(v)) {
		memcpy(&v, RTA_DATA(tb[NFTA_GEN_ID]), sizeof(v));
		*(uint32_t *)ctx = ntohl(v);
	}
	return 0;
}

uint32_t net_nft_gen(void)
{
	uint32_t gen = 0;

	if (nfnl_call(NFT_MSG_GETGEN, 0, AF_UNSPEC, (struct nfnl_attrs){0}, gen_of, &gen) < 0)
		return 0;
	return gen;
}

static int chain_of(const struct nlmsghdr *nh, void *ctx)
{
	const struct rtattr *tb[NFTA_CHAIN_MAX + 1];
	const char *table, *name;
	char ***names = ctx;

	if (nft_attrs(nh, NFT_MSG_NEWCHAIN, tb, NFTA_CHAIN_MAX) &&
	    (table = net_nl_str(tb[NFTA_CHAIN_TABLE])) && !strcmp(table, "lxr") &&
	    (name = net_nl_str(tb[NFTA_CHAIN_NAME])))
		lxr_strv_push(names, lxr_xstrdup(name));
	return 0;
}

int net_nft_has_chain(const char *family, const char *table, const char *chain)
{
	uint8_t fam = strcmp(family, "ip6") ? NFPROTO_IPV4 : NFPROTO_IPV6;
	/* the one chain, asked by name (not a dump, which a ruleset changing
	 * meanwhile could make skip it): there, or ENOENT */
	int r = nfnl_call(NFT_MSG_GETCHAIN, 0, fam,
			  (struct nfnl_attrs){NFTA_CHAIN_TABLE, NFTA_CHAIN_NAME, table, chain},
			  NULL, NULL);

	return r == 0 ? 1 : r == -ENOENT ? 0 : -1;
}

int net_nft_lxr_chains(const char *family, bool *exists, char ***names)
{
	uint8_t fam = strcmp(family, "ip6") ? NFPROTO_IPV4 : NFPROTO_IPV6;
	char **v = lxr_xcalloc(1, sizeof(char *));
	int r = nfnl_call(NFT_MSG_GETTABLE, 0, fam,
			  (struct nfnl_attrs){.attr = NFTA_TABLE_NAME, .value = "lxr"}, NULL, NULL);

	*names = NULL;
	*exists = r == 0;
	if (r == -ENOENT)
		r = 0;
	else if (r == 0)
		r = nfnl_call(NFT_MSG_GETCHAIN, NLM_F_DUMP, fam, (struct nfnl_attrs){0}, chain_of,
			      &v);
	if (r < 0)
		return lxr_strv_free(v), -1;
	*names = v;
	return 0;
}
