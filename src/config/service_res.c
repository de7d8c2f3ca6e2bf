/* Resource limits and deploy. Compose has two spellings of each limit
 * (mem_limit / deploy.resources.limits.memory, cpus / ...cpus, pids_limit /
 * ...pids); both land in one field, and two values that disagree are an error
 * rather than one silently winning. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

static void fmt_value(char *buf, size_t len, const char *key, int64_t v)
{
	if (strstr(key, "cpus"))
		snprintf(buf, len, "%lld.%03lld CPUs", (long long)(v / 1000),
			 (long long)(v % 1000));
	else if (strstr(key, "mem"))
		snprintf(buf, len, "%lld bytes", (long long)v);
	else
		snprintf(buf, len, "%lld", (long long)v);
}

static void set_limit(struct cfg_ctx *c, struct cfg_int *dst, struct cfg_int v, const char *key,
		      const char *other)
{
	char a[48], b[48];

	if (dst->set && dst->v != v.v) {
		fmt_value(a, sizeof(a), key, v.v);
		fmt_value(b, sizeof(b), key, dst->v);
		cfg_diag_add(c, v.pos, false, "set the limit in one place",
			     "%s (%s) disagrees with %s (%s) on line %d", key, a, other, b,
			     dst->pos.line);
		return;
	}
	*dst = v;
}

int cfg_svc_read_mem_limit(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;
	struct cfg_int v;

	if (cfg_read_bytes(c, n, "mem_limit", &v) < 0)
		return -1;
	set_limit(c, &s->limits.memory, v, "mem_limit", "deploy.resources.limits.memory");
	return 0;
}

int cfg_svc_read_cpus(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;
	struct cfg_int v;

	if (cfg_read_cpus(c, n, "cpus", &v) < 0)
		return -1;
	set_limit(c, &s->limits.millicpus, v, "cpus", "deploy.resources.limits.cpus");
	return 0;
}

/* pids: Compose and docker take -1 (and 0) as "unlimited"; both are kept
 * as -1, so "set to unlimited" never reads as "not set" (which means lxr's
 * default limit). */
static int read_pids(struct cfg_ctx *c, struct cfg_node *n, const char *what, struct cfg_int *v)
{
	if (cfg_read_int(c, n, what, -1, 4194304, v) < 0)
		return -1;
	if (v->v == 0)
		v->v = -1;
	return 0;
}

int cfg_svc_read_pids_limit(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;
	struct cfg_int v;

	if (read_pids(c, n, "pids_limit", &v) < 0)
		return -1;
	set_limit(c, &s->limits.pids, v, "pids_limit", "deploy.resources.limits.pids");
	return 0;
}

struct res {
	struct cfg_service *s;
	bool reservations;
};

static int res_memory(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct res *r = obj;
	struct cfg_int v;

	if (cfg_read_bytes(c, n, "memory", &v) < 0)
		return -1;
	if (r->reservations)
		set_limit(c, &r->s->reservations.memory, v, "deploy.resources.reservations.memory",
			  "mem_reservation");
	else
		set_limit(c, &r->s->limits.memory, v, "deploy.resources.limits.memory",
			  "mem_limit");
	return 0;
}

static int res_cpus(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct res *r = obj;
	struct cfg_int v;

	/* a reservation below a thousandth of a CPU (compose-go takes any
	 * number, and docker compose never uses it) reserves nothing */
	if (r->reservations && n->kind == CFG_NODE_SCALAR) {
		const char *t = cfg_scalar(c, n, "cpus");
		char *end = NULL;
		double d = t && *t ? strtod(t, &end) : -1;
		if (end && !*end && d >= 0 && d < 0.001 && strpbrk(t, "123456789")) {
			r->s->reservations.millicpus = (struct cfg_int){0, true, n->pos};
			return 0;
		}
	}
	if (cfg_read_cpus(c, n, "cpus", &v) < 0)
		return -1;
	if (r->reservations)
		r->s->reservations.millicpus = v;
	else
		set_limit(c, &r->s->limits.millicpus, v, "deploy.resources.limits.cpus", "cpus");
	return 0;
}

static int res_pids(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct res *r = obj;
	struct cfg_int v;

	if (read_pids(c, n, "pids", &v) < 0)
		return -1;
	set_limit(c, &r->s->limits.pids, v, "deploy.resources.limits.pids", "pids_limit");
	return 0;
}

/* Reservations docker compose reads and drops (setReservations): a pids
 * "reservation" is no kernel setting (pids is a limit), and
 * generic_resources are swarm's. Taken and dropped the same way, said. */
static int res_pids_dropped(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	(void)obj;
	cfg_diag_add(c, n->pos, true, "limits.pids sets the limit",
		     "deploy.resources.reservations.pids is ignored, as docker compose ignores "
		     "it: pids is a limit only");
	return 0;
}

