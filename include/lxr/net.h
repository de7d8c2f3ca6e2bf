/* lxr net layer: bridges, veth pairs, addresses and routes (rtnetlink),
 * the IP allocator and its leases, NAT and published ports (nft), and the
 * /etc/hosts and resolv.conf a container sees. docs/networking.md has the
 * layout on disk, the nft table, and the decisions behind them.
 *
 * Model: a *network* is one Linux bridge with one IPv4 subnet (and, with
 * enable_ipv6, one IPv6 subnet beside it), owned by a
 * project (a stack, or "_run" for `lxr run`). An *endpoint* is one container
 * instance's attachment: a persistent network namespace (bind-mounted file,
 * like `ip netns add`) holding eth0, whose veth peer sits on the bridge. The
 * runtime joins that namespace (spec->ns[LXR_NS_NET].join_path). A restarted
 * container keeps its endpoint, so it keeps its address.
 *
 * Every call that changes the system takes <run_dir>/.net.lock (flock), so
 * several lxr processes sharing a network are serialised. Everything made is
 * recorded below <run_dir>/<project>/.net/ before it is made, so a failure
 * half-way, a removal, and net_project_cleanup after a crash all unwind it. */
#ifndef LXR_NET_H
#define LXR_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lxr/util.h"

/* ---- addresses ------------------------------------------------------------ */
/* IPv4 addresses are host-order uint32_t throughout this header. */
struct lxr_subnet {
	uint32_t addr; /* network address */
	int prefix;    /* 8..30 */
};

/* "10.89.0.0/24" (host bits must be zero). */
int net_subnet_parse(const char *s, struct lxr_subnet *out, lxr_err *err);
int net_ip_parse(const char *s, uint32_t *out, lxr_err *err);
/* buf of at least 16 / 19 bytes; returns buf. */
const char *net_ip_str(uint32_t ip, char *buf);
const char *net_subnet_str(const struct lxr_subnet *s, char *buf);
bool net_subnet_overlaps(const struct lxr_subnet *a, const struct lxr_subnet *b);
/* How many addresses of subnet the allocator hands out, from its start:
 * all of a /16 or narrower, else the first 65536 (its window), as
 * net_ip6_window_size's. The bridge and the containers still carry the
 * subnet's own prefix. */
uint32_t net_ip_window_size(const struct lxr_subnet *subnet);

/* "02:42:ac:11:00:02" (six hex pairs, ':' or '-') into mac; -1 if it is
 * not one. */
int net_mac_parse(const char *s, unsigned char mac[6]);

/* IPv6: addresses in network byte order. A subnet's prefix is 0 where a
 * network has none (IPv6 off). */
struct lxr_ip6 {
	uint8_t b[16];
};
struct lxr_subnet6 {
	struct lxr_ip6 addr;
	int prefix; /* 1..126 */
};
#define NET_IP6_STRLEN     46
#define NET_SUBNET6_STRLEN 50
int net_ip6_parse(const char *s, struct lxr_ip6 *out, lxr_err *err);
int net_subnet6_parse(const char *s, struct lxr_subnet6 *out, lxr_err *err);
const char *net_ip6_str(const struct lxr_ip6 *ip, char *buf);
const char *net_subnet6_str(const struct lxr_subnet6 *s, char *buf);
bool net_subnet6_overlaps(const struct lxr_subnet6 *a, const struct lxr_subnet6 *b);
bool net_ip6_in(const struct lxr_ip6 *ip, const struct lxr_subnet6 *s);
bool net_ip6_eq(const struct lxr_ip6 *a, const struct lxr_ip6 *b);
/* The addresses of subnet the allocator hands out: all of a /112 or
 * narrower, else the first 65536 (a /64 has 2^64, far more than any
 * bridge holds). 0 when ip is not in that window, else its offset + 1. */
