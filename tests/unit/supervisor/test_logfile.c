/* The log writer: the exact CRI records a service's output becomes, partial
 * lines, rotation, a disk that refuses writes, and the tee. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "logtest.h"

static void cri_records_are_exact(void **state)
{
	char *dir = make_tmpdir();
	struct log_writer *w = open_writer(dir, "web", NULL);
	_cleanup_free_ char *got = NULL;

	feed(w, LOG_STDOUT, "hello\nworld\n", at(0, 123456789));
	feed(w, LOG_STDERR, "oops\n", at(1, 5));
	feed(w, LOG_STDOUT, "\n", at(2, 0));
	log_writer_close(w, &(struct timespec){0});
	got = slurp(dir, "web.log");
	assert_string_equal(got, "2026-11-23T09:16:19.123456789Z stdout F hello\n"
				 "2026-11-23T09:16:19.123456789Z stdout F world\n"
				 "2026-11-23T09:16:20.000000005Z stderr F oops\n"
				 "2026-11-23T09:16:21.000000000Z stdout F \n");
	remove_tmpdir(dir);
}

static void partial_lines(void **state)
{
	char *dir = make_tmpdir();
	struct log_writer_opts o = {.max_line = 8};
	struct log_writer *w = open_writer(dir, "s", &o);
	_cleanup_free_ char *got = NULL;

	feed(w, LOG_STDOUT, "abcdefghijklmnopqrs\n", at(0, 0)); /* longer than 8: P P F */
	feed(w, LOG_STDOUT, "exact8ch\n", at(0, 0));            /* exactly 8: one F */
	feed(w, LOG_STDOUT, "ab", at(1, 0));                    /* split across reads */
	feed(w, LOG_STDOUT, "cd\n", at(2, 0));
	feed(w, LOG_STDOUT, "dos\r\n", at(3, 0));   /* CR of CRLF dropped */
	feed(w, LOG_STDOUT, "a\rb\n", at(3, 0));    /* a lone CR is content */
	feed(w, LOG_STDOUT, "exact8c\r", at(3, 0)); /* CR waits for its LF */
	feed(w, LOG_STDOUT, "\n", at(3, 0));
	feed(w, LOG_STDOUT, "prompt> ", at(4, 0));
	log_writer_flush(w, &(struct timespec){T0 + 5, 0}); /* flush timeout: P */
	feed(w, LOG_STDOUT, "yes\n", at(6, 0));
	feed(w, LOG_STDERR, "no newline", at(7, 0));
	log_writer_feed_eof(w, LOG_STDERR, &(struct timespec){T0 + 8, 0}); /* P, then F "" */
	log_writer_close(w, &(struct timespec){T0 + 9, 0});                /* nothing pending */
	got = slurp(dir, "s.log");
	assert_string_equal(got, "2026-11-23T09:16:19.000000000Z stdout P abcdefgh\n"
				 "2026-11-23T09:16:19.000000000Z stdout P ijklmnop\n"
				 "2026-11-23T09:16:19.000000000Z stdout F qrs\n"
				 "2026-11-23T09:16:19.000000000Z stdout F exact8ch\n"
				 "2026-11-23T09:16:21.000000000Z stdout F abcd\n"
				 "2026-11-23T09:16:22.000000000Z stdout F dos\n"
				 "2026-11-23T09:16:22.000000000Z stdout F a\rb\n"
				 "2026-11-23T09:16:22.000000000Z stdout F exact8c\n"
				 "2026-11-23T09:16:24.000000000Z stdout P prompt> \n"
				 "2026-11-23T09:16:25.000000000Z stdout F yes\n"
				 "2026-11-23T09:16:26.000000000Z stderr P no newli\n"
				 "2026-11-23T09:16:27.000000000Z stderr P ne\n"
				 "2026-11-23T09:16:27.000000000Z stderr F \n");
	remove_tmpdir(dir);
}

