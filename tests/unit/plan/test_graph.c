/* plan layer: start levels, stop order, what `up SERVICE...` pulls in,
 * profiles, cycles, DOT. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config/config_internal.h" /* cfg_stack_load_text */
#include "lxr/plan.h"

static struct cfg_stack *load(void)
{
	char *const env[] = {NULL};
	struct cfg_load_opts o = {
	    .file = LXR_TEST_DATA "/stack.yaml", .environ = env, .accept_unsupported = true};
	struct cfg_diags d = {0};
	struct cfg_stack *st = NULL;
	lxr_err err;

	if (cfg_stack_load(&o, &st, &d, &err) < 0)
		cfg_diags_print(stderr, &d);
	cfg_diags_free(&d);
	assert_non_null(st);
	return st;
}

/* "name@level name@level ..." in start order */
static char *order(const struct plan_graph *g)
{
	char *s = lxr_xstrdup("");

	for (size_t i = 0; i < g->n; i++) {
		char *n = lxr_xasprintf("%s%s%s@%zu", s, i ? " " : "", g->nodes[i].svc->name,
					g->nodes[i].level);
		free(s);
		s = n;
	}
	return s;
}

static void check(const char *const *profiles, const char *const *targets, const char *want)
{
	struct cfg_stack *st = load();
	struct plan_select sel = {profiles, targets, false, false};
	struct plan_graph *g = NULL;
	lxr_err err;

	if (plan_graph_build(st, &sel, &g, &err) < 0)
		fail_msg("plan: %s", err.msg);
	_cleanup_free_ char *got = order(g);
	assert_string_equal(got, want);
	plan_graph_free(g);
	cfg_stack_free(st);
}

static void levels_and_order(void **state)
{
	/* Within a level, file order; levels wait only for earlier ones. */
	check(NULL, NULL, "cache@0 db@0 api@1 worker@1 web@2");
}

static void stop_order_is_reverse(void **state)
{
	struct cfg_stack *st = load();
	struct plan_graph *g = NULL;
	lxr_err err;

	assert_int_equal(plan_graph_build(st, NULL, &g, &err), 0);
	assert_int_equal(g->n_levels, 3);
	/* Every service stops before anything it depends on. */
	for (size_t i = 0; i < g->n; i++)
		for (size_t j = 0; j < g->nodes[i].n_deps; j++)
			assert_true(g->nodes[i].deps[j] < i);
	assert_int_equal(plan_graph_find(g, "web"), 4);
	assert_int_equal(plan_graph_find(g, "debug"), -1);
	plan_graph_free(g);
	cfg_stack_free(st);
}

static void up_service_pulls_dependencies(void **state)
{
	const char *const web[] = {"web", NULL};
	const char *const worker[] = {"worker", NULL};

	check(NULL, web, "db@0 api@1 web@2");
	check(NULL, worker, "cache@0 db@0 worker@1");
}

/* up --no-deps web: web alone, its edge to api dropped */
static void no_deps_selects_only_targets(void **state)
{
	const char *const t[] = {"web", "db", NULL};
	struct cfg_stack *st = load();
	struct plan_select sel = {NULL, t, true, false};
	struct plan_graph *g = NULL;
	lxr_err err;

	assert_int_equal(plan_graph_build(st, &sel, &g, &err), 0);
	_cleanup_free_ char *got = order(g);
	assert_string_equal(got, "web@0 db@0");
	assert_int_equal(g->nodes[0].n_deps, 0);
	plan_graph_free(g);
	cfg_stack_free(st);
}

static void profiles_enable_services(void **state)
{
	const char *const debug[] = {"debug", NULL};
	const char *const tools[] = {"tools", NULL};

	check(debug, NULL, "cache@0 db@0 api@1 worker@1 web@2 debug@3");
	/* A targeted service runs whatever its profiles, with its deps. */
	check(NULL, debug, "db@0 api@1 web@2 debug@3");
	/* An optional dependency disabled by profiles is left out. */
	check(tools, NULL, "cache@0 db@0 tools@0 api@1 worker@1 web@2");
}

