/* /etc/lxr/lxr.conf: where lxr keeps things (DESIGN.md "Files on disk").
 * INI through inih. Every key lives in a [paths] section so later settings
 * get sections of their own; a key lxr does not know is an error, never
 * ignored, because a misspelt run_dir silently falling back to /run/lxr is
 * exactly the kind of surprise this file exists to prevent. */
#define _GNU_SOURCE
#include <errno.h>
#include <ini.h>
#include <string.h>

#include "lxr/config.h"

struct ini_ctx {
	struct cfg_settings *out;
	char msg[256];
	char hint[256];
};

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct ini_ctx *c = user;
	char **dst = NULL;

	if (c->msg[0])
		return 0; /* keep the first problem: inih reports its line */
	if (strcmp(section, "paths")) {
		snprintf(c->msg, sizeof(c->msg), "key \"%s\" outside the [paths] section", name);
		snprintf(c->hint, sizeof(c->hint),
			 "put run_dir, data_dir and log_dir under [paths]");
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
		path = CFG_SETTINGS_PATH;
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0; /* every setting has a default */
		return lxr_fail(err, errno, "open settings %s", path);
	}
	line = ini_parse_file(f, handler, &c);
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
	memset(s, 0, sizeof(*s));
}
