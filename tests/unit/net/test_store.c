/* Network and endpoint records: what a crashed lxr leaves for the next one
 * must read back exactly, and a damaged record must be refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/internal.h"

static void network_round_trip(void **state)
{
	struct net_rec r = {.name = NULL, .bridge = "lxr-0badcafe", .internal = true, .mtu = 1450};
	struct net_rec back;
	lxr_err err;
	char *text;

	assert_int_equal(net_subnet_parse("10.89.7.0/24", &r.subnet, &err), 0);
	assert_int_equal(net_ip_parse("10.89.7.1", &r.gateway, &err), 0);
	text = net_rec_text(&r);
	memset(&back, 0, sizeof(back));
	assert_int_equal(net_rec_parse(text, &back, &err), 0);
	assert_string_equal(back.bridge, "lxr-0badcafe");
	assert_int_equal(back.subnet.addr, r.subnet.addr);
	assert_int_equal(back.gateway, r.gateway);
	assert_true(back.internal);
	assert_false(back.ephemeral);
	assert_int_equal(back.mtu, 1450);
	free(text);
	/* a bridge name that is not lxr's is never taken from a record */
	memset(&back, 0, sizeof(back));
	assert_int_equal(
	    net_rec_parse("bridge eth0\nsubnet 10.0.0.0/24\ngateway 10.0.0.1\n", &back, &err), -1);
	assert_int_equal(net_rec_parse("bridge lxr-1\nsubnet 10.0.0.0/24\n", &back, &err), -1);
	assert_int_equal(err.errnum, EBADMSG);
}

static void endpoint_round_trip(void **state)
{
	struct lxr_port ports[2] = {{0, 80, 80, 8080, 8080, false},
				    {0x7f000001, 53, 54, 53, 54, true}};
	char *names[] = {"web", "web-1", NULL};
	struct ep_rec e = {.network = "front",
			   .owner = "proj/web/1",
			   .veth = "lxr12345678",
			   .ip = 0x0a590702,
			   .ports = ports,
			   .n_ports = 2,
			   .names = names,
			   .peer_names = true,
			   .holder = 4242,
			   .holder_start = 99,
			   .netproj = "_net"};
	struct ep_rec back = {0};
	lxr_err err;
	char *text = net_ep_text(&e), *again;

	assert_int_equal(net_ep_parse(text, &back, &err), 0);
	again = net_ep_text(&back);
	assert_string_equal(text, again);
	assert_int_equal(back.n_ports, 2);
	assert_true(back.ports[1].udp);
	assert_int_equal(back.ports[1].host_ip, 0x7f000001);
	assert_int_equal(back.holder, 4242);
	assert_string_equal(back.names[1], "web-1");
	/* a shared network's endpoint records whose network it is */
	assert_string_equal(back.netproj, "_net");
	net_ep_free(&back);
	free(text);
	free(again);
	memset(&back, 0, sizeof(back));
	assert_int_equal(net_ep_parse("network a\nowner b\nveth eth0\n", &back, &err), -1);
	net_ep_free(&back);
	assert_int_equal(net_ep_parse("network a\nowner b\nveth lxr1\nport x\n", &back, &err), -1);
	net_ep_free(&back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(network_round_trip),
	    cmocka_unit_test(endpoint_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
