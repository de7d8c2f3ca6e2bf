/* Rootless networking (docs/rootless.md): an ordinary user cannot make
 * links or nft rules in the host's network namespace, so a rootless stack
 * gets a network namespace of its own, owned by the user's namespace, and
 * everything lxr does for root happens in there (the stack's bridges,
 * veths, nft table and DNAT of published ports). pasta (Debian's passt)
 * connects it to the host: it gives the namespace the host's addresses and
 * routes on a tap device, carries the containers' outbound traffic through
 * ordinary sockets of the user's, and listens on the host for each
 * published port, handing connections to the namespace, where lxr's DNAT
 * takes them to the container as it does on the host.
 *
 * The namespace is bind-mounted on <project run dir>/netns, like the
 * endpoints' (net.h), so a crashed supervisor's can be found and removed;
 * pasta quits once that file is gone. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lxr/net.h"
#include "net/internal.h"

#define PASTA "pasta"

static bool inside; /* this process has joined its stack's namespace */

bool net_rootless_inside(void)
{
	return inside;
}

/* The netns holder: a child that makes the namespace and binds it to the
 * file, so the caller stays in the host's until pasta has started there. */
static int make_netns(const char *path, lxr_err *err)
{
	int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0600), st;
	pid_t pid;

	if (fd < 0)
		return lxr_fail(err, errno, "create %s", path);
	close(fd);
	pid = fork();
	if (pid < 0)
		return lxr_fail(err, errno, "fork");
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		if (mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) < 0)
			_exit(2);
		_exit(0);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		unlink(path);
		return lxr_fail(err, EPERM, "rootless network: %s %s",
				WIFEXITED(st) && WEXITSTATUS(st) == 1
				    ? "unshare(CLONE_NEWNET) for the stack's network namespace"
				    : "bind the stack's network namespace on",
				path);
	}
	return 0;
}

/* "[ADDR/]PORT[-END]": pasta's -t/-u spec of one published host port (or
 * range), forwarded to the same port in the namespace, where lxr's DNAT
 * takes it to the container */
static char *port_spec(const struct net_rl_port *p)
{
	char range[32];

	if (p->start == p->end)
		snprintf(range, sizeof(range), "%d", p->start);
	else
		snprintf(range, sizeof(range), "%d-%d", p->start, p->end);
	return p->host_ip ? lxr_xasprintf("%s/%s", p->host_ip, range) : lxr_xstrdup(range);
}

char **net_pasta_argv(const char *netns, const char *pidfile, const struct net_rl_port *ports,
		      size_t n)
{
	char **argv = lxr_xcalloc(1, sizeof(char *));
	bool tcp = false, udp = false;
	static const char *const head[] = {PASTA, "--config-net", "--quiet", "--netns"};

	for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++)
		lxr_strv_push(&argv, lxr_xstrdup(head[i]));
	lxr_strv_push(&argv, lxr_xstrdup(netns));
	lxr_strv_push(&argv, lxr_xstrdup("--pid"));
	lxr_strv_push(&argv, lxr_xstrdup(pidfile));
	for (size_t i = 0; i < n; i++) {
		lxr_strv_push(&argv, lxr_xstrdup(ports[i].udp ? "-u" : "-t"));
		lxr_strv_push(&argv, port_spec(&ports[i]));
		*(ports[i].udp ? &udp : &tcp) = true;
	}
	/* no port of the host's is forwarded unless published (pasta's
	 * default would forward every free one), and nothing of the
	 * namespace's is offered back to the host */
	if (!tcp) {
		lxr_strv_push(&argv, lxr_xstrdup("-t"));
		lxr_strv_push(&argv, lxr_xstrdup("none"));
	}
	if (!udp) {
		lxr_strv_push(&argv, lxr_xstrdup("-u"));
		lxr_strv_push(&argv, lxr_xstrdup("none"));
	}
	for (int i = 0; i < 2; i++) {
		lxr_strv_push(&argv, lxr_xstrdup(i ? "-U" : "-T"));
		lxr_strv_push(&argv, lxr_xstrdup("none"));
	}
	return argv;
}

static int start_pasta(const char *netns, const char *pidfile, const struct net_rl_port *ports,
		       size_t n, lxr_err *err)
{
	_cleanup_strv_ char **argv = net_pasta_argv(netns, pidfile, ports, n);
	int st;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return lxr_fail(err, errno, "fork for %s", PASTA);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		dup2(null, STDIN_FILENO);
		execvp(PASTA, argv);
		_exit(errno == ENOENT ? 127 : 126);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
		lxr_fail(err, ENOENT, "rootless network: %s is not installed", PASTA);
		return lxr_err_hint(err, "install it (apt-get install passt), or use network_mode: "
					 "none for every service");
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		lxr_fail(err, EIO,
			 "rootless network: %s --netns %s failed (exit %d; its message is in "
			 "the supervisor's output)",
			 PASTA, netns, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		return lxr_err_hint(err, "a published port may be in use on the host, or below "
					 "net.ipv4.ip_unprivileged_port_start (lxr doctor)");
	}
	return 0;
}

