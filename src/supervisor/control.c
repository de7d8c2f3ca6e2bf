/* The control socket (<run_dir>/<project>/control.sock): what `lxr ps`,
 * `stop`, `start`, `restart`, `kill`, `events`, `top` and `stats` ask the
 * running supervisor. The protocol (JSON lines, peer credentials, bounded
 * buffers) is ctl_server's; this file is the supervisor's answers. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "lxr/net.h"
#include "lxr/supervisor.h"
#include "supervisor/sup.h"

/* The instances a request names by service (or instance) name; none named
 * means all. Returns false, having replied with the error, on an unknown
 * name. */
static bool select_instances(struct sup *s, struct ctl_server *cs, struct ctl_req req, json_t *args,
			     bool *pick, size_t n)
{
	json_t *names = json_object_get(args, "services");
	size_t k = 0;

	memset(pick, 0, n * sizeof(*pick));
	if (!names || !json_array_size(names)) {
		for (size_t i = 0; i < n; i++)
			pick[i] = true;
		return true;
	}
	for (size_t j = 0; j < json_array_size(names); j++) {
		const char *want = json_string_value(json_array_get(names, j));
		/* a service with no container (rm -s, scale 0) is one all
		 * the same: nothing of it to list or stop, as compose's */
		bool found = want && cfg_stack_service(s->stack, want);
		k = 0;
		FOR_EACH_INSTANCE(s, in)
		{
			if (want && (!strcmp(want, in->svc->cfg->name) || !strcmp(want, in->name)))
				pick[k] = found = true;
			k++;
		}
		if (!found) {
			_cleanup_free_ const char **svcs =
			    lxr_xcalloc(s->n_svcs + 1, sizeof(*svcs));
			const char *dym;
			char msg[256], hint[256];
			for (size_t i = 0; i < s->n_svcs; i++)
				svcs[i] = s->svcs[i].cfg->name;
			dym = want ? lxr_did_you_mean(want, svcs, s->n_svcs, 0) : NULL;
			snprintf(msg, sizeof(msg), "no such service: %s", want ? want : "?");
			if (dym)
				snprintf(hint, sizeof(hint), "did you mean \"%s\"? (see `lxr ps`)",
					 dym);
			ctl_reply_error(cs, req, msg,
					dym ? hint : "see `lxr ps` for the project's services");
			return false;
		}
	}
	return true;
}

/* A service named that has no container (rm -s, scale 0), or NULL */
static const char *without_container(struct sup *s, json_t *args)
{
	json_t *names = json_object_get(args, "services");

	for (size_t j = 0; j < json_array_size(names); j++) {
		const char *want = json_string_value(json_array_get(names, j));
		bool any = false;
		FOR_EACH_INSTANCE(s, in)
		{
			any |=
			    want && (!strcmp(want, in->svc->cfg->name) || !strcmp(want, in->name));
		}
		if (want && !any)
			return want;
	}
	return NULL;
}

/* start of a service with no container: compose's error, replied */
static bool nothing_to_start(struct sup *s, struct ctl_server *cs, struct ctl_req req, json_t *args)
{
	const char *svc = without_container(s, args);
	char msg[300], hint[300];

	if (!svc)
		return false;
	snprintf(msg, sizeof(msg), "service \"%s\" has no container to start", svc);
	snprintf(hint, sizeof(hint), "`lxr up -d %s` creates it", svc);
	ctl_reply_error(cs, req, msg, hint);
	return true;
}

static size_t n_instances(struct sup *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n_svcs; i++)
		n += s->svcs[i].n_inst;
	return n;
}

/* stop -t N, restart -t N, down -t N: seconds; -1: the services' own */
static int64_t grace_of(json_t *args)
{
	json_int_t t = json_integer_value(json_object_get(args, "timeout"));

	return json_is_integer(json_object_get(args, "timeout")) && t >= 0 ? t * 1000000 : -1;
}

/* lxr start of what up --no-start (lxr create) made: it and what it
 * depends on may start, each once its dependencies' conditions hold */
