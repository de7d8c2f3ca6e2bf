/* lxr tag: one more name for an image the store has, as docker tag gives
 * it. Only index.json changes; no blob is copied. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "image/image_internal.h"

int img_tag(struct img_store *s, const char *src, const char *target, lxr_err *err)
{
	_cleanup_free_ char *canon = NULL, *name = NULL;
	char manifest[IMG_DIGEST_LEN];
	struct img_ref r;
	int ret;

	if (img_ref_parse(target, &r, err) < 0)
		return lxr_err_wrap(err, "tag %s %s", src, target);
	if (r.digest) {
		img_ref_free(&r);
		/* a digest names content: it cannot be pointed at another image */
		return lxr_fail(err, EINVAL,
				"tag %s %s: refusing to create a tag with a digest reference", src,
				target),
		       lxr_err_hint(err, "give the new name as NAME[:TAG]");
	}
	canon = img_ref_string(&r);
	img_ref_free(&r);
	if (img_gc_lock_shared(s, err) < 0)
		return -1;
	ret = img_store_find(s, src, manifest, &name, err);
	if (ret < 0)
		img_suggest_stored(s, src, err);
	else
		ret = img_index_tag(s, canon, manifest, err);
	img_gc_unlock(s);
	return ret < 0 ? lxr_err_wrap(err, "tag %s %s", src, target) : 0;
}
