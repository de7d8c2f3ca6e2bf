/* What a service's resource settings need of the host, looked up before
 * anything starts so that a mistake fails at its line: the block devices
 * blkio_config names (by their numbers), and whether the CPUs cpuset
 * names are online. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "runtime/runtime_internal.h"

/* "0-3,6" into bits; false for anything else (or a CPU past max). */
static bool cpu_bits(const char *s, unsigned char *bits, unsigned max)
{
	if (!*s)
		return false;
	while (*s) {
		char *end;
		unsigned long lo = strtoul(s, &end, 10), hi = lo;
		if (end == s || *s == '-' || *s == '+')
			return false;
		if (*end == '-') {
			s = end + 1;
			hi = strtoul(s, &end, 10);
			if (end == s || *s == '-' || *s == '+' || hi < lo)
				return false;
		}
		if (hi >= max)
			return false;
		for (unsigned long c = lo; c <= hi; c++)
			bits[c / 8] |= (unsigned char)(1u << (c % 8));
		s = end;
		if (*s == ',' && s[1])
			s++;
		else if (*s && *s != '\n')
			return false;
		else if (*s == '\n')
			break;
	}
	return true;
}

int rt_cpu_list_check(const char *want, const char *online, int *bad)
{
	unsigned char w[RT_CPUS_MAX / 8] = {0}, on[RT_CPUS_MAX / 8] = {0};

	*bad = -1;
	if (!cpu_bits(want, w, RT_CPUS_MAX))
		return -1;
	if (!cpu_bits(online, on, RT_CPUS_MAX))
		return 0; /* the host's list unreadable: the kernel decides */
	for (int c = 0; c < RT_CPUS_MAX; c++)
		if ((w[c / 8] >> (c % 8) & 1) && !(on[c / 8] >> (c % 8) & 1)) {
			*bad = c;
			return 1;
		}
	return 0;
}

int rt_host_check_cpuset(const char *cpus, lxr_err *err)
{
	_cleanup_free_ char *online = NULL;
	lxr_err ignored;
	int bad, r;

	if (lxr_read_file_at(AT_FDCWD, "/sys/devices/system/cpu/online", &online, NULL, &ignored) <
	    0)
		online = NULL;
	r = rt_cpu_list_check(cpus, online ? online : "", &bad);
	if (r < 0)
		return lxr_fail(err, EINVAL, "cpuset \"%s\" is not a CPU list", cpus),
		       lxr_err_hint(err, "CPU numbers and ranges: 0-3 or 0,2");
	if (r > 0) {
		if (online)
			online[strcspn(online, "\n")] = '\0';
		return lxr_fail(err, EINVAL,
				"cpuset \"%s\": CPU %d is not online on this host (online: %s)",
				cpus, bad, online),
		       lxr_err_hint(err, "name CPUs of /sys/devices/system/cpu/online");
	}
	return 0;
}

int rt_host_blkio_device(const char *kind, const char *path, int64_t value,
			 struct lxr_blkio_device *out, lxr_err *err)
{
	static const struct {
		const char *name;
		enum lxr_blkio_kind kind;
	} kinds[] = {{"weight_device", LXR_BLKIO_WEIGHT},
		     {"device_read_bps", LXR_BLKIO_READ_BPS},
		     {"device_write_bps", LXR_BLKIO_WRITE_BPS},
		     {"device_read_iops", LXR_BLKIO_READ_IOPS},
		     {"device_write_iops", LXR_BLKIO_WRITE_IOPS}};
	struct stat st;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i].name, kind))
			out->kind = kinds[i].kind;
	if (stat(path, &st) < 0)
		return lxr_fail(err, errno, "blkio_config %s: %s", kind, path),
		       lxr_err_hint(err,
				    "name a block device of the host (/dev/sda, /dev/nvme0n1)");
	if (!S_ISBLK(st.st_mode))
		return lxr_fail(err, ENOTBLK, "blkio_config %s: %s is not a block device", kind,
				path),
		       lxr_err_hint(err,
				    "name a block device of the host (/dev/sda, /dev/nvme0n1)");
	out->major = major(st.st_rdev);
	out->minor = minor(st.st_rdev);
	out->value = value > 0 ? (uint64_t)value : 0;
	return 0;
}
