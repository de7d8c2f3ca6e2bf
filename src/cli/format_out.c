/* --format's uses over a command's records: docker's -f/--format taken
 * anywhere among the names, and each record printed as JSON or through a
 * template (template.c) */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

const char *cli_format_opt(int argc, char **argv, int *i)
{
	const char *a = argv[*i];

	if (!strncmp(a, "--format=", 9))
		return a + 9;
	if ((!strcmp(a, "-f") || !strcmp(a, "--format")) && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

int cli_print_each(json_t *arr, const char *format, size_t json_flags)
{
	lxr_err err;
	size_t i;
	json_t *o;

	if (!format || !strcmp(format, "json")) {
		char *text = json_dumps(arr, json_flags);
		puts(text ? text : "[]");
		free(text);
		return LXR_EXIT_OK;
	}
	json_array_foreach(arr, i, o)
	{
		if (cli_template(format, o, stdout, &err) < 0) {
			lxr_err_print(&err);
			return LXR_EXIT_FAIL;
		}
		putchar('\n');
	}
	return LXR_EXIT_OK;
}

int cli_format_check(const char *format)
{
	json_t *none = json_object();
	lxr_err err;
	int r = format && strcmp(format, "json") ? cli_template(format, none, NULL, &err) : 0;

	json_decref(none);
	if (r < 0)
		lxr_err_print(&err);
	return r;
}

int cli_inspect_names(int argc, char **argv, const char *usage, const char *what,
		      json_t *(*one)(const char *name))
{
	json_t *out = json_array();
	const char *format = NULL, *f;
	int r = LXR_EXIT_OK;

	if (argc < 2)
		return json_decref(out), fputs(usage, stderr), LXR_EXIT_USAGE;
	/* docker's -f/--format, anywhere among the names */
	for (int i = 1; i < argc; i++)
		if ((f = cli_format_opt(argc, argv, &i)))
			format = f;
	if (cli_format_check(format) < 0)
		return json_decref(out), LXR_EXIT_USAGE;
	for (int i = 1; i < argc; i++) {
		json_t *o;
		if (cli_format_opt(argc, argv, &i))
			continue;
		if (cli_is_help(argv[i]))
			return json_decref(out), fputs(usage, stdout), LXR_EXIT_OK;
		if (!(o = one(argv[i]))) {
			fprintf(stderr, "lxr: error: no such %s: %s\n", what, argv[i]);
			r = LXR_EXIT_FAIL;
			continue;
		}
		json_array_append_new(out, o);
	}
	if (cli_print_each(out, format, JSON_INDENT(4) | JSON_SORT_KEYS) != LXR_EXIT_OK)
		r = LXR_EXIT_FAIL;
	json_decref(out);
	return r;
}
