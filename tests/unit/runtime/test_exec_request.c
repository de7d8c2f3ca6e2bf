/* The request lxr hands to a fresh image of itself to enter a container
 * (exec_request.c): what goes in comes out whole, 64-bit values (capability
 * sets, RLIM_INFINITY) and the seccomp program included, and a request that
 * is not exactly what lxr writes is refused. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#include <cmocka.h>

#include "runtime/runtime_internal.h"

static void round_trip(void **state)
{
	char *args[] = {"/bin/sh", "-c", "echo \"a b\" $HOME", NULL};
	char *env[] = {"PATH=/usr/bin:/bin", "SECRET=x=y", NULL};
	gid_t groups[] = {10, 65534};
	struct lxr_rlimit rl[] = {{RLIMIT_NOFILE, 1024, 524288},
				  {RLIMIT_CORE, UINT64_MAX, UINT64_MAX}};
	struct lxr_spec p = {.id = "web-1",
			     .args = args,
			     .env = env,
			     .cwd = "/srv/app dir",
			     .uid = 1000,
			     .gid = 1000,
			     .additional_gids = groups,
			     .n_additional_gids = 2,
			     .terminal = true,
			     .console_rows = 40,
			     .console_cols = 120,
			     .caps = {0x1ffffffffffULL, 0x5, 0x5, 0, 0x4},
			     .no_new_privileges = true,
			     .rlimits = rl,
			     .n_rlimits = 2};
	struct sock_filter prog[] = {
	    {0x20, 0, 0, 4}, {0x15, 1, 0, 0xc000003e}, {0x06, 0, 0, 0x7fff0000U}};
	struct rt_exec_req w = {.filtered = true,
				.profile = true,
				.filter = prog,
				.filter_len = 3,
				.target = 7,
				.sync = 8,
				.stdio = {9, -1, 11},
				.join = {12, 13},
				.n_join = 2,
				.detach = true},
			   r;
	lxr_err err;
	int fd = rt_exec_req_write(&p, &w, &err);

	(void)state;
	assert_true(fd >= 0);
	/* sealed: nothing holding it can change it */
	assert_int_equal(fcntl(fd, F_GET_SEALS) & F_SEAL_WRITE, F_SEAL_WRITE);
	/* until the helper's start hands it over */
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_int_equal(rt_exec_req_read(fd, &r, &err), 0);
	close(fd);
	assert_string_equal(r.proc->id, "web-1");
	assert_string_equal(r.proc->args[2], "echo \"a b\" $HOME");
	assert_null(r.proc->args[3]);
	assert_string_equal(r.proc->env[1], "SECRET=x=y");
	assert_string_equal(r.proc->cwd, "/srv/app dir");
	assert_int_equal(r.proc->uid, 1000);
	assert_int_equal(r.proc->n_additional_gids, 2);
	assert_int_equal(r.proc->additional_gids[1], 65534);
	assert_true(r.proc->terminal);
	assert_int_equal(r.proc->console_cols, 120);
	assert_true(r.proc->caps.bounding == 0x1ffffffffffULL);
	assert_true(r.proc->caps.ambient == 0x4);
	assert_true(r.proc->no_new_privileges);
	assert_int_equal(r.proc->n_rlimits, 2);
	assert_true(r.proc->rlimits[1].soft == UINT64_MAX);
	assert_true(r.proc->rlimits[0].hard == 524288);
	assert_true(r.filtered);
	assert_true(r.profile);
	assert_int_equal(r.filter_len, 3);
	assert_memory_equal(r.filter, prog, sizeof(prog));
	assert_int_equal(r.target, 7);
	assert_int_equal(r.stdio[1], -1);
	assert_int_equal(r.n_join, 2);
	assert_int_equal(r.join[1], 13);
	assert_true(r.detach);
	rt_exec_req_free(&r);
}

/* text with the NUL that ends a request's JSON (none: nul false), in a
 * memfd sealed as lxr seals a request (or not) */
static int memfd_of(const char *text, bool nul, bool sealed)
{
	int fd = memfd_create("t", MFD_ALLOW_SEALING);
	size_t n = strlen(text) + (nul ? 1 : 0);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	if (sealed)
		assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE),
				 0);
	return fd;
}

