/* A container's cgroup: one directory <hierarchy>/lxr/<group>/<name> in each
 * hierarchy that holds a controller lxr uses (memory, cpu, pids, and v1's
 * cpuacct for usage), plus one in the unified v2 hierarchy whenever the host
 * mounts it (on hybrid hosts too, as systemd does: it tracks the container
 * as one tree and cgroup.kill takes it down at once). Limits are written
 * before any process enters. Everything made is undone on failure. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "runtime/cgroup.h"

#define MAX_WRITES 16

static struct lxr_cgroup *cg_new(const char *group, const char *name)
{
	struct lxr_cgroup *cg = lxr_xcalloc(1, sizeof(*cg));

	cg->group = lxr_xstrdup(group);
	cg->name = lxr_xstrdup(name);
	cg->v2_fd = -1;
	return cg;
}

void rt_cgroup_free(struct lxr_cgroup *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < cg->n_leaves; i++) {
		free(cg->leaf[i].mount);
		free(cg->leaf[i].path);
	}
	if (cg->v2_fd >= 0)
		close(cg->v2_fd);
	free(cg->group);
	free(cg->name);
	free(cg->key);
	lxr_strv_free(cg->warnings);
	free(cg);
}

/* One path component each, in docker's container-name alphabet: no "/",
 * no "..". A name that collides with a knob file fails at mkdir (EEXIST),
 * but "cgroup.*" and "<controller>.*" get a clearer error here. */
static int check_name(const char *what, const char *s, lxr_err *err)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128)
		return lxr_fail(err, EINVAL, "cgroup %s \"%s\" must be 1..128 characters", what, s);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || (i > 0 && (c == '-' || c == '.'));
		if (!ok)
			return lxr_fail(
			    err, EINVAL,
			    "cgroup %s \"%s\": use letters, digits, _ and - . (not first)", what,
			    s);
	}
	for (int c = -1; c < RT_CG_NCTRL; c++) {
		const char *prefix = c < 0 ? "cgroup" : rt_cg_ctrl_name(c);
		size_t pl = strlen(prefix);
		if (!strncmp(s, prefix, pl) && s[pl] == '.')
			return lxr_fail(err, EINVAL, "cgroup %s \"%s\" is the name of a knob file",
					what, s);
	}
	return 0;
}

/* Which leaves the cgroup gets, and which controllers each serves: every
 * v1 hierarchy lxr uses, cpuset's and blkio's only when want_v1 has them. */
static void lay_out(const struct rt_cg_host *h, unsigned want_v2, unsigned want_v1,
		    struct lxr_cgroup *cg)
{
	const unsigned on_demand = (1u << RT_CG_CPUSET) | (1u << RT_CG_BLKIO);

	if (h->v2_mount) {
		struct rt_cg_leaf *l = &cg->leaf[cg->n_leaves++];
		l->version = LXR_CG_V2;
		l->mount = lxr_xstrdup(h->v2_base ? h->v2_base : h->v2_mount);
		l->delegated = h->v2_base != NULL;
		l->ctrls = want_v2;
	}
	for (int c = 0; c < RT_CG_NCTRL; c++) {
		struct rt_cg_leaf *l = NULL;
		if (!h->v1_mount[c] || ((on_demand & (1u << c)) && !(want_v1 & (1u << c))))
			continue;
		/* cpu and cpuacct are often one hierarchy ("cpu,cpuacct") */
		for (size_t i = 0; i < cg->n_leaves; i++)
			if (cg->leaf[i].version == LXR_CG_V1 &&
			    !strcmp(cg->leaf[i].mount, h->v1_mount[c]))
				l = &cg->leaf[i];
		if (!l) {
			l = &cg->leaf[cg->n_leaves++];
			l->version = LXR_CG_V1;
			l->mount = lxr_xstrdup(h->v1_mount[c]);
		}
		l->ctrls |= 1u << c;
	}
}

struct rt_cg_leaf *rt_cg_leaf_for(struct lxr_cgroup *cg, enum rt_cg_ctrl c)
{
	for (size_t i = 0; i < cg->n_leaves; i++)
		if (cg->leaf[i].path && (cg->leaf[i].ctrls & (1u << c)))
			return &cg->leaf[i];
	return NULL;
}

struct rt_cg_leaf *rt_cg_leaf_v2(struct lxr_cgroup *cg)
{
	for (size_t i = 0; i < cg->n_leaves; i++)
		if (cg->leaf[i].path && cg->leaf[i].version == LXR_CG_V2)
			return &cg->leaf[i];
	return NULL;
}

