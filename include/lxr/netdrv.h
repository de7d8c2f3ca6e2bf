/* docker's macvlan and ipvlan network drivers' options, and the bridge
 * driver's switches (driver_opts, or `lxr network create -o`), as dockerd
 * reads them: what the config layer checks at load
 * (src/config/top_networks.c) and the net layer makes the containers'
 * links (src/net/sublink.c) and bridge networks (src/net/shared.c) with. */
#ifndef LXR_NETDRV_H
#define LXR_NETDRV_H

#include <stdbool.h>
#include <stdint.h>

/* "macvlan" or "ipvlan": a network whose containers' interfaces are links
 * of a host interface, not veths on a bridge */
bool cfg_netdrv_sublink(const char *driver);
/* driver's option key set to value: its kernel value (IFLA_MACVLAN_MODE,
 * IFLA_IPVLAN_MODE or IFLA_IPVLAN_FLAGS) for macvlan_mode, ipvlan_mode,
 * ipvlan_flag, 0 for parent (a valid interface name, not lo); -1 for a
 * value it does not take, with what it takes in *takes; -2 when key is
 * not one of driver's options. */
int cfg_netdrv_value(const char *driver, const char *key, const char *value, const char **takes);
/* The options driver takes, for a person ("macvlan takes parent, ...") */
const char *cfg_netdrv_takes(const char *driver);
/* The mode and flag a network of driver has when driver_opts give none:
 * docker's bridge, l2 and bridge. */
const char *cfg_netdrv_default(const char *driver, const char *key);

/* The bridge driver's options beyond the MTU and the bridge's name. */
#define NETDRV_ICC     "com.docker.network.bridge.enable_icc"
#define NETDRV_MASQ    "com.docker.network.bridge.enable_ip_masquerade"
#define NETDRV_HOST_IP "com.docker.network.bridge.host_binding_ipv4"
/* nat (the default) or nat-unprotected: another host may reach the
 * containers by their addresses through this one (docker 28's) */
#define NETDRV_GW4 "com.docker.network.bridge.gateway_mode_ipv4"
#define NETDRV_GW6 "com.docker.network.bridge.gateway_mode_ipv6"
/* key set to value, for a bridge network: 1 or 0 for enable_icc and
 * enable_ip_masquerade (a Go boolean: true, 1, F, ...); 0 for nat, 1 for
 * nat-unprotected of gateway_mode_ipv4/ipv6 (another value is -1: loaded,
 * refused by up, as routed and isolated are not done yet); 0 for
 * host_binding_ipv4, an IPv4 address, into *ip (0.0.0.0: every
 * address, as without it); -1 for a value it does not take, with what it
 * takes in *takes; -2 when key is not one of them. */
int cfg_netdrv_bridge_value(const char *key, const char *value, uint32_t *ip, const char **takes);

#endif
