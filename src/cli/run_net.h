/* `lxr run --network NAME|bridge|none|ns:PATH`, `-p` and the container's
 * addresses and aliases on its network, on the net layer. */
#ifndef LXR_CLI_RUN_NET_H
#define LXR_CLI_RUN_NET_H

#include <getopt.h>

#include "lxr/util.h"

struct run_opts;

/* Check a --network value / a -p value at parse time (nothing is made). */
int run_net_check_mode(const char *mode, lxr_err *err);
int run_net_check_publish(const char *spec, lxr_err *err);
/* --ip, --ip6, --network-alias (--net-alias) and --link-local-ip: the
 * service's entry for its network (compose's ipv4_address, ipv6_address,
 * aliases, link_local_ips). run_net_parse returns 1 when c is not one of
 * them; run_net_finish checks them against --network, as docker does
 * (an address and an alias only on a user-defined network). */
extern const struct option run_net_longopts[];
int run_net_parse(struct run_opts *o, int c, const char *arg, lxr_err *err);
int run_net_finish(struct run_opts *o, lxr_err *err);
/* Before rt_container_start, in the process that will also call
 * run_net_teardown: make the network if needed and the container's endpoint,
 * and point o->spec at its namespace and its /etc/hosts and resolv.conf. */
int run_net_setup(struct run_opts *o, lxr_err *err);
/* After the container exited (or a failed start): remove the endpoint, and
 * the network with it if it is ephemeral and was the last one there.
 * exited: no process is left in its network namespace, so its veth may go
 * with the namespace. Prints its errors. */
void run_net_teardown(struct run_opts *o, bool exited);
/* lxr rm NAME: the endpoint an lxr that died could not remove (no error
 * when there is none). */
int run_net_remove(const char *name, lxr_err *err);

#endif
