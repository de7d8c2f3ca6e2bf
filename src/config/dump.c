/* The normalized model, as `lxr config` prints it: Compose's layout, every
 * default filled in, every variable resolved, one spelling per setting
 * (limits under deploy.resources, ports and volumes in long syntax). */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "config/emit.h"
#include "config/config_internal.h"

static void cpus(struct cfg_out *o, const char *k, int64_t m)
{
	char buf[32];
	int n =
	    snprintf(buf, sizeof(buf), "%lld.%03lld", (long long)(m / 1000), (long long)(m % 1000));

	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = 0;
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = 0;
	cfg_out_key(o, k);
	cfg_out_number(o, buf);
}

static void limits(struct cfg_out *o, const char *k, const struct cfg_limits *l,
		   const struct cfg_raw *devices)
{
	cfg_out_key(o, k);
	cfg_out_map(o);
	if (l->millicpus.set)
		cpus(o, "cpus", l->millicpus.v);
	if (l->memory.set) {
		cfg_out_key(o, "memory");
		cfg_out_int(o, l->memory.v);
	}
	if (l->pids.set) {
		cfg_out_key(o, "pids");
		cfg_out_int(o, l->pids.v);
	}
	if (devices && devices->kind != CFG_RAW_NULL) {
		cfg_out_key(o, "devices");
		cfg_dump_raw(o, devices);
	}
	cfg_out_end_map(o);
}

/* A setting the runtime does not honour yet is printed only when the file
 * sets it (which only a model test can do): `lxr config` shows what will
 * run, and its output loads again. */
static bool shown(const struct cfg_out *o, const char *feature, bool set)
{
	return set || o->all || cfg_key_supported(feature);
}

static const char *const restart_names[] = {"no", "always", "on-failure", "unless-stopped"};
static const char *const proto_names[] = {"tcp", "udp", "sctp"};
static const char *const dep_names[] = {"service_started", "service_healthy",
					"service_completed_successfully"};

/* `restart:` holds a policy and on-failure's count. A delay, a window, or a
 * count with another policy need deploy.restart_policy, which then says it
 * all: the loader requires the two keys to agree, and restart_policy's
 * condition defaults to `any`, so printing both could not load again. */
static bool restart_as_policy(const struct cfg_restart_policy *r)
{
	return r->delay_us || r->window_us ||
	       (r->max_retries && r->policy != CFG_RESTART_ON_FAILURE);
}

static void restart_policy(struct cfg_out *o, const struct cfg_restart_policy *r)
{
	/* unless-stopped is not a swarm condition, but compose takes it */
	static const char *const conditions[] = {"none", "any", "on-failure", "unless-stopped"};

	cfg_out_key(o, "restart_policy");
	cfg_out_map(o);
	cfg_out_kv(o, "condition", conditions[r->policy]);
	if (r->max_retries) {
		cfg_out_key(o, "max_attempts");
		cfg_out_int(o, r->max_retries);
	}
	if (r->delay_us)
		cfg_out_duration(o, "delay", r->delay_us);
	if (r->window_us)
		cfg_out_duration(o, "window", r->window_us);
	cfg_out_end_map(o);
}

/* Every key, defaults included, so the file says what an update will do. */
static void update(struct cfg_out *o, const char *key, const struct cfg_update *u)
{
	static const char *const actions[] = {"pause", "continue", "rollback"};
	char ratio[16];

	if (!u->set)
		return;
	cfg_out_key(o, key);
	cfg_out_map(o);
	cfg_out_key(o, "parallelism");
	cfg_out_int(o, u->parallelism);
	cfg_out_duration(o, "delay", u->delay_us);
	cfg_out_kv(o, "failure_action", actions[u->failure_action]);
	cfg_out_duration(o, "monitor", u->monitor_us);
	snprintf(ratio, sizeof(ratio), "%d.%03d", u->max_failure_permille / 1000,
		 u->max_failure_permille % 1000);
	for (char *e = ratio + strlen(ratio) - 1; *e == '0' || *e == '.'; e--) {
		bool dot = *e == '.';
		*e = '\0'; /* 0.250 -> 0.25, 1.000 -> 1 */
		if (dot)
			break;
	}
	cfg_out_key(o, "max_failure_ratio");
	cfg_out_number(o, ratio);
	cfg_out_kv(o, "order", u->order == CFG_UPDATE_START_FIRST ? "start-first" : "stop-first");
	cfg_out_end_map(o);
}

