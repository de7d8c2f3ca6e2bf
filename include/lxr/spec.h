/* The container spec: plain data, the contract between the plan layer (which
 * resolves one per service instance) and the runtime (which runs it). Mapped
 * field for field onto the OCI runtime spec (config.json), so lxr can later
 * serve as an OCI runtime. No functions here: the runtime fills defaults
 * (rt_spec_init_defaults) and runs it; the plan fills the rest. */
#ifndef LXR_SPEC_H
#define LXR_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "lxr/util.h"

/* ---- the spec ------------------------------------------------------------ */

/* OCI "mounts[]": destination inside the container, type, source, flags
 * (MS_*), and the filesystem data string. Bind mounts have type "bind". */
struct lxr_mount {
	char *destination;
	char *type;
	char *source;
	unsigned long flags; /* MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC */
	/* MS_PRIVATE (default), MS_SLAVE, MS_SHARED, with MS_REC for the
	 * r* modes (OCI's "rslave"...). A bind's shared or slave tie is to
	 * the host's mount of its source */
	unsigned long propagation;
	char *data; /* "size=64m,mode=1777" */
	/* bind of a volume directory: the runtime makes a missing source, and
	 * fills an empty one from the image's content at destination (owner
	 * and mode of the directory too), as docker does, unless nocopy */
	bool volume, nocopy;
	/* its files' owners are the container's ids (a volume, a secret lxr
	 * wrote for uid:gid): in a user namespace it is mounted idmapped to
	 * it (OCI: the mount's uidMappings/gidMappings), else as it is */
	bool idmap;
	/* source is a path in this mount namespace (/proc/PID/ns/mnt), not
	 * lxr's: another container's own mount, shared with this one (its
	 * /dev/shm for ipc, its /etc/hosts for network_mode container:) */
	char *source_ns;
	/* a volume's subpath: what is mounted is this path inside source,
	 * resolved beneath it (no symlink or ".." leads out of the volume) */
	char *subpath;
	/* an image's subpath: once mounted, what stays visible at destination
	 * is this directory of it, resolved inside it (its links as the image
	 * has them) */
	char *within;
};

struct lxr_rlimit {
	int resource; /* RLIMIT_* */
	uint64_t soft, hard;
};

/* OCI "process.capabilities": five 64-bit sets, bit n = capability n. */
struct lxr_caps {
	uint64_t bounding, effective, permitted, inheritable, ambient;
};

/* OCI "linux.resources.devices[]": one rule of the device cgroup. The list
 * is read in order with cgroup v1's meaning (whichever backend enforces it):
 * a rule of type 'a' with both numbers -1 and access "rwm" resets the list to
 * allow-all or deny-all; any other rule adds its access to (allow) or removes
 * it from (deny) the exception for exactly that type and numbers; an 'a' rule
 * with numbers or part of the access stands for the same 'b' and 'c' rules.
 * A request passes when one exception grants all of it (deny-all) or none
 * refuses any of it (allow-all). */
struct lxr_device_rule {
	bool allow;
	char type;            /* 'a' (block and char), 'b', 'c' */
	int64_t major, minor; /* -1: any */
	char access[4];       /* some of "rwm": read, write, mknod */
};

/* OCI "linux.devices[]": a device node the runtime makes in the container
 * (the cgroup must also allow it: see lxr_device_rule). */
struct lxr_device {
	char *path;      /* absolute, in the container: /dev/fuse */
	char *host_path; /* the host's node, bound where none can be made
			    (rootless); NULL: path */
	char type;       /* 'c', 'u' (unbuffered char, made as 'c'), 'b', 'p' (fifo) */
	int64_t major, minor;
	mode_t file_mode; /* permission bits, 0666 */
	uid_t uid;
	gid_t gid;
	/* CDI's rule for a node whose spec gives no owner: the container
	 * user's ids where they are not root (rt_spec_apply_user) */
	bool uid_of_user, gid_of_user;
};

/* OCI "linux.resources.blockIO": a weight or a throttle on one block
 * device (weightDevice, throttleRead/WriteBps/IOPSDevice). */
enum lxr_blkio_kind {
	LXR_BLKIO_WEIGHT,
	LXR_BLKIO_READ_BPS,
	LXR_BLKIO_WRITE_BPS,
	LXR_BLKIO_READ_IOPS,
	LXR_BLKIO_WRITE_IOPS
};
struct lxr_blkio_device {
	enum lxr_blkio_kind kind;
	int64_t major, minor;
	uint64_t value; /* a weight 10..1000, bytes or operations per second */
};

