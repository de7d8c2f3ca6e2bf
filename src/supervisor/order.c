/* The order of starts and stops: the dependency gates that decide when a
 * created instance may start, starts in waves that give way to events,
 * what the next start needs made while the loop would wait for another,
 * and the stop of a stack level by level, dependents first. */
#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include "lxr/supervisor.h"
#include "supervisor/sup.h"

/* ---- dependency gates ------------------------------------------------------ */
enum gate { GATE_WAIT, GATE_OPEN, GATE_FAILED };

static enum gate gate_of(const struct sup_service *dep, enum cfg_dep_condition cond,
			 const char **why)
{
	for (size_t k = 0; k < dep->n_inst; k++) {
		const struct svc_fsm *f = &dep->inst[k].fsm;
		if (f->state == SVC_FAILED || dep->inst[k].blocked) {
			*why = "failed to start";
			return GATE_FAILED;
		}
		/* its post_start is part of its start (compose's) */
		if (dep->inst[k].hooks.failed) {
			*why = "failed its post_start hook";
			return GATE_FAILED;
		}
		if (sup_hooks_post_start_running(&dep->inst[k]))
			return GATE_WAIT;
		switch (cond) {
		case CFG_DEP_STARTED:
			if (f->started_at == 0)
				return GATE_WAIT;
			break;
		case CFG_DEP_HEALTHY:
			if (f->state == SVC_HEALTHY)
				break;
			/* the file left the check to the image, which has none:
			 * it would never be healthy (compose's error too) */
			if (f->started_at && !dep->inst[k].health.enabled) {
				*why = "has no healthcheck (none in the stack file or its image)";
				return GATE_FAILED;
			}
			/* unhealthy once, even if restart_on_unhealthy is
			 * restarting it now: compose fails the dependent then */
			if (f->state == SVC_UNHEALTHY || f->unhealthy_seen) {
				*why = "is unhealthy";
				return GATE_FAILED;
			}
			if (f->state == SVC_EXITED || f->state == SVC_STOPPED) {
				*why = "exited before it was healthy";
				return GATE_FAILED;
			}
			if (f->state != SVC_HEALTHY)
				return GATE_WAIT;
			break;
		case CFG_DEP_COMPLETED:
			if (f->state == SVC_EXITED && f->last_exit != 0) {
				*why = "did not complete successfully";
				return GATE_FAILED;
			}
			if (f->state == SVC_STOPPED) { /* stopped by a user: never will */
				*why = "was stopped before it completed";
				return GATE_FAILED;
			}
			if (f->state != SVC_EXITED)
				return GATE_WAIT;
			break;
		}
	}
	return GATE_OPEN;
}

static void block(struct sup *s, struct sup_instance *in, const char *dep, const char *why)
{
	lxr_err err;

	in->blocked = true;
	/* what sup_prepare_next made for a start that will not come: its
	 * address, and its names in the peers' hosts files, with nothing
	 * behind them */
	if (in->prepared) {
		in->prepared = in->net_fresh = false;
		if (in->net_joined && !in->fsm.started_at) {
			in->net_joined = false;
			if (sup_net_detach(s, in, &err) < 0)
				sup_say(s, in, "cleanup: %s", err.msg);
		}
		sup_drop_kept(in);
	}
	free(in->blocked_by);
	in->blocked_by = lxr_xasprintf("%s %s", dep, why);
	/* a failed start-up ends a foreground up; a later user's start that
	 * is held back is that command's failure, not the stack's */
	if (!s->up_done)
		s->up_result = 1;
	sup_say(s, in, "not started: dependency \"%s\" %s", dep, why);
	{
		char what[128];
		snprintf(what, sizeof(what), "x Blocked: %.40s %.60s", dep, why);
		sup_progress(s, in, what);
	}
	sup_emit(s, in, "blocked", json_pack("{s:s}", "blocked_by", in->blocked_by));
}

static bool all_held(const struct sup_service *sv)
{
	for (size_t k = 0; k < sv->n_inst; k++)
		if (!sv->inst[k].held || sv->inst[k].fsm.state != SVC_CREATED)
			return false;
	return sv->n_inst > 0;
}

/* A dependency the same start asked for that has not been started yet:
 * what it was before (stopped, an old health) says nothing */
