/* Networks that outlive a project: `lxr network create`, and a stack's
 * networks with `name:` (or `external:`). Each has a definition in
 * <data_dir>/networks/NAME ("key value" lines, written atomically), which
 * survives a reboot of the box, and lives in the run dir as a network of
 * the pseudo-project LXR_SHARED_NET_PROJECT: one bridge that containers of
 * every project naming it join (their endpoints stay in their projects'
 * records). After a reboot the bridge is made again from the definition,
 * on the same subnet, at its next use. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lxr/netdrv.h"
#include "net/net_internal.h"

static char *defs_dir(void)
{
	return lxr_xasprintf("%s/networks", lxr_data_dir());
}

int net_def_name_check(const char *name, lxr_err *err)
{
	/* docker's rule, and a file name */
	bool ok = *name && strlen(name) <= 128 && isalnum((unsigned char)name[0]);

	for (const char *p = name; ok && *p; p++)
		ok = isalnum((unsigned char)*p) || strchr("_.-", *p);
	if (!ok)
		return lxr_fail(err, EINVAL, "\"%s\" is not a valid network name", name),
		       lxr_err_hint(err, "a name is [a-zA-Z0-9][a-zA-Z0-9_.-]*");
	return 0;
}

static char *def_text(const struct lxr_net_def *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	fprintf(f, "subnet %s\ngateway %s\ninternal %d\nmtu %d\ncreated %s\n", d->subnet,
		d->gateway, d->internal, d->mtu, d->created ? d->created : "");
	if (d->ipv6 && d->subnet6 && d->gateway6)
		fprintf(f, "subnet6 %s\ngateway6 %s\n", d->subnet6, d->gateway6);
	if (d->driver)
		fprintf(f, "driver %s\n", d->driver);
	if (d->ip_range)
		fprintf(f, "ip_range %s\n", d->ip_range);
	if (d->ip_range6)
		fprintf(f, "ip_range6 %s\n", d->ip_range6);
	for (size_t i = 0; d->aux && d->aux[i]; i++)
		fprintf(f, "aux %s\n", d->aux[i]);
	for (size_t i = 0; d->labels && d->labels[i]; i++)
		fprintf(f, "label %s\n", d->labels[i]);
	for (size_t i = 0; d->options && d->options[i]; i++)
		fprintf(f, "option %s\n", d->options[i]);
	fclose(f);
	return buf;
}

int net_def_load(const char *name, struct lxr_net_def *d, lxr_err *err)
{
	_cleanup_free_ char *dir = defs_dir();
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s", dir, name);
	_cleanup_free_ char *text = NULL;
	char *save = NULL;
	size_t len;

	memset(d, 0, sizeof(*d));
	if (net_def_name_check(name, err) < 0)
		return -1;
	if (lxr_read_file_at(AT_FDCWD, path, &text, &len, err) < 0)
		return err->errnum == ENOENT ? lxr_fail(err, ENOENT, "no such network: %s", name)
					     : -1;
	d->name = lxr_xstrdup(name);
	d->labels = lxr_xcalloc(1, sizeof(char *));
	d->options = lxr_xcalloc(1, sizeof(char *));
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(l, ' ');
		if (!v)
			continue;
		*v++ = '\0';
		if (!strcmp(l, "subnet"))
			d->subnet = lxr_xstrdup(v);
		else if (!strcmp(l, "gateway"))
			d->gateway = lxr_xstrdup(v);
		else if (!strcmp(l, "subnet6"))
			d->subnet6 = lxr_xstrdup(v), d->ipv6 = true;
		else if (!strcmp(l, "gateway6"))
			d->gateway6 = lxr_xstrdup(v);
		else if (!strcmp(l, "ip_range") && !d->ip_range)
			d->ip_range = lxr_xstrdup(v);
		else if (!strcmp(l, "ip_range6") && !d->ip_range6)
			d->ip_range6 = lxr_xstrdup(v);
		else if (!strcmp(l, "aux"))
			lxr_strv_push(&d->aux, lxr_xstrdup(v));
		else if (!strcmp(l, "internal"))
			d->internal = !strcmp(v, "1");
		else if (!strcmp(l, "mtu"))
			d->mtu = atoi(v);
		else if (!strcmp(l, "created"))
			d->created = lxr_xstrdup(v);
		else if (!strcmp(l, "driver") && !d->driver)
			d->driver = lxr_xstrdup(v);
		else if (!strcmp(l, "label"))
			lxr_strv_push(&d->labels, lxr_xstrdup(v));
		else if (!strcmp(l, "option"))
			lxr_strv_push(&d->options, lxr_xstrdup(v));
	}
	if (!d->subnet || !d->gateway) {
		net_def_free(d);
		return lxr_fail(err, EBADMSG, "%s: no subnet or gateway", path);
	}
	return 0;
}

