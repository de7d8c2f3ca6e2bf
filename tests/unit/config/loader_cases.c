/* The data-driven case runner (see loader_cases.h). Included by the test
 * files rather than linked, because each test_*.c is its own executable. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config/config_internal.h"
#include "loader_cases.h"
#include "lxr/config.h"
#include "lxr/config_runnable.h"

static char *slurp(const char *dir, const char *name)
{
	char path[PATH_MAX];
	char *text = NULL;
	size_t len;
	lxr_err err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (lxr_read_file_at(AT_FDCWD, path, &text, &len, &err) < 0)
		return NULL;
	return text;
}

static void spit(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *replace_all(const char *s, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to), n = 0;
	char *out, *o;

	for (const char *p = s; (p = strstr(p, from)); p += fl)
		n++;
	out = o = lxr_xmalloc(strlen(s) + n * (tl > fl ? tl - fl : 0) + 1);
	for (const char *p = s;;) {
		const char *q = strstr(p, from);
		if (!q) {
			strcpy(o, p);
			break;
		}
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		memcpy(o, to, tl);
		o += tl;
		p = q + fl;
	}
	return out;
}

/* Line by line; an expected line ending in '*' is a prefix. */
static bool diags_match(const char *want, const char *got)
{
	while (*want || *got) {
		const char *we = strchrnul(want, '\n'), *ge = strchrnul(got, '\n');
		size_t wl = (size_t)(we - want), gl = (size_t)(ge - got);
		if (wl && want[wl - 1] == '*') {
			if (gl < wl - 1 || memcmp(want, got, wl - 1))
				return false;
		} else if (wl != gl || memcmp(want, got, wl)) {
			return false;
		}
		want = *we ? we + 1 : we;
		got = *ge ? ge + 1 : ge;
	}
	return true;
}

static char **read_env(const char *dir)
{
	_cleanup_free_ char *text = slurp(dir, "env");
	char **env = NULL;

	lxr_strv_push(&env, lxr_xstrdup("LXR_TEST=1"));
	for (char *save = NULL, *l = text ? strtok_r(text, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save))
		lxr_strv_push(&env, lxr_xstrdup(l));
	return env;
}

static void read_options(const char *dir, struct cfg_load_opts *o, char **project)
{
	_cleanup_free_ char *text = slurp(dir, "options");

	for (char *save = NULL, *l = text ? strtok_r(text, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (!strcmp(l, "accept_unsupported"))
			o->accept_unsupported = true;
		else if (!strncmp(l, "project=", 8))
			o->project = *project = lxr_xstrdup(l + 8);
		else
			fail_msg("unknown option line \"%s\" in %s/options", l, dir);
	}
}

static char *diag_text(const struct cfg_diags *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cfg_diags_print(f, d);
	fclose(f);
	return buf;
}

static char *model_text(const struct cfg_stack *st, enum cfg_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	lxr_err err;

	assert_int_equal(cfg_stack_write(f, st, fmt, &err), 0);
	fclose(f);
	return buf;
}

static void check_text(const char *dir, const char *name, const char *want_raw, const char *got,
		       bool diags)
{
	_cleanup_free_ char *want = replace_all(want_raw ? want_raw : "", "@DIR@", dir);
	_cleanup_free_ char *got_rel = replace_all(got, dir, "@DIR@");
	const char *update = getenv("LXR_TEST_UPDATE");

	if (update && *update == '1' && (want_raw || *got)) {
		spit(dir, name, got_rel);
		return;
	}
	if (diags ? diags_match(want, got) : !strcmp(want, got))
		return;
	fprintf(stderr, "--- %s/%s expected:\n%s--- got:\n%s---\n", dir, name, want, got);
	fail_msg("%s/%s differs", dir, name);
}

/* `lxr config` promises that its output is a stack file that loads, without
 * a diagnostic, to exactly the same output (docs/stack-file.md). Loaded from
 * the case directory, with the case's environment and options. */
/* The same name on the host, given (`name:`) or not: a given one is a
 * network or volume shared by that name, not the project's own */
static void check_same_names(const char *dir, const struct cfg_stack *a, const struct cfg_stack *b)
{
	assert_int_equal(a->n_networks, b->n_networks);
	assert_int_equal(a->n_volumes, b->n_volumes);
	for (size_t i = 0; i < a->n_networks + a->n_volumes; i++) {
		bool net = i < a->n_networks;
		const char *x =
		    net ? a->networks[i].host_name.v : a->volumes[i - a->n_networks].host_name.v;
		const char *y =
		    net ? b->networks[i].host_name.v : b->volumes[i - a->n_networks].host_name.v;
		if ((x || y) && (!x || !y || strcmp(x, y)))
			fail_msg("%s: the reloaded output names %s %zu \"%s\" where the file "
				 "named it \"%s\"",
				 dir, net ? "network" : "volume", net ? i : i - a->n_networks,
				 y ? y : "(its default)", x ? x : "(its default)");
	}
}

static void check_reload(const char *dir, const struct cfg_load_opts *o,
			 const struct cfg_stack *st0, const char *first, enum cfg_format fmt)
{
	struct cfg_load_opts again = *o;
	struct cfg_diags diags = {0};
	struct cfg_stack *st = NULL;
	char cwd[PATH_MAX];
	lxr_err err = {0};
	int r;

	again.file = "normalized.yaml"; /* named in messages only, never read */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	r = cfg_stack_load_text(&again, first, strlen(first), &st, &diags, &err);
	assert_int_equal(chdir(cwd), 0);
	_cleanup_free_ char *got_diags = diag_text(&diags);
	if (r < 0 || diags.n) {
		fprintf(stderr, "--- %s: the normalized output:\n%s--- reloads with:\n%s%s\n", dir,
			first, got_diags, r < 0 ? err.msg : "");
		fail_msg("%s: normalized output does not reload cleanly", dir);
	}
	check_same_names(dir, st0, st);
	_cleanup_free_ char *second = model_text(st, fmt);
	if (strcmp(first, second)) {
		fprintf(stderr,
			"--- %s: normalized:\n%s--- reloaded and normalized again:\n%s---\n", dir,
			first, second);
		fail_msg("%s: normalized output does not reload to itself", dir);
	}
	cfg_stack_free(st);
	cfg_diags_free(&diags);
}

/* What `lxr up` would refuse: expected.run, exactly (absent: nothing), and
 * cfg_stack_check_runnable agrees with it. */
static void check_runnable(const char *dir, const struct cfg_stack *st)
{
	_cleanup_free_ char *want = slurp(dir, "expected.run");
	char *got = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&got, &len);
	_cleanup_free_ bool *every = lxr_xcalloc(st->n_services + 1, sizeof(bool));
	lxr_err err;

	/* an up of every service */
	for (size_t i = 0; i < st->n_services; i++)
		every[i] = true;
	cfg_stack_print_unrunnable(f, st, every);
	fclose(f);
	check_text(dir, "expected.run", want, got, true);
	/* a setting lxr does not run, or an error of the file kept for a
	 * service with profiles */
	assert_int_equal(cfg_stack_check_runnable(st, every, &err) < 0 ||
			     cfg_stack_check_enabled(st, every, &err) < 0,
			 st->n_unrunnable > 0);
	free(got);
}

