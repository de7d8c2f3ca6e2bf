/* `lxr run` arguments, docker-run compatible where they overlap. Each option
 * is checked here, with its own name in the error, then written as the
 * Compose key it means: `lxr run` is a one-service stack, loaded by the
 * stack loader and planned by the plan layer like any other (run_stack.c).
 * Nothing is created before the plan is whole. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <jansson.h>

#include "cli/cli.h"
#include "cli/run_image.h"
#include "cli/run_net.h"
#include "cli/run_opts.h"
#include "config/text.h"
#include "lxr/cdi.h"
#include "lxr/image.h"
#include "lxr/plan.h"
#include "lxr/supervisor.h"

enum {
	OPT_RM = 256,
	OPT_NAME,
	OPT_CPUS,
	OPT_PIDS,
	OPT_NET,
	OPT_TMPFS,
	OPT_RO,
	OPT_CAPADD,
	OPT_CAPDROP,
	OPT_INIT,
	OPT_NOINIT,
	OPT_HELP,
	OPT_ENTRYPOINT,
	OPT_DEVICE,
	OPT_DEVRULE,
	OPT_PRIVILEGED,
	OPT_SECURITY,
	OPT_RESTART,
	OPT_SHM,
	OPT_DOMAIN,
	OPT_MAC,
	OPT_OOMADJ,
	OPT_CPUSHARES,
	OPT_CPUQUOTA,
	OPT_CPUPERIOD,
	OPT_MEMSWAP,
	OPT_ADDHOST,
	OPT_DNS,
	OPT_DNSSEARCH,
	OPT_DNSOPT,
	OPT_GROUPADD,
	OPT_USERNS,
	OPT_PID,
	OPT_IPC,
	OPT_UTS
};

static const struct option longopts[] = {
    {"rm", no_argument, NULL, OPT_RM},
    {"detach", no_argument, NULL, 'd'},
    {"interactive", no_argument, NULL, 'i'},
    {"tty", no_argument, NULL, 't'},
    {"name", required_argument, NULL, OPT_NAME},
    {"hostname", required_argument, NULL, 'h'},
    {"env", required_argument, NULL, 'e'},
    {"workdir", required_argument, NULL, 'w'},
    {"user", required_argument, NULL, 'u'},
    {"memory", required_argument, NULL, 'm'},
    {"cpus", required_argument, NULL, OPT_CPUS},
    {"pids-limit", required_argument, NULL, OPT_PIDS},
    {"network", required_argument, NULL, OPT_NET},
    {"net", required_argument, NULL, OPT_NET},
    {"volume", required_argument, NULL, 'v'},
    {"tmpfs", required_argument, NULL, OPT_TMPFS},
    {"read-only", no_argument, NULL, OPT_RO},
    {"cap-add", required_argument, NULL, OPT_CAPADD},
    {"cap-drop", required_argument, NULL, OPT_CAPDROP},
    {"init", no_argument, NULL, OPT_INIT},
    {"no-init", no_argument, NULL, OPT_NOINIT},
    {"publish", required_argument, NULL, 'p'},
    {"entrypoint", required_argument, NULL, OPT_ENTRYPOINT},
    {"help", no_argument, NULL, OPT_HELP},
    {"device", required_argument, NULL, OPT_DEVICE},
    {"device-cgroup-rule", required_argument, NULL, OPT_DEVRULE},
    {"privileged", no_argument, NULL, OPT_PRIVILEGED},
    {"security-opt", required_argument, NULL, OPT_SECURITY},
    {"restart", required_argument, NULL, OPT_RESTART},
    {"shm-size", required_argument, NULL, OPT_SHM},
    {"domainname", required_argument, NULL, OPT_DOMAIN},
    {"mac-address", required_argument, NULL, OPT_MAC},
    {"oom-score-adj", required_argument, NULL, OPT_OOMADJ},
    {"cpu-shares", required_argument, NULL, OPT_CPUSHARES},
    {"cpu-quota", required_argument, NULL, OPT_CPUQUOTA},
    {"cpu-period", required_argument, NULL, OPT_CPUPERIOD},
    {"memory-swap", required_argument, NULL, OPT_MEMSWAP},
    {"add-host", required_argument, NULL, OPT_ADDHOST},
    {"dns", required_argument, NULL, OPT_DNS},
    {"dns-search", required_argument, NULL, OPT_DNSSEARCH},
    {"dns-option", required_argument, NULL, OPT_DNSOPT},
    {"dns-opt", required_argument, NULL, OPT_DNSOPT},
    {"group-add", required_argument, NULL, OPT_GROUPADD},
    {"userns", required_argument, NULL, OPT_USERNS},
    {"pid", required_argument, NULL, OPT_PID},
    {"ipc", required_argument, NULL, OPT_IPC},
    {"uts", required_argument, NULL, OPT_UTS},
    {NULL, 0, NULL, 0},
};

bool run_arg_utf8(const char *s)
{
	json_t *j = json_string(s);

	json_decref(j);
	return j != NULL;
}

bool run_opts_name_valid(const char *s)
{
	/* docker's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]*; also a file name here */
	if (!*s || strlen(s) > 128 ||
	    !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
		return false;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-",
			    *s))
			return false;
	return true;
}

