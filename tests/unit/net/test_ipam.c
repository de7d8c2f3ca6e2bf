/* The IP allocator: exhaustion, reuse order, static reservations, sticky
 * owners, the lease file round trip, and torn or stale lease files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lxr/net.h"

static uint32_t ip(const char *s)
{
	uint32_t a = 0;
	lxr_err err;
	assert_int_equal(net_ip_parse(s, &a, &err), 0);
	return a;
}

static struct lxr_ipam *make(const char *subnet, const char *gw)
{
	struct lxr_subnet sn;
	struct lxr_ipam *m = NULL;
	lxr_err err;

	assert_int_equal(net_subnet_parse(subnet, &sn, &err), 0);
	assert_int_equal(net_ipam_new(&sn, ip(gw), &m, &err), 0);
	return m;
}

static uint32_t alloc(struct lxr_ipam *m, const char *owner)
{
	uint32_t a = 0;
	lxr_err err;
	assert_int_equal(net_ipam_alloc(m, owner, &a, &err), 0);
	return a;
}

static void exhaust_29(void **state)
{
	/* /29: 8 addresses, minus network, broadcast, gateway = 5 */
	struct lxr_ipam *m = make("10.0.0.0/29", "10.0.0.1");
	const char *want[] = {"10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"};
	char owner[16];
	uint32_t a;
	lxr_err err;

	assert_int_equal(net_ipam_capacity(m), 5);
	for (int i = 0; i < 5; i++) {
		snprintf(owner, sizeof(owner), "o%d", i);
		assert_int_equal(alloc(m, owner), ip(want[i]));
	}
	assert_int_equal(net_ipam_alloc(m, "one-more", &a, &err), -1);
	assert_int_equal(err.errnum, ENOSPC);
	assert_non_null(strstr(err.msg, "10.0.0.0/29 is full"));
	assert_int_equal(net_ipam_in_use(m), 5);
	net_ipam_free(m);
}

static void gateway_in_middle(void **state)
{
	struct lxr_ipam *m = make("10.0.0.0/29", "10.0.0.4");
	uint32_t seen = 0;

	for (int i = 0; i < 5; i++) {
		char owner[8];
		snprintf(owner, sizeof(owner), "o%d", i);
		uint32_t a = alloc(m, owner);
		assert_int_not_equal(a, ip("10.0.0.4"));
		assert_int_not_equal(a, ip("10.0.0.0"));
		assert_int_not_equal(a, ip("10.0.0.7"));
		seen |= 1u << (a & 7);
	}
	assert_int_equal(seen, 0x6e); /* .1 .2 .3 .5 .6 */
	net_ipam_free(m);
}

static void release_reuse_order(void **state)
{
	struct lxr_ipam *m = make("10.0.0.0/24", "10.0.0.1");

	assert_int_equal(alloc(m, "a"), ip("10.0.0.2"));
	assert_int_equal(alloc(m, "b"), ip("10.0.0.3"));
	assert_int_equal(alloc(m, "c"), ip("10.0.0.4"));
	assert_true(net_ipam_release(m, "b"));
	assert_false(net_ipam_release(m, "b"));
	assert_false(net_ipam_release(m, "nobody"));
	/* a freed address goes to the back: never-used ones come first */
	assert_int_equal(alloc(m, "d"), ip("10.0.0.5"));
	/* the same owner again gets its old address back (sticky) */
	assert_int_equal(alloc(m, "b"), ip("10.0.0.3"));
	/* asking twice is idempotent */
	assert_int_equal(alloc(m, "b"), ip("10.0.0.3"));
	assert_int_equal(net_ipam_in_use(m), 4);
	net_ipam_free(m);
}

static void reuse_when_full_is_fifo(void **state)
{
	struct lxr_ipam *m = make("10.0.0.0/29", "10.0.0.1");
	char owner[8];

	for (int i = 0; i < 5; i++) {
		snprintf(owner, sizeof(owner), "o%d", i);
		alloc(m, owner);
	}
	assert_true(net_ipam_release(m, "o3")); /* .5 */
	assert_true(net_ipam_release(m, "o1")); /* .3 */
	/* new owners take the oldest free first; the hints are overwritten */
	assert_int_equal(alloc(m, "n1"), ip("10.0.0.5"));
	assert_int_equal(alloc(m, "n2"), ip("10.0.0.3"));
	/* o3's address went to n1: o3 is a new owner now, and the range is full */
	uint32_t a;
	lxr_err err;
	assert_int_equal(net_ipam_alloc(m, "o3", &a, &err), -1);
	assert_int_equal(err.errnum, ENOSPC);
	net_ipam_free(m);
}

