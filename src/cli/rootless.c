/* Rootless lxr (docs/rootless.md): an ordinary user's lxr runs inside one
 * user namespace of that user's, mapped 0 -> the user and 1..N -> the
 * user's subordinate range (newuidmap/newgidmap), with a mount namespace of
 * its own so overlay roots can be mounted. A tiny pause process holds both
 * for as long as the user has anything running, as podman's does; every
 * later command joins them, so a supervisor, `lxr exec` and `lxr-image`
 * see the same ids and the same mounts. Inside, lxr is root of that
 * namespace and everything below works as for root, with its directories
 * under the user's own (lxr_rootless_uid, src/util/dirs.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lxr/build.h"
#include "lxr/net.h"
#include "lxr/util.h"

#define PAUSE_NAME "lxr-pause"

struct idrange {
	unsigned long start, count;
};

/* The user's name and home from /etc/passwd, where newuidmap and the
 * subordinate files look too. Not getpwuid: its NSS machinery (dlopen of
 * the nss modules) is a tenth of the static lxr and cannot load there
 * anyway. */
struct pw_user {
	char name[64], home[1024];
};

static bool user_of(uid_t uid, struct pw_user *u)
{
	_cleanup_fclose_ FILE *f = fopen("/etc/passwd", "re");
	char line[1024];

	while (f && fgets(line, sizeof(line), f)) {
		char *field[7] = {line}, *p = line;
		size_t n = 1;
		unsigned long id;
		char *end;

		line[strcspn(line, "\n")] = '\0';
		while (n < 7 && (p = strchr(p, ':'))) {
			*p++ = '\0';
			field[n++] = p;
		}
		if (n < 6 || !*field[2])
			continue;
		id = strtoul(field[2], &end, 10);
		if (*end || id != uid)
			continue;
		snprintf(u->name, sizeof(u->name), "%.63s", field[0]);
		snprintf(u->home, sizeof(u->home), "%.1023s", field[5]);
		return true;
	}
	return false;
}

/* The user's first range in /etc/subuid or /etc/subgid (by name or by
 * number, as newuidmap accepts both). */
static int sub_range(const char *file, const char *user, uid_t id, struct idrange *r, lxr_err *err)
{
	_cleanup_fclose_ FILE *f = fopen(file, "re");
	char line[512], num[24];

	snprintf(num, sizeof(num), "%u", (unsigned)id);
	if (!f && errno != ENOENT)
		return lxr_fail(err, errno, "open %s", file);
	while (f && fgets(line, sizeof(line), f)) {
		char *name = line, *c1 = strchr(line, ':'), *c2;
		if (!c1 || !(c2 = strchr(c1 + 1, ':')))
			continue;
		*c1 = '\0';
		if (strcmp(name, user) && strcmp(name, num))
			continue;
		r->start = strtoul(c1 + 1, NULL, 10);
		r->count = strtoul(c2 + 1, NULL, 10);
		if (r->count > 0)
			return 0;
	}
	lxr_fail(err, ENOENT, "rootless lxr: user %s has no subordinate range in %s", user, file);
	return lxr_err_hint(err,
			    "as root, give the user 65536 ids of its own (containers' users map "
			    "onto them): usermod --add-subuids 100000-165535 --add-subgids "
			    "100000-165535 %s (any free range will do; see docs/rootless.md)",
			    user);
}

/* newuidmap PID 0 UID 1 START COUNT (and newgidmap): the setuid programs of
 * Debian's uidmap package, which check the ranges against /etc/sub[ug]id. */
