/* The IP allocator: O(1) alloc, release and static reservation over one
 * subnet (its lease file's text: ipam_file.c). Offsets (address - network
 * address) index every array; no operation walks the range. A subnet wider
 * than a /16 (IPv4) or a /112 (IPv6) is the same allocator over its window
 * (net_ip_window_size, net_ip6_window_size addresses from its start): only
 * turning an offset into an address and back knows the family. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/ipam_internal.h"

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

uint32_t ipam_find(const struct lxr_ipam *m, const char *owner)
{
	for (uint32_t o = m->bucket[hash_str(owner) & (m->nbuckets - 1)]; o != NIL; o = m->hnext[o])
		if (!strcmp(m->owner[o], owner))
			return o;
	return NIL;
}

static void clear_owner(struct lxr_ipam *m, uint32_t off)
{
	uint32_t *p;

	if (!m->owner[off])
		return;
	for (p = &m->bucket[hash_str(m->owner[off]) & (m->nbuckets - 1)]; *p != off;
	     p = &m->hnext[*p])
		;
	*p = m->hnext[off];
	free(m->owner[off]);
	m->owner[off] = NULL;
}

void ipam_set_owner(struct lxr_ipam *m, uint32_t off, const char *owner)
{
	uint32_t b = hash_str(owner) & (m->nbuckets - 1);

	clear_owner(m, off);
	m->owner[off] = lxr_xstrdup(owner);
	m->hnext[off] = m->bucket[b];
	m->bucket[b] = off;
}

/* Is off one alloc may hand out (then, while free, it is on the FIFO)? */
static bool pooled(const struct lxr_ipam *m, uint32_t off)
{
	return off >= m->lo && off < m->hi && m->state[off] != A_SYSTEM && m->state[off] != A_AUX;
}

void ipam_unlink_free(struct lxr_ipam *m, uint32_t off)
{
	if (!pooled(m, off))
		return;
	if (m->prev[off] != NIL)
		m->next[m->prev[off]] = m->next[off];
	else
		m->head = m->next[off];
	if (m->next[off] != NIL)
		m->prev[m->next[off]] = m->prev[off];
	else
		m->tail = m->prev[off];
	m->next[off] = m->prev[off] = NIL;
}

void ipam_push_tail(struct lxr_ipam *m, uint32_t off)
{
	if (!pooled(m, off))
		return;
	m->prev[off] = m->tail;
	m->next[off] = NIL;
	if (m->tail != NIL)
		m->next[m->tail] = off;
	else
		m->head = off;
	m->tail = off;
}

void ipam_free_off(struct lxr_ipam *m, uint32_t off)
{
	m->state[off] = A_FREE;
	ipam_push_tail(m, off);
	m->in_use--;
}

/* The arrays for size addresses, with offset 0, gw and (IPv4) the last
 * one reserved (gw 0: the network has no gateway). */
static struct lxr_ipam *ipam_make(uint32_t size, uint32_t gw, bool broadcast)
{
	struct lxr_ipam *m = lxr_xcalloc(1, sizeof(*m));

	m->size = size;
	m->hi = size;
	m->state = lxr_xcalloc(m->size, 1);
	m->next = lxr_xmalloc(m->size * sizeof(uint32_t));
	m->prev = lxr_xmalloc(m->size * sizeof(uint32_t));
	m->owner = lxr_xcalloc(m->size, sizeof(char *));
	m->hnext = lxr_xmalloc(m->size * sizeof(uint32_t));
	m->nbuckets = m->size;
	m->bucket = lxr_xmalloc(m->nbuckets * sizeof(uint32_t));
	memset(m->bucket, 0xff, m->nbuckets * sizeof(uint32_t));
	m->head = m->tail = NIL;
	m->state[0] = m->state[gw] = A_SYSTEM;
	if (broadcast)
		m->state[m->size - 1] = A_SYSTEM;
	for (uint32_t o = 0; o < m->size; o++) {
		m->next[o] = m->prev[o] = NIL;
		if (m->state[o] == A_FREE)
			ipam_push_tail(m, o);
	}
	m->capacity = m->size - (broadcast ? 2 : 1) - (gw ? 1 : 0);
	return m;
}

