/* The supervisor's tables, built once from the validated model and the
 * dependency graph: a service per plan node, an instance per replica, each
 * with its policy, its health check, and its container spec resolved in full
 * before anything starts (a bad user name fails `up` before any container). */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "supervisor/sup.h"

/* The plan's restart policy and stop grace, as the state machine reads them. */
static void policy_from(const struct plan_instance *p, struct svc_policy *pol)
{
	static const enum svc_restart map[] = {
	    [PLAN_RESTART_NO] = SVC_RESTART_NO,
	    [PLAN_RESTART_ALWAYS] = SVC_RESTART_ALWAYS,
	    [PLAN_RESTART_ON_FAILURE] = SVC_RESTART_ON_FAILURE,
	    [PLAN_RESTART_UNLESS_STOPPED] = SVC_RESTART_UNLESS_STOPPED,
	};
	*pol = (struct svc_policy){.restart = map[p->restart.mode],
				   .max_attempts = p->restart.max_attempts,
				   .delay_first_us = p->restart.delay_first_us,
				   .delay_max_us = p->restart.delay_max_us,
				   .delay_fixed = p->restart.delay_fixed,
				   .reset_after_us = p->restart.reset_after_us,
				   .window = p->restart.window,
				   .stop_grace_us = p->stop_grace_us,
				   .restart_on_unhealthy = p->restart.on_unhealthy};
}

static void health_from(const struct plan_health *p, struct sup_health *h)
{
	memset(h, 0, sizeof(*h));
	h->pid = -1;
	h->starting = (struct rt_exec_pending){-1, -1};
	h->enabled = p->enabled;
	h->argv = lxr_strv_dup(p->argv);
	h->interval_us = p->interval_us;
	h->timeout_us = p->timeout_us;
	h->start_period_us = p->start_period_us;
	h->start_interval_us = p->start_interval_us;
	h->retries = p->retries;
}

/* How a service's image is pulled. A service with build: has its image
 * from lxr up's CLI, which built or pulled it before asking for the stack
 * (cli/stack_build.c): the supervisor never builds, nor pulls what is
 * built. A periodic policy (daily, ...) asks the open store how old the
 * tag is. */
static int pull_policy(const struct sup *s, const struct sup_service *sv)
{
	const struct cfg_service *c = sv->cfg;

	if (c->build.set)
		return IMG_PULL_NEVER;
	if (s->pull)
		return s->pull - 1;
	if (c->pull_every_us)
		return img_pull_due(s->store, cfg_service_image(c), c->pull_every_us);
	return c->pull_policy.v ? img_pull_policy_parse(c->pull_policy.v) : IMG_PULL_MISSING;
}

/* A dry run's image: the one here, or none (pull_needed: it would be
 * pulled, and the service has no plan yet). The store is only read: a data
 * directory without one is not made. */
static int look_up_image(struct sup *s, struct sup_service *sv, lxr_err *err)
{
	_cleanup_free_ char *images = lxr_xasprintf("%s/images", lxr_data_dir());

	if (access(images, F_OK) < 0) {
		sv->pull_needed = true;
		return 0;
	}
	if (!s->store && img_store_open(lxr_data_dir(), &s->store, err) < 0)
		return -1;
	if (pull_policy(s, sv) == IMG_PULL_ALWAYS) {
		sv->pull_needed = true;
		return 0;
	}
	sv->img = lxr_xcalloc(1, sizeof(*sv->img));
	if (img_ensure(s->store, cfg_service_image(sv->cfg), IMG_PULL_NEVER, sv->img, err) == 0)
		return 0;
	free(sv->img);
	sv->img = NULL;
	if (err->errnum != ENOENT)
		return lxr_err_wrap(err, "service \"%s\": image \"%s\"", sv->cfg->name,
				    cfg_service_image(sv->cfg));
	sv->pull_needed = true;
	return 0;
}

/* A service that names an image: resolved in the store, pulled first when
 * missing (before anything starts), and marked in use while the supervisor
 * runs, so `lxr rmi` cannot take it away. */
