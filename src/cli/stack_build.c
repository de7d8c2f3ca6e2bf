/* A stack's `build:`s, run in the CLI process before anything starts:
 * `lxr build [SERVICE...]` (compose's build) and the images `lxr up` needs.
 * Compose's rules (its create and build): a service with build: and no
 * image: is built when <project>-<service> is missing, always with up
 * --build or pull_policy: build, never with --no-build; one with both is
 * pulled as its pull_policy says, and built when that fails. The
 * supervisor then only resolves the image (supervisor/tables.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lxr/build.h"
#include "lxr/config.h"
#include "lxr/image.h"
#include "lxr/plan.h"

/* --build-arg K=V over build.args; K alone takes the environment's value
 * (unset there: not given), as docker compose does. */
static void args_over(char ***args, char *const *over)
{
	for (size_t i = 0; over && over[i]; i++) {
		const char *eq = strchr(over[i], '=');
		if (eq) {
			_cleanup_free_ char *k = lxr_xstrndup(over[i], (size_t)(eq - over[i]));
			bld_env_set(args, k, eq + 1);
		} else if (getenv(over[i])) {
			bld_env_set(args, over[i], getenv(over[i]));
		}
	}
}

static const char *dockerfile_of(const struct bld_request *rq)
{
	if (rq->dockerfile_text)
		return "dockerfile_inline";
	if (rq->dockerfile)
		return rq->dockerfile;
	return rq->dockerfile_in_context ? rq->dockerfile_in_context : "Dockerfile";
}

/* The builder's output on stderr (stdout is the caller's: compose's build
 * writes none there); with quiet, nowhere: what went wrong is in err */
