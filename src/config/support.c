/* THE SUPPORT TABLE: which stack-file keys the runtime honours today.
 *
 * A key that lxr accepts is a promise: the runtime honours it. Until the
 * layer that honours a key exists, the loader refuses that key as "not
 * supported yet" with its position (docs/architecture.md, "The stack file
 * contract"). Every key the loader models is
 * listed here. `false` keys are still parsed and validated in full (so a file
 * gets every other error reported too), then refused. Flip an entry to true
 * in the same change that makes the supervisor/runtime/net layer honour it,
 * and update docs/stack-file.md. A feature name missing from this table is
 * reported as an internal error on every use, so a test that uses the key
 * catches it. Entries below an honoured key (service.ports.sctp) name a form
 * or value of it that the layer below cannot honour yet: the key is
 * accepted, that use of it is refused where it is written. */
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

static const struct {
	const char *key;
	bool honoured;
} support[] = {
    /* top level */
    {"name", true},
    {"services", true},
    {"networks", true},                   /* net layer: one bridge, one IPv4 subnet each */
    {"networks.ipam.second_pool", false}, /* one subnet per bridge */
    {"networks.ipam.wide_subnet", false}, /* wider than /8; a /8 to /15 runs in a window */
    {"networks.ipam.ip_range", true},     /* the allocator hands out the range only */
    {"volumes", true},                    /* named volumes: <data_dir>/volumes/<project>/ */
    {"volumes.driver_opts", true},        /* the local driver's mount options (nfs, tmpfs) */
    {"x-lxr", true},
    {"include", true}, /* other stack files, paths rebased (include.c) */
    {"secrets", true}, /* file, environment, content (plan); external refused there */
    {"configs", true},
    {"models", false}, /* docker's model runner: kept as written (raw.c) */
    /* service: process and identity (runtime) */
    {"service.image", true},
    {"service.build", true},          /* built by lxr up / lxr build (build/compose.c) */
    {"service.build.no_image", true}, /* the image is <project>-<service> */
    /* build: keys lxr's builder does not run yet */
    {"service.build.context.remote", false},             /* a URL or git context */
    {"service.build.network.other", false},              /* RUN on a named network */
    {"service.build.additional_contexts.remote", false}, /* a URL, git, oci-layout:// */
    {"service.build.platforms.other", false},            /* another platform than the host's */
    {"service.build.privileged", false},
    {"service.build.entitlements", false},
    {"service.build.isolation", false},
    {"service.build.attestations", false}, /* provenance, sbom */
    {"service.command", true},
    {"service.entrypoint", true},
    {"service.environment", true},
    {"service.env_file", true},
    {"service.hostname", true},
    {"service.working_dir", true},
    {"service.user", true},
    {"service.init", true},
    {"service.read_only", true},
    {"service.cap_add", true},
    {"service.cap_drop", true},
    {"service.privileged", true}, /* every capability, every host device: host root */
    {"service.devices", true},    /* host device nodes, allowed in the device cgroup */
    {"service.device_cgroup_rules", true},
    {"service.stop_signal", true},
    {"service.labels", true},
    {"service.label_file", true},  /* read into labels at load (service_env.c) */
    {"service.isolation", true},   /* "default", Linux's one value */
    {"service.annotations", true}, /* kept with the container: lxr inspect */
    {"service.x-lxr", true},
    {"service.ulimits", true},
    {"service.sysctls", true},
    {"service.security_opt", true}, /* seccomp profiles, no-new-privileges */
    /* service: resources (runtime cgroups) */
    {"service.mem_limit", true},
    {"service.cpus", true},
    {"service.pids_limit", true},
    {"service.deploy", true},
    {"service.deploy.replicas", true}, /* instances <service>-<n> (supervisor) */
    {"service.deploy.resources", true},
    {"service.deploy.resources.limits", true},
    {"service.deploy.resources.reservations", true},
    {"service.deploy.restart_policy", true},
    /* service: filesystem (runtime mounts) */
    {"service.tmpfs", true},
    {"service.volumes", true},
    {"service.volumes.bind", true},
    {"service.volumes.volume", true},           /* named and anonymous volumes (plan, supervisor) */
    {"service.volumes.tmpfs", true},            /* a tmpfs, as the `tmpfs:` key's (plan) */
    {"service.volumes.image", true},            /* an image's layers, read-only (plan, runtime) */
    {"service.volumes.bind.propagation", true}, /* tied to the host's mount (runtime) */
    {"service.volumes.volume.subpath", true},   /* resolved beneath the volume (runtime) */
    {"service.volumes_from", true},            /* the service's mounts, its volumes shared (plan) */
    {"service.volumes_from.container", false}, /* no record of another container's mounts */
    /* service: lifecycle (supervisor) */
    {"service.depends_on", true},
    {"service.healthcheck", true},
    {"service.post_start", true}, /* run in the container as exec runs (supervisor/hook.c) */
    {"service.pre_stop", true},
    {"service.healthcheck.timings_only", true}, /* the image's test, the file's timings (plan) */
    {"service.restart", true},
    {"service.stop_grace_period", true},
    {"service.pull_policy", true},
    {"service.pull_policy.build", true}, /* built on every up */
    {"service.profiles", true},
    {"service.logging", true},               /* lxr's CRI files (json-file, local), or none */
    {"service.logging.other_driver", false}, /* awslogs, splunk, a plugin's, ... */
    {"service.logging.other_option", false}, /* syslog over TLS, journald's regexes, ... */
    /* service: network (net layer) */
    {"service.ports", true},
    {"service.ports.ephemeral", true}, /* the net layer picks a free host port */
    {"service.ports.sctp", false},     /* nft rules are written for tcp and udp */
    {"service.ports.host_ipv6", true}, /* `table ip6 lxr`, on an IPv6 network */
    /* no userland proxy: a packet from ::1 cannot leave the loopback */
    {"service.ports.host_ipv6_loopback", false},
    {"service.ports.range_pick", true}, /* the first free port of a host range */
    {"service.expose", true},           /* documentation: no firewall inside a network */
    {"service.networks", true},
    {"service.networks.second", true},         /* eth1... in the first network's namespace */
    {"service.networks.priority", true},       /* order of eth0, eth1... (plan) */
    {"service.networks.gw_priority", true},    /* which gives the default routes (plan) */
    {"service.networks.mac_address", true},    /* the interface's (net) */
    {"service.networks.interface_name", true}, /* the interface's name (net) */
    {"service.networks.link_local_ips", true}, /* more addresses on it (net) */
    {"networks.external", true},               /* lxr network create; shared by projects */
    {"networks.name", true},                   /* one network for every project naming it */
    {"networks.driver_opts", true},            /* the MTU, the bridge's name and switches */
    {"networks.driver_opts.other", false},     /* the rest do not map onto lxr's bridges */
    {"networks.driver.other", false},          /* overlay, ...: bridge, macvlan, ipvlan */
    {"volumes.external", true}, /* <data_dir>/volumes/_named/NAME (lxr volume create) */
    {"volumes.name", true},
    {"service.mem_reservation", true}, /* = deploy.resources.reservations.memory */
    {"service.extends", true},         /* merged before the service is read */
    {"service.scale", true},           /* = deploy.replicas */
    {"service.deploy.mode", true},     /* replicated; global = one on this host */
    /* swarm's: docker compose ignores them, lxr too, with a warning */
    {"service.deploy.placement", true},
    {"service.deploy.labels", true},
    {"service.deploy.endpoint_mode", true},
    {"service.deploy.update_config", true},   /* rolling updates (supervisor/update.c) */
    {"service.deploy.rollback_config", true}, /* ... and their rollback */
    {"service.attach", true},                 /* up shows every service's output */
    {"service.platform", true},               /* empty or the host's */
    {"service.platform.other", false},        /* no emulation */
    {"service.runtime", true},                /* lxr */
    {"service.runtime.other", false},         /* lxr is the runtime */
    {"service.develop", true},                /* lxr watch (cli/cmd_watch.c) */
    {"service.stdin_open", true},             /* false; true below */
    {"service.tty", true},                    /* false; true below */
    {"service.oom_kill_disable", true},
    {"service.dns", true},        /* empty */
    {"service.dns_search", true}, /* empty */
    {"service.dns_opt", true},    /* empty */
    /* service_host.c, service_tune.c: run by the plan (instance names,
     * the endpoint's hosts and resolv.conf, the spec), or loaded and
     * refused by up where false */
    {"service.container_name", true}, /* the one instance's name (plan) */
    {"service.domainname", true},
    {"service.mac_address", true}, /* eth0's, unless its network gives one (plan) */
    {"service.dns.entries", true},
    {"service.dns_search.entries", true},
    {"service.dns_opt.entries", true},
    {"service.extra_hosts", true},
    {"service.links", true},                /* the alias a name of the linked service (plan) */
    {"service.network_mode", true},         /* none, host, bridge, default (plan) */
    {"service.network_mode.service", true}, /* another service's namespace (supervisor) */
    {"service.network_mode.shared", true},  /* container:NAME: any container lxr runs */
    {"service.pid", true},
    {"service.pid.shared", true},
    {"service.pid.service", true},
    {"service.ipc", true},
    {"service.ipc.shared", true},
    {"service.ipc.service", true},
    {"service.uts", true},
    {"service.cgroup", true}, /* the cgroup namespace: private or host (plan) */
    {"service.userns_mode", true},
    {"service.stdin_open.true", true},
    {"service.tty.true", true},
    {"service.oom_kill_disable.true", true}, /* v1 memory.oom_control; v2: a warning */
    {"service.shm_size", true},
    {"service.memswap_limit", true},
    {"service.mem_swappiness", true}, /* v1; v2 has none: a warning, as docker */
    {"service.cpu_shares", true},
    {"service.cpu_quota", true},
    {"service.cpu_period", true},
    {"service.oom_score_adj", true},
    {"service.cpuset", true},
    {"service.group_add", true},
    {"service.blkio_config", true}, /* v1 blkio.*, v2 io.* (runtime cgroups) */
    {"service.unmodelled", false},  /* cgroup, ...: kept as written (raw.c) */
    {"service.cpu_count", true},    /* docker's on Windows: a warning, as its Linux daemon */
    {"service.cpu_percent", true},  /* the same */
    {"service.gpus", true},         /* kept as written, and run (service_gpu.c) */
    {"service.secrets", true},
    {"service.configs", true},
};

