/* The container process's credentials, set in the order the kernel's rules
 * force (see rt_process_apply_creds). Runs in the container's first
 * process just before exec, and for a process entering a container in the
 * helper before the clone into its PID namespace (exec_in.c); every
 * failure names the primitive and the value it was given. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <linux/keyctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/runtime_internal.h"

#define BIT(c) (UINT64_C(1) << (c))

static const struct {
	int resource;
	const char *name;
} rlimit_names[] = {
    {RLIMIT_CPU, "RLIMIT_CPU"},           {RLIMIT_FSIZE, "RLIMIT_FSIZE"},
    {RLIMIT_DATA, "RLIMIT_DATA"},         {RLIMIT_STACK, "RLIMIT_STACK"},
    {RLIMIT_CORE, "RLIMIT_CORE"},         {RLIMIT_RSS, "RLIMIT_RSS"},
    {RLIMIT_NPROC, "RLIMIT_NPROC"},       {RLIMIT_NOFILE, "RLIMIT_NOFILE"},
    {RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK"},   {RLIMIT_AS, "RLIMIT_AS"},
    {RLIMIT_LOCKS, "RLIMIT_LOCKS"},       {RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING"},
    {RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE"}, {RLIMIT_NICE, "RLIMIT_NICE"},
    {RLIMIT_RTPRIO, "RLIMIT_RTPRIO"},     {RLIMIT_RTTIME, "RLIMIT_RTTIME"},
};

static const char *rlimit_name(int resource, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(rlimit_names) / sizeof(rlimit_names[0]); i++)
		if (rlimit_names[i].resource == resource)
			return rlimit_names[i].name;
	snprintf(buf, len, "RLIMIT_%d", resource);
	return buf;
}

/* The RLIMIT_NOFILE soft limit the command gets: the spec's, else the one
 * lxr was started with (not its raised one). It is set last, just before
 * the exec, by rt_nofile_settle: until then this process still holds the
 * supervisor's descriptors (a copy of them, close-on-exec), and a soft limit
 * below their count would make its own last opens fail with EMFILE. */
static struct rlimit nofile_final;
static bool nofile_pending;

void rt_nofile_settle(void)
{
	struct rlimit rl;

	if (!nofile_pending || getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	/* lowering a soft limit needs no privilege */
	rl.rlim_cur = nofile_final.rlim_cur < rl.rlim_max ? nofile_final.rlim_cur : rl.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}

static int apply_rlimits(const struct lxr_spec *spec, lxr_err *err)
{
	char buf[32];

	for (size_t i = 0; i < spec->n_rlimits; i++) {
		const struct lxr_rlimit *l = &spec->rlimits[i];
		/* UINT64_MAX is RLIM_INFINITY, as in the OCI spec. */
		struct rlimit rl = {.rlim_cur = (rlim_t)l->soft, .rlim_max = (rlim_t)l->hard};

		int e;

		if (l->resource == RLIMIT_NOFILE && l->soft <= l->hard) {
			nofile_final.rlim_cur = rl.rlim_cur;
			nofile_pending = true;
			rl.rlim_cur = rl.rlim_max; /* the soft one comes last */
		}

		if (setrlimit((__rlimit_resource_t)l->resource, &rl) == 0)
			continue;
		e = errno;
		lxr_fail(err, e, "setrlimit %s soft=%llu hard=%llu",
			 rlimit_name(l->resource, buf, sizeof(buf)), (unsigned long long)l->soft,
			 (unsigned long long)l->hard);
		if (e == EINVAL && l->soft > l->hard)
			return lxr_err_hint(err, "the soft limit must not exceed the hard limit");
		if (e == EPERM)
			return lxr_err_hint(err,
					    "raising a hard limit needs CAP_SYS_RESOURCE, and "
					    "RLIMIT_NOFILE cannot exceed /proc/sys/fs/nr_open");
		return -1;
	}
	return 0;
}

/* The bounding set only shrinks, and only with CAP_SETPCAP, so it goes
 * first, while lxr is still root with every capability. A capability
 * already gone is skipped: dropping it again would still need SETPCAP. */
static int drop_bounding(uint64_t keep, lxr_err *err)
{
	int last = rt_cap_last_cap();
	char name[32];

	for (int c = 0; c <= last; c++) {
		if ((keep & BIT(c)) || prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0) == 0)
			continue;
		if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) < 0)
			return lxr_fail(err, errno, "prctl PR_CAPBSET_DROP %s",
					rt_cap_name(c, name, sizeof(name)));
	}
	return 0;
}

/* Groups before gid before uid: once the uid is not 0 the process can no
 * longer change its groups. KEEPCAPS keeps the permitted set across the
 * switch away from uid 0 (the kernel clears it otherwise), so the capset
 * that follows can still grant what the spec asks. */
static int switch_ids(const struct lxr_spec *spec, lxr_err *err)
{
	if (prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) < 0)
		return lxr_fail(err, errno, "prctl PR_SET_KEEPCAPS 1");
	if (setgroups(spec->n_additional_gids, spec->additional_gids) < 0) {
		int e = errno;

		lxr_fail(err, e, "setgroups (%zu groups%s%u)", spec->n_additional_gids,
			 spec->n_additional_gids ? ", first " : "",
			 spec->n_additional_gids ? (unsigned)spec->additional_gids[0] : 0u);
		if (e == EPERM)
			lxr_err_hint(err, "changing groups needs CAP_SETGID (run lxr as root)");
		return -1;
	}
	if (setresgid(spec->gid, spec->gid, spec->gid) < 0)
		return lxr_fail(err, errno, "setresgid %u", (unsigned)spec->gid);
	if (setresuid(spec->uid, spec->uid, spec->uid) < 0)
		return lxr_fail(err, errno, "setresuid %u", (unsigned)spec->uid);
	if (prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L) < 0)
		return lxr_fail(err, errno, "prctl PR_SET_KEEPCAPS 0");
	return 0;
}

