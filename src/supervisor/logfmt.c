/* The small text forms logs share: CRI timestamps both ways and the
 * `service | ` prefix with its colour. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lxr/supervisor.h"

void log_format_ts(char *buf, const struct timespec *ts)
{
	struct tm tm;
	time_t t = ts->tv_sec;
	char tmp[96];

	gmtime_r(&t, &tm);
	/* Always nine fraction digits (Go's RFC3339Nano trims zeros): records
	 * of one width compare as text, and every CRI reader accepts it. */
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)ts->tv_nsec);
	memcpy(buf, tmp, LOG_TS_LEN);
	buf[LOG_TS_LEN] = '\0';
}

static bool digits(const char *s, size_t n, int *out)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* "YYYY-MM-DDTHH:MM:SS" at s (19 chars) into tm. */
static bool parse_civil(const char *s, struct tm *tm)
{
	int y, mo, d, h, mi, sec;

	if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
	    s[16] != ':')
		return false;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &sec))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return false;
	*tm = (struct tm){.tm_year = y - 1900,
			  .tm_mon = mo - 1,
			  .tm_mday = d,
			  .tm_hour = h,
			  .tm_min = mi,
			  .tm_sec = sec};
	return true;
}

int log_parse_ts(const char *s, size_t len, struct timespec *out)
{
	struct tm tm;
	size_t i = 19;
	long nsec = 0, scale = 100000000;
	int off = 0, oh, om;

	if (len < 20 || !parse_civil(s, &tm))
		return -1;
	if (s[i] == '.') {
		for (i++; i < len && isdigit((unsigned char)s[i]); i++, scale /= 10)
			nsec += (s[i] - '0') * scale;
		if (s[i - 1] == '.')
			return -1;
	}
	if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i + 6 <= len && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':' &&
		   digits(s + i + 1, 2, &oh) && digits(s + i + 4, 2, &om)) {
		off = (oh * 60 + om) * 60 * (s[i] == '-' ? -1 : 1);
		i += 6;
	} else {
		return -1;
	}
	if (i != len)
		return -1;
	out->tv_sec = timegm(&tm) - off;
	out->tv_nsec = nsec;
	return 0;
}

/* compose's palette, in its order: the plain colours, then bold ones. */
static const char *const palette[] = {"36",   "33",   "32",   "35",   "34",
				      "36;1", "33;1", "32;1", "35;1", "34;1"};

const char *log_colour(const char *name)
{
	uint32_t h = 2166136261u; /* FNV-1a: the same name gets the same
				   * colour in `up` and in every `logs` */

	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return palette[h % (sizeof(palette) / sizeof(palette[0]))];
}

size_t log_format_prefix(char *buf, size_t size, const char *service, size_t width, bool color)
{
	int pad = (int)width;
	int n;

	if (color)
		n = snprintf(buf, size, "\033[%sm%-*s |\033[0m ", log_colour(service), pad,
			     service);
	else
		n = snprintf(buf, size, "%-*s | ", pad, service);
	if (n < 0 || size == 0)
		return 0;
	return (size_t)n < size ? (size_t)n : size - 1;
}

bool log_color_wanted(int fd, bool no_color)
{
	const char *nc = getenv("NO_COLOR");

	if (no_color || (nc && *nc))
		return false;
	return isatty(fd) == 1;
}
