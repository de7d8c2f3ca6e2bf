/* The supervisor's tables, built once from the validated model and the
 * dependency graph: a service per plan node, an instance per replica, each
 * with its policy, its health check, and its container spec resolved in full
 * before anything starts (a bad user name fails `up` before any container). */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "supervisor/sup.h"

/* docker's restart backoff: 100 ms doubling to 1 min, reset after 10 s up */
#define BACKOFF_FIRST_US 100000
#define BACKOFF_MAX_US 60000000
#define BACKOFF_RESET_US 10000000

static void policy_from(const struct cfg_service *c, struct svc_policy *p)
{
	static const enum svc_restart map[] = {
		[CFG_RESTART_NO] = SVC_RESTART_NO,
		[CFG_RESTART_ALWAYS] = SVC_RESTART_ALWAYS,
		[CFG_RESTART_ON_FAILURE] = SVC_RESTART_ON_FAILURE,
		[CFG_RESTART_UNLESS_STOPPED] = SVC_RESTART_UNLESS_STOPPED,
	};
	memset(p, 0, sizeof(*p));
	p->restart = map[c->restart.policy];
	p->max_attempts = c->restart.max_retries;
	p->delay_first_us = BACKOFF_FIRST_US;
	p->delay_max_us = BACKOFF_MAX_US;
	p->reset_after_us = BACKOFF_RESET_US;
	/* deploy.restart_policy (swarm's meaning): a fixed delay between
	 * attempts, and a window after which a restart counts as good */
	if (c->restart.delay_us > 0) {
		p->delay_first_us = c->restart.delay_us;
		p->delay_fixed = true;
	}
	if (c->restart.window_us > 0)
		p->reset_after_us = c->restart.window_us;
	p->stop_grace_us = c->stop_grace_period.v;
	/* x-lxr: lxr's own tuning */
	if (c->x_lxr.backoff_initial_us.set)
		p->delay_first_us = c->x_lxr.backoff_initial_us.v;
	if (c->x_lxr.backoff_max_us.set)
		p->delay_max_us = c->x_lxr.backoff_max_us.v;
	if (c->x_lxr.backoff_reset_us.set)
		p->reset_after_us = c->x_lxr.backoff_reset_us.v;
	p->restart_on_unhealthy = c->x_lxr.restart_on_unhealthy.set && c->x_lxr.restart_on_unhealthy.v;
}

static int health_from(const struct cfg_service *c, struct sup_health *h, lxr_err *err)
{
	const struct cfg_health *hc = &c->healthcheck;

	memset(h, 0, sizeof(*h));
	h->pid = -1;
	if (hc->kind != CFG_HEALTH_CMD && hc->kind != CFG_HEALTH_SHELL)
		return 0;
	if (hc->test.n == 0)
		return lxr_fail(err, EINVAL, "service \"%s\": healthcheck has no test", c->name);
	h->enabled = true;
	if (hc->kind == CFG_HEALTH_SHELL) {
		lxr_strv_push(&h->argv, lxr_xstrdup("/bin/sh"));
		lxr_strv_push(&h->argv, lxr_xstrdup("-c"));
		lxr_strv_push(&h->argv, lxr_xstrdup(hc->test.v[0].v));
	} else {
		for (size_t i = 0; i < hc->test.n; i++)
			lxr_strv_push(&h->argv, lxr_xstrdup(hc->test.v[i].v));
	}
	h->interval_us = hc->interval_us;
	h->timeout_us = hc->timeout_us;
	h->start_period_us = hc->start_period_us;
	h->start_interval_us = hc->start_interval_us;
	h->retries = hc->retries > 0 ? hc->retries : 3;
	return 0;
}

static char **strs_to_strv(const struct cfg_strs *s)
{
	char **v = NULL;
	for (size_t i = 0; i < s->n; i++)
		lxr_strv_push(&v, lxr_xstrdup(s->v[i].v));
	return v;
}

/* Everything that needs the system: capability names (the running kernel's
 * list), the user in the image's own /etc/passwd, and HOME from it. */
