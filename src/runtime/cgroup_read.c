/* What a live cgroup says: its OOM kills, whether it is empty or still
 * there, its usage (memory, CPU, pids, I/O) and its processes, on v2 or v1
 * alike. cgroup.c makes and removes it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime/cgroup.h"

/* A number from a knob file (key: from its "key N" line); *out = -1 when
 * the file is absent (the controller is not there). */
static int read_number(const char *dir, const char *file, const char *key, int64_t *out,
		       lxr_err *err)
{
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s", dir, file);
	_cleanup_free_ char *text = NULL;
	lxr_err e;

	*out = -1;
	if (lxr_read_file_at(AT_FDCWD, path, &text, NULL, &e) < 0) {
		if (e.errnum == ENOENT)
			return 0;
		if (err)
			*err = e;
		return -1;
	}
	*out = key ? rt_cg_parse_keyed(text, key) : rt_cg_parse_single(text);
	if (*out < 0)
		return lxr_fail(err, EINVAL, "%s: no number%s%s in \"%.40s\"", path,
				key ? " for " : "", key ? key : "", text);
	return 0;
}

static int64_t oom_kills(struct lxr_cgroup *cg)
{
	struct rt_cg_leaf *l = rt_cg_leaf_for(cg, RT_CG_MEMORY);
	int64_t kills = -1;

	if (!l)
		return -1;
	/* Both count kills by the cgroup's own limit and by the global OOM
	 * killer; memory.events is hierarchical (nested cgroups count). */
	if (l->version == LXR_CG_V2)
		read_number(l->path, "memory.events", "oom_kill", &kills, NULL);
	else
		read_number(l->path, "memory.oom_control", "oom_kill", &kills, NULL);
	return kills;
}

bool rt_cgroup_oom_killed(struct lxr_cgroup *cg)
{
	return oom_kills(cg) > cg->oom_base;
}

int rt_cgroup_empty(struct lxr_cgroup *cg, lxr_err *err)
{
	for (size_t i = 0; i < cg->n_leaves; i++)
		if (cg->leaf[i].path)
			rt_cg_leaf_thaw(&cg->leaf[i]);
	/* v2 first, as in rt_cgroup_destroy: its cgroup.kill ends all of it */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < cg->n_leaves; i++) {
			struct rt_cg_leaf *l = &cg->leaf[i];
			if (l->path && (l->version == LXR_CG_V2) == (pass == 0) &&
			    rt_cg_leaf_empty(l->path, l->version, err) < 0)
				return lxr_err_wrap(err, "empty cgroup %s/%s", cg->group, cg->name);
		}
	cg->oom_base = oom_kills(cg);
	return rt_cgroup_present(cg, err);
}

int rt_cgroup_present(const struct lxr_cgroup *cg, lxr_err *err)
{
	for (size_t i = 0; i < cg->n_leaves; i++)
		if (cg->leaf[i].path && access(cg->leaf[i].path, F_OK) < 0)
			return lxr_fail(err, errno, "cgroup %s", cg->leaf[i].path);
	return 0;
}

/* io.stat: one line a device, "8:0 rbytes=N wbytes=N rios=N ...": summed.
 * Absent (the io controller not enabled for lxr's subtree): -1. */
static void io_bytes(const char *dir, struct lxr_cgroup_stats *st)
{
	_cleanup_free_ char *path = lxr_xasprintf("%s/io.stat", dir);
	_cleanup_free_ char *text = NULL;
	lxr_err e;

	if (lxr_read_file_at(AT_FDCWD, path, &text, NULL, &e) < 0)
		return;
	st->io_read_bytes = st->io_write_bytes = 0;
	for (char *p = text; (p = strstr(p, "bytes=")); p += 6) {
		long long v = strtoll(p + 6, NULL, 10);
		if (p - text >= 1 && p[-1] == 'r')
			st->io_read_bytes += v;
		else if (p - text >= 1 && p[-1] == 'w')
			st->io_write_bytes += v;
	}
}

/* v1 blkio (its leaf exists when the service sets blkio_config):
 * "MAJ:MIN Read N" and "MAJ:MIN Write N" lines, summed ("Total" left out) */
