/* lxr images, rmi, image prune: look at and trim the image store. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/run_opts.h"
#include "lxr/image.h"

static void human_size(int64_t b, char *buf, size_t n)
{
	if (b >= 1000 * 1000 * 1000)
		snprintf(buf, n, "%.2fGB", (double)b / 1e9);
	else if (b >= 1000 * 1000)
		snprintf(buf, n, "%.1fMB", (double)b / 1e6);
	else
		snprintf(buf, n, "%.1fkB", (double)b / 1e3);
}

static void print_table(const struct img_summary *v, size_t n)
{
	printf("%-40s %-16s %-14s %-20s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
	for (size_t i = 0; i < n; i++) {
		char size[32], created[32] = "";
		time_t t = (time_t)v[i].created;
		const char *id = v[i].config_digest[0] ? v[i].config_digest + 7 : "?";
		if (t)
			strftime(created, sizeof(created), "%Y-%m-%d %H:%M", gmtime(&t));
		human_size(v[i].size, size, sizeof(size));
		printf("%-40s %-16s %-14.12s %-20s %s\n", img_short_name(v[i].repo), v[i].tag, id,
		       created, size);
	}
}

/* images -q: the short ids, each once (an image with two tags is one) */
static void print_ids(const struct img_summary *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *id = v[i].config_digest[0] ? v[i].config_digest + 7 : "?";
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = !strcmp(v[k].config_digest, v[i].config_digest);
		if (!seen)
			printf("%.12s\n", id);
	}
}

static void print_json(const struct img_summary *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_pack("{s:s, s:s, s:s?, s:s, s:s, s:I, s:I, s:b}", "Repository",
				      img_short_name(v[i].repo), "Tag", v[i].tag, "Name", v[i].name,
				      "ID", v[i].config_digest, "Digest", v[i].manifest_digest,
				      "Size", (json_int_t)v[i].size, "Created",
				      (json_int_t)v[i].created, "InUse", v[i].in_use);
		char *line = json_dumps(o, JSON_COMPACT);
		/* one object per line, as docker images --format json prints */
		puts(line);
		free(line);
		json_decref(o);
	}
}

/* The store's images (docker images). */
/* docker images REPOSITORY[:TAG]: docker's short form of a name
 * (alpine for docker.io/library/alpine) matches too */
static bool repo_matches(const struct img_summary *im, const char *want)
{
	_cleanup_free_ char *repo = lxr_xstrdup(want);
	char *colon = strrchr(repo, ':');
	const char *r = im->repo;

	if (colon && !strchr(colon, '/')) {
		*colon = '\0';
		if (strcmp(colon + 1, im->tag))
			return false;
	}
	if (!strcmp(r, repo))
		return true;
	if (lxr_str_has_prefix(r, "docker.io/library/") && !strcmp(r + 18, repo))
		return true;
	return lxr_str_has_prefix(r, "docker.io/") && !strcmp(r + 10, repo);
}

/* an image in docker's words for its templates */
static json_t *template_record(const struct img_summary *im)
{
	char size[32], created[64] = "", id[16];
	time_t t = (time_t)im->created;

	/* docker's short id, as its table shows it */
	snprintf(id, sizeof(id), "%.12s", im->config_digest[0] ? im->config_digest + 7 : "");
	human_size(im->size, size, sizeof(size));
	if (t)
		strftime(created, sizeof(created), "%Y-%m-%d %H:%M:%S +0000 UTC", gmtime(&t));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "Repository", img_short_name(im->repo),
			 "Tag", im->tag, "ID", id, "Digest", im->manifest_digest, "CreatedAt",
			 created, "Size", size);
}

static int store_images(int argc, char **argv)
{
	const char *usage = cli_help("images"), *format = NULL, *want = NULL;
	struct img_summary *v = NULL;
	struct img_store *s;
	size_t n = 0, k = 0;
	lxr_err err;
	bool quiet = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
			quiet = true;
		else if (!strcmp(argv[i], "-a") || !strcmp(argv[i], "--all"))
			continue; /* every image is listed: lxr keeps no untagged layers as images
				   */
		else if (!strcmp(argv[i], "--help"))
			return fputs(usage, stdout), LXR_EXIT_OK;
		else if (!strcmp(argv[i], "--format") && i + 1 < argc)
			format = argv[++i];
		else if (!strncmp(argv[i], "--format=", 9))
			format = argv[i] + 9;
		else if (argv[i][0] != '-' && !want)
			want = argv[i];
		else
			return fputs(usage, stderr), LXR_EXIT_USAGE;
	}
	if (format && !strcmp(format, "table"))
		format = NULL;
	if (cli_format_check(format) < 0)
		return LXR_EXIT_USAGE;
	if (img_store_open(lxr_data_dir(), &s, &err) < 0 || img_list(s, &v, &n, &err) < 0) {
		lxr_err_print(&err);
		img_store_close(s);
		return LXR_EXIT_FAIL;
	}
	/* REPOSITORY[:TAG]: the others out of the list, the rest in order */
	for (size_t i = 0; i < n; i++)
		if (!want || repo_matches(&v[i], want)) {
			struct img_summary tmp = v[k];
			v[k++] = v[i];
			v[i] = tmp;
		}
	if (quiet) {
		print_ids(v, k);
	} else if (format && !strcmp(format, "json")) {
		print_json(v, k);
	} else if (format) {
		for (size_t i = 0; i < k; i++) {
			json_t *o = template_record(&v[i]);
			if (cli_template(format, o, stdout, &err) < 0)
				lxr_err_print(&err);
			putchar('\n');
			json_decref(o);
		}
	} else {
		print_table(v, k);
	}
	img_summaries_free(v, n);
	img_store_close(s);
	return LXR_EXIT_OK;
}

