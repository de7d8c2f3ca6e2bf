/* lxr inspect's Config: the container's configuration as docker keeps it,
 * the service's settings merged with its image's the way the daemon merges
 * them (daemon/commit.go's merge), and what lxr runs: the plan's command,
 * environment, user and terminal. */
#define _GNU_SOURCE
#include <string.h>

#include "lxr/supervisor.h"
#include "supervisor/inspect.h"

static char **argv_of(const struct cfg_cmd *c)
{
	char **v;

	if (!c->set)
		return NULL;
	v = lxr_xcalloc(1, sizeof(char *));
	for (size_t i = 0; i < c->argv.n; i++)
		lxr_strv_push(&v, lxr_xstrdup(c->argv.v[i].v));
	return v;
}

static bool strv_eq(char *const *a, char *const *b)
{
	size_t i = 0;

	for (; a && b && a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return (!a || !a[i]) && (!b || !b[i]);
}

/* Entrypoint and Cmd: the plan's command taken apart where docker's merge
 * (plan_args, the one copy of the rule) joins the entrypoint, the service's
 * or else the image's (null: neither has one), and the command. A plan
 * made otherwise (a container kept on an earlier version of its service by
 * up --no-recreate) is all Cmd. */
static void command_json(const struct sup_insp *x, json_t **ep, json_t **cmd)
{
	char *const *args = x->in->plan.spec.args;
	const struct img_config *ic = x->img ? &x->img->config : NULL;
	_cleanup_strv_ char **uep = argv_of(&x->cfg->entrypoint);
	_cleanup_strv_ char **ucmd = argv_of(&x->cfg->command);
	_cleanup_strv_ char **whole =
	    plan_args(ic ? ic->entrypoint : NULL, ic ? ic->cmd : NULL, uep, ucmd);
	char *const *e = uep ? uep : ic ? ic->entrypoint : NULL;
	size_t n = e ? lxr_strv_len(e) : 0;

	if (!args || !strv_eq(whole, args)) {
		*ep = json_null();
		*cmd = sup_insp_strv(args, true);
		return;
	}
	*ep = e ? json_array() : json_null();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(*ep, json_string(args[i]));
	*cmd = sup_insp_strv(args + n, true);
}

/* A duration of the health check in nanoseconds: the file's, else the
 * image's (docker's merge); 0, left out, is docker's default */
static void health_time(json_t *o, const char *key, bool file, int64_t us, int64_t img_ns)
{
	int64_t ns = file ? us * 1000 : img_ns;

	if (ns > 0)
		json_object_set_new(o, key, json_integer(ns));
}

/* Healthcheck as docker merges the service's with the image's: its test
 * (["CMD", ...], ["CMD-SHELL", "..."], ["NONE"]), else the image's; each
 * timing the file gives, else the image's; none at all: left out */
static json_t *healthcheck_json(const struct sup_insp *x)
{
	const struct cfg_health *h = &x->cfg->healthcheck;
	const struct img_healthcheck *ih =
	    x->img && x->img->config.healthcheck.present ? &x->img->config.healthcheck : NULL;
	json_t *o = json_object(), *test;
	int retries;

	if (h->kind == CFG_HEALTH_CMD || h->kind == CFG_HEALTH_SHELL) {
		json_t *argv = sup_insp_strs(&h->test, false);
		test = json_pack("[s]", h->kind == CFG_HEALTH_CMD ? "CMD" : "CMD-SHELL");
		json_array_extend(test, argv);
		json_decref(argv);
	} else if (h->kind == CFG_HEALTH_NONE) {
		test = json_pack("[s]", "NONE");
	} else if (ih && ih->test && ih->test[0]) {
		test = sup_insp_strv(ih->test, false);
	} else if (h->kind == CFG_HEALTH_UNSET) {
		json_decref(o);
		return NULL;
	} else {
		test = NULL;
	}
	if (test)
		json_object_set_new(o, "Test", test);
	if (h->kind == CFG_HEALTH_NONE)
		return o;
	health_time(o, "Interval", h->set & CFG_HC_INTERVAL, h->interval_us,
		    ih ? ih->interval_ns : 0);
	health_time(o, "Timeout", h->set & CFG_HC_TIMEOUT, h->timeout_us, ih ? ih->timeout_ns : 0);
	health_time(o, "StartPeriod", h->set & CFG_HC_START_PERIOD, h->start_period_us,
		    ih ? ih->start_period_ns : 0);
	health_time(o, "StartInterval", h->set & CFG_HC_START_INTERVAL, h->start_interval_us, 0);
	retries = h->set & CFG_HC_RETRIES ? h->retries : ih ? ih->retries : 0;
	if (retries > 0)
		json_object_set_new(o, "Retries", json_integer(retries));
	return o;
}

/* Labels: the service's; a stack's container also has the ones compose
 * puts on every container (a one-off's say so, and have no number) */
json_t *sup_inspect_labels(const struct sup_insp *x)
{
	const struct cfg_kvs *l = &x->cfg->labels;
	char *const *own = x->img ? x->img->config.labels : NULL;
	json_t *labels = json_object();
	char num[16];

	/* the image's, under the service's (docker merges them so) */
	for (size_t i = 0; own && own[i]; i++) {
		_cleanup_free_ char *k = lxr_xstrndup(own[i], strcspn(own[i], "="));
		json_object_set_new(labels, k, json_string(own[i] + strlen(k) + 1));
	}
	for (size_t i = 0; i < l->n; i++)
		json_object_set_new(labels, l->v[i].key, json_string(l->v[i].value));
	if (x->run)
		return labels;
	json_object_set_new(labels, "com.docker.compose.project",
			    json_string(x->s->stack->project));
	json_object_set_new(labels, "com.docker.compose.service", json_string(x->cfg->name));
	if (!x->s->log_name) {
		snprintf(num, sizeof(num), "%d", x->in->replica);
		json_object_set_new(labels, "com.docker.compose.container-number",
				    json_string(num));
	}
	json_object_set_new(labels, "com.docker.compose.oneoff",
			    json_string(x->s->log_name ? "True" : "False"));
	return labels;
}

/* Volumes: docker run's -v of a path alone (an anonymous volume) */
static json_t *volumes_json(const struct sup_insp *x)
{
	json_t *o = json_object();

	for (size_t i = 0; x->run && i < x->cfg->n_volumes; i++) {
		const struct cfg_mount *m = &x->cfg->volumes[i];
		if (m->type == CFG_MOUNT_VOLUME && !m->source)
			json_object_set_new(o, m->target, json_object());
	}
	if (!json_object_size(o)) {
		json_decref(o);
		return json_null();
	}
	return o;
}

/* StopSignal and StopTimeout: only where given, the signal by the service
 * or its image (docker's omitempty); the timeout in seconds */
static void stop_json(const struct sup_insp *x, json_t *o)
{
	const char *name = cfg_signal_name(x->in->plan.spec.stop_signal);

	if (name && (x->cfg->stop_signal.set || (x->img && x->img->config.stop_signal)))
		json_object_set_new(o, "StopSignal", json_string(name));
	if (x->cfg->stop_grace_period.set)
		json_object_set_new(o, "StopTimeout",
				    json_integer(x->in->plan.stop_grace_us / 1000000));
}

json_t *sup_inspect_config(const struct sup_insp *x)
{
	const struct lxr_spec *sp = &x->in->plan.spec;
	const char *image = cfg_service_image(x->cfg);
	json_t *o = json_object(), *ep, *cmd, *ports = sup_inspect_exposed(x), *health;

	command_json(x, &ep, &cmd);
	json_object_set_new(o, "Hostname", json_string(sp->hostname ? sp->hostname : ""));
	json_object_set_new(o, "Domainname", json_string(sp->domainname ? sp->domainname : ""));
	json_object_set_new(o, "User", json_string(x->in->plan.user ? x->in->plan.user : ""));
	/* nobody attaches to a supervised container's stdin; compose's
	 * containers have their output attached, docker run -d's not */
	json_object_set_new(o, "AttachStdin", json_false());
	json_object_set_new(o, "AttachStdout", json_boolean(!x->run));
	json_object_set_new(o, "AttachStderr", json_boolean(!x->run));
	if (json_object_size(ports))
		json_object_set(o, "ExposedPorts", ports);
	json_decref(ports);
	json_object_set_new(o, "Tty", json_boolean(sp->terminal));
	json_object_set_new(o, "OpenStdin", json_boolean(sp->open_stdin));
	json_object_set_new(o, "StdinOnce", json_false());
	json_object_set_new(o, "Env", sup_insp_strv(sp->env, false));
	json_object_set_new(o, "Cmd", cmd);
	if ((health = healthcheck_json(x)))
		json_object_set_new(o, "Healthcheck", health);
	json_object_set_new(o, "Image", json_string(image ? image : ""));
	json_object_set_new(o, "Volumes", volumes_json(x));
	json_object_set_new(o, "WorkingDir", json_string(sp->cwd ? sp->cwd : ""));
	json_object_set_new(o, "Entrypoint", ep);
	json_object_set_new(o, "Labels", sup_inspect_labels(x));
	stop_json(x, o);
	return o;
}