/* capset(2) itself, not libcap's cap_set_proc: that one leaves 112 bytes
 * allocated on each call, which a clone sharing lxr's memory (clone.c)
 * would leave in lxr's heap on every start. */
static int set_caps(const struct lxr_caps *caps, lxr_err *err)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2] = {{0}};
	int last = rt_cap_last_cap(), e;
	/* the kernel's capabilities only, as cap_set_flag had them */
	uint64_t known = last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
	const uint64_t v[3] = {caps->effective & known, caps->permitted & known,
			       caps->inheritable & known};

	for (int i = 0; i < 2; i++) {
		d[i].effective = (uint32_t)(v[0] >> (32 * i));
		d[i].permitted = (uint32_t)(v[1] >> (32 * i));
		d[i].inheritable = (uint32_t)(v[2] >> (32 * i));
	}
	if (syscall(SYS_capset, &h, d) == 0)
		return 0;
	e = errno;
	lxr_fail(err, e, "capset effective=%#llx permitted=%#llx inheritable=%#llx",
		 (unsigned long long)caps->effective, (unsigned long long)caps->permitted,
		 (unsigned long long)caps->inheritable);
	if (e == EPERM)
		lxr_err_hint(err, "effective must be within permitted, and permitted and "
				  "inheritable within the bounding set");
	return -1;
}

/* The kernel only lets a capability be ambient while it is both permitted
 * and inheritable, so this comes after capset. */
static int raise_ambient(uint64_t ambient, lxr_err *err)
{
	int last = rt_cap_last_cap();
	char name[32];

	for (int c = 0; c <= last; c++) {
		if (!(ambient & BIT(c)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)c, 0L, 0L) < 0) {
			lxr_fail(err, errno, "prctl PR_CAP_AMBIENT_RAISE %s",
				 rt_cap_name(c, name, sizeof(name)));
			return lxr_err_hint(err, "an ambient capability must also be in the "
						 "permitted and inheritable sets");
		}
	}
	return 0;
}

static int load_seccomp(const struct lxr_spec *spec, lxr_err *err)
{
	if (rt_seccomp_load(spec, err) < 0)
		return lxr_err_wrap(err, "%s", rt_seccomp_what(spec));
	return 0;
}

/* Order (runc's, for the same kernel reasons): rlimits while still root
 * (raising a hard limit needs CAP_SYS_RESOURCE); bounding set; groups,
 * gid, uid; the three capability sets; ambient; no_new_privs; seccomp last
 * so the filter does not have to allow lxr's own setup calls. Without
 * no_new_privs the kernel only accepts a filter from a process holding
 * CAP_SYS_ADMIN, so then the filter goes in before the capabilities are
 * lowered (the calls after it are all ones it allows). */
int rt_process_apply_creds(const struct lxr_spec *spec, lxr_err *err)
{
	return rt_process_apply_creds_held(spec, err) < 0 ||
		       rt_process_load_held_filter(spec, err) < 0
		   ? -1
		   : 0;
}

/* the filter goes in last unless it had to go in early */
static bool filter_held(const struct lxr_spec *spec)
{
	return (spec->seccomp || spec->seccomp_default) && spec->no_new_privileges;
}

int rt_process_load_held_filter(const struct lxr_spec *spec, lxr_err *err)
{
	return filter_held(spec) ? load_seccomp(spec, err) : 0;
}

/* A session keyring of its own, as runc and crun give each container and
 * exec: the caller's (a login's, a unit's) holds its keys, and a process
 * possesses every key of its session keyring whatever its uid, so one that
 * may call keyctl (seccomp=unconfined, a profile that allows it) would
 * read them. A kernel without keys has none to hand on (ENOSYS); a
 * rootless user at its key quota (EDQUOT) keeps its own, its own keys; a
 * filter lxr itself runs under that refuses keyctl (EPERM: lxr in docker's
 * default profile, a unit's SystemCallFilter) refuses it the container
 * too, as filters stack. */
static int own_session_keyring(lxr_err *err)
{
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) >= 0 || errno == ENOSYS ||
	    errno == EDQUOT || errno == EPERM)
		return 0;
	return lxr_fail(err, errno, "a session keyring of the container's own (keyctl)");
}

int rt_process_apply_creds_held(const struct lxr_spec *spec, lxr_err *err)
{
	bool filter = spec->seccomp || spec->seccomp_default;
	bool seccomp_early = filter && !spec->no_new_privileges;

	/* set either way: a clone that shares lxr's memory leaves its value */
	nofile_pending = lxr_nofile_start(&nofile_final);
	if (own_session_keyring(err) < 0)
		return -1;
	if (apply_rlimits(spec, err) < 0 || drop_bounding(spec->caps.bounding, err) < 0)
		return -1;
	if (seccomp_early && load_seccomp(spec, err) < 0)
		return -1;
	if (switch_ids(spec, err) < 0 || set_caps(&spec->caps, err) < 0 ||
	    raise_ambient(spec->caps.ambient, err) < 0)
		return -1;
	if (spec->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) < 0)
		return lxr_fail(err, errno, "prctl PR_SET_NO_NEW_PRIVS");
	return 0;
}
