/* The records' text: "key value" lines, one file per network and per
 * endpoint (records.c keeps them). A record is read back by the code that
 * removes what it describes, so parsing is strict: an unknown or damaged
 * line is an error, never a default. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_internal.h"

char *net_rec_text(const struct net_rec *r)
{
	char *buf = NULL, sn[19], gw[16], sn6[NET_SUBNET6_STRLEN], gw6[NET_IP6_STRLEN];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	if (r->bridge[0])
		fprintf(f, "bridge %s\n", r->bridge);
	fprintf(f, "subnet %s\ngateway %s\n", net_subnet_str(&r->subnet, sn),
		net_ip_str(r->gateway, gw));
	if (r->driver[0])
		fprintf(f, "driver %s\nparent %s\nmode %s\nflag %s\n", r->driver,
			r->parent[0] ? r->parent : "-", r->mode, r->flag);
	if (r->subnet6.prefix)
		fprintf(f, "subnet6 %s\ngateway6 %s\n", net_subnet6_str(&r->subnet6, sn6),
			net_ip6_str(&r->gateway6, gw6));
	fprintf(f, "internal %d\nephemeral %d\nmtu %d\n", r->internal, r->ephemeral, r->mtu);
	if (r->ip_range)
		fprintf(f, "ip_range %s\n", r->ip_range);
	if (r->ip_range6)
		fprintf(f, "ip_range6 %s\n", r->ip_range6);
	for (size_t i = 0; r->aux && r->aux[i]; i++)
		fprintf(f, "aux %s\n", r->aux[i]);
	if (r->altname[0])
		fprintf(f, "altname %s\n", r->altname);
	/* docker's defaults write nothing: a record reads as it did before */
	if (r->no_icc)
		fprintf(f, "icc 0\n");
	if (r->no_masquerade)
		fprintf(f, "masquerade 0\n");
	if (r->unprotected)
		fprintf(f, "gateway_mode_ipv4 nat-unprotected\n");
	if (r->unprotected6)
		fprintf(f, "gateway_mode_ipv6 nat-unprotected\n");
	if (r->host_binding)
		fprintf(f, "host_binding_ipv4 %s\n", net_ip_str(r->host_binding, gw));
	fclose(f);
	return buf;
}

/* Split "key value" (value may be empty); false for a malformed line. */
static bool kv(char *line, char **key, char **val)
{
	char *sp = strchr(line, ' ');
	if (!sp)
		return false;
	*sp = '\0';
	*key = line;
	*val = sp + 1;
	return true;
}

/* A macvlan or ipvlan network's driver, parent ("-": none), mode and flag,
 * each a word of its field's size: 0; 1 when k is none of them; -1 bad. */
static int rec_word(struct net_rec *r, const char *k, const char *v)
{
	const struct {
		const char *key;
		char *to;
		size_t size;
	} f[] = {{"driver", r->driver, sizeof(r->driver)},
		 {"parent", r->parent, sizeof(r->parent)},
		 {"mode", r->mode, sizeof(r->mode)},
		 {"flag", r->flag, sizeof(r->flag)}};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (strcmp(k, f[i].key))
			continue;
		if (f[i].to == r->parent && !strcmp(v, "-"))
			return 0;
		if (!*v || strlen(v) >= f[i].size || (f[i].to == r->parent && !lxr_ifname_valid(v)))
			return -1;
		strcpy(f[i].to, v);
		return 0;
	}
	return 1;
}

