/* The service state machine and its backoff, with an injected clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "supervisor/fsm.h"

#define MS 1000LL
#define S  (1000 * MS)

static const struct svc_policy docker_like = {
    .restart = SVC_RESTART_ALWAYS,
    .delay_first_us = 100 * MS,
    .delay_max_us = 60 * S,
    .reset_after_us = 10 * S,
    .stop_grace_us = 10 * S,
};

static void start_and_run(struct svc_fsm *f, const struct svc_policy *p, int64_t now)
{
	assert_int_equal(svc_fsm_event(f, p, EV_START, 0, now), ACT_SPAWN);
	assert_int_equal(f->state, SVC_STARTING);
	assert_int_equal(svc_fsm_event(f, p, EV_STARTED, 0, now), ACT_NONE);
	assert_int_equal(f->state, SVC_RUNNING);
}

/* It exits with code at *now and, once its backoff is over, runs again
 * (*now then); returns the delay it waited */
static int64_t crash_and_restart(struct svc_fsm *f, const struct svc_policy *p, int64_t *now,
				 int code)
{
	int64_t delay;

	svc_fsm_event(f, p, EV_EXITED, code, *now);
	assert_int_equal(f->state, SVC_BACKOFF);
	delay = f->deadline - *now;
	*now = f->deadline;
	svc_fsm_event(f, p, EV_TIMER, 0, *now);
	svc_fsm_event(f, p, EV_STARTED, 0, *now);
	return delay;
}

static void always_backs_off_doubling_to_the_cap(void **state)
{
	struct svc_fsm f;
	int64_t now = 0, want = 100 * MS;

	svc_fsm_init(&f);
	start_and_run(&f, &docker_like, now);
	for (int i = 0; i < 14; i++) {
		now += 1 * S; /* crashes after a second: a crash loop */
		assert_int_equal(svc_fsm_event(&f, &docker_like, EV_EXITED, 1, now), ACT_RELEASE);
		assert_int_equal(f.state, SVC_BACKOFF);
		assert_int_equal(f.deadline - now, want);
		/* nothing but the timer (or a stop) moves it on */
		assert_int_equal(svc_fsm_event(&f, &docker_like, EV_EXITED, 1, now), ACT_NONE);
		now = f.deadline;
		assert_int_equal(svc_fsm_event(&f, &docker_like, EV_TIMER, 0, now), ACT_SPAWN);
		assert_int_equal(svc_fsm_event(&f, &docker_like, EV_STARTED, 0, now), ACT_NONE);
		want = want * 2 > 60 * S ? 60 * S : want * 2;
	}
	assert_int_equal(f.restarts, 14);
	assert_int_equal(f.delay_us, 60 * S);
}

/* initial 0: the first restart at once, then 1 ms doubling: never a busy
 * loop, whatever the first delay */
static void zero_first_delay_restarts_at_once_then_doubles(void **state)
{
	struct svc_policy p = docker_like;
	struct svc_fsm f;
	int64_t now = 0, want[] = {0, 1 * MS, 2 * MS, 4 * MS, 8 * MS};

	p.delay_first_us = 0;
	p.delay_max_us = 5 * MS;
	svc_fsm_init(&f);
	start_and_run(&f, &p, now);
	for (int i = 0; i < 5; i++) {
		now += 1 * MS;
		assert_int_equal(svc_fsm_event(&f, &p, EV_EXITED, 1, now), ACT_RELEASE);
		assert_int_equal(f.state, SVC_BACKOFF);
		assert_int_equal(f.deadline - now, want[i] > 5 * MS ? 5 * MS : want[i]);
		now = f.deadline;
		assert_int_equal(svc_fsm_event(&f, &p, EV_TIMER, 0, now), ACT_SPAWN);
		assert_int_equal(svc_fsm_event(&f, &p, EV_STARTED, 0, now), ACT_NONE);
	}
}

