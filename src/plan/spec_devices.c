/* A spec's devices and privilege, from facts the caller found on the host:
 * the one place that decides what `devices:`, `device_cgroup_rules:` and
 * `privileged:` (and lxr run's --device, --device-cgroup-rule and
 * --privileged) put into a container spec. Pure. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "lxr/plan.h"

void plan_spec_add_device_rule(struct lxr_spec *spec, bool allow, char type, int64_t major,
			       int64_t minor, const char *access)
{
	struct lxr_resources *r = &spec->resources;
	struct lxr_device_rule *d;

	r->devices = lxr_xrealloc(r->devices, (r->n_devices + 1) * sizeof(*r->devices));
	d = &r->devices[r->n_devices++];
	memset(d, 0, sizeof(*d));
	d->allow = allow;
	d->type = type;
	d->major = major;
	d->minor = minor;
	snprintf(d->access, sizeof(d->access), "%s", access);
}

static struct lxr_device *find_device(struct lxr_spec *spec, const char *path)
{
	for (size_t i = 0; i < spec->n_devices; i++)
		if (!strcmp(spec->devices[i].path, path))
			return &spec->devices[i];
	return NULL;
}

void plan_spec_add_device(struct lxr_spec *spec, const struct lxr_device *dev, const char *perms)
{
	/* one node per path: a --device entry replaces a privileged
	 * container's copy of the same host node */
	struct lxr_device *d = find_device(spec, dev->path);

	if (d) {
		free(d->path);
	} else {
		spec->devices =
		    lxr_xrealloc(spec->devices, (spec->n_devices + 1) * sizeof(*spec->devices));
		d = &spec->devices[spec->n_devices++];
	}
	*d = *dev;
	d->path = lxr_xstrdup(dev->path);
	/* the rule names the node's kind: a fifo needs none */
	if (dev->type != 'p')
		plan_spec_add_device_rule(spec, true, dev->type == 'b' ? 'b' : 'c', dev->major,
					  dev->minor, perms);
}

void plan_spec_privileged(struct lxr_spec *spec, uint64_t caps, const struct lxr_device *devs,
			  size_t n)
{
	spec->caps = (struct lxr_caps){.bounding = caps, .effective = caps, .permitted = caps};
	spec->seccomp_default = false;
	lxr_strv_free(spec->masked_paths);
	lxr_strv_free(spec->readonly_paths);
	spec->masked_paths = NULL;
	spec->readonly_paths = NULL;
	spec->writable_sysfs = true;
	/* docker's list for it: one rule, allow everything */
	spec->resources.n_devices = 0;
	plan_spec_add_device_rule(spec, true, 'a', -1, -1, "rwm");
	for (size_t i = 0; i < n; i++) {
		struct lxr_device *d;
		if (find_device(spec, devs[i].path))
			continue; /* the user's own entry for that path wins */
		spec->devices =
		    lxr_xrealloc(spec->devices, (spec->n_devices + 1) * sizeof(*spec->devices));
		d = &spec->devices[spec->n_devices++];
		*d = devs[i];
		d->path = lxr_xstrdup(devs[i].path);
	}
}
