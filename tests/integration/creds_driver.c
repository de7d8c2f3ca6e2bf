/* Test driver for tests/integration/test_creds.sh: applies one set of
 * process credentials with rt_process_apply_creds, then execs a command,
 * so the script can look at what a container's process ends up with.
 *
 *   creds_driver [--uid N] [--gid N] [--groups A,B] [--bnd HEX] [--eff HEX]
 *                [--prm HEX] [--inh HEX] [--amb HEX] [--nofile SOFT:HARD]
 *                [--nnp] [--seccomp] -- CMD [ARG...]
 *
 * Exits 125 with lxr's error message when applying fails. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "runtime/runtime_internal.h"

static gid_t groups[64];
static struct lxr_rlimit nofile = {RLIMIT_NOFILE, 0, 0};

static void parse_groups(struct lxr_spec *spec, char *arg)
{
	for (char *g; (g = strsep(&arg, ",")) && spec->n_additional_gids < 64;)
		groups[spec->n_additional_gids++] = (gid_t)strtoul(g, NULL, 10);
	spec->additional_gids = groups;
}

static int parse(int argc, char **argv, struct lxr_spec *spec)
{
	static const struct option opts[] = {
	    {"uid", 1, NULL, 'u'}, {"gid", 1, NULL, 'g'},     {"groups", 1, NULL, 'G'},
	    {"bnd", 1, NULL, 'b'}, {"eff", 1, NULL, 'e'},     {"prm", 1, NULL, 'p'},
	    {"inh", 1, NULL, 'i'}, {"amb", 1, NULL, 'a'},     {"nofile", 1, NULL, 'n'},
	    {"nnp", 0, NULL, 'N'}, {"seccomp", 0, NULL, 'S'}, {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'u': spec->uid = (uid_t)strtoul(optarg, NULL, 10); break;
		case 'g': spec->gid = (gid_t)strtoul(optarg, NULL, 10); break;
		case 'G': parse_groups(spec, optarg); break;
		case 'b': spec->caps.bounding = strtoull(optarg, NULL, 16); break;
		case 'e': spec->caps.effective = strtoull(optarg, NULL, 16); break;
		case 'p': spec->caps.permitted = strtoull(optarg, NULL, 16); break;
		case 'i': spec->caps.inheritable = strtoull(optarg, NULL, 16); break;
		case 'a': spec->caps.ambient = strtoull(optarg, NULL, 16); break;
		case 'n':
			if (sscanf(optarg, "%" SCNu64 ":%" SCNu64, &nofile.soft, &nofile.hard) != 2)
				return -1;
			spec->rlimits = &nofile;
			spec->n_rlimits = 1;
			break;
		case 'N': spec->no_new_privileges = true; break;
		case 'S': spec->seccomp_default = true; break;
		default: return -1;
		}
	}
	return optind < argc ? optind : -1;
}

int main(int argc, char **argv)
{
	struct lxr_spec spec = {0};
	lxr_err err = {0};
	char buf[2048];
	int cmd = parse(argc, argv, &spec);

	if (cmd < 0) {
		fprintf(stderr, "usage: creds_driver [options] -- CMD [ARG...]\n");
		return 2;
	}
	if (rt_process_apply_creds(&spec, &err) < 0) {
		fprintf(stderr, "creds_driver: %s\n", lxr_err_str(&err, buf, sizeof(buf)));
		if (err.hint[0])
			fprintf(stderr, "hint: %s\n", err.hint);
		return 125;
	}
	/* as lxr-init does: the soft nofile limit last, just before the exec */
	rt_nofile_settle();
	execvp(argv[cmd], argv + cmd);
	fprintf(stderr, "creds_driver: exec %s: %s\n", argv[cmd], strerror(errno));
	return 127;
}
