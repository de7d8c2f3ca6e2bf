/* Path name patterns (`*`, `?`, `[...]`), as the shell and glob(3) expand
 * them: component by component, a leading dot matched only by a dot,
 * results sorted. Not glob(3): in the static lxr it pulls getpwnam (for
 * `~user`) and with it NSS and the dynamic loader, a tenth of the binary. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lxr/util.h"

/* One bracket expression at *p ('[' already passed): does c match? *p ends
 * after the closing ']'; false with *p unchanged if there is none. */
static bool bracket(const char **p, char c, bool *matched)
{
	const char *s = *p;
	bool neg = *s == '!' || *s == '^', hit = false;

	if (neg)
		s++;
	for (bool first = true; *s && (first || *s != ']'); first = false) {
		char lo = *s++, hi = lo;
		if (*s == '-' && s[1] && s[1] != ']') {
			hi = s[1];
			s += 2;
		}
		if (lo <= c && c <= hi)
			hit = true;
	}
	if (*s != ']')
		return false;
	*p = s + 1;
	*matched = hit != neg;
	return true;
}

bool lxr_glob_match(const char *pat, const char *name)
{
	const char *star = NULL, *retry = NULL;

	if (*name == '.' && *pat != '.')
		return false;
	while (*name) {
		const char *p = pat;
		bool ok = false;

		if (*p == '*') {
			star = ++pat;
			retry = name;
			continue;
		}
		if (*p == '?') {
			ok = true;
			p++;
		} else if (*p == '[' && (p++, bracket(&p, *name, &ok))) {
			;
		} else {
			p = pat;
			if (*p == '\\' && p[1])
				p++;
			ok = *p && *p == *name;
			p += *p != '\0';
		}
		if (ok) {
			pat = p;
			name++;
		} else if (star) {
			pat = star;
			name = ++retry;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return !*pat;
}

static bool has_magic(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '*' || s[i] == '?' || s[i] == '[')
			return true;
	return false;
}

static char *join(const char *base, const char *name)
{
	if (!*base)
		return lxr_xstrdup(name);
	return lxr_xasprintf("%s%s%s", base, strcmp(base, "/") ? "/" : "", name);
}

/* base (a path that exists, "" for the current directory) joined with
 * every match of rest */
static int expand(const char *base, const char *rest, char ***out, lxr_err *err)
{
	size_t n = strcspn(rest, "/");
	const char *next = rest + n;
	_cleanup_free_ char *part = lxr_xstrndup(rest, n);
	DIR *d;
	struct dirent *e;

	while (*next == '/')
		next++;
	if (!has_magic(rest, n)) {
		_cleanup_free_ char *path = join(base, part);
		struct stat st;
		if (lstat(path, &st) < 0)
			return 0;
		if (!*next)
			lxr_strv_push(out, lxr_xstrdup(path));
		return *next ? expand(path, next, out, err) : 0;
	}
	d = opendir(*base ? base : ".");
	if (!d) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return lxr_fail(err, errno, "opendir %s", *base ? base : ".");
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !lxr_glob_match(part, e->d_name))
			continue;
		_cleanup_free_ char *path = join(base, e->d_name);
		if (!*next)
			lxr_strv_push(out, lxr_xstrdup(path));
		else if (expand(path, next, out, err) < 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

int lxr_glob(const char *pattern, char ***out, lxr_err *err)
{
	char **v = NULL;
	const char *rest = pattern;

	while (*rest == '/')
		rest++;
	if (!*rest) {
		*out = NULL;
		return 0;
	}
	if (expand(rest == pattern ? "" : "/", rest, &v, err) < 0) {
		lxr_strv_free(v);
		return -1;
	}
	if (v)
		lxr_strv_sort(v);
	*out = v;
	return (int)lxr_strv_len(v);
}
