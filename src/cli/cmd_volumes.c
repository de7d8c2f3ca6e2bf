/* lxr volumes: docker compose volumes. The project's volumes (compose's
 * <project>_<name> in the project's folder, and the store volumes its file
 * declares with name: or driver_opts), or those the services named mount,
 * as `docker volume ls` prints them. External volumes are not the
 * project's, as compose does not label them. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lxr/config.h"
#include "lxr/plan.h"
#include "lxr/supervisor.h"

static const struct option longopts[] = {
    {"file", required_argument, NULL, 'f'}, {"project-name", required_argument, NULL, 'p'},
    {"quiet", no_argument, NULL, 'q'},      {"format", required_argument, NULL, 'F'},
    {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
};

/* The name a mount of the stack's volume key has, NULL for an external one */
static char *volume_name(const struct cfg_stack *st, const char *key)
{
	for (size_t i = 0; i < st->n_volumes; i++) {
		const struct cfg_volume *v = &st->volumes[i];
		if (strcmp(v->name, key))
			continue;
		if (v->external.v)
			return NULL;
		char *store = plan_volume_store_name(st, v);
		return store ? store : lxr_xasprintf("%s_%s", st->project, key);
	}
	return NULL;
}

char **cli_project_volumes(const struct cfg_stack *st, char *const *services)
{
	_cleanup_strv_ char **own = sup_project_volume_names();
	_cleanup_free_ char *prefix = lxr_xasprintf("%s_", st->project);
	char **v = lxr_xcalloc(1, sizeof(char *));

	for (size_t i = 0; i < st->n_services; i++) {
		const struct cfg_service *s = &st->services[i];
		bool named = !services || !services[0] || lxr_strv_has(services, s->name);
		for (size_t k = 0; named && k < s->n_volumes; k++) {
			const struct cfg_mount *m = &s->volumes[k];
			char *name = m->type == CFG_MOUNT_VOLUME && m->source
					 ? volume_name(st, m->source)
					 : NULL;
			if (name && !lxr_strv_has(v, name))
				lxr_strv_push(&v, name);
			else
				free(name);
		}
	}
	/* with no service named, also what no service mounts any more */
	for (size_t i = 0; (!services || !services[0]) && own[i]; i++)
		if (lxr_str_has_prefix(own[i], prefix) && !lxr_strv_has(v, own[i]))
			lxr_strv_push(&v, lxr_xstrdup(own[i]));
	/* only what exists: a volume is made when its first container starts */
	for (size_t i = 0; v[i];) {
		if (sup_volume_exists(v[i]) || lxr_strv_has(own, v[i])) {
			i++;
			continue;
		}
		free(v[i]);
		memmove(&v[i], &v[i + 1], (lxr_strv_len(v) - i) * sizeof(char *));
	}
	lxr_strv_sort(v);
	return v;
}

/* -p NAME and no stack file: the volumes in the project's folder (the
 * file names the others) */
static char **folder_volumes(const char *project)
{
	_cleanup_strv_ char **own = sup_project_volume_names();
	_cleanup_free_ char *prefix = lxr_xasprintf("%s_", project);
	char **v = lxr_xcalloc(1, sizeof(char *));

	for (size_t i = 0; own[i]; i++)
		if (lxr_str_has_prefix(own[i], prefix))
			lxr_strv_push(&v, lxr_xstrdup(own[i]));
	return v;
}

static void print(char *const *names, bool quiet, bool json)
{
	if (!quiet && !json)
		printf("%-10s %s\n", "DRIVER", "VOLUME NAME");
	for (size_t i = 0; names[i]; i++) {
		if (quiet)
			puts(names[i]);
		else if (json) {
			json_t *o = json_pack("{s:s, s:s}", "Driver", "local", "Name", names[i]);
			char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
			puts(line ? line : "{}");
			free(line);
			json_decref(o);
		} else
			printf("%-10s %s\n", "local", names[i]);
	}
}

int cmd_volumes(int argc, char **argv)
{
	const char *file = NULL, *project = NULL;
	_cleanup_free_ char *found = NULL;
	struct cfg_stack *st = NULL;
	bool quiet = false, json = false;
	int c, r;

	cli_globals_apply(&file, &project);
	optind = 0;
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "f:p:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cli_set_file(&file, optarg) < 0)
				return LXR_EXIT_USAGE;
			break;
		case 'p': project = optarg; break;
		case 'q': quiet = true; break;
		case 'F':
			if (strcmp(optarg, "json") && strcmp(optarg, "table")) {
				fprintf(stderr,
					"lxr: error: volumes: --format %s: use table or json\n",
					optarg);
				return LXR_EXIT_USAGE;
			}
			json = !strcmp(optarg, "json");
			break;
		case 'h': fputs(cli_help("volumes"), stdout); return LXR_EXIT_OK;
		default:
			cli_bad_option(argv[optind - 1], longopts, cli_help("volumes"));
			return LXR_EXIT_USAGE;
		}
	}
	if (project && !file && optind == argc && !cli_find_stack(&found)) {
		_cleanup_strv_ char **names = folder_volumes(project);
		print(names, quiet, json);
		return LXR_EXIT_OK;
	}
	r = cli_stack_load_model(file ? file : found, project, &st);
	if (r != LXR_EXIT_OK)
		return r;
	for (int i = optind; i < argc; i++)
		if (!cfg_stack_service(st, argv[i])) {
			fprintf(stderr, "lxr: error: volumes: no such service: %s\n", argv[i]);
			cfg_stack_free(st);
			return LXR_EXIT_USAGE;
		}
	{
		_cleanup_strv_ char **names = cli_project_volumes(st, argv + optind);
		print(names, quiet, json);
	}
	cfg_stack_free(st);
	return LXR_EXIT_OK;
}
