/* Shared by the build layer's own files only. */
#ifndef LXR_BUILD_INTERNAL_H
#define LXR_BUILD_INTERNAL_H

#include "lxr/build.h"

/* Where a stretch of an instruction's joined text came from: continuation
 * lines are joined, so an offset in the text maps back to a line and a
 * column through these. */
struct dfp_seg {
	size_t off;
	int line, col;
};

struct dfp {
	const char *name;
	lxr_err *err;
	struct df_file *f;
	struct dfp_seg *segs;
	size_t n_segs, cap_segs;
};

/* err = "NAME:LINE:COL: what"; returns -1 */
int dfp_fail(struct dfp *p, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* attach a hint to the error just made; returns r */
int dfp_hint(int r, struct dfp *p, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* line and column of offset off in the instruction's joined text */
void dfp_pos(const struct dfp *p, size_t off, int *line, int *col);
/* Parse one instruction from its joined text, starting at offset off (0,
 * or past ONBUILD for a trigger). top: heredocs are allowed. */
int dfp_instruction(struct dfp *p, const char *text, size_t off, struct df_instr *in, bool top);

/* ---- running a build (exec.c, copy.c) ---------------------------------------- */
struct bldx_stage {
	bool done;
	char *base;         /* manifest digest of the image under it, NULL: scratch */
	char **base_layers; /* that image's layer directories, topmost first */
	char **new_layers;  /* layers the build made, bottom first */
	char key[72];       /* the cache key of the stage so far */
	char **triggers;    /* the base image's ONBUILD, run after FROM */
	struct bld_config cfg;
};

struct bldx_run {
	const struct bld_opts *o;
	struct bldx_stage *st;
	int n_layers, n_mounts;
	int use_fd[16];
	int n_use;
};

int bldx_fail(lxr_err *err, const struct df_file *f, const struct df_instr *in, const char *fmt,
	      ...) __attribute__((format(printf, 4, 5)));
/* the value of a flag (--link alone: "true"), NULL when not given */
const char *bldx_flag(const struct df_instr *in, const char *name);
/* a stage's layers, topmost first */
char **bldx_lowers(const struct bldx_stage *s);
void bldx_stage_free(struct bldx_stage *s);
void bldx_history(struct bld_config *c, const char *by, bool empty);
/* an image from the store (pulled when missing), held in use */
int bldx_from_image(struct bldx_run *r, const char *ref, struct bldx_stage *s, lxr_err *err);
/* a new empty layer directory in the work directory */
char *bldx_new_layer(struct bldx_run *r, lxr_err *err);
/* ---- the step cache (cache.c) ----
 * A step's key chains its parent's key, the instruction as written, the
 * stage's ARG values and (COPY/ADD) a digest of what it reads; the cache
 * keeps the step's layer under the key. */
void bldx_key(char key[72], const char *parent, const char *text, char *const *args,
	      const char *extra);
/* a cached layer for key: its directory (malloc'd) or NULL */
char *bldx_cache_get(struct bldx_run *r, const char *key);
/* keep a finished step's layer under key: *layer becomes the cached path */
int bldx_cache_put(struct bldx_run *r, const char *key, char **layer, lxr_err *err);
/* the step is done: its layer on the stage, its history, its key */
void bldx_step_done(struct bldx_stage *s, const struct df_instr *in, char *layer, const char *key,
		    bool cached, int n);

/* What a build's options add to every RUN container (runextras.c): its
 * /dev/shm size, an /etc/hosts with the extra hosts (host: the host's
 * network, whose /etc/hosts is the base) */
struct lxr_spec;
int bldx_run_extras(struct bldx_run *r, struct lxr_spec *spec, bool host, lxr_err *err);
/* After the step: what the bind of /etc/hosts made in its upper directory
 * (an empty file where the image had none, /etc copied up for it) is no
 * change of the step's, and is removed before the upper becomes a layer. */
void bldx_run_extras_undo(const struct bld_opts *o, const char *upper);

/* the value of named context NAME ("DIR" or "docker-image://REF"), or NULL */
const char *bldx_named_context(const struct bld_opts *o, const char *name);

/* COPY and ADD (copy.c) */
/* WORKDIR's directory, made (a layer of its own) when the image lacks it */
int bldx_workdir(struct bldx_run *r, struct bldx_stage *s, lxr_err *err);
int bldx_copy(struct bldx_run *r, struct bldx_stage *s, const struct df_instr *in, lxr_err *err);

#endif
