/* What lxr and lxr-image share about showing progress: compose's
 * --progress modes, and pull's help (both programs print it). */
#define _GNU_SOURCE
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

const char cli_pull_usage[] =
    "usage: lxr pull [OPTIONS] [SERVICE...]\n"
    "       lxr pull [-q] [--progress MODE] REF\n"
    "\n"
    "In a project (a stack file here, or -f/-p), pull the image of every\n"
    "service (or of the SERVICEs named) in parallel, as docker compose pull\n"
    "does; a service whose image is a directory, or that has no image, is\n"
    "skipped and said so. Otherwise pull REF into the image store, as docker\n"
    "pull. The words name services when each is a service of the project's\n"
    "stack file and none holds a '/', ':' or '@'; anything else is a REF.\n"
    "On a terminal each image has a line redrawn in place (bytes fetched of\n"
    "the total, then Pulled or Error); otherwise plain lines.\n"
    "\n"
    "  -f, --file FILE         the stack file (default: compose.yaml & co. here)\n"
    "  -p, --project-name N    the project (default: the stack file's)\n"
    "  -q, --quiet             no progress output\n"
    "      --progress MODE     auto (the default), tty, plain, quiet, or json\n"
    "                          (REF: {\"have\":N,\"total\":N} lines)\n"
    "      --policy P          missing: only images the store lacks; always\n"
    "                          (the default): every one\n"
    "      --ignore-pull-failures  pull what can be pulled, exit 0\n"
    "      --include-deps      also the services the named ones depend on\n"
    "      --ignore-buildable  skip the services with build: (up builds them)\n"
    "      --dry-run           in a project: say what it would pull and skip;\n"
    "                          pull nothing\n"
    "\n"
    "Example:\n"
    "  lxr pull\n"
    "  lxr pull --policy missing web\n"
    "  lxr pull alpine:3.20\n";

int cli_progress_mode(const char *mode, bool *tty, bool *quiet)
{
	if (!strcmp(mode, "auto"))
		*tty = isatty(STDERR_FILENO);
	else if (!strcmp(mode, "tty"))
		*tty = true;
	else if (!strcmp(mode, "plain") || !strcmp(mode, "json"))
		*tty = false;
	else if (!strcmp(mode, "quiet"))
		*quiet = true;
	else
		return -1;
	return 0;
}
