/* Supervisor layer, internal: the parts of `lxr inspect`'s JSON, each
 * made by one file (inspect_config.c: Config; inspect_host.c: HostConfig
 * and Mounts; inspect_net.c: NetworkSettings), put together by inspect.c
 * (sup_inspect_json, sup.h). */
#ifndef LXR_SUPERVISOR_INSPECT_H
#define LXR_SUPERVISOR_INSPECT_H

#include "supervisor/sup.h"

/* What the parts are made from: the service version and image the
 * instance runs (a rollback's previous one), and whose conventions it
 * follows (docker run's for lxr run -d, compose's for a stack's). */
struct sup_insp {
	struct sup *s;
	struct sup_instance *in;
	const struct cfg_stack *st;
	const struct cfg_service *cfg;
	const struct img_image *img; /* NULL: a root filesystem directory */
	bool run;
};
/* inspect_config.c: Config; inspect_host.c: HostConfig and Mounts;
 * inspect_net.c: NetworkSettings (ports: as sup_net_ports lists them),
 * HostConfig's PortBindings and NetworkMode */
struct json_t *sup_inspect_config(const struct sup_insp *x);
/* Config.Labels: the image's, the service's, and compose's own */
struct json_t *sup_inspect_labels(const struct sup_insp *x);
struct json_t *sup_inspect_host_config(const struct sup_insp *x);
struct json_t *sup_inspect_mounts(const struct sup_insp *x);
struct json_t *sup_inspect_net(const struct sup_insp *x, char *const *ports);
struct json_t *sup_inspect_port_bindings(const struct sup_insp *x);
/* Config.ExposedPorts: {"80/tcp": {}} for each port it publishes, exposes
 * or its image exposes */
struct json_t *sup_inspect_exposed(const struct sup_insp *x);
char *sup_inspect_network_mode(const struct sup_insp *x);
/* A list as docker prints it: null when empty_null and there is none */
struct json_t *sup_insp_strv(char *const *v, bool empty_null);
struct json_t *sup_insp_strs(const struct cfg_strs *v, bool empty_null);

#endif