uint32_t net_ip6_window_slot(const struct lxr_subnet6 *subnet, const struct lxr_ip6 *ip);
uint32_t net_ip6_window_size(const struct lxr_subnet6 *subnet);
/* The ULA /64 an IPv6 network without a subnet gets, as docker 27+ does:
 * the first of the 65536 /64s of a /48 under fd00::/8 derived from seed
 * (the host's machine id) that overlaps none of used[0..n). */
int net_pool6_pick(const char *seed, const struct lxr_subnet6 *used, size_t n,
		   struct lxr_subnet6 *out, lxr_err *err);

/* Where automatic subnets come from: pool split into blocks of /size
 * (default 10.89.0.0/16 in /24s; lxr.conf's `network_pool` later). */
struct lxr_net_pool {
	struct lxr_subnet range;
	int size;
};
void net_pool_default(struct lxr_net_pool *pool);
/* The first block of pool overlapping none of used[0..n). ENOSPC when all
 * are taken. Pure: the caller gathers host routes and lxr's own networks. */
int net_pool_pick(const struct lxr_net_pool *pool, const struct lxr_subnet *used, size_t n,
		  struct lxr_subnet *out, lxr_err *err);

/* ---- the IP allocator ------------------------------------------------------
 * One per network. O(1) alloc, release and reserve: a state byte per
 * address, an intrusive doubly linked FIFO of free addresses (allocation takes
 * the head, release appends at the tail, so a freed address is reused last),
 * and a hash from owner to address. An owner is a string naming what holds
 * the address across restarts ("project/service/instance", or "_run/NAME").
 * A released address keeps its last owner as a hint: if that owner asks again
 * before the address was handed to someone else, it gets the same one back.
 * The network address, the gateway and the broadcast address are never
 * handed out; a gateway of 0.0.0.0 (::) is none, a macvlan's may be. */
struct lxr_ipam;

int net_ipam_new(const struct lxr_subnet *subnet, uint32_t gateway, struct lxr_ipam **out,
		 lxr_err *err);
void net_ipam_free(struct lxr_ipam *ipam);
/* Compose's ip_range and aux_addresses, on a new allocator (before its
 * leases, net_ipam_fill): alloc hands out only the addresses of range
 * ("ADDR/PREFIX" inside the subnet; NULL: all of it), while reserve takes
 * any of the subnet; the addresses of aux (NULL-terminated, or NULL) are
 * neither handed out nor reservable. EINVAL naming what does not fit. */
int net_ipam_limit(struct lxr_ipam *ipam, const char *range, char *const *aux, lxr_err *err);
/* A lease file's text (net_ipam_dump) into a new allocator; on failure
 * (as net_ipam_load's) ipam is the caller's to free. */
int net_ipam_fill(struct lxr_ipam *ipam, const char *text, lxr_err *err);
/* owner's current address if it holds one; else its hinted address if that
 * is still free (and in the range); else the head of the free FIFO. ENOSPC
 * when none is left. */
int net_ipam_alloc(struct lxr_ipam *ipam, const char *owner, uint32_t *addr, lxr_err *err);
/* A static address (Compose ipv4_address): EADDRINUSE naming the holder if
 * another owner has it, EINVAL if it is outside the range or reserved. An
 * owner holding another address moves to this one. */
int net_ipam_reserve(struct lxr_ipam *ipam, const char *owner, uint32_t addr, lxr_err *err);
/* Give owner's address back (to the FIFO tail). false if it held none. */
bool net_ipam_release(struct lxr_ipam *ipam, const char *owner);
/* owner's current lease, if any. */
bool net_ipam_lookup(const struct lxr_ipam *ipam, const char *owner, uint32_t *addr);
size_t net_ipam_in_use(const struct lxr_ipam *ipam);
size_t net_ipam_capacity(const struct lxr_ipam *ipam);
/* Free every lease whose owner alive() says is gone; returns how many. */
size_t net_ipam_reconcile(struct lxr_ipam *ipam, bool (*alive)(const char *owner, void *ctx),
			  void *ctx);
