/* lxr up / lxr down: the stack's supervisor. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lxr/config.h"
#include "lxr/supervisor.h"

struct stack_args {
	const char *file, *project;
	bool detach, volumes;
	char **profiles, **targets;
};

static const char up_usage[] =
	"usage: lxr up [-f FILE | FILE] [-p NAME] [-d] [--profile P]... [SERVICE...]\n"
	"\n"
	"Start the stack (or SERVICE and what it depends on) in dependency order and\n"
	"supervise it. In the foreground, Ctrl-C (or SIGTERM) takes the stack down as\n"
	"`lxr down` does, volumes and logs kept, and exits 130 (143); twice: kills.\n"
	"\n"
	"  -f, --file FILE        the stack file (default: compose.yaml & co. here)\n"
	"  -p, --project-name N   project name (default: `name:` or the directory)\n"
	"  -d, --detach           run the supervisor in the background\n"
	"      --profile P        enable services of profile P\n";

static const char down_usage[] =
	"usage: lxr down [-f FILE | FILE] [-p NAME] [-v]\n"
	"\n"
	"Stop the stack in reverse dependency order and remove its containers.\n"
	"\n"
	"  -f, --file FILE        the stack file (for its project name)\n"
	"  -p, --project-name N   project name\n"
	"  -v, --volumes          also remove the project's named volumes\n";

static int parse(int argc, char **argv, struct stack_args *a, bool up)
{
	static const struct option longopts[] = {
		{"file", required_argument, NULL, 'f'}, {"project-name", required_argument, NULL, 'p'},
		{"detach", no_argument, NULL, 'd'},	{"volumes", no_argument, NULL, 'v'},
		{"profile", required_argument, NULL, 'P'}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, up ? "f:p:d" : "f:p:v", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cli_set_file(&a->file, optarg) < 0)
				return -1;
			break;
		case 'p': a->project = optarg; break;
		case 'd': a->detach = true; break;
		case 'v': a->volumes = true; break;
		case 'P': lxr_strv_push(&a->profiles, lxr_xstrdup(optarg)); break;
		case 'h': fputs(up ? up_usage : down_usage, stdout); return 1;
		default:
			fprintf(stderr, "lxr: error: %s: unknown option or missing value\n%s",
				argv[optind - 1], up ? up_usage : down_usage);
			return -1;
		}
	}
	/* `lxr up FILE` when FILE looks like a stack file, as the design says */
	if (!a->file && optind < argc &&
	    (strchr(argv[optind], '/') || lxr_str_has_suffix(argv[optind], ".yaml") ||
	     lxr_str_has_suffix(argv[optind], ".yml")))
		a->file = argv[optind++];
	for (; optind < argc; optind++) {
		if (!up) {
			fputs(down_usage, stderr);
			return -1;
		}
		lxr_strv_push(&a->targets, lxr_xstrdup(argv[optind]));
	}
	return 0;
}

int cmd_up(int argc, char **argv)
{
	struct stack_args a = {0};
	struct cfg_stack *st = NULL;
	int r = parse(argc, argv, &a, true);

	if (r == 0)
		r = cli_stack_load(a.file, a.project, &st);
	else
		r = r > 0 ? LXR_EXIT_OK : LXR_EXIT_USAGE;
	if (st) {
		struct sup_up_opts o = {(const char *const *)a.targets,
					(const char *const *)a.profiles, a.detach};
		r = sup_up(st, &o);
	}
	cfg_stack_free(st);
	lxr_strv_free(a.profiles);
	lxr_strv_free(a.targets);
	return r;
}

int cmd_down(int argc, char **argv)
{
	struct stack_args a = {0};
	struct cfg_stack *st = NULL;
	lxr_err err;
	int r = parse(argc, argv, &a, false);

	if (r != 0)
		return r > 0 ? LXR_EXIT_OK : LXR_EXIT_USAGE;
	/* -p alone needs no stack file: the project is what is running */
	if (!a.project) {
		r = cli_stack_load(a.file, NULL, &st);
		if (r != LXR_EXIT_OK)
			return r;
		a.project = st->project;
	}
	r = sup_down(a.project, a.volumes, &err) < 0 ? (lxr_err_print(&err), LXR_EXIT_FAIL)
						     : LXR_EXIT_OK;
	cfg_stack_free(st);
	lxr_strv_free(a.profiles);
	return r;
}