static int write_map(const char *helper, pid_t pid, unsigned id, const struct idrange *r,
		     lxr_err *err)
{
	char spid[24], sid[24], sstart[24], scount[24];
	int st;
	pid_t c;

	snprintf(spid, sizeof(spid), "%d", (int)pid);
	snprintf(sid, sizeof(sid), "%u", id);
	snprintf(sstart, sizeof(sstart), "%lu", r->start);
	snprintf(scount, sizeof(scount), "%lu", r->count);
	c = fork();
	if (c < 0)
		return lxr_fail(err, errno, "fork for %s", helper);
	if (c == 0) {
		execlp(helper, helper, spid, "0", sid, "1", "1", sstart, scount, (char *)NULL);
		fprintf(stderr, "lxr: error: rootless lxr: exec %s: %s\n", helper, strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	while (waitpid(c, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
		lxr_fail(err, ENOENT, "rootless lxr: %s is not installed", helper);
		return lxr_err_hint(err, "install it as root: apt-get install uidmap");
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		lxr_fail(err, EPERM,
			 "rootless lxr: %s %s 0 %s 1 1 %s %s failed (its message is above)", helper,
			 spid, sid, sstart, scount);
		return lxr_err_hint(err,
				    "%s must be setuid root or have its file capability (ls -l "
				    "$(command -v %s)), and the range must be the user's own",
				    helper, helper);
	}
	return 0;
}

/* The pause process: first in its new namespaces, holding them until it is
 * killed. It keeps nothing of the caller's: no descriptor, no directory. */
static void __attribute__((noreturn)) pause_main(int ready, int go)
{
	char c = 0;
	sigset_t all;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
		c = (char)errno;
		(void)!write(ready, &c, 1);
		_exit(1);
	}
	(void)!write(ready, &c, 1);
	if (read(go, &c, 1) != 1 || c != 'g')
		_exit(1);
	/* nothing of the caller's: stdio on /dev/null, every other fd shut */
	int null = open("/dev/null", O_RDWR);
	for (int fd = 0; fd < 3; fd++)
		dup2(null, fd);
	syscall(SYS_close_range, 3, ~0U, 0);
	if (chdir("/") < 0)
		_exit(1);
	prctl(PR_SET_NAME, PAUSE_NAME);
	lxr_set_proc_title(PAUSE_NAME);
	sigfillset(&all);
	sigdelset(&all, SIGTERM);
	sigdelset(&all, SIGKILL);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (;;)
		pause();
}

/* A recorded pause process is ours when it is alive, ours, and named so. */
static pid_t pause_alive(const char *pidfile)
{
	_cleanup_fclose_ FILE *f = fopen(pidfile, "re");
	char path[64], comm[32] = "";
	struct stat st;
	long pid = 0;

	if (!f || lxr_fscanf_line(f, "%ld", &pid) != 1 || pid <= 1)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	_cleanup_fclose_ FILE *c = fopen(path, "re");
	if (!c || !fgets(comm, sizeof(comm), c) || strncmp(comm, PAUSE_NAME, strlen(PAUSE_NAME)))
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld", pid);
	if (stat(path, &st) < 0 || st.st_uid != getuid())
		return 0;
	/* a killed one not reaped yet has no namespaces left to join */
	snprintf(path, sizeof(path), "/proc/%ld/ns/mnt", pid);
	if (access(path, F_OK) < 0)
		return 0;
	return (pid_t)pid;
}

static int pause_start(const char *dir, const char *user, pid_t *out, lxr_err *err)
{
	struct idrange ru, rg;
	int ready[2], go[2], st;
	char c;
	pid_t mid, pid = -1;

	if (sub_range("/etc/subuid", user, getuid(), &ru, err) < 0 ||
	    sub_range("/etc/subgid", user, getuid(), &rg, err) < 0)
		return -1;
	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0)
		return lxr_fail(err, errno, "pipe");
	/* twice forked: the pause process belongs to no lxr process (a
	 * supervisor reaps every child it has) */
	mid = fork();
	if (mid < 0)
		return lxr_fail(err, errno, "fork");
	if (mid == 0) {
		setsid();
		pid = fork();
		if (pid == 0)
			pause_main(ready[1], go[0]);
		(void)!write(ready[1], &pid, sizeof(pid));
		_exit(pid < 0);
	}
	close(ready[1]);
	close(go[0]);
	while (waitpid(mid, &st, 0) < 0 && errno == EINTR)
		;
	if (read(ready[0], &pid, sizeof(pid)) != sizeof(pid) || pid <= 0 ||
	    read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		close(go[1]);
		return lxr_fail(err, EPROTO, "rootless lxr: start the pause process");
	}
	close(ready[0]);
	if (c) {
		close(go[1]);
		lxr_fail(err, c, "rootless lxr: unshare(CLONE_NEWUSER|CLONE_NEWNS)");
		return lxr_err_hint(err, "user namespaces must be allowed for ordinary users "
					 "(sysctl user.max_user_namespaces > 0, "
					 "kernel.unprivileged_userns_clone = 1 where it exists)");
	}
	if (write_map("newuidmap", pid, getuid(), &ru, err) < 0 ||
	    write_map("newgidmap", pid, getgid(), &rg, err) < 0) {
		close(go[1]);
		return -1;
	}
	_cleanup_free_ char *text = lxr_xasprintf("%d\n", (int)pid);
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || lxr_write_file_atomic(dfd, "pause.pid", text, strlen(text), 0600, err) < 0) {
		if (dfd < 0)
			lxr_fail(err, errno, "open %s", dir);
		kill(pid, SIGKILL);
		close(go[1]);
		return -1;
	}
	if (write(go[1], "g", 1) != 1) {
		close(go[1]);
		return lxr_fail(err, errno, "rootless lxr: start the pause process");
	}
	close(go[1]);
	*out = pid;
	return 0;
}

