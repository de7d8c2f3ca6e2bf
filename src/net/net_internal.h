/* Seams inside the net layer: records on disk, the nft batch generator and
 * its executor, netlink operations, and the persistent network namespaces. */
#ifndef LXR_NET_INTERNAL_H
#define LXR_NET_INTERNAL_H

#include <net/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "lxr/net.h"

/* ---- records (records.c; their text: record_text.c) ---------------------------
 * <run_dir>/<project>/.net/networks/<name>    one network
 * <run_dir>/<project>/.net/leases/<name>      its lease file
 * <run_dir>/<project>/.net/endpoints/<ctr>    one endpoint
 * <run_dir>/<project>/.net/netns/<ctr>        its namespace (a mount point)
 * <run_dir>/<project>/.net/etc/<ctr>.hosts|.resolv
 * The leading dot keeps them apart from container directories, whose names
 * start with a letter or digit. */
struct net_rec {
	char *name;
	char bridge[IFNAMSIZ];
	struct lxr_subnet subnet;
	uint32_t gateway;
	struct lxr_subnet6 subnet6; /* prefix 0: no IPv6 */
	struct lxr_ip6 gateway6;
	bool internal, ephemeral;
	int mtu;
	/* Compose's ip_range of each family (NULL: the whole subnet) and
	 * aux_addresses (NULL-terminated, or NULL): net_ipam_limit's */
	char *ip_range, *ip_range6;
	char **aux;
	char altname[IFNAMSIZ]; /* lxr_net_config's bridge_name; "": none */
	/* lxr_net_config's no_icc (its veths are isolated bridge ports),
	 * no_masquerade and host_binding (0: every host address) */
	bool no_icc, no_masquerade;
	bool unprotected, unprotected6; /* lxr_net_config's */
	uint32_t host_binding;
	/* lxr_net_config's driver ("": bridge), parent (a host interface;
	 * "": the dummy link lxr made, named in bridge), mode and flag */
	char driver[8], parent[IFNAMSIZ], mode[9], flag[8];
};
/* A bridge network, not a macvlan or ipvlan one (no bridge, no rules). */
static inline bool net_rec_bridged(const struct net_rec *r)
{
	return !r->driver[0];
}

struct ep_rec {
	char *container, *network, *owner;
	char veth[IFNAMSIZ]; /* its host end; "": a macvlan or ipvlan, born inside */
	uint32_t ip;
	bool has_ip6;
	struct lxr_ip6 ip6;
	bool has_mac; /* mac_address given */
	int gw;       /* lxr_endpoint_config's */
	unsigned char mac[6];
	struct lxr_port *ports;
	size_t n_ports;
	char **names;
	bool peer_names;
	/* extra_hosts ("NAME IP", host-gateway resolved), and the resolver's
	 * nameservers, search domains and options when the service sets them */
	char **extra, **dns, **dns_search, **dns_opt;
	/* a container's second (third...) network: the endpoint of its first
	 * network (record name), whose namespace it joins as ifname */
	char *joins;
	char ifname[IFNAMSIZ];
	int holder;                      /* pid of the process that removes it, 0: none */
	unsigned long long holder_start; /* its start time (/proc/PID/stat), against PID reuse */
	/* the project whose network it is on when not its own (a network
	 * shared by projects lives in NET_SHARED, "_net"); NULL: its own */
	char *netproj;
	char *project; /* the project it belongs to (not in the record) */
	/* link_local_ips, for the new endpoint's wiring (not in the record:
	 * an endpoint kept whole keeps its namespace and them) */
	char **link_local;
};

char *net_proj_dir(const char *run_dir, const char *project, const char *sub);
/* The IPv6 lease file of a network: "<name>+6" ('+' is in no network name). */
char *net_lease6_name(const char *network);
char *net_rec_text(const struct net_rec *r);
int net_rec_parse(const char *text, struct net_rec *r, lxr_err *err);
void net_rec_free(struct net_rec *r);
char *net_ep_text(const struct ep_rec *e);
int net_ep_parse(const char *text, struct ep_rec *e, lxr_err *err);
void net_ep_free(struct ep_rec *e);
/* Load every record of one kind in a project (names sorted). ENOENT-free:
 * a missing directory is an empty list. */
