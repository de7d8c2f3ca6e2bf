/* Container spec defaults: what `docker run` gives a container when the user
 * says nothing, expressed as OCI-shaped data. */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <sys/mount.h>

#include "lxr/runtime.h"

/* Paths docker and the OCI default spec (runc/crun `spec`) mask: kernel
 * information leaks and knobs a container must not turn. Directories get an
 * empty read-only tmpfs, files /dev/null. */
static const char *const default_masked[] = {
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
    "/proc/interrupts",
    NULL,
};

static const char *const default_readonly[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

/* docker's device cgroup (runc's AllowedDevices): deny everything, then
 * allow the nodes every container gets, its own PTYs, and mknod of any node,
 * so a node made in the container exists but opening it fails with EPERM.
 * /dev/fuse and the like only through a devices entry. Not the host's
 * console (c 5:1): a node made for it would read what is typed there and
 * push input into it (TIOCSTI). */
static const struct lxr_device_rule default_device_rules[] = {
    {false, 'a', -1, -1, "rwm"}, {true, 'c', -1, -1, "m"},
    {true, 'b', -1, -1, "m"},    {true, 'c', 1, 3, "rwm"}, /* null */
    {true, 'c', 1, 5, "rwm"},                              /* zero */
    {true, 'c', 1, 7, "rwm"},                              /* full */
    {true, 'c', 1, 8, "rwm"},                              /* random */
    {true, 'c', 1, 9, "rwm"},                              /* urandom */
    {true, 'c', 5, 0, "rwm"},                              /* tty */
    {true, 'c', 5, 2, "rwm"},                              /* ptmx */
    {true, 'c', 136, -1, "rwm"},                           /* pts/N */
};

/* docker 28 masks each CPU's thermal_throttle directory too: its counters
 * leak the host's load to a container (GHSA-6fw5-f8r9-fgfm). They exist per
 * CPU, so the list is the host's. */
static void mask_thermal_throttle(struct lxr_spec *spec)
{
	char **g = NULL;
	lxr_err err;

	if (lxr_glob("/sys/devices/system/cpu/cpu*/thermal_throttle", &g, &err) <= 0)
		return;
	for (size_t i = 0; g[i]; i++)
		lxr_strv_push(&spec->masked_paths, g[i]);
	free(g);
}

void rt_spec_init_defaults(struct lxr_spec *spec)
{
	uint64_t caps = rt_caps_docker_default();

	memset(spec, 0, sizeof(*spec));
	for (int i = 0; i < LXR_NS_COUNT; i++)
		spec->ns[i].create = true;
	spec->caps.bounding = caps;
	spec->caps.effective = caps;
	spec->caps.permitted = caps;
	spec->no_new_privileges = true;
	spec->init = true;
	spec->stop_signal = SIGTERM;
	spec->seccomp_default = true;
	spec->cwd = lxr_xstrdup("/");
	spec->masked_paths = lxr_strv_dup((char *const *)default_masked);
	mask_thermal_throttle(spec);
	spec->readonly_paths = lxr_strv_dup((char *const *)default_readonly);
	spec->resources.pids_limit = lxr_pids_limit_default();
	lxr_userns_conf(&spec->userns.mode, &spec->userns.uid, &spec->userns.count);
	spec->userns.gid = spec->userns.uid;
	spec->resources.n_devices = sizeof(default_device_rules) / sizeof(default_device_rules[0]);
	spec->resources.devices = lxr_xmalloc(sizeof(default_device_rules));
	memcpy(spec->resources.devices, default_device_rules, sizeof(default_device_rules));
}
