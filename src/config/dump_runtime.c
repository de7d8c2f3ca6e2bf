/* A service's runtime keys as `lxr config` prints them: its hooks and
 * develop.watch, privileges and devices, user and signals, ulimits, labels,
 * profiles, logging and x-lxr. */
#define _GNU_SOURCE
#include <string.h>

#include "config/emit.h"
#include "config/config_internal.h"

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
		cfg_out_flag(o, "required", s->env_files[i].required);
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
		cfg_out_flag(o, "restart_on_unhealthy", x->restart_on_unhealthy.v);
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
	cfg_out_opt_str(o, "user", &h->user);
	if (h->privileged.v)
		cfg_out_flag(o, "privileged", true);
	cfg_out_opt_str(o, "working_dir", &h->working_dir);
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
			cfg_out_flag(o, "initial_sync", true);
		cfg_out_end_map(o);
	}
	cfg_out_end_seq(o);
	cfg_out_end_map(o);
}

void cfg_dump_service_runtime(struct cfg_out *o, const struct cfg_service *s)
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
		cfg_out_flag(o, "privileged", s->privileged.v);
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
	cfg_out_flag(o, "read_only", s->read_only.v);
	/* unset: lxr-init, unless the image brings an init of its own (the
	 * plan's to tell), so only what the file says */
	if (s->init.set)
		cfg_out_flag(o, "init", s->init.v);
	cfg_out_opt_str(o, "user", &s->user);
	cfg_out_opt_str(o, "working_dir", &s->working_dir);
	cfg_out_opt_str(o, "hostname", &s->hostname);
	/* unset: the image's STOPSIGNAL, else SIGTERM (the plan's to tell),
	 * as docker compose leaves it out */
	if (s->stop_signal.set)
		cfg_out_kv(o, "stop_signal", cfg_signal_name((int)s->stop_signal.v));
	if (o->all || cfg_key_supported("service.stop_grace_period") || s->stop_grace_period.set)
		cfg_out_duration(o, "stop_grace_period", s->stop_grace_period.v);
	cfg_out_opt_str(o, "pull_policy", &s->pull_policy);
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
	cfg_out_opt_str(o, "isolation", &s->isolation);
	if (s->profiles.n)
		cfg_out_strs(o, "profiles", &s->profiles);
	if (s->logging.driver.v || s->logging.options.n) {
		cfg_out_key(o, "logging");
		cfg_out_map(o);
		cfg_out_opt_str(o, "driver", &s->logging.driver);
		if (s->logging.options.n)
			cfg_out_kvs(o, "options", &s->logging.options);
		cfg_out_end_map(o);
	}
	x_lxr(o, &s->x_lxr);
}
