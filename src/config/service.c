/* One service: the key table and the simple keys. Keys with structure of
 * their own live in service_run.c (lifecycle, resources), service_net.c and
 * service_fs.c. */
#define _GNU_SOURCE
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

static int read_image(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;
	const char *v;

	if (cfg_read_str(c, n, "image", &s->image) < 0)
		return -1;
	v = s->image.v;
	/* empty (`image: ${UNSET}`) is no image, as compose-go reads it: a
	 * service with a build is named <project>-<service>, one without is
	 * refused below for having neither */
	if (v && !*v) {
		free(s->image.v);
		s->image.v = NULL;
		return 0;
	}
	if (!v)
		return 0;
	/* An image that is a path names a rootfs directory,
	 * relative to the stack file. */
	s->image_is_path = v[0] == '/' || !strncmp(v, "./", 2) || !strncmp(v, "../", 3) ||
			   !strcmp(v, ".") || !strcmp(v, "..");
	if (s->image_is_path) {
		char *abs = cfg_abs_path_at(c, n->pos, v);
		free(s->image.v);
		s->image.v = abs;
	}
	return 0;
}

static int read_command(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_cmd(c, n, &((struct cfg_service *)obj)->command, "command");
}

static int read_entrypoint(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_cmd(c, n, &((struct cfg_service *)obj)->entrypoint, "entrypoint");
}

static int read_environment(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_kvs(c, n, "environment", true, &((struct cfg_service *)obj)->environment);
}

static int read_labels(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_kvs(c, n, "labels", false, &((struct cfg_service *)obj)->labels);
}

static int read_annotations(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_kvs(c, n, "annotations", false, &((struct cfg_service *)obj)->annotations);
}

/* Docker's isolation technologies (process, hyperv) are Windows ones; on
 * Linux the daemon takes "default" alone and refuses the rest. */
static int read_isolation(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_str *iso = &((struct cfg_service *)obj)->isolation;

	if (cfg_read_str(c, n, "isolation", iso) < 0)
		return -1;
	if (iso->v && *iso->v && strcmp(iso->v, "default")) {
		cfg_error_hint(c, n, "isolation: default (or remove the key)",
			       "isolation \"%s\" is a Windows container setting; Linux "
			       "containers have only default",
			       iso->v);
		return -1;
	}
	return 0;
}

/* The sysctls the kernel keeps per namespace (docker's list): net.* in the
 * container's network namespace, the IPC ones in its IPC namespace. Any
 * other sysctl is the host's own setting. This is the config layer's one
 * copy, so a stack file that names another sysctl fails at load time with
 * its position; runtime/child.c (sysctl_namespaced) keeps the same rule as
 * the runtime's safety net for specs that do not come from a stack file. */
static const char *const sysctl_ns_prefixes[] = {"net.", "fs.mqueue."};
static const char *const sysctl_ns_names[] = {
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};
#define SYSCTL_HINT                                                                                \
	"only namespaced sysctls (net.*, fs.mqueue.*, kernel.msgmax, kernel.msgmnb, "              \
	"kernel.msgmni, kernel.sem, kernel.shmall, kernel.shmmax, kernel.shmmni, "                 \
	"kernel.shm_rmid_forced) can be set per container"

static bool sysctl_namespaced(const char *k)
{
	for (size_t i = 0; i < sizeof(sysctl_ns_prefixes) / sizeof(sysctl_ns_prefixes[0]); i++)
		if (lxr_str_has_prefix(k, sysctl_ns_prefixes[i]) &&
		    strlen(k) > strlen(sysctl_ns_prefixes[i]))
			return true;
	for (size_t i = 0; i < sizeof(sysctl_ns_names) / sizeof(sysctl_ns_names[0]); i++)
		if (!strcmp(k, sysctl_ns_names[i]))
			return true;
	return false;
}

static int read_sysctls(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;
	int r = cfg_read_kvs(c, n, "sysctls", false, &s->sysctls);

	for (size_t i = 0; i < s->sysctls.n; i++) {
		const char *k = s->sysctls.v[i].key;
		size_t len = strlen(k);
		if (strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789_./-") != len ||
		    !strchr(k, '.') || k[0] == '.' || k[len - 1] == '.' || strstr(k, "..")) {
			cfg_diag_add(c, s->sysctls.v[i].pos, false, "e.g. net.core.somaxconn",
				     "sysctls: \"%s\" is not a sysctl name", k);
			r = -1;
		} else if (!sysctl_namespaced(k)) {
			cfg_diag_add(c, s->sysctls.v[i].pos, false, SYSCTL_HINT,
				     "sysctls: \"%s\" is not namespaced: setting it in a container "
				     "would change the host",
				     k);
			r = -1;
		}
	}
	return r;
}

