/* `lxr up` on a stack that is already up: the running supervisor loads the
 * file again and reconciles — what is new starts, what changed is recreated,
 * what was removed stops, the rest is left running. The new tables are built
 * (and every spec resolved) first; only then is anything stopped; once the
 * stopped instances are down the tables are swapped, unchanged instances
 * moved across with their running containers. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lxr/supervisor.h"
#include "supervisor/sup.h"

/* Two instances run the same thing when their identities are the same
 * (identity.c): the plan's text and the files lxr writes. */
static bool same(struct sup_instance *a, struct sup_instance *b)
{
	size_t la, lb;
	_cleanup_free_ char *ia = sup_plan_identity(&a->plan, a->name, &la);
	_cleanup_free_ char *ib = sup_plan_identity(&b->plan, b->name, &lb);

	return la == lb && !memcmp(ia, ib, la);
}

/* up SERVICE...: one of the other services, which the new tables leave
 * out and the swap adopts as it runs (control.c) */
static bool kept_as_is(const struct sup *s, const struct sup_instance *oi)
{
	for (size_t i = 0; s->keep_as_is && s->keep_as_is[i]; i++)
		if (!strcmp(s->keep_as_is[i], oi->svc->cfg->name))
			return true;
	return false;
}

/* up --force-recreate: every service, or the ones named; with
 * --always-recreate-deps the others (what those depend on) too */
static bool forced(const struct sup *s, const struct sup_instance *oi)
{
	bool named = !s->recreate_named;

	for (size_t i = 0; s->recreate_named && s->recreate_named[i]; i++)
		named |= !strcmp(s->recreate_named[i], oi->svc->cfg->name);
	return named ? s->force_recreate : s->recreate_deps;
}

/* up --no-recreate keeps what runs, changed or not: a changed one is
 * marked stale (with act), so the swap keeps the plan it runs */
static bool unchanged(const struct sup *s, struct sup_instance *oi, struct sup_instance *ni,
		      bool act)
{
	bool force = forced(s, oi);
	bool kept = !force && !ni->svc->pull_needed && same(oi, ni);

	if (s->no_recreate && !force) {
		if (act)
			oi->stale = !kept;
		return true;
	}
	return kept;
}

/* What a new table changes, in compose's words (unchanged, recreated,
 * added, removed, orphans). With act, the changed and removed instances
 * are marked and asked to stop. An instance whose image is not here yet
 * (a dry run pulls nothing) has no plan to compare: it counts as changed. */
static json_t *classify(struct sup *s, struct sup *n, const struct cfg_stack *st,
			bool remove_orphans, bool act)
{
	json_t *kept = json_array(), *recreated = json_array(), *added = json_array(),
	       *removed = json_array(), *orphans = json_array(), *updated = json_array();

	FOR_EACH_INSTANCE(n, ni)
	{
		struct sup_instance *oi = sup_find_instance(s, ni->name);
		bool same = oi && unchanged(s, oi, ni, act);
		/* up --no-start: what it creates waits for `lxr start` */
		ni->held = act && s->no_start && (!oi || !same);
		/* deploy.update_config: a running instance is replaced in
		 * batches after the swap (update.c), not stopped here */
		if (oi && !same && sup_update_wanted(s, oi, ni)) {
			oi->upd_keep = act;
			json_array_append_new(updated, json_string(ni->name));
			continue;
		}
		/* up -V: made or remade, with new anonymous volumes (once the
		 * old container, which has them mounted, has gone) */
		ni->renew_anon = act && s->renew_anon && (!oi || !same);
		json_array_append_new(!oi ? added : same ? kept : recreated, json_string(ni->name));
	}
	FOR_EACH_INSTANCE(s, oi)
	{
		struct sup_instance *ni = sup_find_instance(n, oi->name);
		/* up SERVICE: the file's other services stay as they run */
		if (!ni && kept_as_is(s, oi) && cfg_stack_service(st, oi->svc->cfg->name))
			continue;
		/* A service the file no longer declares is an orphan: compose
		 * keeps its containers and warns; --remove-orphans removes them.
		 * (A replica past a lower scale is the file's to remove.) */
		if (!ni && !cfg_stack_service(st, oi->svc->cfg->name) && !remove_orphans) {
			json_array_append_new(orphans, json_string(oi->name));
			continue;
		}
		if (!ni)
			json_array_append_new(removed, json_string(oi->name));
		if (act && (!ni || !unchanged(s, oi, ni, false)) && !oi->upd_keep) {
			oi->doomed = true;
			oi->replaced = ni != NULL;
			sup_event_grace(s, oi, EV_STOP,
					s->recreate_grace ? s->recreate_grace_us : -1);
		}
	}
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "unchanged", kept, "recreated",
			 recreated, "added", added, "removed", removed, "orphans", orphans,
			 "updated", updated);
}

