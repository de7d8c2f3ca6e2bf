/* Helpers shared by the log tests: a temp directory removed afterwards and
 * whole-file reads. Header-only, static, for the test executables. */
#ifndef LXR_TEST_LOGTEST_H
#define LXR_TEST_LOGTEST_H

#include <errno.h>
#include <string.h>

#include "lxr/supervisor.h"

#define T0 1795425379 /* 2026-11-23T09:16:19Z */

static inline struct timespec at(long sec, long nsec)
{
	return (struct timespec){.tv_sec = T0 + sec, .tv_nsec = nsec};
}

static inline char *make_tmpdir(void)
{
	char *d = lxr_xstrdup("/tmp/lxr-logtest-XXXXXX");
	if (!mkdtemp(d))
		abort();
	return d;
}

static inline void remove_tmpdir(char *d)
{
	lxr_err err;
	if (lxr_rm_rf(d, &err) < 0)
		lxr_err_print(&err);
	free(d);
}

/* Contents of dir/name, "" when it does not exist. Caller frees. */
static inline char *slurp(const char *dir, const char *name)
{
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, len = 0, n;
	char chunk[65536];

	if (!f)
		return lxr_xstrdup("");
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			buf = lxr_xrealloc(buf, cap);
		}
		memcpy(buf + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (!buf)
		return lxr_xstrdup("");
	buf[len] = '\0';
	return buf;
}

static inline struct log_writer *open_writer(const char *dir, const char *svc,
					     const struct log_writer_opts *o)
{
	struct log_writer *w = NULL;
	lxr_err err;

	if (log_writer_open(dir, svc, o, &w, &err) < 0) {
		lxr_err_print(&err);
		abort();
	}
	return w;
}

static inline void feed(struct log_writer *w, enum log_stream st, const char *s, struct timespec ts)
{
	if (log_writer_feed(w, st, s, strlen(s), &ts) < 0)
		abort();
}

#endif