static void static_reservations(void **state)
{
	struct lxr_ipam *m = make("10.0.0.0/24", "10.0.0.1");
	lxr_err err;
	uint32_t a;

	assert_int_equal(net_ipam_reserve(m, "db", ip("10.0.0.2"), &err), 0);
	/* dynamic allocation skips it */
	assert_int_equal(alloc(m, "web"), ip("10.0.0.3"));
	assert_int_equal(net_ipam_reserve(m, "other", ip("10.0.0.2"), &err), -1);
	assert_int_equal(err.errnum, EADDRINUSE);
	assert_non_null(strstr(err.msg, "already leased to db"));
	assert_int_equal(net_ipam_reserve(m, "x", ip("10.0.0.1"), &err), -1);
	assert_non_null(strstr(err.msg, "gateway"));
	assert_int_equal(net_ipam_reserve(m, "x", ip("10.0.0.255"), &err), -1);
	assert_non_null(strstr(err.msg, "broadcast"));
	assert_int_equal(net_ipam_reserve(m, "x", ip("10.0.0.0"), &err), -1);
	assert_non_null(strstr(err.msg, "network"));
	assert_int_equal(net_ipam_reserve(m, "x", ip("10.0.1.5"), &err), -1);
	assert_non_null(strstr(err.msg, "outside"));
	/* the holder of a dynamic address moves to its static one */
	assert_int_equal(net_ipam_reserve(m, "web", ip("10.0.0.50"), &err), 0);
	assert_true(net_ipam_lookup(m, "web", &a));
	assert_int_equal(a, ip("10.0.0.50"));
	assert_int_equal(net_ipam_in_use(m), 2);
	/* reserving what one holds already is fine */
	assert_int_equal(net_ipam_reserve(m, "db", ip("10.0.0.2"), &err), 0);
	assert_int_equal(net_ipam_alloc(m, "bad owner", &a, &err), -1);
	net_ipam_free(m);
}

static void round_trip(void **state)
{
	struct lxr_ipam *m = make("10.0.0.0/24", "10.0.0.1"), *n = NULL;
	struct lxr_subnet sn = {ip("10.0.0.0"), 24};
	lxr_err err;
	uint32_t a;

	alloc(m, "p/a");
	alloc(m, "p/b");
	alloc(m, "p/c");
	assert_int_equal(net_ipam_reserve(m, "p/db", ip("10.0.0.9"), &err), 0);
	net_ipam_release(m, "p/c");
	net_ipam_release(m, "p/a");
	char *text = net_ipam_dump(m);
	assert_string_equal(text, "lxr-leases 1 10.0.0.0/24 10.0.0.1\n"
				  "lease 10.0.0.3 dynamic p/b\n"
				  "lease 10.0.0.9 static p/db\n"
				  "free 10.0.0.4 p/c\n"
				  "free 10.0.0.2 p/a\n"
				  "end 5\n");
	assert_int_equal(net_ipam_load(text, &sn, ip("10.0.0.1"), &n, &err), 0);
	char *again = net_ipam_dump(n);
	assert_string_equal(text, again);
	assert_true(net_ipam_lookup(n, "p/b", &a));
	assert_int_equal(a, ip("10.0.0.3"));
	/* the reloaded FIFO still gives never-used addresses first, then the
	 * freed in release order; sticky hints survive */
	assert_int_equal(alloc(n, "q"), ip("10.0.0.5"));
	assert_int_equal(alloc(n, "p/a"), ip("10.0.0.2"));
	free(text);
	free(again);
	net_ipam_free(m);
	net_ipam_free(n);
}