static struct sup *build_next(struct sup *s, struct cfg_stack *st, struct plan_graph *g,
			      bool dry_run, lxr_err *err)
{
	struct sup *n;

	if (s->shutting_down || s->pending || sup_updating(s))
		return lxr_fail(err, EBUSY, "the stack is %s",
				s->shutting_down ? "going down"
				: s->pending     ? "already being reconciled"
						 : "being updated (see `lxr ps`)"),
		       lxr_err_hint(err, "another `lxr up` or `down` is at work; run this one "
					 "again once it has ended"),
		       NULL;
	n = lxr_xcalloc(1, sizeof(*n));
	n->run_dir = lxr_xstrdup(s->run_dir);
	n->log_dir = lxr_xstrdup(s->log_dir);
	n->dry_run = dry_run;
	n->pull = s->pull; /* up --pull, --quiet-pull */
	n->quiet_pull = s->quiet_pull;
	if (sup_build(n, st, g, err) < 0) {
		sup_free(n);
		free(n);
		return NULL;
	}
	return n;
}

int sup_reconcile_begin(struct sup *s, struct cfg_stack *st, struct plan_graph *g,
			bool remove_orphans, json_t **summary, lxr_err *err)
{
	struct sup *n;

	if (lxr_rootless_uid() >= 0 && sup_rootless_ports_check(st, err) < 0)
		return -1;
	n = build_next(s, st, g, false, err);
	if (!n)
		return -1;
	n->owned_stack = st;
	n->owned_graph = g;
	*summary = classify(s, n, st, remove_orphans, true);
	n->no_start = s->no_start; /* for the swap */
	n->keep_as_is = s->keep_as_is ? lxr_strv_dup(s->keep_as_is) : NULL;
	s->pending = n;
	return 0;
}

json_t *sup_plans_json(struct sup *s, bool all)
{
	json_t *plans = json_object();

	FOR_EACH_INSTANCE(s, in)
	{
		if (in->svc->pull_needed) {
			json_object_set_new(
			    plans, in->name,
			    json_pack("{s:s}",
				      in->svc->cfg->build.set && !in->svc->pull_ref ? "build"
										    : "pull",
				      in->svc->pull_ref ? in->svc->pull_ref
							: cfg_service_image(in->svc->cfg)));
			continue;
		}
		if (!all)
			continue;
		_cleanup_free_ char *t = plan_instance_text(&in->plan, false);
		json_object_set_new(plans, in->name, json_loads(t, 0, NULL));
	}
	return plans;
}

int sup_reconcile_preview(struct sup *s, struct cfg_stack *st, struct plan_graph *g,
			  bool remove_orphans, bool with_plans, json_t **summary, lxr_err *err)
{
	struct sup *n = build_next(s, st, g, true, err);

	if (!n)
		return -1;
	*summary = classify(s, n, st, remove_orphans, false);
	json_object_set_new(*summary, "plans", sup_plans_json(n, with_plans));
	sup_free(n);
	free(n);
	return 0;
}

/* The orphans kept running move into the new tables whole (containers,
 * pipes, health, log), each with a plan node of its own: no dependencies any
 * more (the file that declared them is gone), level 0 so it stops last.
 * Returns whether any moved: then the stack their model lives in is kept. */
