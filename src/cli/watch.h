/* lxr watch's state and its rules (cmd_watch.c runs the command and the
 * actions; watch_rules.c reads the rules and turns inotify's events into
 * the paths they take). Internal to those two files. */
#ifndef LXR_CLI_WATCH_H
#define LXR_CLI_WATCH_H

#include <stdbool.h>

#include "lxr/build.h"
#include "lxr/config.h"

struct rule {
	const struct cfg_service *svc;
	const struct cfg_watch *w;
	struct bld_ignore ignore, include, dockerignore;
	const char *context; /* the service's build context: its .dockerignore applies below */
};

struct watch {
	const char *file, *project;
	char *lxr; /* the lxr beside this lxr-image: what runs the actions */
	bool quiet;
	bool keep_dangling; /* --prune=false: a rebuild's old image stays */
	struct rule *rules;
	size_t n_rules;
	int fd;
	struct {
		int wd;
		char *dir;
	} * wds;
	size_t n_wds;
	char **batch; /* changed paths, each once */
};

/* sync, sync+restart, sync+exec: the actions that copy */
static inline bool watch_syncs(enum cfg_watch_action a)
{
	return a == CFG_WATCH_SYNC || a == CFG_WATCH_SYNC_RESTART || a == CFG_WATCH_SYNC_EXEC;
}

/* path below (or at) dir: what follows dir's '/', "" at dir itself; NULL
 * when outside */
const char *watch_below(const char *dir, const char *path);
/* A change rule r acts on */
bool watch_takes(const struct rule *r, const char *path);
/* The rules of the services chosen (SERVICE..., else those the profiles
 * enable), each checked as compose checks them; -1 after saying why. */
int watch_rules_load(struct watch *w, const struct cfg_stack *st, char **services);
void watch_rules_free(struct watch *w);
/* inotify watches on the rules' paths (w->fd open) */
void watch_paths(struct watch *w);
/* What inotify has: the changes a rule takes join w->batch */
void watch_read_events(struct watch *w);
/* What rule r copies for path: a directory whole when nothing below it is
 * left out, else its files one by one; anything else as it is */
void watch_expand(const struct rule *r, const char *path, char ***out);

#endif
