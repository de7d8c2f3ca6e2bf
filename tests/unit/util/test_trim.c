/* lxr_mem_trim: file pages the process only read leave its resident set and
 * read back the same; a page it changed (copied on write) stays as it is. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "lxr/util.h"

#define PAGES 16

/* Rss of the mapping that starts at addr, in KiB (-1: not found) */
static long rss_of(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[4200];
	bool in = false;
	long kb = -1;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start;
		if (line[0] < 'A' || line[0] > 'Z') {
			in = sscanf(line, "%llx-", &start) == 1 &&
			     (uintptr_t)start == (uintptr_t)addr;
			continue;
		}
		if (in && sscanf(line, "Rss: %ld", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static void trim_drops_only_what_the_file_holds(void **state)
{
	char path[] = "/tmp/lxr-trim-XXXXXX";
	long page = sysconf(_SC_PAGESIZE);
	size_t len = (size_t)(PAGES * page);
	int fd = mkstemp(path);
	char *buf = malloc(len), *ro, *rw;
	volatile char sum = 0;

	(void)state;
	assert_true(fd >= 0);
	unlink(path);
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)('a' + i % 26);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	ro = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	rw = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	assert_true(ro != MAP_FAILED && rw != MAP_FAILED);
	for (size_t i = 0; i < len; i += (size_t)page)
		sum ^= ro[i] ^ rw[i];
	rw[0] = 'X'; /* a private copy of the first page: must survive */
	assert_true(rss_of(ro) > 0);

	lxr_mem_trim();

	assert_int_equal(rss_of(ro), 0);
	assert_true(rss_of(rw) > 0);
	assert_memory_equal(ro, buf, len);
	assert_int_equal(rw[0], 'X');
	assert_memory_equal(rw + 1, buf + 1, len - 1);
	munmap(ro, len);
	munmap(rw, len);
	close(fd);
	free(buf);
	(void)sum;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(trim_drops_only_what_the_file_holds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
