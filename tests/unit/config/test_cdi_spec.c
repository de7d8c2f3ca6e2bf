/* CDI spec files (config/cdi_spec.c): nvidia-ctk's YAML and a JSON spec
 * read into the model, and every way a spec can be wrong named by file and
 * field. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lxr/cdi.h"

#define DATA LXR_TEST_DATA "/cdi/"

static void nvidia_yaml(void **state)
{
	struct lxr_cdi_spec s;
	lxr_err err;

	(void)state;
	assert_int_equal(cfg_cdi_spec_read(DATA "nvidia.yaml", &s, &err), 0);
	assert_string_equal(s.kind, "nvidia.com/gpu");
	assert_int_equal(s.n_devices, 4);
	assert_string_equal(s.devices[2].name, "0:0"); /* a MIG device */
	assert_string_equal(s.devices[0].name, "0");   /* quoted: a string */
	assert_string_equal(s.devices[1].name, "GPU-8f0c");
	assert_int_equal(s.devices[3].edits.n_nodes, 1);
	assert_string_equal(s.devices[3].edits.nodes[0].path, "/dev/nvidia0");
	assert_null(s.devices[3].edits.nodes[0].host_path);
	assert_int_equal(s.devices[3].edits.nodes[0].major, -1);
	assert_string_equal(s.edits.env[0], "NVIDIA_VISIBLE_DEVICES=void");
	assert_null(s.edits.env[1]);
	assert_int_equal(s.edits.n_nodes, 2);
	assert_int_equal(s.edits.nodes[1].type, 'c');
	assert_int_equal(s.edits.nodes[1].major, 510);
	assert_int_equal(s.edits.nodes[1].file_mode, 0666); /* YAML 1.1's octal */
	assert_string_equal(s.edits.nodes[1].permissions, "rw");
	assert_int_equal(s.edits.n_hooks, 1);
	assert_string_equal(s.edits.hooks[0].hook_name, "createContainer");
	assert_string_equal(s.edits.hooks[0].args[1], "update-ldcache");
	assert_string_equal(s.edits.hooks[0].env[0], "NVIDIA_CTK_DEBUG=false");
	assert_int_equal(s.edits.hooks[0].timeout, 30);
	assert_int_equal(s.edits.n_mounts, 1);
	assert_string_equal(s.edits.mounts[0].options[3], "bind");
	assert_null(s.edits.mounts[0].type);
	assert_int_equal(s.edits.n_gids, 1); /* 0 is left out, as the spec says */
	assert_int_equal(s.edits.gids[0], 44);
	assert_null(s.edits.unsupported);
	lxr_cdi_spec_free(&s);
}

static void fpga_json(void **state)
{
	struct lxr_cdi_spec s;
	lxr_err err;

	(void)state;
	assert_int_equal(cfg_cdi_spec_read(DATA "fpga.json", &s, &err), 0);
	assert_string_equal(s.kind, "vendor.example/fpga");
	assert_string_equal(s.devices[0].edits.nodes[0].host_path, "/dev/null");
	assert_string_equal(s.devices[0].edits.nodes[0].permissions, ""); /* "none" */
	assert_string_equal(s.edits.mounts[0].type, "tmpfs");
	lxr_cdi_spec_free(&s);
}

/* text -> the error's message, or NULL when it loads */
static const char *parse(const char *text, bool yaml, lxr_err *err)
{
	struct lxr_cdi_spec s;

	if (cfg_cdi_spec_parse("x.spec", text, strlen(text), yaml, &s, err) < 0)
		return err->msg;
	lxr_cdi_spec_free(&s);
	return NULL;
}

