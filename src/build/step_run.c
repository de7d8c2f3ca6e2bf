/* RUN: the command in a container of lxr's runtime over the stage's
 * layers, with the build's network (lxr run's default bridge unless
 * --network says otherwise) and the step's --mount mounts; the overlay's
 * upper directory becomes the step's layer. What a step makes on the
 * system (its endpoint on the bridge, its mounts, its container) is
 * removed when it ends, failed or not; a SIGINT or SIGTERM meanwhile goes
 * to the step's command (it ends, and the build with it), never leaves
 * them behind. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build/build_internal.h"
#include "lxr/net.h"
#include "lxr/plan.h"
#include "lxr/runtime.h"

static char **run_env(const struct bld_config *c)
{
	char **env = c->img.env ? lxr_strv_dup(c->img.env) : lxr_xcalloc(1, sizeof(char *));
	bool path = false;

	for (size_t i = 0; env[i]; i++)
		path |= lxr_str_has_prefix(env[i], "PATH=");
	/* docker: build args are the step's environment, ENV wins */
	for (size_t i = 0; c->args && c->args[i]; i++) {
		size_t n = strcspn(c->args[i], "=");
		bool set = false;
		for (size_t k = 0; env[k]; k++)
			set |= !strncmp(env[k], c->args[i], n + 1);
		if (!set)
			lxr_strv_push(&env, lxr_xstrdup(c->args[i]));
	}
	if (!path)
		lxr_strv_push(&env, lxr_xstrdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
						"/usr/bin:/sbin:/bin"));
	return env;
}

/* the shell form with heredocs: the shell gets the command and the
 * bodies, as BuildKit hands them over; `RUN <<EOF` alone runs the body */
static char **run_args(const struct bld_config *c, const struct df_instr *in)
{
	if (in->json)
		return lxr_strv_dup(in->args);
	/* quoted or not, the body runs as written: the shell it runs in does
	 * the expanding (BuildKit's MustParseHeredoc of the whole command) */
	if (in->n_heredocs == 1 && df_heredoc_word(&in->heredocs[0], in->args[0]))
		return bld_config_shell_args(c, in->heredocs[0].body);
	if (!in->n_heredocs)
		return bld_config_shell_args(c, in->args[0]);
	char *script = lxr_xstrdup(in->args[0]);
	for (size_t i = 0; i < in->n_heredocs; i++) {
		char *n =
		    lxr_xasprintf("%s\n%s%s", script, in->heredocs[i].body, in->heredocs[i].name);
		free(script);
		script = n;
	}
	char **v = bld_config_shell_args(c, script);
	free(script);
	return v;
}

/* RUN --network against lxr build --network: default is the build's */
static int step_network(struct bldx_run *r, const struct df_instr *in, enum bld_network *out,
			lxr_err *err)
{
	const char *net = bldx_flag(in, "network");
	int n = net ? bld_network_parse(net) : BLD_NET_DEFAULT;

	if (n < 0)
		return bldx_fail(err, r->o->f, in, "RUN --network=%s: takes default, none or host",
				 net);
	*out = n == BLD_NET_DEFAULT ? r->o->network : (enum bld_network)n;
	if (*out == BLD_NET_HOST && r->o->network != BLD_NET_HOST)
		return bldx_fail(err, r->o->f, in,
				 "RUN --network=host needs lxr build --network=host"),
		       lxr_err_hint(err, "allow the host's network to the build explicitly, as "
					 "docker's builder asks for network.host");
	return 0;
}

/* the step joins lxr run's default bridge, as docker's builder joins
 * docker's: an endpoint of its own (an address, NAT out, the host's
 * resolver), removed by step_net_leave */
static int step_net_join(const struct bld_opts *o, const char *name, struct lxr_spec *spec,
			 lxr_err *err)
{
	struct lxr_net_config nc = {.name = NET_RUN_DEFAULT, .ephemeral = true};
	char *names[] = {spec->hostname, NULL};
	struct lxr_endpoint_config ec = {.network = NET_RUN_DEFAULT,
					 .container = name,
					 .names = names,
					 .extra_hosts = o->extra_hosts,
					 .holder = getpid(),
					 .create = &nc};
	struct lxr_endpoint ep;

	if (net_endpoint_add(lxr_run_dir(), NET_RUN_PROJECT, &ec, &ep, err) < 0)
		return lxr_err_wrap(err, "join the %s bridge", NET_RUN_DEFAULT);
	plan_spec_join_endpoint(spec, ep.netns_path, ep.hosts_path, ep.resolv_path);
	net_endpoint_free(&ep);
	return 0;
}

static void step_net_leave(const char *name)
{
	lxr_err e2;

	if (net_endpoint_remove(lxr_run_dir(), NET_RUN_PROJECT, name, &e2) < 0)
		lxr_err_print(&e2);
}

