/* lxr config's command line (cmd_config.c) and what it prints beside the
 * normalized model (config_views.c): the variables the file names, the
 * environment it is interpolated from, the services' hashes, and images
 * pinned to their digests. */
#ifndef LXR_CLI_CONFIG_VIEWS_H
#define LXR_CLI_CONFIG_VIEWS_H

#include <stdbool.h>
#include <stdio.h>

#include "lxr/config.h"
#include "lxr/plan.h"

/* compose's one-name-a-line listings */
enum config_list {
	LIST_NONE,
	LIST_IMAGES,
	LIST_VOLUMES,
	LIST_NETWORKS,
	LIST_MODELS,
	LIST_PROFILES
};

struct config_args {
	const char *file, *project;
	enum cfg_format format;
	bool format_given; /* --format: --variables' table otherwise */
	bool table;        /* --format table (--variables only) */
	bool services, graph, quiet;
	enum config_list list;
	const char *output; /* -o FILE */
	char **profiles;
	char **targets;
	bool no_interpolate, no_normalize;
	bool no_paths, no_env, no_consistency; /* taken where a view keeps them */
	bool variables, environment;
	const char *hash; /* --hash SERVICE,...|* */
	bool resolve_digests, lock_digests;
};

/* --variables: compose's table (NAME, REQUIRED, DEFAULT VALUE, ALTERNATE
 * VALUE), or --format json|yaml; st loaded with CFG_VIEW_AS_WRITTEN. */
int config_print_variables(const struct config_args *a, const struct cfg_stack *st, FILE *out);
/* --hash: "SERVICE HASH" lines in name order (sup_service_hash); each
 * service it cannot hash is said on stderr and makes it fail. */
int config_print_hashes(const struct config_args *a, const struct cfg_stack *st, FILE *out);
/* --resolve-image-digests: each image of g's services (a service's
 * image:, not a directory) pinned to the digest of the one in the store,
 * NAME[:TAG]@sha256:...; -1 after saying which is not here. */
int config_resolve_digests(struct cfg_stack *st, const struct plan_graph *g);
/* --lock-image-digests: only those images, as an override file would
 * hold them (services: NAME: image: REF) */
int config_print_locked(const struct config_args *a, const struct plan_graph *g, FILE *out);

#endif
