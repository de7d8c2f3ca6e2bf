/* The container's state file: what a later lxr process (exec, rm, crash
 * cleanup) needs to find it. key=value lines, written atomically. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "runtime/runtime_internal.h"

/* seccomp=: 0 none, 1 docker's default (for cap_bnd), 2 the profile on
 * the seccomp_profile= line, in plan_seccomp_text's form. */
static char *seccomp_fields(const struct lxr_spec *spec)
{
	_cleanup_free_ char *text = NULL;

	if (!spec->seccomp)
		return lxr_xasprintf("seccomp=%d\n", spec->seccomp_default);
	text = plan_seccomp_text(spec->seccomp);
	return lxr_xasprintf("seccomp=2\nseccomp_profile=%s\n", text);
}

/* rlimits=RESOURCE:SOFT:HARD,... (hex; RLIM_INFINITY all ones) */
static char *rlimit_field(const struct lxr_spec *spec)
{
	char *t = lxr_xstrdup("rlimits=");

	for (size_t i = 0; i < spec->n_rlimits; i++) {
		const struct lxr_rlimit *l = &spec->rlimits[i];
		char *n = lxr_xasprintf("%s%s%d:%llx:%llx", t, i ? "," : "", l->resource,
					(unsigned long long)l->soft, (unsigned long long)l->hard);
		free(t);
		t = n;
	}
	return t;
}

/* The process settings `lxr exec` inherits (docker exec: the container's
 * environment, user, capabilities, working directory, rlimits and syscall
 * filter). */
static char *process_fields(const struct lxr_spec *spec)
{
	_cleanup_free_ char *sc = seccomp_fields(spec);
	_cleanup_free_ char *rl = rlimit_field(spec);
	char *groups = lxr_xstrdup("");

	for (size_t i = 0; i < spec->n_additional_gids; i++) {
		char *n = lxr_xasprintf("%s%s%u", groups, i ? "," : "",
					(unsigned)spec->additional_gids[i]);
		free(groups);
		groups = n;
	}
	char *t = lxr_xasprintf(
	    "uid=%u\ngid=%u\ngroups=%s\ncwd=%s\ncap_bnd=%llx\ncap_eff=%llx\n"
	    "cap_prm=%llx\ncap_inh=%llx\ncap_amb=%llx\nno_new_privs=%d\n%s\n%s",
	    (unsigned)spec->uid, (unsigned)spec->gid, groups, spec->cwd ? spec->cwd : "/",
	    (unsigned long long)spec->caps.bounding, (unsigned long long)spec->caps.effective,
	    (unsigned long long)spec->caps.permitted, (unsigned long long)spec->caps.inheritable,
	    (unsigned long long)spec->caps.ambient, spec->no_new_privileges, rl, sc);
	free(groups);
	return t;
}

int rt_state_write(const char *dir, const struct lxr_spec *spec, pid_t pid, lxr_err *err)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *text = NULL, *proc = NULL;
	unsigned long long st = 0;
	size_t len;

	if (dfd < 0)
		return lxr_fail(err, errno, "open %s", dir);
	lxr_proc_stat(pid, NULL, &st);
	proc = process_fields(spec);
	text =
	    lxr_xasprintf("id=%s\npid=%d\nstarttime=%llu\ncgroup_group=%s\n%s\n", spec->id,
			  (int)pid, st, spec->cgroup_group ? spec->cgroup_group : "default", proc);
	/* after the blank line: the environment, NUL-separated (values may
	 * hold any byte but NUL, newlines included) */
	len = strlen(text);
	for (size_t i = 0; !spec->secret_env && spec->env && spec->env[i]; i++) {
		size_t l = strlen(spec->env[i]) + 1;
		text = lxr_xrealloc(text, len + l);
		memcpy(text + len, spec->env[i], l);
		len += l;
	}
	/* "state" only once the command runs (rt_state_publish): before, the
	 * container's mount namespace is still a copy of the host's, and an
	 * `lxr exec` that found it would join that, not the container. No
	 * fsync: after a power cut the file names a process that is gone
	 * (pid and start time), and a torn one finds no live init either. */
	return lxr_write_file_replace(dfd, RT_STATE_STARTING, text, len, 0600, err);
}

int rt_state_publish(const char *dir, lxr_err *err)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return lxr_fail(err, errno, "open %s", dir);
	if (renameat(dfd, RT_STATE_STARTING, dfd, "state") < 0)
		return lxr_fail(err, errno, "rename %s/%s to state", dir, RT_STATE_STARTING);
	return 0;
}

