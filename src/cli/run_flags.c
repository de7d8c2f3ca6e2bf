/* docker run's options beyond the basics of run_opts.c: labels, env and
 * label files, ulimits, sysctls, --mount, the stop signal and timeout, the
 * health check, logging, exposed ports, cgroup knobs, the pull policy,
 * --cidfile. Each is checked here with its own name in the error and
 * written as the Compose key it means, so the stack loader gives it the
 * key's meaning and the key's checks. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "cli/run_opts.h"
#include "config/text.h"
#include "lxr/image.h"
#include "lxr/logopts.h"

enum {
	RF_LABELFILE = 512,
	RF_ENVFILE,
	RF_ULIMIT,
	RF_SYSCTL,
	RF_MOUNT,
	RF_STOPSIG,
	RF_STOPTIME,
	RF_HCMD,
	RF_HINTERVAL,
	RF_HTIMEOUT,
	RF_HRETRIES,
	RF_HSTART,
	RF_HSTARTINT,
	RF_NOHC,
	RF_LOGDRV,
	RF_LOGOPT,
	RF_EXPOSE,
	RF_CPUSET,
	RF_MEMRES,
	RF_SWAPPINESS,
	RF_OOMKD,
	RF_BLKIO,
	RF_CGROUPNS,
	RF_PULL,
	RF_PLATFORM,
	RF_RUNTIME,
	RF_GPUS,
	RF_CIDFILE,
	RF_VOLFROM,
	RF_BLKIO_WDEV, /* the five in blkio_dev_keys' order */
	RF_BLKIO_RBPS,
	RF_BLKIO_WBPS,
	RF_BLKIO_RIOPS,
	RF_BLKIO_WIOPS,
	RF_ANNOTATION,
	RF_DCT,
	RF_KMEM,
};

const struct option run_flags_longopts[] = {
    {"label", required_argument, NULL, 'l'},
    {"label-file", required_argument, NULL, RF_LABELFILE},
    {"env-file", required_argument, NULL, RF_ENVFILE},
    {"ulimit", required_argument, NULL, RF_ULIMIT},
    {"sysctl", required_argument, NULL, RF_SYSCTL},
    {"mount", required_argument, NULL, RF_MOUNT},
    {"stop-signal", required_argument, NULL, RF_STOPSIG},
    {"stop-timeout", required_argument, NULL, RF_STOPTIME},
    {"health-cmd", required_argument, NULL, RF_HCMD},
    {"health-interval", required_argument, NULL, RF_HINTERVAL},
    {"health-timeout", required_argument, NULL, RF_HTIMEOUT},
    {"health-retries", required_argument, NULL, RF_HRETRIES},
    {"health-start-period", required_argument, NULL, RF_HSTART},
    {"health-start-interval", required_argument, NULL, RF_HSTARTINT},
    {"no-healthcheck", no_argument, NULL, RF_NOHC},
    {"log-driver", required_argument, NULL, RF_LOGDRV},
    {"log-opt", required_argument, NULL, RF_LOGOPT},
    {"expose", required_argument, NULL, RF_EXPOSE},
    {"publish-all", no_argument, NULL, 'P'},
    {"cpuset-cpus", required_argument, NULL, RF_CPUSET},
    {"memory-reservation", required_argument, NULL, RF_MEMRES},
    {"memory-swappiness", required_argument, NULL, RF_SWAPPINESS},
    {"oom-kill-disable", no_argument, NULL, RF_OOMKD},
    {"blkio-weight", required_argument, NULL, RF_BLKIO},
    {"cgroupns", required_argument, NULL, RF_CGROUPNS},
    {"pull", required_argument, NULL, RF_PULL},
    {"quiet", no_argument, NULL, 'q'},
    {"platform", required_argument, NULL, RF_PLATFORM},
    {"runtime", required_argument, NULL, RF_RUNTIME},
    {"gpus", required_argument, NULL, RF_GPUS},
    {"cidfile", required_argument, NULL, RF_CIDFILE},
    {"volumes-from", required_argument, NULL, RF_VOLFROM},
    {"blkio-weight-device", required_argument, NULL, RF_BLKIO_WDEV},
    {"device-read-bps", required_argument, NULL, RF_BLKIO_RBPS},
    {"device-write-bps", required_argument, NULL, RF_BLKIO_WBPS},
    {"device-read-iops", required_argument, NULL, RF_BLKIO_RIOPS},
    {"device-write-iops", required_argument, NULL, RF_BLKIO_WIOPS},
    {"annotation", required_argument, NULL, RF_ANNOTATION},
    {"disable-content-trust", optional_argument, NULL, RF_DCT},
    {"kernel-memory", required_argument, NULL, RF_KMEM},
    {NULL, 0, NULL, 0},
};

