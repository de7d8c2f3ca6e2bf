/* Each container's /etc/hosts on disk, kept in step with the endpoint
 * records: the text is etc_render.c's, the names and addresses the records'. A
 * container's file is its first endpoint's; it lists its own names on each
 * of its networks, and its peers' where that network lists peers. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/net_internal.h"

/* The most blank padding a rewrite writes: the container may have grown
 * its file to any size, and padding all of it would have every rewrite on
 * the network allocate and write that much. */
#define PAD_MAX (1 << 20)

/* Bind-mounted files keep their inode: rewrite in place, never rename.
 * The new text goes over the old in one write, padded with blank lines to
 * the old length, and the tail is cut after: between the two calls a
 * reader finds the new lines and blanks, never an empty file (as a
 * truncate first would leave it) nor a stub of an old line. A file the
 * container made longer than PAD_MAX is cut without padding: until the
 * cut, that container alone may read a piece of what it wrote there. */
int net_write_in_place(const char *path, const char *text, lxr_err *err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	_cleanup_free_ char *buf = NULL;
	size_t len = strlen(text), n = len;
	struct stat st;

	if (fd < 0)
		return lxr_fail(err, errno, "open %s", path);
	if (fstat(fd, &st) == 0 && (size_t)st.st_size > len && st.st_size <= PAD_MAX) {
		n = (size_t)st.st_size;
		buf = lxr_xmalloc(n);
		memcpy(buf, text, len);
		memset(buf + len, '\n', n - len);
	}
	if (pwrite(fd, buf ? buf : text, n, 0) != (ssize_t)n)
		return lxr_fail(err, errno ? errno : EIO, "write %s", path);
	if (ftruncate(fd, (off_t)len) < 0)
		return lxr_fail(err, errno, "truncate %s", path);
	return 0;
}

char *net_etc_path(const char *run_dir, const char *project, const char *ctr, const char *ext)
{
	_cleanup_free_ char *dir = net_proj_dir(run_dir, project, "etc");
	return lxr_xasprintf("%s/%s.%s", dir, ctr, ext);
}

/* The container an endpoint belongs to: itself, or the first network's
 * endpoint it joins. */
const char *net_ep_group(const struct ep_rec *e)
{
	return e->joins ? e->joins : e->container;
}

static bool same_project(const struct ep_rec *a, const struct ep_rec *b)
{
	return !strcmp(a->project, b->project);
}

bool net_ep_on(const struct ep_rec *e, const char *home, const char *network)
{
	return !strcmp(e->network, network) && !strcmp(net_ep_home(e), home);
}

/* The container's endpoint on network (self's group), or NULL. */
static const struct ep_rec *group_on(const struct ep_rec *self, const struct ep_rec *eps, size_t n,
				     const char *home, const char *network)
{
	if (net_ep_on(self, home, network))
		return self;
	for (size_t i = 0; i < n; i++)
		if (eps[i].joins && same_project(&eps[i], self) &&
		    !strcmp(eps[i].joins, self->container) && net_ep_on(&eps[i], home, network))
			return &eps[i];
	return NULL;
}

/* The /etc/hosts of a container (self: its first network's endpoint): its
 * own names on each of its networks, the containers on each of them (where
 * that network lists peers), then extra_hosts. */
