/* supervisor: a health check's output is kept bounded, its last bytes (where
 * a failing check says why), as docker keeps State.Health.Log's Output. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "supervisor/sup.h"

static void keeps_the_last_bytes(void **state)
{
	struct sup_instance in = {0};
	char chunk[1000];
	int p[2];

	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	in.health.outw.fd = p[0];
	/* 10 000 bytes: "0000...", "1111...", ... "9999..." in 1000-byte runs */
	for (int i = 0; i < 10; i++) {
		memset(chunk, '0' + i, sizeof(chunk));
		assert_int_equal(write(p[1], chunk, sizeof(chunk)), (ssize_t)sizeof(chunk));
		sup_health_on_output(NULL, &in); /* what the pipe holds now; no EOF yet */
	}
	assert_int_equal(strlen(in.health.last_output), SUP_HEALTH_OUT - 1);
	/* the tail: bytes 5905..9999 */
	assert_int_equal(in.health.last_output[SUP_HEALTH_OUT - 2], '9');
	assert_int_equal(in.health.last_output[0], '5'); /* byte 5905 of 10 000 */
	sup_health_free(&in.health);
	close(p[0]);
	close(p[1]);
}

static void short_output_whole(void **state)
{
	struct sup_instance in = {0};
	int p[2];

	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	in.health.outw.fd = p[0];
	assert_int_equal(write(p[1], "check-said-hello\n", 17), 17);
	sup_health_on_output(NULL, &in);
	assert_string_equal(in.health.last_output, "check-said-hello\n");
	sup_health_free(&in.health);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(keeps_the_last_bytes),
	    cmocka_unit_test(short_output_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
