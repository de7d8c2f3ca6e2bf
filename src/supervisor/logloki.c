/* The loki logging driver: each record lxr's own file gets is also pushed
 * to Loki, as Grafana's Docker driver (grafana/loki-docker-driver) pushes
 * it, in batches over HTTP:
 *
 *   POST <loki-url>  {"streams": [{"stream": {LABELS, "source": "stdout"},
 *                                  "values": [["<unix ns>", "<line>"], ...]},
 *                                 ...stderr's...]}
 *
 * LABELS are the driver's: loki-external-labels (container_name={{.Name}}
 * unless given), the labels and variables the labels, env and env-regex
 * options name ('-' and '.' as '_'), compose_project and compose_service
 * (swarm_stack and swarm_service) from the container's labels, host (this
 * host's name) and filename (lxr's log file). A line of only white space is
 * not sent, as the driver sends none.
 *
 * A batch goes when it holds loki-batch-size bytes of lines (1 MiB) or its
 * first line is loki-batch-wait old (1 s). One request is out at a time,
 * on a connection of its own (Connection: close), moved on from the loop's
 * timer; the supervisor never waits on it. A refused connection, no answer
 * within loki-timeout (10 s; 0: none), a 429 or a 5xx is tried again after
 * loki-min-backoff (500 ms), doubling up to loki-max-backoff (5 m), each
 * wait drawn from [d, 2d) as the driver's backoff draws it, until
 * loki-retries tries in all (10; 0: for ever); then, or on another status,
 * the batch is dropped and counted, with a warning. While a request is
 * out the next batch fills up to four times loki-batch-size (1 MiB at
 * least); lines past that are dropped the same way. JSON, which Loki
 * takes beside the driver's snappy protobuf. A host name is resolved at
 * each start (one that does not resolve: its lines are dropped until the
 * next start, the loop never waiting on DNS); host.docker.internal is
 * this host. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <jansson.h>

#include "config/text.h"
#include "lxr/net.h"
#include "supervisor/logfwd.h"

#define RESP_KEEP  4096 /* an answer's headers and its body's start */
#define RECV_TURNS 16   /* reads of the answer in one turn of the loop */
/* close: how long the last batch may hold the supervisor */
#define CLOSE_WAIT_NS 1000000000LL

struct loki_batch {
	char *labels[2]; /* each stream's, JSON: stdout's, stderr's */
	char *values[2]; /* ["ns","line"],... */
	size_t len[2], cap[2];
	size_t bytes;     /* of its lines, as the driver counts a batch */
	size_t entries;   /* what a drop of it costs */
	bool stale;       /* another forwarder's labels (log_loki_adopt) */
	int64_t first_ns; /* CLOCK_MONOTONIC of its first line */
};

/* what waits to go, and the request under way: a restarted container's
 * forwarder takes it over (log_loki_adopt) */
struct loki_queue {
	struct loki_batch cur; /* filling */
	char *req;             /* the request of the batch being sent */
	size_t req_len, req_off, req_entries;
	int fd;
	bool connecting;
	char resp[RESP_KEEP];
	size_t resp_len, resp_total;
	int64_t deadline_ns; /* the request's loki-timeout; INT64_MAX: none */
	int64_t retry_at;    /* 0: now */
	int tries;
};

struct log_loki {
	struct cfg_loki_url url;
	struct sockaddr_storage to;
	socklen_t to_len;
	char *head; /* the request's header lines but Content-Length */
	char *labels[2];
	int64_t batch_wait_ns, timeout_ns, min_backoff_ns, max_backoff_ns;
	size_t batch_size, fill_max; /* fill_max: the next batch's, while one is out */
	int max_retries;             /* attempts in all; 0: no end */
	struct loki_queue q;
	uint64_t dropped;
	bool failing;
	char where[160];
};

static int64_t duration_ns(const struct cfg_logging *l, const char *key, int64_t def)
{
	const char *v = cfg_logging_option(l, key);
	int64_t usec;

	/* checked at load (config/logging_loki.c) */
	if (!v || cfg_parse_duration(v, &usec) < 0)
		return def;
	return usec > INT64_MAX / 1000 ? INT64_MAX : usec * 1000;
}

