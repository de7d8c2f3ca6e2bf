/* The documents lxr save writes beside the blobs: docker save's
 * manifest.json and repositories, and the OCI index.json in both formats,
 * for several images, several names, and an image saved by ID. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "image/tools/save.h"

#define D(c) "sha256:" c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c
#define H(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c

static char **strv(const char *a, const char *b)
{
	char **v = lxr_xcalloc(3, sizeof(char *));

	v[0] = a ? lxr_xstrdup(a) : NULL;
	v[1] = a && b ? lxr_xstrdup(b) : NULL;
	return v;
}

/* busybox (two names, two layers) and an unnamed image (one layer) */
static struct save_image *images(void)
{
	struct save_image *v = lxr_xcalloc(2, sizeof(*v));

	strcpy(v[0].manifest, D("a1"));
	strcpy(v[0].config, D("c1"));
	v[0].media_type = lxr_xstrdup("application/vnd.docker.distribution.manifest.v2+json");
	v[0].manifest_size = 527;
	v[0].layers = strv(D("11"), D("12"));
	v[0].names = strv("docker.io/library/busybox:1", "localhost:5000/app:v2");
	strcpy(v[1].manifest, D("a2"));
	strcpy(v[1].config, D("c2"));
	v[1].media_type = lxr_xstrdup("application/vnd.oci.image.manifest.v1+json");
	v[1].manifest_size = 400;
	v[1].layers = strv(D("21"), NULL);
	v[1].names = strv(NULL, NULL);
	return v;
}

static void images_free(struct save_image *v)
{
	for (size_t i = 0; i < 2; i++) {
		lxr_strv_free(v[i].layers);
		lxr_strv_free(v[i].names);
		free(v[i].media_type);
	}
	free(v);
}

static void manifest_json(void **state)
{
	struct save_image *v = images();
	char *got = save_manifest_json(v, 2);

	/* docker's short names; null tags for an image saved by ID */
	assert_string_equal(
	    got, "[{\"Config\":\"blobs/sha256/" H(
		     "c1") "\",\"RepoTags\":[\"busybox:1\","
			   "\"localhost:5000/app:v2\"],\"Layers\":[\"blobs/sha256/" H(
			       "11") "\","
				     "\"blobs/sha256/" H("12") "\"]},{\"Config\":\"blobs/sha256/" H(
					 "c2") "\","
					       "\"RepoTags\":null,\"Layers\":[\"blobs/sha256/" H(
						   "21") "\"]}]");
	free(got);
	images_free(v);
}

static void repositories(void **state)
{
	struct save_image *v = images();
	char *got = save_repositories_json(v, 2);

	/* each repository's tags point at the image's top layer */
	assert_string_equal(got, "{\"busybox\":{\"1\":\"" H(
				     "12") "\"},"
					   "\"localhost:5000/app\":{\"v2\":\"" H("12") "\"}}");
	free(got);
	/* no names at all: no file */
	assert_null(save_repositories_json(v + 1, 1));
	images_free(v);
}

static void index_docker(void **state)
{
	struct save_image *v = images();
	char *got = save_index_json(v, 2, IMG_SAVE_DOCKER);

	assert_string_equal(
	    got,
	    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
	    "\"manifests\":["
	    "{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
	    "\"digest\":\"" D(
		"a1") "\",\"size\":527,\"annotations\":{"
		      "\"io.containerd.image.name\":\"docker.io/library/busybox:1\","
		      "\"org.opencontainers.image.ref.name\":\"1\"}},"
		      "{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
		      "\"digest\":\"" D(
			  "a1") "\",\"size\":527,\"annotations\":{"
				"\"io.containerd.image.name\":\"localhost:5000/app:v2\","
				"\"org.opencontainers.image.ref.name\":\"v2\"}},"
				"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
				"\"digest\":\"" D("a2") "\",\"size\":400}]}");
	free(got);
	images_free(v);
}

static void index_oci(void **state)
{
	struct save_image *v = images();
	char *got = save_index_json(v, 1, IMG_SAVE_OCI);

	/* the whole name as ref.name, as podman writes it */
	assert_non_null(strstr(got, "{\"org.opencontainers.image.ref.name\":"
				    "\"docker.io/library/busybox:1\"}"));
	assert_non_null(strstr(got, "{\"org.opencontainers.image.ref.name\":"
				    "\"localhost:5000/app:v2\"}"));
	assert_null(strstr(got, "containerd"));
	free(got);
	images_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(manifest_json),
	    cmocka_unit_test(repositories),
	    cmocka_unit_test(index_docker),
	    cmocka_unit_test(index_oci),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
