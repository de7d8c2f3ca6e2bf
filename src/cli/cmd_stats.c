/* lxr stats: docker stats for a stack's containers. The supervisor reads
 * the counters (cgroup memory, cpu and io, the network namespace's
 * interfaces); CPU % is the usage between two samples over the time
 * between them, as docker computes it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdlib.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lxr/supervisor.h"

struct sample {
	char *name;
	bool running;
	int64_t cpu_usec, mem, limit, pids, rx, tx, rd, wr;
};

struct stats_opts {
	const char *file, *project;
	bool no_stream, json, all;
	char **services;
};

static volatile sig_atomic_t interrupted;
static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int64_t num(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return v ? (int64_t)json_integer_value(v) : -1;
}

static int64_t now_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static json_t *services_json(char **services)
{
	json_t *a = json_array();
	for (size_t i = 0; services && services[i]; i++)
		json_array_append_new(a, json_string(services[i]));
	return json_pack("{s:o}", "services", a);
}

static void samples_free(struct sample *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

static int take(struct ctl_conn *conn, char **services, struct sample **out, size_t *n,
		lxr_err *err)
{
	json_t *res = NULL, *o;
	size_t i;

	if (ctl_call(conn, "stats", services_json(services), 30000, &res, err) < 0)
		return -1;
	*n = json_array_size(res);
	*out = lxr_xcalloc(*n ? *n : 1, sizeof(**out));
	json_array_foreach(res, i, o)
	{
		json_t *st = json_object_get(o, "stats");
		struct sample *s = &(*out)[i];
		/* docker's name, as compose's stats names it */
		s->name = lxr_xstrdup(cli_ps_name(o));
		s->running = num(o, "pid") > 0;
		s->cpu_usec = num(st, "cpu_usage_usec");
		s->mem = num(st, "memory_bytes");
		s->limit = num(st, "memory_limit");
		s->pids = num(st, "pids");
		s->rx = num(st, "net_rx_bytes");
		s->tx = num(st, "net_tx_bytes");
		s->rd = num(st, "block_read_bytes");
		s->wr = num(st, "block_write_bytes");
	}
	json_decref(res);
	return 0;
}

