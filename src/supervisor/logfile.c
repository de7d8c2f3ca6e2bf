/* The per-service log writer: bytes from a container's stdout/stderr pipe
 * become CRI records in <service>.log, rotated by size. The format and the
 * rotation rules are described in include/lxr/supervisor.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "config/text.h"
#include "lxr/supervisor.h"
#include "supervisor/loggz.h"

#define MAX_FILES_LIMIT 1000
/* input compressed per log_writer_work: a few ms of the loop's time */
#define GZ_SHARE (512u << 10)

/* The buffers grow to what the lines need, up to max_line: a supervisor
 * keeps one writer per instance for as long as it runs, and most lines are
 * short (three max_line buffers each would be 48 KiB per instance). */
struct pending {
	char *buf; /* up to max_line bytes still waiting for their newline */
	size_t len, cap;
	struct timespec first; /* when buf became non-empty */
	bool open_line;        /* a P record went out; the line needs an F */
};

struct log_writer {
	char *service;
	char *name; /* "<service>.log" */
	/* the directory, opened only to open or rotate the file: a stack
	 * keeps a writer per service, and a descriptor each would count
	 * against RLIMIT_NOFILE for nothing */
	char *dir;
	int fd;
	int64_t size;
	struct log_writer_opts o;
	struct pending pend[2];
	char *rec; /* one record being built */
	size_t rec_cap;
	uint64_t dropped, dropped_at_outage;
	bool failing;
	struct log_gz *gz; /* the rotated file being compressed, or NULL */
};

static const char *const stream_names[] = {"stdout", "stderr"};

int log_writer_opts_set(struct log_writer_opts *opts, const char *key, const char *value,
			lxr_err *err)
{
	int64_t v;
	char *end;

	if (!strcmp(key, "max-size")) {
		if (cfg_parse_bytes(value, &v) < 0 || v <= 0)
			return lxr_fail(err, EINVAL, "logging option max-size: bad size \"%s\"",
					value);
		opts->max_size = v;
		return 0;
	}
	if (!strcmp(key, "max-file")) {
		errno = 0;
		v = strtoll(value, &end, 10);
		if (errno || end == value || *end || v < 1 || v > MAX_FILES_LIMIT)
			return lxr_fail(err, EINVAL,
					"logging option max-file: \"%s\" is not a count of files "
					"from 1 to %d",
					value, MAX_FILES_LIMIT);
		opts->max_file = (int)v;
		return 0;
	}
	if (!strcmp(key, "compress")) {
		if (lxr_go_bool(value, &opts->compress) < 0)
			return lxr_fail(err, EINVAL,
					"logging option compress: \"%s\" is not a boolean", value);
		return 0;
	}
	/* the supervisor never holds a container up on its output, and its
	 * file gets every line: both modes' promises, with no buffer to size
	 * (config/logging.c checked the values) */
	if (!strcmp(key, "mode") || !strcmp(key, "max-buffer-size"))
		return 0;
	/* dockerd's record attributes, which a CRI record has no place for,
	 * and the dual-logging copy's cache-*, which a file driver has no use
	 * for: checked by config/logging.c, nothing to do here */
	if (!strcmp(key, "tag") || !strcmp(key, "labels") || !strcmp(key, "labels-regex") ||
	    !strcmp(key, "env") || !strcmp(key, "env-regex") || !strncmp(key, "cache-", 6))
		return 0;
	lxr_fail(err, EINVAL, "logging option \"%s\" is not supported", key);
	return lxr_err_hint(err, "lxr's log files take max-size, max-file, compress, mode and "
				 "max-buffer-size");
}

static void apply_defaults(struct log_writer_opts *o)
{
	if (o->max_size <= 0)
		o->max_size = LOG_DEFAULT_MAX_SIZE;
	if (o->max_file <= 0)
		o->max_file = LOG_DEFAULT_MAX_FILE;
	if (o->max_file > MAX_FILES_LIMIT)
		o->max_file = MAX_FILES_LIMIT;
	if (o->max_line == 0)
		o->max_line = LOG_DEFAULT_MAX_LINE;
	if (o->flush_usec <= 0)
		o->flush_usec = 1000000;
}

