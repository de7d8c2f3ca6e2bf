/* lxr attach SERVICE (docker compose attach) or NAME (docker attach): the
 * terminal joined to a running container, as docker attach joins it. Its
 * supervisor hands over (the control socket's "attach", SCM_RIGHTS) pipes
 * of its stdout and stderr from now on (one stream with a terminal), as
 * the supervisor reads them, and its input: the terminal's master with
 * tty: true (this terminal raw, its size passed on), the write end of its
 * stdin with stdin_open alone. It ends when the container's output does
 * (it exited: its exit code), with a terminal at the detach keys (ctrl-p
 * ctrl-q unless --detach-keys says), or at a signal where --sig-proxy
 * does not send it to the container (a terminal's, or =false): 128 + it.
 * Nothing here waits on the container: input it does not take waits in a
 * buffer, and past that a terminal's typing is dropped (the detach keys
 * still work) while piped input waits for it. */
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
	const char *file, *project;
	long index;
	bool no_stdin, sig_proxy;
	char *name;
	char keys[16]; /* the detach keys' bytes */
	int nkeys;
};

/* where the container is: its supervisor, its state and its log */
struct target {
	struct ctl_conn *conn;
	char *project;                /* NULL: an `lxr run -d` container */
	char *inst;                   /* as its supervisor knows it */
	char *log;                    /* its log among its project's: "web@1", or a run's name */
	struct lxr_container_ref ref; /* for the signals it is sent */
	bool have_ref;
	json_int_t pid; /* its init's, as the supervisor joined it */
};

enum { OPT_INDEX = 256, OPT_NO_STDIN, OPT_SIG_PROXY, OPT_KEYS, OPT_HELP };

static int detach_keys(const char *spec, char *out, size_t size);

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
	o->nkeys = detach_keys("ctrl-p,ctrl-q", o->keys, sizeof(o->keys));
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
		case OPT_KEYS:
			o->nkeys = detach_keys(optarg, o->keys, sizeof(o->keys));
			if (o->nkeys < 0) {
				fprintf(stderr,
					"lxr: error: attach: --detach-keys \"%s\": not keys\n"
					"lxr: hint: a comma-separated list of a letter or ctrl-X "
					"each, e.g. ctrl-p,ctrl-q\n",
					optarg);
				return -1;
			}
			break;
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
			"lxr: error: attach: no container of \"%s\"%s in %s%s\n"
			"lxr: hint: see `lxr ps`\n",
			o->name, o->index ? " at that --index" : "",
			t->project ? "project " : "its supervisor", t->project ? t->project : "");
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

/* The pipes of its output and its input (want: asked for) from its
 * supervisor: out[1] -1 with a terminal, *in -1 when it takes none */
static int join(struct target *t, bool want, int out[2], int *in, bool *tty)
{
	json_t *res = NULL;
	int fds[CTL_MAX_FDS];
	size_t n, want_n;
	lxr_err err;

	if (ctl_call(t->conn, "attach", json_pack("{s:s,s:b}", "instance", t->inst, "stdin", want),
		     30000, &res, &err) < 0) {
		lxr_err_wrap(&err, "attach %s", t->inst);
		return lxr_err_print(&err), -1;
	}
	*tty = json_is_true(json_object_get(res, "tty"));
	t->pid = json_integer_value(json_object_get(res, "pid"));
	want_n = (size_t)json_integer_value(json_object_get(res, "fds"));
	*in = -1;
	n = ctl_take_fds(t->conn, fds, CTL_MAX_FDS);
	if (n != want_n || n < (*tty ? 1u : 2u)) {
		for (size_t i = 0; i < n; i++)
			close(fds[i]);
		json_decref(res);
		fprintf(stderr,
			"lxr: error: attach %s: the supervisor's reply came without its "
			"descriptors (too many open files here?)\n",
			t->inst);
		return -1;
	}
	out[0] = fds[0];
	out[1] = *tty ? -1 : fds[1];
	if (json_is_true(json_object_get(res, "stdin")))
		*in = fds[n - 1];
	json_decref(res);
	return 0;
}

#define PENDING_MAX (64 << 10)

