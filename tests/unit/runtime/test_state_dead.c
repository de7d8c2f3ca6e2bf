/* rt_container_dead (lxr doctor --repair): a state file naming an init
 * that no longer runs is dead; one naming a live process with its start
 * time is not; no state file, or a torn one, says nothing (not dead);
 * an empty one is what a power cut left of an unsynced write (dead). */
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

#include "runtime/runtime_internal.h"

static void write_state(const char *root, const char *id, const char *file, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, id);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/%s/%s", root, id, file);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void dead_or_alive(void **state)
{
	char root[] = "/tmp/lxr-dead-XXXXXX", text[256];
	unsigned long long st;
	pid_t gone = fork();
	lxr_err err;

	if (gone == 0)
		_exit(0);
	waitpid(gone, NULL, 0);
	assert_non_null(mkdtemp(root));
	assert_int_equal(lxr_proc_stat(getpid(), NULL, &st), 0);

	snprintf(text, sizeof(text), "id=a\npid=%d\nstarttime=1\ncgroup_group=_run\n", (int)gone);
	write_state(root, "a", "state", text);
	assert_true(rt_container_dead(root, "a"));

	/* this process, with its start time: alive; with another: reused pid */
	snprintf(text, sizeof(text), "id=b\npid=%d\nstarttime=%llu\n", (int)getpid(), st);
	write_state(root, "b", "state", text);
	assert_false(rt_container_dead(root, "b"));
	snprintf(text, sizeof(text), "id=c\npid=%d\nstarttime=%llu\n", (int)getpid(), st + 1);
	write_state(root, "c", RT_STATE_STARTING, text);
	assert_true(rt_container_dead(root, "c"));

	write_state(root, "d", "hostname", "d\n");
	assert_false(rt_container_dead(root, "d"));
	write_state(root, "e", "state", "id=e\npid=");
	assert_false(rt_container_dead(root, "e"));
	write_state(root, "f", "state", "");
	assert_true(rt_container_dead(root, "f"));
	assert_false(rt_container_dead(root, "nothing"));
	assert_int_equal(lxr_rm_rf(root, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(dead_or_alive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
