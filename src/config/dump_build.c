/* A service's build as `lxr config` prints it: compose-go's normal form,
 * in its order (types/build.go), empty keys left out. */
#define _GNU_SOURCE
#include <string.h>

#include "config/emit.h"
#include "config/config_internal.h"

static void flag(struct cfg_out *o, const char *k, const struct cfg_bool *v)
{
	if (!v->v)
		return;
	cfg_out_key(o, k);
	cfg_out_bool(o, true);
}

/* ssh as compose prints it: "default" for the agent, "ID=PATH" */
static void ssh(struct cfg_out *o, const struct cfg_kvs *v)
{
	if (!v->n)
		return;
	cfg_out_key(o, "ssh");
	cfg_out_seq(o);
	for (size_t i = 0; i < v->n; i++) {
		if (!v->v[i].value || !*v->v[i].value) {
			cfg_out_str(o, v->v[i].key);
			continue;
		}
		char *e = lxr_xasprintf("%s=%s", v->v[i].key, v->v[i].value);
		cfg_out_str(o, e);
		free(e);
	}
	cfg_out_end_seq(o);
}

void cfg_dump_service_build(struct cfg_out *o, const struct cfg_service *s)
{
	const struct cfg_build *b = &s->build;

	cfg_out_key(o, "build");
	cfg_out_map(o);
	cfg_out_opt_str(o, "context", &b->context);
	cfg_out_opt_str(o, "dockerfile", &b->dockerfile);
	cfg_out_opt_str(o, "dockerfile_inline", &b->dockerfile_inline);
	cfg_out_opt_strs(o, "entitlements", &b->entitlements);
	cfg_out_opt_kvs(o, "args", &b->args);
	cfg_out_opt_str(o, "provenance", &b->provenance);
	cfg_out_opt_str(o, "sbom", &b->sbom);
	ssh(o, &b->ssh);
	cfg_out_opt_kvs(o, "labels", &b->labels);
	cfg_out_opt_strs(o, "cache_from", &b->cache_from);
	cfg_out_opt_strs(o, "cache_to", &b->cache_to);
	flag(o, "no_cache", &b->no_cache);
	cfg_out_opt_strs(o, "no_cache_filter", &b->no_cache_filter);
	cfg_out_opt_kvs(o, "additional_contexts", &b->additional_contexts);
	flag(o, "pull", &b->pull);
	cfg_out_opt_kvs(o, "extra_hosts", &b->extra_hosts);
	cfg_out_opt_str(o, "isolation", &b->isolation);
	cfg_out_opt_str(o, "network", &b->network);
	cfg_out_opt_str(o, "target", &b->target);
	cfg_dump_file_refs(o, "secrets", b->secrets, b->n_secrets);
	if (b->shm_size.set) {
		cfg_out_key(o, "shm_size");
		cfg_out_int(o, b->shm_size.v);
	}
	cfg_out_opt_strs(o, "tags", &b->tags);
	if (b->n_ulimits)
		cfg_dump_ulimits(o, b->ulimits, b->n_ulimits);
	cfg_out_opt_strs(o, "platforms", &b->platforms);
	flag(o, "privileged", &b->privileged);
	cfg_out_end_map(o);
}
