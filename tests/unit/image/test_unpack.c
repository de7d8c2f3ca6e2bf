/* Layer unpacking: what a layer keeps (owners, modes, links, devices,
 * xattrs, sparse files, whiteouts), and every escape route an archive can
 * try, each refused with the entry named and nothing left behind. The
 * archives are written here with libarchive's writer. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <cmocka.h>

#include "image/tools/tools.h"

/* ---- writing test archives ---------------------------------------------- */

enum kind { F, D, L, H, C, P };
struct ent {
	enum kind k;
	const char *name;
	const char *arg; /* file content, link target */
	mode_t mode;
	int uid;
};

static int write_tar(const struct ent *es, const char *filter)
{
	int fd = memfd_create("layer", MFD_CLOEXEC);
	struct archive *a = archive_write_new();

	archive_write_set_format_pax_restricted(a);
	if (filter && !strcmp(filter, "gzip"))
		archive_write_add_filter_gzip(a);
	if (filter && !strcmp(filter, "zstd"))
		archive_write_add_filter_zstd(a);
	assert_int_equal(archive_write_open_fd(a, fd), ARCHIVE_OK);
	for (const struct ent *e = es; e->name; e++) {
		struct archive_entry *ae = archive_entry_new();
		static const mode_t types[] = {AE_IFREG, AE_IFDIR, AE_IFLNK,
					       AE_IFREG, AE_IFCHR, AE_IFIFO};
		archive_entry_set_pathname(ae, e->name);
		archive_entry_set_filetype(ae, types[e->k]);
		archive_entry_set_perm(ae, e->mode ? e->mode : (e->k == D ? 0755 : 0644));
		archive_entry_set_uid(ae, e->uid);
		archive_entry_set_gid(ae, e->uid);
		archive_entry_set_mtime(ae, 1700000000, 0);
		if (e->k == L)
			archive_entry_set_symlink(ae, e->arg);
		if (e->k == H)
			archive_entry_set_hardlink(ae, e->arg);
		if (e->k == C)
			archive_entry_set_rdev(ae, makedev(1, 3));
		if (e->k == F)
			archive_entry_set_size(ae, (la_int64_t)strlen(e->arg ? e->arg : ""));
		assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
		if (e->k == F && e->arg)
			archive_write_data(a, e->arg, strlen(e->arg));
		archive_entry_free(ae);
	}
	archive_write_close(a);
	archive_write_free(a);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* ---- a scratch directory per test -------------------------------------- */

struct scratch {
	char root[64]; /* holds layer/ and whatever an escape would hit */
	int layerfd;
};

static int setup(void **state)
{
	struct scratch *s = lxr_xcalloc(1, sizeof(*s));
	_cleanup_free_ char *layer = NULL;
	lxr_err err;

	snprintf(s->root, sizeof(s->root), "/tmp/lxr-unpack-XXXXXX");
	assert_non_null(mkdtemp(s->root));
	layer = lxr_xasprintf("%s/layer/deep", s->root);
	assert_int_equal(lxr_mkdir_p(layer, 0755, &err), 0);
	s->layerfd = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(s->layerfd >= 0);
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct scratch *s = *state;
	lxr_err err;

	close(s->layerfd);
	assert_int_equal(lxr_rm_rf(s->root, &err), 0);
	free(s);
	return 0;
}

static bool exists_at(int dirfd, const char *p)
{
	struct stat st;
	return fstatat(dirfd, p, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void need_root(void)
{
	/* whiteouts (mknod 0:0), chown and trusted.* xattrs are root's, and
	 * layer unpacking runs as root; say so rather than pass silently */
	if (geteuid() != 0) {
		print_message("needs root: mknod, chown and trusted.* xattrs\n");
		skip();
	}
}

/* ---- what a layer keeps ---------------------------------------------------- */

static void keeps_files_links_devices_owners(void **state)
{
	struct scratch *s = *state;
	const struct ent es[] = {
	    {D, "./", NULL, 0755, 0},
	    {D, "./etc/", NULL, 0750, 0},
	    {F, "./etc/hosts", "127.0.0.1 localhost\n", 0644, 0},
	    {F, "bin/suid", "x", 04755, 0},
	    {F, "home/app/own", "y", 0600, 1000},
	    {L, "bin/sh", "/bin/busybox", 0777, 0},
	    {L, "etc/rel", "../bin/suid", 0777, 0},
	    {H, "bin/suid-again", "bin/suid", 0, 0},
	    {C, "dev/null", NULL, 0666, 0},
	    {P, "run/fifo", NULL, 0600, 0},
	    {F, "etc/hosts", "replaced\n", 0644, 0}, /* later entry wins */
	    {0, NULL, NULL, 0, 0},
	};
	_cleanup_close_ int fd = -1;
	struct stat st, st2;
	char buf[64] = "";
	lxr_err err;

	need_root();
	fd = write_tar(es, NULL);
	if (img_unpack_fd(fd, s->layerfd, (char[IMG_DIGEST_LEN]){0}, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(fstatat(s->layerfd, "bin/suid", &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 04755); /* set-id survives the chown */
	assert_int_equal(fstatat(s->layerfd, "bin/suid-again", &st2, 0), 0);
	assert_int_equal(st.st_ino, st2.st_ino);
	assert_int_equal(st.st_mtime, 1700000000);
	assert_int_equal(fstatat(s->layerfd, "home/app/own", &st, 0), 0);
	assert_int_equal(st.st_uid, 1000);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(fstatat(s->layerfd, "etc", &st, 0), 0);
	assert_int_equal(st.st_mode & 0777, 0750);
	assert_int_equal(readlinkat(s->layerfd, "bin/sh", buf, sizeof(buf)), 12);
	assert_string_equal(buf, "/bin/busybox");
	assert_int_equal(fstatat(s->layerfd, "dev/null", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
	assert_int_equal(fstatat(s->layerfd, "run/fifo", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISFIFO(st.st_mode));
	{
		_cleanup_close_ int h = openat(s->layerfd, "etc/hosts", O_RDONLY);
		memset(buf, 0, sizeof(buf));
		assert_int_equal(read(h, buf, sizeof(buf)), 9);
		assert_string_equal(buf, "replaced\n");
	}
}

static void whiteouts_become_overlay_form(void **state)
{
	struct scratch *s = *state;
	const struct ent es[] = {
	    {F, "etc/.wh.passwd", "", 0, 0},
	    {D, "var/cache/", NULL, 0755, 0},
	    {F, "var/cache/.wh..wh..opq", "", 0, 0},
	    {F, "var/cache/new", "n", 0, 0},
	    {0, NULL, NULL, 0, 0},
	};
	_cleanup_close_ int fd = -1;
	struct stat st;
	char v[4] = "";
	_cleanup_free_ char *cache = NULL;
	lxr_err err;

	need_root();
	fd = write_tar(es, NULL);
	if (img_unpack_fd(fd, s->layerfd, (char[IMG_DIGEST_LEN]){0}, &err) < 0)
		fail_msg("%s", err.msg);
	/* OCI ".wh.passwd" -> overlayfs whiteout: char device 0:0 "passwd" */
	assert_int_equal(fstatat(s->layerfd, "etc/passwd", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(0, 0));
	assert_false(exists_at(s->layerfd, "etc/.wh.passwd"));
	/* ".wh..wh..opq" -> trusted.overlay.opaque=y on the directory */
	cache = lxr_xasprintf("%s/layer/deep/var/cache", s->root);
	assert_int_equal(getxattr(cache, "trusted.overlay.opaque", v, sizeof(v)), 1);
	assert_int_equal(v[0], 'y');
	assert_false(exists_at(s->layerfd, "var/cache/.wh..wh..opq"));
	assert_true(exists_at(s->layerfd, "var/cache/new"));
}

static void compressed_layers_have_the_tar_digest(void **state)
{
	struct scratch *s = *state;
	const struct ent es[] = {
	    {F, "a", "alpha", 0, 0},
	    {D, "d/", NULL, 0, 0},
	    {F, "d/b", "beta", 0, 0},
	    {0, NULL, NULL, 0, 0},
	};
	const char *filters[] = {NULL, "gzip", "zstd"};
	char plain[IMG_DIGEST_LEN], got[IMG_DIGEST_LEN];
	lxr_err err;

	for (size_t i = 0; i < 3; i++) {
		_cleanup_close_ int fd = write_tar(es, filters[i]);
		_cleanup_close_ int raw = write_tar(es, NULL);
		_cleanup_free_ char *dir = lxr_xasprintf("f%zu", i);
		_cleanup_close_ int dfd = -1;
		struct stat st;
		char *map;
		assert_int_equal(mkdirat(s->layerfd, dir, 0755), 0);
		dfd = openat(s->layerfd, dir, O_RDONLY | O_DIRECTORY);
		if (img_unpack_fd(fd, dfd, got, &err) < 0)
			fail_msg("%s: %s", filters[i] ? filters[i] : "tar", err.msg);
		fstat(raw, &st);
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, raw, 0);
		img_digest_of(map, (size_t)st.st_size, plain);
		munmap(map, (size_t)st.st_size);
		/* the diff ID is the digest of the uncompressed tar */
		assert_string_equal(got, plain);
		assert_true(exists_at(dfd, "d/b"));
	}
}

static void keeps_xattrs_and_holes(void **state)
{
	struct scratch *s = *state;
	int fd = memfd_create("layer", MFD_CLOEXEC);
	struct archive *a = archive_write_new();
	struct archive_entry *ae = archive_entry_new();
	char block[4096], v[8] = "";
	_cleanup_free_ char *path = NULL;
	struct stat st;
	lxr_err err;

	need_root();
	memset(block, 'z', sizeof(block));
	archive_write_set_format_pax(a);
	archive_write_open_fd(a, fd);
	archive_entry_set_pathname(ae, "sparse");
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, 0644);
	archive_entry_set_size(ae, 8 << 20);
	archive_entry_sparse_add_entry(ae, 0, 4096);
	archive_entry_sparse_add_entry(ae, (8 << 20) - 4096, 4096);
	archive_entry_xattr_add_entry(ae, "trusted.lxr-test", "kept", 4);
	/* overlay's own xattrs are lxr's to write, never an archive's */
	archive_entry_xattr_add_entry(ae, "trusted.overlay.opaque", "y", 1);
	assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
	archive_write_data(a, block, sizeof(block));
	archive_write_data(a, block, sizeof(block));
	archive_entry_free(ae);
	archive_write_close(a);
	archive_write_free(a);
	lseek(fd, 0, SEEK_SET);
	if (img_unpack_fd(fd, s->layerfd, (char[IMG_DIGEST_LEN]){0}, &err) < 0)
		fail_msg("%s", err.msg);
	close(fd);
	path = lxr_xasprintf("%s/layer/deep/sparse", s->root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 8 << 20);
	/* holes stay holes: far fewer blocks than the size */
	assert_true(st.st_blocks * 512 < (1 << 20));
	assert_int_equal(getxattr(path, "trusted.lxr-test", v, sizeof(v)), 4);
	assert_memory_equal(v, "kept", 4);
	assert_int_equal(getxattr(path, "trusted.overlay.opaque", v, sizeof(v)), -1);
}

/* ---- escape routes ------------------------------------------------------------ */

struct hostile {
	const char *what;
	struct ent es[4];
	const char *entry;   /* the entry the error must name */
	const char *outside; /* below scratch root: must not appear */
};

static const struct hostile hostile[] = {
    {"absolute path",
     {{F, "/tmp/lxr-unpack-abs-escape", "x", 0, 0}},
     "/tmp/lxr-unpack-abs-escape",
     NULL},
    {"dot-dot", {{F, "../escape", "x", 0, 0}}, "../escape", "layer/escape"},
    {"dot-dot deep", {{F, "a/../../../escape", "x", 0, 0}}, "a/../../../escape", "escape"},
    {"symlinked parent (absolute)",
     {{L, "link", "/tmp", 0, 0}, {F, "link/lxr-unpack-sym-escape", "x", 0, 0}},
     "link/lxr-unpack-sym-escape",
     NULL},
    {"symlinked parent (relative, out)",
     {{L, "up", "..", 0, 0}, {F, "up/escape", "x", 0, 0}},
     "up",
     "layer/escape"},
    {"symlinked parent (relative, in)",
     {{D, "sub/", NULL, 0, 0}, {L, "d", "sub", 0, 0}, {F, "d/file", "x", 0, 0}},
     "d/file",
     NULL},
    {"symlink pointing out",
     {{L, "etc/shadow", "../../../../etc/shadow", 0, 0}},
     "etc/shadow",
     NULL},
    {"hard link out (dot-dot)", {{H, "hl", "../../escape-target", 0, 0}}, "hl", NULL},
    {"hard link out (absolute)", {{H, "passwd", "/etc/passwd", 0, 0}}, "passwd", NULL},
    {"hard link through a symlink",
     {{L, "s", "/etc", 0, 0}, {H, "p", "s/passwd", 0, 0}},
     "\"p\"",
     NULL},
    {"whiteout of dot-dot", {{F, ".wh..", "", 0, 0}}, ".wh..", NULL},
    {"symlink without a target", {{L, "nowhere", NULL, 0, 0}}, "nowhere", NULL},
};

static void hostile_archives_are_refused(void **state)
{
	struct scratch *s = *state;
	_cleanup_close_ int rootfd = open(s->root, O_RDONLY | O_DIRECTORY);
	char target[128];
	lxr_err err;

	/* a target a hard link could reach if ".." were followed */
	snprintf(target, sizeof(target), "%s/layer/escape-target", s->root);
	close(open(target, O_CREAT | O_WRONLY, 0600));
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		const struct hostile *h = &hostile[i];
		_cleanup_free_ char *dir = lxr_xasprintf("h%zu", i);
		_cleanup_close_ int fd = write_tar(h->es, NULL);
		_cleanup_close_ int dfd = -1;
		assert_int_equal(mkdirat(s->layerfd, dir, 0755), 0);
		dfd = openat(s->layerfd, dir, O_RDONLY | O_DIRECTORY);
		memset(&err, 0, sizeof(err));
		if (img_unpack_fd(fd, dfd, (char[IMG_DIGEST_LEN]){0}, &err) == 0)
			fail_msg("%s: archive accepted", h->what);
		print_message("refused %s: %s\n", h->what, err.msg);
		if (!strstr(err.msg, h->entry))
			fail_msg("%s: error \"%s\" does not name \"%s\"", h->what, err.msg,
				 h->entry);
		assert_false(exists_at(rootfd, "escape"));
		assert_false(exists_at(rootfd, "layer/escape"));
		assert_false(exists_at(AT_FDCWD, "/tmp/lxr-unpack-abs-escape"));
		assert_false(exists_at(AT_FDCWD, "/tmp/lxr-unpack-sym-escape"));
		if (h->outside)
			assert_false(exists_at(rootfd, h->outside));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(keeps_files_links_devices_owners, setup, teardown),
	    cmocka_unit_test_setup_teardown(whiteouts_become_overlay_form, setup, teardown),
	    cmocka_unit_test_setup_teardown(compressed_layers_have_the_tar_digest, setup, teardown),
	    cmocka_unit_test_setup_teardown(keeps_xattrs_and_holes, setup, teardown),
	    cmocka_unit_test_setup_teardown(hostile_archives_are_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
