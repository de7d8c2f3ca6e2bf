/* Image references, docker's process rules, platform choice, auth headers. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "image/image_internal.h"
#include "image/tools/registry.h"
#include "lxr/image_tools.h"

static void expect_ref(const char *in, const char *reg, const char *repo, const char *tag,
		       const char *digest, const char *canon)
{
	struct img_ref r;
	lxr_err err;
	char *s;

	if (img_ref_parse(in, &r, &err) < 0)
		fail_msg("%s: %s", in, err.msg);
	assert_string_equal(r.registry, reg);
	assert_string_equal(r.repo, repo);
	if (tag)
		assert_string_equal(r.tag, tag);
	else
		assert_null(r.tag);
	if (digest)
		assert_string_equal(r.digest, digest);
	else
		assert_null(r.digest);
	s = img_ref_string(&r);
	assert_string_equal(s, canon);
	free(s);
	img_ref_free(&r);
}

#define D "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void docker_defaults(void **state)
{
	expect_ref("nginx", "docker.io", "library/nginx", "latest", NULL,
		   "docker.io/library/nginx:latest");
	expect_ref("nginx:1.27-alpine", "docker.io", "library/nginx", "1.27-alpine", NULL,
		   "docker.io/library/nginx:1.27-alpine");
	expect_ref("bitnami/redis", "docker.io", "bitnami/redis", "latest", NULL,
		   "docker.io/bitnami/redis:latest");
	expect_ref("docker.io/nginx", "docker.io", "library/nginx", "latest", NULL,
		   "docker.io/library/nginx:latest");
	expect_ref("index.docker.io/library/nginx:1", "docker.io", "library/nginx", "1", NULL,
		   "docker.io/library/nginx:1");
}

static void registries_and_digests(void **state)
{
	expect_ref("localhost:5000/busybox:1", "localhost:5000", "busybox", "1", NULL,
		   "localhost:5000/busybox:1");
	expect_ref("localhost/app", "localhost", "app", "latest", NULL, "localhost/app:latest");
	expect_ref("127.0.0.1:5000/a/b/c", "127.0.0.1:5000", "a/b/c", "latest", NULL,
		   "127.0.0.1:5000/a/b/c:latest");
	expect_ref("ghcr.io/org/app:v2", "ghcr.io", "org/app", "v2", NULL, "ghcr.io/org/app:v2");
	expect_ref("nginx@" D, "docker.io", "library/nginx", NULL, D, "docker.io/library/nginx@" D);
	expect_ref("quay.io/x/y:1.0@" D, "quay.io", "x/y", "1.0", D, "quay.io/x/y@" D);
	expect_ref("[::1]:5000/app", "[::1]:5000", "app", "latest", NULL, "[::1]:5000/app:latest");
	expect_ref("my-registry.Example.com:443/a", "my-registry.Example.com:443", "a", "latest",
		   NULL, "my-registry.Example.com:443/a:latest");
}

/* The registry is the host of every URL lxr builds for the image: only
 * docker's host[:port] grammar gets there (fuzz_image_ref found "a..b"
 * and friends accepted as they were). */
static void registry_must_be_a_host(void **state)
{
	const char *bad[] = {"a..b/c",       "evil.com#x/app", "evil.com?q=1/app", "host:/app",
			     "host:80x/app", "-a.com/app",     "a-.com/app",       "[zz]/app",
			     "[::1/app",     "a.com%2f/app",   "[]:5000/app",      NULL};
	struct img_ref r;
	lxr_err err;

	for (size_t i = 0; bad[i]; i++) {
		if (img_ref_parse(bad[i], &r, &err) == 0)
			fail_msg("\"%s\" was accepted (registry \"%s\")", bad[i], r.registry);
		assert_non_null(strstr(err.msg, "not a registry host[:port]"));
	}
}

/* Plain HTTP is for a registry on this host, never for a host whose name
 * merely starts like one (fuzz_image_ref found "127.library"). */
