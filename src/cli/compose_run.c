/* lxr compose run: a one-off container of a stack's service, as docker
 * compose run makes one. The service's settings (image, environment,
 * volumes, networks, secrets, limits) with the command line's merged over
 * them by the stack loader, as an override file is; named
 * <project>-<service>-run-<12 hex>; in the foreground, its exit code
 * lxr's. What it depends on is started first (`up -d` of those services)
 * and waited for as its depends_on conditions say, unless --no-deps. The
 * one-off is carried as `lxr run` carries a container (the "_run" group
 * and state, its stdio, --rm), on the stack's own network: made for it,
 * and gone with it, when the stack is not up. The service's ports are
 * published only with --service-ports, its restart policy is not applied. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/compose_run.h"
#include "cli/run_image.h"
#include "config/text.h"
#include "lxr/image.h"
#include "lxr/net.h"
#include "lxr/supervisor.h"

struct crun {
	bool rm, detach, no_deps, service_ports, use_aliases, tty, no_tty;
	bool build, quiet_pull, quiet_build, remove_orphans;
	int pull; /* sup_up_opts.pull: 0, or 1 + an img_pull_policy */
	const char *name, *entrypoint, *user, *workdir, *service;
	char **env, **volumes, **labels, **publish, **cap_add, **cap_drop;
	char **env_files; /* --env-from-file */
	char **command;   /* NULL: the service's */
};

static void crun_free(struct crun *c)
{
	lxr_strv_free(c->env);
	lxr_strv_free(c->env_files);
	lxr_strv_free(c->volumes);
	lxr_strv_free(c->labels);
	lxr_strv_free(c->publish);
	lxr_strv_free(c->cap_add);
	lxr_strv_free(c->cap_drop);
	lxr_strv_free(c->command);
}

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "lxr: error: compose run: %s%s\n", what, arg);
	fputs("Run `lxr compose run --help` for the options.\n", stderr);
	return LXR_EXIT_USAGE;
}

static const struct option longopts[] = {{"rm", no_argument, NULL, 'R'},
					 {"detach", no_argument, NULL, 'd'},
					 {"name", required_argument, NULL, 'N'},
					 {"env", required_argument, NULL, 'e'},
					 {"env-from-file", required_argument, NULL, 'F'},
					 {"entrypoint", required_argument, NULL, 'E'},
					 {"user", required_argument, NULL, 'u'},
					 {"workdir", required_argument, NULL, 'w'},
					 {"volume", required_argument, NULL, 'v'},
					 {"label", required_argument, NULL, 'l'},
					 {"publish", required_argument, NULL, 'p'},
					 {"service-ports", no_argument, NULL, 'P'},
					 {"use-aliases", no_argument, NULL, 'A'},
					 {"no-deps", no_argument, NULL, 'D'},
					 {"no-TTY", no_argument, NULL, 'T'},
					 {"no-tty", no_argument, NULL, 'T'},
					 /* compose's run takes these spellings too */
					 {"volumes", required_argument, NULL, 'v'},
					 {"labels", required_argument, NULL, 'l'},
					 {"tty", no_argument, NULL, 't'},
					 {"interactive", no_argument, NULL, 'i'},
					 {"cap-add", required_argument, NULL, 'C'},
					 {"cap-drop", required_argument, NULL, 'K'},
					 {"build", no_argument, NULL, 'B'},
					 {"pull", required_argument, NULL, 'U'},
					 {"quiet-pull", no_argument, NULL, 'Q'},
					 {"quiet", no_argument, NULL, 'q'},
					 {"quiet-build", no_argument, NULL, 'b'},
					 {"remove-orphans", no_argument, NULL, 'O'},
					 {"help", no_argument, NULL, 'h'},
					 {NULL, 0, NULL, 0}};

/* What a file's ${VAR} and KEY alone take, as compose's run: the -e
 * variables (K alone: the caller's K), nothing of the caller's else */
static const char *flag_lookup(const char *name, void *ctx)
{
	char *const *env = ctx;
	size_t n = strlen(name);

	for (size_t i = 0; env && env[i]; i++) {
		if (strncmp(env[i], name, n))
			continue;
		if (env[i][n] == '=')
			return env[i] + n + 1;
		if (!env[i][n])
			return getenv(name);
	}
	return NULL;
}

