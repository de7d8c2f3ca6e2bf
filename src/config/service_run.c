/* A service's lifecycle and resources: depends_on, healthcheck, restart and
 * deploy.restart_policy, limits (three spellings, one meaning), ulimits. */
#define _GNU_SOURCE
#include <string.h>

#include "config/config_internal.h"

#define SEC 1000000LL

/* ---- depends_on ------------------------------------------------------------- */
static struct cfg_dep *dep_add(struct cfg_service *s, const char *name, struct cfg_pos pos)
{
	struct cfg_dep *d;

	s->depends_on = lxr_xrealloc(s->depends_on, (s->n_depends_on + 1) * sizeof(*d));
	d = &s->depends_on[s->n_depends_on++];
	*d = (struct cfg_dep){.condition = CFG_DEP_STARTED, .required = true};
	cfg_str_set(&d->service, name, pos);
	return d;
}

static int dep_condition(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	static const char *const names[] = {"service_started", "service_healthy",
					    "service_completed_successfully"};
	const char *v = cfg_scalar(c, n, "depends_on condition");

	if (!v)
		return -1;
	for (int i = 0; i < 3; i++) {
		if (!strcmp(v, names[i])) {
			((struct cfg_dep *)obj)->condition = (enum cfg_dep_condition)i;
			return 0;
		}
	}
	const char *dym = cfg_did_you_mean(v, names, 3);
	cfg_error_hint(c, n,
		       "one of service_started, service_healthy, service_completed_successfully",
		       "depends_on: unknown condition \"%s\"%s%s%s", v,
		       dym ? " (did you mean \"" : "", dym ? dym : "", dym ? "\"?)" : "");
	return -1;
}

static int dep_required(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_bool b;

	if (cfg_read_bool(c, n, "depends_on required", &b) < 0)
		return -1;
	((struct cfg_dep *)obj)->required = b.v;
	return 0;
}

static int dep_restart(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_bool b;

	if (cfg_read_bool(c, n, "depends_on restart", &b) < 0)
		return -1;
	((struct cfg_dep *)obj)->restart = b.v;
	return 0;
}

int cfg_svc_read_depends_on(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	static const struct cfg_key keys[] = {
	    {"condition", NULL, dep_condition},
	    {"required", NULL, dep_required},
	    {"restart", NULL, dep_restart},
	};
	static const struct cfg_map_spec spec = {"depends_on", keys, 3, true, NULL, 0};
	struct cfg_service *s = obj;
	struct cfg_strs names = {0};
	int r = 0;

	if (n->kind == CFG_NODE_MAP) {
		for (size_t i = 0; i < n->n; i++) {
			struct cfg_dep *d = dep_add(s, n->pairs[i].key->raw, n->pairs[i].key->pos);
			if (!cfg_is_null(n->pairs[i].value) &&
			    cfg_read_map(c, n->pairs[i].value, &spec, d) < 0)
				r = -1;
		}
		return r;
	}
	if (n->kind != CFG_NODE_SEQ) {
		cfg_error(c, n, "depends_on must be a list of services or a mapping, not a %s",
			  cfg_kind_name(n));
		return -1;
	}
	r = cfg_read_strs(c, n, "depends_on", false, &names);
	for (size_t i = 0; i < names.n; i++) {
		for (size_t j = 0; j < i; j++)
			if (!strcmp(names.v[i].v, names.v[j].v)) {
				cfg_diag_add(c, names.v[i].pos, false, NULL,
					     "depends_on lists \"%s\" twice", names.v[i].v);
				r = -1;
			}
		dep_add(s, names.v[i].v, names.v[i].pos);
	}
	cfg_strs_free(&names);
	return r;
}

/* ---- healthcheck -------------------------------------------------------------- */
struct hc {
	struct cfg_health *h;
	struct cfg_node *test;
	struct cfg_bool disable;
};

