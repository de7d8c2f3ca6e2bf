/* Container output: the supervisor holds the read end of each container's
 * stdout and stderr pipes. Lines go to the service's log file and, for a
 * foreground `up`, to the terminal as "web-1  | line" (term.c). Reading
 * never blocks; a container never waits on the terminal. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>

#include "lxr/supervisor.h"
#include "supervisor/inspect.h"
#include "supervisor/logcursor.h"
#include "supervisor/logfwd.h"
#include "supervisor/sup.h"
#include "supervisor/term.h"

static void prefix(struct sup *s, const struct sup_instance *in, FILE *f)
{
	char pfx[128];

	/* the name its lines have on the terminal */
	log_format_prefix(pfx, sizeof(pfx), in->name, sup_term_width(s), s->tty && !s->no_color);
	fputs(pfx, f);
}

void sup_say(struct sup *s, const struct sup_instance *in, const char *fmt, ...)
{
	va_list ap;

	/* detached, stderr is the supervisor's own log file */
	prefix(s, in, stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Start-up progress: to the waiting `up -d` (a "P <name> <what>" line
 * on the ready pipe), or to a foreground terminal; the container by the
 * name docker gives it, as compose's progress names it. '+' done, '~'
 * under way, 'x' failed; the CLI draws the symbols. */
void sup_progress(struct sup *s, const struct sup_instance *in, const char *what)
{
	_cleanup_free_ char *name = NULL;
	char line[256];
	int n;

	if (s->up_done)
		return;
	name = sup_docker_name(s, in, in->svc->cfg);
	if (s->ready_fd >= 0) {
		n = snprintf(line, sizeof(line), "P %s %s\n", name, what);
		if (n > 0 && (size_t)n < sizeof(line))
			(void)!write(s->ready_fd, line, (size_t)n);
		return;
	}
	if (!s->quiet) {
		static const char *const sym[] = {"\u2714", "\u2718", "\u2026"};
		int k = what[0] == '+' ? 0 : what[0] == 'x' ? 1 : 2;
		/* compose's words, as `up -d` draws them */
		if (s->tty)
			fprintf(stderr, " %s Container %-14s %s\n", sym[k], name, what + 2);
		else
			fprintf(stderr, " Container %s  %s\n", name, what + 2);
	}
}

/* A warning about one instance (a setting the host dropped): in its log,
 * and to whoever waits for start-up, above the progress table, as compose
 * shows the warnings docker returns at create. */
void sup_warn(struct sup *s, const struct sup_instance *in, const char *msg)
{
	sup_say(s, in, "warning: %s", msg);
	if (s->up_done || s->ready_fd < 0)
		return;
	_cleanup_free_ char *line = lxr_xasprintf("W %s %s\n", in->name, msg);
	line[strcspn(line, "\n") + 1] = '\0';
	(void)!write(s->ready_fd, line, strlen(line));
}

/* "<head> <error as JSON>" on the ready pipe of `up -d`: one line
 * (JSON_COMPACT escapes newlines), the error whole, for the CLI to print as
 * the supervisor's log has it. Only while start-up runs: after it the CLI
 * has gone. */
static void ready_error(struct sup *s, const char *head, const lxr_err *err)
{
	_cleanup_free_ char *j = NULL, *line = NULL;
	json_t *o;

	if (s->up_done || s->ready_fd < 0)
		return;
	o = sup_err_json(err);
	j = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!j)
		return;
	line = lxr_xasprintf("%s %s\n", head, j);
	(void)!write(s->ready_fd, line, strlen(line));
}

void sup_progress_error(struct sup *s, const struct sup_instance *in, const lxr_err *err)
{
	_cleanup_free_ char *head = lxr_xasprintf("E %s", in->name);

	ready_error(s, head, err);
}

void sup_fatal(struct sup *s, const lxr_err *err)
{
	lxr_err_print(err);
	ready_error(s, "F", err);
}

static struct timespec realtime(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts;
}

static bool driver_is(const struct cfg_logging *l, const char *name)
{
	return l->driver.v && !strcmp(l->driver.v, name);
}

/* in's replica's place in its service's logs and fwds */
static size_t slot_of(const struct sup_instance *in)
{
	return in->replica > 1 ? (size_t)in->replica - 1 : 0;
}

/* in's replica's writer, in its service's table (grown to hold it) */
static struct log_writer **log_slot(const struct sup_instance *in)
{
	struct sup_service *sv = in->svc;
	size_t k = slot_of(in);

	if (k >= sv->n_logs) {
		sv->logs = lxr_xrealloc(sv->logs, (k + 1) * sizeof(*sv->logs));
		sv->fwds = lxr_xrealloc(sv->fwds, (k + 1) * sizeof(*sv->fwds));
		memset(sv->logs + sv->n_logs, 0, (k + 1 - sv->n_logs) * sizeof(*sv->logs));
		memset(sv->fwds + sv->n_logs, 0, (k + 1 - sv->n_logs) * sizeof(*sv->fwds));
		sv->n_logs = k + 1;
	}
	return &sv->logs[k];
}

struct log_writer *sup_output_log(const struct sup_instance *in)
{
	size_t k = slot_of(in);

	return k < in->svc->n_logs ? in->svc->logs[k] : NULL;
}

static bool forwards(const struct cfg_logging *l)
{
	return cfg_log_driver_sends(l->driver.v);
}

/* in's log file's name: replica 1 writes <service>.log, replica N
 * <service>@N.log ('@' is in no service name) */
static char *log_file_name(const struct sup *s, const struct sup_instance *in)
{
	const char *service = s->log_name ? s->log_name : in->svc->cfg->name;

	return in->replica > 1 && !s->log_name ? lxr_xasprintf("%s@%d", service, in->replica)
					       : lxr_xstrdup(service);
}

/* journald's, syslog's, gelf's, fluentd's or loki's copy of in's lines: a new forwarder at
 * each start, with the names docker's drivers send as they are now (its
 * replica's, for a start-first update's new container; the image an
 * update brought), in place of the replica's last one */
static int fwd_new(struct sup *s, const struct sup_instance *in, struct log_fwd **f, lxr_err *err)
{
	const struct sup_instance *base = in->shadow_of ? in->shadow_of : in;
	const struct cfg_service *cfg = in->svc->cfg;
	const struct img_image *img = in->svc->img;
	const char *digest = img && img->config_digest[0] ? img->config_digest : "";
	const char *hex = strchr(digest, ':') ? strchr(digest, ':') + 1 : digest;
	_cleanup_free_ char *name = sup_docker_name(s, base, cfg);
	_cleanup_free_ char *id = lxr_xstrndup(base->name, 12), *short_img = lxr_xstrndup(hex, 12);
	_cleanup_free_ char *command = lxr_strv_join(in->plan.spec.args, " ");
	_cleanup_free_ char *file = log_file_name(s, in);
	_cleanup_free_ char *log_path = lxr_xasprintf("%s/%s.log", s->log_dir, file);
	/* a service with a build and no image runs compose's <project>-<service> */
	_cleanup_free_ char *image = cfg->image.v
					 ? lxr_xstrdup(cfg->image.v)
					 : lxr_xasprintf("%s-%s", s->stack->project, cfg->name);
	_cleanup_strv_ char **labels = NULL;
	struct sup_insp x = {.s = s,
			     .in = (struct sup_instance *)base,
			     .st = s->stack,
			     .cfg = cfg,
			     .img = img,
			     .run = s->docker_run};
	json_t *lj = sup_inspect_labels(&x), *v;
	const char *k;
	char created[32];
	struct tm tm;
	time_t t = (time_t)base->created_at;
	struct log_fwd_ids ids = {
	    .tag = {id, base->name, name, short_img, digest, image, "lxr"},
	    .env = in->plan.spec.env,
	    .command = command,
	    .created = created,
	    .log_path = log_path,
	};

	gmtime_r(&t, &tm);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* the labels inspect shows, compose's own among them */
	json_object_foreach(lj, k, v)
	    lxr_strv_push(&labels, lxr_xasprintf("%s=%s", k, json_string_value(v) ?: ""));
	json_decref(lj);
	ids.labels = labels;
	if (log_fwd_open(&cfg->logging, &ids, LOG_FWD_JOURNAL, f, err) < 0)
		return lxr_err_wrap(err, "service \"%s\"", cfg->name);
	return 0;
}

static int open_fwd(struct sup *s, const struct sup_instance *in, lxr_err *err)
{
	size_t slot = slot_of(in);
	struct log_fwd **f = &in->svc->fwds[slot], *nf = NULL;

	if (!forwards(&in->svc->cfg->logging))
		return 0;
	/* the one there goes only once the new one is made: a start-first
	 * update's new container that cannot forward leaves the old one's */
	if (fwd_new(s, in, &nf, err) < 0)
		return -1;
	log_writer_set_fwd(in->svc->logs[slot], log_fwd_record, nf);
	log_fwd_adopt(nf, *f);
	log_fwd_close(*f);
	*f = nf;
	return 0;
}

/* the sending drivers' local copy (dockerd's dual logging): its
 * cache-* options, docker's compressed files unless cache-compress says;
 * cache-disabled keeps none. Grafana's loki driver keeps a json-file of
 * its own: max-size, max-file, none with no-file. */
static int cache_options(const struct cfg_logging *l, struct log_writer_opts *o, bool *none,
			 lxr_err *err)
{
	static const char *const cache[][2] = {{"cache-max-size", "max-size"},
					       {"cache-max-file", "max-file"},
					       {"cache-compress", "compress"}};
	static const char *const loki[][2] = {{"max-size", "max-size"}, {"max-file", "max-file"}};
	bool is_loki = driver_is(l, "loki");
	const char *const(*map)[2] = is_loki ? loki : cache;
	size_t n = is_loki ? 2 : 3;
	const char *off = cfg_logging_option(l, is_loki ? "no-file" : "cache-disabled");

	o->compress = !is_loki;
	*none = off && lxr_go_bool(off, none) == 0 && *none;
	for (size_t i = 0; i < n; i++) {
		const char *v = cfg_logging_option(l, map[i][0]);
		if (v && log_writer_opts_set(o, map[i][1], v, err) < 0)
			return -1;
	}
	return 0;
}

/* One writer per replica, opened on its first start and kept across
 * restarts: the log continues in the same file, rotated by size
 * (log_file_name), and a start-first update's new container its
 * replica's; the sending drivers keep it too (dockerd's dual logging, and
 * loki's own json-file), and send each
 * record on (open_fwd). With driver none (or cache-disabled) the writer
 * keeps no file: the pipes are drained all the same (a container never
 * blocks on its output, nor gets EPIPE) and the lines still reach the
 * foreground, as compose attaches to such a container. */
static int open_log(struct sup *s, struct sup_instance *in, lxr_err *err)
{
	struct sup_service *sv = in->svc;
	const struct cfg_logging *l = &sv->cfg->logging;
	const char *service = s->log_name ? s->log_name : sv->cfg->name;
	_cleanup_free_ char *name = log_file_name(s, in);
	struct log_writer_opts o = {.tee = sup_term_line, .tee_ctx = s};
	struct log_writer **w = log_slot(in);
	bool none = driver_is(l, "none");

	if (*w)
		return 0;
	lxr_log_limits(&o.max_size, &o.max_file); /* lxr.conf [logs], then the file's options */
	o.compress = driver_is(l, "local");       /* dockerd's defaults: local compresses */
	if (forwards(l) && cache_options(l, &o, &none, err) < 0)
		return lxr_err_wrap(err, "service \"%s\": logging", sv->cfg->name);
	for (size_t i = 0; !forwards(l) && !none && i < l->options.n; i++) {
		const struct cfg_kv *kv = &l->options.v[i];
		if (log_writer_opts_set(&o, kv->key, kv->value ? kv->value : "", err) < 0)
			return lxr_err_wrap(err, "service \"%s\": logging", sv->cfg->name);
	}
	if (none) {
		o.discard = true; /* none's options are dockerd's to ignore too */
		if (log_nolog_set(s->log_dir, service, l->driver.v, err) < 0)
			return lxr_err_wrap(err, "service \"%s\": logging", sv->cfg->name);
	} else {
		log_nolog_clear(s->log_dir, service);
	}
	return log_writer_open(s->log_dir, name, &o, w, err);
}

bool sup_output_same_logging(const struct cfg_service *a, const struct cfg_service *b)
{
	const struct cfg_logging *x = &a->logging, *y = &b->logging;

	if (!x->driver.v != !y->driver.v || (x->driver.v && strcmp(x->driver.v, y->driver.v)) ||
	    x->options.n != y->options.n)
		return false;
	for (size_t i = 0; i < x->options.n; i++) {
		const char *u = x->options.v[i].value, *v = y->options.v[i].value;
		if (strcmp(x->options.v[i].key, y->options.v[i].key) || !u != !v ||
		    (u && strcmp(u, v)))
			return false;
	}
	return true;
}

int sup_output_open(struct sup *s, struct sup_instance *in, int fds[2], lxr_err *err)
{
	int p[2][2];

	if (open_log(s, in, err) < 0 || open_fwd(s, in, err) < 0)
		return -1;
	for (int i = 0; i < 2; i++)
		if (pipe2(p[i], O_CLOEXEC) < 0)
			return lxr_fail(err, errno, "pipe for %s output", in->name);
	for (int i = 0; i < 2; i++)
		fcntl(p[i][0], F_SETFL, O_NONBLOCK);
	in->outw.fd = p[0][0];
	in->errw.fd = p[1][0];
	fds[0] = p[0][1];
	fds[1] = p[1][1];
	if (sup_watch_add(s, &in->outw, err) < 0 || sup_watch_add(s, &in->errw, err) < 0)
		return -1;
	return 0;
}

/* At most max_reads reads (0: until the pipe is empty): a container that
 * writes without pause must not keep the loop from everything else; the
 * pipe stays readable and the loop comes back to it. */
static void output_read(struct sup *s, struct sup_instance *in, int stream, int max_reads)
{
	struct sup_watch *w = stream ? &in->errw : &in->outw;
	enum log_stream ls = stream ? LOG_STDERR : LOG_STDOUT;
	char buf[65536];
	lxr_err err;

	/* a reconcile changed its logging settings while it runs (they do not
	 * recreate the container): the new writer takes over from here */
	if (!sup_output_log(in) && (open_log(s, in, &err) < 0 || open_fwd(s, in, &err) < 0))
		lxr_warn("%s", err.msg);
	for (int k = 0; w->fd >= 0 && (!max_reads || k < max_reads); k++) {
		ssize_t n = read(w->fd, buf, sizeof(buf));
		struct timespec now = realtime();

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) { /* the container closed it: the last line is over */
			log_writer_feed_eof(sup_output_log(in), ls, &now);
			sup_watch_del(s, w);
			close(w->fd);
			w->fd = -1;
			break;
		}
		log_writer_feed(sup_output_log(in), ls, buf, (size_t)n, &now);
		sup_taps_feed(in, stream, buf, (size_t)n);
	}
}

