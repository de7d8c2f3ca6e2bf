/* The supervisor's tables, built once from the validated model and the
 * dependency graph: a service per plan node, an instance per replica, each
 * with its policy, its health check, and its container spec resolved in full
 * before anything starts (a bad user name fails `up` before any container). */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/utsname.h>

#include "supervisor/sup.h"

/* docker's restart backoff: 100 ms doubling to 1 min, reset after 10 s up */
#define BACKOFF_FIRST_US 100000
#define BACKOFF_MAX_US   60000000
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
	p->restart_on_unhealthy =
	    c->x_lxr.restart_on_unhealthy.set && c->x_lxr.restart_on_unhealthy.v;
}

/* The image's HEALTHCHECK, for a service that sets none (compose). */
static void health_from_image(const struct img_healthcheck *ih, struct sup_health *h)
{
	if (!ih->present || !ih->test || !ih->test[0] || !ih->test[1] ||
	    (strcmp(ih->test[0], "CMD") && strcmp(ih->test[0], "CMD-SHELL")))
		return;
	h->enabled = true;
	if (!strcmp(ih->test[0], "CMD-SHELL")) {
		lxr_strv_push(&h->argv, lxr_xstrdup("/bin/sh"));
		lxr_strv_push(&h->argv, lxr_xstrdup("-c"));
		lxr_strv_push(&h->argv, lxr_xstrdup(ih->test[1]));
	} else {
		for (size_t i = 1; ih->test[i]; i++)
			lxr_strv_push(&h->argv, lxr_xstrdup(ih->test[i]));
	}
	/* docker's defaults where the image leaves a value out */
	h->interval_us = ih->interval_ns > 0 ? ih->interval_ns / 1000 : 30000000;
	h->timeout_us = ih->timeout_ns > 0 ? ih->timeout_ns / 1000 : 30000000;
	h->start_period_us = ih->start_period_ns > 0 ? ih->start_period_ns / 1000 : 0;
	h->start_interval_us = 5000000;
	h->retries = ih->retries > 0 ? ih->retries : 3;
}

static int health_from(const struct cfg_service *c, const struct img_image *img,
		       struct sup_health *h, lxr_err *err)
{
	const struct cfg_health *hc = &c->healthcheck;

