/* lxr run: one container in the foreground (exit code passed through), or
 * detached under a supervisor of its own (a one-instance project); in
 * compose's form (`lxr compose run`, or with -f or -p) a one-off of a
 * stack's service (compose_run.c), carried the same way. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/compose_run.h"
#include "cli/run_net.h"
#include "cli/run_opts.h"
#include "lxr/net.h"
#include "lxr/supervisor.h"

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

	/* -v's missing sources, as a -d run's supervisor makes them */
	if (sup_plan_host_dirs(o->plan.host_dirs, &err) < 0) {
		run_cidfile_drop(o);
		return lxr_err_print(&err), EXIT_LXR;
	}
	/* docker's stdio: a PTY with -t, pipes without; never lxr's own fds */
	if (!o->plan.spec.terminal && rt_pipes_open(&pipes, o->interactive, &err) < 0)
		return lxr_err_print(&err), EXIT_LXR;
	memcpy(io.fds, pipes.child, sizeof(io.fds));
	if (run_net_setup(o, &err) < 0) {
		rt_pipes_close(&pipes);
		run_cidfile_drop(o);
		return lxr_err_print(&err), EXIT_LXR;
	}
	_cleanup_free_ char *keep = run_keep_text(o);
	int64_t created = (int64_t)time(NULL);
	o->plan.spec.caller_waits = true;
	r = rt_container_start(&o->plan.spec, root, &io, &c, &err);
	o->started = r >= 0;
	if (o->started)
		run_keep_write(o->name, keep);
	rt_pipes_close_child(&pipes);
	if (r < 0) {
		rt_pipes_close(&pipes);
		lxr_err_print(&err);
		run_net_teardown(o, false);
		run_cidfile_drop(o);
		return start_code(r);
	}
	code = rt_container_exit_code(
	    rt_container_attach(c, io.pty_master, o->interactive, &pipes, &err));
	rt_pipes_close(&pipes);
	if (io.pty_master >= 0)
		close(io.pty_master);
	report_oom(c, o);
	/* before the container's directory goes: a watcher that takes that as
	 * "gone" must find its network gone too. Its init was reaped, and
	 * a pid namespace's init exits only after every process in it: the
	 * network namespace has no process left. */
	run_net_teardown(o, true);
	/* --rm: the exit code is the caller's at once; the files go after */
	if ((o->rm ? rt_container_destroy_detached(c, &err)
		   : rt_container_destroy(c, false, &err)) < 0)
		lxr_err_print(&err);
	run_keep_exited(o, code, created);
	/* a volume's options mounted for it go with its last container */
	if (o->stack)
		sup_stack_volumes_release(o->stack);
	return code;
}

/* -d: under a supervisor of its own (sup_run_detached): restart policy,
 * rotated log, control socket, as a stack's service has them. */
static int run_detached(struct run_opts *o)
{
	_cleanup_free_ char *keep = run_keep_text(o);
	int r;

	/* a compose one-off lives where `lxr run`'s containers live (state,
	 * log, endpoint), as it does in the foreground */
	if (o->service) {
		free(o->stack->project);
		o->stack->project = lxr_xstrdup(NET_RUN_PROJECT);
	}
	r = sup_run_detached(o->stack, o->service, o->img, &o->plan, o->rm, false);

	if (r != 0) {
		run_cidfile_drop(o);
		return r;
	}
	run_keep_write(o->name, keep);
	printf("%s\n", o->name);
	return r;
}

int cli_run_create(int argc, char **argv)
{
	_cleanup_free_ char *root = state_root(), *keep = NULL;
	struct run_opts o;
	lxr_err err;
	int r = run_opts_parse(argc, argv, &o, &err);

	if (r != 0) {
		if (r < 0)
			lxr_err_print(&err);
		run_opts_free(&o);
		return r > 0 ? 0 : EXIT_LXR;
	}
	keep = run_keep_text(&o);
	r = rt_container_create(&o.plan.spec, root, &err);
	if (r < 0) {
		lxr_err_print(&err);
		run_cidfile_drop(&o);
		run_opts_free(&o);
		return EXIT_LXR;
	}
	run_keep_write(o.name, keep);
	run_keep_created(&o);
	printf("%s\n", o.name);
	run_opts_free(&o);
	return 0;
}

static int compose_run(int argc, char **argv)
{
	struct run_opts o;
	int r = compose_run_prepare(argc, argv, &o);

	if (r == 0 && o.detach) {
		/* its secrets' files stay while it runs: the project's run
		 * directory holds them until its down */
		r = run_detached(&o);
	} else if (r == 0) {
		cli_signals_hold();
		r = run_foreground(&o);
		compose_run_finish(&o);
	}
	run_opts_free(&o);
	return r < 0 ? LXR_EXIT_OK : r;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	lxr_err err;
	int r;

	/* docker compose's run, not docker's: as push tells them apart */
	if (cli_globals.compose || cli_globals.file || cli_globals.project)
		return compose_run(argc, argv);
	r = run_opts_parse(argc, argv, &o, &err);
	if (r != 0) {
		if (r < 0)
			lxr_err_print(&err);
		run_opts_free(&o);
		return r > 0 ? 0 : r == RUN_OPTS_NOT_TTY ? 1 : EXIT_LXR;
	}
	/* Held from here, delivered to the container once it runs. */
	cli_signals_hold();
	lxr_debug("arguments parsed");
	r = o.detach ? run_detached(&o) : run_foreground(&o);
	if (!o.detach)
		run_anon_volumes_drop(&o);
	run_opts_free(&o);
	lxr_debug("exit %d", r);
	return r;
}
