/* The hardware watchdog of lxr.conf's [watchdog] (docs/boot.md): opened by
 * the one long-lived lxr process whose loop hanging must reset the box —
 * PID 1 when lxr is init, else `lxr boot` — and pet from that loop, so a
 * loop that stops (a deadlock, SIGSTOP, a kernel that no longer schedules
 * it) stops the pets and the device resets the box. Opening the device arms
 * it; only the magic close ('V' written, then close) disarms it, which lxr
 * does on a clean stop alone. The descriptor is close-on-exec: nothing lxr
 * starts, least of all a container, can pet or disarm it. `lxr doctor`
 * reports the device from sysfs and /proc without opening it (an open
 * would arm it). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/watchdog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "lxr/supervisor.h"

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The watchdog core's number of a device: N of /sys/class/watchdog/watchdogN.
 * /dev/watchdog (misc 10:130) is the legacy name of the first one. */
static int dog_index(dev_t rdev)
{
	unsigned maj, min;
	int n = -1;
	DIR *d;
	struct dirent *e;

	if (major(rdev) == 10 && minor(rdev) == 130)
		return 0;
	d = opendir("/sys/class/watchdog");
	while (d && n < 0 && (e = readdir(d))) {
		char path[300], buf[32] = "";
		FILE *f;

		if (strncmp(e->d_name, "watchdog", 8))
			continue;
		snprintf(path, sizeof(path), "/sys/class/watchdog/%s/dev", e->d_name);
		f = fopen(path, "re");
		if (f && fgets(buf, sizeof(buf), f) && lxr_sscanf(buf, "%u:%u", &maj, &min) == 2 &&
		    makedev(maj, min) == rdev)
			n = atoi(e->d_name + 8);
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return n;
}

/* One attribute of watchdogN in sysfs, trailing newline cut; "" if none. */
static void dog_attr(int n, const char *name, char *buf, size_t size)
{
	char path[96];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/sys/class/watchdog/watchdog%d/%s", n, name);
	f = fopen(path, "re");
	if (f && fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = '\0';
	if (f)
		fclose(f);
}

/* The process that holds watchdog N open (a watchdog opens once), with its
 * name; 0 when none is found. */
static pid_t dog_holder(int n, char *comm, size_t size)
{
	DIR *proc;
	struct dirent *p;
	pid_t found = 0;

	comm[0] = '\0';
	if (n < 0)
		return 0;
	proc = opendir("/proc");
	while (proc && !found && (p = readdir(proc))) {
		char dir[300], link[600], target[64];
		DIR *fds;
		struct dirent *f;
		struct stat st;

		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		snprintf(dir, sizeof(dir), "/proc/%s/fd", p->d_name);
		fds = opendir(dir);
		while (fds && !found && (f = readdir(fds))) {
			ssize_t l;
			snprintf(link, sizeof(link), "%s/%s", dir, f->d_name);
			l = readlink(link, target, sizeof(target) - 1);
			/* only device nodes: a stat through a socket or a FUSE
			 * file could block */
			if (l < 5 || strncmp(target, "/dev/", 5) || stat(link, &st) < 0 ||
			    !S_ISCHR(st.st_mode) || dog_index(st.st_rdev) != n)
				continue;
			found = (pid_t)atoi(p->d_name);
		}
		if (fds)
			closedir(fds);
	}
	if (proc)
		closedir(proc);
	if (found) {
		char path[64];
		FILE *f;
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)found);
		f = fopen(path, "re");
		if (f && fgets(comm, (int)size, f))
			comm[strcspn(comm, "\n")] = '\0';
		if (f)
			fclose(f);
	}
	return found;
}

static int open_failed(const char *device, int errnum, lxr_err *err)
{
	struct stat st;
	char comm[32];
	pid_t pid;

	lxr_fail(err, errnum, "open watchdog %s", device);
	if (errnum == ENOENT || errnum == ENODEV || errnum == ENXIO)
		return lxr_err_hint(err,
				    "no watchdog driver provides it: load the board's driver (`ls "
				    "/sys/class/watchdog` lists the loaded ones), or `modprobe "
				    "softdog` for the kernel's software watchdog; or set device = "
				    "none under [watchdog] in lxr.conf");
	if (errnum == EBUSY) {
		pid = stat(device, &st) == 0 ? dog_holder(dog_index(st.st_rdev), comm, sizeof(comm))
					     : 0;
		if (pid)
			return lxr_err_hint(
			    err,
			    "a watchdog opens once, and PID %d (%s) holds it: stop "
			    "it (a watchdog daemon, systemd's RuntimeWatchdogSec=), "
			    "or leave [watchdog] out of lxr.conf",
			    (int)pid, comm);
		return lxr_err_hint(err,
				    "a watchdog opens once and another process holds it "
				    "(`fuser %s`): stop it, or leave [watchdog] out of "
				    "lxr.conf",
				    device);
	}
	if (errnum == EACCES || errnum == EPERM)
		return lxr_err_hint(err, "run lxr boot as root");
	return -1;
}

/* The pet period from the effective timeout: the interval asked for when it
 * fits, else a third of the timeout (two pets may be late before a reset). */
static void set_interval(struct sup_watchdog *wd, int64_t interval_us)
{
	int64_t t = (int64_t)wd->timeout_s * 1000000;

	wd->interval_us = interval_us;
	if (t > 0 && (interval_us <= 0 || interval_us >= t))
		wd->interval_us = t / 3;
	if (wd->interval_us <= 0)
		wd->interval_us = 1000000; /* a driver that will not tell its timeout */
	wd->next_us = now_us() + wd->interval_us;
}

