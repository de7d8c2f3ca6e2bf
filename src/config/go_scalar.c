/* A mapping's plain value as compose-go hands it on: go-yaml (v4) types a
 * plain scalar (internal/libyaml/resolver.go) and compose-go prints the
 * value with fmt.Sprint (types/mapping.go, labels.go, options.go). So in
 * environment, labels, build args, sysctls and options `False` is "false",
 * `022` is "18" (an octal, YAML 1.1's way, kept by go-yaml), `0x1F` "31",
 * `1_000` "1000", `1.50` "1.5", `1e3` "1000", `2024-01-31` a time, as
 * `docker compose config` prints them. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

/* go-yaml's table of words (those a plain scalar may be) and what
 * fmt.Sprint prints for each */
static const char *word(const char *in)
{
	static const struct {
		const char *in, *out;
	} words[] = {
	    {"true", "true"},   {"True", "true"},   {"TRUE", "true"},  {"false", "false"},
	    {"False", "false"}, {"FALSE", "false"}, {".nan", "NaN"},   {".NaN", "NaN"},
	    {".NAN", "NaN"},    {".inf", "+Inf"},   {".Inf", "+Inf"},  {".INF", "+Inf"},
	    {"+.inf", "+Inf"},  {"+.Inf", "+Inf"},  {"+.INF", "+Inf"}, {"-.inf", "-Inf"},
	    {"-.Inf", "-Inf"},  {"-.INF", "-Inf"},  {"-0", "-0"},      {"-0.0", "-0"},
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(in, words[i].in))
			return words[i].out;
	return NULL;
}

/* Go's strconv.ParseInt(s, 0, 64) (neg) or ParseUint(s, 0, 64): a sign
 * (ParseInt only), then 0x, 0o, 0b or a leading 0 (octal), else decimal */
static bool go_parse_int(const char *s, bool sign_ok, bool *neg, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0, lim;

	*neg = false;
	if (*s == '+' || *s == '-') {
		if (!sign_ok)
			return false;
		*neg = *s++ == '-';
	}
	if (s[0] == '0' && s[1]) {
		char b = (char)tolower((unsigned char)s[1]);
		base = b == 'x' ? 16 : b == 'o' ? 8 : b == 'b' ? 2 : 8;
		s += b == 'x' || b == 'o' || b == 'b' ? 2 : 1;
	}
	if (!*s)
		return false;
	lim = !sign_ok ? UINT64_MAX : *neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; *s; s++) {
		int d = isdigit((unsigned char)*s)    ? *s - '0'
			: isxdigit((unsigned char)*s) ? tolower((unsigned char)*s) - 'a' + 10
						      : 99;
		if ((unsigned)d >= base || v > (lim - (uint64_t)d) / base)
			return false;
		v = v * base + (uint64_t)d;
	}
	*out = v;
	return true;
}

/* go-yaml's yamlStyleFloat: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool yaml_float(const char *s)
{
	size_t n;

	s += *s == '+' || *s == '-';
	if (*s == '.') {
		if (!(n = strspn(s + 1, "0123456789")))
			return false;
		s += 1 + n;
	} else {
		if (!(n = strspn(s, "0123456789")))
			return false;
		s += n;
		if (*s == '.')
			s += 1 + strspn(s + 1, "0123456789");
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		s += *s == '+' || *s == '-';
		if (!(n = strspn(s, "0123456789")))
			return false;
		s += n;
	}
	return !*s;
}

/* fmt.Sprint of a float64: strconv's shortest digits that read back to v,
 * in %e form when the exponent is under -4 or 6 and over (strconv's 'g'
 * with the shortest precision), else %f */
static char *go_float(double v)
{
	char e[40], digits[24], out[64];
	int exp = 0, nd = 0, dp;
	bool neg = signbit(v);

	if (isnan(v))
		return lxr_xstrdup("NaN");
	if (isinf(v))
		return lxr_xstrdup(v > 0 ? "+Inf" : "-Inf");
	if (v == 0)
		return lxr_xstrdup(neg ? "-0" : "0");
	for (int p = 1; p <= 17; p++) {
		snprintf(e, sizeof(e), "%.*e", p - 1, fabs(v));
		if (strtod(e, NULL) == fabs(v))
			break;
	}
	for (const char *c = e; *c && *c != 'e'; c++)
		if (isdigit((unsigned char)*c))
			digits[nd++] = *c;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	exp = atoi(strchr(e, 'e') + 1);
	dp = exp + 1;
	if (exp < -4 || exp >= 6) {
		snprintf(out, sizeof(out), "%s%c%s%se%c%02d", neg ? "-" : "", digits[0],
			 nd > 1 ? "." : "", digits + 1, exp < 0 ? '-' : '+', abs(exp));
		return lxr_xstrdup(out);
	}
	/* %f: the digits with the point dp places in, zeros either side */
	char *o = out;
	if (neg)
		*o++ = '-';
	if (dp <= 0) {
		*o++ = '0';
		*o++ = '.';
		for (int k = dp; k < 0; k++)
			*o++ = '0';
	}
	for (int k = 0; k < nd || k < dp; k++) {
		if (k == dp && dp > 0)
			*o++ = '.';
		*o++ = k < nd ? digits[k] : '0';
	}
	*o = '\0';
	return lxr_xstrdup(out);
}

/* ParseFloat's: out of range (1e400) is an error, and the text stays */
static char *go_float_text(const char *s)
{
	double v = strtod(s, NULL);

	return isinf(v) ? NULL : go_float(v);
}

/* go-yaml's date-only timestamp (2006-1-2), printed as a time.Time is */
static char *go_date(const char *s)
{
	static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d, n = 0;

	if (strspn(s, "0123456789") != 4 || s[4] != '-' ||
	    sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || s[n] ||
	    strspn(s + 5, "0123456789-") != strlen(s + 5) || m < 1 || m > 12 || d < 1 ||
	    d > days[m - 1] || (m == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))))
		return NULL;
	return lxr_xasprintf("%04d-%02d-%02d 00:00:00 +0000 UTC", y, m, d);
}

char *cfg_go_plain_text(const char *in)
{
	_cleanup_free_ char *plain = NULL;
	const char *w = word(in);
	uint64_t u;
	bool neg;
	char *p;

	if (w)
		return lxr_xstrdup(w);
	if (in[0] == '.')
		return yaml_float(in) ? go_float_text(in) : NULL;
	if (!isdigit((unsigned char)in[0]) && in[0] != '+' && in[0] != '-')
		return NULL;
	if ((p = go_date(in)))
		return p;
	plain = lxr_xmalloc(strlen(in) + 1);
	p = plain;
	for (const char *c = in; *c; c++)
		if (*c != '_')
			*p++ = *c;
	*p = '\0';
	if (go_parse_int(plain, true, &neg, &u)) /* -00 is the int 0 */
		return lxr_xasprintf("%s%" PRIu64, neg && u ? "-" : "", u);
	if (go_parse_int(plain, false, &neg, &u))
		return lxr_xasprintf("%" PRIu64, u);
	return yaml_float(plain) ? go_float_text(plain) : NULL;
}
