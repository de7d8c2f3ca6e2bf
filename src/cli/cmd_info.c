/* lxr info, as docker info: what runs (containers by state, images,
 * projects) and what it runs on (kernel, cgroups, storage, the security
 * every container gets, lxr's directories). --format json gives docker's
 * keys; --format TEMPLATE a template of them, as docker's. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lxr/image.h"
#include "lxr/runtime.h"
#include "lxr/settings.h"

/* docker's three counts from lxr's states */
static void count(json_t *ps, json_int_t n[3])
{
	size_t i;
	json_t *o;

	json_array_foreach(ps, i, o)
	{
		const char *st = json_string_value(json_object_get(o, "state")) ?: "";
		if (!strcmp(st, "paused"))
			n[1]++;
		else if (!strcmp(st, "running") || !strcmp(st, "healthy") ||
			 !strcmp(st, "unhealthy") || !strcmp(st, "starting"))
			n[0]++;
		else
			n[2]++;
	}
}

static json_int_t images(void)
{
	struct img_store *s = NULL;
	struct img_summary *v = NULL;
	json_int_t distinct = 0;
	size_t n = 0;
	lxr_err err;

	if (img_store_open(lxr_data_dir(), &s, &err) < 0 || img_list(s, &v, &n, &err) < 0) {
		img_store_close(s);
		return 0;
	}
	/* by image ID, as docker counts them, not by name */
	for (size_t i = 0; i < n; i++) {
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = !strcmp(v[k].config_digest, v[i].config_digest);
		distinct += !seen;
	}
	img_summaries_free(v, n);
	img_store_close(s);
	return distinct;
}

static char *os_name(void)
{
	_cleanup_fclose_ FILE *f = fopen("/etc/os-release", "re");
	char line[256];

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "PRETTY_NAME=", 12)) {
			char *v = line + 12, *end;
			v += *v == '"';
			end = v + strcspn(v, "\"\n");
			return lxr_xstrndup(v, (size_t)(end - v));
		}
	return lxr_xstrdup("Linux");
}

/* docker's: where CDI specs are read, and the devices they name */
static void cdi_info(json_t *o)
{
	json_t *dirs = json_array(), *devs = json_array(), *warn = json_array();
	char **bad = NULL, **names = rt_cdi_list(&bad);

	for (char *const *d = lxr_cdi_dirs(); *d; d++)
		json_array_append_new(dirs, json_string(*d));
	for (size_t i = 0; names && names[i]; i++)
		json_array_append_new(devs,
				      json_pack("{s:s, s:s}", "Source", "cdi", "ID", names[i]));
	lxr_strv_free(names);
	/* docker info's: a spec left out is said, or the device is just missing */
	for (size_t i = 0; bad && bad[i]; i++)
		json_array_append_new(warn, json_string(bad[i]));
	lxr_strv_free(bad);
	json_object_set_new(o, "Warnings", warn);
	json_object_set_new(o, "CDISpecDirs", dirs);
	json_object_set_new(o, "DiscoveredDevices", devs);
}

static json_t *info_json(void)
{
	_cleanup_strv_ char **projects = cli_projects();
	_cleanup_free_ char *os = os_name();
	json_t *ps = runctl_ps_all(), *sec = json_array();
	json_int_t n[3] = {0, 0, 0};
	enum lxr_userns_mode mode;
	uint32_t start, size;
	struct utsname u;
	struct sysinfo si;
	const char *conf = getenv("LXR_CONFIG");

	count(ps, n);
	json_decref(ps);
	uname(&u);
	sysinfo(&si);
	lxr_userns_conf(&mode, &start, &size);
	json_array_append_new(sec, json_string("name=seccomp,profile=builtin"));
	json_array_append_new(sec, json_string("name=no-new-privileges"));
	json_array_append_new(sec, json_string("name=cgroupns"));
	if (mode != LXR_USERNS_HOST)
		json_array_append_new(sec, json_string("name=userns"));
	if (lxr_rootless_uid() >= 0)
		json_array_append_new(sec, json_string("name=rootless"));
	json_t *o = json_pack(
	    "{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, "
	    "s:o, s:s, s:s, s:s, s:s, s:s}",
	    "ServerVersion", LXR_VERSION, "Containers", n[0] + n[1] + n[2], "ContainersRunning",
	    n[0], "ContainersPaused", n[1], "ContainersStopped", n[2], "Images", images(),
	    "Projects", (json_int_t)lxr_strv_len(projects), "Driver", "overlay", "CgroupDriver",
	    "cgroupfs", "CgroupVersion", rt_cgroup_version() == LXR_CG_V2 ? "2" : "1",
	    "KernelVersion", u.release, "OperatingSystem", os, "OSType", "linux", "Architecture",
	    u.machine, "NCPU", (json_int_t)sysconf(_SC_NPROCESSORS_ONLN), "MemTotal",
	    (json_int_t)si.totalram * si.mem_unit, "SecurityOptions", sec, "DockerRootDir",
	    lxr_data_dir(), "DataDir", lxr_data_dir(), "RunDir", lxr_run_dir(), "LogDir",
	    lxr_log_dir(), "ConfigFile",
	    conf && *conf ? conf : lxr_settings_path(CFG_SETTINGS_PATH));

	cdi_info(o);
	return o;
}

