/* nft batches and name resolution files: what lxr would feed nft and bind
 * into a container, checked without root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_internal.h"

static uint32_t ip(const char *s)
{
	uint32_t a = 0;
	lxr_err err;
	assert_int_equal(net_ip_parse(s, &a, &err), 0);
	return a;
}

static struct nft_net net(const char *bridge, const char *subnet, bool internal)
{
	struct nft_net n = {.bridge = bridge, .internal = internal};
	lxr_err err;
	assert_int_equal(net_subnet_parse(subnet, &n.subnet, &err), 0);
	n.gateway = n.subnet.addr + 1;
	return n;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void batch_for_a_network_with_ports(void **state)
{
	struct nft_net nets[] = {net("lxr-aaaa", "10.89.3.0/24", false)};
	struct nft_map maps[] = {
	    {"lxr-aaaa",
	     ip("10.89.3.2"),
	     {ip("127.0.0.1"), 18080, 18080, 80, 80, false, false, {{0}}, false},
	     NULL},
	    {"lxr-aaaa", ip("10.89.3.3"), {0, 5353, 5353, 53, 53, true, false, {{0}}, false}, NULL},
	    {"lxr-aaaa",
	     ip("10.89.3.4"),
	     {0, 8000, 8002, 8000, 8002, false, false, {{0}}, false},
	     NULL},
	    {"lxr-aaaa",
	     ip("10.89.3.5"),
	     {0, 9000, 9001, 7000, 7001, false, false, {{0}}, false},
	     NULL},
	};
	char *b = net_nft_batch("p1", nets, 1, maps, 4);

	/* only lxr's table, its own chains, created then flushed: idempotent */
	assert_int_equal(count(b, "table"), 1);
	assert_true(lxr_str_has_prefix(b, "add table ip lxr\n"));
	assert_non_null(strstr(b, "add chain ip lxr p1-pre { type nat hook prerouting priority "
				  "dstnat; policy accept; }\n"));
	assert_non_null(strstr(b, "flush chain ip lxr p1-ports\n"));
	assert_true(strstr(b, "add chain ip lxr p1-ports") <
		    strstr(b, "flush chain ip lxr p1-ports"));
	/* NAT out, localhost and hairpin */
	assert_non_null(strstr(b, "add rule ip lxr p1-post ip saddr 10.89.3.0/24 oifname != "
				  "\"lxr-aaaa\" masquerade\n"));
	assert_non_null(strstr(b, "oifname \"lxr-aaaa\" ip saddr 127.0.0.0/8 masquerade\n"));
	assert_non_null(strstr(b, "oifname \"lxr-aaaa\" ip saddr 10.89.3.0/24 ct status dnat "
				  "masquerade\n"));
	assert_non_null(strstr(b, "iifname \"lxr-aaaa\" ip daddr 127.0.0.0/8 drop\n"));
	/* ports: from outside (prerouting) and from the host (output) */
	assert_non_null(strstr(b, "add rule ip lxr p1-pre fib daddr type local jump p1-ports\n"));
	assert_non_null(strstr(b, "add rule ip lxr p1-out fib daddr type local jump p1-ports\n"));
	assert_non_null(strstr(b, "add rule ip lxr p1-ports ip daddr 127.0.0.1 tcp dport 18080 "
				  "dnat to 10.89.3.2:80\n"));
	/* published on the loopback: what comes to 127.0.0.1 from another
	 * interface is dropped before the DNAT, and only for that port */
	assert_non_null(strstr(b, "add rule ip lxr p1-guard iifname != \"lo\" ip daddr 127.0.0.1 "
				  "tcp dport 18080-18080 drop\n"));
	assert_int_equal(count(b, "iifname != \"lo\""), 1);
	assert_non_null(
	    strstr(b, "add rule ip lxr p1-ports udp dport 5353 dnat to 10.89.3.3:53\n"));
	assert_non_null(strstr(b, "add rule ip lxr p1-ports tcp dport 8000-8002 dnat to "
				  "10.89.3.4\n"));
	assert_non_null(strstr(b, "tcp dport 9000 dnat to 10.89.3.5:7000\n"));
	assert_non_null(strstr(b, "tcp dport 9001 dnat to 10.89.3.5:7001\n"));
	free(b);
}

