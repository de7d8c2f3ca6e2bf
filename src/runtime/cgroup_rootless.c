/* Cgroups for rootless lxr (docs/rootless.md): an ordinary user may write
 * no cgroup but the ones delegated to it (systemd's Delegate= for
 * user@UID.service, or any cgroup v2 the user owns and marks delegated).
 * Where lxr's own process sits at or below such a cgroup, containers get
 * cgroups below it as root's do (rt_cg_host_base: the same lxr/ layout,
 * the same [cgroup] parent setting), and the controllers delegated bound
 * the limits. Without one (cgroup v1 and hybrid hosts, no user session) a
 * container runs in the cgroup its supervisor is in, without limits of its
 * own. A limit that cannot be had is an error naming what is missing: lxr
 * never accepts a limit and drops it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <linux/magic.h>

#include "runtime/cgroup.h"
#include "runtime/runtime_internal.h"

#define DROP_IN "/etc/systemd/system/user@.service.d/delegate.conf"

int rt_cg_rootless_fits(const char *base, unsigned have, const struct rt_cg_write *w, int n,
			lxr_err *err)
{
	for (int i = 0; i < n; i++) {
		int c = rt_cg_ctrl_from_name(w[i].controller);
		if (c < 0 || (have & (1u << c)))
			continue;
		lxr_fail(err, EPERM,
			 "its limit %s %s needs the %s controller, and the delegated cgroup %s "
			 "does not have it (its cgroup.controllers)",
			 w[i].file, w[i].value, rt_cg_ctrl_name_v2(c), base);
		return lxr_err_hint(err,
				    "drop the limit, or have root delegate %s (systemd delegates "
				    "only memory and pids to user@.service by default): %s with "
				    "\"[Service]\\nDelegate=cpu cpuset io memory pids\", then "
				    "systemctl daemon-reload and log in again",
				    rt_cg_ctrl_name_v2(c), DROP_IN);
	}
	return 0;
}

static bool writable(const char *dir, const char *file)
{
	_cleanup_free_ char *p = lxr_xasprintf("%s/%s", dir, file);

	return access(p, W_OK) == 0;
}

/* The user's own delegated cgroup at or above this process's, or NULL.
 * Delegated but not writable (a root-owned unit's) is not the user's. */
static bool find_base(struct rt_cg_host *h, const char *group, lxr_err *err)
{
	if (rt_cg_host_probe(h, err) < 0)
		return false;
	rt_cg_host_base(h, group, false);
	if (!h->v2_base || !writable(h->v2_base, "cgroup.procs") ||
	    !writable(h->v2_base, "cgroup.subtree_control"))
		return false;
	/* again, recording the choice for the group's later users */
	free(h->v2_base);
	h->v2_base = NULL;
	rt_cg_host_base(h, group, true);
	return h->v2_base != NULL;
}

/* The user's systemd service when lxr runs outside it (a login shell's
 * session-N.scope is root's): a process may move only where the common
 * ancestor's cgroup.procs is writable, and user-UID.slice is root's. */
static char *service_elsewhere(void)
{
	long uid = lxr_rootless_uid();
	char *svc =
	    lxr_xasprintf("/sys/fs/cgroup/user.slice/user-%ld.slice/user@%ld.service", uid, uid);
	char v[4];
	struct stat st;

	if (stat(svc, &st) == 0 && S_ISDIR(st.st_mode) && getxattr(svc, "user.delegate", v, 4) >= 0)
		return svc;
	if (stat(svc, &st) == 0 && S_ISDIR(st.st_mode) && writable(svc, "cgroup.procs"))
		return svc;
	free(svc);
	return NULL;
}

static int no_delegation(const struct rt_cg_write *w, lxr_err *err)
{
	_cleanup_free_ char *svc = service_elsewhere();

	lxr_fail(err, EPERM,
		 "its limits (%s %s) need a cgroup, and rootless lxr has no delegated cgroup v2 "
		 "subtree of the user's at or above its own (/proc/self/cgroup) to make one in",
		 w->file, w->value);
	if (svc)
		return lxr_err_hint(err,
				    "lxr runs outside the user's delegated %s and may not move "
				    "containers into it: start it there, `systemd-run --user "
				    "--scope lxr up` (docs/rootless.md); or drop the limit",
				    svc);
	return lxr_err_hint(
	    err, "drop the limit (mem_limit, cpus, pids_limit, ...), or run as root; "
		 "rootless limits need cgroup v2 with systemd's Delegate=yes for "
		 "user@.service, or [cgroup] parent in ~/.config/lxr/lxr.conf naming "
		 "a delegated cgroup of the user's (lxr doctor shows what this host has)");
}

int rt_cgroup_rootless(const char *group, const char *id, const struct lxr_resources *res,
		       struct lxr_cgroup **out, lxr_err *err)
{
	struct lxr_resources asked = *res;
	struct rt_cg_write w[64];
	struct rt_cg_host h = {0};
	lxr_err ignored;
	bool deleg;
	int n, r;