static bool hostname_ok(const char *h)
{
	size_t len = strlen(h);
	const char *label = h;

	/* RFC 1123 labels, and '_', which docker and compose take (and
	 * published files use: `hostname: app_db`); the kernel's UTS name
	 * holds 64 bytes. Nothing that could split an /etc/hosts line. */
	if (!len || len > 63)
		return false;
	for (const char *p = h;; p++) {
		if (*p == '.' || !*p) {
			if (p == label || label[0] == '-' || p[-1] == '-')
				return false;
			if (!*p)
				return true;
			label = p + 1;
		} else if (!strchr(
			       "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
			       *p)) {
			return false;
		}
	}
}

static int read_hostname(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;

	_cleanup_free_ char *name = NULL;
	size_t len;

	if (cfg_read_str(c, n, "hostname", &s->hostname) < 0)
		return -1;
	/* empty (`hostname: ${UNSET}`): the default, as the engine takes it */
	if (s->hostname.v && !*s->hostname.v) {
		free(s->hostname.v);
		s->hostname.v = NULL;
		return 0;
	}
	/* a fully qualified name may end in the root's dot (`mail.`) */
	name = s->hostname.v ? lxr_xstrdup(s->hostname.v) : NULL;
	len = name ? strlen(name) : 0;
	if (len > 1 && name[len - 1] == '.')
		name[len - 1] = '\0';
	/* compose loads any string; the engine refuses it when it creates the
	 * container, and so does up */
	if (name && !hostname_ok(name)) {
		cfg_refuse_at_up(c, n->pos,
				 "letters, digits, '-', '_' and '.', at most 63 characters",
				 "hostname \"%s\" is not a valid host name", s->hostname.v);
		free(s->hostname.v);
		s->hostname.v = NULL;
	}
	return 0;
}

static int read_working_dir(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;

	if (cfg_scalar_empty(c, n)) /* the image's, as docker does */
		return 0;
	if (cfg_read_str(c, n, "working_dir", &s->working_dir) < 0)
		return -1;
	if (s->working_dir.v && s->working_dir.v[0] != '/') {
		cfg_error(c, n, "working_dir must be an absolute path, not \"%s\"",
			  s->working_dir.v);
		return -1;
	}
	return 0;
}

static int read_user(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;
	const char *v, *colon;

	if (cfg_read_str(c, n, "user", &s->user) < 0)
		return -1;
	v = s->user.v;
	if (!v)
		return 0;
	if (!*v) { /* docker: the image's user */
		free(s->user.v);
		s->user.v = NULL;
		return 0;
	}
	colon = strchr(v, ':');
	if (colon && strchr(colon + 1, ':')) {
		cfg_error_hint(c, n, "write USER, UID, USER:GROUP or UID:GID",
			       "user \"%s\" is not USER[:GROUP]", v);
		return -1;
	}
	/* "${UID}:${GID}" with the variables unset is ":". Docker reads
	 * USER[:GROUP] with both parts optional (runc's GetExecUser): an
	 * empty user is uid 0, an empty group the user's own; so it runs
	 * as root, which the user should hear of when a variable emptied
	 * it (a ":" written as such, `lxr config`'s output, is meant). */
	if (v[0] == ':' && n->raw && n->raw[0] != ':' && strcmp(n->raw, v))
		cfg_warn(c, n,
			 "user \"%s\": the user part is empty, so the container runs as root "
			 "(uid 0), as docker's does; is a variable in it unset?",
			 v);
	return 0;
}

static int read_bool_field(struct cfg_ctx *c, struct cfg_node *n, struct cfg_bool *b,
			   const char *what)
{
	return cfg_read_bool(c, n, what, b);
}

/* docker's meaning: host root in all but name (docs/security.md) */
static int read_privileged(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return read_bool_field(c, n, &((struct cfg_service *)obj)->privileged, "privileged");
}

static int read_read_only(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return read_bool_field(c, n, &((struct cfg_service *)obj)->read_only, "read_only");
}

static int read_init(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return read_bool_field(c, n, &((struct cfg_service *)obj)->init, "init");
}

static int read_stop_signal(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;
	const char *v = cfg_scalar(c, n, "stop_signal");
	int sig;

	if (!v)
		return -1;
	if (!*v) /* the image's, as docker does */
		return 0;
	if (cfg_parse_signal(v, &sig) < 0) {
		cfg_error_hint(c, n, "a signal name or number: SIGTERM, SIGINT, QUIT, 15",
			       "stop_signal: unknown signal \"%s\"", v);
		return -1;
	}
	s->stop_signal = (struct cfg_int){sig, true, n->pos};
	return 0;
}