/* OCI "linux.resources". 0 means "no limit" for every number. */
struct lxr_resources {
	int64_t memory_limit;       /* bytes: memory.max / memory.limit_in_bytes */
	int64_t memory_swap;        /* bytes of memory+swap; 0 = same as memory_limit (no swap);
				     * -1 = unlimited swap */
	int64_t memory_reservation; /* bytes: memory.low / memory.soft_limit_in_bytes */
	uint64_t cpu_quota;         /* microseconds per period; cpus=1.5 -> 150000 */
	uint64_t cpu_period;        /* microseconds; 0 = 100000 */
	uint64_t cpu_shares;        /* OCI shares (2..262144); 0 = default */
	/* pids.max; -1 (OCI's and docker's "unlimited") or 0: no limit.
	 * rt_spec_init_defaults sets lxr's default, lxr_pids_limit_default()
	 * (4096 unless lxr.conf [limits] pids says otherwise) */
	int64_t pids_limit;
	/* the device cgroup, in order; none: no device cgroup at all (every
	 * device node the container can make is usable: rt_spec_init_defaults
	 * gives docker's list) */
	struct lxr_device_rule *devices;
	size_t n_devices;
	/* cpu.cpus: the CPUs it may run on ("0-3,6"); NULL: every one */
	char *cpuset_cpus;
	/* memory.swappiness 0..100 (cgroup v1 only: v2 has no such knob,
	 * and the runtime warns and goes on, as docker does) */
	bool has_swappiness;
	int swappiness;
	/* memory.disableOOMKiller (v1 memory.oom_control; v2: a warning) */
	bool oom_kill_disable;
	/* blockIO: weight 10..1000 (0: the kernel's), per-device entries */
	uint16_t blkio_weight;
	struct lxr_blkio_device *blkio_devices;
	size_t n_blkio_devices;
};

/* What the container's namespaces are: new ones (the default), or joined. */
enum lxr_ns_kind {
	LXR_NS_PID,
	LXR_NS_MNT,
	LXR_NS_UTS,
	LXR_NS_IPC,
	LXR_NS_NET,
	LXR_NS_CGROUP,
	LXR_NS_COUNT
};

struct lxr_namespace {
	bool create;     /* new namespace of this kind */
	char *join_path; /* or: setns() to this /proc/PID/ns/... path */
	/* join_path is a namespace made for this container alone (its
	 * network endpoint's, or its own kept from an earlier start): what it
	 * sets there (net.* sysctls) is its own, not the host's or another's */
	bool own;
};

/* OCI "linux.seccomp": a syscall filter as data. Names are the kernel's
 * syscall names; architectures are OCI's "SCMP_ARCH_X86_64" spellings (the
 * native one is always in). A profile in docker's JSON format becomes this
 * once its includes/excludes are decided for the container (plan layer), so
 * the runtime only compiles what it is given. */
enum lxr_seccomp_action {
	LXR_SECCOMP_KILL_THREAD, /* SCMP_ACT_KILL, SCMP_ACT_KILL_THREAD */
	LXR_SECCOMP_KILL_PROCESS,
	LXR_SECCOMP_TRAP,
	LXR_SECCOMP_ERRNO, /* fail with errno_ret */
	LXR_SECCOMP_TRACE, /* a ptrace tracer decides; errno_ret without one */
	LXR_SECCOMP_ALLOW,
	LXR_SECCOMP_LOG, /* allowed, and logged by the kernel */
};
enum lxr_seccomp_op {
	LXR_SECCOMP_NE,
	LXR_SECCOMP_LT,
	LXR_SECCOMP_LE,
	LXR_SECCOMP_EQ,
	LXR_SECCOMP_GE,
	LXR_SECCOMP_GT,
	LXR_SECCOMP_MASKED_EQ, /* (arg & value) == value_two */
};
struct lxr_seccomp_arg {
	unsigned index; /* 0..5 */
	uint64_t value, value_two;
	enum lxr_seccomp_op op;
};
/* One rule: every name, when every arg matches (args with the same index
 * are alternatives instead, as runc reads them). */
struct lxr_seccomp_syscall {
	char **names;
	enum lxr_seccomp_action action;
	unsigned errno_ret; /* ERRNO and TRACE: OCI's errnoRet, EPERM when it is not given */
	struct lxr_seccomp_arg *args;
	size_t n_args;
};
struct lxr_seccomp {
	enum lxr_seccomp_action default_action;
	unsigned default_errno_ret; /* defaultErrnoRet, EPERM when not given */
	char **architectures;       /* NULL: the native one only */
	struct lxr_seccomp_syscall *syscalls;
	size_t n_syscalls;
};

/* OCI "hooks.createContainer": run by the runtime in the container's
 * namespaces once its root filesystem is mounted, before pivot_root, with
 * the container's state on standard input (CDI specs bring them) */
struct lxr_hook {
	char *path;
	char **args, **env;
	int timeout; /* seconds; 0: none */
};

struct lxr_spec {
	char *id;           /* container name, unique per run dir */
	char *cgroup_group; /* cgroup below lxr/: lxr/<cgroup_group>/<id> */
	char *hostname;     /* OCI "hostname" */
	char *domainname;   /* OCI "domainname" (NULL: the kernel's "(none)") */

