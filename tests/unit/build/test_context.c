/* The build context as COPY reads it: sources resolved inside it, nothing
 * followed out of it, .dockerignore honoured, a digest that follows the
 * contents. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lxr/build.h"

static char dir[] = "/tmp/lxr-unit-ctx.XXXXXX";

static void put(const char *rel, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void mk(const char *rel)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void ln(const char *target, const char *rel)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	assert_int_equal(symlink(target, p), 0);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	mk("src");
	mk("src/sub");
	mk("etc");
	put("src/a.c", "int a;\n");
	put("src/b.c", "int b;\n");
	put("src/sub/c.h", "#define C\n");
	put("src/debug.log", "noise\n");
	put("etc/hostname", "inside\n");
	put("README", "read me\n");
	put("secret.key", "key\n");
	ln("/etc/hostname", "src/out");  /* points out of the context */
	ln("/etc/hostname", "hostlink"); /* as a source: resolved inside */
	ln("../../../", "src/up");
	put(".dockerignore", "*.key\nsrc/*.log\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void test_sources(void **state)
{
	(void)state;
	struct bld_context *c;
	struct bld_source *v;
	size_t n;
	lxr_err err = {0};

	assert_int_equal(bld_context_open(dir, NULL, &c, &err), 0);
	assert_int_equal(bld_context_sources(c, "./src/", false, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].path, "src");
	/* sorted; debug.log left out; links are links, not followed */
	const char *want[] = {"", "a.c", "b.c", "out", "sub", "sub/c.h", "up"};
	assert_int_equal(v[0].n, 7);
	for (size_t i = 0; i < 7; i++)
		assert_string_equal(v[0].files[i].rel, want[i]);
	assert_true(S_ISDIR(v[0].files[0].mode));
	assert_true(S_ISLNK(v[0].files[3].mode));
	assert_string_equal(v[0].files[3].link, "/etc/hostname");
	assert_int_equal(v[0].files[1].size, 7);
	bld_sources_free(v, n);

	/* a symlink source resolves inside the context, never to the host's */
	assert_int_equal(bld_context_sources(c, "hostlink", false, &v, &n, &err), 0);
	assert_int_equal(v[0].files[0].size, 7); /* CONTEXT/etc/hostname: "inside\n" */
	char d1[72], d2[72];
	assert_int_equal(bld_sources_digest(c, v, n, d1, &err), 0);
	bld_sources_free(v, n);
	assert_int_equal(bld_context_sources(c, "etc/hostname", false, &v, &n, &err), 0);
	assert_int_equal(bld_sources_digest(c, v, n, d2, &err), 0);
	bld_sources_free(v, n);
	assert_string_not_equal(d1, d2); /* the path is part of it */

	/* ".." cannot leave the context */
	assert_int_equal(bld_context_sources(c, "../../README", false, &v, &n, &err), 0);
	assert_string_equal(v[0].path, "README");
	bld_sources_free(v, n);

	/* globs, per component */
	assert_int_equal(bld_context_sources(c, "src/*.c", false, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[1].path, "src/b.c");
	bld_sources_free(v, n);

	/* ignored or missing: not there */
	assert_int_equal(bld_context_sources(c, "secret.key", false, &v, &n, &err), -1);
	assert_non_null(strstr(err.msg, "left out of the build context by .dockerignore"));
	assert_int_equal(bld_context_sources(c, "*.key", false, &v, &n, &err), -1);
	assert_non_null(strstr(err.msg, "no file in the build context"));
	assert_int_equal(bld_context_sources(c, "nope", false, &v, &n, &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	assert_null(v);
	/* COPY's glob that matches nothing is no source (BuildKit's
	 * AllowEmptyWildcard); a plain path that is missing still fails */
	assert_int_equal(bld_context_sources(c, "*.key", true, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(bld_context_sources(c, "nope", true, &v, &n, &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	bld_context_close(c);
}

static void test_digest(void **state)
{
	(void)state;
	struct bld_context *c;
	struct bld_source *v;
	size_t n;
	char d1[72], d2[72], d3[72];
	lxr_err err = {0};

	assert_int_equal(bld_context_open(dir, NULL, &c, &err), 0);
	assert_int_equal(bld_context_sources(c, "src", false, &v, &n, &err), 0);
	assert_int_equal(bld_sources_digest(c, v, n, d1, &err), 0);
	assert_int_equal(bld_sources_digest(c, v, n, d2, &err), 0);
	assert_string_equal(d1, d2);
	assert_int_equal(strlen(d1), 71);
	bld_sources_free(v, n);
	put("src/sub/c.h", "#define D\n"); /* same size, other content */
	put("src/debug.log", "ignored, so no change\n");
	assert_int_equal(bld_context_sources(c, "src", false, &v, &n, &err), 0);
	assert_int_equal(bld_sources_digest(c, v, n, d3, &err), 0);
	assert_string_not_equal(d1, d3);
	bld_sources_free(v, n);
	put("src/sub/c.h", "#define C\n");
	assert_int_equal(bld_context_sources(c, "src", false, &v, &n, &err), 0);
	assert_int_equal(bld_sources_digest(c, v, n, d3, &err), 0);
	assert_string_equal(d1, d3);
	bld_sources_free(v, n);
	bld_context_close(c);

	assert_int_equal(bld_context_open("/nonexistent-lxr", NULL, &c, &err), -1);
	assert_null(c);
}

/* the Dockerfile's own DOCKERFILE.dockerignore replaces .dockerignore */
static void test_dockerfile_ignore(void **state)
{
	(void)state;
	struct bld_context *c;
	struct bld_source *v;
	size_t n;
	lxr_err err = {0};
	char df[512], other[512];

	snprintf(df, sizeof(df), "%s/app.Dockerfile", dir);
	snprintf(other, sizeof(other), "%s/other.Dockerfile", dir);
	put("app.Dockerfile.dockerignore", "README\n");
	assert_int_equal(bld_context_open(dir, df, &c, &err), 0);
	assert_int_equal(bld_context_sources(c, "README", false, &v, &n, &err), -1);
	assert_non_null(strstr(err.msg, "left out of the build context by .dockerignore"));
	assert_int_equal(bld_context_sources(c, "secret.key", false, &v, &n, &err), 0);
	bld_sources_free(v, n);
	bld_context_close(c);
	/* a Dockerfile without one: the context's .dockerignore */
	assert_int_equal(bld_context_open(dir, other, &c, &err), 0);
	assert_int_equal(bld_context_sources(c, "secret.key", false, &v, &n, &err), -1);
	assert_int_equal(bld_context_sources(c, "README", false, &v, &n, &err), 0);
	bld_sources_free(v, n);
	bld_context_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sources),
	    cmocka_unit_test(test_digest),
	    cmocka_unit_test(test_dockerfile_ignore),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
