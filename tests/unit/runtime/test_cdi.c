/* The CDI registry (runtime/cdi.c) over spec directories made here: which
 * spec wins, what a device request names, the spec's own edits made once,
 * nodes' numbers from the host, and the errors a user meets. Host nodes are
 * /dev/null, /dev/zero and /dev/full, which every machine has. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "config/config_internal.h"
#include "lxr/cdi.h"
#include "lxr/runtime.h"

static char base[64], d1[96], d2[96];
static char *dirs[3];

static void put(const char *dir, const char *name, const char *text)
{
	_cleanup_free_ char *p = lxr_xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char *gpu_spec =
    "cdiVersion: 0.5.0\nkind: nvidia.com/gpu\n"
    "devices:\n"
    "- {name: '0', containerEdits: {deviceNodes: [{path: /dev/nvidia0, hostPath: /dev/null}]}}\n"
    "- {name: '1', containerEdits: {deviceNodes: [{path: /dev/nvidia1, hostPath: /dev/null}]}}\n"
    "- {name: all, containerEdits: {deviceNodes: [{path: /dev/nvidia0, hostPath: /dev/null},"
    " {path: /dev/nvidia1, hostPath: /dev/null}]}}\n"
    "containerEdits:\n"
    "  env: [NVIDIA_VISIBLE_DEVICES=void]\n"
    "  deviceNodes: [{path: /dev/nvidiactl, hostPath: /dev/zero}]\n"
    "  hooks: [{hookName: createContainer, path: /bin/true}]\n"
    "  additionalGids: [44]\n";

static int setup(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "/tmp/lxr-cdi-XXXXXX");
	assert_non_null(mkdtemp(base));
	snprintf(d1, sizeof(d1), "%s/etc", base);
	snprintf(d2, sizeof(d2), "%s/run", base);
	assert_int_equal(mkdir(d1, 0755), 0);
	assert_int_equal(mkdir(d2, 0755), 0);
	dirs[0] = d1;
	dirs[1] = d2;
	lxr_cdi_dirs_configure(dirs);
	put(d1, "nvidia.yaml", gpu_spec);
	/* the later directory wins: device 1 is /dev/full there */
	put(d2, "nvidia-1.json",
	    "{\"cdiVersion\": \"0.6.0\", \"kind\": \"nvidia.com/gpu\", \"devices\": [{\"name\": "
	    "\"1\", \"containerEdits\": {\"deviceNodes\": [{\"path\": \"/dev/nvidia1\", "
	    "\"hostPath\": \"/dev/full\"}]}}]}");
	return 0;
}

static int teardown(void **state)
{
	_cleanup_free_ char *cmd = lxr_xasprintf("rm -rf %s", base);

	(void)state;
	lxr_cdi_dirs_configure(NULL);
	return system(cmd);
}

struct svc {
	struct cfg_service s;
	struct cfg_device_request rq;
	char *ids[4], *caps[4];
};

static void svc_init(struct svc *v)
{
	memset(v, 0, sizeof(*v));
	v->s.name = "ml";
	v->rq.count = -1;
	v->rq.caps = v->caps;
	v->caps[0] = "gpu";
}

static struct cfg_service *with_request(struct svc *v, const char *driver, int64_t count)
{
	v->rq.driver = (char *)driver;
	v->rq.count = count;
	v->s.gpu_reqs = &v->rq;
	v->s.n_gpu_reqs = 1;
	return &v->s;
}

static const struct lxr_cdi_node *node(const struct lxr_cdi_edits *e, const char *path)
{
	for (size_t i = 0; i < e->n_nodes; i++)
		if (!strcmp(e->nodes[i].path, path))
			return &e->nodes[i];
	return NULL;
}

