/* Layers in the store: each unpacked once into layers/<diff-id hex> by the
 * tools (image/tools/layer_ensure.c), from a temporary directory renamed into
 * place only when complete and verified, so a layer directory that exists
 * is whole. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "image/image_internal.h"

bool img_layer_exists(struct img_store *s, const char *diffid)
{
	struct stat st;

	return img_digest_valid(diffid) &&
	       fstatat(s->layersfd, img_digest_hex(diffid), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISDIR(st.st_mode);
}

/* ".from-<blob hex>", a link to "<diff-id hex>": that blob was unpacked
 * into that layer (its diff ID computed from its content, not taken from a
 * config). A config's diff ID is trusted for a layer already there only
 * through such a record, or a blob that is the layer's tar itself: else an
 * image could name a layer of another's (a private image's files) by its
 * diff ID alone, with blobs of anything. */
bool img_layer_made_from(struct img_store *s, const char *blob, const char *diffid)
{
	char name[80], target[80];
	ssize_t n;

	if (!img_layer_exists(s, diffid))
		return false;
	if (!strcmp(blob, diffid))
		return true;
	snprintf(name, sizeof(name), ".from-%s", img_digest_hex(blob));
	n = readlinkat(s->layersfd, name, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	return !strcmp(target, img_digest_hex(diffid));
}

void img_layer_record_from(struct img_store *s, const char *blob, const char *diffid)
{
	char name[80], tmp[96];

	if (!strcmp(blob, diffid))
		return;
	snprintf(name, sizeof(name), ".from-%s", img_digest_hex(blob));
	snprintf(tmp, sizeof(tmp), ".tmp-%d-from", (int)getpid());
	unlinkat(s->layersfd, tmp, 0);
	/* a cache of what was checked: without it, the next use checks again */
	if (symlinkat(img_digest_hex(diffid), s->layersfd, tmp) < 0 ||
	    renameat(s->layersfd, tmp, s->layersfd, name) < 0)
		unlinkat(s->layersfd, tmp, 0);
}
