/* libFuzzer target for lxr_gunzip: the input is a .gz file from the host,
 * untrusted. Besides the sanitizers, it checks what must hold for any
 * input: a read never hands out more than asked, the bytes do not depend
 * on how they are asked for (a small buffer and a large one agree, to the
 * same end), a failure stays failed and says what, and what decodes whole
 * comes back the same through lxr_gzip. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lxr/gzip.h"
#include "lxr/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_OUT (4u << 20) /* stop here: a tiny input can inflate 1000:1 */

struct src {
	const uint8_t *p;
	size_t len, pos, step;
};

struct out {
	unsigned char *p;
	size_t len;
};

static void check(bool ok)
{
	if (!ok)
		abort();
}

static ssize_t source(void *ctx, void *buf, size_t n)
{
	struct src *s = ctx;
	size_t k = s->len - s->pos;

	if (k > n)
		k = n;
	if (k > s->step)
		k = s->step;
	memcpy(buf, s->p + s->pos, k);
	s->pos += k;
	return (ssize_t)k;
}

static int sink(void *ctx, const void *buf, size_t n)
{
	struct out *o = ctx;

	o->p = lxr_xrealloc(o->p, o->len + n + 1);
	memcpy(o->p + o->len, buf, n);
	o->len += n;
	return 0;
}

/* the input decoded chunk bytes at a time, in pieces of step from the
 * source: 0 whole, -1 failed, 1 cut at MAX_OUT */
static int decode(const uint8_t *data, size_t size, size_t chunk, size_t step, struct out *o)
{
	struct src s = {data, size, 0, step};
	struct lxr_gunzip *z = lxr_gunzip_new(source, &s);
	unsigned char *buf = lxr_xmalloc(chunk);
	ssize_t k;
	int r;

	while ((k = lxr_gunzip_read(z, buf, chunk)) > 0 && o->len < MAX_OUT) {
		check((size_t)k <= chunk);
		sink(o, buf, (size_t)k);
	}
	r = k < 0 ? -1 : k > 0 ? 1 : 0;
	if (r < 0) {
		check(errno == EBADMSG && lxr_gunzip_error(z) != NULL);
		check(lxr_gunzip_read(z, buf, chunk) == -1);
	}
	lxr_gunzip_free(z);
	free(buf);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct out a = {0}, b = {0}, gz = {0}, back = {0};
	size_t step = size ? 1 + data[size - 1] % 97 : 1;
	int ra = decode(data, size, 1 << 16, 1 << 16, &a);
	int rb = decode(data, size, 1 + size % 13, step, &b);

	if (ra != 1 && rb != 1) {
		check(ra == rb && a.len == b.len);
		check(a.len == 0 || !memcmp(a.p, b.p, a.len));
	}
	if (ra == 0) {
		struct lxr_gzip *z = lxr_gzip_new(NULL, sink, &gz);

		check(lxr_gzip_write(z, a.p, a.len) == 0 && lxr_gzip_finish(z) == 0);
		lxr_gzip_free(z);
		check(decode(gz.p, gz.len, 1 << 16, 1 << 16, &back) == 0);
		check(back.len == a.len && (a.len == 0 || !memcmp(back.p, a.p, a.len)));
	}
	free(a.p);
	free(b.p);
	free(gz.p);
	free(back.p);
	return 0;
}
