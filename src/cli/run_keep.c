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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/run_image.h"
#include "cli/run_opts.h"
#include "lxr/image.h"
#include "lxr/supervisor.h"

#define RUN_KEEP "start.json"

/* Container name's start record, or NULL. It says what runs, privileged
 * or not, with which mounts: read only when it is a regular file of lxr's
 * own user that no one else may write. A container with a user namespace
 * of its own has its directory owned by its root, which must not be able
 * to put a record of its own making there. */
static json_t *keep_record(const char *name)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	lxr_err ignored;

	if (!run_opts_name_valid(name))
		return NULL;
	path = lxr_xasprintf("%s/_run/%s/%s", lxr_run_dir(), name, RUN_KEEP);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022) || lxr_read_fd(fd, path, &text, NULL, &ignored) < 0)
		return NULL;
	return json_loads(text, 0, NULL);
}

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

	/* compose run's one-off is its stack's: started again by that stack */
	if (o->rm || !o->svc || !o->image || !o->stack || !o->stack->n_services)
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

/* Each kept container's start record, with its name, until fn says stop */
static void each_record(bool (*fn)(const char *name, json_t *rec, void *arg), void *arg)
{
	_cleanup_free_ char *root = lxr_xasprintf("%s/_run", lxr_run_dir());
	DIR *d = opendir(root);
	struct dirent *e;
	bool more = true;

	while (more && d && (e = readdir(d))) {
		json_t *rec = e->d_name[0] == '.' ? NULL : keep_record(e->d_name);
		if (rec)
			more = fn(e->d_name, rec, arg);
		json_decref(rec);
	}
	if (d)
		closedir(d);
}

static bool hold_image(const char *name, json_t *rec, void *arg)
{
	struct img_holds *h = arg;
	const char *id = json_string_value(json_object_get(rec, "image_id"));

	if (id) {
		lxr_strv_push(&h->ids, lxr_xstrdup(id));
		lxr_strv_push(&h->holders, lxr_xstrdup(name));
	}
	return true;
}

void run_keep_holds(struct img_holds *h)
{
	h->ids = lxr_xcalloc(1, sizeof(char *));
	h->holders = lxr_xcalloc(1, sizeof(char *));
	each_record(hold_image, h);
}

struct volume_hold {
	const char *volume;
	char *holder;
};

static bool hold_volume(const char *name, json_t *rec, void *arg)
{
	struct volume_hold *v = arg;
	const char *k;
	json_t *decl;

	json_object_foreach(json_object_get(rec, "volumes"), k, decl)
	{
		const char *vol = json_string_value(json_object_get(decl, "name"));
		if (vol && !strcmp(vol, v->volume)) {
			v->holder = lxr_xstrdup(name);
			return false;
		}
	}
	return true;
}

char *run_keep_volume_holder(const char *volume)
{
	struct volume_hold v = {volume, NULL};

	each_record(hold_volume, &v);
	return v.holder;
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
	/* a one-off's (compose run): its service's */
	const struct cfg_service *sv =
	    o->service && o->stack ? cfg_stack_service(o->stack, o->service) : NULL;
	json_t *rec, *cmd = json_array();
	char *text;
	lxr_err err;

	for (size_t i = 0; o->plan.spec.args && o->plan.spec.args[i]; i++)
		json_array_append_new(cmd, json_string(o->plan.spec.args[i]));
	if (!image && sv)
		image = cfg_service_image(sv);
	rec =
	    json_pack("{s:s, s:s, s:s, s:i, s:i, s:s, s:o, s:I, s:I, s:[], s:[]}", "service",
		      sv ? o->service : o->name, "instance", o->name, "state", state, "exit_code",
		      code, "pid", 0, "image", image ? image : "", "command", cmd, "created",
		      (json_int_t)created, "finished", (json_int_t)finished, "ports", "addresses");
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
	if (!o->rm && (o->svc || o->service))
		write_record(o, "exited", code, created, (int64_t)time(NULL));
}

void run_keep_created(const struct run_opts *o)
{
	write_record(o, "created", -1, (int64_t)time(NULL), 0);
}

