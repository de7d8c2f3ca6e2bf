/* A foreground `lxr up` of a stack that is up already: after the running
 * supervisor has reconciled the file, up attaches to the services' output
 * as compose's does (`web-1  | line` from now on, the same --attach,
 * --no-attach, attach: false, --no-log-prefix, --timestamps and --no-color
 * rules as a foreground supervisor's), until the supervisor ends (exit 0)
 * or Ctrl-C: then the services the up named (all, when it named none)
 * are stopped as `lxr stop` stops them, and up exits 130 (143 after
 * SIGTERM). A second signal kills them. The supervisor stays. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lxr/supervisor.h"
#include "supervisor/sup.h"

/* whose lines are shown: output.c's rule, from the file and the flags;
 * NULL for every service's (the reader then takes a service's log as it
 * appears), else those with a log already (a named one with none would
 * fail the reader) */
static char **shown(const char *dir, const struct cfg_stack *st, const struct sup_up_opts *o)
{
	char **out = lxr_xcalloc(1, sizeof(char *));
	bool all = true;

	for (size_t i = 0; i < st->n_services; i++) {
		const struct cfg_service *sv = &st->services[i];
		bool yes = !sv->tune.attach.set || sv->tune.attach.v;
		if (o->attach)
			yes = lxr_strv_has((char *const *)o->attach, sv->name);
		if (o->no_attach && lxr_strv_has((char *const *)o->no_attach, sv->name))
			yes = false;
		all &= yes;
		_cleanup_free_ char *log = lxr_xasprintf("%s/%s.log", dir, sv->name);
		if (yes && access(log, F_OK) == 0)
			lxr_strv_push(&out, lxr_xstrdup(sv->name));
	}
	if (all) {
		lxr_strv_free(out);
		return NULL;
	}
	return out;
}

/* A connection to the supervisor's socket: readable (EOF) once it ends */
static int supervisor_watch(const char *run_dir)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/control.sock", run_dir);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* The next signal taken, 0: none (sfd is non-blocking) */
static int taken(int sfd)
{
	struct signalfd_siginfo si;

	return read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si) ? (int)si.ssi_signo : 0;
}

static json_t *names_json(const struct sup_up_opts *o)
{
	json_t *a = json_array();

	for (size_t i = 0; o->targets && o->targets[i]; i++)
		json_array_append_new(a, json_string(o->targets[i]));
	return a;
}

/* compose's Ctrl-C: stop what the up named, a second signal kills it;
 * until none of it is stopping */
static void stop_named(struct ctl_conn *c, int sfd, const struct sup_up_opts *o)
{
	json_t *args = json_pack("{s:o}", "services", names_json(o)), *r = NULL;
	bool killed = false;
	lxr_err err;

	if (o->timeout_set)
		json_object_set_new(args, "timeout", json_integer(o->timeout));
	fprintf(stderr, "Gracefully stopping... (press Ctrl+C again to force)\n");
	if (ctl_call(c, "stop", args, 10000, &r, &err) < 0) {
		lxr_err_print(&err);
		return;
	}
	json_decref(r);
	for (;;) {
		json_t *ps = NULL, *in;
		size_t i;
		bool busy = false;

		if (!killed && taken(sfd)) {
			killed = true;
			if (ctl_call(c, "kill", json_pack("{s:o}", "services", names_json(o)),
				     10000, &r, &err) == 0)
				json_decref(r);
		}
		if (ctl_call(c, "ps", json_object(), 10000, &ps, &err) < 0)
			return;
		json_array_foreach(ps, i, in)
		{
			const char *st = json_string_value(json_object_get(in, "state"));
			const char *svc = json_string_value(json_object_get(in, "service"));
			bool named = !o->targets || !o->targets[0] ||
				     (svc && lxr_strv_has((char *const *)o->targets, svc));
			busy |= named && st && !strcmp(st, "stopping");
		}
		json_decref(ps);
		if (!busy)
			return;
		usleep(50 * 1000);
	}
}

int sup_up_attach(const char *run_dir, struct ctl_conn *c, const struct cfg_stack *st,
		  const struct sup_up_opts *o)
{
	_cleanup_free_ char *dir = lxr_xasprintf("%s/%s", lxr_log_dir(), st->project);
	_cleanup_strv_ char **services = shown(dir, st, o);
	_cleanup_strv_ char **names = logs_container_names(st);
	_cleanup_close_ int sfd = -1, ep = -1, watch = -1;
	struct logs_opts lo = {.services = services, .follow = true, .tail = -1, .has_since = true};
	struct epoll_event ev = {.events = EPOLLIN};
	sigset_t set, old;
	bool follow;
	int sig = 0, r = 0;
	lxr_err err;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &old);
	sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	ep = epoll_create1(EPOLL_CLOEXEC);
	watch = supervisor_watch(run_dir);
	if (sfd < 0 || ep < 0 || watch < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev) < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, watch, &ev) < 0) {
		lxr_fail(&err, errno, "attach to project %s (signalfd, epoll, control socket)",
			 st->project);
		lxr_err_print(&err);
		r = 1;
		goto out;
	}
	/* what is written from now on; the log files have the rest */
	clock_gettime(CLOCK_REALTIME, &lo.since);
	lo.timestamps = o->timestamps;
	lo.no_prefix = o->no_log_prefix;
	lo.names = names;
	lo.err_out = stderr; /* a container's stderr on up's, as compose's attach */
	lo.color = log_color_wanted(STDOUT_FILENO, o->no_color);
	lo.stop_fd = ep;
	fflush(stderr);
	follow = !services || services[0];
	if (follow && logs_run(dir, &lo, stdout, &err) < 0) {
		follow = false;
		if (err.errnum != ENOENT) {
			lxr_err_print(&err);
			r = 1;
		}
	}
	/* with nothing to show (yet), up waits all the same */
	while (!follow && r == 0 && epoll_wait(ep, &ev, 1, -1) < 0 && errno == EINTR)
		;
	fflush(stdout);
	if ((sig = taken(sfd))) {
		stop_named(c, sfd, o);
		r = 128 + sig;
	}
	/* what came meanwhile (a third Ctrl-C) must not kill up once the
	 * mask is back */
	while (sfd >= 0 && taken(sfd))
		;
out:
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}