	*out = NULL;
	deleg = find_base(&h, group, &ignored);
	/* lxr's own default pids limit was not asked for: where pids is not
	 * delegated, a fork bomb stays inside the user's own limits
	 * (RLIMIT_NPROC, the user's slice) */
	if (asked.pids_limit == lxr_pids_limit_default() &&
	    !(deleg && (h.v2_available & (1u << RT_CG_PIDS))))
		asked.pids_limit = 0;
	/* device rules need no cgroup here: a user namespace cannot mknod,
	 * and the devices a container sees are bind mounts of the host's
	 * (nor may it attach a device BPF program) */
	asked.n_devices = 0;
	asked.devices = NULL;
	n = rt_cgroup_plan(&asked, LXR_CG_V2, w, sizeof(w) / sizeof(w[0]), err);
	if (n < 0)
		r = -1;
	else if (!deleg)
		r = n == 0 ? 0 : no_delegation(&w[0], err);
	else if ((r = rt_cg_rootless_fits(h.v2_base, h.v2_available, w, n, err)) == 0)
		r = rt_cg_create_on(&h, group, id, &asked, out, err);
	rt_cg_host_free(&h);
	return r < 0 ? lxr_err_wrap(err, "container %s", id) : 0;
}

static int statfs_is_cgroup2(const char *path)
{
	struct statfs sf;

	if (statfs(path, &sf) < 0)
		return -1;
	return sf.f_type == CGROUP2_SUPER_MAGIC;
}

/* The user's cgroup v2 subtree that systemd delegates (Delegate=yes on
 * user@.service): the user@UID.service cgroup this process is in, when it
 * is the user's own and hands controllers down. */
static void check_delegation(struct lxr_checks *c)
{
	static const char what[] = "cgroup delegation";
	static const char breaks[] =
	    "mem_limit, cpus, pids_limit and the other limits of a rootless "
	    "container (without limits, containers run)";
	_cleanup_free_ char *self = NULL, *ctl = NULL, *dir = NULL;
	char *line, *svc, *end;
	struct stat st;

	if (statfs_is_cgroup2("/sys/fs/cgroup") != 1) {
		lxr_check_add(c, what, LXR_CHECK_WARN, breaks,
			      "boot with cgroup v2 alone (systemd.unified_cgroup_hierarchy=1), "
			      "where systemd delegates a subtree to each user",
			      "/sys/fs/cgroup is not cgroup v2 (a v1 or hybrid host)");
		return;
	}
	if (lxr_read_file_at(AT_FDCWD, "/proc/self/cgroup", &self, NULL, NULL) < 0 ||
	    !(line = strstr(self, "0::"))) {
		lxr_check_add(c, what, LXR_CHECK_WARN, breaks, "see docs/rootless.md",
			      "this process is in no cgroup v2 cgroup");
		return;
	}
	line += 3;
	line[strcspn(line, "\n")] = '\0';
	svc = strstr(line, "/user@");
	end = svc ? strchr(svc + 1, '/') : NULL;
	if (end)
		*end = '\0';
	dir = lxr_xasprintf("/sys/fs/cgroup%s", line);
	if (!svc || stat(dir, &st) < 0 || st.st_uid != getuid()) {
		lxr_check_add(
		    c, what, LXR_CHECK_WARN, breaks,
		    "log in through systemd-logind (a user@UID.service with Delegate=yes: "
		    "systemctl edit user@.service); see docs/rootless.md",
		    "%s is not a delegated user@UID.service cgroup of yours", dir);
		return;
	}
	/* what the user was delegated bounds the limits (rt_cg_rootless_fits) */
	_cleanup_free_ char *f = lxr_xasprintf("%s/cgroup.controllers", dir);
	lxr_read_file_at(AT_FDCWD, f, &ctl, NULL, NULL);
	lxr_check_add(c, what, LXR_CHECK_OK, NULL, NULL, "%s is yours (controllers delegated: %s)",
		      dir, ctl && *ctl ? strtok(ctl, "\n") : "none");
}

void rt_rootless_check(struct lxr_checks *c)
{
	check_delegation(c);
}

/* Without a cgroup, a container's processes are its init and everything
 * below it: /proc/PID/task/TID/children, breadth first. */
int rt_rootless_pids(pid_t init, pid_t **pids, size_t *n, lxr_err *err)
{
	size_t cap = 16;

	*n = 0;
	*pids = lxr_xcalloc(cap, sizeof(pid_t));
	(*pids)[(*n)++] = init;
	for (size_t i = 0; i < *n; i++) {
		_cleanup_free_ char *task = lxr_xasprintf("/proc/%d/task", (int)(*pids)[i]);
		DIR *d = opendir(task);
		struct dirent *de;
		if (!d)
			continue; /* gone meanwhile */
		while ((de = readdir(d))) {
			_cleanup_free_ char *f = NULL, *text = NULL;
			if (de->d_name[0] == '.')
				continue;
			f = lxr_xasprintf("%s/%s/children", task, de->d_name);
			if (lxr_read_file_at(AT_FDCWD, f, &text, NULL, err) < 0)
				continue;
			for (char *s = text, *e; *s; s = e) {
				long p = strtol(s, &e, 10);
				if (e == s)
					break;
				if (*n == cap)
					*pids = lxr_xrealloc(*pids, (cap *= 2) * sizeof(pid_t));
				(*pids)[(*n)++] = (pid_t)p;
			}
		}
		closedir(d);
	}
	return 0;
}