static bool start_pending(const struct sup_service *dep)
{
	for (size_t k = 0; k < dep->n_inst; k++)
		if (dep->inst[k].start_gated)
			return true;
	return false;
}

static enum gate gates(struct sup *s, struct sup_instance *in)
{
	const struct plan_node *n = &s->graph->nodes[in->svc->node];
	const char *optional = NULL, *optional_why = "";

	for (size_t d = 0; d < n->n_deps; d++) {
		const struct sup_service *dep = &s->svcs[n->deps[d]];
		const struct cfg_dep *spec = n->dep_specs[d];
		const char *why = "";
		enum gate g;

		/* a dependency up --no-start made and `up --no-deps` left so
		 * does not hold its dependent back (compose's --no-deps) */
		if (all_held(dep))
			continue;
		if (start_pending(dep))
			return GATE_WAIT;
		g = gate_of(dep, spec->condition, &why);

		if (g == GATE_FAILED && !spec->required) {
			/* required: false only warns (Compose), once, as it starts */
			optional = dep->cfg->name;
			optional_why = why;
			continue;
		}
		if (g == GATE_FAILED) {
			block(s, in, dep->cfg->name, why);
			return g;
		}
		if (g == GATE_WAIT)
			return g;
	}
	if (optional)
		sup_say(s, in, "warning: optional dependency \"%s\" %s; starting anyway", optional,
			optional_why);
	return GATE_OPEN;
}

/* Descriptors. A running instance holds four (SUP_RUNNING_FDS), and a
 * fifth, its network namespace for a restart, only where every instance
 * has room for one (instance.c); one being started holds a few more until its
 * command runs (its start-up socket and the loop's copy, its network
 * namespace...; the two of the socket until the command's exec is done,
 * which the count below leaves out), and the container's first process, a
 * copy of the supervisor until its exec, opens its own on top. So
 * starting a whole level at once could run a big stack out of
 * RLIMIT_NOFILE (a hard limit of 1024 leaves no room to raise) where
 * starting it in waves does not: an instance waits for others' starts to
 * end while there is no room for its own. */
#define SPAWN_FDS 8

static bool room_to_start(const struct sup *s)
{
	size_t live = 0, starting = 0;
	struct rlimit rl;
	long open_fds = 0;
	DIR *d;

	for (size_t i = 0; i < s->n_svcs; i++)
		for (size_t k = 0; k < s->svcs[i].n_inst; k++) {
			live += s->svcs[i].inst[k].c != NULL;
			starting += sup_starting(&s->svcs[i].inst[k]);
		}
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return true;
	/* far from the limit by a generous guess: nothing to count */
	if ((live + 1) * SPAWN_FDS + 2 * SUP_FD_RESERVE < rl.rlim_cur)
		return true;
	/* nothing under way to wait for: it starts, and says why it cannot */
	if (!starting || !(d = opendir("/proc/self/fd")))
		return true;
	while (readdir(d))
		open_fds++;
	closedir(d);
	return (long)rl.rlim_cur - open_fds - SUP_FD_RESERVE >= SPAWN_FDS;
}

/* ---- restarts in dependency order ------------------------------------------
 * compose's restart: a service restarts after what it depends on with
 * `restart: true` has restarted and meets its condition (a healthy
 * database, say); its other dependencies do not hold it. */
static bool restarting(const struct sup_service *dep)
{
	for (size_t k = 0; k < dep->n_inst; k++) {
		const struct sup_instance *in = &dep->inst[k];
		enum svc_state st = in->fsm.state;
		/* a restart its pre_stop holds back: still up, not yet stopping */
		if (in->restart_wait || st == SVC_STARTING || st == SVC_STOPPING ||
		    (in->hooks.holding && in->hooks.held == EV_RESTART))
			return true;
	}
	return false;
}

static enum gate restart_gates(const struct sup *s, const struct sup_instance *in,
			       const char **dep_name, const char **why)
{
	const struct plan_node *n = &s->graph->nodes[in->svc->node];

	for (size_t d = 0; d < n->n_deps; d++) {
		const struct sup_service *dep = &s->svcs[n->deps[d]];
		const struct cfg_dep *spec = n->dep_specs[d];
		enum gate g;

		if (!spec->restart || all_held(dep))
			continue;
		if (restarting(dep))
			return GATE_WAIT;
		g = gate_of(dep, spec->condition, why);
		if (g == GATE_FAILED && !spec->required)
			continue;
		if (g != GATE_OPEN) {
			*dep_name = dep->cfg->name;
			return g;
		}
	}
	return GATE_OPEN;
}

