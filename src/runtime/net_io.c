/* A container's network traffic as docker stats shows it (NET I/O): the
 * counters of its network namespace's interfaces, read from the host's
 * /proc (kernel output, not the container's files). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "lxr/runtime.h"

int rt_net_io(pid_t pid, int64_t *rx, int64_t *tx, lxr_err *err)
{
	_cleanup_free_ char *path = lxr_xasprintf("/proc/%d/net/dev", (int)pid);
	_cleanup_free_ char *text = NULL;

	*rx = *tx = 0;
	if (lxr_read_file_at(AT_FDCWD, path, &text, NULL, err) < 0)
		return -1;
	/* two header lines, then "  eth0: rxbytes (7 more) txbytes ..." */
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':'), *name = line + strspn(line, " ");
		unsigned long long v[9];

		if (!colon || !strncmp(name, "lo:", 3))
			continue;
		if (lxr_sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
			       &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]) == 9) {
			*rx += (int64_t)v[0];
			*tx += (int64_t)v[8];
		}
	}
	return 0;
}
