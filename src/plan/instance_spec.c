/* One service instance -> its complete container spec: everything the
 * runtime needs, as plain data (docs/architecture.md, "Layers"). The
 * caller starts from the runtime's defaults (rt_spec_init_defaults); what
 * needs the system — capability names, the user in the image's
 * /etc/passwd — stays as data in the instance for the supervisor. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "config/text.h"
#include "lxr/plan.h"

void plan_spec_add_mount(struct lxr_spec *spec, const char *dst, const char *type, const char *src,
			 unsigned long flags, const char *data)
{
	struct lxr_mount *m;

	spec->mounts = lxr_xrealloc(spec->mounts, (spec->n_mounts + 1) * sizeof(*spec->mounts));
	m = &spec->mounts[spec->n_mounts++];
	memset(m, 0, sizeof(*m));
	m->destination = lxr_xstrdup(dst);
	m->type = lxr_xstrdup(type);
	m->source = lxr_xstrdup(src);
	m->flags = flags;
	m->propagation = MS_PRIVATE;
	m->data = lxr_xstrdup(data);
}

bool plan_spec_has_mount(const struct lxr_spec *s, const char *dst)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (!strcmp(s->mounts[i].destination, dst))
			return true;
	return false;
}

unsigned long plan_etc_bind_flags(const struct lxr_spec *spec)
{
	/* docker's: writable unless the root is read-only (else a read_only
	 * container still writes host files) */
	return MS_BIND | (spec->readonly_root ? MS_RDONLY : 0);
}

void plan_spec_join_endpoint(struct lxr_spec *spec, const char *netns_path, const char *hosts_path,
			     const char *resolv_path)
{
	spec->ns[LXR_NS_NET].create = false;
	free(spec->ns[LXR_NS_NET].join_path);
	spec->ns[LXR_NS_NET].join_path = lxr_xstrdup(netns_path);
	spec->ns[LXR_NS_NET].own = true;
	/* after the runtime's own /etc binds, so these win */
	if (!plan_spec_has_mount(spec, "/etc/hosts"))
		plan_spec_add_mount(spec, "/etc/hosts", "bind", hosts_path,
				    plan_etc_bind_flags(spec), NULL);
	if (!plan_spec_has_mount(spec, "/etc/resolv.conf"))
		plan_spec_add_mount(spec, "/etc/resolv.conf", "bind", resolv_path,
				    plan_etc_bind_flags(spec), NULL);
}

static void env_put(char ***env, const char *key, const char *value)
{
	size_t kl = strlen(key);
	char *kv = lxr_xasprintf("%s=%s", key, value);

	for (size_t i = 0; *env && (*env)[i]; i++)
		if (!strncmp((*env)[i], key, kl) && (*env)[i][kl] == '=') {
			free((*env)[i]);
			(*env)[i] = kv;
			return;
		}
	lxr_strv_push(env, kv);
}

/* KEY's entry gone: a service's bare KEY that nothing sets (docker drops
 * the image's KEY for it, ReplaceOrAppendEnvValues) */
static void env_del(char **env, const char *key)
{
	size_t kl = strlen(key), j = 0;

	for (size_t i = 0; env && env[i]; i++) {
		if (!strncmp(env[i], key, kl) && env[i][kl] == '=')
			free(env[i]);
		else
			env[j++] = env[i];
	}
	if (env)
		env[j] = NULL;
}

static bool env_has(char **env, const char *key)
{
	size_t kl = strlen(key);
	for (size_t i = 0; env && env[i]; i++)
		if (!strncmp(env[i], key, kl) && env[i][kl] == '=')
			return true;
	return false;
}

