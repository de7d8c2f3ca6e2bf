/* Image references, read the way docker reads them (distribution/reference):
 * [registry/]path[:tag][@sha256:hex], with docker.io and library/ implied. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "image/image_internal.h"

static const char default_registry[] = "docker.io";

/* A path component: lowercase alphanumerics separated by '.', '_', '__' or
 * runs of '-' (the distribution spec's grammar, simplified to its effect). */
static bool valid_component(const char *s, size_t n)
{
	if (!n || (!islower((unsigned char)s[0]) && !isdigit((unsigned char)s[0])))
		return false;
	if (!islower((unsigned char)s[n - 1]) && !isdigit((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) &&
		    !strchr("._-", s[i]))
			return false;
	return true;
}

static bool valid_tag(const char *t)
{
	size_t n = strlen(t);

	if (!n || n > 128 || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && !strchr("_.-", t[i]))
			return false;
	return true;
}

/* docker's domain: components of letters, digits and '-' (not at either
 * end) joined by '.', or a bracketed IPv6 address, then an optional :port.
 * The registry becomes the host of a URL: anything else ('#', '?', '%',
 * an empty component) would change where the request goes. */
static bool valid_registry(const char *s, size_t n)
{
	size_t i = 0, host;

	if (s[0] == '[') {
		while (++i < n && (isxdigit((unsigned char)s[i]) || s[i] == ':'))
			;
		if (i == 1 || i == n || s[i] != ']')
			return false;
		host = ++i;
	} else {
		for (size_t start = 0;; i++) {
			if (i < n && (isalnum((unsigned char)s[i]) || s[i] == '-'))
				continue;
			if (i == start || s[start] == '-' || s[i - 1] == '-')
				return false;
			if (i == n || s[i] != '.')
				break;
			start = i + 1;
		}
		host = i;
	}
	if (host == n)
		return true;
	if (s[host] != ':' || host + 1 == n)
		return false;
	for (i = host + 1; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static bool looks_like_registry(const char *s, size_t n)
{
	return memchr(s, '.', n) || memchr(s, ':', n) || (n == 9 && !strncmp(s, "localhost", 9)) ||
	       memchr(s, '[', n);
}

static int split_registry(struct img_ref *r, const char *name, lxr_err *err)
{
	const char *slash = strchr(name, '/');

	if (slash && looks_like_registry(name, (size_t)(slash - name))) {
		if (!valid_registry(name, (size_t)(slash - name)))
			return lxr_fail(err, EINVAL, "\"%.*s\": not a registry host[:port]",
					(int)(slash - name), name);
		r->registry = lxr_xstrndup(name, (size_t)(slash - name));
		name = slash + 1;
	} else {
		r->registry = lxr_xstrdup(default_registry);
	}
	if (!strcmp(r->registry, "index.docker.io") ||
	    !strcmp(r->registry, "registry-1.docker.io")) {
		free(r->registry);
		r->registry = lxr_xstrdup(default_registry);
	}
	for (const char *p = name;;) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (!valid_component(p, n))
			return lxr_fail(err, EINVAL,
					"\"%.*s\": not a valid repository name component", (int)n,
					p);
		if (!e)
			break;
		p = e + 1;
	}
	if (!strcmp(r->registry, default_registry) && !strchr(name, '/'))
		r->repo = lxr_xasprintf("library/%s", name);
	else
		r->repo = lxr_xstrdup(name);
	return 0;
}

static int parse_into(struct img_ref *r, const char *s, lxr_err *err)
{
	_cleanup_free_ char *copy = lxr_xstrdup(s);
	char *at = strchr(copy, '@'), *colon, *slash;

	if (!*s || strlen(s) > 4096)
		return lxr_fail(err, EINVAL, "empty or overlong reference");
	if (at) {
		*at++ = '\0';
		if (!img_digest_valid(at))
			return lxr_fail(err, EINVAL, "\"%s\": not a sha256 digest", at),
			       lxr_err_hint(err, "write name@sha256:<64 hex digits>");
		r->digest = lxr_xstrdup(at);
	}
	/* a ':' after the last '/' starts the tag; before it, it is a port */
	slash = strrchr(copy, '/');
	colon = strrchr(slash ? slash : copy, ':');
	if (colon) {
		*colon++ = '\0';
		if (!valid_tag(colon))
			return lxr_fail(err, EINVAL, "\"%s\": not a valid tag", colon),
			       lxr_err_hint(err, "a tag is up to 128 of [A-Za-z0-9_.-], not "
						 "starting with '.' or '-'");
		r->tag = lxr_xstrdup(colon);
	} else if (!r->digest) {
		r->tag = lxr_xstrdup("latest");
	}
	if (split_registry(r, copy, err) < 0)
		return -1;
	/* docker's limit, on the name as it reads it back (registry and
	 * library/ added): what lxr prints must parse again */
	if (strlen(r->registry) + 1 + strlen(r->repo) > 255)
		return lxr_fail(err, ENAMETOOLONG,
				"repository name must not be more than 255 "
				"characters");
	return 0;
}

int img_ref_parse(const char *s, struct img_ref *out, lxr_err *err)
{
	memset(out, 0, sizeof(*out));
	if (parse_into(out, s, err) < 0) {
		img_ref_free(out);
		return lxr_err_wrap(err, "image reference \"%s\"", s);
	}
	return 0;
}

char *img_ref_repo_string(const struct img_ref *r)
{
	return lxr_xasprintf("%s/%s", r->registry, r->repo);
}

char *img_ref_string(const struct img_ref *r)
{
	if (r->digest)
		return lxr_xasprintf("%s/%s@%s", r->registry, r->repo, r->digest);
	return lxr_xasprintf("%s/%s:%s", r->registry, r->repo, r->tag);
}

void img_ref_free(struct img_ref *r)
{
	free(r->registry);
	free(r->repo);
	free(r->tag);
	free(r->digest);
	memset(r, 0, sizeof(*r));
}
