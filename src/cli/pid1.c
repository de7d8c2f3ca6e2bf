/* lxr as PID 1 (init=/usr/sbin/lxr, or /sbin/init a link to it):
 * docs/boot.md. PID 1 stays a small loop that cannot get stuck: it mounts
 * the API filesystems, names the host, brings up loopback, then forks
 * `lxr boot` (which starts the boot stacks, each under its own detached
 * supervisor) and from there only reaps — every orphan of the box ends up
 * here — and waits for a shutdown signal (busybox init's: SIGUSR2 power
 * off, SIGTERM reboot, SIGUSR1 halt; SIGINT is ctrl-alt-del, a reboot).
 * A fatal signal in PID 1 would panic the kernel, so it is caught, logged
 * to /dev/kmsg, and PID 1 re-executes itself with its state on the command
 * line; its children (boot, the supervisors) live on and stay its own.
 * With a [watchdog] device in lxr.conf, PID 1 opens it and pets it from
 * this loop, so a stuck PID 1 resets the box; the descriptor crosses the
 * re-exec, and only the end of an ordered shutdown disarms it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lxr/config.h"
#include "lxr/settings.h"
#include "lxr/supervisor.h"

#define REEXEC_FLAG  "--pid1-reexec"
#define MAX_CRASHES  10  /* re-executions before PID 1 gives up and reboots */
#define STOP_LIMIT_S 600 /* the boot stacks' ordered stop, at most */
#define KILL_GRACE_S 3   /* between SIGTERM and SIGKILL to what is left */
#define BOOT_RETRY_S 10  /* a `lxr boot` that failed is started again */

extern char **environ;

static int kmsg = -1;
static struct sup_watchdog wd = {.fd = -1};
/* the re-exec's arguments, kept current so the crash handler only execs;
 * arg_wd is the watchdog's "FD:INTERVAL_MS" */
static char arg_boot[24] = "0", arg_cmd[24] = "0", arg_crashes[24] = "0", arg_wd[48] = "-1:0";
static char *reexec_argv[] = {"lxr-pid1",  REEXEC_FLAG, arg_boot, arg_cmd,
			      arg_crashes, arg_wd,      NULL};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "<6>lxr-pid1: ");
	va_list ap;

	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	/* the console is init's stderr; /dev/kmsg keeps it in dmesg (at
	 * level 6, which a `quiet` console does not show twice) */
	(void)!write(STDERR_FILENO, line + 3, (size_t)n - 3);
	if (kmsg >= 0)
		(void)!write(kmsg, line, (size_t)n);
}

static void crash(int sig)
{
	static const char msg[] = "<2>lxr-pid1: fatal signal in PID 1: re-executing lxr\n";

	/* at level 2 the kernel shows it on the console too */
	if (kmsg < 0 || write(kmsg, msg, sizeof(msg) - 1) < 0)
		(void)!write(STDERR_FILENO, msg + 3, sizeof(msg) - 4);
	(void)sig;
	/* the watchdog stays open across the exec, or its close would leave
	 * it armed and unpet: the new PID 1 takes the descriptor over */
	if (wd.fd >= 0)
		fcntl(wd.fd, F_SETFD, 0);
	execve("/proc/self/exe", reexec_argv, environ);
	/* no way back into the program: end the box in order rather than
	 * let the kernel panic on a dead init */
	sync();
	reboot(RB_AUTOBOOT);
	_exit(1);
}

static void nothing(int sig)
{
	(void)sig;
}

static bool is_mountpoint(const char *path)
{
	struct stat a, b;
	char up[256];

	snprintf(up, sizeof(up), "%s/..", path);
	return stat(path, &a) == 0 && stat(up, &b) == 0 && a.st_dev != b.st_dev;
}

static void mount_api(const char *fstype, const char *target, unsigned long flags, const char *data)
{
	if (is_mountpoint(target))
		return; /* the kernel (devtmpfs.mount) or an initramfs did it */
	mkdir(target, 0755);
	if (mount(fstype, target, fstype, flags, data) < 0)
		say("mount %s on %s: %s", fstype, target, strerror(errno));
}

static void hostname_from_file(void)
{
	char name[65] = "";
	FILE *f = fopen("/etc/hostname", "re");

	if (!f)
		return;
	if (fgets(name, sizeof(name), f))
		name[strcspn(name, " \t\r\n#")] = '\0';
	fclose(f);
	if (name[0] && sethostname(name, strlen(name)) < 0)
		say("sethostname %s: %s", name, strerror(errno));
}

