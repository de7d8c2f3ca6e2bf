/* lxr load: reading the source (load.c), then assembling images from its
 * documents and the blobs they name (load_docs.c). */
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

/* name in the loaded directory, opened read-only: links followed, never
 * out of it (RESOLVE_BENEATH); -1 with errno. */
int load_open_beneath(const struct loader *ld, const char *name);
int load_docker(struct loader *ld, lxr_err *err);
int load_oci(struct loader *ld, lxr_err *err);

#endif
