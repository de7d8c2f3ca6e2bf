/* lxr watch: compose's file watch. The services' develop.watch rules say
 * which host paths to watch and what a change there does: sync it into the
 * running containers, rebuild and recreate, restart, or sync and run a
 * command. inotify finds the changes; they are gathered until a quiet
 * period passes, filtered by the rules' patterns, and each action is one of
 * lxr's own commands (cp, exec, restart, up), run as a child, so the
 * supervisor does what it does for a user who typed them. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lxr/build.h"
#include "lxr/config.h"
#include "lxr/plan.h"

/* compose's: a batch is handled once no change came for this long */
#define QUIET_MS 500
#define MASK                                                                                       \
	(IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB |        \
	 IN_MODIFY | IN_ONLYDIR)

static const char usage_text[] =
    "usage: lxr watch [-f FILE] [-p NAME] [--no-up] [--quiet] [SERVICE...]\n"
    "\n"
    "Watch the paths the services' develop.watch rules name and act on each\n"
    "change, as docker compose watch does: sync copies what changed into every\n"
    "running container of the service at the rule's target (and removes there\n"
    "what was removed), rebuild builds its image again and recreates it (up -d\n"
    "--build --no-deps), restart restarts it, sync+restart and sync+exec sync\n"
    "and then restart it or run the rule's exec command in each container.\n"
    "The services are brought up first (up -d --build SERVICE...), and\n"
    "initial_sync rules copy their whole path once. Changes are gathered until\n"
    "0.5 s pass without one. Left out: what the rule's ignore patterns and the\n"
    "build context's .dockerignore match, .git, and editors' swap and backup\n"
    "files; with include patterns, all but what they match. A path a bind\n"
    "mount of the service already shares is not synced. Runs until Ctrl-C;\n"
    "the services stay up.\n"
    "\n"
    "  -f, --file FILE        the stack file (default: compose.yaml & co. here)\n"
    "  -p, --project-name N   the project (default: the stack file's)\n"
    "      --no-up            bring nothing up: watch the services as they are\n"
    "      --quiet            no output from builds and copies\n"
    "\n"
    "Example:\n"
    "  lxr watch\n"
    "  lxr watch --no-up web\n";

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

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* ---- running lxr's own commands ------------------------------------------ */

