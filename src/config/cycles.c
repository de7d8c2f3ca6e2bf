/* depends_on cycles. A cycle means no service in it can ever start, so it is
 * an error, printed as the cycle itself: `a -> b -> c -> a`. Depth-first
 * search, iterative so a long chain of services cannot exhaust the stack. */
#define _GNU_SOURCE
#include <string.h>

#include "config/config_internal.h"

enum { WHITE, GRAY, BLACK };

struct frame {
	size_t svc, next_dep;
};

static size_t index_of(const struct cfg_stack *st, const char *name)
{
	for (size_t i = 0; i < st->n_services; i++)
		if (!strcmp(st->services[i].name, name))
			return i;
	return (size_t)-1;
}

static void report(struct cfg_ctx *c, const struct cfg_stack *st, const struct frame *stack,
		   size_t depth, size_t target, const struct cfg_dep *closing)
{
	size_t from = depth;
	char *msg = lxr_xstrdup("");

	while (from > 0 && stack[from - 1].svc != target)
		from--;
	for (size_t i = from - 1; i < depth; i++) {
		char *m = lxr_xasprintf("%s%s -> ", msg, st->services[stack[i].svc].name);
		free(msg);
		msg = m;
	}
	cfg_diag_add(c, closing->service.pos, false,
		     "services in a cycle can never start; remove one of these dependencies",
		     "dependency cycle: %s%s", msg, st->services[target].name);
	free(msg);
}

static void dfs(struct cfg_ctx *c, const struct cfg_stack *st, size_t root, unsigned char *color,
		struct frame *stack)
{
	size_t depth = 0;

	stack[depth++] = (struct frame){root, 0};
	color[root] = GRAY;
	while (depth) {
		struct frame *f = &stack[depth - 1];
		const struct cfg_service *s = &st->services[f->svc];
		if (f->next_dep == s->n_depends_on) {
			color[f->svc] = BLACK;
			depth--;
			continue;
		}
		const struct cfg_dep *d = &s->depends_on[f->next_dep++];
		size_t t = index_of(st, d->service.v);
		if (t == (size_t)-1)
			continue; /* reported as an unknown service */
		if (color[t] == GRAY)
			report(c, st, stack, depth, t, d);
		else if (color[t] == WHITE) {
			color[t] = GRAY;
			stack[depth++] = (struct frame){t, 0};
		}
	}
}

void cfg_stack_check_cycles(struct cfg_ctx *c, struct cfg_stack *st)
{
	unsigned char *color = lxr_xcalloc(st->n_services + 1, 1);
	struct frame *stack = lxr_xcalloc(st->n_services + 1, sizeof(*stack));

	for (size_t i = 0; i < st->n_services; i++)
		if (color[i] == WHITE)
			dfs(c, st, i, color, stack);
	free(color);
	free(stack);
}