int net_rec_load(const char *run_dir, const char *project, const char *name, struct net_rec *r,
		 lxr_err *err);
int net_recs_load(const char *run_dir, const char *project, struct net_rec **out, size_t *n,
		  lxr_err *err);
int net_eps_load(const char *run_dir, const char *project, struct ep_rec **out, size_t *n,
		 lxr_err *err);
void net_recs_free(struct net_rec *recs, size_t n);
void net_eps_free(struct ep_rec *eps, size_t n);
/* Every endpoint of every project in run_dir (each with its project). */
int net_all_eps_load(const char *run_dir, struct ep_rec **out, size_t *n);
/* The project whose records hold the network e is on. */
const char *net_ep_home(const struct ep_rec *e);
/* Every one of ports (an endpoint's) free to publish: no program on the
 * host listens there, no endpoint of the run dir publishes it; a host port
 * 0 is picked now, and a host range longer than the container's searched
 * for its first free block, into ports (ports.c). */
int net_ports_free(const char *run_dir, struct lxr_port *ports, size_t n, lxr_err *err);
/* ports (an endpoint's) as published on net: those without a host address
 * on its host_binding_ipv4 (none: every address); one on an IPv6 address
 * needs net to have IPv6 (ports.c). */
int net_ports_on(const struct net_rec *net, struct lxr_port *ports, size_t n, lxr_err *err);
/* hosts_files.c: the containers' /etc/hosts files. */
/* Rewrite path in place (a bind-mounted file keeps its inode). */
int net_write_in_place(const char *path, const char *text, lxr_err *err);
char *net_etc_path(const char *run_dir, const char *project, const char *ctr, const char *ext);
/* The container an endpoint belongs to: itself, or the one it joins. */
const char *net_ep_group(const struct ep_rec *e);
bool net_ep_on(const struct ep_rec *e, const char *home, const char *network);
/* Every file of a container on network (home: the project holding it). */
void net_hosts_rewrite(const char *run_dir, const char *home, const char *network);
/* The file of e's own container only. */
void net_hosts_write_own(const char *run_dir, const struct ep_rec *e);
/* File names in one record directory (sorted, NULL-terminated). */
char **net_rec_names(const char *run_dir, const char *project, const char *kind);
int net_rec_save(const char *run_dir, const char *project, const char *kind, const char *name,
		 const char *text, lxr_err *err);
int net_rec_remove(const char *run_dir, const char *project, const char *kind, const char *name,
		   lxr_err *err);
/* Every project directory under run_dir that has a .net (for subnets in use). */
char **net_projects(const char *run_dir);
/* <run_dir>/.net.lock, exclusive; returns the fd (close to unlock). */
int net_lock(const char *run_dir, lxr_err *err);

/* ---- names (names.c) ------------------------------------------------------- */
/* "lxr-" + 8 hex of hash(key, salt) for bridges, "lxr" + 8 hex for veths:
 * within IFNAMSIZ, stable for the same key. The salt moves past a
 * collision. */
void net_link_name(char *buf, const char *prefix, const char *key, unsigned salt);
/* The alias lxr gives each link it makes, "lxr:PROJECT/OWNER": whose it is. */
char *net_link_alias(const char *project, const char *name);
/* The MAC address a link lxr makes is born with: locally administered,
 * derived from its name. The kernel takes IFLA_ADDRESS in the request that
 * creates a link but ignores IFLA_IFALIAS there, so until the alias is set
 * in a second request this mark is what says the link is lxr's. */
void net_link_mark(unsigned char mac[6], const char *name);
/* nft chain prefix for one project in one run dir. */
void net_chain_prefix(char *buf, size_t len, const char *run_dir, const char *project);

