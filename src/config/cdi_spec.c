/* One CDI spec file -> a checked model (include/lxr/cdi.h). JSON is read by
 * jansson; YAML (what `nvidia-ctk cdi generate` writes by default) is turned
 * into the same JSON values first, so one reader checks both. Keys the
 * spec does not name are ignored, as the CDI library does (a newer spec
 * version may add some); a field of the wrong type, a relative path or an
 * unknown hook name is an error naming the file and the field. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "lxr/cdi.h"

#define CDI_HINT "see the CDI specification (github.com/cncf-tags/container-device-interface)"
/* Bounds on hostile YAML (aliases make a small file a huge tree). */
#define MAX_DEPTH 32
#define MAX_NODES 200000

struct rd {
	const char *file;
	char path[256];
	lxr_err *err;
};

static int bad(struct rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct rd *r, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	lxr_fail(r->err, EINVAL, "CDI spec %s: %s%s%s", r->file, r->path, r->path[0] ? ": " : "",
		 what);
	return lxr_err_hint(r->err, CDI_HINT);
}

static size_t enter(struct rd *r, const char *key, long idx)
{
	size_t old = strlen(r->path);

	if (key)
		snprintf(r->path + old, sizeof(r->path) - old, "%s%s", old ? "." : "", key);
	else
		snprintf(r->path + old, sizeof(r->path) - old, "[%ld]", idx);
	return old;
}

/* ---- YAML -> JSON values ----------------------------------------------------- */

/* YAML 1.1's plain scalars as the Go YAML reader types them: null, bools,
 * integers (what CDI's numbers are); everything else a string */
static json_t *plain_scalar(const char *v)
{
	char *end;
	long long n;

	if (!*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	    !strcmp(v, "NULL"))
		return json_null();
	if (!strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "TRUE"))
		return json_true();
	if (!strcmp(v, "false") || !strcmp(v, "False") || !strcmp(v, "FALSE"))
		return json_false();
	errno = 0;
	n = strtoll(v, &end, 0);
	if (!*end && errno == 0) /* 0644 is octal, 0x1f hex: YAML 1.1's integers */
		return json_integer(n);
	return json_string(v);
}

static json_t *from_yaml(yaml_document_t *d, int idx, int depth, size_t *budget)
{
	yaml_node_t *n = yaml_document_get_node(d, idx);
	json_t *out;

	if (!n || depth > MAX_DEPTH || (*budget)-- == 0)
		return NULL;
	switch (n->type) {
	case YAML_SCALAR_NODE: {
		const char *v = (const char *)n->data.scalar.value;
		if (strlen(v) != n->data.scalar.length)
			return NULL; /* a NUL inside */
		return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? plain_scalar(v)
								       : json_string(v);
	}
	case YAML_SEQUENCE_NODE:
		out = json_array();
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++) {
			json_t *v = from_yaml(d, *it, depth + 1, budget);
			if (!v || json_array_append_new(out, v) < 0)
				return json_decref(out), NULL;
		}
		return out;
	case YAML_MAPPING_NODE:
		out = json_object();
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(d, p->key);
			json_t *v;
			if (!k || k->type != YAML_SCALAR_NODE)
				return json_decref(out), NULL;
			v = from_yaml(d, p->value, depth + 1, budget);
			if (!v ||
			    json_object_set_new(out, (const char *)k->data.scalar.value, v) < 0)
				return json_decref(out), NULL;
		}
		return out;
	default: return NULL;
	}
}

static json_t *yaml_load(struct rd *r, const char *text, size_t len)
{
	yaml_parser_t p;
	yaml_document_t d;
	json_t *out = NULL;
	size_t budget = MAX_NODES;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_load(&p, &d)) {
		bad(r, "line %zu: %s", p.problem_mark.line + 1, p.problem ? p.problem : "not YAML");
		yaml_parser_delete(&p);
		return NULL;
	}
	if (yaml_document_get_root_node(&d))
		out = from_yaml(&d, 1, 0, &budget);
	if (!out)
		bad(r, "not a CDI spec (empty, too deep, or a key that is not a string)");
	yaml_document_delete(&d);
	yaml_parser_delete(&p);
	return out;
}

/* ---- fields ------------------------------------------------------------------ */

static int get_str(struct rd *r, json_t *o, const char *key, bool need, char **out)
{
	json_t *v = json_object_get(o, key);
	size_t old;

	*out = NULL;
	if (!v || json_is_null(v)) {
		if (!need)
			return 0;
		return bad(r, "\"%s\" is missing", key);
	}
	if (!json_is_string(v)) {
		old = enter(r, key, 0);
		bad(r, "not a string");
		r->path[old] = '\0';
		return -1;
	}
	*out = lxr_xstrdup(json_string_value(v));
	return 0;
}

