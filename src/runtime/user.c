/* "user", "uid", "user:group", ... -> uid, gid and supplementary groups, as
 * docker's -u does (runc libcontainer/user GetExecUser), read from the
 * container's own /etc/passwd and /etc/group. The rootfs may come from
 * anyone: its files are opened with lxr_open_in_root so a symlinked
 * /etc/passwd resolves inside the rootfs, never to the host's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime/runtime_internal.h"

/* runc's valid id range: a 32-bit id that is not -1 read as signed. */
#define ID_MAX 0x7fffffffu

struct pw_entry {
	char *name;
	uid_t uid;
	gid_t gid;
	char *home;
};

static void pw_entry_free(struct pw_entry *e)
{
	free(e->name);
	free(e->home);
	*e = (struct pw_entry){0};
}

static bool parse_id(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > ID_MAX)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

static bool all_digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

/* Open etc/<file> inside rootfs. A missing file is not an error (*f stays
 * NULL: names cannot resolve, numbers still can); anything else is, and so
 * is a file that is not regular, since a FIFO planted as /etc/passwd would
 * block us forever. */
#define ETC_MAX (16 << 20)

static int open_etc(const char *rootfs, const char *file, FILE **f, lxr_err *err)
{
	_cleanup_close_ int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = -1;
	struct stat st;

	*f = NULL;
	if (root < 0)
		return lxr_fail(err, errno, "open container root %s", rootfs);
	fd = lxr_open_in_root(root, file, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0, err);
	if (fd < 0 && err->errnum == ENOENT)
		return 0;
	if (fd < 0)
		return lxr_err_wrap(err, "container root %s", rootfs);
	if (fstat(fd, &st) < 0)
		return lxr_fail(err, errno, "stat %s%s", rootfs, file);
	if (!S_ISREG(st.st_mode))
		return lxr_fail(err, EINVAL, "%s%s is not a regular file", rootfs, file);
	/* the container may have written it (lxr exec -u reads it through
	 * /proc/PID/root): a sparse file of terabytes without a newline must
	 * not become one line in lxr's memory */
	if (st.st_size > ETC_MAX)
		return lxr_fail(err, EFBIG, "%s%s is larger than %d MiB", rootfs, file,
				ETC_MAX >> 20),
		       lxr_err_hint(err, "a passwd or group file that large is not one lxr reads");
	*f = fdopen(fd, "r");
	if (!*f)
		return lxr_fail(err, errno, "fdopen %s%s", rootfs, file);
	lxr_steal_fd(&fd);
	return 0;
}

/* Split a colon-separated line into at most max fields in place; returns
 * the count. Trailing newline is dropped. */
static size_t split_fields(char *line, char **fields, size_t max)
{
	size_t n = 0;

	line[strcspn(line, "\n")] = '\0';
	while (n < max && line) {
		fields[n++] = strsep(&line, ":");
	}
	return n;
}

/* First passwd line whose name (by_name) or uid matches wins, as in runc. */
static bool find_passwd(FILE *f, const char *name, uid_t uid, struct pw_entry *out)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	if (!f)
		return false;
	while (getline(&line, &cap, f) > 0) {
		char *fl[7] = {0};
		uint32_t u, g;
		size_t n = split_fields(line, fl, 7);

		if (n < 4 || fl[0][0] == '#' || !parse_id(fl[2], &u) || !parse_id(fl[3], &g))
			continue;
		if (name ? strcmp(fl[0], name) != 0 : u != uid)
			continue;
		out->name = lxr_xstrdup(fl[0]);
		out->uid = u;
		out->gid = g;
		out->home = lxr_xstrdup(n > 5 ? fl[5] : "");
		return true;
	}
	return false;
}

/* One pass over /etc/group: with group_arg, the first group matching it
 * (by gid when numeric, else by name) sets *gid; without, every group whose
 * member list names member is collected into gids. */
static bool scan_group(FILE *f, const char *group_arg, const char *member, gid_t *gid, gid_t **gids,
		       size_t *ngids)
{
	_cleanup_free_ char *line = NULL;
	uint32_t want = 0;
	bool numeric = group_arg && parse_id(group_arg, &want);
	size_t cap = 0;

	if (!f)
		return false;
	while (getline(&line, &cap, f) > 0) {
		char *fl[4] = {0};
		uint32_t g;

		if (split_fields(line, fl, 4) < 3 || fl[0][0] == '#' || !parse_id(fl[2], &g))
			continue;
		if (group_arg) {
			if (numeric ? g != want : strcmp(fl[0], group_arg) != 0)
				continue;
			*gid = g;
			return true;
		}
		for (char *m, *list = fl[3]; list && (m = strsep(&list, ","));) {
			if (strcmp(m, member) != 0)
				continue;
			*gids = lxr_xrealloc(*gids, (*ngids + 1) * sizeof(**gids));
			(*gids)[(*ngids)++] = g;
			break;
		}
	}
	return false;
}

