/* runtime: "-u user:group" resolution against fixture root filesystems,
 * including hostile ones whose /etc/passwd points at the host's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "lxr/runtime.h"

#define BASIC   LXR_TEST_DATA "/rootfs-basic"
#define NOFILES LXR_TEST_DATA "/rootfs-nofiles"

struct want {
	const char *user;
	uid_t uid;
	gid_t gid;
	size_t n;
	gid_t gids[4];
};

static void check_resolves(const char *rootfs, const struct want *w)
{
	struct lxr_spec spec = {0};
	lxr_err err = {0};

	if (rt_user_resolve(rootfs, w->user, &spec, &err) < 0)
		fail_msg("\"%s\": %s", w->user, err.msg);
	assert_int_equal(spec.uid, w->uid);
	assert_int_equal(spec.gid, w->gid);
	assert_int_equal(spec.n_additional_gids, w->n);
	for (size_t i = 0; i < w->n; i++)
		assert_int_equal(spec.additional_gids[i], w->gids[i]);
	free(spec.additional_gids);
}

static void names_numbers_and_groups(void **state)
{
	static const struct want cases[] = {
	    /* a name: its passwd gid (also the first supplementary group,
	     * as docker's), plus every group listing it by name
	     * ("apprentice" lists "apprentice", which is not "app") */
	    {"app", 1000, 1000, 4, {1000, 10, 29, 2000}},
	    {"root", 0, 0, 1, {0}},
	    {"daemon", 1, 1, 2, {1, 10}},
	    /* a number is a uid even when a user is named like it */
	    {"1000", 1000, 1000, 4, {1000, 10, 29, 2000}},
	    {"4321", 4321, 4321, 1, {4321}},
	    {"1234", 1234, 0, 1, {0}},
	    /* a uid without a passwd line: gid 0, no other group (docker) */
	    {"5555", 5555, 0, 1, {0}},
	    /* an explicit group is the gid and the only supplementary one */
	    {"app:staff", 1000, 50, 1, {50}},
	    {"app:50", 1000, 50, 1, {50}},
	    {"app:777", 1000, 777, 1, {777}},
	    {"5555:audio", 5555, 29, 1, {29}},
	    {"0:0", 0, 0, 1, {0}},
	    /* both parts optional (runc's GetExecUser, for docker): an
	     * empty user is uid 0, an empty group the user's own, so
	     * "${UID}:${GID}" with both unset runs as root */
	    {":", 0, 0, 1, {0}},
	    {":staff", 0, 50, 1, {50}},
	    {"app:", 1000, 1000, 4, {1000, 10, 29, 2000}},
	    {"5555:", 5555, 0, 1, {0}},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_resolves(BASIC, &cases[i]);
}

static void check_fails(const char *rootfs, const char *user, int errnum, const char *msg_has)
{
	struct lxr_spec spec = {.uid = 42, .gid = 43};
	lxr_err err = {0};

	assert_int_equal(rt_user_resolve(rootfs, user, &spec, &err), -1);
	assert_int_equal(err.errnum, errnum);
	if (!strstr(err.msg, msg_has))
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", user, err.msg, msg_has);
	/* nothing half-set */
	assert_int_equal(spec.uid, 42);
	assert_int_equal(spec.gid, 43);
	assert_null(spec.additional_gids);
}

static void unknown_names_are_errors(void **state)
{
	struct lxr_spec spec = {0};
	lxr_err err = {0};

	check_fails(BASIC, "nobody", 0, "unknown user \"nobody\": not in the image's /etc/passwd");
	check_fails(BASIC, "app:nogroup", 0,
		    "unknown group \"nogroup\": not in the image's /etc/group");
	check_fails(BASIC, "99999999999", ERANGE, "uid 99999999999 is out of range");
	check_fails(BASIC, "app:4294967295", ERANGE, "gid 4294967295 is out of range");
	check_fails(BASIC, "", EINVAL, "expected user, uid, user:group or uid:gid");
	assert_int_equal(rt_user_resolve(BASIC, "nobody", &spec, &err), -1);
	assert_non_null(strstr(err.hint, "numeric id"));
}