/* ---- nft (nft.c) --------------------------------------------------------------- */
struct nft_net {
	const char *bridge;
	struct lxr_subnet subnet;
	uint32_t gateway;
	bool internal;
	struct lxr_subnet6 subnet6; /* prefix 0: no IPv6 */
	struct lxr_ip6 gateway6;
	bool no_icc, no_masquerade; /* net_rec's */
	bool unprotected, unprotected6;
};
struct nft_map {
	const char *bridge;
	uint32_t ctr_ip;
	struct lxr_port port;
	const struct lxr_ip6 *ctr_ip6; /* NULL: the container has no IPv6 */
};
/* The whole of one project's rules as one batch: its chains are created if
 * missing, flushed, and refilled, so applying it is idempotent and atomic.
 * IPv4 rules live in `table ip lxr`; where a network has IPv6, its rules
 * live in `table ip6 lxr`, with chains of the same names. */
char *net_nft_batch(const char *prefix, const struct nft_net *nets, size_t n,
		    const struct nft_map *maps, size_t nmaps);
/* Remove one project's chains (each created first, so missing is fine):
 * family "ip" or "ip6". */
char *net_nft_delete_batch_of(const char *prefix, const char *family);
char *net_nft_delete_batch(const char *prefix);
/* Does `table ip6 lxr` hold chains of prefix? (`nft list table`) */
bool net_nft_has_v6(const char *prefix);
/* Given `nft list chains`: is there a forward hook with policy drop outside
 * lxr's tables, other than those in skip ("ip filter FORWARD|ip6 filter
 * FORWARD": where lxr's accepts are)? *where names it ("ip filter
 * FORWARD"). */
bool net_nft_forward_drops(const char *chains, const char *skip, char **where);
int net_nft_apply(const char *batch, lxr_err *err);
/* Drop `table ip lxr` and `table ip6 lxr` if no chain is left in them. */
void net_nft_drop_empty_table(void);
/* Warn (once per process) about a forward hook that drops, but skip. */
int net_nft_check_forward(const char *skip);
/* Run argv[0] (from PATH) with in on stdin, stdout into *out (if out); fails
 * with its stderr as the message, ENOENT when it is not installed. */
int net_run_tool(char *const argv[], const char *in, char **out, lxr_err *err);

/* ---- nf_tables over netlink (nftnl.c) -----------------------------------------
 * nf_tables' generation counts every commit in the netns (0: unreadable). */
uint32_t net_nft_gen(void);
/* The chains of `table FAMILY lxr` ("ip", "ip6"); *exists says whether
 * the table is there. -1 when netlink could not tell (use nft). */
int net_nft_lxr_chains(const char *family, bool *exists, char ***names);
/* Has `table FAMILY TABLE` ("ip", "ip6") a chain CHAIN? 1 or 0; -1 when
 * netlink could not tell (ask nft). */
int net_nft_has_chain(const char *family, const char *table, const char *chain);

/* ---- the ruleset generation note (nftstamp.c) -------------------------------
 * lxr notes, in the run dir, the generation after what it applied or
 * checked; while the kernel's is still that one, the noted lines hold
 * without running nft. */
/* Count one successful commit of this process (an nft or iptables batch) */
void net_nft_count_commit(void);
unsigned net_nft_commits(void);
/* Does the note hold now and have the line "key value" (value NULL: "key")? */
bool net_stamp_holds(const char *run_dir, const char *key, const char *value);
/* Note "key value" as true now. before, commits_before: the generation
 * and net_nft_commits() read before the work that made it true; the other
 * lines are kept only if no commit but this process's came in between. */
void net_stamp_note(const char *run_dir, const char *key, const char *value, uint32_t before,
		    unsigned commits_before);

/* ---- the host's iptables FORWARD chains (hostfw.c) ------------------------------
 * Where `table ip filter` chain FORWARD exists (iptables-nft; docker and ufw
 * set its policy to drop), and likewise `table ip6 filter` (ip6tables-nft;
 * docker with IPv6), lxr's bridges need accepts there: from them,
 * established/related back in, DNAT'd (published ports) in. Each carries
 * the comment "lxr". Given a listing of the chain (`iptables -S FORWARD`, or
 * `nft -a list chain ip filter FORWARD`), the batch (iptables-restore
 * --noflush input, or nft's) that leaves exactly lxr's rules (want) or none
 * of them; NULL when the chain is that already. */