int net_ipam_new(const struct lxr_subnet *subnet, uint32_t gateway, struct lxr_ipam **out,
		 lxr_err *err)
{
	struct lxr_ipam *m;
	char buf[19];
	uint32_t gw, size;
	bool wide;

	/* Arrays are per address: a wider subnet than a /16 is allocated in
	 * its window, its first 65536 addresses; its broadcast address is
	 * beyond them, never handed out anyway. */
	if (subnet->prefix < 8 || subnet->prefix > 30)
		return lxr_fail(err, EINVAL, "subnet %s: lxr allocates in /8 to /30",
				net_subnet_str(subnet, buf));
	size = net_ip_window_size(subnet);
	wide = subnet->prefix < 16;
	/* 0.0.0.0: none (a macvlan or ipvlan network may have none) */
	gw = gateway ? gateway - subnet->addr : 0;
	if ((gateway && gw == 0) || gw >= size - !wide)
		return lxr_fail(err, EINVAL, "gateway %s is not a host address %s %s",
				net_ip_str(gateway, (char[16]){0}),
				wide ? "among the first 65536 of" : "of",
				net_subnet_str(subnet, buf)),
		       lxr_err_hint(err, "pick one %s, or leave it out for the first host address",
				    wide ? "among the first 65536 addresses of the subnet"
					 : "of the subnet's host addresses");
	m = ipam_make(size, gw, !wide);
	m->wide = wide;
	m->subnet = *subnet;
	m->gateway = gateway;
	*out = m;
	return 0;
}

int net_ipam6_new(const struct lxr_subnet6 *subnet, const struct lxr_ip6 *gateway,
		  struct lxr_ipam **out, lxr_err *err)
{
	char s[NET_SUBNET6_STRLEN], g[NET_IP6_STRLEN];
	static const struct lxr_ip6 none;
	bool gateless = net_ip6_eq(gateway, &none);
	uint32_t slot = gateless ? 1 : net_ip6_window_slot(subnet, gateway);
	struct lxr_ipam *m;

	/* IPv6 has no broadcast address: only the subnet-router anycast
	 * address (offset 0) and the gateway (:: none) are kept back */
	if (slot <= 1 && !gateless)
		return lxr_fail(err, EINVAL,
				"gateway %s is not a host address among the first %u of %s",
				net_ip6_str(gateway, g), net_ip6_window_size(subnet),
				net_subnet6_str(subnet, s));
	m = ipam_make(net_ip6_window_size(subnet), slot - 1, false);
	m->v6 = true;
	m->wide = subnet->prefix < 112;
	m->subnet6 = *subnet;
	m->gateway6 = *gateway;
	*out = m;
	return 0;
}

/* The address at offset off, as text (buf: NET_IP6_STRLEN). */
const char *ipam_off_str(const struct lxr_ipam *m, uint32_t off, char *buf)
{
	struct lxr_ip6 a;
	uint32_t lo;

	if (!m->v6)
		return net_ip_str(m->subnet.addr + off, buf);
	a = m->subnet6.addr;
	lo = ((uint32_t)a.b[14] << 8 | a.b[15]) + off;
	a.b[14] = (uint8_t)(lo >> 8);
	a.b[15] = (uint8_t)lo;
	return net_ip6_str(&a, buf);
}

const char *ipam_subnet_str(const struct lxr_ipam *m, char *buf)
{
	return m->v6 ? net_subnet6_str(&m->subnet6, buf) : net_subnet_str(&m->subnet, buf);
}

/* text's offset in m's range, NIL when it is not an address there */
uint32_t ipam_str_off(const struct lxr_ipam *m, const char *text)
{
	lxr_err ignored;
	struct lxr_ip6 a6;
	uint32_t a, slot;

	if (m->v6) {
		if (net_ip6_parse(text, &a6, &ignored) < 0 ||
		    !(slot = net_ip6_window_slot(&m->subnet6, &a6)))
			return NIL;
		return slot - 1;
	}
	if (net_ip_parse(text, &a, &ignored) < 0 || a < m->subnet.addr ||
	    a - m->subnet.addr >= m->size)
		return NIL;
	return a - m->subnet.addr;
}

/* What the reserved offset off is, for a person. */
static const char *system_what(const struct lxr_ipam *m, uint32_t off)
{
	return off == 0 ? (m->v6 ? "subnet-router anycast" : "network")
	       : off == m->size - 1 && !m->v6 && !m->wide ? "broadcast"
							  : "gateway";
}

