/* lxr image layer: a content-addressed image store, layer unpacking, archive
 * import and registry pull. docs/images.md has the on-disk layout.
 *
 * This header is the core (library lxr_image: store, references, resolve,
 * in-use records, list, rmi, prune), linked into lxr; it needs only jansson
 * and nettle. Pulling, loading, importing and unpacking live in
 * lxr/image_tools.h (lxr_image_tools: libcurl, libarchive), linked only into
 * the lxr-image program; the core runs that program when it must.
 *
 * Everything lives under <data_dir>/images/: blobs/sha256/<hex> (manifests,
 * configs, compressed layers; each verified before it gets its name),
 * layers/<diffid-hex>/ (a layer unpacked once, in overlay form, shared
 * read-only as a lower dir by every container that uses it), index.json (tags
 * -> manifest digest), uses/ (which running container holds which image). */
#ifndef LXR_IMAGE_H
#define LXR_IMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "lxr/util.h"

/* "sha256:" + 64 hex digits + NUL */
#define IMG_DIGEST_LEN 72
/* The digest of n bytes at p, "sha256:<hex>", into out[IMG_DIGEST_LEN]. */
void img_digest_of(const void *p, size_t n, char *out);

/* ---- references ----------------------------------------------------------
 * docker's rules: "nginx" is docker.io/library/nginx:latest; the first
 * component is a registry when it has a '.' or ':' or is "localhost";
 * name@sha256:HEX pins a manifest (a tag beside it is kept for display). */
struct img_ref {
	char *registry; /* "docker.io", "localhost:5000" */
	char *repo;     /* "library/nginx" */
	char *tag;      /* "latest" unless a digest alone was given; may be NULL */
	char *digest;   /* "sha256:..." or NULL */
};
int img_ref_parse(const char *s, struct img_ref *out, lxr_err *err);
/* Canonical name as stored in the index: "docker.io/library/nginx:latest",
 * or "...@sha256:..." for a digest reference. */
char *img_ref_string(const struct img_ref *r);
/* "docker.io/library/nginx" */
char *img_ref_repo_string(const struct img_ref *r);
void img_ref_free(struct img_ref *r);
/* A canonical name as a user writes it (docker's "familiar" form):
 * "docker.io/library/nginx:latest" -> "nginx:latest" (points into name). */
const char *img_short_name(const char *name);

/* ---- image config (OCI image-spec "config", docker's ContainerConfig) ----- */
struct img_healthcheck {
	bool present;
	char **test; /* ["CMD", ...], ["CMD-SHELL", "..."], ["NONE"] */
	int64_t interval_ns, timeout_ns, start_period_ns;
	int retries;
};

struct img_config {
	char **entrypoint;
	char **cmd;
	char **env;           /* "K=V" */
	char *workdir;        /* NULL: not set */
	char *user;           /* NULL: not set */
	char **exposed_ports; /* "80/tcp" */
	char *stop_signal;    /* "SIGQUIT"; NULL: not set */
	struct img_healthcheck healthcheck;
	char **onbuild; /* ONBUILD triggers, as written; a build FROM it runs them */
	char **labels;  /* "K=V": the image's LABELs, which its containers carry */
	char *os, *architecture, *variant;
};
void img_config_free(struct img_config *c);

/* docker's rule for the process: entrypoint from the user (NULL: the
 * image's; an empty vector clears it), command from the user when given
 * (cmd non-empty) else the image's Cmd — but a user entrypoint drops the
 * image's Cmd. Result is malloc'd; empty when there is nothing to run. */
char **img_config_args(const struct img_config *c, char *const *user_entrypoint,
		       char *const *user_cmd);

/* ---- the store ------------------------------------------------------------ */
struct img_store;
/* Open (creating) the store at <data_dir>/images. */
int img_store_open(const char *data_dir, struct img_store **out, lxr_err *err);
/* What writers that died left in the store under data_dir (a blob half
 * downloaded, a layer half unpacked: ".tmp-PID-N" of a pid that is gone);
 * each path removed is pushed onto *removed. A missing store is no error,
 * and nothing is created. */
