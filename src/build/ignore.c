/* .dockerignore and COPY's globs, with docker's meaning (its
 * patternmatcher and Go's filepath.Match): which of the context's files a
 * build may read. */
#include <string.h>

#include "lxr/build.h"

/* One character class at p ('[' already consumed); *end gets the char
 * after ']'. Go: `[^...]` negates, `a-z` ranges, `\\` escapes. */
static bool class_match(const char *p, char c, const char **end, bool *ok)
{
	bool neg = false, hit = false;

	*ok = true;
	if (*p == '^') {
		neg = true;
		p++;
	}
	for (bool first = true; *p && (first || *p != ']'); first = false) {
		char lo = *p++, hi;
		if (lo == '\\' && *p)
			lo = *p++;
		hi = lo;
		if (*p == '-' && p[1] && p[1] != ']') {
			p++;
			hi = *p++;
			if (hi == '\\' && *p)
				hi = *p++;
		}
		if (lo <= c && c <= hi)
			hit = true;
	}
	if (*p != ']') {
		*ok = false; /* a bad pattern matches nothing, as Go's ErrBadPattern */
		return false;
	}
	*end = p + 1;
	return hit != neg;
}

/* Matching with a memo of (pattern, path) positions already tried, so
 * patterns with many stars stay polynomial instead of backtracking
 * exponentially. */
struct glob {
	const char *p0, *s0;
	size_t ls;
	unsigned char *memo; /* 0 unknown, 1 no, 2 yes */
	bool dstar;
};

static bool match_at(struct glob *g, const char *p, const char *s);

static bool try_at(struct glob *g, const char *p, const char *s)
{
	unsigned char *m = &g->memo[(size_t)(p - g->p0) * (g->ls + 1) + (size_t)(s - g->s0)];

	if (!*m)
		*m = match_at(g, p, s) ? 2 : 1;
	return *m == 2;
}

static bool match_at(struct glob *g, const char *p, const char *s)
{
	while (*p) {
		if (*p == '*') {
			if (g->dstar && p[1] == '*') {
				while (*p == '*')
					p++;
				if (*p == '/') {
					/* "**" + "/": zero or more whole directories */
					p++;
					if (try_at(g, p, s))
						return true;
					for (const char *q = s; *q; q++)
						if (*q == '/' && try_at(g, p, q + 1))
							return true;
					return false;
				}
				for (const char *q = s;; q++) {
					if (try_at(g, p, q))
						return true;
					if (!*q)
						return false;
				}
			}
			p++;
			for (const char *q = s;; q++) {
				if (try_at(g, p, q))
					return true;
				if (!*q || *q == '/')
					return false;
			}
		}
		if (!*s)
			return false;
		if (*p == '?') {
			if (*s == '/')
				return false;
			p++, s++;
			continue;
		}
		if (*p == '[') {
			const char *end;
			bool ok;
			if (*s == '/' || !class_match(p + 1, *s, &end, &ok) || !ok)
				return false;
			p = end, s++;
			continue;
		}
		if (*p == '\\' && p[1])
			p++;
		if (*p != *s)
			return false;
		p++, s++;
	}
	return !*s;
}

bool bld_glob_match(const char *pat, const char *path, bool dstar)
{
	size_t lp = strlen(pat), ls = strlen(path);
	struct glob g = {pat, path, ls, NULL, dstar};
	bool r;

	if (lp > 4096 || ls > 4096)
		return false; /* longer than any path the kernel takes */
	g.memo = lxr_xcalloc((lp + 1) * (ls + 1), 1);
	r = match_at(&g, pat, path);
	free(g.memo);
	return r;
}

/* Go's filepath.Clean, for a relative pattern; a leading "/" dropped. */
static char *clean(const char *s)
{
	size_t n = strlen(s), k = 0;
	char *out = lxr_xmalloc(n + 2);

	for (const char *p = s; *p;) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == 0 || (len == 1 && p[0] == '.')) {
			/* empty or "." component */
		} else if (len == 2 && p[0] == '.' && p[1] == '.' && k > 0 &&
			   !(k >= 2 && out[k - 1] == '.' && out[k - 2] == '.' &&
			     (k == 2 || out[k - 3] == '/'))) {
			/* "a/.." is nothing; a leading ".." stays, as in Go,
			 * so such a pattern matches nothing in the context */
			while (k > 0 && out[k - 1] != '/')
				k--;
			if (k > 0)
				k--;
		} else {
			if (k)
				out[k++] = '/';
			memcpy(out + k, p, len);
			k += len;
		}
		p += len + (e ? 1 : 0);
	}
	if (k == 0)
		out[k++] = '.';
	out[k] = '\0';
	return out;
}

int bld_ignore_parse(const char *name, const char *text, size_t len, struct bld_ignore *out,
		     lxr_err *err)
{
	size_t pos = 0;
	int line = 0;

	*out = (struct bld_ignore){0};
	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		bool exc = false;

		pos += n + 1;
		line++;
		if (n && s[0] == '#')
			continue;
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
			n--;
		while (n && (*s == ' ' || *s == '\t'))
			s++, n--;
		if (!n)
			continue;
		if (*s == '!') {
			exc = true;
			s++, n--;
			while (n && (*s == ' ' || *s == '\t'))
				s++, n--;
			if (!n) {
				bld_ignore_free(out);
				lxr_fail(err, 0, "%s:%d: `!` alone excludes nothing", name, line);
				return lxr_err_hint(err,
						    "write !PATTERN to bring matching paths back");
			}
		}
		_cleanup_free_ char *raw = lxr_xstrndup(s, n);
		out->v = lxr_xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		out->v[out->n++] = (struct bld_ignore_pat){clean(raw), exc, line};
	}
	return 0;
}

void bld_ignore_free(struct bld_ignore *ig)
{
	for (size_t i = 0; i < ig->n; i++)
		free(ig->v[i].pat);
	free(ig->v);
	*ig = (struct bld_ignore){0};
}

/* the pattern matches path or one of its parent directories */
static bool pat_matches(const char *pat, const char *path)
{
	_cleanup_free_ char *p = lxr_xstrdup(path);

	if (bld_glob_match(pat, p, true))
		return true;
	for (char *sl = strchr(p, '/'); sl; sl = strchr(sl + 1, '/')) {
		*sl = '\0';
		bool m = bld_glob_match(pat, p, true);
		*sl = '/';
		if (m)
			return true;
	}
	return false;
}

bool bld_ignore_match(const struct bld_ignore *ig, const char *path)
{
	bool out = false;

	for (size_t i = 0; i < ig->n; i++)
		if (pat_matches(ig->v[i].pat, path))
			out = !ig->v[i].exception;
	return out;
}

bool bld_ignore_may_reinclude(const struct bld_ignore *ig, const char *dir)
{
	size_t n = strlen(dir);

	for (size_t i = 0; i < ig->n; i++) {
		const char *p = ig->v[i].pat;
		if (!ig->v[i].exception)
			continue;
		/* docker: an exception under the directory, or one whose
		 * wildcards could reach below it */
		if ((!strncmp(p, dir, n) && p[n] == '/') || strpbrk(p, "*?[\\"))
			return true;
	}
	return false;
}
