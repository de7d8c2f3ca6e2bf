/* Giving back what start-up left resident. A supervisor that runs for years
 * touches, once started, a small part of what it mapped to start: the stack
 * loader, the planner, the netlink and seccomp code, most of libc. The
 * kernel maps those pages in (64 KiB around each fault) and keeps them in
 * the process's page tables, so they count in its VmRSS and PSS for good. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lxr/util.h"

/* What the stack keeps below the caller's frame: the frames of the calls
 * made from here on (madvise's own, a signal's) must stay intact. */
#define STACK_MARGIN (64 * 1024)

struct trim_map {
	uintptr_t start, end;
	bool private_file, stack;
	long anon_kb, rss_kb;
};

#define MAX_RANGES 128

struct trim_ranges {
	struct {
		uintptr_t start, len;
	} r[MAX_RANGES];
	size_t n;
};

/* What of one mapping can leave the page tables without losing anything:
 * file pages of a private mapping that holds no private (copied on write)
 * page are the file's own, and come back from the page cache on the next
 * touch; the stack below the live frames is dead data. */
static void pick(const struct trim_map *m, uintptr_t sp, struct trim_ranges *out)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), end = m->end;

	if (m->rss_kb <= 0 || out->n == MAX_RANGES)
		return;
	if (!(m->private_file && m->anon_kb == 0)) {
		if (!m->stack || sp < m->start + STACK_MARGIN || sp > m->end)
			return;
		end = (sp - STACK_MARGIN) & ~(page - 1);
		if (end <= m->start)
			return;
	}
	out->r[out->n].start = m->start;
	out->r[out->n].len = end - m->start;
	out->n++;
}
static void parse_header(const char *line, struct trim_map *m)
{
	char perms[8] = "";
	unsigned long long start, end, inode = 0;
	int path = 0;

	memset(m, 0, sizeof(*m));
	m->anon_kb = -1;
	if (lxr_sscanf(line, "%llx-%llx %7s %*s %*s %llu %n", &start, &end, perms, &inode, &path) <
	    4)
		return;
	m->start = (uintptr_t)start;
	m->end = (uintptr_t)end;
	m->private_file = inode != 0 && perms[3] == 'p';
	m->stack = path > 0 && !strncmp(line + path, "[stack]", 7);
}

void lxr_mem_trim(void)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	FILE *f = fopen("/proc/self/smaps", "re");
	struct trim_ranges todo = {.n = 0};
	struct trim_map m = {0};
	char line[4200];
	bool have = false;

	if (f) {
		while (fgets(line, sizeof(line), f)) {
			long kb;
			/* a header starts with the address, a field with a
			 * capitalised name */
			if (line[0] >= 'A' && line[0] <= 'Z') {
				if (lxr_sscanf(line, "Rss: %ld", &kb) == 1)
					m.rss_kb = kb;
				else if (lxr_sscanf(line, "Anonymous: %ld", &kb) == 1)
					m.anon_kb = kb;
				continue;
			}
			if (have)
				pick(&m, sp, &todo);
			parse_header(line, &m);
			have = true;
		}
		if (have)
			pick(&m, sp, &todo);
		fclose(f);
	}
	malloc_trim(0);
	/* last, with nothing but madvise in between: what the reading above
	 * touched (stdio, scanf) is dropped as well */
	for (size_t i = 0; i < todo.n; i++)
		madvise((void *)todo.r[i].start, todo.r[i].len, MADV_DONTNEED);
}
