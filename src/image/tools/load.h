/* lxr load, split: reading the source (load.c) and assembling images from
 * its documents (load_docs.c). */
#ifndef LXR_IMAGE_LOAD_H
#define LXR_IMAGE_LOAD_H

#include "image/tools/tools.h"

struct load_file {
	char *name;
	char digest[IMG_DIGEST_LEN];
};

struct loader {
	struct img_store *s;
	const char *path;
	int dirfd;               /* a layout directory, or -1 for an archive */
	struct load_file *files; /* an archive's files, already blobs */
	size_t n;
	char *manifest_json, *index_json;
	size_t manifest_len, index_len;
	char ***names; /* out: names tagged */
};

/* The blob for a file named in manifest.json. */
int load_file(struct loader *ld, const char *name, char *digest, lxr_err *err);
/* Make sure blob want (named blobs/sha256/HEX in the source) is stored. */
int load_blob(struct loader *ld, const char *want, lxr_err *err);
int load_docker(struct loader *ld, lxr_err *err);
int load_oci(struct loader *ld, lxr_err *err);

#endif
