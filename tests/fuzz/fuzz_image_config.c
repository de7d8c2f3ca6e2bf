/* libFuzzer target for the image config parser (img_config_parse: the
 * config blob of an image from a registry or a loaded archive, docker's or
 * OCI's) and for what lxr makes of a config: the process (img_config_args),
 * a service's container spec (plan_instance_fill: image Env under the
 * service's, WorkingDir, StopSignal), and the config lxr writes back for
 * import (img_config_build). Besides the sanitizers it checks that a
 * rejected config leaves nothing behind and says why, that every diff ID
 * is a sha256 digest, that build-then-parse gives back the same config,
 * and that the spec's environment has each name once. Seeds:
 * tests/fuzz/corpus/image_config/. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"
#include "config/text.h"
#include "image/tools/tools.h"
#include "lxr/config.h"
#include "lxr/plan.h"
#include "lxr/runtime.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cfg_stack *stack; /* one service, "app", with an image and nothing else */

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_image_config: %s\n", what);
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char text[] = "services:\n  app:\n    image: example.org/app:1\n";
	char *const env[] = {NULL};
	struct cfg_load_opts o = {.file = "compose.yaml", .environ = env, .cwd = "/nonexistent"};
	struct cfg_diags d = {0};
	lxr_err err;

	if (cfg_stack_load_text(&o, text, sizeof(text) - 1, &stack, &d, &err) < 0)
		abort();
	cfg_diags_free(&d);
	return 0;
}

static bool strv_equal(char *const *a, char *const *b)
{
	if (!a || !b)
		return a == b;
	for (; *a && *b; a++, b++)
		if (strcmp(*a, *b))
			return false;
	return !*a && !*b;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ExposedPorts is an object: its keys are a set, written sorted */
static bool set_equal(char *const *a, char *const *b)
{
	char **sa, **sb;
	bool eq;

	if (!a || !b)
		return a == b;
	sa = lxr_strv_dup(a);
	sb = lxr_strv_dup(b);
	qsort(sa, lxr_strv_len(sa), sizeof(char *), cmp_str);
	qsort(sb, lxr_strv_len(sb), sizeof(char *), cmp_str);
	eq = strv_equal(sa, sb);
	lxr_strv_free(sa);
	lxr_strv_free(sb);
	return eq;
}

static bool str_equal(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

static void check_parsed(const struct img_config *c, char **diff_ids)
{
	check(diff_ids != NULL, "accepted without diff IDs");
	for (size_t i = 0; diff_ids[i]; i++)
		check(img_digest_valid(diff_ids[i]), "a diff ID that is no sha256 digest");
	/* "" reads as unset: a set string is never empty */
	check(!c->workdir || *c->workdir, "an empty WorkingDir that counts as set");
	check(!c->user || *c->user, "an empty User that counts as set");
	check(!c->stop_signal || *c->stop_signal, "an empty StopSignal that counts as set");
}

/* What lxr-image import writes must read back as the same config. */
static void check_round_trip(const struct img_config *c, char **diff_ids)
{
	char *text = img_config_build(c, diff_ids, "fuzz");
	struct img_config back;
	char **ids = NULL;
	int64_t created = 0;
	lxr_err err;

	if (img_config_parse(text, strlen(text), &back, &ids, &created, &err) < 0) {
		fprintf(stderr, "fuzz_image_config: built config does not parse: %s\n%s\n", err.msg,
			text);
		abort();
	}
	check(strv_equal(c->entrypoint, back.entrypoint), "Entrypoint changed in build-then-parse");
	check(strv_equal(c->cmd, back.cmd), "Cmd changed in build-then-parse");
	check(strv_equal(c->env, back.env), "Env changed in build-then-parse");
	check(set_equal(c->exposed_ports, back.exposed_ports),
	      "ExposedPorts changed in build-then-parse");
	check(str_equal(c->workdir, back.workdir), "WorkingDir changed in build-then-parse");
	check(str_equal(c->user, back.user), "User changed in build-then-parse");
	check(str_equal(c->stop_signal, back.stop_signal),
	      "StopSignal changed in build-then-parse");
	check(strv_equal(diff_ids, ids), "diff IDs changed in build-then-parse");
	check(created > 0, "a built config without its creation time");
	img_config_free(&back);
	lxr_strv_free(ids);
	free(text);
}

static void check_args(const struct img_config *c)
{
	char **args = img_config_args(c, NULL, NULL);
	size_t n = 0;

	for (size_t i = 0; c->entrypoint && c->entrypoint[i]; i++, n++)
		check(args[n] && !strcmp(args[n], c->entrypoint[i]), "Entrypoint not first");
	for (size_t i = 0; c->cmd && c->cmd[i]; i++, n++)
		check(args[n] && !strcmp(args[n], c->cmd[i]), "Cmd not after Entrypoint");
	check(args[n] == NULL, "arguments the config does not have");
	lxr_strv_free(args);
}

static void check_env_unique(char **env)
{
	for (size_t i = 0; env && env[i]; i++) {
		size_t kl = strcspn(env[i], "=");

		check(env[i][kl] == '=', "an environment entry without '='");
		for (size_t k = i + 1; env[k]; k++)
			check(strncmp(env[i], env[k], kl + 1), "a variable set twice");
	}
}

/* A service with only an image takes everything from the image config. */
static void check_spec(const struct img_config *c)
{
	char *layers[] = {(char *)"/layers/top", NULL};
	struct plan_image pi = {.layer_dirs = layers,
				.entrypoint = c->entrypoint,
				.cmd = c->cmd,
				.env = c->env,
				.workdir = c->workdir,
				.user = c->user,
				.stop_signal = c->stop_signal};
	struct lxr_spec spec;
	lxr_err err;
	int sig, r;

	rt_spec_init_defaults(&spec);
	/* the stack is lxr's own, without devices: no host facts needed */
	r = plan_instance_fill(stack, &stack->services[0], 1, &pi, NULL, &spec, &err);
	check(r == 0 || (err.msg[0] && (!spec.args || !spec.args[0])),
	      "a service refused for anything but a missing command");
	if (r == 0) {
		check_env_unique(spec.env);
		check(!c->workdir || !strcmp(spec.cwd, c->workdir), "WorkingDir not taken");
		if (c->stop_signal && cfg_parse_signal(c->stop_signal, &sig) == 0)
			check(spec.stop_signal == sig, "StopSignal not taken");
		else
			check(spec.stop_signal == SIGTERM, "a StopSignal out of nothing");
	}
	plan_spec_free(&spec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct img_config zero;
	struct img_config c;
	char **diff_ids = NULL;
	int64_t created = 0;
	lxr_err err = {0};

	if (img_config_parse((const char *)data, size, &c, &diff_ids, &created, &err) < 0) {
		size_t n = strlen(err.msg);

		/* "...: " would be a message that lost its reason */
		check(n > 2 && strcmp(err.msg + n - 2, ": "), "rejected without a reason");
		check(!memcmp(&c, &zero, sizeof(c)) && diff_ids == NULL,
		      "a rejected config left something behind");
		return 0;
	}
	check_parsed(&c, diff_ids);
	check_round_trip(&c, diff_ids);
	check_args(&c);
	check_spec(&c);
	img_config_free(&c);
	lxr_strv_free(diff_ids);
	return 0;
}
