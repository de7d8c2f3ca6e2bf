/* lxr pause / unpause (docker pause): an instance's cgroup frozen, its
 * processes stopped where they are without a signal they could see. While
 * paused no health check runs (a check would join the frozen cgroup and
 * freeze too, then time out and count as a failure), and what stops or
 * signals the instance thaws it first: a frozen task takes no signal. */
#define _GNU_SOURCE
#include <errno.h>
#include <time.h>

#include "supervisor/sup.h"

static int freeze(struct sup_instance *in, bool frozen, lxr_err *err)
{
	struct lxr_cgroup *cg = NULL;
	int r;

	/* rootless: a cgroup only below a delegated subtree (cgroup_rootless.c) */
	if (rt_cgroup_open(in->plan.spec.cgroup_group, in->plan.spec.id, &cg, err) < 0) {
		if (lxr_rootless_uid() < 0)
			return lxr_err_wrap(err, "%s %s", frozen ? "pause" : "unpause", in->name);
		lxr_fail(err, ENOTSUP,
			 "%s %s: freezing needs the container's cgroup, and rootless lxr has none "
			 "without a delegated cgroup v2 subtree",
			 frozen ? "pause" : "unpause", in->name);
		return lxr_err_hint(err, "see docs/rootless.md");
	}
	r = rt_cgroup_freeze(cg, frozen, err);
	rt_cgroup_free(cg);
	return r < 0 ? lxr_err_wrap(err, "%s", in->name) : 0;
}

int sup_pause(struct sup *s, struct sup_instance *in, bool pause, lxr_err *err)
{
	if (!in->c || in->paused == pause || (pause && !svc_state_is_up(in->fsm.state)))
		return 0;
	/* the check goes before the freeze: a frozen one could not be reaped */
	if (pause)
		sup_health_pause(s, in, true);
	if (freeze(in, pause, err) < 0) {
		if (pause) {
			freeze(in, false, &(lxr_err){0}); /* nothing half-frozen */
			sup_health_pause(s, in, false);
		}
		return -1;
	}
	in->paused = pause;
	if (!pause)
		sup_health_pause(s, in, false);
	sup_emit(s, in, pause ? "paused" : "unpaused", NULL);
	sup_say(s, in, "%s", pause ? "paused" : "unpaused");
	return 0;
}

void sup_thaw(struct sup *s, struct sup_instance *in)
{
	lxr_err err;

	if (!in->paused)
		return;
	if (in->c && freeze(in, false, &err) < 0)
		sup_say(s, in, "unpause: %s", err.msg);
	in->paused = false;
	sup_emit(s, in, "unpaused", NULL);
}