static void torn_and_stale_files(void **state)
{
	struct lxr_subnet sn = {ip("10.0.0.0"), 24};
	struct lxr_ipam *n = NULL;
	lxr_err err;
	static const char *torn[] = {
	    "lxr-leases 1 10.0.0.0/24 10.0.0.1\nlease 10.0.0.3 dynamic p/b\n",
	    "lxr-leases 1 10.0.0.0/24 10.0.0.1\nlease 10.0.0.3 dyn",
	    "lxr-leases 1 10.0.0.0/24 10.0.0.1\nlease 10.0.0.3 dynamic p/b\nend 3\n",
	    "lxr-leases 1 10.0.0.0/24 10.0.0.1\nlease 10.0.0.3 dynamic p/b\n"
	    "lease 10.0.0.3 dynamic p/c\nend 3\n",
	    "lxr-leases 1 10.0.0.0/24 10.0.0.1\nlease 10.0.0.1 dynamic p/b\nend 2\n",
	    "lxr-leases 1 10.0.0.0/24 10.0.0.1\nlease 10.0.0.3 dynamic p/b\n"
	    "lease 10.0.0.4 dynamic p/b\nend 3\n",
	    "garbage\n",
	    "",
	};
	for (size_t i = 0; i < sizeof(torn) / sizeof(torn[0]); i++) {
		n = NULL;
		assert_int_equal(net_ipam_load(torn[i], &sn, ip("10.0.0.1"), &n, &err), -1);
		assert_int_equal(err.errnum, EBADMSG);
		assert_null(n);
	}
	assert_int_equal(net_ipam_load("lxr-leases 1 10.0.1.0/24 10.0.1.1\nend 1\n", &sn,
				       ip("10.0.0.1"), &n, &err),
			 -1);
	assert_int_equal(err.errnum, ESTALE);
}

static bool alive_if_not_gone(const char *owner, void *ctx)
{
	return !strstr(owner, "gone");
}

static void reconcile_frees_dead_owners(void **state)
{
	struct lxr_ipam *m = make("10.0.0.0/24", "10.0.0.1");
	uint32_t a;

	alloc(m, "p/live");
	alloc(m, "p/gone1");
	alloc(m, "p/gone2");
	assert_int_equal(net_ipam_reconcile(m, alive_if_not_gone, NULL), 2);
	assert_int_equal(net_ipam_in_use(m), 1);
	assert_false(net_ipam_lookup(m, "p/gone1", &a));
	assert_true(net_ipam_lookup(m, "p/live", &a));
	assert_int_equal(alloc(m, "p/gone1"), ip("10.0.0.3")); /* still sticky */
	net_ipam_free(m);
	/* a wide subnet's statics beyond its window too */
	m = make("10.0.0.0/8", "10.0.0.1");
	assert_int_equal(net_ipam_reserve(m, "p/gone3", ip("10.9.0.3"), &(lxr_err){0}), 0);
	assert_int_equal(net_ipam_reserve(m, "p/live2", ip("10.9.0.4"), &(lxr_err){0}), 0);
	assert_int_equal(net_ipam_reconcile(m, alive_if_not_gone, NULL), 1);
	assert_int_equal(net_ipam_in_use(m), 1);
	assert_false(net_ipam_lookup(m, "p/gone3", &a));
	assert_true(net_ipam_lookup(m, "p/live2", &a));
	net_ipam_free(m);
}

static void full_slash16(void **state)
{
	struct lxr_ipam *m = make("10.1.0.0/16", "10.1.0.1");
	char owner[24];
	uint32_t a;
	lxr_err err;

	assert_int_equal(net_ipam_capacity(m), 65533);
	for (int i = 0; i < 65533; i++) {
		snprintf(owner, sizeof(owner), "o%d", i);
		assert_int_equal(net_ipam_alloc(m, owner, &a, &err), 0);
	}
	assert_int_equal(net_ipam_alloc(m, "x", &a, &err), -1);
	for (int i = 0; i < 65533; i++) {
		snprintf(owner, sizeof(owner), "o%d", i);
		assert_true(net_ipam_release(m, owner));
	}
	assert_int_equal(net_ipam_in_use(m), 0);
	net_ipam_free(m);
}

/* ---- IPv6 ---------------------------------------------------------------- */
static struct lxr_ipam *make6(const char *subnet, const char *gw, struct lxr_subnet6 *sn)
{
	struct lxr_ip6 g;
	struct lxr_ipam *m = NULL;
	lxr_err err;

	assert_int_equal(net_subnet6_parse(subnet, sn, &err), 0);
	assert_int_equal(net_ip6_parse(gw, &g, &err), 0);
	assert_int_equal(net_ipam6_new(sn, &g, &m, &err), 0);
	return m;
}

