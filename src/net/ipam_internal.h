/* The IP allocator's own state, shared by its two files: the allocator
 * (ipam.c) and its lease file text (ipam_file.c). Nothing else sees it. */
#ifndef LXR_NET_IPAM_INTERNAL_H
#define LXR_NET_IPAM_INTERNAL_H

#include "lxr/net.h"

#define NIL UINT32_MAX

/* A_AUX: an aux_addresses entry, held for a host outside the network's
 * containers: neither handed out nor reservable. */
enum { A_FREE, A_LEASED, A_STATIC, A_SYSTEM, A_AUX };

struct lxr_ipam {
	struct lxr_subnet subnet;
	uint32_t gateway;
	bool v6; /* then subnet6 and gateway6 instead */
	struct lxr_subnet6 subnet6;
	struct lxr_ip6 gateway6;
	uint32_t size; /* addresses in the window (all of a narrow subnet) */
	bool wide;     /* the subnet is wider than its window */
	/* The offsets alloc hands out, [lo, hi) (Compose's ip_range; else
	 * the whole subnet): only these are on the free FIFO. A free address
	 * outside is free for a static lease, and is not listed. */
	uint32_t lo, hi;
	char *range;    /* ip_range as given, NULL: none */
	uint8_t *state; /* A_* per offset */
	uint32_t *next; /* free FIFO links, NIL-terminated */
	uint32_t *prev;
	uint32_t head, tail;
	char **owner;     /* holder, or for a free address its last holder (hint) */
	uint32_t *bucket; /* owner hash: chains of offsets through hnext */
	uint32_t *hnext;
	uint32_t nbuckets; /* power of two */
	size_t in_use, capacity;
};

/* The offset whose owner (holder, or last holder) is owner; NIL: none. */
uint32_t ipam_find(const struct lxr_ipam *m, const char *owner);
void ipam_set_owner(struct lxr_ipam *m, uint32_t off, const char *owner);
/* Off the free FIFO, onto its tail: no-ops for an offset alloc never
 * hands out. */
void ipam_unlink_free(struct lxr_ipam *m, uint32_t off);
void ipam_push_tail(struct lxr_ipam *m, uint32_t off);
int ipam_check_owner(const char *owner, lxr_err *err);
/* The address at offset off as text (buf: NET_IP6_STRLEN), and back
 * (NIL: not an address of m's window). */
const char *ipam_off_str(const struct lxr_ipam *m, uint32_t off, char *buf);
uint32_t ipam_str_off(const struct lxr_ipam *m, const char *text);
const char *ipam_subnet_str(const struct lxr_ipam *m, char *buf); /* NET_SUBNET6_STRLEN */

#endif
