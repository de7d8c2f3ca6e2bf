/* OCI createContainer hooks (what CDI specs bring: nvidia's ld.so cache
 * and library links). The runtime spec's rules: run in the container's
 * namespaces after its root filesystem is mounted and before pivot_root,
 * the hook's path resolved in the runtime's view (the host's files are
 * still reachable here), its environment exactly the hook's, the state of
 * the container on its standard input. The state's bundle holds a
 * config.json with root.path, where hooks find the container's files. A
 * hook that fails or outlives its timeout fails the start, with the tail
 * of what it printed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/runtime_internal.h"

#define OUT_MAX 2048

/* the bundle's config.json: what hooks read of the container */
static int write_config(const struct lxr_spec *spec, const char *bundle, const char *rootdir,
			lxr_err *err)
{
	json_t *o = json_pack("{s:s, s:{s:s, s:b}, s:{s:o, s:o, s:s, s:{s:I, s:I}}, s:s?}",
			      "ociVersion", "1.2.0", "root", "path", rootdir, "readonly",
			      spec->readonly_root, "process", "args", json_array(), "env",
			      json_array(), "cwd", spec->cwd && *spec->cwd ? spec->cwd : "/",
			      "user", "uid", (json_int_t)spec->uid, "gid", (json_int_t)spec->gid,
			      "hostname", spec->hostname);
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int dfd = -1;
	json_t *env = json_object_get(json_object_get(o, "process"), "env");
	json_t *args = json_object_get(json_object_get(o, "process"), "args");

	for (size_t i = 0; spec->args && spec->args[i]; i++)
		json_array_append_new(args, json_string(spec->args[i]));
	for (size_t i = 0; !spec->secret_env && spec->env && spec->env[i]; i++)
		json_array_append_new(env, json_string(spec->env[i]));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!text)
		return lxr_fail(err, EINVAL,
				"write %s/config.json for hooks: the container's command or "
				"environment is not UTF-8",
				bundle);
	dfd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return lxr_fail(err, errno, "write %s/config.json for hooks", bundle);
	return lxr_write_file_replace(dfd, "config.json", text, strlen(text), 0600, err);
}

static void tail_of(char *out, size_t *len, const char *buf, size_t n)
{
	if (n >= OUT_MAX) {
		buf += n - (OUT_MAX - 1);
		n = OUT_MAX - 1;
	}
	if (*len + n >= OUT_MAX) {
		size_t drop = *len + n - (OUT_MAX - 1);
		memmove(out, out + drop, *len - drop);
		*len -= drop;
	}
	memcpy(out + *len, buf, n);
	*len += n;
	out[*len] = '\0';
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Its exit, by end (ms; 0: no end): awaited on a pidfd (before 5.3,
 * looked for every 10 ms); false when the time is up first. */
static bool reap(pid_t pid, int64_t end, int *status)
{
	_cleanup_close_ int pfd = end ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	struct pollfd p = {.fd = pfd, .events = POLLIN};

	while (end && pfd >= 0 && !p.revents) {
		if (now_ms() >= end)
			return false;
		poll(&p, 1, (int)(end - now_ms()));
	}
	for (;;) {
		pid_t r = waitpid(pid, status, end && pfd < 0 ? WNOHANG : 0);
		if (r == pid)
			return true;
		if (r < 0 && errno != EINTR) {
			*status = -1; /* cannot happen: nothing else reaps it */
			return true;
		}
		if (r == 0 && now_ms() >= end)
			return false;
		if (r == 0)
			usleep(10000);
	}
}

/* Everything it prints until it closes its output, then its exit, both
 * within its time (end, ms; 0: none); false when the time is up first. */
static bool collect(int fd, pid_t pid, int64_t end, char *out, size_t *len, int *status)
{
	char buf[1024];

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int wait = end ? (int)(end - now_ms()) : -1;
		ssize_t n;
		if (end && wait <= 0)
			return false;
		if (poll(&p, 1, wait) < 0 && errno != EINTR)
			break; /* cannot happen with one valid descriptor */
		if (!p.revents)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			break;
		if (n > 0)
			tail_of(out, len, buf, (size_t)n);
	}
	return reap(pid, end, status);
}

/* What it may say before the exec: async-signal-safe writes only. */
static void say(int fd, const char *a, const char *b, const char *c)
{
	if (write(fd, a, strlen(a)) < 0 || write(fd, b, strlen(b)) < 0 ||
	    write(fd, c, strlen(c)) < 0) {
		/* nothing to be done: the exit status tells */
	}
}

