/* Config layer, internal: the YAML node tree the typed model is read from,
 * the parse context that collects diagnostics, and the table-driven key
 * reader every mapping in the stack file goes through. */
#ifndef LXR_CONFIG_INTERNAL_H
#define LXR_CONFIG_INTERNAL_H

#include <stdarg.h>

#include "config/text.h"
#include "lxr/config.h"
#include "lxr/config_runnable.h"

/* ---- node tree (yaml.c) ------------------------------------------------------
 * libyaml's document with aliases shared (a DAG, never expanded) and `<<`
 * merge keys resolved. Everything lives in one arena freed at once. */
enum cfg_node_kind { CFG_NODE_SCALAR, CFG_NODE_MAP, CFG_NODE_SEQ };
struct cfg_node;
struct cfg_pair {
	struct cfg_node *key, *value;
};
/* Compose's merge tags: !reset drops the key from what the file merges
 * over, !override replaces it instead of merging (compose-go reset.go). */
enum cfg_node_tag { CFG_TAG_NONE, CFG_TAG_RESET, CFG_TAG_OVERRIDE };
struct cfg_node {
	enum cfg_node_kind kind;
	struct cfg_pos pos;
	unsigned char tag; /* enum cfg_node_tag */
	bool plain;        /* plain scalar: `null`, `true`, `3` are typed */
	bool single_line;  /* scalar text on one line: diag columns map exactly */
	char *raw;         /* scalar as written; keys use this */
	char *val;         /* scalar after interpolation, computed once */
	bool bad;          /* interpolation failed (already reported) */
	bool walked;       /* cfg_interpolate_all went through it (aliases share nodes) */
	struct cfg_pair *pairs;
	struct cfg_node **items;
	size_t n;
};
struct cfg_arena;
struct cfg_tree {
	struct cfg_arena *arena;
	struct cfg_node *root; /* NULL: empty document */
};
struct cfg_ctx;
/* Parse text into a tree; YAML errors become diagnostics. -1 on error. */
int cfg_tree_parse(struct cfg_ctx *c, const char *text, size_t len, struct cfg_tree *t);
void cfg_tree_free(struct cfg_tree *t);
char *cfg_tree_strdup(struct cfg_tree *t, const char *s);
char *cfg_tree_strndup(struct cfg_tree *t, const char *s, size_t n);
void *cfg_tree_alloc(struct cfg_tree *t, size_t n); /* zeroed, freed with the tree */

/* cfg_stack_load on text already in memory (o->file names it in messages;
 * its directory is still where .env and relative paths are looked up). */
int cfg_stack_load_text(const struct cfg_load_opts *o, const char *text, size_t len,
			struct cfg_stack **out, struct cfg_diags *diags, lxr_err *err);

/* ---- parse context and diagnostics (diag.c) ------------------------------- */
struct cfg_ctx {
	struct cfg_diags *diags;
	const char *file; /* interned: valid for the life of the process */
	const char *dir;  /* absolute directory of the stack file */
	cfg_lookup_fn lookup;
	void *lookup_ctx;
	struct cfg_stack *stack; /* where unrunnable settings are recorded */
	const char *where;       /* `service "web"`: prefix of each message, or NULL */
	const char *service;     /* the service being read, or NULL */
	struct cfg_tree *tree;
	struct cfg_tree **extra_trees; /* files `extends` read (extends.c) */
	size_t n_extra_trees;
	/* Each file `extends` or `include` read, with the directory its
	 * relative paths are relative to (its own, or include's
	 * project_directory): values keep their file in their position. */
	struct cfg_file_dir {
		const char *file; /* interned */
		char *dir;
	} * file_dirs;
	size_t n_file_dirs;
	/* the host's security modules, read once when security_opt needs them */
	struct cfg_host_lsm lsm;
	bool lsm_probed;
	/* a file without a YAML document parses to no tree (an -f override
	 * that holds only comments adds nothing, as in compose) */
	bool empty_ok;
	bool as_written;  /* CFG_VIEW_AS_WRITTEN: no value is interpolated */
	size_t ext_nodes; /* the values of x- keys kept so far (raw.c) */
};
const char *cfg_diags_intern_file(struct cfg_diags *d, const char *file);
/* Drop the diagnostics after the first n (a parse tried again). */
void cfg_diags_truncate(struct cfg_diags *d, size_t n);
/* `external:` of a network, volume, secret or config: a boolean, or the
 * legacy `{name: X}` (external, named X on the host). */
