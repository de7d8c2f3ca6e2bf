/* Diagnostics to stderr. Errors a user acts on go through lxr_err_print; this
 * is for warnings and tracing (LXR_DEBUG=1). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "lxr/util.h"

enum lxr_log_level lxr_log_level = LXR_LOG_WARN;

void lxr_log(enum lxr_log_level lvl, const char *fmt, ...)
{
	static const char *names[] = {"error", "warning", "info", "debug"};
	va_list ap;

	if (lvl > lxr_log_level)
		return;
	if (lvl == LXR_LOG_DEBUG) {
		/* milliseconds since the first message: where start-up time goes */
		static struct timespec t0;
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!t0.tv_sec && !t0.tv_nsec)
			t0 = now;
		fprintf(stderr, "lxr[%d] %8.3f ms: ", (int)getpid(),
			(double)(now.tv_sec - t0.tv_sec) * 1e3 +
			    (double)(now.tv_nsec - t0.tv_nsec) / 1e6);
	} else {
		fprintf(stderr, "lxr: %s: ", names[lvl]);
	}
	/* what it says may hold a name from a container: no byte of it
	 * steers the terminal */
	char buf[4096];
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", lxr_term_safe(buf, false));
}
