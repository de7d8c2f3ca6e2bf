/* A container cgroup's directory in one hierarchy: the shared lxr/ and
 * lxr/<group>/ above it made when missing (a concurrent removal of them
 * survived), v2's controllers handed down to it, v1's cpuset copied into
 * it, a delegated v2 root emptied of its processes first; one mkdir when
 * all of that is there already (cgroup.c asks for it). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime/cgroup.h"

#define MKDIR_TRIES 5

static int contains_word(const char *list, const char *word)
{
	size_t wl = strlen(word);

	for (const char *s = list; (s = strstr(s, word)); s += wl)
		if ((s == list || s[-1] == ' ') && (s[wl] == '\0' || s[wl] == ' ' || s[wl] == '\n'))
			return 1;
	return 0;
}

/* cgroup v2 hands a controller down only where every ancestor's
 * cgroup.subtree_control lists it. */
static int enable_ctrls(const char *dir, unsigned bits, lxr_err *err)
{
	_cleanup_free_ char *file = lxr_xasprintf("%s/cgroup.subtree_control", dir);
	_cleanup_free_ char *cur = NULL;

	if (!bits)
		return 0;
	if (lxr_read_file_at(AT_FDCWD, file, &cur, NULL, err) < 0)
		return -1;
	for (int c = 0; c < RT_CG_NCTRL; c++) {
		const char *n = rt_cg_ctrl_name_v2(c);
		if (!(bits & (1u << c)) || contains_word(cur, n))
			continue;
		_cleanup_free_ char *plus = lxr_xasprintf("+%s", n);
		if (lxr_write_file_at(AT_FDCWD, file, plus, err) == 0)
			continue;
		int e = err->errnum;
		lxr_fail(err, e, "controller %s is not enabled in %s and enabling it failed", n,
			 file);
		if (e == EBUSY)
			return lxr_err_hint(err,
					    "%s has processes of its own, and cgroup v2 lets only "
					    "cgroups without processes hand controllers down",
					    dir);
		return lxr_err_hint(err, "enable it as root: echo +%s > %s", n, file);
	}
	return 0;
}

static int mkdir_shared(const char *path, lxr_err *err)
{
	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return 0;
	return lxr_fail(err, errno, "mkdir %s", path);
}

/* A new v1 cpuset cgroup has no CPUs and no memory nodes, and takes no
 * process until it has both: each level gets its parent's (the leaf's
 * cpuset.cpus is then written by the plan). */
static int cpuset_inherit(const char *dir, lxr_err *err)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};

	for (size_t i = 0; i < 2; i++) {
		_cleanup_free_ char *f = lxr_xasprintf("%s/%s", dir, files[i]);
		_cleanup_free_ char *pf = lxr_xasprintf("%s/../%s", dir, files[i]);
		_cleanup_free_ char *cur = NULL, *up = NULL;
		if (lxr_read_file_at(AT_FDCWD, f, &cur, NULL, err) < 0)
			return -1;
		if (cur[strspn(cur, " \n")])
			continue;
		if (lxr_read_file_at(AT_FDCWD, pf, &up, NULL, err) < 0 ||
		    lxr_write_file_at(AT_FDCWD, f, up, err) < 0)
			return lxr_err_wrap(err, "cpuset cgroup %s", dir);
	}
	return 0;
}

/* v2's no-internal-process rule: a delegated cgroup that holds processes
 * (the unit's: lxr boot, the supervisors) cannot hand controllers down to
 * lxr/. They move to a leaf beside it, <base>/supervisor, as systemd's own
 * delegation contract asks; what forks from them stays there. */
static int evacuate(const char *base, lxr_err *err)
{
	_cleanup_free_ char *procs = lxr_xasprintf("%s/cgroup.procs", base);
	_cleanup_free_ char *leaf = lxr_xasprintf("%s/supervisor", base);
	_cleanup_free_ char *to = lxr_xasprintf("%s/cgroup.procs", leaf);

	/* a process forking meanwhile leaves a child behind: look again */
	for (int round = 0; round < 10; round++) {
		pid_t *pids = NULL;
		size_t n = 0;
		if (rt_cg_read_pids(procs, &pids, &n, err) < 0)
			return lxr_err_wrap(err, "delegated cgroup %s", base);
		if (n == 0)
			return 0;
		if (mkdir(leaf, 0755) < 0 && errno != EEXIST) {
			free(pids);
			return lxr_fail(err, errno, "mkdir %s", leaf);
		}
		for (size_t i = 0; i < n; i++) {
			char v[24];
			snprintf(v, sizeof(v), "%d", (int)pids[i]);
			if (lxr_write_file_at(AT_FDCWD, to, v, err) < 0 && err->errnum != ESRCH) {
				free(pids);
				return lxr_err_wrap(err, "move PID %d out of the delegated cgroup",
						    (int)pids[i]);
			}
		}
		free(pids);
	}
	return lxr_fail(err, EBUSY, "%s keeps getting new processes", procs);
}

