/* A service's volumes: the short syntax (SOURCE:TARGET:MODE) and the long
 * one (type/source/target/read_only with per-type sub-mappings: bind,
 * volume, tmpfs). */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

#define VOLUME_HINT "e.g. ./data:/data, /srv/x:/x:ro, or a long form with type/source/target"

struct vl {
	struct cfg_mount *m;
	struct cfg_node *type, *source, *target, *propagation;
	struct cfg_node *bind, *volume, *tmpfs, *image;
};

#define VL_NODE(field)                                                                             \
	static int vl_##field(struct cfg_ctx *c, struct cfg_node *n, void *obj)                    \
	{                                                                                          \
		((struct vl *)obj)->field = n;                                                     \
		return cfg_scalar(c, n, "volumes " #field) ? 0 : -1;                               \
	}
VL_NODE(type)
VL_NODE(source)
VL_NODE(target)

static int vl_read_only(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_bool b;

	if (cfg_read_bool(c, n, "volumes read_only", &b) < 0)
		return -1;
	((struct vl *)obj)->m->read_only = b.v;
	return 0;
}

static int vl_consistency(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	/* Compose: a macOS file-sharing hint with no meaning on Linux */
	struct cfg_mount *m = ((struct vl *)obj)->m;
	const char *v = cfg_scalar(c, n, "volumes consistency");

	if (v) {
		free(m->consistency);
		m->consistency = lxr_xstrdup(v);
	}
	return v ? 0 : -1;
}

static int vl_sub(struct cfg_ctx *c, struct cfg_node *n, struct cfg_node **dst)
{
	*dst = n;
	return cfg_expect(c, n, CFG_NODE_MAP, "volume options") ? 0 : -1;
}

static int vl_bind(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return vl_sub(c, n, &((struct vl *)obj)->bind);
}

static int vl_volume(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return vl_sub(c, n, &((struct vl *)obj)->volume);
}

static int vl_tmpfs(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return vl_sub(c, n, &((struct vl *)obj)->tmpfs);
}

static int vl_image(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return vl_sub(c, n, &((struct vl *)obj)->image);
}

static int bind_propagation(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	const char *v = cfg_scalar(c, n, "bind propagation");

	if (!v)
		return -1;
	if (!cfg_propagation_ok(v)) {
		cfg_error_hint(c, n, "shared, rshared, slave, rslave, private or rprivate",
			       "bind propagation \"%s\" is not a propagation mode", v);
		return -1;
	}
	cfg_svc_set_propagation(c, n, obj, v);
	return 0;
}

static int bind_selinux(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	const char *v = cfg_scalar(c, n, "bind selinux");

	if (!v)
		return -1;
	if (strcmp(v, "z") && strcmp(v, "Z")) {
		cfg_error_hint(c, n, "z (shared) or Z (private)",
			       "bind selinux \"%s\" is not z or Z", v);
		return -1;
	}
	((struct cfg_mount *)obj)->selinux = v[0];
	return 0;
}

static int bind_create(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_bool b;

	if (cfg_read_bool(c, n, "bind create_host_path", &b) < 0)
		return -1;
	((struct cfg_mount *)obj)->create_host_path = b.v;
	return 0;
}

static int vol_nocopy(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_bool b;

	if (cfg_read_bool(c, n, "volume nocopy", &b) < 0)
		return -1;
	((struct cfg_mount *)obj)->nocopy = b.v;
	return 0;
}

static int vol_subpath(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_mount *m = obj;
	const char *what = m->type == CFG_MOUNT_IMAGE ? "image" : "volume";
	const char *v = cfg_scalar(c, n, "subpath");
	size_t len;

	if (!v)
		return -1;
	len = strlen(v);
	if (v[0] == '/' || !strcmp(v, "..") || !strncmp(v, "../", 3) || strstr(v, "/../") ||
	    (len >= 3 && !strcmp(v + len - 3, "/.."))) {
		cfg_error_hint(c, n,
			       m->type == CFG_MOUNT_IMAGE ? "a relative path inside the image"
							  : "a relative path inside the volume",
			       "%s subpath \"%s\" leaves the %s", what, v, what);
		return -1;
	}
	free(m->subpath);
	m->subpath = lxr_xstrdup(v);
	if (m->type != CFG_MOUNT_IMAGE)
		cfg_check_supported(c, n, "service.volumes.volume.subpath", "volume subpath");
	return 0;
}

static int tmpfs_size(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_int v;

	if (cfg_read_bytes(c, n, "tmpfs size", &v) < 0)
		return -1;
	((struct cfg_mount *)obj)->tmpfs_size = v.v;
	return 0;
}

/* YAML integers as Compose reads them: 0o1777 and 01777 are octal. */
static int tmpfs_mode(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	const char *v = cfg_scalar(c, n, "tmpfs mode");
	const char *digits;
	char *end;
	long m;

	if (!v)
		return -1;
	digits = !strncmp(v, "0o", 2) ? v + 2 : v;
	m = strtol(digits, &end, digits != v || v[0] == '0' ? 8 : 10);
	if (!*digits || *end || m < 0 || m > 07777) {
		cfg_error_hint(c, n, "an octal mode such as 0o1777",
			       "tmpfs mode \"%s\" is not a mode", v);
		return -1;
	}
	((struct cfg_mount *)obj)->tmpfs_mode = (int)m;
	return 0;
}

static int read_subs(struct cfg_ctx *c, struct vl *vl)
{
	static const struct cfg_key bind_keys[] = {
	    {"propagation", NULL, bind_propagation},
	    {"create_host_path", NULL, bind_create},
	    {"selinux", NULL, bind_selinux},
	};
	static const char *const bind_only[] = {"recursive"};
	static const struct cfg_map_spec bind = {"bind", bind_keys, 3, true, bind_only, 1};
	static const struct cfg_key vol_keys[] = {
	    {"nocopy", NULL, vol_nocopy},
	    {"subpath", NULL, vol_subpath},
	};
	static const char *const vol_only[] = {"labels"};
	static const struct cfg_map_spec vol = {"volume", vol_keys, 2, true, vol_only, 1};
	static const struct cfg_key tmpfs_keys[] = {
	    {"size", NULL, tmpfs_size},
	    {"mode", NULL, tmpfs_mode},
	};
	static const struct cfg_map_spec tmpfs = {"tmpfs", tmpfs_keys, 2, true, NULL, 0};
	static const struct cfg_key image_keys[] = {
	    {"subpath", NULL, vol_subpath},
	};
	static const struct cfg_map_spec image = {"image", image_keys, 1, true, NULL, 0};
	static const char *const names[] = {"bind", "volume", "tmpfs", "image"};
	struct cfg_node *subs[] = {vl->bind, vl->volume, vl->tmpfs, vl->image};
	const struct cfg_map_spec *specs[] = {&bind, &vol, &tmpfs, &image};
	int r = 0;

	for (int i = 0; i < 4; i++) {
		if (!subs[i])
			continue;
		if ((int)vl->m->type != i) {
			cfg_error(c, subs[i], "volumes: \"%s\" options on a %s mount", names[i],
				  names[vl->m->type]);
			r = -1;
		} else if (cfg_read_map(c, subs[i], specs[i], vl->m) < 0) {
			r = -1;
		}
	}
	return r;
}

static int read_type(struct cfg_ctx *c, struct cfg_node *n, struct vl *vl)
{
	static const char *const names[] = {"bind", "volume", "tmpfs", "image"};

	if (!vl->type) {
		cfg_error_hint(c, n, "add type: bind (or volume, tmpfs, image)",
			       "volumes entry has no type");
		return -1;
	}
	for (int i = 0; i < 4; i++) {
		if (!strcmp(vl->type->val, names[i])) {
			vl->m->type = (enum cfg_mount_type)i;
			cfg_svc_check_mount_type(c, vl->type, vl->m->type);
			return 0;
		}
	}
	cfg_error_hint(c, vl->type, "bind, volume, tmpfs or image",
		       "volumes: type \"%s\" is not supported yet", vl->type->val);
	return -1;
}

/* C:\data or c:/data (compose-go's isWindowsDrive) */
static bool windows_drive(const char *s)
{
	return isalpha((unsigned char)s[0]) && s[1] == ':';
}

/* A bind's source: absolute from the stack file's directory; a Windows
 * path loads as it is, as compose loads it, and up refuses it, as the
 * engine on Linux refuses it. */
static char *bind_source(struct cfg_ctx *c, struct cfg_pos pos, const char *src)
{
	if (!windows_drive(src))
		return cfg_abs_path_at(c, pos, src);
	cfg_refuse_at_up(c, pos, "give the host path as this Linux host names it",
			 "volumes: \"%s\" is a Windows path", src);
	return lxr_xstrdup(src);
}

static int volume_long(struct cfg_ctx *c, struct cfg_node *n, struct cfg_service *s)
{
	static const struct cfg_key keys[] = {
	    {"type", NULL, vl_type},
	    {"source", NULL, vl_source},
	    {"target", NULL, vl_target},
	    {"read_only", NULL, vl_read_only},
	    {"consistency", NULL, vl_consistency},
	    {"bind", NULL, vl_bind},
	    {"volume", NULL, vl_volume},
	    {"tmpfs", NULL, vl_tmpfs},
	    {"image", NULL, vl_image},
	};
	static const struct cfg_map_spec spec = {"volumes", keys, 9, true, NULL, 0};
	struct vl vl = {.m = cfg_svc_mount_add(s, n->pos)};
	int r = cfg_read_map(c, n, &spec, &vl);

	if (r < 0 || read_type(c, n, &vl) < 0)
		return -1;
	if (!vl.target || !*vl.target->val) {
		cfg_error_hint(c, vl.target ? vl.target : n, "target: /path/in/container",
			       "volumes: entry has no target");
		return -1;
	}
	if (vl.target->val[0] != '/') /* as the short syntax's (service_fs.c) */
		cfg_refuse_at_up(c, vl.target->pos, "target: /path/in/container",
				 "volumes: target \"%s\" is not an absolute path", vl.target->val);
	vl.m->target = lxr_xstrdup(vl.target->val);
	if (vl.m->type == CFG_MOUNT_IMAGE && (!vl.source || !*vl.source->val)) {
		cfg_error_hint(c, n, "source: an image reference, e.g. alpine:3.20",
			       "volumes: an image mount needs a source");
		return -1;
	}
	/* docker mounts an image read-only, whatever read_only says */
	if (vl.m->type == CFG_MOUNT_IMAGE)
		vl.m->read_only = true;
	if (vl.m->type == CFG_MOUNT_BIND && (!vl.source || !*vl.source->val)) {
		cfg_error_hint(c, n, "source: ./dir (relative to the stack file) or /abs/path",
			       "volumes: a bind mount needs a source");
		return -1;
	}
	if (vl.source && *vl.source->val)
		vl.m->source = vl.m->type == CFG_MOUNT_BIND
				   ? bind_source(c, vl.source->pos, vl.source->val)
				   : lxr_xstrdup(vl.source->val);
	if (vl.m->type == CFG_MOUNT_TMPFS && vl.source) {
		cfg_error(c, vl.source, "volumes: a tmpfs mount takes no source");
		return -1;
	}
	/* compose creates a missing host directory for the long syntax too
	 * (compose-go defaults bind.create_host_path to true; without bind:
	 * docker compose uses the engine's Bind API, which creates it) */
	vl.m->create_host_path = vl.m->type == CFG_MOUNT_BIND;
	return read_subs(c, &vl);
}

struct cfg_mount *cfg_svc_mount_add(struct cfg_service *s, struct cfg_pos pos)
{
	struct cfg_mount *m;

	s->volumes = lxr_xrealloc(s->volumes, (s->n_volumes + 1) * sizeof(*m));
	m = &s->volumes[s->n_volumes++];
	*m = (struct cfg_mount){.tmpfs_mode = -1, .pos = pos};
	return m;
}

static bool is_host_path(const char *s)
{
	return s[0] == '/' || s[0] == '.' || s[0] == '~';
}

/* private and rprivate are what every mount in a container is; shared
 * and slave tie the bind to the host's mount of its source (rootfs.c). */
void cfg_svc_set_propagation(struct cfg_ctx *c, struct cfg_node *n, struct cfg_mount *m,
			     const char *mode)
{
	free(m->propagation);
	m->propagation = lxr_xstrdup(mode);
	if (strcmp(mode, "private") && strcmp(mode, "rprivate"))
		cfg_check_supported_hint(c, n->pos, "service.volumes.bind.propagation", NULL,
					 "mount propagation \"%s\"", mode);
}

bool cfg_propagation_ok(const char *s)
{
	static const char *const names[] = {"shared", "rshared", "slave",
					    "rslave", "private", "rprivate"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i]))
			return true;
	return false;
}