static void deploy(struct cfg_out *o, const struct cfg_service *s)
{
	cfg_out_key(o, "deploy");
	cfg_out_map(o);
	cfg_out_key(o, "replicas");
	cfg_out_int(o, s->replicas.v);
	cfg_out_key(o, "resources");
	cfg_out_map(o);
	limits(o, "limits", &s->limits, NULL);
	if (shown(o, "service.deploy.resources.reservations",
		  s->reservations.memory.set || s->reservations.millicpus.set ||
		      s->device_requests.kind != CFG_RAW_NULL))
		limits(o, "reservations", &s->reservations, &s->device_requests);
	cfg_out_end_map(o);
	if (restart_as_policy(&s->restart))
		restart_policy(o, &s->restart);
	update(o, "update_config", &s->update_config);
	update(o, "rollback_config", &s->rollback_config);
	cfg_out_end_map(o);
}

static void restart(struct cfg_out *o, const struct cfg_restart_policy *r)
{
	char buf[48];

	if (r->policy == CFG_RESTART_ON_FAILURE && r->max_retries)
		snprintf(buf, sizeof(buf), "on-failure:%d", r->max_retries);
	else
		snprintf(buf, sizeof(buf), "%s", restart_names[r->policy]);
	cfg_out_kv(o, "restart", buf);
}

static void depends_on(struct cfg_out *o, const struct cfg_service *s)
{
	cfg_out_key(o, "depends_on");
	cfg_out_map(o);
	for (size_t i = 0; i < s->n_depends_on; i++) {
		const struct cfg_dep *d = &s->depends_on[i];
		cfg_out_key(o, d->service.v);
		cfg_out_map(o);
		cfg_out_kv(o, "condition", dep_names[d->condition]);
		cfg_out_key(o, "required");
		cfg_out_bool(o, d->required);
		cfg_out_key(o, "restart");
		cfg_out_bool(o, d->restart);
		cfg_out_end_map(o);
	}
	cfg_out_end_map(o);
}

static void health_timings(struct cfg_out *o, const struct cfg_health *h, unsigned set)
{
	if (set & CFG_HC_INTERVAL)
		cfg_out_duration(o, "interval", h->interval_us);
	if (set & CFG_HC_TIMEOUT)
		cfg_out_duration(o, "timeout", h->timeout_us);
	if (set & CFG_HC_RETRIES) {
		cfg_out_key(o, "retries");
		cfg_out_int(o, h->retries);
	}
	if (set & CFG_HC_START_PERIOD)
		cfg_out_duration(o, "start_period", h->start_period_us);
	if (set & CFG_HC_START_INTERVAL)
		cfg_out_duration(o, "start_interval", h->start_interval_us);
}

/* Only the timings the file gives: the others are the image's, not the
 * defaults. */
static void healthcheck(struct cfg_out *o, const struct cfg_health *h)
{
	cfg_out_key(o, "healthcheck");
	cfg_out_map(o);
	if (h->kind == CFG_HEALTH_INHERIT) {
		health_timings(o, h, h->set);
		cfg_out_end_map(o);
		return;
	}
	cfg_out_key(o, "test");
	cfg_out_seq(o);
	cfg_out_str(o, h->kind == CFG_HEALTH_NONE  ? "NONE"
		       : h->kind == CFG_HEALTH_CMD ? "CMD"
						   : "CMD-SHELL");
	for (size_t i = 0; i < h->test.n; i++)
		cfg_out_str(o, h->test.v[i].v);
	cfg_out_end_seq(o);
	/* what the file leaves out is the image's HEALTHCHECK's, else
	 * docker's default (the plan merges them), as compose prints it */
	if (h->kind != CFG_HEALTH_NONE)
		health_timings(o, h, h->set);
	cfg_out_end_map(o);
}

/* Compose prints target as a number and published as a string. */
static void port_range(struct cfg_out *o, const char *k, int a, int b)
{
	char buf[32];

	if (a == b && !strcmp(k, "target")) {
		cfg_out_key(o, k);
		cfg_out_int(o, a);
		return;
	}
	if (a == b)
		snprintf(buf, sizeof(buf), "%d", a);
	else
		snprintf(buf, sizeof(buf), "%d-%d", a, b);
	cfg_out_kv(o, k, buf);
}

/* One entry of ports: the target range as given, or its k-th port */
static void port_entry(struct cfg_out *o, const struct cfg_port *p, int k)
{
	cfg_out_map(o);
	if (k < 0) {
		port_range(o, "target", p->target_start, p->target_end);
		if (p->host_start)
			port_range(o, "published", p->host_start, p->host_end);
	} else {
		port_range(o, "target", p->target_start + k, p->target_start + k);
		if (p->host_start)
			port_range(o, "published", p->host_start + k, p->host_start + k);
	}
	if (p->host_ip)
		cfg_out_kv(o, "host_ip", p->host_ip);
	cfg_out_kv(o, "protocol", proto_names[p->proto]);
	if (p->name)
		cfg_out_kv(o, "name", p->name);
	if (p->app_protocol)
		cfg_out_kv(o, "app_protocol", p->app_protocol);
	cfg_out_end_map(o);
}