int net_rec_parse(const char *text, struct net_rec *r, lxr_err *err)
{
	_cleanup_free_ char *copy = lxr_xstrdup(text);
	char *save = NULL, *k, *v;
	int seen = 0, w;

	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!kv(l, &k, &v))
			return lxr_fail(err, EBADMSG, "network record: bad line \"%s\"", l);
		if (!strcmp(k, "bridge") && strlen(v) < IFNAMSIZ && lxr_str_has_prefix(v, "lxr-")) {
			strcpy(r->bridge, v);
			seen |= 1;
		} else if (!strcmp(k, "subnet")) {
			if (net_subnet_parse(v, &r->subnet, err) < 0)
				return lxr_err_wrap(err, "network record");
			seen |= 2;
		} else if (!strcmp(k, "gateway")) {
			if (net_ip_parse(v, &r->gateway, err) < 0)
				return lxr_err_wrap(err, "network record");
			seen |= 4;
		} else if (!strcmp(k, "subnet6")) {
			if (net_subnet6_parse(v, &r->subnet6, err) < 0)
				return lxr_err_wrap(err, "network record");
		} else if (!strcmp(k, "gateway6")) {
			if (net_ip6_parse(v, &r->gateway6, err) < 0)
				return lxr_err_wrap(err, "network record");
		} else if (!strcmp(k, "internal")) {
			r->internal = !strcmp(v, "1");
		} else if (!strcmp(k, "ephemeral")) {
			r->ephemeral = !strcmp(v, "1");
		} else if (!strcmp(k, "mtu")) {
			r->mtu = atoi(v);
		} else if (!strcmp(k, "ip_range") || !strcmp(k, "ip_range6")) {
			char **to = k[8] ? &r->ip_range6 : &r->ip_range;
			free(*to);
			*to = lxr_xstrdup(v);
		} else if (!strcmp(k, "aux")) {
			lxr_strv_push(&r->aux, lxr_xstrdup(v));
		} else if (!strcmp(k, "altname") && lxr_ifname_valid(v)) {
			strcpy(r->altname, v);
		} else if (!strcmp(k, "icc") || !strcmp(k, "masquerade")) {
			*(k[0] == 'i' ? &r->no_icc : &r->no_masquerade) = !strcmp(v, "0");
		} else if (!strcmp(k, "gateway_mode_ipv4") || !strcmp(k, "gateway_mode_ipv6")) {
			*(k[16] == '4' ? &r->unprotected : &r->unprotected6) =
			    !strcmp(v, "nat-unprotected");
		} else if (!strcmp(k, "host_binding_ipv4")) {
			if (net_ip_parse(v, &r->host_binding, err) < 0)
				return lxr_err_wrap(err, "network record");
		} else if ((w = rec_word(r, k, v)) <= 0) {
			if (w < 0)
				return lxr_fail(err, EBADMSG, "network record: bad %s \"%s\"", k,
						v);
		} else {
			return lxr_fail(err, EBADMSG, "network record: unknown key \"%s\"", k);
		}
	}
	/* a macvlan or ipvlan network on a host interface has no link of lxr's */
	if (seen != 7 && (seen != 6 || !r->driver[0] || !r->parent[0]))
		return lxr_fail(err, EBADMSG, "network record: bridge, subnet or gateway missing");
	return 0;
}

void net_rec_free(struct net_rec *r)
{
	free(r->name);
	r->name = NULL;
	free(r->ip_range);
	free(r->ip_range6);
	r->ip_range = r->ip_range6 = NULL;
	lxr_strv_free(r->aux);
	r->aux = NULL;
}

char *net_ep_text(const struct ep_rec *e)
{
	char *buf = NULL, ip[NET_IP6_STRLEN];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	fprintf(f, "network %s\nowner %s\nveth %s\nip %s\npeer_names %d\n", e->network, e->owner,
		e->veth[0] ? e->veth : "-", net_ip_str(e->ip, ip), e->peer_names);
	if (e->has_ip6)
		fprintf(f, "ip6 %s\n", net_ip6_str(&e->ip6, ip));
	if (e->has_mac)
		fprintf(f, "mac %02x:%02x:%02x:%02x:%02x:%02x\n", e->mac[0], e->mac[1], e->mac[2],
			e->mac[3], e->mac[4], e->mac[5]);
	if (e->gw)
		fprintf(f, "gw %d\n", e->gw);
	if (e->holder)
		fprintf(f, "holder %d %llu\n", e->holder, e->holder_start);
	for (size_t i = 0; i < e->n_ports; i++) {
		const struct lxr_port *p = &e->ports[i];
		fprintf(f, "port %s %u %u %u %u %s%s\n",
			p->host_v6 ? net_ip6_str(&p->host_ip6, ip) : net_ip_str(p->host_ip, ip),
			p->host_port, p->host_end, p->ctr_port, p->ctr_end, p->udp ? "udp" : "tcp",
			p->v4_only ? " v4" : "");
	}
	for (size_t i = 0; e->names && e->names[i]; i++)
		fprintf(f, "name %s\n", e->names[i]);
	for (size_t i = 0; e->extra && e->extra[i]; i++)
		fprintf(f, "extra %s\n", e->extra[i]);
	if (e->joins)
		fprintf(f, "joins %s\nifname %s\n", e->joins, e->ifname);
	else if (!e->veth[0]) /* a macvlan's or ipvlan's, deleted by name */
		fprintf(f, "ifname %s\n", e->ifname);
	if (e->netproj)
		fprintf(f, "netproject %s\n", e->netproj);
	for (size_t i = 0; e->dns && e->dns[i]; i++)
		fprintf(f, "dns %s\n", e->dns[i]);
	for (size_t i = 0; e->dns_search && e->dns_search[i]; i++)
		fprintf(f, "search %s\n", e->dns_search[i]);
	for (size_t i = 0; e->dns_opt && e->dns_opt[i]; i++)
		fprintf(f, "dns_opt %s\n", e->dns_opt[i]);
	fclose(f);
	return buf;
}

