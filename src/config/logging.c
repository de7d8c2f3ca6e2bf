/* A service's logging: the driver and its options, checked as dockerd
 * checks them when it makes the container, so a bad one stops the load.
 * lxr writes every driver's lines but none's to its own rotated CRI files
 * (json-file, local; the sending drivers too, as dockerd's dual logging
 * keeps a local copy for `docker logs`), and also sends journald's,
 * syslog's, gelf's, fluentd's and loki's on (supervisor/logfwd.c). loki's
 * options are in logging_loki.c. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config_internal.h"
#include "lxr/logopts.h"

static bool driver_is(const struct cfg_logging *l, const char *name)
{
	return l->driver.v && !strcmp(l->driver.v, name);
}

static bool file_driver(const struct cfg_logging *l)
{
	return !l->driver.v || driver_is(l, "json-file") || driver_is(l, "local");
}

static int read_log_driver(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_logging *l = obj;

	if (cfg_read_str(c, n, "logging.driver", &l->driver) < 0)
		return -1;
	if (!file_driver(l) && !driver_is(l, "none") && !cfg_log_driver_sends(l->driver.v))
		cfg_check_supported_hint(
		    c, n->pos, "service.logging.other_driver",
		    "json-file or local (rotated log files), journald, syslog, "
		    "gelf, fluentd, loki, or none (no log)",
		    "logging driver \"%s\"", l->driver.v);
	return 0;
}

static int read_log_options(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_kvs(c, n, "logging.options", false, &((struct cfg_logging *)obj)->options);
}

static const struct cfg_kv *log_option(const struct cfg_kvs *o, const char *key)
{
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->v[i].key, key))
			return &o->v[i];
	return NULL;
}

static const char *value_of(const struct cfg_kv *kv)
{
	return kv->value ? kv->value : "";
}

/* compress: Go's booleans, as dockerd parses them; only rotated files are
 * compressed, so with max-file 1 there is nothing to compress (dockerd
 * refuses that too) */
static void check_log_compress(struct cfg_ctx *c, const struct cfg_kvs *o, const struct cfg_kv *kv)
{
	const struct cfg_kv *mf = log_option(o, "max-file");
	struct cfg_node at = {.pos = kv->pos};
	bool on;

	if (lxr_go_bool(value_of(kv), &on) < 0)
		cfg_error_hint(c, &at, "\"true\" or \"false\"",
			       "logging option compress: \"%s\" is not a boolean", value_of(kv));
	else if (on && mf && mf->value && !strcmp(mf->value, "1"))
		cfg_error_hint(c, &at, "max-file of 2 or more, or compress \"false\"",
			       "logging option compress: max-file is 1, so no rotated file is "
			       "kept to compress");
}

/* The options every driver takes: mode and max-buffer-size. lxr never
 * holds a container up on its output (the supervisor drains its pipes
 * whatever the driver does), which is non-blocking's promise; and its
 * files get every line, blocking's. 1: not one of them. */
static int generic_option(struct cfg_ctx *c, const struct cfg_kv *kv)
{
	struct cfg_node at = {.pos = kv->pos};
	int64_t v;

	if (!strcmp(kv->key, "mode")) {
		if (strcmp(value_of(kv), "blocking") && strcmp(value_of(kv), "non-blocking"))
			cfg_error_hint(c, &at, "blocking or non-blocking",
				       "logging option mode: \"%s\" is not a mode", value_of(kv));
		return 0;
	}
	if (!strcmp(kv->key, "max-buffer-size")) {
		if (cfg_parse_bytes(value_of(kv), &v) < 0 || v <= 0)
			cfg_error_hint(c, &at, "e.g. 4m",
				       "logging option max-buffer-size: bad size \"%s\"",
				       value_of(kv));
		return 0;
	}
	return 1;
}

/* a size of bytes, a count of files, a Go boolean: the file options' and
 * the local copy's cache-* values */
void cfg_check_log_bytes(struct cfg_ctx *c, const struct cfg_kv *kv)
{
	struct cfg_node at = {.pos = kv->pos};
	int64_t v;

	if (cfg_parse_bytes(value_of(kv), &v) < 0 || v <= 0)
		cfg_error_hint(c, &at, "e.g. 10m", "logging option %s: bad size \"%s\"", kv->key,
			       value_of(kv));
}

