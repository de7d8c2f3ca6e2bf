/* security_opt (Compose) and --security-opt (docker run): one entry at a
 * time, with docker's spellings (moby parseSecurityOpt): KEY=VALUE, the old
 * KEY:VALUE, and the bare words no-new-privileges and disable. Shared by
 * the stack-file loader and `lxr run`, so both accept exactly the same. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "config/config_internal.h"

#define OPTS_HINT                                                                                  \
	"lxr knows seccomp=PATH|unconfined, no-new-privileges[:true|false], "                      \
	"apparmor=unconfined, label=disable, systempaths=unconfined and "                          \
	"writable-cgroups=true|false"

/* /sys/kernel/security/lsm lists the active modules (4.15+, needs
 * securityfs); the other two paths say the same where it is not mounted. */
struct cfg_host_lsm cfg_host_lsm_probe(void)
{
	struct cfg_host_lsm h = {0};
	_cleanup_free_ char *list = NULL, *aa = NULL;
	lxr_err ignored;

	if (lxr_read_file_at(AT_FDCWD, "/sys/kernel/security/lsm", &list, NULL, &ignored) == 0) {
		for (char *save = NULL, *t = strtok_r(list, ",\n", &save); t;
		     t = strtok_r(NULL, ",\n", &save)) {
			h.apparmor |= !strcmp(t, "apparmor");
			h.selinux |= !strcmp(t, "selinux");
		}
	}
	if (lxr_read_file_at(AT_FDCWD, "/sys/module/apparmor/parameters/enabled", &aa, NULL,
			     &ignored) == 0)
		h.apparmor |= aa[0] == 'Y';
	h.selinux |= access("/sys/fs/selinux/enforce", F_OK) == 0;
	return h;
}

static int seccomp_opt(const char *v, const char *base_dir, struct cfg_security *sec, char **shown,
		       lxr_err *err)
{
	_cleanup_free_ char *path = NULL;

	cfg_seccomp_profile_free(sec->profile);
	sec->profile = NULL;
	if (!strcmp(v, "unconfined")) {
		sec->seccomp = CFG_SECCOMP_UNCONFINED;
		return 0;
	}
	if (!*v)
		return lxr_fail(err, 0, "seccomp= needs a profile"),
		       lxr_err_hint(err, "seccomp=PATH to a JSON profile, or seccomp=unconfined");
	if (v[0] == '/' || !base_dir) {
		path = lxr_xstrdup(v);
	} else {
		_cleanup_free_ char *joined = lxr_xasprintf("%s/%s", base_dir, v);
		path = cfg_clean_path(joined);
	}
	if (cfg_seccomp_profile_load(path, &sec->profile, err) < 0)
		return -1;
	sec->seccomp = CFG_SECCOMP_PROFILE;
	*shown = lxr_xasprintf("seccomp=%s", path);
	return 0;
}

/* lxr applies no AppArmor or SELinux profile. Where the host has no such
 * module, docker's options for it mean nothing either (a warning says so);
 * where it has one, only the values that ask for no confinement keep their
 * promise. */
static int lsm_opt(const char *key, const char *v, struct cfg_host_lsm lsm, char **warning,
		   lxr_err *err)
{
	bool apparmor = !strcmp(key, "apparmor");
	bool present = apparmor ? lsm.apparmor : lsm.selinux;
	const char *module = apparmor ? "AppArmor" : "SELinux";

	if (!*v)
		return lxr_fail(err, 0, "%s= needs a value", key),
		       lxr_err_hint(err, "%s",
				    apparmor ? "e.g. apparmor=unconfined" : "e.g. label=disable");
	if (!present) {
		*warning =
		    lxr_xasprintf("%s=%s does nothing: this host runs no %s", key, v, module);
		return 0;
	}
	if (apparmor ? !strcmp(v, "unconfined") : !strcmp(v, "disable"))
		return 0;
	return lxr_fail(err, 0,
			"%s=%s is not supported: lxr applies no AppArmor/SELinux "
			"profile",
			key, v),
	       lxr_err_hint(err, "%s",
			    apparmor ? "remove it, or write apparmor=unconfined"
				     : "remove it, or write label=disable");
}

int cfg_security_opt_apply(const char *opt, const char *base_dir, struct cfg_host_lsm lsm,
			   struct cfg_security *sec, char **warning, lxr_err *err)
{
	_cleanup_free_ char *key = NULL;
	char *shown = NULL;
	const char *v;
	size_t klen;
	int r = 0;
	bool b;

	*warning = NULL;
	if (!strcmp(opt, "no-new-privileges")) {
		sec->no_new_privileges = (struct cfg_bool){.v = true, .set = true};
		goto keep;
	}
	if (!strcmp(opt, "disable")) /* docker's bare word for label=disable */
		opt = "label=disable";
	/* docker splits at the first '=', else (its old syntax) at ':' */
	klen = strchr(opt, '=') ? strcspn(opt, "=") : strcspn(opt, ":");
	if (!opt[klen])
		return lxr_fail(err, 0, "unknown security option \"%s\"", opt),
		       lxr_err_hint(err, OPTS_HINT);
	key = lxr_xstrndup(opt, klen);
	v = opt + klen + 1;
	if (!strcmp(key, "seccomp")) {
		r = seccomp_opt(v, base_dir, sec, &shown, err);
	} else if (!strcmp(key, "no-new-privileges")) {
		if (lxr_go_bool(v, &b) < 0)
			return lxr_fail(err, 0, "no-new-privileges: \"%s\" is not true or false",
					v),
			       lxr_err_hint(err, "no-new-privileges, no-new-privileges:true or "
						 "no-new-privileges:false");
		sec->no_new_privileges = (struct cfg_bool){.v = b, .set = true};
	} else if (!strcmp(key, "apparmor") || !strcmp(key, "label")) {
		r = lsm_opt(key, v, lsm, warning, err);
	} else if (!strcmp(key, "systempaths")) {
		/* docker takes this one value: /proc's and /sys's masks off */
		if (strcmp(v, "unconfined"))
			return lxr_fail(err, 0, "systempaths: \"%s\" is not unconfined", v),
			       lxr_err_hint(err, "systempaths=unconfined (no masked or read-only "
						 "paths under /proc and /sys)");
		sec->systempaths_unconfined = true;
	} else if (!strcmp(key, "writable-cgroups")) {
		if (lxr_go_bool(v, &b) < 0)
			return lxr_fail(err, 0, "writable-cgroups: \"%s\" is not true or false", v),
			       lxr_err_hint(err, "writable-cgroups=true or writable-cgroups=false");
		sec->writable_cgroups = b;
	} else {
		return lxr_fail(err, 0, "unknown security option \"%s\"", opt),
		       lxr_err_hint(err, OPTS_HINT);
	}
	if (r < 0)
		return -1;
keep:
	cfg_strs_push(&sec->opts, shown ? shown : opt, (struct cfg_pos){0});
	free(shown);
	return 0;
}

void cfg_security_free(struct cfg_security *sec)
{
	cfg_seccomp_profile_free(sec->profile);
	cfg_strs_free(&sec->opts);
	memset(sec, 0, sizeof(*sec));
}