/* lxr [the stack's global options] ARGS...: its exit code */
/* quiet: 1 its output, 2 its errors too (a try whose failure is handled) */
static int lxr_cmd(const struct watch *w, int quiet, char *const *args)
{
	_cleanup_strv_ char **argv = cli_self_argv(w->file, w->project);
	pid_t pid;
	int st;

	for (size_t i = 0; args[i]; i++)
		lxr_strv_push(&argv, lxr_xstrdup(args[i]));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (null >= 0) {
			dup2(null, 0);
			if (quiet)
				dup2(null, 1);
			if (quiet > 1)
				dup2(null, 2);
		}
		execv(w->lxr, argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#define LXR(w, quiet, ...) lxr_cmd(w, quiet, (char *const[]){__VA_ARGS__, NULL})

/* The service's running instances (lxr's instance names) */
static char **running(const struct watch *w, const char *svc)
{
	char *const services[] = {(char *)svc, NULL};
	char **names = lxr_xcalloc(1, sizeof(char *));
	json_t *ps = NULL, *o;
	size_t i;

	if (cli_project_ps(w->file, w->project, services, &ps) != LXR_EXIT_OK)
		return names;
	json_array_foreach(ps, i, o)
	{
		const char *st = json_string_value(json_object_get(o, "state")) ?: "";
		const char *inst = json_string_value(json_object_get(o, "instance"));
		if (inst && (!strcmp(st, "running") || !strcmp(st, "healthy") ||
			     !strcmp(st, "unhealthy") || !strcmp(st, "starting")))
			lxr_strv_push(&names, lxr_xstrdup(inst));
	}
	json_decref(ps);
	return names;
}

static bool strv_has(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

static char *strv_join(char *const *v)
{
	char *out = lxr_xstrdup("");

	for (size_t i = 0; v && v[i]; i++) {
		char *t = lxr_xasprintf("%s%s%s", out, i ? ", " : "", v[i]);
		free(out);
		out = t;
	}
	return out;
}

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
static const char *below(const char *dir, const char *path)
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
	const char *rel = below(r->w->path, path), *base = strrchr(path, '/');
	const char *crel = r->context ? below(r->context, path) : NULL;

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
static bool takes(const struct rule *r, const char *path)
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
		if (takes(&w->rules[i], path))
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
		    below(s->volumes[i].source, path))
			return true;
	return false;
}

/* a build context on this host (not a git URL): its .dockerignore applies */
static bool local_context(const struct cfg_service *s)
{
	return s->build.set && s->build.context.v && s->build.context.v[0] == '/';
}

static bool syncs(enum cfg_watch_action a)
{
	return a == CFG_WATCH_SYNC || a == CFG_WATCH_SYNC_RESTART || a == CFG_WATCH_SYNC_EXEC;
}

/* The rules of the services chosen (SERVICE..., else those the profiles
 * enable), each checked as compose checks them. */
static int rules_load(struct watch *w, const struct cfg_stack *st, char **services)
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
			if (syncs(x->action) && bind_shared(s, x->path)) {
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

static void watch_paths(struct watch *w)
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
static void read_events(struct watch *w)
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

/* ---- actions ----------------------------------------------------------------- */

/* host path to the container's path under rule r */
static char *container_path(const struct rule *r, const char *path)
{
	const char *rel = below(r->w->path, path);
	return *rel ? lxr_xasprintf("%s/%s", r->w->target, rel) : lxr_xstrdup(r->w->target);
}

/* one path into (or out of) one container */
static void sync_one(const struct watch *w, const char *inst, const char *host, const char *ctr)
{
	_cleanup_free_ char *dest = lxr_xasprintf("%s:%s", inst, ctr);
	_cleanup_free_ char *dir = lxr_xstrdup(ctr), *src = NULL;
	struct stat st;
	char *slash = strrchr(dir, '/');

	if (slash)
		*slash = '\0';
	if (lstat(host, &st) < 0) { /* gone on the host: gone in the container */
		LXR(w, 2, "exec", "-T", (char *)inst, "rm", "-rf", (char *)ctr);
		return;
	}
	src = S_ISDIR(st.st_mode) ? lxr_xasprintf("%s/.", host) : lxr_xstrdup(host);
	if (LXR(w, 2, "cp", src, dest) == 0)
		return;
	/* its directory may not be there yet */
	LXR(w, 2, "exec", "-T", (char *)inst, "mkdir", "-p", *dir ? dir : "/");
	if (LXR(w, w->quiet, "cp", src, dest) != 0)
		fprintf(stderr, "lxr: warning: watch: could not copy %s to %s\n", host, dest);
}

/* What a directory copy covers needs no copy of its own. */
static bool covered(char *const *paths, const char *p)
{
	struct stat st;

	for (size_t i = 0; paths[i]; i++) {
		const char *rel = below(paths[i], p);
		if (rel && *rel && stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode))
			return true;
	}
	return false;
}

static void exec_rule(const struct watch *w, const struct rule *r, char *const *insts)
{
	for (size_t i = 0; insts[i]; i++) {
		_cleanup_strv_ char **args = NULL;
		const struct cfg_hook *x = &r->w->exec;

		lxr_strv_push(&args, lxr_xstrdup("exec"));
		lxr_strv_push(&args, lxr_xstrdup("-T"));
		if (x->user.v) {
			lxr_strv_push(&args, lxr_xstrdup("-u"));
			lxr_strv_push(&args, lxr_xstrdup(x->user.v));
		}
		if (x->working_dir.v) {
			lxr_strv_push(&args, lxr_xstrdup("-w"));
			lxr_strv_push(&args, lxr_xstrdup(x->working_dir.v));
		}
		if (x->privileged.v)
			lxr_strv_push(&args, lxr_xstrdup("--privileged"));
		for (size_t k = 0; k < x->environment.n; k++) {
			const struct cfg_kv *kv = &x->environment.v[k];
			if (!kv->value)
				continue;
			lxr_strv_push(&args, lxr_xstrdup("-e"));
			lxr_strv_push(&args, lxr_xasprintf("%s=%s", kv->key, kv->value));
		}
		lxr_strv_push(&args, lxr_xstrdup(insts[i]));
		for (size_t k = 0; k < x->command.argv.n; k++)
			lxr_strv_push(&args, lxr_xstrdup(x->command.argv.v[k].v));
		if (lxr_cmd(w, 0, args) != 0)
			fprintf(stderr, "lxr: warning: watch: %s's exec in %s failed\n",
				r->svc->name, insts[i]);
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
		} else if (!takes(r, sub)) {
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
static void expand(const struct rule *r, const char *path, char ***out)
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
/* compose's order: rebuilds, then syncs, then restarts, then execs */
static void handle(struct watch *w, char **paths, bool initial)
{
	_cleanup_strv_ char **rebuild = NULL, **restart = NULL;

	for (size_t i = 0; i < w->n_rules; i++) {
		const struct rule *r = &w->rules[i];
		bool hit = false;
		for (size_t k = 0; paths[k] && !hit; k++)
			hit = takes(r, paths[k]);
		if (!hit || initial)
			continue;
		if (r->w->action == CFG_WATCH_REBUILD && !strv_has(rebuild, r->svc->name))
			lxr_strv_push(&rebuild, lxr_xstrdup(r->svc->name));
		if ((r->w->action == CFG_WATCH_RESTART || r->w->action == CFG_WATCH_SYNC_RESTART) &&
		    !strv_has(restart, r->svc->name))
			lxr_strv_push(&restart, lxr_xstrdup(r->svc->name));
	}
	if (rebuild) {
		_cleanup_strv_ char **args = NULL;
		_cleanup_free_ char *names = strv_join(rebuild);
		printf("Rebuilding service(s) %s after changes were detected...\n", names);
		lxr_strv_push(&args, lxr_xstrdup("up"));
		lxr_strv_push(&args, lxr_xstrdup("-d"));
		lxr_strv_push(&args, lxr_xstrdup("--build"));
		lxr_strv_push(&args, lxr_xstrdup("--no-deps"));
		for (size_t i = 0; rebuild[i]; i++)
			lxr_strv_push(&args, lxr_xstrdup(rebuild[i]));
		if (lxr_cmd(w, w->quiet, args) == 0)
			printf("service(s) %s rebuilt and recreated\n", names);
		else
			fprintf(stderr, "lxr: warning: watch: rebuilding %s failed\n", names);
	}
	for (size_t i = 0; i < w->n_rules; i++) {
		const struct rule *r = &w->rules[i];
		_cleanup_strv_ char **insts = NULL, **mine = NULL;
		if (!syncs(r->w->action))
			continue;
		/* the rule's own path (initial_sync) is looked into file by file */
		for (size_t k = 0; paths[k]; k++)
			if (!strcmp(paths[k], r->w->path) || takes(r, paths[k]))
				expand(r, paths[k], &mine);
		if (!mine)
			continue;
		insts = running(w, r->svc->name);
		printf("Syncing service \"%s\" after %zu change%s %s\n", r->svc->name,
		       lxr_strv_len(mine), lxr_strv_len(mine) == 1 ? "" : "s",
		       initial ? "(initial sync)" : "were detected");
		for (size_t k = 0; mine[k]; k++) {
			_cleanup_free_ char *ctr = NULL;
			if (covered(mine, mine[k]))
				continue;
			ctr = container_path(r, mine[k]);
			for (size_t j = 0; insts[j]; j++)
				sync_one(w, insts[j], mine[k], ctr);
		}
		if (r->w->action == CFG_WATCH_SYNC_EXEC && !initial)
			exec_rule(w, r, insts);
	}
	if (restart) {
		_cleanup_strv_ char **args = NULL;
		_cleanup_free_ char *names = strv_join(restart);
		lxr_strv_push(&args, lxr_xstrdup("restart"));
		for (size_t i = 0; restart[i]; i++)
			lxr_strv_push(&args, lxr_xstrdup(restart[i]));
		if (lxr_cmd(w, 1, args) == 0)
			printf("service(s) %s restarted\n", names);
		else
			fprintf(stderr, "lxr: warning: watch: restarting %s failed\n", names);
	}
	fflush(stdout);
}

static void initial_sync(struct watch *w)
{
	for (size_t i = 0; i < w->n_rules; i++) {
		const struct rule *r = &w->rules[i];
		char *paths[] = {(char *)r->w->path, NULL};
		struct watch one = *w;

		if (!r->w->initial_sync || !syncs(r->w->action) || access(r->w->path, F_OK) < 0)
			continue;
		one.rules = &w->rules[i];
		one.n_rules = 1;
		handle(&one, paths, true);
	}
}

/* This runs in lxr-image (lxr stays small); the actions are lxr's */
static char *lxr_beside(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash, *path;

	if (n <= 0)
		return NULL;
	self[n] = '\0';
	slash = strrchr(self, '/');
	path = lxr_xasprintf("%.*s/lxr", slash ? (int)(slash - self) : 0, self);
	if (access(path, X_OK) == 0)
		return path;
	free(path);
	return NULL;
}

static int parse(int argc, char **argv, struct watch *w, bool *no_up)
{
	/* --env-file, --project-directory, --profile: lxr's global options,
	 * which lxr passes on as these (this runs in lxr-image) */
	static const struct option lo[] = {{"file", required_argument, NULL, 'f'},
					   {"project-name", required_argument, NULL, 'p'},
					   {"no-up", no_argument, NULL, 'N'},
					   {"quiet", no_argument, NULL, 'q'},
					   {"env-file", required_argument, NULL, 'E'},
					   {"project-directory", required_argument, NULL, 'D'},
					   {"profile", required_argument, NULL, 'P'},
					   {"help", no_argument, NULL, 'h'},
					   {NULL, 0, NULL, 0}};
	int c;

	cli_globals_apply(&w->file, &w->project);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+f:p:h", lo, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cli_set_file(&w->file, optarg) < 0)
				return -1;
			break;
		case 'p': w->project = optarg; break;
		case 'N': *no_up = true; break;
		case 'E': cli_globals.env_file = optarg; break;
		case 'D': cli_globals.project_dir = optarg; break;
		case 'P': lxr_strv_push(&cli_globals.profiles, lxr_xstrdup(optarg)); break;
		case 'q': w->quiet = true; break;
		case 'h': fputs(usage_text, stdout); return 1;
		default: cli_bad_option(argv[optind - 1], lo, usage_text); return -1;
		}
	}
	return 0;
}

int cmd_watch(int argc, char **argv)
{
	struct watch w = {.fd = -1};
	struct cfg_stack *st = NULL;
	struct sigaction sa = {.sa_handler = on_signal};
	bool no_up = false;
	int r = parse(argc, argv, &w, &no_up);

	if (r != 0)
		return r > 0 ? LXR_EXIT_OK : LXR_EXIT_USAGE;
	if (!(w.lxr = lxr_beside())) {
		fputs("lxr: error: watch: no lxr beside lxr-image (/proc/self/exe's directory)\n"
		      "lxr: hint: install lxr and lxr-image in one directory\n",
		      stderr);
		return LXR_EXIT_FAIL;
	}
	if ((r = cli_stack_open(w.file, w.project, &st)) != LXR_EXIT_OK) {
		free(w.lxr);
		return r;
	}
	w.project = st->project;
	if (rules_load(&w, st, argv + optind) < 0) {
		r = LXR_EXIT_USAGE;
		goto out;
	}
	if (!no_up) {
		_cleanup_strv_ char **args = NULL;
		lxr_strv_push(&args, lxr_xstrdup("up"));
		lxr_strv_push(&args, lxr_xstrdup("-d"));
		lxr_strv_push(&args, lxr_xstrdup("--build"));
		for (int i = optind; i < argc; i++)
			lxr_strv_push(&args, lxr_xstrdup(argv[i]));
		if (lxr_cmd(&w, w.quiet, args) != 0) {
			r = LXR_EXIT_FAIL;
			goto out;
		}
	}
	w.fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (w.fd < 0) {
		fprintf(stderr, "lxr: error: watch: inotify_init1: %s\n", strerror(errno));
		r = LXR_EXIT_FAIL;
		goto out;
	}
	/* watched before the initial sync: nothing changed during it is lost */
	watch_paths(&w);
	initial_sync(&w);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf("Watch enabled\n");
	fflush(stdout);
	while (!stop) {
		struct pollfd p = {w.fd, POLLIN, 0};
		int n = poll(&p, 1, w.batch ? QUIET_MS : -1);
		if (n > 0) {
			read_events(&w);
			continue;
		}
		if (n < 0 || !w.batch)
			continue;
		/* quiet for QUIET_MS: the batch is whole */
		char **batch = w.batch;
		w.batch = NULL;
		handle(&w, batch, false);
		lxr_strv_free(batch);
	}
	printf("Watch disabled\n");
	r = LXR_EXIT_OK;
out:
	for (size_t i = 0; i < w.n_rules; i++) {
		bld_ignore_free(&w.rules[i].ignore);
		bld_ignore_free(&w.rules[i].include);
		bld_ignore_free(&w.rules[i].dockerignore);
	}
	free(w.rules);
	for (size_t i = 0; i < w.n_wds; i++)
		free(w.wds[i].dir);
	free(w.wds);
	lxr_strv_free(w.batch);
	if (w.fd >= 0)
		close(w.fd);
	cfg_stack_free(st);
	free(w.lxr);
	return r;
}