void cfg_svc_check_mount_type(struct cfg_ctx *c, struct cfg_node *n, enum cfg_mount_type t)
{
	static const char *const feature[] = {"service.volumes.bind", "service.volumes.volume",
					      "service.volumes.tmpfs", "service.volumes.image"};
	static const char *const label[] = {"a bind mount", "a named or anonymous volume",
					    "a tmpfs volume (use the `tmpfs:` key)",
					    "an image mount"};

	cfg_check_supported(c, n, feature[t], label[t]);
}

/* The short syntax's options: none refused (compose ignores what it does
 * not know), the unknown ones said. */
static void volume_mode(struct cfg_ctx *c, struct cfg_node *n, struct cfg_mount *m, char *mode)
{
	for (char *save = NULL, *o = strtok_r(mode, ",", &save); o;
	     o = strtok_r(NULL, ",", &save)) {
		if (!strcmp(o, "ro") || !strcmp(o, "rw")) {
			m->read_only = !strcmp(o, "ro");
		} else if (!strcmp(o, "cached") || !strcmp(o, "delegated") ||
			   !strcmp(o, "consistent")) {
			continue; /* macOS hints compose-go drops too */
		} else if (!strcmp(o, "nocopy") && m->type == CFG_MOUNT_VOLUME) {
			m->nocopy = true;
		} else if (!strcmp(o, "z") || !strcmp(o, "Z")) {
			m->selinux = o[0]; /* no SELinux labels here: nothing to do */
		} else if (cfg_propagation_ok(o)) {
			cfg_svc_set_propagation(c, n, m, o);
		} else if ((!strncmp(o, "ro", 2) || !strncmp(o, "rw", 2)) &&
			   (!strcmp(o + 2, "z") || !strcmp(o + 2, "Z"))) {
			/* "roz" (the Zabbix files): a comma left out */
			m->read_only = o[1] == 'o';
			m->selinux = o[2];
			cfg_warn(c, n, "volumes: option \"%s\" read as \"%.2s,%s\"", o, o, o + 2);
		} else {
			/* compose ignores what it does not know */
			cfg_warn(c, n,
				 "volumes: unknown option \"%s\" ignored (known: ro, rw, z, Z, "
				 "nocopy, propagation)",
				 o);
		}
	}
}