int cfg_support_lookup(const char *key)
{
	for (size_t i = 0; i < sizeof(support) / sizeof(support[0]); i++)
		if (!strcmp(support[i].key, key))
			return support[i].honoured;
	return -1;
}

bool cfg_key_supported(const char *key)
{
	return cfg_support_lookup(key) == 1;
}

static int unrunnable_cmp(const void *a, const void *b)
{
	const struct cfg_unrunnable *x = a, *y = b;

	int f = strcmp(x->file, y->file);

	if (f)
		return f;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->col < y->col ? -1 : x->col > y->col;
}

void cfg_unrunnable_sort(struct cfg_stack *st)
{
	/* recorded while reading, and by validation after it */
	if (st->n_unrunnable > 1)
		qsort(st->unrunnable, st->n_unrunnable, sizeof(*st->unrunnable), unrunnable_cmp);
}

/* Is u refused: the stack's, or set in a service chosen */
static bool refused(const struct cfg_stack *st, const struct cfg_unrunnable *u, const bool *chosen)
{
	if (!u->service)
		return true;
	for (size_t i = 0; chosen && i < st->n_services; i++)
		if (!strcmp(st->services[i].name, u->service))
			return chosen[i];
	return false;
}

/* The entries refused where chosen, of one kind (invalid: errors of the
 * file; else settings lxr does not run), as one error: the first, and
 * where the others are. */
