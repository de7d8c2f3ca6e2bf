/* lxr ls: the projects that are up (a directory under the run dir with a
 * supervisor answering on its control socket), as `docker compose ls`:
 * name, status ("exited(1), running(2)", sorted as compose sorts them)
 * and the stack files they were brought up from
 * (<run_dir>/<project>/stack-files). */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lxr/supervisor.h"

struct ls_args {
	bool all, quiet, json;
	char **names; /* --filter name=RE: any of them */
};

static const struct option longopts[] = {
    {"all", no_argument, NULL, 'a'},          {"quiet", no_argument, NULL, 'q'},
    {"format", required_argument, NULL, 'F'}, {"filter", required_argument, NULL, 'L'},
    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
};

/* --filter name=RE, compose's one filter: the name itself, or a regular
 * expression found in it */
static int add_filter(struct ls_args *a, const char *f)
{
	const char *why;

	if (strncmp(f, "name=", 5)) {
		fprintf(stderr,
			"lxr: error: ls: --filter %s: invalid filter (ls filters on name=)\n", f);
		return -1;
	}
	if (lxr_re_check(f + 5, &why) < 0) {
		fprintf(stderr, "lxr: error: ls: --filter %s: %s\n", f, why);
		return -1;
	}
	lxr_strv_push(&a->names, lxr_xstrdup(f + 5));
	return 0;
}

static int parse(int argc, char **argv, struct ls_args *a)
{
	int c;

	optind = 0;
	opterr = 0;
	while ((c = cli_getopt_long(argc, argv, "aqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': a->all = true; break;
		case 'q': a->quiet = true; break;
		case 'F':
			if (strcmp(optarg, "json") && strcmp(optarg, "table"))
				return fprintf(stderr,
					       "lxr: error: ls: --format %s: use json or table\n",
					       optarg),
				       -1;
			a->json = !strcmp(optarg, "json");
			break;
		case 'L':
			if (add_filter(a, optarg) < 0)
				return -1;
			break;
		case 'h': return fputs(cli_help("ls"), stdout), 1;
		default: cli_bad_option(argv[optind - 1], longopts, cli_help("ls")); return -1;
		}
	}
	if (optind < argc)
		return fprintf(stderr, "lxr: error: ls: %s: ls takes no names\n%s", argv[optind],
			       cli_help("ls")),
		       -1;
	return 0;
}

static bool wanted(const struct ls_args *a, const char *name)
{
	bool yes = !a->names;

	for (size_t i = 0; !yes && a->names[i]; i++)
		yes = !strcmp(a->names[i], name) || lxr_re_search(a->names[i], name);
	return yes;
}

/* compose's word for an lxr state */
static const char *word_of(const char *st)
{
	if (!strcmp(st, "running") || !strcmp(st, "healthy") || !strcmp(st, "unhealthy") ||
	    !strcmp(st, "starting"))
		return "running";
	if (!strcmp(st, "exited") || !strcmp(st, "stopped") || !strcmp(st, "failed"))
		return "exited";
	if (!strcmp(st, "backoff"))
		return "restarting";
	return st;
}

struct word_count {
	const char *word;
	int count;
};

static int by_word(const void *a, const void *b)
{
	return strcmp(((const struct word_count *)a)->word, ((const struct word_count *)b)->word);
}

/* "exited(1), running(2)": each word once with its count, sorted, as
 * compose's combinedStatus; without all (-a) only what docker ps lists
 * without -a (running, paused, restarting), as compose's List asks */
static char *status_of(json_t *ps, bool all)
{
	struct word_count w[16];
	size_t n = 0, i;
	json_t *o;
	char *out = lxr_xstrdup("");

	json_array_foreach(ps, i, o)
	{
		const char *word = word_of(json_string_value(json_object_get(o, "state")) ?: "?");
		size_t k = 0;
		if (!all && strcmp(word, "running") && strcmp(word, "paused") &&
		    strcmp(word, "restarting"))
			continue;
		while (k < n && strcmp(w[k].word, word))
			k++;
		if (k == n && n < 16)
			w[n++] = (struct word_count){word, 0};
		if (k < n)
			w[k].count++;
	}
	qsort(w, n, sizeof(w[0]), by_word);
	for (size_t k = 0; k < n; k++) {
		char *next = lxr_xasprintf("%s%s%s(%d)", out, k ? ", " : "", w[k].word, w[k].count);
		free(out);
		out = next;
	}
	return out;
}

/* A project's ps from its supervisor, NULL when none answers. */
static json_t *project_ps(const char *project)
{
	_cleanup_free_ char *sock = lxr_xasprintf("%s/%s/control.sock", lxr_run_dir(), project);
	struct ctl_conn *conn = NULL;
	json_t *ps = NULL;
	lxr_err err;

	if (ctl_connect(sock, &conn, &err) < 0)
		return NULL;
	if (ctl_call(conn, "ps", json_object(), 30000, &ps, &err) < 0) {
		json_decref(ps);
		ps = NULL;
	}
	ctl_close(conn);
	return ps;
}

/* The project's status ("" with nothing to count), or NULL when no
 * supervisor answers. */
static char *project_status(const char *project, bool all)
{
	json_t *ps = project_ps(project);
	char *status = ps ? status_of(ps, all) : NULL;

	json_decref(ps);
	return status;
}

/* A project directory with nothing in it holds nothing of a project
 * (a one-off's network was made and removed there) */
static bool project_dir_empty(const char *project)
{
	_cleanup_free_ char *dir = lxr_xasprintf("%s/%s", lxr_run_dir(), project);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool empty = fd >= 0 && lxr_dir_is_empty(fd);

	if (fd >= 0)
		close(fd);
	return empty;
}

static char *files_of(const char *project)
{
	char *files = sup_project_files(project);

	if (!files)
		return lxr_xstrdup("");
	for (char *p = files; *p; p++)
		if (*p == '\n')
			*p = p[1] ? ',' : '\0';
	return files;
}

char **cli_projects(void)
{
	DIR *d = opendir(lxr_run_dir());
	struct dirent *de;
	char **v = lxr_xcalloc(1, sizeof(char *));

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.' && de->d_name[0] != '_' &&
		    (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN))
			lxr_strv_push(&v, lxr_xstrdup(de->d_name));
	if (d)
		closedir(d);
	lxr_strv_sort(v);
	return v;
}

