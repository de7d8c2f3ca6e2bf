/* `lxr network CMD`, `lxr volume CMD`: one word picks the function. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lxr/util.h"

bool cli_is_help(const char *arg)
{
	return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

void cli_pruned(const char *header, const char *name, bool *said)
{
	if (!*said)
		puts(header);
	*said = true;
	puts(name);
}

int cli_subcommand(const char *what, const char *usage, const struct cli_sub *sub, size_t n,
		   int argc, char **argv)
{
	const char *names[32], *dym;

	if (argc < 2 || cli_is_help(argv[1]))
		return fputs(usage, argc < 2 ? stderr : stdout),
		       argc < 2 ? LXR_EXIT_USAGE : LXR_EXIT_OK;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(argv[1], sub[i].name))
			return sub[i].fn(argc - 1, argv + 1);
	for (size_t i = 0; i < n && i < sizeof(names) / sizeof(names[0]); i++)
		names[i] = sub[i].name;
	dym = lxr_did_you_mean(argv[1], names, n < 32 ? n : 32, 2);
	fprintf(stderr, "lxr: error: unknown %s command \"%s\"\n", what, argv[1]);
	if (dym)
		fprintf(stderr, "lxr: hint: did you mean \"%s\"?\n", dym);
	fputs(usage, stderr);
	return LXR_EXIT_USAGE;
}