/* docker's units.BytesSize: binary, "1.5MiB" */
static void binary_size(double v, char *buf, size_t len)
{
	static const char *const u[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	int i = 0;

	while (v >= 1024 && i < 5)
		v /= 1024, i++;
	snprintf(buf, len, "%.4g%s", v, u[i]);
}

/* docker's units.HumanSizeWithPrecision(v, 3): decimal, "1.2kB" */
static void decimal_size(int64_t n, char *buf, size_t len)
{
	static const char *const u[] = {"B", "kB", "MB", "GB", "TB", "PB"};
	double v = (double)n;
	int i = 0;

	if (n < 0) {
		snprintf(buf, len, "--");
		return;
	}
	while (v >= 1000 && i < 5)
		v /= 1000, i++;
	snprintf(buf, len, "%.3g%s", v, u[i]);
}

struct row {
	char name[256], cpu[32], mem[80], memp[32], net[80], blk[80], pids[32];
};

static void make_row(const struct sample *s, const struct sample *before, int64_t dt_usec,
		     int64_t host_mem, struct row *r)
{
	char a[32], b[32];
	int64_t limit = s->limit > 0 ? s->limit : host_mem;

	snprintf(r->name, sizeof(r->name), "%s", s->name);
	if (!s->running) {
		snprintf(r->cpu, sizeof(r->cpu), "0.00%%");
		snprintf(r->mem, sizeof(r->mem), "0B / 0B");
		snprintf(r->memp, sizeof(r->memp), "0.00%%");
		snprintf(r->net, sizeof(r->net), "0B / 0B");
		snprintf(r->blk, sizeof(r->blk), "0B / 0B");
		snprintf(r->pids, sizeof(r->pids), "0");
		return;
	}
	double cpu = 0;
	if (before && before->cpu_usec >= 0 && s->cpu_usec >= before->cpu_usec && dt_usec > 0)
		cpu = 100.0 * (double)(s->cpu_usec - before->cpu_usec) / (double)dt_usec;
	snprintf(r->cpu, sizeof(r->cpu), "%.2f%%", cpu);
	binary_size((double)(s->mem > 0 ? s->mem : 0), a, sizeof(a));
	binary_size((double)limit, b, sizeof(b));
	snprintf(r->mem, sizeof(r->mem), "%s / %s", a, b);
	snprintf(r->memp, sizeof(r->memp), "%.2f%%",
		 limit > 0 && s->mem > 0 ? 100.0 * (double)s->mem / (double)limit : 0.0);
	decimal_size(s->rx, a, sizeof(a));
	decimal_size(s->tx, b, sizeof(b));
	snprintf(r->net, sizeof(r->net), "%s / %s", a, b);
	decimal_size(s->rd, a, sizeof(a));
	decimal_size(s->wr, b, sizeof(b));
	snprintf(r->blk, sizeof(r->blk), "%s / %s", a, b);
	snprintf(r->pids, sizeof(r->pids), "%lld", (long long)(s->pids > 0 ? s->pids : 0));
}

static const struct sample *find(const struct sample *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

static void print(const struct stats_opts *o, const struct sample *now, size_t n,
		  const struct sample *before, size_t nb, int64_t dt, bool redraw)
{
	struct sysinfo si;
	int64_t host_mem = sysinfo(&si) == 0 ? (int64_t)si.totalram * si.mem_unit : 0;

	if (redraw)
		fputs("\033[2J\033[H", stdout); /* as docker stats: clear, home */
	if (!o->json)
		printf("%-20s %-9s %-22s %-8s %-20s %-20s %s\n", "NAME", "CPU %",
		       "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS");
	for (size_t i = 0; i < n; i++) {
		struct row r;
		if (!now[i].running && !o->all)
			continue;
		make_row(&now[i], find(before, nb, now[i].name), dt, host_mem, &r);
		if (o->json) {
			json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Name",
					      r.name, "Container", r.name, "CPUPerc", r.cpu,
					      "MemUsage", r.mem, "MemPerc", r.memp, "NetIO", r.net,
					      "BlockIO", r.blk, "PIDs", r.pids);
			char *s = json_dumps(j, JSON_COMPACT);
			puts(s ? s : "{}");
			free(s);
			json_decref(j);
		} else {
			printf("%-20s %-9s %-22s %-8s %-20s %-20s %s\n", r.name, r.cpu, r.mem,
			       r.memp, r.net, r.blk, r.pids);
		}
	}
	if (!redraw && !o->json && !o->no_stream)
		putchar('\n');
	fflush(stdout);
}

static int parse(int argc, char **argv, struct stats_opts *o)
{
	static const struct option longopts[] = {
	    {"file", required_argument, NULL, 'f'}, {"project-name", required_argument, NULL, 'p'},
	    {"no-stream", no_argument, NULL, 'n'},  {"format", required_argument, NULL, 'F'},
	    {"all", no_argument, NULL, 'a'},        {"no-trunc", no_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
	};
	int c;

	cli_globals_apply(&o->file, &o->project);
	optind = 1;
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "f:p:a", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cli_set_file(&o->file, optarg) < 0)
				return -1;
			break;
		case 'p': o->project = optarg; break;
		case 'n': o->no_stream = true; break;
		case 'a': o->all = true; break;
		case 't': break;
		case 'F':
			if (strcmp(optarg, "json") && strcmp(optarg, "table")) {
				fprintf(stderr, "lxr: error: --format %s: use table or json\n",
					optarg);
				return -1;
			}
			o->json = !strcmp(optarg, "json");
			break;
		case 'h': fputs(cli_help("stats"), stdout); return 1;
		default: cli_bad_option(argv[optind - 1], longopts, cli_help("stats")); return -1;
		}
	}
	o->services = argv + optind;
	return 0;
}

