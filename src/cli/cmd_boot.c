/* lxr boot: the boot stacks of an edge box ([boot] stacks in lxr.conf,
 * docs/boot.md), as lxr.service's main process or forked by lxr as PID 1.
 * Each stack is started as `lxr -f FILE up --wait` would (one detached
 * supervisor per stack, as ever) in the configured order, and stopped
 * with `lxr -f FILE down` in the reverse order: this process only
 * sequences other lxr processes and speaks systemd's notify protocol, so
 * the supervisors owe it nothing and outlive a crash of it. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lxr/config.h"
#include "lxr/settings.h"
#include "lxr/supervisor.h"

struct boot_stack {
	char *file, *project;
	bool started;
};

static struct {
	struct boot_stack *v;
	size_t n;
	int sfd;                /* signalfd: SIGTERM, SIGINT, SIGCHLD */
	int64_t wd_us;          /* watchdog period, 0: none */
	int64_t wd_next;        /* CLOCK_MONOTONIC µs of the next ping */
	bool stop;              /* SIGTERM or SIGINT came */
	struct sup_watchdog hw; /* lxr.conf's [watchdog], unless PID 1 pets it */
} bt = {.sfd = -1, .hw = {.fd = -1}};

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void status(const char *fmt, ...)
{
	char line[600] = "STATUS=";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line + 7, sizeof(line) - 7, fmt, ap);
	va_end(ap);
	sup_notify_send(line);
	fprintf(stderr, "lxr boot: %s\n", line + 7);
}

static void add_file(const char *path)
{
	for (size_t i = 0; i < bt.n; i++)
		if (!strcmp(bt.v[i].file, path))
			return; /* named twice (a file and a glob): started once */
	bt.v = lxr_xrealloc(bt.v, (bt.n + 1) * sizeof(*bt.v));
	bt.v[bt.n++] = (struct boot_stack){.file = lxr_xstrdup(path)};
}

/* [boot] stacks, each glob expanded in sorted order. A glob that matches
 * nothing is no stack (an empty /etc/lxr/stacks); a plain path that does
 * not exist is a mistake in lxr.conf. */
static int list_stacks(void)
{
	static char *fallback[] = {CFG_BOOT_STACKS, NULL};
	struct cfg_settings s;
	lxr_err err = {0};
	char **pat;
	int r = LXR_EXIT_OK;

	if (cfg_settings_load(NULL, &s, &err) < 0) {
		lxr_err_print(&err);
		return LXR_EXIT_USAGE;
	}
	pat = s.boot_stacks ? s.boot_stacks : fallback;
	for (size_t i = 0; pat[i] && r == LXR_EXIT_OK; i++) {
		char **m = NULL;
		int gr = lxr_glob(pat[i], &m, &err);

		if (gr == 0 && strpbrk(pat[i], "*?[")) {
			continue;
		} else if (gr == 0) {
			fprintf(stderr,
				"lxr: error: boot stack %s: no such file\n"
				"lxr: hint: fix [boot] stacks in lxr.conf, or add the file\n",
				pat[i]);
			r = LXR_EXIT_USAGE;
		} else if (gr < 0) {
			lxr_err_wrap(&err, "boot stacks: %s", pat[i]);
			lxr_err_print(&err);
			r = LXR_EXIT_FAIL;
		} else {
			for (size_t k = 0; m[k]; k++)
				add_file(m[k]);
			lxr_strv_free(m);
		}
	}
	cfg_settings_free(&s);
	return r;
}

/* The graph `up` would build of st (what its services set that lxr does
 * not run, two on one host port): said, false */
static bool plans(struct cfg_stack *st, const char *file)
{
	_cleanup_strv_ char **profiles = NULL;
	struct plan_graph *g = NULL;
	lxr_err err;

	cli_profiles_default(&profiles, file);
	struct plan_select sel = {(const char *const *)profiles, NULL, false, false};
	if (plan_graph_build(st, &sel, &g, &err) < 0) {
		lxr_err_print(&err);
		return false;
	}
	plan_graph_free(g);
	return true;
}

