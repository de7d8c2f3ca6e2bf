/* CDI edits on a container spec (plan/spec_devices.c): the environment
 * (a name set again replaces it), nodes with their device cgroup rule,
 * OCI mount options as mount(2) flags, the createContainer hooks. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <cmocka.h>

#include "lxr/cdi.h"
#include "lxr/plan.h"

static char *env[] = {"NVIDIA_VISIBLE_DEVICES=void", "PATH=/cdi/bin", NULL};
static char *bind_opts[] = {"ro", "nosuid", "nodev", "rbind", "rprivate", NULL};
static char *tmpfs_opts[] = {"nosuid", "size=1m", "mode=0755", NULL};
static char *args[] = {"nvidia-cdi-hook", "update-ldcache", NULL};
static struct lxr_cdi_node nodes[] = {
    {.path = "/dev/nvidia0",
     .host_path = "/run/nvidia/driver/dev/nvidia0",
     .type = 'c',
     .major = 195,
     .minor = 0,
     .file_mode = 0666,
     .uid = -1,
     .gid = 44},
    {.path = "/dev/ro",
     .type = 'c',
     .major = 1,
     .minor = 3,
     .file_mode = 0600,
     .permissions = "r",
     .uid = -1,
     .gid = -1},
    {.path = "/dev/none",
     .type = 'c',
     .major = 1,
     .minor = 5,
     .file_mode = 0600,
     .permissions = "",
     .uid = -1,
     .gid = -1},
};
static struct lxr_cdi_mount mounts[] = {
    {.host_path = "/usr/lib/libcuda.so.1",
     .container_path = "/usr/lib/libcuda.so.1",
     .options = bind_opts},
    {.host_path = "tmpfs", .container_path = "/cdi", .type = "tmpfs", .options = tmpfs_opts},
};
static struct lxr_cdi_hook hook = {.hook_name = "createContainer",
				   .path = "/usr/bin/nvidia-cdi-hook",
				   .args = args,
				   .timeout = 30};
static const struct lxr_cdi_edits e = {.env = env,
				       .nodes = nodes,
				       .n_nodes = 3,
				       .mounts = mounts,
				       .n_mounts = 2,
				       .hooks = &hook,
				       .n_hooks = 1};

/* the edits on a spec with an environment of its own; *rules: the device
 * rules it had before */
static void apply(struct lxr_spec *spec, size_t *rules)
{
	memset(spec, 0, sizeof(*spec));
	lxr_strv_push(&spec->env, lxr_xstrdup("PATH=/usr/bin"));
	lxr_strv_push(&spec->env, lxr_xstrdup("HOME=/root"));
	*rules = spec->resources.n_devices;
	plan_spec_cdi(spec, &e);
}

static void env_and_nodes(void **state)
{
	struct lxr_spec spec;
	size_t rules;

	(void)state;
	apply(&spec, &rules);
	assert_string_equal(spec.env[0], "PATH=/cdi/bin"); /* replaced in place */
	assert_string_equal(spec.env[1], "HOME=/root");
	assert_string_equal(spec.env[2], "NVIDIA_VISIBLE_DEVICES=void");
	assert_null(spec.env[3]);
	assert_int_equal(spec.n_devices, 3);
	assert_int_equal(spec.devices[0].major, 195);
	assert_int_equal(spec.devices[0].uid, 0);
	assert_int_equal(spec.devices[0].gid, 44);
	/* the host's node, for a bind where none can be made (rootless) */
	assert_string_equal(spec.devices[0].host_path, "/run/nvidia/driver/dev/nvidia0");
	/* no uid in the spec: the container user's, once known; a gid given */
	assert_true(spec.devices[0].uid_of_user);
	assert_false(spec.devices[0].gid_of_user);
	/* a rule for each node but the one with no access */
	assert_int_equal(spec.resources.n_devices, rules + 2);
	assert_string_equal(spec.resources.devices[rules].access, "rwm");
	assert_string_equal(spec.resources.devices[rules + 1].access, "r");
	assert_int_equal(spec.resources.devices[rules + 1].minor, 3);
	plan_spec_free(&spec);
}

static void mounts_and_hooks(void **state)
{
	struct lxr_spec spec;
	size_t rules;

	(void)state;
	apply(&spec, &rules);
	assert_int_equal(spec.n_mounts, 2);
	assert_string_equal(spec.mounts[0].type, "bind");
	assert_int_equal(spec.mounts[0].flags, MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID | MS_NODEV);
	assert_int_equal(spec.mounts[0].propagation, MS_PRIVATE | MS_REC);
	assert_string_equal(spec.mounts[1].type, "tmpfs");
	assert_int_equal(spec.mounts[1].flags, MS_NOSUID);
	assert_string_equal(spec.mounts[1].data, "size=1m,mode=0755");
	assert_int_equal(spec.n_hooks, 1);
	assert_string_equal(spec.hooks[0].args[1], "update-ldcache");
	assert_int_equal(spec.hooks[0].timeout, 30);
	assert_null(spec.hooks[0].env);
	plan_spec_free(&spec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(env_and_nodes),
	    cmocka_unit_test(mounts_and_hooks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
