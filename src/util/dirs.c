/* Where lxr keeps its files (docs/architecture.md, "Files on disk"):
 * environment first, then lxr.conf, then the built-in default. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lxr/util.h"

static const char *conf_run, *conf_data, *conf_log;

void lxr_dirs_configure(const char *run_dir, const char *data_dir, const char *log_dir)
{
	if (run_dir)
		conf_run = run_dir;
	if (data_dir)
		conf_data = data_dir;
	if (log_dir)
		conf_log = log_dir;
}

static const char *pick(const char *env, const char *conf, const char *def)
{
	const char *v = getenv(env);
	if (v && *v)
		return v;
	return conf ? conf : def;
}

/* Rootless (src/cli/rootless.c): the ordinary user's lxr runs as root of
 * its own user namespace, and says so to itself and to every lxr it execs
 * through LXR_ROOTLESS_ENV. Believed only inside a user namespace that is
 * not the host's, so root on the host never changes its ways. */
long lxr_rootless_uid(void)
{
	static long uid = -2;
	const char *v;
	char map[64] = "";

	if (uid != -2)
		return uid;
	uid = -1;
	v = getenv(LXR_ROOTLESS_ENV);
	if (!v || !*v)
		return uid;
	FILE *f = fopen("/proc/self/uid_map", "re");
	if (f) {
		if (!fgets(map, sizeof(map), f))
			map[0] = '\0';
		fclose(f);
	}
	unsigned long in, out, n;
	if (lxr_sscanf(map, "%lu %lu %lu", &in, &out, &n) == 3 &&
	    !(in == 0 && out == 0 && n == 4294967295UL))
		uid = strtol(v, NULL, 10);
	return uid;
}

/* XDG's base directories, as podman and every desktop program use them. */
static const char *xdg(const char *env, const char *home_rel, const char *tail, char **slot)
{
	const char *v = getenv(env), *home = getenv("HOME");

	if (!*slot) {
		if (v && *v == '/')
			*slot = lxr_xasprintf("%s/%s", v, tail);
		else
			*slot = lxr_xasprintf("%s/%s/%s", home && *home ? home : "/nonexistent",
					      home_rel, tail);
	}
	return *slot;
}

static char *rl_run, *rl_data, *rl_log, *rl_conf;
/* lxr_dirs_freeze's: the directories as they were, the environment gone */
static char *fz_run, *fz_data, *fz_log;

void lxr_dirs_freeze(void)
{
	if (fz_run)
		return;
	fz_run = lxr_xstrdup(lxr_run_dir());
	fz_data = lxr_xstrdup(lxr_data_dir());
	fz_log = lxr_xstrdup(lxr_log_dir());
}

const char *lxr_run_dir(void)
{
	if (fz_run)
		return fz_run;
	if (lxr_rootless_uid() >= 0)
		return pick("LXR_RUN_DIR", conf_run, xdg("XDG_RUNTIME_DIR", ".", "lxr", &rl_run));
	return pick("LXR_RUN_DIR", conf_run, "/run/lxr");
}

const char *lxr_data_dir(void)
{
	if (fz_data)
		return fz_data;
	if (lxr_rootless_uid() >= 0)
		return pick("LXR_DATA_DIR", conf_data,
			    xdg("XDG_DATA_HOME", ".local/share", "lxr", &rl_data));
	return pick("LXR_DATA_DIR", conf_data, "/var/lib/lxr");
}

const char *lxr_log_dir(void)
{
	if (fz_log)
		return fz_log;
	if (lxr_rootless_uid() >= 0)
		return pick("LXR_LOG_DIR", conf_log,
			    xdg("XDG_DATA_HOME", ".local/share", "lxr/logs", &rl_log));
	return pick("LXR_LOG_DIR", conf_log, "/var/log/lxr");
}

const char *lxr_settings_path(const char *root_default)
{
	if (lxr_rootless_uid() >= 0)
		return xdg("XDG_CONFIG_HOME", ".config", "lxr/lxr.conf", &rl_conf);
	return root_default;
}

static int64_t log_max_size;
static int log_max_file;

