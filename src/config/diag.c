/* Diagnostics: every problem in a stack file is collected, none stops the
 * load, and all are printed together gcc style so editors can jump to them. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "config/config_internal.h"

/* The file names positions point to, for the life of the process: a
 * loaded stack's positions outlive the diagnostics of its load (a build's
 * warning names its file:line after the load was printed and freed), and
 * a process loads a handful of files, again and again when it reloads. */
static char **pos_files;

const char *cfg_diags_intern_file(struct cfg_diags *d, const char *file)
{
	(void)d;
	for (size_t i = 0; pos_files && pos_files[i]; i++)
		if (!strcmp(pos_files[i], file))
			return pos_files[i];
	lxr_strv_push(&pos_files, lxr_xstrdup(file));
	return pos_files[lxr_strv_len(pos_files) - 1];
}

void cfg_diag_add(struct cfg_ctx *c, struct cfg_pos pos, bool warning, const char *hint,
		  const char *fmt, ...)
{
	struct cfg_diags *d = c->diags;
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (c->where) {
		char *full = lxr_xasprintf("%s: %s", c->where, msg);
		free(msg);
		msg = full;
	}
	if (!pos.file)
		pos.file = c->file;
	/* once for a place: a value read again (an interpolated command
	 * looked at by two checks) says nothing new the second time */
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].warning == warning && d->v[i].pos.line == pos.line &&
		    d->v[i].pos.col == pos.col && !strcmp(d->v[i].msg, msg) &&
		    (d->v[i].pos.file == pos.file ||
		     (d->v[i].pos.file && pos.file && !strcmp(d->v[i].pos.file, pos.file))))
			return;
	d->v = lxr_xrealloc(d->v, (d->n + 1) * sizeof(*d->v));
	d->v[d->n] = (struct cfg_diag){
	    .pos = pos,
	    .warning = warning,
	    .msg = lxr_steal_ptr(&msg),
	    .hint = hint ? lxr_xstrdup(hint) : NULL,
	};
	d->n++;
	if (!warning)
		d->n_errors++;
}

static int pos_cmp(const void *a, const void *b)
{
	const struct cfg_diag *x = a, *y = b;

	if (x->pos.line != y->pos.line)
		return x->pos.line < y->pos.line ? -1 : 1;
	if (x->pos.col != y->pos.col)
		return x->pos.col < y->pos.col ? -1 : 1;
	return 0;
}

void cfg_diags_print(FILE *f, const struct cfg_diags *d)
{
	struct cfg_diag *v = lxr_xmalloc((d->n + 1) * sizeof(*v));

	/* File order reads best; insertion sort keeps problems found at one
	 * position in the order they were found (qsort would not). */
	if (d->n)
		memcpy(v, d->v, d->n * sizeof(*v));
	for (size_t i = 1; i < d->n; i++) {
		struct cfg_diag x = v[i];
		size_t j = i;
		while (j > 0 && pos_cmp(&v[j - 1], &x) > 0) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
	for (size_t i = 0; i < d->n; i++) {
		fprintf(f, "%s:%d:%d: %s: %s\n", v[i].pos.file ? v[i].pos.file : "?", v[i].pos.line,
			v[i].pos.col, v[i].warning ? "warning" : "error", v[i].msg);
		if (v[i].hint)
			fprintf(f, "  hint: %s\n", v[i].hint);
	}
	free(v);
}

void cfg_diags_truncate(struct cfg_diags *d, size_t n)
{
	while (d->n > n) {
		struct cfg_diag *x = &d->v[--d->n];
		d->n_errors -= !x->warning;
		free(x->msg);
		free(x->hint);
	}
}

void cfg_diags_free(struct cfg_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].msg);
		free(d->v[i].hint);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

const char *cfg_did_you_mean(const char *word, const char *const *cands, size_t n)
{
	return lxr_did_you_mean(word, cands, n, 0);
}
