/* The loki logging driver's options, as Grafana's Docker driver (the
 * plugin `grafana/loki-docker-driver`) checks them when a container is
 * made: the options it knows, loki-url required, its durations, counts
 * and labels. lxr sends to Loki itself (supervisor/logloki.c), over plain
 * HTTP: an https:// URL, a proxy, TLS files, pipeline stages and relabel
 * rules are loaded and refused by `lxr up` by name. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"
#include "lxr/logopts.h"

#define LOKI_TAKES                                                                                 \
	"loki takes loki-url, loki-external-labels, loki-tenant-id, loki-timeout, "                \
	"loki-batch-wait, loki-batch-size, loki-min-backoff, loki-max-backoff, loki-retries, "     \
	"labels, env, env-regex, no-file, keep-file, max-size, max-file, mode and "                \
	"max-buffer-size"

static int hex(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? tolower(c) - 'a' + 10 : -1;
}

/* userinfo's %XX, as Go's url.Parse decodes it; NULL: a bad escape */
static char *unescape(const char *s, size_t n)
{
	char *out = lxr_xmalloc(n + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		if (i + 2 >= n) {
			free(out);
			return NULL;
		}
		int a = hex((unsigned char)s[i + 1]), b = a < 0 ? -1 : hex((unsigned char)s[i + 2]);
		if (b < 0) {
			free(out);
			return NULL;
		}
		*o++ = (char)(a * 16 + b);
		i += 2;
	}
	*o = '\0';
	return out;
}

/* host[:port] or [v6][:port] of an authority */
static int host_port(const char *a, size_t n, struct cfg_loki_url *out)
{
	const char *colon = NULL, *end = a + n;
	char *e;

	if (n && a[0] == '[') {
		const char *rb = memchr(a, ']', n);
		if (!rb || (rb + 1 < end && rb[1] != ':'))
			return -1;
		out->host = lxr_xstrndup(a + 1, (size_t)(rb - a - 1));
		colon = rb + 1 < end ? rb + 1 : NULL;
	} else {
		colon = memchr(a, ':', n);
		out->host = lxr_xstrndup(a, colon ? (size_t)(colon - a) : n);
	}
	if (!*out->host || strpbrk(out->host, " \t\r\n@"))
		return -1;
	if (colon && colon + 1 < end) {
		_cleanup_free_ char *p = lxr_xstrndup(colon + 1, (size_t)(end - colon - 1));
		long v = strtol(p, &e, 10);
		if (*e || !isdigit((unsigned char)p[0]) || v < 1 || v > 65535)
			return -1;
		out->port = (int)v;
		out->port_given = true;
	}
	return 0;
}

int cfg_loki_url(const char *s, struct cfg_loki_url *out)
{
	const char *rest, *auth_end, *at;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (!strncasecmp(s, "http://", 7))
		rest = s + 7;
	else if (!strncasecmp(s, "https://", 8))
		rest = s + 8, out->https = true;
	else
		return -1;
	out->port = out->https ? 443 : 80;
	n = strcspn(rest, "/?#");
	auth_end = rest + n;
	at = memrchr(rest, '@', n);
	if (at) {
		out->userinfo = unescape(rest, (size_t)(at - rest));
		if (!out->userinfo) {
			cfg_loki_url_free(out);
			return -1;
		}
		rest = at + 1;
	}
	if (host_port(rest, (size_t)(auth_end - rest), out) < 0 || strpbrk(auth_end, " \t\r\n")) {
		cfg_loki_url_free(out);
		return -1;
	}
	/* the request's target: the path and query, without the fragment */
	n = strcspn(auth_end, "#");
	out->target =
	    *auth_end == '/' ? lxr_xstrndup(auth_end, n) : lxr_xasprintf("/%.*s", (int)n, auth_end);
	return 0;
}

char *cfg_loki_url_shown(const char *s)
{
	const char *auth = strstr(s, "://"), *at;
	size_t n;

	auth = auth ? auth + 3 : s;
	n = strcspn(auth, "/?#");
	at = memrchr(auth, '@', n);
	return at ? lxr_xasprintf("%.*s***%s", (int)(auth - s), s, at) : lxr_xstrdup(s);
}

void cfg_loki_url_free(struct cfg_loki_url *u)
{
	free(u->host);
	free(u->userinfo);
	free(u->target);
	memset(u, 0, sizeof(*u));
}

