/* lxr attach SERVICE (docker compose attach) or NAME (docker attach): the
 * terminal joined to a running container. Its output from now on comes
 * from its log (a child follows it, as `logs -f` does: the supervisor
 * keeps writing it whoever watches); what is typed goes to its input,
 * which its supervisor hands over (the control socket's "attach", with
 * SCM_RIGHTS): the terminal's master with tty: true (raw, and sized as
 * this terminal is), the write end of its stdin with stdin_open alone.
 * It ends when the container does (exit: its code), at the detach keys
 * (ctrl-p ctrl-q unless --detach-keys says), or, with --sig-proxy=false
 * and no terminal, at a signal; with --sig-proxy (the default) a signal
 * goes to the container instead, as docker's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lxr/runtime.h"
#include "lxr/supervisor.h"

struct attach_opts {
	const char *file, *project, *keys;
	long index;
	bool no_stdin, sig_proxy;
	char *name;
};

/* where the container is: its supervisor, its state and its log */
struct target {
	struct ctl_conn *conn;
	char *project; /* NULL: an `lxr run -d` container */
	char *inst;    /* as its supervisor knows it */
	char *log;     /* its log among its project's: "web@1", or a run's name */
	struct lxr_container_ref ref;
	bool have_ref;
};

enum { OPT_INDEX = 256, OPT_NO_STDIN, OPT_SIG_PROXY, OPT_KEYS, OPT_HELP };

static int parse(int argc, char **argv, struct attach_opts *o)
{
	static const struct option longopts[] = {
	    {"file", required_argument, NULL, 'f'},
	    {"project-name", required_argument, NULL, 'p'},
	    {"index", required_argument, NULL, OPT_INDEX},
	    {"no-stdin", no_argument, NULL, OPT_NO_STDIN},
	    {"sig-proxy", optional_argument, NULL, OPT_SIG_PROXY},
	    {"detach-keys", required_argument, NULL, OPT_KEYS},
	    {"help", no_argument, NULL, OPT_HELP},
	    {NULL, 0, NULL, 0},
	};
	int c;

	cli_globals_apply(&o->file, &o->project);
	o->sig_proxy = true;
	optind = 0;
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "+f:p:", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cli_set_file(&o->file, optarg) < 0)
				return -1;
			break;
		case 'p': o->project = optarg; break;
		case OPT_INDEX:
			if (cli_parse_index(optarg, &o->index) < 0)
				return -1;
			break;
		case OPT_NO_STDIN: o->no_stdin = true; break;
		case OPT_SIG_PROXY:
			if (optarg && lxr_go_bool(optarg, &o->sig_proxy) < 0) {
				fprintf(stderr,
					"lxr: error: attach: --sig-proxy=%s is not a boolean\n",
					optarg);
				return -1;
			}
			break;
		case OPT_KEYS: o->keys = optarg; break;
		case OPT_HELP: fputs(cli_help("attach"), stdout); return 1;
		default: cli_bad_option(argv[optind - 1], longopts, cli_help("attach")); return -1;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "lxr: error: attach: name one service or container\n%s",
			cli_help("attach"));
		return -1;
	}
	o->name = lxr_xstrdup(argv[optind]);
	return 0;
}

/* docker's --detach-keys: "ctrl-p,ctrl-q", each a letter or ctrl-X (X a
 * letter or one of @[\]^_); the bytes in out, their count, -1: bad */