/* Call fn for every lease (owner, address), in address order. */
void net_ipam_each(const struct lxr_ipam *ipam,
		   void (*fn)(const char *owner, uint32_t addr, void *ctx), void *ctx);

/* The same allocator over an IPv6 subnet's window (net_ip6_window_size
 * addresses from its start; the subnet-router anycast address, offset 0,
 * and the gateway are never handed out). Release, reconcile, dump, free,
 * in_use and capacity are shared with IPv4; net_ipam_each is IPv4's. */
int net_ipam6_new(const struct lxr_subnet6 *subnet, const struct lxr_ip6 *gateway,
		  struct lxr_ipam **out, lxr_err *err);
int net_ipam6_alloc(struct lxr_ipam *ipam, const char *owner, struct lxr_ip6 *addr, lxr_err *err);
int net_ipam6_reserve(struct lxr_ipam *ipam, const char *owner, const struct lxr_ip6 *addr,
		      lxr_err *err);
bool net_ipam6_lookup(const struct lxr_ipam *ipam, const char *owner, struct lxr_ip6 *addr);
int net_ipam6_load(const char *text, const struct lxr_subnet6 *subnet,
		   const struct lxr_ip6 *gateway, struct lxr_ipam **out, lxr_err *err);

/* Lease file text: a header with the subnet, one line per lease and per
 * hinted free address (in FIFO order), and an "end N" trailer that marks
 * the file complete. Parsing a file without its trailer or with a bad line
 * fails with EBADMSG (torn or damaged: the caller rebuilds from endpoint
 * records); one for another subnet fails with ESTALE. */
char *net_ipam_dump(const struct lxr_ipam *ipam);
int net_ipam_load(const char *text, const struct lxr_subnet *subnet, uint32_t gateway,
		  struct lxr_ipam **out, lxr_err *err);

/* ---- published ports -------------------------------------------------------- */
struct lxr_port {
	uint32_t host_ip; /* 0: every host address (IPv4 and, on an IPv6 network, IPv6) */
	uint16_t host_port, host_end;
	uint16_t ctr_port, ctr_end;
	bool udp;
	bool host_v6; /* published on host_ip6 only */
	struct lxr_ip6 host_ip6;
	/* an explicit 0.0.0.0: every IPv4 address and none of IPv6's, where
	 * no host address is both (docker's); no network's default
	 * (host_binding_ipv4) replaces it */
	bool v4_only;
};
/* docker -p: [[IP:]HOSTPORT[-END]:]CPORT[-END][/tcp|udp]. Without a host
 * port (CPORT, IP::CPORT) host_port is 0: the endpoint picks a free one.
 * Ranges must have the same length, but for a host range and one container
 * port: the endpoint publishes the first free port of the range. */
int net_port_parse(const char *s, struct lxr_port *out, lxr_err *err);
/* A plan's published ports (plan_endpoint) as the net layer takes them;
 * *out is malloc'd, ep->n_ports long. */
struct plan_endpoint;
int net_ports_from_plan(const struct plan_endpoint *ep, struct lxr_port **out, lxr_err *err);

/* ---- name resolution (pure) --------------------------------------------------- */
struct lxr_host_entry {
	uint32_t ip;
	char **names;              /* first is the canonical name */
	const struct lxr_ip6 *ip6; /* NULL: none; else the names on a second line */
};
/* /etc/hosts: localhost lines, then one line per entry. */
char *net_hosts_render(const struct lxr_host_entry *e, size_t n);
/* name's address as text, IPv4 before IPv6: from /etc/hosts, then the
 * nameservers of /etc/resolv.conf (no NSS modules: see resolve.c). The
 * error says why, not which name: the caller names it. */
int net_resolve_host(const char *name, char *out, size_t len, lxr_err *err);
/* The container's resolv.conf from the host's (host_text). Loopback
 * nameservers (127.0.0.0/8, ::1) cannot be reached from the container's own
 * namespace; they are replaced by the non-loopback nameservers of
 * upstream_text (systemd-resolved's /run/systemd/resolve/resolv.conf), when
 * given. Nothing public is made up: if no usable nameserver is left, the
 * file has none and *no_dns is set so the caller can warn. */
