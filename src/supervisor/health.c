/* Health checks (docker's rules): CMD / CMD-SHELL run inside the container's
 * namespaces and cgroup as its user; every `interval` (`start_interval`
 * during `start_period`); a check running past `timeout` is killed and
 * fails; `retries` failures in a row make the instance unhealthy; failures
 * during the start period do not count, a success there makes it healthy. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "supervisor/sup.h"

static bool in_start_period(const struct sup_instance *in, int64_t now)
{
	return now - in->fsm.started_at < in->health.start_period_us;
}

/* the buffer of the running check's output, made for the first check */
static char *out_buf(struct sup_health *h)
{
	if (!h->last_output)
		h->last_output = lxr_xcalloc(1, SUP_HEALTH_OUT);
	return h->last_output;
}

void sup_health_free(struct sup_health *h)
{
	free(h->last_output);
	h->last_output = NULL;
	for (size_t i = 0; i < SUP_HEALTH_LOG; i++) {
		free(h->log[i].output);
		h->log[i].output = NULL;
	}
}

static int64_t period(const struct sup_instance *in, int64_t now)
{
	if (in_start_period(in, now) && in->fsm.state != SVC_HEALTHY &&
	    in->health.start_interval_us)
		return in->health.start_interval_us;
	return in->health.interval_us;
}

void sup_health_arm(struct sup_instance *in, int64_t now)
{
	struct sup_health *h = &in->health;

	if (!h->enabled)
		return;
	h->failures = 0;
	h->kill_at = 0;
	h->next_at = now + period(in, now);
}

int64_t sup_health_deadline(const struct sup_instance *in)
{
	const struct sup_health *h = &in->health;

	/* The same test as sup_health_tick's: a deadline the tick would not
	 * act on (a stopping instance's next check) would wake the loop at
	 * once, forever. */
	if (!h->enabled || !in->c || !svc_state_is_up(in->fsm.state) || in->paused)
		return 0;
	if (h->syncw.fd >= 0)
		return 0; /* its helper's hang-up comes first; the timeout after */
	return h->pid > 0 ? h->kill_at : h->next_at;
}

static void close_check(struct sup *s, struct sup_health *h)
{
	sup_watch_del(s, &h->pidw);
	sup_watch_del(s, &h->outw);
	sup_watch_del(s, &h->syncw);
	if (h->pidw.fd >= 0)
		close(h->pidw.fd);
	if (h->outw.fd >= 0)
		close(h->outw.fd);
	h->pidw.fd = h->outw.fd = h->syncw.fd = -1;
	h->pid = -1;
	h->kill_at = 0;
}

void sup_health_stop(struct sup *s, struct sup_instance *in)
{
	struct sup_health *h = &in->health;

	if (h->syncw.fd >= 0) {
		/* being started: given up on without waiting for its exec (the
		 * container can hold that process stopped before it, and the
		 * loop with it), killed and reaped, judged as little as a
		 * running check cut short */
		pid_t pid;

		sup_watch_del(s, &h->syncw);
		h->syncw.fd = -1; /* closed by rt_exec_in_abort */
		rt_exec_in_abort(&h->starting, &pid);
		if (pid > 0)
			waitpid(pid, NULL, 0); /* SIGKILLed: a stopped process dies too */
	}
	if (h->pid > 0) {
		rt_exec_in_kill(h->pid);
		waitpid(h->pid, NULL, 0);
	}
	if (h->pid > 0 || h->pidw.fd >= 0 || h->outw.fd >= 0)
		close_check(s, h);
	h->next_at = 0;
}

/* Could not even run: that is a failed check, as with docker. Unless the
 * supervisor is out of descriptors for the moment (a big stack's checks
 * all at once under a low RLIMIT_NOFILE): that is no verdict on the
 * container, and the check runs again once others have ended. */
#define RETRY_US 50000

static void start_failed(struct sup *s, struct sup_instance *in, int r, const lxr_err *err)
{
	struct sup_health *h = &in->health;

	if (err->errnum == EMFILE || err->errnum == ENFILE) {
		h->pid = -1;
		h->next_at = sup_now() + RETRY_US;
		return;
	}
	snprintf(out_buf(h), SUP_HEALTH_OUT, "%s", err->msg);
	h->last_exit = r == -127 ? 127 : r == -126 ? 126 : 125;
	h->pid = -1;
	h->next_at = sup_now(); /* judged below */
	sup_health_on_exit(s, in);
}

/* The exec helper hung up: the check's command runs (its pid and pidfd
 * are collected) or could not start. */
static int finish_start(struct sup *s, struct sup_instance *in)
{
	struct sup_health *h = &in->health;
	struct lxr_stdio io = {.fds = {-1, -1, -1}, .pty_master = -1};
	int pidfd = -1, r;
	pid_t pid = -1;
	lxr_err err;

	sup_watch_del(s, &h->syncw);
	h->syncw.fd = -1; /* closed by rt_exec_in_end */
	r = rt_exec_in_end(&h->starting, in->name, &io, &pid, &pidfd, &err);
	if (r < 0) {
		if (h->outw.fd >= 0) {
			sup_watch_del(s, &h->outw);
			close(h->outw.fd);
			h->outw.fd = -1;
		}
		start_failed(s, in, r, &err);
		return -1;
	}
	h->pid = pid;
	h->pidw.fd = pidfd;
	if (sup_watch_add(s, &h->pidw, &err) < 0)
		sup_say(s, in, "health check: %s", err.msg);
	return 0;
}

