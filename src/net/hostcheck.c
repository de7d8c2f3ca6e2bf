/* What container networking needs of the host (lxr doctor): the nft program
 * and nf_tables in the kernel, forwarding, bridges and veths, and whether a
 * host firewall's FORWARD chain drops what lxr does not accept there. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lxr/netdrv.h"
#include "net/net_internal.h"

#define OK      LXR_CHECK_OK
#define WARN    LXR_CHECK_WARN
#define MISSING LXR_CHECK_MISSING

static const char net_breaks[] =
    "every container network: bridges, NAT, published ports (network_mode: host and none "
    "still work)";

static char *sysctl_text(const char *path)
{
	char *text = NULL;
	size_t len;

	if (lxr_read_file_at(AT_FDCWD, path, &text, &len, NULL) < 0)
		return NULL;
	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	return text;
}

static void check_nft(struct lxr_checks *c)
{
	char *ver[] = {"nft", "--version", NULL};
	char *list[] = {"nft", "list", "tables", NULL};
	_cleanup_free_ char *out = NULL, *out2 = NULL;
	lxr_err err;

	if (net_run_tool(ver, "", &out, &err) < 0) {
		const char *path = getenv("PATH");
		lxr_check_add(c, "nft", MISSING, net_breaks,
			      "apt install nftables (lxr runs nft from PATH)",
			      "nft --version did not run (PATH=%s): %s", path ? path : "",
			      err.errnum == ENOENT ? "not found" : err.msg);
		/* the kernel side can still be told apart */
		if (access("/sys/module/nf_tables", F_OK) == 0)
			lxr_check_add(c, "nf_tables", OK, NULL, NULL,
				      "the kernel module is loaded");
		else
			lxr_check_add(
			    c, "nf_tables", WARN, net_breaks,
			    "modprobe nf_tables (a kernel with CONFIG_NF_TABLES)",
			    "cannot tell without nft (no /sys/module/nf_tables: built in, "
			    "or not loaded yet)");
		return;
	}
	lxr_check_add(c, "nft", OK, NULL, NULL, "%s", out);
	if (net_run_tool(list, "", &out2, &err) < 0)
		lxr_check_add(c, "nf_tables", MISSING, net_breaks,
			      "a kernel with CONFIG_NF_TABLES, CONFIG_NFT_NAT, CONFIG_NFT_CT "
			      "(modprobe nf_tables)",
			      "nft list tables failed: %s", err.msg);
	else
		lxr_check_add(c, "nf_tables", OK, NULL, NULL, "nft list tables works");
}

/* A bridge and a veth pair made for real, in a forked child's own network
 * namespace, which takes them with it when it exits: nothing on the host
 * changes. The child's exit status is the errno. */
static int make_link(bool veth)
{
	struct net_nl *sk = NULL;
	lxr_err err;
	int r;

	if (unshare(CLONE_NEWNET) < 0)
		return errno;
	if (net_nl_open(&sk, &err) < 0)
		return err.errnum ? err.errnum : EIO;
	r = net_link_probe(sk, veth);
	net_nl_close(sk);
	return -r;
}

static void check_links(struct lxr_checks *c)
{
	for (int veth = 0; veth < 2; veth++) {
		const char *name = veth ? "veth links" : "bridge links";
		int status = -1, e;
		pid_t pid = fork();

		if (pid == 0)
			_exit(make_link(veth));
		while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		e = pid < 0 ? errno : WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
		if (!e)
			lxr_check_add(c, name, OK, NULL, NULL,
				      "made one in a scratch network namespace");
		else
			lxr_check_add(c, name, MISSING, net_breaks,
				      veth ? "modprobe veth (a kernel with CONFIG_VETH)"
					   : "modprobe bridge (a kernel with CONFIG_BRIDGE)",
				      "could not make one in a scratch network namespace: %s",
				      strerror(e));
	}
}

/* The links macvlan and ipvlan networks make, each tried in a forked
 * child's own network namespace on a veth there: the child's exit status
 * has a bit set for each kind the kernel refused. */
static const char *const sublink_kinds[] = {"macvlan", "ipvlan", "dummy", "vlan"};

static int make_sublinks(void)
{
	const char *takes;
	struct net_sublink l = {.parent = "probe0"};
	struct net_link_info li;
	struct net_nl *sk = NULL;
	lxr_err err;
	int missing = 0;

	if (unshare(CLONE_NEWNET) < 0 || net_nl_open(&sk, &err) < 0 ||
	    net_link_probe(sk, true) < 0 || net_link_get(sk, "probe0", 0, &li) < 0)
		return 0xff;
	l.kind = "macvlan";
	l.mode = (unsigned)cfg_netdrv_value(l.kind, "macvlan_mode", "bridge", &takes);
	missing |= net_sublink_make(sk, &l, -1, "probe2", 0, NULL, &err) < 0 ? 1 : 0;
	l.kind = "ipvlan"; /* on a parent without the macvlan */
	l.mode = (unsigned)cfg_netdrv_value(l.kind, "ipvlan_mode", "l2", &takes);
	net_link_delete_made(sk, "probe2");
	missing |= net_sublink_make(sk, &l, -1, "probe3", 0, NULL, &err) < 0 ? 2 : 0;
	net_link_delete_made(sk, "probe3");
	missing |= net_dummy_make(sk, "probe4", "lxr:doctor", &err) < 0 ? 4 : 0;
	missing |=
	    net_vlan_make(sk, "probe0.5", "probe0", li.index, 5, "lxr:doctor", &err) < 0 ? 8 : 0;
	net_nl_close(sk);
	return missing;
}

