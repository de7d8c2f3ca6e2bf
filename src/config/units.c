/* The value syntaxes Compose borrows from Go and docker: durations
 * (time.ParseDuration), byte sizes (go-units RAMInBytes, binary units), CPU
 * counts and signal names. Parsed once here into integers, so nothing later
 * handles a float or a unit suffix. All arithmetic is integer and checked:
 * "1.5g" is exact, and a value that does not fit is an error, never a wrap. */
#define _GNU_SOURCE
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/text.h"

/* digits[.digits] (either side may be empty, not both) times mult, rounded
 * down, into *out; *s is left after the number. */
static int parse_scaled(const char **s, int64_t mult, int64_t *out)
{
	const char *p = *s, *frac, *fend;
	int64_t v = 0, part = 0;
	bool any = false;

	for (; isdigit((unsigned char)*p); p++, any = true)
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *p - '0', &v))
			return -1;
	if (__builtin_mul_overflow(v, mult, &v))
		return -1;
	if (*p == '.') {
		frac = ++p;
		while (isdigit((unsigned char)*p))
			p++;
		fend = p;
		any = any || fend > frac;
		/* floor(0.d1d2...dn * mult), exactly: fold digits from the last,
		 * part = floor((d * mult + part) / 10) at each step. */
		while (fend-- > frac)
			part = ((int64_t)(*fend - '0') * mult + part) / 10;
		if (__builtin_add_overflow(v, part, &v))
			return -1;
	}
	if (!any)
		return -1;
	*s = p;
	*out = v;
	return 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

struct unit {
	const char *name;
	int64_t ns;
};

/* Go also accepts U+00B5 (micro sign) and U+03BC (greek mu) for "us";
 * compose-go's str2duration days (d) and weeks (w) as well. */
static const struct unit duration_units[] = {
    {"ns", 1},
    {"us", 1000},
    {"\xc2\xb5s", 1000},
    {"\xce\xbcs", 1000},
    {"ms", 1000000},
    {"s", 1000000000},
    {"m", 60LL * 1000000000},
    {"h", 3600LL * 1000000000},
    {"d", 86400LL * 1000000000},
    {"w", 7 * 86400LL * 1000000000},
};

/* The longest unit name that matches, so "ms" is not read as "m" + "s". */
static const struct unit *duration_unit(const char **s)
{
	const struct unit *best = NULL;

	for (size_t i = 0; i < sizeof(duration_units) / sizeof(*duration_units); i++) {
		size_t n = strlen(duration_units[i].name);
		if (!strncmp(*s, duration_units[i].name, n) && (!best || n > strlen(best->name)))
			best = &duration_units[i];
	}
	if (best)
		*s += strlen(best->name);
	return best;
}

/* Just past digits[.digits] at s, or s itself when there is no number. */
static const char *skip_number(const char *s)
{
	const char *p = s;
	bool any = false;

	for (; isdigit((unsigned char)*p); p++)
		any = true;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			any = true;
	return any ? p : s;
}

int cfg_parse_duration(const char *s, int64_t *usec)
{
	int64_t total = 0, part;

	if (!s)
		return -1;
	if (*s == '+')
		s++;
	/* A bare integer is seconds (compose's healthcheck and grace periods
	 * accept plain numbers); Go itself only allows a bare "0". */
	if (all_digits(s)) {
		if (parse_scaled(&s, 1000000, &part) < 0)
			return -1;
		*usec = part;
		return 0;
	}
	if (!*s)
		return -1;
	while (*s) {
		const char *num = s, *after = skip_number(s);
		const struct unit *u;

		if (after == s)
			return -1;
		u = duration_unit(&after);
		if (!u || parse_scaled(&num, u->ns, &part) < 0 ||
		    __builtin_add_overflow(total, part, &total))
			return -1;
		s = after;
	}
	/* Sub-microsecond remainders are dropped: nothing lxr times is finer. */
	*usec = total / 1000;
	return 0;
}

int cfg_parse_bytes(const char *s, int64_t *bytes)
{
	static const char units[] = "kmgtp";
	const char *num = s, *p, *u;
	int shift = 0;

	if (!s || (p = skip_number(s)) == s)
		return -1;
	if (*p == ' ') /* go-units allows one space: "1 GB" */
		p++;
	if (*p && (u = strchr(units, tolower((unsigned char)*p)))) {
		shift = 10 * (int)(u - units + 1);
		p++;
		if (*p == 'i' || *p == 'I') /* "1GiB" */
			p++;
	}
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p)
		return -1;
	return parse_scaled(&num, (int64_t)1 << shift, bytes);
}

int cfg_parse_cpus(const char *s, int64_t *millicpus)
{
	const char *p = s;
	int64_t v;

	if (!s || parse_scaled(&p, 1000, &v) < 0 || *p)
		return -1;
	/* "0.0001" would silently become no limit at all */
	if (v == 0 && strpbrk(s, "123456789"))
		return -1;
	*millicpus = v;
	return 0;
}