static void blkio_bytes(const char *dir, struct lxr_cgroup_stats *st)
{
	_cleanup_free_ char *path = lxr_xasprintf("%s/blkio.throttle.io_service_bytes", dir);
	_cleanup_free_ char *text = NULL;
	char *save = NULL;
	lxr_err e;

	if (lxr_read_file_at(AT_FDCWD, path, &text, NULL, &e) < 0)
		return;
	st->io_read_bytes = st->io_write_bytes = 0;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char dev[32], op[16];
		long long v;
		if (lxr_sscanf(l, "%31s %15s %lld", dev, op, &v) != 3)
			continue;
		if (!strcmp(op, "Read"))
			st->io_read_bytes += v;
		else if (!strcmp(op, "Write"))
			st->io_write_bytes += v;
	}
}

int rt_cgroup_stats(struct lxr_cgroup *cg, struct lxr_cgroup_stats *st, lxr_err *err)
{
	struct rt_cg_leaf *mem = rt_cg_leaf_for(cg, RT_CG_MEMORY),
			  *pids = rt_cg_leaf_for(cg, RT_CG_PIDS);
	struct rt_cg_leaf *acct = rt_cg_leaf_for(cg, RT_CG_CPUACCT), *v2 = rt_cg_leaf_v2(cg);
	struct rt_cg_leaf *blk = rt_cg_leaf_for(cg, RT_CG_BLKIO);

	st->memory_bytes = st->cpu_usage_usec = st->pids = -1;
	st->io_read_bytes = st->io_write_bytes = -1;
	if (blk && blk->version == LXR_CG_V1)
		blkio_bytes(blk->path, st);
	else if (v2)
		io_bytes(v2->path, st);
	if (mem &&
	    read_number(mem->path,
			mem->version == LXR_CG_V2 ? "memory.current" : "memory.usage_in_bytes",
			NULL, &st->memory_bytes, err) < 0)
		return -1;
	if (pids && read_number(pids->path, "pids.current", NULL, &st->pids, err) < 0)
		return -1;
	/* v1 keeps usage in cpuacct (in ns); v2 in every cgroup's cpu.stat */
	if (acct) {
		if (read_number(acct->path, "cpuacct.usage", NULL, &st->cpu_usage_usec, err) < 0)
			return -1;
		if (st->cpu_usage_usec > 0)
			st->cpu_usage_usec /= 1000;
	} else if (v2 &&
		   read_number(v2->path, "cpu.stat", "usage_usec", &st->cpu_usage_usec, err) < 0) {
		return -1;
	}
	return 0;
}

static int collect_pids(const char *dir, int depth, pid_t **pids, size_t *n, lxr_err *err)
{
	_cleanup_free_ char *procs = lxr_xasprintf("%s/cgroup.procs", dir);
	_cleanup_free_ pid_t *here = NULL;
	size_t m = 0;
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (rt_cg_read_pids(procs, &here, &m, err) < 0)
		return -1;
	*pids = lxr_xrealloc(*pids, (*n + m + 1) * sizeof(pid_t));
	if (m) /* here is NULL for an empty cgroup */
		memcpy(*pids + *n, here, m * sizeof(pid_t));
	*n += m;
	if (depth >= 32 || !(d = opendir(dir)))
		return 0;
	while (r == 0 && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *sub = lxr_xasprintf("%s/%s", dir, de->d_name);
		r = collect_pids(sub, depth + 1, pids, n, err);
	}
	closedir(d);
	return r;
}

int rt_cgroup_pids(struct lxr_cgroup *cg, pid_t **pids, size_t *n, lxr_err *err)
{
	struct rt_cg_leaf *l = rt_cg_leaf_v2(cg);

	*pids = NULL;
	*n = 0;
	/* Every process of the container is in every leaf; the v2 one is
	 * the one a process cannot leave by joining a v1 sibling. */
	for (size_t i = 0; !l && i < cg->n_leaves; i++)
		if (cg->leaf[i].path)
			l = &cg->leaf[i];
	if (!l)
		return 0;
	if (collect_pids(l->path, 0, pids, n, err) < 0) {
		free(*pids);
		*pids = NULL;
		*n = 0;
		return lxr_err_wrap(err, "list processes of cgroup %s/%s", cg->group, cg->name);
	}
	return 0;
}
