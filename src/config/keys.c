/* One mapping of the stack file against the keys lxr knows there: known keys
 * are parsed, keys the runtime does not honour yet are refused by name (and
 * still validated), unknown keys get a did-you-mean. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

#define SUPPORT_HINT                                                                               \
	"lxr refuses what it cannot honour yet instead of ignoring it; remove the key to run "     \
	"this stack (see docs/stack-file.md)"
#define RUNNABLE_HINT                                                                              \
	"lxr up refuses what it cannot honour yet instead of ignoring it; `lxr config` shows the " \
	"model; remove the setting to run this stack (see docs/stack-file.md)"

/* Takes msg. service: the one it is in (NULL: the stack's); invalid: an
 * error of the file that waits for its service to be enabled. */
static void record(struct cfg_ctx *c, struct cfg_pos pos, char *msg, const char *hint,
		   const char *service, bool invalid)
{
	struct cfg_stack *st = c->stack;
	struct cfg_unrunnable *u;

	if (!st) {
		free(msg);
		return;
	}
	st->unrunnable =
	    lxr_xrealloc(st->unrunnable, (st->n_unrunnable + 1) * sizeof(*st->unrunnable));
	u = &st->unrunnable[st->n_unrunnable++];
	u->file = lxr_xstrdup(pos.file ? pos.file : c->file);
	u->line = pos.line;
	u->col = pos.col;
	u->msg = c->where ? lxr_xasprintf("%s: %s", c->where, msg) : lxr_xstrdup(msg);
	free(msg);
	u->hint = hint ? lxr_xstrdup(hint) : NULL;
	u->service = service ? lxr_xstrdup(service) : NULL;
	u->invalid = invalid;
}

static void record_unrunnable(struct cfg_ctx *c, struct cfg_pos pos, char *msg, const char *hint)
{
	record(c, pos, msg, hint ? hint : RUNNABLE_HINT, c->service, false);
}

void cfg_ref_error(struct cfg_ctx *c, const struct cfg_service *s, struct cfg_pos pos,
		   const char *hint, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!s->profiles.n || !c->stack)
		cfg_diag_add(c, pos, false, hint, "%s", msg);
	else
		record(c, pos, lxr_xstrdup(msg), hint, s->name, true);
}

void cfg_check_supported_hint(struct cfg_ctx *c, struct cfg_pos pos, const char *feature,
			      const char *hint, const char *fmt, ...)
{
	int known = cfg_support_lookup(feature);
	char label[256];
	va_list ap;

	if (known < 0) {
		cfg_diag_add(c, pos, false, NULL,
			     "internal error: \"%s\" is missing from lxr's support table", feature);
		return;
	}
	if (known)
		return;
	va_start(ap, fmt);
	vsnprintf(label, sizeof(label), fmt, ap);
	va_end(ap);
	record_unrunnable(c, pos, lxr_xasprintf("lxr up does not run %s yet", label), hint);
}

void cfg_refuse_at_up(struct cfg_ctx *c, struct cfg_pos pos, const char *hint, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	record_unrunnable(c, pos, lxr_xstrdup(msg), hint);
}

void cfg_check_supported(struct cfg_ctx *c, const struct cfg_node *n, const char *feature,
			 const char *label)
{
	cfg_check_supported_hint(c, n->pos, feature, NULL, "%s", label);
}

void cfg_interpolate_all(struct cfg_ctx *c, struct cfg_node *n)
{
	if (n->walked)
		return;
	n->walked = true;
	if (n->kind == CFG_NODE_SCALAR)
		(void)cfg_scalar(c, n, "value");
	for (size_t i = 0; n->kind == CFG_NODE_MAP && i < n->n; i++)
		cfg_interpolate_all(c, n->pairs[i].value);
	for (size_t i = 0; n->kind == CFG_NODE_SEQ && i < n->n; i++)
		cfg_interpolate_all(c, n->items[i]);
}

static void unknown_key(struct cfg_ctx *c, const struct cfg_node *k,
			const struct cfg_map_spec *spec)
{
	const char *cands[128];
	size_t n = 0;
	const char *dym;
	char in[96] = "";

	for (size_t i = 0; i < spec->n_keys && n < 128; i++)
		cands[n++] = spec->keys[i].name;
	for (size_t i = 0; i < spec->n_compose_only && n < 128; i++)
		cands[n++] = spec->compose_only[i];
	dym = cfg_did_you_mean(k->raw, cands, n);
	if (spec->what)
		snprintf(in, sizeof(in), " in %s", spec->what);
	if (dym)
		cfg_error(c, k, "unknown key \"%s\"%s (did you mean \"%s\"?)", k->raw, in, dym);
	else if (!strncmp(k->raw, "x-", 2))
		cfg_error_hint(c, k,
			       "extension keys are allowed in the mappings of the Compose "
			       "specification, not inside lxr's own x-lxr settings",
			       "extension key \"%s\" is not allowed%s", k->raw, in);
	else
		cfg_error(c, k, "unknown key \"%s\"%s", k->raw, in);
}

static bool compose_only(const struct cfg_map_spec *spec, const char *key)
{
	for (size_t i = 0; i < spec->n_compose_only; i++)
		if (!strcmp(spec->compose_only[i], key))
			return true;
	return false;
}

int cfg_read_map(struct cfg_ctx *c, struct cfg_node *n, const struct cfg_map_spec *spec, void *obj)
{
	int r = 0;

	if (!cfg_expect(c, n, CFG_NODE_MAP, spec->what ? spec->what : "this"))
		return -1;
	for (size_t i = 0; i < n->n; i++) {
		struct cfg_node *k = n->pairs[i].key;
		const struct cfg_key *key = NULL;
		char label[96];

		for (size_t j = 0; j < spec->n_keys && !key; j++)
			if (!strcmp(spec->keys[j].name, k->raw))
				key = &spec->keys[j];
		snprintf(label, sizeof(label), "\"%s\"", k->raw);
		if (key) {
			if (key->feature)
				cfg_check_supported(c, k, key->feature, label);
			if (key->parse(c, n->pairs[i].value, obj) < 0)
				r = -1;
		} else if (spec->allow_x && !strncmp(k->raw, "x-", 2)) {
			/* Compose extension: ignored by design, but interpolated */
			cfg_interpolate_all(c, n->pairs[i].value);
		} else if (compose_only(spec, k->raw)) {
			cfg_error_hint(c, k, SUPPORT_HINT, "%s is not supported yet", label);
			r = -1;
		} else {
			unknown_key(c, k, spec);
			r = -1;
		}
	}
	return r;
}

static int x_lxr_key(struct cfg_ctx *c, struct cfg_node *k)
{
	/* No top-level x-lxr settings are defined yet; each one added here must
	 * be honoured by a layer below (docs/architecture.md, "The stack file
	 * contract"). The service-level ones are in service_xlxr.c. */
	cfg_error_hint(c, k,
		       "the top-level x-lxr has no settings yet; restart_on_unhealthy and backoff "
		       "go under a service's x-lxr (see docs/stack-file.md)",
		       "unknown x-lxr key \"%s\"", k->raw);
	return -1;
}

int cfg_read_x_lxr(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	int r = 0;

	if (cfg_is_null(n))
		return 0;
	if (!cfg_expect(c, n, CFG_NODE_MAP, "x-lxr"))
		return -1;
	for (size_t i = 0; i < n->n; i++)
		if (x_lxr_key(c, n->pairs[i].key) < 0)
			r = -1;
	return r;
}
