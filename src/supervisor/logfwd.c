/* The logging drivers journald, syslog, gelf, fluentd and loki (their
 * messages: loggelf.c, logfluent.c; loki's batches: logloki.c): each
 * record the log writer writes to lxr's own file (which `lxr logs` reads,
 * as dockerd's dual logging keeps a local copy) is also sent to the host's
 * journal, a syslog, a GELF input, a fluentd forward input or Loki, with
 * the fields and in the formats dockerd's drivers (and Grafana's) use:
 *
 * - journald: a native-protocol datagram to /run/systemd/journal/socket:
 *   MESSAGE, PRIORITY (6 for stdout, 3 for stderr), SYSLOG_IDENTIFIER and
 *   CONTAINER_TAG (the tag), CONTAINER_ID (12 characters), CONTAINER_ID_FULL,
 *   CONTAINER_NAME, IMAGE_NAME, CONTAINER_PARTIAL_MESSAGE=true for a part
 *   of a long line, and a field for each label and variable that the
 *   labels and env options name (its name upper-cased, other characters
 *   '_').
 * - syslog: "<PRI>Jan  2 15:04:05 TAG[PID]: line" by default, rfc3164 with
 *   the host's name, rfc5424 and rfc5424micro; facility daemon unless
 *   syslog-facility says, severity info for stdout and err for stderr;
 *   each message ends with a newline. To the local syslog's /dev/log (a
 *   datagram socket, else a stream), or syslog-address's unix://,
 *   unixgram://, udp:// or tcp:// peer.
 * - gelf: GELF 1.1 to gelf-address, over UDP compressed and in chunks,
 *   over TCP ended by a NUL.
 * - fluentd: forward-protocol messages to fluentd-address (TCP, or a Unix
 *   socket); with fluentd-async a peer that is not there at the start
 *   does not fail it, fluentd-retry-wait is how long one is left alone.
 *
 * A forwarder is made at each start of the container; a peer that is not
 * there then fails the start, as dockerd's drivers fail it. After that
 * the supervisor never waits on it: sends are non-blocking, a stream's
 * connect is too, and what a stream peer cannot take yet waits in a
 * bounded buffer that the loop flushes; past that, and for a datagram the
 * peer cannot take, the record is dropped and counted, the first drop of
 * each outage a warning and its end another. A peer that is gone is tried
 * again a second later (gelf-tcp-reconnect-delay). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <jansson.h>

#include "lxr/gzip.h"
#include "lxr/net.h"
#include "supervisor/logfwd.h"

#define STREAM_BUF_MAX  ((size_t)256 << 10)
#define RETRY_NS        1000000000LL
#define CONNECT_WAIT_MS 20
/* an outage is over once lines go out this long after its last failure
 * (a connected UDP socket takes a datagram, then the peer's ICMP refuses
 * the next: a peer that is down would otherwise end and begin again) */
#define QUIET_NS 5000000000LL

enum fmt { FMT_UNIX, FMT_3164, FMT_5424, FMT_5424MICRO };

struct log_fwd {
	const char *driver;    /* "journald", "syslog", "gelf", "fluentd", "loki" */
	struct log_loki *loki; /* loki: all of it is there (logloki.c) */
	bool journald, gelf, fluentd;
	bool async, subsec;         /* fluentd-async, fluentd-sub-second-precision */
	char **fluent;              /* fluentd: what every record has (logfluent.c) */
	struct json_t *gelf_fields; /* gelf: what every message has (loggelf.c) */
	enum log_gelf_z gz;         /* gelf over UDP: its compression */
	struct lxr_gzip *enc;       /* ... its encoder, kept from line to line */
	int64_t retry_ns;           /* how long a peer that is gone is left alone */
	struct sockaddr_storage to;
	socklen_t to_len;
	int type; /* SOCK_DGRAM, SOCK_STREAM; 0: a datagram socket, else a stream */
	int fd;
	bool connecting;
	bool conn_sent;   /* a byte went out on this connection */
	int64_t retry_at; /* CLOCK_MONOTONIC ns: no new socket before */
	int facility;
	enum fmt fmt;
	char *tag;
	char *fields; /* journald: the fields every record has */
	size_t fields_len;
	char host[HOST_NAME_MAX + 1];
	char *buf; /* a stream's bytes not taken yet */
	size_t len;
	uint64_t dropped;
	uint64_t dropped_at_outage; /* dropped when the outage began */
	int64_t failed_at;          /* CLOCK_MONOTONIC ns of the last failure */
	size_t buf_records;         /* records in buf (some maybe half sent) */
	bool failing;
	char where[128]; /* for the warning */
	/* journald: this forwarder's CONTAINER_LOG_EPOCH and its records'
	 * CONTAINER_LOG_ORDINAL; a long line's parts, per stream */
	char epoch[65];
	uint64_t ordinal;
	struct {
		char id[65];
		int ordinal; /* 0: no line in parts */
	} part[2];
};

