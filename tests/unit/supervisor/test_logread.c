/* `lxr logs` reading: what a user sees for a project's log files — merged
 * services, --tail, --since, -t, partial lines joined, rotated files in
 * order, and -f following writes, rotations, restarts and new services. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "logtest.h"
#include "supervisor/logcursor.h"

/* logs_run's output as a string. Caller frees. */
static char *run_logs(const char *dir, struct logs_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	lxr_err err;

	if (o->stop_fd == 0)
		o->stop_fd = -1;
	if (logs_run(dir, o, f, &err) < 0) {
		lxr_err_print(&err);
		fail_msg("logs_run failed: %s", err.msg);
	}
	fclose(f);
	return buf;
}

static void two_services(const char *dir)
{
	struct log_writer *a = open_writer(dir, "api", NULL);
	struct log_writer *w = open_writer(dir, "web", NULL);

	feed(a, LOG_STDOUT, "a1\n", at(1, 0));
	feed(w, LOG_STDOUT, "w1\n", at(2, 0));
	feed(w, LOG_STDERR, "w2 on stderr\n", at(3, 0));
	feed(a, LOG_STDOUT, "a2\n", at(4, 0));
	feed(a, LOG_STDOUT, "a3\n", at(5, 0));
	feed(w, LOG_STDOUT, "w3\n", at(6, 0));
	log_writer_close(a, &(struct timespec){0});
	log_writer_close(w, &(struct timespec){0});
}

static void services_merge_by_time(void **state)
{
	char *dir = make_tmpdir();
	struct logs_opts o = {.tail = -1};
	_cleanup_free_ char *out = NULL;

	two_services(dir);
	out = run_logs(dir, &o);
	assert_string_equal(out, "api-1  | a1\n"
				 "web-1  | w1\n"
				 "web-1  | w2 on stderr\n"
				 "api-1  | a2\n"
				 "api-1  | a3\n"
				 "web-1  | w3\n");
	remove_tmpdir(dir);
}

static void tail_since_timestamps_and_selection(void **state)
{
	char *dir = make_tmpdir();
	char *only_web[] = {"web", NULL}, *nosuch[] = {"db", NULL};
	struct logs_opts o = {.tail = 1};
	char *out;
	lxr_err err;

	two_services(dir);
	out = run_logs(dir, &o);
	assert_string_equal(out, "api-1  | a3\nweb-1  | w3\n");
	free(out);

	o = (struct logs_opts){
	    .tail = -1, .has_since = true, .since = at(4, 0), .timestamps = true};
	out = run_logs(dir, &o);
	assert_string_equal(out, "api-1  | 2026-11-23T09:16:23.000000000Z a2\n"
				 "api-1  | 2026-11-23T09:16:24.000000000Z a3\n"
				 "web-1  | 2026-11-23T09:16:25.000000000Z w3\n");
	free(out);

	o = (struct logs_opts){.tail = 2, .services = only_web};
	out = run_logs(dir, &o);
	assert_string_equal(out, "web-1  | w2 on stderr\nweb-1  | w3\n");
	free(out);

	o = (struct logs_opts){.tail = -1, .services = nosuch, .stop_fd = -1};
	assert_int_equal(logs_run(dir, &o, stdout, &err), -1);
	out = lxr_xasprintf("no log of service \"db\" in %s", dir);
	assert_string_equal(err.msg, out);
	free(out);
	remove_tmpdir(dir);
}

