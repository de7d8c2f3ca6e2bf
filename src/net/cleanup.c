/* A project's whole network gone: its endpoints, then its networks, then
 * whatever links, namespaces and nft chains no record names any more (a
 * crash may have lost the records), and what `lxr doctor` would remove. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "net/net_internal.h"

static void netns_sweep(const char *run_dir, const char *project)
{
	_cleanup_free_ char *dir = net_proj_dir(run_dir, project, "netns");
	DIR *d = opendir(dir);
	struct dirent *de;
	lxr_err err;

	if (!d)
		return;
	while ((de = readdir(d))) {
		_cleanup_free_ char *path = NULL;
		if (de->d_name[0] == '.')
			continue;
		path = lxr_xasprintf("%s/%s", dir, de->d_name);
		if (net_netns_remove(path, &err) < 0)
			lxr_err_print(&err);
	}
	closedir(d);
}

/* The veths of a project's removed endpoints (NET_RM_ALL left them to
 * their namespaces, at the cleanup or as each container stopped):
 * deleting them one by one costs a kernel RCU grace period each (20-40
 * ms), while the namespaces of stopped containers are freed together in
 * one batch. Wait for that, a second at most, then delete whatever a
 * process still holding a namespace kept. */
static int veths_gone(const char *run_dir, const char *project, lxr_err *err)
{
	struct timespec tick = {0, 2 * 1000 * 1000};
	int left = 1;

	for (int i = 0; left > 0 && i < 500; i++) {
		left = net_project_veths(run_dir, project, false, err);
		if (left > 0)
			nanosleep(&tick, NULL);
	}
	if (left > 0)
		left = net_project_veths(run_dir, project, true, err);
	return left < 0 ? -1 : 0;
}

static int project_cleanup(const char *run_dir, const char *project, lxr_err *err)
{
	_cleanup_close_ int lock = net_lock(run_dir, err);
	_cleanup_strv_ char **eps = NULL;
	struct net_rec *nets = NULL;
	size_t n = 0;
	lxr_err e2;
	int ret = 0;

	if (lock < 0)
		return -1;
	/* Endpoints first (they hold the networks), each on its own: one that
	 * fails must not keep the others alive. By file name, so a damaged
	 * record goes too. */
	eps = net_rec_names(run_dir, project, "endpoints");
	/* a container's next networks ("<instance>+<network>") before its
	 * first, whose namespace they are in: a macvlan's link there is
	 * deleted in it, not left to the namespace's end */
	for (int next = 1; next >= 0; next--) {
		for (size_t i = 0; eps[i]; i++) {
			if ((strchr(eps[i], '+') != NULL) != next)
				continue;
			if (net_endpoint_remove_locked(run_dir, project, eps[i], NET_RM_ALL, &e2) <
				0 &&
			    ret == 0) {
				*err = e2;
				ret = -1;
			}
		}
	}
	if (veths_gone(run_dir, project, &e2) < 0 && ret == 0) {
		*err = e2;
		ret = -1;
	}
	if (net_recs_load(run_dir, project, &nets, &n, ret < 0 ? &e2 : err) < 0)
		ret = -1;
	for (size_t i = 0; i < n; i++) {
		if (net_network_remove_locked(run_dir, project, nets[i].name, &e2) < 0 &&
		    ret == 0) {
			*err = e2;
			ret = -1;
		}
		net_rec_free(&nets[i]);
	}
	free(nets);
	/* links, namespaces and chains even when no record says so: the
	 * records may be what the crash lost */
	if (net_links_sweep(run_dir, project, &e2) < 0 && ret == 0) {
		*err = e2;
		ret = -1;
	}
	netns_sweep(run_dir, project);
	net_nft_project_drop(run_dir, project);
	net_proj_dirs_tidy(run_dir, project);
	net_hostfw_release(run_dir);
	net_forwarding_release(run_dir);
	return ret < 0 ? lxr_err_wrap(err, "network cleanup of project %s", project) : 0;
}

struct cleanup_args {
	const char *run_dir, *project;
};

static int project_cleanup_fn(void *ctx, lxr_err *err)
{
	struct cleanup_args *a = ctx;
	return project_cleanup(a->run_dir, a->project, err);
}

int net_project_cleanup(const char *run_dir, const char *project, lxr_err *err)
{
	struct cleanup_args a = {run_dir, project};

	/* rootless, from outside the stack's namespace (pasta.c) */
	if (lxr_rootless_uid() >= 0 && !net_rootless_inside()) {
		_cleanup_free_ char *dir = lxr_xasprintf("%s/%s", run_dir, project);
		net_rootless_leave(dir);
		return net_rootless_outside(project_cleanup_fn, &a, err);
	}
	return project_cleanup(run_dir, project, err);
}

char **net_project_leftovers(const char *run_dir, const char *project)
{
	static const struct {
		const char *kind, *what;
	} kinds[] = {{"endpoints", "network endpoint"},
		     {"networks", "network"},
		     {"netns", "network namespace"}};
	char **out = lxr_xcalloc(1, sizeof(char *));

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		_cleanup_strv_ char **names = net_rec_names(run_dir, project, kinds[k].kind);
		for (size_t i = 0; names && names[i]; i++)
			lxr_strv_push(&out,
				      lxr_xasprintf("%s %s/%s", kinds[k].what, project, names[i]));
	}
	return out;
}

char **net_endpoint_names(const char *run_dir, const char *project)
{
	char **names = net_rec_names(run_dir, project, "endpoints");

	return names ? names : lxr_xcalloc(1, sizeof(char *));
}