int64_t log_fwd_mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* 64 hex digits, random: dockerd's ids, as its epoch and parts' ids */
static void random_id(char out[65])
{
	uint8_t b[32] = {0};

	(void)!getrandom(b, sizeof(b), GRND_INSECURE);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static void journald_fields(struct log_fwd *fw, const struct cfg_logging *l,
			    const struct log_fwd_ids *ids)
{
	random_id(fw->epoch);
	fw->fields = log_journald_fields(l, ids, fw->tag, fw->epoch, &fw->fields_len);
}

static int set_unix(struct log_fwd *fw, const char *path)
{
	struct sockaddr_un *un = (struct sockaddr_un *)&fw->to;

	un->sun_family = AF_UNIX;
	snprintf(un->sun_path, sizeof(un->sun_path), "%s", path);
	fw->to_len = (socklen_t)sizeof(*un);
	snprintf(fw->where, sizeof(fw->where), "%s", path);
	return 0;
}

/* syslog-address's, gelf-address's or fluentd-address's (opt) peer, a
 * host name resolved here (the forwarder is made at each start) */
static int set_address(struct log_fwd *fw, const char *opt, const char *address, lxr_err *err)
{
	struct cfg_syslog_addr a;
	char ip[INET6_ADDRSTRLEN] = "";
	struct sockaddr_in *in4 = (struct sockaddr_in *)&fw->to;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&fw->to;

	if (!address && !fw->fluentd) { /* the local syslog */
		fw->type = 0;
		return set_unix(fw, "/dev/log");
	}
	if (fw->fluentd ? cfg_fluentd_address(address ? address : "", &a) < 0
			: cfg_syslog_address(address, &a) < 0)
		return lxr_fail(err, EINVAL, "%s \"%s\": not an address", opt, address);
	if (a.kind == CFG_SYSLOG_UNIX || a.kind == CFG_SYSLOG_UNIXGRAM) {
		fw->type = a.kind == CFG_SYSLOG_UNIX ? SOCK_STREAM : SOCK_DGRAM;
		set_unix(fw, a.path);
		cfg_syslog_addr_free(&a);
		return 0;
	}
	fw->type = a.kind == CFG_SYSLOG_TCP ? SOCK_STREAM : SOCK_DGRAM;
	if (inet_pton(AF_INET, a.host, &in4->sin_addr) != 1 &&
	    inet_pton(AF_INET6, a.host, &in6->sin6_addr) != 1 &&
	    net_resolve_host(a.host, ip, sizeof(ip), err) < 0) {
		lxr_err_wrap(err, "%s %s: resolve %s", opt, address, a.host);
		cfg_syslog_addr_free(&a);
		return -1;
	}
	if (inet_pton(AF_INET, a.host, &in4->sin_addr) == 1 ||
	    inet_pton(AF_INET, ip, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)a.port);
		fw->to_len = sizeof(*in4);
	} else {
		if (inet_pton(AF_INET6, a.host, &in6->sin6_addr) != 1)
			inet_pton(AF_INET6, ip, &in6->sin6_addr);
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)a.port);
		fw->to_len = sizeof(*in6);
	}
	snprintf(fw->where, sizeof(fw->where), "%s", address ? address : "127.0.0.1:24224");
	cfg_syslog_addr_free(&a);
	return 0;
}