static void partial_records_make_one_line(void **state)
{
	char *dir = make_tmpdir();
	struct log_writer_opts wo = {.max_line = 4};
	struct log_writer *w = open_writer(dir, "svc", &wo);
	struct logs_opts o = {.tail = -1, .timestamps = true};
	_cleanup_free_ char *out = NULL;
	_cleanup_free_ char *path = lxr_xasprintf("%s/svc.log", dir);
	FILE *f;

	feed(w, LOG_STDOUT, "a long line", at(0, 0));
	feed(w, LOG_STDERR, "err interleaved\n", at(1, 0));
	feed(w, LOG_STDOUT, " ends here\n", at(2, 0));
	feed(w, LOG_STDOUT, "cut off", at(3, 0));
	log_writer_close(w, &(struct timespec){T0 + 4, 0});
	/* a P that never got its F (a writer killed mid-line) still shows */
	f = fopen(path, "a");
	fputs("2026-11-23T09:16:29.5Z stdout P dangling\n", f);
	fputs("not a record\n", f);
	fclose(f);
	out = run_logs(dir, &o);
	/* one service's lines in the order they were completed; a joined
	 * line carries the time of its first part */
	assert_string_equal(out, "svc-1  | 2026-11-23T09:16:20.000000000Z err interleaved\n"
				 "svc-1  | 2026-11-23T09:16:19.000000000Z a long line ends here\n"
				 "svc-1  | 2026-11-23T09:16:22.000000000Z cut off\n"
				 "svc-1  | 2026-11-23T09:16:29.500000000Z dangling\n");
	remove_tmpdir(dir);
}

/* Lines "svc NNNNNN" numbered from 0 must all be in out, in order. */
static void assert_numbered(const char *out, const char *svc, long n)
{
	_cleanup_free_ char *want_prefix = lxr_xasprintf("%s-1  | %s ", svc, svc);
	const char *p = out;
	long i = 0;

	for (; *p; i++) {
		const char *nl = strchr(p, '\n');
		char *end;
		assert_non_null(nl);
		if (!lxr_str_has_prefix(p, want_prefix))
			fail_msg("line %ld: \"%.*s\"", i, (int)(nl - p), p);
		if (strtol(p + strlen(want_prefix), &end, 10) != i || end != nl)
			fail_msg("line %ld is \"%.*s\": lines lost, repeated or out of order", i,
				 (int)(nl - p), p);
		p = nl + 1;
	}
	assert_int_equal(i, n);
}

static void write_numbered(struct log_writer *w, const char *svc, long from, long to)
{
	char line[64];

	for (long i = from; i < to; i++) {
		snprintf(line, sizeof(line), "%s %06ld\n", svc, i);
		feed(w, LOG_STDOUT, line, at(i / 1000, i % 1000 * 1000));
	}
}

static void rotated_files_read_in_order(void **state)
{
	char *dir = make_tmpdir();
	struct log_writer_opts wo = {.max_size = 4096, .max_file = 100};
	struct log_writer *w = open_writer(dir, "svc", &wo);
	struct logs_opts o = {.tail = -1};
	_cleanup_free_ char *rot = NULL;
	char *out;

	write_numbered(w, "svc", 0, 3000);
	log_writer_close(w, &(struct timespec){0});
	rot = lxr_xasprintf("%s/svc.log.30", dir);
	assert_int_equal(access(rot, F_OK), 0); /* it did rotate, many times */
	out = run_logs(dir, &o);
	assert_numbered(out, "svc", 3000);
	free(out);
	o.tail = 5;
	out = run_logs(dir, &o);
	assert_string_equal(out, "svc-1  | svc 002995\nsvc-1  | svc 002996\nsvc-1  | svc 002997\n"
				 "svc-1  | svc 002998\nsvc-1  | svc 002999\n");
	free(out);
	remove_tmpdir(dir);
}