/* every_<duration> as compose-go reads it (str2duration): Go's units, and
 * days (d) and weeks (w) in front of them: every_2d, every_1w12h */
static int every_duration(const char *s, int64_t *us)
{
	int64_t days = 0, rest = 0;
	char *end;

	while (isdigit((unsigned char)*s)) {
		long long n = strtoll(s, &end, 10);
		if ((*end != 'd' && *end != 'w') || n > 100000)
			break;
		days += n * (*end == 'w' ? 7 : 1);
		/* past Go's Duration (292 years), as compose-go refuses it */
		if (days > 106751)
			return -1;
		s = end + 1;
	}
	if (*s && cfg_parse_duration(s, &rest) < 0)
		return -1;
	if (__builtin_add_overflow(days * 86400LL * 1000000, rest, us))
		return -1;
	return *us > 0 ? 0 : -1;
}

/* Compose's pull_policy. daily, weekly and every_<d> pull when the store's
 * tag was set longer ago than that (img_pull_due), as compose compares an
 * image's LastTagTime. */
static int read_pull_policy(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;
	const char *v = cfg_scalar(c, n, "pull_policy");

	if (!v)
		return -1;
	if (!strcmp(v, "if_not_present") || !strcmp(v, "refresh"))
		v = "missing";     /* compose's old name; refresh without a delay is
				      missing for compose-go's GetPullPolicy */
	if (!strcmp(v, "build")) { /* lxr up builds the image every time */
		cfg_check_supported(c, n, "service.pull_policy.build", "pull_policy \"build\"");
		cfg_str_set(&s->pull_policy, v, n->pos);
		return 0;
	}
	if (!strcmp(v, "daily") || !strcmp(v, "weekly") || !strncmp(v, "every_", 6)) {
		int64_t us = (!strcmp(v, "daily") ? 1 : 7) * 86400LL * 1000000;
		if (!strncmp(v, "every_", 6) && every_duration(v + 6, &us) < 0) {
			cfg_error_hint(c, n, "every_12h, every_30m, every_2d, every_1w, ...",
				       "pull_policy \"%s\": invalid duration", v);
			return -1;
		}
		cfg_str_set(&s->pull_policy, v, n->pos);
		s->pull_every_us = us;
		return 0;
	}
	if (strcmp(v, "always") && strcmp(v, "missing") && strcmp(v, "never")) {
		cfg_error_hint(c, n,
			       "always, missing (the default), never, build, daily, weekly or "
			       "every_<duration>",
			       "pull_policy: unknown policy \"%s\"", v);
		return -1;
	}
	cfg_str_set(&s->pull_policy, v, n->pos);
	return 0;
}

static int read_stop_grace(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_duration(c, n, "stop_grace_period",
				 &((struct cfg_service *)obj)->stop_grace_period);
}

static int read_cap_add(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_svc_read_caps(c, n, &((struct cfg_service *)obj)->cap_add, "cap_add");
}

static int read_cap_drop(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_svc_read_caps(c, n, &((struct cfg_service *)obj)->cap_drop, "cap_drop");
}

static int read_profiles(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;
	int r = cfg_read_strs(c, n, "profiles", false, &s->profiles);

	/* "" is a profile too (compose enables it when COMPOSE_PROFILES is
	 * set and empty: dify's default vector store uses it); compose-go
	 * takes a leading '_' too (grafana oncall's _engine_commands) */
	for (size_t i = 0; i < s->profiles.n; i++) {
		const char *p = s->profiles.v[i].v;
		if (*p && !cfg_name_ok(p[0] == '_' && p[1] ? p + 1 : p)) {
			cfg_diag_add(
			    c, s->profiles.v[i].pos, false,
			    "letters, digits, '_', '.', '-'; starting with a letter, digit "
			    "or '_'",
			    "profile name \"%s\" is not valid", p);
			r = -1;
		}
	}
	return r;
}

/* lxr keeps every service's output in its own rotated files (CRI format):
 * docker's file drivers are that. "none" keeps nothing: the supervisor
 * still drains the container's pipes (a writer never blocks) and drops the
 * bytes, as dockerd does. Other drivers (syslog, journald, ...) are loaded,
 * with their options as given, and not run yet. */
/* Each entry is applied in order (a later seccomp= replaces an earlier
 * one, as with docker); a profile is read and checked here, so a bad one
 * stops the load before anything is created. */