static int parse_env(struct run_opts *o, const char *arg, lxr_err *err)
{
	if (!*arg || *arg == '=')
		return lxr_fail(err, 0, "-e \"%s\": expected KEY=VALUE or KEY", arg);
	/* KEY alone: lxr's own value, or nothing if unset (docker's -e and
	 * compose's `environment: [KEY]` alike) */
	run_push(o, "environment", run_lit(arg));
	return 0;
}

/* The syntax is the stack file's (config/service_dev.c); the host node is
 * looked at when the plan is made, before anything is created. */
static int parse_device(struct run_opts *o, const char *arg, lxr_err *err)
{
	struct cfg_device d;
	const char *why;

	char kind[256];
	const char *name;

	/* a CDI name: the host's CDI specs say what it is (runtime/cdi.c) */
	if (lxr_cdi_name_split(arg, kind, sizeof(kind), &name)) {
		run_push(o, "devices", run_lit(arg));
		return 0;
	}
	if (cfg_parse_device(arg, &d, &why) < 0)
		return lxr_fail(err, 0, "--device \"%s\": %s", arg, why);
	free(d.source);
	free(d.target);
	run_push(o, "devices", run_lit(arg));
	return 0;
}

static int parse_device_rule(struct run_opts *o, const char *arg, lxr_err *err)
{
	struct cfg_device_rule r;
	const char *why;

	if (cfg_parse_device_rule(arg, &r, &why) < 0)
		return lxr_fail(err, 0, "--device-cgroup-rule \"%s\": %s", arg, why);
	run_push(o, "device_cgroup_rules", run_lit(arg));
	return 0;
}

static int parse_cpus(struct run_opts *o, const char *arg, lxr_err *err)
{
	int64_t milli;

	if (cfg_parse_cpus(arg, &milli) < 0 || milli < 10 || milli > 1024000)
		return lxr_fail(err, 0, "--cpus \"%s\": expected a number of CPUs from 0.01 up",
				arg);
	run_set(o, "cpus", json_real((double)milli / 1000));
	return 0;
}

static int parse_long(const char *opt, const char *arg, long min, long *out, lxr_err *err)
{
	char *end;

	errno = 0;
	*out = strtol(arg, &end, 10);
	if (errno || end == arg || *end || *out < min)
		return lxr_fail(err, 0, "%s \"%s\": expected an integer >= %ld", opt, arg, min);
	return 0;
}

static int parse_cap(struct run_opts *o, const char *key, const char *arg, lxr_err *err)
{
	if (strcasecmp(arg, "ALL") && cfg_cap_number(arg) < 0)
		return lxr_fail(err, EINVAL, "--%s \"%s\": unknown capability", key, arg),
		       lxr_err_hint(err, "names as capabilities(7) has them, e.g. NET_ADMIN");
	run_push(o, !strcmp(key, "cap-add") ? "cap_add" : "cap_drop", run_lit(arg));
	return 0;
}

/* Read here, like every option, before anything is created: a seccomp
 * profile (a relative path from the current directory, as docker's CLI
 * reads it) is checked in full now, and passed on by its absolute path. */
