/* A resolv.conf with its nameserver, search and options lines replaced by
 * a container's own (compose's dns, dns_search, dns_opt): text in, text
 * out, for the endpoint's file (net) and the runtime's own (network_mode
 * none) alike. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lxr/util.h"

static bool starts_word(const char *l, const char *w)
{
	size_t n = strlen(w);

	l += strspn(l, " \t");
	return !strncmp(l, w, n) && (l[n] == ' ' || l[n] == '\t' || !l[n]);
}

/* "KEY w1 w2": a "." (or empty) word is "none" (docker's `--dns-search .`,
 * compose's `dns_search: ""`), and with none left there is no line: the
 * host's is dropped all the same. */
static void words_line(FILE *f, const char *key, char *const *words)
{
	bool any = false;

	for (size_t i = 0; words[i]; i++) {
		if (!*words[i] || !strcmp(words[i], "."))
			continue;
		fprintf(f, "%s %s", any ? "" : key, words[i]);
		any = true;
	}
	if (any)
		fputc('\n', f);
}

char *lxr_resolv_override(const char *text, char *const *dns, char *const *search,
			  char *const *opts)
{
	_cleanup_free_ char *copy = lxr_xstrdup(text ? text : "");
	bool own_dns = dns && dns[0], own_search = search && search[0], own_opts = opts && opts[0];
	char *buf = NULL, *save = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if ((own_dns && (starts_word(l, "nameserver") || l[0] == '#')) ||
		    (own_search && (starts_word(l, "search") || starts_word(l, "domain"))) ||
		    (own_opts && starts_word(l, "options")))
			continue;
		fprintf(f, "%s\n", l);
	}
	for (size_t i = 0; own_dns && dns[i]; i++)
		fprintf(f, "nameserver %s\n", dns[i]);
	if (own_search)
		words_line(f, "search", search);
	if (own_opts)
		words_line(f, "options", opts);
	fclose(f);
	return buf;
}
