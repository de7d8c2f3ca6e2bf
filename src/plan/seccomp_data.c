/* A seccomp profile (OCI linux.seccomp, struct lxr_seccomp) as data: freed,
 * written as one line of text and read back, and evaluated the way the
 * compiled filter will decide. The text is how a custom profile reaches
 * `lxr exec` (the container's state file) and what the compiled program is
 * cached under; the evaluation is what unit tests read the rules with. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lxr/plan.h"

void plan_seccomp_free(struct lxr_seccomp *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_syscalls; i++) {
		lxr_strv_free(p->syscalls[i].names);
		free(p->syscalls[i].args);
	}
	free(p->syscalls);
	lxr_strv_free(p->architectures);
	free(p);
}

static const char *const action_names[] = {
    [LXR_SECCOMP_KILL_THREAD] = "kill_thread",
    [LXR_SECCOMP_KILL_PROCESS] = "kill_process",
    [LXR_SECCOMP_TRAP] = "trap",
    [LXR_SECCOMP_ERRNO] = "errno",
    [LXR_SECCOMP_TRACE] = "trace",
    [LXR_SECCOMP_ALLOW] = "allow",
    [LXR_SECCOMP_LOG] = "log",
};
static const char *const op_names[] = {
    [LXR_SECCOMP_NE] = "ne",
    [LXR_SECCOMP_LT] = "lt",
    [LXR_SECCOMP_LE] = "le",
    [LXR_SECCOMP_EQ] = "eq",
    [LXR_SECCOMP_GE] = "ge",
    [LXR_SECCOMP_GT] = "gt",
    [LXR_SECCOMP_MASKED_EQ] = "masked_eq",
};
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Space-separated tokens, no newline (a state file value is one line):
 *   v1 default=errno:1 arch=SCMP_ARCH_X86_64 ...
 *   rule=allow:0:read,write arg=0:eq:0x28:0x0 ...
 * An arg= belongs to the rule= before it. Names and architectures were
 * checked to be [a-z0-9_] / [A-Z0-9_] when the profile was read. */
char *plan_seccomp_text(const struct lxr_seccomp *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	fprintf(f, "v1 default=%s:%u", action_names[p->default_action], p->default_errno_ret);
	for (size_t i = 0; p->architectures && p->architectures[i]; i++)
		fprintf(f, " arch=%s", p->architectures[i]);
	for (size_t i = 0; i < p->n_syscalls; i++) {
		const struct lxr_seccomp_syscall *s = &p->syscalls[i];

		fprintf(f, " rule=%s:%u:", action_names[s->action], s->errno_ret);
		for (size_t k = 0; s->names && s->names[k]; k++)
			fprintf(f, "%s%s", k ? "," : "", s->names[k]);
		for (size_t k = 0; k < s->n_args; k++)
			fprintf(f, " arg=%u:%s:%#llx:%#llx", s->args[k].index,
				op_names[s->args[k].op], (unsigned long long)s->args[k].value,
				(unsigned long long)s->args[k].value_two);
	}
	fclose(f);
	return buf;
}

static int lookup(const char *const *names, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && strlen(names[i]) == len && !strncmp(names[i], s, len))
			return (int)i;
	return -1;
}

/* "errno:1" or "allow:0:read,write" */
static int parse_action(const char *s, enum lxr_seccomp_action *a, unsigned *e, const char **rest)
{
	const char *colon = strchr(s, ':');
	char *end;
	int i;

	if (!colon || (i = lookup(action_names, N(action_names), s, (size_t)(colon - s))) < 0)
		return -1;
	*a = (enum lxr_seccomp_action)i;
	errno = 0;
	*e = (unsigned)strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *e > 4095)
		return -1;
	*rest = end;
	return 0;
}

static int parse_arg(const char *s, struct lxr_seccomp_arg *a)
{
	char op[16];
	unsigned long long v, v2;
	int n = 0, i;

	if (lxr_sscanf(s, "%u:%15[a-z_]:%llx:%llx%n", &a->index, op, &v, &v2, &n) != 4 || s[n] ||
	    a->index > 5 || (i = lookup(op_names, N(op_names), op, strlen(op))) < 0)
		return -1;
	a->op = (enum lxr_seccomp_op)i;
	a->value = v;
	a->value_two = v2;
	return 0;
}

