/* `lxr run` arguments, docker-run compatible where they overlap, turned into
 * a container spec. Everything is checked here, before anything is created. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "cli/run_image.h"
#include "cli/run_net.h"
#include "cli/run_opts.h"
#include "lxr/plan.h"
#include "config/text.h"

static const char usage_text[] =
    "usage: lxr run [OPTIONS] IMAGE|ROOTFS [COMMAND [ARG...]]\n"
    "\n"
    "Run one container from an image (pulled when missing) or from ROOTFS, a\n"
    "directory given as a path (/..., ./..., ../...), as its read-only lower layer.\n"
    "\n"
    "  --rm                 remove the container's writable layer when it exits\n"
    "  -d, --detach         run in the background, print the container name\n"
    "  -i, --interactive    keep stdin open\n"
    "  -t, --tty            allocate a pseudo-terminal\n"
    "      --name NAME      container name (default: generated)\n"
    "  -h, --hostname NAME  container hostname (default: the name)\n"
    "  -e, --env K=V|K      set an environment variable (K alone: from lxr's)\n"
    "  -w, --workdir DIR    working directory inside the container\n"
    "      --entrypoint CMD replace the image's ENTRYPOINT (\"\" clears it); its CMD\n"
    "                       goes too unless COMMAND is given, as with docker\n"
    "  -u, --user U[:G]     user and group, by name or number\n"
    "  -m, --memory BYTES   memory limit (e.g. 100m, 1g)\n"
    "      --cpus N         CPU limit (e.g. 0.5, 2)\n"
    "      --pids-limit N   maximum number of processes (-1: unlimited; default\n"
    "                       4096, or lxr.conf [limits] pids)\n"
    "      --network MODE   bridge (the default: network \"lxr\", NAT to the outside),\n"
    "                       NAME (a network of that name, made on first use; its\n"
    "                       containers find each other by name), none (only a\n"
    "                       private loopback), ns:PATH (join that network namespace)\n"
    "  -p, --publish [IP:]HOSTPORT:PORT[/udp]  publish a port (ranges: 8000-8010)\n"
    "  -v, --volume SRC:DST[:ro|rw]  bind-mount a host directory or file\n"
    "      --tmpfs DST[:OPTS]        mount a tmpfs (OPTS: size=64m,mode=1777,ro,...)\n"
    "      --read-only      mount the container's root read-only\n"
    "      --cap-add CAP    add a capability (or ALL)\n"
    "      --cap-drop CAP   drop a capability (or ALL)\n"
    "      --device HOST[:CONTAINER][:PERMS]  give the container a host device\n"
    "                       node (PERMS: some of rwm, default rwm)\n"
    "      --device-cgroup-rule \"TYPE MAJOR:MINOR ACCESS\"  allow more devices\n"
    "                       (e.g. \"c 1:3 rwm\", \"b 7:* rw\"; * for any)\n"
    "      --security-opt OPT  seccomp=PROFILE.json (docker's format) or\n"
    "                       seccomp=unconfined; no-new-privileges[:true|false]\n"
    "      --privileged     every capability, every host device, no seccomp,\n"
    "                       writable /sys: host root (docs/security.md)\n"
    "      --init           run lxr's init as PID 1 (the default)\n"
    "      --no-init        run COMMAND itself as PID 1\n";

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
	OPT_SECURITY
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
    {NULL, 0, NULL, 0},
};

static bool valid_name(const char *s)
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

static void env_set(char ***env, const char *kv)
{
	size_t klen = strcspn(kv, "=");

	for (size_t i = 0; *env && (*env)[i]; i++) {
		if (!strncmp((*env)[i], kv, klen) && (*env)[i][klen] == '=') {
			free((*env)[i]);
			(*env)[i] = lxr_xstrdup(kv);
			return;
		}
	}
	lxr_strv_push(env, lxr_xstrdup(kv));
}

static bool env_has(char **env, const char *key)
{
	size_t klen = strlen(key);
	for (size_t i = 0; env && env[i]; i++)
		if (!strncmp(env[i], key, klen) && env[i][klen] == '=')
			return true;
	return false;
}

static int parse_env(struct run_opts *o, const char *arg, lxr_err *err)
{
	if (!*arg || *arg == '=')
		return lxr_fail(err, 0, "-e \"%s\": expected KEY=VALUE or KEY", arg);
	if (strchr(arg, '=')) {
		env_set(&o->spec.env, arg);
	} else {
		/* docker: `-e KEY` passes lxr's own value, or nothing if unset */
		const char *v = getenv(arg);
		if (v) {
			_cleanup_free_ char *kv = lxr_xasprintf("%s=%s", arg, v);
			env_set(&o->spec.env, kv);
		}
	}
	return 0;
}

