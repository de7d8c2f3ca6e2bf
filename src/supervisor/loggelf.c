/* The gelf logging driver's messages, as dockerd's driver (through
 * go-gelf) makes them: a GELF 1.1 JSON object a record,
 *
 *   {"version":"1.1","host":HOST,"short_message":LINE,"timestamp":SECONDS,
 *    "level":6|3,"_container_id":...,"_container_name":...,"_image_id":...,
 *    "_image_name":...,"_command":...,"_tag":...,"_created":..., "_LABEL":...}
 *
 * over UDP gzip'd (or zlib'd, or as it is) and cut into GELF chunks past
 * 1,420 bytes; over TCP as it is, ended by a NUL. The transport is
 * logfwd.c's. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include <sys/random.h>

#include "lxr/gzip.h"
#include "supervisor/logfwd.h"

#define CHUNK_SIZE 1420 /* go-gelf's: a datagram that crosses most links whole */
#define CHUNK_HEAD 12
#define CHUNK_DATA (CHUNK_SIZE - CHUNK_HEAD)
#define CHUNKS_MAX 128 /* GELF's limit */

/* "_KEY": an extra field's name; one that starts with '_' already stays */
static char *underscored(const char *key)
{
	return key[0] == '_' ? lxr_xstrdup(key) : lxr_xasprintf("_%s", key);
}

/* names (comma-separated) kvs ("K=V") has, into o; env's over labels' */
static void add_named(json_t *o, const char *names, char *const *kvs)
{
	_cleanup_free_ char *copy = lxr_xstrdup(names ? names : "");
	char *save = NULL;

	for (char *k = strtok_r(copy, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
		const char *v = log_fwd_kv(kvs, k);
		_cleanup_free_ char *name = v ? underscored(k) : NULL;
		if (v)
			json_object_set_new(o, name, json_string(v));
	}
}

json_t *log_gelf_fields(const struct cfg_logging *l, const struct log_fwd_ids *ids, const char *tag)
{
	json_t *o = json_object();

	json_object_set_new(o, "_container_id", json_string(ids->tag[CFG_LOG_TAG_FULL_ID]));
	json_object_set_new(o, "_container_name", json_string(ids->tag[CFG_LOG_TAG_NAME]));
	json_object_set_new(o, "_image_id", json_string(ids->tag[CFG_LOG_TAG_IMAGE_FULL]));
	json_object_set_new(o, "_image_name", json_string(ids->tag[CFG_LOG_TAG_IMAGE_NAME]));
	json_object_set_new(o, "_command", json_string(ids->command ? ids->command : ""));
	json_object_set_new(o, "_tag", json_string(tag));
	json_object_set_new(o, "_created", json_string(ids->created ? ids->created : ""));
	add_named(o, cfg_logging_option(l, "labels"), ids->labels);
	add_named(o, cfg_logging_option(l, "env"), ids->env);
	return o;
}

char *log_utf8_clean(const char *data, size_t len, size_t *out)
{
	const unsigned char *p = (const unsigned char *)data;
	char *o = lxr_xmalloc(len * 3 + 1);
	size_t n = 0;

	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		size_t k = c < 0x80                 ? 1
			   : c >= 0xc2 && c <= 0xdf ? 2
			   : c >= 0xe0 && c <= 0xef ? 3
			   : c >= 0xf0 && c <= 0xf4 ? 4
						    : 0;
		unsigned char lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
		unsigned char hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
		bool ok = k > 0 && i + k <= len;
		for (size_t j = 1; ok && j < k; j++)
			ok = j == 1 ? p[i + 1] >= lo && p[i + 1] <= hi
				    : p[i + j] >= 0x80 && p[i + j] <= 0xbf;
		if (ok) {
			memcpy(o + n, p + i, k);
			n += k;
			i += k;
		} else {
			memcpy(o + n, "\xef\xbf\xbd", 3);
			n += 3;
			i++;
		}
	}
	o[n] = '\0';
	*out = n;
	return o;
}

/* seconds with the milliseconds dockerd keeps, as Go prints a float64 */
static json_t *timestamp(const struct timespec *at)
{
	char buf[48];
	size_t n;

	snprintf(buf, sizeof(buf), "%lld.%03ld", (long long)at->tv_sec, at->tv_nsec / 1000000);
	n = strlen(buf);
	while (buf[n - 1] == '0')
		buf[--n] = '\0';
	if (buf[n - 1] == '.')
		buf[--n] = '\0';
	return json_loads(buf, JSON_DECODE_ANY, NULL);
}

