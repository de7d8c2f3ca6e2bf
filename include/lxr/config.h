/* lxr config layer: a stack file (Compose YAML) -> a typed model in which
 * every value remembers where it came from; validation that reports every
 * problem at once. Its seccomp profiles (seccomp_profile.h), the settings
 * file /etc/lxr/lxr.conf (settings.h), finding a project's file
 * (config_discover.h), views of a file (config_view.h) and what `lxr up`
 * runs of a loaded stack (config_runnable.h) have headers of their own.
 * Apart from reading files this layer makes no syscalls
 * (docs/architecture.md). */
#ifndef LXR_CONFIG_H
#define LXR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lxr/seccomp_profile.h"
#include "lxr/spec.h"
#include "lxr/util.h"

/* ---- positions and diagnostics ------------------------------------------ */
/* 1-based line and column; file points into the stack (stays valid as long
 * as the stack or the diagnostics list that holds it). */
struct cfg_pos {
	const char *file;
	int line, col;
};

struct cfg_diag {
	struct cfg_pos pos;
	bool warning;
	char *msg;
	char *hint; /* may be NULL */
};
struct cfg_diags {
	struct cfg_diag *v;
	size_t n, n_errors;
};
/* gcc style: "FILE:LINE:COL: error: MSG" and, if any, "  hint: HINT". */
void cfg_diags_print(FILE *f, const struct cfg_diags *d);
void cfg_diags_free(struct cfg_diags *d);

/* ---- values with positions ------------------------------------------------ */
struct cfg_str {
	char *v; /* NULL: not set */
	struct cfg_pos pos;
};
struct cfg_strs {
	struct cfg_str *v;
	size_t n;
};
struct cfg_int {
	int64_t v;
	bool set;
	struct cfg_pos pos;
};
struct cfg_bool {
	bool v;
	bool set;
	struct cfg_pos pos;
};
/* key=value pairs (environment, labels, sysctls); value NULL means "no
 * value" (an environment entry passed through from the host but unset). */
struct cfg_kv {
	char *key;
	char *value;
	struct cfg_pos pos;
};
struct cfg_kvs {
	struct cfg_kv *v;
	size_t n;
};

/* command/entrypoint: not set (null or absent) keeps the image's; set with
 * argv.n == 0 is an explicit empty override (Compose: `[]` or `''`). */
struct cfg_cmd {
	bool set;
	struct cfg_strs argv;
	struct cfg_pos pos;
};

/* ---- service parts --------------------------------------------------------- */
struct cfg_env_file {
	struct cfg_str path; /* absolute */
	bool required;
	bool raw; /* format: raw (docker's --env-file syntax); else .env */
};

enum cfg_dep_condition {
	CFG_DEP_STARTED,
	CFG_DEP_HEALTHY,
	CFG_DEP_COMPLETED,
};
struct cfg_dep {
	struct cfg_str service;
	enum cfg_dep_condition condition;
	bool required; /* default true */
	bool restart;  /* restart this service when the dependency restarts */
};

enum cfg_health_kind {
	CFG_HEALTH_UNSET, /* no healthcheck key: image default */
	CFG_HEALTH_CMD,   /* exec argv */
	CFG_HEALTH_SHELL, /* /bin/sh -c argv[0] */
	CFG_HEALTH_NONE,  /* disabled (test NONE or disable: true) */
	/* timings only, no test: the image's HEALTHCHECK test runs, and the
	 * timings named in `set` override the image's (Compose's merge) */
	CFG_HEALTH_INHERIT,
};
/* Which timings the file gives (cfg_health.set); the others are the
 * image's for CFG_HEALTH_INHERIT, docker's defaults otherwise. */
