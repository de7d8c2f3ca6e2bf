/* lxr config layer: the settings file /etc/lxr/lxr.conf
 * (src/config/settings.c, docs/configuration.md). */
#ifndef LXR_SETTINGS_H
#define LXR_SETTINGS_H

#include <stdbool.h>
#include <stdint.h>

#include "lxr/spec.h"
#include "lxr/util.h"

struct cfg_settings {
	char *run_dir, *data_dir, *log_dir;  /* [paths]; NULL: not set in the file */
	int64_t log_max_size;                /* [logs] max_size, bytes; 0: not set */
	int log_max_file;                    /* [logs] max_file; 0: not set */
	uint32_t pool_addr;                  /* [network] pool, host order; 0: not set */
	int pool_prefix, pool_size;          /* its prefix length; size: each network's */
	int64_t pids_limit;                  /* [limits] pids; 0: not set, -1: unlimited */
	enum lxr_userns_mode userns_mode;    /* [userns] mode; HOST: off or not set */
	uint32_t userns_start, userns_count; /* its RANGE */
	bool userns_shift_copy;              /* [userns] shift = copy */
	char **boot_stacks;                  /* [boot] stacks: paths or globs, in order;
						NULL: not set (CFG_BOOT_STACKS) */
	char *watchdog_device;               /* [watchdog] device; NULL: none (off) */
	int watchdog_timeout;                /* [watchdog] timeout, s; 0: the driver's */
	int64_t watchdog_interval_us;        /* [watchdog] interval; 0: a third of it */
	char *cgroup_parent;                 /* [cgroup] parent: auto, none or a path;
						NULL: not set (auto) */
	char **cdi_spec_dirs;                /* [cdi] spec_dirs: absolute paths; NULL: not set */
};
/* The boot stacks when lxr.conf names none (`lxr boot`, docs/boot.md). */
#define CFG_BOOT_STACKS   "/etc/lxr/stacks/*.yaml"
#define CFG_SETTINGS_PATH "/etc/lxr/lxr.conf"
/* path NULL: $LXR_CONFIG, else CFG_SETTINGS_PATH. A missing file is not an
 * error (all fields NULL). Unknown sections/keys are errors with line. */
int cfg_settings_load(const char *path, struct cfg_settings *out, lxr_err *err);
void cfg_settings_free(struct cfg_settings *s);

#endif
