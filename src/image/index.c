/* index.json: which name points at which manifest, when each name was
 * last set (docker's LastTagTime: a pull sets it even when the image is
 * unchanged), and the images no name points at any more (dangling, removed
 * by prune). Written atomically under the index lock: readers see the old
 * index or the new one. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>

#include "image/image_internal.h"

static json_t *empty_index(void)
{
	return json_pack("{s:i, s:{}, s:[]}", "schemaVersion", 1, "tags", "dangling");
}

int img_index_load(struct img_store *s, json_t **out, lxr_err *err)
{
	_cleanup_free_ char *text = NULL;
	json_error_t je;
	size_t len;
	json_t *idx;

	if (lxr_read_file_at(s->rootfd, "index.json", &text, &len, err) < 0) {
		if (err->errnum != ENOENT)
			return lxr_err_wrap(err, "image index %s", s->root);
		*out = empty_index();
		return 0;
	}
	idx = json_loadb(text, len, 0, &je);
	if (idx && json_is_object(json_object_get(idx, "tags")) &&
	    json_is_array(json_object_get(idx, "dangling"))) {
		*out = idx;
		return 0;
	}
	if (!idx)
		lxr_fail(err, EBADMSG, "image index %s/index.json: line %d: %s", s->root, je.line,
			 je.text);
	else /* it parsed: jansson has no line to point at */
		lxr_fail(err, EBADMSG,
			 "image index %s/index.json: no tags object or dangling array", s->root);
	json_decref(idx);
	return lxr_err_hint(err, "move the file away and re-pull or re-load the images");
}

int img_index_save(struct img_store *s, json_t *idx, lxr_err *err)
{
	_cleanup_free_ char *text = json_dumps(idx, JSON_INDENT(2) | JSON_SORT_KEYS);

	if (!text)
		abort();
	if (lxr_write_file_atomic(s->rootfd, "index.json", text, strlen(text), 0600, err) < 0)
		return lxr_err_wrap(err, "image index %s", s->root);
	return 0;
}

void img_index_tagged_at(json_t *idx, const char *name, json_int_t when)
{
	json_t *t = json_object_get(idx, "tagged");

	if (!json_is_object(t)) { /* an index from before lxr recorded it */
		t = json_object();
		json_object_set_new(idx, "tagged", t);
	}
	if (when)
		json_object_set_new(t, name, json_integer(when));
	else
		json_object_del(t, name);
}

int img_tag_time(struct img_store *s, const char *ref, int64_t *when, lxr_err *err)
{
	_cleanup_free_ char *canon = NULL;
	json_t *idx = NULL, *t;
	struct img_ref r;

	if (img_ref_parse(ref, &r, err) < 0)
		return -1;
	canon = img_ref_string(&r);
	img_ref_free(&r);
	if (img_index_load(s, &idx, err) < 0)
		return -1;
	t = json_object_get(json_object_get(idx, "tagged"), canon);
	*when = json_is_integer(t) && json_object_get(json_object_get(idx, "tags"), canon)
		    ? (int64_t)json_integer_value(t)
		    : 0;
	json_decref(idx);
	return 0;
}

static bool named(json_t *tags, const char *digest)
{
	const char *k;
	json_t *v;

	json_object_foreach(tags, k, v) if (!strcmp(json_string_value(v), digest)) return true;
	return false;
}

static void dangling_del(json_t *dangling, const char *digest)
{
	for (size_t i = json_array_size(dangling); i-- > 0;)
		if (!strcmp(json_string_value(json_array_get(dangling, i)), digest))
			json_array_remove(dangling, i);
}

int img_index_tag(struct img_store *s, const char *name, const char *digest, lxr_err *err)
{
	_cleanup_close_ int lk = img_lock(s, "index.lock", LOCK_EX, err);
	_cleanup_free_ char *old = NULL;
	json_t *idx = NULL, *tags, *dangling, *prev;
	int r;

	if (lk < 0 || img_index_load(s, &idx, err) < 0)
		return -1;
	tags = json_object_get(idx, "tags");
	dangling = json_object_get(idx, "dangling");
	prev = name ? json_object_get(tags, name) : NULL;
	if (prev)
		old = lxr_xstrdup(json_string_value(prev));
	if (name) {
		json_object_set_new(tags, name, json_string(digest));
		img_index_tagged_at(idx, name, (json_int_t)time(NULL));
	}
	dangling_del(dangling, digest);
	if (!name && !named(tags, digest))
		json_array_append_new(dangling, json_string(digest));
	/* docker keeps an image a tag moved away from, as <none> */
	if (old && strcmp(old, digest) && !named(tags, old))
		json_array_append_new(dangling, json_string(old));
	r = img_index_save(s, idx, err);
	json_decref(idx);
	return r;
}
