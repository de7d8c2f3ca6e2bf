/* lxr rm: remove `lxr run` containers kept without --rm (their writable
 * layer), or with -f a running one, as docker rm does. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/run_net.h"
#include "cli/run_opts.h"
#include "lxr/config.h"
#include "lxr/runtime.h"
#include "lxr/supervisor.h"

/* SIGKILL through the pidfd, then wait (bounded) for the init to be gone. */
static int kill_running(struct lxr_container_ref *ref, lxr_err *err)
{
	struct pollfd pf = {.fd = ref->pidfd, .events = POLLIN};
	struct lxr_cgroup *cg = NULL;

	/* paused: a frozen task takes no SIGKILL on cgroup v1 */
	if (ref->cgroup_group && rt_cgroup_open(ref->cgroup_group, ref->id, &cg, err) == 0) {
		rt_cgroup_freeze(cg, false, err);
		rt_cgroup_free(cg);
	}
	if (syscall(SYS_pidfd_send_signal, ref->pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
		return lxr_fail(err, errno, "kill container %s (pidfd_send_signal)", ref->id);
	if (poll(&pf, 1, 10000) <= 0)
		return lxr_fail(err, ETIMEDOUT, "container %s did not exit after SIGKILL", ref->id);
	return 0;
}

/* -v: the anonymous volumes of the container (+anon/<name> of lxr run's
 * project); a named volume is never a container's to remove */
static int remove_anon(const char *name, lxr_err *err)
{
	_cleanup_free_ char *anon = lxr_xasprintf("%s/volumes/_run/+anon/%s", lxr_data_dir(), name);

	if (lxr_rm_rf(anon, err) < 0 && err->errnum != ENOENT)
		return lxr_err_wrap(err, "remove the anonymous volumes of %s", name);
	return 0;
}

/* 1: -f, and there is no such container (docker 20.10+ says nothing) */
static int remove_one(const char *root, const char *name, bool force, bool volumes, lxr_err *err)
{
	_cleanup_free_ char *dir = lxr_xasprintf("%s/%s", root, name);
	struct lxr_container_ref ref;
	struct lxr_cgroup *cg = NULL;
	struct stat st;

	/* docker's rule for a name: it is a directory's name here, and an
	 * empty one would be the directory of them all */
	if (!run_opts_name_valid(name))
		return lxr_fail(err, EINVAL, "\"%s\" is not a container name", name);
	/* a run -d container's supervisor would restart it: it goes first
	 * (between two restarts the container's directory may be all there is) */
	if (!force && sup_run_alive(name))
		return lxr_fail(err, EBUSY, "container \"%s\" is running (or restarting)", name),
		       lxr_err_hint(err, "stop it first, or use `lxr rm -f %s`", name);
	if (force && sup_run_kill(name, err) < 0)
		return -1;
	if (stat(dir, &st) < 0) {
		_cleanup_free_ char *copy = lxr_xstrdup(name), *project = NULL;
		char *one[] = {copy, NULL};
		lxr_fail(err, errno == ENOENT ? ENOENT : errno, "no container \"%s\" (%s)", name,
			 dir);
		/* a stack's, named as docker names it: its project's to remove */
		if (err->errnum == ENOENT && cli_names_in_project(one, &project) == 1)
			lxr_err_hint(
			    err,
			    "%s is a container of project %s, which removes it: `lxr rm -s "
			    "SERVICE` beside its stack file, or `lxr down -p %s`",
			    name, project, project);
		else if (err->errnum == ENOENT && force)
			return 1;
		return -1;
	}
	if (rt_container_find(root, name, &ref, err) == 0) {
		int r = 0;
		if (!force)
			r = lxr_fail(err, EBUSY, "container \"%s\" is running", name),
			lxr_err_hint(err, "stop it first, or use `lxr rm -f %s`", name);
		else
			r = kill_running(&ref, err);
		rt_container_ref_free(&ref);
		if (r < 0)
			return -1;
	}
	/* What an lxr that died could not remove: its cgroup and its layer. */
	/* the container's own lxr (its supervisor) may be removing it at the
	 * same moment: a cgroup that vanishes underneath is gone, not an error */
	if (rt_cgroup_open("_run", name, &cg, err) == 0 && rt_cgroup_destroy(cg, err) < 0 &&
	    err->errnum != ENOENT && err->errnum != ENODEV)
		return lxr_err_wrap(err, "remove container %s", name);
	if (run_net_remove(name, err) < 0)
		return -1;
	if (lxr_rm_rf(dir, err) < 0)
		return lxr_err_wrap(err, "remove container %s", name);
	sup_run_remove_logs(name);
	return volumes ? remove_anon(name, err) : 0;
}

int cmd_rm(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"force", no_argument, NULL, 'f'},
	    {"stop", no_argument, NULL, 's'},
	    {"volumes", no_argument, NULL, 'v'},
	    {"dry-run", no_argument, NULL, 'N'},
	    /* compose's hidden --all, "Deprecated - no effect" */
	    {"all", no_argument, NULL, 'a'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	_cleanup_free_ char *root = lxr_xasprintf("%s/_run", lxr_run_dir());
	bool force = false, volumes = false, stop = false;
	_cleanup_free_ char *found = NULL;
	int c, rc = LXR_EXIT_OK;

	optind = 0; /* options among the names too, as docker's */
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "fsva", longopts, NULL)) != -1) {
		if (c == 'a') {
			continue;
		} else if (c == 'f') {
			force = true;
		} else if (c == 's') {
			stop = true;
		} else if (c == 'v') {
			volumes = true;
		} else if (c == 'N') {
			cli_globals.dry_run = true; /* compose's, given here */
		} else if (c == 'h') {
			fputs(cli_help("rm"), stdout);
			return LXR_EXIT_OK;
		} else {
			fputs(cli_help("rm"), stderr);
			return LXR_EXIT_USAGE;
		}
	}
	/* compose's rm in a project, unless every name is an lxr run
	 * container and not a service (docker's rm) */
	if ((cli_globals.file || cli_globals.project || cli_find_stack(&found)) &&
	    !cli_names_are_dockers(argv + optind, cli_globals.file))
		return rm_stack(cli_globals.file, argv + optind, stop, volumes);
	if (cli_globals.dry_run)
		return cli_dry_run_refuse("rm");
	if (stop) {
		fputs("lxr: error: rm -s: there is no stack file here (docker's rm has no -s)\n",
		      stderr);
		return LXR_EXIT_USAGE;
	}
	if (optind >= argc) {
		fputs(cli_help("rm"), stderr);
		return LXR_EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		lxr_err err;
		int r = remove_one(root, argv[i], force, volumes, &err);
		if (r < 0) {
			lxr_err_print(&err);
			rc = LXR_EXIT_FAIL;
		} else if (r == 0) {
			printf("%s\n", argv[i]);
		}
	}
	return rc;
}

