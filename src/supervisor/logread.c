/* `lxr logs`: the CRI files of a project's services, merged by time, with
 * --tail, --since and -f. Following takes inotify on the log directory: a
 * write, a new file or a rename wakes the reader, which then reads every
 * service as far as it goes, so no line is missed and nothing polls. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>

#include "config/text.h"
#include "supervisor/logcursor.h"

struct source {
	struct log_cursor *cur;
	struct log_line line;
	bool has;                  /* line holds the next line to print */
	long skip;                 /* --tail: lines to pass over first */
	char label[NAME_MAX + 16]; /* "web", "web-2" (relabel) */
};

struct reader {
	int dirfd;
	const char *dir;
	const struct logs_opts *o;
	FILE *out;
	struct source *v;
	size_t n;
	size_t width;
};

int logs_parse_since(const char *s, const struct timespec *now, struct timespec *out, lxr_err *err)
{
	int64_t usec;
	size_t i = 0;

	if (log_parse_ts(s, strlen(s), out) == 0)
		return 0;
	while (isdigit((unsigned char)s[i]))
		i++;
	/* a bare number is a unix time, as for docker; a duration has a unit */
	if (i > 0 && (s[i] == '\0' || s[i] == '.')) {
		char *end;
		double t = strtod(s, &end);
		if (*end == '\0' && t < 1e15) {
			out->tv_sec = (time_t)t;
			out->tv_nsec = (long)((t - (double)out->tv_sec) * 1e9);
			return 0;
		}
	}
	if (cfg_parse_duration(s, &usec) == 0 && i < strlen(s)) {
		int64_t ns = now->tv_nsec - (usec % 1000000) * 1000;
		out->tv_sec = now->tv_sec - usec / 1000000;
		if (ns < 0) {
			ns += 1000000000;
			out->tv_sec--;
		}
		out->tv_nsec = ns;
		return 0;
	}
	lxr_fail(err, 0, "--since \"%s\": not a time", s);
	return lxr_err_hint(err, "give an RFC 3339 time (2026-11-23T09:16:19Z), a unix time, or "
				 "a duration before now (10m, 1h30m)");
}

static bool ts_after(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec > b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec > b->tv_nsec);
}

/* --until: a line stamped after it is not shown */
static bool too_late(const struct logs_opts *o, const struct log_line *l)
{
	return o->has_until && ts_after(&l->ts, &o->until);
}

/* A name asked for ("web": each replica's log; "web@2": replica 2's) and
 * --index cover the log named log ("web", "web@2": log_replica) */
static bool covers(const struct logs_opts *o, const char *name, const char *log)
{
	char want[NAME_MAX + 1], svc[NAME_MAX + 1];
	int replica = log_replica(log, svc, sizeof(svc));
	int k = log_replica(name, want, sizeof(want));

	if (!strchr(name, '@'))
		k = o->index;
	return !strcmp(want, svc) && (!k || k == replica);
}

/* A source reads the log of that name */
static bool have_source(const struct reader *r, const char *log)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(log_cursor_service(r->v[i].cur), log))
			return true;
	return false;
}

/* A source reads a log the name asked for covers */
static bool have_named(const struct reader *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (covers(r->o, name, log_cursor_service(r->v[i].cur)))
			return true;
	return false;
}

static bool wanted(const struct reader *r, const char *log)
{
	char **s = r->o->services;
	char svc[NAME_MAX + 1];

	if (!s || !*s)
		return !r->o->index || log_replica(log, svc, sizeof(svc)) == r->o->index;
	for (; *s; s++)
		if (covers(r->o, *s, log))
			return true;
	return false;
}

/* The services with a log in the directory, each once */
static char **logged_services(const struct reader *r)
{
	DIR *d = lxr_opendir_dup(r->dirfd);
	char log[NAME_MAX + 1], svc[NAME_MAX + 1];
	char **out = lxr_xcalloc(1, sizeof(char *));
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (log_file_index(de->d_name, log, sizeof(log), NULL) >= 0 &&
		    log_replica(log, svc, sizeof(svc)) >= 1 && !lxr_strv_has(out, svc))
			lxr_strv_push(&out, lxr_xstrdup(svc));
	if (d)
		closedir(d);
	return out;
}

char **logs_container_names(const struct cfg_stack *st)
{
	char **out = NULL;

	for (size_t i = 0; i < st->n_services; i++)
		if (st->services[i].host.container_name.v)
			lxr_strv_push(&out, lxr_xasprintf("%s=%s", st->services[i].name,
							  st->services[i].host.container_name.v));
	return out;
}

