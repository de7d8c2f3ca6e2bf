/* A stack service's build: as the builder's request (bld_request_from_service):
 * the context and the Dockerfile relative to it, args, labels, the image's
 * names (image:, else <project>-<service>, then build.tags), the RUN
 * settings, and the warnings for what compose drops. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lxr/build.h"
#include "lxr/config.h"

static struct cfg_stack *load(const char *text)
{
	char dir[] = "/tmp/lxr-test-compose.XXXXXX";
	char path[64];
	char *const env[] = {(char *)"LXR_TEST=1", NULL};
	struct cfg_diags d = {0};
	struct cfg_stack *st = NULL;
	lxr_err err;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/compose.yaml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	struct cfg_load_opts o = {.file = path, .environ = env, .cwd = dir};
	int r = cfg_stack_load(&o, &st, &d, &err);
	if (r < 0)
		cfg_diags_print(stderr, &d);
	cfg_diags_free(&d);
	unlink(path);
	rmdir(dir);
	assert_int_equal(r, 0);
	return st;
}

static bool has(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

static void long_form(void **state)
{
	struct cfg_stack *st = load("name: shop\n"
				    "services:\n"
				    "  api:\n"
				    "    build:\n"
				    "      context: /srv/api\n"
				    "      dockerfile: docker/api.Dockerfile\n"
				    "      args: {VERSION: \"2\"}\n"
				    "      labels: {team: shop}\n"
				    "      tags: [example/api:extra]\n"
				    "      target: runtime\n"
				    "      network: host\n"
				    "      shm_size: 1m\n"
				    "      no_cache: true\n"
				    "      extra_hosts: [\"db=192.0.2.1\"]\n"
				    "      cache_from: [\"type=local,src=/c\"]\n"
				    "      additional_contexts:\n"
				    "        notes: /srv/notes\n"
				    "        base: service:web\n"
				    "        tools: docker-image://example/tools:1\n"
				    "  web:\n"
				    "    image: example/web:2\n"
				    "    build: /srv/web\n");
	struct bld_request rq;
	char **warn = NULL;
	lxr_err err;

	(void)state;
	assert_int_equal(bld_request_from_service(st, &st->services[0], &rq, &warn, &err), 0);
	assert_string_equal(rq.context, "/srv/api");
	/* relative to the context, looked up inside it */
	assert_null(rq.dockerfile);
	assert_string_equal(rq.dockerfile_in_context, "docker/api.Dockerfile");
	assert_null(rq.dockerfile_text);
	assert_true(has(rq.build_args, "VERSION=2"));
	assert_true(has(rq.labels, "team=shop"));
	assert_string_equal(rq.tags[0], "shop-api");
	assert_string_equal(rq.tags[1], "example/api:extra");
	assert_null(rq.tags[2]);
	assert_string_equal(rq.target, "runtime");
	assert_string_equal(rq.network, "host");
	assert_int_equal(rq.shm_size, 1 << 20);
	assert_true(rq.no_cache);
	assert_false(rq.pull);
	assert_true(has(rq.extra_hosts, "db=192.0.2.1"));
	assert_true(has(rq.named_contexts, "notes=/srv/notes"));
	assert_true(has(rq.named_contexts, "base=docker-image://example/web:2"));
	assert_true(has(rq.named_contexts, "tools=docker-image://example/tools:1"));
	assert_non_null(warn);
	assert_non_null(strstr(warn[0], "service \"api\": build.cache_from ignored"));
	assert_null(warn[1]);
	bld_request_free(&rq);
	lxr_strv_free(warn);
	cfg_stack_free(st);
}

static void short_and_inline(void **state)
{
	struct cfg_stack *st = load("name: shop\n"
				    "services:\n"
				    "  web:\n"
				    "    image: example/web:2\n"
				    "    build: /srv/web\n"
				    "  inl:\n"
				    "    build:\n"
				    "      dockerfile_inline: \"FROM scratch\\n\"\n"
				    "  pre:\n"
				    "    image: /srv/rootfs\n"
				    "    build: /srv/pre\n");
	struct bld_request rq;
	char **warn = NULL;
	lxr_err err;

	(void)state;
	assert_int_equal(bld_request_from_service(st, &st->services[0], &rq, &warn, &err), 0);
	assert_string_equal(rq.context, "/srv/web");
	assert_null(rq.dockerfile);
	assert_string_equal(rq.dockerfile_in_context, "Dockerfile");
	assert_string_equal(rq.tags[0], "example/web:2");
	assert_null(rq.network);
	assert_null(warn);
	bld_request_free(&rq);

	assert_int_equal(bld_request_from_service(st, &st->services[1], &rq, &warn, &err), 0);
	assert_null(rq.dockerfile);
	assert_string_equal(rq.dockerfile_text, "FROM scratch\n");
	assert_string_equal(rq.tags[0], "shop-inl");
	bld_request_free(&rq);

	/* a root filesystem directory is no image a build can make */
	assert_int_equal(bld_request_from_service(st, &st->services[2], &rq, &warn, &err), -1);
	assert_non_null(strstr(err.msg, "service \"pre\": image: is a root filesystem directory"));
	cfg_stack_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(long_form),
	    cmocka_unit_test(short_and_inline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