enum {
	CFG_HC_INTERVAL = 1 << 0,
	CFG_HC_TIMEOUT = 1 << 1,
	CFG_HC_START_PERIOD = 1 << 2,
	CFG_HC_START_INTERVAL = 1 << 3,
	CFG_HC_RETRIES = 1 << 4,
};
struct cfg_health {
	enum cfg_health_kind kind;
	struct cfg_strs test;
	int64_t interval_us, timeout_us, start_period_us, start_interval_us;
	int retries;
	unsigned set; /* CFG_HC_* */
	struct cfg_pos pos;
};

enum cfg_restart {
	CFG_RESTART_NO,
	CFG_RESTART_ALWAYS,
	CFG_RESTART_ON_FAILURE,
	CFG_RESTART_UNLESS_STOPPED,
};
struct cfg_restart_policy {
	enum cfg_restart policy;
	int max_retries;   /* on-failure[:N] / max_attempts; 0 = unlimited */
	int64_t delay_us;  /* deploy.restart_policy.delay; 0 = supervisor default */
	int64_t window_us; /* deploy.restart_policy.window */
	struct cfg_pos pos;
	bool from_deploy; /* deploy.restart_policy: it wins over restart, as in compose */
};

/* 0 (and !set) means no limit; but pids not set means lxr's default limit
 * (lxr_pids_limit_default), and -1 unlimited. */
struct cfg_limits {
	struct cfg_int memory;    /* bytes */
	struct cfg_int millicpus; /* 1000 = one CPU */
	struct cfg_int pids;
};

enum cfg_proto { CFG_PROTO_TCP, CFG_PROTO_UDP, CFG_PROTO_SCTP };
/* A published port. With deploy.replicas N, the host range holds N blocks
 * of the container range's length: instance n publishes block n (1-based). */
struct cfg_port {
	char *host_ip;            /* IPv4; NULL: all addresses */
	int host_start, host_end; /* 0: ephemeral (refused: lxr picks no port) */
	int target_start, target_end;
	enum cfg_proto proto;
	char *name, *app_protocol; /* Compose metadata, NULL: not set */
	struct cfg_pos pos;
};
struct cfg_expose {
	int start, end;
	enum cfg_proto proto;
	struct cfg_pos pos;
};

/* A service's network: the first (by priority, then file order) that is
 * not internal is eth0, the others eth1...; gw_priority picks the one
 * that gives the default routes. */
struct cfg_svc_net {
	struct cfg_str name;
	struct cfg_strs aliases;
	struct cfg_str ipv4_address, ipv6_address;
	struct cfg_int priority, gw_priority;
	struct cfg_str mac_address;
	struct cfg_str interface_name; /* the container's name for it (default ethN) */
	/* more addresses on its interface, as docker adds them: an IPv4
	 * one as /16, an IPv6 one as /64 (IPv6 needs the network's) */
	struct cfg_strs link_local_ips;
	/* driver_opts, docker's endpoint options, as written; of them
	 * com.docker.network.endpoint.sysctls, each "KEY=VALUE" with IFNAME
	 * where the interface's name goes (its ifname option is
	 * interface_name) */
	struct cfg_kvs driver_opts;
	struct cfg_strs if_sysctls;
};

/* IMAGE: an image's files, read-only (compose's type: image, docker's
 * --mount type=image) */
enum cfg_mount_type { CFG_MOUNT_BIND, CFG_MOUNT_VOLUME, CFG_MOUNT_TMPFS, CFG_MOUNT_IMAGE };
struct cfg_mount {
	enum cfg_mount_type type;
	char *source; /* bind: absolute host path; volume: name (NULL: anonymous);
			 image: its reference */
	char *target; /* absolute container path */
	bool read_only;
	bool create_host_path; /* bind: mkdir a missing source (short syntax) */
	bool nocopy;           /* volume: do not fill a new volume from the image */
	int64_t tmpfs_size;    /* bytes, 0 = kernel default */
	int tmpfs_mode;        /* -1 = default */
	/* bind: shared, rslave, ...; NULL: rprivate, what the runtime does */
	char *propagation;
	/* :z / :Z or bind.selinux: SELinux relabelling, accepted and without
	 * effect (lxr applies no SELinux labels); 0: not given */
	char selinux;
	char *subpath; /* volume, image: a directory inside it, mounted instead */
	/* the long syntax's consistency (cached, delegated, ...): a macOS
	 * file-sharing hint with no effect on Linux, kept for config to
	 * print, as compose-go does (it drops the short syntax's :cached) */
	char *consistency;
	struct cfg_pos pos;
};
struct cfg_tmpfs {
	char *target;
	int64_t size; /* 0 = kernel default */
	int mode;     /* -1 = default */
	char **flags; /* other mount flags, validated (noexec, nosuid, ...) */
	struct cfg_pos pos;
};

