/* lxr: dispatch to the subcommand. No logic lives here. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lxr/runtime.h"
#include "lxr/supervisor.h"
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
    {"pause", cmd_pause, "freeze services' containers (docker compose pause)"},
    {"unpause", cmd_pause, "thaw paused services"},
    {"create", cmd_create, "create services' containers without starting them"},
    {"scale", cmd_scale, "set the number of instances of services (SERVICE=N)"},
    {"inspect", cmd_inspect, "JSON of instances: plan, state, health log"},
    {"events", cmd_events, "stream a stack's container events"},
    {"top", cmd_ctl, "list the processes of services"},
    {"stats", cmd_stats, "live CPU, memory, network and block I/O of containers"},
    {"port", cmd_port, "the host address a service's port is published on"},
    {"wait", cmd_wait, "wait until services end; print their exit codes"},
    {"attach", cmd_attach, "join this terminal to a running container's input and output"},
    {"watch", cmd_image_tool_stack, "sync, rebuild or restart services as their files change"},
    {"rollback", cmd_rollback, "return services to the version before their last update"},
    {"ls", cmd_ls, "list the projects that are up"},
    {"info", cmd_info, "lxr and this host: containers, images, cgroups, security"},
    {"run", cmd_run, "run one container from a root filesystem directory"},
    {"exec", cmd_exec, "run a command in a running container"},
    {"cp", cmd_cp, "copy files between a container and the host"},
    {"export", cmd_export, "write a container's filesystem as a tar (docker export)"},
    {"diff", cmd_diff, "what a container changed in its filesystem (docker diff)"},
    {"commit", cmd_commit, "a container's changes as a new image (docker commit)"},
    {"rm", cmd_rm, "remove lxr run containers (-f: also running ones)"},
    {"logs", cmd_logs, "show the logs of a project's services"},
    {"config", cmd_config, "validate a stack file and print it normalized"},
    {"pull", cmd_pull_stack, "pull a stack's images, or an image from a registry"},
    {"load", cmd_image_tool, "load images from a docker-save or OCI archive"},
    {"import", cmd_image_tool, "make an image from a root filesystem directory or tar"},
    {"save", cmd_image_tool, "write images to a docker-save or OCI archive"},
    {"push", cmd_push_stack, "push a stack's built images, or an image to a registry"},
    {"tag", cmd_tag, "give an image another name"},
    {"login", cmd_image_tool, "log in to a registry: keep its credentials"},
    {"logout", cmd_image_tool, "log out of a registry: remove its credentials"},
    {"build", cmd_build, "build an image from a Dockerfile"},
    {"builder", cmd_builder, "builder prune: remove the build step cache"},
    {"images", cmd_images, "list the images in the store"},
    {"container", cmd_container, "docker's container ls, rm, prune, ...: lxr's commands"},
    {"system", cmd_system, "system prune: remove what nothing uses"},
    {"rmi", cmd_rmi, "remove images"},
    {"image", cmd_image, "image prune: remove what no image or container uses"},
    {"network", cmd_network, "create, list, inspect and remove networks"},
    {"volume", cmd_volume, "create, list, inspect and remove volumes"},
    {"volumes", cmd_volumes, "list a project's volumes (docker compose volumes)"},
    {"boot", cmd_boot, "start the boot stacks (lxr.conf [boot]) and stay"},
    {"poweroff", cmd_power, "on a box with lxr as init: stop the stacks, power off"},
    {"reboot", cmd_power, "on a box with lxr as init: stop the stacks, reboot"},
    {"halt", cmd_power, "on a box with lxr as init: stop the stacks, halt"},
    {"doctor", cmd_doctor, "check the host's kernel features; --repair: clean up after crashes"},
};

static const char version_usage[] =
    "usage: lxr version [--short | --format json]\n\nPrint lxr's version (also: lxr -v, "
    "lxr --version).\n\n      --short        the number alone, as `docker compose version "
    "--short`\n  -f, --format F     pretty (the default) or json: {\"version\": ...}\n\n"
    "Example:\n  lxr version --short\n";

/* docker compose version [--short] [-f pretty|json] */
static int version(int argc, char **argv)
{
	bool json = false, shrt = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return fputs(version_usage, stdout), LXR_EXIT_OK;
		if (!strcmp(argv[i], "--short"))
			shrt = true;
		else if ((!strcmp(argv[i], "--format") || !strcmp(argv[i], "-f")) && i + 1 < argc &&
			 (!strcmp(argv[i + 1], "json") || !strcmp(argv[i + 1], "pretty")))
			json = !strcmp(argv[++i], "json");
		else
			return fprintf(stderr, "lxr: error: version: unknown option %s\n%s",
				       argv[i], version_usage),
			       LXR_EXIT_USAGE;
	}
	if (shrt)
		printf("%s\n", LXR_VERSION);
	else if (json)
		printf("{\"version\":\"%s\"}\n", LXR_VERSION);
	else
		printf("lxr version %s\n", LXR_VERSION);
	return LXR_EXIT_OK;
}
static const char help_usage[] = "usage: lxr help [COMMAND]\n\nPrint lxr's commands, or COMMAND's "
				 "help (the same as `lxr COMMAND --help`).\n\nExample:\n  lxr "
				 "help up\n";