char *net_resolv_render(const char *host_text, const char *upstream_text, bool *no_dns);
/* ---- networks and endpoints ----------------------------------------------------- */
/* `lxr run`'s networks live in project NET_RUN_PROJECT. NET_RUN_DEFAULT is
 * its default one, docker's default bridge: an address and NAT to the
 * outside, the host's resolver, no names of other containers; made on
 * first use and kept, as docker0 is (`lxr network prune` removes it when
 * no container is on it). `lxr build`'s RUN steps join it too, as
 * docker's builder joins docker's bridge. */
#define NET_RUN_PROJECT "_run"
#define NET_RUN_DEFAULT "lxr"

struct lxr_net_config {
	const char *name;    /* network name within the project */
	const char *subnet;  /* "10.89.5.0/24", or NULL: from the pool */
	const char *gateway; /* NULL: first host address */
	bool internal;       /* no masquerade, no route out, no forwarding */
	bool ephemeral;      /* removed when its last endpoint goes (lxr run) */
	int mtu;             /* 0: the MTU of the host's default-route interface */
	/* enable_ipv6: an IPv6 subnet beside the IPv4 one (subnet6 NULL: a ULA
	 * /64, net_pool6_pick) */
	bool ipv6;
	const char *subnet6, *gateway6;
	/* ipam's ip_range of each family: the addresses containers are
	 * handed (NULL: the whole subnet; a static address may be any of it),
	 * and aux_addresses (NULL-terminated, or NULL): kept back */
	const char *ip_range, *ip_range6;
	char *const *aux;
	/* com.docker.network.bridge.name: a second name of the bridge (its
	 * altname; the first stays lxr's own, which its rules match), or NULL */
	const char *bridge_name;
	/* com.docker.network.bridge.enable_icc false: containers on the
	 * bridge do not reach each other (only the gateway, the host and out);
	 * enable_ip_masquerade false: the subnet leaves the host with its own
	 * addresses; host_binding_ipv4: the host address of the ports
	 * published without one (NULL or 0.0.0.0: every address, IPv6's too) */
	bool no_icc, no_masquerade;
	/* gateway_mode_ipv4/ipv6 nat-unprotected: no drop of what another
	 * host sends to a container's own address (nft.c) */
	bool unprotected, unprotected6;
	const char *host_binding;
	/* compose's driver: NULL or "bridge" as above; "macvlan" or "ipvlan":
	 * no bridge, no NAT, no published ports; each container's interface
	 * is a macvlan or ipvlan link of parent, a host interface (NULL: a
	 * dummy link lxr makes, so the containers reach only each other), in
	 * mode (macvlan_mode: bridge, private, vepa, passthru; ipvlan_mode:
	 * l2, l3, l3s) with ipvlan_flag flag (bridge, private, vepa); NULL:
	 * bridge, l2, bridge, as docker's. Without a gateway its containers
	 * have no default route (ipvlan l3, l3s: their link's). */
	const char *driver, *parent, *mode, *flag;
};
/* One of docker's driver_opts of driver (macvlan's parent and
 * macvlan_mode, ipvlan's parent, ipvlan_mode and ipvlan_flag) into cfg,
 * pointing at value: 0; 1 when key is not one of them; -1 (EINVAL) for a
 * value the driver does not take. */
int net_driver_opt(struct lxr_net_config *cfg, const char *key, const char *value, lxr_err *err);

/* Make the network exist (idempotent): record, bridge with the gateway
 * address, nft rules, ip_forward when it needs one. */
int net_network_up(const char *run_dir, const char *project, const struct lxr_net_config *cfg,
		   const struct lxr_net_pool *pool, lxr_err *err);
