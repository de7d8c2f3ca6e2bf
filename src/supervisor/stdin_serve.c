/* The control socket's "attach": a running container joined to `lxr
 * attach`, as dockerd joins one to docker attach. The reply hands over
 * (SCM_RIGHTS, in this order): a pipe of its stdout from now on, one of
 * its stderr (not with tty: a terminal has one stream), and its input
 * when asked for and it has one: with tty: true the terminal's master
 * (what is written to it is typed; TIOCSWINSZ on it sizes the terminal),
 * with stdin_open alone the write end of its stdin, which the supervisor
 * holds open and never writes, so one client's end never ends it.
 *
 * The output pipes are taps: the loop writes what it reads from the
 * container to them as it writes its log, without waiting (what a full
 * pipe cannot take is dropped from that attach's view, never from the
 * log), and closes them once the container's output is over, after the
 * last bytes: the client reads to the end and knows it has ended. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "supervisor/sup.h"

#define TAP_PIPE_SIZE (256 << 10) /* a terminal's worth, beyond the default 64 KiB */

static void tap_drop(struct sup_tap *t)
{
	for (int k = 0; k < 2; k++)
		if (t->fd[k] >= 0) {
			close(t->fd[k]);
			t->fd[k] = -1;
		}
}

/* The taps whose attach is gone (a write end whose read end is closed
 * polls POLLERR), and the empty entries, removed: a quiet container's
 * attaches that came and went hold nothing once the next one comes */
static void taps_sweep(struct sup_instance *in)
{
	size_t kept = 0;

	for (size_t i = 0; i < in->n_taps; i++) {
		struct sup_tap *t = &in->taps[i];
		for (int k = 0; k < 2; k++) {
			struct pollfd p = {.fd = t->fd[k], .events = 0};
			if (t->fd[k] >= 0 && poll(&p, 1, 0) > 0 &&
			    (p.revents & (POLLERR | POLLHUP)))
				tap_drop(t);
		}
		if (t->fd[0] >= 0 || t->fd[1] >= 0)
			in->taps[kept++] = *t;
	}
	in->n_taps = kept;
}

void sup_taps_feed(struct sup_instance *in, int stream, const char *buf, size_t n)
{
	for (size_t i = 0; i < in->n_taps; i++) {
		int *fd = &in->taps[i].fd[stream ? 1 : 0];
		ssize_t w;
		if (*fd < 0)
			continue;
		do
			w = write(*fd, buf, n);
		while (w < 0 && errno == EINTR);
		if (w < 0 && errno != EAGAIN) /* EPIPE: that attach is gone, both its pipes */
			tap_drop(&in->taps[i]);
	}
}

void sup_taps_close(struct sup_instance *in)
{
	for (size_t i = 0; i < in->n_taps; i++)
		for (int k = 0; k < 2; k++)
			if (in->taps[i].fd[k] >= 0)
				close(in->taps[i].fd[k]);
	free(in->taps);
	in->taps = NULL;
	in->n_taps = 0;
}

/* A pipe per stream: the read ends into give[], the write ends kept as a
 * tap (taken over by the instance) */
static int add_tap(struct sup_instance *in, bool two, int give[2])
{
	struct sup_tap t = {{-1, -1}};

	taps_sweep(in);
	for (int k = 0; k < (two ? 2 : 1); k++) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0) {
			for (int j = 0; j < k; j++) {
				close(give[j]);
				close(t.fd[j]);
			}
			return -1;
		}
		fcntl(p[1], F_SETFL, O_NONBLOCK);
		fcntl(p[1], F_SETPIPE_SZ, TAP_PIPE_SIZE);
		give[k] = p[0];
		t.fd[k] = p[1];
	}
	in->taps = lxr_xrealloc(in->taps, (in->n_taps + 1) * sizeof(*in->taps));
	in->taps[in->n_taps++] = t;
	return 0;
}

/* running, its start done (a terminal's master is the output watch's
 * only once the start has handed it over); NULL when it may be joined */
static const char *unjoinable(const struct sup_instance *in)
{
	if (!in)
		return "no such container in this project";
	if (in->paused)
		return "the container is paused";
	if (!in->c || !svc_state_is_up(in->fsm.state) ||
	    (in->plan.spec.terminal ? in->outw.fd < 0 || !isatty(in->outw.fd)
				    : in->outw.fd < 0 && in->errw.fd < 0))
		return "the container is not running";
	return NULL;
}

void sup_attach_serve(struct sup *s, struct ctl_server *cs, struct ctl_req req, json_t *args)
{
	const char *name = json_string_value(json_object_get(args, "instance"));
	struct sup_instance *in = name ? sup_find_instance(s, name) : NULL;
	const char *why = unjoinable(in);
	bool tty = in && in->plan.spec.terminal;
	int fds[3] = {-1, -1, -1}, input = -1;
	size_t n;

	if (why) {
		ctl_reply_error(cs, req, why,
				!in          ? "see `lxr ps` for its containers"
				: in->paused ? "`lxr unpause` it first"
					     : "start it first: `lxr start`, or `lxr up`");
		return;
	}
	/* docker attaches stdin only to a container made with it open
	 * (stdin_open, -i), a terminal or not */
	if (json_is_true(json_object_get(args, "stdin")) && in->plan.spec.open_stdin)
		input = tty ? in->outw.fd : in->stdin_w;
	if (add_tap(in, !tty, fds) < 0) {
		lxr_err err;
		lxr_fail(&err, errno, "attach %s: pipe", in->name);
		ctl_reply_err(cs, req, &err);
		return;
	}
	n = tty ? 1 : 2;
	if (input >= 0)
		fds[n++] = input;
	ctl_reply_fds(cs, req,
		      json_pack("{s:b,s:b,s:i,s:I}", "tty", tty, "stdin", input >= 0, "fds", (int)n,
				"pid", (json_int_t)rt_container_pid(in->c)),
		      fds, n);
	close(fds[0]); /* the read ends are the client's now */
	if (!tty)
		close(fds[1]);
}