/* Is KEY set by one of env's entries ("KEY=VALUE", or KEY alone) */
static bool has_key(char *const *env, const char *key)
{
	return lxr_strv_getenv(env, key) || lxr_strv_has(env, key);
}

/* --env-from-file: each file's variables in compose's .env syntax, a key
 * the -e ones or an earlier file set left as they set it, as compose's */
static int read_env_files(struct crun *c)
{
	char **env = NULL;

	for (size_t i = 0; c->env_files && c->env_files[i]; i++) {
		const char *path = c->env_files[i];
		_cleanup_free_ char *text = NULL;
		struct cfg_text_diag d = {0};
		struct cfg_env vars = {0};
		size_t len = 0;
		lxr_err err;
		if (lxr_read_file_at(AT_FDCWD, path, &text, &len, &err) < 0) {
			lxr_err_wrap(&err, "compose run --env-from-file");
			lxr_err_print(&err);
			lxr_strv_free(env);
			return LXR_EXIT_USAGE;
		}
		if (cfg_dotenv_parse(text, len, flag_lookup, c->env, &vars, &d) < 0) {
			fprintf(stderr, "lxr: error: compose run: --env-from-file %s:%d: %s\n",
				path, d.line, d.msg);
			lxr_strv_free(env);
			return LXR_EXIT_USAGE;
		}
		for (size_t k = 0; k < vars.n; k++)
			if (!has_key(c->env, vars.v[k].key) && !has_key(env, vars.v[k].key))
				lxr_strv_push(
				    &env, lxr_xasprintf("%s=%s", vars.v[k].key, vars.v[k].value));
		cfg_env_free(&vars);
	}
	for (size_t i = 0; c->env && c->env[i]; i++)
		lxr_strv_push(&env, lxr_xstrdup(c->env[i]));
	lxr_strv_free(c->env);
	c->env = env;
	return 0;
}