void sup_output_read(struct sup *s, struct sup_instance *in, int stream)
{
	output_read(s, in, stream, 0);
}

void sup_output_read_some(struct sup *s, struct sup_instance *in, int stream)
{
	output_read(s, in, stream, 4);
}

/* Partial lines wait at most the writer's flush delay (a prompt with no
 * newline still reaches the log), and a compression goes on at once; the
 * loop's one timer includes both. */
int64_t sup_output_deadline(struct sup *s)
{
	int64_t best = 0;

	for (size_t i = 0; i < s->n_svcs; i++)
		for (size_t k = 0; k < s->svcs[i].n_logs; k++) {
			struct log_writer *w = s->svcs[i].logs[k];
			struct timespec at, now = realtime();
			int64_t d;
			/* a rotated file half compressed: its next share on the next turn */
			if (log_writer_busy(w))
				return sup_now();
			/* a stream's bytes its peer has not taken yet: soon again,
			 * or when a peer that is away is tried again */
			if ((d = log_fwd_pending(s->svcs[i].fwds[k]))) {
				int64_t soon = sup_now() + 50000;
				soon = d > soon ? d : soon;
				best = !best || soon < best ? soon : best;
			}
			if (!w || !log_writer_flush_deadline(w, &at))
				continue;
			d = ((int64_t)(at.tv_sec - now.tv_sec) * 1000000 +
			     (at.tv_nsec - now.tv_nsec) / 1000);
			d = sup_now() + (d > 0 ? d : 0);
			if (!best || d < best)
				best = d;
		}
	return best;
}

