/* lxr run's networking, docker's way: by default the container joins the
 * "lxr" bridge network (docker's default bridge: an address, a way out
 * through NAT, published ports, but no names of other containers); a named
 * network (--network NAME, made on first use) also lists every container on
 * it in /etc/hosts; none keeps a private loopback; ns:PATH joins a namespace
 * made elsewhere. Both live in the "_run" project; a named one goes away
 * with its last container, the default one is kept, as docker0 is (`lxr
 * network prune` removes it). */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "cli/run_net.h"
#include "cli/run_opts.h"
#include "lxr/net.h"
#include "lxr/plan.h"

static bool valid_net_name(const char *s)
{
	if (!*s || strlen(s) > 64 || *s == '.' || *s == '-' || *s == '_')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
	       strlen(s);
}

int run_net_check_mode(const char *mode, lxr_err *err)
{
	if (!valid_net_name(mode))
		return lxr_fail(err, 0,
				"--network \"%s\": expected bridge, none, ns:PATH or a "
				"network name (letters, digits, '_', '.', '-')",
				mode);
	return 0;
}

int run_net_check_publish(const char *spec, lxr_err *err)
{
	struct lxr_port p;
	return net_port_parse(spec, &p, err);
}

int run_net_setup(struct run_opts *o, lxr_err *err)
{
	const struct plan_endpoint *pe = &o->plan.net;
	_cleanup_free_ struct lxr_port *ports = NULL;
	struct lxr_net_config nc = {.name = pe->network, .ephemeral = pe->ephemeral};
	struct lxr_endpoint_config ec = {.network = pe->network,
					 .container = o->name,
					 .mac = pe->mac,
					 .names = pe->names,
					 .holder = getpid(),
					 .create = &nc,
					 .n_ports = pe->n_ports,
					 .peer_names = pe->peer_names,
					 .extra_hosts = pe->extra_hosts,
					 .dns = pe->dns,
					 .dns_search = pe->dns_search,
					 .dns_opt = pe->dns_opt};
	struct lxr_endpoint ep;
	struct lxr_net_def def = {0};
	int r;

	if (pe->net_project) {
		if (net_def_load(pe->network, &def, err) < 0)
			return -1;
		net_def_config(&def, &nc);
		ec.net_project = pe->net_project;
	}
	if (!pe->network) {
		if (pe->n_ports)
			return lxr_fail(err, 0, "-p needs a bridge network, not --network %s",
					o->network ? o->network : "ns:PATH");
		return 0;
	}
	if (net_ports_from_plan(pe, &ports, err) < 0)
		return net_def_free(&def), -1;
	ec.ports = ports;
	r = net_endpoint_add(lxr_run_dir(), NET_RUN_PROJECT, &ec, &ep, err);
	net_def_free(&def);
	if (r < 0)
		return -1;
	plan_spec_join_endpoint(&o->plan.spec, ep.netns_path, ep.hosts_path, ep.resolv_path);
	net_endpoint_free(&ep);
	return 0;
}

void run_net_teardown(struct run_opts *o, bool exited)
{
	lxr_err err;
	int r;

	if (!o->plan.net.network)
		return;
	r = exited ? net_endpoint_remove_exited(lxr_run_dir(), NET_RUN_PROJECT, o->name, &err)
		   : net_endpoint_remove(lxr_run_dir(), NET_RUN_PROJECT, o->name, &err);
	if (r < 0)
		lxr_err_print(&err);
}

int run_net_remove(const char *name, lxr_err *err)
{
	return net_endpoint_remove(lxr_run_dir(), NET_RUN_PROJECT, name, err);
}
