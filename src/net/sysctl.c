/* The host sysctls bridge networking needs: IPv4 forwarding (global; set
 * once, said once, and put back when lxr's last network is gone if lxr was
 * the one that turned it on) and route_localnet on lxr's own bridges. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "net/internal.h"

int net_sysctl_set(const char *key, const char *value, lxr_err *err)
{
	_cleanup_free_ char *path = lxr_xasprintf("/proc/sys/%s", key);

	for (char *p = path + strlen("/proc/sys/"); *p; p++)
		if (*p == '.')
			*p = '/';
	if (lxr_write_file_at(AT_FDCWD, path, value, err) < 0)
		return lxr_err_wrap(err, "sysctl %s=%s", key, value);
	return 0;
}

static bool forwarding_on(void)
{
	_cleanup_free_ char *v = NULL;
	size_t len;
	lxr_err err;

	return lxr_read_file_at(AT_FDCWD, "/proc/sys/net/ipv4/ip_forward", &v, &len, &err) == 0 &&
	       v[0] == '1';
}

/* ip_forward is one for the host, and lxr's networks may live in several
 * run dirs: the note that lxr turned it on is host-wide too, and the last
 * lxr bridge on the host to go (whichever run dir it is in) turns it off. */
static char *forwarding_mark(const char *run_dir)
{
	struct stat st;

	if (stat("/run", &st) == 0 && S_ISDIR(st.st_mode) && access("/run", W_OK) == 0)
		return lxr_xstrdup("/run/.lxr-ip_forward");
	return lxr_xasprintf("%s/.net.ip_forward", run_dir);
}

int net_forwarding_needed(const char *run_dir, lxr_err *err)
{
	_cleanup_free_ char *mark = forwarding_mark(run_dir);
	_cleanup_close_ int fd = -1;

	if (forwarding_on())
		return 0;
	/* Remember that lxr turned it on, so the last network's removal can
	 * turn it off again instead of leaving the host changed. */
	fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return lxr_fail(err, errno, "create %s", mark);
	if (net_sysctl_set("net.ipv4.ip_forward", "1", err) < 0) {
		unlink(mark);
		return lxr_err_hint(err, "containers need IPv4 forwarding to reach other hosts");
	}
	lxr_warn("enabled IPv4 forwarding (net.ipv4.ip_forward=1) for container networking; "
		 "it goes back to 0 when lxr's last network is removed");
	return 0;
}

void net_forwarding_release(const char *run_dir)
{
	_cleanup_free_ char *mark = forwarding_mark(run_dir);
	_cleanup_strv_ char **projects = net_projects(run_dir);
	lxr_err err;

	if (projects[0] || access(mark, F_OK) < 0 || net_any_lxr_bridge())
		return;
	if (net_sysctl_set("net.ipv4.ip_forward", "0", &err) < 0)
		lxr_err_print(&err);
	unlink(mark);
}
