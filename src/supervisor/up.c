/* `lxr up` and `lxr down` for the supervisor. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lxr/net.h"
#include "lxr/supervisor.h"
#include "supervisor/sup.h"
#include "supervisor/up_report.h"

static int prepare(struct sup *s, struct cfg_stack *st, const struct sup_up_opts *o,
		   struct plan_graph **g, lxr_err *err)
{
	struct plan_select sel = {o->profiles, o->targets, o->no_deps, false};

	if (plan_graph_build(st, &sel, g, err) < 0)
		return -1;
	s->run_dir = lxr_xasprintf("%s/%s", lxr_run_dir(), st->project);
	s->log_dir = lxr_xasprintf("%s/%s", lxr_log_dir(), st->project);
	s->ready_fd = -1;
	s->tty = isatty(STDOUT_FILENO);
	s->pull = o->pull;
	s->quiet_pull = o->quiet_pull;
	s->no_log_prefix = o->no_log_prefix;
	s->no_color = o->no_color;
	s->timestamps = o->timestamps;
	s->attach = o->attach ? lxr_strv_dup((char *const *)o->attach) : NULL;
	s->no_attach = o->no_attach ? lxr_strv_dup((char *const *)o->no_attach) : NULL;
	/* -t: the foreground's ordered down gives each stop that long */
	s->down_grace = o->timeout_set;
	s->down_grace_us = (int64_t)o->timeout * 1000000;
	if (sup_build(s, st, *g, err) < 0)
		return -1;
	/* up --no-start, lxr create: made, waiting for `lxr start` */
	for (size_t i = 0; i < s->n_svcs; i++)
		for (size_t k = 0; k < s->svcs[i].n_inst; k++) {
			s->svcs[i].inst[k].held = o->no_start;
			s->svcs[i].inst[k].renew_anon = o->renew_anon_volumes;
		}
	return 0;
}

/* "lxr: error: web-1 failed to start: ...: strerror (ENAME)" and its hint:
 * how `up` (foreground or -d) reports a start failure on the terminal. */
static void print_start_error(const char *name, const lxr_err *err)
{
	char buf[LXR_ERR_MSG_MAX + 128], hint[LXR_ERR_HINT_MAX];

	/* it may name what an image holds (an entrypoint, a PATH) */
	fprintf(stderr, "lxr: error: %s failed to start: %s\n", name,
		lxr_term_safe((char *)lxr_err_str(err, buf, sizeof(buf)), false));
	snprintf(hint, sizeof(hint), "%s", err->hint);
	if (hint[0])
		fprintf(stderr, "lxr: hint: %s\n", lxr_term_safe(hint, false));
}

/* The foreground's last words: why `up` failed, below the lines of the
 * stop, where the user looks. */
static void print_start_errors(struct sup *s)
{
	for (size_t i = 0; i < s->n_svcs; i++)
		for (size_t k = 0; k < s->svcs[i].n_inst; k++)
			if (s->svcs[i].inst[k].has_error)
				print_start_error(s->svcs[i].inst[k].name,
						  &s->svcs[i].inst[k].error);
}

/* Run the stack until it is down, then remove everything of the project
 * but its volumes and logs, exactly as `down` does: once this supervisor
 * is gone nothing can show or use the network, rules or run directory,
 * so nothing may outlive it (Ctrl-C is an ordered down, not a stop). The
 * caller holds the project lock throughout. */