static void backoff_resets_after_staying_up(void **state)
{
	struct svc_fsm f;
	int64_t now = 0;

	svc_fsm_init(&f);
	start_and_run(&f, &docker_like, now);
	for (int i = 0; i < 5; i++) { /* build the delay up: 100, 200, ..., 1600 ms */
		svc_fsm_event(&f, &docker_like, EV_EXITED, 1, now += MS);
		now = f.deadline;
		svc_fsm_event(&f, &docker_like, EV_TIMER, 0, now);
		svc_fsm_event(&f, &docker_like, EV_STARTED, 0, now);
	}
	assert_int_equal(f.delay_us, 1600 * MS);
	now += 10 * S; /* up for the reset period */
	svc_fsm_event(&f, &docker_like, EV_EXITED, 1, now);
	assert_int_equal(f.deadline - now, 100 * MS);
	assert_int_equal(f.streak, 1);
	/* the delay starts over, the count does not (docker's RestartCount) */
	assert_int_equal(f.restarts, 6);
}

/* on-failure:N counts every restart since the user's last start, however
 * long each run lasted, as docker's restart manager does: a service that
 * fails every minute gives up too */
static void on_failure_n_counts_slow_failures_too(void **state)
{
	struct svc_policy p = docker_like;
	struct svc_fsm f;
	int64_t now = 0;

	p.restart = SVC_RESTART_ON_FAILURE;
	p.max_attempts = 2;
	svc_fsm_init(&f);
	start_and_run(&f, &p, now);
	for (int i = 0; i < 2; i++) {
		now += 60 * S; /* longer than reset_after */
		assert_int_equal(crash_and_restart(&f, &p, &now, 1), 100 * MS);
	}
	assert_int_equal(svc_fsm_event(&f, &p, EV_EXITED, 1, now + 60 * S), ACT_RELEASE);
	assert_int_equal(f.state, SVC_FAILED);
	assert_int_equal(f.restarts, 2);

	/* deploy.restart_policy.window (swarm's): a run that lasted it was a
	 * good one, and the count starts over too */
	p.window = true;
	svc_fsm_init(&f);
	start_and_run(&f, &p, now = 0);
	for (int i = 0; i < 5; i++) {
		now += 60 * S;
		crash_and_restart(&f, &p, &now, 1);
	}
	assert_int_equal(f.restarts, 1);
}

static void on_failure_n_gives_up_after_n(void **state)
{
	struct svc_policy p = docker_like;
	struct svc_fsm f;
	int64_t now = 0;

	p.restart = SVC_RESTART_ON_FAILURE;
	p.max_attempts = 3;
	svc_fsm_init(&f);
	start_and_run(&f, &p, now);
	for (int i = 0; i < 3; i++) {
		now += MS;
		crash_and_restart(&f, &p, &now, 2);
	}
	assert_int_equal(svc_fsm_event(&f, &p, EV_EXITED, 2, now += MS), ACT_RELEASE);
	assert_int_equal(f.state, SVC_FAILED);
	assert_int_equal(f.last_exit, 2);
	assert_int_equal(f.restarts, 3);
	/* a user's start gives it a fresh count */
	assert_int_equal(svc_fsm_event(&f, &p, EV_START, 0, now), ACT_SPAWN);
	assert_int_equal(f.restarts, 0);
}

static void on_failure_stays_down_on_success_and_no_never_restarts(void **state)
{
	struct svc_policy p = docker_like;
	struct svc_fsm f;

	p.restart = SVC_RESTART_ON_FAILURE;
	svc_fsm_init(&f);
	start_and_run(&f, &p, 0);
	svc_fsm_event(&f, &p, EV_EXITED, 0, 5);
	assert_int_equal(f.state, SVC_EXITED);

	p.restart = SVC_RESTART_NO;
	svc_fsm_init(&f);
	start_and_run(&f, &p, 0);
	svc_fsm_event(&f, &p, EV_EXITED, 1, 5);
	assert_int_equal(f.state, SVC_EXITED);
	assert_int_equal(f.restarts, 0);
}

static void stop_signals_then_kills_after_the_grace_period(void **state)
{
	struct svc_fsm f;

	svc_fsm_init(&f);
	start_and_run(&f, &docker_like, 0);
	assert_int_equal(svc_fsm_event(&f, &docker_like, EV_STOP, 0, 1 * S), ACT_SIGNAL_STOP);
	assert_int_equal(f.state, SVC_STOPPING);
	assert_int_equal(f.deadline, 11 * S);
	assert_int_equal(svc_fsm_event(&f, &docker_like, EV_TIMER, 0, 11 * S), ACT_KILL);
	/* a stopped service with restart: always stays down */
	assert_int_equal(svc_fsm_event(&f, &docker_like, EV_EXITED, 137, 11 * S), ACT_RELEASE);
	assert_int_equal(f.state, SVC_STOPPED);
	assert_true(f.stopped_by_user);
	assert_int_equal(f.restarts, 0);
}