static int get_abs(struct rd *r, json_t *o, const char *key, bool need, char **out)
{
	if (get_str(r, o, key, need, out) < 0)
		return -1;
	if (*out && (*out)[0] != '/')
		return bad(r, "%s \"%s\" is not an absolute path", key, *out);
	return 0;
}

static int get_int(struct rd *r, json_t *o, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
	json_t *v = json_object_get(o, key);

	*out = -1;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return bad(r, "%s: not an integer from %lld to %lld", key, (long long)lo,
			   (long long)hi);
	*out = json_integer_value(v);
	return 0;
}

/* an array of strings; each must contain a '=' when env */
static int get_strv(struct rd *r, json_t *o, const char *key, bool env, char ***out)
{
	json_t *v = json_object_get(o, key), *it;
	size_t i, old = enter(r, key, 0);
	int rc = 0;

	*out = NULL;
	if (!v || json_is_null(v))
		goto done;
	if (!json_is_array(v)) {
		rc = bad(r, "not a list");
		goto done;
	}
	json_array_foreach(v, i, it)
	{
		const char *s = json_string_value(it);
		if (!s || (env && (!strchr(s, '=') || s[0] == '='))) {
			enter(r, NULL, (long)i);
			rc = bad(r, env ? "not NAME=VALUE" : "not a string");
			goto done;
		}
		lxr_strv_push(out, lxr_xstrdup(s));
	}
done:
	r->path[old] = '\0';
	return rc;
}

/* the object array at key, each element handed to fn */
static int each(struct rd *r, json_t *o, const char *key, int (*fn)(struct rd *, json_t *, void *),
		void *arg)
{
	json_t *v = json_object_get(o, key), *it;
	size_t i, old = enter(r, key, 0);
	int rc = 0;

	if (v && !json_is_null(v) && !json_is_array(v))
		rc = bad(r, "not a list");
	if (v && json_is_array(v))
		json_array_foreach(v, i, it)
		{
			size_t o2 = enter(r, NULL, (long)i);
			rc = json_is_object(it) ? fn(r, it, arg) : bad(r, "not a mapping");
			if (rc < 0)
				break;
			r->path[o2] = '\0';
		}
	if (rc == 0)
		r->path[old] = '\0';
	return rc;
}

static int read_node(struct rd *r, json_t *o, void *arg)
{
	struct lxr_cdi_edits *e = arg;
	struct lxr_cdi_node *n;
	_cleanup_free_ char *type = NULL;

	e->nodes = lxr_xrealloc(e->nodes, (e->n_nodes + 1) * sizeof(*e->nodes));
	n = &e->nodes[e->n_nodes++];
	memset(n, 0, sizeof(*n));
	if (get_abs(r, o, "path", true, &n->path) < 0 ||
	    get_abs(r, o, "hostPath", false, &n->host_path) < 0 ||
	    get_str(r, o, "type", false, &type) < 0 ||
	    get_str(r, o, "permissions", false, &n->permissions) < 0 ||
	    get_int(r, o, "major", 0, 0xfff, &n->major) < 0 ||
	    get_int(r, o, "minor", 0, 0xfffff, &n->minor) < 0 ||
	    get_int(r, o, "fileMode", 0, 07777, &n->file_mode) < 0 ||
	    get_int(r, o, "uid", 0, UINT32_MAX - 1, &n->uid) < 0 ||
	    get_int(r, o, "gid", 0, UINT32_MAX - 1, &n->gid) < 0)
		return -1;
	if (type && (strlen(type) != 1 || !strchr("cubp", type[0])))
		return bad(r, "type \"%s\" is not one of b, c, u, p", type);
	n->type = type ? type[0] : 0;
	if (n->permissions && !strcmp(n->permissions, "none")) {
		n->permissions[0] = '\0';
	} else if (n->permissions && (!n->permissions[0] ||
				      strspn(n->permissions, "rwm") != strlen(n->permissions))) {
		if (!n->permissions[0]) {
			free(n->permissions);
			n->permissions = NULL; /* empty: the default, rwm */
			return 0;
		}
		return bad(r, "permissions \"%s\" is not some of r, w, m (or none)",
			   n->permissions);
	}
	return 0;
}