static long number(const struct cfg_logging *l, const char *key, long def)
{
	const char *v = cfg_logging_option(l, key);

	return v ? strtol(v, NULL, 10) : def;
}

static char *base64(const char *s)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(s), k = 0;
	char *o = lxr_xmalloc((n + 2) / 3 * 4 + 1);

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)s[i] << 16;
		v |= i + 1 < n ? (unsigned char)s[i + 1] << 8 : 0;
		v |= i + 2 < n ? (unsigned char)s[i + 2] : 0;
		o[k++] = a[v >> 18 & 63];
		o[k++] = a[v >> 12 & 63];
		o[k++] = i + 1 < n ? a[v >> 6 & 63] : '=';
		o[k++] = i + 2 < n ? a[v & 63] : '=';
	}
	o[k] = '\0';
	return o;
}

/* a label's name as Loki takes one: other characters as '_' */
static char *label_name(const char *k)
{
	char *n = lxr_xasprintf("%s%s", k[0] >= '0' && k[0] <= '9' ? "_" : "", k);

	for (char *p = n; *p; p++)
		if (!cfg_loki_label_name_ok(p, 1) && !(p > n && *p >= '0' && *p <= '9'))
			*p = '_';
	return n;
}

static void set_label(json_t *o, const char *k, const char *v)
{
	size_t n;
	_cleanup_free_ char *clean = log_utf8_clean(v, strlen(v), &n);
	_cleanup_free_ char *name = label_name(k);

	json_object_set_new(o, name, json_stringn(clean, n));
}

/* the driver's labels (parseConfig), in its order: a later one wins */
static json_t *labels_of(const struct cfg_logging *l, const struct log_fwd_ids *ids,
			 const char *log_path)
{
	static const char *const from[][2] = {{"com.docker.swarm.service.name", "swarm_service"},
					      {"com.docker.stack.namespace", "swarm_stack"},
					      {"com.docker.compose.service", "compose_service"},
					      {"com.docker.compose.project", "compose_project"}};
	const char *ext = cfg_logging_option(l, "loki-external-labels");
	_cleanup_free_ char *copy = lxr_xstrdup(ext ? ext : "container_name={{.Name}}");
	_cleanup_strv_ char **attrs = NULL;
	char *save = NULL, bad[64], host[256] = "";
	json_t *o = json_object();

	for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(p, '='); /* checked at load: NAME=VALUE */
		_cleanup_free_ char *v =
		    eq ? cfg_log_tag(eq + 1, ids->tag, bad, sizeof(bad)) : NULL;
		if (!v)
			continue; /* checked at load */
		*eq = '\0';
		set_label(o, p, v);
	}
	log_fwd_named(&attrs, cfg_logging_option(l, "labels"), NULL, ids->labels);
	log_fwd_named(&attrs, cfg_logging_option(l, "env"), cfg_logging_option(l, "env-regex"),
		      ids->env);
	for (size_t i = 0; attrs && attrs[i] && attrs[i + 1]; i += 2)
		set_label(o, attrs[i], attrs[i + 1]);
	for (size_t i = 0; i < sizeof(from) / sizeof(from[0]); i++) {
		const char *v = log_fwd_kv(ids->labels, from[i][0]);
		if (v && *v)
			set_label(o, from[i][1], v);
	}
	if (gethostname(host, sizeof(host) - 1) == 0)
		set_label(o, "host", host);
	set_label(o, "filename", log_path ? log_path : "");
	return o;
}

static void stream_labels(struct log_loki *k, json_t *base)
{
	for (int s = 0; s < 2; s++) {
		json_t *o = json_copy(base);
		json_object_set_new(o, "source", json_string(s ? "stderr" : "stdout"));
		k->labels[s] = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(o);
	}
}

