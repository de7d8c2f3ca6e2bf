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
	"/proc/asound",	     "/proc/acpi",	  "/proc/kcore",	"/proc/keys",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
	"/proc/scsi",	     "/sys/firmware",	  "/sys/devices/virtual/powercap",
	"/proc/interrupts", NULL,
};

static const char *const default_readonly[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

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
	spec->readonly_paths = lxr_strv_dup((char *const *)default_readonly);
}

void rt_spec_free(struct lxr_spec *spec)
{
	free(spec->id);
	free(spec->cgroup_group);
	free(spec->hostname);
	lxr_strv_free(spec->lower_dirs);
	lxr_strv_free(spec->args);
	lxr_strv_free(spec->env);
	free(spec->cwd);
	free(spec->additional_gids);
	free(spec->rlimits);
	for (size_t i = 0; i < spec->n_mounts; i++) {
		free(spec->mounts[i].destination);
		free(spec->mounts[i].type);
		free(spec->mounts[i].source);
		free(spec->mounts[i].data);
	}
	free(spec->mounts);
	for (int i = 0; i < LXR_NS_COUNT; i++)
		free(spec->ns[i].join_path);
	lxr_strv_free(spec->masked_paths);
	lxr_strv_free(spec->readonly_paths);
	lxr_strv_free(spec->sysctls);
	rt_seccomp_free(spec->seccomp);
	memset(spec, 0, sizeof(*spec));
}
