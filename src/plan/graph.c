/* The dependency graph: which services run (profiles and targets), their
 * start levels (a service's level is one more than its deepest
 * dependency's, so a level only waits for earlier ones), and cycle reports.
 * Pure data. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "lxr/config_runnable.h"
#include "lxr/plan.h"

static long index_of(const struct cfg_stack *st, const char *name)
{
	for (size_t i = 0; i < st->n_services; i++)
		if (!strcmp(st->services[i].name, name))
			return (long)i;
	return -1;
}

static bool in_list(const char *const *list, const char *s)
{
	for (; list && *list; list++)
		if (!strcmp(*list, s))
			return true;
	return false;
}

/* Compose: no profiles means always enabled; otherwise one must be active
 * (the profile "*": all are). */
static bool enabled(const struct cfg_service *s, const char *const *profiles)
{
	if (!s->profiles.n || in_list(profiles, "*"))
		return true;
	for (size_t i = 0; i < s->profiles.n; i++)
		if (in_list(profiles, s->profiles.v[i].v))
			return true;
	return false;
}

/* The active profiles, and those of each service named on the command line
 * that they leave out: compose-go enables such a service by activating its
 * profiles (WithServicesEnabled), so a dependency that shares one comes
 * with it, and one in another profile does not. The strings are borrowed;
 * the caller frees the array. */
static const char **active_profiles(const struct cfg_stack *st, const struct plan_select *sel)
{
	size_t n = 0, k = 0;

	for (const char *const *p = sel->profiles; p && *p; p++)
		n++;
	for (size_t i = 0; i < st->n_services; i++)
		n += st->services[i].profiles.n;
	const char **v = lxr_xcalloc(n + 1, sizeof(*v));
	for (const char *const *p = sel->profiles; p && *p; p++)
		v[k++] = *p;
	for (size_t i = 0; i < st->n_services; i++) {
		const struct cfg_service *s = &st->services[i];
		if (!in_list(sel->targets, s->name) || enabled(s, sel->profiles))
			continue;
		for (size_t j = 0; j < s->profiles.n; j++)
			v[k++] = s->profiles.v[j].v;
	}
	return v;
}

static int select_deps(const struct cfg_stack *st, const bool *on, bool *sel, size_t i,
		       size_t *queue, size_t *qn, lxr_err *err)
{
	const struct cfg_service *s = &st->services[i];

	for (size_t j = 0; j < s->n_depends_on; j++) {
		long d = index_of(st, s->depends_on[j].service.v);
		if (d < 0 || sel[d])
			continue;
		if (!on[d]) {
			if (!s->depends_on[j].required)
				continue;
			const struct cfg_pos *at = &s->depends_on[j].service.pos;
			lxr_fail(err, 0,
				 "%s:%d:%d: service \"%s\" depends on \"%s\", which its profiles "
				 "disable",
				 st->file, at->line, at->col, s->name, st->services[d].name);
			return lxr_err_hint(err, "activate one of its profiles with --profile, or "
						 "make the dependency `required: false`");
		}
		sel[d] = true;
		queue[(*qn)++] = (size_t)d;
	}
	return 0;
}

static int select_services(const struct cfg_stack *st, const struct plan_select *sel, bool *out,
			   lxr_err *err)
{
	size_t n = st->n_services, qn = 0;
	_cleanup_free_ bool *on = lxr_xcalloc(n + 1, sizeof(bool));
	_cleanup_free_ size_t *queue = lxr_xcalloc(n + 1, sizeof(size_t));
	_cleanup_free_ const char **active = active_profiles(st, sel);
	bool have_targets = sel->targets && sel->targets[0];

	for (size_t i = 0; i < n; i++)
		on[i] = enabled(&st->services[i], active);
	for (const char *const *t = sel->targets; t && *t; t++) {
		long i = index_of(st, *t);
		if (i < 0)
			return lxr_fail(err, 0, "no such service: %s", *t);
		if (!out[i]) {
			out[i] = true;
			queue[qn++] = (size_t)i;
		}
	}
	for (size_t i = 0; i < n && !have_targets; i++) {
		if (on[i]) {
			out[i] = true;
			queue[qn++] = i;
		}
	}
	if (sel->no_deps && have_targets)
		return 0;
	for (size_t q = 0; q < qn; q++)
		if (select_deps(st, on, out, queue[q], queue, &qn, err) < 0)
			return -1;
	return 0;
}

