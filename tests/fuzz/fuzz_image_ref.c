/* libFuzzer target for the names an image comes with: a reference
 * ([registry/]path[:tag][@digest], from a stack file, the command line, or
 * the RepoTags and annotations of an archive `lxr load` reads:
 * img_ref_parse), the registry URL lxr derives from it (reg_base_url), and
 * a registry's WWW-Authenticate challenge (reg_auth_param). Besides the
 * sanitizers it checks that a reference's canonical form reads back as
 * itself, that the registry is a host[:port] as docker's grammar has it
 * (nothing that would change the URL built from it), that plain HTTP is
 * used for loopback registries only, and that a challenge parameter is
 * taken from the challenge. Seeds: tests/fuzz/corpus/image_ref/. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/tools/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_image_ref: %s\n", what);
		abort();
	}
}

/* docker's domain (distribution/reference): components of [A-Za-z0-9-]
 * (no '-' at either end) joined by '.', or [IPv6] of hex digits and ':';
 * then an optional :port */
static bool valid_domain(const char *s)
{
	const char *port;

	if (*s == '[') {
		size_t n = strspn(s + 1, "0123456789abcdefABCDEF:");
		if (!n || s[1 + n] != ']')
			return false;
		port = s + 2 + n;
	} else {
		size_t n = strcspn(s, ":");
		for (size_t i = 0, start = 0; i <= n; i++) {
			if (i < n && s[i] != '.') {
				if (!isalnum((unsigned char)s[i]) && s[i] != '-')
					return false;
				continue;
			}
			if (i == start || s[start] == '-' || s[i - 1] == '-')
				return false;
			start = i + 1;
		}
		port = s + n;
	}
	if (!*port)
		return true;
	if (*port != ':' || !port[1])
		return false;
	for (const char *p = port + 1; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

/* localhost, 127.0.0.0/8 or [::1], with any port */
static bool loopback(const char *registry)
{
	char host[256];
	struct in_addr a4;

	if (!strncmp(registry, "[::1]", 5))
		return registry[5] == '\0' || registry[5] == ':';
	snprintf(host, sizeof(host), "%.*s", (int)strcspn(registry, ":"), registry);
	if (!strcmp(host, "localhost"))
		return true;
	return inet_pton(AF_INET, host, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

static void fuzz_ref(const char *s)
{
	struct img_ref r, back;
	char *canon, *again, *base;
	lxr_err err;

	if (img_ref_parse(s, &r, &err) < 0) {
		check(err.msg[0] != '\0', "a reference refused without a reason");
		return;
	}
	check(r.registry && *r.registry && r.repo && *r.repo, "no registry or repository");
	check(r.tag || r.digest, "neither tag nor digest");
	check(!r.digest || img_digest_valid(r.digest), "a digest that is no sha256 digest");
	check(valid_domain(r.registry), "a registry that is no host[:port]");
	base = reg_base_url(r.registry);
	check(lxr_str_has_prefix(base, "https://") ||
		  (lxr_str_has_prefix(base, "http://") && loopback(r.registry)),
	      "plain HTTP to a registry that is not on this host");
	free(base);
	canon = img_ref_string(&r);
	check(img_ref_parse(canon, &back, &err) == 0, "the canonical name does not parse");
	again = img_ref_string(&back);
	check(!strcmp(canon, again), "the canonical name reads back as another");
	free(again);
	free(canon);
	img_ref_free(&back);
	img_ref_free(&r);
}

static void fuzz_challenge(const char *h)
{
	static const char *const keys[] = {"realm", "service", "scope", "error"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char *v = reg_auth_param(h, keys[i]);
		check(!v || strstr(h, v), "a challenge parameter not in the challenge");
		free(v);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = lxr_xstrndup((const char *)data, size);

	fuzz_ref(s);
	fuzz_challenge(s);
	free(s);
	return 0;
}
