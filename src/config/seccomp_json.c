/* A seccomp profile in docker's JSON format (the one `docker run
 * --security-opt seccomp=FILE` reads, and OCI's linux.seccomp with docker's
 * additions: archMap, names/name, includes/excludes, comment) -> a checked
 * model. Everything a profile can get wrong is found here, before anything
 * is created, and named by its place in the file: "syscalls[3].args[0].op".
 * Unknown keys are refused (a typo such as "errnoret" would otherwise
 * silently change what the filter does), except "comment". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/config_internal.h"

#define PROFILE_HINT "see docs/security.md for the profile format (docker's)"
#define MAX_ERRNO    4095 /* the kernel returns larger values as success */

/* What is being read: the file's name and the JSON path to the element. */
struct jctx {
	const char *name;
	char path[256];
	lxr_err *err;
};

static int bad(struct jctx *j, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(struct jctx *j, const char *hint, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	lxr_fail(j->err, 0, "seccomp profile %s: %s%s%s", j->name, j->path, j->path[0] ? ": " : "",
		 what);
	return lxr_err_hint(j->err, "%s", hint ? hint : PROFILE_HINT);
}

/* Descend into key (".key" or "[i]"); returns the old length to restore. */
static size_t enter(struct jctx *j, const char *key, long idx)
{
	size_t old = strlen(j->path);

	if (key)
		snprintf(j->path + old, sizeof(j->path) - old, "%s%s", old ? "." : "", key);
	else
		snprintf(j->path + old, sizeof(j->path) - old, "[%ld]", idx);
	return old;
}

static void leave(struct jctx *j, size_t old)
{
	j->path[old] = '\0';
}

static const char *kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "a list";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "a number";
	case JSON_REAL: return "a number with a fraction";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "a value";
}

/* Every key of obj must be one of keys (or "comment"). */
static int known_keys(struct jctx *j, json_t *obj, const char *const *keys, size_t n)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v)
	{
		bool ok = !strcmp(k, "comment");

		for (size_t i = 0; i < n && !ok; i++)
			ok = !strcmp(k, keys[i]);
		if (!ok) {
			const char *dym = cfg_did_you_mean(k, keys, n);
			char hint[256];

			snprintf(hint, sizeof(hint), "%s%s%s",
				 dym ? "did you mean \"" : PROFILE_HINT, dym ? dym : "",
				 dym ? "\"?" : "");
			return bad(j, hint, "unknown key \"%s\"", k);
		}
	}
	return 0;
}

static int want(struct jctx *j, const json_t *v, json_type t, const char *what)
{
	if (json_typeof(v) == t)
		return 0;
	return bad(j, NULL, "expected %s, not %s", what, kind(v));
}

