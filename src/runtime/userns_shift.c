/* Owners shifted without idmapped mounts. A container in a user namespace
 * sees its image layers and named volumes owned by its own ids through
 * idmapped mounts where the kernel and the file system have them. Where
 * they do not (or lxr.conf says [userns] shift = copy):
 *  - an image layer is copied with each owner moved into the range: a
 *    layer of lxr's store once per range, to
 *    <data_dir>/userns/shifted/UID-GID-COUNT/HEX (kept while the layer is:
 *    image gc removes it with the layer), any other directory given as an
 *    image (which may change) at each new container, below its directory
 *    (gone with it). Made under a temporary name, renamed into place whole;
 *  - a named volume is shifted in place, once: its owners move from the
 *    range it was last shifted to (none: its ids as they are) to the
 *    container's, and <data_dir>/userns/volumes records the range
 *    ("UID GID COUNT PATH" lines), so a cut in the middle is finished by
 *    the next start. Its on-disk owners are then the range's, as podman's
 *    :U leaves them. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "runtime/runtime_internal.h"

#define MAX_DEPTH 128

/* A layer of lxr's store (<data_dir>/images/layers/HEX, never changed
 * once unpacked): its HEX. NULL: any other directory, which may change. */
static const char *store_layer(const char *lower)
{
	_cleanup_free_ char *layers = lxr_xasprintf("%s/images/layers/", lxr_data_dir());
	const char *hex = lower + strlen(layers);

	if (!lxr_str_has_prefix(lower, layers) || strlen(hex) != 64 ||
	    strspn(hex, "0123456789abcdef") != 64)
		return NULL;
	return hex;
}

/* Copies a killed start left half made: NAME.tmp.PID whose PID is gone. */
static void remove_dead_temps(const char *dir, const char *name)
{
	_cleanup_free_ char *prefix = lxr_xasprintf("%s.tmp.", name);
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *path = NULL;
		long pid;
		lxr_err e;
		if (!lxr_str_has_prefix(de->d_name, prefix))
			continue;
		pid = strtol(de->d_name + strlen(prefix), NULL, 10);
		if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;
		path = lxr_xasprintf("%s/%s", dir, de->d_name);
		if (lxr_rm_rf(path, &e) < 0)
			lxr_warn("%s", e.msg);
	}
	if (d)
		closedir(d);
}

static int copy_layer(const char *lower, const char *tmp, const struct lxr_userns *u, lxr_err *err)
{
	struct lxr_id_shift s = {0, 0, u->uid, u->gid, u->count};
	_cleanup_close_ int src = open(lower, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int dst = -1;

	if (src < 0)
		return lxr_fail(err, errno, "open image layer %s", lower);
	if (mkdir(tmp, 0700) < 0)
		return lxr_fail(err, errno, "create %s", tmp);
	dst = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dst < 0)
		return lxr_fail(err, errno, "open %s", tmp);
	if (lxr_copy_tree_shifted(src, dst, &s, lower, err) < 0)
		return -1;
	/* whole on disk before its name says it is there */
	if (syncfs(dst) < 0)
		return lxr_fail(err, errno, "syncfs %s", tmp);
	return 0;
}