static void flush_deadline_follows_first_pending_byte(void **state)
{
	char *dir = make_tmpdir();
	struct log_writer_opts o = {.flush_usec = 250000};
	struct log_writer *w = open_writer(dir, "s", &o);
	struct timespec dl;

	assert_false(log_writer_flush_deadline(w, &dl));
	feed(w, LOG_STDERR, "half", at(3, 900000000));
	feed(w, LOG_STDOUT, "later", at(4, 0));
	feed(w, LOG_STDERR, " more", at(5, 0)); /* the line's first byte counts */
	assert_true(log_writer_flush_deadline(w, &dl));
	assert_int_equal(dl.tv_sec, T0 + 4);
	assert_int_equal(dl.tv_nsec, 150000000);
	log_writer_flush(w, &dl);
	assert_false(log_writer_flush_deadline(w, &dl));
	/* a line stamped an hour ahead of the clock (the clock set back since):
	 * flushed within the delay from now, not in an hour */
	struct timespec now, ahead;
	clock_gettime(CLOCK_REALTIME, &now);
	ahead = (struct timespec){.tv_sec = now.tv_sec + 3600};
	feed(w, LOG_STDOUT, "prompt", ahead);
	assert_true(log_writer_flush_deadline(w, &dl));
	assert_true(dl.tv_sec <= now.tv_sec + 2);
	log_writer_flush(w, &dl);
	log_writer_close(w, &dl);
	remove_tmpdir(dir);
}

struct teed {
	char buf[512];
};

static void tee(void *ctx, const char *service, enum log_stream st, const struct timespec *at,
		const char *data, size_t len, bool partial)
{
	struct teed *t = ctx;
	size_t n = strlen(t->buf);

	snprintf(t->buf + n, sizeof(t->buf) - n, "%s/%d/%c/%.*s;", service, st, partial ? 'P' : 'F',
		 (int)len, data);
}

static void tee_sees_every_record(void **state)
{
	char *dir = make_tmpdir();
	struct teed t = {""};
	struct log_writer_opts o = {.max_line = 4, .tee = tee, .tee_ctx = &t};
	struct log_writer *w = open_writer(dir, "api", &o);

	feed(w, LOG_STDOUT, "one\nlonger\n", at(0, 0));
	feed(w, LOG_STDERR, "x", at(0, 0));
	log_writer_close(w, &(struct timespec){0});
	assert_string_equal(t.buf, "api/0/F/one;api/0/P/long;api/0/F/er;api/1/P/x;api/1/F/;");
	remove_tmpdir(dir);
}

static void restart_appends(void **state)
{
	char *dir = make_tmpdir();
	struct log_writer *w = open_writer(dir, "db", NULL);
	_cleanup_free_ char *got = NULL;

	feed(w, LOG_STDOUT, "first run\n", at(0, 0));
	log_writer_close(w, &(struct timespec){0});
	w = open_writer(dir, "db", NULL);
	feed(w, LOG_STDOUT, "second run\n", at(1, 0));
	log_writer_close(w, &(struct timespec){0});
	got = slurp(dir, "db.log");
	assert_string_equal(got, "2026-11-23T09:16:19.000000000Z stdout F first run\n"
				 "2026-11-23T09:16:20.000000000Z stdout F second run\n");
	remove_tmpdir(dir);
}

/* A power cut left the last record torn (no newline): the next run's first
 * record starts on a line of its own, so only the torn one is lost. */
static void torn_tail_is_ended(void **state)
{
	char *dir = make_tmpdir();
	_cleanup_free_ char *path = lxr_xasprintf("%s/db.log", dir), *got = NULL;
	FILE *f = fopen(path, "w");
	struct log_writer *w;

	assert_non_null(f);
	fputs("2026-11-23T09:16:19.000000000Z stdout F whole\n2026-11-23T09:16:1", f);
	fclose(f);
	w = open_writer(dir, "db", NULL);
	feed(w, LOG_STDOUT, "after\n", at(1, 0));
	log_writer_close(w, &(struct timespec){0});
	got = slurp(dir, "db.log");
	assert_string_equal(got, "2026-11-23T09:16:19.000000000Z stdout F whole\n"
				 "2026-11-23T09:16:1\n"
				 "2026-11-23T09:16:20.000000000Z stdout F after\n");
	remove_tmpdir(dir);
}