static bool adopt_orphans(struct sup *n, struct sup *old)
{
	struct plan_graph *g = n->owned_graph;
	bool any = false;

	for (size_t i = 0; i < old->n_svcs; i++) {
		struct sup_service *sv = &old->svcs[i], *ns;
		bool alive = false;

		if (sup_find_service(n, sv->cfg->name))
			continue;
		for (size_t k = 0; k < sv->n_inst; k++)
			alive |= !sv->inst[k].doomed;
		if (!alive)
			continue;
		g->nodes = lxr_xrealloc(g->nodes, (g->n + 1) * sizeof(*g->nodes));
		g->nodes[g->n] = (struct plan_node){.svc = sv->cfg};
		n->svcs = lxr_xrealloc(n->svcs, (n->n_svcs + 1) * sizeof(*n->svcs));
		ns = &n->svcs[n->n_svcs++];
		*ns = *sv;
		ns->node = g->n++;
		/* what moved is no longer the old table's to free */
		sv->inst = NULL;
		sv->n_inst = 0;
		sv->img = NULL;
		sv->img_use_fd = -1;
		sv->prev_img = NULL;
		sv->prev_img_use_fd = -1;
		sv->upd.why = NULL;
		/* it shared another service's use record: the record comes
		 * with it, as the old tables close theirs */
		for (size_t j = 0; ns->img && ns->img_use_fd < 0 && j < old->n_svcs; j++)
			if (old->svcs[j].img && old->svcs[j].img_use_fd >= 0 &&
			    !strcmp(old->svcs[j].img->manifest_digest, ns->img->manifest_digest))
				ns->img_use_fd = lxr_steal_fd(&old->svcs[j].img_use_fd);
		sv->logs = NULL;
		sv->fwds = NULL;
		sv->n_logs = 0;
		any = true;
	}
	/* the array moved: every instance's back pointer follows it */
	for (size_t i = 0; i < n->n_svcs; i++)
		for (size_t k = 0; k < n->svcs[i].n_inst; k++)
			n->svcs[i].inst[k].svc = &n->svcs[i];
	return any;
}

/* Does a service of the (new) tables take its model from st? */
static bool models_in(const struct sup *s, const struct cfg_stack *st)
{
	/* as integers: < between pointers into different arrays is undefined */
	uintptr_t lo = (uintptr_t)st->services, hi = (uintptr_t)(st->services + st->n_services);

	for (size_t i = 0; i < s->n_svcs; i++) {
		uintptr_t a = (uintptr_t)s->svcs[i].cfg, b = (uintptr_t)s->svcs[i].prev_cfg;
		/* a rollback's model, too (update.c) */
		if ((a >= lo && a < hi) || (b >= lo && b < hi))
			return true;
		/* and a stale instance's (up --no-recreate): its model, and the
		 * stack inspect reads beside it */
		for (size_t k = 0; k < s->svcs[i].n_inst; k++) {
			const struct sup_instance *in = &s->svcs[i].inst[k];
			uintptr_t r = (uintptr_t)in->run_cfg;
			if ((r >= lo && r < hi) || (in->run_cfg && in->run_stack == st))
				return true;
		}
	}
	return false;
}

/* A service the file left as it was keeps what its last update left: the
 * version a rollback returns to (its image held in use), and the state
 * ps shows. */
static void carry_updates(struct sup *s, struct sup *n, struct sup *old)
{
	for (size_t i = 0; i < old->n_svcs; i++) {
		struct sup_service *o = &old->svcs[i], *ns = sup_find_service(n, o->cfg->name);
		bool recreated = false;
		for (size_t k = 0; k < o->n_inst; k++)
			recreated |= o->inst[k].doomed;
		if (!ns || ns->prev_cfg || !o->prev_cfg)
			continue;
		/* recreated without an update: what runs now is no update's,
		 * and the version before it is not the one kept */
		if (recreated) {
			sup_update_forget(s, o);
			continue;
		}
		ns->prev_stack = o->prev_stack;
		ns->prev_cfg = o->prev_cfg;
		ns->prev_img = lxr_steal_ptr(&o->prev_img);
		ns->prev_img_use_fd = lxr_steal_fd(&o->prev_img_use_fd);
		ns->upd.state = o->upd.state;
		ns->upd.gen = o->upd.gen;
		ns->upd.why = lxr_steal_ptr(&o->upd.why);
	}
}

