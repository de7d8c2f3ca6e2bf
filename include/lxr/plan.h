/* lxr plan layer: from the validated model to what will run, as plain data.
 * No syscalls (docs/architecture.md). This part: the dependency graph — which
 * services a command starts (profiles, the closure of `lxr up SERVICE...`),
 * in which levels (a level's services may start in parallel), and the stop
 * order (the reverse). */
#ifndef LXR_PLAN_H
#define LXR_PLAN_H

#include <stdio.h>

#include "lxr/cdi.h"
#include "lxr/config.h"
#include "lxr/spec.h"
#include "lxr/util.h"

struct plan_select {
	/* Active profiles (NULL-terminated, may be NULL). A service with
	 * `profiles:` is enabled only when one of them is active, or when it
	 * is named in targets: then its profiles are active too, and a
	 * dependency that shares one is enabled with it (Compose's rule). */
	const char *const *profiles;
	/* Services named on the command line (NULL-terminated, may be NULL or
	 * empty: every enabled service). Their dependencies are pulled in,
	 * unless no_deps (up --no-deps): then a dependency not selected
	 * otherwise is left out, and so is its edge. */
	const char *const *targets;
	bool no_deps;
	/* lxr config: the graph of a model, not of a run; what lxr does not
	 * run yet in the services chosen is no error (it is for every other
	 * caller: cfg_stack_check_runnable) */
	bool model_only;
};

struct plan_node {
	const struct cfg_service *svc;
	size_t level;
	size_t *deps; /* indexes into plan_graph.nodes of what this one waits for */
	size_t n_deps;
	const struct cfg_dep **dep_specs; /* the depends_on entry behind each dep */
};

struct plan_graph {
	const struct cfg_stack *stack;
	/* Start order: by level, then in file order. Stop order is the reverse. */
	struct plan_node *nodes;
	size_t n;
	size_t n_levels;
};

/* Fails (usage-type error in err) on an unknown target, on a required
 * dependency disabled by profiles, on an error of the file kept for a
 * service with profiles that the profiles enable or the selection chooses
 * (cfg_stack_check_enabled: lxr config's model_only too), and on a cycle
 * ("a -> b -> a"). */
int plan_graph_build(const struct cfg_stack *st, const struct plan_select *sel,
		     struct plan_graph **out, lxr_err *err);
void plan_graph_free(struct plan_graph *g);
/* Index of a service in g->nodes, or -1 when it is not in the plan. */
long plan_graph_find(const struct plan_graph *g, const char *service);
/* Graphviz DOT: one node per service (ranked by level), one edge per
 * dependency labelled with its condition. */
int plan_graph_write_dot(FILE *f, const struct plan_graph *g, lxr_err *err);

/* ---- images -------------------------------------------------------------------
 * What an image says a container runs, as plain data (the image layer, above
 * this one, fills it from a stored image's config). */
struct plan_image {
	char *const *layer_dirs; /* overlay lower dirs, topmost first */
	char *const *entrypoint, *const *cmd, *const *env;
	const char *workdir, *user, *stop_signal; /* NULL: not set */
	/* HEALTHCHECK: ["CMD", ...], ["CMD-SHELL", "..."], ["NONE"]; NULL:
	 * none. Timings 0: docker's defaults. */
	char *const *health_test;
	int64_t health_interval_ns, health_timeout_ns, health_start_period_ns;
	int health_retries;
};
/* docker's default environment, for the keys the image and the user left
 * unset: PATH, and HOSTNAME (the container's host name). The one copy, for
 * a stack's instances and for `lxr run`; HOME needs the container's
 * /etc/passwd (rt_user_env_home). */
void plan_env_defaults(char ***env, const char *hostname);
/* docker's rule: a user entrypoint (non-NULL, even empty) replaces the
 * image's and drops its Cmd; a non-empty user command replaces Cmd. */
char **plan_args(char *const *img_entrypoint, char *const *img_cmd, char *const *user_entrypoint,
		 char *const *user_cmd);

/* ---- devices (spec_devices.c) -------------------------------------------------
 * What the plan must know of the host for devices and privileged, found by
 * the caller (rt_device_from_host, rt_devices_host_all, rt_caps_all): the
 * plan itself makes no syscalls. */