/* 0, 1 for --help printed, else an exit code for a usage error */
static int parse(int argc, char **argv, struct crun *c)
{
	int o;

	memset(c, 0, sizeof(*c));
	for (int i = 1; i < argc; i++) {
		char at[16];
		snprintf(at, sizeof(at), "%d", i);
		if (!run_arg_utf8(argv[i]))
			return usage_error(
			    "an argument is not UTF-8 text, which lxr cannot pass on: "
			    "argument ",
			    at);
	}
	optind = 1;
	opterr = 0;
	while ((o = cli_getopt_long(argc, argv, "+de:u:w:v:l:p:PTtiqh", longopts, NULL)) != -1) {
		switch (o) {
		case 'R': c->rm = true; break;
		case 'N': c->name = optarg; break;
		case 'e': lxr_strv_push(&c->env, lxr_xstrdup(optarg)); break;
		case 'F': lxr_strv_push(&c->env_files, lxr_xstrdup(optarg)); break;
		case 'E': c->entrypoint = optarg; break;
		case 'u': c->user = optarg; break;
		case 'w': c->workdir = optarg; break;
		case 'v': lxr_strv_push(&c->volumes, lxr_xstrdup(optarg)); break;
		case 'l': lxr_strv_push(&c->labels, lxr_xstrdup(optarg)); break;
		case 'p': lxr_strv_push(&c->publish, lxr_xstrdup(optarg)); break;
		case 'P': c->service_ports = true; break;
		case 'A': c->use_aliases = true; break;
		case 'D': c->no_deps = true; break;
		case 'T': c->no_tty = true; break;
		case 't': c->tty = true; break;
		case 'i': break; /* stdin is kept open either way, as compose keeps it */
		case 'C': lxr_strv_push(&c->cap_add, lxr_xstrdup(optarg)); break;
		case 'K': lxr_strv_push(&c->cap_drop, lxr_xstrdup(optarg)); break;
		case 'B': c->build = true; break;
		case 'Q': c->quiet_pull = true; break;
		/* compose's: no progress of what starts first, nor of a build */
		case 'q': cli_globals.progress = "quiet"; break;
		case 'b': c->quiet_build = true; break;
		case 'O': c->remove_orphans = true; break;
		case 'U':
			c->pull = img_pull_policy_parse(optarg) + 1;
			if (c->pull <= 0 || !strcmp(optarg, "build"))
				return usage_error("--pull: use always, missing or never, not ",
						   optarg);
			break;
		case 'h': fputs(cli_help("compose-run"), stdout); return 1;
		case 'd': c->detach = true; break;
		default: return usage_error("unknown option or missing value: ", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("no service named", "");
	c->service = argv[optind++];
	for (int i = optind; i < argc; i++)
		lxr_strv_push(&c->command, lxr_xstrdup(argv[i]));
	if (read_env_files(c) != 0)
		return LXR_EXIT_USAGE;
	if (c->name && !run_opts_name_valid(c->name))
		return usage_error("--name: use letters, digits, '_', '.' and '-', starting with a "
				   "letter or digit, not ",
				   c->name);
	return 0;
}

/* A value from the command line, which compose does not interpolate:
 * each $ as the loader reads a literal one, $$. */
static json_t *literal(const char *s)
{
	_cleanup_free_ char *out = lxr_xmalloc(2 * strlen(s) + 1);
	char *o = out;

	for (; *s; s++) {
		if (*s == '$')
			*o++ = '$';
		*o++ = *s;
	}
	*o = '\0';
	return json_string(out);
}

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();

	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, literal(v[i]));
	return a;
}

/* The command line as an override file over the service: the loader
 * checks each value and merges it as compose merges an override (the
 * environment and labels by key, volumes by target, the rest replaced). */
static int override_fd(const struct crun *c, lxr_err *err)
{
	json_t *svc = json_pack("{s:s}", "restart", "no");
	json_t *doc = json_pack("{s:{s:o}}", "services", c->service, svc);
	_cleanup_free_ char *text = NULL;
	int fd;

	if (c->command)
		json_object_set_new(svc, "command", strv_json(c->command));
	if (c->entrypoint)
		json_object_set_new(svc, "entrypoint", literal(c->entrypoint));
	if (c->user)
		json_object_set_new(svc, "user", literal(c->user));
	if (c->workdir)
		json_object_set_new(svc, "working_dir", literal(c->workdir));
	if (c->env)
		json_object_set_new(svc, "environment", strv_json(c->env));
	if (c->volumes)
		json_object_set_new(svc, "volumes", strv_json(c->volumes));
	if (c->labels)
		json_object_set_new(svc, "labels", strv_json(c->labels));
	if (c->cap_add)
		json_object_set_new(svc, "cap_add", strv_json(c->cap_add));
	if (c->cap_drop)
		json_object_set_new(svc, "cap_drop", strv_json(c->cap_drop));
	text = json_dumps(doc, JSON_SORT_KEYS);
	json_decref(doc);
	fd = memfd_create("lxr-compose-run.json", MFD_CLOEXEC);
	if (fd < 0)
		return lxr_fail(err, errno, "memfd_create for compose run's options");
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		return lxr_fail(err, errno, "write compose run's options to their memfd");
	}
	return fd;
}

/* docker compose's name for a one-off: <project>-<service>-run-<12 hex> */
/* The one-off's id: 12 hex digits, its host name as docker's short
 * container id is, and the end of its name. */
static void oneoff_id(char hex[13])
{
	unsigned char r[6];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		abort();
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(hex + 2 * i, 3, "%02x", r[i]);
}

/* A --name that is a container of the stack's (an instance, a
 * container_name) or of lxr run's would share its volumes and files, and
 * the one-off's removal would take them: refused. */
static int name_free(const struct cfg_stack *st, const char *name, lxr_err *err)
{
	_cleanup_free_ char *dir = lxr_xasprintf("%s/_run/%s", lxr_run_dir(), name);

	for (size_t i = 0; i < st->n_services; i++) {
		const struct cfg_service *s = &st->services[i];
		size_t n = strlen(s->name);
		bool instance = !strncmp(name, s->name, n) && name[n] == '-' && name[n + 1] &&
				strspn(name + n + 1, "0123456789") == strlen(name + n + 1);
		if (instance ||
		    (s->host.container_name.v && !strcmp(s->host.container_name.v, name)))
			return lxr_fail(err, EEXIST, "--name %s is service %s's container", name,
					s->name),
			       lxr_err_hint(err, "give the one-off a name of its own");
	}
	if (access(dir, F_OK) == 0)
		return lxr_fail(err, EEXIST, "--name %s: a container of that name exists", name),
		       lxr_err_hint(err, "`lxr rm %s` removes it, or give the one-off another name",
				    name);
	return 0;
}

