/* The net layer's records: one small "key value" file per network and per
 * endpoint below <run_dir>/<project>/.net/, written atomically before the
 * kernel object they describe is made, so whatever a crash leaves can be
 * found and removed. And the lock that serialises every change. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/net_internal.h"

char *net_proj_dir(const char *run_dir, const char *project, const char *sub)
{
	return sub ? lxr_xasprintf("%s/%s/.net/%s", run_dir, project, sub)
		   : lxr_xasprintf("%s/%s/.net", run_dir, project);
}

char *net_lease6_name(const char *network)
{
	return lxr_xasprintf("%s+6", network);
}

int net_lock(const char *run_dir, lxr_err *err)
{
	_cleanup_free_ char *path = lxr_xasprintf("%s/.net.lock", run_dir);
	_cleanup_close_ int fd = -1;

	if (lxr_mkdir_p(run_dir, 0700, err) < 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return lxr_fail(err, errno, "open %s", path);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return lxr_fail(err, errno, "flock %s", path);
	return lxr_steal_fd(&fd);
}

/* Names of the regular files in dir, sorted; a missing dir is empty. */
static char **list_dir(const char *dir)
{
	DIR *d = opendir(dir);
	char **v = NULL;
	struct dirent *de;

	if (!d)
		return lxr_xcalloc(1, sizeof(char *));
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			lxr_strv_push(&v, lxr_xstrdup(de->d_name));
	closedir(d);
	if (!v)
		return lxr_xcalloc(1, sizeof(char *));
	lxr_strv_sort(v);
	return v;
}

static int read_rec(const char *run_dir, const char *project, const char *kind, const char *name,
		    char **text, lxr_err *err)
{
	_cleanup_free_ char *dir = net_proj_dir(run_dir, project, kind);
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t len;

	if (dfd < 0)
		return lxr_fail(err, errno, "open %s", dir);
	if (lxr_read_file_at(dfd, name, text, &len, err) < 0)
		return lxr_err_wrap(err, "%s", dir);
	return 0;
}

int net_rec_load(const char *run_dir, const char *project, const char *name, struct net_rec *r,
		 lxr_err *err)
{
	_cleanup_free_ char *text = NULL;

	memset(r, 0, sizeof(*r));
	if (read_rec(run_dir, project, "networks", name, &text, err) < 0)
		return -1;
	if (net_rec_parse(text, r, err) < 0) {
		net_rec_free(r);
		return lxr_err_wrap(err, "network %s/%s", project, name);
	}
	r->name = lxr_xstrdup(name);
	return 0;
}

int net_recs_load(const char *run_dir, const char *project, struct net_rec **out, size_t *n,
		  lxr_err *err)
{
	_cleanup_free_ char *dir = net_proj_dir(run_dir, project, "networks");
	_cleanup_strv_ char **names = list_dir(dir);
	size_t cnt = lxr_strv_len(names);
	struct net_rec *v = lxr_xcalloc(cnt + 1, sizeof(*v));

	for (size_t i = 0; i < cnt; i++) {
		if (net_rec_load(run_dir, project, names[i], &v[i], err) < 0) {
			for (size_t j = 0; j < i; j++)
				net_rec_free(&v[j]);
			free(v);
			return -1;
		}
	}
	*out = v;
	*n = cnt;
	return 0;
}

/* The endpoint records change only under net_lock, through net_rec_save
 * and net_rec_remove, which count each change in the lock file: odd while a
 * change is being written, the next even number once it is. A long-lived
 * process (the supervisor, an `lxr run`) keeps the records it last read with
 * that count and reads the files again only when another change happened:
 * adding the n-th endpoint then costs no n record reads, several times over. */
static struct {
	char *run_dir;
	uint64_t gen;
	struct ep_rec *eps;
	size_t n;
} eps_cache;

/* The change count; 0 (read the files) while unknown or mid-change. */
static uint64_t gen_read(const char *run_dir)
{
	_cleanup_free_ char *path = lxr_xasprintf("%s/.net.lock", run_dir);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint64_t g = 0;

	if (fd < 0 || pread(fd, &g, sizeof(g), 0) != (ssize_t)sizeof(g) || (g & 1))
		return 0;
	return g;
}