static void release_held(struct sup *s, struct sup_instance *in)
{
	const struct plan_node *n = &s->graph->nodes[in->svc->node];

	if (!in->held)
		return;
	in->held = false;
	for (size_t d = 0; d < n->n_deps; d++) {
		struct sup_service *dep = &s->svcs[n->deps[d]];
		for (size_t k = 0; k < dep->n_inst; k++)
			release_held(s, &dep->inst[k]);
	}
}

static bool stopped(const struct sup_instance *in)
{
	return in->fsm.state == SVC_EXITED || in->fsm.state == SVC_STOPPED ||
	       in->fsm.state == SVC_FAILED;
}

/* compose's start SERVICE starts what SERVICE depends on too (its project
 * is the services named and their dependencies): each stopped one, as a
 * start of its own, through the gates */
static void start_stopped_deps(struct sup *s, struct sup_instance *in)
{
	const struct plan_node *n = &s->graph->nodes[in->svc->node];

	for (size_t d = 0; d < n->n_deps; d++) {
		struct sup_service *dep = &s->svcs[n->deps[d]];
		for (size_t k = 0; k < dep->n_inst; k++) {
			struct sup_instance *di = &dep->inst[k];
			if (!stopped(di) || di->start_gated || di->doomed)
				continue;
			di->restart_wait = false;
			sup_start_gated(di);
			start_stopped_deps(s, di);
		}
	}
}

static void do_lifecycle(struct sup *s, struct ctl_server *cs, struct ctl_req req, const char *cmd,
			 json_t *args)
{
	int64_t grace = grace_of(args);
	size_t n = n_instances(s), k = 0;
	_cleanup_free_ bool *pick = lxr_xcalloc(n, sizeof(bool));
	int sig = SIGKILL;
	json_t *done = json_array();

	if (!strcmp(cmd, "kill") && json_integer_value(json_object_get(args, "signal")) > 0)
		sig = (int)json_integer_value(json_object_get(args, "signal"));
	if (!select_instances(s, cs, req, args, pick, n)) {
		json_decref(done);
		return;
	}
	if (!strcmp(cmd, "start") && nothing_to_start(s, cs, req, args)) {
		json_decref(done);
		return;
	}
	FOR_EACH_INSTANCE(s, in)
	{
		if (!pick[k++])
			continue;
		in->restart_wait = false; /* what is asked now wins */
		if (!strcmp(cmd, "stop") || !strcmp(cmd, "restart"))
			in->start_gated = false; /* what is asked now wins */
		if (!strcmp(cmd, "stop"))
			sup_event_grace(s, in, EV_STOP, grace);
		else if (!strcmp(cmd, "start")) {
			bool created = in->held && in->fsm.state == SVC_CREATED;
			/* what up --no-start made, and a stopped one, start
			 * through their dependencies' gates (sup_start_ready,
			 * below), their stopped dependencies too, as compose's
			 * start waits for each condition; `start` waits for it */
			release_held(s, in);
			in->blocked = false;
			free(in->blocked_by); /* what held it back is over */
			in->blocked_by = NULL;
			if (created || stopped(in)) {
				sup_start_gated(in);
				start_stopped_deps(s, in);
			} else {
				sup_event(s, in, EV_START, 0);
			}
		} else if (!strcmp(cmd, "restart")) {
			in->restart_alone = json_is_true(json_object_get(args, "no_deps"));
		} else {
			sup_kill(s, in, sig);
		}
		json_array_append_new(done, json_string(in->name));
	}
	if (!strcmp(cmd, "restart"))
		sup_restart_picked(s, pick, grace);
	sup_start_ready(s);
	ctl_reply_ok(cs, req, done);
}

/* lxr rollback SERVICE...: each back to the version it ran before its last
 * update (update.c); every name is checked before any rolls back */
