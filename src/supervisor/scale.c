/* SERVICE=N (up --scale, lxr scale): N instances of SERVICE in place of its
 * deploy.replicas, as compose's scale overrides the file's. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lxr/supervisor.h"

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
	svc->replicas.v = n;
	svc->replicas.set = true;
	return 0;
}