static char *step_key(const struct bld_opts *o, struct bldx_stage *s, const struct df_instr *in,
		      const char *mounts)
{
	char key[72];
	_cleanup_free_ char *bodies = lxr_xstrdup(mounts);

	for (size_t i = 0; i < in->n_heredocs; i++) {
		char *n = lxr_xasprintf("%s%s\n", bodies, in->heredocs[i].body);
		free(bodies);
		bodies = n;
	}
	/* the rlimits are the step's, as BuildKit keys its ulimits: another
	 * limit runs the step again (none: the key is as it always was); each
	 * resource's last value, the one in force, so neither their order nor
	 * a repeat changes the key */
	for (int res = 0; res < RLIM_NLIMITS; res++) {
		const struct lxr_rlimit *last = NULL;
		for (size_t i = 0; i < o->n_rlimits; i++)
			if (o->rlimits[i].resource == res)
				last = &o->rlimits[i];
		if (!last)
			continue;
		char *n =
		    lxr_xasprintf("%sulimit %d=%llu:%llu\n", bodies, res,
				  (unsigned long long)last->soft, (unsigned long long)last->hard);
		free(bodies);
		bodies = n;
	}
	bldx_key(key, s->key, in->original, s->cfg.args, bodies);
	return lxr_xstrdup(key);
}

/* the step's container: start, its output to stderr (stdout carries only
 * the image ID, as docker's builder has it), its exit code */
/* a stage built beside others (r->tag): its command's output goes through
 * a small process that puts the stage's tag before each line, so lines of
 * stages side by side stay apart; it ends at the pipe's end. -1: none */
static pid_t tagger_start(const char *tag, int *wfd)
{
	int p[2];
	pid_t pid;

	if (!tag || !*tag || pipe2(p, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		char buf[4096];
		bool bol = true;
		ssize_t n;
		/* it drains what the step wrote, whatever the build gets */
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		close(p[1]);
		while ((n = read(p[0], buf, sizeof(buf))) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				break;
			for (ssize_t i = 0; i < n; i++) {
				if (bol)
					fputs(tag, stderr);
				fputc(buf[i], stderr);
				bol = buf[i] == '\n';
			}
			fflush(stderr);
		}
		_exit(0);
	}
	close(p[0]);
	*wfd = p[1];
	return pid;
}

/* the step's container: start, its output to stderr (stdout carries only
 * the image ID, as docker's builder has it), its exit code */
static int step_container(struct bldx_run *r, const struct df_instr *in, struct lxr_spec *spec,
			  const char *root, struct lxr_container **c, int *code, lxr_err *err)
{
	struct lxr_stdio io = {.fds = {-1, -1, -1}, .pty_master = -1};
	struct lxr_pipes pipes = {.child = {-1, -1, -1}, .in = -1, .out = -1, .err = -1};
	int rc, wfd = -1;

	if (lxr_mkdir_p(root, 0700, err) < 0 || rt_pipes_open(&pipes, false, err) < 0)
		return -1;
	memcpy(io.fds, pipes.child, sizeof(io.fds));
	fprintf(stderr, "#%d %s%s\n", r->n_layers, r->tag ? r->tag : "", in->original);
	rc = rt_container_start(spec, root, &io, c, err);
	rt_pipes_close_child(&pipes);
	if (rc < 0) {
		rt_pipes_close(&pipes);
		return bldx_fail(err, r->o->f, in, "RUN: %s", err->msg);
	}
	pid_t tagger = tagger_start(r->tag, &wfd);
	fflush(NULL);
	int saved = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	int saved_err = wfd >= 0 ? fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3) : -1;
	if (saved >= 0)
		dup2(wfd >= 0 ? wfd : STDERR_FILENO, STDOUT_FILENO);
	if (saved_err >= 0)
		dup2(wfd, STDERR_FILENO);
	*code = rt_container_exit_code(rt_container_attach(*c, -1, false, &pipes, err));
	fflush(NULL);
	if (saved >= 0) {
		dup2(saved, STDOUT_FILENO);
		close(saved);
	}
	if (saved_err >= 0) {
		dup2(saved_err, STDERR_FILENO);
		close(saved_err);
	}
	if (wfd >= 0)
		close(wfd);
	if (tagger > 0)
		while (waitpid(tagger, NULL, 0) < 0 && errno == EINTR)
			;
	rt_pipes_close(&pipes);
	return 0;
}

static void spec_for(struct bldx_stage *s, const struct df_instr *in, struct lxr_spec *spec,
		     const char *id)
{
	rt_spec_init_defaults(spec);
	/* a step's writable layer becomes the image's: its files keep the
	 * ids the step gave them, not a user namespace range's ([userns]) */
	memset(&spec->userns, 0, sizeof(spec->userns));
	spec->id = lxr_xstrdup(id);
	spec->cgroup_group = lxr_xstrdup("_build");
	spec->hostname = lxr_xstrdup("lxr-build");
	spec->lower_dirs = bldx_lowers(s);
	spec->args = run_args(&s->cfg, in);
	spec->env = run_env(&s->cfg);
	free(spec->cwd);
	spec->cwd = lxr_xstrdup(s->cfg.img.workdir ? s->cfg.img.workdir : "/");
}

