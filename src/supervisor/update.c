/* Rolling, health-gated updates (deploy.update_config) and their rollback
 * (deploy.rollback_config, `lxr rollback`). When `lxr up` finds a running
 * instance of a service with update_config changed, reconcile keeps its
 * container running and hands it here with the new plan as its target.
 * A batch of `parallelism` instances at a time is stopped and started on
 * its target (stop-first); each new container must become ready (healthy,
 * or running when it has no health check) and stay so for `monitor`. A new
 * container that exits, fails to start or turns unhealthy is a failure;
 * past max_failure_ratio the service's failure_action pauses the update,
 * continues it, or rolls back: the instances already replaced go back, by
 * rollback_config, to the previous version's plan, made again from the
 * previous model and image, which the service keeps (the image held in
 * use) for as long as a rollback may need them. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lxr/supervisor.h"
#include "supervisor/rollout.h"
#include "supervisor/sup.h"

static const char *const state_names[] = {
    [SUP_UPD_NONE] = "none",
    [SUP_UPD_UPDATING] = "updating",
    [SUP_UPD_ROLLING_BACK] = "rolling-back",
    [SUP_UPD_PAUSED] = "paused",
    [SUP_UPD_UPDATED] = "updated",
    [SUP_UPD_ROLLED_BACK] = "rolled-back",
};

static const char *const step_names[] = {
    [UPD_STEP_NONE] = "",
    [UPD_STEP_WAIT] = "waiting",
    [UPD_STEP_STOPPING] = "stopping",
    [UPD_STEP_STARTING] = "starting",
    [UPD_STEP_DONE] = "done",
    [UPD_STEP_FAILED] = "failed",
};

static bool running_update(const struct sup_service *sv)
{
	return sv->upd.state == SUP_UPD_UPDATING || sv->upd.state == SUP_UPD_ROLLING_BACK;
}

bool sup_update_wanted(const struct sup *s, const struct sup_instance *oi,
		       const struct sup_instance *ni)
{
	return ni->svc->cfg->update_config.set && !ni->svc->pull_needed && !s->no_start && oi->c &&
	       svc_state_is_up(oi->fsm.state) && !oi->paused;
}

bool sup_updating(const struct sup *s)
{
	for (size_t i = 0; i < s->n_svcs; i++)
		if (running_update(&s->svcs[i]))
			return true;
	return false;
}

static void set_why(char **dst, const char *why)
{
	free(*dst);
	*dst = why ? lxr_xstrdup(why) : NULL;
}

static void drop_target(struct sup_instance *in)
{
	if (in->upd_plan) {
		plan_instance_free(in->upd_plan);
		free(in->upd_plan);
	}
	in->upd_plan = NULL;
}

static void begin(struct sup *s, struct sup_service *sv, enum sup_upd_state st, const char *why)
{
	sv->upd.state = st;
	sv->upd.cfg =
	    st == SUP_UPD_ROLLING_BACK ? &sv->cfg->rollback_config : &sv->cfg->update_config;
	sv->upd.next_batch_at = 0;
	sv->upd.batch_open = false;
	sv->upd.gen++;
	set_why(&sv->upd.why, why);
}

/* The old tables' record may have been another service's (services that
 * run one image share one record): the previous image gets its own. */
static void hold_prev_image(struct sup *s, struct sup_service *sv)
{
	_cleanup_free_ char *label = NULL;
	struct img_store *store = NULL;
	lxr_err err;

	if (!sv->prev_img || sv->prev_img_use_fd >= 0 || s->dry_run)
		return;
	label = lxr_xasprintf("%s/%s", s->stack->project, sv->cfg->name);
	if (img_store_open(lxr_data_dir(), &store, &err) < 0 ||
	    img_use_acquire(store, sv->prev_img, label, &sv->prev_img_use_fd, &err) < 0)
		sup_warn(s, &sv->inst[0], "the previous image is not held in use");
	img_store_close(store);
}