void sup_restart_after_deps(struct sup_instance *in, int64_t grace_us)
{
	in->restart_wait = true;
	in->restart_grace_us = grace_us;
}

static bool waits_for_picked(const struct sup *s, const struct sup_instance *in,
			     const bool *svc_picked)
{
	const struct plan_node *n = &s->graph->nodes[in->svc->node];

	for (size_t d = 0; d < n->n_deps; d++)
		if (n->dep_specs[d]->restart && svc_picked[n->deps[d]])
			return true;
	return false;
}

/* A restart of what runs or is stopping (its -t may end that stop
 * sooner); a start of what is down */
static enum svc_event restart_event(const struct sup_instance *in)
{
	return svc_state_is_up(in->fsm.state) || in->fsm.state == SVC_STOPPING ? EV_RESTART
									       : EV_START;
}

void sup_restart_picked(struct sup *s, const bool *pick, int64_t grace_us)
{
	_cleanup_free_ bool *svc = lxr_xcalloc(s->n_svcs ? s->n_svcs : 1, sizeof(bool));
	size_t k = 0;

	FOR_EACH_INSTANCE(s, in)
	{
		if (pick[k++])
			svc[in->svc - s->svcs] = true;
	}
	/* what waits is marked only once the rest were sent their restart,
	 * so that none of it can see a dependency still up from before */
	k = 0;
	FOR_EACH_INSTANCE(s, in)
	{
		if (pick[k++] && !waits_for_picked(s, in, svc))
			sup_event_grace(s, in, restart_event(in), grace_us);
	}
	k = 0;
	FOR_EACH_INSTANCE(s, in)
	{
		if (pick[k++] && waits_for_picked(s, in, svc))
			sup_restart_after_deps(in, grace_us);
	}
}

void sup_restart_would(struct sup *s, bool *pick)
{
	_cleanup_free_ bool *svc = lxr_xcalloc(s->n_svcs ? s->n_svcs : 1, sizeof(bool));
	bool more = true;
	size_t k = 0;

	FOR_EACH_INSTANCE(s, in)
	{
		if (pick[k++])
			svc[in->svc - s->svcs] = true;
	}
	while (more) {
		more = false;
		for (size_t i = 0; i < s->n_svcs; i++) {
			const struct plan_node *n = &s->graph->nodes[s->svcs[i].node];
			for (size_t d = 0; d < n->n_deps && !svc[i]; d++)
				for (size_t j = 0; j < s->n_svcs; j++)
					if (svc[j] && s->svcs[j].node == n->deps[d] &&
					    n->dep_specs[d]->restart)
						more = svc[i] = true;
		}
	}
	k = 0;
	FOR_EACH_INSTANCE(s, in)
	{
		if (!pick[k] && svc[in->svc - s->svcs] && svc_state_is_up(in->fsm.state))
			pick[k] = true;
		k++;
	}
}

/* compose fails the restart of a service whose dependency does not come
 * back as its condition asks: it keeps running as it was, with the error */
static void restart_ready(struct sup *s)
{
	if (s->shutting_down)
		return;
	FOR_EACH_INSTANCE(s, in)
	{
		const char *dep = "", *why = "";
		enum gate g;

		if (!in->restart_wait || (g = restart_gates(s, in, &dep, &why)) == GATE_WAIT)
			continue;
		in->restart_wait = false;
		if (in->doomed)
			continue; /* a recreate stops it */
		if (g == GATE_FAILED) {
			sup_say(s, in, "not restarted: dependency \"%s\" %s", dep, why);
			lxr_fail(&in->error, 0,
				 "dependency \"%s\" %s: not restarted, it runs as before", dep,
				 why);
			lxr_err_hint(&in->error,
				     "`lxr logs %s` says why; `lxr restart %s` once it is", dep,
				     in->svc->cfg->name);
			in->has_error = true;
			continue;
		}
		sup_event_grace(s, in, restart_event(in), in->restart_grace_us);
	}
}

