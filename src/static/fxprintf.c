/* Linked only into the static lxr (LXR_STATIC). glibc's getopt and its
 * internal assertions print through __fxprintf, which also serves wide
 * (wchar_t) streams and so brings glibc's whole wide printf, 30 KB that
 * lxr never uses: it makes no stream wide. As with scanf.c, a definition
 * here is taken instead of the archive's; these print as fprintf does. */
#include <stdarg.h>
#include <stdio.h>

int __fxprintf(FILE *fp, const char *fmt, ...);

int __fxprintf(FILE *fp, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(fp ? fp : stderr, fmt, ap);
	va_end(ap);
	return n;
}

/* the same: lxr runs no threads, nothing to cancel */
int __fxprintf_nocancel(FILE *fp, const char *fmt, ...) __attribute__((alias("__fxprintf")));
