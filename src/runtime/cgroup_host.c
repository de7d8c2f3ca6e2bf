/* Where this host keeps each cgroup controller: a v1 hierarchy (found in
 * /proc/self/mountinfo, wherever it is mounted) or the unified v2 hierarchy
 * (listed in its root's cgroup.controllers). Hosts come in three shapes:
 * pure v2 (cgroup2 at /sys/fs/cgroup), hybrid (v1 hierarchies plus an often
 * empty cgroup2 at /sys/fs/cgroup/unified), and pure v1. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/xattr.h>

#include "runtime/cgroup.h"

#define PURE_V2_ROOT "/sys/fs/cgroup"

char *rt_mountinfo_unescape(const char *s, size_t n)
{
	char *out = lxr_xmalloc(n + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			*o++ =
			    (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

struct mi_line {
	char *root, *mountpoint, *fstype, *super;
};

static void mi_line_free(struct mi_line *m)
{
	free(m->root);
	free(m->mountpoint);
	free(m->fstype);
	free(m->super);
}

/* "36 35 98:0 /root /mnt rw,noatime master:1 - ext3 /dev/root rw,errors=continue":
 * optional fields run up to a lone "-"; fstype, source, super options follow. */
static int mi_split(const char *line, size_t len, struct mi_line *m)
{
	const char *f[16];
	size_t fl[16], n = 0;
	const char *s = line, *end = line + len;
	int dash = -1;

	while (s < end && n < 16) {
		while (s < end && *s == ' ')
			s++;
		if (s == end)
			break;
		f[n] = s;
		while (s < end && *s != ' ')
			s++;
		fl[n] = (size_t)(s - f[n]);
		if (n >= 6 && dash < 0 && fl[n] == 1 && f[n][0] == '-')
			dash = (int)n;
		n++;
	}
	if (dash < 0 || (size_t)dash + 3 >= n)
		return -1;
	m->root = rt_mountinfo_unescape(f[3], fl[3]);
	m->mountpoint = rt_mountinfo_unescape(f[4], fl[4]);
	m->fstype = rt_mountinfo_unescape(f[dash + 1], fl[dash + 1]);
	m->super = rt_mountinfo_unescape(f[dash + 3], fl[dash + 3]);
	return 0;
}

/* A hierarchy's own root beats a bind mount of one of its sub-cgroups: lxr's
 * directories belong at the top. The pure-v2 location beats both. */
static int mount_score(const struct mi_line *m, const char *prefer)
{
	if (prefer && !strcmp(m->mountpoint, prefer))
		return 3;
	return !strcmp(m->root, "/") ? 2 : 1;
}

static void take_v1(struct rt_cg_host *h, const struct mi_line *m, int score[])
{
	unsigned bits = 0;
	char *opts = lxr_xstrdup(m->super), *save = NULL;

	for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		int c = rt_cg_ctrl_from_name(o);
		if (c >= 0)
			bits |= 1u << c;
	}
	free(opts);
	for (int c = 0; c < RT_CG_NCTRL; c++) {
		int sc = mount_score(m, NULL);
		if (!(bits & (1u << c)) || sc <= score[c])
			continue;
		free(h->v1_mount[c]);
		h->v1_mount[c] = lxr_xstrdup(m->mountpoint);
		score[c] = sc;
	}
}

int rt_cg_host_parse(struct rt_cg_host *h, const char *mountinfo, const char *prefer_v2,
		     lxr_err *err)
{
	int score[RT_CG_NCTRL] = {0}, v2_score = 0, lineno = 0;
	const char *l = mountinfo;

	memset(h, 0, sizeof(*h));
	while (l && *l) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		struct mi_line m = {0};

		lineno++;
		if (len && mi_split(l, len, &m) < 0) {
			rt_cg_host_free(h);
			return lxr_fail(err, EINVAL, "mountinfo line %d: no \" - \" separator",
					lineno);
		}
		if (len && !strcmp(m.fstype, "cgroup2") && mount_score(&m, prefer_v2) > v2_score) {
			free(h->v2_mount);
			h->v2_mount = lxr_xstrdup(m.mountpoint);
			v2_score = mount_score(&m, prefer_v2);
		} else if (len && !strcmp(m.fstype, "cgroup")) {
			take_v1(h, &m, score);
		}
		mi_line_free(&m);
		l = nl ? nl + 1 : NULL;
	}
	return 0;
}

void rt_cg_host_set_v2(struct rt_cg_host *h, const char *controllers, const char *subtree_control)
{
	h->v2_available = controllers ? rt_cg_parse_ctrl_list(controllers) : 0;
	h->v2_enabled = subtree_control ? rt_cg_parse_ctrl_list(subtree_control) : 0;
	/* v2 has no cpuacct (usage is in every cgroup's cpu.stat), no
	 * devices controller (a BPF program does its work) and no freezer
	 * (cgroup.freeze is in every cgroup). */
	h->v2_available &= ~((1u << RT_CG_CPUACCT) | (1u << RT_CG_DEVICES) | (1u << RT_CG_FREEZER));
	h->v2_enabled &= h->v2_available;
}

