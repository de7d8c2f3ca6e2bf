/* What `lxr up` refuses of a stack that loads (cfg_stack_check_runnable),
 * as the CLI reports it, and the model fields the supervisor will need for
 * a healthcheck that gives timings only. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "config/config_internal.h"
#include "lxr/config.h"
#include "lxr/config_runnable.h"

static struct cfg_stack *load(const char *text)
{
	char *const env[] = {(char *)"LXR_TEST=1", NULL};
	struct cfg_load_opts o = {.file = "compose.yaml", .environ = env, .cwd = "/nonexistent"};
	struct cfg_diags d = {0};
	struct cfg_stack *st = NULL;
	lxr_err err;

	if (cfg_stack_load_text(&o, text, strlen(text), &st, &d, &err) < 0) {
		cfg_diags_print(stderr, &d);
		fail_msg("the stack does not load");
	}
	cfg_diags_free(&d);
	return st;
}

/* an up of every service (none of these has more than four) */
static const bool every[8] = {true, true, true, true, true, true, true, true};

static void first_of_several(void **state)
{
	struct cfg_stack *st = load("services:\n"
				    "  web:\n"
				    "    image: busybox\n"
				    "    storage_opt: {size: 1G}\n"
				    "    logging: {driver: awslogs}\n");
	lxr_err err;

	(void)state;
	assert_int_equal(st->n_unrunnable, 2);
	assert_int_equal(cfg_stack_check_runnable(st, every, &err), -1);
	assert_string_equal(err.msg, "compose.yaml:4:5: service \"web\": lxr up does not run "
				     "\"storage_opt\" yet (and 1 more, at 5:23)");
	assert_non_null(strstr(err.hint, "lxr config"));
	cfg_stack_free(st);
}

static void noop_values_run(void **state)
{
	struct cfg_stack *st = load("services:\n"
				    "  web:\n"
				    "    image: busybox\n"
				    "    tty: false\n"
				    "    scale: 1\n"
				    "    dns_search: []\n"
				    "    security_opt: [\"no-new-privileges:true\"]\n"
				    "    volumes: [\"./a:/a:z\"]\n");
	lxr_err err;

	(void)state;
	assert_int_equal(cfg_stack_check_runnable(st, every, &err), 0);
	assert_int_equal(st->services[0].volumes[0].selinux, 'z');
	cfg_stack_free(st);
}

/* The supervisor tells "timings only" (the image's test) from "test given"
 * by the kind, and the timings the file gives by `set`. */
static void healthcheck_timings_only(void **state)
{
	struct cfg_stack *st = load("services:\n"
				    "  db:\n"
				    "    image: postgres\n"
				    "    healthcheck: {interval: 10s, retries: 5}\n");
	const struct cfg_health *h = &st->services[0].healthcheck;

	(void)state;
	assert_int_equal(h->kind, CFG_HEALTH_INHERIT);
	assert_int_equal(h->set, CFG_HC_INTERVAL | CFG_HC_RETRIES);
	assert_int_equal(h->interval_us, 10000000);
	assert_int_equal(h->retries, 5);
	assert_int_equal(h->test.n, 0);
	cfg_stack_free(st);
}

/* The image a build makes: image: when given, else compose's
 * <project>-<service>. */
static void build_image_names(void **state)
{
	struct cfg_stack *st = load("name: shop\n"
				    "services:\n"
				    "  api:\n"
				    "    build: ./api\n"
				    "  web:\n"
				    "    image: example/web:2\n"
				    "    build: ./web\n"
				    "  db:\n"
				    "    image: postgres\n");
	lxr_err err;

	(void)state;
	assert_string_equal(st->services[0].build_image, "shop-api");
	assert_string_equal(st->services[1].build_image, "example/web:2");
	assert_null(st->services[2].build_image);
	assert_string_equal(cfg_service_image(&st->services[0]), "shop-api");
	assert_string_equal(cfg_service_image(&st->services[2]), "postgres");
	/* lxr up builds it */
	assert_int_equal(st->n_unrunnable, 0);
	assert_true(cfg_context_is_git("https://example.com/r.git#v1:dir"));
	assert_true(cfg_context_is_git("git@github.com:o/r.git"));
	assert_true(cfg_context_is_git("github.com/o/r"));
	assert_false(cfg_context_is_git("https://example.com/r.tar.gz"));
	assert_false(cfg_context_is_git("https://example.com/git#x.git"));
	assert_int_equal(cfg_stack_check_runnable(st, every, &err), 0);
	cfg_stack_free(st);
}

