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
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lxr/net.h"
#include "net/net_internal.h"

#define PASTA "pasta"
#define SLIRP "slirp4netns"

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
		/* lxr ignores SIGPIPE (a command's or the supervisor's own
		 * writes); pasta gets the default action, as from a shell */
		signal(SIGPIPE, SIG_DFL);
		execvp(PASTA, argv);
		_exit(errno == ENOENT ? 127 : 126);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
		lxr_fail(err, ENOENT, "rootless network: neither %s nor %s is installed", PASTA,
			 SLIRP);
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

/* ---- slirp4netns, where pasta is missing ------------------------------------
 * It stays in the foreground, says when the tap is up on --ready-fd, ends
 * when --exit-fd's other end closes (this process: its holder), and takes
 * published ports through its API socket (add_hostfwd) to the tap's
 * address, where lxr's DNAT takes them on. */
#define SLIRP_ADDR "10.0.2.100"

static int slirp_fwd(const char *sock, const struct net_rl_port *p, lxr_err *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char reply[512] = "";
	ssize_t n;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return lxr_fail(err, errno, "rootless network: connect %s", sock);
	for (int port = p->start; port <= p->end; port++) {
		_cleanup_free_ char *req = lxr_xasprintf(
		    "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"%s\",\"host_addr\":"
		    "\"%s\",\"host_port\":%d,\"guest_addr\":\"" SLIRP_ADDR "\",\"guest_port\":%d}}",
		    p->udp ? "udp" : "tcp", p->host_ip ? p->host_ip : "0.0.0.0", port, port);
		if (port > p->start) {
			close(fd);
			fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
				return lxr_fail(err, errno, "rootless network: connect %s", sock);
		}
		if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
			return lxr_fail(err, errno, "rootless network: write %s", sock);
		n = read(fd, reply, sizeof(reply) - 1);
		reply[n > 0 ? n : 0] = '\0';
		if (n <= 0 || strstr(reply, "error"))
			return lxr_fail(err, EADDRINUSE,
					"rootless network: %s could not forward port %d: %s", SLIRP,
					port, n > 0 ? reply : "no reply"),
			       lxr_err_hint(err, "the port may be in use on the host");
	}
	return 0;
}