void sup_update_adopt(struct sup *s, struct sup_service *old_sv, struct sup_instance *oi,
		      struct sup_instance *ni)
{
	struct sup_service *sv = ni->svc;
	const struct cfg_service *back;

	/* the target: the new tables' plan, never carried out yet */
	ni->upd_plan = lxr_xmalloc(sizeof(*ni->upd_plan));
	*ni->upd_plan = ni->plan;
	/* what runs: the old container's plan, as the carrier made it */
	ni->plan = oi->plan;
	memset(&oi->plan, 0, sizeof(oi->plan));
	/* and its health check (transplant kept the new one's argv) */
	lxr_strv_free(ni->health.argv);
	ni->health.argv = lxr_steal_ptr(&oi->health.argv);
	ni->upd_step = UPD_STEP_WAIT;
	ni->upd_ready_at = 0;
	ni->on_prev = true;
	set_why(&ni->upd_why, NULL);
	/* the version this one replaces is the one to go back to: the old
	 * tables' model and image (with its in-use record), or, for an
	 * instance a rollback left on the version before, that one */
	back = oi->on_prev ? old_sv->prev_cfg : old_sv->cfg;
	if (back && sv->prev_cfg != back) {
		sup_update_free(sv);
		sv->prev_cfg = back;
		if (oi->on_prev) {
			sv->prev_stack = old_sv->prev_stack;
			sv->prev_img = lxr_steal_ptr(&old_sv->prev_img);
			sv->prev_img_use_fd = lxr_steal_fd(&old_sv->prev_img_use_fd);
		} else {
			sv->prev_stack = s->stack; /* still the old tables' */
			sv->prev_img = lxr_steal_ptr(&old_sv->img);
			sv->prev_img_use_fd = lxr_steal_fd(&old_sv->img_use_fd);
		}
		hold_prev_image(s, sv);
		sup_update_persist(s, sv);
	}
	if (!running_update(sv)) {
		if (sv->upd.gen < old_sv->upd.gen)
			sv->upd.gen = old_sv->upd.gen; /* counts on across the swap */
		begin(s, sv, SUP_UPD_UPDATING, NULL);
		sup_say(s, ni, "updating %s: %d at a time, watched %llds once ready", sv->cfg->name,
			sv->upd.cfg->parallelism, (long long)(sv->upd.cfg->monitor_us / 1000000));
		sup_emit(s, ni, "update", NULL);
	}
}

/* The previous version's plan for in, made again (the one it ran was
 * changed by its carrying out). */
static int prev_plan(struct sup_instance *in, struct plan_instance **out, lxr_err *err)
{
	const struct sup_service *sv = in->svc;
	struct plan_instance *p = lxr_xcalloc(1, sizeof(*p));

	rt_spec_init_defaults(&p->spec);
	if (sup_plan_make(sv->prev_stack, sv->prev_cfg, sv->prev_img, in->replica, p, err) < 0) {
		plan_instance_free(p);
		free(p);
		return -1;
	}
	*out = p;
	return 0;
}

/* The old container is gone: the instance takes its target, with a
 * container, an endpoint (a new address, its ports published anew) and a
 * state machine of its own, as compose's recreate gives it. */
static void switch_plan(struct sup *s, struct sup_instance *in)
{
	const char *root = s->state_root ? s->state_root : s->run_dir;
	_cleanup_free_ char *dir = lxr_xasprintf("%s/%s", root, in->plan.spec.id);
	_cleanup_free_ char *link = lxr_xasprintf("%s/%s", root, in->name);
	lxr_err e;

	sup_drop_kept(in);
	if (lxr_rm_rf(dir, &e) < 0)
		sup_say(s, in, "cleanup: %s", e.msg);
	if (strcmp(in->plan.spec.id, in->name))
		unlink(link); /* a start-first update's name for it */
	if (sup_net_detach(s, in, &e) < 0)
		sup_say(s, in, "cleanup: %s", e.msg);
	in->net_joined = false;
	in->ip = 0;
	memset(in->more_ip, 0, sizeof(in->more_ip));
	free(in->ports);
	in->ports = NULL;
	in->n_ports = 0;
	plan_instance_free(&in->plan);
	in->plan = *in->upd_plan;
	free(in->upd_plan);
	in->upd_plan = NULL;
	in->on_prev = in->svc->upd.state == SUP_UPD_ROLLING_BACK;
	sup_instance_from_plan(in);
	svc_fsm_init(&in->fsm);
	in->spawned_cycles = 0;
	in->created_at = 0;
	in->warned = false;
	in->has_error = false;
	in->upd_ready_at = 0;
	in->upd_step = UPD_STEP_STARTING;
	sup_event(s, in, EV_START, 0);
}

