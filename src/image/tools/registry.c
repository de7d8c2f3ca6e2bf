/* Talking to a registry: plain HTTPS requests with libcurl, and the auth
 * dance the distribution spec describes (a 401 names a token realm; the
 * token comes from there, with basic credentials when lxr has some). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <nettle/base64.h>

#include "image/tools/registry.h"

#define MAX_DOC (8u << 20)

/* localhost, 127.0.0.0/8 or [::1], each with any port: whole hosts, not
 * prefixes (localhost.example.com and 127.0.0.1.example.com are remote) */
static bool is_local(const char *registry)
{
	char host[256];
	size_t n = strcspn(registry, ":");
	struct in_addr a;

	if (lxr_str_has_prefix(registry, "[::1]"))
		return registry[5] == '\0' || registry[5] == ':';
	if (n >= sizeof(host))
		return false;
	memcpy(host, registry, n);
	host[n] = '\0';
	return !strcmp(host, "localhost") ||
	       (inet_pton(AF_INET, host, &a) == 1 && ntohl(a.s_addr) >> 24 == 127);
}

char *reg_base_url(const char *registry)
{
	/* Docker Hub's API is not at docker.io */
	if (!strcmp(registry, "docker.io"))
		return lxr_xstrdup("https://registry-1.docker.io");
	/* plain HTTP only where nothing crosses a network */
	return lxr_xasprintf("%s://%s", is_local(registry) ? "http" : "https", registry);
}

int reg_http_error(struct reg_client *c, const char *what, const struct reg_resp *r, lxr_err *err)
{
	if (r->status == 404)
		return lxr_fail(err, ENOENT, "%s/%s: %s not found (HTTP 404)", c->ref.registry,
				c->ref.repo, what),
		       lxr_err_hint(err, "check the name and tag");
	if (r->status == 401 || r->status == 403)
		return lxr_fail(err, EACCES, "%s/%s: %s: access denied (HTTP %ld)", c->ref.registry,
				c->ref.repo, what, r->status),
		       lxr_err_hint(err, "log in: put credentials for %s in ~/.docker/config.json",
				    c->ref.registry);
	return lxr_fail(err, EPROTO, "%s/%s: %s: HTTP %ld", c->ref.registry, c->ref.repo, what,
			r->status);
}

void reg_resp_free(struct reg_resp *r)
{
	free(r->body);
	free(r->content_type);
	free(r->digest);
	free(r->www_auth);
	free(r->location);
	memset(r, 0, sizeof(*r));
}

static size_t body_cb(char *p, size_t sz, size_t n, void *ud)
{
	struct reg_resp *r = ud;
	size_t len = sz * n;

	if (r->len + len > MAX_DOC)
		return 0;
	r->body = lxr_xrealloc(r->body, r->len + len + 1);
	memcpy(r->body + r->len, p, len);
	r->len += len;
	r->body[r->len] = '\0';
	return len;
}

static char *header_value(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);
	const char *v;

	if (len <= n || strncasecmp(line, name, n) || line[n] != ':')
		return NULL;
	v = line + n + 1;
	while (v < line + len && isspace((unsigned char)*v))
		v++;
	while (len > 0 && isspace((unsigned char)line[len - 1]))
		len--;
	return lxr_xstrndup(v, (size_t)(line + len - v));
}

static size_t header_cb(char *p, size_t sz, size_t n, void *ud)
{
	struct reg_resp *r = ud;
	size_t len = sz * n;
	char *v;

	/* a new status line (after a redirect) starts a new header set */
	if (len > 5 && !strncmp(p, "HTTP/", 5)) {
		free(r->www_auth);
		r->www_auth = NULL;
		free(r->location);
		r->location = NULL;
	}
	if ((v = header_value(p, len, "Content-Type"))) {
		free(r->content_type);
		r->content_type = v;
	} else if ((v = header_value(p, len, "Docker-Content-Digest"))) {
		free(r->digest);
		r->digest = v;
	} else if ((v = header_value(p, len, "WWW-Authenticate"))) {
		free(r->www_auth);
		r->www_auth = v;
	} else if ((v = header_value(p, len, "Location"))) {
		free(r->location);
		r->location = v;
	}
	return len;
}

