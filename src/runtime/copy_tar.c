/* lxr cp with "-": a tar stream on stdout or stdin, as docker cp. Writing
 * walks the source exactly as rt_cp does (open directories, O_NOFOLLOW, a
 * file reopened through its own descriptor). Reading is the dangerous
 * half: a stream is the caller's, but it lands in the container, whose
 * links must not lead it out: every name is taken apart and walked from
 * the open destination directory one component at a time with
 * O_NOFOLLOW, ".." is refused, and a link made by an earlier member of the
 * same stream is never followed by a later one. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lxr/runtime.h"
#include "runtime/runtime_internal.h"

#define BLOCK     512
#define MAX_DEPTH 128

struct tar_hdr {
	char name[100], mode[8], uid[8], gid[8], size[12], mtime[12], chksum[8], type,
	    linkname[100], magic[6], version[2], uname[32], gname[32], devmajor[8], devminor[8],
	    prefix[155], pad[12];
};

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t n)
{
	char *p = buf;

	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? (errno = EPIPE, -1) : -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* len-1 octal digits and a NUL (a value too big keeps its low digits:
 * only sizes over 8 GiB, which rt_cp_to_tar refuses first) */
static void octal(char *field, size_t len, uint64_t v)
{
	field[len - 1] = '\0';
	for (size_t i = len - 1; i-- > 0; v >>= 3)
		field[i] = (char)('0' + (v & 7));
}

static int put_header(int out, const char *name, const char *link, char type, const struct stat *st,
		      uint64_t size, const struct rt_cp_opts *o);

/* GNU's ././@LongLink member for a name or link target over 99 bytes */
static int put_long(int out, char type, const char *s)
{
	/* owned by root, as GNU tar writes it */
	static const struct rt_cp_opts owner0 = {.archive = true};
	struct stat st = {.st_mode = 0644};
	size_t n = strlen(s) + 1;
	char pad[BLOCK] = {0};

	if (put_header(out, "././@LongLink", NULL, type, &st, n, &owner0) < 0 ||
	    write_all(out, s, n) < 0)
		return -1;
	return write_all(out, pad, (BLOCK - n % BLOCK) % BLOCK);
}

static int put_header(int out, const char *name, const char *link, char type, const struct stat *st,
		      uint64_t size, const struct rt_cp_opts *o)
{
	struct tar_hdr h;
	unsigned sum = 0;

	if (strlen(name) > 99 && put_long(out, 'L', name) < 0)
		return -1;
	if (link && strlen(link) > 99 && put_long(out, 'K', link) < 0)
		return -1;
	memset(&h, 0, sizeof(h));
	snprintf(h.name, sizeof(h.name), "%.99s", name);
	octal(h.mode, sizeof(h.mode), st->st_mode & 07777);
	octal(h.uid, sizeof(h.uid), o->archive ? rt_cp_owner(o, st->st_uid, false) : 0);
	octal(h.gid, sizeof(h.gid), o->archive ? rt_cp_owner(o, st->st_gid, true) : 0);
	octal(h.size, sizeof(h.size), size);
	octal(h.mtime, sizeof(h.mtime),
	      (uint64_t)(st->st_mtim.tv_sec > 0 ? st->st_mtim.tv_sec : 0));
	h.type = type;
	if (link)
		snprintf(h.linkname, sizeof(h.linkname), "%.99s", link);
	memcpy(h.magic, "ustar", 6);
	memcpy(h.version, "00", 2);
	memset(h.chksum, ' ', sizeof(h.chksum));
	for (size_t i = 0; i < sizeof(h); i++)
		sum += ((unsigned char *)&h)[i];
	snprintf(h.chksum, sizeof(h.chksum), "%06o", sum);
	return write_all(out, &h, sizeof(h));
}

struct tar_out {
	int out;
	const struct rt_cp_opts *o;
	lxr_err *err;
	/* one_fs: the source's mount (0: unknown, and then its filesystem:
	 * a directory of an overlay has the overlay's st_dev, a file the
	 * st_dev of the layer it is on) */
	uint64_t mnt;
	dev_t dev;
};

static int tar_node(struct tar_out *t, int fd, const struct stat *st, const char *name, int depth);

