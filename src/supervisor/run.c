/* `lxr run -d`: one container under a supervisor of its own, a
 * one-instance project run by the same code as a stack's: its restart
 * policy and backoff, its health check, its log (CRI format, rotated) and
 * a control socket. What is a run container's own is where things are:
 *
 *   <run_dir>/_run/NAME          the container (where exec, ps and rm look)
 *   <run_dir>/_run-sup/NAME/     the supervisor: lock, control.sock,
 *                                events.jsonl, supervisor.log
 *   <log_dir>/_run/NAME.log      its output
 *
 * and its end: the supervisor goes when its container has ended for good
 * (the policy gives up, or `lxr stop`), taking the container's endpoint
 * and its own directory with it; the container's directory stays for
 * `lxr rm`, as docker keeps a stopped container, unless --rm. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lxr/net.h"
#include "lxr/supervisor.h"
#include "supervisor/sup.h"

char *sup_run_dir_of(const char *name)
{
	return lxr_xasprintf("%s/_run-sup/%s", lxr_run_dir(), name);
}

/* A run container's supervisor directory, lock last (a killed supervisor
 * could not remove it itself). */
static void remove_dir(const char *dir)
{
	/* rootless: its network namespace and pasta (src/net/pasta.c) */
	if (lxr_rootless_uid() >= 0)
		net_rootless_leave(dir);
	for (const char *f = "control.sock\0events.jsonl\0supervisor.log\0supervisor.lock\0"; *f;
	     f += strlen(f) + 1) {
		_cleanup_free_ char *path = lxr_xasprintf("%s/%s", dir, f);
		unlink(path);
	}
	rmdir(dir);
}

void sup_run_remove_logs(const char *name)
{
	_cleanup_free_ char *log = lxr_xasprintf("%s/_run/%s.log", lxr_log_dir(), name);

	unlink(log);
	for (int i = 1; i < 1000; i++) {
		_cleanup_free_ char *old = lxr_xasprintf("%s.%d", log, i);
		if (unlink(old) < 0 && errno == ENOENT)
			break;
	}
}

int sup_run_wait(const char *name, int timeout_ms, lxr_err *err)
{
	_cleanup_free_ char *dir = sup_run_dir_of(name);
	_cleanup_free_ char *lock = lxr_xasprintf("%s/supervisor.lock", dir);

	for (int waited = 0;; waited += 20) {
		int fd = open(lock, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return 0; /* gone: it removed its directory */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			/* a supervisor killed before its end left these */
			remove_dir(dir);
			close(fd);
			return 0;
		}
		close(fd);
		if (waited >= timeout_ms)
			return lxr_fail(err, ETIMEDOUT,
					"container %s: its supervisor is still there after %d s",
					name, timeout_ms / 1000);
		usleep(20000);
	}
}

static void record_write(int dfd, const char *name, json_t *rec)
{
	char *text = json_dumps(rec, JSON_COMPACT);
	lxr_err err;

	json_decref(rec);
	if (dfd >= 0 && text &&
	    lxr_write_file_replace(dfd, name, text, strlen(text), 0600, &err) < 0)
		lxr_err_print(&err);
	free(text);
}

/* A kept container's last records (ps's: its exit code, image, command,
 * times; inspect's), for what asks once its supervisor is gone: lxr ps,
 * wait, inspect */
static void record_exit(struct sup *s, struct sup_instance *in)
{
	_cleanup_free_ char *dir = lxr_xasprintf("%s/%s", s->state_root, in->name);
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	json_t *rec = sup_instance_json(s, in), *ins = sup_inspect_json(s, in), *st;

	json_object_set_new(rec, "state", json_string("exited"));
	json_object_set_new(rec, "pid", json_integer(0));
	record_write(dfd, SUP_RUN_EXITED, rec);
	if ((st = json_object_get(ins, "State"))) {
		json_object_set_new(st, "Status", json_string("exited"));
		json_object_set_new(st, "Running", json_false());
		json_object_set_new(st, "Pid", json_integer(0));
	}
	record_write(dfd, SUP_RUN_INSPECT, ins);
}

/* The end of a run container's supervisor: its endpoint (and the network
 * with it, when it was the last there), with --rm the container's
 * directory, then its own directory, lock last. */
static void finish(struct sup *s, bool rm, bool again)
{
	struct sup_instance *in = &s->svcs[0].inst[0];
	/* a container that never ran here (its name was taken after all) is
	 * not this supervisor's to take apart; one started again that never
	 * ran keeps the records of its last run */
	bool ran = again ? in->started_ns != 0 : in->plan.spec.reuse_dir;
	lxr_err err;

	if (in->net_joined && sup_net_detach(s, in, &err) < 0)
		lxr_err_print(&err);
	if (!rm && ran)
		record_exit(s, in);
	if (rm && ran) {
		_cleanup_free_ char *dir = lxr_xasprintf("%s/%s", s->state_root, in->name);
		struct lxr_cgroup *cg = NULL;
		if (rt_cgroup_open(in->plan.spec.cgroup_group, in->name, &cg, &err) == 0 &&
		    rt_cgroup_destroy(cg, &err) < 0)
			lxr_err_print(&err);
		if (lxr_rm_rf(dir, &err) < 0)
			lxr_err_print(&err);
		sup_run_remove_logs(in->name);
	}
	remove_dir(s->run_dir);
}