static int parse_port(const char *v, struct ep_rec *e, lxr_err *err)
{
	char ip[NET_IP6_STRLEN], proto[4];
	unsigned hp, he, cp, ce;
	struct lxr_port p = {0};

	p.host_v6 = strchr(v, ':') && strchr(v, ':') < strchr(v, ' ');
	if (lxr_sscanf(v, "%45s %u %u %u %u %3s", ip, &hp, &he, &cp, &ce, proto) != 6 ||
	    (p.host_v6 ? net_ip6_parse(ip, &p.host_ip6, err) : net_ip_parse(ip, &p.host_ip, err)) <
		0 ||
	    hp > 65535 || he > 65535 || cp > 65535 || ce > 65535)
		return lxr_fail(err, EBADMSG, "endpoint record: bad port \"%s\"", v);
	p.host_port = (uint16_t)hp;
	p.host_end = (uint16_t)he;
	p.ctr_port = (uint16_t)cp;
	p.ctr_end = (uint16_t)ce;
	p.udp = !strcmp(proto, "udp");
	p.v4_only = !p.host_v6 && !p.host_ip && strlen(v) > 3 && !strcmp(v + strlen(v) - 3, " v4");
	e->ports = lxr_xrealloc(e->ports, (e->n_ports + 1) * sizeof(*e->ports));
	e->ports[e->n_ports++] = p;
	return 0;
}

int net_ep_parse(const char *text, struct ep_rec *e, lxr_err *err)
{
	_cleanup_free_ char *copy = lxr_xstrdup(text);
	char *save = NULL, *k, *v;
	bool veth = false;

	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!kv(l, &k, &v))
			return lxr_fail(err, EBADMSG, "endpoint record: bad line \"%s\"", l);
		if (!strcmp(k, "network") && !e->network) {
			e->network = lxr_xstrdup(v);
		} else if (!strcmp(k, "owner") && !e->owner) {
			e->owner = lxr_xstrdup(v);
		} else if (!strcmp(k, "veth") && !strcmp(v, "-")) {
			veth = true; /* a macvlan or ipvlan: no host end */
		} else if (!strcmp(k, "veth") && strlen(v) < IFNAMSIZ &&
			   lxr_str_has_prefix(v, "lxr")) {
			strcpy(e->veth, v);
			veth = true;
		} else if (!strcmp(k, "ip")) {
			if (net_ip_parse(v, &e->ip, err) < 0)
				return lxr_err_wrap(err, "endpoint record");
		} else if (!strcmp(k, "ip6")) {
			if (net_ip6_parse(v, &e->ip6, err) < 0)
				return lxr_err_wrap(err, "endpoint record");
			e->has_ip6 = true;
		} else if (!strcmp(k, "mac")) {
			if (net_mac_parse(v, e->mac) < 0)
				return lxr_fail(err, EBADMSG, "endpoint record: bad mac \"%s\"", v);
			e->has_mac = true;
		} else if (!strcmp(k, "gw")) {
			e->gw = atoi(v);
		} else if (!strcmp(k, "peer_names")) {
			e->peer_names = !strcmp(v, "1");
		} else if (!strcmp(k, "holder")) {
			if (lxr_sscanf(v, "%d %llu", &e->holder, &e->holder_start) != 2)
				return lxr_fail(err, EBADMSG, "endpoint record: bad holder \"%s\"",
						v);
		} else if (!strcmp(k, "port")) {
			if (parse_port(v, e, err) < 0)
				return -1;
		} else if (!strcmp(k, "name")) {
			lxr_strv_push(&e->names, lxr_xstrdup(v));
		} else if (!strcmp(k, "joins") && !e->joins) {
			e->joins = lxr_xstrdup(v);
		} else if (!strcmp(k, "netproject") && !e->netproj) {
			e->netproj = lxr_xstrdup(v);
		} else if (!strcmp(k, "ifname") && strlen(v) < IFNAMSIZ) {
			strcpy(e->ifname, v);
		} else if (!strcmp(k, "extra")) {
			lxr_strv_push(&e->extra, lxr_xstrdup(v));
		} else if (!strcmp(k, "dns")) {
			lxr_strv_push(&e->dns, lxr_xstrdup(v));
		} else if (!strcmp(k, "search")) {
			lxr_strv_push(&e->dns_search, lxr_xstrdup(v));
		} else if (!strcmp(k, "dns_opt")) {
			lxr_strv_push(&e->dns_opt, lxr_xstrdup(v));
		} else {
			return lxr_fail(err, EBADMSG, "endpoint record: unknown key \"%s\"", k);
		}
	}
	if (!e->network || !e->owner || !veth)
		return lxr_fail(err, EBADMSG, "endpoint record: network, owner or veth missing");
	return 0;
}

void net_ep_free(struct ep_rec *e)
{
	free(e->container);
	free(e->network);
	free(e->owner);
	free(e->ports);
	lxr_strv_free(e->names);
	lxr_strv_free(e->extra);
	free(e->joins);
	free(e->netproj);
	free(e->project);
	lxr_strv_free(e->link_local);
	lxr_strv_free(e->dns);
	lxr_strv_free(e->dns_search);
	lxr_strv_free(e->dns_opt);
	memset(e, 0, sizeof(*e));
}

void net_recs_free(struct net_rec *recs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		net_rec_free(&recs[i]);
	free(recs);
}

void net_eps_free(struct ep_rec *eps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		net_ep_free(&eps[i]);
	free(eps);
}
