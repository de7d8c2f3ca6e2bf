/* lxr watch: compose's file watch. The services' develop.watch rules say
 * which host paths to watch and what a change there does: sync it into the
 * running containers, rebuild and recreate, restart, or sync and run a
 * command. inotify finds the changes; they are gathered until a quiet
 * period passes, filtered by the rules' patterns, and each action is one of
 * lxr's own commands (cp, exec, restart, up), run as a child, so the
 * supervisor does what it does for a user who typed them. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/watch.h"
#include "lxr/build.h"
#include "lxr/config.h"
#include "lxr/image.h"
#include "lxr/plan.h"

/* compose's: a batch is handled once no change came for this long */
#define QUIET_MS 500

static const char usage_text[] =
    "usage: lxr watch [-f FILE] [-p NAME] [--no-up] [--quiet] [--prune=false]\n"
    "                 [SERVICE...]\n"
    "\n"
    "Watch the paths the services' develop.watch rules name and act on each\n"
    "change, as docker compose watch does: sync copies what changed into every\n"
    "running container of the service at the rule's target (and removes there\n"
    "what was removed), rebuild builds its image again and recreates it (up -d\n"
    "--build --no-deps), restart restarts it, sync+restart and sync+exec sync\n"
    "and then restart it or run the rule's exec command in each container.\n"
    "The services are brought up first (up -d --build SERVICE...), and\n"
    "initial_sync rules copy their whole path once. Changes are gathered until\n"
    "0.5 s pass without one. Left out: what the rule's ignore patterns and the\n"
    "build context's .dockerignore match, .git, and editors' swap and backup\n"
    "files; with include patterns, all but what they match. A path a bind\n"
    "mount of the service already shares is not synced. Runs until Ctrl-C;\n"
    "the services stay up.\n"
    "\n"
    "  -f, --file FILE        the stack file (default: compose.yaml & co. here)\n"
    "  -p, --project-name N   the project (default: the stack file's)\n"
    "      --no-up            bring nothing up: watch the services as they are\n"
    "      --quiet            no output from builds and copies\n"
    "      --prune=false      keep the image a rebuild replaced (by default it\n"
    "                         goes once nothing else names it)\n"
    "\n"
    "Example:\n"
    "  lxr watch\n"
    "  lxr watch --no-up web\n";

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* ---- running lxr's own commands ------------------------------------------ */