void sup_health_on_started(struct sup *s, struct sup_instance *in)
{
	finish_start(s, in);
}

/* Started without waiting for it to run: the loop goes on with other
 * instances' checks and events while the helper joins the container, and
 * hears from it (sup_health_on_started) once the command runs. So checks
 * that fall due together run side by side, not one after another. */
static void start_check(struct sup *s, struct sup_instance *in, int64_t now)
{
	struct sup_health *h = &in->health;
	struct lxr_spec proc = in->plan.spec; /* the container's process, shallow */
	struct lxr_stdio io = {.fds = {-1, -1, -1}};
	int p[2], r;
	lxr_err err;

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		h->next_at = now + period(in, now);
		return;
	}
	proc.args = h->argv;
	proc.terminal = false;
	io.fds[1] = io.fds[2] = p[1];
	out_buf(h)[0] = '\0';
	h->check_start_ns = sup_wall_ns();
	r = rt_exec_in_begin(rt_container_pidfd(in->c), in->plan.spec.cgroup_group,
			     in->plan.spec.id, &proc, &io, &h->starting, &err);
	close(p[1]);
	if (r < 0) {
		close(p[0]);
		start_failed(s, in, r, &err);
		return;
	}
	h->syncw.fd = h->starting.sync;
	h->outw.fd = p[0];
	h->kill_at = now + h->timeout_us;
	h->next_at = 0;
	if (sup_watch_add(s, &h->syncw, &err) < 0 || sup_watch_add(s, &h->outw, &err) < 0) {
		sup_say(s, in, "health check: %s", err.msg);
		finish_start(s, in); /* unwatched: waited for here */
	}
}

void sup_health_tick(struct sup *s, struct sup_instance *in, int64_t now)
{
	struct sup_health *h = &in->health;

	if (!h->enabled || !in->c || !svc_state_is_up(in->fsm.state) || in->paused)
		return;
	if (h->pid > 0 && h->kill_at && now >= h->kill_at) {
		rt_exec_in_kill(h->pid); /* the exit arrives through the pidfd */
		snprintf(out_buf(h), SUP_HEALTH_OUT, "timed out after %lld ms",
			 (long long)(h->timeout_us / 1000));
		h->kill_at = 0;
		return;
	}
	if (h->pid <= 0 && h->syncw.fd < 0 && h->next_at && now >= h->next_at)
		start_check(s, in, now);
}

void sup_health_on_output(struct sup *s, struct sup_instance *in)
{
	struct sup_health *h = &in->health;
	size_t len = strlen(out_buf(h));
	const size_t cap = SUP_HEALTH_OUT - 1;
	char buf[512];
	ssize_t n;

	/* the last bytes are kept: where a check says why it failed */
	while ((n = read(h->outw.fd, buf, sizeof(buf))) > 0) {
		size_t take = (size_t)n;
		if (len + take > cap) {
			size_t drop = len + take - cap < len ? len + take - cap : len;
			memmove(h->last_output, h->last_output + drop, len - drop);
			len -= drop;
		}
		memcpy(h->last_output + len, buf, take);
		len += take;
		h->last_output[len] = '\0';
	}
	if (n == 0) {
		sup_watch_del(s, &h->outw);
		close(h->outw.fd);
		h->outw.fd = -1;
	}
}

/* docker inspect's State.Health.Log: the last SUP_HEALTH_LOG checks */
static void log_result(struct sup_health *h)
{
	struct sup_health_result *r = &h->log[h->log_next];

	r->start_ns = h->check_start_ns;
	r->end_ns = sup_wall_ns();
	r->exit_code = h->last_exit;
	free(r->output);
	r->output = lxr_xstrdup(out_buf(h));
	h->log_next = (h->log_next + 1) % SUP_HEALTH_LOG;
	if (h->n_log < SUP_HEALTH_LOG)
		h->n_log++;
}

void sup_health_pause(struct sup *s, struct sup_instance *in, bool paused)
{
	struct sup_health *h = &in->health;

	if (!h->enabled)
		return;
	if (paused) {
		sup_health_stop(s, in); /* cut short: no result, nothing counted */
		return;
	}
	h->next_at = sup_now() + period(in, sup_now());
}

/* The check finished (or could not start): judge it. */
void sup_health_on_exit(struct sup *s, struct sup_instance *in)
{
	struct sup_health *h = &in->health;
	int64_t now = sup_now();
	bool ok;

	if (h->pid > 0) {
		int st = 0;
		if (h->outw.fd >= 0)
			sup_health_on_output(s, in);
		while (waitpid(h->pid, &st, 0) < 0 && errno == EINTR)
			;
		h->last_exit = rt_container_exit_code(st);
		close_check(s, h);
	}
	log_result(h);
	ok = h->last_exit == 0;
	h->next_at = now + period(in, now);
	if (ok) {
		h->failures = 0;
		if (in->fsm.state != SVC_HEALTHY)
			sup_event(s, in, EV_HEALTHY, 0);
		return;
	}
	if (in_start_period(in, now) && in->fsm.state != SVC_HEALTHY)
		return; /* docker: failures while starting up do not count */
	if (++h->failures >= h->retries && in->fsm.state != SVC_UNHEALTHY) {
		sup_say(s, in, "unhealthy: %d failed checks, last exit %d: %s", h->failures,
			h->last_exit, out_buf(h));
		sup_event(s, in, EV_UNHEALTHY, h->last_exit);
	}
}

void sup_health_init(struct sup_instance *in)
{
	in->health.pid = -1;
}