static void restart_stops_then_spawns(void **state)
{
	struct svc_fsm f;

	svc_fsm_init(&f);
	start_and_run(&f, &docker_like, 0);
	assert_int_equal(svc_fsm_event(&f, &docker_like, EV_RESTART, 0, 1), ACT_SIGNAL_STOP);
	assert_int_equal(svc_fsm_event(&f, &docker_like, EV_EXITED, 143, 2), ACT_SPAWN);
	assert_int_equal(f.state, SVC_STARTING);
	assert_int_equal(f.restarts, 0); /* docker counts the policy's only */
	assert_int_equal(f.cycles, 1);
}

static void health_moves_between_states_and_can_restart(void **state)
{
	struct svc_policy p = docker_like;
	struct svc_fsm f;

	svc_fsm_init(&f);
	start_and_run(&f, &p, 0);
	svc_fsm_event(&f, &p, EV_HEALTHY, 0, 1);
	assert_int_equal(f.state, SVC_HEALTHY);
	assert_int_equal(svc_fsm_event(&f, &p, EV_UNHEALTHY, 0, 2), ACT_NONE);
	assert_int_equal(f.state, SVC_UNHEALTHY);
	svc_fsm_event(&f, &p, EV_HEALTHY, 0, 3);
	assert_int_equal(f.state, SVC_HEALTHY);

	p.restart_on_unhealthy = true;
	assert_int_equal(svc_fsm_event(&f, &p, EV_UNHEALTHY, 0, 4), ACT_SIGNAL_STOP);
	assert_int_equal(f.state, SVC_STOPPING);
	assert_true(f.unhealthy_seen);
	/* restarted as a crash is: after its backoff */
	assert_int_equal(svc_fsm_event(&f, &p, EV_EXITED, 143, 5), ACT_RELEASE);
	assert_int_equal(f.state, SVC_BACKOFF);
	assert_int_equal(f.deadline, 5 + 100 * MS);
	assert_int_equal(f.restarts, 1);
	assert_int_equal(svc_fsm_event(&f, &p, EV_TIMER, 0, 5 + 100 * MS), ACT_SPAWN);
}

/* An unhealthy loop does not spin: backoff grows, max_attempts ends it, and
 * a stop while it is stopping for a restart keeps it down. */
static void unhealthy_restarts_back_off_and_give_up(void **state)
{
	struct svc_policy p = docker_like;
	struct svc_fsm f;
	int64_t t = 0;

	p.restart_on_unhealthy = true;
	p.max_attempts = 2;
	svc_fsm_init(&f);
	start_and_run(&f, &p, t);
	for (int round = 0; round < 2; round++) {
		svc_fsm_event(&f, &p, EV_UNHEALTHY, 0, t += S);
		assert_int_equal(svc_fsm_event(&f, &p, EV_EXITED, 143, t += MS), ACT_RELEASE);
		assert_int_equal(f.state, SVC_BACKOFF);
		assert_int_equal(f.deadline - t, round ? 200 * MS : 100 * MS);
		assert_int_equal(svc_fsm_event(&f, &p, EV_TIMER, 0, t = f.deadline), ACT_SPAWN);
		svc_fsm_event(&f, &p, EV_STARTED, 0, t);
	}
	svc_fsm_event(&f, &p, EV_UNHEALTHY, 0, t += S);
	assert_int_equal(svc_fsm_event(&f, &p, EV_EXITED, 143, t += MS), ACT_RELEASE);
	assert_int_equal(f.state, SVC_FAILED);

	svc_fsm_init(&f);
	start_and_run(&f, &p, 0);
	svc_fsm_event(&f, &p, EV_UNHEALTHY, 0, S);
	assert_int_equal(svc_fsm_event(&f, &p, EV_STOP, 0, S + 1), ACT_NONE);
	assert_int_equal(svc_fsm_event(&f, &p, EV_EXITED, 143, S + 2), ACT_RELEASE);
	assert_int_equal(f.state, SVC_STOPPED);
}

