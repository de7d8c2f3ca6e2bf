/* A service's pid, ipc and uts namespaces, and whose network namespace it
 * shares: new ones (the default), the host's, or another container's
 * (service:X, container:NAME), which the carrier joins when the instance
 * starts because only then is there a process to join. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mount.h>
#include <sys/utsname.h>

#include "lxr/plan.h"

static void join_of(const struct cfg_stack *st, const char *mode, struct plan_ns_join *out)
{
	memset(out, 0, sizeof(*out));
	if (!mode)
		return;
	if (!strncmp(mode, "service:", 8)) {
		/* a service's first instance, as compose joins the first */
		const struct cfg_service *x = cfg_stack_service(st, mode + 8);
		if (x)
			out->name = plan_container_name(x, 1);
	} else if (!strncmp(mode, "container:", 10)) {
		out->name = lxr_xstrdup(mode + 10);
		out->container = true;
	}
}

static bool is(const struct cfg_str *v, const char *word)
{
	return v->v && !strcmp(v->v, word);
}

/* NULL: the instance's own name */
static char *hostname_of(const struct cfg_stack *st, const struct cfg_service *svc, int depth)
{
	const char *nm = svc->host.network_mode.v;
	const struct cfg_service *x;
	struct utsname u;

	if (svc->hostname.v)
		return lxr_xstrdup(svc->hostname.v);
	/* docker: a container on the host's network has the host's name, one
	 * on another's network that one's (its first instance's, which it
	 * joins); container:NAME's is that container's own */
	if (nm && !strcmp(nm, "host") && uname(&u) == 0)
		return lxr_xstrdup(u.nodename);
	if (nm && !strncmp(nm, "service:", 8) && depth < 8 && (x = cfg_stack_service(st, nm + 8)) &&
	    x != svc) {
		char *h = hostname_of(st, x, depth + 1);
		return h ? h : plan_container_name(x, 1);
	}
	return NULL;
}

char *plan_default_hostname(const struct cfg_stack *st, const struct cfg_service *svc,
			    const char *instance)
{
	char *h = hostname_of(st, svc, 0);

	return h ? h : lxr_xstrdup(instance);
}

/* lxr.conf's [userns] mode (already in the spec from the runtime's
 * defaults) unless the service says: userns_mode host opts out, auto takes
 * a range of lxr's pool. A container that shares a namespace of the host
 * or of another container (which its own user namespace could not own),
 * or is privileged, keeps the host's, as docker's --userns=host. */
static void plan_userns_of(const struct cfg_service *svc, struct plan_instance *p)
{
	const struct cfg_svc_host *h = &svc->host;
	struct lxr_userns *u = &p->spec.userns;

	if (is(&h->userns_mode, "auto")) {
		u->mode = LXR_USERNS_AUTO;
		u->uid = u->gid = 0;
		u->count = LXR_USERNS_SIZE;
	}
	if (is(&h->userns_mode, "host") || is(&h->pid, "host") || is(&h->ipc, "host") ||
	    is(&h->network_mode, "host") || p->net_of.name || p->pid_of.name || p->ipc_of.name ||
	    (svc->privileged.set && svc->privileged.v))
		memset(u, 0, sizeof(*u));
}

void plan_namespaces_of(const struct cfg_stack *st, const struct cfg_service *svc,
			struct plan_instance *p)
{
	const struct cfg_svc_host *h = &svc->host;
	struct lxr_spec *spec = &p->spec;

	join_of(st, h->network_mode.v, &p->net_of);
	join_of(st, h->pid.v, &p->pid_of);
	join_of(st, h->ipc.v, &p->ipc_of);
	/* pid: host: the supervisor's pid namespace, which is the host's; the
	 * container mounts its own /proc of it, masked paths and all */
	if (is(&h->pid, "host") || p->pid_of.name)
		spec->ns[LXR_NS_PID].create = false;
	if (is(&h->uts, "host"))
		spec->ns[LXR_NS_UTS].create = false;
	if (is(&h->cgroup, "host"))
		spec->ns[LXR_NS_CGROUP].create = false;
	plan_userns_of(svc, p);
	/* ipc: private and shareable are both a new namespace: lxr lets any
	 * container of the host join one that is shareable. host: the
	 * host's namespace and its /dev/shm, as docker binds it; none: a
	 * namespace of its own with no /dev/shm at all */
	if (is(&h->ipc, "host")) {
		spec->ns[LXR_NS_IPC].create = false;
		plan_spec_add_mount(spec, "/dev/shm", "bind", "/dev/shm", MS_BIND, NULL);
	} else if (p->ipc_of.name) {
		spec->ns[LXR_NS_IPC].create = false;
	} else if (is(&h->ipc, "none")) {
		spec->no_dev_shm = true;
	}
}

void plan_ns_join_free(struct plan_ns_join *j)
{
	free(j->name);
	memset(j, 0, sizeof(*j));
}