static void run_case(void **state)
{
	const char *dir = *state;
	_cleanup_free_ char *project = NULL;
	_cleanup_strv_ char **env = read_env(dir);
	struct cfg_load_opts o = {.file = "stack.yaml", .environ = env, .cwd = dir};
	struct cfg_diags diags = {0};
	struct cfg_stack *st = NULL;
	char cwd[PATH_MAX];
	lxr_err err = {0};
	int r;

	read_options(dir, &o, &project);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	r = cfg_stack_load(&o, &st, &diags, &err);
	assert_int_equal(chdir(cwd), 0);

	_cleanup_free_ char *want_err = slurp(dir, "expected.err");
	_cleanup_free_ char *want_warn = slurp(dir, "expected.warn");
	_cleanup_free_ char *got_diags = diag_text(&diags);
	if (want_err) {
		if (r == 0)
			fail_msg("%s: loaded, but expected.err says it must fail", dir);
		check_text(dir, "expected.err", want_err, got_diags, true);
	} else {
		if (r < 0)
			fprintf(stderr, "%s: %s%s\n", dir, got_diags, err.msg);
		assert_int_equal(r, 0);
		check_text(dir, "expected.warn", want_warn, got_diags, true);
		_cleanup_free_ char *want_json = slurp(dir, "expected.json");
		_cleanup_free_ char *got =
		    model_text(st, want_json ? CFG_FORMAT_JSON : CFG_FORMAT_YAML);
		_cleanup_free_ char *want_yaml = want_json ? NULL : slurp(dir, "expected.yaml");
		check_text(dir, want_json ? "expected.json" : "expected.yaml",
			   want_json ? want_json : want_yaml, got, false);
		check_reload(dir, &o, st, got, want_json ? CFG_FORMAT_JSON : CFG_FORMAT_YAML);
		check_runnable(dir, st);
	}
	cfg_stack_free(st);
	cfg_diags_free(&diags);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int loader_cases_run(const char *group, const char *prefix, const char *exclude)
{
	DIR *d = opendir(LXR_TEST_DATA);
	_cleanup_strv_ char **dirs = NULL;
	struct dirent *e;
	struct CMUnitTest *tests;
	size_t n;
	int r;

	assert_non_null(d);
	while ((e = readdir(d))) {
		char probe[PATH_MAX];
		if (e->d_name[0] == '.' || strncmp(e->d_name, prefix, strlen(prefix)) ||
		    (exclude && !strncmp(e->d_name, exclude, strlen(exclude))))
			continue;
		snprintf(probe, sizeof(probe), "%s/%s/stack.yaml", LXR_TEST_DATA, e->d_name);
		if (access(probe, F_OK) == 0)
			lxr_strv_push(&dirs, lxr_xasprintf("%s/%s", LXR_TEST_DATA, e->d_name));
	}
	closedir(d);
	n = lxr_strv_len(dirs);
	qsort(dirs, n, sizeof(*dirs), by_name);
	tests = lxr_xcalloc(n + 1, sizeof(*tests));
	for (size_t i = 0; i < n; i++)
		tests[i] =
		    (struct CMUnitTest){strrchr(dirs[i], '/') + 1, run_case, NULL, NULL, dirs[i]};
	r = _cmocka_run_group_tests(group, tests, n, NULL, NULL);
	free(tests);
	if (n == 0) {
		fprintf(stderr, "no cases with prefix %s under %s\n", prefix, LXR_TEST_DATA);
		return 1;
	}
	return r;
}
