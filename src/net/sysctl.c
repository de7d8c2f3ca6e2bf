/* The host sysctls bridge networking needs: IPv4 (and IPv6) forwarding (global; set
 * once, said once, and put back when lxr's last network is gone if lxr was
 * the one that turned it on) and route_localnet on lxr's own bridges. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/net_internal.h"

int net_sysctl_set(const char *key, const char *value, lxr_err *err)
{
	_cleanup_free_ char *path = lxr_xasprintf("/proc/sys/%s", key);

	char have[32];
	int fd;
	ssize_t n = -1;

	for (char *p = path + strlen("/proc/sys/"); *p; p++)
		if (*p == '.')
			*p = '/';
	/* already so: no write (a write of route_localnet flushes the
	 * host's route cache, one of disable_ipv6 walks the addresses) */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, have, sizeof(have) - 1);
		close(fd);
	}
	if (n > 0) {
		have[n] = '\0';
		have[strcspn(have, "\n")] = '\0';
		if (!strcmp(have, value))
			return 0;
	}
	if (lxr_write_file_at(AT_FDCWD, path, value, err) < 0)
		return lxr_err_wrap(err, "sysctl %s=%s", key, value);
	return 0;
}

/* Forwarding of one family: the switch, the note that lxr turned it on,
 * and what to say. IPv6's is docker's too (it sets it with ip6tables on);
 * on a host that takes its own address from router advertisements,
 * forwarding makes it ignore them unless accept_ra is 2. */
static const struct fwd {
	const char *key, *mark, *what;
} fwds[] = {
    {"net.ipv4.ip_forward", "ip_forward", "IPv4 forwarding (net.ipv4.ip_forward=1)"},
    {"net.ipv6.conf.all.forwarding", "ipv6_forwarding",
     "IPv6 forwarding (net.ipv6.conf.all.forwarding=1; an interface that takes its address "
     "from router advertisements needs accept_ra=2 to keep doing so)"},
};

static bool forwarding_on(const struct fwd *f)
{
	_cleanup_free_ char *v = NULL, *path = lxr_xasprintf("/proc/sys/%s", f->key);
	size_t len;
	lxr_err err;

	for (char *p = path + strlen("/proc/sys/"); *p; p++)
		if (*p == '.')
			*p = '/';
	return lxr_read_file_at(AT_FDCWD, path, &v, &len, &err) == 0 && v[0] == '1';
}

/* Forwarding is one for the host, and lxr's networks may live in several
 * run dirs: the note that lxr turned it on is host-wide too, and the last
 * lxr bridge on the host to go (whichever run dir it is in) turns it off. */
static char *forwarding_mark(const struct fwd *f, const char *run_dir)
{
	struct stat st;

	if (stat("/run", &st) == 0 && S_ISDIR(st.st_mode) && access("/run", W_OK) == 0)
		return lxr_xasprintf("/run/.lxr-%s", f->mark);
	return lxr_xasprintf("%s/.net.%s", run_dir, f->mark);
}

static int forwarding_needed(const struct fwd *f, const char *run_dir, lxr_err *err)
{
	_cleanup_free_ char *mark = forwarding_mark(f, run_dir);
	_cleanup_close_ int fd = -1;

	if (forwarding_on(f))
		return 0;
	/* Remember that lxr turned it on, so the last network's removal can
	 * turn it off again instead of leaving the host changed. */
	fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return lxr_fail(err, errno, "create %s", mark);
	if (net_sysctl_set(f->key, "1", err) < 0) {
		unlink(mark);
		return lxr_err_hint(err, "containers need forwarding to reach other hosts");
	}
	/* rootless: the stack's own namespace, not the host's (pasta.c) */
	if (lxr_rootless_uid() < 0)
		lxr_warn("enabled %s for container networking; it goes back to 0 when lxr's last "
			 "network is removed",
			 f->what);
	return 0;
}

int net_forwarding_needed(const char *run_dir, lxr_err *err)
{
	return forwarding_needed(&fwds[0], run_dir, err);
}

int net_forwarding6_needed(const char *run_dir, lxr_err *err)
{
	return forwarding_needed(&fwds[1], run_dir, err);
}

void net_forwarding_release(const char *run_dir)
{
	_cleanup_strv_ char **projects = net_projects(run_dir);
	lxr_err err;

	if (projects[0] || net_any_lxr_bridge())
		return;
	for (size_t i = 0; i < sizeof(fwds) / sizeof(fwds[0]); i++) {
		_cleanup_free_ char *mark = forwarding_mark(&fwds[i], run_dir);
		if (access(mark, F_OK) < 0)
			continue;
		if (net_sysctl_set(fwds[i].key, "0", &err) < 0)
			lxr_err_print(&err);
		unlink(mark);
	}
}
