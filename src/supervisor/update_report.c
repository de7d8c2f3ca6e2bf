/* What `lxr up` and `lxr rollback` say about a rolling update once it has
 * ended: each service updated, rolled back (and why: the failing health
 * check's output, the exit code), or paused half-way. The supervisor's ps
 * carries the state (update.c); this only waits for it and prints. And
 * what an `up -d` of a stack that is up waits for after its reconcile: the
 * dependencies others need healthy. */
#define _GNU_SOURCE
#include <string.h>
#include <unistd.h>

#include "lxr/supervisor.h"
#include "supervisor/sup.h"
#include "supervisor/up_report.h"

static bool named(json_t *names, const char *instance, const char *service)
{
	size_t i;
	json_t *x;

	json_array_foreach(names, i, x)
	{
		const char *n = json_string_value(x);
		if (n && ((instance && !strcmp(n, instance)) || (service && !strcmp(n, service))))
			return true;
	}
	return false;
}

int sup_update_report(json_t *ps, json_t *names)
{
	json_t *seen = json_array(), *in;
	size_t i;
	int r = 0;

	json_array_foreach(ps, i, in)
	{
		const char *svc = json_string_value(json_object_get(in, "service"));
		const char *inst = json_string_value(json_object_get(in, "instance"));
		json_t *u = json_object_get(in, "update");
		const char *st = json_string_value(json_object_get(u, "state"));
		const char *why = json_string_value(json_object_get(u, "why"));
		size_t left = 0, k;
		json_t *o;

		if (!svc || !st || !named(names, inst, svc) || named(seen, NULL, svc))
			continue;
		json_array_append_new(seen, json_string(svc));
		json_array_foreach(ps, k, o)
		{
			json_t *ou = json_object_get(o, "update");
			if (!strcmp(json_string_value(json_object_get(o, "service")) ?: "", svc) &&
			    json_is_true(json_object_get(ou, "previous")))
				left++;
		}
		if (!strcmp(st, "updated") && why) { /* failure_action: continue */
			fprintf(stderr, "lxr: warning: %s: updated, past a failure: %s\n", svc,
				why);
		} else if (!strcmp(st, "updated")) {
			fprintf(stderr, "lxr: %s: updated\n", svc);
		} else if (!strcmp(st, "rolled-back")) {
			/* lxr rollback asked for it: no failure */
			bool asked = why && !strcmp(why, "lxr rollback");
			fprintf(stderr, "lxr: %s%s: %s%s%s\n", asked ? "" : "error: ", svc,
				asked ? "rolled back"
				      : "update failed, rolled back to the previous "
					"version",
				asked ? "" : ": ", asked ? "" : (why ?: "?"));
			r |= !asked;
		} else if (!strcmp(st, "paused")) {
			fprintf(stderr,
				"lxr: error: %s: update paused (failure_action: pause): %s; %zu "
				"instance%s still on the previous version\n",
				svc, why ?: "?", left, left == 1 ? "" : "s");
			fprintf(stderr,
				"lxr: hint: fix the service and run `lxr up` again, or go "
				"back with `lxr rollback %s`\n",
				svc);
			r = 1;
		}
	}
	json_decref(seen);
	return r;
}

/* One line each time an instance moves on in an update, as compose's
 * progress lines: "web-1  ~ Replacing", "+ Replaced", "x Failed". */
static void progress(json_t *ps, json_t *shown)
{
	static const struct {
		const char *step, *line;
	} lines[] = {
	    {"stopping", "~ Stopping the old container"},
	    {"starting", "~ Starting the new container"},
	    {"done", "+ Replaced"},
	    {"failed", "x Failed"},
	};
	size_t i;
	json_t *in;

	json_array_foreach(ps, i, in)
	{
		const char *name = json_string_value(json_object_get(in, "instance"));
		json_t *u = json_object_get(in, "update");
		const char *step = json_string_value(json_object_get(u, "step"));
		const char *st = json_string_value(json_object_get(u, "state")) ?: "";
		const char *was = json_string_value(json_object_get(shown, name ?: ""));

		if (!name || !step || (was && !strcmp(was, step)))
			continue;
		for (size_t k = 0; k < sizeof(lines) / sizeof(lines[0]); k++)
			if (!strcmp(step, lines[k].step))
				fprintf(stderr, " %-10s %s%s\n", name, lines[k].line,
					!strcmp(st, "rolling-back") ? " (rollback)" : "");
		json_object_set_new(shown, name, json_string(step));
	}
}