static int supervise(struct sup *s, const struct sup_up_opts *o, int lockfd, int ready_fd)
{
	struct sup_opts so = {.targets = o->targets,
			      .detached = o->detach,
			      .ready_fd = ready_fd,
			      .abort_on_exit = o->abort_on_exit,
			      .abort_on_failure = o->abort_on_failure,
			      .exit_code_from = o->exit_code_from};
	lxr_err err;
	int r;

	s->ready_fd = ready_fd;
	if (lxr_rootless_uid() >= 0 && sup_rootless_net(s, &err) < 0) {
		/* nothing started yet: the error reaches the user as any other */
		sup_fatal(s, &err);
		sup_project_remove(s->stack->project, s->run_dir, &err);
		return 1;
	}
	r = sup_serve(s, &so, lockfd);
	if (!o->detach)
		print_start_errors(s);
	if (lxr_rootless_uid() >= 0)
		net_rootless_leave(s->run_dir);
	if (sup_project_remove(s->stack->project, s->run_dir, &err) < 0) {
		lxr_err_wrap(&err, "take project %s down", s->stack->project);
		lxr_err_print(&err);
		return 1; /* something is left: the user must hear it */
	}
	if (!o->detach)
		fprintf(stderr,
			"lxr: project \"%s\" is down: containers, network and run "
			"directory removed; volumes and logs kept\n",
			s->stack->project);
	/* 128 + the signal that asked for the down (130 after Ctrl-C, as
	 * compose; 143 after SIGTERM), unless `up` had failed already */
	return s->stop_signal && !r ? 128 + s->stop_signal : r;
}

/* The start-up table of `up -d`: one row per instance, redrawn in place on a
 * terminal (as compose does), one plain line per change otherwise. */
struct row {
	char name[256];
	char what[160];
};

/* compose's words: " ✔ Container web-1  Started" on a terminal (the mark
 * green or red unless NO_COLOR), " Container web-1  Started" otherwise */
static void draw(const struct row *rows, size_t n, size_t *drawn, bool tty)
{
	static const char *const sym[] = {"\u2714", "\u2718", "\u2026"};
	static const char *const colour[] = {"\033[32m", "\033[31m", ""};
	bool col = tty && log_color_wanted(STDERR_FILENO, false);

	if (tty && *drawn)
		fprintf(stderr, "\033[%zuA", *drawn);
	for (size_t i = 0; i < n; i++) {
		int k = rows[i].what[0] == '+' ? 0 : rows[i].what[0] == 'x' ? 1 : 2;
		if (tty)
			fprintf(stderr, "\033[2K %s%s%s Container %-16s %s\n", col ? colour[k] : "",
				sym[k], col && k < 2 ? "\033[0m" : "", rows[i].name,
				rows[i].what + 2);
		else
			fprintf(stderr, " Container %s  %s\n", rows[i].name, rows[i].what + 2);
	}
	*drawn = n;
}

static int follow_progress(struct sup *s, int fd, int progress)
{
	FILE *f = fdopen(dup(fd), "r");
	struct row *rows = lxr_xcalloc(s->n_svcs + 1, sizeof(*rows));
	size_t n = 0, drawn = 0, cap = s->n_svcs + 1;
	bool tty = progress == 2 || (progress == 0 && isatty(STDERR_FILENO));
	char *line = NULL;
	size_t len = 0;
	int result = -1;

	while (f && getline(&line, &len, f) > 0) {
		char name[256], what[160];
		size_t i;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == 'R') {
			result = atoi(line + 2);
			break;
		}
		if (line[0] == 'F') {
			json_t *j = json_loads(line + 2, 0, NULL);
			lxr_err err;
			sup_err_from_json(j, &err);
			json_decref(j);
			lxr_err_print(&err);
			/* read on to the end: it closes when the supervisor has
			 * removed what it made, so a retry finds nothing */
			result = 1;
			continue;
		}
		if (line[0] == 'W' && lxr_sscanf(line, "W %255s", name) == 1) {
			fprintf(stderr, "lxr: warning: %s: %s\n", name,
				lxr_term_safe(line + 3 + strlen(name), false));
			drawn = 0; /* the table is drawn again below the message */
			continue;
		}
		if (line[0] == 'E' && lxr_sscanf(line, "E %255s", name) == 1) {
			json_t *j = json_loads(line + 2 + strlen(name), 0, NULL);
			lxr_err err;
			sup_err_from_json(j, &err);
			json_decref(j);
			print_start_error(name, &err);
			drawn = 0; /* the table is drawn again below the message */
			continue;
		}
		if (lxr_sscanf(line, "P %255s %159[^\n]", name, what) != 2)
			continue;
		for (i = 0; i < n && strcmp(rows[i].name, name); i++)
			;
		if (i == n) {
			if (n == cap)
				rows = lxr_xrealloc(rows, (cap *= 2) * sizeof(*rows));
			snprintf(rows[n++].name, sizeof(rows->name), "%s", name);
		}
		snprintf(rows[i].what, sizeof(rows->what), "%s", what);
		if (progress == 3)
			continue;
		if (tty)
			draw(rows, n, &drawn, true);
		else
			draw(&rows[i], 1, &drawn, false);
	}
	free(line);
	free(rows);
	if (f)
		fclose(f);
	if (result < 0)
		fprintf(
		    stderr,
		    "lxr: error: the supervisor exited during start-up (see %s/supervisor.log)\n",
		    s->run_dir);
	return result < 0 ? 1 : result;
}