static int volume_short(struct cfg_ctx *c, struct cfg_node *n, struct cfg_service *s)
{
	const char *v = cfg_scalar(c, n, "volumes entry");
	_cleanup_free_ char *t = v ? lxr_xstrdup(v) : NULL;
	struct cfg_mount *m;
	char *parts[3] = {t, NULL, NULL};
	size_t np = 1;

	/* a Windows drive's colon is not a separator */
	bool windows = t && windows_drive(t);

	if (!t)
		return -1;
	for (char *p = t + (windows ? 2 : 0); np < 3 && (p = strchr(p, ':')); np++) {
		*p++ = 0;
		parts[np] = p;
		/* a Windows target too (C:\data:D:\config), as compose-go's
		 * ParseVolume reads it: its drive's colon is not a separator */
		if (np == 1 && windows_drive(p) && (p[2] == '\\' || p[2] == '/'))
			p += 2;
	}
	if (np == 3 && strchr(parts[2], ':')) {
		cfg_error_hint(c, n, VOLUME_HINT, "volumes: cannot read \"%s\"", v);
		return -1;
	}
	/* ":/data" is what "${SRC}:/data" becomes with SRC unset */
	if (np > 1 && !*parts[0]) {
		cfg_error_hint(c, n, "is a variable in the source unset or empty?",
			       "volumes: \"%s\" has nothing before the ':'", v);
		return -1;
	}
	m = cfg_svc_mount_add(s, n->pos);
	if (np == 1) { /* "/data": an anonymous volume */
		m->type = CFG_MOUNT_VOLUME;
		m->target = lxr_xstrdup(parts[0]);
		cfg_path_clean(m->target);
	} else {
		m->type = windows || is_host_path(parts[0]) ? CFG_MOUNT_BIND : CFG_MOUNT_VOLUME;
		m->source = m->type == CFG_MOUNT_BIND ? bind_source(c, n->pos, parts[0])
						      : lxr_xstrdup(parts[0]);
		m->target = lxr_xstrdup(parts[1]);
		/* compose-go's Canonical form cleans it before its entries are
		 * made one per target */
		cfg_path_clean(m->target);
		/* Compose's short syntax creates a missing host directory. */
		m->create_host_path = m->type == CFG_MOUNT_BIND;
	}
	cfg_svc_check_mount_type(c, n, m->type);
	if (!*m->target) {
		cfg_error_hint(c, n, VOLUME_HINT, "volumes: \"%s\" has no container path", v);
		return -1;
	}
	/* Compose loads "workspace" (a relative path); docker refuses it when it
	 * creates the container, so only that service's up fails. */
	if (m->target[0] != '/')
		cfg_refuse_at_up(c, n->pos, VOLUME_HINT,
				 "volumes: container path \"%s\" is not absolute", m->target);
	if (np == 3)
		volume_mode(c, n, m, parts[2]);
	return 0;
}

