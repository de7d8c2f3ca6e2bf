/* Network and endpoint records: what a crashed lxr leaves for the next one
 * must read back exactly, and a damaged record must be refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/net_internal.h"

static void network_round_trip(void **state)
{
	struct net_rec r = {.name = NULL,
			    .bridge = "lxr-0badcafe",
			    .internal = true,
			    .mtu = 1450,
			    .altname = "br-mailcow"};
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
	assert_string_equal(back.altname, "br-mailcow");
	free(text);
	/* nor a second name the kernel would not take */
	memset(&back, 0, sizeof(back));
	assert_int_equal(net_rec_parse("bridge lxr-1\nsubnet 10.0.0.0/24\ngateway 10.0.0.1\n"
				       "altname br/0\n",
				       &back, &err),
			 -1);
	/* a bridge name that is not lxr's is never taken from a record */
	memset(&back, 0, sizeof(back));
	assert_int_equal(
	    net_rec_parse("bridge eth0\nsubnet 10.0.0.0/24\ngateway 10.0.0.1\n", &back, &err), -1);
	assert_int_equal(net_rec_parse("bridge lxr-1\nsubnet 10.0.0.0/24\n", &back, &err), -1);
	assert_int_equal(err.errnum, EBADMSG);
}

/* enable_icc, enable_ip_masquerade and host_binding_ipv4 read back; at
 * docker's defaults the record has no line of them, so it reads as a
 * record made before them did, and such a record reads as the defaults. */
static void bridge_switches_round_trip(void **state)
{
	struct net_rec r = {.bridge = "lxr-0badcafe", .no_icc = true, .no_masquerade = true};
	struct net_rec back = {0};
	lxr_err err;
	char *text;

	(void)state;
	assert_int_equal(net_subnet_parse("10.89.7.0/24", &r.subnet, &err), 0);
	assert_int_equal(net_ip_parse("10.89.7.1", &r.gateway, &err), 0);
	assert_int_equal(net_ip_parse("127.0.0.1", &r.host_binding, &err), 0);
	text = net_rec_text(&r);
	assert_non_null(strstr(text, "icc 0\nmasquerade 0\nhost_binding_ipv4 127.0.0.1\n"));
	assert_int_equal(net_rec_parse(text, &back, &err), 0);
	assert_true(back.no_icc);
	assert_true(back.no_masquerade);
	assert_int_equal(back.host_binding, r.host_binding);
	free(text);
	r.no_icc = r.no_masquerade = false;
	r.host_binding = 0;
	text = net_rec_text(&r);
	assert_string_equal(text, "bridge lxr-0badcafe\nsubnet 10.89.7.0/24\ngateway 10.89.7.1\n"
				  "internal 0\nephemeral 0\nmtu 0\n");
	memset(&back, 0, sizeof(back));
	assert_int_equal(net_rec_parse(text, &back, &err), 0);
	assert_false(back.no_icc);
	assert_false(back.no_masquerade);
	assert_int_equal(back.host_binding, 0);
	free(text);
	assert_int_equal(net_rec_parse("bridge lxr-1\nsubnet 10.0.0.0/24\ngateway 10.0.0.1\n"
				       "host_binding_ipv4 localhost\n",
				       &back, &err),
			 -1);
}

/* A macvlan or ipvlan network: its driver's words read back; one on a
 * host parent has no link of lxr's, one without its dummy's name. */
