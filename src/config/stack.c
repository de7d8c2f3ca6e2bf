/* Loading a stack: read the file and the project's .env, build the node
 * tree, read the top-level keys into the model, fill defaults, validate. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>

#include "config/config_internal.h"
#include "lxr/config_discover.h"
#include "lxr/config_view.h"

extern char **environ;

struct vars {
	char *const *environ;
	struct cfg_env dotenv;
	char *project; /* COMPOSE_PROJECT_NAME as resolved; NULL until known */
};

/* Compose: the environment wins over the project's .env file, and
 * COMPOSE_PROJECT_NAME is the project's name as resolved (compose-go sets
 * it before interpolating). */
static const char *vars_lookup(const char *name, void *ctx)
{
	struct vars *v = ctx;
	const char *r;

	if (v->project && !strcmp(name, "COMPOSE_PROJECT_NAME"))
		return v->project;
	r = lxr_strv_getenv(v->environ, name);

	return r ? r : cfg_env_get(&v->dotenv, name);
}

static const char *environ_lookup(const char *name, void *ctx)
{
	return lxr_strv_getenv(((struct vars *)ctx)->environ, name);
}

/* A later env file's variables see the environment's, then the earlier
 * files' (compose-go's GetEnvFromFile) */
static const char *files_lookup(const char *name, void *ctx)
{
	const char *r = environ_lookup(name, ctx);

	return r ? r : cfg_env_get(&((struct vars *)ctx)->dotenv, name);
}

static int read_one_dotenv(struct cfg_ctx *c, struct vars *v, const char *path, bool required)
{
	_cleanup_free_ char *text = NULL;
	struct cfg_text_diag d = {0};
	struct cfg_env more = {0};
	size_t len;
	lxr_err err;

	if (lxr_read_file_at(AT_FDCWD, path, &text, &len, &err) < 0) {
		if (err.errnum == ENOENT && !required)
			return 0;
		cfg_diag_add(c, (struct cfg_pos){cfg_diags_intern_file(c->diags, path), 1, 1},
			     false, NULL, "cannot read %s: %s", path, strerror(err.errnum));
		return -1;
	}
	if (cfg_dotenv_parse(text, len, files_lookup, v, &more, &d) < 0) {
		cfg_diag_add(c,
			     (struct cfg_pos){cfg_diags_intern_file(c->diags, path), d.line, d.col},
			     false, NULL, "%s", d.msg);
		return -1;
	}
	cfg_env_merge(&v->dotenv, &more); /* a later file's value over an earlier one's */
	return 0;
}

static int read_dotenv(struct cfg_ctx *c, struct vars *v, char *const *env_files)
{
	_cleanup_free_ char *path = NULL;

	if (!env_files || !env_files[0]) {
		path = lxr_xasprintf("%s/.env", c->dir);
		return read_one_dotenv(c, v, path, false);
	}
	for (size_t i = 0; env_files[i]; i++)
		if (read_one_dotenv(c, v, env_files[i], true) < 0)
			return -1;
	return 0;
}

static void service_init(struct cfg_service *s, struct cfg_node *k)
{
	memset(s, 0, sizeof(*s));
	s->name = lxr_xstrdup(k->raw);
	s->pos = k->pos;
	/* Docker's healthcheck defaults. */
	s->healthcheck.interval_us = 30000000;
	s->healthcheck.timeout_us = 30000000;
	s->healthcheck.start_interval_us = 5000000;
	s->healthcheck.retries = 3;
}

/* Defaults lxr fills so the model says exactly what will run. */
static void service_defaults(struct cfg_service *s)
{
	if (!s->init.set)
		s->init =
		    (struct cfg_bool){true, false, s->pos}; /* lxr's init is PID 1 by default */
	if (!s->stop_signal.set)
		s->stop_signal = (struct cfg_int){SIGTERM, false, s->pos};
	if (!s->stop_grace_period.set)
		s->stop_grace_period = (struct cfg_int){10000000, false, s->pos};
	if (!s->replicas.set)
		s->replicas = (struct cfg_int){1, false, s->pos};
	/* network_mode replaces the networks (the two keys are exclusive) */
	if (!s->n_networks && !s->host.network_mode.v) {
		s->networks = lxr_xcalloc(1, sizeof(*s->networks));
		s->n_networks = 1;
		cfg_str_set(&s->networks[0].name, "default", s->pos);
	}
}

