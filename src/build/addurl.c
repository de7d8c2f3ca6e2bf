/* ADD's sources, as docker's builder takes them: an http:// or https://
 * URL is downloaded (by lxr-image, which links libcurl) into the build's
 * work directory, its file named after the URL's path, its digest part of
 * the step's cache key and checked against --checksum; a git repository is
 * refused; a local archive is recognised by its content. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "build/build_internal.h"

bool bldx_is_url(const char *s)
{
	return lxr_str_has_prefix(s, "http://") || lxr_str_has_prefix(s, "https://");
}

/* BuildKit's reading of a git source: git@, git://, github.com/, or an
 * http(s) URL whose path ends in .git (a #ref may follow) */
bool bldx_is_git(const char *s)
{
	if (lxr_str_has_prefix(s, "git@") || lxr_str_has_prefix(s, "git://") ||
	    lxr_str_has_prefix(s, "github.com/"))
		return true;
	if (!bldx_is_url(s))
		return false;
	size_t n = strcspn(s, "#?");
	return n >= 4 && !strncmp(s + n - 4, ".git", 4);
}

/* the last component of the URL's path; "download" where it has none
 * (BuildKit's fallback) */
char *bldx_url_name(const char *url)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	p += strcspn(p, "/?#"); /* past the host */
	size_t n = *p == '/' ? strcspn(p, "?#") : 0;
	while (n > 0 && p[n - 1] == '/')
		n--;
	const char *b = p + n;
	while (b > p && b[-1] != '/')
		b--;
	size_t len = (size_t)(p + n - b);
	if (!len || (len == 1 && *b == '.') || (len == 2 && !strncmp(b, "..", 2)))
		return lxr_xstrdup("download");
	return lxr_xstrndup(b, len);
}

static int file_sha256(const char *path, char out[72], lxr_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct sha256_ctx h;
	uint8_t buf[1 << 16], d[SHA256_DIGEST_SIZE];
	ssize_t n;

	if (fd < 0)
		return lxr_fail(err, errno, "open %s", path);
	sha256_init(&h);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sha256_update(&h, (size_t)n, buf);
	if (n < 0)
		return lxr_fail(err, errno, "read %s", path);
	sha256_digest(&h, sizeof(d), d);
	memcpy(out, "sha256:", 7);
	for (size_t i = 0; i < sizeof(d); i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", d[i]);
	return 0;
}

int bldx_url_fetch(struct bldx_run *r, const struct df_instr *in, const char *url, char **dir,
		   char **name, char digest[72], lxr_err *err)
{
	const char *sum = bldx_flag(in, "checksum");

	*dir = lxr_xasprintf("%s/url/%d", r->o->work, r->n_mounts++);
	*name = bldx_url_name(url);
	_cleanup_free_ char *file = lxr_xasprintf("%s/%s", *dir, *name);
	if (lxr_mkdir_p(*dir, 0700, err) < 0 ||
	    img_tool_fetch_url(r->o->store, url, file, err) < 0 ||
	    file_sha256(file, digest, err) < 0)
		return bldx_fail(err, r->o->f, in, "ADD %s: %s", url, err->msg);
	if (sum && strcmp(sum, digest)) {
		bldx_fail(err, r->o->f, in, "ADD %s: checksum mismatch: --checksum=%s, got %s", url,
			  sum, digest);
		return lxr_err_hint(err, "fix the checksum, or the URL if its content changed");
	}
	return 0;
}

/* ADD's URL sources downloaded before the key is made: BuildKit's key has
 * the URL and the content's digest (a git repository is refused) */
int bldx_add_urls(struct bldx_run *r, const struct df_instr *in, char **srcs, size_t n,
		  char ***dirs, char ***names, char ***keys, lxr_err *err)
{
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		if (bldx_is_git(srcs[i]))
			return bldx_fail(
				   err, r->o->f, in,
				   "ADD %s: a git repository is not supported by lxr's builder",
				   srcs[i]),
			       lxr_err_hint(err, "clone it into the build context and COPY it");
		any |= bldx_is_url(srcs[i]);
	}
	if (bldx_flag(in, "checksum") && (!any || n != 1))
		return bldx_fail(err, r->o->f, in, "ADD --checksum needs one http(s) URL source");
	if (bldx_flag(in, "checksum") && !lxr_str_has_prefix(bldx_flag(in, "checksum"), "sha256:"))
		return bldx_fail(err, r->o->f, in, "ADD --checksum=%s: takes sha256:HEX",
				 bldx_flag(in, "checksum"));
	*keys = lxr_xcalloc(n + 1, sizeof(char *));
	*dirs = lxr_xcalloc(n + 1, sizeof(char *));
	*names = lxr_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		char d[72];
		if (!bldx_is_url(srcs[i]))
			continue;
		fprintf(stderr, "#%d %sADD %s: downloading\n", r->n_layers, r->tag ? r->tag : "",
			srcs[i]);
		if (bldx_url_fetch(r, in, srcs[i], &(*dirs)[i], &(*names)[i], d, err) < 0)
			return -1;
		(*keys)[i] = lxr_xasprintf("url %s %s", srcs[i], d);
	}
	return 0;
}

/* ADD unpacks a tar, plain or compressed, recognised by its content; a
 * compressed file that holds no tar is copied as it is (BuildKit tries the
 * decompressed stream as a tar): lxr-image, which has the decompressors,
 * tells which */
int bldx_add_is_archive(struct bldx_run *r, int root, const char *path, bool *yes, lxr_err *err)
{
	_cleanup_close_ int fd = lxr_open_in_root(root, path, O_RDONLY, 0, err);
	unsigned char m[262] = {0};

	*yes = false;
	if (fd < 0 || pread(fd, m, sizeof(m), 0) < 6)
		return 0;
	if (!memcmp(m + 257, "ustar", 5)) {
		*yes = true;
		return 0;
	}
	if (!(m[0] == 0x1f && m[1] == 0x8b) && memcmp(m, "BZh", 3) &&
	    memcmp(m,
		   "\xfd"
		   "7zXZ",
		   5) &&
	    memcmp(m, "\x28\xb5\x2f\xfd", 4))
		return 0;
	int t = img_tool_is_tar(r->o->store, fd, err);
	if (t < 0)
		return lxr_err_wrap(err, "ADD %s: tell whether it is a tar archive", path);
	*yes = t == 1;
	return 0;
}
