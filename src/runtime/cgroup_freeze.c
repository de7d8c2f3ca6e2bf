/* Pausing a container (docker pause): its cgroup frozen. cgroup v1 has the
 * freezer controller (freezer.state: THAWED, FREEZING, FROZEN); v2 has
 * cgroup.freeze in every cgroup and reports the result as "frozen 0|1" in
 * cgroup.events, which wakes poll() with POLLPRI when it changes. A
 * hybrid host with a v1 freezer uses that one: its tasks are the
 * container's, as on the other v1 hierarchies. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "runtime/cgroup.h"

/* Freezing waits for every task to reach the refrigerator; one in an
 * uninterruptible sleep (disk, NFS) can hold it back a while. Give up
 * after 10 s, as docker's runc does, rather than hang the supervisor. */
#define FREEZE_WAIT_MS 10000

static const struct rt_cg_leaf *freezer_leaf(struct lxr_cgroup *cg)
{
	const struct rt_cg_leaf *l = cg->leaf, *v2 = NULL;

	for (size_t i = 0; i < cg->n_leaves; i++) {
		if (!l[i].path)
			continue;
		if (l[i].version == LXR_CG_V1 && (l[i].ctrls & (1u << RT_CG_FREEZER)))
			return &l[i];
		if (l[i].version == LXR_CG_V2)
			v2 = &l[i];
	}
	return v2;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Does dir/file hold want (a word of its text, or "key value" line)? */
static bool holds(const char *dir, const char *file, const char *want)
{
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s", dir, file);
	_cleanup_free_ char *text = NULL;

	if (lxr_read_file_at(AT_FDCWD, path, &text, NULL, NULL) < 0)
		return false;
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (len == strlen(want) && !strncmp(line, want, len))
			return true;
		line = nl ? nl + 1 : NULL;
	}
	return false;
}

static int wait_v1(const char *dir, bool frozen, lxr_err *err)
{
	int64_t until = now_ms() + FREEZE_WAIT_MS;
	const char *want = frozen ? "FROZEN" : "THAWED";

	/* v1 has no notification: read again until the state settles */
	while (!holds(dir, "freezer.state", want)) {
		struct timespec ts = {0, 5 * 1000000L};
		if (now_ms() > until)
			return lxr_fail(err, ETIMEDOUT, "%s/freezer.state is not %s after %d s",
					dir, want, FREEZE_WAIT_MS / 1000);
		nanosleep(&ts, NULL);
	}
	return 0;
}

static int wait_v2(const char *dir, bool frozen, lxr_err *err)
{
	_cleanup_free_ char *path = lxr_xasprintf("%s/cgroup.events", dir);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	int64_t until = now_ms() + FREEZE_WAIT_MS;
	const char *want = frozen ? "frozen 1" : "frozen 0";

	if (fd < 0)
		return lxr_fail(err, errno, "open %s", path);
	while (!holds(dir, "cgroup.events", want)) {
		struct pollfd p = {.fd = fd, .events = POLLPRI};
		int64_t left = until - now_ms();
		if (left <= 0)
			return lxr_fail(err, ETIMEDOUT, "%s does not say \"%s\" after %d s", path,
					want, FREEZE_WAIT_MS / 1000);
		/* the kernel notifies a change of the file with POLLPRI; a
		 * bounded wait still reads again, in case the change came
		 * between the read and the poll */
		if (poll(&p, 1, left < 100 ? (int)left : 100) < 0 && errno != EINTR)
			return lxr_fail(err, errno, "poll %s", path);
	}
	return 0;
}

int rt_cgroup_freeze(struct lxr_cgroup *cg, bool frozen, lxr_err *err)
{
	const struct rt_cg_leaf *l = freezer_leaf(cg);
	bool v1 = l && l->version == LXR_CG_V1;
	_cleanup_free_ char *file = NULL;

	if (!l) {
		lxr_fail(err, ENOTSUP,
			 "no cgroup freezer: neither a v1 freezer hierarchy nor "
			 "cgroup v2 is mounted");
		return lxr_err_hint(err, "mount one (mount -t cgroup -o freezer cgroup "
					 "/sys/fs/cgroup/freezer, or cgroup2)");
	}
	file = lxr_xasprintf("%s/%s", l->path, v1 ? "freezer.state" : "cgroup.freeze");
	if (lxr_write_file_at(AT_FDCWD, file,
			      v1 ? (frozen ? "FROZEN" : "THAWED") : (frozen ? "1" : "0"),
			      err) < 0) {
		if (!v1 && err->errnum == ENOENT)
			lxr_err_hint(err, "cgroup.freeze needs Linux 5.2 or later");
		return lxr_err_wrap(err, "%s", frozen ? "pause" : "unpause");
	}
	if ((v1 ? wait_v1(l->path, frozen, err) : wait_v2(l->path, frozen, err)) < 0)
		return lxr_err_wrap(err, "%s", frozen ? "pause" : "unpause");
	return 0;
}

bool rt_cgroup_frozen(struct lxr_cgroup *cg)
{
	const struct rt_cg_leaf *l = freezer_leaf(cg);

	if (!l)
		return false;
	if (l->version == LXR_CG_V1)
		return !holds(l->path, "freezer.state", "THAWED");
	return holds(l->path, "cgroup.events", "frozen 1") || holds(l->path, "cgroup.freeze", "1");
}

void rt_cg_leaf_thaw(const struct rt_cg_leaf *l)
{
	_cleanup_free_ char *file = NULL;
	lxr_err err;

	if (l->version == LXR_CG_V1 && !(l->ctrls & (1u << RT_CG_FREEZER)))
		return;
	file = lxr_xasprintf("%s/%s", l->path,
			     l->version == LXR_CG_V1 ? "freezer.state" : "cgroup.freeze");
	if (access(file, F_OK) == 0)
		lxr_write_file_at(AT_FDCWD, file, l->version == LXR_CG_V1 ? "THAWED" : "0", &err);
}
