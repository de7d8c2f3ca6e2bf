/* Seams inside the image layer: digests, the store's files and locks, JSON
 * documents (manifest, index, config), safe layer unpacking. */
#ifndef LXR_IMAGE_INTERNAL_H
#define LXR_IMAGE_INTERNAL_H

#include <jansson.h>
#include <openssl/evp.h>
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
struct img_hash {
	EVP_MD_CTX *ctx;
};
void img_hash_init(struct img_hash *h);
void img_hash_update(struct img_hash *h, const void *p, size_t n);
/* Writes "sha256:<hex>" into out[IMG_DIGEST_LEN] and frees the context. */
void img_hash_final(struct img_hash *h, char *out);
void img_hash_abort(struct img_hash *h);
void img_digest_of(const void *p, size_t n, char *out);
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
/* config JSON -> img_config, and rootfs.diff_ids (malloc'd vector). */
int img_config_parse(const char *text, size_t len, struct img_config *c, char ***diff_ids,
		     int64_t *created, lxr_err *err);
/* Build an OCI manifest for a config and layers (import, docker-save). */
char *img_manifest_build(const char *config_digest, int64_t config_size,
			 const struct img_layer_desc *layers, size_t n);

/* ---- layers ------------------------------------------------------------------ */
/* Unpack blob (gzip, zstd or plain tar) into layers/<diffid-hex>, once: a
 * layer already there is kept. want_diffid NULL: whatever the tar hashes to
 * (import). diffid gets the uncompressed digest. */
int img_layer_ensure(struct img_store *s, const char *blob_digest, const char *want_diffid,
		     char *diffid, lxr_err *err);
bool img_layer_exists(struct img_store *s, const char *diffid);

/* Safe unpacking, store-independent (unit-tested on its own): read the tar
 * stream from fd into the empty directory dirfd. Every entry is resolved
 * below dirfd with openat2 and created with *at calls; an entry that would
 * reach outside (absolute path, "..", through a symlink, a hard link or
 * symlink target leaving the tree) fails the whole archive. OCI whiteouts
 * become overlay whiteouts. diffid gets the sha256 of the uncompressed
 * stream. On failure the caller removes the directory. */
int img_unpack_fd(int fd, int dirfd, char *diffid, lxr_err *err);

/* A reference (name, name@digest, or image ID prefix) -> manifest digest
 * and the name it was found under (malloc'd). ENOENT when not there. */
int img_store_find(struct img_store *s, const char *ref, char *manifest, char **name, lxr_err *err);

/* Unpack every layer of a stored manifest (verifying each diff ID). */
int img_store_unpack(struct img_store *s, const char *manifest, lxr_err *err);

/* ---- pieces of rmi/prune ------------------------------------------------------ */
/* Manifest digests held by live containers (dead holders' records are
 * removed). */
int img_uses_live(struct img_store *s, char ***digests, lxr_err *err);
/* Remove every blob and layer not reachable from the index or a live use. */
int img_gc(struct img_store *s, struct img_prune_stats *st, lxr_err *err);

/* ---- building images (import, load) ------------------------------------------- */
/* Copy fd into the store as a blob (verified against want when given). */
int img_blob_from_fd(struct img_store *s, int fd, const char *want, char *digest, lxr_err *err);
/* OCI media type of a layer blob from its first bytes. */
const char *img_layer_media_type(struct img_store *s, const char *blob, const char *diffid);
/* An OCI image config document for c and the layers' diff IDs. */
char *img_config_build(const struct img_config *c, char *const *diff_ids, const char *how);
/* Store config and a manifest over layers; out gets the manifest digest. */
int img_store_image(struct img_store *s, const char *config, struct img_layer_desc *layers,
		    size_t n, char *out, lxr_err *err);

/* Platform this host runs: "amd64", "arm64"... and variant ("v8") or NULL. */
const char *img_host_arch(const char **variant);
/* From an image index / manifest list, the manifest for this host. */
int img_index_pick(const char *text, size_t len, char *digest, lxr_err *err);

#endif
