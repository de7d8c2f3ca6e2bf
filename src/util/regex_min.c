/* A small regular expression matcher, for the few places lxr takes one
 * (compose's `ls --filter name=RE`): glibc's regcomp brings its whole
 * engine into the static lxr, about 100 KB of a 2 MB budget. Backtracking,
 * on NUL-terminated text: alternatives a|b at the top, ^ and $, and atoms
 * (a character, ., \d \w \s, \ before punctuation, [...] and [^...] with
 * ranges), each optionally followed by *, + or ?. Groups and counts are
 * refused by lxr_re_check, so nothing is read in a way it was not meant. */
#define _GNU_SOURCE
#include <ctype.h>
#include <string.h>

#include "lxr/util.h"

/* The length of the atom at re (re is not at its end) */
static size_t atom_len(const char *re)
{
	if (re[0] == '\\')
		return re[1] ? 2 : 1;
	if (re[0] == '[') {
		const char *p = re + 1;
		if (*p == '^')
			p++;
		if (*p == ']')
			p++;
		while (*p && *p != ']')
			p += p[0] == '\\' && p[1] ? 2 : 1;
		return *p ? (size_t)(p - re) + 1 : (size_t)(p - re);
	}
	return 1;
}

static bool class_escape(char e, unsigned char c)
{
	switch (e) {
	case 'd': return isdigit(c);
	case 'w': return isalnum(c) || c == '_';
	case 's': return isspace(c);
	default: return (unsigned char)e == c;
	}
}

static bool in_class(const char *re, size_t len, unsigned char c)
{
	const char *p = re + 1, *end = re + len - 1;
	bool neg = *p == '^', hit = false;

	if (neg)
		p++;
	for (bool first = true; p < end; first = false) {
		if (p[0] == '\\' && p + 1 < end) {
			hit |= class_escape(p[1], c);
			p += 2;
		} else if (p + 2 < end && p[1] == '-' && !(first && p[0] == ']')) {
			hit |= c >= (unsigned char)p[0] && c <= (unsigned char)p[2];
			p += 3;
		} else {
			hit |= c == (unsigned char)*p++;
		}
	}
	return hit != neg;
}

static bool atom_matches(const char *re, size_t len, char ch)
{
	unsigned char c = (unsigned char)ch;

	if (!c)
		return false;
	if (re[0] == '.')
		return true;
	if (re[0] == '\\')
		return class_escape(re[1], c);
	if (re[0] == '[')
		return in_class(re, len, c);
	return (unsigned char)re[0] == c;
}

/* Does re (up to end) match at the start of text */
static bool here(const char *re, const char *end, const char *text)
{
	size_t n;
	char q;

	if (re == end)
		return true;
	if (re[0] == '$' && re + 1 == end)
		return !*text;
	n = atom_len(re);
	q = re + n < end ? re[n] : '\0';
	if (q == '*' || q == '+') {
		const char *t = text;
		if (q == '+' && !atom_matches(re, n, *t++))
			return false;
		/* the longest run first, then shorter ones */
		const char *longest = t;
		while (atom_matches(re, n, *longest))
			longest++;
		for (; longest >= t; longest--)
			if (here(re + n + 1, end, longest))
				return true;
		return false;
	}
	if (q == '?')
		return (atom_matches(re, n, *text) && here(re + n + 1, end, text + 1)) ||
		       here(re + n + 1, end, text);
	return atom_matches(re, n, *text) && here(re + n, end, text + 1);
}

/* The end of the alternative that starts at re: its '|' or the NUL */
static const char *alt_end(const char *re)
{
	while (*re && *re != '|')
		re += atom_len(re);
	return re;
}

int lxr_re_check(const char *re, const char **why)
{
	bool atom = false;

	for (const char *p = re; *p;) {
		size_t n = atom_len(p);
		if (strchr("(){}", *p))
			return *why = "groups and counts ((), {}) are not taken", -1;
		if (*p == '\\' && n < 2)
			return *why = "it ends in a lone backslash", -1;
		if (*p == '\\' && isalnum((unsigned char)p[1]) && !strchr("dws", p[1]))
			return *why = "of the escapes only \\d, \\w, \\s and \\ before punctuation "
				      "are taken",
			       -1;
		if (*p == '[' && p[n - 1] != ']')
			return *why = "a [ is not closed", -1;
		if (strchr("*+?", *p)) {
			if (!atom)
				return *why = "*, + or ? follows nothing to repeat", -1;
			atom = false;
		} else {
			atom = *p != '|' && *p != '^' && *p != '$';
		}
		p += n;
	}
	return 0;
}

bool lxr_re_search(const char *re, const char *text)
{
	for (const char *alt = re;; alt++) {
		const char *end = alt_end(alt);
		if (*alt == '^') {
			if (here(alt + 1, end, text))
				return true;
		} else {
			for (const char *t = text;; t++) {
				if (here(alt, end, t))
					return true;
				if (!*t)
					break;
			}
		}
		if (!*end)
			return false;
		alt = end;
	}
}