/* Remove the network's bridge, rules, leases and record. EBUSY while
 * endpoints use it. */
int net_network_remove(const char *run_dir, const char *project, const char *name, lxr_err *err);
/* Remove every network of project no endpoint is on; their names are
 * pushed to *removed. The first failure is reported; the others still go. */
int net_network_prune(const char *run_dir, const char *project, char ***removed, lxr_err *err);

struct lxr_endpoint_config {
	const char *network;
	const char *container;  /* endpoint name (container/instance), a file name */
	const char *owner;      /* lease owner; NULL: "<project>/<container>" */
	const char *static_ip;  /* ipv4_address, or NULL */
	const char *static_ip6; /* ipv6_address, or NULL (an IPv6 network only) */
	const char *mac;        /* mac_address "02:42:..", or NULL: from the IPv4 address */
	/* default routes (gw_priority): 0 the first network gives them, a
	 * next one not; 1 this one does though it is a next one; 2 this one
	 * does not though it is the first */
	int gw;
	const struct lxr_port *ports;
	size_t n_ports;
	char *const *names; /* host names for /etc/hosts (NULL: container) */
	bool peer_names;    /* list the network's other endpoints in hosts */
	/* compose's extra_hosts as "NAME=ADDRESS" (ADDRESS "host-gateway":
	 * the network's gateway, the host's address on the bridge) */
	char *const *extra_hosts;
	/* compose's dns, dns_search, dns_opt: each replaces the host's
	 * nameservers / search / options in the container's resolv.conf */
	char *const *dns, *const *dns_search, *const *dns_opt;
	/* A container's next network: joins names the endpoint of its first
	 * (its namespace, /etc/hosts and resolv.conf), ifname the interface
	 * ("eth1"); it has no default route and publishes no ports. */
	const char *joins, *ifname;
	/* link_local_ips: more addresses on ifname, an IPv4 one as /16 and an
	 * IPv6 one as /64, as docker adds them (NULL: none) */
	char *const *link_local;
	/* The process that will remove the endpoint (lxr run's monitor, a
	 * stack's supervisor), or 0. If it dies without doing so, the next
	 * endpoint change in the project removes the endpoint. */
	int holder;
	/* The project whose network it is, when not the endpoint's own: a
	 * network shared by projects lives in NET_SHARED ("_net"), and its
	 * containers' endpoints in their own projects. NULL: project. */
	const char *net_project;
	/* Make the network (as net_network_up) if it does not exist, under the
	 * same lock, so a concurrent last user cannot remove it in between. */
	const struct lxr_net_config *create;
	const struct lxr_net_pool *pool;
	/* A new endpoint writes its own container's /etc/hosts (every name
	 * on its networks so far), but leaves the other containers' to one
	 * net_hosts_refresh after a whole start wave: rewriting every peer's
	 * file on each join makes starting n containers cost n(n+1)/2
	 * writes. false: the peers' files are rewritten now. */
	bool defer_peer_hosts;
};

struct lxr_endpoint {
	char *netns_path; /* bind-mounted namespace file to join */
	char *hosts_path; /* files to bind over /etc/hosts and /etc/resolv.conf */
	char *resolv_path;
	uint32_t ip, gateway;
	int prefix;
	bool has_ip6; /* its network has IPv6: ip6 is its address there */
	struct lxr_ip6 ip6, gateway6;
	int prefix6;
	unsigned char mac[6];   /* its interface's (net_endpoint_mac) */
	struct lxr_port *ports; /* as published (a host port 0 picked) */
	size_t n_ports;
	bool made; /* a new endpoint, not a restarted container's */
};

/* Attach container to network: persistent netns, veth, address, routes,
 * lease, ports. If the endpoint exists already (a restart) it is returned
 * as it is, with the same address. On failure nothing it made is left. */
int net_endpoint_add(const char *run_dir, const char *project,
		     const struct lxr_endpoint_config *cfg, struct lxr_endpoint *out, lxr_err *err);
