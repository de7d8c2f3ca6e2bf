/* The normalized model, continued: a service's identity, privilege and
 * housekeeping keys and its x-lxr, and the top-level networks and volumes. */
#define _GNU_SOURCE
#include <string.h>

#include "config/emit.h"
#include "config/config_internal.h"

static void opt_str(struct cfg_out *o, const char *k, const struct cfg_str *v)
{
	if (v->v)
		cfg_out_kv(o, k, v->v);
}

static void flag(struct cfg_out *o, const char *k, bool v)
{
	cfg_out_key(o, k);
	cfg_out_bool(o, v);
}

void cfg_dump_ulimits(struct cfg_out *o, const struct cfg_ulimit *v, size_t n)
{
	cfg_out_key(o, "ulimits");
	cfg_out_map(o);
	for (size_t i = 0; i < n; i++) {
		cfg_out_key(o, v[i].name);
		cfg_out_map(o);
		cfg_out_key(o, "soft");
		cfg_out_int(o, v[i].soft);
		cfg_out_key(o, "hard");
		cfg_out_int(o, v[i].hard);
		cfg_out_end_map(o);
	}
	cfg_out_end_map(o);
}

/* the long syntax: one spelling, every default filled */
static void devices(struct cfg_out *o, const struct cfg_service *s)
{
	cfg_out_key(o, "devices");
	cfg_out_seq(o);
	for (size_t i = 0; i < s->n_devices; i++) {
		cfg_out_map(o);
		cfg_out_kv(o, "source", s->devices[i].source);
		cfg_out_kv(o, "target", s->devices[i].target);
		cfg_out_kv(o, "permissions", s->devices[i].perms);
		cfg_out_end_map(o);
	}
	for (size_t i = 0; i < s->cdi_devices.n; i++) /* a CDI name, as written */
		cfg_out_str(o, s->cdi_devices.v[i].v);
	cfg_out_end_seq(o);
}

static void env_files(struct cfg_out *o, const struct cfg_service *s)
{
	cfg_out_key(o, "env_file");
	cfg_out_seq(o);
	for (size_t i = 0; i < s->n_env_files; i++) {
		cfg_out_map(o);
		cfg_out_kv(o, "path", s->env_files[i].path.v);
		flag(o, "required", s->env_files[i].required);
		if (s->env_files[i].raw)
			cfg_out_kv(o, "format", "raw");
		cfg_out_end_map(o);
	}
	cfg_out_end_seq(o);
}

/* Only the keys the file set: a default printed here would read back as
 * set, and x-lxr backoff next to deploy.restart_policy's delay is an error
 * when set, not when left to its default. */
static void x_lxr(struct cfg_out *o, const struct cfg_svc_x_lxr *x)
{
	bool backoff =
	    x->backoff_initial_us.set || x->backoff_max_us.set || x->backoff_reset_us.set;

	if (!x->restart_on_unhealthy.set && !backoff && !x->on_give_up.v)
		return;
	cfg_out_key(o, "x-lxr");
	cfg_out_map(o);
	if (x->restart_on_unhealthy.set)
		flag(o, "restart_on_unhealthy", x->restart_on_unhealthy.v);
	if (x->on_give_up.v)
		cfg_out_kv(o, "on_give_up", x->on_give_up.v);
	if (backoff) {
		cfg_out_key(o, "backoff");
		cfg_out_map(o);
		if (x->backoff_initial_us.set)
			cfg_out_duration(o, "initial", x->backoff_initial_us.v);
		if (x->backoff_max_us.set)
			cfg_out_duration(o, "max", x->backoff_max_us.v);
		if (x->backoff_reset_us.set)
			cfg_out_duration(o, "reset_after", x->backoff_reset_us.v);
		cfg_out_end_map(o);
	}
	cfg_out_end_map(o);
}

