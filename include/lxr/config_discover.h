/* lxr config layer: finding a project's stack file and name as compose
 * does (src/config/discover.c). */
#ifndef LXR_CONFIG_DISCOVER_H
#define LXR_CONFIG_DISCOVER_H

#include "lxr/util.h"

/* Compose's file discovery in dir: compose.yaml, compose.yml,
 * docker-compose.yaml, docker-compose.yml. *out is malloc'd "dir/name". */
int cfg_find_stack_file(const char *dir, char **out, lxr_err *err);
/* The override file compose merges over a found stack file: the first of
 * compose.override.yaml/.yml, docker-compose.override.yaml/.yml beside
 * it, or NULL. */
char *cfg_find_override(const char *stack_file);
/* KEY's value in the .env file at path, or NULL (no file, not set, empty,
 * or the file does not parse: its load reports that). Caller frees. For
 * COMPOSE_FILE, which Compose also takes from the working directory's .env. */
char *cfg_dotenv_file_get(const char *path, const char *key);
/* KEY's value in the env files at paths, read in order as the loader reads
 * --env-files (the environment's variables, then the earlier files', in
 * their values; a later file's value wins, an empty one too), or NULL: not
 * set in any (a file that is missing or does not parse adds nothing: its
 * load reports that). Caller frees. */
char *cfg_dotenv_files_get(char *const *paths, const char *key);
/* Compose's project-name rule: lowercase, keep [a-z0-9_-], must start with a
 * letter or digit. NULL when nothing is left. Caller frees. */
char *cfg_project_name_normalize(const char *raw);

#endif
