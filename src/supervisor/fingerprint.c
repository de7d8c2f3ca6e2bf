/* What reconcile compares: everything that decides what runs for an
 * instance — its container spec, restart policy, health check and network
 * endpoint — as text, one field per line, each list in a canonical order
 * where its order means nothing. A pure function of its inputs, so a unit
 * test can hold two plans side by side without root. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lxr/net.h"
#include "supervisor/sup.h"

static void add_strv(FILE *f, const char *k, char **v)
{
	fprintf(f, "%s:", k);
	for (size_t i = 0; v && v[i]; i++)
		fprintf(f, "%zu:%s;", strlen(v[i]), v[i]);
	fputc('\n', f);
}

/* Field by field: the struct holds a pointer (the device rules), whose
 * address says nothing about what it points to; and written raw, its zero
 * bytes ended the string strcmp compares, so nothing after it (mounts,
 * rlimits, policy, health) was ever compared. */
static void resources(FILE *f, const struct lxr_resources *r)
{
	fprintf(f, "res:%lld %lld %lld %llu %llu %llu %lld\n", (long long)r->memory_limit,
		(long long)r->memory_swap, (long long)r->memory_reservation,
		(unsigned long long)r->cpu_quota, (unsigned long long)r->cpu_period,
		(unsigned long long)r->cpu_shares, (long long)r->pids_limit);
	for (size_t i = 0; i < r->n_devices; i++)
		fprintf(f, "dr:%d %c %lld:%lld %.3s\n", r->devices[i].allow, r->devices[i].type,
			(long long)r->devices[i].major, (long long)r->devices[i].minor,
			r->devices[i].access);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted: compose reads ports and aliases as sets, so writing them in
 * another order changes nothing that runs. */
static void add_sorted(FILE *f, const char *k, char **v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_str);
	fprintf(f, "%s:", k);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%zu:%s;", strlen(v[i]), v[i]);
	fputc('\n', f);
}

/* The endpoint as planned: which network (and how it is made), the names
 * the instance answers to there, its static address, its published ports. */
static void endpoint(FILE *f, const struct sup_net_plan *n)
{
	_cleanup_strv_ char **ports = NULL;
	size_t n_names = 0, n_ports = 0;

	if (!n || !n->network) {
		fputs("net:-\n", f);
		return;
	}
	fprintf(f, "net:%zu:%s;%s;%s;%d;%s\n", strlen(n->network), n->network,
		n->subnet ? n->subnet : "", n->gateway ? n->gateway : "", n->internal,
		n->static_ip ? n->static_ip : "");
	while (n->names && n->names[n_names])
		n_names++;
	/* the service's and the instance's names come first (the first is
	 * the canonical one in /etc/hosts); the aliases after them are a set */
	_cleanup_strv_ char **names = lxr_xcalloc(n_names + 1, sizeof(char *));
	for (size_t i = 0; i < n_names; i++)
		names[i] = lxr_xstrdup(n->names[i]);
	size_t fixed = n_names < 2 ? n_names : 2;
	fputs("names:", f);
	for (size_t i = 0; i < fixed; i++)
		fprintf(f, "%zu:%s;", strlen(names[i]), names[i]);
	fputc('\n', f);
	add_sorted(f, "aliases", names + fixed, n_names - fixed);
	ports = lxr_xcalloc(n->n_ports + 1, sizeof(char *));
	for (size_t i = 0; i < n->n_ports; i++) {
		const struct lxr_port *p = &n->ports[i];
		char ip[16];
		ports[n_ports++] =
		    lxr_xasprintf("%s:%u-%u:%u-%u/%s", net_ip_str(p->host_ip, ip), p->host_port,
				  p->host_end, p->ctr_port, p->ctr_end, p->udp ? "udp" : "tcp");
	}
	add_sorted(f, "ports", ports, n_ports);
}

char *sup_fingerprint(const struct lxr_spec *p, bool net_joined, const struct svc_policy *pol,
		      const struct sup_health *health, const struct sup_net_plan *net)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	add_strv(f, "args", p->args);
	add_strv(f, "env", p->env);
	add_strv(f, "lower", p->lower_dirs);
	add_strv(f, "sysctls", p->sysctls);
	add_strv(f, "health", health->argv);
	fprintf(f, "%s|%s|%u|%u|%d|%d|%d|%d\n", p->cwd ? p->cwd : "",
		p->hostname ? p->hostname : "", (unsigned)p->uid, (unsigned)p->gid,
		p->readonly_root, p->init, p->stop_signal, p->no_new_privileges);
	if (p->seccomp) {
		_cleanup_free_ char *sc = rt_seccomp_text(p->seccomp);
		fprintf(f, "seccomp:%s\n", sc);
	} else {
		fprintf(f, "seccomp:%d\n", p->seccomp_default);
	}
	fprintf(f, "%llx %llx %llx %llx %llx\n", (unsigned long long)p->caps.bounding,
		(unsigned long long)p->caps.effective, (unsigned long long)p->caps.permitted,
		(unsigned long long)p->caps.inheritable, (unsigned long long)p->caps.ambient);
	add_strv(f, "masked", p->masked_paths);
	add_strv(f, "readonly", p->readonly_paths);
	fprintf(f, "%d %d\n", p->seccomp_default, p->writable_sysfs);
	resources(f, &p->resources);
	for (size_t i = 0; i < p->n_devices; i++)
		fprintf(f, "d:%s %c %lld:%lld %o %u:%u\n", p->devices[i].path, p->devices[i].type,
			(long long)p->devices[i].major, (long long)p->devices[i].minor,
			(unsigned)p->devices[i].file_mode, (unsigned)p->devices[i].uid,
			(unsigned)p->devices[i].gid);
	/* the net layer appends /etc/hosts and /etc/resolv.conf once the
	 * instance has joined its network (sup_net_attach): state of the
	 * running instance, not of its plan, so a new plan never has them */
	size_t n_mounts = p->n_mounts - (net_joined && p->n_mounts >= 2 ? 2 : 0);
	for (size_t i = 0; i < n_mounts; i++)
		fprintf(f, "m:%s|%s|%s|%lx|%s|%d%d\n", p->mounts[i].destination, p->mounts[i].type,
			p->mounts[i].source, p->mounts[i].flags,
			p->mounts[i].data ? p->mounts[i].data : "", p->mounts[i].volume,
			p->mounts[i].nocopy);
	for (size_t i = 0; i < p->n_rlimits; i++)
		fprintf(f, "r:%d %llu %llu\n", p->rlimits[i].resource,
			(unsigned long long)p->rlimits[i].soft,
			(unsigned long long)p->rlimits[i].hard);
	for (size_t i = 0; i < p->n_additional_gids; i++)
		fprintf(f, "g:%u\n", (unsigned)p->additional_gids[i]);
	fprintf(f, "p:%d %d %lld %lld %d %lld %lld %d\n", pol->restart, pol->max_attempts,
		(long long)pol->delay_first_us, (long long)pol->delay_max_us, pol->delay_fixed,
		(long long)pol->reset_after_us, (long long)pol->stop_grace_us,
		pol->restart_on_unhealthy);
	fprintf(f, "h:%lld %lld %lld %lld %d\n", (long long)health->interval_us,
		(long long)health->timeout_us, (long long)health->start_period_us,
		(long long)health->start_interval_us, health->retries);
	endpoint(f, net);
	fclose(f);
	return buf;
}
