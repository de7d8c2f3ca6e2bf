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
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "lxr/net.h"
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

static const char *opt_of(char *const *kv, const char *key)
{
	size_t n = strlen(key);

	for (size_t i = 0; kv && kv[i]; i++)
		if (!strncmp(kv[i], key, n) && kv[i][n] == '=')
			return kv[i] + n + 1;
	return NULL;
}

/* The local driver's options: type, o and device (mount(8)'s), checked
 * before anything is made. A bind needs its device to exist, as docker's
 * driver does; a filesystem that needs a program of its own to mount
 * (fuse) cannot be made with mount(2) alone. */
static int opts_check(const struct sup_volume *v, lxr_err *err)
{
	const char *type = opt_of(v->opts, "type"), *o = opt_of(v->opts, "o");
	const char *dev = opt_of(v->opts, "device");
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
			return lxr_fail(err, EINVAL,
					"volume %s: a bind needs an absolute device path", v->name);
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
		const char *w = k ? opt_of(b, k) : NULL;
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
	if (sup_volume_name_check(v->name, err) < 0 || opts_check(v, err) < 0)
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

/* The entry of /proc/self/mountinfo mounted at exactly path, if any. */
static bool mounted_at(const char *path)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], mp[PATH_MAX];

	while (f && fgets(line, sizeof(line), f))
		if (lxr_sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && !strcmp(mp, path))
			return true;
	return false;
}

/* mount(8)'s flag words out of o, the rest as the filesystem's data. */
static void split_o(const char *o, unsigned long *flags, char **data)
{
	static const struct {
		const char *w;
		unsigned long set, clear;
	} words[] = {{"ro", MS_RDONLY, 0},
		     {"rw", 0, MS_RDONLY},
		     {"nosuid", MS_NOSUID, 0},
		     {"suid", 0, MS_NOSUID},
		     {"nodev", MS_NODEV, 0},
		     {"dev", 0, MS_NODEV},
		     {"noexec", MS_NOEXEC, 0},
		     {"exec", 0, MS_NOEXEC},
		     {"sync", MS_SYNCHRONOUS, 0},
		     {"async", 0, MS_SYNCHRONOUS},
		     {"noatime", MS_NOATIME, 0},
		     {"nodiratime", MS_NODIRATIME, 0},
		     {"relatime", MS_RELATIME, 0},
		     {"strictatime", MS_STRICTATIME, 0},
		     {"bind", MS_BIND, 0},
		     {"rbind", MS_BIND | MS_REC, 0},
		     {"defaults", 0, 0}};
	_cleanup_free_ char *copy = lxr_xstrdup(o ? o : "");
	char *save = NULL;

	*flags = 0;
	*data = NULL;
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		size_t i, n = sizeof(words) / sizeof(words[0]);
		for (i = 0; i < n && strcmp(words[i].w, w); i++)
			;
		if (i < n) {
			*flags = (*flags | words[i].set) & ~words[i].clear;
			continue;
		}
		char *more = *data ? lxr_xasprintf("%s,%s", *data, w) : lxr_xstrdup(w);
		free(*data);
		*data = more;
	}
}

/* The kernel's NFS client takes addr= as an address; docker's local
 * driver resolves a host name there first, and so does lxr. */
static int resolve_addr(char **data, lxr_err *err)
{
	char *a = *data ? strstr(*data, "addr=") : NULL, ip[INET6_ADDRSTRLEN];
	struct in6_addr probe;
	size_t n;

	if (a && a != *data && a[-1] != ',')
		a = NULL;
	if (!a)
		return 0;
	a += 5;
	n = strcspn(a, ",");
	_cleanup_free_ char *host = lxr_xstrndup(a, n);
	if (inet_pton(AF_INET, host, &probe) == 1 || inet_pton(AF_INET6, host, &probe) == 1)
		return 0;
	if (net_resolve_host(host, ip, sizeof(ip), err) < 0)
		return lxr_err_wrap(err, "resolve addr=%s", host),
		       lxr_err_hint(err, "give the NFS server's address, or its name in /etc/hosts "
					 "or the DNS of /etc/resolv.conf");
	char *now = lxr_xasprintf("%.*s%s%s", (int)(a - *data), *data, ip, a + n);
	free(*data);
	*data = now;
	return 0;
}