/* Before a change (done false): the count odd; after it, the next even,
 * returned (0 when it could not be written). */
static uint64_t gen_bump(const char *run_dir, bool done)
{
	_cleanup_free_ char *path = lxr_xasprintf("%s/.net.lock", run_dir);
	_cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC);
	uint64_t g = 0;

	if (fd < 0)
		return 0;
	if (pread(fd, &g, sizeof(g), 0) != (ssize_t)sizeof(g))
		g = 0;
	g |= 1;
	if (done)
		g++;
	if (pwrite(fd, &g, sizeof(g), 0) != (ssize_t)sizeof(g)) {
		lxr_debug("%s: %s", path, strerror(errno));
		return 0;
	}
	return g;
}

/* By project, then record name: the order every load returns. */
static int ep_cmp(const void *a, const void *b)
{
	const struct ep_rec *x = a, *y = b;
	int c = strcmp(x->project, y->project);

	return c ? c : strcmp(x->container, y->container);
}

static void strv_dup_into(char ***dst, char *const *src)
{
	*dst = src ? lxr_strv_dup(src) : NULL;
}

static void ep_dup(struct ep_rec *d, const struct ep_rec *s)
{
	*d = *s;
	d->container = lxr_xstrdup(s->container);
	d->network = lxr_xstrdup(s->network);
	d->owner = lxr_xstrdup(s->owner);
	d->ports = s->n_ports ? lxr_xmalloc(s->n_ports * sizeof(*s->ports)) : NULL;
	if (s->n_ports)
		memcpy(d->ports, s->ports, s->n_ports * sizeof(*s->ports));
	strv_dup_into(&d->names, s->names);
	strv_dup_into(&d->extra, s->extra);
	strv_dup_into(&d->dns, s->dns);
	strv_dup_into(&d->dns_search, s->dns_search);
	strv_dup_into(&d->dns_opt, s->dns_opt);
	d->joins = s->joins ? lxr_xstrdup(s->joins) : NULL;
	d->netproj = s->netproj ? lxr_xstrdup(s->netproj) : NULL;
	d->project = lxr_xstrdup(s->project);
}

/* Is the cache the records' state at change count g (gen_read's)? */
static bool cache_at(const char *run_dir, uint64_t g)
{
	return g && eps_cache.run_dir && !strcmp(eps_cache.run_dir, run_dir) && g == eps_cache.gen;
}

static bool cache_current(const char *run_dir)
{
	return cache_at(run_dir, gen_read(run_dir));
}

/* Copies of the cached endpoints (of project, or all when NULL), or false
 * when the cache is not the records' state at change count g. */
static bool cache_get(const char *run_dir, uint64_t g, const char *project, struct ep_rec **out,
		      size_t *n)
{
	size_t k = 0;

	if (!cache_at(run_dir, g))
		return false;
	*out = lxr_xcalloc(eps_cache.n + 1, sizeof(**out));
	for (size_t i = 0; i < eps_cache.n; i++)
		if (!project || !strcmp(eps_cache.eps[i].project, project))
			ep_dup(&(*out)[k++], &eps_cache.eps[i]);
	*n = k;
	return true;
}

static void cache_put(const char *run_dir, uint64_t g, const struct ep_rec *eps, size_t n)
{
	net_eps_free(eps_cache.eps, eps_cache.n);
	free(eps_cache.run_dir);
	eps_cache.run_dir = lxr_xstrdup(run_dir);
	eps_cache.gen = g;
	eps_cache.eps = lxr_xcalloc(n + 1, sizeof(*eps));
	for (size_t i = 0; i < n; i++)
		ep_dup(&eps_cache.eps[i], &eps[i]);
	eps_cache.n = n;
}

static bool is_ep_kind(const char *kind)
{
	return !strcmp(kind, "endpoints");
}

/* This process changed project's record name (text: its new content, NULL:
 * removed): the cache follows when it was current before (was) and the
 * change is counted (g), else it is dropped. */
