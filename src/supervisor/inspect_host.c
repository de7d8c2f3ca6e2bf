/* lxr inspect's HostConfig and Mounts: the container's limits, namespaces,
 * capabilities, resolver, logging and mounts in docker's words, units and
 * zero values, from the spec lxr runs where the spec holds them (limits,
 * namespaces, read-only root, masked paths) and from the service as given
 * where docker shows what was asked (capabilities, resolver, binds). */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mount.h>

#include "lxr/supervisor.h"
#include "supervisor/inspect.h"

/* ---- mounts ---------------------------------------------------------------- */

/* A named volume as docker names it: a store volume's own name, a stack's
 * plain one "<project>_<name>" (what `lxr volume ls` lists) */
static char *volume_name(const struct sup_insp *x, const char *key)
{
	for (size_t i = 0; key && i < x->st->n_volumes; i++)
		if (!strcmp(x->st->volumes[i].name, key)) {
			char *store = plan_volume_store_name(x->st, &x->st->volumes[i]);
			return store ? store : lxr_xasprintf("%s_%s", x->st->project, key);
		}
	return NULL;
}

/* A mount docker makes from a bind string (compose: a bind of the short
 * syntax, a named volume; docker run: -v) rather than the mount API */
static bool from_bind_string(const struct plan_mount_ref *r)
{
	const struct cfg_mount *m = r->m;

	if (m->type == CFG_MOUNT_BIND)
		return m->create_host_path && !m->propagation;
	return m->type == CFG_MOUNT_VOLUME && m->source && !m->nocopy && !m->subpath;
}

/* Its mode as the bind string says it: compose writes rw or ro (and the
 * SELinux letter), docker run's -v only what was given; a mount point's
 * (point) of a volume without one is docker's default, "z" */
static char *bind_mode(const struct sup_insp *x, const struct plan_mount_ref *r, bool point)
{
	char z[3] = {',', r->m->selinux, '\0'};
	const char *sel = r->m->selinux ? z : "";

	if (!x->run)
		return lxr_xasprintf("%s%s", r->read_only ? "ro" : "rw", sel);
	if (r->read_only)
		return lxr_xasprintf("ro%s", sel);
	if (r->m->selinux)
		return lxr_xstrdup(sel + 1);
	return lxr_xstrdup(point && r->m->type == CFG_MOUNT_VOLUME ? "z" : "");
}

/* Binds: "SOURCE:TARGET[:MODE]" of the mounts docker takes as strings */
static json_t *binds_json(const struct sup_insp *x)
{
	_cleanup_free_ struct plan_mount_ref *refs = NULL;
	size_t n = plan_service_mounts(x->st, x->cfg, &refs);
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		const struct cfg_mount *m = refs[i].m;
		/* volumes_from's are VolumesFrom's */
		if (refs[i].owner != x->cfg || !from_bind_string(&refs[i]))
			continue;
		_cleanup_free_ char *name =
		    m->type == CFG_MOUNT_VOLUME ? volume_name(x, m->source) : NULL;
		_cleanup_free_ char *mode = bind_mode(x, &refs[i], false);
		json_array_append_new(a, json_sprintf("%s:%s%s%s", name ? name : m->source,
						      m->target, *mode ? ":" : "", mode));
	}
	if (!json_array_size(a)) {
		json_decref(a);
		return json_null();
	}
	return a;
}

static const char *propagation_name(unsigned long p)
{
	bool r = p & MS_REC;

	if (p & MS_SHARED)
		return r ? "rshared" : "shared";
	if (p & MS_SLAVE)
		return r ? "rslave" : "slave";
	/* lxr's binds are recursive: private is docker's rprivate */
	return "rprivate";
}

/* One of Mounts: a mount of the service's (its volumes, binds, tmpfs of
 * the long syntax, volumes_from's) or a secret's or config's file */
