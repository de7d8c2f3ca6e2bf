/* lxr build: read a Dockerfile as docker's builder does, plan its stages
 * (every error with its Dockerfile position) and run it with the build
 * layer (docs/building.md); --check stops after the plan. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "lxr/build.h"
#include "lxr/image.h"

static const char usage_text[] =
    "usage: lxr build [-t NAME[:TAG]]... [-f FILE] [--build-arg K=V]... [--target STAGE]\n"
    "       [--label K=V]... [--no-cache] [--network default|none|host]\n"
    "       [--secret id=ID[,src=FILE|,env=VAR]]... [--progress auto|plain] [--check]\n"
    "       CONTEXT\n"
    "\n"
    "Build an image from a Dockerfile (CONTEXT/Dockerfile, else CONTEXT/Containerfile)\n"
    "on lxr's own runtime: each RUN in a container (on lxr run's default bridge\n"
    "unless --network says otherwise), COPY and ADD from the context (.dockerignore\n"
    "honoured), another stage or a URL. The image is stored under each -t name and\n"
    "its ID printed.\n"
    "\n"
    "  -t, --tag NAME[:TAG]   name the image (repeatable)\n"
    "  -f, --file FILE        the Dockerfile (- for standard input)\n"
    "      --build-arg K[=V]  an ARG's value; K alone takes it from the environment\n"
    "      --target STAGE     build that stage and the ones it needs\n"
    "      --label K=V        a label on the image (repeatable)\n"
    "      --no-cache         run every step, using no cached one\n"
    "      --network MODE     RUN steps' network: default (a bridge with NAT out),\n"
    "                         none (loopback only) or host (the host's)\n"
    "      --secret id=ID,src=FILE|env=VAR  a secret for RUN --mount=type=secret\n"
    "      --progress MODE    auto or plain (lxr prints one plain line per step)\n"
    "      --check            check the Dockerfile and print its stages; build nothing\n"
    "\n"
    "Example:\n"
    "  lxr build -t app:1 --target runtime .\n";

struct build_opts {
	char **tags, **build_args, **labels, **secrets;
	const char *file, *target, *progress, *context, *network;
	bool no_cache, check;
};

static int parse(int argc, char **argv, struct build_opts *o)
{
	enum {
		O_ARG = 256,
		O_TARGET,
		O_LABEL,
		O_NO_CACHE,
		O_PROGRESS,
		O_CHECK,
		O_NETWORK,
		O_SECRET
	};
	static const struct option longopts[] = {
	    {"tag", required_argument, NULL, 't'},
	    {"file", required_argument, NULL, 'f'},
	    {"build-arg", required_argument, NULL, O_ARG},
	    {"target", required_argument, NULL, O_TARGET},
	    {"label", required_argument, NULL, O_LABEL},
	    {"no-cache", no_argument, NULL, O_NO_CACHE},
	    {"progress", required_argument, NULL, O_PROGRESS},
	    {"check", no_argument, NULL, O_CHECK},
	    {"network", required_argument, NULL, O_NETWORK},
	    {"secret", required_argument, NULL, O_SECRET},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+t:f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't': lxr_strv_push(&o->tags, lxr_xstrdup(optarg)); break;
		case 'f': o->file = optarg; break;
		case O_ARG: lxr_strv_push(&o->build_args, lxr_xstrdup(optarg)); break;
		case O_TARGET: o->target = optarg; break;
		case O_LABEL: lxr_strv_push(&o->labels, lxr_xstrdup(optarg)); break;
		case O_NO_CACHE: o->no_cache = true; break;
		case O_PROGRESS: o->progress = optarg; break;
		case O_CHECK: o->check = true; break;
		case O_NETWORK: o->network = optarg; break;
		case O_SECRET: lxr_strv_push(&o->secrets, lxr_xstrdup(optarg)); break;
		case 'h': fputs(usage_text, stdout); return 1;
		default: cli_bad_option(argv[optind - 1], longopts, usage_text); return -1;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "lxr: error: build takes one CONTEXT directory\n%s", usage_text);
		return -1;
	}
	o->context = argv[optind];
	return 0;
}

/* What docker would refuse before reading the Dockerfile. */
static int check_opts(const struct build_opts *o, lxr_err *err)
{
	struct stat st;

	if (!strcmp(o->context, "-") || strstr(o->context, "://") ||
	    lxr_str_has_prefix(o->context, "git@"))
		return lxr_fail(err, EINVAL,
				"build context %s: only a local directory is supported",
				o->context),
		       lxr_err_hint(err, "give the directory holding the build's files");
	if (stat(o->context, &st) < 0)
		return lxr_fail(err, errno, "build context %s", o->context);
	if (!S_ISDIR(st.st_mode))
		return lxr_fail(err, ENOTDIR, "build context %s", o->context),
		       lxr_err_hint(err,
				    "the context is a directory (an archive is not supported)");
	for (size_t i = 0; o->tags && o->tags[i]; i++) {
		struct img_ref r;
		if (img_ref_parse(o->tags[i], &r, err) < 0)
			return lxr_err_wrap(err, "--tag %s", o->tags[i]);
		bool digest = r.digest != NULL;
		img_ref_free(&r);
		if (digest)
			return lxr_fail(err, EINVAL, "--tag %s: a tag, not a digest", o->tags[i]);
	}
	for (size_t i = 0; o->labels && o->labels[i]; i++)
		if (!strchr(o->labels[i], '=') || o->labels[i][0] == '=')
			return lxr_fail(err, EINVAL, "--label %s: not KEY=VALUE", o->labels[i]);
	for (size_t i = 0; o->build_args && o->build_args[i]; i++)
		if (o->build_args[i][0] == '=' || !o->build_args[i][0])
			return lxr_fail(err, EINVAL, "--build-arg %s: no name", o->build_args[i]);
	if (o->network && bld_network_parse(o->network) < 0)
		return lxr_fail(err, EINVAL, "--network %s: takes default, none or host",
				o->network);
	for (size_t i = 0; o->secrets && o->secrets[i]; i++) {
		struct bld_secret sec;
		if (bld_secret_parse(o->secrets[i], &sec, err) < 0)
			return -1;
		bld_secret_free(&sec);
	}
	if (o->progress && strcmp(o->progress, "auto") && strcmp(o->progress, "plain") &&
	    strcmp(o->progress, "tty"))
		return lxr_fail(err, EINVAL, "--progress %s: takes auto, plain or tty",
				o->progress);
	return 0;
}