/* Rewrite, once each, the /etc/hosts of every container (of any project)
 * on a network that project's endpoints are on: the deferred half of
 * net_endpoint_add with defer_peer_hosts. */
int net_hosts_refresh(const char *run_dir, const char *project, lxr_err *err);
/* Undo net_endpoint_add in reverse: ports, veth, netns mount and file,
 * lease; an ephemeral network with no endpoint left goes too. A missing
 * endpoint is no error. */
/* Start-first: container to takes over from's published ports, the DNAT
 * moved in one atomic nft batch. */
int net_endpoint_ports_move(const char *run_dir, const char *project, const char *from,
			    const char *to, lxr_err *err);
int net_endpoint_remove(const char *run_dir, const char *project, const char *container,
			lxr_err *err);
/* The same once no process is left in the container's network namespace
 * (its processes exited and were reaped): the veth goes with the
 * namespace, in the kernel's own time, rather than deleted while the
 * caller waits. */
int net_endpoint_remove_exited(const char *run_dir, const char *project, const char *container,
			       lxr_err *err);
/* The same while the whole project goes down (its cleanup follows): no
 * peer's hosts file is rewritten for it, and the veth goes with the
 * namespace (net_project_cleanup waits for that). */
int net_endpoint_remove_going(const char *run_dir, const char *project, const char *container,
			      lxr_err *err);
void net_endpoint_free(struct lxr_endpoint *ep);
/* What net_endpoint_add gave container in project, read back from its
 * record and its network's (no lock: both are replaced whole): for
 * `lxr inspect`. ENOENT when it has no endpoint. */
int net_endpoint_get(const char *run_dir, const char *project, const char *container,
		     struct lxr_endpoint *out, lxr_err *err);
/* The MAC address an endpoint's interface is born with: the one given
 * (mac_address), else docker's 02:42 and the IPv4 address's four bytes. */
void net_endpoint_mac(uint32_t ip, const unsigned char *given, unsigned char out[6]);

/* After a crash: remove everything recorded for project in run_dir
 * (endpoints, their links and netns mounts, nft chains, leases, bridges,
 * records). Safe to run when nothing is left. */
int net_project_cleanup(const char *run_dir, const char *project, lxr_err *err);
/* What net_project_cleanup would remove, as lines for a person: "network
 * endpoint NAME", "network NAME", "network namespace NAME". */
char **net_project_leftovers(const char *run_dir, const char *project);
/* The names of project's recorded endpoints (an empty list: none). */
char **net_endpoint_names(const char *run_dir, const char *project);
/* Delete project's links (by alias, and a name that proves the run dir)
 * that no record names any more: a veth left to go with its namespace
 * (net_endpoint_remove_exited) that something else keeps alive. Takes the
 * net lock; each is said in *removed. */
int net_links_sweep_unrecorded(const char *run_dir, const char *project, char ***removed,
			       lxr_err *err);

/* lxr doctor (hostcheck.c): nft and nf_tables, bridge and veth, forwarding,
 * br_netfilter, the iptables/ip6tables FORWARD policy. */
void net_host_check(struct lxr_checks *c);

/* ---- networks that outlive a project (shared.c) ---------------------------------
 * `lxr network create`, and a stack's networks with `name:` or `external:`:
 * a definition in <data_dir>/networks/NAME (survives reboots), and the
 * network itself in the run dir's LXR_SHARED_NET_PROJECT, made again from
 * the definition at its next use. Containers of several projects join it
 * (lxr_endpoint_config.net_project) and find each other by name. */
