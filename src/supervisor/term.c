/* The terminal of a foreground `up`, as compose's shows a stack: each
 * attached container's lines as "web-1  | line" (its container_name when it
 * has one, padded to the longest name), its stdout on stdout and its
 * stderr on stderr, and "web-1 exited with code 0" on stdout. The
 * supervisor never waits on the terminal: what it cannot take now waits in
 * a buffer, past that is dropped (and counted); the log files have every
 * line. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lxr/supervisor.h"
#include "supervisor/logcursor.h"
#include "supervisor/sup.h"
#include "supervisor/term.h"

#define TERM_BUF_MAX (256 * 1024)

/* A terminal or a pipe gets a non-blocking open file description of its
 * own (the shell's stays as it is), so a reader that stops reading stalls
 * nothing here. A file never blocks. */
static void term_open_one(struct sup_term *t, int fd)
{
	struct stat st;
	int own = -1;
	_cleanup_free_ char *path = lxr_xasprintf("/proc/self/fd/%d", fd);

	t->w = (struct sup_watch){W_TERM, NULL, -1};
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode))
		own = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	/* anything else that could not be reopened is asked (poll) before
	 * each write */
	t->ask = own < 0 && !S_ISREG(st.st_mode);
	t->w.fd = own >= 0 ? own : dup(fd);
}

/* Room for n more bytes, growing geometrically. */
static void term_reserve(struct sup_term *t, size_t n)
{
	if (t->len + n <= t->cap)
		return;
	while (t->len + n > t->cap)
		t->cap = t->cap ? t->cap * 2 : 4096;
	t->buf = lxr_xrealloc(t->buf, t->cap);
}

static void term_arm(struct sup *s, struct sup_term *t, bool on)
{
	struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = &t->w};

	if (on == t->armed || t->w.fd < 0)
		return;
	if (epoll_ctl(s->epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, t->w.fd, &ev) == 0)
		t->armed = on;
}

/* The note of what was dropped goes out once the lines before it have. */
static void term_note_dropped(struct sup_term *t)
{
	if (t->dropped && !t->len) {
		char note[160];
		int n = snprintf(note, sizeof(note),
				 "lxr: %zu lines not shown: the terminal did not keep up (`lxr "
				 "logs` has them)\n",
				 t->dropped);
		term_reserve(t, (size_t)n);
		memcpy(t->buf, note, (size_t)n);
		t->len = (size_t)n;
		t->dropped = 0;
	}
}

