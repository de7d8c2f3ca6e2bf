/* plan layer: what a service's devices, device_cgroup_rules, privileged and
 * pids_limit put into its container spec, given what the host has (the
 * supervisor finds that; here the test says it). */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "lxr/plan.h"
#include "lxr/runtime.h"

static struct cfg_stack *stack;

static int load(void **state)
{
	char *const env[] = {NULL};
	struct cfg_load_opts o = {.file = LXR_TEST_DATA "/devices.yaml", .environ = env};
	struct cfg_diags d = {0};
	lxr_err err;

	if (cfg_stack_load(&o, &stack, &d, &err) < 0)
		cfg_diags_print(stderr, &d);
	cfg_diags_free(&d);
	return stack ? 0 : -1;
}

static int unload(void **state)
{
	cfg_stack_free(stack);
	return 0;
}

static int fill(const char *service, const struct plan_host *host, struct lxr_spec *spec,
		lxr_err *err)
{
	rt_spec_init_defaults(spec);
	return plan_instance_fill(stack, cfg_stack_service(stack, service), 1, NULL, host, spec,
				  err);
}

/* the rules as "allow c 1:3 rwm" lines */
static char *rules(const struct lxr_spec *s)
{
	char *out = lxr_xstrdup("");

	for (size_t i = 0; i < s->resources.n_devices; i++) {
		const struct lxr_device_rule *r = &s->resources.devices[i];
		char *n =
		    lxr_xasprintf("%s%s %c %lld:%lld %s\n", out, r->allow ? "allow" : "deny",
				  r->type, (long long)r->major, (long long)r->minor, r->access);
		free(out);
		out = n;
	}
	return out;
}

static const char docker_rules[] = "deny a -1:-1 rwm\n"
				   "allow c -1:-1 m\n"
				   "allow b -1:-1 m\n"
				   "allow c 1:3 rwm\n"
				   "allow c 1:5 rwm\n"
				   "allow c 1:7 rwm\n"
				   "allow c 1:8 rwm\n"
				   "allow c 1:9 rwm\n"
				   "allow c 5:0 rwm\n"
				   "allow c 5:2 rwm\n"
				   "allow c 136:-1 rwm\n";

static void defaults(void **state)
{
	struct lxr_spec s;
	lxr_err err;

	/* no devices and no privileged: no host facts needed */
	assert_int_equal(fill("plain", NULL, &s, &err), 0);
	_cleanup_free_ char *r = rules(&s);
	assert_string_equal(r, docker_rules);
	assert_int_equal(s.n_devices, 0);
	assert_int_equal(s.resources.pids_limit, LXR_PIDS_LIMIT_DEFAULT);
	assert_true(s.seccomp_default);
	assert_false(s.writable_sysfs);
	assert_non_null(s.masked_paths);
	plan_spec_free(&s);
}

static void pids(void **state)
{
	struct lxr_spec s;
	lxr_err err;

	assert_int_equal(fill("limited", NULL, &s, &err), 0);
	assert_int_equal(s.resources.pids_limit, 100);
	plan_spec_free(&s);
	assert_int_equal(fill("unlimited", NULL, &s, &err), 0);
	assert_int_equal(s.resources.pids_limit, -1);
	plan_spec_free(&s);
	/* lxr.conf [limits] pids moves the default, not a service's own */
	lxr_pids_limit_configure(50);
	assert_int_equal(fill("plain", NULL, &s, &err), 0);
	assert_int_equal(s.resources.pids_limit, 50);
	plan_spec_free(&s);
	assert_int_equal(fill("limited", NULL, &s, &err), 0);
	assert_int_equal(s.resources.pids_limit, 100);
	plan_spec_free(&s);
	lxr_pids_limit_configure(-1);
	assert_int_equal(fill("plain", NULL, &s, &err), 0);
	assert_int_equal(s.resources.pids_limit, -1);
	plan_spec_free(&s);
	lxr_pids_limit_configure(0);
}

static void devices_and_rules(void **state)
{
	const struct lxr_device sda = {.path = "/dev/xvda",
				       .type = 'b',
				       .major = 8,
				       .minor = 0,
				       .file_mode = 0660,
				       .uid = 0,
				       .gid = 6};
	const struct plan_host host = {.devices = &sda};
	struct lxr_spec s;
	lxr_err err;

	assert_int_equal(fill("disk", &host, &s, &err), 0);
	/* the node as the host has it, at the target */
	assert_int_equal(s.n_devices, 1);
	assert_string_equal(s.devices[0].path, "/dev/xvda");
	assert_int_equal(s.devices[0].type, 'b');
	assert_int_equal(s.devices[0].major, 8);
	assert_int_equal(s.devices[0].file_mode, 0660);
	assert_int_equal(s.devices[0].gid, 6);
	assert_ptr_not_equal(s.devices[0].path, sda.path); /* the spec owns its copy */
	/* docker's list, the device's rule with its permissions, the rules */
	_cleanup_free_ char *r = rules(&s);
	_cleanup_free_ char *want = lxr_xasprintf("%sallow b 8:0 r\n"
						  "allow c 1:3 mr\n"
						  "allow a 7:-1 rwm\n",
						  docker_rules);
	assert_string_equal(r, want);
	assert_false(s.writable_sysfs);
	plan_spec_free(&s);
	/* devices need the host's facts */
	assert_int_equal(fill("disk", NULL, &s, &err), -1);
	assert_string_equal(err.msg, "service \"disk\": its devices are not resolved");
	plan_spec_free(&s);
}

