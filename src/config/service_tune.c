/* Process and cgroup settings docker has beyond lxr's limits: stdin_open,
 * tty, attach, shm_size, the memory and CPU tunables, blkio_config,
 * oom_*, group_add, platform, runtime, scale. Read with Compose's syntax
 * into the model; what the runtime does not honour yet is recorded as not
 * runnable (support.c), values that change nothing are not. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/utsname.h>

#include "config/config_internal.h"

#define TUNE(s) (&((struct cfg_service *)(s))->tune)

/* A boolean whose `false` is what lxr does anyway. */
static int read_flag(struct cfg_ctx *c, struct cfg_node *n, struct cfg_bool *out, const char *key)
{
	char feature[48];

	if (cfg_read_bool(c, n, key, out) < 0)
		return -1;
	snprintf(feature, sizeof(feature), "service.%s.true", key);
	if (out->v)
		cfg_check_supported_hint(c, n->pos, feature, NULL, "\"%s\"", key);
	return 0;
}

static int read_stdin_open(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return read_flag(c, n, &TUNE(obj)->stdin_open, "stdin_open");
}

static int read_tty(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return read_flag(c, n, &TUNE(obj)->tty, "tty");
}

static int read_oom_kill_disable(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return read_flag(c, n, &TUNE(obj)->oom_kill_disable, "oom_kill_disable");
}

/* Compose's attach: false keeps a service's output out of a foreground
 * `up`'s (the log has it either way): output.c, cmd_up.c. */
static int read_attach(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_bool(c, n, "attach", &TUNE(obj)->attach);
}

static int read_shm_size(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_bytes(c, n, "shm_size", &TUNE(obj)->shm_size);
}

/* memswap_limit: bytes, or -1 for unlimited swap (docker's). */
static int read_memswap_limit(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_int *v = &TUNE(obj)->memswap_limit;
	const char *s = cfg_scalar(c, n, "memswap_limit");

	if (!s)
		return -1;
	if (!strcmp(s, "-1")) {
		*v = (struct cfg_int){-1, true, n->pos};
		return 0;
	}
	return cfg_read_bytes(c, n, "memswap_limit", v);
}

/* The number docker takes as "not set" for a key (swappiness -1, 0
 * shares, a period of 0, a blkio weight of 0): the default, as dockerd
 * reads it, and so compose files write it. */
static bool docker_unset(struct cfg_ctx *c, struct cfg_node *n, const char *unset)
{
	const char *v = unset && n->kind == CFG_NODE_SCALAR ? cfg_scalar(c, n, "") : NULL;

	return v && !strcmp(v, unset);
}