static int parse_security_opt(struct run_opts *o, const char *arg, lxr_err *err)
{
	static struct cfg_host_lsm lsm;
	static bool probed;
	_cleanup_free_ char *warning = NULL, *abs = NULL;
	struct cfg_security sec = {0};
	const char *sep = arg + strcspn(arg, "=:");
	int r;

	if (!probed) {
		lsm = cfg_host_lsm_probe();
		probed = true;
	}
	r = cfg_security_opt_apply(arg, NULL, lsm, &sec, &warning, err);
	cfg_security_free(&sec);
	if (r < 0)
		return lxr_err_wrap(err, "--security-opt %s", arg);
	if (warning)
		lxr_warn("--security-opt %s", warning);
	if (!strncmp(arg, "seccomp", 7) && *sep && sep[1] != '/' && strcmp(sep + 1, "unconfined")) {
		char *cwd = getcwd(NULL, 0);
		abs = lxr_xasprintf("seccomp%c%s/%s", *sep, cwd ? cwd : ".", sep + 1);
		free(cwd);
	}
	run_push(o, "security_opt", run_lit(abs ? abs : arg));
	return 0;
}

/* docker's whole-number knobs, written as the Compose key they mean */
static const struct {
	int opt;
	const char *flag, *key;
	long min, max; /* max LONG_MAX: parse_long's message says the range */
} int_opts[] = {
    {OPT_OOMADJ, "--oom-score-adj", "oom_score_adj", -1000, 1000},
    {OPT_CPUSHARES, "--cpu-shares", "cpu_shares", 2, 262144},
    {'c', "--cpu-shares", "cpu_shares", 2, 262144},
    {OPT_CPUQUOTA, "--cpu-quota", "cpu_quota", 1000, LONG_MAX},
    {OPT_CPUPERIOD, "--cpu-period", "cpu_period", 1000, 1000000},
};

/* Limits and cgroup knobs. 1: c is not one of them. */
static int parse_resource(struct run_opts *o, int c, const char *arg, lxr_err *err)
{
	long n;
	int64_t bytes;

	for (size_t i = 0; i < sizeof(int_opts) / sizeof(int_opts[0]); i++) {
		if (int_opts[i].opt != c)
			continue;
		if (parse_long(int_opts[i].flag, arg, int_opts[i].min, &n, err) < 0 ||
		    n > int_opts[i].max)
			return int_opts[i].max == LONG_MAX
				   ? -1
				   : lxr_fail(err, 0, "%s \"%s\": %ld to %ld", int_opts[i].flag,
					      arg, int_opts[i].min, int_opts[i].max);
		run_set(o, int_opts[i].key, json_integer(n));
		return 0;
	}
	switch (c) {
	case 'm':
		if (cfg_parse_bytes(arg, &bytes) < 0 || bytes < (6 << 20))
			return lxr_fail(err, 0,
					"--memory \"%s\": expected a size of at least 6m "
					"(e.g. 100m, 1g)",
					arg);
		run_set(o, "mem_limit", json_integer(bytes));
		return 0;
	case OPT_CPUS: return parse_cpus(o, arg, err);
	case OPT_PIDS:
		if (parse_long("--pids-limit", arg, -1, &n, err) < 0)
			return -1;
		/* docker: -1 and 0 are unlimited; not given, the default */
		run_set(o, "pids_limit", json_integer(n > 0 ? n : -1));
		return 0;
	case OPT_SHM:
		if (cfg_parse_bytes(arg, &bytes) < 0 || bytes <= 0)
			return lxr_fail(err, 0, "--shm-size \"%s\": expected a size (e.g. 64m)",
					arg);
		run_set(o, "shm_size", json_integer(bytes));
		return 0;
	case OPT_MEMSWAP:
		if (!strcmp(arg, "-1")) {
			run_set(o, "memswap_limit", json_integer(-1));
			return 0;
		}
		if (cfg_parse_bytes(arg, &bytes) < 0 || bytes <= 0)
			return lxr_fail(err, 0, "--memory-swap \"%s\": expected a size or -1", arg);
		run_set(o, "memswap_limit", json_integer(bytes));
		return 0;
	default: return 1;
	}
}