static enum fmt format_of(const char *v)
{
	return !v                           ? FMT_UNIX
	       : !strcmp(v, "rfc3164")      ? FMT_3164
	       : !strcmp(v, "rfc5424micro") ? FMT_5424MICRO
	       : !strcmp(v, "rfc5424")      ? FMT_5424
					    : FMT_UNIX;
}

/* the peer failed: the first failure of an outage is a warning */
static void outage(struct log_fwd *fw, int e, uint64_t dropped_before)
{
	fw->failed_at = log_fwd_mono_ns();
	if (fw->failing)
		return;
	fw->failing = true;
	fw->dropped_at_outage = dropped_before;
	lxr_warn("logging driver %s: %s: %s; lines are not sent until it takes them again "
		 "(lxr's own log keeps every line)",
		 fw->driver, fw->where, strerror(e));
}

static void drop(struct log_fwd *fw, int e)
{
	fw->dropped++;
	outage(fw, e, fw->dropped - 1);
}

/* A record went out: an outage is over, and how many it cost is said */
static void sent(struct log_fwd *fw)
{
	if (!fw->failing || log_fwd_mono_ns() - fw->failed_at < QUIET_NS)
		return;
	fw->failing = false;
	lxr_warn("logging driver %s: %s takes lines again; %llu were not sent", fw->driver,
		 fw->where, (unsigned long long)(fw->dropped - fw->dropped_at_outage));
}

static void disconnect(struct log_fwd *fw)
{
	if (fw->fd >= 0)
		close(fw->fd);
	fw->fd = -1;
	fw->connecting = false;
	/* a stream's half-sent message cannot be finished on another: what
	 * waited is lost, and counted */
	fw->dropped += fw->buf_records;
	fw->buf_records = 0;
	fw->len = 0;
	fw->retry_at = log_fwd_mono_ns() + fw->retry_ns;
}

/* A socket to the peer; a stream's connect goes on in the background */
static int connect_peer(struct log_fwd *fw)
{
	int types[2] = {fw->type ? fw->type : SOCK_DGRAM, fw->type ? 0 : SOCK_STREAM}, e = 0;

	if (fw->fd >= 0)
		return 0;
	if (log_fwd_mono_ns() < fw->retry_at)
		return -EAGAIN;
	for (int i = 0; i < 2 && types[i]; i++) {
		int fd = socket(fw->to.ss_family, types[i] | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0) {
			e = errno;
			continue;
		}
		if (connect(fd, (struct sockaddr *)&fw->to, fw->to_len) == 0 ||
		    errno == EINPROGRESS) {
			fw->fd = fd;
			fw->conn_sent = false;
			fw->type = types[i];
			fw->connecting = errno == EINPROGRESS && types[i] == SOCK_STREAM;
			return 0;
		}
		e = errno;
		close(fd);
	}
	fw->retry_at = log_fwd_mono_ns() + fw->retry_ns;
	return -e;
}

/* A stream's connect to this host's loopback, under way, given a moment:
 * its refusal comes at once, and fails the start as dockerd's blocking
 * dial does. A connect elsewhere goes on in the background: the loop
 * never waits on a peer that is slow to answer. */
static bool loopback(const struct log_fwd *fw)
{
	const struct sockaddr_in *in4 = (const struct sockaddr_in *)&fw->to;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&fw->to;

	return (fw->to.ss_family == AF_INET && (ntohl(in4->sin_addr.s_addr) >> 24) == 127) ||
	       (fw->to.ss_family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr));
}

static int connect_outcome(struct log_fwd *fw)
{
	struct pollfd p = {.fd = fw->fd, .events = POLLOUT};
	int e = 0;
	socklen_t n = sizeof(e);

	if (!loopback(fw) || poll(&p, 1, CONNECT_WAIT_MS) <= 0)
		return 0;
	if (getsockopt(fw->fd, SOL_SOCKET, SO_ERROR, &e, &n) < 0)
		e = errno;
	if (e == 0) {
		fw->connecting = false;
		return 0;
	}
	close(fw->fd);
	fw->fd = -1;
	fw->connecting = false;
	return -e;
}