	/* OCI "root": the read-only lower layer(s); the runtime stacks a
	 * per-container upper/work pair on top with overlayfs. */
	char **lower_dirs; /* topmost first, as overlayfs lowerdir= */
	bool readonly_root;
	/* the writable layer dies with the container (--rm): it is a tmpfs in
	 * the container's mount namespace, charged to its memory cgroup, gone
	 * with it; otherwise upper/ in the container's directory is kept */
	bool ephemeral_upper;
	/* --rm without a network endpoint: the caller holds the container's
	 * mount namespace from its clone and hands it to the detached removal
	 * (rt_container_destroy_detached), so the unmounts are not in the exit
	 * of its init, which the caller waits for. Not with an endpoint: the
	 * namespace's sysfs would keep the network namespace and its veth. */
	bool hold_mounts;
	/* the caller has nothing else to do until the container runs (lxr
	 * run in the foreground): a start that hangs on a host path or a
	 * volume's copy-up, or runs at a throttled cgroup's pace, holds only
	 * the caller, which waits for it anyway (src/runtime/clone.c) */
	bool caller_waits;
	/* a restart of a container whose directory (and writable layer) is
	 * still there: reuse it instead of refusing the name */
	bool reuse_dir;
	/* env holds a secret (a build's RUN --mount=type=secret,env=): it is
	 * not written to the state file, so nothing that joins the container
	 * later (exec) gets it, and it never reaches the disk */
	bool secret_env;

	/* OCI "process" */
	char **args;
	char **env;
	char *cwd;
	uid_t uid;
	gid_t gid;
	gid_t *additional_gids;
	size_t n_additional_gids;
	bool terminal; /* allocate a PTY from the container's devpts */
	/* OCI process.consoleSize: set on the PTY before the command runs, so
	 * it never reads 0x0 (0: leave the kernel's default) */
	unsigned short console_rows, console_cols;
	bool open_stdin; /* -i: keep stdin connected */
	struct lxr_caps caps;
	bool no_new_privileges;
	struct lxr_rlimit *rlimits;
	size_t n_rlimits;
	bool init;       /* lxr's own init as PID 1 (default true) */
	int stop_signal; /* default SIGTERM */
	/* OCI process.oomScoreAdj: written before the capabilities drop */
	bool has_oom_score_adj;
	int oom_score_adj;

	/* OCI "mounts" (in order, after the runtime's own /proc, /sys, /dev) */
	struct lxr_mount *mounts;
	size_t n_mounts;

	/* OCI "linux" */
	struct lxr_namespace ns[LXR_NS_COUNT];
	/* OCI "linux": a user namespace and its uidMappings/gidMappings,
	 * one range each: ids 0..count-1 of the container are uid.. and
	 * gid.. of the host. AUTO: the runtime takes the range from lxr's
	 * pool when it makes the container (kept until it is removed);
	 * HOST: no user namespace */
	struct lxr_userns {
		enum lxr_userns_mode mode;
		uint32_t uid, gid, count;
	} userns;
	struct lxr_resources resources;
	char **masked_paths;
	char **readonly_paths;
	char **sysctls; /* "net.ipv4.ip_forward=1" */
	/* lxr's own /etc/hosts (no network endpoint writes one): the lines
	 * beyond localhost ("NAME=ADDRESS", extra_hosts), and whether it
	 * starts from the host's /etc/hosts (network_mode host) */
	char **extra_hosts;
	bool hosts_from_host;
	/* lxr's own resolv.conf (no endpoint writes one): the host's, with
	 * these in place of its nameserver, search and options lines when
	 * given (dns, dns_search, dns_opt) */
	char **dns, **dns_search, **dns_opt;
	/* the syscall filter: docker's default profile for this spec's
	 * bounding set (the runtime's own table), or the profile in seccomp
	 * (which wins when both are set); neither: no filter (unconfined) */
	bool seccomp_default;
	/* the capabilities docker's default profile is built for when they
	 * are not caps.bounding: an exec --privileged (or a privileged hook)
	 * keeps the container's filter, as docker exec does, and only its
	 * capabilities widen */
	bool seccomp_caps_set;
	uint64_t seccomp_caps;
	struct lxr_seccomp *seccomp;
	/* nodes made in the container besides the runtime's own (null, zero,
	 * full, random, urandom, tty, and ptmx to its devpts) */
	struct lxr_device *devices;
	size_t n_devices;
	/* /sys (and a cgroup2 mount under it) read-write: what OCI says with
	 * a /sys mount without "ro"; docker does it for --privileged only */
	bool writable_sysfs;
	/* the cgroup mount alone read-write (docker's security_opt
	 * writable-cgroups=true) */
	bool writable_cgroups;
	/* no /dev/shm at all (docker's ipc: none; OCI: no such mount). A
	 * mount of the spec's own at /dev/shm replaces the runtime's tmpfs */
	bool no_dev_shm;
	struct lxr_hook *hooks;
	size_t n_hooks;
};

#endif