/* Go's path.Clean, in place (the result is never longer): one slash
 * between names, no "." names, ".." taking the name before it (none above
 * "/"), no trailing slash; "" is left as it is. */
void cfg_path_clean(char *p)
{
	bool rooted = p[0] == '/';
	size_t w = rooted, r = rooted, dotdot = w;

	if (!*p)
		return; /* no target: reported by the reader */

	while (p[r]) {
		if (p[r] == '/') {
			r++;
		} else if (p[r] == '.' && (!p[r + 1] || p[r + 1] == '/')) {
			r++;
		} else if (p[r] == '.' && p[r + 1] == '.' && (!p[r + 2] || p[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) {
				w--;
				while (w > dotdot && p[w] != '/')
					w--;
			} else if (!rooted) {
				if (w > 0)
					p[w++] = '/';
				p[w++] = '.';
				p[w++] = '.';
				dotdot = w;
			}
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				p[w++] = '/';
			while (p[r] && p[r] != '/')
				p[w++] = p[r++];
		}
	}
	if (w == 0)
		p[w++] = '.';
	p[w] = '\0';
}

static void mount_free(struct cfg_mount *m)
{
	free(m->source);
	free(m->target);
	free(m->propagation);
	free(m->subpath);
	free(m->consistency);
}

/* compose-go's order: one entry per target (the later one in the earlier
 * place; a short form's target is clean already, a long form's as
 * written), then each target cleaned (path.Clean). */
static void volumes_unique(struct cfg_service *s, size_t from)
{
	size_t n = from;

	for (size_t i = from; i < s->n_volumes; i++) {
		size_t at = n;
		for (size_t j = from; j < n && at == n; j++)
			if (!strcmp(s->volumes[j].target, s->volumes[i].target))
				at = j;
		if (at < n)
			mount_free(&s->volumes[at]);
		s->volumes[at] = s->volumes[i];
		if (at == n)
			n++;
	}
	s->n_volumes = n;
	for (size_t i = from; i < n; i++)
		cfg_path_clean(s->volumes[i].target);
}

int cfg_svc_read_volumes(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;
	size_t from = s->n_volumes;
	int r = 0;

	if (!cfg_expect(c, n, CFG_NODE_SEQ, "volumes"))
		return -1;
	for (size_t i = 0; i < n->n; i++) {
		struct cfg_node *it = n->items[i];
		if ((it->kind == CFG_NODE_MAP ? volume_long(c, it, s) : volume_short(c, it, s)) < 0)
			r = -1;
	}
	if (r == 0)
		volumes_unique(s, from);
	return r;
}

/* compose-go's checkConsistency: a target is mounted once, by tmpfs or by
 * volumes. */
int cfg_svc_check_targets(struct cfg_ctx *c, const struct cfg_service *s)
{
	for (size_t i = 0; i < s->n_tmpfs; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(s->tmpfs[i].target, s->tmpfs[j].target)) {
				cfg_diag_add(c, s->tmpfs[i].pos, false,
					     "mount one thing at each container path",
					     "tmpfs: target %s is already mounted (tmpfs)",
					     s->tmpfs[i].target);
				return -1;
			}
	for (size_t i = 0; i < s->n_volumes; i++) {
		const struct cfg_mount *m = &s->volumes[i];
		for (size_t j = 0; j < s->n_tmpfs + i; j++) {
			const char *t =
			    j < s->n_tmpfs ? s->tmpfs[j].target : s->volumes[j - s->n_tmpfs].target;
			if (strcmp(t, m->target))
				continue;
			cfg_diag_add(c, m->pos, false, "mount one thing at each container path",
				     "volumes: target %s is already mounted (%s)", m->target,
				     j < s->n_tmpfs ? "tmpfs" : "volumes");
			return -1;
		}
	}
	return 0;
}
