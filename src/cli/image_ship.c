/* lxr save, push: take images out of the store, to an archive or to a
 * registry. These run in lxr-image (image_main.c), which lxr execs for
 * them. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lxr/image_tools.h"

static const char save_usage[] =
    "usage: lxr save [-o FILE] [--format docker|oci] IMAGE...\n\n"
    "Write images from the store to a tar archive, as docker save does: a\n"
    "docker-save archive that is also an OCI image layout (docker load,\n"
    "podman load, skopeo and lxr load read it), or with --format oci an OCI\n"
    "image layout archive. An IMAGE is a name, NAME@DIGEST or an image ID;\n"
    "several go into one archive. Without -o the archive goes to standard\n"
    "output, which must not be a terminal.\n\n"
    "  -o, --output FILE   write to FILE (whole or not at all: a temp file\n"
    "                      beside it is renamed when the archive is complete)\n"
    "      --format F      docker (the default: docker load reads it) or oci\n"
    "                      (for OCI tools: podman, skopeo, containerd)\n\n"
    "Example:\n"
    "  lxr save -o busybox.tar busybox:1\n"
    "  lxr save --format oci app:1 app:2 | gzip > app.oci.tar.gz\n";

static const char push_usage[] =
    "usage: lxr push [-q] REF\n\n"
    "Upload an image from the store to the registry its name names, as\n"
    "docker push does: the layers and config the registry lacks, then the\n"
    "manifest under the tag. HTTPS, except plain HTTP for localhost, 127.*\n"
    "and [::1]; credentials as lxr pull finds them ($REGISTRY_AUTH_FILE,\n"
    "~/.docker/config.json, $XDG_RUNTIME_DIR/containers/auth.json). Give\n"
    "an image another name first with lxr tag.\n\n"
    "  -q, --quiet   no progress output\n\n"
    "Example:\n"
    "  lxr tag app:1 localhost:5000/app:1\n"
    "  lxr push localhost:5000/app:1\n";

static int run(int r, struct img_store *s, lxr_err *err)
{
	if (r < 0)
		lxr_err_print(err);
	img_store_close(s);
	return r < 0 ? LXR_EXIT_FAIL : LXR_EXIT_OK;
}

int cmd_save(int argc, char **argv)
{
	static const struct option lo[] = {{"output", required_argument, NULL, 'o'},
					   {"format", required_argument, NULL, 'F'},
					   {"help", no_argument, NULL, 'h'},
					   {NULL, 0, NULL, 0}};
	enum img_save_format f = IMG_SAVE_DOCKER;
	const char *out = NULL;
	struct img_store *s;
	lxr_err err;
	int c;

	optind = 0; /* options among the names too, as docker's */
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
		if (c == 'h')
			return fputs(save_usage, stdout), LXR_EXIT_OK;
		if (c == 'o' && *optarg && strcmp(optarg, "-")) {
			out = optarg;
		} else if (c == 'o') {
			out = NULL; /* -o -: standard output, as docker has it */
		} else if (c == 'F' && (!strcmp(optarg, "docker") || !strcmp(optarg, "oci"))) {
			f = !strcmp(optarg, "oci") ? IMG_SAVE_OCI : IMG_SAVE_DOCKER;
		} else if (c == 'F') {
			fprintf(stderr,
				"lxr: error: save: --format %s: not a format (docker or oci)\n%s",
				optarg, save_usage);
			return LXR_EXIT_USAGE;
		} else {
			cli_bad_option(argv[optind - 1], lo, save_usage);
			return LXR_EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return fputs(save_usage, stderr), LXR_EXIT_USAGE;
	if (!out && isatty(STDOUT_FILENO)) {
		fputs("lxr: error: save: refusing to write an archive to a terminal\n"
		      "lxr: hint: lxr save -o FILE IMAGE, or redirect: lxr save IMAGE > FILE\n",
		      stderr);
		return LXR_EXIT_USAGE;
	}
	if (img_store_open(lxr_data_dir(), &s, &err) < 0)
		return lxr_err_print(&err), LXR_EXIT_FAIL;
	return run(img_save(s, argv + optind, f, out, &err), s, &err);
}

int cmd_push(int argc, char **argv)
{
	static const struct option lo[] = {{"quiet", no_argument, NULL, 'q'},
					   {"help", no_argument, NULL, 'h'},
					   {NULL, 0, NULL, 0}};
	struct img_push_opts po = {.progress_tty = isatty(STDERR_FILENO)};
	struct img_store *s;
	lxr_err err;
	int c;

	optind = 0; /* options among the names too, as docker's */
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "qh", lo, NULL)) != -1) {
		if (c == 'h')
			return fputs(push_usage, stdout), LXR_EXIT_OK;
		if (c != 'q') {
			cli_bad_option(argv[optind - 1], lo, push_usage);
			return LXR_EXIT_USAGE;
		}
		po.quiet = true;
	}
	if (argc - optind != 1)
		return fputs(push_usage, stderr), LXR_EXIT_USAGE;
	if (img_store_open(lxr_data_dir(), &s, &err) < 0)
		return lxr_err_print(&err), LXR_EXIT_FAIL;
	return run(img_push(s, argv[optind], &po, &err), s, &err);
}