#define HEAD "cdiVersion: 0.6.0\nkind: v.io/c\n"
static void errors(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"cdiVersion: 0.6.0\ndevices: [{name: a}]\n", "\"kind\" is missing"},
	    {"cdiVersion: 0.6.0\nkind: gpu\ndevices: [{name: a}]\n", "kind \"gpu\""},
	    {"cdiVersion: 0.6.0\nkind: 9v.io/c\ndevices: [{name: a}]\n", "kind \"9v.io/c\""},
	    {"cdiVersion: 0.6.0\nkind: v.io/c/d\ndevices: [{name: a}]\n", "kind \"v.io/c/d\""},
	    {HEAD "devices: []\n", "no devices"},
	    {HEAD "devices: [{name: -a}]\n", "devices[0]: name \"-a\""},
	    {HEAD "devices: [{name: a}, {name: a}]\n", "devices[1]: device \"a\" is named twice"},
	    {HEAD "devices: [{name: a, containerEdits: {deviceNodes: [{path: dev/x}]}}]\n",
	     "devices[0].containerEdits.deviceNodes[0]: path \"dev/x\" is not an absolute"},
	    {HEAD "devices: [{name: a}]\ncontainerEdits: {env: [NOEQUALS]}\n",
	     "containerEdits.env[0]: not NAME=VALUE"},
	    {HEAD "devices: [{name: a}]\ncontainerEdits: {hooks: [{hookName: preStart, "
		  "path: /bin/true}]}\n",
	     "hookName \"preStart\" is not an OCI hook"},
	    {HEAD "devices: [{name: a}]\ncontainerEdits: {hooks: [{hookName: poststop}]}\n",
	     "containerEdits.hooks[0]: \"path\" is missing"},
	    {HEAD "devices: [{name: a}]\ncontainerEdits: {deviceNodes: [{path: /d, "
		  "permissions: rx}]}\n",
	     "permissions \"rx\""},
	    {HEAD "devices: [{name: a}]\ncontainerEdits: {deviceNodes: [{path: /d, type: x}]}\n",
	     "type \"x\""},
	    {HEAD "devices: [{name: a}]\ncontainerEdits: {deviceNodes: [{path: /d, major: -2}]}\n",
	     "major: not an integer"},
	    {HEAD "devices: [{name: a}]\ncontainerEdits: {mounts: [{hostPath: /a}]}\n",
	     "\"containerPath\" is missing"},
	    {HEAD "devices: [{name: a}]\ncontainerEdits: {additionalGids: [-1]}\n",
	     "additionalGids[0]: not a group id"},
	    {HEAD "devices: {name: a}\n", "devices: not a list"},
	    {"[unclosed\n", "line "},
	};
	lxr_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *msg = parse(cases[i].text, true, &err);
		if (!msg || !strstr(msg, cases[i].want) || !strstr(msg, "CDI spec x.spec"))
			fail_msg("case %zu: want \"%s\", got \"%s\"", i, cases[i].want,
				 msg ? msg : "(loaded)");
	}
	/* JSON: its own parser, duplicate keys refused */
	assert_non_null(parse("{\"kind\": \"v.io/c\", \"kind\": \"v.io/d\"}", false, &err));
	assert_non_null(strstr(err.msg, "line 1"));
	/* what lxr does not make is marked, for the error when it is asked for */
	{
		struct lxr_cdi_spec s;
		const char *t = HEAD "devices: [{name: a, containerEdits: {netDevices: "
				     "[{hostInterfaceName: eth1, name: eth1}]}}]\n";
		assert_int_equal(cfg_cdi_spec_parse("x", t, strlen(t), true, &s, &err), 0);
		assert_string_equal(s.devices[0].edits.unsupported, "netDevices");
		lxr_cdi_spec_free(&s);
	}
}

/* aliases that stand for a huge tree are refused, not expanded */
static void alias_bomb(void **state)
{
	const char *t = HEAD "devices: [{name: a}]\n"
			     "x1: &a [x, x, x, x, x, x, x, x, x, x]\n"
			     "x2: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
			     "x3: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
			     "x4: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
			     "x5: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
			     "x6: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
	lxr_err err;

	(void)state;
	assert_non_null(parse(t, true, &err));
}

static void names(void **state)
{
	char kind[64];
	const char *name;

	(void)state;
	assert_true(lxr_cdi_name_split("nvidia.com/gpu=all", kind, sizeof(kind), &name));
	assert_string_equal(kind, "nvidia.com/gpu");
	assert_string_equal(name, "all");
	assert_true(lxr_cdi_name_split("vendor.example/fpga=GPU-8f0c", kind, sizeof(kind), &name));
	assert_false(lxr_cdi_name_split("nvidia.com/gpu=", kind, sizeof(kind), &name));
	assert_false(lxr_cdi_name_split("gpu=all", kind, sizeof(kind), &name));
	assert_false(lxr_cdi_name_split("/dev/fuse", kind, sizeof(kind), &name));
	assert_false(lxr_cdi_name_split("nvidia.com/gpu/x=0", kind, sizeof(kind), &name));
	/* MIG devices, a vendor without a dot: the CDI parser takes both */
	assert_true(lxr_cdi_name_split("nvidia.com/gpu=0:1", kind, sizeof(kind), &name));
	assert_string_equal(name, "0:1");
	assert_true(lxr_cdi_name_split("vendor/class=a", kind, sizeof(kind), &name));
	assert_false(lxr_cdi_name_split("1vendor.com/gpu=0", kind, sizeof(kind), &name));
	assert_false(lxr_cdi_name_split("nvidia.com/gpu=:0", kind, sizeof(kind), &name));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(nvidia_yaml), cmocka_unit_test(fpga_json), cmocka_unit_test(errors),
	    cmocka_unit_test(alias_bomb),  cmocka_unit_test(names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