static int detach_keys(const char *spec, char *out, size_t size)
{
	_cleanup_free_ char *copy = lxr_xstrdup(spec);
	char *save = NULL;
	size_t n = 0;

	for (char *k = strtok_r(copy, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
		if (n == size)
			return -1;
		if (!strncmp(k, "ctrl-", 5) && k[5] && !k[6] &&
		    ((k[5] >= 'a' && k[5] <= 'z') || strchr("@[\\]^_", k[5])))
			out[n++] = (char)(k[5] >= 'a' && k[5] <= 'z' ? k[5] - 'a' + 1 : k[5] - '@');
		else if (k[0] && !k[1])
			out[n++] = k[0];
		else
			return -1;
	}
	return n ? (int)n : -1;
}

/* The ps record of the container: SERVICE's replica index (its first by
 * default), or the instance of that name */
static json_t *pick(json_t *ps, const char *name, long index, bool run)
{
	size_t i;
	json_t *rec;

	json_array_foreach(ps, i, rec)
	{
		const char *svc = json_string_value(json_object_get(rec, "service")) ?: "";
		const char *in = json_string_value(json_object_get(rec, "instance")) ?: "";
		json_int_t n = json_integer_value(json_object_get(rec, "replica"));
		if (run || (!strcmp(svc, name) && n == (index ? index : 1)) ||
		    (!index && !strcmp(in, name)))
			return rec;
	}
	return NULL;
}

static int connect_to(struct attach_opts *o, struct target *t)
{
	const char *file = o->file, *project = o->project;
	_cleanup_free_ char *found = NULL, *named = NULL;
	char *names[] = {o->name, NULL};

	switch (cli_where(&file, &project, names, &found, &named)) {
	case CLI_WHERE_FAIL: return LXR_EXIT_FAIL;
	case CLI_WHERE_RUN: return cli_run_connect("attach", o->name, &t->conn);
	case CLI_WHERE_PROJECT: return cli_project_connect(NULL, project, &t->conn, &t->project);
	default: return cli_project_open(file, project, &t->conn, &t->project, NULL);
	}
}

static int find_target(struct attach_opts *o, struct target *t)
{
	_cleanup_free_ char *root = NULL;
	json_t *ps = NULL, *rec;
	lxr_err err;
	int r = connect_to(o, t);

	if (r != LXR_EXIT_OK)
		return r;
	if (ctl_call(t->conn, "ps", json_object(), 30000, &ps, &err) < 0)
		return lxr_err_print(&err), LXR_EXIT_FAIL;
	rec = pick(ps, o->name, o->index, !t->project);
	if (!rec) {
		fprintf(stderr,
			"lxr: error: attach: no container of \"%s\"%s in project %s\n"
			"lxr: hint: see `lxr ps`\n",
			o->name, o->index ? " at that --index" : "", t->project);
		json_decref(ps);
		return LXR_EXIT_FAIL;
	}
	t->inst = lxr_xstrdup(json_string_value(json_object_get(rec, "instance")) ?: "");
	t->log =
	    t->project
		? lxr_xasprintf("%s@%lld", json_string_value(json_object_get(rec, "service")) ?: "",
				(long long)json_integer_value(json_object_get(rec, "replica")))
		: lxr_xstrdup(o->name);
	json_decref(ps);
	root = t->project ? lxr_xasprintf("%s/%s", lxr_run_dir(), t->project)
			  : lxr_xasprintf("%s/_run", lxr_run_dir());
	if (rt_container_find(root, t->project ? t->inst : o->name, &t->ref, &err) < 0) {
		lxr_fail(&err, 0, "attach %s: the container is not running", o->name);
		lxr_err_hint(&err, "start it first: `lxr start`, or `lxr up`");
		return lxr_err_print(&err), LXR_EXIT_FAIL;
	}
	t->have_ref = true;
	return LXR_EXIT_OK;
}

/* Its input from the supervisor: -1 and *tty false when it takes none */
static int input_of(struct target *t, bool *tty)
{
	json_t *res = NULL;
	lxr_err err;
	int fd;

	if (ctl_call(t->conn, "attach", json_pack("{s:s}", "instance", t->inst), 30000, &res,
		     &err) < 0) {
		lxr_err_wrap(&err, "attach %s", t->inst);
		lxr_err_print(&err);
		return -2;
	}
	*tty = json_is_true(json_object_get(res, "tty"));
	fd = json_is_true(json_object_get(res, "stdin")) ? ctl_take_fd(t->conn) : -1;
	json_decref(res);
	return fd;
}

/* The container's output from since on, as `logs -f` shows one
 * container's, until stop is readable (then what is left): a child, so
 * typing never waits on the output */
static pid_t follow_output(const struct target *t, const int stop[2], const struct timespec *since)
{
	pid_t pid = fork();
	char *svcs[] = {t->log, NULL};
	struct logs_opts lo = {.services = svcs,
			       .follow = true,
			       .tail = -1,
			       .has_since = true,
			       .since = *since,
			       .stop_fd = stop[0],
			       .no_prefix = true,
			       .err_out = stderr};
	lxr_err err;
	int null;

	if (pid != 0)
		return pid;
	close(stop[1]); /* the parent's: its close is the end */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null >= 0)
		dup2(null, STDIN_FILENO);
	_cleanup_free_ char *dir = t->project ? lxr_xasprintf("%s/%s", lxr_log_dir(), t->project)
					      : lxr_xasprintf("%s/_run", lxr_log_dir());
	if (logs_run(dir, &lo, stdout, &err) < 0) {
		lxr_err_print(&err);
		fflush(NULL);
		_exit(LXR_EXIT_FAIL);
	}
	fflush(NULL);
	_exit(LXR_EXIT_OK);
}