/* volumes_from: every volume and bind mount of another service (of its
 * first instance, as compose takes it) at the same targets. */
struct cfg_volumes_from {
	struct cfg_str spec; /* as written: SERVICE[:MODE] or container:NAME[:MODE] */
	char *name;          /* the service, or the container */
	bool container;      /* container:NAME, outside the stack: not runnable yet */
	bool read_only;      /* :ro makes them all read-only; rw keeps each one's mode */
};

struct cfg_ulimit {
	char *name; /* nofile, nproc, ... */
	int64_t soft, hard;
	struct cfg_pos pos;
};

/* devices: a host device node made in the container, with an allow rule
 * for it in the device cgroup (docker's --device). */
struct cfg_device {
	char *source;  /* absolute host path */
	char *target;  /* absolute container path (default: source) */
	char perms[4]; /* the rule's access, some of "rwm" (default "rwm") */
	struct cfg_pos pos;
};
/* device_cgroup_rules: one more allow rule, in the kernel's devices.allow
 * syntax ("c 1:3 mr", "a 7:* rmw"). */
struct cfg_device_rule {
	char type;            /* 'a', 'b', 'c' */
	int64_t major, minor; /* -1: '*' */
	char access[4];       /* some of "rwm" */
	struct cfg_pos pos;
};

struct cfg_logging {
	struct cfg_str driver;
	struct cfg_kvs options;
};

/* ---- security_opt (security_opt.c) ---------------------------------------
 * Compose's security_opt and docker's --security-opt, one entry at a time:
 * seccomp=PATH|unconfined, no-new-privileges[:true|false|=...], and
 * label=/apparmor= as far as lxr can keep their promise (it applies no
 * AppArmor or SELinux profile). */
enum cfg_seccomp_mode {
	CFG_SECCOMP_DEFAULT, /* docker's default profile */
	CFG_SECCOMP_UNCONFINED,
	CFG_SECCOMP_PROFILE, /* a JSON profile */
};
struct cfg_security {
	enum cfg_seccomp_mode seccomp;
	struct cfg_seccomp_profile *profile; /* CFG_SECCOMP_PROFILE */
	struct cfg_bool no_new_privileges;   /* not set: lxr's default (on) */
	/* systempaths=unconfined: no masked and no read-only paths;
	 * writable-cgroups=true: the cgroup mount read-write (docker's) */
	bool systempaths_unconfined, writable_cgroups;
	struct cfg_strs opts; /* as given (a profile path made absolute) */
};
/* Which Linux security modules the host runs (they decide what label= and
 * apparmor= can mean). */
struct cfg_host_lsm {
	bool apparmor, selinux;
};
/* Read it from /sys/kernel/security/lsm, /sys/module/apparmor and
 * /sys/fs/selinux. */
struct cfg_host_lsm cfg_host_lsm_probe(void);
/* Apply one option to sec; a seccomp profile is read now (a relative path
 * from base_dir). An option that is accepted but does nothing on this host
 * sets *warning (malloc'd) to say so. Returns 0, or -1 with err. */
int cfg_security_opt_apply(const char *opt, const char *base_dir, struct cfg_host_lsm lsm,
			   struct cfg_security *sec, char **warning, lxr_err *err);
void cfg_security_free(struct cfg_security *sec);

