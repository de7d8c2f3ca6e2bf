/* Stages that need no other between them built side by side, as BuildKit
 * builds them. Each such stage is built in a child process of the build
 * (its own layer and view names, its own secrets tmpfs, its endpoints and
 * containers its own), wave by wave (bld_plan_waves); what a child makes
 * goes to the step cache. The build then runs in order as ever and finds
 * those steps cached, so the image and its config come from one process
 * exactly as without children. A child prints its own error; a failed
 * child stops its wave's others (SIGTERM) and the build. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build/build_internal.h"

/* si and every stage it needs, marked */
static void closure(const struct bld_plan *p, size_t si, bool *mark)
{
	const struct bld_stage *st = &p->stages[si];

	if (mark[si])
		return;
	mark[si] = true;
	if (st->base_stage >= 0)
		closure(p, (size_t)st->base_stage, mark);
	for (size_t k = 0; k < st->n_copy_from; k++)
		closure(p, (size_t)st->copy_from[k], mark);
}

static const char *stage_name(const struct bld_plan *p, size_t si, char *buf, size_t len)
{
	if (p->stages[si].name)
		snprintf(buf, len, "%zu (%s)", si, p->stages[si].name);
	else
		snprintf(buf, len, "%zu", si);
	return buf;
}

static _Noreturn void child(struct bldx_run *r, size_t si)
{
	const struct bld_plan *p = r->o->plan;
	bool *mark = lxr_xcalloc(p->n, sizeof(bool));
	lxr_err err = {0};
	int rc = 0;

	closure(p, si, mark);
	/* a work directory of its own, and its steps' lines tagged */
	static struct bld_opts o;
	o = *r->o;
	o.work = lxr_xasprintf("%s/stage.%zu", r->o->work, si);
	_cleanup_free_ char *layers = lxr_xasprintf("%s/layers", o.work);
	char name[96];
	r->o = &o;
	r->tag = lxr_xasprintf("[stage %s] ", stage_name(p, si, name, sizeof(name)));
	if (lxr_mkdir_p(layers, 0755, &err) < 0) {
		lxr_err_print(&err);
		_exit(1);
	}
	/* what earlier waves built is cached: those stages replay quickly */
	for (size_t i = 0; i < p->n && rc == 0; i++)
		if (mark[i])
			rc = bldx_do_stage(r, i, &err);
	if (rc < 0)
		lxr_err_print(&err);
	bldx_secrets_free(r);
	fflush(NULL);
	_exit(rc < 0 ? 1 : 0);
}

/* wait for every child of a wave; SIGINT/SIGTERM/SIGHUP on the build go
 * on to them (poll, unlike waitpid under SA_RESTART, returns on a signal) */
static int wait_wave(struct bldx_run *r, pid_t *pid, size_t *si, size_t n, lxr_err *err)
{
	struct pollfd *pf = lxr_xcalloc(n, sizeof(*pf));
	size_t left = n, failed = n;
	bool forwarded = false;

	for (size_t i = 0; i < n; i++) {
		pf[i].fd = (int)syscall(SYS_pidfd_open, pid[i], 0);
		pf[i].events = POLLIN;
	}
	while (left > 0) {
		for (size_t i = 0; i < n; i++) {
			int st;
			/* a child without a pidfd (an old kernel) is waited for
			 * here, in turn */
			if (pid[i] <= 0 || (pf[i].fd >= 0 && !(pf[i].revents & POLLIN)))
				continue;
			if (waitpid(pid[i], &st, 0) < 0 && errno == EINTR)
				continue;
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				if (failed == n)
					failed = i;
				for (size_t k = 0; k < n; k++)
					if (pid[k] > 0 && k != i)
						kill(pid[k], SIGTERM);
			}
			pid[i] = 0;
			if (pf[i].fd >= 0)
				close(pf[i].fd);
			pf[i].fd = -1;
			left--;
		}
		if (!left)
			break;
		int sig = bldx_stop_signal();
		if (sig && !forwarded) {
			for (size_t k = 0; k < n; k++)
				if (pid[k] > 0)
					kill(pid[k], sig);
			forwarded = true;
		}
		if (poll(pf, n, -1) < 0 && errno != EINTR) {
			free(pf);
			return lxr_fail(err, errno, "poll for the stages built side by side");
		}
	}
	free(pf);
	if (failed < n) {
		char b[96];
		return lxr_fail(err, 0, "stage %s failed (its error is above)",
				stage_name(r->o->plan, si[failed], b, sizeof(b)));
	}
	return bldx_stop_signal() ? lxr_fail(err, EINTR, "the build was interrupted") : 0;
}

int bldx_prebuild(struct bldx_run *r, lxr_err *err)
{
	const struct bld_plan *p = r->o->plan;
	_cleanup_free_ int *wave = lxr_xcalloc(p->n + 1, sizeof(int));
	int nw = bld_plan_waves(p, wave);
	bool any = false;

	/* a no-cache filter's stage would run here and again in order */
	if (!r->o->cache || r->o->no_cache || (r->o->no_cache_stages && r->o->no_cache_stages[0]))
		return 0;
	/* the target's wave is the build's own, run in order after this */
	for (int w = 0; w < wave[p->target]; w++) {
		size_t k = 0;
		for (size_t i = 0; i < p->n; i++)
			k += wave[i] == w;
		any |= k > 1;
	}
	if (!any || nw < 2)
		return 0;
	for (int w = 0; w < wave[p->target]; w++) {
		_cleanup_free_ pid_t *pid = lxr_xcalloc(p->n, sizeof(pid_t));
		_cleanup_free_ size_t *si = lxr_xcalloc(p->n, sizeof(size_t));
		size_t n = 0;
		int forked = 0;

		for (size_t i = 0; i < p->n && forked == 0; i++) {
			if (wave[i] != w)
				continue;
			fflush(NULL);
			pid_t c = fork();
			if (c < 0) {
				forked = -errno;
				break;
			}
			if (c == 0)
				child(r, i);
			pid[n] = c;
			si[n++] = i;
		}
		if (forked < 0) {
			for (size_t k = 0; k < n; k++)
				kill(pid[k], SIGTERM);
			lxr_err e2;
			wait_wave(r, pid, si, n, &e2);
			return lxr_fail(err, -forked, "fork to build stages side by side");
		}
		if (wait_wave(r, pid, si, n, err) < 0)
			return -1;
	}
	return 0;
}