static int top_services(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_stack *st = obj;
	int r = 0;

	if (!cfg_expect(c, n, CFG_NODE_MAP, "services"))
		return -1;
	st->services = lxr_xcalloc(n->n, sizeof(*st->services));
	for (size_t i = 0; i < n->n; i++) {
		struct cfg_service *s = &st->services[st->n_services++];
		_cleanup_free_ char *where = lxr_xasprintf("service \"%s\"", n->pairs[i].key->raw);
		struct cfg_node *def;
		service_init(s, n->pairs[i].key);
		c->where = where;
		c->service = n->pairs[i].key->raw;
		def = cfg_extends_resolve(c, n, n->pairs[i].value);
		cfg_strip_resets(def); /* after extends: a !reset drops its base's key */
		cfg_unique(c, def);
		if (!def || cfg_service_read(c, def, s) < 0)
			r = -1;
		if (cfg_service_finish_env(c, s) < 0 || cfg_service_finish_labels(c, s) < 0)
			r = -1;
		service_defaults(s);
		c->where = NULL;
		c->service = NULL;
	}
	return r;
}

static int top_networks(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_stack *st = obj;
	int r = 0;

	if (cfg_is_null(n))
		return 0;
	if (!cfg_expect(c, n, CFG_NODE_MAP, "networks"))
		return -1;
	st->networks = lxr_xcalloc(n->n + 1, sizeof(*st->networks));
	for (size_t i = 0; i < n->n; i++) {
		struct cfg_network *net = &st->networks[st->n_networks++];
		_cleanup_free_ char *where = lxr_xasprintf("network \"%s\"", n->pairs[i].key->raw);
		net->name = lxr_xstrdup(n->pairs[i].key->raw);
		net->pos = n->pairs[i].key->pos;
		/* the net layer keeps a record file per network under its name */
		if (!cfg_name_ok(net->name))
			cfg_diag_add(
			    c, net->pos, false,
			    "letters, digits, '_', '.', '-'; starting with a letter or digit",
			    "network name \"%s\" is not valid", net->name);
		c->where = where;
		if (cfg_network_read(c, n->pairs[i].value, net) < 0)
			r = -1;
		c->where = NULL;
	}
	return r;
}

static int top_volumes(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_stack *st = obj;
	int r = 0;

	if (cfg_is_null(n))
		return 0;
	if (!cfg_expect(c, n, CFG_NODE_MAP, "volumes"))
		return -1;
	st->volumes = lxr_xcalloc(n->n, sizeof(*st->volumes));
	for (size_t i = 0; i < n->n; i++) {
		struct cfg_volume *v = &st->volumes[st->n_volumes++];
		_cleanup_free_ char *where = lxr_xasprintf("volume \"%s\"", n->pairs[i].key->raw);
		v->name = lxr_xstrdup(n->pairs[i].key->raw);
		v->pos = n->pairs[i].key->pos;
		c->where = where;
		if (cfg_volume_read(c, n->pairs[i].value, v) < 0)
			r = -1;
		c->where = NULL;
	}
	return r;
}

static int top_secrets(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_stack *st = obj;

	return cfg_read_file_objs(c, n, false, &st->secrets, &st->n_secrets);
}

static int top_configs(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_stack *st = obj;

	return cfg_read_file_objs(c, n, true, &st->configs, &st->n_configs);
}

/* resolved before the model is read (cfg_include_resolve) */
static int top_include(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	(void)c;
	(void)n;
	(void)obj;
	return 0;
}

static int top_name(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_str(c, n, "name", &((struct cfg_stack *)obj)->name);
}

static int top_version(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	/* Compose ignores it too; it changes nothing about the file's meaning. */
	cfg_diag_add(c, n->pos, true, "remove it", "`version` is obsolete and ignored");
	return 0;
}

/* docker's AI models (compose's top-level models:): kept as written, not
 * run (raw.c) */
static int top_models(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_raw_read(c, n, "models", &((struct cfg_stack *)obj)->models);
}