/* gelf: its address (UDP or TCP), compression, reconnect delay and the
 * fields every message has */
static int gelf_setup(struct log_fwd *fw, const struct cfg_logging *l,
		      const struct log_fwd_ids *ids, lxr_err *err)
{
	const char *z = cfg_logging_option(l, "gelf-compression-type");
	const char *delay = cfg_logging_option(l, "gelf-tcp-reconnect-delay");

	if (set_address(fw, "gelf-address", cfg_logging_option(l, "gelf-address"), err) < 0)
		return -1;
	fw->gz = !z || !strcmp(z, "gzip") ? LOG_GELF_GZIP
		 : !strcmp(z, "zlib")     ? LOG_GELF_ZLIB
					  : LOG_GELF_NONE;
	if (delay) /* config/logging.c took 0 to 86400 */
		fw->retry_ns = strtoll(delay, NULL, 10) % 86401 * 1000000000LL;
	fw->gelf_fields = log_gelf_fields(l, ids, fw->tag);
	return 0;
}

/* fluentd: its address and options (logfluent.c) */
static int fluentd_setup(struct log_fwd *fw, const struct cfg_logging *l,
			 const struct log_fwd_ids *ids, lxr_err *err)
{
	if (set_address(fw, "fluentd-address", cfg_logging_option(l, "fluentd-address"), err) < 0)
		return -1;
	fw->fluent = log_fluent_setup(l, ids, &fw->retry_ns, &fw->async, &fw->subsec);
	return 0;
}

int log_fwd_open(const struct cfg_logging *l, const struct log_fwd_ids *ids, const char *journal,
		 struct log_fwd **out, lxr_err *err)
{
	struct log_fwd *fw = lxr_xcalloc(1, sizeof(*fw));
	const char *tag = cfg_logging_option(l, "tag"), *fac;
	char bad[64];
	int e;

	fw->fd = -1;
	if (!strcmp(l->driver.v, "loki")) {
		fw->driver = "loki";
		if (log_loki_open(l, ids, &fw->loki, err) < 0) {
			free(fw);
			return -1;
		}
		*out = fw;
		return 0;
	}
	fw->journald = !strcmp(l->driver.v, "journald");
	fw->gelf = !strcmp(l->driver.v, "gelf");
	fw->fluentd = !strcmp(l->driver.v, "fluentd");
	fw->driver = fw->journald  ? "journald"
		     : fw->gelf    ? "gelf"
		     : fw->fluentd ? "fluentd"
				   : "syslog";
	fw->retry_ns = RETRY_NS;
	/* docker's default tag: the container's short id */
	fw->tag = cfg_log_tag(tag ? tag : "{{.ID}}", ids->tag, bad, sizeof(bad));
	if (!fw->tag) {
		free(fw);
		return lxr_fail(err, EINVAL, "logging option tag: %s is not a field lxr knows",
				bad);
	}
	if (fw->journald) {
		fw->type = SOCK_DGRAM;
		set_unix(fw, journal);
		journald_fields(fw, l, ids);
	} else if (fw->gelf      ? gelf_setup(fw, l, ids, err) < 0
		   : fw->fluentd ? fluentd_setup(fw, l, ids, err) < 0
				 : set_address(fw, "syslog-address",
					       cfg_logging_option(l, "syslog-address"), err) < 0) {
		log_fwd_close(fw);
		return -1;
	}
	fac = cfg_logging_option(l, "syslog-facility");
	fw->facility = fac ? cfg_syslog_facility(fac) : 3; /* daemon */
	fw->fmt = format_of(cfg_logging_option(l, "syslog-format"));
	if (gethostname(fw->host, sizeof(fw->host) - 1) < 0)
		snprintf(fw->host, sizeof(fw->host), "localhost");
	/* as dockerd's drivers do at the container's start: a peer that is
	 * not there fails it (a TCP connect still under way does not) */
	e = connect_peer(fw);
	if (e == 0 && fw->connecting && !fw->async)
		e = connect_outcome(fw);
	if (e < 0 && fw->async) {
		fw->retry_at = 0; /* tried again at the first line */
	} else if (e < 0) {
		lxr_fail(err, -e, "logging driver %s: connect %s", l->driver.v, fw->where);
		lxr_err_hint(err, "%s",
			     fw->journald  ? "is systemd-journald running on this host?"
			     : fw->gelf    ? "is the GELF input at gelf-address listening?"
			     : fw->fluentd ? "is fluentd's forward input at fluentd-address "
					     "listening? (fluentd-async: \"true\" starts the "
					     "container without it)"
			     : cfg_logging_option(l, "syslog-address")
				 ? "is the syslog server at syslog-address listening?"
				 : "is a syslog daemon listening on /dev/log here?");
		log_fwd_close(fw);
		return -1;
	}
	*out = fw;
	return 0;
}

