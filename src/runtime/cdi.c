/* The CDI devices a service asks for, from the host's CDI specs: read when
 * the container is planned (as docker's CDI cache is refreshed before a
 * create), so a missing spec or device fails `up` or `run` at the
 * service's line with nothing to undo. The rules are the CDI library's: the
 * spec directories in rising priority, a device named twice at one
 * priority a conflict, a spec's own edits made once when any of its devices
 * is asked for, then each device's; a node's type and numbers from the
 * host's node where the spec leaves them out. Device requests (compose's
 * GPUs) name devices of the vendor's kind: nvidia.com/gpu for driver
 * nvidia, amd.com/gpu for amd, the CDI names themselves for driver cdi;
 * `runtime: nvidia` those its NVIDIA_VISIBLE_DEVICES names. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lxr/cdi.h"
#include "runtime/runtime_internal.h"

#define GENERATE_HINT                                                                              \
	"the vendor's tool writes it, e.g. nvidia-ctk cdi generate "                               \
	"--output=/etc/cdi/nvidia.yaml, amd-ctk cdi generate"

struct reg {
	struct lxr_cdi_spec *specs;
	int *prio;
	size_t n;
	lxr_err broken; /* the first spec file that could not be read */
	bool has_broken;
	char **all_broken; /* every one's message, for `lxr info` */
};

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* the CDI library's: the .json and .yaml files of the directory */
static bool spec_file(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot && (!strcmp(dot, ".json") || !strcmp(dot, ".yaml"));
}

/* Root's files (or lxr's own user's). In a user namespace of lxr's
 * (rootless), where the host's root shows as nobody, so does every user
 * the namespace does not map: nobody's are taken only in the default
 * directories, which only the host's root can make or fill. */
static bool owner_ok(uid_t uid, bool default_dir)
{
	static int initial = -1;

	if (uid == 0 || uid == geteuid())
		return true;
	if (initial < 0) {
		_cleanup_free_ char *map = NULL;
		size_t len;
		lxr_err e;
		initial = lxr_read_file_at(AT_FDCWD, "/proc/self/uid_map", &map, &len, &e) < 0 ||
			  strstr(map, "4294967295") != NULL;
	}
	return !initial && default_dir && uid == 65534;
}

/* A spec's hooks run as root with the host's files in reach: a spec, or
 * a directory of specs, another user could write is not taken. */
static int trusted(const char *path, const struct stat *st, bool default_dir, lxr_err *e)
{
	if (!owner_ok(st->st_uid, default_dir))
		return lxr_fail(e, EPERM, "CDI spec %s belongs to uid %u, not root", path,
				(unsigned)st->st_uid);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return lxr_fail(e, EPERM, "CDI spec %s is writable by %s", path,
				st->st_mode & S_IWOTH ? "every user" : "its group");
	return 0;
}

/* one spec, opened beneath the directory that was checked, not through a
 * link, not waiting on a fifo, and checked on its descriptor */
static int load_one(int dfd, const char *dir, const char *name, bool default_dir,
		    struct lxr_cdi_spec *s, lxr_err *e)
{
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s", dir, name), *text = NULL;
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	size_t len;

	if (fd < 0 && errno == ELOOP)
		return lxr_fail(e, ELOOP, "CDI spec %s is a symbolic link", path),
		       lxr_err_hint(e,
				    "lxr reads no spec through a link: put the file itself there");
	if (fd < 0)
		return lxr_fail(e, errno, "CDI spec %s", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return lxr_fail(e, EINVAL, "CDI spec %s: not a file", path);
	if (trusted(path, &st, default_dir, e) < 0 || lxr_read_fd(fd, path, &text, &len, e) < 0)
		return -1;
	return cfg_cdi_spec_parse(path, text, len, !strcmp(strrchr(name, '.'), ".yaml"), s, e);
}

static void broken(struct reg *r, const lxr_err *e)
{
	if (!r->has_broken)
		r->broken = *e;
	r->has_broken = true;
	lxr_strv_push(&r->all_broken, lxr_xstrdup(e->msg));
}

static void load_dir(struct reg *r, const char *dir, int prio)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct stat st;
	char **names = NULL;
	lxr_err e = {0};
	bool dflt = !strcmp(dir, "/etc/cdi") || !strcmp(dir, "/var/run/cdi");

