/* The store: blobs verified on write and on read, a hostile layer leaves
 * nothing in the store, tags and dangling images, and garbage collection
 * that keeps what an image or a running container needs. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "image/tools/tools.h"

struct fx {
	char dir[64];
	struct img_store *s;
};

static int setup(void **state)
{
	struct fx *f = lxr_xcalloc(1, sizeof(*f));
	lxr_err err;

	snprintf(f->dir, sizeof(f->dir), "/tmp/lxr-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(img_store_open(f->dir, &f->s, &err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	lxr_err err;

	img_store_close(f->s);
	assert_int_equal(lxr_rm_rf(f->dir, &err), 0);
	free(f);
	return 0;
}

/* Names in a store subdirectory, "." entries included, joined by ' '. */
static char *listing(struct fx *f, const char *sub)
{
	_cleanup_free_ char *p = lxr_xasprintf("%s/images/%s", f->dir, sub);
	DIR *d = opendir(p);
	struct dirent *de;
	char *out = lxr_xstrdup("");

	assert_non_null(d);
	while ((de = readdir(d))) {
		char *n;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n = lxr_xasprintf("%s%s%s", out, *out ? " " : "", de->d_name);
		free(out);
		out = n;
	}
	closedir(d);
	return out;
}

static void blobs_are_verified_on_write(void **state)
{
	struct fx *f = *state;
	char want[IMG_DIGEST_LEN], got[IMG_DIGEST_LEN];
	_cleanup_free_ char *left = NULL;
	lxr_err err;

	img_digest_of("hello", 5, want);
	assert_string_equal(
	    want, "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
	/* content that does not hash to the name it claims is not stored */
	assert_int_equal(img_blob_put(f->s, "hellO", 5, want, got, &err), -1);
	assert_int_equal(err.errnum, EBADMSG);
	assert_non_null(strstr(err.msg, want));
	assert_false(img_blob_exists(f->s, want));
	left = listing(f, "blobs/sha256");
	assert_string_equal(left, ""); /* no temp file either */
	assert_int_equal(img_blob_put(f->s, "hello", 5, want, got, &err), 0);
	assert_true(img_blob_exists(f->s, want));
	assert_false(img_digest_valid(
	    "sha256:2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824"));
	assert_false(img_digest_valid("sha512:2cf2"));
}

static void blobs_are_verified_on_read(void **state)
{
	struct fx *f = *state;
	char dg[IMG_DIGEST_LEN];
	_cleanup_free_ char *path = NULL;
	char *text = NULL;
	size_t len;
	int fd;
	lxr_err err;

	assert_int_equal(img_blob_put(f->s, "{\"a\":1}", 7, NULL, dg, &err), 0);
	assert_int_equal(img_blob_read(f->s, dg, &text, &len, &err), 0);
	free(text);
	/* a flipped byte on disk */
	path = lxr_xasprintf("%s/images/blobs/sha256/%s", f->dir, img_digest_hex(dg));
	fd = open(path, O_WRONLY);
	assert_int_equal(pwrite(fd, "2", 1, 5), 1);
	close(fd);
	assert_int_equal(img_blob_read(f->s, dg, &text, &len, &err), -1);
	assert_int_equal(err.errnum, EBADMSG);
}

static void put_tar(struct fx *f, const char *name, const char *link, char *dg)
{
	struct img_blob_writer w;
	char buf[8192];
	size_t used = 0;
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	lxr_err err;

	archive_write_set_format_pax_restricted(a);
	archive_write_open_memory(a, buf, sizeof(buf), &used);
	archive_entry_set_pathname(e, "ok");
	archive_entry_set_filetype(e, AE_IFDIR);
	archive_entry_set_perm(e, 0755);
	archive_write_header(a, e);
	archive_entry_clear(e);
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, link ? AE_IFLNK : AE_IFREG);
	archive_entry_set_perm(e, 0644);
	if (link)
		archive_entry_set_symlink(e, link);
	archive_write_header(a, e);
	archive_entry_free(e);
	archive_write_close(a);
	archive_write_free(a);
	assert_int_equal(img_blob_begin(f->s, &w, &err), 0);
	assert_int_equal(img_blob_write(&w, buf, used, &err), 0);
	assert_int_equal(img_blob_commit(&w, NULL, dg, &err), 0);
}

