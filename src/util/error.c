/* The error value every fallible lxr function fills (see util.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lxr/util.h"

int lxr_fail(lxr_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->errnum = errnum;
	err->hint[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int lxr_err_wrap(lxr_err *err, const char *fmt, ...)
{
	enum { MAX = LXR_ERR_MSG_MAX - 1, HEAD = (MAX - 3) / 2, TAIL = MAX - 3 - HEAD };
	char full[2 * LXR_ERR_MSG_MAX + 2];
	size_t len, ol;
	va_list ap;
	int n;

	if (!err)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(full, LXR_ERR_MSG_MAX, fmt, ap);
	va_end(ap);
	len = n < 0 ? 0 : (size_t)n > MAX ? MAX : (size_t)n;
	/* Context first, then the older, more specific message. When the
	 * chain does not fit (a context or a reason quoting a long input),
	 * its middle goes: the start says what was being done, the end why
	 * it failed. */
	ol = strnlen(err->msg, MAX);
	memcpy(full + len, ": ", 2);
	memcpy(full + len + 2, err->msg, ol);
	len += 2 + ol;
	if (len <= MAX) {
		memcpy(err->msg, full, len);
		err->msg[len] = '\0';
		return -1;
	}
	memcpy(err->msg, full, HEAD);
	memcpy(err->msg + HEAD, "...", 3);
	memcpy(err->msg + HEAD + 3, full + len - TAIL, TAIL);
	err->msg[MAX] = '\0';
	return -1;
}

int lxr_err_hint(lxr_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
	va_end(ap);
	return -1;
}

void lxr_err_clear(lxr_err *err)
{
	err->errnum = 0;
	err->msg[0] = '\0';
	err->hint[0] = '\0';
}

const char *lxr_errno_name(int errnum)
{
	const char *n = strerrorname_np(errnum);
	return n ? n : "E?";
}

const char *lxr_err_str(const lxr_err *err, char *buf, size_t len)
{
	if (err->errnum)
		snprintf(buf, len, "%s: %s (%s)", err->msg, strerror(err->errnum),
			 lxr_errno_name(err->errnum));
	else
		snprintf(buf, len, "%s", err->msg);
	return buf;
}

void lxr_err_print(const lxr_err *err)
{
	char buf[LXR_ERR_MSG_MAX + 128], hint[LXR_ERR_HINT_MAX];

	/* a message may name what a container made (a file, a path): no byte
	 * of it steers the terminal */
	fprintf(stderr, "lxr: error: %s\n",
		lxr_term_safe((char *)lxr_err_str(err, buf, sizeof(buf)), false));
	if (err->hint[0]) {
		snprintf(hint, sizeof(hint), "%s", err->hint);
		fprintf(stderr, "lxr: hint: %s\n", lxr_term_safe(hint, false));
	}
}
