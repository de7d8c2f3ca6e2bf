/* /etc/lxr/lxr.conf: where lxr keeps things (docs/configuration.md).
 * INI through inih. Every key lives in a [paths] section so later settings
 * get sections of their own; a key lxr does not know is an error, never
 * ignored, because a misspelt run_dir silently falling back to /run/lxr is
 * exactly the kind of surprise this file exists to prevent. */
#define _GNU_SOURCE
#include <errno.h>
#include <ini.h>
#include <string.h>

#include "config/text.h"
#include "lxr/config.h"
#include "lxr/settings.h"

struct ini_ctx {
	struct cfg_settings *out;
	char msg[256];
	char hint[256];
};

/* [logs]: every service's log rotation unless its logging.options say
 * otherwise (the same limits as those options). */
static int logs_key(struct ini_ctx *c, const char *name, const char *value)
{
	char *end;
	long long n;

	if (!strcmp(name, "max_size")) {
		if (cfg_parse_bytes(value, &c->out->log_max_size) < 0 ||
		    c->out->log_max_size <= 0) {
			snprintf(c->msg, sizeof(c->msg), "max_size: bad size \"%s\"", value);
			snprintf(c->hint, sizeof(c->hint), "bytes or a unit, e.g. 10m");
			return 0;
		}
		return 1;
	}
	if (!strcmp(name, "max_file")) {
		n = strtoll(value, &end, 10);
		if (!*value || *end || n < 1 || n > 1000) {
			snprintf(c->msg, sizeof(c->msg), "max_file: \"%s\" is not a count of files",
				 value);
			snprintf(c->hint, sizeof(c->hint),
				 "from 1 to 1000, the current file included");
			return 0;
		}
		c->out->log_max_file = (int)n;
		return 1;
	}
	snprintf(c->msg, sizeof(c->msg), "unknown key \"%s\" in [logs]", name);
	snprintf(c->hint, sizeof(c->hint), "known keys: max_size, max_file");
	return 0;
}

/* [network]: where networks without an ipam subnet get theirs. */
static int network_key(struct ini_ctx *c, const char *name, const char *value)
{
	unsigned a, b, d, e, pfx;
	char tail;
	long size;
	char *end;

	if (!strcmp(name, "pool")) {
		if (lxr_sscanf(value, "%u.%u.%u.%u/%u%c", &a, &b, &d, &e, &pfx, &tail) != 5 ||
		    a > 255 || b > 255 || d > 255 || e > 255 || pfx < 8 || pfx > 30) {
			snprintf(c->msg, sizeof(c->msg), "pool: \"%s\" is not an IPv4 subnet",
				 value);
			snprintf(c->hint, sizeof(c->hint), "e.g. 10.89.0.0/16 (a /8 to a /30)");
			return 0;
		}
		c->out->pool_addr = (a << 24) | (b << 16) | (d << 8) | e;
		c->out->pool_prefix = (int)pfx;
		c->out->pool_addr &= pfx ? ~0u << (32 - pfx) : 0;
	} else if (!strcmp(name, "size")) {
		size = strtol(value, &end, 10);
		if (!*value || *end || size < 16 || size > 30) {
			snprintf(c->msg, sizeof(c->msg), "size: \"%s\" is not a prefix length",
				 value);
			snprintf(c->hint, sizeof(c->hint),
				 "the prefix of each network, 16 to 30 (24: a /24)");
			return 0;
		}
		c->out->pool_size = (int)size;
	} else {
		snprintf(c->msg, sizeof(c->msg), "unknown key \"%s\" in [network]", name);
		snprintf(c->hint, sizeof(c->hint), "known keys: pool, size");
		return 0;
	}
	if (c->out->pool_prefix && c->out->pool_size && c->out->pool_size < c->out->pool_prefix) {
		snprintf(c->msg, sizeof(c->msg), "size /%d is larger than the pool /%d",
			 c->out->pool_size, c->out->pool_prefix);
		return 0;
	}
	return 1;
}

/* [limits]: what every container gets unless its own settings say
 * otherwise. pids: -1 or 0 mean unlimited, as docker spells it. */