static int open_dir(const struct log_writer *w, lxr_err *err)
{
	int dfd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return lxr_fail(err, errno, "open log directory %s", w->dir);
	return dfd;
}

/* A power cut (or a full disk) can leave the last record without its
 * newline; the next one appended would merge with it into one malformed
 * line that readers skip. Ending it here loses only the torn record. Logs
 * are never fsynced: a cut costs their tail, not a later start. */
static void end_last_record(struct log_writer *w, int dfd)
{
	_cleanup_close_ int rfd = -1;
	char last;

	if (w->size == 0)
		return;
	rfd = openat(dfd, w->name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (rfd < 0 || pread(rfd, &last, 1, w->size - 1) != 1 || last == '\n')
		return;
	if (write(w->fd, "\n", 1) == 1)
		w->size++;
}

static int open_current(struct log_writer *w, int dfd, lxr_err *err)
{
	struct stat st;
	int fd;

	/* O_APPEND: a restarted supervisor, or a second writer by mistake,
	 * adds records after the existing ones instead of overwriting them. */
	fd = openat(dfd, w->name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640);
	if (fd < 0)
		return lxr_fail(err, errno, "open log file %s", w->name);
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return lxr_fail(err, e, "stat log file %s", w->name);
	}
	w->fd = fd;
	w->size = st.st_size;
	end_last_record(w, dfd);
	return 0;
}

/* the file again, after a failure closed it */
static int reopen(struct log_writer *w, lxr_err *err)
{
	_cleanup_close_ int dfd = open_dir(w, err);

	return dfd < 0 ? -1 : open_current(w, dfd, err);
}

int log_writer_open(const char *dir, const char *service, const struct log_writer_opts *opts,
		    struct log_writer **out, lxr_err *err)
{
	_cleanup_close_ int dfd = -1;
	struct log_writer *w;

	if (!*service || strchr(service, '/') || !strcmp(service, ".") || !strcmp(service, ".."))
		return lxr_fail(err, EINVAL, "log of service \"%s\": not a file name", service);
	w = lxr_xcalloc(1, sizeof(*w));
	if (opts)
		w->o = *opts;
	apply_defaults(&w->o);
	w->service = lxr_xstrdup(service);
	w->name = lxr_xasprintf("%s.log", service);
	w->fd = -1;
	w->dir = lxr_xstrdup(dir);
	if (w->o.discard) {
		*out = w;
		return 0;
	}
	dfd = open_dir(w, err);
	if (dfd < 0)
		goto fail;
	/* a compression a killed supervisor left half done: its plain file
	 * is still there */
	lxr_tmp_sweep_once(dir);
	if (open_current(w, dfd, err) < 0) {
		lxr_err_wrap(err, "service %s", service);
		goto fail;
	}
	*out = w;
	return 0;
fail:
	free(w->dir);
	free(w->service);
	free(w->name);
	free(w);
	return -1;
}

static void gz_warn(const struct log_writer *w, const lxr_err *err)
{
	char why[LXR_ERR_MSG_MAX + 64];

	lxr_warn("service %s: %s; the rotated file stays uncompressed", w->service,
		 lxr_err_str(err, why, sizeof(why)));
}

/* The compression under way, to its end: a rotation is about to rename its
 * file, or the writer closes. */
static void gz_finish(struct log_writer *w)
{
	lxr_err err;

	if (w->gz && log_gz_step(w->gz, SIZE_MAX, &err) < 0)
		gz_warn(w, &err);
	w->gz = NULL;
}

/* dfd/from becomes dfd/to, in the form it has (plain or .gz); the other
 * form of to, an older file, goes. Nothing there: nothing to do. */