/* -d: the supervisor becomes a daemon; the CLI waits until start-up has
 * settled and returns its result. */
static int detach(struct sup *s, const struct sup_up_opts *o, int lockfd)
{
	int p[2], result = 1;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		_cleanup_free_ char *log = lxr_xasprintf("%s/supervisor.log", s->run_dir);
		int lf = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		close(p[0]);
		setsid();
		dup2(null, STDIN_FILENO);
		dup2(lf >= 0 ? lf : null, STDOUT_FILENO);
		dup2(lf >= 0 ? lf : null, STDERR_FILENO);
		lxr_set_proc_title("lxr-supervisor");
		_exit(supervise(s, o, lockfd, p[1]));
	}
	close(p[1]);
	close(lockfd); /* the daemon holds the lock now */
	result = follow_progress(s, p[0], o->progress);
	close(p[0]);
	return result;
}

static json_t *strv_json(const char *const *v)
{
	json_t *a = json_array();
	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static void print_names(const char *what, json_t *a)
{
	size_t i;
	json_t *x;

	json_array_foreach(a, i, x) fprintf(stderr, " %-10s %s\n", what, json_string_value(x));
}

/* compose's words, so that what users search for finds it */
static void warn_orphans(json_t *a)
{
	size_t i;
	json_t *x;

	if (!json_array_size(a))
		return;
	fprintf(stderr, "lxr: warning: found orphan containers (");
	json_array_foreach(a, i, x) fprintf(stderr, "%s%s", i ? ", " : "", json_string_value(x));
	fprintf(stderr, ") for this project: they keep running; if you removed or renamed "
			"their services in the stack file, remove them with --remove-orphans\n");
}

/* What `up --dry-run` says, on stdout: one line per instance, compose's
 * words with "would", then the plans when asked for. */
static void dry_run_report(const char *project, bool up, json_t *summary, bool plans)
{
	static const struct {
		const char *key, *word;
	} kinds[] = {{"added", "create"},       {"recreated", "recreate"},
		     {"updated", "update"}, /* a rolling update (update.c) */
		     {"removed", "remove"},     {"unchanged", "keep"},
		     {"orphans", "keep orphan"}};
	json_t *pl = json_object_get(summary, "plans");

	printf("dry run: project \"%s\" is %s; nothing was changed\n", project,
	       up ? "up" : "not up");
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t i;
		json_t *x;
		json_array_foreach(json_object_get(summary, kinds[k].key), i, x)
		{
			const char *name = json_string_value(x);
			json_t *p = json_object_get(pl, name);
			const char *pull = json_string_value(json_object_get(p, "pull"));
			const char *build = json_string_value(json_object_get(p, "build"));
			printf(" would %-10s %s", kinds[k].word, name);
			if (pull)
				printf(" (pulls %s first)", pull);
			if (build)
				printf(" (builds %s first)", build);
			putchar('\n');
		}
	}
	if (!plans)
		return;
	const char *name;
	json_t *p;
	json_object_foreach(pl, name, p)
	{
		char *t = json_dumps(p, JSON_SORT_KEYS | JSON_INDENT(2));
		printf("%s\n", t ? t : "null");
		free(t);
	}
}