static int hc_test(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct hc *hc = obj;
	struct cfg_health *h = hc->h;
	struct cfg_strs v = {0};

	hc->test = n;
	if (n->kind == CFG_NODE_SCALAR) { /* a string means CMD-SHELL */
		if (cfg_read_strs(c, n, "healthcheck test", true, &h->test) < 0)
			return -1;
		h->kind = CFG_HEALTH_SHELL;
		return 0;
	}
	if (cfg_read_strs(c, n, "healthcheck test", false, &v) < 0) {
		cfg_strs_free(&v);
		return -1;
	}
	if (!v.n) {
		/* test: [] is no test given: the image's check stays, with the
		 * timings given here (as compose-go checks the first word only
		 * when there is one, and docker takes the image's test) */
		cfg_strs_free(&v);
		hc->test = NULL;
		return 0;
	}
	if (!strcmp(v.v[0].v, "NONE") && v.n == 1) {
		h->kind = CFG_HEALTH_NONE;
	} else if (v.n >= 2 && !strcmp(v.v[0].v, "CMD")) {
		h->kind = CFG_HEALTH_CMD;
	} else if (v.n >= 2 && !strcmp(v.v[0].v, "CMD-SHELL")) {
		/* more than the command: docker passes the rest to the
		 * shell as $0, $1... (sh -c CMD ARG0 ARG1) */
		h->kind = CFG_HEALTH_SHELL;
	} else {
		bool known = v.n && (!strcmp(v.v[0].v, "CMD") || !strcmp(v.v[0].v, "CMD-SHELL") ||
				     !strcmp(v.v[0].v, "NONE"));
		const char *hint =
		    "[\"CMD\", \"prog\", \"arg\"...], [\"CMD-SHELL\", \"cmd\"] or [\"NONE\"]";
		if (!known)
			cfg_error_hint(c, n, hint,
				       "healthcheck test must start with CMD, CMD-SHELL or NONE");
		else if (!strcmp(v.v[0].v, "NONE"))
			cfg_error_hint(c, n, hint, "healthcheck test NONE takes nothing after it");
		else
			cfg_error_hint(c, n, hint, "healthcheck test %s needs a command after it",
				       v.v[0].v);
		cfg_strs_free(&v);
		return -1;
	}
	for (size_t i = 1; i < v.n; i++)
		cfg_strs_push(&h->test, v.v[i].v, v.v[i].pos);
	cfg_strs_free(&v);
	return 0;
}

/* Docker's rules for the timings: 0 means "inherit" (the image's value,
 * else Docker's default, already in the model); anything else must be at
 * least 1ms. Keeping 0 would make the supervisor run checks
 * back to back (interval) or kill each one at once (timeout). */
static int hc_duration(struct cfg_ctx *c, struct cfg_node *n, const char *key, int64_t *field,
		       unsigned *set, unsigned bit)
{
	char what[48];
	struct cfg_int v;

	snprintf(what, sizeof(what), "healthcheck %s", key);
	if (cfg_read_duration(c, n, what, &v) < 0)
		return -1;
	if (v.v > 0 && v.v < 1000) {
		cfg_error_hint(c, n, "write 0 for the default, or 1ms or more",
			       "%s must be 0 or at least 1ms", what);
		return -1;
	}
	if (v.v) {
		*field = v.v;
		*set |= bit;
	}
	return 0;
}

#define HC_DURATION(field, key, bit)                                                               \
	static int hc_##field(struct cfg_ctx *c, struct cfg_node *n, void *obj)                    \
	{                                                                                          \
		struct cfg_health *h = ((struct hc *)obj)->h;                                      \
		return hc_duration(c, n, key, &h->field, &h->set, bit);                            \
	}
HC_DURATION(interval_us, "interval", CFG_HC_INTERVAL)
HC_DURATION(timeout_us, "timeout", CFG_HC_TIMEOUT)
HC_DURATION(start_period_us, "start_period", CFG_HC_START_PERIOD)
HC_DURATION(start_interval_us, "start_interval", CFG_HC_START_INTERVAL)

