/* lxr pull: in a project, every service's image at once, as docker compose
 * pull; otherwise one REF, as docker pull (lxr-image does the pulling).
 * Each image is one `lxr-image pull --progress json REF` child; this
 * process reads their progress lines and draws one line per service. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lxr/plan.h"
#include "lxr/config.h"
#include "lxr/image.h"
#include "lxr/supervisor.h"

enum job_state { JOB_WAITING, JOB_PULLING, JOB_DONE, JOB_FAILED };

struct job {
	char *ref;
	pid_t pid;
	int fd;
	enum job_state st;
	int64_t have, total;
	char msg[512]; /* its last line that was not progress: the error */
	char buf[4096];
	size_t blen;
};

struct entry {
	const char *service;
	struct job *job;  /* NULL: skipped */
	const char *skip; /* why */
};

struct pull_opts {
	const char *file, *project, *progress, *policy;
	bool quiet, ignore_failures, include_deps, ignore_buildable;
};

struct pull {
	struct pull_opts o;
	struct job *jobs;
	size_t n_jobs;
	struct entry *ents;
	size_t n_ents;
	bool tty, color, drawn;
	size_t width;
};

static int parse(int argc, char **argv, struct pull_opts *o)
{
	static const struct option longopts[] = {
	    {"file", required_argument, NULL, 'f'},
	    {"project-name", required_argument, NULL, 'p'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"progress", required_argument, NULL, 'P'},
	    {"policy", required_argument, NULL, 'L'},
	    {"ignore-pull-failures", no_argument, NULL, 'I'},
	    {"include-deps", no_argument, NULL, 'D'},
	    {"ignore-buildable", no_argument, NULL, 'B'},
	    {"dry-run", no_argument, NULL, 'N'},
	    /* compose's, deprecated and ignored there too */
	    {"parallel", no_argument, NULL, 'Z'},
	    {"no-parallel", no_argument, NULL, 'Z'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool tty, quiet;
	int c;

	cli_globals_apply(&o->file, &o->project);
	o->progress = cli_globals.progress;
	optind = 1;
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "f:p:q", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cli_set_file(&o->file, optarg) < 0)
				return -1;
			break;
		case 'p': o->project = optarg; break;
		case 'q': o->quiet = true; break;
		case 'P':
			if (cli_progress_mode(optarg, &tty, &quiet) < 0) {
				fprintf(stderr,
					"lxr: error: --progress %s: use auto, tty, plain, quiet or "
					"json\n",
					optarg);
				return -1;
			}
			o->progress = optarg;
			break;
		case 'L':
			if (strcmp(optarg, "missing") && strcmp(optarg, "always")) {
				fprintf(stderr, "lxr: error: --policy %s: use missing or always\n",
					optarg);
				return -1;
			}
			o->policy = optarg;
			break;
		case 'I': o->ignore_failures = true; break;
		case 'D': o->include_deps = true; break;
		case 'B': o->ignore_buildable = true; break;
		case 'N': cli_globals.dry_run = true; break; /* compose's, given here */
		case 'Z':
			fprintf(stderr, "lxr: warning: option '%s' is deprecated and ignored\n",
				argv[optind - 1]);
			break;
		case 'h': fputs(cli_pull_usage, stdout); return 1;
		default: cli_bad_option(argv[optind - 1], longopts, cli_pull_usage); return -1;
		}
	}
	return 0;
}

/* The rule between `lxr pull REF` and `lxr pull SERVICE...`: services when
 * each word names one of the stack's and none looks like a reference. */
static bool names_services(const struct cfg_stack *st, char **words)
{
	for (size_t i = 0; words[i]; i++)
		if (strpbrk(words[i], "/:@") || !cfg_stack_service(st, words[i]))
			return false;
	return true;
}

/* docker pull REF through lxr-image, with the options it takes */
static int pull_ref(const struct pull_opts *o, const char *ref)
{
	char *args[6];
	int n = 0;

	if (cli_globals.dry_run)
		return cli_dry_run_refuse("pull");
	if (o->policy || o->ignore_failures || o->include_deps || o->ignore_buildable) {
		fprintf(stderr,
			"lxr: error: pull %s: --policy, --ignore-pull-failures, --include-deps "
			"and --ignore-buildable are for a project's services\n",
			ref);
		return LXR_EXIT_USAGE;
	}
	args[n++] = "pull";
	if (o->quiet)
		args[n++] = "-q";
	if (o->progress) {
		args[n++] = "--progress";
		args[n++] = (char *)o->progress;
	}
	args[n++] = (char *)ref;
	args[n] = NULL;
	return cmd_image_tool(n, args);
}

