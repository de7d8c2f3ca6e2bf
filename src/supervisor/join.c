/* An instance that shares another container's namespaces (network_mode,
 * pid and ipc as service:X or container:NAME). Each start looks the other
 * container's init up again (it may have restarted since) and joins its
 * namespaces, with the files that go with them as docker's container:
 * modes share them: /etc/hosts and resolv.conf with the network, /dev/shm
 * with ipc. Those mounts are the carrier's, not the plan's: their sources
 * name the other's current process. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lxr/supervisor.h"
#include "supervisor/sup.h"

/* The init of the container j names: an instance of this stack, running,
 * or any container lxr runs (container:NAME, from any project). */
static int target_pid(struct sup *s, const struct plan_ns_join *j, const char *key, pid_t *pid,
		      lxr_err *err)
{
	struct lxr_container_ref ref;

	if (!j->container && !s)
		return lxr_fail(err, ESRCH, "%s service:%s: there is no stack to find it in", key,
				j->name),
		       lxr_err_hint(err, "outside a stack, name a container: container:NAME");
	if (!j->container) {
		struct sup_instance *x = sup_find_instance(s, j->name);
		if (!x || !x->c)
			return lxr_fail(err, ESRCH, "%s service: %s is not running", key, j->name),
			       lxr_err_hint(err,
					    "it starts first (an implicit depends_on); see why "
					    "it stopped with `lxr ps` and `lxr logs`");
		*pid = rt_container_pid(x->c);
		return 0;
	}
	/* a container's name, which is a directory's: nothing that leads
	 * out of lxr's run directory */
	if (!j->name[0] || j->name[0] == '.' || strchr(j->name, '/'))
		return lxr_fail(err, EINVAL, "%s container:%s: not a container name", key, j->name);
	if (rt_container_find_any(lxr_run_dir(), j->name, &ref, err) < 0)
		return lxr_err_wrap(err, "%s container:%s", key, j->name);
	*pid = ref.pid;
	rt_container_ref_free(&ref);
	return 0;
}

/* A path of the other container's, checked to be there as it is shared:
 * a mount of its own, found from its root without symlinks (the runtime
 * takes it from inside its mount namespace: rt_op source_ns). */
static int check_path_in(pid_t pid, const char *path, lxr_err *err)
{
	_cleanup_free_ char *root = lxr_xasprintf("/proc/%d/root", (int)pid);
	_cleanup_close_ int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC), fd = -1;
	struct open_how how = {.flags = O_PATH | O_CLOEXEC,
			       .resolve =
				   RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};

	if (rfd < 0)
		return lxr_fail(err, errno, "open %s", root);
	fd = lxr_openat2(rfd, path, &how);
	if (fd >= 0 || errno == ENOSYS)
		return 0;
	lxr_fail(err, errno, "%s in the container to share (%s)", path, root);
	if (errno == ENOENT && !strcmp(path, "/dev/shm"))
		return lxr_err_hint(err, "a container with `ipc: none` has no /dev/shm to share");
	if (errno == ELOOP)
		return lxr_err_hint(err, "it is a symbolic link there: lxr shares only what the "
					 "container's runtime mounted");
	return -1;
}

/* The carrier's mount at dst: added once, its source updated on each
 * start. A mount of the service's own at dst wins, as with docker. ns:
 * the mount namespace src is in (NULL: the host's). */
static void carrier_mount(struct plan_instance *p, const char *dst, const char *src, const char *ns)
{
	struct lxr_spec *sp = &p->spec;
	size_t first = sp->n_mounts - p->carrier_mounts;

	for (size_t i = 0; i < sp->n_mounts; i++) {
		if (strcmp(sp->mounts[i].destination, dst))
			continue;
		if (i < first)
			return;
		free(sp->mounts[i].source);
		free(sp->mounts[i].source_ns);
		sp->mounts[i].source = lxr_xstrdup(src);
		sp->mounts[i].source_ns = lxr_xstrdup(ns);
		return;
	}
	plan_spec_add_mount(sp, dst, "bind", src, MS_BIND, NULL);
	sp->mounts[sp->n_mounts - 1].source_ns = lxr_xstrdup(ns);
	p->carrier_mounts++;
}

/* A mount of the container pid's own, shared at the same place here. */
static int share_mount(struct plan_instance *p, pid_t pid, const char *path, lxr_err *err)
{
	_cleanup_free_ char *ns = lxr_xasprintf("/proc/%d/ns/mnt", (int)pid);

	if (check_path_in(pid, path, err) < 0)
		return -1;
	carrier_mount(p, path, path, ns);
	return 0;
}

