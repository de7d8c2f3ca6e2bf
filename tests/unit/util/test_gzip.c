/* lxr_gzip / lxr_gunzip: round trips of many sizes fed in odd chunks,
 * files made by gzip(1) and python's zlib read back, lxr's files read by
 * gzip(1), and damaged or truncated input an error, never a crash. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lxr/gzip.h"
#include "lxr/util.h"

static char *make_tmpdir(void)
{
	char *d = lxr_xstrdup("/tmp/lxr-gziptest-XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

static void remove_tmpdir(char *d)
{
	lxr_err err;

	if (lxr_rm_rf(d, &err) < 0)
		lxr_err_print(&err);
	free(d);
}

struct buf {
	unsigned char *p;
	size_t len, cap, pos;
	size_t chunk;   /* the source hands out at most this much a call */
	size_t fail_at; /* the source fails (EIO) from here on, 0: never */
};

static int buf_sink(void *ctx, const void *p, size_t n)
{
	struct buf *b = ctx;

	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = lxr_xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static ssize_t buf_source(void *ctx, void *p, size_t n)
{
	struct buf *b = ctx;
	size_t k = b->len - b->pos;

	if (b->fail_at && b->pos >= b->fail_at) {
		errno = EIO;
		return -1;
	}
	if (k > n)
		k = n;
	if (b->chunk && k > b->chunk)
		k = b->chunk;
	memcpy(p, b->p + b->pos, k);
	b->pos += k;
	return (ssize_t)k;
}

static const unsigned char lx_extra[12] = {'L', 'X', 8, 0, 1, 2, 3, 4, 5, 6, 7, 8};

/* gzip data of n bytes, fed to the encoder chunk bytes at a time */
static struct buf compress(const unsigned char *data, size_t n, size_t chunk)
{
	struct buf out = {0};
	struct lxr_gz_header h = {1700000000, lx_extra, sizeof(lx_extra)};
	struct lxr_gzip *z = lxr_gzip_new(&h, buf_sink, &out);

	for (size_t i = 0; i < n; i += chunk)
		assert_int_equal(lxr_gzip_write(z, data + i, n - i < chunk ? n - i : chunk), 0);
	assert_int_equal(lxr_gzip_finish(z), 0);
	lxr_gzip_free(z);
	return out;
}

/* Decode gz reading chunk bytes at a time: the bytes, and *r: 0 when the
 * stream ended well, -1 (errno in *e) when it failed. */
static struct buf decompress(struct buf *gz, size_t chunk, int *r, int *e)
{
	struct buf out = {0};
	struct lxr_gunzip *z = lxr_gunzip_new(buf_source, gz);
	unsigned char *tmp = lxr_xmalloc(chunk);
	ssize_t k;

	gz->pos = 0;
	while ((k = lxr_gunzip_read(z, tmp, chunk)) > 0) {
		assert_true((size_t)k <= chunk);
		buf_sink(&out, tmp, (size_t)k);
	}
	*r = k < 0 ? -1 : 0;
	*e = k < 0 ? errno : 0;
	if (k < 0) {
		assert_non_null(lxr_gunzip_error(z));
		/* failed stays failed */
		assert_int_equal(lxr_gunzip_read(z, tmp, chunk), -1);
	} else {
		assert_null(lxr_gunzip_error(z));
		assert_int_equal(lxr_gunzip_read(z, tmp, chunk), 0);
	}
	lxr_gunzip_free(z);
	free(tmp);
	return out;
}

static uint64_t rng = 88172645463325252ull;

static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

/* log-like lines: a timestamp, a level, a few words from a small set, a
 * number */
static unsigned char *log_text(size_t n)
{
	static const char *words[] = {"GET",     "POST",  "/api/v1/items", "/healthz", "200",
				      "404",     "user",  "request",       "served",   "in",
				      "latency", "cache", "miss",          "hit",      "db"};
	unsigned char *p = lxr_xmalloc(n + 1);
	size_t len = 0;
	long t = 0;

	while (len < n) {
		char line[256];
		int k = snprintf(line, sizeof(line), "2026-12-04T15:%02ld:%02ld.%03uZ %s ",
				 (t / 60) % 60, t % 60, next_rand() % 1000,
				 next_rand() % 8 ? "INFO" : "WARN");

		for (int w = 0; w < 6; w++)
			k += snprintf(line + k, sizeof(line) - (size_t)k, "%s ",
				      words[next_rand() % 15]);
		k += snprintf(line + k, sizeof(line) - (size_t)k, "id=%u\n", next_rand() % 1000);
		memcpy(p + len, line, (size_t)k < n - len ? (size_t)k : n - len);
		len += (size_t)k < n - len ? (size_t)k : n - len;
		t++;
	}
	return p;
}

static unsigned char *random_bytes(size_t n)
{
	unsigned char *p = lxr_xmalloc(n + 1);

	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)next_rand();
	return p;
}

