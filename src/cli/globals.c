/* Compose's global options, before the command: `lxr -f FILE -p NAME up`
 * as `docker compose -f FILE -p NAME up`. Every stack command starts from
 * these and its own options come on top (a second -f is merged over the
 * first, as compose's override files). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "lxr/config.h"
#include "lxr/config_discover.h"
#include "lxr/util.h"

struct cli_globals cli_globals;

int cli_set_file(const char **slot, const char *arg)
{
	/* compose's -f a -f b: the later ones are merged over the first */
	if (*slot)
		lxr_strv_push(&cli_globals.more_files, lxr_xstrdup(arg));
	else
		*slot = arg;
	return 0;
}

/* -f X, -fX, --file X, --file=X. 1: matched (*val set), 0: not this
 * option, -1: its value is missing (said). */
static int take(int argc, char **argv, int *i, const char *shrt, const char *lng, const char **val)
{
	const char *a = argv[*i];
	size_t ll = strlen(lng);

	if (shrt && !strncmp(a, shrt, 2) && a[2]) {
		*val = a + 2;
		return 1;
	}
	if (!strncmp(a, lng, ll) && a[ll] == '=') {
		*val = a + ll + 1;
		return 1;
	}
	if ((!shrt || strcmp(a, shrt)) && strcmp(a, lng))
		return 0;
	if (*i + 1 >= argc) {
		fprintf(stderr, "lxr: error: %s needs a value\n", a);
		return -1;
	}
	*val = argv[++*i];
	return 1;
}

/* --project-directory must be a directory, made absolute here: the loader
 * resolves the stack's relative paths against it. */
static int set_project_dir(const char *arg)
{
	char *abs = realpath(arg, NULL);

	if (!abs) {
		fprintf(stderr,
			"lxr: error: --project-directory %s: %s\n"
			"lxr: hint: name an existing directory (the project's, where its .env "
			"and relative paths are)\n",
			arg, strerror(errno));
		return -1;
	}
	cli_globals.project_dir = abs; /* lives as long as lxr */
	return 0;
}

/* compose's global options that change nothing here: --compatibility
 * (compose v1's container names; lxr's are short either way),
 * --all-resources (lxr config prints every resource anyway), --verbose,
 * --log-level LEVEL (lxr's own messages are LXR_DEBUG's) and --parallel N
 * (how many pulls and builds at once: lxr starts what the dependency graph
 * allows). 1 taken, 0 not one, -1 bad. */
static int accepted(int argc, char **argv, int *i)
{
	static const char *const levels[] = {"DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
	const char *v = NULL;
	char *end;
	long n;
	int r;

	if (!strcmp(argv[*i], "--compatibility") || !strcmp(argv[*i], "--all-resources") ||
	    !strcmp(argv[*i], "--verbose"))
		return 1;
	if ((r = take(argc, argv, i, NULL, "--log-level", &v)) != 0) {
		for (size_t k = 0; r > 0 && k < sizeof(levels) / sizeof(levels[0]); k++)
			if (!strcasecmp(v, levels[k]))
				return 1;
		if (r > 0)
			fprintf(stderr,
				"lxr: error: --log-level %s: DEBUG, INFO, WARN, ERROR or "
				"FATAL\n",
				v);
		return -1;
	}
	if ((r = take(argc, argv, i, NULL, "--parallel", &v)) <= 0)
		return r;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || (n < 1 && n != -1)) {
		fprintf(stderr, "lxr: error: --parallel %s: give a number of at least 1, or -1\n",
			v);
		return -1;
	}
	return 1;
}

/* --ansi never|always|auto: never is --no-color and plain progress; lxr
 * colours a terminal only, so always is auto */
static int ansi(int argc, char **argv, int *i)
{
	const char *v = NULL;
	int r = take(argc, argv, i, NULL, "--ansi", &v);

	if (r <= 0)
		return r;
	if (strcmp(v, "never") && strcmp(v, "always") && strcmp(v, "auto")) {
		fprintf(stderr, "lxr: error: --ansi %s: use never, always or auto\n", v);
		return -1;
	}
	cli_globals.ansi = v;
	return 1;
}

