/* Diagnostics to stderr. Errors a user acts on go through lxr_err_print; this
 * is for warnings and tracing (LXR_DEBUG=1). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "lxr/util.h"

enum lxr_log_level lxr_log_level = LXR_LOG_WARN;

void lxr_log(enum lxr_log_level lvl, const char *fmt, ...)
{
	static const char *names[] = {"error", "warning", "info", "debug"};
	va_list ap;

	if (lvl > lxr_log_level)
		return;
	fprintf(stderr, "lxr: %s: ", names[lvl]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