static void round_trip(const unsigned char *data, size_t n, size_t in_chunk, size_t out_chunk)
{
	struct buf gz = compress(data, n, in_chunk);
	int r, e;
	struct buf back = decompress(&gz, out_chunk, &r, &e);

	assert_int_equal(r, 0);
	assert_int_equal(back.len, n);
	if (n)
		assert_memory_equal(back.p, data, n);
	free(gz.p);
	free(back.p);
}

static void round_trips(void **state)
{
	static const size_t sizes[] = {
	    0,     1,     2,     3,          4,     257,   258,    259,     4096,         32767,
	    32768, 32769, 65536, 65536 + 17, 65797, 99991, 262144, 1 << 20, (3 << 19) + 5};
	static const size_t chunks[] = {1, 7, 4093, 65536, 1 << 22};

	for (size_t s = 0; s < sizeof(sizes) / sizeof(*sizes); s++) {
		size_t n = sizes[s];
		unsigned char *text = log_text(n), *rnd = random_bytes(n);
		unsigned char *zeros = lxr_xcalloc(1, n + 1);

		for (size_t c = 0; c < sizeof(chunks) / sizeof(*chunks); c++) {
			/* one byte at a time only for the smaller ones: the
			 * cost is the calls, not what they do */
			if (chunks[c] == 1 && n > 70000)
				continue;
			round_trip(text, n, chunks[c], chunks[(c + 2) % 5]);
			round_trip(rnd, n, chunks[c], chunks[(c + 3) % 5]);
			round_trip(zeros, n, chunks[c], chunks[(c + 1) % 5]);
		}
		free(text);
		free(rnd);
		free(zeros);
	}
}

static struct buf slurp_file(const char *path)
{
	struct buf b = {0};
	FILE *f = fopen(path, "rb");
	unsigned char tmp[65536];
	size_t k;

