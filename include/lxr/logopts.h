/* The logging drivers' option values, as dockerd reads them: what the
 * config layer checks at load (src/config/logging.c) and the supervisor's
 * journald and syslog forwarder sends with (src/supervisor/logfwd.c). */
#ifndef LXR_LOGOPTS_H
#define LXR_LOGOPTS_H

#include <stdbool.h>
#include <stddef.h>

#include "lxr/config.h"

/* The option's value, NULL when not given */
const char *cfg_logging_option(const struct cfg_logging *l, const char *key);

/* logging option tag: docker's template, its fields in vals (in this
 * order); a malloc'd expansion, or NULL with the first field it does not
 * know ("{{.Foo}}") in bad (logging.c) */
enum {
	CFG_LOG_TAG_ID,          /* the container's id, 12 characters */
	CFG_LOG_TAG_FULL_ID,     /* ... whole */
	CFG_LOG_TAG_NAME,        /* its name as docker gives it */
	CFG_LOG_TAG_IMAGE_ID,    /* its image's id, 12 hex digits */
	CFG_LOG_TAG_IMAGE_FULL,  /* ... whole, sha256:... */
	CFG_LOG_TAG_IMAGE_NAME,  /* the image as the file names it */
	CFG_LOG_TAG_DAEMON_NAME, /* "docker" to dockerd; lxr's is "lxr" */
	CFG_LOG_TAG_N
};
char *cfg_log_tag(const char *tmpl, const char *const vals[CFG_LOG_TAG_N], char *bad,
		  size_t bad_size);
/* logging option syslog-address */
enum cfg_syslog_kind { CFG_SYSLOG_UNIX, CFG_SYSLOG_UNIXGRAM, CFG_SYSLOG_UDP, CFG_SYSLOG_TCP };
struct cfg_syslog_addr {
	enum cfg_syslog_kind kind;
	char *path; /* unix, unixgram */
	char *host; /* udp, tcp: a name or an address ([...] taken off) */
	int port;   /* 514 unless given */
};
int cfg_syslog_address(const char *s, struct cfg_syslog_addr *out);
void cfg_syslog_addr_free(struct cfg_syslog_addr *a);
/* logging option fluentd-address: kind CFG_SYSLOG_TCP (host, port) or
 * CFG_SYSLOG_UNIX (path); "" is 127.0.0.1:24224, as dockerd's */
int cfg_fluentd_address(const char *s, struct cfg_syslog_addr *out);
/* logging option loki-url: http:// or https://, an optional user:password@
 * (%XX decoded), a host or [v6], a port (80, 443 unless given), and the
 * request's target (the path and query; "/" when none) */
struct cfg_loki_url {
	bool https;
	char *host;
	int port;
	bool port_given; /* in the URL (the Host header has it then) */
	char *userinfo;  /* "user:password", NULL: none */
	char *target;
};
int cfg_loki_url(const char *s, struct cfg_loki_url *out);
/* s with a user:password@ in it as ***@, for a message (malloc'd) */
char *cfg_loki_url_shown(const char *s);
void cfg_loki_url_free(struct cfg_loki_url *u);
/* a Prometheus label name, as Loki takes one: [a-zA-Z_][a-zA-Z0-9_]* */
bool cfg_loki_label_name_ok(const char *s, size_t n);
/* the drivers whose lines lxr also sends on (journald, syslog, gelf,
 * fluentd, loki), beside its own file */
bool cfg_log_driver_sends(const char *driver);
/* syslog-facility's name ("daemon", "local3") as its code (3, 19), -1 */
int cfg_syslog_facility(const char *name);

#endif
