/* `lxr run` is a one-service stack: the service run_opts.c wrote is loaded
 * by the stack loader (so an option means exactly what its Compose key
 * means, checked by the same rules) and planned by the plan layer, the one
 * author of what a container runs. What is `lxr run`'s own is how the plan
 * is carried out: the container's name (not "<service>-1"), the "_run"
 * cgroup group, --rm's throw-away layer, -t and -i. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli/run_image.h"
#include "cli/run_opts.h"
#include "lxr/config_runnable.h"
#include "lxr/image.h"
#include "lxr/net.h"
#include "lxr/supervisor.h"

#define RUN_GROUP "_run"

/* The document in a memfd the loader reads as /proc/self/fd/N. */
static int load(struct run_opts *o, struct cfg_stack **st, lxr_err *err)
{
	json_t *doc = json_pack("{s:s, s:{s:O}}", "name", "lxr-run", "services", o->name, o->svc);

	if (o->volumes)
		json_object_set(doc, "volumes", o->volumes);
	/* the service's entry for its network (--ip, --network-alias, ...)
	 * on a network of lxr network create: compose's external network,
	 * whose subnet is its definition's, checked when the container joins */
	if (json_object_get(o->svc, "networks") && o->network && net_def_exists(o->network))
		json_object_set_new(doc, "networks",
				    json_pack("{s:{s:b, s:o}}", "default", "external", 1, "name",
					      run_lit(o->network)));
	_cleanup_free_ char *text = json_dumps(doc, JSON_SORT_KEYS);
	_cleanup_free_ char *path = NULL, *cwd = o->cwd ? lxr_xstrdup(o->cwd) : getcwd(NULL, 0);
	struct cfg_diags d = {0};
	int fd = memfd_create("lxr-run.json", MFD_CLOEXEC), r;

	json_decref(doc);
	if (!text) {
		if (fd >= 0)
			close(fd);
		return lxr_fail(err, EINVAL, "the options as a Compose service (not UTF-8 text?)");
	}
	if (fd < 0)
		return lxr_fail(err, errno, "memfd_create for the run's stack");
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		return lxr_fail(err, errno, "write the run's stack to its memfd");
	}
	path = lxr_xasprintf("/proc/self/fd/%d", fd);
	struct cfg_load_opts lo = {.file = path, .cwd = cwd};
	r = cfg_stack_load(&lo, st, &d, err);
	close(fd);
	if (r < 0 && d.n_errors) {
		/* the options were checked one by one; what only the whole
		 * service shows (two settings that disagree) comes here, said
		 * without the memfd's line numbers */
		for (size_t i = 0; i < d.n; i++)
			if (!d.v[i].warning) {
				lxr_fail(err, EINVAL, "%s", d.v[i].msg);
				if (d.v[i].hint)
					lxr_err_hint(err, "%s", d.v[i].hint);
				break;
			}
	}
	for (size_t i = 0; i < d.n; i++)
		if (d.v[i].warning)
			lxr_warn("%s", d.v[i].msg);
	cfg_diags_free(&d);
	/* what the stack loader holds but lxr does not run (a log driver of
	 * docker's plugins, another platform): refused as `up` refuses it */
	if (r == 0 && (*st)->n_unrunnable) {
		const struct cfg_unrunnable *u = (*st)->unrunnable;
		lxr_fail(err, ENOTSUP, "%s", u->msg);
		if (u->hint)
			lxr_err_hint(err, "%s", u->hint);
		cfg_stack_free(*st);
		*st = NULL;
		return -1;
	}
	return r;
}

/* docker run's networking, on the plan's endpoint: the default bridge
 * ("lxr": an address and NAT, no names of other containers), or a named
 * network (made on first use; its containers find each other by name),
 * each gone with its last container; none, host, container:NAME and
 * ns:PATH join no network.
 * The ports are the plan's; the names the container's and its host name. */
