/* What the process entering a container needs, handed from lxr to a fresh
 * image of itself (exec_in.c): the command's process part of the spec (its
 * arguments, environment, directory, terminal, credentials, rlimits), the
 * seccomp program the caller compiled, and the numbers of the descriptors it
 * inherits. Written as JSON into a sealed memfd; read back strictly, since
 * whatever it says is what the container's process becomes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <linux/filter.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "runtime/runtime_internal.h"

/* An exec's environment and arguments are bounded by the kernel (ARG_MAX);
 * the request adds a seccomp program of at most BPF_MAXINSNS. */
#define REQ_MAX (8u << 20)

static json_t *strv(char *const *v)
{
	json_t *a = json_array();

	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* 64-bit values (capability sets, RLIM_INFINITY) as JSON's signed integers:
 * the same bits both ways */
static json_t *u64(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *process_json(const struct lxr_spec *p)
{
	json_t *groups = json_array(), *rl = json_array();

	for (size_t i = 0; i < p->n_additional_gids; i++)
		json_array_append_new(groups, json_integer(p->additional_gids[i]));
	for (size_t i = 0; i < p->n_rlimits; i++)
		json_array_append_new(rl,
				      json_pack("[i,o,o]", p->rlimits[i].resource,
						u64(p->rlimits[i].soft), u64(p->rlimits[i].hard)));
	return json_pack("{s:s?, s:o, s:o, s:s?, s:b, s:i, s:i, s:I, s:I, s:o, s:[o,o,o,o,o], "
			 "s:b, s:o}",
			 "id", p->id, "args", strv(p->args), "env", strv(p->env), "cwd", p->cwd,
			 "terminal", p->terminal, "rows", p->console_rows, "cols", p->console_cols,
			 "uid", (json_int_t)p->uid, "gid", (json_int_t)p->gid, "groups", groups,
			 "caps", u64(p->caps.bounding), u64(p->caps.effective),
			 u64(p->caps.permitted), u64(p->caps.inheritable), u64(p->caps.ambient),
			 "no_new_privileges", p->no_new_privileges, "rlimits", rl);
}

int rt_exec_req_write(const struct lxr_spec *proc, const struct rt_exec_req *r, lxr_err *err)
{
	json_t *fds = json_array(), *join = json_array(), *doc;
	_cleanup_close_ int fd = -1;
	size_t len, prog = r->filter_len * sizeof(*r->filter);
	char *text;

	for (int i = 0; i < 3; i++)
		json_array_append_new(fds, json_integer(r->stdio[i]));
	for (size_t i = 0; i < r->n_join; i++)
		json_array_append_new(join, json_integer(r->join[i]));
	doc = json_pack("{s:o, s:b, s:b, s:I, s:i, s:i, s:o, s:o, s:b}", "process",
			process_json(proc), "filtered", r->filtered, "profile", r->profile,
			"filter_len", (json_int_t)r->filter_len, "target", r->target, "sync",
			r->sync, "stdio", fds, "join", join, "detach", r->detach);

	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (!text)
		return lxr_fail(err, ENOMEM, "exec request");
	len = strlen(text) + 1; /* its NUL ends the JSON */
	/* close-on-exec until the helper's start clears it for the fresh
	 * image; sealed, so nothing else holding it can change what it says */
	fd = memfd_create("lxr-exec-request", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len ||
	    (prog && write(fd, r->filter, prog) != (ssize_t)prog) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
		int e = errno;
		free(text);
		return lxr_fail(err, e, "write the exec request (memfd)");
	}
	free(text);
	return lxr_steal_fd(&fd);
}

static char **strv_of(json_t *a)
{
	char **v = lxr_xcalloc(json_array_size(a) + 1, sizeof(char *));
	size_t i;
	json_t *s;

	json_array_foreach(a, i, s) v[i] = lxr_xstrdup(json_string_value(s));
	return v;
}

static bool all_strings(json_t *a)
{
	size_t i;
	json_t *s;

	if (!json_is_array(a))
		return false;
	json_array_foreach(a, i, s) if (!json_is_string(s)) return false;
	return true;
}

/* a uid or gid lxr can set: 0 .. 2^32-2 */
static bool id_ok(json_int_t v)
{
	return v >= 0 && v < (json_int_t)UINT32_MAX;
}

static bool fd_ok(json_int_t v, bool none_ok)
{
	return (none_ok && v == -1) || (v >= 0 && v <= INT_MAX);
}

static int process_of(json_t *j, struct lxr_spec *p, lxr_err *err)
{
	json_t *args, *env, *groups, *rl, *caps[5], *id = NULL, *cwd = NULL;
	json_int_t uid = -1, gid = -1, rows = 0, cols = 0;
	int terminal = 0, nnp = 0;
	json_error_t je;
	size_t i;
	json_t *v;

	if (json_unpack_ex(
		j, &je, JSON_STRICT,
		"{s?o, s:o, s:o, s?o, s:b, s:I, s:I, s:I, s:I, s:o, s:[ooooo], s:b, s:o}", "id",
		&id, "args", &args, "env", &env, "cwd", &cwd, "terminal", &terminal, "rows", &rows,
		"cols", &cols, "uid", &uid, "gid", &gid, "groups", &groups, "caps", &caps[0],
		&caps[1], &caps[2], &caps[3], &caps[4], "no_new_privileges", &nnp, "rlimits",
		&rl) < 0 ||
	    (id && !json_is_string(id) && !json_is_null(id)) ||
	    (cwd && !json_is_string(cwd) && !json_is_null(cwd)) || !all_strings(args) ||
	    !json_array_size(args) || !all_strings(env) || !json_is_array(groups) ||
	    !json_is_array(rl))
		return lxr_fail(err, EBADMSG, "exec request: %s", je.text);
	for (int k = 0; k < 5; k++)
		if (!json_is_integer(caps[k]))
			return lxr_fail(err, EBADMSG, "exec request: caps");
	/* (uid_t)-1 would mean "unchanged" to setresuid: root */
	if (!id_ok(uid) || !id_ok(gid) || rows < 0 || rows > USHRT_MAX || cols < 0 ||
	    cols > USHRT_MAX)
		return lxr_fail(err, EBADMSG,
				"exec request: uid, gid or terminal size out of range");
	p->id = json_is_string(id) ? lxr_xstrdup(json_string_value(id)) : NULL;
	p->args = strv_of(args);
	p->env = strv_of(env);
	p->cwd = json_is_string(cwd) ? lxr_xstrdup(json_string_value(cwd)) : NULL;
	p->terminal = terminal;
	p->console_rows = (unsigned short)rows;
	p->console_cols = (unsigned short)cols;
	p->uid = (uid_t)uid;
	p->gid = (gid_t)gid;
	p->caps = (struct lxr_caps){
	    (uint64_t)json_integer_value(caps[0]), (uint64_t)json_integer_value(caps[1]),
	    (uint64_t)json_integer_value(caps[2]), (uint64_t)json_integer_value(caps[3]),
	    (uint64_t)json_integer_value(caps[4])};
	p->no_new_privileges = nnp;
	p->additional_gids = lxr_xcalloc(json_array_size(groups) + 1, sizeof(gid_t));
	json_array_foreach(groups, i, v)
	{
		if (!json_is_integer(v) || !id_ok(json_integer_value(v)))
			return lxr_fail(err, EBADMSG, "exec request: groups");
		p->additional_gids[p->n_additional_gids++] = (gid_t)json_integer_value(v);
	}
	p->rlimits = lxr_xcalloc(json_array_size(rl) + 1, sizeof(*p->rlimits));
	json_array_foreach(rl, i, v)
	{
		json_int_t res, soft, hard;
		if (json_unpack(v, "[III!]", &res, &soft, &hard) < 0 || res < 0 ||
		    res >= RLIM_NLIMITS)
			return lxr_fail(err, EBADMSG, "exec request: rlimits");
		p->rlimits[p->n_rlimits++] =
		    (struct lxr_rlimit){(int)res, (uint64_t)soft, (uint64_t)hard};
	}
	return 0;
}

/* the cgroup.procs descriptors: at most one per hierarchy */
static int join_of(json_t *a, struct rt_exec_req *r)
{
	size_t n = json_is_array(a) ? json_array_size(a) : SIZE_MAX;

	if (n > RT_CG_JOIN_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_array_get(a, i);
		if (!json_is_integer(v) || !fd_ok(json_integer_value(v), false))
			return -1;
		r->join[i] = (int)json_integer_value(v);
	}
	r->n_join = n;
	return 0;
}

/* the program after the JSON's NUL: exactly n instructions */
static int filter_of(const char *bytes, size_t left, json_int_t n, struct rt_exec_req *r,
		     lxr_err *err)
{
	if (n < 0 || n > BPF_MAXINSNS || left != (size_t)n * sizeof(*r->filter))
		return lxr_fail(err, EBADMSG,
				"exec request: a filter of %lld instructions in %zu bytes",
				(long long)n, left);
	r->filter = lxr_xcalloc((size_t)n + 1, sizeof(*r->filter));
	memcpy(r->filter, bytes, left);
	r->filter_len = (size_t)n;
	return 0;
}

static int read_all(int fd, char **text, size_t *len, lxr_err *err)
{
	size_t cap = 4096;
	ssize_t n;

	*text = lxr_xmalloc(cap);
	*len = 0;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return lxr_fail(err, errno, "exec request: lseek");
	while ((n = read(fd, *text + *len, cap - *len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return lxr_fail(err, errno, "exec request: read");
		*len += (size_t)n;
		if (*len == cap) {
			if (cap >= REQ_MAX)
				return lxr_fail(err, EFBIG, "exec request over %u bytes", REQ_MAX);
			cap *= 2;
			*text = lxr_xrealloc(*text, cap);
		}
	}
	return 0;
}

int rt_exec_req_read(int fd, struct rt_exec_req *r, lxr_err *err)
{
	_cleanup_free_ char *text = NULL;
	json_t *doc, *proc, *fds, *join;
	json_int_t n_filter = 0, target = -1, sync = -1, in = -1, out = -1, errfd = -1;
	json_error_t je;
	size_t len, jlen;
	int filtered = 0, profile = 0, detach = 0, rc = -1, seals;

	memset(r, 0, sizeof(*r));
	r->proc = lxr_xcalloc(1, sizeof(*r->proc));
	/* sealed, as lxr writes it: what it says cannot change while read */
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_WRITE) || !(seals & F_SEAL_SHRINK))
		return lxr_fail(err, EBADMSG, "exec request: not a sealed memfd");
	if (read_all(fd, &text, &len, err) < 0)
		return -1;
	jlen = strnlen(text, len);
	if (jlen == len)
		return lxr_fail(err, EBADMSG, "exec request: no end to its JSON");
	doc = json_loadb(text, jlen, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		return lxr_fail(err, EBADMSG, "exec request: %s", je.text);
	if (json_unpack_ex(doc, &je, JSON_STRICT, "{s:o, s:b, s:b, s:I, s:I, s:I, s:o, s:o, s:b}",
			   "process", &proc, "filtered", &filtered, "profile", &profile,
			   "filter_len", &n_filter, "target", &target, "sync", &sync, "stdio", &fds,
			   "join", &join, "detach", &detach) < 0 ||
	    json_unpack(fds, "[III!]", &in, &out, &errfd) < 0)
		lxr_fail(err, EBADMSG, "exec request: %s", je.text);
	else if (!fd_ok(target, false) || !fd_ok(sync, false) || !fd_ok(in, true) ||
		 !fd_ok(out, true) || !fd_ok(errfd, true) || join_of(join, r) < 0)
		lxr_fail(err, EBADMSG, "exec request: a descriptor out of range");
	else if (process_of(proc, r->proc, err) == 0 &&
		 filter_of(text + jlen + 1, len - jlen - 1, n_filter, r, err) == 0)
		rc = 0;
	r->target = (int)target, r->sync = (int)sync;
	r->stdio[0] = (int)in, r->stdio[1] = (int)out, r->stdio[2] = (int)errfd;
	r->filtered = filtered;
	r->profile = profile;
	r->detach = detach;
	json_decref(doc);
	return rc;
}

void rt_exec_req_free(struct rt_exec_req *r)
{
	if (r->proc) {
		free(r->proc->id);
		lxr_strv_free(r->proc->args);
		lxr_strv_free(r->proc->env);
		free(r->proc->cwd);
		free(r->proc->additional_gids);
		free(r->proc->rlimits);
		free(r->proc);
	}
	free(r->filter);
	memset(r, 0, sizeof(*r));
}
