/* Commands' help texts, kept in src/cli/help/NAME.txt and carried inside
 * lxr gzipped (cmake/help_blob.cmake): tens of KiB of text that the static
 * lxr's 2 MB budget need not spend. The blob is a form feed, NAME, a
 * newline and the text, for each file; it is inflated on the first --help
 * (or error that shows a usage) with lxr's own gunzip, and each form feed
 * becomes the NUL that ends the text before it. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lxr/gzip.h"

extern const unsigned char cli_help_blob[];
extern const size_t cli_help_blob_len;

struct blob_src {
	size_t off;
};

/* The gzip stream's bytes, each stored as two: 0x80 | its high nibble,
 * 0x80 | its low one (cmake/help_blob.cmake) */
static ssize_t from_blob(void *ctx, void *buf, size_t n)
{
	struct blob_src *b = ctx;
	size_t left = (cli_help_blob_len - b->off) / 2;
	unsigned char *out = buf;

	if (n > left)
		n = left;
	for (size_t i = 0; i < n; i++, b->off += 2)
		out[i] = (unsigned char)((cli_help_blob[b->off] & 0x0f) << 4 |
					 (cli_help_blob[b->off + 1] & 0x0f));
	return (ssize_t)n;
}

static const char *texts;
static size_t texts_len;

static void inflate_all(void)
{
	struct blob_src src = {0};
	struct lxr_gunzip *z = lxr_gunzip_new(from_blob, &src);
	size_t cap = 64 * 1024;
	char *out = lxr_xmalloc(cap + 1);
	ssize_t n;

	while ((n = lxr_gunzip_read(z, out + texts_len, cap - texts_len)) > 0) {
		texts_len += (size_t)n;
		if (texts_len == cap)
			out = lxr_xrealloc(out, (cap *= 2) + 1);
	}
	/* the blob is lxr's own, built with it: damage is a build error */
	if (n < 0)
		abort();
	lxr_gunzip_free(z);
	out[texts_len] = '\0'; /* ends the last text */
	texts = out;
}

const char *cli_help(const char *name)
{
	size_t n = strlen(name);

	if (!texts) {
		inflate_all();
		for (char *p = (char *)texts;
		     (p = memchr(p, '\f', texts_len - (size_t)(p - texts)));)
			*p++ = '\0';
	}
	/* each entry: NUL (was the form feed), NAME, newline, text */
	for (const char *p = texts; p < texts + texts_len;) {
		const char *key = p + 1, *nl = memchr(key, '\n', texts_len - (size_t)(key - texts));
		if (*p || !nl)
			break;
		if ((size_t)(nl - key) == n && !memcmp(key, name, n))
			return nl + 1;
		p = nl + 1 + strlen(nl + 1);
	}
	/* a name no file gives is lxr's bug, which test_cli_help finds */
	abort();
}
