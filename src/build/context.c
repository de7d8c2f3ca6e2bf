/* The build context, read from the host as an attacker-shaped tree: paths
 * resolve inside it (RESOLVE_IN_ROOT), nothing below a source is followed
 * through a symlink, .dockerignore'd paths do not exist. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <nettle/sha2.h>
#include <string.h>
#include <sys/stat.h>

#include "lxr/build.h"

struct bld_context {
	int fd;
	char *dir;
	struct bld_ignore ignore;
};

int bld_context_fd(const struct bld_context *c)
{
	return c->fd;
}

static int read_ignore(struct bld_context *c, int fd, const char *name, lxr_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;

	do {
		if (len + 4096 > cap)
			text = lxr_xrealloc(text, cap = cap ? cap * 2 : 8192);
		n = read(fd, text + len, cap - len);
		if (n < 0 && errno != EINTR)
			return lxr_fail(err, errno, "read %s", name);
		if (n > 0)
			len += (size_t)n;
		if (len > (1 << 20))
			return lxr_fail(err, EFBIG, "%s: over 1 MiB", name);
	} while (n != 0);
	return bld_ignore_parse(name, text, len, &c->ignore, err);
}

/* BuildKit reads DOCKERFILE.dockerignore, when there is one, in place of
 * CONTEXT/.dockerignore (dockerui's config): each of several Dockerfiles
 * in one context leaves out files of its own. One inside the context
 * resolves inside it, as the Dockerfile did. An fd, or -1 with *name NULL
 * when neither file is there. */
static int open_ignore(struct bld_context *c, const char *dockerfile, char **name, lxr_err *err)
{
	size_t n = strlen(c->dir);
	int fd = -1;

	if (dockerfile) {
		*name = lxr_xasprintf("%s.dockerignore", dockerfile);
		if (!strncmp(*name, c->dir, n) && (*name)[n] == '/')
			fd = lxr_open_in_root(c->fd, *name + n + 1, O_RDONLY, 0, err);
		else if ((fd = open(*name, O_RDONLY | O_CLOEXEC)) < 0)
			lxr_fail(err, errno, "open %s", *name);
		if (fd >= 0)
			return fd;
		if (err->errnum != ENOENT)
			return lxr_err_wrap(err, "read %s", *name);
		free(*name);
	}
	*name = lxr_xasprintf("%s/.dockerignore", c->dir);
	fd = openat(c->fd, ".dockerignore", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (errno == ENOENT) {
		free(*name);
		*name = NULL;
		return -1;
	}
	lxr_fail(err, errno, "open %s", *name);
	if (err->errnum == ELOOP)
		lxr_err_hint(err, ".dockerignore is a symlink: make it a file");
	return -1;
}

static int open_tree(const char *dir, bool with_ignore, const char *dockerfile,
		     struct bld_context **out, lxr_err *err);

int bld_context_open(const char *dir, const char *dockerfile, struct bld_context **out,
		     lxr_err *err)
{
	return open_tree(dir, true, dockerfile, out, err);
}

int bld_context_open_root(const char *dir, struct bld_context **out, lxr_err *err)
{
	return open_tree(dir, false, NULL, out, err);
}

static int open_tree(const char *dir, bool with_ignore, const char *dockerfile,
		     struct bld_context **out, lxr_err *err)
{
	struct bld_context *c = lxr_xcalloc(1, sizeof(*c));
	_cleanup_close_ int ig = -1;
	_cleanup_free_ char *name = NULL;

	*out = NULL;
	c->dir = lxr_xstrdup(dir);
	c->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->fd < 0) {
		lxr_fail(err, errno, "open the build context %s", dir);
		bld_context_close(c);
		return -1;
	}
	if (!with_ignore) {
		*out = c;
		return 0;
	}
	ig = open_ignore(c, dockerfile, &name, err);
	if ((ig < 0 && name) || (ig >= 0 && read_ignore(c, ig, name, err) < 0)) {
		bld_context_close(c);
		return -1;
	}
	*out = c;
	return 0;
}

void bld_context_close(struct bld_context *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->dir);
	bld_ignore_free(&c->ignore);
	free(c);
}

/* "/a/./b/../c/" -> "a/c"; ".." never goes above the context */
static char *clean_in_root(const char *s)
{
	size_t n = strlen(s), k = 0;
	char *out = lxr_xmalloc(n + 2);

	for (const char *p = s; *p;) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (k > 0 && out[k - 1] != '/')
				k--;
			if (k > 0)
				k--;
		} else if (len && !(len == 1 && p[0] == '.')) {
			if (k)
				out[k++] = '/';
			memcpy(out + k, p, len);
			k += len;
		}
		p += len + (e ? 1 : 0);
	}
	if (!k)
		out[k++] = '.';
	out[k] = '\0';
	return out;
}

