/* Drives the net layer directly for test_net*.sh, where no lxr command does
 * yet what a stack's supervisor will: make an internal network, attach an
 * endpoint that outlives a container, run the crash cleanup.
 *   net_driver up RUN_DIR PROJECT NETWORK [internal] [SUBNET]
 *   net_driver rm RUN_DIR PROJECT NETWORK
 *   net_driver attach RUN_DIR PROJECT NETWORK CONTAINER  (prints IP NETNS)
 *   net_driver detach RUN_DIR PROJECT CONTAINER
 *   net_driver cleanup RUN_DIR PROJECT */
#include <stdio.h>
#include <string.h>

#include "lxr/net.h"

static int usage(void)
{
	fputs("usage: net_driver up|rm|attach|detach|cleanup RUN_DIR PROJECT ...\n", stderr);
	return 2;
}

static int attach(char **argv, lxr_err *err)
{
	struct lxr_endpoint_config ec = {
	    .network = argv[4], .container = argv[5], .peer_names = true};
	struct lxr_endpoint ep;
	char ip[16];

	if (net_endpoint_add(argv[2], argv[3], &ec, &ep, err) < 0)
		return -1;
	printf("%s %s\n", net_ip_str(ep.ip, ip), ep.netns_path);
	net_endpoint_free(&ep);
	return 0;
}

int main(int argc, char **argv)
{
	lxr_err err;
	int r;

	if (argc < 4)
		return usage();
	if (!strcmp(argv[1], "up") && argc >= 5) {
		struct lxr_net_config nc = {.name = argv[4]};
		for (int i = 5; i < argc; i++) {
			if (!strcmp(argv[i], "internal"))
				nc.internal = true;
			else
				nc.subnet = argv[i];
		}
		r = net_network_up(argv[2], argv[3], &nc, NULL, &err);
	} else if (!strcmp(argv[1], "rm") && argc == 5) {
		r = net_network_remove(argv[2], argv[3], argv[4], &err);
	} else if (!strcmp(argv[1], "attach") && argc == 6) {
		r = attach(argv, &err);
	} else if (!strcmp(argv[1], "detach") && argc == 5) {
		r = net_endpoint_remove(argv[2], argv[3], argv[4], &err);
	} else if (!strcmp(argv[1], "cleanup") && argc == 4) {
		r = net_project_cleanup(argv[2], argv[3], &err);
	} else {
		return usage();
	}
	if (r < 0) {
		lxr_err_print(&err);
		return 1;
	}
	return 0;
}