int cfg_read_external(struct cfg_ctx *c, struct cfg_node *n, struct cfg_bool *ext,
		      struct cfg_str *name);
void cfg_diag_add(struct cfg_ctx *c, struct cfg_pos pos, bool warning, const char *hint,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
#define cfg_error(c, node, ...) cfg_diag_add((c), (node)->pos, false, NULL, __VA_ARGS__)
#define cfg_error_hint(c, node, hint, ...)                                                         \
	cfg_diag_add((c), (node)->pos, false, (hint), __VA_ARGS__)
#define cfg_warn(c, node, ...) cfg_diag_add((c), (node)->pos, true, NULL, __VA_ARGS__)
/* Closest candidate by edit distance, or NULL if none is close enough. */
const char *cfg_did_you_mean(const char *word, const char *const *cands, size_t n);

/* ---- the node tree (tree.c) ------------------------------------------------ */
const char *cfg_kind_name(const struct cfg_node *n);
bool cfg_is_null(const struct cfg_node *n);
struct cfg_node *cfg_node_new(struct cfg_tree *t, enum cfg_node_kind k, struct cfg_pos pos);
/* key's pair or value in mapping m, or NULL (m NULL or not a mapping too) */
struct cfg_pair *cfg_map_pair(const struct cfg_node *m, const char *key);
struct cfg_node *cfg_map_get(const struct cfg_node *m, const char *key);
/* key k set to v in mapping m: its value replaced if m has the key, else
 * the pair appended */
void cfg_map_put(struct cfg_tree *t, struct cfg_node *m, struct cfg_node *k, struct cfg_node *v);
/* Remove key's pair from mapping m, if there. */
void cfg_map_drop(struct cfg_node *m, const char *key);
void cfg_seq_push(struct cfg_tree *t, struct cfg_node *s, struct cfg_node *item);

/* ---- reading values (read.c) ---------------------------------------------- */
/* Interpolated scalar text, or NULL (with an error) when n is not a scalar. */
const char *cfg_scalar(struct cfg_ctx *c, struct cfg_node *n, const char *what);
bool cfg_scalar_empty(struct cfg_ctx *c, struct cfg_node *n);
bool cfg_expect(struct cfg_ctx *c, const struct cfg_node *n, enum cfg_node_kind k,
		const char *what);
int cfg_read_str(struct cfg_ctx *c, struct cfg_node *n, const char *what, struct cfg_str *out);
int cfg_read_bool(struct cfg_ctx *c, struct cfg_node *n, const char *what, struct cfg_bool *out);
int cfg_read_int(struct cfg_ctx *c, struct cfg_node *n, const char *what, int64_t lo, int64_t hi,
		 struct cfg_int *out);
int cfg_read_duration(struct cfg_ctx *c, struct cfg_node *n, const char *what, struct cfg_int *out);
int cfg_read_bytes(struct cfg_ctx *c, struct cfg_node *n, const char *what, struct cfg_int *out);
int cfg_read_cpus(struct cfg_ctx *c, struct cfg_node *n, const char *what, struct cfg_int *out);
/* A string or a list of strings. */
int cfg_read_strs(struct cfg_ctx *c, struct cfg_node *n, const char *what, bool allow_single,
		  struct cfg_strs *out);
/* A mapping of scalars, or a list of "k=v" strings (Compose "list or dict").
 * null_values: a map entry without value / a list entry without '=' is kept
 * with value NULL (environment); otherwise it is an error. */
int cfg_read_kvs(struct cfg_ctx *c, struct cfg_node *n, const char *what, bool null_values,
		 struct cfg_kvs *out);
/* A string command split into words as compose-go splits it (read.c):
 * -1 on an open quote, a trailing backslash or a bare parenthesis; *rest
 * is where an unquoted ; & | < > cut it short (else NULL). */
int cfg_split_words(const char *s, struct cfg_strs *out, struct cfg_pos pos, const char **rest);
/* A plain scalar's text as compose-go hands a mapping value on (go-yaml's
 * typing, then fmt.Sprint: `False` "false", `022` "18", `1.50` "1.5");
 * NULL where it stays as written (go_scalar.c). */
char *cfg_go_plain_text(const char *in);
void cfg_strs_push(struct cfg_strs *v, const char *s, struct cfg_pos pos);
void cfg_kvs_set(struct cfg_kvs *v, const char *key, const char *value, struct cfg_pos pos);
void cfg_strs_free(struct cfg_strs *v);
/* One device request entry (a mapping), or `gpus:` (all, or a list of
 * them), appended to s->gpu_reqs (service_gpu.c) */
int cfg_read_device_request(struct cfg_ctx *c, struct cfg_node *n, struct cfg_service *s,
			    bool gpus);
int cfg_read_gpus(struct cfg_ctx *c, struct cfg_node *n, void *obj);
/* link_local_ips of sn against its network: an IPv6 one needs the
 * network's IPv6 (service_net.c) */
void cfg_check_link_local(struct cfg_ctx *c, const struct cfg_network *net,
			  const struct cfg_svc_net *sn);
void cfg_kvs_free(struct cfg_kvs *v);
void cfg_str_set(struct cfg_str *s, const char *v, struct cfg_pos pos);

/* ---- keys of one mapping (keys.c) ------------------------------------------ */
typedef int (*cfg_key_fn)(struct cfg_ctx *c, struct cfg_node *value, void *obj);
struct cfg_key {
	const char *name;
	const char *feature; /* support-table entry (support.c); NULL: always */
	cfg_key_fn parse;
};
struct cfg_map_spec {
	const char *what; /* "service", "healthcheck", ... for messages */
	const struct cfg_key *keys;
	size_t n_keys;
	bool allow_x; /* x- extension keys allowed (and ignored) here */
	/* Compose keys lxr does not model at all: refused as not supported. */
	const char *const *compose_only;
	size_t n_compose_only;
};
/* Interpolate every scalar under n, for the values lxr does not read
 * (x- extensions): Compose interpolates the whole file, so an error there
 * (${X:?msg}) is still an error. */
void cfg_interpolate_all(struct cfg_ctx *c, struct cfg_node *n);
/* Run each key of map n through spec; reports unknown, duplicate-free is
 * guaranteed by the tree. Returns -1 if n is not a mapping. */
int cfg_read_map(struct cfg_ctx *c, struct cfg_node *n, const struct cfg_map_spec *spec, void *obj);
/* A service's logging: the driver and its options, checked as dockerd
 * checks them (logging.c) */
int cfg_read_logging(struct cfg_ctx *c, struct cfg_node *n, void *obj);
/* logging.c: v is one of set (NULL-ended); a size of bytes (max-size), a
 * count of files (max-file) */
bool cfg_log_one_of(const char *v, const char *const *set);
void cfg_check_log_bytes(struct cfg_ctx *c, const struct cfg_kv *kv);
void cfg_check_log_count(struct cfg_ctx *c, const struct cfg_kv *kv);
/* logging_loki.c: one option of driver loki */
void cfg_check_loki_option(struct cfg_ctx *c, const struct cfg_kv *kv);

/* 1 honoured, 0 not yet, -1 not in the table (support.c). */
int cfg_support_lookup(const char *key);
/* Record LABEL at n as a setting `lxr up` does not run yet unless feature
 * is honoured (cfg_stack_check_runnable refuses it; `lxr config` prints
 * it). The caller models the value either way. */
void cfg_check_supported(struct cfg_ctx *c, const struct cfg_node *n, const char *feature,
			 const char *label);
/* The same with the label formatted and a hint saying what lxr does instead
 * (NULL: the general one). */
void cfg_check_supported_hint(struct cfg_ctx *c, struct cfg_pos pos, const char *feature,
			      const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Record a value Compose loads but no engine runs (docker refuses it when it
 * creates the container): `lxr config` prints it, up refuses it where its
 * service is chosen, as cfg_check_supported's. */
void cfg_refuse_at_up(struct cfg_ctx *c, struct cfg_pos pos, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* An error in service s: a reference to something the stack does not
 * declare (a network, volume, secret, config, service). compose-go checks
 * the references of the services the active profiles enable only, so in a
 * service with profiles it waits in st->unrunnable (invalid), said as it
 * is here once the service is enabled (cfg_stack_check_enabled); in any
 * other it is an error of the file now. */
void cfg_ref_error(struct cfg_ctx *c, const struct cfg_service *s, struct cfg_pos pos,
		   const char *hint, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* st->unrunnable in file order (support.c). */
void cfg_unrunnable_sort(struct cfg_stack *st);

/* ---- model parts ------------------------------------------------------------ */
int cfg_service_read(struct cfg_ctx *c, struct cfg_node *n, struct cfg_service *s);
void cfg_service_free(struct cfg_service *s);
int cfg_svc_read_env_file(struct cfg_ctx *c, struct cfg_node *n, void *obj);
/* env_file entries, then environment, then pass-through values resolved. */
int cfg_service_finish_env(struct cfg_ctx *c, struct cfg_service *s);
int cfg_svc_read_label_file(struct cfg_ctx *c, struct cfg_node *n, void *obj);
int cfg_service_finish_labels(struct cfg_ctx *c, struct cfg_service *s);
int cfg_svc_read_limits(struct cfg_ctx *c, struct cfg_node *n, void *obj);
int cfg_svc_read_deploy(struct cfg_ctx *c, struct cfg_node *n, void *obj);
/* service_update.c: deploy.update_config, deploy.rollback_config */
int cfg_svc_read_update_config(struct cfg_ctx *c, struct cfg_node *n, void *obj);
int cfg_svc_read_rollback_config(struct cfg_ctx *c, struct cfg_node *n, void *obj);
void cfg_update_default(struct cfg_update *u); /* what an absent key means */
int cfg_svc_read_mem_limit(struct cfg_ctx *c, struct cfg_node *n, void *obj);
int cfg_svc_read_cpus(struct cfg_ctx *c, struct cfg_node *n, void *obj);
int cfg_svc_read_pids_limit(struct cfg_ctx *c, struct cfg_node *n, void *obj);
int cfg_svc_read_ulimits(struct cfg_ctx *c, struct cfg_node *n, void *obj);
int cfg_svc_read_healthcheck(struct cfg_ctx *c, struct cfg_node *n, void *obj);
int cfg_svc_read_restart(struct cfg_ctx *c, struct cfg_node *n, void *obj);
/* restart and deploy.restart_policy both given and different: docker
 * compose runs deploy's (a warning says so). */
#define CFG_RESTART_AGREE_HINT                                                                     \
	"docker compose runs deploy.restart_policy then (its condition defaults to any, its "      \
	"max_attempts to unlimited); keep one of them to say which"
int cfg_svc_read_depends_on(struct cfg_ctx *c, struct cfg_node *n, void *obj);
int cfg_svc_read_ports(struct cfg_ctx *c, struct cfg_node *n, void *obj);
int cfg_svc_read_expose(struct cfg_ctx *c, struct cfg_node *n, void *obj);
int cfg_svc_read_networks(struct cfg_ctx *c, struct cfg_node *n, void *obj);
int cfg_svc_read_volumes(struct cfg_ctx *c, struct cfg_node *n, void *obj);
/* compose-go's checkConsistency of mounts: no target twice across tmpfs and
 * volumes (-1, reported). */
int cfg_svc_check_targets(struct cfg_ctx *c, const struct cfg_service *s);
/* Go's path.Clean of p, in place. */
void cfg_path_clean(char *p);
int cfg_svc_read_tmpfs(struct cfg_ctx *c, struct cfg_node *n, void *obj);
int cfg_svc_read_volumes_from(struct cfg_ctx *c, struct cfg_node *n, void *obj);
int cfg_svc_read_caps(struct cfg_ctx *c, struct cfg_node *n, struct cfg_strs *out,
		      const char *what);
int cfg_svc_read_devices(struct cfg_ctx *c, struct cfg_node *n, void *obj);
int cfg_svc_read_device_cgroup_rules(struct cfg_ctx *c, struct cfg_node *n, void *obj);
int cfg_svc_read_extra_hosts(struct cfg_ctx *c, struct cfg_node *n, void *obj);
/* command/entrypoint: a list, or a string split into words (read.c). */
int cfg_read_cmd(struct cfg_ctx *c, struct cfg_node *n, struct cfg_cmd *out, const char *what);
/* post_start, pre_stop (service_hook.c) */
int cfg_svc_read_post_start(struct cfg_ctx *c, struct cfg_node *n, void *obj);
int cfg_svc_read_pre_stop(struct cfg_ctx *c, struct cfg_node *n, void *obj);
void cfg_hooks_free(struct cfg_hook *v, size_t n);
void cfg_hook_clear(struct cfg_hook *h);
/* One hook mapping {command, user, privileged, working_dir, environment};
 * key names it in messages (post_start, develop.watch exec). */
int cfg_read_hook(struct cfg_ctx *c, struct cfg_node *n, const char *key, struct cfg_hook *h);
/* develop: its watch rules (service_develop.c) */
int cfg_svc_read_develop(struct cfg_ctx *c, struct cfg_node *n, void *obj);
void cfg_watch_free(struct cfg_watch *v, size_t n);
/* lxr config's views (written.c, lxr/config_view.h): the services with
 * what they extend merged in, in place, before the model is read; then
 * the tree copied into st->written. */
int cfg_written_resolve(struct cfg_ctx *c, struct cfg_node *root, struct cfg_stack *st);
int cfg_written_copy(struct cfg_ctx *c, struct cfg_node *root, struct cfg_stack *st);
/* A key lxr does not model, kept as written (raw.c). */
int cfg_svc_read_raw(struct cfg_ctx *c, struct cfg_node *n, struct cfg_service *s, const char *key);
int cfg_raw_read(struct cfg_ctx *c, struct cfg_node *n, const char *what, struct cfg_raw *out);
/* The same with a budget of its own (the whole file: written.c) */
int cfg_raw_copy(struct cfg_ctx *c, struct cfg_node *n, const char *what, size_t max_nodes,
		 struct cfg_raw *out);
void cfg_raw_free(struct cfg_raw *v);
void cfg_raw_keys_free(struct cfg_raw_key *v, size_t n);
/* The x- extension keys of mapping m (x-lxr aside) kept as written
 * (interpolated: cfg_read_map did it) for config to print, as compose
 * prints them; one too big to copy is left out. */
void cfg_raw_keep_extensions(struct cfg_ctx *c, struct cfg_node *m, struct cfg_raw_key **list,
			     size_t *n);
/* build: (service_build.c) */
int cfg_svc_read_build(struct cfg_ctx *c, struct cfg_node *n, void *obj);
void cfg_build_free(struct cfg_build *b);
/* compose-go's checks across services (additional contexts, platforms). */
void cfg_stack_check_builds(struct cfg_ctx *c, const struct cfg_stack *st);
/* docker's name for this machine's platform: linux/amd64, linux/arm64[/v8] */
bool cfg_platform_is_host(const char *v);
/* build_image of each built service, once the project is named. */
void cfg_stack_name_builds(struct cfg_stack *st);
void cfg_ulimits_free(struct cfg_ulimit *v, size_t n);
struct cfg_mount *cfg_svc_mount_add(struct cfg_service *s, struct cfg_pos pos);
void cfg_svc_check_mount_type(struct cfg_ctx *c, struct cfg_node *n, enum cfg_mount_type t);
bool cfg_propagation_ok(const char *s);
void cfg_svc_set_propagation(struct cfg_ctx *c, struct cfg_node *n, struct cfg_mount *m,
			     const char *mode);
/* Top-level networks (top_networks.c, their ipam: top_ipam.c) and volumes
 * (top_volumes.c). */
int cfg_network_read(struct cfg_ctx *c, struct cfg_node *n, struct cfg_network *net);
int cfg_net_read_ipam(struct cfg_ctx *c, struct cfg_node *n, void *obj);
void cfg_net_pools_free(struct cfg_network *net);
int cfg_volume_read(struct cfg_ctx *c, struct cfg_node *n, struct cfg_volume *v);
/* network_mode `bridge`/`default` and a network's name, as networks the
 * services join (top_networks.c); project: the project's name so far. */
void cfg_network_mode_networks(struct cfg_ctx *c, struct cfg_stack *st, const char *project);
void cfg_network_free(struct cfg_network *net);
void cfg_volume_free(struct cfg_volume *v);
/* `name:` of a network or volume. Empty (`name: ${UNSET}`) is no name:
 * compose-go then names it <project>_<key>, as without the key. */
int cfg_read_host_name(struct cfg_ctx *c, struct cfg_node *n, struct cfg_str *out);
/* Top-level x-lxr: no settings yet, every key is refused (keys.c). */
int cfg_read_x_lxr(struct cfg_ctx *c, struct cfg_node *n, void *obj);
/* A service's x-lxr (service_xlxr.c); the check runs once the whole service
 * is read: restart_on_unhealthy needs a healthcheck, backoff must not
 * contradict deploy.restart_policy. */
int cfg_svc_read_x_lxr(struct cfg_ctx *c, struct cfg_node *n, void *obj);
void cfg_svc_check_x_lxr(struct cfg_ctx *c, const struct cfg_service *s);

/* Keys read by service_host.c and service_tune.c, and their whole-stack
 * checks. networks_given: the service has a `networks:` key. */
const struct cfg_key *cfg_svc_host_keys(size_t *n);
const struct cfg_key *cfg_svc_tune_keys(size_t *n);
void cfg_svc_check_host(struct cfg_ctx *c, const struct cfg_stack *st, const struct cfg_service *s,
			bool networks_given);
void cfg_svc_host_free(struct cfg_svc_host *h);
void cfg_svc_tune_free(struct cfg_svc_tune *t);
int cfg_svc_read_mem_reservation(struct cfg_ctx *c, struct cfg_node *n, void *obj);
/* deploy.mode global beside a number of replicas (N from replicas or
 * scale): a warning that lxr runs the N, as docker compose does */
void cfg_svc_global_replicas(struct cfg_ctx *c, struct cfg_node *n, long long replicas);
/* Each instance is a whole container (cgroup, writable layer, address);
 * the bound catches a typo before the supervisor tries to start thousands. */
#define CFG_REPLICAS_MAX 1000

/* The service node svc with its `extends` resolved (merged over its base,
 * looked up in services or another file), svc itself without one, NULL
 * after an error (extends.c). */
struct cfg_node *cfg_extends_resolve(struct cfg_ctx *c, struct cfg_node *services,
				     struct cfg_node *svc);
/* The root of the stack file a `file:`/`include` node names (relative to
 * the file the node is in), parsed into a tree cfg_extra_trees_free drops;
 * its relative paths are relative to dir (NULL: its own directory)
 * (include.c). */
struct cfg_node *cfg_load_file(struct cfg_ctx *c, struct cfg_node *file, const char *what,
			       const char *dir);
void cfg_extra_trees_free(struct cfg_ctx *c);
/* ---- Compose's merge rules (merge.c) ---- */
/* over merged onto base: a service over its extends base, a resource an
 * override file defines again. */
struct cfg_node *cfg_merge_nodes(struct cfg_ctx *c, struct cfg_node *base, struct cfg_node *over);
/* What !reset left after the merges: its keys dropped, under n (a file
 * with nothing below it to reset loses them too, as compose-go reads it). */
void cfg_strip_resets(struct cfg_node *n);
/* One entry per key in a service's lists (a volume's target is cfg_svc's,
 * once parsed), the later value in the earlier place, as compose-go's
 * EnforceUnicity. */
void cfg_unique(struct cfg_ctx *c, struct cfg_node *svc);
/* The sections of from (services, networks, …) added to to's, a resource
 * both define merged: from's over to's with merge (an include's later
 * paths), else to's over from's (an included file under the including
 * one, as compose-go 2.10 merges them). */
void cfg_sections_merge(struct cfg_ctx *c, struct cfg_node *to, struct cfg_node *from, bool merge);
/* One mapping merged over root as an override file is (its sections
 * service by service, other keys replacing); file names it in messages.
 * Also how a file's later YAML documents merge over its first. */
int cfg_override_merge(struct cfg_ctx *c, struct cfg_node *root, struct cfg_node *over,
		       const char *file);

/* Top-level include: the included files' services, networks, volumes,
 * secrets and configs added to root's (include.c). file: root's own path,
 * where its chain of includes starts (NULL: the stack file's); each -f
 * file has a chain of its own, as in compose-go. */
int cfg_include_resolve(struct cfg_ctx *c, struct cfg_node *root, const char *file);
int cfg_overrides_apply(struct cfg_ctx *c, struct cfg_node *root, const char *const *files);

/* secrets: and configs: (secrets.c). */
int cfg_read_file_objs(struct cfg_ctx *c, struct cfg_node *n, bool config,
		       struct cfg_file_obj **out, size_t *n_out);
int cfg_svc_read_secrets(struct cfg_ctx *c, struct cfg_node *n, void *obj);
int cfg_svc_read_configs(struct cfg_ctx *c, struct cfg_node *n, void *obj);
void cfg_stack_check_file_refs(struct cfg_ctx *c, const struct cfg_stack *st);
void cfg_file_refs_free(struct cfg_svc_file_ref *v, size_t n);
void cfg_file_objs_free(struct cfg_file_obj *v, size_t n);

/* Service, profile, network and alias names: letters, digits, '_', '.',
 * '-', starting with a letter or digit (syntax.c). */
bool cfg_name_ok(const char *v);
/* Syntax checks shared by the parts and validation (syntax.c). */
int cfg_parse_ipv4(const char *s, uint32_t *addr);
int cfg_parse_cidr4(const char *s, uint32_t *net, int *prefix);
int cfg_parse_ipv6(const char *s, unsigned char addr[16]);
/* A unicast MAC address "02:42:ac:11:00:02" into v (syntax.c). */
int cfg_read_mac(struct cfg_ctx *c, struct cfg_node *n, const char *key, struct cfg_str *v);
int cfg_parse_cidr6(const char *s, unsigned char addr[16], int *prefix);
bool cfg_ip6_in(const unsigned char a[16], const unsigned char net[16], int prefix);
/* a's offset in the window of net/prefix lxr allocates from (the first
 * 65536 addresses, or the whole of a /112 or narrower), -1 outside it. */
long cfg_ip6_slot(const unsigned char a[16], const unsigned char net[16], int prefix);
/* The same for IPv4 (net_ip_window_size's rule): the first 65536
 * addresses of a subnet wider than a /16, all of a narrower one. */
long cfg_ip4_slot(uint32_t a, uint32_t net, int prefix);
int cfg_parse_port_range(const char *s, int *start, int *end);

/* Cross-reference checks over the whole stack (validate.c). */
void cfg_stack_validate(struct cfg_ctx *c, struct cfg_stack *s);
/* depends_on cycles, each printed as "a -> b -> a" (cycles.c). */
void cfg_stack_check_cycles(struct cfg_ctx *c, struct cfg_stack *s);

/* A host path written at pos, absolute: a relative one is relative to the
 * project directory, or to the directory of the file it was written in (a
 * file `extends` or `include` read elsewhere), as compose-go resolves them;
 * ~ is $HOME. */
char *cfg_abs_path_at(struct cfg_ctx *c, struct cfg_pos pos, const char *p);
/* That directory: the project's, or the one of the file pos is in. */
const char *cfg_dir_at(const struct cfg_ctx *c, struct cfg_pos pos);
/* Lexically clean an absolute path ("//", ".", ".." resolved). */
char *cfg_clean_path(const char *p);
/* Absolute directory of the stack file (discover.c). */
char *cfg_stack_dir(const char *file, const char *cwd);
/* Project name from -p, `name:`, or the directory (discover.c). */
int cfg_stack_project(struct cfg_ctx *c, const struct cfg_load_opts *o, struct cfg_stack *st,
		      lxr_err *err);

#endif