static void do_rollback(struct sup *s, struct ctl_server *cs, struct ctl_req req, json_t *args)
{
	json_t *names = json_object_get(args, "services"), *done = json_array();
	lxr_err err;

	for (size_t j = 0; j < json_array_size(names); j++) {
		const char *name = json_string_value(json_array_get(names, j));
		if (!name || !sup_find_service(s, name)) {
			_cleanup_free_ char *msg =
			    lxr_xasprintf("no such service: %s", name ?: "?");
			ctl_reply_error(cs, req, msg, "see `lxr ps` for the project's services");
			json_decref(done);
			return;
		}
	}
	for (size_t j = 0; j < json_array_size(names); j++) {
		const char *name = json_string_value(json_array_get(names, j));
		struct sup_service *sv = sup_find_service(s, name);
		if (sup_rollback(s, sv, &err) < 0) {
			ctl_reply_err(cs, req, &err);
			json_decref(done);
			return;
		}
		json_array_append_new(
		    done, json_pack("{s:s, s:i}", "service", name, "generation", sv->upd.gen));
	}
	ctl_reply_ok(cs, req, done);
}

/* pause, unpause: every running instance named (compose skips the ones
 * that are not running) */
static void do_pause(struct sup *s, struct ctl_server *cs, struct ctl_req req, bool pause,
		     json_t *args)
{
	size_t n = n_instances(s), k = 0;
	_cleanup_free_ bool *pick = lxr_xcalloc(n, sizeof(bool));
	json_t *done = json_array();
	lxr_err err;

	if (!select_instances(s, cs, req, args, pick, n)) {
		json_decref(done);
		return;
	}
	FOR_EACH_INSTANCE(s, in)
	{
		if (!pick[k++] || !in->c || (pause && !svc_state_is_up(in->fsm.state)) ||
		    (!pause && !in->paused))
			continue;
		if (sup_pause(s, in, pause, &err) < 0) {
			json_decref(done);
			ctl_reply_err(cs, req, &err);
			return;
		}
		json_array_append_new(done, json_string(in->name));
	}
	ctl_reply_ok(cs, req, done);
}

/* compose's --dry-run of stop, start, restart, kill, pause and unpause
 * ("would", {cmd, services}): the instances the command would act on,
 * which it would print, and nothing done. Its own command, so that a
 * supervisor too old to know it refuses it rather than doing it. */
static void do_would(struct sup *s, struct ctl_server *cs, struct ctl_req req, json_t *args)
{
	const char *cmd = json_string_value(json_object_get(args, "cmd")) ?: "";
	bool pause = !strcmp(cmd, "pause"), unpause = !strcmp(cmd, "unpause");
	size_t n = n_instances(s), k = 0;
	_cleanup_free_ bool *pick = lxr_xcalloc(n, sizeof(bool));
	json_t *would;

	if (!pause && !unpause && strcmp(cmd, "stop") && strcmp(cmd, "start") &&
	    strcmp(cmd, "restart") && strcmp(cmd, "kill")) {
		ctl_reply_error(cs, req, "would: not a command with a dry run",
				"stop, start, restart, kill, pause or unpause");
		return;
	}
	if (!select_instances(s, cs, req, args, pick, n) ||
	    (!strcmp(cmd, "start") && nothing_to_start(s, cs, req, args)))
		return;
	if (!strcmp(cmd, "restart") && !json_is_true(json_object_get(args, "no_deps")))
		sup_restart_would(s, pick);
	would = json_array();
	FOR_EACH_INSTANCE(s, in)
	{
		char *name;
		/* pause and unpause skip what they would skip */
		if (!pick[k++] || ((pause || unpause) && !in->c) ||
		    (pause && !svc_state_is_up(in->fsm.state)) || (unpause && !in->paused))
			continue;
		/* by docker's name, as compose's dry run says it */
		name = sup_docker_name(s, in, in->svc->cfg);
		json_array_append_new(would, json_string(name));
		free(name);
	}
	ctl_reply_ok(cs, req, would);
}

static json_t *top_of(const struct sup_instance *in)
{
	return sup_top_json(in->plan.spec.cgroup_group, in->plan.spec.id,
			    in->c ? rt_container_pid(in->c) : 0);
}

