/* What a container changed in its filesystem, as docker diff lists it: its
 * writable layer (overlayfs' upper directory) read against the layers
 * below. An entry there is added (A) when no layer below has its path,
 * changed (C) when one has, and deleted (D) when it is a whiteout (a
 * character device 0:0); below an opaque directory everything is new. Every
 * path is opened below its layer's root without following anything, so a
 * link an image or the container made leads nowhere else. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "runtime/runtime_internal.h"

#define DIFF_MAX_DEPTH 256

struct diff {
	int *lowers; /* topmost first */
	size_t n_lowers;
	char ***out;
	char **changed_dirs; /* the "C" lines that are directories */
	lxr_err *err;
};

static bool whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

/* Whether the layers below have path: the topmost that has the name
 * decides (its whiteout: no); an opaque directory hides what is below it. */
static bool below_has(const struct diff *d, const char *path)
{
	for (size_t i = 0; i < d->n_lowers; i++) {
		struct stat st;
		lxr_err e;
		_cleanup_close_ int fd =
		    lxr_open_in_root(d->lowers[i], path, O_PATH | O_NOFOLLOW, 0, &e);
		if (fd < 0 || fstat(fd, &st) < 0)
			continue;
		return !whiteout(&st);
	}
	return false;
}

static bool opaque(int dirfd)
{
	char v[2];
	_cleanup_free_ char *self = lxr_xasprintf("/proc/self/fd/%d", dirfd);

	return getxattr(self, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y';
}

static int walk(struct diff *d, int dirfd, const char *dir, bool all_new, int depth)
{
	DIR *dp;
	struct dirent *de;
	int r = 0;

	if (depth > DIFF_MAX_DEPTH)
		return lxr_fail(d->err, ELOOP, "%s: deeper than %d directories", dir,
				DIFF_MAX_DEPTH);
	if (!(dp = fdopendir(dup(dirfd))))
		return lxr_fail(d->err, errno, "read the writable layer's %s", dir);
	while (r == 0 && (errno = 0, de = readdir(dp))) {
		_cleanup_free_ char *path = NULL;
		_cleanup_close_ int fd = -1;
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		path = lxr_xasprintf("%s/%s", dir, de->d_name);
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT) /* gone while read: the container runs */
				continue;
			r = lxr_fail(d->err, errno, "stat the writable layer's %s", path);
			break;
		}
		if (whiteout(&st)) {
			lxr_strv_push(d->out, lxr_xasprintf("D %s", path));
			continue;
		}
		bool changed = !all_new && below_has(d, path);
		lxr_strv_push(d->out, lxr_xasprintf("%c %s", changed ? 'C' : 'A', path));
		if (!S_ISDIR(st.st_mode))
			continue;
		if (changed)
			lxr_strv_push(&d->changed_dirs, lxr_xstrdup(path));
		fd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0)
			r = lxr_fail(d->err, errno, "open the writable layer's %s", path);
		else
			r = walk(d, fd, path, all_new || opaque(fd), depth + 1);
	}
	if (r == 0 && errno)
		r = lxr_fail(d->err, errno, "read the writable layer's %s", dir);
	closedir(dp);
	return r;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a + 2, *(char *const *)b + 2);
}

/* Not the container's own changes: what lxr made for it (the mount points
 * of its /etc files and volumes, skip), and a directory below that only
 * holds them (copied up to make a mount point, nothing else in it new). */
static void prune(struct diff *d, char *const *skip)
{
	char **v = *d->out, **kept = lxr_xcalloc(lxr_strv_len(v) + 1, sizeof(char *));
	size_t n = lxr_strv_len(v), k = 0;

	for (size_t i = 0; i < n; i++) {
		const char *path = v[i] + 2;
		size_t len = strlen(path);
		bool drop = lxr_strv_has(skip, path);
		if (!drop && v[i][0] == 'C' && lxr_strv_has(d->changed_dirs, path)) {
			drop = true;
			for (size_t j = 0; j < n && drop; j++)
				if (j != i && !lxr_strv_has(skip, v[j] + 2) &&
				    !strncmp(v[j] + 2, path, len) && v[j][2 + len] == '/')
					drop = false;
		}
		if (!drop)
			kept[k++] = lxr_xstrdup(v[i]);
	}
	lxr_strv_free(v);
	*d->out = kept;
}

