/* `lxr run`'s mounts, as docker's -v, --mount and --tmpfs take them, each
 * written as the Compose long-syntax entry it means (a bind, a volume, a
 * tmpfs). Two things are docker's own, not the stack file's: a source
 * without a slash is a volume's name, not a path; and a missing bind
 * source is made on the host (a directory) for -v, but an error for
 * --mount. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>

#include "cli/cli.h"
#include "cli/run_opts.h"
#include "config/text.h"
#include "lxr/supervisor.h"

int run_named_volume(struct run_opts *o, const char *name, json_t *v, lxr_err *err)
{
	struct sup_volume pv;
	lxr_err none;

	if (sup_volume_name_check(name, err) < 0) {
		json_decref(v);
		return -1;
	}
	/* a stack's own volume, by compose's name <project>_<name> */
	if (!sup_volume_exists(name) && sup_project_volume_load(name, &pv, &none) == 0) {
		json_object_set_new(v, "type", json_string("bind"));
		json_object_set_new(v, "source", run_lit(pv.mountpoint));
		json_object_del(v, "volume");
		json_object_set_new(v, "bind", json_pack("{s:b}", "create_host_path", false));
		sup_volume_free(&pv);
		run_push(o, "volumes", v);
		return 0;
	}
	if (!o->volumes)
		o->volumes = json_object();
	json_object_set_new(o->volumes, name, json_pack("{s:s}", "name", name));
	json_object_set_new(v, "source", run_lit(name));
	run_push(o, "volumes", v);
	return 0;
}

/* v's sub-object key ("bind", "volume", "tmpfs"), made if missing */
static json_t *sub(json_t *v, const char *key)
{
	json_t *s = json_object_get(v, key);

	if (!s) {
		s = json_object();
		json_object_set_new(v, key, s);
	}
	return s;
}

static bool is_propagation(const char *m)
{
	static const char *const modes[] = {"shared", "slave",    "private", "rshared",
					    "rslave", "rprivate", NULL};

	for (size_t i = 0; modes[i]; i++)
		if (!strcmp(m, modes[i]))
			return true;
	return false;
}

/* -v's third part, docker's comma-separated options: ro or rw, z or Z
 * (SELinux relabelling), a propagation mode, nocopy, and the consistency
 * words docker accepts and ignores on Linux. */
static int volume_modes(json_t *v, char *modes, bool bind, const char *arg, lxr_err *err)
{
	for (char *m = strtok(modes, ","); m; m = strtok(NULL, ",")) {
		if (!strcmp(m, "ro") || !strcmp(m, "rw"))
			json_object_set_new(v, "read_only", json_boolean(m[1] == 'o'));
		else if (bind && (!strcmp(m, "z") || !strcmp(m, "Z")))
			json_object_set_new(sub(v, "bind"), "selinux", json_string(m));
		else if (bind && is_propagation(m))
			json_object_set_new(sub(v, "bind"), "propagation", json_string(m));
		else if (!bind && !strcmp(m, "nocopy"))
			json_object_set_new(sub(v, "volume"), "nocopy", json_true());
		else if (strcmp(m, "consistent") && strcmp(m, "cached") && strcmp(m, "delegated"))
			return lxr_fail(err, 0, "-v \"%s\": unknown option \"%s\"", arg, m),
			       lxr_err_hint(err, "%s",
					    bind ? "ro, rw, z, Z, or a propagation "
						   "mode (rshared, rslave, ...)"
						 : "ro, rw or nocopy for a volume");
	}
	return 0;
}