/* Prometheus's label names, which Loki takes: [a-zA-Z_][a-zA-Z0-9_]* */
bool cfg_loki_label_name_ok(const char *s, size_t n)
{
	if (!n || isdigit((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

/* loki-external-labels: NAME=VALUE, comma-separated, each VALUE docker's
 * template (the tag's fields); a NAME Loki would refuse goes with '_' for
 * the characters it refuses (supervisor/logloki.c), as the driver takes
 * any name */
static void check_labels(struct cfg_ctx *c, const struct cfg_kv *kv)
{
	static const char *const dummy[CFG_LOG_TAG_N] = {"", "", "", "", "", "", ""};
	struct cfg_node at = {.pos = kv->pos};
	_cleanup_free_ char *copy = lxr_xstrdup(kv->value ? kv->value : "");
	char *rest = copy, *p, bad[64];

	while ((p = strsep(&rest, ","))) {
		char *eq = strchr(p, '='), *v;
		if (!eq || eq == p || strchr(eq + 1, '=')) {
			cfg_error_hint(c, &at, "NAME=VALUE,NAME=VALUE (container_name={{.Name}})",
				       "logging option loki-external-labels: \"%s\" is not "
				       "NAME=VALUE",
				       p);
			return;
		}
		if (!(v = cfg_log_tag(eq + 1, dummy, bad, sizeof(bad)))) {
			cfg_error_hint(c, &at,
				       "{{.Name}}, {{.ID}}, {{.ImageName}}, ... (the tag's)",
				       "logging option loki-external-labels: %s is not a field "
				       "lxr knows",
				       bad);
			return;
		}
		free(v);
	}
}

static void check_url(struct cfg_ctx *c, const struct cfg_kv *kv)
{
	struct cfg_node at = {.pos = kv->pos};
	struct cfg_loki_url u;

	/* never the password in a message */
	_cleanup_free_ char *shown = cfg_loki_url_shown(kv->value ? kv->value : "");

	if (cfg_loki_url(kv->value ? kv->value : "", &u) < 0) {
		cfg_error_hint(c, &at, "http://HOST:3100/loki/api/v1/push",
			       "logging option loki-url: \"%s\" is not an http:// URL", shown);
		return;
	}
	if (u.https)
		cfg_check_supported_hint(c, kv->pos, "service.logging.other_option",
					 "lxr sends to Loki over plain HTTP: http://HOST:3100/"
					 "loki/api/v1/push, or a TLS proxy on this host",
					 "logging option loki-url \"%s\" (HTTPS)", shown);
	cfg_loki_url_free(&u);
}

/* strconv.Atoi's numbers: loki-batch-size, loki-retries */
static void check_int(struct cfg_ctx *c, const struct cfg_kv *kv)
{
	const char *v = kv->value ? kv->value : "";
	char *end;
	long long n = strtoll(v, &end, 10);

	if (!*v || *end || isspace((unsigned char)v[0]) || n < 0 || n > 2147483647)
		cfg_error_hint(c, &(struct cfg_node){.pos = kv->pos}, "a whole number",
			       "loki: invalid option %s format: %s", kv->key, v);
}

static void check_value(struct cfg_ctx *c, const struct cfg_kv *kv)
{
	static const char *const durations[] = {"loki-timeout", "loki-batch-wait",
						"loki-min-backoff", "loki-max-backoff", NULL};
	static const char *const bools[] = {"no-file", "keep-file", "loki-tls-insecure-skip-verify",
					    NULL};
	struct cfg_node at = {.pos = kv->pos};
	const char *v = kv->value ? kv->value : "", *why = NULL;
	int64_t usec;
	bool on;

	if (cfg_log_one_of(kv->key, durations)) {
		if (cfg_parse_duration(v, &usec) < 0 || usec < 0)
			cfg_error_hint(c, &at, "a duration: 1s, 500ms, 5m",
				       "loki: invalid option %s format: %s", kv->key, v);
	} else if (cfg_log_one_of(kv->key, bools)) {
		if (*v && lxr_go_bool(v, &on) < 0)
			cfg_error_hint(c, &at, "\"true\" or \"false\"",
				       "logging option %s: \"%s\" is not a boolean", kv->key, v);
	} else if (!strcmp(kv->key, "loki-tenant-id")) {
		for (const char *p = v; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f) {
				cfg_error(c, &at,
					  "logging option loki-tenant-id: a control character "
					  "cannot go in an HTTP header");
				break;
			}
	} else if (!strcmp(kv->key, "env-regex") && lxr_re_check(v, &why) < 0) {
		cfg_check_supported_hint(c, kv->pos, "service.logging.other_option",
					 "a pattern of characters, classes, ^, $, |, *, + and ?",
					 "logging option env-regex \"%s\" (%s)", v, why);
	}
}

void cfg_check_loki_option(struct cfg_ctx *c, const struct cfg_kv *kv)
{
	/* Grafana's driver takes these; lxr's sender has no TLS, proxy or
	 * promtail pipeline */
	static const char *const refused[] = {
	    "loki-tls-ca-file",         "loki-tls-cert-file",  "loki-tls-key-file",
	    "loki-tls-server-name",     "loki-proxy-url",      "loki-pipeline-stages",
	    "loki-pipeline-stage-file", "loki-relabel-config", NULL};
	static const char *const plain[] = {"loki-batch-size", "loki-retries", NULL};
	static const char *const other[] = {"loki-timeout",
					    "loki-batch-wait",
					    "loki-min-backoff",
					    "loki-max-backoff",
					    "no-file",
					    "keep-file",
					    "loki-tls-insecure-skip-verify",
					    "loki-tenant-id",
					    "labels",
					    "env",
					    "env-regex",
					    NULL};

	if (!strcmp(kv->key, "loki-url"))
		check_url(c, kv);
	else if (!strcmp(kv->key, "loki-external-labels"))
		check_labels(c, kv);
	else if (!strcmp(kv->key, "max-size"))
		cfg_check_log_bytes(c, kv);
	else if (!strcmp(kv->key, "max-file"))
		cfg_check_log_count(c, kv);
	else if (cfg_log_one_of(kv->key, plain))
		check_int(c, kv);
	else if (cfg_log_one_of(kv->key, other))
		check_value(c, kv);
	else if (cfg_log_one_of(kv->key, refused))
		cfg_check_supported_hint(c, kv->pos, "service.logging.other_option",
					 "lxr's sender has no TLS, proxy, promtail pipeline or "
					 "relabelling; remove the option to run the service",
					 "logging option \"%s\" of driver loki", kv->key);
	else
		cfg_error_hint(c, &(struct cfg_node){.pos = kv->pos}, LOKI_TAKES,
			       "loki: wrong log-opt: '%s'", kv->key);
}
