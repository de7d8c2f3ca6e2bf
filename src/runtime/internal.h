/* Seams between the runtime's own files. Not part of the public face. */
#ifndef LXR_RUNTIME_INTERNAL_H
#define LXR_RUNTIME_INTERNAL_H

#include "lxr/runtime.h"

/* ---- process credentials (creds.c, caps.c, seccomp.c) --------------------
 * Called in the container, after the rootfs is in place and before exec, as
 * root in the container's namespaces. In this order: rlimits, bounding set,
 * supplementary groups, gid, uid (keeping capabilities across the switch),
 * effective/permitted/inheritable, ambient, no_new_privs, seccomp. After it
 * returns the process can exec and nothing more. */
int rt_process_apply_creds(const struct lxr_spec *spec, lxr_err *err);

/* Load lxr's default seccomp filter (docker-like deny list, EPERM). Needs
 * no_new_privs or CAP_SYS_ADMIN, so it is the last step before exec. */
int rt_seccomp_load_default(lxr_err *err);

/* ---- cgroup plan (cgroup.c) -----------------------------------------------
 * Limits become a list of knob writes before anything is written, so a test
 * can read the plan without root. */
struct rt_cg_write {
	const char *controller; /* "memory", "cpu", "pids" */
	const char *file;	/* "memory.max", "memory.limit_in_bytes", ... */
	char value[64];
	/* The file may be absent (a kernel without swap accounting): set
	 * only on swap knobs whose absence keeps the promise — "unlimited
	 * swap" is the default, and "no swap" holds on a host without swap
	 * (a host with swap gets a warning). */
	bool optional;
};
/* Fill up to max writes for res on the given backend; returns the count, or
 * -1 with err when a value is out of range. */
int rt_cgroup_plan(const struct lxr_resources *res, enum lxr_cg_version v, struct rt_cg_write *w,
		   size_t max, lxr_err *err);

#endif