static json_t *stats_of(struct sup *s, struct sup_instance *in)
{
	struct lxr_cgroup *cg = NULL;
	struct lxr_cgroup_stats st = {-1, -1, -1, -1, -1};
	int64_t rx = -1, tx = -1;
	lxr_err err;

	if (in->c && rt_cgroup_open(in->plan.spec.cgroup_group, in->plan.spec.id, &cg, &err) == 0) {
		rt_cgroup_stats(cg, &st, &err);
		rt_cgroup_free(cg);
	}
	if (in->c && rt_container_pid(in->c) > 0 &&
	    rt_net_io(rt_container_pid(in->c), &rx, &tx, &err) < 0)
		rx = tx = -1;
	return json_pack(
	    "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "memory_bytes", (json_int_t)st.memory_bytes,
	    "memory_limit", (json_int_t)in->plan.spec.resources.memory_limit, "cpu_usage_usec",
	    (json_int_t)st.cpu_usage_usec, "pids", (json_int_t)st.pids, "net_rx_bytes",
	    (json_int_t)rx, "net_tx_bytes", (json_int_t)tx, "block_read_bytes",
	    (json_int_t)st.io_read_bytes, "block_write_bytes", (json_int_t)st.io_write_bytes);
}

static void per_instance(struct sup *s, struct ctl_server *cs, struct ctl_req req, const char *cmd,
			 json_t *args)
{
	size_t n = n_instances(s), k = 0;
	_cleanup_free_ bool *pick = lxr_xcalloc(n, sizeof(bool));
	json_t *out = json_array();

	if (!select_instances(s, cs, req, args, pick, n)) {
		json_decref(out);
		return;
	}
	FOR_EACH_INSTANCE(s, in)
	{
		json_t *o;
		if (!pick[k++])
			continue;
		if (!strcmp(cmd, "inspect")) {
			json_array_append_new(out, sup_inspect_json(s, in));
			continue;
		}
		o = sup_instance_json(s, in);
		if (!strcmp(cmd, "top"))
			json_object_set_new(o, "processes", top_of(in));
		else if (!strcmp(cmd, "stats"))
			json_object_set_new(o, "stats", stats_of(s, in));
		json_array_append_new(out, o);
		/* a start-first update's new container, as compose lists its
		 * temporary one */
		if (in->shadow && !strcmp(cmd, "ps"))
			json_array_append_new(out, sup_instance_json(s, in->shadow));
	}
	ctl_reply_ok(cs, req, out);
}

static char **strv_of(json_t *a)
{
	char **v = NULL;
	size_t i;
	json_t *x;

	json_array_foreach(a, i, x) if (json_is_string(x))
	    lxr_strv_push(&v, lxr_xstrdup(json_string_value(x)));
	return v;
}

/* up --scale SERVICE=N..., lxr scale */
static int apply_scale(struct cfg_stack *st, json_t *args, lxr_err *err)
{
	size_t i;
	json_t *x;

	json_array_foreach(json_object_get(args, "scale"), i, x)
	{
		if (json_is_string(x) && sup_scale_apply(st, json_string_value(x), err) < 0)
			return -1;
	}
	return 0;
}

/* The options of an `up` that shape the reconcile, set around it (on) and
 * cleared after (the running supervisor's own stay as they were). */
