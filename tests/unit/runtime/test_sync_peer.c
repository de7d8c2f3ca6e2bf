/* The pid an exec's caller acts on (and SIGKILLs on a timeout) comes from
 * its helper alone: a process in the container that got hold of the sync
 * socket (traced across an exec) and sent a pid of its own choosing is not
 * believed, whether it writes before or after the helper, and a terminal
 * it sends is told apart from the exec's. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "runtime/runtime_internal.h"

/* a child that sends pid `said` on s and leaves; its own pid */
static pid_t sender(int s, pid_t said)
{
	pid_t p = fork();

	assert_true(p >= 0);
	if (p == 0) {
		(void)!send(s, &said, sizeof(said), MSG_NOSIGNAL);
		_exit(0);
	}
	waitpid(p, NULL, 0);
	return p;
}

static void only_the_helper_counts(void **state)
{
	struct lxr_stdio io = {.fds = {-1, -1, -1}, .pty_master = -1};
	int sp[2];
	lxr_err err;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
	assert_int_equal(setsockopt(sp[0], SOL_SOCKET, SO_PASSCRED, &(int){1}, sizeof(int)), 0);
	sender(sp[1], 1);                   /* a forger before the helper: host pid 1 */
	pid_t helper = sender(sp[1], 4242); /* the helper */
	sender(sp[1], 7);                   /* a forger after it */
	close(sp[1]);

	struct rt_sync_peer peer = {.helper = helper};
	assert_int_equal(rt_sync_await(sp[0], "test", &io, &peer, &err), 0);
	assert_int_equal(peer.pid, 4242);
	close(sp[0]);
}

static void queued_from_the_helper_only(void **state)
{
	int sp[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
	assert_int_equal(setsockopt(sp[0], SOL_SOCKET, SO_PASSCRED, &(int){1}, sizeof(int)), 0);
	sender(sp[1], 1);
	pid_t helper = sender(sp[1], 4343);
	assert_int_equal(rt_sync_queued_pid(sp[0], helper), 4343);
	sender(sp[1], 99);
	assert_int_equal(rt_sync_queued_pid(sp[0], helper), -1);
	close(sp[0]);
	close(sp[1]);
}

static void a_terminal_says_who_sent_it(void **state)
{
	struct lxr_stdio io = {.fds = {-1, -1, -1}, .pty_master = -1};
	int sp[2], pp[2];
	lxr_err err;
	pid_t p;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
	assert_int_equal(setsockopt(sp[0], SOL_SOCKET, SO_PASSCRED, &(int){1}, sizeof(int)), 0);
	assert_int_equal(pipe(pp), 0);
	p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		lxr_err e;
		_exit(lxr_send_fd(sp[1], pp[0], &e) < 0);
	}
	waitpid(p, NULL, 0);
	close(sp[1]);
	struct rt_sync_peer peer = {.helper = getpid()};
	assert_int_equal(rt_sync_await(sp[0], "test", &io, &peer, &err), 0);
	assert_true(io.pty_master >= 0);
	assert_int_equal(peer.pty_from, p);
	close(io.pty_master);
	close(pp[0]);
	close(pp[1]);
	close(sp[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(only_the_helper_counts),
	    cmocka_unit_test(queued_from_the_helper_only),
	    cmocka_unit_test(a_terminal_says_who_sent_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
