/* lxr's accepts in the host's iptables FORWARD chain: what lxr would feed
 * iptables-nft-restore or nft, given what the chain holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_internal.h"

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* docker's chain as `iptables -S FORWARD` shows it */
static const char *docker_ipt = "-P FORWARD DROP\n"
				"-A FORWARD -j DOCKER-USER\n"
				"-A FORWARD -j DOCKER-ISOLATION-STAGE-1\n"
				"-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED "
				"-j ACCEPT\n"
				"-A FORWARD -i docker0 ! -o docker0 -j ACCEPT\n";

static const char *lxr_ipt =
    "-A FORWARD -o lxr-+ -m conntrack --ctstate DNAT -m comment --comment lxr -j ACCEPT\n"
    "-A FORWARD -o lxr-+ -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment lxr "
    "-j ACCEPT\n"
    "-A FORWARD -i lxr-+ -m comment --comment lxr -j ACCEPT\n";

static void ipt_adds_three_marked_accepts_at_the_top(void **state)
{
	char *b = net_hostfw_ipt_plan(docker_ipt, true);

	assert_non_null(b);
	assert_true(strncmp(b, "*filter\n", 8) == 0);
	assert_non_null(strstr(b, "COMMIT\n"));
	assert_int_equal(count(b, "-I FORWARD 1 "), 3);
	assert_int_equal(count(b, "--comment lxr -j ACCEPT"), 3);
	assert_int_equal(count(b, "-D FORWARD"), 0);
	/* inserted at 1 one after the other: the first rule goes in last */
	assert_true(strstr(b, "--ctstate DNAT") < strstr(b, "-i lxr-+"));
	/* docker's rules are not touched */
	assert_null(strstr(b, "docker"));
	assert_null(strstr(b, "DOCKER"));
	free(b);
}

static void ipt_leaves_a_complete_set_alone(void **state)
{
	char *listing =
	    lxr_xasprintf("-P FORWARD DROP\n%s%s", lxr_ipt, "-A FORWARD -j DOCKER-USER\n");

	assert_null(net_hostfw_ipt_plan(listing, true));
	free(listing);
}

static void ipt_replaces_a_partial_set_whole(void **state)
{
	const char *partial = "-P FORWARD DROP\n"
			      "-A FORWARD -i lxr-+ -m comment --comment lxr -j ACCEPT\n"
			      "-A FORWARD -i lxr-+ -m comment --comment lxr -j ACCEPT\n"
			      "-A FORWARD -j DOCKER-USER\n";
	char *b = net_hostfw_ipt_plan(partial, true);

	assert_non_null(b);
	/* the duplicate goes too (-D removes the first match each time) */
	assert_int_equal(count(b, "-D FORWARD -i lxr-+ -m comment --comment lxr -j ACCEPT\n"), 2);
	assert_int_equal(count(b, "-I FORWARD 1 "), 3);
	assert_true(strstr(b, "-D FORWARD") < strstr(b, "-I FORWARD"));
	free(b);
}

static void ipt_removal_deletes_only_marked_rules(void **state)
{
	const char *others = "-P FORWARD DROP\n"
			     "-A FORWARD -i lxr-+ -m comment --comment lxr-not-ours -j ACCEPT\n"
			     "-A FORWARD -i lxrx -m comment --comment \"lxr rule\" -j ACCEPT\n"
			     "-A FORWARD -j DOCKER-USER\n";
	char *listing = lxr_xasprintf("%s%s", docker_ipt, lxr_ipt);
	char *b = net_hostfw_ipt_plan(listing, false);

	assert_non_null(b);
	assert_int_equal(count(b, "-D FORWARD "), 3);
	assert_int_equal(count(b, "-I FORWARD"), 0);
	assert_null(strstr(b, "docker"));
	free(b);
	free(listing);
	/* another's comment that only starts like lxr's is not lxr's */
	assert_null(net_hostfw_ipt_plan(others, false));
	assert_null(net_hostfw_ipt_plan(docker_ipt, false));
}

static void nft_rules_by_handle(void **state)
{
	const char *plain = "table ip filter { # handle 3\n"
			    "\tchain FORWARD { # handle 1\n"
			    "\t\ttype filter hook forward priority filter; policy drop;\n"
			    "\t\tip saddr 192.0.2.1 drop # handle 2\n"
			    "\t}\n}\n";
	const char *ours =
	    "table ip filter { # handle 3\n"
	    "\tchain FORWARD { # handle 1\n"
	    "\t\ttype filter hook forward priority filter; policy drop;\n"
	    "\t\tiifname \"lxr-*\" accept comment \"lxr\" # handle 7\n"
	    "\t\toifname \"lxr-*\" ct state established,related accept comment "
	    "\"lxr\" # handle 8\n"
	    "\t\toifname \"lxr-*\" ct status dnat accept comment \"lxr\" # handle 9\n"
	    "\t\tip saddr 192.0.2.1 drop # handle 2\n"
	    "\t}\n}\n";
	char *b = net_hostfw_nft_plan(plain, true);

	assert_non_null(b);
	assert_int_equal(count(b, "insert rule ip filter FORWARD "), 3);
	assert_int_equal(count(b, "comment \"lxr\"\n"), 3);
	assert_null(strstr(b, "delete"));
	free(b);
	assert_null(net_hostfw_nft_plan(ours, true));
	assert_null(net_hostfw_nft_plan(plain, false));
	b = net_hostfw_nft_plan(ours, false);
	assert_string_equal(b, "delete rule ip filter FORWARD handle 7\n"
			       "delete rule ip filter FORWARD handle 8\n"
			       "delete rule ip filter FORWARD handle 9\n");
	free(b);
	/* docker with IPv6 drops in ip6 filter FORWARD too: the same accepts */
	b = net_hostfw_nft6_plan(plain, true);
	assert_int_equal(count(b, "insert rule ip6 filter FORWARD "), 3);
	free(b);
	b = net_hostfw_nft6_plan(ours, false);
	assert_non_null(strstr(b, "delete rule ip6 filter FORWARD handle 7\n"));
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ipt_adds_three_marked_accepts_at_the_top),
	    cmocka_unit_test(ipt_leaves_a_complete_set_alone),
	    cmocka_unit_test(ipt_replaces_a_partial_set_whole),
	    cmocka_unit_test(ipt_removal_deletes_only_marked_rules),
	    cmocka_unit_test(nft_rules_by_handle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
