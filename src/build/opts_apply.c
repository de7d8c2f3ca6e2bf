/* What a build's options add to its steps: to each RUN container,
 * compose's build.shm_size as its /dev/shm, build.extra_hosts (docker
 * build --add-host) as lines of its /etc/hosts and build.ulimits as its
 * rlimits; to COPY --from, the named contexts; to the step cache, the
 * stages build.no_cache_filter keeps out of it. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "build/build_internal.h"
#include "lxr/net.h"
#include "lxr/plan.h"

/* The localhost lines (the host's whole file on its network, as a RUN
 * step sees it there), then ADDRESS NAME for each extra host. Written
 * into the work directory, which only root reads, and bound read-only. */
static int hosts_file(const struct bld_opts *o, bool host, char **path, lxr_err *err)
{
	_cleanup_free_ char *base = NULL;
	char *text;
	size_t len = 0;

	if (host) {
		if (lxr_read_file_at(AT_FDCWD, "/etc/hosts", &base, &len, err) < 0)
			return -1;
	} else {
		base = net_hosts_render(NULL, 0);
	}
	text = lxr_xstrdup(base);
	if (*text && text[strlen(text) - 1] != '\n') {
		char *t = lxr_xasprintf("%s\n", text);
		free(text);
		text = t;
	}
	for (size_t i = 0; o->extra_hosts && o->extra_hosts[i]; i++) {
		const char *eq = strchr(o->extra_hosts[i], '=');
		char *t = lxr_xasprintf("%s%s\t%.*s\n", text, eq + 1, (int)(eq - o->extra_hosts[i]),
					o->extra_hosts[i]);
		free(text);
		text = t;
	}
	*path = lxr_xasprintf("%s/hosts", o->work);
	_cleanup_close_ int dir = open(o->work, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = dir < 0 ? lxr_fail(err, errno, "open %s", o->work)
			: lxr_write_file_atomic(dir, "hosts", text, strlen(text), 0644, err);
	free(text);
	return r;
}

int bldx_ulimits_parse(char *const *in, struct lxr_rlimit **out, size_t *n, lxr_err *err)
{
	for (size_t i = 0; in && in[i]; i++) {
		const char *eq = strchr(in[i], '=');
		_cleanup_free_ char *name = eq ? lxr_xstrndup(in[i], (size_t)(eq - in[i])) : NULL;
		int res = name ? plan_rlimit_resource(name) : -1;
		long long soft, hard;
		char *end;

		if (res < 0)
			return lxr_fail(err, EINVAL, "ulimit %s: not NAME=SOFT[:HARD]", in[i]),
			       lxr_err_hint(err, "names: as core cpu data fsize locks memlock "
						 "msgqueue nice nofile nproc rss rtprio rttime "
						 "sigpending stack");
		/* digits (or -1) each side of the colon, nothing else */
		bool ok = strspn(eq + 1, "-0123456789:") == strlen(eq + 1) &&
			  isdigit((unsigned char)eq[strlen(eq) - 1]);
		errno = 0;
		soft = hard = strtoll(eq + 1, &end, 10);
		if (*end == ':' && isdigit((unsigned char)end[1 + (end[1] == '-')]))
			hard = strtoll(end + 1, &end, 10);
		if (!ok || errno || end == eq + 1 || *end || soft < -1 || hard < -1 ||
		    (hard != -1 && (soft == -1 || soft > hard)))
			return lxr_fail(err, EINVAL,
					"ulimit %s: SOFT[:HARD] are numbers, -1 for unlimited, "
					"the soft limit at most the hard one",
					in[i]);
		*out = lxr_xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = (struct lxr_rlimit){res, (uint64_t)soft, (uint64_t)hard};
	}
	return 0;
}

int bldx_stage_named(const struct bld_plan *p, const char *name)
{
	char *end;
	long i;

	for (size_t k = 0; k < p->n; k++)
		if (p->stages[k].name && !strcasecmp(p->stages[k].name, name))
			return (int)k;
	errno = 0;
	i = strtol(name, &end, 10);
	return !errno && end != name && !*end && i >= 0 && (size_t)i < p->n ? (int)i : -1;
}

bool bldx_stage_no_cache(const struct bldx_run *r, const struct bldx_stage *s)
{
	int si = (int)(s - r->st);

	for (size_t i = 0; r->o->no_cache_stages && r->o->no_cache_stages[i]; i++)
		if (bldx_stage_named(r->o->plan, r->o->no_cache_stages[i]) == si)
			return true;
	return false;
}

int bldx_run_extras(struct bldx_run *r, struct lxr_spec *spec, enum bld_network net, lxr_err *err)
{
	bool host = net == BLD_NET_HOST;
	const struct bld_opts *o = r->o;

	/* build.ulimits over the runtime's, as a service's ulimits are */
	for (size_t i = 0; i < o->n_rlimits; i++) {
		spec->rlimits =
		    lxr_xrealloc(spec->rlimits, (spec->n_rlimits + 1) * sizeof(*spec->rlimits));
		spec->rlimits[spec->n_rlimits++] = o->rlimits[i];
	}
	/* docker build -m: the step's memory cgroup, swap not beyond it */
	if (o->memory > 0)
		spec->resources.memory_limit = o->memory;
	/* docker's /dev/shm is 64m; build.shm_size replaces it, as the
	 * service's shm_size does (plan.c) */
	if (o->shm_size > 0) {
		_cleanup_free_ char *data =
		    lxr_xasprintf("mode=1777,size=%lld", (long long)o->shm_size);
		plan_spec_add_mount(spec, "/dev/shm", "tmpfs", "shm",
				    MS_NOSUID | MS_NOEXEC | MS_NODEV, data);
	}
	/* on the bridge, the step's endpoint writes them into its own
	 * /etc/hosts (its name there too, host-gateway its gateway) */
	if (o->extra_hosts && o->extra_hosts[0] && net != BLD_NET_DEFAULT) {
		_cleanup_free_ char *path = NULL;
		if (hosts_file(o, host, &path, err) < 0)
			return -1;
		plan_spec_add_mount(spec, "/etc/hosts", "bind", path, MS_BIND | MS_RDONLY, NULL);
	}
	return 0;
}

void bldx_run_extras_undo(const struct bld_opts *o, const char *upper)
{
	_cleanup_close_ int dir = -1;
	struct stat st;
	char v;

	if (!o->extra_hosts || !o->extra_hosts[0])
		return;
	_cleanup_free_ char *etc = lxr_xasprintf("%s/etc", upper);
	dir = open(etc, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0)
		return;
	/* the step could not write it (bound read-only over it): an empty
	 * file here is the runtime's mount point */
	if (fstatat(dir, "hosts", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size == 0)
		unlinkat(dir, "hosts", 0);
	/* /etc copied up for it alone: empty, and not an opaque directory
	 * (one the step removed and made again) */
	if (fgetxattr(dir, "trusted.overlay.opaque", &v, 1) < 0)
		unlinkat(AT_FDCWD, etc, AT_REMOVEDIR); /* fails when not empty */
}

const char *bldx_named_context(const struct bld_opts *o, const char *name)
{
	return lxr_strv_getenv(o->named_contexts, name);
}