/* The network, published ports, hosts and resolver. 1: c is not one of them. */
static int parse_network(struct run_opts *o, int c, const char *arg, lxr_err *err)
{
	switch (c) {
	case OPT_NET:
		free(o->network);
		o->network = lxr_xstrdup(strcmp(arg, "default") ? arg : "bridge");
		json_object_del(o->svc, "network_mode");
		/* podman's ns:PATH joins an existing network namespace */
		if (lxr_str_has_prefix(arg, "ns:") && arg[3] == '/')
			return 0;
		/* docker's host, none and container:NAME: compose's network_mode */
		if (!strcmp(arg, "host") || !strcmp(arg, "none") ||
		    (lxr_str_has_prefix(arg, "container:") && arg[10])) {
			run_set(o, "network_mode", run_lit(arg));
			return 0;
		}
		return run_net_check_mode(arg, err);
	case 'p':
		if (run_net_check_publish(arg, err) < 0)
			return -1;
		run_push(o, "ports", run_lit(arg));
		return 0;
	case OPT_ADDHOST:
		if (!strchr(arg, ':') && !strchr(arg, '='))
			return lxr_fail(err, 0, "--add-host \"%s\": expected NAME:IP", arg);
		run_push(o, "extra_hosts", run_lit(arg));
		return 0;
	case OPT_DNS: run_push(o, "dns", run_lit(arg)); return 0;
	case OPT_DNSSEARCH: run_push(o, "dns_search", run_lit(arg)); return 0;
	case OPT_DNSOPT: run_push(o, "dns_opt", run_lit(arg)); return 0;
	default: return 1;
	}
}

static int parse_restart(struct run_opts *o, const char *arg, lxr_err *err)
{
	/* the stack file's syntax; the loader checks N */
	if (strcmp(arg, "no") && strcmp(arg, "always") && strcmp(arg, "unless-stopped") &&
	    strcmp(arg, "on-failure") && strncmp(arg, "on-failure:", 11))
		return lxr_fail(err, 0,
				"--restart \"%s\": expected no, always, unless-stopped or "
				"on-failure[:N]",
				arg);
	run_set(o, "restart", run_lit(arg));
	return 0;
}

static int parse_one(struct run_opts *o, int c, const char *arg, lxr_err *err)
{
	int r = parse_resource(o, c, arg, err);

	if (r != 1 || (r = parse_network(o, c, arg, err)) != 1)
		return r;
	switch (c) {
	case OPT_RM: o->rm = true; return 0;
	case 'd': o->detach = true; return 0;
	case 'i': o->interactive = true; return 0;
	case 't': o->tty = true; return 0;
	case OPT_NAME:
		if (!run_opts_name_valid(arg))
			return lxr_fail(err, 0,
					"--name \"%s\": use letters, digits, '_', '.' "
					"and '-', starting with a letter or digit",
					arg);
		free(o->name);
		o->name = lxr_xstrdup(arg);
		return 0;
	case 'h':
		if (!*arg || strlen(arg) > 64)
			return lxr_fail(err, 0, "--hostname \"%s\": 1 to 64 characters", arg);
		run_set(o, "hostname", run_lit(arg));
		return 0;
	case 'e': return parse_env(o, arg, err);
	case 'w':
		if (arg[0] != '/')
			return lxr_fail(err, 0, "--workdir \"%s\": must be an absolute path", arg);
		run_set(o, "working_dir", run_lit(arg));
		return 0;
	case 'u': run_set(o, "user", run_lit(arg)); return 0;
	case OPT_GROUPADD: run_push(o, "group_add", run_lit(arg)); return 0;
	case OPT_DOMAIN: run_set(o, "domainname", run_lit(arg)); return 0;
	case OPT_MAC: run_set(o, "mac_address", run_lit(arg)); return 0;
	/* the loader checks the word (host, auto) and says what else there is */
	case OPT_USERNS: run_set(o, "userns_mode", run_lit(arg)); return 0;
	/* the stack loader checks each value as it does compose's keys */
	case OPT_PID: run_set(o, "pid", run_lit(arg)); return 0;
	case OPT_IPC: run_set(o, "ipc", run_lit(arg)); return 0;
	case OPT_UTS: run_set(o, "uts", run_lit(arg)); return 0;
	case 'v': return run_parse_volume(o, arg, err);
	case OPT_TMPFS: return run_parse_tmpfs(o, arg, err);
	case OPT_RO: run_set(o, "read_only", json_true()); return 0;
	case OPT_CAPADD: return parse_cap(o, "cap-add", arg, err);
	case OPT_CAPDROP: return parse_cap(o, "cap-drop", arg, err);
	case OPT_INIT: run_set(o, "init", json_true()); return 0;
	case OPT_NOINIT: run_set(o, "init", json_false()); return 0;
	case OPT_SECURITY: return parse_security_opt(o, arg, err);
	case OPT_DEVICE: return parse_device(o, arg, err);
	case OPT_DEVRULE: return parse_device_rule(o, arg, err);
	case OPT_PRIVILEGED: run_set(o, "privileged", json_true()); return 0;
	case OPT_RESTART: return parse_restart(o, arg, err);
	case OPT_ENTRYPOINT:
		/* one word, as docker takes it; "" clears the image's */
		run_set(o, "entrypoint", *arg ? json_pack("[o]", run_lit(arg)) : json_array());
		return 0;
	default:
		if ((r = run_flags_parse(o, c, arg, err)) != 1 ||
		    (r = run_net_parse(o, c, arg, err)) != 1)
			return r;
		return lxr_fail(err, 0, "unknown option (see `lxr run --help`)");
	}
}