/* Its host name is its id, as docker's one-off's is, unless the service
 * names one: "<project>-<service>-run-<id>" is often past the kernel's 64. */
static void hostname_set(struct lxr_spec *s, const struct cfg_service *svc, const char *id)
{
	_cleanup_free_ char *was = lxr_xasprintf("HOSTNAME=%s", s->hostname ? s->hostname : "");

	if (svc->hostname.v)
		return;
	for (size_t i = 0; s->env && s->env[i]; i++)
		if (!strcmp(s->env[i], was)) {
			free(s->env[i]);
			s->env[i] = lxr_xasprintf("HOSTNAME=%s", id);
		}
	free(s->hostname);
	s->hostname = lxr_xstrdup(id);
}

/* ---- the one-off's plan -------------------------------------------------- */

/* -p as the plan writes a port (plan_port), checked as lxr run checks it */
static int publish_add(struct plan_endpoint *ep, const char *spec, lxr_err *err)
{
	struct lxr_port p;
	char ip[NET_IP6_STRLEN];

	if (net_port_parse(spec, &p, err) < 0)
		return lxr_err_wrap(err, "-p %s", spec);
	ep->ports = lxr_xrealloc(ep->ports, (ep->n_ports + 1) * sizeof(*ep->ports));
	ep->ports[ep->n_ports++] = (struct plan_port){
	    .host_ip = p.host_v6                ? lxr_xstrdup(net_ip6_str(&p.host_ip6, ip))
		       : p.host_ip || p.v4_only ? lxr_xstrdup(net_ip_str(p.host_ip, ip))
						: NULL,
	    .host_port = p.host_port,
	    .host_end = p.host_end,
	    .ctr_port = p.ctr_port,
	    .ctr_end = p.ctr_end,
	    .udp = p.udp};
	return 0;
}

static void ports_clear(struct plan_endpoint *ep)
{
	for (size_t i = 0; i < ep->n_ports; i++)
		free(ep->ports[i].host_ip);
	free(ep->ports);
	ep->ports = NULL;
	ep->n_ports = 0;
}

/* On the service's network under the one-off's name (with --use-aliases
 * the service's and its aliases too), without the service's address, MAC
 * or ports; a network of the stack's own is joined in its project, made
 * for the one-off (and gone with it) when the stack has not made it. */
/* One network's endpoint as the one-off's: its names, not the service's
 * address or MAC; a network of the stack's own in the stack's project. */
static void oneoff_endpoint(const struct crun *c, const char *project, const struct run_opts *o,
			    struct plan_endpoint *ep)
{
	char **names = NULL;

	lxr_strv_push(&names, lxr_xstrdup(o->name));
	if (o->plan.spec.hostname && strcmp(o->plan.spec.hostname, o->name))
		lxr_strv_push(&names, lxr_xstrdup(o->plan.spec.hostname));
	/* names[0] is the service, [1] its instance, then its aliases */
	for (size_t i = 0; c->use_aliases && ep->names && ep->names[i]; i++)
		if (i != 1)
			lxr_strv_push(&names, lxr_xstrdup(ep->names[i]));
	lxr_strv_free(ep->names);
	ep->names = names;
	free(ep->static_ip);
	free(ep->static_ip6);
	free(ep->mac);
	ep->static_ip = ep->static_ip6 = ep->mac = NULL;
	/* the service's container holds them on the same bridge */
	lxr_strv_free(ep->link_local);
	ep->link_local = NULL;
	if (!ep->net_project) {
		ep->net_project = lxr_xstrdup(project);
		ep->ephemeral = true;
	}
}

