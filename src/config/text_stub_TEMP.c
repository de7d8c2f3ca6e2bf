/* TEMPORARY: minimal stand-ins for src/config/text.h so this branch builds
 * and tests on its own. The real implementations come from the text-rules
 * branch; DELETE this file before merging. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/text.h"
#include "lxr/util.h"

const char *cfg_env_get(const struct cfg_env *env, const char *key)
{
	for (size_t i = env->n; i-- > 0;)
		if (!strcmp(env->v[i].key, key))
			return env->v[i].value;
	return NULL;
}

void cfg_env_free(struct cfg_env *env)
{
	for (size_t i = 0; i < env->n; i++) {
		free(env->v[i].key);
		free(env->v[i].value);
	}
	free(env->v);
	env->v = NULL;
	env->n = 0;
}

int cfg_dotenv_parse(const char *text, size_t len, cfg_lookup_fn lookup, void *ctx,
		     struct cfg_env *out, struct cfg_text_diag *diag)
{
	_cleanup_free_ char *t = lxr_xstrndup(text, len);
	int line = 0;

	for (char *save = NULL, *l = strtok_r(t, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		line++;
		while (isspace((unsigned char)*l))
			l++;
		if (!*l || *l == '#')
			continue;
		if (!strncmp(l, "export ", 7))
			l += 7;
		char *eq = strchr(l, '=');
		if (!eq || eq == l) {
			*diag = (struct cfg_text_diag){line, 1, false, ""};
			snprintf(diag->msg, sizeof(diag->msg), "line %d: expected KEY=VALUE", line);
			return -1;
		}
		*eq = 0;
		char *v = eq + 1;
		size_t vl = strlen(v);
		if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
			v[vl - 1] = 0;
			v++;
		}
		out->v = lxr_xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		out->v[out->n++] = (struct cfg_env_entry){lxr_xstrdup(l), lxr_xstrdup(v), line};
	}
	return 0;
}

static void add_diag(struct cfg_text_diag *d, size_t max, size_t *n, int col, bool warning,
		     const char *msg)
{
	if (d && *n < max) {
		d[*n] = (struct cfg_text_diag){1, col, warning, ""};
		snprintf(d[*n].msg, sizeof(d[*n].msg), "%s", msg);
	}
	(*n)++;
}

static size_t braced_end(const char *s, size_t i)
{
	int depth = 1;
	for (; s[i]; i++) {
		if (s[i] == '{')
			depth++;
		else if (s[i] == '}' && --depth == 0)
			return i;
	}
	return (size_t)-1;
}

int cfg_interpolate(const char *s, cfg_lookup_fn lookup, void *ctx, char **out,
		    struct cfg_text_diag *diags, size_t max_diags, size_t *n_diags)
{
	char *buf = NULL;
	size_t blen = 0;
	FILE *f = open_memstream(&buf, &blen);
	bool err = false;
	size_t nd = 0;

	for (size_t i = 0; s[i];) {
		if (s[i] != '$') {
			fputc(s[i++], f);
			continue;
		}
		int col = (int)i + 1;
		if (s[i + 1] == '$') {
			fputc('$', f);
			i += 2;
			continue;
		}
		char name[256] = "";
		const char *op = "";
		_cleanup_free_ char *arg = NULL;
		if (s[i + 1] == '{') {
			size_t e = braced_end(s, i + 2);
			if (e == (size_t)-1) {
				add_diag(diags, max_diags, &nd, col, false, "unterminated ${");
				err = true;
				break;
			}
			size_t j = i + 2, k = 0;
			while (j < e && (isalnum((unsigned char)s[j]) || s[j] == '_') && k < 255)
				name[k++] = s[j++];
			name[k] = 0;
			if (j < e) {
				if (s[j] == ':' && j + 1 < e && strchr("-?+", s[j + 1])) {
					op = s[j + 1] == '-' ? ":-" : s[j + 1] == '?' ? ":?" : ":+";
					j += 2;
				} else if (strchr("-?+", s[j])) {
					op = s[j] == '-' ? "-" : s[j] == '?' ? "?" : "+";
					j++;
				} else {
					add_diag(diags, max_diags, &nd, col, false,
						 "invalid ${} syntax");
					err = true;
					i = e + 1;
					continue;
				}
				arg = lxr_xstrndup(s + j, e - j);
			}
			i = e + 1;
		} else if (isalpha((unsigned char)s[i + 1]) || s[i + 1] == '_') {
			size_t k = 0;
			i++;
			while ((isalnum((unsigned char)s[i]) || s[i] == '_') && k < 255)
				name[k++] = s[i++];
			name[k] = 0;
		} else {
			fputc(s[i++], f);
			continue;
		}
		const char *v = lookup(name, ctx);
		bool empty = !v || !*v;
		_cleanup_free_ char *sub = NULL;
		if (arg) {
			size_t sn = 0;
			cfg_interpolate(arg, lookup, ctx, &sub, NULL, 0, &sn);
		}
		if (!strcmp(op, ":-") || !strcmp(op, "-")) {
			fputs((op[0] == ':' ? empty : !v) ? sub : v, f);
		} else if (!strcmp(op, ":+") || !strcmp(op, "+")) {
			fputs((op[0] == ':' ? !empty : v != NULL) ? sub : "", f);
		} else if (!strcmp(op, ":?") || !strcmp(op, "?")) {
			if (op[0] == ':' ? empty : !v) {
				char m[600];
				snprintf(m, sizeof(m),
					 "required variable %s is missing a value: %s", name, sub);
				add_diag(diags, max_diags, &nd, col, false, m);
				err = true;
			} else {
				fputs(v, f);
			}
		} else if (!v) {
			char m[600];
			snprintf(m, sizeof(m), "variable \"%s\" is not set, using an empty string",
				 name);
			add_diag(diags, max_diags, &nd, col, true, m);
		} else {
			fputs(v, f);
		}
	}
	fclose(f);
	*out = buf;
	if (n_diags)
		*n_diags = nd;
	return err ? -1 : 0;
}

int cfg_parse_duration(const char *s, int64_t *usec)
{
	static const struct {
		const char *u;
		double mul;
	} units[] = {{"ns", 0.001}, {"us", 1},   {"ms", 1000},
		     {"s", 1e6},    {"m", 60e6}, {"h", 3600e6}};
	double total = 0;
	char *end;

	if (!*s)
		return -1;
	errno = 0;
	double bare = strtod(s, &end);
	if (!*end && end != s) {
		if (!(bare >= 0 && bare < 9e12))
			return -1;
		*usec = (int64_t)(bare * 1e6);
		return 0;
	}
	while (*s) {
		if (!isdigit((unsigned char)*s) && *s != '.')
			return -1;
		double v = strtod(s, &end);
		size_t best = 0, best_len = 0;
		for (size_t i = 0; i < 6; i++) {
			size_t l = strlen(units[i].u);
			if (!strncmp(end, units[i].u, l) && l > best_len) {
				best = i;
				best_len = l;
			}
		}
		if (!best_len)
			return -1;
		total += v * units[best].mul;
		s = end + best_len;
	}
	if (!(total >= 0 && total < 9e18))
		return -1;
	*usec = (int64_t)total;
	return 0;
}

int cfg_parse_bytes(const char *s, int64_t *bytes)
{
	return lxr_parse_bytes(s, bytes);
}

int cfg_parse_cpus(const char *s, int64_t *millicpus)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || v < 0 || v > 1e6)
		return -1;
	*millicpus = (int64_t)(v * 1000 + 0.5);
	return 0;
}

static const struct {
	const char *name;
	int no;
} sigs[] = {{"HUP", SIGHUP},   {"INT", SIGINT},     {"QUIT", SIGQUIT}, {"KILL", SIGKILL},
	    {"USR1", SIGUSR1}, {"USR2", SIGUSR2},   {"TERM", SIGTERM}, {"STOP", SIGSTOP},
	    {"CONT", SIGCONT}, {"WINCH", SIGWINCH}, {"PWR", SIGPWR},   {"ALRM", SIGALRM}};

int cfg_parse_signal(const char *s, int *signo)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s && !*end) {
		if (v < 1 || v > 64)
			return -1;
		*signo = (int)v;
		return 0;
	}
	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!strcmp(s, sigs[i].name)) {
			*signo = sigs[i].no;
			return 0;
		}
	return -1;
}

const char *cfg_signal_name(int signo)
{
	static char buf[16];
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigs[i].no == signo) {
			snprintf(buf, sizeof(buf), "SIG%s", sigs[i].name);
			return buf;
		}
	snprintf(buf, sizeof(buf), "%d", signo);
	return buf;
}