static void add_file(struct bld_source *s, const char *rel, const struct stat *st, char *link)
{
	s->files = lxr_xrealloc(s->files, (s->n + 1) * sizeof(*s->files));
	s->files[s->n++] = (struct bld_ctx_file){.rel = lxr_xstrdup(rel),
						 .mode = st->st_mode,
						 .uid = st->st_uid,
						 .gid = st->st_gid,
						 .size = st->st_size,
						 .mtime = st->st_mtim,
						 .link = link};
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Below directory fd (path in the context ctx_path, rel below the source):
 * every entry not ignored, sorted, none followed. */
static int walk(struct bld_context *c, int fd, const char *ctx_path, const char *rel,
		struct bld_source *s, lxr_err *err)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	char **names = NULL;
	int r = 0;

	if (!d) {
		close(fd);
		return lxr_fail(err, errno, "read directory %s in the build context", ctx_path);
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			lxr_strv_push(&names, lxr_xstrdup(de->d_name));
	qsort(names, lxr_strv_len(names), sizeof(char *), cmp_name);
	for (size_t i = 0; names && names[i] && r == 0; i++) {
		_cleanup_free_ char *cp = strcmp(ctx_path, ".")
					      ? lxr_xasprintf("%s/%s", ctx_path, names[i])
					      : lxr_xstrdup(names[i]);
		_cleanup_free_ char *rp =
		    *rel ? lxr_xasprintf("%s/%s", rel, names[i]) : lxr_xstrdup(names[i]);
		bool ignored = bld_ignore_match(&c->ignore, cp);
		struct stat st;

		if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = lxr_fail(err, errno, "stat %s in the build context", cp);
			break;
		}
		if (ignored && !(S_ISDIR(st.st_mode) && bld_ignore_may_reinclude(&c->ignore, cp)))
			continue;
		char *link = NULL;
		if (S_ISLNK(st.st_mode)) {
			char buf[4096];
			ssize_t n = readlinkat(dirfd(d), names[i], buf, sizeof(buf) - 1);
			if (n < 0) {
				r = lxr_fail(err, errno, "readlink %s in the build context", cp);
				break;
			}
			link = lxr_xstrndup(buf, (size_t)n);
		}
		if (!ignored)
			add_file(s, rp, &st, link);
		else
			free(link);
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(d), names[i],
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				r = lxr_fail(err, errno, "open %s in the build context", cp);
			else
				r = walk(c, sub, cp, rp, s, err);
		}
	}
	lxr_strv_free(names);
	closedir(d);
	return r;
}

static void source_free(struct bld_source *s)
{
	for (size_t k = 0; k < s->n; k++) {
		free(s->files[k].rel);
		free(s->files[k].link);
	}
	free(s->files);
	free(s->path);
	*s = (struct bld_source){0};
}

/* The path in the context of what fd (opened inside it) is, its links
 * followed: "." for the context itself; NULL if it cannot be told. */
static char *path_in_context(const struct bld_context *c, int fd)
{
	char root[PATH_MAX], at[PATH_MAX], self[40];
	ssize_t nr, na;

	snprintf(self, sizeof(self), "/proc/self/fd/%d", c->fd);
	nr = readlink(self, root, sizeof(root) - 1);
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	na = readlink(self, at, sizeof(at) - 1);
	if (nr <= 0 || na <= 0)
		return NULL;
	root[nr] = at[na] = '\0';
	if (!strcmp(at, root))
		return lxr_xstrdup(".");
	if (!strcmp(root, "/"))
		return lxr_xstrdup(at + 1);
	if (strncmp(at, root, (size_t)nr) || at[nr] != '/')
		return NULL;
	return lxr_xstrdup(at + nr + 1);
}

/* One path in the context, resolved inside it, with everything below. A
 * link is followed inside the context, and what .dockerignore leaves out
 * stays out through it too (BuildKit never has those files to follow to):
 * the rules are matched against the path the link leads to as well. */