static void up_options(struct sup *s, json_t *args, char **targets, bool on)
{
	json_t *t = json_object_get(args, "timeout");
	json_int_t pull = json_integer_value(json_object_get(args, "pull"));

	s->force_recreate = on && json_is_true(json_object_get(args, "force_recreate"));
	s->no_recreate = on && json_is_true(json_object_get(args, "no_recreate"));
	s->no_start = on && json_is_true(json_object_get(args, "no_start"));
	s->renew_anon = on && json_is_true(json_object_get(args, "renew_anon_volumes"));
	s->recreate_grace = on && json_is_integer(t) && json_integer_value(t) >= 0;
	s->recreate_grace_us = s->recreate_grace ? json_integer_value(t) * 1000000 : 0;
	s->pull = on && pull > 0 && pull <= IMG_PULL_NEVER + 1 ? (int)pull : 0;
	s->quiet_pull = on && json_is_true(json_object_get(args, "quiet_pull"));
	lxr_strv_free(s->keep_as_is);
	s->keep_as_is = NULL;
	/* compose: --force-recreate is for the services named; what they
	 * depend on is recreated only when it changed, unless
	 * --always-recreate-deps */
	lxr_strv_free(s->recreate_named);
	s->recreate_named = NULL;
	s->recreate_deps = on && json_is_true(json_object_get(args, "always_recreate_deps"));
	for (size_t k = 0; on && targets && targets[k]; k++)
		lxr_strv_push(&s->recreate_named, lxr_xstrdup(targets[k]));
}

/* up SERVICE... (and lxr scale): compose converges the services named and
 * what they depend on (only those named with --no-deps), and leaves every
 * other service as it is, neither recreated, started nor removed: the new
 * tables leave them out, and the swap adopts them whole, with the model
 * they run (reconcile.c). So does a plain up with a service its profiles
 * no longer enable. */
static void keep_the_rest(struct sup *s, const struct cfg_stack *st, const struct plan_select *sel)
{
	struct plan_graph *g = NULL;
	lxr_err err;

	/* a selection that fails fails the up itself, which says why */
	if (plan_graph_build(st, sel, &g, &err) < 0)
		return;
	for (size_t i = 0; i < s->n_svcs; i++)
		if (plan_graph_find(g, s->svcs[i].cfg->name) < 0)
			lxr_strv_push(&s->keep_as_is, lxr_xstrdup(s->svcs[i].cfg->name));
	plan_graph_free(g);
}

/* `lxr up` on the running stack: load the file as the caller sees it (its
 * environment for interpolation), plan it, and reconcile. */
/* The file of an `up`, read as the caller sees it (its environment, cwd,
 * project directory and --env-file), checked and scaled; NULL after
 * replying with why not. */
static struct cfg_stack *up_load(struct sup *s, struct ctl_server *cs, struct ctl_req req,
				 json_t *args, char **env)
{
	struct cfg_load_opts o = {.file = json_string_value(json_object_get(args, "file")),
				  .project = s->stack->project,
				  .environ = env ? env : (char *[]){NULL},
				  .cwd = json_string_value(json_object_get(args, "cwd")),
				  .project_dir =
				      json_string_value(json_object_get(args, "project_dir")),
				  /* a file the CLI read from standard input */
				  .text = json_string_value(json_object_get(args, "text")),
				  .text_len = json_string_length(json_object_get(args, "text"))};
	struct cfg_diags diags = {0};
	struct cfg_stack *st = NULL;
	lxr_err err = {0};
	_cleanup_strv_ char **overrides = strv_of(json_object_get(args, "overrides"));
	/* --env-files (a CLI before them sent one env_file) */
	_cleanup_strv_ char **env_files = strv_of(json_object_get(args, "env_files"));

	if (!env_files && json_is_string(json_object_get(args, "env_file")))
		lxr_strv_push(&env_files,
			      lxr_xstrdup(json_string_value(json_object_get(args, "env_file"))));
	o.env_files = env_files;
	if (!o.file) {
		ctl_reply_error(cs, req, "up: no stack file given", NULL);
		return NULL;
	}
	o.overrides = (const char *const *)overrides;
	if (cfg_stack_load(&o, &st, &diags, &err) < 0) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		cfg_diags_print(f, &diags);
		fclose(f);
		ctl_reply_error(cs, req, diags.n_errors ? text : err.msg, NULL);
		free(text);
		cfg_diags_free(&diags);
		return NULL;
	}
	cfg_diags_free(&diags);
	/* what the CLI refused before sending, refused here too: the
	 * supervisor never runs a setting it does not honour (a service's
	 * own, once the reconcile has chosen what it runs: plan_graph_build) */
	if (cfg_stack_check_runnable(st, NULL, &err) < 0 || apply_scale(st, args, &err) < 0) {
		ctl_reply_err(cs, req, &err);
		cfg_stack_free(st);
		return NULL;
	}
	return st;
}