int sup_watchdog_open(struct sup_watchdog *wd, const char *device, int timeout_s,
		      int64_t interval_us, lxr_err *err)
{
	int t = timeout_s, fd;

	wd->fd = -1;
	snprintf(wd->device, sizeof(wd->device), "%s", device);
	fd = open(device, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return open_failed(device, errno, err);
	/* armed from here on: every way out below disarms it again */
	if (timeout_s > 0 && ioctl(fd, WDIOC_SETTIMEOUT, &t) < 0 && errno != EOPNOTSUPP &&
	    errno != ENOTTY) {
		int e = errno;
		(void)!write(fd, "V", 1);
		close(fd);
		lxr_fail(err, e, "watchdog %s: set the timeout to %d s (WDIOC_SETTIMEOUT)", device,
			 timeout_s);
		return lxr_err_hint(err,
				    "the driver refuses it: see min_timeout and max_timeout in "
				    "/sys/class/watchdog/watchdog*/ and set timeout under "
				    "[watchdog] in lxr.conf within them");
	}
	/* the driver may round or keep its own: what counts is what it says */
	if (ioctl(fd, WDIOC_GETTIMEOUT, &t) < 0 || t <= 0)
		t = timeout_s > 0 ? timeout_s : 0;
	wd->fd = fd;
	wd->timeout_s = t;
	set_interval(wd, interval_us);
	ioctl(fd, WDIOC_KEEPALIVE, 0);
	return 0;
}

int sup_watchdog_adopt(struct sup_watchdog *wd, int fd, int64_t interval_us)
{
	char link[64];
	ssize_t l;
	int t = 0;

	wd->fd = -1;
	if (fd < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -1;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	l = readlink(link, wd->device, sizeof(wd->device) - 1);
	wd->device[l > 0 ? l : 0] = '\0';
	wd->fd = fd;
	wd->timeout_s = ioctl(fd, WDIOC_GETTIMEOUT, &t) == 0 && t > 0 ? t : 0;
	set_interval(wd, interval_us);
	ioctl(fd, WDIOC_KEEPALIVE, 0);
	return 0;
}

int64_t sup_watchdog_pet(struct sup_watchdog *wd)
{
	int64_t now;

	if (wd->fd < 0)
		return -1;
	now = now_us();
	if (now >= wd->next_us) {
		/* the ioctl, not a write: a write of 'V' would ask for the magic
		 * close, and any write is lost on a driver without KEEPALIVE */
		if (ioctl(wd->fd, WDIOC_KEEPALIVE, 0) < 0)
			(void)!write(wd->fd, "\n", 1);
		wd->next_us = now + wd->interval_us;
	}
	return (wd->next_us - now + 999) / 1000;
}

int sup_watchdog_disarm(struct sup_watchdog *wd)
{
	struct stat st;
	char state[32] = "";
	int n = -1;

	if (wd->fd < 0)
		return 0;
	if (fstat(wd->fd, &st) == 0)
		n = dog_index(st.st_rdev);
	(void)!write(wd->fd, "V", 1);
	close(wd->fd);
	wd->fd = -1;
	/* nowayout (a module parameter, or a kernel built with it) keeps it
	 * running whatever was written: say so, the box resets in timeout */
	if (n >= 0)
		dog_attr(n, "state", state, sizeof(state));
	return strcmp(state, "active") ? 0 : -1;
}

void sup_watchdog_check(struct lxr_checks *c, const char *device)
{
	char ident[64], state[32], timeout[16], nowayout[8], comm[32], by[96];
	struct stat st;
	pid_t pid;
	int n;

	if (!device) {
		lxr_check_add(c, "watchdog", LXR_CHECK_OK, NULL, NULL,
			      "off (no [watchdog] device in lxr.conf)");
		return;
	}
	if (stat(device, &st) < 0 || !S_ISCHR(st.st_mode) || (n = dog_index(st.st_rdev)) < 0) {
		lxr_check_add(c, "watchdog", LXR_CHECK_MISSING,
			      "nothing resets the box when lxr as PID 1 or lxr boot hangs, and "
			      "lxr boot refuses to start",
			      "load the board's watchdog driver, or `modprobe softdog`; or set "
			      "device = none under [watchdog] in lxr.conf",
			      "%s: %s", device,
			      stat(device, &st) < 0 ? strerror(errno) : "not a watchdog device");
		return;
	}
	dog_attr(n, "identity", ident, sizeof(ident));
	dog_attr(n, "state", state, sizeof(state));
	dog_attr(n, "timeout", timeout, sizeof(timeout));
	dog_attr(n, "nowayout", nowayout, sizeof(nowayout));
	pid = dog_holder(n, comm, sizeof(comm));
	if (pid && strncmp(comm, "lxr", 3)) {
		lxr_check_add(c, "watchdog", LXR_CHECK_MISSING,
			      "lxr cannot open it: a watchdog opens once",
			      "stop that process, or set device = none under [watchdog]",
			      "%s (watchdog%d, %s): held by PID %d (%s)", device, n,
			      ident[0] ? ident : "?", (int)pid, comm);
		return;
	}
	if (pid)
		snprintf(by, sizeof(by), ", pet by PID %d (%s)", (int)pid, comm);
	else
		snprintf(by, sizeof(by), ", not open (lxr opens it as PID 1 or in lxr boot)");
	lxr_check_add(
	    c, "watchdog", LXR_CHECK_OK, NULL, NULL, "%s (watchdog%d, %s): %s, timeout %s s%s%s",
	    device, n, ident[0] ? ident : "?", state[0] ? state : "?", timeout[0] ? timeout : "?",
	    by, !strcmp(nowayout, "1") ? "; nowayout: a clean stop cannot disarm it" : "");
}