void rt_cg_host_free(struct rt_cg_host *h)
{
	free(h->v2_mount);
	free(h->v2_base);
	for (int c = 0; c < RT_CG_NCTRL; c++)
		free(h->v1_mount[c]);
	memset(h, 0, sizeof(*h));
}

enum lxr_cg_version rt_cg_host_where(const struct rt_cg_host *h, enum rt_cg_ctrl c)
{
	if (h->v1_mount[c])
		return LXR_CG_V1;
	if (h->v2_mount && (h->v2_available & (1u << c)))
		return LXR_CG_V2;
	return 0;
}

static char *read_opt(const char *dir, const char *name)
{
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s", dir, name);
	char *text = NULL;

	if (lxr_read_file_at(AT_FDCWD, path, &text, NULL, NULL) < 0)
		return NULL;
	return text;
}

/* The hierarchies as last found in mountinfo, which grows with every
 * container (each network namespace is a bind mount) and was read two or
 * three times a start: read again only when the kernel says the mount
 * table changed (a poll of the kept /proc/self/mountinfo reports POLLPRI),
 * in the mount namespace it was read in, and by the process that read it
 * (a forked child shares the open file, whose poll would take the
 * parent's news). The descriptor is checked to be that file still (one of
 * 0-2 could be dup2'ed over), and what a failed read leaves is nothing. */
static struct {
	int fd;
	pid_t pid;
	ino_t ns;
	dev_t dev;
	ino_t ino;
	struct rt_cg_host mounts; /* v2_mount and v1_mount only */
} kept = {.fd = -1};

static ino_t mnt_ns(void)
{
	struct stat st;

	return stat("/proc/self/ns/mnt", &st) == 0 ? st.st_ino : 0;
}

static void copy_mounts(struct rt_cg_host *to, const struct rt_cg_host *from)
{
	memset(to, 0, sizeof(*to));
	to->v2_mount = from->v2_mount ? lxr_xstrdup(from->v2_mount) : NULL;
	for (int c = 0; c < RT_CG_NCTRL; c++)
		to->v1_mount[c] = from->v1_mount[c] ? lxr_xstrdup(from->v1_mount[c]) : NULL;
}

/* The kept parse still holds: same process, namespace and file, and no
 * change since the last look. */
static bool kept_holds(pid_t self, ino_t ns)
{
	struct pollfd changed = {.fd = kept.fd, .events = POLLPRI};
	struct stat st;

	return kept.fd >= 0 && kept.pid == self && ns && kept.ns == ns &&
	       fstat(kept.fd, &st) == 0 && st.st_dev == kept.dev && st.st_ino == kept.ino &&
	       poll(&changed, 1, 0) == 0;
}

/* Nothing kept: the descriptor closed where it is still the file (a
 * forked child's copy too: its table is its own). */
static void kept_drop(void)
{
	struct stat st;

	if (kept.fd >= 0 && fstat(kept.fd, &st) == 0 && st.st_dev == kept.dev &&
	    st.st_ino == kept.ino)
		close(kept.fd);
	kept.fd = -1;
	rt_cg_host_free(&kept.mounts);
}

static int probe_mounts(struct rt_cg_host *h, lxr_err *err)
{
	_cleanup_free_ char *mi = NULL;
	ino_t ns = mnt_ns();
	pid_t self = getpid();
	struct stat st;
	int fd;

	if (kept_holds(self, ns)) {
		copy_mounts(h, &kept.mounts);
		return 0;
	}
	kept_drop();
	/* a descriptor's poll reports the changes made after its open;
	 * above 2, where no dup2 onto a standard stream lands */
	fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && fd < 3) {
		int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		close(fd);
		fd = high;
	}
	if (fd < 0 || lxr_read_fd(fd, "/proc/self/mountinfo", &mi, NULL, err) < 0) {
		if (fd < 0)
			lxr_fail(err, errno, "open /proc/self/mountinfo");
		else
			close(fd);
		return lxr_err_wrap(err, "find cgroup hierarchies");
	}
	if (rt_cg_host_parse(h, mi, PURE_V2_ROOT, err) < 0) {
		close(fd);
		return lxr_err_wrap(err, "find cgroup hierarchies in /proc/self/mountinfo");
	}
	if (fstat(fd, &st) < 0) {
		close(fd); /* read, but not kept */
		return 0;
	}
	copy_mounts(&kept.mounts, h);
	kept.fd = fd;
	kept.pid = self;
	kept.ns = ns;
	kept.dev = st.st_dev;
	kept.ino = st.st_ino;
	return 0;
}