/* Every file loads and plans as `up` would have it, and no two are the
 * same project, before the first one starts: a bad file changes nothing. */
static int check_stacks(void)
{
	int r = LXR_EXIT_OK;

	for (size_t i = 0; i < bt.n; i++) {
		struct cfg_stack *st = NULL;

		if (cli_stack_load(bt.v[i].file, NULL, &st) != LXR_EXIT_OK ||
		    !plans(st, bt.v[i].file)) {
			fprintf(stderr, "lxr: error: boot stack %s cannot run (above)\n",
				bt.v[i].file);
			cfg_stack_free(st);
			r = LXR_EXIT_USAGE;
			continue;
		}
		bt.v[i].project = lxr_xstrdup(st->project);
		cfg_stack_free(st);
		for (size_t k = 0; k < i; k++) {
			if (!bt.v[k].project || strcmp(bt.v[k].project, bt.v[i].project))
				continue;
			fprintf(stderr,
				"lxr: error: boot stacks %s and %s are both project \"%s\"\n"
				"lxr: hint: give each stack file its own top-level `name:`\n",
				bt.v[k].file, bt.v[i].file, bt.v[i].project);
			r = LXR_EXIT_USAGE;
		}
	}
	return r;
}

static void watchdog(void)
{
	if (bt.wd_us && now_us() >= bt.wd_next) {
		sup_notify_send("WATCHDOG=1");
		bt.wd_next = now_us() + bt.wd_us / 2;
	}
}

/* Wait for a signal or the next watchdog ping; returns after one event.
 * *child: set to the exit code once `pid` has ended. */