static void internal_network_has_no_way_out(void **state)
{
	struct nft_net nets[] = {net("lxr-int", "10.89.4.0/24", true),
				 net("lxr-ext", "10.89.5.0/24", false)};
	char *b = net_nft_batch("p2", nets, 2, NULL, 0);

	assert_null(strstr(b, "10.89.4.0/24 oifname != \"lxr-int\" masquerade"));
	assert_non_null(strstr(b, "10.89.5.0/24 oifname != \"lxr-ext\" masquerade"));
	assert_non_null(strstr(b, "p2-fwd iifname \"lxr-int\" oifname != \"lxr-int\" drop\n"));
	assert_non_null(strstr(b, "p2-fwd oifname \"lxr-int\" iifname != \"lxr-int\" drop\n"));
	assert_non_null(strstr(b, "p2-in iifname \"lxr-int\" ip daddr != 10.89.4.1 drop\n"));
	/* no ports: no jumps, no localhost masquerade */
	assert_null(strstr(b, "jump"));
	assert_null(strstr(b, "127.0.0.0/8 masquerade"));
	free(b);
}

static void delete_batch(void **state)
{
	char *b = net_nft_delete_batch("p3");
	/* each chain is added before it is deleted, so a missing one is fine,
	 * and base chains go before the regular chain they jump to */
	assert_true(strstr(b, "add chain ip lxr p3-guard") <
		    strstr(b, "delete chain ip lxr p3-guard"));
	assert_true(strstr(b, "delete chain ip lxr p3-pre") <
		    strstr(b, "delete chain ip lxr p3-ports"));
	assert_int_equal(count(b, "delete chain"), 7);
	assert_null(strstr(b, "delete table"));
	free(b);
}

static void forward_policy_detection(void **state)
{
	char *where = NULL;
	const char *docker = "table ip filter {\n\tchain FORWARD {\n\t\ttype filter hook forward "
			     "priority filter; policy drop;\n\t}\n}\n";
	const char *ours = "table ip lxr {\n\tchain x {\n\t\ttype filter hook forward priority "
			   "filter; policy drop;\n\t}\n}\n";
	const char *open = "table ip filter {\n\tchain FORWARD {\n\t\ttype filter hook forward "
			   "priority filter; policy accept;\n\t}\n}\n";

	assert_true(net_nft_forward_drops(docker, NULL, &where));
	assert_string_equal(where, "ip filter FORWARD");
	free(where);
	/* lxr's accepts are in that chain: nothing left to warn about */
	assert_false(net_nft_forward_drops(docker, "ip filter FORWARD", NULL));
	assert_false(net_nft_forward_drops(docker, "ip6 filter FORWARD|ip filter FORWARD", NULL));
	assert_true(net_nft_forward_drops(docker, "ip6 filter FORWARD", NULL));
	assert_false(net_nft_forward_drops(ours, NULL, NULL));
	assert_false(net_nft_forward_drops(open, NULL, NULL));
}

static void names_are_short_and_stable(void **state)
{
	char a[IFNAMSIZ], b[IFNAMSIZ], c[IFNAMSIZ], p[32];

	net_link_name(a, "lxr-", "/run/lxr/proj/net", 0);
	net_link_name(b, "lxr-", "/run/lxr/proj/net", 0);
	net_link_name(c, "lxr-", "/run/lxr/proj/net", 1);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_int_equal(strlen(a), 12);
	net_link_name(a, "lxr", "/run/lxr/_run/a-very-long-container-name-indeed", 0);
	assert_int_equal(strlen(a), 11);
	assert_true(strncmp(a, "lxr", 3) == 0);
	net_chain_prefix(p, sizeof(p), "/run/lxr", "_run");
	assert_true(p[0] == 'p' && strlen(p) == 9);
}

/* The mark a link is born with: a unicast, locally administered address
 * (no vendor's, never a multicast one the kernel would refuse), the same for
 * the same name and another for another name. */
static void link_mark_is_a_local_unicast_address_per_name(void **state)
{
	unsigned char a[6], b[6], c[6];

	(void)state;
	net_link_mark(a, "lxr-1a2b3c4d");
	net_link_mark(b, "lxr-1a2b3c4d");
	net_link_mark(c, "lxr-1a2b3c4e");
	assert_memory_equal(a, b, 6);
	assert_memory_not_equal(a, c, 6);
	assert_int_equal(a[0] & 0x01, 0);
	assert_int_equal(a[0] & 0x02, 0x02);
}