int img_store_sweep_dead(const char *data_dir, char ***removed, lxr_err *err);
/* The same, also ".new-PID" use records a dead holder left, blobs whose
 * content does not hash to their name (removed, so a pull or load fetches
 * them again), and blobs and layers no image needs (what a load, pull or
 * build a cut stopped had stored). img_store_find_dead only lists them. */
int img_store_find_dead(const char *data_dir, char ***found, lxr_err *err);
void img_store_close(struct img_store *s);
const char *img_store_root(const struct img_store *s);

/* One image, resolved: what a container needs to run it. */
struct img_image {
	char *name; /* the reference as the index knows it */
	char manifest_digest[IMG_DIGEST_LEN];
	char config_digest[IMG_DIGEST_LEN]; /* docker's "image ID" */
	char **layer_dirs;                  /* absolute, topmost first (overlay lowerdir order) */
	struct img_config config;
	int64_t size;    /* bytes of layer blobs */
	int64_t created; /* unix time, 0 when unknown */
};
void img_image_free(struct img_image *im);
/* *dst becomes a deep copy of *src (freed with img_image_free). */
void img_image_copy(struct img_image *dst, const struct img_image *src);

/* Find ref in the store (a name, name@digest, or an image ID prefix of at
 * least 4 hex digits) and make sure every layer is unpacked (a layer
 * directory that went missing is unpacked again from its blob by running
 * `lxr-image unpack`). ENOENT when the store does not have it. */
/* The image's config as the plan layer takes it (borrowed: valid while im
 * lives): layers, process defaults, stop signal, HEALTHCHECK. */
struct plan_image;
void img_plan_image(const struct img_image *im, struct plan_image *out);
int img_resolve(struct img_store *s, const char *ref, struct img_image *out, lxr_err *err);

enum img_pull_policy { IMG_PULL_MISSING, IMG_PULL_ALWAYS, IMG_PULL_NEVER };
/* Compose's pull_policy: "always", "missing" (also "if_not_present"),
 * "never"; -1 for anything else. */
int img_pull_policy_parse(const char *s);
/* Resolve ref, pulling it first as the policy says (by running
 * `lxr-image pull REF`, which prints its progress to stderr, unless
 * IMG_PULL_QUIET is or'ed into the policy: up --quiet-pull). */
#define IMG_PULL_QUIET 0x100
int img_ensure(struct img_store *s, const char *ref, enum img_pull_policy policy,
	       struct img_image *out, lxr_err *err);
/* When ref's tag was last set in the store (by a pull, even of an unchanged
 * image, or a load, tag, build or commit), in seconds since the epoch: 0
 * when the store has no such tag or did not record it. */
int img_tag_time(struct img_store *s, const char *ref, int64_t *when, lxr_err *err);
/* Compose's periodic pull policies (daily, weekly, every_<duration>): the
 * policy that pulls when ref's tag is missing, has no recorded time, or
 * was set at least every_us ago, as compose compares the image's
 * LastTagTime (IMG_PULL_ALWAYS, also when the index cannot be read: the
 * pull says what is wrong); IMG_PULL_MISSING otherwise and for a digest
 * reference. */
enum img_pull_policy img_pull_due(struct img_store *s, const char *ref, int64_t every_us);
/* A periodic policy's pull when it is due: as img_ensure(ALWAYS), but a
 * pull that fails while the store has ref is a warning, and the store's
 * image is out. */
int img_ensure_refreshed(struct img_store *s, const char *ref, bool quiet, struct img_image *out,
			 lxr_err *err);

/* ---- lxr-image ----------------------------------------------------------------
 * The program beside lxr that holds everything needing libcurl or
 * libarchive. Path: the directory of the running executable (symlinks
 * resolved) + IMG_TOOL_NAME, checked to be executable; otherwise an error
 * naming the path looked at, with a hint. *out is malloc'd. */