struct relay {
	int out[2]; /* its stdout's and stderr's pipes, -1 once over */
	int in;     /* its input, -1: none (or gone) */
	bool tty, sig_proxy, in_open, detached;
	int end_sig; /* the signal that ended the attach */
	const char *keys;
	int nkeys, matched; /* the detach keys, how many were just typed */
	char pending[PENDING_MAX];
	size_t npending;
};

static void input_gone(struct relay *r)
{
	close(r->in);
	r->in = -1;
	r->npending = 0;
}

/* what waits for its input, as far as it takes it now */
static void push(struct relay *r)
{
	while (r->in >= 0 && r->npending) {
		ssize_t w = write(r->in, r->pending, r->npending);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return;
		if (w <= 0) { /* EPIPE, EIO: its input is gone with it */
			input_gone(r);
			return;
		}
		memmove(r->pending, r->pending + w, r->npending - (size_t)w);
		r->npending -= (size_t)w;
	}
}

/* queued for its input; a terminal's typing past the buffer is dropped */
static void queue(struct relay *r, const char *buf, size_t n)
{
	size_t room = PENDING_MAX - r->npending;

	if (r->in < 0)
		return;
	n = n < room ? n : room;
	memcpy(r->pending + r->npending, buf, n);
	r->npending += n;
	push(r);
}

/* What was typed, for the container; with a terminal, the detach keys
 * typed in a row end the attach (held back until the row breaks) */
static void typed(struct relay *r, const char *buf, size_t n)
{
	size_t from = 0;

	for (size_t i = 0; r->tty && i < n && !r->detached; i++) {
		if (buf[i] == r->keys[r->matched]) {
			queue(r, buf + from, i - from);
			from = i + 1;
			if (++r->matched == r->nkeys)
				r->detached = true;
		} else if (r->matched) {
			queue(r, r->keys, (size_t)r->matched);
			r->matched = 0;
			queue(r, buf + from, i - from);
			from = i;
			i--; /* this byte may begin the row again */
		}
	}
	if (!r->detached)
		queue(r, buf + from, n - from);
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
	 * signal; one with a terminal gets Ctrl-C as a key instead */
	if (!r->tty && r->sig_proxy)
		syscall(SYS_pidfd_send_signal, t->ref.pidfd, sig, NULL, 0);
	else
		r->end_sig = sig;
}

/* its output, to ours: 0 while the stream goes on, 1 once it is over,
 * -1 when ours is gone (a closed pipe: the attach ends, as a writer to
 * one does) */
static int shown(int from, int to)
{
	char buf[65536];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	for (ssize_t off = 0; n > 0 && off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));
		struct pollfd p = {.fd = to, .events = POLLOUT};
		if (w < 0 && errno == EAGAIN) /* ours is non-blocking: its room */
			poll(&p, 1, -1);
		else if (w < 0 && errno != EINTR)
			return -1;
		else if (w > 0)
			off += w;
	}
	return n > 0 ? 0 : 1;
}

/* until its output is over, the detach keys or a signal that ends it */
static void relay_loop(struct relay *r, const struct target *t, int sfd)
{
	char buf[4096];

	while (!r->detached && !r->end_sig && (r->out[0] >= 0 || r->out[1] >= 0)) {
		bool take = r->in >= 0 && r->in_open && (r->tty || r->npending < PENDING_MAX);
		struct pollfd p[5] = {{.fd = take ? STDIN_FILENO : -1, .events = POLLIN},
				      {.fd = sfd, .events = POLLIN},
				      {.fd = r->out[0], .events = POLLIN},
				      {.fd = r->out[1], .events = POLLIN},
				      {.fd = r->npending ? r->in : -1, .events = POLLOUT}};
		struct signalfd_siginfo si;

		if (poll(p, 5, -1) < 0 && errno != EINTR) {
			r->end_sig = SIGPIPE; /* not waited on: said as an end */
			perror("lxr: error: attach: poll");
			return;
		}
		if (p[1].revents && read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			on_signal(r, t, (int)si.ssi_signo);
		for (int k = 0; k < 2; k++) {
			int end = p[2 + k].revents
				      ? shown(r->out[k], k ? STDERR_FILENO : STDOUT_FILENO)
				      : 0;
			if (end < 0)
				r->end_sig =
				    SIGPIPE; /* 141, as a shell's writer to a closed pipe */
			if (end > 0) {
				close(r->out[k]);
				r->out[k] = -1;
			}
		}
		if (p[4].revents)
			push(r);
		if (p[0].revents) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n > 0)
				typed(r, buf, (size_t)n);
			else if (n == 0 || errno != EINTR)
				r->in_open = false; /* its input stays open: the supervisor's */
		}
	}
}

