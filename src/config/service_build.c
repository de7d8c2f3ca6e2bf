/* A service's `build:` (the Compose Build Specification), read as
 * compose-go reads it: a string is the context; the long form has every key
 * of the specification, normalized as `docker compose config` prints it
 * (context absolute unless it is a URL, a git reference or `service:NAME`;
 * dockerfile "Dockerfile" unless dockerfile_inline; args given without a
 * value taken from the environment, or dropped when it has none). What
 * lxr's builder cannot do yet is recorded as not runnable (check_builder);
 * the build itself is build/compose.c's. */
#define _GNU_SOURCE
#include <string.h>

#include "config/config_internal.h"

#define B(obj) (&((struct cfg_service *)(obj))->build)

bool cfg_context_is_git(const char *v)
{
	const char *hash = strchr(v, '#');
	size_t n = hash ? (size_t)(hash - v) : strlen(v);

	if (lxr_str_has_prefix(v, "git://") || lxr_str_has_prefix(v, "git@") ||
	    lxr_str_has_prefix(v, "github.com/") || lxr_str_has_prefix(v, "ssh://"))
		return true;
	/* buildkit's rule for http(s): a path ending in .git is a repository,
	 * anything else a file to download (which lxr does not take) */
	return (lxr_str_has_prefix(v, "https://") || lxr_str_has_prefix(v, "http://")) && n > 4 &&
	       !strncmp(v + n - 4, ".git", 4);
}

/* What compose-go leaves as written (paths/context.go): a builder-specific
 * context type (docker-image://, oci-layout://), a remote context, or
 * another service's image. */
static bool context_is_path(const char *v)
{
	static const char *const remote[] = {"https://",    "http://", "git://",  "ssh://",
					     "github.com/", "git@",    "service:"};

	if (strstr(v, "://"))
		return false;
	for (size_t i = 0; i < sizeof(remote) / sizeof(remote[0]); i++)
		if (lxr_str_has_prefix(v, remote[i]))
			return false;
	return true;
}

static void context_set(struct cfg_ctx *c, struct cfg_str *out, struct cfg_node *n, const char *v)
{
	free(out->v);
	out->v = context_is_path(v) ? cfg_abs_path_at(c, n->pos, v) : lxr_xstrdup(v);
	out->pos = n->pos;
}

static int read_context(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	const char *v = cfg_scalar(c, n, "build.context");

	if (!v)
		return -1;
	if (!*v) {
		cfg_error_hint(c, n, "a directory (. for the stack file's) or a git URL",
			       "build.context is empty");
		return -1;
	}
	context_set(c, &B(obj)->context, n, v);
	return 0;
}

#define STR_KEY(fn, field, what)                                                                   \
	static int fn(struct cfg_ctx *c, struct cfg_node *n, void *obj)                            \
	{                                                                                          \
		return cfg_read_str(c, n, what, &B(obj)->field);                                   \
	}
STR_KEY(read_dockerfile, dockerfile, "build.dockerfile")
STR_KEY(read_dockerfile_inline, dockerfile_inline, "build.dockerfile_inline")
STR_KEY(read_target, target, "build.target")
STR_KEY(read_network, network, "build.network")
STR_KEY(read_isolation, isolation, "build.isolation")
/* string or boolean in the specification: kept as written */
STR_KEY(read_provenance, provenance, "build.provenance")
STR_KEY(read_sbom, sbom, "build.sbom")
#undef STR_KEY

#define STRS_KEY(fn, field, what, single)                                                          \
	static int fn(struct cfg_ctx *c, struct cfg_node *n, void *obj)                            \
	{                                                                                          \
		return cfg_read_strs(c, n, what, single, &B(obj)->field);                          \
	}
STRS_KEY(read_cache_from, cache_from, "build.cache_from", false)
STRS_KEY(read_cache_to, cache_to, "build.cache_to", false)
STRS_KEY(read_no_cache_filter, no_cache_filter, "build.no_cache_filter", true)
STRS_KEY(read_tags, tags, "build.tags", false)
STRS_KEY(read_platforms, platforms, "build.platforms", false)
STRS_KEY(read_entitlements, entitlements, "build.entitlements", false)
#undef STRS_KEY

#define BOOL_KEY(fn, field, what)                                                                  \
	static int fn(struct cfg_ctx *c, struct cfg_node *n, void *obj)                            \
	{                                                                                          \
		return cfg_read_bool(c, n, what, &B(obj)->field);                                  \
	}
BOOL_KEY(read_no_cache, no_cache, "build.no_cache")
BOOL_KEY(read_pull, pull, "build.pull")
BOOL_KEY(read_privileged, privileged, "build.privileged")
#undef BOOL_KEY

