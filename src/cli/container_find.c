/* Which running container a command names (exec, cp): an `lxr run`
 * container by name, else a service (or instance) of the stack. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/run_opts.h"
#include "lxr/config.h"
#include "lxr/plan.h"
#include "lxr/runtime.h"
#include "lxr/supervisor.h"

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

static int name_anywhere(const char *name, char **project, const char **inst);

char *cli_ps_replica(json_t *ps, const char *svc, long idx)
{
	size_t i;
	json_t *rec;

	json_array_foreach(ps, i, rec)
	{
		const char *s = json_string_value(json_object_get(rec, "service"));
		const char *in = json_string_value(json_object_get(rec, "instance"));
		if (s && in && !strcmp(s, svc) &&
		    json_integer_value(json_object_get(rec, "replica")) == idx)
			return lxr_xstrdup(in);
	}
	return NULL;
}

/* The name of the container replica idx of service svc runs in, as its
 * project's supervisor knows it: the file's name for it may have changed
 * since (a container_name changed while `up OTHER` kept it); NULL: none */
static char *supervised_instance(const char *project, const char *svc, long idx)
{
	_cleanup_free_ char *sock = lxr_xasprintf("%s/%s/control.sock", lxr_run_dir(), project);
	struct ctl_conn *c = NULL;
	json_t *ps = NULL;
	char *inst = NULL;
	lxr_err ignored;

	if (ctl_connect(sock, &c, &ignored) < 0)
		return NULL;
	if (ctl_call(c, "ps", json_object(), 5000, &ps, &ignored) == 0)
		inst = cli_ps_replica(ps, svc, idx);
	json_decref(ps);
	ctl_close(c);
	return inst;
}

/* No stack file here: a stack's container by the name docker would give
 * it, from anywhere (docker exec -it proj-web-1 sh), running */
static int anywhere(const char *name, struct lxr_container_ref *ref, char **inst, lxr_err *err)
{
	_cleanup_free_ char *project = NULL, *root = NULL;
	const char *i = NULL;
	int r = name_anywhere(name, &project, &i);

	if (r < 0)
		return lxr_fail(err, EEXIST, "\"%s\" names containers of two projects", name);
	if (r == 0)
		return lxr_fail(err, ESRCH, "no container \"%s\"", name);
	root = lxr_xasprintf("%s/%s", lxr_run_dir(), project);
	if (rt_container_find(root, i, ref, err) < 0)
		return -1;
	*inst = lxr_xstrdup(i);
	return 0;
}

/* No -f or -p: the container as docker names it (an `lxr run` one, a
 * stack's from anywhere): 0 found, -1 not (said); 1: a service's name
 * beside its stack file, the service's, as compose's exec has it */
static int docker_find(const char *name, struct lxr_container_ref *ref, char **inst, lxr_err *err)
{
	_cleanup_free_ char *run_root = lxr_xasprintf("%s/_run", lxr_run_dir());
	_cleanup_free_ char *found = NULL;
	char *one[] = {(char *)name, NULL};

	if (cli_find_stack(&found) && !cli_names_are_dockers(one, found))
		return 1;
	if (rt_container_find(run_root, name, ref, err) == 0) {
		*inst = lxr_xstrdup(name);
		return 0;
	}
	if (anywhere(name, ref, inst, err) == 0)
		return 0;
	if (err->errnum == EEXIST) /* said which projects */
		return -1;
	return lxr_fail(err, ESRCH, "no container \"%s\" is running", name),
	       lxr_err_hint(err, "an `lxr run` container, a container_name, or "
				 "compose's <project>-<service>-<n>; see `lxr ps` "
				 "(in the project for its services)");
}

/* Its state lives in <run_dir>/_run/<name>/ or <run_dir>/<project>/<instance>/. */
int cli_container_find(const char *file, const char *project, long index, const char *name,
		       struct lxr_container_ref *ref, char **inst, bool *service, lxr_err *err)
{
	_cleanup_free_ char *root = NULL;
	struct cfg_stack *st = NULL;
	int r;

