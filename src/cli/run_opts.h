/* `lxr run` options -> a one-service stack -> its plan. */
#ifndef LXR_CLI_RUN_OPTS_H
#define LXR_CLI_RUN_OPTS_H

#include <getopt.h>
#include <jansson.h>

#include "lxr/config.h"
#include "lxr/plan.h"
#include "lxr/runtime.h"

struct run_opts {
	bool rm, detach, interactive, tty;
	bool create;      /* docker create: made, started later by lxr start */
	bool publish_all; /* -P: every exposed port, on a free host port */
	bool started;     /* its container was made: what it leaves is its own */
	bool plan_only;   /* inspect: planned, nothing made (no volume mounted) */
	int pull;         /* --pull's img_pull_policy, | IMG_PULL_QUIET with -q */
	char *cidfile;    /* --cidfile (run_cidfile_claim) */
	char *name;
	char *image;           /* a reference, or a root filesystem's absolute path */
	char *network;         /* --network as given (NULL: bridge); see run_net.h */
	char *image_id;        /* the image's ID once planned (an image, not a rootfs) */
	struct img_image *img; /* the image once planned; NULL: a rootfs */
	char *cwd;             /* relative paths' base; NULL: the working directory */
	/* the service as the stack file would write it (run_opts.c), which
	 * run_stack.c loads and plans */
	json_t *svc;
	json_t *volumes;         /* top-level volumes (-v NAME:/path), or NULL */
	char **volumes_from;     /* --volumes-from NAME[:ro|:rw], as given */
	struct cfg_stack *stack; /* the one-service stack svc was loaded into */
	/* compose run: the one-off's service, and stack the whole stack */
	const char *service;
	struct plan_instance plan;
};

/* Parse argv (after "run") and plan the container. Returns 0, 1 for --help
 * printed, or -1 with err (a usage error, or what the plan refused), or
 * RUN_OPTS_NOT_TTY with err: -it in the foreground with a stdin that is no
 * terminal, which docker's CLI refuses with exit code 1. */
#define RUN_OPTS_NOT_TTY (-2)
int run_opts_parse(int argc, char **argv, struct run_opts *o, lxr_err *err);
void run_opts_free(struct run_opts *o);
/* A container's name as docker takes it ([a-zA-Z0-9][a-zA-Z0-9_.-]*, 128
 * at most), which is also the name of its directory. */
bool run_opts_name_valid(const char *s);
/* The stack loader reads the options as YAML, which is UTF-8: an argument
 * that is not could not be passed on (nor dropped in silence). */
bool run_arg_utf8(const char *s);
/* o->svc as a one-service stack, loaded and validated by the stack loader,
 * planned by plan_instance_build (the image resolved, pulled when missing,
 * and held in use for this process's life), then carried the way `lxr run`
 * carries a container: its own name, the "_run" group, --rm, -t, -i. */
int run_stack_plan(struct run_opts *o, lxr_err *err);
/* Keep im (emptied) as o->img, the image the plan was made from. */
struct img_image;
void run_keep_image(struct run_opts *o, struct img_image *im);
/* The service's keys as options write them: a value (a literal `$` is
 * `$$`, as the loader interpolates), a key set, an item added to a list. */
json_t *run_lit(const char *v);
void run_set(struct run_opts *o, const char *key, json_t *v);
void run_push(struct run_opts *o, const char *key, json_t *v);
/* One field of a CSV option (docker reads --mount and --gpus as CSV: a
 * field may be quoted, "" inside quotes is one quote); *p moves past its
 * comma. malloc'd (run_mounts.c) */
char *run_csv_field(const char **p);
/* A named volume mounted as the long syntax entry v says (type, target,
 * read_only, volume: ...): lxr's volume NAME, made if missing, or a stack's
 * own volume by compose's name <project>_<name>. Takes v. */
int run_named_volume(struct run_opts *o, const char *name, json_t *v, lxr_err *err);
/* docker's -v, --tmpfs and --mount, as the Compose entries they mean
 * (run_mounts.c) */