static void usage(FILE *f)
{
	fputs("usage: lxr [-f FILE]... [-p NAME] [--profile P]... [--env-file FILE]...\n"
	      "           [--project-directory DIR] [--progress MODE] [--ansi WHEN]\n"
	      "           COMMAND [ARG...]\n"
	      "       lxr compose ...   (the same: a docker compose script works with one\n"
	      "                          word replaced)\n\n"
	      "global options (before the command, as docker compose has them; every\n"
	      "stack command takes them):\n"
	      "  -f, --file FILE            the stack file (default: compose.yaml & co. here,\n"
	      "                             with compose.override.yaml); again: merged over it\n"
	      "  -p, --project-name NAME    project name (default: `name:` or the directory)\n"
	      "      --profile P            enable services of profile P (repeatable)\n"
	      "      --env-file FILE        read FILE instead of the project's .env; again:\n"
	      "                             the files in order, a later value winning\n"
	      "      --project-directory D  the project's directory: where the stack file\n"
	      "                             is looked for, .env, relative paths, the name\n"
	      "      --progress MODE        auto, tty, plain or quiet: how up -d, down and\n"
	      "                             pull show their progress\n"
	      "      --ansi WHEN            never: no colours, plain progress; always, auto\n"
	      "                             (--no-ansi: never)\n"
	      "      --dry-run              say what a project's command would do\n"
	      "      --compatibility, --parallel N, --all-resources, --verbose,\n"
	      "      --log-level L          accepted; they change nothing here\n"
	      "  -v, --version              print lxr's version\n\ncommands:\n",
	      f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fputs("  version  print lxr's version\n"
	      "  help     this text; `lxr help COMMAND`: a command's options\n"
	      "\nRun `lxr COMMAND --help` (or `lxr help COMMAND`) for a command's options.\n",
	      f);
}

/* The commands that make state in the run directory (the others only read
 * it, or use none), and not for their --help or a dry run: only they give
 * it its tmpfs. */
static bool makes_run_state(const char *name, int argc, char **argv)
{
	static const char *const makers[] = {"up", "create", "run", "build", "network", "boot"};
	bool maker = false;

	for (size_t i = 0; i < sizeof(makers) / sizeof(makers[0]) && !maker; i++)
		maker = !strcmp(name, makers[i]);
	/* a dry run makes nothing (compose's --dry-run, up's and build's own) */
	if (cli_globals.dry_run)
		return false;
	for (int i = 1; maker && i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ||
		    (strcmp(name, "run") && !strncmp(argv[i], "--dry-run", 9)))
			return false;
	return maker;
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	return NULL;
}

static int unknown_command(const char *name)
{
	const char *best = NULL;
	size_t bd = 3; /* cobra's (docker's) suggestion distance: at most 2 */

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		size_t d = lxr_edit_distance(name, commands[i].name);
		if (d < bd) {
			bd = d;
			best = commands[i].name;
		}
	}
	fprintf(stderr, "lxr: error: unknown command \"%s\"\n", name);
	if (best)
		fprintf(stderr, "lxr: hint: did you mean \"%s\"?\n", best);
	fputs("Run `lxr --help` for the commands.\n", stderr);
	return LXR_EXIT_USAGE;
}