/* A process of the host's kind: default signal dispositions, unblocked,
 * the usual umask (the container's setup runs under 0), no descriptor of
 * lxr's beyond its three, the bundle as its directory (runc's). */
static _Noreturn void hook_exec(const struct lxr_hook *h, const char *bundle, int in, int out)
{
	sigset_t none;
	char *const empty[] = {NULL};

	for (int s = 1; s < _NSIG; s++)
		signal(s, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	umask(022);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0 || chdir(bundle) < 0) {
		say(out, "cannot set up the hook's process: ", strerror(errno), "\n");
		_exit(126);
	}
	/* a kernel before 5.9, or a policy that refuses close_range: one
	 * by one */
	if (close_range(3, ~0U, 0) < 0)
		for (int fd = 3; fd < 65536; fd++)
			close(fd);
	execve(h->path, h->args && h->args[0] ? h->args : (char *const[]){h->path, NULL},
	       h->env ? h->env : empty);
	int e = errno;
	say(2, "cannot execute it: ", strerror(e), "\n");
	_exit(e == ENOENT ? 127 : 126);
}

static int run_one(const struct lxr_hook *h, const char *bundle, const char *state, lxr_err *err)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, status = 0;
	char text[OUT_MAX] = "";
	size_t len = 0;
	bool in_time;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		int e = errno;
		close(in[0]);
		close(in[1]);
		return lxr_fail(err, e, "hook %s: pipe", h->path);
	}
	/* the state is far below a pipe's buffer: written before the fork */
	if (write(in[1], state, strlen(state)) < 0) {
		/* nothing: the hook reads an empty state */
	}
	close(in[1]);
	pid = fork();
	if (pid == 0)
		hook_exec(h, bundle, in[0], out[1]);
	close(in[0]);
	close(out[1]);
	if (pid < 0) {
		close(out[0]);
		return lxr_fail(err, errno, "hook %s: fork", h->path);
	}
	in_time = collect(out[0], pid, h->timeout ? now_ms() + (int64_t)h->timeout * 1000 : 0, text,
			  &len, &status);
	close(out[0]);
	if (!in_time) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	if (!in_time)
		return lxr_fail(err, ETIMEDOUT, "createContainer hook %s: still running after %d s",
				h->path, h->timeout);
	if (status == -1)
		return lxr_fail(err, ECHILD, "createContainer hook %s: its end was not seen",
				h->path);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	lxr_fail(err, 0, "createContainer hook %s: %s %d%s%s", h->path,
		 WIFEXITED(status) ? "exit status" : "killed by signal",
		 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), len ? ": " : "", text);
	return lxr_err_hint(err, "the hook comes from the host's CDI spec of the device: run "
				 "it by hand to see why, or write the spec again");
}

int rt_hooks_create_container(const struct lxr_spec *spec, const char *rootdir, lxr_err *err)
{
	char self[32] = "", *slash;
	_cleanup_free_ char *bundle = NULL, *state = NULL;
	json_t *st;
	ssize_t n;

	if (!spec->n_hooks)
		return 0;
	bundle = lxr_xstrdup(rootdir);
	slash = strrchr(bundle, '/');
	if (slash && slash != bundle)
		*slash = '\0';
	/* the host's /proc is still mounted: its "self" is the container's
	 * first process as the host numbers it, which state.pid is */
	n = readlink("/proc/self", self, sizeof(self) - 1);
	if (n <= 0)
		return lxr_fail(err, errno, "readlink /proc/self for the hooks' state");
	self[n] = '\0';
	if (write_config(spec, bundle, rootdir, err) < 0)
		return lxr_err_wrap(err, "createContainer hooks");
	st = json_pack("{s:s, s:s, s:s, s:I, s:s, s:{}}", "ociVersion", "1.2.0", "id", spec->id,
		       "status", "creating", "pid", (json_int_t)atoll(self), "bundle", bundle,
		       "annotations");
	state = st ? json_dumps(st, JSON_COMPACT) : NULL;
	json_decref(st);
	if (!state)
		return lxr_fail(err, EINVAL, "createContainer hooks: the state of %s", spec->id);
	for (size_t i = 0; i < spec->n_hooks; i++)
		if (run_one(&spec->hooks[i], bundle, state, err) < 0)
			return -1;
	return 0;
}