static int read_shm_size(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_bytes(c, n, "build.shm_size", &B(obj)->shm_size);
}

static int read_labels(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_kvs(c, n, "build.labels", false, &B(obj)->labels);
}

/* compose-go resolves an arg given without a value from the environment
 * and drops it when the environment has none (loader/normalize.go). */
static int read_args(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_kvs *args = &B(obj)->args;
	struct cfg_kvs all = {0};
	int r = cfg_read_kvs(c, n, "build.args", true, &all);

	for (size_t i = 0; i < all.n; i++) {
		const char *v =
		    all.v[i].value ? all.v[i].value : c->lookup(all.v[i].key, c->lookup_ctx);
		if (v)
			cfg_kvs_set(args, all.v[i].key, v, all.v[i].pos);
	}
	cfg_kvs_free(&all);
	return r;
}

/* ssh: ["default", "ID=PATH"] or {ID: PATH}; a path is a socket or keys on
 * the host, relative to the stack file. */
static int read_ssh(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_kvs *ssh = &B(obj)->ssh;
	int r = cfg_read_kvs(c, n, "build.ssh", true, ssh);

	for (size_t i = 0; i < ssh->n; i++) {
		char *abs;
		if (!ssh->v[i].value || !*ssh->v[i].value)
			continue;
		abs = cfg_abs_path_at(c, ssh->v[i].pos, ssh->v[i].value);
		free(ssh->v[i].value);
		ssh->v[i].value = abs;
	}
	return r;
}

static int read_additional_contexts(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_kvs *ac = &B(obj)->additional_contexts;
	int r = cfg_read_kvs(c, n, "build.additional_contexts", false, ac);

	for (size_t i = 0; i < ac->n; i++) {
		char *abs;
		if (!*ac->v[i].value) {
			struct cfg_node at = {.pos = ac->v[i].pos};
			cfg_error_hint(c, &at, "a directory, a URL or service:NAME",
				       "build.additional_contexts: \"%s\" is empty", ac->v[i].key);
			r = -1;
			continue;
		}
		if (!context_is_path(ac->v[i].value))
			continue;
		abs = cfg_abs_path_at(c, ac->v[i].pos, ac->v[i].value);
		free(ac->v[i].value);
		ac->v[i].value = abs;
	}
	return r;
}

/* extra_hosts, secrets and ulimits are spelled as the service's own keys:
 * read them with the service's readers into a scratch service. */
static int read_as_service(struct cfg_ctx *c, struct cfg_node *n, cfg_key_fn fn,
			   struct cfg_service *scratch)
{
	memset(scratch, 0, sizeof(*scratch));
	return fn(c, n, scratch);
}

static int read_extra_hosts(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service tmp;
	int r = read_as_service(c, n, cfg_svc_read_extra_hosts, &tmp);

	cfg_kvs_free(&B(obj)->extra_hosts);
	B(obj)->extra_hosts = tmp.host.extra_hosts;
	return r;
}

static int read_secrets(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service tmp;
	int r = read_as_service(c, n, cfg_svc_read_secrets, &tmp);

	cfg_file_refs_free(B(obj)->secrets, B(obj)->n_secrets);
	B(obj)->secrets = tmp.secrets;
	B(obj)->n_secrets = tmp.n_secrets;
	return r;
}

static int read_ulimits(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service tmp;
	int r = read_as_service(c, n, cfg_svc_read_ulimits, &tmp);

	cfg_ulimits_free(B(obj)->ulimits, B(obj)->n_ulimits);
	B(obj)->ulimits = tmp.ulimits;
	B(obj)->n_ulimits = tmp.n_ulimits;
	return r;
}

static const struct cfg_key build_keys[] = {
    {"context", NULL, read_context},
    {"dockerfile", NULL, read_dockerfile},
    {"dockerfile_inline", NULL, read_dockerfile_inline},
    {"entitlements", NULL, read_entitlements},
    {"args", NULL, read_args},
    {"provenance", NULL, read_provenance},
    {"sbom", NULL, read_sbom},
    {"ssh", NULL, read_ssh},
    {"labels", NULL, read_labels},
    {"cache_from", NULL, read_cache_from},
    {"cache_to", NULL, read_cache_to},
    {"no_cache", NULL, read_no_cache},
    {"no_cache_filter", NULL, read_no_cache_filter},
    {"additional_contexts", NULL, read_additional_contexts},
    {"pull", NULL, read_pull},
    {"extra_hosts", NULL, read_extra_hosts},
    {"isolation", NULL, read_isolation},
    {"network", NULL, read_network},
    {"target", NULL, read_target},
    {"secrets", NULL, read_secrets},
    {"shm_size", NULL, read_shm_size},
    {"tags", NULL, read_tags},
    {"ulimits", NULL, read_ulimits},
    {"platforms", NULL, read_platforms},
    {"privileged", NULL, read_privileged},
};