static void ports(struct cfg_out *o, const struct cfg_service *s)
{
	cfg_out_key(o, "ports");
	cfg_out_seq(o);
	for (size_t i = 0; i < s->n_ports; i++) {
		const struct cfg_port *p = &s->ports[i];
		int width = p->target_end - p->target_start;
		/* a range of targets is a port each, as compose-go expands it
		 * (ParsePortConfig), host port for host port; a host range for
		 * one target (any free port of it) stays whole */
		if (width && (!p->host_start || p->host_end - p->host_start == width))
			for (int k = 0; k <= width; k++)
				port_entry(o, p, k);
		else
			port_entry(o, p, -1);
	}
	cfg_out_end_seq(o);
	if (!s->n_expose)
		return;
	cfg_out_key(o, "expose");
	cfg_out_seq(o);
	for (size_t i = 0; i < s->n_expose; i++) {
		char buf[48];
		const struct cfg_expose *e = &s->expose[i];
		if (e->start == e->end)
			snprintf(buf, sizeof(buf), "%d/%s", e->start, proto_names[e->proto]);
		else
			snprintf(buf, sizeof(buf), "%d-%d/%s", e->start, e->end,
				 proto_names[e->proto]);
		cfg_out_str(o, buf);
	}
	cfg_out_end_seq(o);
}

static void networks(struct cfg_out *o, const struct cfg_service *s)
{
	cfg_out_key(o, "networks");
	cfg_out_map(o);
	for (size_t i = 0; i < s->n_networks; i++) {
		const struct cfg_svc_net *n = &s->networks[i];
		cfg_out_key(o, n->name.v);
		if (!n->aliases.n && !n->ipv4_address.v && !n->ipv6_address.v && !n->priority.set &&
		    !n->gw_priority.set && !n->mac_address.v && !n->interface_name.v &&
		    !n->link_local_ips.n && !n->driver_opts.n) {
			cfg_out_null(o);
			continue;
		}
		cfg_out_map(o);
		if (n->aliases.n)
			cfg_out_strs(o, "aliases", &n->aliases);
		if (n->ipv4_address.v)
			cfg_out_kv(o, "ipv4_address", n->ipv4_address.v);
		if (n->ipv6_address.v)
			cfg_out_kv(o, "ipv6_address", n->ipv6_address.v);
		if (n->mac_address.v)
			cfg_out_kv(o, "mac_address", n->mac_address.v);
		if (n->interface_name.v)
			cfg_out_kv(o, "interface_name", n->interface_name.v);
		if (n->link_local_ips.n)
			cfg_out_strs(o, "link_local_ips", &n->link_local_ips);
		if (n->driver_opts.n)
			cfg_out_kvs(o, "driver_opts", &n->driver_opts);
		if (n->priority.set) {
			cfg_out_key(o, "priority");
			cfg_out_int(o, n->priority.v);
		}
		if (n->gw_priority.set) {
			cfg_out_key(o, "gw_priority");
			cfg_out_int(o, n->gw_priority.v);
		}
		cfg_out_end_map(o);
	}
	cfg_out_end_map(o);
}

static void volumes(struct cfg_out *o, const struct cfg_service *s)
{
	static const char *const types[] = {"bind", "volume", "tmpfs", "image"};

	cfg_out_key(o, "volumes");
	cfg_out_seq(o);
	for (size_t i = 0; i < s->n_volumes; i++) {
		const struct cfg_mount *m = &s->volumes[i];
		cfg_out_map(o);
		cfg_out_kv(o, "type", types[m->type]);
		if (m->source)
			cfg_out_kv(o, "source", m->source);
		cfg_out_kv(o, "target", m->target);
		cfg_out_key(o, "read_only");
		cfg_out_bool(o, m->read_only);
		if (m->consistency)
			cfg_out_kv(o, "consistency", m->consistency);
		if (m->type == CFG_MOUNT_BIND) {
			cfg_out_key(o, "bind");
			cfg_out_map(o);
			cfg_out_key(o, "create_host_path");
			cfg_out_bool(o, m->create_host_path);
			if (m->propagation)
				cfg_out_kv(o, "propagation", m->propagation);
			if (m->selinux)
				cfg_out_kv(o, "selinux", m->selinux == 'z' ? "z" : "Z");
			cfg_out_end_map(o);
		} else if (m->type == CFG_MOUNT_VOLUME) {
			cfg_out_key(o, "volume");
			cfg_out_map(o);
			cfg_out_key(o, "nocopy");
			cfg_out_bool(o, m->nocopy);
			if (m->subpath)
				cfg_out_kv(o, "subpath", m->subpath);
			cfg_out_end_map(o);
		} else if (m->type == CFG_MOUNT_IMAGE && m->subpath) {
			cfg_out_key(o, "image");
			cfg_out_map(o);
			cfg_out_kv(o, "subpath", m->subpath);
			cfg_out_end_map(o);
		} else if (m->type == CFG_MOUNT_TMPFS && (m->tmpfs_size || m->tmpfs_mode >= 0)) {
			cfg_out_key(o, "tmpfs");
			cfg_out_map(o);
			if (m->tmpfs_size) {
				cfg_out_key(o, "size");
				cfg_out_int(o, m->tmpfs_size);
			}
			if (m->tmpfs_mode >= 0) { /* a number, as compose prints it */
				cfg_out_key(o, "mode");
				cfg_out_int(o, m->tmpfs_mode);
			}
			cfg_out_end_map(o);
		}
		cfg_out_end_map(o);
	}
	cfg_out_end_seq(o);
}

