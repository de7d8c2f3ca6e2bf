/* config: security_opt entries, docker's spellings, and what label= and
 * apparmor= may say on a host with and without those security modules. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lxr/config.h"

static const struct cfg_host_lsm none = {false, false};
static const struct cfg_host_lsm both = {true, true};

/* Apply opts in order to a fresh cfg_security; returns what the last
 * apply returned, with the last warning in *warning (or NULL). */
static int apply(const char *const *opts, struct cfg_host_lsm lsm, struct cfg_security *sec,
		 char **warning, lxr_err *err)
{
	int r = 0;

	memset(sec, 0, sizeof(*sec));
	*warning = NULL;
	for (size_t i = 0; opts[i] && r == 0; i++) {
		free(*warning);
		r = cfg_security_opt_apply(opts[i], LXR_TEST_DATA, lsm, sec, warning, err);
	}
	return r;
}

static void no_new_privileges_spellings(void **state)
{
	static const struct {
		const char *opt;
		bool want;
	} cases[] = {
	    {"no-new-privileges", true},        {"no-new-privileges:true", true},
	    {"no-new-privileges=true", true},   {"no-new-privileges:false", false},
	    {"no-new-privileges=false", false}, {"no-new-privileges=0", false},
	    {"no-new-privileges:T", true},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *opts[] = {cases[i].opt, NULL};
		struct cfg_security sec;
		char *w;
		lxr_err err;

		assert_int_equal(apply(opts, none, &sec, &w, &err), 0);
		assert_null(w);
		assert_true(sec.no_new_privileges.set);
		if (sec.no_new_privileges.v != cases[i].want)
			fail_msg("%s: got %d", cases[i].opt, sec.no_new_privileges.v);
		assert_int_equal(sec.seccomp, CFG_SECCOMP_DEFAULT);
		assert_string_equal(sec.opts.v[0].v, cases[i].opt);
		cfg_security_free(&sec);
	}
}

static void seccomp_forms(void **state)
{
	const char *unconfined[] = {"seccomp=unconfined", NULL};
	const char *old_colon[] = {"seccomp:unconfined", NULL};
	const char *profile[] = {"seccomp=unconfined", "seccomp=seccomp/allow-but-mkdir.json",
				 NULL};
	const char *back[] = {"seccomp=seccomp/allow-but-mkdir.json", "seccomp=unconfined", NULL};
	struct cfg_security sec;
	char *w;
	lxr_err err;

	assert_int_equal(apply(unconfined, none, &sec, &w, &err), 0);
	assert_int_equal(sec.seccomp, CFG_SECCOMP_UNCONFINED);
	assert_false(sec.no_new_privileges.set);
	cfg_security_free(&sec);
	assert_int_equal(apply(old_colon, none, &sec, &w, &err), 0);
	assert_int_equal(sec.seccomp, CFG_SECCOMP_UNCONFINED);
	cfg_security_free(&sec);
	/* the last seccomp= wins, as with docker; a relative path is read
	 * from the base directory and shown absolute */
	assert_int_equal(apply(profile, none, &sec, &w, &err), 0);
	assert_int_equal(sec.seccomp, CFG_SECCOMP_PROFILE);
	assert_non_null(sec.profile);
	assert_int_equal(sec.profile->default_action, LXR_SECCOMP_ALLOW);
	assert_string_equal(sec.opts.v[1].v,
			    "seccomp=" LXR_TEST_DATA "/seccomp/allow-but-mkdir.json");
	cfg_security_free(&sec);
	assert_int_equal(apply(back, none, &sec, &w, &err), 0);
	assert_int_equal(sec.seccomp, CFG_SECCOMP_UNCONFINED);
	assert_null(sec.profile);
	cfg_security_free(&sec);
}