void plan_env_defaults(char ***env, const char *hostname)
{
	if (!env_has(*env, "PATH"))
		env_put(env, "PATH",
			"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	if (hostname && !env_has(*env, "HOSTNAME"))
		env_put(env, "HOSTNAME", hostname);
}

static const struct {
	const char *name;
	unsigned long set, clear;
} tmpfs_flags[] = {
    {"ro", MS_RDONLY, 0},
    {"rw", 0, MS_RDONLY},
    {"noexec", MS_NOEXEC, 0},
    {"exec", 0, MS_NOEXEC},
    {"nosuid", MS_NOSUID, 0},
    {"suid", 0, MS_NOSUID},
    {"nodev", MS_NODEV, 0},
    {"dev", 0, MS_NODEV},
    {"noatime", MS_NOATIME, 0},
    {"atime", 0, MS_NOATIME},
    {"relatime", MS_RELATIME, 0},
    {"strictatime", MS_STRICTATIME, 0},
    {"nodiratime", MS_NODIRATIME, 0},
    {"diratime", 0, MS_NODIRATIME},
    {"sync", MS_SYNCHRONOUS, 0},
    {"async", 0, MS_SYNCHRONOUS},
};

/* docker's tmpfs defaults (noexec,nosuid,nodev), then the user's options */
static void add_tmpfs(struct lxr_spec *spec, const char *target, int64_t size, int mode,
		      char *const *opts)
{
	unsigned long flags = MS_NOEXEC | MS_NOSUID | MS_NODEV;
	_cleanup_free_ char *data = NULL;

	for (size_t i = 0; opts && opts[i]; i++) {
		bool known = false;
		for (size_t k = 0; k < sizeof(tmpfs_flags) / sizeof(tmpfs_flags[0]); k++)
			if (!strcmp(opts[i], tmpfs_flags[k].name)) {
				flags = (flags | tmpfs_flags[k].set) & ~tmpfs_flags[k].clear;
				known = true;
			}
		if (!known) { /* uid=, gid=, nr_inodes= */
			char *n =
			    data ? lxr_xasprintf("%s,%s", data, opts[i]) : lxr_xstrdup(opts[i]);
			free(data);
			data = n;
		}
	}
	if (size > 0) {
		char *n = lxr_xasprintf("%s%ssize=%lld", data ? data : "", data ? "," : "",
					(long long)size);
		free(data);
		data = n;
	}
	if (mode >= 0) {
		char *n = lxr_xasprintf("%s%smode=%o", data ? data : "", data ? "," : "", mode);
		free(data);
		data = n;
	}
	plan_spec_add_mount(spec, target, "tmpfs", "tmpfs", flags, data);
}

static const struct cfg_volume *top_volume(const struct cfg_stack *st, const char *name)
{
	for (size_t i = 0; name && i < st->n_volumes; i++)
		if (!strcmp(st->volumes[i].name, name))
			return &st->volumes[i];
	return NULL;
}

/* An anonymous volume is its owner's: the instance's own, or for one that
 * volumes_from brings, the first instance's of the service that has it
 * (compose takes another service's volumes from its first container). */
static char *volume_source(const struct cfg_stack *st, const struct plan_mount_ref *r,
			   const struct cfg_service *svc, const char *instance)
{
	const struct cfg_mount *m = r->m;
	const struct cfg_volume *v = top_volume(st, m->source);
	_cleanup_free_ char *store = v ? plan_volume_store_name(st, v) : NULL;
	_cleanup_free_ char *owner = r->owner != svc ? plan_container_name(r->owner, 1) : NULL;

	return store ? plan_store_volume_data(store)
		     : plan_volume_dir(st->project, m->source, owner ? owner : instance, m->target);
}

static bool target_taken(const struct cfg_service *svc, const struct plan_mount_ref *v, size_t n,
			 const char *target)
{
	for (size_t i = 0; i < svc->n_volumes; i++)
		if (!strcmp(svc->volumes[i].target, target))
			return true;
	for (size_t i = 0; i < svc->n_tmpfs; i++)
		if (!strcmp(svc->tmpfs[i].target, target))
			return true;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].m->target, target))
			return true;
	return false;
}

/* depth: the loader refuses volumes_from cycles; this bound only keeps a
 * stack that was not validated from recursing without end */