static int read_uint(struct jctx *j, const json_t *v, uint64_t max, uint64_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return bad(j, NULL, "expected a whole number from 0 to %llu, not %s",
			   (unsigned long long)max,
			   json_is_integer(v) ? "a negative or larger one" : kind(v));
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

/* A list of strings, each accepted by ok (which may be NULL). */
static int read_strv(struct jctx *j, json_t *v, bool (*ok)(const char *), const char *what,
		     const char *hint, char ***out)
{
	size_t i;
	json_t *e;

	if (want(j, v, JSON_ARRAY, "a list of strings") < 0)
		return -1;
	json_array_foreach(v, i, e)
	{
		size_t old = enter(j, NULL, (long)i);

		if (want(j, e, JSON_STRING, "a string") < 0)
			return -1;
		if (ok && !ok(json_string_value(e)))
			return bad(j, hint, "\"%s\" is not %s", json_string_value(e), what);
		lxr_strv_push(out, lxr_xstrdup(json_string_value(e)));
		leave(j, old);
	}
	return 0;
}

static const struct {
	const char *name;
	enum lxr_seccomp_action action;
} actions[] = {
    {"SCMP_ACT_KILL", LXR_SECCOMP_KILL_THREAD},
    {"SCMP_ACT_KILL_THREAD", LXR_SECCOMP_KILL_THREAD},
    {"SCMP_ACT_KILL_PROCESS", LXR_SECCOMP_KILL_PROCESS},
    {"SCMP_ACT_TRAP", LXR_SECCOMP_TRAP},
    {"SCMP_ACT_ERRNO", LXR_SECCOMP_ERRNO},
    {"SCMP_ACT_TRACE", LXR_SECCOMP_TRACE},
    {"SCMP_ACT_ALLOW", LXR_SECCOMP_ALLOW},
    {"SCMP_ACT_LOG", LXR_SECCOMP_LOG},
};
#define ACTIONS_HINT                                                                               \
	"one of SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, "            \
	"SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_TRACE, SCMP_ACT_LOG"

static int read_action(struct jctx *j, json_t *v, enum lxr_seccomp_action *out)
{
	const char *s;

	if (want(j, v, JSON_STRING, "an action name") < 0)
		return -1;
	s = json_string_value(v);
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (!strcmp(s, actions[i].name)) {
			*out = actions[i].action;
			return 0;
		}
	/* the kernel hands a NOTIFY call to a supervisor process listening
	 * on a file descriptor; lxr runs no such agent */
	if (!strcmp(s, "SCMP_ACT_NOTIFY"))
		return bad(j, "use SCMP_ACT_ERRNO (or SCMP_ACT_TRACE under a tracer)",
			   "SCMP_ACT_NOTIFY is not supported: it needs a seccomp agent listening "
			   "on a socket, and lxr has none");
	return bad(j, ACTIONS_HINT, "unknown action \"%s\"", s);
}

/* errnoRet belongs to the actions that make a call fail. */
static int read_errno(struct jctx *j, json_t *v, enum lxr_seccomp_action a, unsigned *out)
{
	uint64_t e;

	if (!v) {
		*out = EPERM; /* OCI: ERRNO without errnoRet is EPERM */
		return 0;
	}
	if (a != LXR_SECCOMP_ERRNO && a != LXR_SECCOMP_TRACE)
		return bad(j, "remove it, or make the action SCMP_ACT_ERRNO",
			   "an errno only applies to SCMP_ACT_ERRNO and SCMP_ACT_TRACE");
	if (read_uint(j, v, MAX_ERRNO, &e) < 0)
		return -1;
	*out = (unsigned)e;
	return 0;
}

static const struct {
	const char *name;
	enum lxr_seccomp_op op;
} ops[] = {
    {"SCMP_CMP_NE", LXR_SECCOMP_NE},
    {"SCMP_CMP_LT", LXR_SECCOMP_LT},
    {"SCMP_CMP_LE", LXR_SECCOMP_LE},
    {"SCMP_CMP_EQ", LXR_SECCOMP_EQ},
    {"SCMP_CMP_GE", LXR_SECCOMP_GE},
    {"SCMP_CMP_GT", LXR_SECCOMP_GT},
    {"SCMP_CMP_MASKED_EQ", LXR_SECCOMP_MASKED_EQ},
};

static int read_arg(struct jctx *j, json_t *v, struct lxr_seccomp_arg *a)
{
	static const char *const keys[] = {"index", "value", "valueTwo", "op"};
	json_t *index = json_object_get(v, "index"), *op = json_object_get(v, "op");
	uint64_t n;
	size_t old;

	if (want(j, v, JSON_OBJECT, "an object with index, value and op") < 0 ||
	    known_keys(j, v, keys, 4) < 0)
		return -1;
	if (!index || !op)
		return bad(j, "e.g. {\"index\": 0, \"value\": 40, \"op\": \"SCMP_CMP_NE\"}",
			   "%s is missing", !index ? "index" : "op");
	old = enter(j, "index", 0);
	/* a syscall has at most six arguments */
	if (read_uint(j, index, 5, &n) < 0)
		return -1;
	a->index = (unsigned)n;
	leave(j, old);
	old = enter(j, "value", 0);
	if (json_object_get(v, "value") &&
	    read_uint(j, json_object_get(v, "value"), INT64_MAX, &a->value) < 0)
		return -1;
	leave(j, old);
	old = enter(j, "valueTwo", 0);
	if (json_object_get(v, "valueTwo") &&
	    read_uint(j, json_object_get(v, "valueTwo"), INT64_MAX, &a->value_two) < 0)
		return -1;
	leave(j, old);
	old = enter(j, "op", 0);
	if (want(j, op, JSON_STRING, "a comparison name") < 0)
		return -1;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(json_string_value(op), ops[i].name)) {
			a->op = ops[i].op;
			leave(j, old);
			return 0;
		}
	return bad(j,
		   "one of SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, "
		   "SCMP_CMP_GT, SCMP_CMP_MASKED_EQ",
		   "unknown comparison \"%s\"", json_string_value(op));
}

