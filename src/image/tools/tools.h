/* Seams of the image tools: what only lxr-image needs — unpacking layers
 * (libarchive), building images for load and import, picking a platform
 * from an index. The core (image/image_internal.h) links neither libarchive nor
 * libcurl; see docs/images.md for why the line runs here. */
#ifndef LXR_IMAGE_TOOLS_INTERNAL_H
#define LXR_IMAGE_TOOLS_INTERNAL_H

#include "image/image_internal.h"
#include "lxr/image_tools.h"

/* ---- layers ------------------------------------------------------------------ */
/* Unpack blob (gzip, zstd or plain tar) into layers/<diffid-hex>, once: a
 * layer already there is kept. want_diffid NULL: whatever the tar hashes to
 * (import). diffid gets the uncompressed digest. */
int img_layer_ensure(struct img_store *s, const char *blob_digest, const char *want_diffid,
		     char *diffid, lxr_err *err);

/* Unpack every layer of a stored manifest (verifying each diff ID). */
int img_store_unpack(struct img_store *s, const char *manifest, lxr_err *err);

/* Safe unpacking, store-independent (unit-tested on its own): read the tar
 * stream from fd into the empty directory dirfd. Every entry is resolved
 * below dirfd with openat2 and created with *at calls; an entry that would
 * reach outside (absolute path, "..", through a symlink, a hard link or
 * symlink target leaving the tree) fails the whole archive. OCI whiteouts
 * become overlay whiteouts. diffid gets the sha256 of the uncompressed
 * stream. On failure the caller removes the directory. */
int img_unpack_fd(int fd, int dirfd, char *diffid, lxr_err *err);

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
