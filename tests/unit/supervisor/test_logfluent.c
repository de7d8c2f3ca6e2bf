/* The fluentd driver's messages: MessagePack read back by a decoder of
 * this test's own (the subset the forward protocol's Message mode uses),
 * at each string header's bounds, with a map of more than 15 entries,
 * labels over dockerd's own fields but never over the line, EventTime,
 * and a long line's partial_* fields. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "supervisor/logfwd.h"

struct rd {
	const unsigned char *p, *end;
};

static uint64_t be(struct rd *r, int n)
{
	uint64_t v = 0;

	assert_true(r->p + n <= r->end);
	for (int i = 0; i < n; i++)
		v = v << 8 | *r->p++;
	return v;
}

/* a str of any header: its bytes (into out, NUL-ended) and its length */
static size_t str(struct rd *r, char *out, size_t size, int *hdr)
{
	unsigned t = (unsigned)be(r, 1);
	size_t n = 0;

	if ((t & 0xe0) == 0xa0)
		n = t & 31;
	else if (t == 0xd9 || t == 0xda || t == 0xdb)
		n = be(r, t == 0xd9 ? 1 : t == 0xda ? 2 : 4);
	else
		fail_msg("type 0x%02x is not a str", t);
	assert_true(r->p + n <= r->end && n < size);
	memcpy(out, r->p, n);
	out[n] = '\0';
	r->p += n;
	if (hdr)
		*hdr = (int)t;
	return n;
}

struct msg {
	char tag[64];
	uint64_t sec, nsec;
	bool ext;
	size_t n;
	char key[24][32];
	char *val[24];
	size_t len[24];
	int hdr[24];
};

static void decode(const char *buf, size_t len, struct msg *m)
{
	struct rd r = {(const unsigned char *)buf, (const unsigned char *)buf + len};
	unsigned t;

	memset(m, 0, sizeof(*m));
	assert_int_equal(be(&r, 1), 0x93);
	str(&r, m->tag, sizeof(m->tag), NULL);
	t = (unsigned)be(&r, 1);
	if (t == 0xd7) {
		assert_int_equal(be(&r, 1), 0); /* EventTime */
		m->ext = true;
		m->sec = be(&r, 4);
		m->nsec = be(&r, 4);
	} else {
		m->sec = t < 0x80 ? t : t == 0xce ? be(&r, 4) : be(&r, 8);
	}
	t = (unsigned)be(&r, 1);
	m->n = (t & 0xf0) == 0x80 ? t & 15 : t == 0xde ? be(&r, 2) : be(&r, 4);
	assert_true(m->n <= 24);
	for (size_t i = 0; i < m->n; i++) {
		str(&r, m->key[i], sizeof(m->key[i]), NULL);
		m->val[i] = malloc(70000);
		m->len[i] = str(&r, m->val[i], 70000, &m->hdr[i]);
	}
	assert_ptr_equal(r.p, r.end); /* nothing after the message */
}

static const char *get(const struct msg *m, const char *k)
{
	const char *v = NULL;

	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->key[i], k)) {
			assert_null(v); /* each key once */
			v = m->val[i];
		}
	return v;
}

static void done(struct msg *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->val[i]);
}

static char *fields[] = {"container_id", "abc123", "container_name", "/p-web-1", NULL};

static void string_headers(void **state)
{
	static const size_t lens[] = {0, 31, 32, 255, 256, 65535, 65536};
	static const int hdrs[] = {0xa0, 0xbf, 0xd9, 0xd9, 0xda, 0xda, 0xdb};
	char *line = malloc(65536);

	(void)state;
	memset(line, 'x', 65536);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct log_fluent_rec r = {"docker.web", {1700000000, 5}, false, LOG_STDOUT,
					   line,         lens[i],         NULL,  0,
					   false};
		struct msg m;
		size_t n;
		char *b = log_fluent_msg(fields, &r, &n);

		decode(b, n, &m);
		assert_string_equal(m.tag, "docker.web");
		assert_false(m.ext);
		assert_int_equal(m.sec, 1700000000);
		assert_int_equal(m.n, 4);
		assert_string_equal(get(&m, "source"), "stdout");
		assert_string_equal(get(&m, "container_name"), "/p-web-1");
		for (size_t k = 0; k < m.n; k++)
			if (!strcmp(m.key[k], "log")) {
				assert_int_equal(m.len[k], lens[i]);
				assert_int_equal(m.hdr[k], hdrs[i]);
			}
		done(&m);
		free(b);
	}
	free(line);
}

/* 20 labels: a map16; a label named source or container_id is the
 * record's (dockerd copies them over its own), one named log is not */
static void labels_over_fields(void **state)
{
	char *v[48], names[20][8];
	size_t k = 0, n;
	struct msg m;

	(void)state;
	v[k++] = "container_id";
	v[k++] = "abc123";
	for (int i = 0; i < 17; i++) {
		snprintf(names[i], sizeof(names[i]), "l%02d", i);
		v[k++] = names[i];
		v[k++] = "v";
	}
	v[k++] = "source";
	v[k++] = "from-a-label";
	v[k++] = "log";
	v[k++] = "not-the-line";
	v[k++] = "container_id";
	v[k++] = "from-env";
	v[k] = NULL;
	struct log_fluent_rec r = {
	    "t", {1700000000, 0}, true, LOG_STDERR, "the \"line\"\n", 11, NULL, 0, false};
	char *b = log_fluent_msg(v, &r, &n);

	decode(b, n, &m);
	assert_true(m.ext);
	assert_int_equal(m.sec, 1700000000);
	assert_int_equal(m.nsec, 0);
	assert_int_equal(m.n, 20); /* container_id, 17 labels, source, log */
	assert_string_equal(get(&m, "source"), "from-a-label");
	assert_string_equal(get(&m, "container_id"), "from-env");
	assert_string_equal(get(&m, "log"), "the \"line\"\n");
	done(&m);
	free(b);
}

static void partial_fields(void **state)
{
	struct log_fluent_rec r = {
	    "t", {1700000001, 999999999}, true, LOG_STDOUT, "part", 4, "0123abcd", 2, false};
	struct msg m;
	size_t n;
	char *b = log_fluent_msg(fields, &r, &n);

	(void)state;
	decode(b, n, &m);
	assert_int_equal(m.nsec, 999999999);
	assert_string_equal(get(&m, "partial_message"), "true");
	assert_string_equal(get(&m, "partial_id"), "0123abcd");
	assert_string_equal(get(&m, "partial_ordinal"), "2");
	assert_string_equal(get(&m, "partial_last"), "false");
	done(&m);
	free(b);
	r.part_id = NULL;
	b = log_fluent_msg(fields, &r, &n);
	decode(b, n, &m);
	assert_null(get(&m, "partial_message"));
	assert_int_equal(m.n, 4);
	done(&m);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(string_headers),
	    cmocka_unit_test(labels_over_fields),
	    cmocka_unit_test(partial_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
