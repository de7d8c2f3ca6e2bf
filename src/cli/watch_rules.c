/* lxr watch's rules: read from develop.watch and checked, matched against
 * paths (ignore and include patterns, the build context's .dockerignore,
 * what compose always leaves out), and the inotify watches that find the
 * changes they take. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/watch.h"
#include "lxr/plan.h"

#define MASK                                                                                       \
	(IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB |        \
	 IN_MODIFY | IN_ONLYDIR)

/* ---- which changes a rule takes ------------------------------------------- */

/* compose's ephemeral files: editors' swap, backup and lock files */
static bool ephemeral(const char *base)
{
	static const char *const pats[] = {
	    "*___jb_old___", "*___jb_tmp___", ".#*",    "#*#",    "4913",        "*~",
	    ".*.swp",        ".*.swx",        ".*.swo", ".*.swn", ".*.kate-swp", "*-go-tmp-umask",
	};
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
		if (bld_glob_match(pats[i], base, false))
			return true;
	return false;
}

static bool has_component(const char *rel, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = rel; p; p = strchr(p, '/') ? strchr(p, '/') + 1 : NULL)
		if (!strncmp(p, name, n) && (p[n] == '/' || !p[n]))
			return true;
	return false;
}

/* path below (or at) dir: what follows dir's '/', "" at dir itself; NULL
 * when outside */
const char *watch_below(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	if (strncmp(path, dir, n))
		return NULL;
	if (!path[n])
		return "";
	return path[n] == '/' ? path + n + 1 : NULL;
}

/* What the rule leaves out of path wherever it is: ephemeral files, .git,
 * its ignore patterns, the build context's .dockerignore. rel: path below
 * the rule's path ("" at the path itself: then its name). */
static bool ignored(const struct rule *r, const char *path, const char **rel_out)
{
	const char *rel = watch_below(r->w->path, path), *base = strrchr(path, '/');
	const char *crel = r->context ? watch_below(r->context, path) : NULL;

	if (!rel)
		return true;
	base = base ? base + 1 : path;
	if (!*rel)
		rel = base;
	if (rel_out)
		*rel_out = rel;
	if (ephemeral(base) || has_component(rel, ".git") || has_component(rel, ".idea"))
		return true;
	if (bld_ignore_match(&r->ignore, rel))
		return true;
	return crel && *crel && bld_ignore_match(&r->dockerignore, crel);
}

/* A change rule r acts on: not left out, and matched by its include
 * patterns when it has any */
bool watch_takes(const struct rule *r, const char *path)
{
	const char *rel;

	if (ignored(r, path, &rel))
		return false;
	return !r->include.n || bld_ignore_match(&r->include, rel);
}

/* any rule's */
static bool taken(const struct watch *w, const char *path)
{
	for (size_t i = 0; i < w->n_rules; i++)
		if (watch_takes(&w->rules[i], path))
			return true;
	return false;
}

/* A directory some rule looks into: below its path and not left out */
static bool looked_into(const struct watch *w, const char *dir)
{
	for (size_t i = 0; i < w->n_rules; i++)
		if (!ignored(&w->rules[i], dir, NULL))
			return true;
	return false;
}

