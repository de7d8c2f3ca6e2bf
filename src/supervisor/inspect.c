/* lxr inspect: an instance as docker inspect shows a container, in docker's
 * words, types and zero values where docker has them (State.Status,
 * State.Health.Log, HostConfig.Memory in bytes, ...), so a script's
 * `jq .[0].State.Health.Status` or `-f '{{.NetworkSettings.Networks.bridge
 * .IPAddress}}'` reads the same; every value is what lxr runs (the plan,
 * the service and image it was made from, the endpoint the net layer
 * made), and a field lxr has nothing for has docker's zero value. Beside
 * them lxr's own: the plan (what `up --dry-run=plan` prints) as Plan. The
 * parts: inspect_config.c, inspect_host.c, inspect_net.c. */
#define _GNU_SOURCE
#include <string.h>
#include <time.h>

#include "lxr/net.h"
#include "lxr/supervisor.h"
#include "supervisor/inspect.h"

json_t *sup_insp_strv(char *const *v, bool empty_null)
{
	json_t *a;

	if (empty_null && (!v || !v[0]))
		return json_null();
	a = json_array();
	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

json_t *sup_insp_strs(const struct cfg_strs *v, bool empty_null)
{
	json_t *a;

	if (empty_null && !v->n)
		return json_null();
	a = json_array();
	for (size_t i = 0; i < v->n; i++)
		json_array_append_new(a, json_string(v->v[i].v));
	return a;
}

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

static bool service_mounts_at(const struct cfg_service *c, const char *dst)
{
	for (size_t i = 0; i < c->n_volumes; i++)
		if (!strcmp(c->volumes[i].target, dst))
			return true;
	return false;
}

/* The file on the host the container has as /etc/<file>: its network
 * endpoint's (bound by the carrier), the host's own (network_mode host),
 * or the one lxr writes in the container's directory; "" where it is
 * none of lxr's (a volume of the service's, another container's file
 * with network_mode container:) or not made yet (an endpoint to come) */
static json_t *etc_path_json(const struct sup_insp *x, const char *file)
{
	const struct plan_instance *p = &x->in->plan;
	const char *root = x->s->state_root ? x->s->state_root : x->s->run_dir;
	_cleanup_free_ char *dst = lxr_xasprintf("/etc/%s", file), *own = NULL;

	for (size_t i = p->spec.n_mounts; i-- > 0;) {
		const struct lxr_mount *m = &p->spec.mounts[i];
		if (strcmp(m->destination, dst))
			continue;
		if (m->source_ns || !m->source || service_mounts_at(x->cfg, dst))
			return json_string("");
		return json_string(m->source);
	}
	if (strcmp(file, "hostname") && (p->net.network || p->net_of.name))
		return json_string("");
	own = rt_etc_path(&p->spec, root, file);
	return json_string(own ? own : "");
}

/* LogPath: the file lxr writes the container's output to (its replica's
 * of its service: <service>.log, <service>@N.log; lxr run's, named after
 * the container); none with the none driver */
static json_t *log_path_json(const struct sup_insp *x)
{
	const char *d = x->cfg->logging.driver.v;

	if (d && !strcmp(d, "none"))
		return json_string("");
	if (x->s->log_name)
		return json_sprintf("%s/%s.log", x->s->log_dir, x->s->log_name);
	if (x->in->replica > 1)
		return json_sprintf("%s/%s@%d.log", x->s->log_dir, x->cfg->name, x->in->replica);
	return json_sprintf("%s/%s.log", x->s->log_dir, x->cfg->name);
}

char *sup_docker_name(const struct sup *s, const struct sup_instance *in,
		      const struct cfg_service *cfg)
{
	if (s->docker_run || cfg->host.container_name.v ||
	    !strcmp(s->stack->project, NET_RUN_PROJECT))
		return lxr_xstrdup(in->name);
	return lxr_xasprintf("%s-%s", s->stack->project, in->name);
}

/* Id ... ExecIDs: docker's top of the record */
static void top_json(const struct sup_insp *x, json_t *o)
{
	const struct sup_instance *in = x->in;
	char *const *args = in->plan.spec.args;

	/* lxr's container id is its name */
	json_object_set_new(o, "Id", json_string(in->name));
	json_object_set_new(o, "Created", time_json(in->created_at * 1000000000LL));
	json_object_set_new(o, "Path", json_string(args && args[0] ? args[0] : ""));
	json_object_set_new(o, "Args", sup_insp_strv(args && args[0] ? args + 1 : NULL, false));
	json_object_set_new(o, "State", state_json(in));
	/* docker's image ID; a root filesystem directory has none */
	json_object_set_new(o, "Image", json_string(x->img ? x->img->config_digest : ""));
	json_object_set_new(o, "ResolvConfPath", etc_path_json(x, "resolv.conf"));
	json_object_set_new(o, "HostnamePath", etc_path_json(x, "hostname"));
	json_object_set_new(o, "HostsPath", etc_path_json(x, "hosts"));
	json_object_set_new(o, "LogPath", log_path_json(x));
	/* docker's: "/" and the name docker gives it */
	{
		_cleanup_free_ char *name = sup_docker_name(x->s, in, x->cfg);
		json_object_set_new(o, "Name", json_sprintf("/%s", name));
	}
	json_object_set_new(o, "RestartCount", json_integer(in->fsm.restarts));
	/* the root is an overlay mount of the image's layers */
	json_object_set_new(o, "Driver", json_string("overlay"));
	json_object_set_new(o, "Platform", json_string("linux"));
	/* lxr applies no SELinux or AppArmor labels */
	json_object_set_new(o, "MountLabel", json_string(""));
	json_object_set_new(o, "ProcessLabel", json_string(""));
	json_object_set_new(o, "AppArmorProfile", json_string(""));
	json_object_set_new(o, "ExecIDs", json_null());
}

json_t *sup_inspect_json(struct sup *s, struct sup_instance *in)
{
	_cleanup_free_ char *plan = plan_instance_text(&in->plan, false);
	_cleanup_strv_ char **ports = sup_net_ports(in);
	bool prev = in->on_prev && in->svc->prev_cfg;
	struct sup_insp x = {
	    .s = s,
	    .in = in,
	    .st = in->run_cfg                   ? in->run_stack
		  : prev && in->svc->prev_stack ? in->svc->prev_stack
						: s->stack,
	    .cfg = in->run_cfg ? in->run_cfg
		   : prev      ? in->svc->prev_cfg
			       : in->svc->cfg,
	    .img = in->run_cfg ? in->run_img
		   : prev      ? in->svc->prev_img
			       : in->svc->img,
	    .run = s->docker_run,
	};
	json_t *o = json_object(), *net = sup_inspect_net(&x, ports);

	top_json(&x, o);
	json_object_set_new(o, "HostConfig", sup_inspect_host_config(&x));
	json_object_set_new(o, "Mounts", sup_inspect_mounts(&x));
	json_object_set_new(o, "Config", sup_inspect_config(&x));
	json_object_set_new(o, "NetworkSettings", net);
	/* lxr's own: its service and project, its ports as `lxr ps` shows
	 * them, its networks (NetworkSettings.Networks), its plan */
	json_object_set_new(o, "Service", json_string(in->svc->cfg->name));
	json_object_set_new(o, "Project", json_string(s->stack->project));
	json_object_set_new(o, "Ports", sup_insp_strv(ports, false));
	json_object_set(o, "Networks", json_object_get(net, "Networks"));
	json_object_set_new(o, "Plan", plan ? json_loads(plan, 0, NULL) : json_null());
	{
		/* the service's last rolling update (update.c) */
		json_t *u = sup_update_json(in);
		if (u)
			json_object_set_new(o, "Update", u);
	}
	return o;
}

/* ---- ps: an instance in lxr's own words (the control socket's ps, top,
 * stats; events' records of lxr run) ------------------------------------- */

static const char *health_of(const struct sup_instance *in)
{
	if (!in->health.enabled)
		return "";
	switch (in->fsm.state) {
	case SVC_HEALTHY: return "healthy";
	case SVC_UNHEALTHY: return "unhealthy";
	case SVC_RUNNING: return "starting";
	default: return "";
	}
}

json_t *sup_instance_json(const struct sup *s, const struct sup_instance *in)
{
	_cleanup_free_ char *name = sup_docker_name(s, in, in->svc->cfg);
	/* still running while it stops: its uptime goes on until it exits */
	bool running = svc_state_is_up(in->fsm.state) ||
		       (in->fsm.state == SVC_STOPPING && in->c && in->fsm.started_at);
	int64_t up = running ? (sup_now() - in->fsm.started_at) / 1000000 : 0;
	json_t *o = json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:I, s:i, s:i, s:b, s:I, s:[], s:[]}", "service",
	    in->svc->cfg->name, "instance", in->name, "name", name, "state",
	    in->blocked && in->fsm.state == SVC_CREATED ? "created"
	    : in->paused                                ? "paused"
							: svc_state_name(in->fsm.state),
	    "health", health_of(in), "pid", (json_int_t)(in->c ? rt_container_pid(in->c) : 0),
	    "restarts", in->fsm.restarts, "exit_code", in->fsm.last_exit, "oom_killed",
	    in->oom_killed, "uptime_s", (json_int_t)up, "addresses", "ports");
	if (in->ip) {
		char ip[16];
		json_array_append_new(json_object_get(o, "addresses"),
				      json_string(net_ip_str(in->ip, ip)));
	}
	/* published while it runs: an exited container's PORTS are empty,
	 * as docker's are */
	if (running) {
		_cleanup_strv_ char **ports = sup_net_ports(in);
		for (size_t i = 0; ports[i]; i++)
			json_array_append_new(json_object_get(o, "ports"), json_string(ports[i]));
	}
	if (in->blocked_by)
		json_object_set_new(o, "blocked_by", json_string(in->blocked_by));
	if (in->start_gated)
		json_object_set_new(o, "start_pending", json_true());
	/* down for now, a container of it to follow (a restart, a recreate,
	 * an update's): logs -f goes on */
	if (in->fsm.restart_after_stop || (in->doomed && in->replaced) ||
	    in->upd_step == UPD_STEP_STOPPING || in->upd_step == UPD_STEP_STARTING)
		json_object_set_new(o, "coming_back", json_true());
	json_object_set_new(o, "replica", json_integer(in->replica));
	{
		/* the service's labels: ps --filter label= */
		const struct cfg_kvs *l = &in->svc->cfg->labels;
		json_t *labels = json_object();
		for (size_t i = 0; i < l->n; i++)
			json_object_set_new(labels, l->v[i].key, json_string(l->v[i].value));
		json_object_set_new(o, "labels", labels);
	}
	/* compose's ps: the image as written (a stale one's own), command, times */
	const char *image = cfg_service_image(in->run_cfg                        ? in->run_cfg
					      : in->on_prev && in->svc->prev_cfg ? in->svc->prev_cfg
										 : in->svc->cfg);
	json_object_set_new(o, "image", json_string(image ? image : ""));
	{
		json_t *cmd = json_array();
		for (size_t i = 0; in->plan.spec.args && in->plan.spec.args[i]; i++)
			json_array_append_new(cmd, json_string(in->plan.spec.args[i]));
		json_object_set_new(o, "command", cmd);
	}
	json_object_set_new(o, "created", json_integer(in->created_at));
	json_object_set_new(o, "finished", json_integer(in->finished_at));
	/* the order they ended in, within a second (lxr wait) */
	json_object_set_new(o, "finished_ns", json_integer(in->finished_ns));
	if (in->held && in->fsm.state == SVC_CREATED)
		json_object_set_new(o, "held", json_true()); /* up --no-start: waits for start */
	if (in->has_error)
		json_object_set_new(o, "error", sup_err_json(&in->error));
	/* a stop or restart is over only once its hooks are */
	if (in->restart_wait) /* its restart waits for its dependencies' */
		json_object_set_new(o, "restart_pending", json_true());
	if (in->hooks.phase != SUP_HOOK_NONE)
		json_object_set_new(o, "hook",
				    json_string(in->hooks.phase == SUP_HOOK_POST_START
						    ? "post_start"
						    : "pre_stop"));
	if (in->health.enabled && in->health.last_output && in->health.last_output[0])
		json_object_set_new(o, "health_output", json_string(in->health.last_output));
	{
		json_t *u = sup_update_json(in); /* a rolling update's state */
		if (u)
			json_object_set_new(o, "update", u);
	}
	return o;
}