static char *hosts_for(const struct ep_rec *self, const struct ep_rec *eps, size_t n)
{
	struct lxr_host_entry *e = lxr_xcalloc(n + 1, sizeof(*e));
	size_t k = 0;
	char *text;

#define ENTRY(x) ((struct lxr_host_entry){(x)->ip, (x)->names, (x)->has_ip6 ? &(x)->ip6 : NULL})
	e[k++] = ENTRY(self);
	for (size_t i = 0; i < n; i++)
		if (eps[i].joins && same_project(&eps[i], self) &&
		    !strcmp(eps[i].joins, self->container))
			e[k++] = ENTRY(&eps[i]);
	/* a shared network's peers are other projects' containers too, under
	 * their service names and aliases, as docker lists them */
	for (size_t i = 0; i < n; i++) {
		const struct ep_rec *mine =
		    group_on(self, eps, n, net_ep_home(&eps[i]), eps[i].network);
		if (mine && mine->peer_names &&
		    (!same_project(&eps[i], self) ||
		     strcmp(net_ep_group(&eps[i]), self->container)))
			e[k++] = ENTRY(&eps[i]);
	}
#undef ENTRY
	text = net_hosts_render(e, k);
	free(e);
	/* extra_hosts last, as docker writes them */
	for (size_t i = 0; self->extra && self->extra[i]; i++) {
		char name[256], ip[64];
		if (lxr_sscanf(self->extra[i], "%255s %63s", name, ip) != 2)
			continue;
		char *more = lxr_xasprintf("%s%s\t%s\n", text, ip, name);
		free(text);
		text = more;
	}
	return text;
}

static void hosts_write(const char *run_dir, const struct ep_rec *self, const struct ep_rec *eps,
			size_t n)
{
	_cleanup_free_ char *text = hosts_for(self, eps, n);
	_cleanup_free_ char *path = net_etc_path(run_dir, self->project, self->container, "hosts");
	lxr_err err;

	if (net_write_in_place(path, text, &err) < 0)
		lxr_debug("%s", err.msg);
}

/* Every endpoint's /etc/hosts on network (after one joined or left), of
 * every project on it: home is the project whose records hold it. */
void net_hosts_rewrite(const char *run_dir, const char *home, const char *network)
{
	struct ep_rec *eps = NULL;
	size_t n = 0;

	net_all_eps_load(run_dir, &eps, &n);
	/* every container with an endpoint on network: its hosts file is its
	 * first endpoint's */
	for (size_t i = 0; i < n; i++)
		if (!eps[i].joins && group_on(&eps[i], eps, n, home, network))
			hosts_write(run_dir, &eps[i], eps, n);
	net_eps_free(eps, n);
}

/* The /etc/hosts of e's own container only: the peers' wait for
 * net_hosts_refresh. */
void net_hosts_write_own(const char *run_dir, const struct ep_rec *e)
{
	struct ep_rec *eps = NULL;
	size_t n = 0;

	net_all_eps_load(run_dir, &eps, &n);
	for (size_t i = 0; i < n; i++)
		if (!eps[i].joins && same_project(&eps[i], e) &&
		    !strcmp(eps[i].container, net_ep_group(e)))
			hosts_write(run_dir, &eps[i], eps, n);
	net_eps_free(eps, n);
}

/* The container (its first endpoint's record) that eps[i] belongs to. */
static const struct ep_rec *root_of(const struct ep_rec *eps, size_t n, size_t i)
{
	if (!eps[i].joins)
		return &eps[i];
	for (size_t j = 0; j < n; j++)
		if (!eps[j].joins && same_project(&eps[j], &eps[i]) &&
		    !strcmp(eps[j].container, eps[i].joins))
			return &eps[j];
	return NULL;
}

int net_hosts_refresh(const char *run_dir, const char *project, lxr_err *err)
{
	_cleanup_close_ int lock = net_lock(run_dir, err);
	_cleanup_free_ bool *want = NULL;
	struct ep_rec *eps = NULL;
	size_t n = 0;

	if (lock < 0)
		return -1;
	net_all_eps_load(run_dir, &eps, &n);
	want = lxr_xcalloc(n + 1, sizeof(*want));
	/* each container on any network one of project's endpoints is on,
	 * once, whichever project it belongs to */
	for (size_t p = 0; p < n; p++) {
		if (strcmp(eps[p].project, project))
			continue;
		for (size_t j = 0; j < n; j++) {
			const struct ep_rec *r;
			if (!net_ep_on(&eps[j], net_ep_home(&eps[p]), eps[p].network) ||
			    !(r = root_of(eps, n, j)))
				continue;
			want[r - eps] = true;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (want[i])
			hosts_write(run_dir, &eps[i], eps, n);
	net_eps_free(eps, n);
	return 0;
}
