/* The stack file as every stack command reads it: Compose's discovery when
 * no file is named, all problems printed at once, exit code 2 for a bad file. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lxr/config.h"
#include "lxr/config_runnable.h"
#include "lxr/config_discover.h"
#include "lxr/supervisor.h"

bool cli_find_stack(char **found)
{
	_cleanup_free_ char *list = NULL;
	lxr_err err;

	*found = NULL;
	/* cli_stack_load reads it: from the environment or the .env here */
	if ((list = cli_compose_var("COMPOSE_FILE")))
		return true;
	return cfg_find_stack_file(cli_stack_dir(), found, &err) == 0;
}

/* An override file's path as the loader takes it: absolute (compose reads
 * it from the working directory). */
static void push_override(char ***v, const char *cwd, const char *path)
{
	lxr_strv_push(v, path[0] == '/' ? lxr_xstrdup(path) : lxr_xasprintf("%s/%s", cwd, path));
}

/* Where Compose looks for the stack file: --project-directory, else here. */
const char *cli_stack_dir(void)
{
	return cli_globals.project_dir ? cli_globals.project_dir : ".";
}

static const char *extra_override;
/* cli_stack_peek's load: its problems are not the command's to print */
static bool peek;

void cli_stack_extra_override(const char *path)
{
	extra_override = path;
}

/* What is wrong in the extra override (compose run's command line) is
 * said as the command's, not at a line of a file nobody wrote. */
static void diags_print(const struct cfg_diags *d)
{
	struct cfg_diags rest = {.v = lxr_xcalloc(d->n + 1, sizeof(*d->v))};

	for (size_t i = 0; i < d->n; i++) {
		const struct cfg_diag *g = &d->v[i];
		if (!extra_override || !g->pos.file || strcmp(g->pos.file, extra_override)) {
			rest.v[rest.n++] = *g;
			continue;
		}
		fprintf(stderr, "lxr: %s: compose run: %s\n", g->warning ? "warning" : "error",
			g->msg);
		if (g->hint)
			fprintf(stderr, "lxr: hint: %s\n", g->hint);
	}
	cfg_diags_print(stderr, &rest);
	free(rest.v);
}

/* "lxr: 3 errors in FILE": the file the errors are in (an override's,
 * when they are all there), or how many files hold them */
static void errors_summary(const struct cfg_diags *d, const char *main_file)
{
	const char *one = NULL;
	size_t files = 0;

	for (size_t i = 0; i < d->n; i++) {
		const char *f = d->v[i].pos.file;
		bool seen = false;
		/* compose run's options are said as the command's, not a file's */
		if (d->v[i].warning || !f || (extra_override && !strcmp(f, extra_override)))
			continue;
		for (size_t k = 0; k < i && !seen; k++)
			seen = !d->v[k].warning && d->v[k].pos.file && !strcmp(d->v[k].pos.file, f);
		if (!seen && files++ == 0)
			one = f;
	}
	if (!files && extra_override)
		fprintf(stderr, "lxr: %zu error%s in compose run's options\n", d->n_errors,
			d->n_errors == 1 ? "" : "s");
	else if (files > 1)
		fprintf(stderr, "lxr: %zu errors in %zu files\n", d->n_errors, files);
	else
		fprintf(stderr, "lxr: %zu error%s in %s\n", d->n_errors,
			d->n_errors == 1 ? "" : "s", one ? one : main_file);
}

/* `-f -`: the stack file is standard input, read once however many times
 * a command loads it (a peek, then the load). compose's rules: the
 * project directory is the working directory (or --project-directory),
 * so the .env, relative paths and the project's name are its. */
