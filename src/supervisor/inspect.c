/* lxr inspect: an instance as docker inspect shows a container, in docker's
 * words where docker has them (State.Status, State.Health.Log, ...), so a
 * script's `jq .[0].State.Health.Status` reads the same; and lxr's plan of
 * it (what `up --dry-run=plan` prints) as Plan. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mount.h>
#include <time.h>

#include "lxr/net.h"
#include "lxr/supervisor.h"
#include "supervisor/sup.h"

/* RFC 3339 with nanoseconds, UTC, as docker prints its times; docker's
 * zero time for "never" */
static json_t *time_json(int64_t ns)
{
	char buf[LOG_TS_LEN + 1];
	struct timespec ts = {ns / 1000000000, ns % 1000000000};

	if (ns <= 0)
		return json_string("0001-01-01T00:00:00Z");
	log_format_ts(buf, &ts);
	return json_string(buf);
}

/* docker's State.Status words: created, running, paused, restarting,
 * removing, exited, dead */
static const char *docker_status(const struct sup_instance *in)
{
	if (in->paused)
		return "paused";
	switch (in->fsm.state) {
	case SVC_CREATED: return in->fsm.started_at ? "exited" : "created";
	case SVC_STARTING: return "created";
	case SVC_RUNNING:
	case SVC_HEALTHY:
	case SVC_UNHEALTHY: return "running";
	case SVC_BACKOFF: return "restarting";
	case SVC_STOPPING: return "running";
	case SVC_FAILED: return in->fsm.started_at ? "exited" : "dead";
	default: return "exited";
	}
}

static json_t *health_json(const struct sup_instance *in)
{
	const struct sup_health *h = &in->health;
	const char *status = "starting";
	json_t *log = json_array();

	if (in->fsm.state == SVC_HEALTHY)
		status = "healthy";
	else if (in->fsm.state == SVC_UNHEALTHY)
		status = "unhealthy";
	/* oldest first, as docker lists them */
	for (size_t i = 0; i < h->n_log; i++) {
		size_t at = (h->log_next + SUP_HEALTH_LOG - h->n_log + i) % SUP_HEALTH_LOG;
		const struct sup_health_result *r = &h->log[at];
		json_t *o = json_object();
		json_object_set_new(o, "Start", time_json(r->start_ns));
		json_object_set_new(o, "End", time_json(r->end_ns));
		json_object_set_new(o, "ExitCode", json_integer(r->exit_code));
		json_object_set_new(o, "Output", json_string(r->output ? r->output : ""));
		json_array_append_new(log, o);
	}
	return json_pack("{s:s, s:i, s:o}", "Status", status, "FailingStreak", h->failures, "Log",
			 log);
}

static json_t *state_json(const struct sup_instance *in)
{
	bool running = in->c && (svc_state_is_up(in->fsm.state) || in->fsm.state == SVC_STOPPING);
	json_t *o = json_object();

	json_object_set_new(o, "Status", json_string(docker_status(in)));
	json_object_set_new(o, "LxrState", json_string(svc_state_name(in->fsm.state)));
	json_object_set_new(o, "Running", json_boolean(running));
	json_object_set_new(o, "Paused", json_boolean(in->paused));
	json_object_set_new(o, "Restarting", json_boolean(in->fsm.state == SVC_BACKOFF));
	json_object_set_new(o, "OOMKilled", json_boolean(in->oom_killed));
	json_object_set_new(o, "Pid", json_integer(in->c ? rt_container_pid(in->c) : 0));
	/* docker's SetRunning resets it: 0 from a start on */
	json_object_set_new(
	    o, "ExitCode",
	    json_integer(!running && in->fsm.last_exit >= 0 ? in->fsm.last_exit : 0));
	json_object_set_new(o, "Error", in->has_error ? sup_err_json(&in->error) : json_string(""));
	json_object_set_new(o, "StartedAt", time_json(in->started_ns));
	json_object_set_new(o, "FinishedAt", time_json(in->finished_ns));
	json_object_set_new(o, "RestartCount", json_integer(in->fsm.restarts));
	if (in->blocked_by)
		json_object_set_new(o, "BlockedBy", json_string(in->blocked_by));
	if (in->health.enabled)
		json_object_set_new(o, "Health", health_json(in));
	return o;
}

