/* ps --format TEMPLATE and "table TEMPLATE", as compose's formatter reads
 * them: Go's template language (lxr's reading of it, template.c) over the
 * record --format json prints, `.Label "k"` as docker's method, \t and \n
 * as tab and newline; a table's header row names each field, and its
 * columns are aligned as docker's tabwriter aligns them. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* The template lxr's reading takes: `.Label "k"` read as index .Label
 * "k", the escapes made characters (outside actions only, as docker
 * replaces them in its format string before it parses it) */
static char *prepared(const char *tmpl)
{
	size_t n = strlen(tmpl);
	char *out = lxr_xcalloc(1, 2 * n + 1), *o = out;
	bool in_action = false;

	for (const char *p = tmpl; *p;) {
		if (!in_action && !strncmp(p, "{{", 2)) {
			in_action = true;
			o = stpcpy(o, "{{");
			p += 2;
		} else if (in_action && !strncmp(p, "}}", 2)) {
			in_action = false;
			o = stpcpy(o, "}}");
			p += 2;
		} else if (in_action && !strncmp(p, ".Label ", 7) &&
			   (p[-1] == ' ' || p[-1] == '{' || p[-1] == '(')) {
			o = stpcpy(o, "index .Label ");
			p += 7;
		} else if (!in_action && p[0] == '\\' && (p[1] == 't' || p[1] == 'n')) {
			*o++ = p[1] == 't' ? '\t' : '\n';
			p += 2;
		} else {
			*o++ = *p++;
		}
	}
	return out;
}

/* docker's and compose's header of a field */
static void header_of(const char *field, char *buf, size_t size)
{
	static const char *const named[][2] = {{"ID", "CONTAINER ID"},
					       {"CreatedAt", "CREATED AT"},
					       {"RunningFor", "CREATED"},
					       {"LocalVolumes", "LOCAL VOLUMES"},
					       {"ExitCode", "EXIT CODE"}};
	size_t i;

	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (!strcmp(field, named[i][0])) {
			snprintf(buf, size, "%s", named[i][1]);
			return;
		}
	for (i = 0; field[i] && i + 1 < size; i++)
		buf[i] = (char)toupper((unsigned char)field[i]);
	buf[i] = '\0';
}

/* The header row: each {{.Field}} its header, any other action nothing */
static char *header_row(const char *tmpl)
{
	char *out = lxr_xstrdup("");

	for (const char *p = tmpl; *p;) {
		const char *end = !strncmp(p, "{{", 2) ? strstr(p, "}}") : NULL;
		char *more;
		if (!end) {
			more = lxr_xasprintf("%s%c", out, *p++);
		} else {
			char field[64] = "", head[64] = "";
			if (sscanf(p, "{{ .%63[A-Za-z] }}", field) == 1 ||
			    sscanf(p, "{{.%63[A-Za-z]}}", field) == 1)
				header_of(field, head, sizeof(head));
			more = lxr_xasprintf("%s%s", out, head);
			p = end + 2;
		}
		free(out);
		out = more;
	}
	return out;
}

/* docker's tabwriter (minimum width 10, padding 3): the rows' cells split
 * at tabs, each column as wide as its widest cell, the last unpadded */
static void aligned(char **rows)
{
	size_t w[64] = {0};

	for (size_t r = 0; rows[r]; r++) {
		size_t c = 0;
		for (char *p = rows[r], *t; (t = strchr(p, '\t')) && c < 64; p = t + 1, c++)
			if ((size_t)(t - p) + 3 > w[c])
				w[c] = (size_t)(t - p) + 3;
	}
	for (size_t r = 0; rows[r]; r++) {
		size_t c = 0;
		char *p = rows[r], *t;
		for (; (t = strchr(p, '\t')) && c < 64; p = t + 1, c++)
			printf("%-*.*s", (int)(w[c] < 10 ? 10 : w[c]), (int)(t - p), p);
		puts(p);
	}
}

/* One record's line, as the template gives it */
static char *line_of(const char *tmpl, json_t *dot, lxr_err *err)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int r = cli_template(tmpl, dot, f, err);

	fclose(f);
	if (r < 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* A field the record does not have, read from dot (.Nmae, a typo): an
 * error, as docker's "can't evaluate field", not a column of <no value>.
 * A range or with over Publishers reads its entries' fields. */
static const char *unknown_field(const char *t)
{
	static const char *const known[] = {"Name",          "Names",   "ID",         "Image",
					    "Command",       "Service", "RunningFor", "Created",
					    "CreatedAt",     "Status",  "State",      "Health",
					    "ExitCode",      "Ports",   "Publishers", "Labels",
					    "Label",         "Project", "URL",        "TargetPort",
					    "PublishedPort", "Protocol"};
	static char bad[64];
	bool in_action = false;

	for (const char *p = t; *p; p++) {
		if (!strncmp(p, "{{", 2) || !strncmp(p, "}}", 2)) {
			in_action = p[0] == '{';
			p++;
			continue;
		}
		if (!in_action || p[0] != '.' || !isupper((unsigned char)p[1]) ||
		    !strchr(" {(", p[-1]))
			continue;
		size_t n =
		    strspn(p + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
		bool ok = false;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]) && !ok; i++)
			ok = strlen(known[i]) == n && !strncmp(known[i], p + 1, n);
		if (!ok)
			return snprintf(bad, sizeof(bad), "%.*s", (int)(n < 40 ? n : 40), p + 1),
			       bad;
	}
	return NULL;
}

const char *cli_ps_format_check(const char *tmpl)
{
	static char why[LXR_ERR_MSG_MAX + 64];
	_cleanup_free_ char *t = prepared(strncmp(tmpl, "table ", 6) ? tmpl : tmpl + 6);
	json_t *none = json_object();
	const char *bad;
	lxr_err err;
	int r = cli_template(t, none, NULL, &err);

	json_decref(none);
	if (r < 0)
		return snprintf(why, sizeof(why), "%s", err.msg), why;
	if ((bad = unknown_field(t)))
		return snprintf(why, sizeof(why), "unknown field %s", bad), why;
	return NULL;
}

int cli_ps_print_template(json_t *result, const char *project, const char *tmpl, bool no_trunc)
{
	bool table = !strncmp(tmpl, "table ", 6);
	_cleanup_free_ char *t = prepared(table ? tmpl + 6 : tmpl);
	_cleanup_strv_ char **rows = NULL;
	size_t i;
	json_t *o;
	lxr_err err;

	if (table)
		lxr_strv_push(&rows, header_row(t));
	json_array_foreach(result, i, o)
	{
		json_t *dot = cli_ps_template_dot(o, project, no_trunc);
		char *line = line_of(t, dot, &err);
		json_decref(dot);
		if (!line) {
			lxr_err_print(&err);
			return -1;
		}
		if (table)
			lxr_strv_push(&rows, line);
		else {
			puts(line);
			free(line);
		}
	}
	if (table && rows)
		aligned(rows);
	return 0;
}
