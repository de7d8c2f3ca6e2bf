/* /etc/lxr/lxr.conf: [paths] run_dir/data_dir/log_dir, LXR_CONFIG, errors
 * with line numbers; and the stack-file helpers around loading (file
 * discovery, project names, the support table, did-you-mean). */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "config/config_internal.h"
#include "lxr/config.h"
#include "lxr/config_runnable.h"
#include "lxr/config_discover.h"
#include "lxr/settings.h"

#define DATA LXR_TEST_DATA "/settings/"

static void settings_good(void **state)
{
	struct cfg_settings s;
	lxr_err err;

	assert_int_equal(cfg_settings_load(DATA "good.conf", &s, &err), 0);
	assert_string_equal(s.run_dir, "/tmp/lxr-run");
	assert_string_equal(s.data_dir, "/tmp/lxr-data");
	assert_null(s.log_dir);
	assert_int_equal(s.log_max_size, 2 * 1024 * 1024);
	assert_int_equal(s.log_max_file, 5);
	assert_int_equal(s.pool_addr, (172u << 24) | (30u << 16));
	assert_int_equal(s.pool_prefix, 16);
	assert_int_equal(s.pool_size, 26);
	assert_int_equal(s.pids_limit, 100);
	cfg_settings_free(&s);
	/* docker spells "unlimited" -1 or 0; both read as -1, "not set" is 0 */
	assert_int_equal(cfg_settings_load(DATA "limits_unlimited.conf", &s, &err), 0);
	assert_int_equal(s.pids_limit, -1);
	cfg_settings_free(&s);
	assert_int_equal(cfg_settings_load(DATA "does-not-exist.conf", &s, &err), 0);
	assert_int_equal(s.pids_limit, 0);
}

/* [boot] stacks: every line's words, in the file's order */
static void settings_boot(void **state)
{
	struct cfg_settings s;
	lxr_err err;

	(void)state;
	assert_int_equal(cfg_settings_load(DATA "boot.conf", &s, &err), 0);
	assert_non_null(s.boot_stacks);
	assert_string_equal(s.boot_stacks[0], "/etc/lxr/stacks/base.yaml");
	assert_string_equal(s.boot_stacks[1], "/srv/stacks/*.yaml");
	assert_string_equal(s.boot_stacks[2], "/etc/lxr/late.yaml");
	assert_null(s.boot_stacks[3]);
	cfg_settings_free(&s);
	assert_int_equal(cfg_settings_load(DATA "good.conf", &s, &err), 0);
	assert_null(s.boot_stacks); /* not set: the default */
	cfg_settings_free(&s);
}

/* [watchdog]: off unless a device is named; timeout in whole seconds */
static void settings_watchdog(void **state)
{
	struct cfg_settings s;
	lxr_err err;

	(void)state;
	assert_int_equal(cfg_settings_load(DATA "watchdog.conf", &s, &err), 0);
	assert_string_equal(s.watchdog_device, "/dev/watchdog0");
	assert_int_equal(s.watchdog_timeout, 10);
	assert_int_equal(s.watchdog_interval_us, 2500000);
	cfg_settings_free(&s);
	assert_int_equal(cfg_settings_load(DATA "good.conf", &s, &err), 0);
	assert_null(s.watchdog_device);
	assert_int_equal(s.watchdog_timeout, 0);
	cfg_settings_free(&s);
	assert_int_equal(cfg_settings_load(DATA "watchdog_bad.conf", &s, &err), -1);
	assert_string_equal(err.msg, DATA "watchdog_bad.conf:3: timeout: bad duration \"1.5s\"");
	assert_string_equal(err.hint, "whole seconds from 1s to 65535s, e.g. 30s");
	assert_int_equal(cfg_settings_load(DATA "watchdog_slow.conf", &s, &err), -1);
	assert_string_equal(err.msg, DATA "watchdog_slow.conf: [watchdog] interval is not shorter "
					  "than timeout");
	assert_null(s.watchdog_device); /* nothing half-applied */
}

/* [cgroup] parent: auto, none, or a cgroup path below the v2 root */
static void settings_cgroup(void **state)
{
	struct cfg_settings s;
	lxr_err err;

	(void)state;
	assert_int_equal(cfg_settings_load(DATA "cgroup.conf", &s, &err), 0);
	assert_string_equal(s.cgroup_parent, "/box.slice/lxr");
	cfg_settings_free(&s);
	assert_int_equal(cfg_settings_load(DATA "cgroup_bad.conf", &s, &err), -1);
	assert_string_equal(err.msg,
			    DATA "cgroup_bad.conf:2: parent: \"box.slice\" is not a cgroup path");
}

