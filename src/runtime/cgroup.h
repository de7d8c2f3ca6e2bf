/* Seams between the cgroup files (cgroup_host.c finds the hierarchies,
 * cgroup_plan.c turns limits into knob writes, cgroup.c and cgroup_kill.c
 * make, fill and remove the directories). Each seam takes plain data so a
 * unit test can drive it without root: the host description can come from a
 * captured /proc/self/mountinfo and point at a scratch directory. */
#ifndef LXR_RUNTIME_CGROUP_H
#define LXR_RUNTIME_CGROUP_H

#include "runtime/internal.h"

/* The controllers lxr uses. cpuacct only exists on v1, where it holds the
 * cpu usage counter; v2 has that in every cgroup's cpu.stat. */
enum rt_cg_ctrl { RT_CG_MEMORY, RT_CG_CPU, RT_CG_PIDS, RT_CG_CPUACCT, RT_CG_NCTRL };

const char *rt_cg_ctrl_name(enum rt_cg_ctrl c);
/* "memory" -> RT_CG_MEMORY; -1 for a name lxr does not use. */
int rt_cg_ctrl_from_name(const char *name);

/* Where this host keeps each controller. A controller bound to a v1
 * hierarchy cannot also be on v2, so v1 wins when mountinfo shows both. */
struct rt_cg_host {
	char *v2_mount;              /* cgroup2 mount point, NULL when none */
	char *v1_mount[RT_CG_NCTRL]; /* v1 hierarchy holding the controller */
	unsigned v2_available;       /* bits: in the v2 root's cgroup.controllers */
	unsigned v2_enabled;         /* bits: in the v2 root's cgroup.subtree_control */
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
};

/* Kill everything in path and below it, then remove path and the empty
 * directories below it; ENOENT counts as done. Polls (bounded) for the
 * killed processes to leave: the one place the runtime waits on a timer. */
int rt_cg_leaf_remove(const char *path, enum lxr_cg_version v, lxr_err *err);
/* Read a cgroup.procs file into a pid list. */
int rt_cg_read_pids(const char *procs_path, pid_t **pids, size_t *n, lxr_err *err);

/* ---- knob file syntax (pure) ---------------------------------------------- */
/* "key N" lines (memory.events, memory.oom_control, cpu.stat): value of key,
 * or -1 when the key is absent or not a number. */
int64_t rt_cg_parse_keyed(const char *text, const char *key);
/* A file holding one number (memory.current, pids.current, cpuacct.usage). */
int64_t rt_cg_parse_single(const char *text);
/* Names in a space-separated list ("cpu io memory") as rt_cg_ctrl bits. */
unsigned rt_cg_parse_ctrl_list(const char *text);

#endif
