/* docker's macvlan and ipvlan drivers' options, and the bridge driver's
 * switches (include/lxr/netdrv.h). */
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_link.h>

#include "lxr/netdrv.h"
#include "lxr/util.h"

struct word {
	const char *name;
	int value;
};

static const struct word macvlan_modes[] = {{"bridge", MACVLAN_MODE_BRIDGE},
					    {"private", MACVLAN_MODE_PRIVATE},
					    {"vepa", MACVLAN_MODE_VEPA},
					    {"passthru", MACVLAN_MODE_PASSTHRU},
					    {NULL, 0}};
static const struct word ipvlan_modes[] = {
    {"l2", IPVLAN_MODE_L2}, {"l3", IPVLAN_MODE_L3}, {"l3s", IPVLAN_MODE_L3S}, {NULL, 0}};
static const struct word ipvlan_flags[] = {
    {"bridge", 0}, {"private", IPVLAN_F_PRIVATE}, {"vepa", IPVLAN_F_VEPA}, {NULL, 0}};

static const struct {
	const char *driver, *key, *takes;
	const struct word *words;
} options[] = {
    {"macvlan", "macvlan_mode", "bridge, private, vepa or passthru", macvlan_modes},
    {"ipvlan", "ipvlan_mode", "l2, l3 or l3s", ipvlan_modes},
    {"ipvlan", "ipvlan_flag", "bridge, private or vepa", ipvlan_flags},
};

bool cfg_netdrv_sublink(const char *driver)
{
	return driver && (!strcmp(driver, "macvlan") || !strcmp(driver, "ipvlan"));
}

int cfg_netdrv_value(const char *driver, const char *key, const char *value, const char **takes)
{
	if (!cfg_netdrv_sublink(driver))
		return -2;
	if (!strcmp(key, "parent")) {
		*takes = "the name of a host interface (`ip link` lists them), not lo";
		return lxr_ifname_valid(value) && strcmp(value, "lo") ? 0 : -1;
	}
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		if (strcmp(options[i].driver, driver) || strcmp(options[i].key, key))
			continue;
		*takes = options[i].takes;
		for (const struct word *w = options[i].words; w->name; w++)
			if (!strcmp(w->name, value))
				return w->value;
		return -1;
	}
	return -2;
}

const char *cfg_netdrv_takes(const char *driver)
{
	return !strcmp(driver, "macvlan")
		   ? "macvlan takes parent, macvlan_mode and com.docker.network.driver.mtu"
		   : "ipvlan takes parent, ipvlan_mode, ipvlan_flag and "
		     "com.docker.network.driver.mtu";
}

const char *cfg_netdrv_default(const char *driver, const char *key)
{
	if (!strcmp(key, "flag"))
		return "bridge";
	return !strcmp(driver, "ipvlan") ? "l2" : "bridge";
}

int cfg_netdrv_bridge_value(const char *key, const char *value, uint32_t *ip, const char **takes)
{
	struct in_addr a;
	bool on;

	if (!strcmp(key, NETDRV_ICC) || !strcmp(key, NETDRV_MASQ)) {
		*takes = "a boolean: \"true\" (docker's default) or \"false\"";
		return lxr_go_bool(value, &on) < 0 ? -1 : on;
	}
	if (!strcmp(key, NETDRV_GW4) || !strcmp(key, NETDRV_GW6)) {
		*takes = "nat (docker's default) or nat-unprotected; lxr's bridges do not do "
			 "routed or isolated yet";
		return !strcmp(value, "nat") ? 0 : !strcmp(value, "nat-unprotected") ? 1 : -1;
	}
	if (strcmp(key, NETDRV_HOST_IP))
		return -2;
	*takes = "an IPv4 address of the host, e.g. \"127.0.0.1\"; an IPv6 one goes in a "
		 "port's host_ip";
	if (inet_pton(AF_INET, value, &a) != 1)
		return -1;
	*ip = ntohl(a.s_addr);
	return 0;
}
