/* The variables a stack file names (`lxr config --variables`), found by
 * the interpolation scanner itself (interpolate.c), so a reference counts
 * exactly where interpolation would see one: not in `$$`, and in the
 * branches an operator does not take too, as compose-go's
 * template.ExtractVariables lists them. */
#define _GNU_SOURCE
#include <string.h>

#include "config/text.h"
#include "lxr/config_view.h"

struct found {
	struct cfg_variable *v;
	size_t n;
};

/* compose-go's combineVariable: required as soon as one reference is; the
 * default and the alternate of the first reference that gives one */
static void seen(const struct cfg_var_ref *ref, void *ctx)
{
	struct found *f = ctx;
	struct cfg_variable *v = NULL;
	_cleanup_free_ char *arg = ref->arg ? lxr_xstrndup(ref->arg, ref->arg_len) : NULL;

	for (size_t i = 0; i < f->n && !v; i++)
		if (strlen(f->v[i].name) == ref->name_len &&
		    !strncmp(f->v[i].name, ref->name, ref->name_len))
			v = &f->v[i];
	if (!v) {
		f->v = lxr_xrealloc(f->v, (f->n + 1) * sizeof(*f->v));
		v = &f->v[f->n++];
		*v = (struct cfg_variable){lxr_xstrndup(ref->name, ref->name_len), false,
					   lxr_xstrdup(""), lxr_xstrdup("")};
	}
	v->required |= ref->op == '?';
	if (ref->op == '-' && !*v->default_value && arg) {
		free(v->default_value);
		v->default_value = lxr_steal_ptr(&arg);
	} else if (ref->op == '+' && !*v->alternate_value && arg) {
		free(v->alternate_value);
		v->alternate_value = lxr_steal_ptr(&arg);
	}
}

static void walk(const struct cfg_raw *r, struct found *f)
{
	if (r->kind == CFG_RAW_SCALAR && strchr(r->scalar, '$')) {
		/* nothing is looked up: only the references are wanted */
		struct cfg_interp ip = {.seen = seen, .ctx = f};
		_cleanup_free_ char *out = NULL;
		(void)cfg_interpolate_span(&ip, r->scalar, strlen(r->scalar), 1, 1, &out);
	}
	for (size_t i = 0; (r->kind == CFG_RAW_MAP || r->kind == CFG_RAW_SEQ) && i < r->n; i++)
		walk(&r->items[i], f);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct cfg_variable *)a)->name,
		      ((const struct cfg_variable *)b)->name);
}

void cfg_stack_variables(const struct cfg_stack *st, struct cfg_variable **out, size_t *n)
{
	struct found f = {0};

	walk(&st->written, &f);
	if (f.n)
		qsort(f.v, f.n, sizeof(*f.v), by_name);
	*out = f.v;
	*n = f.n;
}

void cfg_variables_free(struct cfg_variable *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].default_value);
		free(v[i].alternate_value);
	}
	free(v);
}
