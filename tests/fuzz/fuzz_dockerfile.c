/* libFuzzer target for the Dockerfile parser and word substitution.
 * .dockerignore, glob matching, RUN --mount and --secret values ride along
 * on the same input.
 * Besides the sanitizers, it checks what must hold for any input: an error
 * names a real position in the file and leaves nothing behind; every
 * instruction sits on a real line, in order; text without `$`, quotes or
 * the escape character substitutes to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lxr/build.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

static const char *lookup(const char *name, void *ctx)
{
	(void)ctx;
	return strcmp(name, "A") ? NULL : "value";
}

static void check_instr(const struct df_instr *in, int lines)
{
	check(in->line >= 1 && in->line <= lines && in->col >= 1);
	check(in->end_line >= in->line && in->end_line <= lines);
	check(in->original != NULL && in->args != NULL);
	check(df_kind_name(in->kind)[0] != '?');
	for (size_t k = 0; k < in->n_heredocs; k++)
		check(in->heredocs[k].body != NULL && in->heredocs[k].name[0]);
	if (in->kind == DF_ONBUILD)
		check(in->trigger != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so reading past len is an ASan report */
	char *text = lxr_xmalloc(size ? size : 1);
	struct df_file f;
	lxr_err err = {0};
	int lines = 1, prev = 0;

	memcpy(text, data, size);
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (df_parse("Dockerfile", text, size, &f, &err) < 0) {
		check(f.n == 0 && f.v == NULL);
		check(!strncmp(err.msg, "Dockerfile:", 11));
		check(atoi(err.msg + 11) >= 1 && atoi(err.msg + 11) <= lines);
	} else {
		check(f.n > 0);
		for (size_t i = 0; i < f.n; i++) {
			check_instr(&f.v[i], lines);
			check(f.v[i].line > prev);
			prev = f.v[i].end_line;
		}
		df_file_free(&f);
	}
	free(text);

	char *s = lxr_xstrndup((const char *)data, size), *out = NULL, **words = NULL;
	int r = df_expand(s, '\\', lookup, NULL, &out, &err);
	check((r == 0) == (out != NULL));
	if (r == 0 && !strpbrk(s, "$'\"\\"))
		check(!strcmp(out, s));
	free(out);
	if (df_expand_words(s, '`', lookup, NULL, &words, &err) == 0)
		for (char **w = words; *w; w++)
			check(**w != '\0' || strpbrk(s, "$'\"") != NULL);
	lxr_strv_free(words);

	/* the input as a .dockerignore, and its first line as a glob */
	struct bld_ignore ig;
	if (bld_ignore_parse(".dockerignore", s, strlen(s), &ig, &err) == 0) {
		for (size_t i = 0; i < ig.n; i++)
			check(ig.v[i].pat[0] != '\0' && ig.v[i].pat[0] != '/');
		(void)bld_ignore_match(&ig, "a/b/c.txt");
		(void)bld_ignore_may_reinclude(&ig, "a");
		bld_ignore_free(&ig);
	}
	/* the input as a RUN --mount and a --secret value: a mount parsed
	 * has a target (a secret: an id, and a target or an env) */
	struct bld_mount m;
	if (bld_mount_parse(s, &m, &err) == 0) {
		check(m.type == BLD_MOUNT_SECRET ? m.id && (m.target || m.env) : m.target != NULL);
		check(m.type != BLD_MOUNT_CACHE || m.id != NULL);
		bld_mount_free(&m);
	}
	struct bld_secret sec;
	if (bld_secret_parse(s, &sec, &err) == 0) {
		check(sec.id && *sec.id && (sec.src != NULL) != (sec.env != NULL));
		bld_secret_free(&sec);
	}
	char *nl = strchr(s, '\n');
	if (nl) {
		*nl = '\0';
		(void)bld_glob_match(s, nl + 1, true);
		if (!strpbrk(s, "*?[\\"))
			check(bld_glob_match(s, s, false));
	}
	free(s);
	return 0;
}
