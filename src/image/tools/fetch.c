/* Layer downloads: several at once over curl multi, each written to a
 * partial file while hashed. A partial file survives an interrupted pull
 * and is continued from where it stopped; it becomes the blob (renamed to
 * its digest) only when the whole content hashed to that digest. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "image/tools/fetch.h"

struct dl {
	struct fetch_item *item;
	struct img_store *s;
	char *partial;
	int fd;
	struct img_hash hash;
	int64_t have, resumed_from;
	CURL *h;
	struct curl_slist *hdrs;
	char ebuf[CURL_ERROR_SIZE];
	bool checked, done;
	long status;
};

static int hash_existing(struct dl *d, lxr_err *err)
{
	char buf[1 << 16];
	ssize_t n;

	img_hash_init(&d->hash);
	d->have = 0;
	while ((n = read(d->fd, buf, sizeof(buf))) > 0) {
		img_hash_update(&d->hash, buf, (size_t)n);
		d->have += n;
	}
	if (n < 0)
		return lxr_fail(err, errno, "read %s", d->partial);
	d->resumed_from = d->have;
	return 0;
}

/* Open and lock the partial file; 1 when the blob turned up meanwhile. */
static int dl_open(struct dl *d, lxr_err *err)
{
	d->partial = lxr_xasprintf(".partial-%s", img_digest_hex(d->item->digest));
	d->fd = openat(d->s->blobsfd, d->partial, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (d->fd < 0)
		return lxr_fail(err, errno, "open %s/blobs/sha256/%s", d->s->root, d->partial);
	/* a second lxr pulling the same layer waits here, then finds the blob */
	while (flock(d->fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return lxr_fail(err, errno, "flock %s", d->partial);
	if (img_blob_exists(d->s, d->item->digest))
		return 1;
	return hash_existing(d, err);
}

static size_t dl_write(char *p, size_t sz, size_t n, void *ud)
{
	struct dl *d = ud;
	size_t len = sz * n;

	if (!d->checked) {
		d->checked = true;
		curl_easy_getinfo(d->h, CURLINFO_RESPONSE_CODE, &d->status);
		if (d->status == 200 && d->have) {
			/* the server ignored Range: start over */
			if (ftruncate(d->fd, 0) < 0 || lseek(d->fd, 0, SEEK_SET) < 0)
				return 0;
			img_hash_abort(&d->hash);
			img_hash_init(&d->hash);
			d->have = d->resumed_from = 0;
		} else if (d->status != 200 && d->status != 206) {
			return 0;
		}
	}
	for (size_t off = 0; off < len;) {
		ssize_t w = write(d->fd, p + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return 0;
		off += (size_t)w;
	}
	img_hash_update(&d->hash, p, len);
	d->have += (int64_t)len;
	return len;
}

static void dl_start(struct reg_client *c, struct dl *d, CURLM *m)
{
	_cleanup_free_ char *url =
	    lxr_xasprintf("%s/v2/%s/blobs/%s", c->base, c->ref.repo, d->item->digest);

	d->h = reg_easy(c, url, &d->hdrs);
	if (d->have) {
		_cleanup_free_ char *range =
		    lxr_xasprintf("Range: bytes=%lld-", (long long)d->have);
		d->hdrs = curl_slist_append(d->hdrs, range);
	}
	curl_easy_setopt(d->h, CURLOPT_HTTPHEADER, d->hdrs);
	curl_easy_setopt(d->h, CURLOPT_WRITEFUNCTION, dl_write);
	curl_easy_setopt(d->h, CURLOPT_WRITEDATA, d);
	curl_easy_setopt(d->h, CURLOPT_ERRORBUFFER, d->ebuf);
	curl_easy_setopt(d->h, CURLOPT_PRIVATE, d);
	curl_multi_add_handle(m, d->h);
}

/* Verify and name the blob. */
static int dl_finish(struct dl *d, lxr_err *err)
{
	char got[IMG_DIGEST_LEN];

	img_hash_final(&d->hash, got);
	if (strcmp(got, d->item->digest)) {
		/* a bad partial must not be continued next time */
		unlinkat(d->s->blobsfd, d->partial, 0);
		return img_digest_check(d->item->digest, d->item->digest, got, err);
	}
	if (fsync(d->fd) < 0 ||
	    renameat(d->s->blobsfd, d->partial, d->s->blobsfd, img_digest_hex(got)) < 0)
		return lxr_fail(err, errno, "store blob %s", got);
	fsync(d->s->blobsfd);
	return 0;
}

static void dl_free(struct dl *d, CURLM *m)
{
	if (d->h) {
		curl_multi_remove_handle(m, d->h);
		curl_easy_cleanup(d->h);
	}
	curl_slist_free_all(d->hdrs);
	if (d->hash.active)
		img_hash_abort(&d->hash);
	img_close(&d->fd);
	free(d->partial);
}

struct progress {
	const struct img_pull_opts *o;
	struct dl *dls;
	size_t n;
	bool drawn;
	struct timespec last;
};

static void fmt_mb(char *buf, size_t n, int64_t b)
{
	snprintf(buf, n, "%.1fMB", (double)b / 1e6);
}

static void line(const struct dl *d, char *buf, size_t n)
{
	char have[32], total[32];

	fmt_mb(have, sizeof(have), d->have);
	fmt_mb(total, sizeof(total), d->item->size);
	if (d->done)
		snprintf(buf, n, "%.12s: Download complete", img_digest_hex(d->item->digest));
	else if (!d->h)
		snprintf(buf, n, "%.12s: Waiting", img_digest_hex(d->item->digest));
	else
		snprintf(buf, n, "%.12s: Downloading %s / %s%s", img_digest_hex(d->item->digest),
			 have, total, d->resumed_from ? " (resumed)" : "");
}

/* On a terminal: one line per layer, redrawn in place at most 10 times a
 * second. Elsewhere: one plain line per finished layer. */
static void show(struct progress *p, bool force)
{
	struct timespec now;
	char buf[160];

	if (p->o->quiet || (!p->o->progress_tty && !p->o->progress_json))
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!force && p->drawn &&
	    (now.tv_sec - p->last.tv_sec) * 1000 + (now.tv_nsec - p->last.tv_nsec) / 1000000 < 100)
		return;
	p->last = now;
	if (p->o->progress_json) {
		int64_t have = 0, total = 0;
		for (size_t i = 0; i < p->n; i++) {
			have += p->dls[i].have;
			total += p->dls[i].item->size > 0 ? p->dls[i].item->size : 0;
		}
		fprintf(stderr, "{\"have\":%lld,\"total\":%lld}\n", (long long)have,
			(long long)total);
		p->drawn = true;
		return;
	}
	if (p->drawn)
		fprintf(stderr, "\033[%zuA", p->n);
	for (size_t i = 0; i < p->n; i++) {
		line(&p->dls[i], buf, sizeof(buf));
		fprintf(stderr, "\r\033[K%s\n", buf);
	}
	p->drawn = true;
}

static void announce_done(struct progress *p, struct dl *d)
{
	char total[32];

	d->done = true;
	if (p->o->quiet || p->o->progress_tty || p->o->progress_json)
		return;
	fmt_mb(total, sizeof(total), d->have);
	fprintf(stderr, "%.12s: Download complete (%s%s)\n", img_digest_hex(d->item->digest), total,
		d->resumed_from ? ", resumed" : "");
}

static int restart(struct dl *d, lxr_err *err)
{
	if (ftruncate(d->fd, 0) < 0 || lseek(d->fd, 0, SEEK_SET) < 0)
		return lxr_fail(err, errno, "truncate %s", d->partial);
	img_hash_abort(&d->hash);
	return hash_existing(d, err);
}

/* Open the next item; 1 when it needs a transfer. */
static int prepare(struct progress *p, struct dl *d, lxr_err *err)
{
	int r = dl_open(d, err);

	if (r != 0)
		return r < 0 ? -1 : (announce_done(p, d), 0);
	if (d->item->size > 0 && d->have > d->item->size && restart(d, err) < 0)
		return -1;
	if (d->item->size > 0 && d->have == d->item->size) { /* complete, not yet renamed */
		if (dl_finish(d, err) < 0)
			return -1;
		announce_done(p, d);
		return 0;
	}
	return 1;
}

static int transfer_done(struct reg_client *c, struct progress *p, CURLM *m, CURLMsg *msg,
			 lxr_err *err)
{
	struct dl *d = NULL;
	/* msg belongs to the handle: removing the handle frees it */
	CURLcode result = msg->data.result;

	curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&d);
	curl_easy_getinfo(d->h, CURLINFO_RESPONSE_CODE, &d->status);
	curl_multi_remove_handle(m, d->h);
	curl_easy_cleanup(d->h);
	d->h = NULL;
	curl_slist_free_all(d->hdrs);
	d->hdrs = NULL;
	if (d->status == 416 && d->have) { /* our partial is past the end */
		if (restart(d, err) < 0)
			return -1;
		d->checked = false;
		dl_start(c, d, m);
		return 1;
	}
	if (d->status && d->status != 200 && d->status != 206)
		return lxr_fail(err, ECOMM, "blob %s: HTTP %ld from the registry", d->item->digest,
				d->status),
		       lxr_err_hint(err, "run the pull again: it continues where it stopped");
	if (result != CURLE_OK)
		return lxr_fail(err, ECOMM, "blob %s: %s", d->item->digest,
				d->ebuf[0] ? d->ebuf : curl_easy_strerror(result)),
		       lxr_err_hint(err, "run the pull again: it continues where it stopped");
	if (dl_finish(d, err) < 0)
		return -1;
	announce_done(p, d);
	return 0;
}

static int run_multi(struct reg_client *c, struct progress *p, CURLM *m, lxr_err *err)
{
	size_t next = 0, active = 0, maxp = p->o->max_parallel > 0 ? (size_t)p->o->max_parallel : 4;
	int running, left, r;
	CURLMsg *msg;

	while (next < p->n || active) {
		while (active < maxp && next < p->n) {
			struct dl *d = &p->dls[next++];
			r = prepare(p, d, err);
			if (r < 0)
				return -1;
			if (r > 0) {
				dl_start(c, d, m);
				active++;
			}
		}
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left)))
			if (msg->msg == CURLMSG_DONE) {
				r = transfer_done(c, p, m, msg, err);
				if (r < 0)
					return -1;
				active -= r == 0;
			}
		show(p, false);
		if (active)
			curl_multi_poll(m, NULL, 0, 200, NULL);
	}
	show(p, true);
	return 0;
}

int fetch_blobs(struct reg_client *c, struct fetch_item *items, size_t n,
		const struct img_pull_opts *o, struct img_store *s, lxr_err *err)
{
	struct progress p = {.o = o, .n = n};
	CURLM *m;
	int r;

	if (!n)
		return 0;
	p.dls = lxr_xcalloc(n, sizeof(*p.dls));
	for (size_t i = 0; i < n; i++) {
		p.dls[i].item = &items[i];
		p.dls[i].s = s;
		p.dls[i].fd = -1;
	}
	m = curl_multi_init();
	if (!m)
		abort();
	r = run_multi(c, &p, m, err);
	for (size_t i = 0; i < n; i++)
		dl_free(&p.dls[i], m);
	curl_multi_cleanup(m);
	free(p.dls);
	return r;
}