static struct job *job_for(struct pull *p, const char *ref)
{
	for (size_t i = 0; i < p->n_jobs; i++)
		if (!strcmp(p->jobs[i].ref, ref))
			return &p->jobs[i];
	return NULL;
}

/* Which services get which pull; jobs is sized for one per service. */
/* The services a pull chooses: those named (which enables them), else
 * those the active profiles enable, as compose's; each checked as up
 * checks it (a bad reference in a service with profiles) */
static struct plan_graph *chosen(const struct cfg_stack *st, char **want)
{
	_cleanup_strv_ char **profiles = NULL;
	struct plan_select sel = {.no_deps = true};
	struct plan_graph *g = NULL;
	lxr_err err;

	cli_globals_profiles(&profiles);
	cli_profiles_default(&profiles, NULL);
	sel.profiles = (const char *const *)profiles;
	sel.targets = want && want[0] ? (const char *const *)want : NULL;
	if (plan_graph_build(st, &sel, &g, &err) < 0)
		lxr_err_print(&err);
	return g;
}

static int plan(struct pull *p, const struct cfg_stack *st, char **want, struct img_store *store)
{
	struct plan_graph *g;

	p->jobs = lxr_xcalloc(st->n_services + 1, sizeof(*p->jobs));
	p->ents = lxr_xcalloc(st->n_services + 1, sizeof(*p->ents));
	for (size_t i = 0; want && want[i]; i++)
		if (!cfg_stack_service(st, want[i])) {
			fprintf(stderr, "lxr: error: no such service: %s\n", want[i]);
			return -1;
		}
	if (!(g = chosen(st, want)))
		return -2; /* the file's error, said: a usage error, as up's */
	for (size_t i = 0; i < st->n_services; i++) {
		const struct cfg_service *svc = &st->services[i];
		struct entry *e = &p->ents[p->n_ents];
		struct img_image im = {0};
		lxr_err err;

		if (plan_graph_find(g, svc->name) < 0)
			continue;
		p->n_ents++;
		e->service = svc->name;
		if (strlen(svc->name) > p->width)
			p->width = strlen(svc->name);
		if (!svc->image.v) {
			e->skip = "Skipped - No image to be pulled";
			continue;
		}
		if (svc->image_is_path) {
			e->skip = "Skipped - Image is a directory";
			continue;
		}
		/* compose's --ignore-buildable: what up would build is left
		 * to the build */
		if (p->o.ignore_buildable && svc->build.set) {
			e->skip = "Skipped - Image can be built";
			continue;
		}
		if (p->o.policy && !strcmp(p->o.policy, "missing") && store &&
		    img_resolve(store, svc->image.v, &im, &err) == 0) {
			img_image_free(&im);
			e->skip = "Skipped - Image is already present";
			continue;
		}
		e->job = job_for(p, svc->image.v);
		if (!e->job) {
			e->job = &p->jobs[p->n_jobs++];
			e->job->ref = lxr_xstrdup(svc->image.v);
			e->job->fd = -1;
		}
	}
	plan_graph_free(g);
	return 0;
}

static void start_job(struct job *j, const char *tool)
{
	int fds[2];

	j->st = JOB_PULLING;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(j->msg, sizeof(j->msg), "pipe: %s", strerror(errno));
		j->st = JOB_FAILED;
		return;
	}
	j->pid = fork();
	if (j->pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null >= 0)
			dup2(null, STDIN_FILENO);
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		execl(tool, tool, "pull", "--progress", "json", j->ref, (char *)NULL);
		fprintf(stderr, "exec %s: %s\n", tool, strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	if (j->pid < 0) {
		close(fds[0]);
		snprintf(j->msg, sizeof(j->msg), "fork: %s", strerror(errno));
		j->st = JOB_FAILED;
		return;
	}
	j->fd = fds[0];
}

/* One line from a child: progress, or a message kept for its error. */
static void take_line(struct job *j, char *line)
{
	json_t *o = line[0] == '{' ? json_loads(line, 0, NULL) : NULL;

	if (o) {
		j->have = (int64_t)json_integer_value(json_object_get(o, "have"));
		j->total = (int64_t)json_integer_value(json_object_get(o, "total"));
		json_decref(o);
		return;
	}
	if (!strncmp(line, "lxr: ", 5))
		line += 5;
	if (*line && (!j->msg[0] || strncmp(line, "hint: ", 6)))
		snprintf(j->msg, sizeof(j->msg), "%.500s", line);
}