struct relay {
	int in; /* the container's input, -1: none */
	bool tty, sig_proxy, detached, exited;
	char keys[16];
	int nkeys, matched; /* the detach keys, how many were just typed */
};

static void write_all(struct relay *r, const char *buf, size_t n)
{
	while (r->in >= 0 && n > 0) {
		ssize_t w = write(r->in, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) { /* EPIPE, EIO: its input is gone with it */
			close(r->in);
			r->in = -1;
			return;
		}
		buf += w;
		n -= (size_t)w;
	}
}

/* What was typed, to the container; the detach keys, typed in a row,
 * end the attach (held back until the row breaks, then sent) */
static void typed(struct relay *r, const char *buf, size_t n)
{
	size_t from = 0;

	for (size_t i = 0; i < n && !r->detached; i++) {
		if (buf[i] == r->keys[r->matched]) {
			write_all(r, buf + from, i - from);
			from = i + 1;
			if (++r->matched == r->nkeys)
				r->detached = true;
			continue;
		}
		if (r->matched) {
			write_all(r, r->keys, (size_t)r->matched);
			r->matched = 0;
			i--; /* this byte may begin the row again */
			continue;
		}
	}
	if (!r->detached)
		write_all(r, buf + from, n - from);
}

static void copy_size(int to)
{
	struct winsize ws;

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

static void on_signal(struct relay *r, const struct target *t, int sig)
{
	if (sig == SIGWINCH) {
		if (r->tty && r->in >= 0)
			copy_size(r->in);
		return;
	}
	/* docker's --sig-proxy: a container without a terminal gets the
	 * signal (one with a terminal gets Ctrl-C as a byte, raw) */
	if (!r->tty && r->sig_proxy && sig != SIGHUP)
		syscall(SYS_pidfd_send_signal, t->ref.pidfd, sig, NULL, 0);
	else
		r->detached = true;
}

/* stdin to the container, signals, until it exits or the attach ends */
static void relay_loop(struct relay *r, const struct target *t, int sfd)
{
	bool in_open = r->in >= 0;
	char buf[4096];

	while (!r->detached && !r->exited) {
		struct pollfd p[3] = {{.fd = in_open ? STDIN_FILENO : -1, .events = POLLIN},
				      {.fd = sfd, .events = POLLIN},
				      {.fd = t->ref.pidfd, .events = POLLIN}};
		struct signalfd_siginfo si;

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (p[2].revents) {
			r->exited = true;
			return;
		}
		if (p[1].revents && read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			on_signal(r, t, (int)si.ssi_signo);
		if (p[0].revents) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n > 0)
				typed(r, buf, (size_t)n);
			else if (n == 0 || errno != EINTR)
				in_open = false; /* its input stays open: the supervisor's */
			if (r->in < 0)
				in_open = false;
		}
	}
}

/* Its exit code, once its supervisor has seen it end (pid no longer its);
 * an `lxr run -d` one's supervisor may be gone with it, its record left */
