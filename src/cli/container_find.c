/* Which running container a command names (exec, cp): an `lxr run`
 * container by name, else a service (or instance) of the stack. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "lxr/config.h"
#include "lxr/plan.h"
#include "lxr/runtime.h"

/* "<service>-<n>": ends in a dash and digits only */
static bool is_instance_name(const char *name)
{
	const char *dash = strrchr(name, '-');
	size_t digits = dash ? strspn(dash + 1, "0123456789") : 0;

	return dash && digits > 0 && dash[1 + digits] == '\0';
}

static bool container_dir(const char *root, const char *name)
{
	_cleanup_free_ char *dir = lxr_xasprintf("%s/%s", root, name);
	struct stat st;

	return !strchr(name, '/') && stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_container_name(const struct cfg_stack *st, const char *name)
{
	for (size_t i = 0; i < st->n_services; i++)
		if (st->services[i].host.container_name.v &&
		    !strcmp(st->services[i].host.container_name.v, name))
			return true;
	return false;
}

/* No stack file here: a stack's container by the name docker would give
 * it, from anywhere (docker exec -it proj-web-1 sh): its container_name
 * or instance in any project, or compose's <project>-<instance> */
static int anywhere(const char *name, struct lxr_container_ref *ref, char **inst, lxr_err *err)
{
	DIR *d;
	struct dirent *e;
	int r = -1;

	if (strchr(name, '/') || name[0] == '.')
		return lxr_fail(err, EINVAL, "\"%s\" is not a container name", name);
	if (rt_container_find_any(lxr_run_dir(), name, ref, err) == 0) {
		*inst = lxr_xstrdup(name);
		return 0;
	}
	if (err->errnum != ESRCH || !(d = opendir(lxr_run_dir())))
		return -1;
	while (r < 0 && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		_cleanup_free_ char *root = NULL;
		lxr_err ignored;
		if (e->d_name[0] == '.' || e->d_name[0] == '_' || strncmp(name, e->d_name, n) ||
		    name[n] != '-' || !is_instance_name(name + n + 1))
			continue;
		root = lxr_xasprintf("%s/%s", lxr_run_dir(), e->d_name);
		if (rt_container_find(root, name + n + 1, ref, &ignored) == 0) {
			*inst = lxr_xstrdup(name + n + 1);
			r = 0;
		}
	}
	closedir(d);
	return r;
}

/* Its state lives in <run_dir>/_run/<name>/ or <run_dir>/<project>/<instance>/. */
int cli_container_find(const char *file, const char *project, long index, const char *name,
		       struct lxr_container_ref *ref, char **inst, bool *service, lxr_err *err)
{
	_cleanup_free_ char *run_root = lxr_xasprintf("%s/_run", lxr_run_dir());
	_cleanup_free_ char *root = NULL;
	struct cfg_stack *st = NULL;
	int r;

	*service = false;
	if (!project && !file && rt_container_find(run_root, name, ref, err) == 0) {
		*inst = lxr_xstrdup(name);
		return 0;
	}
	if (!project && !file) {
		_cleanup_free_ char *found = NULL;
		if (!cli_find_stack(&found)) {
			if (anywhere(name, ref, inst, err) == 0)
				return 0;
			return lxr_fail(err, ESRCH, "no container \"%s\" is running", name),
			       lxr_err_hint(err, "an `lxr run` container, a container_name, or "
						 "compose's <project>-<service>-<n>; see `lxr ps` "
						 "(in the project for its services)");
		}
	}
	if (!project) {
		r = cli_stack_open(file, NULL, &st);
		if (r == LXR_EXIT_FAIL) /* another file's project: said above */
			return lxr_fail(err, 0, "%s: refused", name);
		if (r != LXR_EXIT_OK)
			return lxr_fail(err, ESRCH, "no container or service \"%s\"", name);
		project = st->project;
	}
	*service = true;
	root = lxr_xasprintf("%s/%s", lxr_run_dir(), project);
	/* "web" means its first instance (its container_name when it has
	 * one), --index N its Nth; "web-2", or a container's name, names one */
	const struct cfg_service *svc = st ? cfg_stack_service(st, name) : NULL;
	long idx = index ? index : 1;
	if (!svc && st && !is_instance_name(name) && !container_dir(root, name) &&
	    !is_container_name(st, name)) {
		_cleanup_free_ const char **names = lxr_xcalloc(st->n_services + 1, sizeof(*names));
		const char *dym;
		for (size_t i = 0; i < st->n_services; i++)
			names[i] = st->services[i].name;
		dym = lxr_did_you_mean(name, names, st->n_services, 0);
		lxr_fail(err, ESRCH, "no service \"%s\" in project \"%s\"", name, project);
		if (dym)
			lxr_err_hint(err, "did you mean \"%s\"?", dym);
		else
			lxr_err_hint(err, "see `lxr config --services`");
		cfg_stack_free(st);
		return -1;
	}
	if (svc)
		*inst = plan_container_name(svc, (int)idx);
	else if (is_instance_name(name) || container_dir(root, name))
		*inst = lxr_xstrdup(name);
	else
		*inst = lxr_xasprintf("%s-%ld", name, idx);
	r = rt_container_find(root, *inst, ref, err);
	if (r < 0 && err->errnum == ESRCH)
		lxr_fail(err, ESRCH, "service \"%s\" of project \"%s\" is not running", name,
			 project),
		    lxr_err_hint(err, "see `lxr ps`");
	cfg_stack_free(st);
	return r;
}