/* What lxr's builder cannot do yet is refused by name with its position;
 * ssh and the cache keys load (the build warns and drops them); a git
 * repository as the context is cloned, a file to download is refused. */
static void build_keys_not_yet(void **state)
{
	struct cfg_stack *st = load("name: shop\n"
				    "services:\n"
				    "  api:\n"
				    "    build:\n"
				    "      context: .\n"
				    "      network: mynet\n"
				    "      privileged: true\n"
				    "      platforms: [linux/s390x]\n"
				    "      cache_from: [type=local,src=/tmp/c]\n"
				    "      ssh: [default]\n"
				    "  web:\n"
				    "    build: https://example.com/context.tar.gz\n"
				    "  git:\n"
				    "    build: https://example.com/repo.git#main:sub\n");
	lxr_err err;

	(void)state;
	assert_int_equal(st->n_unrunnable, 4);
	assert_int_equal(cfg_stack_check_runnable(st, every, &err), -1);
	assert_non_null(strstr(err.msg, ":6:16: service \"api\": lxr up does not run "
					"build.network \"mynet\" yet (and 3 more, at "));
	assert_non_null(strstr(err.hint, "default bridge"));
	assert_non_null(strstr(st->unrunnable[1].msg, "build.privileged: true"));
	assert_non_null(strstr(st->unrunnable[2].msg, "build.platforms \"linux/s390x\""));
	assert_non_null(strstr(st->unrunnable[3].msg,
			       "service \"web\": lxr up does not run "
			       "build.context \"https://example.com/context.tar.gz\""));
	cfg_stack_free(st);
}

/* Alternatives in different profiles load; chosen together, they clash. */
static void profile_alternatives_clash(void **state)
{
	struct cfg_stack *st = load("services:\n"
				    "  aio:\n"
				    "    image: example/aio\n"
				    "    profiles: [default]\n"
				    "    ports: [\"3000:3000\"]\n"
				    "  web:\n"
				    "    image: example/web\n"
				    "    profiles: [parts]\n"
				    "    container_name: app\n"
				    "    ports: [\"3000:3000\"]\n"
				    "  api:\n"
				    "    image: example/api\n"
				    "    profiles: [other]\n"
				    "    container_name: app\n");
	bool one[] = {true, false, false}, ports[] = {true, true, false},
	     names[] = {false, true, true};
	lxr_err err;

	(void)state;
	assert_int_equal(cfg_stack_check_chosen(st, one, &err), 0);
	assert_int_equal(cfg_stack_check_chosen(st, ports, &err), -1);
	assert_string_equal(err.msg, "compose.yaml:10:13: service \"web\": host port 3000 is also "
				     "published by service \"aio\"");
	assert_non_null(strstr(err.hint, "profiles"));
	assert_int_equal(cfg_stack_check_chosen(st, names, &err), -1);
	assert_string_equal(err.msg, "compose.yaml:14:21: service \"api\": container_name \"app\" "
				     "is also service \"web\"'s");
	cfg_stack_free(st);
}

/* A service's setting lxr does not run is refused only where a command
 * runs that service (laradock's files: a few of many at a time); one of
 * the stack's always */
static void refused_where_chosen(void **state)
{
	struct cfg_stack *st = load("services:\n"
				    "  web:\n"
				    "    image: busybox\n"
				    "  gpu:\n"
				    "    image: busybox\n"
				    "    logging: {driver: awslogs}\n");
	bool web_only[2] = {true, false};
	lxr_err err;

	(void)state;
	assert_int_equal(st->n_unrunnable, 1);
	assert_string_equal(st->unrunnable[0].service, "gpu");
	assert_int_equal(cfg_stack_check_runnable(st, NULL, &err), 0);
	assert_int_equal(cfg_stack_check_runnable(st, web_only, &err), 0);
	assert_int_equal(cfg_stack_check_runnable(st, every, &err), -1);
	assert_non_null(strstr(err.msg, "service \"gpu\": lxr up does not run"));
	assert_int_equal(cfg_stack_print_unrunnable(stderr, st, web_only), 0);
	cfg_stack_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(first_of_several),     cmocka_unit_test(build_image_names),
	    cmocka_unit_test(build_keys_not_yet),   cmocka_unit_test(profile_alternatives_clash),
	    cmocka_unit_test(noop_values_run),      cmocka_unit_test(healthcheck_timings_only),
	    cmocka_unit_test(refused_where_chosen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