char *net_hostfw_ipt_plan(const char *listing, bool want);
char *net_hostfw_nft_plan(const char *listing, bool want);
/* The same for `ip6 filter FORWARD` (the iptables form is the same). */
char *net_hostfw_nft6_plan(const char *listing, bool want);
/* Make sure the rules are there if the chain exists: once per process
 * (again after a release), or again when asked (a new network), unless the
 * run dir's generation note says they were checked and no commit came
 * since; warn about drops lxr does not lift (another table's forward hook,
 * legacy iptables). Failures are warnings. */
void net_hostfw_allow(const char *run_dir, bool again);
/* When no lxr bridge is left on the host (any run dir): remove the rules
 * (nothing to do when run_dir's generation note says there is no chain). */
void net_hostfw_release(const char *run_dir);

/* ---- rtnetlink requests (rtnl.c) -------------------------------------------- */
struct net_nl {
	int fd;
	uint32_t seq;
};
int net_nl_open(struct net_nl **sk, lxr_err *err);
void net_nl_close(struct net_nl *sk);
/* One request: the netlink header, the family header (ifinfomsg, ifaddrmsg,
 * rtmsg...) and attributes. overflow: an attribute did not fit, and the
 * request fails with EMSGSIZE instead of going out cut. */
struct net_nl_req {
	union {
		struct nlmsghdr nh;
		char buf[1024];
	};
	bool overflow;
};
void net_nl_req_init(struct net_nl_req *q, uint16_t type, uint16_t flags, const void *hdr,
		     size_t len);
/* The attribute added (NULL on overflow); a nest is an attribute begun
 * with no data, closed by net_nl_nest_end once its members are in. */
struct rtattr *net_nl_attr(struct net_nl_req *q, uint16_t type, const void *data, size_t len);
struct rtattr *net_nl_attr_str(struct net_nl_req *q, uint16_t type, const char *s);
struct rtattr *net_nl_attr_u32(struct net_nl_req *q, uint16_t type, uint32_t v);
#define net_nl_nest(q, type) net_nl_attr(q, type, NULL, 0)
void net_nl_nest_end(struct net_nl_req *q, struct rtattr *nest);
/* tb[type] = the last attribute of that type among len bytes from a */
void net_nl_attrs(const struct rtattr *a, size_t len, const struct rtattr **tb, int max);
/* a string attribute's text, NULL when absent or not terminated */
const char *net_nl_str(const struct rtattr *a);
/* fail with a -errno that a netlink call returned */
#define net_nl_fail(err, r, ...) (lxr_fail(err, -(r), __VA_ARGS__))
typedef int (*net_nl_fn)(const struct nlmsghdr *nh, void *ctx);
int net_nl_call(struct net_nl *sk, struct net_nl_req *q, net_nl_fn fn, void *ctx);

/* ---- links, addresses and routes (link.c) ------------------------------------ */
/* What lxr reads of a link. */
struct net_link_info {
	int index;
	unsigned mtu;
	char name[IFNAMSIZ];
	char alias[256];
	unsigned char mac[6];
	bool has_mac;
	char kind[16]; /* "bridge", "veth"...; empty when the kernel says none */
};

/* An RTM_NEWLINK message into ctx (a struct net_link_info); any other
 * message leaves it alone. */
int net_link_parse(const struct nlmsghdr *nh, void *ctx);
/* The link of that name (or index, when name is NULL): 0, or -ENODEV. */
int net_link_get(struct net_nl *sk, const char *name, int index, struct net_link_info *li);
/* Alias every lxr link carries: "lxr:<key>". A link with another alias, or
 * none and not net_link_mark's address, is not lxr's and is never changed. */
