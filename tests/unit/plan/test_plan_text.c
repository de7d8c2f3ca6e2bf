/* What reconcile compares: an instance's whole plan (container spec,
 * policy, health, network endpoint) as text (plan_instance_text). A stack file and a changed copy
 * of it are each planned as the supervisor plans them; the texts say which
 * changes recreate an instance. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>
#include <cmocka.h>

#include "lxr/plan.h"
#include "lxr/runtime.h"

static const char base[] = "name: fp\n"
			   "services:\n"
			   "  web:\n"
			   "    image: /\n"
			   "    command: [httpd, -f]\n"
			   "    environment: {MODE: a}\n"
			   "    ports: [\"127.0.0.1:8080:80\", \"9000:9000/udp\"]\n"
			   "    networks:\n"
			   "      front: {aliases: [www, site]}\n"
			   "networks:\n"
			   "  front: {ipam: {config: [{subnet: 10.89.77.0/24}]}}\n"
			   "  back: {}\n";

/* base with one piece of text replaced */
static char *edit(const char *from, const char *to)
{
	const char *at = strstr(base, from);

	assert_non_null(at);
	return lxr_xasprintf("%.*s%s%s", (int)(at - base), base, to, at + strlen(from));
}

struct planned {
	struct cfg_stack *st;
	struct plan_instance p;
};

static const struct plan_host host = {.all_caps = 0xffffffffffULL, .kernel_release = "6.1.0"};

static void plan(const char *text, struct planned *p)
{
	char path[] = "/tmp/lxr-fp-XXXXXX.yaml";
	char *const env[] = {NULL};
	int fd = mkstemps(path, 5);
	struct cfg_diags d = {0};
	lxr_err err;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	struct cfg_load_opts o = {.file = path, .environ = env};
	memset(p, 0, sizeof(*p));
	if (cfg_stack_load(&o, &p->st, &d, &err) < 0)
		cfg_diags_print(stderr, &d);
	cfg_diags_free(&d);
	unlink(path);
	assert_non_null(p->st);
	const struct cfg_service *svc = cfg_stack_service(p->st, "web");
	rt_spec_init_defaults(&p->p.spec);
	assert_int_equal(plan_instance_build(p->st, svc, 1, NULL, &host, &p->p, &err), 0);
}

static void unplan(struct planned *p)
{
	plan_instance_free(&p->p);
	cfg_stack_free(p->st);
}

static char *text_of(const struct planned *p)
{
	return plan_instance_text(&p->p, false);
}

/* Does the edited file plan web differently from the base file? */
static bool differs(const char *from, const char *to)
{
	_cleanup_free_ char *edited = edit(from, to);
	struct planned a, b;

	plan(base, &a);
	plan(edited, &b);
	_cleanup_free_ char *ta = text_of(&a), *tb = text_of(&b);
	bool r = strcmp(ta, tb) != 0;
	unplan(&a);
	unplan(&b);
	return r;
}

static void same_inputs_same_text(void **state)
{
	struct planned a, b;

	plan(base, &a);
	plan(base, &b);
	_cleanup_free_ char *ta = text_of(&a), *tb = text_of(&b);
	assert_string_equal(ta, tb);
	assert_non_null(strstr(ta, "front"));
	assert_non_null(strstr(ta, "127.0.0.1:8080-8080:80-80/tcp"));
	assert_non_null(strstr(ta, "\"mode\":\"no\""));
	unplan(&a);
	unplan(&b);
}

static void a_port_change_is_a_change(void **state)
{
	assert_true(differs("127.0.0.1:8080:80", "127.0.0.1:8081:80"));
	assert_true(differs("127.0.0.1:8080:80", "0.0.0.0:8080:80"));
	assert_true(differs("127.0.0.1:8080:80", "127.0.0.1:8080:81"));
	assert_true(differs("9000:9000/udp", "9000:9000/tcp"));
	assert_true(differs(", \"9000:9000/udp\"", ""));
}

static void a_network_change_is_a_change(void **state)
{
	assert_true(differs("      front: {aliases", "      back: {aliases"));
	assert_true(differs("[www, site]", "[www]"));
	assert_true(
	    differs("{aliases: [www, site]}", "{aliases: [www, site], ipv4_address: 10.89.77.5}"));
	assert_true(differs("10.89.77.0/24", "10.89.78.0/24"));
}

static void an_environment_change_is_a_change(void **state)
{
	assert_true(differs("MODE: a", "MODE: b"));
	assert_true(differs("MODE: a", "MODE: a, MORE: x"));
}

/* compose reads ports and aliases as sets */
static void order_of_ports_and_aliases_is_no_change(void **state)
{
	assert_false(differs("[www, site]", "[site, www]"));
	assert_false(differs("[\"127.0.0.1:8080:80\", \"9000:9000/udp\"]",
			     "[\"9000:9000/udp\", \"127.0.0.1:8080:80\"]"));
}

/* A running instance's spec carries the mounts the supervisor appended
 * when it joined the network (carrier_mounts); the new plan of the same
 * file has none, and is the same plan. */
static void the_net_layers_mounts_are_no_change(void **state)
{
	struct planned run, fresh;

	plan(base, &run);
	plan(base, &fresh);
	plan_spec_add_mount(&run.p.spec, "/etc/hosts", "bind", "/run/lxr/fp/.net/web-1/hosts",
			    MS_BIND, NULL);
	plan_spec_add_mount(&run.p.spec, "/etc/resolv.conf", "bind",
			    "/run/lxr/fp/.net/web-1/resolv.conf", MS_BIND, NULL);
	run.p.carrier_mounts = 2;
	_cleanup_free_ char *tr = text_of(&run), *tf = text_of(&fresh);
	assert_string_equal(tr, tf);
	unplan(&run);
	unplan(&fresh);
}

static void policy_health_grace_mounts_and_caps_are_in_it(void **state)
{
	assert_true(differs("    command: [httpd, -f]\n",
			    "    command: [httpd, -f]\n    restart: always\n"));
	assert_true(differs("    command: [httpd, -f]\n",
			    "    command: [httpd, -f]\n    healthcheck: {test: [CMD, true]}\n"));
	assert_true(differs("    command: [httpd, -f]\n",
			    "    command: [httpd, -f]\n    stop_grace_period: 3s\n"));
	assert_true(differs("    command: [httpd, -f]\n",
			    "    command: [httpd, -f]\n    volumes: [\"/tmp/x:/x\"]\n"));
	assert_true(differs("    command: [httpd, -f]\n",
			    "    command: [httpd, -f]\n    cap_add: [NET_ADMIN]\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(same_inputs_same_text),
	    cmocka_unit_test(a_port_change_is_a_change),
	    cmocka_unit_test(a_network_change_is_a_change),
	    cmocka_unit_test(an_environment_change_is_a_change),
	    cmocka_unit_test(order_of_ports_and_aliases_is_no_change),
	    cmocka_unit_test(the_net_layers_mounts_are_no_change),
	    cmocka_unit_test(policy_health_grace_mounts_and_caps_are_in_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