static int source_at(struct bld_context *c, const char *path, struct bld_source *s, lxr_err *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *real = NULL;
	struct stat st;

	*s = (struct bld_source){.path = lxr_xstrdup(path)};
	if (strcmp(path, ".") && bld_ignore_match(&c->ignore, path))
		return lxr_fail(err, ENOENT, "%s: left out of the build context by .dockerignore",
				path);
	fd = lxr_open_in_root(c->fd, path, O_PATH, 0, err);
	if (fd < 0)
		return lxr_fail(err, err->errnum, "%s: not in the build context %s", path, c->dir);
	if (!(real = path_in_context(c, fd)))
		return lxr_fail(err, EXDEV, "%s: cannot tell where it is in the build context %s",
				path, c->dir);
	if (strcmp(real, ".") && strcmp(real, path) && bld_ignore_match(&c->ignore, real))
		return lxr_fail(err, ENOENT,
				"%s: a link to %s, which .dockerignore leaves out of the build "
				"context",
				path, real);
	if (fstat(fd, &st) < 0)
		return lxr_fail(err, errno, "stat %s in the build context", path);
	add_file(s, "", &st, NULL);
	if (!S_ISDIR(st.st_mode))
		return 0;
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return lxr_fail(err, errno, "open %s in the build context", path);
	/* below it, each entry is matched by its own path in the context */
	return walk(c, dfd, real, "", s, err);
}

static void push_source(struct bld_source **v, size_t *n, struct bld_source *s)
{
	*v = lxr_xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = *s;
}

int bld_context_sources(struct bld_context *c, const char *arg, bool empty_ok,
			struct bld_source **out, size_t *n, lxr_err *err)
{
	_cleanup_free_ char *path = clean_in_root(arg);
	struct bld_source s, all = {0};
	int r = 0;

	*out = NULL;
	*n = 0;
	if (!strpbrk(path, "*?[")) {
		if (source_at(c, path, &s, err) < 0) {
			source_free(&s);
			return lxr_err_wrap(err, "source %s", arg);
		}
		push_source(out, n, &s);
		return 0;
	}
	/* a glob: every path of the context, matched whole */
	if (source_at(c, ".", &all, err) < 0) {
		source_free(&all);
		return -1;
	}
	for (size_t i = 1; i < all.n && r == 0; i++) {
		if (!bld_glob_match(path, all.files[i].rel, false))
			continue;
		r = source_at(c, all.files[i].rel, &s, err);
		if (r < 0)
			source_free(&s);
		else
			push_source(out, n, &s);
	}
	source_free(&all);
	if (r == 0 && *n == 0 && !empty_ok)
		r = lxr_fail(err, ENOENT, "source %s: no file in the build context %s matches", arg,
			     c->dir);
	if (r < 0) {
		bld_sources_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return r;
}

void bld_sources_free(struct bld_source *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		source_free(&v[i]);
	free(v);
}

static void hash_str(struct sha256_ctx *h, const char *s)
{
	sha256_update(h, strlen(s) + 1, (const uint8_t *)s);
}

/* follow: the source argument itself, whose last link source_at followed
 * too (inside the context); never anything below it */
static int hash_content(struct bld_context *c, const char *path, bool follow, struct sha256_ctx *h,
			lxr_err *err)
{
	_cleanup_close_ int fd =
	    lxr_open_in_root(c->fd, path, O_RDONLY | (follow ? 0 : O_NOFOLLOW), 0, err);
	uint8_t buf[1 << 16];
	ssize_t n;

	if (fd < 0)
		return lxr_err_wrap(err, "read %s in the build context", path);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return lxr_fail(err, errno, "read %s in the build context", path);
		sha256_update(h, (size_t)n, buf);
	}
	return 0;
}

int bld_sources_digest(struct bld_context *c, const struct bld_source *v, size_t n, char out[72],
		       lxr_err *err)
{
	struct sha256_ctx h;
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_init(&h);
	for (size_t i = 0; i < n; i++) {
		hash_str(&h, v[i].path);
		for (size_t k = 0; k < v[i].n; k++) {
			const struct bld_ctx_file *f = &v[i].files[k];
			char meta[64];

			hash_str(&h, f->rel);
			snprintf(meta, sizeof(meta), "%o", (unsigned)f->mode);
			hash_str(&h, meta);
			if (f->link)
				hash_str(&h, f->link);
			if (S_ISREG(f->mode)) {
				_cleanup_free_ char *p =
				    *f->rel ? lxr_xasprintf("%s/%s", v[i].path, f->rel)
					    : lxr_xstrdup(v[i].path);
				if (hash_content(c, p, !*f->rel, &h, err) < 0)
					return -1;
			}
		}
	}
	sha256_digest(&h, sizeof(d), d);
	memcpy(out, "sha256:", 7);
	for (size_t i = 0; i < sizeof(d); i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", d[i]);
	return 0;
}