static void wait_event(pid_t pid, int *child)
{
	struct pollfd p = {.fd = bt.sfd, .events = POLLIN};
	struct signalfd_siginfo si;
	int timeout = -1, st;

	int64_t pet = sup_watchdog_pet(&bt.hw);

	if (bt.wd_us)
		timeout = (int)((bt.wd_next - now_us()) / 1000) + 1;
	if (timeout < 0 && bt.wd_us)
		timeout = 0;
	if (pet >= 0 && (timeout < 0 || pet < timeout))
		timeout = (int)pet;
	if (poll(&p, 1, timeout) > 0 && read(bt.sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			bt.stop = true;
	}
	watchdog();
	sup_watchdog_pet(&bt.hw);
	/* a child of ours ends: reap whatever ended (SIGCHLD coalesces) */
	for (pid_t w; (w = waitpid(-1, &st, WNOHANG)) > 0;)
		if (w == pid)
			*child = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* `lxr ARGS...` as a child, this very binary; its exit code. A stop asked
 * for meanwhile is passed on to it (an `up --wait` stops waiting). */
static int run_lxr(char *const args[], bool pass_stop)
{
	sigset_t none;
	int code = -1;
	bool passed = false;
	pid_t pid = fork();

	if (pid < 0)
		return LXR_EXIT_FAIL;
	if (pid == 0) {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execv("/proc/self/exe", args);
		fprintf(stderr, "lxr boot: exec /proc/self/exe: %s\n", strerror(errno));
		_exit(127);
	}
	while (code < 0) {
		wait_event(pid, &code);
		if (pass_stop && bt.stop && !passed) {
			kill(pid, SIGTERM);
			passed = true;
		}
	}
	return code;
}

/* [watchdog] of lxr.conf, opened here when PID 1 is not lxr (which pets it
 * itself): `lxr boot` is then the process whose loop must not hang. A
 * device that cannot be opened stops the boot before any stack starts. */
static int watchdog_open(void)
{
	const struct cfg_settings *s = cli_settings();
	char comm[64];
	lxr_err err = {0};

	if (!s->watchdog_device || cli_pid1_is_lxr(comm, sizeof(comm)))
		return 0;
	if (sup_watchdog_open(&bt.hw, s->watchdog_device, s->watchdog_timeout,
			      s->watchdog_interval_us, &err) < 0) {
		lxr_err_wrap(&err, "lxr boot");
		lxr_err_print(&err);
		return -1;
	}
	fprintf(stderr, "lxr boot: watchdog %s: timeout %d s, pet every %lld ms\n", bt.hw.device,
		bt.hw.timeout_s, (long long)(bt.hw.interval_us / 1000));
	return 0;
}

static void watchdog_close(void)
{
	if (bt.hw.fd < 0)
		return;
	if (sup_watchdog_disarm(&bt.hw) < 0)
		fprintf(stderr,
			"lxr boot: watchdog %s still runs after the magic close (nowayout): the "
			"box resets unless something pets it\n",
			bt.hw.device);
	else
		fprintf(stderr, "lxr boot: watchdog %s disarmed\n", bt.hw.device);
}

static void stop_all(void)
{
	sup_notify_send("STOPPING=1");
	for (size_t i = bt.n; i-- > 0;) {
		char *args[] = {"lxr", "--progress", "plain", "-f", bt.v[i].file, "down", NULL};
		int r;

		if (!bt.v[i].started)
			continue;
		status("stopping boot stack %zu/%zu: %s", i + 1, bt.n, bt.v[i].project);
		r = run_lxr(args, false);
		if (r)
			fprintf(stderr, "lxr boot: %s: down exited %d\n", bt.v[i].file, r);
		bt.v[i].started = false;
	}
}

static void start_all(void)
{
	size_t failed = 0;
	char names[400] = "";

	for (size_t i = 0; i < bt.n && !bt.stop; i++) {
		/* plain: a console or journal, not a terminal to redraw */
		char *args[] = {"lxr",        "--progress", "plain",  "-f",
				bt.v[i].file, "up",         "--wait", NULL};
		int r;

		status("starting boot stack %zu/%zu: %s", i + 1, bt.n, bt.v[i].project);
		/* started even when it failed: its supervisor may live on (and
		 * restart what failed), and down removes whatever it left */
		bt.v[i].started = true;
		r = run_lxr(args, true);
		if (r && !bt.stop) {
			size_t l = strlen(names);
			fprintf(stderr,
				"lxr boot: error: boot stack %s (%s) did not come up (exit %d)\n",
				bt.v[i].project, bt.v[i].file, r);
			snprintf(names + l, sizeof(names) - l, "%s%s", failed ? ", " : "",
				 bt.v[i].project);
			failed++;
		}
	}
	if (bt.stop)
		return;
	/* READY=1 once every stack has been brought up as far as it goes: a
	 * box keeps running the stacks that work, and says which did not */
	{
		char line[600];
		snprintf(line, sizeof(line), "READY=1\nSTATUS=%zu/%zu boot stacks up%s%s",
			 bt.n - failed, bt.n, failed ? "; failed: " : "", names);
		sup_notify_send(line);
		fprintf(stderr, "lxr boot: %s\n", line + 15);
	}
}

int cmd_boot(int argc, char **argv)
{
	bool down = false;
	sigset_t set;
	int r;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i]))
			return fputs(cli_help("boot"), stdout), LXR_EXIT_OK;
		if (!strcmp(argv[i], "--down")) {
			down = true;
			continue;
		}
		fprintf(stderr, "lxr boot: error: unknown argument \"%s\"\n", argv[i]);
		fputs(cli_help("boot"), stderr);
		return LXR_EXIT_USAGE;
	}
	r = list_stacks();
	if (r == LXR_EXIT_OK)
		r = check_stacks();
	if (r != LXR_EXIT_OK)
		return r;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	bt.sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (bt.sfd < 0) {
		fprintf(stderr, "lxr boot: error: signalfd: %s\n", strerror(errno));
		return LXR_EXIT_FAIL;
	}
	bt.wd_us = sup_notify_watchdog_usec();
	bt.wd_next = now_us();
	watchdog();
	if (down) {
		for (size_t i = 0; i < bt.n; i++)
			bt.v[i].started = true;
		stop_all();
		return LXR_EXIT_OK;
	}
	if (watchdog_open() < 0)
		return LXR_EXIT_FAIL;
	start_all();
	while (!bt.stop) {
		int never = 0;
		wait_event(-1, &never);
	}
	stop_all();
	watchdog_close();
	/* a requested stop is a clean end, whatever failed to start before */
	return LXR_EXIT_OK;
}