static int supervise(struct sup *s, int lockfd, int ready_fd, bool rm, bool again)
{
	struct sup_opts so = {.detached = true, .ready_fd = ready_fd, .exit_when_done = true};
	lxr_err err;
	int r;

	s->ready_fd = ready_fd;
	if (lxr_rootless_uid() >= 0 && sup_rootless_net(s, &err) < 0) {
		sup_fatal(s, &err);
		finish(s, rm, again);
		return 1;
	}
	r = sup_serve(s, &so, lockfd);
	finish(s, rm, again);
	return r;
}

bool sup_run_alive(const char *name)
{
	_cleanup_free_ char *dir = sup_run_dir_of(name);
	_cleanup_free_ char *lock = lxr_xasprintf("%s/supervisor.lock", dir);
	int fd = open(lock, O_RDWR | O_CLOEXEC);
	bool held;

	if (fd < 0)
		return false;
	held = flock(fd, LOCK_SH | LOCK_NB) < 0;
	close(fd);
	return held;
}

/* A paused (frozen) container takes no SIGKILL on cgroup v1: thawed
 * first, so that its parent-death signal ends it. */
static void thaw_run(const char *name)
{
	struct lxr_cgroup *cg = NULL;
	lxr_err err;

	if (rt_cgroup_open("_run", name, &cg, &err) == 0) {
		if (rt_cgroup_frozen(cg))
			rt_cgroup_freeze(cg, false, &err);
		rt_cgroup_free(cg);
	}
}

int sup_run_kill(const char *name, lxr_err *err)
{
	_cleanup_free_ char *dir = sup_run_dir_of(name);
	_cleanup_free_ char *lock = lxr_xasprintf("%s/supervisor.lock", dir);
	int fd = open(lock, O_RDWR | O_CLOEXEC);
	char buf[32] = "";
	pid_t pid;

	if (fd < 0)
		return 0;
	thaw_run(name);
	/* held: the pid in it is the holder's (written under the lock) */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 && pread(fd, buf, sizeof(buf) - 1, 0) > 0 &&
	    (pid = (pid_t)atoi(buf)) > 1)
		kill(pid, SIGKILL); /* its container dies with it (parent-death signal) */
	close(fd);
	return sup_run_wait(name, 10000, err);
}

/* What the waiting CLI reads from the ready pipe: start errors whole, and
 * the exit code docker run gives a container that cannot start (125 for
 * lxr's own failure, 126 not executable, 127 not found). */
static int wait_started(const char *name, int fd)
{
	FILE *f = fdopen(fd, "r");

	if (!f)
		close(fd);
	char *line = NULL;
	size_t len = 0;
	int code = 0, failed_exit = 0;
	bool got_result = false;

	while (f && getline(&line, &len, f) > 0) {
		const char *x;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == 'R') {
			got_result = true;
			code = atoi(line + 2);
			break;
		}
		if (line[0] == 'F' || line[0] == 'E') {
			const char *j = line[0] == 'F' ? line + 2 : strchr(line + 2, ' ');
			json_t *o = j ? json_loads(j, 0, NULL) : NULL;
			lxr_err err;
			sup_err_from_json(o, &err);
			json_decref(o);
			lxr_err_print(&err);
			code = 1;
		} else if (line[0] == 'P' && (x = strstr(line, "Failed (exit "))) {
			failed_exit = atoi(x + 13);
		}
	}
	free(line);
	if (f)
		fclose(f);
	if (!got_result && !code)
		fprintf(stderr, "lxr: error: container %s: its supervisor exited during start-up\n",
			name);
	if (!got_result || code)
		return failed_exit >= 126 ? failed_exit : 125;
	return 0;
}

/* A container of that name (running in the foreground, or stopped and
 * kept for `lxr rm`) is another's: refused before anything is made;
 * again, it is the stopped one started again, and must be there */
static int name_free(const char *state_root, const char *name, bool again, lxr_err *err)
{
	_cleanup_free_ char *dir = lxr_xasprintf("%s/%s", state_root, name);
	struct stat sb;

	if (again && lstat(dir, &sb) < 0)
		return lxr_fail(err, errno, "container %s (%s)", name, dir);
	if (!again && lstat(dir, &sb) == 0)
		return lxr_fail(err, EEXIST, "container name \"%s\" is in use (%s)", name, dir),
		       lxr_err_hint(err, "pick another --name, or `lxr rm -f %s`", name);
	return 0;
}

int sup_run_detached(struct cfg_stack *st, const char *service, const struct img_image *img,
		     struct plan_instance *plan, bool rm, bool again)
{
	const char *one[] = {service, NULL};
	struct sup s = {.term = {{.w.fd = -1}, {.w.fd = -1}}, .ready_fd = -1};
	struct plan_select sel = {.targets = service ? one : NULL, .no_deps = service != NULL};
	struct plan_graph *g = NULL;
	_cleanup_free_ char *name = lxr_xstrdup(plan->name);
	int p[2], lockfd = -1, r = 125;
	pid_t pid;
	lxr_err err;

