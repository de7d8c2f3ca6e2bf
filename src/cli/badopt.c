/* An option getopt refused: the error, a "did you mean", the usage. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lxr/util.h"

const char *cli_option_dym(const char *arg, const struct option *longopts)
{
	const char *names[128];
	char word[64];
	size_t n = 0;

	if (!arg || !lxr_str_has_prefix(arg, "--") || !longopts)
		return NULL;
	/* --name=value: the name only */
	snprintf(word, sizeof(word), "%.*s", (int)strcspn(arg + 2, "="), arg + 2);
	for (; longopts[n].name && n < sizeof(names) / sizeof(names[0]); n++) {
		if (!strcmp(longopts[n].name, word))
			return NULL; /* known: its value is what is missing */
		names[n] = longopts[n].name;
	}
	return lxr_did_you_mean(word, names, n, 0);
}

void cli_bad_option(const char *arg, const struct option *longopts, const char *usage)
{
	const char *dym = cli_option_dym(arg, longopts);

	fprintf(stderr, "lxr: error: %s: unknown option or missing value\n", arg);
	if (dym)
		fprintf(stderr, "lxr: hint: did you mean --%s?\n", dym);
	if (usage)
		fputs(usage, stderr);
}
