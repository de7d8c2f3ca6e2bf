/* lxr config: load and validate a stack file, then print the normalized
 * model, the service names, or the dependency graph (DOT). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lxr/config.h"
#include "lxr/plan.h"

enum {
	OPT_FORMAT = 256,
	OPT_SERVICES,
	OPT_GRAPH,
	OPT_PROFILE,
	OPT_IMAGES,
	OPT_VOLUMES,
	OPT_NETWORKS,
	OPT_PROFILES,
};

/* compose's one-name-a-line listings */
enum list { LIST_NONE, LIST_IMAGES, LIST_VOLUMES, LIST_NETWORKS, LIST_PROFILES };

struct config_args {
	const char *file, *project;
	enum cfg_format format;
	bool services, graph, quiet;
	enum list list;
	const char *output; /* -o FILE */
	char **profiles;
	char **targets;
};

static void usage(FILE *f)
{
	fputs("usage: lxr config [-f FILE | FILE] [-p NAME] [--format yaml|json] [--services]\n"
	      "                  [--images | --volumes | --networks | --profiles] [--graph]\n"
	      "                  [-q] [-o FILE] [--profile P]... [SERVICE...]\n\n"
	      "Validate a stack file and print it normalized: every default filled in, every\n"
	      "variable resolved (with SERVICE, only those services and what they depend\n"
	      "on, as compose prints them). Without -f, looks for compose.yaml, compose.yml,\n"
	      "docker-compose.yaml or docker-compose.yml here.\n\n"
	      "  -f, --file FILE     the stack file\n"
	      "  -p, --project-name  project name (default: `name:` or the directory)\n"
	      "      --format F      yaml (default) or json\n"
	      "      --services      print the names of the services that would run\n"
	      "      --images        print the image of each service that would run\n"
	      "                      (a service with build: and no image: <project>-<service>)\n"
	      "      --volumes       print the names of the stack's volumes\n"
	      "      --networks      print the names of the stack's networks\n"
	      "      --profiles      print every profile the services name\n"
	      "      --graph         print the dependency graph in Graphviz DOT\n"
	      "  -o, --output FILE   write to FILE instead of the standard output\n"
	      "      --profile P     activate a profile (repeatable)\n"
	      "  -q, --quiet         only validate: the problems, and the exit code\n"
	      "\n"
	      "Example:\n"
	      "  lxr config -q\n"
	      "  lxr config --services\n",
	      f);
}

