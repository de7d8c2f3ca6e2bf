/* The top-level networks and volumes as `lxr config` prints them. */
#define _GNU_SOURCE
#include <string.h>

#include "config/emit.h"
#include "config/config_internal.h"

static void pools(struct cfg_out *o, const struct cfg_network *n)
{
	cfg_out_key(o, "ipam");
	cfg_out_map(o);
	cfg_out_kv(o, "driver", "default");
	cfg_out_key(o, "config");
	cfg_out_seq(o);
	for (size_t i = 0; i <= n->n_pools; i++) {
		const struct cfg_ipam_pool *p = i < n->n_pools ? &n->pools[i] : &n->pool6;
		if (!p->subnet.v)
			continue;
		cfg_out_map(o);
		cfg_out_opt_str(o, "subnet", &p->subnet);
		cfg_out_opt_str(o, "gateway", &p->gateway);
		cfg_out_opt_str(o, "ip_range", &p->ip_range);
		if (p->aux.n)
			cfg_out_kvs(o, "aux_addresses", &p->aux);
		cfg_out_end_map(o);
	}
	cfg_out_end_seq(o);
	cfg_out_end_map(o);
}

/* The name the host knows it by, as compose-go's normalization gives every
 * network and volume one: its own, an external one's key, else
 * <project>_<key> */
static void top_name(struct cfg_out *o, const struct cfg_stack *st, const char *key,
		     const char *own, bool external)
{
	_cleanup_free_ char *made = NULL;

	if (!own && !external)
		own = made = lxr_xasprintf("%s_%s", st->project, key);
	cfg_out_kv(o, "name", own ? own : key);
}

void cfg_dump_networks(struct cfg_out *o, const struct cfg_stack *st)
{
	bool any = o->all || cfg_key_supported("networks");

	size_t shown = 0;

	for (size_t i = 0; i < st->n_networks; i++) {
		any |= !st->networks[i].implicit;
		shown += !st->networks[i].mode_only;
	}
	if (!any || !shown)
		return;
	cfg_out_key(o, "networks");
	cfg_out_map(o);
	for (size_t i = 0; i < st->n_networks; i++) {
		const struct cfg_network *n = &st->networks[i];
		if (n->implicit && !o->all && !cfg_key_supported("networks"))
			continue; /* nothing is attached to it until the net layer */
		if (n->mode_only)
			continue; /* network_mode says it */
		cfg_out_key(o, n->name);
		cfg_out_map(o);
		top_name(o, st, n->name, n->host_name.v, n->external.v);
		if (n->external.v) {
			cfg_out_flag(o, "external", true);
		} else {
			cfg_out_kv(o, "driver", n->driver.v);
			cfg_out_flag(o, "internal", n->internal.v);
		}
		if (n->driver_opts.n)
			cfg_out_kvs(o, "driver_opts", &n->driver_opts);
		if (n->enable_ipv6.v)
			cfg_out_flag(o, "enable_ipv6", true);
		if (n->n_pools || n->pool6.subnet.v)
			pools(o, n);
		if (n->labels.n)
			cfg_out_kvs(o, "labels", &n->labels);
		cfg_out_end_map(o);
	}
	cfg_out_end_map(o);
}

void cfg_dump_volumes(struct cfg_out *o, const struct cfg_stack *st)
{
	/* as compose prints it: only when the file declares one */
	if (!st->n_volumes && !o->all)
		return;
	cfg_out_key(o, "volumes");
	cfg_out_map(o);
	for (size_t i = 0; i < st->n_volumes; i++) {
		const struct cfg_volume *v = &st->volumes[i];
		cfg_out_key(o, v->name);
		cfg_out_map(o);
		top_name(o, st, v->name, v->host_name.v, v->external.v);
		if (v->external.v)
			cfg_out_flag(o, "external", true);
		else
			cfg_out_kv(o, "driver", v->driver.v);
		if (v->driver_opts.n)
			cfg_out_kvs(o, "driver_opts", &v->driver_opts);
		if (v->labels.n)
			cfg_out_kvs(o, "labels", &v->labels);
		cfg_out_end_map(o);
	}
	cfg_out_end_map(o);
}