	s.run_dir = sup_run_dir_of(name);
	s.state_root = lxr_xasprintf("%s/%s", lxr_run_dir(), st->project);
	if (name_free(s.state_root, name, again, &err) < 0)
		goto fail;
	s.log_dir = lxr_xasprintf("%s/%s", lxr_log_dir(), st->project);
	s.log_name = name;
	s.docker_run = service == NULL;
	s.auto_remove = rm;
	if (plan_graph_build(st, &sel, &g, &err) < 0 || sup_build_one(&s, st, g, plan, &err) < 0)
		goto fail;
	if (img) {
		s.svcs[0].img = lxr_xcalloc(1, sizeof(*s.svcs[0].img));
		img_image_copy(s.svcs[0].img, img);
	}
	lockfd = sup_project_lock(s.run_dir, false, &err);
	/* started again by another start this moment: nothing left to do */
	if (lockfd < 0 && again && err.errnum == EWOULDBLOCK) {
		r = 0;
		goto out;
	}
	if (lockfd < 0) {
		if (err.errnum == EWOULDBLOCK)
			lxr_fail(&err, EEXIST, "container name \"%s\" is in use", name),
			    lxr_err_hint(&err, "pick another --name, or `lxr rm -f %s`", name);
		goto fail;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		lxr_fail(&err, errno, "start the supervisor of %s (pipe)", name);
		goto fail;
	}
	if ((pid = fork()) < 0) {
		lxr_fail(&err, errno, "start the supervisor of %s (fork)", name);
		close(p[0]);
		close(p[1]);
		goto fail;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		_cleanup_free_ char *log = lxr_xasprintf("%s/supervisor.log", s.run_dir);
		int lf = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		close(p[0]);
		setsid();
		dup2(null, STDIN_FILENO);
		dup2(lf >= 0 ? lf : null, STDOUT_FILENO);
		dup2(lf >= 0 ? lf : null, STDERR_FILENO);
		lxr_set_proc_title("lxr-supervisor");
		_exit(supervise(&s, lockfd, p[1], rm, again));
	}
	close(p[1]);
	close(lockfd);
	r = wait_started(name, p[0]);
	goto out;
fail:
	lxr_err_print(&err);
	if (lockfd >= 0) {
		_cleanup_free_ char *lock = lxr_xasprintf("%s/supervisor.lock", s.run_dir);
		unlink(lock);
		close(lockfd);
		rmdir(s.run_dir);
	}
out:
	sup_free(&s);
	plan_graph_free(g);
	return r;
}

json_t *sup_run_inspect(struct cfg_stack *st, const struct img_image *img,
			struct plan_instance *plan, const struct sup_run_seen *seen, lxr_err *err)
{
	struct sup s = {.term = {{.w.fd = -1}, {.w.fd = -1}}, .ready_fd = -1};
	struct plan_select sel = {0};
	struct plan_graph *g = NULL;
	struct sup_instance *in;
	struct lxr_endpoint ep;
	json_t *o = NULL, *state;
	lxr_err ignored;

	s.run_dir = sup_run_dir_of(plan->name);
	s.state_root = lxr_xasprintf("%s/%s", lxr_run_dir(), st->project);
	s.log_dir = lxr_xasprintf("%s/%s", lxr_log_dir(), st->project);
	s.docker_run = true;
	if (plan_graph_build(st, &sel, &g, err) < 0 || sup_build_one(&s, st, g, plan, err) < 0)
		goto out;
	in = &s.svcs[0].inst[0];
	if (img) {
		s.svcs[0].img = lxr_xcalloc(1, sizeof(*s.svcs[0].img));
		img_image_copy(s.svcs[0].img, img);
	}
	in->fsm.state = seen->pid ? SVC_RUNNING : SVC_EXITED;
	in->fsm.started_at = 1;
	in->fsm.last_exit = seen->exit_code;
	in->created_at = seen->started;
	in->started_ns = seen->started * 1000000000LL;
	in->finished_ns = seen->finished * 1000000000LL;
	/* its ports as published: a host port the net layer picked */
	if (seen->pid && in->plan.net.network &&
	    net_endpoint_get(lxr_run_dir(), st->project, in->plan.spec.id, &ep, &ignored) == 0) {
		in->ports = lxr_steal_ptr(&ep.ports);
		in->n_ports = ep.n_ports;
		net_endpoint_free(&ep);
	}
	o = sup_inspect_json(&s, in);
	/* no supervisor holds it: what the caller saw of its init */
	if ((state = json_object_get(o, "State"))) {
		json_object_set_new(state, "Running", json_boolean(seen->pid > 0));
		json_object_set_new(state, "Pid", json_integer(seen->pid));
	}
	/* its output went to its `lxr run`'s terminal, into no file of lxr's */
	json_object_set_new(o, "LogPath", json_string(""));
	*plan = in->plan;
	memset(&in->plan, 0, sizeof(in->plan));
out:
	sup_free(&s);
	plan_graph_free(g);
	return o;
}
