/* A call made in a forked child, for what must not change the caller:
 * entering another namespace, or a build that leaves its own behind. The
 * child's error comes back whole (errno, message, hint) through a pipe. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>

#include "lxr/util.h"

int lxr_child_start(int (*fn)(void *ctx, lxr_err *err), void *ctx, struct lxr_child *c,
		    lxr_err *err)
{
	int p[2];

	c->pid = -1;
	c->fd = -1;
	if (pipe2(p, O_CLOEXEC) < 0)
		return lxr_fail(err, errno, "pipe");
	fflush(NULL); /* nothing buffered is written twice */
	c->pid = fork();
	if (c->pid < 0) {
		close(p[0]);
		close(p[1]);
		return lxr_fail(err, errno, "fork");
	}
	if (c->pid == 0) {
		lxr_err e = {0};
		int r;
		close(p[0]);
		r = fn(ctx, &e);
		fflush(NULL);
		if (r < 0)
			(void)!write(p[1], &e, sizeof(e));
		_exit(r == 0 ? 0 : r == -2 ? 2 : 1);
	}
	close(p[1]);
	c->fd = p[0];
	return 0;
}

int lxr_child_finish(struct lxr_child *c, const char *what, lxr_err *err)
{
	int st = 0;
	ssize_t n;

	n = read(c->fd, err, sizeof(*err));
	close(c->fd);
	c->fd = -1;
	while (waitpid(c->pid, &st, 0) < 0 && errno == EINTR)
		;
	c->pid = -1;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (n != (ssize_t)sizeof(*err))
		lxr_fail(err, EIO, "%s: its process died", what);
	return WIFEXITED(st) && WEXITSTATUS(st) == 2 ? -2 : -1;
}

int lxr_call_in_child(int (*fn)(void *ctx, lxr_err *err), void *ctx, const char *what, lxr_err *err)
{
	struct lxr_child c;

	if (lxr_child_start(fn, ctx, &c, err) < 0)
		return -1;
	return lxr_child_finish(&c, what, err);
}