static int join(pid_t pid, lxr_err *err)
{
	static const struct {
		const char *ns;
		int flag;
	} order[] = {{"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS}};
	_cleanup_free_ char *cwd = getcwd(NULL, 0);
	int fds[2];

	/* both opened first: /proc/PID is read through the host's mounts */
	for (int i = 0; i < 2; i++) {
		_cleanup_free_ char *p = lxr_xasprintf("/proc/%d/ns/%s", (int)pid, order[i].ns);
		fds[i] = open(p, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			if (i)
				close(fds[0]);
			return lxr_fail(err, errno, "rootless lxr: open %s", p);
		}
	}
	for (int i = 0; i < 2; i++) {
		if (setns(fds[i], order[i].flag) < 0) {
			int e = errno;
			close(fds[0]);
			close(fds[1]);
			return lxr_fail(err, e,
					"rootless lxr: setns %s namespace of pause process %d",
					order[i].ns, (int)pid);
		}
	}
	close(fds[0]);
	close(fds[1]);
	/* joining a mount namespace moves to its root: back to where the user
	 * was (the same directory, through the same host mounts) */
	if (cwd && chdir(cwd) < 0)
		return lxr_fail(err, errno, "rootless lxr: chdir %s", cwd);
	/* the user's own id is 0 in there; groups are whatever maps */
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return lxr_fail(err, errno, "rootless lxr: become root of the user namespace");
	return 0;
}

/* $XDG_RUNTIME_DIR, else /run/user/UID when it is the user's, as systemd
 * and pam_systemd make it. */
static int runtime_dir(char **out, lxr_err *err)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	struct stat st;

	if (x && *x) {
		*out = lxr_xstrdup(x);
		return 0;
	}
	*out = lxr_xasprintf("/run/user/%u", (unsigned)getuid());
	if (stat(*out, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == getuid()) {
		setenv("XDG_RUNTIME_DIR", *out, 1);
		return 0;
	}
	lxr_fail(err, ENOENT, "rootless lxr: XDG_RUNTIME_DIR is not set and %s is not yours", *out);
	free(lxr_steal_ptr(out));
	return lxr_err_hint(err, "log in through a session that makes it (pam_systemd), or set "
				 "XDG_RUNTIME_DIR to a directory only you can write (mode 0700)");
}

int cli_rootless_enter(void)
{
	_cleanup_free_ char *rt = NULL, *dir = NULL, *lockf = NULL, *pidf = NULL;
	_cleanup_close_ int lock = -1;
	struct pw_user u;
	bool known;
	char uid[24];
	lxr_err err = {0};
	pid_t pid;

	if (geteuid() == 0)
		return 0;
	known = user_of(getuid(), &u);
	/* the user's data and settings live under HOME (src/util/dirs.c) */
	if (known && *u.home && !getenv("HOME"))
		setenv("HOME", u.home, 1);
	if (runtime_dir(&rt, &err) < 0)
		goto fail;
	dir = lxr_xasprintf("%s/lxr", rt);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		lxr_fail(&err, errno, "rootless lxr: mkdir %s", dir);
		goto fail;
	}
	lockf = lxr_xasprintf("%s/pause.lock", dir);
	pidf = lxr_xasprintf("%s/pause.pid", dir);
	lock = open(lockf, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_EX) < 0) {
		lxr_fail(&err, errno, "rootless lxr: lock %s", lockf);
		goto fail;
	}
	pid = pause_alive(pidf);
	if (!pid && pause_start(dir, known ? u.name : "?", &pid, &err) < 0)
		goto fail;
	snprintf(uid, sizeof(uid), "%u", (unsigned)getuid());
	if (join(pid, &err) < 0)
		goto fail;
	/* lxr_rootless_uid: this process and every lxr it execs (lxr-image,
	 * a re-executed supervisor) pick the user's directories */
	setenv(LXR_ROOTLESS_ENV, uid, 1);
	return 0;
fail:
	lxr_err_print(&err);
	return -1;
}

