/* A service's other filesystem and privilege keys: tmpfs, volumes_from,
 * cap_add/cap_drop. */
#define _GNU_SOURCE
#include <ctype.h>
#include <string.h>

#include "config/config_internal.h"

/* Indexed by capability number (linux/capability.h). */
static const char *const caps[] = {
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
};

/* The table above is in the kernel's order: a name's index is its number. */
int cfg_cap_number(const char *name)
{
	if (!strncasecmp(name, "CAP_", 4))
		name += 4;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (!strcasecmp(name, caps[i]))
			return (int)i;
	return -1;
}

int cfg_svc_read_caps(struct cfg_ctx *c, struct cfg_node *n, struct cfg_strs *out, const char *what)
{
	size_t nc = sizeof(caps) / sizeof(caps[0]);
	struct cfg_strs v = {0};
	int r = cfg_read_strs(c, n, what, false, &v);

	for (size_t i = 0; i < v.n; i++) {
		char up[64];
		size_t j = 0;
		const char *name = v.v[i].v;
		bool known = false;

		/* docker and Compose accept "net_admin", "NET_ADMIN", "CAP_NET_ADMIN". */
		if (!strncasecmp(name, "CAP_", 4))
			name += 4;
		for (; name[j] && j < sizeof(up) - 1; j++)
			up[j] = (char)toupper((unsigned char)name[j]);
		up[j] = 0;
		for (size_t k = 0; k < nc && !known; k++)
			known = !strcmp(up, caps[k]);
		if (!strcmp(up, "ALL")) {
			cfg_strs_push(out, "ALL", v.v[i].pos);
		} else if (known) {
			char full[80];
			snprintf(full, sizeof(full), "CAP_%s", up);
			cfg_strs_push(out, full, v.v[i].pos);
		} else {
			const char *dym = cfg_did_you_mean(up, caps, nc);
			cfg_diag_add(c, v.v[i].pos, false, "see capabilities(7)",
				     "%s: unknown capability \"%s\"%s%s%s", what, v.v[i].v,
				     dym ? " (did you mean \"" : "", dym ? dym : "",
				     dym ? "\"?)" : "");
			r = -1;
		}
	}
	cfg_strs_free(&v);
	return r;
}

/* ---- tmpfs ------------------------------------------------------------------ */
static const char *const tmpfs_flags[] = {
    "ro",      "rw",    "noexec",   "exec",        "nosuid",     "suid",     "nodev", "dev",
    "noatime", "atime", "relatime", "strictatime", "nodiratime", "diratime", "sync",  "async",
};

/* The kernel's forms of a tmpfs count: digits, then k, m, g (size and
 * nr_inodes) or % (of memory for size, of pages for nr_inodes). */
static bool tmpfs_count(const char *num, bool percent)
{
	size_t digits = strspn(num, "0123456789");

	return digits && (!num[digits] || (!num[digits + 1] && strchr("kKmMgG", num[digits])) ||
			  (percent && !strcmp(num + digits, "%")));
}

static int tmpfs_option(struct cfg_ctx *c, struct cfg_node *n, struct cfg_tmpfs *t, char *o)
{
	size_t nf = sizeof(tmpfs_flags) / sizeof(tmpfs_flags[0]);
	char *end;

	/* size=50%, nr_inodes=10k: docker hands both to the kernel as they are */
	if ((!strncmp(o, "size=", 5) && o[strlen(o) - 1] == '%' && tmpfs_count(o + 5, true)) ||
	    (!strncmp(o, "nr_inodes=", 10) && tmpfs_count(o + 10, true))) {
		lxr_strv_push(&t->flags, lxr_xstrdup(o));
		return 0;
	}
	if (!strncmp(o, "size=", 5)) {
		if (cfg_parse_bytes(o + 5, &t->size) < 0 || t->size < 0) {
			cfg_error_hint(c, n, "e.g. size=64m", "tmpfs: invalid size \"%s\"", o + 5);
			return -1;
		}
		return 0;
	}
	if (!strncmp(o, "mode=", 5)) {
		long m = strtol(o + 5, &end, 8);
		if (!o[5] || *end || m < 0 || m > 07777) {
			cfg_error_hint(c, n, "octal, e.g. mode=1777", "tmpfs: invalid mode \"%s\"",
				       o + 5);
			return -1;
		}
		t->mode = (int)m;
		return 0;
	}
	if (!strncmp(o, "uid=", 4) || !strncmp(o, "gid=", 4) || !strncmp(o, "nr_inodes=", 10)) {
		const char *num = strchr(o, '=') + 1;
		strtoull(num, &end, 10);
		if (!*num || *end || *num == '-') {
			cfg_error(c, n, "tmpfs: invalid number in \"%s\"", o);
			return -1;
		}
		lxr_strv_push(&t->flags, lxr_xstrdup(o));
		return 0;
	}
	for (size_t i = 0; i < nf; i++) {
		if (!strcmp(o, tmpfs_flags[i])) {
			lxr_strv_push(&t->flags, lxr_xstrdup(o));
			return 0;
		}
	}
	cfg_error_hint(c, n, "size=, mode=, uid=, gid=, nr_inodes=, ro, noexec, nosuid, nodev, ...",
		       "tmpfs: unknown option \"%s\"", o);
	return -1;
}

