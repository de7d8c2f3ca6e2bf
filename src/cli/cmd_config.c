/* lxr config: load and validate a stack file, then print the normalized
 * model, the service names, or the dependency graph (DOT); compose's other
 * views of the file (as written, its variables, its environment, the
 * services' hashes) are config_views.c's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/config_views.h"
#include "lxr/config_view.h"
#include "lxr/plan.h"

enum {
	OPT_FORMAT = 256,
	OPT_SERVICES,
	OPT_GRAPH,
	OPT_PROFILE,
	OPT_IMAGES,
	OPT_VOLUMES,
	OPT_NETWORKS,
	OPT_MODELS,
	OPT_PROFILES,
	OPT_NO_INTERPOLATE,
	OPT_NO_NORMALIZE,
	OPT_VARIABLES,
	OPT_ENVIRONMENT,
	OPT_HASH,
	OPT_RESOLVE_DIGESTS,
	OPT_LOCK_DIGESTS,
	OPT_NO_PATHS,
	OPT_NO_ENV,
	OPT_NO_CONSISTENCY,
};

static void usage(FILE *f)
{
	fputs("usage: lxr config [-f FILE | FILE] [-p NAME] [--format yaml|json] [--services]\n"
	      "                  [--images | --volumes | --networks | --models | --profiles]\n"
	      "                  [--graph]\n"
	      "                  [--variables | --environment | --hash LIST]\n"
	      "                  [--no-interpolate | --no-normalize] [--resolve-image-digests]\n"
	      "                  [--lock-image-digests] [-q] [-o FILE] [--profile P]...\n"
	      "                  [SERVICE...]\n\n"
	      "Validate a stack file and print it normalized: every default filled in, every\n"
	      "variable resolved (with SERVICE, only those services and what they depend\n"
	      "on, as compose prints them). Without -f, looks for compose.yaml, compose.yml,\n"
	      "docker-compose.yaml or docker-compose.yml here; -f - reads standard input.\n\n"
	      "  -f, --file FILE     the stack file (-: standard input)\n"
	      "  -p, --project-name  project name (default: `name:` or the directory)\n"
	      "      --format F      yaml (default) or json; with --variables also table\n"
	      "      --services      print the names of the services that would run\n"
	      "      --images        print the image of each service that would run\n"
	      "                      (a service with build: and no image: <project>-<service>)\n"
	      "      --volumes       print the names of the stack's volumes\n"
	      "      --networks      print the names of the stack's networks\n"
	      "      --models        print the names of the stack's models (docker's model\n"
	      "                      runner's, kept as written)\n"
	      "      --profiles      print every profile the services name\n"
	      "      --graph         print the dependency graph in Graphviz DOT\n"
	      "      --variables     print the variables the file names: whether required,\n"
	      "                      their default and alternate values, as written\n"
	      "      --environment   print the variables interpolation takes from, KEY=VALUE\n"
	      "      --hash LIST     print SERVICE HASH for the services named (a,b, or *):\n"
	      "                      it changes exactly when lxr up would recreate them\n"
	      "      --no-interpolate  print the file merged (-f files, include, extends)\n"
	      "                      with every ${VAR} as written, not normalized; checks its\n"
	      "                      structure only; every service, whatever the profiles\n"
	      "      --no-normalize  print the file merged, variables resolved, short syntax\n"
	      "                      and relative paths as written; checked in full\n"
	      "      --resolve-image-digests  pin each image to the digest of the one here\n"
	      "      --lock-image-digests     print only the images, pinned, as an override\n"
	      "                      file would hold them\n"
	      "      --no-path-resolution  with --no-interpolate or --no-normalize, which keep\n"
	      "                      paths as written (the model's are absolute)\n"
	      "      --no-env-resolution   with --no-interpolate or --no-normalize, which keep\n"
	      "                      env_file as written (the model merges it in)\n"
	      "      --no-consistency  with --no-interpolate, which checks no more\n"
	      "  -o, --output FILE   write to FILE instead of the standard output\n"
	      "      --profile P     activate a profile (repeatable)\n"
	      "  -q, --quiet         only validate: the problems, and the exit code\n"
	      "\n"
	      "Example:\n"
	      "  lxr config -q\n"
	      "  lxr config --services\n"
	      "  lxr config --variables\n",
	      f);
}

static int set_format(struct config_args *a, const char *v)
{
	a->format_given = true;
	if (!strcmp(v, "yaml") || !strcmp(v, "json")) {
		a->format = v[0] == 'j' ? CFG_FORMAT_JSON : CFG_FORMAT_YAML;
		return 0;
	}
	if (!strcmp(v, "table")) {
		a->table = true;
		return 0;
	}
	fprintf(stderr,
		"lxr: error: config: unknown format \"%s\" (yaml or json; table with "
		"--variables)\n",
		v);
	return -1;
}

static int take(struct config_args *a, int ch, const char *arg)
{
	switch (ch) {
	case 'f': return cli_set_file(&a->file, arg);
	case 'p': a->project = arg; break;
	case OPT_SERVICES: a->services = true; break;
	case OPT_GRAPH: a->graph = true; break;
	case 'q': a->quiet = true; break;
	case 'o': a->output = arg; break;
	case OPT_IMAGES: a->list = LIST_IMAGES; break;
	case OPT_VOLUMES: a->list = LIST_VOLUMES; break;
	case OPT_NETWORKS: a->list = LIST_NETWORKS; break;
	case OPT_MODELS: a->list = LIST_MODELS; break;
	case OPT_PROFILES: a->list = LIST_PROFILES; break;
	case OPT_PROFILE: lxr_strv_push(&a->profiles, lxr_xstrdup(arg)); break;
	case OPT_FORMAT: return set_format(a, arg);
	case OPT_NO_INTERPOLATE: a->no_interpolate = true; break;
	case OPT_NO_NORMALIZE: a->no_normalize = true; break;
	case OPT_VARIABLES: a->variables = true; break;
	case OPT_ENVIRONMENT: a->environment = true; break;
	case OPT_HASH: a->hash = arg; break;
	case OPT_RESOLVE_DIGESTS: a->resolve_digests = true; break;
	case OPT_LOCK_DIGESTS: a->lock_digests = a->resolve_digests = true; break;
	case OPT_NO_PATHS: a->no_paths = true; break;
	case OPT_NO_ENV: a->no_env = true; break;
	case OPT_NO_CONSISTENCY: a->no_consistency = true; break;
	default: return -1;
	}
	return 0;
}

/* What compose's flags that skip a step mean here: lxr's model always
 * takes every step (it is what runs), so a skipped step is only there to
 * see in the views that keep the file as written. */
