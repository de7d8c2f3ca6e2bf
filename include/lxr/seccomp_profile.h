/* lxr config layer: seccomp profiles (src/config/seccomp_json.c), docker's
 * JSON profile format, read and checked in full when the stack file (or
 * `lxr run --security-opt`) names it. Its rules can depend on the container
 * (capabilities) and the host (architecture, kernel), as docker's do; the
 * plan layer decides those conditions for one container and hands the
 * runtime a plain OCI profile (struct lxr_seccomp). */
#ifndef LXR_SECCOMP_PROFILE_H
#define LXR_SECCOMP_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "lxr/spec.h"
#include "lxr/util.h"

struct cfg_seccomp_cond {
	uint64_t caps;          /* capability bits: includes needs all, excludes any */
	char **arches;          /* docker's architecture names ("amd64", "arm64", ...) */
	unsigned min_kernel[2]; /* major, minor; 0.0: not set */
};
struct cfg_seccomp_rule {
	struct lxr_seccomp_syscall call;
	struct cfg_seccomp_cond includes, excludes;
};
struct cfg_seccomp_arch_map {
	char *arch; /* "SCMP_ARCH_X86_64" */
	char **sub; /* the other ABIs that machine runs */
};
struct cfg_seccomp_profile {
	char *path; /* the file it was read from */
	enum lxr_seccomp_action default_action;
	unsigned default_errno_ret;
	char **architectures; /* or arch_map: not both */
	struct cfg_seccomp_arch_map *arch_map;
	size_t n_arch_map;
	struct cfg_seccomp_rule *rules;
	size_t n_rules;
};
/* Read and check the profile at path. Errors name the file, the element
 * ("syscalls[3].action") and what to write instead. */
int cfg_seccomp_profile_load(const char *path, struct cfg_seccomp_profile **out, lxr_err *err);
/* The same on text in memory; name stands for the file in messages. */
int cfg_seccomp_profile_parse(const char *text, size_t len, const char *name,
			      struct cfg_seccomp_profile **out, lxr_err *err);
void cfg_seccomp_profile_free(struct cfg_seccomp_profile *p);
/* "CAP_SYS_ADMIN", "SYS_ADMIN" or "sys_admin" -> its number; -1 unknown. */
int cfg_cap_number(const char *name);

#endif