static int start_slirp(const char *dir, const char *netns, const char *pidfile,
		       const struct net_rl_port *ports, size_t n, lxr_err *err)
{
	_cleanup_free_ char *sock = lxr_xasprintf("%s/slirp.sock", dir);
	int ready[2], quit[2], st;
	char c = 0, rfd[16], qfd[16];
	pid_t mid, pid = -1;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return lxr_fail(err, errno, "pipe");
	if (pipe2(quit, O_CLOEXEC) < 0) {
		close(ready[0]);
		close(ready[1]);
		return lxr_fail(err, errno, "pipe");
	}
	/* twice forked: no lxr process's child (a supervisor reaps them all) */
	mid = fork();
	if (mid == 0) {
		setsid();
		pid = fork();
		if (pid == 0) {
			int null = open("/dev/null", O_RDWR | O_CLOEXEC);
			dup2(null, STDIN_FILENO);
			/* the two fds it keeps: moved off CLOEXEC */
			snprintf(rfd, sizeof(rfd), "%d", dup(ready[1]));
			snprintf(qfd, sizeof(qfd), "%d", dup(quit[0]));
			signal(SIGPIPE, SIG_DFL); /* as for pasta */
			execlp(SLIRP, SLIRP, "--configure", "--mtu=65520",
			       "--disable-host-loopback", "--netns-type=path", "--ready-fd", rfd,
			       "--exit-fd", qfd, "--api-socket", sock, netns, "tap0", (char *)NULL);
			_exit(127);
		}
		(void)!write(ready[1], &pid, sizeof(pid));
		_exit(pid < 0);
	}
	close(ready[1]);
	close(quit[0]);
	if (mid > 0)
		while (waitpid(mid, &st, 0) < 0 && errno == EINTR)
			;
	if (mid < 0 || read(ready[0], &pid, sizeof(pid)) != sizeof(pid) || pid <= 0 ||
	    read(ready[0], &c, 1) != 1 || c != '1') {
		close(ready[0]);
		close(quit[1]);
		return lxr_fail(err, EIO, "rootless network: %s --netns-type=path %s did not start",
				SLIRP, netns);
	}
	close(ready[0]);
	/* held (not CLOEXEC'd away from this process) until it exits */
	_cleanup_free_ char *text = lxr_xasprintf("%d\n", (int)pid);
	FILE *f = fopen(pidfile, "we");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	for (size_t i = 0; i < n; i++)
		if (slirp_fwd(sock, &ports[i], err) < 0)
			return -1;
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
	/* pasta where it is installed, else slirp4netns (podman's order) */
	if (!lxr_in_path(PASTA) && lxr_in_path(SLIRP)) {
		if (start_slirp(dir, netns, pidfile, ports, n, err) < 0)
			goto fail;
	} else if (start_pasta(netns, pidfile, ports, n, err) < 0) {
		goto fail;
	}
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

/* pid's command line names NETNS (pasta execs a variant of itself,
 * passt.avx2, so its name says less) */
static bool serves(pid_t pid, const char *netns)
{
	_cleanup_free_ char *path = lxr_xasprintf("/proc/%d/cmdline", (int)pid), *buf = NULL;
	size_t len = 0;
	lxr_err err;

	if (lxr_read_file_at(AT_FDCWD, path, &buf, &len, &err) < 0)
		return false;
	for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
		if (!strcmp(buf + i, netns))
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
	if (f && lxr_fscanf_line(f, "%ld", &pid) == 1 && pid > 1 && serves((pid_t)pid, netns))
		stop((pid_t)pid);
	unlink(pidfile);
	umount2(netns, MNT_DETACH);
	unlink(netns);
	_cleanup_free_ char *sock = lxr_xasprintf("%s/slirp.sock", dir);
	unlink(sock);
}

/* A rootless removal from outside the stack's namespace (`down` after a
 * crash, `rm -f`): the namespace went with its pasta (net_rootless_leave),
 * and with it every link and rule; what is left are lxr's records, removed
 * by the usual code in a child in an empty namespace of its own, where it
 * can delete nothing of the host's. */
struct outside {
	int (*fn)(void *, lxr_err *);
	void *ctx;
};

static int outside_fn(void *ctx, lxr_err *err)
{
	struct outside *o = ctx;

	inside = true; /* fn runs as it would in the stack's namespace */
	if (unshare(CLONE_NEWNET) < 0)
		return lxr_fail(err, errno, "unshare(CLONE_NEWNET) for the cleanup");
	return o->fn(o->ctx, err) == 0 ? 0 : -1;
}

int net_rootless_outside(int (*fn)(void *, lxr_err *), void *ctx, lxr_err *err)
{
	struct outside o = {fn, ctx};

	return lxr_call_in_child(outside_fn, &o, "network cleanup", err);
}

void net_rootless_check(struct lxr_checks *c)
{
	_cleanup_free_ char *start = NULL;

	if (lxr_in_path(PASTA))
		lxr_check_add(c, "pasta", LXR_CHECK_OK, NULL, NULL, "in PATH");
	else if (lxr_in_path(SLIRP))
		lxr_check_add(c, "pasta", LXR_CHECK_WARN, "nothing: slirp4netns takes its place",
			      "apt-get install passt (faster, and what lxr tests most)",
			      "not in PATH; slirp4netns is");
	else
		lxr_check_add(c, "pasta", LXR_CHECK_MISSING,
			      "every rootless container on a network (network_mode: none works)",
			      "apt-get install passt", "neither pasta nor slirp4netns is in PATH");
	if (lxr_read_file_at(AT_FDCWD, "/proc/sys/net/ipv4/ip_unprivileged_port_start", &start,
			     NULL, NULL) == 0)
		lxr_check_add(c, "ip_unprivileged_port_start", LXR_CHECK_OK, NULL, NULL,
			      "%ld: a rootless stack can publish host ports from there up",
			      strtol(start, NULL, 10));
}
