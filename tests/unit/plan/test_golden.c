/* Golden files: a stack file (and, where a service names an image, that
 * image's config) in, every instance's whole plan out, compared with the
 * text kept beside them. For each data/golden-NAME.yaml: NAME.image.json
 * is the image config (an OCI/docker image config document) every service
 * that names an image gets, and NAME.plan the expected plans, one per
 * instance in start order. LXR_UPDATE_GOLDEN=1 rewrites the .plan files
 * (then read the diff: it is the change in what runs).
 *
 * The host is fixed here (capabilities, kernel release, no lxr.conf); the
 * only part of the runtime's defaults that is the host's own — a masked
 * thermal_throttle directory per CPU — is left out of the comparison. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "image/image_internal.h"
#include "lxr/image.h"
#include "lxr/plan.h"
#include "lxr/runtime.h"

static const struct plan_host host = {.all_caps = (1ULL << 41) - 1, .kernel_release = "6.1.0"};

static char *slurp(const char *path)
{
	char *text = NULL;
	size_t len = 0;
	lxr_err err;

	if (lxr_read_file_at(AT_FDCWD, path, &text, &len, &err) < 0)
		return NULL;
	return text;
}

/* The runtime's defaults without the host's per-CPU masks. */
static void defaults(struct lxr_spec *spec)
{
	size_t k = 0;

	rt_spec_init_defaults(spec);
	for (size_t i = 0; spec->masked_paths && spec->masked_paths[i]; i++) {
		if (strstr(spec->masked_paths[i], "/thermal_throttle"))
			free(spec->masked_paths[i]);
		else
			spec->masked_paths[k++] = spec->masked_paths[i];
	}
	if (spec->masked_paths)
		spec->masked_paths[k] = NULL;
}

/* The image's config over two made-up layers, as the supervisor takes it
 * (img_plan_image). */
static void image_of(struct img_config *c, struct plan_image *pi)
{
	static char *layers[] = {"/layers/top", "/layers/base", NULL};
	struct img_image im = {.layer_dirs = layers, .config = *c};

	img_plan_image(&im, pi);
}

/* Every instance's plan, or the error that stopped one, as one text with
 * the data directory's path written @DATA@. */
static char *plans_of(const char *name)
{
	_cleanup_free_ char *file = lxr_xasprintf("%s/golden-%s.yaml", LXR_TEST_DATA, name);
	_cleanup_free_ char *imgfile = lxr_xasprintf("%s/%s.image.json", LXR_TEST_DATA, name);
	_cleanup_free_ char *imgtext = slurp(imgfile);
	char *const env[] = {"TAG=1.2", NULL};
	struct cfg_load_opts o = {.file = file, .environ = env};
	struct cfg_diags d = {0};
	struct cfg_stack *st = NULL;
	struct img_config ic = {0};
	struct plan_image pi;
	char *out = lxr_xstrdup(""), *buf = NULL;
	size_t len = 0;
	FILE *f;
	lxr_err err;

	if (cfg_stack_load(&o, &st, &d, &err) < 0)
		cfg_diags_print(stderr, &d);
	cfg_diags_free(&d);
	assert_non_null(st);
	if (imgtext) {
		char **ids = NULL;
		int64_t created = 0;
		assert_int_equal(
		    img_config_parse(imgtext, strlen(imgtext), &ic, &ids, &created, &err), 0);
		lxr_strv_free(ids);
	}
	image_of(&ic, &pi);
	f = open_memstream(&buf, &len);
	for (size_t i = 0; i < st->n_services; i++) {
		const struct cfg_service *svc = &st->services[i];
		int n = svc->replicas.set ? (int)svc->replicas.v : 1;
		for (int r = 1; r <= n; r++) {
			struct plan_instance p = {0};
			defaults(&p.spec);
			if (plan_instance_build(st, svc, r, svc->image_is_path ? NULL : &pi, &host,
						&p, &err) < 0) {
				fprintf(f, "error: %s\n", err.msg);
				if (err.hint[0])
					fprintf(f, "hint: %s\n", err.hint);
			} else {
				_cleanup_free_ char *t = plan_instance_text(&p, true);
				fprintf(f, "%s\n", t);
			}
			plan_instance_free(&p);
		}
	}
	fclose(f);
	/* the checkout's own path out of it */
	for (char *at = buf, *hit;; at = hit + strlen(LXR_TEST_DATA)) {
		hit = strstr(at, LXR_TEST_DATA);
		char *n = lxr_xasprintf("%s%.*s%s", out, hit ? (int)(hit - at) : (int)strlen(at),
					at, hit ? "@DATA@" : "");
		free(out);
		out = n;
		if (!hit)
			break;
	}
	free(buf);
	img_config_free(&ic);
	cfg_stack_free(st);
	return out;
}

static void golden(void **state)
{
	const char *name = *state;
	_cleanup_free_ char *got = plans_of(name);
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s.plan", LXR_TEST_DATA, name);
	_cleanup_free_ char *want = NULL;

	if (getenv("LXR_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "we");
		assert_non_null(f);
		fputs(got, f);
		fclose(f);
	}
	want = slurp(path);
	if (!want)
		fail_msg("%s is missing (LXR_UPDATE_GOLDEN=1 writes it)", path);
	if (strcmp(got, want)) {
		fprintf(stderr, "--- plans of golden-%s.yaml:\n%s", name, got);
		fail_msg("the plans differ from %s", path);
	}
}

int main(void)
{
	struct CMUnitTest tests[64];
	char *names[64];
	size_t n = 0;
	DIR *d = opendir(LXR_TEST_DATA);
	struct dirent *e;

	setenv("LXR_DATA_DIR", "/var/lib/lxr", 1);
	setenv("LXR_CONFIG", "/nonexistent/lxr.conf", 1);
	if (!d)
		return 1;
	while ((e = readdir(d)) && n < 64) {
		size_t l = strlen(e->d_name);
		if (strncmp(e->d_name, "golden-", 7) || l < 12 ||
		    strcmp(e->d_name + l - 5, ".yaml"))
			continue;
		names[n] = lxr_xstrndup(e->d_name + 7, l - 12);
		tests[n] = (struct CMUnitTest){
		    .name = names[n], .test_func = golden, .initial_state = names[n]};
		n++;
	}
	closedir(d);
	if (n == 0)
		return 1;
	int r = _cmocka_run_group_tests("golden", tests, n, NULL, NULL);

	for (size_t i = 0; i < n; i++)
		free(names[i]);
	return r;
}