static void start_failure_is_final_and_meaningless_events_change_nothing(void **state)
{
	struct svc_fsm f;

	svc_fsm_init(&f);
	assert_int_equal(svc_fsm_event(&f, &docker_like, EV_EXITED, 1, 0), ACT_NONE);
	assert_int_equal(svc_fsm_event(&f, &docker_like, EV_TIMER, 0, 0), ACT_NONE);
	assert_int_equal(f.state, SVC_CREATED);
	svc_fsm_event(&f, &docker_like, EV_START, 0, 0);
	assert_int_equal(svc_fsm_event(&f, &docker_like, EV_START_FAILED, 127, 0), ACT_RELEASE);
	assert_int_equal(f.state, SVC_FAILED);
	assert_int_equal(f.last_exit, 127);
	assert_string_equal(svc_state_name(f.state), "failed");
}

/* The container is still being built when the stop comes (lxr starts
 * containers without waiting for each): the stop signal is sent again once
 * its command runs, and a start that fails meanwhile ends the stop. */
static void stop_while_starting_signals_again_once_started(void **state)
{
	struct svc_fsm f;

	svc_fsm_init(&f);
	svc_fsm_event(&f, &docker_like, EV_START, 0, 0);
	assert_int_equal(svc_fsm_event(&f, &docker_like, EV_STOP, 0, 1 * S), ACT_SIGNAL_STOP);
	assert_int_equal(f.state, SVC_STOPPING);
	assert_int_equal(f.deadline, 11 * S);
	assert_int_equal(svc_fsm_event(&f, &docker_like, EV_STARTED, 0, 2 * S), ACT_SIGNAL_STOP);
	assert_int_equal(f.state, SVC_STOPPING);
	assert_int_equal(svc_fsm_event(&f, &docker_like, EV_EXITED, 143, 3 * S), ACT_RELEASE);
	assert_int_equal(f.state, SVC_STOPPED);

	svc_fsm_init(&f);
	svc_fsm_event(&f, &docker_like, EV_START, 0, 0);
	svc_fsm_event(&f, &docker_like, EV_STOP, 0, 1);
	assert_int_equal(svc_fsm_event(&f, &docker_like, EV_START_FAILED, 125, 2), ACT_RELEASE);
	assert_int_equal(f.state, SVC_STOPPED);
	assert_int_equal(f.last_exit, 125);
	/* the grace timer of that stop no longer fires a kill */
	assert_int_equal(svc_fsm_event(&f, &docker_like, EV_TIMER, 0, 11 * S), ACT_NONE);
}

static void restart_while_starting_spawns_after_the_exit(void **state)
{
	struct svc_fsm f;

	svc_fsm_init(&f);
	svc_fsm_event(&f, &docker_like, EV_START, 0, 0);
	assert_int_equal(svc_fsm_event(&f, &docker_like, EV_RESTART, 0, 1), ACT_SIGNAL_STOP);
	assert_int_equal(svc_fsm_event(&f, &docker_like, EV_STARTED, 0, 2), ACT_SIGNAL_STOP);
	assert_int_equal(svc_fsm_event(&f, &docker_like, EV_EXITED, 143, 3), ACT_SPAWN);
	assert_int_equal(f.state, SVC_STARTING);
	/* a user's restart: docker's RestartCount starts over; it is still a
	 * restart for the services that follow it (cycles) */
	assert_int_equal(f.restarts, 0);
	assert_int_equal(f.cycles, 1);

	/* a restart whose first start fails is a failed service, not a loop */
	svc_fsm_init(&f);
	svc_fsm_event(&f, &docker_like, EV_START, 0, 0);
	svc_fsm_event(&f, &docker_like, EV_RESTART, 0, 1);
	assert_int_equal(svc_fsm_event(&f, &docker_like, EV_START_FAILED, 127, 2), ACT_RELEASE);
	assert_int_equal(f.state, SVC_FAILED);
}

/* A start or restart while a stop is under way: it starts again once
 * stopped (docker's restart is a stop and a start), not dropped */
