/* One service instance -> its whole plan: the container spec
 * (plan_instance_fill), capabilities and the syscall filter for it, the
 * endpoint on its network (endpoints.c), the host directories to make
 * first, its restart policy, its health check (the service's, else the
 * image's) and its stop grace. The one author of what runs, for a stack's instances and for
 * `lxr run` alike; no syscalls: the host comes in as plan_host. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "config/text.h"
#include "lxr/plan.h"

/* docker's restart backoff: 100 ms doubling to 1 min, reset after 10 s up */
#define BACKOFF_FIRST_US 100000
#define BACKOFF_MAX_US   60000000
#define BACKOFF_RESET_US 10000000

static void restart_of(const struct cfg_service *c, struct plan_restart *p)
{
	static const enum plan_restart_mode map[] = {
	    [CFG_RESTART_NO] = PLAN_RESTART_NO,
	    [CFG_RESTART_ALWAYS] = PLAN_RESTART_ALWAYS,
	    [CFG_RESTART_ON_FAILURE] = PLAN_RESTART_ON_FAILURE,
	    [CFG_RESTART_UNLESS_STOPPED] = PLAN_RESTART_UNLESS_STOPPED,
	};
	*p = (struct plan_restart){.mode = map[c->restart.policy],
				   .max_attempts = c->restart.max_retries,
				   .delay_first_us = BACKOFF_FIRST_US,
				   .delay_max_us = BACKOFF_MAX_US,
				   .reset_after_us = BACKOFF_RESET_US};
	/* deploy.restart_policy (swarm's meaning): a fixed delay between
	 * attempts, and a window after which a restart counts as good */
	if (c->restart.delay_us > 0) {
		p->delay_first_us = c->restart.delay_us;
		p->delay_fixed = true;
	}
	if (c->restart.window_us > 0) {
		p->reset_after_us = c->restart.window_us;
		p->window = true;
	}
	/* x-lxr: lxr's own tuning */
	if (c->x_lxr.backoff_initial_us.set)
		p->delay_first_us = c->x_lxr.backoff_initial_us.v;
	if (c->x_lxr.backoff_max_us.set)
		p->delay_max_us = c->x_lxr.backoff_max_us.v;
	if (c->x_lxr.backoff_reset_us.set) { /* lxr's own: the count too */
		p->reset_after_us = c->x_lxr.backoff_reset_us.v;
		p->window = true;
	}
	p->on_unhealthy = c->x_lxr.restart_on_unhealthy.set && c->x_lxr.restart_on_unhealthy.v;
}

static void health_argv(struct plan_health *h, bool shell, const char *const *v, size_t n)
{
	/* CMD-SHELL: docker's `sh -c` before the test, whatever follows the
	 * command becoming the shell's $0, $1... */
	if (shell) {
		lxr_strv_push(&h->argv, lxr_xstrdup("/bin/sh"));
		lxr_strv_push(&h->argv, lxr_xstrdup("-c"));
	}
	for (size_t i = 0; i < n; i++)
		lxr_strv_push(&h->argv, lxr_xstrdup(v[i]));
}

/* The image's HEALTHCHECK timings (none: no image, or none it sets), with
 * docker's defaults where the image leaves a value out. */
static void image_timings(const struct plan_image *img, struct plan_health *h)
{
	h->interval_us =
	    img && img->health_interval_ns > 0 ? img->health_interval_ns / 1000 : 30000000;
	h->timeout_us =
	    img && img->health_timeout_ns > 0 ? img->health_timeout_ns / 1000 : 30000000;
	h->start_period_us =
	    img && img->health_start_period_ns > 0 ? img->health_start_period_ns / 1000 : 0;
	h->start_interval_us = 5000000;
	h->retries = img && img->health_retries > 0 ? img->health_retries : 3;
}

/* The timings the file gives, over those (compose's and docker's merge: a
 * timing left out, or 0, is the image's) */
static void file_timings(const struct cfg_health *hc, struct plan_health *h)
{
	if (hc->set & CFG_HC_INTERVAL)
		h->interval_us = hc->interval_us;
	if (hc->set & CFG_HC_TIMEOUT)
		h->timeout_us = hc->timeout_us;
	if (hc->set & CFG_HC_START_PERIOD)
		h->start_period_us = hc->start_period_us;
	if (hc->set & CFG_HC_START_INTERVAL)
		h->start_interval_us = hc->start_interval_us;
	if (hc->set & CFG_HC_RETRIES)
		h->retries = hc->retries;
}