static int share_files(struct sup *s, struct plan_instance *p, const struct plan_ns_join *j,
		       pid_t pid, int ns, lxr_err *err)
{
	static const char *const net_files[] = {"/etc/hosts", "/etc/resolv.conf"};
	struct sup_instance *x = j->container ? NULL : sup_find_instance(s, j->name);

	if (ns == LXR_NS_IPC)
		return share_mount(p, pid, "/dev/shm", err);
	if (ns != LXR_NS_NET)
		return 0;
	/* a service of the stack: its endpoint's files, from the host */
	if (x) {
		const struct lxr_spec *xs = &x->plan.spec;
		for (size_t i = xs->n_mounts - x->plan.carrier_mounts; i < xs->n_mounts; i++)
			if (!xs->mounts[i].source_ns &&
			    (!strcmp(xs->mounts[i].destination, net_files[0]) ||
			     !strcmp(xs->mounts[i].destination, net_files[1])))
				carrier_mount(p, xs->mounts[i].destination, xs->mounts[i].source,
					      NULL);
		return 0;
	}
	for (size_t i = 0; i < 2; i++)
		if (share_mount(p, pid, net_files[i], err) < 0)
			return -1;
	return 0;
}

/* The name the other container's /etc/hostname holds, if it is a host
 * name at all (the file is that container's to write) */
static char *hostname_in(pid_t pid)
{
	_cleanup_free_ char *root = lxr_xasprintf("/proc/%d/root", (int)pid), *self = NULL;
	_cleanup_close_ int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC), pfd = -1, fd = -1;
	struct open_how how = {.flags = O_PATH | O_CLOEXEC,
			       .resolve =
				   RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
	char buf[65] = "";
	struct stat st;
	ssize_t n;

	if (rfd < 0 || (pfd = lxr_openat2(rfd, "/etc/hostname", &how)) < 0)
		return NULL;
	/* opened for reading only when a regular file: a device node made
	 * there is opened by no host process (the container's device cgroup
	 * does not hold this one) */
	if (fstat(pfd, &st) < 0 || !S_ISREG(st.st_mode))
		return NULL;
	self = lxr_xasprintf("/proc/self/fd/%d", pfd);
	fd = open(self, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return NULL;
	buf[strcspn(buf, "\n")] = '\0';
	if (!buf[0] ||
	    strspn(buf, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
		strlen(buf))
		return NULL;
	return lxr_xstrdup(buf);
}

/* docker's rule for a shared network: the host name goes with it (the
 * UTS namespace stays the container's own) */
static void share_hostname(struct sup *s, struct plan_instance *p, const struct plan_ns_join *j,
			   pid_t pid)
{
	struct sup_instance *x = j->container ? NULL : sup_find_instance(s, j->name);
	char *h = x ? (x->plan.spec.hostname ? lxr_xstrdup(x->plan.spec.hostname) : NULL)
		    : hostname_in(pid);

	if (!h)
		return;
	free(p->spec.hostname);
	p->spec.hostname = h;
}

static int join_one(struct sup *s, struct plan_instance *p, const struct plan_ns_join *j, int ns,
		    lxr_err *err)
{
	static const char *const keys[LXR_NS_COUNT] = {
	    [LXR_NS_NET] = "network_mode", [LXR_NS_PID] = "pid", [LXR_NS_IPC] = "ipc"};
	static const char *const files[LXR_NS_COUNT] = {
	    [LXR_NS_NET] = "net", [LXR_NS_PID] = "pid", [LXR_NS_IPC] = "ipc"};
	struct lxr_spec *sp = &p->spec;
	pid_t pid;

	if (!j->name)
		return 0;
	if (target_pid(s, j, keys[ns], &pid, err) < 0)
		return -1;
	sp->ns[ns].create = false;
	free(sp->ns[ns].join_path);
	sp->ns[ns].join_path = lxr_xasprintf("/proc/%d/ns/%s", (int)pid, files[ns]);
	sp->ns[ns].own = false;
	if (share_files(s, p, j, pid, ns, err) < 0)
		return lxr_err_wrap(err, "%s: %s", keys[ns], j->name);
	if (ns == LXR_NS_NET)
		share_hostname(s, p, j, pid);
	return 0;
}

/* s: the stack whose services service:X names (NULL: none, as for lxr
 * run's container:NAME) */
static int join_all(struct sup *s, struct plan_instance *p, lxr_err *err)
{
	if (join_one(s, p, &p->net_of, LXR_NS_NET, err) < 0 ||
	    join_one(s, p, &p->pid_of, LXR_NS_PID, err) < 0 ||
	    join_one(s, p, &p->ipc_of, LXR_NS_IPC, err) < 0)
		return -1;
	return 0;
}

int sup_join_others(struct sup *s, struct sup_instance *in, lxr_err *err)
{
	return join_all(s, &in->plan, err);
}

int sup_join_containers(struct plan_instance *p, lxr_err *err)
{
	return join_all(NULL, p, err);
}
