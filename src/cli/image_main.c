/* lxr-image: the image commands that need the network or archives (pull,
 * push, load, save, import, unpack), in a program of their own so that lxr links
 * neither libcurl nor libarchive (docs/images.md). Users reach it through
 * `lxr pull|push|load|save|import`, which exec it; lxr run execs it to pull a missing
 * image. Messages say "lxr" because that is the command the user typed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lxr/util.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
    {"pull", cmd_pull, "pull an image from a registry"},
    {"load", cmd_load, "load images from a docker-save or OCI archive"},
    {"import", cmd_import, "make an image from a root filesystem directory or tar"},
    {"save", cmd_save, "write images to a docker-save or OCI archive"},
    {"push", cmd_push, "upload an image to a registry"},
    {"login", cmd_login, "check and keep a registry's credentials"},
    {"logout", cmd_logout, "remove a registry's credentials"},
    {"watch", cmd_watch, "act on the services' develop.watch rules (lxr watch)"},
    {"unpack", cmd_unpack, "unpack missing layer directories of a stored image"},
    {"commit", cmd_commit, "store the image a build made (run by lxr build)"},
    {"extract", cmd_extract, "unpack an archive into a directory (run by lxr build)"},
    {"fetch-url", cmd_fetch_url, "download ADD's URL into a file (run by lxr build)"},
    {"is-tar", cmd_is_tar, "tell whether ADD's file is a tar archive (run by lxr build)"},
};

static void usage(FILE *f)
{
	fputs("usage: lxr-image COMMAND [ARG...]\n\n"
	      "The image tools of lxr; `lxr pull|push|load|save|import` run this "
	      "program.\n\ncommands:\n",
	      f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
	const char *dbg = getenv("LXR_DEBUG");

	if (dbg && *dbg && strcmp(dbg, "0"))
		lxr_log_level = LXR_LOG_DEBUG;
	if (argc < 2) {
		usage(stderr);
		return LXR_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return LXR_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("lxr-image %s\n", LXR_VERSION);
		return LXR_EXIT_OK;
	}
	if (cli_apply_settings() < 0)
		return LXR_EXIT_USAGE;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "lxr-image: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return LXR_EXIT_USAGE;
}
