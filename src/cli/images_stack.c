/* lxr images in a project: the images its containers run, as docker
 * compose images lists them (CONTAINER REPOSITORY TAG IMAGE ID SIZE). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lxr/config.h"
#include "lxr/image.h"

struct row {
	const char *container;
	const char *repo, *tag;
	char id[16], size[32];
};

/* docker's units.HumanSizeWithPrecision(n, 3) */
static void size_str(int64_t n, char *buf, size_t len)
{
	static const char *const u[] = {"B", "kB", "MB", "GB", "TB"};
	double v = (double)n;
	int i = 0;

	while (v >= 1000 && i < 4)
		v /= 1000, i++;
	snprintf(buf, len, "%.3g%s", v, u[i]);
}

/* The store's summary of an image reference, or NULL. */
static const struct img_summary *lookup(const struct img_summary *v, size_t n, const char *ref)
{
	struct img_ref r;
	_cleanup_free_ char *canon = NULL;
	lxr_err err;

	if (img_ref_parse(ref, &r, &err) < 0)
		return NULL;
	canon = img_ref_string(&r);
	img_ref_free(&r);
	for (size_t i = 0; i < n; i++)
		if (v[i].name && !strcmp(v[i].name, canon))
			return &v[i];
	return NULL;
}

static void make_row(json_t *inst, const struct img_summary *v, size_t n, struct row *r)
{
	const char *ref = json_string_value(json_object_get(inst, "image"));
	const struct img_summary *s = ref && *ref != '/' && *ref != '.' ? lookup(v, n, ref) : NULL;

	/* docker's name, as compose's images names the container */
	r->container = cli_ps_name(inst);
	r->repo = s ? img_short_name(s->repo) : ref ? ref : "-";
	r->tag = s ? s->tag : "-";
	snprintf(r->id, sizeof(r->id), "%.12s", s ? s->config_digest + 7 : "-");
	if (s)
		size_str(s->size, r->size, sizeof(r->size));
	else
		snprintf(r->size, sizeof(r->size), "-");
}

static void print_rows(const struct row *rows, size_t n, bool quiet, bool json)
{
	size_t wc = strlen("CONTAINER"), wr = strlen("REPOSITORY"), wt = strlen("TAG");

	for (size_t i = 0; i < n; i++) {
		if (quiet) {
			bool seen = !strcmp(rows[i].id, "-");
			for (size_t k = 0; k < i && !seen; k++)
				seen = !strcmp(rows[k].id, rows[i].id);
			if (!seen)
				puts(rows[i].id);
		} else if (json) {
			json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "ContainerName",
					      rows[i].container, "Repository", rows[i].repo, "Tag",
					      rows[i].tag, "ID", rows[i].id, "Size", rows[i].size);
			char *s = json_dumps(o, JSON_COMPACT);
			puts(s ? s : "{}");
			free(s);
			json_decref(o);
		}
		wc = strlen(rows[i].container) > wc ? strlen(rows[i].container) : wc;
		wr = strlen(rows[i].repo) > wr ? strlen(rows[i].repo) : wr;
		wt = strlen(rows[i].tag) > wt ? strlen(rows[i].tag) : wt;
	}
	if (quiet || json)
		return;
	printf("%-*s   %-*s   %-*s   %-12s   %s\n", (int)wc, "CONTAINER", (int)wr, "REPOSITORY",
	       (int)wt, "TAG", "IMAGE ID", "SIZE");
	for (size_t i = 0; i < n; i++)
		printf("%-*s   %-*s   %-*s   %-12s   %s\n", (int)wc, rows[i].container, (int)wr,
		       rows[i].repo, (int)wt, rows[i].tag, rows[i].id, rows[i].size);
}

int cli_images_stack(const char *file, const char *project, char **services, bool quiet, bool json)
{
	struct cfg_stack *st = NULL;
	struct img_summary *v = NULL;
	struct img_store *store = NULL;
	_cleanup_free_ char *sock = NULL;
	struct row *rows = NULL;
	json_t *ps = NULL, *o;
	size_t n = 0, i;
	lxr_err err;
	int r;

	if (!project) {
		r = cli_stack_load(file, NULL, &st);
		if (r != LXR_EXIT_OK)
			return r;
		project = st->project;
	}
	/* a project that is not up has no containers: an empty list, as
	 * compose's */
	sock = lxr_xasprintf("%s/%s/control.sock", lxr_run_dir(), project);
	if (access(sock, F_OK) == 0) {
		r = cli_project_ps(file, project, services, &ps);
		if (r != LXR_EXIT_OK) {
			cfg_stack_free(st);
			return r;
		}
	}
	if (img_store_open(lxr_data_dir(), &store, &err) < 0 || img_list(store, &v, &n, &err) < 0) {
		lxr_err_print(&err);
		img_store_close(store);
		json_decref(ps);
		cfg_stack_free(st);
		return LXR_EXIT_FAIL;
	}
	rows = lxr_xcalloc(json_array_size(ps) + 1, sizeof(*rows));
	json_array_foreach(ps, i, o) make_row(o, v, n, &rows[i]);
	print_rows(rows, json_array_size(ps), quiet, json);
	free(rows);
	img_summaries_free(v, n);
	img_store_close(store);
	json_decref(ps);
	cfg_stack_free(st);
	return LXR_EXIT_OK;
}