static json_t *mount_json(const struct sup_insp *x, const struct lxr_mount *m,
			  const struct plan_mount_ref *r)
{
	bool tmpfs = !strcmp(m->type, "tmpfs"), volume = r && r->m->type == CFG_MOUNT_VOLUME;
	bool image = r && r->m->type == CFG_MOUNT_IMAGE;
	_cleanup_free_ char *name = volume ? volume_name(x, r->m->source) : NULL;
	_cleanup_free_ char *mode =
	    r && from_bind_string(r) ? bind_mode(x, r, true) : lxr_xstrdup("");
	json_t *o = json_object();

	json_object_set_new(o, "Type",
			    json_string(tmpfs    ? "tmpfs"
					: volume ? "volume"
					: image  ? "image"
						 : "bind"));
	if (name)
		json_object_set_new(o, "Name", json_string(name));
	json_object_set_new(o, "Source",
			    json_string(image                 ? r->m->source
					: !tmpfs && m->source ? m->source
							      : ""));
	json_object_set_new(o, "Destination", json_string(m->destination));
	if (volume)
		json_object_set_new(o, "Driver", json_string("local"));
	json_object_set_new(o, "Mode", json_string(mode));
	json_object_set_new(o, "RW", json_boolean(!(m->flags & MS_RDONLY)));
	json_object_set_new(
	    o, "Propagation",
	    json_string(tmpfs || volume || image ? "" : propagation_name(m->propagation)));
	return o;
}

json_t *sup_inspect_mounts(const struct sup_insp *x)
{
	const struct plan_instance *p = &x->in->plan;
	_cleanup_free_ struct plan_mount_ref *refs = NULL;
	size_t n_refs = plan_service_mounts(x->st, x->cfg, &refs);
	json_t *a = json_array();

	/* not the files lxr itself puts in (the carrier's /etc/hosts and
	 * resolv.conf), the tmpfs of `tmpfs:` (HostConfig.Tmpfs), /dev/shm */
	for (size_t i = 0; i < p->spec.n_mounts - p->carrier_mounts; i++) {
		const struct lxr_mount *m = &p->spec.mounts[i];
		const struct plan_mount_ref *r = NULL;
		bool file = false;
		for (size_t j = 0; j < n_refs && !r; j++)
			if (!strcmp(refs[j].m->target, m->destination))
				r = &refs[j];
		for (size_t j = 0; j < p->n_files && !r && !file; j++)
			file = m->source && !strcmp(p->files[j].path, m->source);
		if (r || file)
			json_array_append_new(a, mount_json(x, m, r));
	}
	return a;
}

/* ---- HostConfig -------------------------------------------------------------- */

static json_t *kvs_json(const struct cfg_kvs *l, const char *sep, bool as_list)
{
	json_t *o = as_list ? json_array() : json_object();

	for (size_t i = 0; i < l->n; i++) {
		const char *v = l->v[i].value ? l->v[i].value : "";
		if (as_list)
			json_array_append_new(o, json_sprintf("%s%s%s", l->v[i].key, sep, v));
		else
			json_object_set_new(o, l->v[i].key, json_string(v));
	}
	return o;
}

/* LogConfig: the driver (docker's default json-file, which lxr's own log
 * files are) and its options */
static json_t *log_config_json(const struct cfg_logging *l)
{
	return json_pack("{s:s, s:o}", "Type", l->driver.v ? l->driver.v : "json-file", "Config",
			 kvs_json(&l->options, "", false));
}

/* pid and ipc: host, none, shareable, private as given; service:X and
 * container:NAME as the container joined; dflt where none is given */
static json_t *ns_mode_json(const struct cfg_str *given, const struct plan_ns_join *j,
			    const char *dflt)
{
	if (j->name)
		return json_sprintf("container:%s", j->name);
	return json_string(given->v ? given->v : dflt);
}

/* Tmpfs: each `tmpfs:` target with the options it is mounted with */
static void tmpfs_json(const struct sup_insp *x, json_t *o)
{
	json_t *t = json_object();

	for (size_t i = 0; i < x->cfg->n_tmpfs; i++) {
		const struct lxr_mount *m = NULL;
		for (size_t j = 0; j < x->in->plan.spec.n_mounts && !m; j++)
			if (!strcmp(x->in->plan.spec.mounts[j].destination,
				    x->cfg->tmpfs[i].target))
				m = &x->in->plan.spec.mounts[j];
		json_object_set_new(t, x->cfg->tmpfs[i].target,
				    json_string(m && m->data ? m->data : ""));
	}
	if (json_object_size(t))
		json_object_set_new(o, "Tmpfs", t);
	else
		json_decref(t);
}

/* Capabilities, namespaces, resolver and security: as given, in docker's
 * order of keys */
