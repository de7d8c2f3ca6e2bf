/* gzip, lxr's own (RFC 1951, RFC 1952), and the CRC-32 both directions
 * use: see lxr/gzip.h. The decoder is gunzip.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "lxr/gzip.h"
#include "lxr/util.h"

#define WSIZE     LXR_DEFLATE_WINDOW
#define WMASK     (WSIZE - 1)
#define MIN_MATCH 3
#define MAX_MATCH 258

/* ---- CRC-32 -------------------------------------------------------------
 * Byte-wise, with a table made at the first call (in .bss, not in the
 * file: lxr runs no threads). */
static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t b = 0; b < 256; b++) {
		uint32_t c = b;

		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
		crc_table[b] = c;
	}
}

uint32_t lxr_crc32(uint32_t crc, const void *buf, size_t n)
{
	const unsigned char *p = buf;

	if (!crc_table[1])
		crc_init();
	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* ---- encoder ------------------------------------------------------------
 * The input goes into a window of two halves; positions [0, wend) hold
 * bytes, pos is the next one to code. When the window is full the upper
 * half slides down and the hash chains with it. Each position's 3-byte
 * hash heads a chain (prev) of earlier positions with the same hash; 0
 * ends a chain (position 0 is never a candidate, a byte lost at most). */
#define HBITS     15
#define HSIZE     (1u << HBITS)
#define CHAIN     8   /* candidates tried per position */
#define NICE      128 /* a match this long is taken at once */
#define LOOKAHEAD (MAX_MATCH + MIN_MATCH + 1)
#define OBUF      (64u << 10)
#define WIN_PAD   8 /* match_len reads 8 bytes at a time past the end */

struct lxr_gzip {
	lxr_gz_sink sink;
	void *ctx;
	bool failed;
	uint32_t crc, isize;
	uint32_t pos, wend;
	uint64_t bits; /* not yet written, the first in the low bits */
	unsigned nbits;
	size_t olen;
	uint16_t head[HSIZE];
	uint16_t prev[WSIZE];
	unsigned char win[2 * WSIZE + WIN_PAD];
	unsigned char out[OBUF];
};

static int enc_flush(struct lxr_gzip *z)
{
	if (z->olen > 0 && !z->failed && z->sink(z->ctx, z->out, z->olen) < 0)
		z->failed = true;
	z->olen = 0;
	return z->failed ? -1 : 0;
}

static void enc_byte(struct lxr_gzip *z, unsigned char b)
{
	if (z->olen == OBUF)
		enc_flush(z);
	z->out[z->olen++] = b;
}

/* n (at most 32) bits of v, the first bit to send in bit 0 */
static void put_bits(struct lxr_gzip *z, uint32_t v, unsigned n)
{
	z->bits |= (uint64_t)v << z->nbits;
	z->nbits += n;
	while (z->nbits >= 8) {
		enc_byte(z, (unsigned char)z->bits);
		z->bits >>= 8;
		z->nbits -= 8;
	}
}

/* Huffman codes go most significant bit first (RFC 1951 3.1.1) */
static void put_code(struct lxr_gzip *z, uint32_t code, unsigned n)
{
	uint32_t r = 0;

	for (unsigned i = 0; i < n; i++, code >>= 1)
		r = r << 1 | (code & 1);
	put_bits(z, r, n);
}

/* a literal or length symbol in the fixed code (RFC 1951 3.2.6) */
static void put_fixed(struct lxr_gzip *z, unsigned sym)
{
	if (sym < 144)
		put_code(z, 0x30 + sym, 8);
	else if (sym < 256)
		put_code(z, 0x190 + sym - 144, 9);
	else if (sym < 280)
		put_code(z, sym - 256, 7);
	else
		put_code(z, 0xc0 + sym - 280, 8);
}

/* Lengths 3..258 as symbol 257..285 and extra bits: eight of one length,
 * then groups of four whose extra bits grow by one (RFC 1951 3.2.5). */
static void put_match(struct lxr_gzip *z, unsigned len, unsigned dist)
{
	unsigned x = len - MIN_MATCH, nb, d;

	if (len == MAX_MATCH) {
		put_fixed(z, 285);
	} else if (x < 8) {
		put_fixed(z, 257 + x);
	} else {
		nb = 31 - (unsigned)__builtin_clz(x); /* x's top bit */
		put_fixed(z, 257 + 4 * (nb - 1) + ((x >> (nb - 2)) & 3));
		put_bits(z, x & ((1u << (nb - 2)) - 1), nb - 2);
	}
	/* distances likewise: four of one, then pairs */
	d = dist - 1;
	if (d < 4) {
		put_code(z, d, 5);
	} else {
		nb = 31 - (unsigned)__builtin_clz(d);
		put_code(z, 2 * nb + ((d >> (nb - 1)) & 1), 5);
		put_bits(z, d & ((1u << (nb - 1)) - 1), nb - 1);
	}
}

static unsigned hash3(const unsigned char *p)
{
	uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;

	return (v * 2654435761u) >> (32 - HBITS);
}

static void insert(struct lxr_gzip *z, uint32_t p)
{
	unsigned h = hash3(z->win + p);

	z->prev[p & WMASK] = z->head[h];
	z->head[h] = (uint16_t)p;
}

/* how many bytes at a and b agree, up to max */
static unsigned match_len(const unsigned char *a, const unsigned char *b, unsigned max)
{
	unsigned n = 0;

	while (n < max) {
		uint64_t x, y;

		memcpy(&x, a + n, 8);
		memcpy(&y, b + n, 8);
		if (x != y) {
			n += (unsigned)__builtin_ctzll(x ^ y) / 8; /* little-endian */
			break;
		}
		n += 8;
	}
	return n < max ? n : max;
}

/* The longest match for pos among its chain's first candidates; 0 if none
 * is MIN_MATCH long. */
static unsigned longest(struct lxr_gzip *z, uint32_t *dist)
{
	uint32_t max = z->wend - z->pos < MAX_MATCH ? z->wend - z->pos : MAX_MATCH;
	uint32_t cand = z->head[hash3(z->win + z->pos)];
	unsigned best = MIN_MATCH - 1;

	for (int tries = 0; tries < CHAIN && cand > 0 && cand < z->pos; tries++) {
		uint32_t d = z->pos - cand;
		unsigned n;

		if (d >= WSIZE)
			break;
		if (z->win[cand + best] == z->win[z->pos + best]) {
			n = match_len(z->win + cand, z->win + z->pos, max);
			if (n > best) {
				best = n;
				*dist = d;
				if (n >= NICE || n == max)
					break;
			}
		}
		/* a chain only goes back: an older slot reused is its end */
		uint32_t next = z->prev[cand & WMASK];
		if (next >= cand)
			break;
		cand = next;
	}
	return best >= MIN_MATCH ? best : 0;
}

/* Code what is in the window: all of it when final, else while a longest
 * match can still be told (LOOKAHEAD bytes ahead). */
static void deflate_run(struct lxr_gzip *z, bool final)
{
	while (z->pos < z->wend && (final || z->wend - z->pos >= LOOKAHEAD)) {
		uint32_t dist = 0, left = z->wend - z->pos;
		unsigned len = left >= MIN_MATCH ? longest(z, &dist) : 0;

		if (len == 0) {
			if (left >= MIN_MATCH)
				insert(z, z->pos);
			put_fixed(z, z->win[z->pos++]);
			continue;
		}
		put_match(z, len, dist);
		for (uint32_t end = z->pos + len; z->pos < end; z->pos++)
			if (z->wend - z->pos >= MIN_MATCH)
				insert(z, z->pos);
	}
}

/* The upper half becomes the lower; chains lose what falls out. */
static void slide(struct lxr_gzip *z)
{
	memmove(z->win, z->win + WSIZE, WSIZE);
	z->pos -= WSIZE;
	z->wend -= WSIZE;
	for (unsigned i = 0; i < HSIZE; i++)
		z->head[i] = z->head[i] >= WSIZE ? (uint16_t)(z->head[i] - WSIZE) : 0;
	for (unsigned i = 0; i < WSIZE; i++)
		z->prev[i] = z->prev[i] >= WSIZE ? (uint16_t)(z->prev[i] - WSIZE) : 0;
}

/* A member's header and the start of its one block */
static void member_start(struct lxr_gzip *z, const struct lxr_gz_header *h, lxr_gz_sink sink,
			 void *ctx)
{
	size_t xlen = h && h->extra ? h->extra_len : 0;
	uint32_t mtime = h ? h->mtime : 0;

	z->sink = sink;
	z->ctx = ctx;
	if (xlen > 0xffff)
		xlen = 0xffff;
	/* ID1 ID2 CM=deflate FLG MTIME XFL=fastest OS=Unix */
	enc_byte(z, 0x1f);
	enc_byte(z, 0x8b);
	enc_byte(z, 8);
	enc_byte(z, xlen ? 4 : 0);
	for (int i = 0; i < 4; i++)
		enc_byte(z, (unsigned char)(mtime >> (8 * i)));
	enc_byte(z, 4);
	enc_byte(z, 3);
	if (xlen) {
		enc_byte(z, (unsigned char)xlen);
		enc_byte(z, (unsigned char)(xlen >> 8));
		for (size_t i = 0; i < xlen; i++)
			enc_byte(z, h->extra[i]);
	}
	/* one fixed-code block for all the data: not last, the end of the
	 * input is not known yet */
	put_bits(z, 0 | 1 << 1, 3);
}

struct lxr_gzip *lxr_gzip_new(const struct lxr_gz_header *h, lxr_gz_sink sink, void *ctx)
{
	struct lxr_gzip *z = lxr_xcalloc(1, sizeof(*z));

	member_start(z, h, sink, ctx);
	return z;
}

void lxr_gzip_reset(struct lxr_gzip *z, const struct lxr_gz_header *h, lxr_gz_sink sink, void *ctx)
{
	z->failed = false;
	z->crc = z->isize = z->pos = z->wend = 0;
	z->bits = 0;
	z->nbits = 0;
	z->olen = 0;
	/* every chain starts at a head: with the heads emptied, what prev
	 * and the window still hold of the last member is never reached */
	memset(z->head, 0, sizeof(z->head));
	member_start(z, h, sink, ctx);
}

int lxr_gzip_write(struct lxr_gzip *z, const void *buf, size_t n)
{
	const unsigned char *p = buf;

	z->crc = lxr_crc32(z->crc, p, n);
	z->isize += (uint32_t)n;
	while (n > 0 && !z->failed) {
		size_t k;

		if (z->wend == 2 * WSIZE)
			slide(z); /* pos is within LOOKAHEAD of the end: > WSIZE */
		k = 2 * WSIZE - z->wend;
		if (k > n)
			k = n;
		memcpy(z->win + z->wend, p, k);
		z->wend += (uint32_t)k;
		p += k;
		n -= k;
		deflate_run(z, false);
	}
	return z->failed ? -1 : 0;
}

int lxr_gzip_finish(struct lxr_gzip *z)
{
	deflate_run(z, true);
	put_fixed(z, 256);
	/* an empty last block ends the stream */
	put_bits(z, 1 | 1 << 1, 3);
	put_fixed(z, 256);
	put_bits(z, 0, (8 - z->nbits % 8) % 8);
	for (int i = 0; i < 4; i++)
		enc_byte(z, (unsigned char)(z->crc >> (8 * i)));
	for (int i = 0; i < 4; i++)
		enc_byte(z, (unsigned char)(z->isize >> (8 * i)));
	return enc_flush(z);
}

void lxr_gzip_free(struct lxr_gzip *z)
{
	free(z);
}