static int res_generic_dropped(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	(void)obj;
	cfg_diag_add(c, n->pos, true, NULL,
		     "deploy.resources.reservations.generic_resources is ignored, as docker "
		     "compose ignores it: they are swarm's");
	return 0;
}

/* Device requests (GPUs): kept as written for `lxr config`, and read
 * (service_gpu.c); an empty list asks for nothing */
static int res_devices(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = ((struct res *)obj)->s;
	int r = 0;

	if (cfg_is_null(n) || (n->kind == CFG_NODE_SEQ && !n->n))
		return 0;
	if (!cfg_expect(c, n, CFG_NODE_SEQ, "deploy.resources.reservations.devices") ||
	    cfg_raw_read(c, n, "deploy.resources.reservations.devices", &s->device_requests) < 0)
		return -1;
	for (size_t i = 0; i < n->n; i++)
		if (cfg_read_device_request(c, n->items[i], s, false) < 0)
			r = -1;
	return r;
}

static int read_limits(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	static const struct cfg_key keys[] = {
	    {"cpus", NULL, res_cpus},
	    {"memory", NULL, res_memory},
	    {"pids", NULL, res_pids},
	};
	static const struct cfg_map_spec spec = {"deploy.resources.limits", keys, 3, true, NULL, 0};
	struct res r = {obj, false};

	return cfg_is_null(n) ? 0 : cfg_read_map(c, n, &spec, &r);
}

static int read_reservations(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	static const struct cfg_key keys[] = {
	    {"cpus", NULL, res_cpus},
	    {"memory", NULL, res_memory},
	    {"devices", NULL, res_devices},
	    {"pids", NULL, res_pids_dropped},
	    {"generic_resources", NULL, res_generic_dropped},
	};
	static const struct cfg_map_spec spec = {
	    "deploy.resources.reservations", keys, 5, true, NULL, 0};
	struct res r = {obj, true};

	return cfg_is_null(n) ? 0 : cfg_read_map(c, n, &spec, &r);
}

static int read_resources(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	static const struct cfg_key keys[] = {
	    {"limits", "service.deploy.resources.limits", read_limits},
	    {"reservations", "service.deploy.resources.reservations", read_reservations},
	};
	static const struct cfg_map_spec spec = {"deploy.resources", keys, 2, true, NULL, 0};

	return cfg_is_null(n) ? 0 : cfg_read_map(c, n, &spec, obj);
}

/* ---- deploy.restart_policy ------------------------------------------------------ */
struct rp {
	struct cfg_restart_policy p;
	bool condition_set;
};

static int rp_condition(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct rp *rp = obj;
	const char *v = cfg_scalar(c, n, "restart_policy condition");

	if (!v)
		return -1;
	rp->condition_set = true;
	/* Compose maps the swarm conditions onto `restart:` policies, and
	 * takes the policies' own names too (docker compose's
	 * mapRestartPolicyCondition). */
	if (!strcmp(v, "none") || !strcmp(v, "no"))
		rp->p.policy = CFG_RESTART_NO;
	else if (!strcmp(v, "on-failure"))
		rp->p.policy = CFG_RESTART_ON_FAILURE;
	else if (!strcmp(v, "any") || !strcmp(v, "always"))
		rp->p.policy = CFG_RESTART_ALWAYS;
	else if (!strcmp(v, "unless-stopped"))
		rp->p.policy = CFG_RESTART_UNLESS_STOPPED;
	else {
		cfg_error_hint(c, n, "one of none, on-failure, any (or no, always, unless-stopped)",
			       "restart_policy: unknown condition \"%s\"", v);
		return -1;
	}
	return 0;
}

static int rp_delay(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_int v;

	if (cfg_read_duration(c, n, "restart_policy delay", &v) < 0)
		return -1;
	((struct rp *)obj)->p.delay_us = v.v;
	return 0;
}

static int rp_window(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_int v;

	if (cfg_read_duration(c, n, "restart_policy window", &v) < 0)
		return -1;
	((struct rp *)obj)->p.window_us = v.v;
	return 0;
}

static int rp_max(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_int v;

	if (cfg_read_int(c, n, "restart_policy max_attempts", 0, 1000000, &v) < 0)
		return -1;
	((struct rp *)obj)->p.max_retries = (int)v.v;
	return 0;
}