static bool exists(const char *dir, const char *name)
{
	_cleanup_free_ char *p = lxr_xasprintf("%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

/* compress: the rotated files are .N.gz, read through lxr_gunzip in order, with
 * --tail and --since as for plain ones */
static void compressed_files_read_in_order(void **state)
{
	char *dir = make_tmpdir();
	struct log_writer_opts wo = {.max_size = 4096, .max_file = 100, .compress = true};
	struct log_writer *w = open_writer(dir, "svc", &wo);
	struct logs_opts o = {.tail = -1};
	char *out;

	write_numbered(w, "svc", 0, 3000);
	log_writer_close(w, &(struct timespec){0});
	assert_true(exists(dir, "svc.log.30.gz")); /* it did rotate, many times */
	assert_false(exists(dir, "svc.log.30"));
	assert_false(exists(dir, "svc.log.1"));
	out = run_logs(dir, &o);
	assert_numbered(out, "svc", 3000);
	free(out);
	o.tail = 2;
	o.has_since = true;
	o.since = at(1, 0);
	out = run_logs(dir, &o);
	assert_string_equal(out, "svc-1  | svc 002998\nsvc-1  | svc 002999\n");
	free(out);
	remove_tmpdir(dir);
}

/* The first and last line numbers of a .gz, read by the gzip program */
static void gz_range(const char *dir, const char *name, long *first, long *last)
{
	_cleanup_free_ char *cmd =
	    lxr_xasprintf("gzip -dc '%s/%s' | sed -n '1p;$p' | sed 's/.* //'", dir, name);
	FILE *p = popen(cmd, "r");

	assert_non_null(p);
	assert_int_equal(fscanf(p, "%ld %ld", first, last), 2);
	assert_int_equal(pclose(p), 0);
}

/* A damaged .gz: its lines up to the damage, then the next file's, the
 * other files whole */
static void damaged_gz_gives_its_lines_up_to_the_damage(void **state)
{
	char *dir = make_tmpdir();
	struct log_writer_opts wo = {.max_size = 4096, .max_file = 100, .compress = true};
	struct log_writer *w = open_writer(dir, "svc", &wo);
	struct logs_opts o = {.tail = -1};
	_cleanup_free_ char *path = lxr_xasprintf("%s/svc.log.15.gz", dir);
	struct stat st;
	long first, last, want = 0, seen_damaged = 0;
	char *out;

	write_numbered(w, "svc", 0, 3000);
	log_writer_close(w, &(struct timespec){0});
	gz_range(dir, "svc.log.15.gz", &first, &last);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size / 2), 0);
	out = run_logs(dir, &o);
	for (const char *p = out; *p;) {
		const char *nl = strchr(p, '\n');
		long n;

		assert_non_null(nl);
		assert_int_equal(sscanf(p, "svc-1  | svc %ld", &n), 1);
		if (n != want) {
			/* the one gap: from within the damaged file to its end */
			assert_true(want > first && want <= last);
			assert_int_equal(n, last + 1);
		}
		if (n >= first && n <= last)
			seen_damaged++;
		want = n + 1;
		p = nl + 1;
	}
	assert_int_equal(want, 3000);
	assert_true(seen_damaged > 0 && seen_damaged < last - first + 1);
	free(out);
	remove_tmpdir(dir);
}

static void expect_line(struct log_cursor *c, const char *want)
{
	struct log_line l;
	lxr_err err;

	assert_int_equal(log_cursor_next(c, &l, &err), 1);
	assert_int_equal(l.len, strlen(want));
	assert_memory_equal(l.text, want, l.len);
}

/* A reader half way through a rotated file when it is compressed (the
 * plain file removed) goes on after it, not from the oldest file again:
 * the .gz names the file it was made from. */
static void reader_keeps_its_place_across_compression(void **state)
{
	char *dir = make_tmpdir();
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* 4 records a file */
	struct log_writer_opts wo = {.max_size = 4 * 52, .max_file = 5, .compress = true};
	struct log_writer *w = open_writer(dir, "svc", &wo);
	struct log_cursor *c = log_cursor_new(dfd, "svc", NULL);
	char want[32];
	struct log_line l;
	lxr_err err;

	write_numbered(w, "svc", 0, 6); /* 0-3 in svc.log.1, compression pending */
	assert_true(exists(dir, "svc.log.1"));
	expect_line(c, "svc 000000");
	expect_line(c, "svc 000001");
	while (log_writer_busy(w))
		log_writer_work(w);
	assert_false(exists(dir, "svc.log.1"));
	write_numbered(w, "svc", 6, 12); /* .1.gz shifts to .2.gz */
	log_writer_close(w, &(struct timespec){0});
	assert_true(exists(dir, "svc.log.2.gz"));
	for (int i = 2; i < 12; i++) {
		snprintf(want, sizeof(want), "svc %06d", i);
		expect_line(c, want);
	}
	assert_int_equal(log_cursor_next(c, &l, &err), 0);
	assert_int_equal(log_cursor_malformed(c), 0);
	log_cursor_free(c);
	close(dfd);
	remove_tmpdir(dir);
}