static void refused(void **state)
{
	static const char *const bad[] = {
	    "not json",
	    /* a key lxr does not write */
	    "{\"process\":{\"args\":[\"x\"],\"env\":[],\"terminal\":false,\"rows\":0,\"cols\":0,"
	    "\"uid\":0,\"gid\":0,\"groups\":[],\"caps\":[0,0,0,0,0],\"no_new_privileges\":true,"
	    "\"rlimits\":[]},\"filtered\":false,\"profile\":false,\"filter_len\":0,\"target\":3,"
	    "\"sync\":4,"
	    "\"stdio\":[-1,-1,-1],\"join\":[],\"detach\":false,\"extra\":1}",
	    /* no command */
	    "{\"process\":{\"args\":[],\"env\":[],\"terminal\":false,\"rows\":0,\"cols\":0,"
	    "\"uid\":0,\"gid\":0,\"groups\":[],\"caps\":[0,0,0,0,0],\"no_new_privileges\":true,"
	    "\"rlimits\":[]},\"filtered\":false,\"profile\":false,\"filter_len\":0,\"target\":3,"
	    "\"sync\":4,"
	    "\"stdio\":[-1,-1,-1],\"join\":[],\"detach\":false}",
	    /* uid -1: setresuid's "unchanged", root */
	    "{\"process\":{\"args\":[\"x\"],\"env\":[],\"terminal\":false,\"rows\":0,\"cols\":0,"
	    "\"uid\":-1,\"gid\":0,\"groups\":[],\"caps\":[0,0,0,0,0],\"no_new_privileges\":true,"
	    "\"rlimits\":[]},\"filtered\":false,\"profile\":false,\"filter_len\":0,\"target\":3,"
	    "\"sync\":4,\"stdio\":[-1,-1,-1],\"join\":[],\"detach\":false}",
	    /* a cgroup.procs descriptor out of range */
	    "{\"process\":{\"args\":[\"x\"],\"env\":[],\"terminal\":false,\"rows\":0,\"cols\":0,"
	    "\"uid\":0,\"gid\":0,\"groups\":[],\"caps\":[0,0,0,0,0],\"no_new_privileges\":true,"
	    "\"rlimits\":[]},\"filtered\":false,\"profile\":false,\"filter_len\":0,\"target\":3,"
	    "\"sync\":4,\"stdio\":[-1,-1,-1],\"join\":[5,-1],\"detach\":false}",
	    /* more cgroup.procs descriptors than hierarchies */
	    "{\"process\":{\"args\":[\"x\"],\"env\":[],\"terminal\":false,\"rows\":0,\"cols\":0,"
	    "\"uid\":0,\"gid\":0,\"groups\":[],\"caps\":[0,0,0,0,0],\"no_new_privileges\":true,"
	    "\"rlimits\":[]},\"filtered\":false,\"profile\":false,\"filter_len\":0,\"target\":3,"
	    "\"sync\":4,\"stdio\":[-1,-1,-1],\"join\":[5,6,7,8,9,10,11,12,13,14,15],"
	    "\"detach\":false}",
	    /* a filter of one instruction, with no bytes for it */
	    "{\"process\":{\"args\":[\"x\"],\"env\":[],\"terminal\":false,\"rows\":0,\"cols\":0,"
	    "\"uid\":0,\"gid\":0,\"groups\":[],\"caps\":[0,0,0,0,0],\"no_new_privileges\":true,"
	    "\"rlimits\":[]},\"filtered\":true,\"profile\":false,\"filter_len\":1,\"target\":3,"
	    "\"sync\":4,"
	    "\"stdio\":[-1,-1,-1],\"join\":[],\"detach\":false}",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rt_exec_req r;
		lxr_err err;
		int fd = memfd_of(bad[i], true, true);

		assert_int_equal(rt_exec_req_read(fd, &r, &err), -1);
		assert_int_equal(err.errnum, EBADMSG);
		rt_exec_req_free(&r);
		close(fd);
	}
	/* not sealed: what it says could change while it is read */
	{
		struct rt_exec_req r;
		lxr_err err;
		int fd = memfd_of("{}", true, false);

		assert_int_equal(rt_exec_req_read(fd, &r, &err), -1);
		assert_non_null(strstr(err.msg, "sealed"));
		rt_exec_req_free(&r);
		close(fd);
	}
	/* a JSON with no NUL after it: cut short */
	{
		struct rt_exec_req r;
		lxr_err err;
		int fd = memfd_of("{}", false, true);

		assert_int_equal(rt_exec_req_read(fd, &r, &err), -1);
		assert_int_equal(err.errnum, EBADMSG);
		rt_exec_req_free(&r);
		close(fd);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_trip),
	    cmocka_unit_test(refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