static int resolve_image(struct sup *s, struct sup_service *sv, lxr_err *err)
{
	_cleanup_free_ char *label = NULL;

	if (sv->cfg->image_is_path || sv->img || sv->pull_needed)
		return 0;
	const char *ref = cfg_service_image(sv->cfg);

	if (s->dry_run)
		return look_up_image(s, sv, err);
	if (!s->store && img_store_open(lxr_data_dir(), &s->store, err) < 0)
		return -1;
	int policy = pull_policy(s, sv);
	sv->img = lxr_xcalloc(1, sizeof(*sv->img));
	sv->pull_policy = policy;
	/* an image is read (and pulled, as its policy says) once per `up`,
	 * as compose pulls it once: the services that name it alike and
	 * pull it alike take the first one's */
	for (struct sup_service *o = s->svcs; o < sv; o++)
		if (o->img && !o->cfg->image_is_path && o->pull_policy == policy &&
		    !strcmp(cfg_service_image(o->cfg), ref)) {
			img_image_copy(sv->img, o->img);
			goto resolved;
		}
	/* a periodic policy's pull when due: a failure keeps the store's */
	bool refresh =
	    policy == IMG_PULL_ALWAYS && !s->pull && !sv->cfg->build.set && sv->cfg->pull_every_us;
	if ((refresh
		 ? img_ensure_refreshed(s->store, ref, s->quiet_pull, sv->img, err)
		 : img_ensure(s->store, ref,
			      (enum img_pull_policy)policy | (s->quiet_pull ? IMG_PULL_QUIET : 0),
			      sv->img, err)) < 0) {
		lxr_err_wrap(err, "service \"%s\": image \"%s\"", sv->cfg->name, ref);
		if (sv->cfg->build.set)
			lxr_err_hint(err,
				     "build it with `lxr build %s`, or `lxr up` without "
				     "--no-build",
				     sv->cfg->name);
		return -1;
	}
resolved:
	/* one record per image, not per service: the services that run it
	 * share the first one's (a descriptor each would count against
	 * RLIMIT_NOFILE for nothing) */
	for (struct sup_service *o = s->svcs; o < sv; o++)
		if (o->img && o->img_use_fd >= 0 &&
		    !strcmp(o->img->manifest_digest, sv->img->manifest_digest))
			return 0;
	label = lxr_xasprintf("%s/%s", s->stack->project, sv->cfg->name);
	return img_use_acquire(s->store, sv->img, label, &sv->img_use_fd, err);
}

int sup_plan_make(const struct cfg_stack *st, const struct cfg_service *cfg, struct img_image *img,
		  int replica, struct plan_instance *out, lxr_err *err)
{
	struct plan_image pi;
	struct rt_plan_host hf;
	int r;

	if (img)
		img_plan_image(img, &pi);
	r = rt_plan_host(cfg, img ? pi.env : NULL, st->file, &hf, err);
	if (r == 0)
		r = plan_instance_build(st, cfg, replica, img ? &pi : NULL, &hf.p, out, err);
	if (r == 0)
		rt_plan_host_keep(&hf, out);
	rt_plan_host_free(&hf);
	if (r < 0)
		return -1;
	if (rt_spec_apply_user(&out->spec, out->user, out->group_add, err) < 0)
		return lxr_err_wrap(err, "service \"%s\"", cfg->name);
	return 0;
}

/* A new plan in place (a rolling update's step): the health check and the
 * restart policy it says. */
void sup_instance_from_plan(struct sup_instance *in)
{
	lxr_strv_free(in->health.argv);
	sup_health_free(&in->health);
	health_from(&in->plan.health, &in->health);
	in->health.pidw = (struct sup_watch){W_HEALTH_PIDFD, in, -1};
	in->health.outw = (struct sup_watch){W_HEALTH_OUT, in, -1};
	in->health.syncw = (struct sup_watch){W_HEALTH_SYNC, in, -1};
	policy_from(&in->plan, &in->svc->policy);
}

