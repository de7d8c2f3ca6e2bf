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

static const char container_usage[] =
    "usage: lxr container ls|ps|rm|start|stop|restart|kill|inspect|logs|top|port|\n"
    "                     stats|wait|pause|unpause|exec|cp|run [ARG...]\n"
    "       lxr container prune [-f]\n\n"
    "The commands of docker's container: each is the lxr command of that name (ls and\n"
    "list are ps). prune removes every `lxr run` container that has stopped.\n"
    "\nExample:\n  lxr container ls\n  lxr container prune -f\n";

const char *cli_container_alias(const char *sub)
{
	static const char *const same[] = {"ps",      "rm",      "start", "stop", "restart", "kill",
					   "inspect", "logs",    "top",   "port", "stats",   "wait",
					   "pause",   "unpause", "exec",  "cp",   "run"};

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
		return fputs(container_usage, stdout), LXR_EXIT_OK;
	if (argc >= 2)
		fprintf(stderr, "lxr: error: container %s: not one of lxr's\n", argv[1]);
	fputs(container_usage, stderr);
	return LXR_EXIT_USAGE;
}

int cmd_system(int argc, char **argv)
{
	static const char usage[] =
	    "usage: lxr system prune [-a] [--volumes] [-f]\n\n"
	    "Remove what nothing uses, as docker system prune: the stopped `lxr run`\n"
	    "containers, the networks no container is on, dangling images (with -a,\n"
	    "every image no container has) and the build cache; with --volumes the\n"
	    "anonymous volumes no container uses too.\n\n"
	    "  -a, --all     every unused image, not only dangling ones\n"
	    "      --volumes anonymous volumes too\n"
	    "  -f, --force   accepted (lxr asks nothing)\n"
	    "\nExample:\n  lxr system prune -f\n";
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
