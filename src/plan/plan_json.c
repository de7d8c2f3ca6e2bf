/* An instance plan as JSON: what `lxr up --dry-run` prints, what the golden
 * files under tests/unit/plan/data hold, and what reconcile compares. Keys
 * sorted, and every list whose order means nothing (ports, aliases) sorted,
 * so two plans that run the same thing have the same text. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "lxr/plan.h"

/* Unchecked: a value from the host (an argument, an environment variable,
 * a path) need not be UTF-8, and its plan must still have a text. */
static json_t *jstr(const char *s)
{
	return json_string_nocheck(s);
}

static json_t *strv(char *const *v)
{
	json_t *a = json_array();

	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, jstr(v[i]));
	return a;
}

static json_t *str_or_null(const char *s)
{
	return s ? jstr(s) : json_null();
}

static int cmp_json_str(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a),
		      json_string_value(*(json_t *const *)b));
}

/* A set of strings, in a canonical order. */
static json_t *sorted(json_t **items, size_t n)
{
	json_t *a = json_array();

	qsort(items, n, sizeof(*items), cmp_json_str);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, items[i]);
	return a;
}

static char *hex(uint64_t v)
{
	return lxr_xasprintf("%#llx", (unsigned long long)v);
}

static json_t *caps(const struct lxr_caps *c)
{
	_cleanup_free_ char *b = hex(c->bounding), *e = hex(c->effective), *p = hex(c->permitted),
			    *i = hex(c->inheritable), *a = hex(c->ambient);

	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "bounding", b, "effective", e, "permitted", p,
			 "inheritable", i, "ambient", a);
}

static json_t *process(const struct lxr_spec *s, const char *user, char *const *group_add)
{
	json_t *rl = json_array(), *gids = json_array();

	for (size_t i = 0; i < s->n_rlimits; i++)
		json_array_append_new(rl, json_pack("{s:i, s:I, s:I}", "resource",
						    s->rlimits[i].resource, "soft",
						    (json_int_t)s->rlimits[i].soft, "hard",
						    (json_int_t)s->rlimits[i].hard));
	for (size_t i = 0; i < s->n_additional_gids; i++)
		json_array_append_new(gids, json_integer(s->additional_gids[i]));
	return json_pack(
	    "{s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:o, s:b, s:b, s:i, s:o, s:b, s:b, "
	    "s:o, s:o}",
	    "args", strv(s->args), "env", strv(s->env), "cwd", str_or_null(s->cwd), "domainname",
	    str_or_null(s->domainname), "hostname", str_or_null(s->hostname), "user",
	    str_or_null(user), "uid", (json_int_t)s->uid, "gid", (json_int_t)s->gid,
	    "additional_gids", gids, "init", s->init, "no_new_privileges", s->no_new_privileges,
	    "stop_signal", s->stop_signal, "rlimits", rl, "terminal", s->terminal, "open_stdin",
	    s->open_stdin, "oom_score_adj",
	    s->has_oom_score_adj ? json_integer(s->oom_score_adj) : json_null(), "group_add",
	    strv(group_add));
}

