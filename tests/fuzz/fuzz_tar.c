/* libFuzzer target for the layer unpacker: the input is a layer blob (tar,
 * or tar under gzip, zstd, xz or bzip2) unpacked into a fresh directory of
 * a private scratch tmpfs (scratch.c: the rest of the host is read-only to
 * this process), then removed. Besides the sanitizers it checks what the
 * unpacker promises for any archive: nothing appears beside the layer
 * directory and nothing is written outside the scratch filesystem (EROFS),
 * an error always says what, the diff ID of an uncompressed layer is the
 * sha256 of its bytes, and no overlay xattr came from the archive. Seeds:
 * tests/fuzz/corpus/tar/.
 *
 * What a run costs besides the unpacker is kept to one pass over what it
 * made (checked and removed together) and one read of an inotify queue
 * (what appeared beside the layer directory): no listing, no rm -rf. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image/tools/tools.h"
#include "scratch.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int scratch = -1; /* holds layer/ (per run) and beside/ (always, empty) */
static int blob = -1;    /* the input, as the unpacker reads a blob: an fd */
static int created = -1; /* inotify on the scratch root and beside/ */
static int beside_wd = -1;

#define NEW_NAME (IN_CREATE | IN_MOVED_TO | IN_ONLYDIR)

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_tar: %s\n", what);
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char root[64], beside[80];

	scratch = fuzz_scratch_open(*argc, *argv);
	blob = memfd_create("layer", MFD_CLOEXEC);
	/* an entry that climbed one level out of layer/ would land here */
	if (blob < 0 || mkdirat(scratch, "beside", 0700) < 0)
		abort();
	/* a name that appears in either, by any means (create, mkdir, mknod,
	 * symlink, link, rename), is an event, even when gone again by the
	 * time the run looks */
	snprintf(root, sizeof(root), "/proc/self/fd/%d", scratch);
	snprintf(beside, sizeof(beside), "%s/beside", root);
	created = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (created < 0 || inotify_add_watch(created, root, NEW_NAME) < 0)
		abort();
	beside_wd = inotify_add_watch(created, beside, NEW_NAME);
	if (beside_wd < 0)
		abort();
	return 0;
}

/* The decompressors the unpacker has (open_readers); anything else is read
 * as a plain tar. */
static bool maybe_compressed(const uint8_t *d, size_t n)
{
	static const struct {
		const char *magic;
		size_t len;
	} m[] = {{"\x1f\x8b", 2}, {"\x28\xb5\x2f\xfd", 4}, {"\xfd\x37\x7a\x58\x5a", 5}, {"BZh", 3}};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (n >= m[i].len && !memcmp(d, m[i].magic, m[i].len))
			return true;
	return false;
}

/* overlayfs takes whiteouts and redirects from trusted.overlay.*: only the
 * unpacker's own opaque marker may be there, never the archive's */
static void check_xattrs(int dirfd, const char *name)
{
	char path[64], list[4096], val[8];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dirfd, name);
	n = llistxattr(path, list, sizeof(list));
	for (ssize_t i = 0; i > -1 && i < n; i += (ssize_t)strlen(list + i) + 1) {
		if (strncmp(list + i, "trusted.overlay.", 16))
			continue;
		check(!strcmp(list + i, "trusted.overlay.opaque") &&
			  lgetxattr(path, list + i, val, sizeof(val)) == 1 && val[0] == 'y',
		      "an overlay xattr the archive set");
	}
}

/* deep enough for any real layer; the fds of a deeper walk are not worth it */
#define WALK_DEPTH 32

/* Removes what is below dirfd, having checked each entry's xattrs when
 * check is set; deeper than WALK_DEPTH it only removes. */
static void walk(int dirfd, int depth, bool check_it)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *de;
	lxr_err err;
	char path[PATH_MAX];

	check(d != NULL, "opendir");
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (check_it)
			check_xattrs(dirfd, de->d_name);
		if (de->d_type != DT_DIR) {
			check(unlinkat(dirfd, de->d_name, 0) == 0, "remove an unpacked file");
		} else if (depth < WALK_DEPTH) {
			int fd = openat(dirfd, de->d_name,
					O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			check(fd >= 0, "open an unpacked directory");
			walk(fd, depth + 1, check_it);
			check(unlinkat(dirfd, de->d_name, AT_REMOVEDIR) == 0,
			      "remove an unpacked directory");
		} else {
			snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dirfd, de->d_name);
			if (lxr_rm_rf(path, &err) < 0) {
				fprintf(stderr, "fuzz_tar: %s\n", err.msg);
				abort();
			}
		}
	}
	closedir(d);
}

/* Since the last look, nothing appeared in beside/, and in the scratch
 * root only layer/, which the run made itself. */
static void check_nothing_beside(void)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(created, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n;) {
			const struct inotify_event *ev = (const void *)(buf + i);

			check(!(ev->mask & IN_Q_OVERFLOW), "more escapes than inotify could queue");
			check(ev->wd != beside_wd,
			      "an entry escaped into the directory beside the layer");
			check(ev->len && !strcmp(ev->name, "layer"),
			      "an entry escaped the layer directory");
			i += (ssize_t)(sizeof(*ev) + ev->len);
		}
	check(n < 0 && errno == EAGAIN, "read the inotify events");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char diffid[IMG_DIGEST_LEN], want[IMG_DIGEST_LEN];
	lxr_err err = {0};
	int layer, r;

	if (ftruncate(blob, 0) < 0 || pwrite(blob, data, size, 0) != (ssize_t)size ||
	    lseek(blob, 0, SEEK_SET) != 0)
		abort();
	/* 0755 and root-owned, as layer_ensure.c makes it */
	check(mkdirat(scratch, "layer", 0755) == 0, "mkdir layer");
	layer = openat(scratch, "layer", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	check(layer >= 0, "open layer");

	r = img_unpack_fd(blob, layer, diffid, &err);
	if (r == 0) {
		check(img_digest_valid(diffid), "a diff ID that is no sha256 digest");
		if (!maybe_compressed(data, size)) {
			img_digest_of(data, size, want);
			check(!strcmp(want, diffid), "the diff ID is not the tar's sha256");
		}
	} else {
		check(err.msg[0] != '\0', "an error without a message");
		check(err.errnum != EROFS, "a write outside the scratch filesystem");
	}
	walk(layer, 0, r == 0); /* closes layer */
	check(unlinkat(scratch, "layer", AT_REMOVEDIR) == 0, "remove layer");
	check_nothing_beside();
	return 0;
}