static char *request_head(const struct log_loki *k, const struct cfg_logging *l)
{
	const char *tenant = cfg_logging_option(l, "loki-tenant-id");
	/* Go's basic authentication: "user:" for a user with no password */
	_cleanup_free_ char *pair = !k->url.userinfo ? NULL
				    : strchr(k->url.userinfo, ':')
					? lxr_xstrdup(k->url.userinfo)
					: lxr_xasprintf("%s:", k->url.userinfo);
	_cleanup_free_ char *auth = pair ? base64(pair) : NULL;
	bool v6 = strchr(k->url.host, ':') != NULL;
	char port[16] = "";

	if (k->url.port_given)
		snprintf(port, sizeof(port), ":%d", k->url.port);
	return lxr_xasprintf("POST %s HTTP/1.1\r\nHost: %s%s%s%s\r\nUser-Agent: lxr\r\n"
			     "Content-Type: application/json\r\nConnection: close\r\n%s%s%s%s%s%s",
			     k->url.target, v6 ? "[" : "", k->url.host, v6 ? "]" : "", port,
			     tenant && *tenant ? "X-Scope-OrgID: " : "",
			     tenant && *tenant ? tenant : "", tenant && *tenant ? "\r\n" : "",
			     auth ? "Authorization: Basic " : "", auth ? auth : "",
			     auth ? "\r\n" : "");
}

static int resolve(struct log_loki *k, lxr_err *err)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&k->to;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&k->to;
	char ip[INET6_ADDRSTRLEN] = "";
	/* Docker Desktop's name for the host, which files written there use
	 * for a Loki the stack publishes: the supervisor is on the host */
	const char *h = strcasecmp(k->url.host, "host.docker.internal") ? k->url.host : "127.0.0.1";

	if (inet_pton(AF_INET, h, &in4->sin_addr) != 1 &&
	    inet_pton(AF_INET6, h, &in6->sin6_addr) != 1) {
		if (net_resolve_host(h, ip, sizeof(ip), err) < 0)
			return lxr_err_wrap(err, "logging driver loki: resolve %s", h);
		h = ip;
	}
	if (inet_pton(AF_INET, h, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)k->url.port);
		k->to_len = sizeof(*in4);
	} else {
		inet_pton(AF_INET6, h, &in6->sin6_addr);
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)k->url.port);
		k->to_len = sizeof(*in6);
	}
	return 0;
}

int log_loki_open(const struct cfg_logging *l, const struct log_fwd_ids *ids, struct log_loki **out,
		  lxr_err *err)
{
	struct log_loki *k = lxr_xcalloc(1, sizeof(*k));
	json_t *base;

	k->q.fd = -1;
	if (cfg_loki_url(cfg_logging_option(l, "loki-url") ?: "", &k->url) < 0 || k->url.https) {
		cfg_loki_url_free(&k->url);
		free(k);
		return lxr_fail(err, EINVAL, "logging driver loki: loki-url is not an http:// URL");
	}
	snprintf(k->where, sizeof(k->where), "%s:%d%s", k->url.host, k->url.port, k->url.target);
	/* a name that does not resolve: the container starts all the same,
	 * as with the plugin; its lines are dropped (never waiting on DNS in
	 * the loop) until a later start resolves it */
	if (resolve(k, err) < 0) {
		char why[512];
		lxr_warn("%s; its lines are not sent until the container's next start resolves it",
			 lxr_err_str(err, why, sizeof(why)));
		lxr_err_clear(err);
	}
	k->batch_wait_ns = duration_ns(l, "loki-batch-wait", 1000000000LL);
	k->timeout_ns = duration_ns(l, "loki-timeout", 10000000000LL);
	k->min_backoff_ns = duration_ns(l, "loki-min-backoff", 500000000LL);
	k->max_backoff_ns = duration_ns(l, "loki-max-backoff", 300000000000LL);
	k->batch_size = (size_t)number(l, "loki-batch-size", 1 << 20);
	k->fill_max = k->batch_size * 4 > (1 << 20) ? k->batch_size * 4 : (1 << 20);
	k->max_retries = (int)number(l, "loki-retries", 10);
	k->head = request_head(k, l);
	base = labels_of(l, ids, ids->log_path);
	stream_labels(k, base);
	json_decref(base);
	*out = k;
	return 0;
}

static void batch_free(struct loki_batch *b)
{
	for (int s = 0; s < 2; s++) {
		free(b->labels[s]);
		free(b->values[s]);
	}
	memset(b, 0, sizeof(*b));
}

/* the request's end: whatever came of it */
static void request_done(struct loki_queue *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	q->connecting = false;
	free(q->req);
	q->req = NULL;
	q->req_len = q->req_off = q->req_entries = q->resp_len = q->resp_total = 0;
	q->resp[0] = '\0';
	q->tries = 0;
	q->retry_at = 0;
}

