/* Registry credentials and tokens: docker-style auth.json lookups, the
 * auth dance the distribution spec describes (a 401 names a token realm;
 * the token comes from there, with basic credentials when lxr has some),
 * basic auth, and docker login's check. */
#define _GNU_SOURCE
#include <errno.h>
#include <nettle/base64.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "image/tools/registry.h"

const char *const reg_hub_keys[] = {"https://index.docker.io/v1/", "index.docker.io",
				    "registry-1.docker.io", "docker.io", NULL};

/* The auth files to look in, in order: the one named (--authfile,
 * $REGISTRY_AUTH_FILE), else docker's and podman's, each that exists (a
 * registry's entry is taken from the first that has one). *named: the
 * file was named, so that it is broken is an error. */
static char **auth_paths(const char *given, bool *named)
{
	const char *env = getenv("REGISTRY_AUTH_FILE");
	const char *home = getenv("HOME"), *xdg = getenv("XDG_RUNTIME_DIR");
	char **v = NULL;

	*named = given || (env && *env);
	if (*named) {
		lxr_strv_push(&v, lxr_xstrdup(given ? given : env));
		return v;
	}
	if (home)
		lxr_strv_push(&v, lxr_xasprintf("%s/.docker/config.json", home));
	if (xdg)
		lxr_strv_push(&v, lxr_xasprintf("%s/containers/auth.json", xdg));
	return v;
}

/* auths keys are a host, a URL, or for Docker Hub its historic v1 URL */
static json_t *auth_entry(json_t *auths, const char *registry)
{
	_cleanup_free_ char *https = lxr_xasprintf("https://%s", registry);
	_cleanup_free_ char *http = lxr_xasprintf("http://%s", registry);
	json_t *e;

	if ((e = json_object_get(auths, registry)) || (e = json_object_get(auths, https)) ||
	    (e = json_object_get(auths, http)))
		return e;
	if (!strcmp(registry, "docker.io"))
		for (size_t i = 0; reg_hub_keys[i]; i++)
			if ((e = json_object_get(auths, reg_hub_keys[i])))
				return e;
	return NULL;
}

static char *decode_basic(const char *b64)
{
	struct base64_decode_ctx ctx;
	size_t n = strlen(b64), len = 0;
	uint8_t *out = lxr_xcalloc(1, BASE64_DECODE_LENGTH(n) + 1);

	base64_decode_init(&ctx);
	if (!base64_decode_update(&ctx, &len, out, n, b64) || !base64_decode_final(&ctx) ||
	    !memchr(out, ':', len)) {
		free(out);
		return NULL;
	}
	out[len] = '\0';
	return (char *)out;
}

static int load_creds(struct reg_client *c, const char *given, lxr_err *err)
{
	bool named;
	_cleanup_strv_ char **paths = auth_paths(given, &named);

	for (size_t i = 0; paths && paths[i] && !c->basic; i++) {
		json_error_t je;
		json_t *j = json_load_file(paths[i], 0, &je), *e;
		const char *b64;

		if (!j) {
			struct stat st;
			/* not there, or empty (docker's {}): the next */
			if ((!named && je.line < 0) ||
			    (stat(paths[i], &st) == 0 && S_ISREG(st.st_mode) && !st.st_size))
				continue;
			return lxr_fail(err, EINVAL, "auth file %s: line %d: %s", paths[i], je.line,
					je.text);
		}
		e = auth_entry(json_object_get(j, "auths"), c->ref.registry);
		b64 = json_string_value(json_object_get(e, "auth"));
		if (b64 && *b64) {
			c->basic = decode_basic(b64);
			if (!c->basic) {
				json_decref(j);
				return lxr_fail(err, EINVAL,
						"auth file %s: the \"auth\" entry for %s is "
						"not base64 of user:password",
						paths[i], c->ref.registry);
			}
			c->auth_file = lxr_xstrdup(paths[i]);
		}
		json_decref(j);
	}
	return 0;
}

void reg_open_bare(const struct img_ref *ref, struct reg_client *c)
{
	static bool curl_ready;

	memset(c, 0, sizeof(*c));
	if (!curl_ready) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		curl_ready = true;
	}
	c->ref.registry = lxr_xstrdup(ref->registry);
	c->ref.repo = lxr_xstrdup(ref->repo);
	c->ref.tag = ref->tag ? lxr_xstrdup(ref->tag) : NULL;
	c->ref.digest = ref->digest ? lxr_xstrdup(ref->digest) : NULL;
	c->base = reg_base_url(ref->registry);
}

int reg_open(const struct img_ref *ref, const char *auth_file, struct reg_client *c, lxr_err *err)
{
	reg_open_bare(ref, c);
	if (load_creds(c, auth_file, err) < 0) {
		reg_close(c);
		return -1;
	}
	return 0;
}