/* Each source's prefix, and their width: compose's, the container's name
 * without the project ("web-1", "web-2"), or its container_name, padded to
 * the longest and one more */
static void relabel(struct reader *r)
{
	char svc[NAME_MAX + 1];

	r->width = 0;
	for (size_t i = 0; i < r->n; i++) {
		struct source *s = &r->v[i];
		int k = log_replica(log_cursor_service(s->cur), svc, sizeof(svc));
		size_t n = strlen(svc);
		const char *own = NULL;
		for (char **p = r->o->names; p && *p && !own; p++)
			if (!strncmp(*p, svc, n) && (*p)[n] == '=')
				own = *p + n + 1;
		if (own)
			snprintf(s->label, sizeof(s->label), "%s", own);
		else
			snprintf(s->label, sizeof(s->label), "%s-%d", svc, k);
		if (strlen(s->label) + 1 > r->width)
			r->width = strlen(s->label) + 1;
	}
}

/* Lines a fresh read would print, for --tail. */
static int count_lines(struct reader *r, const char *service, long *count, lxr_err *err)
{
	struct log_cursor *c =
	    log_cursor_new(r->dirfd, service, r->o->has_since ? &r->o->since : NULL);
	struct log_line l;
	int k;

	*count = 0;
	while ((k = log_cursor_next(c, &l, err)) == 1)
		*count += !too_late(r->o, &l);
	while (k == 0 && log_cursor_finish(c, &l) == 1)
		*count += !too_late(r->o, &l);
	log_cursor_free(c);
	return k < 0 ? -1 : 0;
}

static int add_source(struct reader *r, const char *service, bool use_tail, lxr_err *err)
{
	struct source s = {0};

	if (use_tail && r->o->tail >= 0) {
		long count;
		if (count_lines(r, service, &count, err) < 0)
			return -1;
		s.skip = count > r->o->tail ? count - r->o->tail : 0;
	}
	s.cur = log_cursor_new(r->dirfd, service, r->o->has_since ? &r->o->since : NULL);
	r->v = lxr_xrealloc(r->v, (r->n + 1) * sizeof(*r->v));
	r->v[r->n++] = s;
	return 0;
}

/* Every log in the directory that is wanted, not yet a source (a
 * service's, or one replica's of it). */
static int add_new_services(struct reader *r, bool use_tail, lxr_err *err)
{
	DIR *d = lxr_opendir_dup(r->dirfd);
	char log[NAME_MAX + 1];
	struct dirent *de;
	int ret = 0;

	if (!d)
		return lxr_fail(err, errno, "read log directory %s", r->dir);
	while (ret == 0 && (de = readdir(d)))
		if (log_file_index(de->d_name, log, sizeof(log), NULL) >= 0 && wanted(r, log) &&
		    !have_source(r, log))
			ret = add_source(r, log, use_tail, err);
	closedir(d);
	relabel(r);
	return ret;
}

/* The service with a log file here whose name is closest to name. */
static char *closest_logged(struct reader *r, const char *name)
{
	_cleanup_strv_ char **names = logged_services(r);
	const char *dym =
	    lxr_did_you_mean(name, (const char *const *)names, lxr_strv_len(names), 0);

	return dym ? lxr_xstrdup(dym) : NULL;
}

/* docker's words for a driver that keeps nothing to read */
static void unreadable(lxr_err *err, const char *service, const char *driver)
{
	lxr_fail(err, 0,
		 "service \"%s\": configured logging driver \"%s\" does not support reading",
		 service, driver);
	lxr_err_hint(err, "it keeps no log; the foreground `lxr up` shows its output as it "
			  "comes (logging: driver: json-file or local keeps one)");
}

static void warn_unreadable(const char *service, const char *driver)
{
	lxr_err e;

	unreadable(&e, service, driver);
	lxr_warn("%s", e.msg);
}

/* Every service of the directory whose driver keeps no log: a warning
 * each, as compose gives for such a container, when none are named. */
static void note_unlogged(struct reader *r)
{
	DIR *d = lxr_opendir_dup(r->dirfd);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		_cleanup_free_ char *svc = NULL, *drv = NULL;
		if (n <= 6 || strcmp(de->d_name + n - 6, ".nolog"))
			continue;
		svc = lxr_xstrndup(de->d_name, n - 6);
		drv = log_nolog_driver(r->dirfd, svc);
		if (drv && !have_named(r, svc))
			warn_unreadable(svc, drv);
	}
	closedir(d);
}

