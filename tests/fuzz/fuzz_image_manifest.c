/* libFuzzer target for the image documents that point at other documents:
 * an image manifest (OCI or docker schema 2: img_manifest_parse), an image
 * index or manifest list (img_index_pick: this host's image), and, read by
 * `lxr load`, a docker-save manifest.json (load_docker) and an OCI layout's
 * index.json (load_oci). The loaders run against a real store on the
 * private scratch tmpfs (scratch.c) that holds one small image; the names
 * an archive could hold are "config.json", "layer.tar" and
 * "blobs/sha256/<hex>" of the store's four blobs (layer, config, manifest,
 * and an index over the manifest). Each run starts from that same store.
 * Besides the sanitizers it checks that a rejected document says why and
 * leaves nothing behind, that digests taken from a document are sha256
 * digests, and that every name load reports is a tag the store resolves.
 * Seeds: tests/fuzz/corpus/image_manifest/. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "image/tools/load.h"
#include "scratch.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { LAYER, CONFIG, MANIFEST, INDEX, N_BLOBS };

static struct img_store *store;
static int rootfd = -1;  /* the store's root, for index.json */
static DIR *blobs_dir;   /* blobs/sha256, open for the whole process */
static int created = -1; /* inotify: a name appeared in either of them */
static char blobs[N_BLOBS][IMG_DIGEST_LEN];
static struct load_file files[2 + N_BLOBS]; /* what the "archive" holds */

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_image_manifest: %s\n", what);
		abort();
	}
}

static const uint8_t *input; /* this run's document, for check_err */
static size_t input_len;

static void check_err(const lxr_err *err)
{
	size_t n = strlen(err->msg);

	/* jansson's position and text are empty for a document that parsed:
	 * an error quoting them has lost its reason */
	check(n > 2 && strcmp(err->msg + n - 2, ": "), "an error without its reason");
	check(!strstr(err->msg, "line -1") || memmem(input, input_len, "line -1", 7),
	      "an error at line -1");
	check(err->errnum != EROFS, "a write outside the scratch filesystem");
}

static void put(int which, const char *text, size_t len)
{
	lxr_err err;

	if (img_blob_put(store, text, len, NULL, blobs[which], &err) < 0) {
		fprintf(stderr, "fuzz_image_manifest: set up the store: %s\n", err.msg);
		abort();
	}
}

/* One image: an empty layer (a tar's end marker), its config, a manifest,
 * and an index that lists the manifest. */
static void make_image(void)
{
	static const char empty_tar[1024];
	struct img_layer_desc l = {.media_type = (char *)"application/vnd.oci.image.layer.v1.tar",
				   .size = sizeof(empty_tar)};
	char *text;
	lxr_err err;

	put(LAYER, empty_tar, sizeof(empty_tar));
	memcpy(l.digest, blobs[LAYER], IMG_DIGEST_LEN);
	/* no platform in the config and none in the index: the same four
	 * digests on every host, for the seeds to name */
	text = lxr_xasprintf("{\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\"]},\"rootfs\":"
			     "{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}",
			     blobs[LAYER]);
	put(CONFIG, text, strlen(text));
	free(text);
	text = img_manifest_build(blobs[CONFIG], 0, &l, 1);
	put(MANIFEST, text, strlen(text));
	free(text);
	text = lxr_xasprintf("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index."
			     "v1+json\",\"manifests\":[{\"mediaType\":\"application/vnd.oci.image."
			     "manifest.v1+json\",\"digest\":\"%s\",\"size\":1}]}",
			     blobs[MANIFEST]);
	put(INDEX, text, strlen(text));
	free(text);
	if (img_store_unpack(store, blobs[MANIFEST], &err) < 0) {
		fprintf(stderr, "fuzz_image_manifest: unpack the image: %s\n", err.msg);
		abort();
	}
	files[0] = (struct load_file){lxr_xstrdup("layer.tar"), ""};
	memcpy(files[0].digest, blobs[LAYER], IMG_DIGEST_LEN);
	files[1] = (struct load_file){lxr_xstrdup("config.json"), ""};
	memcpy(files[1].digest, blobs[CONFIG], IMG_DIGEST_LEN);
	for (int i = 0; i < N_BLOBS; i++) {
		files[2 + i].name = lxr_xasprintf("blobs/sha256/%s", img_digest_hex(blobs[i]));
		memcpy(files[2 + i].digest, blobs[i], IMG_DIGEST_LEN);
	}
}

/* Most documents are rejected before the store is touched: an inotify
 * queue that stays empty says there is nothing to reset, for one read
 * instead of a directory listing. Every way a name appears (a new blob, a
 * temporary file, index.json renamed into place) is a create or a move in
 * one of the two directories. */