/* retries: 0 is "inherit" too (Docker), so the default 3 stays. */
static int hc_retries(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_int v;

	if (cfg_read_int(c, n, "healthcheck retries", 0, 1000000, &v) < 0)
		return -1;
	if (v.v) {
		((struct hc *)obj)->h->retries = (int)v.v;
		((struct hc *)obj)->h->set |= CFG_HC_RETRIES;
	}
	return 0;
}

static int hc_disable(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_bool(c, n, "healthcheck disable", &((struct hc *)obj)->disable);
}

int cfg_svc_read_healthcheck(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	static const struct cfg_key keys[] = {
	    {"test", NULL, hc_test},
	    {"interval", NULL, hc_interval_us},
	    {"timeout", NULL, hc_timeout_us},
	    {"retries", NULL, hc_retries},
	    {"start_period", NULL, hc_start_period_us},
	    {"start_interval", NULL, hc_start_interval_us},
	    {"disable", NULL, hc_disable},
	};
	static const struct cfg_map_spec spec = {"healthcheck", keys, 7, true, NULL, 0};
	struct cfg_service *s = obj;
	struct hc hc = {&s->healthcheck, NULL, {0}};
	int r;

	s->healthcheck.pos = n->pos;
	r = cfg_read_map(c, n, &spec, &hc);
	if (r < 0)
		return r;
	/* disable wins over a test, as docker compose reads it (dify's
	 * workers have both) */
	if (hc.disable.v) {
		s->healthcheck.kind = CFG_HEALTH_NONE;
		cfg_strs_free(&s->healthcheck.test);
	}
	/* No test: Compose keeps the image's HEALTHCHECK and overrides only the
	 * timings given; `disable: false` alone changes nothing. */
	else if (!hc.test && s->healthcheck.set) {
		s->healthcheck.kind = CFG_HEALTH_INHERIT;
		cfg_check_supported_hint(c, n->pos, "service.healthcheck.timings_only",
					 "give a test with these timings, or drop them",
					 "healthcheck timings without a test");
	}
	return 0;
}

/* ---- restart ------------------------------------------------------------------ */
int cfg_svc_read_restart(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_restart_policy *dst = &((struct cfg_service *)obj)->restart;
	struct cfg_restart_policy pol = {.pos = n->pos}, *p = &pol;
	const char *v = cfg_scalar(c, n, "restart");
	struct cfg_int max = {0};

	if (!v)
		return -1;
	if (!strcmp(v, "no")) {
		p->policy = CFG_RESTART_NO;
	} else if (!strcmp(v, "always")) {
		p->policy = CFG_RESTART_ALWAYS;
	} else if (!strcmp(v, "unless-stopped")) {
		p->policy = CFG_RESTART_UNLESS_STOPPED;
	} else if (!strcmp(v, "on-failure") || !strncmp(v, "on-failure:", 11)) {
		p->policy = CFG_RESTART_ON_FAILURE;
		if (v[10] == ':') {
			struct cfg_node tmp = *n;
			tmp.val = (char *)v + 11;
			if (cfg_read_int(c, &tmp, "restart on-failure count", 0, 1000000, &max) < 0)
				return -1;
		}
		p->max_retries = (int)max.v;
	} else {
		/* compose-go loads any string; docker refuses it at create */
		static const char *const names[] = {"no", "always", "on-failure", "unless-stopped"};
		const char *dym = cfg_did_you_mean(v, names, 4);
		cfg_refuse_at_up(c, n->pos, "one of no, always, on-failure[:N], unless-stopped",
				 "restart: unknown policy \"%s\"%s%s%s", v,
				 dym ? " (did you mean \"" : "", dym ? dym : "", dym ? "\"?)" : "");
		p->policy = CFG_RESTART_NO;
	}
	/* deploy.restart_policy came first: it is what runs, as in compose */
	if (dst->pos.line && dst->from_deploy) {
		if (dst->policy != pol.policy || dst->max_retries != pol.max_retries)
			cfg_diag_add(c, n->pos, true, CFG_RESTART_AGREE_HINT,
				     "restart differs from deploy.restart_policy "
				     "on line %d; deploy.restart_policy is what runs",
				     dst->pos.line);
		return 0;
	}
	*dst = pol;
	return 0;
}