/* driver none: `lxr logs` of that service alone is docker's error; beside
 * others, their lines show; its old log went when it was marked */
static void unlogged_service(void **state)
{
	char *dir = make_tmpdir();
	struct log_writer *q = open_writer(dir, "quiet", NULL);
	char *only[] = {"quiet", NULL}, *both[] = {"quiet", "web", NULL};
	struct logs_opts o = {.tail = -1, .stop_fd = -1, .services = only};
	_cleanup_free_ char *out = NULL, *out2 = NULL, *drv = NULL;
	int dfd;
	lxr_err err;
	FILE *f;
	char *buf = NULL;
	size_t len = 0;

	feed(q, LOG_STDOUT, "from before\n", at(0, 0));
	log_writer_close(q, &(struct timespec){0});
	two_services(dir);
	assert_int_equal(log_nolog_set(dir, "quiet", "none", &err), 0);
	assert_false(exists(dir, "quiet.log"));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	drv = log_nolog_driver(dfd, "quiet");
	assert_string_equal(drv, "none");
	assert_null(log_nolog_driver(dfd, "web"));
	close(dfd);

	f = open_memstream(&buf, &len);
	assert_int_equal(logs_run(dir, &o, f, &err), -1);
	fclose(f);
	assert_string_equal(buf, "");
	free(buf);
	assert_string_equal(err.msg, "service \"quiet\": configured logging driver \"none\" does "
				     "not support reading");
	o.services = both;
	out = run_logs(dir, &o);
	assert_string_equal(out, "web-1  | w1\nweb-1  | w2 on stderr\nweb-1  | w3\n");
	o.services = NULL;
	out2 = run_logs(dir, &o);
	assert_non_null(strstr(out2, "api-1  | a1\n"));
	assert_null(strstr(out2, "before"));
	log_nolog_clear(dir, "quiet");
	assert_false(exists(dir, "quiet.nolog"));
	remove_tmpdir(dir);
}

/* A service with replicas: a log each (web.log, web@2.log), each line
 * prefixed with its replica ("web-1", as compose names the container); a
 * name picks the service or one replica, --index one replica of each; the
 * none driver's marker removes every replica's log */
static void replicas_have_a_log_each(void **state)
{
	char *dir = make_tmpdir();
	struct log_writer *a = open_writer(dir, "api", NULL);
	struct log_writer *w1 = open_writer(dir, "web", NULL);
	struct log_writer *w2 = open_writer(dir, "web@2", NULL);
	char *web[] = {"web", NULL}, *two[] = {"web@2", NULL}, *one[] = {"web@1", NULL};
	char *three[] = {"web@3", NULL}, svc[32];
	struct logs_opts o = {.tail = -1, .stop_fd = -1};
	_cleanup_free_ char *all = NULL, *only = NULL, *r2 = NULL, *r1 = NULL, *idx = NULL;
	lxr_err err;
	FILE *f;
	char *buf = NULL;
	size_t len = 0;

	assert_int_equal(log_replica("web", svc, sizeof(svc)), 1);
	assert_string_equal(svc, "web");
	assert_int_equal(log_replica("my-web_2.x@12", svc, sizeof(svc)), 12);
	assert_string_equal(svc, "my-web_2.x");
	assert_int_equal(log_replica("web@0", svc, sizeof(svc)), 1);
	assert_string_equal(svc, "web@0");
	/* partial lines of two replicas stay each its own */
	feed(w1, LOG_STDOUT, "one-", at(1, 0));
	feed(w2, LOG_STDOUT, "two-", at(2, 0));
	feed(a, LOG_STDOUT, "a1\n", at(3, 0));
	feed(w2, LOG_STDOUT, "b\n", at(4, 0));
	feed(w1, LOG_STDOUT, "a\n", at(5, 0));
	log_writer_close(a, &(struct timespec){0});
	log_writer_close(w1, &(struct timespec){0});
	log_writer_close(w2, &(struct timespec){0});
	all = run_logs(dir, &o);
	assert_string_equal(all, "api-1  | a1\n"
				 "web-2  | two-b\n"
				 "web-1  | one-a\n");
	o.services = web;
	only = run_logs(dir, &o);
	assert_string_equal(only, "web-2  | two-b\nweb-1  | one-a\n");
	o.services = two;
	r2 = run_logs(dir, &o);
	assert_string_equal(r2, "web-2  | two-b\n");
	o.services = one;
	r1 = run_logs(dir, &o);
	assert_string_equal(r1, "web-1  | one-a\n");
	o.services = NULL;
	o.index = 1;
	idx = run_logs(dir, &o);
	assert_string_equal(idx, "api-1  | a1\nweb-1  | one-a\n");
	o.index = 0;
	o.services = three;
	f = open_memstream(&buf, &len);
	assert_int_equal(logs_run(dir, &o, f, &err), -1);
	fclose(f);
	free(buf);
	assert_non_null(strstr(err.msg, "no log of web-3, replica 3 of service \"web\""));
	assert_int_equal(log_nolog_set(dir, "web", "none", &err), 0);
	assert_false(exists(dir, "web.log"));
	assert_false(exists(dir, "web@2.log"));
	assert_true(exists(dir, "api.log"));
	remove_tmpdir(dir);
}