/* A supervisor answers on the project's control socket. */
static bool project_is_up(const char *run_dir)
{
	_cleanup_free_ char *sock = lxr_xasprintf("%s/control.sock", run_dir);
	struct ctl_conn *c = NULL;
	lxr_err err;

	if (ctl_connect(sock, &c, &err) < 0)
		return false;
	ctl_close(c);
	return true;
}

/* Not up: every instance would be created; the tables were built as up
 * builds them, without pulling or writing anything. */
static int dry_run_fresh(struct sup *s, const struct cfg_stack *st, const struct sup_up_opts *o)
{
	json_t *added = json_array(), *summary;

	for (size_t i = 0; i < s->n_svcs; i++)
		for (size_t k = 0; k < s->svcs[i].n_inst; k++)
			json_array_append_new(added, json_string(s->svcs[i].inst[k].name));
	summary =
	    json_pack("{s:o, s:o}", "added", added, "plans", sup_plans_json(s, o->dry_run_plans));
	dry_run_report(st->project, false, summary, o->dry_run_plans);
	json_decref(summary);
	return 0;
}

/* After a reconcile, as after a first `up -d`: wait (at most a minute)
 * until what the file now runs has settled, and say why any of it could
 * not start. Returns 1 when one could not (compose's exit code). */
static bool settled(const char *state, json_t *in)
{
	if (json_object_get(in, "start_pending"))
		return false;
	return !strcmp(state, "running") || !strcmp(state, "healthy") ||
	       !strcmp(state, "unhealthy") || !strcmp(state, "exited") ||
	       !strcmp(state, "stopped") || !strcmp(state, "failed") ||
	       (!strcmp(state, "created") &&
		(json_object_get(in, "blocked_by") || json_is_true(json_object_get(in, "held"))));
}

/* The supervisor went away while it reconciled (killed, crashed): what
 * was asked for did not happen, and `up` says so, non-zero. An error the
 * supervisor answered (an older one without the request) is no loss. */
static int lost(const lxr_err *err)
{
	if (err->errnum != ECONNRESET && err->errnum != EPIPE && err->errnum != ECONNREFUSED)
		return 0;
	fprintf(stderr,
		"lxr: error: the stack's supervisor ended before its reconcile was over (a down, "
		"an on_give_up, or it was killed): %s\n",
		err->msg);
	fputs("lxr: hint: `lxr ps` says what runs; `lxr up -d` again brings the stack up\n",
	      stderr);
	return 1;
}

