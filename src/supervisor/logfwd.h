/* Supervisor layer, internal: the copy of a container's lines that the
 * logging drivers journald, syslog, gelf and fluentd send to the host's
 * journal, a syslog, a GELF input or a fluentd forward input, beside lxr's own log file (docker's
 * dual logging), one record at a time as the log writer writes it (logfwd.c). */
#ifndef LXR_SUPERVISOR_LOGFWD_H
#define LXR_SUPERVISOR_LOGFWD_H

#include "lxr/config.h"
#include "lxr/logopts.h"
#include "lxr/supervisor.h"

#define LOG_FWD_JOURNAL "/run/systemd/journal/socket"

struct log_fwd;

/* What a record is sent with: the tag template's fields, and the
 * container's labels and environment (each "K=V") that journald's labels
 * and env options name */
struct log_fwd_ids {
	const char *tag[CFG_LOG_TAG_N];
	char *const *labels;
	char *const *env;
	const char *command;  /* gelf's _command: the process's arguments, joined */
	const char *created;  /* gelf's _created: RFC 3339 */
	const char *log_path; /* loki's filename: lxr's own log file */
};

/* A forwarder for l (driver journald, syslog, gelf, fluentd or loki), made at
 * each start of the container; journal is journald's socket
 * (LOG_FWD_JOURNAL). A host name in syslog-address, gelf-address or
 * fluentd-address is resolved here. It connects here too: a peer that is
 * not there is an error (the start fails, as dockerd's drivers fail it,
 * fluentd's unless fluentd-async); a TCP connect still under way is not.
 * loki's (logloki.c) connects for each batch. */
int log_fwd_open(const struct cfg_logging *l, const struct log_fwd_ids *ids, const char *journal,
		 struct log_fwd **out, lxr_err *err);
/* A log_tee_fn: send one record, never waiting. One the peer cannot take
 * at once (absent, full, a stream cut) is dropped and counted; the first
 * drop of an outage is a warning. */
void log_fwd_record(void *ctx, const char *log, enum log_stream stream, const struct timespec *at,
		    const char *data, size_t len, bool partial);
uint64_t log_fwd_dropped(const struct log_fwd *f);
/* A stream's bytes wait for the peer: 0 when none do, else the
 * CLOCK_MONOTONIC microsecond from which log_fwd_flush may send them (1:
 * now; with fluentd-async and no peer, its next try) */
int64_t log_fwd_pending(const struct log_fwd *f);
void log_fwd_flush(struct log_fwd *f);
void log_fwd_close(void *f);
/* to, just made for a restarted container, takes over what from's loki
 * batches still had to send; nothing for another driver */
void log_fwd_adopt(struct log_fwd *to, struct log_fwd *from);

/* CLOCK_MONOTONIC in nanoseconds: the forwarders' retries and batches */
int64_t log_fwd_mono_ns(void);
/* kvs' ("K=V": labels, env) value of name k, NULL: none */
const char *log_fwd_kv(char *const *kvs, const char *k);
/* names (comma-separated), then each kvs entry whose name matches re
 * (NULL: none): as key, value pairs onto v (dockerd's ExtraAttributes;
 * logfluent.c) */
void log_fwd_named(char ***v, const char *names, const char *re, char *const *kvs);
/* data with each byte that is not part of a UTF-8 character as U+FFFD,
 * as Go's encoder writes it (malloc'd, *out bytes; loggelf.c) */
char *log_utf8_clean(const char *data, size_t len, size_t *out);

/* ---- logjournald.c: the journald driver's fields ---------------------------- */
/* What every record of the container has: SYSLOG_IDENTIFIER and
 * CONTAINER_TAG (tag), CONTAINER_ID..., the labels and env options'
 * fields, CONTAINER_LOG_EPOCH (malloc'd, *len bytes) */
char *log_journald_fields(const struct cfg_logging *l, const struct log_fwd_ids *ids,
			  const char *tag, const char *epoch, size_t *len);

/* ---- loggelf.c: the gelf driver's messages ---------------------------------- */
enum log_gelf_z { LOG_GELF_GZIP, LOG_GELF_ZLIB, LOG_GELF_NONE };
/* The fields every message of the container has (_container_id, ...,
 * the labels and env options' ones) */
struct json_t *log_gelf_fields(const struct cfg_logging *l, const struct log_fwd_ids *ids,
			       const char *tag);
/* One record as a GELF 1.1 object's text (malloc'd, *out_len bytes); a
 * byte that is not UTF-8 is U+FFFD in it, as Go's encoder writes it */
char *log_gelf_json(const struct json_t *fields, const char *host, enum log_stream st,
		    const struct timespec *at, const char *data, size_t len, size_t *out_len);
/* enc: an encoder kept for the next message (made when *enc is NULL),
 * or NULL for one made and freed here */
struct lxr_gzip;
char *log_gelf_compress(const char *text, size_t len, enum log_gelf_z z, struct lxr_gzip **enc,
			size_t *out_len);
/* UDP: msg whole, or past 1,420 bytes as GELF chunks, each through send;
 * -EMSGSIZE past 128 chunks, else send's first failure */
typedef int (*log_gelf_send)(void *ctx, const char *buf, size_t n);
int log_gelf_chunks(const char *msg, size_t len, log_gelf_send send, void *ctx);

/* ---- logloki.c: the loki driver's batches over HTTP ------------------------ */
struct log_loki;
/* loki-url's host resolved; nothing is connected before the first batch
 * (Grafana's driver starts a container with Loki away) */
int log_loki_open(const struct cfg_logging *l, const struct log_fwd_ids *ids, struct log_loki **out,
		  lxr_err *err);
void log_loki_record(struct log_loki *k, enum log_stream st, const struct timespec *at,
		     const char *data, size_t len);
/* as log_fwd_pending: a batch due, a request under way or to try again */
int64_t log_loki_pending(const struct log_loki *k);
void log_loki_flush(struct log_loki *k);
uint64_t log_loki_dropped(const struct log_loki *k);
/* to (just made) takes over from's batch and request: a restart loses
 * no line on its way */
void log_loki_adopt(struct log_loki *to, struct log_loki *from);
/* what is left gets a second to go; NULL: nothing */
void log_loki_close(struct log_loki *k);

/* ---- logfluent.c: the fluentd driver's messages ---------------------------- */
/* The fields every record of the container has (container_id,
 * container_name, the labels and env options' and their -regex forms'),
 * as key, value, ..., NULL; and the options the transport takes:
 * fluentd-retry-wait into *retry_ns (when given), fluentd-async (or its
 * old name fluentd-async-connect), fluentd-sub-second-precision */
char **log_fluent_setup(const struct cfg_logging *l, const struct log_fwd_ids *ids,
			int64_t *retry_ns, bool *async, bool *subsec);
struct log_fluent_rec {
	const char *tag;
	struct timespec at;
	bool subsec; /* EventTime, not whole seconds */
	enum log_stream stream;
	const char *log; /* the line, any bytes */
	size_t log_len;
	const char *part_id; /* a long line's part: its line's id, NULL: whole */
	int part_ordinal;
	bool part_last;
};
/* One record as a forward-protocol Message (malloc'd, *out_len bytes) */
char *log_fluent_msg(char *const *fields, const struct log_fluent_rec *r, size_t *out_len);

#endif