static void plain_http_only_on_loopback(void **state)
{
	static const struct {
		const char *registry, *url;
	} cases[] = {
	    {"localhost", "http://localhost"},
	    {"localhost:5000", "http://localhost:5000"},
	    {"127.0.0.1:5000", "http://127.0.0.1:5000"},
	    {"127.8.9.10", "http://127.8.9.10"},
	    {"[::1]:5000", "http://[::1]:5000"},
	    {"localhost.example.com", "https://localhost.example.com"},
	    {"localhostx:5000", "https://localhostx:5000"},
	    {"127.library", "https://127.library"},
	    {"127.0.0.1.example.com:80", "https://127.0.0.1.example.com:80"},
	    {"128.0.0.1", "https://128.0.0.1"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *url = reg_base_url(cases[i].registry);
		assert_string_equal(url, cases[i].url);
		free(url);
	}
}

static void bad_references(void **state)
{
	const char *bad[] = {"",      "Nginx",           "nginx:",       "nginx:-x",
			     "a//b",  "nginx@sha256:12", "nginx@md5:" D, "/abs",
			     "-lead", "host:5000/",      "ng inx",       NULL};
	struct img_ref r;
	lxr_err err;

	char name[300];

	for (size_t i = 0; bad[i]; i++) {
		if (img_ref_parse(bad[i], &r, &err) == 0)
			fail_msg("\"%s\" was accepted", bad[i]);
		assert_non_null(strstr(err.msg, "image reference"));
	}
	/* docker's 255 characters, counted on the name as it reads back:
	 * 245 of "a" is 255 with "docker.io/", and library/ makes it 263 */
	memset(name, 'a', 245);
	name[245] = '\0';
	assert_int_equal(img_ref_parse(name, &r, &err), -1);
	assert_non_null(strstr(err.msg, "255"));
	memset(name, 'a', 236);
	memcpy(name + 236, "/b", 3); /* docker.io/ + 238: 248 */
	assert_int_equal(img_ref_parse(name, &r, &err), 0);
	img_ref_free(&r);
}

static char **v(const char *a, const char *b)
{
	char **r = lxr_xcalloc(1, sizeof(char *));
	if (a)
		lxr_strv_push(&r, lxr_xstrdup(a));
	if (b)
		lxr_strv_push(&r, lxr_xstrdup(b));
	return r;
}

static void expect_args(char **got, const char *want)
{
	char buf[256] = "";

	for (size_t i = 0; got[i]; i++) {
		strcat(buf, i ? " " : "");
		strcat(buf, got[i]);
	}
	assert_string_equal(buf, want);
	lxr_strv_free(got);
}

static void entrypoint_and_cmd(void **state)
{
	struct img_config c = {.entrypoint = v("/entry", NULL), .cmd = v("serve", "--port=80")};
	char **user_cmd = v("sh", NULL), **user_ep = v("/bin/other", NULL);
	char **empty = v(NULL, NULL);

	expect_args(img_config_args(&c, NULL, NULL), "/entry serve --port=80");
	expect_args(img_config_args(&c, NULL, user_cmd), "/entry sh");
	/* --entrypoint drops the image's CMD */
	expect_args(img_config_args(&c, user_ep, NULL), "/bin/other");
	expect_args(img_config_args(&c, user_ep, user_cmd), "/bin/other sh");
	/* --entrypoint "" clears it */
	expect_args(img_config_args(&c, empty, user_cmd), "sh");
	lxr_strv_free(c.entrypoint);
	c.entrypoint = NULL;
	expect_args(img_config_args(&c, NULL, NULL), "serve --port=80");
	expect_args(img_config_args(&c, NULL, empty), "serve --port=80");
	lxr_strv_free(user_cmd);
	lxr_strv_free(user_ep);
	lxr_strv_free(empty);
	img_config_free(&c);
}

static void index_picks_host_platform(void **state)
{
	const char *variant, *arch = img_host_arch(&variant);
	char *doc = lxr_xasprintf(
	    "{\"schemaVersion\":2,\"manifests\":["
	    "{\"digest\":\"sha256:%064d\",\"platform\":{\"os\":\"windows\",\"architecture\":\"%s\"}"
	    "},"
	    "{\"digest\":\"sha256:%064d\",\"platform\":{\"os\":\"linux\",\"architecture\":\"mips\"}"
	    "},"
	    "{\"digest\":\"sha256:%064d\",\"platform\":{\"os\":\"linux\",\"architecture\":\"%s\"}},"
	    "{\"digest\":\"sha256:%064d\",\"platform\":{\"os\":\"unknown\",\"architecture\":"
	    "\"unknown\"}}]}",
	    1, arch, 2, 3, arch, 4);
	char got[IMG_DIGEST_LEN];
	lxr_err err;

	assert_int_equal(img_index_pick(doc, strlen(doc), got, &err), 0);
	assert_string_equal(got + 7,
			    "0000000000000000000000000000000000000000000000000000000000000003");
	free(doc);
	doc = lxr_xstrdup("{\"manifests\":[{\"digest\":\"sha256:1\",\"platform\":{\"os\":\"linux\","
			  "\"architecture\":\"mips\"}}]}");
	assert_int_equal(img_index_pick(doc, strlen(doc), got, &err), -1);
	assert_non_null(strstr(err.msg, "no image for linux/"));
	free(doc);
}

static void auth_challenge_parsing(void **state)
{
	const char *h =
	    "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
	    "scope=\"repository:library/nginx:pull\"";
	char *s;

	s = reg_auth_param(h, "realm");
	assert_string_equal(s, "https://auth.docker.io/token");
	free(s);
	s = reg_auth_param(h, "service");
	assert_string_equal(s, "registry.docker.io");
	free(s);
	s = reg_auth_param(h, "scope");
	assert_string_equal(s, "repository:library/nginx:pull");
	free(s);
	assert_null(reg_auth_param(h, "error"));
	s = reg_base_url("docker.io");
	assert_string_equal(s, "https://registry-1.docker.io");
	free(s);
	s = reg_base_url("localhost:5000");
	assert_string_equal(s, "http://localhost:5000");
	free(s);
	s = reg_base_url("registry.example.com:5000");
	assert_string_equal(s, "https://registry.example.com:5000");
	free(s);
}

/* docker login's SERVER: Docker Hub by any of its names, else the host */
static void login_servers(void **state)
{
	static const struct {
		const char *in, *registry, *key;
	} cases[] = {
	    {NULL, "docker.io", "https://index.docker.io/v1/"},
	    {"", "docker.io", "https://index.docker.io/v1/"},
	    {"docker.io", "docker.io", "https://index.docker.io/v1/"},
	    {"https://index.docker.io/v1/", "docker.io", "https://index.docker.io/v1/"},
	    {"registry-1.docker.io", "docker.io", "https://index.docker.io/v1/"},
	    {"localhost:5000", "localhost:5000", "localhost:5000"},
	    {"http://127.0.0.1:5000/v2/", "127.0.0.1:5000", "127.0.0.1:5000"},
	    {"https://ghcr.io", "ghcr.io", "ghcr.io"},
	    {"docker.io.example.com", "docker.io.example.com", "docker.io.example.com"},
	};
	char *reg, *key;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(img_login_server(cases[i].in, &reg, &key), 0);
		assert_string_equal(reg, cases[i].registry);
		assert_string_equal(key, cases[i].key);
		free(reg);
		free(key);
	}
	assert_int_equal(img_login_server("user@host", &reg, &key), -1);
	free(reg);
	free(key);
}

