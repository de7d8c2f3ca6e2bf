/* .env parsing. Most cases are data: data/dotenv/NAME.env is the file a user
 * writes, data/dotenv/NAME.want what lxr must make of it:
 *
 *   lookup NAME=VALUE          the environment the parse sees
 *   entry LINE KEY=VALUE       the entries, in order, and nothing else
 *   warning LINE:COL TEXT      the diags, in order, and nothing else;
 *   error LINE:COL TEXT        TEXT is a substring of the message
 *
 * VALUE and TEXT take C escapes (\n \t \r \\ \xHH) so a .want file can say
 * what bytes a value holds. A case with an error must produce no entries. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config/text.h"
#include "lxr/util.h"

#define DATA LXR_TEST_DATA "/dotenv"

struct kv {
	char **names, **values;
	size_t n;
};

static const char *kv_lookup(const char *name, void *ctx)
{
	const struct kv *kv = ctx;

	for (size_t i = 0; i < kv->n; i++)
		if (!strcmp(kv->names[i], name))
			return kv->values[i];
	return NULL;
}

static char *unescape(const char *s)
{
	char *out = lxr_xmalloc(strlen(s) + 1), *o = out;

	for (; *s; s++) {
		if (*s != '\\' || !s[1]) {
			*o++ = *s;
			continue;
		}
		switch (*++s) {
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case 'r': *o++ = '\r'; break;
		case 'x':
			*o++ = (char)strtol((char[]){s[1], s[2], 0}, NULL, 16);
			s += 2;
			break;
		default: *o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

struct want {
	struct kv lookup;
	struct kv entries; /* names are keys */
	int *entry_lines;
	struct cfg_text_diag diags[16];
	size_t n_diags;
	bool error;
};

static void kv_push(struct kv *kv, const char *name, size_t nlen, const char *value)
{
	kv->names = lxr_xrealloc(kv->names, sizeof(char *) * (kv->n + 1));
	kv->values = lxr_xrealloc(kv->values, sizeof(char *) * (kv->n + 1));
	kv->names[kv->n] = lxr_xstrndup(name, nlen);
	kv->values[kv->n] = unescape(value);
	kv->n++;
}

static void kv_free(struct kv *kv)
{
	for (size_t i = 0; i < kv->n; i++) {
		free(kv->names[i]);
		free(kv->values[i]);
	}
	free(kv->names);
	free(kv->values);
}

