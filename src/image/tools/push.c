/* lxr push: an image from the store to a registry, as docker push does it
 * over the distribution API: for each blob a HEAD, and when the registry
 * lacks it an upload (POST for a session, then one PUT with the whole blob
 * and its digest, which the registry verifies); then the stored manifest,
 * byte for byte, so the image keeps its digest. The registry client and
 * its authentication are pull's (registry.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "image/tools/registry.h"

/* On a terminal, the layer being uploaded: one line redrawn in place at
 * most ten times a second, as pull draws its downloads. */
struct upload_progress {
	const char *digest;
	int64_t size;
	struct timespec last;
};

static void show_upload(void *ud, int64_t sent)
{
	struct upload_progress *p = ud;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((now.tv_sec - p->last.tv_sec) * 1000 + (now.tv_nsec - p->last.tv_nsec) / 1000000 < 100)
		return;
	p->last = now;
	fprintf(stderr, "\r\033[K%.12s: Pushing %.1fMB / %.1fMB", img_digest_hex(p->digest),
		(double)sent / 1e6, (double)p->size / 1e6);
}

static int upload(struct reg_client *c, struct img_store *s, const char *digest, bool tty,
		  lxr_err *err)
{
	struct upload_progress prog = {.digest = digest};
	_cleanup_free_ char *path = lxr_xasprintf("/v2/%s/blobs/uploads/", c->ref.repo);
	_cleanup_free_ char *url = NULL;
	_cleanup_close_ int fd = img_blob_open(s, digest, err);
	struct reg_resp r = {0};
	struct reg_body b = {.fd = -1};
	struct stat st;
	int ret = -1;

	if (fd < 0)
		return lxr_err_hint(err, "pull or load the image again to get its blobs back");
	if (fstat(fd, &st) < 0)
		return lxr_fail(err, errno, "stat blob %s", digest);
	if (reg_send(c, "POST", path, NULL, &b, &r, err) < 0)
		goto out;
	if (r.status != 202) {
		reg_http_error(c, "blob upload", &r, err);
		goto out;
	}
	url = r.location ? reg_url_with_query(c, r.location, "digest", digest) : NULL;
	if (!url) {
		lxr_fail(err, EPROTO, "%s/%s: upload of %s: unusable Location \"%s\"",
			 c->ref.registry, c->ref.repo, digest, r.location ? r.location : "");
		goto out;
	}
	b.fd = fd;
	b.size = prog.size = st.st_size;
	if (tty) {
		b.progress = show_upload;
		b.progress_ud = &prog;
	}
	if (reg_send(c, "PUT", NULL, url, &b, &r, err) < 0)
		goto out;
	if (r.status != 201) {
		reg_http_error(c, digest, &r, err);
		goto out;
	}
	ret = 0;
out:
	reg_resp_free(&r);
	return ret;
}

/* One blob: 1 when the registry had it, 0 when uploaded. */
static int push_blob(struct reg_client *c, struct img_store *s, const char *digest, bool tty,
		     lxr_err *err)
{
	_cleanup_free_ char *path = lxr_xasprintf("/v2/%s/blobs/%s", c->ref.repo, digest);
	struct reg_resp r = {0};
	long st;

	if (reg_send(c, "HEAD", path, NULL, NULL, &r, err) < 0)
		return -1;
	st = r.status;
	if (st != 200 && st != 404) {
		reg_http_error(c, digest, &r, err);
		reg_resp_free(&r);
		return -1;
	}
	reg_resp_free(&r);
	if (st == 200)
		return 1;
	return upload(c, s, digest, tty, err);
}

static int put_manifest(struct reg_client *c, const char *text, size_t len, const char *digest,
			lxr_err *err)
{
	_cleanup_free_ char *path = lxr_xasprintf("/v2/%s/manifests/%s", c->ref.repo, c->ref.tag);
	_cleanup_free_ char *mt = img_manifest_media_type(text, len);
	struct reg_body b = {.data = text, .len = len, .fd = -1, .content_type = mt};
	struct reg_resp r = {0};
	int ret = 0;

	if (reg_send(c, "PUT", path, NULL, &b, &r, err) < 0)
		return -1;
	if (r.status != 201)
		ret = reg_http_error(c, c->ref.tag, &r, err);
	else if (r.digest && img_digest_valid(r.digest))
		/* the registry names what it stored: it must be what was sent */
		ret = img_digest_check("pushed manifest", digest, r.digest, err);
	reg_resp_free(&r);
	return ret;
}

static int push_image(struct img_store *s, struct reg_client *c, const char *manifest,
		      const struct img_push_opts *o, lxr_err *err)
{
	_cleanup_free_ char *text = NULL;
	struct img_manifest m;
	size_t len;
	int r = 0;

	if (img_blob_read(s, manifest, &text, &len, err) < 0 ||
	    img_manifest_parse(text, len, &m, err) < 0)
		return -1;
	for (size_t i = 0; r >= 0 && i < m.n_layers; i++) {
		bool tty = o->progress_tty && !o->quiet;
		r = push_blob(c, s, m.layers[i].digest, tty, err);
		if (tty)
			fputs("\r\033[K", stderr);
		if (r >= 0 && !o->quiet)
			fprintf(stderr, "%.12s: %s\n", img_digest_hex(m.layers[i].digest),
				r ? "Layer already exists" : "Pushed");
	}
	if (r >= 0)
		r = push_blob(c, s, m.config_digest, false, err);
	img_manifest_free(&m);
	if (r < 0 || put_manifest(c, text, len, manifest, err) < 0)
		return -1;
	if (!o->quiet)
		fprintf(stderr, "%s: digest: %s size: %zu\n", c->ref.tag, manifest, len);
	return 0;
}

static int push_ref(struct img_store *s, const char *refstr, struct img_ref *ref,
		    const struct img_push_opts *o, lxr_err *err)
{
	_cleanup_free_ char *canon = img_ref_string(ref), *found = NULL;
	char manifest[IMG_DIGEST_LEN];
	struct reg_client c;
	int r;

	if (ref->digest)
		return lxr_fail(err, EINVAL, "a digest reference cannot be pushed"),
		       lxr_err_hint(err, "tag the image (lxr tag %s NAME:TAG) and push that",
				    refstr);
	if (img_store_find(s, canon, manifest, &found, err) < 0)
		return img_suggest_stored(s, refstr, err), -1;
	if (reg_open(ref, o->auth_file, &c, err) < 0)
		return -1;
	c.push = true;
	if (!o->quiet)
		fprintf(stderr, "The push refers to repository [%s/%s]\n", ref->registry,
			ref->repo);
	r = push_image(s, &c, manifest, o, err);
	reg_close(&c);
	return r;
}

int img_push(struct img_store *s, const char *refstr, const struct img_push_opts *o, lxr_err *err)
{
	struct img_ref ref;
	int r;

	if (img_ref_parse(refstr, &ref, err) < 0)
		return lxr_err_wrap(err, "push %s", refstr);
	/* shared gc lock: nothing is collected while its blobs are read */
	if (img_gc_lock_shared(s, err) < 0) {
		img_ref_free(&ref);
		return -1;
	}
	r = push_ref(s, refstr, &ref, o, err);
	img_ref_free(&ref);
	img_gc_unlock(s);
	return r < 0 ? lxr_err_wrap(err, "push %s", refstr) : 0;
}
