/* lxr cp: copy files between the host and a container, as docker cp and
 * docker compose cp do: a running one through its root, a kept `lxr run`
 * one that does not run through its layers mounted for the copy. The copy itself is the runtime's
 * (rt_cp), which resolves the container's side inside its root. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lxr/supervisor.h"
#include "cli/run_opts.h"
#include "lxr/runtime.h"

struct cp_opts {
	const char *file, *project;
	long index;
	struct rt_cp_opts rt;
};

static int parse(int argc, char **argv, struct cp_opts *o)
{
	static const struct option longopts[] = {
	    {"archive", no_argument, NULL, 'a'},
	    {"follow-link", no_argument, NULL, 'L'},
	    {"index", required_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	cli_globals_apply(&o->file, &o->project);
	optind = 1;
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "aLf:p:", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cli_set_file(&o->file, optarg) < 0)
				return -1;
			break;
		case 'p': o->project = optarg; break;
		case 'a': o->rt.archive = true; break;
		case 'L': o->rt.follow = true; break;
		case 'n':
			if (cli_parse_index(optarg, &o->index) < 0)
				return -1;
			break;
		case 'h': fputs(cli_help("cp"), stdout); return 1;
		default: cli_bad_option(argv[optind - 1], longopts, cli_help("cp")); return -1;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "lxr: error: cp takes a source and a destination\n%s",
			cli_help("cp"));
		return -1;
	}
	return 0;
}

/* docker's rule: NAME:PATH names a container when the colon comes before
 * any slash; an absolute or ./ path is always the host's. *path points
 * after the colon; the name is returned (caller frees), or NULL. */
static char *container_part(const char *arg, const char **path)
{
	const char *colon = strchr(arg, ':');

	*path = arg;
	if (arg[0] == '/' || arg[0] == '.' || !colon || colon == arg ||
	    memchr(arg, '/', (size_t)(colon - arg)))
		return NULL;
	*path = colon[1] ? colon + 1 : "/";
	return lxr_xstrndup(arg, (size_t)(colon - arg));
}

/* The container's root as a directory descriptor, taken while the init
 * behind pidfd still lives (so a recycled pid cannot hand over another
 * process's root). */
static int open_root(const struct lxr_container_ref *ref, lxr_err *err)
{
	_cleanup_free_ char *path = lxr_xasprintf("/proc/%d/root", (int)ref->pid);
	_cleanup_close_ int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return lxr_fail(err, errno, "open %s", path);
	if (syscall(SYS_pidfd_send_signal, ref->pidfd, 0, NULL, 0) < 0)
		return lxr_fail(err, errno == ESRCH ? ESRCH : errno,
				"container %s stopped during cp", ref->id);
	return lxr_steal_fd(&fd);
}

/* The container's id maps when it has a user namespace of its own (one
 * range, as lxr writes them): read while its init lives (open_root). */
static void container_maps(pid_t pid, struct rt_cp_opts *o)
{
	unsigned long long in, out, count, gin, gout, gcount;
	char path[64];
	FILE *f;

	o->map_count = 0;
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	f = fopen(path, "re");
	if (!f || lxr_fscanf_line(f, "%llu %llu %llu", &in, &out, &count) != 3) {
		if (f)
			fclose(f);
		return;
	}
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	f = fopen(path, "re");
	if (!f || lxr_fscanf_line(f, "%llu %llu %llu", &gin, &gout, &gcount) != 3) {
		if (f)
			fclose(f);
		return;
	}
	fclose(f);
	/* the host's own namespace maps 0 to 0 */
	if (in || gin || !out || count != gcount || count > 4294967295ull)
		return;
	o->map_uid = (uint32_t)out;
	o->map_gid = (uint32_t)gout;
	o->map_count = (uint32_t)count;
}

/* One container's side of the copy: o->index's of name (0: its first);
 * *inst the instance it reached, *service whether it is a stack's */
