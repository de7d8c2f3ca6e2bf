/* sha256 digests: OCI content addresses, computed while data streams past. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "image/internal.h"

void img_hash_init(struct img_hash *h)
{
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1)
		abort(); /* only on allocation failure, like lxr_xmalloc */
}

void img_hash_update(struct img_hash *h, const void *p, size_t n)
{
	if (n)
		EVP_DigestUpdate(h->ctx, p, n);
}

void img_hash_final(struct img_hash *h, char *out)
{
	unsigned char md[32];
	unsigned int len = 0;

	EVP_DigestFinal_ex(h->ctx, md, &len);
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
	memcpy(out, "sha256:", 7);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
}

void img_hash_abort(struct img_hash *h)
{
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

void img_digest_of(const void *p, size_t n, char *out)
{
	struct img_hash h;

	img_hash_init(&h);
	img_hash_update(&h, p, n);
	img_hash_final(&h, out);
}

bool img_digest_valid(const char *d)
{
	if (!d || strncmp(d, "sha256:", 7) || strlen(d) != 71)
		return false;
	for (const char *p = d + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

int img_digest_check(const char *what, const char *want, const char *got, lxr_err *err)
{
	if (!strcmp(want, got))
		return 0;
	return lxr_fail(err, EBADMSG, "%s: content does not match its digest: expected %s, got %s",
			what, want, got),
	       lxr_err_hint(err, "the source is corrupt or was tampered with; nothing was stored");
}
