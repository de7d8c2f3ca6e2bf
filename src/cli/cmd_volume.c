/* lxr volume create, ls, rm, inspect, prune: docker's volume commands on
 * lxr's store of volumes that outlive a project (src/supervisor/volume.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cli/cli.h"
#include "cli/run_opts.h"
#include "lxr/supervisor.h"

static int fail(lxr_err *err)
{
	lxr_err_print(err);
	return LXR_EXIT_FAIL;
}

static int kv_arg(const char *opt, const char *arg, char ***v)
{
	if (!strchr(arg, '=') || arg[0] == '=') {
		fprintf(stderr, "lxr: error: volume create %s \"%s\": expected KEY=VALUE\n", opt,
			arg);
		return -1;
	}
	lxr_strv_push(v, lxr_xstrdup(arg));
	return 0;
}

static int create(int argc, char **argv)
{
	static const struct option longopts[] = {{"driver", required_argument, NULL, 'd'},
						 {"opt", required_argument, NULL, 'o'},
						 {"label", required_argument, NULL, 'l'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	_cleanup_strv_ char **opts = lxr_xcalloc(1, sizeof(char *));
	_cleanup_strv_ char **labels = lxr_xcalloc(1, sizeof(char *));
	_cleanup_free_ char *name = NULL;
	struct sup_volume v = {0};
	bool made, anon = false;
	lxr_err err;
	int c;

	optind = 0; /* options among the names too, as docker's */
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "d:o:", longopts, NULL)) != -1) {
		if (c == 'h')
			return fputs(cli_help("volume"), stdout), LXR_EXIT_OK;
		if (c == 'd')
			v.driver = optarg;
		else if (c == 'o' && kv_arg("-o", optarg, &opts) < 0)
			return LXR_EXIT_USAGE;
		else if (c == 'l' && kv_arg("--label", optarg, &labels) < 0)
			return LXR_EXIT_USAGE;
		else if (c == '?' || c == ':')
			return fprintf(stderr, "lxr: error: volume create: unknown option %s\n%s",
				       argv[optind - 1], cli_help("volume")),
			       LXR_EXIT_USAGE;
	}
	if (argc - optind > 1)
		return fputs(cli_help("volume"), stderr), LXR_EXIT_USAGE;
	if (optind < argc) {
		name = lxr_xstrdup(argv[optind]);
	} else {
		/* docker's anonymous volume: 64 hex digits */
		unsigned char b[32];
		if (getrandom(b, sizeof(b), 0) != sizeof(b))
			return lxr_fail(&err, errno, "getrandom"), fail(&err);
		name = lxr_xcalloc(1, 65);
		for (size_t i = 0; i < sizeof(b); i++)
			sprintf(name + 2 * i, "%02x", b[i]);
		anon = true;
	}
	if (anon)
		lxr_strv_push(&labels, lxr_xstrdup("com.docker.volume.anonymous="));
	v.name = name;
	v.opts = opts;
	v.labels = labels;
	if (sup_volume_create(&v, &made, &err) < 0)
		return fail(&err);
	puts(name);
	return LXR_EXIT_OK;
}

/* A volume of lxr's store, else a stack's plain one (<project>_<name>). */
static int load(const char *name, struct sup_volume *v, lxr_err *err)
{
	if (sup_volume_exists(name))
		return sup_volume_load(name, v, err);
	return sup_project_volume_load(name, v, err);
}

static int ls(int argc, char **argv)
{
	_cleanup_strv_ char **names = NULL;
	bool quiet = false, json = false;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i]))
			return fputs(cli_help("volume"), stdout), LXR_EXIT_OK;
		if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
			quiet = true;
		else if (!strcmp(argv[i], "--format") && i + 1 < argc &&
			 !strcmp(argv[i + 1], "json"))
			json = true, i++;
		else
			return fputs(cli_help("volume"), stderr), LXR_EXIT_USAGE;
	}
	names = sup_volume_names();
	/* and the stacks' own, under compose's <project>_<name> */
	{
		_cleanup_strv_ char **more = sup_project_volume_names();
		for (size_t i = 0; more[i]; i++)
			lxr_strv_push(&names, lxr_xstrdup(more[i]));
		lxr_strv_sort(names);
	}
	if (!quiet && !json)
		printf("%-10s %s\n", "DRIVER", "VOLUME NAME");
	for (size_t i = 0; names[i]; i++) {
		struct sup_volume v;
		lxr_err err;
		if (quiet) {
			puts(names[i]);
		} else if (!json) {
			printf("%-10s %s\n", "local", names[i]);
		} else if (load(names[i], &v, &err) == 0) {
			json_t *o = sup_volume_json(&v);
			char *line = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
			puts(line);
			free(line);
			json_decref(o);
			sup_volume_free(&v);
		}
	}
	return LXR_EXIT_OK;
}

