/* lxr network create, ls, rm, inspect, prune: docker's network commands on
 * the networks that outlive a project (src/net/shared.c). */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lxr/net.h"

static int kv_arg(const char *opt, const char *arg, char ***v)
{
	if (!strchr(arg, '=') || arg[0] == '=') {
		fprintf(stderr, "lxr: error: network create %s \"%s\": expected KEY=VALUE\n", opt,
			arg);
		return -1;
	}
	lxr_strv_push(v, lxr_xstrdup(arg));
	return 0;
}

/* What create's flags need of each other: a gateway, a range or an aux
 * address the --subnet of its family (a range or an address inside a
 * subnet lxr would pick cannot be given ahead of it: docker wants the
 * --subnet too), an IPv6 subnet --ipv6. Said on stderr. */
static bool flags_fit(const struct lxr_net_def *d, char *const *aux)
{
	if ((d->gateway && !d->subnet) || (d->gateway6 && !d->subnet6)) {
		fputs("lxr: error: network create --gateway needs --subnet (of its family)\n",
		      stderr);
		return false;
	}
	if ((d->ip_range && !d->subnet) || (d->ip_range6 && !d->subnet6)) {
		fputs("lxr: error: network create --ip-range needs --subnet (of its family)\n",
		      stderr);
		return false;
	}
	for (size_t i = 0; aux[i]; i++)
		if (!(strchr(aux[i], ':') ? d->subnet6 : d->subnet)) {
			fprintf(stderr,
				"lxr: error: network create --aux-address %s needs --subnet (of "
				"its family)\n",
				aux[i]);
			return false;
		}
	if (d->subnet6 && !d->ipv6) {
		fprintf(stderr,
			"lxr: error: network create --subnet %s: an IPv6 subnet needs "
			"--ipv6\n",
			d->subnet6);
		return false;
	}
	return true;
}

/* One option of network create into d and the lists; -1: said why, -2:
 * not one of its options */
static int create_opt(int c, char *arg, struct lxr_net_def *d, char ***opts, char ***labels,
		      char ***aux)
{
	const char *eq;

	switch (c) {
	case 'd':
		if (!strcmp(arg, "bridge"))
			return d->driver = NULL, 0;
		if (!strcmp(arg, "macvlan") || !strcmp(arg, "ipvlan"))
			return d->driver = arg, 0;
		fprintf(
		    stderr,
		    "lxr: error: network create: driver \"%s\" is not supported\nlxr: hint: lxr "
		    "has the bridge (the default), macvlan and ipvlan drivers\n",
		    arg);
		return -1;
	case 'o': return kv_arg("-o", arg, opts);
	case 'l': return kv_arg("--label", arg, labels);
	/* docker's: --subnet and --gateway once per family */
	case 's': *(strchr(arg, ':') ? &d->subnet6 : &d->subnet) = arg; return 0;
	case 'g': *(strchr(arg, ':') ? &d->gateway6 : &d->gateway) = arg; return 0;
	case '6': d->ipv6 = true; return 0;
	case 'i': d->internal = true; return 0;
	case 'r': *(strchr(arg, ':') ? &d->ip_range6 : &d->ip_range) = arg; return 0;
	case 'a':
		/* docker's HOST=IP; the host name only names it */
		eq = strchr(arg, '=');
		if (!eq || eq == arg || !eq[1]) {
			fprintf(stderr,
				"lxr: error: network create --aux-address \"%s\": want HOST=IP\n",
				arg);
			return -1;
		}
		lxr_strv_push(aux, lxr_xstrdup(eq + 1));
		return 0;
	default: return -2;
	}
}

static int create(int argc, char **argv)
{
	static const struct option longopts[] = {{"driver", required_argument, NULL, 'd'},
						 {"opt", required_argument, NULL, 'o'},
						 {"label", required_argument, NULL, 'l'},
						 {"subnet", required_argument, NULL, 's'},
						 {"gateway", required_argument, NULL, 'g'},
						 {"ip-range", required_argument, NULL, 'r'},
						 {"aux-address", required_argument, NULL, 'a'},
						 {"internal", no_argument, NULL, 'i'},
						 {"ipv6", no_argument, NULL, '6'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	_cleanup_strv_ char **opts = lxr_xcalloc(1, sizeof(char *));
	_cleanup_strv_ char **labels = lxr_xcalloc(1, sizeof(char *));
	_cleanup_strv_ char **aux = lxr_xcalloc(1, sizeof(char *));
	struct lxr_net_def d = {0};
	struct lxr_net_pool pool;
	lxr_err err;
	int c;

	optind = 0; /* options among the names too, as docker's */
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "d:o:", longopts, NULL)) != -1) {
		if (c == 'h')
			return fputs(cli_help("network"), stdout), LXR_EXIT_OK;
		int r = create_opt(c, optarg, &d, &opts, &labels, &aux);
		if (r == -2)
			fprintf(stderr, "lxr: error: network create: unknown option %s\n%s",
				argv[optind - 1], cli_help("network"));
		if (r < 0)
			return LXR_EXIT_USAGE;
	}
	if (argc - optind != 1)
		return fputs(cli_help("network"), stderr), LXR_EXIT_USAGE;
	if (!flags_fit(&d, aux))
		return LXR_EXIT_USAGE;
	d.name = argv[optind];
	d.labels = labels;
	d.options = opts;
	d.aux = aux[0] ? aux : NULL;
	net_pool_default(&pool);
	if (net_def_create(lxr_run_dir(), &d, &pool, &err) < 0) {
		lxr_err_print(&err);
		return LXR_EXIT_FAIL;
	}
	puts(d.name);
	return LXR_EXIT_OK;
}