/* The last health check's output, trimmed to a line for a report. */
static void last_check(const struct sup_instance *in, char *buf, size_t len)
{
	const struct sup_health *h = &in->health;
	const char *out = h->n_log
			      ? h->log[(h->log_next + SUP_HEALTH_LOG - 1) % SUP_HEALTH_LOG].output
			      : h->last_output;
	int code = h->n_log ? h->log[(h->log_next + SUP_HEALTH_LOG - 1) % SUP_HEALTH_LOG].exit_code
			    : h->last_exit;
	size_t n;

	snprintf(buf, len, "health check failed (exit %d)%s%s", code, out && *out ? ": " : "",
		 out ? out : "");
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

static void failure_reason(const struct sup_instance *x, char *why, size_t len)
{
	enum svc_state st = x->fsm.state;

	if (st == SVC_UNHEALTHY)
		last_check(x, why, len);
	else if (st == SVC_FAILED && x->has_error)
		snprintf(why, len, "failed to start: %s", x->error.msg);
	else if (st == SVC_STOPPING || st == SVC_STOPPED)
		snprintf(why, len, "stopped during its update");
	else
		snprintf(why, len, "exited with code %d", x->fsm.last_exit);
}

static void failed(struct sup *s, struct sup_instance *in, const char *why)
{
	char line[SUP_HEALTH_OUT + 64];

	/* cut to a status line where a check's output is long */
	if (snprintf(line, sizeof(line), "%s: %s", in->name, why) < 0)
		line[0] = '\0';
	in->upd_step = UPD_STEP_FAILED;
	set_why(&in->upd_why, line);
	sup_say(s, in, "new container failed: %s", why);
	sup_emit(s, in, "update-failed", json_pack("{s:s}", "why", why));
}

/* A new container's progress: ready, then watched for monitor. */
static void watch(struct sup *s, struct sup_instance *in, int64_t now)
{
	const struct cfg_update *u = in->svc->upd.cfg;
	enum svc_state st = in->fsm.state;
	char why[SUP_HEALTH_OUT + 64];

	switch (rollout_watch(st, in->health.enabled, in->upd_ready_at, now, u->monitor_us)) {
	case ROLLOUT_PENDING: return;
	case ROLLOUT_READY:
		if (!in->upd_ready_at)
			in->upd_ready_at = now;
		return;
	case ROLLOUT_DONE:
		in->upd_step = UPD_STEP_DONE;
		sup_say(s, in, "%s: up through its %llds watch",
			in->on_prev ? "rolled back" : "updated",
			(long long)(u->monitor_us / 1000000));
		return;
	case ROLLOUT_FAILED: break;
	}
	failure_reason(in, why, sizeof(why));
	failed(s, in, why);
}

/* ---- start-first ------------------------------------------------------------
 * The new container starts beside the old one, as an instance of its own
 * named "<name>.next" (or, when the old one is "<name>.next", "<name>"
 * again), with an endpoint and address of its own but none of the ports.
 * Once it is ready, one nft batch moves the published ports' DNAT from
 * the old address to the new (net_endpoint_ports_move); then the old one
 * stops, and the new one takes the instance's place. <run_dir>/<name> is
 * then a link to its directory, for `lxr exec`. */
/* After the switch, the old container's stop waits this long: a request
 * it took just before the DNAT moved is answered, not cut off. */
#define UPD_DRAIN_US 1000000

static bool start_first(const struct sup_instance *in)
{
	const struct plan_endpoint *np = &in->upd_plan->net;

	/* a fixed address cannot be two containers' at once, and without a
	 * network of its own (network_mode) it would share the old one's */
	return in->svc->upd.cfg->order == CFG_UPDATE_START_FIRST && np->network && !np->static_ip &&
	       !np->static_ip6 && !in->upd_plan->n_more_nets;
}

static char *dir_of(const struct sup *s, const char *name)
{
	return lxr_xasprintf("%s/%s", s->state_root ? s->state_root : s->run_dir, name);
}

static void shadow_start(struct sup *s, struct sup_instance *in)
{
	struct sup_instance *sh = lxr_xcalloc(1, sizeof(*sh));
	bool back = strcmp(in->plan.spec.id, in->name) != 0;

	sh->svc = in->svc;
	sh->replica = in->replica;
	sh->name = back ? lxr_xstrdup(in->name) : lxr_xasprintf("%s.next", in->name);
	if (back) {
		_cleanup_free_ char *link = dir_of(s, in->name);
		unlink(link); /* the new one's directory goes there */
	}
	svc_fsm_init(&sh->fsm);
	sh->pidw = (struct sup_watch){W_PIDFD, sh, -1};
	sh->syncw = (struct sup_watch){W_SYNC, sh, -1};
	sh->outw = (struct sup_watch){W_OUT, sh, -1};
	sh->errw = (struct sup_watch){W_ERR, sh, -1};
	sh->stdin_w = -1;
	sh->kept_netns = -1;
	sh->run_img_use_fd = -1;
	sh->plan = *in->upd_plan;
	free(in->upd_plan);
	in->upd_plan = NULL;
	free(sh->plan.spec.id);
	sh->plan.spec.id = lxr_xstrdup(sh->name);
	sh->no_publish = true;
	sh->on_prev = in->svc->upd.state == SUP_UPD_ROLLING_BACK;
	sh->shadow_of = in;
	in->shadow = sh;
	sup_instance_from_plan(sh);
	in->upd_step = UPD_STEP_STARTING;
	sup_say(s, in, "starting its new container %s beside it", sh->name);
	sup_event(s, sh, EV_START, 0);
}

/* The new container failed: it goes, the old one runs on. Once it is
 * gone (it may be stopping). */
static void shadow_drop(struct sup *s, struct sup_instance *in)
{
	struct sup_instance *sh = in->shadow;
	_cleanup_free_ char *dir = dir_of(s, sh->plan.spec.id);
	lxr_err e;

	if (lxr_rm_rf(dir, &e) < 0)
		sup_say(s, in, "cleanup: %s", e.msg);
	if (sup_net_detach(s, sh, &e) < 0)
		sup_say(s, in, "cleanup: %s", e.msg);
	if (!strcmp(sh->plan.spec.id, in->name)) {
		_cleanup_free_ char *link = dir_of(s, in->name);
		if (symlink(in->plan.spec.id, link) < 0)
			sup_say(s, in, "link %s: %s", link, strerror(errno));
	}
	sup_update_shadow_free(in);
}

/* The old container is gone: the new one takes the instance's place. */
static void shadow_promote(struct sup *s, struct sup_instance *in)
{
	struct sup_instance *sh = in->shadow;
	_cleanup_free_ char *dir = dir_of(s, in->plan.spec.id);
	_cleanup_free_ char *link = dir_of(s, in->name);
	lxr_err e;

	sup_drop_kept(in);
	if (lxr_rm_rf(dir, &e) < 0)
		sup_say(s, in, "cleanup: %s", e.msg);
	if (sup_net_detach(s, in, &e) < 0)
		sup_say(s, in, "cleanup: %s", e.msg);
	plan_instance_free(&in->plan);
	in->plan = sh->plan;
	memset(&sh->plan, 0, sizeof(sh->plan));
	sup_instance_transplant(s, sh, in);
	lxr_strv_free(in->health.argv);
	in->health.argv = lxr_steal_ptr(&sh->health.argv);
	in->net_joined = sh->net_joined;
	in->spawned_cycles = sh->spawned_cycles;
	in->warned = sh->warned;
	in->upd_ready_at = sh->upd_ready_at;
	in->no_publish = false;
	if (strcmp(in->plan.spec.id, in->name) && symlink(in->plan.spec.id, link) < 0)
		sup_say(s, in, "link %s: %s", link, strerror(errno));
	sup_update_shadow_free(in);
	in->upd_step = UPD_STEP_STARTING; /* watched on for monitor */
}

/* Before the switch: the new container beside the old one. */
static void shadow_watch(struct sup *s, struct sup_instance *in, int64_t now)
{
	struct sup_instance *sh = in->shadow;
	const struct cfg_update *u = in->svc->upd.cfg;
	char why[SUP_HEALTH_OUT + 64];
	lxr_err err;

	switch (rollout_watch(sh->fsm.state, sh->health.enabled, sh->upd_ready_at, now,
			      u->monitor_us)) {
	case ROLLOUT_PENDING: return;
	case ROLLOUT_READY:
	case ROLLOUT_DONE:
		if (!sh->upd_ready_at)
			sh->upd_ready_at = now;
		if (sup_net_ports_move(s, in, sh, &err) < 0) {
			snprintf(why, sizeof(why), "%s", err.msg);
			break;
		}
		sup_say(s, in, "%s is ready: its published ports moved to it; %s stops in %llds",
			sh->name, in->plan.spec.id, (long long)(UPD_DRAIN_US / 1000000));
		/* what the old one was answering when the DNAT moved gets a
		 * moment to finish before its stop signal */
		in->upd_step = UPD_STEP_STOPPING;
		in->upd_stop_at = now + UPD_DRAIN_US;
		return;
	case ROLLOUT_FAILED: failure_reason(sh, why, sizeof(why)); break;
	}
	failed(s, in, why);
	if (sh->c || sh->fsm.state == SVC_BACKOFF)
		sup_event_grace(s, sh, EV_STOP, 0);
}

/* One instance's step; true when it moved on. */
static bool step(struct sup *s, struct sup_instance *in, int64_t now)
{
	enum sup_upd_step before = in->upd_step;

	if (in->upd_step == UPD_STEP_STOPPING && in->upd_stop_at && now >= in->upd_stop_at) {
		in->upd_stop_at = 0;
		sup_event_grace(s, in, EV_STOP, s->recreate_grace ? s->recreate_grace_us : -1);
	}
	if (in->upd_step == UPD_STEP_STOPPING && !in->c)
		in->shadow ? shadow_promote(s, in) : switch_plan(s, in);
	else if (in->upd_step == UPD_STEP_STARTING)
		in->shadow ? shadow_watch(s, in, now) : watch(s, in, now);
	return in->upd_step != before;
}

static void finish(struct sup *s, struct sup_service *sv, enum sup_upd_state st)
{
	sv->upd.state = st;
	for (size_t k = 0; k < sv->n_inst; k++) {
		/* what a pause leaves waiting stays on the version it runs */
		drop_target(&sv->inst[k]);
		sv->inst[k].upd_step = UPD_STEP_NONE;
	}
	sup_say(s, &sv->inst[0], "%s %s%s%s", sv->cfg->name, state_names[st],
		sv->upd.why ? ": " : "", sv->upd.why ? sv->upd.why : "");
	sup_emit(s, &sv->inst[0], "update-end",
		 json_pack("{s:s, s:s?}", "state", state_names[st], "why", sv->upd.why));
}

static void start_rollback(struct sup *s, struct sup_service *sv, const char *why)
{
	lxr_err err;

	begin(s, sv, SUP_UPD_ROLLING_BACK, why);
	for (size_t k = 0; k < sv->n_inst; k++) {
		struct sup_instance *in = &sv->inst[k];
		drop_target(in);
		if (in->upd_step == UPD_STEP_WAIT || in->upd_step == UPD_STEP_NONE || in->on_prev) {
			in->upd_step = UPD_STEP_NONE; /* still on the previous version */
			continue;
		}
		if (prev_plan(in, &in->upd_plan, &err) < 0) {
			_cleanup_free_ char *msg = lxr_xasprintf("cannot roll back: %s", err.msg);
			set_why(&sv->upd.why, msg);
			finish(s, sv, SUP_UPD_PAUSED);
			return;
		}
		in->upd_step = UPD_STEP_WAIT;
	}
	sup_say(s, &sv->inst[0], "rolling back %s: %s", sv->cfg->name, why);
}

/* The first failure's reason, for the report. */
static const char *first_failure(const struct sup_service *sv)
{
	for (size_t k = 0; k < sv->n_inst; k++)
		if (sv->inst[k].upd_step == UPD_STEP_FAILED)
			return sv->inst[k].upd_why;
	return NULL;
}

static void next_batch(struct sup *s, struct sup_service *sv, size_t waiting)
{
	size_t left = rollout_batch_size(sv->upd.cfg, waiting);

	for (size_t k = 0; k < sv->n_inst && left; k++) {
		struct sup_instance *in = &sv->inst[k];
		if (in->upd_step != UPD_STEP_WAIT)
			continue;
		left--;
		if (start_first(in)) {
			shadow_start(s, in);
			continue;
		}
		in->upd_step = UPD_STEP_STOPPING;
		sup_event_grace(s, in, EV_STOP, s->recreate_grace ? s->recreate_grace_us : -1);
	}
	sv->upd.batch_open = true;
}

static void service_tick(struct sup *s, struct sup_service *sv, int64_t now)
{
	struct rollout_count c = {0};
	bool busy = false, moved = true;

	while (moved) {
		moved = false;
		for (size_t k = 0; k < sv->n_inst; k++)
			moved |= step(s, &sv->inst[k], now);
	}
	for (size_t k = 0; k < sv->n_inst; k++) {
		enum sup_upd_step st = sv->inst[k].upd_step;
		busy |= st == UPD_STEP_STOPPING || st == UPD_STEP_STARTING;
		c.n += st != UPD_STEP_NONE;
		c.waiting += st == UPD_STEP_WAIT;
		c.failed += st == UPD_STEP_FAILED;
	}
	if (busy)
		return;
	if (sv->upd.batch_open) {
		sv->upd.batch_open = false;
		sv->upd.next_batch_at = now + sv->upd.cfg->delay_us;
	}
	switch (rollout_next(sv->upd.cfg, sv->upd.state == SUP_UPD_ROLLING_BACK, c, now,
			     sv->upd.next_batch_at)) {
	case ROLLOUT_WAIT: break;
	case ROLLOUT_ROLLBACK:
		start_rollback(s, sv, first_failure(sv));
		if (sv->upd.state == SUP_UPD_ROLLING_BACK)
			service_tick(s, sv, now);
		break;
	case ROLLOUT_PAUSE:
		set_why(&sv->upd.why, first_failure(sv));
		finish(s, sv, SUP_UPD_PAUSED);
		break;
	case ROLLOUT_FINISHED:
		/* failure_action: continue went past failures: said, not fatal */
		if (c.failed)
			set_why(&sv->upd.why, first_failure(sv));
		finish(s, sv,
		       sv->upd.state == SUP_UPD_ROLLING_BACK ? SUP_UPD_ROLLED_BACK
							     : SUP_UPD_UPDATED);
		break;
	case ROLLOUT_BATCH:
		next_batch(s, sv, c.waiting);
		service_tick(s, sv, now); /* an instance already down moves on now */
		break;
	}
}

void sup_update_tick(struct sup *s)
{
	int64_t now = sup_now();

	if (s->shutting_down || s->pending)
		return;
	/* a start-first container that failed goes once it has stopped,
	 * whatever its update went on to do */
	for (size_t i = 0; i < s->n_svcs; i++)
		for (size_t k = 0; k < s->svcs[i].n_inst; k++) {
			struct sup_instance *in = &s->svcs[i].inst[k];
			if (in->shadow && !in->shadow->c && in->shadow->fsm.state != SVC_BACKOFF &&
			    in->upd_step != UPD_STEP_STARTING && in->upd_step != UPD_STEP_STOPPING)
				shadow_drop(s, in);
		}
	for (size_t i = 0; i < s->n_svcs; i++)
		if (running_update(&s->svcs[i]) && s->svcs[i].n_inst)
			service_tick(s, &s->svcs[i], now);
}

int64_t sup_update_deadline(const struct sup *s)
{
	int64_t next = 0;

	for (size_t i = 0; i < s->n_svcs; i++) {
		const struct sup_service *sv = &s->svcs[i];
		if (!running_update(sv))
			continue;
		if (sv->upd.next_batch_at && !sv->upd.batch_open &&
		    (!next || sv->upd.next_batch_at < next))
			next = sv->upd.next_batch_at;
		for (size_t k = 0; k < sv->n_inst; k++) {
			const struct sup_instance *in = &sv->inst[k];
			int64_t d = in->upd_ready_at + sv->upd.cfg->monitor_us;
			if (in->upd_stop_at && (!next || in->upd_stop_at < next))
				next = in->upd_stop_at;
			if (in->upd_step == UPD_STEP_STARTING && in->upd_ready_at &&
			    (!next || d < next))
				next = d;
		}
	}
	return next;
}

int sup_rollback(struct sup *s, struct sup_service *sv, lxr_err *err)
{
	size_t n = 0;

	if (!sv->prev_cfg)
		return lxr_fail(err, ENOENT,
				"service \"%s\": no previous version to go back to: it has not "
				"been updated since its supervisor started",
				sv->cfg->name);
	if (running_update(sv) || s->pending || s->shutting_down)
		return lxr_fail(err, EBUSY, "service \"%s\" is %s", sv->cfg->name,
				s->shutting_down ? "going down" : "being updated");
	for (size_t k = 0; k < sv->n_inst; k++) {
		struct sup_instance *in = &sv->inst[k];
		drop_target(in);
		in->upd_step = UPD_STEP_NONE;
		if (in->on_prev)
			continue;
		if (prev_plan(in, &in->upd_plan, err) < 0) {
			for (size_t j = 0; j <= k; j++)
				drop_target(&sv->inst[j]);
			return lxr_err_wrap(err, "rollback");
		}
		in->upd_step = UPD_STEP_WAIT;
		n++;
	}
	if (!n)
		return lxr_fail(err, EALREADY, "service \"%s\" runs its previous version already",
				sv->cfg->name);
	begin(s, sv, SUP_UPD_ROLLING_BACK, "lxr rollback");
	sup_say(s, &sv->inst[0], "rolling back %s (lxr rollback)", sv->cfg->name);
	sup_update_tick(s);
	return 0;
}

json_t *sup_update_json(const struct sup_instance *in)
{
	const struct sup_service *sv = in->svc;
	json_t *o;

	if (sv->upd.state == SUP_UPD_NONE)
		return NULL;
	o = json_pack("{s:s, s:i, s:b}", "state", state_names[sv->upd.state], "generation",
		      sv->upd.gen, "previous", in->on_prev);
	if (sv->upd.why)
		json_object_set_new(o, "why", json_string(sv->upd.why));
	if (in->upd_why)
		json_object_set_new(o, "failed", json_string(in->upd_why));
	if (in->upd_step != UPD_STEP_NONE)
		json_object_set_new(o, "step", json_string(step_names[in->upd_step]));
	if (sv->prev_cfg)
		json_object_set_new(o, "previous_image",
				    json_string(cfg_service_image(sv->prev_cfg) ?: ""));
	return o;
}
