/* Device requests: compose's deploy.resources.reservations.devices and
 * `gpus:` (docker's --gpus). Both are kept as written for `lxr config`
 * (raw.c) and read here into cfg_device_request, which the runtime turns
 * into CDI devices (runtime/cdi.c). The rules are compose's: capabilities
 * are required in a reservation (implied "gpu" in `gpus:`), count and
 * device_ids exclude each other, and neither means every device. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

static void req_free(struct cfg_device_request *r);

struct req_read {
	struct cfg_device_request r;
	bool count_set, caps_set, ids_set;
};

static int rq_driver(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct req_read *q = obj;
	const char *v = cfg_scalar(c, n, "driver");

	if (!v)
		return -1;
	free(q->r.driver);
	q->r.driver = v[0] ? lxr_xstrdup(v) : NULL;
	return 0;
}

static int rq_count(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct req_read *q = obj;
	struct cfg_int v = {0};
	const char *s = cfg_scalar(c, n, "count");
	char *end;

	if (!s)
		return -1;
	q->count_set = true;
	if (!strcmp(s, "all") || !strcmp(s, "-1")) {
		q->r.count = -1;
		return 0;
	}
	errno = 0;
	v.v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v.v < 0 || v.v > 1024) {
		cfg_error_hint(c, n, "a number of devices (0 to 1024), or all",
			       "count: \"%s\" is not a count", s);
		return -1;
	}
	q->r.count = v.v;
	return 0;
}

static int strv_of(struct cfg_ctx *c, struct cfg_node *n, const char *what, char ***out)
{
	struct cfg_strs v = {0};

	if (cfg_read_strs(c, n, what, false, &v) < 0)
		return -1;
	lxr_strv_free(*out);
	*out = lxr_xcalloc(v.n + 1, sizeof(char *));
	for (size_t i = 0; i < v.n; i++)
		(*out)[i] = lxr_steal_ptr(&v.v[i].v);
	cfg_strs_free(&v);
	return 0;
}

static int rq_ids(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct req_read *q = obj;

	q->ids_set = true;
	return strv_of(c, n, "device_ids", &q->r.ids);
}

static int rq_caps(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct req_read *q = obj;

	q->caps_set = true;
	return strv_of(c, n, "capabilities", &q->r.caps);
}

/* a driver's own settings: docker's nvidia driver ignores them too, and
 * the CDI devices lxr makes take none (kept as written for `lxr config`) */
static int rq_options(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	(void)obj;
	return cfg_is_null(n) || cfg_expect(c, n, CFG_NODE_MAP, "options") ? 0 : -1;
}

static void push(struct cfg_service *s, struct cfg_device_request *r)
{
	s->gpu_reqs = lxr_xrealloc(s->gpu_reqs, (s->n_gpu_reqs + 1) * sizeof(*s->gpu_reqs));
	s->gpu_reqs[s->n_gpu_reqs++] = *r;
	memset(r, 0, sizeof(*r));
}

int cfg_read_device_request(struct cfg_ctx *c, struct cfg_node *n, struct cfg_service *s, bool gpus)
{
	static const struct cfg_key keys[] = {
	    {"capabilities", NULL, rq_caps}, {"driver", NULL, rq_driver},
	    {"count", NULL, rq_count},       {"device_ids", NULL, rq_ids},
	    {"options", NULL, rq_options},
	};
	static const struct cfg_map_spec spec = {"a device request", keys, 5, true, NULL, 0};
	struct req_read q = {.r = {.pos = n->pos}};
	int r = cfg_read_map(c, n, &spec, &q);

	if (r == 0 && q.count_set && q.ids_set) {
		cfg_error_hint(c, n, "give one of them", "count and device_ids exclude each other");
		r = -1;
	} else if (r == 0 && !gpus && (!q.caps_set || !q.r.caps[0])) {
		cfg_error_hint(c, n, "e.g. capabilities: [gpu]",
			       "a device request needs capabilities");
		r = -1;
	}
	if (r == 0) {
		if (!q.count_set && !q.ids_set)
			q.r.count = -1; /* compose: neither is every device */
		if (gpus && !q.caps_set)
			lxr_strv_push(&q.r.caps, lxr_xstrdup("gpu"));
		push(s, &q.r);
	}
	req_free(&q.r);
	return r;
}

int cfg_read_gpus(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;
	int r = 0;

	if (cfg_svc_read_raw(c, n, s, "gpus") < 0)
		return -1;
	if (cfg_is_null(n))
		return 0;
	if (n->kind == CFG_NODE_SCALAR) {
		const char *v = cfg_scalar(c, n, "gpus");
		struct cfg_device_request q = {.count = -1, .pos = n->pos};
		if (!v)
			return -1;
		if (strcmp(v, "all")) {
			cfg_error_hint(c, n, "all, or a list of {driver, count, device_ids}",
				       "gpus: \"%s\" is not all", v);
			return -1;
		}
		lxr_strv_push(&q.caps, lxr_xstrdup("gpu"));
		push(s, &q);
		return 0;
	}
	if (!cfg_expect(c, n, CFG_NODE_SEQ, "gpus"))
		return -1;
	for (size_t i = 0; i < n->n; i++)
		if (cfg_read_device_request(c, n->items[i], s, true) < 0)
			r = -1;
	return r;
}

static void req_free(struct cfg_device_request *r)
{
	free(r->driver);
	lxr_strv_free(r->ids);
	lxr_strv_free(r->caps);
	memset(r, 0, sizeof(*r));
}

void cfg_device_requests_free(struct cfg_device_request *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		req_free(&v[i]);
	free(v);
}
