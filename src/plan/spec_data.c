/* The container spec as data: freed here, in the layer that writes it. */
#include <stdlib.h>
#include <string.h>

#include "lxr/plan.h"

void plan_spec_free(struct lxr_spec *spec)
{
	free(spec->id);
	free(spec->cgroup_group);
	free(spec->hostname);
	free(spec->domainname);
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
		free(spec->mounts[i].source_ns);
		free(spec->mounts[i].subpath);
		free(spec->mounts[i].within);
	}
	free(spec->mounts);
	for (int i = 0; i < LXR_NS_COUNT; i++)
		free(spec->ns[i].join_path);
	free(spec->resources.cpuset_cpus);
	free(spec->resources.blkio_devices);
	lxr_strv_free(spec->masked_paths);
	lxr_strv_free(spec->readonly_paths);
	lxr_strv_free(spec->sysctls);
	lxr_strv_free(spec->extra_hosts);
	lxr_strv_free(spec->dns);
	lxr_strv_free(spec->dns_search);
	lxr_strv_free(spec->dns_opt);
	plan_seccomp_free(spec->seccomp);
	free(spec->resources.devices);
	for (size_t i = 0; i < spec->n_devices; i++) {
		free(spec->devices[i].path);
		free(spec->devices[i].host_path);
	}
	free(spec->devices);
	for (size_t i = 0; i < spec->n_hooks; i++) {
		free(spec->hooks[i].path);
		lxr_strv_free(spec->hooks[i].args);
		lxr_strv_free(spec->hooks[i].env);
	}
	free(spec->hooks);
	memset(spec, 0, sizeof(*spec));
}