/* compose's `up` starts again what is down (exited, stopped, given up on):
 * kept as it was, it runs once more; and what up --no-start made. up
 * --no-start starts nothing. */
static void start_again(struct sup *s, bool no_start, char **kept)
{
	if (!no_start) {
		FOR_EACH_INSTANCE(s, in)
		{
			enum svc_state st = in->fsm.state;
			bool keep = false;
			for (size_t k = 0; kept && kept[k]; k++)
				keep |= !strcmp(kept[k], in->svc->cfg->name);
			if (keep) /* up --no-deps, scale: left as it is */
				continue;
			in->held = false;
			/* in dependency order, each once its dependencies
			 * meet their conditions (sup_start_ready), as compose */
			/* (up --no-deps and scale leave some services as they
			 * are: no waiting on those, as compose's --no-deps) */
			if (!in->doomed &&
			    (st == SVC_EXITED || st == SVC_STOPPED || st == SVC_FAILED)) {
				if (kept && kept[0]) {
					in->blocked = false;
					sup_event(s, in, EV_START, 0);
				} else {
					sup_start_gated(in);
				}
			}
		}
	}
	sup_start_ready(s);
}

static void remove_one(struct sup *s, struct sup *old, struct sup_instance *oi)
{
	_cleanup_free_ char *dir = lxr_xasprintf("%s/%s", s->run_dir, oi->plan.spec.id);
	_cleanup_free_ char *link = lxr_xasprintf("%s/%s", s->run_dir, oi->name);
	lxr_err e;

	if (lxr_rm_rf(dir, &e) < 0)
		lxr_warn("%s", e.msg);
	/* a start-first update's name for it (update.c) */
	if (strcmp(oi->plan.spec.id, oi->name))
		unlink(link);
	if (sup_net_detach(old, oi, &e) < 0)
		lxr_warn("%s: %s", oi->name, e.msg);
}

/* A changed or removed instance's container goes: it is a new container
 * next time, as with compose; and so does its endpoint (new ports, another
 * network). */
static void remove_doomed(struct sup *s, struct sup *old)
{
	FOR_EACH_INSTANCE(old, oi)
	{
		if (oi->doomed)
			remove_one(s, old, oi);
	}
}

/* An adopted orphan's model (its cfg_service) lives in the stack it came
 * from, so that stack lives as long as such an orphan does: the old
 * stack joins the kept ones when an orphan needs it, and a kept one no
 * orphan needs any more goes. */
static void keep_orphans_stacks(struct sup *s, struct sup *old)
{
	if (old->owned_stack && models_in(s, old->owned_stack)) {
		s->kept_stacks =
		    lxr_xrealloc(s->kept_stacks, (s->n_kept_stacks + 1) * sizeof(*s->kept_stacks));
		s->kept_stacks[s->n_kept_stacks++] = old->owned_stack;
		old->owned_stack = NULL;
	}
	for (size_t i = 0; i < s->n_kept_stacks;) {
		if (models_in(s, s->kept_stacks[i])) {
			i++;
			continue;
		}
		cfg_stack_free(s->kept_stacks[i]);
		s->kept_stacks[i] = s->kept_stacks[--s->n_kept_stacks];
	}
	old->kept_stacks = NULL;
	old->n_kept_stacks = 0;
}

/* up --no-recreate kept a changed container: the new tables hold the plan
 * it runs, as a restart runs it again (its restart policy and stop grace
 * the service's again), and the model it was made from, so the next up
 * without the flag compares the file with it and recreates it (compose's
 * --no-recreate), and inspect shows what it runs */
