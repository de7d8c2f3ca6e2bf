/* sscanf for the formats lxr reads its kernel files and records with.
 * glibc's scanf family is 94 KB of the static lxr (its float parsers come
 * with it, for %f lxr never uses); this is the part lxr uses: white space,
 * literal text, %d %i %u %x %o (with h, l, ll), %s, %c, %[set], %n, a
 * width, and * to skip. It returns what glibc's returns: the conversions
 * stored, or EOF when the input ends before one was. Anything else in a
 * format is a bug in lxr, and aborts. */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lxr/util.h"

/* The scanset at *fmt (after '['): a 256-entry table; *fmt past its ']'. */
static void scanset(const char **fmt, bool in[256])
{
	const unsigned char *f = (const unsigned char *)*fmt;
	bool neg = *f == '^';

	if (neg)
		f++;
	memset(in, 0, 256 * sizeof(bool));
	/* a ']' first is a member, not the end */
	if (*f == ']')
		in[*f++] = true;
	for (; *f && *f != ']'; f++) {
		if (f[1] == '-' && f[2] && f[2] != ']') {
			for (unsigned c = f[0]; c <= f[2]; c++)
				in[c] = true;
			f += 2;
		} else {
			in[*f] = true;
		}
	}
	if (*f != ']')
		abort();
	*fmt = (const char *)f + 1;
	if (neg)
		for (int c = 0; c < 256; c++)
			in[c] = !in[c];
	in[0] = false;
}

static void store_int(va_list *ap, int len, bool sign, unsigned long long u, long long v)
{
	switch (len) {
	case -2: *va_arg(*ap, char *) = (char)(sign ? v : (long long)u); break;
	case -1: *va_arg(*ap, short *) = (short)(sign ? v : (long long)u); break;
	case 0: *va_arg(*ap, int *) = (int)(sign ? v : (long long)u); break;
	case 1: *va_arg(*ap, long *) = (long)(sign ? v : (long long)u); break;
	default: *va_arg(*ap, long long *) = sign ? v : (long long)u; break;
	}
}

/* %c, %s and %[set] at *in, into out (NULL: skipped); false: no match */
static bool scan_chars(const char **in, const char **fmt, char conv, size_t width, char *out)
{
	bool set[256];
	size_t k = 0;

	if (conv == 'c') {
		size_t w = width ? width : 1;
		if (strnlen(*in, w) < w)
			return false;
		if (out)
			memcpy(out, *in, w);
		*in += w;
		return true;
	}
	if (conv == '[')
		scanset(fmt, set);
	else
		for (int c = 0; c < 256; c++)
			set[c] = c && !isspace(c);
	while (set[(unsigned char)(*in)[k]] && (!width || k < width))
		k++;
	if (!k)
		return false;
	if (out) {
		memcpy(out, *in, k);
		out[k] = '\0';
	}
	*in += k;
	return true;
}

/* %d %i %u %x %o at *in, stored unless skip; false: no number */
static bool scan_int(const char **in, char conv, size_t width, int len, bool skip, va_list *ap)
{
	int base = conv == 'x' ? 16 : conv == 'o' ? 8 : conv == 'i' ? 0 : 10;
	bool sign = conv == 'd' || conv == 'i';
	char buf[64], *end;
	unsigned long long u = 0;
	long long v = 0;
	size_t w = width && width < sizeof(buf) - 1 ? width : sizeof(buf) - 1;
	size_t k = strnlen(*in, w);

	memcpy(buf, *in, k);
	buf[k] = '\0';
	if (sign)
		v = strtoll(buf, &end, base);
	else
		u = strtoull(buf, &end, base);
	if (end == buf)
		return false;
	*in += end - buf;
	if (!skip)
		store_int(ap, len, sign, u, v);
	return true;
}

int lxr_vsscanf(const char *s, const char *fmt, va_list ap_in)
{
	const char *in = s;
	int n = 0;
	va_list ap;

	va_copy(ap, ap_in);
	while (*fmt) {
		if (isspace((unsigned char)*fmt)) {
			while (isspace((unsigned char)*fmt))
				fmt++;
			while (isspace((unsigned char)*in))
				in++;
			continue;
		}
		if (*fmt != '%' || fmt[1] == '%') {
			if (*fmt == '%') {
				fmt++;
				while (isspace((unsigned char)*in))
					in++;
			}
			if (*in != *fmt) {
				if (!*in && !n)
					n = EOF;
				goto end;
			}
			in++, fmt++;
			continue;
		}
		fmt++;
		bool skip = *fmt == '*', ok;
		size_t width = 0;
		int len = 0;
		if (skip)
			fmt++;
		while (isdigit((unsigned char)*fmt))
			width = width * 10 + (size_t)(*fmt++ - '0');
		for (; *fmt == 'l'; fmt++)
			len++;
		for (; *fmt == 'h'; fmt++)
			len--;
		char conv = *fmt++;
		if (conv == 'n') {
			if (!skip)
				store_int(&ap, len, true, 0, in - s);
			continue;
		}
		/* all but %c and %[ skip white space first */
		if (conv != 'c' && conv != '[')
			while (isspace((unsigned char)*in))
				in++;
		/* glibc's EOF: the input ended before anything was stored */
		if (!*in && !n) {
			n = EOF;
			goto end;
		}
		if (conv == 'c' || conv == 's' || conv == '[')
			ok = scan_chars(&in, &fmt, conv, width, skip ? NULL : va_arg(ap, char *));
		else if (conv && strchr("diuxo", conv))
			ok = scan_int(&in, conv, width, len, skip, &ap);
		else
			abort(); /* a conversion lxr does not use */
		if (!ok)
			goto end;
		if (!skip)
			n++;
	}
end:
	va_end(ap);
	return n;
}

int lxr_sscanf(const char *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = lxr_vsscanf(s, fmt, ap);
	va_end(ap);
	return n;
}

int lxr_fscanf_line(FILE *f, const char *fmt, ...)
{
	char line[4096];
	va_list ap;
	int n;

	if (!fgets(line, sizeof(line), f))
		return EOF;
	va_start(ap, fmt);
	n = lxr_vsscanf(line, fmt, ap);
	va_end(ap);
	return n;
}
