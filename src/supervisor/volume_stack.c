/* A stack's volumes that outlive it (`name:`, `external:`, `driver_opts`):
 * checked and made before `up` starts anything, released and removed with
 * the stack; and the volumes a project keeps under its own directory. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "lxr/supervisor.h"
#include "supervisor/sup.h"

char **sup_kvs_strv(const struct cfg_kvs *k)
{
	char **v = lxr_xcalloc(1, sizeof(char *));

	for (size_t i = 0; i < k->n; i++)
		lxr_strv_push(&v, lxr_xasprintf("%s=%s", k->v[i].key, k->v[i].value));
	return v;
}

/* Compose's rule: an external volume must exist; another one is made on
 * first use. Every check comes before the first volume is made, and what
 * this call made goes again when a later one fails. */
int sup_stack_volumes_prepare(const struct cfg_stack *st, bool check_only, lxr_err *err)
{
	_cleanup_strv_ char **made = lxr_xcalloc(1, sizeof(char *));
	int r = 0;

	for (int pass = 0; pass < 2 && r == 0; pass++) {
		for (size_t i = 0; i < st->n_volumes && r == 0; i++) {
			const struct cfg_volume *cv = &st->volumes[i];
			_cleanup_free_ char *name = plan_volume_store_name(st, cv);
			_cleanup_strv_ char **opts = sup_kvs_strv(&cv->driver_opts);
			_cleanup_strv_ char **labels = sup_kvs_strv(&cv->labels);
			struct sup_volume v = {.name = name, .opts = opts, .labels = labels};
			bool m = false;

			if (!name)
				continue;
			if (cv->external.v) {
				if (!sup_volume_exists(name))
					r = lxr_fail(err, ENOENT,
						     "volume \"%s\" is external (volume %s of the "
						     "stack) and does not exist",
						     name, cv->name),
					lxr_err_hint(err, "create it first: lxr volume create %s",
						     name);
				else if (pass == 1)
					r = sup_volume_mount(name, err);
				continue;
			}
			if (sup_volume_name_check(name, err) < 0 ||
			    sup_volume_opts_check(&v, err) < 0) {
				r = lxr_err_wrap(err, "stack volume %s", cv->name);
				continue;
			}
			if (pass == 0 || check_only)
				continue;
			r = sup_volume_create(&v, &m, err);
			if (m)
				lxr_strv_push(&made, lxr_xstrdup(name));
			if (r == 0)
				r = sup_volume_mount(name, err);
		}
		if (check_only)
			break;
	}
	for (size_t i = 0; r < 0 && made[i]; i++) {
		lxr_err e;
		if (sup_volume_remove(made[i], false, &e) < 0)
			lxr_err_print(&e);
	}
	return r;
}

void sup_stack_volumes_release(const struct cfg_stack *st)
{
	_cleanup_strv_ char **names = plan_store_volumes(st, true);

	for (size_t i = 0; names[i]; i++) {
		_cleanup_strv_ char **users = sup_volume_users(names[i]);
		lxr_err e;
		if (!users[0] && sup_volume_unmount(names[i], &e) < 0)
			lxr_err_print(&e);
	}
}

void sup_stack_volumes_remove(const struct cfg_stack *st)
{
	_cleanup_strv_ char **names = plan_store_volumes(st, false);

	for (size_t i = 0; names[i]; i++) {
		lxr_err e;
		if (sup_volume_exists(names[i]) && sup_volume_remove(names[i], false, &e) < 0) {
			lxr_warn("kept volume %s: %s", names[i], e.msg);
		}
	}
}

/* <data_dir>/volumes/<project>/: the project folders (not _named, not a
 * temp or hidden name). */
static char **project_dirs(void)
{
	_cleanup_free_ char *top = lxr_xasprintf("%s/volumes", lxr_data_dir());
	char **v = lxr_xcalloc(1, sizeof(char *));
	struct dirent **ents = NULL;
	int n = scandir(top, &ents, NULL, lxr_dirent_cmp);

	for (int i = 0; i < n; i++) {
		if (isalnum((unsigned char)ents[i]->d_name[0]))
			lxr_strv_push(&v, lxr_xstrdup(ents[i]->d_name));
		free(ents[i]);
	}
	free(ents);
	return v;
}