/* x-lxr on a service: lxr's own settings (Compose tools ignore x- keys). */
struct cfg_svc_x_lxr {
	struct cfg_bool restart_on_unhealthy; /* restart when its check fails */
	/* restart backoff (defaults like docker's: 100 ms, doubling to 1 min,
	 * reset after 10 s up); not set: the default */
	struct cfg_int backoff_initial_us, backoff_max_us, backoff_reset_us;
	/* what the stack or the box does once a restart limit is used up:
	 * none, stop-stack, reboot or poweroff (finit's oncrash) */
	struct cfg_str on_give_up;
};

/* A service's names, resolver and namespaces beyond its network
 * (service_host.c): run by the plan (instance names, the endpoint's hosts
 * and resolv.conf, the spec) and the supervisor (namespaces it joins). */
struct cfg_svc_host {
	struct cfg_str container_name; /* docker's name rules; one instance only */
	struct cfg_str domainname;
	struct cfg_str network_mode;  /* host, none, service:NAME, container:NAME */
	struct cfg_str pid, ipc, uts; /* host, shareable (ipc), private, service:NAME */
	struct cfg_str cgroup;        /* host or private (the default) */
	struct cfg_str userns_mode;   /* host, auto (podman's); NULL: lxr.conf [userns] */
	struct cfg_str mac_address;
	struct cfg_strs dns, dns_search, dns_opt;
	struct cfg_strs links;      /* SERVICE or SERVICE:ALIAS, the service exists */
	struct cfg_kvs extra_hosts; /* host name -> address or "host-gateway" */
};

/* blkio_config: weight_device and the four rate lists, one entry each. */
struct cfg_blkio_dev {
	char *kind; /* "weight_device", "device_read_bps", ... */
	char *path;
	int64_t value; /* a weight, bytes or operations per second */
	struct cfg_pos pos;
};

/* Process and cgroup settings docker has beyond the limits above
 * (service_tune.c). Not honoured by the runtime yet unless said: each one
 * set is refused by cfg_stack_check_runnable, except values that change
 * nothing (false, an empty or the host's platform). */
struct cfg_svc_tune {
	struct cfg_bool stdin_open, tty;
	struct cfg_bool attach; /* honoured: false keeps its lines out of up's */
	struct cfg_bool oom_kill_disable;
	struct cfg_int shm_size, memswap_limit; /* bytes; memswap -1: unlimited */
	struct cfg_int mem_swappiness, cpu_shares, cpu_quota, cpu_period, oom_score_adj;
	struct cfg_str cpuset;
	struct cfg_str platform; /* as written; the host's or empty (others are errors) */
	struct cfg_str runtime;  /* "lxr" (others are errors) */
	struct cfg_strs group_add;
	struct cfg_int blkio_weight;
	struct cfg_blkio_dev *blkio;
	size_t n_blkio;
};

/* A service's use of a secret or config (short syntax: the source alone). */
struct cfg_svc_file_ref {
	struct cfg_str source;   /* a top-level secret/config of the stack */
	struct cfg_str target;   /* NULL: /run/secrets/SOURCE or /SOURCE */
	struct cfg_str uid, gid; /* NULL: not given */
	struct cfg_int mode;     /* permission bits */
	struct cfg_pos pos;
};

/* A Compose value lxr keeps as written (interpolated), for the service keys
 * it does not model yet (gpus, cgroup, ...): `lxr config`
 * loads and prints them, `lxr up` refuses them by name (raw.c). */
enum cfg_raw_kind { CFG_RAW_NULL, CFG_RAW_SCALAR, CFG_RAW_MAP, CFG_RAW_SEQ };
struct cfg_raw {
	enum cfg_raw_kind kind;
	char *scalar;
	bool plain;            /* an unquoted scalar: 3, true print as such */
	char **keys;           /* CFG_RAW_MAP */
	struct cfg_raw *items; /* the map's values, or the sequence */
	size_t n;
};
struct cfg_raw_key {
	char *key;
	struct cfg_pos pos;
	struct cfg_raw value;
};