static int parse_volume(struct run_opts *o, const char *arg, lxr_err *err)
{
	_cleanup_free_ char *copy = lxr_xstrdup(arg);
	char *src = copy, *dst, *mode;
	unsigned long flags = MS_BIND | MS_REC;
	struct stat st;

	dst = strchr(src, ':');
	if (!dst)
		return lxr_fail(err, 0, "-v \"%s\": expected SRC:DST[:ro|rw]", arg);
	*dst++ = '\0';
	mode = strchr(dst, ':');
	if (mode) {
		*mode++ = '\0';
		if (!strcmp(mode, "ro"))
			flags |= MS_RDONLY;
		else if (strcmp(mode, "rw"))
			return lxr_fail(err, 0, "-v \"%s\": unknown mode \"%s\" (use ro or rw)",
					arg, mode);
	}
	if (src[0] != '/')
		return lxr_fail(err, 0, "-v \"%s\": source must be an absolute host path", arg),
		       lxr_err_hint(err,
				    "named volumes come with stack files (`lxr up`); for "
				    "a directory here use $PWD/%s",
				    src);
	if (dst[0] != '/')
		return lxr_fail(err, 0, "-v \"%s\": destination must be absolute", arg);
	/* docker -v creates a missing source; lxr refuses rather than change
	 * the host's filesystem on a typo. */
	if (stat(src, &st) < 0)
		return lxr_fail(err, errno, "-v \"%s\": source %s", arg, src),
		       lxr_err_hint(err, "create it first (mkdir -p %s)", src);
	plan_spec_add_mount(&o->spec, dst, "bind", src, flags, NULL);
	return 0;
}

/* docker --tmpfs DST[:OPTS]: OPTS mixes flags (ro, noexec...) and data
 * (size=, mode=). Default like docker: noexec,nosuid,nodev. */
static int parse_tmpfs(struct run_opts *o, const char *arg, lxr_err *err)
{
	static const struct {
		const char *name;
		unsigned long set, clear;
	} fl[] = {
	    {"ro", MS_RDONLY, 0},   {"rw", 0, MS_RDONLY},     {"noexec", MS_NOEXEC, 0},
	    {"exec", 0, MS_NOEXEC}, {"nosuid", MS_NOSUID, 0}, {"suid", 0, MS_NOSUID},
	    {"nodev", MS_NODEV, 0}, {"dev", 0, MS_NODEV},
	};
	_cleanup_free_ char *copy = lxr_xstrdup(arg);
	_cleanup_free_ char *data = NULL;
	unsigned long flags = MS_NOEXEC | MS_NOSUID | MS_NODEV;
	char *opts = strchr(copy, ':'), *save = NULL;

	if (opts)
		*opts++ = '\0';
	if (copy[0] != '/')
		return lxr_fail(err, 0, "--tmpfs \"%s\": destination must be absolute", arg);
	for (char *t = opts ? strtok_r(opts, ",", &save) : NULL; t;
	     t = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
			if (!strcmp(t, fl[i].name))
				break;
		if (i < sizeof(fl) / sizeof(fl[0])) {
			flags = (flags | fl[i].set) & ~fl[i].clear;
		} else if (lxr_str_has_prefix(t, "size=") || lxr_str_has_prefix(t, "mode=") ||
			   lxr_str_has_prefix(t, "uid=") || lxr_str_has_prefix(t, "gid=") ||
			   lxr_str_has_prefix(t, "nr_inodes=")) {
			char *n = data ? lxr_xasprintf("%s,%s", data, t) : lxr_xstrdup(t);
			free(data);
			data = n;
		} else {
			return lxr_fail(err, 0, "--tmpfs \"%s\": unknown option \"%s\"", arg, t);
		}
	}
	plan_spec_add_mount(&o->spec, copy, "tmpfs", "tmpfs", flags, data);
	return 0;
}