	memset(h, 0, sizeof(*h));
	h->pid = -1;
	if (hc->kind == CFG_HEALTH_UNSET && img)
		health_from_image(&img->config.healthcheck, h);
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

/* A service that names an image: resolved in the store, pulled first when
 * missing (before anything starts), and marked in use while the supervisor
 * runs, so `lxr rmi` cannot take it away. */
static int resolve_image(struct sup *s, struct sup_service *sv, lxr_err *err)
{
	_cleanup_free_ char *label = NULL;

	if (sv->cfg->image_is_path || sv->img)
		return 0;
	if (!s->store && img_store_open(lxr_data_dir(), &s->store, err) < 0)
		return -1;
	sv->img = lxr_xcalloc(1, sizeof(*sv->img));
	int policy = sv->cfg->pull_policy.v ? img_pull_policy_parse(sv->cfg->pull_policy.v)
					    : IMG_PULL_MISSING;
	if (img_ensure(s->store, sv->cfg->image.v, (enum img_pull_policy)policy, sv->img, err) < 0)
		return lxr_err_wrap(err, "service \"%s\": image \"%s\"", sv->cfg->name,
				    sv->cfg->image.v);
	label = lxr_xasprintf("%s/%s", s->stack->project, sv->cfg->name);
	return img_use_acquire(s->store, sv->img, label, &sv->img_use_fd, err);
}

static void image_defaults(const struct sup_service *sv, struct plan_image *pi)
{
	const struct img_config *c = &sv->img->config;

	*pi = (struct plan_image){.layer_dirs = sv->img->layer_dirs,
				  .entrypoint = c->entrypoint,
				  .cmd = c->cmd,
				  .env = c->env,
				  .workdir = c->workdir,
				  .user = c->user,
				  .stop_signal = c->stop_signal};
}

/* Everything that needs the system: capability names (the running kernel's
 * list), the user in the image's own /etc/passwd, and HOME from it; and
 * security_opt, whose seccomp profile is decided for the final bounding set
 * and the running kernel. */
static int resolve_spec(const struct cfg_service *c, const char *img_user, struct lxr_spec *spec,
			lxr_err *err)
{
	_cleanup_strv_ char **add = strs_to_strv(&c->cap_add);
	_cleanup_strv_ char **drop = strs_to_strv(&c->cap_drop);
	struct utsname u;

	bool privileged = c->privileged.set && c->privileged.v;

	/* docker: a privileged container has every capability, whatever
	 * cap_add and cap_drop say */
	if (!privileged && rt_caps_adjust(&spec->caps, add, drop, err) < 0)
		return -1;
	plan_security_apply(&c->security, privileged, uname(&u) == 0 ? u.release : NULL, spec);
	const char *user = c->user.v ? c->user.v : (img_user && *img_user ? img_user : NULL);
	if (user && rt_user_resolve(spec->lower_dirs[0], user, spec, err) < 0)
		return lxr_err_wrap(err, "user \"%s\"", user);
	rt_caps_for_user(&spec->caps, spec->uid);
	return rt_user_env_home(spec->lower_dirs[0], spec->uid, &spec->env, err);
}

/* What the host has for a service's devices and privileged, looked up
 * before anything starts: a missing device fails `up` at its line. */
struct host_facts {
	struct plan_host p;
	struct lxr_device *devs, *all;
	size_t n_devs, n_all;
};

static void host_facts_free(struct host_facts *h)
{
	rt_devices_free(h->devs, h->n_devs);
	rt_devices_free(h->all, h->n_all);
}

static int host_facts(const struct cfg_stack *st, const struct cfg_service *c, struct host_facts *h,
		      lxr_err *err)
{
	memset(h, 0, sizeof(*h));
	h->devs = lxr_xcalloc(c->n_devices + 1, sizeof(*h->devs));
	for (; h->n_devs < c->n_devices; h->n_devs++) {
		const struct cfg_device *d = &c->devices[h->n_devs];
		if (rt_device_from_host(d->source, d->target, &h->devs[h->n_devs], err) < 0)
			/* pos.file lived in the load's diagnostics; the
			 * entry is in the stack file itself */
			return lxr_err_wrap(err, "%s:%d:%d: service \"%s\": devices", st->file,
					    d->pos.line, d->pos.col, c->name);
	}
	if (c->privileged.set && c->privileged.v) {
		if (rt_devices_host_all(&h->all, &h->n_all, err) < 0)
			return lxr_err_wrap(err, "service \"%s\": privileged", c->name);
		h->p.all_caps = rt_caps_privileged();
	}
	h->p.devices = h->devs;
	h->p.all_devices = h->all;
	h->p.n_all_devices = h->n_all;
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
	in->syncw = (struct sup_watch){W_SYNC, in, -1};
	in->outw = (struct sup_watch){W_OUT, in, -1};
	in->errw = (struct sup_watch){W_ERR, in, -1};
	struct plan_image pi;

	rt_spec_init_defaults(&in->spec);
	if (resolve_image(s, sv, err) < 0)
		return -1;
	if (sv->img)
		image_defaults(sv, &pi);
	struct host_facts hf;
	int r = host_facts(s->stack, sv->cfg, &hf, err);
	if (r == 0 && plan_instance_fill(s->stack, sv->cfg, replica, sv->img ? &pi : NULL, &hf.p,
					 &in->spec, err) < 0)
		r = lxr_err_wrap(err, "service \"%s\"", sv->cfg->name);
	host_facts_free(&hf);
	if (r < 0)
		return -1;
	if (resolve_spec(sv->cfg, sv->img ? pi.user : NULL, &in->spec, err) < 0)
		return lxr_err_wrap(err, "service \"%s\"", sv->cfg->name);
	if (health_from(sv->cfg, sv->img, &in->health, err) < 0)
		return -1;
	in->health.pidw = (struct sup_watch){W_HEALTH_PIDFD, in, -1};
	in->health.outw = (struct sup_watch){W_HEALTH_OUT, in, -1};
	return 0;
}

int sup_build(struct sup *s, struct cfg_stack *st, struct plan_graph *g, lxr_err *err)
{
	s->term.w.fd = -1; /* sup_term_open, for a foreground run */
	s->stack = st;
	s->graph = g;
	s->svcs = lxr_xcalloc(g->n, sizeof(*s->svcs));
	for (size_t i = 0; i < g->n; i++) {
		struct sup_service *sv = &s->svcs[s->n_svcs++];
		sv->cfg = g->nodes[i].svc;
		sv->node = i;
		sv->img_use_fd = -1;
		sv->colour = (int)i;
		size_t n = sv->cfg->replicas.set ? (size_t)sv->cfg->replicas.v : 1;

		policy_from(sv->cfg, &sv->policy);
		sv->inst = lxr_xcalloc(n ? n : 1, sizeof(*sv->inst));
		for (size_t r = 1; r <= n; r++)
			if (build_instance(s, sv, (int)r, err) < 0)
				return -1;
	}
	/* An open store holds gc.lock shared, which would block `lxr rmi` and
	 * `image prune` for the supervisor's whole life; the in-use records
	 * (img_use_fd) are what protects the images it runs. */
	img_store_close(s->store);
	s->store = NULL;
	return 0;
}

void sup_free(struct sup *s)
{
	free(s->term.buf);
	if (s->term.w.fd >= 0)
		close(s->term.w.fd);
	s->term.buf = NULL;
	s->term.w.fd = -1;
	for (size_t i = 0; i < s->n_svcs; i++) {
		for (size_t k = 0; k < s->svcs[i].n_inst; k++) {
			struct sup_instance *in = &s->svcs[i].inst[k];
			free(in->name);
			free(in->blocked_by);
			rt_spec_free(&in->spec);
			lxr_strv_free(in->health.argv);
		}
		free(s->svcs[i].inst);
		if (s->svcs[i].img) {
			img_image_free(s->svcs[i].img);
			free(s->svcs[i].img);
		}
		if (s->svcs[i].img_use_fd >= 0)
			close(s->svcs[i].img_use_fd);
	}
	img_store_close(s->store);
	s->store = NULL;
	free(s->svcs);
	free(s->run_dir);
	free(s->log_dir);
	s->svcs = NULL;
	s->n_svcs = 0;
	plan_graph_free(s->owned_graph);
	cfg_stack_free(s->owned_stack);
	s->owned_graph = NULL;
	s->owned_stack = NULL;
	for (size_t i = 0; i < s->n_kept_stacks; i++)
		cfg_stack_free(s->kept_stacks[i]);
	free(s->kept_stacks);
	s->kept_stacks = NULL;
	s->n_kept_stacks = 0;
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