/* The image's HEALTHCHECK, for a service that sets none (compose), with
 * docker's defaults where the image leaves a value out. */
static void health_of_image(const struct plan_image *img, struct plan_health *h)
{
	char *const *t = img ? img->health_test : NULL;

	if (!t || !t[0] || !t[1] || (strcmp(t[0], "CMD") && strcmp(t[0], "CMD-SHELL")))
		return;
	h->enabled = true;
	health_argv(h, !strcmp(t[0], "CMD-SHELL"), (const char *const *)t + 1,
		    lxr_strv_len((char **)t + 1));
	image_timings(img, h);
}

static int health_of(const struct cfg_service *c, const struct plan_image *img,
		     struct plan_health *h, lxr_err *err)
{
	const struct cfg_health *hc = &c->healthcheck;
	_cleanup_free_ const char **test = NULL;

	memset(h, 0, sizeof(*h));
	if (hc->kind == CFG_HEALTH_UNSET || hc->kind == CFG_HEALTH_INHERIT)
		health_of_image(img, h);
	if (hc->kind == CFG_HEALTH_INHERIT) {
		/* timings only: the image's test, the file's timings over
		 * the image's */
		file_timings(hc, h);
		return 0;
	}
	if (hc->kind != CFG_HEALTH_CMD && hc->kind != CFG_HEALTH_SHELL)
		return 0;
	if (hc->test.n == 0)
		return lxr_fail(err, EINVAL, "service \"%s\": healthcheck has no test", c->name);
	test = lxr_xcalloc(hc->test.n, sizeof(*test));
	for (size_t i = 0; i < hc->test.n; i++)
		test[i] = hc->test.v[i].v;
	h->enabled = true;
	health_argv(h, hc->kind == CFG_HEALTH_SHELL, test, hc->test.n);
	/* its own test, with the file's timings over the image's */
	image_timings(img, h);
	file_timings(hc, h);
	return 0;
}

static int caps_mask(char *const *names, const char *key, uint64_t *mask, bool *all, lxr_err *err)
{
	*mask = 0;
	*all = false;
	for (; names && *names; names++) {
		int c;

		if (!strcasecmp(*names, "ALL")) {
			*all = true;
			continue;
		}
		c = cfg_cap_number(*names);
		if (c < 0 || c > 63)
			return lxr_fail(err, EINVAL, "%s: unknown capability \"%s\"", key, *names);
		*mask |= 1ULL << c;
	}
	return 0;
}

/* moby's TweakCapabilities (oci/caps/utils.go), case by case:
 *  - no adds and no drops: the sets stay as they are;
 *  - ALL in adds: every capability the kernel has, minus the drops;
 *  - ALL in drops: only the adds;
 *  - otherwise: the drops leave the current set first, then the adds join,
 *    so "--cap-add X --cap-drop X" keeps X.
 * The current bounding set is docker's "basics". The result goes into the
 * layout docker gives a root process (the runtime's rt_caps_for_user). */
int plan_caps_adjust(struct lxr_caps *caps, char *const *add, char *const *drop, uint64_t all,
		     lxr_err *err)
{
	uint64_t add_m, drop_m, set;
	bool add_all, drop_all;

	if (lxr_strv_len((char **)add) == 0 && lxr_strv_len((char **)drop) == 0)
		return 0;
	if (caps_mask(drop, "cap_drop", &drop_m, &drop_all, err) < 0 ||
	    caps_mask(add, "cap_add", &add_m, &add_all, err) < 0)
		return -1;
	if (all && (add_m & ~all))
		return lxr_fail(err, EINVAL,
				"cap_add: capability %d: this kernel (or lxr's own "
				"bounding set) does not have it",
				__builtin_ctzll(add_m & ~all));
	if (add_all)
		set = all & ~drop_m;
	else if (drop_all)
		set = add_m;
	else
		set = (caps->bounding & ~drop_m) | add_m;
	caps->bounding = caps->effective = caps->permitted = set;
	caps->inheritable = caps->ambient = 0;
	return 0;
}

static char **strs_vec(const struct cfg_strs *s)
{
	char **v = lxr_xcalloc(s->n + 1, sizeof(char *));

	for (size_t i = 0; i < s->n; i++)
		v[i] = s->v[i].v;
	return v;
}

/* docker's cap_add/cap_drop over the default set; a privileged container
 * has every capability, whatever they say. Then the filter, decided for
 * the final bounding set (security_opt). */
