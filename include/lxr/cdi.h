/* The Container Device Interface (CDI): a vendor's description of a device
 * (its nodes, the host files a container needs with it, environment, hooks)
 * in a JSON or YAML file under /etc/cdi or /var/run/cdi, named by
 * "vendor.com/class=name". docker (`--device nvidia.com/gpu=all`, compose's
 * `devices:` and device requests with `driver: cdi`) and podman read the
 * same files; lxr reads them too (docs/devices.md). */
#ifndef LXR_CDI_H
#define LXR_CDI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lxr/util.h"

/* containerEdits.deviceNodes[]: -1 where the file leaves a number out
 * (the host's node at host_path says it) */
struct lxr_cdi_node {
	char *path;      /* in the container */
	char *host_path; /* NULL: path */
	char type;       /* 'c', 'u', 'b', 'p'; 0: the host's */
	int64_t major, minor;
	int64_t file_mode;
	char *permissions; /* cgroup access, some of "rwm"; NULL: "rwm"; "": none */
	int64_t uid, gid;
};

struct lxr_cdi_mount {
	char *host_path, *container_path;
	char *type;     /* NULL: a bind mount */
	char **options; /* OCI's: "ro", "nosuid", "bind", "rbind", "rslave"... */
};

/* containerEdits.hooks[]: an OCI hook, run with the container's state on
 * its standard input */
struct lxr_cdi_hook {
	char *hook_name; /* createContainer, createRuntime, prestart, ... */
	char *path;
	char **args, **env;
	int timeout; /* seconds; 0: none */
};

struct lxr_cdi_edits {
	char **env; /* "NAME=VALUE" */
	struct lxr_cdi_node *nodes;
	size_t n_nodes;
	struct lxr_cdi_mount *mounts;
	size_t n_mounts;
	struct lxr_cdi_hook *hooks;
	size_t n_hooks;
	uint32_t *gids; /* additionalGids, 0s left out */
	size_t n_gids;
	/* edits lxr does not make (intelRdt, netDevices): named in the error
	 * when a device that needs them is asked for */
	const char *unsupported;
};

struct lxr_cdi_device {
	char *name;
	struct lxr_cdi_edits edits;
};

struct lxr_cdi_spec {
	char *file;
	char *kind; /* "vendor.com/class" */
	struct lxr_cdi_device *devices;
	size_t n_devices;
	struct lxr_cdi_edits edits; /* made once when any of its devices is */
};

/* Read one spec file (JSON, or YAML when its name ends in .yaml or .yml)
 * and check it against the CDI spec; errors name the file and the field. */
int cfg_cdi_spec_read(const char *path, struct lxr_cdi_spec *out, lxr_err *err);
/* The same from text (name: for errors). */
int cfg_cdi_spec_parse(const char *name, const char *text, size_t len, bool yaml,
		       struct lxr_cdi_spec *out, lxr_err *err);
void lxr_cdi_spec_free(struct lxr_cdi_spec *s);
void lxr_cdi_edits_free(struct lxr_cdi_edits *e);
/* "vendor.com/class=name" split at '=': false when it is not one */
bool lxr_cdi_name_split(const char *qualified, char *kind, size_t kind_len, const char **name);

#endif