static void hosts_file(void **state)
{
	char *self[] = {"web", "web-1", "www", NULL}, *peer[] = {"db", NULL};
	struct lxr_host_entry e[] = {{ip("10.89.0.2"), self, NULL}, {ip("10.89.0.3"), peer, NULL}};
	char *t = net_hosts_render(e, 2);

	assert_true(lxr_str_has_prefix(t, "127.0.0.1\tlocalhost\n"));
	assert_true(lxr_str_has_suffix(t, "\n10.89.0.2\tweb web-1 www\n10.89.0.3\tdb\n"));
	free(t);
}

static void resolv_plain_host(void **state)
{
	bool no_dns = true;
	char *t = net_resolv_render(
	    "search example.org\nnameserver 10.255.255.53\noptions ndots:2\n", NULL, &no_dns);
	assert_string_equal(t, "search example.org\nnameserver 10.255.255.53\noptions ndots:2\n");
	assert_false(no_dns);
	free(t);
}

static void resolv_systemd_stub(void **state)
{
	bool no_dns = false;
	const char *stub = "# This is /run/systemd/resolve/stub-resolv.conf\n"
			   "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n";
	const char *up = "nameserver 192.168.1.1\nnameserver 127.0.0.1\nnameserver 2001:db8::1\n";
	char *t = net_resolv_render(stub, up, &no_dns);

	assert_null(strstr(t, "nameserver 127."));
	assert_non_null(strstr(t, "nameserver 192.168.1.1\nnameserver 2001:db8::1\n"));
	assert_non_null(strstr(t, "options edns0 trust-ad\nsearch lan\n"));
	assert_false(no_dns);
	free(t);
}

static void resolv_loopback_only(void **state)
{
	bool no_dns = false;
	char *t = net_resolv_render("nameserver 127.0.0.1\nnameserver ::1\n", NULL, &no_dns);

	assert_null(strstr(t, "nameserver"));
	assert_non_null(strstr(t, "no name server is configured"));
	assert_true(no_dns);
	/* and nothing made up: no public resolver appears */
	assert_null(strstr(t, "8.8.8.8"));
	free(t);
}

/* compose's dns, dns_search, dns_opt each replace the host's lines of
 * their kind, and only those */
static void resolv_service_overrides(void **state)
{
	const char *host = "# made by someone\nnameserver 10.0.0.1\nsearch lan\noptions edns0\n";
	char *const dns[] = {"9.9.9.9", "1.1.1.1", NULL};
	char *const search[] = {"corp.example", "example", NULL};
	char *const opts[] = {"ndots:2", NULL};
	char *t = lxr_resolv_override(host, dns, NULL, NULL);

	assert_string_equal(t,
			    "search lan\noptions edns0\nnameserver 9.9.9.9\nnameserver 1.1.1.1\n");
	free(t);
	t = lxr_resolv_override(host, NULL, search, opts);
	assert_string_equal(t, "# made by someone\nnameserver 10.0.0.1\nsearch corp.example "
			       "example\noptions ndots:2\n");
	free(t);
	t = lxr_resolv_override(host, NULL, NULL, NULL);
	assert_string_equal(t, host);
	free(t);
	/* "." (compose's dns_search: "", docker's --dns-search .): the host's
	 * search and options go, and none come in their place */
	{
		char *const none[] = {".", NULL};
		char *const some[] = {".", "corp.example", NULL};
		t = lxr_resolv_override(host, NULL, none, none);
		assert_string_equal(t, "# made by someone\nnameserver 10.0.0.1\n");
		free(t);
		t = lxr_resolv_override(host, NULL, some, NULL);
		assert_string_equal(t, "# made by someone\nnameserver 10.0.0.1\noptions "
				       "edns0\nsearch corp.example\n");
		free(t);
	}
}

/* A dual-stack network: its IPv4 rules as before, and the same shape in
 * `table ip6 lxr`: masquerade (NAT66), ports on every IPv6 address or on
 * one, never on ::1, and an IPv4 host address only in the ip table. */