void net_def_free(struct lxr_net_def *d)
{
	free(d->name);
	free(d->subnet);
	free(d->gateway);
	free(d->subnet6);
	free(d->gateway6);
	free(d->created);
	free(d->driver);
	free(d->ip_range);
	free(d->ip_range6);
	lxr_strv_free(d->aux);
	lxr_strv_free(d->labels);
	lxr_strv_free(d->options);
	memset(d, 0, sizeof(*d));
}

bool net_def_exists(const char *name)
{
	_cleanup_free_ char *dir = defs_dir();
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s", dir, name);
	lxr_err err;

	return net_def_name_check(name, &err) == 0 && access(path, F_OK) == 0;
}

char **net_def_names(void)
{
	_cleanup_free_ char *dir = defs_dir();
	char **v = lxr_xcalloc(1, sizeof(char *));
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, NULL, lxr_dirent_cmp);

	for (int i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.')
			lxr_strv_push(&v, lxr_xstrdup(ents[i]->d_name));
		free(ents[i]);
	}
	free(ents);
	return v;
}

#define BRIDGE_NAME_OPT "com.docker.network.bridge.name"

static bool opt_is(const char *o, size_t kl, const char *key)
{
	return kl == strlen(key) && !strncmp(o, key, kl);
}

/* The value of option key ("key=value") in d, or NULL. */
static const char *opt_value(const struct lxr_net_def *d, const char *key)
{
	for (size_t i = 0; d->options && d->options[i]; i++) {
		const char *eq = strchr(d->options[i], '=');
		if (eq && opt_is(d->options[i], (size_t)(eq - d->options[i]), key))
			return eq + 1;
	}
	return NULL;
}

/* enable_icc, enable_ip_masquerade or host_binding_ipv4 (o, its key kl
 * long) set to v, into cfg (pointing at v): 0; 1 when it is none of
 * them; -1 for a value it does not take. */
static int bridge_switch(struct lxr_net_config *cfg, const char *o, size_t kl, const char *v,
			 lxr_err *err)
{
	_cleanup_free_ char *key = lxr_xstrndup(o, kl);
	const char *takes = NULL;
	uint32_t ip = 0;
	int b = cfg_netdrv_bridge_value(key, v, &ip, &takes);

	if (b == -2)
		return 1;
	if (b == -1)
		return lxr_fail(err, EINVAL, "driver option %s: \"%s\" is not %s", key, v,
				!strcmp(key, NETDRV_HOST_IP)  ? "an IPv4 address"
				: strstr(key, "gateway_mode") ? "a gateway mode lxr does"
							      : "a boolean"),
		       lxr_err_hint(err, "%s takes %s", key, takes);
	if (!strcmp(key, NETDRV_ICC))
		cfg->no_icc = !b;
	else if (!strcmp(key, NETDRV_MASQ))
		cfg->no_masquerade = !b;
	else if (!strcmp(key, NETDRV_GW4))
		cfg->unprotected = b;
	else if (!strcmp(key, NETDRV_GW6))
		cfg->unprotected6 = b;
	else
		cfg->host_binding = ip ? v : NULL;
	return 0;
}