static void do_up(struct sup *s, struct ctl_server *cs, struct ctl_req req, json_t *args)
{
	_cleanup_strv_ char **env = strv_of(json_object_get(args, "environ"));
	_cleanup_strv_ char **targets = strv_of(json_object_get(args, "targets"));
	_cleanup_strv_ char **profiles = strv_of(json_object_get(args, "profiles"));
	const char *file = json_string_value(json_object_get(args, "file"));
	struct plan_select sel = {(const char *const *)profiles, (const char *const *)targets,
				  false, false};
	struct cfg_stack *st = up_load(s, cs, req, args, env);
	struct plan_graph *g = NULL;
	json_t *summary = NULL;
	lxr_err err = {0};
	int r;

	if (!st)
		return;
	sel.no_deps = json_is_true(json_object_get(args, "no_deps"));
	up_options(s, args, targets, true);
	keep_the_rest(s, st, &sel);
	if (json_is_true(json_object_get(args, "dry_run"))) {
		if (plan_graph_build(st, &sel, &g, &err) < 0 ||
		    sup_reconcile_preview(
			s, st, g, json_is_true(json_object_get(args, "remove_orphans")),
			json_is_true(json_object_get(args, "plans")), &summary, &err) < 0)
			ctl_reply_err(cs, req, &err);
		else
			ctl_reply_ok(cs, req, summary);
		up_options(s, args, targets, false);
		plan_graph_free(g);
		cfg_stack_free(st);
		return;
	}
	r = plan_graph_build(st, &sel, &g, &err) < 0
		? -1
		: sup_reconcile_begin(s, st, g,
				      json_is_true(json_object_get(args, "remove_orphans")),
				      &summary, &err);
	up_options(s, args, targets, false);
	if (r < 0) {
		ctl_reply_err(cs, req, &err);
		plan_graph_free(g);
		cfg_stack_free(st);
		return;
	}
	/* the project is this file's now (the caller passed -p, or it was the
	 * file already): the next command from it is not refused */
	{
		const char *files[] = {file, NULL};
		if (sup_project_record_files(s->run_dir, files, &err) < 0)
			lxr_warn("%s", err.msg);
	}
	ctl_reply_ok(cs, req, summary);
}

/* A recorded event's time, if it is one of [since, until] */
static bool replayed_time(const char *line, double since, double until)
{
	const char *p = strstr(line, "\"time\":");
	char *end;
	double t;

	if (!p)
		return false;
	t = strtod(p + 7, &end);
	return end != p + 7 && t >= since && t <= until;
}

/* events, and with "since" (a unix time) first the events recorded from
 * then (to "until", if given) in events.jsonl, in the same turn of the
 * loop (none is missed or sent twice): the latest that fit in CTL_REPLAY_MAX,
 * two passes over the file and no more memory than a line; then
 * {"replayed": true, "dropped": N} (the older ones left out) */
static void subscribe_events(struct sup *s, struct ctl_server *cs, struct ctl_req req, json_t *args)
{
	json_t *since = json_object_get(args, "since"), *until = json_object_get(args, "until");
	double from = json_number_value(since),
	       to = json_is_number(until) ? json_number_value(until) : HUGE_VAL;
	_cleanup_free_ char *path = NULL;
	size_t cap = 0, total = 0, skipped = 0, dropped = 0;
	char *line = NULL;
	ssize_t n;
	FILE *f;

	if (ctl_subscribe(cs, req, "events") < 0 || !json_is_number(since))
		return;
	if (s->events_log)
		fflush(s->events_log);
	path = lxr_xasprintf("%s/events.jsonl", s->run_dir);
	f = fopen(path, "re");
	while (f && (n = getline(&line, &cap, f)) > 0)
		if (replayed_time(line, from, to))
			total += (size_t)n;
	if (f)
		rewind(f);
	while (f && (n = getline(&line, &cap, f)) > 0) {
		json_t *ev;
		if (!replayed_time(line, from, to))
			continue;
		if (total - skipped > CTL_REPLAY_MAX) {
			skipped += (size_t)n;
			dropped++;
			continue;
		}
		if ((ev = json_loads(line, 0, NULL)))
			ctl_send_event(cs, req, ev);
	}
	free(line);
	if (f)
		fclose(f);
	ctl_send_event(cs, req,
		       json_pack("{s:b, s:I}", "replayed", true, "dropped", (json_int_t)dropped));
}

