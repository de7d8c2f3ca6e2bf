/* One stage built: FROM (an image, a stage, scratch), the base image's
 * ONBUILD triggers, then each instruction in order: RUN (step_run.c),
 * COPY and ADD (step_copy.c), the others into the stage's config. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "build/build_internal.h"

static int do_from(struct bldx_run *r, size_t si, lxr_err *err)
{
	const struct bld_stage *bs = &r->o->plan->stages[si];
	struct bldx_stage *s = &r->st[si];

	if (bs->base_stage >= 0) {
		const struct bldx_stage *b = &r->st[bs->base_stage];
		s->base = b->base ? lxr_xstrdup(b->base) : NULL;
		s->base_layers = b->base_layers ? lxr_strv_dup(b->base_layers) : NULL;
		s->new_layers = b->new_layers ? lxr_strv_dup(b->new_layers) : NULL;
		bldx_config_copy(&s->cfg, &b->cfg);
		memcpy(s->key, b->key, sizeof(s->key));
		return 0;
	}
	if (!strcmp(bs->base, "scratch")) {
		bld_config_init(&s->cfg, NULL);
		bldx_key(s->key, "", "FROM scratch", NULL, NULL);
		return 0;
	}
	if (bldx_from_image(r, bs->base, s, err) < 0)
		return bldx_fail(err, r->o->f, &r->o->f->v[bs->first], "FROM %s: %s", bs->base,
				 err->msg);
	/* the image's manifest digest: a moved tag is another base */
	bldx_key(s->key, "", "FROM", NULL, s->base);
	return 0;
}

static int step(struct bldx_run *r, struct bldx_stage *s, const struct df_instr *in, lxr_err *err)
{
	int rc;

	switch (in->kind) {
	case DF_RUN: return bldx_run_step(r, s, in, err);
	case DF_COPY:
	case DF_ADD: return bldx_copy(r, s, in, err);
	default:
		rc = bld_config_apply(&s->cfg, r->o->f, in, r->o->build_args, r->o->plan->meta_args,
				      err);
		bldx_key(s->key, s->key, in->original, s->cfg.args, NULL);
		if (rc == 0 && in->kind == DF_WORKDIR)
			rc = bldx_workdir(r, s, err);
		return rc;
	}
}

/* docker: a build FROM an image with ONBUILD triggers runs them first,
 * in order, and the new image does not carry them on */
static int triggers(struct bldx_run *r, struct bldx_stage *s, const char *image, lxr_err *err)
{
	for (size_t i = 0; s->triggers && s->triggers[i]; i++) {
		_cleanup_free_ char *text = lxr_xasprintf("FROM scratch\n%s\n", s->triggers[i]);
		struct df_file f;
		int rc;

		if (df_parse(r->o->f->name, text, strlen(text), &f, err) < 0 || f.n != 2)
			return lxr_err_wrap(err, "ONBUILD trigger `%s` of %s", s->triggers[i],
					    image);
		rc = step(r, s, &f.v[1], err);
		df_file_free(&f);
		if (rc < 0)
			return lxr_err_wrap(err, "ONBUILD trigger `%s` of %s", s->triggers[i],
					    image);
	}
	return 0;
}

int bldx_do_stage(struct bldx_run *r, size_t si, lxr_err *err)
{
	const struct bld_stage *bs = &r->o->plan->stages[si];
	struct bldx_stage *s = &r->st[si];

	if (bldx_stopped(err) < 0 || do_from(r, si, err) < 0 || triggers(r, s, bs->base, err) < 0)
		return -1;
	for (size_t i = bs->first + 1; i < bs->end; i++)
		if (bldx_stopped(err) < 0 || step(r, s, &r->o->f->v[i], err) < 0)
			return -1;
	s->done = true;
	return 0;
}