int cfg_svc_read_build(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	static const struct cfg_map_spec spec = {
	    "build", build_keys, sizeof(build_keys) / sizeof(build_keys[0]), true, NULL, 0};
	struct cfg_build *b = B(obj);
	int r = 0;

	cfg_build_free(b);
	b->set = true;
	b->pos = n->pos;
	if (cfg_is_null(n)) {
		cfg_error_hint(c, n, "build: . (the context), or a mapping", "build has no value");
		return -1;
	}
	if (n->kind == CFG_NODE_SCALAR) {
		const char *v = cfg_scalar(c, n, "build");
		if (!v)
			return -1;
		if (!*v) {
			cfg_error_hint(c, n, "a directory (. for the stack file's) or a git URL",
				       "build context is empty");
			return -1;
		}
		context_set(c, &b->context, n, v);
	} else if (cfg_read_map(c, n, &spec, obj) < 0) {
		r = -1;
	}
	if (!b->context.v)
		context_set(c, &b->context, n, ".");
	if (b->dockerfile.v && b->dockerfile_inline.v) {
		cfg_diag_add(c, b->dockerfile_inline.pos, false, "keep one of them",
			     "build: dockerfile and dockerfile_inline exclude each other");
		r = -1;
	}
	if (!b->dockerfile.v && !b->dockerfile_inline.v)
		cfg_str_set(&b->dockerfile, "Dockerfile", n->pos);
	return r;
}

void cfg_build_free(struct cfg_build *b)
{
	struct cfg_str *strs[] = {&b->context, &b->dockerfile, &b->dockerfile_inline, &b->target,
				  &b->network, &b->isolation,  &b->provenance,        &b->sbom};
	struct cfg_kvs *kvs[] = {&b->args, &b->labels, &b->ssh, &b->additional_contexts,
				 &b->extra_hosts};
	struct cfg_strs *lists[] = {&b->cache_from, &b->cache_to,  &b->no_cache_filter,
				    &b->tags,       &b->platforms, &b->entitlements};

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(strs[i]->v);
	for (size_t i = 0; i < sizeof(kvs) / sizeof(kvs[0]); i++)
		cfg_kvs_free(kvs[i]);
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		cfg_strs_free(lists[i]);
	cfg_file_refs_free(b->secrets, b->n_secrets);
	cfg_ulimits_free(b->ulimits, b->n_ulimits);
	memset(b, 0, sizeof(*b));
}

static const struct cfg_service *service_named(const struct cfg_stack *st, const char *name)
{
	for (size_t i = 0; i < st->n_services; i++)
		if (!strcmp(st->services[i].name, name))
			return &st->services[i];
	return NULL;
}

/* compose-go's consistency rules for build (loader/validate.go). */
static void check_build(struct cfg_ctx *c, const struct cfg_stack *st, const struct cfg_service *s)
{
	const struct cfg_build *b = &s->build;
	const char *platform = s->tune.platform.v;
	bool found = false;

	for (size_t i = 0; i < b->additional_contexts.n; i++) {
		const struct cfg_kv *kv = &b->additional_contexts.v[i];
		const struct cfg_service *t;
		if (!lxr_str_has_prefix(kv->value, "service:"))
			continue;
		t = service_named(st, kv->value + strlen("service:"));
		if (!t)
			cfg_ref_error(c, s, kv->pos, "name a service of this stack",
				      "build.additional_contexts %s: no service \"%s\"", kv->key,
				      kv->value + strlen("service:"));
		else if (!t->build.set)
			cfg_ref_error(c, s, kv->pos, "give that service a `build:`",
				      "build.additional_contexts %s: service \"%s\" is not built",
				      kv->key, t->name);
	}
	if (!b->platforms.n || !platform || !*platform)
		return;
	for (size_t i = 0; i < b->platforms.n && !found; i++)
		found = !strcmp(b->platforms.v[i].v, platform);
	if (!found)
		cfg_diag_add(c, b->platforms.v[0].pos, false, "add it, or drop `platform:`",
			     "build.platforms must include the service's platform \"%s\"",
			     platform);
}

#define BUILDER_HINT "lxr's builder does not set it (docs/building.md): drop the key"
#define NOT_YET(feature, pos, hint, ...)                                                           \
	cfg_check_supported_hint(c, pos, feature, hint, __VA_ARGS__)