const char *ipam_canonical(const struct lxr_ipam *m, const char *text, char *buf)
{
	lxr_err ignored;
	struct lxr_ip6 a6;
	uint32_t a;

	if (m->v6)
		return net_ip6_parse(text, &a6, &ignored) == 0 ? net_ip6_str(&a6, buf) : text;
	return net_ip_parse(text, &a, &ignored) == 0 ? net_ip_str(a, buf) : text;
}

bool ipam_beyond_window(const struct lxr_ipam *m, const char *text)
{
	lxr_err ignored;
	struct lxr_ip6 a6;
	uint32_t a;

	if (!m->wide || ipam_str_off(m, text) != NIL)
		return false;
	if (m->v6)
		return net_ip6_parse(text, &a6, &ignored) == 0 && net_ip6_in(&a6, &m->subnet6);
	return net_ip_parse(text, &a, &ignored) == 0 &&
	       net_subnet_overlaps(&(struct lxr_subnet){a, 32}, &m->subnet);
}

/* ip_range ("ADDR/PREFIX", m's family) as the offsets [lo, hi) it covers
 * of m's addresses. */
static int range_offs(const struct lxr_ipam *m, const char *range, uint32_t *lo, uint32_t *hi,
		      lxr_err *err)
{
	_cleanup_free_ char *addr = lxr_xstrdup(range);
	char *slash = strchr(addr, '/'), *end = NULL, s[NET_SUBNET6_STRLEN];
	int bits = m->v6 ? 128 : 32, min = m->v6 ? m->subnet6.prefix : m->subnet.prefix;
	uint64_t width;
	uint32_t off;
	long p = -1;

	if (slash) {
		*slash = '\0';
		errno = 0;
		p = strtol(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end)
			p = -1;
	}
	if (p < min || p > bits)
		return lxr_fail(err, EINVAL, "ip_range %s is not a subnet inside %s", range,
				ipam_subnet_str(m, s));
	off = ipam_str_off(m, addr);
	if (off == NIL && ipam_beyond_window(m, addr))
		return lxr_fail(err, EINVAL,
				"ip_range %s starts beyond the first %u addresses of subnet %s, "
				"where lxr hands out addresses",
				range, m->size, ipam_subnet_str(m, s));
	if (off == NIL)
		return lxr_fail(err, EINVAL, "ip_range %s is outside subnet %s", range,
				ipam_subnet_str(m, s));
	width = bits - p >= 32 ? UINT64_C(1) << 32 : UINT64_C(1) << (bits - p);
	if (off % width)
		return lxr_fail(err, EINVAL, "ip_range %s has host bits set", range);
	*lo = off;
	*hi = (uint32_t)(off + width < m->size ? off + width : m->size);
	return 0;
}

/* One aux_addresses entry kept back. */
static int hold_aux(struct lxr_ipam *m, const char *addr, lxr_err *err)
{
	char s[NET_SUBNET6_STRLEN];
	uint32_t off = ipam_str_off(m, addr);

	/* a wide subnet's address beyond the window: alloc never hands it
	 * out; kept back from a static address there */
	if (off == NIL && ipam_beyond_window(m, addr)) {
		char c[NET_IP6_STRLEN];
		ipam_far_hold_aux(m, ipam_canonical(m, addr, c));
		return 0;
	}
	if (off == NIL)
		return lxr_fail(err, EINVAL, "aux address %s is outside subnet %s", addr,
				ipam_subnet_str(m, s));
	if (m->state[off] == A_SYSTEM)
		return lxr_fail(err, EINVAL, "aux address %s is the %s address of %s", addr,
				system_what(m, off), ipam_subnet_str(m, s));
	ipam_unlink_free(m, off);
	m->state[off] = A_AUX;
	return 0;
}

int net_ipam_limit(struct lxr_ipam *m, const char *range, char *const *aux, lxr_err *err)
{
	uint32_t lo = 0, hi = m->size;

	if (range && range_offs(m, range, &lo, &hi, err) < 0)
		return -1;
	for (size_t i = 0; aux && aux[i]; i++)
		if (hold_aux(m, aux[i], err) < 0)
			return -1;
	/* the FIFO again: the range's free addresses, in address order (a
	 * new allocator's, so no hint is lost) */
	free(m->range);
	m->range = range ? lxr_xstrdup(range) : NULL;
	m->lo = lo;
	m->hi = hi;
	m->head = m->tail = NIL;
	m->capacity = 0;
	for (uint32_t o = 0; o < m->size; o++) {
		m->next[o] = m->prev[o] = NIL;
		if (m->state[o] == A_FREE && pooled(m, o)) {
			ipam_push_tail(m, o);
			m->capacity++;
		}
	}
	return 0;
}