static const char *skipped_step(const struct config_args *a)
{
	bool written = a->no_interpolate || a->no_normalize;

	if (a->no_paths && !written)
		return "--no-path-resolution: the model holds every path absolute, as lxr runs "
		       "it; --no-normalize prints the file's paths as written";
	if (a->no_env && !written)
		return "--no-env-resolution: the model holds env_file's variables in environment, "
		       "as lxr runs them; --no-normalize prints env_file as written";
	if (a->no_consistency && !a->no_interpolate)
		return "--no-consistency: lxr checks the whole model before it prints it; "
		       "--no-interpolate reads the file's structure only";
	return NULL;
}

/* Two things to print, or a view with what it cannot go with: said, -1. */
static int conflicts(const struct config_args *a)
{
	int printed = a->services + a->graph + (a->list != LIST_NONE) + a->variables +
		      a->environment + (a->hash != NULL) + a->lock_digests;
	const char *why = skipped_step(a);

	if (printed > 1)
		why = "--services, --graph, --images, --volumes, --networks, --models, --profiles, "
		      "--variables, --environment, --hash and --lock-image-digests exclude each "
		      "other";
	else if (a->no_interpolate && a->no_normalize)
		why = "--no-interpolate and --no-normalize exclude each other (--no-interpolate "
		      "does not normalize either)";
	else if ((a->no_interpolate || a->no_normalize) && (printed || a->resolve_digests))
		why = "--no-interpolate and --no-normalize change the printed file only";
	else if (a->no_interpolate && a->targets)
		why = "--no-interpolate prints every service: what SERVICE depends on is only "
		      "known once the variables are resolved (--no-normalize takes SERVICE)";
	else if (a->variables && a->targets)
		why = "--variables lists the whole file's variables: drop SERVICE";
	else if (a->hash && a->targets)
		why = "--hash names its services itself: --hash SERVICE,SERVICE";
	else if (a->resolve_digests && (a->variables || a->environment || a->hash))
		why = "--resolve-image-digests changes the printed file only, not --variables, "
		      "--environment or --hash";
	else if (a->table && !a->variables)
		why = "--format table goes with --variables";
	if (!why)
		return 0;
	fprintf(stderr, "lxr: error: config: %s\n", why);
	return -1;
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
	    {"models", no_argument, NULL, OPT_MODELS},
	    {"profiles", no_argument, NULL, OPT_PROFILES},
	    {"output", required_argument, NULL, 'o'},
	    {"no-interpolate", no_argument, NULL, OPT_NO_INTERPOLATE},
	    {"no-normalize", no_argument, NULL, OPT_NO_NORMALIZE},
	    {"variables", no_argument, NULL, OPT_VARIABLES},
	    {"environment", no_argument, NULL, OPT_ENVIRONMENT},
	    {"hash", required_argument, NULL, OPT_HASH},
	    {"resolve-image-digests", no_argument, NULL, OPT_RESOLVE_DIGESTS},
	    {"lock-image-digests", no_argument, NULL, OPT_LOCK_DIGESTS},
	    {"no-path-resolution", no_argument, NULL, OPT_NO_PATHS},
	    {"no-env-resolution", no_argument, NULL, OPT_NO_ENV},
	    {"no-consistency", no_argument, NULL, OPT_NO_CONSISTENCY},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	int ch;

	cli_globals_apply(&a->file, &a->project);
	cli_globals_profiles(&a->profiles);
	optind = 0; /* options among the names too, as docker's */
	opterr = 0;
	while ((ch = cli_getopt_long(argc, argv, "f:p:hqo:", opts, NULL)) != -1) {
		if (ch == 'h') {
			usage(stdout);
			return 1;
		}
		if (take(a, ch, optarg) == 0)
			continue;
		if (ch != OPT_FORMAT) {
			cli_bad_option(argv[optind - 1], opts, NULL);
			usage(stderr);
		}
		return -1;
	}
	/* `lxr config FILE`: a first operand that is a file is the stack file. */
	if (!a->file && optind < argc &&
	    (strchr(argv[optind], '/') || lxr_str_has_suffix(argv[optind], ".yaml") ||
	     lxr_str_has_suffix(argv[optind], ".yml")))
		a->file = argv[optind++];
	for (; optind < argc; optind++)
		lxr_strv_push(&a->targets, lxr_xstrdup(argv[optind]));
	cli_profiles_default(&a->profiles, a->file);
	return conflicts(a);
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void list(enum config_list what, const struct cfg_stack *st, const struct plan_graph *g,
		 FILE *out)
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
	for (size_t i = 0;
	     what == LIST_MODELS && st->models.kind == CFG_RAW_MAP && i < st->models.n; i++)
		fprintf(out, "%s\n", st->models.keys[i]);
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

/* The model as compose prints it: the services the profiles enable, in
 * file order (a shallow view; the stack itself is not changed). */
static int write_model(const struct config_args *a, const struct cfg_stack *st,
		       const struct plan_graph *g, FILE *out, lxr_err *err)
{
	struct cfg_stack view = *st;
	int r;

	view.services = lxr_xcalloc(st->n_services + 1, sizeof(*view.services));
	view.n_services = 0;
	for (size_t i = 0; i < st->n_services; i++)
		if (plan_graph_find(g, st->services[i].name) >= 0)
			view.services[view.n_services++] = st->services[i];
	r = cfg_stack_write(out, &view, a->format, err);
	free(view.services);
	return r;
}

/* --no-normalize: the file merged, with the services the model chose
 * (profiles, SERVICE...) as the model's output has them. --no-interpolate
 * has no graph (g NULL): every service. */
static int write_written(const struct config_args *a, const struct cfg_stack *st,
			 const struct plan_graph *g, FILE *out, lxr_err *err)
{
	struct cfg_stack view = *st;
	struct cfg_raw top = st->written, svcs = {0};
	int r;

	top.items = lxr_xcalloc(top.n + 1, sizeof(*top.items));
	for (size_t i = 0; i < top.n; i++) {
		const struct cfg_raw *v = &st->written.items[i];
		top.items[i] = *v;
		if (!g || strcmp(top.keys[i], "services") || v->kind != CFG_RAW_MAP)
			continue;
		svcs = *v;
		svcs.keys = lxr_xcalloc(v->n + 1, sizeof(*svcs.keys));
		svcs.items = lxr_xcalloc(v->n + 1, sizeof(*svcs.items));
		svcs.n = 0;
		for (size_t k = 0; k < v->n; k++)
			if (plan_graph_find(g, v->keys[k]) >= 0) {
				svcs.keys[svcs.n] = v->keys[k];
				svcs.items[svcs.n++] = v->items[k];
			}
		top.items[i] = svcs;
	}
	view.written = top;
	r = cfg_stack_write_written(out, &view, a->format, err);
	free(svcs.keys);
	free(svcs.items);
	free(top.items);
	return r;
}

/* 0, -1 with err set, or LXR_EXIT_FAIL once a view has said what failed */
static int write_out(const struct config_args *a, struct cfg_stack *st, const struct plan_graph *g,
		     FILE *out, lxr_err *err)
{
	if (a->list != LIST_NONE) {
		list(a->list, st, g, out);
	} else if (a->graph) {
		return plan_graph_write_dot(out, g, err);
	} else if (a->services) {
		for (size_t i = 0; i < g->n; i++)
			fprintf(out, "%s\n", g->nodes[i].svc->name);
	} else if (a->environment) {
		for (size_t i = 0; st->environment && st->environment[i]; i++)
			fprintf(out, "%s\n", st->environment[i]);
	} else if (a->variables) {
		return config_print_variables(a, st, out);
	} else if (a->hash) {
		return config_print_hashes(a, st, out);
	} else if (a->lock_digests) {
		return config_print_locked(a, g, out);
	} else if (a->no_interpolate || a->no_normalize) {
		return write_written(a, st, g, out, err);
	} else {
		return write_model(a, st, g, out, err);
	}
	return 0;
}

/* Through fd, whole */
static int write_through(int fd, const char *path, const char *text, size_t len, lxr_err *err)
{
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return lxr_fail(err, errno, "config -o %s", path);
		off += (size_t)w;
	}
	return 0;
}