/* docker's bridge driver options: the MTU maps onto lxr's bridge, the
 * bridge's name becomes its second name, enable_icc, enable_ip_masquerade
 * and host_binding_ipv4 its switches and default host address; the others
 * ask for what lxr's bridges do not do, and are refused by name rather
 * than dropped. */
static int options_apply(const struct lxr_net_def *d, struct lxr_net_config *cfg, lxr_err *err)
{
	cfg->mtu = d->mtu;
	cfg->driver = d->driver;
	for (size_t i = 0; d->options && d->options[i]; i++) {
		const char *o = d->options[i], *eq = strchr(o, '=');
		size_t kl = eq ? (size_t)(eq - o) : strlen(o);
		int r = 1;
		if (eq && d->driver) {
			/* macvlan's and ipvlan's own: parent=, macvlan_mode=, ... */
			_cleanup_free_ char *key = lxr_xstrndup(o, kl);
			r = net_driver_opt(cfg, key, eq + 1, err);
			if (r < 0)
				return lxr_err_wrap(err, "network %s", d->name);
		}
		if (r == 0)
			continue;
		if (opt_is(o, kl, "com.docker.network.driver.mtu") && eq) {
			char *end;
			long v = strtol(eq + 1, &end, 10);
			if (*end || v < 68 || v > 65535)
				return lxr_fail(err, EINVAL, "network %s: bad MTU \"%s\"", d->name,
						eq + 1),
				       lxr_err_hint(err, "68 to 65535, e.g. 1450");
			cfg->mtu = (int)v;
			continue;
		}
		if (opt_is(o, kl, BRIDGE_NAME_OPT) && eq && !d->driver) {
			if (!lxr_ifname_valid(eq + 1))
				return lxr_fail(
					   err, EINVAL,
					   "network %s: \"%s\" is not a name a bridge can have",
					   d->name, eq + 1),
				       lxr_err_hint(err,
						    "1 to 15 characters without space, /, : or "
						    "%%; not . or ..");
			cfg->bridge_name = eq + 1;
			continue;
		}
		if (eq && !d->driver && (r = bridge_switch(cfg, o, kl, eq + 1, err)) <= 0) {
			if (r < 0)
				return lxr_err_wrap(err, "network %s", d->name);
			continue;
		}
		lxr_fail(err, EINVAL, "network %s: driver option \"%.*s\" is not supported",
			 d->name, (int)kl, o);
		if (d->driver)
			return lxr_err_hint(err, "%s", cfg_netdrv_takes(d->driver));
		return lxr_err_hint(err,
				    "supported: com.docker.network.driver.mtu, "
				    "com.docker.network.bridge.name, " NETDRV_ICC ", " NETDRV_MASQ
				    ", " NETDRV_HOST_IP ", " NETDRV_GW4 ", " NETDRV_GW6);
	}
	return 0;
}

void net_def_config(const struct lxr_net_def *d, struct lxr_net_config *out)
{
	lxr_err ignored;

	memset(out, 0, sizeof(*out));
	/* checked when it was made: its driver, mtu and driver's options */
	options_apply(d, out, &ignored);
	out->name = d->name;
	out->subnet = d->subnet;
	out->gateway = d->gateway;
	out->internal = d->internal;
	out->mtu = d->mtu;
	out->ipv6 = d->ipv6;
	out->subnet6 = d->subnet6;
	out->gateway6 = d->gateway6;
	out->ip_range = d->ip_range;
	out->ip_range6 = d->ip_range6;
	out->aux = d->aux;
	out->bridge_name = d->driver ? NULL : opt_value(d, BRIDGE_NAME_OPT);
}