void cfg_check_log_count(struct cfg_ctx *c, const struct cfg_kv *kv)
{
	struct cfg_node at = {.pos = kv->pos};
	char *end;
	long long v = strtoll(value_of(kv), &end, 10);

	if (!*value_of(kv) || *end || v < 1 || v > 1000)
		cfg_error_hint(c, &at, "a count of files from 1 to 1000",
			       "logging option %s: \"%s\" is not a count of files", kv->key,
			       value_of(kv));
}

static void check_bool(struct cfg_ctx *c, const struct cfg_kv *kv)
{
	struct cfg_node at = {.pos = kv->pos};
	bool on;

	if (lxr_go_bool(value_of(kv), &on) < 0)
		cfg_error_hint(c, &at, "\"true\" or \"false\"",
			       "logging option %s: \"%s\" is not a boolean", kv->key, value_of(kv));
}

bool cfg_log_one_of(const char *v, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(v, *set))
			return true;
	return false;
}

/* tag: docker's template, checked by expanding it once */
static void check_tag(struct cfg_ctx *c, const struct cfg_kv *kv)
{
	static const char *const dummy[CFG_LOG_TAG_N] = {"", "", "", "", "", "", ""};
	struct cfg_node at = {.pos = kv->pos};
	char bad[64];
	char *t = cfg_log_tag(value_of(kv), dummy, bad, sizeof(bad));

	if (!t)
		cfg_error_hint(c, &at,
			       "{{.ID}}, {{.FullID}}, {{.Name}}, {{.ImageID}}, {{.ImageFullID}}, "
			       "{{.ImageName}}, {{.DaemonName}}, {{.Hostname}} or a field "
			       "({{.ContainerName}}, ...)",
			       "logging option tag: %s is not a field lxr knows", bad);
	free(t);
}

/* dockerd's dual logging: the local copy's cache-disabled, cache-max-size,
 * cache-max-file, cache-compress. 1: not one of them. */
static int cache_option(struct cfg_ctx *c, const struct cfg_kv *kv)
{
	if (!strcmp(kv->key, "cache-max-size"))
		cfg_check_log_bytes(c, kv);
	else if (!strcmp(kv->key, "cache-max-file"))
		cfg_check_log_count(c, kv);
	else if (!strcmp(kv->key, "cache-disabled") || !strcmp(kv->key, "cache-compress"))
		check_bool(c, kv);
	else
		return 1;
	return 0;
}

/* The file drivers' options: the ones the supervisor's log files take,
 * and the record attributes. dockerd's json-file (and, since docker 28,
 * local) stores tag, expanded, and the labels and environment variables
 * that labels, labels-regex, env and env-regex name, in every record, for
 * `docker logs --details` and shippers that read its files. A CRI record
 * has no place for them: lxr checks them as dockerd does, and its files
 * are the same without them (docs/stack-file.md, logging). */
static void check_file_option(struct cfg_ctx *c, const struct cfg_logging *l,
			      const struct cfg_kv *kv)
{
	static const char *const attrs[] = {"labels", "labels-regex", "env", "env-regex", NULL};

	if (!strcmp(kv->key, "max-size"))
		cfg_check_log_bytes(c, kv);
	else if (!strcmp(kv->key, "max-file"))
		cfg_check_log_count(c, kv);
	else if (!strcmp(kv->key, "compress"))
		check_log_compress(c, &l->options, kv);
	else if (!strcmp(kv->key, "tag"))
		check_tag(c, kv);
	/* attrs: names, or a pattern of them; cache-*: dockerd takes them
	 * for every driver, and the file drivers use none */
	else if (!cfg_log_one_of(kv->key, attrs) && cache_option(c, kv) != 0)
		cfg_error_hint(c, &(struct cfg_node){.pos = kv->pos},
			       "max-size, max-file, compress, tag, labels, labels-regex, env, "
			       "env-regex, mode or max-buffer-size",
			       driver_is(l, "local")
				   ? "unknown log opt '%s' for log driver local"
				   : "unknown log opt '%s' for json-file log driver",
			       kv->key);
}

