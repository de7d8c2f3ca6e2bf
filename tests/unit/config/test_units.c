/* Value syntaxes: each table row is what a user writes in a stack file and
 * the number lxr acts on, or a rejection. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "config/text.h"

#define BAD INT64_MIN /* the row must be rejected */

struct row {
	const char *in;
	int64_t want;
};

static void run_table(const char *what, int (*parse)(const char *, int64_t *),
		      const struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int64_t got = 12345;
		int r = parse(rows[i].in, &got);

		if (rows[i].want == BAD) {
			if (r != -1)
				fail_msg("%s \"%s\": accepted as %lld, want rejected", what,
					 rows[i].in, (long long)got);
			if (got != 12345)
				fail_msg("%s \"%s\": rejected but wrote the result", what,
					 rows[i].in);
		} else if (r != 0 || got != rows[i].want) {
			fail_msg("%s \"%s\": r=%d got %lld, want %lld", what, rows[i].in, r,
				 (long long)got, (long long)rows[i].want);
		}
	}
}

#define S 1000000LL /* microseconds per second */

static void durations(void **state)
{
	static const struct row rows[] = {
	    {"10s", 10 * S},
	    {"1m30s", 90 * S},
	    {"1h", 3600 * S},
	    {"500ms", 500000},
	    {"1.5s", 1500000},
	    {"2us", 2},
	    {"2\xc2\xb5s", 2},
	    {"2\xce\xbcs", 2},
	    {"1500ns", 1},
	    {"999ns", 0},
	    {"1h2m3s4ms5us", 3723 * S + 4005},
	    {"0", 0},
	    {"0s", 0},
	    {"10", 10 * S}, /* bare integer: seconds */
	    {"+5s", 5 * S},
	    {".5s", 500000},
	    {"1.s", S},
	    {"0.000001s", 1},
	    {"1.0000001s", S}, /* Go truncates below the nanosecond */
	    {"2562047h", 2562047LL * 3600 * S},
	    {"", BAD},
	    {"s", BAD},
	    {"-1s", BAD},
	    {"1.5", BAD}, /* a bare number must be whole seconds */
	    {"10 s", BAD},
	    {"10S", BAD},
	    {"1d", 86400 * S}, /* compose-go's str2duration: days and weeks */
	    {"1w2d", 9 * 86400 * S},
	    {"1D", BAD},
	    {"1m30", BAD},
	    {"1..5s", BAD},
	    {".s", BAD},
	    {"+", BAD},
	    {"2562048h", BAD}, /* past int64 nanoseconds, as Go */
	    {"99999999999999999999", BAD},
	    {"9223372036855", BAD}, /* seconds that overflow microseconds */
	};
	run_table("duration", cfg_parse_duration, rows, sizeof(rows) / sizeof(*rows));
}

static void byte_sizes(void **state)
{
	static const struct row rows[] = {
	    {"512", 512},
	    {"512b", 512},
	    {"512B", 512},
	    {"64k", 64 << 10},
	    {"64kb", 64 << 10},
	    {"64KB", 64 << 10},
	    {"64KiB", 64 << 10},
	    {"100m", 100LL << 20},
	    {"100MB", 100LL << 20},
	    {"1g", 1LL << 30},
	    {"1Gb", 1LL << 30},
	    {"1.5g", 3LL << 29},
	    {"0.5k", 512},
	    {"1.0001k", 1024}, /* fractions of a byte round down */
	    {"2t", 2LL << 40},
	    {"1p", 1LL << 50},
	    {"1 GB", 1LL << 30},
	    {"0", 0},
	    {"8191p", 8191LL << 50},
	    {"", BAD},
	    {"-1m", BAD},
	    {"+1m", BAD},
	    {"m", BAD},
	    {"1x", BAD},
	    {"1mm", BAD},
	    {"1  m", BAD},
	    {"1i", BAD},
	    {"1.2.3m", BAD},
	    {"8192p", BAD}, /* 2^63 does not fit */
	    {"9223372036854775808", BAD},
	    {"99999999999999t", BAD},
	};
	run_table("bytes", cfg_parse_bytes, rows, sizeof(rows) / sizeof(*rows));
}

