/* Shared by the build layer's own files only. */
#ifndef LXR_BUILD_INTERNAL_H
#define LXR_BUILD_INTERNAL_H

#include <sys/stat.h>

#include "lxr/build.h"
#include "lxr/spec.h"

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

/* ---- positions and errors (dfpos.c) ---- */
/* the joined text from offset off on came from line:col */
void dfp_seg_add(struct dfp *p, size_t off, int line, int col);
/* err = "NAME:LINE:COL: what"; returns -1 */
int dfp_fail(struct dfp *p, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* attach a hint to the error just made; returns r */
int dfp_hint(int r, struct dfp *p, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* line and column of offset off in the instruction's joined text */
void dfp_pos(const struct dfp *p, size_t off, int *line, int *col);

/* ---- one instruction's word, flags and arguments (dfargs.c) ---- */
/* Parse one instruction from its joined text, starting at offset off (0,
 * or past ONBUILD for a trigger). top: heredocs are allowed. */
int dfp_instruction(struct dfp *p, const char *text, size_t off, struct df_instr *in, bool top);

/* ---- running a build (execute.c, stage_build.c, stage_state.c) ------------------------- */
struct bldx_stage {
	bool done;
	char *base;         /* manifest digest of the image under it, NULL: scratch */
	char **base_layers; /* that image's layer directories, topmost first */
	char **new_layers;  /* layers the build made, bottom first */
	char key[72];       /* the cache key of the stage so far */
	char **triggers;    /* the base image's ONBUILD, run after FROM */
	struct bld_config cfg;
};

/* a --secret's value, read when the build starts */
struct bldx_secret {
	char *id;
	char *value;
	size_t len;
};

struct bldx_run {
	const struct bld_opts *o;
	struct bldx_stage *st;
	int n_layers, n_mounts;
	int use_fd[16];
	int n_use;
	struct bldx_secret *secrets;
	size_t n_secrets;
	char *secret_dir; /* a tmpfs of the build's own, made at first use */
	const char *tag;  /* before each step's line: "" or "[stage NAME] " */
};

/* one stage, FROM to its end (stage_build.c) */
int bldx_do_stage(struct bldx_run *r, size_t si, lxr_err *err);
/* the build's SIGINT/SIGTERM/SIGHUP handler, and the signal it got (0:
 * none) (stage_state.c) */
void bldx_on_stop(int sig);
int bldx_stop_signal(void);
/* -1 with err saying the build was interrupted once a signal came, else 0 */
int bldx_stopped(lxr_err *err);
/* Stages that need no other between them built side by side, each in a
 * child process filling the step cache, before the build runs in order
 * and finds every step of theirs cached (parallel.c). Nothing to do
 * without a cache, with --no-cache or a no-cache filter, or when no two
 * stages are independent. */
int bldx_prebuild(struct bldx_run *r, lxr_err *err);

/* ---- RUN (step_run.c) and its --mount (mounts.c) ---- */
int bldx_run_step(struct bldx_run *r, struct bldx_stage *s, const struct df_instr *in,
		  lxr_err *err);
struct bldx_mounts {
	struct bld_mount *v;
	size_t n;
	char **targets; /* absolute, clean, one per mount */
	char **created; /* mount points the step makes in its layer, parents first */
	char **views;   /* overlays and binds to unmount after */
	char **dirs;    /* work directories to remove after */
	char **env;     /* secrets' env=: "NAME=VALUE" */
	int locks[16];  /* cache mounts held (sharing=locked, private) */
	int n_locks;
};
/* The step's --mount flags, substituted and parsed; *key gets what the
 * cache key must add (a bind's source content or stage). Errors carry the
 * flag's position. */
int bldx_mounts_parse(struct bldx_run *r, struct bldx_stage *s, const struct df_instr *in,
		      struct bldx_mounts *m, char **key, lxr_err *err);
/* Make what the mounts need (views, cache directories, secret files) and
 * add them to spec. */
int bldx_mounts_apply(struct bldx_run *r, struct bldx_stage *s, const struct df_instr *in,
		      struct bldx_mounts *m, struct lxr_spec *spec, lxr_err *err);
/* After the step: the empty mount points it made leave its layer (upper,
 * the container's upper directory), as docker removes them. */
void bldx_mounts_tidy(const struct bldx_mounts *m, const char *upper);
/* Unmount, unlock and remove what apply made; free m. */
void bldx_mounts_release(struct bldx_mounts *m);
int bldx_secrets_load(struct bldx_run *r, lxr_err *err);
void bldx_secrets_free(struct bldx_run *r);

/* ---- a stage's state (stage_state.c) ---- */
/* err as the instruction's error: "FILE:LINE:COL: what" */
int bldx_fail(lxr_err *err, const struct df_file *f, const struct df_instr *in, const char *fmt,
	      ...) __attribute__((format(printf, 4, 5)));
/* the value of a flag (--link alone: "true"), NULL when not given */
const char *bldx_flag(const struct df_instr *in, const char *name);
/* a stage's layers, topmost first */
char **bldx_lowers(const struct bldx_stage *s);
void bldx_stage_free(struct bldx_stage *s);
/* to as a copy of from (FROM a stage) */
void bldx_config_copy(struct bld_config *to, const struct bld_config *from);
void bldx_history(struct bld_config *c, const char *by, bool empty);
/* an image from the store (pulled when missing), held in use */
int bldx_from_image(struct bldx_run *r, const char *ref, struct bldx_stage *s, lxr_err *err);
/* a new empty layer directory in the work directory */
char *bldx_new_layer(struct bldx_run *r, lxr_err *err);
/* p as an absolute, clean path (relative: under base, NULL "/"); ".."
 * stops at "/" */
char *bldx_clean_abs(const char *base, const char *p);
/* whether the stage's filesystem has path (absolute, clean), and a
 * directory there */
bool bldx_stage_has(const struct bldx_stage *s, const char *path);
/* what the stage's filesystem has at path (the topmost layer with the name
 * decides; a whiteout: nothing), into st */
bool bldx_stage_stat(const struct bldx_stage *s, const char *path, struct stat *st);
bool bldx_stage_is_dir(const struct bldx_stage *s, const char *path);
/* ---- the step cache (cache.c) ----
 * A step's key chains its parent's key, the instruction as written, the
 * stage's ARG values and (COPY/ADD) a digest of what it reads; the cache
 * keeps the step's layer under the key. */
void bldx_key(char key[72], const char *parent, const char *text, char *const *args,
	      const char *extra);
/* a cached layer for key: its directory (malloc'd) or NULL; where a rerun
 * sent the key on (".KEY.next"), key becomes the one it names */
char *bldx_cache_get(struct bldx_run *r, const struct bldx_stage *s, char *key);
/* keep a finished step's layer under key: *layer becomes the cached path;
 * a step run on purpose over a cached key is kept under a new one, which
 * key becomes */
int bldx_cache_put(struct bldx_run *r, const struct bldx_stage *s, char *key, char **layer,
		   lxr_err *err);
/* the step is done: its layer on the stage, its history, its key */
void bldx_step_done(const struct bldx_run *r, struct bldx_stage *s, const struct df_instr *in,
		    char *layer, const char *key, bool cached, int n);

/* ADD's URLs and archives (addurl.c) */
bool bldx_is_url(const char *s);
bool bldx_is_git(const char *s);
char *bldx_url_name(const char *url);
/* url downloaded into file name in dir (a new directory of the work dir), its
 * digest checked against --checksum */
int bldx_url_fetch(struct bldx_run *r, const struct df_instr *in, const char *url, char **dir,
		   char **name, char digest[72], lxr_err *err);
/* whether ADD's local source path (in root) is a tar, plain or compressed,
 * which ADD unpacks (*yes); -1 with err when that cannot be told */
int bldx_add_is_archive(struct bldx_run *r, int root, const char *path, bool *yes, lxr_err *err);
/* ADD's sources srcs[0..n): each URL downloaded (*dirs, *names by index,
 * NULL for the others) and its cache key part (*keys); a git source is
 * refused, --checksum checked */
int bldx_add_urls(struct bldx_run *r, const struct df_instr *in, char **srcs, size_t n,
		  char ***dirs, char ***names, char ***keys, lxr_err *err);
/* What a build's options add to every RUN container (opts_apply.c): its
 * /dev/shm size, an /etc/hosts with the extra hosts (host: the host's
 * network, whose /etc/hosts is the base; on the default bridge the step's
 * endpoint writes them), its rlimits */
struct lxr_spec;
int bldx_run_extras(struct bldx_run *r, struct lxr_spec *spec, enum bld_network net, lxr_err *err);
/* After the step: what the bind of /etc/hosts made in its upper directory
 * (an empty file where the image had none, /etc copied up for it) is no
 * change of the step's, and is removed before the upper becomes a layer. */
void bldx_run_extras_undo(const struct bld_opts *o, const char *upper);

/* bld_request.ulimits as rlimits (*out grown, *n counted); -1 with err on
 * a bad one (opts_apply.c) */
struct lxr_rlimit;
int bldx_ulimits_parse(char *const *in, struct lxr_rlimit **out, size_t *n, lxr_err *err);
/* the stage a no-cache filter names (its name, or its index), or -1 */
int bldx_stage_named(const struct bld_plan *p, const char *name);
/* whether s is a stage the build's no-cache filter names */
bool bldx_stage_no_cache(const struct bldx_run *r, const struct bldx_stage *s);

/* the value of named context NAME ("DIR" or "docker-image://REF"), or NULL */
const char *bldx_named_context(const struct bld_opts *o, const char *name);

/* COPY and ADD (step_copy.c) */
/* a merged view of layers lw (topmost first) in the build's mount
 * namespace: read-only, or writable with changes thrown away; *at is its
 * directory, to unmount after */
int bldx_mount_view(struct bldx_run *r, char *const *lw, bool writable, char **at, lxr_err *err);
/* the layers of a stage (name or number) or an image (pulled when
 * missing), and what identifies them in a cache key */
int bldx_from_layers(struct bldx_run *r, const char *name, char ***lw, char key[72], lxr_err *err);
/* src of from (a path or glob) copied into directory dirfd as COPY SRC /
 * would: a directory's contents, a file by its name, owners root */
int bldx_copy_tree(struct bldx_run *r, const struct df_instr *in, struct bld_context *from,
		   const char *src, int dirfd, lxr_err *err);
/* The root COPY, ADD and WORKDIR write through: the stage's layers as an
 * overlay over the new layer (its upper directory), mounted nowhere (the
 * descriptor returned, to close before the layer is used); the layer
 * itself when the stage has none (layer_root.c) */
int bldx_layer_root(struct bldx_run *r, const struct bldx_stage *s, const char *layer,
		    lxr_err *err);
/* path (absolute) with every link in it followed inside root, the last one
 * too (BuildKit's RootPath: a COPY destination); what does not exist is
 * kept as written. NULL with err on a link loop. */
char *bldx_root_resolve(int root, const char *path, lxr_err *err);
/* whether path is a directory in root, links followed inside it */
bool bldx_root_is_dir(int root, const char *path);
/* Where one COPY source lands: below dst as its path from the --parents
 * pivot (kept), dst itself for a directory's contents or a single file
 * named so, else dst/bn */
char *bldx_dest_top(const char *dst, const char *kept, bool isdir, bool dest_dir, const char *bn);
/* --parents: how many components of a source before its `/./` are
 * dropped, and path past n components */
size_t bldx_pivot_depth(const char *arg);
const char *bldx_skip_components(const char *path, size_t n);
/* WORKDIR's directory, made (a layer of its own) when the image lacks it */
int bldx_workdir(struct bldx_run *r, struct bldx_stage *s, lxr_err *err);
int bldx_copy(struct bldx_run *r, struct bldx_stage *s, const struct df_instr *in, lxr_err *err);

/* A git build context (cfg_context_is_git): clone it into a temporary directory of the build store
 * (*dir, which the caller removes) without its .git; *context: the directory to build. */
int bld_git_fetch(const char *ref, char **dir, char **context, lxr_err *err);

#endif