CURL *reg_easy(struct reg_client *c, const char *url, struct curl_slist **hdrs)
{
	CURL *h = curl_easy_init();

	if (!h)
		abort();
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
	/* never downgrade: a redirect may go to HTTPS storage, not to HTTP */
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR,
			 lxr_str_has_prefix(c->base, "http://") ? "http,https" : "https");
	curl_easy_setopt(h, CURLOPT_USERAGENT,
			 "lxr/"
			 "0.1");
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	/* a stalled transfer (under 1 byte/s for 60 s) is an error, not a hang */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	if (c->auth)
		*hdrs = curl_slist_append(*hdrs, c->auth);
	return h;
}

int reg_fetch(struct reg_client *c, const char *url, const char *accept, const char *basic,
	      struct reg_resp *r, lxr_err *err)
{
	struct curl_slist *hdrs = NULL;
	CURL *h;
	CURLcode cr;
	char ebuf[CURL_ERROR_SIZE] = "";

	reg_resp_free(r);
	h = reg_easy(c, url, &hdrs);
	if (accept)
		hdrs = curl_slist_append(hdrs, accept);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	if (basic) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERPWD, basic);
	}
	cr = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	if (cr != CURLE_OK)
		return lxr_fail(err, ECOMM, "GET %s: %s", url,
				ebuf[0] ? ebuf : curl_easy_strerror(cr));
	if (!r->body)
		r->body = lxr_xstrdup("");
	return 0;
}

char *reg_auth_param(const char *h, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = h; (p = strcasestr(p, key)); p += kl) {
		const char *end;
		if ((p != h && !strchr(" ,", p[-1])) || p[kl] != '=')
			continue;
		p += kl + 1;
		if (*p == '"') {
			end = strchr(++p, '"');
			return end ? lxr_xstrndup(p, (size_t)(end - p)) : NULL;
		}
		end = p + strcspn(p, ", ");
		return lxr_xstrndup(p, (size_t)(end - p));
	}
	return NULL;
}

static int authenticate(struct reg_client *c, const struct reg_resp *r, lxr_err *err)
{
	const char *www = r->www_auth ? r->www_auth : "";

	if (!strncasecmp(www, "Bearer", 6))
		return reg_token(c, www, err);
	if (!strncasecmp(www, "Basic", 5) && c->basic) {
		size_t n = strlen(c->basic);
		_cleanup_free_ char *b64 = lxr_xcalloc(1, BASE64_ENCODE_RAW_LENGTH(n) + 1);
		base64_encode_raw(b64, n, (const uint8_t *)c->basic);
		free(c->auth);
		c->auth = lxr_xasprintf("Authorization: Basic %s", b64);
		return 0;
	}
	return lxr_fail(err, EACCES, "%s: authentication required", c->base),
	       lxr_err_hint(err,
			    "put credentials for %s in ~/.docker/config.json or the file "
			    "$REGISTRY_AUTH_FILE names",
			    c->ref.registry);
}

int reg_get(struct reg_client *c, const char *path, const char *accept, struct reg_resp *r,
	    lxr_err *err)
{
	_cleanup_free_ char *url = lxr_xasprintf("%s%s", c->base, path);

	if (reg_fetch(c, url, accept, NULL, r, err) < 0)
		return -1;
	if (r->status == 401) {
		if (authenticate(c, r, err) < 0 || reg_fetch(c, url, accept, NULL, r, err) < 0)
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
	CURLcode cr;
	char ebuf[CURL_ERROR_SIZE] = "";

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
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	cr = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	if (cr != CURLE_OK)
		return lxr_fail(err, ECOMM, "%s %s: %s", method, url,
				ebuf[0] ? ebuf : curl_easy_strerror(cr));
	if (!r->body)
		r->body = lxr_xstrdup("");
	return 0;
}

int reg_send(struct reg_client *c, const char *method, const char *path, const char *url,
	     const struct reg_body *body, struct reg_resp *r, lxr_err *err)
{
	_cleanup_free_ char *full = path ? lxr_xasprintf("%s%s", c->base, path) : lxr_xstrdup(url);

	if (send_once(c, method, full, body, r, err) < 0)
		return -1;
	if (r->status == 401) {
		if (authenticate(c, r, err) < 0 || send_once(c, method, full, body, r, err) < 0)
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
