/* The host's device nodes, as the plan needs them to give one to a
 * container (docker's --device, and every one for --privileged). Looked up
 * before anything is created, so a missing device fails `up` or `run` with
 * nothing to undo. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>

#include "runtime/runtime_internal.h"

/* Deeper than any /dev (/dev/dri/by-path, /dev/snd/by-id): a bound, not a
 * limit anyone meets. */
#define WALK_DEPTH 8

static void fill(struct lxr_device *d, const char *path, const struct stat *st)
{
	memset(d, 0, sizeof(*d));
	d->path = lxr_xstrdup(path);
	d->type = S_ISBLK(st->st_mode) ? 'b' : 'c';
	d->major = major(st->st_rdev);
	d->minor = minor(st->st_rdev);
	d->file_mode = st->st_mode & 07777;
	d->uid = st->st_uid;
	d->gid = st->st_gid;
}

int rt_device_from_host(const char *host, const char *container, struct lxr_device *out,
			lxr_err *err)
{
	struct stat st;

	memset(out, 0, sizeof(*out));
	/* a link (/dev/disk/by-id/..., /dev/cdrom) names the node it points at */
	if (stat(host, &st) < 0) {
		lxr_fail(err, errno, "device %s", host);
		if (errno == ENOENT)
			lxr_err_hint(err,
				     "there is no such device on this host: check the path (ls -l "
				     "%s), or load the driver that makes it",
				     host);
		return -1;
	}
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
		return lxr_fail(err, ENODEV, "device %s: %s, not a character or block device", host,
				S_ISDIR(st.st_mode) ? "a directory" : "a file"),
		       lxr_err_hint(err, "name a device node, such as /dev/fuse; to share files "
					 "use a volume");
	fill(out, container ? container : host, &st);
	out->host_path = lxr_xstrdup(host);
	return 0;
}

static void add(struct lxr_device **v, size_t *n, const char *path, const struct stat *st)
{
	*v = lxr_xrealloc(*v, (*n + 1) * sizeof(**v));
	fill(&(*v)[(*n)++], path, st);
}

/* docker's walk (runc's GetDevices): every char and block node, not
 * following links, leaving out what a container has its own of — its PTYs
 * and console, shm, mqueue, the fd links — and the links of tools. */
static int walk(int dfd, const char *dir, int depth, struct lxr_device **v, size_t *n, lxr_err *err)
{
	static const char *const skip_dirs[] = {"pts", ".lxc",   ".lxd-mounts", "shm",
						"fd",  "mqueue", ".udev"};
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	int r = 0;

	if (!d) {
		close(dfd);
		return lxr_fail(err, errno, "read %s", dir);
	}
	while (r == 0 && (de = readdir(d))) {
		struct stat st;
		bool skip = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
			    !strcmp(de->d_name, "console");
		for (size_t i = 0; i < sizeof(skip_dirs) / sizeof(skip_dirs[0]); i++)
			skip |= !strcmp(de->d_name, skip_dirs[i]);
		if (skip || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* gone since readdir: udev renames as it likes */
		_cleanup_free_ char *path = lxr_xasprintf("%s/%s", dir, de->d_name);
		if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
			add(v, n, path, &st);
		} else if (S_ISDIR(st.st_mode) && depth < WALK_DEPTH) {
			int sub = openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				r = walk(sub, path, depth + 1, v, n, err);
		}
	}
	closedir(d);
	return r;
}

int rt_devices_host_all(struct lxr_device **out, size_t *n, lxr_err *err)
{
	int dfd = open("/dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	*out = NULL;
	*n = 0;
	if (dfd < 0)
		return lxr_fail(err, errno, "open /dev");
	if (walk(dfd, "/dev", 0, out, n, err) < 0) {
		rt_devices_free(*out, *n);
		*out = NULL;
		*n = 0;
		return lxr_err_wrap(err, "list the host's devices");
	}
	return 0;
}

void rt_devices_free(struct lxr_device *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].host_path);
	}
	free(v);
}

void rt_plan_host_free(struct rt_plan_host *h)
{
	rt_devices_free(h->devs, h->n_devs);
	rt_devices_free(h->all, h->n_all);
	free(h->blkio);
	lxr_cdi_edits_free(&h->cdi);
	rt_image_vols_free(h);
	memset(h, 0, sizeof(*h));
}

/* blkio_config's devices and cpuset's CPUs, each error at its line */
static int host_resources(const struct cfg_service *c, const char *file, struct rt_plan_host *h,
			  lxr_err *err)
{
	const struct cfg_svc_tune *t = &c->tune;

	if (t->cpuset.v && *t->cpuset.v && rt_host_check_cpuset(t->cpuset.v, err) < 0)
		return file ? lxr_err_wrap(err, "%s:%d:%d: service \"%s\"", file,
					   t->cpuset.pos.line, t->cpuset.pos.col, c->name)
			    : -1;
	h->blkio = lxr_xcalloc(t->n_blkio + 1, sizeof(*h->blkio));
	for (size_t i = 0; i < t->n_blkio; i++) {
		const struct cfg_blkio_dev *b = &t->blkio[i];
		if (rt_host_blkio_device(b->kind, b->path, b->value, &h->blkio[i], err) < 0)
			return file ? lxr_err_wrap(err, "%s:%d:%d: service \"%s\"", file,
						   b->pos.line, b->pos.col, c->name)
				    : -1;
	}
	h->p.blkio = h->blkio;
	return 0;
}

int rt_plan_host(const struct cfg_service *c, char *const *image_env, const char *file,
		 struct rt_plan_host *h, lxr_err *err)
{
	static struct utsname u;
	/* the host's answers, asked once per process: a stack's every
	 * service is planned against the same host (41 prctl calls a
	 * service otherwise) */
	static uint64_t caps;
	static bool caps_known;

	memset(h, 0, sizeof(*h));
	if (!caps_known) {
		caps = rt_caps_privileged();
		caps_known = true;
	}
	h->p.all_caps = caps;
	if (!u.release[0])
		uname(&u);
	h->p.kernel_release = u.release[0] ? u.release : NULL;
	h->devs = lxr_xcalloc(c->n_devices + 1, sizeof(*h->devs));
	for (; h->n_devs < c->n_devices; h->n_devs++) {
		const struct cfg_device *d = &c->devices[h->n_devs];
		if (rt_device_from_host(d->source, d->target, &h->devs[h->n_devs], err) < 0)
			return file ? lxr_err_wrap(err, "%s:%d:%d: service \"%s\": devices", file,
						   d->pos.line, d->pos.col, c->name)
				    : lxr_err_wrap(err, "--device %s", d->source);
	}
	if (host_resources(c, file, h, err) < 0)
		return -1;
	if (c->privileged.set && c->privileged.v) {
		if (rt_devices_host_all(&h->all, &h->n_all, err) < 0)
			return lxr_err_wrap(err, "service \"%s\": privileged", c->name);
	}
	if (rt_cdi_resolve(c, image_env, file, &h->cdi, err) < 0 ||
	    rt_image_vols(c, file, h, err) < 0)
		return -1;
	h->p.cdi = &h->cdi;
	h->p.devices = h->devs;
	h->p.all_devices = h->all;
	h->p.n_all_devices = h->n_all;
	return 0;
}