static int caps_and_filter(const struct cfg_service *c, const struct plan_host *host,
			   struct lxr_spec *spec, lxr_err *err)
{
	bool privileged = c->privileged.set && c->privileged.v;
	_cleanup_free_ char **add = strs_vec(&c->cap_add), **drop = strs_vec(&c->cap_drop);

	if (!privileged && plan_caps_adjust(&spec->caps, add, drop, host->all_caps, err) < 0)
		return -1;
	plan_security_apply(&c->security, privileged, host->kernel_release, spec);
	return 0;
}

static int image_stop_signal(const struct cfg_service *svc, const struct plan_image *img,
			     struct lxr_spec *spec, lxr_err *err)
{
	int sig;

	if (svc->stop_signal.set || !img || !img->stop_signal)
		return 0;
	if (cfg_parse_signal(img->stop_signal, &sig) < 0)
		return lxr_fail(err, EINVAL, "image StopSignal \"%s\" is not a signal",
				img->stop_signal),
		       lxr_err_hint(err, "set `stop_signal:` on the service to override it");
	spec->stop_signal = sig;
	return 0;
}

/* docker's cgroup knobs beyond the limits (the loader checked ranges):
 * memswap_limit (-1: unlimited swap), cpu_shares, cpu_quota/cpu_period,
 * each over what the limits set. */
static void tunables(const struct cfg_service *svc, struct lxr_spec *spec)
{
	const struct cfg_svc_tune *t = &svc->tune;
	struct lxr_resources *r = &spec->resources;

	if (t->memswap_limit.set)
		r->memory_swap = t->memswap_limit.v;
	/* cpuset (checked against the host's online CPUs: rt_plan_host),
	 * mem_swappiness, oom_kill_disable */
	if (t->cpuset.v && *t->cpuset.v)
		r->cpuset_cpus = lxr_xstrdup(t->cpuset.v);
	if (t->mem_swappiness.set) {
		r->has_swappiness = true;
		r->swappiness = (int)t->mem_swappiness.v;
	}
	r->oom_kill_disable = t->oom_kill_disable.set && t->oom_kill_disable.v;
	if (t->cpu_shares.set && t->cpu_shares.v > 0)
		r->cpu_shares = (uint64_t)t->cpu_shares.v;
	if (t->cpu_period.set && t->cpu_period.v > 0)
		r->cpu_period = (uint64_t)t->cpu_period.v;
	if (t->cpu_quota.set && t->cpu_quota.v > 0) {
		r->cpu_quota = (uint64_t)t->cpu_quota.v;
		if (!r->cpu_period)
			r->cpu_period = 100000;
	}
	/* compose's tty and stdin_open: a terminal (the supervisor reads
	 * its output) and a stdin that stays open */
	spec->terminal = t->tty.set && t->tty.v;
	spec->open_stdin = t->stdin_open.set && t->stdin_open.v;
	if (t->oom_score_adj.set) {
		spec->has_oom_score_adj = true;
		spec->oom_score_adj = (int)t->oom_score_adj.v;
	}
	if (svc->host.domainname.v && *svc->host.domainname.v)
		spec->domainname = lxr_xstrdup(svc->host.domainname.v);
	/* docker's /dev/shm is 64m; shm_size replaces it with its own size */
	if (t->shm_size.set && t->shm_size.v > 0) {
		_cleanup_free_ char *data =
		    lxr_xasprintf("mode=1777,size=%lld", (long long)t->shm_size.v);
		plan_spec_add_mount(spec, "/dev/shm", "tmpfs", "shm",
				    MS_NOSUID | MS_NOEXEC | MS_NODEV, data);
	}
}

