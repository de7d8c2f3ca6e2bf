/* The container's filesystem as a list of operations (see runtime_internal.h). The
 * order follows the OCI runtime spec's defaults (runc/crun `spec`), so a
 * container sees what it would under docker. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lxr/plan.h"
#include "runtime/runtime_internal.h"

static struct rt_op *push(struct rt_plan *p, enum rt_op_kind kind, const char *target)
{
	struct rt_op *op;

	p->ops = lxr_xrealloc(p->ops, (p->n + 1) * sizeof(*p->ops));
	op = &p->ops[p->n++];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->target = lxr_xstrdup(target);
	return op;
}

static void add_mount(struct rt_plan *p, const char *target, const char *fstype,
		      unsigned long flags, const char *data)
{
	struct rt_op *op = push(p, RT_OP_MOUNT, target);
	op->fstype = lxr_xstrdup(fstype);
	op->source = lxr_xstrdup(fstype);
	op->flags = flags;
	op->data = lxr_xstrdup(data);
}

static struct rt_op *add_bind(struct rt_plan *p, const char *target, const char *source,
			      unsigned long flags)
{
	struct rt_op *op = push(p, RT_OP_BIND, target);
	op->source = lxr_xstrdup(source);
	op->flags = flags | MS_BIND;
	return op;
}

/* The device nodes every container gets (OCI default "linux.devices" plus
 * what runc/crun always add); others only as the spec's devices say. */