static void print_one(const struct ls_args *a, const char *name, const char *status,
		      const char *files, json_t *arr)
{
	if (a->quiet)
		puts(name);
	else if (a->json)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "Name", name, "Status",
						     status, "ConfigFiles", files));
	else
		printf("%-24s %-24s %s\n", name, status, files);
}

int cmd_ls(int argc, char **argv)
{
	struct ls_args a = {0};
	_cleanup_strv_ char **names = NULL;
	json_t *arr = json_array();
	int r = parse(argc, argv, &a);

	if (r != 0) {
		json_decref(arr);
		lxr_strv_free(a.names);
		return r > 0 ? LXR_EXIT_OK : LXR_EXIT_USAGE;
	}
	names = cli_projects();
	if (!a.quiet && !a.json)
		printf("%-24s %-24s %s\n", "NAME", "STATUS", "CONFIG FILES");
	for (size_t i = 0; names[i]; i++) {
		if (!wanted(&a, names[i]))
			continue;
		_cleanup_free_ char *status = project_status(names[i], a.all);
		_cleanup_free_ char *files = files_of(names[i]);
		/* compose lists a project none of whose containers runs with
		 * -a only */
		if (status && !*status && !a.all)
			continue;
		if (!status && (!a.all || project_dir_empty(names[i])))
			continue;
		print_one(&a, names[i], status ? status : "down (supervisor gone)", files, arr);
	}
	if (a.json) {
		/* one line, as compose's formatter prints it */
		char *s = json_dumps(arr, JSON_COMPACT);
		puts(s ? s : "[]");
		free(s);
	}
	json_decref(arr);
	lxr_strv_free(a.names);
	return LXR_EXIT_OK;
}