static void cache_change(bool was, uint64_t g, const char *project, const char *name,
			 const char *text)
{
	size_t i = 0;
	struct ep_rec e = {0};
	lxr_err err;

	if (!was || !g || (text && net_ep_parse(text, &e, &err) < 0)) {
		net_ep_free(&e);
		eps_cache.gen = 0;
		return;
	}
	e.project = lxr_xstrdup(project);
	e.container = lxr_xstrdup(name);
	/* the cache is in ep_cmp order: the record's place */
	while (i < eps_cache.n && ep_cmp(&eps_cache.eps[i], &e) < 0)
		i++;
	if (i < eps_cache.n && ep_cmp(&eps_cache.eps[i], &e) == 0) {
		net_ep_free(&eps_cache.eps[i]);
		memmove(&eps_cache.eps[i], &eps_cache.eps[i + 1],
			(eps_cache.n - i) * sizeof(e)); /* the zeroed end too */
		eps_cache.n--;
	}
	if (text) {
		eps_cache.eps = lxr_xrealloc(eps_cache.eps, (eps_cache.n + 2) * sizeof(e));
		memmove(&eps_cache.eps[i + 1], &eps_cache.eps[i],
			(eps_cache.n + 1 - i) * sizeof(e));
		eps_cache.eps[i] = e;
		eps_cache.n++;
	} else {
		net_ep_free(&e);
	}
	eps_cache.gen = g;
}

/* One project's endpoint records, from the files. */
static void eps_read(const char *run_dir, const char *project, struct ep_rec **out, size_t *n)
{
	_cleanup_free_ char *dir = net_proj_dir(run_dir, project, "endpoints");
	_cleanup_strv_ char **names = list_dir(dir);
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t cnt = lxr_strv_len(names), k = 0;
	struct ep_rec *v = lxr_xcalloc(cnt + 1, sizeof(*v));

	for (size_t i = 0; i < cnt; i++) {
		_cleanup_free_ char *text = NULL;
		size_t len;
		lxr_err bad;
		/* A damaged record must not stop the whole project: it is left
		 * out here, its lease is freed as ownerless, and the cleanup
		 * removes its objects by name. */
		if (dfd < 0) {
			lxr_fail(&bad, errno, "open %s", dir);
		} else if (lxr_read_file_at(dfd, names[i], &text, &len, &bad) == 0 &&
			   net_ep_parse(text, &v[k], &bad) == 0) {
			v[k].project = lxr_xstrdup(project);
			v[k++].container = lxr_xstrdup(names[i]);
			continue;
		}
		lxr_warn("endpoint %s/%s: %s (ignored)", project, names[i], bad.msg);
		net_ep_free(&v[k]);
	}
	*out = v;
	*n = k;
}

int net_eps_load(const char *run_dir, const char *project, struct ep_rec **out, size_t *n,
		 lxr_err *err)
{
	(void)err;
	if (!cache_get(run_dir, gen_read(run_dir), project, out, n))
		eps_read(run_dir, project, out, n);
	return 0;
}

const char *net_ep_home(const struct ep_rec *e)
{
	return e->netproj ? e->netproj : e->project;
}

int net_all_eps_load(const char *run_dir, struct ep_rec **out, size_t *n)
{
	uint64_t g = gen_read(run_dir);
	DIR *d;
	struct dirent *de;

	if (cache_get(run_dir, g, NULL, out, n))
		return 0;
	d = opendir(run_dir);
	*out = lxr_xcalloc(1, sizeof(**out));
	*n = 0;
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *p = NULL;
		struct ep_rec *v = NULL;
		size_t cnt = 0;
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		p = net_proj_dir(run_dir, de->d_name, "endpoints");
		if (stat(p, &st) < 0)
			continue;
		eps_read(run_dir, de->d_name, &v, &cnt);
		*out = lxr_xrealloc(*out, (*n + cnt + 1) * sizeof(**out));
		memcpy(*out + *n, v, cnt * sizeof(*v));
		*n += cnt;
		free(v);
	}
	if (d)
		closedir(d);
	qsort(*out, *n, sizeof(**out), ep_cmp);
	/* kept only when no change began or ended while the files were read */
	if (g && g == gen_read(run_dir))
		cache_put(run_dir, g, *out, *n);
	return 0;
}

