/* A docker-format seccomp profile decided for one container, as docker's
 * setupSeccomp does: a rule is kept when its includes hold (every listed
 * capability in the bounding set, this machine among its arches, the
 * kernel at least minKernel) and its excludes do not (any listed
 * capability, this machine, the kernel at least minKernel); the archMap
 * entry for this machine gives the architectures. What comes out is OCI's
 * linux.seccomp, which the runtime compiles without deciding anything. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "lxr/plan.h"

/* This build's machine, in docker's words (Go's GOARCH through
 * libseccomp's spelling, as includes/excludes "arches" use them) and in
 * OCI's (archMap). A binary runs where it was built for, so the compiler
 * knows it. */
#if defined(__x86_64__) && defined(__ILP32__)
#define NATIVE_DOCKER "x32"
#define NATIVE_OCI    "SCMP_ARCH_X32"
#elif defined(__x86_64__)
#define NATIVE_DOCKER "amd64"
#define NATIVE_OCI    "SCMP_ARCH_X86_64"
#elif defined(__i386__)
#define NATIVE_DOCKER "x86"
#define NATIVE_OCI    "SCMP_ARCH_X86"
#elif defined(__aarch64__)
#define NATIVE_DOCKER "arm64"
#define NATIVE_OCI    "SCMP_ARCH_AARCH64"
#elif defined(__arm__)
#define NATIVE_DOCKER "arm"
#define NATIVE_OCI    "SCMP_ARCH_ARM"
#elif defined(__s390x__)
#define NATIVE_DOCKER "s390x"
#define NATIVE_OCI    "SCMP_ARCH_S390X"
#elif defined(__s390__)
#define NATIVE_DOCKER "s390"
#define NATIVE_OCI    "SCMP_ARCH_S390"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_DOCKER "ppc64le"
#define NATIVE_OCI    "SCMP_ARCH_PPC64LE"
#elif defined(__powerpc64__)
#define NATIVE_DOCKER "ppc64"
#define NATIVE_OCI    "SCMP_ARCH_PPC64"
#elif defined(__powerpc__)
#define NATIVE_DOCKER "ppc"
#define NATIVE_OCI    "SCMP_ARCH_PPC"
#elif defined(__riscv) && __riscv_xlen == 64
#define NATIVE_DOCKER "riscv64"
#define NATIVE_OCI    "SCMP_ARCH_RISCV64"
#elif defined(__loongarch64)
#define NATIVE_DOCKER "loong64"
#define NATIVE_OCI    "SCMP_ARCH_LOONGARCH64"
#else
/* another machine: no arch-specific rule and no archMap entry applies */
#define NATIVE_DOCKER ""
#define NATIVE_OCI    ""
#endif

const char *plan_seccomp_native_arch(void)
{
	return NATIVE_DOCKER;
}

static bool has(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

static bool kernel_at_least(const unsigned *have, const unsigned *min)
{
	return have[0] > min[0] || (have[0] == min[0] && have[1] >= min[1]);
}

static bool min_set(const unsigned *mk)
{
	return mk[0] || mk[1];
}

static bool rule_applies(const struct cfg_seccomp_rule *r, uint64_t bounding,
			 const unsigned *kernel)
{
	const struct cfg_seccomp_cond *in = &r->includes, *ex = &r->excludes;

	if (has(ex->arches, NATIVE_DOCKER) || (ex->caps & bounding) ||
	    (min_set(ex->min_kernel) && kernel_at_least(kernel, ex->min_kernel)))
		return false;
	if ((in->arches && !has(in->arches, NATIVE_DOCKER)) || (in->caps & bounding) != in->caps ||
	    (min_set(in->min_kernel) && !kernel_at_least(kernel, in->min_kernel)))
		return false;
	return true;
}

static void copy_call(const struct lxr_seccomp_syscall *from, struct lxr_seccomp_syscall *to)
{
	*to = *from;
	to->names = lxr_strv_dup(from->names);
	to->args = lxr_xcalloc(from->n_args + 1, sizeof(*to->args));
	if (from->n_args)
		memcpy(to->args, from->args, from->n_args * sizeof(*to->args));
}

struct lxr_seccomp *plan_seccomp_resolve(const struct cfg_seccomp_profile *p, uint64_t bounding,
					 const char *kernel_release)
{
	struct lxr_seccomp *s = lxr_xcalloc(1, sizeof(*s));
	unsigned kernel[2] = {0, 0};

	/* "6.1.0-18-amd64": kernel and major revision, the rest ignored (a
	 * release that does not parse meets no minKernel) */
	if (!kernel_release || lxr_sscanf(kernel_release, "%u.%u", &kernel[0], &kernel[1]) != 2)
		kernel[0] = kernel[1] = 0;
	s->default_action = p->default_action;
	s->default_errno_ret = p->default_errno_ret;
	if (p->architectures)
		s->architectures = lxr_strv_dup(p->architectures);
	for (size_t i = 0; i < p->n_arch_map && !s->architectures; i++) {
		if (strcmp(p->arch_map[i].arch, NATIVE_OCI))
			continue;
		lxr_strv_push(&s->architectures, lxr_xstrdup(p->arch_map[i].arch));
		for (size_t k = 0; p->arch_map[i].sub && p->arch_map[i].sub[k]; k++)
			lxr_strv_push(&s->architectures, lxr_xstrdup(p->arch_map[i].sub[k]));
	}
	s->syscalls = lxr_xcalloc(p->n_rules + 1, sizeof(*s->syscalls));
	for (size_t i = 0; i < p->n_rules; i++)
		if (rule_applies(&p->rules[i], bounding, kernel))
			copy_call(&p->rules[i].call, &s->syscalls[s->n_syscalls++]);
	return s;
}

void plan_security_apply(const struct cfg_security *sec, bool privileged,
			 const char *kernel_release, struct lxr_spec *spec)
{
	if (sec->no_new_privileges.set)
		spec->no_new_privileges = sec->no_new_privileges.v;
	/* docker's systempaths=unconfined: what /proc and /sys hide, shown */
	if (sec->systempaths_unconfined) {
		lxr_strv_free(spec->masked_paths);
		lxr_strv_free(spec->readonly_paths);
		spec->masked_paths = spec->readonly_paths = NULL;
	}
	spec->writable_cgroups = sec->writable_cgroups;
	/* docker: a privileged container has no filter, whatever seccomp=
	 * says, and no no_new_privs unless asked for (setuid tools work) */
	if (privileged) {
		spec->no_new_privileges = sec->no_new_privileges.set && sec->no_new_privileges.v;
		spec->seccomp_default = false;
		return;
	}
	spec->seccomp_default = sec->seccomp == CFG_SECCOMP_DEFAULT;
	if (sec->seccomp == CFG_SECCOMP_PROFILE && sec->profile)
		spec->seccomp =
		    plan_seccomp_resolve(sec->profile, spec->caps.bounding, kernel_release);
}
