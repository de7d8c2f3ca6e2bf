/* Running a build: the stages the target needs (independent ones first,
 * side by side: parallel.c), each built by stage_build.c, and the result
 * handed to lxr-image to store. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/build_internal.h"
#include "lxr/plan.h"
#include "lxr/runtime.h"

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();

	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *config_json(const struct bld_config *c, char *const *labels)
{
	json_t *o = json_object(), *l = json_object(), *p = json_object(), *vol = json_object();
	const struct img_config *im = &c->img;

	if (im->entrypoint)
		json_object_set_new(o, "Entrypoint", strv_json(im->entrypoint));
	if (im->cmd)
		json_object_set_new(o, "Cmd", strv_json(im->cmd));
	if (im->env)
		json_object_set_new(o, "Env", strv_json(im->env));
	if (im->workdir)
		json_object_set_new(o, "WorkingDir", json_string(im->workdir));
	if (im->user)
		json_object_set_new(o, "User", json_string(im->user));
	if (im->stop_signal)
		json_object_set_new(o, "StopSignal", json_string(im->stop_signal));
	for (size_t i = 0; im->exposed_ports && im->exposed_ports[i]; i++)
		json_object_set_new(p, im->exposed_ports[i], json_object());
	for (size_t i = 0; c->volumes && c->volumes[i]; i++)
		json_object_set_new(vol, c->volumes[i], json_object());
	for (char *const *v = c->labels; v && *v; v++) {
		_cleanup_free_ char *k = lxr_xstrndup(*v, strcspn(*v, "="));
		json_object_set_new(l, k, json_string(*v + strlen(k) + 1));
	}
	for (char *const *v = labels; v && *v; v++) {
		_cleanup_free_ char *k = lxr_xstrndup(*v, strcspn(*v, "="));
		json_object_set_new(l, k, json_string(*v + strlen(k) + 1));
	}
	json_object_set_new(o, "ExposedPorts", p);
	json_object_set_new(o, "Volumes", vol);
	json_object_set_new(o, "Labels", l);
	if (c->shell)
		json_object_set_new(o, "Shell", strv_json(c->shell));
	if (c->onbuild)
		json_object_set_new(o, "OnBuild", strv_json(c->onbuild));
	if (im->healthcheck.present) {
		json_t *h = json_pack("{s:o}", "Test", strv_json(im->healthcheck.test));
		if (im->healthcheck.interval_ns)
			json_object_set_new(h, "Interval",
					    json_integer(im->healthcheck.interval_ns));
		if (im->healthcheck.timeout_ns)
			json_object_set_new(h, "Timeout", json_integer(im->healthcheck.timeout_ns));
		if (im->healthcheck.start_period_ns)
			json_object_set_new(h, "StartPeriod",
					    json_integer(im->healthcheck.start_period_ns));
		if (im->healthcheck.retries)
			json_object_set_new(h, "Retries", json_integer(im->healthcheck.retries));
		json_object_set_new(o, "Healthcheck", h);
	}
	return o;
}

static bool dir_empty(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return false;
	bool e = lxr_dir_is_empty(fd);
	close(fd);
	return e;
}

static int commit(struct bldx_run *r, const struct bldx_stage *s, lxr_err *err)
{
	json_t *hist = json_array(), *d;
	_cleanup_free_ char *desc = lxr_xasprintf("%s/commit.json", r->o->work);
	const char *epoch = getenv("SOURCE_DATE_EPOCH");

	json_t *layers = json_array();
	size_t li = 0;

	/* a step that changed no file makes no layer (BuildKit's rule): two
	 * such would be one directory twice in overlayfs's lowerdir, which
	 * it refuses */
	for (size_t i = 0; i < s->cfg.n_history; i++) {
		json_t *h = json_pack("{s:s, s:s}", "created_by", s->cfg.history[i].created_by,
				      "comment", "lxr build");
		bool empty = s->cfg.history[i].empty_layer;
		if (!empty && s->new_layers && s->new_layers[li]) {
			const char *l = s->new_layers[li++];
			if (dir_empty(l))
				empty = true;
			else
				json_array_append_new(layers, json_string(l));
		}
		if (empty)
			json_object_set_new(h, "empty_layer", json_true());
		json_array_append_new(hist, h);
	}
	d = json_pack("{s:o, s:o, s:o, s:o, s:o}", "base",
		      s->base ? json_string(s->base) : json_null(), "layers", layers, "config",
		      config_json(&s->cfg, r->o->labels), "history", hist, "tags",
		      strv_json(r->o->tags));
	if (epoch && *epoch)
		json_object_set_new(d, "source_date_epoch", json_integer(strtoll(epoch, NULL, 10)));
	if (json_dump_file(d, desc, JSON_COMPACT) < 0) {
		json_decref(d);
		return lxr_fail(err, errno, "write %s", desc);
	}
	json_decref(d);
	return img_tool_commit(r->o->store, desc, err);
}

int bld_execute(const struct bld_opts *o, lxr_err *err)
{
	struct bldx_run r = {.o = o};
	_cleanup_free_ char *layers = lxr_xasprintf("%s/layers", o->work);
	int rc = -1;

	_cleanup_free_ char *tool = NULL;
	lxr_err e2;

	/* lxr-image is found through /proc/self/exe, which after the unshare
	 * below names the binary from outside a chroot lxr runs in (the exe
	 * is a mount of the old namespace): find it first, it is kept */
	(void)img_tool_path(&tool, &e2);
	/* COPY --from's views are mounts of this process's own */
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return lxr_fail(err, errno, "a private mount namespace for the build");
	if (lxr_mkdir_p(layers, 0755, err) < 0)
		return -1;
	static const int stops[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa = {.sa_handler = bldx_on_stop, .sa_flags = SA_RESTART}, old[3];
	sigemptyset(&sa.sa_mask);
	bldx_on_stop(0); /* none yet */
	for (size_t i = 0; i < 3; i++)
		sigaction(stops[i], &sa, &old[i]);
	r.st = lxr_xcalloc(o->plan->n, sizeof(*r.st));
	if (bldx_secrets_load(&r, err) < 0 || bldx_prebuild(&r, err) < 0)
		goto out;
	for (size_t i = 0; i <= o->plan->target; i++)
		if (o->plan->stages[i].needed && bldx_do_stage(&r, i, err) < 0)
			goto out;
	if (bldx_stopped(err) == 0)
		rc = commit(&r, &r.st[o->plan->target], err);
out:
	for (size_t i = 0; i < 3; i++)
		sigaction(stops[i], &old[i], NULL);
	bldx_secrets_free(&r);
	for (size_t i = 0; i < o->plan->n; i++)
		bldx_stage_free(&r.st[i]);
	free(r.st);
	for (int i = 0; i < r.n_use; i++)
		close(r.use_fd[i]);
	return rc;
}
