/* runtime: lxr cp's copy and tar streams on an ordinary directory standing
 * in for a container's root (openat2 RESOLVE_IN_ROOT needs no privilege):
 * docker cp's naming rules, and links and ".." that never lead outside. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lxr/runtime.h"

struct fx {
	char base[64];
	char *root, *outside, *host;
	int rootfd;
};

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *slurp(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char *p;

	snprintf(f->base, sizeof(f->base), "/tmp/lxr-unit-cp.XXXXXX");
	assert_non_null(mkdtemp(f->base));
	f->root = lxr_xasprintf("%s/root", f->base);
	f->outside = lxr_xasprintf("%s/outside", f->base);
	f->host = lxr_xasprintf("%s/host", f->base);
	assert_int_equal(mkdir(f->root, 0755), 0);
	assert_int_equal(mkdir(f->outside, 0755), 0);
	assert_int_equal(mkdir(f->host, 0755), 0);
	p = lxr_xasprintf("%s/secret", f->outside);
	put(p, "outside\n");
	free(p);
	p = lxr_xasprintf("%s/data", f->root);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	p = lxr_xasprintf("%s/data/a", f->root);
	put(p, "in root\n");
	free(p);
	/* what a container would plant */
	p = lxr_xasprintf("%s/abs", f->root);
	assert_int_equal(symlink(f->outside, p), 0);
	free(p);
	p = lxr_xasprintf("%s/rel", f->root);
	assert_int_equal(symlink("../outside", p), 0);
	free(p);
	f->rootfd = open(f->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->rootfd >= 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	lxr_err err;

	close(f->rootfd);
	lxr_rm_rf(f->base, &err);
	free(f->root);
	free(f->outside);
	free(f->host);
	free(f);
	return 0;
}

static void copies_out_with_docker_names(void **state)
{
	struct fx *f = *state;
	struct rt_cp_opts o = {.to_host = true};
	_cleanup_free_ char *into = lxr_xasprintf("%s/h1", f->host);
	_cleanup_free_ char *got = lxr_xasprintf("%s/h1/data/a", f->host);
	lxr_err err;

	assert_int_equal(mkdir(into, 0755), 0);
	/* into an existing directory: under its own name */
	assert_int_equal(rt_cp(f->rootfd, "/data", AT_FDCWD, into, &o, &err), 0);
	assert_string_equal(slurp(got), "in root\n");
}

static void links_stay_in_root(void **state)
{
	struct fx *f = *state;
	struct rt_cp_opts o = {.to_host = true, .follow = true};
	_cleanup_free_ char *dst = lxr_xasprintf("%s/leak", f->host);
	lxr_err err;

	/* /abs/secret and /rel/secret resolve inside root: there is none */
	assert_int_equal(rt_cp(f->rootfd, "/abs/secret", AT_FDCWD, dst, &o, &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	assert_int_equal(rt_cp(f->rootfd, "/rel/secret", AT_FDCWD, dst, &o, &err), -1);
	assert_null(slurp(dst));
}

static void writes_never_follow_links(void **state)
{
	struct fx *f = *state;
	struct rt_cp_opts o = {0};
	_cleanup_free_ char *src = lxr_xasprintf("%s/payload", f->host);
	_cleanup_free_ char *victim = lxr_xasprintf("%s/p", f->outside);
	lxr_err err;

	put(src, "attacker\n");
	/* through a planted directory link: resolved inside root, no such dir */
	assert_int_equal(rt_cp(AT_FDCWD, src, f->rootfd, "/abs/p", &o, &err), -1);
	assert_int_equal(rt_cp(AT_FDCWD, src, f->rootfd, "/rel/p", &o, &err), -1);
	assert_null(slurp(victim));
}

/* A tar stream into root: write it to a pipe-like file, read it back. */
static int tar_file(struct fx *f, const char *name)
{
	_cleanup_free_ char *p = lxr_xasprintf("%s/%s", f->base, name);
	return open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

static void tar_round_trip(void **state)
{
	struct fx *f = *state;
	struct rt_cp_opts o = {0};
	_cleanup_free_ char *got = lxr_xasprintf("%s/back/data/a", f->root);
	_cleanup_free_ char *back = lxr_xasprintf("%s/back", f->root);
	int fd = tar_file(f, "t.tar");
	lxr_err err;

	assert_int_equal(rt_cp_to_tar(f->rootfd, "/data", fd, &o, &err), 0);
	assert_int_equal(mkdir(back, 0755), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(rt_cp_from_tar(fd, f->rootfd, "/back", &o, &err), 0);
	close(fd);
	assert_string_equal(slurp(got), "in root\n");
}

/* one ustar header for name (type, link target) and its data */
static void member(int fd, const char *name, char type, const char *link, const char *data)
{
	char h[512] = {0}, pad[512] = {0};
	size_t n = data ? strlen(data) : 0;
	unsigned sum = 0;

	snprintf(h, 100, "%s", name);
	snprintf(h + 100, 8, "%07o", 0644);
	snprintf(h + 108, 8, "%07o", 0);
	snprintf(h + 116, 8, "%07o", 0);
	snprintf(h + 124, 12, "%011o", (unsigned)(n & 0777));
	snprintf(h + 136, 12, "%011o", 0);
	h[156] = type;
	if (link)
		snprintf(h + 157, 100, "%s", link);
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
	assert_int_equal(write(fd, h, 512), 512);
	if (n) {
		assert_int_equal(write(fd, data, n), (ssize_t)n);
		assert_int_equal(write(fd, pad, (512 - n % 512) % 512),
				 (ssize_t)((512 - n % 512) % 512));
	}
}

static void tar_refuses_dotdot_and_links(void **state)
{
	struct fx *f = *state;
	struct rt_cp_opts o = {0};
	_cleanup_free_ char *victim = lxr_xasprintf("%s/p", f->outside);
	_cleanup_free_ char *dotdot = lxr_xasprintf("%s/dd", f->outside);
	char end[1024] = {0};
	int fd = tar_file(f, "evil.tar");
	lxr_err err;

	/* a link the stream makes, then a member through it */
	member(fd, "lnk", '2', f->outside, NULL);
	member(fd, "lnk/p", '0', NULL, "attacker\n");
	assert_int_equal(write(fd, end, sizeof(end)), (ssize_t)sizeof(end));
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(rt_cp_from_tar(fd, f->rootfd, "/data", &o, &err), -1);
	assert_int_equal(err.errnum, ENOTDIR);
	assert_null(slurp(victim));
	close(fd);

	fd = tar_file(f, "dots.tar");
	member(fd, "../outside/dd", '0', NULL, "attacker\n");
	assert_int_equal(write(fd, end, sizeof(end)), (ssize_t)sizeof(end));
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(rt_cp_from_tar(fd, f->rootfd, "/data", &o, &err), -1);
	assert_int_equal(err.errnum, EPERM);
	assert_null(slurp(dotdot));
	close(fd);

	/* the container's own link as the destination: resolved in root */
	fd = tar_file(f, "plain.tar");
	member(fd, "p", '0', NULL, "attacker\n");
	assert_int_equal(write(fd, end, sizeof(end)), (ssize_t)sizeof(end));
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(rt_cp_from_tar(fd, f->rootfd, "/abs", &o, &err), -1);
	assert_null(slurp(victim));
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(copies_out_with_docker_names, setup, teardown),
	    cmocka_unit_test_setup_teardown(links_stay_in_root, setup, teardown),
	    cmocka_unit_test_setup_teardown(writes_never_follow_links, setup, teardown),
	    cmocka_unit_test_setup_teardown(tar_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(tar_refuses_dotdot_and_links, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