void net_ipam_free(struct lxr_ipam *m)
{
	if (!m)
		return;
	for (uint32_t o = 0; o < m->size; o++)
		free(m->owner[o]);
	free(m->owner);
	free(m->range);
	free(m->state);
	free(m->next);
	free(m->prev);
	free(m->hnext);
	free(m->bucket);
	ipam_far_free(m);
	free(m);
}

int ipam_check_owner(const char *owner, lxr_err *err)
{
	if (!owner || !*owner || strlen(owner) > 255 || strpbrk(owner, " \t\r\n"))
		return lxr_fail(err, EINVAL, "lease owner \"%s\": 1 to 255 characters, no spaces",
				owner ? owner : "");
	return 0;
}

static int full(const struct lxr_ipam *m, lxr_err *err)
{
	char buf[NET_SUBNET6_STRLEN];

	if (m->range)
		return lxr_fail(err, ENOSPC,
				"ip_range %s is full: all %zu addresses containers get from it "
				"are leased",
				m->range, m->capacity),
		       lxr_err_hint(err, "widen ip_range (or drop it for the whole subnet), or "
					 "stop containers on the network");
	lxr_fail(err, ENOSPC, "subnet %s is full: all %zu addresses are leased",
		 ipam_subnet_str(m, buf), m->capacity);
	/* past a /16 the window is the limit: a wider subnet gives no more */
	return lxr_err_hint(err, "%s",
			    !m->v6 && m->subnet.prefix < 16
				? "lxr hands out the first 65,536 addresses of a subnet wider "
				  "than /16: put some services on another network, or stop "
				  "containers on this one"
				: "use a larger subnet for this network, or stop containers on it");
}

static int alloc_off(struct lxr_ipam *m, const char *owner, uint32_t *out, lxr_err *err)
{
	uint32_t off;

	if (ipam_check_owner(owner, err) < 0)
		return -1;
	off = ipam_find(m, owner);
	/* a hint outside the range (the owner's static address, once) is no
	 * address alloc hands out: forgotten */
	if (off != NIL && m->state[off] == A_FREE && !pooled(m, off)) {
		clear_owner(m, off);
		off = NIL;
	}
	if (off != NIL && m->state[off] == A_FREE) {
		ipam_unlink_free(m, off);
		m->state[off] = A_LEASED;
		m->in_use++;
	} else if (off == NIL) {
		off = m->head;
		if (off == NIL)
			return full(m, err);
		ipam_unlink_free(m, off);
		ipam_set_owner(m, off, owner);
		m->state[off] = A_LEASED;
		m->in_use++;
	}
	*out = off;
	return 0;
}

int net_ipam_alloc(struct lxr_ipam *m, const char *owner, uint32_t *addr, lxr_err *err)
{
	uint32_t off = 0;

	if (owner && ipam_far_find(m, owner)) /* its static address, beyond the window */
		return net_ip_parse(ipam_far_find(m, owner), addr, err);
	if (alloc_off(m, owner, &off, err) < 0)
		return -1;
	*addr = m->subnet.addr + off;
	return 0;
}

int net_ipam6_alloc(struct lxr_ipam *m, const char *owner, struct lxr_ip6 *addr, lxr_err *err)
{
	char buf[NET_IP6_STRLEN];
	uint32_t off = 0;

	if (owner && ipam_far_find(m, owner))
		return net_ip6_parse(ipam_far_find(m, owner), addr, err);
	if (alloc_off(m, owner, &off, err) < 0)
		return -1;
	return net_ip6_parse(ipam_off_str(m, off, buf), addr, err);
}