	*service = false;
	if (!project && !file && (r = docker_find(name, ref, inst, err)) <= 0)
		return r;
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
	/* compose's name for it, <project>-<service>-<n> (docker exec's habit) */
	size_t plen = strlen(project);
	if (!svc && !strncmp(name, project, plen) && name[plen] == '-' &&
	    is_instance_name(name + plen + 1) && container_dir(root, name + plen + 1))
		name += plen + 1;
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
	if (r < 0 && err->errnum == ESRCH && svc) {
		char *other = supervised_instance(project, name, idx);
		if (other && strcmp(other, *inst)) {
			free(*inst);
			*inst = other;
			r = rt_container_find(root, *inst, ref, err);
		} else {
			free(other);
		}
	}
	if (r < 0 && err->errnum == ESRCH)
		lxr_fail(err, ESRCH, "service \"%s\" of project \"%s\" is not running", name,
			 project),
		    lxr_err_hint(err, "see `lxr ps`");
	cfg_stack_free(st);
	return r;
}

/* Is <run_dir>/project/inst a container of a project that is up (its
 * rootfs/ beside the project's control socket) */
static bool stack_container(const char *project, const char *inst)
{
	_cleanup_free_ char *rootfs = NULL, *sock = NULL;
	struct stat st;

	if (!inst[0] || strchr(inst, '/') || inst[0] == '.')
		return false;
	rootfs = lxr_xasprintf("%s/%s/%s/rootfs", lxr_run_dir(), project, inst);
	sock = lxr_xasprintf("%s/%s/control.sock", lxr_run_dir(), project);
	return stat(rootfs, &st) == 0 && S_ISDIR(st.st_mode) && stat(sock, &st) == 0 &&
	       S_ISSOCK(st.st_mode);
}

char *cli_stack_docker_name(const char *project, const char *inst, const char *svc)
{
	size_t n = strlen(inst), d = 0;

	while (d < n && inst[n - 1 - d] >= '0' && inst[n - 1 - d] <= '9')
		d++;
	/* <service>-<n>: compose's name has the project in front; anything
	 * else is a container_name, docker's name as it is */
	if (svc ? cli_own_instance_name(inst, svc) : d && d < n && inst[n - 1 - d] == '-')
		return lxr_xasprintf("%s-%s", project, inst);
	return lxr_xstrdup(inst);
}

bool cli_own_instance_name(const char *inst, const char *svc)
{
	size_t n = strlen(svc), d;

	if (strncmp(inst, svc, n) || inst[n] != '-')
		return false;
	d = strspn(inst + n + 1, "0123456789");
	return d > 0 && !inst[n + 1 + d];
}

/* Is inst of project named as docker names it: lxr's <service>-<n> only
 * with the project in front (prefixed), a container_name only without,
 * as its supervisor's ps tells */
static bool docker_named(const char *project, const char *inst, bool prefixed)
{
	_cleanup_free_ char *sock = lxr_xasprintf("%s/%s/control.sock", lxr_run_dir(), project);
	struct ctl_conn *c = NULL;
	json_t *ps = NULL, *rec;
	lxr_err ignored;
	bool yes = false;
	size_t i;

	if (ctl_connect(sock, &c, &ignored) < 0)
		return false;
	if (ctl_call(c, "ps", json_object(), 5000, &ps, &ignored) == 0)
		json_array_foreach(ps, i, rec)
		{
			const char *in = json_string_value(json_object_get(rec, "instance"));
			const char *svc = json_string_value(json_object_get(rec, "service"));
			if (in && svc && !strcmp(in, inst))
				yes = cli_own_instance_name(in, svc) == prefixed;
		}
	json_decref(ps);
	ctl_close(c);
	return yes;
}

/* name's project and instance, as cli_names_in_project reads it: 1 found,
 * 0 none, -1 said (in two projects) */