/* ---- signals ----------------------------------------------------------------
 * Numbers come from the C library's <signal.h>, so they are this machine's
 * (they differ between architectures). Real-time signals are named from the
 * kernel's first one, 32 + 2: glibc reserves 32 and 33 for its threads, so
 * its SIGRTMIN (and docker's "RTMIN") is 34. */
#define RT_FIRST 34
#define RT_LAST  64

static const struct {
	const char *name;
	int signo;
} signals[] = {
    {"SIGHUP", SIGHUP},
    {"SIGINT", SIGINT},
    {"SIGQUIT", SIGQUIT},
    {"SIGILL", SIGILL},
    {"SIGTRAP", SIGTRAP},
    {"SIGABRT", SIGABRT},
    {"SIGBUS", SIGBUS},
    {"SIGFPE", SIGFPE},
    {"SIGKILL", SIGKILL},
    {"SIGUSR1", SIGUSR1},
    {"SIGSEGV", SIGSEGV},
    {"SIGUSR2", SIGUSR2},
    {"SIGPIPE", SIGPIPE},
    {"SIGALRM", SIGALRM},
    {"SIGTERM", SIGTERM},
    {"SIGSTKFLT", SIGSTKFLT},
    {"SIGCHLD", SIGCHLD},
    {"SIGCONT", SIGCONT},
    {"SIGSTOP", SIGSTOP},
    {"SIGTSTP", SIGTSTP},
    {"SIGTTIN", SIGTTIN},
    {"SIGTTOU", SIGTTOU},
    {"SIGURG", SIGURG},
    {"SIGXCPU", SIGXCPU},
    {"SIGXFSZ", SIGXFSZ},
    {"SIGVTALRM", SIGVTALRM},
    {"SIGPROF", SIGPROF},
    {"SIGWINCH", SIGWINCH},
    {"SIGIO", SIGIO},
    {"SIGPWR", SIGPWR},
    {"SIGSYS", SIGSYS},
    /* aliases after the canonical names, so cfg_signal_name finds those */
    {"SIGIOT", SIGIOT},
    {"SIGCLD", SIGCHLD},
    {"SIGPOLL", SIGPOLL},
};

/* Named from the nearer end, as `kill -l` does. */
static const char *const rt_names[RT_LAST - RT_FIRST + 1] = {
    "SIGRTMIN",    "SIGRTMIN+1",  "SIGRTMIN+2",  "SIGRTMIN+3",  "SIGRTMIN+4",  "SIGRTMIN+5",
    "SIGRTMIN+6",  "SIGRTMIN+7",  "SIGRTMIN+8",  "SIGRTMIN+9",  "SIGRTMIN+10", "SIGRTMIN+11",
    "SIGRTMIN+12", "SIGRTMIN+13", "SIGRTMIN+14", "SIGRTMIN+15", "SIGRTMAX-14", "SIGRTMAX-13",
    "SIGRTMAX-12", "SIGRTMAX-11", "SIGRTMAX-10", "SIGRTMAX-9",  "SIGRTMAX-8",  "SIGRTMAX-7",
    "SIGRTMAX-6",  "SIGRTMAX-5",  "SIGRTMAX-4",  "SIGRTMAX-3",  "SIGRTMAX-2",  "SIGRTMAX-1",
    "SIGRTMAX",
};

/* "RTMIN", "RTMIN+n", "RTMAX", "RTMAX-n" (without "SIG"), case-insensitive. */
static int parse_rt(const char *s, int *signo)
{
	int base, n = 0;
	char sign;

	if (!strncasecmp(s, "RTMIN", 5)) {
		base = RT_FIRST;
		sign = '+';
	} else if (!strncasecmp(s, "RTMAX", 5)) {
		base = RT_LAST;
		sign = '-';
	} else {
		return -1;
	}
	s += 5;
	if (*s) {
		if (*s != sign || !all_digits(s + 1) || strlen(s + 1) > 2)
			return -1;
		n = atoi(s + 1);
	}
	n = sign == '+' ? base + n : base - n;
	if (n < RT_FIRST || n > RT_LAST)
		return -1;
	*signo = n;
	return 0;
}

int cfg_parse_signal(const char *s, int *signo)
{
	if (!s)
		return -1;
	if (all_digits(s)) {
		int n = strlen(s) > 2 ? -1 : atoi(s);

		/* 32 and 33 belong to the C library's threads, not to users */
		if (n < 1 || n > RT_LAST || (n > SIGSYS && n < RT_FIRST))
			return -1;
		*signo = n;
		return 0;
	}
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(signals) / sizeof(*signals); i++) {
		if (!strcasecmp(s, signals[i].name + 3)) {
			*signo = signals[i].signo;
			return 0;
		}
	}
	return parse_rt(s, signo);
}

const char *cfg_signal_name(int signo)
{
	for (size_t i = 0; i < sizeof(signals) / sizeof(*signals); i++)
		if (signals[i].signo == signo)
			return signals[i].name;
	if (signo < RT_FIRST || signo > RT_LAST)
		return NULL;
	return rt_names[signo - RT_FIRST];
}