static void start_or_restart_while_stopping_starts_again(void **state)
{
	struct svc_fsm f;

	svc_fsm_init(&f);
	start_and_run(&f, &docker_like, 0);
	svc_fsm_event(&f, &docker_like, EV_EXITED, 1, 1 * S); /* a policy restart */
	svc_fsm_event(&f, &docker_like, EV_TIMER, 0, f.deadline);
	svc_fsm_event(&f, &docker_like, EV_STARTED, 0, 2 * S);
	assert_int_equal(f.restarts, 1);
	assert_int_equal(svc_fsm_event(&f, &docker_like, EV_STOP, 0, 3 * S), ACT_SIGNAL_STOP);
	assert_int_equal(svc_fsm_event(&f, &docker_like, EV_START, 0, 4 * S), ACT_NONE);
	assert_int_equal(f.state, SVC_STOPPING);
	assert_int_equal(f.deadline, 13 * S); /* start has no grace of its own */
	assert_int_equal(svc_fsm_event(&f, &docker_like, EV_EXITED, 137, 13 * S), ACT_SPAWN);
	assert_int_equal(f.state, SVC_STARTING);
	assert_int_equal(f.restarts, 0);
	assert_false(f.stopped_by_user);

	/* a restart with a shorter grace ends the wait sooner */
	struct svc_policy quick = docker_like;
	quick.stop_grace_us = 1 * S;
	svc_fsm_init(&f);
	start_and_run(&f, &docker_like, 0);
	svc_fsm_event(&f, &docker_like, EV_STOP, 0, 0);
	assert_int_equal(svc_fsm_event(&f, &quick, EV_RESTART, 0, 2 * S), ACT_NONE);
	assert_int_equal(f.deadline, 3 * S);
	assert_int_equal(svc_fsm_event(&f, &docker_like, EV_TIMER, 0, 3 * S), ACT_KILL);
	assert_int_equal(svc_fsm_event(&f, &docker_like, EV_EXITED, 137, 3 * S), ACT_SPAWN);
	assert_int_equal(f.cycles, 1);
}

/* Each stop's -t: a shorter one ends a stop under way sooner (0: at once);
 * a longer one never delays the kill already due */
static void a_shorter_stop_hurries_one_under_way(void **state)
{
	struct svc_policy slow = docker_like, zero = docker_like;
	struct svc_fsm f;

	slow.stop_grace_us = 60 * S;
	zero.stop_grace_us = 0;
	svc_fsm_init(&f);
	start_and_run(&f, &slow, 0);
	assert_int_equal(svc_fsm_event(&f, &slow, EV_STOP, 0, 1 * S), ACT_SIGNAL_STOP);
	assert_int_equal(f.deadline, 61 * S);
	assert_int_equal(svc_fsm_event(&f, &docker_like, EV_STOP, 0, 2 * S), ACT_NONE);
	assert_int_equal(f.deadline, 12 * S);
	assert_int_equal(svc_fsm_event(&f, &slow, EV_STOP, 0, 3 * S), ACT_NONE);
	assert_int_equal(f.deadline, 12 * S);
	assert_int_equal(svc_fsm_event(&f, &zero, EV_STOP, 0, 4 * S), ACT_KILL);
	assert_int_equal(f.deadline, 0);
	assert_int_equal(f.state, SVC_STOPPING);
	/* killed already: another stop sends nothing more */
	assert_int_equal(svc_fsm_event(&f, &zero, EV_STOP, 0, 5 * S), ACT_NONE);
	assert_int_equal(svc_fsm_event(&f, &zero, EV_EXITED, 137, 5 * S), ACT_RELEASE);
	assert_int_equal(f.state, SVC_STOPPED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(always_backs_off_doubling_to_the_cap),
	    cmocka_unit_test(zero_first_delay_restarts_at_once_then_doubles),
	    cmocka_unit_test(backoff_resets_after_staying_up),
	    cmocka_unit_test(on_failure_n_gives_up_after_n),
	    cmocka_unit_test(on_failure_stays_down_on_success_and_no_never_restarts),
	    cmocka_unit_test(stop_signals_then_kills_after_the_grace_period),
	    cmocka_unit_test(restart_stops_then_spawns),
	    cmocka_unit_test(health_moves_between_states_and_can_restart),
	    cmocka_unit_test(unhealthy_restarts_back_off_and_give_up),
	    cmocka_unit_test(start_failure_is_final_and_meaningless_events_change_nothing),
	    cmocka_unit_test(stop_while_starting_signals_again_once_started),
	    cmocka_unit_test(restart_while_starting_spawns_after_the_exit),
	    cmocka_unit_test(on_failure_n_counts_slow_failures_too),
	    cmocka_unit_test(start_or_restart_while_stopping_starts_again),
	    cmocka_unit_test(a_shorter_stop_hurries_one_under_way),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
