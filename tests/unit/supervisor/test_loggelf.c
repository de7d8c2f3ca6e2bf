/* The gelf driver's messages: GELF 1.1 fields as dockerd sends them, a
 * line that is not UTF-8, gzip and zlib that inflate back to the text,
 * and chunks that join back to the message. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "lxr/gzip.h"
#include "supervisor/logfwd.h"

static struct cfg_kv kvs[2] = {{.key = "labels", .value = "team,_raw"},
			       {.key = "env", .value = "RELEASE"}};
static const struct cfg_logging gelf = {.driver = {.v = "gelf"}, .options = {.v = kvs, .n = 2}};
static char *labels[] = {"team=core", "_raw=x", "other=no", NULL};
static char *env[] = {"RELEASE=1.2", "PATH=/bin", NULL};
static const struct log_fwd_ids ids = {.tag = {"web-1", "web-1", "proj-web-1", "0123456789ab",
					       "sha256:0123456789abcdef", "img:1", "lxr"},
				       .labels = labels,
				       .env = env,
				       .command = "sh -c echo",
				       .created = "2026-11-23T09:16:19Z"};

static void fields_and_message(void **state)
{
	json_t *f = log_gelf_fields(&gelf, &ids, "the-tag"), *m;
	struct timespec at = {1795425379, 123456789};
	size_t n;
	char *text = log_gelf_json(f, "host1", LOG_STDERR, &at, "bad \xff byte", 10, &n);

	(void)state;
	m = json_loads(text, 0, NULL);
	assert_non_null(m);
	assert_string_equal(json_string_value(json_object_get(m, "version")), "1.1");
	assert_string_equal(json_string_value(json_object_get(m, "host")), "host1");
	assert_string_equal(json_string_value(json_object_get(m, "short_message")),
			    "bad \xef\xbf\xbd byte");
	assert_int_equal(json_integer_value(json_object_get(m, "level")), 3);
	assert_true(json_real_value(json_object_get(m, "timestamp")) == 1795425379.123);
	assert_non_null(strstr(text, "\"timestamp\":1795425379.123,"));
	assert_string_equal(json_string_value(json_object_get(m, "_container_id")), "web-1");
	assert_string_equal(json_string_value(json_object_get(m, "_container_name")), "proj-web-1");
	assert_string_equal(json_string_value(json_object_get(m, "_image_id")),
			    "sha256:0123456789abcdef");
	assert_string_equal(json_string_value(json_object_get(m, "_image_name")), "img:1");
	assert_string_equal(json_string_value(json_object_get(m, "_command")), "sh -c echo");
	assert_string_equal(json_string_value(json_object_get(m, "_tag")), "the-tag");
	assert_string_equal(json_string_value(json_object_get(m, "_created")),
			    "2026-11-23T09:16:19Z");
	assert_string_equal(json_string_value(json_object_get(m, "_team")), "core");
	assert_string_equal(json_string_value(json_object_get(m, "_raw")), "x");
	assert_string_equal(json_string_value(json_object_get(m, "_RELEASE")), "1.2");
	assert_null(json_object_get(m, "_other"));
	assert_null(json_object_get(m, "_PATH"));
	json_decref(m);
	free(text);
	/* a whole second: no fraction, as Go prints 1795425379.0 */
	at.tv_nsec = 0;
	text = log_gelf_json(f, "h", LOG_STDOUT, &at, "x", 1, &n);
	assert_non_null(strstr(text, "\"timestamp\":1795425379,\"level\":6"));
	free(text);
	json_decref(f);
}

struct mem {
	const char *p;
	size_t len, off;
};

static ssize_t from_mem(void *ctx, void *buf, size_t n)
{
	struct mem *m = ctx;
	size_t k = m->len - m->off < n ? m->len - m->off : n;

	memcpy(buf, m->p + m->off, k);
	m->off += k;
	return (ssize_t)k;
}

static char *gunzip_all(const char *p, size_t len, size_t *out)
{
	struct mem m = {p, len, 0};
	struct lxr_gunzip *g = lxr_gunzip_new(from_mem, &m);
	char *buf = calloc(1, 1 << 20);
	ssize_t n;

	*out = 0;
	while ((n = lxr_gunzip_read(g, buf + *out, (1 << 20) - *out)) > 0)
		*out += (size_t)n;
	assert_int_equal(n, 0);
	lxr_gunzip_free(g);
	return buf;
}

