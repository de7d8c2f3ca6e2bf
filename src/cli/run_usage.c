/* lxr run --help: the options run_opts.c reads, then run_flags.c's, then
 * examples. */
#define _GNU_SOURCE
#include <stdio.h>

#include "cli/cli.h"
#include "cli/run_opts.h"

static const char examples[] = "\n"
			       "Example:\n"
			       "  lxr run --rm -it alpine sh\n"
			       "  lxr run -d --name web -p 8080:80 nginx\n";

void run_usage_print(FILE *f)
{
	fputs(cli_help("run"), f);
	fputs(cli_help("run-flags"), f);
	fputs(examples, f);
}