#define REC_LEN 52 /* "2026-...Z stdout F line NNNNNN\n" */

static void rotation_keeps_max_file_files(void **state)
{
	char *dir = make_tmpdir();
	struct log_writer_opts o = {.max_size = 4 * REC_LEN, .max_file = 3};
	struct log_writer *w = open_writer(dir, "web", &o);
	_cleanup_free_ char *all = NULL;
	char line[64];
	struct stat st;

	for (int i = 0; i < 30; i++) {
		snprintf(line, sizeof(line), "line %06d\n", i);
		feed(w, LOG_STDOUT, line, at(i, 0));
	}
	log_writer_close(w, &(struct timespec){0});
	/* 4 records a file: 28 and 29 current, 24..27 in .1, 20..23 in .2 */
	for (const char *const *n =
		 (const char *const[]){"web.log", "web.log.1", "web.log.2", NULL};
	     *n; n++) {
		_cleanup_free_ char *p = lxr_xasprintf("%s/%s", dir, *n);
		assert_int_equal(stat(p, &st), 0);
		assert_true(st.st_size <= o.max_size);
	}
	_cleanup_free_ char *p3 = lxr_xasprintf("%s/web.log.3", dir);
	assert_int_equal(stat(p3, &st), -1);
	_cleanup_free_ char *f2 = slurp(dir, "web.log.2");
	_cleanup_free_ char *f1 = slurp(dir, "web.log.1");
	_cleanup_free_ char *f0 = slurp(dir, "web.log");
	assert_non_null(strstr(f2, "Z stdout F line 000020\n"));
	assert_int_equal(strlen(f2), 4 * REC_LEN);
	assert_non_null(strstr(f1, "Z stdout F line 000024\n"));
	assert_int_equal(strlen(f1), 4 * REC_LEN);
	assert_string_equal(f0, "2026-11-23T09:16:47.000000000Z stdout F line 000028\n"
				"2026-11-23T09:16:48.000000000Z stdout F line 000029\n");
	remove_tmpdir(dir);
}

static void max_file_one_replaces(void **state)
{
	char *dir = make_tmpdir();
	struct log_writer_opts o = {.max_size = 2 * REC_LEN, .max_file = 1};
	struct log_writer *w = open_writer(dir, "w", &o);
	_cleanup_free_ char *f0 = NULL, *f1 = NULL;
	char line[64];

	for (int i = 0; i < 5; i++) {
		snprintf(line, sizeof(line), "line %06d\n", i);
		feed(w, LOG_STDOUT, line, at(i, 0));
	}
	log_writer_close(w, &(struct timespec){0});
	f0 = slurp(dir, "w.log");
	f1 = slurp(dir, "w.log.1");
	assert_string_equal(f0, "2026-11-23T09:16:23.000000000Z stdout F line 000004\n");
	assert_string_equal(f1, "");
	remove_tmpdir(dir);
}

/* RLIMIT_FSIZE makes writes past a size fail with EFBIG, the first one
 * short: a disk filling up, without root. */
static void refused_writes_drop_whole_records(void **state)
{
	char *dir = make_tmpdir();
	struct log_writer *w = open_writer(dir, "full", NULL);
	struct rlimit old, lim;
	_cleanup_free_ char *got = NULL;
	char line[64];

	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = (struct rlimit){.rlim_cur = 2 * REC_LEN + 20, .rlim_max = old.rlim_max};
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (int i = 0; i < 5; i++) {
		snprintf(line, sizeof(line), "line %06d\n", i);
		feed(w, LOG_STDOUT, line, at(i, 0)); /* feeding goes on regardless */
	}
	assert_int_equal(log_writer_dropped(w), 3);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	feed(w, LOG_STDOUT, "line 000005\n", at(5, 0));
	assert_int_equal(log_writer_dropped(w), 3);
	log_writer_close(w, &(struct timespec){0});
	signal(SIGXFSZ, SIG_DFL);
	got = slurp(dir, "full.log");
	/* the record cut short at the limit is gone: no torn line */
	assert_string_equal(got, "2026-11-23T09:16:19.000000000Z stdout F line 000000\n"
				 "2026-11-23T09:16:20.000000000Z stdout F line 000001\n"
				 "2026-11-23T09:16:24.000000000Z stdout F line 000005\n");
	remove_tmpdir(dir);
}