/* docker -v: SRC:DST[:OPTS], or DST alone (an anonymous volume) */
int run_parse_volume(struct run_opts *o, const char *arg, lxr_err *err)
{
	_cleanup_free_ char *copy = lxr_xstrdup(arg), *cwd = NULL, *abs = NULL;
	char *src = copy, *dst, *mode, path[PATH_MAX];
	bool bind;
	json_t *v;

	dst = strchr(src, ':');
	if (!dst) {
		if (src[0] != '/')
			return lxr_fail(err, 0, "-v \"%s\": expected SRC:DST[:OPTS] or /DST", arg);
		run_push(o, "volumes",
			 json_pack("{s:s, s:o}", "type", "volume", "target", run_lit(src)));
		return 0;
	}
	*dst++ = '\0';
	mode = strchr(dst, ':');
	if (mode)
		*mode++ = '\0';
	if (dst[0] != '/')
		return lxr_fail(err, 0, "-v \"%s\": destination must be absolute", arg);
	/* docker (23 on) takes ./DIR, ../DIR, . and .. from the current
	 * directory; any other source without a slash names a volume */
	bind = src[0] == '/';
	if (!strcmp(src, ".") || !strcmp(src, "..") || lxr_str_has_prefix(src, "./") ||
	    lxr_str_has_prefix(src, "../")) {
		if (realpath(src, path)) {
			src = path;
		} else if (errno != ENOENT) {
			return lxr_fail(err, errno, "-v \"%s\": source %s", arg, src);
		} else {
			/* missing: from here, as docker's CLI takes it (the
			 * loader cleans the path), made as an absolute one is */
			if (!(cwd = getcwd(NULL, 0)))
				return lxr_fail(err, errno, "-v \"%s\": the current directory",
						arg);
			src = abs = lxr_xasprintf("%s/%s", cwd, src);
		}
		bind = true;
	}
	v = json_pack("{s:s, s:o}", "type", bind ? "bind" : "volume", "target", run_lit(dst));
	if (mode && volume_modes(v, mode, bind, arg, err) < 0) {
		json_decref(v);
		return -1;
	}
	if (!bind) {
		/* docker run -v NAME:/path: the volume NAME (lxr volume ls),
		 * made if missing */
		if (run_named_volume(o, src, v, err) < 0)
			return lxr_err_wrap(err, "-v \"%s\"", arg),
			       lxr_err_hint(err, "a host directory is an absolute path: $PWD/%s",
					    src);
		return 0;
	}
	/* docker's daemon makes a missing -v source, a directory, when the
	 * container starts: the plan's host_dirs, made by its carrier */
	json_object_set_new(v, "source", run_lit(src));
	json_object_set_new(sub(v, "bind"), "create_host_path", json_true());
	run_push(o, "volumes", v);
	return 0;
}

/* docker --tmpfs DST[:OPTS]: the stack file's tmpfs entry, same syntax. */
int run_parse_tmpfs(struct run_opts *o, const char *arg, lxr_err *err)
{
	if (arg[0] != '/')
		return lxr_fail(err, 0, "--tmpfs \"%s\": destination must be absolute", arg);
	run_push(o, "tmpfs", run_lit(arg));
	return 0;
}

char *run_csv_field(const char **p)
{
	const char *s = *p;
	char *out = lxr_xmalloc(strlen(s) + 1), *o = out;

	if (*s == '"') {
		for (s++; *s; s++) {
			if (*s == '"' && s[1] == '"')
				*o++ = *s++;
			else if (*s == '"')
				break;
			else
				*o++ = *s;
		}
		if (*s == '"')
			s++;
	}
	while (*s && *s != ',')
		*o++ = *s++;
	*o = '\0';
	*p = *s == ',' ? s + 1 : s;
	return out;
}

/* strconv.ParseBool's words, which docker's --mount takes */
static int mount_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True", NULL};
	static const char *const no[] = {"0", "f", "F", "false", "FALSE", "False", NULL};

	for (size_t i = 0; yes[i]; i++)
		if (!strcmp(v, yes[i]))
			return *out = true, 0;
	for (size_t i = 0; no[i]; i++)
		if (!strcmp(v, no[i]))
			return *out = false, 0;
	return -1;
}

struct mount_spec {
	char *type, *source, *target;
	json_t *v; /* the entry, its type's options so far */
};