static int read_top(struct cfg_ctx *c, struct cfg_node *root, struct cfg_stack *st)
{
	static const struct cfg_key keys[] = {
	    {"name", "name", top_name},
	    {"services", "services", top_services},
	    {"networks", "networks", top_networks},
	    {"volumes", "volumes", top_volumes},
	    {"version", NULL, top_version},
	    {"x-lxr", "x-lxr", cfg_read_x_lxr},
	    {"secrets", NULL, top_secrets},
	    {"configs", NULL, top_configs},
	    {"include", NULL, top_include},
	    {"models", "models", top_models},
	};
	static const struct cfg_map_spec spec = {NULL, keys, 10, true, NULL, 0};
	int r;

	if (!cfg_expect(c, root, CFG_NODE_MAP, "the stack file (services:, networks:, ...)"))
		return -1;
	r = cfg_read_map(c, root, &spec, st);
	cfg_raw_keep_extensions(c, root, &st->extensions, &st->n_extensions);

	/* compose-go loads a file of networks or volumes alone (commands that
	 * run a stack refuse it: cli_stack_load); only one with nothing at all
	 * is an error */
	if (r == 0 && !st->n_services && !st->n_networks && !st->n_volumes && !st->n_secrets &&
	    !st->n_configs && !c->diags->n_errors) {
		cfg_error_hint(c, root, "add a `services:` mapping", "the stack has no services");
		r = -1;
	}
	return r;
}

static void add_default_network(struct cfg_stack *st)
{
	bool used = false, by_mode_only = true;

	for (size_t i = 0; i < st->n_services; i++)
		for (size_t j = 0; j < st->services[i].n_networks; j++)
			if (!strcmp(st->services[i].networks[j].name.v, "default")) {
				used = true;
				by_mode_only &= st->services[i].host.network_mode.v != NULL;
			}
	if (!used || cfg_stack_network(st, "default"))
		return;
	st->networks = lxr_xrealloc(st->networks, (st->n_networks + 1) * sizeof(*st->networks));
	struct cfg_network *net = &st->networks[st->n_networks++];
	memset(net, 0, sizeof(*net));
	net->name = lxr_xstrdup("default");
	net->implicit = true;
	net->mode_only = by_mode_only; /* network_mode: bridge's */
}

static void network_defaults(struct cfg_stack *st)
{
	for (size_t i = 0; i < st->n_networks; i++)
		if (!st->networks[i].driver.v && !st->networks[i].external.v)
			cfg_str_set(&st->networks[i].driver, "bridge", st->networks[i].pos);
	for (size_t i = 0; i < st->n_volumes; i++)
		if (!st->volumes[i].driver.v && !st->volumes[i].external.v)
			cfg_str_set(&st->volumes[i].driver, "local", st->volumes[i].pos);
}

/* The project name before the model is read, for ${COMPOSE_PROJECT_NAME}:
 * -p (or COMPOSE_PROJECT_NAME), else the file's `name:` (interpolated
 * without it), else the directory's name; cfg_stack_project checks it. */
static char *early_project(struct cfg_ctx *c, const struct cfg_load_opts *o, struct cfg_node *root,
			   const struct cfg_stack *st)
{
	const char *base = strrchr(st->dir, '/');

	if (o->project)
		return lxr_xstrdup(o->project);
	for (size_t i = 0; root && root->kind == CFG_NODE_MAP && i < root->n; i++) {
		struct cfg_node *v = root->pairs[i].value;
		if (!strcmp(root->pairs[i].key->raw, "name") && v->kind == CFG_NODE_SCALAR) {
			const char *name = cfg_scalar(c, v, "name");
			/* `name: MyApp` is myapp in ${COMPOSE_PROJECT_NAME} too,
			 * as compose-go sets it; `name: ${UNSET}` (or one with
			 * nothing left) is the directory's, as cfg_stack_project */
			char *norm = name && *name ? cfg_project_name_normalize(name) : NULL;
			if (norm)
				return norm;
			break;
		}
	}
	return cfg_project_name_normalize(base && base[1] ? base + 1 : "default");
}

/* What !reset left after the -f merges goes, but below each service only
 * once its extends is merged (read_services). */
static void strip_top(struct cfg_node *root)
{
	struct cfg_node *svcs = NULL;

	for (size_t i = 0; root && root->kind == CFG_NODE_MAP && i < root->n; i++)
		if (!strcmp(root->pairs[i].key->raw, "services"))
			svcs = root->pairs[i].value;
		else if (root->pairs[i].value->tag != CFG_TAG_RESET)
			cfg_strip_resets(root->pairs[i].value);
	for (size_t i = 0; root && root->kind == CFG_NODE_MAP && i < root->n;)
		if (root->pairs[i].value->tag == CFG_TAG_RESET)
			cfg_map_drop(root, root->pairs[i].key->raw);
		else
			i++;
	for (size_t i = 0; svcs && svcs->kind == CFG_NODE_MAP && i < svcs->n;)
		if (svcs->pairs[i].value->tag == CFG_TAG_RESET)
			cfg_map_drop(svcs, svcs->pairs[i].key->raw);
		else
			i++;
}