/* What lxr's builder does not do yet (docs/building.md): recorded as not
 * runnable with its position, so `lxr config` shows the build and `lxr up`
 * and `lxr build` refuse it by name. ssh, cache_from and cache_to are
 * dropped with a warning when the build runs, as compose does for a
 * builder without them. */
static void check_builder(struct cfg_ctx *c, const struct cfg_build *b)
{
	const char *net = b->network.v;

	if (b->context.v && !context_is_path(b->context.v) && !cfg_context_is_git(b->context.v))
		NOT_YET("service.build.context.remote", b->context.pos,
			"lxr builds from a local directory or a git repository: download it "
			"and give its path",
			"build.context \"%s\" (a local directory or a git URL)", b->context.v);
	if (net && strcmp(net, "default") && strcmp(net, "none") && strcmp(net, "host"))
		NOT_YET("service.build.network.other", b->network.pos,
			"lxr's builder runs RUN steps on its default bridge (default), with "
			"none or with the host's (host); not on a named network",
			"build.network \"%s\"", net);
	for (size_t i = 0; i < b->additional_contexts.n; i++) {
		const struct cfg_kv *kv = &b->additional_contexts.v[i];
		if (context_is_path(kv->value) || lxr_str_has_prefix(kv->value, "service:") ||
		    lxr_str_has_prefix(kv->value, "docker-image://"))
			continue;
		NOT_YET("service.build.additional_contexts.remote", kv->pos,
			"lxr's builder takes a local directory, service:NAME or "
			"docker-image://REF as a named context",
			"build.additional_contexts %s \"%s\"", kv->key, kv->value);
	}
	for (size_t i = 0; i < b->platforms.n; i++)
		if (!cfg_platform_is_host(b->platforms.v[i].v))
			NOT_YET("service.build.platforms.other", b->platforms.v[i].pos,
				"lxr builds for the host's platform only: drop the others",
				"build.platforms \"%s\" (not this host's)", b->platforms.v[i].v);
	if (b->privileged.set && b->privileged.v)
		NOT_YET("service.build.privileged", b->privileged.pos,
			"RUN steps have docker's default confinement: drop the key",
			"build.privileged: true");
	if (b->entitlements.n)
		NOT_YET("service.build.entitlements", b->entitlements.v[0].pos, BUILDER_HINT,
			"build.entitlements");
	if (b->isolation.v && strcmp(b->isolation.v, "default"))
		NOT_YET("service.build.isolation", b->isolation.pos, BUILDER_HINT,
			"build.isolation \"%s\"", b->isolation.v);
	if (b->provenance.v && strcmp(b->provenance.v, "false"))
		NOT_YET("service.build.attestations", b->provenance.pos,
			"lxr's builder makes no attestations: drop the key", "build.provenance");
	if (b->sbom.v && strcmp(b->sbom.v, "false"))
		NOT_YET("service.build.attestations", b->sbom.pos,
			"lxr's builder makes no attestations: drop the key", "build.sbom");
}
#undef NOT_YET
#undef BUILDER_HINT

void cfg_stack_check_builds(struct cfg_ctx *c, const struct cfg_stack *st)
{
	for (size_t i = 0; i < st->n_services; i++) {
		const struct cfg_service *s = &st->services[i];
		_cleanup_free_ char *w = NULL;
		if (!s->build.set && s->pull_policy.v && !strcmp(s->pull_policy.v, "build")) {
			w = lxr_xasprintf("service \"%s\"", s->name);
			c->where = w;
			cfg_diag_add(
			    c, s->pull_policy.pos, false,
			    "add a `build:` to build the image, or use another pull_policy",
			    "pull_policy \"build\" and no build: nothing to build the image "
			    "from");
			c->where = NULL;
		}
		if (!s->build.set)
			continue;
		w = lxr_xasprintf("service \"%s\"", st->services[i].name);
		c->where = w;
		c->service = st->services[i].name; /* its own: refused when it is built */
		check_build(c, st, &st->services[i]);
		check_builder(c, &st->services[i].build);
		c->where = NULL;
		c->service = NULL;
	}
}

void cfg_stack_name_builds(struct cfg_stack *st)
{
	for (size_t i = 0; i < st->n_services && st->project; i++) {
		struct cfg_service *s = &st->services[i];
		if (!s->build.set)
			continue;
		free(s->build_image);
		s->build_image = s->image.v ? lxr_xstrdup(s->image.v)
					    : lxr_xasprintf("%s-%s", st->project, s->name);
	}
}

const char *cfg_service_image(const struct cfg_service *s)
{
	return s->image.v ? s->image.v : s->build_image;
}