struct plan_host {
	/* every capability the running kernel has: what "ALL" and privileged
	 * give */
	uint64_t all_caps;
	/* uname(2)'s release ("6.1.0-18-amd64"), for seccomp profiles'
	 * minKernel; NULL: unknown */
	const char *kernel_release;
	/* svc->devices[i] as the host has it, path set to its target */
	const struct lxr_device *devices;
	/* privileged: every device node under the host's /dev, and every
	 * capability the running kernel has */
	const struct lxr_device *all_devices;
	size_t n_all_devices;
	/* svc->tune.blkio[i]'s device as the host numbers it (kind and
	 * value filled from the file) */
	const struct lxr_blkio_device *blkio;
	/* the CDI devices it asks for, as the host's specs describe them
	 * (rt_cdi_resolve); NULL: none */
	const struct lxr_cdi_edits *cdi;
	/* the images its volumes of type image mount, by reference */
	const struct plan_image_vol {
		const char *ref;
		char *const *layer_dirs; /* topmost first */
	} * image_vols;
	size_t n_image_vols;
};
/* CDI edits on a spec: environment (a name set again replaces it), device
 * nodes with their cgroup access, mounts, createContainer hooks */
void plan_spec_cdi(struct lxr_spec *spec, const struct lxr_cdi_edits *e);
/* docker's --device: the node (replacing one at the same path) and an
 * allow rule for its type and numbers with perms (some of "rwm"). */
void plan_spec_add_device(struct lxr_spec *spec, const struct lxr_device *dev, const char *perms);
/* One more rule at the end of the device cgroup list. */
void plan_spec_add_device_rule(struct lxr_spec *spec, bool allow, char type, int64_t major,
			       int64_t minor, const char *access);
/* docker's --privileged: every capability (caps), no seccomp filter, no
 * masked or read-only paths, /sys writable, every host device node (devs)
 * made, every device allowed. */
void plan_spec_privileged(struct lxr_spec *spec, uint64_t caps, const struct lxr_device *devs,
			  size_t n);

/* docker's cap_add/cap_drop (names as capabilities(7) has them, with or
 * without CAP_, any case; "ALL") over caps: the five sets made the result
 * for root (inheritable and ambient empty), as moby does; all: what "ALL"
 * gives (every capability the kernel has). No names: caps unchanged. */
int plan_caps_adjust(struct lxr_caps *caps, char *const *add, char *const *drop, uint64_t all,
		     lxr_err *err);

/* ---- instances --------------------------------------------------------------
 * Fill spec (which holds the runtime's defaults) for replica n (1-based) of
 * svc: id "<service>-<n>", cgroup group = project, rootfs (svc's path, or
 * img's layers when the service names an image), command, env,
 * hostname, cwd, limits, mounts, rlimits, sysctls, init, stop signal,
 * privileged, devices and device_cgroup_rules (host: what the host has for
 * them; NULL only for a service with neither devices nor privileged).
 * plan_instance_build adds the rest of the plan (capabilities, filter,
 * endpoint, policy, health); the user is looked up by the carrier in the
 * image (rt_spec_apply_user). */
int plan_instance_fill(const struct cfg_stack *st, const struct cfg_service *svc, int replica,
		       const struct plan_image *img, const struct plan_host *host,
		       struct lxr_spec *spec, lxr_err *err);
/* The same under a name of its own (compose run's one-off): its id, host
 * name, anonymous volumes and files are that name's. */
int plan_instance_fill_as(const struct cfg_stack *st, const struct cfg_service *svc,
			  const char *instance, const struct plan_image *img,
			  const struct plan_host *host, struct lxr_spec *spec, lxr_err *err);
char *plan_instance_name(const char *service, int replica);
/* The container of replica n of svc: its container_name, else
 * plan_instance_name's "<service>-<n>". */
char *plan_container_name(const struct cfg_service *svc, int replica);
/* One volume, bind or tmpfs mount of a service's instances: its own, or
 * one that volumes_from brings from another service (owner), whose first
 * instance's anonymous volumes are the ones it shares. */
struct plan_mount_ref {
	const struct cfg_mount *m;
	const struct cfg_service *owner;
	bool read_only; /* the mount's own mode, or volumes_from's :ro */
};
/* svc's mounts: those volumes_from brings (in its order, each source's
 * own taken with the ones it brings in turn; tmpfs and image mounts stay
 * behind),
 * then its own volumes. A target is mounted once: the service's own
 * volumes and tmpfs win, then the later volumes_from entry, as docker
 * does. Returns how many are in *out (malloc'd). */
size_t plan_service_mounts(const struct cfg_stack *st, const struct cfg_service *svc,
			   struct plan_mount_ref **out);

/* ---- the instance plan (plan.c, plan_json.c) ----------------------------------
 * Everything that decides what runs for one service instance, as plain data:
 * the container spec, the endpoint on its network, the host directories to
 * make first, the restart policy, the health check and the stop grace. The
 * supervisor and `lxr run` carry plans out; reconcile compares them whole. */
