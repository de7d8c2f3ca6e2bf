/* libFuzzer target for the Compose text rules: the input is read as a .env
 * file, as an interpolated string (plain and in .env double-quote mode) and
 * as each value syntax. Besides the sanitizers, it checks what must hold
 * for any input: diags sit at real positions, a failed parse leaves nothing
 * behind, an error is never lost, text without `$` interpolates to itself,
 * and every signal accepted has a name that parses back to it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/text.h"
#include "lxr/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_DIAGS 4

static const char *lookup(const char *name, void *ctx)
{
	(void)ctx;
	if (!strcmp(name, "FOO"))
		return "first";
	if (!strcmp(name, "EMPTY"))
		return "";
	if (!strcmp(name, "DOLLAR"))
		return "${FOO}";
	return NULL;
}

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void check_diags(const struct cfg_text_diag *d, size_t n, int r, size_t lines)
{
	bool error = false;

	check(n <= MAX_DIAGS);
	for (size_t i = 0; i < n; i++) {
		check(d[i].line >= 1 && (size_t)d[i].line <= lines);
		check(d[i].col >= 1);
		check(memchr(d[i].msg, '\0', sizeof(d[i].msg)) != NULL);
		error |= !d[i].warning;
	}
	check(error == (r < 0));
}

/* ASCII as compose-go takes it; beyond ASCII, the bytes of the UTF-8
 * letters the parser takes (which ones is its own test's business) */
static bool key_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-' || c == '[' || c == ']' || (unsigned char)c >= 0x80;
}

static void fuzz_dotenv(const char *text, size_t len, size_t lines)
{
	struct cfg_text_diag d[MAX_DIAGS], one;
	struct cfg_env env = {0}, env2 = {0};
	size_t n = 0;
	int r = cfg_dotenv_parse_diags(text, len, lookup, NULL, &env, d, MAX_DIAGS, &n);
	int r2 = cfg_dotenv_parse(text, len, lookup, NULL, &env2, &one);

	check_diags(d, n, r, lines);
	check(r == r2);
	if (r < 0) {
		check(env.n == 0 && env.v == NULL && env2.n == 0);
		check(!one.warning);
		return;
	}
	check(env.n == env2.n);
	for (size_t i = 0; i < env.n; i++) {
		const char *k = env.v[i].key;

		check(*k != '\0');
		for (const char *c = k; *c; c++)
			check(key_char(*c));
		/* keys are unique: a later line replaced the earlier entry */
		check(cfg_env_get(&env, k) == env.v[i].value);
		check(!strcmp(env.v[i].value, env2.v[i].value));
		check(env.v[i].line >= 1 && (size_t)env.v[i].line <= lines);
	}
	cfg_env_free(&env);
	cfg_env_free(&env2);
}

static void fuzz_interpolate(const char *s, size_t lines)
{
	struct cfg_text_diag d[MAX_DIAGS];
	char *out = NULL;
	size_t n = 0;
	int r = cfg_interpolate(s, lookup, NULL, &out, d, MAX_DIAGS, &n);

	check(out != NULL);
	check_diags(d, n, r, lines);
	if (!strchr(s, '$'))
		check(r == 0 && n == 0 && !strcmp(out, s));
	free(out);

	struct cfg_interp ip = {
	    .lookup = lookup, .dquote = true, .diags = d, .max_diags = MAX_DIAGS};
	r = cfg_interpolate_span(&ip, s, strlen(s), 1, 1, &out);
	check(out != NULL && r == (ip.failed ? -1 : 0));
	check_diags(d, ip.n_diags, r, lines);
	if (!strpbrk(s, "$\\\r"))
		check(!strcmp(out, s));
	free(out);
}

static void fuzz_units(const char *s)
{
	int64_t v;
	int sig;

	if (strlen(s) > 64)
		return;
	if (cfg_parse_duration(s, &v) == 0)
		check(v >= 0);
	if (cfg_parse_bytes(s, &v) == 0)
		check(v >= 0);
	if (cfg_parse_cpus(s, &v) == 0)
		check(v >= 0);
	if (cfg_parse_signal(s, &sig) == 0) {
		const char *name = cfg_signal_name(sig);
		int back = 0;

		check(name && cfg_parse_signal(name, &back) == 0 && back == sig);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so reading past len is an ASan report */
	char *text = lxr_xmalloc(size ? size : 1);
	char *s;
	size_t lines = 1;

	memcpy(text, data, size);
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	fuzz_dotenv(text, size, lines);
	free(text);

	s = lxr_xstrndup((const char *)data, size);
	fuzz_interpolate(s, lines);
	fuzz_units(s);
	free(s);
	return 0;
}