/* build: (the Compose Build Specification), as compose-go normalizes it:
 * context absolute (a URL, git reference or `service:NAME` as written),
 * dockerfile "Dockerfile" unless dockerfile_inline, args resolved from the
 * environment where given without a value (and dropped where unset). lxr
 * up builds it (build/compose.c maps it onto the builder); keys the builder
 * does not honour yet are not runnable (cfg_stack_check_runnable). */
struct cfg_build {
	bool set;
	struct cfg_pos pos;
	struct cfg_str context, dockerfile, dockerfile_inline;
	struct cfg_str target, network, isolation, provenance, sbom;
	struct cfg_kvs args, labels;
	struct cfg_kvs ssh;                 /* id -> socket or key path (NULL: the agent) */
	struct cfg_kvs additional_contexts; /* name -> absolute path, URL or service:NAME */
	struct cfg_kvs extra_hosts;
	struct cfg_strs cache_from, cache_to, no_cache_filter, tags, platforms, entitlements;
	struct cfg_bool no_cache, pull, privileged;
	struct cfg_int shm_size; /* bytes */
	struct cfg_svc_file_ref *secrets;
	size_t n_secrets;
	struct cfg_ulimit *ulimits;
	size_t n_ulimits;
};

/* post_start / pre_stop: a command run inside the service's running
 * container, as `lxr exec` runs one (supervisor/hook.c). user and
 * working_dir NULL: the container's; environment over the container's
 * (a value NULL: passed through from lxr's environment and unset there,
 * so not set). */
struct cfg_hook {
	struct cfg_cmd command; /* always set, never empty */
	struct cfg_str user, working_dir;
	struct cfg_bool privileged;
	struct cfg_kvs environment;
	struct cfg_pos pos;
};

/* develop.watch: what `lxr watch` does when files under path change
 * (Compose's file watch). */
enum cfg_watch_action {
	CFG_WATCH_SYNC,         /* copy the changes into the containers at target */
	CFG_WATCH_REBUILD,      /* build the image again and recreate */
	CFG_WATCH_RESTART,      /* restart the service */
	CFG_WATCH_SYNC_RESTART, /* sync, then restart */
	CFG_WATCH_SYNC_EXEC,    /* sync, then run exec in each container */
};
struct cfg_watch {
	enum cfg_watch_action action;
	char *path;              /* absolute, relative ones to the project directory */
	char *target;            /* container path for the sync actions; NULL: none */
	struct cfg_strs ignore;  /* .dockerignore patterns, relative to path */
	struct cfg_strs include; /* the same; empty: everything */
	struct cfg_hook exec;    /* sync+exec: exec.command.argv set */
	bool initial_sync;       /* sync everything once when watch starts */
	struct cfg_pos pos;
};

/* A build context compose and buildkit take as a git repository: git://,
 * ssh://, git@, github.com/, or http(s) whose path ends in .git; each with
 * #REF[:SUBDIR] (service_build.c; build/gitctx.c clones it). */
bool cfg_context_is_git(const char *v);

/* "sync", "rebuild", "restart", "sync+restart", "sync+exec" */
const char *cfg_watch_action_name(enum cfg_watch_action a);

/* deploy.update_config / rollback_config: how `lxr up` replaces a changed
 * service's containers, and how it goes back (supervisor/update.c). */
enum cfg_update_order { CFG_UPDATE_STOP_FIRST, CFG_UPDATE_START_FIRST };
enum cfg_update_failure { CFG_UPDATE_PAUSE, CFG_UPDATE_CONTINUE, CFG_UPDATE_ROLLBACK };
struct cfg_update {
	bool set; /* the key was given */
	struct cfg_pos pos;
	int parallelism;          /* instances per batch; 0: all at once (default 1) */
	int64_t delay_us;         /* between batches (default 0) */
	int64_t monitor_us;       /* a new container watched this long once ready (5s) */
	int max_failure_permille; /* max_failure_ratio x 1000 (default 0) */
	enum cfg_update_failure failure_action; /* default pause */
	enum cfg_update_order order;            /* default stop-first */
};
#define CFG_UPDATE_MONITOR_DEFAULT_US 5000000