static json_t *csv_list(const char *v)
{
	json_t *a = json_array();
	_cleanup_free_ char *copy = lxr_xstrdup(v);

	for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string(t));
	return a;
}

/* a count as docker's parseCount reads it: all, or a number */
static json_t *gpus_count(const char *v)
{
	char *end;
	long n;

	if (!strcmp(v, "all"))
		return json_string("all");
	n = strtol(v, &end, 10);
	return *v && !*end && n >= 0 && n <= 1024 ? json_integer(n) : NULL;
}

/* docker's --gpus (opts/gpus.go), written as one `gpus:` entry: CSV fields,
 * a bare one the count; driver=, count=, device=, capabilities= (with
 * "gpu" added), options=; each key once; neither a count nor devices is
 * one GPU */
static int gpus_flag(struct run_opts *o, const char *arg, lxr_err *err)
{
	static const char *const keys[] = {"count", "driver", "device", "options", "capabilities"};
	json_t *req = json_object(), *caps = json_array();
	const char *p = arg;
	unsigned seen = 0;

	do {
		_cleanup_free_ char *f = run_csv_field(&p);
		char *eq = strchr(f, '=');
		const char *key = eq ? (*eq = '\0', f) : "count", *val = eq ? eq + 1 : f;
		json_t *v = NULL;
		size_t k = 0;
		while (k < 5 && strcmp(key, keys[k]))
			k++;
		if (k == 5)
			goto bad;
		if (seen & (1u << k))
			goto dup;
		seen |= 1u << k;
		if (k == 4) {
			json_t *l = csv_list(val);
			json_array_extend(caps, l);
			json_decref(l);
			json_array_append_new(caps, json_string("gpu"));
			continue;
		}
		v = k == 0   ? gpus_count(val)
		    : k == 1 ? json_string(val)
		    : k == 2 ? csv_list(val)
			     : json_object(); /* options: the driver's; CDI devices take none */
		if (k == 2 && !json_array_size(v)) {
			json_decref(v);
			v = NULL; /* device= names none: docker's fails too */
		}
		if (!v)
			goto bad;
		json_object_set_new(req, k == 2 ? "device_ids" : key, v);
	} while (*p);
	if (!json_object_get(req, "count") && !json_object_get(req, "device_ids"))
		json_object_set_new(req, "count", json_integer(1));
	if (!json_array_size(caps))
		json_array_append_new(caps, json_string("gpu"));
	json_object_set_new(req, "capabilities", caps);
	run_push(o, "gpus", req);
	return 0;
dup:
	json_decref(req);
	json_decref(caps);
	return lxr_fail(err, EINVAL, "--gpus \"%s\": a key given twice", arg);
bad:
	json_decref(req);
	json_decref(caps);
	return lxr_fail(err, EINVAL, "--gpus \"%s\": not a GPU request", arg),
	       lxr_err_hint(err, "all, a count, or driver=, count=, device=, capabilities= "
				 "(e.g. --gpus '\"device=0,1\"')");
}

/* An option's value K=V; K must not be empty */
static int key_value(const char *opt, const char *arg, bool need_eq, lxr_err *err)
{
	const char *eq = strchr(arg, '=');

	if (!*arg || eq == arg || (need_eq && !eq))
		return lxr_fail(err, 0, "%s \"%s\": expected KEY=VALUE", opt, arg);
	return 0;
}

/* A file option's path as the loader wants it: absolute, from here */
static json_t *abs_path(const char *arg)
{
	_cleanup_free_ char *cwd = NULL, *p = NULL;

	if (arg[0] == '/')
		return run_lit(arg);
	cwd = getcwd(NULL, 0);
	p = lxr_xasprintf("%s/%s", cwd ? cwd : ".", arg);
	return run_lit(p);
}

/* o->svc's object key, made if missing */
static json_t *object(struct run_opts *o, const char *key)
{
	json_t *v = json_object_get(o->svc, key);

	if (!v) {
		v = json_object();
		run_set(o, key, v);
	}
	return v;
}