/* No log of a name asked for: a replica's that is not there, or a
 * service's the directory has none of (the closest one named) */
static int no_log(struct reader *r, const char *name, lxr_err *err)
{
	char svc[NAME_MAX + 1];
	int k = log_replica(name, svc, sizeof(svc));
	_cleanup_strv_ char **logged = logged_services(r);
	_cleanup_free_ char *dym = NULL;

	if (!strchr(name, '@'))
		k = r->o->index;
	if (k && lxr_strv_has(logged, svc))
		return lxr_fail(err, ENOENT, "no log of %s-%d, replica %d of service \"%s\", in %s",
				svc, k, k, svc, r->dir),
		       lxr_err_hint(err,
				    "`lxr ps %s` lists its replicas; a replica's log appears "
				    "once it has been started",
				    svc);
	dym = closest_logged(r, svc);
	lxr_fail(err, ENOENT, "no log of service \"%s\" in %s", svc, r->dir);
	if (dym)
		return lxr_err_hint(err, "did you mean \"%s\"?", dym);
	return lxr_err_hint(err, "a service's log appears once it has been started; check the "
				 "name against the stack file");
}

/* A name's driver when it keeps no log (malloc'd), NULL otherwise */
static char *nolog_driver(const struct reader *r, const char *name)
{
	char svc[NAME_MAX + 1];

	log_replica(name, svc, sizeof(svc));
	return log_nolog_driver(r->dirfd, svc);
}

/* The services named: each has a log, or its driver keeps none (a warning,
 * and the others are shown; an error when that leaves nothing of what was
 * asked), or it is unknown (an error). */
static int check_named(struct reader *r, lxr_err *err)
{
	_cleanup_free_ char *first = NULL, *first_drv = NULL;
	bool any = false;

	if (!r->o->services || !*r->o->services) {
		note_unlogged(r);
		if (r->o->index && !r->n)
			return lxr_fail(err, ENOENT,
					"--index %d: no service has a log of replica %d in %s",
					r->o->index, r->o->index, r->dir),
			       lxr_err_hint(err, "`lxr ps` lists the replicas");
		return 0;
	}
	for (char **s = r->o->services; *s; s++) {
		_cleanup_free_ char *drv = NULL;
		if (have_named(r, *s)) {
			any = true;
			continue;
		}
		drv = nolog_driver(r, *s);
		if (!drv)
			return no_log(r, *s, err);
		if (!first) {
			first = lxr_xstrdup(*s);
			first_drv = lxr_steal_ptr(&drv);
		}
	}
	/* a warning each; with nothing else asked for, the first is the error */
	for (char **s = r->o->services; first && *s; s++) {
		_cleanup_free_ char *drv = have_named(r, *s) ? NULL : nolog_driver(r, *s);
		if (drv && (any || strcmp(*s, first)))
			warn_unreadable(*s, drv);
	}
	if (first && !any) {
		unreadable(err, first, first_drv);
		return -1;
	}
	return 0;
}

static void print_line(struct reader *r, const struct source *s)
{
	char prefix[NAME_MAX + 64];
	char ts[LOG_TS_LEN + 1];
	FILE *out = s->line.stream == LOG_STDERR && r->o->err_out ? r->o->err_out : r->out;

	if (!r->o->no_prefix) {
		log_format_prefix(prefix, sizeof(prefix), s->label, r->width, r->o->color);
		fputs(prefix, out);
	}
	if (r->o->timestamps) {
		log_format_ts(ts, &s->line.ts);
		fprintf(out, "%s ", ts);
	}
	fwrite(s->line.text, 1, s->line.len, out);
	fputc('\n', out);
	/* the two interleave in time order only when each line is out */
	if (r->o->err_out)
		fflush(out);
}

/* Make s->has true if a line is available; final: the end of the read, so
 * lines still waiting for their F count as lines. */
static int fill(const struct logs_opts *o, struct source *s, bool final, lxr_err *err)
{
	while (!s->has) {
		int k = log_cursor_next(s->cur, &s->line, err);
		if (k == 0 && final)
			k = log_cursor_finish(s->cur, &s->line);
		if (k <= 0)
			return k;
		if (too_late(o, &s->line))
			continue;
		if (s->skip > 0)
			s->skip--;
		else
			s->has = true;
	}
	return 1;
}