static void watch_store(const char *root)
{
	char path[96];

	created = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	snprintf(path, sizeof(path), "%s/blobs/sha256", root);
	blobs_dir = opendir(path);
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (created < 0 || !blobs_dir || rootfd < 0 ||
	    inotify_add_watch(created, root, IN_CREATE | IN_MOVED_TO | IN_ONLYDIR) < 0 ||
	    inotify_add_watch(created, path, IN_CREATE | IN_MOVED_TO | IN_ONLYDIR) < 0) {
		perror("fuzz_image_manifest: watch the store");
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int scratch = fuzz_scratch_open(*argc, *argv);
	char dir[64];
	lxr_err err;

	snprintf(dir, sizeof(dir), "/proc/self/fd/%d", scratch);
	if (img_store_open(dir, &store, &err) < 0) {
		fprintf(stderr, "fuzz_image_manifest: %s\n", err.msg);
		abort();
	}
	make_image();
	watch_store(img_store_root(store));
	return 0;
}

/* Back to the store make_image left: no index, no blob but its four. */
static void reset_store(void)
{
	char events[4096];
	ssize_t n;
	bool any = false;
	struct dirent *de;

	while ((n = read(created, events, sizeof(events))) > 0)
		any = true;
	check(n < 0 && errno == EAGAIN, "read the store's inotify events");
	if (!any)
		return;
	check(unlinkat(rootfd, "index.json", 0) == 0 || errno == ENOENT, "remove index.json");
	rewinddir(blobs_dir);
	while ((de = readdir(blobs_dir))) {
		bool keep = de->d_name[0] == '.';

		for (int i = 0; i < N_BLOBS && !keep; i++)
			keep = !strcmp(de->d_name, img_digest_hex(blobs[i]));
		check(keep || unlinkat(dirfd(blobs_dir), de->d_name, 0) == 0, "remove a blob");
	}
}

static void fuzz_manifest(const char *text, size_t len)
{
	struct img_manifest m;
	lxr_err err = {0};

	if (img_manifest_parse(text, len, &m, &err) < 0) {
		check_err(&err);
		check(m.layers == NULL && m.n_layers == 0, "a rejected manifest left layers");
		return;
	}
	check(img_digest_valid(m.config_digest), "a config digest that is no sha256 digest");
	for (size_t i = 0; i < m.n_layers; i++)
		check(img_digest_valid(m.layers[i].digest) && m.layers[i].media_type,
		      "a layer without a digest or media type");
	img_manifest_free(&m);
}

static void fuzz_index(const char *text, size_t len)
{
	char digest[IMG_DIGEST_LEN];
	lxr_err err = {0};

	if (img_index_pick(text, len, digest, &err) < 0)
		check_err(&err);
	else
		check(img_digest_valid(digest), "picked a digest that is no sha256 digest");
}

/* Every name load reports is one the store now resolves. */
static void check_names(char **names)
{
	for (size_t i = 0; names[i]; i++) {
		char manifest[IMG_DIGEST_LEN];
		char *name = NULL;
		lxr_err err;

		check(img_store_find(store, names[i], manifest, &name, &err) == 0,
		      "load named an image the store cannot find");
		free(name);
	}
}

static void fuzz_load(char *text, size_t len, bool docker)
{
	char **names = lxr_xcalloc(1, sizeof(char *));
	struct loader ld = {.s = store,
			    .path = "fuzz.tar",
			    .dirfd = -1,
			    .files = files,
			    .n = sizeof(files) / sizeof(files[0]),
			    .names = &names};
	lxr_err err = {0};
	int r;

	if (docker) {
		ld.manifest_json = text;
		ld.manifest_len = len;
		r = load_docker(&ld, &err);
	} else {
		ld.index_json = text;
		ld.index_len = len;
		r = load_oci(&ld, &err);
	}
	if (r < 0)
		check_err(&err);
	else
		check_names(names);
	lxr_strv_free(names);
	reset_store();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so reading past len is an ASan report; the
	 * loaders get the NUL after the document that keep_doc adds */
	char *exact = lxr_xmalloc(size ? size : 1), *doc = lxr_xmalloc(size + 1);

	input = data;
	input_len = size;
	memcpy(exact, data, size);
	memcpy(doc, data, size);
	doc[size] = '\0';
	fuzz_manifest(exact, size);
	fuzz_index(exact, size);
	free(exact);
	fuzz_load(doc, size, true);
	fuzz_load(doc, size, false);
	free(doc);
	return 0;
}