/* The kernel's names: lower case, digits, '_' (_llseek, _newselect). */
static bool syscall_name_ok(const char *s)
{
	return *s && strlen(s) < 64 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(s);
}

/* OCI's architecture names; libseccomp may not know them all, then the
 * runtime leaves that ABI out (its calls are refused, never let through). */
static const char *const oci_arches[] = {
    "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
};

static bool oci_arch_ok(const char *s)
{
	for (size_t i = 0; i < sizeof(oci_arches) / sizeof(oci_arches[0]); i++)
		if (!strcmp(s, oci_arches[i]))
			return true;
	return false;
}
#define OCI_ARCH_HINT                                                                              \
	"OCI's names: SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32, SCMP_ARCH_AARCH64, "         \
	"SCMP_ARCH_ARM, ..."

/* docker compares includes/excludes "arches" with Go's name of the machine
 * it runs on (GOARCH through libseccomp's spelling). */
static const char *const docker_arches[] = {
    "x86",         "amd64",  "x32",    "arm",     "arm64",     "loong64",  "loongarch64",
    "mips",        "mipsle", "mipsel", "mips64",  "mips64n32", "mipsel64", "mips3l64n32",
    "mipsel64n32", "ppc",    "ppc64",  "ppc64le", "riscv64",   "s390",     "s390x",
};

static bool docker_arch_ok(const char *s)
{
	for (size_t i = 0; i < sizeof(docker_arches) / sizeof(docker_arches[0]); i++)
		if (!strcmp(s, docker_arches[i]))
			return true;
	return false;
}

/* "4.8": kernel and major revision, as docker's KernelVersion. */
static int read_min_kernel(struct jctx *j, json_t *v, unsigned *out)
{
	const char *s;
	unsigned a, b;
	int n = 0;

	if (want(j, v, JSON_STRING, "a kernel version such as \"4.8\"") < 0)
		return -1;
	s = json_string_value(v);
	if (!*s)
		return 0; /* docker: "" is no minimum */
	if (lxr_sscanf(s, "%3u.%3u%n", &a, &b, &n) != 2 || s[n] || a > 255 || b > 255 ||
	    (a == 0 && b == 0) || strspn(s, "0123456789.") != strlen(s))
		return bad(j, "write MAJOR.MINOR, e.g. \"5.10\"", "\"%s\" is not a kernel version",
			   s);
	out[0] = a;
	out[1] = b;
	return 0;
}