/* Print what every source has now, oldest line first. */
static int drain(struct reader *r, bool final, lxr_err *err)
{
	for (;;) {
		struct source *min = NULL;
		for (size_t i = 0; i < r->n; i++) {
			struct source *s = &r->v[i];
			if (fill(r->o, s, final, err) < 0)
				return lxr_err_wrap(err, "service %s", log_cursor_service(s->cur));
			if (s->has && (!min || s->line.ts.tv_sec < min->line.ts.tv_sec ||
				       (s->line.ts.tv_sec == min->line.ts.tv_sec &&
					s->line.ts.tv_nsec < min->line.ts.tv_nsec)))
				min = s;
		}
		if (!min)
			break;
		print_line(r, min);
		min->has = false;
	}
	fflush(r->out);
	return 0;
}

/* Read inotify events; new services' files become sources. */
static int on_dir_events(struct reader *r, int ifd, lxr_err *err)
{
	char buf[sizeof(struct inotify_event) + NAME_MAX + 1]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	bool rescan = false;
	ssize_t n;

	while ((n = read(ifd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			char svc[NAME_MAX + 1];
			if (ev->mask & IN_Q_OVERFLOW)
				rescan = true;
			else if (ev->len && log_file_index(ev->name, svc, sizeof(svc), NULL) >= 0 &&
				 wanted(r, svc) && !have_source(r, svc))
				rescan = true;
			p += sizeof(*ev) + ev->len;
		}
	}
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		return lxr_fail(err, errno, "read inotify events for %s", r->dir);
	/* a service started after `logs -f` began: all its lines are new */
	return rescan ? add_new_services(r, false, err) : 0;
}

/* --until with -f: milliseconds until it passes (-1: no --until, 0:
 * passed), as docker logs ends a follow there. */
static int until_ms(const struct logs_opts *o)
{
	struct timespec now;
	int64_t ms;

	if (!o->has_until)
		return -1;
	clock_gettime(CLOCK_REALTIME, &now);
	ms = (int64_t)(o->until.tv_sec - now.tv_sec) * 1000 +
	     (o->until.tv_nsec - now.tv_nsec) / 1000000 + 1;
	return ms <= 0 ? 0 : ms > 3600000 ? 3600000 : (int)ms;
}

static int follow(struct reader *r, int ifd, lxr_err *err)
{
	struct pollfd p[2] = {{.fd = ifd, .events = POLLIN},
			      {.fd = r->o->stop_fd, .events = POLLIN}};

	for (;;) {
		int wait = until_ms(r->o), n;

		if (wait == 0)
			return drain(r, true, err);
		n = poll(p, r->o->stop_fd >= 0 ? 2 : 1, wait);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return lxr_fail(err, errno, "poll");
		}
		if (n == 0)
			continue; /* --until may have passed */
		if (p[1].revents)
			return drain(r, true, err);
		if (on_dir_events(r, ifd, err) < 0 || drain(r, false, err) < 0)
			return -1;
	}
}

static int run(struct reader *r, lxr_err *err)
{
	_cleanup_close_ int ifd = -1;

	if (r->o->follow) {
		/* Watch before the first read: whatever is written from here on
		 * raises an event, so nothing falls between read and watch. */
		ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (ifd < 0 || inotify_add_watch(ifd, r->dir,
						 IN_MODIFY | IN_CREATE | IN_MOVED_TO |
						     IN_MOVED_FROM | IN_DELETE) < 0)
			return lxr_fail(err, errno, "inotify on %s", r->dir);
	}
	if (add_new_services(r, true, err) < 0 || check_named(r, err) < 0)
		return -1;
	if (drain(r, !r->o->follow || until_ms(r->o) == 0, err) < 0)
		return -1;
	return r->o->follow && until_ms(r->o) != 0 ? follow(r, ifd, err) : 0;
}

int logs_run(const char *dir, const struct logs_opts *opts, FILE *out, lxr_err *err)
{
	struct reader r = {.dir = dir, .o = opts, .out = out};
	uint64_t bad = 0;
	int ret;

	r.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r.dirfd < 0)
		return lxr_fail(err, errno, "open log directory %s", dir);
	ret = run(&r, err);
	for (size_t i = 0; i < r.n; i++) {
		bad += log_cursor_malformed(r.v[i].cur);
		log_cursor_free(r.v[i].cur);
	}
	free(r.v);
	close(r.dirfd);
	if (bad)
		lxr_warn("%llu records in %s were not CRI log records and were skipped",
			 (unsigned long long)bad, dir);
	return ret;
}
