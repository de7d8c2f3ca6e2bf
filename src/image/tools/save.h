/* lxr save, split: the archive's index documents (save_docs.c, pure, unit
 * tested) and writing the archive from the store (save.c). */
#ifndef LXR_IMAGE_SAVE_H
#define LXR_IMAGE_SAVE_H

#include "image/tools/tools.h"

/* One image in an archive, with every name it is saved under. */
struct save_image {
	char manifest[IMG_DIGEST_LEN];
	char config[IMG_DIGEST_LEN];
	char *media_type; /* the manifest's own */
	int64_t manifest_size;
	char **layers; /* layer blob digests, bottom first */
	char **names;  /* canonical names ("docker.io/library/busybox:1"); may be empty */
};

/* docker save's manifest.json: [{"Config","RepoTags","Layers"}], files
 * named blobs/sha256/HEX, tags in docker's short form. */
char *save_manifest_json(const struct save_image *v, size_t n);
/* docker save's legacy "repositories": {"busybox": {"1": TOP-LAYER-HEX}};
 * NULL when no image has a name (docker writes none then). */
char *save_repositories_json(const struct save_image *v, size_t n);
/* The OCI layout's index.json: one entry per name (an unnamed image: one
 * without annotations). docker: ref.name is the tag, containerd's
 * io.containerd.image.name the whole name (as docker 25+ writes); oci:
 * ref.name is the whole name (as podman writes). */
char *save_index_json(const struct save_image *v, size_t n, enum img_save_format f);

#endif