/* A hook whole, its command as a list */
static void hook(struct cfg_out *o, const struct cfg_hook *h)
{
	cfg_out_map(o);
	cfg_out_strs(o, "command", &h->command.argv);
	opt_str(o, "user", &h->user);
	if (h->privileged.v)
		flag(o, "privileged", true);
	opt_str(o, "working_dir", &h->working_dir);
	if (h->environment.n)
		cfg_out_kvs(o, "environment", &h->environment);
	cfg_out_end_map(o);
}

/* post_start, pre_stop */
static void hooks(struct cfg_out *o, const char *k, const struct cfg_hook *v, size_t n)
{
	if (!n)
		return;
	cfg_out_key(o, k);
	cfg_out_seq(o);
	for (size_t i = 0; i < n; i++)
		hook(o, &v[i]);
	cfg_out_end_seq(o);
}

/* develop.watch, in compose config's order of keys */
static void develop(struct cfg_out *o, const struct cfg_service *s)
{
	cfg_out_key(o, "develop");
	cfg_out_map(o);
	cfg_out_key(o, "watch");
	cfg_out_seq(o);
	for (size_t i = 0; i < s->n_watch; i++) {
		const struct cfg_watch *w = &s->watch[i];
		cfg_out_map(o);
		cfg_out_kv(o, "path", w->path);
		cfg_out_kv(o, "action", cfg_watch_action_name(w->action));
		if (w->target)
			cfg_out_kv(o, "target", w->target);
		if (w->exec.command.argv.n) {
			cfg_out_key(o, "exec");
			hook(o, &w->exec);
		}
		if (w->include.n)
			cfg_out_strs(o, "include", &w->include);
		if (w->ignore.n)
			cfg_out_strs(o, "ignore", &w->ignore);
		if (w->initial_sync)
			flag(o, "initial_sync", true);
		cfg_out_end_map(o);
	}
	cfg_out_end_seq(o);
	cfg_out_end_map(o);
}

void cfg_dump_service_more(struct cfg_out *o, const struct cfg_service *s)
{
	hooks(o, "post_start", s->post_start, s->n_post_start);
	hooks(o, "pre_stop", s->pre_stop, s->n_pre_stop);
	if (s->n_watch)
		develop(o, s);
	if (s->n_env_files)
		env_files(o, s);
	if (s->cap_add.n)
		cfg_out_strs(o, "cap_add", &s->cap_add);
	if (s->cap_drop.n)
		cfg_out_strs(o, "cap_drop", &s->cap_drop);
	if (s->security.opts.n)
		cfg_out_strs(o, "security_opt", &s->security.opts);
	if (o->all || s->privileged.set)
		flag(o, "privileged", s->privileged.v);
	if (s->n_devices || s->cdi_devices.n)
		devices(o, s);
	if (s->n_device_rules) {
		cfg_out_key(o, "device_cgroup_rules");
		cfg_out_seq(o);
		for (size_t i = 0; i < s->n_device_rules; i++) {
			char buf[64];
			cfg_out_str(o, cfg_device_rule_text(&s->device_rules[i], buf, sizeof(buf)));
		}
		cfg_out_end_seq(o);
	}
	flag(o, "read_only", s->read_only.v);
	/* unset: lxr-init, unless the image brings an init of its own (the
	 * plan's to tell), so only what the file says */
	if (s->init.set)
		flag(o, "init", s->init.v);
	opt_str(o, "user", &s->user);
	opt_str(o, "working_dir", &s->working_dir);
	opt_str(o, "hostname", &s->hostname);
	cfg_out_kv(o, "stop_signal", cfg_signal_name((int)s->stop_signal.v));
	if (o->all || cfg_key_supported("service.stop_grace_period") || s->stop_grace_period.set)
		cfg_out_duration(o, "stop_grace_period", s->stop_grace_period.v);
	opt_str(o, "pull_policy", &s->pull_policy);
	if (s->n_ulimits)
		cfg_dump_ulimits(o, s->ulimits, s->n_ulimits);
	if (s->sysctls.n)
		cfg_out_kvs(o, "sysctls", &s->sysctls);
	if (s->labels.n)
		cfg_out_kvs(o, "labels", &s->labels);
	if (s->label_files.n)
		cfg_out_strs(o, "label_file", &s->label_files);
	if (s->annotations.n)
		cfg_out_kvs(o, "annotations", &s->annotations);
	opt_str(o, "isolation", &s->isolation);
	if (s->profiles.n)
		cfg_out_strs(o, "profiles", &s->profiles);
	if (s->logging.driver.v || s->logging.options.n) {
		cfg_out_key(o, "logging");
		cfg_out_map(o);
		opt_str(o, "driver", &s->logging.driver);
		if (s->logging.options.n)
			cfg_out_kvs(o, "options", &s->logging.options);
		cfg_out_end_map(o);
	}
	x_lxr(o, &s->x_lxr);
}