/* name: <project>_<key> (an external one's: its key) is the name the
 * network or volume has anyway, as compose takes it: the project's own,
 * not one shared by that name (what
 * `lxr config` prints, and the file an update keeps to roll back to, load
 * again to the same stack) */
static void default_names(struct cfg_stack *st)
{
	for (size_t i = 0; st->project && i < st->n_networks + st->n_volumes; i++) {
		bool net = i < st->n_networks;
		struct cfg_str *own =
		    net ? &st->networks[i].host_name : &st->volumes[i - st->n_networks].host_name;
		const char *key = net ? st->networks[i].name : st->volumes[i - st->n_networks].name;
		bool external =
		    net ? st->networks[i].external.v : st->volumes[i - st->n_networks].external.v;
		size_t n = strlen(st->project);
		/* an external one's default is its key */
		bool dflt = external ? own->v && !strcmp(own->v, key)
				     : own->v && !strncmp(own->v, st->project, n) &&
					   own->v[n] == '_' && !strcmp(own->v + n + 1, key);
		if (!dflt)
			continue;
		free(own->v);
		own->v = NULL;
	}
}

static int load_text(struct cfg_ctx *c, const struct cfg_load_opts *o, const char *text, size_t len,
		     struct cfg_stack *st, lxr_err *err)
{
	struct vars *vars = c->lookup_ctx;
	struct cfg_tree tree;

	c->tree = &tree;
	bool included;

	if (cfg_tree_parse(c, text, len, &tree) < 0)
		return -1;
	/* compose-go: each file with what it includes, then the next file
	 * merged over that (so one file's include may depend on another's) */
	vars->project = early_project(c, o, tree.root, st);
	included = cfg_include_resolve(c, tree.root, NULL) == 0;
	if (cfg_overrides_apply(c, tree.root, o->overrides) < 0) {
		cfg_extra_trees_free(c);
		cfg_tree_free(&tree);
		c->tree = NULL;
		return 0; /* the diagnostics say why */
	}
	/* an override may name the project */
	free(vars->project);
	vars->project = early_project(c, o, tree.root, st);
	strip_top(tree.root);
	/* lxr config's views: extends merged in before the model reads the
	 * services (which it then leaves as they are), the tree copied after
	 * (its values interpolated once, with the model's messages) */
	if (included && o->view != CFG_VIEW_MODEL)
		included = cfg_written_resolve(c, tree.root, st) == 0;
	if (included && o->view != CFG_VIEW_AS_WRITTEN)
		read_top(c, tree.root, st);
	if (included && o->view != CFG_VIEW_MODEL)
		cfg_written_copy(c, tree.root, st);
	cfg_extra_trees_free(c);
	cfg_tree_free(&tree);
	c->tree = NULL;
	cfg_network_mode_networks(c, st, vars->project);
	add_default_network(st);
	network_defaults(st);
	/* Checked even when parts failed: failed values are left unset and the
	 * checks skip them, so every remaining problem is still reported. */
	cfg_stack_validate(c, st);
	if (cfg_stack_project(c, o, st, err) < 0)
		return -1;
	cfg_stack_name_builds(st);
	default_names(st);
	return 0;
}

/* Without -p, COMPOSE_PROJECT_NAME names the project: from the environment
 * or, as Compose reads it, from the project's .env. */
static const struct cfg_load_opts *project_from_env(const struct cfg_load_opts *o,
						    struct vars *vars, struct cfg_load_opts *buf)
{
	const char *v = vars_lookup("COMPOSE_PROJECT_NAME", vars);