void sup_start_gated(struct sup_instance *in)
{
	in->blocked = false;
	free(in->blocked_by);
	in->blocked_by = NULL;
	in->fsm.unhealthy_seen = false;
	/* its dependents' service_started waits for this start, not the last */
	in->fsm.started_at = 0;
	in->start_gated = true;
}

/* A user's start: through the gates; one that fails is blocked (said) */
static bool start_gated_ready(struct sup *s, struct sup_instance *in)
{
	enum gate g;

	if (in->doomed || s->shutting_down) {
		in->start_gated = false;
		return false;
	}
	if ((g = gates(s, in)) == GATE_WAIT)
		return false;
	in->start_gated = false;
	if (g == GATE_OPEN)
		sup_event(s, in, EV_START, 0);
	return g == GATE_OPEN;
}

void sup_start_ready(struct sup *s)
{
	bool again = true;

	restart_ready(s);

	/* one pass can open gates for the next (a service_started chain) */
	while (again) {
		again = false;
		for (size_t i = 0; i < s->n_svcs; i++)
			for (size_t k = 0; k < s->svcs[i].n_inst; k++) {
				struct sup_instance *in = &s->svcs[i].inst[k];
				if (in->start_gated) {
					/* a user's start of many (create, then
					 * start) in waves too, as up's */
					if (s->start_budget <= 0) {
						s->starts_deferred = true;
						return;
					}
					if (!room_to_start(s))
						return;
					if (start_gated_ready(s, in)) {
						s->start_budget--;
						again = true;
					}
					continue;
				}
				if (in->fsm.state != SVC_CREATED || in->blocked || in->held ||
				    in->fsm.stopped_by_user)
					continue;
				/* the rest after the events this turn's starts
				 * brought (sup_run), gates and all: judging one
				 * has effects (a warning, a block) that must come
				 * once, when it starts */
				if (s->start_budget <= 0) {
					s->starts_deferred = true;
					return;
				}
				if (gates(s, in) != GATE_OPEN)
					continue;
				/* no room: the next start that ends calls again */
				if (!room_to_start(s))
					return;
				s->start_budget--;
				sup_event(s, in, EV_START, 0);
				again = true;
			}
	}
}

/* Will in start as soon as the starts now under way end? Its gates wait
 * only on service_started dependencies whose containers are being started,
 * so its start is milliseconds away (a depends_on chain). */
static bool starts_next(struct sup *s, const struct sup_instance *in)
{
	const struct plan_node *n = &s->graph->nodes[in->svc->node];

	if (in->fsm.state != SVC_CREATED || in->blocked || in->held || in->fsm.stopped_by_user ||
	    in->prepared)
		return false;
	for (size_t d = 0; d < n->n_deps; d++) {
		const struct sup_service *dep = &s->svcs[n->deps[d]];
		const char *why;

		if (all_held(dep) || gate_of(dep, n->dep_specs[d]->condition, &why) == GATE_OPEN)
			continue;
		if (n->dep_specs[d]->condition != CFG_DEP_STARTED)
			return false;
		for (size_t k = 0; k < dep->n_inst; k++)
			if (dep->inst[k].fsm.started_at == 0 &&
			    dep->inst[k].fsm.state != SVC_STARTING)
				return false;
	}
	return true;
}

/* While a container builds its root filesystem the loop would only wait:
 * the network endpoint of the instance that starts next is made then (its
 * namespace, veth, address and files, the larger part of a start), so a
 * depends_on chain starts at the pace of its containers rather than of
 * their sum. One per turn, so an event waiting is not held up by many; a
 * failure is left to the start itself, which makes the endpoint again and
 * reports it. */
void sup_prepare_next(struct sup *s)
{
	bool waiting = false;
	lxr_err err;

	if (s->shutting_down)
		return;
	FOR_EACH_INSTANCE(s, in)
	waiting |= sup_starting(in);
	if (!waiting)
		return;
	FOR_EACH_INSTANCE(s, in)
	{
		if (!starts_next(s, in))
			continue;
		in->prepared = true;
		if (in->plan.net.network && !in->net_joined && sup_net_attach(s, in, &err) < 0)
			lxr_debug("%s: network endpoint made at its start instead: %s", in->name,
				  err.msg);
		else if (in->plan.net.network)
			in->net_fresh = true;
		/* its cgroup too, which the start takes as a restart takes the
		 * last life's (sup_drop_kept removes it if no start comes, the
		 * project's cleanup after a crash; rootless, a delegated
		 * subtree's cgroups are made at the start only) */
		if (!in->kept_cg && lxr_rootless_uid() < 0 &&
		    rt_container_cgroup_make(&in->plan.spec, &in->kept_cg, &err) < 0)
			lxr_debug("%s: cgroup made at its start instead: %s", in->name, err.msg);
		return;
	}
}