static int parse_ulimit(struct run_opts *o, const char *arg, lxr_err *err)
{
	_cleanup_free_ char *name = NULL;
	const char *eq = strchr(arg, '=');
	char *end;
	long long soft, hard;

	if (!eq || eq == arg)
		return lxr_fail(err, 0, "--ulimit \"%s\": expected NAME=SOFT[:HARD]", arg);
	name = lxr_xstrndup(arg, (size_t)(eq - arg));
	errno = 0;
	soft = hard = strtoll(eq + 1, &end, 10);
	if (*end == ':')
		hard = strtoll(end + 1, &end, 10);
	if (errno || end == eq + 1 || *end)
		return lxr_fail(err, 0, "--ulimit \"%s\": expected NAME=SOFT[:HARD], numbers", arg);
	json_object_set_new(
	    object(o, "ulimits"), name,
	    json_pack("{s:I, s:I}", "soft", (json_int_t)soft, "hard", (json_int_t)hard));
	return 0;
}

/* --health-*: the healthcheck's keys; the loader reads the durations */
static int parse_health(struct run_opts *o, int c, const char *arg, lxr_err *err)
{
	static const char *const keys[] = {[RF_HINTERVAL - RF_HINTERVAL] = "interval",
					   [RF_HTIMEOUT - RF_HINTERVAL] = "timeout",
					   [RF_HRETRIES - RF_HINTERVAL] = "retries",
					   [RF_HSTART - RF_HINTERVAL] = "start_period",
					   [RF_HSTARTINT - RF_HINTERVAL] = "start_interval"};
	json_t *h = object(o, "healthcheck");
	char *end;
	long n;

	if (c == RF_NOHC) {
		json_object_set_new(h, "disable", json_true());
		return 0;
	}
	if (c == RF_HCMD) {
		/* docker: an empty command sets none */
		if (*arg)
			json_object_set_new(h, "test",
					    json_pack("[s,o]", "CMD-SHELL", run_lit(arg)));
		return 0;
	}
	if (c == RF_HRETRIES) {
		errno = 0;
		n = strtol(arg, &end, 10);
		if (errno || end == arg || *end || n < 0)
			return lxr_fail(err, 0, "--health-retries \"%s\": expected a whole number",
					arg);
		json_object_set_new(h, "retries", json_integer(n));
		return 0;
	}
	json_object_set_new(h, keys[c - RF_HINTERVAL], run_lit(arg));
	return 0;
}

static int parse_log(struct run_opts *o, int c, const char *arg, lxr_err *err)
{
	json_t *l = object(o, "logging");
	json_t *opts;
	const char *eq;

	if (c == RF_LOGDRV) {
		json_object_set_new(l, "driver", run_lit(arg));
		return 0;
	}
	if (key_value("--log-opt", arg, true, err) < 0)
		return -1;
	opts = json_object_get(l, "options");
	if (!opts) {
		opts = json_object();
		json_object_set_new(l, "options", opts);
	}
	eq = strchr(arg, '=');
	_cleanup_free_ char *k = lxr_xstrndup(arg, (size_t)(eq - arg));
	json_object_set_new(opts, k, run_lit(eq + 1));
	return 0;
}

/* --blkio-weight-device PATH:WEIGHT, --device-{read,write}-{bps,iops}
 * PATH:RATE: compose's blkio_config lists, which check the path is a
 * block device; a rate in bytes takes docker's units (1mb) */
static int blkio_device(struct run_opts *o, int c, const char *arg, lxr_err *err)
{
	static const char *const keys[] = {"weight_device", "device_read_bps", "device_write_bps",
					   "device_read_iops", "device_write_iops"};
	const char *key = keys[c - RF_BLKIO_WDEV], *colon = strrchr(arg, ':');
	static const char *const flags[] = {"blkio-weight-device", "device-read-bps",
					    "device-write-bps", "device-read-iops",
					    "device-write-iops"};
	const char *flag = flags[c - RF_BLKIO_WDEV];
	bool bps = c == RF_BLKIO_RBPS || c == RF_BLKIO_WBPS;
	_cleanup_free_ char *path = NULL;
	json_t *a;
	int64_t v = -1;
	char *end;

	if (colon) {
		path = lxr_xstrndup(arg, (size_t)(colon - arg));
		errno = 0;
		if (bps && cfg_parse_bytes(colon + 1, &v) < 0)
			v = -1;
		else if (!bps &&
			 ((v = strtoll(colon + 1, &end, 10)), errno || end == colon + 1 || *end))
			v = -1;
	}
	if (!path || path[0] != '/' || v < 0 || (c == RF_BLKIO_WDEV && v && (v < 10 || v > 1000)))
		return lxr_fail(err, EINVAL, "--%s \"%s\": expected DEVICE:%s", flag, arg,
				c == RF_BLKIO_WDEV ? "WEIGHT (10 to 1000)"
				: bps              ? "RATE (bytes a second, e.g. 1mb)"
						   : "RATE (operations a second)"),
		       lxr_err_hint(err, "e.g. --%s /dev/sda:%s", flag,
				    c == RF_BLKIO_WDEV ? "200"
				    : bps              ? "10mb"
						       : "1000");
	if (v == 0)
		return 0; /* docker's: no limit for that device */
	if (!(a = json_object_get(object(o, "blkio_config"), key))) {
		a = json_array();
		json_object_set_new(object(o, "blkio_config"), key, a);
	}
	json_array_append_new(a, json_pack("{s:o, s:I}", "path", run_lit(path),
					   c == RF_BLKIO_WDEV ? "weight" : "rate", (json_int_t)v));
	return 0;
}