struct cfg_service {
	char *name;
	struct cfg_pos pos;
	struct cfg_str image; /* NULL only with build: build_image names it */
	bool image_is_path;   /* a path names a rootfs directory */
	/* the image a build makes: image:, or compose's <project>-<service> */
	char *build_image;
	struct cfg_build build;
	struct cfg_cmd command, entrypoint;
	struct cfg_kvs environment; /* env_file entries merged, then environment */
	struct cfg_env_file *env_files;
	size_t n_env_files;
	struct cfg_dep *depends_on;
	size_t n_depends_on;
	struct cfg_health healthcheck;
	struct cfg_restart_policy restart;
	struct cfg_limits limits, reservations;
	struct cfg_port *ports;
	size_t n_ports;
	struct cfg_expose *expose;
	size_t n_expose;
	struct cfg_svc_net *networks; /* never empty after load: "default" */
	size_t n_networks;
	struct cfg_mount *volumes;
	size_t n_volumes;
	struct cfg_tmpfs *tmpfs;
	size_t n_tmpfs;
	struct cfg_volumes_from *volumes_from;
	size_t n_volumes_from;
	struct cfg_strs cap_add, cap_drop; /* "CAP_NET_ADMIN" or "ALL" */
	struct cfg_bool privileged, read_only, init;
	struct cfg_device *devices;
	size_t n_devices;
	struct cfg_device_rule *device_rules; /* device_cgroup_rules */
	size_t n_device_rules;
	struct cfg_str user, working_dir, hostname;
	struct cfg_int stop_signal;       /* signal number, default SIGTERM */
	struct cfg_int stop_grace_period; /* usec, default 10s */
	struct cfg_ulimit *ulimits;
	size_t n_ulimits;
	struct cfg_kvs sysctls, labels; /* label_file entries merged, then labels */
	struct cfg_strs label_files;    /* absolute paths */
	struct cfg_kvs annotations;     /* OCI annotations: lxr inspect shows them */
	struct cfg_str isolation;       /* "default", the one value Linux has */
	struct cfg_strs profiles;
	/* a required env_file that is not there, of a service with profiles:
	 * an error only where the service is enabled, as compose-go reads the
	 * env files of enabled services alone (plan_graph_build says it) */
	struct cfg_str env_file_missing;
	struct cfg_logging logging;
	struct cfg_int replicas; /* deploy.replicas; default 1, 0 allowed */
	bool replicas_by_mode;   /* the 1 of deploy.mode global, which replicas overrides */
	struct cfg_update update_config, rollback_config; /* deploy's */
	struct cfg_str pull_policy; /* "always", "missing", "never", "build", "daily", ...;
				     * NULL: missing */
	int64_t pull_every_us;      /* daily, weekly, every_<d>: pulled when the tag is older */
	struct cfg_svc_x_lxr x_lxr;
	struct cfg_security security; /* security_opt */
	struct cfg_svc_host host;
	struct cfg_svc_tune tune;
	/* loaded, not runnable yet (secrets.c) */
	struct cfg_svc_file_ref *secrets, *configs;
	size_t n_secrets, n_configs;
	/* lifecycle hooks, in the order they run */
	struct cfg_hook *post_start, *pre_stop;
	size_t n_post_start, n_pre_stop;
	struct cfg_watch *watch; /* develop.watch */
	size_t n_watch;
	/* Compose keys lxr does not model yet, as written: not runnable */
	struct cfg_raw_key *unmodelled;
	size_t n_unmodelled;
	/* its x- extension keys (x-lxr aside), as written: config prints them */
	struct cfg_raw_key *extensions;
	size_t n_extensions;
	struct cfg_raw device_requests; /* deploy.resources.reservations.devices, as written */
	struct cfg_strs cdi_devices;    /* devices: vendor.com/class=name */
	/* the device requests of both, in that order (service_gpu.c) */
	struct cfg_device_request *gpu_reqs;
	size_t n_gpu_reqs;
};