static void endpoint(struct run_opts *o)
{
	struct plan_endpoint *ep = &o->plan.net;
	const char *net = o->network;
	const char *host = o->plan.spec.hostname;
	const struct cfg_service *svc = &o->stack->services[0];
	const struct cfg_svc_net *sn = svc->n_networks ? &svc->networks[0] : NULL;

	if (net && (!strcmp(net, "none") || !strcmp(net, "host") ||
		    lxr_str_has_prefix(net, "ns:") || lxr_str_has_prefix(net, "container:"))) {
		free(ep->network);
		ep->network = NULL;
		return;
	}
	if (!net || !strcmp(net, "bridge"))
		net = NET_RUN_DEFAULT;
	free(ep->network);
	ep->network = lxr_xstrdup(net);
	/* the network's are its own (its definition, or the pool's); the
	 * addresses the service's entry gives (--ip, --ip6) stay */
	free(ep->subnet);
	free(ep->gateway);
	ep->subnet = ep->gateway = NULL;
	ep->internal = false;
	ep->peer_names = strcmp(net, NET_RUN_DEFAULT) != 0;
	/* the default bridge stays, as docker0 does: made once, not made and
	 * removed (bridge, nft chains, forwarding) around every container */
	ep->ephemeral = ep->peer_names;
	/* a network made by `lxr network create` (or a stack's name:), as
	 * docker run --network joins one; it stays when the container goes */
	if (ep->peer_names && net_def_exists(net)) {
		ep->net_project = lxr_xstrdup(LXR_SHARED_NET_PROJECT);
		ep->ephemeral = false;
	}
	lxr_strv_free(ep->names);
	ep->names = NULL;
	lxr_strv_push(&ep->names, lxr_xstrdup(o->name));
	if (host && strcmp(host, o->name))
		lxr_strv_push(&ep->names, lxr_xstrdup(host));
	/* --network-alias */
	for (size_t i = 0; sn && i < sn->aliases.n; i++)
		lxr_strv_push(&ep->names, lxr_xstrdup(sn->aliases.v[i].v));
}

void run_carry_process(struct run_opts *o)
{
	struct lxr_spec *s = &o->plan.spec;

	s->reuse_dir = false;
	s->ephemeral_upper = o->rm;
	s->terminal = o->tty;
	if (o->tty)
		rt_console_size_from_tty(s);
	s->open_stdin = o->interactive;
	/* docker: a terminal's TERM unless -e says otherwise */
	if (o->tty) {
		bool has = false;
		for (size_t i = 0; s->env && s->env[i]; i++)
			has |= !strncmp(s->env[i], "TERM=", 5);
		if (!has)
			lxr_strv_push(&s->env, lxr_xstrdup("TERM=xterm"));
	}
}

/* How `lxr run` carries its plan out. */
static void carry(struct run_opts *o)
{
	struct lxr_spec *s = &o->plan.spec;

	free(o->plan.name);
	o->plan.name = lxr_xstrdup(o->name);
	free(s->id);
	s->id = lxr_xstrdup(o->name);
	run_carry_process(o);
	/* podman's --network ns:PATH joins a namespace made elsewhere */
	if (o->network && lxr_str_has_prefix(o->network, "ns:")) {
		s->ns[LXR_NS_NET].create = false;
		free(s->ns[LXR_NS_NET].join_path);
		s->ns[LXR_NS_NET].join_path = lxr_xstrdup(o->network + 3);
	}
	endpoint(o);
	/* in the foreground its mounts go in the detached removal (lxr_spec) */
	s->hold_mounts = o->rm && !o->detach && !o->plan.net.network;
}

/* PORT[-PORT][/tcp|udp], as an image's ExposedPorts names a port lxr
 * publishes */
static bool exposed_port_ok(const char *e)
{
	size_t n = strspn(e, "0123456789");

	if (!n)
		return false;
	if (e[n] == '-') {
		size_t m = strspn(e + n + 1, "0123456789");
		if (!m)
			return false;
		n += 1 + m;
	}
	return !e[n] || !strcmp(e + n, "/tcp") || !strcmp(e + n, "/udp");
}

/* -P: every port the image exposes and every --expose, each on a free
 * host port (compose's "PORT/PROTO"), when the container has an endpoint
 * to publish them on. Loaded again with them. */
