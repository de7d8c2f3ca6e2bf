/* Reading one service's CRI log files in order, across rotation: see
 * logcursor.h. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lxr/gzip.h"
#include "supervisor/logcursor.h"
#include "supervisor/loggz.h"

#define READ_CHUNK (64u << 10)
#define MAX_RECORD (64u << 20) /* a longer "record" is not one of ours */
#define MAX_INDEX  100000

struct growbuf {
	char *p;
	size_t len, cap;
};

struct partial {
	struct growbuf text;
	struct timespec ts;
	bool active;
};

/* a .gz file's inode -> the inode of the file it was made from */
struct gz_origin {
	ino_t ino, origin;
};

struct log_cursor {
	char *service;
	int dirfd, fd;
	struct lxr_gunzip *gz; /* reading a compressed rotated file (from fd) */
	dev_t dev;
	ino_t ino;
	bool drained; /* read once more after seeing the file rotated away */
	struct growbuf in;
	size_t off; /* parsed up to here in in */
	struct partial part[2];
	struct growbuf out;
	bool has_since;
	struct timespec since;
	uint64_t malformed;
	struct gz_origin *origins;
	size_t n_origins;
};

static void gb_append(struct growbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = lxr_xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

int log_file_index(const char *name, char *svc, size_t size, bool *gz)
{
	const char *dot = strstr(name, ".log");
	const char *last = NULL;
	bool z = false;
	long k = 0;

	/* the last ".log" that is the suffix or is followed by ".N" */
	for (; dot; dot = strstr(dot + 1, ".log"))
		if (dot[4] == '\0' || dot[4] == '.')
			last = dot;
	if (!last || last == name || (size_t)(last - name) >= size)
		return -1;
	if (last[4] == '.') {
		char *end;
		if (last[5] < '1' || last[5] > '9')
			return -1;
		k = strtol(last + 5, &end, 10);
		z = !strcmp(end, ".gz"); /* compressed when rotated */
		if ((*end && !z) || k > MAX_INDEX)
			return -1;
	}
	memcpy(svc, name, (size_t)(last - name));
	svc[last - name] = '\0';
	if (gz)
		*gz = z;
	return (int)k;
}

int log_replica(const char *log, char *svc, size_t size)
{
	const char *at = strrchr(log, '@');
	size_t n = at ? (size_t)(at - log) : strlen(log);
	char *end;
	long k = at ? strtol(at + 1, &end, 10) : 1;

	if (at && (at[1] < '1' || at[1] > '9' || *end || k > INT_MAX)) {
		n = strlen(log); /* not a replica's: the name as it is */
		k = 1;
	}
	snprintf(svc, size, "%.*s", (int)n, log);
	return (int)k;
}

struct log_cursor *log_cursor_new(int dirfd, const char *service, const struct timespec *since)
{
	struct log_cursor *c = lxr_xcalloc(1, sizeof(*c));

	c->service = lxr_xstrdup(service);
	c->dirfd = dirfd;
	c->fd = -1;
	c->in.cap = READ_CHUNK * 2;
	c->in.p = lxr_xmalloc(c->in.cap);
	if (since) {
		c->has_since = true;
		c->since = *since;
	}
	return c;
}

struct file_ent {
	int k;
	bool gz;
	dev_t dev;
	ino_t ino;
	const char *name; /* valid during the scan */
};

/* Where the open file is now (sc->cur, -1 when gone or none is open) and
 * which file comes after it: the newest index below cur, or when there is
 * no cur, the oldest file that exists. */
struct scan {
	int cur, next;
	bool next_gz;
	ino_t next_ino;
};

static void pick_next(const struct file_ent *v, size_t n, struct scan *sc)
{
	for (size_t i = 0; i < n; i++) {
		if (sc->cur >= 0 && v[i].k >= sc->cur)
			continue;
		if (sc->next < 0 || v[i].k > sc->next) {
			sc->next = v[i].k;
			sc->next_ino = v[i].ino;
			sc->next_gz = v[i].gz;
		}
	}
}

/* A .gz's origin, read from its header once (a .gz never changes); 0 for
 * one that is not ours. */
static ino_t gz_origin(struct log_cursor *c, const char *name, ino_t ino)
{
	_cleanup_close_ int fd = -1;
	ino_t origin = 0;

	for (size_t i = 0; i < c->n_origins; i++)
		if (c->origins[i].ino == ino)
			return c->origins[i].origin;
	fd = openat(c->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return 0; /* gone: the next scan sees what replaced it */
	if (log_gz_origin(fd, &origin) < 0)
		origin = 0;
	c->origins = lxr_xrealloc(c->origins, (c->n_origins + 1) * sizeof(*c->origins));
	c->origins[c->n_origins++] = (struct gz_origin){ino, origin};
	return origin;
}

/* The open file is found by its inode. A plain rotated file that was
 * compressed and removed lives on as the .gz made from it: the newest .gz
 * whose header names its inode (an older one may name the same number, a
 * file before it that had the inode; none after it can, while the reader
 * holds it open). */
static int find_cur(struct log_cursor *c, const struct file_ent *v, size_t n)
{
	struct stat st;
	int cur = -1;

	for (size_t i = 0; i < n; i++)
		if (v[i].ino == c->ino && v[i].dev == c->dev)
			return v[i].k;
	if (c->gz || fstat(c->fd, &st) < 0 || st.st_nlink > 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (v[i].gz && v[i].dev == c->dev && (cur < 0 || v[i].k < cur) &&
		    gz_origin(c, v[i].name, v[i].ino) == c->ino)
			cur = v[i].k;
	return cur;
}

static int scan_files(struct log_cursor *c, struct scan *sc, lxr_err *err)
{
	DIR *d = lxr_opendir_dup(c->dirfd);
	_cleanup_free_ struct file_ent *v = NULL;
	_cleanup_free_ char **names = NULL;
	size_t n = 0, cap = 0;
	char svc[NAME_MAX + 1];
	struct dirent *de;

	*sc = (struct scan){.cur = -1, .next = -1};
	if (!d)
		return lxr_fail(err, errno, "read log directory");
	while ((de = readdir(d))) {
		struct stat st;
		bool gz;
		int k = log_file_index(de->d_name, svc, sizeof(svc), &gz);
		if (k < 0 || strcmp(svc, c->service) ||
		    fstatat(c->dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			v = lxr_xrealloc(v, cap * sizeof(*v));
			names = lxr_xrealloc(names, cap * sizeof(*names));
		}
		names[n] = lxr_xstrdup(de->d_name);
		v[n] = (struct file_ent){k, gz, st.st_dev, st.st_ino, names[n]};
		n++;
	}
	closedir(d);
	if (c->fd >= 0)
		sc->cur = find_cur(c, v, n);
	pick_next(v, n, sc);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	return 0;
}

static void close_file(struct log_cursor *c)
{
	lxr_gunzip_free(c->gz);
	c->gz = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static ssize_t gz_source(void *ctx, void *buf, size_t n)
{
	struct log_cursor *c = ctx;
	ssize_t r;

	do
		r = read(c->fd, buf, n);
	while (r < 0 && errno == EINTR);
	return r;
}

/* Switch to the file after the open one. 1 opened, 0 none (yet). */
static int open_next(struct log_cursor *c, lxr_err *err)
{
	for (int tries = 0; tries < 1000; tries++) {
		_cleanup_free_ char *name = NULL;
		struct scan sc;
		struct stat st;
		int fd;

		struct scan again;

		/* A scan that races the writer's renames can miss an entry
		 * (readdir gives no snapshot): only two scans that agree are
		 * believed, and an open file that is still linked but was
		 * not seen is not "gone" (falling back to the oldest file
		 * would print everything again). */
		if (scan_files(c, &sc, err) < 0 || scan_files(c, &again, err) < 0)
			return -1;
		if (sc.cur != again.cur || sc.next != again.next || sc.next_ino != again.next_ino ||
		    sc.next_gz != again.next_gz)
			continue;
		if (c->fd >= 0 && sc.cur < 0 && fstat(c->fd, &st) == 0 && st.st_nlink > 0)
			continue;
		if (sc.next < 0)
			return 0;
		name = sc.next ? lxr_xasprintf("%s.log.%d%s", c->service, sc.next,
					       sc.next_gz ? ".gz" : "")
			       : lxr_xasprintf("%s.log", c->service);
		fd = openat(c->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0 && errno == ENOENT)
			continue; /* rotated between scan and open */
		if (fd < 0)
			return lxr_fail(err, errno, "open %s", name);
		if (fstat(fd, &st) < 0 || st.st_ino != sc.next_ino) {
			close(fd);
			continue;
		}
		close_file(c);
		c->fd = fd;
		c->dev = st.st_dev;
		c->ino = st.st_ino;
		if (sc.next_gz)
			c->gz = lxr_gunzip_new(gz_source, c);
		c->drained = false;
		/* records are whole in each file: leftovers of the old one are torn */
		c->in.len = c->off = 0;
		return 1;
	}
	return lxr_fail(err, EAGAIN, "log files of %s keep rotating under the reader", c->service);
}

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* "TS STREAM TAG[:more tags] CONTENT": fields split by single spaces; the
 * content may be empty and its separator missing. */
static bool parse_record(const char *s, size_t n, struct timespec *ts, enum log_stream *st,
			 bool *partial, const char **content, size_t *clen)
{
	const char *sp1 = memchr(s, ' ', n), *sp2, *tag, *end = s + n;

	if (!sp1 || log_parse_ts(s, (size_t)(sp1 - s), ts) < 0)
		return false;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1));
	if (!sp2)
		return false;
	if (sp2 - sp1 - 1 == 6 && !memcmp(sp1 + 1, "stdout", 6))
		*st = LOG_STDOUT;
	else if (sp2 - sp1 - 1 == 6 && !memcmp(sp1 + 1, "stderr", 6))
		*st = LOG_STDERR;
	else
		return false;
	tag = sp2 + 1;
	if (tag >= end || (*tag != 'P' && *tag != 'F') ||
	    (tag + 1 < end && tag[1] != ' ' && tag[1] != ':'))
		return false;
	*partial = *tag == 'P';
	*content = memchr(tag, ' ', (size_t)(end - tag));
	*content = *content ? *content + 1 : end;
	*clen = (size_t)(end - *content);
	return true;
}

static int make_line(struct log_cursor *c, enum log_stream st, struct log_line *line)
{
	struct partial *p = &c->part[st];

	p->active = false;
	if (c->has_since && ts_before(&p->ts, &c->since))
		return 0;
	c->out.len = 0;
	gb_append(&c->out, p->text.p ? p->text.p : "", p->text.len);
	line->ts = p->ts;
	line->stream = st;
	line->text = c->out.p;
	line->len = c->out.len;
	return 1;
}

/* One record: 1 when it completes a line (then in *line). */
static int take_record(struct log_cursor *c, const char *s, size_t n, struct log_line *line)
{
	struct timespec ts;
	enum log_stream st;
	bool partial;
	const char *content;
	size_t clen;
	struct partial *p;

	if (!parse_record(s, n, &ts, &st, &partial, &content, &clen)) {
		c->malformed++;
		return 0;
	}
	p = &c->part[st];
	if (!p->active) {
		p->active = true;
		p->ts = ts;
		p->text.len = 0;
	}
	gb_append(&p->text, content, clen);
	return partial ? 0 : make_line(c, st, line);
}

static ssize_t fill(struct log_cursor *c, lxr_err *err)
{
	ssize_t r;

	if (c->off > 0) { /* keep only the unparsed tail */
		memmove(c->in.p, c->in.p + c->off, c->in.len - c->off);
		c->in.len -= c->off;
		c->off = 0;
	}
	if (c->in.len >= MAX_RECORD) {
		c->malformed++;
		c->in.len = 0;
	}
	if (c->in.cap - c->in.len < READ_CHUNK) {
		c->in.cap = c->in.len + READ_CHUNK * 2;
		c->in.p = lxr_xrealloc(c->in.p, c->in.cap);
	}
	if (c->gz) {
		r = lxr_gunzip_read(c->gz, c->in.p + c->in.len, READ_CHUNK);
		/* a damaged .gz: its lines up to the damage (they came first),
		 * then the next file */
		if (r < 0) {
			c->malformed++;
			r = 0;
		}
	} else {
		do
			r = read(c->fd, c->in.p + c->in.len, READ_CHUNK);
		while (r < 0 && errno == EINTR);
	}
	if (r < 0)
		return lxr_fail(err, errno, "read log of %s", c->service);
	c->in.len += (size_t)r;
	return r;
}

/* At the end of the open file: is there a newer one to go on with? */
static int at_eof(struct log_cursor *c, lxr_err *err)
{
	struct scan sc;

	if (scan_files(c, &sc, err) < 0)
		return -1;
	if (sc.next < 0)
		return 0;
	/* The writer renamed this file before our scan and never writes to
	 * it again: one more read gets whatever came in before the rename. */
	if (!c->drained) {
		c->drained = true;
		return 1;
	}
	return open_next(c, err);
}

int log_cursor_next(struct log_cursor *c, struct log_line *line, lxr_err *err)
{
	for (;;) {
		char *s = c->in.p + c->off, *nl;
		ssize_t r;

		nl = c->in.len > c->off ? memchr(s, '\n', c->in.len - c->off) : NULL;
		if (nl) {
			c->off += (size_t)(nl - s) + 1;
			if (take_record(c, s, (size_t)(nl - s), line))
				return 1;
			continue;
		}
		if (c->fd < 0) {
			r = open_next(c, err);
			if (r <= 0)
				return (int)r;
			continue;
		}
		r = fill(c, err);
		if (r < 0)
			return -1;
		if (r == 0) {
			r = at_eof(c, err);
			if (r <= 0)
				return (int)r;
		}
	}
}

int log_cursor_finish(struct log_cursor *c, struct log_line *line)
{
	for (int st = 0; st < 2; st++)
		if (c->part[st].active && make_line(c, (enum log_stream)st, line))
			return 1;
	return 0;
}

const char *log_cursor_service(const struct log_cursor *c)
{
	return c->service;
}

uint64_t log_cursor_malformed(const struct log_cursor *c)
{
	return c->malformed;
}

void log_cursor_free(struct log_cursor *c)
{
	if (!c)
		return;
	close_file(c);
	free(c->origins);
	free(c->in.p);
	free(c->out.p);
	for (int i = 0; i < 2; i++)
		free(c->part[i].text.p);
	free(c->service);
	free(c);
}
