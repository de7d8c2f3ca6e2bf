/* lxr build layer: building images from Dockerfiles (docs/building.md).
 *
 * The Dockerfile parser is pure: text in, a typed list of instructions out,
 * each with its position, or one error "FILE:LINE:COL: what" with a hint.
 * It reads the language as docker's builder (BuildKit's frontend) does:
 * parser directives, the escape character and line continuations, comments,
 * heredocs, exec (JSON) and shell forms, instruction flags, ONBUILD.
 * Variable substitution is not done while parsing, because its values come
 * from ARG and ENV at build time: df_expand() does it, on the instructions
 * docker does it on (df_kind_expands()). */
#ifndef LXR_BUILD_H
#define LXR_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "lxr/image.h"
#include "lxr/util.h"

struct lxr_rlimit;

enum df_kind {
	DF_ADD,
	DF_ARG,
	DF_CMD,
	DF_COPY,
	DF_ENTRYPOINT,
	DF_ENV,
	DF_EXPOSE,
	DF_FROM,
	DF_HEALTHCHECK,
	DF_LABEL,
	DF_MAINTAINER,
	DF_ONBUILD,
	DF_RUN,
	DF_SHELL,
	DF_STOPSIGNAL,
	DF_USER,
	DF_VOLUME,
	DF_WORKDIR,
};
/* "RUN", "COPY", ... */
const char *df_kind_name(enum df_kind k);
/* Whether docker substitutes ${VAR} in this instruction's arguments (ADD,
 * COPY, ENV, EXPOSE, FROM, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR, ARG's
 * defaults, ONBUILD's trigger when it runs). RUN, CMD, ENTRYPOINT, SHELL
 * and HEALTHCHECK leave `$` to the shell. */
bool df_kind_expands(enum df_kind k);

/* `--name=value`, or `--name` alone (value NULL: --link, --no-cache). */
struct df_flag {
	char *name; /* without the dashes */
	char *value;
	int line, col;
};

/* ENV, LABEL and ARG's pairs, words as written (quotes and escapes kept:
 * df_expand removes them). ARG's value is NULL without a default. */
struct df_kv {
	char *key;
	char *value;
};

/* `<<EOF` ... `EOF` after RUN, COPY or ADD. */
struct df_heredoc {
	char *name;  /* the delimiter word */
	char *body;  /* the lines between, each with its newline */
	bool expand; /* unquoted delimiter: ${VAR} in the body is substituted */
	bool chomp;  /* `<<-`: leading tabs were stripped from every line */
};

/* Whether word (a RUN command or COPY source as written) is h's opening
 * `<<NAME`, `<<-NAME`, `<<"NAME"` or `<<'NAME'`. */
bool df_heredoc_word(const struct df_heredoc *h, const char *word);

struct df_instr {
	enum df_kind kind;
	int line, col;  /* where the instruction word starts */
	int end_line;   /* its last line (continuations and heredocs included) */
	char *original; /* the instruction as written, continuations joined */
	struct df_flag *flags;
	size_t n_flags;
	/* RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK CMD: exec form when json
	 * (args is the array), else args is one string, the command line.
	 * COPY, ADD, VOLUME: sources then destination (JSON or words).
	 * FROM: image [AS name] as words ("AS" dropped: see from_name).
	 * EXPOSE: ports. USER, WORKDIR, STOPSIGNAL, MAINTAINER: one string.
	 * HEALTHCHECK NONE: args is empty and health_none is set. */
	bool json;
	char **args;
	struct df_kv *kv; /* ENV, LABEL, ARG */
	size_t n_kv;
	struct df_heredoc *heredocs;
	size_t n_heredocs;
	char *from_name;          /* FROM ... AS name, lowercased; NULL without */
	bool health_none;         /* HEALTHCHECK NONE */
	struct df_instr *trigger; /* ONBUILD's instruction */
};

struct df_file {
	char *name;   /* as given to df_parse, for messages */
	char escape;  /* '\\' or '`' (# escape=) */
	char *syntax; /* # syntax= as written, NULL without; lxr ignores it */
	struct df_instr *v;
	size_t n;
};

/* Parse a Dockerfile. name is what messages call it. On error, err's
 * message is "NAME:LINE:COL: what" and its hint says what to do; *out is
 * left empty. */
int df_parse(const char *name, const char *text, size_t len, struct df_file *out, lxr_err *err);
void df_file_free(struct df_file *f);
void df_instr_free(struct df_instr *i);