/* ---- ulimits ---------------------------------------------------------------------- */
static const char *const ulimit_names[] = {
    "as",   "core",   "cpu",   "data", "fsize",  "locks",  "memlock",    "msgqueue",
    "nice", "nofile", "nproc", "rss",  "rtprio", "rttime", "sigpending", "stack",
};

static int ulimit_value(struct cfg_ctx *c, struct cfg_node *n, struct cfg_ulimit *u)
{
	struct cfg_int soft = {0}, hard = {0};
	int r = 0;

	if (n->kind == CFG_NODE_SCALAR) {
		if (cfg_read_int(c, n, "ulimit", -1, INT64_MAX, &soft) < 0)
			return -1;
		u->soft = u->hard = soft.v;
		return 0;
	}
	if (!cfg_expect(c, n, CFG_NODE_MAP, "ulimit"))
		return -1;
	for (size_t i = 0; i < n->n; i++) {
		const char *k = n->pairs[i].key->raw;
		struct cfg_int *dst = !strcmp(k, "soft")   ? &soft
				      : !strcmp(k, "hard") ? &hard
							   : NULL;
		if (!dst && !strncmp(k, "x-", 2)) { /* the schema allows them */
			cfg_interpolate_all(c, n->pairs[i].value);
		} else if (!dst) {
			cfg_error(c, n->pairs[i].key, "unknown key \"%s\" in ulimit (soft or hard)",
				  k);
			r = -1;
		} else if (cfg_read_int(c, n->pairs[i].value, "ulimit", -1, INT64_MAX, dst) < 0) {
			r = -1;
		}
	}
	if (!r && (!soft.set || !hard.set)) {
		cfg_error(c, n, "ulimit \"%s\" needs both soft and hard", u->name);
		return -1;
	}
	/* -1 is unlimited, larger than any number. */
	if (!r && hard.v != -1 && (soft.v == -1 || soft.v > hard.v)) {
		cfg_error(c, n, "ulimit \"%s\": soft limit is above the hard limit", u->name);
		return -1;
	}
	u->soft = soft.v;
	u->hard = hard.v;
	return r;
}

void cfg_ulimits_free(struct cfg_ulimit *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

int cfg_svc_read_ulimits(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;
	size_t nn = sizeof(ulimit_names) / sizeof(ulimit_names[0]);
	int r = 0;

	if (!cfg_expect(c, n, CFG_NODE_MAP, "ulimits"))
		return -1;
	for (size_t i = 0; i < n->n; i++) {
		struct cfg_node *k = n->pairs[i].key;
		bool known = false;
		for (size_t j = 0; j < nn; j++)
			known |= !strcmp(k->raw, ulimit_names[j]);
		if (!known) {
			const char *dym = cfg_did_you_mean(k->raw, ulimit_names, nn);
			cfg_error(c, k, "unknown ulimit \"%s\"%s%s%s", k->raw,
				  dym ? " (did you mean \"" : "", dym ? dym : "",
				  dym ? "\"?)" : "");
			r = -1;
			continue;
		}
		s->ulimits = lxr_xrealloc(s->ulimits, (s->n_ulimits + 1) * sizeof(*s->ulimits));
		struct cfg_ulimit *u = &s->ulimits[s->n_ulimits++];
		*u = (struct cfg_ulimit){lxr_xstrdup(k->raw), 0, 0, k->pos};
		if (ulimit_value(c, n->pairs[i].value, u) < 0)
			r = -1;
	}
	return r;
}
