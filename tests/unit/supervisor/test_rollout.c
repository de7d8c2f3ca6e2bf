/* The rules of a rolling update: when a new container is ready, replaced
 * or failed, and what the update does next (batches, delay, failure
 * ratio, failure_action), with an injected clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "supervisor/rollout.h"

#define MS 1000LL
#define S  (1000 * MS)

static struct cfg_update defaults(void)
{
	return (struct cfg_update){.parallelism = 1,
				   .monitor_us = CFG_UPDATE_MONITOR_DEFAULT_US,
				   .failure_action = CFG_UPDATE_PAUSE};
}

static void ready_means_healthy_or_running_without_a_check(void **state)
{
	(void)state;
	assert_int_equal(rollout_watch(SVC_STARTING, true, 0, 0, 5 * S), ROLLOUT_PENDING);
	/* a check not decided yet keeps it pending, however long it takes */
	assert_int_equal(rollout_watch(SVC_RUNNING, true, 0, 60 * S, 5 * S), ROLLOUT_PENDING);
	assert_int_equal(rollout_watch(SVC_RUNNING, false, 0, 0, 5 * S), ROLLOUT_READY);
	assert_int_equal(rollout_watch(SVC_HEALTHY, true, 0, 0, 5 * S), ROLLOUT_READY);
}

static void monitor_counts_from_readiness(void **state)
{
	(void)state;
	assert_int_equal(rollout_watch(SVC_HEALTHY, true, 10 * S, 14 * S, 5 * S), ROLLOUT_READY);
	assert_int_equal(rollout_watch(SVC_HEALTHY, true, 10 * S, 15 * S, 5 * S), ROLLOUT_DONE);
	/* leaving "up" while watched fails it */
	assert_int_equal(rollout_watch(SVC_UNHEALTHY, true, 10 * S, 12 * S, 5 * S), ROLLOUT_FAILED);
}

static void exits_and_failed_starts_fail(void **state)
{
	static const enum svc_state bad[] = {SVC_UNHEALTHY, SVC_EXITED,  SVC_BACKOFF,
					     SVC_FAILED,    SVC_STOPPED, SVC_STOPPING};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(rollout_watch(bad[i], false, 0, 0, 5 * S), ROLLOUT_FAILED);
}

static void batches_wait_out_the_delay(void **state)
{
	struct cfg_update u = defaults();
	struct rollout_count c = {.n = 3, .waiting = 2};

	(void)state;
	assert_int_equal(rollout_next(&u, false, c, 9 * S, 10 * S), ROLLOUT_WAIT);
	assert_int_equal(rollout_next(&u, false, c, 10 * S, 10 * S), ROLLOUT_BATCH);
	c.waiting = 0;
	assert_int_equal(rollout_next(&u, false, c, 10 * S, 10 * S), ROLLOUT_FINISHED);
}

static void parallelism_zero_takes_all(void **state)
{
	struct cfg_update u = defaults();

	(void)state;
	assert_int_equal(rollout_batch_size(&u, 3), 1);
	u.parallelism = 2;
	assert_int_equal(rollout_batch_size(&u, 3), 2);
	assert_int_equal(rollout_batch_size(&u, 1), 1);
	u.parallelism = 0;
	assert_int_equal(rollout_batch_size(&u, 3), 3);
}

static void a_failure_pauses_by_default(void **state)
{
	struct cfg_update u = defaults();
	struct rollout_count c = {.n = 3, .waiting = 2, .failed = 1};

	(void)state;
	assert_int_equal(rollout_next(&u, false, c, 0, 0), ROLLOUT_PAUSE);
	u.failure_action = CFG_UPDATE_ROLLBACK;
	assert_int_equal(rollout_next(&u, false, c, 0, 0), ROLLOUT_ROLLBACK);
	/* a rollback that fails cannot roll back: it pauses */
	assert_int_equal(rollout_next(&u, true, c, 0, 0), ROLLOUT_PAUSE);
	u.failure_action = CFG_UPDATE_CONTINUE;
	assert_int_equal(rollout_next(&u, false, c, 0, 0), ROLLOUT_BATCH);
}

static void max_failure_ratio_tolerates_its_share(void **state)
{
	struct cfg_update u = defaults();
	struct rollout_count c = {.n = 4, .waiting = 2, .failed = 1};

	(void)state;
	u.failure_action = CFG_UPDATE_ROLLBACK;
	u.max_failure_permille = 250; /* 1 of 4 is not above a quarter */
	assert_int_equal(rollout_next(&u, false, c, 0, 0), ROLLOUT_BATCH);
	c.failed = 2;
	assert_int_equal(rollout_next(&u, false, c, 0, 0), ROLLOUT_ROLLBACK);
	u.max_failure_permille = 1000; /* 1: every failure tolerated */
	c.failed = 4;
	c.waiting = 0;
	assert_int_equal(rollout_next(&u, false, c, 0, 0), ROLLOUT_FINISHED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ready_means_healthy_or_running_without_a_check),
	    cmocka_unit_test(monitor_counts_from_readiness),
	    cmocka_unit_test(exits_and_failed_starts_fail),
	    cmocka_unit_test(batches_wait_out_the_delay),
	    cmocka_unit_test(parallelism_zero_takes_all),
	    cmocka_unit_test(a_failure_pauses_by_default),
	    cmocka_unit_test(max_failure_ratio_tolerates_its_share),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
