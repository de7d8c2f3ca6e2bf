/* Config layer, internal: a format-neutral tree writer (emit.c) used to
 * print the normalized model as YAML or JSON. */
#ifndef LXR_CONFIG_EMIT_H
#define LXR_CONFIG_EMIT_H

#include <stdbool.h>
#include <stdio.h>
#include <yaml.h>

#include "lxr/config.h"

#define CFG_OUT_MAX_DEPTH 32

struct cfg_out {
	FILE *f;
	enum cfg_format fmt;
	bool failed;
	yaml_emitter_t yaml;
	/* JSON: items written so far at each depth, for commas */
	int depth;
	size_t count[CFG_OUT_MAX_DEPTH];
	bool after_key;
	bool all;      /* print unsupported settings' defaults too (model tests) */
	bool verbatim; /* strings as written: `${VAR}` and `$$` stay (written.c) */
};

void cfg_out_init(struct cfg_out *o, FILE *f, enum cfg_format fmt);
int cfg_out_finish(struct cfg_out *o);
void cfg_out_map(struct cfg_out *o);
void cfg_out_end_map(struct cfg_out *o);
void cfg_out_seq(struct cfg_out *o);
void cfg_out_end_seq(struct cfg_out *o);
void cfg_out_key(struct cfg_out *o, const char *k);
void cfg_out_str(struct cfg_out *o, const char *v); /* NULL prints null */
void cfg_out_int(struct cfg_out *o, long long v);
void cfg_out_number(struct cfg_out *o, const char *v); /* already formatted */
void cfg_out_bool(struct cfg_out *o, bool v);
void cfg_out_null(struct cfg_out *o);
void cfg_out_kv(struct cfg_out *o, const char *k, const char *v);
void cfg_out_strs(struct cfg_out *o, const char *k, const struct cfg_strs *v);
void cfg_out_kvs(struct cfg_out *o, const char *k, const struct cfg_kvs *v);
void cfg_out_duration(struct cfg_out *o, const char *k, int64_t us);
void cfg_out_flag(struct cfg_out *o, const char *k, bool v);
/* k and its value only where the file gives one (set, or not empty) */
void cfg_out_opt_str(struct cfg_out *o, const char *k, const struct cfg_str *v);
void cfg_out_opt_strs(struct cfg_out *o, const char *k, const struct cfg_strs *v);
void cfg_out_opt_kvs(struct cfg_out *o, const char *k, const struct cfg_kvs *v);

/* Parts of the model printer (dump.c and the dump_*.c beside it). */
void cfg_dump_service_runtime(struct cfg_out *o, const struct cfg_service *s);
void cfg_dump_service_host(struct cfg_out *o, const struct cfg_service *s);
void cfg_dump_service_file_refs(struct cfg_out *o, const struct cfg_service *s);
void cfg_dump_file_refs(struct cfg_out *o, const char *k, const struct cfg_svc_file_ref *v,
			size_t n);
void cfg_dump_service_build(struct cfg_out *o, const struct cfg_service *s);
void cfg_dump_service_unmodelled(struct cfg_out *o, const struct cfg_service *s);
void cfg_dump_raw(struct cfg_out *o, const struct cfg_raw *v);
/* x- extension keys, sorted by name as compose prints them */
void cfg_dump_extensions(struct cfg_out *o, const struct cfg_raw_key *v, size_t n);
void cfg_dump_ulimits(struct cfg_out *o, const struct cfg_ulimit *v, size_t n);
void cfg_dump_file_objs(struct cfg_out *o, const struct cfg_stack *st);
void cfg_dump_networks(struct cfg_out *o, const struct cfg_stack *st);
void cfg_dump_volumes(struct cfg_out *o, const struct cfg_stack *st);

#endif