static size_t service_mounts(const struct cfg_stack *st, const struct cfg_service *svc,
			     size_t depth, struct plan_mount_ref **out)
{
	struct plan_mount_ref *v = NULL;
	size_t n = 0;

	/* the later entries first, so that theirs win; each entry's mounts
	 * then go before the ones already taken, which keeps the file order */
	for (size_t i = svc->n_volumes_from; i-- > 0 && depth < st->n_services;) {
		const struct cfg_volumes_from *f = &svc->volumes_from[i];
		const struct cfg_service *src =
		    f->container ? NULL : cfg_stack_service(st, f->name);
		struct plan_mount_ref *sub = NULL, *keep;
		size_t n_sub, k = 0;

		if (!src || src == svc)
			continue;
		n_sub = service_mounts(st, src, depth + 1, &sub);
		keep = lxr_xcalloc(n_sub + n + 1, sizeof(*keep));
		for (size_t j = 0; j < n_sub; j++) {
			if (sub[j].m->type == CFG_MOUNT_TMPFS ||
			    sub[j].m->type == CFG_MOUNT_IMAGE ||
			    target_taken(svc, v, n, sub[j].m->target) ||
			    target_taken(svc, keep, k, sub[j].m->target))
				continue;
			keep[k] = sub[j];
			keep[k++].read_only = sub[j].read_only || f->read_only;
		}
		if (n) /* v is NULL until the first entry gives one */
			memcpy(keep + k, v, n * sizeof(*v));
		free(v);
		free(sub);
		v = keep;
		n += k;
	}
	v = lxr_xrealloc(v, (n + svc->n_volumes + 1) * sizeof(*v));
	for (size_t i = 0; i < svc->n_volumes; i++)
		v[n++] = (struct plan_mount_ref){&svc->volumes[i], svc, svc->volumes[i].read_only};
	*out = v;
	return n;
}

size_t plan_service_mounts(const struct cfg_stack *st, const struct cfg_service *svc,
			   struct plan_mount_ref **out)
{
	return service_mounts(st, svc, 0, out);
}

/* compose's bind propagation as mount(2) flags; none given: private
 * (lxr's and docker's rprivate: every mount below is private anyway) */
static unsigned long propagation_of(const char *mode)
{
	static const struct {
		const char *name;
		unsigned long flags;
	} modes[] = {{"shared", MS_SHARED},   {"rshared", MS_SHARED | MS_REC},
		     {"slave", MS_SLAVE},     {"rslave", MS_SLAVE | MS_REC},
		     {"private", MS_PRIVATE}, {"rprivate", MS_PRIVATE}};

	for (size_t i = 0; mode && i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(mode, modes[i].name))
			return modes[i].flags;
	return MS_PRIVATE;
}

/* type: image: the image's layers (lxr's empty one at the bottom, so even
 * a one-layer image is an overlay, which without an upper layer the kernel
 * keeps read-only), narrowed to its subpath once mounted */
static int image_mount(const struct plan_host *host, const struct cfg_mount *m,
		       struct lxr_spec *spec, lxr_err *err)
{
	char *const *layers = NULL;
	_cleanup_free_ char *lower = NULL, *data = NULL;

	for (size_t i = 0; host && i < host->n_image_vols; i++)
		if (!strcmp(host->image_vols[i].ref, m->source))
			layers = host->image_vols[i].layer_dirs;
	if (!layers || !layers[0] || !layers[1])
		return lxr_fail(err, EINVAL, "volumes: image \"%s\" at %s is not resolved",
				m->source, m->target);
	for (size_t i = 0; layers[i]; i++)
		if (strpbrk(layers[i], ",:\n")) /* overlayfs splits on them */
			return lxr_fail(err, EINVAL,
					"volumes: image \"%s\": layer %s holds ',' or ':'",
					m->source, layers[i]),
			       lxr_err_hint(err, "move the data directory to a plain path");
	lower = lxr_strv_join(layers, ":");
	data = lxr_xasprintf("lowerdir=%s", lower);
	/* mount(2) takes one page of options: more would be cut, layers lost */
	if (strlen(data) >= 4096)
		return lxr_fail(err, E2BIG,
				"volumes: image \"%s\" has too many layers to mount (%zu)",
				m->source, lxr_strv_len(layers) - 1),
		       lxr_err_hint(err, "a data directory with a shorter path, or an image of "
					 "fewer layers");
	plan_spec_add_mount(spec, m->target, "overlay", "overlay", MS_RDONLY | MS_NOSUID | MS_NODEV,
			    data);
	if (m->subpath)
		spec->mounts[spec->n_mounts - 1].within = lxr_xstrdup(m->subpath);
	return 0;
}

