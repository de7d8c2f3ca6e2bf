/* lxr images, rmi, image prune: look at and trim the image store. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
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
		printf("%-40s %-16s %-14.12s %-20s %s\n", v[i].repo, v[i].tag, id, created, size);
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
		json_t *o =
		    json_pack("{s:s, s:s, s:s?, s:s, s:s, s:I, s:I, s:b}", "Repository", v[i].repo,
			      "Tag", v[i].tag, "Name", v[i].name, "ID", v[i].config_digest,
			      "Digest", v[i].manifest_digest, "Size", (json_int_t)v[i].size,
			      "Created", (json_int_t)v[i].created, "InUse", v[i].in_use);
		char *line = json_dumps(o, JSON_COMPACT);
		/* one object per line, as docker images --format json prints */
		puts(line);
		free(line);
		json_decref(o);
	}
}

static const char images_usage[] =
    "usage: lxr images [-q | --format json] [SERVICE...]\n"
    "       lxr image ls [-q | --format json]\n"
    "\n"
    "In a project (a stack file here, or -f/-p before the command), list the\n"
    "images its containers run, as docker compose images: CONTAINER,\n"
    "REPOSITORY, TAG, IMAGE ID, SIZE. Elsewhere, and always as `lxr image ls`,\n"
    "list every image in the store, as docker images: REPOSITORY, TAG, IMAGE\n"
    "ID, CREATED, SIZE.\n"
    "\n"
    "  -q, --quiet        only the image ids (each once)\n"
    "      --format json  one JSON object per line\n"
    "\n"
    "Example:\n"
    "  lxr images\n"
    "  lxr image ls -q\n";

/* The store's images (docker images). */
static int store_images(int argc, char **argv)
{
	const char *usage = images_usage;
	struct img_summary *v = NULL;
	struct img_store *s;
	size_t n = 0;
	lxr_err err;
	bool json = false, quiet = false;

	if (argc == 3 && !strcmp(argv[1], "--format") && !strcmp(argv[2], "json"))
		json = true;
	else if (argc == 2 && (!strcmp(argv[1], "-q") || !strcmp(argv[1], "--quiet")))
		quiet = true;
	else if (argc == 2 && !strcmp(argv[1], "--help"))
		return fputs(usage, stdout), LXR_EXIT_OK;
	else if (argc != 1)
		return fputs(usage, stderr), LXR_EXIT_USAGE;
	if (img_store_open(lxr_data_dir(), &s, &err) < 0 || img_list(s, &v, &n, &err) < 0) {
		lxr_err_print(&err);
		img_store_close(s);
		return LXR_EXIT_FAIL;
	}
	if (quiet)
		print_ids(v, n);
	else if (json)
		print_json(v, n);
	else
		print_table(v, n);
	img_summaries_free(v, n);
	img_store_close(s);
	return LXR_EXIT_OK;
}

int cmd_images(int argc, char **argv)
{
	const char *file = NULL, *project = NULL;
	_cleanup_free_ char *found = NULL;
	bool quiet = false, json = false;
	int i;

	/* a stack here (or named): the project's images, as compose's */
	cli_globals_apply(&file, &project);
	if (!file && !project && !cli_find_stack(&found))
		return store_images(argc, argv);
	if (found)
		file = found;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
			quiet = true;
		else if (!strcmp(argv[i], "--format") && i + 1 < argc &&
			 (!strcmp(argv[i + 1], "json") || !strcmp(argv[i + 1], "table")))
			json = !strcmp(argv[++i], "json");
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return fputs(images_usage, stdout), LXR_EXIT_OK;
		else
			return fputs(images_usage, stderr), LXR_EXIT_USAGE;
	}
	return cli_images_stack(file, project, argv + i, quiet, json);
}

int cmd_rmi(int argc, char **argv)
{
	static const char usage[] =
	    "usage: lxr rmi REF...\n\n"
	    "Remove images from the store: untag each REF (a name or an image\n"
	    "ID); an image left without a tag goes, with every layer and blob\n"
	    "nothing else uses. An image a running container uses is refused.\n"
	    "\nExample:\n  lxr rmi alpine:3.20\n";
	struct img_store *s = NULL;
	lxr_err err;
	int rc = LXR_EXIT_OK;

	if (argc < 2 || !strcmp(argv[1], "--help"))
		return fputs(usage, argc < 2 ? stderr : stdout), argc < 2 ? LXR_EXIT_USAGE : 0;
	if (img_store_open(lxr_data_dir(), &s, &err) < 0) {
		lxr_err_print(&err);
		return LXR_EXIT_FAIL;
	}
	for (int i = 1; i < argc; i++) {
		if (img_remove(s, argv[i], &err) < 0) {
			lxr_err_print(&err);
			rc = LXR_EXIT_FAIL;
			continue;
		}
		printf("Untagged: %s\n", argv[i]);
	}
	img_store_close(s);
	return rc;
}

int cmd_image(int argc, char **argv)
{
	static const char usage[] =
	    "usage: lxr image prune\n"
	    "       lxr image ls [-q | --format json]\n\n"
	    "Look after the image store. prune removes dangling images and every\n"
	    "layer and blob nothing uses; ls lists every image in the store (what\n"
	    "lxr images shows outside a project).\n"
	    "\nExample:\n  lxr image prune\n  lxr image ls\n";
	struct img_prune_stats st;
	struct img_store *s = NULL;
	lxr_err err;
	char size[32];

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return fputs(usage, stdout), LXR_EXIT_OK;
	if (argc >= 2 && (!strcmp(argv[1], "ls") || !strcmp(argv[1], "list")))
		return store_images(argc - 1, argv + 1);
	if (argc != 2 || strcmp(argv[1], "prune"))
		return fputs(usage, argc == 2 && !strcmp(argv[1], "--help") ? stdout : stderr),
		       argc == 2 && !strcmp(argv[1], "--help") ? LXR_EXIT_OK : LXR_EXIT_USAGE;
	if (img_store_open(lxr_data_dir(), &s, &err) < 0 || img_prune(s, &st, &err) < 0) {
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
