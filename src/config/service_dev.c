/* Devices: the syntax of a device entry and of a device cgroup rule (shared
 * with `lxr run --device` and `--device-cgroup-rule`, so the two spellings
 * cannot drift), and the service keys `devices` and `device_cgroup_rules`.
 * Whether a host path really is a device is the system's business: the
 * supervisor stats it before anything starts. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"
#include "lxr/cdi.h"

/* The kernel's dev_t: 12 bits of major, 20 of minor. */
#define MAJOR_MAX 4095
#define MINOR_MAX 1048575

bool cfg_device_perms_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 3 || strspn(s, "rwm") != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strchr(s + i + 1, s[i]))
			return false;
	return true;
}

static bool abs_path_ok(const char *p)
{
	return p[0] == '/' && p[1] && p[strlen(p) - 1] != '/';
}

int cfg_parse_device(const char *s, struct cfg_device *out, const char **why)
{
	_cleanup_free_ char *copy = lxr_xstrdup(s);
	char *part[4] = {copy}, *p = copy;
	size_t n = 1;

	memset(out, 0, sizeof(*out));
	while (n < 4 && (p = strchr(p, ':'))) {
		*p++ = '\0';
		part[n++] = p;
	}
	if (s[0] != '/' && strchr(s, '=') && !strchr(s, ':')) {
		*why = "neither a device path nor a CDI device name (vendor.com/class=name)";
		return -1;
	}
	if (n > 3) {
		*why = "expected HOST[:CONTAINER[:PERMISSIONS]]";
		return -1;
	}
	if (!abs_path_ok(part[0])) {
		*why = "the host path must be absolute (e.g. /dev/fuse)";
		return -1;
	}
	/* docker: "HOST:rw" is HOST with permissions, not a container path */
	if (n == 2 && cfg_device_perms_ok(part[1])) {
		part[2] = part[1];
		part[1] = NULL;
		n = 3;
	}
	if (n >= 2 && part[1] && !abs_path_ok(part[1])) {
		*why = "the container path must be absolute (e.g. /dev/xvda)";
		return -1;
	}
	if (n == 3 && !cfg_device_perms_ok(part[2])) {
		*why =
		    "permissions are one to three of r (read), w (write) and m (mknod), e.g. rwm";
		return -1;
	}
	out->source = lxr_xstrdup(part[0]);
	out->target = lxr_xstrdup(n >= 2 && part[1] ? part[1] : part[0]);
	snprintf(out->perms, sizeof(out->perms), "%s", n == 3 ? part[2] : "rwm");
	return 0;
}

/* A number up to max, or "*" (-1). */
static const char *dev_number(const char *s, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (*s == '*') {
		*out = -1;
		return s + 1;
	}
	if (!isdigit((unsigned char)*s))
		return NULL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || v > max)
		return NULL;
	*out = v;
	return end;
}

int cfg_parse_device_rule(const char *s, struct cfg_device_rule *out, const char **why)
{
	const char *p = s;

	*why = "expected TYPE MAJOR:MINOR ACCESS, e.g. \"c 1:3 rwm\" or \"a 7:* rmw\"";
	if (!*p || !strchr("abc", *p) || p[1] != ' ')
		return -1;
	out->type = *p;
	p += 2;
	if (!(p = dev_number(p, MAJOR_MAX, &out->major)) || *p++ != ':') {
		*why = "the major number must be 0..4095 or *";
		return -1;
	}
	if (!(p = dev_number(p, MINOR_MAX, &out->minor)) || (*p && *p != ' ')) {
		*why = "the minor number must be 0..1048575 or *";
		return -1;
	}
	if (*p++ != ' ') {
		*why = "no access: expected TYPE MAJOR:MINOR ACCESS, e.g. \"c 1:3 rwm\"";
		return -1;
	}
	/* docker's pattern: [rwm]{1,3} (a letter twice is harmless) */
	if (!*p || strlen(p) > 3 || strspn(p, "rwm") != strlen(p)) {
		*why = "the access must be one to three of r (read), w (write) and m (mknod)";
		return -1;
	}
	snprintf(out->access, sizeof(out->access), "%s", p);
	return 0;
}

const char *cfg_device_rule_text(const struct cfg_device_rule *r, char *buf, size_t len)
{
	char maj[24] = "*", min[24] = "*";

	if (r->major >= 0)
		snprintf(maj, sizeof(maj), "%lld", (long long)r->major);
	if (r->minor >= 0)
		snprintf(min, sizeof(min), "%lld", (long long)r->minor);
	snprintf(buf, len, "%c %s:%s %s", r->type, maj, min, r->access);
	return buf;
}

/* ---- devices ----------------------------------------------------------------- */

static struct cfg_device *device_add(struct cfg_service *s, struct cfg_pos pos)
{
	struct cfg_device *d;

	s->devices = lxr_xrealloc(s->devices, (s->n_devices + 1) * sizeof(*s->devices));
	d = &s->devices[s->n_devices++];
	memset(d, 0, sizeof(*d));
	d->pos = pos;
	return d;
}