/* syslog-address: unix:// and unixgram:// a socket's path, udp:// and
 * tcp:// a host and port (514 unless given); tcp+tls:// is docker's too */
static void check_syslog_address(struct cfg_ctx *c, const struct cfg_kv *kv)
{
	struct cfg_node at = {.pos = kv->pos};
	struct cfg_syslog_addr a;

	if (!strncmp(value_of(kv), "tcp+tls://", 10)) {
		cfg_check_supported_hint(c, kv->pos, "service.logging.other_option",
					 "udp://, tcp://, unix:// or unixgram://",
					 "logging option syslog-address \"%s\" (TLS)",
					 value_of(kv));
		return;
	}
	if (cfg_syslog_address(value_of(kv), &a) < 0)
		cfg_error_hint(c, &at,
			       "unix:///dev/log, unixgram:///dev/log, udp://HOST[:PORT] or "
			       "tcp://HOST[:PORT]",
			       "logging option syslog-address: \"%s\" is not an address",
			       value_of(kv));
	cfg_syslog_addr_free(&a);
}

/* journald's and syslog's own options; the others dockerd takes for them
 * (labels-regex, TLS, ...) are refused by name */
static void check_forward_option(struct cfg_ctx *c, const struct cfg_logging *l,
				 const struct cfg_kv *kv)
{
	static const char *const journald_refused[] = {"labels-regex", "env-regex", NULL};
	static const char *const syslog_refused[] = {"syslog-tls-ca-cert", "syslog-tls-cert",
						     "syslog-tls-key", "syslog-tls-skip-verify",
						     NULL};
	/* dockerd's syslog driver takes these and sends nothing of them */
	static const char *const syslog_unused[] = {"labels", "labels-regex", "env", "env-regex",
						    NULL};
	static const char *const formats[] = {"rfc3164", "rfc5424", "rfc5424micro", NULL};
	bool journald = driver_is(l, "journald");
	const char *takes =
	    journald ? "journald takes tag, labels, env, mode, max-buffer-size and cache-*"
		     : "syslog takes syslog-address, syslog-facility, syslog-format, tag, mode, "
		       "max-buffer-size and cache-*";
	struct cfg_node at = {.pos = kv->pos};

	if (!strcmp(kv->key, "tag")) {
		check_tag(c, kv);
	} else if (journald && (!strcmp(kv->key, "labels") || !strcmp(kv->key, "env"))) {
		return; /* names, each a field if the container has it */
	} else if (cache_option(c, kv) == 0 ||
		   (!journald && cfg_log_one_of(kv->key, syslog_unused))) {
		return;
	} else if (cfg_log_one_of(kv->key, journald ? journald_refused : syslog_refused)) {
		cfg_check_supported_hint(c, kv->pos, "service.logging.other_option", takes,
					 "logging option \"%s\" of driver %s", kv->key,
					 l->driver.v);
	} else if (!journald && !strcmp(kv->key, "syslog-address")) {
		check_syslog_address(c, kv);
	} else if (!journald && !strcmp(kv->key, "syslog-facility")) {
		if (cfg_syslog_facility(value_of(kv)) < 0)
			cfg_error_hint(c, &at, "daemon, user, local0 ... local7, ...",
				       "logging option syslog-facility: \"%s\" is not a facility",
				       value_of(kv));
	} else if (!journald && !strcmp(kv->key, "syslog-format")) {
		if (!cfg_log_one_of(value_of(kv), formats))
			cfg_error_hint(c, &at, "rfc3164, rfc5424 or rfc5424micro",
				       "logging option syslog-format: \"%s\" is not a format",
				       value_of(kv));
	} else {
		cfg_error_hint(c, &at, takes, "unknown log opt '%s' for %s log driver", kv->key,
			       l->driver.v);
	}
}