/* The writer only appends; nothing reads on its path. 100k lines fed as
 * fast as the loop goes all come back. */
static void hundred_thousand_lines_all_come_back(void **state)
{
	char *dir = make_tmpdir();
	struct log_writer *w = open_writer(dir, "bulk", NULL);
	struct logs_opts o = {.tail = -1};
	_cleanup_free_ char *out = NULL;

	write_numbered(w, "bulk", 0, 100000);
	assert_int_equal(log_writer_dropped(w), 0);
	log_writer_close(w, &(struct timespec){0});
	out = run_logs(dir, &o);
	assert_numbered(out, "bulk", 100000);
	remove_tmpdir(dir);
}

static void since_forms(void **state)
{
	struct timespec now = at(3600, 500000000), got;
	lxr_err err;
	static const struct {
		const char *in;
		long sec, nsec;
	} rows[] = {
	    {"2026-11-23T09:16:19Z", T0, 0}, {"2026-11-23T10:16:19.25+01:00", T0, 250000000},
	    {"10m", T0 + 3000, 500000000},   {"1h30m", T0 - 1800, 500000000},
	    {"1700000000", 1700000000, 0},   {"1700000000.5", 1700000000, 500000000},
	    {"0.75s", T0 + 3599, 750000000},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (logs_parse_since(rows[i].in, &now, &got, &err) < 0)
			fail_msg("--since %s: %s", rows[i].in, err.msg);
		if (got.tv_sec != rows[i].sec || got.tv_nsec != rows[i].nsec)
			fail_msg("--since %s: got %ld.%09ld", rows[i].in, (long)got.tv_sec,
				 got.tv_nsec);
	}
	assert_int_equal(logs_parse_since("yesterday", &now, &got, &err), -1);
	assert_string_equal(err.msg, "--since \"yesterday\": not a time");
	assert_non_null(strstr(err.hint, "1h30m"));
	assert_int_equal(logs_parse_since("-5m", &now, &got, &err), -1);
}

static int count_ends(const char *buf)
{
	int n = 0;

	for (const char *p = buf; (p = strstr(p, "| END\n")); p++)
		n++;
	return n;
}

/* Everything the child's `logs -f` printed, up to both services' END. */
static char *read_until_ends(int fd)
{
	char *buf = lxr_xstrdup("");
	size_t len = 0, cap = 1;

	while (count_ends(buf) < 2) {
		ssize_t n;
		if (len + 4096 + 1 > cap) {
			cap = (len + 4096 + 1) * 2;
			buf = lxr_xrealloc(buf, cap);
		}
		n = read(fd, buf + len, 4096);
		if (n <= 0)
			fail_msg("logs -f ended early after %zu bytes", len);
		len += (size_t)n;
		buf[len] = '\0';
	}
	return buf;
}