void reg_close(struct reg_client *c)
{
	img_ref_free(&c->ref);
	free(c->base);
	if (c->basic)
		explicit_bzero(c->basic, strlen(c->basic));
	free(c->basic);
	free(c->auth);
	free(c->auth_file);
	memset(c, 0, sizeof(*c));
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

int reg_authenticate(struct reg_client *c, const struct reg_resp *r, lxr_err *err)
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

/* scope NULL: none (a login's token asks for no repository) */
static char *token_url(const char *www, const char *default_scope)
{
	_cleanup_free_ char *realm = reg_auth_param(www, "realm");
	_cleanup_free_ char *service = reg_auth_param(www, "service");
	_cleanup_free_ char *scope = reg_auth_param(www, "scope");
	CURLU *u;
	char *url = NULL;

	if (!realm)
		return NULL;
	u = curl_url();
	if (curl_url_set(u, CURLUPART_URL, realm, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return NULL;
	}
	if (service) {
		_cleanup_free_ char *q = lxr_xasprintf("service=%s", service);
		curl_url_set(u, CURLUPART_QUERY, q, CURLU_APPENDQUERY | CURLU_URLENCODE);
	}
	if (scope || default_scope) {
		_cleanup_free_ char *q = lxr_xasprintf("scope=%s", scope ? scope : default_scope);
		curl_url_set(u, CURLUPART_QUERY, q, CURLU_APPENDQUERY | CURLU_URLENCODE);
	}
	curl_url_get(u, CURLUPART_URL, &url, 0);
	curl_url_cleanup(u);
	return url;
}

int reg_token(struct reg_client *c, const char *www, lxr_err *err)
{
	_cleanup_free_ char *scope =
	    lxr_xasprintf("repository:%s:%s", c->ref.repo, c->push ? "pull,push" : "pull");
	char *url = token_url(www, scope);
	struct reg_resp r = {0};
	json_t *j;
	const char *tok;

	if (!url)
		return lxr_fail(err, EPROTO, "%s: unusable WWW-Authenticate \"%s\"", c->base, www);
	if (reg_fetch(c, url, NULL, c->basic, &r, err) < 0) {
		curl_free(url);
		return -1;
	}
	curl_free(url);
	if (r.status != 200) {
		long st = r.status;
		reg_resp_free(&r);
		return lxr_fail(err, EACCES, "%s: token request refused (HTTP %ld)", c->base, st),
		       lxr_err_hint(err, "check the credentials for %s in %s", c->ref.registry,
				    c->auth_file ? c->auth_file : "~/.docker/config.json");
	}
	j = json_loadb(r.body, r.len, 0, NULL);
	reg_resp_free(&r);
	tok = json_string_value(json_object_get(j, "token"));
	if (!tok)
		tok = json_string_value(json_object_get(j, "access_token"));
	if (tok) {
		free(c->auth);
		c->auth = lxr_xasprintf("Authorization: Bearer %s", tok);
	}
	json_decref(j);
	return tok ? 0 : lxr_fail(err, EPROTO, "%s: token response without a token", c->base);
}

/* What docker login asks of a registry: /v2/ answers 200 without
 * credentials (nothing to check), or with them as HTTP basic auth, or its
 * token service gives a token for them. */
int reg_login_check(struct reg_client *c, const char *user, const char *basic, lxr_err *err)
{
	_cleanup_free_ char *v2 = lxr_xasprintf("%s/v2/", c->base);
	struct reg_resp r = {0};
	long st;

	if (reg_fetch(c, v2, NULL, NULL, &r, err) < 0)
		return -1;
	if (r.status == 401 && r.www_auth && !strncasecmp(r.www_auth, "Bearer", 6)) {
		char *url = token_url(r.www_auth, NULL);
		_cleanup_free_ char *q = lxr_xasprintf("account=%s", user);
		CURLU *u = curl_url();

		if (!url) {
			lxr_fail(err, EPROTO, "%s: unusable WWW-Authenticate \"%s\"", c->base,
				 r.www_auth);
			reg_resp_free(&r);
			curl_url_cleanup(u);
			return -1;
		}
		/* account= as docker sends it: some token services want it */
		curl_url_set(u, CURLUPART_URL, url, 0);
		curl_free(url);
		curl_url_set(u, CURLUPART_QUERY, q, CURLU_APPENDQUERY | CURLU_URLENCODE);
		curl_url_get(u, CURLUPART_URL, &url, 0);
		curl_url_cleanup(u);
		reg_resp_free(&r);
		if (reg_fetch(c, url, NULL, basic, &r, err) < 0) {
			curl_free(url);
			return -1;
		}
		curl_free(url);
	} else if (r.status == 401) {
		reg_resp_free(&r);
		if (reg_fetch(c, v2, NULL, basic, &r, err) < 0)
			return -1;
	}
	st = r.status;
	reg_resp_free(&r);
	if (st == 200)
		return 0;
	if (st == 401 || st == 403)
		return lxr_fail(err, EACCES,
				"%s: unauthorized: user \"%s\" or its password refused "
				"(HTTP %ld)",
				c->ref.registry, user, st),
		       lxr_err_hint(err, "check the user name and password (or access token)");
	return lxr_fail(err, EPROTO, "%s: /v2/ answered HTTP %ld", c->base, st),
	       lxr_err_hint(err, "is %s a container registry?", c->ref.registry);
}