static void want_line(struct want *w, const char *path, char *line)
{
	char *eq;
	int a, b, used = 0;

	line[strcspn(line, "\n")] = '\0';
	if (!*line || *line == '#')
		return;
	if (!strncmp(line, "lookup ", 7) && (eq = strchr(line + 7, '='))) {
		kv_push(&w->lookup, line + 7, (size_t)(eq - line - 7), eq + 1);
	} else if (sscanf(line, "entry %d %n", &a, &used) == 1 && used &&
		   (eq = strchr(line + used, '='))) {
		kv_push(&w->entries, line + used, (size_t)(eq - line - used), eq + 1);
		w->entry_lines = lxr_xrealloc(w->entry_lines, sizeof(int) * w->entries.n);
		w->entry_lines[w->entries.n - 1] = a;
	} else if ((sscanf(line, "warning %d:%d %n", &a, &b, &used) == 2 ||
		    sscanf(line, "error %d:%d %n", &a, &b, &used) == 2) &&
		   used && w->n_diags < 16) {
		struct cfg_text_diag *d = &w->diags[w->n_diags++];
		_cleanup_free_ char *msg = unescape(line + used);

		d->line = a;
		d->col = b;
		d->warning = line[0] == 'w';
		w->error |= !d->warning;
		snprintf(d->msg, sizeof(d->msg), "%s", msg);
	} else {
		fail_msg("%s: cannot read line \"%s\"", path, line);
	}
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;

	if (!f)
		fail_msg("open %s: %s", path, strerror(errno));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	*len = (size_t)ftell(f);
	rewind(f);
	buf = lxr_xmalloc(*len + 1);
	assert_int_equal(fread(buf, 1, *len, f), *len);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static void check_case(const char *name)
{
	_cleanup_free_ char *env_path = lxr_xasprintf("%s/%s.env", DATA, name);
	_cleanup_free_ char *want_path = lxr_xasprintf("%s/%s.want", DATA, name);
	_cleanup_free_ char *text = NULL;
	struct want w = {0};
	struct cfg_env env = {0};
	struct cfg_text_diag d[16];
	size_t len, n = 0;
	char line[1024];
	FILE *f = fopen(want_path, "r");
	int r;

	if (!f)
		fail_msg("%s: no .want file next to it", env_path);
	while (fgets(line, sizeof(line), f))
		want_line(&w, want_path, line);
	fclose(f);
	text = slurp(env_path, &len);

	r = cfg_dotenv_parse_diags(text, len, kv_lookup, &w.lookup, &env, d, 16, &n);
	if (r != (w.error ? -1 : 0))
		fail_msg("%s: returned %d", name, r);
	if (env.n != w.entries.n) {
		for (size_t i = 0; i < env.n; i++)
			print_error("  got entry %d %s=%s\n", env.v[i].line, env.v[i].key,
				    env.v[i].value);
		fail_msg("%s: %zu entries, want %zu", name, env.n, w.entries.n);
	}
	for (size_t i = 0; i < env.n; i++) {
		if (strcmp(env.v[i].key, w.entries.names[i]) ||
		    strcmp(env.v[i].value, w.entries.values[i]) ||
		    env.v[i].line != w.entry_lines[i])
			fail_msg("%s: entry %zu is %d %s=\"%s\", want %d %s=\"%s\"", name, i,
				 env.v[i].line, env.v[i].key, env.v[i].value, w.entry_lines[i],
				 w.entries.names[i], w.entries.values[i]);
	}
	if (n != w.n_diags) {
		for (size_t i = 0; i < n; i++)
			print_error("  got %d:%d %s %s\n", d[i].line, d[i].col,
				    d[i].warning ? "warning" : "error", d[i].msg);
		fail_msg("%s: %zu diags, want %zu", name, n, w.n_diags);
	}
	for (size_t i = 0; i < n; i++) {
		const struct cfg_text_diag *x = &w.diags[i];
		if (d[i].line != x->line || d[i].col != x->col || d[i].warning != x->warning ||
		    !strstr(d[i].msg, x->msg))
			fail_msg("%s: diag %zu is %d:%d %s \"%s\", want %d:%d \"%s\"", name, i,
				 d[i].line, d[i].col, d[i].warning ? "warning" : "error", d[i].msg,
				 x->line, x->col, x->msg);
	}
	cfg_env_free(&env);
	kv_free(&w.lookup);
	kv_free(&w.entries);
	free(w.entry_lines);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void data_cases(void **state)
{
	DIR *dir = opendir(DATA);
	struct dirent *de;
	_cleanup_strv_ char **names = NULL;

	if (!dir)
		fail_msg("opendir %s: %s", DATA, strerror(errno));
	while ((de = readdir(dir))) {
		if (lxr_str_has_suffix(de->d_name, ".env"))
			lxr_strv_push(&names, lxr_xstrndup(de->d_name, strlen(de->d_name) - 4));
	}
	closedir(dir);
	/* a data directory that lost its cases must not pass quietly */
	assert_true(lxr_strv_len(names) >= 20);
	qsort(names, lxr_strv_len(names), sizeof(char *), by_name);
	for (size_t i = 0; names[i]; i++) {
		print_message("[ CASE     ] %s\n", names[i]);
		check_case(names[i]);
	}
}

static const char *one_env(const char *name, void *ctx)
{
	return !strcmp(name, "FROM_ENV") ? "env" : NULL;
}

static void single_diag_api_reports_the_error(void **state)
{
	static const char text[] = "A=$UNSET\nB=${C:?set C in .env}\n";
	struct cfg_env env = {.n = 99};
	struct cfg_text_diag d = {0};

	assert_int_equal(cfg_dotenv_parse(text, strlen(text), one_env, NULL, &env, &d), -1);
	assert_int_equal(env.n, 0);
	assert_null(env.v);
	assert_false(d.warning);
	assert_int_equal(d.line, 2);
	assert_int_equal(d.col, 3);
	assert_non_null(strstr(d.msg, "required variable C is missing a value: set C in .env"));

	assert_int_equal(cfg_dotenv_parse("X=${FROM_ENV}\n", 14, one_env, NULL, &env, &d), 0);
	assert_string_equal(cfg_env_get(&env, "X"), "env");
	assert_null(cfg_env_get(&env, "FROM_ENV"));
	cfg_env_free(&env);
	assert_int_equal(env.n, 0);

	/* no diag storage at all is allowed too */
	assert_int_equal(cfg_dotenv_parse("=x", 2, NULL, NULL, &env, NULL), -1);
	assert_int_equal(cfg_dotenv_parse_diags("=x", 2, NULL, NULL, &env, NULL, 0, NULL), -1);
}

/* A byte-order mark before the first key (editors on Windows write one) is
 * not part of it; U+FEFF elsewhere is no key character. */
static void byte_order_mark(void **state)
{
	static const char bom[] = "\xef\xbb\xbfKEY=v\n";
	static const char inside[] = "A\xef\xbb\xbf=v\n";
	struct cfg_env env = {0};
	struct cfg_text_diag d = {0};

	assert_int_equal(cfg_dotenv_parse(bom, strlen(bom), NULL, NULL, &env, &d), 0);
	assert_string_equal(cfg_env_get(&env, "KEY"), "v");
	cfg_env_free(&env);
	assert_int_equal(cfg_dotenv_parse(inside, strlen(inside), NULL, NULL, &env, &d), -1);
}

static void text_is_length_delimited(void **state)
{
	/* the buffer goes on past len; nothing after it may be read */
	static const char text[] = "A=1\nB=2 and more";
	struct cfg_env env = {0};
	struct cfg_text_diag d;

	assert_int_equal(cfg_dotenv_parse(text, 7, NULL, NULL, &env, &d), 0);
	assert_int_equal(env.n, 2);
	assert_string_equal(cfg_env_get(&env, "B"), "2");
	cfg_env_free(&env);

	assert_int_equal(cfg_dotenv_parse("A=1\0B=2", 7, NULL, NULL, &env, &d), -1);
	assert_int_equal(d.line, 1);
	assert_int_equal(d.col, 4);
	assert_non_null(strstr(d.msg, "NUL byte"));
}

static void huge_file(void **state)
{
	size_t keys = 5000, cap = keys * 40 + (1 << 20) + 64, len = 0;
	_cleanup_free_ char *text = lxr_xmalloc(cap);
	struct cfg_env env = {0};
	struct cfg_text_diag d;

	for (size_t i = 0; i < keys; i++)
		len += (size_t)snprintf(text + len, cap - len, "K%zu=\"v%zu ${K%zu:+y}\"\n", i, i,
					i ? i - 1 : 0);
	/* and one value of a megabyte, unterminated final line */
	len += (size_t)snprintf(text + len, cap - len, "BIG=");
	memset(text + len, 'y', 1 << 20);
	len += 1 << 20;
	assert_int_equal(cfg_dotenv_parse(text, len, NULL, NULL, &env, &d), 0);
	assert_int_equal(env.n, keys + 1);
	assert_string_equal(cfg_env_get(&env, "K0"), "v0 "); /* not set yet when read */
	assert_string_equal(cfg_env_get(&env, "K4999"), "v4999 y");
	assert_int_equal(strlen(cfg_env_get(&env, "BIG")), 1 << 20);
	assert_int_equal(env.v[keys].line, (int)keys + 1);
	cfg_env_free(&env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(data_cases),
	    cmocka_unit_test(single_diag_api_reports_the_error),
	    cmocka_unit_test(text_is_length_delimited),
	    cmocka_unit_test(byte_order_mark),
	    cmocka_unit_test(huge_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