static int check_entries(const struct cfg_stack *st, const bool *chosen, bool invalid, lxr_err *err)
{
	const struct cfg_unrunnable *first = NULL;
	size_t n = 0, used = 0;
	char more[384] = "";
	bool cut = false;

	/* the others by where they are (each with its file, when another) */
	for (size_t i = 0; i < st->n_unrunnable; i++) {
		const struct cfg_unrunnable *u = &st->unrunnable[i];
		if (u->invalid != invalid || !refused(st, u, chosen))
			continue;
		if (!n++) {
			first = u;
			continue;
		}
		if (used >= sizeof(more) - 40) {
			cut = true;
			continue;
		}
		used += (size_t)snprintf(more + used, sizeof(more) - used, "%s%s%s%d:%d",
					 n == 2 ? "" : ", ",
					 strcmp(u->file, first->file) ? u->file : "",
					 strcmp(u->file, first->file) ? ":" : "", u->line, u->col);
	}
	if (!n)
		return 0;
	if (n == 1)
		lxr_fail(err, 0, "%s:%d:%d: %s", first->file, first->line, first->col, first->msg);
	else
		lxr_fail(err, 0, "%s:%d:%d: %s (and %zu more, at %s%s)", first->file, first->line,
			 first->col, first->msg, n - 1, more, cut ? ", ..." : "");
	return first->hint ? lxr_err_hint(err, "%s", first->hint) : -1;
}

int cfg_stack_check_runnable(const struct cfg_stack *st, const bool *chosen, lxr_err *err)
{
	return check_entries(st, chosen, false, err);
}

int cfg_stack_check_enabled(const struct cfg_stack *st, const bool *enabled, lxr_err *err)
{
	return check_entries(st, enabled, true, err);
}

size_t cfg_stack_print_unrunnable(FILE *f, const struct cfg_stack *st, const bool *chosen)
{
	size_t n = 0;

	for (size_t i = 0; i < st->n_unrunnable; i++) {
		const struct cfg_unrunnable *u = &st->unrunnable[i];
		if (!refused(st, u, chosen))
			continue;
		fprintf(f, "%s:%d:%d: error: %s\n", u->file, u->line, u->col, u->msg);
		if (u->hint)
			fprintf(f, "  hint: %s\n", u->hint);
		n++;
	}
	return n;
}