/* A stream cut: what waits is lost with it, unless (fluentd-async)
 * none of it went out on this connection: then it waits for the next */
static void stream_fail(struct log_fwd *fw, int e)
{
	if (!fw->async || fw->conn_sent) {
		drop(fw, e);
		disconnect(fw);
		return;
	}
	outage(fw, e, fw->dropped);
	close(fw->fd);
	fw->fd = -1;
	fw->connecting = false;
	fw->retry_at = log_fwd_mono_ns() + fw->retry_ns;
}

/* A stream's buffer, as far as the peer takes it now; with fluentd-async
 * a peer that is not there yet is tried again (connect_peer waits out
 * the retry time) */
static void stream_push(struct log_fwd *fw)
{
	if (fw->fd < 0 && fw->async && fw->len && connect_peer(fw) < 0)
		return;
	while (fw->fd >= 0 && fw->len) {
		ssize_t n = send(fw->fd, fw->buf, fw->len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == ENOTCONN) && fw->connecting)
			return; /* its connect is still under way */
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			stream_fail(fw, errno);
			return;
		}
		fw->connecting = false;
		fw->conn_sent = true;
		memmove(fw->buf, fw->buf + n, fw->len - (size_t)n);
		fw->len -= (size_t)n;
		if (!fw->len)
			fw->buf_records = 0;
		sent(fw); /* bytes reached the peer */
	}
}

static void send_message(struct log_fwd *fw, const struct iovec *iov, int n)
{
	struct msghdr m = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)n};
	size_t total = 0;
	int e = connect_peer(fw);

	for (int i = 0; i < n; i++)
		total += iov[i].iov_len;
	if (e < 0 && !(fw->async && fw->type == SOCK_STREAM)) {
		drop(fw, -e == EAGAIN ? ECONNREFUSED : -e);
		return;
	}
	if (e < 0 && -e != EAGAIN)
		outage(fw, -e, fw->dropped); /* async: the line waits in the buffer */
	if (fw->type == SOCK_DGRAM) {
		if (sendmsg(fw->fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
			e = errno;
			if (e != EAGAIN && e != ENOBUFS)
				disconnect(fw); /* journald restarted: a new socket next time */
			drop(fw, e);
			return;
		}
		sent(fw);
		return;
	}
	if (fw->len + total > STREAM_BUF_MAX) {
		drop(fw, ENOBUFS);
		return;
	}
	fw->buf = lxr_xrealloc(fw->buf, STREAM_BUF_MAX);
	for (int i = 0; i < n; i++) {
		memcpy(fw->buf + fw->len, iov[i].iov_base, iov[i].iov_len);
		fw->len += iov[i].iov_len;
	}
	fw->buf_records++;
	stream_push(fw);
}

