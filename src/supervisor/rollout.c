/* The rules of a rolling update (rollout.h): swarm's, as the Compose
 * Specification took them over, with lxr's reading of monitor. */
#include "supervisor/rollout.h"

/* Ready is healthy, or running when there is no health check; the check
 * decides, however long it takes (its retries and timeout bound it), and
 * monitor counts from readiness: a check slower than monitor does not fail
 * an update by itself. Leaving "up" at any point is a failure. */
enum rollout_watch rollout_watch(enum svc_state st, bool has_health, int64_t ready_at, int64_t now,
				 int64_t monitor_us)
{
	if (st == SVC_HEALTHY || (st == SVC_RUNNING && !has_health))
		return ready_at && now - ready_at >= monitor_us ? ROLLOUT_DONE : ROLLOUT_READY;
	if (st == SVC_CREATED || st == SVC_STARTING || st == SVC_RUNNING)
		return ROLLOUT_PENDING;
	return ROLLOUT_FAILED;
}

/* swarm's check: failures / the instances the update is to replace >
 * max_failure_ratio acts; with the default ratio 0, the first failure
 * does. */
static bool too_many(const struct cfg_update *u, struct rollout_count c)
{
	return c.failed && c.failed * 1000 > (size_t)u->max_failure_permille * c.n;
}

enum rollout_next rollout_next(const struct cfg_update *u, bool rolling_back,
			       struct rollout_count c, int64_t now, int64_t next_batch_at)
{
	if (too_many(u, c)) {
		if (u->failure_action == CFG_UPDATE_ROLLBACK && !rolling_back)
			return ROLLOUT_ROLLBACK;
		if (u->failure_action != CFG_UPDATE_CONTINUE)
			return ROLLOUT_PAUSE; /* a rollback cannot roll back */
	}
	if (!c.waiting)
		return ROLLOUT_FINISHED;
	return now >= next_batch_at ? ROLLOUT_BATCH : ROLLOUT_WAIT;
}

size_t rollout_batch_size(const struct cfg_update *u, size_t waiting)
{
	size_t p = u->parallelism > 0 ? (size_t)u->parallelism : waiting;

	return p < waiting ? p : waiting;
}