int rt_cg_host_probe(struct rt_cg_host *h, lxr_err *err)
{
	_cleanup_free_ char *ctl = NULL, *sub = NULL;

	if (probe_mounts(h, err) < 0)
		return -1;
	if (h->v2_mount) {
		ctl = read_opt(h->v2_mount, "cgroup.controllers");
		sub = read_opt(h->v2_mount, "cgroup.subtree_control");
	}
	rt_cg_host_set_v2(h, ctl, sub);
	return 0;
}

/* systemd (v251 on) marks a unit's cgroup it delegates (Delegate=yes) with
 * the xattr trusted.delegate, or user.delegate for a user's manager. */
static bool is_delegated(const char *dir)
{
	char v[4];
	ssize_t n = getxattr(dir, "trusted.delegate", v, sizeof(v));

	if (n < 0)
		n = getxattr(dir, "user.delegate", v, sizeof(v));
	return n == 1 && v[0] == '1';
}

/* A cgroup path below the v2 root, "/a/b": no "..", no "//", not "/". */
static bool good_rel(const char *p)
{
	return p[0] == '/' && p[1] && !strstr(p, "/..") && !strstr(p, "//") && !strchr(p, '\n') &&
	       p[strlen(p) - 1] != '/';
}

/* The nearest delegated cgroup above (or at) this process's own. */
static char *own_delegated(const struct rt_cg_host *h)
{
	_cleanup_free_ char *text = NULL;
	char *line, *p;

	if (lxr_read_file_at(AT_FDCWD, "/proc/self/cgroup", &text, NULL, NULL) < 0)
		return NULL;
	line = strstr(text, "0::/");
	if (!line || (line != text && line[-1] != '\n'))
		return NULL;
	p = line + 3;
	p[strcspn(p, "\n")] = '\0';
	while (p[0] == '/' && p[1]) {
		_cleanup_free_ char *dir = lxr_xasprintf("%s%s", h->v2_mount, p);
		char *slash;
		if (is_delegated(dir))
			return lxr_xstrdup(p);
		slash = strrchr(p, '/');
		if (slash == p)
			break;
		*slash = '\0';
	}
	return NULL;
}

void rt_cg_host_base(struct rt_cg_host *h, const char *group, bool making)
{
	_cleanup_free_ char *rec = NULL, *rel = NULL, *ctl = NULL, *sub = NULL;
	const char *parent_setting = lxr_cgroup_parent();
	bool recorded = false;
	struct stat st;

	/* pure v2 only: a hybrid host keeps lxr/ at the roots, as before */
	if (!h->v2_mount || strcmp(h->v2_mount, PURE_V2_ROOT))
		return;
	for (int c = 0; c < RT_CG_NCTRL; c++)
		if (h->v1_mount[c])
			return;
	rec = lxr_xasprintf("%s/%s/cgroup-parent", lxr_run_dir(), group);
	if (lxr_read_file_at(AT_FDCWD, rec, &rel, NULL, NULL) == 0) {
		rel[strcspn(rel, "\n")] = '\0';
		_cleanup_free_ char *dir = lxr_xasprintf("%s%s", h->v2_mount, rel);
		/* a record of a parent that is gone (its unit stopped) is stale */
		recorded = good_rel(rel) && stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
		if (!recorded) {
			free(rel);
			rel = NULL;
		}
	}
	if (!rel && parent_setting && !strcmp(parent_setting, "none"))
		return;
	if (!rel && parent_setting && parent_setting[0] == '/')
		rel = strcmp(parent_setting, "/") ? lxr_xstrdup(parent_setting) : NULL;
	else if (!rel)
		rel = own_delegated(h);
	if (!rel)
		return;
	h->v2_base = lxr_xasprintf("%s%s", h->v2_mount, rel);
	/* the group's run directory exists while it has containers; its other
	 * users (lxr down from a shell, doctor --repair) may sit elsewhere */
	if (making && !recorded) {
		_cleanup_free_ char *dir = lxr_xasprintf("%s/%s", lxr_run_dir(), group);
		_cleanup_free_ char *line = lxr_xasprintf("%s\n", rel);
		_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0)
			lxr_write_file_atomic(dfd, "cgroup-parent", line, strlen(line), 0644, NULL);
	}
	ctl = read_opt(h->v2_base, "cgroup.controllers");
	sub = read_opt(h->v2_base, "cgroup.subtree_control");
	rt_cg_host_set_v2(h, ctl, sub);
}

/* The cgroup.procs of this process's own cgroup in the v1 hierarchy of
 * ctrl, from /proc/self/cgroup ("ID:CONTROLLERS:PATH"); NULL if none. */