static int limits_key(struct ini_ctx *c, const char *name, const char *value)
{
	char *end;
	long long n;

	if (strcmp(name, "pids")) {
		snprintf(c->msg, sizeof(c->msg), "unknown key \"%s\" in [limits]", name);
		snprintf(c->hint, sizeof(c->hint), "known keys: pids");
		return 0;
	}
	errno = 0;
	n = strtoll(value, &end, 10);
	if (!*value || *end || errno || n < -1 || n > 4194304) {
		snprintf(c->msg, sizeof(c->msg), "pids: \"%s\" is not a number of processes",
			 value);
		snprintf(c->hint, sizeof(c->hint),
			 "1 to 4194304 (the kernel's pid_max ceiling), or -1 for unlimited");
		return 0;
	}
	c->out->pids_limit = n > 0 ? n : -1;
	return 1;
}

/* [boot]: the stacks `lxr boot` starts, in order (docs/boot.md). Each
 * `stacks =` line adds its words, so a long list can span lines; an empty
 * value means none at all (a box that boots no stack). */
static int boot_key(struct ini_ctx *c, const char *name, const char *value)
{
	_cleanup_free_ char *copy = NULL;
	char *save = NULL;
	size_t n = 0;

	if (strcmp(name, "stacks")) {
		snprintf(c->msg, sizeof(c->msg), "unknown key \"%s\" in [boot]", name);
		snprintf(c->hint, sizeof(c->hint), "known keys: stacks");
		return 0;
	}
	if (!c->out->boot_stacks)
		c->out->boot_stacks = lxr_xcalloc(1, sizeof(char *));
	while (c->out->boot_stacks[n])
		n++;
	copy = lxr_xstrdup(value);
	for (char *w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		if (w[0] != '/') {
			snprintf(c->msg, sizeof(c->msg), "stacks: \"%s\" is not an absolute path",
				 w);
			snprintf(c->hint, sizeof(c->hint),
				 "stack files or globs, e.g. /etc/lxr/stacks/*.yaml");
			return 0;
		}
		c->out->boot_stacks = lxr_xrealloc(c->out->boot_stacks, (n + 2) * sizeof(char *));
		c->out->boot_stacks[n++] = lxr_xstrdup(w);
		c->out->boot_stacks[n] = NULL;
	}
	return 1;
}

/* [userns] shift: how a container in a user namespace sees its image
 * layers and volumes owned by its own ids: auto (idmapped mounts where the
 * kernel and file system have them, else a shifted copy) or copy (always
 * the copy, for a file system that claims idmapped mounts and fails). */
static int userns_shift_key(struct ini_ctx *c, const char *value)
{
	if (strcmp(value, "auto") && strcmp(value, "copy")) {
		snprintf(c->msg, sizeof(c->msg), "shift: \"%s\" is not auto or copy", value);
		snprintf(c->hint, sizeof(c->hint),
			 "auto (idmapped mounts where they work, else a copy of each layer "
			 "with its owners shifted) or copy (always the copy)");
		return 0;
	}
	c->out->userns_shift_copy = !strcmp(value, "copy");
	return 1;
}

/* [userns]: whether container root is host root (off, the default), or
 * root of a user namespace mapped to a subordinate range: auto (one range
 * per container from lxr's pool) or START:COUNT (one range for all). */
static int userns_key(struct ini_ctx *c, const char *name, const char *value)
{
	unsigned long long start, count;
	char tail;

	if (!strcmp(name, "shift"))
		return userns_shift_key(c, value);
	if (strcmp(name, "mode")) {
		snprintf(c->msg, sizeof(c->msg), "unknown key \"%s\" in [userns]", name);
		snprintf(c->hint, sizeof(c->hint), "known keys: mode, shift");
		return 0;
	}
	if (!strcmp(value, "off") || !strcmp(value, "host")) {
		c->out->userns_mode = LXR_USERNS_HOST;
		return 1;
	}
	if (!strcmp(value, "auto")) {
		c->out->userns_mode = LXR_USERNS_AUTO;
		return 1;
	}
	/* the host's id 0 is never in a range: container root must not be
	 * host root, and a range must fit below the kernel's (u32)-1 */
	if (value[0] >= '0' && value[0] <= '9' &&
	    lxr_sscanf(value, "%llu:%llu%c", &start, &count, &tail) == 2 && start > 0 &&
	    count > 0 && start + count <= 4294967295ull) {
		c->out->userns_mode = LXR_USERNS_RANGE;
		c->out->userns_start = (uint32_t)start;
		c->out->userns_count = (uint32_t)count;
		return 1;
	}
	snprintf(c->msg, sizeof(c->msg), "mode: \"%s\" is not a user namespace mode", value);
	snprintf(c->hint, sizeof(c->hint),
		 "off, auto (a range per container from lxr's entries in /etc/subuid and "
		 "/etc/subgid) or START:COUNT, e.g. 100000:65536");
	return 0;
}