char *const *rt_cgroup_warnings(const struct lxr_cgroup *cg)
{
	return cg ? cg->warnings : NULL;
}

int rt_cgroup_v2_fd(const struct lxr_cgroup *cg)
{
	return cg ? cg->v2_fd : -1;
}

static bool has_v1(const struct rt_cg_host *h)
{
	for (int c = 0; c < RT_CG_NCTRL; c++)
		if (h->v1_mount[c])
			return true;
	return false;
}

/* The requested controllers must exist before anything is made. */
static int check_available(const struct rt_cg_host *h, unsigned want, lxr_err *err)
{
	for (int c = 0; c < RT_CG_NCTRL; c++) {
		const char *n = rt_cg_ctrl_name(c);
		if (!(want & (1u << c)) || rt_cg_host_where(h, c))
			continue;
		if (!h->v2_mount)
			lxr_fail(err, ENODEV, "%s controller is not mounted", n);
		else if (has_v1(h))
			lxr_fail(err, ENODEV,
				 "%s controller is not mounted as cgroup v1 nor available in "
				 "%s/cgroup.controllers",
				 n, h->v2_mount);
		else
			lxr_fail(err, ENODEV,
				 "controller %s is not available in %s/cgroup.controllers", n,
				 h->v2_mount);
		/* every spec has a pids limit unless lxr.conf lifts the default */
		const char *dflt = c == RT_CG_PIDS ? " (lxr gives every container one: "
						     "lxr.conf [limits] pids = -1 lifts it)"
						   : "";
		if (has_v1(h) || !h->v2_mount)
			return lxr_err_hint(err,
					    "mount its hierarchy (mount -t cgroup -o %s cgroup "
					    "/sys/fs/cgroup/%s) or drop the %s limit%s",
					    n, n, n, dflt);
		return lxr_err_hint(err,
				    "the kernel lacks it or it was disabled at boot (look for "
				    "cgroup_disable= in /proc/cmdline); or drop the %s limit%s",
				    n, dflt);
	}
	return 0;
}

static unsigned plan_ctrls(const struct rt_cg_write *w, int n)
{
	unsigned bits = 0;

	for (int i = 0; i < n; i++)
		bits |= 1u << rt_cg_ctrl_from_name(w[i].controller);
	return bits;
}

static bool host_swaps(void)
{
	_cleanup_free_ char *text = NULL;

	if (lxr_read_file_at(AT_FDCWD, "/proc/swaps", &text, NULL, NULL) < 0)
		return false;
	/* a header line, then one line per active swap area */
	char *nl = strchr(text, '\n');
	return nl && nl[1] != '\0';
}

/* One knob write. A run of writes to one file (v1's device exceptions, a
 * line each) shares one open: the file takes each write(2) as a line. */
struct knob {
	int fd;
	char *path;
};

static int write_knob(struct knob *k, const char *path, const char *value, lxr_err *err)
{
	size_t len = strlen(value);
	ssize_t w;

	if (k->fd < 0 || strcmp(k->path, path)) {
		if (k->fd >= 0)
			close(k->fd);
		free(k->path);
		k->path = lxr_xstrdup(path);
		k->fd = open(path, O_WRONLY | O_CLOEXEC);
		if (k->fd < 0)
			return lxr_fail(err, errno, "open %s", path);
	}
	w = write(k->fd, value, len);
	if (w < 0)
		return lxr_fail(err, errno, "write \"%s\" to %s", value, path);
	if ((size_t)w != len)
		return lxr_fail(err, EIO, "short write of \"%s\" to %s", value, path);
	return 0;
}

static void knob_close(struct knob *k)
{
	if (k->fd >= 0)
		close(k->fd);
	free(k->path);
}

