/* lxr load of an OCI image layout directory, written here by hand: the
 * names it gives an image, and what a malformed index.json or
 * manifest.json is told. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "image/tools/tools.h"

struct fx {
	char dir[64]; /* holds images/ (the store) and layout/ */
	char *layout;
	struct img_store *s;
	char manifest[IMG_DIGEST_LEN];
};

static void write_file(const char *dir, const char *name, const char *data, size_t len)
{
	char *path = lxr_xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	free(path);
}

static void blob(struct fx *f, const char *data, size_t len, char *digest)
{
	char *name;

	img_digest_of(data, len, digest);
	name = lxr_xasprintf("blobs/sha256/%s", img_digest_hex(digest));
	write_file(f->layout, name, data, len);
	free(name);
}

/* One image: an empty layer, its config, its manifest. */
static int setup(void **state)
{
	static const char empty_tar[1024];
	struct fx *f = lxr_xcalloc(1, sizeof(*f));
	struct img_layer_desc l = {.media_type = (char *)"application/vnd.oci.image.layer.v1.tar",
				   .size = sizeof(empty_tar)};
	char config[IMG_DIGEST_LEN], *text, *p;
	lxr_err err;

	snprintf(f->dir, sizeof(f->dir), "/tmp/lxr-load-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(img_store_open(f->dir, &f->s, &err), 0);
	f->layout = lxr_xasprintf("%s/layout", f->dir);
	p = lxr_xasprintf("%s/blobs/sha256", f->layout);
	assert_int_equal(lxr_mkdir_p(p, 0700, &err), 0);
	free(p);
	blob(f, empty_tar, sizeof(empty_tar), l.digest);
	text = lxr_xasprintf("{\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\"]},\"rootfs\":{"
			     "\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}",
			     l.digest);
	blob(f, text, strlen(text), config);
	free(text);
	text = img_manifest_build(config, 0, &l, 1);
	blob(f, text, strlen(text), f->manifest);
	free(text);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	lxr_err err;

	img_store_close(f->s);
	assert_int_equal(lxr_rm_rf(f->dir, &err), 0);
	free(f->layout);
	free(f);
	return 0;
}

static void index_naming(struct fx *f, const char *ref_name)
{
	char *text =
	    lxr_xasprintf("{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"%s\",\"size\":1,"
			  "\"annotations\":{\"org.opencontainers.image.ref.name\":\"%s\"}}]}",
			  f->manifest, ref_name);

	write_file(f->layout, "index.json", text, strlen(text));
	free(text);
}

static void name_with_the_images_digest(void **state)
{
	struct fx *f = *state;
	char *ref = lxr_xasprintf("example.com/app@%s", f->manifest);
	char **names = NULL, found[IMG_DIGEST_LEN], *name = NULL;
	lxr_err err;

	index_naming(f, ref);
	if (img_load(f->s, f->layout, &names, &err) < 0)
		fail_msg("load: %s", err.msg);
	assert_string_equal(names[0], ref);
	assert_int_equal(img_store_find(f->s, ref, found, &name, &err), 0);
	assert_string_equal(found, f->manifest);
	free(name);
	lxr_strv_free(names);
	free(ref);
}

/* NAME@DIGEST with another image's digest would resolve to that image, or
 * to nothing (fuzz_image_manifest found it tagged as given). */
static void name_with_another_digest_is_refused(void **state)
{
	struct fx *f = *state;
	char other[IMG_DIGEST_LEN], *ref, **names = NULL, *index = NULL, *path;
	size_t len;
	lxr_err err;

	img_digest_of("another image", 13, other);
	ref = lxr_xasprintf("example.com/app@%s", other);
	index_naming(f, ref);
	assert_int_equal(img_load(f->s, f->layout, &names, &err), -1);
	assert_non_null(strstr(err.msg, other));
	assert_non_null(strstr(err.msg, f->manifest));
	assert_null(names[0]);
	/* and the store's index does not carry the name */
	path = lxr_xasprintf("%s/index.json", img_store_root(f->s));
	if (lxr_read_file_at(AT_FDCWD, path, &index, &len, &err) == 0)
		assert_null(strstr(index, other));
	free(path);
	free(index);
	lxr_strv_free(names);
	free(ref);
}

static void documents_of_the_wrong_shape(void **state)
{
	struct fx *f = *state;
	char **names = NULL;
	lxr_err err;

	write_file(f->layout, "index.json", "{}", 2);
	assert_int_equal(img_load(f->s, f->layout, &names, &err), -1);
	assert_non_null(strstr(err.msg, "index.json: no manifests array"));
	assert_null(strstr(err.msg, "line -1"));
	lxr_strv_free(names);
	write_file(f->layout, "manifest.json", "{\"Config\":\"x\"}", 14);
	assert_int_equal(img_load(f->s, f->layout, &names, &err), -1);
	assert_non_null(strstr(err.msg, "manifest.json: not an array"));
	assert_null(strstr(err.msg, "line -1"));
	lxr_strv_free(names);
	names = NULL;
	/* a layer that is no file name: the error says so (it said nothing) */
	write_file(f->layout, "config.json", "{}", 2);
	write_file(f->layout, "manifest.json", "[{\"Config\":\"config.json\",\"Layers\":[{}]}]",
		   40);
	memset(&err, 0, sizeof(err));
	assert_int_equal(img_load(f->s, f->layout, &names, &err), -1);
	assert_non_null(strstr(err.msg, "manifest.json: Layers[0] is not a file name"));
	lxr_strv_free(names);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(name_with_the_images_digest, setup, teardown),
	    cmocka_unit_test_setup_teardown(name_with_another_digest_is_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(documents_of_the_wrong_shape, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