static void host_process(const struct sup_insp *x, json_t *o)
{
	const struct cfg_service *c = x->cfg;
	const struct cfg_svc_host *h = &c->host;
	const struct plan_instance *p = &x->in->plan;

	json_object_set_new(o, "CapAdd", sup_insp_strs(&c->cap_add, true));
	json_object_set_new(o, "CapDrop", sup_insp_strs(&c->cap_drop, true));
	json_object_set_new(o, "CgroupnsMode",
			    json_string(p->spec.ns[LXR_NS_CGROUP].create ? "private" : "host"));
	/* docker run's are never null, compose's null when not given */
	json_object_set_new(o, "Dns", sup_insp_strs(&h->dns, !x->run));
	json_object_set_new(o, "DnsOptions", sup_insp_strs(&h->dns_opt, !x->run));
	json_object_set_new(o, "DnsSearch", sup_insp_strs(&h->dns_search, !x->run));
	json_object_set_new(o, "ExtraHosts",
			    h->extra_hosts.n ? kvs_json(&h->extra_hosts, ":", true) : json_null());
	json_object_set_new(o, "GroupAdd", sup_insp_strs(&c->tune.group_add, true));
	json_object_set_new(o, "IpcMode", ns_mode_json(&h->ipc, &p->ipc_of, "private"));
	json_object_set_new(o, "OomScoreAdj",
			    json_integer(p->spec.has_oom_score_adj ? p->spec.oom_score_adj : 0));
	json_object_set_new(o, "PidMode", ns_mode_json(&h->pid, &p->pid_of, ""));
	json_object_set_new(o, "Privileged", json_boolean(c->privileged.set && c->privileged.v));
	json_object_set_new(o, "ReadonlyRootfs", json_boolean(p->spec.readonly_root));
	json_object_set_new(o, "SecurityOpt", sup_insp_strs(&c->security.opts, true));
	tmpfs_json(x, o);
	json_object_set_new(o, "UTSMode", json_string(h->uts.v ? h->uts.v : ""));
	json_object_set_new(o, "UsernsMode", json_string(h->userns_mode.v ? h->userns_mode.v : ""));
	/* the runtime's /dev/shm is docker's 64 MiB unless shm_size says */
	json_object_set_new(o, "ShmSize",
			    json_integer(c->tune.shm_size.set && c->tune.shm_size.v > 0
					     ? c->tune.shm_size.v
					     : 64 << 20));
	if (c->sysctls.n)
		json_object_set_new(o, "Sysctls", kvs_json(&c->sysctls, "", false));
}

