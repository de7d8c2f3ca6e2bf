/* lxr push: in a project, the images of the services it builds, as docker
 * compose push; otherwise one REF, as docker push. lxr-image does each
 * upload (image_ship.c); this process picks the references. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lxr/config.h"
#include "lxr/image.h"

struct push_opts {
	const char *file, *project;
	bool quiet, ignore_failures, include_deps;
};

static int parse(int argc, char **argv, struct push_opts *o)
{
	static const struct option longopts[] = {
	    {"quiet", no_argument, NULL, 'q'},
	    {"ignore-push-failures", no_argument, NULL, 'I'},
	    {"include-deps", no_argument, NULL, 'D'},
	    {"dry-run", no_argument, NULL, 'N'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	cli_globals_apply(&o->file, &o->project);
	optind = 0; /* options among the names too, as docker's */
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'q': o->quiet = true; break;
		case 'I': o->ignore_failures = true; break;
		case 'D': o->include_deps = true; break;
		case 'N': cli_globals.dry_run = true; break; /* compose's, given here */
		case 'h': fputs(cli_help("push"), stdout); return 1;
		default: cli_bad_option(argv[optind - 1], longopts, cli_help("push")); return -1;
		}
	}
	return 0;
}

/* docker push REF: lxr-image in this process's place */
static int push_ref(const struct push_opts *o, const char *ref)
{
	char *args[] = {"push", o->quiet ? "-q" : (char *)ref, o->quiet ? (char *)ref : NULL, NULL};

	if (cli_globals.dry_run)
		return cli_dry_run_refuse("push");
	if (o->ignore_failures || o->include_deps) {
		fprintf(stderr,
			"lxr: error: push %s: --ignore-push-failures and --include-deps are for a "
			"project's services\n",
			ref);
		return LXR_EXIT_USAGE;
	}
	return cmd_image_tool(o->quiet ? 3 : 2, args);
}

/* One `lxr-image push REF` child; 0 when it pushed. */
static int push_one(const char *tool, const char *ref, bool quiet)
{
	char *args[] = {(char *)tool, "push", quiet ? "-q" : (char *)ref,
			quiet ? (char *)ref : NULL, NULL};
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execv(tool, args);
		fprintf(stderr, "lxr: error: exec %s: %s\n", tool, strerror(errno));
		_exit(LXR_EXIT_FAIL);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* The references each in turn; a failure stops the rest unless
 * ignore_failures (then a warning). dry: said, not done (compose's
 * --dry-run). who: the service whose images they are, or NULL. */
static int push_list(const char *tool, const char *who, char *const *refs,
		     const struct cli_push_how *how, size_t *pushed, size_t *failed)
{
	for (size_t t = 0; refs && refs[t]; t++) {
		/* a service's line; lxr-image names the repository itself */
		if (who && !how->quiet && cli_progress_setting() != 3)
			fprintf(stderr, "%s%s: pushing %s\n", how->dry_run ? "DRY-RUN MODE - " : "",
				who, refs[t]);
		if (how->dry_run || push_one(tool, refs[t], how->quiet) == 0) {
			(*pushed)++;
			continue;
		}
		(*failed)++;
		fprintf(stderr, "lxr: %s: %s%spush %s failed\n",
			how->ignore_failures ? "warning" : "error", who ? who : "", who ? ": " : "",
			refs[t]);
		if (!how->ignore_failures)
			return -1;
	}
	return 0;
}

static int tool_path(char **tool)
{
	lxr_err err;

	if (img_tool_path(tool, &err) < 0) {
		lxr_err_wrap(&err, "lxr push");
		lxr_err_print(&err);
		return -1;
	}
	return 0;
}

int cli_push_refs(char *const *refs, const struct cli_push_how *how)
{
	_cleanup_free_ char *tool = NULL;
	size_t pushed = 0, failed = 0;

	if (tool_path(&tool) < 0 || push_list(tool, NULL, refs, how, &pushed, &failed) < 0)
		return LXR_EXIT_FAIL;
	return LXR_EXIT_OK;
}

/* compose's rule: a service pushes when it has build: and image: */
int cli_push_services(const struct cfg_stack *st, char *const *want, const struct cli_push_how *how)
{
	_cleanup_free_ char *tool = NULL;
	size_t failed = 0, pushed = 0;

	if (tool_path(&tool) < 0)
		return LXR_EXIT_FAIL;
	for (size_t i = 0; i < st->n_services; i++) {
		const struct cfg_service *svc = &st->services[i];
		_cleanup_strv_ char **refs = NULL;
		if ((want && !lxr_strv_has(want, svc->name)) || !svc->build.set || !svc->image.v)
			continue;
		lxr_strv_push(&refs, lxr_xstrdup(svc->image.v));
		for (size_t t = 0; t < svc->build.tags.n; t++)
			if (svc->build.tags.v[t].v)
				lxr_strv_push(&refs, lxr_xstrdup(svc->build.tags.v[t].v));
		if (push_list(tool, svc->name, refs, how, &pushed, &failed) < 0)
			return LXR_EXIT_FAIL;
	}
	if (!pushed && !failed && !how->quiet)
		fprintf(stderr, "lxr: no service to push: a service pushes its image: when it "
				"also has build:\n");
	return LXR_EXIT_OK;
}

int cmd_push_stack(int argc, char **argv)
{
	struct push_opts o = {0};
	struct cfg_stack *st = NULL;
	_cleanup_free_ char *found = NULL;
	_cleanup_strv_ char **want = NULL;
	bool named;
	int r = parse(argc, argv, &o);

	if (r != 0)
		return r > 0 ? LXR_EXIT_OK : LXR_EXIT_USAGE;
	named = o.file || o.project || cli_globals.compose;
	if (!named && !cli_find_stack(&found)) {
		if (argc - optind == 1)
			return push_ref(&o, argv[optind]);
		fprintf(stderr, "lxr: error: push: no stack file here%s\n%s",
			argc == optind ? " and no REF" : ", and one REF at a time",
			cli_help("push"));
		return LXR_EXIT_USAGE;
	}
	if (found)
		o.file = found;
	r = cli_stack_load(o.file, o.project, &st);
	if (r != LXR_EXIT_OK)
		return r;
	for (int i = optind; i < argc; i++) {
		if (cfg_stack_service(st, argv[i])) {
			lxr_strv_push(&want, lxr_xstrdup(argv[i]));
			continue;
		}
		cfg_stack_free(st);
		/* one word that names no service: docker's form, as pull has it */
		if (!named && argc - optind == 1)
			return push_ref(&o, argv[optind]);
		fprintf(stderr, "lxr: error: push: %s is not a service of %s\n", argv[i],
			found ? found : "the stack");
		return LXR_EXIT_USAGE;
	}
	if (o.include_deps)
		cli_add_deps(st, &want);
	struct cli_push_how how = {
	    .quiet = o.quiet, .ignore_failures = o.ignore_failures, .dry_run = cli_globals.dry_run};
	r = cli_push_services(st, want, &how);
	cfg_stack_free(st);
	return r;
}
