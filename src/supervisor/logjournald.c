/* The journald logging driver's fields, as dockerd's driver makes them:
 * those every record of a container has, in the native protocol's form
 * (NAME=value lines, or its binary form for a value with a newline). The
 * record's own fields and the transport are logfwd.c's. */
#define _GNU_SOURCE
#include <endian.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/logfwd.h"

/* A field's name as dockerd's journald driver makes it from a label's
 * or a variable's: upper case, digits, '_' for the rest, no leading '_'
 * (a name starting with '_' is journald's own) */
static char *field_name(const char *key)
{
	char *out = lxr_xcalloc(1, strlen(key) + 1);
	size_t n = 0;

	for (const char *p = key; *p; p++) {
		char ch = *p;
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		else if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')))
			ch = '_';
		if (n || ch != '_')
			out[n++] = ch;
	}
	return out;
}

/* One field: NAME=value, or, for a value with a newline in it, the
 * protocol's binary form (NAME, a newline, its length in 64-bit little
 * endian, the value): no value can end one field and begin another */
static void put_field(FILE *f, const char *name, const char *v)
{
	uint64_t le = htole64((uint64_t)strlen(v));

	if (!strchr(v, '\n')) {
		fprintf(f, "%s=%s\n", name, v);
		return;
	}
	fprintf(f, "%s\n", name);
	fwrite(&le, 8, 1, f);
	fprintf(f, "%s\n", v);
}

/* Each name (comma-separated) kvs has, as a field; a value with a newline
 * in the protocol's binary form. A name env_names also gives is env's
 * (dockerd's precedence), so labels skip it. */
static void extra_fields(FILE *f, const char *names, char *const *kvs, const char *env_names,
			 char *const *env)
{
	_cleanup_free_ char *copy = lxr_xstrdup(names ? names : "");
	char *save = NULL;

	for (char *k = strtok_r(copy, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
		const char *v = log_fwd_kv(kvs, k);
		_cleanup_free_ char *others = lxr_xasprintf(",%s,", env_names ? env_names : "");
		_cleanup_free_ char *me = lxr_xasprintf(",%s,", k);
		_cleanup_free_ char *name = field_name(k);
		if (!v || !*name || (env_names && strstr(others, me) && log_fwd_kv(env, k)))
			continue;
		put_field(f, name, v);
	}
}

char *log_journald_fields(const struct cfg_logging *l, const struct log_fwd_ids *ids,
			  const char *tag, const char *epoch, size_t *len)
{
	char *out = NULL;
	FILE *f = open_memstream(&out, len);

	put_field(f, "SYSLOG_IDENTIFIER", tag);
	put_field(f, "CONTAINER_TAG", tag);
	put_field(f, "CONTAINER_ID", ids->tag[CFG_LOG_TAG_ID]);
	put_field(f, "CONTAINER_ID_FULL", ids->tag[CFG_LOG_TAG_FULL_ID]);
	put_field(f, "CONTAINER_NAME", ids->tag[CFG_LOG_TAG_NAME]);
	put_field(f, "IMAGE_NAME", ids->tag[CFG_LOG_TAG_IMAGE_NAME]);
	extra_fields(f, cfg_logging_option(l, "labels"), ids->labels, cfg_logging_option(l, "env"),
		     ids->env);
	extra_fields(f, cfg_logging_option(l, "env"), ids->env, NULL, NULL);
	fprintf(f, "CONTAINER_LOG_EPOCH=%s\n", epoch);
	fclose(f);
	return out;
}