static int copy_one(struct cp_opts *o, const char *src, const char *dst, char **inst, bool *service)
{
	const char *spath, *dpath;
	_cleanup_free_ char *sname = container_part(src, &spath);
	_cleanup_free_ char *dname = container_part(dst, &dpath);
	_cleanup_close_ int root = -1;
	const char *name = sname ? sname : dname;
	struct lxr_container_ref ref = {.pidfd = -1};
	lxr_err err;
	int r;

	if (cli_container_find(o->file, o->project, o->index, name, &ref, inst, service, &err) ==
	    0) {
		root = open_root(&ref, &err);
		container_maps(ref.pid, &o->rt);
	} else if (err.errnum == ESRCH && !o->file && !o->project && run_keep_exists(name)) {
		/* docker cp works on a stopped (or created) container too:
		 * its filesystem, mounted for the copy alone */
		root = run_keep_fs_open(name, &err);
	} else {
		lxr_err_print(&err);
		return LXR_EXIT_FAIL;
	}
	o->rt.to_host = sname != NULL;
	if (root < 0 || rt_cp_fs_ids(&o->rt, true, &err) < 0)
		r = -1;
	else if (sname && !strcmp(dst, "-"))
		r = rt_cp_to_tar(root, spath, STDOUT_FILENO, &o->rt, &err);
	else if (!strcmp(src, "-"))
		r = rt_cp_from_tar(STDIN_FILENO, root, dpath, &o->rt, &err);
	else if (sname)
		r = rt_cp(root, spath, AT_FDCWD, dpath, &o->rt, &err);
	else
		r = rt_cp(AT_FDCWD, spath, root, dpath, &o->rt, &err);
	rt_cp_fs_ids(&o->rt, false, &err);
	rt_container_ref_free(&ref);
	if (r < 0) {
		lxr_err_wrap(&err, "cp %s %s", src, dst);
		lxr_err_print(&err);
		return LXR_EXIT_FAIL;
	}
	return LXR_EXIT_OK;
}

/* The replicas of service name that run, other than the instance first,
 * as its supervisor's ps lists them (none: name is no service) */
static json_t *other_replicas(const struct cp_opts *o, const char *name, const char *first)
{
	_cleanup_free_ char *project = NULL;
	struct ctl_conn *conn = NULL;
	json_t *ps = NULL, *out = json_array(), *rec;
	lxr_err err;
	size_t i;

	if (cli_project_connect(o->file, o->project, &conn, &project) != LXR_EXIT_OK)
		return out;
	if (ctl_call(conn, "ps", json_pack("{s:[s]}", "services", name), 30000, &ps, &err) == 0)
		json_array_foreach(ps, i, rec)
		{
			const char *svc = json_string_value(json_object_get(rec, "service"));
			const char *in = json_string_value(json_object_get(rec, "instance"));
			if (svc && in && !strcmp(svc, name) && strcmp(in, first) &&
			    json_integer_value(json_object_get(rec, "pid")) > 0)
				json_array_append(out, json_object_get(rec, "replica"));
		}
	json_decref(ps);
	ctl_close(conn);
	return out;
}

static int copy(struct cp_opts *o, const char *src, const char *dst)
{
	const char *spath, *dpath;
	_cleanup_free_ char *sname = container_part(src, &spath);
	_cleanup_free_ char *dname = container_part(dst, &dpath);
	_cleanup_free_ char *first = NULL;
	const char *name = sname ? sname : dname;
	bool service = false;
	int r;

	if (sname && dname) {
		fputs("lxr: error: cp: copying between containers is not supported\n"
		      "lxr: hint: copy to the host first, then into the other container\n",
		      stderr);
		return LXR_EXIT_USAGE;
	}
	if (!name) {
		fprintf(stderr,
			"lxr: error: cp %s %s: one of the two must be SERVICE:PATH\n"
			"lxr: hint: a local path that holds a colon is written ./%s\n",
			src, dst, strchr(src, ':') ? src : dst);
		return LXR_EXIT_USAGE;
	}
	if (!*(sname ? spath : dpath)) {
		fprintf(stderr, "lxr: error: cp: empty path in the container\n");
		return LXR_EXIT_USAGE;
	}
	r = copy_one(o, src, dst, &first, &service);
	/* into a service without --index: every replica that runs, as
	 * compose copies into each of the service's containers (a tar on
	 * stdin can be read once: the first only) */
	if (r != LXR_EXIT_OK || !dname || o->index || !service || !strcmp(src, "-"))
		return r;
	json_t *more = other_replicas(o, name, first), *n;
	size_t i;
	json_array_foreach(more, i, n)
	{
		_cleanup_free_ char *inst = NULL;
		o->index = (long)json_integer_value(n);
		if (r == LXR_EXIT_OK)
			r = copy_one(o, src, dst, &inst, &service);
	}
	json_decref(more);
	return r;
}

int cmd_cp(int argc, char **argv)
{
	struct cp_opts o = {0};
	int r = parse(argc, argv, &o);

	if (r != 0)
		return r > 0 ? LXR_EXIT_OK : LXR_EXIT_USAGE;
	return copy(&o, argv[optind], argv[optind + 1]);
}

/* lxr export, as docker export: the container's filesystem as a tar, its
 * own (image layers and writable layer) without what is mounted on it */