/* Sleep up to usec, or less when interrupted. */
static void pause_usec(int64_t usec)
{
	struct timespec ts = {usec / 1000000, (usec % 1000000) * 1000};
	while (!interrupted && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Every connection's samples, one list (docker stats of several
 * containers: each run -d one has its own supervisor) */
static int take_all(struct ctl_conn **c, size_t nc, char **services, struct sample **out, size_t *n,
		    lxr_err *err)
{
	*out = lxr_xcalloc(1, sizeof(**out));
	*n = 0;
	for (size_t i = 0; i < nc; i++) {
		struct sample *v = NULL;
		size_t k = 0;
		if (take(c[i], services, &v, &k, err) < 0) {
			samples_free(*out, *n);
			*out = NULL;
			*n = 0;
			return -1;
		}
		*out = lxr_xrealloc(*out, (*n + k + 1) * sizeof(**out));
		memcpy(*out + *n, v, k * sizeof(*v));
		*n += k;
		free(v); /* its names are in *out now */
	}
	return 0;
}

/* No stack file here: the `lxr run -d` containers named, or every one
 * with a supervisor (docker stats: all running containers) */
static int run_conns(char **names, struct ctl_conn ***conns, size_t *nc)
{
	_cleanup_free_ char *dir = lxr_xasprintf("%s/_run-sup", lxr_run_dir());
	_cleanup_strv_ char **all = NULL;
	DIR *d;
	struct dirent *e;

	if (!names[0] && (d = opendir(dir))) {
		while ((e = readdir(d)))
			if (e->d_name[0] != '.' && sup_run_alive(e->d_name))
				lxr_strv_push(&all, lxr_xstrdup(e->d_name));
		closedir(d);
		if (all)
			lxr_strv_sort(all);
	}
	for (char **nm = names[0] ? names : all; nm && *nm; nm++) {
		struct ctl_conn *c = NULL;
		int r = cli_run_connect("stats", *nm, &c);
		if (r != LXR_EXIT_OK)
			return r;
		*conns = lxr_xrealloc(*conns, (*nc + 1) * sizeof(**conns));
		(*conns)[(*nc)++] = c;
	}
	return LXR_EXIT_OK;
}

int cmd_stats(int argc, char **argv)
{
	struct stats_opts o = {0};
	struct ctl_conn **conns = NULL;
	size_t nc = 0;
	_cleanup_free_ char *name = NULL, *found = NULL, *named = NULL;
	struct sample *before = NULL, *now = NULL;
	size_t nb = 0, n = 0;
	int64_t t0, t1;
	bool tty = isatty(STDOUT_FILENO);
	char **services;
	lxr_err err;
	int r = parse(argc, argv, &o);

	if (r != 0)
		return r > 0 ? LXR_EXIT_OK : LXR_EXIT_USAGE;
	services = o.services;
	enum cli_where w = cli_where(&o.file, &o.project, o.services, &found, &named);
	if (w == CLI_WHERE_FAIL) {
		r = LXR_EXIT_FAIL;
		goto out;
	}
	if (w == CLI_WHERE_RUN) {
		r = run_conns(o.services, &conns, &nc);
		services = NULL; /* each supervisor's one */
	} else {
		struct ctl_conn *c = NULL;
		r = cli_project_connect(o.file, o.project, &c, &name);
		if (r == LXR_EXIT_OK) {
			conns = lxr_xcalloc(1, sizeof(*conns));
			conns[nc++] = c;
		}
	}
	if (r != LXR_EXIT_OK)
		goto out;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, on_signal);
	/* the first figure needs two samples: half a second apart, as docker's
	 * --no-stream waits for its second one */
	t0 = now_usec();
	if (take_all(conns, nc, services, &before, &nb, &err) < 0)
		goto fail;
	pause_usec(500000);
	while (!interrupted) {
		t1 = now_usec();
		if (take_all(conns, nc, services, &now, &n, &err) < 0) {
			if (before && !o.no_stream && err.errnum != 0)
				break; /* the stack went down while streaming */
			goto fail;
		}
		print(&o, now, n, before, nb, t1 - t0, tty && !o.no_stream && !o.json);
		samples_free(before, nb);
		before = now, nb = n, t0 = t1;
		now = NULL;
		if (o.no_stream)
			break;
		pause_usec(1000000);
	}
	r = LXR_EXIT_OK;
	goto out;
fail:
	lxr_err_print(&err);
	r = LXR_EXIT_FAIL;
out:
	samples_free(before, nb);
	for (size_t i = 0; i < nc; i++)
		ctl_close(conns[i]);
	free(conns);
	return r;
}
