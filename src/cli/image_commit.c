/* lxr-image commit, extract and fetch-url: what `lxr build` needs of libarchive,
 * which only lxr-image links (storing its layers, ADD's archives). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lxr/image_tools.h"

int cmd_commit(int argc, char **argv)
{
	static const char usage[] =
	    "usage: lxr-image commit DESCRIPTION\n\n"
	    "Write the layers a build made as blobs, store its image and tag it, as the\n"
	    "JSON file DESCRIPTION says (lxr build runs this; docs/building.md).\n";
	struct img_store *s;
	lxr_err err;
	int r;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return fputs(usage, stdout), LXR_EXIT_OK;
	if (argc != 2)
		return fputs(usage, stderr), LXR_EXIT_USAGE;
	if (img_store_open(lxr_data_dir(), &s, &err) < 0) {
		lxr_err_print(&err);
		return LXR_EXIT_FAIL;
	}
	r = img_commit(s, argv[1], &err);
	if (r < 0)
		lxr_err_print(&err);
	img_store_close(s);
	return r < 0 ? LXR_EXIT_FAIL : LXR_EXIT_OK;
}

int cmd_extract(int argc, char **argv)
{
	static const char usage[] =
	    "usage: lxr-image extract DIR < ARCHIVE\n\n"
	    "Unpack the archive on standard input (tar: plain, gzip, bzip2, xz or zstd)\n"
	    "into the empty directory DIR, nothing outside it (lxr build's ADD).\n";
	lxr_err err;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return fputs(usage, stdout), LXR_EXIT_OK;
	if (argc != 2)
		return fputs(usage, stderr), LXR_EXIT_USAGE;
	if (img_extract_fd(STDIN_FILENO, argv[1], &err) < 0) {
		lxr_err_print(&err);
		return LXR_EXIT_FAIL;
	}
	return LXR_EXIT_OK;
}

int cmd_is_tar(int argc, char **argv)
{
	static const char usage[] =
	    "usage: lxr-image is-tar < FILE\n\n"
	    "Exit 0 when FILE is a tar archive (plain, gzip, bzip2, xz or zstd), 3 when\n"
	    "it is not (lxr build's ADD copies it as it is).\n";

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return fputs(usage, stdout), LXR_EXIT_OK;
	if (argc != 1)
		return fputs(usage, stderr), LXR_EXIT_USAGE;
	return img_is_tar_fd(STDIN_FILENO) ? LXR_EXIT_OK : IMG_TOOL_NOT_TAR;
}

int cmd_fetch_url(int argc, char **argv)
{
	static const char usage[] =
	    "usage: lxr-image fetch-url URL FILE\n\n"
	    "Download URL (http or https) into the new FILE, dated by its Last-Modified\n"
	    "(lxr build's ADD of a URL).\n";
	lxr_err err;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return fputs(usage, stdout), LXR_EXIT_OK;
	if (argc != 3)
		return fputs(usage, stderr), LXR_EXIT_USAGE;
	if (img_fetch_url(argv[1], argv[2], &err) < 0) {
		lxr_err_print(&err);
		return LXR_EXIT_FAIL;
	}
	return LXR_EXIT_OK;
}