static void gzip_and_zlib_inflate_back(void **state)
{
	char text[3000];
	size_t zn, n;
	char *z, *back;
	struct lxr_gzip *enc = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = "gelf text, repeated "[i % 20];
	z = log_gelf_compress(text, sizeof(text), LOG_GELF_GZIP, NULL, &zn);
	assert_true(zn < sizeof(text));
	back = gunzip_all(z, zn, &n);
	assert_int_equal(n, sizeof(text));
	assert_memory_equal(back, text, n);
	free(back);
	free(z);
	/* zlib: 78 01, the DEFLATE data, Adler-32 big endian; the data made a
	 * gzip member again inflates back to the text */
	z = log_gelf_compress(text, sizeof(text), LOG_GELF_ZLIB, &enc, &zn);
	assert_int_equal((unsigned char)z[0], 0x78);
	assert_int_equal((unsigned char)z[1], 0x01);
	assert_int_equal((((unsigned char)z[0] << 8) | (unsigned char)z[1]) % 31, 0);
	{
		size_t dl = zn - 6;
		uint32_t crc = lxr_crc32(0, text, sizeof(text)), size = sizeof(text);
		char *g = malloc(10 + dl + 8);
		const unsigned char head[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
		memcpy(g, head, 10);
		memcpy(g + 10, z + 2, dl);
		for (int i = 0; i < 4; i++) {
			g[10 + dl + i] = (char)(crc >> (8 * i));
			g[14 + dl + i] = (char)(size >> (8 * i));
		}
		back = gunzip_all(g, 10 + dl + 8, &n);
		assert_int_equal(n, sizeof(text));
		assert_memory_equal(back, text, n);
		free(back);
		free(g);
	}
	free(z);
	/* the kept encoder again: a member of its own */
	z = log_gelf_compress(text + 1, 100, LOG_GELF_GZIP, &enc, &zn);
	back = gunzip_all(z, zn, &n);
	assert_int_equal(n, 100);
	assert_memory_equal(back, text + 1, n);
	free(back);
	free(z);
	lxr_gzip_free(enc);
	z = log_gelf_compress(text, 5, LOG_GELF_NONE, NULL, &zn);
	assert_int_equal(zn, 5);
	assert_memory_equal(z, text, 5);
	free(z);
}

struct got {
	char buf[8][1500];
	size_t len[8];
	int n;
};

static int collect(void *ctx, const char *buf, size_t n)
{
	struct got *g = ctx;

	if (g->n == 8)
		return -1;
	memcpy(g->buf[g->n], buf, n);
	g->len[g->n++] = n;
	return 0;
}

static void chunks_join_back(void **state)
{
	static char msg[4000];
	struct got g = {0};
	char joined[4000];
	size_t off = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (char)i;
	assert_int_equal(log_gelf_chunks(msg, 1420, collect, &g), 0);
	assert_int_equal(g.n, 1); /* up to 1,420 bytes: as it is */
	assert_int_equal(g.len[0], 1420);
	g.n = 0;
	assert_int_equal(log_gelf_chunks(msg, sizeof(msg), collect, &g), 0);
	assert_int_equal(g.n, 3); /* 1,408 data bytes a chunk */
	for (int i = 0; i < g.n; i++) {
		assert_int_equal((unsigned char)g.buf[i][0], 0x1e);
		assert_int_equal((unsigned char)g.buf[i][1], 0x0f);
		assert_memory_equal(g.buf[i] + 2, g.buf[0] + 2, 8); /* one message id */
		assert_int_equal(g.buf[i][10], i);
		assert_int_equal(g.buf[i][11], 3);
		assert_true(g.len[i] <= 1420);
		memcpy(joined + off, g.buf[i] + 12, g.len[i] - 12);
		off += g.len[i] - 12;
	}
	assert_int_equal(off, sizeof(msg));
	assert_memory_equal(joined, msg, sizeof(msg));
	assert_int_equal(log_gelf_chunks(msg, 1408 * 128 + 1, collect, &g), -EMSGSIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(fields_and_message),
	    cmocka_unit_test(gzip_and_zlib_inflate_back),
	    cmocka_unit_test(chunks_join_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
