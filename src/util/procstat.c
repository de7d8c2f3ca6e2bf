/* A process's /proc/PID/stat, read in one place: its state and its start
 * time. The start time (field 22, clock ticks since boot) tells two
 * processes with one pid apart; the state tells a zombie, which holds
 * nothing any more but its pid, from a live process. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lxr/util.h"

int lxr_proc_stat(int pid, char *state, unsigned long long *start)
{
	char path[32], buf[1024], *p, *t;
	int field = 2, fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	/* comm may hold spaces and ')': the fields resume after the last ')' */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return -EIO;
	if (state)
		*state = p[2];
	if (!start)
		return 0;
	for (t = p + 1; *t; t++)
		if (*t == ' ' && ++field == 22) {
			*start = strtoull(t + 1, NULL, 10);
			return 0;
		}
	return -EIO;
}

/* A writer that is alive may be half-way: only a dead one's name is left
 * for good. A killed writer is a zombie until its reaper comes, which can be
 * after the sweep (kill(pid, 0) still succeeds then). A pid reused since
 * only delays the removal to a later sweep. */
bool lxr_pid_gone(int pid)
{
	char state = 0;
	int r = lxr_proc_stat(pid, &state, NULL);

	if (r == -ENOENT || r == -ESRCH)
		return true;
	return r == 0 && (state == 'Z' || state == 'X');
}