void sup_output_flush(struct sup *s)
{
	struct timespec now = realtime();

	for (size_t i = 0; i < s->n_svcs; i++)
		for (size_t k = 0; k < s->svcs[i].n_logs; k++)
			if (s->svcs[i].logs[k]) {
				log_writer_work(s->svcs[i].logs[k]);
				log_writer_flush(s->svcs[i].logs[k], &now);
				log_fwd_flush(s->svcs[i].fwds[k]);
			}
	fflush(stdout);
}

void sup_output_close_service(struct sup_service *sv)
{
	struct timespec now = realtime();

	/* the writer's last records go through the forwarder first */
	for (size_t k = 0; k < sv->n_logs; k++) {
		log_writer_close(sv->logs[k], &now);
		log_fwd_close(sv->fwds[k]);
	}
	free(sv->logs);
	free(sv->fwds);
	sv->logs = NULL;
	sv->fwds = NULL;
	sv->n_logs = 0;
}

void sup_output_free(struct sup *s)
{
	for (size_t i = 0; i < s->n_svcs; i++)
		sup_output_close_service(&s->svcs[i]);
}

void sup_output_close(struct sup *s, struct sup_instance *in)
{
	struct sup_watch *ws[2] = {&in->outw, &in->errw};

	sup_taps_close(in);
	for (int i = 0; i < 2; i++) {
		if (ws[i]->fd >= 0) {
			sup_watch_del(s, ws[i]);
			close(ws[i]->fd);
			ws[i]->fd = -1;
		}
	}
	fflush(stdout);
}
