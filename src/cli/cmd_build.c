/* lxr build: docker's form (`lxr build [options] CONTEXT`: one Dockerfile,
 * bld_build) or compose's (`lxr build [SERVICE...]` in a project: each
 * service's build:, stack_build.c). This file parses and chooses. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "config/text.h"
#include "lxr/build.h"
#include "lxr/config.h"
#include "lxr/image.h"

struct build_opts {
	char **tags, **build_args, **labels;
	char **contexts;        /* --build-context NAME=DIR|docker-image://REF */
	char **secrets;         /* --secret id=ID,src=FILE|env=VAR */
	char **ulimits;         /* --ulimit NAME=SOFT[:HARD] */
	char **no_cache_stages; /* --no-cache-filter STAGE */
	const char *file, *target, *progress, *network;
	bool no_cache, check, pull, quiet, dry_run, with_deps, push;
	int64_t memory;          /* -m: the RUN steps' memory limit */
	const char *docker_only; /* the first option only docker's form takes */
	char **args;             /* the operands: CONTEXT, or services */
};

/* docker buildx's --build-context NAME=VALUE: a directory (made absolute
 * here, as the builder takes it) or docker-image://REF. */
static char *named_context(const char *arg)
{
	const char *eq = strchr(arg, '=');
	_cleanup_free_ char *abs = NULL;

	if (!eq || !eq[1] || eq[1] == '/' || strstr(eq + 1, "://"))
		return lxr_xstrdup(arg); /* as given: bld_build says what is wrong */
	abs = realpath(eq + 1, NULL);
	return abs ? lxr_xasprintf("%.*s=%s", (int)(eq - arg), arg, abs) : lxr_xstrdup(arg);
}

enum {
	O_ARG = 256,
	O_TARGET,
	O_LABEL,
	O_NO_CACHE,
	O_PROGRESS,
	O_CHECK,
	O_NETWORK,
	O_PULL,
	O_DRY_RUN,
	O_CONTEXT,
	O_SECRET,
	O_WITH_DEPS,
	O_ULIMIT,
	O_NO_CACHE_FILTER,
	O_PUSH,
	O_BUILDER,
	O_SSH,
	O_ATTEST,
	O_PRINT,
	O_NOOP
};

/* An option only docker's form (CONTEXT) takes, into o: its name, for the
 * error when services are built; NULL for any other option. */
static const char *docker_option(struct build_opts *o, int c)
{
	switch (c) {
	case 't': lxr_strv_push(&o->tags, lxr_xstrdup(optarg)); return "--tag";
	case 'f': o->file = optarg; return "--file";
	case O_TARGET: o->target = optarg; return "--target";
	case O_LABEL: lxr_strv_push(&o->labels, lxr_xstrdup(optarg)); return "--label";
	case O_NETWORK: o->network = optarg; return "--network";
	case O_SECRET: lxr_strv_push(&o->secrets, lxr_xstrdup(optarg)); return "--secret";
	case O_CONTEXT:
		lxr_strv_push(&o->contexts, named_context(optarg));
		return "--build-context";
	case O_ULIMIT: lxr_strv_push(&o->ulimits, lxr_xstrdup(optarg)); return "--ulimit";
	case O_NO_CACHE_FILTER: /* buildx takes a list too */
		for (char *save = NULL, *w = strtok_r(optarg, ",", &save); w;
		     w = strtok_r(NULL, ",", &save))
			lxr_strv_push(&o->no_cache_stages, lxr_xstrdup(w));
		return "--no-cache-filter";
	default: return NULL;
	}
}

/* Options of docker's and compose's builds that lxr's builder takes as
 * far as it can: -m the RUN steps' memory limit; the builder, SSH agent
 * and attestations it does not have: a warning (--provenance=false, which
 * scripts give to keep registries free of attestations, is what it does
 * anyway); compose's bake file: refused. */