static int wait_reconciled(struct ctl_conn *c, const struct cfg_stack *st,
			   const char *const *targets, json_t *updated)
{
	json_t *all = NULL, *in;
	size_t i;
	lxr_err err = {0};
	int r = 0;
	bool events;
	time_t end = 0;

	/* a rolling update takes as long as its batches and health checks */
	if (json_array_size(updated) && sup_update_wait(c, &err) < 0)
		return lost(&err);
	/* a change (an event) asks again at once; without one, every 100 ms:
	 * a reconcile that changed nothing ends without an event. The
	 * reconcile (stops within their grace, starts) is waited for as long
	 * as it takes, as compose waits; then a minute for what it started
	 * to settle (a crash loop never does) */
	events = ctl_send(c, "events", NULL, &err) == 0;
	for (bool first = true; !end || time(NULL) < end; first = false) {
		json_t *pending = NULL;
		bool done = true;
		if (!first && (events ? ctl_wait_any(c, 100, &err) < 0 : usleep(100000) < 0))
			return events ? lost(&err) : 0;
		if (ctl_call(c, "reconciling", json_object(), 5000, &pending, &err) < 0)
			return lost(&err); /* or an older supervisor: nothing to wait for */
		done = !json_is_true(pending);
		json_decref(pending);
		if (!done)
			continue;
		if (!end)
			end = time(NULL) + 60;
		json_decref(all);
		all = NULL;
		if (ctl_call(c, "ps", json_object(), 5000, &all, &err) < 0)
			return lost(&err);
		json_array_foreach(all, i, in)
		{
			const char *state = json_string_value(json_object_get(in, "state"));
			done &= state && settled(state, in) &&
				!sup_up_dep_waiting(st, all, targets, in);
		}
		if (done)
			break;
	}
	json_array_foreach(all, i, in)
	{
		const char *state = json_string_value(json_object_get(in, "state"));
		json_t *e = json_object_get(in, "error");
		if (state && !strcmp(state, "failed") && e) {
			lxr_err why;
			sup_err_from_json(e, &why);
			print_start_error(json_string_value(json_object_get(in, "instance")), &why);
			r = 1;
		} else if (state && json_object_get(in, "blocked_by") &&
			   (!strcmp(state, "created") || !strcmp(state, "exited") ||
			    !strcmp(state, "stopped"))) {
			fprintf(stderr, "lxr: error: %s did not start: %s\n",
				json_string_value(json_object_get(in, "instance")),
				json_string_value(json_object_get(in, "blocked_by")));
			r = 1;
		}
	}
	r |= sup_update_report(all, updated);
	r |= sup_up_dep_report(st, all, targets);
	json_decref(all);
	return r;
}

/* up's other options, for the running supervisor's reconcile */
static json_t *up_args(const struct sup_up_opts *o)
{
	json_t *a = json_pack("{s:b, s:b, s:b, s:b, s:b, s:i, s:b, s:o}", "no_deps", o->no_deps,
			      "no_recreate", o->no_recreate, "always_recreate_deps",
			      o->always_recreate_deps, "renew_anon_volumes", o->renew_anon_volumes,
			      "no_start", o->no_start, "pull", o->pull, "quiet_pull", o->quiet_pull,
			      "scale", strv_json(o->scale));

	if (o->timeout_set)
		json_object_set_new(a, "timeout", json_integer(o->timeout));
	return a;
}

/* --env-file's files as absolute paths (the supervisor's directory is not
 * the caller's), env_files in req, and env_file too when there is one (a
 * supervisor from before env_files reads that); -1, said, for a path JSON
 * cannot carry (not UTF-8) */
static int add_env_files(json_t *req, char *const *files)
{
	json_t *envs = json_array();

	for (size_t i = 0; files && files[i]; i++) {
		_cleanup_free_ char *abs = realpath(files[i], NULL);
		json_t *one = json_string(abs ? abs : files[i]);
		if (!one) {
			fprintf(stderr,
				"lxr: error: --env-file %s: the path is not UTF-8, which the "
				"running stack's supervisor cannot be sent\n",
				files[i]);
			json_decref(envs);
			return -1;
		}
		json_array_append_new(envs, one);
	}
	if (json_array_size(envs) == 1)
		json_object_set(req, "env_file", json_array_get(envs, 0));
	json_object_set_new(req, "env_files", envs);
	return 0;
}

