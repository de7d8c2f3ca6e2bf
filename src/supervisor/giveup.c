/* x-lxr on_give_up: what a box does once a service's restart limit is used
 * up (finit's oncrash). The reason is written first, whole or not at all,
 * to the data directory (which outlives a reboot, where the run directory
 * does not), so `lxr ps` on the next boot can say why the box went down. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "lxr/supervisor.h"
#include "supervisor/sup.h"

#define GIVE_UP_FILE "give-up"

/* This boot's id: the record's boot tells whether it is of an earlier boot. */
static void boot_id(char *out, size_t len)
{
	_cleanup_free_ char *text = NULL;
	size_t n;
	lxr_err err;

	snprintf(out, len, "unknown");
	if (lxr_read_file_at(AT_FDCWD, "/proc/sys/kernel/random/boot_id", &text, &n, &err) == 0)
		snprintf(out, len, "%.*s", (int)strcspn(text, "\n"), text);
}

static void record(const struct sup *s, const struct sup_instance *in, const char *action)
{
	_cleanup_close_ int dfd = -1;
	_cleanup_free_ char *text = NULL;
	char boot[64];
	lxr_err err;

	if (lxr_mkdir_p(lxr_data_dir(), 0700, &err) == 0)
		dfd = open(lxr_data_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	boot_id(boot, sizeof(boot));
	text = lxr_xasprintf("boot %s\ntime %lld\nproject %s\nservice %s\ninstance %s\n"
			     "restarts %d\nexit %d\naction %s\n",
			     boot, (long long)time(NULL), s->stack->project, in->svc->cfg->name,
			     in->name, in->fsm.restarts, in->fsm.last_exit, action);
	if (dfd < 0 || lxr_write_file_atomic(dfd, GIVE_UP_FILE, text, strlen(text), 0644, &err) < 0)
		lxr_warn("on_give_up: cannot record why in %s/" GIVE_UP_FILE, lxr_data_dir());
}

/* The box's init is asked, as `lxr reboot`/`poweroff` and systemctl do:
 * lxr as PID 1 by its signals, systemd through systemctl. */
static bool ask_init(const char *action)
{
	_cleanup_free_ char *comm = NULL;
	size_t n;
	lxr_err err;
	pid_t pid;

	if (lxr_read_file_at(AT_FDCWD, "/proc/1/comm", &comm, &n, &err) == 0 &&
	    !strncmp(comm, "lxr-pid1", 8))
		return kill(1, !strcmp(action, "reboot") ? SIGTERM : SIGUSR2) == 0;
	if (access("/run/systemd/system", F_OK) != 0)
		return false;
	pid = fork();
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL); /* the supervisor ignores it; systemctl need not */
		execlp("systemctl", "systemctl", "--no-block", action, (char *)NULL);
		_exit(127);
	}
	return pid > 0;
}

void sup_give_up(struct sup *s, struct sup_instance *in)
{
	const char *action = in->svc->cfg->x_lxr.on_give_up.v;

	if (!action || !strcmp(action, "none"))
		return;
	record(s, in, action);
	lxr_warn("%s gave up after %d restart(s) (exit %d): on_give_up %s", in->name,
		 in->fsm.restarts, in->fsm.last_exit, action);
	if (strcmp(action, "stop-stack") && ask_init(action))
		return;
	if (strcmp(action, "stop-stack"))
		lxr_warn(
		    "on_give_up %s: PID 1 is neither lxr nor systemd; stopping the stack instead",
		    action);
	sup_stop_all(s);
}

int sup_give_up_read(char **text)
{
	_cleanup_free_ char *path = lxr_xasprintf("%s/" GIVE_UP_FILE, lxr_data_dir());
	size_t n;
	lxr_err err;

	return lxr_read_file_at(AT_FDCWD, path, text, &n, &err);
}

bool sup_give_up_earlier_boot(const char *text)
{
	char boot[64], want[80];

	boot_id(boot, sizeof(boot));
	snprintf(want, sizeof(want), "boot %s\n", boot);
	return strncmp(text, want, strlen(want)) != 0;
}