void sup_service_policy_from(struct sup_instance *in)
{
	policy_from(&in->plan, &in->svc->policy);
}

/* The images its volumes of type image mount, had before its first plan
 * (the plan only reads the store): pulled as the service's own image is
 * (--pull, pull_policy; a built service's: when missing), once per up; a
 * dry run pulls nothing, and a missing one makes the service's plan one
 * to pull */
static int pull_volume_images(struct sup *s, struct sup_service *sv, lxr_err *err)
{
	const struct cfg_service *c = sv->cfg;
	const char *missing = NULL;
	int policy;

	if (sv->vols_pulled || !rt_image_vols_first(c))
		return 0;
	/* a dry run makes no data directory: without one, each is missing */
	if (s->dry_run && !s->store) {
		_cleanup_free_ char *images = lxr_xasprintf("%s/images", lxr_data_dir());
		if (access(images, F_OK) < 0)
			missing = rt_image_vols_first(c)->source;
	}
	if (!missing && !s->store && img_store_open(lxr_data_dir(), &s->store, err) < 0)
		return -1;
	policy = s->dry_run ? IMG_PULL_NEVER : pull_policy(s, sv);
	if (policy == IMG_PULL_NEVER && c->build.set && !s->dry_run)
		policy = IMG_PULL_MISSING;
	if (!missing &&
	    rt_image_vols_pull(s->store, c, policy | (s->quiet_pull ? IMG_PULL_QUIET : 0),
			       s->stack->file, s->dry_run ? &missing : NULL, err) < 0)
		return -1;
	if (missing) {
		sv->pull_ref = sv->pull_needed ? sv->pull_ref : missing;
		sv->pull_needed = true;
	}
	sv->vols_pulled = true;
	return 0;
}

static int build_instance(struct sup *s, struct sup_service *sv, int replica, lxr_err *err)
{
	struct sup_instance *in = &sv->inst[sv->n_inst++];

	in->svc = sv;
	in->replica = replica;
	in->name = plan_container_name(sv->cfg, replica);
	svc_fsm_init(&in->fsm);
	in->pidw = (struct sup_watch){W_PIDFD, in, -1};
	in->syncw = (struct sup_watch){W_SYNC, in, -1};
	in->outw = (struct sup_watch){W_OUT, in, -1};
	in->errw = (struct sup_watch){W_ERR, in, -1};
	in->stdin_w = -1;
	in->kept_netns = -1;
	in->run_img_use_fd = -1;

	rt_spec_init_defaults(&in->plan.spec);
	if (resolve_image(s, sv, err) < 0 || pull_volume_images(s, sv, err) < 0)
		return -1;
	if (sv->pull_needed)
		return 0;
	if (sup_plan_make(s->stack, sv->cfg, sv->img, replica, &in->plan, err) < 0)
		return -1;
	health_from(&in->plan.health, &in->health);
	if (replica == 1)
		policy_from(&in->plan, &sv->policy);
	in->health.pidw = (struct sup_watch){W_HEALTH_PIDFD, in, -1};
	in->health.outw = (struct sup_watch){W_HEALTH_OUT, in, -1};
	in->health.syncw = (struct sup_watch){W_HEALTH_SYNC, in, -1};
	return 0;
}

int sup_build_one(struct sup *s, struct cfg_stack *st, struct plan_graph *g,
		  struct plan_instance *plan, lxr_err *err)
{
	struct sup_service *sv;
	struct sup_instance *in;