char **sup_project_volume_names(void)
{
	_cleanup_strv_ char **projects = project_dirs();
	char **v = lxr_xcalloc(1, sizeof(char *));

	for (size_t p = 0; projects[p]; p++) {
		_cleanup_free_ char *dir =
		    lxr_xasprintf("%s/volumes/%s", lxr_data_dir(), projects[p]);
		struct dirent **ents = NULL;
		int n = scandir(dir, &ents, NULL, lxr_dirent_cmp);
		for (int i = 0; i < n; i++) {
			/* +anon holds the containers' anonymous volumes */
			if (isalnum((unsigned char)ents[i]->d_name[0]) && ents[i]->d_type == DT_DIR)
				lxr_strv_push(&v,
					      lxr_xasprintf("%s_%s", projects[p], ents[i]->d_name));
			free(ents[i]);
		}
		free(ents);
	}
	return v;
}

/* "<project>_<name>" back to its directory; a project name may hold '_'
 * too, so each split that names an existing folder is tried. */
static char *project_volume_path(const char *name, char **project, char **vol)
{
	_cleanup_strv_ char **projects = project_dirs();
	struct stat st;

	for (size_t p = 0; projects[p]; p++) {
		size_t n = strlen(projects[p]);
		if (strncmp(name, projects[p], n) || name[n] != '_' ||
		    !isalnum((unsigned char)name[n + 1]) || strchr(name + n + 1, '/'))
			continue;
		char *path =
		    lxr_xasprintf("%s/volumes/%s/%s", lxr_data_dir(), projects[p], name + n + 1);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (project)
				*project = lxr_xstrdup(projects[p]);
			if (vol)
				*vol = lxr_xstrdup(name + n + 1);
			return path;
		}
		free(path);
	}
	return NULL;
}

int sup_project_volume_load(const char *name, struct sup_volume *out, lxr_err *err)
{
	_cleanup_free_ char *project = NULL, *vol = NULL;
	char *path = project_volume_path(name, &project, &vol);
	char stamp[64] = "";
	struct stat st;
	struct tm tm;

	memset(out, 0, sizeof(*out));
	if (!path)
		return lxr_fail(err, ENOENT, "no such volume: %s", name);
	if (stat(path, &st) == 0) {
		gmtime_r(&st.st_mtime, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	out->name = lxr_xstrdup(name);
	out->driver = lxr_xstrdup("local");
	out->created_at = lxr_xstrdup(stamp);
	out->mountpoint = path;
	out->opts = lxr_xcalloc(1, sizeof(char *));
	out->labels = lxr_xcalloc(1, sizeof(char *));
	lxr_strv_push(&out->labels, lxr_xasprintf("com.docker.compose.project=%s", project));
	lxr_strv_push(&out->labels, lxr_xasprintf("com.docker.compose.volume=%s", vol));
	return 0;
}

int sup_project_volume_remove(const char *name, lxr_err *err)
{
	_cleanup_free_ char *path = project_volume_path(name, NULL, NULL);
	_cleanup_strv_ char **users = NULL;

	if (!path)
		return lxr_fail(err, ENOENT, "no such volume: %s", name),
		       lxr_err_hint(err, "lxr volume ls lists them");
	users = sup_path_users(path);
	if (users[0])
		return lxr_fail(err, EBUSY, "volume %s is in use by %s%s", name, users[0],
				users[1] ? " and others" : ""),
		       lxr_err_hint(err, "stop or remove those containers first (lxr down)");
	if (lxr_rm_rf(path, err) < 0)
		return -1;
	/* the project's folder goes with its last volume, as down -v has it */
	*strrchr(path, '/') = '\0';
	rmdir(path);
	return 0;
}