static int exit_code_of(const struct target *t)
{
	for (int tries = 0; tries < 100; tries++) {
		json_t *ps = NULL, *rec;
		lxr_err err;
		int code = -1;
		if (ctl_call(t->conn, "ps", json_object(), 5000, &ps, &err) == 0) {
			rec = pick(ps, t->inst, 0, !t->project);
			if (rec && json_integer_value(json_object_get(rec, "pid")) != t->ref.pid)
				code = (int)json_integer_value(json_object_get(rec, "exit_code"));
		} else if (!t->project && (ps = cli_run_record(t->log, SUP_RUN_EXITED))) {
			code = (int)json_integer_value(json_object_get(ps, "exit_code"));
		} else if (t->project) {
			return lxr_err_print(&err), LXR_EXIT_FAIL;
		}
		json_decref(ps);
		if (code >= 0)
			return code;
		usleep(20 * 1000);
	}
	return LXR_EXIT_FAIL;
}

static int attach(struct attach_opts *o, struct target *t)
{
	struct relay r = {.sig_proxy = o->sig_proxy};
	struct termios saved, raw;
	struct timespec since;
	sigset_t set, old;
	_cleanup_close_ int sfd = -1;
	bool made_raw = false;
	int stop[2], st, code = LXR_EXIT_OK;
	pid_t child;

	r.nkeys = detach_keys(o->keys ? o->keys : "ctrl-p,ctrl-q", r.keys, sizeof(r.keys));
	if (r.nkeys < 0) {
		fprintf(stderr,
			"lxr: error: attach: --detach-keys \"%s\": not keys\n"
			"lxr: hint: a comma-separated list of a letter or ctrl-X each, e.g. "
			"ctrl-p,ctrl-q\n",
			o->keys);
		return LXR_EXIT_USAGE;
	}
	r.in = input_of(t, &r.tty);
	if (r.in == -2)
		return LXR_EXIT_FAIL;
	if (o->no_stdin && r.in >= 0) {
		close(r.in);
		r.in = -1;
	}
	sigemptyset(&set);
	for (int sig = 1; sig < 32; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD && sig != SIGPIPE &&
		    sig != SIGSEGV && sig != SIGBUS && sig != SIGFPE && sig != SIGILL &&
		    sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU && sig != SIGCONT)
			sigaddset(&set, sig);
	signal(SIGPIPE, SIG_IGN);
	clock_gettime(CLOCK_REALTIME, &since);
	if (pipe2(stop, O_CLOEXEC) < 0)
		return perror("lxr: error: attach: pipe"), LXR_EXIT_FAIL;
	child = follow_output(t, stop, &since);
	close(stop[0]);
	sigprocmask(SIG_BLOCK, &set, &old);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (r.tty && r.in >= 0 && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
		raw = saved;
		cfmakeraw(&raw);
		made_raw = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
		copy_size(r.in);
	}
	if (child > 0 && sfd >= 0)
		relay_loop(&r, t, sfd);
	if (made_raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	close(stop[1]); /* the output's follow ends, with what is left of it */
	while (child > 0 && waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	if (r.exited)
		code = exit_code_of(t);
	else if (r.detached && isatty(STDERR_FILENO))
		fputs("\r\nread escape sequence\r\n", stderr);
	if (r.in >= 0)
		close(r.in);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return child < 0 ? LXR_EXIT_FAIL : code;
}

int cmd_attach(int argc, char **argv)
{
	struct attach_opts o = {0};
	struct target t = {0};
	int r = parse(argc, argv, &o);

	if (r != 0) /* 1: --help */
		r = r > 0 ? LXR_EXIT_OK : LXR_EXIT_USAGE;
	else if ((r = find_target(&o, &t)) == LXR_EXIT_OK)
		r = attach(&o, &t);
	if (t.conn)
		ctl_close(t.conn);
	if (t.have_ref)
		rt_container_ref_free(&t.ref);
	free(t.project);
	free(t.inst);
	free(t.log);
	free(o.name);
	return r;
}
