/* A wide subnet's static addresses beyond the allocator's window (docker
 * takes any address of the subnet for ipv4_address/ipv6_address): a short
 * list beside the window's arrays, searched in order. alloc never hands
 * them out; only reserve (a static address) and aux_addresses put one
 * here, so the list is as long as the statics a stack writes out there. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/ipam_internal.h"

/* The entry holding addr (canonical text), or NULL */
static struct ipam_far *far_at(const struct lxr_ipam *m, const char *addr)
{
	for (size_t i = 0; i < m->n_far; i++)
		if (!strcmp(m->far[i].addr, addr))
			return &m->far[i];
	return NULL;
}

const char *ipam_far_find(const struct lxr_ipam *m, const char *owner)
{
	for (size_t i = 0; i < m->n_far; i++)
		if (m->far[i].owner && !strcmp(m->far[i].owner, owner))
			return m->far[i].addr;
	return NULL;
}

static void drop(struct lxr_ipam *m, size_t i)
{
	if (m->far[i].owner)
		m->in_use--;
	free(m->far[i].owner);
	free(m->far[i].addr);
	m->far[i] = m->far[--m->n_far];
}

bool ipam_far_release(struct lxr_ipam *m, const char *owner)
{
	for (size_t i = 0; i < m->n_far; i++)
		if (m->far[i].owner && !strcmp(m->far[i].owner, owner)) {
			drop(m, i);
			return true;
		}
	return false;
}

static void add(struct lxr_ipam *m, const char *owner, const char *addr)
{
	m->far = lxr_xrealloc(m->far, (m->n_far + 1) * sizeof(*m->far));
	m->far[m->n_far++] =
	    (struct ipam_far){.owner = lxr_xstrdup(owner), .addr = lxr_xstrdup(addr)};
	if (owner)
		m->in_use++;
}

void ipam_far_hold_aux(struct lxr_ipam *m, const char *addr)
{
	if (!far_at(m, addr))
		add(m, NULL, addr);
}

int ipam_far_reserve(struct lxr_ipam *m, const char *owner, const char *addr, lxr_err *err)
{
	struct ipam_far *f = far_at(m, addr);
	char s[NET_SUBNET6_STRLEN], b[NET_IP6_STRLEN];
	uint32_t cur;

	if (!m->v6 &&
	    !strcmp(addr, net_ip_str(m->subnet.addr | (UINT32_MAX >> m->subnet.prefix), b)))
		return lxr_fail(err, EINVAL, "address %s is the broadcast address of %s", addr,
				ipam_subnet_str(m, s));
	if (f && !f->owner)
		return lxr_fail(err, EINVAL,
				"address %s is kept back by the network's aux_addresses", addr),
		       lxr_err_hint(err, "give the container another address, or drop it from "
					 "aux_addresses");
	if (f && strcmp(f->owner, owner))
		return lxr_fail(err, EADDRINUSE, "address %s is already leased to %s", addr,
				f->owner);
	if (f)
		return 0;
	/* the owner moves here from the address it held: in the window (kept
	 * as its hint, as a move inside the window keeps it) or out here */
	cur = ipam_find(m, owner);
	if (cur != NIL && m->state[cur] != A_FREE)
		ipam_free_off(m, cur);
	ipam_far_release(m, owner);
	add(m, owner, addr);
	return 0;
}

size_t ipam_far_reconcile(struct lxr_ipam *m, bool (*alive)(const char *owner, void *ctx),
			  void *ctx)
{
	size_t freed = 0;

	for (size_t i = m->n_far; i-- > 0;)
		if (m->far[i].owner && !alive(m->far[i].owner, ctx)) {
			drop(m, i);
			freed++;
		}
	return freed;
}

size_t ipam_far_dump(const struct lxr_ipam *m, FILE *f)
{
	size_t lines = 0;

	for (size_t i = 0; i < m->n_far; i++)
		if (m->far[i].owner) {
			fprintf(f, "lease %s static %s\n", m->far[i].addr, m->far[i].owner);
			lines++;
		}
	return lines;
}

void ipam_far_free(struct lxr_ipam *m)
{
	for (size_t i = 0; i < m->n_far; i++) {
		free(m->far[i].owner);
		free(m->far[i].addr);
	}
	free(m->far);
	m->far = NULL;
	m->n_far = 0;
}