/* gelf-address: udp:// or tcp://, a host and its port (required) */
static void check_gelf_address(struct cfg_ctx *c, const struct cfg_kv *kv)
{
	struct cfg_node at = {.pos = kv->pos};
	struct cfg_syslog_addr a;
	const char *v = value_of(kv), *hp = strstr(v, "://");
	const char *colon = hp ? strrchr(hp + 3, ':') : NULL, *rb = hp ? strchr(hp + 3, ']') : NULL;

	if ((strncmp(v, "udp://", 6) && strncmp(v, "tcp://", 6)) || !colon || (rb && colon < rb) ||
	    cfg_syslog_address(v, &a) < 0)
		cfg_error_hint(c, &at,
			       "udp://HOST:PORT or tcp://HOST:PORT (a GELF input: "
			       "udp://localhost:12201)",
			       "logging option gelf-address: \"%s\" is not proto://host:port", v);
	else
		cfg_syslog_addr_free(&a);
}

/* gelf's own options, as dockerd checks them: compression for UDP, the
 * reconnect ones for TCP */
static void check_gelf_option(struct cfg_ctx *c, const struct cfg_logging *l,
			      const struct cfg_kv *kv)
{
	static const char *const types[] = {"gzip", "zlib", "none", NULL};
	const char *addr = cfg_logging_option(l, "gelf-address");
	bool udp = addr && !strncmp(addr, "udp://", 6), tcp = addr && !strncmp(addr, "tcp://", 6);
	bool type = !strcmp(kv->key, "gelf-compression-type");
	struct cfg_node at = {.pos = kv->pos};
	char *end;
	long v = strtol(value_of(kv), &end, 10);
	bool num = *value_of(kv) && !*end;

	if (!strcmp(kv->key, "gelf-address")) {
		check_gelf_address(c, kv);
	} else if (type || !strcmp(kv->key, "gelf-compression-level")) {
		if (!udp)
			cfg_error_hint(c, &at, "a udp:// gelf-address",
				       "logging option %s: compression is only supported on UDP",
				       kv->key);
		else if (type ? !cfg_log_one_of(value_of(kv), types) : !num || v < -1 || v > 9)
			cfg_error_hint(
			    c, &at, type ? "gzip, zlib or none" : "-1 to 9",
			    "unknown value \"%s\" for log opt \"%s\" for gelf log driver",
			    value_of(kv), kv->key);
	} else if (!strcmp(kv->key, "gelf-tcp-max-reconnect") ||
		   !strcmp(kv->key, "gelf-tcp-reconnect-delay")) {
		if (!tcp || !num || v < 0 || v > 86400)
			cfg_error_hint(
			    c, &at, "a whole number from 0 to 86400, with a tcp:// gelf-address",
			    "logging option %s: \"%s\" is not valid here", kv->key, value_of(kv));
	} else if (!strcmp(kv->key, "labels") || !strcmp(kv->key, "env")) {
		return; /* names, each an "_NAME" field if the container has it */
	} else if (!strcmp(kv->key, "tag")) {
		check_tag(c, kv);
	} else if (cache_option(c, kv) != 0) {
		cfg_check_supported_hint(c, kv->pos, "service.logging.other_option",
					 "gelf takes gelf-address, gelf-compression-type, "
					 "gelf-compression-level, gelf-tcp-*, tag, labels, env, "
					 "mode, max-buffer-size and cache-*",
					 "logging option \"%s\" of driver gelf", kv->key);
	}
}