/* [watchdog]: the hardware watchdog lxr as PID 1 or `lxr boot` pets
 * (docs/boot.md). device = none (or empty) is off, the default; timeout is
 * whole seconds because that is what WDIOC_SETTIMEOUT takes. */
static int watchdog_key(struct ini_ctx *c, const char *name, const char *value)
{
	int64_t us;

	if (!strcmp(name, "device")) {
		free(c->out->watchdog_device);
		c->out->watchdog_device = NULL;
		if (!*value || !strcmp(value, "none"))
			return 1;
		if (value[0] != '/') {
			snprintf(c->msg, sizeof(c->msg), "device: \"%s\" is not an absolute path",
				 value);
			snprintf(c->hint, sizeof(c->hint),
				 "a watchdog device, e.g. /dev/watchdog, or none");
			return 0;
		}
		c->out->watchdog_device = lxr_xstrdup(value);
		return 1;
	}
	if (!strcmp(name, "timeout") || !strcmp(name, "interval")) {
		bool timeout = name[0] == 't';
		if (cfg_parse_duration(value, &us) < 0 || us < 1000000 ||
		    (timeout && (us % 1000000 || us > 65535LL * 1000000))) {
			snprintf(c->msg, sizeof(c->msg), "%s: bad duration \"%s\"", name, value);
			snprintf(c->hint, sizeof(c->hint), "%s",
				 timeout ? "whole seconds from 1s to 65535s, e.g. 30s"
					 : "at least 1s and shorter than timeout, e.g. 10s");
			return 0;
		}
		if (timeout)
			c->out->watchdog_timeout = (int)(us / 1000000);
		else
			c->out->watchdog_interval_us = us;
		return 1;
	}
	snprintf(c->msg, sizeof(c->msg), "unknown key \"%s\" in [watchdog]", name);
	snprintf(c->hint, sizeof(c->hint), "known keys: device, timeout, interval");
	return 0;
}

/* [cgroup]: where lxr/ goes on a pure cgroup v2 host (docs/cgroups.md). */
static int cgroup_key(struct ini_ctx *c, const char *name, const char *value)
{
	if (strcmp(name, "parent")) {
		snprintf(c->msg, sizeof(c->msg), "unknown key \"%s\" in [cgroup]", name);
		snprintf(c->hint, sizeof(c->hint), "known keys: parent");
		return 0;
	}
	if (strcmp(value, "auto") && strcmp(value, "none") &&
	    (value[0] != '/' || strstr(value, "/..") || strstr(value, "//") ||
	     (value[1] && value[strlen(value) - 1] == '/'))) {
		snprintf(c->msg, sizeof(c->msg), "parent: \"%s\" is not a cgroup path", value);
		snprintf(c->hint, sizeof(c->hint),
			 "auto, none, or a path below /sys/fs/cgroup such as /box.slice");
		return 0;
	}
	free(c->out->cgroup_parent);
	c->out->cgroup_parent = lxr_xstrdup(value);
	return 1;
}

/* [cdi]: where CDI specs are (docker's cdi-spec-dirs), in rising
 * priority, separated by blanks */