static void check_sublinks(struct lxr_checks *c)
{
	char have[64] = "", lack[64] = "";
	int status = -1, missing;
	pid_t pid = fork();

	if (pid == 0)
		_exit(make_sublinks());
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	missing = pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : 0xff;
	for (size_t i = 0; i < sizeof(sublink_kinds) / sizeof(sublink_kinds[0]); i++) {
		char *to = missing & (1 << i) ? lack : have;
		snprintf(to + strlen(to), sizeof(have) - strlen(to), "%s%s", *to ? ", " : "",
			 sublink_kinds[i]);
	}
	if (missing == 0xff)
		lxr_check_add(c, "macvlan and ipvlan links", WARN,
			      "macvlan and ipvlan networks (not known here)",
			      "a scratch network namespace with a veth",
			      "could not try them in a scratch network namespace");
	else if (!missing)
		lxr_check_add(c, "macvlan and ipvlan links", OK, NULL, NULL,
			      "%s: made in a scratch network namespace", have);
	else
		lxr_check_add(c, "macvlan and ipvlan links", WARN,
			      "macvlan or ipvlan networks of these kinds: ipvlan (driver: ipvlan), "
			      "dummy (one without a parent), vlan (a parent LINK.VID to make)",
			      "a kernel with CONFIG_MACVLAN, CONFIG_IPVLAN, CONFIG_DUMMY, "
			      "CONFIG_VLAN_8021Q (modprobe macvlan ipvlan dummy 8021q)",
			      "%s%s%s refused", have, *have ? " made; " : "", lack);
}

static void check_forwarding(struct lxr_checks *c)
{
	_cleanup_free_ char *v4 = sysctl_text("/proc/sys/net/ipv4/ip_forward");
	bool rw = access("/proc/sys/net/ipv4/ip_forward", W_OK) == 0;

	if (!v4)
		lxr_check_add(c, "net.ipv4.ip_forward", MISSING, net_breaks,
			      "a kernel with CONFIG_INET; /proc mounted",
			      "/proc/sys/net/ipv4/ip_forward cannot be read");
	else if (!strcmp(v4, "1"))
		lxr_check_add(c, "net.ipv4.ip_forward", OK, NULL, NULL, "1");
	else if (rw)
		lxr_check_add(c, "net.ipv4.ip_forward", OK, NULL, NULL,
			      "0 now; lxr turns it on while it has a network, and back off after");
	else
		lxr_check_add(c, "net.ipv4.ip_forward", MISSING,
			      "containers reaching other hosts and published ports from outside",
			      "sysctl -w net.ipv4.ip_forward=1 where /proc/sys is writable "
			      "(and in /etc/sysctl.d/)",
			      "0, and /proc/sys is read-only here");
}

/* br_netfilter passes bridged packets through the IP hooks, so a host
 * firewall's FORWARD chain sees traffic between two containers too. */
static void check_br_netfilter(struct lxr_checks *c)
{
	_cleanup_free_ char *v = sysctl_text("/proc/sys/net/bridge/bridge-nf-call-iptables");

	if (!v)
		lxr_check_add(c, "br_netfilter", OK, NULL, NULL,
			      "not loaded: bridged traffic between containers bypasses iptables");
	else
		lxr_check_add(c, "br_netfilter", OK, NULL, NULL,
			      "loaded (bridge-nf-call-iptables=%s): lxr's FORWARD accepts cover "
			      "bridged traffic too",
			      v);
}

/* docker sets the FORWARD policy of iptables (and ip6tables) to drop; lxr
 * adds its accepts there (hostfw.c), which needs the tool that wrote that
 * table, or nft. */
static void check_forward_policy(struct lxr_checks *c, const char *tool)
{
	char *argv[] = {(char *)tool, "-S", "FORWARD", NULL};
	_cleanup_free_ char *out = NULL, *name = lxr_xasprintf("%s FORWARD policy", tool);
	lxr_err err;

	if (net_run_tool(argv, "", &out, &err) < 0) {
		lxr_check_add(c, name, OK, NULL, NULL, "%s not usable here: no such chain to drop",
			      tool);
		return;
	}
	if (strstr(out, "-P FORWARD DROP") || strstr(out, "-P FORWARD REJECT"))
		lxr_check_add(c, name, OK, NULL, NULL,
			      "DROP (docker's or a firewall's): lxr adds its accepts for lxr-* "
			      "bridges while it has a network");
	else
		lxr_check_add(c, name, OK, NULL, NULL, "ACCEPT");
}

void net_host_check(struct lxr_checks *c)
{
	check_nft(c);
	check_links(c);
	check_sublinks(c);
	check_forwarding(c);
	check_br_netfilter(c);
	check_forward_policy(c, "iptables");
	check_forward_policy(c, "ip6tables");
}
