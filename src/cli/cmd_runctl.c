/* ps, stop, kill and logs for `lxr run` containers, when no stack file
 * names a project: what a docker user does after `docker run -d`. Each
 * such container is a directory under <run_dir>/_run/ whose state file
 * names its init (rt_container_find); a -d one writes its output, as is, to
 * <log_dir>/_run/NAME.log. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/run_opts.h"
#include "lxr/config.h"
#include "lxr/runtime.h"
#include "lxr/supervisor.h"

static char *run_root(void)
{
	return lxr_xasprintf("%s/_run", lxr_run_dir());
}

int cli_run_call(const char *name, const char *cmd, json_t *args, int timeout_ms, json_t **result,
		 lxr_err *err)
{
	_cleanup_free_ char *dir = sup_run_dir_of(name);
	_cleanup_free_ char *sock = lxr_xasprintf("%s/control.sock", dir);
	struct ctl_conn *c = NULL;
	int r;

	*result = NULL;
	/* a container's name, never a path to another directory's socket */
	if (strchr(name, '/') || name[0] == '.' || !name[0]) {
		json_decref(args);
		return lxr_fail(err, EINVAL, "\"%s\" is not a container name", name);
	}
	if (ctl_connect(sock, &c, err) < 0) {
		json_decref(args);
		return lxr_fail(err, ESRCH, "no such running container: %s", name);
	}
	r = ctl_call(c, cmd, args, timeout_ms, result, err);
	ctl_close(c);
	return r;
}

