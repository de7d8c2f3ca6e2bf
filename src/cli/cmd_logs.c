/* lxr logs: arguments in, logs_run does the reading. The project is -p, or
 * the stack file's (-f, or found as compose does). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/run_opts.h"
#include "lxr/config.h"
#include "lxr/supervisor.h"

enum { OPT_SINCE = 256, OPT_NOCOLOR, OPT_HELP, OPT_FILE, OPT_UNTIL, OPT_NOPREFIX, OPT_INDEX };

static const struct option longopts[] = {
    {"project", required_argument, NULL, 'p'},
    {"follow", no_argument, NULL, 'f'},
    {"tail", required_argument, NULL, 'n'},
    {"since", required_argument, NULL, OPT_SINCE},
    {"until", required_argument, NULL, OPT_UNTIL},
    {"timestamps", no_argument, NULL, 't'},
    {"no-color", no_argument, NULL, OPT_NOCOLOR},
    {"help", no_argument, NULL, OPT_HELP},
    {"file", required_argument, NULL, OPT_FILE},
    {"no-log-prefix", no_argument, NULL, OPT_NOPREFIX},
    {"index", required_argument, NULL, OPT_INDEX},
    {NULL, 0, NULL, 0},
};

static int usage_error(const char *msg)
{
	fprintf(stderr, "lxr logs: %s", msg);
	fputs("\nRun `lxr logs --help` for the options.\n", stderr);
	return LXR_EXIT_USAGE;
}

static int parse_tail(const char *s, long *tail)
{
	char *end;

	if (!strcmp(s, "all")) {
		*tail = -1;
		return 0;
	}
	errno = 0;
	*tail = strtol(s, &end, 10);
	return errno || end == s || *end || *tail < 0 ? -1 : 0;
}

/* ".123": what may follow the seconds */
static bool only_fraction(const char *s)
{
	return s[0] == '.' && s[1] && !s[1 + strspn(s + 1, "0123456789")];
}

/* docker's --since also takes a time without a zone, in local time
 * (2026-11-23T09:16:19, 2026-11-23T09:16, 2026-11-23): made a unix time here,
 * which logs_parse_since takes. NULL: not such a time. */
static char *since_local(const char *s)
{
	struct tm tm;
	int parts;
	const char *end = lxr_scan_datetime(s, &tm, &parts);
	time_t t;

	if (!end || (*end && !(parts == 3 && only_fraction(end))))
		return NULL;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	return t != (time_t)-1 ? lxr_xasprintf("%lld%s", (long long)t, end) : NULL;
}

/* Where the logs are and whose socket ends a follow: a project's, or one
 * `lxr run -d` container's (its lines without a "service |" prefix). */
struct logs_source {
	char *dir, *sock;
	const char *project; /* for the hint; NULL: a run container */
};

static const char *until_arg; /* --until */

int cli_parse_time(const char *opt, const char *s, struct timespec *out)
{
	_cleanup_free_ char *local = since_local(s);
	struct timespec now;
	lxr_err err;

	clock_gettime(CLOCK_REALTIME, &now);
	if (logs_parse_since(local ? local : s, &now, out, &err) < 0) {
		char hint[LXR_ERR_HINT_MAX];
		snprintf(hint, sizeof(hint), "%s", err.hint);
		lxr_fail(&err, 0, "%s \"%s\": not a time", opt, s);
		lxr_err_hint(&err, "%s", hint);
		lxr_err_print(&err);
		return -1;
	}
	return 0;
}

/* a kept container lxr create made and nothing started since */
static bool never_started(const char *name)
{
	json_t *rec = cli_run_record(name, SUP_RUN_EXITED);
	bool yes =
	    rec && !strcmp(json_string_value(json_object_get(rec, "state")) ?: "", "created");

	json_decref(rec);
	return yes;
}

/* Whether ps's instance is one logs -f follows: names are services, or
 * a replica's log ("web@2", what a container name picks); --index N
 * takes that replica of each */
static bool followed(json_t *in, char **names, int index)
{
	const char *svc = json_string_value(json_object_get(in, "service"));
	json_int_t n = json_integer_value(json_object_get(in, "replica"));
	char log[256];

	n = n > 0 ? n : 1;
	if (index && n != index)
		return false;
	if (!names || !names[0])
		return true;
	snprintf(log, sizeof(log), "%s@%lld", svc ? svc : "", (long long)n);
	return svc && (lxr_strv_has(names, svc) || lxr_strv_has(names, log));
}

/* Is anything logs -f follows up, or coming back (starting, in its
 * backoff, created and waiting, down for a restart, a recreate or an
 * update)? false once the supervisor has gone (a busy one that does not
 * answer in time is still there). */