static int fill_mounts(const struct cfg_stack *st, const struct cfg_service *svc,
		       const char *instance, const struct plan_host *host, struct lxr_spec *spec,
		       lxr_err *err)
{
	_cleanup_free_ struct plan_mount_ref *refs = NULL;
	size_t n = plan_service_mounts(st, svc, &refs);

	for (size_t i = 0; i < n; i++) {
		const struct cfg_mount *m = refs[i].m;
		const unsigned long ro = refs[i].read_only ? MS_RDONLY : 0;
		if (m->type == CFG_MOUNT_IMAGE) {
			if (image_mount(host, m, spec, err) < 0)
				return lxr_err_wrap(err, "service \"%s\"", svc->name);
		} else if (m->type == CFG_MOUNT_BIND) {
			plan_spec_add_mount(spec, m->target, "bind", m->source,
					    MS_BIND | MS_REC | ro, NULL);
			spec->mounts[spec->n_mounts - 1].propagation =
			    propagation_of(m->propagation);
		} else if (m->type == CFG_MOUNT_VOLUME) {
			_cleanup_free_ char *dir = volume_source(st, &refs[i], svc, instance);
			plan_spec_add_mount(spec, m->target, "bind", dir, MS_BIND | MS_REC | ro,
					    NULL);
			spec->mounts[spec->n_mounts - 1].volume = true;
			/* another service's volume was filled (or not) when
			 * that service first mounted it, as docker leaves it */
			spec->mounts[spec->n_mounts - 1].nocopy = m->nocopy || refs[i].owner != svc;
			/* docker fills a volume from the image only when it
			 * mounts the whole of it */
			if (m->subpath) {
				spec->mounts[spec->n_mounts - 1].subpath = lxr_xstrdup(m->subpath);
				spec->mounts[spec->n_mounts - 1].nocopy = true;
			}
		} else {
			/* a tmpfs entry of volumes: (type: tmpfs, tmpfs.size,
			 * tmpfs.mode), read_only as a bind's */
			static char *const ro_opts[] = {"ro", NULL};
			add_tmpfs(spec, m->target, m->tmpfs_size, m->tmpfs_mode,
				  ro ? ro_opts : NULL);
		}
	}
	for (size_t i = 0; i < svc->n_tmpfs; i++)
		add_tmpfs(spec, svc->tmpfs[i].target, svc->tmpfs[i].size, svc->tmpfs[i].mode,
			  svc->tmpfs[i].flags);
	return 0;
}

int plan_rlimit_resource(const char *name)
{
	static const struct {
		const char *n;
		int r;
	} t[] = {{"core", RLIMIT_CORE},         {"cpu", RLIMIT_CPU},
		 {"data", RLIMIT_DATA},         {"fsize", RLIMIT_FSIZE},
		 {"locks", RLIMIT_LOCKS},       {"memlock", RLIMIT_MEMLOCK},
		 {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
		 {"nofile", RLIMIT_NOFILE},     {"nproc", RLIMIT_NPROC},
		 {"rss", RLIMIT_RSS},           {"rtprio", RLIMIT_RTPRIO},
		 {"rttime", RLIMIT_RTTIME},     {"sigpending", RLIMIT_SIGPENDING},
		 {"stack", RLIMIT_STACK},       {"as", RLIMIT_AS}};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(t[i].n, name))
			return t[i].r;
	return -1;
}

char **plan_args(char *const *img_entrypoint, char *const *img_cmd, char *const *user_entrypoint,
		 char *const *user_cmd)
{
	char *const *ep = user_entrypoint ? user_entrypoint : img_entrypoint;
	char *const *cmd;
	char **args = lxr_xcalloc(1, sizeof(char *));

	/* docker (the daemon's merge of a container's config with its
	 * image's): an entrypoint given resets the image's CMD, but an empty
	 * one (`entrypoint: []` or "") only drops the image's ENTRYPOINT, and
	 * CMD stays the command; a command given replaces CMD but keeps
	 * ENTRYPOINT */
	if (user_cmd && user_cmd[0])
		cmd = user_cmd;
	else if (user_entrypoint && user_entrypoint[0])
		cmd = NULL;
	else
		cmd = img_cmd;
	for (size_t i = 0; ep && ep[i]; i++)
		lxr_strv_push(&args, lxr_xstrdup(ep[i]));
	for (size_t i = 0; cmd && cmd[i]; i++)
		lxr_strv_push(&args, lxr_xstrdup(cmd[i]));
	return args;
}

