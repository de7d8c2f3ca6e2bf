/* Linked only into the static lxr (LXR_STATIC). glibc's tzset reads TZ
 * with sscanf (%hu, %n, literals), and through it would bring glibc's
 * whole scanf, 94 KB with its float parsers, which lxr's own code no
 * longer calls (it uses lxr_sscanf). In a static link a definition of the
 * symbol the libc objects name is taken instead of the archive's, so this
 * one, on lxr_vsscanf, serves them. */
#include <stdarg.h>

#include "lxr/util.h"

int __isoc99_sscanf(const char *s, const char *fmt, ...);

int __isoc99_sscanf(const char *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = lxr_vsscanf(s, fmt, ap);
	va_end(ap);
	return n;
}