static int from_stdin(struct cfg_load_opts *o, lxr_err *err)
{
	static char *text;
	static size_t len;

	if (!text && isatty(STDIN_FILENO)) {
		lxr_fail(err, 0,
			 "-f -: the stack file is read from standard input, which is a "
			 "terminal");
		return lxr_err_hint(err, "pipe the file in: lxr -f - config < compose.yaml");
	}
	if (!text && lxr_read_fd(STDIN_FILENO, "standard input", &text, &len, err) < 0)
		return lxr_err_wrap(err, "-f -");
	o->file = CLI_STDIN_FILE;
	o->text = text;
	o->text_len = len;
	if (!o->project_dir)
		o->project_dir = o->cwd;
	return 0;
}

static bool is_stdin(const char *file)
{
	return file && !strcmp(file, "-");
}

/* Standard input is one file: only the first -f can be it. */
static int stdin_overrides(char *const *overrides, lxr_err *err)
{
	for (size_t i = 0; overrides && overrides[i]; i++)
		if (lxr_str_has_suffix(overrides[i], "/-")) {
			lxr_fail(err, 0,
				 "-f -: only the first stack file can be read from standard "
				 "input, not a file merged over another");
			return lxr_err_hint(err, "give it first: lxr -f - -f other.yaml ...");
		}
	return 0;
}

/* A project brought up from `-f -` records its file as CLI_STDIN_FILE:
 * what reads that record back (down -p NAME -v, scale -p NAME) says so. */
static int recorded_stdin(const char *file, const char *project, lxr_err *err)
{
	if (!file || strcmp(file, CLI_STDIN_FILE) || access(file, F_OK) == 0)
		return 0;
	lxr_fail(err, 0,
		 "the project's stack file was read from standard input (-f -), and lxr "
		 "keeps no copy of it");
	return lxr_err_hint(err, "give it again: lxr -f - -p %s COMMAND < compose.yaml",
			    project ? project : "NAME");
}

int cli_stdin_refused(const char *file, const char *cmd)
{
	if (!is_stdin(file))
		return 0;
	fprintf(stderr,
		"lxr: error: %s: -f -: it runs lxr's own commands, each of which reads the stack "
		"file again, and standard input can be read once\n"
		"lxr: hint: save the file and pass -f FILE\n",
		cmd);
	return -1;
}

int cli_stack_load_model(const char *file, const char *project, struct cfg_stack **st)
{
	return cli_stack_load_view(file, project, 0, false, st);
}

int cli_stack_load_view(const char *file, const char *project, int view, bool keep_env,
			struct cfg_stack **st)
{
	_cleanup_free_ char *found = NULL, *var_file = NULL, *list = NULL, *auto_override = NULL;
	_cleanup_free_ char *var_project = NULL;
	_cleanup_free_ char *cwd = getcwd(NULL, 0);
	_cleanup_strv_ char **overrides = NULL;
	struct cfg_load_opts o = {.file = file,
				  .project = project,
				  .cwd = cwd,
				  .project_dir = cli_globals.project_dir,
				  .env_files = cli_globals.env_files,
				  .view = view,
				  .keep_environment = keep_env};
	struct cfg_diags diags = {0};
	lxr_err err = {0};
	int r;