/* fluentd's options, as dockerd's driver parses them (parseConfig) */
static void check_fluentd_option(struct cfg_ctx *c, const struct cfg_kv *kv)
{
	static const char *const bools[] = {"fluentd-async", "fluentd-async-connect",
					    "fluentd-sub-second-precision", "fluentd-request-ack",
					    NULL};
	static const char *const durations[] = {"fluentd-retry-wait", "fluentd-write-timeout",
						"fluentd-read-timeout",
						"fluentd-async-reconnect-interval", NULL};
	static const char *const attrs[] = {"labels", "labels-regex", "env", "env-regex", NULL};
	struct cfg_node at = {.pos = kv->pos};
	struct cfg_syslog_addr a;
	const char *why = NULL;
	int64_t v;
	char *end;

	if (!strcmp(kv->key, "fluentd-address")) {
		if (!strncmp(value_of(kv), "tls://", 6))
			cfg_check_supported_hint(c, kv->pos, "service.logging.other_option",
						 "tcp://HOST:PORT or unix:///PATH",
						 "logging option fluentd-address \"%s\" (TLS)",
						 value_of(kv));
		else if (cfg_fluentd_address(value_of(kv), &a) < 0)
			cfg_error_hint(c, &at,
				       "HOST:PORT, tcp://HOST:PORT or unix:///PATH (fluentd's "
				       "forward input: localhost:24224)",
				       "logging option fluentd-address: \"%s\" is not an address",
				       value_of(kv));
		else
			cfg_syslog_addr_free(&a);
	} else if (cfg_log_one_of(kv->key, bools)) {
		check_bool(c, kv);
	} else if (cfg_log_one_of(kv->key, durations)) {
		if (cfg_parse_duration(value_of(kv), &v) < 0 ||
		    (!strcmp(kv->key, "fluentd-async-reconnect-interval") && v &&
		     (v < 100000 || v > 10000000)))
			cfg_error_hint(c, &at,
				       strcmp(kv->key, "fluentd-async-reconnect-interval")
					   ? "a duration: 1s, 500ms"
					   : "a duration from 100ms to 10s",
				       "logging option %s: bad duration \"%s\"", kv->key,
				       value_of(kv));
	} else if (!strcmp(kv->key, "fluentd-buffer-limit")) {
		cfg_check_log_bytes(c, kv);
	} else if (!strcmp(kv->key, "fluentd-max-retries")) {
		unsigned long long n = strtoull(value_of(kv), &end, 10);
		if (!*value_of(kv) || *end || value_of(kv)[0] == '-' || n > 2147483647)
			cfg_error_hint(c, &at, "a whole number",
				       "logging option fluentd-max-retries: \"%s\" is not a count",
				       value_of(kv));
	} else if (!strcmp(kv->key, "tag")) {
		check_tag(c, kv);
	} else if (strstr(kv->key, "-regex") && cfg_log_one_of(kv->key, attrs) &&
		   lxr_re_check(value_of(kv), &why) < 0) {
		cfg_check_supported_hint(c, kv->pos, "service.logging.other_option",
					 "a pattern of characters, classes, ^, $, |, *, + and ?",
					 "logging option %s \"%s\" (%s)", kv->key, value_of(kv),
					 why);
	} else if (!cfg_log_one_of(kv->key, attrs) && cache_option(c, kv) != 0) {
		cfg_error_hint(
		    c, &at,
		    "fluentd-address, fluentd-async, fluentd-buffer-limit, "
		    "fluentd-retry-wait, fluentd-max-retries, fluentd-sub-second-precision, "
		    "fluentd-request-ack, fluentd-write-timeout, tag, labels, env, ...",
		    "unknown log opt '%s' for fluentd log driver", kv->key);
	}
}

int cfg_read_logging(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	static const struct cfg_key keys[] = {
	    {"driver", NULL, read_log_driver},
	    {"options", NULL, read_log_options},
	};
	static const struct cfg_map_spec spec = {"logging", keys, 2, true, NULL, 0};
	struct cfg_logging *l = &((struct cfg_service *)obj)->logging;

	if (cfg_read_map(c, n, &spec, l) < 0)
		return -1;
	/* "none" takes any options and uses none of them, as dockerd */
	for (size_t i = 0; !driver_is(l, "none") && i < l->options.n; i++) {
		const struct cfg_kv *kv = &l->options.v[i];
		if (generic_option(c, kv) == 0)
			continue;
		if (file_driver(l))
			check_file_option(c, l, kv);
		else if (driver_is(l, "journald") || driver_is(l, "syslog"))
			check_forward_option(c, l, kv);
		else if (driver_is(l, "gelf"))
			check_gelf_option(c, l, kv);
		else if (driver_is(l, "fluentd"))
			check_fluentd_option(c, kv);
		else if (driver_is(l, "loki"))
			cfg_check_loki_option(c, kv);
	}
	if (driver_is(l, "gelf") && !cfg_logging_option(l, "gelf-address"))
		cfg_error_hint(c, n, "the GELF input's address: gelf-address: udp://HOST:PORT",
			       "logging driver gelf: gelf-address is a required option");
	/* Grafana's driver: "loki-url is required in the config" */
	if (driver_is(l, "loki") && !cfg_logging_option(l, "loki-url"))
		cfg_error_hint(c, n, "Loki's push URL: loki-url: http://HOST:3100/loki/api/v1/push",
			       "logging driver loki: loki-url is a required option");
	return 0;
}