static json_t *kv_json(char *const *kv)
{
	json_t *o = json_object();

	for (size_t i = 0; kv && kv[i]; i++) {
		const char *eq = strchr(kv[i], '=');
		_cleanup_free_ char *k = eq ? lxr_xstrndup(kv[i], (size_t)(eq - kv[i])) : NULL;
		json_object_set_new(o, k ? k : kv[i], json_string(eq ? eq + 1 : ""));
	}
	return o;
}

/* docker network inspect's object, with lxr's containers keyed by
 * "project/container" (several projects share one network). */
static json_t *def_json(const struct lxr_net_def *d, const char *project, const char *rec)
{
	struct lxr_net_member *m = NULL;
	json_t *ctrs = json_object();
	size_t n = 0;

	/* a stack's own network, or lxr run's: its records' name, in its project */
	net_members(lxr_run_dir(), project ? project : LXR_SHARED_NET_PROJECT, rec, &m, &n);
	for (size_t i = 0; i < n; i++) {
		char ip[16];
		_cleanup_free_ char *key = lxr_xasprintf("%s/%s", m[i].project, m[i].container);
		_cleanup_free_ char *addr =
		    lxr_xasprintf("%s/%d", net_ip_str(m[i].ip, ip), m[i].prefix);
		json_object_set_new(ctrs, key,
				    json_pack("{s:s, s:s, s:s}", "Name", m[i].container, "Project",
					      m[i].project, "IPv4Address", addr));
	}
	net_members_free(m, n);
	json_t *config = json_pack("[{s:s}]", "Subnet", d->subnet);

	/* a macvlan or ipvlan network may have none */
	if (strcmp(d->gateway, "0.0.0.0"))
		json_object_set_new(json_array_get(config, 0), "Gateway", json_string(d->gateway));

	if (d->ip_range)
		json_object_set_new(json_array_get(config, 0), "IPRange", json_string(d->ip_range));
	if (d->ipv6 && d->subnet6 && d->gateway6) {
		json_t *c6 = json_pack("{s:s}", "Subnet", d->subnet6);
		if (strcmp(d->gateway6, "::"))
			json_object_set_new(c6, "Gateway", json_string(d->gateway6));
		if (d->ip_range6)
			json_object_set_new(c6, "IPRange", json_string(d->ip_range6));
		json_array_append_new(config, c6);
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:{s:s, s:o}, s:o, s:o, s:o}", "Name",
			 d->name, "Driver", d->driver ? d->driver : "bridge", "Scope", "local",
			 "Created", d->created ? d->created : "", "EnableIPv6", d->ipv6, "Internal",
			 d->internal, "IPAM", "Driver", "default", "Config", config, "Options",
			 kv_json(d->options), "Labels", kv_json(d->labels), "Containers", ctrs);
}

/* A shared network, else a stack's own (<project>_<name>), else one of
 * lxr run's ("bridge", its default); *project is set for the last two,
 * *rec to the name of its records in its project. */
static int load(const char *name, struct lxr_net_def *d, char **project, const char **rec,
		lxr_err *err)
{
	*project = NULL;
	*rec = name;
	if (net_def_exists(name))
		return net_def_load(name, d, err);
	if (net_project_network_load(lxr_run_dir(), name, d, project, err) == 0) {
		*rec = name + strlen(*project) + 1;
		return 0;
	}
	if (net_run_network_load(lxr_run_dir(), name, d, err) < 0)
		return -1;
	*project = lxr_xstrdup(NET_RUN_PROJECT);
	*rec = net_run_network_rec(name);
	return 0;
}

static int ls(int argc, char **argv)
{
	_cleanup_strv_ char **names = NULL;
	bool quiet = false, json = false;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i]))
			return fputs(cli_help("network"), stdout), LXR_EXIT_OK;
		if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
			quiet = true;
		else if (!strcmp(argv[i], "--format") && i + 1 < argc &&
			 !strcmp(argv[i + 1], "json"))
			json = true, i++;
		else
			return fputs(cli_help("network"), stderr), LXR_EXIT_USAGE;
	}
	names = net_def_names();
	/* and the stacks' own while they are up, under compose's names, and
	 * lxr run's (its default one as docker's "bridge") */
	{
		_cleanup_strv_ char **more = net_project_network_names(lxr_run_dir());
		_cleanup_strv_ char **run = net_run_network_names(lxr_run_dir());
		for (size_t i = 0; more[i]; i++)
			lxr_strv_push(&names, lxr_xstrdup(more[i]));
		for (size_t i = 0; run[i]; i++)
			if (!net_def_exists(run[i])) /* a definition of that name wins */
				lxr_strv_push(&names, lxr_xstrdup(run[i]));
		lxr_strv_sort(names);
	}
	if (!quiet && !json)
		printf("%-24s %-8s %-6s %s\n", "NAME", "DRIVER", "SCOPE", "SUBNET");
	for (size_t i = 0; names[i]; i++) {
		_cleanup_free_ char *project = NULL;
		struct lxr_net_def d;
		const char *rec;
		lxr_err err;
		if (quiet) {
			puts(names[i]);
			continue;
		}
		if (load(names[i], &d, &project, &rec, &err) < 0)
			continue;
		if (json) {
			json_t *o = def_json(&d, project, rec);
			char *line = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
			puts(line);
			free(line);
			json_decref(o);
		} else {
			printf("%-24s %-8s %-6s %s\n", d.name, d.driver ? d.driver : "bridge",
			       "local", d.subnet);
		}
		net_def_free(&d);
	}
	return LXR_EXIT_OK;
}