static const char *alloc6(struct lxr_ipam *m, const char *owner, char *buf)
{
	struct lxr_ip6 a;
	lxr_err err;

	assert_int_equal(net_ipam6_alloc(m, owner, &a, &err), 0);
	return net_ip6_str(&a, buf);
}

/* A /64 is handed out from a window of its first 65536 addresses: the
 * subnet-router anycast address and the gateway are kept back, nothing is
 * a broadcast address. */
static void v6_window_of_a_slash64(void **state)
{
	struct lxr_subnet6 sn;
	struct lxr_ipam *m = make6("fd00:db8:5::/64", "fd00:db8:5::1", &sn);
	char buf[NET_IP6_STRLEN];
	struct lxr_ip6 a;
	lxr_err err;

	(void)state;
	assert_int_equal(net_ipam_capacity(m), 65534);
	assert_int_equal(net_ip6_window_size(&sn), 65536);
	assert_string_equal(alloc6(m, "p/web/1", buf), "fd00:db8:5::2");
	assert_string_equal(alloc6(m, "p/db/1", buf), "fd00:db8:5::3");
	/* the same owner gets the same address back */
	assert_string_equal(alloc6(m, "p/web/1", buf), "fd00:db8:5::2");
	/* static: inside the window, not reserved, not taken */
	assert_int_equal(net_ip6_parse("fd00:db8:5::ffff", &a, &err), 0);
	assert_int_equal(net_ipam6_reserve(m, "p/last/1", &a, &err), 0);
	/* beyond the window: taken, as docker takes any of the subnet's */
	assert_int_equal(net_ip6_parse("fd00:db8:5::1:0", &a, &err), 0);
	assert_int_equal(net_ipam6_reserve(m, "p/far/1", &a, &err), 0);
	assert_int_equal(net_ipam6_reserve(m, "p/x/1", &a, &err), -1);
	assert_int_equal(err.errnum, EADDRINUSE);
	assert_int_equal(net_ipam6_alloc(m, "p/far/1", &a, &err), 0);
	assert_string_equal(net_ip6_str(&a, buf), "fd00:db8:5::1:0");
	assert_int_equal(net_ip6_parse("fd00:db8:5::", &a, &err), 0);
	assert_int_equal(net_ipam6_reserve(m, "p/x/1", &a, &err), -1);
	assert_non_null(strstr(err.msg, "subnet-router anycast"));
	assert_int_equal(net_ip6_parse("fd00:db8:5::1", &a, &err), 0);
	assert_int_equal(net_ipam6_reserve(m, "p/x/1", &a, &err), -1);
	assert_non_null(strstr(err.msg, "gateway"));
	assert_int_equal(net_ip6_parse("fd00:db8:5::3", &a, &err), 0);
	assert_int_equal(net_ipam6_reserve(m, "p/x/1", &a, &err), -1);
	assert_int_equal(err.errnum, EADDRINUSE);
	assert_int_equal(net_ip6_parse("fd00:db8:6::3", &a, &err), 0);
	assert_int_equal(net_ipam6_reserve(m, "p/x/1", &a, &err), -1);
	/* released addresses go last, and the owner's hint survives */
	assert_true(net_ipam_release(m, "p/web/1"));
	assert_string_equal(alloc6(m, "p/new/1", buf), "fd00:db8:5::4");
	assert_string_equal(alloc6(m, "p/web/1", buf), "fd00:db8:5::2");
	assert_true(net_ipam6_lookup(m, "p/last/1", &a));
	assert_string_equal(net_ip6_str(&a, buf), "fd00:db8:5::ffff");
	assert_true(net_ipam6_lookup(m, "p/far/1", &a));
	assert_string_equal(net_ip6_str(&a, buf), "fd00:db8:5::1:0");
	assert_true(net_ipam_release(m, "p/far/1"));
	assert_false(net_ipam6_lookup(m, "p/far/1", &a));
	net_ipam_free(m);
}

/* A /120 is small enough to be its own window; its last address is a host
 * address (IPv6 has no broadcast), so it fills up at 254. */