/* A regular file (or a new one) whole or not at all: written beside it,
 * renamed over it once whole, with its mode. Anything else (/dev/null,
 * /dev/stdout, a link to a file elsewhere) is written through, as before. */
static int write_output(const char *path, const char *text, size_t len, lxr_err *err)
{
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *dir = slash ? lxr_xstrndup(path, (size_t)(slash - path) + 1) : NULL;
	_cleanup_close_ int dfd = -1, fd = -1;
	struct stat st;
	bool exists = lstat(path, &st) == 0;
	mode_t mask = umask(0);

	umask(mask);
	if (slash && !slash[1])
		return lxr_fail(err, EISDIR, "config -o %s: a directory, not a file", path);
	if (exists && !S_ISREG(st.st_mode)) {
		fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
		return fd < 0 ? lxr_fail(err, errno, "config -o %s", path)
			      : write_through(fd, path, text, len, err);
	}
	dfd = open(dir ? dir : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || lxr_write_file_atomic(dfd, slash ? slash + 1 : path, text, len,
					     exists ? st.st_mode & 07777 : 0666 & ~mask, err) < 0) {
		if (dfd < 0)
			lxr_fail(err, errno, "open directory %s", dir ? dir : ".");
		return lxr_err_wrap(err, "config -o %s", path),
		       lxr_err_hint(err, "name a file in a directory that exists and lxr may "
					 "write in");
	}
	return 0;
}

