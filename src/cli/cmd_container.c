/* docker's `container SUB` and `system prune`: the words docker users type
 * for what lxr's own commands do. `container ls` is `ps` and `container
 * rm` is `rm` (main.c hands them on, cli_container_alias); `container
 * prune` removes the stopped `lxr run` containers; `system prune` prunes
 * containers, networks, images and the build cache, and volumes with
 * --volumes. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

const char *cli_container_alias(const char *sub)
{
	static const char *const same[] = {
	    "ps",   "rm",  "start", "stop",   "restart", "kill",   "inspect",
	    "logs", "top", "port",  "stats",  "wait",    "pause",  "unpause",
	    "exec", "cp",  "run",   "commit", "diff",    "export", "attach"};

	if (!strcmp(sub, "ls") || !strcmp(sub, "list"))
		return "ps";
	if (!strcmp(sub, "remove"))
		return "rm";
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		if (!strcmp(sub, same[i]))
			return same[i];
	return NULL;
}

int cmd_container(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "prune"))
		return cli_container_prune(argc - 1, argv + 1);
	if (argc >= 2 && cli_is_help(argv[1]))
		return fputs(cli_help("container"), stdout), LXR_EXIT_OK;
	if (argc >= 2)
		fprintf(stderr, "lxr: error: container %s: not one of lxr's\n", argv[1]);
	fputs(cli_help("container"), stderr);
	return LXR_EXIT_USAGE;
}

int cmd_system(int argc, char **argv)
{
	const char *usage = cli_help("system-prune");
	char *cont[] = {"prune", NULL}, *net[] = {"network", "prune", NULL};
	char *img[] = {"image", "prune", NULL, NULL}, *bld[] = {"builder", "prune", NULL};
	char *vol[] = {"volume", "prune", NULL};
	bool all = false, volumes = false;
	int rc = LXR_EXIT_OK;

	if (argc < 2 || strcmp(argv[1], "prune")) {
		bool help = argc >= 2 && cli_is_help(argv[1]);
		fputs(usage, help ? stdout : stderr);
		return help ? LXR_EXIT_OK : LXR_EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		if (cli_is_help(argv[i]))
			return fputs(usage, stdout), LXR_EXIT_OK;
		if (!strcmp(argv[i], "-a") || !strcmp(argv[i], "--all"))
			all = true;
		else if (!strcmp(argv[i], "--volumes"))
			volumes = true;
		else if (strcmp(argv[i], "-f") && strcmp(argv[i], "--force"))
			return fprintf(stderr, "lxr: error: system prune: unknown option %s\n%s",
				       argv[i], usage),
			       LXR_EXIT_USAGE;
	}
	if (all)
		img[2] = "-a";
	/* containers first: what they held is free for the others */
	if (cli_container_prune(1, cont) != LXR_EXIT_OK)
		rc = LXR_EXIT_FAIL;
	if (cmd_network(2, net) != LXR_EXIT_OK)
		rc = LXR_EXIT_FAIL;
	if (volumes && cmd_volume(2, vol) != LXR_EXIT_OK)
		rc = LXR_EXIT_FAIL;
	if (cmd_image(all ? 3 : 2, img) != LXR_EXIT_OK)
		rc = LXR_EXIT_FAIL;
	if (cmd_builder(2, bld) != LXR_EXIT_OK)
		rc = LXR_EXIT_FAIL;
	return rc;
}
