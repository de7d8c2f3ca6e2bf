/* What `lxr down` says, as docker compose down: each container and network
 * it removed ("Container web-1  Removed"), redrawn marks on a terminal,
 * plain lines otherwise; a warning when there was nothing to remove. A dry
 * run (`down --dry-run`) says the same with compose's "DRY-RUN MODE - "
 * before each line, and removes nothing. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lxr/config.h"
#include "lxr/supervisor.h"

/* A supervisor that ended without down (killed) left its containers'
 * directories, each with its state record: what down removes, by name */
static void left_by_a_crash(const char *dir, char ***names)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *state = lxr_xasprintf("%s/%s/state", dir, de->d_name);
		if (de->d_name[0] != '.' && de->d_type == DT_DIR && access(state, F_OK) == 0)
			lxr_strv_push(names, lxr_xstrdup(de->d_name));
	}
	if (d)
		closedir(d);
	lxr_strv_sort(*names);
}

char **cli_down_before(const char *project)
{
	_cleanup_free_ char *sock = lxr_xasprintf("%s/%s/control.sock", lxr_run_dir(), project);
	_cleanup_free_ char *dir = lxr_xasprintf("%s/%s", lxr_run_dir(), project);
	char **names = lxr_xcalloc(1, sizeof(char *));
	struct ctl_conn *conn = NULL;
	json_t *ps = NULL, *o;
	lxr_err err;
	size_t i;

	if (access(dir, F_OK) != 0) {
		free(names);
		return NULL; /* nothing of the project's here */
	}
	if (access(sock, F_OK) != 0)
		return names;
	if (ctl_connect(sock, &conn, &err) < 0) {
		left_by_a_crash(dir, &names);
		return names;
	}
	/* by docker's names, as compose's progress names them */
	if (ctl_call(conn, "ps", json_object(), 30000, &ps, &err) == 0)
		json_array_foreach(ps, i, o) lxr_strv_push(&names, lxr_xstrdup(cli_ps_name(o)));
	json_decref(ps);
	ctl_close(conn);
	return names;
}

static bool dry_run;

static void line(const char *kind, const char *name)
{
	cli_done_line(kind, name, "Removed", dry_run);
}

/* down -v: each of vols that went */
static void volumes_gone(char *const *vols)
{
	_cleanup_strv_ char **own = sup_project_volume_names();

	for (size_t i = 0; vols && vols[i]; i++)
		if (dry_run ? sup_volume_exists(vols[i])
			    : !sup_volume_exists(vols[i]) && !lxr_strv_has(own, vols[i]))
			line("Volume", vols[i]);
}

void cli_down_report(const char *project, char **before, const struct cfg_stack *st,
		     char *const *vols, bool dry)
{
	dry_run = dry;
	if (cli_progress_setting() == 3)
		return;
	if (!before && !(vols && vols[0])) {
		fprintf(stderr, "lxr: warning: no resource found to remove for project \"%s\"\n",
			project);
		return;
	}
	if (!before) {
		volumes_gone(vols);
		return;
	}
	/* ps lists instances in start order; down stops them in reverse */
	for (size_t i = lxr_strv_len(before); i-- > 0;)
		line("Container", before[i]);
	volumes_gone(vols);
	for (size_t i = 0; st && i < st->n_networks; i++) {
		_cleanup_free_ char *n = NULL;
		const struct cfg_network *net = &st->networks[i];
		/* external, or named (it may outlive the project, shared with
		 * another): not said to be removed */
		if ((!net->driver.v && !net->implicit) || net->external.v || net->host_name.v)
			continue;
		n = lxr_xasprintf("%s_%s", project, st->networks[i].name);
		line("Network", n);
	}
}