struct plan_port {
	char *host_ip; /* NULL: every host address */
	uint16_t host_port, host_end, ctr_port, ctr_end;
	bool udp;
};
struct plan_endpoint {
	char *network;     /* NULL: it joins none */
	char *net_project; /* a shared network's (LXR_SHARED_NET_PROJECT), or NULL */
	int mtu;           /* driver_opts' com.docker.network.driver.mtu; 0: the host's */
	char *bridge_name; /* driver_opts' com.docker.network.bridge.name, or NULL */
	/* driver_opts' enable_icc and enable_ip_masquerade set false (docker's
	 * default: true), and host_binding_ipv4 (NULL: every host address) */
	bool no_icc, no_masquerade;
	bool unprotected, unprotected6; /* gateway_mode_ipv4/ipv6 nat-unprotected */
	char *host_binding;
	/* a macvlan or ipvlan network's driver and driver_opts' parent, mode
	 * (macvlan_mode, ipvlan_mode) and ipvlan_flag: lxr_net_config's
	 * (NULL: a bridge, or not given) */
	char *driver, *parent, *link_mode, *link_flag;
	bool internal;
	char *subnet, *gateway, *static_ip; /* NULL: from the pool / allocator */
	/* enable_ipv6: the IPv6 subnet and gateway (NULL: a ULA /64, its first
	 * host address) and ipv6_address (NULL: from the allocator) */
	bool ipv6;
	char *subnet6, *gateway6, *static_ip6;
	/* ipam's ip_range of each family (NULL: the whole subnet) and
	 * aux_addresses' addresses (NULL: none) */
	char *ip_range, *ip_range6;
	char **aux;
	char *mac;         /* mac_address (the network's, else the service's on eth0) */
	char *ifname;      /* the container's interface: interface_name, else ethN */
	char **link_local; /* link_local_ips: more addresses on it (NULL: none) */
	/* driver_opts' com.docker.network.endpoint.sysctls, IFNAME not yet
	 * the interface's name (plan_endpoints_of puts them in the spec) */
	char **if_sysctls;
	bool renamed; /* ifname is not the ethN of its place (eth0 first, ...) */
	/* gw_priority: 1 this endpoint gives the default routes though it is
	 * not the first, 2 it does not though it is; 0 as its place says */
	int gw;
	char **names; /* service, instance, then aliases */
	struct plan_port *ports;
	size_t n_ports;
	/* its /etc/hosts lists the network's other endpoints (a stack's
	 * networks, docker's user-defined ones; not docker's default bridge) */
	bool peer_names;
	/* the network goes with its last endpoint (`lxr run`'s named
	 * networks; its default bridge is kept, as docker0 is) */
	bool ephemeral;
	/* extra_hosts as "NAME=ADDRESS" (or "NAME=host-gateway"), and the
	 * resolver's nameservers, search domains and options (NULL: the
	 * host's) */
	char **extra_hosts, **dns, **dns_search, **dns_opt;
};
enum plan_restart_mode {
	PLAN_RESTART_NO,
	PLAN_RESTART_ALWAYS,
	PLAN_RESTART_ON_FAILURE,
	PLAN_RESTART_UNLESS_STOPPED
};
struct plan_restart {
	enum plan_restart_mode mode;
	int max_attempts;       /* on-failure:N / max_attempts; 0: unlimited */
	int64_t delay_first_us; /* docker: 100 ms, doubling */
	int64_t delay_max_us;   /* docker: 1 min */
	bool delay_fixed;       /* deploy.restart_policy.delay: no doubling */
	int64_t reset_after_us; /* up this long: the backoff starts over */
	/* ... and the count of restarts too (deploy.restart_policy.window,
	 * swarm's meaning); docker's restart policy keeps counting */
	bool window;
	bool on_unhealthy; /* x-lxr.restart_on_unhealthy */
};
struct plan_health {
	bool enabled;
	char **argv; /* CMD argv, or /bin/sh -c "..." */
	int64_t interval_us, timeout_us, start_period_us, start_interval_us;
	int retries;
};
/* post_start / pre_stop: a command the carrier runs inside the running
 * container as `lxr exec` runs one: the container's process with argv,
 * env added over its environment, cwd and user in place of its own
 * (NULL: its own), every capability when privileged. */