static void pools(struct cfg_out *o, const struct cfg_network *n)
{
	cfg_out_key(o, "ipam");
	cfg_out_map(o);
	cfg_out_kv(o, "driver", "default");
	cfg_out_key(o, "config");
	cfg_out_seq(o);
	for (size_t i = 0; i <= n->n_pools; i++) {
		const struct cfg_ipam_pool *p = i < n->n_pools ? &n->pools[i] : &n->pool6;
		if (!p->subnet.v)
			continue;
		cfg_out_map(o);
		opt_str(o, "subnet", &p->subnet);
		opt_str(o, "gateway", &p->gateway);
		opt_str(o, "ip_range", &p->ip_range);
		if (p->aux.n)
			cfg_out_kvs(o, "aux_addresses", &p->aux);
		cfg_out_end_map(o);
	}
	cfg_out_end_seq(o);
	cfg_out_end_map(o);
}

void cfg_dump_networks(struct cfg_out *o, const struct cfg_stack *st)
{
	bool any = o->all || cfg_key_supported("networks");

	for (size_t i = 0; i < st->n_networks; i++)
		any |= !st->networks[i].implicit;
	if (!any)
		return;
	cfg_out_key(o, "networks");
	cfg_out_map(o);
	for (size_t i = 0; i < st->n_networks; i++) {
		const struct cfg_network *n = &st->networks[i];
		if (n->implicit && !o->all && !cfg_key_supported("networks"))
			continue; /* nothing is attached to it until the net layer */
		cfg_out_key(o, n->name);
		cfg_out_map(o);
		if (n->host_name.v)
			cfg_out_kv(o, "name", n->host_name.v);
		if (n->external.v) {
			flag(o, "external", true);
		} else {
			cfg_out_kv(o, "driver", n->driver.v);
			flag(o, "internal", n->internal.v);
		}
		if (n->driver_opts.n)
			cfg_out_kvs(o, "driver_opts", &n->driver_opts);
		if (n->enable_ipv6.v)
			flag(o, "enable_ipv6", true);
		if (n->n_pools || n->pool6.subnet.v)
			pools(o, n);
		if (n->labels.n)
			cfg_out_kvs(o, "labels", &n->labels);
		cfg_out_end_map(o);
	}
	cfg_out_end_map(o);
}

void cfg_dump_volumes(struct cfg_out *o, const struct cfg_stack *st)
{
	/* as compose prints it: only when the file declares one */
	if (!st->n_volumes && !o->all)
		return;
	cfg_out_key(o, "volumes");
	cfg_out_map(o);
	for (size_t i = 0; i < st->n_volumes; i++) {
		const struct cfg_volume *v = &st->volumes[i];
		cfg_out_key(o, v->name);
		cfg_out_map(o);
		if (v->host_name.v)
			cfg_out_kv(o, "name", v->host_name.v);
		if (v->external.v)
			flag(o, "external", true);
		else
			cfg_out_kv(o, "driver", v->driver.v);
		if (v->driver_opts.n)
			cfg_out_kvs(o, "driver_opts", &v->driver_opts);
		if (v->labels.n)
			cfg_out_kvs(o, "labels", &v->labels);
		cfg_out_end_map(o);
	}
	cfg_out_end_map(o);
}