static int cdi_key(struct ini_ctx *c, const char *name, const char *value)
{
	_cleanup_free_ char *copy = lxr_xstrdup(value);
	char **dirs = NULL;

	if (strcmp(name, "spec_dirs")) {
		snprintf(c->msg, sizeof(c->msg), "unknown key \"%s\" in [cdi]", name);
		snprintf(c->hint, sizeof(c->hint), "known keys: spec_dirs");
		return 0;
	}
	for (char *save = NULL, *t = strtok_r(copy, " \t", &save); t;
	     t = strtok_r(NULL, " \t", &save)) {
		if (t[0] != '/') {
			snprintf(c->msg, sizeof(c->msg),
				 "spec_dirs: \"%s\" is not an absolute path", t);
			snprintf(c->hint, sizeof(c->hint),
				 "e.g. spec_dirs = /etc/cdi /var/run/cdi");
			lxr_strv_free(dirs);
			return 0;
		}
		lxr_strv_push(&dirs, lxr_xstrdup(t));
	}
	if (!dirs)
		dirs = lxr_xcalloc(1, sizeof(char *)); /* none: CDI off */
	lxr_strv_free(c->out->cdi_spec_dirs);
	c->out->cdi_spec_dirs = dirs;
	return 1;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct ini_ctx *c = user;
	char **dst = NULL;

	if (c->msg[0])
		return 0; /* keep the first problem: inih reports its line */
	if (!strcmp(section, "logs"))
		return logs_key(c, name, value);
	if (!strcmp(section, "network"))
		return network_key(c, name, value);
	if (!strcmp(section, "limits"))
		return limits_key(c, name, value);
	if (!strcmp(section, "boot"))
		return boot_key(c, name, value);
	if (!strcmp(section, "userns"))
		return userns_key(c, name, value);
	if (!strcmp(section, "watchdog"))
		return watchdog_key(c, name, value);
	if (!strcmp(section, "cgroup"))
		return cgroup_key(c, name, value);
	if (!strcmp(section, "cdi"))
		return cdi_key(c, name, value);
	if (strcmp(section, "paths")) {
		snprintf(c->msg, sizeof(c->msg),
			 "key \"%s\" outside the [paths], [logs], [network], [limits], [boot], "
			 "[userns], [watchdog], [cgroup] and [cdi] sections",
			 name);
		snprintf(c->hint, sizeof(c->hint),
			 "run_dir, data_dir, log_dir in [paths]; max_size, max_file in [logs]; "
			 "pool, size in [network]; pids in [limits]; stacks in [boot]; mode in "
			 "[userns]; device, timeout, interval in [watchdog]; parent in [cgroup]; "
			 "spec_dirs in [cdi]");
		return 0;
	}
	if (!strcmp(name, "run_dir"))
		dst = &c->out->run_dir;
	else if (!strcmp(name, "data_dir"))
		dst = &c->out->data_dir;
	else if (!strcmp(name, "log_dir"))
		dst = &c->out->log_dir;
	if (!dst) {
		snprintf(c->msg, sizeof(c->msg), "unknown key \"%s\" in [paths]", name);
		snprintf(c->hint, sizeof(c->hint), "known keys: run_dir, data_dir, log_dir");
		return 0;
	}
	if (value[0] != '/') {
		snprintf(c->msg, sizeof(c->msg), "%s must be an absolute path, not \"%s\"", name,
			 value);
		return 0;
	}
	free(*dst);
	*dst = lxr_xstrdup(value);
	return 1;
}

int cfg_settings_load(const char *path, struct cfg_settings *out, lxr_err *err)
{
	_cleanup_fclose_ FILE *f = NULL;
	struct ini_ctx c = {out, "", ""};
	int line;

	memset(out, 0, sizeof(*out));
	if (!path)
		path = getenv("LXR_CONFIG");
	if (!path || !*path)
		path = lxr_settings_path(CFG_SETTINGS_PATH);
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0; /* every setting has a default */
		return lxr_fail(err, errno, "open settings %s", path);
	}
	line = ini_parse_file(f, handler, &c);
	/* a pet as slow as the timeout lets the box reset between two pets */
	if (line == 0 && out->watchdog_timeout && out->watchdog_interval_us &&
	    out->watchdog_interval_us >= (int64_t)out->watchdog_timeout * 1000000) {
		cfg_settings_free(out);
		lxr_fail(err, 0, "%s: [watchdog] interval is not shorter than timeout", path);
		return lxr_err_hint(err, "pet well inside the timeout: a third of it, or leave "
					 "interval out");
	}
	if (line == 0)
		return 0;
	cfg_settings_free(out);
	if (line < 0)
		return lxr_fail(err, EIO, "read settings %s", path);
	lxr_fail(err, 0, "%s:%d: %s", path, line, c.msg[0] ? c.msg : "not an INI line");
	if (c.hint[0])
		lxr_err_hint(err, "%s", c.hint);
	return -1;
}

void cfg_settings_free(struct cfg_settings *s)
{
	free(s->run_dir);
	free(s->data_dir);
	free(s->log_dir);
	free(s->watchdog_device);
	free(s->cgroup_parent);
	lxr_strv_free(s->cdi_spec_dirs);
	for (size_t i = 0; s->boot_stacks && s->boot_stacks[i]; i++)
		free(s->boot_stacks[i]);
	free(s->boot_stacks);
	memset(s, 0, sizeof(*s));
}