static char *own_procs(const struct rt_cg_host *h, enum rt_cg_ctrl ctrl)
{
	_cleanup_free_ char *text = NULL;
	const char *name = rt_cg_ctrl_name(ctrl);
	char *save = NULL;

	if (!h->v1_mount[ctrl] ||
	    lxr_read_file_at(AT_FDCWD, "/proc/self/cgroup", &text, NULL, NULL) < 0)
		return NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *ctrls = strchr(l, ':'), *path = ctrls ? strchr(ctrls + 1, ':') : NULL;
		char *csave = NULL;
		bool has = false;
		if (!path)
			continue;
		*path++ = '\0';
		for (char *c = strtok_r(ctrls + 1, ",", &csave); c && !has;
		     c = strtok_r(NULL, ",", &csave))
			has = !strcmp(c, name);
		if (has)
			return lxr_xasprintf("%s%s/cgroup.procs", h->v1_mount[ctrl],
					     strcmp(path, "/") ? path : "");
	}
	return NULL;
}

pid_t rt_cgroup_warm(void)
{
	static const enum rt_cg_ctrl ctrls[] = {RT_CG_PIDS, RT_CG_MEMORY};
	_cleanup_free_ char *procs = NULL;
	struct rt_cg_host h;
	pid_t pid;

	if (rt_cgroup_version() == LXR_CG_V2 || rt_cg_host_probe(&h, NULL) < 0)
		return -1;
	for (size_t i = 0; !procs && i < sizeof(ctrls) / sizeof(ctrls[0]); i++)
		procs = own_procs(&h, ctrls[i]);
	rt_cg_host_free(&h);
	if (!procs)
		return -1;
	pid = fork();
	if (pid == 0) {
		/* nothing of the caller's held a moment longer than needed
		 * (a lock among them) */
		syscall(SYS_close_range, 3U, ~0U, 0U);
		int fd = open(procs, O_WRONLY | O_CLOEXEC);
		if (fd >= 0)
			(void)!write(fd, "0", 1);
		_exit(0);
	}
	return pid;
}

enum lxr_cg_version rt_cgroup_version(void)
{
	struct statfs sfs;
	struct rt_cg_host h;
	enum lxr_cg_version v;

	if (statfs(PURE_V2_ROOT, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
		return LXR_CG_V2;
	if (rt_cg_host_probe(&h, NULL) < 0)
		return LXR_CG_V1;
	v = rt_cg_host_where(&h, RT_CG_MEMORY);
	if (!v)
		v = h.v2_mount && !h.v1_mount[RT_CG_CPU] && !h.v1_mount[RT_CG_PIDS] ? LXR_CG_V2
										    : LXR_CG_V1;
	rt_cg_host_free(&h);
	return v;
}

static void names_in(const char *dir, char ***out)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		bool seen = false;
		for (size_t i = 0; *out && (*out)[i]; i++)
			seen |= !strcmp((*out)[i], de->d_name);
		if (!seen)
			lxr_strv_push(out, lxr_xstrdup(de->d_name));
	}
	closedir(d);
}

void rt_cg_prune_group(const char *mount, const char *group)
{
	_cleanup_free_ char *top = lxr_xasprintf("%s/lxr", mount);
	_cleanup_free_ char *grp = lxr_xasprintf("%s/%s", top, group);

	if (group[0] == '_')
		return;
	if (rmdir(grp) == 0 || errno == ENOENT)
		rmdir(top);
}

void rt_cgroup_prune(const char *group)
{
	struct rt_cg_host h;

	if (strchr(group, '/') || group[0] == '.' || rt_cg_host_probe(&h, NULL) < 0)
		return;
	rt_cg_host_base(&h, group, false);
	for (int c = -1; c < RT_CG_NCTRL; c++) {
		const char *m = c < 0 ? (h.v2_base ? h.v2_base : h.v2_mount) : h.v1_mount[c];
		if (m)
			rt_cg_prune_group(m, group);
	}
	rt_cg_host_free(&h);
}

char **rt_cgroup_names(const char *group)
{
	struct rt_cg_host h;
	char **out = lxr_xcalloc(1, sizeof(char *));

	if (strchr(group, '/') || group[0] == '.' || rt_cg_host_probe(&h, NULL) < 0)
		return out;
	rt_cg_host_base(&h, group, false);
	for (int c = -1; c < RT_CG_NCTRL; c++) {
		const char *m = c < 0 ? (h.v2_base ? h.v2_base : h.v2_mount) : h.v1_mount[c];
		_cleanup_free_ char *dir = m ? lxr_xasprintf("%s/lxr/%s", m, group) : NULL;
		if (dir)
			names_in(dir, &out);
	}
	rt_cg_host_free(&h);
	return out;
}