static int parse_args(int argc, char **argv, struct config_args *a)
{
	static const struct option opts[] = {
	    {"file", required_argument, NULL, 'f'},
	    {"project-name", required_argument, NULL, 'p'},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"services", no_argument, NULL, OPT_SERVICES},
	    {"graph", no_argument, NULL, OPT_GRAPH},
	    {"quiet", no_argument, NULL, 'q'},
	    {"profile", required_argument, NULL, OPT_PROFILE},
	    {"images", no_argument, NULL, OPT_IMAGES},
	    {"volumes", no_argument, NULL, OPT_VOLUMES},
	    {"networks", no_argument, NULL, OPT_NETWORKS},
	    {"profiles", no_argument, NULL, OPT_PROFILES},
	    {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	int ch;

	cli_globals_apply(&a->file, &a->project);
	cli_globals_profiles(&a->profiles);
	optind = 0; /* options among the names too, as docker's */
	opterr = 0;
	while ((ch = cli_getopt_long(argc, argv, "f:p:hqo:", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if (cli_set_file(&a->file, optarg) < 0)
				return -1;
			break;
		case 'p': a->project = optarg; break;
		case OPT_SERVICES: a->services = true; break;
		case OPT_GRAPH: a->graph = true; break;
		case 'q': a->quiet = true; break;
		case 'o': a->output = optarg; break;
		case OPT_IMAGES: a->list = LIST_IMAGES; break;
		case OPT_VOLUMES: a->list = LIST_VOLUMES; break;
		case OPT_NETWORKS: a->list = LIST_NETWORKS; break;
		case OPT_PROFILES: a->list = LIST_PROFILES; break;
		case OPT_PROFILE: lxr_strv_push(&a->profiles, lxr_xstrdup(optarg)); break;
		case 'h': usage(stdout); return 1;
		case OPT_FORMAT:
			if (!strcmp(optarg, "yaml") || !strcmp(optarg, "json")) {
				a->format = optarg[0] == 'j' ? CFG_FORMAT_JSON : CFG_FORMAT_YAML;
				break;
			}
			fprintf(stderr, "lxr config: unknown format \"%s\" (yaml or json)\n",
				optarg);
			return -1;
		default:
			cli_bad_option(argv[optind - 1], opts, NULL);
			usage(stderr);
			return -1;
		}
	}
	/* `lxr config FILE`: a first operand that is a file is the stack file. */
	if (!a->file && optind < argc &&
	    (strchr(argv[optind], '/') || lxr_str_has_suffix(argv[optind], ".yaml") ||
	     lxr_str_has_suffix(argv[optind], ".yml")))
		a->file = argv[optind++];
	for (; optind < argc; optind++)
		lxr_strv_push(&a->targets, lxr_xstrdup(argv[optind]));
	cli_profiles_default(&a->profiles, a->file);
	if (a->services + a->graph + (a->list != LIST_NONE) > 1) {
		fputs("lxr config: --services, --graph, --images, --volumes, --networks and "
		      "--profiles exclude each other\n",
		      stderr);
		return -1;
	}
	return 0;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void list(enum list what, const struct cfg_stack *st, const struct plan_graph *g, FILE *out)
{
	_cleanup_strv_ char **names = lxr_xcalloc(1, sizeof(char *));
	size_t n;

	for (size_t i = 0; what == LIST_IMAGES && i < g->n; i++) {
		const struct cfg_service *svc = g->nodes[i].svc;
		const char *img = svc->image.v ? svc->image.v : svc->build_image;
		if (img)
			fprintf(out, "%s\n", img);
	}
	for (size_t i = 0; what == LIST_VOLUMES && i < st->n_volumes; i++)
		fprintf(out, "%s\n", st->volumes[i].name);
	for (size_t i = 0; what == LIST_NETWORKS && i < st->n_networks; i++)
		fprintf(out, "%s\n", st->networks[i].name);
	if (what != LIST_PROFILES)
		return;
	for (size_t i = 0; i < st->n_services; i++)
		for (size_t k = 0; k < st->services[i].profiles.n; k++) {
			const char *p = st->services[i].profiles.v[k].v;
			bool seen = false;
			for (size_t j = 0; names[j] && !seen; j++)
				seen = !strcmp(names[j], p);
			if (p && *p && !seen)
				lxr_strv_push(&names, lxr_xstrdup(p));
		}
	n = lxr_strv_len(names);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s\n", names[i]);
}

static int print(const struct config_args *a, const struct cfg_stack *st)
{
	struct plan_select sel = {(const char *const *)a->profiles, (const char *const *)a->targets,
				  false, true};
	struct plan_graph *g = NULL;
	lxr_err err = {0};
	int r = 0;

	FILE *out = stdout;

	if (plan_graph_build(st, &sel, &g, &err) < 0) {
		lxr_err_print(&err);
		return LXR_EXIT_USAGE;
	}
	if (a->quiet) { /* the services the profiles choose are valid too */
		plan_graph_free(g);
		return LXR_EXIT_OK;
	}
	if (a->output && !(out = fopen(a->output, "we"))) {
		lxr_fail(&err, errno, "config -o %s", a->output);
		lxr_err_hint(&err, "name a file in a directory that exists");
		lxr_err_print(&err);
		plan_graph_free(g);
		return LXR_EXIT_FAIL;
	}
	if (a->list != LIST_NONE) {
		list(a->list, st, g, out);
	} else if (!a->services && !a->graph) {
		/* as compose prints it: the services the profiles enable, in file
		 * order (a shallow view; the stack itself is not changed) */
		struct cfg_stack view = *st;
		view.services = lxr_xcalloc(st->n_services + 1, sizeof(*view.services));
		view.n_services = 0;
		for (size_t i = 0; i < st->n_services; i++)
			for (size_t k = 0; k < g->n; k++)
				if (g->nodes[k].svc == &st->services[i])
					view.services[view.n_services++] = st->services[i];
		r = cfg_stack_write(out, &view, a->format, &err);
		free(view.services);
	} else if (a->graph) {
		r = plan_graph_write_dot(out, g, &err);
	} else {
		for (size_t i = 0; i < g->n; i++)
			fprintf(out, "%s\n", g->nodes[i].svc->name);
	}
	plan_graph_free(g);
	if (r == 0 && fflush(out) != 0)
		r = lxr_fail(&err, errno, "write %s", a->output ? a->output : "output");
	if (out != stdout && fclose(out) != 0 && r == 0)
		r = lxr_fail(&err, errno, "write %s", a->output);
	if (r < 0) {
		lxr_err_print(&err);
		return LXR_EXIT_FAIL;
	}
	return LXR_EXIT_OK;
}

int cmd_config(int argc, char **argv)
{
	struct config_args a = {0};
	struct cfg_stack *st = NULL;
	int r = parse_args(argc, argv, &a);

	if (r == 0)
		r = cli_stack_load_model(a.file, a.project, &st);
	else
		r = r > 0 ? LXR_EXIT_OK : LXR_EXIT_USAGE;
	if (st)
		r = print(&a, st);
	cfg_stack_free(st);
	lxr_strv_free(a.profiles);
	lxr_strv_free(a.targets);
	return r;
}
