/* supervisor: `lxr config --hash` (sup_service_hash) changes exactly when
 * reconcile would recreate the service: with what it runs (its command,
 * a secret's value), not with how many replicas run it or how the file
 * says the same thing. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "lxr/supervisor.h"

static char dir[] = "/tmp/lxr-test-hash.XXXXXX";

/* The hash of service a of this stack (a rootfs directory: no store) */
static void hash_of(const char *text, const char *secret, char out[SUP_HASH_LEN])
{
	_cleanup_free_ char *file = lxr_xasprintf("%s/compose.yaml", dir);
	_cleanup_free_ char *var = lxr_xasprintf("SECRET=%s", secret);
	char *const env[] = {var, NULL};
	struct cfg_load_opts o = {
	    .file = file, .text = text, .text_len = strlen(text), .environ = env, .cwd = dir};
	struct cfg_diags d = {0};
	struct cfg_stack *st = NULL;
	lxr_err err;

	if (cfg_stack_load(&o, &st, &d, &err) < 0) {
		cfg_diags_print(stderr, &d);
		fail_msg("the stack does not load: %s", err.msg);
	}
	cfg_diags_free(&d);
	if (sup_service_hash(st, cfg_stack_service(st, "a"), out, &err) < 0)
		fail_msg("no hash: %s", err.msg);
	assert_int_equal(strlen(out), 64);
	cfg_stack_free(st);
}

static const char base[] = "services:\n"
			   "  a:\n"
			   "    image: ./rootfs\n"
			   "    command: [sleep, \"1\"]\n"
			   "    secrets: [s]\n"
			   "secrets:\n"
			   "  s: {environment: SECRET}\n";

static void changes_with_what_runs(void **state)
{
	char h[SUP_HASH_LEN], same[SUP_HASH_LEN], other[SUP_HASH_LEN];

	(void)state;
	hash_of(base, "one", h);
	/* the same definition, said otherwise, on more replicas */
	hash_of("# the same\n"
		"services:\n"
		"  a: {image: ./rootfs, command: sleep 1, secrets: [s], deploy: {replicas: 3}}\n"
		"secrets: {s: {environment: SECRET}}\n",
		"one", same);
	assert_string_equal(h, same);
	/* what it runs */
	hash_of("services:\n"
		"  a:\n"
		"    image: ./rootfs\n"
		"    command: [sleep, \"2\"]\n"
		"    secrets: [s]\n"
		"secrets:\n"
		"  s: {environment: SECRET}\n",
		"one", other);
	assert_string_not_equal(h, other);
	/* what the secret holds, which the plan's text leaves out */
	hash_of(base, "two", other);
	assert_string_not_equal(h, other);
}

static void image_not_here(void **state)
{
	_cleanup_free_ char *file = lxr_xasprintf("%s/compose.yaml", dir);
	_cleanup_free_ char *data = lxr_xasprintf("%s/data", dir);
	const char text[] = "services: {a: {image: busybox}}\n";
	struct cfg_load_opts o = {
	    .file = file, .text = text, .text_len = strlen(text), .environ = (char *[]){NULL}};
	struct cfg_diags d = {0};
	struct cfg_stack *st = NULL;
	char h[SUP_HASH_LEN];
	lxr_err err;

	(void)state;
	setenv("LXR_DATA_DIR", data, 1);
	assert_int_equal(cfg_stack_load(&o, &st, &d, &err), 0);
	assert_int_equal(sup_service_hash(st, cfg_stack_service(st, "a"), h, &err), -1);
	assert_non_null(strstr(err.msg, "service \"a\": image \"busybox\" is not here yet"));
	assert_non_null(strstr(err.hint, "lxr pull a"));
	cfg_stack_free(st);
	cfg_diags_free(&d);
}

static int setup(void **state)
{
	_cleanup_free_ char *rootfs = NULL;

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	rootfs = lxr_xasprintf("%s/rootfs", dir);
	return mkdir(rootfs, 0755);
}

static int teardown(void **state)
{
	_cleanup_free_ char *cmd = lxr_xasprintf("rm -rf '%s'", dir);

	(void)state;
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(changes_with_what_runs),
	    cmocka_unit_test(image_not_here),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
