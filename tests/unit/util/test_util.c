/* util layer: error values, byte sizes, string vectors, atomic files. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "lxr/util.h"

static void error_gains_context(void **state)
{
	lxr_err err;
	char buf[2048];

	assert_int_equal(lxr_fail(&err, EINVAL, "mount overlay on %s", "/x"), -1);
	lxr_err_wrap(&err, "container %s", "web");
	assert_string_equal(err.msg, "container web: mount overlay on /x");
	assert_string_equal(lxr_err_str(&err, buf, sizeof(buf)),
			    "container web: mount overlay on /x: Invalid argument (EINVAL)");
	lxr_err_hint(&err, "put upper and work on one filesystem");
	assert_string_equal(err.hint, "put upper and work on one filesystem");
	lxr_fail(&err, 0, "plain");
	assert_string_equal(lxr_err_str(&err, buf, sizeof(buf)), "plain");
	assert_string_equal(err.hint, "");
}

/* A chain too long for the buffer loses its middle, never the reason at
 * its end nor the context at its start. */
static void err_wrap_keeps_reason(void **state)
{
	char big[3000];
	lxr_err err;
	size_t n;

	memset(big, 'g', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	lxr_fail(&err, EINVAL, "\"%.900s\": not a valid name", big);
	lxr_err_wrap(&err, "image reference \"%s\"", big);
	n = strlen(err.msg);
	assert_true(n < sizeof(err.msg));
	assert_string_equal(err.msg + n - strlen(": not a valid name"), ": not a valid name");
	assert_non_null(strstr(err.msg, "ggg...ggg"));
	assert_true(lxr_str_has_prefix(err.msg, "image reference \"ggg"));
	/* a short reason is kept whole after a long context */
	lxr_fail(&err, ENOENT, "no such file");
	lxr_err_wrap(&err, "open %s", big);
	n = strlen(err.msg);
	assert_string_equal(err.msg + n - strlen("g: no such file"), "g: no such file");
	assert_true(lxr_str_has_prefix(err.msg, "open ggg"));
}

static void strv_push_and_dup(void **state)
{
	_cleanup_strv_ char **v = NULL;
	_cleanup_strv_ char **d = NULL;

	lxr_strv_push(&v, lxr_xstrdup("a"));
	lxr_strv_push(&v, lxr_xstrdup("b"));
	assert_int_equal(lxr_strv_len(v), 2);
	d = lxr_strv_dup(v);
	assert_string_equal(d[1], "b");
	assert_null(d[2]);
}

static void atomic_write_replaces_whole_file(void **state)
{
	char dir[] = "/tmp/lxr-test-XXXXXX";
	_cleanup_close_ int dfd = -1;
	_cleanup_free_ char *got = NULL;
	lxr_err err;
	size_t len;

	assert_non_null(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	assert_int_equal(lxr_write_file_atomic(dfd, "f", "one", 3, 0600, &err), 0);
	assert_int_equal(lxr_write_file_atomic(dfd, "f", "second", 6, 0600, &err), 0);
	assert_int_equal(lxr_read_file_at(dfd, "f", &got, &len, &err), 0);
	assert_string_equal(got, "second");
	assert_int_equal(len, 6);
	assert_int_equal(lxr_read_file_at(dfd, "missing", &got, &len, &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	assert_int_equal(lxr_rm_rf(dir, &err), 0);
	assert_int_equal(access(dir, F_OK), -1);
}

/* A tree far deeper than the descriptors lxr may hold (a container can
 * make one) is removed whole, with files at every level. */
static void rm_rf_removes_a_deep_tree(void **state)
{
	char dir[] = "/tmp/lxr-test-XXXXXX";
	struct rlimit old, low;
	_cleanup_close_ int top = -1;
	int fd;
	lxr_err err;

	(void)state;
	assert_non_null(mkdtemp(dir));
	top = open(dir, O_RDONLY | O_DIRECTORY);
	fd = dup(top);
	for (int i = 0; i < 3000; i++) {
		int next;
		assert_int_equal(mkdirat(fd, "d", 0700), 0);
		close(openat(fd, "f", O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
		next = openat(fd, "d", O_RDONLY | O_DIRECTORY);
		assert_true(next >= 0);
		close(fd);
		fd = next;
	}
	close(fd);
	getrlimit(RLIMIT_NOFILE, &old);
	low = old;
	low.rlim_cur = 128;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	assert_int_equal(lxr_rm_rf(dir, &err), 0);
	setrlimit(RLIMIT_NOFILE, &old);
	assert_int_equal(access(dir, F_OK), -1);
}

/* A bind of a directory of the same filesystem inside the tree (the
 * device is the same) stops the removal: what it shows is not the tree's.
 * In a mount namespace of its own; mounting needs root. */
static void rm_rf_stops_at_a_same_fs_bind(void **state)
{
	char dir[] = "/tmp/lxr-test-XXXXXX";
	int st;
	pid_t pid;

	(void)state;
	if (geteuid() != 0)
		skip(); /* a bind mount needs root; CI has it */
	assert_non_null(mkdtemp(dir));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		_cleanup_free_ char *keep = lxr_xasprintf("%s/keep", dir);
		_cleanup_free_ char *top = lxr_xasprintf("%s/top", dir);
		_cleanup_free_ char *mnt = lxr_xasprintf("%s/top/a/mnt", dir);
		_cleanup_free_ char *kept = lxr_xasprintf("%s/keep/file", dir);
		lxr_err err;
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(2);
		_cleanup_free_ char *a = lxr_xasprintf("%s/top/a", dir);
		if (mkdir(keep, 0700) < 0 || mkdir(top, 0700) < 0 || mkdir(a, 0700) < 0 ||
		    mkdir(mnt, 0700) < 0)
			_exit(6);
		close(open(kept, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
		if (mount(keep, mnt, NULL, MS_BIND, NULL) < 0)
			_exit(3);
		if (lxr_rm_rf(top, &err) == 0 || err.errnum != EBUSY)
			_exit(4);
		if (access(kept, F_OK) < 0)
			_exit(5);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	{
		_cleanup_free_ char *kept = lxr_xasprintf("%s/keep/file", dir);
		assert_int_equal(access(kept, F_OK), 0);
	}
	lxr_err err;
	assert_int_equal(lxr_rm_rf(dir, &err), 0);
}

/* What a writer killed between create and rename leaves is known by its
 * name, and a sweep removes it when the writer is gone, and only then. */
static void temp_names_are_swept_when_their_writer_is_dead(void **state)
{
	char dir[] = "/tmp/lxr-test-XXXXXX";
	_cleanup_free_ char *mine = lxr_tmp_name("s6-1");
	_cleanup_free_ char *p = NULL;
	_cleanup_close_ int dfd = -1;
	lxr_err err;
	pid_t dead = fork();

	if (dead == 0)
		_exit(0);
	assert_true(dead > 0);
	waitpid(dead, NULL, 0);
	assert_int_equal(lxr_tmp_name_pid(mine), (int)getpid());
	assert_int_equal(lxr_tmp_name_pid(".a.tmp.b.tmp.42"), 42);
	assert_int_equal(lxr_tmp_name_pid("s6-1"), 0);
	assert_int_equal(lxr_tmp_name_pid(".s6-1"), 0);
	assert_int_equal(lxr_tmp_name_pid(".s6-1.tmp."), 0);
	assert_int_equal(lxr_tmp_name_pid(".s6-1.tmp.12x"), 0);
	assert_int_equal(lxr_tmp_name_pid("..tmp.12"), 0);

	assert_non_null(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	assert_int_equal(lxr_write_file_new(dfd, mine, "x", 1, 0600, &err), 0);
	p = lxr_xasprintf(".s6-2" LXR_TMP_INFIX "%d", (int)dead);
	assert_int_equal(lxr_write_file_new(dfd, p, "x", 1, 0600, &err), 0);
	free(p);
	p = lxr_xasprintf(".c1" LXR_TMP_INFIX "%d", (int)dead);
	assert_int_equal(mkdirat(dfd, p, 0700), 0);
	assert_int_equal(lxr_write_file_new(dfd, "kept", "x", 1, 0600, &err), 0);

	assert_int_equal(lxr_tmp_sweep(dir, false, &err), 0);
	assert_int_equal(faccessat(dfd, mine, F_OK, 0), 0); /* this writer lives */
	assert_int_equal(faccessat(dfd, p, F_OK, 0), -1);
	assert_int_equal(faccessat(dfd, "kept", F_OK, 0), 0);
	assert_int_equal(lxr_tmp_sweep(dir, true, &err), 0);
	assert_int_equal(faccessat(dfd, mine, F_OK, 0), -1);
	assert_int_equal(faccessat(dfd, "kept", F_OK, 0), 0);
	assert_int_equal(lxr_rm_rf(dir, &err), 0);
}

/* After a power cut the pids in a temp name are handed out again: a name
 * written before this boot whose pid now belongs to another program is
 * dead; one of this boot is its live writer's. */
static void temp_names_of_an_earlier_boot_are_dead(void **state)
{
	char dir[] = "/tmp/lxr-test-XXXXXX";
	const struct timespec long_ago[2] = {{.tv_sec = 1000}, {.tv_sec = 1000}};
	_cleanup_free_ char *name = lxr_tmp_name("boot");
	_cleanup_strv_ char **found = NULL;
	_cleanup_close_ int dfd = -1;
	lxr_err err;

	assert_non_null(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	assert_int_equal(lxr_write_file_new(dfd, name, "x", 1, 0600, &err), 0);
	/* this process (not lxr) lives: a name of this boot stays */
	assert_false(lxr_tmp_writer_gone(dfd, name, (int)getpid()));
	assert_int_equal(lxr_tmp_find_dead(dir, &found), 0);
	assert_int_equal(lxr_strv_len(found), 0);
	/* the same name from before this boot: its pid is someone else's now */
	assert_int_equal(utimensat(dfd, name, long_ago, 0), 0);
	assert_true(lxr_tmp_writer_gone(dfd, name, (int)getpid()));
	assert_int_equal(lxr_tmp_find_dead(dir, &found), 0);
	assert_int_equal(lxr_strv_len(found), 1);
	assert_int_equal(faccessat(dfd, name, F_OK, 0), 0); /* found, not removed */
	assert_int_equal(lxr_tmp_sweep(dir, false, &err), 0);
	assert_int_equal(faccessat(dfd, name, F_OK, 0), -1);
	assert_int_equal(lxr_rm_rf(dir, &err), 0);
}

static void mkdir_p_and_rm_rf(void **state)
{
	char dir[] = "/tmp/lxr-test-XXXXXX";
	_cleanup_free_ char *deep = NULL;
	_cleanup_free_ char *link = NULL;
	lxr_err err;

	assert_non_null(mkdtemp(dir));
	deep = lxr_xasprintf("%s/a/b/c", dir);
	assert_int_equal(lxr_mkdir_p(deep, 0755, &err), 0);
	/* a symlink inside the tree is removed, its target is not followed */
	link = lxr_xasprintf("%s/a/tmp-link", dir);
	assert_int_equal(symlink("/tmp", link), 0);
	assert_int_equal(lxr_rm_rf(dir, &err), 0);
	assert_int_equal(access(dir, F_OK), -1);
	assert_int_equal(access("/tmp", F_OK), 0);
}

static void open_in_root_cannot_escape(void **state)
{
	char dir[] = "/tmp/lxr-test-XXXXXX";
	_cleanup_free_ char *p = NULL;
	_cleanup_close_ int root = -1, fd = -1;
	lxr_err err;
	struct stat a, b;

	assert_non_null(mkdtemp(dir));
	p = lxr_xasprintf("%s/escape", dir);
	assert_int_equal(symlink("/../../etc", p), 0);
	root = open(dir, O_PATH | O_DIRECTORY);
	/* "escape" resolves to <root>/etc, which does not exist */
	fd = lxr_open_in_root(root, "/escape/passwd", O_RDONLY, 0, &err);
	assert_int_equal(fd, -1);
	assert_int_equal(err.errnum, ENOENT);
	fd = lxr_open_in_root(root, "/", O_RDONLY | O_DIRECTORY, 0, &err);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(stat(dir, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(lxr_rm_rf(dir, &err), 0);
}

/* Text from a container, fit for a terminal: every control character
 * (C0, DEL, C1 in UTF-8 or as a raw byte) and every byte that is not
 * well-formed UTF-8 is one '?'; characters stay. */
static void term_safe_text(void **state)
{
	static const struct {
		const char *in, *out, *out_lines;
	} cases[] = {
	    {"plain words", "plain words", "plain words"},
	    {"a\033[31mred\033[0m", "a?[31mred?[0m", "a?[31mred?[0m"},
	    {"\033]0;title\007", "?]0;title?", "?]0;title?"},
	    {"csi \xc2\x9b"
	     "31m",
	     "csi ?31m", "csi ?31m"}, /* U+009B */
	    {"raw \x9b"
	     "31m",
	     "raw ?31m", "raw ?31m"},
	    {"latin-1 caf\xe9", "latin-1 caf?", "latin-1 caf?"},
	    {"utf-8 caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3",
	     "utf-8 caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3",
	     "utf-8 caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3"},
	    {"overlong \xc0\xaf", "overlong ??", "overlong ??"},
	    {"surrogate \xed\xa0\x80", "surrogate ???", "surrogate ???"},
	    {"cut \xe2\x82", "cut ??", "cut ??"},
	    {"del\x7f", "del?", "del?"},
	    {"two\nlines\tand a tab", "two?lines?and a tab", "two\nlines\tand a tab"},
	};
	char buf[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", cases[i].in);
		assert_string_equal(lxr_term_safe(buf, false), cases[i].out);
		snprintf(buf, sizeof(buf), "%s", cases[i].in);
		assert_string_equal(lxr_term_safe(buf, true), cases[i].out_lines);
	}
}

/* Renames anywhere on the host make openat2's RESOLVE_IN_ROOT fail with
 * EAGAIN now and then while a walk goes through ".." (the kernel cannot
 * prove the walk stayed inside). With another process renaming a file in a
 * loop, the bare call fails so (the race is there: thousands of times in
 * 100,000 here) and lxr_openat2 never does. */
static void openat2_survives_renames(void **state)
{
	char dir[] = "/tmp/lxr-test-XXXXXX";
	_cleanup_free_ char *d = NULL, *x1 = NULL, *x2 = NULL;
	_cleanup_close_ int root = -1;
	struct open_how how = {.flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
	int bare_eagain = 0, failed = 0, status;
	lxr_err err;
	pid_t pid;

	(void)state;
	assert_non_null(mkdtemp(dir));
	d = lxr_xasprintf("%s/d", dir);
	x1 = lxr_xasprintf("%s/x1", dir), x2 = lxr_xasprintf("%s/x2", dir);
	assert_int_equal(mkdir(d, 0755), 0);
	root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(lxr_write_file_new(root, "f", "", 0, 0644, &err), 0);
	assert_int_equal(lxr_write_file_new(root, "x1", "", 0, 0644, &err), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		for (;;)
			(void)(rename(x1, x2) + rename(x2, x1));
	/* until the bare call has met the race (which a busy machine may
	 * keep the renamer from running into for a while), boundedly */
	int i = 0;
	for (; i < 5000000 && (i < 100000 || !bare_eagain); i++) {
		int fd = (int)syscall(SYS_openat2, root, "d/../d/../f", &how, sizeof(how));
		bare_eagain += fd < 0 && errno == EAGAIN;
		if (fd >= 0)
			close(fd);
		fd = lxr_openat2(root, "d/../d/../f", &how);
		failed += fd < 0;
		if (fd >= 0)
			close(fd);
	}
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(lxr_rm_rf(dir, &err), 0);
	print_message("bare openat2: %d EAGAIN in %d\n", bare_eagain, i);
	assert_true(bare_eagain > 0);
	assert_int_equal(failed, 0);
}

/* Filling a volume: contents, owner, mode, set-id bits and times come over;
 * a symlink is copied as a link (never followed, so one pointing out of
 * the source copies nothing from there); fifos stay fifos. */
static void copy_tree_keeps_what_docker_keeps(void **state)
{
	char src[] = "/tmp/lxr-test-XXXXXX", dst[] = "/tmp/lxr-test-XXXXXX";
	_cleanup_free_ char *f = NULL, *d = NULL, *l = NULL, *fifo = NULL, *out = NULL;
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int s = -1, t = -1;
	const struct timespec when[2] = {{1000000000, 0}, {1000000000, 0}};
	struct stat st;
	char buf[64];
	size_t len;
	lxr_err err;

	assert_non_null(mkdtemp(src));
	assert_non_null(mkdtemp(dst));
	d = lxr_xasprintf("%s/sub/deeper", src);
	assert_int_equal(lxr_mkdir_p(d, 0750, &err), 0);
	f = lxr_xasprintf("%s/sub/deeper/file", src);
	{
		_cleanup_close_ int fd = open(f, O_WRONLY | O_CREAT | O_EXCL, 0640);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, "payload", 7), 7);
	}
	assert_int_equal(chown(f, 1234, 5678), 0);
	assert_int_equal(chmod(f, 04755), 0);
	assert_int_equal(utimensat(AT_FDCWD, f, when, 0), 0);
	l = lxr_xasprintf("%s/passwd-link", src);
	assert_int_equal(symlink("/etc/passwd", l), 0);
	fifo = lxr_xasprintf("%s/pipe", src);
	assert_int_equal(mkfifo(fifo, 0600), 0);

	s = open(src, O_RDONLY | O_DIRECTORY);
	t = open(dst, O_RDONLY | O_DIRECTORY);
	assert_true(lxr_dir_is_empty(t));
	assert_int_equal(lxr_copy_tree(s, t, "/src", &err), 0);
	assert_false(lxr_dir_is_empty(t));

	out = lxr_xasprintf("%s/sub/deeper/file", dst);
	assert_int_equal(lxr_read_file_at(AT_FDCWD, out, &text, &len, &err), 0);
	assert_string_equal(text, "payload");
	assert_int_equal(stat(out, &st), 0);
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_gid, 5678);
	assert_int_equal(st.st_mode & 07777, 04755);
	assert_int_equal(st.st_mtim.tv_sec, 1000000000);
	free(out);
	out = lxr_xasprintf("%s/sub/deeper", dst);
	assert_int_equal(stat(out, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0750);
	free(out);
	out = lxr_xasprintf("%s/passwd-link", dst);
	assert_int_equal(lstat(out, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	len = (size_t)readlink(out, buf, sizeof(buf) - 1);
	buf[len] = 0;
	assert_string_equal(buf, "/etc/passwd");
	free(out);
	out = lxr_xasprintf("%s/pipe", dst);
	assert_int_equal(lstat(out, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));

	/* a second copy into a non-empty destination refuses, changing nothing */
	assert_int_equal(lxr_copy_tree(s, t, "/src", &err), -1);
	assert_int_equal(err.errnum, EEXIST);
	assert_int_equal(lxr_rm_rf(src, &err), 0);
	assert_int_equal(lxr_rm_rf(dst, &err), 0);
}

/* "did you mean": adjacent transpositions are one edit; nothing beyond the
 * limit, and never the word itself */
static void scan_datetime(void **state)
{
	struct tm tm;
	int parts;
	const char *end;

	(void)state;
	end = lxr_scan_datetime("2026-11-23T09:16:19.5Z", &tm, &parts);
	assert_non_null(end);
	assert_string_equal(end, ".5Z");
	assert_int_equal(parts, 3);
	assert_int_equal(tm.tm_year, 126);
	assert_int_equal(tm.tm_mon, 10);
	assert_int_equal(tm.tm_mday, 23);
	assert_int_equal(tm.tm_hour, 9);
	assert_int_equal(tm.tm_min, 16);
	assert_int_equal(tm.tm_sec, 19);
	end = lxr_scan_datetime("2026-11-23T09:16", &tm, &parts);
	assert_string_equal(end, "");
	assert_int_equal(parts, 2);
	end = lxr_scan_datetime("2026-11-23", &tm, &parts);
	assert_string_equal(end, "");
	assert_int_equal(parts, 1);
	assert_int_equal(tm.tm_hour, 0);
	/* a time cut short stops where the date (or the minutes) ended */
	end = lxr_scan_datetime("2026-11-23T09", &tm, &parts);
	assert_string_equal(end, "T09");
	assert_int_equal(parts, 1);
	end = lxr_scan_datetime("2026-11-23T09:16:", &tm, &parts);
	assert_string_equal(end, ":");
	assert_int_equal(parts, 2);
	assert_null(lxr_scan_datetime("2026-13-01", &tm, &parts));
	assert_null(lxr_scan_datetime("26-1", &tm, &parts));
	assert_null(lxr_scan_datetime("10m", &tm, &parts));
	assert_int_equal(parts, 0);
}

/* the kernel's rule for a link's name (dev_valid_name), and no template */
static void ifname_valid(void **state)
{
	(void)state;
	assert_true(lxr_ifname_valid("br-mailcow"));
	assert_true(lxr_ifname_valid("a.b"));
	assert_true(lxr_ifname_valid("123456789012345"));
	assert_false(lxr_ifname_valid("1234567890123456")); /* IFNAMSIZ - 1 at most */
	assert_false(lxr_ifname_valid(""));
	assert_false(lxr_ifname_valid("."));
	assert_false(lxr_ifname_valid(".."));
	assert_false(lxr_ifname_valid("br/0"));
	assert_false(lxr_ifname_valid("br:0"));
	assert_false(lxr_ifname_valid("br 0"));
	assert_false(lxr_ifname_valid("br\t0"));
	assert_false(lxr_ifname_valid("br%d"));
}

static void did_you_mean(void **state)
{
	const char *const svcs[] = {"web", "webserver", "db"};
	const char *const opts[] = {"detach", "services", "follow"};

	(void)state;
	assert_int_equal(lxr_edit_distance("wbe", "web"), 1);
	assert_int_equal(lxr_edit_distance("kitten", "sitting"), 3);
	assert_int_equal(lxr_edit_distance("", "abc"), 3);
	assert_string_equal(lxr_did_you_mean("wbe", svcs, 3, 0), "web");
	assert_string_equal(lxr_did_you_mean("websrver", svcs, 3, 0), "webserver");
	assert_string_equal(lxr_did_you_mean("detahc", opts, 3, 0), "detach");
	assert_null(lxr_did_you_mean("cache", svcs, 3, 0));
	assert_null(lxr_did_you_mean("web", svcs, 3, 0)); /* itself; "db" is 2 away */
	assert_string_equal(lxr_did_you_mean("dc", svcs, 3, 2), "db");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(error_gains_context),
	    cmocka_unit_test(err_wrap_keeps_reason),
	    cmocka_unit_test(strv_push_and_dup),
	    cmocka_unit_test(atomic_write_replaces_whole_file),
	    cmocka_unit_test(rm_rf_removes_a_deep_tree),
	    cmocka_unit_test(rm_rf_stops_at_a_same_fs_bind),
	    cmocka_unit_test(temp_names_are_swept_when_their_writer_is_dead),
	    cmocka_unit_test(temp_names_of_an_earlier_boot_are_dead),
	    cmocka_unit_test(mkdir_p_and_rm_rf),
	    cmocka_unit_test(open_in_root_cannot_escape),
	    cmocka_unit_test(openat2_survives_renames),
	    cmocka_unit_test(term_safe_text),
	    cmocka_unit_test(copy_tree_keeps_what_docker_keeps),
	    cmocka_unit_test(did_you_mean),
	    cmocka_unit_test(ifname_valid),
	    cmocka_unit_test(scan_datetime),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