static int unknown(lxr_err *err, const char *what, const char *name, const char *file,
		   bool file_exists)
{
	/* the image's file, not where the store keeps it; no errno where the
	 * file was read and the name is not in it */
	lxr_fail(err, file_exists ? 0 : ENOENT, "unknown %s \"%s\": not in the image's %s%s", what,
		 name, file, file_exists ? "" : " (the file does not exist)");
	return lxr_err_hint(err,
			    "add the %s to the image's %s, or give a numeric id (e.g. "
			    "user: \"1000:1000\")",
			    what, file);
}

static int resolve_user_part(const char *rootfs, const char *arg, uid_t *uid, gid_t *gid,
			     char **matched, lxr_err *err)
{
	_cleanup_fclose_ FILE *pw = NULL;
	struct pw_entry e = {0};
	uint32_t num = 0;
	bool numeric = parse_id(arg, &num);

	if (!numeric && all_digits(arg))
		return lxr_fail(err, ERANGE, "uid %s is out of range (0..%u)", arg, ID_MAX);
	if (open_etc(rootfs, "/etc/passwd", &pw, err) < 0)
		return -1;
	/* A number is always a uid, never a name (runc's rule). */
	if (find_passwd(pw, numeric ? NULL : arg, num, &e)) {
		*uid = e.uid;
		*gid = e.gid;
		*matched = lxr_steal_ptr(&e.name);
		pw_entry_free(&e);
		return 0;
	}
	if (!numeric)
		return unknown(err, "user", arg, "/etc/passwd", pw != NULL);
	/* A uid without a passwd line runs with gid 0 and no supplementary
	 * groups, as docker does. */
	*uid = num;
	*gid = 0;
	return 0;
}

/* The primary group first, then the others (once each): docker's, which
 * puts the gid among the supplementary groups too (since the fix of
 * CVE-2023-25173), so no group-denied file opens through dropping it. */
static void set_groups(struct lxr_spec *spec, gid_t gid, const gid_t *others, size_t n)
{
	free(spec->additional_gids);
	spec->additional_gids = lxr_xcalloc(n + 1, sizeof(gid_t));
	spec->additional_gids[0] = gid;
	spec->n_additional_gids = 1;
	for (size_t i = 0; i < n; i++)
		if (others[i] != gid)
			spec->additional_gids[spec->n_additional_gids++] = others[i];
}

int rt_user_resolve(const char *rootfs, const char *user, struct lxr_spec *spec, lxr_err *err)
{
	_cleanup_free_ char *user_arg = NULL, *matched = NULL;
	_cleanup_fclose_ FILE *gr = NULL;
	_cleanup_free_ gid_t *gids = NULL;
	const char *colon = strchr(user, ':');
	const char *group_arg = colon ? colon + 1 : NULL;
	size_t ngids = 0;
	uid_t uid = 0;
	gid_t gid = 0;

	/* Both parts are optional, as runc's GetExecUser reads them for
	 * docker: an empty user is uid 0 (":" and ":GROUP" are root's), an
	 * empty group the user's own ("1000:" is "1000"). */
	user_arg = colon ? lxr_xstrndup(user, (size_t)(colon - user)) : lxr_xstrdup(user);
	if (!colon && !user_arg[0])
		return lxr_fail(err, EINVAL,
				"user \"\": expected user, uid, user:group or uid:gid");
	if (!user_arg[0]) {
		free(user_arg);
		user_arg = lxr_xstrdup("0");
	}
	if (group_arg && !group_arg[0])
		group_arg = NULL;
	if (resolve_user_part(rootfs, user_arg, &uid, &gid, &matched, err) < 0)
		return -1;
	if (group_arg || matched) {
		if (open_etc(rootfs, "/etc/group", &gr, err) < 0)
			return -1;
	}
	if (group_arg && !scan_group(gr, group_arg, NULL, &gid, NULL, NULL)) {
		uint32_t g;

		if (parse_id(group_arg, &g))
			gid = g;
		else if (all_digits(group_arg))
			return lxr_fail(err, ERANGE, "gid %s is out of range (0..%u)", group_arg,
					ID_MAX);
		else
			return unknown(err, "group", group_arg, "/etc/group", gr != NULL);
	}
	/* Supplementary groups only in the implicit form: "user:group" means
	 * exactly that group (runc GetExecUser). */
	if (!group_arg && matched)
		scan_group(gr, NULL, matched, NULL, &gids, &ngids);

	spec->uid = uid;
	spec->gid = gid;
	set_groups(spec, gid, gids, ngids);
	return 0;
}

