/* lxr run: one container in the foreground (exit code passed through), or
 * detached under a small monitor process that owns it until it exits. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cli/cli.h"
#include "cli/run_net.h"
#include "cli/run_opts.h"

/* docker's exit codes for its own failures */
enum { EXIT_LXR = 125, EXIT_NOEXEC = 126, EXIT_NOTFOUND = 127 };

static int start_code(int r)
{
	return r == -126 ? EXIT_NOEXEC : r == -127 ? EXIT_NOTFOUND : EXIT_LXR;
}

static void report_oom(struct lxr_container *c, const struct run_opts *o)
{
	if (!rt_container_oom_killed(c))
		return;
	fprintf(stderr, "lxr: container %s was OOM-killed: it exceeded its memory limit", o->name);
	if (o->plan.spec.resources.memory_limit)
		fprintf(stderr, " of %lld MiB",
			(long long)(o->plan.spec.resources.memory_limit >> 20));
	fputs(" (memory cgroup)\n", stderr);
}

static char *state_root(void)
{
	return lxr_xasprintf("%s/_run", lxr_run_dir());
}

static int run_foreground(struct run_opts *o)
{
	_cleanup_free_ char *root = state_root();
	struct lxr_stdio io = {.fds = {-1, -1, -1}};
	struct lxr_pipes pipes = {.child = {-1, -1, -1}, .in = -1, .out = -1, .err = -1};
	struct lxr_container *c = NULL;
	lxr_err err;
	int r, code;

	/* docker's stdio: a PTY with -t, pipes without; never lxr's own fds */
	if (!o->plan.spec.terminal && rt_pipes_open(&pipes, o->interactive, &err) < 0)
		return lxr_err_print(&err), EXIT_LXR;
	memcpy(io.fds, pipes.child, sizeof(io.fds));
	if (run_net_setup(o, &err) < 0) {
		rt_pipes_close(&pipes);
		return lxr_err_print(&err), EXIT_LXR;
	}
	r = rt_container_start(&o->plan.spec, root, &io, &c, &err);
	rt_pipes_close_child(&pipes);
	if (r < 0) {
		rt_pipes_close(&pipes);
		lxr_err_print(&err);
		run_net_teardown(o);
		return start_code(r);
	}
	code = rt_container_exit_code(
	    rt_container_attach(c, io.pty_master, o->interactive, &pipes, &err));
	rt_pipes_close(&pipes);
	if (io.pty_master >= 0)
		close(io.pty_master);
	report_oom(c, o);
	/* before the container's directory goes: a watcher that takes that as
	 * "gone" must find its network gone too */
	run_net_teardown(o);
	if (rt_container_destroy(c, o->rm, &err) < 0)
		lxr_err_print(&err);
	return code;
}

/* The monitor: detached from the terminal, it starts the container, tells
 * the waiting CLI how that went, then waits and cleans up. */
static _Noreturn void monitor(struct run_opts *o, int report)
{
	_cleanup_free_ char *root = state_root();
	_cleanup_free_ char *logdir = lxr_xasprintf("%s/_run", lxr_log_dir());
	_cleanup_free_ char *logpath = lxr_xasprintf("%s/%s.log", logdir, o->name);
	struct lxr_stdio io = {.fds = {-1, -1, -1}};
	struct lxr_pipes pipes;
	struct lxr_container *c = NULL;
	int logfd, null, r;
	lxr_err err = {0};

	setsid();
	if (lxr_mkdir_p(logdir, 0700, &err) < 0)
		goto failed;
	logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (logfd < 0) {
		lxr_fail(&err, errno, "open log %s", logpath);
		goto failed;
	}
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	dup2(null, STDIN_FILENO);
	dup2(logfd, STDOUT_FILENO);
	dup2(logfd, STDERR_FILENO);
	/* The container writes into pipes this monitor copies to the log: a
	 * descriptor of the log itself would let it reopen and rewrite it. */
	if (rt_pipes_open(&pipes, false, &err) < 0)
		goto failed;
	memcpy(io.fds, pipes.child, sizeof(io.fds));
	if (run_net_setup(o, &err) < 0)
		goto failed;
	r = rt_container_start(&o->plan.spec, root, &io, &c, &err);
	rt_pipes_close_child(&pipes);
	if (r < 0) {
		run_net_teardown(o);
		(void)!write(report, &r, sizeof(r));
		(void)!write(report, &err, sizeof(err));
		_exit(1);
	}
	(void)!write(report, &r, sizeof(r));
	close(report);
	r = rt_container_exit_code(rt_container_attach(c, io.pty_master, false, &pipes, &err));
	report_oom(c, o);
	fprintf(stderr, "lxr: container %s exited with code %d\n", o->name, r);
	run_net_teardown(o);
	rt_container_destroy(c, o->rm, &err);
	_exit(0);
failed:
	r = -1;
	(void)!write(report, &r, sizeof(r));
	(void)!write(report, &err, sizeof(err));
	_exit(1);
}

static int run_detached(struct run_opts *o)
{
	int p[2], r = -1;
	pid_t pid;
	lxr_err err;

	if (pipe2(p, O_CLOEXEC) < 0) {
		lxr_fail(&err, errno, "pipe");
		lxr_err_print(&err);
		return EXIT_LXR;
	}
	pid = fork();
	if (pid < 0) {
		lxr_fail(&err, errno, "fork monitor");
		lxr_err_print(&err);
		return EXIT_LXR;
	}
	if (pid == 0) {
		close(p[0]);
		monitor(o, p[1]);
	}
	close(p[1]);
	if (read(p[0], &r, sizeof(r)) != sizeof(r)) {
		lxr_fail(&err, EPIPE, "container %s: monitor died during start-up", o->name);
		r = -1;
	} else if (r < 0 && read(p[0], &err, sizeof(err)) != sizeof(err)) {
		lxr_fail(&err, EPIPE, "container %s: start-up failed", o->name);
	}
	close(p[0]);
	if (r < 0) {
		waitpid(pid, NULL, 0);
		lxr_err_print(&err);
		return start_code(r);
	}
	printf("%s\n", o->name);
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	lxr_err err;
	sigset_t fwd;
	int r;

	r = run_opts_parse(argc, argv, &o, &err);
	if (r != 0) {
		if (r < 0)
			lxr_err_print(&err);
		run_opts_free(&o);
		return r > 0 ? 0 : EXIT_LXR;
	}
	/* Held from here, delivered to the container once it runs. */
	sigemptyset(&fwd);
	sigaddset(&fwd, SIGINT);
	sigaddset(&fwd, SIGTERM);
	sigaddset(&fwd, SIGHUP);
	sigaddset(&fwd, SIGQUIT);
	sigprocmask(SIG_BLOCK, &fwd, NULL);
	lxr_debug("arguments parsed");
	r = o.detach ? run_detached(&o) : run_foreground(&o);
	run_opts_free(&o);
	lxr_debug("exit %d", r);
	return r;
}