/* lxr [the stack's global options] ARGS...: its exit code */
/* quiet: 1 its output, 2 its errors too (a try whose failure is handled) */
static int lxr_cmd(const struct watch *w, int quiet, char *const *args)
{
	_cleanup_strv_ char **argv = cli_self_argv(w->file, w->project);
	pid_t pid;
	int st;

	for (size_t i = 0; args[i]; i++)
		lxr_strv_push(&argv, lxr_xstrdup(args[i]));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (null >= 0) {
			dup2(null, 0);
			if (quiet)
				dup2(null, 1);
			if (quiet > 1)
				dup2(null, 2);
		}
		execv(w->lxr, argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#define LXR(w, quiet, ...) lxr_cmd(w, quiet, (char *const[]){__VA_ARGS__, NULL})

/* The service's running instances (lxr's instance names) */
static char **running(const struct watch *w, const char *svc)
{
	char *const services[] = {(char *)svc, NULL};
	char **names = lxr_xcalloc(1, sizeof(char *));
	json_t *ps = NULL, *o;
	size_t i;

	if (cli_project_ps(w->file, w->project, services, &ps) != LXR_EXIT_OK)
		return names;
	json_array_foreach(ps, i, o)
	{
		const char *st = json_string_value(json_object_get(o, "state")) ?: "";
		const char *inst = json_string_value(json_object_get(o, "instance"));
		if (inst && (!strcmp(st, "running") || !strcmp(st, "healthy") ||
			     !strcmp(st, "unhealthy") || !strcmp(st, "starting")))
			lxr_strv_push(&names, lxr_xstrdup(inst));
	}
	json_decref(ps);
	return names;
}

static bool strv_has(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

/* ---- actions ----------------------------------------------------------------- */

/* host path to the container's path under rule r */
static char *container_path(const struct rule *r, const char *path)
{
	const char *rel = watch_below(r->w->path, path);
	return *rel ? lxr_xasprintf("%s/%s", r->w->target, rel) : lxr_xstrdup(r->w->target);
}

/* one path into (or out of) one container */
static void sync_one(const struct watch *w, const char *inst, const char *host, const char *ctr)
{
	_cleanup_free_ char *dest = lxr_xasprintf("%s:%s", inst, ctr);
	_cleanup_free_ char *dir = lxr_xstrdup(ctr), *src = NULL;
	struct stat st;
	char *slash = strrchr(dir, '/');

	if (slash)
		*slash = '\0';
	if (lstat(host, &st) < 0) { /* gone on the host: gone in the container */
		LXR(w, 2, "exec", "-T", (char *)inst, "rm", "-rf", (char *)ctr);
		return;
	}
	src = S_ISDIR(st.st_mode) ? lxr_xasprintf("%s/.", host) : lxr_xstrdup(host);
	if (LXR(w, 2, "cp", src, dest) == 0)
		return;
	/* its directory may not be there yet */
	LXR(w, 2, "exec", "-T", (char *)inst, "mkdir", "-p", *dir ? dir : "/");
	if (LXR(w, w->quiet, "cp", src, dest) != 0)
		fprintf(stderr, "lxr: warning: watch: could not copy %s to %s\n", host, dest);
}

/* What a directory copy covers needs no copy of its own. */
static bool covered(char *const *paths, const char *p)
{
	struct stat st;

	for (size_t i = 0; paths[i]; i++) {
		const char *rel = watch_below(paths[i], p);
		if (rel && *rel && stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode))
			return true;
	}
	return false;
}

static void exec_rule(const struct watch *w, const struct rule *r, char *const *insts)
{
	for (size_t i = 0; insts[i]; i++) {
		_cleanup_strv_ char **args = NULL;
		const struct cfg_hook *x = &r->w->exec;

		lxr_strv_push(&args, lxr_xstrdup("exec"));
		lxr_strv_push(&args, lxr_xstrdup("-T"));
		if (x->user.v) {
			lxr_strv_push(&args, lxr_xstrdup("-u"));
			lxr_strv_push(&args, lxr_xstrdup(x->user.v));
		}
		if (x->working_dir.v) {
			lxr_strv_push(&args, lxr_xstrdup("-w"));
			lxr_strv_push(&args, lxr_xstrdup(x->working_dir.v));
		}
		if (x->privileged.v)
			lxr_strv_push(&args, lxr_xstrdup("--privileged"));
		for (size_t k = 0; k < x->environment.n; k++) {
			const struct cfg_kv *kv = &x->environment.v[k];
			if (!kv->value)
				continue;
			lxr_strv_push(&args, lxr_xstrdup("-e"));
			lxr_strv_push(&args, lxr_xasprintf("%s=%s", kv->key, kv->value));
		}
		lxr_strv_push(&args, lxr_xstrdup(insts[i]));
		for (size_t k = 0; k < x->command.argv.n; k++)
			lxr_strv_push(&args, lxr_xstrdup(x->command.argv.v[k].v));
		if (lxr_cmd(w, 0, args) != 0)
			fprintf(stderr, "lxr: warning: watch: %s's exec in %s failed\n",
				r->svc->name, insts[i]);
	}
}

/* The image ID name has now; NULL: none */
static char *image_id(const char *name)
{
	struct img_store *st = NULL;
	struct img_image im = {0};
	char *id = NULL;
	lxr_err e;

	if (name && img_store_open(lxr_data_dir(), &st, &e) == 0 &&
	    img_resolve(st, name, &im, &e) == 0)
		id = lxr_xstrdup(im.config_digest);
	img_image_free(&im);
	img_store_close(st);
	return id;
}

/* compose's --prune: an image a rebuild replaced, once it is dangling
 * (no name left: nothing else has tagged it), goes */
static void prune_replaced(const struct watch *w, char *const *before, char *const *names)
{
	struct img_store *st = NULL;
	struct img_summary *v = NULL;
	size_t n = 0;
	lxr_err e;

	if (img_store_open(lxr_data_dir(), &st, &e) < 0 || img_list(st, &v, &n, &e) < 0)
		n = 0;
	img_store_close(st);
	for (size_t i = 0; names[i]; i++) {
		_cleanup_free_ char *now = image_id(names[i]);
		for (size_t k = 0; before[i] && (!now || strcmp(now, before[i])) && k < n; k++)
			if (!v[k].name && !strcmp(v[k].config_digest, before[i]))
				LXR(w, 2, "rmi", before[i]);
	}
	img_summaries_free(v, n);
}

static void rebuild_services(struct watch *w, char *const *rebuild)
{
	_cleanup_strv_ char **args = NULL, **images = lxr_xcalloc(1, sizeof(char *));
	_cleanup_free_ char *names = lxr_strv_join((char **)rebuild, ", ");
	size_t n = lxr_strv_len((char **)rebuild);
	char **before = lxr_xcalloc(n + 1, sizeof(char *));

	for (size_t i = 0; i < n; i++) {
		const struct cfg_service *sv = NULL;
		for (size_t k = 0; !sv && k < w->n_rules; k++)
			if (!strcmp(w->rules[k].svc->name, rebuild[i]))
				sv = w->rules[k].svc;
		lxr_strv_push(&images, lxr_xstrdup(sv ? cfg_service_image(sv) : ""));
		before[i] = image_id(images[i]);
	}
	printf("Rebuilding service(s) %s after changes were detected...\n", names);
	lxr_strv_push(&args, lxr_xstrdup("up"));
	lxr_strv_push(&args, lxr_xstrdup("-d"));
	lxr_strv_push(&args, lxr_xstrdup("--build"));
	lxr_strv_push(&args, lxr_xstrdup("--no-deps"));
	for (size_t i = 0; rebuild[i]; i++)
		lxr_strv_push(&args, lxr_xstrdup(rebuild[i]));
	if (lxr_cmd(w, w->quiet, args) == 0) {
		printf("service(s) %s rebuilt and recreated\n", names);
		if (!w->keep_dangling)
			prune_replaced(w, before, images);
	} else {
		fprintf(stderr, "lxr: warning: watch: rebuilding %s failed\n", names);
	}
	for (size_t i = 0; i < n; i++)
		free(before[i]);
	free(before);
}

/* compose's order: rebuilds, then syncs, then restarts, then execs */
static void handle(struct watch *w, char **paths, bool initial)
{
	_cleanup_strv_ char **rebuild = NULL, **restart = NULL;

	for (size_t i = 0; i < w->n_rules; i++) {
		const struct rule *r = &w->rules[i];
		bool hit = false;
		for (size_t k = 0; paths[k] && !hit; k++)
			hit = watch_takes(r, paths[k]);
		if (!hit || initial)
			continue;
		if (r->w->action == CFG_WATCH_REBUILD && !strv_has(rebuild, r->svc->name))
			lxr_strv_push(&rebuild, lxr_xstrdup(r->svc->name));
		if ((r->w->action == CFG_WATCH_RESTART || r->w->action == CFG_WATCH_SYNC_RESTART) &&
		    !strv_has(restart, r->svc->name))
			lxr_strv_push(&restart, lxr_xstrdup(r->svc->name));
	}
	if (rebuild)
		rebuild_services(w, rebuild);
	for (size_t i = 0; i < w->n_rules; i++) {
		const struct rule *r = &w->rules[i];
		_cleanup_strv_ char **insts = NULL, **mine = NULL;
		if (!watch_syncs(r->w->action))
			continue;
		/* the rule's own path (initial_sync) is looked into file by file */
		for (size_t k = 0; paths[k]; k++)
			if (!strcmp(paths[k], r->w->path) || watch_takes(r, paths[k]))
				watch_expand(r, paths[k], &mine);
		if (!mine)
			continue;
		insts = running(w, r->svc->name);
		printf("Syncing service \"%s\" after %zu change%s %s\n", r->svc->name,
		       lxr_strv_len(mine), lxr_strv_len(mine) == 1 ? "" : "s",
		       initial ? "(initial sync)" : "were detected");
		for (size_t k = 0; mine[k]; k++) {
			_cleanup_free_ char *ctr = NULL;
			if (covered(mine, mine[k]))
				continue;
			ctr = container_path(r, mine[k]);
			for (size_t j = 0; insts[j]; j++)
				sync_one(w, insts[j], mine[k], ctr);
		}
		if (r->w->action == CFG_WATCH_SYNC_EXEC && !initial)
			exec_rule(w, r, insts);
	}
	if (restart) {
		_cleanup_strv_ char **args = NULL;
		_cleanup_free_ char *names = lxr_strv_join(restart, ", ");
		lxr_strv_push(&args, lxr_xstrdup("restart"));
		for (size_t i = 0; restart[i]; i++)
			lxr_strv_push(&args, lxr_xstrdup(restart[i]));
		if (lxr_cmd(w, 1, args) == 0)
			printf("service(s) %s restarted\n", names);
		else
			fprintf(stderr, "lxr: warning: watch: restarting %s failed\n", names);
	}
	fflush(stdout);
}

static void initial_sync(struct watch *w)
{
	for (size_t i = 0; i < w->n_rules; i++) {
		const struct rule *r = &w->rules[i];
		char *paths[] = {(char *)r->w->path, NULL};
		struct watch one = *w;

		if (!r->w->initial_sync || !watch_syncs(r->w->action) ||
		    access(r->w->path, F_OK) < 0)
			continue;
		one.rules = &w->rules[i];
		one.n_rules = 1;
		handle(&one, paths, true);
	}
}

/* This runs in lxr-image (lxr stays small); the actions are lxr's */
static char *lxr_beside(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash, *path;

	if (n <= 0)
		return NULL;
	self[n] = '\0';
	slash = strrchr(self, '/');
	path = lxr_xasprintf("%.*s/lxr", slash ? (int)(slash - self) : 0, self);
	if (access(path, X_OK) == 0)
		return path;
	free(path);
	return NULL;
}

/* Until Ctrl-C: each batch once QUIET_MS pass without a change */
static void watch_loop(struct watch *w)
{
	struct sigaction sa = {.sa_handler = on_signal};

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf("Watch enabled\n");
	fflush(stdout);
	while (!stop) {
		struct pollfd p = {w->fd, POLLIN, 0};
		int n = poll(&p, 1, w->batch ? QUIET_MS : -1);
		char **batch;
		if (n > 0) {
			watch_read_events(w);
			continue;
		}
		if (n < 0 || !w->batch)
			continue;
		batch = w->batch;
		w->batch = NULL;
		handle(w, batch, false);
		lxr_strv_free(batch);
	}
	printf("Watch disabled\n");
}

static int parse(int argc, char **argv, struct watch *w, bool *no_up)
{
	/* --env-file, --project-directory, --profile: lxr's global options,
	 * which lxr passes on as these (this runs in lxr-image) */
	static const struct option lo[] = {{"file", required_argument, NULL, 'f'},
					   {"project-name", required_argument, NULL, 'p'},
					   {"no-up", no_argument, NULL, 'N'},
					   {"quiet", no_argument, NULL, 'q'},
					   {"prune", optional_argument, NULL, 'R'},
					   {"env-file", required_argument, NULL, 'E'},
					   {"project-directory", required_argument, NULL, 'D'},
					   {"profile", required_argument, NULL, 'P'},
					   {"help", no_argument, NULL, 'h'},
					   {NULL, 0, NULL, 0}};
	int c;

	cli_globals_apply(&w->file, &w->project);
	optind = 0; /* options among the names too, as docker's */
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "f:p:h", lo, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cli_set_file(&w->file, optarg) < 0)
				return -1;
			break;
		case 'p': w->project = optarg; break;
		case 'N': *no_up = true; break;
		case 'E': cli_env_file_add(optarg); break;
		case 'D': cli_globals.project_dir = optarg; break;
		case 'P': lxr_strv_push(&cli_globals.profiles, lxr_xstrdup(optarg)); break;
		case 'q': w->quiet = true; break;
		case 'R':
			if (optarg && strcmp(optarg, "true") && strcmp(optarg, "false")) {
				fprintf(stderr, "lxr: error: --prune=%s: true or false\n", optarg);
				return -1;
			}
			w->keep_dangling = optarg && !strcmp(optarg, "false");
			break;
		case 'h': fputs(usage_text, stdout); return 1;
		default: cli_bad_option(argv[optind - 1], lo, usage_text); return -1;
		}
	}
	return 0;
}

