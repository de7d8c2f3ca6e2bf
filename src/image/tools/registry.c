/* A registry's API: GET of a document, and the requests a push sends
 * (HEAD, POST, PUT with a body), each authenticated again on a 401
 * (registry_auth.c) and made by registry_http.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "image/tools/registry.h"

int reg_get(struct reg_client *c, const char *path, const char *accept, struct reg_resp *r,
	    lxr_err *err)
{
	_cleanup_free_ char *url = lxr_xasprintf("%s%s", c->base, path);

	if (reg_fetch(c, url, accept, NULL, r, err) < 0)
		return -1;
	if (r->status == 401) {
		if (reg_authenticate(c, r, err) < 0 || reg_fetch(c, url, accept, NULL, r, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- requests that send (push) ------------------------------------------------ */

struct body_reader {
	const struct reg_body *b;
	size_t off;
};

static size_t read_cb(char *p, size_t sz, size_t n, void *ud)
{
	struct body_reader *br = ud;
	size_t want = sz * n;
	ssize_t got;

	if (br->b->fd < 0) {
		if (want > br->b->len - br->off)
			want = br->b->len - br->off;
		memcpy(p, br->b->data + br->off, want);
		br->off += want;
		return want;
	}
	do
		got = read(br->b->fd, p, want);
	while (got < 0 && errno == EINTR);
	return got < 0 ? CURL_READFUNC_ABORT : (size_t)got;
}

static int xfer_cb(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		   curl_off_t ulnow)
{
	const struct reg_body *b = ud;

	(void)dltotal, (void)dlnow, (void)ultotal;
	b->progress(b->progress_ud, (int64_t)ulnow);
	return 0;
}

/* The registry's own scheme://host[:port]: credentials go there only, not
 * to a storage backend an upload Location may name. */
static bool same_origin(const struct reg_client *c, const char *url)
{
	size_t n = strlen(c->base);

	return !strncmp(url, c->base, n) && (url[n] == '/' || url[n] == '\0' || url[n] == '?');
}

static int send_once(struct reg_client *c, const char *method, const char *url,
		     const struct reg_body *body, struct reg_resp *r, lxr_err *err)
{
	struct body_reader br = {.b = body};
	struct curl_slist *hdrs = NULL;
	char *auth = c->auth;
	CURL *h;

	reg_resp_free(r);
	if (body && body->fd >= 0 && lseek(body->fd, 0, SEEK_SET) < 0)
		return lxr_fail(err, errno, "%s %s: rewind the blob", method, url);
	if (!same_origin(c, url))
		c->auth = NULL;
	h = reg_easy(c, url, &hdrs);
	c->auth = auth;
	/* no 100-continue round trip before each blob */
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (!strcmp(method, "HEAD")) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else {
		_cleanup_free_ char *ct = lxr_xasprintf(
		    "Content-Type: %s",
		    body && body->content_type ? body->content_type : "application/octet-stream");
		curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
		hdrs = curl_slist_append(hdrs, ct);
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(h, CURLOPT_READDATA, &br);
		if (body && body->progress) {
			curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
			curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, xfer_cb);
			curl_easy_setopt(h, CURLOPT_XFERINFODATA, body);
		}
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE,
				 (curl_off_t)(!body           ? 0
					      : body->fd >= 0 ? body->size
							      : (int64_t)body->len));
	}
	return reg_perform(h, hdrs, method, url, r, err);
}

int reg_send(struct reg_client *c, const char *method, const char *path, const char *url,
	     const struct reg_body *body, struct reg_resp *r, lxr_err *err)
{
	_cleanup_free_ char *full = path ? lxr_xasprintf("%s%s", c->base, path) : lxr_xstrdup(url);

	if (send_once(c, method, full, body, r, err) < 0)
		return -1;
	if (r->status == 401) {
		if (reg_authenticate(c, r, err) < 0 || send_once(c, method, full, body, r, err) < 0)
			return -1;
	}
	return 0;
}

char *reg_url_with_query(struct reg_client *c, const char *location, const char *key,
			 const char *value)
{
	_cleanup_free_ char *q = lxr_xasprintf("%s=%s", key, value);
	CURLU *u = curl_url();
	char *url = NULL, *out = NULL;

	/* a relative Location resolves against the registry's base */
	if (curl_url_set(u, CURLUPART_URL, c->base, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, location, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_QUERY, q, CURLU_APPENDQUERY | CURLU_URLENCODE) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &url, 0) == CURLUE_OK &&
	    /* a blob goes over HTTPS when the registry is HTTPS: never downgraded */
	    (lxr_str_has_prefix(url, "https://") ||
	     (lxr_str_has_prefix(url, "http://") && lxr_str_has_prefix(c->base, "http://"))))
		out = lxr_xstrdup(url);
	curl_free(url);
	curl_url_cleanup(u);
	return out;
}