static bool is_dir(int dirfd, const struct dirent *e)
{
	struct stat st;

	if (e->d_type != DT_UNKNOWN)
		return e->d_type == DT_DIR;
	return fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

static int patterns(const char *name, const struct cfg_strs *v, struct bld_ignore *out,
		    lxr_err *err)
{
	_cleanup_free_ char *text = lxr_xstrdup("");

	for (size_t i = 0; i < v->n; i++) {
		char *t = lxr_xasprintf("%s%s\n", text, v->v[i].v);
		free(text);
		text = t;
	}
	return bld_ignore_parse(name, text, strlen(text), out, err);
}

static int dockerignore(const char *context, struct bld_ignore *out, lxr_err *err)
{
	_cleanup_free_ char *path = lxr_xasprintf("%s/.dockerignore", context), *text = NULL;
	size_t len = 0;

	if (lxr_read_file_at(AT_FDCWD, path, &text, &len, err) < 0)
		return err->errnum == ENOENT ? 0 : -1;
	return bld_ignore_parse(path, text, len, out, err);
}

/* A sync rule's path shared already by a bind mount of the service */
static bool bind_shared(const struct cfg_service *s, const char *path)
{
	for (size_t i = 0; i < s->n_volumes; i++)
		if (s->volumes[i].type == CFG_MOUNT_BIND && s->volumes[i].source &&
		    watch_below(s->volumes[i].source, path))
			return true;
	return false;
}

/* a build context on this host (not a git URL): its .dockerignore applies */
static bool local_context(const struct cfg_service *s)
{
	return s->build.set && s->build.context.v && s->build.context.v[0] == '/';
}

/* The rules of the services chosen (SERVICE..., else those the profiles
 * enable), each checked as compose checks them. */
int watch_rules_load(struct watch *w, const struct cfg_stack *st, char **services)
{
	_cleanup_strv_ char **profiles = NULL;
	struct plan_graph *g = NULL;
	lxr_err err;

	cli_globals_profiles(&profiles);
	cli_profiles_default(&profiles, w->file);
	struct plan_select sel = {(const char *const *)profiles, (const char *const *)services,
				  true, false};
	if (plan_graph_build(st, &sel, &g, &err) < 0) {
		lxr_err_print(&err);
		return -1;
	}
	w->rules = lxr_xcalloc(1, sizeof(*w->rules));
	for (size_t i = 0; i < g->n; i++) {
		const struct cfg_service *s = g->nodes[i].svc;
		for (size_t k = 0; k < s->n_watch; k++) {
			const struct cfg_watch *x = &s->watch[k];
			struct rule r = {s, x, {0}, {0}, {0}, NULL};
			const char *why = NULL, *hint = NULL;
			if (x->action == CFG_WATCH_REBUILD && !s->build.set)
				why = "rebuild needs a build section",
				hint = "add build: or use sync";
			if (x->action == CFG_WATCH_SYNC_EXEC && !x->exec.command.argv.n)
				why = "sync+exec needs exec.command",
				hint = "add exec: {command: [...]} to the rule, or use sync";
			if (why) {
				fprintf(stderr,
					"lxr: error: %s:%d: service \"%s\": develop.watch: action "
					"%s\nlxr: hint: %s\n",
					x->pos.file, x->pos.line, s->name, why, hint);
				plan_graph_free(g);
				return -1;
			}
			if (watch_syncs(x->action) && bind_shared(s, x->path)) {
				fprintf(
				    stderr,
				    "lxr: warning: service \"%s\": %s is also a bind mount of the "
				    "service: not watched\n",
				    s->name, x->path);
				continue;
			}
			if (patterns("develop.watch ignore", &x->ignore, &r.ignore, &err) < 0 ||
			    patterns("develop.watch include", &x->include, &r.include, &err) < 0 ||
			    (local_context(s) &&
			     dockerignore(s->build.context.v, &r.dockerignore, &err) < 0)) {
				lxr_err_print(&err);
				bld_ignore_free(&r.ignore);
				bld_ignore_free(&r.include);
				bld_ignore_free(&r.dockerignore);
				plan_graph_free(g);
				return -1;
			}
			r.context = local_context(s) ? s->build.context.v : NULL;
			w->rules = lxr_xrealloc(w->rules, (w->n_rules + 1) * sizeof(*w->rules));
			w->rules[w->n_rules++] = r;
		}
	}
	plan_graph_free(g);
	if (!w->n_rules) {
		fputs("lxr: error: watch: none of the services chosen has develop.watch rules\n"
		      "lxr: hint: add develop.watch to a service (docs/stack-file.md)\n",
		      stderr);
		return -1;
	}
	return 0;
}

/* ---- inotify --------------------------------------------------------------- */

static void batch_add(struct watch *w, const char *path)
{
	for (size_t i = 0; w->batch && w->batch[i]; i++)
		if (!strcmp(w->batch[i], path))
			return;
	lxr_strv_push(&w->batch, lxr_xstrdup(path));
}

/* dir and, with recursive, the directories below it that a rule looks
 * into; with report, each path found there that a rule takes is a change
 * (a directory that appeared: its files may predate the watch) */
static void watch_dir(struct watch *w, const char *dir, bool recursive, bool report, int depth)
{
	int wd = inotify_add_watch(w->fd, dir, MASK);
	DIR *d;
	struct dirent *e;
	size_t known = w->n_wds;

	if (wd < 0) {
		if (errno == ENOSPC)
			fprintf(stderr,
				"lxr: warning: watch %s: inotify's limit of watches is reached\n"
				"lxr: hint: raise it: sysctl fs.inotify.max_user_watches=524288\n",
				dir);
		return;
	}
	for (size_t i = 0; i < w->n_wds; i++)
		if (w->wds[i].wd == wd)
			known = i;
	if (known < w->n_wds && strcmp(w->wds[known].dir, dir)) {
		/* the inode the watch follows was moved here: it and the
		 * directories below it are known by their old path */
		_cleanup_free_ char *old = w->wds[known].dir;
		size_t n = strlen(old);
		w->wds[known].dir = lxr_xstrdup(dir);
		for (size_t i = 0; i < w->n_wds; i++)
			if (!strncmp(w->wds[i].dir, old, n) && w->wds[i].dir[n] == '/') {
				char *moved = lxr_xasprintf("%s%s", dir, w->wds[i].dir + n);
				free(w->wds[i].dir);
				w->wds[i].dir = moved;
			}
	} else if (known == w->n_wds) {
		w->wds = lxr_xrealloc(w->wds, (w->n_wds + 1) * sizeof(*w->wds));
		w->wds[w->n_wds].wd = wd;
		w->wds[w->n_wds++].dir = lxr_xstrdup(dir);
	}
	if (!recursive || depth > 64 || !(d = opendir(dir)))
		return;
	while ((e = readdir(d))) {
		_cleanup_free_ char *sub = NULL;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		sub = lxr_xasprintf("%s/%s", dir, e->d_name);
		if (report && taken(w, sub))
			batch_add(w, sub);
		if (is_dir(dirfd(d), e) && looked_into(w, sub))
			watch_dir(w, sub, true, report, depth + 1);
	}
	closedir(d);
}

static const char *wd_dir(const struct watch *w, int wd)
{
	for (size_t i = 0; i < w->n_wds; i++)
		if (w->wds[i].wd == wd)
			return w->wds[i].dir;
	return NULL;
}

static void wd_drop(struct watch *w, int wd)
{
	for (size_t i = 0; i < w->n_wds; i++)
		if (w->wds[i].wd == wd) {
			free(w->wds[i].dir);
			w->wds[i] = w->wds[--w->n_wds];
			return;
		}
}

void watch_paths(struct watch *w)
{
	for (size_t i = 0; i < w->n_rules; i++) {
		const char *p = w->rules[i].w->path;
		struct stat st;
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = !strcmp(w->rules[k].w->path, p);
		if (seen)
			continue;
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			watch_dir(w, p, true, false, 0);
		} else { /* a file, or not there yet: its directory */
			_cleanup_free_ char *dir = lxr_xstrdup(p);
			char *slash = strrchr(dir, '/');
			if (slash && slash != dir)
				*slash = '\0';
			watch_dir(w, dir, false, false, 0);
		}
	}
}

