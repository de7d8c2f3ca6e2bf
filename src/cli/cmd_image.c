/* lxr pull, load, import: bring images into the store. These run in
 * lxr-image (image_main.c), which lxr execs for them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lxr/image_tools.h"

static int open_store(struct img_store **s)
{
	lxr_err err;

	if (img_store_open(lxr_data_dir(), s, &err) < 0) {
		lxr_err_print(&err);
		return -1;
	}
	return 0;
}

static int finish(struct img_store *s, int r, lxr_err *err)
{
	if (r < 0)
		lxr_err_print(err);
	img_store_close(s);
	return r < 0 ? LXR_EXIT_FAIL : LXR_EXIT_OK;
}

static bool want_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

/* lxr-image's own pull: one REF (lxr pull runs it for one); a project's
 * options are lxr pull's (cli_pull_usage) */
static const char ref_pull_usage[] =
    "usage: lxr-image pull [-q] [--progress MODE] REF\n"
    "\n"
    "Pull REF into the image store, as docker pull (`lxr pull REF` runs this).\n"
    "\n"
    "  -q, --quiet          no progress output\n"
    "      --progress MODE  auto (the default), tty, plain, quiet, or json\n"
    "                       ({\"have\":N,\"total\":N} lines)\n";

int cmd_pull(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"quiet", no_argument, NULL, 'q'},
	    {"progress", required_argument, NULL, 'P'},
	    {NULL, 0, NULL, 0},
	};
	struct img_pull_opts po = {.progress_tty = isatty(STDERR_FILENO)};
	struct img_store *s;
	lxr_err err;
	int c, i;

	if (want_help(argc, argv))
		return fputs(ref_pull_usage, stdout), LXR_EXIT_OK;
	optind = 0; /* options among the names too, as docker's */
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "q", longopts, NULL)) != -1) {
		if (c == 'q') {
			po.quiet = true;
		} else if (c == 'P' &&
			   cli_progress_mode(optarg, &po.progress_tty, &po.quiet) == 0) {
			po.progress_json = !strcmp(optarg, "json");
		} else {
			fprintf(stderr, "lxr: error: %s: unknown option or bad value\n%s",
				argv[optind - 1], ref_pull_usage);
			return LXR_EXIT_USAGE;
		}
	}
	i = optind;
	if (argc - i != 1)
		return fputs(ref_pull_usage, stderr), LXR_EXIT_USAGE;
	if (open_store(&s) < 0)
		return LXR_EXIT_FAIL;
	return finish(s, img_pull(s, argv[i], &po, &err), &err);
}

static int spool_stdin(char **path, lxr_err *err)
{
	_cleanup_close_ int fd = -1;
	char buf[1 << 16];
	ssize_t n;

	if (lxr_mkdir_p(lxr_data_dir(), 0700, err) < 0)
		return -1;
	*path = lxr_xasprintf("%s/.load-stdin-XXXXXX", lxr_data_dir());
	fd = mkostemp(*path, O_CLOEXEC);
	if (fd < 0)
		return lxr_fail(err, errno, "create %s", *path);
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
		for (ssize_t off = 0, w; off < n; off += w)
			if ((w = write(fd, buf + off, (size_t)(n - off))) < 0)
				return lxr_fail(err, errno, "write %s", *path);
	if (n < 0)
		return lxr_fail(err, errno, "read standard input");
	return 0;
}

