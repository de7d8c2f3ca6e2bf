/* sha256 digests: OCI content addresses, computed while data streams past. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "image/image_internal.h"

void img_hash_init(struct img_hash *h)
{
	sha256_init(&h->ctx);
	h->active = true;
}

void img_hash_update(struct img_hash *h, const void *p, size_t n)
{
	if (n)
		sha256_update(&h->ctx, n, p);
}

void img_hash_final(struct img_hash *h, char *out)
{
	uint8_t md[SHA256_DIGEST_SIZE];

	sha256_digest(&h->ctx, sizeof(md), md);
	h->active = false;
	memcpy(out, "sha256:", 7);
	for (unsigned i = 0; i < sizeof(md); i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
}

void img_hash_abort(struct img_hash *h)
{
	h->active = false;
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
