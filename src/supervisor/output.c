/* Container output: the supervisor holds the read end of each container's
 * stdout and stderr pipes. Lines go to the service's log file and, for a
 * foreground `up`, to the terminal as "service | line". Reading never
 * blocks; a container never waits on the terminal. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>

#include "supervisor/sup.h"

/* compose's palette, one per service in file order */
static const char *const colours[] = {"36", "33", "32", "35", "34", "96", "93", "92", "95", "94"};

struct sup_log {
	int fd;
};

static void prefix(struct sup *s, const struct sup_instance *in, FILE *f)
{
	if (s->tty)
		fprintf(f, "\033[%sm%-12s |\033[0m ", colours[in->svc->colour % 10], in->name);
	else
		fprintf(f, "%-12s | ", in->name);
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

/* Start-up progress: to the waiting `up -d` (a "P <instance> <what>" line
 * on the ready pipe), or to a foreground terminal. '+' done, '~' under way,
 * 'x' failed; the CLI draws the symbols. */
void sup_progress(struct sup *s, const struct sup_instance *in, const char *what)
{
	char line[256];
	int n;

	if (s->up_done)
		return;
	if (s->ready_fd >= 0) {
		n = snprintf(line, sizeof(line), "P %s %s\n", in->name, what);
		if (n > 0 && (size_t)n < sizeof(line))
			(void)!write(s->ready_fd, line, (size_t)n);
		return;
	}
	if (!s->quiet) {
		static const char *const sym[] = {"\u2714", "\u2718", "\u2026"};
		int k = what[0] == '+' ? 0 : what[0] == 'x' ? 1 : 2;
		fprintf(stderr, " %s %-14s %s\n", s->tty ? sym[k] : (k == 0 ? "ok" : k == 1 ? "!!" : ".."),
			in->name, what + 2);
	}
}

/* CRI log format: "<RFC3339Nano> <stream> <F|P> <line>" */
static void log_line(struct sup_instance *in, int stream, const char *line, size_t len, bool full)
{
	struct timespec ts;
	struct tm tm;
	char head[64];
	struct iovec iov[3];

	if (!in->log || in->log->fd < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(head, sizeof(head), "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ %s %c ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 ts.tv_nsec, stream ? "stderr" : "stdout", full ? 'F' : 'P');
	iov[0] = (struct iovec){head, strlen(head)};
	iov[1] = (struct iovec){(void *)line, len};
	iov[2] = (struct iovec){"\n", 1};
	(void)!writev(in->log->fd, iov, 3);
}

static void emit_line(struct sup *s, struct sup_instance *in, int stream, const char *line,
		      size_t len, bool full)
{
	log_line(in, stream, line, len, full);
	if (s->quiet)
		return;
	prefix(s, in, stdout);
	fwrite(line, 1, len, stdout);
	fputc('\n', stdout);
}

int sup_output_open(struct sup *s, struct sup_instance *in, int fds[2], lxr_err *err)
{
	int p[2][2];
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s.log", s->log_dir, in->svc->cfg->name);

	for (int i = 0; i < 2; i++)
		if (pipe2(p[i], O_CLOEXEC) < 0)
			return lxr_fail(err, errno, "pipe for %s output", in->name);
	for (int i = 0; i < 2; i++)
		fcntl(p[i][0], F_SETFL, O_NONBLOCK);
	if (!in->log) {
		in->log = lxr_xcalloc(1, sizeof(*in->log));
		in->log->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (in->log->fd < 0)
			sup_say(s, in, "warning: cannot open log %s: %s", path, strerror(errno));
	}
	in->outw.fd = p[0][0];
	in->errw.fd = p[1][0];
	fds[0] = p[0][1];
	fds[1] = p[1][1];
	if (sup_watch_add(s, &in->outw, err) < 0 || sup_watch_add(s, &in->errw, err) < 0)
		return -1;
	in->partial_len[0] = in->partial_len[1] = 0;
	return 0;
}

void sup_output_read(struct sup *s, struct sup_instance *in, int stream)
{
	struct sup_watch *w = stream ? &in->errw : &in->outw;
	char *buf = in->partial[stream];
	size_t cap = sizeof(in->partial[stream]);
	size_t *len = &in->partial_len[stream];

	while (w->fd >= 0) {
		ssize_t n = read(w->fd, buf + *len, cap - *len);
		char *start = buf, *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0 || errno != EAGAIN) { /* closed: flush what is left */
				if (*len)
					emit_line(s, in, stream, buf, *len, false);
				*len = 0;
				sup_watch_del(s, w);
				close(w->fd);
				w->fd = -1;
			}
			return;
		}
		*len += (size_t)n;
		while ((nl = memchr(start, '\n', *len - (size_t)(start - buf)))) {
			emit_line(s, in, stream, start, (size_t)(nl - start), true);
			start = nl + 1;
		}
		*len -= (size_t)(start - buf);
		memmove(buf, start, *len);
		if (*len == cap) { /* a line longer than the buffer: a partial entry */
			emit_line(s, in, stream, buf, *len, false);
			*len = 0;
		}
	}
	fflush(stdout);
}

void sup_output_close(struct sup *s, struct sup_instance *in)
{
	struct sup_watch *ws[2] = {&in->outw, &in->errw};

	for (int i = 0; i < 2; i++) {
		if (ws[i]->fd >= 0) {
			sup_watch_del(s, ws[i]);
			close(ws[i]->fd);
			ws[i]->fd = -1;
		}
	}
	fflush(stdout);
}