static void print_text(json_t *j)
{
	json_t *cdi_dirs = json_object_get(j, "CDISpecDirs"),
	       *devs = json_object_get(j, "DiscoveredDevices");
	size_t i;
	json_t *s;

#define S(k) json_string_value(json_object_get(j, k))
#define I(k) (long long)json_integer_value(json_object_get(j, k))
	printf("Server:\n Version: %s\n Containers: %lld\n  Running: %lld\n  Paused: %lld\n"
	       "  Stopped: %lld\n Images: %lld\n Projects: %lld\n Storage Driver: %s\n"
	       " Cgroup Driver: %s\n Cgroup Version: %s\n Security Options:\n",
	       S("ServerVersion"), I("Containers"), I("ContainersRunning"), I("ContainersPaused"),
	       I("ContainersStopped"), I("Images"), I("Projects"), S("Driver"), S("CgroupDriver"),
	       S("CgroupVersion"));
	json_array_foreach(json_object_get(j, "SecurityOptions"), i, s)
	{
		const char *v = json_string_value(s) + 5, *comma = strchr(v, ',');
		printf("  %.*s\n", comma ? (int)(comma - v) : (int)strlen(v), v);
		if (comma)
			printf("   Profile: %s\n", strchr(comma, '=') + 1);
	}
	printf(" Kernel Version: %s\n Operating System: %s\n OSType: %s\n Architecture: %s\n"
	       " CPUs: %lld\n Total Memory: %.4gGiB\n Data Dir: %s\n Run Dir: %s\n Log Dir: %s\n"
	       " Config File: %s\n",
	       S("KernelVersion"), S("OperatingSystem"), S("OSType"), S("Architecture"), I("NCPU"),
	       (double)I("MemTotal") / (1024.0 * 1024 * 1024), S("DataDir"), S("RunDir"),
	       S("LogDir"), S("ConfigFile"));
	printf(" CDI spec directories:\n");
	json_array_foreach(cdi_dirs, i, s) printf("  %s\n", json_string_value(s));
	if (json_array_size(devs))
		printf(" Discovered Devices:\n");
	json_array_foreach(devs, i, s)
	    printf("  cdi: %s\n", json_string_value(json_object_get(s, "ID")));
	fflush(stdout);
	json_array_foreach(json_object_get(j, "Warnings"), i, s)
	    lxr_warn("%s", json_string_value(s));
#undef S
#undef I
}

int cmd_info(int argc, char **argv)
{
	const char *format = NULL;
	json_t *j;
	int r = LXR_EXIT_OK;

	for (int i = 1; i < argc; i++) {
		const char *f;
		if (cli_is_help(argv[i]))
			return fputs(cli_help("info"), stdout), LXR_EXIT_OK;
		if ((f = cli_format_opt(argc, argv, &i))) {
			format = f;
			continue;
		}
		fprintf(stderr, "lxr: error: info: %s: unknown argument\n%s", argv[i],
			cli_help("info"));
		return LXR_EXIT_USAGE;
	}
	if (cli_format_check(format) < 0)
		return LXR_EXIT_USAGE;
	j = info_json();
	if (!format) {
		print_text(j);
	} else if (!strcmp(format, "json")) {
		char *text = json_dumps(j, JSON_INDENT(2));
		puts(text ? text : "{}");
		free(text);
	} else {
		lxr_err err;
		if (cli_template(format, j, stdout, &err) < 0) {
			lxr_err_print(&err);
			r = LXR_EXIT_FAIL;
		} else {
			putchar('\n');
		}
	}
	json_decref(j);
	return r;
}
