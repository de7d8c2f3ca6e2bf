/* The net layer's address syntax: IPv4 and IPv6 subnets, overlaps and the
 * pools networks take their subnets from, published ports, MAC addresses.
 * (The allocator over those subnets: test_ipam.c.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lxr/net.h"

static uint32_t ip(const char *s)
{
	uint32_t a = 0;
	lxr_err err;
	assert_int_equal(net_ip_parse(s, &a, &err), 0);
	return a;
}

static void subnets_and_pool(void **state)
{
	struct lxr_net_pool pool;
	struct lxr_subnet used[3], out;
	lxr_err err;
	char buf[19];

	net_pool_default(&pool);
	assert_int_equal(net_pool_pick(&pool, NULL, 0, &out, &err), 0);
	assert_string_equal(net_subnet_str(&out, buf), "10.89.0.0/24");
	assert_int_equal(net_subnet_parse("10.89.0.0/24", &used[0], &err), 0);
	assert_int_equal(net_subnet_parse("10.89.1.128/25", &used[1], &err), 0);
	assert_int_equal(net_subnet_parse("10.89.2.0/23", &used[2], &err), 0);
	assert_int_equal(net_pool_pick(&pool, used, 3, &out, &err), 0);
	assert_string_equal(net_subnet_str(&out, buf), "10.89.4.0/24");
	/* a route covering the whole pool leaves nothing */
	assert_int_equal(net_subnet_parse("10.0.0.0/8", &used[0], &err), 0);
	assert_int_equal(net_pool_pick(&pool, used, 1, &out, &err), -1);
	assert_int_equal(err.errnum, ENOSPC);
	assert_int_equal(net_subnet_parse("10.89.0.1/24", &out, &err), -1);
	assert_non_null(strstr(err.hint, "10.89.0.0/24"));
	assert_int_equal(net_subnet_parse("10.89.0.0", &out, &err), -1);
	assert_int_equal(net_subnet_parse("10.89.0.0/31", &out, &err), -1);
}

static void ports(void **state)
{
	struct lxr_port p;
	lxr_err err;

	assert_int_equal(net_port_parse("127.0.0.1:18080:80", &p, &err), 0);
	assert_int_equal(p.host_ip, ip("127.0.0.1"));
	assert_int_equal(p.host_port, 18080);
	assert_int_equal(p.host_end, 18080);
	assert_int_equal(p.ctr_port, 80);
	assert_false(p.udp);
	assert_int_equal(net_port_parse("8000-8002:9000-9002/udp", &p, &err), 0);
	assert_int_equal(p.host_ip, 0);
	assert_int_equal(p.host_end, 8002);
	assert_int_equal(p.ctr_end, 9002);
	assert_true(p.udp);
	assert_int_equal(net_port_parse(":53:53/udp", &p, &err), 0);
	/* no host port: 0, the endpoint picks one */
	assert_int_equal(net_port_parse("80", &p, &err), 0);
	assert_int_equal(p.host_port, 0);
	assert_int_equal(p.ctr_port, 80);
	assert_int_equal(net_port_parse("127.0.0.1::81/udp", &p, &err), 0);
	assert_int_equal(p.host_ip, ip("127.0.0.1"));
	assert_int_equal(p.host_port, 0);
	assert_int_equal(p.ctr_port, 81);
	assert_true(p.udp);
	assert_int_equal(net_port_parse("1-3:1-2", &p, &err), -1);
	/* a host range and one container port: the first free one of it */
	assert_int_equal(net_port_parse("8080-8090:80", &p, &err), 0);
	assert_int_equal(p.host_port, 8080);
	assert_int_equal(p.host_end, 8090);
	assert_int_equal(p.ctr_port, 80);
	assert_int_equal(p.ctr_end, 80);
	assert_int_equal(net_port_parse("0:80", &p, &err), -1);
	assert_int_equal(net_port_parse("80:80/sctp", &p, &err), -1);
	assert_int_equal(net_port_parse("1.2.3:80:80", &p, &err), -1);
}

/* Subnet syntax, overlap, and the ULA /64 picked around what is in use. */
static void v6_subnets_and_ula(void **state)
{
	struct lxr_subnet6 a, b, used[2], got;
	char buf[NET_SUBNET6_STRLEN];
	lxr_err err;

	(void)state;
	assert_int_equal(net_subnet6_parse("fd00:db8::1/64", &a, &err), -1);
	assert_non_null(strstr(err.hint, "fd00:db8::/64"));
	assert_int_equal(net_subnet6_parse("fd00:db8::/127", &a, &err), -1);
	assert_int_equal(net_subnet6_parse("fd00:db8::/48", &a, &err), 0);
	assert_int_equal(net_subnet6_parse("fd00:db8:0:7::/64", &b, &err), 0);
	assert_true(net_subnet6_overlaps(&a, &b));
	assert_int_equal(net_subnet6_parse("fd00:db9::/64", &b, &err), 0);
	assert_false(net_subnet6_overlaps(&a, &b));
	assert_int_equal(net_pool6_pick("machine", NULL, 0, &got, &err), 0);
	assert_int_equal(got.prefix, 64);
	assert_int_equal(got.addr.b[0], 0xfd);
	/* the same host picks the same prefix; a taken /64 is skipped */
	used[0] = got;
	assert_int_equal(net_pool6_pick("machine", used, 1, &b, &err), 0);
	assert_false(net_subnet6_overlaps(&b, &got));
	assert_int_equal(memcmp(b.addr.b, got.addr.b, 6), 0);
	assert_int_equal(b.addr.b[7], got.addr.b[7] + 1);
	/* a route covering the whole /48 leaves none */
	used[1] = got;
	used[1].prefix = 48;
	assert_int_equal(net_pool6_pick("machine", used, 2, &b, &err), -1);
	assert_int_equal(err.errnum, ENOSPC);
	(void)buf;
}

static void mac_syntax(void **state)
{
	unsigned char mac[6];

	(void)state;
	assert_int_equal(net_mac_parse("02:42:ac:11:00:02", mac), 0);
	assert_int_equal(mac[2], 0xac);
	assert_int_equal(net_mac_parse("02-42-AC-11-00-02", mac), 0);
	assert_int_equal(net_mac_parse("02:42:ac:11:00", mac), -1);
	assert_int_equal(net_mac_parse("02:42:ac:11:00:0g", mac), -1);
	assert_int_equal(net_mac_parse("02:42-ac:11:00:02", mac), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(subnets_and_pool),
	    cmocka_unit_test(ports),
	    cmocka_unit_test(v6_subnets_and_ula),
	    cmocka_unit_test(mac_syntax),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
