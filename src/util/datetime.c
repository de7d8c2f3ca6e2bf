/* The calendar dates and times lxr reads (an image's `created`, `logs
 * --since`), in place of strptime: glibc's, with its locale machinery,
 * was 13 KB of the static lxr for two fixed numeric forms. */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include "lxr/util.h"

/* 1 to max digits; *v their value; NULL if none */
static const char *num(const char *s, int max, int *v)
{
	int n = 0;

	*v = 0;
	while (n < max && isdigit((unsigned char)s[n]))
		*v = *v * 10 + (s[n++] - '0');
	return n ? s + n : NULL;
}

const char *lxr_scan_datetime(const char *s, struct tm *tm, int *parts)
{
	const char *p;
	int y, mo, d, h, mi, sec;

	*parts = 0;
	memset(tm, 0, sizeof(*tm));
	if (!(p = num(s, 4, &y)) || *p != '-' || !(p = num(p + 1, 2, &mo)) || *p != '-' ||
	    !(p = num(p + 1, 2, &d)) || mo < 1 || mo > 12 || d < 1 || d > 31)
		return NULL;
	tm->tm_year = y - 1900;
	tm->tm_mon = mo - 1;
	tm->tm_mday = d;
	*parts = 1;
	if (*p != 'T')
		return p;
	{
		const char *t = num(p + 1, 2, &h);
		if (!t || *t != ':' || !(t = num(t + 1, 2, &mi)) || h > 23 || mi > 59)
			return p;
		tm->tm_hour = h;
		tm->tm_min = mi;
		*parts = 2;
		p = t;
	}
	if (*p == ':') {
		const char *t = num(p + 1, 2, &sec);
		if (t && sec <= 60) {
			tm->tm_sec = sec;
			*parts = 3;
			p = t;
		}
	}
	return p;
}