int net_link_owner(struct net_nl *sk, const char *name, char *alias, size_t len);
/* 0: no link of that name; 1: lxr's with this alias, or born lxr's and
 * killed before its alias was set; -1: another's (its alias in have). */
int net_link_check(struct net_nl *sk, const char *name, const char *alias, char *have, size_t len);
int net_bridge_make(struct net_nl *sk, const char *name, const char *alias, uint32_t gw, int prefix,
		    int mtu, lxr_err *err);
/* VLAN vid of the link whose index is lower, as name (docker's parent
 * eth0.50 that does not exist yet), up, with lxr's alias. */
int net_vlan_make(struct net_nl *sk, const char *name, const char *lower_name, int lower,
		  unsigned vid, const char *alias, lxr_err *err);
/* A macvlan or ipvlan network's parent when none is named, as docker's: a
 * dummy link (nothing beyond it), up, with lxr's alias. */
int net_dummy_make(struct net_nl *sk, const char *name, const char *alias, lxr_err *err);
/* A macvlan or ipvlan link of a host interface, made inside the namespace
 * nsfd (-1: on the host) as ifname (down), with mac (a macvlan's; NULL:
 * the kernel's). */
struct net_sublink {
	const char *kind, *parent; /* "macvlan" or "ipvlan"; a host link */
	unsigned mode, flags;      /* IFLA_MACVLAN_MODE; IFLA_IPVLAN_MODE, _FLAGS */
};
int net_sublink_make(struct net_nl *sk, const struct net_sublink *l, int nsfd, const char *ifname,
		     int mtu, const unsigned char *mac, lxr_err *err);
/* A bridge name (prefix "lxr-") that is free, or already this network's
 * (a crash left it); also the name of a macvlan network's dummy parent. */
int net_bridge_pick(struct net_nl *sk, const char *key, const char *alias, char *out, lxr_err *err);
/* A macvlan or ipvlan network's record from cfg (driver, parent, mode,
 * flag; an internal one has no parent): EINVAL naming what it cannot be. */
int net_sublink_rec(const struct lxr_net_config *cfg, struct net_rec *r, lxr_err *err);
/* Its host side: the parent there, or lxr's dummy made (named in
 * r->bridge); fresh: a new network, whose record is saved before that
 * is made, as a bridge's is. */
int net_sublink_up(const char *run_dir, const char *project, struct net_rec *r, bool fresh,
		   lxr_err *err);
/* After the removal of r's record: its parent, when it is a VLAN link lxr
 * made (an alias of lxr's) and none of others names it, goes. */
void net_sublink_parent_release(const struct net_rec *r, const struct net_rec *others, size_t n);
/* Can r's parent take r: EBUSY naming the network of others already on it
 * when one of them is ipvlan, or passthru, or r is (docker's rules). */
int net_sublink_conflict(const struct net_rec *r, const struct net_rec *others, size_t n,
			 lxr_err *err);
/* A new endpoint e on macvlan or ipvlan network net: its ports are not
 * published, and extra_hosts' host-gateway, an address of the host's, is
 * left out, each said. */
void net_sublink_endpoint(const struct net_rec *net, struct ep_rec *e);
/* r's link settings (its parent, or the dummy in r->bridge), checked:
 * EINVAL for a mode the record cannot have */
int net_sublink_of(const struct net_rec *r, struct net_sublink *out, lxr_err *err);
int net_link_delete(struct net_nl *sk, const char *name, const char *alias, lxr_err *err);
/* The link of that name deleted, unasked whose it is: the caller's own
 * (just made with NLM_F_EXCL, or checked): 0 or -errno. */
int net_link_delete_made(struct net_nl *sk, const char *name);
int net_link_detach(struct net_nl *sk, const char *name, lxr_err *err);
/* alt as a second name of link name (idempotent): EEXIST when another
 * link has it, as either of its names. The name goes with the link. */