static void compose_logging_options(void **state)
{
	struct log_writer_opts o = {0};
	lxr_err err;

	assert_int_equal(log_writer_opts_set(&o, "max-size", "10m", &err), 0);
	assert_int_equal(o.max_size, 10 << 20);
	assert_int_equal(log_writer_opts_set(&o, "max-file", "5", &err), 0);
	assert_int_equal(o.max_file, 5);
	assert_int_equal(log_writer_opts_set(&o, "max-file", "0", &err), -1);
	assert_non_null(strstr(err.msg, "max-file"));
	assert_int_equal(log_writer_opts_set(&o, "max-size", "lots", &err), -1);
	assert_non_null(strstr(err.msg, "\"lots\""));
	assert_int_equal(log_writer_opts_set(&o, "compress", "true", &err), 0);
	assert_true(o.compress);
	assert_int_equal(log_writer_opts_set(&o, "compress", "F", &err), 0);
	assert_false(o.compress);
	assert_int_equal(log_writer_opts_set(&o, "compress", "yes", &err), -1);
	assert_string_equal(err.msg, "logging option compress: \"yes\" is not a boolean");
	/* dockerd's record attributes and the cache's options: nothing to
	 * set for a CRI file */
	assert_int_equal(log_writer_opts_set(&o, "tag", "{{.Name}}", &err), 0);
	assert_int_equal(log_writer_opts_set(&o, "env-regex", "^A", &err), 0);
	assert_int_equal(log_writer_opts_set(&o, "cache-max-file", "9", &err), 0);
	assert_int_equal(log_writer_opts_set(&o, "syslog-address", "udp://x", &err), -1);
	assert_string_equal(err.msg, "logging option \"syslog-address\" is not supported");
	assert_int_equal(o.max_size, 10 << 20);
	assert_int_equal(o.max_file, 5);
}

/* The file's bytes through the gzip program (not lxr's own decoder); ""
 * when it is not gzip. Caller frees. */
static char *gunzip(const char *dir, const char *name)
{
	_cleanup_free_ char *cmd = lxr_xasprintf("gzip -dc '%s/%s' 2>/dev/null", dir, name);
	FILE *p = popen(cmd, "r");
	char *buf = lxr_xcalloc(1, 1 << 20);
	size_t n;

	assert_non_null(p);
	n = fread(buf, 1, (1 << 20) - 1, p);
	if (pclose(p) != 0)
		n = 0;
	buf[n] = '\0';
	return buf;
}

static bool gzip_magic(const char *dir, const char *name)
{
	_cleanup_free_ char *f = slurp(dir, name);
	return (unsigned char)f[0] == 0x1f && (unsigned char)f[1] == 0x8b;
}