char **net_rec_names(const char *run_dir, const char *project, const char *kind)
{
	_cleanup_free_ char *dir = net_proj_dir(run_dir, project, kind);
	return list_dir(dir);
}

int net_rec_save(const char *run_dir, const char *project, const char *kind, const char *name,
		 const char *text, lxr_err *err)
{
	_cleanup_free_ char *dir = net_proj_dir(run_dir, project, kind);
	_cleanup_close_ int dfd = -1;
	bool was;
	int r;

	if (lxr_mkdir_p(dir, 0700, err) < 0)
		return -1;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return lxr_fail(err, errno, "open %s", dir);
	/* Leases and endpoints change with every container, and replacing
	 * them atomically is all a crash of lxr needs. A power cut ends every
	 * container they speak of, the next up, down or doctor --repair
	 * removes them (docs/durability.md), and a torn one is rebuilt from
	 * the others or removed by its name: an fsync would cost 4 per
	 * container and buy nothing. A network's record, made once, is
	 * synced. */
	if (!strcmp(kind, "networks"))
		return lxr_write_file_atomic(dfd, name, text, strlen(text), 0600, err);
	if (!is_ep_kind(kind))
		return lxr_write_file_replace(dfd, name, text, strlen(text), 0600, err);
	was = cache_current(run_dir);
	gen_bump(run_dir, false);
	r = lxr_write_file_replace(dfd, name, text, strlen(text), 0600, err);
	cache_change(was && r == 0, gen_bump(run_dir, true), project, name, text);
	return r;
}

int net_rec_remove(const char *run_dir, const char *project, const char *kind, const char *name,
		   lxr_err *err)
{
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s/.net/%s/%s", run_dir, project, kind, name);
	bool was;
	int r = 0;

	if (!is_ep_kind(kind)) {
		if (unlink(path) < 0 && errno != ENOENT)
			return lxr_fail(err, errno, "unlink %s", path);
		return 0;
	}
	was = cache_current(run_dir);
	gen_bump(run_dir, false);
	if (unlink(path) < 0 && errno != ENOENT)
		r = lxr_fail(err, errno, "unlink %s", path);
	cache_change(was && r == 0, gen_bump(run_dir, true), project, name, NULL);
	return r;
}

char **net_projects(const char *run_dir)
{
	DIR *d = opendir(run_dir);
	char **v = NULL;
	struct dirent *de;

	if (d) {
		while ((de = readdir(d))) {
			_cleanup_free_ char *p = NULL;
			struct stat st;
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			p = net_proj_dir(run_dir, de->d_name, "networks");
			if (stat(p, &st) == 0)
				lxr_strv_push(&v, lxr_xstrdup(de->d_name));
		}
		closedir(d);
	}
	return v ? v : lxr_xcalloc(1, sizeof(char *));
}

static const char *const subs[] = {"networks", "leases", "endpoints", "netns", "etc", NULL};

/* Called with the net lock held, which every writer of these directories
 * holds too: a temp name found here is a killed writer's, whatever its pid
 * has become since, and would keep its directory from going. */
void net_tmp_sweep_locked(const char *run_dir, const char *project)
{
	lxr_err err;

	for (size_t i = 0; subs[i]; i++) {
		_cleanup_free_ char *d = net_proj_dir(run_dir, project, subs[i]);
		if (lxr_tmp_sweep(d, true, &err) < 0)
			lxr_err_print(&err);
	}
}

void net_proj_dirs_tidy(const char *run_dir, const char *project)
{
	_cleanup_free_ char *top = net_proj_dir(run_dir, project, NULL);

	net_tmp_sweep_locked(run_dir, project);
	for (size_t i = 0; subs[i]; i++) {
		_cleanup_free_ char *d = net_proj_dir(run_dir, project, subs[i]);
		rmdir(d);
	}
	/* not <run_dir>/<project> itself: the runtime may be about to use it */
	rmdir(top);
}
