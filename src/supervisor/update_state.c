/* The version a rollback returns to, kept on disk so that it outlives the
 * supervisor: a supervisor that died takes its containers with it, and the
 * next `lxr up` starts the file's version afresh; `lxr rollback` must still
 * know the one before. Per service, in <run_dir>/+previous/ (left alone by
 * the crash cleanup, removed by `down` with the run directory):
 * SERVICE.yaml, the whole previous stack as `lxr config` prints it (it
 * loads again to the same model, interpolation done, `$` kept as `$$`),
 * and SERVICE.json, written last, naming the image by ID (a new pull or
 * tag moves the reference, not the ID) and the project directory its
 * relative paths are against. Each file is written atomically. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lxr/supervisor.h"
#include "supervisor/sup.h"

#define PREVIOUS "+previous"

static int open_dir(const struct sup *s, bool make, lxr_err *err)
{
	_cleanup_free_ char *dir = lxr_xasprintf("%s/%s", s->run_dir, PREVIOUS);
	int fd;

	if (make && lxr_mkdir_p(dir, 0700, err) < 0)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return lxr_fail(err, errno, "open %s", dir);
	return fd;
}

void sup_update_persist(const struct sup *s, const struct sup_service *sv)
{
	_cleanup_free_ char *yaml = NULL, *name = NULL, *meta_name = NULL, *meta = NULL;
	_cleanup_close_ int dfd = -1;
	const char *id = sv->prev_img ? sv->prev_img->config_digest : "";
	json_t *m;
	size_t len = 0;
	FILE *f;
	lxr_err err;

	if (!sv->prev_cfg || s->dry_run)
		return;
	f = open_memstream(&yaml, &len);
	if (!f || cfg_stack_write(f, sv->prev_stack, CFG_FORMAT_YAML, &err) < 0) {
		if (f)
			fclose(f);
		lxr_warn("%s: previous version not kept on disk: %s", sv->cfg->name,
			 f ? err.msg : "out of memory");
		return;
	}
	fclose(f);
	if (strncmp(id, "sha256:", 7) == 0)
		id += 7;
	m = json_pack("{s:s, s:s}", "image_id", id, "project_dir", sv->prev_stack->dir);
	meta = json_dumps(m, JSON_COMPACT);
	json_decref(m);
	name = lxr_xasprintf("%s.yaml", sv->cfg->name);
	meta_name = lxr_xasprintf("%s.json", sv->cfg->name);
	if ((dfd = open_dir(s, true, &err)) < 0 ||
	    lxr_write_file_atomic(dfd, name, yaml, len, 0600, &err) < 0 ||
	    lxr_write_file_atomic(dfd, meta_name, meta, strlen(meta), 0600, &err) < 0)
		lxr_warn("%s: previous version not kept on disk: %s", sv->cfg->name, err.msg);
}

void sup_update_forget(const struct sup *s, const struct sup_service *sv)
{
	_cleanup_close_ int dfd = -1;
	_cleanup_free_ char *meta = lxr_xasprintf("%s.json", sv->cfg->name);
	_cleanup_free_ char *yaml = lxr_xasprintf("%s.yaml", sv->cfg->name);
	lxr_err err;

	if ((dfd = open_dir(s, false, &err)) < 0)
		return;
	unlinkat(dfd, meta, 0); /* first: without it the yaml is no record */
	unlinkat(dfd, yaml, 0);
}

/* One service's previous version from disk into sv: its model (the stack
 * kept with the supervisor's), its image resolved by ID and held in use. */
static int restore_one(struct sup *s, struct sup_service *sv, int dfd, lxr_err *err)
{
	_cleanup_free_ char *meta = NULL, *yaml_path = NULL, *label = NULL;
	_cleanup_free_ char *yaml_name = lxr_xasprintf("%s.yaml", sv->cfg->name);
	_cleanup_free_ char *meta_name = lxr_xasprintf("%s.json", sv->cfg->name);
	struct cfg_diags diags = {0};
	struct cfg_stack *st = NULL;
	struct img_store *store = NULL;
	const struct cfg_service *cfg;
	json_t *m;
	const char *id, *dir;
	int r = -1;

	if (lxr_read_file_at(dfd, meta_name, &meta, NULL, err) < 0)
		return err->errnum == ENOENT ? 0 : -1;
	m = json_loads(meta, 0, NULL);
	id = json_string_value(json_object_get(m, "image_id"));
	dir = json_string_value(json_object_get(m, "project_dir"));
	yaml_path = lxr_xasprintf("%s/%s/%s", s->run_dir, PREVIOUS, yaml_name);
	struct cfg_load_opts o = {.file = yaml_path,
				  .project = s->stack->project,
				  .environ = (char *[]){NULL},
				  .project_dir = dir};
	if (!id || !dir) {
		lxr_fail(err, EINVAL, "%s/%s: not lxr's record", PREVIOUS, meta_name);
		goto out;
	}
	if (cfg_stack_load(&o, &st, &diags, err) < 0)
		goto out;
	cfg = cfg_stack_service(st, sv->cfg->name);
	if (!cfg) {
		lxr_fail(err, ENOENT, "%s: no service %s", yaml_path, sv->cfg->name);
		goto out;
	}
	if (*id) {
		sv->prev_img = lxr_xcalloc(1, sizeof(*sv->prev_img));
		label = lxr_xasprintf("%s/%s", s->stack->project, sv->cfg->name);
		if (img_store_open(lxr_data_dir(), &store, err) < 0 ||
		    img_resolve(store, id, sv->prev_img, err) < 0 ||
		    img_use_acquire(store, sv->prev_img, label, &sv->prev_img_use_fd, err) < 0) {
			free(sv->prev_img);
			sv->prev_img = NULL;
			goto out;
		}
	}
	sv->prev_cfg = cfg;
	sv->prev_stack = st;
	s->kept_stacks =
	    lxr_xrealloc(s->kept_stacks, (s->n_kept_stacks + 1) * sizeof(*s->kept_stacks));
	s->kept_stacks[s->n_kept_stacks++] = st;
	st = NULL;
	r = 0;
out:
	img_store_close(store);
	cfg_stack_free(st);
	cfg_diags_free(&diags);
	json_decref(m);
	return r;
}

void sup_update_restore(struct sup *s)
{
	_cleanup_close_ int dfd = -1;
	lxr_err err;

	if ((dfd = open_dir(s, false, &err)) < 0)
		return; /* none kept */
	for (size_t i = 0; i < s->n_svcs; i++)
		if (!s->svcs[i].prev_cfg && restore_one(s, &s->svcs[i], dfd, &err) < 0)
			lxr_warn("%s: the version before its last update is lost: %s",
				 s->svcs[i].cfg->name, err.msg);
}
