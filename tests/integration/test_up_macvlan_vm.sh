#!/bin/bash
# macvlan and ipvlan networks where the kernel has every driver they use:
# this CI host's kernel has macvlan but no ipvlan, dummy or 802.1Q
# (test_up_macvlan.sh checks the errors there), so a throw-away VM with
# Debian's kernel (tests/vm/run-in-vm.sh) runs tests/vm/sublink-check.sh:
# ipvlan l2 and l3 reaching a LAN, a second ipvlan network on one parent
# refused, a macvlan network on lxr's dummy parent, a VLAN parent made and
# removed. Nothing on this host is touched but the build directory's VM
# cache.
set -u
. "$(dirname "$0")/vm_lib.sh"
vm_checks sublink 'ipvlan l2: a container reaches the LAN' 'ipvlan l3: the default route is the link' \
	'a second ipvlan network on one parent is refused' 'its containers reach each other' \
	'parent p0.5 is made as VLAN 5 of p0' 'a VLAN parent gone since is made again' \
	'the VLAN link stays while another network' 'the VLAN link goes with the last network' \
	"the host's own VLAN link is left alone" 'lxr doctor finds every kind of link' \
	-- /bin/sh "$src/tests/vm/sublink-check.sh" "$lxr" "$rootfs"
