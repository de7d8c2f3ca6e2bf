/* The fluentd logging driver's messages, as dockerd's driver (through
 * fluent-logger-golang) makes them: the forward protocol's Message mode,
 * one MessagePack array a record,
 *
 *   [TAG, TIME, {"container_id": FULL_ID, "container_name": "/NAME",
 *                "source": "stdout"|"stderr", "log": LINE, LABEL: ...,
 *                "partial_message": "true", ...}]
 *
 * TIME whole seconds, or with fluentd-sub-second-precision the protocol's
 * EventTime (extension type 0: seconds and nanoseconds, 32 bits each, big
 * endian). Sent over TCP or a Unix stream socket by logfwd.c. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/text.h"
#include "supervisor/logfwd.h"

static void be(FILE *f, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--)
		fputc((int)((v >> (8 * i)) & 0xff), f);
}

/* str: fixstr, str 8, 16 or 32, whatever the bytes (Go sends a string's
 * bytes as they are) */
static void mp_str(FILE *f, const char *s, size_t n)
{
	if (n < 32) {
		fputc(0xa0 | (int)n, f);
	} else if (n < 256) {
		fputc(0xd9, f);
		be(f, n, 1);
	} else if (n < 65536) {
		fputc(0xda, f);
		be(f, n, 2);
	} else {
		fputc(0xdb, f);
		be(f, n, 4);
	}
	fwrite(s, 1, n, f);
}

static void mp_uint(FILE *f, uint64_t v)
{
	if (v < 128) {
		fputc((int)v, f);
	} else if (v <= UINT32_MAX) {
		fputc(0xce, f);
		be(f, v, 4);
	} else {
		fputc(0xcf, f);
		be(f, v, 8);
	}
}

static void mp_map_head(FILE *f, size_t n)
{
	if (n < 16) {
		fputc(0x80 | (int)n, f);
	} else if (n < 65536) {
		fputc(0xde, f);
		be(f, n, 2);
	} else {
		fputc(0xdf, f);
		be(f, n, 4);
	}
}

/* pairs' key at i appears again later: that later value is the one
 * kept, as the driver's map keeps the last it is given */
static bool overridden(const char *const *pairs, size_t i)
{
	for (size_t j = i + 2; pairs[j]; j += 2)
		if (!strcmp(pairs[j], pairs[i]))
			return true;
	return false;
}

static void mp_map(FILE *f, const char *const *pairs, const char *log, size_t log_len)
{
	size_t n = 0;

	for (size_t i = 0; pairs[i]; i += 2)
		n += !overridden(pairs, i) && strcmp(pairs[i], "log");
	mp_map_head(f, n + 1);
	for (size_t i = 0; pairs[i]; i += 2) {
		if (overridden(pairs, i) || !strcmp(pairs[i], "log"))
			continue; /* the line is the record's "log", whatever else is */
		mp_str(f, pairs[i], strlen(pairs[i]));
		mp_str(f, pairs[i + 1], strlen(pairs[i + 1]));
	}
	mp_str(f, "log", 3);
	mp_str(f, log, log_len);
}

char *log_fluent_msg(char *const *fields, const struct log_fluent_rec *r, size_t *out_len)
{
	size_t n = lxr_strv_len(fields), len = 0;
	const char **pairs = lxr_xcalloc(n + 11, sizeof(char *));
	char *out = NULL, ord[16];
	FILE *f = open_memstream(&out, &len);

	/* source first: a label or variable of that name is the record's,
	 * as dockerd copies them over its own fields */
	pairs[0] = "source";
	pairs[1] = r->stream == LOG_STDERR ? "stderr" : "stdout";
	memcpy(pairs + 2, fields, n * sizeof(char *));
	n += 2;
	if (r->part_id) {
		snprintf(ord, sizeof(ord), "%d", r->part_ordinal);
		const char *part[] = {
		    "partial_message", "true", "partial_id",   r->part_id,
		    "partial_ordinal", ord,    "partial_last", r->part_last ? "true" : "false"};
		memcpy(pairs + n, part, sizeof(part));
	}
	fputc(0x93, f); /* [tag, time, record] */
	mp_str(f, r->tag, strlen(r->tag));
	if (r->subsec) {
		fputc(0xd7, f); /* fixext 8, type 0: EventTime */
		fputc(0x00, f);
		be(f, (uint64_t)r->at.tv_sec & UINT32_MAX, 4);
		be(f, (uint64_t)r->at.tv_nsec, 4);
	} else {
		mp_uint(f, r->at.tv_sec > 0 ? (uint64_t)r->at.tv_sec : 0);
	}
	mp_map(f, pairs, r->log, r->log_len);
	fclose(f);
	free(pairs);
	*out_len = len;
	return out;
}

const char *log_fwd_kv(char *const *kvs, const char *k)
{
	size_t n = strlen(k);

	for (size_t i = 0; kvs && kvs[i]; i++)
		if (!strncmp(kvs[i], k, n) && kvs[i][n] == '=')
			return kvs[i] + n + 1;
	return NULL;
}

void log_fwd_named(char ***v, const char *names, const char *re, char *const *kvs)
{
	_cleanup_free_ char *copy = lxr_xstrdup(names ? names : "");
	char *save = NULL;

	for (char *k = strtok_r(copy, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
		const char *val = log_fwd_kv(kvs, k);
		if (!val)
			continue;
		lxr_strv_push(v, lxr_xstrdup(k));
		lxr_strv_push(v, lxr_xstrdup(val));
	}
	for (size_t i = 0; re && kvs && kvs[i]; i++) {
		const char *eq = strchr(kvs[i], '=');
		_cleanup_free_ char *k = eq ? lxr_xstrndup(kvs[i], (size_t)(eq - kvs[i])) : NULL;
		if (!k || !lxr_re_search(re, k))
			continue;
		lxr_strv_push(v, lxr_steal_ptr(&k));
		lxr_strv_push(v, lxr_xstrdup(eq + 1));
	}
}

char **log_fluent_setup(const struct cfg_logging *l, const struct log_fwd_ids *ids,
			int64_t *retry_ns, bool *async, bool *subsec)
{
	const char *wait = cfg_logging_option(l, "fluentd-retry-wait");
	const char *a = cfg_logging_option(l, "fluentd-async");
	const char *old = cfg_logging_option(l, "fluentd-async-connect");
	const char *sub = cfg_logging_option(l, "fluentd-sub-second-precision");
	char **v = NULL;
	int64_t usec;
	bool on;

	/* checked at load (config/logging.c) */
	if (wait && cfg_parse_duration(wait, &usec) == 0)
		*retry_ns = usec * 1000;
	*async = (a && lxr_go_bool(a, &on) == 0 && on) || (old && lxr_go_bool(old, &on) == 0 && on);
	*subsec = sub && lxr_go_bool(sub, &on) == 0 && on;

	lxr_strv_push(&v, lxr_xstrdup("container_id"));
	lxr_strv_push(&v, lxr_xstrdup(ids->tag[CFG_LOG_TAG_FULL_ID]));
	lxr_strv_push(&v, lxr_xstrdup("container_name"));
	lxr_strv_push(&v, lxr_xasprintf("/%s", ids->tag[CFG_LOG_TAG_NAME]));
	/* labels first, env after: a name in both is env's */
	log_fwd_named(&v, cfg_logging_option(l, "labels"), cfg_logging_option(l, "labels-regex"),
		      ids->labels);
	log_fwd_named(&v, cfg_logging_option(l, "env"), cfg_logging_option(l, "env-regex"),
		      ids->env);
	return v;
}