static void loopback_up(void)
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			say("loopback up: %s", strerror(errno));
	}
	close(fd);
}

static void setup_box(void)
{
	mount_api("proc", "/proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount_api("sysfs", "/sys", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount_api("devtmpfs", "/dev", MS_NOSUID, "mode=0755");
	mount_api("devpts", "/dev/pts", MS_NOSUID | MS_NOEXEC, "mode=0620,ptmxmode=0666");
	mount_api("tmpfs", "/dev/shm", MS_NOSUID | MS_NODEV, "mode=1777");
	mount_api("tmpfs", "/run", MS_NOSUID | MS_NODEV, "mode=0755");
	/* one unified hierarchy: lxr as init boots a pure cgroup v2 box */
	mount_api("cgroup2", "/sys/fs/cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	hostname_from_file();
	loopback_up();
}

/* `lxr boot` (down: `lxr boot --down`) as a child in a session of its own */
static pid_t start_boot(bool down)
{
	sigset_t none;
	pid_t pid = fork();

	if (pid == 0) {
		sigemptyset(&none);
		for (int s = 1; s < NSIG; s++)
			signal(s, SIG_DFL);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setsid();
		execv("/proc/self/exe", (char *[]){"lxr", "boot", down ? "--down" : NULL, NULL});
		_exit(127);
	}
	if (pid < 0)
		say("fork lxr boot: %s", strerror(errno));
	return pid > 0 ? pid : 0;
}

static int64_t now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void set_state(pid_t boot, int cmd)
{
	snprintf(arg_boot, sizeof(arg_boot), "%d", (int)boot);
	snprintf(arg_cmd, sizeof(arg_cmd), "%d", cmd);
}

static const char *status_text(int st, char *buf, size_t size)
{
	if (WIFEXITED(st))
		snprintf(buf, size, "exit %d", WEXITSTATUS(st));
	else
		snprintf(buf, size, "signal %d", WTERMSIG(st));
	return buf;
}

/* Reap every child that ended; *boot is cleared when it was boot. */
static void reap(pid_t *boot, int *boot_status)
{
	char why[32];
	int st;

	for (pid_t pid; (pid = waitpid(-1, &st, WNOHANG)) > 0;) {
		if (pid == *boot) {
			*boot = 0;
			*boot_status = st;
			say("lxr boot ended (%s)", status_text(st, why, sizeof(why)));
		} else {
			say("reaped orphan %d (%s)", (int)pid, status_text(st, why, sizeof(why)));
		}
	}
}

/* Wait up to `limit` seconds (-1: no limit) for a signal in set; 0 on
 * timeout. The watchdog's pets come due in here: every wait of PID 1 is
 * this one, so PID 1 stuck anywhere is a box that resets. */
static int next_signal(const sigset_t *set, int64_t limit)
{
	int64_t ms = limit < 0 ? -1 : limit * 1000, pet = sup_watchdog_pet(&wd);
	struct timespec ts;
	siginfo_t si;
	int sig;

	if (pet >= 0 && (ms < 0 || pet < ms))
		ms = pet;
	ts = (struct timespec){.tv_sec = ms > 0 ? ms / 1000 : 0,
			       .tv_nsec = ms > 0 ? (ms % 1000) * 1000000 : 0};
	sig = sigtimedwait(set, &si, ms < 0 ? NULL : &ts);
	sup_watchdog_pet(&wd);
	return sig < 0 ? 0 : sig;
}

static void pet_now(void)
{
	wd.next_us = 0;
	sup_watchdog_pet(&wd);
}

/* [watchdog] of lxr.conf: a device that cannot be opened is on the
 * console, and the box boots without it (PID 1 cannot refuse to run). */
static void watchdog_open(void)
{
	struct cfg_settings s;
	lxr_err err = {0};

	if (cfg_settings_load(NULL, &s, &err) < 0) {
		say("error: %s", err.msg); /* lxr boot says it again, with the hint */
		return;
	}
	if (s.watchdog_device && sup_watchdog_open(&wd, s.watchdog_device, s.watchdog_timeout,
						   s.watchdog_interval_us, &err) < 0) {
		char why[LXR_ERR_MSG_MAX + 64];
		say("error: %s", lxr_err_str(&err, why, sizeof(why)));
		if (err.hint[0])
			say("hint: %s", err.hint);
	} else if (s.watchdog_device) {
		say("watchdog %s: timeout %d s, pet every %lld ms", wd.device, wd.timeout_s,
		    (long long)(wd.interval_us / 1000));
	}
	cfg_settings_free(&s);
	snprintf(arg_wd, sizeof(arg_wd), "%d:%lld", wd.fd, (long long)(wd.interval_us / 1000));
}

static void unmount_all(void)
{
	char *mp[256], line[4096];
	size_t n = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	while (f && n < 256 && fgets(line, sizeof(line), f)) {
		char path[4096], *o = path;
		if (lxr_sscanf(line, "%*s %*s %*s %*s %4095s", path) != 1)
			continue;
		/* mountinfo escapes space, tab, newline and backslash as \ooo */
		for (char *i = path; *i; i++, o++) {
			unsigned c;
			if (*i == '\\' && lxr_sscanf(i + 1, "%3o", &c) == 1) {
				*o = (char)c;
				i += 3;
			} else {
				*o = *i;
			}
		}
		*o = '\0';
		mp[n++] = lxr_xstrdup(path);
	}
	if (f)
		fclose(f);
	/* newest first: a mount before the one it sits on */
	while (n-- > 0) {
		if (strcmp(mp[n], "/") && umount2(mp[n], 0) < 0 &&
		    mount(NULL, mp[n], NULL, MS_REMOUNT | MS_RDONLY, NULL) < 0 && errno != EINVAL)
			say("unmount %s: %s", mp[n], strerror(errno));
		free(mp[n]);
	}
	mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY, NULL);
}

static const char *cmd_word(int cmd)
{
	return cmd == (int)RB_POWER_OFF     ? "power off"
	       : cmd == (int)RB_HALT_SYSTEM ? "halt"
					    : "reboot";
}

/* The ordered end: the boot stacks stopped by `lxr boot` (or, if it is
 * gone, `lxr boot --down`), then SIGTERM and SIGKILL to what is left,
 * sync, unmount, reboot(2). */
static void shut_down(const sigset_t *set, pid_t boot, int cmd)
{
	int64_t until = now_s() + STOP_LIMIT_S;
	int st;

	set_state(boot, cmd);
	say("%s: stopping the boot stacks", cmd_word(cmd));
	if (boot > 0)
		kill(boot, SIGTERM);
	else
		boot = start_boot(true);
	while (boot > 0 && now_s() < until) {
		int sig = next_signal(set, until - now_s());
		if (sig == SIGINT || sig == SIGTERM || sig == SIGUSR1 || sig == SIGUSR2) {
			say("asked again: not waiting for the boot stacks");
			break;
		}
		reap(&boot, &st);
	}
	say("sending SIGTERM to every process left");
	kill(-1, SIGTERM);
	kill(-1, SIGCONT);
	until = now_s() + KILL_GRACE_S;
	while (now_s() < until && waitpid(-1, &st, WNOHANG) >= 0) {
		pid_t none = 0;
		next_signal(set, 1);
		reap(&none, &st);
	}
	kill(-1, SIGKILL);
	while (waitpid(-1, &st, 0) > 0)
		;
	/* a pet before each step that may take long on slow storage: only a
	 * step that alone outlasts the timeout resets the box */
	pet_now();
	sync();
	pet_now();
	unmount_all();
	pet_now();
	sync();
	/* disarmed last: a shutdown stuck before here still resets the box */
	if (wd.fd >= 0) {
		if (sup_watchdog_disarm(&wd) < 0)
			say("watchdog %s: still running after the magic close (nowayout)",
			    wd.device);
		else
			say("watchdog %s disarmed", wd.device);
	}
	say("%s", cmd_word(cmd));
	reboot(cmd);
	/* reboot(2) does not return but in a pid namespace (where it ends
	 * the namespace) or without CAP_SYS_BOOT */
	_exit(0);
}

static void take_signals(sigset_t *set)
{
	struct sigaction sa = {.sa_handler = crash, .sa_flags = SA_NODEFER};
	static const int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGSYS};
	static const int asks[] = {SIGTERM, SIGINT, SIGUSR1, SIGUSR2, SIGCHLD, SIGHUP, SIGPWR};

	/* The requests are blocked before anything else, and never unblocked:
	 * PID 1 drops a signal it has no handler for, but a blocked one stays
	 * pending, so a poweroff sent while a re-executed PID 1 is still
	 * starting (the mask survives execve) waits for sigtimedwait. The
	 * fatal ones are unblocked (the mask a crash handler left). */
	sigemptyset(set);
	for (size_t i = 0; i < sizeof(asks) / sizeof(asks[0]); i++)
		sigaddset(set, asks[i]);
	sigprocmask(SIG_SETMASK, set, NULL);
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &sa, NULL);
	sa = (struct sigaction){.sa_handler = nothing};
	for (size_t i = 0; i < sizeof(asks) / sizeof(asks[0]); i++)
		sigaction(asks[i], &sa, NULL);
}

