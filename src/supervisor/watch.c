/* What the supervisor's loop waits on and by: each descriptor a part of the
 * supervisor hands it (a pidfd, an output pipe, a health check's or a
 * hook's socket, the control socket) registered with its kind in the
 * loop's epoll set, and the clocks every deadline and record is on. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/epoll.h>
#include <time.h>

#include "supervisor/sup.h"

int64_t sup_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A health check's exec helper is waited for until its socket hangs up
 * (the command runs, or could not): the pid it reports before that would
 * only wake the loop early. */
uint32_t sup_watch_events(const struct sup_watch *w)
{
	return w->kind == W_HEALTH_SYNC || w->kind == W_HOOK_SYNC ? EPOLLRDHUP : EPOLLIN;
}

int sup_watch_add(struct sup *s, struct sup_watch *w, lxr_err *err)
{
	struct epoll_event ev = {.events = sup_watch_events(w), .data.ptr = w};

	if (w->fd < 0)
		return 0;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, w->fd, &ev) < 0)
		return lxr_fail(err, errno, "epoll_ctl add fd %d", w->fd);
	return 0;
}

void sup_watch_del(struct sup *s, struct sup_watch *w)
{
	if (w->fd >= 0)
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, w->fd, NULL);
}

void sup_watch_move(struct sup *s, struct sup_watch *w, void *ptr)
{
	struct epoll_event ev = {.events = sup_watch_events(w), .data.ptr = w};

	w->ptr = ptr;
	if (w->fd >= 0)
		epoll_ctl(s->epfd, EPOLL_CTL_MOD, w->fd, &ev);
}

int64_t sup_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