static char **argv_of(const struct cfg_cmd *c)
{
	char **v;

	if (!c->set)
		return NULL;
	v = lxr_xcalloc(1, sizeof(char *)); /* set and empty: an empty override */
	for (size_t i = 0; i < c->argv.n; i++)
		lxr_strv_push(&v, lxr_xstrdup(c->argv.v[i].v));
	return v;
}

/* An image whose command starts with an init of its own (s6-overlay's
 * /init, tini, dumb-init, catatonit, systemd) needs it to be PID 1: s6
 * refuses to run otherwise. Without `init:` in the file, lxr-init is not
 * put in front of it, as docker puts none. */
static bool own_init(char *const *args)
{
	static const char *const inits[] = {"init",      "tini",        "tini-static", "dumb-init",
					    "catatonit", "docker-init", "systemd",     "s6-svscan",
					    "runit",     "runit-init",  "my_init"};
	const char *base;

	if (!args || !args[0])
		return false;
	base = strrchr(args[0], '/');
	base = base ? base + 1 : args[0];
	for (size_t i = 0; i < sizeof(inits) / sizeof(inits[0]); i++)
		if (!strcmp(base, inits[i]))
			return true;
	return false;
}

static void fill_process(const struct cfg_service *svc, char *hostname,
			 const struct plan_image *img, struct lxr_spec *spec)
{
	_cleanup_strv_ char **ep = argv_of(&svc->entrypoint);
	_cleanup_strv_ char **cmd = argv_of(&svc->command);

	lxr_strv_free(spec->args);
	spec->args = plan_args(img ? img->entrypoint : NULL, img ? img->cmd : NULL, ep, cmd);
	/* the image's environment first, the service's over it (compose) */
	for (size_t i = 0; img && img->env && img->env[i]; i++) {
		const char *eq = strchr(img->env[i], '=');
		if (eq) {
			_cleanup_free_ char *k =
			    lxr_xstrndup(img->env[i], (size_t)(eq - img->env[i]));
			env_put(&spec->env, k, eq + 1);
		}
	}
	for (size_t i = 0; i < svc->environment.n; i++)
		if (svc->environment.v[i].value)
			env_put(&spec->env, svc->environment.v[i].key, svc->environment.v[i].value);
		else /* no value: unset, the image's too */
			env_del(spec->env, svc->environment.v[i].key);
	free(spec->hostname);
	spec->hostname = hostname;
	plan_env_defaults(&spec->env, spec->hostname);
	if (svc->working_dir.v || (img && img->workdir && img->workdir[0])) {
		free(spec->cwd);
		spec->cwd = lxr_xstrdup(svc->working_dir.v ? svc->working_dir.v : img->workdir);
	}
	spec->readonly_root = svc->read_only.set && svc->read_only.v;
	spec->init = svc->init.set ? svc->init.v : !own_init(spec->args);
	if (svc->stop_signal.set)
		spec->stop_signal = (int)svc->stop_signal.v;
	else if (img && img->stop_signal) {
		int sig;
		if (cfg_parse_signal(img->stop_signal, &sig) == 0)
			spec->stop_signal = sig;
	}
	for (size_t i = 0; i < svc->n_ulimits; i++) {
		int r = plan_rlimit_resource(svc->ulimits[i].name);
		if (r < 0)
			continue; /* the loader refuses unknown names */
		spec->rlimits =
		    lxr_xrealloc(spec->rlimits, (spec->n_rlimits + 1) * sizeof(*spec->rlimits));
		spec->rlimits[spec->n_rlimits++] =
		    (struct lxr_rlimit){.resource = r,
					.soft = (uint64_t)svc->ulimits[i].soft,
					.hard = (uint64_t)svc->ulimits[i].hard};
	}
	for (size_t i = 0; i < svc->sysctls.n; i++)
		lxr_strv_push(
		    &spec->sysctls,
		    lxr_xasprintf("%s=%s", svc->sysctls.v[i].key,
				  svc->sysctls.v[i].value ? svc->sysctls.v[i].value : ""));
}