static void by_name_and_priority(void **state)
{
	struct cfg_service s = {.name = "ml"};
	struct lxr_cdi_edits e;
	lxr_err err;

	(void)state;
	cfg_strs_push(&s.cdi_devices, "nvidia.com/gpu=1", (struct cfg_pos){0});
	assert_int_equal(rt_cdi_resolve(&s, NULL, NULL, &e, &err), 0);
	/* /dev/full, c 1:7, from the higher priority directory; the spec it
	 * comes from has no edits of its own */
	assert_int_equal(e.n_nodes, 1);
	assert_int_equal(node(&e, "/dev/nvidia1")->type, 'c');
	assert_int_equal(node(&e, "/dev/nvidia1")->major, 1);
	assert_int_equal(node(&e, "/dev/nvidia1")->minor, 7);
	assert_null(e.env);
	lxr_cdi_edits_free(&e);
	cfg_strs_free(&s.cdi_devices);
	/* device 0 is only in the lower one: its spec's edits come too, once */
	cfg_strs_push(&s.cdi_devices, "nvidia.com/gpu=0", (struct cfg_pos){0});
	cfg_strs_push(&s.cdi_devices, "nvidia.com/gpu=all", (struct cfg_pos){0});
	assert_int_equal(rt_cdi_resolve(&s, NULL, NULL, &e, &err), 0);
	assert_int_equal(e.n_nodes, 3); /* nvidia0 once, nvidiactl, nvidia1 */
	assert_int_equal(node(&e, "/dev/nvidiactl")->minor, 5); /* /dev/zero */
	assert_int_equal(node(&e, "/dev/nvidia0")->minor, 3);   /* /dev/null */
	assert_string_equal(e.env[0], "NVIDIA_VISIBLE_DEVICES=void");
	assert_null(e.env[1]);
	assert_int_equal(e.n_hooks, 1);
	assert_int_equal(e.n_gids, 1);
	lxr_cdi_edits_free(&e);
	cfg_strs_free(&s.cdi_devices);
}

static void requests(void **state)
{
	struct svc v;
	struct lxr_cdi_edits e;
	lxr_err err;

	(void)state;
	/* count 2: devices "0" and "1" */
	svc_init(&v);
	assert_int_equal(rt_cdi_resolve(with_request(&v, "nvidia", 2), NULL, NULL, &e, &err), 0);
	assert_non_null(node(&e, "/dev/nvidia0"));
	assert_int_equal(node(&e, "/dev/nvidia1")->minor, 7);
	lxr_cdi_edits_free(&e);
	/* no driver, capabilities [gpu], every device: nvidia's "all" */
	svc_init(&v);
	assert_int_equal(rt_cdi_resolve(with_request(&v, NULL, -1), NULL, NULL, &e, &err), 0);
	assert_int_equal(e.n_nodes, 3);
	lxr_cdi_edits_free(&e);
	/* device_ids name devices of the kind */
	svc_init(&v);
	v.ids[0] = "1";
	v.rq.ids = v.ids;
	assert_int_equal(rt_cdi_resolve(with_request(&v, "nvidia", 0), NULL, NULL, &e, &err), 0);
	assert_int_equal(node(&e, "/dev/nvidia1")->minor, 7);
	assert_null(node(&e, "/dev/nvidia0"));
	lxr_cdi_edits_free(&e);
	/* driver cdi: the ids are CDI names */
	svc_init(&v);
	v.ids[0] = "nvidia.com/gpu=0";
	v.rq.ids = v.ids;
	assert_int_equal(rt_cdi_resolve(with_request(&v, "cdi", 0), NULL, NULL, &e, &err), 0);
	assert_non_null(node(&e, "/dev/nvidia0"));
	lxr_cdi_edits_free(&e);
	/* count 0: nothing */
	svc_init(&v);
	assert_int_equal(rt_cdi_resolve(with_request(&v, "nvidia", 0), NULL, NULL, &e, &err), 0);
	assert_int_equal(e.n_nodes, 0);
	lxr_cdi_edits_free(&e);
}