static int name_anywhere(const char *name, char **project, const char **inst)
{
	_cleanup_free_ char *run = lxr_xasprintf("%s/_run/%s", lxr_run_dir(), name);
	_cleanup_free_ char *sup = sup_run_dir_of(name);
	DIR *d;
	struct dirent *e;
	int found = 0;

	/* an `lxr run` container's own name comes first */
	if (strchr(name, '/') || name[0] == '.' || !name[0] || access(run, F_OK) == 0 ||
	    access(sup, F_OK) == 0 || !(d = opendir(lxr_run_dir())))
		return 0;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		const char *i = NULL;
		if (e->d_name[0] == '.' || e->d_name[0] == '_')
			continue;
		if (stack_container(e->d_name, name) && docker_named(e->d_name, name, false))
			i = name;
		else if (!strncmp(name, e->d_name, n) && name[n] == '-' &&
			 stack_container(e->d_name, name + n + 1) &&
			 docker_named(e->d_name, name + n + 1, true))
			i = name + n + 1;
		if (!i)
			continue;
		if (found) {
			fprintf(stderr,
				"lxr: error: \"%s\" is a container of projects %s and %s\n"
				"lxr: hint: name the project: -p PROJECT\n",
				name, *project, e->d_name);
			found = -1;
			break;
		}
		*project = lxr_xstrdup(e->d_name);
		*inst = i;
		found = 1;
	}
	closedir(d);
	if (found < 0) {
		free(*project);
		*project = NULL;
	}
	return found;
}

int cli_names_in_project(char **names, char **project)
{
	size_t n = lxr_strv_len(names);
	_cleanup_free_ const char **insts = lxr_xcalloc(n + 1, sizeof(*insts));

	*project = NULL;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *p = NULL;
		int r = name_anywhere(names[i], &p, &insts[i]);
		if (r == 1 && *project && strcmp(*project, p)) {
			fprintf(stderr,
				"lxr: error: %s and %s are containers of projects %s and %s\n"
				"lxr: hint: one project at a time: -p PROJECT\n",
				names[0], names[i], *project, p);
			r = -1;
		}
		if (r != 1) {
			free(*project);
			*project = NULL;
			return r;
		}
		if (!*project)
			*project = lxr_steal_ptr(&p);
	}
	/* each its instance, a suffix of the name: moved to its start */
	for (size_t i = 0; i < n; i++)
		memmove(names[i], insts[i], strlen(insts[i]) + 1);
	return *project ? 1 : 0;
}

/* a container as docker names it: an `lxr run` container, or a stack's
 * (name_anywhere; in two projects too, which the command then says) */
static bool docker_name(const char *root, const char *name)
{
	_cleanup_free_ char *project = NULL;
	const char *inst;

	if (container_dir(root, name))
		return true;
	return name_anywhere(name, &project, &inst) != 0;
}

bool cli_names_are_dockers(char *const *names, const char *file)
{
	_cleanup_free_ char *root = lxr_xasprintf("%s/_run", lxr_run_dir());
	struct cfg_stack *st = NULL;
	bool all = names && names[0];

	for (size_t i = 0; all && names[i]; i++)
		all = run_opts_name_valid(names[i]) && docker_name(root, names[i]);
	/* the stack is read only when it could change the answer, and
	 * quietly: the names are docker's if it cannot be read */
	if (!all || cli_stack_peek(file, &st) != LXR_EXIT_OK)
		return all;
	for (size_t i = 0; all && names[i]; i++)
		all = !cfg_stack_service(st, names[i]);
	cfg_stack_free(st);
	return all;
}

enum cli_where cli_where(const char **file, const char **project, char **names, char **found,
			 char **named)
{
	int r;

	if (*file || *project)
		return CLI_WHERE_STACK;
	if (cli_find_stack(found)) {
		*file = *found;
		/* docker's habit beside a stack file: `lxr logs web1` of an
		 * `lxr run --name web1` container, `lxr logs proj-web-1` */
		if (!cli_names_are_dockers(names, *file))
			return CLI_WHERE_STACK;
		*file = NULL;
	}
	r = cli_names_in_project(names, named);
	if (r > 0)
		*project = *named;
	return r < 0 ? CLI_WHERE_FAIL : r ? CLI_WHERE_PROJECT : CLI_WHERE_RUN;
}

int cli_parse_index(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno || end == s || *end || *out < 1 || *out > 100000) {
		fprintf(stderr, "lxr: error: --index %s: not an instance number (1, 2, ...)\n", s);
		return -1;
	}
	return 0;
}