static void disabled_required_dependency_fails(void **state)
{
	const char *const ops[] = {"ops", NULL};
	struct cfg_stack *st = load();
	struct plan_select sel = {ops, NULL, false, false};
	struct plan_graph *g = NULL;
	lxr_err err;

	assert_int_equal(plan_graph_build(st, &sel, &g, &err), -1);
	assert_null(g);
	{
		/* FILE:LINE:COL of the depends_on entry, then the message */
		size_t fl = strlen(st->file);
		int line = 0, col = 0;
		assert_memory_equal(err.msg, st->file, fl);
		assert_int_equal(sscanf(err.msg + fl, ":%d:%d:", &line, &col), 2);
		assert_true(line > 1 && col > 1);
		assert_non_null(strstr(err.msg, ": service \"needs_debug\" depends on \"debug\", "
						"which its profiles disable"));
	}
	assert_true(strstr(err.hint, "--profile") != NULL);
	cfg_stack_free(st);
}

static void unknown_target_fails(void **state)
{
	const char *const t[] = {"nope", NULL};
	struct cfg_stack *st = load();
	struct plan_select sel = {NULL, t, false, false};
	struct plan_graph *g = NULL;
	lxr_err err;

	assert_int_equal(plan_graph_build(st, &sel, &g, &err), -1);
	assert_string_equal(err.msg, "no such service: nope");
	cfg_stack_free(st);
}

/* The loader refuses cycles, but the plan must not trust that blindly. */
static void cycle_is_reported(void **state)
{
	struct cfg_dep ab = {.service = {(char *)"b", {0}}, .required = true};
	struct cfg_dep bc = {.service = {(char *)"c", {0}}, .required = true};
	struct cfg_dep ca = {.service = {(char *)"a", {0}}, .required = true};
	struct cfg_service svc[3] = {
	    {.name = (char *)"a", .depends_on = &ab, .n_depends_on = 1},
	    {.name = (char *)"b", .depends_on = &bc, .n_depends_on = 1},
	    {.name = (char *)"c", .depends_on = &ca, .n_depends_on = 1},
	};
	struct cfg_stack st = {.services = svc, .n_services = 3};
	struct plan_graph *g = NULL;
	lxr_err err;

	assert_int_equal(plan_graph_build(&st, NULL, &g, &err), -1);
	assert_string_equal(err.msg, "dependency cycle: a -> b -> c -> a");
}

static void dot_output(void **state)
{
	const char *const web[] = {"web", NULL};
	struct cfg_stack *st = load();
	struct plan_select sel = {NULL, web, false, false};
	struct plan_graph *g = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	lxr_err err;

	assert_int_equal(plan_graph_build(st, &sel, &g, &err), 0);
	assert_int_equal(plan_graph_write_dot(f, g, &err), 0);
	fclose(f);
	assert_string_equal(buf, "digraph \"data\" {\n"
				 "\trankdir=BT;\n"
				 "\tsubgraph level0 {\n\t\trank=same;\n\t\t\"db\";\n\t}\n"
				 "\tsubgraph level1 {\n\t\trank=same;\n\t\t\"api\";\n\t}\n"
				 "\tsubgraph level2 {\n\t\trank=same;\n\t\t\"web\";\n\t}\n"
				 "\t\"api\" -> \"db\" [label=\"service_started\"];\n"
				 "\t\"web\" -> \"api\" [label=\"service_healthy\"];\n"
				 "}\n");
	free(buf);
	plan_graph_free(g);
	cfg_stack_free(st);
}

/* Alternatives in different profiles load; enabling both is refused
 * before anything is planned, naming the clash. */