struct walk {
	const struct cfg_stack *st;
	const bool *sel;
	long **adj; /* adj[i]: selected dependencies of i, -1 terminated */
	size_t *level;
	unsigned char *color; /* 0 new, 1 on the path, 2 done */
	size_t *path;
	size_t depth;
};

static int cycle_error(struct walk *w, size_t target, lxr_err *err)
{
	_cleanup_free_ char *msg = lxr_xstrdup("");
	size_t from = w->depth;

	while (from > 0 && w->path[from - 1] != target)
		from--;
	for (size_t i = from - 1; i < w->depth; i++) {
		char *m = lxr_xasprintf("%s%s -> ", msg, w->st->services[w->path[i]].name);
		free(msg);
		msg = m;
	}
	return lxr_fail(err, 0, "dependency cycle: %s%s", msg, w->st->services[target].name);
}

static int visit(struct walk *w, size_t i, lxr_err *err)
{
	size_t lv = 0;

	if (w->color[i] == 2)
		return 0;
	if (w->color[i] == 1)
		return cycle_error(w, i, err);
	w->color[i] = 1;
	w->path[w->depth++] = i;
	for (long *d = w->adj[i]; *d >= 0; d++) {
		if (visit(w, (size_t)*d, err) < 0)
			return -1;
		if (w->level[*d] + 1 > lv)
			lv = w->level[*d] + 1;
	}
	w->depth--;
	w->color[i] = 2;
	w->level[i] = lv;
	return 0;
}

static long **adjacency(const struct cfg_stack *st, const bool *sel)
{
	long **adj = lxr_xcalloc(st->n_services + 1, sizeof(*adj));

	for (size_t i = 0; i < st->n_services; i++) {
		const struct cfg_service *s = &st->services[i];
		size_t k = 0;
		adj[i] = lxr_xcalloc(s->n_depends_on + 1, sizeof(long));
		for (size_t j = 0; j < s->n_depends_on; j++) {
			long d = index_of(st, s->depends_on[j].service.v);
			if (d >= 0 && sel[d])
				adj[i][k++] = d;
		}
		adj[i][k] = -1;
	}
	return adj;
}

static void free_adj(long **adj, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(adj[i]);
	free(adj);
}

static int levels(const struct cfg_stack *st, const bool *sel, size_t *level, lxr_err *err)
{
	size_t n = st->n_services;
	struct walk w = {st,
			 sel,
			 adjacency(st, sel),
			 level,
			 lxr_xcalloc(n + 1, 1),
			 lxr_xcalloc(n + 1, sizeof(size_t)),
			 0};
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++)
		if (sel[i])
			r = visit(&w, i, err);
	free_adj(w.adj, n);
	free(w.color);
	free(w.path);
	return r;
}

static void fill_nodes(struct plan_graph *g, const struct cfg_stack *st, const bool *sel,
		       const size_t *level, size_t max_level)
{
	_cleanup_free_ long *node_of = lxr_xcalloc(st->n_services + 1, sizeof(long));

	for (size_t lv = 0; lv <= max_level; lv++)
		for (size_t i = 0; i < st->n_services; i++)
			if (sel[i] && level[i] == lv) {
				node_of[i] = (long)g->n;
				g->nodes[g->n++] =
				    (struct plan_node){.svc = &st->services[i], .level = lv};
			}
	for (size_t k = 0; k < g->n; k++) {
		struct plan_node *nd = &g->nodes[k];
		const struct cfg_service *s = nd->svc;
		nd->deps = lxr_xcalloc(s->n_depends_on + 1, sizeof(size_t));
		nd->dep_specs = lxr_xcalloc(s->n_depends_on + 1, sizeof(*nd->dep_specs));
		for (size_t j = 0; j < s->n_depends_on; j++) {
			long d = index_of(st, s->depends_on[j].service.v);
			if (d < 0 || !sel[d])
				continue;
			nd->dep_specs[nd->n_deps] = &s->depends_on[j];
			nd->deps[nd->n_deps++] = (size_t)node_of[d];
		}
	}
}

/* A chosen service's env_file that is not there: compose-go reads the
 * env files of the services the profiles enable, and only those. */