int rt_userns_layer_copy(const char *lower, const struct lxr_userns *u, const char *dir,
			 size_t index, char **out, lxr_err *err)
{
	const char *hex = store_layer(lower);
	_cleanup_free_ char *base =
	    hex ? lxr_xasprintf("%s/userns/shifted/%" PRIu32 "-%" PRIu32 "-%" PRIu32,
				lxr_data_dir(), u->uid, u->gid, u->count)
		: lxr_xasprintf("%s/shifted", dir);
	_cleanup_free_ char *name = hex ? lxr_xstrdup(hex) : lxr_xasprintf("%zu", index);
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s", base, name);
	_cleanup_free_ char *tmp = lxr_xasprintf("%s.tmp.%d", path, (int)getpid());
	lxr_err undo;

	/* a store layer's copy made for this range before; another
	 * directory's, this container's from its last start (a restart) */
	if (access(path, F_OK) == 0) {
		*out = lxr_steal_ptr(&path);
		return 0;
	}
	if (lxr_mkdir_p(base, 0700, err) < 0)
		return lxr_err_wrap(err, "shifted copy of image layer %s", lower);
	remove_dead_temps(base, name);
	lxr_debug("shifted copy of %s for %" PRIu32 ":%" PRIu32, lower, u->uid, u->count);
	if (copy_layer(lower, tmp, u, err) < 0) {
		lxr_rm_rf(tmp, &undo);
		lxr_err_wrap(err, "shifted copy of image layer %s into %s", lower, base);
		return lxr_err_hint(err, "the copy stands in for idmapped mounts, which this "
					 "kernel or file system lacks; free space there, or set "
					 "[userns] mode = off in lxr.conf");
	}
	/* another start of the same range may have made it meanwhile */
	if (rename(tmp, path) < 0) {
		int e = errno;
		lxr_rm_rf(tmp, &undo);
		if ((e != EEXIST && e != ENOTEMPTY) || access(path, F_OK) < 0)
			return lxr_fail(err, e, "rename %s to %s", tmp, path);
	}
	*out = lxr_steal_ptr(&path);
	return 0;
}

/* ---- volumes, shifted in place ---------------------------------------------- */

struct shift_walk {
	struct lxr_id_shift s;
	dev_t dev; /* the volume's file system: never into another mount */
	struct {
		dev_t dev;
		ino_t ino;
	} * seen; /* inodes with more than one name, shifted once */
	size_t n_seen;
	lxr_err *err;
};

static bool seen_before(struct shift_walk *w, const struct stat *st)
{
	if (S_ISDIR(st->st_mode) || st->st_nlink < 2)
		return false;
	for (size_t i = 0; i < w->n_seen; i++)
		if (w->seen[i].dev == st->st_dev && w->seen[i].ino == st->st_ino)
			return true;
	w->seen = lxr_xrealloc(w->seen, (w->n_seen + 1) * sizeof(*w->seen));
	w->seen[w->n_seen].dev = st->st_dev;
	w->seen[w->n_seen].ino = st->st_ino;
	w->n_seen++;
	return false;
}

/* One entry's owner shifted; its set-id bits and file capabilities, which
 * a chown drops, put back. */
