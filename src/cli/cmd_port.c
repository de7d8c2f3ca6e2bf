/* lxr port SERVICE PRIVATE_PORT[/PROTO]: the host address a container port
 * is published on, as `docker compose port` prints it, from the running
 * stack's ps (its "ports": "IP:HOST[-END]->CTR[-END]/PROTO"). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lxr/supervisor.h"
#include "lxr/util.h"

struct port_args {
	const char *file, *project, *proto;
	long index;
};

static int parse_num(const char *s, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno || end == s || *end || *out < 1 || *out > max ? -1 : 0;
}

static int parse(int argc, char **argv, struct port_args *a)
{
	static const struct option longopts[] = {
	    {"file", required_argument, NULL, 'f'},
	    {"project-name", required_argument, NULL, 'p'},
	    {"protocol", required_argument, NULL, 'P'},
	    {"index", required_argument, NULL, 'i'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	cli_globals_apply(&a->file, &a->project);
	a->proto = "tcp";
	a->index = 1;
	optind = 0; /* options among the names too, as docker's */
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "f:p:", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cli_set_file(&a->file, optarg) < 0)
				return -1;
			break;
		case 'p': a->project = optarg; break;
		case 'P': a->proto = optarg; break;
		case 'i':
			if (parse_num(optarg, 100000, &a->index) < 0) {
				fprintf(stderr, "lxr: error: --index %s: not an instance number\n",
					optarg);
				return -1;
			}
			break;
		case 'h': fputs(cli_help("port"), stdout); return 1;
		default: cli_bad_option(argv[optind - 1], longopts, cli_help("port")); return -1;
		}
	}
	if (argc - optind != 2 && argc - optind != 1) {
		fprintf(stderr, "lxr: error: port takes SERVICE and PRIVATE_PORT\n%s",
			cli_help("port"));
		return -1;
	}
	return 0;
}

/* "80" or "80/udp": *port and *proto (proto stays when none is given) */
static int parse_private(const char *s, long *port, const char **proto)
{
	_cleanup_free_ char *num = lxr_xstrndup(s, strcspn(s, "/"));
	const char *slash = strchr(s, '/');

	if (parse_num(num, 65535, port) < 0)
		return -1;
	if (slash)
		*proto = slash + 1;
	return strcmp(*proto, "tcp") && strcmp(*proto, "udp") ? -1 : 0;
}

/* One ps "ports" entry: the host address of port/proto, or false. */
static bool match(const char *entry, long port, const char *proto, char *out, size_t n)
{
	struct sup_port_mapping m;

	if (!sup_port_mapping(entry, &m) || strcmp(m.proto, proto) || port < (long)m.c1 ||
	    port > (long)m.c2)
		return false;
	snprintf(out, n, "%.*s:%ld", m.ip_len, entry, (long)m.h1 + (port - (long)m.c1));
	return true;
}

static int print_port(json_t *ps, const char *inst, long port, const char *proto)
{
	size_t i, k;
	json_t *o, *p;
	char addr[64];

	json_array_foreach(ps, i, o)
	{
		if (strcmp(json_string_value(json_object_get(o, "instance")) ?: "", inst))
			continue;
		json_array_foreach(json_object_get(o, "ports"), k, p)
		{
			if (match(json_string_value(p) ?: "", port, proto, addr, sizeof(addr))) {
				puts(addr);
				return LXR_EXIT_OK;
			}
		}
		fprintf(stderr,
			"lxr: error: %s does not publish %ld/%s\n"
			"lxr: hint: `ports:` in the stack file says what is published; `lxr ps` "
			"shows it\n",
			inst, port, proto);
		return LXR_EXIT_FAIL;
	}
	fprintf(stderr, "lxr: error: no instance %s (see `lxr ps`; --index N picks one)\n", inst);
	return LXR_EXIT_FAIL;
}

/* docker port NAME: every published port, "80/tcp -> 0.0.0.0:8080", a
 * range's ports one by one */
