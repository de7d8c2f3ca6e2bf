/* lxr: dispatch to the subcommand. No logic lives here. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lxr/util.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
    {"up", cmd_up, "start a stack and supervise it"},
    {"down", cmd_down, "stop a stack and remove its containers"},
    {"ps", cmd_ctl, "list a stack's services and their state"},
    {"stop", cmd_ctl, "stop services (stop signal, then SIGKILL)"},
    {"start", cmd_ctl, "start stopped services"},
    {"restart", cmd_ctl, "restart services"},
    {"kill", cmd_ctl, "send a signal to services (-s SIG, default KILL)"},
    {"events", cmd_ctl, "stream a stack's events as JSON lines"},
    {"top", cmd_ctl, "list the processes of services"},
    {"stats", cmd_ctl, "memory, CPU time and pids of services"},
    {"run", cmd_run, "run one container from a root filesystem directory"},
    {"exec", cmd_exec, "run a command in a running container"},
    {"rm", cmd_rm, "remove lxr run containers (-f: also running ones)"},
    {"logs", cmd_logs, "show the logs of a project's services"},
    {"config", cmd_config, "validate a stack file and print it normalized"},
    {"pull", cmd_image_tool, "pull an image from a registry"},
    {"load", cmd_image_tool, "load images from a docker-save or OCI archive"},
    {"import", cmd_image_tool, "make an image from a root filesystem directory or tar"},
    {"images", cmd_images, "list the images in the store"},
    {"rmi", cmd_rmi, "remove images"},
    {"image", cmd_image, "image prune: remove what no image or container uses"},
};

static void usage(FILE *f)
{
	fputs("usage: lxr COMMAND [ARG...]\n\ncommands:\n", f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fputs("\nRun `lxr COMMAND --help` for a command's options.\n", f);
}

/* Every command but config (which only reads files) makes namespaces,
 * cgroups, mounts or links, or talks to a supervisor whose socket is root's
 * (0600): without root it would fail later with a bare EPERM or "project is
 * not up". Say the real reason once, here. A command's own --help works for
 * anyone. */
static bool refuse_without_root(const struct command *c, int argc, char **argv)
{
	if (!strcmp(c->name, "config") || geteuid() == 0)
		return false;
	if (argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h")))
		return false;
	fprintf(stderr, "lxr: %s needs root (lxr has no rootless mode yet): run it with sudo\n",
		c->name);
	return true;
}

int main(int argc, char **argv)
{
	const char *dbg = getenv("LXR_DEBUG");

	lxr_proc_title_init(argc, argv);
	if (dbg && *dbg && strcmp(dbg, "0"))
		lxr_log_level = LXR_LOG_DEBUG;
	lxr_debug("lxr %s", argc > 1 ? argv[1] : "");
	if (argc < 2) {
		usage(stderr);
		return LXR_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return LXR_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("lxr %s\n", LXR_VERSION);
		return LXR_EXIT_OK;
	}
	const struct command *c = NULL;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			c = &commands[i];
	if (!c) {
		fprintf(stderr, "lxr: unknown command \"%s\"\n", argv[1]);
		usage(stderr);
		return LXR_EXIT_USAGE;
	}
	/* before the settings: lxr.conf may be readable by root only */
	if (refuse_without_root(c, argc, argv))
		return LXR_EXIT_FAIL;
	if (cli_apply_settings() < 0)
		return LXR_EXIT_USAGE;
	return c->fn(argc - 1, argv + 1);
}