static void handle(void *ctx, struct ctl_server *cs, struct ctl_req req, const char *cmd,
		   json_t *args)
{
	struct sup *s = ctx;

	if (!strcmp(cmd, "ps") || !strcmp(cmd, "top") || !strcmp(cmd, "stats") ||
	    !strcmp(cmd, "inspect"))
		per_instance(s, cs, req, cmd, args);
	else if (!strcmp(cmd, "pause") || !strcmp(cmd, "unpause"))
		do_pause(s, cs, req, !strcmp(cmd, "pause"), args);
	else if (!strcmp(cmd, "stop") || !strcmp(cmd, "start") || !strcmp(cmd, "restart") ||
		 !strcmp(cmd, "kill"))
		do_lifecycle(s, cs, req, cmd, args);
	else if (!strcmp(cmd, "would"))
		do_would(s, cs, req, args);
	else if (!strcmp(cmd, "events"))
		subscribe_events(s, cs, req, args);
	else if (!strcmp(cmd, "reconciling")) /* a rolling update too */
		ctl_reply_ok(cs, req, json_boolean(s->pending != NULL || sup_updating(s)));
	else if (!strcmp(cmd, "rollback"))
		do_rollback(s, cs, req, args);
	else if (!strcmp(cmd, "attach"))
		sup_attach_serve(s, cs, req, args);
	else if (!strcmp(cmd, "up"))
		do_up(s, cs, req, args);
	else if (!strcmp(cmd, "down")) {
		ctl_reply_ok(cs, req, NULL);
		s->down_grace = grace_of(args) >= 0;
		s->down_grace_us = grace_of(args);
		sup_stop_all(s);
	} else
		ctl_reply_error(
		    cs, req, "unknown command",
		    "ps, stop, start, restart, kill, pause, unpause, would, inspect, events, "
		    "top, stats, up, down, reconciling, rollback, attach");
}

int sup_control_open(struct sup *s, lxr_err *err)
{
	_cleanup_free_ char *path = lxr_xasprintf("%s/control.sock", s->run_dir);
	struct ctl_server_opts o = {.handler = handle, .ctx = s, .owner_uid = (uid_t)-1};

	if (ctl_server_open(path, &o, &s->ctl, err) < 0)
		return lxr_err_wrap(err, "control socket");
	/* the loop adds it to its epoll set when it starts */
	s->listenw = (struct sup_watch){W_LISTEN, NULL, ctl_server_fd(s->ctl)};
	return 0;
}

void sup_control_accept(struct sup *s)
{
	lxr_err err;

	if (s->ctl && ctl_server_dispatch(s->ctl, &err) < 0)
		lxr_warn("control socket: %s", err.msg);
}

void sup_control_read(struct sup *s, struct sup_watch *w)
{
	sup_control_accept(s);
}

void sup_control_broadcast(struct sup *s, const char *line)
{
	json_t *ev;

	if (!s->ctl)
		return;
	ev = json_loads(line, 0, NULL);
	if (ev)
		ctl_publish(s->ctl, "events", ev);
}

void sup_control_close(struct sup *s)
{
	if (s->ctl) {
		sup_watch_del(s, &s->listenw);
		ctl_server_close(s->ctl);
		s->ctl = NULL;
	}
}