static int tar_dir(struct tar_out *t, int fd, const char *name, int depth)
{
	_cleanup_close_ int d = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir;
	struct dirent *de;
	int r = 0;

	if (depth >= MAX_DEPTH)
		return lxr_fail(t->err, ELOOP, "%s: deeper than %d directories", name, MAX_DEPTH);
	if (d < 0 || !(dir = fdopendir(dup(d))))
		return lxr_fail(t->err, errno, "read directory %s", name);
	while (r == 0 && (errno = 0, de = readdir(dir))) {
		_cleanup_close_ int c = -1;
		_cleanup_free_ char *sub = NULL;
		struct stat cst;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		c = openat(d, de->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (c < 0 && errno == ENOENT)
			continue;
		sub = *name ? lxr_xasprintf("%s/%s", name, de->d_name) : lxr_xstrdup(de->d_name);
		if (c < 0 || fstat(c, &cst) < 0)
			r = lxr_fail(t->err, errno, "open %s", sub);
		else
			r = tar_node(t, c, &cst, sub, depth + 1);
	}
	if (r == 0 && errno)
		r = lxr_fail(t->err, errno, "read directory %s", name);
	closedir(dir);
	return r;
}

static int tar_node(struct tar_out *t, int fd, const struct stat *orig, const char *name, int depth)
{
	char pad[BLOCK] = {0};
	struct stat masked = *orig;
	const struct stat *st = &masked;

	/* out of a container: no set-id bits for whoever extracts it as root */
	if (t->o->to_host)
		masked.st_mode &= ~(mode_t)(S_ISUID | S_ISGID);

	bool mounted = t->o->one_fs && (t->mnt ? lxr_mount_id(fd, "") != t->mnt
					       : S_ISDIR(st->st_mode) && st->st_dev != t->dev);
	/* a /proc or /sys below: its mount point only, as docker cp's view
	 * of a container has none */
	if (t->o->to_host && depth > 0 && lxr_fd_on_kernel_fs(fd)) {
		if (!S_ISDIR(st->st_mode))
			return 0;
		mounted = true;
	}

	if (S_ISDIR(st->st_mode)) {
		_cleanup_free_ char *dname = lxr_xasprintf("%s/", name);
		if (*name && put_header(t->out, dname, NULL, '5', st, 0, t->o) < 0)
			return lxr_fail(t->err, errno, "write the tar stream");
		return mounted ? 0 : tar_dir(t, fd, name, depth);
	}
	if (mounted && S_ISREG(st->st_mode)) { /* a bound file: its mount point */
		if (put_header(t->out, name, NULL, '0', st, 0, t->o) < 0)
			return lxr_fail(t->err, errno, "write the tar stream");
		return 0;
	}
	if (S_ISLNK(st->st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
		if (n < 0)
			return lxr_fail(t->err, errno, "read link %s", name);
		target[n] = '\0';
		if (put_header(t->out, name, target, '2', st, 0, t->o) < 0)
			return lxr_fail(t->err, errno, "write the tar stream");
		return 0;
	}
	if (!S_ISREG(st->st_mode)) {
		lxr_warn("%s: not a file, directory or link; not copied", name);
		return 0;
	}
	_cleanup_free_ char *self = lxr_xasprintf("/proc/self/fd/%d", fd);
	_cleanup_close_ int in = open(self, O_RDONLY | O_CLOEXEC);
	uint64_t left = (uint64_t)st->st_size;
	char buf[65536];

	if (in < 0)
		return lxr_fail(t->err, errno, "open %s", name);
	if (left >= 077777777777ULL)
		return lxr_fail(t->err, EFBIG, "%s: 8 GiB or more, more than a tar header holds",
				name);
	if (put_header(t->out, name, NULL, '0', st, left, t->o) < 0)
		return lxr_fail(t->err, errno, "write the tar stream");
	/* exactly the size announced: a file that grows or shrinks meanwhile
	 * is cut or padded, the stream stays well-formed */
	while (left) {
		ssize_t r = read(in, buf, left < sizeof(buf) ? left : sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return lxr_fail(t->err, errno, "read %s", name);
		if (r == 0) {
			memset(buf, 0, sizeof(buf));
			r = (ssize_t)(left < sizeof(buf) ? left : sizeof(buf));
		}
		if (write_all(t->out, buf, (size_t)r) < 0)
			return lxr_fail(t->err, errno, "write the tar stream");
		left -= (uint64_t)r;
	}
	if (write_all(t->out, pad, (BLOCK - (size_t)(st->st_size % BLOCK)) % BLOCK) < 0)
		return lxr_fail(t->err, errno, "write the tar stream");
	return 0;
}

int rt_cp_to_tar(int src_root, const char *src, int out, const struct rt_cp_opts *o, lxr_err *err)
{
	struct tar_out t = {.out = out, .o = o, .err = err};
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *copy = lxr_xstrdup(src);
	char end[2 * BLOCK] = {0};
	struct stat st;
	size_t n = strlen(copy);
	bool contents = (n >= 2 && !strcmp(copy + n - 2, "/.")) || !strcmp(copy, ".");
	int r;

	fd = src_root != AT_FDCWD
		 ? lxr_open_in_root(src_root, src, O_PATH | (o->follow ? 0 : O_NOFOLLOW), 0, err)
		 : openat(AT_FDCWD, src, O_PATH | (o->follow ? 0 : O_NOFOLLOW) | O_CLOEXEC);
	if (fd < 0)
		return src_root != AT_FDCWD ? lxr_err_wrap(err, "source %s", src)
					    : lxr_fail(err, errno, "open %s", src);
	if (fstat(fd, &st) < 0)
		return lxr_fail(err, errno, "stat %s", src);
	if (src_root != AT_FDCWD && rt_cp_kernel_fs(fd, "source", src, err) < 0)
		return -1;
	t.dev = st.st_dev;
	t.mnt = lxr_mount_id(fd, "");
	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	/* the member names: the source's own name (docker cp's), or for DIR/.
	 * its entries */
	if (contents && S_ISDIR(st.st_mode))
		r = tar_dir(&t, fd, "", 0);
	else
		r = tar_node(&t, fd, &st, !strcmp(copy, "/") ? "." : basename(copy), 0);
	if (r < 0)
		return -1;
	if (write_all(out, end, sizeof(end)) < 0)
		return lxr_fail(err, errno, "write the tar stream");
	return 0;
}

/* ---- reading ------------------------------------------------------------ */

static uint64_t parse_octal(const char *f, size_t len)
{
	uint64_t v = 0;

	for (size_t i = 0; i < len && f[i]; i++)
		if (f[i] >= '0' && f[i] <= '7')
			v = v * 8 + (uint64_t)(f[i] - '0');
	return v;
}

static bool checksum_ok(const struct tar_hdr *h)
{
	struct tar_hdr c = *h;
	unsigned sum = 0;

	memset(c.chksum, ' ', sizeof(c.chksum));
	for (size_t i = 0; i < sizeof(c); i++)
		sum += ((unsigned char *)&c)[i];
	return sum == parse_octal(h->chksum, sizeof(h->chksum));
}

static int skip(int in, uint64_t size)
{
	char buf[BLOCK];

	for (uint64_t left = (size + BLOCK - 1) / BLOCK * BLOCK; left; left -= BLOCK)
		if (read_all(in, buf, BLOCK) < 0)
			return -1;
	return 0;
}

/* A GNU long name or a pax header's path=/linkpath= into out. */
static int read_long(int in, uint64_t size, char **out, bool pax, bool link, lxr_err *err)
{
	_cleanup_free_ char *buf = NULL;
	uint64_t padded = (size + BLOCK - 1) / BLOCK * BLOCK;

	if (size > 1 << 20)
		return lxr_fail(err, EINVAL, "tar stream: a %llu-byte name header",
				(unsigned long long)size);
	buf = lxr_xcalloc(padded + 1, 1);
	if (read_all(in, buf, padded) < 0)
		return lxr_fail(err, errno, "read the tar stream");
	if (!pax) {
		free(*out);
		*out = lxr_xstrndup(buf, size);
		return 0;
	}
	/* records "LEN key=value\n" */
	for (char *p = buf; p < buf + size;) {
		char *sp = strchr(p, ' '), *eq;
		long len = strtol(p, NULL, 10);
		if (!sp || len <= 0 || p + len > buf + size)
			break;
		eq = strchr(sp, '=');
		if (eq && eq < p + len) {
			const char *key = link ? "linkpath" : "path";
			if ((size_t)(eq - sp - 1) == strlen(key) &&
			    !strncmp(sp + 1, key, strlen(key))) {
				free(*out);
				*out = lxr_xstrndup(eq + 1, (size_t)(p + len - eq - 2));
			}
		}
		p += len;
	}
	return 0;
}

/* Walk name's directories from dst (creating them, never through a link)
 * to its last component: the open parent, and *last points into name.
 * ".." anywhere is refused; "." and empty components are skipped. */
static int walk(int dst, char *name, char **last, lxr_err *err)
{
	int cur = fcntl(dst, F_DUPFD_CLOEXEC, 0);
	char *save = NULL, *comp, *next;

	*last = NULL;
	comp = strtok_r(name, "/", &save);
	while (comp && !strcmp(comp, "."))
		comp = strtok_r(NULL, "/", &save);
	while (comp) {
		next = strtok_r(NULL, "/", &save);
		while (next && !strcmp(next, "."))
			next = strtok_r(NULL, "/", &save);
		if (!strcmp(comp, "..")) {
			close(cur);
			return lxr_fail(err, EPERM, "tar member with \"..\" refused");
		}
		if (!next) {
			*last = comp;
			return cur;
		}
		if (mkdirat(cur, comp, 0755) < 0 && errno != EEXIST) {
			close(cur);
			return lxr_fail(err, errno, "create directory %s", comp);
		}
		int d = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(cur);
		if (d < 0)
			return lxr_fail(err, errno == ELOOP ? ENOTDIR : errno,
					"%s: not a directory (a link is not followed)", comp);
		if (rt_cp_kernel_fs(d, "destination", comp, err) < 0) {
			close(d);
			return -1;
		}
		cur = d;
		comp = next;
	}
	return cur; /* the destination itself ("./") */
}

static int set_attrs(int fd, const struct tar_hdr *h, const struct rt_cp_opts *o)
{
	struct timespec ts[2] = {{0, UTIME_OMIT}, {(time_t)parse_octal(h->mtime, 12), 0}};
	mode_t mode = (mode_t)parse_octal(h->mode, 8) & (o->to_host ? 01777 : 07777);

	if (o->archive && fchown(fd, rt_cp_owner(o, (uint32_t)parse_octal(h->uid, 8), false),
				 rt_cp_owner(o, (uint32_t)parse_octal(h->gid, 8), true)) < 0)
		return -1;
	if (fchmod(fd, mode) < 0)
		return -1;
	return futimens(fd, ts);
}

static int extract(int in, int dst, const struct tar_hdr *h, const char *member, const char *link,
		   const struct rt_cp_opts *o, lxr_err *err)
{
	uint64_t size = parse_octal(h->size, sizeof(h->size));
	_cleanup_free_ char *name = lxr_xstrdup(member);
	char *last;
	_cleanup_close_ int dir = walk(dst, name, &last, err);
	_cleanup_close_ int fd = -1;

	if (dir < 0)
		return -1;
	if (!last) /* the destination directory itself */
		return h->type == '5' ? 0 : skip(in, size);
	switch (h->type) {
	case '5':
		if (mkdirat(dir, last, 0700) < 0 && errno != EEXIST)
			return lxr_fail(err, errno, "create directory %s", last);
		fd = openat(dir, last, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		/* a /proc or /sys there (a copied root's mount point): left as
		 * it is; what a member would put below it is refused (walk) */
		if (fd >= 0 && lxr_fd_on_kernel_fs(fd))
			return 0;
		if (fd < 0 || set_attrs(fd, h, o) < 0)
			return lxr_fail(err, errno, "directory %s", last);
		return 0;
	case '2':
		if (symlinkat(link, dir, last) < 0 &&
		    (errno != EEXIST || unlinkat(dir, last, 0) < 0 ||
		     symlinkat(link, dir, last) < 0))
			return lxr_fail(err, errno, "create link %s", last);
		if (o->archive &&
		    fchownat(dir, last, rt_cp_owner(o, (uint32_t)parse_octal(h->uid, 8), false),
			     rt_cp_owner(o, (uint32_t)parse_octal(h->gid, 8), true),
			     AT_SYMLINK_NOFOLLOW) < 0)
			return lxr_fail(err, errno, "chown %s", last);
		return 0;
	case '0':
	case '\0':
	case '7': {
		char buf[65536];
		uint64_t left = size;
		fd = rt_cp_open_dest(dir, last);
		if (fd < 0)
			return lxr_fail(err, errno, "create %s", last);
		/* bound there from one: not written through */
		if (rt_cp_kernel_fs(fd, "destination", last, err) < 0)
			return -1;
		while (left) {
			size_t n = left < sizeof(buf) ? (size_t)left : sizeof(buf);
			if (read_all(in, buf, n) < 0)
				return lxr_fail(err, errno, "read the tar stream");
			if (write_all(fd, buf, n) < 0)
				return lxr_fail(err, errno, "write %s", last);
			left -= n;
		}
		if (set_attrs(fd, h, o) < 0)
			return lxr_fail(err, errno, "set owner, mode and times of %s", last);
		if (read_all(in, buf, (BLOCK - size % BLOCK) % BLOCK) < 0)
			return lxr_fail(err, errno, "read the tar stream");
		return 0;
	}
	default:
		lxr_warn("%s: tar member of type '%c' (not a file, directory or link); not copied",
			 last, h->type);
		return skip(in, size);
	}
}

int rt_cp_from_tar(int in, int dst_root, const char *dst, const struct rt_cp_opts *o, lxr_err *err)
{
	_cleanup_close_ int d = -1;
	_cleanup_free_ char *long_name = NULL, *long_link = NULL;
	int zeros = 0;

	d = dst_root != AT_FDCWD ? lxr_open_in_root(dst_root, dst, O_RDONLY | O_DIRECTORY, 0, err)
				 : openat(AT_FDCWD, dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d < 0)
		return dst_root != AT_FDCWD ? lxr_err_wrap(err, "destination directory %s", dst)
					    : lxr_fail(err, errno, "destination directory %s", dst);
	if (dst_root != AT_FDCWD && rt_cp_kernel_fs(d, "destination directory", dst, err) < 0)
		return -1;
	for (;;) {
		struct tar_hdr h;
		_cleanup_free_ char *name = NULL;
		uint64_t size;

		if (read_all(in, &h, sizeof(h)) < 0) {
			if (zeros) /* one zero block and the end: lenient, as tar */
				return 0;
			return lxr_fail(err, errno, "read the tar stream");
		}
		if (!h.name[0] && !memcmp(&h, &(struct tar_hdr){0}, sizeof(h))) {
			if (++zeros == 2)
				return 0;
			continue;
		}
		zeros = 0;
		if (!checksum_ok(&h))
			return lxr_fail(err, EINVAL,
					"the tar stream is not a tar archive (checksum)");
		size = parse_octal(h.size, sizeof(h.size));
		if (h.type == 'L' || h.type == 'K') {
			if (read_long(in, size, h.type == 'L' ? &long_name : &long_link, false,
				      h.type == 'K', err) < 0)
				return -1;
			continue;
		}
		if (h.type == 'x') {
			if (read_long(in, size, &long_name, true, false, err) < 0)
				return -1;
			continue;
		}
		if (h.type == 'g') {
			if (skip(in, size) < 0)
				return lxr_fail(err, errno, "read the tar stream");
			continue;
		}
		if (long_name) {
			name = long_name;
			long_name = NULL;
		} else if (h.prefix[0] && !memcmp(h.magic, "ustar", 5))
			name = lxr_xasprintf("%.155s/%.100s", h.prefix, h.name);
		else
			name = lxr_xstrndup(h.name, sizeof(h.name));
		char linkbuf[101];
		snprintf(linkbuf, sizeof(linkbuf), "%.100s", h.linkname);
		if (extract(in, d, &h, name, long_link ? long_link : linkbuf, o, err) < 0)
			return lxr_err_wrap(err, "tar member %s", name);
		free(long_link);
		long_link = NULL;
	}
}
