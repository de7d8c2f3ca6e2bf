/* lxr load: docker-save archives and OCI image layouts (a directory, or a
 * tar of one). An archive is read once: every file goes into the store as a
 * blob (hashed on the way), the two index documents stay in memory, then
 * the images they describe are assembled from blobs already verified. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "image/tools/tools.h"
#include "image/tools/load.h"
#include "image/tools/unpack.h"

static int keep_doc(struct loader *ld, struct archive *a, char **doc, size_t *len, lxr_err *err)
{
	char buf[1 << 16];
	la_ssize_t n;

	free(*doc);
	*doc = NULL;
	*len = 0;
	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
		if (*len + (size_t)n > (4u << 20))
			return lxr_fail(err, EFBIG, "%s: index document over 4 MiB", ld->path);
		*doc = lxr_xrealloc(*doc, *len + (size_t)n + 1);
		memcpy(*doc + *len, buf, (size_t)n);
		*len += (size_t)n;
	}
	if (n < 0)
		return lxr_fail(err, EIO, "%s: %s", ld->path, archive_error_string(a));
	if (!*doc)
		*doc = lxr_xstrdup("");
	else
		(*doc)[*len] = '\0';
	return 0;
}

static int ingest(struct loader *ld, struct archive *a, const char *name, lxr_err *err)
{
	struct img_blob_writer w;
	char buf[1 << 16];
	la_ssize_t n;
	struct load_file *f;

	if (!strcmp(name, "manifest.json"))
		return keep_doc(ld, a, &ld->manifest_json, &ld->manifest_len, err);
	if (!strcmp(name, "index.json"))
		return keep_doc(ld, a, &ld->index_json, &ld->index_len, err);
	/* layout and legacy metadata nothing refers to by name */
	if (!strcmp(name, "oci-layout") || !strcmp(name, "repositories"))
		return 0;
	if (img_blob_begin(ld->s, &w, err) < 0)
		return -1;
	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0)
		if (img_blob_write(&w, buf, (size_t)n, err) < 0) {
			img_blob_abort(&w);
			return -1;
		}
	if (n < 0) {
		img_blob_abort(&w);
		return lxr_fail(err, EIO, "%s: %s", ld->path, archive_error_string(a));
	}
	ld->files = lxr_xrealloc(ld->files, (ld->n + 1) * sizeof(*ld->files));
	f = &ld->files[ld->n];
	f->name = lxr_xstrdup(name);
	if (img_blob_commit(&w, NULL, f->digest, err) < 0) {
		free(f->name);
		return -1;
	}
	ld->n++;
	return 0;
}

/* A symlink or hard link among an archive's files (docker save links a
 * layer.tar that repeats to its first copy): the same blob under the
 * link's name, once the target is known. A link to outside the archive,
 * or to nothing, names no file and is left out. */
struct archive_link {
	char *name, *target;
};

static void resolve_links(struct loader *ld, struct archive_link *links, size_t nl)
{
	bool progress = true;

	while (progress) {
		progress = false;
		for (size_t i = 0; i < nl; i++) {
			if (!links[i].target)
				continue;
			for (size_t k = 0; k < ld->n; k++) {
				if (strcmp(ld->files[k].name, links[i].target))
					continue;
				ld->files =
				    lxr_xrealloc(ld->files, (ld->n + 1) * sizeof(*ld->files));
				ld->files[ld->n].name = links[i].name;
				memcpy(ld->files[ld->n].digest, ld->files[k].digest,
				       sizeof(ld->files[k].digest));
				ld->n++;
				links[i].name = NULL;
				free(links[i].target);
				links[i].target = NULL;
				progress = true;
				break;
			}
		}
	}
	for (size_t i = 0; i < nl; i++) {
		free(links[i].name);
		free(links[i].target);
	}
	free(links);
}

/* "a/b/../c" -> "a/c", lexically; false when it climbs out of the root */
static bool lexical_norm(const char *in, char *out, size_t n)
{
	_cleanup_free_ char *copy = lxr_xstrdup(in);
	char *save = NULL;
	size_t len = 0;

	out[0] = '\0';
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			char *slash;
			if (!len)
				return false;
			slash = strrchr(out, '/');
			len = slash ? (size_t)(slash - out) : 0;
			out[len] = '\0';
			continue;
		}
		if (len + strlen(c) + 2 > n)
			return false;
		len += (size_t)sprintf(out + len, "%s%s", len ? "/" : "", c);
	}
	return len > 0;
}

static void note_link(struct archive_link **links, size_t *nl, const char *norm,
		      struct archive_entry *e)
{
	const char *hard = archive_entry_hardlink(e), *sym = archive_entry_symlink(e);
	char target[PATH_MAX], joined[PATH_MAX];
	lxr_err ignored;

