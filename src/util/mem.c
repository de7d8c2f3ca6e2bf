/* Allocation, strings and string vectors. Out of memory aborts: there is no
 * useful error to report and no state worth saving at that point. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lxr/util.h"

static void *oom(void)
{
	fputs("lxr: out of memory\n", stderr);
	abort();
}

void *lxr_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	return p ? p : oom();
}

void *lxr_xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	return p ? p : oom();
}

void *lxr_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	return q ? q : oom();
}

char *lxr_xstrdup(const char *s)
{
	char *p = s ? strdup(s) : NULL;
	return (p || !s) ? p : oom();
}

char *lxr_xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	return p ? p : oom();
}

char *lxr_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&p, fmt, ap);
	va_end(ap);
	return r < 0 ? oom() : p;
}

bool lxr_str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool lxr_path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (!path[n] || path[n] == '/');
}

int lxr_dirent_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

bool lxr_ifname_valid(const char *name)
{
	size_t n = strlen(name);

	if (!n || n > 15 || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (const char *p = name; *p; p++)
		if (isspace((unsigned char)*p) || strchr("/:%", *p))
			return false;
	return true;
}

bool lxr_str_has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

size_t lxr_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), rows[3][64];
	size_t *two = rows[0], *one = rows[1], *cur = rows[2];

	if (la >= 63 || lb >= 63)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		one[j] = j;
	/* Levenshtein with adjacent transpositions as one edit ("wbe" is one
	 * from "web"), the optimal string alignment distance */
	for (size_t i = 1; i <= la; i++) {
		size_t *t;
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t best = one[j - 1] + (a[i - 1] != b[j - 1]);
			if (one[j] + 1 < best)
				best = one[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    two[j - 2] + 1 < best)
				best = two[j - 2] + 1;
			cur[j] = best;
		}
		t = two;
		two = one;
		one = cur;
		cur = t;
	}
	return one[lb];
}

const char *lxr_did_you_mean(const char *word, const char *const *cands, size_t n, size_t limit)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;

	/* A third of the word's length, at least 1 and at most 3 edits: catches
	 * "restrat" and "enviroment" without suggesting "user" for "uts". */
	if (!limit) {
		limit = strlen(word) / 3;
		limit = limit < 1 ? 1 : limit > 3 ? 3 : limit;
	}
	for (size_t i = 0; i < n; i++) {
		size_t d = cands[i] ? lxr_edit_distance(word, cands[i]) : (size_t)-1;
		if (d < best_d && strcmp(word, cands[i])) {
			best_d = d;
			best = cands[i];
		}
	}
	return best_d <= limit ? best : NULL;
}

void lxr_freep(void *p)
{
	free(*(void **)p);
}

void lxr_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

void lxr_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

size_t lxr_strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

static int strv_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void lxr_strv_sort(char **v)
{
	if (v)
		qsort(v, lxr_strv_len(v), sizeof(*v), strv_cmp);
}

void lxr_strv_push(char ***v, char *s)
{
	size_t n = lxr_strv_len(*v);
	*v = lxr_xrealloc(*v, (n + 2) * sizeof(char *));
	(*v)[n] = s;
	(*v)[n + 1] = NULL;
}

const char *lxr_strv_getenv(char *const *env, const char *key)
{
	size_t n = strlen(key);

	for (size_t i = 0; env && env[i]; i++)
		if (!strncmp(env[i], key, n) && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

void lxr_strv_setenv(char ***env, const char *kv)
{
	size_t kl = strcspn(kv, "=");

	for (size_t i = 0; *env && (*env)[i]; i++)
		if (!strncmp((*env)[i], kv, kl) && (*env)[i][kl] == '=') {
			free((*env)[i]);
			(*env)[i] = lxr_xstrdup(kv);
			return;
		}
	lxr_strv_push(env, lxr_xstrdup(kv));
}

int lxr_go_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True"};
	static const char *const no[] = {"0", "f", "F", "false", "FALSE", "False"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++) {
		if (!strcmp(v, yes[i]))
			return *out = true, 0;
		if (!strcmp(v, no[i]))
			return *out = false, 0;
	}
	return -1;
}

bool lxr_strv_has(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

char **lxr_strv_dup(char *const *v)
{
	size_t n = lxr_strv_len(v);
	char **r = lxr_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		r[i] = lxr_xstrdup(v[i]);
	return r;
}

void lxr_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void lxr_strvfreep(char ***v)
{
	lxr_strv_free(*v);
}

char *lxr_strv_join(char *const *v, const char *sep)
{
	size_t len = 1, sl = strlen(sep), n = 0;
	char *out;

	for (size_t i = 0; v && v[i]; i++)
		len += strlen(v[i]) + (i ? sl : 0);
	out = lxr_xmalloc(len);
	for (size_t i = 0; v && v[i]; i++) {
		if (i) {
			memcpy(out + n, sep, sl);
			n += sl;
		}
		memcpy(out + n, v[i], strlen(v[i]));
		n += strlen(v[i]);
	}
	out[n] = '\0';
	return out;
}