int net_def_create(const char *run_dir, const struct lxr_net_def *want,
		   const struct lxr_net_pool *pool, lxr_err *err)
{
	_cleanup_close_ int lock = net_lock(run_dir, err);
	_cleanup_free_ char *dir = defs_dir(), *text = NULL;
	_cleanup_close_ int dfd = -1;
	struct lxr_net_def d = *want;
	struct lxr_net_config cfg = {.name = want->name,
				     .subnet = want->subnet,
				     .gateway = want->gateway,
				     .internal = want->internal,
				     .ipv6 = want->ipv6,
				     .subnet6 = want->subnet6,
				     .gateway6 = want->gateway6,
				     .ip_range = want->ip_range,
				     .ip_range6 = want->ip_range6,
				     .aux = want->aux};
	struct net_rec r;
	char sn[19], gw[16], sn6[64], gw6[48], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	lxr_err undo;

	if (lock < 0)
		return -1;
	if (net_def_name_check(want->name, err) < 0 || options_apply(want, &cfg, err) < 0)
		return -1;
	/* docker's predefined names: what `--network NAME` means for them */
	if (!strcmp(want->name, NET_RUN_BRIDGE) || !strcmp(want->name, "host") ||
	    !strcmp(want->name, "none"))
		return lxr_fail(err, EEXIST, "network name %s is predefined", want->name),
		       lxr_err_hint(err, "--network %s is %s, as with docker; pick another name",
				    want->name,
				    !strcmp(want->name, "host")   ? "the host's network"
				    : !strcmp(want->name, "none") ? "no network"
								  : "lxr run's default network");
	if (net_def_exists(want->name))
		return lxr_fail(err, EEXIST, "network with name %s already exists", want->name);
	if (net_network_up_locked(run_dir, LXR_SHARED_NET_PROJECT, &cfg, pool, err) < 0)
		return -1;
	if (net_rec_load(run_dir, LXR_SHARED_NET_PROJECT, want->name, &r, err) < 0)
		goto undo;
	/* as made: a subnet picked from the pool stays the network's after a
	 * reboot */
	d.subnet = (char *)net_subnet_str(&r.subnet, sn);
	d.gateway = (char *)net_ip_str(r.gateway, gw);
	d.ipv6 = r.subnet6.prefix > 0;
	d.subnet6 = d.ipv6 ? (char *)net_subnet6_str(&r.subnet6, sn6) : NULL;
	d.gateway6 = d.ipv6 ? (char *)net_ip6_str(&r.gateway6, gw6) : NULL;
	d.mtu = cfg.mtu;
	net_rec_free(&r);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	d.created = stamp;
	text = def_text(&d);
	if (lxr_mkdir_p(dir, 0700, err) < 0)
		goto undo;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		lxr_fail(err, errno, "open %s", dir);
		goto undo;
	}
	if (lxr_write_file_atomic(dfd, want->name, text, strlen(text), 0600, err) < 0)
		goto undo;
	return 0;
undo:
	net_network_remove_locked(run_dir, LXR_SHARED_NET_PROJECT, want->name, &undo);
	return -1;
}

int net_members(const char *run_dir, const char *home, const char *name,
		struct lxr_net_member **out, size_t *n)
{
	struct ep_rec *eps = NULL;
	size_t cnt = 0;
	struct net_rec r;
	lxr_err err;
	int prefix = 0;

	if (net_rec_load(run_dir, home, name, &r, &err) == 0) {
		prefix = r.subnet.prefix;
		net_rec_free(&r);
	}
	net_all_eps_load(run_dir, &eps, &cnt);
	*out = lxr_xcalloc(cnt + 1, sizeof(**out));
	*n = 0;
	for (size_t i = 0; i < cnt; i++) {
		if (!strcmp(eps[i].network, name) && !strcmp(net_ep_home(&eps[i]), home))
			(*out)[(*n)++] = (struct lxr_net_member){
			    lxr_xstrdup(eps[i].project),
			    lxr_xstrdup(eps[i].joins ? eps[i].joins : eps[i].container), eps[i].ip,
			    prefix};
	}
	net_eps_free(eps, cnt);
	return 0;
}

