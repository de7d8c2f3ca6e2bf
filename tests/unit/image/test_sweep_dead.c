/* img_store_sweep_dead (lxr doctor --repair): a dead writer's ".tmp-PID-N"
 * blob or layer goes, a live writer's and a resumable ".partial-" download
 * stay, a missing store is no error and is not made. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "lxr/image.h"

static int dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return (int)pid;
}

static void touch(const char *path)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("half", f);
	fclose(f);
}

static void dead_writers_only(void **state)
{
	char dir[] = "/tmp/lxr-sweep-XXXXXX";
	char p[512], **removed = NULL;
	int gone = dead_pid();
	lxr_err err;

	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/images/blobs/sha256", dir);
	assert_int_equal(lxr_mkdir_p(p, 0700, &err), 0);
	snprintf(p, sizeof(p), "%s/images/layers/.tmp-%d-0/usr", dir, gone);
	assert_int_equal(lxr_mkdir_p(p, 0700, &err), 0);
	snprintf(p, sizeof(p), "%s/images/layers/.tmp-%d-1", dir, (int)getpid());
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/images/blobs/sha256/.tmp-%d-7", dir, gone);
	touch(p);
	snprintf(p, sizeof(p), "%s/images/blobs/sha256/.partial-abc", dir);
	touch(p);
	snprintf(p, sizeof(p), "%s/images/blobs/sha256/.tmp-x-1", dir);
	touch(p);

	assert_int_equal(img_store_sweep_dead(dir, &removed, &err), 0);
	assert_int_equal(lxr_strv_len(removed), 2);
	snprintf(p, sizeof(p), "%s/images/blobs/sha256/.tmp-%d-7", dir, gone);
	assert_int_equal(access(p, F_OK), -1);
	snprintf(p, sizeof(p), "%s/images/layers/.tmp-%d-0", dir, gone);
	assert_int_equal(access(p, F_OK), -1);
	snprintf(p, sizeof(p), "%s/images/layers/.tmp-%d-1", dir, (int)getpid());
	assert_int_equal(access(p, F_OK), 0);
	snprintf(p, sizeof(p), "%s/images/blobs/sha256/.partial-abc", dir);
	assert_int_equal(access(p, F_OK), 0);
	snprintf(p, sizeof(p), "%s/images/blobs/sha256/.tmp-x-1", dir);
	assert_int_equal(access(p, F_OK), 0);
	lxr_strv_free(removed);

	/* again: nothing left to do */
	removed = NULL;
	assert_int_equal(img_store_sweep_dead(dir, &removed, &err), 0);
	assert_int_equal(lxr_strv_len(removed), 0);
	assert_int_equal(lxr_rm_rf(dir, &err), 0);
}

static void missing_store(void **state)
{
	char dir[] = "/tmp/lxr-sweep-XXXXXX";
	char p[512], **removed = NULL;
	lxr_err err;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(img_store_sweep_dead(dir, &removed, &err), 0);
	assert_null(removed);
	snprintf(p, sizeof(p), "%s/images", dir);
	assert_int_equal(access(p, F_OK), -1);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(dead_writers_only),
	    cmocka_unit_test(missing_store),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
