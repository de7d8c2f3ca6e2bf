/* Running a build: each needed stage's instructions in order, layers in
 * the work directory, the result handed to lxr-image to store. */
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

int bldx_fail(lxr_err *err, const struct df_file *f, const struct df_instr *in, const char *fmt,
	      ...)
{
	char what[LXR_ERR_MSG_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	/* an error this one wraps (its message inside) keeps its errno; a
	 * new one has none */
	bool wraps = err->msg[0] && strstr(what, err->msg);
	int errnum = wraps ? err->errnum : 0;
	char hint[LXR_ERR_HINT_MAX] = "";
	if (wraps)
		snprintf(hint, sizeof(hint), "%s", err->hint);
	lxr_fail(err, errnum, "%s:%d:%d: %s", f->name, in->line, in->col, what);
	if (*hint)
		lxr_err_hint(err, "%s", hint);
	return -1;
}

const char *bldx_flag(const struct df_instr *in, const char *name)
{
	for (size_t i = 0; i < in->n_flags; i++)
		if (!strcmp(in->flags[i].name, name))
			return in->flags[i].value ? in->flags[i].value : "true";
	return NULL;
}

/* topmost first: what overlayfs and the runtime take */
char **bldx_lowers(const struct bldx_stage *s)
{
	char **v = lxr_xcalloc(1, sizeof(char *));

	for (size_t i = lxr_strv_len(s->new_layers); i > 0; i--)
		lxr_strv_push(&v, lxr_xstrdup(s->new_layers[i - 1]));
	for (size_t i = 0; s->base_layers && s->base_layers[i]; i++)
		lxr_strv_push(&v, lxr_xstrdup(s->base_layers[i]));
	return v;
}

void bldx_stage_free(struct bldx_stage *s)
{
	free(s->base);
	lxr_strv_free(s->base_layers);
	lxr_strv_free(s->new_layers);
	lxr_strv_free(s->triggers);
	bld_config_free(&s->cfg);
	*s = (struct bldx_stage){0};
}

static void copy_config(struct bld_config *to, const struct bld_config *from)
{
	bld_config_init(to, &from->img);
	to->img.healthcheck = from->img.healthcheck;
	to->img.healthcheck.test =
	    from->img.healthcheck.test ? lxr_strv_dup(from->img.healthcheck.test) : NULL;
	to->labels = from->labels ? lxr_strv_dup(from->labels) : NULL;
	to->volumes = from->volumes ? lxr_strv_dup(from->volumes) : NULL;
	to->shell = from->shell ? lxr_strv_dup(from->shell) : NULL;
	to->onbuild = from->onbuild ? lxr_strv_dup(from->onbuild) : NULL;
	to->history = lxr_xcalloc(from->n_history + 1, sizeof(*to->history));
	for (size_t i = 0; i < from->n_history; i++)
		to->history[i] = (struct bld_history){lxr_xstrdup(from->history[i].created_by),
						      from->history[i].empty_layer};
	to->n_history = from->n_history;
}

void bldx_history(struct bld_config *c, const char *by, bool empty)
{
	c->history = lxr_xrealloc(c->history, (c->n_history + 1) * sizeof(*c->history));
	c->history[c->n_history++] = (struct bld_history){lxr_xstrdup(by), empty};
}

/* An image from the store (pulled when missing), held in use for the
 * build's lifetime so a prune cannot take it. */
int bldx_from_image(struct bldx_run *r, const char *ref, struct bldx_stage *s, lxr_err *err)
{
	struct img_image im = {0};

	if (img_ensure(r->o->store, ref, r->o->pull ? IMG_PULL_ALWAYS : IMG_PULL_MISSING, &im,
		       err) < 0)
		return lxr_err_wrap(err, "image %s", ref);
	if (r->n_use < 16 &&
	    img_use_acquire(r->o->store, &im, "lxr build", &r->use_fd[r->n_use], err) == 0)
		r->n_use++;
	s->base = lxr_xstrdup(im.manifest_digest);
	s->base_layers = lxr_strv_dup(im.layer_dirs);
	s->triggers = im.config.onbuild ? lxr_strv_dup(im.config.onbuild) : NULL;
	bld_config_init(&s->cfg, &im.config);
	img_image_free(&im);
	return 0;
}

static int do_from(struct bldx_run *r, size_t si, lxr_err *err)
{
	const struct bld_stage *bs = &r->o->plan->stages[si];
	struct bldx_stage *s = &r->st[si];

	if (bs->base_stage >= 0) {
		const struct bldx_stage *b = &r->st[bs->base_stage];
		s->base = b->base ? lxr_xstrdup(b->base) : NULL;
		s->base_layers = b->base_layers ? lxr_strv_dup(b->base_layers) : NULL;
		s->new_layers = b->new_layers ? lxr_strv_dup(b->new_layers) : NULL;
		copy_config(&s->cfg, &b->cfg);
		memcpy(s->key, b->key, sizeof(s->key));
		return 0;
	}
	if (!strcmp(bs->base, "scratch")) {
		bld_config_init(&s->cfg, NULL);
		bldx_key(s->key, "", "FROM scratch", NULL, NULL);
		return 0;
	}
	if (bldx_from_image(r, bs->base, s, err) < 0)
		return bldx_fail(err, r->o->f, &r->o->f->v[bs->first], "FROM %s: %s", bs->base,
				 err->msg);
	/* the image's manifest digest: a moved tag is another base */
	bldx_key(s->key, "", "FROM", NULL, s->base);
	return 0;
}

char *bldx_new_layer(struct bldx_run *r, lxr_err *err)
{
	char *d = lxr_xasprintf("%s/layers/%d", r->o->work, r->n_layers++);

	if (lxr_mkdir_p(d, 0755, err) < 0) {
		free(d);
		return NULL;
	}
	return d;
}

/* ---- the build ------------------------------------------------------------------ */

static int step(struct bldx_run *r, struct bldx_stage *s, const struct df_instr *in, lxr_err *err)
{
	int rc;

	switch (in->kind) {
	case DF_RUN: return bldx_run_step(r, s, in, err);
	case DF_COPY:
	case DF_ADD: return bldx_copy(r, s, in, err);
	default:
		rc = bld_config_apply(&s->cfg, r->o->f, in, r->o->build_args, r->o->plan->meta_args,
				      err);
		bldx_key(s->key, s->key, in->original, s->cfg.args, NULL);
		if (rc == 0 && in->kind == DF_WORKDIR)
			rc = bldx_workdir(r, s, err);
		return rc;
	}
}

/* docker: a build FROM an image with ONBUILD triggers runs them first,
 * in order, and the new image does not carry them on */
static int triggers(struct bldx_run *r, struct bldx_stage *s, const char *image, lxr_err *err)
{
	for (size_t i = 0; s->triggers && s->triggers[i]; i++) {
		_cleanup_free_ char *text = lxr_xasprintf("FROM scratch\n%s\n", s->triggers[i]);
		struct df_file f;
		int rc;

		if (df_parse(r->o->f->name, text, strlen(text), &f, err) < 0 || f.n != 2)
			return lxr_err_wrap(err, "ONBUILD trigger `%s` of %s", s->triggers[i],
					    image);
		rc = step(r, s, &f.v[1], err);
		df_file_free(&f);
		if (rc < 0)
			return lxr_err_wrap(err, "ONBUILD trigger `%s` of %s", s->triggers[i],
					    image);
	}
	return 0;
}

/* SIGINT, SIGTERM or SIGHUP while no RUN command runs (those go to the
 * command, rt_container_attach): the build stops before its next step and
 * removes what it made, rather than die with its work directory left */
static volatile sig_atomic_t stop_signal;

void bldx_on_stop(int sig)
{
	stop_signal = sig;
}

int bldx_stop_signal(void)
{
	return stop_signal;
}

static int stopped(lxr_err *err)
{
	if (!stop_signal)
		return 0;
	return lxr_fail(err, EINTR, "the build was interrupted (%s)", strsignal(stop_signal));
}

int bldx_do_stage(struct bldx_run *r, size_t si, lxr_err *err)
{
	const struct bld_stage *bs = &r->o->plan->stages[si];
	struct bldx_stage *s = &r->st[si];

	if (stopped(err) < 0 || do_from(r, si, err) < 0 || triggers(r, s, bs->base, err) < 0)
		return -1;
	for (size_t i = bs->first + 1; i < bs->end; i++)
		if (stopped(err) < 0 || step(r, s, &r->o->f->v[i], err) < 0)
			return -1;
	s->done = true;
	return 0;
}

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
	stop_signal = 0;
	for (size_t i = 0; i < 3; i++)
		sigaction(stops[i], &sa, &old[i]);
	r.st = lxr_xcalloc(o->plan->n, sizeof(*r.st));
	if (bldx_secrets_load(&r, err) < 0 || bldx_prebuild(&r, err) < 0)
		goto out;
	for (size_t i = 0; i <= o->plan->target; i++)
		if (o->plan->stages[i].needed && bldx_do_stage(&r, i, err) < 0)
			goto out;
	if (stopped(err) == 0)
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