/* "<PRI>" and the rest of the syslog header, in the format asked for */
static int syslog_head(const struct log_fwd *fw, enum log_stream st, const struct timespec *at,
		       char *buf, size_t size)
{
	int pri = fw->facility * 8 + (st == LOG_STDERR ? 3 : 6), pid = (int)getpid();
	struct tm tm;
	char ts[64], zone[32];

	localtime_r(&at->tv_sec, &tm);
	if (fw->fmt == FMT_UNIX || fw->fmt == FMT_3164) {
		strftime(ts, sizeof(ts), "%b %e %H:%M:%S", &tm);
		if (fw->fmt == FMT_UNIX)
			return snprintf(buf, size, "<%d>%s %s[%d]: ", pri, ts, fw->tag, pid);
		return snprintf(buf, size, "<%d>%s %s %s[%d]: ", pri, ts, fw->host, fw->tag, pid);
	}
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	if (fw->fmt == FMT_5424MICRO)
		snprintf(ts + strlen(ts), sizeof(ts) - strlen(ts), ".%06ld", at->tv_nsec / 1000);
	if (tm.tm_gmtoff == 0)
		snprintf(zone, sizeof(zone), "Z");
	else
		snprintf(zone, sizeof(zone), "%c%02d:%02d", tm.tm_gmtoff < 0 ? '-' : '+',
			 (int)(labs(tm.tm_gmtoff) / 3600 % 100),
			 (int)(labs(tm.tm_gmtoff) % 3600 / 60));
	return snprintf(buf, size, "<%d>1 %s%s %s %s %d %s - ", pri, ts, zone, fw->host, fw->tag,
			pid, fw->tag);
}

/* A record's own fields: its priority, time (RFC 3339 with the
 * nanoseconds Go's RFC3339Nano keeps), ordinal, and where it is one part
 * of a long line (a P record, then the F that ends the line), that part's */
