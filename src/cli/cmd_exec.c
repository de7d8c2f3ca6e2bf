/* lxr exec: a command inside a running container, with its environment,
 * user, capabilities and working directory unless told otherwise. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "config/text.h"
#include "lxr/config.h"
#include "lxr/plan.h"
#include "lxr/runtime.h"

struct exec_opts {
	bool interactive, tty, no_tty, detach, privileged;
	bool service; /* find: the name is a stack's service, not an `lxr run` one */
	long index;   /* --index: which instance of the service (0: the first) */
	const char *user, *workdir, *project, *file;
	char **env;
	char **env_files; /* --env-file's, before -e's, as docker merges them */
};

static const char *caller_env(const char *name, void *ctx)
{
	(void)ctx;
	return getenv(name);
}

/* --env-file: docker's syntax, read by the loader's parser of compose's
 * `format: raw` */
static int env_file(struct exec_opts *o, const char *path)
{
	_cleanup_free_ char *text = NULL;
	struct cfg_text_diag d = {0};
	struct cfg_env env = {0};
	size_t len;
	lxr_err err;

	if (lxr_read_file_at(AT_FDCWD, path, &text, &len, &err) < 0) {
		lxr_err_wrap(&err, "--env-file");
		lxr_err_print(&err);
		return -1;
	}
	if (cfg_env_raw_parse(text, len, caller_env, NULL, &env, &d) < 0) {
		fprintf(stderr, "lxr: error: --env-file %s:%d:%d: %s\n", path, d.line, d.col,
			d.msg);
		return -1;
	}
	for (size_t i = 0; i < env.n; i++)
		lxr_strv_push(&o->env_files, lxr_xasprintf("%s=%s", env.v[i].key, env.v[i].value));
	cfg_env_free(&env);
	return 0;
}

static int parse(int argc, char **argv, struct exec_opts *o)
{
	static const struct option longopts[] = {
	    {"interactive", no_argument, NULL, 'i'},
	    {"tty", no_argument, NULL, 't'},
	    {"no-TTY", no_argument, NULL, 'T'},
	    {"index", required_argument, NULL, 'n'},
	    {"no-tty", no_argument, NULL, 'T'},
	    {"user", required_argument, NULL, 'u'},
	    {"env", required_argument, NULL, 'e'},
	    {"workdir", required_argument, NULL, 'w'},
	    {"help", no_argument, NULL, 'h'},
	    {"project-name", required_argument, NULL, 'p'},
	    {"file", required_argument, NULL, 'F'},
	    {"detach", no_argument, NULL, 'd'},
	    {"privileged", no_argument, NULL, 'P'},
	    {"env-file", required_argument, NULL, 'E'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	cli_globals_apply(&o->file, &o->project);
	optind = 1;
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "+itTdu:e:w:p:f:", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': o->project = optarg; break;
		case 'f':
		case 'F':
			if (cli_set_file(&o->file, optarg) < 0)
				return -1;
			break;
		case 'i': o->interactive = true; break;
		case 't': o->tty = true; break;
		case 'T': o->no_tty = true; break;
		case 'd': o->detach = true; break;
		case 'P': o->privileged = true; break;
		case 'n':
			if (cli_parse_index(optarg, &o->index) < 0)
				return -1;
			break;
		case 'u': o->user = optarg; break;
		case 'w': o->workdir = optarg; break;
		case 'e':
			if (!optarg[0] || optarg[0] == '=') {
				fprintf(stderr,
					"lxr: error: -e \"%s\": expected KEY=VALUE or KEY\n",
					optarg);
				return -1;
			}
			/* docker: KEY alone is the caller's value, or nothing */
			if (strchr(optarg, '='))
				lxr_strv_push(&o->env, lxr_xstrdup(optarg));
			else if (getenv(optarg))
				lxr_strv_push(&o->env,
					      lxr_xasprintf("%s=%s", optarg, getenv(optarg)));
			break;
		case 'E':
			if (env_file(o, optarg) < 0)
				return -1;
			break;
		case 'h': fputs(cli_help("exec"), stdout); return 1;
		default: cli_bad_option(argv[optind - 1], longopts, cli_help("exec")); return -1;
		}
	}
	if (argc - optind < 2) {
		fputs(cli_help("exec"), stderr);
		return -1;
	}
	for (size_t i = 0; o->env && o->env[i]; i++)
		lxr_strv_push(&o->env_files, o->env[i]);
	free(o->env);
	o->env = o->env_files;
	o->env_files = NULL;
	return 0;
}

/* The process exec starts: the container's own (its environment, user,
 * capabilities, working directory) with the command and what the options
 * change, and the caller's stdio decided. */
