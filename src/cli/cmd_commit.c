/* lxr commit, as docker commit (and compose's commit SERVICE): a
 * container's changes become a new image. Its writable layer is the new
 * layer, on the image it runs (a root filesystem directory becomes layers
 * of its own), without what lxr mounted on it (the empty mount points of
 * /etc/hosts, volumes, ...: docker's init layer, which it leaves out too);
 * the new image's config is the container's as `lxr inspect` shows it
 * (environment, command, entrypoint, working directory, user, ports,
 * labels, health check, stop signal), with -c's changes over it. A
 * running container is frozen while its layer is read (--pause, docker's
 * default). lxr-image writes the layer and stores the image (img_commit). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/run_opts.h"
#include "lxr/image.h"
#include "lxr/runtime.h"
#include "lxr/supervisor.h"

struct commit_args {
	const char *author, *message, *name, *repo;
	char **changes;
	bool pause;
	long index;
};

/* What `lxr inspect NAME` shows of it: a run container's supervisor, the
 * record it left, or its plan made again; a stack's from its supervisor */
static json_t *inspect_of(const char *file, const char *project, const char *name, const char *inst,
			  bool service, lxr_err *err)
{
	_cleanup_free_ char *pname = NULL;
	struct ctl_conn *conn = NULL;
	json_t *res = NULL, *o = NULL;

	if (!service)
		return cli_inspect_named(name, err);
	if (cli_project_connect(file, project, &conn, &pname) != LXR_EXIT_OK)
		return lxr_fail(err, ESRCH, "no supervisor of %s to ask", name), NULL;
	if (ctl_call(conn, "inspect", json_pack("{s:[s]}", "services", inst), 30000, &res, err) ==
	    0)
		o = json_incref(json_array_get(res, 0));
	json_decref(res);
	ctl_close(conn);
	return o;
}

/* The config docker's commit gives the image: the container's, less what
 * lxr sets at each start (HOSTNAME; HOME unless the image sets it) */
static json_t *image_config(json_t *ins, const struct img_image *base)
{
	static const char *const keys[] = {"User",        "ExposedPorts", "Env",        "Cmd",
					   "Healthcheck", "WorkingDir",   "Entrypoint", "Labels",
					   "StopSignal",  "Volumes",      "OnBuild",    "Shell"};
	json_t *c = json_object_get(ins, "Config"), *out = json_object(), *env = json_array(), *e;
	bool image_home = false;
	size_t i;

	for (size_t k = 0; base && base->config.env && base->config.env[k]; k++)
		image_home |= !strncmp(base->config.env[k], "HOME=", 5);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_object_get(c, keys[i]))
			json_object_set(out, keys[i], json_object_get(c, keys[i]));
	json_array_foreach(json_object_get(c, "Env"), i, e)
	{
		const char *kv = json_string_value(e) ?: "";
		if (strncmp(kv, "HOSTNAME=", 9) && (image_home || strncmp(kv, "HOME=", 5)))
			json_array_append(env, e);
	}
	json_object_set_new(out, "Env", env);
	return out;
}

/* docker's history: an entry a layer, the container's with its command,
 * -m and -a (an empty layer's when it changed nothing), each root
 * filesystem directory's saying which */
static json_t *history_of(json_t *ins, json_t *layers, const struct commit_args *a)
{
	json_t *args = json_object_get(ins, "Args"), *v, *h;
	char *by = lxr_xstrdup(json_string_value(json_object_get(ins, "Path")) ?: "");
	size_t i;

	json_array_foreach(args, i, v)
	{
		char *more = lxr_xasprintf("%s %s", by, json_string_value(v) ?: "");
		free(by);
		by = more;
	}
	h = json_pack("{s:s}", "created_by", by);
	free(by);
	if (a->message)
		json_object_set_new(h, "comment", json_string(a->message));
	if (a->author)
		json_object_set_new(h, "author", json_string(a->author));
	json_t *all = json_array();
	bool own = false;
	json_array_foreach(layers, i, v)
	{
		if (json_is_object(v))
			own = true;
		else
			json_array_append_new(all, json_pack("{s:s+}", "created_by",
							     "lxr commit: the directory ",
							     json_string_value(v)));
	}
	if (!own)
		json_object_set_new(h, "empty_layer", json_true());
	json_array_append_new(all, h);
	return all;
}

/* The layers the image is made of above base, bottom first: the
 * container's layers under its writable one that base does not have
 * (all of them for a root filesystem directory), then the writable one
 * without its mount points; none for a layer with no change */
static json_t *layers_of(const char *upper, char *const *lowers, char *const *mounts,
			 const struct img_image *base, lxr_err *err)
{
	_cleanup_strv_ char **changes = NULL;
	json_t *layers = json_array(), *skip = json_array();

	for (size_t i = lxr_strv_len((char **)lowers); i-- > 0;)
		if (!base || !lxr_strv_has(base->layer_dirs, lowers[i]))
			json_array_append_new(layers, json_string(lowers[i]));
	for (size_t i = 0; mounts && mounts[i]; i++)
		if (mounts[i][0] == '/' && mounts[i][1])
			json_array_append_new(skip, json_string(mounts[i] + 1));
	if (rt_fs_diff(upper, lowers, mounts, &changes, err) < 0) {
		json_decref(layers);
		json_decref(skip);
		return NULL;
	}
	if (changes && changes[0])
		json_array_append_new(layers, json_pack("{s:s, s:o}", "dir", upper, "skip", skip));
	else
		json_decref(skip);
	return layers;
}