struct lxr_net_def {
	char *name;
	char *subnet, *gateway;     /* as made (a picked subnet is written down) */
	bool ipv6;                  /* enable_ipv6, --ipv6 */
	char *subnet6, *gateway6;   /* as made; NULL without ipv6 */
	char *ip_range, *ip_range6; /* lxr_net_config's */
	char **aux;
	bool internal;
	int mtu;        /* 0: the host's */
	char **labels;  /* "K=V" */
	char **options; /* docker's -o: com.docker.network.driver.mtu=N, parent=eth0 */
	char *driver;   /* "macvlan", "ipvlan"; NULL: bridge */
	char *created;  /* RFC 3339, UTC */
};
/* docker's rule for names: [a-zA-Z0-9][a-zA-Z0-9_.-]* */
int net_def_name_check(const char *name, lxr_err *err);
bool net_def_exists(const char *name);
int net_def_load(const char *name, struct lxr_net_def *out, lxr_err *err); /* ENOENT */
void net_def_free(struct lxr_net_def *d);
char **net_def_names(void); /* sorted */
/* The network made (bridge, rules; subnet from want or the pool), then its
 * definition written. EEXIST if one of that name exists; an option lxr's
 * bridges cannot honour is refused by name. Nothing is left on failure. */
int net_def_create(const char *run_dir, const struct lxr_net_def *want,
		   const struct lxr_net_pool *pool, lxr_err *err);
/* What lxr_endpoint_config.create takes (pointers into d). */
void net_def_config(const struct lxr_net_def *d, struct lxr_net_config *out);
/* The network and its definition go; EBUSY naming a container on it. */
int net_def_remove(const char *run_dir, const char *name, lxr_err *err);
/* The containers on a network whose records are home's, of any project. */
struct lxr_net_member {
	char *project, *container;
	uint32_t ip;
	int prefix;
};
int net_members(const char *run_dir, const char *home, const char *name,
		struct lxr_net_member **out, size_t *n);
void net_members_free(struct lxr_net_member *m, size_t n);
/* A stack's own networks while it is up, under docker compose's names
 * "<project>_<name>" (for lxr network ls and inspect): sorted by project;
 * one loaded as a definition (compose's project and network labels), with
 * its project in *project (caller frees). ENOENT when none is. */
char **net_project_network_names(const char *run_dir);
/* The containers of lxr run's project (compose run's one-offs) on
 * project's own networks: their names (NULL-terminated, maybe empty). */
char **net_project_guests(const char *run_dir, const char *project);
int net_project_network_load(const char *run_dir, const char *name, struct lxr_net_def *out,
			     char **project, lxr_err *err);
/* `lxr run`'s networks while they are there (NET_RUN_PROJECT), as `lxr
 * network ls` shows them: the default one under docker's name for it,
 * NET_RUN_BRIDGE; one loaded as a definition; the record name of one
 * shown as NAME (NULL for none). ENOENT when none is. */
#define NET_RUN_BRIDGE "bridge"
char **net_run_network_names(const char *run_dir);
/* The name docker gives the network an endpoint of project joins (network
 * in net_project, NULL: in project's own), as `lxr network ls` lists it: a
 * shared one's own, a stack's "<project>_<name>" as compose names it, lxr
 * run's own, its default one NET_RUN_BRIDGE. Caller frees. */
char *net_network_docker_name(const char *project, const char *net_project, const char *network);
const char *net_run_network_rec(const char *name);
int net_run_network_load(const char *run_dir, const char *name, struct lxr_net_def *out,
			 lxr_err *err);

/* ---- rootless (pasta.c, docs/rootless.md) ----------------------------------
 * A rootless stack's own network namespace, bound on DIR/netns, connected
 * to the host by pasta with the published host ports forwarded into it;
 * the caller joins it. net_rootless_leave stops pasta and unbinds it (also
 * what a crashed supervisor left); the caller's own membership remains. */
struct net_rl_port {
	const char *host_ip; /* NULL: every address */
	int start, end;      /* host ports */
	bool udp;
};
int net_rootless_enter(const char *dir, const struct net_rl_port *ports, size_t n, lxr_err *err);
void net_rootless_leave(const char *dir);
/* lxr doctor as an ordinary user: pasta, the lowest port it may publish. */
void net_rootless_check(struct lxr_checks *c);

#endif
