/* The control socket. Until the control protocol lands (issue 4, in
 * progress), the supervisor opens no socket: `lxr down` reaches it by
 * SIGTERM through the pid under its project lock, and there is no `lxr ps`,
 * `stop`, `start`, `events` yet. These functions are where the protocol
 * plugs into the loop (loop.c dispatches W_LISTEN and W_CLIENT here). */
#include "supervisor/sup.h"

int sup_control_open(struct sup *s, lxr_err *err)
{
	s->listenw = (struct sup_watch){W_LISTEN, NULL, -1};
	return 0;
}

void sup_control_accept(struct sup *s)
{
}

void sup_control_read(struct sup *s, struct sup_watch *w)
{
}

void sup_control_broadcast(struct sup *s, const char *line)
{
}

void sup_control_close(struct sup *s)
{
}