static bool same_path(const char *a, const char *b)
{
	_cleanup_free_ char *ra = realpath(a, NULL), *rb = realpath(b, NULL);

	return ra && rb && !strcmp(ra, rb);
}

/* The layers its root mount names are the ones lxr made for it: its
 * writable layer in its own directory, its image's layers (or its root
 * filesystem directory) under it. A container that mounted a root of its
 * own making (CAP_SYS_ADMIN) would have lxr read host directories into an
 * image: refused. */
static int check_layers(const char *group, const char *id, const char *upper, char *const *lowers,
			const struct img_image *base, json_t *ins, lxr_err *err)
{
	_cleanup_free_ char *want = lxr_xasprintf("%s/%s/%s/upper", lxr_run_dir(), group, id);
	const char *dir =
	    json_string_value(json_object_get(json_object_get(ins, "Config"), "Image"));
	bool ok = same_path(upper, want) && lowers && lowers[0];

	for (size_t i = 0; ok && lowers[i]; i++) {
		bool known = !base && !i && !lowers[1] && dir && same_path(lowers[i], dir);
		for (size_t k = 0; base && !known && base->layer_dirs && base->layer_dirs[k]; k++)
			known = same_path(lowers[i], base->layer_dirs[k]);
		ok = known;
	}
	if (ok)
		return 0;
	return lxr_fail(err, EPERM, "its root's layers are not the ones lxr made for it"),
	       lxr_err_hint(err, "a container that mounts a root of its own cannot be "
				 "committed; `lxr diff` shows what it changed");
}

/* Its image from the store (NULL: a root filesystem directory) */
static int base_of(json_t *ins, struct img_image **base, lxr_err *err)
{
	const char *id = json_string_value(json_object_get(ins, "Image")) ?: "";
	struct img_store *st = NULL;
	int r;

	*base = NULL;
	if (!*id)
		return 0;
	if (img_store_open(lxr_data_dir(), &st, err) < 0)
		return -1;
	*base = lxr_xcalloc(1, sizeof(**base));
	r = img_resolve(st, strncmp(id, "sha256:", 7) ? id : id + 7, *base, err);
	img_store_close(st);
	if (r < 0)
		lxr_err_wrap(err, "its image %s", id),
		    lxr_err_hint(err, "an image removed since the container was made cannot be "
				      "committed upon");
	return r;
}

static int store(json_t *desc, lxr_err *err)
{
	_cleanup_free_ char *path = lxr_xasprintf("%s/.commit-XXXXXX", lxr_run_dir());
	struct img_store *st = NULL;
	int fd = mkostemp(path, O_CLOEXEC), r;

	if (fd < 0)
		return lxr_fail(err, errno, "create %s", path);
	close(fd);
	r = json_dump_file(desc, path, JSON_COMPACT) < 0   ? lxr_fail(err, EIO, "write %s", path)
	    : img_store_open(lxr_data_dir(), &st, err) < 0 ? -1
							   : img_tool_commit(st, path, err);
	img_store_close(st);
	unlink(path);
	return r;
}

/* A container in a user namespace other than lxr's: its layer holds the
 * ids that namespace maps to, not the image's */
static bool own_userns(pid_t pid)
{
	_cleanup_free_ char *path = lxr_xasprintf("/proc/%d/ns/user", (int)pid);
	struct stat a, b;

	return stat(path, &a) < 0 || stat("/proc/self/ns/user", &b) < 0 || a.st_ino != b.st_ino ||
	       a.st_dev != b.st_dev;
}