static int endpoint(const struct crun *c, const char *project, struct run_opts *o, lxr_err *err)
{
	struct plan_endpoint *ep = &o->plan.net;

	if (!ep->network) {
		if (c->publish || c->service_ports)
			return lxr_fail(err, EINVAL,
					"service \"%s\" is on no network of lxr's: nothing to "
					"publish",
					c->service);
		return 0;
	}
	if (lxr_rootless_uid() >= 0)
		return lxr_fail(err, ENOTSUP,
				"rootless lxr does not run a one-off on a stack's network yet"),
		       lxr_err_hint(err, "run it as root, or give the service "
					 "`network_mode: none` for the one-off");
	if (!c->service_ports)
		ports_clear(ep);
	for (size_t i = 0; c->publish && c->publish[i]; i++)
		if (publish_add(ep, c->publish[i], err) < 0)
			return -1;
	oneoff_endpoint(c, project, o, ep);
	for (size_t i = 0; i < o->plan.n_more_nets; i++)
		oneoff_endpoint(c, project, o, &o->plan.more_nets[i]);
	return 0;
}

/* What a one-off cannot be yet: said, with what to do instead. */
static int refuse_unsupported(const struct crun *c, const struct plan_instance *p, lxr_err *err)
{
	const struct plan_ns_join *j = p->net_of.name   ? &p->net_of
				       : p->pid_of.name ? &p->pid_of
							: &p->ipc_of;

	if (j->name)
		return lxr_fail(err, ENOTSUP,
				"compose run: service \"%s\" joins another container's namespace "
				"(%s); a one-off does not yet",
				c->service, j->name),
		       lxr_err_hint(err, "`lxr exec` a command in the running service instead");
	if (p->n_post_start || p->n_pre_stop)
		lxr_warn("compose run: service \"%s\"'s post_start and pre_stop hooks are not "
			 "run for a one-off",
			 c->service);
	return 0;
}

/* How the one-off is carried: as `lxr run` carries a container. */
static void carry(struct run_opts *o)
{
	struct lxr_spec *s = &o->plan.spec;

	free(s->cgroup_group);
	s->cgroup_group = lxr_xstrdup("_run");
	run_carry_process(o);
	s->hold_mounts = o->rm && !o->plan.net.network;
}

static int plan(const struct crun *c, struct cfg_stack *st, const struct cfg_service *svc,
		const char *id, struct run_opts *o, lxr_err *err)
{
	struct img_image im = {0};
	struct plan_image pi;
	struct rt_plan_host host;
	bool image = !svc->image_is_path;
	int r = -1;

	/* as up pulls it: --pull, else the service's pull_policy (one with
	 * build: has its image from image_ready, built or pulled) */
	bool pulls = !svc->build.set;
	int policy = !pulls    ? IMG_PULL_MISSING
		     : c->pull ? c->pull - 1
		     : svc->pull_policy.v && img_pull_policy_parse(svc->pull_policy.v) >= 0
			 ? img_pull_policy_parse(svc->pull_policy.v)
			 : IMG_PULL_MISSING;
	if (image && run_image_resolve(cfg_service_image(svc), o->name, policy,
				       pulls && !c->pull ? svc->pull_every_us : 0, &im, err) < 0)
		return -1;
	if (image)
		img_plan_image(&im, &pi);
	if (run_image_volumes(svc, policy, err) < 0)
		goto out;
	if (rt_plan_host(svc, image ? pi.env : NULL, st->file, &host, err) < 0) {
		rt_plan_host_free(&host); /* what it found before the error */
		goto out;
	}
	rt_spec_init_defaults(&o->plan.spec);
	if (plan_instance_build_as(st, svc, 1, o->name, image ? &pi : NULL, &host.p, &o->plan,
				   err) == 0 &&
	    refuse_unsupported(c, &o->plan, err) == 0 &&
	    (hostname_set(&o->plan.spec, svc, id), endpoint(c, st->project, o, err) == 0)) {
		rt_plan_host_keep(&host, &o->plan);
		carry(o);
		r = rt_spec_apply_user(&o->plan.spec, o->plan.user, o->plan.group_add, err);
	}
	rt_plan_host_free(&host);
out:
	if (image)
		run_keep_image(o, &im);
	return r;
}

/* The image of a service with build: (or pull_policy), as up makes it. */
static int image_ready(const struct crun *c, struct cfg_stack *st)
{
	const char *const targets[] = {c->service, NULL};
	struct plan_select sel = {NULL, targets, true, false};
	struct cli_up_build b = {.build = c->build,
				 .pull = c->pull,
				 .quiet_pull = c->quiet_pull,
				 .quiet_build = c->quiet_build};
	struct plan_graph *g = NULL;
	lxr_err err;
	int r;

	if (plan_graph_build(st, &sel, &g, &err) < 0)
		return lxr_err_print(&err), LXR_EXIT_USAGE;
	r = cli_up_build(st, g, &b);
	plan_graph_free(g);
	return r;
}

