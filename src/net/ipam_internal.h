/* The IP allocator's own state, shared by its two files: the allocator
 * (ipam.c) and its lease file text (ipam_file.c). Nothing else sees it. */
#ifndef LXR_NET_IPAM_INTERNAL_H
#define LXR_NET_IPAM_INTERNAL_H

#include <stdio.h>

#include "lxr/net.h"

#define NIL UINT32_MAX

/* A_AUX: an aux_addresses entry, held for a host outside the network's
 * containers: neither handed out nor reservable. */
enum { A_FREE, A_LEASED, A_STATIC, A_SYSTEM, A_AUX };

/* A static address beyond a wide subnet's window (ipam_far.c): owner
 * NULL for an aux_addresses entry kept back. */
struct ipam_far {
	char *owner;
	char *addr; /* canonical text */
};

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
	uint32_t nbuckets;       /* power of two */
	size_t in_use, capacity; /* in_use counts the far statics too */
	struct ipam_far *far;
	size_t n_far;
};

/* The offset whose owner (holder, or last holder) is owner; NIL: none. */
uint32_t ipam_find(const struct lxr_ipam *m, const char *owner);
void ipam_set_owner(struct lxr_ipam *m, uint32_t off, const char *owner);
/* Off the free FIFO, onto its tail: no-ops for an offset alloc never
 * hands out. */
void ipam_unlink_free(struct lxr_ipam *m, uint32_t off);
void ipam_push_tail(struct lxr_ipam *m, uint32_t off);
int ipam_check_owner(const char *owner, lxr_err *err);
/* A held offset back to free (its owner kept as the hint). */
void ipam_free_off(struct lxr_ipam *m, uint32_t off);
/* text (an address of m's family) as the allocator writes it (buf:
 * NET_IP6_STRLEN); text itself when it is not one */
const char *ipam_canonical(const struct lxr_ipam *m, const char *text, char *buf);
/* Is text an address of m's subnet beyond its window? */
bool ipam_beyond_window(const struct lxr_ipam *m, const char *text);

/* ---- statics beyond the window (ipam_far.c) ---- */
/* owner's far static address (canonical text), or NULL */
const char *ipam_far_find(const struct lxr_ipam *m, const char *owner);
/* addr (canonical, beyond the window) for owner, which leaves any address
 * it held; EADDRINUSE/EINVAL as net_ipam_reserve's */
int ipam_far_reserve(struct lxr_ipam *m, const char *owner, const char *addr, lxr_err *err);
bool ipam_far_release(struct lxr_ipam *m, const char *owner);
void ipam_far_hold_aux(struct lxr_ipam *m, const char *addr);
size_t ipam_far_reconcile(struct lxr_ipam *m, bool (*alive)(const char *owner, void *ctx),
			  void *ctx);
/* The far statics' "lease" lines into f; how many */
size_t ipam_far_dump(const struct lxr_ipam *m, FILE *f);
void ipam_far_free(struct lxr_ipam *m);
/* The address at offset off as text (buf: NET_IP6_STRLEN), and back
 * (NIL: not an address of m's window). */
const char *ipam_off_str(const struct lxr_ipam *m, uint32_t off, char *buf);
uint32_t ipam_str_off(const struct lxr_ipam *m, const char *text);
const char *ipam_subnet_str(const struct lxr_ipam *m, char *buf); /* NET_SUBNET6_STRLEN */

#endif