static int publish_all(struct run_opts *o, const struct img_image *im, struct cfg_stack **st,
		       lxr_err *err)
{
	json_t *expose = json_object_get(o->svc, "expose"), *v;
	const char *net = o->network;
	size_t i, n = 0;

	if (!o->publish_all ||
	    (net && (!strcmp(net, "none") || !strcmp(net, "host") ||
		     lxr_str_has_prefix(net, "ns:") || lxr_str_has_prefix(net, "container:"))))
		return 0;
	for (i = 0; im && im->config.exposed_ports && im->config.exposed_ports[i]; i++) {
		const char *e = im->config.exposed_ports[i];
		/* the image's word is a container port, nothing more: a host
		 * port or address in it is not the image's to choose */
		if (!exposed_port_ok(e)) {
			lxr_warn("image %s exposes \"%s\": not a port, not published", o->image, e);
			continue;
		}
		run_push(o, "ports", run_lit(e));
		n++;
	}
	json_array_foreach(expose, i, v)
	{
		run_push(o, "ports", json_incref(v));
		n++;
	}
	if (!n)
		return 0;
	cfg_stack_free(*st);
	o->stack = *st = NULL;
	if (load(o, st, err) < 0)
		return -1;
	o->stack = *st;
	free((*st)->project);
	(*st)->project = lxr_xstrdup(RUN_GROUP);
	return 0;
}

void run_keep_image(struct run_opts *o, struct img_image *im)
{
	if (o->img)
		img_image_free(o->img);
	else
		o->img = lxr_xcalloc(1, sizeof(*o->img));
	*o->img = *im;
	memset(im, 0, sizeof(*im));
}

int run_stack_plan(struct run_opts *o, lxr_err *err)
{
	struct cfg_stack *st = NULL;
	struct img_image im = {0};
	struct plan_image pi;
	struct rt_plan_host host;
	const struct cfg_service *svc;
	bool image = run_image_is_ref(o->image);
	int r = -1;

	if (load(o, &st, err) < 0)
		return -1;
	o->stack = st;
	free(st->project);
	st->project = lxr_xstrdup(RUN_GROUP);
	if (image && !o->service && run_image_not_service(o->image, err) < 0)
		goto out;
	if (image && run_image_resolve(o->image, o->name, o->pull, 0, &im, err) < 0)
		goto out;
	if (publish_all(o, image ? &im : NULL, &st, err) < 0)
		goto out;
	svc = &st->services[0];
	if (image) {
		img_plan_image(&im, &pi);
		free(o->image_id);
		o->image_id = im.config_digest[0] ? lxr_xstrdup(im.config_digest) : NULL;
	}
	if (!o->plan_only && run_image_volumes(svc, o->pull, err) < 0)
		goto out;
	if (rt_plan_host(svc, image ? pi.env : NULL, NULL, &host, err) < 0)
		goto out_host;
	rt_spec_init_defaults(&o->plan.spec);
	/* under its own name: its anonymous volumes are +anon/<name> */
	if (plan_instance_build_as(st, svc, 1, o->name, image ? &pi : NULL, &host.p, &o->plan,
				   err) < 0) {
		/* "service NAME": the run has no services to speak of */
		goto out_host;
	}
	rt_plan_host_keep(&host, &o->plan);
	carry(o);
	r = rt_spec_apply_user(&o->plan.spec, o->plan.user, o->plan.group_add, err);
	/* container:NAME's namespaces: the -d run's supervisor joins them at
	 * each start; here, once */
	if (r == 0 && !o->detach)
		r = sup_join_containers(&o->plan, err);
	if (r == 0 && !o->plan_only)
		r = sup_stack_volumes_prepare(st, false, err);
out_host:
	rt_plan_host_free(&host);
out:
	if (image)
		run_keep_image(o, &im);
	return r;
}

void run_anon_volumes_drop(struct run_opts *o)
{
	_cleanup_free_ char *anon = NULL;
	lxr_err err;

	/* a start that failed (the name taken, say) made none: those under
	 * the name are another container's */
	if (!o->rm || !o->stack || !o->started)
		return;
	anon = lxr_xasprintf("%s/volumes/%s/+anon/%s", lxr_data_dir(), o->stack->project, o->name);
	if (lxr_rm_rf(anon, &err) < 0 && err.errnum != ENOENT)
		lxr_err_print(&err);
}