static void settings_missing_file_is_fine(void **state)
{
	struct cfg_settings s;
	lxr_err err;

	assert_int_equal(cfg_settings_load(DATA "does-not-exist.conf", &s, &err), 0);
	assert_null(s.run_dir);
	assert_null(s.data_dir);
	assert_null(s.log_dir);
}

/* [cdi] spec_dirs: blank-separated, in order; empty turns CDI off */
static void settings_cdi(void **state)
{
	struct cfg_settings s;
	lxr_err err;

	(void)state;
	assert_int_equal(cfg_settings_load(DATA "cdi.conf", &s, &err), 0);
	assert_string_equal(s.cdi_spec_dirs[0], "/etc/cdi");
	assert_string_equal(s.cdi_spec_dirs[1], "/opt/cdi");
	assert_null(s.cdi_spec_dirs[2]);
	cfg_settings_free(&s);
	assert_int_equal(cfg_settings_load(DATA "cdi_none.conf", &s, &err), 0);
	assert_non_null(s.cdi_spec_dirs);
	assert_null(s.cdi_spec_dirs[0]);
	cfg_settings_free(&s);
	assert_int_equal(cfg_settings_load(DATA "good.conf", &s, &err), 0);
	assert_null(s.cdi_spec_dirs); /* not set: the defaults */
	cfg_settings_free(&s);
}

static void settings_env_override(void **state)
{
	struct cfg_settings s;
	lxr_err err;

	setenv("LXR_CONFIG", DATA "good.conf", 1);
	assert_int_equal(cfg_settings_load(NULL, &s, &err), 0);
	unsetenv("LXR_CONFIG");
	assert_string_equal(s.run_dir, "/tmp/lxr-run");
	cfg_settings_free(&s);
}

static void settings_errors(void **state)
{
	struct cfg_settings s;
	lxr_err err;

	assert_int_equal(cfg_settings_load(DATA "unknown_key.conf", &s, &err), -1);
	assert_string_equal(err.msg, DATA "unknown_key.conf:3: unknown key \"rundir\" in [paths]");
	assert_string_equal(err.hint, "known keys: run_dir, data_dir, log_dir");
	assert_null(s.run_dir); /* nothing half-applied */
	assert_int_equal(cfg_settings_load(DATA "no_section.conf", &s, &err), -1);
	assert_string_equal(err.msg, DATA "no_section.conf:1: key \"run_dir\" outside the [paths], "
					  "[logs], [network], [limits], [boot], [userns], "
					  "[watchdog], [cgroup] and [cdi] sections");
	assert_int_equal(cfg_settings_load(DATA "cdi_bad.conf", &s, &err), -1);
	assert_string_equal(err.msg, DATA "cdi_bad.conf:2: spec_dirs: \"cdi\" is not an absolute "
					  "path");
	assert_int_equal(cfg_settings_load(DATA "boot_bad.conf", &s, &err), -1);
	assert_string_equal(err.msg, DATA "boot_bad.conf:2: stacks: \"stacks/*.yaml\" is not an "
					  "absolute path");
	assert_int_equal(cfg_settings_load(DATA "limits_bad.conf", &s, &err), -1);
	assert_string_equal(err.msg,
			    DATA "limits_bad.conf:3: pids: \"12abc\" is not a number of processes");
	assert_string_equal(err.hint,
			    "1 to 4194304 (the kernel's pid_max ceiling), or -1 for unlimited");
	assert_int_equal(cfg_settings_load(DATA "network_bad.conf", &s, &err), -1);
	assert_string_equal(err.msg,
			    DATA "network_bad.conf:3: size /16 is larger than the pool /20");
	assert_int_equal(cfg_settings_load(DATA "logs_bad.conf", &s, &err), -1);
	assert_string_equal(err.msg,
			    DATA "logs_bad.conf:3: max_file: \"0\" is not a count of files");
	assert_int_equal(cfg_settings_load(DATA "relative.conf", &s, &err), -1);
	assert_string_equal(err.msg, DATA "relative.conf:2: log_dir must be an absolute path, "
					  "not \"relative\"");
	assert_int_equal(cfg_settings_load(DATA "garbage.conf", &s, &err), -1);
	assert_string_equal(err.msg, DATA "garbage.conf:2: not an INI line");
}

/* [userns] mode: off (the default), auto, or a fixed range that never
 * holds host id 0 */