	if (hard) {
		if (unpack_norm_path(hard, target, sizeof(target), &ignored) < 0)
			return;
	} else if (sym && sym[0] != '/') {
		/* relative to the link's directory */
		const char *slash = strrchr(norm, '/');
		snprintf(joined, sizeof(joined), "%.*s%s", slash ? (int)(slash - norm + 1) : 0,
			 norm, sym);
		if (!lexical_norm(joined, target, sizeof(target)))
			return;
	} else {
		return;
	}
	*links = lxr_xrealloc(*links, (*nl + 1) * sizeof(**links));
	(*links)[(*nl)++] = (struct archive_link){lxr_xstrdup(norm), lxr_xstrdup(target)};
}

static int read_archive(struct loader *ld, lxr_err *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct archive_link *links = NULL;
	size_t nl = 0;
	char norm[PATH_MAX];
	int r;

	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, ld->path, 1 << 16) != ARCHIVE_OK) {
		lxr_fail(err, archive_errno(a) > 0 ? archive_errno(a) : EINVAL, "%s: %s", ld->path,
			 archive_error_string(a));
		archive_read_free(a);
		return -1;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		bool link = archive_entry_filetype(e) == AE_IFLNK || archive_entry_hardlink(e);
		if (archive_entry_filetype(e) != AE_IFREG && !link)
			continue;
		/* names are only keys here: nothing is written at them */
		if (unpack_norm_path(archive_entry_pathname(e), norm, sizeof(norm), err) < 0 ||
		    (link ? (note_link(&links, &nl, norm, e), 0) : ingest(ld, a, norm, err)) < 0) {
			archive_read_free(a);
			resolve_links(ld, links, nl);
			return lxr_err_wrap(err, "%s", ld->path);
		}
	}
	if (r != ARCHIVE_EOF)
		lxr_fail(err, EBADMSG, "%s: %s", ld->path, archive_error_string(a));
	archive_read_free(a);
	resolve_links(ld, links, nl);
	return r == ARCHIVE_EOF ? 0 : -1;
}

/* A document of the directory, as its blobs are read: a link is followed,
 * never out of the directory (a link to a host file would have a parse
 * error print a piece of it). */
static int read_dir_doc(struct loader *ld, const char *name, char **text, size_t *len, lxr_err *err)
{
	_cleanup_close_ int fd = load_open_beneath(ld, name);
	_cleanup_free_ char *self = NULL;
	lxr_err e2;

	if (fd < 0 && errno == EXDEV)
		return lxr_fail(err, EXDEV,
				"%s/%s: a link out of the image directory, not followed", ld->path,
				name);
	if (fd < 0)
		return errno == ENOENT ? 0 : lxr_fail(err, errno, "%s/%s", ld->path, name);
	self = lxr_xasprintf("/proc/self/fd/%d", fd);
	if (lxr_read_file_at(AT_FDCWD, self, text, len, &e2) < 0)
		return lxr_fail(err, e2.errnum, "%s/%s", ld->path, name);
	return 0;
}

static int read_dir_docs(struct loader *ld, lxr_err *err)
{
	if (read_dir_doc(ld, "index.json", &ld->index_json, &ld->index_len, err) < 0 ||
	    read_dir_doc(ld, "manifest.json", &ld->manifest_json, &ld->manifest_len, err) < 0)
		return -1;
	return 0;
}

static int load_locked(struct loader *ld, lxr_err *err)
{
	struct stat st;

	if (stat(ld->path, &st) < 0)
		return lxr_fail(err, errno, "%s", ld->path);
	if (S_ISDIR(st.st_mode)) {
		ld->dirfd = open(ld->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (ld->dirfd < 0 || read_dir_docs(ld, err) < 0)
			return ld->dirfd < 0 ? lxr_fail(err, errno, "%s", ld->path) : -1;
	} else if (read_archive(ld, err) < 0) {
		return -1;
	}
	/* docker save since 25 writes both; manifest.json has the tags */
	if (ld->manifest_json)
		return load_docker(ld, err);
	if (ld->index_json)
		return load_oci(ld, err);
	return lxr_fail(err, EINVAL,
			"%s: neither a docker-save archive (manifest.json) nor an OCI "
			"image layout (index.json)",
			ld->path);
}

int img_load(struct img_store *s, const char *path, char ***names, lxr_err *err)
{
	struct loader ld = {.s = s, .path = path, .dirfd = -1};
	int r;

	*names = lxr_xcalloc(1, sizeof(char *));
	ld.names = names;
	if (img_gc_lock_shared(s, err) < 0)
		return -1;
	r = load_locked(&ld, err);
	img_gc_unlock(s);
	for (size_t i = 0; i < ld.n; i++)
		free(ld.files[i].name);
	free(ld.files);
	free(ld.manifest_json);
	free(ld.index_json);
	img_close(&ld.dirfd);
	if (r < 0)
		return lxr_err_wrap(err, "load %s", path);
	return 0;
}
