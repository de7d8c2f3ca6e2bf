/* Text that came from a container, made fit for a terminal: a process names
 * itself, an image names its files, and a byte among them must not steer
 * the terminal that shows them (ps shows such bytes as ?). */
#include <stdbool.h>
#include <stddef.h>

#include "lxr/util.h"

/* The length of the well-formed UTF-8 sequence at p (1 to 4), 0 if there
 * is none: an ASCII byte is one */
static size_t utf8_len(const unsigned char *p, unsigned *cp)
{
	size_t n = p[0] < 0x80             ? 1
		   : (p[0] & 0xe0) == 0xc0 ? 2
		   : (p[0] & 0xf0) == 0xe0 ? 3
		   : (p[0] & 0xf8) == 0xf0 ? 4
					   : 0;
	unsigned v = n == 1 ? p[0] : n == 2 ? p[0] & 0x1f : n == 3 ? p[0] & 0x0f : p[0] & 0x07;
	static const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};

	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates and past U+10FFFF are not characters */
	if (!n || v < min[n] || (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
		return 0;
	*cp = v;
	return n;
}

char *lxr_term_safe(char *s, bool keep_lines)
{
	unsigned char *r = (unsigned char *)s, *w = r;

	while (*r) {
		unsigned cp = 0;
		size_t n = utf8_len(r, &cp);
		bool line = keep_lines && (cp == '\n' || cp == '\t');
		/* C0 and C1 controls and DEL, and what is not UTF-8: one ? */
		if (!n || ((cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) && !line)) {
			*w++ = '?';
			r += n ? n : 1;
			continue;
		}
		for (size_t i = 0; i < n; i++)
			*w++ = *r++;
	}
	*w = '\0';
	return s;
}