/* What docker run takes that changes nothing here, or only the record:
 * --annotation (the container's OCI annotations, compose's annotations),
 * --disable-content-trust (lxr verifies no signatures, which is docker's
 * default), --kernel-memory (ignored by docker on cgroup v2 and by current
 * kernels on v1, with a warning) */
static int parse_record(struct run_opts *o, int c, const char *arg, lxr_err *err)
{
	bool on;

	switch (c) {
	case RF_ANNOTATION:
		if (key_value("--annotation", arg, true, err) < 0)
			return -1;
		run_push(o, "annotations", run_lit(arg));
		return 0;
	case RF_DCT:
		if (arg && (lxr_go_bool(arg, &on) < 0 || !on))
			return lxr_fail(err, ENOTSUP,
					"--disable-content-trust=%s: lxr verifies no image "
					"signatures (docker content trust)",
					arg),
			       lxr_err_hint(err, "leave the option out; check a signed image "
						 "with its own tool before `lxr pull`");
		return 0;
	case RF_KMEM:
		fprintf(stderr,
			"lxr: warning: --kernel-memory %s: kernel memory limits are "
			"deprecated and ignored, as docker ignores them\n",
			arg);
		return 0;
	default: return 1;
	}
}

/* The memory, CPU and block I/O knobs */
static int parse_cgroup_knob(struct run_opts *o, int c, const char *arg, lxr_err *err)
{
	int64_t bytes;
	char *end;
	long n;

	switch (c) {
	case RF_CPUSET: run_set(o, "cpuset", run_lit(arg)); return 0;
	case RF_MEMRES:
		if (cfg_parse_bytes(arg, &bytes) < 0 || bytes <= 0)
			return lxr_fail(
			    err, 0, "--memory-reservation \"%s\": expected a size (e.g. 50m)", arg);
		run_set(o, "mem_reservation", json_integer(bytes));
		return 0;
	case RF_OOMKD: run_set(o, "oom_kill_disable", json_true()); return 0;
	case RF_CGROUPNS: run_set(o, "cgroup", run_lit(arg)); return 0;
	default: break;
	}
	errno = 0;
	n = strtol(arg, &end, 10);
	if (c == RF_SWAPPINESS) {
		if (errno || end == arg || *end || n < -1 || n > 100)
			return lxr_fail(
			    err, 0, "--memory-swappiness \"%s\": 0 to 100 (-1: the host's)", arg);
		if (n >= 0)
			run_set(o, "mem_swappiness", json_integer(n));
		return 0;
	}
	/* docker: 0 leaves the weight alone */
	if (errno || end == arg || *end || (n != 0 && (n < 10 || n > 1000)))
		return lxr_fail(err, 0, "--blkio-weight \"%s\": 10 to 1000 (0: none)", arg);
	if (n)
		json_object_set_new(object(o, "blkio_config"), "weight", json_integer(n));
	return 0;
}

/* What the container runs and how it stops */
static int parse_process(struct run_opts *o, int c, const char *arg, lxr_err *err)
{
	char *end;
	long n;

	switch (c) {
	case RF_ENVFILE:
		/* docker run's own syntax: every value as written, no quotes
		 * taken off, no ${} (compose's `format: raw`) */
		run_push(o, "env_file",
			 json_pack("{s:o, s:s}", "path", abs_path(arg), "format", "raw"));
		return 0;
	case RF_SYSCTL:
		if (key_value("--sysctl", arg, true, err) < 0)
			return -1;
		run_push(o, "sysctls", run_lit(arg));
		return 0;
	case RF_ULIMIT: return parse_ulimit(o, arg, err);
	case RF_STOPSIG: run_set(o, "stop_signal", run_lit(arg)); return 0;
	case RF_STOPTIME:
		errno = 0;
		n = strtol(arg, &end, 10);
		if (errno || end == arg || *end || n < 0)
			return lxr_fail(err, 0,
					"--stop-timeout \"%s\": expected seconds (0 or more)", arg);
		run_set(o, "stop_grace_period", json_sprintf("%lds", n));
		return 0;
	default: return 1;
	}
}