static void v6_narrow_subnet_fills(void **state)
{
	struct lxr_subnet6 sn;
	struct lxr_ipam *m = make6("fd00:db8:6::100/120", "fd00:db8:6::1ff", &sn);
	char buf[NET_IP6_STRLEN], owner[32];
	struct lxr_ip6 a;
	lxr_err err;

	(void)state;
	assert_int_equal(net_ip6_window_size(&sn), 256);
	for (int i = 0; i < 254; i++) {
		snprintf(owner, sizeof(owner), "o%d", i);
		alloc6(m, owner, buf);
	}
	assert_string_equal(buf, "fd00:db8:6::1fe");
	assert_int_equal(net_ipam6_alloc(m, "one-more", &a, &err), -1);
	assert_int_equal(err.errnum, ENOSPC);
	net_ipam_free(m);
}

/* The lease file of an IPv6 allocator reads back the same; one written for
 * another subnet is stale. */
static void v6_round_trip(void **state)
{
	struct lxr_subnet6 sn, other;
	struct lxr_ipam *m = make6("fd00:db8:5::/64", "fd00:db8:5::1", &sn), *back = NULL;
	struct lxr_ip6 gw, a;
	char buf[NET_IP6_STRLEN];
	lxr_err err;

	(void)state;
	alloc6(m, "a", buf);
	alloc6(m, "b", buf);
	assert_true(net_ipam_release(m, "a"));
	char *text = net_ipam_dump(m), *again;
	assert_non_null(strstr(text, "lxr-leases 1 fd00:db8:5::/64 fd00:db8:5::1\n"));
	assert_non_null(strstr(text, "lease fd00:db8:5::3 dynamic b\n"));
	assert_non_null(strstr(text, "free fd00:db8:5::2 a\n"));
	assert_int_equal(net_ip6_parse("fd00:db8:5::1", &gw, &err), 0);
	assert_int_equal(net_ipam6_load(text, &sn, &gw, &back, &err), 0);
	again = net_ipam_dump(back);
	assert_string_equal(text, again);
	assert_true(net_ipam6_lookup(back, "b", &a));
	assert_string_equal(net_ip6_str(&a, buf), "fd00:db8:5::3");
	assert_int_equal(net_subnet6_parse("fd00:db8:9::/64", &other, &err), 0);
	net_ipam_free(back);
	back = NULL;
	assert_int_equal(net_ip6_parse("fd00:db8:9::1", &gw, &err), 0);
	assert_int_equal(net_ipam6_load(text, &other, &gw, &back, &err), -1);
	assert_int_equal(err.errnum, ESTALE);
	free(text);
	free(again);
	net_ipam_free(m);
}

/* ip_range: alloc hands out the range's addresses only, aux_addresses
 * never; a static address may be any of the subnet but an aux one; a hint
 * outside the range is not followed; the range full says so; the limits
 * hold over a lease file read back. */
static void range_and_aux(void **state)
{
	struct lxr_ipam *m = make("10.0.0.0/24", "10.0.0.1"), *back = NULL;
	char *const aux[] = {"10.0.0.129", "10.0.0.130", "10.0.0.7", NULL};
	_cleanup_free_ char *text = NULL;
	uint32_t a;
	lxr_err err;

	(void)state;
	assert_int_equal(net_ipam_limit(m, "10.0.0.128/29", aux, &err), 0);
	/* .128-.135, less the two aux addresses in it */
	assert_int_equal(net_ipam_capacity(m), 6);
	assert_int_equal(alloc(m, "a"), ip("10.0.0.128"));
	assert_int_equal(alloc(m, "b"), ip("10.0.0.131"));
	/* a static address outside the range, and one in it */
	assert_int_equal(net_ipam_reserve(m, "s", ip("10.0.0.20"), &err), 0);
	assert_int_equal(net_ipam_reserve(m, "t", ip("10.0.0.132"), &err), 0);
	assert_int_equal(net_ipam_reserve(m, "u", ip("10.0.0.7"), &err), -1);
	assert_non_null(strstr(err.msg, "aux_addresses"));
	assert_int_equal(net_ipam_reserve(m, "u", ip("10.0.0.130"), &err), -1);
	/* s gives its static address back and asks for one: from the range */
	assert_true(net_ipam_release(m, "s"));
	assert_int_equal(alloc(m, "s"), ip("10.0.0.133"));
	assert_int_equal(alloc(m, "c"), ip("10.0.0.134"));
	assert_int_equal(alloc(m, "d"), ip("10.0.0.135"));
	assert_int_equal(net_ipam_alloc(m, "e", &a, &err), -1);
	assert_int_equal(err.errnum, ENOSPC);
	assert_non_null(strstr(err.msg, "ip_range 10.0.0.128/29 is full"));
	/* read back into an allocator with the same limits */
	assert_true(net_ipam_release(m, "c"));
	text = net_ipam_dump(m);
	{
		struct lxr_subnet sn;
		assert_int_equal(net_subnet_parse("10.0.0.0/24", &sn, &err), 0);
		assert_int_equal(net_ipam_new(&sn, ip("10.0.0.1"), &back, &err), 0);
	}
	assert_int_equal(net_ipam_limit(back, "10.0.0.128/29", aux, &err), 0);
	assert_int_equal(net_ipam_fill(back, text, &err), 0);
	assert_int_equal(alloc(back, "e"), ip("10.0.0.134"));
	assert_int_equal(net_ipam_alloc(back, "f", &a, &err), -1);
	net_ipam_free(back);
	net_ipam_free(m);
}