static int buildx_option(struct build_opts *o, int c, const char *name)
{
	switch (c) {
	case 'm':
		if (cfg_parse_bytes(optarg, &o->memory) < 0 || o->memory < (6 << 20)) {
			fprintf(stderr,
				"lxr: error: build --memory \"%s\": expected a size of at least "
				"6m (e.g. 512m, 2g)\n",
				optarg);
			return -1;
		}
		return 0;
	case O_BUILDER:
		fprintf(stderr,
			"lxr: warning: build --builder %s: lxr has one builder, its own; "
			"ignored\n",
			optarg);
		return 0;
	case O_SSH:
		fprintf(stderr,
			"lxr: warning: build --ssh %s: lxr's builder forwards no SSH agent "
			"or key; ignored (RUN --mount=type=ssh is refused)\n",
			optarg);
		return 0;
	case O_ATTEST:
		if (strcmp(optarg, "false") && strcmp(optarg, "0"))
			fprintf(stderr,
				"lxr: warning: build --%s=%s: lxr's builder makes no "
				"attestations; ignored\n",
				name, optarg);
		return 0;
	default:
		fputs("lxr: error: build --print: lxr's builder has no bake file to print; "
		      "`lxr config` prints the services' build: sections\n",
		      stderr);
		return -1;
	}
}

static int parse(int argc, char **argv, struct build_opts *o)
{
	static const struct option longopts[] = {
	    {"tag", required_argument, NULL, 't'},
	    {"file", required_argument, NULL, 'f'},
	    {"build-arg", required_argument, NULL, O_ARG},
	    {"target", required_argument, NULL, O_TARGET},
	    {"label", required_argument, NULL, O_LABEL},
	    {"no-cache", no_argument, NULL, O_NO_CACHE},
	    {"progress", required_argument, NULL, O_PROGRESS},
	    {"check", no_argument, NULL, O_CHECK},
	    {"network", required_argument, NULL, O_NETWORK},
	    {"pull", no_argument, NULL, O_PULL},
	    {"quiet", no_argument, NULL, 'q'},
	    {"dry-run", no_argument, NULL, O_DRY_RUN},
	    {"build-context", required_argument, NULL, O_CONTEXT},
	    {"secret", required_argument, NULL, O_SECRET},
	    {"with-dependencies", no_argument, NULL, O_WITH_DEPS},
	    {"ulimit", required_argument, NULL, O_ULIMIT},
	    {"no-cache-filter", required_argument, NULL, O_NO_CACHE_FILTER},
	    {"push", no_argument, NULL, O_PUSH},
	    {"memory", required_argument, NULL, 'm'},
	    {"builder", required_argument, NULL, O_BUILDER},
	    {"ssh", required_argument, NULL, O_SSH},
	    {"provenance", required_argument, NULL, O_ATTEST},
	    {"sbom", required_argument, NULL, O_ATTEST},
	    {"print", no_argument, NULL, O_PRINT},
	    /* compose's hidden leftovers of docker-compose v1 (--parallel,
	     * --compress, --force-rm, --no-rm) and docker build's --rm:
	     * taken and ignored as they are, CI scripts still pass them */
	    {"parallel", no_argument, NULL, O_NOOP},
	    {"compress", no_argument, NULL, O_NOOP},
	    {"force-rm", no_argument, NULL, O_NOOP},
	    {"no-rm", no_argument, NULL, O_NOOP},
	    {"rm", optional_argument, NULL, O_NOOP},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	int c, li = 0;

	o->dry_run = cli_globals.dry_run;
	optind = 0; /* options among the names too, as docker's */
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "t:f:m:qh", longopts, &li)) != -1) {
		const char *d = docker_option(o, c);
		switch (d ? 0 : c) {
		case 0: break;
		case 'm':
		case O_BUILDER:
		case O_SSH:
		case O_ATTEST:
		case O_PRINT:
			if (buildx_option(o, c, c == 'm' ? "memory" : longopts[li].name) < 0)
				return -1;
			break;
		case O_NOOP: break;
		case O_CHECK: o->check = true; break;
		case O_PUSH: o->push = true; break;
		case O_ARG: lxr_strv_push(&o->build_args, lxr_xstrdup(optarg)); break;
		case O_NO_CACHE: o->no_cache = true; break;
		case O_PROGRESS: o->progress = optarg; break;
		case O_PULL: o->pull = true; break;
		case 'q': o->quiet = true; break;
		case O_DRY_RUN: o->dry_run = true; break;
		case O_WITH_DEPS: o->with_deps = true; break;
		case 'h': fputs(cli_help("build"), stdout); return 1;
		default: cli_bad_option(argv[optind - 1], longopts, cli_help("build")); return -1;
		}
		if (d && !o->docker_only)
			o->docker_only = d;
	}
	for (int i = optind; i < argc; i++)
		lxr_strv_push(&o->args, lxr_xstrdup(argv[i]));
	if (o->progress && strcmp(o->progress, "auto") && strcmp(o->progress, "plain") &&
	    strcmp(o->progress, "tty")) {
		fprintf(stderr, "lxr: error: --progress %s: takes auto, plain or tty\n",
			o->progress);
		return -1;
	}
	return 0;
}