/* runtime: nvidia: NVIDIA_VISIBLE_DEVICES, the service's over the image's */
static void runtime_nvidia(void **state)
{
	char *cuda_env[] = {"PATH=/usr/bin", "NVIDIA_VISIBLE_DEVICES=all", NULL};
	struct cfg_service s = {.name = "ml"};
	struct lxr_cdi_edits e;
	lxr_err err;

	(void)state;
	s.tune.runtime.v = "nvidia";
	assert_int_equal(rt_cdi_resolve(&s, cuda_env, NULL, &e, &err), 0);
	assert_int_equal(e.n_nodes, 3); /* all */
	lxr_cdi_edits_free(&e);
	/* without the variable (an image that is not CUDA's): no GPU */
	assert_int_equal(rt_cdi_resolve(&s, NULL, NULL, &e, &err), 0);
	assert_int_equal(e.n_nodes, 0);
	lxr_cdi_edits_free(&e);
	cfg_kvs_set(&s.environment, "NVIDIA_VISIBLE_DEVICES", "1", (struct cfg_pos){0});
	assert_int_equal(rt_cdi_resolve(&s, cuda_env, NULL, &e, &err), 0);
	assert_non_null(node(&e, "/dev/nvidia1"));
	assert_null(node(&e, "/dev/nvidia0"));
	lxr_cdi_edits_free(&e);
	cfg_kvs_free(&s.environment);
	cfg_kvs_set(&s.environment, "NVIDIA_VISIBLE_DEVICES", "0, 1", (struct cfg_pos){0});
	assert_int_equal(rt_cdi_resolve(&s, NULL, NULL, &e, &err), 0);
	assert_non_null(node(&e, "/dev/nvidia0"));
	assert_non_null(node(&e, "/dev/nvidia1"));
	lxr_cdi_edits_free(&e);
	cfg_kvs_free(&s.environment);
	/* void, and a bare NAME (unset), give none */
	cfg_kvs_set(&s.environment, "NVIDIA_VISIBLE_DEVICES", "void", (struct cfg_pos){0});
	assert_int_equal(rt_cdi_resolve(&s, cuda_env, NULL, &e, &err), 0);
	assert_int_equal(e.n_nodes, 0);
	cfg_kvs_free(&s.environment);
	cfg_kvs_set(&s.environment, "NVIDIA_VISIBLE_DEVICES", NULL, (struct cfg_pos){0});
	assert_int_equal(rt_cdi_resolve(&s, cuda_env, NULL, &e, &err), 0);
	assert_int_equal(e.n_nodes, 0);
	cfg_kvs_free(&s.environment);
	/* a GPU the host lacks: the error says where the name came from */
	cfg_kvs_set(&s.environment, "NVIDIA_VISIBLE_DEVICES", "5", (struct cfg_pos){0});
	assert_int_equal(rt_cdi_resolve(&s, NULL, NULL, &e, &err), -1);
	assert_non_null(strstr(err.msg, "runtime: nvidia, NVIDIA_VISIBLE_DEVICES names 5: "));
	assert_non_null(strstr(err.msg, "has no device \"5\""));
	assert_string_equal(err.hint, "it has: 0, 1, all"); /* find()'s, kept */
	cfg_kvs_free(&s.environment);
	/* the toolkit's reading: items trimmed, empty ones dropped, a CDI
	 * name of its own taken as it is, void/none/all over a list */
	cfg_kvs_set(&s.environment, "NVIDIA_VISIBLE_DEVICES", " 1 ,, nvidia.com/gpu=0 ",
		    (struct cfg_pos){0});
	assert_int_equal(rt_cdi_resolve(&s, NULL, NULL, &e, &err), 0);
	assert_non_null(node(&e, "/dev/nvidia0"));
	assert_int_equal(node(&e, "/dev/nvidia1")->minor, 7);
	lxr_cdi_edits_free(&e);
	cfg_kvs_free(&s.environment);
	cfg_kvs_set(&s.environment, "NVIDIA_VISIBLE_DEVICES", "0,void", (struct cfg_pos){0});
	assert_int_equal(rt_cdi_resolve(&s, NULL, NULL, &e, &err), 0);
	assert_int_equal(e.n_nodes, 0);
	cfg_kvs_free(&s.environment);
	cfg_kvs_set(&s.environment, "NVIDIA_VISIBLE_DEVICES", "0,all", (struct cfg_pos){0});
	assert_int_equal(rt_cdi_resolve(&s, NULL, NULL, &e, &err), 0);
	assert_int_equal(e.n_nodes, 3);
	lxr_cdi_edits_free(&e);
	cfg_kvs_free(&s.environment);
	{ /* unset in an old CUDA image (CUDA_VERSION, no NVIDIA_REQUIRE_CUDA): all */
		char *old_cuda[] = {"CUDA_VERSION=10.0", NULL};
		char *new_cuda[] = {"CUDA_VERSION=12.4", "NVIDIA_REQUIRE_CUDA=cuda>=12.4", NULL};
		assert_int_equal(rt_cdi_resolve(&s, old_cuda, NULL, &e, &err), 0);
		assert_int_equal(e.n_nodes, 3);
		lxr_cdi_edits_free(&e);
		assert_int_equal(rt_cdi_resolve(&s, new_cuda, NULL, &e, &err), 0);
		assert_int_equal(e.n_nodes, 0);
	}
	/* another runtime does not read it */
	s.tune.runtime.v = "runc";
	assert_int_equal(rt_cdi_resolve(&s, cuda_env, NULL, &e, &err), 0);
	assert_int_equal(e.n_nodes, 0);
}