static json_t *mounts(const struct lxr_spec *s, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		const struct lxr_mount *m = &s->mounts[i];
		_cleanup_free_ char *flags = hex(m->flags);
		json_t *o = json_pack("{s:o, s:s, s:o, s:s, s:o, s:b, s:b}", "destination",
				      jstr(m->destination), "type", m->type, "source",
				      jstr(m->source), "flags", flags, "data", str_or_null(m->data),
				      "volume", m->volume, "nocopy", m->nocopy);
		/* only when it is not the default, so other plans read as before */
		if (m->propagation != MS_PRIVATE)
			json_object_set_new(o, "propagation",
					    json_sprintf("%s%s", m->propagation & MS_REC ? "r" : "",
							 m->propagation & MS_SHARED  ? "shared"
							 : m->propagation & MS_SLAVE ? "slave"
										     : "private"));
		if (m->subpath)
			json_object_set_new(o, "subpath", jstr(m->subpath));
		if (m->within)
			json_object_set_new(o, "within", jstr(m->within));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *resources(const struct lxr_resources *r)
{
	json_t *rules = json_array();

	for (size_t i = 0; i < r->n_devices; i++) {
		const struct lxr_device_rule *d = &r->devices[i];
		char *t =
		    lxr_xasprintf("%s %c %lld:%lld %.3s", d->allow ? "allow" : "deny", d->type,
				  (long long)d->major, (long long)d->minor, d->access);
		json_array_append_new(rules, jstr(t));
		free(t);
	}
	json_t *o = json_pack(
	    "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "memory_limit", (json_int_t)r->memory_limit,
	    "memory_swap", (json_int_t)r->memory_swap, "memory_reservation",
	    (json_int_t)r->memory_reservation, "cpu_quota", (json_int_t)r->cpu_quota, "cpu_period",
	    (json_int_t)r->cpu_period, "cpu_shares", (json_int_t)r->cpu_shares, "pids_limit",
	    (json_int_t)r->pids_limit, "device_rules", rules);

	/* only when set, so the plans of stacks without them read as before */
	if (r->cpuset_cpus)
		json_object_set_new(o, "cpuset_cpus", jstr(r->cpuset_cpus));
	if (r->has_swappiness)
		json_object_set_new(o, "swappiness", json_integer(r->swappiness));
	if (r->oom_kill_disable)
		json_object_set_new(o, "oom_kill_disable", json_true());
	if (r->blkio_weight)
		json_object_set_new(o, "blkio_weight", json_integer(r->blkio_weight));
	if (r->n_blkio_devices) {
		static const char *const kinds[] = {"weight", "read_bps", "write_bps", "read_iops",
						    "write_iops"};
		json_t *a = json_array();
		for (size_t i = 0; i < r->n_blkio_devices; i++) {
			const struct lxr_blkio_device *d = &r->blkio_devices[i];
			char *t =
			    lxr_xasprintf("%s %lld:%lld %llu", kinds[d->kind], (long long)d->major,
					  (long long)d->minor, (unsigned long long)d->value);
			json_array_append_new(a, jstr(t));
			free(t);
		}
		json_object_set_new(o, "blkio_devices", a);
	}
	return o;
}

static json_t *devices(const struct lxr_spec *s)
{
	json_t *a = json_array();

	for (size_t i = 0; i < s->n_devices; i++) {
		const struct lxr_device *d = &s->devices[i];
		char *t = lxr_xasprintf("%s %c %lld:%lld %o %u:%u", d->path, d->type,
					(long long)d->major, (long long)d->minor,
					(unsigned)d->file_mode, (unsigned)d->uid, (unsigned)d->gid);
		json_array_append_new(a, jstr(t));
		free(t);
	}
	return a;
}

static json_t *seccomp(const struct lxr_spec *s)
{
	if (s->seccomp) {
		_cleanup_free_ char *t = plan_seccomp_text(s->seccomp);
		return jstr(t);
	}
	return jstr(s->seccomp_default ? "docker-default" : "unconfined");
}

/* Which namespaces are the container's own and which it joins (by path).
 * A planned endpoint's namespace is the carrier's to make and join:
 * "endpoint", whatever the running spec says. */
static json_t *namespaces(const struct plan_instance *p)
{
	static const char *const names[LXR_NS_COUNT] = {
	    [LXR_NS_PID] = "pid", [LXR_NS_MNT] = "mount", [LXR_NS_UTS] = "uts",
	    [LXR_NS_IPC] = "ipc", [LXR_NS_NET] = "net",   [LXR_NS_CGROUP] = "cgroup"};
	const struct lxr_spec *s = &p->spec;
	json_t *o = json_object();

	for (int i = 0; i < LXR_NS_COUNT; i++) {
		const struct plan_ns_join *j = i == LXR_NS_NET   ? &p->net_of
					       : i == LXR_NS_PID ? &p->pid_of
					       : i == LXR_NS_IPC ? &p->ipc_of
								 : NULL;
		json_object_set_new(
		    o, names[i],
		    j && j->name
			? json_pack("{s:s}", j->container ? "running" : "container", j->name)
		    : i == LXR_NS_NET && p->net.network ? json_string("endpoint")
		    : s->ns[i].create                   ? json_string("new")
		    : s->ns[i].join_path                ? jstr(s->ns[i].join_path)
							: json_string("host"));
	}
	/* only when the container has one, so plans without read as before */
	if (s->userns.mode == LXR_USERNS_AUTO)
		json_object_set_new(o, "user", json_string("auto"));
	else if (s->userns.mode == LXR_USERNS_RANGE)
		json_object_set_new(o, "user",
				    json_pack("{s:I, s:I, s:I}", "uid", (json_int_t)s->userns.uid,
					      "gid", (json_int_t)s->userns.gid, "count",
					      (json_int_t)s->userns.count));
	return o;
}

static json_t *spec(const struct plan_instance *p)
{
	const struct lxr_spec *s = &p->spec;
	size_t n_mounts = s->n_mounts - (p->carrier_mounts <= s->n_mounts ? p->carrier_mounts : 0);
	json_t *o =
	    json_pack("{s:o, s:o, s:o, s:b, s:b, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
		      "s:o, s:o, s:b, s:o}",
		      "id", str_or_null(s->id), "cgroup_group", str_or_null(s->cgroup_group),
		      "lower_dirs", strv(s->lower_dirs), "readonly_root", s->readonly_root,
		      "ephemeral_upper", s->ephemeral_upper, "reuse_dir", s->reuse_dir, "process",
		      process(s, p->user, p->group_add), "caps", caps(&s->caps), "mounts",
		      mounts(s, n_mounts), "resources", resources(&s->resources), "devices",
		      devices(s), "masked_paths", strv(s->masked_paths), "readonly_paths",
		      strv(s->readonly_paths), "sysctls", strv(s->sysctls), "seccomp", seccomp(s),
		      "writable_sysfs", s->writable_sysfs, "namespaces", namespaces(p));

	/* only when set, so the plans of stacks without it read as before */
	if (s->no_dev_shm)
		json_object_set_new(o, "no_dev_shm", json_true());
	if (s->writable_cgroups)
		json_object_set_new(o, "writable_cgroups", json_true());
	if (s->extra_hosts)
		json_object_set_new(o, "extra_hosts", strv(s->extra_hosts));
	if (s->hosts_from_host)
		json_object_set_new(o, "hosts_from_host", json_true());
	if (s->n_hooks) {
		json_t *h = json_array();
		for (size_t i = 0; i < s->n_hooks; i++)
			json_array_append_new(
			    h, json_pack("{s:s, s:o, s:o, s:i}", "path", s->hooks[i].path, "args",
					 strv(s->hooks[i].args), "env", strv(s->hooks[i].env),
					 "timeout", s->hooks[i].timeout));
		json_object_set_new(o, "create_container_hooks", h);
	}
	if (s->dns || s->dns_search || s->dns_opt)
		json_object_set_new(o, "resolver",
				    json_pack("{s:o, s:o, s:o}", "dns", strv(s->dns), "dns_search",
					      strv(s->dns_search), "dns_opt", strv(s->dns_opt)));
	return o;
}

static json_t *endpoint(const struct plan_endpoint *e)
{
	size_t n_names = lxr_strv_len(e->names), fixed = n_names < 2 ? n_names : 2;
	_cleanup_free_ json_t **aliases = lxr_xcalloc(n_names + 1, sizeof(json_t *));
	_cleanup_free_ json_t **ports = lxr_xcalloc(e->n_ports + 1, sizeof(json_t *));
	json_t *names;

	if (!e->network)
		return json_null();
	names = json_array();
	/* the service's and the instance's names first (the first is the
	 * canonical one in /etc/hosts); the aliases after them are a set */
	for (size_t i = 0; i < fixed; i++)
		json_array_append_new(names, jstr(e->names[i]));
	for (size_t i = fixed; i < n_names; i++)
		aliases[i - fixed] = jstr(e->names[i]);
	for (size_t i = 0; i < e->n_ports; i++) {
		const struct plan_port *q = &e->ports[i];
		char *t = lxr_xasprintf("%s:%u-%u:%u-%u/%s", q->host_ip ? q->host_ip : "0.0.0.0",
					q->host_port, q->host_end, q->ctr_port, q->ctr_end,
					q->udp ? "udp" : "tcp");
		ports[i] = jstr(t);
		free(t);
	}
	json_t *j = json_pack(
	    "{s:o, s:o, s:o, s:o, s:o, s:b, s:b, s:b, s:o, s:o, s:o, s:o, s:o, s:o}", "extra_hosts",
	    strv(e->extra_hosts), "dns", strv(e->dns), "dns_search", strv(e->dns_search), "dns_opt",
	    strv(e->dns_opt), "network", jstr(e->network), "peer_names", e->peer_names, "ephemeral",
	    e->ephemeral, "internal", e->internal, "subnet", str_or_null(e->subnet), "gateway",
	    str_or_null(e->gateway), "static_ip", str_or_null(e->static_ip), "names", names,
	    "aliases", sorted(aliases, n_names - fixed), "ports", sorted(ports, e->n_ports));
	/* only where given, so plans without them read as before */
	if (e->ipv6)
		json_object_set_new(j, "ipv6",
				    json_pack("{s:o, s:o, s:o}", "subnet", str_or_null(e->subnet6),
					      "gateway", str_or_null(e->gateway6), "static_ip",
					      str_or_null(e->static_ip6)));
	else if (e->static_ip6)
		json_object_set_new(j, "static_ip6", jstr(e->static_ip6));
	if (e->ip_range)
		json_object_set_new(j, "ip_range", jstr(e->ip_range));
	if (e->ip_range6)
		json_object_set_new(j, "ip_range6", jstr(e->ip_range6));
	if (e->aux)
		json_object_set_new(j, "aux_addresses", strv(e->aux));
	if (e->mac)
		json_object_set_new(j, "mac", jstr(e->mac));
	if (e->gw)
		json_object_set_new(j, "default_route", json_boolean(e->gw == 1));
	if (e->net_project)
		json_object_set_new(j, "net_project", jstr(e->net_project));
	if (e->mtu)
		json_object_set_new(j, "mtu", json_integer(e->mtu));
	if (e->bridge_name)
		json_object_set_new(j, "bridge_name", jstr(e->bridge_name));
	if (e->no_icc)
		json_object_set_new(j, "icc", json_false());
	if (e->no_masquerade)
		json_object_set_new(j, "masquerade", json_false());
	if (e->unprotected)
		json_object_set_new(j, "gateway_mode_ipv4", json_string("nat-unprotected"));
	if (e->unprotected6)
		json_object_set_new(j, "gateway_mode_ipv6", json_string("nat-unprotected"));
	if (e->host_binding)
		json_object_set_new(j, "host_binding_ipv4", jstr(e->host_binding));
	if (e->driver)
		json_object_set_new(j, "driver",
				    json_pack("{s:s, s:o, s:o, s:o}", "name", e->driver, "parent",
					      str_or_null(e->parent), "mode",
					      str_or_null(e->link_mode), "flag",
					      str_or_null(e->link_flag)));
	if (e->renamed)
		json_object_set_new(j, "ifname", jstr(e->ifname));
	if (e->link_local)
		json_object_set_new(j, "link_local_ips", strv(e->link_local));
	return j;
}

static const char *const restart_names[] = {
    [PLAN_RESTART_NO] = "no",
    [PLAN_RESTART_ALWAYS] = "always",
    [PLAN_RESTART_ON_FAILURE] = "on-failure",
    [PLAN_RESTART_UNLESS_STOPPED] = "unless-stopped",
};

static json_t *restart(const struct plan_restart *r)
{
	return json_pack("{s:s, s:i, s:I, s:I, s:b, s:I, s:b}", "mode", restart_names[r->mode],
			 "max_attempts", r->max_attempts, "delay_first_us",
			 (json_int_t)r->delay_first_us, "delay_max_us", (json_int_t)r->delay_max_us,
			 "delay_fixed", r->delay_fixed, "reset_after_us",
			 (json_int_t)r->reset_after_us, "on_unhealthy", r->on_unhealthy);
}

static json_t *health(const struct plan_health *h)
{
	if (!h->enabled)
		return json_null();
	return json_pack("{s:o, s:I, s:I, s:I, s:I, s:i}", "argv", strv(h->argv), "interval_us",
			 (json_int_t)h->interval_us, "timeout_us", (json_int_t)h->timeout_us,
			 "start_period_us", (json_int_t)h->start_period_us, "start_interval_us",
			 (json_int_t)h->start_interval_us, "retries", h->retries);
}

/* In the order they run; absent when there are none, as older plans were */
static void hooks(json_t *j, const char *key, const struct plan_hook *v, size_t n)
{
	json_t *a;

	if (!n)
		return;
	a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(
		    a, json_pack("{s:o, s:o, s:o, s:o, s:b}", "argv", strv(v[i].argv), "env",
				 strv(v[i].env), "user", str_or_null(v[i].user), "cwd",
				 str_or_null(v[i].cwd), "privileged", v[i].privileged));
	json_object_set_new(j, key, a);
}

char *plan_instance_text(const struct plan_instance *p, bool pretty)
{
	json_t *more = json_array();

	for (size_t i = 0; i < p->n_more_nets; i++)
		json_array_append_new(more, endpoint(&p->more_nets[i]));
	json_t *j =
	    json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I}", "name", jstr(p->name),
		      "more_networks", more, "spec", spec(p), "network", endpoint(&p->net),
		      "host_dirs", strv(p->host_dirs), "restart", restart(&p->restart), "health",
		      health(&p->health), "stop_grace_us", (json_int_t)p->stop_grace_us);
	char *t;

	if (!j)
		abort(); /* a pack format that does not match its arguments */
	hooks(j, "post_start", p->post_start, p->n_post_start);
	hooks(j, "pre_stop", p->pre_stop, p->n_pre_stop);
	/* where the secrets and configs lxr writes go, whose they are: never
	 * what they hold (the plan is printed by up --dry-run=plan) */
	if (p->n_files) {
		json_t *files = json_array();
		for (size_t i = 0; i < p->n_files; i++) {
			char mode[8];
			snprintf(mode, sizeof(mode), "%04o", (unsigned)p->files[i].mode);
			json_array_append_new(
			    files, json_pack("{s:s, s:I, s:I, s:s}", "path", p->files[i].path,
					     "uid", (json_int_t)p->files[i].uid, "gid",
					     (json_int_t)p->files[i].gid, "mode", mode));
		}
		json_object_set_new(j, "files", files);
	}
	t = json_dumps(j, JSON_SORT_KEYS | (pretty ? JSON_INDENT(2) : JSON_COMPACT));
	json_decref(j);
	if (!t)
		abort();
	return t;
}
