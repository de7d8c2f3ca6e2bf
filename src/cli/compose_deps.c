/* compose run's dependencies (compose_run.c): what the one-off's service
 * depends on, brought up as `up -d` of those services brings them up, then
 * waited for as each depends_on condition says. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/compose_run.h"
#include "lxr/supervisor.h"

/* compose's conditions: 1 met, 0 not yet, -1 never (said; for a
 * dependency that is not required, warned about and taken as met) */
static int condition_met(json_t *o, const struct cfg_dep *d)
{
	const char *st = json_string_value(json_object_get(o, "state")) ?: "";
	const char *dep = d->service.v;
	json_int_t code = json_integer_value(json_object_get(o, "exit_code"));
	bool ended = !strcmp(st, "exited") || !strcmp(st, "stopped");
	int verdict = 0;
	char said[64];

	if (json_object_get(o, "blocked_by") || !strcmp(st, "failed"))
		verdict = -1;
	else if (d->condition == CFG_DEP_HEALTHY)
		verdict = !strcmp(st, "healthy") ? 1 : !strcmp(st, "unhealthy") || ended ? -1 : 0;
	else if (d->condition == CFG_DEP_COMPLETED)
		verdict = ended ? (code == 0 ? 1 : -1) : 0;
	else
		verdict = strcmp(st, "created") && strcmp(st, "starting") != 0;
	if (verdict >= 0)
		return verdict;
	if (!d->required) {
		lxr_warn("dependency %s is %s; it is not required: the one-off runs", dep,
			 cli_state_said(said, st, code));
		return 1;
	}
	fprintf(stderr, "lxr: error: dependency %s is %s, not %s\n", dep,
		cli_state_said(said, st, code),
		d->condition == CFG_DEP_HEALTHY     ? "healthy"
		: d->condition == CFG_DEP_COMPLETED ? "completed successfully"
						    : "started");
	fputs("lxr: hint: `lxr ps` and `lxr logs` say why\n", stderr);
	return -1;
}

/* Until every instance of each dependency of svc that up started meets its
 * condition, or one never will. A dependency with no instance (replicas:
 * 0, or left out by its profiles) is not waited for, as compose does. */
static int deps_wait(const char *project, const struct cfg_service *svc, const struct plan_graph *g)
{
	for (;;) {
		json_t *ps = NULL, *o;
		bool all = true;
		size_t i;
		if (cli_project_ps(NULL, project, NULL, &ps) != LXR_EXIT_OK)
			return LXR_EXIT_FAIL;
		for (size_t k = 0; k < svc->n_depends_on; k++) {
			const struct cfg_dep *d = &svc->depends_on[k];
			if (plan_graph_find(g, d->service.v) < 0)
				continue;
			json_array_foreach(ps, i, o)
			{
				const char *of = json_string_value(json_object_get(o, "service"));
				if (!of || strcmp(of, d->service.v))
					continue;
				int m = condition_met(o, d);
				if (m < 0) {
					json_decref(ps);
					return LXR_EXIT_FAIL;
				}
				all &= m == 1;
			}
		}
		json_decref(ps);
		if (all)
			return LXR_EXIT_OK;
		usleep(100 * 1000);
	}
}

/* `up -d` of what svc depends on, as up itself selects it (profiles,
 * required), leaving the stack's other services as they are; then the
 * wait for its conditions. */
int compose_run_deps(const struct cfg_service *svc, const struct compose_deps *c)
{
	_cleanup_strv_ char **targets = lxr_xcalloc(1, sizeof(char *));
	_cleanup_strv_ char **profiles = NULL;
	_cleanup_free_ char *project = NULL;
	const char *const self[] = {svc->name, NULL};
	struct cfg_stack *st = NULL;
	struct plan_graph *g = NULL;
	struct cli_up_build b = {.pull = c->pull, .quiet_pull = c->quiet_pull};
	lxr_err err;
	int r;

	if (!svc->n_depends_on)
		return LXR_EXIT_OK;
	cli_globals_profiles(&profiles);
	cli_profiles_default(&profiles, NULL);
	r = cli_stack_open(cli_globals.file, cli_globals.project, &st);
	if (r != LXR_EXIT_OK)
		return r;
	struct plan_select sel = {(const char *const *)profiles, self, false, false};
	if (plan_graph_build(st, &sel, &g, &err) < 0) {
		lxr_err_print(&err);
		cfg_stack_free(st);
		return LXR_EXIT_USAGE;
	}
	for (size_t i = 0; i < g->n; i++)
		if (strcmp(g->nodes[i].svc->name, svc->name))
			lxr_strv_push(&targets, lxr_xstrdup(g->nodes[i].svc->name));
	r = targets[0] ? cli_up_build(st, g, &b) : LXR_EXIT_OK;
	if (r == LXR_EXIT_OK && targets[0]) {
		struct sup_up_opts o = {.targets = (const char *const *)targets,
					.profiles = (const char *const *)profiles,
					.detach = true,
					.no_deps = true,
					.no_recreate = true,
					.remove_orphans = c->remove_orphans,
					.pull = c->pull,
					.quiet_pull = c->quiet_pull,
					.env_files = cli_globals.env_files,
					.progress = cli_progress_setting()};
		r = sup_up(st, &o);
	}
	project = lxr_xstrdup(st->project);
	if (r == LXR_EXIT_OK && targets[0])
		r = deps_wait(project, svc, g);
	plan_graph_free(g);
	cfg_stack_free(st);
	return r;
}
