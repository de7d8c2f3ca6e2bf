/* lxr util layer: gzip (RFC 1952) over DEFLATE (RFC 1951), lxr's own, so
 * that lxr links no zlib (the static lxr stays small).
 *
 * The encoder is made for log text, fast rather than tight: LZ77 over a
 * 32 KiB window (a hash of 3 bytes, a few candidates per position, the
 * longest wins, greedily) coded with DEFLATE's fixed Huffman codes. It is
 * incremental: feed it any number of chunks of any size, then finish; it
 * keeps ~260 KiB, whatever the input's size.
 *
 * The decoder reads any gzip file: stored, fixed and dynamic Huffman
 * blocks, several members, checking each member's CRC-32 and ISIZE. It
 * streams (it pulls input, hands out what was asked for) in ~230 KiB,
 * whatever the file. Its input is untrusted: a damaged or truncated stream
 * is an error, reported once the bytes decoded before the damage were
 * handed out; it never reads or writes outside its buffers. */
#ifndef LXR_GZIP_H
#define LXR_GZIP_H

#include <stddef.h>
#include <stdint.h>

/* DEFLATE's window: the farthest back a match reaches (gzip.c, gunzip.c) */
#define LXR_DEFLATE_WINDOW 32768u
#include <sys/types.h>

/* Where the encoder's output goes: 0, or -1 with errno set (the encoder
 * then fails from there on). */
typedef int (*lxr_gz_sink)(void *ctx, const void *buf, size_t n);
/* Where the decoder's input comes from: bytes read (at most n), 0 at the
 * end, -1 with errno set. */
typedef ssize_t (*lxr_gz_source)(void *ctx, void *buf, size_t n);

struct lxr_gz_header {
	uint32_t mtime;             /* MTIME, 0 for none */
	const unsigned char *extra; /* FEXTRA's subfields, or NULL */
	size_t extra_len;           /* at most 65535 */
};

struct lxr_gzip;
/* A gzip member with header h (may be NULL) written to sink. */
struct lxr_gzip *lxr_gzip_new(const struct lxr_gz_header *h, lxr_gz_sink sink, void *ctx);
/* Compress n more bytes: 0, or -1 with errno from the sink. */
int lxr_gzip_write(struct lxr_gzip *z, const void *buf, size_t n);
/* End the member (the last block, CRC-32, ISIZE) and hand all of it to the
 * sink: 0, or -1 with errno. Nothing may be written after. */
int lxr_gzip_finish(struct lxr_gzip *z);
void lxr_gzip_free(struct lxr_gzip *z);
/* z ready for a new member, as lxr_gzip_new makes one, without its
 * allocation: for many small members (a log driver's messages). */
void lxr_gzip_reset(struct lxr_gzip *z, const struct lxr_gz_header *h, lxr_gz_sink sink, void *ctx);

struct lxr_gunzip;
struct lxr_gunzip *lxr_gunzip_new(lxr_gz_source src, void *ctx);
/* Up to n decompressed bytes into buf: how many (> 0), 0 at the end of the
 * last member, -1 on damage (errno EBADMSG, lxr_gunzip_error says what) or
 * when the source failed (its errno). Bytes before the damage come first;
 * once failed it fails again. */
ssize_t lxr_gunzip_read(struct lxr_gunzip *z, void *buf, size_t n);
/* What was wrong with the stream ("invalid distance", ...), or NULL. */
const char *lxr_gunzip_error(const struct lxr_gunzip *z);
void lxr_gunzip_free(struct lxr_gunzip *z);

/* CRC-32 (gzip's, reflected 0xedb88320) of buf, continuing from crc (0 to
 * start). */
uint32_t lxr_crc32(uint32_t crc, const void *buf, size_t n);

#endif