	if (g->n != 1)
		return lxr_fail(err, EINVAL, "a one-instance project with %zu services", g->n);
	s->term[0].w.fd = s->term[1].w.fd = -1;
	s->stack = st;
	s->graph = g;
	s->svcs = lxr_xcalloc(1, sizeof(*s->svcs));
	sv = &s->svcs[s->n_svcs++];
	sv->cfg = g->nodes[0].svc;
	sv->img_use_fd = -1; /* the caller holds its image in use */
	sv->prev_img_use_fd = -1;
	sv->inst = lxr_xcalloc(1, sizeof(*sv->inst));
	in = &sv->inst[sv->n_inst++];
	in->svc = sv;
	in->replica = 1;
	in->name = lxr_xstrdup(plan->name);
	svc_fsm_init(&in->fsm);
	in->pidw = (struct sup_watch){W_PIDFD, in, -1};
	in->syncw = (struct sup_watch){W_SYNC, in, -1};
	in->outw = (struct sup_watch){W_OUT, in, -1};
	in->errw = (struct sup_watch){W_ERR, in, -1};
	in->stdin_w = -1;
	in->kept_netns = -1;
	in->run_img_use_fd = -1;
	in->plan = *plan;
	memset(plan, 0, sizeof(*plan));
	health_from(&in->plan.health, &in->health);
	policy_from(&in->plan, &sv->policy);
	in->health.pidw = (struct sup_watch){W_HEALTH_PIDFD, in, -1};
	in->health.outw = (struct sup_watch){W_HEALTH_OUT, in, -1};
	in->health.syncw = (struct sup_watch){W_HEALTH_SYNC, in, -1};
	return 0;
}