void net_members_free(struct lxr_net_member *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].project);
		free(m[i].container);
	}
	free(m);
}

int net_def_remove(const char *run_dir, const char *name, lxr_err *err)
{
	_cleanup_close_ int lock = net_lock(run_dir, err);
	_cleanup_free_ char *dir = defs_dir();
	_cleanup_free_ char *path = lxr_xasprintf("%s/%s", dir, name);

	if (lock < 0)
		return -1;
	if (!net_def_exists(name))
		return lxr_fail(err, ENOENT, "no such network: %s", name);
	/* EBUSY naming a container while one is on it */
	if (net_network_remove_locked(run_dir, LXR_SHARED_NET_PROJECT, name, err) < 0)
		return lxr_err_hint(err,
				    "stop or remove the containers on it first (lxr "
				    "network inspect %s lists them)",
				    name);
	if (unlink(path) < 0 && errno != ENOENT)
		return lxr_fail(err, errno, "remove %s", path);
	return 0;
}

char **net_project_guests(const char *run_dir, const char *project)
{
	char **v = lxr_xcalloc(1, sizeof(char *));
	struct ep_rec *eps = NULL;
	size_t n = 0;

	/* lxr's own (_run, _net): their guests are no stack's one-offs */
	if (project[0] == '_')
		return v;
	net_all_eps_load(run_dir, &eps, &n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(eps[i].project, NET_RUN_PROJECT) &&
		    !strcmp(net_ep_home(&eps[i]), project))
			lxr_strv_push(&v, lxr_xstrdup(eps[i].container));
	net_eps_free(eps, n);
	return v;
}

/* The projects whose networks docker compose would list ("<project>_<name>"):
 * a stack's, while it is up (its records are in the run dir); not lxr
 * run's nor the shared ones (their names start with '_'). */
char **net_project_network_names(const char *run_dir)
{
	_cleanup_strv_ char **projects = net_projects(run_dir);
	char **v = lxr_xcalloc(1, sizeof(char *));

	for (size_t p = 0; projects[p]; p++) {
		if (projects[p][0] == '_')
			continue;
		_cleanup_strv_ char **names = net_rec_names(run_dir, projects[p], "networks");
		for (size_t i = 0; names[i]; i++)
			lxr_strv_push(&v, net_network_docker_name(projects[p], NULL, names[i]));
	}
	return v;
}

/* A network's record as the definition `lxr network inspect` shows. */
static void rec_def(const struct net_rec *r, const char *name, struct lxr_net_def *out)
{
	char sn[19], gw[16];

	out->name = lxr_xstrdup(name);
	out->subnet = lxr_xstrdup(net_subnet_str(&r->subnet, sn));
	out->gateway = lxr_xstrdup(net_ip_str(r->gateway, gw));
	out->internal = r->internal;
	out->mtu = r->mtu;
	out->ip_range = lxr_xstrdup(r->ip_range);
	out->ip_range6 = lxr_xstrdup(r->ip_range6);
	for (size_t i = 0; r->aux && r->aux[i]; i++)
		lxr_strv_push(&out->aux, lxr_xstrdup(r->aux[i]));
	out->labels = lxr_xcalloc(1, sizeof(char *));
	out->options = lxr_xcalloc(1, sizeof(char *));
	if (r->altname[0])
		lxr_strv_push(&out->options, lxr_xasprintf(BRIDGE_NAME_OPT "=%s", r->altname));
	if (r->no_icc)
		lxr_strv_push(&out->options, lxr_xstrdup(NETDRV_ICC "=false"));
	if (r->no_masquerade)
		lxr_strv_push(&out->options, lxr_xstrdup(NETDRV_MASQ "=false"));
	if (r->unprotected)
		lxr_strv_push(&out->options, lxr_xstrdup(NETDRV_GW4 "=nat-unprotected"));
	if (r->unprotected6)
		lxr_strv_push(&out->options, lxr_xstrdup(NETDRV_GW6 "=nat-unprotected"));
	if (r->host_binding) {
		char ip[16];
		lxr_strv_push(&out->options,
			      lxr_xasprintf(NETDRV_HOST_IP "=%s", net_ip_str(r->host_binding, ip)));
	}
	if (net_rec_bridged(r))
		return;
	out->driver = lxr_xstrdup(r->driver);
	if (r->parent[0])
		lxr_strv_push(&out->options, lxr_xasprintf("parent=%s", r->parent));
	lxr_strv_push(&out->options, lxr_xasprintf("%s_mode=%s", r->driver, r->mode));
	if (!strcmp(r->driver, "ipvlan"))
		lxr_strv_push(&out->options, lxr_xasprintf("ipvlan_flag=%s", r->flag));
}