/* ---- variable substitution ---------------------------------------------
 * docker's word processing (its shell lexer): quotes are removed ('...'
 * literal, "..." substituting), the escape character takes the next one
 * literally, and $VAR, ${VAR}, ${VAR:-word}, ${VAR-word}, ${VAR:+word},
 * ${VAR+word}, ${VAR:?message}, ${VAR?message} are substituted; an unset
 * variable is empty. lookup returns NULL for an unset variable. On error
 * (an unterminated quote or ${, a bad modifier, ${VAR?}), err names the
 * column inside word. */
typedef const char *(*df_lookup_fn)(const char *name, void *ctx);
int df_expand(const char *word, char escape, df_lookup_fn lookup, void *ctx, char **out,
	      lxr_err *err);
/* The body of a heredoc with an unquoted delimiter (COPY <<EOF): the same
 * substitution and `\` escapes, but quotes are kept as written, as
 * BuildKit expands it (SkipProcessQuotes). */
int df_expand_raw(const char *text, df_lookup_fn lookup, void *ctx, char **out, lxr_err *err);
/* The same, splitting the result into words at unquoted blanks (EXPOSE),
 * a substituted value outside quotes too (BuildKit's ProcessWords), an
 * empty one being no word. *out is a NULL-terminated vector. */
int df_expand_words(const char *text, char escape, df_lookup_fn lookup, void *ctx, char ***out,
		    lxr_err *err);

/* ---- stages -------------------------------------------------------------
 * What a build of f runs, before anything is run (plan, then execute):
 * the stages, each FROM substituted with the ARGs before the first FROM
 * (--build-arg over their defaults, and docker's predefined platform ARGs),
 * which stage or image each FROM and COPY --from names, and which stages
 * the target needs. Errors carry the Dockerfile position. */
struct bld_stage {
	size_t first, end; /* f->v[first] is the FROM; the stage runs to end (excl.) */
	char *name;        /* FROM ... AS name (lowercased), NULL without */
	char *base;        /* the FROM image, substituted ("scratch" for none) */
	int base_stage;    /* a previous stage FROM names, else -1 */
	int *copy_from;    /* stages this one's COPY --from names (n_copy_from) */
	size_t n_copy_from;
	bool needed; /* the target is this stage or depends on it */
};

struct bld_plan {
	struct bld_stage *stages;
	size_t n;
	size_t target;      /* the stage to build: --target, else the last */
	char **meta_args;   /* "K=V": the ARGs before the first FROM, with values */
	char **unused_args; /* --build-arg names no ARG declares (docker warns) */
	/* "Dockerfile:L:C: ..." for a global ARG a stage uses without declaring
	 * it, and a FROM variable no global ARG declares (BuildKit's
	 * UndefinedVar and UndefinedArgInFrom checks) */
	char **warnings;
};

/* build_args: "K=V" (or "K": the value from the environment, as docker
 * takes it; unset there means not given). target NULL: the last stage. */
int bld_plan_make(const struct df_file *f, char *const *build_args, const char *target,
		  struct bld_plan *out, lxr_err *err);
void bld_plan_free(struct bld_plan *p);
/* Which stages can be built side by side, as BuildKit builds them: wave[s]
 * (p->n entries) is 0 for a needed stage that needs no other, else one
 * more than the latest wave of a stage it needs (FROM, COPY --from,
 * RUN --mount from=); -1 for a stage not needed. Returns how many waves. */
int bld_plan_waves(const struct bld_plan *p, int *wave);
/* The value of "K=V" entry K in v, NULL when absent. */
const char *bld_env_get(char *const *v, const char *key);
/* Set KEY=VAL in a KEY=VAL vector, replacing KEY's entry or appending. */
void bld_env_set(char ***v, const char *key, const char *val);
/* df_lookup_fn over a "K=V" vector (ctx). */
const char *bld_env_lookup(const char *name, void *v);

/* ---- .dockerignore ------------------------------------------------------
 * docker's rules: one pattern a line, blanks trimmed; `#` starts a comment
 * line; `!` makes an exception that brings matching paths back; a pattern
 * is cleaned (`./a//b/` is `a/b`, a leading `/` dropped) and matched
 * against the whole path relative to the context with `*` and `?` (never
 * crossing `/`), `[...]` classes, `\` escapes and `**` (any number of
 * directories, none too); a pattern that matches a directory matches
 * everything in it; the last pattern that matches a path decides. */
struct bld_ignore_pat {
	char *pat;
	bool exception; /* `!pattern` */
	int line;
};
struct bld_ignore {
	struct bld_ignore_pat *v;
	size_t n;
};
int bld_ignore_parse(const char *name, const char *text, size_t len, struct bld_ignore *out,
		     lxr_err *err);
