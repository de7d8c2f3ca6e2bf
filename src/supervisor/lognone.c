/* A service whose logging driver keeps no log ("none"): a marker file,
 * <log_dir>/<project>/<service>.nolog holding the driver's name, so that
 * `lxr logs` can say why there is nothing to read (docker's "configured
 * logging driver does not support reading") instead of "no log". */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "supervisor/logcursor.h"

static char *marker(const char *service)
{
	return lxr_xasprintf("%s.nolog", service);
}

/* The service's log files (<service>.log, .N, .N.gz, and its replicas'
 * <service>@N.log ...) in dirfd. */
static void remove_logs(int dirfd, const char *service)
{
	DIR *d = lxr_opendir_dup(dirfd);
	char log[NAME_MAX + 1], svc[NAME_MAX + 1];
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (log_file_index(de->d_name, log, sizeof(log), NULL) >= 0 &&
		    log_replica(log, svc, sizeof(svc)) > 0 && !strcmp(svc, service))
			unlinkat(dirfd, de->d_name, 0);
	closedir(d);
}

int log_nolog_set(const char *dir, const char *service, const char *driver, lxr_err *err)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *name = marker(service);
	_cleanup_free_ char *text = lxr_xasprintf("%s\n", driver);

	if (dfd < 0)
		return lxr_fail(err, errno, "open log directory %s", dir);
	if (lxr_write_file_atomic(dfd, name, text, strlen(text), 0640, err) < 0)
		return -1;
	/* what an earlier driver kept: docker drops a container's log with the
	 * container that a new logging setting recreates */
	remove_logs(dfd, service);
	return 0;
}

void log_nolog_clear(const char *dir, const char *service)
{
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s.nolog", dir, service);

	unlink(path);
}

char *log_nolog_driver(int dirfd, const char *service)
{
	_cleanup_free_ char *name = marker(service);
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	char buf[64];
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return lxr_xstrdup(*buf ? buf : "none");
}