static void outage(struct log_loki *k, const char *why)
{
	if (k->failing)
		return;
	k->failing = true;
	lxr_warn("logging driver loki: %s: %s; lines wait and are tried again, and are dropped "
		 "after loki-retries tries (lxr's own log keeps every line)",
		 k->where, why);
}

static void drop_request(struct log_loki *k, const char *why)
{
	k->dropped += k->q.req_entries;
	lxr_warn("logging driver loki: %s: %zu lines not sent: %s", k->where, k->q.req_entries,
		 why);
	request_done(&k->q);
}

/* a failure that may pass (no connection, a timeout, 429, 5xx): again
 * after the backoff, until loki-retries attempts in all (0: no end) */
static void retry(struct log_loki *k, const char *why)
{
	struct loki_queue *q = &k->q;
	int64_t wait = k->min_backoff_ns;
	uint64_t r;

	outage(k, why);
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	q->connecting = false;
	q->req_off = q->resp_len = q->resp_total = 0;
	q->resp[0] = '\0';
	if (++q->tries >= k->max_retries && k->max_retries > 0) {
		drop_request(k, why);
		return;
	}
	for (int i = 1; i < q->tries && wait < k->max_backoff_ns; i++)
		wait *= 2;
	/* [d, 2d), as dskit's backoff draws it: containers that failed
	 * together do not all come back at once */
	if (wait > 0 && getrandom(&r, sizeof(r), GRND_NONBLOCK) == sizeof(r))
		wait += (int64_t)(r % (uint64_t)wait);
	q->retry_at = log_fwd_mono_ns() + (wait < k->max_backoff_ns ? wait : k->max_backoff_ns);
}

/* The filling batch as a request, sent from the loop */
static void make_request(struct log_loki *k)
{
	struct loki_batch *b = &k->q.cur;
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);
	bool first = true;

	fputs("{\"streams\":[", f);
	for (int s = 0; s < 2; s++) {
		if (!b->len[s])
			continue;
		fprintf(f, "%s{\"stream\":%s,\"values\":[", first ? "" : ",", b->labels[s]);
		fwrite(b->values[s], 1, b->len[s], f);
		fputs("]}", f);
		first = false;
	}
	fputs("]}", f);
	fclose(f);
	k->q.req = lxr_xasprintf("%sContent-Length: %zu\r\n\r\n%s", k->head, len, body);
	k->q.req_len = strlen(k->q.req);
	k->q.req_entries = b->entries;
	k->q.deadline_ns = 0;
	free(body);
	batch_free(b);
}

void log_loki_record(struct log_loki *k, enum log_stream st, const struct timespec *at,
		     const char *data, size_t len)
{
	struct loki_batch *b = &k->q.cur;
	int s = st == LOG_STDERR;
	size_t n, blank = 0;
	char *line, *text;

	while (blank < len && strchr(" \t\n\v\f\r", data[blank]) && data[blank])
		blank++;
	if (blank == len)
		return; /* nothing but white space: the driver sends no such line */
	if (b->entries && b->bytes + len > (k->q.req ? k->fill_max : k->batch_size)) {
		if (k->q.req) { /* a request is out and the next batch is full */
			k->dropped++;
			outage(k, "it takes lines more slowly than they come");
			return;
		}
		make_request(k);
	}
	line = log_utf8_clean(data, len, &n);
	json_t *j = json_stringn(line, n);
	text = json_dumps(j, JSON_ENCODE_ANY);
	json_decref(j);
	free(line);
	/* an update's new labels ({{.ImageName}}): the batch the last
	 * container left goes first, under its own */
	if (b->stale && !k->q.req) {
		make_request(k);
		b = &k->q.cur;
	}
	if (!b->entries)
		b->first_ns = log_fwd_mono_ns();
	if (!b->labels[s])
		b->labels[s] = lxr_xstrdup(k->labels[s]);
	_cleanup_free_ char *entry = lxr_xasprintf("%s[\"%lld%09ld\",%s]", b->len[s] ? "," : "",
						   (long long)at->tv_sec, at->tv_nsec, text);
	free(text);
	n = strlen(entry);
	if (b->len[s] + n + 1 > b->cap[s]) {
		b->cap[s] = (b->len[s] + n + 1) * 2;
		b->values[s] = lxr_xrealloc(b->values[s], b->cap[s]);
	}
	memcpy(b->values[s] + b->len[s], entry, n + 1);
	b->len[s] += n;
	b->bytes += len;
	b->entries++;
	if (b->bytes >= k->batch_size && !k->q.req)
		make_request(k);
}