/* What does not fit the subnet is said. */
static void range_and_aux_misfits(void **state)
{
	struct lxr_ipam *m = make("10.0.0.0/24", "10.0.0.1");
	char *const gw[] = {"10.0.0.1", NULL}, *const out[] = {"10.0.1.5", NULL};
	struct lxr_subnet6 sn;
	struct lxr_ip6 a;
	char buf[NET_IP6_STRLEN];
	lxr_err err;

	(void)state;
	assert_int_equal(net_ipam_limit(m, "10.0.1.0/28", NULL, &err), -1);
	assert_non_null(strstr(err.msg, "outside subnet"));
	assert_int_equal(net_ipam_limit(m, "10.0.0.0/16", NULL, &err), -1);
	assert_int_equal(net_ipam_limit(m, "10.0.0.3/28", NULL, &err), -1);
	assert_non_null(strstr(err.msg, "host bits"));
	assert_int_equal(net_ipam_limit(m, NULL, gw, &err), -1);
	assert_non_null(strstr(err.msg, "gateway address"));
	assert_int_equal(net_ipam_limit(m, NULL, out, &err), -1);
	net_ipam_free(m);
	/* IPv6: a range within the window, aux kept back */
	m = make6("fd00:db8:7::/64", "fd00:db8:7::1", &sn);
	{
		char *const aux6[] = {"fd00:db8:7::100", "fd00:db8:7:0:1::1", NULL};
		assert_int_equal(net_ipam_limit(m, "fd00:db8:7::100/126", aux6, &err), 0);
	}
	assert_string_equal(alloc6(m, "a", buf), "fd00:db8:7::101");
	assert_string_equal(alloc6(m, "b", buf), "fd00:db8:7::102");
	assert_string_equal(alloc6(m, "c", buf), "fd00:db8:7::103");
	assert_int_equal(net_ipam6_alloc(m, "d", &a, &err), -1);
	assert_int_equal(err.errnum, ENOSPC);
	net_ipam_free(m);
	m = make6("fd00:db8:7::/64", "fd00:db8:7::1", &sn);
	assert_int_equal(net_ipam_limit(m, "fd00:db8:7:0:1::/112", NULL, &err), -1);
	assert_non_null(strstr(err.msg, "beyond the first 65536"));
	net_ipam_free(m);
}

/* A /8 is allocated in its window, its first 65536 addresses: the gateway
 * and the network address are kept back, the window's last address is a
 * host address (the subnet's broadcast is far beyond). A static address
 * past the window is taken, as docker takes any of the subnet's: once,
 * never handed out, counted in use, moved from and to, released. */