/* A kept container that does not run: its record, checked, or NULL with
 * err */
static json_t *stopped_record(const char *name, lxr_err *err)
{
	json_t *rec = keep_record(name);

	if (!rec || !json_string_value(json_object_get(rec, "image"))) {
		json_decref(rec);
		lxr_fail(err, ESRCH, "no container \"%s\"", name);
		return NULL;
	}
	/* between two runs of its restart policy: its next start may mount
	 * the layer any moment */
	if (sup_run_alive(name)) {
		json_decref(rec);
		lxr_fail(err, EBUSY, "container %s is restarting", name),
		    lxr_err_hint(err, "try again once it runs, or `lxr stop %s`", name);
		return NULL;
	}
	/* its layer holds the ids of its own user namespace: its start maps them */
	if (json_is_true(json_object_get(rec, "userns"))) {
		json_decref(rec);
		lxr_fail(err, ENOTSUP,
			 "container %s has a user namespace of its own and is not running", name),
		    lxr_err_hint(err, "`lxr start %s` first", name);
		return NULL;
	}
	return rec;
}

/* Its image's layer directories (the image held in use meanwhile through
 * im), or its root filesystem directory: lowers, topmost first */
static int stopped_lowers(json_t *rec, const char *name, struct img_image *im, char ***lowers,
			  lxr_err *err)
{
	const char *id = json_string_value(json_object_get(rec, "image_id"));
	const char *image = json_string_value(json_object_get(rec, "image"));

	if (id && run_image_resolve(id, name, IMG_PULL_NEVER, 0, im, err) < 0)
		return -1;
	*lowers = id ? lxr_strv_dup(im->layer_dirs) : lxr_xcalloc(2, sizeof(char *));
	if (!id)
		(*lowers)[0] = lxr_xstrdup(image);
	return 0;
}

int run_keep_fs_open(const char *name, lxr_err *err)
{
	_cleanup_free_ char *root = lxr_xasprintf("%s/_run", lxr_run_dir());
	_cleanup_strv_ char **lowers = NULL;
	json_t *rec = stopped_record(name, err);
	struct img_image im = {0};
	int fd = -1;

	if (rec && stopped_lowers(rec, name, &im, &lowers, err) == 0)
		fd = rt_container_fs_open(lowers, root, name, err);
	img_image_free(&im);
	json_decref(rec);
	return fd;
}

int run_keep_layers(const char *name, char **upper, char ***lowers, lxr_err *err)
{
	json_t *rec = stopped_record(name, err);
	struct img_image im = {0};
	int r = rec ? stopped_lowers(rec, name, &im, lowers, err) : -1;

	if (r == 0)
		*upper = lxr_xasprintf("%s/_run/%s/upper", lxr_run_dir(), name);
	img_image_free(&im);
	json_decref(rec);
	return r;
}

int run_keep_diff(const char *name, char *const *skip, char ***out, lxr_err *err)
{
	_cleanup_free_ char *upper = lxr_xasprintf("%s/_run/%s/upper", lxr_run_dir(), name);
	_cleanup_strv_ char **lowers = NULL;
	json_t *rec = stopped_record(name, err);
	struct img_image im = {0};
	int r = -1;

	if (rec && stopped_lowers(rec, name, &im, &lowers, err) == 0)
		r = rt_fs_diff(upper, lowers, skip, out, err);
	img_image_free(&im);
	json_decref(rec);
	return r;
}