static void sublink_round_trip(void **state)
{
	struct net_rec r = {.driver = "ipvlan", .parent = "eth0.50", .mode = "l3s", .flag = "vepa"};
	struct net_rec back = {0};
	struct net_sublink l;
	lxr_err err;
	char *text;

	(void)state;
	assert_int_equal(net_subnet_parse("192.168.1.0/24", &r.subnet, &err), 0);
	text = net_rec_text(&r);
	assert_int_equal(net_rec_parse(text, &back, &err), 0);
	assert_string_equal(back.driver, "ipvlan");
	assert_string_equal(back.parent, "eth0.50");
	assert_string_equal(back.mode, "l3s");
	assert_string_equal(back.flag, "vepa");
	assert_string_equal(back.bridge, "");
	assert_int_equal(back.gateway, 0); /* none: the link's route */
	assert_false(net_rec_bridged(&back));
	assert_int_equal(net_sublink_of(&back, &l, &err), 0);
	assert_string_equal(l.kind, "ipvlan");
	assert_string_equal(l.parent, "eth0.50");
	assert_int_equal(l.mode, 2);  /* IPVLAN_MODE_L3S */
	assert_int_equal(l.flags, 2); /* IPVLAN_F_VEPA */
	net_rec_free(&back);
	free(text);
	/* no parent: the dummy lxr made, in bridge */
	memset(&back, 0, sizeof(back));
	assert_int_equal(net_rec_parse("bridge lxr-2\nsubnet 10.0.0.0/24\ngateway 0.0.0.0\n"
				       "driver macvlan\nparent -\nmode passthru\nflag bridge\n",
				       &back, &err),
			 0);
	assert_int_equal(net_sublink_of(&back, &l, &err), 0);
	assert_string_equal(l.parent, "lxr-2");
	assert_int_equal(l.mode, 8); /* MACVLAN_MODE_PASSTHRU */
	/* neither a parent the kernel would not name, nor, without one, a
	 * record without lxr's link, nor a bridge record without a bridge */
	memset(&back, 0, sizeof(back));
	assert_int_equal(net_rec_parse("subnet 10.0.0.0/24\ngateway 0.0.0.0\ndriver macvlan\n"
				       "parent a/b\nmode bridge\nflag bridge\n",
				       &back, &err),
			 -1);
	memset(&back, 0, sizeof(back));
	assert_int_equal(net_rec_parse("subnet 10.0.0.0/24\ngateway 0.0.0.0\ndriver macvlan\n"
				       "parent -\nmode bridge\nflag bridge\n",
				       &back, &err),
			 -1);
	memset(&back, 0, sizeof(back));
	assert_int_equal(net_rec_parse("subnet 10.0.0.0/24\ngateway 10.0.0.1\n", &back, &err), -1);
	/* a mode the driver does not take is refused when it is used */
	memset(&back, 0, sizeof(back));
	assert_int_equal(net_rec_parse("subnet 10.0.0.0/24\ngateway 0.0.0.0\ndriver macvlan\n"
				       "parent eth0\nmode l3\nflag bridge\n",
				       &back, &err),
			 0);
	assert_int_equal(net_sublink_of(&back, &l, &err), -1);
	assert_int_equal(err.errnum, EINVAL);
}