static int read_cond(struct jctx *j, json_t *v, struct cfg_seccomp_cond *c)
{
	static const char *const keys[] = {"caps", "arches", "minKernel"};
	json_t *caps = json_object_get(v, "caps"), *arches = json_object_get(v, "arches");
	json_t *mk = json_object_get(v, "minKernel");
	size_t old, i;
	json_t *e;

	if (want(j, v, JSON_OBJECT, "an object with caps, arches or minKernel") < 0 ||
	    known_keys(j, v, keys, 3) < 0)
		return -1;
	old = enter(j, "caps", 0);
	if (caps && want(j, caps, JSON_ARRAY, "a list of capability names") < 0)
		return -1;
	json_array_foreach(caps, i, e)
	{
		size_t o2 = enter(j, NULL, (long)i);
		int nr;

		if (want(j, e, JSON_STRING, "a capability name") < 0)
			return -1;
		nr = cfg_cap_number(json_string_value(e));
		if (nr < 0)
			return bad(j, "a name from capabilities(7), e.g. CAP_SYS_ADMIN",
				   "unknown capability \"%s\"", json_string_value(e));
		c->caps |= UINT64_C(1) << nr;
		leave(j, o2);
	}
	leave(j, old);
	old = enter(j, "arches", 0);
	if (arches && read_strv(j, arches, docker_arch_ok, "an architecture docker knows",
				"docker's names: amd64, x86, x32, arm64, arm, s390x, ppc64le, "
				"riscv64, ...",
				&c->arches) < 0)
		return -1;
	leave(j, old);
	old = enter(j, "minKernel", 0);
	if (mk && read_min_kernel(j, mk, c->min_kernel) < 0)
		return -1;
	leave(j, old);
	return 0;
}

static int read_names(struct jctx *j, json_t *v, struct lxr_seccomp_syscall *call)
{
	json_t *names = json_object_get(v, "names"), *name = json_object_get(v, "name");
	size_t old;

	if (names && name)
		return bad(j, "keep \"names\" (a list); \"name\" is its old single form",
			   "both \"name\" and \"names\" are given");
	if (!names && !name)
		return bad(j, "e.g. \"names\": [\"mkdir\", \"mkdirat\"]", "no \"names\"");
	old = enter(j, names ? "names" : "name", 0);
	if (name) {
		if (want(j, name, JSON_STRING, "a syscall name") < 0)
			return -1;
		if (!syscall_name_ok(json_string_value(name)))
			return bad(j, "the kernel's name of a syscall, e.g. mkdirat",
				   "\"%s\" is not a syscall name", json_string_value(name));
		lxr_strv_push(&call->names, lxr_xstrdup(json_string_value(name)));
	} else {
		if (read_strv(j, names, syscall_name_ok, "a syscall name",
			      "the kernel's name of a syscall, e.g. mkdirat", &call->names) < 0)
			return -1;
		if (!call->names)
			return bad(j, "name at least one syscall, or remove the entry",
				   "the list is empty");
	}
	leave(j, old);
	return 0;
}

static int read_rule(struct jctx *j, json_t *v, struct cfg_seccomp_rule *r)
{
	static const char *const keys[] = {"names", "name",     "action",  "errnoRet",
					   "args",  "includes", "excludes"};
	json_t *action = json_object_get(v, "action"), *args = json_object_get(v, "args");
	json_t *e;
	size_t old, i;

	if (want(j, v, JSON_OBJECT, "an object with names and action") < 0 ||
	    known_keys(j, v, keys, 7) < 0 || read_names(j, v, &r->call) < 0)
		return -1;
	if (!action)
		return bad(j, "e.g. \"action\": \"SCMP_ACT_ERRNO\"", "no \"action\"");
	old = enter(j, "action", 0);
	if (read_action(j, action, &r->call.action) < 0)
		return -1;
	leave(j, old);
	old = enter(j, "errnoRet", 0);
	if (read_errno(j, json_object_get(v, "errnoRet"), r->call.action, &r->call.errno_ret) < 0)
		return -1;
	leave(j, old);
	old = enter(j, "args", 0);
	if (args && !json_is_null(args) && want(j, args, JSON_ARRAY, "a list of arguments") < 0)
		return -1;
	r->call.args = lxr_xcalloc(json_array_size(args) + 1, sizeof(*r->call.args));
	json_array_foreach(args, i, e)
	{
		size_t o2 = enter(j, NULL, (long)i);

		if (read_arg(j, e, &r->call.args[i]) < 0)
			return -1;
		r->call.n_args++;
		leave(j, o2);
	}
	leave(j, old);
	old = enter(j, "includes", 0);
	if (json_object_get(v, "includes") &&
	    read_cond(j, json_object_get(v, "includes"), &r->includes) < 0)
		return -1;
	leave(j, old);
	old = enter(j, "excludes", 0);
	if (json_object_get(v, "excludes") &&
	    read_cond(j, json_object_get(v, "excludes"), &r->excludes) < 0)
		return -1;
	leave(j, old);
	return 0;
}

