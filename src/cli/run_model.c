/* `lxr run`'s options become a one-service stack (JSON, as a compose file
 * would hold it) that the stack loader reads: the values and keys each
 * option writes into it. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/run_opts.h"

/* A value as the stack file would hold it: a literal `$` is `$$`, since
 * the loader interpolates. */
json_t *run_lit(const char *v)
{
	size_t n = 0;
	char *e, *o;
	json_t *j;

	for (const char *p = v; *p; p++)
		n += *p == '$';
	o = e = lxr_xmalloc(strlen(v) + n + 1);
	for (const char *p = v; *p; p++) {
		*o++ = *p;
		if (*p == '$')
			*o++ = '$';
	}
	*o = '\0';
	j = json_string_nocheck(e);
	free(e);
	return j;
}

void run_set(struct run_opts *o, const char *key, json_t *v)
{
	json_object_set_new(o->svc, key, v);
}

void run_push(struct run_opts *o, const char *key, json_t *v)
{
	json_t *a = json_object_get(o->svc, key);

	if (!a) {
		a = json_array();
		json_object_set_new(o->svc, key, a);
	}
	json_array_append_new(a, v);
}
