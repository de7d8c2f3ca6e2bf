/* What lxr config prints beside the model, as compose's config prints it:
 * --variables, --hash, and images pinned to digests (config_views.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/config_views.h"
#include "lxr/config_view.h"
#include "lxr/image.h"
#include "lxr/supervisor.h"

/* ---- --variables ----------------------------------------------------------- */

/* Characters, not bytes: how wide a cell is on a terminal */
static size_t width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* compose's table is Go's tabwriter (minimum width 20, padding 3): each
 * column but the last as wide as its widest cell and 3, at least 20 */
static void table(const struct cfg_variable *v, size_t n, FILE *out)
{
	const char *head[4] = {"NAME", "REQUIRED", "DEFAULT VALUE", "ALTERNATE VALUE"};
	size_t w[3];

	for (int c = 0; c < 3; c++)
		w[c] = width(head[c]) + 3 > 20 ? width(head[c]) + 3 : 20;
	for (size_t i = 0; i < n; i++) {
		const char *cells[3] = {v[i].name, v[i].required ? "true" : "false",
					v[i].default_value};
		for (int c = 0; c < 3; c++)
			if (width(cells[c]) + 3 > w[c])
				w[c] = width(cells[c]) + 3;
	}
	for (size_t i = 0; i <= n; i++) {
		const char *cells[4] = {head[0], head[1], head[2], head[3]};
		if (i > 0) {
			cells[0] = v[i - 1].name;
			cells[1] = v[i - 1].required ? "true" : "false";
			cells[2] = v[i - 1].default_value;
			cells[3] = v[i - 1].alternate_value;
		}
		for (int c = 0; c < 3; c++)
			fprintf(out, "%s%*s", cells[c], (int)(w[c] - width(cells[c])), "");
		fprintf(out, "%s\n", cells[3]);
	}
}

/* A YAML value: plain where that reads back as the same string, else
 * double-quoted (JSON's escapes are YAML's too) */
static void yaml_scalar(const char *s, FILE *out)
{
	static const char *const typed[] = {
	    "y",  "Y",    "yes",  "Yes",  "YES",   "n",     "N",     "no", "No",
	    "NO", "true", "True", "TRUE", "false", "False", "FALSE", "on", "On",
	    "ON", "off",  "Off",  "OFF",  "null",  "Null",  "NULL",  "~"};
	bool plain = *s &&
		     strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			       "0123456789_./@+-") == strlen(s) &&
		     !strchr("-.+", s[0]) && strspn(s, "0123456789._") != strlen(s);
	json_t *j;
	char *text;

	for (size_t i = 0; plain && i < sizeof(typed) / sizeof(*typed); i++)
		plain = strcmp(s, typed[i]) != 0;
	if (plain) {
		fputs(s, out);
		return;
	}
	j = json_string(s);
	text = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
	fputs(text ? text : "\"\"", out);
	free(text);
	json_decref(j);
}

/* compose marshals its map of template.Variable: in JSON the Go field
 * names, in YAML (yaml.v3) the same lowercased, both indented by four */
static int structured(const struct config_args *a, const struct cfg_variable *v, size_t n,
		      FILE *out)
{
	json_t *all = json_object();
	char *text;

	if (a->format == CFG_FORMAT_YAML) {
		json_decref(all);
		if (!n)
			fputs("{}\n", out);
		for (size_t i = 0; i < n; i++) {
			fprintf(out, "%s:\n    name: %s\n    defaultvalue: ", v[i].name, v[i].name);
			yaml_scalar(v[i].default_value, out);
			fputs("\n    presencevalue: ", out);
			yaml_scalar(v[i].alternate_value, out);
			fprintf(out, "\n    required: %s\n", v[i].required ? "true" : "false");
		}
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		json_object_set_new(all, v[i].name,
				    json_pack("{s:s, s:s, s:s, s:b}", "Name", v[i].name,
					      "DefaultValue", v[i].default_value, "PresenceValue",
					      v[i].alternate_value, "Required", v[i].required));
	text = json_dumps(all, JSON_INDENT(4));
	json_decref(all);
	fprintf(out, "%s\n", text ? text : "{}");
	free(text);
	return 0;
}

int config_print_variables(const struct config_args *a, const struct cfg_stack *st, FILE *out)
{
	struct cfg_variable *v;
	size_t n;

	cfg_stack_variables(st, &v, &n);
	if (a->format_given && !a->table)
		structured(a, v, n, out);
	else
		table(v, n, out);
	cfg_variables_free(v, n);
	return 0;
}

/* ---- --hash ---------------------------------------------------------------- */

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

int config_print_hashes(const struct config_args *a, const struct cfg_stack *st, FILE *out)
{
	_cleanup_strv_ char **names = lxr_xcalloc(1, sizeof(char *));
	_cleanup_free_ char *list = lxr_xstrdup(a->hash);
	struct plan_select sel = {(const char *const *)a->profiles, NULL, false, false};
	struct plan_graph *g = NULL;
	char *save = NULL, hash[SUP_HASH_LEN];
	lxr_err err;
	int r = 0;

	/* compose's "a,b", or "*": every service the profiles enable */
	for (char *p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save))
		if (strcmp(p, "*"))
			lxr_strv_push(&names, lxr_xstrdup(p));
	sel.targets = names[0] ? (const char *const *)names : NULL;
	if (plan_graph_build(st, &sel, &g, &err) < 0) {
		lxr_err_print(&err);
		return LXR_EXIT_USAGE;
	}
	for (size_t i = 0; !sel.targets && i < g->n; i++)
		lxr_strv_push(&names, lxr_xstrdup(g->nodes[i].svc->name));
	qsort(names, lxr_strv_len(names), sizeof(*names), cmp_str);
	for (size_t i = 0; names[i]; i++) {
		if (i && !strcmp(names[i], names[i - 1]))
			continue;
		if (sup_service_hash(st, cfg_stack_service(st, names[i]), hash, &err) < 0) {
			lxr_err_print(&err);
			r = LXR_EXIT_FAIL;
			continue;
		}
		fprintf(out, "%s %s\n", names[i], hash);
	}
	plan_graph_free(g);
	return r;
}