/* lxr doctor as an ordinary user: what entering needs, checked from
 * outside (nothing is made). */
void cli_rootless_check(struct lxr_checks *c)
{
	static const char breaks[] = "every lxr command but config, for this user";
	struct pw_user u;
	const char *user = user_of(getuid(), &u) ? u.name : "?";
	_cleanup_free_ char *rt = NULL;
	struct idrange r;
	lxr_err err = {0};
	const char *files[] = {"/etc/subuid", "/etc/subgid"};

	for (int i = 0; i < 2; i++) {
		if (sub_range(files[i], user, getuid(), &r, &err) == 0)
			lxr_check_add(c, files[i], LXR_CHECK_OK, NULL, NULL,
				      "%s has %lu ids from %lu", user, r.count, r.start);
		else
			lxr_check_add(c, files[i], LXR_CHECK_MISSING, breaks, err.hint, "%s",
				      err.msg);
	}
	for (int i = 0; i < 2; i++) {
		const char *h = i ? "newgidmap" : "newuidmap";
		_cleanup_free_ char *p = lxr_xasprintf("/usr/bin/%s", h);
		struct stat st;
		if (stat(p, &st) < 0)
			lxr_check_add(c, h, LXR_CHECK_MISSING, breaks, "apt-get install uidmap",
				      "%s is not installed", p);
		else
			lxr_check_add(c, h, LXR_CHECK_OK, NULL, NULL, "%s%s", p,
				      st.st_mode & S_ISUID ? " (setuid)" : "");
	}
	if (runtime_dir(&rt, &err) == 0)
		lxr_check_add(c, "XDG_RUNTIME_DIR", LXR_CHECK_OK, NULL, NULL,
			      "%s (lxr's state: %s/lxr)", rt, rt);
	else
		lxr_check_add(c, "XDG_RUNTIME_DIR", LXR_CHECK_MISSING, breaks, err.hint, "%s",
			      err.msg);
}

/* A build's RUN steps join lxr run's default bridge: rootless, in a
 * network namespace of the build's own (pasta, no published port), made
 * in a child so the caller stays in the host's (an `up` that builds first
 * goes on to start its pasta from there). */
static int build_in_netns(void *ctx, lxr_err *err)
{
	_cleanup_free_ char *dir = lxr_xasprintf("%s/_build-net/%d", lxr_run_dir(), (int)getpid());
	int r = lxr_mkdir_p(dir, 0700, err);

	if (r == 0)
		r = net_rootless_enter(dir, NULL, 0, err);
	if (r == 0)
		r = bld_build(ctx, err);
	net_rootless_leave(dir);
	rmdir(dir);
	return r;
}

int cli_build_run(const struct bld_request *rq, lxr_err *err)
{
	if (lxr_rootless_uid() < 0)
		return bld_build(rq, err);
	return lxr_call_in_child(build_in_netns, (void *)rq, "build", err);
}