static const struct cfg_file_obj *file_obj(const struct cfg_file_obj *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

/* docker's ids in a secret's long syntax: numbers (the loader checked) */
static unsigned id_of(const struct cfg_str *v)
{
	return v->v ? (unsigned)strtoul(v->v, NULL, 10) : 0;
}

/* What a secret or config holds when lxr has it (not a file): the
 * variable's value at load, or the inline content. */
static int material(const struct cfg_file_obj *o, const char *what, const char **out, lxr_err *err)
{
	if (o->external.set && o->external.v)
		return lxr_fail(err, ENOTSUP,
				"%s:%d:%d: %s \"%s\" is external: a swarm %s, and lxr has no store "
				"of them",
				o->external.pos.file ? o->external.pos.file : "?",
				o->external.pos.line, o->external.pos.col, what, o->name, what),
		       lxr_err_hint(err,
				    "give it `file:` or `environment:`%s, as compose does "
				    "without swarm",
				    strcmp(what, "config") ? "" : " or `content:`");
	if (o->environment.v && !o->env_value)
		return lxr_fail(err, ENOENT,
				"%s:%d:%d: %s \"%s\": environment variable %s is not set",
				o->environment.pos.file ? o->environment.pos.file : "?",
				o->environment.pos.line, o->environment.pos.col, what, o->name,
				o->environment.v),
		       lxr_err_hint(err, "set it in the environment of `lxr up` (or in .env)");
	*out = o->environment.v ? o->env_value : o->content.v ? o->content.v : "";
	return 0;
}

/* secrets and configs, mounted read-only at /run/secrets/NAME (a secret),
 * /NAME (a config) or the target, as compose does without swarm. A file
 * source is bind-mounted as it is (its owner and mode stay its own, as
 * compose leaves them); an environment or inline one is written by the
 * carrier first (plan_file), owned uid:gid with mode (0444 by default),
 * which is how compose gives it to the container. */
static int files_of(const struct cfg_stack *st, const struct cfg_service *svc, bool config,
		    const char *instance, struct plan_instance *p, lxr_err *err)
{
	const struct cfg_svc_file_ref *refs = config ? svc->configs : svc->secrets;
	size_t n = config ? svc->n_configs : svc->n_secrets;
	const char *what = config ? "config" : "secret";

	for (size_t i = 0; i < n; i++) {
		const char *src = refs[i].source.v, *t = refs[i].target.v, *text = NULL;
		const struct cfg_file_obj *o =
		    file_obj(config ? st->configs : st->secrets,
			     config ? st->n_configs : st->n_secrets, src);
		_cleanup_free_ char *target = NULL;
		struct plan_file *f;

		if (!o)
			return lxr_fail(err, ENOENT, "%s \"%s\" is not declared", what, src);
		if (t && t[0] == '/')
			target = lxr_xstrdup(t);
		else
			target = lxr_xasprintf(config ? "/%s" : "/run/secrets/%s", t ? t : src);
		if (o->file.v) {
			plan_spec_add_mount(&p->spec, target, "bind", o->file.v,
					    MS_BIND | MS_RDONLY, NULL);
			continue;
		}
		if (material(o, what, &text, err) < 0)
			return -1;
		p->files = lxr_xrealloc(p->files, (p->n_files + 1) * sizeof(*p->files));
		f = &p->files[p->n_files++];
		f->path = lxr_xasprintf("%s/%s/+files/%s/%ss/%zu-%s", lxr_run_dir(), st->project,
					instance, what, i, src);
		f->content = lxr_xstrdup(text);
		f->uid = id_of(&refs[i].uid);
		f->gid = id_of(&refs[i].gid);
		f->mode = refs[i].mode.set ? (mode_t)refs[i].mode.v : 0444;
		plan_spec_add_mount(&p->spec, target, "bind", f->path,
				    MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
		/* owned uid:gid as the container numbers them */
		p->spec.mounts[p->spec.n_mounts - 1].idmap = true;
	}
	return 0;
}

/* volumes_from's too: the service it takes them from made them first,
 * unless that one does not run (replicas: 0) */
static void host_dirs_of(const struct cfg_stack *st, const struct cfg_service *svc, char ***out)
{
	_cleanup_free_ struct plan_mount_ref *refs = NULL;
	size_t n = plan_service_mounts(st, svc, &refs);

	for (size_t i = 0; i < n; i++) {
		const struct cfg_mount *m = refs[i].m;
		if (m->type == CFG_MOUNT_BIND && m->create_host_path)
			lxr_strv_push(out, lxr_xstrdup(m->source));
	}
}

static void hooks_of(const struct cfg_hook *v, size_t n, struct plan_hook **out, size_t *n_out)
{
	*out = n ? lxr_xcalloc(n, sizeof(**out)) : NULL;
	*n_out = n;
	for (size_t i = 0; i < n; i++) {
		struct plan_hook *h = &(*out)[i];
		h->argv = plan_strs(&v[i].command.argv);
		h->user = v[i].user.v ? lxr_xstrdup(v[i].user.v) : NULL;
		h->cwd = v[i].working_dir.v ? lxr_xstrdup(v[i].working_dir.v) : NULL;
		h->privileged = v[i].privileged.v;
		/* a pass-through name unset where lxr runs: not set */
		for (size_t k = 0; k < v[i].environment.n; k++)
			if (v[i].environment.v[k].value)
				lxr_strv_push(&h->env,
					      lxr_xasprintf("%s=%s", v[i].environment.v[k].key,
							    v[i].environment.v[k].value));
	}
}

static void hooks_free(struct plan_hook *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		lxr_strv_free(v[i].argv);
		lxr_strv_free(v[i].env);
		free(v[i].user);
		free(v[i].cwd);
	}
	free(v);
}

int plan_instance_build(const struct cfg_stack *st, const struct cfg_service *svc, int replica,
			const struct plan_image *img, const struct plan_host *host,
			struct plan_instance *out, lxr_err *err)
{
	_cleanup_free_ char *name = plan_container_name(svc, replica);

	return plan_instance_build_as(st, svc, replica, name, img, host, out, err);
}

int plan_instance_build_as(const struct cfg_stack *st, const struct cfg_service *svc, int replica,
			   const char *name, const struct plan_image *img,
			   const struct plan_host *host, struct plan_instance *out, lxr_err *err)
{
	const char *user =
	    svc->user.v ? svc->user.v : (img && img->user && *img->user ? img->user : NULL);

	out->name = lxr_xstrdup(name);
	if (plan_instance_fill_as(st, svc, name, img, host, &out->spec, err) < 0 ||
	    image_stop_signal(svc, img, &out->spec, err) < 0 ||
	    caps_and_filter(svc, host, &out->spec, err) < 0 ||
	    files_of(st, svc, false, out->name, out, err) < 0 ||
	    files_of(st, svc, true, out->name, out, err) < 0 ||
	    health_of(svc, img, &out->health, err) < 0)
		return lxr_err_wrap(err, "service \"%s\"", svc->name);
	tunables(svc, &out->spec);
	plan_host_network(svc, &out->spec);
	plan_namespaces_of(st, svc, out);
	/* an image's files belong to the host's ids, which a user namespace
	 * maps to nobody (lxr shifts only the container's own layers) */
	for (size_t i = 0; out->spec.userns.mode != LXR_USERNS_HOST && i < svc->n_volumes; i++)
		if (svc->volumes[i].type == CFG_MOUNT_IMAGE)
			return lxr_fail(err, ENOTSUP,
					"service \"%s\": the image volume at %s in a container "
					"with a user namespace",
					svc->name, svc->volumes[i].target),
			       lxr_err_hint(err, "userns_mode: host for this service");
	out->user = lxr_xstrdup(user);
	out->group_add = plan_strs(&svc->tune.group_add);
	for (size_t i = 0; host && host->cdi && i < host->cdi->n_gids; i++)
		lxr_strv_push(&out->group_add, lxr_xasprintf("%u", host->cdi->gids[i]));
	plan_endpoints_of(st, svc, replica, out->name, out);
	host_dirs_of(st, svc, &out->host_dirs);
	restart_of(svc, &out->restart);
	out->stop_grace_us = svc->stop_grace_period.v;
	hooks_of(svc->post_start, svc->n_post_start, &out->post_start, &out->n_post_start);
	hooks_of(svc->pre_stop, svc->n_pre_stop, &out->pre_stop, &out->n_pre_stop);
	return 0;
}

void plan_instance_free(struct plan_instance *p)
{
	free(p->name);
	plan_spec_free(&p->spec);
	free(p->user);
	lxr_strv_free(p->group_add);
	plan_endpoint_free(&p->net);
	for (size_t i = 0; i < p->n_more_nets; i++)
		plan_endpoint_free(&p->more_nets[i]);
	free(p->more_nets);
	lxr_strv_free(p->host_dirs);
	for (size_t i = 0; i < p->n_files; i++) {
		explicit_bzero(p->files[i].content, strlen(p->files[i].content));
		free(p->files[i].content);
		free(p->files[i].path);
	}
	free(p->files);
	plan_ns_join_free(&p->net_of);
	plan_ns_join_free(&p->pid_of);
	plan_ns_join_free(&p->ipc_of);
	lxr_strv_free(p->health.argv);
	hooks_free(p->post_start, p->n_post_start);
	hooks_free(p->pre_stop, p->n_pre_stop);
	for (size_t i = 0; i < p->n_img_holds; i++)
		close(p->img_holds[i]);
	free(p->img_holds);
	memset(p, 0, sizeof(*p));
}