static int read_mount(struct rd *r, json_t *o, void *arg)
{
	struct lxr_cdi_edits *e = arg;
	struct lxr_cdi_mount *m;

	e->mounts = lxr_xrealloc(e->mounts, (e->n_mounts + 1) * sizeof(*e->mounts));
	m = &e->mounts[e->n_mounts++];
	memset(m, 0, sizeof(*m));
	if (get_str(r, o, "hostPath", true, &m->host_path) < 0 ||
	    get_abs(r, o, "containerPath", true, &m->container_path) < 0 ||
	    get_str(r, o, "type", false, &m->type) < 0 ||
	    get_strv(r, o, "options", false, &m->options) < 0)
		return -1;
	return 0;
}

static int read_hook(struct rd *r, json_t *o, void *arg)
{
	static const char *const names[] = {"prestart",       "createRuntime", "createContainer",
					    "startContainer", "poststart",     "poststop"};
	struct lxr_cdi_edits *e = arg;
	struct lxr_cdi_hook *h;
	int64_t t;
	bool known = false;

	e->hooks = lxr_xrealloc(e->hooks, (e->n_hooks + 1) * sizeof(*e->hooks));
	h = &e->hooks[e->n_hooks++];
	memset(h, 0, sizeof(*h));
	if (get_str(r, o, "hookName", true, &h->hook_name) < 0 ||
	    get_abs(r, o, "path", true, &h->path) < 0 ||
	    get_strv(r, o, "args", false, &h->args) < 0 ||
	    get_strv(r, o, "env", true, &h->env) < 0 || get_int(r, o, "timeout", 1, 86400, &t) < 0)
		return -1;
	h->timeout = t > 0 ? (int)t : 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		known |= !strcmp(h->hook_name, names[i]);
	if (!known)
		return bad(r, "hookName \"%s\" is not an OCI hook", h->hook_name);
	return 0;
}

static int read_edits(struct rd *r, json_t *o, struct lxr_cdi_edits *e)
{
	json_t *gids = json_object_get(o, "additionalGids"), *it;
	size_t i;

	if (!o || json_is_null(o))
		return 0;
	if (!json_is_object(o))
		return bad(r, "not a mapping");
	if (get_strv(r, o, "env", true, &e->env) < 0 ||
	    each(r, o, "deviceNodes", read_node, e) < 0 ||
	    each(r, o, "mounts", read_mount, e) < 0 || each(r, o, "hooks", read_hook, e) < 0)
		return -1;
	if (gids && !json_is_null(gids) && !json_is_array(gids))
		return bad(r, "additionalGids: not a list");
	json_array_foreach(gids, i, it)
	{
		json_int_t g = json_integer_value(it);
		if (!json_is_integer(it) || g < 0 || g > (json_int_t)UINT32_MAX - 1)
			return bad(r, "additionalGids[%zu]: not a group id", i);
		if (!g)
			continue; /* the spec: 0 is ignored */
		e->gids = lxr_xrealloc(e->gids, (e->n_gids + 1) * sizeof(*e->gids));
		e->gids[e->n_gids++] = (uint32_t)g;
	}
	if (json_object_get(o, "intelRdt") && !json_is_null(json_object_get(o, "intelRdt")))
		e->unsupported = "intelRdt";
	else if (json_array_size(json_object_get(o, "netDevices")))
		e->unsupported = "netDevices";
	return 0;
}

/* the CDI parser's rules: a vendor or class starts with a letter, a
 * device name (nvidia's MIG devices are "0:1") with a letter or digit;
 * both end with one and hold '-', '_', '.' (and ':' in a device name)
 * between */
