/* Seams between the cgroup files (cgroup_host.c finds the hierarchies,
 * cgroup_plan.c turns limits into knob writes, cgroup.c and cgroup_kill.c
 * make, fill and remove the directories). Each seam takes plain data so a
 * unit test can drive it without root: the host description can come from a
 * captured /proc/self/mountinfo and point at a scratch directory. */
#ifndef LXR_RUNTIME_CGROUP_H
#define LXR_RUNTIME_CGROUP_H

#include "runtime/runtime_internal.h"

/* The controllers lxr uses. cpuacct only exists on v1, where it holds the
 * cpu usage counter; v2 has that in every cgroup's cpu.stat. devices too is
 * v1 only: v2 has no such controller, a BPF program takes its place. So is
 * freezer (pause): v2 has cgroup.freeze in every cgroup. cpuset and blkio
 * (v2: io) only where a container sets them: a new v1 cpuset cgroup has no
 * CPUs until it is given some. */
enum rt_cg_ctrl {
	RT_CG_MEMORY,
	RT_CG_CPU,
	RT_CG_PIDS,
	RT_CG_CPUACCT,
	RT_CG_DEVICES,
	RT_CG_FREEZER,
	RT_CG_CPUSET,
	RT_CG_BLKIO,
	RT_CG_NCTRL
};

const char *rt_cg_ctrl_name(enum rt_cg_ctrl c);
/* The name in a v2 cgroup.controllers list: blkio is "io" there. */
const char *rt_cg_ctrl_name_v2(enum rt_cg_ctrl c);
/* "memory" -> RT_CG_MEMORY ("io" -> RT_CG_BLKIO); -1 for a name lxr does
 * not use. */
int rt_cg_ctrl_from_name(const char *name);

/* Where this host keeps each controller. A controller bound to a v1
 * hierarchy cannot also be on v2, so v1 wins when mountinfo shows both. */
struct rt_cg_host {
	char *v2_mount;              /* cgroup2 mount point, NULL when none */
	char *v2_base;               /* the v2 directory lxr/ is made in: a delegated
					cgroup (rt_cg_host_base), NULL: v2_mount */
	char *v1_mount[RT_CG_NCTRL]; /* v1 hierarchy holding the controller */
	unsigned v2_available;       /* bits: in the v2 base's cgroup.controllers */
	unsigned v2_enabled;         /* bits: in the v2 base's cgroup.subtree_control */
};

/* Fill mounts from mountinfo text. A cgroup2 mount at prefer_v2 (the pure-v2
 * location, /sys/fs/cgroup) wins over others; otherwise, for each hierarchy,
 * a mount of its root ("/") wins over a bind mount of a sub-cgroup. */
int rt_cg_host_parse(struct rt_cg_host *h, const char *mountinfo, const char *prefer_v2,
		     lxr_err *err);
/* Fill v2_available/v2_enabled from the v2 root's two files (NULL: empty). */
void rt_cg_host_set_v2(struct rt_cg_host *h, const char *controllers, const char *subtree_control);
/* Read this host's mountinfo and v2 root files. */
int rt_cg_host_probe(struct rt_cg_host *h, lxr_err *err);
void rt_cg_host_free(struct rt_cg_host *h);
/* Where group's lxr/ goes on a pure v2 host (docs/cgroups.md): the parent
 * the group's run directory recorded (cgroup-parent), else lxr.conf's
 * [cgroup] parent, else (auto) the nearest cgroup above this process that
 * systemd marked delegated (xattr trusted.delegate or user.delegate);
 * none: the hierarchy's root, as on hybrid and v1 hosts. making: record
 * the choice for the group's later users. Sets h->v2_base and reads the
 * controllers from there. */
void rt_cg_host_base(struct rt_cg_host *h, const char *group, bool making);
/* LXR_CG_V1, LXR_CG_V2, or 0 when the host lacks the controller. */
enum lxr_cg_version rt_cg_host_where(const struct rt_cg_host *h, enum rt_cg_ctrl c);

/* rt_cgroup_create against a given host description. */
int rt_cg_create_on(const struct rt_cg_host *h, const char *group, const char *name,
		    const struct lxr_resources *res, struct lxr_cgroup **out, lxr_err *err);
/* rt_cgroup_open against a given host description. */
int rt_cg_open_on(const struct rt_cg_host *h, const char *group, const char *name,
		  struct lxr_cgroup **out, lxr_err *err);

/* One directory of the container's cgroup in one hierarchy. */
struct rt_cg_leaf {
	enum lxr_cg_version version;
	char *mount;    /* the hierarchy's mount point */
	char *path;     /* mount/lxr/group/name */
	unsigned ctrls; /* bits of the controllers lxr uses through this leaf */
	bool delegated; /* mount is a delegated cgroup (v2_base), not a root */
};

/* A container's cgroup: one leaf per hierarchy it spans (cgroup.c makes
 * and removes it, cgroup_read.c reads it). */
#define RT_CG_MAX_LEAVES (RT_CG_NCTRL + 1)
_Static_assert(RT_CG_MAX_LEAVES <= RT_CG_JOIN_MAX, "rt_cg_join holds every leaf");
struct lxr_cgroup {
	char *group, *name;
	struct rt_cg_leaf leaf[RT_CG_MAX_LEAVES];
	size_t n_leaves;
	int v2_fd;
	/* settings the kernel has no knob for, dropped (as docker drops them) */
	char **warnings;
	/* the knob writes it was made with (limits_key): a restart may reuse
	 * it only for the same limits */
	char *key;
	/* OOM kills counted before its present life (a reused cgroup keeps
	 * the count of the last one) */
	int64_t oom_base;
};