/* Every command but config (which only reads files) and login/logout (the
 * user's own auth file and the network) makes namespaces,
 * cgroups, mounts or links, or talks to a supervisor: an ordinary user's
 * runs as root of the user's own namespace (rootless.c), entered here, or
 * fails here with the reason. A command's own --help works for anyone. */
static bool enter_or_refuse(const struct command *c, int argc, char **argv)
{
	/* doctor as an ordinary user checks what entering needs (cmd_doctor.c) */
	if (!strcmp(c->name, "config") || !strcmp(c->name, "doctor") || !strcmp(c->name, "login") ||
	    !strcmp(c->name, "logout") || geteuid() == 0)
		return false;
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return false;
	/* a subcommand's own: lxr network create --help */
	if (argc > 2 && !strcmp(argv[2], "--help"))
		return false;
	/* an ordinary user's lxr: into the user's own namespace (rootless.c) */
	return cli_rootless_enter() < 0;
}

/* `lxr help COMMAND` is `lxr COMMAND --help`. */
static int help(int argc, char **argv)
{
	const struct command *c;
	char *args[] = {NULL, "--help", NULL};

	if (argc < 2) {
		usage(stdout);
		return LXR_EXIT_OK;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return fputs(help_usage, stdout), LXR_EXIT_OK;
	if (!strcmp(argv[1], "version"))
		return fputs(version_usage, stdout), LXR_EXIT_OK;
	c = find_command(argv[1]);
	if (!c)
		return unknown_command(argv[1]);
	args[0] = argv[1];
	return c->fn(2, args);
}

/* argv[0] is the command */
static int dispatch(int argc, char **argv)
{
	const char *name = argv[0];
	const struct command *c;

	if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help"))
		return help(argc, argv);
	if (!strcmp(name, "--version") || !strcmp(name, "-v") || !strcmp(name, "version"))
		return version(argc, argv);
	/* docker's `container ls`, `container rm`, ...: lxr's ps, rm, ... */
	if (!strcmp(name, "container") && argc > 1 && cli_container_alias(argv[1])) {
		argv[1] = (char *)cli_container_alias(argv[1]);
		return dispatch(argc - 1, argv + 1);
	}
	c = find_command(name);
	if (!c)
		return unknown_command(name);
	/* before the settings: lxr.conf may be readable by root only */
	if (enter_or_refuse(c, argc, argv))
		return LXR_EXIT_FAIL;
	/* an ordinary user's doctor reads the user's own once inside */
	if ((geteuid() == 0 || strcmp(c->name, "doctor")) && cli_apply_settings() < 0)
		return LXR_EXIT_USAGE;
	if (makes_run_state(c->name, argc, argv))
		lxr_run_dir_prepare();
	return c->fn(argc, argv);
}

int main(int argc, char **argv)
{
	const char *dbg = getenv("LXR_DEBUG");
	int i;

	if (rt_exec_helper_wanted(argc, argv))
		rt_exec_helper_main(argc, argv);
	if (cli_pid1_wanted(argc, argv))
		return cli_pid1_main(argc, argv);
	lxr_proc_title_init(argc, argv);
	sup_notify_take_env();
	/* before anything opens: a supervisor of 200 services, or `lxr run`,
	 * needs more than the usual 1024 descriptors */
	lxr_nofile_raise();
	if (dbg && *dbg && strcmp(dbg, "0"))
		lxr_log_level = LXR_LOG_DEBUG;
	lxr_debug("lxr %s", argc > 1 ? argv[1] : "");
	i = cli_globals_parse(argc, argv);
	if (i < 0)
		return LXR_EXIT_USAGE;
	if (i >= argc) {
		usage(stderr);
		return LXR_EXIT_USAGE;
	}
	/* compose's global --dry-run: what lxr can show without doing it */
	if (cli_globals.dry_run && cli_dry_run_check(argv[i]) < 0)
		return LXR_EXIT_USAGE;
	int n = cli_globals_after(argc - i, argv + i);
	return n < 0 ? LXR_EXIT_USAGE : dispatch(n, argv + i);
}
