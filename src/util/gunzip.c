/* gunzip, lxr's own (RFC 1951, RFC 1952): see lxr/gzip.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "lxr/gzip.h"
#include "lxr/util.h"

#define WSIZE LXR_DEFLATE_WINDOW
#define WMASK (WSIZE - 1)

/* ---- decoder ------------------------------------------------------------
 * Input is pulled from the source into in[] and from there into a bit
 * buffer; output is made into the caller's buffer and a 32 KiB ring (the
 * window matches copy from). A read stops wherever the caller's buffer is
 * full: in a stored block (stored_left), inside a match (copy_len), or
 * between symbols; the state says where to go on. Huffman codes decode by
 * one table lookup: entry = the code's length << 9 | symbol, indexed by
 * the next (longest code length) bits; 0 is no code. */
#define IBUF     (64u << 10)
#define MAX_BITS 15

enum gz_state { S_HEADER, S_BLOCK, S_STORED, S_HUFF, S_TRAILER, S_DONE, S_FAILED };

struct lxr_gunzip {
	lxr_gz_source src;
	void *ctx;
	enum gz_state state;
	int errnum;
	const char *msg;
	bool eof, last, first;
	size_t ipos, ilen;
	uint64_t bits;
	unsigned nbits;
	uint64_t member_out; /* bytes of this member so far */
	uint32_t crc;
	uint32_t stored_left;
	unsigned copy_len, copy_dist;
	unsigned lit_bits, dist_bits;
	uint16_t lit[1u << MAX_BITS];
	uint16_t dist[1u << MAX_BITS];
	unsigned char win[WSIZE];
	unsigned char in[IBUF];
};