static void expect_error(struct cfg_service *s, const char *want, const char *hint)
{
	struct lxr_cdi_edits e;
	lxr_err err = {0};

	if (rt_cdi_resolve(s, NULL, "compose.yaml", &e, &err) == 0) {
		lxr_cdi_edits_free(&e);
		fail_msg("resolved; want \"%s\"", want);
	}
	if (!strstr(err.msg, want) || !strstr(err.msg, "compose.yaml:"))
		fail_msg("want \"%s\", got \"%s\"", want, err.msg);
	if (hint && !strstr(err.hint, hint))
		fail_msg("hint: want \"%s\", got \"%s\"", hint, err.hint);
}

static void request_errors(void **state)
{
	struct svc v;
	struct cfg_service s = {.name = "ml"};

	(void)state;
	svc_init(&v);
	expect_error(with_request(&v, "nvidia", 3), "has no device \"2\"", "the host has fewer");
	svc_init(&v);
	expect_error(with_request(&v, "amd", -1), "no CDI spec of kind amd.com/gpu", "amd-ctk");
	svc_init(&v);
	expect_error(with_request(&v, "intel", -1), "driver \"intel\"", NULL);
	svc_init(&v);
	v.caps[0] = "fpga";
	expect_error(with_request(&v, NULL, -1), "capabilities", NULL);
	/* driver cdi names its devices; compose's default count is no name */
	svc_init(&v);
	expect_error(with_request(&v, "cdi", -1), "driver cdi names its devices in device_ids",
		     NULL);
	cfg_strs_push(&s.cdi_devices, "nvidia.com/gpu=7", (struct cfg_pos){0});
	expect_error(&s, "has no device \"7\"", "0, 1, all");
	cfg_strs_free(&s.cdi_devices);
}

static void conflicts_and_hooks(void **state)
{
	struct cfg_service s = {.name = "ml"};

	(void)state;
	/* a device named twice at one priority is a conflict */
	put(d2, "twice.yaml", "cdiVersion: 0.5.0\nkind: nvidia.com/gpu\ndevices: [{name: '1'}]\n");
	cfg_strs_push(&s.cdi_devices, "nvidia.com/gpu=1", (struct cfg_pos){0});
	expect_error(&s, "is in both", NULL);
	cfg_strs_free(&s.cdi_devices);
	put(d2, "twice.yaml", "cdiVersion: 0.5.0\nkind: x.io/other\ndevices: [{name: a}]\n");

	/* hooks other than createContainer, netDevices: refused by name */
	put(d2, "hooks.yaml",
	    "cdiVersion: 0.5.0\nkind: x.io/hook\ndevices: [{name: a, containerEdits: {hooks: "
	    "[{hookName: poststop, path: /bin/true}]}}, {name: n, containerEdits: {netDevices: "
	    "[{hostInterfaceName: eth9, name: eth9}]}}]\n");
	cfg_strs_push(&s.cdi_devices, "x.io/hook=a", (struct cfg_pos){0});
	expect_error(&s, "createContainer hooks only, not poststop", NULL);
	cfg_strs_free(&s.cdi_devices);
	cfg_strs_push(&s.cdi_devices, "x.io/hook=n", (struct cfg_pos){0});
	expect_error(&s, "netDevices", NULL);
	cfg_strs_free(&s.cdi_devices);
}