/* the step, once its network and mounts are settled and nothing of it is
 * cached: SIGINT, SIGTERM and SIGHUP wait (blocked) while it holds an
 * endpoint or mounts outside its container, so no signal can end lxr in
 * between; while the command runs they go to it (rt_container_attach's
 * signalfd takes what is pending), and it ends the build. */
static int step_exec(struct bldx_run *r, struct bldx_stage *s, const struct df_instr *in,
		     enum bld_network net, struct bldx_mounts *m, char *key, lxr_err *err)
{
	_cleanup_free_ char *root = lxr_xasprintf("%s/containers", r->o->work);
	_cleanup_free_ char *id = lxr_xasprintf("build-%d-%d", (int)getpid(), r->n_layers);
	_cleanup_free_ char *layer = NULL, *upper = NULL;
	struct lxr_spec spec;
	struct lxr_container *c = NULL;
	bool joined = false;
	int code = -1, rc = -1;
	sigset_t block, old;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	spec_for(s, in, &spec, id);
	/* one that came between the last check and the block */
	if (bldx_stop_signal()) {
		lxr_fail(err, EINTR, "the build was interrupted");
		goto out;
	}
	if (net == BLD_NET_HOST) {
		/* the build process's own namespace: the host's */
		spec.ns[LXR_NS_NET].create = false;
		spec.ns[LXR_NS_NET].join_path = lxr_xstrdup("/proc/self/ns/net");
	}
	if (bldx_run_extras(r, &spec, net, err) < 0) {
		bldx_fail(err, r->o->f, in, "RUN: %s", err->msg);
		goto out;
	}
	if (rt_spec_apply_user(&spec, s->cfg.img.user, NULL, err) < 0) {
		bldx_fail(err, r->o->f, in, "RUN as USER %s: %s", s->cfg.img.user, err->msg);
		goto out;
	}
	if (bldx_mounts_apply(r, s, in, m, &spec, err) < 0)
		goto out;
	for (size_t i = 0; m->env && m->env[i]; i++)
		lxr_strv_push(&spec.env, lxr_xstrdup(m->env[i]));
	spec.secret_env = m->env != NULL;
	if (net == BLD_NET_DEFAULT) {
		if (step_net_join(r->o, id, &spec, err) < 0) {
			bldx_fail(err, r->o->f, in, "RUN: %s", err->msg);
			goto out;
		}
		joined = true;
	}
	if (step_container(r, in, &spec, root, &c, &code, err) < 0)
		goto out;
	upper = lxr_xasprintf("%s/upper", rt_container_dir(c));
	if (code != 0) {
		bldx_fail(err, r->o->f, in, "%s: exit code %d", in->original, code);
		goto out;
	}
	bldx_mounts_tidy(m, upper);
	bldx_run_extras_undo(r->o, upper);
	layer = lxr_xasprintf("%s/layers/%d", r->o->work, r->n_layers++);
	if (rename(upper, layer) < 0) {
		lxr_fail(err, errno, "move the RUN layer %s to %s", upper, layer);
		goto out;
	}
	rc = 0;
out:
	if (c) {
		lxr_err e2;
		if (rt_container_destroy(c, true, &e2) < 0)
			lxr_err_print(&e2);
	}
	if (joined)
		step_net_leave(id);
	for (size_t i = 0; spec.env && spec.env[i]; i++)
		explicit_bzero(spec.env[i], strlen(spec.env[i]));
	plan_spec_free(&spec);
	bldx_mounts_release(m);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (rc < 0)
		return -1;
	if (bldx_cache_put(r, s, key, &layer, err) < 0)
		return -1;
	bldx_step_done(r, s, in, lxr_steal_ptr(&layer), key, false, r->n_layers - 1);
	return 0;
}

int bldx_run_step(struct bldx_run *r, struct bldx_stage *s, const struct df_instr *in, lxr_err *err)
{
	struct bldx_mounts m;
	_cleanup_free_ char *mkey = NULL, *key = NULL;
	enum bld_network net;

	if (!s->base_layers && !s->new_layers)
		return bldx_fail(err, r->o->f, in, "RUN on an empty filesystem (FROM scratch)");
	if (bldx_flag(in, "security"))
		return bldx_fail(err, r->o->f, in,
				 "RUN --security is not supported yet by lxr's builder");
	if (step_network(r, in, &net, err) < 0)
		return -1;
	if (bldx_mounts_parse(r, s, in, &m, &mkey, err) < 0) {
		bldx_mounts_release(&m);
		return -1;
	}
	key = step_key(r->o, s, in, mkey);
	char *hit = bldx_cache_get(r, s, key);
	if (hit) {
		bldx_mounts_release(&m);
		bldx_step_done(r, s, in, hit, key, true, r->n_layers++);
		return 0;
	}
	return step_exec(r, s, in, net, &m, key, err);
}