/* The image, and the file --cidfile names */
static int parse_image_opts(struct run_opts *o, int c, const char *arg, lxr_err *err)
{
	int policy;

	switch (c) {
	case RF_PULL:
		policy = img_pull_policy_parse(arg);
		if (policy < 0 || !strcmp(arg, "if_not_present"))
			return lxr_fail(err, 0, "--pull \"%s\": use missing, always or never", arg);
		o->pull = (o->pull & IMG_PULL_QUIET) | policy;
		return 0;
	case 'q': o->pull |= IMG_PULL_QUIET; return 0;
	case RF_PLATFORM: run_set(o, "platform", run_lit(arg)); return 0;
	case RF_RUNTIME: run_set(o, "runtime", run_lit(arg)); return 0;
	case RF_GPUS: return gpus_flag(o, arg, err);
	case RF_CIDFILE:
		free(o->cidfile);
		o->cidfile = lxr_xstrdup(arg);
		return 0;
	default: return 1;
	}
}

int run_flags_parse(struct run_opts *o, int c, const char *arg, lxr_err *err)
{
	int r;

	if ((r = parse_process(o, c, arg, err)) != 1 || (r = parse_image_opts(o, c, arg, err)) != 1)
		return r;
	switch (c) {
	case 'l':
		if (key_value("--label", arg, false, err) < 0)
			return -1;
		run_push(o, "labels", run_lit(arg));
		return 0;
	case RF_LABELFILE: run_push(o, "label_file", abs_path(arg)); return 0;
	case RF_MOUNT: return run_parse_mount(o, arg, err);
	case RF_VOLFROM: lxr_strv_push(&o->volumes_from, lxr_xstrdup(arg)); return 0;
	case RF_HCMD:
	case RF_HINTERVAL:
	case RF_HTIMEOUT:
	case RF_HRETRIES:
	case RF_HSTART:
	case RF_HSTARTINT:
	case RF_NOHC: return parse_health(o, c, arg, err);
	case RF_LOGDRV:
	case RF_LOGOPT: return parse_log(o, c, arg, err);
	case RF_EXPOSE: run_push(o, "expose", run_lit(arg)); return 0;
	case 'P': o->publish_all = true; return 0;
	case RF_CPUSET:
	case RF_MEMRES:
	case RF_SWAPPINESS:
	case RF_OOMKD:
	case RF_BLKIO:
	case RF_CGROUPNS: return parse_cgroup_knob(o, c, arg, err);
	case RF_BLKIO_WDEV:
	case RF_BLKIO_RBPS:
	case RF_BLKIO_WBPS:
	case RF_BLKIO_RIOPS:
	case RF_BLKIO_WIOPS: return blkio_device(o, c, arg, err);
	default: return parse_record(o, c, arg, err);
	}
}

int run_flags_finish(struct run_opts *o, lxr_err *err)
{
	json_t *h = json_object_get(o->svc, "healthcheck");
	const char *drv =
	    json_string_value(json_object_get(json_object_get(o->svc, "logging"), "driver"));

	if (h && json_object_get(h, "disable") && json_object_size(h) > 1)
		return lxr_fail(err, 0, "--no-healthcheck conflicts with --health-* options");
	/* a foreground run's output goes to its terminal and nowhere else:
	 * lxr keeps no log of it to send on */
	if (!o->detach && cfg_log_driver_sends(drv))
		return lxr_fail(err, 0,
				"--log-driver %s: a foreground `lxr run` sends its output to its "
				"terminal only",
				drv),
		       lxr_err_hint(err,
				    "`lxr run -d --log-driver %s` logs it and sends each line "
				    "on; `lxr logs NAME` reads it",
				    drv);
	return run_volumes_from(o, err);
}

int run_cidfile_claim(struct run_opts *o, lxr_err *err)
{
	_cleanup_free_ char *line = NULL;
	int fd;
	bool ok;

	if (!o->cidfile)
		return 0;
	fd = open(o->cidfile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = errno;
		lxr_fail(err, e, "--cidfile %s", o->cidfile);
		return e == EEXIST ? lxr_err_hint(err, "remove it first, if its container is gone")
				   : -1;
	}
	/* docker writes the id alone, no newline; lxr's id is the name */
	ok = write(fd, o->name, strlen(o->name)) == (ssize_t)strlen(o->name);
	close(fd);
	if (!ok) {
		lxr_fail(err, errno, "write %s", o->cidfile);
		unlink(o->cidfile);
		return -1;
	}
	return 0;
}

void run_cidfile_drop(struct run_opts *o)
{
	if (o->cidfile)
		unlink(o->cidfile);
}