/* privileged first: it replaces the capability set and the device rules,
 * and the service's own devices and rules come on top, as with docker */
static int fill_devices(const struct cfg_service *svc, const struct plan_host *host,
			struct lxr_spec *spec, lxr_err *err)
{
	bool privileged = svc->privileged.set && svc->privileged.v;

	if ((privileged || svc->n_devices || svc->cdi_devices.n || svc->n_gpu_reqs) && !host)
		return lxr_fail(err, EINVAL, "service \"%s\": its devices are not resolved",
				svc->name);
	if (privileged)
		plan_spec_privileged(spec, host->all_caps, host->all_devices, host->n_all_devices);
	for (size_t i = 0; i < svc->n_devices; i++)
		plan_spec_add_device(spec, &host->devices[i], svc->devices[i].perms);
	for (size_t i = 0; i < svc->n_device_rules; i++) {
		const struct cfg_device_rule *r = &svc->device_rules[i];
		plan_spec_add_device_rule(spec, true, r->type, r->major, r->minor, r->access);
	}
	if (host && host->cdi)
		plan_spec_cdi(spec, host->cdi);
	return 0;
}

/* blkio_config: the weight, and each device's weight or throttle by the
 * numbers the host gives its path */
static int fill_blkio(const struct cfg_service *svc, const struct plan_host *host,
		      struct lxr_resources *r, lxr_err *err)
{
	const struct cfg_svc_tune *t = &svc->tune;

	if (t->blkio_weight.set)
		r->blkio_weight = (uint16_t)t->blkio_weight.v;
	if (!t->n_blkio)
		return 0;
	if (!host || !host->blkio)
		return lxr_fail(err, EINVAL, "service \"%s\": its blkio devices are not resolved",
				svc->name);
	r->blkio_devices = lxr_xcalloc(t->n_blkio, sizeof(*r->blkio_devices));
	memcpy(r->blkio_devices, host->blkio, t->n_blkio * sizeof(*r->blkio_devices));
	r->n_blkio_devices = t->n_blkio;
	return 0;
}

int plan_instance_fill(const struct cfg_stack *st, const struct cfg_service *svc, int replica,
		       const struct plan_image *img, const struct plan_host *host,
		       struct lxr_spec *spec, lxr_err *err)
{
	_cleanup_free_ char *instance = plan_container_name(svc, replica);

	return plan_instance_fill_as(st, svc, instance, img, host, spec, err);
}

int plan_instance_fill_as(const struct cfg_stack *st, const struct cfg_service *svc,
			  const char *instance, const struct plan_image *img,
			  const struct plan_host *host, struct lxr_spec *spec, lxr_err *err)
{
	if (!svc->image_is_path && !img)
		return lxr_fail(err, EINVAL, "service \"%s\": image \"%s\" is not resolved",
				svc->name, cfg_service_image(svc));
	free(spec->id);
	spec->id = lxr_xstrdup(instance);
	free(spec->cgroup_group);
	spec->cgroup_group = lxr_xstrdup(st->project);
	lxr_strv_free(spec->lower_dirs);
	spec->lower_dirs = NULL;
	if (img) {
		for (size_t i = 0; img->layer_dirs && img->layer_dirs[i]; i++)
			lxr_strv_push(&spec->lower_dirs, lxr_xstrdup(img->layer_dirs[i]));
	} else {
		lxr_strv_push(&spec->lower_dirs, lxr_xstrdup(svc->image.v));
	}
	fill_process(svc, plan_default_hostname(st, svc, instance), img, spec);
	if (!spec->args || !spec->args[0])
		return lxr_fail(err, EINVAL, "no command"),
		       lxr_err_hint(err,
				    img ? "the image has no Cmd, and no Entrypoint or an empty "
					  "`entrypoint:` drops it: set `command:`"
					: "a root filesystem directory has no default command: "
					  "set `command:` (or `entrypoint:`)");
	spec->resources.memory_limit = svc->limits.memory.set ? svc->limits.memory.v : 0;
	if (svc->limits.millicpus.set && svc->limits.millicpus.v > 0) {
		spec->resources.cpu_period = 100000;
		spec->resources.cpu_quota = (uint64_t)svc->limits.millicpus.v * 100;
	}
	/* not set: the spec keeps the runtime's default limit */
	if (svc->limits.pids.set)
		spec->resources.pids_limit = svc->limits.pids.v;
	spec->resources.memory_reservation =
	    svc->reservations.memory.set ? svc->reservations.memory.v : 0;
	/* a CPU reservation is a relative weight under contention: 1 CPU is
	 * docker's default weight of 1024 shares */
	if (svc->reservations.millicpus.set && svc->reservations.millicpus.v > 0) {
		int64_t shares = svc->reservations.millicpus.v * 1024 / 1000;
		spec->resources.cpu_shares = (uint64_t)(shares < 2        ? 2
							: shares > 262144 ? 262144
									  : shares);
	}
	if (fill_mounts(st, svc, instance, host, spec, err) < 0 ||
	    fill_devices(svc, host, spec, err) < 0 ||
	    fill_blkio(svc, host, &spec->resources, err) < 0)
		return -1;
	/* a service's container keeps its filesystem across restarts */
	spec->reuse_dir = true;
	return 0;
}

