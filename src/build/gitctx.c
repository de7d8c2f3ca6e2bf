/* A build context that is a git repository (compose's and buildkit's
 * `URL#REF:SUBDIR`): cloned with the host's git into a temporary directory
 * of the build store, which the build then reads as a local context and
 * bld_request_free removes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build/build_internal.h"

extern char **environ;

/* git ARGS (argv[0] "git"), its output to stderr; its exit status */
static int git(char *const *argv, lxr_err *err)
{
	/* no prompt for credentials (it would hang a build), and only the
	 * network protocols: never ext:: (it runs a command) nor file:: */
	char *const pre[] = {"git",
			     "-c",
			     "protocol.allow=never",
			     "-c",
			     "protocol.https.allow=always",
			     "-c",
			     "protocol.http.allow=always",
			     "-c",
			     "protocol.git.allow=always",
			     "-c",
			     "protocol.ssh.allow=always",
			     "-c",
			     "core.hooksPath=/dev/null",
			     NULL};
	_cleanup_strv_ char **args = NULL, **env = NULL;
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, r;

	for (size_t i = 0; pre[i]; i++)
		lxr_strv_push(&args, lxr_xstrdup(pre[i]));
	for (size_t i = 1; argv[i]; i++)
		lxr_strv_push(&args, lxr_xstrdup(argv[i]));
	for (char **e = environ; e && *e; e++)
		if (strncmp(*e, "GIT_", 4))
			lxr_strv_push(&env, lxr_xstrdup(*e));
	lxr_strv_push(&env, lxr_xstrdup("GIT_TERMINAL_PROMPT=0"));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, 2, 1);
	r = posix_spawnp(&pid, "git", &fa, NULL, args, env);
	posix_spawn_file_actions_destroy(&fa);
	if (r)
		return lxr_fail(err, r, "run git"),
		       lxr_err_hint(err,
				    "a git build context needs git on the host (apt install git)");
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return lxr_fail(err, errno, "wait for git");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* The clone's subdirectory sub, its links followed only inside the clone
 * (a repository's link to / would make the host's files the context):
 * its path, NULL with err. */
static char *in_clone(const char *dir, const char *sub, const char *ref, lxr_err *err)
{
	struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
			       .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
	_cleanup_close_ int root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = -1;
	char self[40], path[PATH_MAX];
	ssize_t n;

	if (root >= 0)
		fd = lxr_openat2(root, sub, &how);
	if (fd < 0) {
		lxr_fail(err, errno, "build context %s: subdirectory \"%s\"%s", ref, sub,
			 errno == EXDEV ? " is a link out of the repository" : "");
		return NULL;
	}
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	if ((n = readlink(self, path, sizeof(path) - 1)) <= 0) {
		lxr_fail(err, errno, "build context %s: subdirectory \"%s\"", ref, sub);
		return NULL;
	}
	return lxr_xstrndup(path, (size_t)n);
}

/* The clone dir, and its name, gone. */
static void drop_clone(char **dir)
{
	lxr_rm_rf(*dir, &(lxr_err){0});
	free(*dir);
	*dir = NULL;
}

/* url cloned into dir (made, empty): a branch or tag rev its last commit
 * only; else (a commit) the whole history, then that commit. */
static int clone_at(char *url, char *rev, char *dir, const char *ref, lxr_err *err)
{
	int r = rev && *rev ? git((char *const[]){"git", "clone", "--quiet", "--depth", "1",
						  "--branch", rev, "--", url, dir, NULL},
				  err)
			    : git((char *const[]){"git", "clone", "--quiet", "--depth", "1", "--",
						  url, dir, NULL},
				  err);

	if (r > 0 && rev && *rev) {
		lxr_rm_rf(dir, &(lxr_err){0});
		mkdir(dir, 0700);
		r = git((char *const[]){"git", "clone", "--quiet", "--", url, dir, NULL}, err);
		if (r == 0)
			r = git((char *const[]){"git", "-C", dir, "checkout", "--quiet", rev, "--",
						NULL},
				err);
	}
	if (r > 0)
		lxr_fail(err, EIO, "git clone of build context %s failed (exit %d)", ref, r),
		    lxr_err_hint(err, "check the URL and reference, and that this host can "
				      "reach it (git said why, above)");
	return r == 0 ? 0 : -1;
}

int bld_git_fetch(const char *ref, char **dir, char **context, lxr_err *err)
{
	_cleanup_free_ char *url = NULL, *rev = NULL, *sub = NULL, *store = NULL, *name = NULL;
	const char *hash = strchr(ref, '#');

	*dir = *context = NULL;
	url = hash ? lxr_xstrndup(ref, (size_t)(hash - ref)) : lxr_xstrdup(ref);
	if (hash) { /* #REF, #REF:SUBDIR or #:SUBDIR */
		const char *colon = strchr(hash + 1, ':');
		rev = colon ? lxr_xstrndup(hash + 1, (size_t)(colon - hash - 1))
			    : lxr_xstrdup(hash + 1);
		sub = colon ? lxr_xstrdup(colon + 1) : NULL;
	}
	if (lxr_str_has_prefix(url, "github.com/")) {
		char *t = lxr_xasprintf("https://%s", url);
		free(url);
		url = t;
	}
	/* the subdirectory stays in the clone: no "..", no absolute path */
	if (sub &&
	    (sub[0] == '/' || !strcmp(sub, "..") || lxr_str_has_prefix(sub, "../") ||
	     strstr(sub, "/../") || (strlen(sub) >= 3 && !strcmp(sub + strlen(sub) - 3, "/.."))))
		return lxr_fail(err, EINVAL,
				"build context %s: subdirectory \"%s\" leaves the "
				"repository",
				ref, sub),
		       lxr_err_hint(err, "URL#REF:DIR, DIR relative to the repository's root");
	if (rev && *rev == '-')
		return lxr_fail(err, EINVAL, "build context %s: \"%s\" is not a git reference", ref,
				rev);
	store = lxr_xasprintf("%s/build", lxr_data_dir());
	if (mkdir(store, 0700) < 0 && errno != EEXIST)
		return lxr_fail(err, errno, "mkdir %s", store);
	name = lxr_tmp_name("git-context");
	*dir = lxr_xasprintf("%s/%s", store, name);
	if (mkdir(*dir, 0700) < 0) {
		lxr_fail(err, errno, "mkdir %s", *dir);
		free(*dir);
		*dir = NULL;
		return -1;
	}
	if (clone_at(url, rev, *dir, ref, err) < 0) {
		drop_clone(dir);
		return -1;
	}
	/* buildkit leaves the repository's .git out of the context */
	{
		_cleanup_free_ char *dotgit = lxr_xasprintf("%s/.git", *dir);
		lxr_rm_rf(dotgit, &(lxr_err){0});
	}
	*context = sub && *sub ? in_clone(*dir, sub, ref, err) : lxr_xstrdup(*dir);
	if (!*context) {
		drop_clone(dir);
		return -1;
	}
	return 0;
}