static int rm(int argc, char **argv)
{
	int r = LXR_EXIT_OK;

	if (argc < 2)
		return fputs(cli_help("network"), stderr), LXR_EXIT_USAGE;
	for (int i = 1; i < argc; i++) {
		_cleanup_free_ char *project = NULL;
		struct lxr_net_def d;
		lxr_err err;
		if (cli_is_help(argv[i]))
			return fputs(cli_help("network"), stdout), LXR_EXIT_OK;
		if (!net_def_exists(argv[i]) &&
		    net_project_network_load(lxr_run_dir(), argv[i], &d, &project, &err) == 0) {
			net_def_free(&d);
			fprintf(stderr,
				"lxr: error: network %s is project %s's: it goes with its "
				"stack\nlxr: hint: lxr down -p %s\n",
				argv[i], project, project);
			r = LXR_EXIT_FAIL;
			continue;
		}
		if (!net_def_exists(argv[i]) &&
		    net_run_network_load(lxr_run_dir(), argv[i], &d, &err) == 0) {
			net_def_free(&d);
			fprintf(stderr,
				"lxr: error: network %s is lxr run's: %s\nlxr: hint: lxr network "
				"prune removes it when no container is on it\n",
				argv[i],
				strcmp(argv[i], NET_RUN_BRIDGE)
				    ? "it goes with its last container"
				    : "its default network, kept between runs as docker0 is");
			r = LXR_EXIT_FAIL;
			continue;
		}
		if (net_def_remove(lxr_run_dir(), argv[i], &err) < 0) {
			lxr_err_print(&err);
			r = LXR_EXIT_FAIL;
		} else {
			puts(argv[i]);
		}
	}
	return r;
}

static json_t *inspect_one(const char *name)
{
	_cleanup_free_ char *project = NULL;
	struct lxr_net_def d;
	const char *rec;
	json_t *o;
	lxr_err err;

	if (load(name, &d, &project, &rec, &err) < 0)
		return NULL;
	o = def_json(&d, project, rec);
	net_def_free(&d);
	return o;
}

static int inspect(int argc, char **argv)
{
	return cli_inspect_names(argc, argv, cli_help("network"), "network", inspect_one);
}

static int prune(int argc, char **argv)
{
	_cleanup_strv_ char **names = NULL, **run = NULL;
	lxr_err rerr;
	int r = LXR_EXIT_OK;
	bool said = false;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i]))
			return fputs(cli_help("network"), stdout), LXR_EXIT_OK;
		if (strcmp(argv[i], "-f") && strcmp(argv[i], "--force"))
			return fputs(cli_help("network"), stderr), LXR_EXIT_USAGE;
	}
	names = net_def_names();
	for (size_t i = 0; names[i]; i++) {
		struct lxr_net_member *m = NULL;
		size_t n = 0;
		lxr_err err;
		net_members(lxr_run_dir(), LXR_SHARED_NET_PROJECT, names[i], &m, &n);
		net_members_free(m, n);
		if (n)
			continue;
		if (net_def_remove(lxr_run_dir(), names[i], &err) < 0)
			lxr_err_print(&err);
		else
			cli_pruned("Deleted Networks:", names[i], &said);
	}
	/* lxr run's networks: the default bridge, kept as docker0 is, and
	 * named ones a killed lxr run left; only those no container is on */
	if (net_network_prune(lxr_run_dir(), NET_RUN_PROJECT, &run, &rerr) < 0) {
		lxr_err_print(&rerr);
		r = LXR_EXIT_FAIL;
	}
	for (size_t i = 0; run && run[i]; i++)
		cli_pruned("Deleted Networks:",
			   strcmp(run[i], NET_RUN_DEFAULT) ? run[i] : NET_RUN_BRIDGE, &said);
	return r;
}

int cmd_network(int argc, char **argv)
{
	static const struct cli_sub sub[] = {
	    {"create", create}, {"ls", ls},           {"list", ls},    {"rm", rm},
	    {"remove", rm},     {"inspect", inspect}, {"prune", prune}};

	return cli_subcommand("network", cli_help("network"), sub, sizeof(sub) / sizeof(sub[0]),
			      argc, argv);
}