static char *field(char *text, const char *key)
{
	size_t kl = strlen(key);

	for (char *l = text; l && *l;) {
		char *nl = strchr(l, '\n');
		if (!strncmp(l, key, kl) && l[kl] == '=')
			return lxr_xstrndup(l + kl + 1, nl ? (size_t)(nl - l - (ptrdiff_t)kl - 1)
							   : strlen(l + kl + 1));
		l = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static uint64_t hexfield(char *text, const char *key)
{
	_cleanup_free_ char *v = field(text, key);
	return v ? strtoull(v, NULL, 16) : 0;
}

static int read_seccomp(char *text, struct lxr_spec *p, lxr_err *err)
{
	_cleanup_free_ char *sc = field(text, "seccomp");
	_cleanup_free_ char *profile = NULL;

	/* fail closed: a state without the field (or with one lxr does not
	 * know) gets docker's default filter, never none */
	p->seccomp_default = !sc || (strcmp(sc, "0") && strcmp(sc, "2"));
	if (!sc || strcmp(sc, "2"))
		return 0;
	profile = field(text, "seccomp_profile");
	/* without its profile, exec must not run a process unfiltered */
	if (!profile)
		return lxr_fail(err, EINVAL, "seccomp profile missing from the state file");
	return plan_seccomp_from_text(profile, &p->seccomp, err);
}

/* One number of the rlimits field: digits of base only (no sign, blank or
 * prefix), at least one, within uint64; *s moves past them */
static bool state_number(const char **s, int base, uint64_t *out)
{
	const char *digits = base == 10 ? "0123456789" : "0123456789abcdef";
	size_t n = strspn(*s, digits);
	char *end;

	if (!n)
		return false;
	errno = 0;
	*out = strtoull(*s, &end, base);
	if (errno || end != *s + n)
		return false;
	*s = end;
	return true;
}

/* The container's rlimits, which an exec gets as docker exec's process
 * does: strictly (RESOURCE:SOFT:HARD,...), since they are what the exec
 * runs with */
static int read_rlimits(char *text, struct lxr_spec *p, lxr_err *err)
{
	_cleanup_free_ char *rl = field(text, "rlimits");
	const char *s = rl;

	while (s && *s) {
		struct lxr_rlimit l;
		uint64_t res;
		if (!state_number(&s, 10, &res) || res >= RLIM_NLIMITS || *s++ != ':' ||
		    !state_number(&s, 16, &l.soft) || *s++ != ':' ||
		    !state_number(&s, 16, &l.hard) || (*s && (*s++ != ',' || !*s)))
			return lxr_fail(err, EINVAL, "state file: bad rlimits \"%s\"", rl);
		l.resource = (int)res;
		p->rlimits = lxr_xrealloc(p->rlimits, (p->n_rlimits + 1) * sizeof(*p->rlimits));
		p->rlimits[p->n_rlimits++] = l;
	}
	return 0;
}

static int read_process(char *text, size_t len, struct lxr_container_ref *ref, lxr_err *err)
{
	struct lxr_spec *p = &ref->process;
	char *blank = strstr(text, "\n\n");

	/* The environment after the blank line first; then the header ends
	 * there, so no variable can pose as a header field. */
	if (blank) {
		for (size_t off = (size_t)(blank + 2 - text); off < len;
		     off += strlen(text + off) + 1)
			lxr_strv_push(&p->env, lxr_xstrdup(text + off));
		blank[1] = '\0';
	}
	_cleanup_free_ char *uid = field(text, "uid"), *gid = field(text, "gid");
	_cleanup_free_ char *groups = field(text, "groups");
	_cleanup_free_ char *nnp = field(text, "no_new_privs");

	p->uid = uid ? (uid_t)strtoul(uid, NULL, 10) : 0;
	p->gid = gid ? (gid_t)strtoul(gid, NULL, 10) : 0;
	for (char *g = groups, *e; g && *g; g = *e ? e + 1 : e) {
		p->additional_gids =
		    lxr_xrealloc(p->additional_gids, (p->n_additional_gids + 1) * sizeof(gid_t));
		p->additional_gids[p->n_additional_gids++] = (gid_t)strtoul(g, &e, 10);
	}
	p->cwd = field(text, "cwd");
	p->caps.bounding = hexfield(text, "cap_bnd");
	p->caps.effective = hexfield(text, "cap_eff");
	p->caps.permitted = hexfield(text, "cap_prm");
	p->caps.inheritable = hexfield(text, "cap_inh");
	p->caps.ambient = hexfield(text, "cap_amb");
	p->no_new_privileges = nnp && atoi(nnp);
	if (read_rlimits(text, p, err) < 0)
		return -1;
	return read_seccomp(text, p, err);
}

int rt_container_find(const char *state_root, const char *id, struct lxr_container_ref *ref,
		      lxr_err *err)
{
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s/state", state_root, id);
	_cleanup_free_ char *text = NULL, *pid = NULL, *st = NULL;
	unsigned long long now;
	size_t len = 0;

	memset(ref, 0, sizeof(*ref));
	ref->pidfd = -1;
	if (lxr_read_file_at(AT_FDCWD, path, &text, &len, err) < 0) {
		if (err->errnum == ENOENT)
			return lxr_fail(err, ESRCH, "no container \"%s\" is running", id);
		return -1;
	}
	/* also ends text at the header */
	if (read_process(text, len, ref, err) < 0) {
		rt_container_ref_free(ref);
		return lxr_err_wrap(err, "container \"%s\"", id);
	}
	pid = field(text, "pid");
	st = field(text, "starttime");
	/* the container's own name: what id named may be a link to it (an
	 * instance after a start-first update: web-1 -> web-1.next) */
	ref->id = field(text, "id");
	if (!ref->id || !*ref->id) {
		free(ref->id);
		ref->id = lxr_xstrdup(id);
	}
	ref->cgroup_group = field(text, "cgroup_group");
	ref->pid = pid ? (pid_t)atoi(pid) : -1;
	if (ref->pid > 0)
		ref->pidfd = (int)syscall(SYS_pidfd_open, ref->pid, 0);
	/* Checked after opening the pidfd: if the start time still matches,
	 * the pidfd names the container's init, not a newer process. */
	if (ref->pidfd < 0 || lxr_proc_stat(ref->pid, NULL, &now) < 0 || !st ||
	    now != strtoull(st, NULL, 10)) {
		rt_container_ref_free(ref);
		return lxr_fail(err, ESRCH, "container \"%s\" is not running", id);
	}
	return 0;
}

void rt_container_ref_free(struct lxr_container_ref *ref)
{
	if (ref->pidfd >= 0)
		close(ref->pidfd);
	plan_spec_free(&ref->process);
	free(ref->cgroup_group);
	free(ref->id);
	memset(ref, 0, sizeof(*ref));
	ref->pidfd = -1;
}

int rt_container_find_any(const char *run_dir, const char *id, struct lxr_container_ref *ref,
			  lxr_err *err)
{
	DIR *d = opendir(run_dir);
	struct dirent *e;
	int found = 0;

	memset(ref, 0, sizeof(*ref));
	ref->pidfd = -1;
	if (!d)
		return lxr_fail(err, errno == ENOENT ? ESRCH : errno,
				"no container \"%s\" is running (%s)", id, run_dir);
	while ((e = readdir(d))) {
		_cleanup_free_ char *root = NULL;
		struct lxr_container_ref r;
		lxr_err ignored;

		if (e->d_name[0] == '.' || !strcmp(e->d_name, "_run-sup"))
			continue;
		root = lxr_xasprintf("%s/%s", run_dir, e->d_name);
		if (rt_container_find(root, id, &r, &ignored) < 0)
			continue;
		if (found++) {
			rt_container_ref_free(&r);
			continue;
		}
		*ref = r;
	}
	closedir(d);
	if (found == 1)
		return 0;
	if (found)
		rt_container_ref_free(ref);
	if (!found)
		return lxr_fail(err, ESRCH, "no container \"%s\" is running", id),
		       lxr_err_hint(err, "name a running container as `lxr ps` (or `lxr ps` "
					 "in its project) shows it");
	return lxr_fail(err, EEXIST, "container name \"%s\" is running in %d projects", id, found),
	       lxr_err_hint(err, "give that container a name of its own (container_name, "
				 "or `lxr run --name`)");
}

bool rt_container_dead(const char *state_root, const char *id)
{
	static const char *const files[] = {"state", RT_STATE_STARTING};

	for (size_t i = 0; i < 2; i++) {
		_cleanup_free_ char *path = lxr_xasprintf("%s/%s/%s", state_root, id, files[i]);
		_cleanup_free_ char *text = NULL, *pid = NULL, *st = NULL;
		unsigned long long now;
		size_t len;

		if (lxr_read_file_at(AT_FDCWD, path, &text, &len, NULL) < 0)
			continue;
		/* lxr renames only whole files into place: an empty one is
		 * what a power cut left of an unsynced write, whose init is
		 * gone with the boot it ran in */
		if (len == 0)
			return true;
		pid = field(text, "pid");
		st = field(text, "starttime");
		/* a torn or foreign file says nothing: not dead, as far as we know */
		if (!pid || !st || atoi(pid) <= 0)
			return false;
		/* a zombie no one has reaped yet is dead already */
		return lxr_pid_gone(atoi(pid)) || lxr_proc_stat(atoi(pid), NULL, &now) < 0 ||
		       now != strtoull(st, NULL, 10);
	}
	return false;
}
