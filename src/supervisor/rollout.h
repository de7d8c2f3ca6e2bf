/* Supervisor, internal: the rules of a rolling update (update.c carries
 * them out). Pure, as fsm.h: the instances' states and the clock come in
 * as arguments, the decision goes out, so tests need no containers. */
#ifndef LXR_SUP_ROLLOUT_H
#define LXR_SUP_ROLLOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lxr/config.h"
#include "supervisor/fsm.h"

/* A new container's verdict, from its state machine's state. */
enum rollout_watch {
	ROLLOUT_PENDING, /* not ready yet: starting, or its health check undecided */
	ROLLOUT_READY,   /* ready (healthy; running without a health check): watched */
	ROLLOUT_DONE,    /* ready for monitor: replaced */
	ROLLOUT_FAILED,  /* exited, failed to start, unhealthy or stopped */
};
/* ready_at: when it was first seen ready (0: not yet), which the caller
 * keeps; now and monitor_us in the same clock. */
enum rollout_watch rollout_watch(enum svc_state st, bool has_health, int64_t ready_at, int64_t now,
				 int64_t monitor_us);

/* What a service's update does next, once no instance is between its
 * old and new container. */
enum rollout_next {
	ROLLOUT_WAIT,     /* the delay between batches is not over */
	ROLLOUT_BATCH,    /* begin the next batch */
	ROLLOUT_FINISHED, /* nothing left to replace */
	ROLLOUT_PAUSE,    /* failure_action: pause (or a rollback's failure) */
	ROLLOUT_ROLLBACK, /* failure_action: rollback */
};
struct rollout_count {
	size_t n;       /* instances in the update */
	size_t waiting; /* in batches to come */
	size_t failed;  /* whose new container failed */
};
enum rollout_next rollout_next(const struct cfg_update *u, bool rolling_back,
			       struct rollout_count c, int64_t now, int64_t next_batch_at);
/* How many instances the next batch takes (parallelism 0: all). */
size_t rollout_batch_size(const struct cfg_update *u, size_t waiting);

#endif
