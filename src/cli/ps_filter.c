/* ps's filters, as docker compose's: only the running containers unless
 * -a or a status is asked for, --status (compose's words or lxr's states),
 * --filter service=, name= and label=. Each keeps the entries of the
 * supervisor's answer that hold. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lxr/config.h"

/* ps --status: compose's words as lxr's states, and lxr's own */
const char cli_ps_states[] =
    " created starting running healthy unhealthy exited backoff stopping stopped failed paused ";
static const struct {
	const char *word, *states;
} compose_status[] = {
    {"running", " running healthy unhealthy "},
    {"restarting", " backoff restarting "}, /* an lxr run container's own word */
    {"removing", " stopping "},
    {"exited", " exited stopped failed "},
    {"created", " created starting "},
    {"dead", " failed "},
    {"paused", " paused "},
};

/* " a b " holds word */
static bool in_list(const char *list, const char *word)
{
	_cleanup_free_ char *w = lxr_xasprintf(" %s ", word);

	return strstr(list, w) != NULL;
}

static const char *status_states(const char *status)
{
	for (size_t i = 0; i < sizeof(compose_status) / sizeof(compose_status[0]); i++)
		if (!strcmp(status, compose_status[i].word))
			return compose_status[i].states;
	return in_list(cli_ps_states, status) ? status : NULL;
}

/* What docker ps and compose ps list without -a: the containers docker
 * counts as running (running, paused, restarting), so that a script's
 * `[ -n "$(lxr ps -q db)" ]` says whether db runs. lxr's starting and
 * stopping are in: their process is there, as docker's is until it has
 * exited. `lxr run` containers say restarting themselves. */
static const char running_states[] =
    " starting running healthy unhealthy backoff restarting stopping paused ";

bool cli_ps_status_known(const char *word)
{
	return status_states(word) != NULL;
}

/* only the entries whose state is in list (" a b ") */
static void filter_states(json_t **result, const char *list)
{
	json_t *kept = json_array(), *o;
	size_t i;

	json_array_foreach(*result, i, o)
	{
		const char *st = json_string_value(json_object_get(o, "state"));
		if (st && in_list(list, st))
			json_array_append(kept, o);
	}
	json_decref(*result);
	*result = kept;
}

/* ps --filter name=PART and label=KEY[=VALUE]: every one given holds, as
 * docker's (a label's value is matched whole) */
static bool labels_hold(json_t *labels, char *const *want)
{
	for (size_t k = 0; want && want[k]; k++) {
		const char *eq = strchr(want[k], '=');
		_cleanup_free_ char *key =
		    eq ? lxr_xstrndup(want[k], (size_t)(eq - want[k])) : lxr_xstrdup(want[k]);
		json_t *v = json_object_get(labels, key);
		if (!v || (eq && strcmp(json_string_value(v) ?: "", eq + 1)))
			return false;
	}
	return true;
}

const char *cli_ps_name(json_t *o)
{
	const char *n = json_string_value(json_object_get(o, "name"));
	return n ? n : json_string_value(json_object_get(o, "instance"));
}

static void filter_name_label(json_t **result, char *const *names, char *const *labels)
{
	json_t *kept = json_array(), *o;
	size_t i;

	json_array_foreach(*result, i, o)
	{
		const char *n = cli_ps_name(o) ?: "";
		bool ok = labels_hold(json_object_get(o, "labels"), labels);
		for (size_t k = 0; ok && names && names[k]; k++)
			ok = strstr(n, names[k]) != NULL;
		if (ok)
			json_array_append(kept, o);
	}
	json_decref(*result);
	*result = kept;
}

/* ps --filter service=NAME (repeatable: any of them) */
static void filter_service(json_t **result, char **names)
{
	json_t *kept = json_array(), *o;
	size_t i;

	json_array_foreach(*result, i, o)
	{
		const char *svc = json_string_value(json_object_get(o, "service"));
		for (size_t k = 0; svc && names[k]; k++)
			if (!strcmp(names[k], svc)) {
				json_array_append(kept, o);
				break;
			}
	}
	json_decref(*result);
	*result = kept;
}

void cli_ps_filter(json_t **result, char *const *status, bool all, char **services,
		   char *const *names, char *const *labels)
{
	/* a status asked for decides alone, as compose's (ps --status
	 * exited lists the exited ones without -a); several: any of them */
	if (status && status[0]) {
		_cleanup_free_ char *list = lxr_xstrdup(" ");
		for (size_t i = 0; status[i]; i++) {
			char *more = lxr_xasprintf("%s%s ", list, status_states(status[i]));
			free(list);
			list = more;
		}
		filter_states(result, list);
	} else if (!all) {
		filter_states(result, running_states);
	}
	if (services)
		filter_service(result, services);
	if (names || labels)
		filter_name_label(result, names, labels);
}

int cli_ps_file_services(const char *file, const char *project, char ***out)
{
	struct cfg_stack *st = NULL;
	int r = file || !project ? cli_stack_open(file, NULL, &st) : LXR_EXIT_USAGE;

	if (r == LXR_EXIT_USAGE && !st)
		fprintf(stderr, "lxr: error: ps --orphans=false: the stack file says which "
				"services are not orphans\nlxr: hint: give -f FILE\n");
	*out = lxr_xcalloc(1, sizeof(char *));
	for (size_t i = 0; st && i < st->n_services; i++)
		lxr_strv_push(out, lxr_xstrdup(st->services[i].name));
	cfg_stack_free(st);
	return r;
}

void cli_ps_drop_orphans(json_t *result, char *const *services)
{
	for (size_t i = json_array_size(result); i-- > 0;) {
		const char *svc =
		    json_string_value(json_object_get(json_array_get(result, i), "service"));
		if (!svc || !lxr_strv_has(services, svc))
			json_array_remove(result, i);
	}
}

/* key NULL: by docker's name; else by that integer */
static int by_key(const void *a, const void *b, void *key)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	json_int_t i, j;

	if (!key) {
		const char *m = cli_ps_name(x), *n = cli_ps_name(y);
		return strcmp(m ? m : "", n ? n : "");
	}
	i = json_integer_value(json_object_get(x, key));
	j = json_integer_value(json_object_get(y, key));
	return (i > j) - (i < j);
}

void cli_ps_sort_by(json_t *result, const char *key)
{
	size_t n = json_array_size(result);
	_cleanup_free_ json_t **v = lxr_xcalloc(n ? n : 1, sizeof(*v));

	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(result, i));
	qsort_r(v, n, sizeof(*v), by_key, (void *)key);
	json_array_clear(result);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(result, v[i]);
}