bool cli_pid1_wanted(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');

	base = base ? base + 1 : argv[0];
	if (getpid() != 1)
		return false;
	/* init=/usr/sbin/lxr (no command), /sbin/init -> lxr, or a re-exec;
	 * `lxr up` as PID 1 of a container stays `lxr up` */
	return argc == 1 || !strcmp(base, "init") || (argc > 1 && !strcmp(argv[1], REEXEC_FLAG));
}

int cli_pid1_main(int argc, char **argv)
{
	sigset_t set;
	pid_t boot = 0;
	int cmd = 0, crashes = 0, boot_status = 0;
	int64_t retry_at = 0;

	prctl(PR_SET_NAME, "lxr-pid1");
	take_signals(&set);
	if (!getenv("PATH")) /* the kernel gives init only HOME and TERM */
		setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
	if (argc > 4 && !strcmp(argv[1], REEXEC_FLAG)) {
		boot = (pid_t)atoi(argv[2]);
		cmd = atoi(argv[3]);
		crashes = atoi(argv[4]) + 1;
		kmsg = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
		say("re-executed after a crash (%d so far); lxr boot is %d", crashes, (int)boot);
		if (argc > 5) {
			int fd = atoi(argv[5]);
			const char *ms = strchr(argv[5], ':');
			if (fd >= 0 &&
			    sup_watchdog_adopt(&wd, fd, ms ? atoll(ms + 1) * 1000 : 0) == 0)
				say("watchdog %s: kept across the re-exec", wd.device);
			snprintf(arg_wd, sizeof(arg_wd), "%d:%lld", wd.fd,
				 (long long)(wd.interval_us / 1000));
		}
		/* boot and the supervisors are still our children: adopt them */
		if (boot > 0 && waitpid(boot, &boot_status, WNOHANG) != 0)
			boot = 0;
	} else {
		umask(022);
		if (chdir("/") < 0)
			return 1;
		setup_box();
		kmsg = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
		/* ctrl-alt-del: SIGINT to us, not an instant reboot */
		if (reboot(RB_DISABLE_CAD) < 0)
			say("reboot(CAD_OFF): %s", strerror(errno));
		watchdog_open();
		say("lxr %s as init: starting the boot stacks", LXR_VERSION);
		boot = start_boot(false);
	}
	snprintf(arg_crashes, sizeof(arg_crashes), "%d", crashes);
	if (crashes >= MAX_CRASHES) {
		say("crashed %d times: rebooting", crashes);
		cmd = (int)RB_AUTOBOOT;
	}
	set_state(boot, cmd);
	if (cmd)
		shut_down(&set, boot, cmd);
	for (;;) {
		int64_t wait = retry_at ? retry_at - now_s() : -1;
		int sig = next_signal(&set, wait < 0 && retry_at ? 0 : wait);

		reap(&boot, &boot_status);
		if (sig == SIGUSR2 || sig == SIGPWR)
			shut_down(&set, boot, (int)RB_POWER_OFF);
		if (sig == SIGUSR1)
			shut_down(&set, boot, (int)RB_HALT_SYSTEM);
		if (sig == SIGTERM || sig == SIGINT)
			shut_down(&set, boot, (int)RB_AUTOBOOT);
		/* boot ends only when asked to; else it failed before the
		 * stacks ran (a bad lxr.conf): try again, the file may be mended */
		if (!boot && !retry_at && boot_status) {
			say("starting lxr boot again in %d s", BOOT_RETRY_S);
			retry_at = now_s() + BOOT_RETRY_S;
		}
		if (retry_at && now_s() >= retry_at) {
			retry_at = 0;
			boot_status = 0;
			boot = start_boot(false);
		}
		set_state(boot, 0);
	}
}