static void errors_name_the_option(void **state)
{
	static const struct {
		const char *opt, *msg, *hint;
	} cases[] = {
	    {"bogus", "unknown security option \"bogus\"", "seccomp=PATH"},
	    {"bogus=1", "unknown security option \"bogus=1\"", "seccomp=PATH"},
	    {"no-new-privileges:maybe", "no-new-privileges: \"maybe\" is not true or false",
	     "no-new-privileges:false"},
	    {"seccomp=", "seccomp= needs a profile", "seccomp=unconfined"},
	    {"writable-cgroups=maybe", "writable-cgroups: \"maybe\" is not true or false",
	     "writable-cgroups=true"},
	    {"systempaths=confined", "systempaths: \"confined\" is not unconfined",
	     "systempaths=unconfined"},
	    {"seccomp=seccomp/bad-action.json",
	     "seccomp profile " LXR_TEST_DATA
	     "/seccomp/bad-action.json: syscalls[1].action: unknown "
	     "action \"SCMP_ACT_DENY\"",
	     "SCMP_ACT_ERRNO"},
	    {"apparmor=", "apparmor= needs a value", "apparmor=unconfined"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *opts[] = {cases[i].opt, NULL};
		struct cfg_security sec;
		char *w;
		lxr_err err;

		assert_int_equal(apply(opts, none, &sec, &w, &err), -1);
		if (strcmp(err.msg, cases[i].msg))
			fail_msg("%s: got \"%s\"", cases[i].opt, err.msg);
		if (!strstr(err.hint, cases[i].hint))
			fail_msg("%s: hint \"%s\"", cases[i].opt, err.hint);
		assert_int_equal(sec.opts.n, 0);
		cfg_security_free(&sec);
	}
}

/* Without the module, label= and apparmor= mean nothing anywhere, so
 * lxr accepts them and says so; with it, only "no confinement" is a
 * promise lxr keeps. */
static void lsm_options_follow_the_host(void **state)
{
	static const struct {
		const char *opt;
		int on_both; /* with the modules: 0 accepted quietly, -1 refused */
	} cases[] = {
	    {"apparmor=unconfined", 0},
	    {"apparmor:unconfined", 0},
	    {"apparmor=docker-default", -1},
	    {"label=disable", 0},
	    {"label:disable", 0},
	    {"disable", 0},
	    {"label=type:svirt_apache_t", -1},
	    {"label=level:s0:c100,c200", -1},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *opts[] = {cases[i].opt, NULL};
		struct cfg_security sec;
		char *w;
		lxr_err err;

		assert_int_equal(apply(opts, none, &sec, &w, &err), 0);
		if (!w || !strstr(w, "does nothing: this host runs no"))
			fail_msg("%s on a host without the module: warning %s", cases[i].opt,
				 w ? w : "(none)");
		free(w);
		cfg_security_free(&sec);
		assert_int_equal(apply(opts, both, &sec, &w, &err), cases[i].on_both);
		assert_null(w);
		if (cases[i].on_both < 0) {
			assert_non_null(strstr(err.msg, "is not supported: lxr applies no "
							"AppArmor/SELinux profile"));
			assert_non_null(strstr(err.msg, cases[i].opt));
		}
		cfg_security_free(&sec);
	}
}

/* What this host runs is not the test's to know, but where SELinux's or
 * AppArmor's own files say it is there, the probe must see it. */
static void probe_sees_what_sysfs_says(void **state)
{
	struct cfg_host_lsm h = cfg_host_lsm_probe();
	char buf[2] = "";
	FILE *f = fopen("/sys/module/apparmor/parameters/enabled", "re");

	if (access("/sys/fs/selinux/enforce", F_OK) == 0)
		assert_true(h.selinux);
	if (f) {
		if (fread(buf, 1, 1, f) == 1 && buf[0] == 'Y')
			assert_true(h.apparmor);
		fclose(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(no_new_privileges_spellings),
	    cmocka_unit_test(seccomp_forms),
	    cmocka_unit_test(errors_name_the_option),
	    cmocka_unit_test(lsm_options_follow_the_host),
	    cmocka_unit_test(probe_sees_what_sysfs_says),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
