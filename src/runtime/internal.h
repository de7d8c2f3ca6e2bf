/* Seams between the runtime's own files. Not part of the public face. */
#ifndef LXR_RUNTIME_INTERNAL_H
#define LXR_RUNTIME_INTERNAL_H

#include "lxr/runtime.h"

/* ---- process credentials (creds.c, caps.c, seccomp.c) --------------------
 * Called in the container, after the rootfs is in place and before exec, as
 * root in the container's namespaces. In this order: rlimits, bounding set,
 * supplementary groups, gid, uid (keeping capabilities across the switch),
 * effective/permitted/inheritable, ambient, no_new_privs, seccomp. (Without
 * no_new_privs the kernel takes a filter only from a CAP_SYS_ADMIN holder,
 * so then seccomp moves to just after the bounding set.) After it returns
 * the process can exec and nothing more. */
int rt_process_apply_creds(const struct lxr_spec *spec, lxr_err *err);

/* Load lxr's default seccomp filter (docker-like deny list, EPERM). Needs
 * no_new_privs or CAP_SYS_ADMIN, so it is the last step before exec. */
int rt_seccomp_load_default(lxr_err *err);

/* The same filter for a container whose bounding set is caps: like
 * docker's profile, a rule guarded by a capability (mount by SYS_ADMIN,
 * settimeofday by SYS_TIME, ...) is left out when caps has it. */
int rt_seccomp_load(uint64_t caps, lxr_err *err);
/* The plan without loading it: would the filter for caps deny syscall (in
 * full or for some arguments)? */
bool rt_seccomp_denies(const char *syscall, uint64_t caps);
/* personality(2) rules as data: deny when (arg & mask) == value. */
struct rt_masked_cmp {
	uint64_t mask, value;
};
size_t rt_seccomp_persona_denials(struct rt_masked_cmp *out, size_t max);

/* ---- capability helpers (caps.c) ----------------------------------------- */
/* The running kernel's highest capability number (cap_last_cap). */
int rt_cap_last_cap(void);
/* Every capability the running kernel has. */
uint64_t rt_caps_all(void);
/* "CAP_NET_ADMIN" for 12, into buf; returns buf. */
const char *rt_cap_name(int cap, char *buf, size_t len);

/* ---- cgroup plan (cgroup.c) -----------------------------------------------
 * Limits become a list of knob writes before anything is written, so a test
 * can read the plan without root. */
struct rt_cg_write {
	const char *controller; /* "memory", "cpu", "pids" */
	const char *file;	/* "memory.max", "memory.limit_in_bytes", ... */
	char value[64];
};
/* Fill up to max writes for res on the given backend; returns the count, or
 * -1 with err when a value is out of range. */
int rt_cgroup_plan(const struct lxr_resources *res, enum lxr_cg_version v, struct rt_cg_write *w,
		   size_t max, lxr_err *err);

#endif