char *log_gelf_json(const json_t *fields, const char *host, enum log_stream st,
		    const struct timespec *at, const char *data, size_t len, size_t *out_len)
{
	json_t *m = json_object();
	size_t n;
	_cleanup_free_ char *line = log_utf8_clean(data, len, &n);
	char *text;

	json_object_set_new(m, "version", json_string("1.1"));
	json_object_set_new(m, "host", json_string(host));
	json_object_set_new(m, "short_message", json_stringn(line, n));
	json_object_set_new(m, "timestamp", timestamp(at));
	json_object_set_new(m, "level", json_integer(st == LOG_STDERR ? 3 : 6));
	json_object_update(m, (json_t *)fields);
	/* 16 digits: the milliseconds of a 10-digit second, as Go prints them */
	text = json_dumps(m, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(16));
	json_decref(m);
	*out_len = text ? strlen(text) : 0;
	return text;
}

struct buf {
	char *p;
	size_t len, cap;
};

static int to_buf(void *ctx, const void *data, size_t n)
{
	struct buf *b = ctx;

	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = lxr_xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return 0;
}

/* zlib's checksum (RFC 1950) */
static uint32_t adler32(const unsigned char *p, size_t n)
{
	uint32_t a = 1, b = 0;

	for (size_t i = 0; i < n; i++) {
		a = (a + p[i]) % 65521;
		b = (b + a) % 65521;
	}
	return b << 16 | a;
}

char *log_gelf_compress(const char *text, size_t len, enum log_gelf_z z, struct lxr_gzip **enc,
			size_t *out_len)
{
	struct buf b = {0};
	struct lxr_gzip *g = enc ? *enc : NULL;

	if (z == LOG_GELF_NONE) {
		*out_len = len;
		b.p = lxr_xmalloc(len ? len : 1);
		memcpy(b.p, text, len);
		return b.p;
	}
	/* the encoder's 260 KiB are made once a forwarder, not once a line */
	if (g)
		lxr_gzip_reset(g, NULL, to_buf, &b);
	else
		g = lxr_gzip_new(NULL, to_buf, &b);
	lxr_gzip_write(g, text, len);
	lxr_gzip_finish(g);
	if (enc)
		*enc = g;
	else
		lxr_gzip_free(g);
	if (z == LOG_GELF_ZLIB) {
		/* the same DEFLATE data between zlib's header and checksum: a
		 * gzip member without FEXTRA has 10 header bytes and 8 after */
		uint32_t ad = adler32((const unsigned char *)text, len);
		size_t dl = b.len - 18;
		memmove(b.p + 2, b.p + 10, dl);
		b.p[0] = 0x78;
		b.p[1] = 0x01; /* deflate, 32 KiB window, the fastest level */
		for (int i = 0; i < 4; i++)
			b.p[2 + dl + i] = (char)(ad >> (24 - 8 * i));
		b.len = 2 + dl + 4;
	}
	*out_len = b.len;
	return b.p;
}

int log_gelf_chunks(const char *msg, size_t len, log_gelf_send send, void *ctx)
{
	size_t n = (len + CHUNK_DATA - 1) / CHUNK_DATA;
	unsigned char id[8] = {0}, head[CHUNK_HEAD];

	if (len <= CHUNK_SIZE)
		return send(ctx, msg, len);
	if (n > CHUNKS_MAX)
		return -EMSGSIZE;
	(void)!getrandom(id, sizeof(id), GRND_INSECURE);
	head[0] = 0x1e;
	head[1] = 0x0f;
	memcpy(head + 2, id, 8);
	for (size_t i = 0; i < n; i++) {
		size_t off = i * CHUNK_DATA, cl = len - off < CHUNK_DATA ? len - off : CHUNK_DATA;
		char chunk[CHUNK_SIZE];
		int r;
		head[10] = (unsigned char)i;
		head[11] = (unsigned char)n;
		memcpy(chunk, head, CHUNK_HEAD);
		memcpy(chunk + CHUNK_HEAD, msg + off, cl);
		if ((r = send(ctx, chunk, CHUNK_HEAD + cl)) < 0)
			return r;
	}
	return 0;
}
