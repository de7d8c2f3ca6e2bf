/* What the rootfs executor checks before it trusts a path in the container
 * that is not all its own making. A volume or bind may be another
 * container's to write while this one starts: mounted on /dev, it brings its
 * own /dev/null; mounted in /proc, it puts directories of its own on the
 * paths lxr writes as root after pivot_root (/proc/sys/..., the sysctls and
 * its defaults), where a link would lead the write to a knob of the host's
 * kernel. runc refuses both (CVE-2025-31133, CVE-2019-19921). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "runtime/runtime_internal.h"

/* The files lxcfs stands in for: the only mounts runc lets into /proc
 * (besides a procfs on /proc itself, which the plan makes first). */
static const char *const lxcfs_files[] = {
    "/proc/cpuinfo",
    "/proc/diskstats",
    "/proc/meminfo",
    "/proc/stat",
    "/proc/swaps",
    "/proc/uptime",
    "/proc/loadavg",
    "/proc/slabinfo",
    "/proc/net/dev",
    "/proc/sys/kernel/ns_last_pid",
    "/proc/sys/crypto/fips_enabled",
    NULL,
};

int rt_rootfs_check_target(int fd, const char *target, lxr_err *err)
{
	struct statfs sf;
	struct stat st;

	if (fstatfs(fd, &sf) < 0)
		return lxr_fail(err, errno, "statfs %s in container", target);
	if (sf.f_type != PROC_SUPER_MAGIC)
		return 0;
	for (size_t i = 0; lxcfs_files[i]; i++)
		if (!strcmp(target, lxcfs_files[i]) && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
			return 0;
	lxr_fail(err, EPERM, "mount on %s: that is inside the container's /proc", target);
	return lxr_err_hint(err, "mount it elsewhere: what covers the kernel's files there could "
				 "lead lxr's own writes to the host's (docker refuses it too); "
				 "only lxcfs's files (/proc/meminfo, /proc/cpuinfo, ...) may be "
				 "bound there");
}

int rt_open_null(int flags, lxr_err *err)
{
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	int fd;

	if (root < 0)
		return lxr_fail(err, errno, "open / in container");
	fd = lxr_open_in_root(root, "/dev/null", flags | O_NOFOLLOW, 0, err);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
		close(fd);
		return lxr_fail(err, EPERM, "/dev/null in the container is not the null device"),
		       lxr_err_hint(err, "something in the container, or a volume or bind mounted "
					 "on /dev, replaced /dev/null; lxr uses only a real one");
	}
	return fd;
}