int run_parse_volume(struct run_opts *o, const char *arg, lxr_err *err);
int run_parse_tmpfs(struct run_opts *o, const char *arg, lxr_err *err);
int run_parse_mount(struct run_opts *o, const char *arg, lxr_err *err);
/* --volumes-from: each container's volumes and binds, at the targets no
 * other option mounts on (run_mounts.c; once every option is read) */
int run_volumes_from(struct run_opts *o, lxr_err *err);
/* docker run's options beyond those (run_flags.c): each writes the Compose
 * key it means. run_flags_parse returns 1 when c is not one of them;
 * run_flags_finish checks what only the whole command line shows. */
extern const struct option run_flags_longopts[];
int run_flags_parse(struct run_opts *o, int c, const char *arg, lxr_err *err);
/* lxr run --help's text (run_usage.c) */
void run_usage_print(FILE *f);
int run_flags_finish(struct run_opts *o, lxr_err *err);
/* --cidfile: made with the container's name before the plan makes
 * anything (it must not exist, as docker has it), and removed if the plan
 * or the start fails */
int run_cidfile_claim(struct run_opts *o, lxr_err *err);
void run_cidfile_drop(struct run_opts *o);
/* The container's process as `lxr run` starts it: a layer of its own (gone
 * with --rm), a terminal with -t (TERM=xterm unless set), stdin with -i. */
void run_carry_process(struct run_opts *o);
/* With --rm, once the container it started is gone: its anonymous volumes
 * (docker run --rm's and compose run --rm's rule), +anon/<name> of its
 * project. */
void run_anon_volumes_drop(struct run_opts *o);
/* A kept container (no --rm) started again (run_keep.c): run_keep_text is
 * the planned run as `lxr start` takes it (NULL with --rm), which
 * run_keep_write puts in container name's directory once it is made.
 * run_keep_start runs it again detached, on its writable layer (an exit
 * code; the error printed). */
char *run_keep_text(const struct run_opts *o);
void run_keep_write(const char *name, const char *text);
bool run_keep_exists(const char *name);
/* docker diff of a kept container that does not run (rt_fs_diff) */
int run_keep_diff(const char *name, char *const *skip, char ***out, lxr_err *err);
/* A kept container that does not run: its writable layer and the layers
 * under it, topmost first (lxr commit) */
int run_keep_layers(const char *name, char **upper, char ***lowers, lxr_err *err);
/* whether an lxr run (or compose run) container of that name has its
 * directory, running or not */
bool run_kept_dir(const char *name);
/* A kept container's filesystem while it does not run (its image under its
 * writable layer, rt_container_fs_open), for cp; -1 with err */
int run_keep_fs_open(const char *name, lxr_err *err);
/* A kept foreground container's last ps record (SUP_RUN_EXITED), as a -d
 * one's supervisor leaves it: its exit code, image, command and times */
void run_keep_exited(const struct run_opts *o, int code, int64_t created);
/* ... and a created one's (docker create), until it starts */
void run_keep_created(const struct run_opts *o);
/* The images the kept containers will start on (rmi and image prune leave
 * them), freed with run_keep_holds_free */
struct img_holds;
void run_keep_holds(struct img_holds *h);
void run_keep_holds_free(struct img_holds *h);
/* The kept container that mounts lxr's volume (caller frees), or NULL:
 * volume rm and prune leave it, as docker's leave a stopped container's */
char *run_keep_volume_holder(const char *volume);
int run_keep_start(const char *name);
/* docker inspect of a kept container no supervisor looks after (one in
 * the foreground of its `lxr run`, or ended there, or made by lxr
 * create): its plan made again from its record, its state from its
 * directory. NULL with err (ESRCH: no record). */
json_t *run_keep_inspect(const char *name, lxr_err *err);
/* docker create where no stack file is: the container made and kept,
 * not started (cmd_run.c) */
int cli_run_create(int argc, char **argv);

#endif
