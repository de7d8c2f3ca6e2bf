/* The control socket's "attach": a running container's input, handed to
 * `lxr attach` (SCM_RIGHTS) as docker attach gets it. With tty: true the
 * terminal's master (what is written to it is the container's typing;
 * TIOCSWINSZ on it sizes the terminal); with stdin_open alone the write
 * end of its stdin, which the supervisor holds open and never writes. The
 * supervisor keeps its own: one client's end never ends the container's
 * input. A container with neither has no input to hand over: the reply
 * says so, and attach shows its output alone, as docker's does. */
#define _GNU_SOURCE
#include <string.h>
#include <unistd.h>

#include "supervisor/sup.h"

static struct sup_instance *named(struct sup *s, const char *name)
{
	FOR_EACH_INSTANCE(s, in)
	{
		if (name && !strcmp(in->name, name))
			return in;
	}
	return NULL;
}

void sup_attach_serve(struct sup *s, struct ctl_server *cs, struct ctl_req req, json_t *args)
{
	const char *name = json_string_value(json_object_get(args, "instance"));
	struct sup_instance *in = named(s, name);
	int fd = -1;

	if (!in) {
		ctl_reply_error(cs, req, "no such container in this project",
				"see `lxr ps` for its containers");
		return;
	}
	/* running, its start done: a terminal's master is the output watch's
	 * only once the start has handed it over */
	if (!in->c || !svc_state_is_up(in->fsm.state) || in->paused) {
		ctl_reply_error(cs, req,
				in->paused ? "the container is paused"
					   : "the container is not running",
				in->paused ? "`lxr unpause` it first"
					   : "start it first: `lxr start`, or `lxr up`");
		return;
	}
	if (in->plan.spec.terminal && in->outw.fd >= 0 && isatty(in->outw.fd))
		fd = in->outw.fd;
	else if (!in->plan.spec.terminal && in->stdin_w >= 0)
		fd = in->stdin_w;
	if (fd < 0) {
		ctl_reply_ok(cs, req,
			     json_pack("{s:b,s:b}", "stdin", 0, "tty", in->plan.spec.terminal));
		return;
	}
	ctl_reply_fd(cs, req, json_pack("{s:b,s:b}", "stdin", 1, "tty", in->plan.spec.terminal),
		     fd);
}