static bool any_alive(struct ctl_conn *c, char **names, int index)
{
	json_t *all = NULL, *in;
	bool alive = false;
	size_t i;
	lxr_err err;

	if (ctl_call(c, "ps", json_object(), 5000, &all, &err) < 0)
		return err.errnum == ETIMEDOUT;
	json_array_foreach(all, i, in)
	{
		const char *st = json_string_value(json_object_get(in, "state"));
		if (!followed(in, names, index))
			continue;
		alive |=
		    json_is_true(json_object_get(in, "coming_back")) ||
		    (st && strcmp(st, "exited") && strcmp(st, "stopped") && strcmp(st, "failed"));
	}
	json_decref(all);
	return alive;
}

/* logs -f ends when what it follows has ended for good, as compose's
 * (whose monitor drops each container that dies for good) and docker
 * logs -f of an exited container: a child asks the supervisor every
 * quarter second and exits once nothing followed runs or is coming back,
 * or the supervisor has gone; the pipe it holds then reads EOF, logs_run's
 * stop. The supervisor answers ps after it has written a stopped
 * container's last lines. -1: not up. */
static int follow_watch(const char *sock, char **services, int index, pid_t *pid)
{
	struct ctl_conn *c = NULL;
	int p[2];
	lxr_err err;

	if (ctl_connect(sock, &c, &err) < 0)
		return -1;
	if (pipe2(p, O_CLOEXEC) < 0) {
		ctl_close(c);
		return -1;
	}
	if ((*pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		ctl_close(c);
		*pid = 0;
		return -1;
	}
	if (*pid == 0) {
		close(p[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(0); /* lxr logs went before the line above */
		while (any_alive(c, services, index))
			usleep(250000);
		_exit(0);
	}
	ctl_close(c);
	close(p[1]);
	return p[0];
}

static int show(const struct logs_source *src, const char *since, bool no_color,
		struct logs_opts *oo, char **services)
{
	struct logs_opts o = *oo;
	pid_t watcher = 0;
	lxr_err err;

	if (since) {
		if (cli_parse_time("--since", since, &o.since) < 0)
			return LXR_EXIT_USAGE;
		o.has_since = true;
	}
	if (until_arg) {
		if (cli_parse_time("--until", until_arg, &o.until) < 0)
			return LXR_EXIT_USAGE;
		o.has_until = true;
	}
	o.services = services;
	o.no_prefix = o.no_prefix || !src->project;
	o.color = log_color_wanted(STDOUT_FILENO, no_color);
	if (o.follow && (o.stop_fd = follow_watch(src->sock, src->project ? services : NULL,
						  o.index, &watcher)) < 0)
		o.follow = false; /* not up: what there is, then done */
	int r = logs_run(src->dir, &o, stdout, &err);
	if (watcher > 0) {
		kill(watcher, SIGKILL);
		waitpid(watcher, NULL, 0);
		close(o.stop_fd);
	}
	if (r < 0) {
		if (err.errnum == ENOENT && !err.hint[0] && src->project)
			lxr_err_hint(&err,
				     "project \"%s\" has no logs: is -p right, and has "
				     "`lxr up` started it?",
				     src->project);
		else if (!src->project && err.errnum == ENOENT && services && services[0] &&
			 run_keep_exists(services[0]) && never_started(services[0]))
			return LXR_EXIT_OK; /* docker logs of a created one: nothing yet */
		else if (!src->project && err.errnum == ENOENT && services && services[0] &&
			 run_keep_exists(services[0]))
			lxr_fail(&err, 0,
				 "logs %s: it runs (or ran) in the foreground of its `lxr run`, "
				 "whose terminal has its output; lxr keeps a log of `lxr run -d` "
				 "containers",
				 services[0]),
			    lxr_err_hint(&err,
					 "`lxr run -d` keeps one; `lxr start %s` runs it again "
					 "detached, with a log",
					 services[0]);
		else if (!src->project)
			lxr_err_hint(&err, "a container of `lxr run -d` by its name, a stack's by "
					   "its container_name or <project>-<service>-<n>");
		lxr_err_print(&err);
		return LXR_EXIT_FAIL;
	}
	return LXR_EXIT_OK;
}

static int show_project(const char *project, const char *since, bool no_color, struct logs_opts *o,
			char **services)
{
	struct logs_source src = {lxr_xasprintf("%s/%s", lxr_log_dir(), project),
				  lxr_xasprintf("%s/%s/control.sock", lxr_run_dir(), project),
				  project};
	int r = show(&src, since, no_color, o, services);

	free(src.dir);
	free(src.sock);
	return r;
}

/* docker logs NAME of a stack's container, named as docker names it
 * (cli_names_in_project): its replica's log, as docker logs shows one
 * container's (no prefix, its stderr on stderr). */
static int show_named(const char *project, char **insts, const char *since, bool no_color,
		      struct logs_opts *o)
{
	struct ctl_conn *conn = NULL;
	_cleanup_free_ char *name = NULL;
	_cleanup_strv_ char **svcs = NULL;
	json_t *ps = NULL, *rec;
	lxr_err err;
	size_t k;
	int r = cli_project_connect(NULL, project, &conn, &name);

	if (r != LXR_EXIT_OK)
		return r;
	if (ctl_call(conn, "ps", json_object(), 30000, &ps, &err) < 0) {
		ctl_close(conn);
		return lxr_err_print(&err), LXR_EXIT_FAIL;
	}
	ctl_close(conn);
	for (size_t i = 0; insts[i]; i++)
		json_array_foreach(ps, k, rec)
		{
			const char *svc = json_string_value(json_object_get(rec, "service"));
			const char *in = json_string_value(json_object_get(rec, "instance"));
			json_int_t n = json_integer_value(json_object_get(rec, "replica"));
			_cleanup_free_ char *log =
			    lxr_xasprintf("%s@%lld", svc ? svc : "", (long long)(n > 0 ? n : 1));
			if (svc && in && !strcmp(in, insts[i]) && !lxr_strv_has(svcs, log))
				lxr_strv_push(&svcs, lxr_steal_ptr(&log));
		}
	json_decref(ps);
	if (!svcs) {
		fprintf(stderr, "lxr: error: logs: no such container in project %s\n", project);
		return LXR_EXIT_FAIL;
	}
	o->no_prefix = true;
	o->err_out = stderr;
	return show_project(project, since, no_color, o, svcs);
}

/* `lxr logs NAME` of `lxr run -d` containers, one after the other, with
 * every option a stack's logs have */
static int show_run(char **names, const char *since, bool no_color, struct logs_opts *o)
{
	int rc = LXR_EXIT_OK;

	if (!names || !names[0]) {
		fputs("lxr: error: no stack file here, and no container named\n"
		      "lxr: hint: `lxr logs NAME` for a container of `lxr run -d`\n",
		      stderr);
		return LXR_EXIT_USAGE;
	}
	/* docker logs NAME: the container's stderr on lxr's */
	o->err_out = stderr;
	for (size_t i = 0; names[i]; i++) {
		_cleanup_free_ char *sup = sup_run_dir_of(names[i]);
		struct logs_source src = {lxr_xasprintf("%s/_run", lxr_log_dir()),
					  lxr_xasprintf("%s/control.sock", sup), NULL};
		char *one[] = {names[i], NULL};
		int r =
		    strchr(names[i], '/') ? LXR_EXIT_USAGE : show(&src, since, no_color, o, one);

		if (r != LXR_EXIT_OK)
			rc = r;
		free(src.dir);
		free(src.sock);
	}
	return rc;
}

int cmd_logs(int argc, char **argv)
{
	struct logs_opts o = {.tail = -1, .stop_fd = -1};
	const char *project = NULL, *since = NULL, *file = NULL;
	_cleanup_free_ char *found = NULL;
	struct cfg_stack *st = NULL;
	bool no_color = false;
	long index = 0;
	int c;

	cli_globals_apply(&file, &project);
	no_color = cli_no_ansi();
	opterr = 0;
	optind = 0; /* options among the names too, as docker's */
	while ((c = cli_getopt_long(argc, argv, "p:fn:t", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': project = optarg; break;
		case OPT_FILE:
			if (cli_set_file(&file, optarg) < 0)
				return LXR_EXIT_USAGE;
			break;
		case 'f': o.follow = true; break;
		case 'n':
			if (parse_tail(optarg, &o.tail) < 0)
				return usage_error("--tail takes a number of lines or \"all\"");
			break;
		case OPT_SINCE: since = optarg; break;
		case OPT_UNTIL: until_arg = optarg; break;
		case 't': o.timestamps = true; break;
		case OPT_NOCOLOR: no_color = true; break;
		case OPT_NOPREFIX: o.no_prefix = true; break;
		case OPT_INDEX:
			if (cli_parse_index(optarg, &index) < 0)
				return LXR_EXIT_USAGE;
			o.index = (int)index; /* at most 100000 */
			break;
		case OPT_HELP: fputs(cli_help("logs"), stdout); return LXR_EXIT_OK;
		default:
			cli_bad_option(argv[optind - 1], longopts, NULL);
			fputs("Run `lxr logs --help` for the options.\n", stderr);
			return LXR_EXIT_USAGE;
		}
	}
	/* no stack file here: a container of `lxr run -d` by name, or a
	 * stack's as docker names it */
	_cleanup_free_ char *named = NULL;
	switch (cli_where(&file, &project, argv + optind, &found, &named)) {
	case CLI_WHERE_FAIL: return LXR_EXIT_FAIL;
	case CLI_WHERE_RUN: return show_run(argv + optind, since, no_color, &o);
	case CLI_WHERE_PROJECT: return show_named(named, argv + optind, since, no_color, &o);
	case CLI_WHERE_STACK: break;
	}
	if (!project) {
		int r = cli_stack_open(file, NULL, &st);
		if (r != LXR_EXIT_OK)
			return r;
		project = st->project;
	}
	if (!*project || strchr(project, '/')) {
		cfg_stack_free(st);
		return usage_error("name the project with -p NAME");
	}
	o.names = st ? logs_container_names(st) : NULL;
	c = show_project(project, since, no_color, &o, argv + optind);
	lxr_strv_free(o.names);
	cfg_stack_free(st);
	return c;
}