static void cpu_counts(void **state)
{
	static const struct row rows[] = {
	    {"0.5", 500},
	    {"2", 2000},
	    {"1.25", 1250},
	    {"0.001", 1},
	    {"1.0009", 1000},
	    {".5", 500},
	    {"3.", 3000},
	    {"0", 0},
	    {"0.0", 0},
	    {"", BAD},
	    {"-1", BAD},
	    {"-0.5", BAD},
	    {"0.0001", BAD},
	    {"1e3", BAD},
	    {"half", BAD},
	    {"1 ", BAD},
	    {".", BAD},
	    {"1,5", BAD},
	    {"9223372036854775807", BAD},
	};
	run_table("cpus", cfg_parse_cpus, rows, sizeof(rows) / sizeof(*rows));
}

static void signals(void **state)
{
	static const struct {
		const char *in;
		int want; /* 0: rejected */
	} rows[] = {
	    {"SIGTERM", SIGTERM},
	    {"TERM", SIGTERM},
	    {"term", SIGTERM},
	    {"SigKill", SIGKILL},
	    {"15", SIGTERM},
	    {"9", SIGKILL},
	    {"SIGUSR1", SIGUSR1},
	    {"hup", SIGHUP},
	    {"SIGWINCH", SIGWINCH},
	    {"SIGIOT", SIGABRT},
	    {"SIGCLD", SIGCHLD},
	    {"SIGPOLL", SIGIO},
	    {"SIGRTMIN", 34},
	    {"RTMIN+1", 35},
	    {"sigrtmin+15", 49},
	    {"SIGRTMAX", 64},
	    {"SIGRTMAX-1", 63},
	    {"RTMAX-30", 34},
	    {"64", 64},
	    {"34", 34},
	    {"1", 1},
	    {"", 0},
	    {"0", 0},
	    {"65", 0},
	    {"32", 0}, /* glibc's own */
	    {"33", 0},
	    {"-9", 0},
	    {"SIG", 0},
	    {"SIGFOO", 0},
	    {"SIGTERM ", 0},
	    {"SIGSIGTERM", 0},
	    {"RTMIN+31", 0},
	    {"RTMAX-31", 0},
	    {"RTMIN-1", 0},
	    {"RTMAX+1", 0},
	    {"RTMIN+", 0},
	    {"RTMIN+001", 0},
	    {"009", 0},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		int got = -7;
		int r = cfg_parse_signal(rows[i].in, &got);

		if (rows[i].want == 0 && (r != -1 || got != -7))
			fail_msg("signal \"%s\": accepted as %d", rows[i].in, got);
		if (rows[i].want && (r != 0 || got != rows[i].want))
			fail_msg("signal \"%s\": r=%d got %d want %d", rows[i].in, r, got,
				 rows[i].want);
	}
}

static void signal_names_round_trip(void **state)
{
	assert_string_equal(cfg_signal_name(SIGTERM), "SIGTERM");
	assert_string_equal(cfg_signal_name(SIGKILL), "SIGKILL");
	assert_string_equal(cfg_signal_name(SIGABRT), "SIGABRT"); /* not the SIGIOT alias */
	assert_string_equal(cfg_signal_name(SIGCHLD), "SIGCHLD");
	assert_string_equal(cfg_signal_name(SIGIO), "SIGIO");
	assert_string_equal(cfg_signal_name(34), "SIGRTMIN");
	assert_string_equal(cfg_signal_name(35), "SIGRTMIN+1");
	assert_string_equal(cfg_signal_name(49), "SIGRTMIN+15");
	assert_string_equal(cfg_signal_name(50), "SIGRTMAX-14");
	assert_string_equal(cfg_signal_name(64), "SIGRTMAX");
	assert_null(cfg_signal_name(0));
	assert_null(cfg_signal_name(32));
	assert_null(cfg_signal_name(65));
	assert_null(cfg_signal_name(-1));
	/* every number the parser accepts has a name that parses back to it */
	for (int n = 1; n <= 64; n++) {
		char num[4];
		int back = 0;

		snprintf(num, sizeof(num), "%d", n);
		if (cfg_parse_signal(num, &back) < 0) {
			assert_null(cfg_signal_name(n));
			continue;
		}
		assert_non_null(cfg_signal_name(n));
		assert_int_equal(cfg_parse_signal(cfg_signal_name(n), &back), 0);
		assert_int_equal(back, n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(durations),
	    cmocka_unit_test(byte_sizes),
	    cmocka_unit_test(cpu_counts),
	    cmocka_unit_test(signals),
	    cmocka_unit_test(signal_names_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