int net_project_network_load(const char *run_dir, const char *name, struct lxr_net_def *out,
			     char **project, lxr_err *err)
{
	_cleanup_strv_ char **projects = net_projects(run_dir);

	memset(out, 0, sizeof(*out));
	for (size_t p = 0; projects[p]; p++) {
		size_t n = strlen(projects[p]);
		struct net_rec r;
		lxr_err e;
		if (projects[p][0] == '_' || strncmp(name, projects[p], n) || name[n] != '_' ||
		    net_def_name_check(name + n + 1, &e) < 0 ||
		    net_rec_load(run_dir, projects[p], name + n + 1, &r, &e) < 0)
			continue;
		rec_def(&r, name, out);
		lxr_strv_push(&out->labels,
			      lxr_xasprintf("com.docker.compose.project=%s", projects[p]));
		lxr_strv_push(&out->labels, lxr_xasprintf("com.docker.compose.network=%s", r.name));
		*project = lxr_xstrdup(projects[p]);
		net_rec_free(&r);
		return 0;
	}
	return lxr_fail(err, ENOENT, "no such network: %s", name);
}

char **net_run_network_names(const char *run_dir)
{
	char **v = net_rec_names(run_dir, NET_RUN_PROJECT, "networks");

	for (size_t i = 0; v[i]; i++) {
		char *name = net_network_docker_name(NET_RUN_PROJECT, NULL, v[i]);
		free(v[i]);
		v[i] = name;
	}
	return v;
}

char *net_network_docker_name(const char *project, const char *net_project, const char *network)
{
	const char *home = net_project ? net_project : project;

	if (!strcmp(home, LXR_SHARED_NET_PROJECT))
		return lxr_xstrdup(network);
	/* lxr run's: its own names, the default one docker's default bridge */
	if (!strcmp(home, NET_RUN_PROJECT))
		return lxr_xstrdup(strcmp(network, NET_RUN_DEFAULT) ? network : NET_RUN_BRIDGE);
	return lxr_xasprintf("%s_%s", home, network);
}

const char *net_run_network_rec(const char *name)
{
	if (!strcmp(name, NET_RUN_BRIDGE))
		return NET_RUN_DEFAULT;
	/* the default one goes by docker's name only */
	return strcmp(name, NET_RUN_DEFAULT) ? name : NULL;
}

int net_run_network_load(const char *run_dir, const char *name, struct lxr_net_def *out,
			 lxr_err *err)
{
	const char *rec = net_run_network_rec(name);
	struct net_rec r;
	lxr_err e;

	memset(out, 0, sizeof(*out));
	if (!rec || net_def_name_check(rec, &e) < 0 ||
	    net_rec_load(run_dir, NET_RUN_PROJECT, rec, &r, &e) < 0)
		return lxr_fail(err, ENOENT, "no such network: %s", name);
	rec_def(&r, name, out);
	net_rec_free(&r);
	return 0;
}
