/* deploy.update_config and deploy.rollback_config: how `lxr up` replaces the
 * containers of a service whose image or configuration changed, batch by
 * batch, and how it goes back when a new container fails (the supervisor's
 * update.c carries them out). The keys and defaults are swarm's, which
 * the Compose Specification took over, with monitor's default of 5s. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

struct upd {
	struct cfg_update *u;
	bool rollback; /* rollback_config: its failure_action cannot roll back */
};

void cfg_update_default(struct cfg_update *u)
{
	*u = (struct cfg_update){.parallelism = 1,
				 .monitor_us = CFG_UPDATE_MONITOR_DEFAULT_US,
				 .failure_action = CFG_UPDATE_PAUSE,
				 .order = CFG_UPDATE_STOP_FIRST};
}

static const char *what(const struct upd *p)
{
	return p->rollback ? "deploy.rollback_config" : "deploy.update_config";
}

static int upd_parallelism(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct upd *p = obj;
	char key[64];
	struct cfg_int v;

	snprintf(key, sizeof(key), "%s.parallelism", what(p));
	if (cfg_read_int(c, n, key, 0, CFG_REPLICAS_MAX, &v) < 0)
		return -1;
	p->u->parallelism = (int)v.v;
	return 0;
}

static int upd_duration(struct cfg_ctx *c, struct cfg_node *n, struct upd *p, const char *k,
			int64_t *dst)
{
	char key[64];
	struct cfg_int v;

	snprintf(key, sizeof(key), "%s.%s", what(p), k);
	if (cfg_read_duration(c, n, key, &v) < 0)
		return -1;
	*dst = v.v;
	return 0;
}

static int upd_delay(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct upd *p = obj;

	return upd_duration(c, n, p, "delay", &p->u->delay_us);
}

static int upd_monitor(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct upd *p = obj;

	return upd_duration(c, n, p, "monitor", &p->u->monitor_us);
}

static int upd_failure_action(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct upd *p = obj;
	const char *v = cfg_scalar(c, n, "failure_action");

	if (!v)
		return -1;
	if (!strcmp(v, "pause"))
		p->u->failure_action = CFG_UPDATE_PAUSE;
	else if (!strcmp(v, "continue"))
		p->u->failure_action = CFG_UPDATE_CONTINUE;
	else if (!strcmp(v, "rollback") && !p->rollback)
		p->u->failure_action = CFG_UPDATE_ROLLBACK;
	else {
		cfg_error_hint(c, n,
			       p->rollback ? "pause or continue (a rollback that fails cannot "
					     "roll back)"
					   : "pause (the default), continue or rollback",
			       "%s.failure_action: unknown action \"%s\"", what(p), v);
		return -1;
	}
	return 0;
}

static int upd_order(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct upd *p = obj;
	const char *v = cfg_scalar(c, n, "order");

	if (!v)
		return -1;
	if (!strcmp(v, "stop-first"))
		p->u->order = CFG_UPDATE_STOP_FIRST;
	else if (!strcmp(v, "start-first"))
		p->u->order = CFG_UPDATE_START_FIRST;
	else {
		cfg_error_hint(c, n, "stop-first (the default) or start-first",
			       "%s.order: unknown order \"%s\"", what(p), v);
		return -1;
	}
	return 0;
}

/* A fraction from 0 to 1 (swarm's float), kept in thousandths. */
static int upd_ratio(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct upd *p = obj;
	const char *v = cfg_scalar(c, n, "max_failure_ratio");
	char *end = NULL;
	double d;

	if (!v)
		return -1;
	errno = 0;
	d = strtod(v, &end);
	if (!*v || *end || errno || !(d >= 0 && d <= 1)) { /* NaN fails both */
		cfg_error_hint(c, n, "a fraction from 0 (the default: no failure tolerated) to 1",
			       "%s.max_failure_ratio: \"%s\" is not a number from 0 to 1", what(p),
			       v);
		return -1;
	}
	p->u->max_failure_permille = (int)(d * 1000 + 0.5);
	return 0;
}

static int read_update(struct cfg_ctx *c, struct cfg_node *n, struct cfg_update *u, bool rollback)
{
	static const struct cfg_key keys[] = {
	    {"parallelism", NULL, upd_parallelism},       {"delay", NULL, upd_delay},
	    {"failure_action", NULL, upd_failure_action}, {"monitor", NULL, upd_monitor},
	    {"max_failure_ratio", NULL, upd_ratio},       {"order", NULL, upd_order},
	};
	static const struct cfg_map_spec update = {"deploy.update_config", keys, 6, true, NULL, 0};
	static const struct cfg_map_spec back = {"deploy.rollback_config", keys, 6, true, NULL, 0};
	struct upd p = {u, rollback};

	cfg_update_default(u);
	if (cfg_is_null(n))
		return 0;
	u->set = true;
	u->pos = n->pos;
	return cfg_read_map(c, n, rollback ? &back : &update, &p);
}

int cfg_svc_read_update_config(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return read_update(c, n, &((struct cfg_service *)obj)->update_config, false);
}

int cfg_svc_read_rollback_config(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return read_update(c, n, &((struct cfg_service *)obj)->rollback_config, true);
}
