/* supervisor: systemd's notify protocol as a listener on a real abstract
 * datagram socket hears it: the variables leave the environment, a first
 * watchdog ping, STATUS= as the picture changes (and only then), READY=1
 * once and only when every instance is up as `up --wait` judges it, and
 * STOPPING=1 on the way down. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "lxr/supervisor.h"
#include "supervisor/sup.h"

static int listener;

/* the next datagram, "" when none is waiting */
static const char *next_msg(void)
{
	static char buf[1024];
	ssize_t n = recv(listener, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void speaks_the_protocol(void **state)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char name[64];
	struct cfg_service cdb = {.name = "db"}, cweb = {.name = "web"};
	struct sup_service svcs[2] = {0};
	struct sup_instance db = {0}, web = {0};
	struct sup s = {.svcs = svcs, .n_svcs = 2};
	int64_t before;

	snprintf(name, sizeof(name), "@lxr-unit-notify-%d", (int)getpid());
	memcpy(sa.sun_path + 1, name + 1, strlen(name) - 1);
	listener = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(listener >= 0);
	assert_int_equal(bind(listener, (struct sockaddr *)&sa,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name))),
			 0);
	setenv("NOTIFY_SOCKET", name, 1);
	setenv("WATCHDOG_USEC", "600000000", 1); /* 10 min: no second ping in this test */
	unsetenv("WATCHDOG_PID");
	sup_notify_take_env();
	assert_null(getenv("NOTIFY_SOCKET"));
	assert_null(getenv("WATCHDOG_USEC"));

	svcs[0] = (struct sup_service){.cfg = &cdb, .inst = &db, .n_inst = 1};
	svcs[1] = (struct sup_service){.cfg = &cweb, .inst = &web, .n_inst = 1};
	db.svc = &svcs[0];
	web.svc = &svcs[1];
	db.fsm.state = SVC_STARTING;
	web.fsm.state = SVC_CREATED;
	web.health.enabled = true;

	sup_notify_open();
	before = sup_now();
	sup_notify_tick(&s);
	assert_string_equal(next_msg(), "WATCHDOG=1");
	assert_string_equal(next_msg(), "STATUS=0/2 services up, db starting, web waiting");
	assert_string_equal(next_msg(), "");

	db.fsm.state = SVC_RUNNING;
	web.fsm.state = SVC_RUNNING;
	sup_notify_tick(&s);
	assert_string_equal(next_msg(), "STATUS=1/2 services up, web (health: starting)");
	assert_string_equal(next_msg(), "");
	/* the next ping: half the interval on, one more deadline of the loop */
	assert_true(sup_notify_deadline() >= before + 300000000);
	assert_true(sup_notify_deadline() <= sup_now() + 300000000);

	sup_notify_tick(&s); /* nothing changed, no ping due: silence */
	assert_string_equal(next_msg(), "");

	web.fsm.state = SVC_HEALTHY;
	sup_notify_tick(&s);
	assert_string_equal(next_msg(), "READY=1\nSTATUS=2/2 services up");

	web.fsm.state = SVC_UNHEALTHY;
	sup_notify_tick(&s);
	assert_string_equal(next_msg(), "STATUS=1/2 services up, web unhealthy");
	web.fsm.state = SVC_HEALTHY;
	sup_notify_tick(&s); /* up again: said, but READY=1 only once */
	assert_string_equal(next_msg(), "STATUS=2/2 services up");

	db.fsm.state = SVC_BACKOFF;
	sup_notify_tick(&s);
	assert_string_equal(next_msg(), "STATUS=1/2 services up, db restarting");

	s.shutting_down = true;
	sup_notify_tick(&s);
	assert_string_equal(next_msg(), "STOPPING=1\nSTATUS=stopping the stack");
	sup_notify_tick(&s);
	sup_notify_close(); /* said already: not again */
	assert_string_equal(next_msg(), "");
	assert_int_equal(sup_notify_deadline(), 0);
	close(listener);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(speaks_the_protocol),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