int cmd_load(int argc, char **argv)
{
	static const char usage[] =
	    "usage: lxr load [-i FILE]\n\n"
	    "Load images from a docker-save archive or an OCI image layout\n"
	    "(a directory, or a tar of one; compressed archives are fine).\n"
	    "Without -i (or with -i -), the archive comes on standard input.\n\n"
	    "  -i, --input FILE   the archive or layout (default: standard input)\n\n"
	    "Example:\n"
	    "  lxr load -i nginx.tar\n"
	    "  docker save alpine | lxr load\n";
	_cleanup_strv_ char **names = NULL;
	_cleanup_free_ char *spool = NULL;
	const char *path;
	struct img_store *s;
	lxr_err err;
	int r;

	if (want_help(argc, argv))
		return fputs(usage, stdout), LXR_EXIT_OK;
	if (argc == 1)
		path = "-";
	else if (argc == 3 && (!strcmp(argv[1], "-i") || !strcmp(argv[1], "--input")))
		path = argv[2];
	else
		return fputs(usage, stderr), LXR_EXIT_USAGE;
	if (!strcmp(path, "-") && isatty(STDIN_FILENO)) {
		fputs("lxr: error: load: no -i FILE and standard input is a terminal\n"
		      "lxr: hint: lxr load -i image.tar, or lxr load < image.tar\n",
		      stderr);
		return LXR_EXIT_USAGE;
	}
	if (open_store(&s) < 0)
		return LXR_EXIT_FAIL;
	if (!strcmp(path, "-")) {
		/* docker load's stdin: spooled to a file first, since an OCI
		 * archive is read out of order */
		r = spool_stdin(&spool, &err);
		path = spool;
	} else {
		r = 0;
	}
	if (r == 0)
		r = img_load(s, path, &names, &err);
	if (spool)
		unlink(spool);
	for (size_t i = 0; r == 0 && names[i]; i++)
		printf("Loaded image: %s\n", names[i]);
	if (r == 0 && !names[0])
		printf("Loaded an image without a name (see `lxr images`)\n");
	return finish(s, r, &err);
}

int cmd_import(int argc, char **argv)
{
	static const char usage[] =
	    "usage: lxr import [-c INSTRUCTION]... DIR|TAR NAME[:TAG]\n\n"
	    "Make a one-layer image from a root filesystem directory or tar archive.\n\n"
	    "  -c, --change LINE   set config as a Dockerfile line would (CMD,\n"
	    "                      ENTRYPOINT, ENV, EXPOSE, STOPSIGNAL, USER, WORKDIR)\n\n"
	    "Example:\n"
	    "  lxr import -c 'CMD [\"/bin/sh\"]' ./rootfs mybase:1\n";
	static const struct option lo[] = {{"change", required_argument, NULL, 'c'},
					   {"help", no_argument, NULL, 'h'},
					   {NULL, 0, NULL, 0}};
	struct img_config cfg = {0};
	struct img_store *s;
	lxr_err err;
	int c, r;

	optind = 0; /* options among the names too, as docker's */
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		if (c == 'h')
			return img_config_free(&cfg), fputs(usage, stdout), LXR_EXIT_OK;
		if (c != 'c' || img_config_change(&cfg, optarg, &err) < 0) {
			if (c == 'c')
				lxr_err_print(&err);
			img_config_free(&cfg);
			return fputs(usage, stderr), LXR_EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		img_config_free(&cfg);
		return fputs(usage, stderr), LXR_EXIT_USAGE;
	}
	if (open_store(&s) < 0) {
		img_config_free(&cfg);
		return LXR_EXIT_FAIL;
	}
	r = img_import(s, argv[optind], argv[optind + 1], &cfg, &err);
	img_config_free(&cfg);
	if (r == 0)
		printf("Imported %s\n", argv[optind + 1]);
	return finish(s, r, &err);
}

int cmd_unpack(int argc, char **argv)
{
	static const char usage[] =
	    "usage: lxr-image unpack IMAGE\n\n"
	    "Unpack again, from their blobs, the layers of a stored image whose layer\n"
	    "directory is missing (lxr run does this through lxr-image when it finds\n"
	    "one gone).\n";
	struct img_store *s;
	lxr_err err;

	if (want_help(argc, argv))
		return fputs(usage, stdout), LXR_EXIT_OK;
	if (argc != 2)
		return fputs(usage, stderr), LXR_EXIT_USAGE;
	if (open_store(&s) < 0)
		return LXR_EXIT_FAIL;
	return finish(s, img_unpack(s, argv[1], &err), &err);
}
