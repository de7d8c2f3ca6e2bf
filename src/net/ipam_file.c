/* The allocator's lease file: its text (net_ipam_dump) and reading it back
 * into a new allocator, refusing a torn, damaged or stale one. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/ipam_internal.h"

char *net_ipam_dump(const struct lxr_ipam *m)
{
	char *buf = NULL, a[NET_IP6_STRLEN], s[NET_SUBNET6_STRLEN];
	size_t len = 0, lines = 1;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	fprintf(f, "lxr-leases 1 %s %s\n", ipam_subnet_str(m, s),
		m->v6 ? net_ip6_str(&m->gateway6, a) : net_ip_str(m->gateway, a));
	for (uint32_t o = 0; o < m->size; o++) {
		if (m->state[o] != A_LEASED && m->state[o] != A_STATIC)
			continue;
		fprintf(f, "lease %s %s %s\n", ipam_off_str(m, o, a),
			m->state[o] == A_STATIC ? "static" : "dynamic", m->owner[o]);
		lines++;
	}
	lines += ipam_far_dump(m, f);
	/* Hints in FIFO order, so a reload keeps "freed addresses come last". */
	for (uint32_t o = m->head; o != NIL; o = m->next[o])
		if (m->owner[o]) {
			fprintf(f, "free %s %s\n", ipam_off_str(m, o, a), m->owner[o]);
			lines++;
		}
	fprintf(f, "end %zu\n", lines);
	fclose(f);
	return buf;
}

static int bad_line(lxr_err *err, size_t n, const char *why)
{
	return lxr_fail(err, EBADMSG, "lease file line %zu: %s", n, why);
}

/* One "lease ADDR KIND OWNER" or "free ADDR OWNER" line into m. */
static int load_line(struct lxr_ipam *m, char *line, size_t n, lxr_err *err)
{
	char *save = NULL, *kw = strtok_r(line, " ", &save), *ip = strtok_r(NULL, " ", &save);
	char *kind = !strcmp(kw, "lease") ? strtok_r(NULL, " ", &save) : NULL;
	char *owner = strtok_r(NULL, " ", &save);
	uint32_t off;
	lxr_err ignored;

	if (!ip || !owner || strtok_r(NULL, " ", &save) ||
	    (strcmp(kw, "lease") && strcmp(kw, "free")))
		return bad_line(err, n, "unknown or incomplete line");
	if (kind && strcmp(kind, "static") && strcmp(kind, "dynamic"))
		return bad_line(err, n, "lease kind must be static or dynamic");
	if (ipam_check_owner(owner, &ignored) < 0)
		return bad_line(err, n, "bad address or owner");
	off = ipam_str_off(m, ip);
	/* a static address beyond a wide subnet's window */
	if (off == NIL && kind && !strcmp(kind, "static") && ipam_beyond_window(m, ip)) {
		char c[NET_IP6_STRLEN];
		if (ipam_find(m, owner) != NIL || ipam_far_find(m, owner) ||
		    strcmp(ip, ipam_canonical(m, ip, c)) ||
		    ipam_far_reserve(m, owner, ip, &ignored) < 0)
			return bad_line(err, n, "address reserved, not canonical, or listed twice");
		return 0;
	}
	if (off == NIL || m->state[off] != A_FREE || m->owner[off] || ipam_find(m, owner) != NIL ||
	    ipam_far_find(m, owner))
		return bad_line(err, n, "address outside the subnet, reserved, or listed twice");
	ipam_unlink_free(m, off);
	ipam_set_owner(m, off, owner);
	if (kind) {
		m->state[off] = !strcmp(kind, "static") ? A_STATIC : A_LEASED;
		m->in_use++;
	} else {
		ipam_push_tail(m, off);
	}
	return 0;
}

static int load_header(const char *line, const struct lxr_ipam *m, lxr_err *err)
{
	char want[128], s[NET_SUBNET6_STRLEN], g[NET_IP6_STRLEN];

	snprintf(want, sizeof(want), "lxr-leases 1 %s %s", ipam_subnet_str(m, s),
		 m->v6 ? net_ip6_str(&m->gateway6, g) : net_ip_str(m->gateway, g));
	if (!lxr_str_has_prefix(line, "lxr-leases "))
		return bad_line(err, 1, "not an lxr lease file");
	if (strcmp(line, want))
		return lxr_fail(err, ESTALE,
				"lease file is for another subnet (\"%s\", want \"%s\")", line,
				want);
	return 0;
}

int net_ipam_fill(struct lxr_ipam *m, const char *text, lxr_err *err)
{
	_cleanup_free_ char *copy = lxr_xstrdup(text);
	char *save = NULL, *line;
	size_t n = 0;
	bool ended = false;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		n++;
		if (ended)
			return bad_line(err, n, "line count does not match the end line");
		if (n == 1) {
			if (load_header(line, m, err) < 0)
				return -1;
		} else if (lxr_str_has_prefix(line, "end ")) {
			char want[32];
			snprintf(want, sizeof(want), "end %zu", n - 1);
			if (strcmp(line, want))
				return bad_line(err, n, "line count does not match the end line");
			ended = true;
		} else if (load_line(m, line, n, err) < 0) {
			return -1;
		}
	}
	if (!ended)
		return lxr_fail(err, EBADMSG,
				"lease file is incomplete (no end line after %zu lines)", n);
	return 0;
}

/* text into m, which is new */
static int load_into(struct lxr_ipam *m, const char *text, struct lxr_ipam **out, lxr_err *err)
{
	if (net_ipam_fill(m, text, err) < 0) {
		net_ipam_free(m);
		return -1;
	}
	*out = m;
	return 0;
}

int net_ipam_load(const char *text, const struct lxr_subnet *subnet, uint32_t gateway,
		  struct lxr_ipam **out, lxr_err *err)
{
	struct lxr_ipam *m = NULL;

	if (net_ipam_new(subnet, gateway, &m, err) < 0)
		return -1;
	return load_into(m, text, out, err);
}

int net_ipam6_load(const char *text, const struct lxr_subnet6 *subnet,
		   const struct lxr_ip6 *gateway, struct lxr_ipam **out, lxr_err *err)
{
	struct lxr_ipam *m = NULL;

	if (net_ipam6_new(subnet, gateway, &m, err) < 0)
		return -1;
	return load_into(m, text, out, err);
}