	/* compose's variables, below -f and -p; COMPOSE_FILE also from the
	 * .env compose reads before it knows the file (the working
	 * directory's), and with a file from COMPOSE_FILE, compose takes
	 * COMPOSE_PROJECT_NAME from that .env too: it reads it before the
	 * project's, and the first value wins (else the project's .env is
	 * the loader's) */
	if (!o.project && getenv("COMPOSE_PROJECT_NAME") && *getenv("COMPOSE_PROJECT_NAME"))
		o.project = getenv("COMPOSE_PROJECT_NAME");
	overrides = lxr_xcalloc(1, sizeof(char *));
	for (size_t i = 0; o.file && cli_globals.more_files && cli_globals.more_files[i]; i++)
		push_override(&overrides, cwd ? cwd : ".", cli_globals.more_files[i]);
	if (!o.file) {
		o.file = var_file = cli_compose_var("COMPOSE_FILE");
		if (o.file && !o.project)
			o.project = var_project = cli_compose_var("COMPOSE_PROJECT_NAME");
		/* COMPOSE_FILE=a.yaml:b.yaml: b merged over a, as -f a -f b;
		 * COMPOSE_PATH_SEPARATOR says another separator */
		_cleanup_free_ char *sep_var = cli_compose_var("COMPOSE_PATH_SEPARATOR");
		const char *sep = sep_var ? sep_var : ":";
		if (o.file && strstr(o.file, sep)) {
			char *save = NULL, *part;
			list = lxr_xstrdup(o.file);
			o.file = strtok_r(list, sep, &save);
			while ((part = strtok_r(NULL, sep, &save)))
				push_override(&overrides, cwd ? cwd : ".", part);
		}
	}
	if (!o.file) {
		if (cfg_find_stack_file(cli_stack_dir(), &found, &err) < 0) {
			if (!peek)
				lxr_err_print(&err);
			return LXR_EXIT_USAGE;
		}
		o.file = found;
		/* compose.override.yaml beside a found compose.yaml */
		if ((auto_override = cfg_find_override(found)))
			lxr_strv_push(&overrides, lxr_steal_ptr(&auto_override));
	}
	if (extra_override)
		lxr_strv_push(&overrides, lxr_xstrdup(extra_override));
	o.overrides = (const char *const *)overrides;
	if (stdin_overrides(overrides, &err) < 0 || recorded_stdin(o.file, project, &err) < 0 ||
	    (is_stdin(o.file) && from_stdin(&o, &err) < 0)) {
		if (!peek)
			lxr_err_print(&err);
		return LXR_EXIT_USAGE;
	}
	r = cfg_stack_load(&o, st, &diags, &err);
	if (!peek)
		diags_print(&diags);
	if (r < 0 && !diags.n_errors && !peek)
		lxr_err_print(&err);
	if (r < 0 && diags.n_errors && !peek)
		errors_summary(&diags, o.file);
	cfg_diags_free(&diags);
	return r < 0 ? LXR_EXIT_USAGE : LXR_EXIT_OK;
}

int cli_stack_peek(const char *file, struct cfg_stack **st)
{
	int r;

	peek = true;
	r = cli_stack_load_model(file, cli_globals.project, st);
	peek = false;
	return r;
}

/* What the model holds but the runtime does not run yet is refused here,
 * all of it at once, as a bad file (exit 2): `lxr config` shows it. */
int cli_stack_load(const char *file, const char *project, struct cfg_stack **st)
{
	int r = cli_stack_load_model(file, project, st);
	lxr_err err;
	size_t n;

	/* networks or volumes alone load (compose-go's rule), but there is
	 * nothing to run */
	if (r == LXR_EXIT_OK && !(*st)->n_services) {
		lxr_fail(&err, 0, "%s: the stack has no services", (*st)->file);
		lxr_err_hint(&err, "add a `services:` mapping (`lxr config` shows what the file "
				   "declares)");
		lxr_err_print(&err);
		cfg_stack_free(*st);
		*st = NULL;
		return LXR_EXIT_USAGE;
	}
	if (r == LXR_EXIT_OK)
		cfg_stack_print_unpublished(stderr, *st);
	/* the stack's own; a service's once up has chosen what it runs */
	if (r != LXR_EXIT_OK || cfg_stack_check_runnable(*st, NULL, &err) == 0)
		return r;
	n = cfg_stack_print_unrunnable(stderr, *st, NULL);
	/* keys not run yet, and what compose loads but docker refuses at
	 * create (a host port two replicas publish): each said above */
	fprintf(stderr, "lxr: %zu setting%s in %s that lxr up cannot run (each above)\n", n,
		n == 1 ? "" : "s", (*st)->file);
	cfg_stack_free(*st);
	*st = NULL;
	return LXR_EXIT_USAGE;
}

/* The project is only the user's decision when they named it (-p, or
 * COMPOSE_PROJECT_NAME, compose's equivalent); a name derived from the
 * directory can collide with another directory's, so then the project must
 * have been made by this very file. Exit 1, not 2: neither the command line
 * nor the file is wrong; what is running elsewhere is in the way, and the
 * same command succeeds once that stack is down. */
