/* A service's x-lxr mapping: lxr's own settings, which Compose tools ignore
 * (docs/architecture.md, "The stack file contract"). Each key here is
 * honoured by the supervisor (src/supervisor/tables.c reads the model); the
 * checks that need the whole service (a healthcheck to act on,
 * restart_policy's own timing) run once every key of the service has been
 * read. */
#define _GNU_SOURCE
#include <string.h>

#include "config/config_internal.h"

/* The supervisor's defaults when a key is not set (docker's backoff). */
#define BACKOFF_INITIAL_US 100000LL
#define BACKOFF_MAX_US     60000000LL

/* A zero delay would restart a crashing service in a busy loop; a zero
 * reset_after would count every restart as a good one, so the backoff
 * would never grow. */
static int positive_duration(struct cfg_ctx *c, struct cfg_node *n, const char *what,
			     struct cfg_int *out)
{
	const char *text = n->kind == CFG_NODE_SCALAR ? cfg_scalar(c, n, what) : "";
	struct cfg_int v = {0};

	if (!text) /* interpolation failed, already reported */
		return -1;
	/* "-1s" is a duration, just not one a delay can be */
	if (text[0] != '-' && cfg_read_duration(c, n, what, &v) < 0)
		return -1;
	if (v.v <= 0) {
		cfg_error_hint(c, n, "e.g. 100ms, 5s, 1m", "%s must be a positive duration", what);
		return -1;
	}
	*out = v;
	return 0;
}

/* initial may be zero: the first restart at once, the next ones doubling
 * from 1 ms (the supervisor's next_delay), so a crash loop still slows. */
static int bo_initial(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_int *out = &((struct cfg_svc_x_lxr *)obj)->backoff_initial_us;
	const char *text =
	    n->kind == CFG_NODE_SCALAR ? cfg_scalar(c, n, "x-lxr backoff initial") : "";
	struct cfg_int v = {0};

	if (text && text[0] != '-' && cfg_parse_duration(text, &v.v) == 0 && v.v == 0)
		return cfg_read_duration(c, n, "x-lxr backoff initial", out);
	return positive_duration(c, n, "x-lxr backoff initial", out);
}

static int bo_max(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return positive_duration(c, n, "x-lxr backoff max",
				 &((struct cfg_svc_x_lxr *)obj)->backoff_max_us);
}

static int bo_reset_after(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return positive_duration(c, n, "x-lxr backoff reset_after",
				 &((struct cfg_svc_x_lxr *)obj)->backoff_reset_us);
}

/* The delay doubles from initial up to max; an initial above max (given, or
 * the 1m default) would make the first delay the longest. */
static int check_backoff_order(struct cfg_ctx *c, const struct cfg_svc_x_lxr *x)
{
	const struct cfg_int *in = &x->backoff_initial_us, *max = &x->backoff_max_us;
	int64_t initial = in->set ? in->v : BACKOFF_INITIAL_US;

	if (max->set && initial > max->v) {
		if (in->set)
			cfg_diag_add(c, in->pos, false, "keep initial at or below max",
				     "x-lxr backoff initial is above max on line %d",
				     max->pos.line);
		else
			cfg_diag_add(
			    c, max->pos, false, "keep max at or above initial",
			    "x-lxr backoff max is below the default initial delay (100ms)");
		return -1;
	}
	if (!max->set && initial > BACKOFF_MAX_US) {
		cfg_diag_add(c, in->pos, false, "lower initial, or set max too",
			     "x-lxr backoff initial is above the default max (1m)");
		return -1;
	}
	return 0;
}

static int read_backoff(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	static const struct cfg_key keys[] = {
	    {"initial", NULL, bo_initial},
	    {"max", NULL, bo_max},
	    {"reset_after", NULL, bo_reset_after},
	};
	static const struct cfg_map_spec spec = {"x-lxr.backoff", keys, 3, false, NULL, 0};

	if (cfg_is_null(n))
		return 0;
	if (cfg_read_map(c, n, &spec, obj) < 0)
		return -1;
	return check_backoff_order(c, obj);
}

