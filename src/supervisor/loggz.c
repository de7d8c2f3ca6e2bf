/* gzip of rotated log files, a share at a time: see loggz.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lxr/gzip.h"
#include "supervisor/loggz.h"

#define CHUNK (64u << 10)

/* the extra field: subfield "LX", 8 bytes, the inode, little-endian */
#define EXTRA_LEN 12

struct log_gz {
	int dirfd, in, out;
	char *from, *to, *tmp;
	struct lxr_gzip *z;
	unsigned char *ibuf;
};

static void job_free(struct log_gz *j)
{
	if (j->in >= 0)
		close(j->in);
	if (j->out >= 0)
		close(j->out);
	if (j->dirfd >= 0)
		close(j->dirfd);
	lxr_gzip_free(j->z);
	free(j->ibuf);
	free(j->from);
	free(j->to);
	free(j->tmp);
	free(j);
}

static void set_extra(unsigned char *e, uint64_t ino)
{
	e[0] = 'L';
	e[1] = 'X';
	e[2] = 8;
	e[3] = 0;
	for (int i = 0; i < 8; i++)
		e[4 + i] = (unsigned char)(ino >> (8 * i));
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w == 0)
			errno = ENOSPC;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* the encoder's output goes straight to the temp file */
static int sink(void *ctx, const void *buf, size_t n)
{
	struct log_gz *j = ctx;

	return write_all(j->out, buf, n);
}

int log_gz_start(int dirfd, const char *from, struct log_gz **out, lxr_err *err)
{
	struct log_gz *j = lxr_xcalloc(1, sizeof(*j));
	unsigned char extra[EXTRA_LEN];
	struct stat st;

	j->dirfd = j->in = j->out = -1;
	j->from = lxr_xstrdup(from);
	j->to = lxr_xasprintf("%s.gz", from);
	j->tmp = lxr_tmp_name(j->to);
	j->dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (j->dirfd < 0) {
		lxr_fail(err, errno, "compress %s: dup", from);
		goto fail;
	}
	j->in = openat(dirfd, from, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (j->in < 0 || fstat(j->in, &st) < 0) {
		lxr_fail(err, errno, "compress %s: open", from);
		goto fail;
	}
	j->out = openat(dirfd, j->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0640);
	if (j->out < 0) {
		lxr_fail(err, errno, "compress %s: create %s", from, j->tmp);
		goto fail;
	}
	set_extra(extra, (uint64_t)st.st_ino);
	j->z =
	    lxr_gzip_new(&(struct lxr_gz_header){(uint32_t)st.st_mtime, extra, EXTRA_LEN}, sink, j);
	j->ibuf = lxr_xmalloc(CHUNK);
	*out = j;
	return 0;
fail:
	job_free(j);
	return -1;
}

/* The .gz is whole: made durable before it takes its name (the plain file,
 * which holds the same lines, is removed right after), then in place. */
static int finish(struct log_gz *j, lxr_err *err)
{
	if (fdatasync(j->out) < 0)
		return lxr_fail(err, errno, "compress %s: sync %s", j->from, j->tmp);
	if (renameat(j->dirfd, j->tmp, j->dirfd, j->to) < 0)
		return lxr_fail(err, errno, "compress %s: rename to %s", j->from, j->to);
	if (unlinkat(j->dirfd, j->from, 0) < 0 && errno != ENOENT)
		return lxr_fail(err, errno, "compress %s: remove it", j->from);
	return 1;
}

int log_gz_step(struct log_gz *j, size_t budget, lxr_err *err)
{
	size_t done = 0;
	int r;

	while (done < budget) {
		ssize_t n = read(j->in, j->ibuf, CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			lxr_fail(err, errno, "compress %s: read", j->from);
			goto fail;
		}
		if ((n > 0 ? lxr_gzip_write(j->z, j->ibuf, (size_t)n) : lxr_gzip_finish(j->z)) <
		    0) {
			lxr_fail(err, errno, "compress %s: write %s", j->from, j->tmp);
			goto fail;
		}
		if (n == 0) {
			r = finish(j, err);
			if (r < 0)
				goto fail;
			job_free(j);
			return 1;
		}
		done += (size_t)n;
	}
	return 0;
fail:
	log_gz_abort(j);
	return -1;
}

const char *log_gz_source(const struct log_gz *j)
{
	return j->from;
}

void log_gz_abort(struct log_gz *j)
{
	if (!j)
		return;
	unlinkat(j->dirfd, j->tmp, 0);
	job_free(j);
}

int log_gz_origin(int fd, ino_t *ino)
{
	unsigned char h[10 + 2 + EXTRA_LEN];
	uint64_t v = 0;

	/* ID1 ID2 CM FLG MTIME(4) XFL OS, then with FEXTRA: XLEN(2) and the
	 * field; ours holds only the LX subfield */
	if (pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) || h[0] != 0x1f || h[1] != 0x8b ||
	    h[2] != 8 || !(h[3] & 4) || h[10] != EXTRA_LEN || h[11] != 0 || h[12] != 'L' ||
	    h[13] != 'X' || h[14] != 8 || h[15] != 0)
		return -1;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | h[16 + i];
	*ino = (ino_t)v;
	return 0;
}
