/* A kept `lxr run` container (no --rm) started again, as `docker start`
 * starts a stopped one. When the container is made, its options, as the
 * Compose service they were written as, go into its directory (RUN_KEEP);
 * `lxr start NAME` (and `lxr restart NAME`) plan that service again and run
 * it detached, under a supervisor of its own, on the same writable layer.
 * What the options read from files (--env-file, --label-file) is kept as
 * it was read, and the image by its ID: a start runs what the run ran,
 * whatever has changed around it since. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/run_image.h"
#include "cli/run_opts.h"
#include "lxr/image.h"
#include "lxr/supervisor.h"

#define RUN_KEEP "start.json"

/* environment or labels as loaded (files merged, values interpolated),
 * written back as literal values; an unset pass-through is left out */
static json_t *kvs_literal(const struct cfg_kvs *kv)
{
	json_t *o = json_object();

	for (size_t i = 0; i < kv->n; i++)
		if (kv->v[i].value)
			json_object_set_new(o, kv->v[i].key, run_lit(kv->v[i].value));
	return o;
}

char *run_keep_text(const struct run_opts *o)
{
	const struct cfg_service *s;
	json_t *svc, *rec;
	char *cwd, *text;

	if (o->rm || !o->stack || !o->stack->n_services)
		return NULL;
	s = &o->stack->services[0];
	svc = json_deep_copy(o->svc);
	json_object_del(svc, "env_file");
	json_object_del(svc, "label_file");
	json_object_set_new(svc, "environment", kvs_literal(&s->environment));
	json_object_set_new(svc, "labels", kvs_literal(&s->labels));
	cwd = o->cwd ? lxr_xstrdup(o->cwd) : getcwd(NULL, 0);
	rec = json_pack("{s:s?, s:s, s:s?, s:s?, s:b, s:b, s:b, s:o, s:O?}", "cwd", cwd, "image",
			o->image, "image_id", o->image_id, "network", o->network, "tty", o->tty,
			"interactive", o->interactive, "userns",
			o->plan.spec.userns.mode != LXR_USERNS_HOST, "service", svc, "volumes",
			o->volumes);
	free(cwd);
	text = rec ? json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(rec);
	return text;
}

void run_keep_write(const char *name, const char *text)
{
	_cleanup_free_ char *dir = lxr_xasprintf("%s/_run/%s", lxr_run_dir(), name);
	_cleanup_close_ int dfd = -1;
	lxr_err err;

	if (!text)
		return;
	dfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 || lxr_write_file_replace(dfd, RUN_KEEP, text, strlen(text), 0600, &err) < 0) {
		if (dfd < 0)
			lxr_fail(&err, errno, "open %s", dir);
		lxr_err_print(&err);
		lxr_warn("container %s cannot be started again with `lxr start`", name);
	}
}

void run_keep_holds(struct img_holds *h)
{
	_cleanup_free_ char *root = lxr_xasprintf("%s/_run", lxr_run_dir());
	DIR *d = opendir(root);
	struct dirent *e;

	h->ids = lxr_xcalloc(1, sizeof(char *));
	h->holders = lxr_xcalloc(1, sizeof(char *));
	while (d && (e = readdir(d))) {
		json_t *rec = e->d_name[0] == '.' ? NULL : cli_run_record(e->d_name, RUN_KEEP);
		const char *id = json_string_value(json_object_get(rec, "image_id"));
		if (id) {
			lxr_strv_push(&h->ids, lxr_xstrdup(id));
			lxr_strv_push(&h->holders, lxr_xstrdup(e->d_name));
		}
		json_decref(rec);
	}
	if (d)
		closedir(d);
}

void run_keep_holds_free(struct img_holds *h)
{
	lxr_strv_free(h->ids);
	lxr_strv_free(h->holders);
}

/* A kept container's ps record (SUP_RUN_EXITED) in state, with code */
static void write_record(const struct run_opts *o, const char *state, int code, int64_t created,
			 int64_t finished)
{
	_cleanup_free_ char *dir = lxr_xasprintf("%s/_run/%s", lxr_run_dir(), o->name);
	_cleanup_close_ int dfd = -1;
	const char *image = json_string_value(json_object_get(o->svc, "image"));
	json_t *rec, *cmd = json_array();
	char *text;
	lxr_err err;

	for (size_t i = 0; o->plan.spec.args && o->plan.spec.args[i]; i++)
		json_array_append_new(cmd, json_string(o->plan.spec.args[i]));
	rec = json_pack("{s:s, s:s, s:s, s:i, s:i, s:s, s:o, s:I, s:I, s:[], s:[]}", "service",
			o->name, "instance", o->name, "state", state, "exit_code", code, "pid", 0,
			"image", image ? image : "", "command", cmd, "created", (json_int_t)created,
			"finished", (json_int_t)finished, "ports", "addresses");
	text = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
	json_decref(rec);
	dfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (text && dfd >= 0 &&
	    lxr_write_file_replace(dfd, SUP_RUN_EXITED, text, strlen(text), 0600, &err) < 0)
		lxr_err_print(&err);
	free(text);
}