static void endpoint_round_trip(void **state)
{
	struct lxr_port ports[3] = {{0, 80, 80, 8080, 8080, false, false, {{0}}, false},
				    {0x7f000001, 53, 54, 53, 54, true, false, {{0}}, false},
				    {0, 81, 81, 81, 81, false, false, {{0}}, true}};
	char *names[] = {"web", "web-1", NULL};
	struct ep_rec e = {.network = "front",
			   .owner = "proj/web/1",
			   .veth = "lxr12345678",
			   .ip = 0x0a590702,
			   .ports = ports,
			   .n_ports = 3,
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
	assert_int_equal(back.n_ports, 3);
	assert_true(back.ports[1].udp);
	assert_int_equal(back.ports[1].host_ip, 0x7f000001);
	/* an explicit 0.0.0.0 stays IPv4's only; the others are not */
	assert_false(back.ports[0].v4_only);
	assert_true(back.ports[2].v4_only);
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
	net_ep_free(&back);
	assert_int_equal(net_ep_parse("network a\nowner b\nveth lxr1\nport x\n", &back, &err), -1);
	net_ep_free(&back);
	/* a macvlan's or ipvlan's: no host end, "-"; but the line is needed */
	memset(&back, 0, sizeof(back));
	assert_int_equal(net_ep_parse("network a\nowner b\nveth -\nifname lan0\n", &back, &err), 0);
	assert_string_equal(back.veth, "");
	assert_string_equal(back.ifname, "lan0"); /* deleted by that name */
	text = net_ep_text(&back);
	assert_non_null(strstr(text, "\nveth -\n"));
	assert_non_null(strstr(text, "\nifname lan0\n"));
	free(text);
	net_ep_free(&back);
	assert_int_equal(net_ep_parse("network a\nowner b\n", &back, &err), -1);
	net_ep_free(&back);
	net_ep_free(&back);
}

/* A dual-stack network's record and an endpoint with an IPv6 address, a
 * port on an IPv6 host address, a MAC and a gateway choice read back. */
static void ipv6_round_trip(void **state)
{
	struct net_rec r = {.bridge = "lxr-abcd1234", .mtu = 1500}, rb = {0};
	struct lxr_port ports[1] = {{0, 8080, 8080, 80, 80, false, true, {{0}}, false}};
	struct ep_rec e = {.network = "dual",
			   .owner = "proj/web/1",
			   .veth = "lxr12345678",
			   .ip = 0x0a590702,
			   .has_ip6 = true,
			   .has_mac = true,
			   .mac = {2, 0, 0, 0, 0, 1},
			   .gw = 2,
			   .ports = ports,
			   .n_ports = 1};
	struct ep_rec back = {0};
	char *text, *again;
	lxr_err err;

	(void)state;
	assert_int_equal(net_subnet_parse("10.89.7.0/24", &r.subnet, &err), 0);
	r.gateway = r.subnet.addr + 1;
	assert_int_equal(net_subnet6_parse("fd00:db8:5::/64", &r.subnet6, &err), 0);
	assert_int_equal(net_ip6_parse("fd00:db8:5::1", &r.gateway6, &err), 0);
	text = net_rec_text(&r);
	assert_non_null(strstr(text, "subnet6 fd00:db8:5::/64\ngateway6 fd00:db8:5::1\n"));
	assert_int_equal(net_rec_parse(text, &rb, &err), 0);
	assert_int_equal(rb.subnet6.prefix, 64);
	assert_true(net_ip6_eq(&rb.gateway6, &r.gateway6));
	free(text);

	assert_int_equal(net_ip6_parse("fd00:db8:5::2", &e.ip6, &err), 0);
	assert_int_equal(net_ip6_parse("2001:db8::10", &ports[0].host_ip6, &err), 0);
	text = net_ep_text(&e);
	assert_non_null(strstr(text, "ip6 fd00:db8:5::2\n"));
	assert_non_null(strstr(text, "mac 02:00:00:00:00:01\n"));
	assert_non_null(strstr(text, "port 2001:db8::10 8080 8080 80 80 tcp\n"));
	assert_int_equal(net_ep_parse(text, &back, &err), 0);
	again = net_ep_text(&back);
	assert_string_equal(text, again);
	assert_true(back.has_ip6 && back.has_mac && back.ports[0].host_v6);
	assert_int_equal(back.gw, 2);
	net_ep_free(&back);
	free(text);
	free(again);
}

static char *ep_text(const char *network, const char *veth)
{
	struct ep_rec e = {.network = (char *)network, .owner = "o", .ip = 0x0a000002};

	snprintf(e.veth, sizeof(e.veth), "%s", veth);
	return net_ep_text(&e);
}

static void save_ep(const char *run, const char *project, const char *name, const char *network)
{
	_cleanup_free_ char *text = ep_text(network, "lxr00000001");
	lxr_err err;

	assert_int_equal(net_rec_save(run, project, "endpoints", name, text, &err), 0);
}

/* "project/container@network ..." of every endpoint, in load order */
static char *all_eps(const char *run)
{
	struct ep_rec *eps = NULL;
	size_t n = 0;
	char *out = lxr_xstrdup("");

	assert_int_equal(net_all_eps_load(run, &eps, &n), 0);
	for (size_t i = 0; i < n; i++) {
		char *next = lxr_xasprintf("%s%s/%s@%s ", out, eps[i].project, eps[i].container,
					   eps[i].network);
		free(out);
		out = next;
	}
	net_eps_free(eps, n);
	return out;
}

/* A long-lived process keeps the records it read: what it changes itself,
 * and what another process changes under the lock, must show in its next
 * load, in the same order as a fresh read. */
static void endpoint_cache(void **state)
{
	char tmpl[] = "/tmp/lxr-store-test.XXXXXX";
	char *run = mkdtemp(tmpl);
	char *s = NULL;
	lxr_err err;
	pid_t pid;
	int lock, status;

	(void)state;
	assert_non_null(run);
	lock = net_lock(run, &err);
	assert_true(lock >= 0);
	save_ep(run, "p", "b", "n1");
	save_ep(run, "p", "a", "n1");
	save_ep(run, "q", "c", "n2");
	s = all_eps(run);
	assert_string_equal(s, "p/a@n1 p/b@n1 q/c@n2 ");
	free(s);
	/* this process's own changes: a changed record, a removed one */
	save_ep(run, "p", "b", "n3");
	assert_int_equal(net_rec_remove(run, "q", "endpoints", "c", &err), 0);
	s = all_eps(run);
	assert_string_equal(s, "p/a@n1 p/b@n3 ");
	free(s);
	close(lock);
	/* another process's change, made under the lock as every change is */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int l = net_lock(run, &err);
		_cleanup_free_ char *t = ep_text("n4", "lxr00000002");
		_exit(l < 0 || net_rec_save(run, "p", "endpoints", "a", t, &err) < 0 ||
		      net_rec_save(run, "r", "endpoints", "d", t, &err) < 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status, 0);
	s = all_eps(run);
	assert_string_equal(s, "p/a@n4 p/b@n3 r/d@n4 ");
	free(s);
	{
		struct ep_rec *eps = NULL;
		size_t n = 0;
		assert_int_equal(net_eps_load(run, "r", &eps, &n, &err), 0);
		assert_int_equal(n, 1);
		assert_string_equal(eps[0].veth, "lxr00000002");
		net_eps_free(eps, n);
	}
	assert_int_equal(lxr_rm_rf(run, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(network_round_trip), cmocka_unit_test(ipv6_round_trip),
	    cmocka_unit_test(sublink_round_trip), cmocka_unit_test(endpoint_round_trip),
	    cmocka_unit_test(endpoint_cache),     cmocka_unit_test(bridge_switches_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