static void read_job(struct job *j)
{
	ssize_t n = read(j->fd, j->buf + j->blen, sizeof(j->buf) - 1 - j->blen);
	char *nl;
	int status;

	if (n > 0) {
		j->blen += (size_t)n;
		j->buf[j->blen] = '\0';
		while ((nl = strchr(j->buf, '\n'))) {
			*nl = '\0';
			take_line(j, j->buf);
			j->blen -= (size_t)(nl + 1 - j->buf);
			memmove(j->buf, nl + 1, j->blen + 1);
		}
		if (j->blen == sizeof(j->buf) - 1)
			j->blen = 0; /* a line longer than the buffer: dropped */
		return;
	}
	if (n < 0 && errno == EINTR)
		return;
	close(j->fd);
	j->fd = -1;
	while (waitpid(j->pid, &status, 0) < 0 && errno == EINTR)
		;
	j->st = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? JOB_DONE : JOB_FAILED;
	if (j->st == JOB_FAILED && !j->msg[0])
		snprintf(j->msg, sizeof(j->msg), "lxr-image pull failed");
}

static void mb(int64_t b, char *buf, size_t n)
{
	snprintf(buf, n, "%.1fMB", (double)b / 1e6);
}

static void status_of(const struct pull *p, const struct entry *e, char *buf, size_t n,
		      const char **mark, const char **colour)
{
	char a[32], b[32];

	*colour = "";
	*mark = " ";
	if (!e->job) {
		*mark = "-";
		snprintf(buf, n, "%s", e->skip);
		return;
	}
	switch (e->job->st) {
	case JOB_WAITING:
		*mark = " ";
		snprintf(buf, n, "Waiting");
		break;
	case JOB_PULLING:
		*mark = "⠿";
		if (e->job->total > 0) {
			mb(e->job->have, a, sizeof(a));
			mb(e->job->total, b, sizeof(b));
			snprintf(buf, n, "Pulling  %s / %s", a, b);
		} else {
			snprintf(buf, n, "Pulling");
		}
		break;
	case JOB_DONE:
		*mark = "✔";
		*colour = p->color ? "\033[32m" : "";
		snprintf(buf, n, "Pulled");
		break;
	case JOB_FAILED:
		*mark = "✘";
		*colour = p->color ? "\033[31m" : "";
		snprintf(buf, n, "Error");
		break;
	}
}

/* On a terminal: a header and one line per service, redrawn in place. */
static void draw(struct pull *p)
{
	size_t done = 0;
	char st[128];
	const char *mark, *colour;

	for (size_t i = 0; i < p->n_jobs; i++)
		done += p->jobs[i].st == JOB_DONE || p->jobs[i].st == JOB_FAILED;
	if (p->drawn)
		fprintf(stderr, "\033[%zuA", p->n_ents + 1);
	fprintf(stderr, "\r\033[K[+] Pulling %zu/%zu\n", done, p->n_jobs);
	for (size_t i = 0; i < p->n_ents; i++) {
		status_of(p, &p->ents[i], st, sizeof(st), &mark, &colour);
		fprintf(stderr, "\r\033[K %s%s%s %-*s %s\n", colour, mark, *colour ? "\033[0m" : "",
			(int)p->width, p->ents[i].service, st);
	}
	p->drawn = true;
}

/* Elsewhere: a line when a service's pull begins and one when it ends. */
static void say(const struct pull *p, const struct entry *e, const char *what)
{
	fprintf(stderr, " %-*s %s\n", (int)p->width, e->service, what);
}

static void say_job(const struct pull *p, const struct job *j, const char *what)
{
	for (size_t i = 0; i < p->n_ents; i++)
		if (p->ents[i].job == j)
			say(p, &p->ents[i], what);
}

static void run_jobs(struct pull *p, const char *tool)
{
	struct pollfd *pf = lxr_xcalloc(p->n_jobs + 1, sizeof(*pf));
	bool out = !p->o.quiet;

	for (size_t i = 0; i < p->n_ents; i++)
		if (out && !p->tty && !p->ents[i].job)
			say(p, &p->ents[i], p->ents[i].skip);
	for (size_t i = 0; i < p->n_jobs; i++) {
		start_job(&p->jobs[i], tool);
		if (out && !p->tty)
			say_job(p, &p->jobs[i], "Pulling");
	}
	for (;;) {
		size_t n = 0;
		for (size_t i = 0; i < p->n_jobs; i++)
			if (p->jobs[i].fd >= 0)
				pf[n++] = (struct pollfd){.fd = p->jobs[i].fd, .events = POLLIN};
		if (out && p->tty)
			draw(p);
		if (!n)
			break;
		if (poll(pf, n, 100) < 0 && errno != EINTR)
			break;
		for (size_t i = 0; i < p->n_jobs; i++) {
			struct job *j = &p->jobs[i];
			for (size_t k = 0; k < n; k++)
				if (j->fd == pf[k].fd && pf[k].revents) {
					read_job(j);
					if (j->fd < 0 && out && !p->tty)
						say_job(p, j,
							j->st == JOB_DONE ? "Pulled" : "Error");
				}
		}
	}
	free(pf);
}

