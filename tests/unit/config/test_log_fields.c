/* The logging drivers' values as dockerd reads them: the tag template,
 * syslog-address and syslog-facility; loki-url as Grafana's driver. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lxr/logopts.h"

static const char *const vals[CFG_LOG_TAG_N] = {
    "web-1", "web-1", "proj-web-1", "0123456789ab", "sha256:0123456789abcdef", "nginx:1", "lxr"};

static void tag(const char *tmpl, const char *want)
{
	char bad[64] = "";
	char *got = cfg_log_tag(tmpl, vals, bad, sizeof(bad));

	if (!want) {
		if (got)
			fail_msg("tag \"%s\": expanded to \"%s\", want refused", tmpl, got);
		assert_true(bad[0]);
		return;
	}
	if (!got)
		fail_msg("tag \"%s\": refused at %s, want \"%s\"", tmpl, bad, want);
	assert_string_equal(got, want);
	free(got);
}

static void tag_templates(void **state)
{
	char host[256] = "";

	(void)state;
	assert_int_equal(gethostname(host, sizeof(host) - 1), 0);
	tag("{{.ID}}", "web-1");
	tag("{{ .Name }}/{{.ImageName}}", "proj-web-1/nginx:1");
	tag("{{.ImageName}}|{{.Name}}|{{.ImageFullID}}|{{.FullID}}",
	    "nginx:1|proj-web-1|sha256:0123456789abcdef|web-1");
	tag("plain-{{.DaemonName}}", "plain-lxr");
	tag("no fields", "no fields");
	tag("{{.ImageID}}", "0123456789ab");
	/* logger.Info's fields: the name with docker's leading "/" */
	tag("{{.ContainerName}} {{.ContainerID}}", "/proj-web-1 web-1");
	tag("{{.ContainerImageName}}@{{.ContainerImageID}}", "nginx:1@sha256:0123456789abcdef");
	tag("{{.Nope}}", NULL);
	tag("{{.Name", NULL);
	tag("{{json .}}", NULL);
	tag("{{.Hostname}}", host);
}

static void addresses(void **state)
{
	struct cfg_syslog_addr a;

	(void)state;
	assert_int_equal(cfg_syslog_address("udp://10.0.0.1", &a), 0);
	assert_int_equal(a.kind, CFG_SYSLOG_UDP);
	assert_string_equal(a.host, "10.0.0.1");
	assert_int_equal(a.port, 514);
	cfg_syslog_addr_free(&a);
	assert_int_equal(cfg_syslog_address("tcp://logs.example.com:6514", &a), 0);
	assert_int_equal(a.kind, CFG_SYSLOG_TCP);
	assert_string_equal(a.host, "logs.example.com");
	assert_int_equal(a.port, 6514);
	cfg_syslog_addr_free(&a);
	assert_int_equal(cfg_syslog_address("udp://[::1]:1514", &a), 0);
	assert_string_equal(a.host, "::1");
	assert_int_equal(a.port, 1514);
	cfg_syslog_addr_free(&a);
	assert_int_equal(cfg_syslog_address("unixgram:///dev/log", &a), 0);
	assert_int_equal(a.kind, CFG_SYSLOG_UNIXGRAM);
	assert_string_equal(a.path, "/dev/log");
	cfg_syslog_addr_free(&a);
	assert_int_equal(cfg_syslog_address("unix:///run/x.sock", &a), 0);
	assert_int_equal(a.kind, CFG_SYSLOG_UNIX);
	cfg_syslog_addr_free(&a);
	assert_int_equal(cfg_syslog_address("udp://host:0", &a), -1);
	assert_int_equal(cfg_syslog_address("udp://host:70000", &a), -1);
	assert_int_equal(cfg_syslog_address("udp://", &a), -1);
	assert_int_equal(cfg_syslog_address("unix://relative", &a), -1);
	assert_int_equal(cfg_syslog_address("ftp://host", &a), -1);
	assert_int_equal(cfg_syslog_address("10.0.0.1:514", &a), -1);
	assert_int_equal(cfg_syslog_address("udp://[::1", &a), -1);
}

/* fluentd-address as dockerd's driver reads it: no scheme is tcp, the
 * host and port default to 127.0.0.1:24224 */
