/* A rootless stack's network (docs/rootless.md): the supervisor moves into
 * a network namespace of the stack's own before it makes anything there,
 * with pasta forwarding each host port the stack publishes (src/net/pasta.c).
 * pasta cannot take new ports later, so a reconcile that publishes a port
 * the stack did not have at `up` needs a `down` first. */
#include <errno.h>
#include <string.h>

#include "lxr/net.h"
#include "supervisor/sup.h"

static struct net_rl_port *fwd;
static size_t n_fwd;

/* pasta forwards a port without a host address on every one of the
 * host's: a network's default host address would not hold */
static int binding_check(const struct cfg_stack *st, lxr_err *err)
{
	for (size_t i = 0; i < st->n_networks; i++) {
		const struct cfg_network *nw = &st->networks[i];
		for (size_t j = 0; j < nw->driver_opts.n; j++)
			if (!strcmp(nw->driver_opts.v[j].key,
				    "com.docker.network.bridge.host_binding_ipv4"))
				return lxr_fail(err, ENOTSUP,
						"network %s: host_binding_ipv4 is not kept by a "
						"rootless stack, whose ports pasta forwards on "
						"every host address",
						nw->name),
				       lxr_err_hint(err,
						    "write the address in the ports "
						    "themselves (\"127.0.0.1:8080:80\"), which "
						    "pasta keeps, or run the stack as root");
	}
	return 0;
}

int sup_rootless_net(struct sup *s, lxr_err *err)
{
	const struct cfg_stack *st = s->stack;
	size_t n = 0, k = 0;

	if (binding_check(st, err) < 0)
		return lxr_err_wrap(err, "project %s", st->project);

	for (size_t i = 0; i < st->n_services; i++)
		n += st->services[i].n_ports;
	_cleanup_free_ struct net_rl_port *p = lxr_xcalloc(n + 1, sizeof(*p));
	for (size_t i = 0; i < st->n_services; i++) {
		const struct cfg_service *sv = &st->services[i];
		for (size_t j = 0; j < sv->n_ports; j++) {
			const struct cfg_port *cp = &sv->ports[j];
			if (!cp->host_start)
				continue; /* refused by the loader: lxr picks no port */
			p[k++] = (struct net_rl_port){.host_ip = cp->host_ip,
						      .start = cp->host_start,
						      .end = cp->host_end ? cp->host_end
									  : cp->host_start,
						      .udp = cp->proto == CFG_PROTO_UDP};
		}
	}
	if (net_rootless_enter(s->run_dir, p, k, err) < 0)
		return lxr_err_wrap(err, "project %s", st->project);
	/* kept for reconcile: what pasta forwards for the supervisor's life */
	for (size_t i = 0; i < k; i++)
		if (p[i].host_ip)
			p[i].host_ip = lxr_xstrdup(p[i].host_ip);
	fwd = lxr_steal_ptr(&p);
	n_fwd = k;
	return 0;
}

static bool forwarded(const struct cfg_port *cp, int port)
{
	for (size_t i = 0; i < n_fwd; i++)
		if (fwd[i].udp == (cp->proto == CFG_PROTO_UDP) && port >= fwd[i].start &&
		    port <= fwd[i].end &&
		    (!fwd[i].host_ip || (cp->host_ip && !strcmp(cp->host_ip, fwd[i].host_ip))))
			return true;
	return false;
}

int sup_rootless_ports_check(const struct cfg_stack *st, lxr_err *err)
{
	for (size_t i = 0; i < st->n_services; i++) {
		const struct cfg_service *sv = &st->services[i];
		for (size_t j = 0; j < sv->n_ports; j++) {
			const struct cfg_port *cp = &sv->ports[j];
			int end = cp->host_end ? cp->host_end : cp->host_start;
			for (int port = cp->host_start; port && port <= end; port++) {
				if (forwarded(cp, port))
					continue;
				lxr_fail(err, ENOTSUP,
					 "%s:%d:%d: service %s publishes host port %d, which the "
					 "running stack did not: rootless, pasta takes its ports "
					 "when the stack comes up",
					 cp->pos.file ? cp->pos.file : "?", cp->pos.line,
					 cp->pos.col, sv->name, port);
				return lxr_err_hint(err, "lxr down, then lxr up");
			}
		}
	}
	return 0;
}