static int shift(int dfd, const char *from, const char *to, lxr_err *err)
{
	for (int z = 0; z < 2; z++) {
		_cleanup_free_ char *f = lxr_xasprintf("%s%s", from, z ? ".gz" : "");
		_cleanup_free_ char *t = lxr_xasprintf("%s%s", to, z ? ".gz" : "");
		_cleanup_free_ char *other = lxr_xasprintf("%s%s", to, z ? "" : ".gz");
		if (renameat(dfd, f, dfd, t) < 0) {
			if (errno == ENOENT)
				continue;
			return lxr_fail(err, errno, "rotate %s to %s", f, t);
		}
		if (unlinkat(dfd, other, 0) < 0 && errno != ENOENT)
			return lxr_fail(err, errno, "rotate: remove %s", other);
	}
	return 0;
}

/* service.log.(n-2) -> .(n-1), ..., .1 -> .2, service.log -> .1, new
 * service.log; each rotated file as it is, plain or .gz. Renames replace
 * the oldest, so nothing is unlinked first and a reader holding an old
 * file keeps reading it to its end. With compress, the new .1 is
 * compressed from the loop (log_writer_work). */
static int rotate(struct log_writer *w, lxr_err *err)
{
	_cleanup_close_ int dfd = -1;

	gz_finish(w);
	dfd = open_dir(w, err);
	if (dfd < 0)
		return -1;
	for (int k = w->o.max_file - 2; k >= 1; k--) {
		_cleanup_free_ char *from = lxr_xasprintf("%s.%d", w->name, k);
		_cleanup_free_ char *to = lxr_xasprintf("%s.%d", w->name, k + 1);
		if (shift(dfd, from, to, err) < 0)
			return -1;
	}
	if (w->o.max_file >= 2) {
		_cleanup_free_ char *to = lxr_xasprintf("%s.1", w->name);
		_cleanup_free_ char *old = lxr_xasprintf("%s.1.gz", w->name);
		if (renameat(dfd, w->name, dfd, to) < 0)
			return lxr_fail(err, errno, "rotate %s to %s", w->name, to);
		/* with max_file 2 the loop moved nothing: .1.gz is the oldest */
		if (unlinkat(dfd, old, 0) < 0 && errno != ENOENT)
			return lxr_fail(err, errno, "rotate: remove %s", old);
	} else if (unlinkat(dfd, w->name, 0) < 0 && errno != ENOENT) {
		return lxr_fail(err, errno, "rotate: remove %s", w->name);
	}
	close(w->fd);
	w->fd = -1;
	if (open_current(w, dfd, err) < 0)
		return -1;
	if (w->o.compress && w->o.max_file >= 2) {
		_cleanup_free_ char *one = lxr_xasprintf("%s.1", w->name);
		lxr_err e;
		if (log_gz_start(dfd, one, &w->gz, &e) < 0)
			gz_warn(w, &e);
	}
	return 0;
}

bool log_writer_busy(const struct log_writer *w)
{
	return w && w->gz;
}

void log_writer_work(struct log_writer *w)
{
	lxr_err err;
	int r;

	if (!w || !w->gz)
		return;
	r = log_gz_step(w->gz, GZ_SHARE, &err);
	if (r < 0)
		gz_warn(w, &err);
	if (r != 0)
		w->gz = NULL;
}

static void note_failure(struct log_writer *w, int e)
{
	w->dropped++;
	if (w->failing)
		return;
	w->failing = true;
	w->dropped_at_outage = w->dropped - 1;
	lxr_warn("service %s: log record dropped: write %s: %s (%s); dropping until writes "
		 "succeed again",
		 w->service, w->name, strerror(e), lxr_errno_name(e));
}

static void note_success(struct log_writer *w)
{
	if (!w->failing)
		return;
	w->failing = false;
	lxr_warn("service %s: log writes to %s work again; %llu records were dropped", w->service,
		 w->name, (unsigned long long)(w->dropped - w->dropped_at_outage));
}