static bool alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool segment_ok(const char *s, size_t len, bool device)
{
	if (!len || len > 253 || !alnum(s[0]) || !alnum(s[len - 1]) ||
	    (!device && s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 1; i + 1 < len; i++)
		if (!alnum(s[i]) && !strchr(device ? "-_.:" : "-_.", s[i]))
			return false;
	return true;
}

static bool name_ok(const char *s, size_t len)
{
	return segment_ok(s, len, true);
}

/* "vendor.com/class": vendor, one '/', class */
static bool kind_ok(const char *k)
{
	const char *slash = strchr(k, '/');

	return slash && !strchr(slash + 1, '/') && segment_ok(k, (size_t)(slash - k), false) &&
	       segment_ok(slash + 1, strlen(slash + 1), false);
}

bool lxr_cdi_name_split(const char *q, char *kind, size_t kind_len, const char **name)
{
	const char *eq = strchr(q, '=');

	if (!eq || (size_t)(eq - q) >= kind_len)
		return false;
	memcpy(kind, q, (size_t)(eq - q));
	kind[eq - q] = '\0';
	*name = eq + 1;
	return kind_ok(kind) && name_ok(eq + 1, strlen(eq + 1));
}

static int read_device(struct rd *r, json_t *o, void *arg)
{
	struct lxr_cdi_spec *s = arg;
	struct lxr_cdi_device *d;
	size_t old;

	s->devices = lxr_xrealloc(s->devices, (s->n_devices + 1) * sizeof(*s->devices));
	d = &s->devices[s->n_devices++];
	memset(d, 0, sizeof(*d));
	if (get_str(r, o, "name", true, &d->name) < 0)
		return -1;
	if (!name_ok(d->name, strlen(d->name)))
		return bad(r,
			   "name \"%s\": letters, digits, '-', '_', '.' and ':' only, a "
			   "letter or digit at each end",
			   d->name);
	for (size_t i = 0; i + 1 < s->n_devices; i++)
		if (!strcmp(s->devices[i].name, d->name))
			return bad(r, "device \"%s\" is named twice", d->name);
	old = enter(r, "containerEdits", 0);
	if (read_edits(r, json_object_get(o, "containerEdits"), &d->edits) < 0)
		return -1;
	r->path[old] = '\0';
	return 0;
}

static int read_spec(struct rd *r, json_t *root, struct lxr_cdi_spec *s)
{
	_cleanup_free_ char *version = NULL;
	size_t old;

	if (!json_is_object(root))
		return bad(r, "not a mapping");
	if (get_str(r, root, "cdiVersion", true, &version) < 0 ||
	    get_str(r, root, "kind", true, &s->kind) < 0)
		return -1;
	if (!kind_ok(s->kind))
		return bad(r, "kind \"%s\" is not vendor.com/class", s->kind);
	if (each(r, root, "devices", read_device, s) < 0)
		return -1;
	if (!s->n_devices)
		return bad(r, "no devices");
	old = enter(r, "containerEdits", 0);
	if (read_edits(r, json_object_get(root, "containerEdits"), &s->edits) < 0)
		return -1;
	r->path[old] = '\0';
	return 0;
}

int cfg_cdi_spec_parse(const char *name, const char *text, size_t len, bool yaml,
		       struct lxr_cdi_spec *out, lxr_err *err)
{
	struct rd r = {.file = name, .err = err};
	json_t *root;
	json_error_t je;
	int rc;

	memset(out, 0, sizeof(*out));
	out->file = lxr_xstrdup(name);
	if (yaml) {
		root = yaml_load(&r, text, len);
	} else {
		root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
		if (!root)
			bad(&r, "line %d: %s", je.line, je.text);
	}
	rc = root ? read_spec(&r, root, out) : -1;
	json_decref(root);
	if (rc < 0)
		lxr_cdi_spec_free(out);
	return rc;
}

int cfg_cdi_spec_read(const char *path, struct lxr_cdi_spec *out, lxr_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	const char *dot = strrchr(path, '.');

	memset(out, 0, sizeof(*out));
	if (lxr_read_file_at(AT_FDCWD, path, &text, &len, err) < 0)
		return lxr_err_wrap(err, "CDI spec");
	return cfg_cdi_spec_parse(path, text, len, dot && strcmp(dot, ".json"), out, err);
}

void lxr_cdi_edits_free(struct lxr_cdi_edits *e)
{
	lxr_strv_free(e->env);
	for (size_t i = 0; i < e->n_nodes; i++) {
		free(e->nodes[i].path);
		free(e->nodes[i].host_path);
		free(e->nodes[i].permissions);
	}
	free(e->nodes);
	for (size_t i = 0; i < e->n_mounts; i++) {
		free(e->mounts[i].host_path);
		free(e->mounts[i].container_path);
		free(e->mounts[i].type);
		lxr_strv_free(e->mounts[i].options);
	}
	free(e->mounts);
	for (size_t i = 0; i < e->n_hooks; i++) {
		free(e->hooks[i].hook_name);
		free(e->hooks[i].path);
		lxr_strv_free(e->hooks[i].args);
		lxr_strv_free(e->hooks[i].env);
	}
	free(e->hooks);
	free(e->gids);
	memset(e, 0, sizeof(*e));
}

void lxr_cdi_spec_free(struct lxr_cdi_spec *s)
{
	free(s->file);
	free(s->kind);
	for (size_t i = 0; i < s->n_devices; i++) {
		free(s->devices[i].name);
		lxr_cdi_edits_free(&s->devices[i].edits);
	}
	free(s->devices);
	lxr_cdi_edits_free(&s->edits);
	memset(s, 0, sizeof(*s));
}