static int print(const struct config_args *a, struct cfg_stack *st)
{
	struct plan_select sel = {(const char *const *)a->profiles, (const char *const *)a->targets,
				  false, true};
	struct plan_graph *g = NULL;
	lxr_err err = {0};
	int r = 0;
	FILE *out = stdout;

	/* the file as written has no model to choose from; --hash chooses
	 * its own services */
	if (!a->no_interpolate && !a->variables && !a->hash &&
	    plan_graph_build(st, &sel, &g, &err) < 0) {
		lxr_err_print(&err);
		return LXR_EXIT_USAGE;
	}
	if (a->resolve_digests && config_resolve_digests(st, g) < 0) {
		plan_graph_free(g);
		return LXR_EXIT_FAIL;
	}
	if (a->quiet) { /* the services the profiles choose are valid too */
		plan_graph_free(g);
		return LXR_EXIT_OK;
	}
	/* -o FILE: written once all of it is made, so a failure leaves FILE
	 * as it was */
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	if (a->output && !(out = open_memstream(&text, &len)))
		abort(); /* no memory: as lxr_xmalloc */
	r = write_out(a, st, g, out, &err);
	plan_graph_free(g);
	if (r >= 0 && fflush(out) != 0)
		r = lxr_fail(&err, errno, "write %s", a->output ? a->output : "output");
	if (out != stdout)
		fclose(out);
	if (a->output && r == 0)
		r = write_output(a->output, text, len, &err);
	if (r < 0) {
		lxr_err_print(&err);
		return LXR_EXIT_FAIL;
	}
	return r;
}

int cmd_config(int argc, char **argv)
{
	struct config_args a = {0};
	struct cfg_stack *st = NULL;
	int r = parse_args(argc, argv, &a);
	int view = a.no_interpolate || a.variables ? CFG_VIEW_AS_WRITTEN
		   : a.no_normalize                ? CFG_VIEW_MERGED
						   : CFG_VIEW_MODEL;

	if (r == 0)
		r = cli_stack_load_view(a.file, a.project, view, a.environment, &st);
	else
		r = r > 0 ? LXR_EXIT_OK : LXR_EXIT_USAGE;
	if (st)
		r = print(&a, st);
	cfg_stack_free(st);
	lxr_strv_free(a.profiles);
	lxr_strv_free(a.targets);
	return r;
}
