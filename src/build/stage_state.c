/* A stage being built, and what every step does with it: its layers (the
 * base image's and the new ones, as overlay lowers), its config and
 * history, what its filesystem has at a path, an instruction's flags and
 * errors, and the signal that stops the build between steps. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
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

void bldx_config_copy(struct bld_config *to, const struct bld_config *from)
{
	bld_config_init(to, &from->img);
	to->img.healthcheck = from->img.healthcheck;
	to->img.healthcheck.test =
	    from->img.healthcheck.test ? lxr_strv_dup(from->img.healthcheck.test) : NULL;
	to->labels = from->labels ? lxr_strv_dup(from->labels) : NULL;
	to->volumes = from->volumes ? lxr_strv_dup(from->volumes) : NULL;
	to->shell = from->shell ? lxr_strv_dup(from->shell) : NULL;
	to->onbuild = from->onbuild ? lxr_strv_dup(from->onbuild) : NULL;
	/* BuildKit's dispatch state starts with its base stage's build args:
	 * `FROM a` sees what a's ARGs set, in RUN and in substitution */
	to->args = from->args ? lxr_strv_dup(from->args) : NULL;
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

char *bldx_new_layer(struct bldx_run *r, lxr_err *err)
{
	char *d = lxr_xasprintf("%s/layers/%d", r->o->work, r->n_layers++);

	if (lxr_mkdir_p(d, 0755, err) < 0) {
		free(d);
		return NULL;
	}
	return d;
}

/* path cleaned, absolute, never above "/" */
char *bldx_clean_abs(const char *base, const char *p)
{
	_cleanup_free_ char *full =
	    p[0] == '/' ? lxr_xstrdup(p) : lxr_xasprintf("%s/%s", base ? base : "/", p);
	char *out = lxr_xmalloc(strlen(full) + 2);
	size_t k = 0;

	for (char *c = full; *c;) {
		char *e = strchr(c, '/');
		size_t len = e ? (size_t)(e - c) : strlen(c);
		if (len == 2 && c[0] == '.' && c[1] == '.') {
			while (k > 0 && out[k - 1] != '/')
				k--;
			if (k > 0)
				k--;
		} else if (len && !(len == 1 && c[0] == '.')) {
			out[k++] = '/';
			memcpy(out + k, c, len);
			k += len;
		}
		c += len + (e ? 1 : 0);
	}
	if (!k)
		out[k++] = '/';
	out[k] = '\0';
	return out;
}

/* What the stage's filesystem has at path (absolute, clean): the topmost
 * layer that has the name decides (a whiteout: nothing). */
bool bldx_stage_stat(const struct bldx_stage *s, const char *path, struct stat *st)
{
	_cleanup_strv_ char **lw = bldx_lowers(s);

	for (size_t i = 0; lw[i]; i++) {
		/* inside the layer: a link the image has never leads to the
		 * host's files */
		_cleanup_close_ int root = open(lw[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		_cleanup_close_ int fd = -1;
		lxr_err e2;
		if (root < 0)
			continue;
		fd = lxr_open_in_root(root, path, O_PATH | O_NOFOLLOW, 0, &e2);
		if (fd >= 0 && fstat(fd, &st[0]) == 0)
			return !(S_ISCHR(st->st_mode) && st->st_rdev == 0);
	}
	return false;
}

bool bldx_stage_has(const struct bldx_stage *s, const char *path)
{
	struct stat st;

	return !strcmp(path, "/") || bldx_stage_stat(s, path, &st);
}

bool bldx_stage_is_dir(const struct bldx_stage *s, const char *path)
{
	struct stat st;

	return !strcmp(path, "/") || (bldx_stage_stat(s, path, &st) && S_ISDIR(st.st_mode));
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

int bldx_stopped(lxr_err *err)
{
	int sig = bldx_stop_signal();

	if (!sig)
		return 0;
	return lxr_fail(err, EINTR, "the build was interrupted (%s)", strsignal(sig));
}