static int shift_one(struct shift_walk *w, int dir, const char *name, const struct stat *st,
		     const char *shown)
{
	uid_t uid = lxr_id_shifted(&w->s, st->st_uid, false);
	gid_t gid = lxr_id_shifted(&w->s, st->st_gid, true);
	_cleanup_free_ char *path = lxr_xasprintf("/proc/self/fd/%d/%s", dir, name);
	char cap[1024];
	ssize_t ncap = -1;

	if (uid == st->st_uid && gid == st->st_gid)
		return 0;
	if (S_ISREG(st->st_mode))
		ncap = lgetxattr(path, "security.capability", cap, sizeof(cap));
	/* a set-id file's mode goes back on through a descriptor of it (a
	 * volume may be written by a container meanwhile: never by name) */
	if (!S_ISLNK(st->st_mode) && (st->st_mode & (S_ISUID | S_ISGID))) {
		if (lxr_entry_set_attrs(dir, name, st->st_mode, uid, gid,
					(int)(st->st_mode & 07777), NULL) < 0)
			return lxr_fail(w->err, errno, "chown and chmod %s", shown);
	} else if (fchownat(dir, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) {
		return lxr_fail(w->err, errno, "chown %s", shown);
	}
	if (ncap > 0 && lsetxattr(path, "security.capability", cap, (size_t)ncap, 0) < 0)
		return lxr_fail(w->err, errno, "put back the file capabilities of %s", shown);
	return 0;
}

static int shift_dir(struct shift_walk *w, int dir, int depth, const char *shown);

struct shift_at {
	struct shift_walk *w;
	int depth;
	const char *shown;
};

static int shift_entry(int dir, const char *name, void *ctx)
{
	struct shift_at *a = ctx;
	_cleanup_free_ char *sub = lxr_xasprintf("%s/%s", a->shown, name);
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return lxr_fail(a->w->err, errno, "stat %s", sub);
	if (st.st_dev != a->w->dev || seen_before(a->w, &st))
		return 0;
	if (shift_one(a->w, dir, name, &st, sub) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return 0;
	if (a->depth >= MAX_DEPTH)
		return lxr_fail(a->w->err, ELOOP, "%s: deeper than %d directories", sub, MAX_DEPTH);
	fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return lxr_fail(a->w->err, errno, "open directory %s", sub);
	return shift_dir(a->w, fd, a->depth + 1, sub);
}

static int shift_dir(struct shift_walk *w, int dir, int depth, const char *shown)
{
	struct shift_at a = {w, depth, shown};

	return lxr_dir_each(dir, shown, shift_entry, &a, w->err);
}

/* The range volume source was last shifted to, from the record text;
 * none: uid = gid = 0 (its ids as they are). */
static void recorded_shift(const char *text, const char *source, struct lxr_userns *was)
{
	memset(was, 0, sizeof(*was));
	for (const char *l = text; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		_cleanup_free_ char *line = lxr_xstrndup(l, len);
		uint32_t uid, gid, count;
		int at = 0;
		if (lxr_sscanf(line, "%" SCNu32 " %" SCNu32 " %" SCNu32 " %n", &uid, &gid, &count,
			       &at) == 3 &&
		    at > 0 && !strcmp(line + at, source)) {
			was->uid = uid;
			was->gid = gid;
			was->count = count;
		}
		l += len + (nl ? 1 : 0);
	}
}

/* The record with source's line replaced by its new range. */
static char *record_with(const char *text, const char *source, const struct lxr_userns *u)
{
	char *out = lxr_xstrdup("");

	for (const char *l = text; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		const char *sp = memchr(l, ' ', len);
		char *next;

		for (int i = 0; sp && i < 2; i++)
			sp = memchr(sp + 1, ' ', len - (size_t)(sp + 1 - l));
		if (!(sp && (size_t)(l + len - sp - 1) == strlen(source) &&
		      !memcmp(sp + 1, source, strlen(source)))) {
			next = lxr_xasprintf("%s%.*s\n", out, (int)len, l);
			free(out);
			out = next;
		}
		l += len + (nl ? 1 : 0);
	}
	char *all = lxr_xasprintf("%s%" PRIu32 " %" PRIu32 " %" PRIu32 " %s\n", out, u->uid, u->gid,
				  u->count, source);
	free(out);
	return all;
}

int rt_userns_volume_shift(const char *source, const struct lxr_userns *u, lxr_err *err)
{
	_cleanup_free_ char *text = NULL, *next = NULL;
	_cleanup_close_ int dfd = -1, lock = -1, vol = -1;
	struct lxr_userns was;
	struct shift_walk w = {.err = err};
	struct stat st;
	size_t len;
	lxr_err ignored;
	int r;

	lock = rt_userns_pool_open(&dfd, err);
	if (lock < 0)
		return -1;
	if (lxr_read_file_at(dfd, "volumes", &text, &len, &ignored) < 0)
		text = lxr_xstrdup("");
	recorded_shift(text, source, &was);
	if (was.uid == u->uid && was.gid == u->gid && was.count == u->count)
		return 0;
	vol = open(source, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (vol < 0 || fstat(vol, &st) < 0)
		return lxr_fail(err, errno, "open volume %s", source);
	w.s = (struct lxr_id_shift){was.uid, was.gid, u->uid, u->gid,
				    was.count ? was.count : u->count};
	w.dev = st.st_dev;
	lxr_debug("volume %s: owners shifted from %" PRIu32 " to %" PRIu32, source, was.uid,
		  u->uid);
	r = shift_one(&w, vol, ".", &st, source);
	if (r == 0)
		r = shift_dir(&w, vol, 0, source);
	free(w.seen);
	if (r < 0)
		return lxr_err_wrap(err,
				    "shift the owners of volume %s into the user namespace's "
				    "range",
				    source);
	next = record_with(text, source, u);
	return lxr_write_file_atomic(dfd, "volumes", next, strlen(next), 0600, err) < 0
		   ? lxr_err_wrap(err, "record the range of volume %s", source)
		   : 0;
}