/* key=value (or a flag alone) of --mount into m */
static int mount_field(struct mount_spec *m, const char *key, const char *val, lxr_err *err)
{
	bool b = true;
	int64_t n;

	if (!val && strcmp(key, "readonly") && strcmp(key, "ro") && strcmp(key, "volume-nocopy"))
		return lxr_fail(err, 0, "field \"%s\" must be a key=value pair", key);
	if (!strcmp(key, "type") || !strcmp(key, "source") || !strcmp(key, "src") ||
	    !strcmp(key, "target") || !strcmp(key, "dst") || !strcmp(key, "destination")) {
		char **to = key[0] == 't' && key[1] == 'y' ? &m->type
			    : key[0] == 's'                ? &m->source
							   : &m->target;
		free(*to);
		*to = lxr_xstrdup(val);
		return 0;
	}
	if (!strcmp(key, "readonly") || !strcmp(key, "ro") || !strcmp(key, "volume-nocopy")) {
		if (val && mount_bool(val, &b) < 0)
			return lxr_fail(err, 0, "%s=%s: expected true or false", key, val);
		if (key[0] == 'v')
			json_object_set_new(sub(m->v, "volume"), "nocopy", json_boolean(b));
		else
			json_object_set_new(m->v, "read_only", json_boolean(b));
		return 0;
	}
	if (!strcmp(key, "bind-propagation")) {
		if (!is_propagation(val))
			return lxr_fail(err, 0, "bind-propagation=%s: not a propagation mode", val),
			       lxr_err_hint(err,
					    "shared, slave, private, rshared, rslave or rprivate");
		json_object_set_new(sub(m->v, "bind"), "propagation", json_string(val));
		return 0;
	}
	if (!strcmp(key, "volume-subpath") || !strcmp(key, "image-subpath")) {
		json_object_set_new(sub(m->v, key[0] == 'v' ? "volume" : "image"), "subpath",
				    run_lit(val));
		return 0;
	}
	if (!strcmp(key, "tmpfs-size")) {
		if (cfg_parse_bytes(val, &n) < 0 || n <= 0)
			return lxr_fail(err, 0, "tmpfs-size=%s: expected a size (e.g. 64m)", val);
		json_object_set_new(sub(m->v, "tmpfs"), "size", json_integer(n));
		return 0;
	}
	if (!strcmp(key, "tmpfs-mode")) {
		char *end;
		long mode = strtol(val, &end, 8);
		if (!*val || *end || mode < 0 || mode > 07777)
			return lxr_fail(err, 0, "tmpfs-mode=%s: expected an octal mode (e.g. 1770)",
					val);
		json_object_set_new(sub(m->v, "tmpfs"), "mode", json_integer(mode));
		return 0;
	}
	if (!strcmp(key, "consistency"))
		return 0; /* docker ignores it on Linux */
	if (!strcmp(key, "volume-driver") || !strcmp(key, "volume-opt") ||
	    !strcmp(key, "volume-label"))
		return lxr_fail(err, 0, "%s: a volume made with options is lxr volume create's",
				key),
		       lxr_err_hint(err, "lxr volume create --opt K=V NAME, then "
					 "--mount type=volume,src=NAME,...");
	return lxr_fail(err, 0, "unknown field \"%s\"", key),
	       lxr_err_hint(err, "type, source, target, readonly, bind-propagation, "
				 "volume-nocopy, volume-subpath, image-subpath, tmpfs-size, "
				 "tmpfs-mode");
}

/* The whole entry once every field is read: what its type needs. */
static int mount_entry(struct run_opts *o, struct mount_spec *m, lxr_err *err)
{
	const char *type = m->type ? m->type : "volume";
	char path[PATH_MAX];

	if (!m->target || m->target[0] != '/')
		return lxr_fail(err, 0, "%s",
				m->target ? "the target must be an absolute path"
					  : "a target is required (target=/path)");
	if (strcmp(type, "bind") && strcmp(type, "volume") && strcmp(type, "tmpfs") &&
	    strcmp(type, "image"))
		return lxr_fail(err, 0, "type \"%s\": lxr mounts bind, volume, tmpfs and image",
				type);
	if (!strcmp(type, "tmpfs") && m->source)
		return lxr_fail(err, 0, "a tmpfs has no source");
	if (!strcmp(type, "image") && (!m->source || !*m->source))
		return lxr_fail(err, 0, "an image mount needs a source (source=IMAGE)");
	if (!strcmp(type, "image"))
		json_object_set_new(m->v, "source", run_lit(m->source));
	for (const char *k = "bind\0volume\0tmpfs\0image\0"; *k; k += strlen(k) + 1)
		if (strcmp(k, type) && json_object_get(m->v, k))
			return lxr_fail(err, 0, "%s options on a mount of type %s", k, type);
	json_object_set_new(m->v, "type", json_string(type));
	json_object_set_new(m->v, "target", run_lit(m->target));
	if (!strcmp(type, "bind")) {
		if (!m->source || !*m->source)
			return lxr_fail(err, 0, "a bind mount needs a source (source=/path)");
		/* docker's CLI takes a relative source from the current
		 * directory; like its daemon, lxr wants it there */
		if (!realpath(m->source, path)) {
			if (errno != ENOENT)
				return lxr_fail(err, errno, "bind source path %s", m->source);
			return lxr_fail(err, 0, "bind source path does not exist: %s", m->source),
			       lxr_err_hint(err,
					    "create it first (mkdir -p %s); -v makes a missing "
					    "directory, --mount does not, as with docker",
					    m->source);
		}
		json_object_set_new(m->v, "source", run_lit(path));
		json_object_set_new(sub(m->v, "bind"), "create_host_path", json_false());
	}
	if (!strcmp(type, "volume") && m->source && *m->source)
		return run_named_volume(o, m->source, json_incref(m->v), err);
	run_push(o, "volumes", json_incref(m->v));
	return 0;
}