int rt_fs_diff(const char *upper, char *const *lowers, char *const *skip, char ***out, lxr_err *err)
{
	_cleanup_close_ int up = open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct diff d = {.out = out, .err = err};
	int r = -1;

	*out = lxr_xcalloc(1, sizeof(char *));
	if (up < 0)
		return lxr_fail(err, errno, "open the writable layer %s", upper);
	d.lowers = lxr_xcalloc(lxr_strv_len(lowers) + 1, sizeof(int));
	for (size_t i = 0; lowers && lowers[i]; i++) {
		int fd = open(lowers[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			lxr_fail(err, errno, "open the layer %s", lowers[i]);
			goto out;
		}
		d.lowers[d.n_lowers++] = fd;
	}
	r = walk(&d, up, "", false, 0);
	if (r == 0) {
		/* sorted first: a directory's lines right before its own */
		qsort(*out, lxr_strv_len(*out), sizeof(char *), by_path);
		prune(&d, skip);
	}
out:
	lxr_strv_free(d.changed_dirs);
	for (size_t i = 0; i < d.n_lowers; i++)
		close(d.lowers[i]);
	free(d.lowers);
	if (r < 0) {
		lxr_strv_free(*out);
		*out = NULL;
	}
	return r;
}

int rt_container_layers(pid_t pid, char **upper, char ***lowers, char ***mounts, lxr_err *err)
{
	_cleanup_free_ char *path = lxr_xasprintf("/proc/%d/mountinfo", (int)pid);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	int r = -1;

	*upper = NULL;
	*lowers = NULL;
	if (!f)
		return lxr_fail(err, errno, "open %s", path);
	/* the container's root: an overlay mounted on "/" with the layers' host
	 * paths as lxr gave them (a path holding ',' or ':' never does) */
	*mounts = lxr_xcalloc(1, sizeof(char *));
	while (getline(&line, &cap, f) > 0) {
		char *sep = strstr(line, " - "), *opts, *tok, *save = NULL;
		char mnt[4096];
		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		/* what is mounted in it is not its filesystem's (mountinfo
		 * writes a space as \040: such a path is left as it is) */
		if (strcmp(mnt, "/"))
			lxr_strv_push(mounts, lxr_xstrdup(mnt));
		if (r == 0 || strcmp(mnt, "/") || strncmp(sep + 3, "overlay ", 8))
			continue;
		opts = strrchr(sep, ' ');
		for (tok = strtok_r(opts + 1, ",\n", &save); tok;
		     tok = strtok_r(NULL, ",\n", &save)) {
			if (!strncmp(tok, "upperdir=", 9))
				*upper = lxr_xstrdup(tok + 9);
			else if (!strncmp(tok, "lowerdir=", 9)) {
				char *s2 = NULL;
				for (char *l = strtok_r(tok + 9, ":", &s2); l;
				     l = strtok_r(NULL, ":", &s2))
					lxr_strv_push(lowers, lxr_xstrdup(l));
			}
		}
		r = *upper && *lowers ? 0 : -1;
	}
	free(line);
	/* only lxr's own directories (a privileged container could mount
	 * another root over its own) */
	for (size_t i = 0; r == 0 && (*lowers)[i]; i++)
		r = (*lowers)[i][0] == '/' && !strstr((*lowers)[i], "/proc/") ? 0 : -1;
	if (r == 0 && lxr_str_has_prefix(*upper, lxr_run_dir()) &&
	    (*upper)[strlen(lxr_run_dir())] == '/')
		return 0;
	free(*upper);
	*upper = NULL;
	lxr_strv_free(*lowers);
	*lowers = NULL;
	lxr_strv_free(*mounts);
	*mounts = NULL;
	return lxr_fail(err, ENOTSUP, "the layers of the container (pid %d) are not host paths",
			(int)pid);
}