	if (o->project || !v || !*v)
		return o;
	*buf = *o;
	buf->project = v;
	return buf;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What ${VAR} takes from (vars_lookup), as compose's config --environment
 * prints it: the environment, the .env's variables it does not set, and
 * the project's name, "KEY=VALUE" in byte order. */
static char **environment(const struct vars *v, const char *project)
{
	char **env = lxr_xcalloc(1, sizeof(char *));
	size_t n;

	for (char *const *e = v->environ; *e; e++) {
		size_t k = strcspn(*e, "=");
		_cleanup_free_ char *key = lxr_xstrndup(*e, k);
		/* the first of a name is the one getenv finds */
		if ((*e)[k] && strcmp(key, "COMPOSE_PROJECT_NAME") &&
		    lxr_strv_getenv(v->environ, key) == *e + k + 1)
			lxr_strv_push(&env, lxr_xstrdup(*e));
	}
	for (size_t i = 0; i < v->dotenv.n; i++)
		if (strcmp(v->dotenv.v[i].key, "COMPOSE_PROJECT_NAME") &&
		    !lxr_strv_getenv(v->environ, v->dotenv.v[i].key) &&
		    cfg_env_get(&v->dotenv, v->dotenv.v[i].key) == v->dotenv.v[i].value)
			lxr_strv_push(
			    &env, lxr_xasprintf("%s=%s", v->dotenv.v[i].key, v->dotenv.v[i].value));
	lxr_strv_push(&env, lxr_xasprintf("COMPOSE_PROJECT_NAME=%s", project));
	n = lxr_strv_len(env);
	qsort(env, n, sizeof(*env), cmp_str);
	return env;
}

int cfg_stack_load_text(const struct cfg_load_opts *o, const char *text, size_t len,
			struct cfg_stack **out, struct cfg_diags *diags, lxr_err *err)
{
	struct vars vars = {o->environ ? o->environ : environ, {0}, NULL};
	struct cfg_load_opts opts;
	struct cfg_ctx c = {.diags = diags, .lookup = vars_lookup, .lookup_ctx = &vars};
	struct cfg_stack *st = lxr_xcalloc(1, sizeof(*st));
	int r;

