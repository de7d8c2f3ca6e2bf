/* net layer: the definitions of networks that outlive a project, in the
 * data directory: docker's rule for names, the record read back (subnet
 * and gateway as made, labels, options), the list sorted. Making one needs
 * root (a bridge); its integration test does that. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lxr/net.h"

static char data_dir[] = "/tmp/lxr-unit-netdef.XXXXXX";

static void write_def(const char *name, const char *text)
{
	_cleanup_free_ char *dir = lxr_xasprintf("%s/networks", data_dir);
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s", dir, name);
	lxr_err err;
	FILE *f;

	assert_int_equal(lxr_mkdir_p(dir, 0700, &err), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void names(void **state)
{
	lxr_err err;

	(void)state;
	assert_int_equal(net_def_name_check("traefik_proxy", &err), 0);
	assert_int_equal(net_def_name_check("a", &err), 0);
	assert_int_equal(net_def_name_check("_net", &err), -1);
	assert_int_equal(net_def_name_check("a/../b", &err), -1);
	assert_int_equal(net_def_name_check("", &err), -1);
	assert_false(net_def_exists("../etc"));
}

static void definition_read_back(void **state)
{
	struct lxr_net_def d;
	struct lxr_net_config c;
	lxr_err err;
	char **all;

	(void)state;
	write_def("edge", "subnet 10.99.7.0/24\ngateway 10.99.7.1\ninternal 1\nmtu 1400\n"
			  "created 2026-12-03T10:00:00Z\nlabel team=a\n"
			  "option com.docker.network.driver.mtu=1400\n");
	write_def("back", "subnet 10.99.8.0/24\ngateway 10.99.8.1\ninternal 0\nmtu 0\ncreated \n");
	write_def("torn", "subnet 10.99.9.0/24\n");
	assert_int_equal(net_def_load("edge", &d, &err), 0);
	assert_string_equal(d.subnet, "10.99.7.0/24");
	assert_string_equal(d.gateway, "10.99.7.1");
	assert_true(d.internal);
	assert_int_equal(d.mtu, 1400);
	assert_string_equal(d.labels[0], "team=a");
	assert_string_equal(d.options[0], "com.docker.network.driver.mtu=1400");
	net_def_config(&d, &c);
	assert_string_equal(c.name, "edge");
	assert_string_equal(c.subnet, "10.99.7.0/24");
	assert_int_equal(c.mtu, 1400);
	assert_false(c.ephemeral);
	net_def_free(&d);
	/* the bridge's switches and default host address, as -o gave them */
	write_def("quiet", "subnet 10.99.6.0/24\ngateway 10.99.6.1\ninternal 0\nmtu 0\ncreated \n"
			   "option com.docker.network.bridge.enable_icc=F\n"
			   "option com.docker.network.bridge.enable_ip_masquerade=false\n"
			   "option com.docker.network.bridge.host_binding_ipv4=127.0.0.1\n");
	assert_int_equal(net_def_load("quiet", &d, &err), 0);
	net_def_config(&d, &c);
	assert_true(c.no_icc);
	assert_true(c.no_masquerade);
	assert_string_equal(c.host_binding, "127.0.0.1");
	net_def_free(&d);
	/* a record without its subnet or gateway is not trusted */
	assert_int_equal(net_def_load("torn", &d, &err), -1);
	assert_int_equal(err.errnum, EBADMSG);
	assert_int_equal(net_def_load("nope", &d, &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	assert_string_equal(err.msg, "no such network: nope");
	all = net_def_names();
	assert_int_equal(lxr_strv_len(all), 4);
	assert_string_equal(all[0], "back");
	assert_string_equal(all[1], "edge");
	assert_string_equal(all[2], "quiet");
	lxr_strv_free(all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(names),
	    cmocka_unit_test(definition_read_back),
	};
	lxr_err err;
	int r;

	if (!mkdtemp(data_dir))
		return 1;
	setenv("LXR_DATA_DIR", data_dir, 1);
	r = cmocka_run_group_tests(tests, NULL, NULL);
	lxr_rm_rf(data_dir, &err);
	return r;
}