#define IMG_TOOL_NAME "lxr-image"
int img_tool_path(char **out, lxr_err *err);
/* lxr doctor: lxr-image is there and runs. */
void img_tool_check(struct lxr_checks *c);
/* Run `lxr-image commit DESC` on this store and wait for it: store the
 * image a build made (lxr/image_tools.h, img_commit). */
int img_tool_commit(struct img_store *s, const char *desc, lxr_err *err);
/* Run `lxr-image extract DIR` with fd (an archive: tar, plain or gzip,
 * bzip2, xz, zstd) as its standard input: unpack it safely into the empty
 * directory DIR (ADD's archive extraction). */
int img_tool_extract(struct img_store *s, int fd, const char *dir, lxr_err *err);
/* Run `lxr-image is-tar` with fd as its standard input: 1 when a tar
 * archive is on it (plain or compressed), 0 when not (it exits
 * IMG_TOOL_NOT_TAR), -1 when the tool could not tell. */
#define IMG_TOOL_NOT_TAR 3
int img_tool_is_tar(struct img_store *s, int fd, lxr_err *err);
/* Run `lxr-image fetch-url URL FILE`: download url into the new file
 * (img_fetch_url; ADD's URL sources). */
int img_tool_fetch_url(struct img_store *s, const char *url, const char *file, lxr_err *err);

/* Give the image src names the name target as well (docker tag): target
 * is a NAME[:TAG] (a digest is refused), normalized; a tag it had moves. */
int img_tag(struct img_store *s, const char *src, const char *target, lxr_err *err);

/* ---- in use ----------------------------------------------------------------
 * A container that runs an image holds a use record: a file in uses/ naming
 * the manifest, with an flock held for as long as the holder lives. rmi and
 * prune leave an image alone while any live holder has it; a record whose
 * lock is free belongs to a dead process and is removed. The returned fd is
 * O_CLOEXEC; keep it open for the container's lifetime (it survives fork, so
 * a detached monitor inherits it). label names the holder in messages. */
int img_use_acquire(struct img_store *s, const struct img_image *im, const char *label, int *fd,
		    lxr_err *err);

/* ---- listing and removing --------------------------------------------------- */
struct img_summary {
	char *name; /* canonical ref; NULL for a dangling image */
	char *repo; /* "docker.io/library/nginx" or "<none>" */
	char *tag;  /* "latest" or "<none>" */
	char manifest_digest[IMG_DIGEST_LEN];
	char config_digest[IMG_DIGEST_LEN];
	int64_t size, created;
	bool in_use;
};
int img_list(struct img_store *s, struct img_summary **out, size_t *n, lxr_err *err);
void img_summaries_free(struct img_summary *v, size_t n);

/* The images stopped containers keep (a kept `lxr run` container starts
 * again on its image): ids[i] an image ID, holders[i] its container's
 * name. Either list NULL-terminated, or both NULL for none. */
struct img_holds {
	char **ids, **holders;
};
/* Untag ref; when no tag is left on its manifest the image goes, and with it
 * every blob and layer nothing else references. EBUSY when a running
 * container uses it (force does not override that), or a stopped one
 * holds it (h); with force that one is untagged and stays, as docker's
 * rmi -f leaves an image a container has. */
int img_remove(struct img_store *s, const char *ref, const struct img_holds *h, bool force,
	       lxr_err *err);

struct img_prune_stats {
	size_t images, blobs, layers;
	int64_t bytes;
};
/* Drop dangling images (all untagged ones; with all, every image), except
 * what a running container uses or a stopped one holds (h, may be NULL),
 * then every blob and layer directory no image or running container
 * references, and leftovers of interrupted pulls and unpacks. */
int img_prune(struct img_store *s, const struct img_holds *h, bool all, struct img_prune_stats *st,
	      lxr_err *err);

#endif