/* One global option at argv[*i]: 1 taken, 0 not a global option, -1 bad. */
static int one(int argc, char **argv, int *i)
{
	const char *v = NULL;
	int r;

	if ((r = take(argc, argv, i, "-f", "--file", &v)) != 0)
		return r < 0 || cli_set_file(&cli_globals.file, v) < 0 ? -1 : 1;
	if ((r = take(argc, argv, i, "-p", "--project-name", &v)) != 0) {
		cli_globals.project = v;
		return r;
	}
	if ((r = take(argc, argv, i, NULL, "--profile", &v)) > 0)
		lxr_strv_push(&cli_globals.profiles, lxr_xstrdup(v));
	if (r != 0)
		return r;
	if ((r = take(argc, argv, i, NULL, "--env-file", &v)) != 0) {
		if (r > 0)
			lxr_strv_push(&cli_globals.env_files, lxr_xstrdup(v));
		return r;
	}
	if ((r = take(argc, argv, i, NULL, "--project-directory", &v)) != 0)
		return r < 0 || set_project_dir(v) < 0 ? -1 : 1;
	if ((r = take(argc, argv, i, NULL, "--progress", &v)) > 0) {
		bool tty, quiet;
		/* compose's none is quiet; lxr draws no JSON progress: plain
		 * lines, as for COMPOSE_PROGRESS */
		if (!strcmp(v, "none") || !strcmp(v, "json"))
			v = v[0] == 'n' ? "quiet" : "plain";
		if (cli_progress_mode(v, &tty, &quiet) < 0) {
			fprintf(stderr,
				"lxr: error: --progress %s: use auto, tty, plain, quiet, none or "
				"json\n",
				v);
			return -1;
		}
		cli_globals.progress = v;
	}
	/* compose's --dry-run (main.c refuses it for a command without one,
	 * dry_run.c); --no-ansi, compose v1's --ansi never */
	if (r == 0 && !strcmp(argv[*i], "--dry-run"))
		return cli_globals.dry_run = true, 1;
	if (r == 0 && !strcmp(argv[*i], "--no-ansi"))
		return cli_globals.ansi = "never", 1;
	if (r == 0 && (r = ansi(argc, argv, i)) == 0)
		r = accepted(argc, argv, i);
	return r;
}

int cli_progress_setting(void)
{
	const char *p = cli_globals.progress;

	if (!p && cli_no_ansi())
		return 1;
	if (!p || !strcmp(p, "auto"))
		return 0;
	return !strcmp(p, "plain") ? 1 : !strcmp(p, "tty") ? 2 : 3;
}

/* compose's variables for global options not given: COMPOSE_ENV_FILES
 * (comma-separated) for --env-file, COMPOSE_PROGRESS for --progress */
static int env_defaults(void)
{
	const char *files = getenv("COMPOSE_ENV_FILES"), *progress = getenv("COMPOSE_PROGRESS");
	bool tty, quiet;

	if (!cli_globals.env_files && files && *files) {
		cli_globals.env_files_from_env = true;
		_cleanup_free_ char *list = lxr_xstrdup(files);
		for (char *save = NULL, *f = strtok_r(list, ",", &save); f;
		     f = strtok_r(NULL, ",", &save))
			lxr_strv_push(&cli_globals.env_files, lxr_xstrdup(f));
	}
	/* compose's none is quiet; lxr draws no JSON progress: plain lines;
	 * another value is said and left alone, as it is no option given */
	if (!cli_globals.progress && progress && *progress) {
		if (!strcmp(progress, "none"))
			cli_globals.progress = "quiet";
		else if (!strcmp(progress, "json"))
			cli_globals.progress = "plain";
		else if (cli_progress_mode(progress, &tty, &quiet) == 0)
			cli_globals.progress = progress;
		else
			fprintf(stderr,
				"lxr: warning: COMPOSE_PROGRESS=%s ignored: auto, tty, plain, "
				"quiet, none or json\n",
				progress);
	}
	return 0;
}

static int words(int argc, char **argv)
{
	bool compose = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int r;

		/* `lxr compose up` is `lxr up`: a docker compose script works
		 * with one word replaced */
		if (!compose && !strcmp(a, "compose")) {
			compose = cli_globals.compose = true;
			continue;
		}
		if (a[0] != '-' || !strcmp(a, "-h") || !strcmp(a, "--help") || !strcmp(a, "-v") ||
		    !strcmp(a, "--version"))
			return i;
		r = one(argc, argv, &i);
		if (r < 0)
			return -1;
		if (r == 0) {
			fprintf(stderr,
				"lxr: error: %s: unknown global option\n"
				"lxr: hint: global options are -f FILE, -p NAME, --profile P, "
				"--env-file FILE, --project-directory DIR, --progress MODE and "
				"--ansi WHEN, --dry-run (--compatibility, --all-resources, "
				"--verbose, --log-level L and --parallel N are accepted "
				"and change nothing); a command's own "
				"options go after the command (lxr COMMAND --help)\n",
				a);
			return -1;
		}
	}
	return argc;
}

void cli_env_file_add(const char *path)
{
	if (cli_globals.env_files_from_env) { /* an --env-file replaces them */
		lxr_strv_free(cli_globals.env_files);
		cli_globals.env_files = NULL;
		cli_globals.env_files_from_env = false;
	}
	lxr_strv_push(&cli_globals.env_files, lxr_xstrdup(path));
}

/* compose takes --env-file and --project-directory after the command too
 * (they are its root command's flags): a project command's own words,
 * before a "--", with those two taken out into the globals. Not for
 * commands that pass words on to a container (run, exec) or have a
 * --env-file of their own (docker's create, run and exec). */