static int read_security_opt(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_security *sec = &((struct cfg_service *)obj)->security;
	struct cfg_strs v = {0};
	int r = cfg_read_strs(c, n, "security_opt", false, &v);

	if (r == 0 && v.n && !c->lsm_probed) {
		c->lsm = cfg_host_lsm_probe();
		c->lsm_probed = true;
	}
	for (size_t i = 0; r == 0 && i < v.n; i++) {
		_cleanup_free_ char *warning = NULL;
		char msg[LXR_ERR_MSG_MAX + 128];
		lxr_err err;

		if (cfg_security_opt_apply(v.v[i].v, cfg_dir_at(c, v.v[i].pos), c->lsm, sec,
					   &warning, &err) < 0) {
			cfg_diag_add(c, v.v[i].pos, false, err.hint[0] ? err.hint : NULL,
				     "security_opt: %s", lxr_err_str(&err, msg, sizeof(msg)));
			continue;
		}
		sec->opts.v[sec->opts.n - 1].pos = v.v[i].pos;
		if (warning)
			cfg_diag_add(c, v.v[i].pos, true, NULL, "security_opt: %s", warning);
	}
	cfg_strs_free(&v);
	return r;
}

#define K(name, fn)                                                                                \
	{                                                                                          \
#name, "service." #name, fn                                                        \
	}
static const struct cfg_key service_keys[] = {
    K(image, read_image),
    K(build, cfg_svc_read_build),
    K(command, read_command),
    K(entrypoint, read_entrypoint),
    K(environment, read_environment),
    K(env_file, cfg_svc_read_env_file),
    K(depends_on, cfg_svc_read_depends_on),
    K(healthcheck, cfg_svc_read_healthcheck),
    K(restart, cfg_svc_read_restart),
    K(deploy, cfg_svc_read_deploy),
    K(mem_limit, cfg_svc_read_mem_limit),
    K(cpus, cfg_svc_read_cpus),
    K(pids_limit, cfg_svc_read_pids_limit),
    K(ports, cfg_svc_read_ports),
    K(expose, cfg_svc_read_expose),
    K(networks, cfg_svc_read_networks),
    K(volumes, cfg_svc_read_volumes),
    K(tmpfs, cfg_svc_read_tmpfs),
    K(volumes_from, cfg_svc_read_volumes_from),
    K(cap_add, read_cap_add),
    K(cap_drop, read_cap_drop),
    K(privileged, read_privileged),
    K(devices, cfg_svc_read_devices),
    K(device_cgroup_rules, cfg_svc_read_device_cgroup_rules),
    K(gpus, cfg_read_gpus), /* kept as written too (raw.c) */
    K(read_only, read_read_only),
    K(user, read_user),
    K(working_dir, read_working_dir),
    K(hostname, read_hostname),
    K(init, read_init),
    K(stop_signal, read_stop_signal),
    K(stop_grace_period, read_stop_grace),
    K(pull_policy, read_pull_policy),
    K(ulimits, cfg_svc_read_ulimits),
    K(sysctls, read_sysctls),
    K(labels, read_labels),
    K(label_file, cfg_svc_read_label_file),
    K(annotations, read_annotations),
    K(isolation, read_isolation),
    K(profiles, read_profiles),
    K(logging, cfg_read_logging),
    K(security_opt, read_security_opt),
    K(mem_reservation, cfg_svc_read_mem_reservation),
    K(secrets, cfg_svc_read_secrets),
    K(configs, cfg_svc_read_configs),
    K(post_start, cfg_svc_read_post_start),
    K(develop, cfg_svc_read_develop),
    K(pre_stop, cfg_svc_read_pre_stop),
    {"x-lxr", "service.x-lxr", cfg_svc_read_x_lxr},
};
#undef K

/* Compose service keys lxr does not model yet (Compose Specification):
 * kept as written and refused by lxr up by name (raw.c). */