static void missing_files(void **state)
{
	static const struct want numeric = {"1000:1000", 1000, 1000, 1, {1000}};

	check_resolves(NOFILES, &numeric);
	check_fails(NOFILES, "app", ENOENT, "(the file does not exist)");
	check_fails(NOFILES, "0:wheel", ENOENT, "unknown group \"wheel\"");
}

/* The host's /etc/passwd has root; if any of these read it, "root" would
 * resolve. Inside the fixture root the links point back at themselves. */
static void hostile_links_stay_inside(void **state)
{
	static const struct want inside = {"inside", 777, 778, 1, {778}};

	check_fails(LXR_TEST_DATA "/hostile-abs", "root", ELOOP, "etc/passwd");
	check_fails(LXR_TEST_DATA "/hostile-abs", "0", ELOOP, "etc/passwd");
	check_fails(LXR_TEST_DATA "/hostile-rel", "root", ELOOP, "etc/passwd");
	check_fails(LXR_TEST_DATA "/hostile-rel", "daemon", ELOOP, "etc/passwd");
	check_resolves(LXR_TEST_DATA "/hostile-redirect", &inside);
	check_fails(LXR_TEST_DATA "/hostile-redirect", "root", 0, "unknown user \"root\"");
}

static int make_tmp_root(void **state)
{
	char *dir = lxr_xstrdup("/tmp/lxr-test-user-XXXXXX");

	if (!mkdtemp(dir)) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

/* Runs even when an assertion failed half-way, so no temp dir is left. */
static int remove_tmp_root(void **state)
{
	lxr_err err = {0};
	int r = lxr_rm_rf(*state, &err);

	free(*state);
	return r;
}

/* A FIFO planted as /etc/passwd must be refused, not block the start. */
static void fifo_passwd_is_refused(void **state)
{
	const char *dir = *state;
	_cleanup_free_ char *etc = lxr_xasprintf("%s/etc", dir);
	_cleanup_free_ char *fifo = lxr_xasprintf("%s/etc/passwd", dir);

	assert_int_equal(mkdir(etc, 0755), 0);
	assert_int_equal(mkfifo(fifo, 0644), 0);
	check_fails(dir, "app", EINVAL, "/etc/passwd is not a regular file");
}

/* A sparse passwd of a terabyte without a newline must not be read as one
 * line into lxr's memory. */
static void huge_passwd_is_refused(void **state)
{
	const char *dir = *state;
	_cleanup_free_ char *etc = lxr_xasprintf("%s/etc", dir);
	_cleanup_free_ char *passwd = lxr_xasprintf("%s/etc/passwd", dir);

	assert_int_equal(mkdir(etc, 0755), 0);
	close(open(passwd, O_CREAT | O_WRONLY, 0644));
	assert_int_equal(truncate(passwd, (off_t)1 << 40), 0);
	check_fails(dir, "app", EFBIG, "/etc/passwd is larger than");
}

static void home_from_passwd(void **state)
{
	static const struct {
		uid_t uid;
		const char *home;
	} cases[] = {{1000, "/home/app"}, {0, "/root"}, {1002, "/"}, {5555, "/"}};
	lxr_err err = {0};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_free_ char *home = NULL;

		assert_int_equal(rt_user_home(BASIC, cases[i].uid, &home, &err), 0);
		assert_string_equal(home, cases[i].home);
	}
	{
		_cleanup_free_ char *home = NULL;

		assert_int_equal(rt_user_home(NOFILES, 0, &home, &err), 0);
		assert_string_equal(home, "/");
		assert_int_equal(rt_user_home(LXR_TEST_DATA "/hostile-abs", 0, &home, &err), -1);
		assert_int_equal(err.errnum, ELOOP);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(names_numbers_and_groups),
	    cmocka_unit_test(unknown_names_are_errors),
	    cmocka_unit_test(missing_files),
	    cmocka_unit_test(hostile_links_stay_inside),
	    cmocka_unit_test_setup_teardown(fifo_passwd_is_refused, make_tmp_root, remove_tmp_root),
	    cmocka_unit_test_setup_teardown(huge_passwd_is_refused, make_tmp_root, remove_tmp_root),
	    cmocka_unit_test(home_from_passwd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