static int rm(int argc, char **argv)
{
	bool force = false;
	int i = 1, r = LXR_EXIT_OK;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (cli_is_help(argv[i]))
			return fputs(cli_help("volume"), stdout), LXR_EXIT_OK;
		if (strcmp(argv[i], "-f") && strcmp(argv[i], "--force"))
			return fputs(cli_help("volume"), stderr), LXR_EXIT_USAGE;
		force = true;
	}
	if (i == argc)
		return fputs(cli_help("volume"), stderr), LXR_EXIT_USAGE;
	for (; i < argc; i++) {
		lxr_err err;
		struct sup_volume v;
		bool store = sup_volume_exists(argv[i]);
		if (!store && sup_project_volume_load(argv[i], &v, &err) == 0) {
			sup_volume_free(&v);
			if (sup_project_volume_remove(argv[i], &err) < 0)
				r = fail(&err);
			else
				puts(argv[i]);
			continue;
		}
		if (force && !store)
			continue;
		_cleanup_free_ char *holder = run_keep_volume_holder(argv[i]);
		if (holder) {
			lxr_fail(&err, EBUSY, "volume %s is used by stopped container %s", argv[i],
				 holder);
			lxr_err_hint(&err, "`lxr rm %s` first", holder);
			r = fail(&err);
			continue;
		}
		if (sup_volume_remove(argv[i], force, &err) < 0)
			r = fail(&err);
		else
			puts(argv[i]);
	}
	return r;
}

static json_t *inspect_one(const char *name)
{
	struct sup_volume v;
	json_t *o;
	lxr_err err;

	if (load(name, &v, &err) < 0)
		return NULL;
	o = sup_volume_json(&v);
	sup_volume_free(&v);
	return o;
}

static int inspect(int argc, char **argv)
{
	return cli_inspect_names(argc, argv, cli_help("volume"), "volume", inspect_one);
}

static int prune(int argc, char **argv)
{
	static const struct option longopts[] = {{"all", no_argument, NULL, 'a'},
						 {"force", no_argument, NULL, 'f'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	_cleanup_strv_ char **names = NULL;
	bool all = false, said = false;
	int c;

	/* -af as docker's -a -f */
	optind = 0;
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "afh", longopts, NULL)) != -1) {
		if (c == 'h')
			return fputs(cli_help("volume"), stdout), LXR_EXIT_OK;
		if (c == 'a')
			all = true;
		else if (c != 'f')
			return cli_bad_option(argv[optind - 1], longopts, cli_help("volume")),
			       LXR_EXIT_USAGE;
	}
	if (optind < argc)
		return fputs(cli_help("volume"), stderr), LXR_EXIT_USAGE;
	names = sup_volume_names();
	for (size_t i = 0; names[i]; i++) {
		_cleanup_strv_ char **users = sup_volume_users(names[i]);
		_cleanup_free_ char *holder = run_keep_volume_holder(names[i]);
		struct sup_volume v;
		bool anon = false;
		lxr_err err;
		if (users[0] || holder || sup_volume_load(names[i], &v, &err) < 0)
			continue;
		for (size_t k = 0; v.labels && v.labels[k]; k++)
			anon |= !strcmp(v.labels[k], "com.docker.volume.anonymous=");
		sup_volume_free(&v);
		if (!all && !anon)
			continue;
		if (sup_volume_remove(names[i], false, &err) < 0)
			lxr_err_print(&err);
		else
			cli_pruned("Deleted Volumes:", names[i], &said);
	}
	return LXR_EXIT_OK;
}

int cmd_volume(int argc, char **argv)
{
	static const struct cli_sub sub[] = {
	    {"create", create}, {"ls", ls},           {"list", ls},    {"rm", rm},
	    {"remove", rm},     {"inspect", inspect}, {"prune", prune}};

	return cli_subcommand("volume", cli_help("volume"), sub, sizeof(sub) / sizeof(sub[0]), argc,
			      argv);
}