static int lo_up(lxr_err *err)
{
	_cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = {0};

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return lxr_fail(err, errno, "rootless network: lo (SIOCGIFFLAGS)");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return lxr_fail(err, errno, "rootless network: bring lo up (SIOCSIFFLAGS)");
	return 0;
}

int net_rootless_enter(const char *dir, const struct net_rl_port *ports, size_t n, lxr_err *err)
{
	_cleanup_free_ char *netns = lxr_xasprintf("%s/netns", dir);
	_cleanup_free_ char *pidfile = lxr_xasprintf("%s/pasta.pid", dir);
	_cleanup_close_ int fd = -1;

	if (make_netns(netns, err) < 0)
		return -1;
	lxr_debug("rootless network: namespace %s made", netns);
	if (start_pasta(netns, pidfile, ports, n, err) < 0)
		goto fail;
	lxr_debug("rootless network: pasta started");
	fd = open(netns, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		lxr_fail(err, errno, "open %s", netns);
		goto fail;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		lxr_fail(err, errno, "rootless network: setns %s", netns);
		goto fail;
	}
	inside = true;
	if (lo_up(err) < 0)
		goto fail;
	return 0;
fail:
	net_rootless_leave(dir);
	return -1;
}

/* Gone before its ports are wanted again (the next `up`'s pasta binds
 * them). SIGKILL: pasta holds nothing to save, and this one blocks
 * SIGTERM. */
static void stop(pid_t pid)
{
	_cleanup_close_ int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd p = {.fd = pfd, .events = POLLIN};

	kill(pid, SIGKILL);
	if (pfd >= 0)
		poll(&p, 1, 5000);
}

/* pid's command line has "--netns NETNS" (pasta execs a variant of
 * itself, passt.avx2, so its name says less) */
static bool serves(pid_t pid, const char *netns)
{
	_cleanup_free_ char *path = lxr_xasprintf("/proc/%d/cmdline", (int)pid), *buf = NULL;
	size_t len = 0;
	lxr_err err;

	if (lxr_read_file_at(AT_FDCWD, path, &buf, &len, &err) < 0)
		return false;
	for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
		if (!strcmp(buf + i, "--netns") && i + 8 < len && !strcmp(buf + i + 8, netns))
			return true;
	return false;
}

void net_rootless_leave(const char *dir)
{
	_cleanup_free_ char *netns = lxr_xasprintf("%s/netns", dir);
	_cleanup_free_ char *pidfile = lxr_xasprintf("%s/pasta.pid", dir);
	_cleanup_fclose_ FILE *f = fopen(pidfile, "re");
	long pid = 0;

	/* only the pasta serving this namespace: a recycled pid is not it */
	if (f && fscanf(f, "%ld", &pid) == 1 && pid > 1 && serves((pid_t)pid, netns))
		stop((pid_t)pid);
	unlink(pidfile);
	umount2(netns, MNT_DETACH);
	unlink(netns);
}

/* A rootless removal from outside the stack's namespace (`down` after a
 * crash, `rm -f`): the namespace went with its pasta (net_rootless_leave),
 * and with it every link and rule; what is left are lxr's records, removed
 * by the usual code in a child in an empty namespace of its own, where it
 * can delete nothing of the host's. */
int net_rootless_outside(int (*fn)(void *, lxr_err *), void *ctx, lxr_err *err)
{
	int p[2], st;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return lxr_fail(err, errno, "pipe");
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return lxr_fail(err, errno, "fork");
	}
	if (pid == 0) {
		lxr_err e = {0};
		close(p[0]);
		inside = true; /* fn runs as it would in the stack's namespace */
		if (unshare(CLONE_NEWNET) < 0)
			lxr_fail(&e, errno, "unshare(CLONE_NEWNET) for the cleanup");
		else if (fn(ctx, &e) == 0)
			_exit(0);
		(void)!write(p[1], &e, sizeof(e));
		_exit(1);
	}
	close(p[1]);
	ssize_t n = read(p[0], err, sizeof(*err));
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (n != (ssize_t)sizeof(*err))
		lxr_fail(err, EIO, "network cleanup: the cleanup process died");
	return -1;
}

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	_cleanup_free_ char *copy = lxr_xstrdup(path ? path : "/usr/bin:/bin");

	for (char *save = NULL, *d = strtok_r(copy, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		_cleanup_free_ char *p = lxr_xasprintf("%s/%s", d, prog);
		if (access(p, X_OK) == 0)
			return true;
	}
	return false;
}

void net_rootless_check(struct lxr_checks *c)
{
	_cleanup_free_ char *start = NULL;

	if (in_path(PASTA))
		lxr_check_add(c, "pasta", LXR_CHECK_OK, NULL, NULL, "in PATH");
	else
		lxr_check_add(c, "pasta", LXR_CHECK_MISSING,
			      "every rootless container on a network (network_mode: none works)",
			      "apt-get install passt", "not in PATH");
	if (lxr_read_file_at(AT_FDCWD, "/proc/sys/net/ipv4/ip_unprivileged_port_start", &start,
			     NULL, NULL) == 0)
		lxr_check_add(c, "ip_unprivileged_port_start", LXR_CHECK_OK, NULL, NULL,
			      "%ld: a rootless stack can publish host ports from there up",
			      strtol(start, NULL, 10));
}