json_t *cli_run_record(const char *name, const char *file)
{
	_cleanup_free_ char *root = run_root(), *text = NULL;
	_cleanup_close_ int dfd = -1;
	lxr_err ignored;
	size_t len;

	dfd = openat(AT_FDCWD, root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return NULL;
	if (strchr(name, '/') || name[0] == '.' || !name[0])
		return NULL;
	_cleanup_free_ char *rel = lxr_xasprintf("%s/%s", name, file);
	if (lxr_read_file_at(dfd, rel, &text, &len, &ignored) < 0)
		return NULL;
	return json_loads(text, 0, NULL);
}

/* A run -d container's record from its supervisor, as a stack's ps has
 * it (image, command, created, ports, exit code), or the one it left when
 * it ended; NULL without either. */
static json_t *supervised_record(const char *name)
{
	json_t *result = NULL, *rec = NULL;
	lxr_err ignored;

	if (cli_run_call(name, "ps", json_object(), 5000, &result, &ignored) == 0 &&
	    json_array_size(result) == 1)
		rec = json_incref(json_array_get(result, 0));
	json_decref(result);
	return rec ? rec : cli_run_record(name, SUP_RUN_EXITED);
}

/* docker wait NAME: until its supervisor has gone (the container ended
 * for good: a restart policy keeps it), then the exit code it recorded */
static int wait_one(const char *root, const char *name)
{
	struct lxr_container_ref ref;
	json_t *rec;
	lxr_err err;
	int code;

	if (strchr(name, '/') || name[0] == '.' || !name[0]) {
		fprintf(stderr, "lxr: error: wait: \"%s\" is not a container name\n", name);
		return -1;
	}
	while (sup_run_alive(name))
		if (sup_run_wait(name, 3600 * 1000, &err) < 0 && err.errnum != ETIMEDOUT)
			return lxr_err_print(&err), -1;
	rec = cli_run_record(name, SUP_RUN_EXITED);
	if (!rec && rt_container_find(root, name, &ref, &err) == 0) {
		rt_container_ref_free(&ref);
		fprintf(stderr,
			"lxr: error: wait %s: it runs in the foreground of its `lxr run`, which "
			"has its exit code\n",
			name);
		return -1;
	}
	if (!rec) {
		fprintf(stderr,
			"lxr: error: wait %s: no stack file here, and no `lxr run -d` container "
			"of that name\nlxr: hint: see `lxr ps`\n",
			name);
		return -1;
	}
	code = (int)json_integer_value(json_object_get(rec, "exit_code"));
	json_decref(rec);
	printf("%d\n", code);
	return 0;
}

int runctl_wait(char *const *names)
{
	_cleanup_free_ char *root = run_root();

	if (!names || !names[0])
		return cli_run_connect("wait", NULL, NULL);
	/* docker wait: each code in turn; its own status says only whether
	 * it could wait */
	for (size_t i = 0; names[i]; i++) {
		if (wait_one(root, names[i]) < 0)
			return LXR_EXIT_FAIL;
		fflush(stdout);
	}
	return LXR_EXIT_OK;
}

json_t *runctl_foreground_record(const char *name)
{
	_cleanup_free_ char *state = lxr_xasprintf("%s/_run/%s/state", lxr_run_dir(), name);
	json_t *ins, *rec, *cmd, *cfg, *args, *a;
	struct stat st;
	lxr_err ignored;
	size_t i;

	if (sup_run_alive(name) || !(ins = run_keep_inspect(name, &ignored)))
		return NULL;
	if (!json_is_true(json_object_get(json_object_get(ins, "State"), "Running"))) {
		json_decref(ins);
		return NULL;
	}
	cfg = json_object_get(ins, "Config");
	cmd = json_pack("[O]", json_object_get(ins, "Path"));
	args = json_object_get(ins, "Args");
	json_array_foreach(args, i, a) json_array_append(cmd, a);
	int64_t started = stat(state, &st) == 0 ? st.st_mtim.tv_sec : 0;
	rec = json_pack("{s:s, s:s, s:O, s:o, s:O, s:I, s:I, s:I}", "service", name, "instance",
			name, "image", json_object_get(cfg, "Image"), "command", cmd, "ports",
			json_object_get(ins, "Ports"), "exit_code", (json_int_t)-1, "created",
			(json_int_t)started, "uptime_s",
			(json_int_t)(started ? time(NULL) - started : 0));
	json_decref(ins);
	return rec;
}

bool runctl_is_oneoff(const char *name, const char *project, const char *service)
{
	size_t pl = strlen(project), nl = strlen(name);
	const char *svc = name + pl + 1, *tail = name + nl - 17; /* "-run-" and 12 hex */

	if (nl < pl + 1 + 1 + 17 || strncmp(name, project, pl) || name[pl] != '-' ||
	    strncmp(tail, "-run-", 5) || strspn(tail + 5, "0123456789abcdef") != 12)
		return false;
	/* "a-b-web-run-..." is project a-b's or a's: its record tells */
	if (service && service[0])
		return (size_t)(tail - svc) == strlen(service) &&
		       !strncmp(svc, service, tail - svc);
	return tail > svc;
}

json_t *runctl_oneoffs(const char *project)
{
	json_t *all = runctl_ps_records(), *out = json_array(), *rec;
	size_t i;

	json_array_foreach(all, i, rec)
	{
		const char *name = json_string_value(json_object_get(rec, "instance"));
		if (name && runctl_is_oneoff(name, project,
					     json_string_value(json_object_get(rec, "service"))))
			json_array_append(out, rec);
	}
	json_decref(all);
	return out;
}

json_t *runctl_ps_records(void)
{
	_cleanup_free_ char *root = run_root();
	DIR *d = opendir(root);
	struct dirent *de;
	char **names = lxr_xcalloc(1, sizeof(char *));
	size_t n;
	json_t *arr = json_array();

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			lxr_strv_push(&names, lxr_xstrdup(de->d_name));
	if (d)
		closedir(d);
	n = lxr_strv_len(names);
	lxr_strv_sort(names);
	for (size_t i = 0; i < n; i++) {
		struct lxr_container_ref ref;
		lxr_err err;
		bool running = rt_container_find(root, names[i], &ref, &err) == 0;
		pid_t pid = running ? ref.pid : 0;
		/* between two runs of a restart policy: its supervisor is there */
		bool alive = !running && sup_run_alive(names[i]);
		const char *state = running ? "running" : alive ? "restarting" : "exited";
		struct lxr_cgroup *cg = NULL;
		json_t *rec;

		if (running && ref.cgroup_group &&
		    rt_cgroup_open(ref.cgroup_group, names[i], &cg, &err) == 0) {
			if (rt_cgroup_frozen(cg))
				state = "paused"; /* lxr pause NAME */
			rt_cgroup_free(cg);
		}
		if (running)
			rt_container_ref_free(&ref);
		/* without a supervisor (a foreground run, or a layer kept for
		 * `lxr rm`): what the directory tells */
		rec = supervised_record(names[i]);
		if (!rec && running)
			rec = runctl_foreground_record(names[i]);
		if (!rec)
			rec = json_pack("{s:I}", "exit_code", (json_int_t)-1);
		/* docker create's, not started yet */
		const char *was = json_string_value(json_object_get(rec, "state"));
		if (!running && !alive && was && !strcmp(was, "created"))
			state = "created";
		json_object_set_new(rec, "name", json_string(names[i]));
		json_object_set_new(rec, "instance", json_string(names[i]));
		json_object_set_new(rec, "state", json_string(state));
		json_object_set_new(rec, "pid", json_integer(pid));
		json_array_append_new(arr, rec);
	}
	lxr_strv_free(names);
	return arr;
}

/* One up project's containers, each by the name docker gives it: its
 * container_name, or compose's <project>-<service>-<n> */
static void add_project(json_t *arr, const char *project)
{
	_cleanup_free_ char *sock = lxr_xasprintf("%s/%s/control.sock", lxr_run_dir(), project);
	struct ctl_conn *c = NULL;
	json_t *ps = NULL, *rec;
	struct stat st;
	lxr_err ignored;
	size_t i;

	if (stat(sock, &st) < 0 || !S_ISSOCK(st.st_mode) || ctl_connect(sock, &c, &ignored) < 0)
		return;
	if (ctl_call(c, "ps", json_object(), 5000, &ps, &ignored) == 0)
		json_array_foreach(ps, i, rec)
		{
			const char *inst = json_string_value(json_object_get(rec, "instance"));
			const char *svc = json_string_value(json_object_get(rec, "service"));
			const char *name = json_string_value(json_object_get(rec, "name"));
			if (!inst || !svc)
				continue;
			_cleanup_free_ char *dn =
			    name ? NULL : cli_stack_docker_name(project, inst, svc);
			json_object_set_new(rec, "instance", json_string(name ? name : dn));
			json_object_set_new(rec, "project", json_string(project));
			json_array_append(arr, rec);
		}
	json_decref(ps);
	ctl_close(c);
}

json_t *runctl_ps_all(void)
{
	json_t *arr = runctl_ps_records();
	_cleanup_strv_ char **projects = cli_projects();

	for (size_t i = 0; projects[i]; i++)
		add_project(arr, projects[i]);
	return arr;
}

int cli_run_connect(const char *cmd, const char *name, struct ctl_conn **conn)
{
	_cleanup_free_ char *root = run_root(), *sock = NULL, *dir = NULL;
	struct lxr_container_ref ref;
	lxr_err err;

	if (!name) {
		fprintf(stderr,
			"lxr: error: %s: no stack file here, and no container named\n"
			"lxr: hint: name `lxr run -d` containers (see `lxr ps`), or give -f FILE / "
			"-p PROJECT for a stack\n",
			cmd);
		return LXR_EXIT_USAGE;
	}
	if (strchr(name, '/') || name[0] == '.' || !name[0]) {
		fprintf(stderr, "lxr: error: %s: \"%s\" is not a container name\n", cmd, name);
		return LXR_EXIT_USAGE;
	}
	dir = sup_run_dir_of(name);
	sock = lxr_xasprintf("%s/control.sock", dir);
	if (ctl_connect(sock, conn, &err) == 0)
		return LXR_EXIT_OK;
	if (rt_container_find(root, name, &ref, &err) == 0) {
		rt_container_ref_free(&ref);
		fprintf(stderr,
			"lxr: error: %s %s: the container runs in the foreground of its `lxr run`, "
			"with no supervisor to ask\n"
			"lxr: hint: `lxr run -d` gives a container one\n",
			cmd, name);
	} else {
		fprintf(stderr,
			"lxr: error: %s %s: no stack file here, and no running `lxr run -d` "
			"container of that name\n"
			"lxr: hint: see `lxr ps`; for a stack, give -f FILE or -p PROJECT\n",
			cmd, name);
	}
	return LXR_EXIT_FAIL;
}

/* A run -d container is its supervisor's to stop (else its restart
 * policy would bring it back): stop or kill through its control socket,
 * and for stop wait until the supervisor is gone with it. 1: there is no
 * supervisor (a container of an older lxr, or one that ended). */
static int through_supervisor(const char *name, int sig, bool stop, int grace_s, lxr_err *err)
{
	_cleanup_free_ char *dir = sup_run_dir_of(name);
	_cleanup_free_ char *sock = lxr_xasprintf("%s/control.sock", dir);
	struct ctl_conn *c = NULL;
	json_t *result = NULL;
	lxr_err ignored;
	int r;

	if (ctl_connect(sock, &c, &ignored) < 0)
		return 1;
	r = ctl_call(
	    c, stop ? "stop" : "kill",
	    json_pack("{s:[s], s:i, s:i}", "services", name, "signal", sig, "timeout", grace_s),
	    10000, &result, err);
	json_decref(result);
	ctl_close(c);
	if (r < 0 || !stop)
		return r < 0 ? lxr_err_wrap(err, "container %s", name) : 0;
	/* the supervisor ends with its container (after the grace period
	 * and a SIGKILL at worst) */
	return sup_run_wait(name, 60000, err);
}

/* docker stop: SIGTERM (lxr's init passes it on), then SIGKILL after the
 * grace period (grace_s < 0: the container's own, its --stop-timeout);
 * docker kill: the one signal. */
static int signal_one(const char *root, const char *name, int sig, bool stop, int grace_s,
		      lxr_err *err)
{
	_cleanup_free_ char *dir = NULL;
	struct lxr_container_ref ref;
	struct pollfd pf;
	int r = 0;

	if (strchr(name, '/') || name[0] == '.' || !name[0])
		return lxr_fail(err, EINVAL, "\"%s\" is not a container name", name);
	r = through_supervisor(name, sig, stop, grace_s, err);
	if (r <= 0)
		return r;
	r = 0;
	dir = lxr_xasprintf("%s/%s", root, name);
	if (rt_container_find(root, name, &ref, err) < 0) {
		/* docker stop of a container that has ended: nothing to do */
		if (stop && access(dir, F_OK) == 0)
			return 0;
		return lxr_err_wrap(err, "container %s", name);
	}
	pf = (struct pollfd){.fd = ref.pidfd, .events = POLLIN};
	if (syscall(SYS_pidfd_send_signal, ref.pidfd, stop ? SIGTERM : sig, NULL, 0) < 0 &&
	    errno != ESRCH)
		r = lxr_fail(err, errno, "signal container %s (pidfd_send_signal)", name);
	else if (stop && poll(&pf, 1, (grace_s < 0 ? 10 : grace_s) * 1000) == 0) {
		syscall(SYS_pidfd_send_signal, ref.pidfd, SIGKILL, NULL, 0);
		if (poll(&pf, 1, 10000) == 0)
			r = lxr_fail(err, ETIMEDOUT, "container %s did not exit after SIGKILL",
				     name);
	}
	rt_container_ref_free(&ref);
	return r;
}

int runctl_signal(char *const *names, int sig, bool stop, int grace_s)
{
	_cleanup_free_ char *root = run_root();
	int rc = LXR_EXIT_OK;

	if (!names || !names[0]) {
		fputs("lxr: error: no stack file here, and no container named\n"
		      "lxr: hint: name `lxr run` containers (see `lxr ps`), or give -f FILE / -p "
		      "PROJECT for a stack\n",
		      stderr);
		return LXR_EXIT_USAGE;
	}
	for (size_t i = 0; names[i]; i++) {
		lxr_err err;
		if (signal_one(root, names[i], sig, stop, grace_s, &err) < 0) {
			lxr_err_print(&err);
			rc = LXR_EXIT_FAIL;
		} else {
			printf("%s\n", names[i]);
		}
	}
	return rc;
}