static void keep_stale_plan(const struct sup *old, struct sup_instance *oi, struct sup_instance *ni)
{
	struct plan_instance p = ni->plan;
	char **argv = ni->health.argv;

	ni->plan = oi->plan;
	oi->plan = p;
	ni->health.argv = oi->health.argv;
	oi->health.argv = argv;
	ni->run_cfg = oi->run_cfg ? oi->run_cfg : oi->svc->cfg;
	ni->run_stack = oi->run_cfg ? oi->run_stack : old->stack;
	sup_service_policy_from(ni);
	/* its layers are its old image's, which the new tables may no longer
	 * name: held in use as long as it runs, or `image prune` takes them;
	 * and what inspect and commit show of it */
	if (oi->run_cfg) {
		ni->run_img_use_fd = lxr_steal_fd(&oi->run_img_use_fd);
		ni->run_img = lxr_steal_ptr(&oi->run_img);
		return;
	}
	if (!oi->svc->img)
		return;
	ni->run_img = lxr_xcalloc(1, sizeof(*ni->run_img));
	img_image_copy(ni->run_img, oi->svc->img);
	/* services of one image share one record (tables.c) */
	for (size_t i = 0; ni->run_img_use_fd < 0 && i < old->n_svcs; i++) {
		const struct sup_service *h = &old->svcs[i];
		if (h->img && h->img_use_fd >= 0 &&
		    !strcmp(h->img->manifest_digest, oi->svc->img->manifest_digest))
			ni->run_img_use_fd = fcntl(h->img_use_fd, F_DUPFD_CLOEXEC, 3);
	}
}

static void swap(struct sup *s)
{
	struct sup *n = s->pending, old = *s;
	bool no_start = n->no_start;
	_cleanup_strv_ char **kept = n->keep_as_is;

	adopt_orphans(n, &old);
	FOR_EACH_INSTANCE(n, ni)
	{
		struct sup_instance *oi = sup_find_instance(&old, ni->name);
		if (oi && !oi->doomed)
			sup_instance_transplant(s, oi, ni);
		/* its container keeps the name a start-first update gave it */
		if (oi && !oi->doomed && !oi->upd_keep && oi->plan.spec.id &&
		    strcmp(oi->plan.spec.id, ni->plan.spec.id)) {
			free(ni->plan.spec.id);
			ni->plan.spec.id = lxr_xstrdup(oi->plan.spec.id);
		}
		if (oi && oi->upd_keep)
			sup_update_adopt(s, oi->svc, oi, ni);
		else if (oi && oi->stale)
			keep_stale_plan(&old, oi, ni);
	}
	carry_updates(s, n, &old);
	for (size_t i = 0; i < old.n_svcs; i++) {
		struct sup_service *ns = sup_find_service(n, old.svcs[i].cfg->name);
		/* the log continues in the same file, if it is kept as before */
		if (ns && !ns->logs && sup_output_same_logging(old.svcs[i].cfg, ns->cfg)) {
			ns->logs = old.svcs[i].logs;
			ns->fwds = old.svcs[i].fwds;
			ns->n_logs = old.svcs[i].n_logs;
		} else {
			sup_output_close_service(&old.svcs[i]);
		}
		old.svcs[i].logs = NULL;
		old.svcs[i].fwds = NULL;
		old.svcs[i].n_logs = 0;
	}
	remove_doomed(s, &old);
	sup_net_retire_changed(&old, n->stack);
	s->stack = n->stack;
	s->graph = n->graph;
	s->svcs = n->svcs;
	s->n_svcs = n->n_svcs;
	s->owned_stack = n->owned_stack;
	s->owned_graph = n->owned_graph;
	s->store = n->store; /* the old one closes with the old tables */
	keep_orphans_stacks(s, &old);
	old.run_dir = old.log_dir = NULL;
	/* the terminal stays the running supervisor's; its prefixes are
	 * as wide as the new tables' names */
	old.term[0].buf = old.term[1].buf = NULL;
	old.term[0].w.fd = old.term[1].w.fd = -1;
	s->term[0].width = 0;
	/* the running supervisor's options stay its own */
	old.keep_as_is = old.attach = old.no_attach = NULL;
	old.exit_code_from = NULL;
	sup_free(&old); /* its tables and the stack it owned, if any */
	free(n->run_dir);
	free(n->log_dir);
	free(n);
	s->pending = NULL;
	start_again(s, no_start, kept);
}

void sup_reconcile_tick(struct sup *s)
{
	if (!s->pending)
		return;
	FOR_EACH_INSTANCE(s, in)
	if (in->doomed && in->c)
		return; /* still stopping */
	swap(s);
}