static int report(const struct pull *p)
{
	int failed = 0;

	for (size_t i = 0; i < p->n_ents; i++) {
		const struct entry *e = &p->ents[i];
		if (!e->job || e->job->st != JOB_FAILED)
			continue;
		failed++;
		if (p->o.ignore_failures)
			fprintf(stderr, "lxr: warning: %s: pull %s: %s\n", e->service, e->job->ref,
				e->job->msg);
		else
			fprintf(stderr, "lxr: error: %s: pull %s: %s\n", e->service, e->job->ref,
				e->job->msg);
	}
	return failed && !p->o.ignore_failures ? LXR_EXIT_FAIL : LXR_EXIT_OK;
}

static int pull_stack(struct pull *p, const struct cfg_stack *st, char **want)
{
	_cleanup_free_ char *tool = NULL;
	struct img_store *store = NULL;
	bool quiet = false;
	lxr_err err;
	int r;

	/* a dry run makes no store where there is none: nothing is present */
	_cleanup_free_ char *images = lxr_xasprintf("%s/images", lxr_data_dir());
	bool store_wanted = p->o.policy && !(cli_globals.dry_run && access(images, F_OK) < 0);

	if (img_tool_path(&tool, &err) < 0 ||
	    (store_wanted && img_store_open(lxr_data_dir(), &store, &err) < 0)) {
		lxr_err_print(&err);
		return LXR_EXIT_FAIL;
	}
	r = plan(p, st, want, store);
	img_store_close(store);
	if (r < 0)
		return r == -2 ? LXR_EXIT_USAGE : LXR_EXIT_FAIL;
	p->tty = isatty(STDERR_FILENO);
	if (p->o.progress)
		cli_progress_mode(p->o.progress, &p->tty, &quiet);
	p->o.quiet |= quiet;
	p->color = p->tty && log_color_wanted(STDERR_FILENO, false);
	if (cli_globals.dry_run) { /* said, not done: compose's --dry-run */
		for (size_t i = 0; i < p->n_ents && !p->o.quiet; i++)
			fprintf(stderr, " DRY-RUN MODE - %-*s %s\n", (int)p->width,
				p->ents[i].service, p->ents[i].job ? "Pulled" : p->ents[i].skip);
		return LXR_EXIT_OK;
	}
	run_jobs(p, tool);
	return report(p);
}

int cmd_pull_stack(int argc, char **argv)
{
	struct pull p = {0};
	struct cfg_stack *st = NULL;
	_cleanup_free_ char *found = NULL;
	_cleanup_strv_ char **want = NULL;
	bool named = false;
	int r = parse(argc, argv, &p.o);

	if (r != 0)
		return r > 0 ? LXR_EXIT_OK : LXR_EXIT_USAGE;
	named = p.o.file || p.o.project;
	if (!named && !cli_find_stack(&found)) {
		if (argc - optind == 1)
			return pull_ref(&p.o, argv[optind]);
		fprintf(stderr, "lxr: error: pull: no stack file here%s\n%s",
			argc == optind ? " and no REF" : ", and one REF at a time", cli_pull_usage);
		return LXR_EXIT_USAGE;
	}
	if (found)
		p.o.file = found;
	r = cli_stack_load(p.o.file, p.o.project, &st);
	if (r != LXR_EXIT_OK)
		return r;
	if (!named && argc - optind >= 1 && !names_services(st, argv + optind)) {
		cfg_stack_free(st);
		if (argc - optind == 1)
			return pull_ref(&p.o, argv[optind]);
		fprintf(stderr, "lxr: error: pull: %s is neither a service of %s nor one REF\n",
			argv[optind], found ? found : "the stack");
		return LXR_EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++)
		lxr_strv_push(&want, lxr_xstrdup(argv[i]));
	if (p.o.include_deps)
		cli_add_deps(st, &want);
	r = pull_stack(&p, st, want);
	for (size_t i = 0; i < p.n_jobs; i++)
		free(p.jobs[i].ref);
	free(p.jobs);
	free(p.ents);
	cfg_stack_free(st);
	return r;
}
