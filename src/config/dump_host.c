/* The model's host and tuning settings (service_host.c, service_tune.c) as
 * `lxr config` prints them: each only where the file sets it, in Compose's
 * spelling (sizes in bytes, extra_hosts as a mapping), so the output loads
 * again to itself. */
#define _GNU_SOURCE
#include <string.h>

#include "config/emit.h"
#include "config/config_internal.h"

static void flag(struct cfg_out *o, const char *k, const struct cfg_bool *v)
{
	if (!v->set)
		return;
	cfg_out_key(o, k);
	cfg_out_bool(o, v->v);
}

static void num(struct cfg_out *o, const char *k, const struct cfg_int *v)
{
	if (!v->set)
		return;
	cfg_out_key(o, k);
	cfg_out_int(o, v->v);
}

/* A host with several addresses (two entries, or compose's `host: [a, b]`)
 * is one key with a list, so the output loads back to the same entries. */
static void extra_hosts(struct cfg_out *o, const struct cfg_kvs *v)
{
	cfg_out_key(o, "extra_hosts");
	cfg_out_map(o);
	for (size_t i = 0; i < v->n; i++) {
		size_t same = 0;
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = !strcmp(v->v[j].key, v->v[i].key);
		for (size_t j = i; j < v->n; j++)
			same += !strcmp(v->v[j].key, v->v[i].key);
		if (seen)
			continue;
		if (same == 1) {
			cfg_out_kv(o, v->v[i].key, v->v[i].value);
			continue;
		}
		cfg_out_key(o, v->v[i].key);
		cfg_out_seq(o);
		for (size_t j = i; j < v->n; j++)
			if (!strcmp(v->v[j].key, v->v[i].key))
				cfg_out_str(o, v->v[j].value ? v->v[j].value : "");
		cfg_out_end_seq(o);
	}
	cfg_out_end_map(o);
}

static void host(struct cfg_out *o, const struct cfg_svc_host *h)
{
	cfg_out_opt_str(o, "container_name", &h->container_name);
	cfg_out_opt_str(o, "domainname", &h->domainname);
	cfg_out_opt_str(o, "mac_address", &h->mac_address);
	cfg_out_opt_str(o, "network_mode", &h->network_mode);
	cfg_out_opt_str(o, "pid", &h->pid);
	cfg_out_opt_str(o, "ipc", &h->ipc);
	cfg_out_opt_str(o, "uts", &h->uts);
	cfg_out_opt_str(o, "cgroup", &h->cgroup);
	cfg_out_opt_str(o, "userns_mode", &h->userns_mode);
	cfg_out_opt_strs(o, "dns", &h->dns);
	cfg_out_opt_strs(o, "dns_search", &h->dns_search);
	cfg_out_opt_strs(o, "dns_opt", &h->dns_opt);
	cfg_out_opt_strs(o, "links", &h->links);
	if (h->extra_hosts.n)
		extra_hosts(o, &h->extra_hosts);
}

static void blkio(struct cfg_out *o, const struct cfg_svc_tune *t)
{
	static const char *const kinds[] = {"weight_device", "device_read_bps", "device_write_bps",
					    "device_read_iops", "device_write_iops"};

	if (!t->blkio_weight.set && !t->n_blkio)
		return;
	cfg_out_key(o, "blkio_config");
	cfg_out_map(o);
	num(o, "weight", &t->blkio_weight);
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		bool any = false;
		for (size_t i = 0; i < t->n_blkio; i++) {
			if (strcmp(t->blkio[i].kind, kinds[k]))
				continue;
			if (!any) {
				cfg_out_key(o, kinds[k]);
				cfg_out_seq(o);
				any = true;
			}
			cfg_out_map(o);
			cfg_out_kv(o, "path", t->blkio[i].path);
			cfg_out_key(o, k == 0 ? "weight" : "rate");
			cfg_out_int(o, t->blkio[i].value);
			cfg_out_end_map(o);
		}
		if (any)
			cfg_out_end_seq(o);
	}
	cfg_out_end_map(o);
}

static void tune(struct cfg_out *o, const struct cfg_svc_tune *t)
{
	flag(o, "stdin_open", &t->stdin_open);
	flag(o, "tty", &t->tty);
	flag(o, "attach", &t->attach);
	flag(o, "oom_kill_disable", &t->oom_kill_disable);
	num(o, "shm_size", &t->shm_size);
	num(o, "memswap_limit", &t->memswap_limit);
	num(o, "mem_swappiness", &t->mem_swappiness);
	num(o, "cpu_shares", &t->cpu_shares);
	num(o, "cpu_quota", &t->cpu_quota);
	num(o, "cpu_period", &t->cpu_period);
	cfg_out_opt_str(o, "cpuset", &t->cpuset);
	num(o, "oom_score_adj", &t->oom_score_adj);
	cfg_out_opt_strs(o, "group_add", &t->group_add);
	blkio(o, t);
	if (t->platform.v && *t->platform.v)
		cfg_out_opt_str(o, "platform", &t->platform);
	cfg_out_opt_str(o, "runtime", &t->runtime);
}

void cfg_dump_service_host(struct cfg_out *o, const struct cfg_service *s)
{
	host(o, &s->host);
	tune(o, &s->tune);
}