int cmd_images(int argc, char **argv)
{
	const char *file = NULL, *project = NULL;
	_cleanup_free_ char *found = NULL;
	_cleanup_free_ char **services = lxr_xcalloc((size_t)argc + 1, sizeof(char *));
	bool quiet = false, json = false;
	size_t n = 0;

	/* a stack here (or named): the project's images, as compose's */
	cli_globals_apply(&file, &project);
	if (!file && !project && !cli_find_stack(&found))
		return store_images(argc, argv);
	if (found)
		file = found;
	/* options among the services too, as compose's */
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] != '-')
			services[n++] = argv[i];
		else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
			quiet = true;
		else if (!strcmp(argv[i], "--format") && i + 1 < argc &&
			 (!strcmp(argv[i + 1], "json") || !strcmp(argv[i + 1], "table")))
			json = !strcmp(argv[++i], "json");
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return fputs(cli_help("images"), stdout), LXR_EXIT_OK;
		else
			return fputs(cli_help("images"), stderr), LXR_EXIT_USAGE;
	}
	return cli_images_stack(file, project, services, quiet, json);
}

/* docker's rmi -f ID: the names of the image ID (a hex prefix of its
 * ID, sha256: or not) names, each to be removed; NULL when ref is not an
 * ID, or names an image with no name */
static char **names_of_id(struct img_store *s, const char *ref)
{
	const char *hex = lxr_str_has_prefix(ref, "sha256:") ? ref + 7 : ref;
	size_t len = strspn(hex, "0123456789abcdef"), n = 0;
	struct img_summary *v = NULL;
	char **names = NULL;
	lxr_err ignored;

	if (len < 4 || hex[len] || img_list(s, &v, &n, &ignored) < 0)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (v[i].name && lxr_str_has_prefix(v[i].config_digest, "sha256:") &&
		    !strncmp(v[i].config_digest + 7, hex, len))
			lxr_strv_push(&names, lxr_xstrdup(v[i].name));
	img_summaries_free(v, n);
	return names;
}

int cmd_rmi(int argc, char **argv)
{
	const char *usage = cli_help("rmi");
	struct img_holds h;
	struct img_store *s = NULL;
	_cleanup_strv_ char **refs = NULL;
	bool force = false;
	lxr_err err;
	int rc = LXR_EXIT_OK, i = 1;

	/* docker's flags may come after the names too */
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return fputs(usage, stdout), LXR_EXIT_OK;
		if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--force"))
			force = true;
		else if (argv[i][0] == '-' && argv[i][1] && strcmp(argv[i], "--no-prune"))
			return fprintf(stderr, "lxr: error: rmi: unknown option %s\n%s", argv[i],
				       usage),
			       LXR_EXIT_USAGE;
		else if (argv[i][0] != '-' || !argv[i][1])
			lxr_strv_push(&refs, lxr_xstrdup(argv[i]));
	}
	if (!refs)
		return fputs(usage, stderr), LXR_EXIT_USAGE;
	if (img_store_open(lxr_data_dir(), &s, &err) < 0) {
		lxr_err_print(&err);
		return LXR_EXIT_FAIL;
	}
	run_keep_holds(&h);
	for (size_t k = 0; refs[k]; k++) {
		_cleanup_strv_ char **names = force ? names_of_id(s, refs[k]) : NULL;
		/* -f ID: every name of that image goes */
		for (char **one = names ? names : (char *[]){refs[k], NULL}; *one; one++) {
			if (img_remove(s, *one, &h, force, &err) < 0) {
				lxr_err_print(&err);
				rc = LXR_EXIT_FAIL;
				continue;
			}
			printf("Untagged: %s\n", img_short_name(*one));
		}
	}
	run_keep_holds_free(&h);
	img_store_close(s);
	return rc;
}

/* docker image prune [-a] [-f] */
static int image_prune(int argc, char **argv, const char *usage)
{
	struct img_prune_stats st;
	struct img_store *s = NULL;
	struct img_holds h;
	bool all = false;
	lxr_err err;
	char size[32];
	int r;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-a") || !strcmp(argv[i], "--all"))
			all = true;
		else if (strcmp(argv[i], "-f") && strcmp(argv[i], "--force"))
			return fprintf(stderr, "lxr: error: image prune: unknown option %s\n%s",
				       argv[i], usage),
			       LXR_EXIT_USAGE;
	}
	if (img_store_open(lxr_data_dir(), &s, &err) < 0) {
		lxr_err_print(&err);
		return LXR_EXIT_FAIL;
	}
	run_keep_holds(&h);
	r = img_prune(s, &h, all, &st, &err);
	run_keep_holds_free(&h);
	if (r < 0) {
		lxr_err_print(&err);
		img_store_close(s);
		return LXR_EXIT_FAIL;
	}
	human_size(st.bytes, size, sizeof(size));
	printf("Removed %zu images, %zu layers, %zu blobs; reclaimed %s\n", st.images, st.layers,
	       st.blobs, size);
	img_store_close(s);
	return LXR_EXIT_OK;
}

int cmd_image(int argc, char **argv)
{
	const char *usage = cli_help("image-prune");

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return fputs(usage, stdout), LXR_EXIT_OK;
	if (argc >= 2 && (!strcmp(argv[1], "ls") || !strcmp(argv[1], "list")))
		return store_images(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "rm") || !strcmp(argv[1], "remove")))
		return cmd_rmi(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "prune"))
		return image_prune(argc - 1, argv + 1, usage);
	fputs(usage, stderr);
	return LXR_EXIT_USAGE;
}