	if (!d)
		return; /* a directory that is not there holds no spec */
	if (fstat(dirfd(d), &st) < 0 || trusted(dir, &st, dflt, &e) < 0) {
		closedir(d);
		return broken(r, &e);
	}
	while ((de = readdir(d)))
		if (spec_file(de->d_name) && de->d_type != DT_DIR)
			lxr_strv_push(&names, lxr_xstrdup(de->d_name));
	if (names)
		qsort(names, lxr_strv_len(names), sizeof(char *), by_name);
	for (size_t i = 0; names && names[i]; i++) {
		struct lxr_cdi_spec s;
		if (load_one(dirfd(d), dir, names[i], dflt, &s, &e) < 0) {
			broken(r, &e);
			continue;
		}
		r->specs = lxr_xrealloc(r->specs, (r->n + 1) * sizeof(*r->specs));
		r->prio = lxr_xrealloc(r->prio, (r->n + 1) * sizeof(*r->prio));
		r->specs[r->n] = s;
		r->prio[r->n++] = prio;
	}
	closedir(d);
	lxr_strv_free(names);
}

static void reg_free(struct reg *r)
{
	for (size_t i = 0; i < r->n; i++)
		lxr_cdi_spec_free(&r->specs[i]);
	free(r->specs);
	free(r->prio);
	lxr_strv_free(r->all_broken);
}

static const char *dirs_text(char *buf, size_t len)
{
	char *const *d = lxr_cdi_dirs();
	size_t at = 0;

	buf[0] = '\0';
	for (size_t i = 0; d[i] && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? ", " : "", d[i]);
	return d[0] ? buf : "(none: [cdi] spec_dirs is empty)";
}

static bool has_kind(const struct reg *r, const char *kind)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->specs[i].kind, kind))
			return true;
	return false;
}

/* the device (and its spec) of that kind and name with the highest priority */
static int find(const struct reg *r, const char *kind, const char *name, size_t *spec, size_t *dev,
		lxr_err *err)
{
	char dirs[512];
	bool found = false;

	for (size_t i = 0; i < r->n; i++) {
		if (strcmp(r->specs[i].kind, kind))
			continue;
		for (size_t k = 0; k < r->specs[i].n_devices; k++) {
			if (strcmp(r->specs[i].devices[k].name, name))
				continue;
			if (found && r->prio[i] == r->prio[*spec])
				return lxr_fail(err, EEXIST,
						"CDI device %s=%s is in both %s and %s", kind, name,
						r->specs[*spec].file, r->specs[i].file),
				       lxr_err_hint(err, "remove one of the two spec files");
			if (!found || r->prio[i] > r->prio[*spec]) {
				*spec = i;
				*dev = k;
			}
			found = true;
		}
	}
	if (found)
		return 0;
	if (has_kind(r, kind)) {
		_cleanup_strv_ char **names = NULL;
		_cleanup_free_ char *list = NULL;
		const char *file = NULL;
		for (size_t i = 0; i < r->n; i++)
			for (size_t k = 0;
			     !strcmp(r->specs[i].kind, kind) && k < r->specs[i].n_devices; k++) {
				if (!lxr_strv_has(names, r->specs[i].devices[k].name))
					lxr_strv_push(&names,
						      lxr_xstrdup(r->specs[i].devices[k].name));
				file = r->specs[i].file;
			}
		list = lxr_strv_join(names, ", ");
		lxr_fail(err, ENODEV,
			 "CDI device %s=%s: the host's %s spec (%s) has no device \"%s\"", kind,
			 name, kind, file, name);
		return lxr_err_hint(err, "it has: %.400s", list);
	}
	lxr_fail(err, ENODEV, "CDI device %s=%s: no CDI spec of kind %s in %s", kind, name, kind,
		 dirs_text(dirs, sizeof(dirs)));
	if (r->has_broken)
		return lxr_err_hint(err, "a spec there could not be read: %s", r->broken.msg);
	return lxr_err_hint(err, GENERATE_HINT);
}

/* ---- merging edits ----------------------------------------------------------- */