static void wide_window_of_a_slash8(void **state)
{
	struct lxr_ipam *m = make("10.0.0.0/8", "10.0.0.1");
	struct lxr_subnet sn;
	char owner[24];
	uint32_t a = 0;
	lxr_err err;

	(void)state;
	assert_int_equal(net_subnet_parse("172.16.0.0/12", &sn, &err), 0);
	assert_int_equal(net_ip_window_size(&sn), 65536);
	assert_int_equal(net_subnet_parse("10.1.2.0/24", &sn, &err), 0);
	assert_int_equal(net_ip_window_size(&sn), 256);
	assert_int_equal(net_ipam_capacity(m), 65534);
	assert_int_equal(alloc(m, "first"), ip("10.0.0.2"));
	assert_int_equal(net_ipam_reserve(m, "edge", ip("10.0.255.255"), &err), 0);
	assert_int_equal(net_ipam_reserve(m, "s", ip("10.0.200.7"), &err), 0);
	assert_int_equal(net_ipam_in_use(m), 3);
	assert_int_equal(net_ipam_reserve(m, "far", ip("10.3.0.5"), &err), 0);
	assert_int_equal(net_ipam_in_use(m), 4);
	assert_int_equal(net_ipam_reserve(m, "far", ip("10.3.0.5"), &err), 0);
	assert_int_equal(net_ipam_in_use(m), 4);
	assert_true(net_ipam_lookup(m, "far", &a));
	assert_int_equal(a, ip("10.3.0.5"));
	/* its owner asking for an address keeps it */
	assert_int_equal(alloc(m, "far"), ip("10.3.0.5"));
	assert_int_equal(net_ipam_reserve(m, "other", ip("10.3.0.5"), &err), -1);
	assert_int_equal(err.errnum, EADDRINUSE);
	assert_non_null(strstr(err.msg, "already leased to far"));
	assert_int_equal(net_ipam_reserve(m, "bc", ip("10.255.255.255"), &err), -1);
	assert_int_equal(err.errnum, EINVAL);
	assert_non_null(strstr(err.msg, "broadcast address of 10.0.0.0/8"));
	/* a window lease moves out there, and back in */
	assert_int_equal(net_ipam_reserve(m, "first", ip("10.200.0.9"), &err), 0);
	assert_int_equal(net_ipam_in_use(m), 4);
	assert_int_equal(alloc(m, "first"), ip("10.200.0.9"));
	assert_int_equal(net_ipam_reserve(m, "first", ip("10.0.0.2"), &err), 0);
	assert_int_equal(net_ipam_in_use(m), 4);
	assert_int_equal(net_ipam_reserve(m, "moved", ip("10.200.0.9"), &err), 0);
	assert_true(net_ipam_release(m, "moved"));
	assert_false(net_ipam_release(m, "moved"));
	assert_int_equal(net_ipam_in_use(m), 4);
	assert_int_equal(net_ipam_reserve(m, "out", ip("11.0.0.1"), &err), -1);
	assert_non_null(strstr(err.msg, "outside subnet 10.0.0.0/8"));
	assert_int_equal(net_ipam_reserve(m, "gw", ip("10.0.0.1"), &err), -1);
	assert_non_null(strstr(err.msg, "gateway address"));
	for (int i = 3; i < 65534; i++) {
		snprintf(owner, sizeof(owner), "o%d", i);
		assert_int_equal(net_ipam_alloc(m, owner, &a, &err), 0);
		assert_true(a - ip("10.0.0.0") < 65535);
	}
	/* the far static counts in use, not against the window's capacity */
	assert_int_equal(net_ipam_in_use(m), 65535);
	assert_int_equal(net_ipam_alloc(m, "x", &a, &err), -1);
	assert_int_equal(err.errnum, ENOSPC);
	assert_non_null(strstr(err.msg, "all 65534 addresses"));
	net_ipam_free(m);
}

/* The gateway among the window's addresses; an ip_range starting in it
 * (a wider one hands out its part of the window), aux addresses beyond it
 * taken and never handed out; the lease file as for a narrow subnet. */