static int read_stdin(char **text, size_t *len, lxr_err *err)
{
	size_t cap = 4096;
	ssize_t n;

	*len = 0;
	*text = lxr_xmalloc(cap);
	while ((n = read(STDIN_FILENO, *text + *len, cap - *len - 1)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return lxr_fail(err, errno, "read the Dockerfile from standard input");
		*len += (size_t)n;
		if (*len + 1 == cap) {
			if (cap >= (1 << 20))
				return lxr_fail(err, EFBIG,
						"the Dockerfile on standard input is over 1 MiB");
			*text = lxr_xrealloc(*text, cap *= 2);
		}
	}
	(*text)[*len] = '\0';
	return 0;
}

static int read_dockerfile(const struct build_opts *o, char **name, char **text, size_t *len,
			   lxr_err *err)
{
	if (o->file && !strcmp(o->file, "-")) {
		*name = lxr_xstrdup("<stdin>");
		return read_stdin(text, len, err);
	}
	if (o->file)
		*name = lxr_xstrdup(o->file);
	else {
		*name = lxr_xasprintf("%s/Dockerfile", o->context);
		if (access(*name, F_OK) < 0) {
			_cleanup_free_ char *alt = lxr_xasprintf("%s/Containerfile", o->context);
			if (access(alt, F_OK) == 0) {
				free(*name);
				*name = lxr_steal_ptr(&alt);
			}
		}
	}
	if (lxr_read_file_at(AT_FDCWD, *name, text, len, err) < 0)
		return lxr_err_hint(err,
				    "give the Dockerfile with -f FILE, or put one in the context");
	return 0;
}

static void print_plan(const struct df_file *f, const struct bld_plan *p)
{
	for (size_t s = 0; s < p->n; s++) {
		const struct bld_stage *st = &p->stages[s];
		const struct df_instr *last = &f->v[st->end - 1];

		printf("stage %zu%s%s: FROM %s", s, st->name ? " " : "", st->name ? st->name : "",
		       st->base);
		if (st->base_stage >= 0)
			printf(" (stage %d)", st->base_stage);
		printf(", %zu instruction%s, lines %d-%d%s\n", st->end - st->first - 1,
		       st->end - st->first - 1 == 1 ? "" : "s", f->v[st->first].line,
		       last->end_line,
		       s == p->target ? ", the target"
		       : st->needed   ? ""
				      : ", not needed");
	}
}

static int cache_lock(int how, lxr_err *err)
{
	_cleanup_free_ char *dir = lxr_xasprintf("%s/build", lxr_data_dir());
	_cleanup_free_ char *path = lxr_xasprintf("%s/cache.lock", dir);
	int fd;

	if (lxr_mkdir_p(dir, 0700, err) < 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return lxr_fail(err, errno, "open %s", path);
	while (flock(fd, how) < 0) {
		if (errno == EINTR)
			continue;
		lxr_fail(err, errno, "lock %s", path);
		if (errno == EWOULDBLOCK)
			lxr_err_hint(err, "a build is running: try again when it is done");
		close(fd);
		return -1;
	}
	return fd;
}

/* The tags as the store names them, the work directory, the run. */
static int run_build(const struct build_opts *o, const struct df_file *f, const struct bld_plan *p,
		     lxr_err *err)
{
	_cleanup_strv_ char **tags = lxr_xcalloc(1, sizeof(char *));
	_cleanup_free_ char *work = NULL, *cache = NULL;
	struct img_store *st = NULL;
	struct bld_context *ctx = NULL;
	int r;

	for (size_t i = 0; o->tags && o->tags[i]; i++) {
		struct img_ref ref;
		if (img_ref_parse(o->tags[i], &ref, err) < 0)
			return -1;
		lxr_strv_push(&tags, img_ref_string(&ref));
		img_ref_free(&ref);
	}
	/* held shared for the build: its cached layers are its lower dirs,
	 * and lxr builder prune takes it exclusive */
	_cleanup_close_ int lock = cache_lock(LOCK_SH, err);
	if (lock < 0)
		return -1;
	if (img_store_open(lxr_data_dir(), &st, err) < 0)
		return -1;
	if (bld_context_open(o->context, &ctx, err) < 0) {
		img_store_close(st);
		return -1;
	}
	/* the work directory has a temp name: what a killed build left is
	 * swept by the next one */
	_cleanup_free_ char *dir = lxr_xasprintf("%s/build", lxr_data_dir());
	_cleanup_free_ char *name = lxr_tmp_name("work");
	work = lxr_xasprintf("%s/%s", dir, name);
	cache = lxr_xasprintf("%s/cache", dir);
	lxr_err e1;
	if (lxr_tmp_sweep(dir, false, &e1) < 0)
		lxr_err_print(&e1);
	lxr_rm_rf(work, err);
	if (lxr_mkdir_p(work, 0700, err) < 0) {
		bld_context_close(ctx);
		img_store_close(st);
		return -1;
	}
	struct bld_opts bo = {.f = f,
			      .plan = p,
			      .ctx = ctx,
			      .build_args = o->build_args,
			      .labels = o->labels,
			      .tags = tags,
			      .store = st,
			      .work = work,
			      .cache = cache,
			      .no_cache = o->no_cache,
			      .network = o->network
					     ? (enum bld_network)bld_network_parse(o->network)
					     : BLD_NET_DEFAULT,
			      .secrets = o->secrets};
	r = bld_execute(&bo, err);
	lxr_err e2;
	if (lxr_rm_rf(work, &e2) < 0)
		lxr_err_print(&e2);
	bld_context_close(ctx);
	img_store_close(st);
	return r;
}

int cmd_build(int argc, char **argv)
{
	struct build_opts o = {0};
	_cleanup_free_ char *name = NULL, *text = NULL;
	struct df_file f = {0};
	struct bld_plan p = {0};
	size_t len = 0;
	lxr_err err = {0};
	int rc = LXR_EXIT_USAGE, r = parse(argc, argv, &o);

	if (r != 0) {
		rc = r > 0 ? LXR_EXIT_OK : LXR_EXIT_USAGE;
		goto out;
	}
	if (check_opts(&o, &err) < 0 || read_dockerfile(&o, &name, &text, &len, &err) < 0) {
		lxr_err_print(&err);
		goto out;
	}
	if (df_parse(name, text, len, &f, &err) < 0 ||
	    bld_plan_make(&f, o.build_args, o.target, &p, &err) < 0) {
		lxr_err_print(&err);
		goto out;
	}
	if (f.syntax)
		fprintf(stderr,
			"lxr: note: # syntax=%s ignored: lxr's builder reads the Dockerfile\n",
			f.syntax);
	for (size_t i = 0; p.unused_args && p.unused_args[i]; i++)
		fprintf(stderr, "lxr: warning: --build-arg %s: no ARG declares it\n",
			p.unused_args[i]);
	if (o.check) {
		print_plan(&f, &p);
		rc = LXR_EXIT_OK;
		goto out;
	}
	rc = run_build(&o, &f, &p, &err) < 0 ? LXR_EXIT_FAIL : LXR_EXIT_OK;
	if (rc != LXR_EXIT_OK)
		lxr_err_print(&err);
out:
	bld_plan_free(&p);
	df_file_free(&f);
	lxr_strv_free(o.tags);
	lxr_strv_free(o.build_args);
	lxr_strv_free(o.labels);
	lxr_strv_free(o.secrets);
	return rc;
}

/* lxr builder prune: the step cache, all of it, as docker's
 * `builder prune -a` (docker asks first; -f does not, as here). */
int cmd_builder(int argc, char **argv)
{
	static const char usage[] = "usage: lxr builder prune [-a] [-f]\n"
				    "\n"
				    "Remove the build step cache (DATA_DIR/build/cache): every\n"
				    "cached RUN, COPY and ADD layer, and RUN --mount=type=cache's\n"
				    "directories. Refused while a build runs.\n"
				    "\n"
				    "  -a, --all     everything (the only kind lxr has)\n"
				    "  -f, --force   do not ask (lxr never asks)\n"
				    "\n"
				    "Example:\n"
				    "  lxr builder prune -f\n";
	_cleanup_free_ char *cache = lxr_xasprintf("%s/build/cache", lxr_data_dir());
	_cleanup_close_ int lock = -1;
	lxr_err err = {0};
	size_t n = 0;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return fputs(usage, stdout), LXR_EXIT_OK;
	if (argc < 2 || strcmp(argv[1], "prune"))
		return fputs(usage, stderr), LXR_EXIT_USAGE;
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "-a") && strcmp(argv[i], "--all") && strcmp(argv[i], "-f") &&
		    strcmp(argv[i], "--force")) {
			fprintf(stderr, "lxr: error: %s: unknown option\n%s", argv[i], usage);
			return LXR_EXIT_USAGE;
		}
	lock = cache_lock(LOCK_EX | LOCK_NB, &err);
	if (lock < 0) {
		lxr_err_print(&err);
		return LXR_EXIT_FAIL;
	}
	DIR *d = opendir(cache);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *p = lxr_xasprintf("%s/%s", cache, de->d_name);
		if (lxr_rm_rf(p, &err) < 0) {
			lxr_err_print(&err);
			closedir(d);
			return LXR_EXIT_FAIL;
		}
		n++;
	}
	if (d)
		closedir(d);
	printf("Deleted build cache objects: %zu\n", n);
	return LXR_EXIT_OK;
}