/* Its layers, frozen meanwhile when it runs and --pause */
static int read_layers(const char *file, const char *project, const struct commit_args *a,
		       json_t **layers, json_t **ins, struct img_image **base, lxr_err *err)
{
	struct lxr_container_ref ref = {0};
	_cleanup_free_ char *inst = NULL, *upper = NULL;
	_cleanup_strv_ char **lowers = NULL, **mounts = NULL;
	struct lxr_cgroup *cg = NULL;
	bool service = false, thaw = false;
	int r = cli_container_find(file, project, a->index, a->name, &ref, &inst, &service, err);

	if (r == 0 && own_userns(ref.pid))
		r = lxr_fail(err, ENOTSUP, "%s has a user namespace of its own", a->name);
	if (r == 0)
		r = rt_container_layers(ref.pid, &upper, &lowers, &mounts, err);
	else if (err->errnum == ESRCH && !file && !project && run_keep_exists(a->name)) {
		/* stopped: the /etc files lxr binds for it are its mount points */
		static const char *const etc[] = {"/etc/hosts", "/etc/hostname",
						  "/etc/resolv.conf"};
		r = run_keep_layers(a->name, &upper, &lowers, err);
		for (size_t i = 0; r == 0 && i < sizeof(etc) / sizeof(etc[0]); i++)
			lxr_strv_push(&mounts, lxr_xstrdup(etc[i]));
	}
	if (r == 0 &&
	    !(*ins = inspect_of(file, project, a->name, inst ? inst : a->name, service, err)))
		r = -1;
	if (r == 0)
		r = base_of(*ins, base, err);
	if (r == 0)
		r = check_layers(ref.pid ? ref.cgroup_group : "_run", ref.pid ? ref.id : a->name,
				 upper, lowers, *base, *ins, err);
	if (r == 0 && ref.pid && a->pause && ref.cgroup_group &&
	    rt_cgroup_open(ref.cgroup_group, ref.id, &cg, err) == 0 && !rt_cgroup_frozen(cg))
		thaw = rt_cgroup_freeze(cg, true, err) == 0;
	if (r == 0 && !(*layers = layers_of(upper, lowers, mounts, *base, err)))
		r = -1;
	if (thaw && rt_cgroup_freeze(cg, false, err) < 0)
		r = -1;
	rt_cgroup_free(cg);
	rt_container_ref_free(&ref);
	return r;
}

static int parse(int argc, char **argv, struct commit_args *a)
{
	static const struct option longopts[] = {
	    {"author", required_argument, NULL, 'a'},
	    {"change", required_argument, NULL, 'c'},
	    {"message", required_argument, NULL, 'm'},
	    {"pause", optional_argument, NULL, 'p'},
	    {"index", required_argument, NULL, 'i'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	a->pause = true;
	optind = 1;
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "a:c:m:p::h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': a->author = optarg; break;
		case 'c': lxr_strv_push(&a->changes, lxr_xstrdup(optarg)); break;
		case 'm': a->message = optarg; break;
		case 'p':
			a->pause = !optarg || !strcmp(optarg, "true") || !strcmp(optarg, "1");
			if (optarg && a->pause == false && strcmp(optarg, "false") &&
			    strcmp(optarg, "0"))
				return fprintf(stderr, "lxr: error: --pause=%s: true or false\n",
					       optarg),
				       -1;
			break;
		case 'i':
			if (cli_parse_index(optarg, &a->index) < 0)
				return -1;
			break;
		case 'h': fputs(cli_help("commit"), stdout); return 1;
		default: cli_bad_option(argv[optind - 1], longopts, cli_help("commit")); return -1;
		}
	}
	if (argc - optind < 1 || argc - optind > 2) {
		fprintf(stderr, "lxr: error: commit takes a container and an image name\n%s",
			cli_help("commit"));
		return -1;
	}
	a->name = argv[optind];
	a->repo = argv[optind + 1];
	return 0;
}

int cmd_commit(int argc, char **argv)
{
	struct commit_args a = {0};
	const char *file = NULL, *project = NULL;
	struct img_image *base = NULL;
	json_t *layers = NULL, *ins = NULL, *desc = NULL, *tags = json_array();
	lxr_err err;
	int r = parse(argc, argv, &a);

	cli_globals_apply(&file, &project);
	if (r != 0) {
		lxr_strv_free(a.changes);
		json_decref(tags);
		return r > 0 ? LXR_EXIT_OK : LXR_EXIT_USAGE;
	}
	if (a.repo) {
		struct img_ref ref;
		if (img_ref_parse(a.repo, &ref, &err) < 0 ||
		    (ref.digest && lxr_fail(&err, EINVAL, "%s: a digest is not a tag", a.repo))) {
			lxr_err_print(&err);
			lxr_strv_free(a.changes);
			json_decref(tags);
			return LXR_EXIT_USAGE;
		}
		json_array_append_new(tags, json_string_nocheck(img_ref_string(&ref)));
		img_ref_free(&ref);
	}
	r = read_layers(file, project, &a, &layers, &ins, &base, &err);
	if (r == 0) {
		desc = json_pack("{s:s?, s:o, s:o, s:o, s:o, s:o}", "base",
				 base ? base->manifest_digest : NULL, "layers", layers, "config",
				 image_config(ins, base), "history", history_of(ins, layers, &a),
				 "tags", json_incref(tags), "changes", json_pack("[]"));
		for (size_t i = 0; a.changes && a.changes[i]; i++)
			json_array_append_new(json_object_get(desc, "changes"),
					      json_string(a.changes[i]));
		if (a.author)
			json_object_set_new(desc, "author", json_string(a.author));
		r = store(desc, &err);
	}
	if (r < 0) {
		lxr_err_wrap(&err, "commit %s", a.name);
		lxr_err_print(&err);
	}
	json_decref(desc);
	json_decref(ins);
	json_decref(tags);
	if (base)
		img_image_free(base);
	free(base);
	lxr_strv_free(a.changes);
	return r < 0 ? LXR_EXIT_FAIL : LXR_EXIT_OK;
}