static int check_env_files(const struct cfg_stack *st, const bool *chosen, lxr_err *err)
{
	for (size_t i = 0; i < st->n_services; i++) {
		const struct cfg_service *s = &st->services[i];
		const struct cfg_pos *at = &s->env_file_missing.pos;

		if (!chosen[i] || !s->env_file_missing.v)
			continue;
		lxr_fail(err, ENOENT, "%s:%d:%d: service \"%s\": env_file %s", st->file, at->line,
			 at->col, s->name, s->env_file_missing.v);
		return lxr_err_hint(err, "create it, or mark it `required: false`");
	}
	return 0;
}

/* The errors of the file in services with profiles (a network they name
 * that the stack does not declare...): compose-go checks the services the
 * active profiles enable (checkConsistency after WithProfiles), and lxr the
 * ones it would run too. A model's (lxr config) as well. */
static int check_enabled(const struct cfg_stack *st, const struct plan_select *sel,
			 const bool *chosen, lxr_err *err)
{
	_cleanup_free_ bool *on = lxr_xcalloc(st->n_services + 1, sizeof(bool));

	for (size_t i = 0; i < st->n_services; i++)
		on[i] = chosen[i] || enabled(&st->services[i], sel->profiles);
	return cfg_stack_check_enabled(st, on, err);
}

int plan_graph_build(const struct cfg_stack *st, const struct plan_select *sel,
		     struct plan_graph **out, lxr_err *err)
{
	static const struct plan_select none = {0};
	size_t n = st->n_services, max_level = 0;
	_cleanup_free_ bool *chosen = lxr_xcalloc(n + 1, sizeof(bool));
	_cleanup_free_ size_t *level = lxr_xcalloc(n + 1, sizeof(size_t));
	struct plan_graph *g;

	*out = NULL;
	sel = sel ? sel : &none;
	/* a model's graph (lxr config) shows alternatives that clash too */
	if (select_services(st, sel, chosen, err) < 0 || check_enabled(st, sel, chosen, err) < 0 ||
	    check_env_files(st, chosen, err) < 0 ||
	    (!sel->model_only && cfg_stack_check_chosen(st, chosen, err) < 0) ||
	    levels(st, chosen, level, err) < 0)
		return -1;
	/* what lxr does not run yet, in the services it would run */
	if (!sel->model_only && cfg_stack_check_runnable(st, chosen, err) < 0)
		return -1;
	g = lxr_xcalloc(1, sizeof(*g));
	g->stack = st;
	g->nodes = lxr_xcalloc(n + 1, sizeof(*g->nodes));
	for (size_t i = 0; i < n; i++)
		if (chosen[i] && level[i] > max_level)
			max_level = level[i];
	fill_nodes(g, st, chosen, level, max_level);
	g->n_levels = g->n ? max_level + 1 : 0;
	*out = g;
	return 0;
}

void plan_graph_free(struct plan_graph *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++) {
		free(g->nodes[i].deps);
		free(g->nodes[i].dep_specs);
	}
	free(g->nodes);
	free(g);
}

long plan_graph_find(const struct plan_graph *g, const char *service)
{
	for (size_t i = 0; i < g->n; i++)
		if (!strcmp(g->nodes[i].svc->name, service))
			return (long)i;
	return -1;
}

static void dot_id(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

int plan_graph_write_dot(FILE *f, const struct plan_graph *g, lxr_err *err)
{
	static const char *const cond[] = {"service_started", "service_healthy",
					   "service_completed_successfully"};

	fputs("digraph ", f);
	dot_id(f, g->stack->project ? g->stack->project : "stack");
	fputs(" {\n\trankdir=BT;\n", f);
	for (size_t lv = 0; lv < g->n_levels; lv++) {
		fprintf(f, "\tsubgraph level%zu {\n\t\trank=same;\n", lv);
		for (size_t i = 0; i < g->n; i++) {
			if (g->nodes[i].level != lv)
				continue;
			fputs("\t\t", f);
			dot_id(f, g->nodes[i].svc->name);
			fputs(";\n", f);
		}
		fputs("\t}\n", f);
	}
	for (size_t i = 0; i < g->n; i++) {
		for (size_t j = 0; j < g->nodes[i].n_deps; j++) {
			fputc('\t', f);
			dot_id(f, g->nodes[i].svc->name);
			fputs(" -> ", f);
			dot_id(f, g->nodes[g->nodes[i].deps[j]].svc->name);
			fprintf(f, " [label=\"%s\"];\n", cond[g->nodes[i].dep_specs[j]->condition]);
		}
	}
	fputs("}\n", f);
	if (ferror(f))
		return lxr_fail(err, EIO, "write the graph");
	return 0;
}
