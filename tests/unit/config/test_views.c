/* lxr config's views of a stack file (lxr/config_view.h): the file merged
 * as written or interpolated, the variables it names, the environment it
 * is interpolated from, and a file given as text (-f -). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lxr/config_view.h"

static char dir[] = "/tmp/lxr-test-views.XXXXXX";

static void put(const char *name, const char *text)
{
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* text as the stack file given as text (-f -), in dir */
static struct cfg_stack *load(const char *text, int view, char *const *env,
			      const char *const *overrides, struct cfg_diags *d)
{
	struct cfg_load_opts o = {.file = "<stdin>",
				  .text = text,
				  .text_len = strlen(text),
				  .overrides = overrides,
				  .environ = env,
				  .cwd = dir,
				  .project_dir = dir,
				  .view = view,
				  .keep_environment = true};
	struct cfg_stack *st = NULL;
	lxr_err err;

	if (cfg_stack_load(&o, &st, d, &err) < 0 && !d->n_errors)
		fail_msg("%s", err.msg);
	return st;
}

static char *written(const struct cfg_stack *st, enum cfg_format fmt)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	lxr_err err;

	assert_int_equal(cfg_stack_write_written(f, st, fmt, &err), 0);
	fclose(f);
	return text;
}

static const char stack[] = "name: Views\n"
			    "x-env: &env {FOO: \"${FOO:-bar}\"}\n"
			    "services:\n"
			    "  base:\n"
			    "    image: \"${IMG:?set IMG}\"\n"
			    "    environment: *env\n"
			    "    command: echo $$HOME ${A:+alt}\n"
			    "    ports: [\"${PORT}:80\"]\n"
			    "  web:\n"
			    "    extends: base\n"
			    "    profiles: [dev]\n"
			    "    ports: !reset []\n";

/* Nothing looked up: a required variable unset is no error, `$$` and
 * `${...}` print as written; extends, !reset and an override merged. */
static void as_written(void **state)
{
	char *const env[] = {NULL};
	_cleanup_free_ char *over = lxr_xasprintf("%s/over.yaml", dir);
	const char *const overrides[] = {over, NULL};
	struct cfg_diags d = {0};
	struct cfg_stack *st;
	_cleanup_free_ char *out = NULL;

	(void)state;
	put("over.yaml", "services:\n  web: {command: [\"${CMD}\"]}\n");
	st = load(stack, CFG_VIEW_AS_WRITTEN, env, overrides, &d);
	assert_non_null(st);
	assert_int_equal(d.n, 0); /* not even a warning */
	assert_int_equal(st->n_services, 0);
	out = written(st, CFG_FORMAT_YAML);
	assert_string_equal(out, "name: views\n"
				 "x-env:\n"
				 "  FOO: ${FOO:-bar}\n"
				 "services:\n"
				 "  base:\n"
				 "    image: ${IMG:?set IMG}\n"
				 "    environment:\n"
				 "      FOO: ${FOO:-bar}\n"
				 "    command: echo $$HOME ${A:+alt}\n"
				 "    ports:\n"
				 "    - ${PORT}:80\n"
				 "  web:\n"
				 "    image: ${IMG:?set IMG}\n"
				 "    environment:\n"
				 "      FOO: ${FOO:-bar}\n"
				 "    command:\n"
				 "    - ${CMD}\n"
				 "    profiles:\n"
				 "    - dev\n");
	cfg_stack_free(st);
	cfg_diags_free(&d);
}

/* Interpolated, not normalized, the model read and checked too; a literal
 * '$' written `$$` again. */
static void merged(void **state)
{
	char *const env[] = {(char *)"IMG=nginx", (char *)"PORT=8080", (char *)"A=1", NULL};
	struct cfg_diags d = {0};
	struct cfg_stack *st;
	_cleanup_free_ char *out = NULL;

	(void)state;
	st = load(stack, CFG_VIEW_MERGED, env, NULL, &d);
	assert_non_null(st);
	assert_int_equal(st->n_services, 2);
	out = written(st, CFG_FORMAT_JSON);
	assert_non_null(strstr(out, "\"image\": \"nginx\""));
	assert_non_null(strstr(out, "\"command\": \"echo $$HOME alt\""));
	assert_non_null(strstr(out, "\"8080:80\""));
	assert_null(strstr(out, "${"));
	cfg_stack_free(st);
	cfg_diags_free(&d);
	/* checked as the model is: the required variable unset fails */
	st = load(stack, CFG_VIEW_MERGED, (char *[]){(char *)"PORT=1", NULL}, NULL, &d);
	assert_null(st);
	assert_int_equal(d.n_errors, 1);
	assert_string_equal(d.v[0].pos.file, "<stdin>");
	assert_non_null(strstr(d.v[0].msg, "required variable IMG"));
	cfg_diags_free(&d);
}

/* compose-go's rules: required as soon as one reference is, the first
 * default and alternate given, references in an operator's text too,
 * names in order; keys are never interpolated, so never variables. */
static void variables(void **state)
{
	char *const env[] = {NULL};
	struct cfg_diags d = {0};
	struct cfg_stack *st;
	struct cfg_variable *v;
	size_t n;

	(void)state;
	st = load("services:\n"
		  "  a:\n"
		  "    image: ${B}\n"
		  "    environment:\n"
		  "      ${KEY}: \"${B:-one} ${B:-two} ${B?} ${Z:+${Y-y}}\"\n",
		  CFG_VIEW_AS_WRITTEN, env, NULL, &d);
	assert_non_null(st);
	cfg_stack_variables(st, &v, &n);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].name, "B");
	assert_true(v[0].required);
	assert_string_equal(v[0].default_value, "one");
	assert_string_equal(v[0].alternate_value, "");
	assert_string_equal(v[1].name, "Y");
	assert_string_equal(v[1].default_value, "y");
	assert_string_equal(v[2].name, "Z");
	assert_false(v[2].required);
	assert_string_equal(v[2].alternate_value, "${Y-y}");
	cfg_variables_free(v, n);
	cfg_stack_free(st);
	cfg_diags_free(&d);
}

/* What interpolation takes from: the environment (the first of a name),
 * the .env's others, the project's name; in byte order. */
static void environment(void **state)
{
	char *const env[] = {(char *)"B=2",     (char *)"A=1",
			     (char *)"A=dup",   (char *)"COMPOSE_PROJECT_NAME=",
			     (char *)"NOVALUE", NULL};
	_cleanup_free_ char *dotenv = lxr_xasprintf("%s/.env", dir), *project = NULL;
	struct cfg_diags d = {0};
	struct cfg_stack *st;

	(void)state;
	put(".env", "A=fromfile\nC=3\n");
	st = load("services: {a: {image: x}}\n", CFG_VIEW_MODEL, env, NULL, &d);
	unlink(dotenv);
	assert_non_null(st);
	assert_int_equal(lxr_strv_len(st->environment), 4);
	assert_string_equal(st->environment[0], "A=1");
	assert_string_equal(st->environment[1], "B=2");
	assert_string_equal(st->environment[2], "C=3");
	project = lxr_xasprintf("COMPOSE_PROJECT_NAME=%s", st->project);
	assert_string_equal(st->environment[3], project);
	/* the file went by the name it was given, its directory the project's */
	assert_string_equal(st->file, "<stdin>");
	assert_string_equal(st->text, "services: {a: {image: x}}\n");
	assert_string_equal(st->dir, dir);
	cfg_stack_free(st);
	cfg_diags_free(&d);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
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
	    cmocka_unit_test(as_written),
	    cmocka_unit_test(merged),
	    cmocka_unit_test(variables),
	    cmocka_unit_test(environment),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