static int read_restart_on_unhealthy(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_bool(c, n, "x-lxr restart_on_unhealthy",
			     &((struct cfg_svc_x_lxr *)obj)->restart_on_unhealthy);
}

static int read_on_give_up(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	static const char *const actions[] = {"none", "stop-stack", "reboot", "poweroff"};
	struct cfg_str *out = &((struct cfg_svc_x_lxr *)obj)->on_give_up;

	if (cfg_read_str(c, n, "x-lxr on_give_up", out) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(actions) / sizeof(*actions); i++)
		if (!strcmp(out->v, actions[i]))
			return 0;
	cfg_error_hint(c, n, "none, stop-stack, reboot or poweroff",
		       "x-lxr on_give_up: \"%s\" is not an action", out->v);
	return -1;
}

int cfg_svc_read_x_lxr(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	static const struct cfg_key keys[] = {
	    {"restart_on_unhealthy", NULL, read_restart_on_unhealthy},
	    {"backoff", NULL, read_backoff},
	    {"on_give_up", NULL, read_on_give_up},
	};
	static const struct cfg_map_spec spec = {"x-lxr", keys, 3, false, NULL, 0};

	if (cfg_is_null(n))
		return 0;
	return cfg_read_map(c, n, &spec, &((struct cfg_service *)obj)->x_lxr);
}

/* restart_on_unhealthy acts on a failing health check: without one it would
 * never fire, which is a promise lxr could not keep. */
static void check_unhealthy(struct cfg_ctx *c, const struct cfg_service *s)
{
	const struct cfg_bool *r = &s->x_lxr.restart_on_unhealthy;
	const struct cfg_health *h = &s->healthcheck;

	/* a healthcheck that failed to read was reported already */
	if (!r->set || !r->v || (h->kind == CFG_HEALTH_UNSET && h->pos.line))
		return;
	if (h->kind == CFG_HEALTH_UNSET)
		cfg_diag_add(c, r->pos, false, "add a healthcheck with a test, or drop the key",
			     "x-lxr restart_on_unhealthy needs a healthcheck, and the service has "
			     "none");
	else if (h->kind == CFG_HEALTH_NONE)
		cfg_diag_add(c, r->pos, false, "give the healthcheck a test, or drop the key",
			     "x-lxr restart_on_unhealthy needs a healthcheck, and the one on line "
			     "%d is disabled",
			     h->pos.line);
}

/* deploy.restart_policy's delay is a fixed delay and its window the reset
 * time; with x-lxr's backoff as well, one would silently win (the house
 * rule: two spellings that disagree are an error). */
static void check_restart_policy(struct cfg_ctx *c, const struct cfg_service *s)
{
	const struct cfg_svc_x_lxr *x = &s->x_lxr;
	const struct cfg_int *first = x->backoff_initial_us.set ? &x->backoff_initial_us
				      : x->backoff_max_us.set   ? &x->backoff_max_us
								: NULL;

	if (s->restart.delay_us && first)
		cfg_diag_add(c, first->pos, false,
			     "keep one: restart_policy.delay (a fixed delay) or x-lxr backoff "
			     "initial/max (a doubling delay)",
			     "x-lxr backoff and deploy.restart_policy delay both set the restart "
			     "delay");
	if (s->restart.window_us && x->backoff_reset_us.set &&
	    s->restart.window_us != x->backoff_reset_us.v)
		cfg_diag_add(c, x->backoff_reset_us.pos, false, "set it in one place",
			     "x-lxr backoff reset_after disagrees with deploy.restart_policy "
			     "window");
}

void cfg_svc_check_x_lxr(struct cfg_ctx *c, const struct cfg_service *s)
{
	check_unhealthy(c, s);
	check_restart_policy(c, s);
}