/* Remove MOUNT/lxr/<group> and MOUNT/lxr when nothing is in them (cgroup_host.c). lxr's own
 * groups (`_run`, `_build`: a project name cannot start with "_") stay:
 * one `lxr run` after another would otherwise make the group in every
 * hierarchy at each start and remove it again at each end, a cgroup mkdir
 * and rmdir apiece on both critical paths. */
void rt_cg_prune_group(const char *mount, const char *group);
/* Make l's directory lxr/<group>/<name> under l->mount (cgroup_leaf.c):
 * l->path set; root_off, v2 controllers the hierarchy's root does not hand
 * down yet. EEXIST when the leaf is there already. */
int rt_cg_make_leaf(struct rt_cg_leaf *l, const char *group, const char *name, unsigned root_off,
		    lxr_err *err);

/* The leaf holding controller c, and the v2 leaf; NULL where there is none. */
struct rt_cg_leaf *rt_cg_leaf_for(struct lxr_cgroup *cg, enum rt_cg_ctrl c);
struct rt_cg_leaf *rt_cg_leaf_v2(struct lxr_cgroup *cg);

/* Kill everything in path and below it, then remove path and the empty
 * directories below it; ENOENT counts as done. Polls (bounded) for the
 * killed processes to leave: the one place the runtime waits on a timer. */
int rt_cg_leaf_remove(const char *path, enum lxr_cg_version v, lxr_err *err);
/* The same, but path itself stays (empty) for a next life. */
int rt_cg_leaf_empty(const char *path, enum lxr_cg_version v, lxr_err *err);
/* Thaw a frozen leaf (v1 freezer.state, v2 cgroup.freeze) so that what is
 * inside can take the SIGKILL of its removal; no freezer is no error. */
void rt_cg_leaf_thaw(const struct rt_cg_leaf *l);
/* Read a cgroup.procs file into a pid list. */
int rt_cg_read_pids(const char *procs_path, pid_t **pids, size_t *n, lxr_err *err);

/* ---- the device cgroup (cgroup_devices.c: pure; cgroup_bpf.c) --------------
 * The spec's rule list folded into what cgroup v1 holds after reading it: a
 * default and the exceptions to it (lxr_device_rule says how). Both backends
 * enforce that one state, so they cannot disagree: v1 as a devices.deny or
 * devices.allow "a" and one line per exception, v2 as a BPF program that
 * checks the exceptions the way the v1 kernel code does. */
enum { RT_DEV_MKNOD = 1, RT_DEV_READ = 2, RT_DEV_WRITE = 4, RT_DEV_ALL = 7 }; /* BPF_DEVCG_ACC_* */
struct rt_dev_exception {
	char type;            /* 'b' or 'c' */
	int64_t major, minor; /* -1: any */
	unsigned access;      /* RT_DEV_* bits, never 0 */
};
struct rt_dev_state {
	bool allow_all; /* the default; each exception says the opposite */
	struct rt_dev_exception *ex;
	size_t n;
};
/* Fold rules into st (from allow-all, as a new v1 cgroup below the root
 * starts). -1 with err naming the rule when one is malformed. */
int rt_dev_state_build(const struct lxr_device_rule *rules, size_t n, struct rt_dev_state *st,
		       lxr_err *err);
void rt_dev_state_free(struct rt_dev_state *st);
/* The v1 kernel's decision for a request of access (RT_DEV_* bits) on a
 * node of type 'b'/'c' major:minor: the model both backends must match. */
bool rt_dev_state_allows(const struct rt_dev_state *st, char type, uint32_t major, uint32_t minor,
			 unsigned access);
/* An exception as a devices.allow/deny line: "c 1:3 rwm", "b *:* m". */
void rt_dev_exception_format(const struct rt_dev_exception *e, char *buf, size_t len);

struct bpf_insn;
/* The BPF_PROG_TYPE_CGROUP_DEVICE program enforcing st; *insns is
 * malloc'd. Straight-line checks, one block per exception, every
 * instruction reachable (the verifier refuses dead code). */
void rt_dev_bpf_build(const struct rt_dev_state *st, struct bpf_insn **insns, size_t *n);
/* Load that program and attach it (BPF_CGROUP_DEVICE) to the cgroup v2
 * directory dir, before any process is in it. The program fd is closed
 * here: the attachment holds the program until the cgroup is removed, so
 * nothing is left to undo and a crashed supervisor leaks nothing. */
int rt_dev_bpf_attach(const char *dir, const struct rt_dev_state *st, lxr_err *err);

/* ---- knob file syntax (pure) ---------------------------------------------- */
/* "key N" lines (memory.events, memory.oom_control, cpu.stat): value of key,
 * or -1 when the key is absent or not a number. */
int64_t rt_cg_parse_keyed(const char *text, const char *key);
/* A file holding one number (memory.current, pids.current, cpuacct.usage). */
int64_t rt_cg_parse_single(const char *text);
/* Names in a space-separated list ("cpu io memory") as rt_cg_ctrl bits. */
unsigned rt_cg_parse_ctrl_list(const char *text);

/* Rootless: whether the limits planned in w (n writes, v2) fit the
 * controllers `have` of the delegated cgroup base; EPERM naming the first
 * controller the user was not delegated and the systemd drop-in that
 * delegates it (cgroup_rootless.c). */
int rt_cg_rootless_fits(const char *base, unsigned have, const struct rt_cg_write *w, int n,
			lxr_err *err);

#endif