/* ---- --resolve-image-digests, --lock-image-digests ------------------------ */

/* The image as the store has it, pinned: REF@sha256:... (a reference with
 * a digest already is left as it is). */
static int pin(struct img_store **store, struct cfg_service *svc, lxr_err *err)
{
	_cleanup_free_ char *images = lxr_xasprintf("%s/images", lxr_data_dir());
	struct img_ref ref = {0};
	struct img_image img = {0};
	bool pinned;

	if (img_ref_parse(svc->image.v, &ref, err) < 0)
		return lxr_err_wrap(err, "service \"%s\": image", svc->name);
	pinned = ref.digest != NULL;
	img_ref_free(&ref);
	if (pinned)
		return 0;
	if (access(images, F_OK) == 0 && !*store && img_store_open(lxr_data_dir(), store, err) < 0)
		return -1;
	if (!*store || img_resolve(*store, svc->image.v, &img, err) < 0) {
		if (*store && err->errnum != ENOENT)
			return lxr_err_wrap(err, "service \"%s\": image \"%s\"", svc->name,
					    svc->image.v);
		lxr_fail(err, 0,
			 "service \"%s\": image \"%s\" is not here, so lxr has no "
			 "digest for it",
			 svc->name, svc->image.v);
		return lxr_err_hint(err, "pull it first: lxr pull %s", svc->name);
	}
	char *v = lxr_xasprintf("%s@%s", svc->image.v, img.manifest_digest);
	free(svc->image.v);
	svc->image.v = v;
	img_image_free(&img);
	return 0;
}

int config_resolve_digests(struct cfg_stack *st, const struct plan_graph *g)
{
	struct img_store *store = NULL;
	lxr_err err;
	int r = 0;

	/* compose pins image: only; a service built, without one, has none */
	for (size_t i = 0; i < st->n_services; i++) {
		struct cfg_service *svc = &st->services[i];
		if (plan_graph_find(g, svc->name) < 0 || !svc->image.v || svc->image_is_path)
			continue;
		if (pin(&store, svc, &err) < 0) {
			lxr_err_print(&err);
			r = -1;
		}
	}
	img_store_close(store);
	return r;
}

int config_print_locked(const struct config_args *a, const struct plan_graph *g, FILE *out)
{
	json_t *svcs = json_object();
	char *text;

	for (size_t i = 0; i < g->n; i++) {
		const struct cfg_service *svc = g->nodes[i].svc;
		if (svc->image.v && !svc->image_is_path)
			json_object_set_new(svcs, svc->name,
					    json_pack("{s:s}", "image", svc->image.v));
	}
	if (a->format == CFG_FORMAT_JSON) {
		json_t *doc = json_pack("{s:o}", "services", svcs);
		text = json_dumps(doc, JSON_INDENT(2));
		fprintf(out, "%s\n", text ? text : "{}");
		free(text);
		json_decref(doc);
		return 0;
	}
	const char *name;
	json_t *v;
	fputs(json_object_size(svcs) ? "services:\n" : "services: {}\n", out);
	json_object_foreach(svcs, name, v)
	{
		fprintf(out, "  %s:\n    image: ", name);
		yaml_scalar(json_string_value(json_object_get(v, "image")), out);
		fputc('\n', out);
	}
	json_decref(svcs);
	return 0;
}