/* Devices and Ulimits as docker lists them */
static json_t *devices_json(const struct sup_insp *x)
{
	json_t *a = x->cfg->n_devices || x->run ? json_array() : json_null();

	for (size_t i = 0; i < x->cfg->n_devices; i++) {
		const struct cfg_device *d = &x->cfg->devices[i];
		json_array_append_new(
		    a, json_pack("{s:s, s:s, s:s}", "PathOnHost", d->source, "PathInContainer",
				 d->target ? d->target : d->source, "CgroupPermissions", d->perms));
	}
	return a;
}

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();

	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* docker's DeviceRequests: each request, and the CDI names of devices:
 * as one with driver cdi (what docker's CLI makes of them) */
static json_t *device_requests_json(const struct cfg_service *c)
{
	json_t *a, *ids;

	if (!c->n_gpu_reqs && !c->cdi_devices.n)
		return json_null();
	a = json_array();
	for (size_t i = 0; i < c->n_gpu_reqs; i++) {
		const struct cfg_device_request *q = &c->gpu_reqs[i];
		json_array_append_new(a, json_pack("{s:s, s:I, s:o, s:[o], s:{}}", "Driver",
						   q->driver ? q->driver : "", "Count",
						   (json_int_t)(q->ids ? 0 : q->count), "DeviceIDs",
						   q->ids ? strv_json(q->ids) : json_null(),
						   "Capabilities", strv_json(q->caps), "Options"));
	}
	if (c->cdi_devices.n) {
		ids = json_array();
		for (size_t i = 0; i < c->cdi_devices.n; i++)
			json_array_append_new(ids, json_string(c->cdi_devices.v[i].v));
		json_array_append_new(a, json_pack("{s:s, s:i, s:o, s:n, s:{}}", "Driver", "cdi",
						   "Count", 0, "DeviceIDs", ids, "Capabilities",
						   "Options"));
	}
	return a;
}

static json_t *ulimits_json(const struct sup_insp *x)
{
	json_t *a = x->cfg->n_ulimits || x->run ? json_array() : json_null();

	for (size_t i = 0; i < x->cfg->n_ulimits; i++) {
		const struct cfg_ulimit *u = &x->cfg->ulimits[i];
		json_array_append_new(a,
				      json_pack("{s:s, s:I, s:I}", "Name", u->name, "Hard",
						(json_int_t)u->hard, "Soft", (json_int_t)u->soft));
	}
	return a;
}

/* The cgroup's limits as the spec sets them, in docker's units: bytes,
 * CPUs x 1e9, microseconds; MemorySwap is memory + swap, and lxr's
 * default, no swap, is a MemorySwap equal to Memory */
static void host_resources(const struct sup_insp *x, json_t *o)
{
	const struct lxr_resources *r = &x->in->plan.spec.resources;
	const struct cfg_service *c = x->cfg;
	int64_t swap =
	    r->memory_swap == 0 && r->memory_limit > 0 ? r->memory_limit : r->memory_swap;

	json_object_set_new(o, "CpuShares", json_integer((json_int_t)r->cpu_shares));
	json_object_set_new(o, "Memory", json_integer(r->memory_limit));
	json_object_set_new(
	    o, "NanoCpus",
	    json_integer(c->limits.millicpus.set ? c->limits.millicpus.v * 1000000 : 0));
	json_object_set_new(o, "BlkioWeight", json_integer(r->blkio_weight));
	/* given as such (cpus: is NanoCpus) */
	json_object_set_new(o, "CpuPeriod",
			    json_integer(c->tune.cpu_period.set ? c->tune.cpu_period.v : 0));
	json_object_set_new(o, "CpuQuota",
			    json_integer(c->tune.cpu_quota.set ? c->tune.cpu_quota.v : 0));
	json_object_set_new(o, "CpusetCpus", json_string(r->cpuset_cpus ? r->cpuset_cpus : ""));
	json_object_set_new(o, "Devices", devices_json(x));
	json_object_set_new(o, "DeviceRequests", device_requests_json(c));
	json_object_set_new(o, "MemoryReservation", json_integer(r->memory_reservation));
	json_object_set_new(o, "MemorySwap", json_integer(swap));
	json_object_set_new(o, "MemorySwappiness",
			    r->has_swappiness ? json_integer(r->swappiness) : json_null());
	json_object_set_new(o, "OomKillDisable", json_boolean(r->oom_kill_disable));
	json_object_set_new(o, "PidsLimit",
			    r->pids_limit > 0 ? json_integer(r->pids_limit) : json_null());
	json_object_set_new(o, "Ulimits", ulimits_json(x));
}

json_t *sup_inspect_host_config(const struct sup_insp *x)
{
	static const char *const restart[] = {"no", "always", "on-failure", "unless-stopped"};
	const struct cfg_service *c = x->cfg;
	const struct lxr_spec *sp = &x->in->plan.spec;
	_cleanup_free_ char *nm = sup_inspect_network_mode(x);
	json_t *o = json_object(), *from = json_null();

	for (size_t i = 0; i < c->n_volumes_from; i++) {
		if (!i)
			from = json_array();
		json_array_append_new(from, json_string(c->volumes_from[i].spec.v));
	}
	json_object_set_new(o, "Binds", binds_json(x));
	json_object_set_new(o, "LogConfig", log_config_json(&c->logging));
	json_object_set_new(o, "NetworkMode", json_string(nm));
	json_object_set_new(o, "PortBindings", sup_inspect_port_bindings(x));
	json_object_set_new(o, "RestartPolicy",
			    json_pack("{s:s, s:i}", "Name", restart[c->restart.policy],
				      "MaximumRetryCount", c->restart.max_retries));
	json_object_set_new(o, "AutoRemove", json_boolean(x->s->auto_remove));
	json_object_set_new(o, "VolumesFrom", from);
	/* the OCI annotations docker hands its runtime (lxr is the runtime,
	 * and keeps them for whoever reads them) */
	if (c->annotations.n)
		json_object_set_new(o, "Annotations", kvs_json(&c->annotations, "", false));
	host_process(x, o);
	host_resources(x, o);
	/* docker's default lists; a privileged container has none (null) */
	json_object_set_new(o, "MaskedPaths", sup_insp_strv(sp->masked_paths, c->privileged.v));
	json_object_set_new(o, "ReadonlyPaths", sup_insp_strv(sp->readonly_paths, c->privileged.v));
	json_object_set_new(o, "Init", json_boolean(sp->init));
	return o;
}