static void tmpfs(struct cfg_out *o, const struct cfg_service *s)
{
	cfg_out_key(o, "tmpfs");
	cfg_out_seq(o);
	for (size_t i = 0; i < s->n_tmpfs; i++) {
		const struct cfg_tmpfs *t = &s->tmpfs[i];
		char *line = lxr_xstrdup(t->target);
		char sep = ':';
		if (t->size) {
			char *n = lxr_xasprintf("%s%csize=%lld", line, sep, (long long)t->size);
			free(line);
			line = n;
			sep = ',';
		}
		if (t->mode >= 0) {
			char *n = lxr_xasprintf("%s%cmode=%o", line, sep, t->mode);
			free(line);
			line = n;
			sep = ',';
		}
		for (char **f = t->flags; f && *f; f++) {
			char *n = lxr_xasprintf("%s%c%s", line, sep, *f);
			free(line);
			line = n;
			sep = ',';
		}
		cfg_out_str(o, line);
		free(line);
	}
	cfg_out_end_seq(o);
}

/* as written, as compose prints it */
static void volumes_from(struct cfg_out *o, const struct cfg_service *s)
{
	cfg_out_key(o, "volumes_from");
	cfg_out_seq(o);
	for (size_t i = 0; i < s->n_volumes_from; i++)
		cfg_out_str(o, s->volumes_from[i].spec.v);
	cfg_out_end_seq(o);
}

static void service(struct cfg_out *o, const struct cfg_service *s)
{
	cfg_out_key(o, s->name);
	cfg_out_map(o);
	if (s->image.v)
		cfg_out_kv(o, "image", s->image.v);
	if (s->build.set)
		cfg_dump_service_build(o, s);
	if (s->entrypoint.set)
		cfg_out_strs(o, "entrypoint", &s->entrypoint.argv);
	if (s->command.set)
		cfg_out_strs(o, "command", &s->command.argv);
	cfg_out_kvs(o, "environment", &s->environment);
	if (s->n_depends_on)
		depends_on(o, s);
	if (s->healthcheck.kind != CFG_HEALTH_UNSET)
		healthcheck(o, &s->healthcheck);
	if (shown(o, "service.restart", s->restart.pos.line != 0) &&
	    !restart_as_policy(&s->restart))
		restart(o, &s->restart);
	deploy(o, s);
	if (s->n_ports || s->n_expose)
		ports(o, s);
	/* with network_mode, the network it names is its to say */
	if (s->n_networks && !s->host.network_mode.v &&
	    shown(o, "service.networks", cfg_service_networks_given(s)))
		networks(o, s);
	if (s->n_volumes)
		volumes(o, s);
	if (s->n_tmpfs)
		tmpfs(o, s);
	if (s->n_volumes_from)
		volumes_from(o, s);
	cfg_dump_service_runtime(o, s);
	cfg_dump_service_host(o, s);
	cfg_dump_service_file_refs(o, s);
	cfg_dump_service_unmodelled(o, s);
	cfg_dump_extensions(o, s->extensions, s->n_extensions);
	cfg_out_end_map(o);
}

int cfg_stack_write(FILE *f, const struct cfg_stack *st, enum cfg_format fmt, lxr_err *err)
{
	struct cfg_out o;

	cfg_out_init(&o, f, fmt);
	o.all = st->model_only;
	cfg_out_map(&o);
	cfg_out_kv(&o, "name", st->project);
	cfg_out_key(&o, "services");
	cfg_out_map(&o);
	for (size_t i = 0; i < st->n_services; i++)
		service(&o, &st->services[i]);
	cfg_out_end_map(&o);
	cfg_dump_networks(&o, st);
	cfg_dump_volumes(&o, st);
	cfg_dump_file_objs(&o, st);
	if (st->models.kind != CFG_RAW_NULL) {
		cfg_out_key(&o, "models");
		cfg_dump_raw(&o, &st->models);
	}
	cfg_dump_extensions(&o, st->extensions, st->n_extensions);
	cfg_out_end_map(&o);
	if (cfg_out_finish(&o) < 0)
		return lxr_fail(err, EIO, "write the stack");
	return 0;
}
