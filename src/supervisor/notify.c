/* systemd's notify protocol, spoken by a foreground supervisor (`lxr up` as
 * a Type=notify unit's main process): READY=1 once every service is up as
 * `up --wait` judges it, STATUS= as states change, WATCHDOG=1 from the loop
 * itself, STOPPING=1 on the way down. The protocol is one datagram per
 * message to $NOTIFY_SOCKET (a path, or '@' for the abstract namespace), so
 * it is written here rather than linking libsystemd. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lxr/supervisor.h"
#include "supervisor/sup.h"

/* One supervisor per process: what the environment said at start, taken
 * out of it before anything could hand it on. */
static struct {
	char *socket;    /* $NOTIFY_SOCKET, NULL: not under systemd */
	int64_t wd_us;   /* $WATCHDOG_USEC for this process, 0: none */
	int fd;          /* opened by sup_notify_open, -1: off */
	int64_t wd_next; /* CLOCK_MONOTONIC µs of the next ping */
	bool ready, stopping;
	char status[512]; /* the last STATUS= sent */
} nt = {.fd = -1};

void sup_notify_take_env(void)
{
	const char *sock = getenv("NOTIFY_SOCKET");
	const char *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");

	if (sock && *sock)
		nt.socket = lxr_xstrdup(sock);
	/* sd_watchdog_enabled's rule: the ping is ours only when WATCHDOG_PID
	 * is unset or names this process (not a parent's watchdog passed on) */
	if (usec && *usec && (!pid || !*pid || strtol(pid, NULL, 10) == (long)getpid())) {
		char *end;
		long long v = strtoll(usec, &end, 10);
		if (!*end && v > 0)
			nt.wd_us = v;
	}
	/* whatever starts from here on — containers, health checks, exec,
	 * hooks, an interpolated `environment: [NOTIFY_SOCKET]` — never sees
	 * systemd's socket: a container could otherwise declare the unit
	 * ready, or stop its watchdog from firing */
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

static void send_msg(const char *msg)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(nt.socket);
	socklen_t len;

	if (nt.fd < 0 || n >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, nt.socket, n);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	if (nt.socket[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract: the name is the bytes after it */
	else
		len++; /* a path: its NUL counted, as systemd does */
	/* never block the loop on systemd: a full queue loses one message */
	if (sendto(nt.fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT, (struct sockaddr *)&sa,
		   len) < 0)
		lxr_debug("notify %s: sendto %s: %s", msg, nt.socket, strerror(errno));
}

void sup_notify_open(void)
{
	if (!nt.socket || nt.fd >= 0)
		return;
	if (nt.socket[0] != '/' && nt.socket[0] != '@') {
		lxr_warn("NOTIFY_SOCKET=%s: only a path or an abstract (@) socket is supported; "
			 "systemd will not hear that the stack is ready",
			 nt.socket);
		return;
	}
	nt.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (nt.fd < 0) {
		lxr_warn("NOTIFY_SOCKET: socket: %s", strerror(errno));
		return;
	}
	if (nt.wd_us)
		nt.wd_next = sup_now(); /* a first ping right away */
}

void sup_notify_send(const char *msg)
{
	sup_notify_open();
	if (nt.fd >= 0)
		send_msg(msg);
}

int64_t sup_notify_watchdog_usec(void)
{
	return nt.socket ? nt.wd_us : 0;
}

enum verdict { V_READY, V_WAITING, V_FAILED };

/* What `up --wait` decides from ps, on the instance itself: running (and
 * healthy where it has a check), or completed; a failure never becomes
 * ready. */
static enum verdict judge(const struct sup_instance *in, const char **word)
{
	*word = svc_state_name(in->fsm.state);
	if (in->blocked) {
		*word = "blocked";
		return V_FAILED;
	}
	switch (in->fsm.state) {
	case SVC_HEALTHY:
	case SVC_STOPPED: return V_READY;
	case SVC_RUNNING:
		if (!in->health.enabled)
			return V_READY;
		*word = "(health: starting)";
		return V_WAITING;
	case SVC_EXITED:
		if (!in->fsm.last_exit)
			return V_READY;
		*word = "exited with an error";
		return V_FAILED;
	case SVC_UNHEALTHY:
	case SVC_FAILED: return V_FAILED;
	case SVC_BACKOFF: *word = "restarting"; return V_WAITING;
	case SVC_CREATED: *word = "waiting"; return V_WAITING; /* for its dependencies */
	default: return V_WAITING;
	}
}

/* "3/4 services up, web unhealthy": instances counted, the ones not up named */
static enum verdict status_line(struct sup *s, char *buf, size_t size)
{
	enum verdict all = V_READY;
	size_t up = 0, n = 0, off;
	char rest[sizeof(nt.status)] = "";

	FOR_EACH_INSTANCE(s, in)
	{
		const char *word;
		enum verdict v = judge(in, &word);
		size_t r = strlen(rest);

		n++;
		if (v == V_READY) {
			up++;
			continue;
		}
		if (all == V_READY || v == V_FAILED)
			all = v;
		if (r < sizeof(rest))
			snprintf(rest + r, sizeof(rest) - r, ", %s %s",
				 in->svc->n_inst > 1 ? in->name : in->svc->cfg->name, word);
	}
	off = (size_t)snprintf(buf, size, "%zu/%zu services up", up, n);
	if (off < size) { /* the list is cut where the buffer ends */
		size_t k = strnlen(rest, size - off - 1);
		memcpy(buf + off, rest, k);
		buf[off + k] = '\0';
	}
	return all;
}

void sup_notify_tick(struct sup *s)
{
	char status[sizeof(nt.status)], msg[sizeof(nt.status) + 16];
	int64_t now;

	if (nt.fd < 0)
		return;
	now = sup_now();
	if (nt.wd_us && now >= nt.wd_next) {
		send_msg("WATCHDOG=1");
		nt.wd_next = now + nt.wd_us / 2;
	}
	if (s->shutting_down) {
		if (!nt.stopping)
			send_msg("STOPPING=1\nSTATUS=stopping the stack");
		nt.stopping = true;
		return;
	}
	{
		enum verdict v = status_line(s, status, sizeof(status));
		bool now_ready = !nt.ready && v == V_READY;

		if (!strcmp(status, nt.status) && !now_ready)
			return;
		snprintf(msg, sizeof(msg), "%sSTATUS=%s", now_ready ? "READY=1\n" : "", status);
		send_msg(msg);
		snprintf(nt.status, sizeof(nt.status), "%s", status);
		nt.ready = nt.ready || now_ready;
	}
}

int64_t sup_notify_deadline(void)
{
	return nt.fd >= 0 && nt.wd_us ? nt.wd_next : 0;
}

void sup_notify_close(void)
{
	if (nt.fd >= 0 && !nt.stopping)
		send_msg("STOPPING=1\nSTATUS=every container has ended");
	nt.stopping = true;
	if (nt.fd >= 0)
		close(nt.fd);
	nt.fd = -1;
}