/* docker --mount type=bind|volume|tmpfs|image,source=,target=,... */
int run_parse_mount(struct run_opts *o, const char *arg, lxr_err *err)
{
	struct mount_spec m = {.v = json_object()};
	const char *p = arg;
	int r = 0;

	while (r == 0 && *p) {
		_cleanup_free_ char *f = run_csv_field(&p);
		char *eq = strchr(f, '=');
		if (eq)
			*eq++ = '\0';
		if (*f)
			r = mount_field(&m, f, eq, err);
	}
	if (r == 0)
		r = mount_entry(o, &m, err);
	free(m.type);
	free(m.source);
	free(m.target);
	json_decref(m.v);
	return r < 0 ? lxr_err_wrap(err, "--mount \"%s\"", arg) : 0;
}

/* A target an option mounts on already (-v, --mount, --tmpfs, or an
 * earlier --volumes-from): that one stays, as docker's does */
static bool target_taken(const struct run_opts *o, const char *target)
{
	json_t *lit = run_lit(target), *v;
	const char *t = json_string_value(lit);
	size_t i, n = strlen(t);
	bool taken = false;

	json_array_foreach(json_object_get(o->svc, "volumes"), i, v)
	{
		const char *vt = json_string_value(json_object_get(v, "target"));
		taken |= vt && !strcmp(vt, t);
	}
	json_array_foreach(json_object_get(o->svc, "tmpfs"), i, v)
	{
		const char *vt = json_string_value(v);
		taken |= vt && !strncmp(vt, t, n) && (vt[n] == '\0' || vt[n] == ':');
	}
	json_decref(lit);
	return taken;
}

/* docker's --volumes-from NAME[:ro|:rw]: the volumes and bind mounts of
 * container NAME (an `lxr run` one, or a stack's as docker names it), as
 * `lxr inspect NAME` lists them in Mounts, each bound from its host
 * directory at its target, with its own mode unless :ro or :rw says
 * (tmpfs mounts are the container's own, and not taken) */
static int volumes_from_one(struct run_opts *o, const char *arg, lxr_err *err)
{
	_cleanup_free_ char *name = lxr_xstrdup(arg);
	char *mode = strrchr(name, ':');
	json_t *ins, *m;
	size_t i;

	if (mode) {
		*mode++ = '\0';
		if (strcmp(mode, "ro") && strcmp(mode, "rw"))
			return lxr_fail(err, EINVAL, "--volumes-from %s: \"%s\" is not a mode", arg,
					mode),
			       lxr_err_hint(err, "NAME, NAME:ro or NAME:rw");
	}
	if (!(ins = cli_inspect_named(name, err)))
		return lxr_err_wrap(err, "--volumes-from %s", arg);
	json_array_foreach(json_object_get(ins, "Mounts"), i, m)
	{
		const char *type = json_string_value(json_object_get(m, "Type")) ?: "";
		const char *src = json_string_value(json_object_get(m, "Source")) ?: "";
		const char *dst = json_string_value(json_object_get(m, "Destination")) ?: "";
		bool ro = mode ? !strcmp(mode, "ro") : !json_is_true(json_object_get(m, "RW"));
		if ((strcmp(type, "bind") && strcmp(type, "volume")) || src[0] != '/' ||
		    dst[0] != '/' || target_taken(o, dst))
			continue;
		run_push(o, "volumes",
			 json_pack("{s:s, s:o, s:o, s:b, s:{s:b}}", "type", "bind", "source",
				   run_lit(src), "target", run_lit(dst), "read_only", ro, "bind",
				   "create_host_path", false));
	}
	json_decref(ins);
	return 0;
}

int run_volumes_from(struct run_opts *o, lxr_err *err)
{
	for (size_t i = 0; o->volumes_from && o->volumes_from[i]; i++)
		if (volumes_from_one(o, o->volumes_from[i], err) < 0)
			return -1;
	return 0;
}