struct plan_hook {
	char **argv;
	char **env; /* "K=V" */
	char *user, *cwd;
	bool privileged;
};
/* A file the carrier writes before the container starts, which a mount
 * of the spec binds read-only: a secret or config whose content lxr holds
 * (from the environment, or inline). Under the project's run directory,
 * in a directory only root can enter; uid, gid and mode are what the
 * container sees. The content is never in the plan's text. */
struct plan_file {
	char *path;
	char *content;
	uid_t uid;
	gid_t gid;
	mode_t mode;
};

/* Another container's namespace, joined when the instance starts: a
 * service's first instance in the same stack (service:X), or any container
 * lxr runs, found by its instance name (container:NAME). name NULL: none. */
struct plan_ns_join {
	char *name;
	bool container;
};
struct plan_instance {
	char *name; /* "<service>-<n>" */
	/* complete but for the user: spec.uid/gid and HOME come from looking
	 * user up in the image's /etc/passwd (rt_spec_apply_user) */
	struct lxr_spec spec;
	char *user;       /* NULL: root */
	char **group_add; /* supplementary groups, names or numbers (rt_spec_apply_user) */
	/* mounts the carrier appended to spec (the endpoint's /etc/hosts and
	 * resolv.conf): state of the running instance, not of its plan */
	size_t carrier_mounts;
	struct plan_endpoint net; /* its first network (default route, ports) */
	/* its other networks, joined after the first (their ports, extra
	 * hosts and resolver settings are the first's) */
	struct plan_endpoint *more_nets;
	size_t n_more_nets;
	char **host_dirs;        /* bind sources to create first (compose's short syntax) */
	struct plan_file *files; /* secrets and configs to write first */
	size_t n_files;
	/* network_mode: service:X / container:NAME: the container whose
	 * network namespace, /etc/hosts and resolv.conf it joins; pid_of and
	 * ipc_of the same for pid: and ipc: (with the other's /dev/shm) */
	struct plan_ns_join net_of, pid_of, ipc_of;
	struct plan_restart restart;
	struct plan_health health;
	int64_t stop_grace_us;
	struct plan_hook *post_start, *pre_stop;
	size_t n_post_start, n_pre_stop;
	/* use records of the images its volumes of type image mount, held
	 * for as long as the plan lives, so prune leaves their layers alone
	 * (put here by the caller: rt_plan_host_keep); closed with it */
	int *img_holds;
	size_t n_img_holds;
};
/* Replica n (1-based) of svc, with img its image (NULL for a rootfs
 * directory) and host what the host has (plan_host). out->spec starts from
 * the runtime's defaults, which the caller puts there (rt_spec_init_defaults)
 * before the call. On failure err says which service and why. */
int plan_instance_build(const struct cfg_stack *st, const struct cfg_service *svc, int replica,
			const struct plan_image *img, const struct plan_host *host,
			struct plan_instance *out, lxr_err *err);
/* The same under the name given (compose run's one-off, not "svc-N"):
 * replica still picks its host ports. */
int plan_instance_build_as(const struct cfg_stack *st, const struct cfg_service *svc, int replica,
			   const char *name, const struct plan_image *img,
			   const struct plan_host *host, struct plan_instance *out, lxr_err *err);
void plan_instance_free(struct plan_instance *p);
/* endpoints.c, part of plan_instance_build: the instance's endpoints on
 * its networks (p->net, p->more_nets); network_mode host's and none's /etc
 * files into spec; an endpoint's freeing; a copy of a list of strings. */
void plan_endpoints_of(const struct cfg_stack *st, const struct cfg_service *svc, int replica,
		       const char *instance, struct plan_instance *p);
void plan_host_network(const struct cfg_service *svc, struct lxr_spec *spec);
void plan_endpoint_free(struct plan_endpoint *e);
char **plan_strs(const struct cfg_strs *s);
/* RLIMIT_NOFILE for "nofile" (a ulimits name, as docker names them), -1
 * for a name that is none */
int plan_rlimit_resource(const char *name);
/* A service's host name unless it sets one: docker's for its network mode
 * (the host's on the host's network, service:X's that of X's first
 * instance), else the instance's name. */
char *plan_default_hostname(const struct cfg_stack *st, const struct cfg_service *svc,
			    const char *instance);
/* pid, ipc, uts and the joined namespaces of svc's instance into p
 * (namespaces.c; part of plan_instance_build). */
void plan_namespaces_of(const struct cfg_stack *st, const struct cfg_service *svc,
			struct plan_instance *p);
void plan_ns_join_free(struct plan_ns_join *j);
/* The plan as text (JSON, keys sorted, sets in a canonical order): two
 * instances with the same text run the same thing. pretty: indented, for
 * people and golden files; else one line. Caller frees. */