	assert_non_null(f);
	while ((k = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_sink(&b, tmp, k);
	fclose(f);
	return b;
}

static void put_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void run(const char *fmt, ...)
{
	va_list ap;
	char *cmd;

	va_start(ap, fmt);
	assert_true(vasprintf(&cmd, fmt, ap) >= 0);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("failed: %s", cmd);
	free(cmd);
}

/* the decoder reads what file holds (made by someone else) as data */
static void reads_as(const char *file, const unsigned char *data, size_t n)
{
	struct buf gz = slurp_file(file);
	int r, e;
	struct buf back = decompress(&gz, 65536, &r, &e);

	if (r != 0)
		fail_msg("%s: error %d", file, e);
	assert_int_equal(back.len, n);
	assert_memory_equal(back.p, data, n);
	free(back.p);
	back = decompress(&gz, 1000, &r, &e);
	assert_int_equal(r, 0);
	assert_memory_equal(back.p, data, n);
	free(back.p);
	free(gz.p);
}

/* BTYPE of a gzip file's first block (no FEXTRA, FNAME, ... in it) */
static unsigned first_btype(const char *file)
{
	struct buf gz = slurp_file(file);
	unsigned t;

	assert_true(gz.len > 10);
	assert_int_equal(gz.p[3], 0);
	t = (gz.p[10] >> 1) & 3;
	free(gz.p);
	return t;
}

static const char *python_zlib =
    "import sys, zlib\n"
    "data = open(sys.argv[1], 'rb').read()\n"
    "level, strategy, flush = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == 'flush'\n"
    "c = zlib.compressobj(level, zlib.DEFLATED, 31, 9, strategy)\n"
    "out = b''\n"
    "step = 10000 if flush else len(data) + 1\n"
    "for i in range(0, len(data), step):\n"
    "    out += c.compress(data[i:i + step])\n"
    "    if flush:\n"
    "        out += c.flush(zlib.Z_SYNC_FLUSH if i % 20000 else zlib.Z_FULL_FLUSH)\n"
    "out += c.flush()\n"
    "open(sys.argv[2], 'wb').write(out)\n";

/* files made by gzip(1) and python's zlib (dynamic, fixed, stored blocks,
 * flushes, several members, a header with every optional field) */
static void reads_files_of_others(void **state)
{
	char *dir = make_tmpdir();
	size_t n = 700000;
	unsigned char *text = log_text(n), *rnd = random_bytes(n);
	_cleanup_free_ char *txt = lxr_xasprintf("%s/text", dir);
	_cleanup_free_ char *bin = lxr_xasprintf("%s/rnd", dir);
	_cleanup_free_ char *py = lxr_xasprintf("%s/z.py", dir);
	_cleanup_free_ char *out = lxr_xasprintf("%s/out.gz", dir);
	unsigned char *both = lxr_xmalloc(2 * n);

	put_file(txt, text, n);
	put_file(bin, rnd, n);
	put_file(py, python_zlib, strlen(python_zlib));
	for (int level = 1; level <= 9; level += 8) {
		run("gzip -%d -n -c %s > %s", level, txt, out);
		assert_int_equal(first_btype(out), 2); /* dynamic Huffman */
		reads_as(out, text, n);
		run("gzip -%d -n -c %s > %s", level, bin, out);
		reads_as(out, rnd, n);
	}
	run("gzip -c %s > %s", txt, out); /* with FNAME */
	reads_as(out, text, n);
	/* python's zlib: dynamic, fixed (strategy 4), stored (level 0), and
	 * sync/full flushes (empty stored blocks, a reset window) */
	run("python3 %s %s %s 6 0 no", py, txt, out);
	assert_int_equal(first_btype(out), 2);
	reads_as(out, text, n);
	run("python3 %s %s %s 6 4 no", py, txt, out);
	assert_int_equal(first_btype(out), 1);
	reads_as(out, text, n);
	run("python3 %s %s %s 0 0 no", py, bin, out);
	assert_int_equal(first_btype(out), 0);
	reads_as(out, rnd, n);
	run("python3 %s %s %s 6 0 flush", py, txt, out);
	reads_as(out, text, n);
	/* two members, one after the other */
	run("gzip -n -c %s > %s && gzip -1 -n -c %s >> %s", txt, out, bin, out);
	memcpy(both, text, n);
	memcpy(both + n, rnd, n);
	reads_as(out, both, 2 * n);

	/* FEXTRA, FNAME, FCOMMENT and FHCRC before our own deflate data */
	struct buf gz = compress(text, 5000, 5000), hdr = {0};
	static const unsigned char head[] = {0x1f, 0x8b, 8,   0x1e, 0,   0, 0,   0,   0, 3, 3, 0,
					     'a',  'b',  'c', 'n',  'a', 0, 'c', 'o', 0, 0, 0};
	buf_sink(&hdr, head, sizeof(head));
	buf_sink(&hdr, gz.p + 10 + 2 + sizeof(lx_extra), gz.len - 10 - 2 - sizeof(lx_extra));
	put_file(out, hdr.p, hdr.len);
	reads_as(out, text, 5000);
	free(gz.p);
	free(hdr.p);

	free(text);
	free(rnd);
	free(both);
	remove_tmpdir(dir);
}

/* log text shrinks several times, not far from what gzip -1 makes of it */
static void text_compresses(void **state)
{
	char *dir = make_tmpdir();
	size_t n = 1 << 20;
	unsigned char *text = log_text(n);
	struct buf gz = compress(text, n, 65536), theirs;
	_cleanup_free_ char *txt = lxr_xasprintf("%s/text", dir);
	_cleanup_free_ char *gzf = lxr_xasprintf("%s/text.gz", dir);

	put_file(txt, text, n);
	run("gzip -1 -n -c %s > %s", txt, gzf);
	theirs = slurp_file(gzf);
	if (gz.len * 3 > n || gz.len * 4 > theirs.len * 5)
		fail_msg("%zu bytes of text became %zu (gzip -1: %zu)", n, gz.len, theirs.len);
	free(theirs.p);
	free(gz.p);
	free(text);
	remove_tmpdir(dir);
}

/* what the encoder makes, gzip(1) accepts and reads back, the header as
 * given */
static void gzip_reads_ours(void **state)
{
	char *dir = make_tmpdir();
	static const size_t sizes[] = {0, 1, 1000, 100000, (3 << 19) + 5};
	_cleanup_free_ char *gzf = lxr_xasprintf("%s/ours.gz", dir);
	_cleanup_free_ char *plain = lxr_xasprintf("%s/plain", dir);

	for (size_t s = 0; s < sizeof(sizes) / sizeof(*sizes); s++) {
		for (int kind = 0; kind < 2; kind++) {
			size_t n = sizes[s];
			unsigned char *data = kind ? random_bytes(n) : log_text(n);
			struct buf gz = compress(data, n, 12345), back;

			assert_int_equal(gz.p[3], 4); /* FEXTRA */
			assert_memory_equal(gz.p + 12, lx_extra, sizeof(lx_extra));
			put_file(gzf, gz.p, gz.len);
			run("gzip -t %s", gzf);
			run("gzip -dc %s > %s", gzf, plain);
			back = slurp_file(plain);
			assert_int_equal(back.len, n);
			if (n)
				assert_memory_equal(back.p, data, n);
			free(back.p);
			free(gz.p);
			free(data);
		}
	}
	remove_tmpdir(dir);
}

/* bytes decoded before a failure are a prefix of the data (they came
 * before the damage) unless the damage made them */
static void check_damaged(struct buf *gz, const unsigned char *data, size_t n, size_t chunk,
			  bool must_fail)
{
	int r, e;
	struct buf back = decompress(gz, chunk, &r, &e);

	if (must_fail) {
		assert_int_equal(r, -1);
		assert_int_equal(e, EBADMSG);
		assert_true(back.len <= n);
		if (back.len)
			assert_memory_equal(back.p, data, back.len);
	} else if (r == 0) {
		/* damage the decoder cannot see (MTIME, the extra field, OS) */
		assert_int_equal(back.len, n);
		assert_memory_equal(back.p, data, n);
	} else {
		assert_int_equal(e, EBADMSG);
	}
	free(back.p);
}

/* every cut of a small file fails; every flipped byte fails or (in the
 * header's free fields) leaves the data as it was; random bodies fail */
static void damaged_input_fails(void **state)
{
	char *dir = make_tmpdir();
	size_t n = 3000;
	unsigned char *text = log_text(n);
	_cleanup_free_ char *txt = lxr_xasprintf("%s/text", dir);
	_cleanup_free_ char *gzf = lxr_xasprintf("%s/text.gz", dir);
	struct buf files[2];

	put_file(txt, text, n);
	run("gzip -9 -n -c %s > %s", txt, gzf);
	files[0] = slurp_file(gzf); /* dynamic blocks */
	files[1] = compress(text, n, 1000);
	for (int f = 0; f < 2; f++) {
		struct buf *gz = &files[f];
		size_t len = gz->len;

		for (size_t cut = 0; cut < len; cut++) {
			gz->len = cut;
			check_damaged(gz, text, n, cut % 2 ? 1 : 65536, true);
		}
		gz->len = len;
		for (size_t i = 0; i < len; i++) {
			unsigned char was = gz->p[i];

			for (int k = 0; k < 3; k++) {
				gz->p[i] = k == 0 ? (unsigned char)~was
					   : k == 1
					       ? (unsigned char)(was ^ (1u << (next_rand() % 8)))
					       : (unsigned char)next_rand();
				if (gz->p[i] != was)
					check_damaged(gz, text, n, 4096, false);
			}
			gz->p[i] = was;
		}
		/* garbage after the member */
		buf_sink(gz, "xyz", 3);
		check_damaged(gz, text, n, 4096, true);
		free(gz->p);
	}
	/* a valid header, then noise: stored, fixed and dynamic blocks of
	 * nonsense */
	for (int i = 0; i < 3000; i++) {
		struct buf gz = {0};
		unsigned char noise[600];

		buf_sink(&gz, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
		for (size_t k = 0; k < sizeof(noise); k++)
			noise[k] = (unsigned char)next_rand();
		noise[0] = (unsigned char)((noise[0] & ~6u) | (unsigned)(i % 3) << 1);
		buf_sink(&gz, noise, 1 + next_rand() % sizeof(noise));
		check_damaged(&gz, text, n, 1 + i % 5000, false);
		free(gz.p);
	}
	free(text);
	remove_tmpdir(dir);
}

struct bits {
	struct buf b;
	uint32_t acc;
	unsigned n;
};

/* Huffman codes go most significant bit first, everything else least */
static void put(struct bits *w, uint32_t v, unsigned n, bool huffman)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned bit = huffman ? (v >> (n - 1 - i)) & 1 : (v >> i) & 1;

		w->acc |= bit << w->n;
		if (++w->n == 8) {
			unsigned char c = (unsigned char)w->acc;

			buf_sink(&w->b, &c, 1);
			w->acc = w->n = 0;
		}
	}
}

/* A match reaching before the first byte is refused, nothing comes out */
static void distance_before_the_start_fails(void **state)
{
	struct bits w = {0};
	int r, e;
	struct buf back;

	buf_sink(&w.b, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
	put(&w, 1, 1, false);         /* BFINAL */
	put(&w, 1, 2, false);         /* fixed codes */
	put(&w, 0x30 + 'A', 8, true); /* 'A' */
	put(&w, 1, 7, true);          /* length 3 */
	put(&w, 1, 5, true);          /* distance 2: one byte before the start */
	put(&w, 0, 7, true);          /* end of block */
	put(&w, 0, 7, false);
	back = decompress(&w.b, 65536, &r, &e);
	assert_int_equal(r, -1);
	assert_int_equal(e, EBADMSG);
	assert_int_equal(back.len, 1);
	assert_int_equal(back.p[0], 'A');
	free(back.p);
	free(w.b.p);
}

/* a source that fails: its errno, after the bytes that came */
static void source_error_is_reported(void **state)
{
	size_t n = 200000;
	unsigned char *rnd = random_bytes(n);
	struct buf gz = compress(rnd, n, n);
	int r, e;
	struct buf back;

	gz.chunk = 1000;
	gz.fail_at = gz.len / 2;
	back = decompress(&gz, 65536, &r, &e);
	assert_int_equal(r, -1);
	assert_int_equal(e, EIO);
	assert_true(back.len > 0 && back.len < n);
	assert_memory_equal(back.p, rnd, back.len);
	free(back.p);
	free(gz.p);
	free(rnd);
}

/* One encoder, reset between members (a log driver's messages): each
 * member inflates to its own text, whatever the last one left behind */
static void reset_makes_members_of_their_own(void **state)
{
	static const char *const texts[] = {
	    "first member, first member, first member", "second: a shorter one", "",
	    "a third, long enough to match back: abcabcabcabcabcabcabcabcabcabc abcabcabc"};
	struct buf out = {0};
	struct lxr_gzip *z = lxr_gzip_new(NULL, buf_sink, &out);

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		int r, e;
		if (i) {
			out.len = out.pos = 0;
			lxr_gzip_reset(z, NULL, buf_sink, &out);
		}
		assert_int_equal(lxr_gzip_write(z, texts[i], strlen(texts[i])), 0);
		assert_int_equal(lxr_gzip_finish(z), 0);
		struct buf back = decompress(&out, 7, &r, &e);
		assert_int_equal(r, 0);
		assert_int_equal(back.len, strlen(texts[i]));
		if (back.len)
			assert_memory_equal(back.p, texts[i], back.len);
		free(back.p);
	}
	lxr_gzip_free(z);
	free(out.p);
}

static void crc32_known_values(void **state)
{
	assert_int_equal(lxr_crc32(0, "", 0), 0);
	assert_int_equal(lxr_crc32(0, "123456789", 9), 0xcbf43926u);
	/* in pieces as at once */
	assert_int_equal(lxr_crc32(lxr_crc32(0, "1234", 4), "56789", 5), 0xcbf43926u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(crc32_known_values),
	    cmocka_unit_test(reset_makes_members_of_their_own),
	    cmocka_unit_test(round_trips),
	    cmocka_unit_test(text_compresses),
	    cmocka_unit_test(reads_files_of_others),
	    cmocka_unit_test(gzip_reads_ours),
	    cmocka_unit_test(damaged_input_fails),
	    cmocka_unit_test(distance_before_the_start_fails),
	    cmocka_unit_test(source_error_is_reported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
