/* Which range of host ids a container's user namespace maps to: a fixed
 * one, or (userns_mode auto) a slot of lxr's pool, the subordinate ids
 * /etc/subuid and /etc/subgid give the user "lxr", kept per container in a
 * ranges file under a lock until the container is removed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "runtime/runtime_internal.h"

#define SUBUID_PATH "/etc/subuid"
#define SUBGID_PATH "/etc/subgid"
#define POOL_USER   "lxr"

int rt_userns_subid_find(const char *text, const char *user, uint32_t *start, uint32_t *count)
{
	size_t ulen = strlen(user);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		unsigned long long s, n;
		char c;

		if (strncmp(l, user, ulen) || l[ulen] != ':')
			continue;
		if (lxr_sscanf(l + ulen + 1, "%llu:%llu%c", &s, &n, &c) < 2 || s == 0 || n == 0 ||
		    s + n > 4294967295ull)
			continue;
		*start = (uint32_t)s;
		*count = (uint32_t)n;
		return 0;
	}
	return -1;
}

long rt_userns_slot_pick(const char *text, const char *key, unsigned long slots, bool *found)
{
	size_t klen = strlen(key);
	unsigned char *used = lxr_xcalloc(slots ? slots : 1, 1);
	long pick = -1;

	*found = false;
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char *end;
		unsigned long s = strtoul(l, &end, 10);

		if (end == l || *end != ' ')
			continue;
		if (!strncmp(end + 1, key, klen) && (end[1 + klen] == '\n' || !end[1 + klen])) {
			*found = true;
			pick = (long)s;
			break;
		}
		if (s < slots)
			used[s] = 1;
	}
	for (unsigned long s = 0; pick < 0 && s < slots; s++)
		if (!used[s])
			pick = (long)s;
	free(used);
	return pick;
}

/* The text without key's line. */
static char *drop_key(const char *text, const char *key)
{
	size_t klen = strlen(key), n = 0;
	char *out = lxr_xcalloc(strlen(text) + 1, 1);

	for (const char *l = text; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) + 1 : strlen(l);
		const char *sp = memchr(l, ' ', len);

		if (!(sp && (size_t)(l + len - sp - 1) >= klen && !strncmp(sp + 1, key, klen) &&
		      (sp[1 + klen] == '\n' || !sp[1 + klen]))) {
			memcpy(out + n, l, len);
			n += len;
		}
		l += len;
	}
	return out;
}

/* The text without the lines of containers whose directory is gone:
 * however a container went (down, rm, the cleanup after a crash, a
 * reboot that emptied /run), its range is free again. */
static char *drop_gone(const char *text)
{
	size_t n = 0;
	char *out = lxr_xcalloc(strlen(text) + 1, 1);

	for (const char *l = text; *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) + 1 : strlen(l);
		const char *sp = memchr(l, ' ', len);
		_cleanup_free_ char *dir =
		    sp ? lxr_xstrndup(sp + 1, (size_t)(l + len - sp - 1)) : NULL;

		if (dir && dir[0] && dir[strlen(dir) - 1] == '\n')
			dir[strlen(dir) - 1] = '\0';
		if (dir && dir[0] == '/' && !(access(dir, F_OK) < 0 && errno == ENOENT)) {
			memcpy(out + n, l, len);
			n += len;
		}
		l += len;
	}
	return out;
}

/* <data_dir>/userns, locked: every supervisor allocates from one file. */
int rt_userns_pool_open(int *dirfd, lxr_err *err)
{
	_cleanup_free_ char *dir = lxr_xasprintf("%s/userns", lxr_data_dir());
	int lock;

	if (lxr_mkdir_p(dir, 0700, err) < 0)
		return lxr_err_wrap(err, "user namespace pool");
	*dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return lxr_fail(err, errno, "open %s", dir);
	lock = openat(*dirfd, "ranges.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0) {
		close(*dirfd);
		return lxr_fail(err, errno, "open %s/ranges.lock", dir);
	}
	while (flock(lock, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int e = errno;
			close(lock);
			close(*dirfd);
			return lxr_fail(err, e, "flock %s/ranges.lock", dir);
		}
	}
	return lock;
}

static int read_subid(const char *path, uint32_t *start, uint32_t *count, lxr_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	lxr_err ignored;

	if (lxr_read_file_at(AT_FDCWD, path, &text, &len, &ignored) < 0 ||
	    rt_userns_subid_find(text, POOL_USER, start, count) < 0 || *count < LXR_USERNS_SIZE)
		return lxr_fail(err, ENOENT, "no subordinate range of %u ids for user \"%s\" in %s",
				LXR_USERNS_SIZE, POOL_USER, path),
		       lxr_err_hint(err,
				    "[userns] mode = auto takes each container's range from "
				    "lxr's entries: `useradd --system --no-create-home lxr; "
				    "usermod --add-subuids 2000000-2999999 --add-subgids "
				    "2000000-2999999 lxr` (or a line `lxr:2000000:1000000` in "
				    "both files), or set a fixed range, e.g. mode = 100000:65536");
	return 0;
}