/* The lines of one service's replica 1 as "svc-1  | text", END dropped.
 * The name column may widen when a service with a longer name appears
 * during -f. */
static char *lines_of(const char *out, const char *svc)
{
	char *res = lxr_xstrdup("");
	_cleanup_free_ char *label = lxr_xasprintf("%s-1", svc);
	size_t n = strlen(label);

	for (const char *p = out; *p;) {
		const char *nl = strchr(p, '\n'), *bar = strstr(p, "| ");
		if (!strncmp(p, label, n) && p[n] == ' ' && bar && bar < nl &&
		    strncmp(bar, "| END\n", 6)) {
			char *m = lxr_xasprintf("%s%s  %.*s\n", res, label, (int)(nl - bar), bar);
			free(res);
			res = m;
		}
		p = nl + 1;
	}
	return res;
}

static void follow_across_rotation_restart_and_new_service(void **state)
{
	char *dir = make_tmpdir();
	struct log_writer_opts wo = {.max_size = 2048, .max_file = 200};
	struct log_writer *w = open_writer(dir, "web", &wo), *late;
	int out[2], stop[2], status;
	_cleanup_free_ char *got = NULL, *web = NULL, *lt = NULL;
	pid_t pid;

	write_numbered(w, "web", 0, 100); /* before -f starts: printed first */
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	assert_int_equal(pipe2(stop, O_CLOEXEC), 0);
	pid = fork();
	if (pid == 0) {
		struct logs_opts o = {.tail = -1, .follow = true, .stop_fd = stop[0]};
		FILE *f = fdopen(out[1], "w");
		lxr_err err;
		int r;

		close(stop[1]); /* else the stop pipe never reads EOF */
		close(out[0]);
		r = logs_run(dir, &o, f, &err);
		if (r < 0)
			lxr_err_print(&err);
		fclose(f);
		_exit(r < 0 ? 1 : 0);
	}
	close(out[1]);
	close(stop[0]);
	write_numbered(w, "web", 100, 1000); /* ~40 rotations while following */
	feed(w, LOG_STDOUT, "web 001", at(2, 0));
	log_writer_flush(w, &(struct timespec){T0 + 2, 0}); /* a P, then its F */
	feed(w, LOG_STDOUT, "000\n", at(2, 1));
	log_writer_close(w, &(struct timespec){0}); /* the service restarts */
	w = open_writer(dir, "web", &wo);
	write_numbered(w, "web", 1001, 2000);
	late = open_writer(dir, "late", NULL); /* a service started later */
	write_numbered(late, "late", 0, 500);
	feed(late, LOG_STDOUT, "END\n", at(9, 0));
	feed(w, LOG_STDOUT, "END\n", at(9, 0));
	got = read_until_ends(out[0]);
	close(stop[1]); /* ends -f */
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(out[0]);
	log_writer_close(w, &(struct timespec){0});
	log_writer_close(late, &(struct timespec){0});
	web = lines_of(got, "web");
	lt = lines_of(got, "late");
	assert_numbered(web, "web", 2000);
	assert_numbered(lt, "late", 500);
	remove_tmpdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(services_merge_by_time),
	    cmocka_unit_test(tail_since_timestamps_and_selection),
	    cmocka_unit_test(partial_records_make_one_line),
	    cmocka_unit_test(rotated_files_read_in_order),
	    cmocka_unit_test(compressed_files_read_in_order),
	    cmocka_unit_test(reader_keeps_its_place_across_compression),
	    cmocka_unit_test(damaged_gz_gives_its_lines_up_to_the_damage),
	    cmocka_unit_test(unlogged_service),
	    cmocka_unit_test(replicas_have_a_log_each),
	    cmocka_unit_test(hundred_thousand_lines_all_come_back),
	    cmocka_unit_test(since_forms),
	    cmocka_unit_test(follow_across_rotation_restart_and_new_service),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