int cmd_export(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"index", required_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct rt_cp_opts rt = {.archive = true, .one_fs = true};
	long index = 0;
	struct lxr_container_ref ref = {0};
	const char *file = NULL, *project = NULL, *output = NULL, *name;
	_cleanup_free_ char *inst = NULL;
	_cleanup_close_ int root = -1, out = -1;
	bool service = false;
	lxr_err err;
	int c, r;

	cli_globals_apply(&file, &project);
	optind = 1;
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 'n':
			if (cli_parse_index(optarg, &index) < 0)
				return LXR_EXIT_USAGE;
			break;
		case 'h': fputs(cli_help("export"), stdout); return LXR_EXIT_OK;
		default:
			cli_bad_option(argv[optind - 1], longopts, cli_help("export"));
			return LXR_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "lxr: error: export takes one container\n%s", cli_help("export"));
		return LXR_EXIT_USAGE;
	}
	name = argv[optind];
	if (!output && isatty(STDOUT_FILENO)) {
		fprintf(stderr,
			"lxr: error: export: standard output is a terminal\n"
			"lxr: hint: give -o FILE, or redirect it: lxr export %s > fs.tar\n",
			name);
		return LXR_EXIT_USAGE;
	}
	if (cli_container_find(file, project, index, name, &ref, &inst, &service, &err) == 0) {
		root = open_root(&ref, &err);
		container_maps(ref.pid, &rt);
	} else if (err.errnum == ESRCH && !file && !project && run_keep_exists(name)) {
		root = run_keep_fs_open(name, &err);
	}
	if (root < 0) {
		rt_container_ref_free(&ref);
		lxr_err_print(&err);
		return LXR_EXIT_FAIL;
	}
	out = output ? open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)
		     : dup(STDOUT_FILENO);
	if (out < 0) {
		rt_container_ref_free(&ref);
		lxr_fail(&err, errno, "export %s: open %s", name,
			 output ? output : "standard output");
		lxr_err_print(&err);
		return LXR_EXIT_FAIL;
	}
	r = rt_cp_fs_ids(&rt, true, &err) < 0 ? -1 : rt_cp_to_tar(root, "/.", out, &rt, &err);
	rt_cp_fs_ids(&rt, false, &err);
	rt_container_ref_free(&ref);
	if (r < 0) {
		/* nothing half-written is left under the name asked for */
		if (output)
			unlink(output);
		lxr_err_wrap(&err, "export %s", name);
		lxr_err_print(&err);
		return LXR_EXIT_FAIL;
	}
	return LXR_EXIT_OK;
}

/* lxr diff, as docker diff: what the container changed, "A|C|D PATH" */
int cmd_diff(int argc, char **argv)
{
	struct lxr_container_ref ref = {0};
	const char *file = NULL, *project = NULL, *name = NULL;
	_cleanup_free_ char *inst = NULL, *upper = NULL;
	_cleanup_strv_ char **lowers = NULL, **lines = NULL, **mounts = NULL;
	/* the /etc files lxr binds for a container: its, not the container's */
	char *const etc[] = {"/etc/hosts", "/etc/hostname", "/etc/resolv.conf", NULL};
	bool service = false;
	lxr_err err;
	int r;

	cli_globals_apply(&file, &project);
	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i]))
			return fputs(cli_help("diff"), stdout), LXR_EXIT_OK;
		if (argv[i][0] == '-' || name) {
			fprintf(stderr,
				"lxr: error: diff takes one container, and no option %s\n%s",
				argv[i], cli_help("diff"));
			return LXR_EXIT_USAGE;
		}
		name = argv[i];
	}
	if (!name) {
		fprintf(stderr, "lxr: error: diff takes one container\n%s", cli_help("diff"));
		return LXR_EXIT_USAGE;
	}
	r = cli_container_find(file, project, 0, name, &ref, &inst, &service, &err);
	if (r == 0) {
		r = rt_container_layers(ref.pid, &upper, &lowers, &mounts, &err);
		if (r == 0)
			r = rt_fs_diff(upper, lowers, mounts, &lines, &err);
	} else if (err.errnum == ESRCH && !file && !project && run_keep_exists(name)) {
		r = run_keep_diff(name, etc, &lines, &err);
	}
	rt_container_ref_free(&ref);
	if (r < 0) {
		lxr_err_wrap(&err, "diff %s", name);
		lxr_err_print(&err);
		return LXR_EXIT_FAIL;
	}
	for (size_t i = 0; lines[i]; i++)
		puts(lines[i]);
	return LXR_EXIT_OK;
}