static const struct {
	const char *name;
	unsigned major, minor;
} devices[] = {
    {"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
    {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

static const char *const links[][2] = {
    {"/dev/fd", "/proc/self/fd"},       {"/dev/stdin", "/proc/self/fd/0"},
    {"/dev/stdout", "/proc/self/fd/1"}, {"/dev/stderr", "/proc/self/fd/2"},
    {"/dev/ptmx", "pts/ptmx"},          {"/dev/core", "/proc/kcore"},
};

/* The runtime makes this node itself (a privileged container's copy of the
 * host's /dev/null), or a link there that must stay: /dev/ptmx leads to the
 * container's own devpts, never to the host's PTYs. Any other spec device
 * at a default node's path is a conflict mknod reports (EEXIST). */
static bool runtime_made(const struct lxr_device *d)
{
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		if (lxr_str_has_prefix(d->path, "/dev/") && !strcmp(d->path + 5, devices[i].name))
			return (d->type == 'c' || d->type == 'u') && d->major == devices[i].major &&
			       d->minor == devices[i].minor;
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (!strcmp(d->path, links[i][0]))
			return true;
	return false;
}

static void add_spec_devices(struct rt_plan *p, const struct lxr_spec *spec)
{
	for (size_t i = 0; i < spec->n_devices; i++) {
		const struct lxr_device *d = &spec->devices[i];
		struct rt_op *op;

		if (runtime_made(d))
			continue;
		op = push(p, RT_OP_DEVICE, d->path);
		op->source = lxr_xstrdup(d->host_path ? d->host_path : d->path);
		op->major = (unsigned)d->major;
		op->minor = (unsigned)d->minor;
		op->mode = (d->type == 'b'   ? S_IFBLK
			    : d->type == 'p' ? S_IFIFO
					     : S_IFCHR) |
			   (d->file_mode & 07777);
		op->uid = d->uid;
		op->gid = d->gid;
	}
}

bool rt_spec_mounts_below(const struct lxr_spec *spec, const char *dir)
{
	for (size_t i = 0; i < spec->n_mounts; i++)
		if (lxr_path_within(spec->mounts[i].destination, dir))
			return true;
	return false;
}

static void add_dev(struct rt_plan *p, const struct lxr_spec *spec)
{
	const unsigned long nse = MS_NOSUID | MS_NOEXEC;

	add_mount(p, "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++) {
		char path[32];
		struct rt_op *op;

		snprintf(path, sizeof(path), "/dev/%s", devices[i].name);
		op = push(p, RT_OP_DEVICE, path);
		op->major = devices[i].major;
		op->minor = devices[i].minor;
		op->mode = S_IFCHR | 0666;
	}
	add_spec_devices(p, spec);
	/* newinstance: the container's PTYs are its own, not the host's. */
	add_mount(p, "/dev/pts", "devpts", nse, "newinstance,ptmxmode=0666,mode=0620,gid=5");
	/* ipc: none has none; a /dev/shm of the spec's own (shm_size, the
	 * shared one of ipc: host or another container's) replaces it */
	if (!spec->no_dev_shm && !plan_spec_has_mount(spec, "/dev/shm"))
		add_mount(p, "/dev/shm", "tmpfs", nse | MS_NODEV, "mode=1777,size=65536k");
	add_mount(p, "/dev/mqueue", "mqueue", nse | MS_NODEV, NULL);
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		push(p, RT_OP_SYMLINK, links[i][0])->source = lxr_xstrdup(links[i][1]);
}

void rt_plan_build(const struct lxr_spec *spec, const struct rt_etc_files *etc,
		   struct rt_plan *plan)
{
	const unsigned long nsd = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	/* read-only unless the spec says otherwise (docker: --privileged) */
	const unsigned long sys_ro = spec->writable_sysfs ? 0 : MS_RDONLY;
	/* docker's rule for the files it writes: writable unless the root is
	 * read-only (else a read_only container still writes host files) */
	const unsigned long etc_ro = spec->readonly_root ? MS_RDONLY : 0;

	memset(plan, 0, sizeof(*plan));
	add_mount(plan, "/proc", "proc", nsd, NULL);
	add_dev(plan, spec);
	add_mount(plan, "/sys", "sysfs", nsd | sys_ro, NULL);
	if (etc->cgroup2)
		add_mount(plan, "/sys/fs/cgroup", "cgroup2",
			  nsd | (spec->writable_cgroups ? 0 : sys_ro), NULL);
	if (etc->hostname)
		add_bind(plan, "/etc/hostname", etc->hostname, etc_ro);
	if (etc->hosts)
		add_bind(plan, "/etc/hosts", etc->hosts, etc_ro);
	if (etc->resolv)
		add_bind(plan, "/etc/resolv.conf", etc->resolv, etc_ro);

	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct lxr_mount *m = &spec->mounts[i];
		if (!strcmp(m->type, "bind")) {
			struct rt_op *op = add_bind(plan, m->destination, m->source, m->flags);
			op->copy_up = m->volume && !m->nocopy;
			op->idmap = m->volume || m->idmap;
			op->volume = m->volume;
			op->source_ns = lxr_xstrdup(m->source_ns);
			op->subpath = lxr_xstrdup(m->subpath);
			op->within = lxr_xstrdup(m->within);
			op->propagation = m->propagation ? m->propagation : MS_PRIVATE;
		} else {
			add_mount(plan, m->destination, m->type, m->flags, m->data);
			plan->ops[plan->n - 1].within = lxr_xstrdup(m->within);
		}
	}
	for (size_t i = 0; spec->masked_paths && spec->masked_paths[i]; i++)
		push(plan, RT_OP_MASK, spec->masked_paths[i]);
	for (size_t i = 0; spec->readonly_paths && spec->readonly_paths[i]; i++)
		push(plan, RT_OP_READONLY, spec->readonly_paths[i]);
}

void rt_plan_free(struct rt_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		free(plan->ops[i].target);
		free(plan->ops[i].source);
		free(plan->ops[i].fstype);
		free(plan->ops[i].data);
		free(plan->ops[i].source_ns);
		free(plan->ops[i].subpath);
		free(plan->ops[i].within);
	}
	free(plan->ops);
	lxr_strv_free(plan->cgroup_v1);
	memset(plan, 0, sizeof(*plan));
}

/* "cpu,cpuacct": a link per controller to the hierarchy's directory, as
 * docker (and systemd) lay them out */
static void controller_links(int dir, const char *name)
{
	_cleanup_free_ char *list = lxr_xstrdup(name);
	char *save = NULL;

	if (!strchr(name, ','))
		return;
	for (char *c = strtok_r(list, ",", &save); c; c = strtok_r(NULL, ",", &save))
		if (strncmp(c, "name=", 5))
			(void)!symlinkat(name, dir, c);
}

void rt_rootfs_cgroup_v1(const struct rt_plan *plan, bool rw)
{
	const unsigned long nsd = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	_cleanup_close_ int dir = -1;

	if (!plan->cgroup_v1 || !plan->cgroup_v1[0] ||
	    mount("tmpfs", "/sys/fs/cgroup", "tmpfs", nsd, "mode=755,size=64k") < 0)
		return;
	dir = open("/sys/fs/cgroup", O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; dir >= 0 && plan->cgroup_v1[i]; i++) {
		const char *name = plan->cgroup_v1[i];
		_cleanup_free_ char *at = lxr_xasprintf("/sys/fs/cgroup/%s", name);
		if (strchr(name, '/') || name[0] == '.' || mkdirat(dir, name, 0755) < 0)
			continue;
		/* the container's cgroup is the namespace's root: its own
		 * files, its limits, nothing above them */
		if (mount("cgroup", at, "cgroup", nsd | (rw ? 0 : MS_RDONLY), name) < 0) {
			unlinkat(dir, name, AT_REMOVEDIR);
			continue;
		}
		controller_links(dir, name);
	}
	/* what the container may not write goes whole if it stays writable */
	if (mount(NULL, "/sys/fs/cgroup", NULL, MS_REMOUNT | nsd | (rw ? 0 : MS_RDONLY),
		  "mode=755,size=64k") < 0)
		umount2("/sys/fs/cgroup", MNT_DETACH);
}