static int read_arch_map(struct jctx *j, json_t *v, struct cfg_seccomp_profile *p)
{
	static const char *const keys[] = {"architecture", "subArchitectures"};
	size_t i;
	json_t *e;

	if (want(j, v, JSON_ARRAY, "a list of {architecture, subArchitectures}") < 0)
		return -1;
	p->arch_map = lxr_xcalloc(json_array_size(v) + 1, sizeof(*p->arch_map));
	json_array_foreach(v, i, e)
	{
		size_t old = enter(j, NULL, (long)i), o2;
		struct cfg_seccomp_arch_map *m = &p->arch_map[p->n_arch_map++];
		json_t *a = json_object_get(e, "architecture"), *sub;

		if (want(j, e, JSON_OBJECT, "an object") < 0 || known_keys(j, e, keys, 2) < 0)
			return -1;
		if (!a)
			return bad(j, "e.g. {\"architecture\": \"SCMP_ARCH_X86_64\"}",
				   "no \"architecture\"");
		o2 = enter(j, "architecture", 0);
		if (want(j, a, JSON_STRING, "an architecture name") < 0)
			return -1;
		if (!oci_arch_ok(json_string_value(a)))
			return bad(j, OCI_ARCH_HINT, "unknown architecture \"%s\"",
				   json_string_value(a));
		m->arch = lxr_xstrdup(json_string_value(a));
		leave(j, o2);
		sub = json_object_get(e, "subArchitectures");
		o2 = enter(j, "subArchitectures", 0);
		if (sub && !json_is_null(sub) &&
		    read_strv(j, sub, oci_arch_ok, "an architecture name", OCI_ARCH_HINT, &m->sub) <
			0)
			return -1;
		leave(j, o2);
		leave(j, old);
	}
	return 0;
}

/* OCI's flags change how the kernel takes the filter; lxr sets none. */
static int read_flags(struct jctx *j, json_t *v)
{
	if (!v || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0))
		return 0;
	return bad(j, "remove \"flags\": lxr loads the filter without flags",
		   "filter flags are not supported");
}