/* A device request (docker's DeviceRequest): compose's
 * deploy.resources.reservations.devices entries and `gpus:`, lxr run's
 * --gpus. The host's CDI specs turn it into devices when a container is
 * made (runtime/cdi.c). */
struct cfg_device_request {
	char *driver;  /* "nvidia", "amd", "cdi"; NULL: the one the capabilities name */
	int64_t count; /* -1: all; 0: none */
	char **ids;    /* device_ids (CDI names for driver cdi); NULL: by count */
	char **caps;   /* capabilities: "gpu", "compute", ... */
	struct cfg_pos pos;
};

void cfg_device_requests_free(struct cfg_device_request *v, size_t n);

struct cfg_ipam_pool {
	/* ip_range: where containers' automatic addresses come from (a static
	 * one may be any of the subnet); aux_addresses: hostname -> address,
	 * kept back from every container */
	struct cfg_str subnet, gateway, ip_range;
	struct cfg_kvs aux;
	bool v6; /* an IPv6 subnet */
	struct cfg_pos pos;
};
struct cfg_network {
	char *name;
	struct cfg_pos pos;
	bool implicit; /* the "default" network nobody declared */
	/* made for network_mode alone (a name, bridge): not printed, as
	 * compose adds no network for it */
	bool mode_only;
	struct cfg_str driver; /* "bridge"; NULL for an external network */
	struct cfg_bool internal;
	struct cfg_ipam_pool *pools; /* IPv4; more than one: loaded, not runnable
				      * yet */
	size_t n_pools;
	struct cfg_bool enable_ipv6;
	struct cfg_ipam_pool pool6; /* its IPv6 subnet (subnet.v NULL: none given) */
	struct cfg_kvs labels;
	/* loaded, not runnable yet: a network made elsewhere, another name on
	 * the host, the bridge driver's options */
	struct cfg_bool external;
	struct cfg_str host_name; /* `name:` */
	struct cfg_kvs driver_opts;
};

struct cfg_volume {
	char *name;
	struct cfg_pos pos;
	struct cfg_str driver; /* "local"; NULL for an external volume */
	struct cfg_kvs driver_opts, labels;
	struct cfg_bool external; /* loaded, not runnable yet, as `name:` */
	struct cfg_str host_name; /* `name:` */
};

/* A top-level secret or config: file (absolute), environment, content
 * (configs only) or external; at least one (compose-go's rule). Loaded, not runnable
 * yet (secrets.c). */
struct cfg_file_obj {
	char *name;
	struct cfg_pos pos;
	struct cfg_str file, environment, content;
	/* environment: the variable's value when the file was loaded (the
	 * environment of `lxr up`, .env included, as compose reads it); NULL:
	 * unset. Never printed: `lxr config` shows the variable's name */
	char *env_value;
	struct cfg_bool external;
	struct cfg_str host_name; /* `name:` */
};

struct cfg_unrunnable; /* lxr/config_runnable.h */

