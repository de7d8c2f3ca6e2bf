/* Layers in the store: each unpacked once into layers/<diff-id hex> by the
 * tools (image/tools/layer_ensure.c), from a temporary directory renamed into
 * place only when complete and verified, so a layer directory that exists
 * is whole. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>

#include "image/image_internal.h"

bool img_layer_exists(struct img_store *s, const char *diffid)
{
	struct stat st;

	return img_digest_valid(diffid) &&
	       fstatat(s->layersfd, img_digest_hex(diffid), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISDIR(st.st_mode);
}