static void hostile_layer_leaves_nothing(void **state)
{
	struct fx *f = *state;
	char blob[IMG_DIGEST_LEN], diffid[IMG_DIGEST_LEN];
	_cleanup_free_ char *left = NULL;
	lxr_err err;

	put_tar(f, "ok/../../../../tmp/lxr-store-escape", NULL, blob);
	assert_int_equal(img_layer_ensure(f->s, blob, NULL, diffid, &err), -1);
	assert_non_null(strstr(err.msg, "lxr-store-escape"));
	assert_non_null(strstr(err.msg, "leaves the layer"));
	left = listing(f, "layers");
	/* the half-unpacked directory is gone; only the unpack lock remains */
	assert_non_null(lxr_str_has_suffix(left, ".lock") ? left : NULL);
	assert_null(strchr(left, ' '));
	assert_int_equal(access("/tmp/lxr-store-escape", F_OK), -1);
}

static void layer_unpacked_once_and_verified(void **state)
{
	struct fx *f = *state;
	char blob[IMG_DIGEST_LEN], diffid[IMG_DIGEST_LEN], again[IMG_DIGEST_LEN];
	char wrong[IMG_DIGEST_LEN];
	lxr_err err;

	put_tar(f, "ok/file", NULL, blob);
	assert_int_equal(img_layer_ensure(f->s, blob, NULL, diffid, &err), 0);
	/* an uncompressed layer's diff ID is its blob digest */
	assert_string_equal(diffid, blob);
	assert_true(img_layer_exists(f->s, diffid));
	assert_int_equal(img_layer_ensure(f->s, blob, diffid, again, &err), 0);
	assert_string_equal(again, diffid);
	/* a config claiming another diff ID for the blob is caught */
	img_digest_of("other", 5, wrong);
	assert_int_equal(img_layer_ensure(f->s, blob, wrong, again, &err), -1);
	assert_int_equal(err.errnum, EBADMSG);
	assert_false(img_layer_exists(f->s, wrong));
}