static void random_name(char *buf, size_t len)
{
	unsigned char r[4] = {0};
	FILE *f;

	/* /dev/urandom's bytes without opening it (and without stdio's read
	 * of a 4 KiB buffer); the file where the kernel is older than 5.6 */
	if (getrandom(r, sizeof(r), GRND_INSECURE) != (ssize_t)sizeof(r) &&
	    (f = fopen("/dev/urandom", "re"))) {
		(void)!fread(r, 1, sizeof(r), f);
		fclose(f);
	}
	snprintf(buf, len, "run-%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
}

/* IMAGE|ROOTFS and COMMAND: a directory's absolute path, or the reference. */
static int image_and_command(struct run_opts *o, const char *image, char **cmd, lxr_err *err)
{
	char path[PATH_MAX];
	struct stat st;

	if (run_image_is_ref(image)) {
		o->image = lxr_xstrdup(image);
	} else if (!realpath(image, path) || stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		return lxr_fail(err, errno ? errno : ENOTDIR, "root filesystem %s", image),
		       lxr_err_hint(err, "give a directory holding a root filesystem (e.g. one "
					 "made by examples/make-rootfs.sh)");
	} else {
		o->image = lxr_xstrdup(path);
	}
	run_set(o, "image", run_lit(o->image));
	if (cmd[0]) {
		json_t *c = json_array();
		for (size_t i = 0; cmd[i]; i++)
			json_array_append_new(c, run_lit(cmd[i]));
		run_set(o, "command", c);
	}
	return 0;
}

static size_t n_opts(const struct option *t)
{
	size_t n = 0;

	while (t[n].name)
		n++;
	return n;
}

/* longopts, then run_flags.c's and run_net.c's: one table for getopt_long */
static struct option *all_longopts(void)
{
	size_t a = n_opts(longopts), b = n_opts(run_flags_longopts), c = n_opts(run_net_longopts);
	struct option *all = lxr_xcalloc(a + b + c + 1, sizeof(*all));

	memcpy(all, longopts, a * sizeof(*all));
	memcpy(all + a, run_flags_longopts, b * sizeof(*all));
	memcpy(all + a + b, run_net_longopts, (c + 1) * sizeof(*all));
	return all;
}

/* The rest of docker's rules for the network modes: a host network's
 * container has the host's name and publishes nothing (docker warns and
 * drops -p); another container's network takes no ports of its own. */
static int network_mode_rules(struct run_opts *o, lxr_err *err)
{
	bool host = o->network && !strcmp(o->network, "host");
	struct utsname u;

	if (host && !json_object_get(o->svc, "hostname") && uname(&u) == 0)
		run_set(o, "hostname", run_lit(u.nodename));
	if (!json_object_get(o->svc, "ports") || !o->network)
		return 0;
	if (host) {
		lxr_warn("published ports are discarded with --network host: the container's "
			 "ports are the host's");
		json_object_del(o->svc, "ports");
		o->publish_all = false;
		return 0;
	}
	if (lxr_str_has_prefix(o->network, "container:"))
		return lxr_fail(err, 0, "-p with --network %s: the ports are that container's",
				o->network),
		       lxr_err_hint(err, "publish them when that container is started");
	if (!strcmp(o->network, "none") || lxr_str_has_prefix(o->network, "ns:"))
		return lxr_fail(err, 0, "-p needs a bridge network, not --network %s", o->network);
	return 0;
}

/* docker's rules for how the container is run (-d, -i, -t, --rm,
 * --restart), which only the whole command line shows; RUN_OPTS_NOT_TTY
 * for -it without a terminal */
static int mode_rules(struct run_opts *o, lxr_err *err)
{
	if (o->detach && !o->create && (o->tty && o->interactive))
		lxr_warn("-d with -it: the container gets a terminal nobody reads");
	/* docker's CLI check: the terminal's keys would go to the container's
	 * PTY, and a pipe is no terminal to put in raw mode (-t alone takes
	 * no input, so it runs) */
	if (!o->detach && o->tty && o->interactive && !isatty(STDIN_FILENO))
		return lxr_fail(err, 0, "the input device is not a TTY"),
		       lxr_err_hint(err, "drop -t to pass a pipe or a file to the container "
					 "(-i alone), or run it from a terminal"),
		       RUN_OPTS_NOT_TTY;
	if (o->create && o->rm)
		return lxr_fail(err, 0,
				"create --rm: a container lxr creates is kept until `lxr rm`"),
		       lxr_err_hint(err, "`lxr run -d --rm` starts one that goes when it ends");
	if (json_object_get(o->svc, "restart") &&
	    strcmp(json_string_value(json_object_get(o->svc, "restart")), "no")) {
		if (!o->detach)
			return lxr_fail(err, 0, "--restart needs -d"),
			       lxr_err_hint(err, "a restart policy is kept by the container's "
						 "supervisor, which only a detached run has");
		if (o->rm)
			return lxr_fail(err, 0, "--restart and --rm conflict"),
			       lxr_err_hint(err, "as with docker: a container that restarts is not "
						 "removed when it exits");
	}
	return 0;
}

#define RUN_SHORTOPTS "+dith:e:w:u:m:v:p:c:l:Pq"

/* The option name[0..len) names: the one of that whole name, as
 * cli_getopt_long reads it (an abbreviation is none); NULL: none */
static const struct option *long_option(const struct option *opts, const char *name, size_t len)
{
	for (size_t k = 0; opts[k].name; k++)
		if (!strncmp(opts[k].name, name, len) && strlen(opts[k].name) == len)
			return &opts[k];
	return NULL;
}

/* docker's (Go's) boolean flags take a value: --rm=true is --rm, and
 * --rm=false (or 0) is no --rm at all; --init=false is --no-init. Up to
 * the image argument; the strings stay argv's. */
static char **go_bools(int argc, char **argv, const struct option *opts, int *out_argc)
{
	char **av = lxr_xcalloc((size_t)argc + 1, sizeof(char *));
	int n = 0, i = 0;

	for (; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		const struct option *o = NULL;
		if (i > 0 && (a[0] != '-' || !strcmp(a, "--")))
			break;
		if (a[0] == '-' && a[1] == '-')
			o = long_option(opts, a + 2, (size_t)((eq ? eq : a + strlen(a)) - a - 2));
		if (o && o->has_arg == no_argument && eq) {
			bool on = !strcmp(eq + 1, "true") || !strcmp(eq + 1, "1");
			bool off = !strcmp(eq + 1, "false") || !strcmp(eq + 1, "0");
			if (on) {
				/* "--rm=true" as "--rm": the name alone (argv's own
				 * string, cut at its '=') */
				argv[i][eq - a] = '\0';
				av[n++] = argv[i];
			} else if (off && !strcmp(o->name, "init")) {
				av[n++] = "--no-init";
			}
			if (on || off)
				continue;
		}
		av[n++] = argv[i];
		/* a value in the next argument is not an option */
		if (o && o->has_arg == required_argument && !eq && i + 1 < argc)
			av[n++] = argv[++i];
		else if (!o && a[0] == '-' && a[1] && a[1] != '-' && !a[2] &&
			 strchr(RUN_SHORTOPTS, a[1]) && strchr(RUN_SHORTOPTS, a[1])[1] == ':' &&
			 i + 1 < argc)
			av[n++] = argv[++i];
	}
	for (; i < argc; i++)
		av[n++] = argv[i];
	*out_argc = n;
	return av;
}

int run_opts_parse(int argc_in, char **argv_in, struct run_opts *o, lxr_err *err)
{
	_cleanup_free_ struct option *opts = all_longopts();
	int argc;
	_cleanup_free_ char **argv = go_bools(argc_in, argv_in, opts, &argc);
	char gen[32];
	int c, r;

	memset(o, 0, sizeof(*o));
	o->svc = json_object();
	/* docker create: a container lxr start runs detached */
	o->create = !strcmp(argv_in[0], "create");
	o->detach = o->create;
	for (int i = 1; i < argc; i++)
		if (!run_arg_utf8(argv[i]))
			return lxr_fail(err, EILSEQ,
					"argument %d is not UTF-8 text, which lxr cannot pass on",
					i),
			       lxr_err_hint(err, "the options become a Compose service, which is "
						 "UTF-8 text");
	optind = 1;
	opterr = 0;
	/* "+": options end at ROOTFS, so the command's own flags stay its own */
	while ((c = cli_getopt_long(argc, argv, RUN_SHORTOPTS, opts, NULL)) != -1) {
		if (c == OPT_HELP) {
			run_usage_print(stdout);
			return 1;
		}
		if (c == '?' || c == ':') {
			const char *dym = cli_option_dym(argv[optind - 1], opts);
			lxr_fail(err, 0, "%s: unknown option or missing value", argv[optind - 1]);
			return dym ? lxr_err_hint(err, "did you mean --%s? (see `lxr run --help`)",
						  dym)
				   : lxr_err_hint(err, "see `lxr run --help`");
		}
		if (parse_one(o, c, optarg, err) < 0)
			return -1;
	}
	if (optind >= argc)
		return lxr_fail(err, 0, "no root filesystem given"),
		       lxr_err_hint(err, "usage: lxr run [OPTIONS] ROOTFS [COMMAND [ARG...]]");
	if ((r = mode_rules(o, err)) < 0)
		return r;
	if (!o->name) {
		random_name(gen, sizeof(gen));
		o->name = lxr_xstrdup(gen);
	}
	if (network_mode_rules(o, err) < 0 || run_net_finish(o, err) < 0 ||
	    run_flags_finish(o, err) < 0)
		return -1;
	/* docker: the host name is the container's name unless -h says, or
	 * --uts host keeps the host's; another container's network comes
	 * with its names */
	if (!json_object_get(o->svc, "hostname") && !json_object_get(o->svc, "uts") &&
	    !(o->network && lxr_str_has_prefix(o->network, "container:")))
		run_set(o, "hostname", run_lit(o->name));
	/* claimed before the plan makes volumes: a cidfile that is there
	 * changes nothing */
	if (image_and_command(o, argv[optind], argv + optind + 1, err) < 0 ||
	    run_cidfile_claim(o, err) < 0)
		return -1;
	if (run_stack_plan(o, err) < 0) {
		run_cidfile_drop(o);
		return -1;
	}
	return 0;
}

void run_opts_free(struct run_opts *o)
{
	free(o->cidfile);
	free(o->name);
	free(o->image);
	free(o->network);
	free(o->image_id);
	if (o->img)
		img_image_free(o->img);
	free(o->img);
	free(o->cwd);
	json_decref(o->svc);
	json_decref(o->volumes);
	lxr_strv_free(o->volumes_from);
	plan_instance_free(&o->plan);
	cfg_stack_free(o->stack);
}
