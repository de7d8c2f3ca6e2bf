/* Volumes that outlive a project, as docker's local driver keeps them:
 * `lxr volume create`, and a stack's volumes with `name:`, `external:` or
 * `driver_opts`. Each is <data_dir>/volumes/_named/NAME/ with its data in
 * _data/ and what it was made with in volume.json (written atomically). A
 * volume with mount options (type, o, device) has them mounted on _data on
 * the host when a container first needs it, and every container binds
 * _data, so two containers see one tmpfs or one NFS export, as with docker.
 * "In use" is read from the kernel: a mount namespace other than the host's
 * that has _data mounted (a running container), so a crash leaves no stale
 * count behind. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "lxr/supervisor.h"
#include "supervisor/sup.h"

char *sup_volume_dir(const char *name)
{
	return lxr_xasprintf("%s/volumes/_named/%s", lxr_data_dir(), name);
}

int sup_volume_name_check(const char *name, lxr_err *err)
{
	/* docker's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
	bool ok = strlen(name) >= 2 && strlen(name) <= 200 && isalnum((unsigned char)name[0]);

	for (const char *p = name; ok && *p; p++)
		ok = isalnum((unsigned char)*p) || strchr("_.-", *p);
	if (!ok)
		return lxr_fail(err, EINVAL, "\"%s\" is not a valid volume name", name),
		       lxr_err_hint(err, "a name is 2 or more of [a-zA-Z0-9_.-], starting with a "
					 "letter or digit");
	return 0;
}

/* The local driver's options: type, o and device (mount(8)'s), checked
 * before anything is made. A bind needs its device to exist, as docker's
 * driver does; a filesystem that needs a program of its own to mount
 * (fuse) cannot be made with mount(2) alone. */
int sup_volume_opts_check(const struct sup_volume *v, lxr_err *err)
{
	const char *type = lxr_strv_getenv(v->opts, "type"), *o = lxr_strv_getenv(v->opts, "o");
	const char *dev = lxr_strv_getenv(v->opts, "device");
	struct stat st;

	if (v->driver && strcmp(v->driver, "local"))
		return lxr_fail(err, EINVAL, "volume %s: driver \"%s\" is not supported", v->name,
				v->driver),
		       lxr_err_hint(err, "lxr has the local driver only (-d local, the default)");
	for (size_t i = 0; v->opts && v->opts[i]; i++)
		if (strncmp(v->opts[i], "type=", 5) && strncmp(v->opts[i], "o=", 2) &&
		    strncmp(v->opts[i], "device=", 7))
			return lxr_fail(err, EINVAL,
					"volume %s: the local driver has no option \"%s\"", v->name,
					v->opts[i]),
			       lxr_err_hint(err, "its options are type, o and device (mount's)");
	if (!v->opts || !v->opts[0])
		return 0;
	if (!type)
		return lxr_fail(err, EINVAL, "volume %s: driver options without a type", v->name),
		       lxr_err_hint(err, "-o type=tmpfs, -o type=nfs, or -o type=none -o o=bind "
					 "-o device=/path");
	if (!strncmp(type, "fuse", 4))
		return lxr_fail(err, EINVAL,
				"volume %s: type %s needs a mount helper program, which lxr does "
				"not run",
				v->name, type),
		       lxr_err_hint(err, "mount it on the host and use a bind (type=none, o=bind, "
					 "device=/that/path)");
	if (!strcmp(type, "none")) {
		if (!o || !strstr(o, "bind"))
			return lxr_fail(err, EINVAL, "volume %s: type none needs o=bind", v->name);
		if (!dev || dev[0] != '/')
			return lxr_fail(
				   err, EINVAL,
				   "volume %s: a bind needs an absolute device path, not \"%s\"",
				   v->name, dev ? dev : ""),
			       lxr_err_hint(err,
					    "set device: (-o device=) to the host directory; a "
					    "variable left unset there leaves it empty");
		if (stat(dev, &st) < 0)
			return lxr_fail(err, errno, "volume %s: bind device %s", v->name, dev),
			       lxr_err_hint(err,
					    "create it first (mkdir -p %s), as docker "
					    "requires",
					    dev);
	}
	return 0;
}