/* Write what it takes now; true when all is out. */
static bool term_write(struct sup_term *t)
{
	size_t off = 0;

	while (off < t->len) {
		struct pollfd pf = {.fd = t->w.fd, .events = POLLOUT};
		ssize_t w;
		if (t->ask && (poll(&pf, 1, 0) != 1 || !(pf.revents & POLLOUT)))
			break;
		w = write(t->w.fd, t->buf + off, t->len - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	memmove(t->buf, t->buf + off, t->len - off);
	t->len -= off;
	return t->len == 0;
}

/* Once per loop turn (and when the terminal can take more). */
void sup_term_flush(struct sup *s)
{
	for (int i = 0; i < 2; i++) {
		struct sup_term *t = &s->term[i];
		if (t->w.fd < 0 || (!t->len && !t->dropped))
			continue;
		if (term_write(t) && t->dropped) {
			term_note_dropped(t);
			term_write(t);
		}
		term_arm(s, t, t->len > 0);
	}
}

/* The stack is down: what the reader has not taken yet goes out now, for
 * as long as the reader keeps taking it (a reader that takes nothing for
 * 2 s gets no more: `up` does not hang on it). */
void sup_term_finish(struct sup *s)
{
	for (int i = 0; i < 2; i++) {
		struct sup_term *t = &s->term[i];
		size_t off = 0;
		if (t->w.fd < 0)
			continue;
		term_arm(s, t, false);
		term_note_dropped(t);
		while (off < t->len) {
			struct pollfd pf = {.fd = t->w.fd, .events = POLLOUT};
			ssize_t w;
			if (poll(&pf, 1, 2000) != 1 || !(pf.revents & POLLOUT))
				break;
			w = write(t->w.fd, t->buf + off, t->len - off);
			if (w < 0 && errno != EINTR && errno != EAGAIN)
				break;
			off += w > 0 ? (size_t)w : 0;
		}
		t->len = 0;
	}
}

/* up --attach / --no-attach, and the file's attach: false where up names
 * none: whose lines the foreground shows (the log files have every
 * service's) */
static bool attached(const struct sup *s, const char *service, const struct sup_service *sv)
{
	for (size_t i = 0; s->no_attach && s->no_attach[i]; i++)
		if (!strcmp(s->no_attach[i], service))
			return false;
	if (!s->attach)
		return !sv || !sv->cfg->tune.attach.set || sv->cfg->tune.attach.v;
	for (size_t i = 0; s->attach[i]; i++)
		if (!strcmp(s->attach[i], service))
			return true;
	return false;
}

/* compose's name for replica of sv: the container's without the project */
static void label_of(const struct sup_service *sv, const char *service, int replica, char *buf,
		     size_t size)
{
	if (sv && sv->cfg->host.container_name.v)
		snprintf(buf, size, "%s", sv->cfg->host.container_name.v);
	else
		snprintf(buf, size, "%s-%d", service, replica);
}

/* compose's: the longest attached name and one more; worked out once for
 * the tables (a reconcile sets it back to 0), not for every line */
size_t sup_term_width(struct sup *s)
{
	size_t w = 0;

	if (s->term[0].width)
		return s->term[0].width;
	for (size_t i = 0; i < s->n_svcs; i++) {
		const struct sup_service *sv = &s->svcs[i];
		if (!attached(s, sv->cfg->name, sv))
			continue;
		for (size_t k = 0; k < sv->n_inst; k++)
			if (strlen(sv->inst[k].name) > w)
				w = strlen(sv->inst[k].name);
	}
	return s->term[0].width = w + 1;
}

/* n more bytes in t, unless it is full: then the line is counted */
static char *term_take(struct sup_term *t, size_t n)
{
	if (t->dropped || t->len + n > TERM_BUF_MAX) {
		t->dropped++;
		return NULL;
	}
	term_reserve(t, n);
	t->len += n;
	return t->buf + t->len - n;
}

/* The foreground's view of a log record: "web-1  | line", coloured on a
 * terminal; with up --timestamps, "web-1  | TIME line" as compose prints
 * it. Called by the writer for every record it writes; log is the writer's
 * file name ("web", "web@2"). */
void sup_term_line(void *ctx, const char *log, enum log_stream stream, const struct timespec *at,
		   const char *data, size_t len, bool partial)
{
	struct sup *s = ctx;
	/* stderr's own buffer unless it is stdout's file (the two then keep
	 * their order in one) */
	struct sup_term *t = &s->term[stream == LOG_STDERR && s->term[1].w.fd >= 0 ? 1 : 0];
	char pfx[NAME_MAX + 64 + LOG_TS_LEN + 2], service[NAME_MAX + 1], label[NAME_MAX + 16];
	int replica = log_replica(log, service, sizeof(service));
	const struct sup_service *sv = sup_find_service(s, service);
	size_t pl;
	char *p;

	if (s->quiet || s->term[0].w.fd < 0 || !attached(s, service, sv))
		return;
	label_of(sv, service, replica, label, sizeof(label));
	pfx[0] = '\0';
	if (!s->no_log_prefix)
		log_format_prefix(pfx, NAME_MAX + 64, label, sup_term_width(s),
				  s->tty && !s->no_color);
	pl = strlen(pfx);
	if (s->timestamps) {
		log_format_ts(pfx + pl, at);
		pl += strlen(pfx + pl);
		pfx[pl++] = ' ';
		pfx[pl] = '\0';
	}
	p = term_take(t, pl + len + (!partial || len ? 1 : 0));
	if (!p)
		return;
	memcpy(p, pfx, pl);
	memcpy(p + pl, data, len);
	if (!partial || len)
		p[pl + len] = '\n';
	/* written once per loop turn (sup_term_flush), in one write for many
	 * lines; a big burst goes out before it fills the buffer */
	if (t->len >= TERM_BUF_MAX / 4)
		sup_term_flush(s);
}

/* "web-1 exited with code 0" on stdout, after its last lines, as compose
 * reports an attached container's end; false: not shown there (detached,
 * or a service not attached), the caller logs it */
bool sup_term_status(struct sup *s, const struct sup_instance *in, const char *msg)
{
	struct sup_term *t = &s->term[0];
	bool color = s->tty && !s->no_color;
	_cleanup_free_ char *line = NULL;
	char *p;

	if (s->quiet || t->w.fd < 0 || !attached(s, in->svc->cfg->name, in->svc))
		return false;
	line = color ? lxr_xasprintf("\033[%sm%s %s\033[0m\n", log_colour(in->name), in->name, msg)
		     : lxr_xasprintf("%s %s\n", in->name, msg);
	p = term_take(t, strlen(line));
	if (p)
		memcpy(p, line, strlen(line));
	return true;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* compose's first line: "Attaching to db-1, web-1", the attached
 * containers by name */
static void attaching(struct sup *s)
{
	_cleanup_free_ char **names = NULL;
	_cleanup_free_ char *line = NULL;
	size_t n = 0, cap = 0, len = strlen("Attaching to \n");
	char *p;

	for (size_t i = 0; i < s->n_svcs; i++)
		for (size_t k = 0;
		     attached(s, s->svcs[i].cfg->name, &s->svcs[i]) && k < s->svcs[i].n_inst; k++) {
			if (n == cap)
				names = lxr_xrealloc(names, (cap = cap * 2 + 8) * sizeof(*names));
			names[n++] = s->svcs[i].inst[k].name;
			len += strlen(names[n - 1]) + 2;
		}
	if (!n)
		return;
	qsort(names, n, sizeof(*names), by_name);
	line = lxr_xcalloc(1, len + 1);
	p = stpcpy(line, "Attaching to ");
	for (size_t i = 0; i < n; i++)
		p = stpcpy(stpcpy(p, i ? ", " : ""), names[i]);
	strcpy(p, "\n");
	p = term_take(&s->term[0], strlen(line));
	if (p)
		memcpy(p, line, strlen(line));
}

/* stdout and stderr are one file, terminal or pipe (2>&1) */
static bool same_file(int a, int b)
{
	struct stat x, y;

	if (fstat(a, &x) < 0 || fstat(b, &y) < 0)
		return false;
	if (S_ISCHR(x.st_mode) && S_ISCHR(y.st_mode))
		return x.st_rdev == y.st_rdev;
	return x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

void sup_term_open(struct sup *s)
{
	s->term[0].w.fd = s->term[1].w.fd = -1;
	if (s->quiet)
		return;
	term_open_one(&s->term[0], STDOUT_FILENO);
	/* one file: one buffer, so a container's stderr lines and the exit
	 * that follows them come out in the order they happened */
	if (!same_file(STDOUT_FILENO, STDERR_FILENO))
		term_open_one(&s->term[1], STDERR_FILENO);
	attaching(s);
}