static void fluentd_addresses(void **state)
{
	static const struct {
		const char *in;
		int kind; /* -1: refused */
		const char *host;
		int port;
	} cases[] = {
	    {"", CFG_SYSLOG_TCP, "127.0.0.1", 24224},
	    {"fluentd:24224", CFG_SYSLOG_TCP, "fluentd", 24224},
	    {"localhost", CFG_SYSLOG_TCP, "localhost", 24224},
	    {"tcp://10.0.0.5:5170", CFG_SYSLOG_TCP, "10.0.0.5", 5170},
	    {"tcp://:5170", CFG_SYSLOG_TCP, "127.0.0.1", 5170},
	    {"[::1]:24225", CFG_SYSLOG_TCP, "::1", 24225},
	    {"unix:///var/run/fluent.sock", CFG_SYSLOG_UNIX, "/var/run/fluent.sock", 0},
	    {"unix://", -1, NULL, 0},
	    {"tcp://host:70000", -1, NULL, 0},
	    {"tcp://host:24224/path", -1, NULL, 0},
	    {"udp://host:24224", -1, NULL, 0},
	    {"[::1", -1, NULL, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cfg_syslog_addr a;
		int r = cfg_fluentd_address(cases[i].in, &a);
		if (cases[i].kind < 0) {
			if (r != -1)
				fail_msg("fluentd-address \"%s\" taken", cases[i].in);
			continue;
		}
		if (r != 0)
			fail_msg("fluentd-address \"%s\" refused", cases[i].in);
		assert_int_equal(a.kind, cases[i].kind);
		assert_string_equal(a.kind == CFG_SYSLOG_UNIX ? a.path : a.host, cases[i].host);
		if (a.kind == CFG_SYSLOG_TCP)
			assert_int_equal(a.port, cases[i].port);
		cfg_syslog_addr_free(&a);
	}
}

static void facilities(void **state)
{
	(void)state;
	assert_int_equal(cfg_syslog_facility("kern"), 0);
	assert_int_equal(cfg_syslog_facility("daemon"), 3);
	assert_int_equal(cfg_syslog_facility("authpriv"), 10);
	assert_int_equal(cfg_syslog_facility("local0"), 16);
	assert_int_equal(cfg_syslog_facility("local7"), 23);
	assert_int_equal(cfg_syslog_facility("19"), 19);
	assert_int_equal(cfg_syslog_facility("local8"), -1);
	assert_int_equal(cfg_syslog_facility("24"), -1);
	assert_int_equal(cfg_syslog_facility(""), -1);
	assert_int_equal(cfg_syslog_facility("Daemon"), -1);
}

/* one loki-url: https, host, port, userinfo (NULL: none), target */
static void loki(const char *s, bool https, const char *host, int port, const char *user,
		 const char *target)
{
	struct cfg_loki_url u;

	if (cfg_loki_url(s, &u) < 0)
		fail_msg("loki-url \"%s\" refused", s);
	assert_int_equal(u.https, https);
	assert_string_equal(u.host, host);
	assert_int_equal(u.port, port);
	if (user)
		assert_string_equal(u.userinfo, user);
	else
		assert_null(u.userinfo);
	assert_string_equal(u.target, target);
	cfg_loki_url_free(&u);
}

static void loki_urls(void **state)
{
	static const char *const bad[] = {"",
					  "loki:3100",
					  "ftp://loki/",
					  "http://",
					  "http:///x",
					  "http://loki:0/",
					  "http://loki:99999/",
					  "http://loki:x/",
					  "http://[::1/",
					  "http://a b/",
					  "http://u:%zz@loki/",
					  NULL};
	struct cfg_loki_url u;

	(void)state;
	loki("http://loki:3100/loki/api/v1/push", false, "loki", 3100, NULL, "/loki/api/v1/push");
	loki("HTTP://10.0.0.5", false, "10.0.0.5", 80, NULL, "/");
	loki("https://logs.example.com/loki/api/v1/push", true, "logs.example.com", 443, NULL,
	     "/loki/api/v1/push");
	loki("http://123:s%40cr%3At@[fd00::1]:8080/push?tenant=a#top", false, "fd00::1", 8080,
	     "123:s@cr:t", "/push?tenant=a");
	loki("http://a@b@loki/x", false, "loki", 80, "a@b", "/x");
	loki("http://loki?x=1", false, "loki", 80, NULL, "/?x=1");
	for (size_t i = 0; bad[i]; i++)
		if (cfg_loki_url(bad[i], &u) == 0)
			fail_msg("loki-url \"%s\" taken (host %s)", bad[i], u.host);
	assert_true(cfg_loki_label_name_ok("container_name", 14));
	assert_true(cfg_loki_label_name_ok("_x9", 3));
	assert_false(cfg_loki_label_name_ok("9x", 2));
	assert_false(cfg_loki_label_name_ok("com.example", 11));
	assert_false(cfg_loki_label_name_ok("", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(tag_templates),     cmocka_unit_test(addresses),
	    cmocka_unit_test(fluentd_addresses), cmocka_unit_test(facilities),
	    cmocka_unit_test(loki_urls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