static void kv_to_json(json_t *obj, char *const *kv)
{
	for (size_t i = 0; kv && kv[i]; i++) {
		const char *eq = strchr(kv[i], '=');
		_cleanup_free_ char *k = eq ? lxr_xstrndup(kv[i], (size_t)(eq - kv[i])) : NULL;
		json_object_set_new(obj, k ? k : kv[i], json_string(eq ? eq + 1 : ""));
	}
}

static char **kv_from_json(json_t *obj)
{
	char **v = lxr_xcalloc(1, sizeof(char *));
	const char *k;
	json_t *val;

	json_object_foreach(obj, k, val) lxr_strv_push(
	    &v, lxr_xasprintf("%s=%s", k, json_is_string(val) ? json_string_value(val) : ""));
	return v;
}

json_t *sup_volume_json(const struct sup_volume *v)
{
	_cleanup_free_ char *dir = sup_volume_dir(v->name);
	_cleanup_free_ char *data =
	    v->mountpoint ? lxr_xstrdup(v->mountpoint) : lxr_xasprintf("%s/_data", dir);
	json_t *o = json_object(), *l = json_object();

	kv_to_json(o, v->opts);
	kv_to_json(l, v->labels);
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:s}", "Name", v->name, "Driver", "local",
			 "Mountpoint", data, "CreatedAt", v->created_at ? v->created_at : "",
			 "Options", o, "Labels", l, "Scope", "local");
}

int sup_volume_load(const char *name, struct sup_volume *out, lxr_err *err)
{
	_cleanup_free_ char *dir = sup_volume_dir(name);
	_cleanup_free_ char *path = lxr_xasprintf("%s/volume.json", dir);
	_cleanup_free_ char *text = NULL;
	json_error_t je;
	json_t *j;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (lxr_read_file_at(AT_FDCWD, path, &text, &len, err) < 0)
		return -1;
	j = json_loads(text, 0, &je);
	if (!json_is_object(j)) {
		json_decref(j);
		return lxr_fail(err, EBADMSG, "%s: not a volume record", path);
	}
	out->name = lxr_xstrdup(name);
	out->driver = lxr_xstrdup("local");
	out->created_at = lxr_xstrdup(json_string_value(json_object_get(j, "CreatedAt"))
					  ? json_string_value(json_object_get(j, "CreatedAt"))
					  : "");
	out->opts = kv_from_json(json_object_get(j, "Options"));
	out->labels = kv_from_json(json_object_get(j, "Labels"));
	json_decref(j);
	return 0;
}

void sup_volume_free(struct sup_volume *v)
{
	free(v->name);
	free(v->driver);
	free(v->created_at);
	free(v->mountpoint);
	lxr_strv_free(v->opts);
	lxr_strv_free(v->labels);
	memset(v, 0, sizeof(*v));
}

bool sup_volume_exists(const char *name)
{
	_cleanup_free_ char *dir = sup_volume_dir(name);
	_cleanup_free_ char *path = lxr_xasprintf("%s/volume.json", dir);

	return access(path, F_OK) == 0;
}

static bool same_kv(char *const *a, char *const *b)
{
	size_t n = lxr_strv_len(a);

	if (n != lxr_strv_len(b))
		return false;
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(a[i], '=');
		_cleanup_free_ char *k = eq ? lxr_xstrndup(a[i], (size_t)(eq - a[i])) : NULL;
		const char *w = k ? lxr_strv_getenv(b, k) : NULL;
		if (!w || strcmp(w, eq + 1))
			return false;
	}
	return true;
}

/* The record is the volume: written (temp, fsync, rename) after _data is
 * there, so a volume.json always names a usable directory. */