static void dual_stack_batch(void **state)
{
	struct nft_net nets[] = {net("lxr-dual", "10.89.5.0/24", false),
				 net("lxr-int6", "10.89.6.0/24", true),
				 net("lxr-four", "10.89.7.0/24", false)};
	struct lxr_ip6 c6, c6b;
	lxr_err err;

	(void)state;
	assert_int_equal(net_subnet6_parse("fd00:db8:5::/64", &nets[0].subnet6, &err), 0);
	assert_int_equal(net_ip6_parse("fd00:db8:5::1", &nets[0].gateway6, &err), 0);
	assert_int_equal(net_subnet6_parse("fd00:db8:6::/64", &nets[1].subnet6, &err), 0);
	assert_int_equal(net_ip6_parse("fd00:db8:6::1", &nets[1].gateway6, &err), 0);
	assert_int_equal(net_ip6_parse("fd00:db8:5::2", &c6, &err), 0);
	assert_int_equal(net_ip6_parse("fd00:db8:5::3", &c6b, &err), 0);
	struct nft_map maps[] = {
	    {"lxr-dual", ip("10.89.5.2"), {0, 8080, 8080, 80, 80, false, false, {{0}}, false}, &c6},
	    {"lxr-dual", ip("10.89.5.3"), {0, 9000, 9000, 90, 90, false, true, {{0}}, false}, &c6b},
	    {"lxr-dual",
	     ip("10.89.5.3"),
	     {ip("127.0.0.1"), 7000, 7000, 70, 70, false, false, {{0}}, false},
	     &c6b},
	    /* an explicit 0.0.0.0: IPv4's every address only, as docker's */
	    {"lxr-dual", ip("10.89.5.2"), {0, 6000, 6000, 60, 60, false, false, {{0}}, true}, &c6},
	};
	assert_int_equal(net_ip6_parse("2001:db8::10", &maps[1].port.host_ip6, &err), 0);
	char *b = net_nft_batch("p6", nets, 3, maps, 4);

	assert_non_null(strstr(b, "add table ip6 lxr\n"));
	assert_non_null(strstr(b, "add rule ip6 lxr p6-post ip6 saddr fd00:db8:5::/64 oifname != "
				  "\"lxr-dual\" masquerade\n"));
	assert_non_null(strstr(b, "add rule ip6 lxr p6-fwd iifname \"lxr-int6\" oifname != "
				  "\"lxr-int6\" drop\n"));
	assert_non_null(strstr(b, "add rule ip6 lxr p6-in iifname \"lxr-int6\" ip6 daddr != { "
				  "fd00:db8:6::1, fe80::/10, ff00::/8 } drop\n"));
	/* no IPv6 rules for the IPv4-only network */
	assert_null(strstr(b, "ip6 lxr p6-fwd iifname \"lxr-four\""));
	assert_non_null(strstr(b, "add rule ip6 lxr p6-pre fib daddr type local ip6 daddr != ::1 "
				  "jump p6-ports\n"));
	assert_non_null(strstr(b, "add rule ip6 lxr p6-ports tcp dport 8080 dnat to "
				  "[fd00:db8:5::2]:80\n"));
	assert_non_null(
	    strstr(b, "add rule ip lxr p6-ports tcp dport 8080 dnat to 10.89.5.2:80\n"));
	assert_non_null(strstr(b, "add rule ip6 lxr p6-ports ip6 daddr 2001:db8::10 tcp dport 9000 "
				  "dnat to [fd00:db8:5::3]:90\n"));
	assert_null(strstr(b, "ip lxr p6-ports tcp dport 9000"));
	assert_null(strstr(b, "ip6 lxr p6-ports tcp dport 7000"));
	assert_non_null(
	    strstr(b, "add rule ip lxr p6-ports tcp dport 6000 dnat to 10.89.5.2:60\n"));
	assert_null(strstr(b, "ip6 lxr p6-ports tcp dport 6000"));
	free(b);

	/* no IPv6 network: no ip6 table at all */
	b = net_nft_batch("p7", &nets[2], 1, NULL, 0);
	assert_null(strstr(b, "ip6"));
	free(b);
	b = net_nft_delete_batch_of("p7", "ip6");
	assert_non_null(strstr(b, "delete chain ip6 lxr p7-ports\n"));
	free(b);
}