static json_t *networks_json(const struct sup_instance *in)
{
	json_t *o = json_object();
	char ip[16];

	if (in->plan.net.network)
		json_object_set_new(
		    o, in->plan.net.network,
		    json_pack("{s:s}", "IPAddress", in->ip ? net_ip_str(in->ip, ip) : ""));
	for (size_t i = 0; i < in->plan.n_more_nets; i++) {
		uint32_t a = i < SUP_MORE_IPS ? in->more_ip[i] : 0;
		json_object_set_new(o, in->plan.more_nets[i].network,
				    json_pack("{s:s}", "IPAddress", a ? net_ip_str(a, ip) : ""));
	}
	return o;
}

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();

	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* docker's Config.Labels of a compose container: the service's labels
 * (label_file's merged at load) and the ones compose puts on every
 * container, so a tool that reads them finds what it would under docker. */
static json_t *config_json(struct sup *s, struct sup_instance *in)
{
	const struct cfg_kvs *l = &in->svc->cfg->labels;
	json_t *labels = json_object();
	char num[16];

	for (size_t i = 0; i < l->n; i++)
		json_object_set_new(labels, l->v[i].key, json_string(l->v[i].value));
	snprintf(num, sizeof(num), "%d", in->replica);
	json_object_set_new(labels, "com.docker.compose.project", json_string(s->stack->project));
	json_object_set_new(labels, "com.docker.compose.service", json_string(in->svc->cfg->name));
	json_object_set_new(labels, "com.docker.compose.container-number", json_string(num));
	json_object_set_new(labels, "com.docker.compose.oneoff", json_string("False"));
	const char *image = cfg_service_image(in->svc->cfg);
	return json_pack(
	    "{s:o, s:s, s:o, s:o, s:s, s:s, s:s}", "Labels", labels, "Image", image ? image : "",
	    "Env", strv_json(in->plan.spec.env), "Cmd", strv_json(in->plan.spec.args), "WorkingDir",
	    in->plan.spec.cwd ? in->plan.spec.cwd : "", "User", in->plan.user ? in->plan.user : "",
	    "Hostname", in->plan.spec.hostname ? in->plan.spec.hostname : "");
}

/* docker's HostConfig: the OCI annotations docker hands its runtime (lxr
 * is the runtime, and keeps them for whoever reads them), the restart
 * policy and the network mode */
static json_t *host_config_json(const struct sup_instance *in)
{
	const struct cfg_service *svc = in->svc->cfg;
	const char *nm = svc->host.network_mode.v;
	json_t *a = json_object();

	for (size_t i = 0; i < svc->annotations.n; i++)
		json_object_set_new(a, svc->annotations.v[i].key,
				    json_string(svc->annotations.v[i].value));
	static const char *const restart[] = {"no", "always", "on-failure", "unless-stopped"};

	return json_pack("{s:o, s:{s:s, s:i}, s:s}", "Annotations", a, "RestartPolicy", "Name",
			 restart[svc->restart.policy], "MaximumRetryCount",
			 svc->restart.max_retries, "NetworkMode",
			 nm                     ? nm
			 : in->plan.net.network ? in->plan.net.network
						: "none");
}

/* docker's Mounts: what the service mounts (binds, volumes, tmpfs), not
 * the files lxr itself puts in (/etc/hosts, resolv.conf, hostname) */
static json_t *mounts_json(const struct sup_instance *in)
{
	const struct lxr_spec *sp = &in->plan.spec;
	size_t n = sp->n_mounts - in->plan.carrier_mounts;
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		const struct lxr_mount *m = &sp->mounts[i];
		bool tmpfs = m->type && !strcmp(m->type, "tmpfs");
		if (!tmpfs && (!m->type || strcmp(m->type, "bind")))
			continue;
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b}", "Type",
						   tmpfs       ? "tmpfs"
						   : m->volume ? "volume"
							       : "bind",
						   "Source",
						   tmpfs       ? ""
						   : m->source ? m->source
							       : "",
						   "Destination", m->destination, "RW",
						   !(m->flags & MS_RDONLY)));
	}
	return a;
}