/* The container's range from the pool: the one it has (a restart, a
 * reboot), else the lowest free one, recorded before it is used. */
static int pool_take(const struct lxr_spec *spec, const char *key, struct lxr_userns *out,
		     lxr_err *err)
{
	_cleanup_free_ char *text = NULL, *next = NULL, *kept = NULL;
	_cleanup_close_ int dfd = -1, lock = -1;
	uint32_t us, uc, gs, gc;
	unsigned long slots;
	size_t len = 0;
	bool found;
	long slot;
	lxr_err ignored;

	if (read_subid(SUBUID_PATH, &us, &uc, err) < 0 ||
	    read_subid(SUBGID_PATH, &gs, &gc, err) < 0)
		return -1;
	lock = rt_userns_pool_open(&dfd, err);
	if (lock < 0)
		return -1;
	if (lxr_read_file_at(dfd, "ranges", &text, &len, &ignored) < 0)
		text = lxr_xstrdup("");
	kept = drop_gone(text);
	slots = (uc < gc ? uc : gc) / LXR_USERNS_SIZE;
	slot = rt_userns_slot_pick(kept, key, slots, &found);
	if (slot < 0 || (unsigned long)slot >= slots)
		return lxr_fail(err, ENOSPC,
				"every one of the %lu user namespace ranges of %s and %s is "
				"taken",
				slots, SUBUID_PATH, SUBGID_PATH),
		       lxr_err_hint(err, "give user lxr more subordinate ids (usermod "
					 "--add-subuids/--add-subgids), or remove stopped "
					 "containers (lxr down, lxr rm)");
	out->mode = LXR_USERNS_RANGE;
	out->uid = us + (uint32_t)slot * LXR_USERNS_SIZE;
	out->gid = gs + (uint32_t)slot * LXR_USERNS_SIZE;
	out->count = LXR_USERNS_SIZE;
	if (found && !strcmp(kept, text))
		return 0;
	next = found ? lxr_xstrdup(kept) : lxr_xasprintf("%s%ld %s\n", kept, slot, key);
	return lxr_write_file_atomic(dfd, "ranges", next, strlen(next), 0600, err) < 0
		   ? lxr_err_wrap(err, "record the user namespace range of %s", spec->id)
		   : 0;
}

int rt_userns_resolve(const struct lxr_spec *spec, const char *dir, struct lxr_userns *out,
		      lxr_err *err)
{
	*out = spec->userns;
	if (spec->userns.mode != LXR_USERNS_AUTO)
		return 0;
	if (pool_take(spec, dir, out, err) < 0)
		return lxr_err_wrap(err, "user namespace");
	lxr_debug("container %s: user namespace range %u:%u", spec->id, out->uid, out->count);
	return 0;
}

void rt_userns_release(const char *key)
{
	_cleanup_free_ char *text = NULL, *next = NULL;
	_cleanup_close_ int dfd = -1, lock = -1;
	size_t len;
	lxr_err e;

	lock = rt_userns_pool_open(&dfd, &e);
	if (lock < 0 || lxr_read_file_at(dfd, "ranges", &text, &len, &e) < 0)
		return;
	next = drop_key(text, key);
	if (strcmp(next, text) &&
	    lxr_write_file_atomic(dfd, "ranges", next, strlen(next), 0600, &e) < 0)
		lxr_warn("%s: its user namespace range stays recorded: %s", key, e.msg);
}

/* lxr doctor: the pool [userns] mode = auto takes ranges from. */
void rt_userns_check(struct lxr_checks *c)
{
	enum lxr_userns_mode mode;
	uint32_t start, count, us = 0, uc = 0, gs = 0, gc = 0;
	lxr_err e;
	bool have;

	lxr_userns_conf(&mode, &start, &count);
	have = read_subid(SUBUID_PATH, &us, &uc, &e) == 0 &&
	       read_subid(SUBGID_PATH, &gs, &gc, &e) == 0;
	if (have)
		lxr_check_add(c, "user namespace pool", LXR_CHECK_OK, NULL, NULL,
			      "lxr:%u:%u in %s, lxr:%u:%u in %s: %u container ranges", us, uc,
			      SUBUID_PATH, gs, gc, SUBGID_PATH,
			      (uc < gc ? uc : gc) / LXR_USERNS_SIZE);
	else if (mode == LXR_USERNS_AUTO)
		lxr_check_add(c, "user namespace pool", LXR_CHECK_MISSING,
			      "every container: [userns] mode = auto takes its range there",
			      "useradd --system --no-create-home lxr; usermod --add-subuids "
			      "2000000-2999999 --add-subgids 2000000-2999999 lxr",
			      "no range of %u ids for user lxr in %s and %s", LXR_USERNS_SIZE,
			      SUBUID_PATH, SUBGID_PATH);
	else
		lxr_check_add(c, "user namespace pool", LXR_CHECK_OK, NULL, NULL,
			      "no lxr entries in %s and %s (only [userns] mode = auto and "
			      "userns_mode: auto need them)",
			      SUBUID_PATH, SUBGID_PATH);
}