void bld_ignore_free(struct bld_ignore *ig);
/* Whether path (relative to the context, `/`-separated, clean) is left out. */
bool bld_ignore_match(const struct bld_ignore *ig, const char *path);
/* Whether a walk must still enter directory dir that is left out, because
 * an exception could bring back something below it (docker's rule). */
bool bld_ignore_may_reinclude(const struct bld_ignore *ig, const char *dir);
/* Go's filepath.Match, as COPY's sources and .dockerignore use it ("**"
 * as in .dockerignore when dstar): `*`, `?`, `[...]`, `[^...]`, `\`. */
bool bld_glob_match(const char *pat, const char *path, bool dstar);

/* ---- the build context ----------------------------------------------------
 * The directory COPY and ADD read from, as the host's: every path is
 * resolved inside it (openat2 RESOLVE_IN_ROOT: `..` and symlinks cannot
 * leave it, so a link to /etc/passwd names CONTEXT/etc/passwd), files below
 * a source directory are listed without following any symlink (a link is
 * copied as a link), and what .dockerignore leaves out does not exist. */
struct bld_context;
/* dockerfile: the path of the Dockerfile, whose DOCKERFILE.dockerignore
 * is read in place of DIR/.dockerignore when there is one (BuildKit's);
 * NULL for none (an inline Dockerfile, a named context). */
int bld_context_open(const char *dir, const char *dockerfile, struct bld_context **out,
		     lxr_err *err);
/* The same for a tree that is no build context (COPY --from's view of a
 * stage or image): no .dockerignore applies. */
int bld_context_open_root(const char *dir, struct bld_context **out, lxr_err *err);
void bld_context_close(struct bld_context *c);
int bld_context_fd(const struct bld_context *c);

struct bld_ctx_file {
	char *rel;   /* below the source: "" for the source itself, else "a/b" */
	mode_t mode; /* lstat's: type and permissions */
	uid_t uid;
	gid_t gid;
	off_t size;
	struct timespec mtime;
	char *link; /* a symlink's target, as written */
};
struct bld_source {
	char *path;                 /* clean, relative to the context ("." for all of it) */
	struct bld_ctx_file *files; /* the source first, then below it, sorted */
	size_t n;
};
/* The sources one COPY/ADD source argument names: a path, or a glob (Go's
 * filepath.Match per component, as docker's COPY) matched against every
 * path the context has. ENOENT, naming the argument, when nothing is; a
 * glob matching nothing is no source at all when empty_ok (COPY's
 * `yarn.lock*`: BuildKit's AllowEmptyWildcard). */
int bld_context_sources(struct bld_context *c, const char *arg, bool empty_ok,
			struct bld_source **out, size_t *n, lxr_err *err);
void bld_sources_free(struct bld_source *v, size_t n);
/* sha256 over the sources' paths, types, permissions, link targets and
 * contents: a COPY step's cache key part (owners are left out: --chown
 * decides them in the image). */
int bld_sources_digest(struct bld_context *c, const struct bld_source *v, size_t n, char out[72],
		       lxr_err *err);

/* ---- the image config a stage builds up ------------------------------------
 * What ENV, ARG, LABEL, WORKDIR, USER, EXPOSE, VOLUME, CMD, ENTRYPOINT,
 * SHELL, STOPSIGNAL, HEALTHCHECK, ONBUILD and MAINTAINER do to the image's
 * config, with docker's substitution and rules (WORKDIR relative to the
 * last one; ENTRYPOINT clears a CMD the base image set; EXPOSE 80 is
 * 80/tcp, a range is each port), and one history entry per instruction
 * that changes the config (ARG adds none, as with BuildKit). */
struct bld_history {
	char *created_by; /* the instruction as written */
	bool empty_layer;
};
struct bld_config {
	struct img_config img;
	char **labels;  /* "K=V", a later one replacing */
	char **volumes; /* paths, each once */
	char **shell;   /* SHELL; NULL: ["/bin/sh", "-c"] */
	char **onbuild; /* triggers, as written */
	char *author;   /* MAINTAINER */
	char **args;    /* this stage's ARGs with values, "K=V" (RUN's env) */
	bool cmd_set;   /* CMD given in this stage, not inherited */
	struct bld_history *history;
	size_t n_history;
};
/* Start a stage from its base's config (NULL: scratch). */
void bld_config_init(struct bld_config *c, const struct img_config *base);
void bld_config_free(struct bld_config *c);
/* Apply one instruction (not FROM, RUN, COPY, ADD). build_args as for
 * bld_plan_make; meta = bld_plan.meta_args, whose value an ARG without a
 * default in the stage takes (docker's rule). Errors carry the position. */