/* One record in one write(2): with O_APPEND it lands whole after the
 * previous one. A short write (disk full half-way) is cut off again so the
 * next record does not start inside this one. */
static void write_record(struct log_writer *w, size_t n)
{
	size_t done = 0;
	lxr_err err;

	if (w->fd < 0 && reopen(w, &err) < 0) {
		note_failure(w, err.errnum);
		return;
	}
	if (w->size > 0 && w->size + (int64_t)n > w->o.max_size && rotate(w, &err) < 0) {
		char why[LXR_ERR_MSG_MAX + 64];
		lxr_warn("service %s: %s; writing on to the current file", w->service,
			 lxr_err_str(&err, why, sizeof(why)));
		if (w->fd < 0) {
			note_failure(w, err.errnum);
			return;
		}
	}
	while (done < n) {
		ssize_t r = write(w->fd, w->rec + done, n - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int e = r < 0 ? errno : ENOSPC;
			if (done > 0 && ftruncate(w->fd, w->size) < 0)
				w->size += (int64_t)done; /* keep our size honest */
			note_failure(w, e);
			return;
		}
		done += (size_t)r;
	}
	w->size += (int64_t)n;
	note_success(w);
}

/* *buf holds at least need bytes (*cap grows by doubling, up to limit) */
static void reserve(char **buf, size_t *cap, size_t need, size_t limit)
{
	size_t c = *cap ? *cap : 256;

	if (need <= *cap)
		return;
	while (c < need)
		c *= 2;
	*cap = c < limit ? c : limit > need ? limit : need;
	*buf = lxr_xrealloc(*buf, *cap);
}

static void emit(struct log_writer *w, enum log_stream st, bool partial, const char *a, size_t an,
		 const char *b, size_t bn, const struct timespec *now)
{
	size_t n, most = w->o.max_line + LOG_TS_LEN + 16;

	reserve(&w->rec, &w->rec_cap, LOG_TS_LEN + 16 + an + bn, most);
	log_format_ts(w->rec, now);
	n = LOG_TS_LEN;
	n += (size_t)sprintf(w->rec + n, " %s %c ", stream_names[st], partial ? 'P' : 'F');
	if (an) /* a pending buffer not made yet is NULL */
		memcpy(w->rec + n, a, an);
	n += an;
	memcpy(w->rec + n, b, bn);
	n += bn;
	w->rec[n] = '\n';
	if (!w->o.discard)
		write_record(w, n + 1);
	w->pend[st].open_line = partial;
	w->rec[n] = '\0';
	if (w->o.tee)
		w->o.tee(w->o.tee_ctx, w->service, st, now, w->rec + n - an - bn, an + bn, partial);
	if (w->o.fwd)
		w->o.fwd(w->o.fwd_ctx, w->service, st, now, w->rec + n - an - bn, an + bn, partial);
}

/* A complete line: pending bytes then data[0..n), newline already gone. */
static void emit_line(struct log_writer *w, enum log_stream st, const char *data, size_t n,
		      const struct timespec *now)
{
	struct pending *p = &w->pend[st];
	size_t max = w->o.max_line;

	if (n > 0 && data[n - 1] == '\r')
		n--;
	else if (n == 0 && p->len > 0 && p->buf[p->len - 1] == '\r')
		p->len--;
	/* Chunks of max_line: the pending part first, topped up from data. */
	while (p->len + n > max) {
		size_t take = max - p->len;
		emit(w, st, true, p->buf, p->len, data, take, now);
		p->len = 0;
		data += take;
		n -= take;
	}
	emit(w, st, false, p->buf, p->len, data, n, now);
	p->len = 0;
}

