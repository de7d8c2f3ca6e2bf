/* Cgroups for rootless lxr (docs/rootless.md): an ordinary user may write
 * no cgroup but the ones systemd delegates to it, and on hosts without
 * such delegation (cgroup v1 and hybrid hosts, or no user session) a
 * container runs in the cgroup its supervisor is in, without limits of its
 * own. A limit the user asked for is then an error that names what is
 * missing: lxr never accepts a limit and drops it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "runtime/cgroup.h"
#include "runtime/internal.h"

int rt_cgroup_rootless(const char *id, const struct lxr_resources *res, struct lxr_cgroup **out,
		       lxr_err *err)
{
	struct lxr_resources asked = *res;
	struct rt_cg_write w[64];
	int n;

	*out = NULL;
	/* lxr's own default pids limit was not asked for: a fork bomb stays
	 * inside the user's own limits (RLIMIT_NPROC, the user's slice) */
	if (asked.pids_limit == lxr_pids_limit_default())
		asked.pids_limit = 0;
	/* device rules need no cgroup here: a user namespace cannot mknod,
	 * and the devices a container sees are bind mounts of the host's */
	asked.n_devices = 0;
	asked.devices = NULL;
	n = rt_cgroup_plan(&asked, LXR_CG_V2, w, sizeof(w) / sizeof(w[0]), err);
	if (n < 0)
		return lxr_err_wrap(err, "container %s", id);
	if (n == 0)
		return 0;
	lxr_fail(err, EPERM,
		 "its limits (%s %s) need a cgroup, and rootless lxr has no "
		 "delegated cgroup v2 subtree to make one in",
		 w[0].file, w[0].value);
	return lxr_err_hint(err,
			    "drop the limit (mem_limit, cpus, pids_limit, ...), or run as root; "
			    "rootless limits need cgroup v2 with systemd's Delegate=yes for "
			    "user@.service (lxr doctor shows what this host has)");
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
	_cleanup_free_ char *f = lxr_xasprintf("%s/cgroup.subtree_control", dir);
	lxr_read_file_at(AT_FDCWD, f, &ctl, NULL, NULL);
	lxr_check_add(c, what, LXR_CHECK_OK, NULL, NULL, "%s is yours (controllers: %s)", dir,
		      ctl && *ctl ? strtok(ctl, "\n") : "none");
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
