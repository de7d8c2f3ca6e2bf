/* A spec's devices and privilege, from facts the caller found on the host:
 * the one place that decides what `devices:`, `device_cgroup_rules:` and
 * `privileged:` (and lxr run's --device, --device-cgroup-rule and
 * --privileged) put into a container spec. Pure. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

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
		free(d->host_path);
	} else {
		spec->devices =
		    lxr_xrealloc(spec->devices, (spec->n_devices + 1) * sizeof(*spec->devices));
		d = &spec->devices[spec->n_devices++];
	}
	*d = *dev;
	d->path = lxr_xstrdup(dev->path);
	d->host_path = lxr_xstrdup(dev->host_path);
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
		d->host_path = lxr_xstrdup(devs[i].host_path);
	}
}

/* An OCI mount's options as mount(2) flags: the known flags and
 * propagations; the rest is the filesystem's data ("size=1m"), and the
 * atime options, which a bind takes from its source. */
static void cdi_mount(struct lxr_spec *spec, const struct lxr_cdi_mount *m)
{
	static const struct {
		const char *name;
		unsigned long flag, prop;
	} opts[] = {{"ro", MS_RDONLY, 0},
		    {"nosuid", MS_NOSUID, 0},
		    {"nodev", MS_NODEV, 0},
		    {"noexec", MS_NOEXEC, 0},
		    {"bind", MS_BIND, 0},
		    {"rbind", MS_BIND | MS_REC, 0},
		    {"shared", 0, MS_SHARED},
		    {"rshared", 0, MS_SHARED | MS_REC},
		    {"slave", 0, MS_SLAVE},
		    {"rslave", 0, MS_SLAVE | MS_REC},
		    {"private", 0, MS_PRIVATE},
		    {"rprivate", 0, MS_PRIVATE | MS_REC},
		    {"rw", 0, 0},
		    {"relatime", 0, 0},
		    {"noatime", 0, 0},
		    {"strictatime", 0, 0}};
	unsigned long flags = 0, prop = MS_PRIVATE;
	_cleanup_free_ char *data = NULL;
	bool bind = !m->type || !strcmp(m->type, "bind") || !strcmp(m->type, "none");

	for (size_t i = 0; m->options && m->options[i]; i++) {
		size_t k = 0;
		while (k < sizeof(opts) / sizeof(opts[0]) && strcmp(m->options[i], opts[k].name))
			k++;
		if (k == sizeof(opts) / sizeof(opts[0])) {
			char *d = lxr_xasprintf("%s%s%s", data ? data : "", data ? "," : "",
						m->options[i]);
			free(data);
			data = d;
			continue;
		}
		flags |= opts[k].flag;
		if (opts[k].prop)
			prop = opts[k].prop;
	}
	bind |= (flags & MS_BIND) != 0;
	plan_spec_add_mount(spec, m->container_path, bind ? "bind" : m->type, m->host_path,
			    flags | (bind ? MS_BIND : 0), bind ? NULL : data);
	spec->mounts[spec->n_mounts - 1].propagation = prop;
}

void plan_spec_cdi(struct lxr_spec *spec, const struct lxr_cdi_edits *e)
{
	for (size_t i = 0; e->env && e->env[i]; i++)
		lxr_strv_setenv(&spec->env, e->env[i]);
	for (size_t i = 0; i < e->n_nodes; i++) {
		const struct lxr_cdi_node *n = &e->nodes[i];
		struct lxr_device d = {.path = n->path,
				       .host_path = n->host_path,
				       .type = n->type,
				       .major = n->major,
				       .minor = n->minor,
				       .file_mode = (mode_t)n->file_mode,
				       .uid = n->uid < 0 ? 0 : (uid_t)n->uid,
				       .gid = n->gid < 0 ? 0 : (gid_t)n->gid,
				       .uid_of_user = n->uid < 0,
				       .gid_of_user = n->gid < 0};
		plan_spec_add_device(spec, &d, n->permissions ? n->permissions : "rwm");
		/* "none": the node, and no access to it */
		if (n->permissions && !n->permissions[0] && d.type != 'p')
			spec->resources.n_devices--;
	}
	for (size_t i = 0; i < e->n_mounts; i++)
		cdi_mount(spec, &e->mounts[i]);
	for (size_t i = 0; i < e->n_hooks; i++) {
		const struct lxr_cdi_hook *h = &e->hooks[i];
		struct lxr_hook *o;
		spec->hooks = lxr_xrealloc(spec->hooks, (spec->n_hooks + 1) * sizeof(*spec->hooks));
		o = &spec->hooks[spec->n_hooks++];
		o->path = lxr_xstrdup(h->path);
		o->args = lxr_strv_dup(h->args);
		o->env = h->env ? lxr_strv_dup(h->env) : NULL;
		o->timeout = h->timeout;
	}
}