static int apply_writes(struct lxr_cgroup *cg, const struct rt_cg_host *h,
			const struct rt_cg_write *w, int n, enum lxr_cg_version v, lxr_err *err)
{
	__attribute__((cleanup(knob_close))) struct knob k = {.fd = -1};

	for (int i = 0; i < n; i++) {
		int c = rt_cg_ctrl_from_name(w[i].controller);
		struct rt_cg_leaf *l = rt_cg_leaf_for(cg, c);
		if (rt_cg_host_where(h, c) != v)
			continue;
		if (!l)
			return lxr_fail(err, ENODEV, "no cgroup directory serves controller %s",
					w[i].controller);
		if (w[i].never) {
			lxr_strv_push(&cg->warnings, lxr_xstrdup(w[i].absent_warning));
			continue;
		}
		_cleanup_free_ char *f = lxr_xasprintf("%s/%s", l->path, w[i].file);
		if (write_knob(&k, f, w[i].value, err) == 0)
			continue;
		if (err->errnum == ENOENT && w[i].alt_file) {
			_cleanup_free_ char *alt = lxr_xasprintf("%s/%s", l->path, w[i].alt_file);
			if (lxr_write_file_at(AT_FDCWD, alt,
					      w[i].alt_value[0] ? w[i].alt_value : w[i].value,
					      err) == 0)
				continue;
		}
		if (err->errnum == ENOENT && w[i].absent_warning) {
			lxr_strv_push(&cg->warnings, lxr_xstrdup(w[i].absent_warning));
			continue;
		}
		if (!(w[i].optional && err->errnum == ENOENT))
			return lxr_err_wrap(err, "set %s limit", w[i].controller);
		/* "max" and "-1" ask for the default: nothing is lost */
		if (strcmp(w[i].value, "max") && strcmp(w[i].value, "-1") && host_swaps())
			lxr_warn("%s: no %s (kernel without swap accounting): the container can "
				 "swap beyond its memory limit",
				 l->path, w[i].file);
	}
	return 0;
}