int cli_globals_after(int argc, char **argv)
{
	static const char *const cmds[] = {
	    "up",    "down", "config",  "ps",      "logs",  "pull",    "push", "build",
	    "start", "stop", "restart", "kill",    "pause", "unpause", "rm",   "images",
	    "top",   "port", "events",  "volumes", "wait",  "scale",   "stats"};
	bool ours = false;
	int w = 1, r;

	for (size_t k = 0; k < sizeof(cmds) / sizeof(cmds[0]) && !ours; k++)
		ours = !strcmp(argv[0], cmds[k]);
	if (!ours)
		return argc;
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;
		if (!strcmp(argv[i], "--")) {
			while (i < argc)
				argv[w++] = argv[i++];
			break;
		}
		if ((r = take(argc, argv, &i, NULL, "--env-file", &v)) != 0) {
			if (r < 0)
				return -1;
			cli_env_file_add(v);
			continue;
		}
		if ((r = take(argc, argv, &i, NULL, "--project-directory", &v)) != 0) {
			if (r < 0 || set_project_dir(v) < 0)
				return -1;
			continue;
		}
		argv[w++] = argv[i];
	}
	argv[w] = NULL;
	return w;
}

int cli_globals_parse(int argc, char **argv)
{
	int i = words(argc, argv);

	return i < 0 || env_defaults() < 0 ? -1 : i;
}

void cli_globals_apply(const char **file, const char **project)
{
	*file = cli_globals.file;
	*project = cli_globals.project;
}

/* What the project's .env (or the --env-files, the last that sets it)
 * says of a COMPOSE_* variable: the .env in --project-directory, else
 * beside the first -f file, else here. NULL: not said. */
static char *dotenv_get(const char *file, const char *key)
{
	_cleanup_free_ char *path = NULL;
	const char *slash;

	if (cli_globals.env_files)
		return cfg_dotenv_files_get(cli_globals.env_files, key);
	if (cli_globals.project_dir)
		path = lxr_xasprintf("%s/.env", cli_globals.project_dir);
	else if (file && (slash = strrchr(file, '/')))
		path = lxr_xasprintf("%.*s/.env", (int)(slash - file), file);
	else
		path = lxr_xstrdup(".env");
	return cfg_dotenv_files_get((char *[]){path, NULL}, key);
}

char *cli_compose_var(const char *key)
{
	const char *env = getenv(key);
	char *v;

	if (env && *env)
		return lxr_xstrdup(env);
	v = dotenv_get(NULL, key);
	if (v && *v)
		return v;
	free(v);
	return NULL;
}

bool cli_no_ansi(void)
{
	_cleanup_free_ char *v = NULL;

	/* compose's variable for --ansi, which a given --ansi overrides */
	if (cli_globals.ansi)
		return !strcmp(cli_globals.ansi, "never");
	v = cli_compose_var("COMPOSE_ANSI");
	return v && !strcmp(v, "never");
}

bool cli_compose_flag(const char *key)
{
	bool on = false;
	_cleanup_free_ char *v = cli_compose_var(key);

	return v && lxr_go_bool(v, &on) == 0 && on;
}

void cli_globals_profiles(char ***profiles)
{
	for (size_t i = 0; cli_globals.profiles && cli_globals.profiles[i]; i++)
		lxr_strv_push(profiles, lxr_xstrdup(cli_globals.profiles[i]));
}

void cli_profiles_default(char ***profiles, const char *file)
{
	_cleanup_free_ char *path = NULL, *dot = NULL, *list = NULL;
	const char *env;
	char *save = NULL, *p;

	/* no --profile: compose's COMPOSE_PROFILES, from the environment or
	 * the project's .env, split at each comma and trimmed as compose-go
	 * does: unset or empty is the one profile "", and "a,,b" has it too
	 * (so a service with `profiles: [""]`, a variable's empty default,
	 * runs). */
	if (*profiles)
		return;
	env = getenv("COMPOSE_PROFILES");
	if (!env)
		env = dot = dotenv_get(file ? file : cli_globals.file, "COMPOSE_PROFILES");
	list = lxr_xstrdup(env ? env : "");
	for (p = list;; p = save + 1) {
		char *end;
		save = p + strcspn(p, ",");
		bool last = !*save;
		*save = '\0';
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		end = p + strlen(p);
		while (end > p && strchr(" \t\n\r", end[-1]))
			*--end = '\0';
		lxr_strv_push(profiles, lxr_xstrdup(p));
		if (last)
			break;
	}
}

static void push2(char ***v, const char *a, const char *b)
{
	lxr_strv_push(v, lxr_xstrdup(a));
	lxr_strv_push(v, lxr_xstrdup(b));
}

char **cli_self_argv(const char *file, const char *project)
{
	char **v = NULL;

	lxr_strv_push(&v, lxr_xstrdup("lxr"));
	if (file)
		push2(&v, "-f", file);
	for (size_t i = 0; cli_globals.more_files && cli_globals.more_files[i]; i++)
		push2(&v, "-f", cli_globals.more_files[i]);
	if (project)
		push2(&v, "-p", project);
	for (size_t i = 0; cli_globals.env_files && cli_globals.env_files[i]; i++)
		push2(&v, "--env-file", cli_globals.env_files[i]);
	if (cli_globals.project_dir)
		push2(&v, "--project-directory", cli_globals.project_dir);
	for (size_t i = 0; cli_globals.profiles && cli_globals.profiles[i]; i++)
		push2(&v, "--profile", cli_globals.profiles[i]);
	return v;
}