/* What inotify has: the changes a rule takes join the batch (the others
 * do not hold it back), a directory that appeared is watched too. */
void watch_read_events(struct watch *w)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n = read(w->fd, buf, sizeof(buf));

	for (char *p = buf; n > 0 && p < buf + n;) {
		const struct inotify_event *ev = (const struct inotify_event *)p;
		const char *dir = wd_dir(w, ev->wd);
		p += sizeof(*ev) + ev->len;
		if (ev->mask & IN_Q_OVERFLOW)
			fputs("lxr: warning: watch: too many changes at once; some were missed\n",
			      stderr);
		if (ev->mask & IN_IGNORED) { /* its directory is gone */
			wd_drop(w, ev->wd);
			continue;
		}
		if (!dir || !ev->len)
			continue;
		_cleanup_free_ char *path = lxr_xasprintf("%s/%s", dir, ev->name);
		if (taken(w, path))
			batch_add(w, path);
		if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO)) &&
		    looked_into(w, path))
			watch_dir(w, path, true, true, 0);
	}
}

/* The files below dir rule r takes; *excluded when it left any out. A
 * directory is looked into unless left out (include patterns name files,
 * as compose matches them). */
static void walk(const struct rule *r, const char *dir, char ***out, bool *excluded, int depth)
{
	DIR *d = depth < 64 ? opendir(dir) : NULL;
	struct dirent *e;

	while (d && (e = readdir(d))) {
		_cleanup_free_ char *sub = NULL;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		sub = lxr_xasprintf("%s/%s", dir, e->d_name);
		if (is_dir(dirfd(d), e)) {
			if (ignored(r, sub, NULL))
				*excluded = true;
			else
				walk(r, sub, out, excluded, depth + 1);
		} else if (!watch_takes(r, sub)) {
			*excluded = true;
		} else {
			lxr_strv_push(out, lxr_steal_ptr(&sub));
		}
	}
	if (d)
		closedir(d);
}

/* What rule r copies for path: a directory whole when nothing below it is
 * left out, else its files one by one; anything else as it is */
void watch_expand(const struct rule *r, const char *path, char ***out)
{
	_cleanup_strv_ char **files = NULL;
	struct stat st;
	bool excluded = false;

	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		lxr_strv_push(out, lxr_xstrdup(path));
		return;
	}
	walk(r, path, &files, &excluded, 0);
	if (!excluded) {
		lxr_strv_push(out, lxr_xstrdup(path));
		return;
	}
	for (size_t i = 0; files && files[i]; i++)
		lxr_strv_push(out, lxr_steal_ptr(&files[i]));
}

/* initial_sync: each such rule's path once, whole when none of it is left
 * out, else file by file */
void watch_rules_free(struct watch *w)
{
	for (size_t i = 0; i < w->n_rules; i++) {
		bld_ignore_free(&w->rules[i].ignore);
		bld_ignore_free(&w->rules[i].include);
		bld_ignore_free(&w->rules[i].dockerignore);
	}
	free(w->rules);
	for (size_t i = 0; i < w->n_wds; i++)
		free(w->wds[i].dir);
	free(w->wds);
}