static void profile_alternatives_clash(void **state)
{
	static const char text[] = "services:\n"
				   "  aio: {image: a, profiles: [all], ports: [\"80:80\"]}\n"
				   "  web: {image: w, profiles: [parts], ports: [\"80:80\"]}\n";
	char *const env[] = {NULL};
	struct cfg_load_opts o = {.file = "compose.yaml", .environ = env, .cwd = "/nonexistent"};
	const char *const one[] = {"all", NULL}, *const both[] = {"all", "parts", NULL};
	struct plan_select sel1 = {.profiles = one}, sel2 = {.profiles = both};
	struct cfg_diags d = {0};
	struct cfg_stack *st = NULL;
	struct plan_graph *g = NULL;
	lxr_err err;

	(void)state;
	assert_int_equal(cfg_stack_load_text(&o, text, strlen(text), &st, &d, &err), 0);
	cfg_diags_free(&d);
	assert_int_equal(plan_graph_build(st, &sel1, &g, &err), 0);
	plan_graph_free(g);
	assert_int_equal(plan_graph_build(st, &sel2, &g, &err), -1);
	assert_string_equal(err.msg, "compose.yaml:3:46: service \"web\": host port 80 is also "
				     "published by service \"aio\"");
	cfg_stack_free(st);
}

/* volumes_from: the service it names starts first, and `up SERVICE`
 * brings it (a dependency of its own, with no depends_on in the file);
 * a profile that leaves it out is refused at the entry. */
static void volumes_from_orders(void **state)
{
	static const char text[] = "services:\n"
				   "  reader: {image: r, volumes_from: [\"app:ro\", logs]}\n"
				   "  app: {image: a, volumes_from: [data]}\n"
				   "  data: {image: d, volumes: [/anon]}\n"
				   "  logs: {image: l, volumes: [/logs], profiles: [debug]}\n";
	char *const env[] = {NULL};
	struct cfg_load_opts o = {.file = "compose.yaml", .environ = env, .cwd = "/nonexistent"};
	const char *const reader[] = {"reader", NULL}, *const debug[] = {"debug", NULL};
	struct plan_select all = {.profiles = debug}, one = {.profiles = debug, .targets = reader},
			   none = {0};
	struct cfg_diags d = {0};
	struct cfg_stack *st = NULL;
	struct plan_graph *g = NULL;
	lxr_err err;

	(void)state;
	assert_int_equal(cfg_stack_load_text(&o, text, strlen(text), &st, &d, &err), 0);
	cfg_diags_free(&d);
	assert_int_equal(plan_graph_build(st, &all, &g, &err), 0);
	_cleanup_free_ char *got = order(g);
	assert_string_equal(got, "data@0 logs@0 app@1 reader@2");
	plan_graph_free(g);
	assert_int_equal(plan_graph_build(st, &one, &g, &err), 0);
	_cleanup_free_ char *pulled = order(g);
	assert_string_equal(pulled, "data@0 logs@0 app@1 reader@2");
	plan_graph_free(g);
	assert_int_equal(plan_graph_build(st, &none, &g, &err), -1);
	assert_string_equal(err.msg, "compose.yaml:2:47: service \"reader\" depends on \"logs\", "
				     "which its profiles disable");
	cfg_stack_free(st);
}

static struct cfg_stack *load_text(const char *text)
{
	char *const env[] = {NULL};
	struct cfg_load_opts o = {.file = "compose.yaml", .environ = env, .cwd = "/nonexistent"};
	struct cfg_diags d = {0};
	struct cfg_stack *st = NULL;
	lxr_err err;

	if (cfg_stack_load_text(&o, text, strlen(text), &st, &d, &err) < 0)
		cfg_diags_print(stderr, &d);
	cfg_diags_free(&d);
	assert_non_null(st);
	return st;
}

/* "name@level ..." of the selection, or "error: MSG" */
static char *outcome(const struct cfg_stack *st, const struct plan_select *sel)
{
	struct plan_graph *g = NULL;
	lxr_err err;
	char *s;

	if (plan_graph_build(st, sel, &g, &err) < 0)
		return lxr_xasprintf("error: %s", err.msg);
	s = order(g);
	plan_graph_free(g);
	return s;
}

