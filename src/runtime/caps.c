/* Capability sets as plain data: names, docker's default set, and docker's
 * --cap-add/--cap-drop rules. Nothing here touches the process; creds.c
 * applies the result inside the container. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "runtime/runtime_internal.h"

#define BIT(c) (UINT64_C(1) << (c))

/* Docker's default set (moby oci/caps/defaults.go), kept in the same order
 * so a reader can compare the two lists line by line. */
static const cap_value_t docker_default_caps[] = {
    CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_FOWNER,
    CAP_MKNOD,   CAP_NET_RAW,      CAP_SETGID,           CAP_SETUID,
    CAP_SETFCAP, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
    CAP_KILL,    CAP_AUDIT_WRITE,
};

uint64_t rt_caps_docker_default(void)
{
	uint64_t m = 0;

	for (size_t i = 0; i < sizeof(docker_default_caps) / sizeof(docker_default_caps[0]); i++)
		m |= BIT(docker_default_caps[i]);
	return m;
}

/* The running kernel's highest capability, not libcap's compile-time
 * CAP_LAST_CAP: a newer kernel knows more, an older one fewer, and "ALL"
 * must mean what this kernel can grant. /proc may be missing (early in a
 * container), so fall back to asking the bounding set directly: reading a
 * capability the kernel does not know fails with EINVAL. */
int rt_cap_last_cap(void)
{
	_cleanup_close_ int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	char buf[16];
	ssize_t n;
	int last;

	if (fd >= 0 && (n = read(fd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		last = atoi(buf);
		if (last > 0 && last < 64)
			return last;
	}
	for (last = 0; last < 63; last++)
		if (prctl(PR_CAPBSET_READ, (unsigned long)last + 1, 0, 0, 0) < 0)
			break;
	return last;
}

uint64_t rt_caps_all(void)
{
	int last = rt_cap_last_cap();

	return last >= 63 ? UINT64_MAX : BIT(last + 1) - 1;
}

/* CapPrm and CapBnd of /proc/self/status: one read, where asking the
 * bounding set is a prctl per capability */
static bool caps_from_status(uint64_t *prm, uint64_t *bnd)
{
	_cleanup_free_ char *st = NULL;
	const char *p, *b;
	lxr_err ignored;

	if (lxr_read_file_at(AT_FDCWD, "/proc/self/status", &st, NULL, &ignored) < 0)
		return false;
	p = strstr(st, "\nCapPrm:");
	b = strstr(st, "\nCapBnd:");
	if (!p || !b)
		return false;
	*prm = strtoull(p + 8, NULL, 16);
	*bnd = strtoull(b + 8, NULL, 16);
	return true;
}

uint64_t rt_caps_privileged(void)
{
	uint64_t all = rt_caps_all(), held = 0, prm, bnd;
	cap_t own;

	if (caps_from_status(&prm, &bnd))
		return all & prm & bnd;
	own = cap_get_proc();

	/* a sandbox (or a container) may run lxr without some capability:
	 * asking for it would fail capset with EPERM at every start */
	for (int c = 0; c < 64 && own; c++) {
		cap_flag_value_t v = CAP_CLEAR;
		if ((all & BIT(c)) && prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0) == 1 &&
		    cap_get_flag(own, (cap_value_t)c, CAP_PERMITTED, &v) == 0 && v == CAP_SET)
			held |= BIT(c);
	}
	cap_free(own);
	return held;
}

const char *rt_cap_name(int cap, char *buf, size_t len)
{
	char *n = cap_to_name((cap_value_t)cap);
	size_t i = 0;

	/* libcap names unknown capabilities by number; say so plainly. */
	if (!n || isdigit((unsigned char)n[0])) {
		snprintf(buf, len, "CAP_%d", cap);
	} else {
		for (; n[i] && i + 1 < len; i++)
			buf[i] = (char)toupper((unsigned char)n[i]);
		buf[i] = '\0';
	}
	cap_free(n);
	return buf;
}

static int cap_name_error(lxr_err *err, const char *name, const char *why)
{
	lxr_fail(err, EINVAL, "unknown capability \"%s\"%s", name, why);
	return lxr_err_hint(err,
			    "use a name from capabilities(7), e.g. NET_ADMIN or CAP_NET_ADMIN, "
			    "or ALL");
}

/* libcap's cap_from_name() is lenient (it takes "12", "cap_chown,x" and
 * "cap_chown+ep"), so the name is checked here first and then required to
 * round-trip exactly: only real names pass, as with docker. */
int rt_cap_from_name(const char *name, uint64_t *mask, lxr_err *err)
{
	char low[64] = "cap_";
	const char *p = name;
	cap_value_t v;
	size_t n = 4;
	char *back;
	bool exact;

	if (strcasecmp(name, "ALL") == 0) {
		*mask = rt_caps_all();
		return 0;
	}
	if (strncasecmp(p, "CAP_", 4) == 0)
		p += 4;
	if (!*p || strlen(p) + n >= sizeof(low))
		return cap_name_error(err, name, "");
	for (; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '_')
			return cap_name_error(err, name, "");
		low[n++] = (char)tolower((unsigned char)*p);
	}
	low[n] = '\0';
	if (cap_from_name(low, &v) < 0)
		return cap_name_error(err, name, "");
	back = cap_to_name(v);
	exact = back && strcmp(back, low) == 0;
	cap_free(back);
	if (!exact)
		return cap_name_error(err, name, "");
	if (v > rt_cap_last_cap())
		return cap_name_error(err, name, " (this kernel does not have it)");
	*mask = BIT(v);
	return 0;
}

/* What docker (moby daemon/oci_linux.go SetCapabilities, since the fix for
 * CVE-2022-24769 in 20.10.14) puts in the five sets:
 *  - uid 0: bounding = effective = permitted = the list; inheritable and
 *    ambient empty. Inheritable used to be filled too, which let a
 *    non-root program with file inheritable caps gain them on execve.
 *  - any other uid: only bounding. execve gives a non-root process without
 *    file capabilities an empty permitted set anyway; setting the sets
 *    before exec would only mislead whatever runs without exec (our init).
 * Ambient stays empty in both cases, so a non-root user needs file
 * capabilities (setcap) to use an added capability, exactly as in docker. */
void rt_caps_for_user(struct lxr_caps *caps, uid_t uid)
{
	if (uid == 0) {
		caps->effective = caps->permitted = caps->bounding;
	} else {
		caps->effective = caps->permitted = 0;
	}
	caps->inheritable = caps->ambient = 0;
}