/* a later node or mount at the same container path replaces the earlier */
static void add_node(struct lxr_cdi_edits *o, const struct lxr_cdi_node *n)
{
	struct lxr_cdi_node *d = NULL;

	for (size_t i = 0; i < o->n_nodes && !d; i++)
		if (!strcmp(o->nodes[i].path, n->path))
			d = &o->nodes[i];
	if (d) {
		free(d->path);
		free(d->host_path);
		free(d->permissions);
	} else {
		o->nodes = lxr_xrealloc(o->nodes, (o->n_nodes + 1) * sizeof(*o->nodes));
		d = &o->nodes[o->n_nodes++];
	}
	*d = *n;
	d->path = lxr_xstrdup(n->path);
	d->host_path = lxr_xstrdup(n->host_path ? n->host_path : n->path);
	d->permissions = lxr_xstrdup(n->permissions);
}

static void add_mount(struct lxr_cdi_edits *o, const struct lxr_cdi_mount *m)
{
	struct lxr_cdi_mount *d = NULL;

	for (size_t i = 0; i < o->n_mounts && !d; i++)
		if (!strcmp(o->mounts[i].container_path, m->container_path))
			d = &o->mounts[i];
	if (d) {
		free(d->host_path);
		free(d->container_path);
		free(d->type);
		lxr_strv_free(d->options);
	} else {
		o->mounts = lxr_xrealloc(o->mounts, (o->n_mounts + 1) * sizeof(*o->mounts));
		d = &o->mounts[o->n_mounts++];
	}
	d->host_path = lxr_xstrdup(m->host_path);
	d->container_path = lxr_xstrdup(m->container_path);
	d->type = lxr_xstrdup(m->type);
	d->options = lxr_strv_dup(m->options);
}

static void add_hook(struct lxr_cdi_edits *o, const struct lxr_cdi_hook *h)
{
	struct lxr_cdi_hook *d;

	o->hooks = lxr_xrealloc(o->hooks, (o->n_hooks + 1) * sizeof(*o->hooks));
	d = &o->hooks[o->n_hooks++];
	d->hook_name = lxr_xstrdup(h->hook_name);
	d->path = lxr_xstrdup(h->path);
	d->args = lxr_strv_dup(h->args);
	d->env = lxr_strv_dup(h->env);
	d->timeout = h->timeout;
}

/* what lxr does not make is refused, naming the spec: a device without
 * its hooks' work (nvidia's ld.so cache) would fail in the container */
static int edits_add(struct lxr_cdi_edits *o, const struct lxr_cdi_edits *e, const char *what,
		     const char *file, lxr_err *err)
{
	if (e->unsupported)
		return lxr_fail(err, ENOTSUP, "CDI device %s (%s): lxr does not make %s edits",
				what, file, e->unsupported);
	for (size_t i = 0; i < e->n_hooks; i++)
		if (strcmp(e->hooks[i].hook_name, "createContainer"))
			return lxr_fail(err, ENOTSUP,
					"CDI device %s (%s): lxr runs createContainer hooks only, "
					"not %s (%s)",
					what, file, e->hooks[i].hook_name, e->hooks[i].path),
			       lxr_err_hint(err, "the spec's vendor tool can write one without it");
	for (size_t i = 0; e->env && e->env[i]; i++)
		lxr_strv_setenv(&o->env, e->env[i]);
	for (size_t i = 0; i < e->n_nodes; i++)
		add_node(o, &e->nodes[i]);
	for (size_t i = 0; i < e->n_mounts; i++)
		add_mount(o, &e->mounts[i]);
	for (size_t i = 0; i < e->n_hooks; i++)
		add_hook(o, &e->hooks[i]);
	for (size_t i = 0; i < e->n_gids; i++) {
		bool dup = false;
		for (size_t k = 0; k < o->n_gids; k++)
			dup |= o->gids[k] == e->gids[i];
		if (!dup) {
			o->gids = lxr_xrealloc(o->gids, (o->n_gids + 1) * sizeof(*o->gids));
			o->gids[o->n_gids++] = e->gids[i];
		}
	}
	return 0;
}

