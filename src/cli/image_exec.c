/* lxr pull, push, load, save, import: lxr-image does them. It is a separate program so
 * that lxr does not load libcurl and libarchive (and the ~40 libraries they
 * bring) on every start: docs/images.md has the numbers. */
#define _GNU_SOURCE
#include <errno.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lxr/image.h"

int cmd_image_tool_stack(int argc, char **argv)
{
	_cleanup_strv_ char **g = cli_self_argv(cli_globals.file, cli_globals.project);
	_cleanup_free_ char **args =
	    lxr_xcalloc(lxr_strv_len(g) + (size_t)argc + 1, sizeof(char *));
	size_t n = 0;

	args[n++] = argv[0];
	for (size_t i = 1; g[i]; i++) /* g[0] is "lxr" */
		args[n++] = g[i];
	for (int i = 1; i < argc; i++)
		args[n++] = argv[i];
	return cmd_image_tool((int)n, args);
}

int cmd_image_tool(int argc, char **argv)
{
	_cleanup_free_ char *tool = NULL;
	_cleanup_free_ char **args = NULL;
	lxr_err err;

	if (img_tool_path(&tool, &err) == 0) {
		/* argv[0] is the command (pull, load, import): passed on as is,
		 * with the environment, so lxr-image sees what lxr saw */
		args = lxr_xcalloc((size_t)argc + 2, sizeof(char *));
		args[0] = tool;
		for (int i = 0; i < argc; i++)
			args[i + 1] = argv[i];
		execv(tool, args);
		lxr_fail(&err, errno, "exec %s", tool);
	}
	lxr_err_wrap(&err, "lxr %s", argv[0]);
	lxr_err_print(&err);
	return LXR_EXIT_FAIL;
}