int cli_stack_open(const char *file, const char *project, struct cfg_stack **st)
{
	const char *env = getenv("COMPOSE_PROJECT_NAME");
	_cleanup_free_ char *path = NULL;
	lxr_err err;
	int r = cli_stack_load(file, project, st);

	if (r != LXR_EXIT_OK || project || (env && *env))
		return r;
	/* a file from standard input goes by CLI_STDIN_FILE, never a path */
	path = (*st)->text ? NULL : realpath((*st)->file, NULL);
	if (sup_project_claim((*st)->project, path ? path : (*st)->file, &err) < 0) {
		lxr_err_print(&err);
		cfg_stack_free(*st);
		*st = NULL;
		return LXR_EXIT_FAIL;
	}
	return LXR_EXIT_OK;
}

int cli_project_open(const char *file, const char *project, struct ctl_conn **conn, char **name,
		     bool *down)
{
	struct cfg_stack *st = NULL;
	_cleanup_free_ char *path = NULL;
	lxr_err err;
	int r;

	*conn = NULL;
	if (down)
		*down = false;
	if (project) {
		*name = lxr_xstrdup(project);
	} else {
		r = cli_stack_open(file, NULL, &st);
		if (r != LXR_EXIT_OK)
			return r;
		*name = lxr_xstrdup(st->project);
		cfg_stack_free(st);
	}
	path = lxr_xasprintf("%s/%s/control.sock", lxr_run_dir(), *name);
	if (ctl_connect(path, conn, &err) == 0)
		return LXR_EXIT_OK;
	/* no supervisor at all: not up, which the caller may take as such;
	 * one that ended without down (killed: its containers went with it)
	 * is not up either, and said so */
	if (down && access(path, F_OK) < 0 && errno == ENOENT) {
		*down = true;
		return LXR_EXIT_OK;
	}
	if (down && err.errnum == ECONNREFUSED) {
		fprintf(stderr,
			"lxr: note: project \"%s\" is not up: its supervisor ended without `lxr "
			"down`, its containers with it\n"
			"lxr: hint: `lxr up -d` starts it again; `lxr down` removes what it left\n",
			*name);
		*down = true;
		return LXR_EXIT_OK;
	}
	fprintf(stderr, "lxr: error: project \"%s\" is not up (%s)\n", *name, err.msg);
	return LXR_EXIT_FAIL;
}

int cli_project_connect(const char *file, const char *project, struct ctl_conn **conn, char **name)
{
	return cli_project_open(file, project, conn, name, NULL);
}

int cli_project_ps(const char *file, const char *project, char *const *services, json_t **ps)
{
	_cleanup_free_ char *name = NULL;
	struct ctl_conn *conn = NULL;
	json_t *names = json_array();
	lxr_err err;
	int r = cli_project_connect(file, project, &conn, &name);

	for (size_t i = 0; services && services[i]; i++)
		json_array_append_new(names, json_string(services[i]));
	if (r == LXR_EXIT_OK &&
	    ctl_call(conn, "ps", json_pack("{s:o}", "services", names), 30000, ps, &err) < 0) {
		lxr_err_print(&err);
		r = LXR_EXIT_FAIL;
	} else if (r != LXR_EXIT_OK) {
		json_decref(names);
	}
	if (conn)
		ctl_close(conn);
	return r;
}

void cli_add_deps(const struct cfg_stack *st, char ***want)
{
	for (size_t i = 0; *want && (*want)[i]; i++) {
		const struct cfg_service *svc = cfg_stack_service(st, (*want)[i]);
		for (size_t k = 0; svc && k < svc->n_depends_on; k++) {
			const char *dep = svc->depends_on[k].service.v;
			if (dep && !lxr_strv_has(*want, dep))
				lxr_strv_push(want, lxr_xstrdup(dep));
		}
	}
}