void run_keep_exited(const struct run_opts *o, int code, int64_t created)
{
	if (!o->rm)
		write_record(o, "exited", code, created, (int64_t)time(NULL));
}

void run_keep_created(const struct run_opts *o)
{
	write_record(o, "created", -1, (int64_t)time(NULL), 0);
}

int run_keep_fs_open(const char *name, lxr_err *err)
{
	_cleanup_free_ char *root = lxr_xasprintf("%s/_run", lxr_run_dir());
	json_t *rec = cli_run_record(name, RUN_KEEP);
	const char *id = json_string_value(json_object_get(rec, "image_id"));
	const char *image = json_string_value(json_object_get(rec, "image"));
	struct img_image im = {0};
	char *path[2] = {NULL, NULL};
	int fd = -1;

	if (!image) {
		json_decref(rec);
		return lxr_fail(err, ESRCH, "no container \"%s\"", name);
	}
	/* between two runs of its restart policy: its next start may mount
	 * the layer any moment */
	if (sup_run_alive(name)) {
		json_decref(rec);
		return lxr_fail(err, EBUSY, "container %s is restarting", name),
		       lxr_err_hint(err, "try again once it runs, or `lxr stop %s`", name);
	}
	/* its layer holds the ids of its own user namespace: its start maps them */
	if (json_is_true(json_object_get(rec, "userns"))) {
		json_decref(rec);
		return lxr_fail(err, ENOTSUP,
				"container %s has a user namespace of its own and is not running",
				name),
		       lxr_err_hint(err, "`lxr start %s` first", name);
	}
	/* the image held in use while its layers are mounted */
	if (id && run_image_resolve(id, name, IMG_PULL_NEVER, &im, err) == 0)
		fd = rt_container_fs_open(im.layer_dirs, root, name, err);
	else if (!id) {
		path[0] = (char *)image;
		fd = rt_container_fs_open(path, root, name, err);
	}
	img_image_free(&im);
	json_decref(rec);
	return fd;
}

bool run_keep_exists(const char *name)
{
	json_t *rec = cli_run_record(name, RUN_KEEP);
	bool yes = rec != NULL;

	json_decref(rec);
	return yes;
}

static char *str_of(json_t *rec, const char *key)
{
	const char *v = json_string_value(json_object_get(rec, key));

	return v ? lxr_xstrdup(v) : NULL;
}

int run_keep_start(const char *name)
{
	_cleanup_free_ char *root = lxr_xasprintf("%s/_run", lxr_run_dir());
	json_t *rec = cli_run_record(name, RUN_KEEP);
	struct lxr_container_ref ref;
	struct run_opts o = {0};
	lxr_err err;
	int r = LXR_EXIT_FAIL;

	if (!rec || !json_is_object(json_object_get(rec, "service")) ||
	    !json_is_string(json_object_get(rec, "image"))) {
		fprintf(stderr, "lxr: error: start %s: its record %s/%s/%s is not lxr's\n", name,
			root, name, RUN_KEEP);
		fprintf(stderr, "lxr: hint: `lxr rm %s` and run it again\n", name);
		json_decref(rec);
		return LXR_EXIT_FAIL;
	}
	if (rt_container_find(root, name, &ref, &err) == 0) {
		rt_container_ref_free(&ref);
		fprintf(stderr,
			"lxr: error: start %s: it runs in the foreground of its `lxr run`\n", name);
		json_decref(rec);
		return LXR_EXIT_FAIL;
	}
	o.name = lxr_xstrdup(name);
	o.detach = true;
	o.pull = IMG_PULL_NEVER;
	o.image =
	    str_of(rec, json_is_string(json_object_get(rec, "image_id")) ? "image_id" : "image");
	o.network = str_of(rec, "network");
	o.cwd = str_of(rec, "cwd");
	o.tty = json_is_true(json_object_get(rec, "tty"));
	o.interactive = json_is_true(json_object_get(rec, "interactive"));
	o.svc = json_incref(json_object_get(rec, "service"));
	o.volumes = json_incref(json_object_get(rec, "volumes"));
	json_decref(rec);
	if (run_stack_plan(&o, &err) < 0) {
		lxr_err_wrap(&err, "start %s", name);
		if (err.errnum == ENOENT && run_image_is_ref(o.image))
			lxr_err_hint(&err,
				     "its image is no longer there: `lxr rm %s` and run it "
				     "again from an image lxr has",
				     name);
		lxr_err_print(&err);
		goto out;
	}
	/* its writable layer, as a restart keeps it */
	o.plan.spec.reuse_dir = true;
	r = sup_run_detached(o.stack, &o.plan, false, true);
	if (r == 0)
		printf("%s\n", name);
out:
	run_opts_free(&o);
	return r == 0 ? LXR_EXIT_OK : LXR_EXIT_FAIL;
}