char *plan_volume_dir(const char *project, const char *name, const char *instance,
		      const char *target)
{
	_cleanup_free_ char *esc = NULL;
	char *e;

	if (name)
		return lxr_xasprintf("%s/volumes/%s/%s", lxr_data_dir(), project, name);
	/* One per instance and path, the path %-escaped into one name. A
	 * volume name never holds '+' or '%', so these cannot meet a named one. */
	e = esc = lxr_xmalloc(strlen(target) * 3 + 1);
	for (const char *t = target; *t; t++)
		e += strchr("-_.", *t) || isalnum((unsigned char)*t)
			 ? sprintf(e, "%c", *t)
			 : sprintf(e, "%%%02X", (unsigned char)*t);
	*e = '\0';
	return lxr_xasprintf("%s/volumes/%s/+anon/%s/%s", lxr_data_dir(), project, instance, esc);
}

char *plan_instance_name(const char *service, int replica)
{
	return lxr_xasprintf("%s-%d", service, replica);
}

char *plan_container_name(const struct cfg_service *svc, int replica)
{
	/* the loader allows container_name with one instance only */
	return svc->host.container_name.v ? lxr_xstrdup(svc->host.container_name.v)
					  : plan_instance_name(svc->name, replica);
}

char *plan_volume_store_name(const struct cfg_stack *st, const struct cfg_volume *v)
{
	if (v->host_name.v)
		return lxr_xstrdup(v->host_name.v);
	if (v->external.v)
		return lxr_xstrdup(v->name);
	if (v->driver_opts.n)
		return lxr_xasprintf("%s_%s", st->project, v->name);
	return NULL;
}

char *plan_store_volume_data(const char *name)
{
	return lxr_xasprintf("%s/volumes/_named/%s/_data", lxr_data_dir(), name);
}

char **plan_store_volumes(const struct cfg_stack *st, bool with_external)
{
	char **v = lxr_xcalloc(1, sizeof(char *));

	for (size_t i = 0; i < st->n_volumes; i++) {
		char *n = plan_volume_store_name(st, &st->volumes[i]);
		if (n && (with_external || !st->volumes[i].external.v))
			lxr_strv_push(&v, n);
		else
			free(n);
	}
	return v;
}

char **plan_down_volume_dirs(const struct cfg_stack *st)
{
	char **v = NULL;

	for (size_t i = 0; i < st->n_volumes; i++) {
		_cleanup_free_ char *store = plan_volume_store_name(st, &st->volumes[i]);
		if (!store)
			lxr_strv_push(
			    &v, plan_volume_dir(st->project, st->volumes[i].name, NULL, NULL));
	}
	lxr_strv_push(&v, lxr_xasprintf("%s/volumes/%s/+anon", lxr_data_dir(), st->project));
	return v;
}