	*out = NULL;
	lxr_err_clear(err);
	st->file = lxr_xstrdup(o->file);
	st->overrides = lxr_xcalloc(1, sizeof(char *));
	for (size_t i = 0; o->overrides && o->overrides[i]; i++)
		lxr_strv_push(&st->overrides, lxr_xstrdup(o->overrides[i]));
	st->dir = o->project_dir ? lxr_xstrdup(o->project_dir) : cfg_stack_dir(o->file, o->cwd);
	c.file = cfg_diags_intern_file(diags, o->file);
	c.dir = st->dir;
	c.stack = st;
	st->model_only = o->accept_unsupported;
	st->view = o->view;
	c.as_written = o->view == CFG_VIEW_AS_WRITTEN;
	if (o->text)
		st->text = lxr_xstrndup(o->text, o->text_len);
	r = read_dotenv(&c, &vars, o->env_files);
	if (r == 0)
		r = load_text(&c, project_from_env(o, &vars, &opts), text, len, st, err);
	if (r == 0 && o->keep_environment)
		st->environment = environment(&vars, st->project);
	cfg_env_free(&vars.dotenv);
	free(vars.project);
	cfg_unrunnable_sort(st);
	if (r < 0 || diags->n_errors) {
		cfg_stack_free(st);
		return -1;
	}
	*out = st;
	return 0;
}

int cfg_stack_load(const struct cfg_load_opts *o, struct cfg_stack **out, struct cfg_diags *diags,
		   lxr_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;

	*out = NULL;
	if (o->text)
		return cfg_stack_load_text(o, o->text, o->text_len, out, diags, err);
	if (lxr_read_file_at(AT_FDCWD, o->file, &text, &len, err) < 0)
		return lxr_err_wrap(err, "stack file");
	return cfg_stack_load_text(o, text, len, out, diags, err);
}

/* ports, expose, networks */
static void net_free(struct cfg_service *s)
{
	for (size_t i = 0; i < s->n_ports; i++) {
		free(s->ports[i].host_ip);
		free(s->ports[i].name);
		free(s->ports[i].app_protocol);
	}
	free(s->ports);
	free(s->expose);
	for (size_t i = 0; i < s->n_networks; i++) {
		free(s->networks[i].name.v);
		cfg_strs_free(&s->networks[i].aliases);
		free(s->networks[i].ipv4_address.v);
		free(s->networks[i].mac_address.v);
		free(s->networks[i].interface_name.v);
		free(s->networks[i].ipv6_address.v);
		cfg_strs_free(&s->networks[i].link_local_ips);
		cfg_kvs_free(&s->networks[i].driver_opts);
		cfg_strs_free(&s->networks[i].if_sysctls);
	}
	free(s->networks);
}

/* volumes, tmpfs, volumes_from */
static void mounts_free(struct cfg_service *s)
{
	for (size_t i = 0; i < s->n_volumes; i++) {
		free(s->volumes[i].source);
		free(s->volumes[i].target);
		free(s->volumes[i].propagation);
		free(s->volumes[i].subpath);
		free(s->volumes[i].consistency);
	}
	free(s->volumes);
	for (size_t i = 0; i < s->n_tmpfs; i++) {
		free(s->tmpfs[i].target);
		lxr_strv_free(s->tmpfs[i].flags);
	}
	free(s->tmpfs);
	for (size_t i = 0; i < s->n_volumes_from; i++) {
		free(s->volumes_from[i].spec.v);
		free(s->volumes_from[i].name);
	}
	free(s->volumes_from);
}

static void devices_free(struct cfg_service *s)
{
	for (size_t i = 0; i < s->n_devices; i++) {
		free(s->devices[i].source);
		free(s->devices[i].target);
	}
	free(s->devices);
	free(s->device_rules);
}

void cfg_service_free(struct cfg_service *s)
{
	free(s->name);
	free(s->image.v);
	cfg_strs_free(&s->command.argv);
	cfg_strs_free(&s->entrypoint.argv);
	cfg_kvs_free(&s->environment);
	for (size_t i = 0; i < s->n_env_files; i++)
		free(s->env_files[i].path.v);
	free(s->env_files);
	for (size_t i = 0; i < s->n_depends_on; i++)
		free(s->depends_on[i].service.v);
	free(s->depends_on);
	cfg_strs_free(&s->healthcheck.test);
	net_free(s);
	mounts_free(s);
	cfg_strs_free(&s->cap_add);
	cfg_strs_free(&s->cap_drop);
	devices_free(s);
	free(s->user.v);
	free(s->working_dir.v);
	free(s->pull_policy.v);
	free(s->hostname.v);
	cfg_ulimits_free(s->ulimits, s->n_ulimits);
	free(s->build_image);
	cfg_build_free(&s->build);
	cfg_kvs_free(&s->sysctls);
	cfg_kvs_free(&s->labels);
	cfg_strs_free(&s->label_files);
	cfg_kvs_free(&s->annotations);
	free(s->isolation.v);
	cfg_strs_free(&s->profiles);
	free(s->env_file_missing.v);
	free(s->logging.driver.v);
	cfg_kvs_free(&s->logging.options);
	cfg_security_free(&s->security);
	cfg_svc_host_free(&s->host);
	free(s->x_lxr.on_give_up.v);
	cfg_file_refs_free(s->secrets, s->n_secrets);
	cfg_hooks_free(s->post_start, s->n_post_start);
	cfg_hooks_free(s->pre_stop, s->n_pre_stop);
	cfg_watch_free(s->watch, s->n_watch);
	cfg_raw_keys_free(s->unmodelled, s->n_unmodelled);
	cfg_raw_keys_free(s->extensions, s->n_extensions);
	cfg_raw_free(&s->device_requests);
	cfg_strs_free(&s->cdi_devices);
	cfg_device_requests_free(s->gpu_reqs, s->n_gpu_reqs);
	cfg_file_refs_free(s->configs, s->n_configs);
	cfg_svc_tune_free(&s->tune);
}

void cfg_stack_free(struct cfg_stack *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n_services; i++)
		cfg_service_free(&st->services[i]);
	free(st->services);
	for (size_t i = 0; i < st->n_networks; i++)
		cfg_network_free(&st->networks[i]);
	free(st->networks);
	for (size_t i = 0; i < st->n_volumes; i++)
		cfg_volume_free(&st->volumes[i]);
	free(st->volumes);
	cfg_raw_free(&st->models);
	cfg_raw_keys_free(st->extensions, st->n_extensions);
	cfg_file_objs_free(st->secrets, st->n_secrets);
	cfg_file_objs_free(st->configs, st->n_configs);
	for (size_t i = 0; i < st->n_unrunnable; i++) {
		free(st->unrunnable[i].file);
		free(st->unrunnable[i].msg);
		free(st->unrunnable[i].hint);
		free(st->unrunnable[i].service);
	}
	free(st->unrunnable);
	free(st->text);
	cfg_raw_free(&st->written);
	lxr_strv_free(st->environment);
	free(st->file);
	lxr_strv_free(st->overrides);
	free(st->dir);
	free(st->project);
	free(st->name.v);
	free(st);
}
