/* lxr scale SERVICE=N...: compose's scale, as an `up` of the project's file
 * that changes only the number of instances of those services. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lxr/config.h"
#include "lxr/supervisor.h"

/* -p NAME with no stack file here: the file the project was brought up
 * from, as compose finds a project's files by its name (one file only:
 * the overrides of several are not this command's to guess) */
static char *recorded_file(const char *project)
{
	_cleanup_free_ char *found = NULL;
	char *files;
	size_t len;

	if (!project || cli_find_stack(&found) || !(files = sup_project_files(project)))
		return NULL;
	len = strcspn(files, "\n");
	if (!len || (files[len] && files[len + 1])) {
		free(files);
		return NULL;
	}
	files[len] = '\0';
	return files;
}

int cli_scale(const char *file, const char *project, char *const *specs, bool no_deps, int progress)
{
	_cleanup_free_ char *recorded = file ? NULL : recorded_file(project);
	struct cfg_stack *st = NULL;
	_cleanup_strv_ char **targets = NULL;
	lxr_err err;
	int r = cli_stack_open(file ? file : recorded, project, &st);

	if (r != LXR_EXIT_OK)
		return r;
	for (size_t i = 0; specs[i]; i++) {
		if (sup_scale_apply(st, specs[i], &err) < 0) {
			lxr_err_print(&err);
			cfg_stack_free(st);
			return LXR_EXIT_USAGE;
		}
		lxr_strv_push(&targets, lxr_xstrndup(specs[i], strcspn(specs[i], "=")));
	}
	{
		/* compose creates and starts the services named (and what they
		 * depend on), recreating what changed in the file, as its up
		 * does; on a running stack the rest stays as it is */
		struct sup_up_opts o = {.targets = (const char *const *)targets,
					.detach = true,
					.no_deps = no_deps,
					.scale = (const char *const *)specs,
					.progress = progress,
					.env_files = cli_globals.env_files};
		_cleanup_strv_ char **profiles = NULL;
		cli_globals_profiles(&profiles);
		cli_profiles_default(&profiles, file ? file : recorded);
		o.profiles = (const char *const *)profiles;
		r = sup_up(st, &o);
	}
	cfg_stack_free(st);
	return r;
}

int cmd_scale(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"file", required_argument, NULL, 'f'},
	    {"project-name", required_argument, NULL, 'p'},
	    {"no-deps", no_argument, NULL, 'D'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *file = NULL, *project = NULL;
	bool no_deps = false;
	int c;

	cli_globals_apply(&file, &project);
	optind = 1;
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "f:p:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cli_set_file(&file, optarg) < 0)
				return LXR_EXIT_USAGE;
			break;
		case 'p': project = optarg; break;
		case 'D': no_deps = true; break;
		case 'h': return fputs(cli_help("scale"), stdout), LXR_EXIT_OK;
		default:
			cli_bad_option(argv[optind - 1], longopts, cli_help("scale"));
			return LXR_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "lxr: error: scale: name at least one SERVICE=N\n%s",
			cli_help("scale"));
		return LXR_EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++)
		if (!strchr(argv[i], '=')) {
			fprintf(stderr, "lxr: error: scale %s: expected SERVICE=N\n", argv[i]);
			return LXR_EXIT_USAGE;
		}
	return cli_scale(file, project, argv + optind, no_deps, cli_progress_setting());
}