static void pull_policies(void **state)
{
	assert_int_equal(img_pull_policy_parse("always"), IMG_PULL_ALWAYS);
	assert_int_equal(img_pull_policy_parse("missing"), IMG_PULL_MISSING);
	assert_int_equal(img_pull_policy_parse("if_not_present"), IMG_PULL_MISSING);
	assert_int_equal(img_pull_policy_parse("never"), IMG_PULL_NEVER);
	assert_int_equal(img_pull_policy_parse("build"), -1);
}

static void config_changes(void **state)
{
	struct img_config c = {0};
	lxr_err err;

	assert_int_equal(img_config_change(&c, "CMD [\"/bin/sh\", \"-c\", \"echo hi\"]", &err), 0);
	assert_int_equal(img_config_change(&c, "ENTRYPOINT /run.sh", &err), 0);
	assert_int_equal(img_config_change(&c, "env A=1", &err), 0);
	assert_int_equal(img_config_change(&c, "EXPOSE 80", &err), 0);
	assert_int_equal(img_config_change(&c, "WORKDIR /srv", &err), 0);
	assert_string_equal(c.cmd[2], "echo hi");
	assert_string_equal(c.entrypoint[0], "/bin/sh");
	assert_string_equal(c.entrypoint[2], "/run.sh");
	assert_string_equal(c.env[0], "A=1");
	assert_string_equal(c.exposed_ports[0], "80/tcp");
	assert_string_equal(c.workdir, "/srv");
	/* ENV as a Dockerfile's: several pairs, quotes, $VAR, the old form */
	assert_int_equal(img_config_change(&c, "ENV B=2 C=\"x y\" D=$A-z A=3", &err), 0);
	assert_int_equal(img_config_change(&c, "ENV E one two", &err), 0);
	assert_string_equal(c.env[0], "A=3");
	assert_string_equal(c.env[1], "B=2");
	assert_string_equal(c.env[2], "C=x y");
	assert_string_equal(c.env[3], "D=1-z");
	assert_string_equal(c.env[4], "E=one two");
	assert_null(c.env[5]);
	/* one instruction's values see the environment before it */
	assert_int_equal(img_config_change(&c, "ENV A=4 F=$A", &err), 0);
	assert_string_equal(c.env[0], "A=4");
	assert_string_equal(c.env[5], "F=3");
	assert_int_equal(img_config_change(&c, "ENV =x", &err), -1);
	assert_int_equal(img_config_change(&c, "ENV G=1\nRUN x", &err), -1);
	assert_int_equal(img_config_change(&c, "RUN make", &err), -1);
	assert_non_null(strstr(err.msg, "unsupported instruction"));
	assert_int_equal(img_config_change(&c, "CMD [1]", &err), -1);
	img_config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(docker_defaults),
	    cmocka_unit_test(registries_and_digests),
	    cmocka_unit_test(bad_references),
	    cmocka_unit_test(registry_must_be_a_host),
	    cmocka_unit_test(plain_http_only_on_loopback),
	    cmocka_unit_test(entrypoint_and_cmd),
	    cmocka_unit_test(index_picks_host_platform),
	    cmocka_unit_test(auth_challenge_parsing),
	    cmocka_unit_test(login_servers),
	    cmocka_unit_test(pull_policies),
	    cmocka_unit_test(config_changes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
