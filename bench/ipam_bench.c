/* bench/ipam: the O(1) claim of lxr's IP allocator, measured. Fills a /16
 * (65533 leasable addresses) one allocation at a time, then at 1%, 50% and
 * 99% occupancy times a steady mix of one release and one allocation, and
 * finally releases every address. Prints nanoseconds per operation; flat
 * numbers across occupancy are what O(1) looks like. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lxr/net.h"

#define ROUNDS 20000

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void die(const lxr_err *err)
{
	lxr_err_print(err);
	exit(1);
}

int main(void)
{
	struct lxr_subnet sn = {(10u << 24) | (200u << 16), 16};
	struct lxr_ipam *m;
	lxr_err err;
	uint32_t a;
	size_t cap, filled = 0;
	char **owner;
	const int pct[] = {1, 50, 99};
	double t0, fill_ns, free_ns;

	if (net_ipam_new(&sn, sn.addr + 1, &m, &err) < 0)
		die(&err);
	cap = net_ipam_capacity(m);
	owner = calloc(cap + 1, sizeof(char *));
	for (size_t i = 0; i <= cap; i++)
		if (asprintf(&owner[i], "bench/svc/%zu", i) < 0)
			abort();
	printf("subnet 10.200.0.0/16, %zu leasable addresses\n", cap);
	printf("%-10s %14s %14s\n", "occupancy", "alloc ns/op", "release ns/op");
	t0 = now_ns();
	for (int p = 0; p < 3; p++) {
		size_t target = cap * (size_t)pct[p] / 100;
		double ta = 0, tr = 0, t;
		for (; filled < target; filled++)
			if (net_ipam_alloc(m, owner[filled], &a, &err) < 0)
				die(&err);
		/* steady state at this occupancy: release one holder, let a new
		 * owner take an address, put the holder back */
		for (int r = 0; r < ROUNDS; r++) {
			const char *victim = owner[(size_t)r % filled];
			t = now_ns();
			net_ipam_release(m, victim);
			tr += now_ns() - t;
			t = now_ns();
			if (net_ipam_alloc(m, owner[cap], &a, &err) < 0)
				die(&err);
			ta += now_ns() - t;
			net_ipam_release(m, owner[cap]);
			if (net_ipam_alloc(m, victim, &a, &err) < 0)
				die(&err);
		}
		printf("%8d%% %14.1f %14.1f\n", pct[p], ta / ROUNDS, tr / ROUNDS);
	}
	for (; filled < cap; filled++)
		if (net_ipam_alloc(m, owner[filled], &a, &err) < 0)
			die(&err);
	fill_ns = now_ns() - t0;
	if (net_ipam_alloc(m, owner[cap], &a, &err) == 0) {
		fprintf(stderr, "a full /16 handed out one more address\n");
		return 1;
	}
	t0 = now_ns();
	for (size_t i = 0; i < cap; i++)
		net_ipam_release(m, owner[i]);
	free_ns = now_ns() - t0;
	printf("fill all %zu (incl. steady rounds): %.1f ms; release all: %.1f ms (%.1f ns/op)\n",
	       cap, fill_ns / 1e6, free_ns / 1e6, free_ns / (double)cap);
	for (size_t i = 0; i <= cap; i++)
		free(owner[i]);
	free(owner);
	net_ipam_free(m);
	return 0;
}
