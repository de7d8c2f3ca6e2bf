/* exec of the container's command. PATH comes from the container's own
 * environment (glibc's execvpe would search lxr's), and the failure maps to
 * the exit codes docker users know: 127 not found, 126 not executable. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/runtime_internal.h"

/* docker's default when the image and the user set no PATH */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *env_path(char *const *env)
{
	for (size_t i = 0; env && env[i]; i++)
		if (lxr_str_has_prefix(env[i], "PATH="))
			return env[i] + 5;
	return DEFAULT_PATH;
}

static int exit_code(int errnum)
{
	return (errnum == ENOENT || errnum == ENOTDIR) ? 127 : 126;
}

/* A regular file this process may execute: what execvp's search would stop
 * at. Checked here, as the process that will run it (its uid and
 * capabilities are final), because the execve itself is lxr-init's. */
static int runnable(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return errno;
	if (!S_ISREG(st.st_mode) || faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0)
		return EACCES;
	return 0;
}

int rt_exec_resolve(char *const *args, char *const *env, char **path, lxr_err *err)
{
	const char *search;
	int saved = ENOENT;

	*path = NULL;
	if (!args || !args[0] || !args[0][0])
		return lxr_fail(err, ENOENT, "exec: no command given"),
		       lxr_err_hint(err, "give a command after the root filesystem"), 127;
	/* a path is checked as a search's hit is (runc's LookPath too): a
	 * start fails for a command that is not there or not executable,
	 * while what only the exec finds (its format, its interpreter) ends
	 * the started command with 126 or 127 */
	if (strchr(args[0], '/')) {
		int e = runnable(args[0]);

		if (e) {
			lxr_fail(err, e, "exec \"%s\"", args[0]);
			if (e == ENOENT)
				lxr_err_hint(err, "no such file in the container (relative to its "
						  "working directory if the path is relative)");
			return exit_code(e);
		}
		*path = lxr_xstrdup(args[0]);
		return 0;
	}
	search = env_path(env);
	for (const char *p = search;; p++) {
		const char *end = strchrnul(p, ':');
		size_t dl = (size_t)(end - p);
		char *full = lxr_xasprintf("%.*s/%s", (int)dl, dl ? p : ".", args[0]);
		int e = runnable(full);

		if (!e) {
			*path = full;
			return 0;
		}
		free(full);
		/* Keep looking past "not here"; remember "here but not
		 * runnable" to report that rather than "not found". */
		if (e == EACCES || e == EPERM)
			saved = e;
		if (!*end)
			break;
		p = end;
	}
	lxr_fail(err, saved, "exec \"%s\"", args[0]);
	if (saved == ENOENT)
		lxr_err_hint(err, "no executable named \"%s\" in the container's PATH (%s)",
			     args[0], search);
	return exit_code(saved);
}

int rt_exec(char *const *args, char *const *env, int sync, lxr_err *err)
{
	/* on success or failure of the exec, path is handed back to the
	 * caller of a shared clone (init.c), which frees it */
	char *path = NULL;
	int code = rt_exec_resolve(args, env, &path, err);

	return code ? code : rt_init_exec_command(sync, path, args, env, err);
}