static void buffer_partial(struct log_writer *w, enum log_stream st, const char *data, size_t n,
			   const struct timespec *now)
{
	struct pending *p = &w->pend[st];
	size_t max = w->o.max_line;

	while (n > 0) {
		size_t take = n < max - p->len ? n : max - p->len;
		if (p->len == 0)
			p->first = *now;
		reserve(&p->buf, &p->cap, p->len + take, max);
		memcpy(p->buf + p->len, data, take);
		p->len += take;
		data += take;
		n -= take;
		/* Full and more is coming: this chunk cannot end the line. A
		 * full buffer with nothing after it waits, since the next byte
		 * may be the newline (or a CR before it). */
		if (p->len == max && n > 0) {
			emit(w, st, true, p->buf, p->len, "", 0, now);
			p->len = 0;
		}
	}
}

int log_writer_feed(struct log_writer *w, enum log_stream stream, const void *data, size_t len,
		    const struct timespec *now)
{
	const char *s = data, *end = s + len;

	if (!w || (stream != LOG_STDOUT && stream != LOG_STDERR))
		return -1;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl) {
			buffer_partial(w, stream, s, (size_t)(end - s), now);
			break;
		}
		emit_line(w, stream, s, (size_t)(nl - s), now);
		s = nl + 1;
	}
	return 0;
}

static void flush_stream(struct log_writer *w, enum log_stream st, const struct timespec *now)
{
	struct pending *p = &w->pend[st];

	if (p->len == 0)
		return;
	emit(w, st, true, p->buf, p->len, "", 0, now);
	p->len = 0;
}

int log_writer_feed_eof(struct log_writer *w, enum log_stream stream, const struct timespec *now)
{
	if (!w || (stream != LOG_STDOUT && stream != LOG_STDERR))
		return -1;
	flush_stream(w, stream, now);
	if (w->pend[stream].open_line)
		emit(w, stream, false, "", 0, "", 0, now);
	return 0;
}

int log_writer_flush(struct log_writer *w, const struct timespec *now)
{
	if (!w)
		return -1;
	flush_stream(w, LOG_STDOUT, now);
	flush_stream(w, LOG_STDERR, now);
	return 0;
}

bool log_writer_flush_deadline(const struct log_writer *w, struct timespec *at)
{
	const struct pending *first = NULL;

	for (int i = 0; i < 2; i++) {
		const struct pending *p = &w->pend[i];
		if (p->len && (!first || p->first.tv_sec < first->first.tv_sec ||
			       (p->first.tv_sec == first->first.tv_sec &&
				p->first.tv_nsec < first->first.tv_nsec)))
			first = p;
	}
	if (!first)
		return false;
	/* the pending line's time is the wall clock's (its record's stamp);
	 * a clock set back meanwhile (NTP at boot) must not hold it longer
	 * than the delay from now */
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	if (first->first.tv_sec > now.tv_sec ||
	    (first->first.tv_sec == now.tv_sec && first->first.tv_nsec > now.tv_nsec))
		first = NULL;
	const struct timespec from = first ? first->first : now;
	at->tv_sec = from.tv_sec + w->o.flush_usec / 1000000;
	at->tv_nsec = from.tv_nsec + (w->o.flush_usec % 1000000) * 1000;
	if (at->tv_nsec >= 1000000000) {
		at->tv_sec++;
		at->tv_nsec -= 1000000000;
	}
	return true;
}

uint64_t log_writer_dropped(const struct log_writer *w)
{
	return w->dropped;
}

void log_writer_set_fwd(struct log_writer *w, log_tee_fn fn, void *ctx)
{
	if (!w)
		return;
	w->o.fwd = fn;
	w->o.fwd_ctx = ctx;
}

void log_writer_close(struct log_writer *w, const struct timespec *now)
{
	if (!w)
		return;
	log_writer_feed_eof(w, LOG_STDOUT, now);
	log_writer_feed_eof(w, LOG_STDERR, now);
	gz_finish(w);
	if (w->fd >= 0)
		close(w->fd);
	free(w->dir);
	for (int i = 0; i < 2; i++)
		free(w->pend[i].buf);
	free(w->rec);
	free(w->service);
	free(w->name);
	free(w);
}