int sup_build(struct sup *s, struct cfg_stack *st, struct plan_graph *g, lxr_err *err)
{
	s->term[0].w.fd = s->term[1].w.fd = -1; /* sup_term_open, foreground */
	s->stack = st;
	s->graph = g;
	s->svcs = lxr_xcalloc(g->n, sizeof(*s->svcs));
	for (size_t i = 0; i < g->n; i++) {
		struct sup_service *sv = &s->svcs[s->n_svcs++];
		sv->cfg = g->nodes[i].svc;
		sv->node = i;
		sv->img_use_fd = -1;
		sv->prev_img_use_fd = -1;
		sv->colour = (int)i;
		size_t n = sv->cfg->replicas.set ? (size_t)sv->cfg->replicas.v : 1;

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

void sup_update_free(struct sup_service *sv)
{
	if (sv->prev_img) {
		img_image_free(sv->prev_img);
		free(sv->prev_img);
	}
	sv->prev_img = NULL;
	if (sv->prev_img_use_fd >= 0)
		close(sv->prev_img_use_fd);
	sv->prev_img_use_fd = -1;
	free(sv->upd.why);
	sv->upd.why = NULL;
}

void sup_update_shadow_free(struct sup_instance *in)
{
	struct sup_instance *sh = in->shadow;

	if (!sh)
		return;
	sup_drop_kept(sh);
	plan_instance_free(&sh->plan);
	lxr_strv_free(sh->health.argv);
	sup_health_free(&sh->health);
	sup_hooks_free(&sh->hooks);
	free(sh->ports);
	free(sh->name);
	free(sh->upd_why);
	free(sh);
	in->shadow = NULL;
}

void sup_free(struct sup *s)
{
	for (int i = 0; i < 2; i++) {
		free(s->term[i].buf);
		if (s->term[i].w.fd >= 0)
			close(s->term[i].w.fd);
		s->term[i].buf = NULL;
		s->term[i].w.fd = -1;
	}
	for (size_t i = 0; i < s->n_svcs; i++) {
		for (size_t k = 0; k < s->svcs[i].n_inst; k++) {
			struct sup_instance *in = &s->svcs[i].inst[k];
			sup_drop_kept(in);
			if (in->run_img_use_fd >= 0)
				close(in->run_img_use_fd);
			if (in->run_img)
				img_image_free(in->run_img);
			free(in->run_img);
			sup_taps_close(in);
			free(in->name);
			free(in->blocked_by);
			free(in->ports);
			plan_instance_free(&in->plan);
			lxr_strv_free(in->health.argv);
			sup_health_free(&in->health);
			sup_hooks_free(&in->hooks);
			if (in->upd_plan)
				plan_instance_free(in->upd_plan);
			free(in->upd_plan);
			free(in->upd_why);
			sup_update_shadow_free(in);
		}
		free(s->svcs[i].inst);
		sup_update_free(&s->svcs[i]);
		if (s->svcs[i].img) {
			img_image_free(s->svcs[i].img);
			free(s->svcs[i].img);
		}
		if (s->svcs[i].img_use_fd >= 0)
			close(s->svcs[i].img_use_fd);
	}
	img_store_close(s->store);
	s->store = NULL;
	lxr_strv_free(s->keep_as_is);
	lxr_strv_free(s->recreate_named);
	lxr_strv_free(s->attach);
	lxr_strv_free(s->no_attach);
	free(s->exit_code_from);
	s->keep_as_is = s->attach = s->no_attach = NULL;
	s->exit_code_from = NULL;
	free(s->svcs);
	free(s->run_dir);
	free(s->state_root);
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

/* An unchanged instance keeps its container, pipes and health state. */
void sup_instance_transplant(struct sup *s, struct sup_instance *oi, struct sup_instance *ni)
{
	struct sup_watch *ws[] = {&ni->pidw,        &ni->syncw,       &ni->outw,        &ni->errw,
				  &ni->health.pidw, &ni->health.outw, &ni->health.syncw};
	char **argv = ni->health.argv;

	ni->fsm = oi->fsm;
	ni->spawned_cycles = oi->spawned_cycles;
	ni->error = oi->error;
	ni->has_error = oi->has_error;
	ni->c = oi->c;
	ni->kept_cg = lxr_steal_ptr(&oi->kept_cg);
	ni->kept_netns = lxr_steal_fd(&oi->kept_netns);
	ni->oom_killed = oi->oom_killed;
	ni->paused = oi->paused;
	ni->held = oi->held;
	ni->start_gated = oi->start_gated;
	ni->blocked = oi->blocked;
	ni->blocked_by = oi->blocked_by;
	oi->blocked_by = NULL;
	ni->started_ns = oi->started_ns;
	ni->finished_ns = oi->finished_ns;
	ni->created_at = oi->created_at; /* ps's CREATED: the container's */
	ni->finished_at = oi->finished_at;
	ni->ip = oi->ip;
	ni->on_prev = oi->on_prev;
	/* a restart still waiting for its dependencies' (order.c) */
	ni->restart_wait = oi->restart_wait;
	ni->restart_grace_us = oi->restart_grace_us;
	memcpy(ni->more_ip, oi->more_ip, sizeof(ni->more_ip));
	free(ni->ports);
	ni->ports = oi->ports;
	ni->n_ports = oi->n_ports;
	oi->ports = NULL;
	ni->pidw.fd = oi->pidw.fd;
	ni->syncw.fd = oi->syncw.fd;
	ni->outw.fd = oi->outw.fd;
	ni->errw.fd = oi->errw.fd;
	ni->stdin_w = oi->stdin_w;
	oi->stdin_w = -1;
	ni->taps = oi->taps;
	ni->n_taps = oi->n_taps;
	oi->taps = NULL;
	oi->n_taps = 0;
	ni->health = oi->health;
	ni->health.argv = argv;
	/* its output buffers moved with it (its argv stays, freed with it) */
	oi->health.last_output = NULL;
	memset(oi->health.log, 0, sizeof(oi->health.log));
	ni->health.pidw.kind = W_HEALTH_PIDFD;
	ni->health.outw.kind = W_HEALTH_OUT;
	ni->health.syncw.kind = W_HEALTH_SYNC;
	for (size_t i = 0; i < sizeof(ws) / sizeof(ws[0]); i++)
		sup_watch_move(s, ws[i], ni);
	oi->c = NULL;
	oi->pidw.fd = oi->syncw.fd = oi->outw.fd = oi->errw.fd = -1;
	oi->health.pid = -1;
	oi->health.pidw.fd = oi->health.outw.fd = oi->health.syncw.fd = -1;
	oi->health.starting = (struct rt_exec_pending){-1, -1};
	sup_hooks_transplant(s, oi, ni);
}
