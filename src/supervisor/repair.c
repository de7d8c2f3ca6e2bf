/* lxr doctor --repair: what a crash or a power cut left, removed without
 * waiting for the next `up` or `down` of each project. Only what lxr made,
 * and only what no live lxr process owns: a project is touched only while
 * repair holds its supervisor lock (so no supervisor runs it), an `lxr run`
 * container only when its state names an init that is gone, a temp name only
 * when its writer is gone. Containers' writable layers stay (a stopped
 * container keeps them until `lxr down` or `lxr rm`, as with docker). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "lxr/image.h"
#include "lxr/net.h"
#include "lxr/supervisor.h"
#include "supervisor/sup.h"

#define RUN_PROJECT "_run"
#define RUN_SUP_DIR "_run-sup"
#define DOCTOR_CG   "_doctor"

static void add(char ***v, char *s)
{
	lxr_strv_push(v, s);
}

/* The supervisor lock of dir, taken without waiting and never created (a
 * directory a `down` just removed must not come back with a new lock):
 * the fd, or -1 with errno (EWOULDBLOCK: a supervisor holds it). */
static int lock_existing(const char *dir)
{
	_cleanup_free_ char *path = lxr_xasprintf("%s/supervisor.lock", dir);
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void note_err(lxr_err *first, int *r, const lxr_err *e)
{
	if (*r == 0)
		*first = *e;
	*r = -1;
}

/* Mounts left under a dead project's directory (a volume or netns bind a
 * killed supervisor could not undo): detached, deepest first. */
static void unmount_under(const char *dir, char ***removed)
{
	_cleanup_free_ char *mi = NULL, *prefix = lxr_xasprintf("%s/", dir);
	_cleanup_strv_ char **found = NULL;
	char *save = NULL;

	if (lxr_read_file_at(AT_FDCWD, "/proc/self/mountinfo", &mi, NULL, NULL) < 0)
		return;
	for (char *l = strtok_r(mi, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char mp[4096];
		/* id parent major:minor root mountpoint ... ; spaces escaped as \040 */
		if (lxr_sscanf(l, "%*s %*s %*s %*s %4095s", mp) == 1 &&
		    lxr_str_has_prefix(mp, prefix) && !strstr(mp, "\\"))
			lxr_strv_push(&found, lxr_xstrdup(mp));
	}
	for (size_t n = lxr_strv_len(found); n > 0; n--)
		if (umount2(found[n - 1], MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
			add(removed, lxr_xasprintf("mount %s", found[n - 1]));
}

static int repair_project(const char *project, char ***removed, char ***kept, lxr_err *err)
{
	_cleanup_free_ char *dir = lxr_xasprintf("%s/%s", lxr_run_dir(), project);
	_cleanup_free_ char *sock = lxr_xasprintf("%s/control.sock", dir);
	_cleanup_strv_ char **net = NULL;
	_cleanup_close_ int lock = -1;
	struct stat st;
	lxr_err e;
	int r = 0;

	lock = lock_existing(dir);
	if (lock < 0) {
		if (errno == EWOULDBLOCK)
			add(kept, lxr_xasprintf("project %s: its supervisor (pid %d) is running",
						project, (int)sup_project_pid(dir)));
		/* ENOENT: taken down since it was listed */
		return 0;
	}
	/* unlinked while we waited: a `down` removed it, nothing is left */
	if (fstat(lock, &st) < 0 || st.st_nlink == 0)
		return 0;
	net = net_project_leftovers(lxr_run_dir(), project);
	if (sup_project_cleanup(project, dir, false, removed, &e) < 0)
		note_err(err, &r, &e);
	/* those it left (one with processes: another run directory's) */
	if (sup_project_cgroups_without_dirs(project, dir, removed, kept, &e) < 0)
		note_err(err, &r, &e);
	if (sup_net_cleanup(project, &e) < 0)
		note_err(err, &r, &e);
	else
		for (size_t i = 0; net[i]; i++)
			add(removed, lxr_steal_ptr(&net[i]));
	unmount_under(dir, removed);
	if (unlink(sock) == 0)
		add(removed, lxr_xasprintf("stale control socket %s", sock));
	return r;
}

/* `lxr run` containers whose lxr (foreground, or a -d supervisor) died. */
static int repair_run(char ***removed, char ***kept, lxr_err *err)
{
	_cleanup_free_ char *root = lxr_xasprintf("%s/" RUN_PROJECT, lxr_run_dir());
	DIR *d;
	struct dirent *de;
	int r = 0;
	lxr_err e;

	if (lxr_tmp_sweep_report(root, false, removed, &e) < 0)
		note_err(err, &r, &e);
	d = opendir(root);
	if (!d)
		return r;
	while ((de = readdir(d))) {
		const char *name = de->d_name;
		_cleanup_free_ char *dir = NULL;
		struct lxr_cgroup *cg = NULL;

		if (name[0] == '.' || de->d_type != DT_DIR)
			continue;
		if (sup_run_alive(name)) {
			add(kept, lxr_xasprintf("container %s: its supervisor is running", name));
			continue;
		}
		/* stopped (kept for `lxr rm`), running, or starting: not ours */
		if (!rt_container_dead(root, name))
			continue;
		dir = lxr_xasprintf("%s/%s", root, name);
		if (rt_cgroup_open(RUN_PROJECT, name, &cg, &e) == 0) {
			if (rt_cgroup_destroy(cg, &e) < 0)
				note_err(err, &r, &e);
			else
				add(removed, lxr_xasprintf("cgroup lxr/" RUN_PROJECT "/%s", name));
		}
		_cleanup_strv_ char **net = net_project_leftovers(lxr_run_dir(), RUN_PROJECT);
		_cleanup_free_ char *mine =
		    lxr_xasprintf("network endpoint " RUN_PROJECT "/%s", name);
		bool had = false;
		for (size_t i = 0; net[i]; i++)
			had |= !strcmp(net[i], mine);
		if (net_endpoint_remove(lxr_run_dir(), RUN_PROJECT, name, &e) < 0)
			note_err(err, &r, &e);
		else if (had)
			add(removed, lxr_steal_ptr(&mine));
		unmount_under(dir, removed);
		for (int i = 0; i < 2; i++) {
			_cleanup_free_ char *s =
			    lxr_xasprintf("%s/%s", dir, i ? "state.starting" : "state");
			if (unlink(s) == 0)
				add(removed, lxr_xasprintf("stale state file %s", s));
		}
	}
	closedir(d);
	/* a veth left to go with its namespace, which something still holds */
	if (net_links_sweep_unrecorded(lxr_run_dir(), RUN_PROJECT, removed, &e) < 0)
		note_err(err, &r, &e);
	return r;
}

/* A dead `lxr run -d` supervisor's socket (its lock tells). */
static void repair_run_sups(char ***removed)
{
	_cleanup_free_ char *root = lxr_xasprintf("%s/" RUN_SUP_DIR, lxr_run_dir());
	DIR *d = opendir(root);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		_cleanup_free_ char *dir = NULL, *sock = NULL;
		_cleanup_close_ int lock = -1;
		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		dir = lxr_xasprintf("%s/%s", root, de->d_name);
		lock = lock_existing(dir);
		if (lock < 0)
			continue;
		sock = lxr_xasprintf("%s/control.sock", dir);
		if (unlink(sock) == 0)
			add(removed, lxr_xasprintf("stale control socket %s", sock));
	}
	closedir(d);
}

/* Cgroups named after the pid of the lxr that made them, of one that was
 * killed: lxr doctor's probes (lxr/_doctor/probe-PID) and a build's RUN
 * steps (lxr/_build/build-PID-N). */
static void repair_pid_cgroups(const char *group, const char *prefix, char ***removed, int *r,
			       lxr_err *err)
{
	_cleanup_strv_ char **names = rt_cgroup_names(group);
	size_t pl = strlen(prefix);

	for (size_t i = 0; names[i]; i++) {
		struct lxr_cgroup *cg = NULL;
		lxr_err e;
		int pid = lxr_str_has_prefix(names[i], prefix) ? atoi(names[i] + pl) : 0;
		if (pid <= 0 || !lxr_pid_gone(pid) || rt_cgroup_open(group, names[i], &cg, &e) < 0)
			continue;
		if (rt_cgroup_destroy(cg, &e) < 0)
			note_err(err, r, &e);
		else
			add(removed, lxr_xasprintf("cgroup lxr/%s/%s", group, names[i]));
	}
}

/* The endpoints a killed build's RUN steps left on lxr run's network
 * (build-PID-N, named as their cgroups): each holds an address, and the
 * default bridge stays while any is recorded. With removed NULL, listed in
 * found instead. */
static void build_endpoints(char ***removed, char ***found, int *r, lxr_err *err)
{
	_cleanup_strv_ char **names = net_endpoint_names(lxr_run_dir(), RUN_PROJECT);

	for (size_t i = 0; names[i]; i++) {
		int pid = lxr_str_has_prefix(names[i], "build-") ? atoi(names[i] + 6) : 0;
		lxr_err e;
		if (pid <= 0 || !lxr_pid_gone(pid))
			continue;
		if (!removed)
			lxr_strv_push(found, lxr_xasprintf("network endpoint " RUN_PROJECT
							   "/%s (its build is gone)",
							   names[i]));
		else if (net_endpoint_remove(lxr_run_dir(), RUN_PROJECT, names[i], &e) < 0)
			note_err(err, r, &e);
		else
			add(removed,
			    lxr_xasprintf("network endpoint " RUN_PROJECT "/%s", names[i]));
	}
}

/* Temp names of dead writers in the data directory: its top (doctor's
 * probes), build work directories, network and volume definitions, and the
 * image store's half-written blobs and half-unpacked layers. */
static void repair_data(char ***removed, int *r, lxr_err *err)
{
	static const char *const subs[] = {"", "/build", "/networks", "/volumes",
					   "/volumes/_named"};
	lxr_err e;

	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		_cleanup_free_ char *d = lxr_xasprintf("%s%s", lxr_data_dir(), subs[i]);
		if (lxr_tmp_sweep_report(d, false, removed, &e) < 0)
			note_err(err, r, &e);
	}
	if (img_store_sweep_dead(lxr_data_dir(), removed, &e) < 0)
		note_err(err, r, &e);
}

int sup_repair(char ***removed, char ***kept, lxr_err *err)
{
	const char *run = lxr_run_dir();
	DIR *d = opendir(run);
	struct dirent *de;
	lxr_err e;
	int r = 0;

	if (lxr_tmp_sweep_report(run, false, removed, &e) < 0)
		note_err(err, &r, &e);
	while (d && (de = readdir(d))) {
		const char *p = de->d_name;
		_cleanup_free_ char *lock = lxr_xasprintf("%s/%s/supervisor.lock", run, p);
		/* a project's directory has the lock file from its first up until
		 * its removal; "_" starts lxr's pseudo-projects (no project name
		 * can), and other directories (the seccomp cache) have none */
		if (p[0] == '.' || p[0] == '_' || de->d_type != DT_DIR || access(lock, F_OK) < 0)
			continue;
		if (repair_project(p, removed, kept, &e) < 0)
			note_err(err, &r, &e);
	}
	if (d)
		closedir(d);
	if (repair_run(removed, kept, &e) < 0)
		note_err(err, &r, &e);
	repair_run_sups(removed);
	repair_pid_cgroups(DOCTOR_CG, "probe-", removed, &r, err);
	repair_pid_cgroups("_build", "build-", removed, &r, err);
	build_endpoints(removed, NULL, &r, err);
	repair_data(removed, &r, err);
	return r;
}

/* ---- lxr doctor without --repair: the same findings, nothing removed ---- */

/* What a dead supervisor left in its project directory: state files of
 * containers it ran, their temp names and its network records. */
static void project_leftovers(const char *project, const char *dir, char ***found)
{
	_cleanup_strv_ char **net = NULL;
	_cleanup_close_ int lock = lock_existing(dir);
	DIR *d;
	struct dirent *de;

	if (lock < 0)
		return; /* a supervisor runs it, or a `down` just removed it */
	lxr_tmp_find_dead(dir, found);
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *cdir = NULL, *st = NULL, *st2 = NULL, *rootfs = NULL;
		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		cdir = lxr_xasprintf("%s/%s", dir, de->d_name);
		rootfs = lxr_xasprintf("%s/rootfs", cdir);
		st = lxr_xasprintf("%s/state", cdir);
		st2 = lxr_xasprintf("%s/state.starting", cdir);
		if (access(rootfs, F_OK) < 0)
			lxr_strv_push(found, lxr_xasprintf("half-made container %s", cdir));
		if (access(st, F_OK) == 0)
			lxr_strv_push(found, lxr_xasprintf("stale state file %s", st));
		if (access(st2, F_OK) == 0)
			lxr_strv_push(found, lxr_xasprintf("stale state file %s", st2));
		lxr_tmp_find_dead(cdir, found);
	}
	if (d)
		closedir(d);
	net = net_project_leftovers(lxr_run_dir(), project);
	for (size_t i = 0; net[i]; i++)
		lxr_strv_push(found, lxr_xasprintf("%s of project %s (its supervisor is gone)",
						   net[i], project));
}

int sup_leftovers(char ***found, lxr_err *err)
{
	static const char *const subs[] = {"", "/build", "/networks", "/volumes",
					   "/volumes/_named"};
	_cleanup_free_ char *runs = lxr_xasprintf("%s/" RUN_PROJECT, lxr_run_dir());
	const char *run = lxr_run_dir();
	DIR *d = opendir(run);
	struct dirent *de;

	*found = lxr_xcalloc(1, sizeof(char *));
	lxr_tmp_find_dead(run, found);
	while (d && (de = readdir(d))) {
		const char *p = de->d_name;
		_cleanup_free_ char *dir = lxr_xasprintf("%s/%s", run, p);
		_cleanup_free_ char *lock = lxr_xasprintf("%s/supervisor.lock", dir);
		if (p[0] == '.' || p[0] == '_' || de->d_type != DT_DIR || access(lock, F_OK) < 0)
			continue;
		project_leftovers(p, dir, found);
	}
	if (d)
		closedir(d);
	lxr_tmp_find_dead(runs, found);
	d = opendir(runs);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR || sup_run_alive(de->d_name) ||
		    !rt_container_dead(runs, de->d_name))
			continue;
		lxr_strv_push(found, lxr_xasprintf("lxr run container %s/%s: its lxr is gone", runs,
						   de->d_name));
	}
	if (d)
		closedir(d);
	build_endpoints(NULL, found, &(int){0}, err);
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		_cleanup_free_ char *dd = lxr_xasprintf("%s%s", lxr_data_dir(), subs[i]);
		lxr_tmp_find_dead(dd, found);
	}
	return img_store_find_dead(lxr_data_dir(), found, err);
}
