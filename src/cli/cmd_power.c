/* lxr poweroff | reboot | halt: ask lxr running as PID 1 (docs/boot.md)
 * to stop the boot stacks and end the box, with busybox init's signals:
 * SIGUSR2 powers off, SIGTERM reboots, SIGUSR1 halts. Any other init reads
 * those signals differently (systemd re-executes itself on SIGTERM), so
 * nothing is sent unless PID 1 is lxr. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"

static const char power_usage[] =
    "\n"
    "On a box booted with lxr as init (PID 1): stop the boot stacks in reverse\n"
    "order with their grace periods, end every other process, unmount, and\n"
    "power off (poweroff), reboot (reboot) or halt (halt). PID 1 does the\n"
    "work; the command returns at once.\n"
    "Refused when PID 1 is another init (use its own command there).\n"
    "\n"
    "Example:\n"
    "  lxr %s\n";

/* The same binary as this one (also when reached through another mount
 * namespace or a chroot), or a PID 1 that calls itself lxr-pid1 (one
 * that runs an lxr since replaced on disk). Not "lxr-init": that is every
 * container's PID 1, which would pass SIGUSR2 to its command. */
bool cli_pid1_is_lxr(char *comm, size_t size)
{
	struct stat a, b;
	FILE *f = fopen("/proc/1/comm", "re");

	comm[0] = '\0';
	if (f) {
		if (fgets(comm, (int)size, f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	if (!strcmp(comm, "lxr-pid1"))
		return true;
	return stat("/proc/1/exe", &a) == 0 && stat("/proc/self/exe", &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int cmd_power(int argc, char **argv)
{
	int sig = !strcmp(argv[0], "poweroff") ? SIGUSR2
		  : !strcmp(argv[0], "halt")   ? SIGUSR1
					       : SIGTERM;
	char comm[64];

	if (argc > 1 && cli_is_help(argv[1])) {
		printf("usage: lxr %s\n", argv[0]);
		printf(power_usage, argv[0]);
		return LXR_EXIT_OK;
	}
	if (argc > 1) {
		fprintf(stderr, "lxr %s: error: unknown argument \"%s\"\n", argv[0], argv[1]);
		fprintf(stderr, "usage: lxr %s\n", argv[0]);
		return LXR_EXIT_USAGE;
	}
	if (!cli_pid1_is_lxr(comm, sizeof(comm))) {
		fprintf(stderr,
			"lxr: error: %s: PID 1 is %s, not lxr\n"
			"lxr: hint: lxr %s asks lxr booted as init; here use the init's own "
			"command (systemctl %s)\n",
			argv[0], comm[0] ? comm : "unknown", argv[0], argv[0]);
		return LXR_EXIT_FAIL;
	}
	if (kill(1, sig) < 0) {
		fprintf(stderr, "lxr: error: %s: kill PID 1 with %s: %s\n", argv[0], strsignal(sig),
			strerror(errno));
		return LXR_EXIT_FAIL;
	}
	return LXR_EXIT_OK;
}