bool run_kept_dir(const char *name)
{
	_cleanup_free_ char *dir = lxr_xasprintf("%s/_run/%s", lxr_run_dir(), name);
	struct stat st;

	return !strchr(name, '/') && name[0] != '.' && stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

bool run_keep_exists(const char *name)
{
	json_t *rec = keep_record(name);
	bool yes = rec != NULL;

	json_decref(rec);
	return yes;
}

static char *str_of(json_t *rec, const char *key)
{
	const char *v = json_string_value(json_object_get(rec, key));

	return v ? lxr_xstrdup(v) : NULL;
}

/* The options its record keeps, as its start plans them again */
static void keep_opts(json_t *rec, const char *name, struct run_opts *o)
{
	o->name = lxr_xstrdup(name);
	o->detach = true;
	o->pull = IMG_PULL_NEVER;
	o->image =
	    str_of(rec, json_is_string(json_object_get(rec, "image_id")) ? "image_id" : "image");
	o->network = str_of(rec, "network");
	o->cwd = str_of(rec, "cwd");
	o->tty = json_is_true(json_object_get(rec, "tty"));
	o->interactive = json_is_true(json_object_get(rec, "interactive"));
	o->svc = json_incref(json_object_get(rec, "service"));
	o->volumes = json_incref(json_object_get(rec, "volumes"));
}

/* What its directory tells of it: its init while it runs (started when
 * its state file was written), else its last ps record's code and times */
static void seen_of(const char *name, struct sup_run_seen *seen, bool *created)
{
	_cleanup_free_ char *root = lxr_xasprintf("%s/_run", lxr_run_dir());
	_cleanup_free_ char *state = lxr_xasprintf("%s/%s/state", root, name);
	struct lxr_container_ref ref;
	struct stat st;
	json_t *last;
	lxr_err err;

	*created = false;
	if (rt_container_find(root, name, &ref, &err) == 0) {
		seen->pid = ref.pid;
		seen->started = stat(state, &st) == 0 ? (int64_t)st.st_mtim.tv_sec : 0;
		rt_container_ref_free(&ref);
		return;
	}
	if (!(last = cli_run_record(name, SUP_RUN_EXITED)))
		return;
	*created = !strcmp(json_string_value(json_object_get(last, "state")) ?: "", "created");
	seen->exit_code = (int)json_integer_value(json_object_get(last, "exit_code"));
	seen->started = json_integer_value(json_object_get(last, "created"));
	seen->finished = json_integer_value(json_object_get(last, "finished"));
	json_decref(last);
}

json_t *run_keep_inspect(const char *name, lxr_err *err)
{
	json_t *rec = keep_record(name), *o = NULL;
	struct sup_run_seen seen = {0};
	struct run_opts opts = {0};
	bool created;

	if (!rec || !json_is_object(json_object_get(rec, "service")) ||
	    !json_is_string(json_object_get(rec, "image"))) {
		_cleanup_free_ char *root = lxr_xasprintf("%s/_run", lxr_run_dir());
		struct lxr_container_ref ref;
		json_decref(rec);
		if (rt_container_find(root, name, &ref, err) < 0)
			return lxr_fail(err, ESRCH, "no such container: %s", name), NULL;
		rt_container_ref_free(&ref);
		/* lxr run --rm writes none: its start is the fast path */
		lxr_fail(err, ESRCH,
			 "container %s runs in the foreground of its `lxr run --rm`, "
			 "of which lxr keeps no record",
			 name);
		return lxr_err_hint(err, "`lxr run` without --rm, or with -d, keeps one"), NULL;
	}
	keep_opts(rec, name, &opts);
	opts.plan_only = true;
	json_decref(rec);
	seen_of(name, &seen, &created);
	if (run_stack_plan(&opts, err) == 0 &&
	    (o = sup_run_inspect(opts.stack, opts.img, &opts.plan, &seen, err)) && created) {
		json_t *state = json_object_get(o, "State");
		json_object_set_new(state, "Status", json_string("created"));
		json_object_set_new(state, "StartedAt", json_string("0001-01-01T00:00:00Z"));
	}
	if (!o)
		lxr_err_wrap(err, "inspect %s", name);
	run_opts_free(&opts);
	return o;
}

int run_keep_start(const char *name)
{
	_cleanup_free_ char *root = lxr_xasprintf("%s/_run", lxr_run_dir());
	json_t *rec = keep_record(name);
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
	keep_opts(rec, name, &o);
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
	r = sup_run_detached(o.stack, NULL, o.img, &o.plan, false, true);
	if (r == 0)
		printf("%s\n", name);
out:
	run_opts_free(&o);
	return r == 0 ? LXR_EXIT_OK : LXR_EXIT_FAIL;
}
