/* Parallel, resumable, verified blob downloads (curl multi). */
#ifndef LXR_IMAGE_FETCH_H
#define LXR_IMAGE_FETCH_H

#include "image/tools/registry.h"

struct fetch_item {
	char digest[IMG_DIGEST_LEN];
	int64_t size;
};

/* Download every item into the store as a verified blob. A partial blob
 * from an interrupted pull (blobs/sha256/.partial-HEX) is continued with a
 * Range request; another lxr downloading the same blob is waited for. */
int fetch_blobs(struct reg_client *c, struct fetch_item *items, size_t n,
		const struct img_pull_opts *o, struct img_store *s, lxr_err *err);

#endif
