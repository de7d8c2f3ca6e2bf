/* lxr tag: another name for an image in the store (docker tag). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lxr/image.h"

int cmd_tag(int argc, char **argv)
{
	const char *usage = cli_help("tag");
	struct img_store *s = NULL;
	lxr_err err;
	int r;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return fputs(usage, stdout), LXR_EXIT_OK;
	if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-')
		return fputs(usage, stderr), LXR_EXIT_USAGE;
	if (img_store_open(lxr_data_dir(), &s, &err) < 0) {
		lxr_err_print(&err);
		return LXR_EXIT_FAIL;
	}
	r = img_tag(s, argv[1], argv[2], &err);
	if (r < 0)
		lxr_err_print(&err);
	img_store_close(s);
	return r < 0 ? LXR_EXIT_FAIL : LXR_EXIT_OK;
}