static int read_restart_policy(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	static const struct cfg_key keys[] = {
	    {"condition", NULL, rp_condition},
	    {"delay", NULL, rp_delay},
	    {"max_attempts", NULL, rp_max},
	    {"window", NULL, rp_window},
	};
	static const struct cfg_map_spec spec = {"deploy.restart_policy", keys, 4, true, NULL, 0};
	struct cfg_service *s = obj;
	struct rp rp = {{.policy = CFG_RESTART_ALWAYS, .pos = n->pos, .from_deploy = true}, false};

	if (cfg_read_map(c, n, &spec, &rp) < 0)
		return -1;
	/* Compose's default condition is "any"; given both, compose runs
	 * deploy's (its getRestartPolicy reads restart, then deploy's) */
	if (s->restart.pos.line &&
	    (s->restart.policy != rp.p.policy || s->restart.max_retries != rp.p.max_retries))
		cfg_diag_add(c, n->pos, true, CFG_RESTART_AGREE_HINT,
			     "deploy.restart_policy differs from restart on line %d; "
			     "deploy.restart_policy is what runs",
			     s->restart.pos.line);
	s->restart = rp.p;
	return 0;
}

void cfg_svc_global_replicas(struct cfg_ctx *c, struct cfg_node *n, long long replicas)
{
	if (replicas != 1)
		cfg_warn(
		    c, n,
		    "deploy.mode global with %lld replicas: global is one instance per node of "
		    "a swarm, where replicas is refused; lxr runs the %lld replicas, as docker "
		    "compose does",
		    replicas, replicas);
}

static int read_replicas(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;
	struct cfg_int v;

	if (cfg_read_int(c, n, "deploy.replicas", 0, CFG_REPLICAS_MAX, &v) < 0)
		return -1;
	if (s->replicas_by_mode) {
		cfg_svc_global_replicas(c, n, v.v);
		s->replicas_by_mode = false;
	} else if (s->replicas.set && s->replicas.v != v.v) {
		cfg_error_hint(c, n, "keep one of them",
			       "deploy.replicas (%lld) disagrees with the %lld instances set by "
			       "scale on line %d",
			       (long long)v.v, (long long)s->replicas.v, s->replicas.pos.line);
		return -1;
	}
	s->replicas = v;
	return 0;
}

/* replicated is what lxr does; global is one instance per node, and lxr
 * has one node, so one instance, unless replicas (or scale) gives a number:
 * docker compose runs that many then, swarm's rule aside, and so does lxr. */
static int read_mode(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;
	const char *v = cfg_scalar(c, n, "deploy.mode");

	if (!v)
		return -1;
	if (!strcmp(v, "replicated"))
		return 0;
	if (strcmp(v, "global")) {
		cfg_error_hint(c, n, "replicated (the default) or global",
			       "deploy.mode \"%s\" is not a mode", v);
		return -1;
	}
	if (s->replicas.set) {
		cfg_svc_global_replicas(c, n, s->replicas.v);
		return 0;
	}
	s->replicas = (struct cfg_int){1, true, n->pos};
	s->replicas_by_mode = true;
	return 0;
}

int cfg_svc_read_mem_reservation(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;
	struct cfg_int v;

	if (cfg_read_bytes(c, n, "mem_reservation", &v) < 0)
		return -1;
	set_limit(c, &s->reservations.memory, v, "mem_reservation",
		  "deploy.resources.reservations.memory");
	return 0;
}

/* Swarm's own settings: `docker compose up` ignores them (they place and
 * update a service across a cluster's nodes), and so does lxr, saying so. */
static int read_swarm_only(struct cfg_ctx *c, struct cfg_node *n, const char *key)
{
	cfg_interpolate_all(c, n);
	cfg_warn(c, n, "deploy.%s is swarm's: docker compose ignores it, and so does lxr", key);
	return 0;
}

#define SWARM_ONLY(key)                                                                            \
	static int read_##key(struct cfg_ctx *c, struct cfg_node *n, void *obj)                    \
	{                                                                                          \
		(void)obj;                                                                         \
		return read_swarm_only(c, n, #key);                                                \
	}
SWARM_ONLY(endpoint_mode)
SWARM_ONLY(labels)
SWARM_ONLY(placement)

int cfg_svc_read_deploy(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	static const struct cfg_key keys[] = {
	    {"replicas", "service.deploy.replicas", read_replicas},
	    {"mode", NULL, read_mode},
	    {"endpoint_mode", NULL, read_endpoint_mode},
	    {"labels", NULL, read_labels},
	    {"placement", NULL, read_placement},
	    {"rollback_config", "service.deploy.rollback_config", cfg_svc_read_rollback_config},
	    {"update_config", "service.deploy.update_config", cfg_svc_read_update_config},
	    {"resources", "service.deploy.resources", read_resources},
	    {"restart_policy", "service.deploy.restart_policy", read_restart_policy},
	};
	static const struct cfg_map_spec spec = {
	    "deploy", keys, sizeof(keys) / sizeof(keys[0]), true, NULL, 0,
	};

	return cfg_is_null(n) ? 0 : cfg_read_map(c, n, &spec, obj);
}
