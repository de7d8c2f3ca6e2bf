/* lxr top's table: what `ps -ef` shows of each process (UID PID PPID C
 * STIME TTY TIME CMD), laid out as docker compose top lays out a stack's
 * (one table, SERVICE and # first) and as docker top one container's. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "cli/cli.h"

enum { C_SERVICE, C_NUM, C_UID, C_PID, C_PPID, C_C, C_STIME, C_TTY, C_TIME, C_CMD, C_N };
static const char *const titles[C_N] = {"SERVICE", "#",     "UID", "PID",  "PPID",
					"C",       "STIME", "TTY", "TIME", "CMD"};

/* The host's user name of uid, as ps shows it (the number when the host's
 * /etc/passwd has no such user; lxr asks no name service) */
static char *user_name(const char *passwd, long long uid)
{
	char want[32];
	const char *line = passwd;

	snprintf(want, sizeof(want), ":%lld:", uid);
	for (; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *colon = strchr(line, ':'), *end = strchrnul(line, '\n');
		/* name:password:uid: */
		if (colon && colon < end) {
			const char *pw_end = memchr(colon + 1, ':', (size_t)(end - colon - 1));
			if (pw_end && !strncmp(pw_end, want, strlen(want)))
				return strndup(line, (size_t)(colon - line));
		}
	}
	return uid < 0 ? lxr_xstrdup("?") : lxr_xasprintf("%lld", uid);
}

/* ps's STIME: the time of day for a start today, else month and day,
 * else the year */
static char *start_time(long long started, time_t now)
{
	time_t t = (time_t)started;
	struct tm then, today;
	char buf[16];

	if (!started)
		return lxr_xstrdup("?");
	localtime_r(&t, &then);
	localtime_r(&now, &today);
	strftime(buf, sizeof(buf),
		 then.tm_year != today.tm_year   ? "%Y"
		 : then.tm_yday != today.tm_yday ? "%b%d"
						 : "%H:%M",
		 &then);
	return lxr_xstrdup(buf);
}

/* ps's TIME: [DD-]HH:MM:SS of CPU */
static char *cpu_time(double seconds)
{
	long long s = (long long)seconds;

	if (s >= 86400)
		return lxr_xasprintf("%lld-%02lld:%02lld:%02lld", s / 86400, s / 3600 % 24,
				     s / 60 % 60, s % 60);
	return lxr_xasprintf("%02lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
}

/* ps's TTY: pts/N, ttyN, or ? without one */
static char *tty_name(long long nr)
{
	unsigned maj = major((dev_t)nr), min = minor((dev_t)nr);

	if (!nr)
		return lxr_xstrdup("?");
	if (maj >= 136 && maj <= 143)
		return lxr_xasprintf("pts/%u", (maj - 136) * 256 + min);
	if (maj == 4 && min < 64)
		return lxr_xasprintf("tty%u", min);
	return lxr_xasprintf("%u:%u", maj, min);
}

static long long num(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* One row of cells (malloc'd) for process p of instance o */
static void row_of(json_t *o, json_t *p, const char *passwd, time_t now, char **cell)
{
	long long started = num(p, "started");
	double cpu = json_number_value(json_object_get(p, "cpu_seconds"));
	long long elapsed = started ? (long long)now - started : 0;

	cell[C_SERVICE] = lxr_xstrdup(json_string_value(json_object_get(o, "service")));
	cell[C_NUM] = lxr_xasprintf("%lld", num(o, "replica"));
	cell[C_UID] = user_name(passwd, num(p, "uid"));
	cell[C_PID] = lxr_xasprintf("%lld", num(p, "pid"));
	cell[C_PPID] = lxr_xasprintf("%lld", num(p, "ppid"));
	/* C: the CPU it used over its life, in percent */
	long long c = elapsed > 0 ? (long long)(cpu * 100 / elapsed) : 0;
	cell[C_C] = lxr_xasprintf("%lld", c > 99 ? 99 : c); /* ps caps it */
	cell[C_STIME] = start_time(started, now);
	cell[C_TTY] = tty_name(num(p, "tty"));
	cell[C_TIME] = cpu_time(cpu);
	/* a process names itself: no byte of it may steer the terminal (ps
	 * shows such bytes as ?) */
	cell[C_CMD] =
	    lxr_term_safe(lxr_xstrdup(json_string_value(json_object_get(p, "cmd"))), false);
}

/* Columns first..C_CMD, each as wide as its widest cell plus padding and
 * at least minwidth (Go's tabwriter, as docker and compose print them);
 * the last not padded */
static void print_rows(char ***rows, size_t n, int first, size_t minwidth, size_t padding)
{
	size_t width[C_N];

	for (int c = first; c < C_N; c++) {
		width[c] = strlen(titles[c]) + padding;
		for (size_t r = 0; r < n; r++)
			if (strlen(rows[r][c]) + padding > width[c])
				width[c] = strlen(rows[r][c]) + padding;
		if (width[c] < minwidth)
			width[c] = minwidth;
	}
	for (int c = first; c < C_N; c++)
		printf("%-*s", c == C_CMD ? 0 : (int)width[c], titles[c]);
	putchar('\n');
	for (size_t r = 0; r < n; r++) {
		for (int c = first; c < C_N; c++)
			printf("%-*s", c == C_CMD ? 0 : (int)width[c], rows[r][c]);
		putchar('\n');
	}
}

static int by_instance(const void *a, const void *b)
{
	return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "instance")),
		      json_string_value(json_object_get(*(json_t *const *)b, "instance")));
}

void cli_top_print(json_t *result, bool docker)
{
	_cleanup_free_ char *passwd = NULL;
	char ***rows = NULL;
	size_t n = 0, len, i, j;
	time_t now = time(NULL);
	json_t *o, *p;
	lxr_err err;

	size_t n_inst = json_array_size(result);
	_cleanup_free_ json_t **inst = lxr_xcalloc(n_inst + 1, sizeof(*inst));

	if (lxr_read_file_at(AT_FDCWD, "/etc/passwd", &passwd, &len, &err) < 0)
		passwd = NULL;
	/* compose lists the containers in the order of their names */
	json_array_foreach(result, i, o) inst[i] = o;
	qsort(inst, n_inst, sizeof(*inst), by_instance);
	for (i = 0; i < n_inst && (o = inst[i]); i++) {
		json_array_foreach(json_object_get(o, "processes"), j, p)
		{
			rows = lxr_xrealloc(rows, (n + 1) * sizeof(*rows));
			rows[n] = lxr_xcalloc(C_N, sizeof(char *));
			row_of(o, p, passwd, now, rows[n++]);
		}
	}
	/* compose: nothing at all without a process; docker: the titles */
	if (n || docker)
		print_rows(rows, n, docker ? C_UID : C_SERVICE, docker ? 20 : 4, docker ? 3 : 2);
	for (size_t r = 0; r < n; r++) {
		for (int c = 0; c < C_N; c++)
			free(rows[r][c]);
		free(rows[r]);
	}
	free(rows);
}