static int device_short(struct cfg_ctx *c, struct cfg_node *n, struct cfg_service *s)
{
	const char *v = cfg_scalar(c, n, "devices entry");
	const char *why, *name;
	struct cfg_device d;
	char kind[256];

	if (!v)
		return -1;
	/* A CDI name (docker and compose take them): the host's CDI specs
	 * say what it is when the container is made (runtime/cdi.c) */
	if (v[0] != '/' && strchr(v, '=') &&
	    (!strchr(v, ':') || lxr_cdi_name_split(v, kind, sizeof(kind), &name))) {
		if (!lxr_cdi_name_split(v, kind, sizeof(kind), &name)) {
			cfg_error_hint(c, n, "e.g. nvidia.com/gpu=all",
				       "devices: \"%s\" is not a CDI device name "
				       "(vendor.com/class=name)",
				       v);
			return -1;
		}
		cfg_strs_push(&s->cdi_devices, v, n->pos);
		return 0;
	}
	/* compose-go loads "fuse" as {source: fuse, target: fuse}, which docker
	 * refuses at create: so does up, and the model leaves it out */
	if (cfg_parse_device(v, &d, &why) < 0) {
		cfg_refuse_at_up(c, n->pos, why, "devices: \"%s\" is not a device mapping", v);
		return 0;
	}
	*device_add(s, n->pos) = d;
	s->devices[s->n_devices - 1].pos = n->pos;
	return 0;
}

/* the long syntax, Compose's {source, target, permissions} */
struct dev_long {
	struct cfg_str source, target, perms;
};

static int long_source(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_str(c, n, "devices source", &((struct dev_long *)obj)->source);
}

static int long_target(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_str(c, n, "devices target", &((struct dev_long *)obj)->target);
}

static int long_perms(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_str(c, n, "devices permissions", &((struct dev_long *)obj)->perms);
}

static int device_long(struct cfg_ctx *c, struct cfg_node *n, struct cfg_service *s)
{
	static const struct cfg_key keys[] = {
	    {"source", NULL, long_source},
	    {"target", NULL, long_target},
	    {"permissions", NULL, long_perms},
	};
	static const struct cfg_map_spec spec = {"a devices entry", keys, 3, true, NULL, 0};
	struct dev_long l = {0};
	int r = cfg_read_map(c, n, &spec, &l);

	if (r == 0 && !l.source.v) {
		cfg_error_hint(c, n,
			       "e.g. {source: /dev/fuse, target: /dev/fuse, permissions: rwm}",
			       "a devices entry needs a source");
		r = -1;
	} else if (r == 0 && !abs_path_ok(l.source.v)) {
		cfg_diag_add(c, l.source.pos, false, "e.g. /dev/fuse",
			     "devices: the host path \"%s\" must be absolute", l.source.v);
		r = -1;
	} else if (r == 0 && l.target.v && !abs_path_ok(l.target.v)) {
		cfg_diag_add(c, l.target.pos, false, "e.g. /dev/xvda",
			     "devices: the container path \"%s\" must be absolute", l.target.v);
		r = -1;
	} else if (r == 0 && l.perms.v && !cfg_device_perms_ok(l.perms.v)) {
		cfg_diag_add(c, l.perms.pos, false,
			     "one to three of r (read), w (write) and m (mknod), e.g. rwm",
			     "devices: permissions \"%s\" are not valid", l.perms.v);
		r = -1;
	}
	if (r == 0) {
		struct cfg_device *d = device_add(s, n->pos);
		d->source = lxr_steal_ptr(&l.source.v);
		d->target = l.target.v ? lxr_steal_ptr(&l.target.v) : lxr_xstrdup(d->source);
		snprintf(d->perms, sizeof(d->perms), "%s", l.perms.v ? l.perms.v : "rwm");
	}
	free(l.source.v);
	free(l.target.v);
	free(l.perms.v);
	return r;
}

int cfg_svc_read_devices(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;
	int r = 0;

	if (!cfg_expect(c, n, CFG_NODE_SEQ, "devices"))
		return -1;
	for (size_t i = 0; i < n->n; i++) {
		struct cfg_node *it = n->items[i];
		size_t before = s->n_devices;
		if ((it->kind == CFG_NODE_MAP ? device_long(c, it, s) : device_short(c, it, s)) <
		    0) {
			r = -1;
			continue;
		}
		/* two nodes at one path: the second mknod would fail at start
		 * (a CDI name adds no node) */
		for (size_t k = 0; s->n_devices > before && k < before; k++)
			if (!strcmp(s->devices[k].target, s->devices[before].target)) {
				cfg_error_hint(c, it, "give each device its own container path",
					       "devices: %s is already the target of the entry on "
					       "line %d",
					       s->devices[before].target, s->devices[k].pos.line);
				r = -1;
				break;
			}
	}
	return r;
}

int cfg_svc_read_device_cgroup_rules(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;
	struct cfg_strs v = {0};
	int r = cfg_read_strs(c, n, "device_cgroup_rules", false, &v);

	for (size_t i = 0; i < v.n; i++) {
		struct cfg_device_rule rule = {.pos = v.v[i].pos};
		const char *why;
		if (cfg_parse_device_rule(v.v[i].v, &rule, &why) < 0) {
			cfg_diag_add(c, v.v[i].pos, false, why,
				     "device_cgroup_rules: \"%s\" is not a device rule", v.v[i].v);
			r = -1;
			continue;
		}
		s->device_rules = lxr_xrealloc(s->device_rules,
					       (s->n_device_rules + 1) * sizeof(*s->device_rules));
		s->device_rules[s->n_device_rules++] = rule;
	}
	cfg_strs_free(&v);
	return r;
}