int rt_cgroup_destroy(struct lxr_cgroup *cg, lxr_err *err)
{
	int r = 0;

	if (!cg)
		return 0;
	/* a paused container: frozen tasks take no SIGKILL on v1 */
	for (size_t i = 0; i < cg->n_leaves; i++)
		if (cg->leaf[i].path)
			rt_cg_leaf_thaw(&cg->leaf[i]);
	/* v2 first: on a hybrid host its cgroup.kill ends the whole
	 * container at once, and the v1 leaves are then empty already. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < cg->n_leaves; i++) {
			struct rt_cg_leaf *l = &cg->leaf[i];
			if (!l->path || (l->version == LXR_CG_V2) != (pass == 0))
				continue;
			lxr_err e;
			if (rt_cg_leaf_remove(l->path, l->version, &e) < 0 && r == 0) {
				if (err)
					*err = e;
				r = lxr_err_wrap(err, "remove cgroup %s/%s", cg->group, cg->name);
			}
		}
	}
	for (size_t i = 0; i < cg->n_leaves; i++)
		rt_cg_prune_group(cg->leaf[i].mount, cg->group);
	rt_cgroup_free(cg);
	return r;
}

/* Device rules go to a v1 devices hierarchy where the host has one (a
 * hybrid host's v2 tree cannot see that controller's settings), else to a
 * BPF program on the v2 cgroup; with neither, nothing could enforce them. */
static int check_devices(const struct rt_cg_host *h, const struct lxr_resources *res, bool *bpf,
			 lxr_err *err)
{
	*bpf = false;
	if (!res->n_devices || rt_cg_host_where(h, RT_CG_DEVICES) == LXR_CG_V1)
		return 0;
	if (!h->v2_mount) {
		lxr_fail(err, ENODEV,
			 "no device cgroup: the devices controller is not mounted "
			 "and there is no cgroup v2 hierarchy for a device program");
		return lxr_err_hint(err, "mount one (mount -t cgroup -o devices cgroup "
					 "/sys/fs/cgroup/devices, or cgroup2 on /sys/fs/cgroup): "
					 "without it a container could open every device node it "
					 "can make");
	}
	*bpf = true;
	return 0;
}

/* Every knob write of both plans as one text: two cgroups made from the
 * same key hold the same limits and device rules (the v1 plan lists the
 * device rules, which the v2 program is built from). */
static char *limits_key(const struct rt_cg_write *w1, int n1, const struct rt_cg_write *w2, int n2)
{
	char *key = lxr_xstrdup("");

	for (int v = 0; v < 2; v++) {
		const struct rt_cg_write *w = v ? w2 : w1;
		for (int i = 0; i < (v ? n2 : n1); i++) {
			char *next = lxr_xasprintf(
			    "%s%d %s %s=%s|%s=%s;", key, v + 1, w[i].controller, w[i].file,
			    w[i].value, w[i].alt_file ? w[i].alt_file : "", w[i].alt_value);
			free(key);
			key = next;
		}
	}
	return key;
}

static char *limits_key_of(const struct lxr_resources *res, lxr_err *err)
{
	size_t max = MAX_WRITES + 1 + 2 * res->n_devices + res->n_blkio_devices;
	_cleanup_free_ struct rt_cg_write *w1 = lxr_xcalloc(max, sizeof(*w1));
	_cleanup_free_ struct rt_cg_write *w2 = lxr_xcalloc(max, sizeof(*w2));
	int n1 = rt_cgroup_plan(res, LXR_CG_V1, w1, max, err);
	int n2 = n1 < 0 ? -1 : rt_cgroup_plan(res, LXR_CG_V2, w2, max, err);

	return n2 < 0 ? NULL : limits_key(w1, n1, w2, n2);
}

bool rt_cgroup_fits(const struct lxr_cgroup *cg, const struct lxr_resources *res)
{
	lxr_err ignored;
	_cleanup_free_ char *key = limits_key_of(res, &ignored);

	return key && cg->key && !strcmp(key, cg->key);
}

int rt_cg_create_on(const struct rt_cg_host *h, const char *group, const char *name,
		    const struct lxr_resources *res, struct lxr_cgroup **out, lxr_err *err)
{
	/* a reset and at most two exceptions per device rule */
	size_t max = MAX_WRITES + 1 + 2 * res->n_devices + res->n_blkio_devices;
	_cleanup_free_ struct rt_cg_write *w1 = lxr_xcalloc(max, sizeof(*w1));
	_cleanup_free_ struct rt_cg_write *w2 = lxr_xcalloc(max, sizeof(*w2));
	struct rt_dev_state dev = {0};
	int n1, n2;
	unsigned want, on_v2 = 0;
	bool dev_bpf;
	struct lxr_cgroup *cg;

	*out = NULL;
	if (check_name("group", group, err) < 0 || check_name("name", name, err) < 0)
		return -1;
	n1 = rt_cgroup_plan(res, LXR_CG_V1, w1, max, err);
	n2 = n1 < 0 ? -1 : rt_cgroup_plan(res, LXR_CG_V2, w2, max, err);
	if (n2 < 0)
		return -1;
	want = plan_ctrls(w2, n2);
	if (check_available(h, want, err) < 0 || check_devices(h, res, &dev_bpf, err) < 0)
		return lxr_err_wrap(err, "cgroup %s/%s", group, name);
	/* On v2: what the limits need, plus what the root already hands down
	 * (free to have, and it makes stats work without limits). */
	for (int c = 0; c < RT_CG_NCTRL; c++)
		if (rt_cg_host_where(h, c) == LXR_CG_V2 && ((want | h->v2_enabled) & (1u << c)))
			on_v2 |= 1u << c;
	if (!h->v2_mount && !has_v1(h))
		return lxr_fail(err, ENODEV,
				"cgroup %s/%s: no cgroup hierarchy is mounted (see "
				"/proc/self/mountinfo)",
				group, name);
	cg = cg_new(group, name);
	cg->key = limits_key(w1, n1, w2, n2);
	lay_out(h, on_v2, plan_ctrls(w1, n1), cg);
	for (size_t i = 0; i < cg->n_leaves; i++) {
		if (rt_cg_make_leaf(&cg->leaf[i], group, name, want & on_v2 & ~h->v2_enabled, err) <
		    0)
			goto fail;
	}
	if (apply_writes(cg, h, w1, n1, LXR_CG_V1, err) < 0 ||
	    apply_writes(cg, h, w2, n2, LXR_CG_V2, err) < 0)
		goto fail;
	if (dev_bpf) {
		struct rt_cg_leaf *l = rt_cg_leaf_v2(cg);
		int r = rt_dev_state_build(res->devices, res->n_devices, &dev, err);
		if (r == 0)
			r = rt_dev_bpf_attach(l->path, &dev, err);
		rt_dev_state_free(&dev);
		if (r < 0)
			goto fail;
	}
	if (cg->n_leaves == 1 && cg->leaf[0].version == LXR_CG_V2) {
		cg->v2_fd = open(cg->leaf[0].path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (cg->v2_fd < 0) {
			lxr_fail(err, errno, "open %s", cg->leaf[0].path);
			goto fail;
		}
	}
	*out = cg;
	return 0;
fail:
	rt_cgroup_destroy(cg, NULL);
	return lxr_err_wrap(err, "create cgroup %s/%s", group, name);
}

int rt_cgroup_create(const char *group, const char *name, const struct lxr_resources *res,
		     struct lxr_cgroup **out, lxr_err *err)
{
	struct rt_cg_host h;
	int r;

	if (rt_cg_host_probe(&h, err) < 0)
		return -1;
	rt_cg_host_base(&h, group, true);
	r = rt_cg_create_on(&h, group, name, res, out, err);
	rt_cg_host_free(&h);
	return r;
}

int rt_cgroup_attach(struct lxr_cgroup *cg, pid_t pid, lxr_err *err)
{
	char value[24];

	snprintf(value, sizeof(value), "%d", (int)pid);
	for (size_t i = 0; i < cg->n_leaves; i++) {
		if (!cg->leaf[i].path)
			continue;
		_cleanup_free_ char *f = lxr_xasprintf("%s/cgroup.procs", cg->leaf[i].path);
		if (lxr_write_file_at(AT_FDCWD, f, value, err) < 0)
			return lxr_err_wrap(err, "move pid %d into cgroup %s/%s", (int)pid,
					    cg->group, cg->name);
	}
	return 0;
}

char **rt_cgroup_v1_mounts(const struct lxr_cgroup *cg)
{
	char **v = lxr_xcalloc(1, sizeof(char *));

	for (size_t i = 0; cg && i < cg->n_leaves; i++) {
		const struct rt_cg_leaf *l = &cg->leaf[i];
		const char *base = l->mount ? strrchr(l->mount, '/') : NULL;
		if (l->path && l->version == LXR_CG_V1 && base && base[1])
			lxr_strv_push(&v, lxr_xstrdup(base + 1));
	}
	return v;
}

int rt_cgroup_procs_open(const struct lxr_cgroup *cg, struct rt_cg_join *j, lxr_err *err)
{
	j->n = 0;
	for (size_t i = 0; cg && i < cg->n_leaves; i++) {
		if (!cg->leaf[i].path)
			continue;
		_cleanup_free_ char *f = lxr_xasprintf("%s/cgroup.procs", cg->leaf[i].path);
		int fd = open(f, O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			int e = errno;
			rt_cgroup_procs_close(j);
			return lxr_fail(err, e, "open %s", f);
		}
		j->fd[j->n] = fd;
		j->path[j->n++] = cg->leaf[i].path;
	}
	return 0;
}

void rt_cgroup_procs_close(struct rt_cg_join *j)
{
	for (size_t i = 0; i < j->n; i++)
		close(j->fd[i]);
	j->n = 0;
}

int rt_cgroup_join(const struct rt_cg_join *j, pid_t pid, lxr_err *err)
{
	char v[24];
	int len = snprintf(v, sizeof(v), "%d", (int)pid);

	for (size_t i = 0; i < j->n; i++) {
		/* "0": the writer's own thread group */
		if (write(j->fd[i], v, (size_t)len) != len)
			return lxr_fail(err, errno,
					"move the container into cgroup %s "
					"(write cgroup.procs)",
					j->path[i]);
	}
	return 0;
}

int rt_cg_open_on(const struct rt_cg_host *h, const char *group, const char *name,
		  struct lxr_cgroup **out, lxr_err *err)
{
	struct lxr_cgroup *cg;
	size_t found = 0;

	*out = NULL;
	if (check_name("group", group, err) < 0 || check_name("name", name, err) < 0)
		return -1;
	cg = cg_new(group, name);
	lay_out(h, 0, ~0u, cg);
	for (size_t i = 0; i < cg->n_leaves; i++) {
		struct rt_cg_leaf *l = &cg->leaf[i];
		_cleanup_free_ char *p = lxr_xasprintf("%s/lxr/%s/%s", l->mount, group, name);
		_cleanup_free_ char *ctl = NULL;
		if (access(p, F_OK) < 0)
			continue;
		found++;
		/* on v2, the controllers the parent hands down are the leaf's */
		if (l->version == LXR_CG_V2) {
			_cleanup_free_ char *f = lxr_xasprintf("%s/cgroup.controllers", p);
			if (lxr_read_file_at(AT_FDCWD, f, &ctl, NULL, NULL) == 0)
				l->ctrls = rt_cg_parse_ctrl_list(ctl) & ~(1u << RT_CG_CPUACCT);
		}
		l->path = lxr_steal_ptr(&p);
	}
	if (!found) {
		rt_cgroup_free(cg);
		return lxr_fail(err, ENOENT, "no cgroup lxr/%s/%s on this host", group, name);
	}
	if (cg->n_leaves == 1 && cg->leaf[0].version == LXR_CG_V2)
		cg->v2_fd = open(cg->leaf[0].path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	*out = cg;
	return 0;
}

int rt_cgroup_open(const char *group, const char *name, struct lxr_cgroup **out, lxr_err *err)
{
	struct rt_cg_host h;
	int r;

	if (rt_cg_host_probe(&h, err) < 0)
		return -1;
	rt_cg_host_base(&h, group, false);
	r = rt_cg_open_on(&h, group, name, out, err);
	rt_cg_host_free(&h);
	return r;
}
