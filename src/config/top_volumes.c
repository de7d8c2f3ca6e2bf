/* Top-level `volumes:` entries: driver (local), its options, labels,
 * external and shared names. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

static int vol_driver(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_volume *v = obj;

	if (cfg_read_str(c, n, "driver", &v->driver) < 0)
		return -1;
	if (v->driver.v && strcmp(v->driver.v, "local")) {
		cfg_error_hint(c, n, "use driver: local (the default)",
			       "volume driver \"%s\" is not supported yet", v->driver.v);
		return -1;
	}
	return 0;
}

/* The local driver's options are mount(8)'s: type, o, device. A bind
 * (type: none, o: bind) takes its device relative to the file, made
 * absolute as compose-go makes it. */
static int check_local_opts(struct cfg_ctx *c, struct cfg_node *n, struct cfg_kvs *o)
{
	const char *type = NULL, *opts = "";
	struct cfg_kv *device = NULL;

	for (size_t i = 0; i < o->n; i++) {
		const char *k = o->v[i].key;
		if (!strcmp(k, "type"))
			type = o->v[i].value;
		else if (!strcmp(k, "o"))
			opts = o->v[i].value;
		else if (!strcmp(k, "device"))
			device = &o->v[i];
		else {
			cfg_diag_add(c, o->v[i].pos, false, "type, o and device (mount's options)",
				     "driver_opts: the local driver has no option \"%s\"", k);
			return -1;
		}
	}
	if (!type || strcmp(type, "none") || !strstr(opts, "bind"))
		return 0;
	/* none, or empty (`device: ${DIR}` unset): compose loads it, and up
	 * refuses it when it makes the volume (a bind needs a device) */
	if (!device || !device->value || !*device->value)
		return 0;
	if (device->value[0] != '/') {
		char *abs = cfg_abs_path_at(c, device->pos, device->value);
		free(device->value);
		device->value = abs;
	}
	return 0;
}

static int vol_driver_opts(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_kvs *o = &((struct cfg_volume *)obj)->driver_opts;

	cfg_check_supported(c, n, "volumes.driver_opts", "volume driver_opts");
	if (cfg_read_kvs(c, n, "driver_opts", false, o) < 0)
		return -1;
	return check_local_opts(c, n, o);
}

static int vol_labels(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_kvs(c, n, "labels", false, &((struct cfg_volume *)obj)->labels);
}

static int vol_external(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_volume *v = obj;

	return cfg_read_external(c, n, &v->external, &v->host_name);
}

static int vol_name(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_host_name(c, n, &((struct cfg_volume *)obj)->host_name);
}

int cfg_volume_read(struct cfg_ctx *c, struct cfg_node *n, struct cfg_volume *v)
{
	static const struct cfg_key keys[] = {
	    {"driver", NULL, vol_driver},       {"driver_opts", NULL, vol_driver_opts},
	    {"labels", NULL, vol_labels},       {"external", "volumes.external", vol_external},
	    {"name", "volumes.name", vol_name},
	};
	static const struct cfg_map_spec spec = {"volume", keys, 5, true, NULL, 0};
	static const char *const making[] = {"driver", "driver_opts", "labels"};
	int r;

	if (cfg_is_null(n))
		return 0;
	r = cfg_read_map(c, n, &spec, v);
	/* an external volume is made elsewhere (lxr volume create): how to
	 * make it is ignored, as compose ignores it, and said */
	for (size_t i = 0; r == 0 && v->external.v && i < n->n; i++)
		for (size_t j = 0; j < sizeof(making) / sizeof(making[0]); j++)
			if (!strcmp(n->pairs[i].key->raw, making[j]))
				cfg_warn(c, n->pairs[i].key,
					 "\"%s\" is ignored: the volume is external (made "
					 "elsewhere: lxr volume create takes -o and --label)",
					 making[j]);
	if (r == 0 && v->external.v) {
		free(v->driver.v);
		v->driver.v = NULL;
		cfg_kvs_free(&v->driver_opts);
		cfg_kvs_free(&v->labels);
	}
	return r;
}

void cfg_volume_free(struct cfg_volume *v)
{
	free(v->name);
	free(v->driver.v);
	cfg_kvs_free(&v->driver_opts);
	cfg_kvs_free(&v->labels);
	free(v->host_name.v);
}