/* The node's kind and numbers from the host where the spec leaves them
 * out; a spec that gives type and major needs no host node (the CDI
 * library's rule). */
static int fill_node(struct lxr_cdi_node *n, const char *what, lxr_err *err)
{
	bool minimal = n->type && (n->major > 0 || n->type == 'p');
	char host;
	struct stat st;

	if (n->type == 'u')
		n->type = 'c';
	if (lstat(n->host_path, &st) < 0) {
		if (minimal)
			goto done;
		return lxr_fail(err, errno, "CDI device %s: host device node %s", what,
				n->host_path),
		       lxr_err_hint(err, "the spec names a node this host does not have: load "
					 "the driver, or write the spec again");
	}
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode) && !S_ISFIFO(st.st_mode)) {
		if (minimal)
			goto done;
		return lxr_fail(err, ENODEV, "CDI device %s: %s is not a device node", what,
				n->host_path);
	}
	host = S_ISBLK(st.st_mode) ? 'b' : S_ISFIFO(st.st_mode) ? 'p' : 'c';
	if (n->type && n->type != host)
		return lxr_fail(err, EINVAL,
				"CDI device %s: the spec says type %c, the host's %s is %c", what,
				n->type, n->host_path, host);
	n->type = host;
	/* the CDI library's: a major of 0 is none given */
	if (n->major <= 0 && host != 'p') {
		n->major = major(st.st_rdev);
		n->minor = minor(st.st_rdev);
	}
	if (n->file_mode < 0)
		n->file_mode = st.st_mode & 07777;
done:
	if (n->minor < 0)
		n->minor = 0;
	if (n->file_mode < 0)
		n->file_mode = 0666; /* runc's default for a node without one */
	return 0;
}

/* ---- what a service asks for ------------------------------------------------- */

static int add_device(const struct reg *r, const char *qualified, struct lxr_cdi_edits *out,
		      bool *spec_done, lxr_err *err)
{
	char kind[256];
	const char *name;
	size_t s = 0, d = 0;

	if (!lxr_cdi_name_split(qualified, kind, sizeof(kind), &name))
		return lxr_fail(err, EINVAL, "\"%s\" is not a CDI device name", qualified),
		       lxr_err_hint(err, "vendor.com/class=name, e.g. nvidia.com/gpu=all");
	if (find(r, kind, name, &s, &d, err) < 0)
		return -1;
	if (!spec_done[s] &&
	    edits_add(out, &r->specs[s].edits, qualified, r->specs[s].file, err) < 0)
		return -1;
	spec_done[s] = true;
	return edits_add(out, &r->specs[s].devices[d].edits, qualified, r->specs[s].file, err);
}

/* nvidia's and AMD's CDI kinds, by the request's driver or, without one,
 * its capabilities (docker picks the driver that has them all) */
static const char *req_kind(const struct reg *r, const struct cfg_device_request *q, lxr_err *err)
{
	static const char *const nv_caps[] = {"gpu",      "nvidia",  "compute", "compat32",
					      "graphics", "utility", "video",   "display"};
	bool nv = true, amd = true;

	if (q->driver && !strcmp(q->driver, "nvidia"))
		return "nvidia.com/gpu";
	if (q->driver && !strcmp(q->driver, "amd"))
		return "amd.com/gpu";
	if (q->driver)
		return lxr_fail(err, ENOTSUP, "device request driver \"%s\"", q->driver),
		       lxr_err_hint(err, "nvidia, amd or cdi (with CDI names in device_ids)"), NULL;
	for (size_t i = 0; q->caps && q->caps[i]; i++) {
		bool in = false;
		for (size_t k = 0; k < sizeof(nv_caps) / sizeof(nv_caps[0]); k++)
			in |= !strcmp(q->caps[i], nv_caps[k]);
		nv &= in;
		amd &= !strcmp(q->caps[i], "gpu") || !strcmp(q->caps[i], "amd");
	}
	if (nv && (has_kind(r, "nvidia.com/gpu") || !amd || !has_kind(r, "amd.com/gpu")))
		return "nvidia.com/gpu";
	if (amd)
		return "amd.com/gpu";
	return lxr_fail(err, ENOTSUP, "no device driver has the capabilities asked for"),
	       lxr_err_hint(err, "capabilities: [gpu], with driver nvidia or amd"), NULL;
}