static const uint16_t len_base[29] = {3,  4,  5,  6,   7,   8,   9,   10,  11, 13,
				      15, 17, 19, 23,  27,  31,  35,  43,  51, 59,
				      67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
				      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t dist_base[30] = {
    1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
    193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
				       6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

static int bad(struct lxr_gunzip *z, const char *msg)
{
	z->state = S_FAILED;
	z->errnum = EBADMSG;
	z->msg = msg;
	return -1;
}

/* At least n bits in the buffer if the input has them: 0 (check nbits),
 * -1 when the source failed. */
static int more(struct lxr_gunzip *z, unsigned n)
{
	while (z->nbits < n) {
		if (z->ipos == z->ilen) {
			ssize_t r;

			if (z->eof)
				return 0;
			r = z->src(z->ctx, z->in, IBUF);
			if (r < 0) {
				z->state = S_FAILED;
				z->errnum = errno ? errno : EIO;
				z->msg = NULL;
				return -1;
			}
			if (r == 0) {
				z->eof = true;
				return 0;
			}
			z->ipos = 0;
			z->ilen = (size_t)r < IBUF ? (size_t)r : IBUF;
		}
		while (z->nbits <= 56 && z->ipos < z->ilen) {
			z->bits |= (uint64_t)z->in[z->ipos++] << z->nbits;
			z->nbits += 8;
		}
	}
	return 0;
}

/* n (at most 32) bits, first bit in bit 0 */
static int get_bits(struct lxr_gunzip *z, unsigned n, uint32_t *v)
{
	if (more(z, n) < 0)
		return -1;
	if (z->nbits < n)
		return bad(z, "unexpected end of file");
	*v = (uint32_t)(z->bits & ((1ull << n) - 1));
	z->bits >>= n;
	z->nbits -= n;
	return 0;
}

static int get_byte(struct lxr_gunzip *z, unsigned *b)
{
	uint32_t v;

	if (get_bits(z, 8, &v) < 0)
		return -1;
	*b = v;
	return 0;
}

static void align_byte(struct lxr_gunzip *z)
{
	z->bits >>= z->nbits % 8;
	z->nbits -= z->nbits % 8;
}

/* The decoding table of a canonical code given by its code lengths
 * (RFC 1951 3.2.2). An over-subscribed code is refused; an incomplete one
 * is kept, its missing codes decode as errors. */
static int build(uint16_t *table, unsigned *tbits, const uint8_t *lens, unsigned n)
{
	unsigned count[MAX_BITS + 1] = {0}, next[MAX_BITS + 1], max = 0, code = 0;
	int left = 1;

	for (unsigned i = 0; i < n; i++) {
		count[lens[i]]++;
		if (lens[i] > max)
			max = lens[i];
	}
	count[0] = 0;
	for (unsigned l = 1; l <= MAX_BITS; l++) {
		left = left * 2 - (int)count[l];
		if (left < 0)
			return -1;
		code = (code + count[l - 1]) << 1;
		next[l] = code;
	}
	if (max == 0)
		max = 1; /* no codes: every lookup fails */
	*tbits = max;
	memset(table, 0, sizeof(uint16_t) << max);
	for (unsigned s = 0; s < n; s++) {
		unsigned l = lens[s], c, r = 0;

		if (!l)
			continue;
		c = next[l]++;
		for (unsigned i = 0; i < l; i++, c >>= 1)
			r = r << 1 | (c & 1);
		for (unsigned k = r; k < 1u << max; k += 1u << l)
			table[k] = (uint16_t)(l << 9 | s);
	}
	return 0;
}

static int decode(struct lxr_gunzip *z, const uint16_t *table, unsigned tbits, unsigned *sym)
{
	unsigned e, l;

	if (z->nbits < tbits && more(z, tbits) < 0)
		return -1;
	e = table[z->bits & ((1u << tbits) - 1)];
	l = e >> 9;
	if (l == 0)
		return bad(z, "invalid Huffman code");
	if (l > z->nbits)
		return bad(z, "unexpected end of file");
	z->bits >>= l;
	z->nbits -= l;
	*sym = e & 0x1ff;
	return 0;
}

static int fixed_tables(struct lxr_gunzip *z)
{
	uint8_t l[288];

	memset(l, 8, 144);
	memset(l + 144, 9, 112);
	memset(l + 256, 7, 24);
	memset(l + 280, 8, 8);
	build(z->lit, &z->lit_bits, l, 288);
	memset(l, 5, 30);
	build(z->dist, &z->dist_bits, l, 30);
	return 0;
}

/* a dynamic block's code lengths, themselves Huffman coded (3.2.7) */
static int dynamic_tables(struct lxr_gunzip *z)
{
	static const uint8_t order[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
					  11, 4,  12, 3, 13, 2, 14, 1, 15};
	uint8_t cl[19] = {0}, lens[286 + 30];
	uint32_t hlit, hdist, hclen, v;
	unsigned i = 0;

	if (get_bits(z, 5, &hlit) < 0 || get_bits(z, 5, &hdist) < 0 || get_bits(z, 4, &hclen) < 0)
		return -1;
	hlit += 257;
	hdist += 1;
	if (hlit > 286 || hdist > 30)
		return bad(z, "too many length or distance codes");
	for (unsigned k = 0; k < hclen + 4; k++) {
		if (get_bits(z, 3, &v) < 0)
			return -1;
		cl[order[k]] = (uint8_t)v;
	}
	/* the lit table holds the code-length code for a while */
	if (build(z->lit, &z->lit_bits, cl, 19) < 0)
		return bad(z, "invalid code lengths code");
	while (i < hlit + hdist) {
		unsigned sym, rep, val = 0;

		if (decode(z, z->lit, z->lit_bits, &sym) < 0)
			return -1;
		if (sym < 16) {
			lens[i++] = (uint8_t)sym;
			continue;
		}
		if (sym == 16) {
			if (i == 0)
				return bad(z, "repeat with no code length before it");
			val = lens[i - 1];
			if (get_bits(z, 2, &v) < 0)
				return -1;
			rep = 3 + v;
		} else if (sym == 17) {
			if (get_bits(z, 3, &v) < 0)
				return -1;
			rep = 3 + v;
		} else {
			if (get_bits(z, 7, &v) < 0)
				return -1;
			rep = 11 + v;
		}
		if (i + rep > hlit + hdist)
			return bad(z, "code lengths repeat past their end");
		memset(lens + i, (int)val, rep);
		i += rep;
	}
	if (lens[256] == 0)
		return bad(z, "no end-of-block code");
	if (build(z->lit, &z->lit_bits, lens, hlit) < 0 ||
	    build(z->dist, &z->dist_bits, lens + hlit, hdist) < 0)
		return bad(z, "invalid literal/length or distance code");
	return 0;
}

static int block_header(struct lxr_gunzip *z)
{
	uint32_t v;

	if (get_bits(z, 3, &v) < 0)
		return -1;
	z->last = v & 1;
	switch (v >> 1) {
	case 0: {
		uint32_t len, nlen;

		align_byte(z);
		if (get_bits(z, 16, &len) < 0 || get_bits(z, 16, &nlen) < 0)
			return -1;
		if (len != (~nlen & 0xffff))
			return bad(z, "stored block length does not match its complement");
		z->stored_left = len;
		z->state = S_STORED;
		return 0;
	}
	case 1: fixed_tables(z); break;
	case 2:
		if (dynamic_tables(z) < 0)
			return -1;
		break;
	default: return bad(z, "invalid block type");
	}
	z->state = S_HUFF;
	return 0;
}

/* A member's header (RFC 1952 2.3): 1, 0 at the end of the input after a
 * member, -1. */
static int member_header(struct lxr_gunzip *z)
{
	unsigned b[10], x;

	if (!z->first) {
		if (more(z, 8) < 0)
			return -1;
		if (z->nbits == 0)
			return 0;
	}
	for (int i = 0; i < 10; i++)
		if (get_byte(z, &b[i]) < 0)
			return -1;
	if (b[0] != 0x1f || b[1] != 0x8b)
		return bad(z, z->first ? "not in gzip format"
				       : "trailing garbage after the last member");
	if (b[2] != 8)
		return bad(z, "unknown compression method");
	if (b[3] & 0xe0)
		return bad(z, "reserved header flags set");
	if (b[3] & 4) { /* FEXTRA */
		unsigned lo, hi;

		if (get_byte(z, &lo) < 0 || get_byte(z, &hi) < 0)
			return -1;
		for (unsigned n = lo | hi << 8; n > 0; n--)
			if (get_byte(z, &x) < 0)
				return -1;
	}
	for (unsigned f = 8; f <= 16; f <<= 1) /* FNAME, FCOMMENT: up to a 0 */
		if (b[3] & f)
			do
				if (get_byte(z, &x) < 0)
					return -1;
			while (x != 0);
	if (b[3] & 2) /* FHCRC */
		if (get_byte(z, &x) < 0 || get_byte(z, &x) < 0)
			return -1;
	z->first = false;
	z->last = false;
	z->crc = 0;
	z->member_out = 0;
	return 1;
}

static int trailer(struct lxr_gunzip *z)
{
	uint32_t crc, isize;

	align_byte(z);
	if (get_bits(z, 32, &crc) < 0 || get_bits(z, 32, &isize) < 0)
		return -1;
	if (crc != z->crc)
		return bad(z, "CRC-32 does not match the data");
	if (isize != (uint32_t)z->member_out)
		return bad(z, "length does not match the data");
	return 0;
}

static void emit(struct lxr_gunzip *z, unsigned char *out, size_t *k, unsigned char c)
{
	z->win[z->member_out++ & WMASK] = c;
	out[(*k)++] = c;
}

/* Symbols into out until it is full or the block ends. */
static int inflate_huff(struct lxr_gunzip *z, unsigned char *out, size_t *k, size_t n)
{
	while (*k < n) {
		unsigned sym, dsym;
		uint32_t extra;

		if (z->copy_len > 0) {
			size_t from = z->member_out - z->copy_dist;

			while (z->copy_len > 0 && *k < n) {
				emit(z, out, k, z->win[from++ & WMASK]);
				z->copy_len--;
			}
			continue;
		}
		if (decode(z, z->lit, z->lit_bits, &sym) < 0)
			return -1;
		if (sym < 256) {
			emit(z, out, k, (unsigned char)sym);
			continue;
		}
		if (sym == 256) {
			z->state = z->last ? S_TRAILER : S_BLOCK;
			return 0;
		}
		sym -= 257;
		if (sym >= 29)
			return bad(z, "invalid literal/length code");
		if (get_bits(z, len_extra[sym], &extra) < 0)
			return -1;
		z->copy_len = len_base[sym] + extra;
		if (decode(z, z->dist, z->dist_bits, &dsym) < 0)
			return -1;
		if (dsym >= 30)
			return bad(z, "invalid distance code");
		if (get_bits(z, dist_extra[dsym], &extra) < 0)
			return -1;
		z->copy_dist = dist_base[dsym] + extra;
		if (z->copy_dist > z->member_out)
			return bad(z, "distance too far back");
	}
	return 0;
}

static int inflate_stored(struct lxr_gunzip *z, unsigned char *out, size_t *k, size_t n)
{
	while (*k < n && z->stored_left > 0) {
		uint32_t v;
		size_t m;

		if (z->nbits >= 8) { /* whole bytes left in the bit buffer */
			if (get_bits(z, 8, &v) < 0)
				return -1;
			emit(z, out, k, (unsigned char)v);
			z->stored_left--;
			continue;
		}
		if (z->ipos == z->ilen) {
			if (more(z, 8) < 0)
				return -1;
			if (z->nbits == 0)
				return bad(z, "unexpected end of file");
			continue;
		}
		m = z->ilen - z->ipos;
		if (m > n - *k)
			m = n - *k;
		if (m > z->stored_left)
			m = z->stored_left;
		for (size_t i = 0; i < m; i++)
			emit(z, out, k, z->in[z->ipos + i]);
		z->ipos += m;
		z->stored_left -= (uint32_t)m;
	}
	if (z->stored_left == 0)
		z->state = z->last ? S_TRAILER : S_BLOCK;
	return 0;
}

struct lxr_gunzip *lxr_gunzip_new(lxr_gz_source src, void *ctx)
{
	struct lxr_gunzip *z = lxr_xmalloc(sizeof(*z));

	memset(z, 0, offsetof(struct lxr_gunzip, lit));
	z->src = src;
	z->ctx = ctx;
	z->state = S_HEADER;
	z->first = true;
	return z;
}

ssize_t lxr_gunzip_read(struct lxr_gunzip *z, void *buf, size_t n)
{
	unsigned char *out = buf;
	size_t k = 0, from = 0; /* out[from, k) is not in the CRC yet */
	int r = 0;

	if (n > SSIZE_MAX)
		n = SSIZE_MAX;
	while (k < n && r >= 0 && z->state != S_DONE && z->state != S_FAILED) {
		switch (z->state) {
		case S_HEADER:
			r = member_header(z);
			if (r == 0)
				z->state = S_DONE;
			else if (r > 0)
				z->state = S_BLOCK;
			break;
		case S_BLOCK: r = block_header(z); break;
		case S_STORED: r = inflate_stored(z, out, &k, n); break;
		case S_HUFF: r = inflate_huff(z, out, &k, n); break;
		case S_TRAILER:
			z->crc = lxr_crc32(z->crc, out + from, k - from);
			from = k;
			r = trailer(z);
			if (r == 0)
				z->state = S_HEADER;
			break;
		default: break;
		}
	}
	if (z->state != S_FAILED)
		z->crc = lxr_crc32(z->crc, out + from, k - from);
	if (k > 0)
		return (ssize_t)k; /* a failure shows at the next read */
	if (z->state == S_FAILED) {
		errno = z->errnum;
		return -1;
	}
	return 0;
}

const char *lxr_gunzip_error(const struct lxr_gunzip *z)
{
	return z->state == S_FAILED ? (z->msg ? z->msg : strerror(z->errnum)) : NULL;
}

void lxr_gunzip_free(struct lxr_gunzip *z)
{
	free(z);
}