static int exec_process(struct exec_opts *o, struct lxr_container_ref *ref, char **cmd,
			lxr_err *err)
{
	struct lxr_spec *p = &ref->process;

	/* compose's exec: stdin always (`exec -T db psql < dump.sql`), a
	 * terminal when there is one to give, unless -T (docker exec, for
	 * `lxr run` ones: only with -i and -t) */
	if (o->service)
		o->interactive = true;
	if (o->service && !o->no_tty && isatty(STDIN_FILENO))
		o->tty = true;
	if (o->no_tty || o->detach)
		o->tty = false;
	/* -d: nothing of the caller's stdio; the container's /dev/null */
	if (o->detach)
		o->interactive = false;
	p->args = lxr_strv_dup(cmd);
	p->terminal = o->tty;
	if (o->tty)
		rt_console_size_from_tty(p);
	for (size_t i = 0; o->env && o->env[i]; i++)
		lxr_strv_setenv(&p->env, o->env[i]);
	if (o->tty)
		lxr_strv_setenv(&p->env, "TERM=xterm");
	if (o->workdir) {
		free(p->cwd);
		p->cwd = lxr_xstrdup(o->workdir);
	}
	if (o->user) {
		/* names resolve in the container's own /etc/passwd */
		_cleanup_free_ char *rootfs = lxr_xasprintf("/proc/%d/root", (int)ref->pid);
		if (rt_user_resolve(rootfs, o->user, p, err) < 0)
			return -1;
		rt_caps_for_user(&p->caps, p->uid);
	}
	if (o->privileged) {
		/* docker: all capabilities, for a root or a non-root user alike;
		 * the container's seccomp filter, not one built for them (the
		 * default profile opens mount, bpf, module loading... to a
		 * process holding the capabilities they need) */
		p->seccomp_caps = p->caps.bounding;
		p->seccomp_caps_set = true;
		p->caps.bounding = rt_caps_privileged();
		p->caps.effective = p->caps.permitted = p->caps.bounding;
	}
	return 0;
}

static int exec_in(struct exec_opts *o, const char *name, char **cmd)
{
	_cleanup_free_ char *inst = NULL;
	struct lxr_container_ref ref;
	struct lxr_stdio io = {.fds = {-1, -1, -1}};
	struct lxr_pipes pipes = {.child = {-1, -1, -1}, .in = -1, .out = -1, .err = -1};
	pid_t pid;
	int pidfd, st, r;
	lxr_err err;

	/* compose's and docker's exec of a service or container that is not
	 * running: an error of the request, exit 1 (125 is lxr's own failure
	 * to start the process) */
	if (cli_container_find(o->file, o->project, o->index, name, &ref, &inst, &o->service,
			       &err) < 0) {
		lxr_err_print(&err);
		return LXR_EXIT_FAIL;
	}
	if (exec_process(o, &ref, cmd, &err) < 0) {
		lxr_err_print(&err);
		rt_container_ref_free(&ref);
		return 125;
	}
	/* docker's stdio: a PTY with -t, pipes without; the process in the
	 * container never holds a descriptor of the caller's files */
	if (!o->tty && !o->detach && rt_pipes_open(&pipes, o->interactive, &err) < 0) {
		lxr_err_print(&err);
		rt_container_ref_free(&ref);
		return 125;
	}
	memcpy(io.fds, pipes.child, sizeof(io.fds));
	io.detach = o->detach;
	r = rt_exec_in(ref.pidfd, ref.cgroup_group, ref.id, &ref.process, &io, &pid, &pidfd, &err);
	rt_pipes_close_child(&pipes);
	rt_container_ref_free(&ref);
	if (r < 0) {
		rt_pipes_close(&pipes);
		lxr_err_print(&err);
		return r == -126 ? 126 : r == -127 ? 127 : 125;
	}
	if (o->detach) {
		/* not reaped: once lxr exits, the container's init adopts it */
		close(pidfd);
		return 0;
	}
	rt_attach(pidfd, io.pty_master, o->interactive, &pipes, &err);
	rt_pipes_close(&pipes);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (io.pty_master >= 0)
		close(io.pty_master);
	close(pidfd);
	return rt_container_exit_code(st);
}

int cmd_exec(int argc, char **argv)
{
	struct exec_opts o = {0};
	int r = parse(argc, argv, &o);

	if (r != 0) {
		lxr_strv_free(o.env);
		return r > 0 ? 0 : 125;
	}
	cli_signals_hold();
	r = exec_in(&o, argv[optind], argv + optind + 1);
	lxr_strv_free(o.env);
	return r;
}