/* Whether v2 hands the new leaf DIR every controller in BITS (each
 * ancestor's cgroup.subtree_control lists it). */
static bool leaf_has_ctrls(const char *dir, unsigned bits)
{
	_cleanup_free_ char *file = lxr_xasprintf("%s/cgroup.controllers", dir);
	_cleanup_free_ char *cur = NULL;
	lxr_err ignored;

	if (lxr_read_file_at(AT_FDCWD, file, &cur, NULL, &ignored) < 0)
		return false;
	for (int c = 0; c < RT_CG_NCTRL; c++)
		if ((bits & (1u << c)) && !contains_word(cur, rt_cg_ctrl_name_v2(c)))
			return false;
	return true;
}

/* The usual start: lxr/ and lxr/<group>/ are there from an earlier
 * container, set up as this leaf needs (v1's cpusets filled, v2's
 * controllers handed down), so the leaf is one mkdir, not the parents'
 * mkdirs and subtree_control reads as well. False: take the long way. */
static bool make_leaf_quick(struct rt_cg_leaf *l, char **leaf)
{
	bool v2 = l->version == LXR_CG_V2;

	if (mkdir(*leaf, 0755) < 0)
		return false;
	if (v2 && !leaf_has_ctrls(*leaf, l->ctrls)) {
		rmdir(*leaf);
		return false;
	}
	l->path = lxr_steal_ptr(leaf);
	return true;
}

/* lxr/ and lxr/<group>/ are shared with other containers, and a concurrent
 * destroy may remove them (when empty) between our mkdirs: ENOENT below
 * them means start over. The leaf itself must be new. */
int rt_cg_make_leaf(struct rt_cg_leaf *l, const char *group, const char *name, unsigned root_off,
		    lxr_err *err)
{
	_cleanup_free_ char *top = lxr_xasprintf("%s/lxr", l->mount);
	_cleanup_free_ char *grp = lxr_xasprintf("%s/%s", top, group);
	_cleanup_free_ char *leaf = lxr_xasprintf("%s/%s", grp, name);
	bool v2 = l->version == LXR_CG_V2;
	bool cpuset_v1 = !v2 && (l->ctrls & (1u << RT_CG_CPUSET));

	if (make_leaf_quick(l, &leaf))
		return cpuset_v1 ? cpuset_inherit(l->path, err) : 0;
	if (v2 && root_off && l->delegated && evacuate(l->mount, err) < 0)
		return -1;
	if (v2 && enable_ctrls(l->mount, root_off, err) < 0)
		return -1;
	for (int i = 0; i < MKDIR_TRIES; i++) {
		if (mkdir_shared(top, err) < 0 || (v2 && enable_ctrls(top, l->ctrls, err) < 0) ||
		    (cpuset_v1 && cpuset_inherit(top, err) < 0) || mkdir_shared(grp, err) < 0 ||
		    (v2 && enable_ctrls(grp, l->ctrls, err) < 0) ||
		    (cpuset_v1 && cpuset_inherit(grp, err) < 0)) {
			if (err->errnum == ENOENT)
				continue;
			return -1;
		}
		if (mkdir(leaf, 0755) == 0) {
			l->path = lxr_steal_ptr(&leaf);
			if (cpuset_v1 && cpuset_inherit(l->path, err) < 0)
				return -1;
			return 0;
		}
		if (errno == EEXIST) {
			lxr_fail(err, EEXIST, "cgroup %s already exists", leaf);
			return lxr_err_hint(err,
					    "an earlier run left it behind; `lxr down` for that "
					    "project removes it");
		}
		if (errno != ENOENT)
			return lxr_fail(err, errno, "mkdir %s", leaf);
	}
	return lxr_fail(err, ENOENT, "mkdir %s: its parent kept disappearing", leaf);
}