static int add_request(const struct reg *r, const struct cfg_device_request *q,
		       struct lxr_cdi_edits *out, bool *spec_done, lxr_err *err)
{
	const char *kind;
	char name[300];

	if (q->driver && !strcmp(q->driver, "cdi")) {
		/* docker's CDI driver: names, never a count (compose's
		 * default count, all, included) */
		if (!q->ids || !q->ids[0])
			return lxr_fail(err, EINVAL, "driver cdi names its devices in device_ids"),
			       lxr_err_hint(err, "device_ids: [nvidia.com/gpu=0]");
		for (size_t i = 0; q->ids && q->ids[i]; i++)
			if (add_device(r, q->ids[i], out, spec_done, err) < 0)
				return -1;
		return 0;
	}
	if (!(kind = req_kind(r, q, err)))
		return -1;
	for (size_t i = 0; q->ids && q->ids[i]; i++) {
		snprintf(name, sizeof(name), "%s=%s", kind, q->ids[i]);
		if (add_device(r, name, out, spec_done, err) < 0)
			return -1;
	}
	if (q->count < 0) { /* every device: the spec's "all", as the vendors write */
		snprintf(name, sizeof(name), "%s=all", kind);
		return add_device(r, name, out, spec_done, err);
	}
	for (int64_t i = 0; !q->ids && i < q->count; i++) {
		snprintf(name, sizeof(name), "%s=%lld", kind, (long long)i);
		if (add_device(r, name, out, spec_done, err) < 0)
			return has_kind(r, kind)
				   ? lxr_err_hint(err,
						  "count: %lld asks for devices 0 "
						  "to %lld: the host has fewer",
						  (long long)q->count, (long long)q->count - 1)
				   : -1;
	}
	return 0;
}

/* `runtime: nvidia` (nvidia-container-runtime): the GPUs the container's
 * NVIDIA_VISIBLE_DEVICES names, the service's over the image's, read as
 * NVIDIA's toolkit reads it: items trimmed, empty ones dropped, void then
 * none then all winning over a list; unset in an old CUDA image (one with
 * CUDA_VERSION and no NVIDIA_REQUIRE_CUDA), all. NULL: no GPU. */
