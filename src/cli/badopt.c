/* Options as docker (Go's pflag) reads them: a long option by its whole
 * name only; and one getopt refused: the error, a "did you mean", the
 * usage. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lxr/util.h"

int cli_getopt_long(int argc, char *const argv[], const char *shortopts,
		    const struct option *longopts, int *longindex)
{
	int idx = -1, c = getopt_long(argc, argv, shortopts, longopts, &idx);
	bool apart;
	const char *typed;

	if (longindex)
		*longindex = idx;
	if (c == -1 || c == '?' || c == ':' || idx < 0)
		return c;
	/* "--name VALUE": the name is the argument before its value */
	apart =
	    longopts[idx].has_arg == required_argument && optind >= 2 && optarg == argv[optind - 1];
	typed = argv[optind - (apart ? 2 : 1)] + 2;
	/* getopt takes "--priv" for --privileged and "--ip" for --ipc when
	 * no option has that name: a script's abbreviation would mean another
	 * option once one is added with that name, and docker refuses it */
	if (strcspn(typed, "=") == strlen(longopts[idx].name))
		return c;
	/* argv[optind - 1] is the option, as the callers' errors name it */
	if (apart)
		optind--;
	optopt = 0;
	return '?';
}

/* The one long option whose name begins with word, as a hint for an
 * abbreviation; NULL: none, or several */
static const char *completion(const char *word, const struct option *longopts)
{
	const struct option *found = NULL;
	size_t len = strlen(word);

	for (size_t k = 0; len && longopts[k].name; k++) {
		if (strncmp(longopts[k].name, word, len))
			continue;
		/* two names of one option (--net, --network) are one */
		if (found && found->val != longopts[k].val)
			return NULL;
		found = found ? found : &longopts[k];
	}
	return found ? found->name : NULL;
}

const char *cli_option_dym(const char *arg, const struct option *longopts)
{
	const char *names[128], *whole;
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
	if ((whole = completion(word, longopts)))
		return whole;
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
