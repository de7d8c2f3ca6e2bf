/* supervisor layer: the store of volumes that outlive a project. Names
 * follow docker's rule; options are the local driver's, checked before
 * anything is made; a record round-trips into docker's inspect object;
 * making one again with the same options is no error, with others it is;
 * a stack's plain volumes show under compose's <project>_<name>. No root:
 * the data directory is a temporary one and nothing is mounted. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "lxr/supervisor.h"

static char data_dir[] = "/tmp/lxr-unit-volume.XXXXXX";

static void names(void **state)
{
	lxr_err err;

	(void)state;
	assert_int_equal(sup_volume_name_check("db-data_1.x", &err), 0);
	assert_int_equal(sup_volume_name_check("x", &err), -1);
	assert_int_equal(sup_volume_name_check(".hidden", &err), -1);
	assert_int_equal(sup_volume_name_check("a/b", &err), -1);
	assert_int_equal(sup_volume_name_check("../x", &err), -1);
	assert_non_null(strstr(err.msg, "not a valid volume name"));
}

static void refused_options(void **state)
{
	char *bad_key[] = {"type=tmpfs", "size=1m", NULL};
	char *fuse[] = {"type=fuse.sshfs", "device=me@host:/", NULL};
	char *no_type[] = {"o=size=1m", NULL};
	char *missing[] = {"type=none", "o=bind", "device=/nonexistent/lxr-unit", NULL};
	struct sup_volume v = {.name = "badopts"};
	bool made;
	lxr_err err;

	(void)state;
	v.driver = "nfsplugin";
	assert_int_equal(sup_volume_create(&v, &made, &err), -1);
	assert_non_null(strstr(err.msg, "driver \"nfsplugin\" is not supported"));
	v.driver = NULL;
	v.opts = bad_key;
	assert_int_equal(sup_volume_create(&v, &made, &err), -1);
	assert_non_null(strstr(err.msg, "no option \"size=1m\""));
	v.opts = fuse;
	assert_int_equal(sup_volume_create(&v, &made, &err), -1);
	assert_non_null(strstr(err.msg, "needs a mount helper program"));
	v.opts = no_type;
	assert_int_equal(sup_volume_create(&v, &made, &err), -1);
	v.opts = missing;
	assert_int_equal(sup_volume_create(&v, &made, &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	assert_non_null(strstr(err.hint, "mkdir -p /nonexistent/lxr-unit"));
	/* nothing was made for any of them */
	assert_false(sup_volume_exists("badopts"));
}

static void record_round_trip(void **state)
{
	char *opts[] = {"type=tmpfs", "device=tmpfs", "o=size=8m,mode=0700", NULL};
	char *other[] = {"type=tmpfs", "device=tmpfs", "o=size=16m", NULL};
	char *labels[] = {"team=a", NULL};
	struct sup_volume v = {.name = "cache", .opts = opts, .labels = labels}, back;
	_cleanup_free_ char *dir = sup_volume_dir("cache");
	bool made;
	lxr_err err;
	struct stat st;

	(void)state;
	assert_int_equal(sup_volume_create(&v, &made, &err), 0);
	assert_true(made);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(sup_volume_load("cache", &back, &err), 0);
	json_t *j = sup_volume_json(&back);
	assert_string_equal(json_string_value(json_object_get(j, "Name")), "cache");
	assert_string_equal(json_string_value(json_object_get(j, "Driver")), "local");
	assert_true(lxr_str_has_suffix(json_string_value(json_object_get(j, "Mountpoint")),
				       "/volumes/_named/cache/_data"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "Options"), "o")),
			    "size=8m,mode=0700");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(j, "Labels"), "team")), "a");
	assert_int_equal(strlen(json_string_value(json_object_get(j, "CreatedAt"))), 20);
	json_decref(j);
	sup_volume_free(&back);
	/* docker: the same again is no error, other options are */
	assert_int_equal(sup_volume_create(&v, &made, &err), 0);
	assert_false(made);
	v.opts = other;
	assert_int_equal(sup_volume_create(&v, &made, &err), -1);
	assert_int_equal(err.errnum, EEXIST);
	char **all = sup_volume_names();
	assert_int_equal(lxr_strv_len(all), 1);
	assert_string_equal(all[0], "cache");
	lxr_strv_free(all);
	assert_int_equal(sup_volume_remove("cache", false, &err), 0);
	assert_false(sup_volume_exists("cache"));
	assert_int_equal(access(dir, F_OK), -1);
}

static void project_volumes(void **state)
{
	_cleanup_free_ char *d1 = lxr_xasprintf("%s/volumes/my_app/data", data_dir);
	_cleanup_free_ char *d2 = lxr_xasprintf("%s/volumes/my_app/+anon/web-1", data_dir);
	struct sup_volume v;
	lxr_err err;
	char **names;

	(void)state;
	assert_int_equal(lxr_mkdir_p(d1, 0700, &err), 0);
	assert_int_equal(lxr_mkdir_p(d2, 0700, &err), 0);
	names = sup_project_volume_names();
	assert_int_equal(lxr_strv_len(names), 1);
	assert_string_equal(names[0], "my_app_data");
	lxr_strv_free(names);
	/* a project name may hold '_': the split that names a folder wins */
	assert_int_equal(sup_project_volume_load("my_app_data", &v, &err), 0);
	assert_string_equal(v.mountpoint, d1);
	assert_string_equal(v.labels[0], "com.docker.compose.project=my_app");
	assert_string_equal(v.labels[1], "com.docker.compose.volume=data");
	sup_volume_free(&v);
	assert_int_equal(sup_project_volume_load("my_app_+anon", &v, &err), -1);
	assert_int_equal(sup_project_volume_load("my_app_nope", &v, &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	/* not a store volume: an external one of that name does not exist */
	assert_false(sup_volume_exists("my_app_data"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(names),
	    cmocka_unit_test(refused_options),
	    cmocka_unit_test(record_round_trip),
	    cmocka_unit_test(project_volumes),
	};
	int r;

	if (!mkdtemp(data_dir))
		return 1;
	setenv("LXR_DATA_DIR", data_dir, 1);
	r = cmocka_run_group_tests(tests, NULL, NULL);
	lxr_err err;
	lxr_rm_rf(data_dir, &err);
	return r;
}