bool cfg_log_driver_sends(const char *d)
{
	static const char *const sends[] = {"journald", "syslog", "gelf", "fluentd", "loki", NULL};

	return d && cfg_log_one_of(d, sends);
}

const char *cfg_logging_option(const struct cfg_logging *l, const char *key)
{
	const struct cfg_kv *kv = log_option(&l->options, key);

	return kv ? value_of(kv) : NULL;
}

/* ---- the values the supervisor's forwarder takes ------------------------- */

/* docker's logger.Info, the value its tag template is run on: the
 * methods and the fields a tag can name, each one of vals (ContainerName
 * is the name with docker's leading "/"; Hostname the host's) */
static const struct {
	const char *name;
	int val; /* CFG_LOG_TAG_*; -1: the host's name */
	const char *prefix;
} tag_fields[] = {
    {"ID", CFG_LOG_TAG_ID, ""},
    {"FullID", CFG_LOG_TAG_FULL_ID, ""},
    {"Name", CFG_LOG_TAG_NAME, ""},
    {"ImageID", CFG_LOG_TAG_IMAGE_ID, ""},
    {"ImageFullID", CFG_LOG_TAG_IMAGE_FULL, ""},
    {"ImageName", CFG_LOG_TAG_IMAGE_NAME, ""},
    {"DaemonName", CFG_LOG_TAG_DAEMON_NAME, ""},
    {"ContainerID", CFG_LOG_TAG_FULL_ID, ""},
    {"ContainerName", CFG_LOG_TAG_NAME, "/"},
    {"ContainerImageID", CFG_LOG_TAG_IMAGE_FULL, ""},
    {"ContainerImageName", CFG_LOG_TAG_IMAGE_NAME, ""},
    {"Hostname", -1, ""},
};
#define N_TAG_FIELDS (sizeof(tag_fields) / sizeof(tag_fields[0]))

static void put_tag_field(FILE *f, size_t k, const char *const vals[CFG_LOG_TAG_N])
{
	char host[256] = "";

	fputs(tag_fields[k].prefix, f);
	if (tag_fields[k].val >= 0) {
		fputs(vals[tag_fields[k].val], f);
		return;
	}
	if (gethostname(host, sizeof(host) - 1) < 0)
		snprintf(host, sizeof(host), "localhost");
	fputs(host, f);
}

char *cfg_log_tag(const char *tmpl, const char *const vals[CFG_LOG_TAG_N], char *bad,
		  size_t bad_size)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	const char *p = tmpl;

	while (*p) {
		const char *open = strstr(p, "{{"), *close, *a, *b;
		size_t k = 0;
		if (!open) {
			fputs(p, f);
			break;
		}
		fwrite(p, 1, (size_t)(open - p), f);
		close = strstr(open + 2, "}}");
		a = open + 2;
		b = close ? close : open + strlen(open);
		while (a < b && *a == ' ')
			a++;
		while (b > a && b[-1] == ' ')
			b--;
		while (k < N_TAG_FIELDS &&
		       !(*a == '.' && (size_t)(b - a - 1) == strlen(tag_fields[k].name) &&
			 !strncmp(a + 1, tag_fields[k].name, (size_t)(b - a - 1))))
			k++;
		if (!close || k == N_TAG_FIELDS) {
			snprintf(bad, bad_size, "%.*s", close ? (int)(close + 2 - open) : 40, open);
			fclose(f);
			free(out);
			return NULL;
		}
		put_tag_field(f, k, vals);
		p = close + 2;
	}
	fclose(f);
	return out;
}