static int resolve_spec(const struct cfg_service *c, struct lxr_spec *spec, lxr_err *err)
{
	_cleanup_strv_ char **add = strs_to_strv(&c->cap_add);
	_cleanup_strv_ char **drop = strs_to_strv(&c->cap_drop);
	_cleanup_free_ char *home = NULL;
	bool has_home = false;

	if (rt_caps_adjust(&spec->caps, add, drop, err) < 0)
		return -1;
	if (c->user.v && rt_user_resolve(spec->lower_dirs[0], c->user.v, spec, err) < 0)
		return lxr_err_wrap(err, "user \"%s\"", c->user.v);
	rt_caps_for_user(&spec->caps, spec->uid);
	for (size_t i = 0; spec->env && spec->env[i]; i++)
		has_home |= lxr_str_has_prefix(spec->env[i], "HOME=");
	if (!has_home) {
		if (rt_user_home(spec->lower_dirs[0], spec->uid, &home, err) < 0)
			return -1;
		lxr_strv_push(&spec->env, lxr_xasprintf("HOME=%s", home));
	}
	return 0;
}

static int build_instance(struct sup *s, struct sup_service *sv, int replica, lxr_err *err)
{
	struct sup_instance *in = &sv->inst[sv->n_inst++];

	in->svc = sv;
	in->replica = replica;
	in->name = plan_instance_name(sv->cfg->name, replica);
	svc_fsm_init(&in->fsm);
	in->pidw = (struct sup_watch){W_PIDFD, in, -1};
	in->outw = (struct sup_watch){W_OUT, in, -1};
	in->errw = (struct sup_watch){W_ERR, in, -1};
	rt_spec_init_defaults(&in->spec);
	if (plan_instance_fill(s->stack, sv->cfg, replica, &in->spec, err) < 0 ||
	    resolve_spec(sv->cfg, &in->spec, err) < 0)
		return lxr_err_wrap(err, "service \"%s\"", sv->cfg->name);
	if (health_from(sv->cfg, &in->health, err) < 0)
		return -1;
	in->health.pidw = (struct sup_watch){W_HEALTH_PIDFD, in, -1};
	in->health.outw = (struct sup_watch){W_HEALTH_OUT, in, -1};
	return 0;
}

int sup_build(struct sup *s, struct cfg_stack *st, struct plan_graph *g, lxr_err *err)
{
	s->stack = st;
	s->graph = g;
	s->svcs = lxr_xcalloc(g->n, sizeof(*s->svcs));
	for (size_t i = 0; i < g->n; i++) {
		struct sup_service *sv = &s->svcs[s->n_svcs++];
		sv->cfg = g->nodes[i].svc;
		sv->node = i;
		sv->colour = (int)i;
		size_t n = sv->cfg->replicas.set ? (size_t)sv->cfg->replicas.v : 1;

		policy_from(sv->cfg, &sv->policy);
		sv->inst = lxr_xcalloc(n ? n : 1, sizeof(*sv->inst));
		for (size_t r = 1; r <= n; r++)
			if (build_instance(s, sv, (int)r, err) < 0)
				return -1;
	}
	return 0;
}

void sup_free(struct sup *s)
{
	for (size_t i = 0; i < s->n_svcs; i++) {
		for (size_t k = 0; k < s->svcs[i].n_inst; k++) {
			struct sup_instance *in = &s->svcs[i].inst[k];
			free(in->name);
			free(in->blocked_by);
			rt_spec_free(&in->spec);
			lxr_strv_free(in->health.argv);
		}
		free(s->svcs[i].inst);
	}
	free(s->svcs);
	free(s->run_dir);
	free(s->log_dir);
	s->svcs = NULL;
	s->n_svcs = 0;
	plan_graph_free(s->owned_graph);
	cfg_stack_free(s->owned_stack);
	s->owned_graph = NULL;
	s->owned_stack = NULL;
}

struct sup_instance *sup_find_instance(struct sup *s, const char *name)
{
	for (size_t i = 0; i < s->n_svcs; i++)
		for (size_t k = 0; k < s->svcs[i].n_inst; k++)
			if (!strcmp(s->svcs[i].inst[k].name, name))
				return &s->svcs[i].inst[k];
	return NULL;
}

struct sup_service *sup_find_service(struct sup *s, const char *name)
{
	for (size_t i = 0; i < s->n_svcs; i++)
		if (!strcmp(s->svcs[i].cfg->name, name))
			return &s->svcs[i];
	return NULL;
}