static int read_stdin(char **text, size_t *len, lxr_err *err)
{
	size_t cap = 4096;
	ssize_t n;

	*len = 0;
	*text = lxr_xmalloc(cap);
	while ((n = read(STDIN_FILENO, *text + *len, cap - *len - 1)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return lxr_fail(err, errno, "read the Dockerfile from standard input");
		*len += (size_t)n;
		if (*len + 1 == cap) {
			if (cap >= (1 << 20))
				return lxr_fail(err, EFBIG,
						"the Dockerfile on standard input is over 1 MiB");
			*text = lxr_xrealloc(*text, cap *= 2);
		}
	}
	(*text)[*len] = '\0';
	return 0;
}

/* docker build CONTEXT */
static int build_context(const struct build_opts *o)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	lxr_err err = {0};
	struct bld_request rq = {.context = o->args[0],
				 .dockerfile = o->file,
				 .tags = o->tags,
				 .build_args = o->build_args,
				 .labels = o->labels,
				 .named_contexts = o->contexts,
				 .target = o->target,
				 .network = o->network,
				 .secrets = o->secrets,
				 .ulimits = o->ulimits,
				 .no_cache_stages = o->no_cache_stages,
				 .no_cache = o->no_cache,
				 .pull = o->pull,
				 .check = o->check,
				 .memory = o->memory};
	int saved = -1, r;

	if (o->with_deps) {
		fprintf(stderr,
			"lxr: error: build --with-dependencies: a project's services' "
			"build (compose build SERVICE); %s is a context\n",
			o->args[0]);
		return LXR_EXIT_USAGE;
	}

	if (o->dry_run) {
		fputs("lxr: error: --dry-run is for services; `lxr build --check CONTEXT` checks "
		      "a Dockerfile without building\n",
		      stderr);
		return LXR_EXIT_USAGE;
	}
	if (o->push && !o->tags) { /* docker's words */
		fputs("lxr: error: build --push: tag is needed when pushing to registry "
		      "(-t REGISTRY/NAME:TAG)\n",
		      stderr);
		return LXR_EXIT_USAGE;
	}
	if (o->file && !strcmp(o->file, "-")) {
		if (read_stdin(&text, &len, &err) < 0) {
			lxr_err_print(&err);
			return LXR_EXIT_FAIL;
		}
		rq.dockerfile = NULL;
		rq.dockerfile_text = text;
		rq.dockerfile_name = "<stdin>";
	}
	/* docker build -q: the ID alone; what went wrong is still said */
	if (o->quiet && !o->check) {
		fflush(stderr);
		saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, STDERR_FILENO);
			close(null);
		}
	}
	r = cli_build_run(&rq, &err);
	if (saved >= 0) {
		dup2(saved, STDERR_FILENO);
		close(saved);
	}
	if (r == 0 && o->push && !o->check) {
		struct cli_push_how how = {.quiet = o->quiet};
		return cli_push_refs(o->tags, &how);
	}
	if (r == 0)
		return LXR_EXIT_OK;
	lxr_err_print(&err);
	return r == -2 ? LXR_EXIT_USAGE : LXR_EXIT_FAIL;
}

/* docker compose build [SERVICE...] */
static int build_services(const struct build_opts *o, struct cfg_stack *st)
{
	struct cli_build_over over = {.no_cache = o->no_cache,
				      .pull = o->pull,
				      .dry_run = o->dry_run,
				      .quiet = o->quiet,
				      .with_deps = o->with_deps,
				      .push = o->push,
				      .check = o->check,
				      .memory = o->memory,
				      .build_args = o->build_args};

	if (o->docker_only) {
		fprintf(stderr,
			"lxr: error: build: %s is for `lxr build CONTEXT`; a service's build: "
			"sets it in the stack file\n",
			o->docker_only);
		return LXR_EXIT_USAGE;
	}
	return cli_stack_build(st, o->args, &over);
}

static bool all_services(const struct cfg_stack *st, char *const *v)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!cfg_stack_service(st, v[i]))
			return false;
	return true;
}