int cfg_syslog_address(const char *s, struct cfg_syslog_addr *out)
{
	static const char *const schemes[] = {"unix://", "unixgram://", "udp://", "tcp://"};
	const char *rest = NULL, *colon;
	char *end;
	long port = 514;
	int k = 0;

	memset(out, 0, sizeof(*out));
	for (; k < 4 && !rest; k++)
		if (!strncmp(s, schemes[k], strlen(schemes[k])))
			rest = s + strlen(schemes[k]);
	if (!rest || !*rest)
		return -1;
	out->kind = (enum cfg_syslog_kind)(k - 1);
	if (out->kind == CFG_SYSLOG_UNIX || out->kind == CFG_SYSLOG_UNIXGRAM) {
		if (rest[0] != '/' || strlen(rest) >= 108) /* sun_path */
			return -1;
		out->path = lxr_xstrdup(rest);
		return 0;
	}
	if (rest[0] == '[') { /* [v6]:port */
		const char *rb = strchr(rest, ']');
		if (!rb || (rb[1] && rb[1] != ':'))
			return -1;
		out->host = lxr_xstrndup(rest + 1, (size_t)(rb - rest - 1));
		colon = rb[1] ? rb + 1 : NULL;
	} else {
		colon = strchr(rest, ':');
		out->host = colon ? lxr_xstrndup(rest, (size_t)(colon - rest)) : lxr_xstrdup(rest);
	}
	if (colon) {
		port = strtol(colon + 1, &end, 10);
		if (!colon[1] || *end || port < 1 || port > 65535)
			port = -1;
	}
	out->port = (int)port;
	if (!*out->host || strchr(out->host, '/') || port < 0) {
		cfg_syslog_addr_free(out);
		return -1;
	}
	return 0;
}

/* fluentd-address as dockerd's driver reads it (parseAddress): no scheme
 * is tcp://; tcp:// a host (127.0.0.1 when empty) and a port (24224 when
 * none), no path; unix:// a socket's path */
int cfg_fluentd_address(const char *s, struct cfg_syslog_addr *out)
{
	_cleanup_free_ char *url = strstr(s, "://") ? lxr_xstrdup(s) : lxr_xasprintf("tcp://%s", s);
	const char *hp = url + 6, *colon, *rb;
	char *end;
	long port = 24224;

	memset(out, 0, sizeof(*out));
	if (!strncmp(url, "unix://", 7)) {
		if (!url[7 + strspn(url + 7, "/")] || strlen(url + 7) >= 108 || url[7] != '/')
			return -1;
		out->kind = CFG_SYSLOG_UNIX;
		out->path = lxr_xstrdup(url + 7);
		return 0;
	}
	if (strncmp(url, "tcp://", 6) || strchr(hp, '/') || strchr(hp, '?') || strchr(hp, '#'))
		return -1;
	rb = hp[0] == '[' ? strchr(hp, ']') : NULL;
	if (hp[0] == '[' && (!rb || (rb[1] && rb[1] != ':')))
		return -1;
	colon = strchr(rb ? rb : hp, ':');
	if (colon && colon[1]) {
		port = strtol(colon + 1, &end, 10);
		if (*end || port < 0 || port > 65535)
			return -1;
	}
	out->kind = CFG_SYSLOG_TCP;
	out->port = (int)port;
	out->host = rb ? lxr_xstrndup(hp + 1, (size_t)(rb - hp - 1))
		       : lxr_xstrndup(hp, colon ? (size_t)(colon - hp) : strlen(hp));
	if (!*out->host) {
		free(out->host);
		out->host = lxr_xstrdup("127.0.0.1");
	}
	return 0;
}

void cfg_syslog_addr_free(struct cfg_syslog_addr *a)
{
	free(a->path);
	free(a->host);
	a->path = a->host = NULL;
}

int cfg_syslog_facility(const char *name)
{
	static const char *const names[] = {"kern", "user", "mail", "daemon", "auth",     "syslog",
					    "lpr",  "news", "uucp", "cron",   "authpriv", "ftp"};
	char *end;
	long n;

	for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (!strcmp(name, names[i]))
			return i;
	if (!strncmp(name, "local", 5) && name[5] >= '0' && name[5] <= '7' && !name[6])
		return 16 + name[5] - '0';
	/* dockerd takes the number too */
	n = strtol(name, &end, 10);
	return *name && !*end && n >= 0 && n <= 23 ? (int)n : -1;
}