/* The answer is whole: its headers and Content-Length bytes of body (none
 * for a 204 or 304), or the connection's end (Connection: close) */
static bool answered(const struct loki_queue *q, bool eof)
{
	const char *end = strstr(q->resp, "\r\n\r\n"), *cl;
	int code = 0;

	if (eof)
		return true;
	if (!end || sscanf(q->resp, "HTTP/%*d.%*d %d", &code) != 1)
		return false;
	if (code == 204 || code == 304)
		return true;
	cl = strcasestr(q->resp, "\r\nContent-Length:");
	return cl && cl < end &&
	       q->resp_total >= (size_t)(end + 4 - q->resp) + strtoull(cl + 17, NULL, 10);
}

/* The status line's code: 2xx sent, 429 and 5xx again, the rest dropped */
static void response(struct log_loki *k)
{
	struct loki_queue *q = &k->q;
	char why[200];
	int code = 0;
	const char *body = strstr(q->resp, "\r\n\r\n");

	if (sscanf(q->resp, "HTTP/%*d.%*d %d", &code) != 1) {
		retry(k, "no HTTP answer");
		return;
	}
	if (code / 100 == 2) {
		if (k->failing)
			lxr_warn("logging driver loki: %s takes lines again; %llu were not sent",
				 k->where, (unsigned long long)k->dropped);
		k->failing = false;
		request_done(q);
		return;
	}
	body = body ? body + 4 : "";
	snprintf(why, sizeof(why), "HTTP status %d: %.*s", code, (int)strcspn(body, "\r\n"), body);
	if (code == 429 || code / 100 == 5)
		retry(k, why);
	else
		drop_request(k, why);
}

static bool connect_loki(struct log_loki *k)
{
	struct loki_queue *q = &k->q;
	int fd, on = 1;

	if (!k->to_len) { /* did not resolve at the start: said then */
		k->failing = true;
		k->dropped += q->req_entries;
		request_done(q);
		return false;
	}
	fd = socket(k->to.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		retry(k, strerror(errno));
		return false;
	}
	if (connect(fd, (struct sockaddr *)&k->to, k->to_len) < 0 && errno != EINPROGRESS) {
		close(fd);
		retry(k, strerror(errno));
		return false;
	}
	/* a Loki that vanishes without a word is noticed (loki-timeout 0) */
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	q->fd = fd;
	q->connecting = true;
	q->retry_at = 0;
	q->deadline_ns = k->timeout_ns ? log_fwd_mono_ns() + k->timeout_ns : INT64_MAX;
	return true;
}

