/* lxr-image commit: store what `lxr build` made (its layers need
 * libarchive, which only lxr-image links). */
#include <string.h>

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