static bool exists(const char *dir, const char *name)
{
	_cleanup_free_ char *p = lxr_xasprintf("%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

/* compress: each rotated file becomes .N.gz (gzip, the same records) once
 * the loop has worked on it; it shifts up as a .gz; the oldest goes */
static void compress_rotated_files(void **state)
{
	char *dir = make_tmpdir();
	struct log_writer_opts o = {.max_size = 4 * REC_LEN, .max_file = 3, .compress = true};
	struct log_writer *w = open_writer(dir, "web", &o);
	char line[64];

	for (int i = 0; i < 5; i++) {
		snprintf(line, sizeof(line), "line %06d\n", i);
		feed(w, LOG_STDOUT, line, at(i, 0));
	}
	/* rotated once: web.log.1 waits for the loop */
	assert_true(log_writer_busy(w));
	assert_true(exists(dir, "web.log.1"));
	while (log_writer_busy(w))
		log_writer_work(w);
	assert_false(exists(dir, "web.log.1"));
	assert_true(gzip_magic(dir, "web.log.1.gz"));
	_cleanup_free_ char *g1 = gunzip(dir, "web.log.1.gz");
	assert_int_equal(strlen(g1), 4 * REC_LEN);
	assert_non_null(strstr(g1, "Z stdout F line 000000\n"));
	for (int i = 5; i < 30; i++) {
		snprintf(line, sizeof(line), "line %06d\n", i);
		feed(w, LOG_STDOUT, line, at(i, 0));
	}
	/* closing finishes the compression under way */
	log_writer_close(w, &(struct timespec){0});
	assert_true(gzip_magic(dir, "web.log.1.gz"));
	assert_true(gzip_magic(dir, "web.log.2.gz"));
	for (const char *const *n =
		 (const char *const[]){"web.log.1", "web.log.2", "web.log.3", "web.log.3.gz", NULL};
	     *n; n++)
		assert_false(exists(dir, *n));
	_cleanup_free_ char *g2 = gunzip(dir, "web.log.2.gz");
	_cleanup_free_ char *g1b = gunzip(dir, "web.log.1.gz");
	assert_non_null(strstr(g2, "Z stdout F line 000020\n"));
	assert_int_equal(strlen(g2), 4 * REC_LEN);
	assert_non_null(strstr(g1b, "Z stdout F line 000024\n"));
	remove_tmpdir(dir);
}

/* compress off after a run with it on: a plain file shifting onto a .gz
 * replaces it (no two files of one index) */
static void plain_replaces_older_gz(void **state)
{
	char *dir = make_tmpdir();
	struct log_writer_opts on = {.max_size = 2 * REC_LEN, .max_file = 2, .compress = true};
	struct log_writer_opts off = {.max_size = 2 * REC_LEN, .max_file = 2};
	struct log_writer *w = open_writer(dir, "web", &on);
	char line[64];

	for (int i = 0; i < 3; i++) {
		snprintf(line, sizeof(line), "line %06d\n", i);
		feed(w, LOG_STDOUT, line, at(i, 0));
	}
	log_writer_close(w, &(struct timespec){0});
	assert_true(exists(dir, "web.log.1.gz"));
	w = open_writer(dir, "web", &off);
	for (int i = 3; i < 5; i++) {
		snprintf(line, sizeof(line), "line %06d\n", i);
		feed(w, LOG_STDOUT, line, at(i, 0));
	}
	log_writer_close(w, &(struct timespec){0});
	assert_false(exists(dir, "web.log.1.gz"));
	_cleanup_free_ char *f1 = slurp(dir, "web.log.1");
	assert_non_null(strstr(f1, "Z stdout F line 000002\n"));
	remove_tmpdir(dir);
}

static void count_tee(void *ctx, const char *service, enum log_stream st, const struct timespec *at,
		      const char *data, size_t len, bool partial)
{
	(*(int *)ctx)++;
}

/* driver none: no file at all, and the foreground still sees each line */
static void discard_writes_nothing(void **state)
{
	char *dir = make_tmpdir();
	int teed = 0;
	struct log_writer_opts o = {
	    .max_size = 64, .discard = true, .tee = count_tee, .tee_ctx = &teed};
	struct log_writer *w = open_writer(dir, "quiet", &o);
	_cleanup_free_ char *path = lxr_xasprintf("%s/quiet.log", dir);

	for (int i = 0; i < 100; i++)
		feed(w, LOG_STDOUT, "a line that is longer than max-size would allow\n", at(i, 0));
	log_writer_close(w, &(struct timespec){0});
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(rmdir(dir), 0); /* empty */
	assert_int_equal(teed, 100);
	free(dir);
}

static void bad_service_names_refused(void **state)
{
	struct log_writer *w = NULL;
	lxr_err err;

	assert_int_equal(log_writer_open("/tmp", "../etc", NULL, &w, &err), -1);
	assert_int_equal(log_writer_open("/tmp", "", NULL, &w, &err), -1);
	assert_null(w);
	assert_int_equal(log_writer_open("/nonexistent-lxr-dir", "web", NULL, &w, &err), -1);
	assert_string_equal(err.msg, "open log directory /nonexistent-lxr-dir");
}

static void prefix_and_colour(void **state)
{
	char a[64], b[64];

	assert_int_equal(log_format_prefix(a, sizeof(a), "web", 5, false), 8);
	assert_string_equal(a, "web   | ");
	log_format_prefix(a, sizeof(a), "web", 3, true);
	log_format_prefix(b, sizeof(b), "web", 3, true);
	assert_string_equal(a, b); /* stable */
	assert_true(lxr_str_has_prefix(a, "\033["));
	assert_true(lxr_str_has_suffix(a, "mweb |\033[0m "));
	assert_false(log_color_wanted(-1, false)); /* not a terminal */
}

static void timestamps_round_trip(void **state)
{
	struct timespec ts = at(0, 120000000), got;
	char buf[LOG_TS_LEN + 1];
	static const char *bad[] = {"2026-11-23 09:16:19Z",  "2026-11-23T09:16:19",
				    "2026-13-01T00:00:00Z",  "2026-11-23T09:16:19.Z",
				    "2026-11-23T09:16:19Zx", "garbage"};

	log_format_ts(buf, &ts);
	assert_string_equal(buf, "2026-11-23T09:16:19.120000000Z");
	assert_int_equal(log_parse_ts(buf, strlen(buf), &got), 0);
	assert_int_equal(got.tv_sec, ts.tv_sec);
	assert_int_equal(got.tv_nsec, ts.tv_nsec);
	assert_int_equal(log_parse_ts("2026-11-23T10:16:19.12+01:00", 28, &got), 0);
	assert_int_equal(got.tv_sec, ts.tv_sec);
	assert_int_equal(got.tv_nsec, 120000000);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (log_parse_ts(bad[i], strlen(bad[i]), &got) == 0)
			fail_msg("\"%s\" accepted as a timestamp", bad[i]);
}

static void touch(const char *path)
{
	FILE *f = fopen(path, "wx");

	assert_non_null(f);
	fclose(f);
}

/* A compression a killed supervisor left half done (its writer's pid is
 * gone) is removed when a writer first opens the directory; a live
 * writer's is not. Another writer opening the same directory in this
 * process does not read it again. */
static void dead_writers_temp_swept_at_first_open(void **state)
{
	char *dir = make_tmpdir();
	pid_t dead = fork();
	_cleanup_free_ char *gone = NULL, *live = NULL, *later = NULL;
	struct log_writer *a, *b;
	struct stat st;

	assert_true(dead >= 0);
	if (dead == 0)
		_exit(0);
	assert_int_equal(waitpid(dead, NULL, 0), dead);
	gone = lxr_xasprintf("%s/.web.log.1.gz.tmp.%d", dir, (int)dead);
	live = lxr_xasprintf("%s/.web.log.2.gz.tmp.%d", dir, (int)getpid());
	later = lxr_xasprintf("%s/.db.log.1.gz.tmp.%d", dir, (int)dead);
	touch(gone);
	touch(live);
	a = open_writer(dir, "web", NULL);
	assert_int_equal(stat(gone, &st), -1);
	assert_int_equal(stat(live, &st), 0);
	touch(later);
	b = open_writer(dir, "db", NULL);
	assert_int_equal(stat(later, &st), 0);
	log_writer_close(a, &(struct timespec){0});
	log_writer_close(b, &(struct timespec){0});
	remove_tmpdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(cri_records_are_exact),
	    cmocka_unit_test(partial_lines),
	    cmocka_unit_test(flush_deadline_follows_first_pending_byte),
	    cmocka_unit_test(tee_sees_every_record),
	    cmocka_unit_test(restart_appends),
	    cmocka_unit_test(torn_tail_is_ended),
	    cmocka_unit_test(rotation_keeps_max_file_files),
	    cmocka_unit_test(max_file_one_replaces),
	    cmocka_unit_test(refused_writes_drop_whole_records),
	    cmocka_unit_test(compose_logging_options),
	    cmocka_unit_test(compress_rotated_files),
	    cmocka_unit_test(plain_replaces_older_gz),
	    cmocka_unit_test(discard_writes_nothing),
	    cmocka_unit_test(bad_service_names_refused),
	    cmocka_unit_test(prefix_and_colour),
	    cmocka_unit_test(timestamps_round_trip),
	    cmocka_unit_test(dead_writers_temp_swept_at_first_open),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
