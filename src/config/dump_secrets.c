/* secrets and configs as `lxr config` prints them: a service's references
 * in long syntax, the top-level objects with their one source. */
#define _GNU_SOURCE
#include <string.h>

#include "config/emit.h"
#include "config/config_internal.h"

void cfg_dump_file_refs(struct cfg_out *o, const char *k, const struct cfg_svc_file_ref *v,
			size_t n)
{
	if (!n)
		return;
	cfg_out_key(o, k);
	cfg_out_seq(o);
	for (size_t i = 0; i < n; i++) {
		cfg_out_map(o);
		cfg_out_kv(o, "source", v[i].source.v);
		if (v[i].target.v)
			cfg_out_kv(o, "target", v[i].target.v);
		if (v[i].uid.v)
			cfg_out_kv(o, "uid", v[i].uid.v);
		if (v[i].gid.v)
			cfg_out_kv(o, "gid", v[i].gid.v);
		if (v[i].mode.set) {
			char mode[16];
			snprintf(mode, sizeof(mode), "0%o", (unsigned)v[i].mode.v);
			cfg_out_kv(o, "mode", mode);
		}
		cfg_out_end_map(o);
	}
	cfg_out_end_seq(o);
}

void cfg_dump_service_file_refs(struct cfg_out *o, const struct cfg_service *s)
{
	cfg_dump_file_refs(o, "secrets", s->secrets, s->n_secrets);
	cfg_dump_file_refs(o, "configs", s->configs, s->n_configs);
}

static void objs(struct cfg_out *o, const char *k, const struct cfg_file_obj *v, size_t n)
{
	if (!n)
		return;
	cfg_out_key(o, k);
	cfg_out_map(o);
	for (size_t i = 0; i < n; i++) {
		cfg_out_key(o, v[i].name);
		cfg_out_map(o);
		if (v[i].host_name.v)
			cfg_out_kv(o, "name", v[i].host_name.v);
		if (v[i].file.v)
			cfg_out_kv(o, "file", v[i].file.v);
		if (v[i].environment.v)
			cfg_out_kv(o, "environment", v[i].environment.v);
		if (v[i].content.v)
			cfg_out_kv(o, "content", v[i].content.v);
		if (v[i].external.v) {
			cfg_out_key(o, "external");
			cfg_out_bool(o, true);
		}
		cfg_out_end_map(o);
	}
	cfg_out_end_map(o);
}

void cfg_dump_file_objs(struct cfg_out *o, const struct cfg_stack *st)
{
	objs(o, "secrets", st->secrets, st->n_secrets);
	objs(o, "configs", st->configs, st->n_configs);
}
