/* One HTTP exchange with a registry over libcurl: where the registry is
 * (plain HTTP only on this machine), an easy handle with lxr's settings,
 * the response's body (bounded) and the headers the API reads. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

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
	/* a registry names URLs itself (a token realm, an upload location):
	 * HTTP only, as Go's client takes, never gopher://, file://, ... */
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
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

int reg_perform(CURL *h, struct curl_slist *hdrs, const char *method, const char *url,
		struct reg_resp *r, lxr_err *err)
{
	char ebuf[CURL_ERROR_SIZE] = "";
	CURLcode cr;

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

int reg_fetch(struct reg_client *c, const char *url, const char *accept, const char *basic,
	      struct reg_resp *r, lxr_err *err)
{
	struct curl_slist *hdrs = NULL;
	CURL *h;

	reg_resp_free(r);
	h = reg_easy(c, url, &hdrs);
	if (accept)
		hdrs = curl_slist_append(hdrs, accept);
	if (basic) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERPWD, basic);
	}
	return reg_perform(h, hdrs, "GET", url, r, err);
}