static void node_and_mount_errors(void **state)
{
	struct cfg_service s = {.name = "ml"};

	(void)state;
	/* a node the host lacks fails; one the spec gives in full does not */
	put(d2, "nodes.yaml",
	    "cdiVersion: 0.5.0\nkind: x.io/node\ndevices: [{name: gone, containerEdits: "
	    "{deviceNodes: [{path: /dev/lxr-test-gone}]}}, {name: full, containerEdits: "
	    "{deviceNodes: [{path: /dev/lxr-test-gone, type: c, major: 1, minor: 3}]}}, "
	    "{name: mount, containerEdits: {mounts: [{hostPath: /lxr-test-gone, "
	    "containerPath: /x}]}}, {name: block, containerEdits: {deviceNodes: [{path: /dev/b, "
	    "hostPath: /dev/null, type: b}]}}, {name: zero, containerEdits: {deviceNodes: "
	    "[{path: /dev/z, hostPath: /dev/zero, type: c, major: 0}]}}]\n");
	cfg_strs_push(&s.cdi_devices, "x.io/node=gone", (struct cfg_pos){0});
	expect_error(&s, "host device node /dev/lxr-test-gone", NULL);
	cfg_strs_free(&s.cdi_devices);
	cfg_strs_push(&s.cdi_devices, "x.io/node=block", (struct cfg_pos){0});
	expect_error(&s, "the spec says type b, the host's /dev/null is c", NULL);
	cfg_strs_free(&s.cdi_devices);
	{ /* a major of 0 is none given: the host's numbers */
		struct lxr_cdi_edits e;
		lxr_err err;
		cfg_strs_push(&s.cdi_devices, "x.io/node=zero", (struct cfg_pos){0});
		assert_int_equal(rt_cdi_resolve(&s, NULL, NULL, &e, &err), 0);
		assert_int_equal(e.nodes[0].major, 1);
		assert_int_equal(e.nodes[0].minor, 5);
		lxr_cdi_edits_free(&e);
		cfg_strs_free(&s.cdi_devices);
	}
	cfg_strs_push(&s.cdi_devices, "x.io/node=mount", (struct cfg_pos){0});
	expect_error(&s, "CDI mount /lxr-test-gone on /x", NULL);
	cfg_strs_free(&s.cdi_devices);
	{
		struct lxr_cdi_edits e;
		lxr_err err;
		cfg_strs_push(&s.cdi_devices, "x.io/node=full", (struct cfg_pos){0});
		assert_int_equal(rt_cdi_resolve(&s, NULL, NULL, &e, &err), 0);
		assert_int_equal(e.nodes[0].file_mode, 0666);
		lxr_cdi_edits_free(&e);
		cfg_strs_free(&s.cdi_devices);
	}
}

static void untrusted_specs(void **state)
{
	struct cfg_service s = {.name = "ml"};

	(void)state;
	/* a spec every user may write is not taken (its hooks run as root) */
	put(d2, "open.yaml", "cdiVersion: 0.5.0\nkind: x.io/open\ndevices: [{name: a}]\n");
	{
		_cleanup_free_ char *p = lxr_xasprintf("%s/open.yaml", d2);
		assert_int_equal(chmod(p, 0666), 0);
	}
	cfg_strs_push(&s.cdi_devices, "x.io/open=a", (struct cfg_pos){0});
	expect_error(&s, "no CDI spec of kind x.io/open", "writable by every user");
	{ /* or by its group; nor one reached through a link */
		_cleanup_free_ char *p = lxr_xasprintf("%s/open.yaml", d2);
		_cleanup_free_ char *l = lxr_xasprintf("%s/link.yaml", d2);
		assert_int_equal(chmod(p, 0664), 0);
		expect_error(&s, "no CDI spec of kind x.io/open", "writable by its group");
		assert_int_equal(chmod(p, 0644), 0);
		put(base, "elsewhere.yaml",
		    "cdiVersion: 0.5.0\nkind: x.io/open\ndevices: [{name: a}]\n");
		assert_int_equal(unlink(p), 0);
		free(p);
		p = lxr_xasprintf("%s/elsewhere.yaml", base);
		assert_int_equal(symlink(p, l), 0);
		expect_error(&s, "no CDI spec of kind x.io/open", "link.yaml");
		assert_int_equal(unlink(l), 0);
	}
	cfg_strs_free(&s.cdi_devices);

	/* a spec that cannot be read is named where a device is missing */
	put(d1, "broken.json", "{\"cdiVersion\": ");
	cfg_strs_push(&s.cdi_devices, "x.io/absent=a", (struct cfg_pos){0});
	expect_error(&s, "no CDI spec of kind x.io/absent", "broken.json");
	cfg_strs_free(&s.cdi_devices);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(by_name_and_priority), cmocka_unit_test(requests),
	    cmocka_unit_test(runtime_nvidia),       cmocka_unit_test(request_errors),
	    cmocka_unit_test(conflicts_and_hooks),  cmocka_unit_test(node_and_mount_errors),
	    cmocka_unit_test(untrusted_specs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
