/* Where the parser is in a Dockerfile: the joined text of an instruction
 * mapped back to lines and columns (continuations join several lines into
 * one), and errors that name that place. */
#include <stdarg.h>
#include <stdio.h>

#include "build/build_internal.h"

void dfp_seg_add(struct dfp *p, size_t off, int line, int col)
{
	if (p->n_segs == p->cap_segs) {
		p->cap_segs = p->cap_segs ? p->cap_segs * 2 : 8;
		p->segs = lxr_xrealloc(p->segs, p->cap_segs * sizeof(*p->segs));
	}
	p->segs[p->n_segs++] = (struct dfp_seg){off, line, col};
}

void dfp_pos(const struct dfp *p, size_t off, int *line, int *col)
{
	size_t i = 0;

	for (size_t k = 0; k < p->n_segs; k++)
		if (p->segs[k].off <= off)
			i = k;
	*line = p->segs[i].line;
	*col = p->segs[i].col + (int)(off - p->segs[i].off);
}

int dfp_fail(struct dfp *p, int line, int col, const char *fmt, ...)
{
	char what[LXR_ERR_MSG_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return lxr_fail(p->err, 0, "%s:%d:%d: %s", p->name, line, col, what);
}

int dfp_hint(int r, struct dfp *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err->hint, sizeof(p->err->hint), fmt, ap);
	va_end(ap);
	return r;
}
