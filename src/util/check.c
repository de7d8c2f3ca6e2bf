/* The results of lxr doctor's checks of the host, one per feature. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lxr/util.h"

void lxr_check_add(struct lxr_checks *c, const char *name, enum lxr_check_status st,
		   const char *breaks, const char *fix, const char *fmt, ...)
{
	struct lxr_check *k;
	va_list ap;

	c->v = lxr_xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
	k = &c->v[c->n++];
	memset(k, 0, sizeof(*k));
	k->name = lxr_xstrdup(name);
	k->status = st;
	va_start(ap, fmt);
	if (vasprintf(&k->detail, fmt, ap) < 0)
		abort();
	va_end(ap);
	k->breaks = breaks && st != LXR_CHECK_OK ? lxr_xstrdup(breaks) : NULL;
	k->fix = fix && st != LXR_CHECK_OK ? lxr_xstrdup(fix) : NULL;
}

void lxr_checks_free(struct lxr_checks *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].name);
		free(c->v[i].detail);
		free(c->v[i].breaks);
		free(c->v[i].fix);
	}
	free(c->v);
	c->v = NULL;
	c->n = 0;
}