int sup_volume_create(const struct sup_volume *v, bool *made, lxr_err *err)
{
	_cleanup_free_ char *dir = sup_volume_dir(v->name);
	_cleanup_free_ char *data = lxr_xasprintf("%s/_data", dir);
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int dfd = -1;
	struct sup_volume have;
	char stamp[64];
	struct tm tm;
	time_t now = time(NULL);
	json_t *j;

	*made = false;
	if (sup_volume_name_check(v->name, err) < 0 || sup_volume_opts_check(v, err) < 0)
		return -1;
	if (sup_volume_load(v->name, &have, err) == 0) {
		/* docker: creating an existing volume with the same options is
		 * no error; with others it is */
		bool same = same_kv(v->opts, have.opts);
		sup_volume_free(&have);
		if (!same && v->opts && v->opts[0])
			return lxr_fail(err, EEXIST,
					"volume %s exists already with other driver options",
					v->name),
			       lxr_err_hint(err,
					    "lxr volume inspect %s shows them; remove it "
					    "first (lxr volume rm %s) to make it anew",
					    v->name, v->name);
		return 0;
	}
	/* parents private to root, as a stack's volumes: what a container's
	 * root leaves in _data (a setuid file) is no host user's to run */
	if (lxr_mkdir_p(dir, 0700, err) < 0)
		return lxr_err_wrap(err, "create volume %s", v->name);
	if (mkdir(data, 0755) < 0 && errno != EEXIST)
		return lxr_fail(err, errno, "create volume directory %s", data);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	struct sup_volume rec = *v;
	rec.created_at = v->created_at ? v->created_at : stamp;
	j = sup_volume_json(&rec);
	json_object_del(j, "Mountpoint");
	text = json_dumps(j, JSON_SORT_KEYS | JSON_INDENT(2));
	json_decref(j);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return lxr_fail(err, errno, "open %s", dir);
	if (lxr_write_file_atomic(dfd, "volume.json", text, strlen(text), 0600, err) < 0) {
		lxr_err e;
		lxr_rm_rf(dir, &e);
		return lxr_err_wrap(err, "create volume %s", v->name);
	}
	*made = true;
	return 0;
}

int sup_volume_remove(const char *name, bool force, lxr_err *err)
{
	_cleanup_free_ char *dir = sup_volume_dir(name);
	_cleanup_strv_ char **users = NULL;
	_cleanup_free_ char *list = NULL;

	if (!sup_volume_exists(name))
		return lxr_fail(err, ENOENT, "no such volume: %s", name),
		       lxr_err_hint(err, "lxr volume ls lists them");
	users = sup_volume_users(name);
	(void)force; /* docker's -f does not remove a volume in use either */
	if (users[0]) {
		for (size_t i = 0; users[i]; i++) {
			char *more =
			    lxr_xasprintf("%s%s%s", list ? list : "", i ? ", " : "", users[i]);
			free(list);
			list = more;
		}
		return lxr_fail(err, EBUSY, "volume %s is in use by %s", name, list),
		       lxr_err_hint(err, "stop or remove those containers first");
	}
	if (sup_volume_unmount(name, err) < 0)
		return -1;
	/* the record first: a volume half removed is no volume */
	_cleanup_free_ char *rec = lxr_xasprintf("%s/volume.json", dir);
	if (unlink(rec) < 0 && errno != ENOENT)
		return lxr_fail(err, errno, "remove %s", rec);
	return lxr_rm_rf(dir, err);
}

char **sup_volume_names(void)
{
	_cleanup_free_ char *top = lxr_xasprintf("%s/volumes/_named", lxr_data_dir());
	char **v = lxr_xcalloc(1, sizeof(char *));
	struct dirent **ents = NULL;
	int n = scandir(top, &ents, NULL, lxr_dirent_cmp);

	for (int i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.' && sup_volume_exists(ents[i]->d_name))
			lxr_strv_push(&v, lxr_xstrdup(ents[i]->d_name));
		free(ents[i]);
	}
	free(ents);
	return v;
}