static char **nvidia_visible(const struct cfg_service *svc, char *const *image_env)
{
	const char *v = lxr_strv_getenv(image_env, "NVIDIA_VISIBLE_DEVICES");
	bool set = v != NULL, vd = false, none = false, all = false;
	_cleanup_free_ char *copy = NULL;
	char **out = NULL;

	for (size_t i = 0; i < svc->environment.n; i++)
		if (!strcmp(svc->environment.v[i].key, "NVIDIA_VISIBLE_DEVICES"))
			set = (v = svc->environment.v[i].value) != NULL;
	if (!set && lxr_strv_getenv(image_env, "CUDA_VERSION") &&
	    !lxr_strv_getenv(image_env, "NVIDIA_REQUIRE_CUDA"))
		v = "all";
	copy = lxr_xstrdup(v ? v : "");
	for (char *save = NULL, *t = strtok_r(copy, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		size_t n;
		t += strspn(t, " \t");
		n = strlen(t);
		while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
			t[--n] = '\0';
		vd |= !strcmp(t, "void");
		none |= !strcmp(t, "none");
		all |= !strcmp(t, "all");
		if (n)
			lxr_strv_push(&out, lxr_xstrdup(t));
	}
	if (vd || none || all) {
		lxr_strv_free(out);
		out = NULL;
	}
	if (all && !vd && !none)
		lxr_strv_push(&out, lxr_xstrdup("all"));
	return out;
}

/* each item a device of nvidia.com/gpu, or a CDI name of its own
 * (nvidia.com/mig=..., as the toolkit takes them) */
static int add_visible(const struct reg *r, char *const *visible, struct lxr_cdi_edits *out,
		       bool *spec_done, lxr_err *err)
{
	char name[300], kind[256];
	const char *dev;

	for (size_t i = 0; visible && visible[i]; i++) {
		if (lxr_cdi_name_split(visible[i], kind, sizeof(kind), &dev))
			snprintf(name, sizeof(name), "%s", visible[i]);
		else
			snprintf(name, sizeof(name), "nvidia.com/gpu=%s", visible[i]);
		if (add_device(r, name, out, spec_done, err) < 0)
			return lxr_err_wrap(err, "runtime: nvidia, NVIDIA_VISIBLE_DEVICES names %s",
					    visible[i]);
	}
	return 0;
}

static int resolve(const struct reg *r, const struct cfg_service *svc, char *const *visible,
		   const char *file, struct lxr_cdi_edits *out, lxr_err *err)
{
	_cleanup_free_ bool *done = lxr_xcalloc(r->n + 1, sizeof(bool));
	struct cfg_pos pos;

	for (size_t i = 0; i < svc->cdi_devices.n; i++)
		if (add_device(r, svc->cdi_devices.v[i].v, out, done, err) < 0) {
			pos = svc->cdi_devices.v[i].pos;
			goto at;
		}
	for (size_t i = 0; i < svc->n_gpu_reqs; i++)
		if (add_request(r, &svc->gpu_reqs[i], out, done, err) < 0) {
			pos = svc->gpu_reqs[i].pos;
			goto at;
		}
	pos = svc->tune.runtime.pos;
	if (visible && add_visible(r, visible, out, done, err) < 0)
		goto at;
	pos = svc->cdi_devices.n ? svc->cdi_devices.v[0].pos
	      : svc->n_gpu_reqs  ? svc->gpu_reqs[0].pos
				 : svc->tune.runtime.pos;
	for (size_t i = 0; i < out->n_nodes; i++)
		if (fill_node(&out->nodes[i], out->nodes[i].path, err) < 0)
			goto at;
	/* the CDI spec's rule: a host file it names must be there at run */
	for (size_t i = 0; i < out->n_mounts; i++) {
		struct stat st;
		if (out->mounts[i].host_path[0] == '/' && stat(out->mounts[i].host_path, &st) < 0) {
			lxr_fail(err, errno, "CDI mount %s on %s", out->mounts[i].host_path,
				 out->mounts[i].container_path);
			lxr_err_hint(err, "the spec names a host file this host does not have: "
					  "write the spec again (the driver changed?)");
			goto at;
		}
	}
	return 0;
at:
	/* lxr run's flags: the message names the device already */
	return file ? lxr_err_wrap(err, "%s:%d:%d: service \"%s\"", file, pos.line, pos.col,
				   svc->name)
		    : -1;
}

int rt_cdi_resolve(const struct cfg_service *svc, char *const *image_env, const char *file,
		   struct lxr_cdi_edits *out, lxr_err *err)
{
	struct reg r = {0};
	char *const *dirs = lxr_cdi_dirs();
	const char *rt = svc->tune.runtime.v;
	_cleanup_strv_ char **visible =
	    rt && !strcmp(rt, "nvidia") ? nvidia_visible(svc, image_env) : NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!svc->cdi_devices.n && !svc->n_gpu_reqs && !visible)
		return 0;
	for (int i = 0; dirs[i]; i++)
		load_dir(&r, dirs[i], i);
	rc = resolve(&r, svc, visible, file, out, err);
	reg_free(&r);
	if (rc < 0)
		lxr_cdi_edits_free(out);
	return rc;
}

char **rt_cdi_list(char ***warnings)
{
	struct reg r = {0};
	char *const *dirs = lxr_cdi_dirs();
	char **out = NULL;

	for (int i = 0; dirs[i]; i++)
		load_dir(&r, dirs[i], i);
	for (size_t i = 0; i < r.n; i++)
		for (size_t k = 0; k < r.specs[i].n_devices; k++) {
			_cleanup_free_ char *q =
			    lxr_xasprintf("%s=%s", r.specs[i].kind, r.specs[i].devices[k].name);
			if (!lxr_strv_has(out, q))
				lxr_strv_push(&out, lxr_steal_ptr(&q));
		}
	*warnings = r.all_broken;
	r.all_broken = NULL;
	reg_free(&r);
	if (out)
		qsort(out, lxr_strv_len(out), sizeof(char *), by_name);
	return out;
}