static int tmpfs_entry(struct cfg_ctx *c, struct cfg_node *n, struct cfg_service *s, const char *v)
{
	_cleanup_free_ char *d = lxr_xstrdup(v);
	char *colon = strchr(d, ':');
	struct cfg_tmpfs *t;
	int r = 0;

	if (colon)
		*colon++ = 0;
	s->tmpfs = lxr_xrealloc(s->tmpfs, (s->n_tmpfs + 1) * sizeof(*t));
	t = &s->tmpfs[s->n_tmpfs++];
	*t = (struct cfg_tmpfs){lxr_xstrdup(d), 0, -1, NULL, n->pos};
	if (d[0] != '/') {
		cfg_error(c, n, "tmpfs: \"%s\" is not an absolute path", d);
		r = -1;
	}
	for (char *save = NULL, *o = colon ? strtok_r(colon, ",", &save) : NULL; o;
	     o = strtok_r(NULL, ",", &save))
		if (tmpfs_option(c, n, t, o) < 0)
			r = -1;
	return r;
}

int cfg_svc_read_tmpfs(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;
	struct cfg_strs v = {0};
	int r = cfg_read_strs(c, n, "tmpfs", true, &v);

	for (size_t i = 0; i < v.n; i++) {
		struct cfg_node at = {.pos = v.v[i].pos};
		if (tmpfs_entry(c, &at, s, v.v[i].v) < 0)
			r = -1;
	}
	cfg_strs_free(&v);
	return r;
}

/* ---- volumes_from ------------------------------------------------------------ */
#define VOLUMES_FROM_HINT "SERVICE, SERVICE:ro, SERVICE:rw or container:NAME[:ro]"

/* docker's volumes-from modes: ro or rw, and z or Z (SELinux labels, which
 * lxr does not apply), comma-separated; no propagation or nocopy: the
 * mounts keep the ones their own service gave them. */
static bool volumes_from_mode(const char *mode, bool *read_only)
{
	_cleanup_free_ char *d = lxr_xstrdup(mode);
	int rw = 0, label = 0;

	for (char *save = NULL, *o = strtok_r(d, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		if (!strcmp(o, "ro") || !strcmp(o, "rw")) {
			*read_only = !strcmp(o, "ro");
			rw++;
		} else if (!strcmp(o, "z") || !strcmp(o, "Z")) {
			label++;
		} else {
			return false;
		}
	}
	return *mode && mode[strlen(mode) - 1] != ',' && rw <= 1 && label <= 1 && rw + label > 0;
}

static int volumes_from_entry(struct cfg_ctx *c, struct cfg_service *s, const struct cfg_str *e)
{
	bool container = !strncmp(e->v, "container:", 10);
	const char *name = container ? e->v + 10 : e->v;
	const char *colon = strchr(name, ':');
	struct cfg_volumes_from *f;
	bool ro = false;

	if (!*name || name == colon) {
		cfg_diag_add(c, e->pos, false, VOLUMES_FROM_HINT, "volumes_from \"%s\" names no %s",
			     e->v, container ? "container" : "service");
		return -1;
	}
	if (colon && !volumes_from_mode(colon + 1, &ro)) {
		cfg_diag_add(c, e->pos, false,
			     "ro (every mount read-only) or rw (each mount keeps its own mode)",
			     "volumes_from \"%s\": mode \"%s\" is not ro or rw", e->v, colon + 1);
		return -1;
	}
	s->volumes_from =
	    lxr_xrealloc(s->volumes_from, (s->n_volumes_from + 1) * sizeof(*s->volumes_from));
	f = &s->volumes_from[s->n_volumes_from++];
	*f = (struct cfg_volumes_from){
	    .spec = {lxr_xstrdup(e->v), e->pos},
	    .name = colon ? lxr_xstrndup(name, (size_t)(colon - name)) : lxr_xstrdup(name),
	    .container = container,
	    .read_only = ro,
	};
	/* lxr keeps no record of the mounts of a container outside the stack */
	if (container)
		cfg_check_supported_hint(c, e->pos, "service.volumes_from.container",
					 "name a service of this stack, or give this service the "
					 "container's volumes and bind mounts itself",
					 "volumes_from \"%s\" (the mounts of a container outside "
					 "the stack)",
					 e->v);
	return 0;
}

int cfg_svc_read_volumes_from(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;
	struct cfg_strs v = {0};
	int r = cfg_read_strs(c, n, "volumes_from", false, &v);

	for (size_t i = 0; i < v.n; i++)
		if (volumes_from_entry(c, s, &v.v[i]) < 0)
			r = -1;
	cfg_strs_free(&v);
	return r;
}
