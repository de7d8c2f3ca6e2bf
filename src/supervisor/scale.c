/* SERVICE=N (up --scale, lxr scale): N instances of SERVICE in place of its
 * deploy.replicas, as compose's scale overrides the file's. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lxr/supervisor.h"

/* What belongs to one container only, as the loader checks deploy.replicas
 * (the file's number passed its checks; this one comes later): a fixed
 * address, a host port range without a port for every instance. */
static int check_one_of_a_kind(const struct cfg_stack *st, const struct cfg_service *svc,
			       const char *spec, long n, lxr_err *err)
{
	for (size_t i = 0; i < svc->n_networks && n > 1; i++)
		if (svc->networks[i].ipv4_address.v)
			return lxr_fail(err, EINVAL,
					"scale %s: service \"%s\" has ipv4_address %s (%s:%d), "
					"which one instance only can hold",
					spec, svc->name, svc->networks[i].ipv4_address.v, st->file,
					svc->networks[i].ipv4_address.pos.line),
			       lxr_err_hint(err, "drop ipv4_address (lxr allocates one per "
						 "instance) to run several");
	for (size_t i = 0; i < svc->n_ports; i++) {
		const struct cfg_port *p = &svc->ports[i];
		long have = p->host_end - p->host_start + 1;
		long width = p->target_end - p->target_start + 1;

		if (!p->host_start || have >= n * width)
			continue;
		return lxr_fail(err, EINVAL,
				"scale %s: service \"%s\" publishes host port%s %d%s%.0d (%s:%d), "
				"room for %ld instance%s, not %ld",
				spec, svc->name, have > 1 ? "s" : "", p->host_start,
				have > 1 ? "-" : "", have > 1 ? p->host_end : 0, st->file,
				p->pos.line, have / width, have / width == 1 ? "" : "s", n),
		       lxr_err_hint(err, "give a host range with a port for every instance "
					 "(\"8000-8002:80\" for 3), or publish no host port");
	}
	return 0;
}

int sup_scale_apply(struct cfg_stack *st, const char *spec, lxr_err *err)
{
	const char *eq = strchr(spec, '=');
	_cleanup_free_ char *name = eq ? lxr_xstrndup(spec, (size_t)(eq - spec)) : NULL;
	struct cfg_service *svc = NULL;
	char *end;
	long n;

	if (!eq || eq == spec)
		return lxr_fail(err, EINVAL, "scale %s: expected SERVICE=N", spec),
		       lxr_err_hint(err, "e.g. --scale web=3");
	errno = 0;
	n = strtol(eq + 1, &end, 10);
	if (errno || end == eq + 1 || *end || n < 0 || n > 1000)
		return lxr_fail(err, EINVAL,
				"scale %s: \"%s\" is not a number of instances "
				"(0 to 1000)",
				spec, eq + 1);
	for (size_t i = 0; i < st->n_services; i++)
		if (!strcmp(st->services[i].name, name))
			svc = &st->services[i];
	if (!svc)
		return lxr_fail(err, ENOENT, "scale %s: no such service: %s", spec, name),
		       lxr_err_hint(err, "see the services with `lxr config --services`");
	/* compose: "can't set container_name and NAME as container name must
	 * be unique" */
	if (n > 1 && svc->host.container_name.v)
		return lxr_fail(err, EINVAL,
				"scale %s: service \"%s\" sets container_name \"%s\" (%s:%d), "
				"and a container name is unique: it cannot have %ld instances",
				spec, name, svc->host.container_name.v, st->file,
				svc->host.container_name.pos.line, n),
		       lxr_err_hint(err, "remove container_name to run several instances");
	if (check_one_of_a_kind(st, svc, spec, n, err) < 0)
		return -1;
	svc->replicas.v = n;
	svc->replicas.set = true;
	return 0;
}