char **cli_rm_oneoffs(const char *project)
{
	_cleanup_free_ char *root = lxr_xasprintf("%s/_run", lxr_run_dir());
	json_t *all = runctl_oneoffs(project), *rec;
	char **gone = NULL;
	size_t i;

	json_array_foreach(all, i, rec)
	{
		const char *name = json_string_value(json_object_get(rec, "instance"));
		lxr_err err;
		if (remove_one(root, name, true, true, &err) < 0)
			lxr_err_print(&err);
		else
			lxr_strv_push(&gone, lxr_xstrdup(name));
	}
	json_decref(all);
	return gone;
}

int cli_container_prune(int argc, char **argv)
{
	static const char usage[] =
	    "usage: lxr container prune [-f]\n\n"
	    "Remove every `lxr run` container that has stopped, as `lxr rm`\n"
	    "removes one (its layer and log; its volumes stay).\n\n"
	    "  -f, --force   accepted (lxr asks nothing)\n"
	    "\nExample:\n  lxr container prune -f\n";
	_cleanup_free_ char *root = lxr_xasprintf("%s/_run", lxr_run_dir());
	_cleanup_strv_ char **names = NULL;
	DIR *d;
	struct dirent *e;
	int rc = LXR_EXIT_OK;
	bool said = false;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i]))
			return fputs(usage, stdout), LXR_EXIT_OK;
		if (strcmp(argv[i], "-f") && strcmp(argv[i], "--force"))
			return fprintf(stderr, "lxr: error: container prune: unknown option %s\n%s",
				       argv[i], usage),
			       LXR_EXIT_USAGE;
	}
	if ((d = opendir(root))) {
		while ((e = readdir(d)))
			if (run_opts_name_valid(e->d_name))
				lxr_strv_push(&names, lxr_xstrdup(e->d_name));
		closedir(d);
	}
	if (names)
		lxr_strv_sort(names);
	for (size_t i = 0; names && names[i]; i++) {
		struct lxr_container_ref ref;
		lxr_err err;
		json_t *rec;
		/* running, or between two runs of its restart policy: kept */
		if (sup_run_alive(names[i]))
			continue;
		/* only one whose end (or create) is recorded: a foreground run
		 * has its directory before its state file, and is not to be
		 * taken from under its start */
		if (!(rec = cli_run_record(names[i], SUP_RUN_EXITED)))
			continue;
		json_decref(rec);
		if (rt_container_find(root, names[i], &ref, &err) == 0) {
			rt_container_ref_free(&ref);
			continue;
		}
		if (remove_one(root, names[i], false, false, &err) < 0) {
			lxr_err_print(&err);
			rc = LXR_EXIT_FAIL;
		} else {
			cli_pruned("Deleted Containers:", names[i], &said);
		}
	}
	return rc;
}