int sup_volume_mount(const char *name, lxr_err *err)
{
	_cleanup_free_ char *dir = sup_volume_dir(name);
	_cleanup_free_ char *data = lxr_xasprintf("%s/_data", dir);
	_cleanup_free_ char *fsdata = NULL;
	struct sup_volume v;
	const char *type, *dev;
	unsigned long flags;
	int r = 0;

	if (sup_volume_load(name, &v, err) < 0)
		return lxr_err_wrap(err, "volume %s", name);
	type = opt_of(v.opts, "type");
	dev = opt_of(v.opts, "device");
	if (type && !mounted_at(data)) {
		split_o(opt_of(v.opts, "o"), &flags, &fsdata);
		if (!strncmp(type, "nfs", 3) && resolve_addr(&fsdata, err) < 0) {
			sup_volume_free(&v);
			return lxr_err_wrap(err, "volume %s", name);
		}
		if (!strcmp(type, "none"))
			r = mount(dev, data, NULL, MS_BIND | MS_REC, NULL);
		else
			r = mount(dev ? dev : type, data, type, flags & ~(MS_BIND | MS_REC),
				  fsdata);
		if (r < 0) {
			r = lxr_fail(err, errno, "volume %s: mount %s (type %s) on %s", name,
				     dev ? dev : type, type, data);
			if (errno == ENODEV)
				lxr_err_hint(err,
					     "the kernel has no filesystem \"%s\" (modprobe %s?)",
					     type, type);
		} else if (!strcmp(type, "none") && (flags & MS_RDONLY)) {
			/* a bind's ro takes a remount of the bind itself */
			mount(NULL, data, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
		}
	}
	sup_volume_free(&v);
	return r;
}

int sup_volume_unmount(const char *name, lxr_err *err)
{
	_cleanup_free_ char *dir = sup_volume_dir(name);
	_cleanup_free_ char *data = lxr_xasprintf("%s/_data", dir);

	while (mounted_at(data))
		if (umount2(data, MNT_DETACH) < 0)
			return lxr_fail(err, errno, "volume %s: umount %s", name, data);
	return 0;
}

/* Where path's filesystem sees it: its device and its path from that
 * filesystem's root (mountinfo's "root" of a bind of it). */
static bool fs_key(const char *path, unsigned *maj, unsigned *min, char **rel)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], root[PATH_MAX], mp[PATH_MAX];
	size_t best = 0;
	struct stat st;

	if (!f || stat(path, &st) < 0)
		return false;
	*maj = major(st.st_dev), *min = minor(st.st_dev);
	*rel = NULL;
	while (fgets(line, sizeof(line), f)) {
		unsigned a, b;
		size_t n;
		if (lxr_sscanf(line, "%*s %*s %u:%u %4095s %4095s", &a, &b, root, mp) != 4 ||
		    a != *maj || b != *min)
			continue;
		n = strlen(mp);
		if (strcmp(mp, "/") && (strncmp(path, mp, n) || (path[n] && path[n] != '/')))
			continue;
		if (!strcmp(mp, "/"))
			n = 0;
		if (n >= best || !*rel) {
			best = n;
			free(*rel);
			*rel = lxr_xasprintf("%s%s", strcmp(root, "/") ? root : "",
					     path[n] ? path + n : "");
			if (!**rel) {
				free(*rel);
				*rel = lxr_xstrdup("/");
			}
		}
	}
	return *rel != NULL;
}

/* "project/container" from an lxr cgroup path, or NULL: not a container
 * of lxr's. */
static char *who(const char *pid)
{
	_cleanup_free_ char *path = lxr_xasprintf("/proc/%s/cgroup", pid);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[4096];

	while (f && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "/lxr/");
		if (p) {
			p += 5;
			p[strcspn(p, "\n")] = '\0';
			char *slash = strchr(p, '/');
			if (slash && strchr(slash + 1, '/'))
				*strchr(slash + 1, '/') = '\0';
			return lxr_xstrdup(p);
		}
	}
	return NULL;
}

char **sup_path_users(const char *path)
{
	_cleanup_free_ char *rel = NULL;
	char **out = lxr_xcalloc(1, sizeof(char *)), **seen = lxr_xcalloc(1, sizeof(char *));
	char self[64] = "", ns[64], line[4096], root[PATH_MAX];
	unsigned maj, min;
	struct dirent *de;
	size_t rn;
	DIR *d;

	if (!fs_key(path, &maj, &min, &rel) || !(d = opendir("/proc"))) {
		lxr_strv_free(seen);
		return out;
	}
	rn = strlen(rel);
	if (readlink("/proc/self/ns/mnt", self, sizeof(self) - 1) < 0)
		self[0] = '\0';
	while ((de = readdir(d))) {
		_cleanup_free_ char *nsl = NULL, *mi = NULL;
		_cleanup_fclose_ FILE *f = NULL;
		char *ctr;
		ssize_t n;
		bool dup = false, hit = false;

		/* a container of lxr's: another mount namespace (a service's
		 * private one, a container being made) starts as a copy of the
		 * host's, with the volume's mounts in it, and uses nothing */
		if (!isdigit((unsigned char)de->d_name[0]) || !(ctr = who(de->d_name)))
			continue;
		nsl = lxr_xasprintf("/proc/%s/ns/mnt", de->d_name);
		n = readlink(nsl, ns, sizeof(ns) - 1);
		if (n < 0) {
			free(ctr);
			continue;
		}
		ns[n] = '\0';
		for (size_t i = 0; seen[i] && !dup; i++)
			dup = !strcmp(seen[i], ns);
		if (dup || !strcmp(ns, self)) {
			free(ctr);
			continue;
		}
		lxr_strv_push(&seen, lxr_xstrdup(ns));
		mi = lxr_xasprintf("/proc/%s/mountinfo", de->d_name);
		f = fopen(mi, "re");
		while (f && !hit && fgets(line, sizeof(line), f)) {
			unsigned a, b;
			if (lxr_sscanf(line, "%*s %*s %u:%u %4095s", &a, &b, root) == 3 &&
			    a == maj && b == min && !strncmp(root, rel, rn) &&
			    (!root[rn] || root[rn] == '/' || !strcmp(rel, "/")))
				hit = true;
		}
		if (hit)
			lxr_strv_push(&out, ctr);
		else
			free(ctr);
	}
	closedir(d);
	lxr_strv_free(seen);
	return out;
}

char **sup_volume_users(const char *name)
{
	_cleanup_free_ char *dir = sup_volume_dir(name);
	_cleanup_free_ char *data = lxr_xasprintf("%s/_data", dir);

	return sup_path_users(data);
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
			if (sup_volume_name_check(name, err) < 0 || opts_check(&v, err) < 0) {
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