static int read_top(struct jctx *j, json_t *root, struct cfg_seccomp_profile *p)
{
	static const char *const keys[] = {"defaultAction", "defaultErrnoRet", "architectures",
					   "archMap",       "syscalls",        "flags",
					   "listenerPath",  "listenerMetadata"};
	json_t *da = json_object_get(root, "defaultAction"), *calls, *e;
	size_t old, i;

	if (want(j, root, JSON_OBJECT, "an object with defaultAction and syscalls") < 0 ||
	    known_keys(j, root, keys, 8) < 0)
		return -1;
	/* docker takes a profile without defaultAction and syscalls as "no
	 * filter"; lxr says so out loud instead */
	if (!da)
		return bad(j,
			   "e.g. \"defaultAction\": \"SCMP_ACT_ERRNO\"; to run without a filter "
			   "use seccomp=unconfined",
			   "no \"defaultAction\"");
	old = enter(j, "defaultAction", 0);
	if (read_action(j, da, &p->default_action) < 0)
		return -1;
	leave(j, old);
	old = enter(j, "defaultErrnoRet", 0);
	if (read_errno(j, json_object_get(root, "defaultErrnoRet"), p->default_action,
		       &p->default_errno_ret) < 0)
		return -1;
	leave(j, old);
	if (json_object_get(root, "listenerPath") || json_object_get(root, "listenerMetadata")) {
		old = enter(j, "listenerPath", 0);
		return bad(j, "remove it (and any SCMP_ACT_NOTIFY)",
			   "a seccomp agent is not supported: lxr runs none");
	}
	old = enter(j, "flags", 0);
	if (read_flags(j, json_object_get(root, "flags")) < 0)
		return -1;
	leave(j, old);
	if (json_object_get(root, "architectures") && json_object_get(root, "archMap") &&
	    !json_is_null(json_object_get(root, "architectures")) &&
	    !json_is_null(json_object_get(root, "archMap")))
		return bad(j, "keep one of them",
			   "both \"architectures\" and \"archMap\" are given");
	old = enter(j, "architectures", 0);
	e = json_object_get(root, "architectures");
	if (e && !json_is_null(e) &&
	    read_strv(j, e, oci_arch_ok, "an architecture name", OCI_ARCH_HINT, &p->architectures) <
		0)
		return -1;
	leave(j, old);
	old = enter(j, "archMap", 0);
	e = json_object_get(root, "archMap");
	if (e && !json_is_null(e) && read_arch_map(j, e, p) < 0)
		return -1;
	leave(j, old);
	calls = json_object_get(root, "syscalls");
	old = enter(j, "syscalls", 0);
	if (calls && !json_is_null(calls) &&
	    want(j, calls, JSON_ARRAY, "a list of syscall rules") < 0)
		return -1;
	p->rules = lxr_xcalloc(json_array_size(calls) + 1, sizeof(*p->rules));
	json_array_foreach(calls, i, e)
	{
		size_t o2 = enter(j, NULL, (long)i);

		p->n_rules++;
		if (read_rule(j, e, &p->rules[i]) < 0)
			return -1;
		leave(j, o2);
	}
	leave(j, old);
	return 0;
}

int cfg_seccomp_profile_parse(const char *text, size_t len, const char *name,
			      struct cfg_seccomp_profile **out, lxr_err *err)
{
	struct jctx j = {.name = name, .err = err};
	struct cfg_seccomp_profile *p;
	json_error_t je;
	json_t *root;
	int r;

	*out = NULL;
	/* duplicate keys would leave one of two rules unread */
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return lxr_fail(err, 0, "seccomp profile %s:%d:%d: %s", name, je.line, je.column,
				je.text),
		       lxr_err_hint(err, "a profile is JSON in docker's seccomp format");
	p = lxr_xcalloc(1, sizeof(*p));
	p->path = lxr_xstrdup(name);
	r = read_top(&j, root, p);
	json_decref(root);
	if (r < 0) {
		cfg_seccomp_profile_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

int cfg_seccomp_profile_load(const char *path, struct cfg_seccomp_profile **out, lxr_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;

	*out = NULL;
	if (lxr_read_file_at(AT_FDCWD, path, &text, &len, err) < 0)
		return lxr_fail(err, err->errnum, "seccomp profile %s", path),
		       lxr_err_hint(err,
				    err->errnum == ENOENT
					? "give the path of a JSON profile, or seccomp=unconfined "
					  "(a relative path starts at the stack file's directory; "
					  "for lxr run, at the current one)"
					: "the profile must be a readable file under 1 MiB");
	return cfg_seccomp_profile_parse(text, len, path, out, err);
}

static void cond_free(struct cfg_seccomp_cond *c)
{
	lxr_strv_free(c->arches);
}

void cfg_seccomp_profile_free(struct cfg_seccomp_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_rules; i++) {
		lxr_strv_free(p->rules[i].call.names);
		free(p->rules[i].call.args);
		cond_free(&p->rules[i].includes);
		cond_free(&p->rules[i].excludes);
	}
	free(p->rules);
	for (size_t i = 0; i < p->n_arch_map; i++) {
		free(p->arch_map[i].arch);
		lxr_strv_free(p->arch_map[i].sub);
	}
	free(p->arch_map);
	lxr_strv_free(p->architectures);
	free(p->path);
	free(p);
}
