/* Reading nf_tables over netlink: the ruleset generation, and the chains
 * of lxr's tables. Asking the kernel directly costs microseconds where an
 * `nft list` is a fork, an exec and a listing of the whole ruleset (5-20
 * ms each); lxr still writes its rules with `nft -f`, one atomic batch. */
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

#include "net/internal.h"

#define NFT_TYPE(msg) ((NFNL_SUBSYS_NFTABLES << 8) | (msg))

static int nfnl_open(void)
{
	return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
}

/* One request: the nfgenmsg header for family, and one string attribute
 * (attr 0: none). */
static int nfnl_send(int fd, uint16_t type, uint16_t flags, uint8_t family, uint16_t attr,
		     const char *value)
{
	char buf[256] __attribute__((aligned(NLMSG_ALIGNTO))) = {0};
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct nfgenmsg *g = NLMSG_DATA(nh);
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	size_t len = NLMSG_LENGTH(sizeof(*g));

	nh->nlmsg_type = type;
	nh->nlmsg_flags = NLM_F_REQUEST | flags;
	nh->nlmsg_seq = 1;
	g->nfgen_family = family;
	g->version = NFNETLINK_V0;
	if (attr) {
		struct nlattr *a = (struct nlattr *)(buf + NLMSG_ALIGN(len));
		size_t vlen = strlen(value) + 1;
		a->nla_type = attr;
		a->nla_len = (uint16_t)(NLA_HDRLEN + vlen);
		memcpy((char *)a + NLA_HDRLEN, value, vlen);
		len = NLMSG_ALIGN(len) + NLA_ALIGN(a->nla_len);
	}
	nh->nlmsg_len = (uint32_t)len;
	return sendto(fd, buf, len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0 ? -1 : 0;
}

/* Calls each(nh, attrs, ctx) for every attribute of every reply message
 * of type want, until NLMSG_DONE or one reply for a request without
 * NLM_F_DUMP. 0, or -errno (from the kernel's NLMSG_ERROR too). */
typedef void (*attr_fn)(const struct nlattr *a, void *ctx);
static int nfnl_recv(int fd, uint16_t want, bool dump, attr_fn each, void *ctx)
{
	char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			size_t off = NLMSG_LENGTH(sizeof(struct nfgenmsg));
			if (nh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nh);
				return e->error;
			}
			if (nh->nlmsg_type != want)
				continue;
			while (off + NLA_HDRLEN <= nh->nlmsg_len) {
				const struct nlattr *a = (const struct nlattr *)((char *)nh + off);
				if (a->nla_len < NLA_HDRLEN || off + a->nla_len > nh->nlmsg_len)
					break;
				each(a, ctx);
				off += NLA_ALIGN(a->nla_len);
			}
			if (!dump)
				return 0;
		}
	}
}

static void gen_attr(const struct nlattr *a, void *ctx)
{
	uint32_t v;

	if ((a->nla_type & NLA_TYPE_MASK) != NFTA_GEN_ID || a->nla_len < NLA_HDRLEN + sizeof(v))
		return;
	memcpy(&v, (const char *)a + NLA_HDRLEN, sizeof(v));
	*(uint32_t *)ctx = ntohl(v);
}

uint32_t net_nft_gen(void)
{
	uint32_t gen = 0;
	int fd = nfnl_open();

	if (fd < 0)
		return 0;
	if (nfnl_send(fd, NFT_TYPE(NFT_MSG_GETGEN), 0, AF_UNSPEC, 0, NULL) < 0 ||
	    nfnl_recv(fd, NFT_TYPE(NFT_MSG_NEWGEN), false, gen_attr, &gen) < 0)
		gen = 0;
	close(fd);
	return gen;
}

struct chain_walk {
	char table[64], name[64];
	char **names;
};

static void chain_attr(const struct nlattr *a, void *ctx)
{
	struct chain_walk *w = ctx;
	int t = a->nla_type & NLA_TYPE_MASK;
	const char *v = (const char *)a + NLA_HDRLEN;
	int len = (int)(a->nla_len - NLA_HDRLEN);

	if (t == NFTA_CHAIN_TABLE)
		snprintf(w->table, sizeof(w->table), "%.*s", len, v);
	else if (t == NFTA_CHAIN_NAME)
		snprintf(w->name, sizeof(w->name), "%.*s", len, v);
	/* the table and name come before the others (NFTA_CHAIN_HANDLE...),
	 * so a message's pair is complete once both are set */
	if (w->table[0] && w->name[0]) {
		if (!strcmp(w->table, "lxr"))
			lxr_strv_push(&w->names, lxr_xstrdup(w->name));
		w->table[0] = w->name[0] = '\0';
	}
}

static void no_attr(const struct nlattr *a, void *ctx)
{
	(void)a;
	(void)ctx;
}

int net_nft_lxr_chains(const char *family, bool *exists, char ***names)
{
	uint8_t fam = strcmp(family, "ip6") ? NFPROTO_IPV4 : NFPROTO_IPV6;
	struct chain_walk w = {.names = lxr_xcalloc(1, sizeof(char *))};
	int fd = nfnl_open(), r;

	*names = NULL;
	if (fd < 0)
		return lxr_strv_free(w.names), -1;
	r = nfnl_send(fd, NFT_TYPE(NFT_MSG_GETTABLE), 0, fam, NFTA_TABLE_NAME, "lxr");
	if (r == 0)
		r = nfnl_recv(fd, NFT_TYPE(NFT_MSG_NEWTABLE), false, no_attr, NULL);
	*exists = r == 0;
	if (r == -ENOENT)
		r = 0;
	else if (r == 0 &&
		 (r = nfnl_send(fd, NFT_TYPE(NFT_MSG_GETCHAIN), NLM_F_DUMP, fam, 0, NULL)) == 0)
		r = nfnl_recv(fd, NFT_TYPE(NFT_MSG_NEWCHAIN), true, chain_attr, &w);
	close(fd);
	if (r < 0)
		return lxr_strv_free(w.names), -1;
	*names = w.names;
	return 0;
}