static int parse_token(char *t, struct lxr_seccomp *p)
{
	struct lxr_seccomp_syscall *s = p->n_syscalls ? &p->syscalls[p->n_syscalls - 1] : NULL;
	const char *rest;

	if (lxr_str_has_prefix(t, "default="))
		return parse_action(t + 8, &p->default_action, &p->default_errno_ret, &rest) < 0 ||
			       *rest
			   ? -1
			   : 0;
	if (lxr_str_has_prefix(t, "arch=")) {
		lxr_strv_push(&p->architectures, lxr_xstrdup(t + 5));
		return 0;
	}
	if (lxr_str_has_prefix(t, "rule=")) {
		p->syscalls = lxr_xrealloc(p->syscalls, (p->n_syscalls + 1) * sizeof(*p->syscalls));
		s = &p->syscalls[p->n_syscalls++];
		memset(s, 0, sizeof(*s));
		if (parse_action(t + 5, &s->action, &s->errno_ret, &rest) < 0 || *rest != ':' ||
		    !rest[1])
			return -1;
		for (char *save = NULL, *n = strtok_r((char *)rest + 1, ",", &save); n;
		     n = strtok_r(NULL, ",", &save))
			lxr_strv_push(&s->names, lxr_xstrdup(n));
		return 0;
	}
	if (lxr_str_has_prefix(t, "arg=") && s) {
		s->args = lxr_xrealloc(s->args, (s->n_args + 1) * sizeof(*s->args));
		return parse_arg(t + 4, &s->args[s->n_args++]);
	}
	return -1;
}

int plan_seccomp_from_text(const char *text, struct lxr_seccomp **out, lxr_err *err)
{
	_cleanup_free_ char *copy = lxr_xstrdup(text);
	struct lxr_seccomp *p = lxr_xcalloc(1, sizeof(*p));
	char *save = NULL, *t = strtok_r(copy, " ", &save);

	*out = NULL;
	if (!t || strcmp(t, "v1"))
		goto bad;
	while ((t = strtok_r(NULL, " ", &save)))
		if (parse_token(t, p) < 0)
			goto bad;
	*out = p;
	return 0;
bad:
	plan_seccomp_free(p);
	return lxr_fail(err, EINVAL, "seccomp profile in the state file: \"%.40s\" does not read",
			t ? t : text);
}

static bool arg_matches(const struct lxr_seccomp_arg *a, const uint64_t *args)
{
	uint64_t v = args[a->index];

	switch (a->op) {
	case LXR_SECCOMP_NE: return v != a->value;
	case LXR_SECCOMP_LT: return v < a->value;
	case LXR_SECCOMP_LE: return v <= a->value;
	case LXR_SECCOMP_EQ: return v == a->value;
	case LXR_SECCOMP_GE: return v >= a->value;
	case LXR_SECCOMP_GT: return v > a->value;
	case LXR_SECCOMP_MASKED_EQ: return (v & a->value) == a->value_two;
	}
	return false;
}

bool plan_seccomp_args_repeat(const struct lxr_seccomp_syscall *s)
{
	for (size_t i = 0; i < s->n_args; i++)
		for (size_t k = i + 1; k < s->n_args; k++)
			if (s->args[i].index == s->args[k].index)
				return true;
	return false;
}

/* All args must match; when an index repeats, any one of them (runc's
 * reading, the one the compiled filter follows). */
static bool call_matches(const struct lxr_seccomp_syscall *s, const uint64_t *args)
{
	bool any = plan_seccomp_args_repeat(s);

	if (!s->n_args)
		return true;
	for (size_t i = 0; i < s->n_args; i++) {
		bool m = arg_matches(&s->args[i], args);
		if (any && m)
			return true;
		if (!any && !m)
			return false;
	}
	return !any;
}

enum lxr_seccomp_action plan_seccomp_decide(const struct lxr_seccomp *p, const char *name,
					    const uint64_t args[6], unsigned *errno_ret)
{
	for (size_t i = 0; i < p->n_syscalls; i++) {
		const struct lxr_seccomp_syscall *s = &p->syscalls[i];
		bool named = false;

		for (size_t k = 0; s->names && s->names[k] && !named; k++)
			named = !strcmp(s->names[k], name);
		if (named && call_matches(s, args)) {
			*errno_ret = s->errno_ret;
			return s->action;
		}
	}
	*errno_ret = p->default_errno_ret;
	return p->default_action;
}