/* The stack is already up: hand the file to its supervisor to reconcile. */
static int reconcile(const char *run_dir, struct cfg_stack *st, const struct sup_up_opts *o)
{
	extern char **environ;
	_cleanup_free_ char *sock = lxr_xasprintf("%s/control.sock", run_dir);
	/* a file read from standard input (-f -) is sent whole: the
	 * supervisor cannot read it again */
	_cleanup_free_ char *file = st->text ? NULL : realpath(st->file, NULL);
	_cleanup_free_ char *cwd = getcwd(NULL, 0);
	struct ctl_conn *c = NULL;
	json_t *result = NULL, *req, *more;
	lxr_err err;
	int r = 1;

	if (ctl_connect(sock, &c, &err) < 0) {
		lxr_err_print(&err);
		return 1;
	}
	req = json_pack("{s:s, s:s, s:o, s:o, s:o, s:b, s:b, s:b, s:s, s:b}", "file",
			file ? file : st->file, "cwd", cwd ? cwd : "/", "environ",
			strv_json((const char *const *)environ), "targets", strv_json(o->targets),
			"profiles", strv_json(o->profiles), "remove_orphans", o->remove_orphans,
			"dry_run", o->dry_run, "plans", o->dry_run_plans, "project_dir", st->dir,
			"force_recreate", o->force_recreate);
	if (add_env_files(req, o->env_files) < 0) {
		json_decref(req);
		ctl_close(c);
		return 1;
	}
	/* the later -f files, read again by the supervisor as given here */
	json_object_set_new(req, "overrides", strv_json((const char *const *)st->overrides));
	if (st->text)
		json_object_set_new(req, "text", json_string(st->text));
	more = up_args(o);
	json_object_update(req, more);
	json_decref(more);
	if (ctl_call(c, "up", req, 60000, &result, &err) < 0 && lost(&err)) {
		r = 1;
	} else if (!result) {
		char buf[LXR_ERR_MSG_MAX + 128];
		/* the file's diagnostics come as lines of their own (exit 2);
		 * what stands in the way (EBUSY: another up reconciles) is an
		 * error of lxr's (exit 1) */
		bool diag = !err.errnum || err.errnum == EINVAL;
		lxr_err_str(&err, buf, sizeof(buf));
		fprintf(stderr, "%s%s", diag ? "" : "lxr: error: ", buf);
		if (buf[0] && buf[strlen(buf) - 1] != '\n')
			fputc('\n', stderr);
		if (err.hint[0])
			fprintf(stderr, "lxr: hint: %s\n", err.hint);
		r = diag ? 2 : 1;
	} else if (o->dry_run) {
		dry_run_report(st->project, true, result, o->dry_run_plans);
		r = 0;
	} else {
		/* --progress quiet: nothing but what goes wrong */
		if (o->progress != 3) {
			fprintf(stderr, "lxr: project \"%s\" is up: reconciling\n", st->project);
			print_names("recreate", json_object_get(result, "recreated"));
			print_names("update", json_object_get(result, "updated"));
			print_names("add", json_object_get(result, "added"));
			print_names("remove", json_object_get(result, "removed"));
			print_names("unchanged", json_object_get(result, "unchanged"));
		}
		if (!o->ignore_orphans)
			warn_orphans(json_object_get(result, "orphans"));
		r = wait_reconciled(c, st, o->targets, json_object_get(result, "updated"));
		/* compose's foreground up attaches to a stack that is up */
		if (r == 0 && !o->detach && !o->no_start)
			r = sup_up_attach(run_dir, c, st, o);
	}
	json_decref(result);
	ctl_close(c);
	return r;
}

/* Before anything starts, so that even a stack that fails half-way is
 * known to be this file's project (the commands that clean it up check). */
static int record_files(const char *run_dir, const struct cfg_stack *st, lxr_err *err)
{
	_cleanup_free_ char *file = st->text ? NULL : realpath(st->file, NULL);
	const char *files[] = {file ? file : st->file, NULL};

	return sup_project_record_files(run_dir, files, err);
}