static void hosts_file_dual_stack(void **state)
{
	char *self[] = {"web", "web-1", NULL};
	struct lxr_ip6 a6;
	lxr_err err;

	(void)state;
	assert_int_equal(net_ip6_parse("fd00:db8:5::2", &a6, &err), 0);
	struct lxr_host_entry e[] = {{ip("10.89.5.2"), self, &a6}};
	char *t = net_hosts_render(e, 1);
	assert_non_null(strstr(t, "\n10.89.5.2\tweb web-1\nfd00:db8:5::2\tweb web-1\n"));
	free(t);
}

/* enable_icc false: a forward drop between the bridge's own ports (but a
 * published port, DNAT); enable_ip_masquerade false: no masquerade of the
 * subnet out, in either family, while the published ports' own
 * masquerades (localhost, hairpin) stay. Another network keeps both. */
static void bridge_switches(void **state)
{
	struct nft_net nets[] = {net("lxr-quiet", "10.89.8.0/24", false),
				 net("lxr-plain", "10.89.9.0/24", false)};
	struct nft_map maps[] = {{"lxr-quiet",
				  ip("10.89.8.2"),
				  {0, 8080, 8080, 80, 80, false, false, {{0}}, false},
				  NULL}};
	lxr_err err;

	(void)state;
	nets[0].no_icc = nets[0].no_masquerade = true;
	assert_int_equal(net_subnet6_parse("fd00:db8:8::/64", &nets[0].subnet6, &err), 0);
	assert_int_equal(net_ip6_parse("fd00:db8:8::1", &nets[0].gateway6, &err), 0);
	char *b = net_nft_batch("pq", nets, 2, maps, 1);

	assert_non_null(strstr(b, "add rule ip lxr pq-fwd iifname \"lxr-quiet\" oifname "
				  "\"lxr-quiet\" ct status ! dnat drop\n"));
	assert_non_null(strstr(b, "add rule ip6 lxr pq-fwd iifname \"lxr-quiet\" oifname "
				  "\"lxr-quiet\" ct status ! dnat drop\n"));
	assert_null(strstr(b, "ip saddr 10.89.8.0/24 oifname != \"lxr-quiet\" masquerade"));
	assert_null(strstr(b, "ip6 saddr fd00:db8:8::/64 oifname != \"lxr-quiet\" masquerade"));
	assert_non_null(strstr(b, "add rule ip lxr pq-post oifname \"lxr-quiet\" ip saddr "
				  "10.89.8.0/24 ct status dnat masquerade\n"));
	assert_non_null(strstr(b, "add rule ip lxr pq-post oifname \"lxr-quiet\" ip saddr "
				  "127.0.0.0/8 masquerade\n"));
	/* the other network is docker's default: masquerade, no icc drop */
	assert_non_null(strstr(b, "add rule ip lxr pq-post ip saddr 10.89.9.0/24 oifname != "
				  "\"lxr-plain\" masquerade\n"));
	assert_null(strstr(b, "oifname \"lxr-plain\" ct status ! dnat drop"));
	free(b);
	/* an internal network without icc: both its drops */
	nets[0].internal = true;
	b = net_nft_batch("pq", nets, 1, NULL, 0);
	assert_non_null(strstr(b, "add rule ip lxr pq-fwd iifname \"lxr-quiet\" oifname "
				  "\"lxr-quiet\" ct status ! dnat drop\n"));
	assert_non_null(strstr(b, "add rule ip lxr pq-fwd iifname \"lxr-quiet\" oifname != "
				  "\"lxr-quiet\" drop\n"));
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(batch_for_a_network_with_ports),
	    cmocka_unit_test(internal_network_has_no_way_out),
	    cmocka_unit_test(delete_batch),
	    cmocka_unit_test(forward_policy_detection),
	    cmocka_unit_test(names_are_short_and_stable),
	    cmocka_unit_test(link_mark_is_a_local_unicast_address_per_name),
	    cmocka_unit_test(hosts_file),
	    cmocka_unit_test(dual_stack_batch),
	    cmocka_unit_test(bridge_switches),
	    cmocka_unit_test(hosts_file_dual_stack),
	    cmocka_unit_test(resolv_plain_host),
	    cmocka_unit_test(resolv_systemd_stub),
	    cmocka_unit_test(resolv_loopback_only),
	    cmocka_unit_test(resolv_service_overrides),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