/* Wait until the supervisor says no update or rollback runs any more. */
int sup_update_wait(struct ctl_conn *c, lxr_err *err)
{
	json_t *shown = json_object();
	int r = 0;

	for (;;) {
		json_t *pending = NULL, *ps = NULL;
		bool busy;
		if (ctl_call(c, "reconciling", json_object(), 5000, &pending, err) < 0) {
			r = -1;
			break;
		}
		busy = json_is_true(pending);
		json_decref(pending);
		if (ctl_call(c, "ps", json_object(), 5000, &ps, err) == 0)
			progress(ps, shown);
		json_decref(ps);
		if (!busy)
			break;
		usleep(100000);
	}
	json_decref(shown);
	return r;
}

int sup_rollback_services(struct ctl_conn *c, const char *const *services)
{
	json_t *names = json_array(), *result = NULL, *ps = NULL;
	lxr_err err;
	int r = 1;

	for (size_t i = 0; services && services[i]; i++)
		json_array_append_new(names, json_string(services[i]));
	if (ctl_call(c, "rollback", json_pack("{s:O}", "services", names), 10000, &result, &err) <
		0 ||
	    sup_update_wait(c, &err) < 0 || ctl_call(c, "ps", json_object(), 5000, &ps, &err) < 0)
		lxr_err_print(&err);
	else
		r = sup_update_report(ps, names);
	json_decref(result);
	json_decref(ps);
	json_decref(names);
	return r;
}

/* Is service one the up named (all, when it named none), or one of
 * theirs that runs or is about to? */
static bool dependent(json_t *ps, const char *const *targets, const char *service)
{
	size_t k;
	json_t *in;

	for (size_t t = 0; targets && targets[t]; t++)
		if (!strcmp(targets[t], service))
			return true;
	if (targets && targets[0])
		return false;
	json_array_foreach(ps, k, in)
	{
		const char *s = json_string_value(json_object_get(in, "service"));
		const char *state = json_string_value(json_object_get(in, "state"));
		if (s && !strcmp(s, service) && state &&
		    (json_object_get(in, "start_pending") || !strcmp(state, "running") ||
		     !strcmp(state, "healthy") || !strcmp(state, "unhealthy") ||
		     !strcmp(state, "starting")))
			return true;
	}
	return false;
}

/* A service that one of the up's services depends on with condition
 * service_healthy (required: compose only warns for the others) */
static bool needed_healthy(const struct cfg_stack *st, json_t *ps, const char *const *targets,
			   const char *service)
{
	for (size_t i = 0; i < st->n_services; i++) {
		bool there = dependent(ps, targets, st->services[i].name);
		for (size_t j = 0; there && j < st->services[i].n_depends_on; j++) {
			const struct cfg_dep *d = &st->services[i].depends_on[j];
			if (d->condition == CFG_DEP_HEALTHY && d->required && d->service.v &&
			    !strcmp(d->service.v, service))
				return true;
		}
	}
	return false;
}

static bool health_is(json_t *in, const char *what)
{
	const char *h = json_string_value(json_object_get(in, "health"));

	return h && !strcmp(h, what);
}

/* compose's up -d waits after its reconcile for every dependency to meet
 * its dependents' condition (waitDependencies, for containers that were
 * running too): a recreated database others need healthy is waited for */
bool sup_up_dep_waiting(const struct cfg_stack *st, json_t *ps, const char *const *targets,
			json_t *in)
{
	const char *svc = json_string_value(json_object_get(in, "service"));

	return svc && health_is(in, "starting") && needed_healthy(st, ps, targets, svc);
}

/* ... and fails when one turned unhealthy, as compose's "dependency failed
 * to start" */
int sup_up_dep_report(const struct cfg_stack *st, json_t *ps, const char *const *targets)
{
	size_t i;
	json_t *in;
	int r = 0;

	json_array_foreach(ps, i, in)
	{
		const char *svc = json_string_value(json_object_get(in, "service"));
		if (!svc || !health_is(in, "unhealthy") || !needed_healthy(st, ps, targets, svc))
			continue;
		fprintf(stderr,
			"lxr: error: dependency failed to start: container %s is unhealthy\n",
			json_string_value(json_object_get(in, "instance")));
		r = 1;
	}
	return r;
}
