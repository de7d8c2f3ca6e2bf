/* lxr doctor: whether this host has every kernel feature and program lxr
 * uses, and with --repair, the removal of what a crash or power cut left.
 * Each layer checks its own needs (rt_features_check, net_host_check,
 * img_tool_check, lxr_dirs_check; sup_repair); this file only prints. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "lxr/config.h"
#include "lxr/settings.h"
#include "lxr/image.h"
#include "lxr/net.h"
#include "lxr/runtime.h"
#include "lxr/supervisor.h"

/* What a crash or power cut left (sup_leftovers): a warning, since nothing
 * uses it (readers skip temp names, starts redo half-made containers), but
 * it holds disk space, addresses or a container's state until removed.
 * After --repair, what is still there is what a live lxr owns. */
static void leftovers_check(struct lxr_checks *c, char *const *found, bool repair)
{
	size_t n = lxr_strv_len((char **)found);

	if (n == 0)
		lxr_check_add(c, "leftovers", LXR_CHECK_OK, NULL, NULL,
			      "nothing left by a crash or power cut");
	else
		lxr_check_add(c, "leftovers", LXR_CHECK_WARN,
			      "nothing: readers skip them, but they hold disk space, "
			      "addresses or stale state",
			      repair ? "they appeared while --repair ran: run it again"
				     : "lxr doctor --repair removes them",
			      "%zu thing%s left by a crash or power cut (the \"left\" lines)", n,
			      n == 1 ? "" : "s");
}

static const char *const status_names[] = {"ok", "warn", "missing"};

static void print_text(const struct lxr_checks *c, char *const *removed, char *const *kept,
		       char *const *found, bool repair)
{
	size_t count[3] = {0};

	for (size_t i = 0; found && found[i]; i++)
		printf("left     %s\n", found[i]);
	if (found && *found)
		putchar('\n');
	if (repair) {
		for (size_t i = 0; removed && removed[i]; i++)
			printf("removed  %s\n", removed[i]);
		for (size_t i = 0; kept && kept[i]; i++)
			printf("kept     %s\n", kept[i]);
		if (!removed || !*removed)
			puts("removed  nothing: no crash left anything behind");
		putchar('\n');
	}
	for (size_t i = 0; i < c->n; i++) {
		const struct lxr_check *k = &c->v[i];
		count[k->status]++;
		printf("%-8s %s: %s\n", status_names[k->status], k->name, k->detail);
		if (k->breaks)
			printf("         without it: %s\n", k->breaks);
		if (k->fix)
			printf("         fix: %s\n", k->fix);
	}
	printf("\n%zu ok, %zu warning%s, %zu missing: %s\n", count[0], count[1],
	       count[1] == 1 ? "" : "s", count[2],
	       count[2]   ? "lxr cannot do everything on this host (see the missing lines)"
	       : count[1] ? "everything lxr needs is here"
			  : "everything lxr uses is here");
}

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();

	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static void print_json(const struct lxr_checks *c, char *const *removed, char *const *kept,
		       char *const *found, bool repair)
{
	json_t *o = json_object(), *arr = json_array();
	size_t count[3] = {0};
	char *s;

	for (size_t i = 0; i < c->n; i++) {
		const struct lxr_check *k = &c->v[i];
		json_t *j = json_pack("{s:s, s:s, s:s}", "name", k->name, "status",
				      status_names[k->status], "detail", k->detail);
		count[k->status]++;
		if (k->breaks)
			json_object_set_new(j, "breaks", json_string(k->breaks));
		if (k->fix)
			json_object_set_new(j, "fix", json_string(k->fix));
		json_array_append_new(arr, j);
	}
	json_object_set_new(o, "checks", arr);
	json_object_set_new(o, "summary",
			    json_pack("{s:I, s:I, s:I, s:b}", "ok", (json_int_t)count[0], "warn",
				      (json_int_t)count[1], "missing", (json_int_t)count[2],
				      "ready", count[2] == 0));
	json_object_set_new(o, "leftovers", strv_json(found));
	if (repair) {
		json_object_set_new(o, "removed", strv_json(removed));
		json_object_set_new(o, "kept", strv_json(kept));
	}
	s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	puts(s);
	free(s);
	json_decref(o);
}

static int parse(int argc, char **argv, bool *repair, bool *json)
{
	static const struct option longopts[] = {{"repair", no_argument, NULL, 'r'},
						 {"format", required_argument, NULL, 'F'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	int c;

	optind = 0; /* options among the names too, as docker's */
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': *repair = true; break;
		case 'F':
			if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
				fprintf(stderr,
					"lxr: error: doctor: --format takes text or json, not "
					"\"%s\"\n",
					optarg);
				return -1;
			}
			*json = !strcmp(optarg, "json");
			break;
		case 'h': fputs(cli_help("doctor"), stdout); return 1;
		default: cli_bad_option(argv[optind - 1], longopts, cli_help("doctor")); return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "lxr: error: doctor takes no arguments\n%s", cli_help("doctor"));
		return -1;
	}
	return 0;
}

int cmd_doctor(int argc, char **argv)
{
	struct lxr_checks c = {0};
	_cleanup_strv_ char **removed = NULL, **kept = NULL, **found = NULL;
	bool repair = false, json = false, failed = false;
	lxr_err err;
	int r = parse(argc, argv, &repair, &json);

	if (r != 0)
		return r > 0 ? LXR_EXIT_OK : LXR_EXIT_USAGE;
	/* an ordinary user: what rootless lxr needs, checked from outside
	 * (inside, the user is root); then --repair in the user's namespace */
	if (geteuid() != 0) {
		cli_rootless_check(&c);
		net_rootless_check(&c);
		rt_rootless_check(&c);
		if (repair && (cli_rootless_enter() < 0 || cli_apply_settings() < 0))
			failed = true;
		else if (repair && sup_repair(&removed, &kept, &err) < 0) {
			lxr_err_wrap(&err, "doctor --repair");
			lxr_err_print(&err);
			failed = true;
		}
		goto print;
	}
	if (repair && sup_repair(&removed, &kept, &err) < 0) {
		lxr_err_wrap(&err, "doctor --repair");
		lxr_err_print(&err);
		failed = true;
	}
	if (sup_leftovers(&found, &err) < 0) {
		lxr_err_wrap(&err, "doctor: look for what a crash left");
		lxr_err_print(&err);
	}
	leftovers_check(&c, found, repair);
	rt_features_check(&c, lxr_data_dir(), lxr_run_dir());
	net_host_check(&c);
	img_tool_check(&c);
	lxr_dirs_check(&c);
	sup_watchdog_check(&c, cli_settings()->watchdog_device);
print:
	if (json)
		print_json(&c, removed, kept, found, repair);
	else
		print_text(&c, removed, kept, found, repair);
	for (size_t i = 0; i < c.n; i++)
		failed |= c.v[i].status == LXR_CHECK_MISSING;
	lxr_checks_free(&c);
	return failed ? LXR_EXIT_FAIL : LXR_EXIT_OK;
}