int compose_run_prepare(int argc, char **argv, struct run_opts *o)
{
	_cleanup_free_ char *path = NULL;
	struct cfg_stack *st = NULL;
	const struct cfg_service *svc;
	struct crun c;
	char id[13];
	lxr_err err;
	int fd, r = parse(argc, argv, &c);

	memset(o, 0, sizeof(*o));
	if (r != 0) {
		crun_free(&c);
		return r == 1 ? -1 : r;
	}
	/* the file as it is first: its own errors, and a service it has */
	r = cli_stack_open(cli_globals.file, cli_globals.project, &st);
	if (r == LXR_EXIT_OK && !cfg_stack_service(st, c.service)) {
		fprintf(stderr, "lxr: error: no such service: %s\n", c.service);
		r = LXR_EXIT_FAIL;
	}
	cfg_stack_free(st);
	st = NULL;
	if (r != LXR_EXIT_OK) {
		crun_free(&c);
		return r;
	}
	fd = override_fd(&c, &err);
	if (fd < 0) {
		crun_free(&c);
		return lxr_err_print(&err), LXR_EXIT_FAIL;
	}
	path = lxr_xasprintf("/proc/self/fd/%d", fd);
	cli_stack_extra_override(path);
	r = cli_stack_open(cli_globals.file, cli_globals.project, &st);
	cli_stack_extra_override(NULL);
	close(fd);
	if (r != LXR_EXIT_OK)
		goto out;
	svc = cfg_stack_service(st, c.service);
	o->rm = c.rm;
	/* -d: in the background under a supervisor of its own, as `lxr run -d`
	 * runs a container; a terminal only when -t asks for one */
	o->detach = c.detach;
	o->service = c.service;
	o->interactive = !c.detach;
	o->tty = c.tty || (!c.detach && !c.no_tty && isatty(STDIN_FILENO));
	oneoff_id(id);
	o->name = c.name ? lxr_xstrdup(c.name)
			 : lxr_xasprintf("%s-%s-run-%s", st->project, c.service, id);
	if (name_free(st, o->name, &err) < 0) {
		lxr_err_print(&err);
		r = LXR_EXIT_FAIL;
		goto out;
	}
	r = image_ready(&c, st);
	if (r == LXR_EXIT_OK && !c.no_deps) {
		struct compose_deps d = {c.pull, c.quiet_pull, c.remove_orphans};
		r = compose_run_deps(svc, &d);
	}
	if (r != LXR_EXIT_OK)
		goto out;
	/* from here on what is made for the one-off goes with it */
	cli_signals_hold();
	if (plan(&c, st, svc, id, o, &err) < 0 || sup_plan_host_dirs(o->plan.host_dirs, &err) < 0 ||
	    sup_plan_write_files(&o->plan, &err) < 0 ||
	    sup_stack_volumes_prepare(st, false, &err) < 0) {
		lxr_err_print(&err);
		compose_run_finish(o);
		r = 125;
		goto out;
	}
	o->stack = st;
	st = NULL;
out:
	cfg_stack_free(st);
	crun_free(&c);
	return r;
}

/* What the one-off left beside its container: its secrets' files, with
 * --rm its anonymous volumes, and the project's run directory its network
 * was made in, while empty (the stack is not up). */
void compose_run_finish(struct run_opts *o)
{
	_cleanup_free_ char *top =
	    o->stack ? lxr_xasprintf("%s/%s", lxr_run_dir(), o->stack->project) : NULL;

	for (size_t i = 0; i < o->plan.n_files; i++) {
		_cleanup_free_ char *dir = lxr_xstrdup(o->plan.files[i].path);
		unlink(o->plan.files[i].path);
		/* <run dir>/<project>/+files/<name>/<kind>s/<file>: up to the
		 * project's run directory, while empty (the stack is not up) */
		for (int up = 0; up < 4; up++) {
			char *slash = strrchr(dir, '/');
			if (!slash)
				break;
			*slash = '\0';
			if (rmdir(dir) < 0)
				break;
		}
	}
	run_anon_volumes_drop(o);
	if (top)
		rmdir(top);
}