int bld_config_apply(struct bld_config *c, const struct df_file *f, const struct df_instr *in,
		     char *const *build_args, char *const *meta, lxr_err *err);
/* The variables substitution sees at this point: the stage's ARGs, then
 * ENV over them (borrowed strings, for df_expand's lookup ctx). */
const char *bld_config_lookup(const char *name, void *c);
/* The shell form's argv: SHELL (or /bin/sh -c) + the command line. */
char **bld_config_shell_args(const struct bld_config *c, const char *cmdline);

/* ---- RUN's network and mounts -------------------------------------------------
 * docker's builder's: --network default (lxr run's default bridge: an
 * address, NAT to the outside, the host's resolver), none (loopback only)
 * or host (the host's own network). */
enum bld_network { BLD_NET_DEFAULT, BLD_NET_NONE, BLD_NET_HOST };
/* "default", "none", "host"; -1 for anything else. */
int bld_network_parse(const char *s);

/* One `RUN --mount=...` value (variables already substituted), with
 * BuildKit's keys, defaults and errors: type=bind (the default), cache,
 * tmpfs or secret; target (dst, destination), source (src), from, id,
 * ro/readonly, rw/readwrite, sharing (cache), mode/uid/gid (cache,
 * secret), size (tmpfs), env and required (secret). A bind is read-only
 * unless rw; cache and tmpfs are writable. A secret's id defaults to its
 * target's last component and its target to /run/secrets/ID; a cache's id
 * to its target. err says what is wrong; the caller adds the position. */
enum bld_mount_type { BLD_MOUNT_BIND, BLD_MOUNT_CACHE, BLD_MOUNT_TMPFS, BLD_MOUNT_SECRET };
enum bld_sharing { BLD_SHARE_SHARED, BLD_SHARE_PRIVATE, BLD_SHARE_LOCKED };
struct bld_mount {
	enum bld_mount_type type;
	char *target; /* as written: a relative one is under WORKDIR */
	char *from;   /* bind, cache: a stage or image (NULL: context / empty) */
	char *source; /* the path in from (NULL: all of it) */
	char *id;     /* cache, secret */
	char *env;    /* secret: also (or only) this environment variable */
	bool readonly, required;
	enum bld_sharing sharing;
	int mode;       /* -1: the type's default (cache 0755, secret 0400) */
	long uid, gid;  /* -1: 0 */
	long long size; /* tmpfs bytes, 0: the kernel's default */
};
int bld_mount_parse(const char *value, struct bld_mount *out, lxr_err *err);
/* err's message prefixed with "FILE:LINE:COL: " (its hint kept); -1 */
int bld_err_at(lxr_err *err, const char *file, int line, int col);
void bld_mount_free(struct bld_mount *m);
/* lxr build --secret id=ID[,src=PATH | ,env=VAR][,type=file|env], as
 * buildx reads it: without src and env, the environment variable ID if
 * set, else the file ID. */
struct bld_secret {
	char *id, *src, *env;
};
int bld_secret_parse(const char *value, struct bld_secret *out, lxr_err *err);
void bld_secret_free(struct bld_secret *s);

/* ---- running a build --------------------------------------------------------
 * The stages the target needs, in order (those that need no other between
 * them built side by side first, into the step cache): FROM an image in
 * the store (pulled when missing), scratch or an earlier stage; the
 * metadata instructions into the config; RUN in a container of lxr's
 * runtime (default
 * confinement, lxr run's default bridge unless --network says otherwise,
 * no host descriptor, RUN --mount's mounts) whose upper directory
 * becomes the layer; COPY/ADD from the context or an earlier stage into a
 * new layer. The target's layers, config and history are then stored and
 * tagged by lxr-image (img_tool_commit). work is an empty directory for the
 * build's layers and containers; the caller removes it. */