static void privileged(void **state)
{
	const struct lxr_device fuse = {.path = "/dev/fuse",
					.type = 'c',
					.major = 10,
					.minor = 229,
					.file_mode = 0666,
					.uid = 0,
					.gid = 0};
	const struct lxr_device all[] = {
	    {.path = "/dev/kmsg",
	     .type = 'c',
	     .major = 1,
	     .minor = 11,
	     .file_mode = 0644,
	     .uid = 0,
	     .gid = 0},
	    {.path = "/dev/fuse",
	     .type = 'c',
	     .major = 10,
	     .minor = 229,
	     .file_mode = 0600,
	     .uid = 0,
	     .gid = 0},
	    {.path = "/dev/loop0",
	     .type = 'b',
	     .major = 7,
	     .minor = 0,
	     .file_mode = 0660,
	     .uid = 0,
	     .gid = 6},
	};
	const struct plan_host host = {
	    .devices = &fuse, .all_devices = all, .n_all_devices = 3, .all_caps = 0xffff};
	struct lxr_spec s;
	lxr_err err;

	assert_int_equal(fill("root", &host, &s, &err), 0);
	/* every capability the host can give, whatever cap_drop says (the
	 * supervisor skips cap_add/cap_drop for it) */
	assert_int_equal(s.caps.bounding, 0xffff);
	assert_int_equal(s.caps.effective, 0xffff);
	assert_int_equal(s.caps.permitted, 0xffff);
	assert_int_equal(s.caps.ambient, 0);
	assert_false(s.seccomp_default);
	assert_null(s.masked_paths);
	assert_null(s.readonly_paths);
	assert_true(s.writable_sysfs);
	/* allow everything; the device's own rule changes nothing after it */
	_cleanup_free_ char *r = rules(&s);
	assert_string_equal(r, "allow a -1:-1 rwm\nallow c 10:229 rw\n");
	/* every host node, once; the service's own entry for a path wins */
	assert_int_equal(s.n_devices, 3);
	assert_string_equal(s.devices[0].path, "/dev/kmsg");
	assert_string_equal(s.devices[1].path, "/dev/fuse");
	assert_int_equal(s.devices[1].file_mode, 0666);
	assert_string_equal(s.devices[2].path, "/dev/loop0");
	assert_int_equal(s.devices[2].type, 'b');
	plan_spec_free(&s);
	assert_int_equal(fill("root", NULL, &s, &err), -1);
	plan_spec_free(&s);
}

/* docker's default environment: PATH and HOSTNAME where nobody set them,
 * never over what the image or the user said */
static void env_defaults(void **state)
{
	char **env = NULL;

	lxr_strv_push(&env, lxr_xstrdup("PATH=/opt/bin"));
	plan_env_defaults(&env, "box");
	assert_string_equal(env[0], "PATH=/opt/bin");
	assert_string_equal(env[1], "HOSTNAME=box");
	assert_null(env[2]);
	plan_env_defaults(&env, "other");
	assert_string_equal(env[1], "HOSTNAME=box");
	lxr_strv_free(env);
	env = NULL;
	plan_env_defaults(&env, NULL);
	assert_string_equal(env[0],
			    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	assert_null(env[1]);
	lxr_strv_free(env);
}

/* ARGS joined by spaces, freed */
static char *joined(char **args)
{
	static char buf[256];

	buf[0] = '\0';
	for (size_t i = 0; args[i]; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? " " : "",
			 args[i]);
	lxr_strv_free(args);
	return buf;
}

/* docker's daemon merges a container's entrypoint and command with the
 * image's: a non-empty entrypoint drops the image's Cmd, an empty one
 * (`entrypoint: []`) only the image's Entrypoint */
static void args_merge(void **state)
{
	char *const iep[] = {"/entry.sh", NULL}, *const icmd[] = {"serve", "-v", NULL};
	char *const ep[] = {"/bin/sh", "-c", NULL}, *const cmd[] = {"echo", NULL};
	char *const none[] = {NULL};

	(void)state;
	assert_string_equal(joined(plan_args(iep, icmd, NULL, NULL)), "/entry.sh serve -v");
	assert_string_equal(joined(plan_args(iep, icmd, NULL, cmd)), "/entry.sh echo");
	assert_string_equal(joined(plan_args(iep, icmd, ep, NULL)), "/bin/sh -c");
	assert_string_equal(joined(plan_args(iep, icmd, ep, cmd)), "/bin/sh -c echo");
	assert_string_equal(joined(plan_args(iep, icmd, none, NULL)), "serve -v");
	assert_string_equal(joined(plan_args(iep, icmd, none, none)), "serve -v");
	assert_string_equal(joined(plan_args(iep, icmd, none, cmd)), "echo");
	assert_string_equal(joined(plan_args(iep, icmd, NULL, none)), "/entry.sh serve -v");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(defaults),          cmocka_unit_test(pids),
	    cmocka_unit_test(devices_and_rules), cmocka_unit_test(privileged),
	    cmocka_unit_test(env_defaults),      cmocka_unit_test(args_merge),
	};
	return cmocka_run_group_tests(tests, load, unload);
}