static int print_all(json_t *ps, const char *inst)
{
	size_t i, k;
	json_t *o, *p;
	struct sup_port_mapping m;

	json_array_foreach(ps, i, o) json_array_foreach(json_object_get(o, "ports"), k, p)
	{
		if (inst && strcmp(json_string_value(json_object_get(o, "instance")) ?: "", inst))
			break;
		const char *e = json_string_value(p) ?: "";
		if (!sup_port_mapping(e, &m))
			continue;
		for (unsigned c = m.c1; c <= m.c2 && c - m.c1 <= m.h2 - m.h1; c++)
			printf("%u/%s -> %.*s:%u\n", c, m.proto, m.ip_len, e, m.h1 + (c - m.c1));
	}
	return LXR_EXIT_OK;
}

/* no stack file here: an `lxr run -d` container's ports, from its own
 * supervisor's ps, or (project) those of a stack's container, named as
 * docker names it */
static int run_port(const char *project, const char *name, const char *private,
		    const struct port_args *a)
{
	_cleanup_free_ char *pname = NULL;
	struct ctl_conn *conn = NULL;
	json_t *ps = NULL;
	const char *proto = a->proto;
	long port = 0;
	lxr_err err;
	int r;

	if (private && parse_private(private, &port, &proto) < 0) {
		fprintf(stderr, "lxr: error: %s: expected PORT or PORT/PROTO (tcp or udp)\n",
			private);
		return LXR_EXIT_USAGE;
	}
	/* one in the foreground of its `lxr run`: what its plan publishes */
	if (!project && name && (ps = runctl_foreground_record(name))) {
		ps = json_pack("[o]", ps);
		r = private ? print_port(ps, name, port, proto) : print_all(ps, NULL);
		json_decref(ps);
		return r;
	}
	r = project ? cli_project_connect(NULL, project, &conn, &pname)
		    : cli_run_connect("port", name, &conn);
	if (r != LXR_EXIT_OK)
		return r;
	if (ctl_call(conn, "ps", json_object(), 30000, &ps, &err) < 0) {
		lxr_err_print(&err);
		r = LXR_EXIT_FAIL;
	} else {
		r = private ? print_port(ps, name, port, proto)
			    : print_all(ps, project ? name : NULL);
	}
	json_decref(ps);
	ctl_close(conn);
	return r;
}

int cmd_port(int argc, char **argv)
{
	struct port_args a = {0};
	_cleanup_free_ char *inst = NULL, *found = NULL;
	char *services[2] = {NULL, NULL};
	json_t *ps = NULL;
	long port;
	int r = parse(argc, argv, &a);

	if (r != 0)
		return r > 0 ? LXR_EXIT_OK : LXR_EXIT_USAGE;
	_cleanup_free_ char *named = NULL;
	char *one[2] = {argv[optind], NULL};
	enum cli_where w = cli_where(&a.file, &a.project, one, &found, &named);
	if (w == CLI_WHERE_FAIL)
		return LXR_EXIT_FAIL;
	if (w != CLI_WHERE_STACK)
		return run_port(named, argv[optind], argv[optind + 1], &a);
	if (!argv[optind + 1]) {
		fprintf(stderr, "lxr: error: port takes SERVICE and PRIVATE_PORT\n%s",
			cli_help("port"));
		return LXR_EXIT_USAGE;
	}
	if (parse_private(argv[optind + 1], &port, &a.proto) < 0) {
		fprintf(stderr, "lxr: error: %s: expected PORT or PORT/PROTO (tcp or udp)\n",
			argv[optind + 1]);
		return LXR_EXIT_USAGE;
	}
	services[0] = argv[optind];
	r = cli_project_ps(a.file, a.project, services, &ps);
	if (r != LXR_EXIT_OK)
		return r;
	/* the container the replica runs in (its container_name, if any) */
	inst = cli_ps_replica(ps, argv[optind], a.index);
	if (!inst)
		inst = lxr_xasprintf("%s-%ld", argv[optind], a.index);
	r = print_port(ps, inst, port, a.proto);
	json_decref(ps);
	return r;
}
