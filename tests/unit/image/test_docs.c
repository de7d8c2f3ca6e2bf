/* The image documents lxr reads, when they are valid JSON of the wrong
 * shape: the error says what is wrong, not a jansson position that does
 * not exist (fuzz_image_config and fuzz_image_manifest found
 * "image config: line -1: " with nothing after it). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "image/image_internal.h"

static void config_that_is_no_object(void **state)
{
	const char *docs[] = {"[\"not\", \"an\", \"object\"]", "[]", NULL};
	struct img_config c;
	char **diff_ids = NULL;
	lxr_err err;

	for (size_t i = 0; docs[i]; i++) {
		assert_int_equal(
		    img_config_parse(docs[i], strlen(docs[i]), &c, &diff_ids, NULL, &err), -1);
		assert_string_equal(err.msg, "image config: not a JSON object");
		assert_null(diff_ids);
	}
	/* broken JSON still says where */
	assert_int_equal(img_config_parse("{\"config\":", 10, &c, &diff_ids, NULL, &err), -1);
	assert_true(lxr_str_has_prefix(err.msg, "image config: line 1: "));
}

static void store_index_of_the_wrong_shape(void **state)
{
	char dir[] = "/tmp/lxr-docs-XXXXXX";
	struct img_store *s;
	char manifest[IMG_DIGEST_LEN], *name = NULL, *path;
	FILE *f;
	lxr_err err;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(img_store_open(dir, &s, &err), 0);
	path = lxr_xasprintf("%s/images/index.json", dir);
	f = fopen(path, "w");
	fputs("{\"tags\":[]}", f);
	fclose(f);
	assert_int_equal(img_store_find(s, "app", manifest, &name, &err), -1);
	assert_non_null(strstr(err.msg, "index.json: no tags object or dangling array"));
	assert_null(strstr(err.msg, "line -1"));
	assert_non_null(strstr(err.hint, "move the file away"));
	img_store_close(s);
	free(path);
	assert_int_equal(lxr_rm_rf(dir, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(config_that_is_no_object),
	    cmocka_unit_test(store_index_of_the_wrong_shape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