/* Its exit code, once its supervisor has seen it end (pid no longer its);
 * an `lxr run -d` one's supervisor may be gone with it, its record left */
static int exit_code_of(const struct target *t)
{
	lxr_err err = {0};

	for (int tries = 0; tries < 500; tries++) {
		json_t *ps = NULL, *rec;
		int code = -1;
		if (ctl_call(t->conn, "ps", json_object(), 5000, &ps, &err) == 0) {
			rec = pick(ps, t->inst, 0, !t->project);
			if (rec && json_integer_value(json_object_get(rec, "pid")) != t->pid)
				code = (int)json_integer_value(json_object_get(rec, "exit_code"));
			else if (!rec)
				lxr_fail(&err, ESRCH, "it is gone from its supervisor's list");
		} else if (!t->project && (ps = cli_run_record(t->log, SUP_RUN_EXITED))) {
			code = (int)json_integer_value(json_object_get(ps, "exit_code"));
		}
		json_decref(ps);
		if (code >= 0)
			return code;
		if (err.errnum && (t->project || err.errnum == ESRCH))
			break;
		usleep(20 * 1000);
	}
	fprintf(stderr,
		"lxr: error: attach %s: its output ended, and its exit code is not known%s%s\n",
		t->inst, err.msg[0] ? ": " : "", err.msg);
	return LXR_EXIT_FAIL;
}

static sigset_t block_signals(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	for (int sig = 1; sig < 32; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD && sig != SIGPIPE &&
		    sig != SIGSEGV && sig != SIGBUS && sig != SIGFPE && sig != SIGILL &&
		    sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU && sig != SIGCONT &&
		    sig != SIGURG)
			sigaddset(&set, sig);
	sigprocmask(SIG_BLOCK, &set, old);
	return set;
}

static int attach(struct attach_opts *o, struct target *t)
{
	struct relay *r = lxr_xcalloc(1, sizeof(*r));
	struct termios saved, raw;
	sigset_t set, old;
	bool made_raw = false;
	int sfd, code = LXR_EXIT_OK;

	r->sig_proxy = o->sig_proxy;
	r->keys = o->keys;
	r->nkeys = o->nkeys;
	signal(SIGPIPE, SIG_IGN);
	if (join(t, !o->no_stdin, r->out, &r->in, &r->tty) < 0) {
		free(r);
		return LXR_EXIT_FAIL;
	}
	r->in_open = r->in >= 0;
	/* its stdin pipe's end is shared with the supervisor, which never
	 * writes it; a terminal's master is non-blocking already */
	if (r->in >= 0)
		fcntl(r->in, F_SETFL, fcntl(r->in, F_GETFL) | O_NONBLOCK);
	set = block_signals(&old);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0) {
		perror("lxr: error: attach: signalfd");
		code = LXR_EXIT_FAIL;
	} else {
		if (r->tty && r->in >= 0 && isatty(STDIN_FILENO) &&
		    tcgetattr(STDIN_FILENO, &saved) == 0) {
			raw = saved;
			cfmakeraw(&raw);
			made_raw = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
			copy_size(r->in);
		}
		relay_loop(r, t, sfd);
		if (made_raw)
			tcsetattr(STDIN_FILENO, TCSANOW, &saved);
		close(sfd);
	}
	sigprocmask(SIG_SETMASK, &old, NULL); /* a Ctrl-C while the code is asked for ends us */
	if (code == LXR_EXIT_OK && r->end_sig)
		code = 128 + r->end_sig;
	else if (code == LXR_EXIT_OK && r->detached)
		fputs(isatty(STDERR_FILENO) ? "\r\nread escape sequence\r\n" : "", stderr);
	else if (code == LXR_EXIT_OK)
		code = exit_code_of(t);
	for (int k = 0; k < 2; k++)
		if (r->out[k] >= 0)
			close(r->out[k]);
	if (r->in >= 0)
		close(r->in);
	free(r);
	return code;
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