/* docker's NetworkSettings: the first network's address, every network's,
 * and the published ports as {"80/tcp": [{"HostIp", "HostPort"}]} */
static json_t *network_settings_json(const struct sup_instance *in, char *const *ports)
{
	json_t *nets = networks_json(in), *pm = json_object();
	char ip[16];

	for (size_t i = 0; ports && ports[i]; i++) {
		struct sup_port_mapping m;
		if (!sup_port_mapping(ports[i], &m))
			continue;
		/* a range is docker's one key a port */
		for (unsigned c = m.c1; c <= m.c2 && c - m.c1 <= m.h2 - m.h1; c++) {
			char key[24], hp[12], host[64];
			snprintf(key, sizeof(key), "%u/%s", c, m.proto);
			snprintf(hp, sizeof(hp), "%u", m.h1 + (c - m.c1));
			snprintf(host, sizeof(host), "%.*s", m.ip_len, ports[i]);
			if (!json_object_get(pm, key))
				json_object_set_new(pm, key, json_array());
			json_array_append_new(
			    json_object_get(pm, key),
			    json_pack("{s:s, s:s}", "HostIp", host, "HostPort", hp));
		}
	}
	return json_pack("{s:s, s:o, s:o}", "IPAddress", in->ip ? net_ip_str(in->ip, ip) : "",
			 "Networks", nets, "Ports", pm);
}

json_t *sup_inspect_json(struct sup *s, struct sup_instance *in)
{
	_cleanup_free_ char *plan = plan_instance_text(&in->plan, false);
	_cleanup_strv_ char **ports = sup_net_ports(in);
	json_t *o = json_object(), *p = json_array();

	for (size_t i = 0; ports && ports[i]; i++)
		json_array_append_new(p, json_string(ports[i]));
	/* lxr's container id is its name */
	json_object_set_new(o, "Id", json_string(in->name));
	json_object_set_new(o, "Name", json_string(in->name));
	json_object_set_new(o, "Created", time_json(in->created_at * 1000000000LL));
	json_object_set_new(
	    o, "Path",
	    json_string(in->plan.spec.args && in->plan.spec.args[0] ? in->plan.spec.args[0] : ""));
	json_object_set_new(
	    o, "Args",
	    strv_json(in->plan.spec.args && in->plan.spec.args[0] ? in->plan.spec.args + 1 : NULL));
	json_object_set_new(o, "Service", json_string(in->svc->cfg->name));
	json_object_set_new(o, "Project", json_string(s->stack->project));
	json_object_set_new(o, "State", state_json(in));
	json_object_set_new(
	    o, "Image",
	    json_string(cfg_service_image(in->svc->cfg) ? cfg_service_image(in->svc->cfg) : ""));
	json_object_set_new(o, "Config", config_json(s, in));
	json_object_set_new(o, "HostConfig", host_config_json(in));
	json_object_set_new(o, "Mounts", mounts_json(in));
	json_object_set_new(o, "NetworkSettings", network_settings_json(in, ports));
	json_object_set_new(o, "Ports", p);
	json_object_set_new(o, "Networks", networks_json(in));
	json_object_set_new(o, "Plan", plan ? json_loads(plan, 0, NULL) : json_null());
	{
		/* the service's last rolling update (update.c) */
		json_t *u = sup_update_json(in);
		if (u)
			json_object_set_new(o, "Update", u);
	}
	return o;
}
