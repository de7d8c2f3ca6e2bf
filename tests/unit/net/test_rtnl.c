/* rtnetlink requests as bytes: attributes aligned, nests that close around
 * their members, strings the kernel can read, and a request too big for
 * its buffer refused rather than sent cut; checked without root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_link.h>
#include <linux/veth.h>

#include "net/net_internal.h"

/* the request of a veth pair as net_veth_make shapes it */
static void veth_shaped(struct net_nl_req *q)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
	struct ifinfomsg peer_ifi = {.ifi_family = AF_UNSPEC};
	unsigned char mac[6] = {2, 0x42, 10, 89, 0, 2};
	struct rtattr *info, *data, *peer;

	net_nl_req_init(q, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	net_nl_attr_str(q, IFLA_IFNAME, "lxr0123abcd");
	net_nl_attr_u32(q, IFLA_MASTER, 7);
	info = net_nl_nest(q, IFLA_LINKINFO);
	net_nl_attr_str(q, IFLA_INFO_KIND, "veth");
	data = net_nl_nest(q, IFLA_INFO_DATA);
	peer = net_nl_attr(q, VETH_INFO_PEER, &peer_ifi, sizeof(peer_ifi));
	net_nl_attr_str(q, IFLA_IFNAME, "eth0");
	net_nl_attr(q, IFLA_ADDRESS, mac, sizeof(mac));
	net_nl_nest_end(q, peer);
	net_nl_nest_end(q, data);
	net_nl_nest_end(q, info);
}

static void nests_close_around_their_members(void **state)
{
	struct net_nl_req q;
	const struct rtattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1], *vd[VETH_INFO_MAX + 1],
	    *pt[IFLA_MAX + 1];
	const struct ifinfomsg *ifi;
	uint32_t master;

	veth_shaped(&q);
	assert_false(q.overflow);
	assert_int_equal(q.nh.nlmsg_type, RTM_NEWLINK);
	assert_int_equal(q.nh.nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	assert_int_equal(q.nh.nlmsg_len % NLMSG_ALIGNTO, 0);
	ifi = NLMSG_DATA(&q.nh);
	assert_int_equal(ifi->ifi_flags, IFF_UP);

	net_nl_attrs(IFLA_RTA(ifi), IFLA_PAYLOAD(&q.nh), tb, IFLA_MAX);
	assert_string_equal(net_nl_str(tb[IFLA_IFNAME]), "lxr0123abcd");
	memcpy(&master, RTA_DATA(tb[IFLA_MASTER]), 4);
	assert_int_equal(master, 7);
	/* the outer nest ends exactly where the message does */
	assert_non_null(tb[IFLA_LINKINFO]);
	assert_ptr_equal((const char *)tb[IFLA_LINKINFO] + RTA_ALIGN(tb[IFLA_LINKINFO]->rta_len),
			 (const char *)&q.nh + q.nh.nlmsg_len);

	net_nl_attrs(RTA_DATA(tb[IFLA_LINKINFO]), RTA_PAYLOAD(tb[IFLA_LINKINFO]), li,
		     IFLA_INFO_MAX);
	assert_string_equal(net_nl_str(li[IFLA_INFO_KIND]), "veth");
	net_nl_attrs(RTA_DATA(li[IFLA_INFO_DATA]), RTA_PAYLOAD(li[IFLA_INFO_DATA]), vd,
		     VETH_INFO_MAX);
	assert_non_null(vd[VETH_INFO_PEER]);
	/* the peer: an ifinfomsg, then its own attributes */
	assert_true(RTA_PAYLOAD(vd[VETH_INFO_PEER]) > sizeof(struct ifinfomsg));
	net_nl_attrs((const struct rtattr *)((const char *)RTA_DATA(vd[VETH_INFO_PEER]) +
					     NLMSG_ALIGN(sizeof(struct ifinfomsg))),
		     RTA_PAYLOAD(vd[VETH_INFO_PEER]) - NLMSG_ALIGN(sizeof(struct ifinfomsg)), pt,
		     IFLA_MAX);
	assert_string_equal(net_nl_str(pt[IFLA_IFNAME]), "eth0");
	assert_int_equal(RTA_PAYLOAD(pt[IFLA_ADDRESS]), 6);
	assert_null(pt[IFLA_MASTER]);
}

static void strings_must_end_in_nul(void **state)
{
	struct net_nl_req q;
	struct ifinfomsg ifi = {0};
	struct rtattr *a;

	net_nl_req_init(&q, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	a = net_nl_attr(&q, IFLA_IFALIAS, "abc", 3); /* no NUL */
	assert_non_null(a);
	assert_null(net_nl_str(a));
	a = net_nl_attr(&q, IFLA_IFALIAS, "", 0);
	assert_null(net_nl_str(a));
	assert_null(net_nl_str(NULL));
	a = net_nl_attr_str(&q, IFLA_IFALIAS, "lxr:web/db-1");
	assert_string_equal(net_nl_str(a), "lxr:web/db-1");
}

static void too_big_is_refused_not_cut(void **state)
{
	struct net_nl sk = {.fd = -1};
	struct net_nl_req q;
	struct ifinfomsg ifi = {0};
	char big[2000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	net_nl_req_init(&q, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	net_nl_attr_str(&q, IFLA_IFNAME, "lxr-aaaa");
	assert_null(net_nl_attr_str(&q, IFLA_IFALIAS, big));
	assert_true(q.overflow);
	/* and nothing after it goes in either */
	assert_null(net_nl_attr_u32(&q, IFLA_MTU, 1500));
	assert_int_equal(net_nl_call(&sk, &q, NULL, NULL), -EMSGSIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(nests_close_around_their_members),
	    cmocka_unit_test(strings_must_end_in_nul),
	    cmocka_unit_test(too_big_is_refused_not_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