static void wide_gateway_range_and_file(void **state)
{
	struct lxr_ipam *m = NULL, *n = NULL;
	struct lxr_subnet sn;
	char *const aux[] = {"172.16.0.3", "172.20.0.1", NULL};
	char *const out[] = {"172.32.0.1", NULL};
	lxr_err err;
	uint32_t a;

	(void)state;
	assert_int_equal(net_subnet_parse("172.16.0.0/12", &sn, &err), 0);
	assert_int_equal(net_ipam_new(&sn, ip("172.17.0.1"), &m, &err), -1);
	assert_non_null(strstr(err.msg, "among the first 65536 of 172.16.0.0/12"));
	assert_int_equal(net_ipam_new(&sn, ip("172.16.255.255"), &m, &err), 0);
	assert_int_equal(net_ipam_limit(m, "172.17.0.0/16", NULL, &err), -1);
	assert_non_null(strstr(err.msg, "starts beyond the first 65536 addresses"));
	assert_int_equal(net_ipam_limit(m, "172.32.0.0/16", NULL, &err), -1);
	assert_non_null(strstr(err.msg, "outside subnet"));
	assert_int_equal(net_ipam_limit(m, NULL, out, &err), -1);
	assert_int_equal(net_ipam_limit(m, "172.16.0.0/14", aux, &err), 0);
	assert_int_equal(net_ipam_capacity(m), 65533);
	assert_int_equal(alloc(m, "p/a"), ip("172.16.0.1"));
	assert_int_equal(alloc(m, "p/b"), ip("172.16.0.2"));
	assert_int_equal(alloc(m, "p/c"), ip("172.16.0.4"));
	assert_int_equal(net_ipam_reserve(m, "p/d", ip("172.16.0.3"), &err), -1);
	/* an aux address beyond the window is kept back from a static too */
	assert_int_equal(net_ipam_reserve(m, "p/d", ip("172.20.0.1"), &err), -1);
	assert_non_null(strstr(err.msg, "aux_addresses"));
	assert_int_equal(net_ipam_reserve(m, "p/e", ip("172.28.5.9"), &err), 0);
	net_ipam_release(m, "p/b");
	char *text = net_ipam_dump(m);
	assert_string_equal(text, "lxr-leases 1 172.16.0.0/12 172.16.255.255\n"
				  "lease 172.16.0.1 dynamic p/a\n"
				  "lease 172.16.0.4 dynamic p/c\n"
				  "lease 172.28.5.9 static p/e\n"
				  "free 172.16.0.2 p/b\n"
				  "end 5\n");
	assert_int_equal(net_ipam_load(text, &sn, ip("172.16.255.255"), &n, &err), 0);
	assert_true(net_ipam_lookup(n, "p/c", &a));
	assert_int_equal(a, ip("172.16.0.4"));
	assert_true(net_ipam_lookup(n, "p/e", &a));
	assert_int_equal(a, ip("172.28.5.9"));
	assert_int_equal(net_ipam_in_use(n), 3);
	net_ipam_free(n);
	/* a far line twice, or a dynamic one out there, is a damaged file */
	assert_int_equal(net_ipam_load("lxr-leases 1 172.16.0.0/12 172.16.255.255\n"
				       "lease 172.28.5.9 static p/e\n"
				       "lease 172.28.5.9 static p/f\n"
				       "end 3\n",
				       &sn, ip("172.16.255.255"), &n, &err),
			 -1);
	assert_int_equal(err.errnum, EBADMSG);
	assert_int_equal(net_ipam_load("lxr-leases 1 172.16.0.0/12 172.16.255.255\n"
				       "lease 172.28.5.9 static p/e\n"
				       "lease 172.16.0.9 dynamic p/e\n"
				       "end 3\n",
				       &sn, ip("172.16.255.255"), &n, &err),
			 -1);
	assert_int_equal(err.errnum, EBADMSG);
	assert_int_equal(net_ipam_load("lxr-leases 1 172.16.0.0/12 172.16.255.255\n"
				       "lease 172.28.5.9 dynamic p/e\n"
				       "end 2\n",
				       &sn, ip("172.16.255.255"), &n, &err),
			 -1);
	assert_int_equal(err.errnum, EBADMSG);
	n = NULL;
	free(text);
	net_ipam_free(n);
	net_ipam_free(m);
	/* wider than /8: not a subnet lxr runs */
	sn.prefix = 7;
	sn.addr = ip("64.0.0.0");
	assert_int_equal(net_ipam_new(&sn, ip("64.0.0.1"), &m, &err), -1);
	assert_int_equal(net_subnet_parse("64.0.0.0/7", &sn, &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(exhaust_29),
	    cmocka_unit_test(gateway_in_middle),
	    cmocka_unit_test(release_reuse_order),
	    cmocka_unit_test(reuse_when_full_is_fifo),
	    cmocka_unit_test(static_reservations),
	    cmocka_unit_test(round_trip),
	    cmocka_unit_test(torn_and_stale_files),
	    cmocka_unit_test(reconcile_frees_dead_owners),
	    cmocka_unit_test(full_slash16),
	    cmocka_unit_test(v6_window_of_a_slash64),
	    cmocka_unit_test(v6_narrow_subnet_fills),
	    cmocka_unit_test(v6_round_trip),
	    cmocka_unit_test(range_and_aux),
	    cmocka_unit_test(range_and_aux_misfits),
	    cmocka_unit_test(wide_window_of_a_slash8),
	    cmocka_unit_test(wide_gateway_range_and_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