char *plan_instance_text(const struct plan_instance *p, bool pretty);
/* Where a volume lives: <data_dir>/volumes/<project>/<name>, or for an
 * anonymous one (name NULL) a directory of the instance's own, named after
 * target, under <data_dir>/volumes/<project>/+anon/. */
char *plan_volume_dir(const char *project, const char *name, const char *instance,
		      const char *target);
/* The name a top-level volume has outside the project, when it has one: a
 * volume with `name:`, `external:` or `driver_opts` lives in the store of
 * such volumes (<data_dir>/volumes/_named/NAME/_data) as docker's would:
 * its `name:`, the key of an external one, else "<project>_<key>". NULL: a
 * plain volume in the project's folder. */
char *plan_volume_store_name(const struct cfg_stack *st, const struct cfg_volume *v);
char *plan_store_volume_data(const char *name); /* .../_named/NAME/_data */
/* Every store volume st declares: external ones too when with_external. */
char **plan_store_volumes(const struct cfg_stack *st, bool with_external);
/* What `lxr down -v` removes (a strv of directories): the named volumes st
 * declares in the project's folder (store volumes are removed through the
 * store, never external ones) and the anonymous volumes of the project's
 * containers (+anon),
 * as compose removes only the volumes its file declares. A directory of
 * the project's volume folder that st does not declare is not in it. */
char **plan_down_volume_dirs(const struct cfg_stack *st);
/* Whether spec mounts something at dst already (a service's own bind of
 * /etc/hosts, say, which lxr's own file must not cover). */
bool plan_spec_has_mount(const struct lxr_spec *spec, const char *dst);
/* Append an OCI mount (private propagation) to spec. */
void plan_spec_add_mount(struct lxr_spec *spec, const char *dst, const char *type, const char *src,
			 unsigned long flags, const char *data);
/* The flags of a bind of a file lxr writes for the container (/etc/hosts,
 * resolv.conf): read-only when its root is, as docker's. */
unsigned long plan_etc_bind_flags(const struct lxr_spec *spec);
/* Point spec at a network endpoint: join its namespace (netns_path) and
 * bind its /etc/hosts and resolv.conf over the runtime's, unless a mount
 * of spec's own is there already (a user's -v wins, as with docker). */
void plan_spec_join_endpoint(struct lxr_spec *spec, const char *netns_path, const char *hosts_path,
			     const char *resolv_path);

/* ---- seccomp (seccomp_resolve.c) ------------------------------------------
 * A docker-format profile decided for one container, as docker does: the
 * rules whose includes hold and excludes do not for its bounding set, this
 * machine and the running kernel (kernel_release as uname(2) says it,
 * "6.1.0-18-amd64"), and the archMap entry for this machine. The result is
 * OCI's linux.seccomp (malloc'd; plan_spec_free frees it with the spec). */
struct lxr_seccomp *plan_seccomp_resolve(const struct cfg_seccomp_profile *p, uint64_t bounding,
					 const char *kernel_release);
/* This machine in docker's "arches" spelling ("amd64", "arm64", ...). */
const char *plan_seccomp_native_arch(void);
/* A service's (or `lxr run`'s) security_opt into its spec, once the
 * bounding set is final: no_new_privileges when given, and the filter —
 * docker's default, none (unconfined), or the profile decided for it. */
void plan_security_apply(const struct cfg_security *sec, bool privileged,
			 const char *kernel_release, struct lxr_spec *spec);

/* ---- the spec as data (spec_data.c, seccomp_data.c) ---------------------------
 * A spec freed (with its seccomp profile). A profile freed, or written as
 * one line of text (malloc'd) and read back: what tells two profiles apart
 * and how one is kept in a container's state file. */
void plan_spec_free(struct lxr_spec *spec);
void plan_seccomp_free(struct lxr_seccomp *p);
char *plan_seccomp_text(const struct lxr_seccomp *p);
int plan_seccomp_from_text(const char *text, struct lxr_seccomp **out, lxr_err *err);
/* What p does with the call name(args): the action of the first rule that
 * matches (errno_ret set for ERRNO/TRACE), else the default. The profile
 * as data, for tests; the compiled filter decides the same way. */
enum lxr_seccomp_action plan_seccomp_decide(const struct lxr_seccomp *p, const char *name,
					    const uint64_t args[6], unsigned *errno_ret);
/* A rule whose comparisons repeat an argument index: they are
 * alternatives, not all required (runc's reading). */
bool plan_seccomp_args_repeat(const struct lxr_seccomp_syscall *s);

#endif
