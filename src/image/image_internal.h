/* Seams inside the image layer's core: digests, the store's files and locks,
 * JSON documents (manifest, index, config). What only lxr-image needs
 * (network, archives, unpacking) is declared in image/tools/tools.h. */
#ifndef LXR_IMAGE_INTERNAL_H
#define LXR_IMAGE_INTERNAL_H

#include <jansson.h>
#include <nettle/sha2.h>
#include <stdbool.h>
#include <sys/types.h>
#include <unistd.h>

#include "lxr/image.h"

/* close and forget: a struct's fd closed twice could close a reused one */
static inline void img_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- digests ------------------------------------------------------------- */
/* nettle, not libcrypto: the core verifies small documents on every read
 * (store.c), and libnettle costs lxr's startup nothing worth measuring
 * where libcrypto's constructors cost milliseconds (docs/images.md). */
struct img_hash {
	struct sha256_ctx ctx;
	bool active; /* between init and final/abort */
};
void img_hash_init(struct img_hash *h);
void img_hash_update(struct img_hash *h, const void *p, size_t n);
/* Writes "sha256:<hex>" into out[IMG_DIGEST_LEN]; the hash is done. */
void img_hash_final(struct img_hash *h, char *out);
void img_hash_abort(struct img_hash *h);
/* "sha256:" followed by exactly 64 lowercase hex digits. Other algorithms
 * are refused: lxr stores and verifies sha256 only. */
bool img_digest_valid(const char *d);
/* The 64 hex digits of a valid digest. */
static inline const char *img_digest_hex(const char *d)
{
	return d + 7;
}
/* EBADMSG naming what and both digests when want != got. */
int img_digest_check(const char *what, const char *want, const char *got, lxr_err *err);

/* ---- the store ------------------------------------------------------------- */
struct img_store {
	char *root; /* <data>/images */
	int rootfd;
	int blobsfd;  /* blobs/sha256 */
	int layersfd; /* layers */
	int usesfd;   /* uses */
	int gc_lock;  /* held shared while adding or resolving, exclusive by gc */
	bool swept;   /* dead holders' use records removed through this handle */
};

/* Locks: flock on files in the store root. The gc lock is taken shared by
 * everything that adds or resolves images and exclusive by gc; the index
 * lock serializes read-modify-write of index.json. Returns the lock fd. */
int img_lock(struct img_store *s, const char *name, int op, lxr_err *err);
int img_gc_lock_shared(struct img_store *s, lxr_err *err);
void img_gc_unlock(struct img_store *s);

/* A blob being written: hashed while written to a temp file, renamed to its
 * digest only when the digest matches. */
struct img_blob_writer {
	struct img_store *store;
	int fd;
	char *tmpname;
	struct img_hash hash;
	int64_t size;
};
int img_blob_begin(struct img_store *s, struct img_blob_writer *w, lxr_err *err);
int img_blob_write(struct img_blob_writer *w, const void *p, size_t n, lxr_err *err);
/* want NULL: store under whatever the content hashes to. digest gets the
 * result. The temp file is gone afterwards in every case. */
int img_blob_commit(struct img_blob_writer *w, const char *want, char *digest, lxr_err *err);
void img_blob_abort(struct img_blob_writer *w);
int img_blob_put(struct img_store *s, const void *p, size_t n, const char *want, char *digest,
		 lxr_err *err);
bool img_blob_exists(struct img_store *s, const char *digest);
/* Read a small blob (manifest, config) and verify it against its name. */
int img_blob_read(struct img_store *s, const char *digest, char **out, size_t *len, lxr_err *err);
/* An fd on the blob for reading. */
int img_blob_open(struct img_store *s, const char *digest, lxr_err *err);

/* ---- index.json: tags -> manifest digest, plus dangling images --------------- */
/* Read the index (an empty one when there is none yet). */
int img_index_load(struct img_store *s, json_t **out, lxr_err *err);
int img_index_save(struct img_store *s, json_t *idx, lxr_err *err);
/* Under the index lock: point name at digest; an image the tag moved away
 * from becomes dangling when nothing else names it. */
int img_index_tag(struct img_store *s, const char *name, const char *digest, lxr_err *err);
/* Record in idx when name was set (seconds since the epoch), or forget it
 * (when 0) as the name goes. */
void img_index_tagged_at(json_t *idx, const char *name, json_int_t when);

/* ---- documents -------------------------------------------------------------- */
struct img_layer_desc {
	char digest[IMG_DIGEST_LEN];
	char *media_type;
	int64_t size;
};
struct img_manifest {
	char config_digest[IMG_DIGEST_LEN];
	int64_t config_size;
	struct img_layer_desc *layers;
	size_t n_layers;
};
int img_manifest_parse(const char *text, size_t len, struct img_manifest *m, lxr_err *err);
void img_manifest_free(struct img_manifest *m);
/* An image index / manifest list? */
bool img_media_is_index(const char *media_type);
/* An image config's "config" object (docker's names) -> c, zeroed first
 * by the caller; a field that is missing stays NULL. */
void img_config_fill(json_t *cfg, struct img_config *c);
/* config JSON -> img_config, and rootfs.diff_ids (malloc'd vector). */
int img_config_parse(const char *text, size_t len, struct img_config *c, char ***diff_ids,
		     int64_t *created, lxr_err *err);
/* A manifest's own mediaType (what a registry is told it is); an OCI
 * manifest when the document does not say. Malloc'd. */
char *img_manifest_media_type(const char *text, size_t len);
/* Build an OCI manifest for a config and layers (import, docker-save). */
char *img_manifest_build(const char *config_digest, int64_t config_size,
			 const struct img_layer_desc *layers, size_t n);

/* ---- layers ------------------------------------------------------------------ */
/* Is layers/<diffid-hex> there? Unpacking (image/tools/) renames a layer
 * into place only when whole, so a directory that exists is complete. */
bool img_layer_exists(struct img_store *s, const char *diffid);
/* Was blob unpacked into diffid's layer (which is there)? Recorded by
 * img_layer_record_from once the diff ID was computed from the blob. */
bool img_layer_made_from(struct img_store *s, const char *blob, const char *diffid);
void img_layer_record_from(struct img_store *s, const char *blob, const char *diffid);

/* im->manifest_digest's manifest into m and its config into im (config,
 * config_digest, created) with the config's diff IDs, as many as the
 * manifest has layers. On success the caller frees m and diff_ids. */
int img_image_docs(struct img_store *s, struct img_image *im, struct img_manifest *m,
		   char ***diff_ids, lxr_err *err);

/* A reference (name, name@digest, or image ID prefix) -> manifest digest
 * and the name it was found under (malloc'd). ENOENT when not there. */
int img_store_find(struct img_store *s, const char *ref, char *manifest, char **name, lxr_err *err);

/* An image that is not there: the store's closest name, as a hint on err
 * ("did you mean lxr/busybox:demo?"), when one is a typo away. */
void img_suggest_stored(struct img_store *s, const char *ref, lxr_err *err);

/* ---- lxr-image ---------------------------------------------------------------- */
/* Run lxr-image args... (args[0] is its command) on this store and wait for
 * it; its progress and errors go to our stderr. */
int img_tool_run(struct img_store *s, char *const *args, lxr_err *err);

/* ---- pieces of rmi/prune ------------------------------------------------------ */
/* Manifest digests held by live containers (dead holders' records are
 * removed). */
int img_uses_live(struct img_store *s, char ***digests, lxr_err *err);
/* Remove every blob and layer not reachable from the index or a live use. */
int img_gc(struct img_store *s, struct img_prune_stats *st, lxr_err *err);

#endif