static void settings_userns(void **state)
{
	struct cfg_settings s;
	lxr_err err;

	(void)state;
	assert_int_equal(cfg_settings_load(DATA "good.conf", &s, &err), 0);
	assert_int_equal(s.userns_mode, LXR_USERNS_HOST);
	cfg_settings_free(&s);
	assert_int_equal(cfg_settings_load(DATA "userns_auto.conf", &s, &err), 0);
	assert_int_equal(s.userns_mode, LXR_USERNS_AUTO);
	cfg_settings_free(&s);
	assert_int_equal(cfg_settings_load(DATA "userns_range.conf", &s, &err), 0);
	assert_int_equal(s.userns_mode, LXR_USERNS_RANGE);
	assert_int_equal(s.userns_start, 100000);
	assert_int_equal(s.userns_count, 65536);
	cfg_settings_free(&s);
	assert_int_equal(cfg_settings_load(DATA "userns_bad.conf", &s, &err), -1);
	assert_string_equal(err.msg, DATA "userns_bad.conf:2: mode: \"0:65536\" is not a user "
					  "namespace mode");
	/* shift: idmapped mounts where they work (auto), or always copies */
	assert_int_equal(cfg_settings_load(DATA "userns_auto.conf", &s, &err), 0);
	assert_false(s.userns_shift_copy);
	cfg_settings_free(&s);
	assert_int_equal(cfg_settings_load(DATA "userns_shift_copy.conf", &s, &err), 0);
	assert_int_equal(s.userns_mode, LXR_USERNS_AUTO);
	assert_true(s.userns_shift_copy);
	cfg_settings_free(&s);
	assert_int_equal(cfg_settings_load(DATA "userns_shift_bad.conf", &s, &err), -1);
	assert_string_equal(err.msg,
			    DATA "userns_shift_bad.conf:2: shift: \"chown\" is not auto or copy");
}

static void project_names(void **state)
{
	char *n;

	n = cfg_project_name_normalize("My App.v2");
	assert_string_equal(n, "myappv2");
	free(n);
	n = cfg_project_name_normalize("__-Lead_ing");
	assert_string_equal(n, "lead_ing");
	free(n);
	assert_null(cfg_project_name_normalize("..."));
}

static void discovery_prefers_compose_yaml(void **state)
{
	char dir[] = "/tmp/lxr-test-discover-XXXXXX";
	char *found = NULL;
	lxr_err err;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(cfg_find_stack_file(dir, &found, &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	assert_true(strstr(err.hint, "compose.yaml") != NULL);
	const char *names[] = {"docker-compose.yml", "compose.yml", "compose.yaml"};
	for (size_t i = 0; i < 3; i++) {
		char *p = lxr_xasprintf("%s/%s", dir, names[i]);
		FILE *f = fopen(p, "w");
		assert_non_null(f);
		fclose(f);
		free(p);
		assert_int_equal(cfg_find_stack_file(dir, &found, &err), 0);
		_cleanup_free_ char *want = lxr_xasprintf("%s/%s", dir, names[i]);
		assert_string_equal(found, want);
		free(found);
	}
	lxr_rm_rf(dir, &err);
}

static void support_table(void **state)
{
	assert_true(cfg_key_supported("service.image"));
	assert_true(cfg_key_supported("service.deploy.resources.limits"));
	assert_true(cfg_key_supported("service.depends_on"));
	assert_true(cfg_key_supported("service.ports"));
	assert_true(cfg_key_supported("service.networks"));
	assert_true(cfg_key_supported("networks"));
	/* forms of honoured keys the net layer cannot do yet */
	assert_true(cfg_key_supported("service.ports.ephemeral"));
	assert_true(cfg_key_supported("service.networks.second"));
	assert_true(cfg_key_supported("service.volumes.volume"));
	assert_true(cfg_key_supported("volumes"));
	assert_true(cfg_key_supported("volumes.driver_opts"));
	assert_true(cfg_key_supported("networks.ipam.ip_range"));
	assert_false(cfg_key_supported("networks.ipam.wide_subnet"));
	assert_int_equal(cfg_support_lookup("service.no_such_key"), -1);
}

static void did_you_mean(void **state)
{
	const char *const keys[] = {"restart", "environment", "user", "image"};

	assert_string_equal(cfg_did_you_mean("restrat", keys, 4), "restart");
	assert_string_equal(cfg_did_you_mean("enviroment", keys, 4), "environment");
	assert_string_equal(cfg_did_you_mean("imge", keys, 4), "image");
	assert_null(cfg_did_you_mean("uts", keys, 4));
	assert_null(cfg_did_you_mean("completely-different", keys, 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(settings_good),
	    cmocka_unit_test(settings_boot),
	    cmocka_unit_test(settings_watchdog),
	    cmocka_unit_test(settings_cgroup),
	    cmocka_unit_test(settings_missing_file_is_fine),
	    cmocka_unit_test(settings_cdi),
	    cmocka_unit_test(settings_env_override),
	    cmocka_unit_test(settings_errors),
	    cmocka_unit_test(settings_userns),
	    cmocka_unit_test(project_names),
	    cmocka_unit_test(discovery_prefers_compose_yaml),
	    cmocka_unit_test(support_table),
	    cmocka_unit_test(did_you_mean),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