/* The syntax is the stack file's (config/service_dev.c); the host node is
 * looked at now, so a missing one fails before anything is made. */
static int parse_device(struct run_opts *o, const char *arg, lxr_err *err)
{
	struct cfg_device d;
	struct lxr_device dev;
	const char *why;

	if (cfg_parse_device(arg, &d, &why) < 0)
		return lxr_fail(err, 0, "--device \"%s\": %s", arg, why);
	int r = rt_device_from_host(d.source, d.target, &dev, err);
	if (r == 0) {
		plan_spec_add_device(&o->spec, &dev, d.perms);
		free(dev.path);
	} else {
		lxr_err_wrap(err, "--device %s", arg);
	}
	free(d.source);
	free(d.target);
	return r;
}

static int parse_device_rule(struct run_opts *o, const char *arg, lxr_err *err)
{
	struct cfg_device_rule r;
	const char *why;

	if (cfg_parse_device_rule(arg, &r, &why) < 0)
		return lxr_fail(err, 0, "--device-cgroup-rule \"%s\": %s", arg, why);
	plan_spec_add_device_rule(&o->spec, true, r.type, r.major, r.minor, r.access);
	return 0;
}

static int parse_cpus(struct run_opts *o, const char *arg, lxr_err *err)
{
	int64_t milli;

	if (cfg_parse_cpus(arg, &milli) < 0 || milli < 10 || milli > 1024000)
		return lxr_fail(err, 0, "--cpus \"%s\": expected a number of CPUs from 0.01 up",
				arg);
	o->spec.resources.cpu_period = 100000;
	o->spec.resources.cpu_quota = (uint64_t)milli * 100;
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

/* Read here, like every option, before anything is created: a seccomp
 * profile (a relative path from the current directory, as docker's CLI
 * reads it) is checked in full now. */
static int parse_security_opt(struct run_opts *o, const char *arg, lxr_err *err)
{
	static struct cfg_host_lsm lsm;
	static bool probed;
	_cleanup_free_ char *warning = NULL;

	if (!probed) {
		lsm = cfg_host_lsm_probe();
		probed = true;
	}
	if (cfg_security_opt_apply(arg, NULL, lsm, &o->security, &warning, err) < 0)
		return lxr_err_wrap(err, "--security-opt %s", arg);
	if (warning)
		lxr_warn("--security-opt %s", warning);
	return 0;
}

static int parse_one(struct run_opts *o, int c, const char *arg, char ***cap_add, char ***cap_drop,
		     lxr_err *err)
{
	long n;

	switch (c) {
	case OPT_RM: o->rm = true; return 0;
	case 'd': o->detach = true; return 0;
	case 'i': o->interactive = true; return 0;
	case 't': o->tty = true; return 0;
	case OPT_NAME:
		if (!valid_name(arg))
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
		free(o->spec.hostname);
		o->spec.hostname = lxr_xstrdup(arg);
		return 0;
	case 'e': return parse_env(o, arg, err);
	case 'w':
		if (arg[0] != '/')
			return lxr_fail(err, 0, "--workdir \"%s\": must be an absolute path", arg);
		free(o->spec.cwd);
		o->spec.cwd = lxr_xstrdup(arg);
		o->workdir_set = true;
		return 0;
	case 'u':
		free(o->user);
		o->user = lxr_xstrdup(arg);
		return 0;
	case 'm':
		if (cfg_parse_bytes(arg, &o->spec.resources.memory_limit) < 0 ||
		    o->spec.resources.memory_limit < (6 << 20))
			return lxr_fail(err, 0,
					"--memory \"%s\": expected a size of at least 6m "
					"(e.g. 100m, 1g)",
					arg);
		return 0;
	case OPT_CPUS: return parse_cpus(o, arg, err);
	case OPT_PIDS:
		if (parse_long("--pids-limit", arg, -1, &n, err) < 0)
			return -1;
		/* docker: -1 and 0 are unlimited; not given, the default */
		o->spec.resources.pids_limit = n > 0 ? n : -1;
		return 0;
	case OPT_NET:
		free(o->network);
		o->network = lxr_xstrdup(arg);
		/* podman's ns:PATH joins an existing network namespace */
		if (lxr_str_has_prefix(arg, "ns:") && arg[3] == '/') {
			o->spec.ns[LXR_NS_NET].create = false;
			free(o->spec.ns[LXR_NS_NET].join_path);
			o->spec.ns[LXR_NS_NET].join_path = lxr_xstrdup(arg + 3);
			return 0;
		}
		return run_net_check_mode(arg, err);
	case 'p':
		lxr_strv_push(&o->publish, lxr_xstrdup(arg));
		return run_net_check_publish(arg, err);
	case 'v': return parse_volume(o, arg, err);
	case OPT_TMPFS: return parse_tmpfs(o, arg, err);
	case OPT_RO: o->spec.readonly_root = true; return 0;
	case OPT_CAPADD: lxr_strv_push(cap_add, lxr_xstrdup(arg)); return 0;
	case OPT_CAPDROP: lxr_strv_push(cap_drop, lxr_xstrdup(arg)); return 0;
	case OPT_INIT: o->spec.init = true; return 0;
	case OPT_NOINIT: o->spec.init = false; return 0;
	case OPT_SECURITY: return parse_security_opt(o, arg, err);
	case OPT_DEVICE: return parse_device(o, arg, err);
	case OPT_DEVRULE: return parse_device_rule(o, arg, err);
	case OPT_PRIVILEGED: o->privileged = true; return 0;
	case OPT_ENTRYPOINT:
		free(o->entrypoint);
		o->entrypoint = lxr_xstrdup(optarg);
		return 0;
	default: return lxr_fail(err, 0, "unknown option (see `lxr run --help`)");
	}
}

static void random_name(char *buf, size_t len)
{
	unsigned char r[4] = {0};
	FILE *f = fopen("/dev/urandom", "re");

	if (f) {
		(void)!fread(r, 1, sizeof(r), f);
		fclose(f);
	}
	snprintf(buf, len, "run-%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
}

static int finish_spec(struct run_opts *o, char **cmd, lxr_err *err)
{
	_cleanup_strv_ char **img_args = NULL;
	struct lxr_spec *s = &o->spec;
	char path[PATH_MAX];
	char gen[32];
	struct stat st;

	if (run_image_is_ref(o->rootfs)) {
		if (run_image_prepare(o, cmd, &img_args, err) < 0)
			return -1;
		cmd = img_args;
	} else if (!realpath(o->rootfs, path) || stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		return lxr_fail(err, errno ? errno : ENOTDIR, "root filesystem %s", o->rootfs),
		       lxr_err_hint(err, "give a directory holding a root filesystem (e.g. one "
					 "made by examples/make-rootfs.sh)");
	} else {
		free(o->rootfs);
		o->rootfs = lxr_xstrdup(path);
		lxr_strv_push(&s->lower_dirs, lxr_xstrdup(path));
		if (o->entrypoint) {
			/* a directory has no image config: the entrypoint leads */
			char *const ep[] = {o->entrypoint, NULL};
			img_args = plan_args(NULL, NULL, o->entrypoint[0] ? ep : ep + 1, cmd);
			cmd = img_args;
		}
	}
	if (!o->name) {
		random_name(gen, sizeof(gen));
		o->name = lxr_xstrdup(gen);
	}
	s->id = lxr_xstrdup(o->name);
	s->cgroup_group = lxr_xstrdup("_run");
	if (!s->hostname)
		s->hostname = lxr_xstrdup(o->name);
	s->ephemeral_upper = o->rm;
	s->terminal = o->tty;
	if (o->tty)
		rt_console_size_from_tty(s);
	s->open_stdin = o->interactive;
	s->args = lxr_strv_dup(cmd);
	if (!s->args[0])
		return lxr_fail(err, 0, "no command given"),
		       lxr_err_hint(err, "say what to run (a directory or an image without Cmd "
					 "has no default), e.g. `lxr run ROOTFS|IMAGE /bin/sh`");
	if (o->user && rt_user_resolve(o->rootfs, o->user, s, err) < 0)
		return lxr_err_wrap(err, "--user %s", o->user);
	/* docker: a non-root user keeps only the bounding set */
	rt_caps_for_user(&s->caps, s->uid);
	/* docker's defaults, for keys the user did not set */
	plan_env_defaults(&s->env, s->hostname);
	if (rt_user_env_home(o->rootfs, s->uid, &s->env, err) < 0)
		return lxr_err_wrap(err, "HOME for uid %u", (unsigned)s->uid);
	if (o->tty && !env_has(s->env, "TERM"))
		env_set(&s->env, "TERM=xterm");
	return 0;
}

int run_opts_parse(int argc, char **argv, struct run_opts *o, lxr_err *err)
{
	_cleanup_strv_ char **cap_add = NULL;
	_cleanup_strv_ char **cap_drop = NULL;
	struct utsname uts;
	int c;

	memset(o, 0, sizeof(*o));
	rt_spec_init_defaults(&o->spec);
	optind = 1;
	opterr = 0;
	/* "+": options end at ROOTFS, so the command's own flags stay its own */
	while ((c = getopt_long(argc, argv, "+dith:e:w:u:m:v:p:", longopts, NULL)) != -1) {
		if (c == OPT_HELP) {
			fputs(usage_text, stdout);
			return 1;
		}
		if (c == '?' || c == ':')
			return lxr_fail(err, 0, "%s: unknown option or missing value",
					argv[optind - 1]),
			       lxr_err_hint(err, "see `lxr run --help`");
		if (parse_one(o, c, optarg, &cap_add, &cap_drop, err) < 0)
			return -1;
	}
	if (optind >= argc)
		return lxr_fail(err, 0, "no root filesystem given"),
		       lxr_err_hint(err, "usage: lxr run [OPTIONS] ROOTFS [COMMAND [ARG...]]");
	if (o->detach && (o->tty && o->interactive))
		lxr_warn("-d with -it: the container gets a terminal nobody reads");
	if (o->privileged) {
		/* docker: every capability whatever --cap-add/--cap-drop say */
		struct lxr_device *all = NULL;
		size_t n = 0;
		if (rt_devices_host_all(&all, &n, err) < 0)
			return lxr_err_wrap(err, "--privileged");
		plan_spec_privileged(&o->spec, rt_caps_privileged(), all, n);
		rt_devices_free(all, n);
	} else if (rt_caps_adjust(&o->spec.caps, cap_add, cap_drop, err) < 0) {
		return -1;
	}
	/* after the capabilities: a profile's rules may depend on them */
	plan_security_apply(&o->security, o->privileged, uname(&uts) == 0 ? uts.release : NULL,
			    &o->spec);
	o->rootfs = lxr_xstrdup(argv[optind]);
	return finish_spec(o, argv + optind + 1, err);
}

void run_opts_free(struct run_opts *o)
{
	free(o->name);
	free(o->user);
	free(o->rootfs);
	free(o->network);
	free(o->entrypoint);
	lxr_strv_free(o->publish);
	cfg_security_free(&o->security);
	plan_spec_free(&o->spec);
}
