/* lxr top: the processes of a container, read from its cgroup and /proc,
 * with what `ps -ef` shows of each (docker top's columns). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lxr/supervisor.h"
#include "supervisor/sup.h"

/* The fields of /proc/PID/stat top needs. comm may hold spaces and
 * parentheses: the fields start after its last ')'. */
struct proc_stat {
	char comm[64];
	char state;
	long long ppid, tty, cpu_ticks, start_ticks;
};

static int read_stat(pid_t pid, struct proc_stat *ps)
{
	_cleanup_free_ char *text = NULL;
	char path[64], *open_paren, *close_paren;
	unsigned long long utime, stime, start;
	long long ppid, tty;
	lxr_err err;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (lxr_read_file_at(AT_FDCWD, path, &text, &len, &err) < 0)
		return -1;
	open_paren = strchr(text, '(');
	close_paren = strrchr(text, ')');
	if (!open_paren || !close_paren || close_paren < open_paren)
		return -1;
	snprintf(ps->comm, sizeof(ps->comm), "%.*s", (int)(close_paren - open_paren - 1),
		 open_paren + 1);
	/* state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
	 * cmajflt utime stime cutime cstime priority nice num_threads
	 * itrealvalue starttime */
	if (lxr_sscanf(close_paren + 2,
		       "%c %lld %*d %*d %lld %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d "
		       "%*d %*d %llu",
		       &ps->state, &ppid, &tty, &utime, &stime, &start) != 6)
		return -1;
	ps->ppid = ppid;
	ps->tty = tty;
	ps->cpu_ticks = (long long)(utime + stime);
	ps->start_ticks = (long long)start;
	return 0;
}

/* The effective uid (/proc/PID/status's second Uid field), -1 unknown */
static long long read_euid(pid_t pid)
{
	_cleanup_free_ char *text = NULL;
	char path[64];
	long long real, eff;
	lxr_err err;
	size_t len;
	const char *p;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (lxr_read_file_at(AT_FDCWD, path, &text, &len, &err) < 0 ||
	    !(p = strstr(text, "\nUid:")) || lxr_sscanf(p + 5, "%lld %lld", &real, &eff) != 2)
		return -1;
	return eff;
}

/* argv as one line (NUL-separated; a retitled process pads with NULs),
 * its first 4 KiB (a command line may be megabytes); empty for a kernel
 * thread or a process whose argv is gone (a zombie) */
static char *read_cmdline(pid_t pid)
{
	char path[64], *cmd = lxr_xmalloc(4097);
	_cleanup_close_ int fd = -1;
	ssize_t n;
	size_t len = 0;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd >= 0 && len < 4096 && (n = read(fd, cmd + len, 4096 - len)) > 0)
		len += (size_t)n;
	if (fd < 0) {
		free(cmd);
		return NULL;
	}
	while (len > 0 && !cmd[len - 1])
		len--;
	for (size_t j = 0; j < len; j++)
		if (!cmd[j])
			cmd[j] = ' ';
	cmd[len] = '\0';
	return cmd;
}

static json_t *process_json(pid_t pid, long long btime, long ticks)
{
	_cleanup_free_ char *cmd = read_cmdline(pid);
	struct proc_stat ps;

	if (!cmd || read_stat(pid, &ps) < 0)
		return NULL; /* gone meanwhile */
	if (!*cmd) {         /* ps's [comm], and a zombie's <defunct> */
		free(cmd);
		cmd = lxr_xasprintf("[%s]%s", ps.comm, ps.state == 'Z' ? " <defunct>" : "");
	}
	/* as the process named itself: valid UTF-8 for JSON, and no byte of
	 * it steers the terminal that shows it */
	lxr_term_safe(cmd, false);
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:f, s:s}", "pid", (json_int_t)pid, "ppid",
			 (json_int_t)ps.ppid, "uid", (json_int_t)read_euid(pid), "tty",
			 (json_int_t)ps.tty, "started",
			 (json_int_t)(btime ? btime + ps.start_ticks / ticks : 0), "cpu_seconds",
			 (double)ps.cpu_ticks / (double)ticks, "cmd", cmd);
}

static int by_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

json_t *sup_top_json(const char *cgroup_group, const char *id, pid_t init)
{
	struct lxr_cgroup *cg = NULL;
	pid_t *pids = NULL;
	size_t n = 0;
	lxr_err err;
	json_t *procs = json_array(), *p;
	long ticks = sysconf(_SC_CLK_TCK);
	long long btime;
	int r;

	if (init <= 0)
		return procs;
	if ((r = rt_cgroup_open(cgroup_group, id, &cg, &err)) == 0)
		r = rt_cgroup_pids(cg, &pids, &n, &err);
	/* rootless without a delegated subtree: no cgroup of its own
	 * (cgroup_rootless.c) */
	else if (lxr_rootless_uid() >= 0)
		r = rt_rootless_pids(init, &pids, &n, &err);
	btime = (long long)lxr_boot_time();
	/* ps's order, by pid; cgroup.procs may list one twice */
	if (r == 0)
		qsort(pids, n, sizeof(*pids), by_pid);
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (i > 0 && pids[i] == pids[i - 1])
			continue;
		if ((p = process_json(pids[i], btime, ticks > 0 ? ticks : 100)))
			json_array_append_new(procs, p);
	}
	free(pids);
	rt_cgroup_free(cg);
	return procs;
}