static void expect(const struct cfg_stack *st, const struct plan_select *sel, const char *want)
{
	_cleanup_free_ char *got = outcome(st, sel);

	assert_string_equal(got, want);
}

/* compose-go's WithServicesEnabled: `up debug` activates debug's profiles,
 * so a dependency in one of them comes along; one in another profile does
 * not, and a service that only shares the profile is not pulled in. */
static void target_enables_its_profiles(void **state)
{
	struct cfg_stack *st =
	    load_text("services:\n"
		      "  web: {image: w}\n"
		      "  debug: {image: d, profiles: [debug], depends_on: [helper]}\n"
		      "  helper: {image: h, profiles: [debug, dev]}\n"
		      "  other: {image: o, profiles: [debug]}\n"
		      "  probe: {image: p, profiles: [probe], depends_on: [db]}\n"
		      "  db: {image: d, profiles: [dev]}\n");
	const char *const debug[] = {"debug", NULL}, *const probe[] = {"probe", NULL};
	const char *const dev[] = {"dev", NULL};

	(void)state;
	expect(st, &(struct plan_select){.targets = debug}, "helper@0 debug@1");
	expect(st, &(struct plan_select){.targets = probe},
	       "error: compose.yaml:6:53: service \"probe\" depends on \"db\", which its "
	       "profiles disable");
	expect(st, &(struct plan_select){.profiles = dev, .targets = probe}, "db@0 probe@1");
	cfg_stack_free(st);
}

/* A reference to what the stack does not declare, in a service with
 * profiles: the file loads, and the error is said when the service is
 * enabled (its profile, COMPOSE_PROFILES, naming it), for lxr config too,
 * and never when it is not. */
static void bad_reference_waits_for_its_service(void **state)
{
	struct cfg_stack *st = load_text("services:\n"
					 "  web: {image: w}\n"
					 "  debug:\n"
					 "    image: d\n"
					 "    profiles: [debug]\n"
					 "    networks: [dbg]\n"
					 "    secrets: [token]\n");
	const char *const debug[] = {"debug", NULL}, *const web[] = {"web", NULL};
	const char *const star[] = {"*", NULL};
	const char *refused = "error: compose.yaml:6:16: service \"debug\": unknown network "
			      "\"dbg\" (and 1 more, at 7:15)";

	(void)state;
	expect(st, &(struct plan_select){0}, "web@0");
	expect(st, &(struct plan_select){.model_only = true}, "web@0");
	expect(st, &(struct plan_select){.targets = web}, "web@0");
	expect(st, &(struct plan_select){.profiles = debug}, refused);
	expect(st, &(struct plan_select){.profiles = star}, refused);
	expect(st, &(struct plan_select){.profiles = debug, .model_only = true}, refused);
	expect(st, &(struct plan_select){.targets = debug}, refused);
	/* compose-go checks every service the profiles enable, chosen or not */
	expect(st, &(struct plan_select){.profiles = debug, .targets = web}, refused);
	cfg_stack_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(levels_and_order),
	    cmocka_unit_test(stop_order_is_reverse),
	    cmocka_unit_test(up_service_pulls_dependencies),
	    cmocka_unit_test(no_deps_selects_only_targets),
	    cmocka_unit_test(profiles_enable_services),
	    cmocka_unit_test(disabled_required_dependency_fails),
	    cmocka_unit_test(unknown_target_fails),
	    cmocka_unit_test(cycle_is_reported),
	    cmocka_unit_test(volumes_from_orders),
	    cmocka_unit_test(dot_output),
	    cmocka_unit_test(profile_alternatives_clash),
	    cmocka_unit_test(target_enables_its_profiles),
	    cmocka_unit_test(bad_reference_waits_for_its_service),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