int net_link_altname(struct net_nl *sk, const char *name, const char *alt, lxr_err *err);
/* eth0's MAC address follows from ip (docker's 02:42:<ip>): a container
 * recreated on the address it had keeps its MAC too, so the host's and its
 * peers' neighbour entries stay right instead of sending to the old veth
 * until they go stale (tens of seconds). */
/* mac (mac_address), when given, instead. isolated: the host end is an
 * isolated bridge port (a network's enable_icc false). */
int net_veth_make(struct net_nl *sk, const char *host, const char *alias, const char *bridge,
		  int nsfd, const char *ifname, int mtu, uint32_t ip, const unsigned char *mac,
		  bool isolated, lxr_err *err);
/* A bridge (veth false) or a veth pair named probe0 (and probe1), for
 * doctor's scratch namespace: 0 or -errno. */
int net_link_probe(struct net_nl *sk, bool veth);
/* An IPv6 address on a link (the bridge's gateway), without DAD. */
int net_link_addr6(struct net_nl *sk, const char *name, const struct lxr_ip6 *ip, int prefix,
		   lxr_err *err);
struct net_ns_addrs {
	const char *ifname;
	uint32_t ip, gw;
	int prefix;
	const struct lxr_ip6 *ip6, *gw6; /* ip6 NULL: IPv6 off on ifname */
	int prefix6;
	char *const *link_local; /* more addresses: IPv4 as /16, IPv6 as /64 */
	/* the default routes are the link's, via no gateway (ipvlan l3, l3s);
	 * else a gw of 0 (gw6 all zeros: a macvlan network's without a
	 * gateway) has none */
	bool on_link;
	/* default routes: not for internal networks, which have no route out,
	 * nor for a container's next network unless it is the gateway
	 * (gw_priority) */
	bool route;
};
/* The kind of link ifname inside the namespace nsfd into kind: 1; 0 when
 * there is none; -1 when the namespace cannot be entered. */
int net_ns_link_kind(int nsfd, const char *ifname, char *kind, size_t len);
/* Link ifname inside the namespace nsfd deleted (a macvlan's or ipvlan's:
 * its address and MAC leave the parent now, not when the namespace is
 * freed, after its last holder, in the kernel's own time). */
int net_ns_link_delete(int nsfd, const char *ifname, lxr_err *err);
/* Inside the namespace: lo and ifname up, addresses, default routes. */
int net_ns_configure(int nsfd, const struct net_ns_addrs *a, lxr_err *err);
/* Remove what killed writers left in the project's record directories
 * (records.c). */
void net_tmp_sweep_locked(const char *run_dir, const char *project);
/* The same, then the project's record directories removed where empty. */
void net_proj_dirs_tidy(const char *run_dir, const char *project);
/* Delete every link whose alias and name say it is project's in run_dir:
 * what a cleanup finds when the records are gone. */
int net_links_sweep(const char *run_dir, const char *project, lxr_err *err);
/* The project's veths (by alias and name): how many there are, or with
 * remove, delete them (0 then); -1 on error. */
int net_project_veths(const char *run_dir, const char *project, bool remove, lxr_err *err);
/* MTU of the interface the default route leaves by, 0 if none: a bridge
 * whose containers talk to the world must not send bigger frames than that
 * (cloud VMs and tunnels often have 1450 or less). */
int net_default_mtu(void);
/* Every IPv4 route's destination in the main table (not the default). */
int net_host_routes(struct lxr_subnet **out, size_t *n, lxr_err *err);
/* Every IPv6 route's destination in the main table (not the default, nor
 * link-local or multicast); none on a kernel without IPv6. */
int net_host_routes6(struct lxr_subnet6 **out, size_t *n, lxr_err *err);

/* ---- host names (resolve.c) ---------------------------------------------------- */
struct net_resolver {
	const char *hosts_path, *resolv_path;
	unsigned short port; /* the nameservers' (53) */
	int timeout_ms;      /* per question and nameserver */
};
int net_resolve_with(const struct net_resolver *o, const char *name, char *out, size_t len,
		     lxr_err *err);
/* A DNS question for name's records of type (1 A, 28 AAAA): its length in
 * buf, 0 when name is no DNS name or buf too small. */