static size_t journald_tail(struct log_fwd *fw, enum log_stream st, const struct timespec *at,
			    bool partial, char *buf, size_t size)
{
	struct tm tm;
	char ts[32], frac[16];
	size_t n;
	int k = 9;

	gmtime_r(&at->tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(frac, sizeof(frac), ".%09ld", at->tv_nsec);
	while (k > 0 && frac[k] == '0')
		frac[k--] = '\0';
	if (k == 0)
		frac[0] = '\0';
	n = (size_t)snprintf(buf, size,
			     "PRIORITY=%d\nSYSLOG_TIMESTAMP=%s%sZ\nCONTAINER_LOG_ORDINAL=%llu\n",
			     st == LOG_STDERR ? 3 : 6, ts, frac, (unsigned long long)++fw->ordinal);
	if (!partial && !fw->part[st].ordinal)
		return n;
	if (!fw->part[st].ordinal)
		random_id(fw->part[st].id);
	n += (size_t)snprintf(buf + n, size - n,
			      "CONTAINER_PARTIAL_ID=%s\nCONTAINER_PARTIAL_ORDINAL=%d\n"
			      "CONTAINER_PARTIAL_LAST=%s\n%s",
			      fw->part[st].id, ++fw->part[st].ordinal, partial ? "false" : "true",
			      partial ? "CONTAINER_PARTIAL_MESSAGE=true\n" : "");
	if (!partial)
		fw->part[st].ordinal = 0;
	return n;
}

/* one chunk; the message's first that fails ends it (counted once) */
static int gelf_datagram(void *ctx, const char *buf, size_t n)
{
	struct log_fwd *fw = ctx;
	struct iovec iov = {(void *)buf, n};
	uint64_t before = fw->dropped;

	send_message(fw, &iov, 1);
	return fw->dropped == before ? 0 : -1;
}

/* gelf: over UDP compressed, in chunks past 1,420 bytes; over TCP as
 * it is, ended by a NUL */
static void gelf_record(struct log_fwd *fw, enum log_stream st, const struct timespec *at,
			const char *data, size_t len)
{
	size_t n, zn;
	_cleanup_free_ char *text = log_gelf_json(fw->gelf_fields, fw->host, st, at, data, len, &n);
	_cleanup_free_ char *z = NULL;

	if (!text)
		return;
	if (fw->type == SOCK_STREAM) {
		struct iovec iov[] = {{text, n}, {"", 1}};
		send_message(fw, iov, 2);
		return;
	}
	z = log_gelf_compress(text, n, fw->gz, &fw->enc, &zn);
	if (log_gelf_chunks(z, zn, gelf_datagram, fw) == -EMSGSIZE)
		drop(fw, EMSGSIZE);
}

/* fluentd: a long line's parts carry dockerd's partial_* fields (a P
 * record, then the F that ends it) */
static void fluent_record(struct log_fwd *fw, enum log_stream st, const struct timespec *at,
			  const char *data, size_t len, bool partial)
{
	struct log_fluent_rec r = {fw->tag, *at, fw->subsec, st, data, len, NULL, 0, !partial};
	size_t n;

	if (partial || fw->part[st].ordinal) {
		if (!fw->part[st].ordinal)
			random_id(fw->part[st].id);
		r.part_id = fw->part[st].id;
		r.part_ordinal = ++fw->part[st].ordinal;
		if (!partial)
			fw->part[st].ordinal = 0;
	}
	_cleanup_free_ char *msg = log_fluent_msg(fw->fluent, &r, &n);
	struct iovec iov = {msg, n};

	send_message(fw, &iov, 1);
}

void log_fwd_record(void *ctx, const char *log, enum log_stream st, const struct timespec *at,
		    const char *data, size_t len, bool partial)
{
	struct log_fwd *fw = ctx;
	char head[512];
	int n;

	(void)log;
	if (fw->loki) {
		log_loki_record(fw->loki, st, at, data, len);
		return;
	}
	if (fw->journald) {
		uint64_t le = htole64((uint64_t)len);
		size_t tn = journald_tail(fw, st, at, partial, head, sizeof(head));
		/* MESSAGE in the protocol's binary form: any byte may be in it */
		struct iovec iov[] = {{fw->fields, fw->fields_len}, {"MESSAGE\n", 8}, {&le, 8},
				      {(void *)data, len},          {"\n", 1},        {head, tn}};
		send_message(fw, iov, 6);
		return;
	}
	if (fw->fluentd) {
		fluent_record(fw, st, at, data, len, partial);
		return;
	}
	if (!len)
		return; /* dockerd's syslog and gelf send no empty message */
	if (fw->gelf) {
		gelf_record(fw, st, at, data, len);
		return;
	}
	n = syslog_head(fw, st, at, head, sizeof(head));
	if (n < 0 || (size_t)n >= sizeof(head))
		n = (int)strlen(head);
	/* a NUL ends a message for some daemons on a stream: a container's
	 * line could forge one of its own there; it goes as a space */
	_cleanup_free_ char *clean = memchr(data, '\0', len) ? lxr_xmalloc(len) : NULL;
	for (size_t i = 0; clean && i < len; i++)
		clean[i] = data[i] ? data[i] : ' ';
	struct iovec iov[] = {{head, (size_t)n}, {clean ? clean : (void *)data, len}, {"\n", 1}};
	send_message(fw, iov, 3);
}

int64_t log_fwd_pending(const struct log_fwd *fw)
{
	if (fw && fw->loki)
		return log_loki_pending(fw->loki);
	if (!fw || !fw->len || (fw->fd < 0 && !fw->async))
		return 0;
	/* connected: now; fluentd-async with no peer yet: its next try */
	return fw->fd >= 0 || fw->retry_at <= 0 ? 1 : fw->retry_at / 1000;
}

void log_fwd_flush(struct log_fwd *fw)
{
	if (fw && fw->loki)
		log_loki_flush(fw->loki);
	else if (fw)
		stream_push(fw);
}

uint64_t log_fwd_dropped(const struct log_fwd *fw)
{
	return !fw ? 0 : fw->loki ? log_loki_dropped(fw->loki) : fw->dropped;
}

void log_fwd_adopt(struct log_fwd *to, struct log_fwd *from)
{
	if (to && from && to->loki && from->loki)
		log_loki_adopt(to->loki, from->loki);
}

void log_fwd_close(void *ctx)
{
	struct log_fwd *fw = ctx;

	if (!fw)
		return;
	log_loki_close(fw->loki);
	stream_push(fw); /* what it takes at once; the rest cannot wait */
	if (fw->fd >= 0)
		close(fw->fd);
	free(fw->tag);
	lxr_strv_free(fw->fluent);
	free(fw->fields);
	json_decref(fw->gelf_fields);
	lxr_gzip_free(fw->enc);
	free(fw->buf);
	free(fw);
}
