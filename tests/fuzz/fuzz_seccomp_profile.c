/* libFuzzer target for the seccomp profile reader (docker's JSON format).
 * Besides the sanitizers, it checks what must hold for any input: a
 * refused profile leaves no model behind and says why in one message
 * that names the profile; an accepted one is complete — every rule has a
 * name, every name is a syscall name, every argument index is one of six,
 * every errno is one the kernel can return. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lxr/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

static bool name_ok(const char *s)
{
	return *s && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(s);
}

static void check_model(const struct cfg_seccomp_profile *p)
{
	check(!strcmp(p->path, "fuzz.json"));
	check(p->default_action <= LXR_SECCOMP_LOG && p->default_errno_ret <= 4095);
	check(!(p->architectures && p->n_arch_map));
	for (size_t i = 0; i < p->n_arch_map; i++)
		check(!strncmp(p->arch_map[i].arch, "SCMP_ARCH_", 10));
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct lxr_seccomp_syscall *c = &p->rules[i].call;

		check(c->names && c->names[0]);
		for (size_t k = 0; c->names[k]; k++)
			check(name_ok(c->names[k]));
		check(c->action <= LXR_SECCOMP_LOG && c->errno_ret <= 4095);
		for (size_t k = 0; k < c->n_args; k++)
			check(c->args[k].index <= 5 && c->args[k].op <= LXR_SECCOMP_MASKED_EQ);
		check(p->rules[i].includes.min_kernel[0] <= 255);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg_seccomp_profile *p = NULL;
	lxr_err err = {0};
	int r = cfg_seccomp_profile_parse((const char *)data, size, "fuzz.json", &p, &err);

	if (r < 0) {
		check(p == NULL);
		check(!strncmp(err.msg, "seccomp profile fuzz.json", 25));
		check(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
		return 0;
	}
	check(r == 0 && p != NULL);
	check_model(p);
	cfg_seccomp_profile_free(p);
	return 0;
}
