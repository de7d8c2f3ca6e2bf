/* Closing what a process must not carry on: a process about to enter a
 * container keeps only the descriptors it hands over, so nothing of the
 * host reaches the container through /proc/PID/fd. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/close_range.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lxr/util.h"

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

int lxr_close_all_but(const int *keep, size_t n, lxr_err *err)
{
	int sorted[16];
	unsigned first = 0;

	if (n > sizeof(sorted) / sizeof(sorted[0]))
		return lxr_fail(err, EINVAL, "close descriptors: %zu to keep, at most %zu", n,
				sizeof(sorted) / sizeof(sorted[0]));
	for (size_t i = 0; i < n; i++)
		sorted[i] = keep[i];
	qsort(sorted, n, sizeof(sorted[0]), cmp_int);
	for (size_t i = 0; i < n; i++) {
		if (sorted[i] < 0 || (unsigned)sorted[i] < first)
			continue; /* none, or a duplicate */
		if ((unsigned)sorted[i] > first &&
		    syscall(SYS_close_range, first, (unsigned)sorted[i] - 1, 0) < 0)
			return lxr_fail(err, errno, "close descriptors %u-%d (close_range)", first,
					sorted[i] - 1);
		first = (unsigned)sorted[i] + 1;
	}
	if (syscall(SYS_close_range, first, ~0U, 0) < 0)
		return lxr_fail(err, errno, "close descriptors from %u (close_range)", first);
	return 0;
}

static struct rlimit nofile_start;
static bool nofile_raised;

void lxr_nofile_raise(void)
{
	struct rlimit rl;

	/* as systemd and dockerd do for themselves: the soft limit of 1024
	 * exists for select(), which lxr does not use */
	if (nofile_raised || getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	nofile_start = rl;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
		nofile_raised = true;
}

bool lxr_nofile_start(struct rlimit *out)
{
	if (nofile_raised)
		*out = nofile_start;
	return nofile_raised;
}