#define RAW(name)                                                                                  \
	static int raw_##name(struct cfg_ctx *c, struct cfg_node *n, void *obj)                    \
	{                                                                                          \
		return cfg_svc_read_raw(c, n, obj, #name);                                         \
	}
RAW(cgroup_parent)
RAW(cpu_rt_period)
RAW(cpu_rt_runtime)
RAW(credential_spec)
RAW(external_links)
RAW(models)
RAW(pre_start)
RAW(provider)
RAW(pull_refresh_after)
RAW(storage_opt)
RAW(use_api_socket)
#undef RAW

/* cpu_count and cpu_percent are docker's CPU limits on Windows; its Linux
 * daemon drops them (cpu_percent with a warning), so a file that sets them
 * runs there: checked as compose-go's schema checks them (integers, a
 * percent at most 100), said to do nothing, and dropped from the model. */
static int windows_cpu(struct cfg_ctx *c, struct cfg_node *n, const char *key, long long max)
{
	const char *v = cfg_scalar(c, n, key);
	/* a plain 0x10 or 1_000 is the number YAML reads, as compose's */
	_cleanup_free_ char *num = v && n->plain ? cfg_go_plain_text(v) : NULL;
	const char *t = num ? num : v;
	long long x = 0;
	char *end;

	if (!v)
		return -1;
	errno = 0;
	x = strtoll(t, &end, 10);
	if (!isdigit((unsigned char)*t) || *end || errno || x < 0 || x > max) {
		if (max == LLONG_MAX)
			cfg_error(c, n, "%s: \"%s\" is not a whole number, 0 or more", key, v);
		else
			cfg_error(c, n, "%s: \"%s\" is not a whole number from 0 to %lld", key, v,
				  max);
		return -1;
	}
	cfg_warn(c, n,
		 "%s does nothing on Linux: it is docker's limit on Windows, which its Linux "
		 "daemon drops too",
		 key);
	return 0;
}

static int read_cpu_count(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	(void)obj;
	return windows_cpu(c, n, "cpu_count", LLONG_MAX);
}

static int read_cpu_percent(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	(void)obj;
	return windows_cpu(c, n, "cpu_percent", 100);
}

#define R(name)                                                                                    \
	{                                                                                          \
#name, "service.unmodelled", raw_##name                                            \
	}
static const struct cfg_key service_raw_keys[] = {
    R(cgroup_parent),
    R(cpu_rt_period),
    R(cpu_rt_runtime),
    R(credential_spec),
    R(external_links),
    R(models),
    R(pre_start),
    R(provider),
    R(pull_refresh_after),
    R(storage_opt),
    R(use_api_socket),
    {"cpu_count", "service.cpu_count", read_cpu_count},
    {"cpu_percent", "service.cpu_percent", read_cpu_percent},
};
#undef R

/* This file's keys, then service_host.c's and service_tune.c's, then the
 * ones kept as written. */
static const struct cfg_map_spec *service_spec(void)
{
	static struct cfg_key keys[160];
	static struct cfg_map_spec spec;
	const struct cfg_key *parts[4];
	size_t n[4];

	if (spec.keys)
		return &spec;
	parts[0] = service_keys;
	n[0] = sizeof(service_keys) / sizeof(service_keys[0]);
	parts[1] = cfg_svc_host_keys(&n[1]);
	parts[2] = cfg_svc_tune_keys(&n[2]);
	parts[3] = service_raw_keys;
	n[3] = sizeof(service_raw_keys) / sizeof(service_raw_keys[0]);
	for (size_t i = 0; i < 4; i++) {
		assert(spec.n_keys + n[i] <= sizeof(keys) / sizeof(keys[0]));
		memcpy(keys + spec.n_keys, parts[i], n[i] * sizeof(*keys));
		spec.n_keys += n[i];
	}
	spec.keys = keys;
	spec.allow_x = true;
	return &spec;
}

int cfg_service_read(struct cfg_ctx *c, struct cfg_node *n, struct cfg_service *s)
{
	const struct cfg_map_spec *spec = service_spec();
	int r;

	/* compose's schema (^[a-zA-Z0-9._-]+$: `_base` too); lxr names
	 * directories after them, so not . or .. */
	if (!*s->name ||
	    strspn(s->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
		strlen(s->name) ||
	    !strcmp(s->name, ".") || !strcmp(s->name, ".."))
		cfg_diag_add(c, s->pos, false, "letters, digits, '_', '.' and '-'; not . or ..",
			     "service name \"%s\" is not valid", s->name);
	if (cfg_is_null(n)) {
		cfg_error_hint(c, n, "give it at least an `image:`", "service has no settings");
		return -1;
	}
	if (!cfg_expect(c, n, CFG_NODE_MAP, "a service definition"))
		return -1;
	cfg_update_default(&s->update_config);
	cfg_update_default(&s->rollback_config);
	r = cfg_read_map(c, n, spec, s);
	cfg_raw_keep_extensions(c, n, &s->extensions, &s->n_extensions);
	if (r == 0 && !s->image.v && !s->build.set && !cfg_map_pair(n, "provider")) {
		cfg_error_hint(c, n, "add `image:` (an image reference or a root filesystem path)",
			       "service has neither image nor build");
		r = -1;
	}
	if (r == 0)
		r = cfg_svc_check_targets(c, s);
	cfg_svc_check_x_lxr(c, s);
	return r;
}