/* What the answer has brought so far; -1: the connection failed (errno) */
static int take_answer(struct loki_queue *q, bool *eof)
{
	char buf[4096];
	ssize_t n = 0;

	*eof = false;
	q->resp[q->resp_len] = '\0';
	for (int i = 0; i < RECV_TURNS && (n = recv(q->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0;
	     i++) {
		size_t keep = q->resp_len < RESP_KEEP - 1 ? RESP_KEEP - 1 - q->resp_len : 0;
		keep = (size_t)n < keep ? (size_t)n : keep;
		memcpy(q->resp + q->resp_len, buf, keep);
		q->resp_len += keep;
		q->resp_total += (size_t)n;
		q->resp[q->resp_len] = '\0';
	}
	*eof = n == 0;
	/* ENOTCONN: its connect is still under way */
	return n < 0 && errno != EAGAIN && errno != EINTR && errno != ENOTCONN ? -1 : 0;
}

/* the request's bytes as far as the socket takes them, then the answer's;
 * false: it waits. A peer that answers before it has read the whole
 * request (a proxy's 413, 401), and may close or reset, is taken at its
 * word. */
static bool exchange(struct log_loki *k)
{
	struct loki_queue *q = &k->q;
	bool eof;
	int e = 0, r;

	while (q->req_off < q->req_len) {
		ssize_t n = send(q->fd, q->req + q->req_off, q->req_len - q->req_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == ENOTCONN || errno == EINTR))
			break;
		if (n < 0) {
			e = errno;
			break;
		}
		q->connecting = false;
		q->req_off += (size_t)n;
	}
	r = take_answer(q, &eof);
	if (r < 0 && !e)
		e = errno;
	if (q->resp_len && (answered(q, eof) || ((e || r < 0) && strstr(q->resp, "\r\n\r\n")))) {
		response(k);
		return true;
	}
	if (e) {
		retry(k, strerror(e));
		return true;
	}
	if (eof && q->req_off == q->req_len) {
		response(k); /* closed: whatever came is the answer */
		return true;
	}
	return false;
}

/* What can be done now, never waiting: a batch that is due becomes a
 * request; a request is connected, sent, answered, or tried again */
static void step(struct log_loki *k)
{
	struct loki_queue *q = &k->q;
	int64_t now = log_fwd_mono_ns();

	if (!q->req && q->cur.entries &&
	    (q->cur.bytes >= k->batch_size || now - q->cur.first_ns >= k->batch_wait_ns))
		make_request(k);
	if (!q->req || (q->fd < 0 && q->retry_at > now))
		return;
	if (q->fd < 0 && !connect_loki(k))
		return;
	if (!exchange(k)) {
		/* an answer that came in time was read first */
		if (log_fwd_mono_ns() > q->deadline_ns)
			retry(k, "no answer within loki-timeout");
		return;
	}
	if (!q->req && q->cur.entries && q->cur.bytes >= k->batch_size)
		step(k); /* the next full batch at once */
}

int64_t log_loki_pending(const struct log_loki *k)
{
	const struct loki_queue *q = &k->q;
	int64_t at;

	if (q->req)
		at = q->fd >= 0 || !q->retry_at ? 1 : q->retry_at / 1000;
	else if (q->cur.entries)
		at = (q->cur.first_ns + k->batch_wait_ns) / 1000;
	else
		return 0;
	return at > 0 ? at : 1;
}

void log_loki_flush(struct log_loki *k)
{
	step(k);
}

uint64_t log_loki_dropped(const struct log_loki *k)
{
	return k->dropped;
}

void log_loki_adopt(struct log_loki *to, struct log_loki *from)
{
	struct loki_queue q = to->q;

	to->q = from->q;
	from->q = q;
	/* labels differ only after an update: looked at here, once */
	for (int s = 0; s < 2; s++)
		to->q.cur.stale |=
		    to->q.cur.labels[s] && strcmp(to->q.cur.labels[s], to->labels[s]);
	to->dropped += from->dropped;
	to->failing = from->failing;
}

void log_loki_close(struct log_loki *k)
{
	int64_t end = log_fwd_mono_ns() + CLOSE_WAIT_NS;
	size_t left;

	if (!k)
		return;
	/* the last lines (often the ones that say why it stopped): a moment
	 * for them, then what is left is dropped and counted */
	while (k->to_len && !k->failing && (k->q.req || k->q.cur.entries) &&
	       log_fwd_mono_ns() < end) {
		struct pollfd p = {.fd = k->q.fd};
		if (!k->q.req)
			make_request(k);
		if (k->q.fd < 0 && k->q.retry_at > log_fwd_mono_ns())
			break; /* tried and failed: no waiting out a backoff here */
		step(k);
		p.fd = k->q.fd;
		p.events = k->q.req_off < k->q.req_len ? POLLOUT : POLLIN;
		if (p.fd >= 0)
			poll(&p, 1, 10);
	}
	left = (k->q.req ? k->q.req_entries : 0) + k->q.cur.entries;
	if (left)
		lxr_warn("logging driver loki: %s: %zu lines not sent when the container's "
			 "forwarder closed",
			 k->where, left);
	k->dropped += left;
	request_done(&k->q);
	batch_free(&k->q.cur);
	cfg_loki_url_free(&k->url);
	free(k->head);
	free(k->labels[0]);
	free(k->labels[1]);
	free(k);
}
