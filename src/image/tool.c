/* lxr-image, the program installed beside lxr that does everything needing
 * the network or archives (libcurl, libarchive). lxr links neither: loading
 * them cost every `lxr run` ~7 ms of startup (docs/images.md). The core
 * runs lxr-image for what resolving an image may still need: a pull (docker
 * run pulls a missing image) and unpacking a layer directory that is gone. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image/image_internal.h"

extern char **environ;

int img_tool_path(char **out, lxr_err *err)
{
	static char *found; /* the first answer stays right: see bld_execute */
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (found) {
		*out = lxr_xstrdup(found);
		return 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return lxr_fail(err, errno, "readlink /proc/self/exe (to find %s)", IMG_TOOL_NAME),
		       lxr_err_hint(err, "lxr needs /proc mounted");
	self[n] = '\0';
	slash = strrchr(self, '/');
	*out = lxr_xasprintf("%.*s/%s", slash ? (int)(slash - self) : 0, self, IMG_TOOL_NAME);
	if (access(*out, X_OK) == 0) {
		found = lxr_xstrdup(*out);
		return 0;
	}
	lxr_fail(err, errno, "%s", *out);
	lxr_err_hint(err,
		     "lxr pull, load and import (and pulling a missing image) run %s, "
		     "which is installed in the same directory as lxr; install it there",
		     IMG_TOOL_NAME);
	free(*out);
	*out = NULL;
	return -1;
}

/* The caller's environment with LXR_DATA_DIR naming this store's data
 * directory: lxr-image must work on the very store the caller opened,
 * whatever lxr.conf says. Only the vector is malloc'd. */
static char **tool_env(const char *data_dir_kv)
{
	char **env;
	size_t n = 0;

	for (char **e = environ; e && *e; e++)
		if (strncmp(*e, "LXR_DATA_DIR=", 13))
			n++;
	env = lxr_xcalloc(n + 2, sizeof(char *));
	n = 0;
	for (char **e = environ; e && *e; e++)
		if (strncmp(*e, "LXR_DATA_DIR=", 13))
			env[n++] = *e;
	env[n] = (char *)data_dir_kv;
	return env;
}

/* 0 when the tool succeeded, 1 when it exited alt (an answer, not an
 * error: alt > 0), else -1 */
static int wait_tool(pid_t pid, const char *what, int alt, lxr_err *err)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return lxr_fail(err, errno, "waitpid %s", what);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (alt > 0 && WIFEXITED(st) && WEXITSTATUS(st) == alt)
		return 1;
	if (WIFEXITED(st))
		return lxr_fail(err, 0, "%s failed (exit status %d, its error is above)", what,
				WEXITSTATUS(st));
	return lxr_fail(err, 0, "%s killed by signal %d", what, WTERMSIG(st));
}

static int tool_run_in(struct img_store *s, char *const *args, int in, int alt, lxr_err *err);

int img_tool_run(struct img_store *s, char *const *args, lxr_err *err)
{
	return tool_run_in(s, args, -1, 0, err);
}

static int tool_run_in(struct img_store *s, char *const *args, int in, int alt, lxr_err *err)
{
	_cleanup_free_ char *tool = NULL, *kv = NULL, *what = NULL;
	_cleanup_free_ char **env = NULL;
	_cleanup_strv_ char **argv = NULL;
	sigset_t none;
	pid_t pid;

	if (img_tool_path(&tool, err) < 0)
		return -1;
	argv = lxr_xcalloc(1, sizeof(char *));
	lxr_strv_push(&argv, lxr_xstrdup(IMG_TOOL_NAME));
	for (size_t i = 0; args[i]; i++)
		lxr_strv_push(&argv, lxr_xstrdup(args[i]));
	what = lxr_xasprintf("%s %s %s", IMG_TOOL_NAME, args[0], args[1] ? args[1] : "");
	kv =
	    lxr_xasprintf("LXR_DATA_DIR=%.*s", (int)(strlen(s->root) - strlen("/images")), s->root);
	env = tool_env(kv);
	sigemptyset(&none);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return lxr_fail(err, errno, "fork for %s", what);
	if (pid == 0) {
		/* lxr run blocks the signals it forwards; the tool must still
		 * die of Ctrl-C like any program */
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (in >= 0 && dup2(in, STDIN_FILENO) < 0)
			_exit(127);
		execve(tool, argv, env);
		fprintf(stderr, "lxr: error: exec %s: %s\n", tool, strerror(errno));
		_exit(127);
	}
	return wait_tool(pid, what, alt, err);
}

int img_tool_commit(struct img_store *s, const char *desc, lxr_err *err)
{
	char *args[] = {"commit", (char *)desc, NULL};

	return img_tool_run(s, args, err);
}

int img_tool_extract(struct img_store *s, int fd, const char *dir, lxr_err *err)
{
	char *args[] = {"extract", (char *)dir, NULL};

	return tool_run_in(s, args, fd, 0, err);
}

int img_tool_is_tar(struct img_store *s, int fd, lxr_err *err)
{
	char *args[] = {"is-tar", NULL};
	int r = tool_run_in(s, args, fd, IMG_TOOL_NOT_TAR, err);

	return r < 0 ? -1 : r == 0;
}

int img_tool_fetch_url(struct img_store *s, const char *url, const char *file, lxr_err *err)
{
	char *args[] = {"fetch-url", (char *)url, (char *)file, NULL};

	return img_tool_run(s, args, err);
}

void img_tool_check(struct lxr_checks *c)
{
	static const char breaks[] = "pull, load, import, save, push, build, and up of a stack "
				     "whose images are not in the store yet";
	_cleanup_free_ char *path = NULL;
	lxr_err err;
	int status = -1;
	pid_t pid;

	if (img_tool_path(&path, &err) < 0) {
		lxr_check_add(c, IMG_TOOL_NAME, LXR_CHECK_MISSING, breaks,
			      "install lxr-image next to lxr (the lxr package has both)",
			      "not found: %s", err.msg);
		return;
	}
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		char *argv[] = {path, "--version", NULL};
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execv(path, argv);
		_exit(127);
	}
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		lxr_check_add(c, IMG_TOOL_NAME, LXR_CHECK_OK, NULL, NULL, "%s runs", path);
	else
		lxr_check_add(c, IMG_TOOL_NAME, LXR_CHECK_MISSING, breaks,
			      "reinstall lxr-image from the same build as lxr (missing shared "
			      "libraries: ldd on it names them)",
			      "%s --version failed", path);
}
