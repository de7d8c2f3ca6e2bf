/* lxr config layer: views of a stack file beside its model, for `lxr
 * config` (src/config/written.c, variables.c; docs/stack-file.md): the
 * file merged but not normalized, with or without its variables resolved
 * (compose's --no-normalize, --no-interpolate), and the variables it
 * names (--variables). Asked for with cfg_load_opts.view. */
#ifndef LXR_CONFIG_VIEW_H
#define LXR_CONFIG_VIEW_H

#include <stdbool.h>
#include <stdio.h>

#include "lxr/config.h"

enum cfg_view {
	CFG_VIEW_MODEL, /* the typed model alone (every command but config) */
	/* st->written holds the tree as the -f merges, include, extends and
	 * !reset leave it, every value as written (`${VAR}` kept, no
	 * variable looked up); the model is not read, so st has no services
	 * and nothing past the file's structure is checked */
	CFG_VIEW_AS_WRITTEN,
	/* the same tree with its values interpolated, and the model read
	 * and checked as always */
	CFG_VIEW_MERGED,
};

/* st->written as a stack file: `name:` the project's, then the file's
 * keys in its order (include: and version: done with). Values as they
 * are: with CFG_VIEW_MERGED a literal '$' is written `$$`, so the output
 * loads again to the same. */
int cfg_stack_write_written(FILE *f, const struct cfg_stack *st, enum cfg_format fmt, lxr_err *err);

/* A variable the file names, as compose's config --variables lists it:
 * required when any reference to it is (`${V:?}`, `${V?}`), the default
 * (`${V:-D}`, `${V-D}`) and the alternate (`${V:+A}`, `${V+A}`) of the
 * first reference that gives one, as written. */
struct cfg_variable {
	char *name;
	bool required;
	char *default_value, *alternate_value; /* "" when none */
};
/* Every variable st->written names (loaded with CFG_VIEW_AS_WRITTEN), in
 * values only (keys are never interpolated), references in an operator's
 * text included, in name order. *out is freed with cfg_variables_free. */
void cfg_stack_variables(const struct cfg_stack *st, struct cfg_variable **out, size_t *n);
void cfg_variables_free(struct cfg_variable *v, size_t n);

#endif