/* addr (text) is off in m's range, or NIL: outside it */
static int reserve_off(struct lxr_ipam *m, const char *owner, const char *addr, uint32_t off,
		       lxr_err *err)
{
	char s[NET_SUBNET6_STRLEN];
	uint32_t cur;

	if (ipam_check_owner(owner, err) < 0)
		return -1;
	if (off == NIL && ipam_beyond_window(m, addr))
		return ipam_far_reserve(m, owner, addr, err);
	if (off == NIL)
		return lxr_fail(err, EINVAL, "address %s is outside subnet %s", addr,
				ipam_subnet_str(m, s));
	if (m->state[off] == A_SYSTEM)
		return lxr_fail(err, EINVAL, "address %s is the %s address of %s", addr,
				system_what(m, off), ipam_subnet_str(m, s));
	if (m->state[off] == A_AUX)
		return lxr_fail(err, EINVAL,
				"address %s is kept back by the network's aux_addresses", addr),
		       lxr_err_hint(err, "give the container another address, or drop it from "
					 "aux_addresses");
	if (m->state[off] != A_FREE) {
		if (strcmp(m->owner[off], owner))
			return lxr_fail(err, EADDRINUSE, "address %s is already leased to %s", addr,
					m->owner[off]);
		m->state[off] = A_STATIC;
		return 0;
	}
	cur = ipam_find(m, owner);
	if (cur != NIL && m->state[cur] != A_FREE)
		ipam_free_off(m, cur);
	if (cur != NIL)
		clear_owner(m, cur);
	ipam_far_release(m, owner);
	ipam_unlink_free(m, off);
	ipam_set_owner(m, off, owner);
	m->state[off] = A_STATIC;
	m->in_use++;
	return 0;
}

int net_ipam_reserve(struct lxr_ipam *m, const char *owner, uint32_t addr, lxr_err *err)
{
	char a[16];
	uint32_t off = addr - m->subnet.addr;

	if (addr < m->subnet.addr || off >= m->size)
		off = NIL;
	return reserve_off(m, owner, net_ip_str(addr, a), off, err);
}

int net_ipam6_reserve(struct lxr_ipam *m, const char *owner, const struct lxr_ip6 *addr,
		      lxr_err *err)
{
	char a[NET_IP6_STRLEN];
	uint32_t slot = net_ip6_window_slot(&m->subnet6, addr);

	return reserve_off(m, owner, net_ip6_str(addr, a), slot ? slot - 1 : NIL, err);
}

bool net_ipam_release(struct lxr_ipam *m, const char *owner)
{
	uint32_t off = owner ? ipam_find(m, owner) : NIL;

	if (owner && ipam_far_release(m, owner))
		return true;
	if (off == NIL || m->state[off] == A_FREE)
		return false;
	ipam_free_off(m, off);
	return true;
}

bool net_ipam_lookup(const struct lxr_ipam *m, const char *owner, uint32_t *addr)
{
	uint32_t off = ipam_find(m, owner);
	const char *far = ipam_far_find(m, owner);
	lxr_err ignored;

	if (far)
		return net_ip_parse(far, addr, &ignored) == 0;
	if (off == NIL || m->state[off] == A_FREE)
		return false;
	*addr = m->subnet.addr + off;
	return true;
}

bool net_ipam6_lookup(const struct lxr_ipam *m, const char *owner, struct lxr_ip6 *addr)
{
	uint32_t off = ipam_find(m, owner);
	const char *far = ipam_far_find(m, owner);
	char buf[NET_IP6_STRLEN];
	lxr_err ignored;

	if (far)
		return net_ip6_parse(far, addr, &ignored) == 0;
	if (off == NIL || m->state[off] == A_FREE)
		return false;
	return net_ip6_parse(ipam_off_str(m, off, buf), addr, &ignored) == 0;
}

size_t net_ipam_in_use(const struct lxr_ipam *m)
{
	return m->in_use;
}

size_t net_ipam_capacity(const struct lxr_ipam *m)
{
	return m->capacity;
}

size_t net_ipam_reconcile(struct lxr_ipam *m, bool (*alive)(const char *owner, void *ctx),
			  void *ctx)
{
	size_t freed = 0;

	for (uint32_t o = 0; o < m->size; o++) {
		if ((m->state[o] == A_LEASED || m->state[o] == A_STATIC) &&
		    !alive(m->owner[o], ctx)) {
			ipam_free_off(m, o);
			freed++;
		}
	}
	return freed + ipam_far_reconcile(m, alive, ctx);
}

void net_ipam_each(const struct lxr_ipam *m, void (*fn)(const char *, uint32_t, void *), void *ctx)
{
	for (uint32_t o = 0; o < m->size; o++)
		if (m->state[o] == A_LEASED || m->state[o] == A_STATIC)
			fn(m->owner[o], m->subnet.addr + o, ctx);
	for (size_t i = 0; !m->v6 && i < m->n_far; i++) {
		uint32_t a;
		lxr_err ignored;
		if (m->far[i].owner && net_ip_parse(m->far[i].addr, &a, &ignored) == 0)
			fn(m->far[i].owner, a, ctx);
	}
}