void lxr_log_limits_configure(int64_t max_size, int max_file)
{
	log_max_size = max_size;
	log_max_file = max_file;
}

void lxr_log_limits(int64_t *max_size, int *max_file)
{
	*max_size = log_max_size;
	*max_file = log_max_file;
}

static uint32_t pool_addr;
static int pool_prefix, pool_size;

void lxr_net_pool_configure(uint32_t addr, int prefix, int size)
{
	pool_addr = addr;
	pool_prefix = prefix;
	pool_size = size;
}

void lxr_net_pool_conf(uint32_t *addr, int *prefix, int *size)
{
	*addr = pool_addr;
	*prefix = pool_prefix;
	*size = pool_size;
}

/* A fork bomb in one container must not take the host's pid space: every
 * container gets a limit unless it asks for none. */
static int64_t pids_limit;

void lxr_pids_limit_configure(int64_t limit)
{
	pids_limit = limit;
}

int64_t lxr_pids_limit_default(void)
{
	return pids_limit ? pids_limit : LXR_PIDS_LIMIT_DEFAULT;
}

static enum lxr_userns_mode userns_mode;
static uint32_t userns_start, userns_count;

void lxr_userns_configure(enum lxr_userns_mode mode, uint32_t start, uint32_t count)
{
	userns_mode = mode;
	userns_start = start;
	userns_count = count;
}

void lxr_userns_conf(enum lxr_userns_mode *mode, uint32_t *start, uint32_t *count)
{
	*mode = userns_mode;
	*start = userns_start;
	*count = userns_count;
}

static bool userns_shift_copy;

void lxr_userns_shift_configure(bool copy)
{
	userns_shift_copy = copy;
}

bool lxr_userns_shift_copy(void)
{
	return userns_shift_copy;
}

static const char *cgroup_parent;

void lxr_cgroup_parent_configure(const char *parent)
{
	cgroup_parent = parent;
}

const char *lxr_cgroup_parent(void)
{
	return cgroup_parent;
}

static char *const *cdi_dirs;

void lxr_cdi_dirs_configure(char *const *dirs)
{
	cdi_dirs = dirs;
}

char *const *lxr_cdi_dirs(void)
{
	static char *const dflt[] = {"/etc/cdi", "/var/run/cdi", NULL};

	return cdi_dirs ? cdi_dirs : dflt;
}

/* A directory lxr writes: there and writable, or made on first use in a
 * writable parent. */
static void check_dir(struct lxr_checks *c, const char *what, const char *dir, const char *env,
		      const char *key)
{
	_cleanup_free_ char *p = lxr_xstrdup(dir), *fix = NULL;
	char *s;

	fix = lxr_xasprintf("make %s writable for root (a read-only root file system needs it "
			    "on a writable mount), or point %s or lxr.conf %s elsewhere",
			    dir, env, key);
	if (access(dir, W_OK | X_OK) == 0) {
		lxr_check_add(c, what, LXR_CHECK_OK, NULL, NULL, "%s is writable", dir);
		return;
	}
	if (access(dir, F_OK) == 0) {
		lxr_check_add(c, what, LXR_CHECK_MISSING, "every command that writes there", fix,
			      "%s is not writable: %s", dir, strerror(errno));
		return;
	}
	while ((s = strrchr(p, '/')) && access(p, F_OK) < 0)
		*(s == p ? s + 1 : s) = '\0';
	if (access(p, W_OK | X_OK) == 0)
		lxr_check_add(c, what, LXR_CHECK_OK, NULL, NULL,
			      "%s does not exist yet; lxr makes it in %s on first use", dir, p);
	else
		lxr_check_add(c, what, LXR_CHECK_MISSING, "every command that writes there", fix,
			      "%s does not exist and %s is not writable", dir, p);
}

void lxr_dirs_check(struct lxr_checks *c)
{
	check_dir(c, "data directory", lxr_data_dir(), "LXR_DATA_DIR", "data_dir");
	check_dir(c, "run directory", lxr_run_dir(), "LXR_RUN_DIR", "run_dir");
	check_dir(c, "log directory", lxr_log_dir(), "LXR_LOG_DIR", "log_dir");
}