static void import_tag_prune(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *rootfs = lxr_xasprintf("%s/rootfs", f->dir);
	_cleanup_free_ char *binf = lxr_xasprintf("%s/rootfs/bin", f->dir);
	struct img_image im;
	struct img_summary *v;
	struct img_prune_stats st;
	size_t n;
	int use = -1;
	lxr_err err;

	assert_int_equal(lxr_mkdir_p(binf, 0755, &err), 0);
	assert_int_equal(img_import(f->s, rootfs, "app:1", NULL, &err), 0);
	assert_int_equal(img_import(f->s, rootfs, "app:2", NULL, &err), 0);
	assert_int_equal(img_resolve(f->s, "app:1", &im, &err), 0);
	assert_string_equal(im.name, "docker.io/library/app:1");
	assert_int_equal(lxr_strv_len(im.layer_dirs), 1);
	assert_int_equal(img_use_acquire(f->s, &im, "test", &use, &err), 0);
	img_gc_unlock(f->s);
	/* the image is in use: removing its last tag is refused */
	assert_int_equal(img_remove(f->s, "app:2", NULL, false, &err), 0);
	assert_int_equal(img_remove(f->s, "app:1", NULL, false, &err), -1);
	assert_int_equal(err.errnum, EBUSY);
	assert_int_equal(img_list(f->s, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_true(v[0].in_use);
	assert_string_equal(v[0].tag, "1");
	img_summaries_free(v, n);
	/* the holder is gone (its lock with it): now it may go, layers too */
	close(use);
	assert_int_equal(img_remove(f->s, "app:1", NULL, false, &err), 0);
	assert_int_equal(access(im.layer_dirs[0], F_OK), -1);
	assert_int_equal(img_prune(f->s, NULL, false, &st, &err), 0);
	assert_int_equal(img_list(f->s, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	img_summaries_free(v, n);
	img_image_free(&im);
	assert_int_equal(img_resolve(f->s, "app:1", &im, &err), -1);
	assert_int_equal(err.errnum, ENOENT);
}

static void retag_leaves_dangling_until_prune(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *a = lxr_xasprintf("%s/a", f->dir), *b = lxr_xasprintf("%s/b", f->dir);
	_cleanup_free_ char *bf = lxr_xasprintf("%s/b/x", f->dir);
	struct img_summary *v;
	struct img_prune_stats st;
	size_t n;
	lxr_err err;

	assert_int_equal(lxr_mkdir_p(a, 0755, &err), 0);
	assert_int_equal(lxr_mkdir_p(bf, 0755, &err), 0);
	assert_int_equal(img_import(f->s, a, "app", NULL, &err), 0);
	assert_int_equal(img_import(f->s, b, "app", NULL, &err), 0);
	assert_int_equal(img_list(f->s, &v, &n, &err), 0);
	assert_int_equal(n, 2); /* the new app:latest and the old one, dangling */
	assert_null(v[1].name);
	assert_string_equal(v[1].tag, "<none>");
	img_summaries_free(v, n);
	assert_int_equal(img_prune(f->s, NULL, false, &st, &err), 0);
	assert_int_equal(st.images, 1);
	assert_true(st.layers >= 1);
	assert_int_equal(img_list(f->s, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	img_summaries_free(v, n);
}

/* An image a stopped container holds: rmi refuses it, -f untags it and it
 * stays; prune (and prune -a) leave it; without the hold both take it. */
static void held_image_stays(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *rootfs = lxr_xasprintf("%s/rootfs", f->dir);
	_cleanup_free_ char *binf = lxr_xasprintf("%s/rootfs/bin", f->dir);
	_cleanup_free_ char *other = lxr_xasprintf("%s/other/x", f->dir);
	struct img_image im;
	struct img_summary *v;
	struct img_prune_stats st;
	char *ids[2] = {NULL, NULL}, *holders[2] = {"kept", NULL};
	struct img_holds h = {ids, holders};
	size_t n;
	lxr_err err;

	assert_int_equal(lxr_mkdir_p(binf, 0755, &err), 0);
	assert_int_equal(lxr_mkdir_p(other, 0755, &err), 0);
	assert_int_equal(img_import(f->s, rootfs, "app:1", NULL, &err), 0);
	*strrchr(other, '/') = '\0';
	assert_int_equal(img_import(f->s, other, "spare:1", NULL, &err), 0);
	assert_int_equal(img_resolve(f->s, "app:1", &im, &err), 0);
	ids[0] = im.config_digest;
	img_gc_unlock(f->s);
	assert_int_equal(img_remove(f->s, "app:1", &h, false, &err), -1);
	assert_int_equal(err.errnum, EBUSY);
	assert_non_null(strstr(err.msg, "stopped container kept"));
	assert_int_equal(img_remove(f->s, "app:1", &h, true, &err), 0);
	/* untagged, still there by its ID */
	struct img_image again;
	assert_int_equal(img_resolve(f->s, im.config_digest, &again, &err), 0);
	img_image_free(&again);
	img_gc_unlock(f->s);
	assert_int_equal(img_prune(f->s, &h, true, &st, &err), 0);
	assert_int_equal(st.images, 1); /* spare:1, which nothing holds */
	assert_int_equal(img_list(f->s, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].tag, "<none>");
	img_summaries_free(v, n);
	/* the container gone, its image goes with the next prune */
	assert_int_equal(img_prune(f->s, NULL, false, &st, &err), 0);
	assert_int_equal(st.images, 1);
	assert_int_equal(img_list(f->s, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	img_summaries_free(v, n);
	img_image_free(&im);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(blobs_are_verified_on_write, setup, teardown),
	    cmocka_unit_test_setup_teardown(blobs_are_verified_on_read, setup, teardown),
	    cmocka_unit_test_setup_teardown(hostile_layer_leaves_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(layer_unpacked_once_and_verified, setup, teardown),
	    cmocka_unit_test_setup_teardown(import_tag_prune, setup, teardown),
	    cmocka_unit_test_setup_teardown(retag_leaves_dangling_until_prune, setup, teardown),
	    cmocka_unit_test_setup_teardown(held_image_stays, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
