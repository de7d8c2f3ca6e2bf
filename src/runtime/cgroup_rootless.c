/* Cgroups for rootless lxr (docs/rootless.md): an ordinary user may write
 * no cgroup but the ones systemd delegates to it, and on hosts without
 * such delegation (cgroup v1 and hybrid hosts, or no user session) a
 * container runs in the cgroup its supervisor is in, without limits of its
 * own. A limit the user asked for is then an error that names what is
 * missing: lxr never accepts a limit and drops it. */
#include <errno.h>
#include <string.h>

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
		 "container %s: its limits (%s %s) need a cgroup, and rootless lxr has no "
		 "delegated cgroup v2 subtree to make one in",
		 id, w[0].file, w[0].value);
	return lxr_err_hint(err,
			    "drop the limit (mem_limit, cpus, pids_limit, ...), or run as root; "
			    "rootless limits need cgroup v2 with systemd's Delegate=yes for "
			    "user@.service (lxr doctor shows what this host has)");
}