int sup_up(struct cfg_stack *st, const struct sup_up_opts *o)
{
	struct sup s = {.term = {{.w.fd = -1}, {.w.fd = -1}}};
	struct plan_graph *g = NULL;
	lxr_err err;
	int lockfd = -1, r;

	s.dry_run = o->dry_run;
	if (prepare(&s, st, o, &g, &err) < 0) {
		lxr_err_print(&err);
		r = 2;
		goto out;
	}
	/* external networks and volumes exist, options are sound; made
	 * before any container needs them */
	if (sup_stack_volumes_prepare(st, true, &err) < 0 ||
	    sup_stack_networks_prepare(st, o->dry_run, &err) < 0 ||
	    (!o->dry_run && sup_stack_volumes_prepare(st, false, &err) < 0)) {
		lxr_err_print(&err);
		r = 1;
		goto out;
	}
	if (o->dry_run) {
		r = project_is_up(s.run_dir) ? reconcile(s.run_dir, st, o)
					     : dry_run_fresh(&s, st, o);
		goto out;
	}
	lockfd = sup_project_lock(s.run_dir, false, &err);
	if (lockfd < 0) {
		if (err.errnum == EWOULDBLOCK)
			r = reconcile(s.run_dir, st, o);
		else {
			lxr_err_print(&err);
			r = 1;
		}
		goto out;
	}
	/* a supervisor that died (even by SIGKILL) left its containers' cgroups
	 * and state behind: clear them before anything starts */
	if (sup_project_cleanup(st->project, s.run_dir, false, NULL, &err) < 0)
		lxr_err_print(&err);
	/* what a rollback returns to, as the dead one kept it (update.c) */
	sup_update_restore(&s);
	if (record_files(s.run_dir, st, &err) < 0) {
		lxr_err_print(&err);
		close(lockfd);
		r = 1;
		goto out;
	}
	r = o->detach ? detach(&s, o, lockfd) : supervise(&s, o, lockfd, -1);
	if (!o->detach)
		close(lockfd);
out:
	sup_free(&s);
	plan_graph_free(g);
	return r;
}

/* down -v: only what the caller computed from the stack file (the declared
 * volumes and the anonymous ones); what else the project's volume folder
 * holds (another stack's of the same name, one the file no longer declares)
 * is kept and named in *kept, and the folder goes when nothing is left. */
static int remove_volumes(const char *project, char *const *dirs, char ***kept, lxr_err *err)
{
	_cleanup_free_ char *top = lxr_xasprintf("%s/volumes/%s", lxr_data_dir(), project);
	struct dirent *de;
	DIR *d;

	for (size_t i = 0; dirs && dirs[i]; i++)
		if (lxr_rm_rf(dirs[i], err) < 0)
			return lxr_err_wrap(err, "remove volume");
	d = opendir(top);
	if (!d)
		return errno == ENOENT ? 0 : lxr_fail(err, errno, "open %s", top);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			lxr_strv_push(kept, lxr_xstrdup(de->d_name));
	closedir(d);
	if (!*kept)
		rmdir(top);
	return 0;
}

int sup_down(const char *project, char *const *volume_dirs, char ***kept, lxr_err *err)
{
	_cleanup_free_ char *run_dir = lxr_xasprintf("%s/%s", lxr_run_dir(), project);
	int lockfd = sup_project_lock(run_dir, false, err);
	struct stat st;

	if (lockfd < 0 && err->errnum == EWOULDBLOCK) {
		/* a supervisor is alive: on SIGTERM it stops the stack in
		 * reverse order and removes the project; its lock is released
		 * when it has finished */
		pid_t pid = sup_project_pid(run_dir);
		if (pid > 0 && kill(pid, SIGTERM) < 0 && errno != ESRCH)
			return lxr_fail(err, errno, "signal supervisor %d", (int)pid);
		lockfd = sup_project_lock(run_dir, true, err);
	}
	if (lockfd < 0)
		return lxr_err_wrap(err, "take project %s down", project);
	/* an unlinked lock: the supervisor removed the project itself, and
	 * the run directory may be a new `up`'s by now: leave it alone */
	if ((fstat(lockfd, &st) < 0 || st.st_nlink > 0) &&
	    sup_project_remove(project, run_dir, err) < 0) {
		close(lockfd);
		return lxr_err_wrap(err, "take project %s down", project);
	}
	if (volume_dirs && remove_volumes(project, volume_dirs, kept, err) < 0) {
		close(lockfd);
		return -1;
	}
	close(lockfd);
	return 0;
}