size_t net_dns_query(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t type);
/* The answer to question id: 1 with the first record of type in addr (4 or
 * 16 bytes), 0 when the name has none, -ENOENT when there is no such name,
 * -EIO for anything else (malformed, another question's, a server's
 * failure). */
int net_dns_answer(const uint8_t *buf, size_t n, uint16_t id, uint16_t type, void *addr);

/* ---- persistent namespaces (netns.c) ---------------------------------------- */
int net_netns_create(const char *path, lxr_err *err);
/* true if path is a mounted network namespace */
bool net_netns_alive(const char *path);
int net_netns_remove(const char *path, lxr_err *err);

/* ---- sysctls (sysctl.c) ------------------------------------------------------- */
int net_sysctl_set(const char *key, const char *value, lxr_err *err);
int net_forwarding_needed(const char *run_dir, lxr_err *err);
int net_forwarding6_needed(const char *run_dir, lxr_err *err);
void net_forwarding_release(const char *run_dir);
/* Is any lxr bridge (of any run dir) left on the host? */
bool net_any_lxr_bridge(void);

/* ---- leases.c: an endpoint's addresses, under the lock ------------------------ */
/* A new allocator for net's IPv4 (v6: IPv6) addresses, limited to its
 * ip_range, its aux_addresses kept back (leases.c). */
int net_ipam_of(const struct net_rec *net, bool v6, struct lxr_ipam **out, lxr_err *err);
/* Every endpoint on network (whose records are home's), of any project. */
void net_eps_on(const char *run_dir, const char *home, const char *network, struct ep_rec **out,
		size_t *n);
/* e's IPv4 address (static_ip, else the next free), its lease saved. */
int net_lease_take(const char *run_dir, const char *project, const struct net_rec *net,
		   struct ep_rec *e, const char *static_ip, lxr_err *err);
/* e's IPv6 address when the network has IPv6 (static_ip6 needs it). */
int net_lease6_take(const char *run_dir, const char *project, const struct net_rec *net,
		    struct ep_rec *e, const char *static_ip6, lxr_err *err);
/* owner's leases on network given back (errors printed, not returned). */
void net_lease_drop(const char *run_dir, const char *project, const char *network,
		    const char *owner);

/* ---- under the lock (network.c, endpoint.c) ---------------------------------- */
int net_nft_sync(const char *run_dir, const char *project, lxr_err *err);
/* The project is going: its chains out of the kernel (rules.c). */
void net_nft_project_drop(const char *run_dir, const char *project);
int net_network_up_locked(const char *run_dir, const char *project,
			  const struct lxr_net_config *cfg, const struct lxr_net_pool *pool,
			  lxr_err *err);
int net_network_remove_locked(const char *run_dir, const char *project, const char *name,
			      lxr_err *err);
enum {
	NET_RM_GC = 1, /* also remove the endpoint's network if ephemeral and now unused */
	/* the whole project goes: no other endpoint's hosts file to update,
	 * and the veth is left to go with its namespace */
	NET_RM_ALL = 2,
	/* no process is left in the namespace: unmounting it frees it, and
	 * the kernel removes its veths with it, off the caller's path */
	NET_RM_EXITED = 4,
	/* with NET_RM_EXITED, before a new endpoint of the container: its
	 * veth, left to go with its namespace, is taken out of its bridge, as
	 * the new one gets the same address and MAC */
	NET_RM_DETACH = 8,
};
int net_endpoint_remove_locked(const char *run_dir, const char *project, const char *container,
			       unsigned flags, lxr_err *err);

/* pasta.c: rootless lxr, in or outside of its stack's own namespace */
bool net_rootless_inside(void);
/* pasta's command line for a stack's namespace and published ports */
char **net_pasta_argv(const char *netns, const char *pidfile, const struct net_rl_port *ports,
		      size_t n);
int net_rootless_outside(int (*fn)(void *, lxr_err *), void *ctx, lxr_err *err);

#endif