int cmd_watch(int argc, char **argv)
{
	struct watch w = {.fd = -1};
	struct cfg_stack *st = NULL;
	bool no_up = false;
	int r = parse(argc, argv, &w, &no_up);

	if (r != 0)
		return r > 0 ? LXR_EXIT_OK : LXR_EXIT_USAGE;
	if (cli_stdin_refused(w.file, "watch") < 0)
		return LXR_EXIT_USAGE;
	if (!(w.lxr = lxr_beside())) {
		fputs("lxr: error: watch: no lxr beside lxr-image (/proc/self/exe's directory)\n"
		      "lxr: hint: install lxr and lxr-image in one directory\n",
		      stderr);
		return LXR_EXIT_FAIL;
	}
	if ((r = cli_stack_open(w.file, w.project, &st)) != LXR_EXIT_OK) {
		free(w.lxr);
		return r;
	}
	w.project = st->project;
	if (watch_rules_load(&w, st, argv + optind) < 0) {
		r = LXR_EXIT_USAGE;
		goto out;
	}
	if (!no_up) {
		_cleanup_strv_ char **args = NULL;
		lxr_strv_push(&args, lxr_xstrdup("up"));
		lxr_strv_push(&args, lxr_xstrdup("-d"));
		lxr_strv_push(&args, lxr_xstrdup("--build"));
		for (int i = optind; i < argc; i++)
			lxr_strv_push(&args, lxr_xstrdup(argv[i]));
		if (lxr_cmd(&w, w.quiet, args) != 0) {
			r = LXR_EXIT_FAIL;
			goto out;
		}
	}
	w.fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (w.fd < 0) {
		fprintf(stderr, "lxr: error: watch: inotify_init1: %s\n", strerror(errno));
		r = LXR_EXIT_FAIL;
		goto out;
	}
	/* watched before the initial sync: nothing changed during it is lost */
	watch_paths(&w);
	initial_sync(&w);
	watch_loop(&w);
	r = LXR_EXIT_OK;
out:
	watch_rules_free(&w);
	lxr_strv_free(w.batch);
	if (w.fd >= 0)
		close(w.fd);
	cfg_stack_free(st);
	free(w.lxr);
	return r;
}