static int build_redirected(struct bld_request *rq, bool quiet, lxr_err *err)
{
	int saved[2] = {-1, -1}, fds[2] = {STDOUT_FILENO, STDERR_FILENO};
	int to = quiet ? open("/dev/null", O_WRONLY | O_CLOEXEC) : STDERR_FILENO;
	int r = to < 0 ? lxr_fail(err, errno, "build: open /dev/null") : 0;

	fflush(stdout);
	fflush(stderr);
	for (int i = 0; i < (quiet ? 2 : 1) && r == 0; i++) {
		saved[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
		if (saved[i] < 0 || dup2(to, fds[i]) < 0)
			r = lxr_fail(err, errno, "build: redirect its output");
	}
	if (r == 0)
		r = cli_build_run(rq, err);
	fflush(stdout);
	fflush(stderr);
	for (int i = 0; i < 2; i++)
		if (saved[i] >= 0) {
			dup2(saved[i], fds[i]);
			close(saved[i]);
		}
	if (quiet && to >= 0)
		close(to);
	return r;
}

/* One service's image. stdout stays the command's own (up's table, build
 * -q): the builder's output, the image ID included, goes to stderr. */
static int build_one(const struct cfg_stack *st, const struct cfg_service *svc,
		     const struct cli_build_over *o)
{
	struct bld_request rq;
	_cleanup_strv_ char **warnings = NULL;
	lxr_err err = {0};
	int r;

	if (bld_request_from_service(st, svc, &rq, &warnings, &err) < 0) {
		lxr_err_print(&err);
		return -1;
	}
	for (size_t i = 0; warnings && warnings[i]; i++)
		fprintf(stderr, "lxr: warning: %s\n", warnings[i]);
	args_over((char ***)&rq.build_args, o->build_args);
	rq.no_cache |= o->no_cache;
	rq.pull |= o->pull;
	rq.memory = o->memory;
	rq.check = o->check;
	if (o->check) { /* its stages on stdout, the command's output */
		printf("service %s: %s (context %s)\n", svc->name, dockerfile_of(&rq), rq.context);
		fflush(stdout);
		r = cli_build_run(&rq, &err);
		if (r < 0) {
			lxr_err_wrap(&err, "service \"%s\": build --check", svc->name);
			lxr_err_print(&err);
		}
		bld_request_free(&rq);
		return r;
	}
	if (o->dry_run) {
		printf("dry run: would build service \"%s\": image %s from %s%s%s\n", svc->name,
		       svc->build_image, rq.context, rq.dockerfile_text ? " with " : "",
		       rq.dockerfile_text ? "dockerfile_inline" : "");
		bld_request_free(&rq);
		return 0;
	}
	if (!o->quiet)
		fprintf(stderr, "[+] Building service %s: image %s from %s\n", svc->name,
			svc->build_image, dockerfile_of(&rq));
	r = build_redirected(&rq, o->quiet, &err);
	if (r < 0) {
		lxr_err_wrap(&err, "service \"%s\": build", svc->name);
		lxr_err_print(&err);
	} else if (!o->quiet) {
		fprintf(stderr, " Service %s  Built\n", svc->name);
	}
	bld_request_free(&rq);
	return r;
}

static int present(struct img_store **store, const char *ref, bool dry_run, lxr_err *err);

/* The services whose images want[] says (indexes of st->services), each
 * after the services its additional_contexts name (service:NAME: their
 * images are its COPY --from sources), as compose orders them; such a
 * service not wanted is built too when its image is missing. state: 0
 * not seen, 1 building (a cycle stops there), 2 done. */
struct build_set {
	const struct cfg_stack *st;
	const bool *want;
	char *state;
	const struct cli_build_over *o;
};

static int build_in_order(struct build_set *b, size_t i)
{
	const struct cfg_service *svc = &b->st->services[i];
	const struct cfg_kvs *ac = &svc->build.additional_contexts;

	if (b->state[i])
		return 0;
	b->state[i] = 1;
	for (size_t k = 0; k < ac->n; k++) {
		const struct cfg_service *t = NULL;
		if (lxr_str_has_prefix(ac->v[k].value, "service:"))
			t = cfg_stack_service(b->st, ac->v[k].value + strlen("service:"));
		size_t j = t ? (size_t)(t - b->st->services) : 0;
		if (!t || !t->build.set || b->state[j])
			continue;
		if (!b->want[j]) {
			struct img_store *store = NULL;
			lxr_err err = {0};
			int have = present(&store, cfg_service_image(t), b->o->dry_run, &err);
			img_store_close(store);
			if (have < 0) {
				lxr_err_print(&err);
				return -1;
			}
			if (have)
				continue;
		}
		if (build_in_order(b, j) < 0)
			return -1;
	}
	b->state[i] = 2;
	/* wanted, or named by one wanted whose image is missing */
	return build_one(b->st, svc, b->o);
}

static int build_set(const struct cfg_stack *st, const bool *want, const struct cli_build_over *o)
{
	struct build_set b = {st, want, lxr_xcalloc(st->n_services + 1, 1), o};
	int r = 0;

	/* compose builds them in parallel; lxr one by one, in the file's
	 * order (a failure stops the rest) */
	for (size_t i = 0; i < st->n_services && r == 0; i++)
		if (want[i])
			r = build_in_order(&b, i);
	free(b.state);
	return r;
}

/* The services a build chooses, into *g: those named (which enables
 * them; with_deps, what they depend on too), else those the active
 * profiles enable (compose builds the
 * project's services, which its profiles choose); each checked as up
 * checks it (a bad reference in a service with profiles) */
static int enabled_services(const struct cfg_stack *st, char *const *services, bool with_deps,
			    struct plan_graph **g)
{
	_cleanup_strv_ char **profiles = NULL;
	struct plan_select sel = {0};
	lxr_err err;

	cli_globals_profiles(&profiles);
	cli_profiles_default(&profiles, NULL);
	sel.profiles = (const char *const *)profiles;
	sel.targets = services && services[0] ? (const char *const *)services : NULL;
	sel.no_deps = !with_deps;
	if (plan_graph_build(st, &sel, g, &err) < 0)
		return lxr_err_print(&err), -1;
	return 0;
}

/* build --push: the images of the services built that have image: (a
 * service without one is <project>-<service>, a name of this host only),
 * as compose's bake pushes them */
static int push_built(const struct cfg_stack *st, const bool *want, const struct cli_build_over *o)
{
	_cleanup_strv_ char **names = NULL;
	struct cli_push_how how = {.quiet = o->quiet, .dry_run = o->dry_run};

	for (size_t i = 0; i < st->n_services; i++)
		if (want[i] && st->services[i].image.v)
			lxr_strv_push(&names, lxr_xstrdup(st->services[i].name));
	if (!names)
		return 0;
	return cli_push_services(st, names, &how) == LXR_EXIT_OK ? 0 : -1;
}

int cli_stack_build(const struct cfg_stack *st, char *const *services,
		    const struct cli_build_over *o)
{
	bool *want = lxr_xcalloc(st->n_services + 1, sizeof(bool));
	struct plan_graph *g = NULL;
	int r;

	for (size_t i = 0; services && services[i]; i++)
		if (!cfg_stack_service(st, services[i])) {
			fprintf(stderr, "lxr: error: build: no such service: %s\n", services[i]);
			free(want);
			return LXR_EXIT_USAGE;
		}
	if (enabled_services(st, services, o->with_deps, &g) < 0) {
		free(want);
		return LXR_EXIT_USAGE;
	}
	for (size_t i = 0; i < st->n_services; i++)
		want[i] =
		    st->services[i].build.set && plan_graph_find(g, st->services[i].name) >= 0;
	plan_graph_free(g);
	r = build_set(st, want, o);
	if (r == 0 && o->push && !o->check)
		r = push_built(st, want, o);
	free(want);
	return r < 0 ? LXR_EXIT_FAIL : LXR_EXIT_OK;
}

/* Whether ref is in the store: 1, 0, or -1 with err. A dry run writes
 * nothing, so a data directory without images is not made. */
static int present(struct img_store **store, const char *ref, bool dry_run, lxr_err *err)
{
	_cleanup_free_ char *images = lxr_xasprintf("%s/images", lxr_data_dir());
	struct img_image im = {0};

	if (dry_run && access(images, F_OK) < 0)
		return 0;
	if (!*store && img_store_open(lxr_data_dir(), store, err) < 0)
		return -1;
	if (img_resolve(*store, ref, &im, err) == 0) {
		img_image_free(&im);
		return 1;
	}
	return err->errnum == ENOENT ? 0 : lxr_err_wrap(err, "image %s", ref);
}

/* What up does for one service with build:: 1 build, 0 nothing, -1 failed
 * (said). A service with image: is pulled here as its policy says. */
static int up_decide(const struct cfg_service *svc, const struct cli_up_build *u,
		     struct img_store **store)
{
	const char *pp = svc->pull_policy.v;
	const char *ref = cfg_service_image(svc);
	int policy = u->pull ? u->pull - 1 : pp ? img_pull_policy_parse(pp) : IMG_PULL_MISSING;
	lxr_err err = {0};
	int have;

	if (svc->image_is_path) /* lxr's root filesystem directory: nothing to build */
		return 0;
	if (policy < 0) /* "build", or periodic (below) */
		policy = IMG_PULL_MISSING;
	if (!u->no_build && (u->build || (pp && !strcmp(pp, "build"))))
		return 1;
	have = present(store, ref, u->dry_run, &err);
	if (have < 0)
		goto fail;
	/* daily, weekly, every_<d>: pulled as always when the tag is that old */
	if (!u->pull && svc->pull_every_us && have > 0)
		policy = img_pull_due(*store, ref, svc->pull_every_us);
	if (!svc->image.v) {
		if (have || !u->no_build)
			return !have;
		lxr_fail(&err, ENOENT, "service \"%s\": image %s is not built", svc->name, ref);
		lxr_err_hint(&err, "up --no-build builds nothing: run `lxr build %s` first",
			     svc->name);
		goto fail;
	}
	/* image: and build:: compose pulls first, and builds what it could
	 * not pull (unless --no-build) */
	if (policy == IMG_PULL_NEVER || (policy == IMG_PULL_MISSING && have))
		return !have && !u->no_build;
	if (u->dry_run) {
		printf("dry run: would pull %s for service \"%s\"%s\n", ref, svc->name,
		       u->no_build ? "" : " (and build it if the pull fails)");
		return 0;
	}
	struct img_image im = {0};
	/* a periodic policy's refresh that fails keeps the image here (never
	 * a rebuild each day of an image only built here) */
	bool refresh = !u->pull && svc->pull_every_us && have > 0;
	if ((refresh
		 ? img_ensure_refreshed(*store, ref, u->quiet_pull, &im, &err)
		 : img_ensure(*store, ref,
			      (enum img_pull_policy)policy | (u->quiet_pull ? IMG_PULL_QUIET : 0),
			      &im, &err)) == 0) {
		img_image_free(&im);
		return 0;
	}
	lxr_err_wrap(&err, "service \"%s\": pull %s", svc->name, ref);
	if (u->no_build)
		goto fail;
	lxr_warn("%s; building it instead, as compose does", err.msg);
	return 1;
fail:
	lxr_err_print(&err);
	return -1;
}

int cli_up_build(const struct cfg_stack *st, const struct plan_graph *g,
		 const struct cli_up_build *u)
{
	struct img_store *store = NULL;
	bool *want = lxr_xcalloc(st->n_services + 1, sizeof(bool));
	struct cli_build_over o = {.dry_run = u->dry_run, .quiet = u->quiet_build};
	int rc = LXR_EXIT_OK;

	/* every decision (and pull) first, then the builds: a service that
	 * cannot have its image fails up before anything is built */
	for (size_t i = 0; i < g->n && rc == LXR_EXIT_OK; i++) {
		const struct cfg_service *svc = g->nodes[i].svc;
		int d = svc->build.set ? up_decide(svc, u, &store) : 0;
		if (d < 0)
			rc = LXR_EXIT_FAIL;
		want[svc - st->services] = d > 0;
	}
	img_store_close(store);
	if (rc == LXR_EXIT_OK && build_set(st, want, &o) < 0)
		rc = LXR_EXIT_FAIL;
	free(want);
	return rc;
}
