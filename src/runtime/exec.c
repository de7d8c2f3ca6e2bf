/* exec of the container's command. PATH comes from the container's own
 * environment (glibc's execvpe would search lxr's), and the failure maps to
 * the exit codes docker users know: 127 not found, 126 not executable. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "runtime/internal.h"

/* docker's default when the image and the user set no PATH */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *env_path(char *const *env)
{
	for (size_t i = 0; env && env[i]; i++)
		if (lxr_str_has_prefix(env[i], "PATH="))
			return env[i] + 5;
	return DEFAULT_PATH;
}

int rt_exec_exit_code(int errnum)
{
	return (errnum == ENOENT || errnum == ENOTDIR) ? 127 : 126;
}

int rt_exec(char *const *args, char *const *env, lxr_err *err)
{
	const char *path;
	int saved = ENOENT;

	if (!args || !args[0] || !args[0][0])
		return lxr_fail(err, ENOENT, "exec: no command given"),
		       lxr_err_hint(err, "give a command after the root filesystem");
	if (strchr(args[0], '/')) {
		execve(args[0], args, env);
		return lxr_fail(err, errno, "exec \"%s\"", args[0]);
	}
	path = env_path(env);
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		size_t dl = (size_t)(end - p);
		_cleanup_free_ char *full =
			lxr_xasprintf("%.*s/%s", (int)dl, dl ? p : ".", args[0]);

		execve(full, args, env);
		/* Keep looking past "not here"; remember "here but not
		 * runnable" to report that rather than "not found". */
		if (errno == EACCES || errno == ENOEXEC || errno == EPERM)
			saved = errno;
		else if (errno != ENOENT && errno != ENOTDIR && errno != ENAMETOOLONG)
			return lxr_fail(err, errno, "exec \"%s\" (%s)", args[0], full);
		if (!*end)
			break;
		p = end;
	}
	lxr_fail(err, saved, "exec \"%s\"", args[0]);
	if (saved == ENOENT)
		lxr_err_hint(err, "no executable named \"%s\" in the container's PATH (%s)", args[0],
			     path);
	return -1;
}
