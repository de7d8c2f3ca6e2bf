/* Which images running containers hold. A use record is a file in uses/
 * with a flock its holder keeps for as long as it lives: the kernel drops
 * the lock when the holder dies, however it dies, so liveness needs no pid
 * bookkeeping and survives pid reuse. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>

#include "image/image_internal.h"

static int write_all(int fd, const char *s, lxr_err *err)
{
	size_t n = strlen(s);

	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return lxr_fail(err, errno, "write use record");
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int img_use_acquire(struct img_store *s, const struct img_image *im, const char *label, int *out,
		    lxr_err *err)
{
	_cleanup_free_ char *tmp = lxr_xasprintf(".new-%d", (int)getpid());
	_cleanup_free_ char *name = NULL;
	_cleanup_free_ char *text =
	    lxr_xasprintf("%s\n%s\n%s\n", im->manifest_digest, im->name, label);
	_cleanup_close_ int fd = -1;
	_cleanup_strv_ char **live = NULL;
	unsigned char r[6] = {0};

	/* Records of dead holders go now, not only when someone looks; once
	 * per store handle: a supervisor takes a record per service, and a
	 * sweep opens every record there is, its own included, so one per
	 * record would cost the square of the stack's size. */
	if (!s->swept && img_uses_live(s, &live, err) < 0)
		return -1;
	s->swept = true;
	(void)!getrandom(r, sizeof(r), GRND_NONBLOCK);
	name = lxr_xasprintf("%d-%02x%02x%02x%02x%02x%02x", (int)getpid(), r[0], r[1], r[2], r[3],
			     r[4], r[5]);
	fd = openat(s->usesfd, tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return lxr_fail(err, errno, "create use record in %s/uses", s->root);
	/* locked and filled before it gets a name a checker looks at: an
	 * unlocked record means a dead holder */
	if (flock(fd, LOCK_SH) < 0) {
		lxr_fail(err, errno, "flock use record in %s/uses", s->root);
		goto fail;
	}
	if (write_all(fd, text, err) < 0)
		goto fail;
	if (renameat(s->usesfd, tmp, s->usesfd, name) < 0) {
		lxr_fail(err, errno, "rename use record to %s/uses/%s", s->root, name);
		goto fail;
	}
	*out = lxr_steal_fd(&fd);
	return 0;
fail:
	unlinkat(s->usesfd, tmp, 0);
	return -1;
}

/* The manifest a record names if its holder lives; NULL after removing a
 * dead holder's record. */
static char *live_record(struct img_store *s, const char *name)
{
	_cleanup_close_ int fd = openat(s->usesfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char buf[IMG_DIGEST_LEN];
	ssize_t n;

	if (fd < 0)
		return NULL;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		unlinkat(s->usesfd, name, 0);
		return NULL;
	}
	n = pread(fd, buf, IMG_DIGEST_LEN - 1, 0);
	if (n != IMG_DIGEST_LEN - 1)
		return NULL;
	buf[IMG_DIGEST_LEN - 1] = '\0';
	return img_digest_valid(buf) ? lxr_xstrdup(buf) : NULL;
}

int img_uses_live(struct img_store *s, char ***digests, lxr_err *err)
{
	_cleanup_close_ int fd = openat(s->usesfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *de;

	*digests = lxr_xcalloc(1, sizeof(char *));
	if (fd < 0 || !(d = fdopendir(fd)))
		return lxr_fail(err, errno, "open %s/uses", s->root);
	fd = -1;
	while ((de = readdir(d))) {
		char *dg;
		if (de->d_name[0] == '.')
			continue;
		dg = live_record(s, de->d_name);
		if (dg)
			lxr_strv_push(digests, dg);
	}
	closedir(d);
	return 0;
}
