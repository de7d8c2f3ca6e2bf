/* The parent's side of a container in a user namespace of its own: what
 * lxr does around the clone (enter the namespaces the container is born
 * in, make its sysfs), then, before the container goes on, its maps, its
 * delegated cgroup and the detached mounts it attaches. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "runtime/runtime_internal.h"

/* A container in a user namespace of its own cannot setns into a
 * namespace the host's owns (the net layer's network namespace): lxr's
 * thread enters those before the clone, which the child is born in, and
 * comes back after. own[]: lxr's, to return to. */
static const int join_flags[LXR_NS_COUNT] = {
    [LXR_NS_NET] = CLONE_NEWNET, [LXR_NS_IPC] = CLONE_NEWIPC, [LXR_NS_UTS] = CLONE_NEWUTS};
static const char *const join_names[LXR_NS_COUNT] = {
    [LXR_NS_NET] = "net", [LXR_NS_IPC] = "ipc", [LXR_NS_UTS] = "uts"};

void rt_userns_joins_leave(int *own)
{
	for (int i = 0; i < LXR_NS_COUNT; i++) {
		if (own[i] < 0)
			continue;
		if (setns(own[i], join_flags[i]) < 0)
			lxr_warn("cannot return to lxr's own %s namespace: %s", join_names[i],
				 strerror(errno));
		close(own[i]);
		own[i] = -1;
	}
}

int rt_userns_joins_enter(int *joins, int *own, lxr_err *err)
{
	for (int i = 0; i < LXR_NS_COUNT; i++)
		own[i] = -1;
	for (int i = 0; i < LXR_NS_COUNT; i++) {
		char path[32];

		if (joins[i] < 0 || !join_flags[i])
			continue;
		snprintf(path, sizeof(path), "/proc/thread-self/ns/%s", join_names[i]);
		own[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (own[i] < 0 || setns(joins[i], join_flags[i]) < 0) {
			int e = errno;
			rt_userns_joins_leave(own);
			return lxr_fail(err, e, "enter the %s namespace to share", join_names[i]);
		}
		close(joins[i]);
		joins[i] = -1;
	}
	return 0;
}

/* The container's sysfs, while lxr's thread is in its network namespace. */
int rt_userns_sysfs_of(const struct lxr_spec *spec, const struct rt_plan *plan, int *out,
		       lxr_err *err)
{
	for (size_t i = 0; i < plan->n; i++)
		if (plan->ops[i].kind == RT_OP_MOUNT && rt_userns_op_tree(spec, &plan->ops[i])) {
			*out = rt_userns_sysfs(&plan->ops[i], err);
			return *out < 0 ? -1 : 0;
		}
	return 0;
}

/* The maps, written before the container goes on, and the cgroup
 * delegated to its root. */
int rt_userns_parent_setup(const struct rt_plan *plan, pid_t pid, const struct lxr_userns *u,
			   int cgfd, lxr_err *err)
{
	for (size_t i = 0; i < plan->n; i++)
		if (plan->ops[i].kind == RT_OP_BIND && plan->ops[i].source_ns)
			return lxr_fail(err, EINVAL,
					"%s: a mount shared from another container (%s) "
					"in a user namespace",
					plan->ops[i].target, plan->ops[i].source_ns),
			       lxr_err_hint(err, "not supported yet: set userns_mode: host on "
						 "this service");
	if (rt_userns_write_maps(pid, u, err) < 0)
		return -1;
	return rt_userns_own_cgroup(cgfd, u, err);
}

static int send_tree(int sock, int fd, lxr_err *err)
{
	int r = fd < 0 ? -1 : lxr_send_fd(sock, fd, err);

	if (fd >= 0)
		close(fd);
	return r;
}

/* An image layer as the container's root sees it: idmapped, or where the
 * kernel or file system has no idmapped mounts (or lxr.conf [userns]
 * shift = copy), its copy with the owners in the range (userns_shift.c). */
static int layer_tree(const char *lower, size_t index, int ufd, const struct lxr_userns *u,
		      const char *dir, lxr_err *err)
{
	_cleanup_free_ char *copy = NULL;
	int fd;

	if (!lxr_userns_shift_copy()) {
		fd = rt_userns_tree(lower, ufd, false, false, err);
		if (fd >= 0 || !rt_userns_idmap_refused(err->errnum))
			return fd;
		lxr_debug("image layer %s: %s; a shifted copy instead", lower, err->msg);
	}
	if (rt_userns_layer_copy(lower, u, dir, index, &copy, err) < 0)
		return -1;
	return rt_userns_tree(copy, -1, false, false, err);
}

/* Every host path the container mounts, as a detached mount made here
 * (only root of the host's user namespace can idmap one), in the order
 * the child takes them: the image layers, then the plan's binds. */
int rt_userns_send(const struct lxr_spec *spec, const struct rt_plan *plan,
		   const struct lxr_userns *u, const char *dir, pid_t pid, int sock, int *sysfs,
		   lxr_err *err)
{
	char path[64];
	_cleanup_close_ int ufd = -1;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	ufd = open(path, O_RDONLY | O_CLOEXEC);
	if (ufd < 0)
		return lxr_fail(err, errno, "open %s", path);
	for (size_t i = 0; spec->lower_dirs && spec->lower_dirs[i]; i++)
		if (send_tree(sock, layer_tree(spec->lower_dirs[i], i, ufd, u, dir, err), err) < 0)
			return lxr_err_wrap(err, "image layer");
	for (size_t i = 0; i < plan->n; i++) {
		const struct rt_op *op = &plan->ops[i];
		if (!rt_userns_op_tree(spec, op))
			continue;
		if (send_tree(sock,
			      op->kind == RT_OP_MOUNT ? lxr_steal_fd(sysfs)
						      : rt_userns_op_tree_open(op, ufd, u, err),
			      err) < 0)
			return lxr_err_wrap(err, "mount on %s", op->target);
	}
	lxr_debug("container %s: mounts sent into its user namespace", spec->id);
	return 0;
}