/* ---- shutdown: reverse start order, each level after the one above ------- */
static bool level_down(const struct sup *s, size_t level)
{
	for (size_t i = 0; i < s->n_svcs; i++) {
		if (s->graph->nodes[s->svcs[i].node].level <= level)
			continue;
		for (size_t k = 0; k < s->svcs[i].n_inst; k++)
			if (s->svcs[i].inst[k].c)
				return false;
	}
	return true;
}

/* The state machine reads the grace from the policy when the stop begins
 * (it sets the deadline then), so lending it for the one event is enough. */
void sup_event_grace(struct sup *s, struct sup_instance *in, enum svc_event ev, int64_t grace_us)
{
	struct svc_policy saved = in->svc->policy;

	if (grace_us >= 0)
		in->svc->policy.stop_grace_us = grace_us;
	sup_event(s, in, ev, 0);
	in->svc->policy = saved;
}

void sup_kill(struct sup *s, struct sup_instance *in, int sig)
{
	bool stops = sig == SIGKILL || sig == in->plan.spec.stop_signal;

	if (stops && in->fsm.state == SVC_BACKOFF) {
		sup_event(s, in, EV_STOP, 0); /* the restart to come is called off */
		return;
	}
	/* still lxr's own code in the container, which takes no signal: a
	 * stop of the user's with no grace, killed once the command runs */
	if (stops && in->fsm.state == SVC_STARTING) {
		sup_event_grace(s, in, EV_STOP, 0);
		return;
	}
	if (!in->c)
		return;
	if (stops)
		in->fsm.exit_on_next = in->fsm.stopped_by_user = true;
	sup_thaw(s, in); /* a frozen task takes no signal */
	rt_container_kill(in->c, sig, NULL);
}

void sup_stop_all(struct sup *s)
{
	s->shutting_down = true;
	for (size_t i = s->n_svcs; i-- > 0;) {
		size_t level = s->graph->nodes[s->svcs[i].node].level;
		/* dependents (higher levels) first; this level waits for them */
		if (!level_down(s, level))
			continue;
		for (size_t k = 0; k < s->svcs[i].n_inst; k++) {
			struct sup_instance *in = &s->svcs[i].inst[k];
			for (struct sup_instance *x = in; x; x = x == in ? in->shadow : NULL)
				/* one stopping already: its restart is called
				 * off, down's -t may end its wait sooner */
				if (x->fsm.state != SVC_STOPPED)
					sup_event_grace(s, x, EV_STOP,
							s->down_grace ? s->down_grace_us : -1);
		}
	}
}

bool sup_all_down(struct sup *s)
{
	for (size_t i = 0; i < s->n_svcs; i++)
		for (size_t k = 0; k < s->svcs[i].n_inst; k++)
			if (s->svcs[i].inst[k].c ||
			    (s->svcs[i].inst[k].shadow && s->svcs[i].inst[k].shadow->c))
				return false;
	return true;
}

void sup_kill_all(struct sup *s)
{
	for (size_t i = 0; i < s->n_svcs; i++)
		for (size_t k = 0; k < s->svcs[i].n_inst; k++)
			for (struct sup_instance *in = &s->svcs[i].inst[k], *x = in; x;
			     x = x == in ? in->shadow : NULL)
				if (x->c) {
					sup_thaw(s, x);
					rt_container_kill(x->c, SIGKILL, NULL);
				}
}

bool sup_health_needed(struct sup *s, const struct sup_instance *in)
{
	for (size_t i = 0; i < s->graph->n; i++) {
		const struct plan_node *n = &s->graph->nodes[i];
		for (size_t d = 0; d < n->n_deps; d++)
			if (n->deps[d] == in->svc->node &&
			    n->dep_specs[d]->condition == CFG_DEP_HEALTHY)
				return true;
	}
	return false;
}