#define TUNE_INT(key, unset, lo, hi)                                                               \
	static int read_##key(struct cfg_ctx *c, struct cfg_node *n, void *obj)                    \
	{                                                                                          \
		if (docker_unset(c, n, unset))                                                     \
			return 0;                                                                  \
		return cfg_read_int(c, n, #key, lo, hi, &TUNE(obj)->key);                          \
	}
TUNE_INT(mem_swappiness, "-1", 0, 100)
TUNE_INT(cpu_quota, NULL, -1, INT64_MAX / 2)
TUNE_INT(cpu_period, "0", 1000, 1000000)
TUNE_INT(oom_score_adj, NULL, -1000, 1000)

/* cpu_shares: 0 is not set, and 1 is the kernel's least, 2, as dockerd
 * raises it */
static int read_cpu_shares(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_int *v = &TUNE(obj)->cpu_shares;

	if (docker_unset(c, n, "0"))
		return 0;
	if (cfg_read_int(c, n, "cpu_shares", 1, 262144, v) < 0)
		return -1;
	v->v = v->v < 2 ? 2 : v->v;
	return 0;
}

static int read_cpuset(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_str *v = &TUNE(obj)->cpuset;

	if (cfg_read_str(c, n, "cpuset", v) < 0)
		return -1;
	if (!v->v || strspn(v->v, "0123456789,-") == strlen(v->v))
		return 0;
	cfg_error_hint(c, n, "CPU numbers and ranges: 0-3 or 0,2",
		       "cpuset \"%s\" is not a CPU list", v->v);
	return -1;
}

static int read_group_add(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_strs(c, n, "group_add", false, &TUNE(obj)->group_add);
}

/* ---- platform and runtime: values, not features ------------------------------ */
/* docker's names for this machine: linux/amd64, linux/arm64[/v8], ... */
bool cfg_platform_is_host(const char *v)
{
	struct utsname u;
	const char *arch = "";

	if (uname(&u) == 0)
		arch = !strcmp(u.machine, "x86_64")    ? "amd64"
		       : !strcmp(u.machine, "aarch64") ? "arm64"
						       : u.machine;
	if (strncmp(v, "linux/", 6) || strncmp(v + 6, arch, strlen(arch)))
		return false;
	v += 6 + strlen(arch);
	return !*v || (!strcmp(arch, "arm64") && !strcmp(v, "/v8"));
}

/* Another platform or runtime is valid Compose (`lxr config` loads it), but
 * lxr runs the host's images itself: `lxr up` refuses them. */
static int read_platform(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_str *v = &TUNE(obj)->platform;

	if (cfg_read_str(c, n, "platform", v) < 0)
		return -1;
	if (!v->v || !*v->v || cfg_platform_is_host(v->v))
		return 0;
	cfg_check_supported_hint(c, n->pos, "service.platform.other",
				 "lxr runs images of the host's platform: drop the key",
				 "platform \"%s\" (not this host's)", v->v);
	return 0;
}

static int read_runtime(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_str *v = &TUNE(obj)->runtime;

	if (cfg_read_str(c, n, "runtime", v) < 0)
		return -1;
	/* runc and crun are what lxr is (docker's and podman's default);
	 * nvidia is runc with the GPUs NVIDIA_VISIBLE_DEVICES names, which
	 * lxr gives from the host's CDI specs (runtime/cdi.c) */
	if (!v->v || !strcmp(v->v, "lxr") || !strcmp(v->v, "runc") || !strcmp(v->v, "crun") ||
	    !strcmp(v->v, "nvidia"))
		return 0;
	cfg_check_supported_hint(c, n->pos, "service.runtime.other",
				 "lxr is the runtime: drop the key", "runtime \"%s\"", v->v);
	return 0;
}

/* scale: Compose's older spelling of deploy.replicas. */
static int read_scale(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;
	struct cfg_int v;

	if (cfg_read_int(c, n, "scale", 0, CFG_REPLICAS_MAX, &v) < 0)
		return -1;
	if (s->replicas_by_mode) {
		cfg_svc_global_replicas(c, n, v.v);
		s->replicas_by_mode = false;
	} else if (s->replicas.set && s->replicas.v != v.v) {
		cfg_error_hint(c, n, "keep one of them",
			       "scale (%lld) disagrees with deploy.replicas "
			       "(%lld) on line %d",
			       (long long)v.v, (long long)s->replicas.v, s->replicas.pos.line);
		return -1;
	}
	s->replicas = v;
	return 0;
}

/* ---- blkio_config ---------------------------------------------------------------- */
static int blkio_weight(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	if (docker_unset(c, n, "0"))
		return 0;
	return cfg_read_int(c, n, "blkio_config weight", 10, 1000, &TUNE(obj)->blkio_weight);
}

static int blkio_list(struct cfg_ctx *c, struct cfg_node *n, struct cfg_svc_tune *t,
		      const char *kind)
{
	bool weight = !strcmp(kind, "weight_device");
	int r = 0;

	if (!cfg_expect(c, n, CFG_NODE_SEQ, kind))
		return -1;
	for (size_t i = 0; i < n->n; i++) {
		struct cfg_node *e = n->items[i], *path = NULL, *val = NULL;
		struct cfg_int v;
		if (!cfg_expect(c, e, CFG_NODE_MAP, kind)) {
			r = -1;
			continue;
		}
		for (size_t j = 0; j < e->n; j++) {
			const char *k = e->pairs[j].key->raw;
			if (!strcmp(k, "path"))
				path = e->pairs[j].value;
			else if (!strcmp(k, weight ? "weight" : "rate"))
				val = e->pairs[j].value;
			else
				cfg_error(c, e->pairs[j].key, "unknown key \"%s\" in %s", k, kind);
		}
		if (!path || !val || !cfg_scalar(c, path, "path") ||
		    (weight ? cfg_read_int(c, val, "weight", 10, 1000, &v)
			    : cfg_read_bytes(c, val, "rate", &v)) < 0) {
			if (!path || !val)
				cfg_error_hint(c, e, weight ? "path and weight" : "path and rate",
					       "%s entry is incomplete", kind);
			r = -1;
			continue;
		}
		t->blkio = lxr_xrealloc(t->blkio, (t->n_blkio + 1) * sizeof(*t->blkio));
		t->blkio[t->n_blkio++] =
		    (struct cfg_blkio_dev){lxr_xstrdup(kind), lxr_xstrdup(path->val), v.v, e->pos};
	}
	return r;
}

#define BLKIO_LIST(kind)                                                                           \
	static int blkio_##kind(struct cfg_ctx *c, struct cfg_node *n, void *obj)                  \
	{                                                                                          \
		return blkio_list(c, n, TUNE(obj), #kind);                                         \
	}
BLKIO_LIST(weight_device)
BLKIO_LIST(device_read_bps)
BLKIO_LIST(device_write_bps)
BLKIO_LIST(device_read_iops)
BLKIO_LIST(device_write_iops)

static int read_blkio_config(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	static const struct cfg_key keys[] = {
	    {"weight", NULL, blkio_weight},
	    {"weight_device", NULL, blkio_weight_device},
	    {"device_read_bps", NULL, blkio_device_read_bps},
	    {"device_write_bps", NULL, blkio_device_write_bps},
	    {"device_read_iops", NULL, blkio_device_read_iops},
	    {"device_write_iops", NULL, blkio_device_write_iops},
	};
	static const struct cfg_map_spec spec = {"blkio_config", keys, 6, true, NULL, 0};

	return cfg_is_null(n) ? 0 : cfg_read_map(c, n, &spec, obj);
}

static const struct cfg_key tune_keys[] = {
    {"stdin_open", NULL, read_stdin_open},
    {"tty", NULL, read_tty},
    {"attach", NULL, read_attach},
    {"oom_kill_disable", NULL, read_oom_kill_disable},
    {"shm_size", "service.shm_size", read_shm_size},
    {"memswap_limit", "service.memswap_limit", read_memswap_limit},
    {"mem_swappiness", "service.mem_swappiness", read_mem_swappiness},
    {"cpu_shares", "service.cpu_shares", read_cpu_shares},
    {"cpu_quota", "service.cpu_quota", read_cpu_quota},
    {"cpu_period", "service.cpu_period", read_cpu_period},
    {"oom_score_adj", "service.oom_score_adj", read_oom_score_adj},
    {"cpuset", "service.cpuset", read_cpuset},
    {"group_add", "service.group_add", read_group_add},
    {"blkio_config", "service.blkio_config", read_blkio_config},
    {"platform", NULL, read_platform},
    {"runtime", NULL, read_runtime},
    {"scale", NULL, read_scale},
};

const struct cfg_key *cfg_svc_tune_keys(size_t *n)
{
	*n = sizeof(tune_keys) / sizeof(tune_keys[0]);
	return tune_keys;
}

void cfg_svc_tune_free(struct cfg_svc_tune *t)
{
	free(t->cpuset.v);
	free(t->platform.v);
	free(t->runtime.v);
	cfg_strs_free(&t->group_add);
	for (size_t i = 0; i < t->n_blkio; i++) {
		free(t->blkio[i].kind);
		free(t->blkio[i].path);
	}
	free(t->blkio);
}
