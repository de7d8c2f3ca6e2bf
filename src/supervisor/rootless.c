/* A rootless stack's network (docs/rootless.md): the supervisor moves into
 * a network namespace of the stack's own before it makes anything there,
 * with pasta forwarding each host port the stack publishes (src/net/pasta.c).
 * pasta cannot take new ports later, so a reconcile that publishes a port
 * the stack did not have at `up` needs a `down` first. */
#include "lxr/net.h"
#include "supervisor/sup.h"

int sup_rootless_net(struct sup *s, lxr_err *err)
{
	const struct cfg_stack *st = s->stack;
	size_t n = 0, k = 0;

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
	return 0;
}