struct bld_opts {
	const struct df_file *f;
	const struct bld_plan *plan;
	struct bld_context *ctx;
	char *const *build_args;
	char *const *labels; /* --label K=V */
	char *const *tags;
	struct img_store *store;
	const char *work;
	/* the step cache: a directory of layers by step key (NULL: none);
	 * no_cache runs every step and still fills it, as docker does */
	const char *cache;
	bool no_cache;
	/* RUN steps' network (lxr build --network); RUN --network=host
	 * needs BLD_NET_HOST */
	enum bld_network network;
	/* --secret values, as bld_secret_parse reads them */
	char *const *secrets;
	/* --pull: FROM images pulled even when the store has them */
	bool pull;
	/* RUN containers' /dev/shm size in bytes (compose's build.shm_size);
	 * 0: the runtime's */
	int64_t shm_size;
	/* "NAME=ADDRESS" lines added to RUN containers' /etc/hosts (compose's
	 * build.extra_hosts, docker build --add-host) */
	char *const *extra_hosts;
	/* named contexts (compose's build.additional_contexts, docker
	 * build --build-context) as COPY --from=NAME sources, over a stage
	 * or image of that name: "NAME=DIR" (a local directory, read as a
	 * build context) or "NAME=docker-image://REF" */
	char *const *named_contexts;
	/* RUN containers' rlimits (compose's build.ulimits, docker build
	 * --ulimit), over the runtime's */
	const struct lxr_rlimit *rlimits;
	size_t n_rlimits;
	/* stages (by name, or index) whose steps never come from the step
	 * cache (compose's build.no_cache_filter, docker build
	 * --no-cache-filter); they still fill it */
	char *const *no_cache_stages;
	/* RUN containers' memory limit in bytes (docker build -m, compose
	 * build --memory); 0: none. Not part of a step's key, as docker's */
	int64_t memory;
};
int bld_execute(const struct bld_opts *o, lxr_err *err);

/* ---- one build, from its options to a stored image ---------------------------
 * What `lxr build CONTEXT` and a stack service's `build:` both ask for: the
 * options checked (a local context directory, tags that are references and
 * not digests, labels KEY=VALUE), the Dockerfile read and planned, the
 * build run under the step cache's shared lock in a work directory that is
 * removed afterwards, the image stored under every tag (its ID printed on
 * standard output by lxr-image). Add a field for each new builder option;
 * zero is always "as docker's default". */
struct bld_request {
	const char *context; /* a local directory */
	/* the Dockerfile's path; NULL: CONTEXT/Dockerfile, else
	 * CONTEXT/Containerfile (podman's name) */
	const char *dockerfile;
	/* or its path in the context (compose's relative dockerfile:), looked
	 * up inside it: a link in the context never leads to a host file */
	const char *dockerfile_in_context;
	/* the Dockerfile's text itself (docker's -f -, compose's
	 * dockerfile_inline), over dockerfile; dockerfile_name is what
	 * messages call it */
	const char *dockerfile_text, *dockerfile_name;
	char *const *tags;        /* image references, as the user wrote them */
	char *const *build_args;  /* "K=V", or "K" (from the environment) */
	char *const *labels;      /* "K=V" */
	char *const *extra_hosts; /* "NAME=ADDRESS" */
	/* "NAME=DIR" or "NAME=docker-image://REF" (bld_opts.named_contexts) */
	char *const *named_contexts;
	const char *target;   /* NULL: the last stage */
	const char *network;  /* "default" (NULL), "none" or "host" */
	char *const *secrets; /* --secret values (bld_secret_parse) */
	int64_t shm_size;     /* bytes; 0: the runtime's */
	/* "NAME=SOFT[:HARD]" for RUN steps (-1: unlimited), docker build
	 * --ulimit's form; a bad one is a usage error */
	char *const *ulimits;
	char *const *no_cache_stages; /* bld_opts.no_cache_stages */
	int64_t memory;               /* bld_opts.memory */
	bool no_cache, pull;
	/* plan only: print the stages (docker's --check), build nothing */
	bool check;
	/* a git context's clone (bld_request_from_service): context is in it,
	 * and bld_request_free removes it */
	char *fetched_dir, *fetched_context;
};
/* 0; -2 when the request or the Dockerfile is wrong (nothing ran: docker's
 * usage errors); -1 when the build failed. */
int bld_build(const struct bld_request *rq, lxr_err *err);
/* Take the step cache's lock (flock how: LOCK_SH for a build, LOCK_EX |
 * LOCK_NB for `builder prune`): its fd, or -1 with err set. */
int bld_cache_lock(int how, lxr_err *err);

/* ---- compose's build: --------------------------------------------------------
 * A stack service's `build:` as a bld_request: every key lxr's builder
 * honours mapped, everything else refused with the key's position and the
 * service (ssh, cache_from and cache_to are dropped with a warning in
 * *warnings, as compose does for a builder without them). The request's
 * strings borrow from svc, except the vectors and dockerfile, which
 * bld_request_free frees. tags: build_image (image:, or
 * <project>-<service>) and build.tags. additional_contexts: a directory
 * as it is, `service:NAME` as that service's image (the caller builds it
 * first), docker-image:// as it is. */
struct cfg_stack;
struct cfg_service;
int bld_request_from_service(const struct cfg_stack *st, const struct cfg_service *svc,
			     struct bld_request *out, char ***warnings, lxr_err *err);
void bld_request_free(struct bld_request *rq);

#endif