static bool looks_like_path(const char *a)
{
	return strchr(a, '/') || !strcmp(a, ".") || !strcmp(a, "..");
}

/* Which form: compose's with `lxr compose build`; docker's with one of its
 * own options, a path operand, or no project here; else compose's when
 * every operand names a service (none: all of them), docker's for one
 * operand that does not. */
static int dispatch(struct build_opts *o)
{
	_cleanup_free_ char *found = NULL;
	const char *file = NULL, *project = NULL;
	struct cfg_stack *st = NULL;
	size_t n = 0;
	int r;

	while (o->args && o->args[n])
		n++;
	cli_globals_apply(&file, &project);
	bool compose = cli_globals.compose;
	if (!compose) {
		bool docker = o->docker_only || (n == 1 && looks_like_path(o->args[0]));
		if (!docker && !file && !project && !cli_find_stack(&found))
			docker = true;
		if (docker) {
			if (n != 1) {
				fprintf(stderr,
					"lxr: error: build takes one CONTEXT directory%s\n%s",
					n ? "" : " (no stack file here to build services of)",
					cli_help("build"));
				return LXR_EXIT_USAGE;
			}
			return build_context(o);
		}
	}
	if (found)
		file = found;
	r = cli_stack_load(file, project, &st);
	if (r != LXR_EXIT_OK)
		return r;
	if (!compose && n > 0 && !all_services(st, o->args)) {
		cfg_stack_free(st);
		if (n == 1)
			return build_context(o);
		fprintf(stderr, "lxr: error: build: %s is not a service of the stack\n%s",
			o->args[0], cli_help("build"));
		return LXR_EXIT_USAGE;
	}
	r = build_services(o, st);
	cfg_stack_free(st);
	return r;
}

int cmd_build(int argc, char **argv)
{
	struct build_opts o = {0};
	int rc = parse(argc, argv, &o);

	if (rc != 0)
		rc = rc > 0 ? LXR_EXIT_OK : LXR_EXIT_USAGE;
	else
		rc = dispatch(&o);
	lxr_strv_free(o.tags);
	lxr_strv_free(o.build_args);
	lxr_strv_free(o.labels);
	lxr_strv_free(o.contexts);
	lxr_strv_free(o.secrets);
	lxr_strv_free(o.ulimits);
	lxr_strv_free(o.no_cache_stages);
	lxr_strv_free(o.args);
	return rc;
}

/* lxr builder prune: the step cache, all of it, as docker's
 * `builder prune -a` (docker asks first; -f does not, as here). */
int cmd_builder(int argc, char **argv)
{
	const char *usage = cli_help("builder-prune");
	_cleanup_free_ char *cache = lxr_xasprintf("%s/build/cache", lxr_data_dir());
	_cleanup_close_ int lock = -1;
	lxr_err err = {0};
	size_t n = 0;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return fputs(usage, stdout), LXR_EXIT_OK;
	if (argc < 2 || strcmp(argv[1], "prune"))
		return fputs(usage, stderr), LXR_EXIT_USAGE;
	for (int i = 2; i < argc; i++) {
		if (cli_is_help(argv[i]))
			return fputs(usage, stdout), LXR_EXIT_OK;
		if (strcmp(argv[i], "-a") && strcmp(argv[i], "--all") && strcmp(argv[i], "-f") &&
		    strcmp(argv[i], "--force")) {
			fprintf(stderr, "lxr: error: %s: unknown option\n%s", argv[i], usage);
			return LXR_EXIT_USAGE;
		}
	}
	lock = bld_cache_lock(LOCK_EX | LOCK_NB, &err);
	if (lock < 0) {
		lxr_err_print(&err);
		return LXR_EXIT_FAIL;
	}
	DIR *d = opendir(cache);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		/* the links a rerun left (.KEY.next) go too, uncounted */
		bool link = de->d_name[0] == '.' && strstr(de->d_name, ".next");
		if (de->d_name[0] == '.' && !link)
			continue;
		_cleanup_free_ char *p = lxr_xasprintf("%s/%s", cache, de->d_name);
		if (link) {
			unlink(p);
			continue;
		}
		if (lxr_rm_rf(p, &err) < 0) {
			lxr_err_print(&err);
			closedir(d);
			return LXR_EXIT_FAIL;
		}
		n++;
	}
	if (d)
		closedir(d);
	printf("Deleted build cache objects: %zu\n", n);
	return LXR_EXIT_OK;
}