int rt_user_home(const char *rootfs, uid_t uid, char **home, lxr_err *err)
{
	_cleanup_fclose_ FILE *pw = NULL;
	struct pw_entry e = {0};

	if (open_etc(rootfs, "/etc/passwd", &pw, err) < 0)
		return -1;
	if (find_passwd(pw, NULL, uid, &e) && e.home[0])
		*home = lxr_steal_ptr(&e.home);
	else
		*home = lxr_xstrdup("/");
	pw_entry_free(&e);
	return 0;
}

int rt_user_env_home(const char *rootfs, uid_t uid, char ***env, lxr_err *err)
{
	_cleanup_free_ char *home = NULL;

	for (size_t i = 0; *env && (*env)[i]; i++)
		if (lxr_str_has_prefix((*env)[i], "HOME="))
			return 0;
	if (rt_user_home(rootfs, uid, &home, err) < 0)
		return -1;
	lxr_strv_push(env, lxr_xasprintf("HOME=%s", home));
	return 0;
}

/* The topmost layer with etc/passwd: an image's top layer often has none
 * (a layer that only adds files), and the user lives in one below it. */
static const char *passwd_layer(char *const *dirs)
{
	for (size_t i = 0; dirs && dirs[i]; i++) {
		_cleanup_free_ char *p = lxr_xasprintf("%s/etc/passwd", dirs[i]);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISREG(st.st_mode))
			return dirs[i];
	}
	return dirs && dirs[0] ? dirs[0] : "/nonexistent";
}

/* compose's group_add / docker's --group-add */
static int add_groups(const char *root, char *const *groups, struct lxr_spec *spec, lxr_err *err)
{
	for (size_t i = 0; groups && groups[i]; i++) {
		_cleanup_fclose_ FILE *gr = NULL;
		gid_t g = 0;
		uint32_t num;

		if (parse_id(groups[i], &num)) {
			g = num;
		} else {
			if (open_etc(root, "/etc/group", &gr, err) < 0)
				return -1;
			if (!scan_group(gr, groups[i], NULL, &g, NULL, NULL))
				return unknown(err, "group", groups[i], "/etc/group", gr != NULL);
		}
		spec->additional_gids = lxr_xrealloc(spec->additional_gids,
						     (spec->n_additional_gids + 1) * sizeof(gid_t));
		spec->additional_gids[spec->n_additional_gids++] = g;
	}
	return 0;
}

int rt_spec_apply_user(struct lxr_spec *spec, const char *user, char *const *group_add,
		       lxr_err *err)
{
	const char *root = passwd_layer(spec->lower_dirs);

	if (user && rt_user_resolve(root, user, spec, err) < 0)
		return lxr_err_wrap(err, "user \"%s\"", user);
	if (!user) {
		/* root, with the groups the image's /etc/group gives root, as
		 * docker's; an image without (or with unreadable) files runs
		 * with group 0 alone */
		lxr_err ignored;
		if (rt_user_resolve(root, "0", spec, &ignored) < 0) {
			spec->uid = spec->gid = 0;
			set_groups(spec, 0, NULL, 0);
		}
	}
	if (add_groups(root, group_add, spec, err) < 0)
		return lxr_err_wrap(err, "group_add");
	/* CDI: a node its spec gives no owner is the user's, unless root */
	for (size_t i = 0; i < spec->n_devices; i++) {
		if (spec->devices[i].uid_of_user && spec->uid)
			spec->devices[i].uid = spec->uid;
		if (spec->devices[i].gid_of_user && spec->gid)
			spec->devices[i].gid = spec->gid;
	}
	/* docker: a non-root user keeps only the bounding set */
	rt_caps_for_user(&spec->caps, spec->uid);
	if (rt_user_env_home(root, spec->uid, &spec->env, err) < 0)
		return lxr_err_wrap(err, "HOME for uid %u", (unsigned)spec->uid);
	return 0;
}
