/* An OCI distribution (v2) registry client over libcurl: requests, the
 * bearer-token and basic auth flows, credentials from auth.json. */
#ifndef LXR_IMAGE_REGISTRY_H
#define LXR_IMAGE_REGISTRY_H

#include <curl/curl.h>

#include "image/tools/tools.h"

struct reg_client {
	struct img_ref ref;
	char *base;      /* "https://registry-1.docker.io", "http://localhost:5000" */
	char *basic;     /* "user:password" from auth.json, or NULL */
	char *auth;      /* "Authorization: ..." once the registry asked for it */
	char *auth_file; /* where credentials came from, for messages */
	bool push;       /* a token asks for push as well as pull */
};

struct reg_resp {
	long status;
	char *body;
	size_t len;
	char *content_type;
	char *digest; /* Docker-Content-Digest */
	char *www_auth;
	char *location; /* Location (an upload's URL) */
};

/* Where the registry for ref is and what credentials lxr has for it. */
int reg_open(const struct img_ref *ref, const char *auth_file, struct reg_client *c, lxr_err *err);
/* The same without credentials (a login brings its own). */
void reg_open_bare(const struct img_ref *ref, struct reg_client *c);
void reg_close(struct reg_client *c);
/* GET base + path into memory (up to 8 MiB), authenticating on a 401 and
 * retrying once. accept may be NULL. */
int reg_get(struct reg_client *c, const char *path, const char *accept, struct reg_resp *r,
	    lxr_err *err);
void reg_resp_free(struct reg_resp *r);
/* An error for an unexpected status: 404 not found, 401/403 access denied
 * (with where credentials go), else the status. what: the object asked for. */
int reg_http_error(struct reg_client *c, const char *what, const struct reg_resp *r, lxr_err *err);
/* An easy handle with lxr's common settings and the auth header for a
 * blob download (the caller adds its own headers to *hdrs). */
CURL *reg_easy(struct reg_client *c, const char *url, struct curl_slist **hdrs);
/* Perform h with headers hdrs (both freed) into r: its status, body and
 * the headers lxr reads; method and url name it in errors. */
int reg_perform(CURL *h, struct curl_slist *hdrs, const char *method, const char *url,
		struct reg_resp *r, lxr_err *err);

/* What a request sends: data (len bytes) or, when fd >= 0, size bytes read
 * from fd's start. */
struct reg_body {
	const char *data;
	size_t len;
	int fd;
	int64_t size;
	const char *content_type; /* NULL: application/octet-stream */
	/* called as the body goes out (bytes sent so far), when set */
	void (*progress)(void *ud, int64_t sent);
	void *progress_ud;
};
/* method (HEAD, POST, PUT) on base + path, or on url when path is NULL
 * (an upload Location, already absolute), with body (NULL: none);
 * authenticating on a 401 and trying once more. Redirects are followed
 * for HEAD only. The Authorization header goes only to the registry's own
 * origin. */
int reg_send(struct reg_client *c, const char *method, const char *path, const char *url,
	     const struct reg_body *body, struct reg_resp *r, lxr_err *err);
/* An upload Location (absolute or relative to base) with query key=value
 * appended; NULL when it is not a URL. */
char *reg_url_with_query(struct reg_client *c, const char *location, const char *key,
			 const char *value);

/* One GET of an absolute URL (basic: "user:password" for the token
 * endpoint, or NULL). */
int reg_fetch(struct reg_client *c, const char *url, const char *accept, const char *basic,
	      struct reg_resp *r, lxr_err *err);
/* Credentials for the challenge of a 401 (r): a bearer token, or basic
 * auth when the registry asks for it and lxr has some. */
int reg_authenticate(struct reg_client *c, const struct reg_resp *r, lxr_err *err);
/* Get a bearer token as the WWW-Authenticate challenge www says. */
int reg_token(struct reg_client *c, const char *www, lxr_err *err);

/* docker login's check of user and basic ("user:password") against the
 * registry of c (reg_open of a reference on it): 0 when the registry takes
 * them, or needs none. */
int reg_login_check(struct reg_client *c, const char *user, const char *basic, lxr_err *err);

/* Docker Hub's keys in an auth file's "auths": its v1 URL, its hosts */
extern const char *const reg_hub_keys[];

/* Parse `Bearer realm="...",service="...",scope="..."`: value of key, or
 * NULL. Exposed for the unit test. */
char *reg_auth_param(const char *header, const char *key);
/* "https://host" or "http://localhost:port" for a registry host. */
char *reg_base_url(const char *registry);

#endif