struct cfg_stack {
	char *file;          /* the stack file as given */
	char **overrides;    /* later -f files merged over it, absolute (NULL-terminated) */
	char *dir;           /* absolute directory of the stack file */
	char *project;       /* normalized project name */
	struct cfg_str name; /* the file's `name:` as written */
	struct cfg_service *services;
	size_t n_services;
	struct cfg_network *networks;
	size_t n_networks;
	struct cfg_volume *volumes;
	size_t n_volumes;
	struct cfg_file_obj *secrets, *configs;
	size_t n_secrets, n_configs;
	struct cfg_raw models;          /* top-level models:, as written: not runnable */
	struct cfg_raw_key *extensions; /* top-level x- keys (x-lxr aside), as written */
	size_t n_extensions;
	bool model_only;                   /* loaded with accept_unsupported: not for running */
	struct cfg_unrunnable *unrunnable; /* in file order */
	size_t n_unrunnable;
	char *text;             /* the file's text where it was given (-f -), else NULL */
	int view;               /* opts.view: enum cfg_view (lxr/config_view.h) */
	struct cfg_raw written; /* with a view: the file merged, as config_view.h says */
	char **environment;     /* with opts.keep_environment: KEY=VALUE, sorted */
};

/* ---- loading ----------------------------------------------------------------- */
struct cfg_load_opts {
	const char *file; /* stack file path */
	/* compose's later -f files (and compose.override.yaml): merged over
	 * file in order, their relative paths against the project directory;
	 * NULL-terminated, may be NULL */
	const char *const *overrides;
	const char *project;  /* -p NAME, or NULL */
	char *const *environ; /* variables for interpolation; NULL: process env */
	const char *cwd;      /* for the directory-name project fallback; NULL: dirname(file) */
	/* --project-directory: the project's directory (relative paths, .env,
	 * the project name), absolute; NULL: the file's directory */
	const char *project_dir;
	/* --env-file, repeatable: read in order instead of <project dir>/.env,
	 * a later file's value over an earlier one's, each must exist;
	 * NULL-terminated, NULL: the .env */
	char *const *env_files;
	/* the file's text, read already (-f -): file only names it then */
	const char *text;
	size_t text_len;
	int view;              /* enum cfg_view (lxr/config_view.h); 0: the model alone */
	bool keep_environment; /* what ${VAR} takes, in st->environment */
	/* Print the defaults of settings the runtime does not honour yet too.
	 * For tests of the model only; `lxr` never sets it. (Such settings load
	 * either way: cfg_stack_check_runnable refuses them.) */
	bool accept_unsupported;
};

/* Two services that always run together (neither has profiles), whose
 * host ports and container names the loader keeps apart. */
bool cfg_services_together(const struct cfg_service *a, const struct cfg_service *b);
/* Did the file give the service's networks (not the default network, nor
 * the one its network_mode names, which the loader fills in)? */
bool cfg_service_networks_given(const struct cfg_service *s);

/* Load, interpolate, model and validate a stack file. Returns 0 with *out
 * set, or -1: either err says why the file could not be read at all, or (when
 * diags->n_errors > 0) the file has errors, each with its position. Warnings
 * land in diags in both cases. */
int cfg_stack_load(const struct cfg_load_opts *opts, struct cfg_stack **out,
		   struct cfg_diags *diags, lxr_err *err);
void cfg_stack_free(struct cfg_stack *s);
const struct cfg_service *cfg_stack_service(const struct cfg_stack *s, const char *name);
/* The image a service runs: image:, else the one its build: makes
 * (build_image, <project>-<service>). */
const char *cfg_service_image(const struct cfg_service *s);
/* Signal: "SIGTERM", "TERM", "term", "15", "SIGRTMIN+3", "RTMAX-1" -> number
 * (this architecture's numbering; 1..31 and 34..64). Public: the builder's
 * STOPSIGNAL takes what lxr run will send. */
int cfg_parse_signal(const char *s, int *signo);
/* A signal's name as docker writes it ("SIGTERM", "SIGRTMIN+3"); NULL for a
 * number a stop signal cannot be (cfg_parse_signal would refuse it). */
const char *cfg_signal_name(int signo);
const struct cfg_network *cfg_stack_network(const struct cfg_stack *s, const char *name);

/* The normalized model: every default filled, every variable resolved. */
enum cfg_format { CFG_FORMAT_YAML, CFG_FORMAT_JSON };
int cfg_stack_write(FILE *f, const struct cfg_stack *s, enum cfg_format fmt, lxr_err *err);

#endif
